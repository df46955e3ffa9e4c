"""The People API: list, rename, hide, merge, move a face, upload and delete photos, thumbnails with
caching headers; bad tokens, unknown ids, malformed bodies and oversized uploads change nothing."""
import json
import pathlib
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

from beetroot_server import BeetrootServer, LFW, demo_photo, wait_for


class PeopleApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BeetrootServer(args=("--max-body-bytes", str(3 * 2**20)))
        status, body, _ = cls.server.upload([("sample1.jpg", demo_photo(1)), ("sample3.jpg", demo_photo(3))])
        assert status == 202, body
        cls.photo_ids = [p["photoId"] for p in body["photos"]]
        wait_for(lambda: all(cls.server.rest("GET", f"/api/photos/{i}")[1]["status"] == "done" for i in cls.photo_ids),
                 message="uploads ingested")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def people(self, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        status, body, _ = self.server.rest("GET", "/api/people?" + query)
        self.assertEqual(status, 200, body)
        return body

    def snapshot(self):
        """Everything the API shows, to check that a refused request changed nothing."""
        people = self.people(limit=1000, hidden="true")["people"]
        return people, [self.server.rest("GET", f"/api/people/{p['personId']}")[1] for p in people]

    def without_token(self, method, path, body=None, headers=None):
        """A request with no Authorization header: (status, Set-Cookie header or None)."""
        request = urllib.request.Request(self.server.url + path, method=method, headers=headers or {},
                                         data=None if body is None else body.encode())
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers.get("Set-Cookie")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Set-Cookie")

    def test_the_page_signs_in_with_a_session_cookie_the_server_sets(self):
        login = json.dumps({"token": self.server.token})
        self.assertEqual(self.without_token("POST", "/api/login", json.dumps({"token": "wrong"})), (401, None))
        self.assertEqual(self.without_token("POST", "/api/login", "not json")[0], 400)
        self.assertEqual(self.without_token("POST", "/api/login", json.dumps({"token": 7}))[0], 400)

        status, cookie = self.without_token("POST", "/api/login", login)
        self.assertEqual(status, 204)
        attributes = [a.strip() for a in cookie.split(";")]
        name, value = attributes[0].split("=", 1)
        self.assertEqual(name, "beetroot_session")
        self.assertNotIn(self.server.token, cookie)
        self.assertTrue({"HttpOnly", "SameSite=Strict", "Path=/"} <= set(attributes), cookie)
        self.assertNotIn("Secure", attributes)  # served over plain HTTP here
        behind_tls = self.without_token("POST", "/api/login", login, {"X-Forwarded-Proto": "https"})[1]
        self.assertIn("Secure", [a.strip() for a in behind_tls.split(";")])

        self.assertEqual(self.without_token("GET", "/api/people", headers={"Cookie": f"beetroot_session={value}"})[0], 200)
        for wrong in (f"beetroot_session={self.server.token}", f"beetroot_token={self.server.token}",
                      f"beetroot_session={value[:-1]}"):
            self.assertEqual(self.without_token("GET", "/api/people", headers={"Cookie": wrong})[0], 401, wrong)

        status, cleared = self.without_token("POST", "/api/logout")
        self.assertEqual(status, 204)
        self.assertIn("Max-Age=0", cleared)

    def test_the_page_and_its_files_are_served_as_they_are_in_web(self):
        # The browser test drives the page in the normal build only; its files are served here.
        web = pathlib.Path(__file__).resolve().parents[2] / "web"
        for path, name, kind in (("/", "index.html", "text/html"), ("/app.js", "app.js", "javascript"),
                                 ("/questions.js", "questions.js", "javascript"), ("/photos.js", "photos.js", "javascript"),
                                 ("/style.css", "style.css", "text/css")):
            with urllib.request.urlopen(self.server.url + path, timeout=30) as response:
                self.assertEqual(response.status, 200, path)
                self.assertIn(kind, response.headers["Content-Type"], path)
                self.assertEqual(response.read(), (web / name).read_bytes(), path)

    def test_people_are_listed_paged_and_sorted_with_their_faces(self):
        everyone = self.people(limit=1000)
        self.assertGreaterEqual(everyone["total"], 5)
        counts = [p["faceCount"] for p in everyone["people"]]
        self.assertEqual(counts, sorted(counts, reverse=True))
        first, second = self.people(limit=2), self.people(limit=2, offset=2)
        self.assertEqual([p["personId"] for p in first["people"] + second["people"]],
                         [p["personId"] for p in everyone["people"][:4]])
        person = everyone["people"][0]
        status, detail, _ = self.server.rest("GET", f"/api/people/{person['personId']}")
        self.assertEqual(status, 200)
        self.assertEqual(len(detail["faces"]), person["faceCount"])
        self.assertTrue(all(f["thumbUrl"].startswith(f"/thumbs/faces-thumbs/{person['personId']}/")
                            for f in detail["faces"]))

    def test_thumbnails_and_photos_are_served_with_type_length_etag_and_caching(self):
        cover = self.people(limit=1)["people"][0]["coverUrl"]
        status, data, headers = self.server.rest("GET", cover)
        self.assertEqual((status, headers["Content-Type"]), (200, "image/jpeg"))
        self.assertEqual(int(headers["Content-Length"]), len(data))
        self.assertIn("max-age", headers["Cache-Control"])
        status, _, _ = self.server.rest("GET", cover, headers={"If-None-Match": headers["ETag"]})
        self.assertEqual(status, 304)
        status, data, headers = self.server.rest("GET", f"/api/photos/{self.photo_ids[0]}/image")
        self.assertEqual((status, data), (200, demo_photo(1)))

    def test_a_phone_photo_in_heic_is_filed_and_shown_to_browsers_as_jpeg(self):
        with tempfile.TemporaryDirectory() as scratch:
            source, heic = pathlib.Path(scratch, "in.jpg"), pathlib.Path(scratch, "IMG_0001.HEIC")
            source.write_bytes(demo_photo(2))
            subprocess.run(["heif-enc", "-q", "85", "-p", "preset=ultrafast", str(source), "-o", str(heic)], check=True, capture_output=True)
            status, body, _ = self.server.upload([(heic.name, heic.read_bytes())])
        self.assertEqual(status, 202, body)
        photo = body["photos"][0]["photoId"]
        wait_for(lambda: self.server.rest("GET", f"/api/photos/{photo}")[1]["status"] == "done", message="HEIC filed")
        self.assertGreater(len(self.server.rest("GET", f"/api/photos/{photo}")[1]["faces"]), 1)
        status, data, headers = self.server.rest("GET", f"/api/photos/{photo}/image")
        self.assertEqual((status, headers["Content-Type"]), (200, "image/jpeg"))
        self.assertEqual(data[:3], b"\xff\xd8\xff")

    def test_rename_and_hide_persist_and_sort_by_name(self):
        person = self.people(limit=1)["people"][0]["personId"]
        status, body, _ = self.server.rest("PATCH", f"/api/people/{person}", {"name": "Zoë Example"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["name"], "Zoë Example")
        by_name = self.people(sort="name", limit=1000)["people"]
        names = [p["name"] for p in by_name]
        named = [n for n in names if n]
        self.assertEqual(names[:len(named)], sorted(named, key=str.lower), "named people first, by name")
        self.assertIn(person, [p["personId"] for p in by_name[:len(named)]])
        self.server.rest("PATCH", f"/api/people/{person}", {"hidden": True})
        self.assertNotIn(person, [p["personId"] for p in self.people(limit=1000)["people"]])
        self.assertIn(person, [p["personId"] for p in self.people(limit=1000, hidden="true")["people"]])
        self.server.rest("PATCH", f"/api/people/{person}", {"hidden": False})

    def test_merge_moves_faces_and_thumbnails_to_the_survivor(self):
        status, body, _ = self.server.upload([("sample4.jpg", demo_photo(4))])
        photo = body["photos"][0]["photoId"]
        wait_for(lambda: self.server.rest("GET", f"/api/photos/{photo}")[1]["status"] == "done", message="ingested")
        faces = self.server.rest("GET", f"/api/photos/{photo}")[1]["faces"]
        survivor, merged = faces[0]["personId"], faces[1]["personId"]
        before = self.server.rest("GET", f"/api/people/{survivor}")[1]["faceCount"] + \
            self.server.rest("GET", f"/api/people/{merged}")[1]["faceCount"]
        status, result, _ = self.server.rest("POST", f"/api/people/{survivor}/merge", {"personIds": [merged]})
        self.assertEqual((status, result["personId"], result["faceCount"]), (200, survivor, before))
        self.assertEqual(self.server.rest("GET", f"/api/people/{merged}")[0], 404)
        thumbs = pathlib.Path(self.server.data.name) / "objects/beetroot-thumbs/faces-thumbs"
        self.assertFalse((thumbs / merged).exists() and any((thumbs / merged).iterdir()))
        detail = self.server.rest("GET", f"/api/people/{survivor}")[1]
        for face in detail["faces"]:
            self.assertEqual(self.server.rest("GET", face["thumbUrl"])[0], 200)
        row = self.server.rest("GET", f"/api/photos/{photo}")[1]
        self.assertEqual({f["personId"] for f in row["faces"][:2]}, {survivor})

        # Moving a face out makes a person of it again, its thumbnail in the new folder.
        moved = faces[1]["faceId"]
        status, result, _ = self.server.rest("POST", f"/api/faces/{moved}/move", {})
        self.assertEqual(status, 200)
        self.assertNotIn(result["personId"], (survivor, merged), "a merged-away personId never comes back")
        self.assertEqual(self.server.rest("GET", f"/api/people/{result['personId']}")[1]["faceCount"], 1)
        self.assertTrue((thumbs / result["personId"] / f"{photo}_face_{faces[1]['faceIndex']}.jpg").is_file())

    def test_deleting_a_photo_removes_its_faces_thumbnails_and_empty_people(self):
        status, body, _ = self.server.upload([("sample5.jpg", demo_photo(5))])
        photo = body["photos"][0]["photoId"]
        wait_for(lambda: self.server.rest("GET", f"/api/photos/{photo}")[1]["status"] == "done", message="ingested")
        faces = self.server.rest("GET", f"/api/photos/{photo}")[1]["faces"]
        self.assertEqual(self.server.rest("DELETE", f"/api/photos/{photo}")[0], 204)
        self.assertEqual(self.server.rest("GET", f"/api/photos/{photo}")[0], 404)
        for face in faces:
            self.assertEqual(self.server.rest("GET", face["thumbUrl"])[0], 404)
            person = self.server.rest("GET", f"/api/people/{face['personId']}")
            if person[0] == 200:
                self.assertNotIn(face["faceId"], [f["faceId"] for f in person[1]["faces"]])
        self.assertEqual(self.server.rest("DELETE", f"/api/photos/{photo}")[0], 404)

    def test_concurrent_corrections_and_a_delete_during_ingestion_stay_consistent(self):
        import threading
        status, body, _ = self.server.upload([("sample6.jpg", demo_photo(6))])
        photo = body["photos"][0]["photoId"]
        # Deleting a photo still being ingested is refused (409) or, once it is done, done whole.
        status, _, _ = self.server.rest("DELETE", f"/api/photos/{photo}")
        self.assertIn(status, (409, 204))
        if status == 409:
            wait_for(lambda: self.server.rest("GET", f"/api/photos/{photo}")[1]["status"] == "done", message="ingested")
            self.assertEqual(self.server.rest("DELETE", f"/api/photos/{photo}")[0], 204)
        self.assertEqual(self.server.rest("GET", f"/api/photos/{photo}")[0], 404)

        people = self.people(limit=1000)["people"]
        survivor, others = people[0], people[-3:]
        total = survivor["faceCount"] + sum(p["faceCount"] for p in others)
        results = []
        def rename(person, name):
            results.append(self.server.rest("PATCH", f"/api/people/{person}", {"name": name})[0])
        def merge():
            results.append(self.server.rest("POST", f"/api/people/{survivor['personId']}/merge",
                                            {"personIds": [p["personId"] for p in others]})[0])
        threads = [threading.Thread(target=merge)] + [
            threading.Thread(target=rename, args=(p["personId"], f"name-{i}")) for i, p in enumerate([survivor, *others])]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Renames of merged-away persons may come before the merge (200) or after it (404).
        self.assertTrue(all(code in (200, 404) for code in results), results)
        merged = self.server.rest("GET", f"/api/people/{survivor['personId']}")[1]
        self.assertEqual(merged["faceCount"], total)
        self.assertEqual(merged["name"], "name-0")
        for other in others:
            self.assertEqual(self.server.rest("GET", f"/api/people/{other['personId']}")[0], 404)
        for face in merged["faces"]:
            self.assertEqual(self.server.rest("GET", face["thumbUrl"])[0], 200)
            row = self.server.rest("GET", f"/api/photos/{face['photoId']}")[1]
            self.assertIn(face["faceId"], [f["faceId"] for f in row["faces"] if f["personId"] == survivor["personId"]])

    def test_bad_requests_are_refused_with_clear_errors_and_change_nothing(self):
        before = self.snapshot()
        person = before[0][0]["personId"]
        cases = [
            ("GET", "/api/people", None, "wrong-token", 401),
            ("PATCH", f"/api/people/{person}", {"name": "x"}, "wrong-token", 401),
            ("GET", "/api/people/00000000-0000-4000-8000-000000000000", None, None, 404),
            ("GET", "/api/people/not-an-id", None, None, 404),
            ("GET", "/api/photos/zzzz", None, None, 404),
            ("DELETE", "/api/photos/0123456789abcdef0123", None, None, 404),
            ("GET", "/api/people?limit=-1", None, None, 400),
            ("GET", "/api/people?sort=age", None, None, 400),
            ("PATCH", f"/api/people/{person}", {"name": 42}, None, 400),
            ("PATCH", f"/api/people/{person}", {"name": "a\nb"}, None, 400),
            ("PATCH", f"/api/people/{person}", {"hidden": "yes"}, None, 400),
            ("PATCH", f"/api/people/{person}", {}, None, 400),
            ("POST", f"/api/people/{person}/merge", {"personIds": [person]}, None, 400),
            ("POST", f"/api/people/{person}/merge", {"personIds": "x"}, None, 400),
            ("POST", f"/api/people/{person}/merge", {"personIds": ["00000000-0000-4000-8000-000000000000"]}, None, 404),
            ("POST", "/api/faces/00000000-0000-4000-8000-000000000000/move", {}, None, 404),
            ("GET", "/thumbs/faces-thumbs/../../beetroot.db", None, None, 400),
        ]
        for method, path, body, token, expected in cases:
            with self.subTest(method=method, path=path, body=body):
                status, response, _ = self.server.rest(method, path, body, token=token)
                self.assertEqual(status, expected, response)
                if isinstance(response, dict):
                    self.assertTrue(response["error"]["message"])
        status, _, _ = self.server.rest("PATCH", f"/api/people/{person}", raw=b"{not json",
                                        headers={"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        status, body, _ = self.server.upload([("notes.txt", b"just text")])
        self.assertEqual(status, 400, body)
        self.assertIn("notes.txt", body["error"]["message"])
        truncated = demo_photo(2)[:-20000]  # a whole header, half its data
        status, body, _ = self.server.upload([("sample2.jpg", demo_photo(2)), ("cut.jpg", truncated)])
        self.assertEqual(status, 400, body)
        self.assertIn("cut.jpg", body["error"]["message"])
        status, _, _ = self.server.upload([("huge.jpg", b"\xff\xd8" + b"\0" * (4 * 2**20))])
        self.assertEqual(status, 413)
        self.assertEqual(self.snapshot(), before)


if __name__ == "__main__":
    unittest.main()
