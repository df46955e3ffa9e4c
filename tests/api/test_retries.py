"""Retries never duplicate: a request an SDK retries after giving up waiting gets the first
attempt's answer, and its work is done once."""
import re
import time
import unittest

from beetroot_server import BeetrootServer, demo_photo


class RetriesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BeetrootServer()
        cls.rek = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def repeats(self):
        metrics = self.server.get("/metrics")[1]
        return float(re.search(r"^beetroot_repeated_requests_total (\S+)$", metrics, re.M).group(1))

    def face_ids(self, collection):
        return sorted(f["FaceId"] for f in self.rek.list_faces(CollectionId=collection, MaxResults=4096)["Faces"])

    def test_an_index_faces_retried_after_a_timeout_indexes_its_faces_once(self):
        photo = demo_photo(1)
        self.rek.create_collection(CollectionId="timing")
        seconds = []
        for n in range(2):  # another ExternalImageId each time: not a repeat
            start = time.monotonic()
            self.rek.index_faces(CollectionId="timing", Image={"Bytes": photo}, ExternalImageId=f"timing-{n}")
            seconds.append(time.monotonic() - start)
        # boto3's default retries (5 attempts, sleeping up to 1, 2, 4, 8 s between them), each given
        # up after half of what the work takes: the first attempt times out while it works, a later
        # one gets its answer.
        impatient = self.server.client(retries=True, read_timeout=min(seconds) / 2)
        self.rek.create_collection(CollectionId="retried")
        repeats = self.repeats()
        answer = impatient.index_faces(CollectionId="retried", Image={"Bytes": photo}, ExternalImageId="party")
        self.assertGreater(self.repeats(), repeats, "the client did not retry: nothing was tested")
        indexed = sorted(r["Face"]["FaceId"] for r in answer["FaceRecords"])
        self.assertGreater(len(indexed), 1)
        self.assertEqual(self.face_ids("retried"), indexed)

        # The same photo under another ExternalImageId is another request: indexed again.
        again = self.rek.index_faces(CollectionId="retried", Image={"Bytes": photo}, ExternalImageId="party-2")
        self.assertEqual(len(self.face_ids("retried")), 2 * len(indexed))
        self.assertFalse(set(indexed) & {r["Face"]["FaceId"] for r in again["FaceRecords"]})

    def test_a_client_request_token_makes_a_user_operation_happen_once(self):
        self.rek.create_collection(CollectionId="tokens")

        def call(operation, **body):
            return self.server.signed_call(operation, dict(CollectionId="tokens", **body))

        first = call("CreateUser", UserId="carol", ClientRequestToken="create-carol")
        self.assertEqual(first[0], 200, first)
        self.assertEqual(call("CreateUser", UserId="carol", ClientRequestToken="create-carol"), first)
        status, error = call("CreateUser", UserId="dave", ClientRequestToken="create-carol")
        self.assertEqual((status, error["__type"]), (400, "IdempotentParameterMismatchException"))
        status, error = call("CreateUser", UserId="carol")
        self.assertEqual((status, error["__type"]), (400, "ConflictException"))
        users = call("ListUsers")[1]["Users"]
        self.assertEqual([u["UserId"] for u in users], ["carol"])


if __name__ == "__main__":
    unittest.main()
