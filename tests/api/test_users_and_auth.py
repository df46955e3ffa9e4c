"""The users operations (newer than Debian's boto3, so sent signed by botocore's SigV4 signer) and
the refusal of badly signed requests."""
import base64
import datetime
import json
import unittest
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from beetroot_server import BeetrootServer, LFW, demo_photo


class UsersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BeetrootServer()
        cls.rek = cls.server.client()
        cls.rek.create_collection(CollectionId="users")
        records = cls.rek.index_faces(CollectionId="users", Image={"Bytes": demo_photo(3)}, QualityFilter="NONE")
        cls.faces = [r["Face"]["FaceId"] for r in records["FaceRecords"]]

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def call(self, operation, **body):
        status, response = self.server.signed_call(operation, dict(CollectionId="users", **body))
        return status, response

    def ok(self, operation, **body):
        status, response = self.call(operation, **body)
        self.assertEqual(status, 200, response)
        return response

    def test_a_user_groups_faces_is_searched_and_deleted(self):
        self.ok("CreateUser", UserId="alice")
        status, error = self.call("CreateUser", UserId="alice")
        self.assertEqual((status, error["__type"]), (400, "ConflictException"))

        first = self.faces[0]
        associated = self.ok("AssociateFaces", UserId="alice", FaceIds=[first])
        self.assertEqual(associated["AssociatedFaces"], [{"FaceId": first}])
        # Another face of the photo is another person: below a UserMatchThreshold of 99.
        refused = self.ok("AssociateFaces", UserId="alice", FaceIds=[self.faces[1]], UserMatchThreshold=99)
        self.assertEqual(refused["UnsuccessfulFaceAssociations"][0]["Reasons"], ["LOW_MATCH_CONFIDENCE"])

        self.ok("CreateUser", UserId="bob")
        taken = self.ok("AssociateFaces", UserId="bob", FaceIds=[first])
        self.assertEqual(taken["UnsuccessfulFaceAssociations"][0]["Reasons"], ["ASSOCIATED_TO_A_DIFFERENT_USER"])

        listed = self.ok("ListUsers", MaxResults=1)
        self.assertEqual([u["UserId"] for u in listed["Users"]], ["alice"])
        self.assertEqual([u["UserId"] for u in self.ok("ListUsers", NextToken=listed["NextToken"])["Users"]], ["bob"])

        # The photo's largest face is the first indexed, alice's.
        photo = base64.b64encode(demo_photo(3)).decode()
        by_image = self.ok("SearchUsersByImage", Image={"Bytes": photo}, UserMatchThreshold=99)
        self.assertEqual([m["User"]["UserId"] for m in by_image["UserMatches"]], ["alice"])
        self.assertEqual(len(by_image["UnsearchedFaces"]), len(self.faces) - 1)
        by_face = self.ok("SearchUsers", FaceId=first, UserMatchThreshold=0)
        self.assertNotIn("alice", [m["User"]["UserId"] for m in by_face["UserMatches"]])

        blocked = self.ok("DeleteFaces", FaceIds=[first])
        self.assertEqual(blocked["UnsuccessfulFaceDeletions"][0]["Reasons"], ["ASSOCIATED_TO_AN_EXISTING_USER"])
        self.assertEqual(self.ok("DisassociateFaces", UserId="alice", FaceIds=[first])["DisassociatedFaces"],
                         [{"FaceId": first}])
        self.ok("DeleteUser", UserId="alice")
        self.ok("DeleteUser", UserId="bob")
        status, error = self.call("DeleteUser", UserId="alice")
        self.assertEqual((status, error["__type"]), (400, "ResourceNotFoundException"))
        self.assertEqual(self.rek.describe_collection(CollectionId="users")["FaceCount"], len(self.faces))

    def test_bad_identifiers_and_bodies_are_refused(self):
        for body, error in [({"UserId": "has space"}, "InvalidParameterException"),
                            ({"UserId": ""}, "InvalidParameterException"),
                            ({}, "InvalidParameterException")]:
            status, response = self.call("CreateUser", **body)
            self.assertEqual((status, response["__type"]), (400, error), body)
        status, response = self.server.signed_call("NoSuchOperation", {})
        self.assertEqual((status, response["__type"]), (400, "UnknownOperationException"))


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BeetrootServer()
        cls.server.client().create_collection(CollectionId="guarded")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def assert_refused(self, status, response, error_type):
        self.assertEqual(response.get("__type"), error_type, response)
        self.assertIn(status, (400, 403))
        self.assertEqual(self.server.client().describe_collection(CollectionId="guarded")["FaceCount"], 0)

    def test_a_wrong_secret_is_refused_by_boto3_and_nothing_is_touched(self):
        wrong = self.server.client(secret="not-the-secret")
        with self.assertRaises(wrong.exceptions.ClientError) as caught:
            wrong.index_faces(CollectionId="guarded", Image={"Bytes": demo_photo(1)})
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidSignatureException")
        self.assertEqual(self.server.client().describe_collection(CollectionId="guarded")["FaceCount"], 0)

    def test_stale_unknown_missing_and_malformed_signatures_are_refused(self):
        body = {"CollectionId": "guarded", "Image": {"Bytes": "AAAA"}}
        stale = datetime.datetime.utcnow() - datetime.timedelta(minutes=16)
        self.assert_refused(*self.server.signed_call("IndexFaces", body, signed_at=stale), "InvalidSignatureException")
        future = datetime.datetime.utcnow() + datetime.timedelta(minutes=16)
        self.assert_refused(*self.server.signed_call("IndexFaces", body, signed_at=future), "InvalidSignatureException")
        self.assert_refused(*self.server.signed_call("IndexFaces", body, service="s3"), "IncompleteSignatureException")

        unknown = BeetrootServer.__new__(BeetrootServer)
        unknown.__dict__.update(self.server.__dict__, key_id="AKUNKNOWN")
        self.assert_refused(*unknown.signed_call("IndexFaces", body), "UnrecognizedClientException")

        for headers, error in [({}, "MissingAuthenticationTokenException"),
                               ({"Authorization": "AWS4-HMAC-SHA256 Credential=garbage"}, "IncompleteSignatureException")]:
            request = urllib.request.Request(self.server.url, data=b"{}", method="POST", headers={
                "X-Amz-Target": "RekognitionService.DeleteCollection", **headers})
            with self.assertRaises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request, timeout=30)
            self.assert_refused(caught.exception.code, json.loads(caught.exception.read()), error)

    def test_a_signed_body_cannot_be_swapped(self):
        request = AWSRequest(method="POST", url=self.server.url, data=json.dumps({"CollectionId": "x"}).encode(),
                             headers={"Content-Type": "application/x-amz-json-1.1",
                                      "X-Amz-Target": "RekognitionService.DeleteCollection"})
        SigV4Auth(Credentials(self.server.key_id, self.server.secret), "rekognition", "us-east-1").add_auth(request)
        prepared = request.prepare()
        prepared.body = json.dumps({"CollectionId": "guarded"}).encode()
        status, response = self.server.send(prepared)
        self.assert_refused(status, response, "InvalidSignatureException")


if __name__ == "__main__":
    unittest.main()
