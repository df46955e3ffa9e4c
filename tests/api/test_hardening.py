"""A hostile client against `beetroot serve`: each attack that once worked, tried again."""
import json
import os
import select
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

import botocore.auth
import botocore.exceptions
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import hashlib
from contextlib import closing
import urllib.request

from beetroot_server import LFW, BeetrootServer, demo_photo, wait_for

# The slowest /healthz answer allowed while the attacks run (the sanitisers slow every step).
HEALTH_SECONDS = 5.0 if os.environ.get("BEETROOT_SANITIZED") == "1" else 1.0


class HealthWatch(threading.Thread):
    """Asks /healthz on a new connection every 0.2 s, and keeps the slowest answer."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url, self.slowest, self.failures, self.done = url, 0.0, [], threading.Event()
        # Held while a probe is under way; a test that counts the server's connections holds it.
        self.paused = threading.Lock()

    def run(self):
        while not self.done.wait(0.2):
            with self.paused:
                start = time.monotonic()
                try:
                    urllib.request.urlopen(self.url + "/healthz", timeout=30).read()
                except urllib.error.HTTPError as answered:  # a refusal with a status is an answer
                    answered.read()
                except Exception as error:
                    self.failures.append(repr(error))
                self.slowest = max(self.slowest, time.monotonic() - start)


class Unharmed:
    """While a test class attacks its server: stored data taken before the attacks must equal the
    data after them, and /healthz must answer in time throughout."""

    @classmethod
    def watch(cls):
        with closing(cls.server.client()) as rek:
            rek.create_collection(CollectionId="stored-before")
            rek.index_faces(CollectionId="stored-before", Image={"Bytes": demo_photo(3)}, ExternalImageId="stored-before")
        lfw = LFW / "George_W_Bush/George_W_Bush_0001.jpg"
        status, body, _ = cls.server.upload([("kept.jpg", lfw.read_bytes() if lfw.exists() else demo_photo(4))])
        assert status == 202, body
        cls.kept_photo = body["photos"][0]["photoId"]
        wait_for(lambda: cls.server.rest("GET", f"/api/photos/{cls.kept_photo}")[1]["status"] == "done",
                 message="the kept photo filed")
        cls.before = cls.stored()
        cls.health = HealthWatch(cls.server.url)
        cls.health.start()

    @classmethod
    def stored(cls):
        """The collections, the kept collection's faces, the kept photo's row and its thumbnails' bytes.
        With a client closed after use: its idle kept-alive connection would count against the
        server's connection limit, which a test measures."""
        with closing(cls.server.client()) as rek:
            collections = rek.list_collections()["CollectionIds"]
            faces = sorted(json.dumps(f, sort_keys=True) for f in rek.list_faces(CollectionId="stored-before")["Faces"])
        row = cls.server.rest("GET", f"/api/photos/{cls.kept_photo}")[1]
        thumbs = {f["thumbUrl"]: hashlib.sha256(cls.server.rest("GET", f["thumbUrl"])[1]).hexdigest() for f in row["faces"]}
        return collections, faces, row, thumbs

    @classmethod
    def check_unharmed(cls):
        cls.health.done.set()
        cls.health.join()
        collections, faces, row, thumbs = cls.stored()
        assert set(cls.before[0]) <= set(collections), (cls.before[0], collections)
        assert (faces, row, thumbs) == cls.before[1:], "stored data changed"
        assert thumbs and faces, "nothing was kept to compare"
        assert not cls.health.failures, cls.health.failures
        assert cls.health.slowest < HEALTH_SECONDS, f"/healthz took {cls.health.slowest:.2f} s"


