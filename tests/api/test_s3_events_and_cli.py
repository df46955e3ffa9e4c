"""S3 event notifications queue photos for ingestion; the AWS CLI speaks to the server unchanged;
/healthz and /metrics report what happened."""
import json
import os
import pathlib
import subprocess
import unittest
import urllib.error
import urllib.request

from beetroot_server import BeetrootServer, demo_photo, wait_for


def event(bucket, *keys, name="ObjectCreated:Put"):
    return {"Records": [{"eventName": name, "s3": {"bucket": {"name": bucket}, "object": {"key": k}}} for k in keys]}


class S3EventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BeetrootServer(extra_env={"BEETROOT_EVENTS_TOKEN": "events-secret"})

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def put_object(self, bucket, key, data):
        path = pathlib.Path(self.server.data.name) / "objects" / bucket / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def post_event(self, body, **kwargs):
        return self.server.signed_call(None, body, path="/events/s3", service="s3", **kwargs)

    def photos(self):
        out = subprocess.run([os.environ["BEETROOT_BINARY"], "photos"], capture_output=True, text=True, check=True,
                             env=dict(os.environ, BEETROOT_DATA=self.server.data.name))
        return {row["photoId"]: row for row in map(json.loads, out.stdout.splitlines())}

    def test_an_event_queues_its_photos_once_and_they_are_filed(self):
        self.put_object("beetroot-photos", "photos-raw/party 1.jpg", demo_photo(1))
        self.put_object("beetroot-photos", "photos-raw/two.jpg", demo_photo(2))
        status, response = self.post_event(event("beetroot-photos", "photos-raw/party+1.jpg", "photos-raw/two.jpg",
                                                 "elsewhere/x.jpg"))
        self.assertEqual(status, 200, response)
        outcomes = [p["outcome"] for p in response["photos"]]
        self.assertEqual(outcomes, ["queued", "queued", "skipped"])
        self.assertEqual(response["photos"][0]["key"], "photos-raw/party 1.jpg")
        ids = [p["photoId"] for p in response["photos"][:2]]
        wait_for(lambda: all(self.photos().get(i, {}).get("status") == "done" for i in ids), message="photos done")
        rows = self.photos()
        for photo_id in ids:
            self.assertGreater(rows[photo_id]["faceCount"], 0)
            for key in rows[photo_id]["faceThumbKeys"]:
                self.assertTrue(key.startswith("faces-thumbs/"))
                self.assertTrue((pathlib.Path(self.server.data.name) / "objects/beetroot-thumbs" / key).is_file())

        status, again = self.post_event(event("beetroot-photos", "photos-raw/two.jpg"))
        self.assertEqual([p["outcome"] for p in again["photos"]], ["already-done"])
        self.assertIn("Photos: already exists; skipping", self.server.logs())

        _, metrics = self.server.get("/metrics")
        self.assertIn('beetroot_requests_total{operation="S3Event",status="200"}', metrics)
        self.assertIn("beetroot_photos_ingested_total 2", metrics)
        _, health = self.server.get("/healthz")
        self.assertEqual(json.loads(health)["status"], "ok")

    def test_a_bearer_token_is_accepted_and_bad_events_change_nothing(self):
        def post(body, token):
            request = urllib.request.Request(self.server.url + "/events/s3", data=body, method="POST",
                                             headers={"Authorization": f"Bearer {token}"})
            try:
                with urllib.request.urlopen(request, timeout=30) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read())
        before = self.photos()
        self.assertEqual(post(b"{not json", "events-secret")[0], 400)
        self.assertEqual(post(json.dumps({"Records": "x"}).encode(), "events-secret")[0], 400)
        self.assertEqual(post(json.dumps(event("beetroot-photos", "photos-raw/../../etc/passwd")).encode(),
                              "events-secret")[0], 400)
        status, refused = post(json.dumps(event("beetroot-photos", "photos-raw/y.jpg")).encode(), "wrong")
        self.assertEqual((status, refused["__type"]), (400, "IncompleteSignatureException"))
        self.assertEqual(self.photos(), before)
        status, accepted = post(json.dumps(event("beetroot-photos", "photos-raw/removed.jpg", name="ObjectRemoved:Delete")).encode(),
                                "events-secret")
        self.assertEqual((status, accepted["photos"]), (200, []))


class AwsCliTest(unittest.TestCase):
    def test_the_aws_cli_indexes_searches_and_pages(self):
        server = BeetrootServer()
        env = dict(os.environ, AWS_ACCESS_KEY_ID=server.key_id, AWS_SECRET_ACCESS_KEY=server.secret,
                   AWS_DEFAULT_REGION="eu-west-1", AWS_PAGER="")
        photo = pathlib.Path(server.data.name) / "photo.jpg"
        photo.write_bytes(demo_photo(4))

        def aws(*args, check=True):
            result = subprocess.run(["/usr/bin/aws", "rekognition", *args, "--endpoint-url", server.url,
                                     "--output", "json"], capture_output=True, text=True, env=env)
            if check and result.returncode != 0:
                raise AssertionError(result.stderr)
            return result

        try:
            aws("create-collection", "--collection-id", "cli")
            indexed = json.loads(aws("index-faces", "--collection-id", "cli", "--image-bytes", f"fileb://{photo}",
                                     "--quality-filter", "NONE").stdout)
            ids = sorted(r["Face"]["FaceId"] for r in indexed["FaceRecords"])
            self.assertGreaterEqual(len(ids), 2)
            listed = json.loads(aws("list-faces", "--collection-id", "cli", "--page-size", "1").stdout)
            self.assertEqual(sorted(f["FaceId"] for f in listed["Faces"]), ids)  # the CLI follows NextToken
            found = json.loads(aws("search-faces-by-image", "--collection-id", "cli", "--image-bytes",
                                   f"fileb://{photo}", "--max-faces", "1").stdout)
            self.assertIn(found["FaceMatches"][0]["Face"]["FaceId"], ids)
            missing = aws("describe-collection", "--collection-id", "nope", check=False)
            self.assertNotEqual(missing.returncode, 0)
            self.assertIn("ResourceNotFoundException", missing.stderr)
        finally:
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