class HardeningTest(Unharmed, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BeetrootServer()
        cls.rek = cls.server.client()
        cls.watch()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.check_unharmed()
        finally:
            cls.server.stop()

    def signed(self, operation, body, extra_headers=None, payload_signed=True):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = AWSRequest(method="POST", url=self.server.url + "/", data=data,
                             headers={"Content-Type": "application/x-amz-json-1.1", **(extra_headers or {})})
        if operation:
            request.headers["X-Amz-Target"] = "RekognitionService." + operation
        request.context["payload_signing_enabled"] = payload_signed
        botocore.auth.SigV4Auth(Credentials(self.server.key_id, self.server.secret), "rekognition",
                                "us-east-1").add_auth(request)
        return request.prepare()

    def test_a_header_left_out_of_the_signature_cannot_change_the_operation(self):
        self.rek.create_collection(CollectionId="kept")
        self.addCleanup(lambda: self.rek.delete_collection(CollectionId="kept"))
        prepared = self.signed(None, {"CollectionId": "kept"})  # over content-type;host;x-amz-date
        prepared.headers["X-Amz-Target"] = "RekognitionService.DeleteCollection"
        status, body = self.server.send(prepared)
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "IncompleteSignatureException")
        self.assertIn("x-amz-target", body["Message"])
        self.assertIn("kept", self.rek.list_collections()["CollectionIds"])

    def test_the_ingestion_collection_is_changed_only_by_ingestion(self):
        ingestion = "beetroot-faces"  # REKOGNITION_COLLECTION_ID's default
        for call in (lambda: self.rek.delete_collection(CollectionId=ingestion),
                     lambda: self.rek.index_faces(CollectionId=ingestion, Image={"Bytes": demo_photo(1)})):
            with self.assertRaises(botocore.exceptions.ClientError) as refused:
                call()
            self.assertEqual(refused.exception.response["Error"]["Code"], "InvalidParameterException")
            self.assertIn("REKOGNITION_COLLECTION_ID", refused.exception.response["Error"]["Message"])

    def test_bytes_that_are_not_utf8_in_paths_get_4xx_not_500(self):
        for path in ("/api/people/%ff%fe", "/thumbs/faces-thumbs/%ff/x.jpg", "/api/photos/%ff"):
            status, body, _ = self.server.rest("GET", path)
            self.assertIn(status, (400, 404), path)
            self.assertTrue(body["error"]["message"], path)
        status, body = self.server.send(self.signed("DescribeCollection", b'{"CollectionId": "\xff\xfe"}'))
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "SerializationException")

    def test_an_unsigned_payload_is_refused(self):
        self.rek.create_collection(CollectionId="kept-too")
        self.addCleanup(lambda: self.rek.delete_collection(CollectionId="kept-too"))
        prepared = self.signed("DescribeCollection", {"CollectionId": "kept-too"},
                               {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}, payload_signed=False)
        prepared.body = json.dumps({"CollectionId": "kept-too", "MaxResults": 1}).encode()
        prepared.headers["Content-Length"] = str(len(prepared.body))
        status, body = self.server.send(prepared)
        self.assertEqual(status, 400)
        self.assertIn("UNSIGNED-PAYLOAD", body["Message"])


class BadEventsTest(Unharmed, unittest.TestCase):
    """S3 events that once got a 500, or were half queued, or broke listings for good."""

    @classmethod
    def setUpClass(cls):
        cls.server = BeetrootServer()
        cls.watch()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.check_unharmed()
        finally:
            cls.server.stop()

    def post(self, body):
        return self.server.signed_call(None, body, path="/events/s3", service="s3")

    def photo_rows(self):
        out = subprocess.run([os.environ["BEETROOT_BINARY"], "photos"], capture_output=True, text=True, check=True,
                             env=dict(os.environ, BEETROOT_DATA=self.server.data.name))
        return [json.loads(line) for line in out.stdout.splitlines()]

    def record(self, key, name="ObjectCreated:Put"):
        return {"eventName": name, "s3": {"bucket": {"name": "beetroot-photos"}, "object": {"key": key}}}

    def test_a_photo_that_failed_is_tried_again_by_the_next_event(self):
        key = "photos-raw/arrives-late.jpg"
        status, answer = self.post({"Records": [self.record(key)]})
        self.assertEqual((status, answer["photos"][0]["outcome"]), (200, "queued"))
        photo_id = answer["photos"][0]["photoId"]
        status_of = lambda: {r["photoId"]: r for r in self.photo_rows()}.get(photo_id, {}).get("status")
        wait_for(lambda: status_of() == "failed", message="the photo without an object failed")
        path = os.path.join(self.server.data.name, "objects", "beetroot-photos", key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(demo_photo(2))
        status, answer = self.post({"Records": [self.record(key)]})
        self.assertEqual((status, answer["photos"][0]["outcome"]), (200, "queued"))
        wait_for(lambda: status_of() == "done", message="the photo, now there, filed")

    def test_a_key_naming_a_folder_is_no_object(self):
        folder = os.path.join(self.server.data.name, "objects", "beetroot-photos", "photos-raw", "a-folder")
        os.makedirs(folder)
        status, answer = self.post({"Records": [self.record("photos-raw/a-folder")]})
        self.assertEqual(status, 200)
        photo_id = answer["photos"][0]["photoId"]
        row = lambda: {r["photoId"]: r for r in self.photo_rows()}.get(photo_id, {})
        wait_for(lambda: row().get("status") == "failed", message="the folder's photo failed")
        self.assertNotIn("attempts", row()["error"])
        os.makedirs(os.path.join(self.server.data.name, "objects", "beetroot-thumbs", "faces-thumbs", "p1"))
        status, _, _ = self.server.rest("GET", "/thumbs/faces-thumbs/p1")
        self.assertEqual(status, 404)
        with self.assertRaises(botocore.exceptions.ClientError) as refused:
            self.server.client().detect_faces(Image={"S3Object": {"Bucket": "beetroot-photos", "Name": "photos-raw"}})
        self.assertEqual(refused.exception.response["Error"]["Code"], "InvalidS3ObjectException")

    def test_each_bad_event_is_refused_whole_with_400_and_listings_keep_working(self):
        bad = {
            "invalid UTF-8": {"Records": [self.record("photos-raw/%ff%fe.jpg")]},
            "a record that is a number": {"Records": [1]},
            "a numeric eventName": {"Records": [self.record("photos-raw/a.jpg", name=7)]},
            "a good record, then a bad one": {"Records": [self.record("photos-raw/first.jpg"),
                                                          self.record("photos-raw/../escape.jpg")]},
        }
        for what, body in bad.items():
            status, answer = self.post(body)
            self.assertEqual(status, 400, what)
            self.assertEqual(answer["__type"], "InvalidParameterException", what)
        keys = [row["key"] for row in self.photo_rows()]  # `beetroot photos` still lists
        self.assertNotIn("photos-raw/first.jpg", keys)  # nothing of a refused event was queued


class PixelLimitTest(unittest.TestCase):
    def test_a_photo_over_max_megapixels_is_refused_before_decoding(self):
        server = BeetrootServer(extra_env={"MAX_MEGAPIXELS": "2"})
        try:
            with self.assertRaises(botocore.exceptions.ClientError) as refused:
                server.client().detect_faces(Image={"Bytes": demo_photo(2)})  # 1920x1367: 2.6 megapixels
            self.assertEqual(refused.exception.response["Error"]["Code"], "ImageTooLargeException")
            self.assertIn("above the limit of 2 megapixels", refused.exception.response["Error"]["Message"])
            status, body, _ = server.upload([("big.jpg", demo_photo(2))])
            self.assertEqual(status, 413, body)
        finally:
            server.stop()


class IngestInputsTest(unittest.TestCase):
    """`beetroot ingest` on files that never end or never arrive."""

    def test_a_device_or_a_fifo_is_refused_at_once(self):
        with tempfile.TemporaryDirectory() as data:
            fifo = os.path.join(data, "waits.jpg")
            os.mkfifo(fifo)
            for path in ("/dev/zero", fifo):
                done = subprocess.run([os.environ["BEETROOT_BINARY"], "ingest", path], capture_output=True, text=True,
                                      timeout=120, env=dict(os.environ, BEETROOT_DATA=data))
                self.assertNotEqual(done.returncode, 0, path)
                self.assertIn(f"{path} is not a regular file", done.stderr)


def connect(url):
    address = urllib.parse.urlparse(url)
    return socket.create_connection((address.hostname, address.port), timeout=30)


def read_response(sock, data=b""):
    """One HTTP response (head and Content-Length body) from `data`, then `sock`:
    (status, headers, body, the bytes read after it)."""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1]), headers, rest[:length], rest[length:]


class SlowClientsTest(Unharmed, unittest.TestCase):
    """Clients that send slowly or open many connections cannot take the server offline."""

    @classmethod
    def setUpClass(cls):
        cls.server = BeetrootServer(args=("--header-seconds", "3", "--http-threads", "4", "--max-connections", "64",
                                          "--max-inference-per-client", "1"))
        cls.watch()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.check_unharmed()
        finally:
            cls.server.stop()

    def test_slowloris_does_not_stall_the_server(self):
        drips = [connect(self.server.url) for _ in range(40)]
        for s in drips:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        answered = []
        for _ in range(5):
            for s in drips:
                try:
                    s.sendall(b"X")
                except OSError:
                    pass
            status, _ = self.server.get("/healthz")  # urllib's own 30-s timeout
            answered.append(status)
            time.sleep(1)
        self.assertEqual(answered, [200] * 5)
        # The dripping connections were answered 408 once their head took longer than 3 s.
        for s in drips:
            s.settimeout(10)
            status, _, body, _ = read_response(s)
            self.assertEqual(status, 408)
            self.assertIn(b"did not arrive", body)
            s.close()
        self.assertRegex(self.server.get("/metrics")[1], r'beetroot_refusals_total\{reason="header_time"\} (4\d|[5-9]\d)')

    def test_a_body_without_credentials_is_refused_before_it_is_sent(self):
        for path, status in (("/api/photos", 401), ("/", 403), ("/events/s3", 403)):
            with connect(self.server.url) as s:
                s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 60000000\r\n\r\n".encode())
                answered, _, _, _ = read_response(s)  # not one byte of the body sent
            self.assertEqual(answered, status, path)
        self.assertIn('beetroot_refusals_total{reason="unauthenticated"}', self.server.get("/metrics")[1])

    def test_a_client_over_its_inference_share_is_throttled(self):
        photo = demo_photo(2)
        outcomes = []
        clients = [self.server.client() for _ in range(4)]  # made here: boto3 makes clients unsafely in threads

        def detect(client):
            try:
                client.detect_faces(Image={"Bytes": photo})
                outcomes.append("ok")
            except botocore.exceptions.ClientError as error:
                outcomes.append(error.response["Error"]["Code"])
        threads = [threading.Thread(target=detect, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertIn("ok", outcomes)
        self.assertIn("ThrottlingException", outcomes)
        self.assertEqual(set(outcomes), {"ok", "ThrottlingException"})
        self.assertIn('beetroot_refusals_total{reason="inference_per_client"}', self.server.get("/metrics")[1])

    def test_pipelined_requests_are_all_answered(self):
        with connect(self.server.url) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
            rest = b""
            for _ in range(3):
                status, _, _, rest = read_response(s, rest)
                self.assertEqual(status, 200)

    def test_connections_over_the_limit_get_503_with_retry_after(self):
        # 96 against a limit of 64: at least 32 are refused at once, however many connections other
        # clients (an earlier test's kept-alive ones) hold or let go meanwhile.
        with self.health.paused:  # its probes would take a connection too
            held = [connect(self.server.url) for _ in range(96)]
            time.sleep(0.5)
            try:
                answered = select.select(held, [], [], 0)[0]  # the held ones have sent nothing yet
                self.assertGreaterEqual(len(answered), 32)
                status, headers, body, _ = read_response(answered[0])
                self.assertEqual(status, 503)
                self.assertEqual(headers["retry-after"], "1")
                self.assertEqual(json.loads(body)["__type"], "ThrottlingException")
            finally:
                for s in held:
                    s.close()
        time.sleep(0.5)
        self.assertIn('beetroot_refusals_total{reason="connections"}', self.server.get("/metrics")[1])


if __name__ == "__main__":
    unittest.main()
