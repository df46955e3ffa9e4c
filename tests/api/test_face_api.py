"""The cloud face API as boto3 speaks it, against a running `beetroot serve`."""
import unittest

from beetroot_server import BeetrootServer, LFW, demo_photo


class FaceApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = BeetrootServer()
        cls.rek = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        status = cls.server.stop()
        if status != 0:
            raise AssertionError(f"beetroot serve exited with {status} on SIGTERM")

    def new_collection(self, name):
        self.rek.create_collection(CollectionId=name)
        self.addCleanup(lambda: self.rek.delete_collection(CollectionId=name))
        return name

    def test_the_tutorials_calls(self):
        collection = self.new_collection("tutorial")
        face_bytes = demo_photo(1)
        photo_id = "0123456789abcdef0123"
        first = self.rek.search_faces_by_image(CollectionId=collection, Image={"Bytes": face_bytes}, MaxFaces=1,
                                               FaceMatchThreshold=95)
        self.assertEqual(first["FaceMatches"], [])
        indexed = self.rek.index_faces(CollectionId=collection, Image={"Bytes": face_bytes},
                                       ExternalImageId=f"{photo_id}_face_1", MaxFaces=1,
                                       DetectionAttributes=["DEFAULT"])
        face_id = indexed["FaceRecords"][0]["Face"]["FaceId"]
        self.assertEqual(len(indexed["FaceRecords"]), 1)
        self.assertEqual(indexed["FaceRecords"][0]["Face"]["ExternalImageId"], f"{photo_id}_face_1")
        self.assertTrue(all(u["Reasons"] == ["EXCEEDS_MAX_FACES"] for u in indexed["UnindexedFaces"]))
        self.assertGreater(len(indexed["UnindexedFaces"]), 0)  # sample1 shows several people

        again = self.rek.search_faces_by_image(CollectionId=collection, Image={"Bytes": face_bytes}, MaxFaces=1,
                                               FaceMatchThreshold=95)
        self.assertEqual(again["FaceMatches"][0]["Face"]["FaceId"], face_id)
        self.assertGreater(again["FaceMatches"][0]["Similarity"], 99)
        box = again["SearchedFaceBoundingBox"]
        self.assertTrue(0 < box["Width"] < 1 and 0 <= box["Left"] < 1)

    def test_one_person_in_two_different_photos_matches_and_another_does_not(self):
        powell = LFW / "Colin_Powell"
        if not powell.exists():
            self.skipTest("../shared/data/lfw is not here")
        collection = self.new_collection("lfw-people")
        self.rek.index_faces(CollectionId=collection, Image={"Bytes": (powell / "Colin_Powell_0001.jpg").read_bytes()},
                             MaxFaces=1)
        same = self.rek.search_faces_by_image(CollectionId=collection, MaxFaces=1, FaceMatchThreshold=80,
                                              Image={"Bytes": (powell / "Colin_Powell_0002.jpg").read_bytes()})
        self.assertEqual(len(same["FaceMatches"]), 1)
        other = (LFW / "Aaron_Eckhart/Aaron_Eckhart_0001.jpg").read_bytes()
        different = self.rek.search_faces_by_image(CollectionId=collection, Image={"Bytes": other}, FaceMatchThreshold=80)
        self.assertEqual(different["FaceMatches"], [])

    def test_collections_are_created_described_listed_paged_and_deleted(self):
        names = [f"paged-{i}" for i in range(5)]
        for name in names:
            self.new_collection(name)
        with self.assertRaises(self.rek.exceptions.ResourceAlreadyExistsException):
            self.rek.create_collection(CollectionId=names[0])
        seen, token = [], None
        while True:
            page = self.rek.list_collections(MaxResults=2, **({"NextToken": token} if token else {}))
            self.assertLessEqual(len(page["CollectionIds"]), 2)
            seen += page["CollectionIds"]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual([n for n in seen if n.startswith("paged-")], names)
        described = self.rek.describe_collection(CollectionId=names[0])
        self.assertEqual(described["FaceCount"], 0)
        self.assertIn("CreationTimestamp", described)
        self.rek.delete_collection(CollectionId="paged-4")
        with self.assertRaises(self.rek.exceptions.ResourceNotFoundException):
            self.rek.describe_collection(CollectionId="paged-4")
        self.rek.create_collection(CollectionId="paged-4")  # for the cleanup

    def test_faces_are_listed_with_a_paginator_searched_by_id_and_deleted(self):
        collection = self.new_collection("faces")
        indexed = self.rek.index_faces(CollectionId=collection, Image={"Bytes": demo_photo(3)}, QualityFilter="NONE")
        ids = sorted(r["Face"]["FaceId"] for r in indexed["FaceRecords"])
        self.assertGreaterEqual(len(ids), 3)
        pages = list(self.rek.get_paginator("list_faces").paginate(CollectionId=collection,
                                                                  PaginationConfig={"PageSize": 2}))
        self.assertGreater(len(pages), 1)
        self.assertEqual(sorted(f["FaceId"] for p in pages for f in p["Faces"]), ids)

        found = self.rek.search_faces(CollectionId=collection, FaceId=ids[0], FaceMatchThreshold=0)
        self.assertEqual(found["SearchedFaceId"], ids[0])
        self.assertNotIn(ids[0], [m["Face"]["FaceId"] for m in found["FaceMatches"]])
        similarities = [m["Similarity"] for m in found["FaceMatches"]]
        self.assertEqual(similarities, sorted(similarities, reverse=True))

        missing = "00000000-0000-4000-8000-000000000000"
        deleted = self.rek.delete_faces(CollectionId=collection, FaceIds=[ids[0], missing])
        self.assertEqual(deleted["DeletedFaces"], [ids[0]])  # this boto3 predates UnsuccessfulFaceDeletions
        self.assertEqual(self.rek.describe_collection(CollectionId=collection)["FaceCount"], len(ids) - 1)
        after = self.rek.search_faces(CollectionId=collection, FaceId=ids[1], FaceMatchThreshold=0)
        self.assertNotIn(ids[0], [m["Face"]["FaceId"] for m in after["FaceMatches"]])

    def test_detect_and_compare_faces(self):
        detected = self.rek.detect_faces(Image={"Bytes": demo_photo(2)}, Attributes=["ALL"])
        self.assertGreater(len(detected["FaceDetails"]), 0)
        face = detected["FaceDetails"][0]
        self.assertEqual({"BoundingBox", "Confidence", "Landmarks", "Pose", "Quality"}, set(face))
        compared = self.rek.compare_faces(SourceImage={"Bytes": demo_photo(2)}, TargetImage={"Bytes": demo_photo(2)})
        self.assertGreaterEqual(len(compared["FaceMatches"]), 1)
        self.assertGreater(compared["FaceMatches"][0]["Similarity"], 99)
        self.assertEqual(len(compared["FaceMatches"]) + len(compared["UnmatchedFaces"]), len(detected["FaceDetails"]))

    def test_s3_object_images_are_read_from_beetroots_object_store(self):
        collection = self.new_collection("from-store")
        with self.assertRaises(self.rek.exceptions.InvalidS3ObjectException):
            self.rek.index_faces(CollectionId=collection, Image={"S3Object": {"Bucket": "beetroot-photos",
                                                                              "Name": "photos-raw/none.jpg"}})
        import pathlib
        stored = pathlib.Path(self.server.data.name) / "objects/beetroot-photos/photos-raw/s.jpg"
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_bytes(demo_photo(2))
        indexed = self.rek.index_faces(CollectionId=collection, MaxFaces=1,
                                       Image={"S3Object": {"Bucket": "beetroot-photos", "Name": "photos-raw/s.jpg"}})
        self.assertEqual(len(indexed["FaceRecords"]), 1)

    def test_errors_arrive_as_the_sdks_exception_classes(self):
        rek = self.rek
        collection = self.new_collection("errors")
        cases = [
            (rek.exceptions.ResourceNotFoundException, lambda: rek.index_faces(CollectionId="no-such",
                                                                               Image={"Bytes": demo_photo(1)})),
            (rek.exceptions.InvalidParameterException, lambda: rek.create_collection(CollectionId="bad/name")),
            (rek.exceptions.InvalidParameterException, lambda: rek.index_faces(
                CollectionId=collection, Image={"Bytes": demo_photo(1)}, ExternalImageId="has space")),
            (rek.exceptions.InvalidImageFormatException, lambda: rek.detect_faces(Image={"Bytes": b"not an image"})),
            (rek.exceptions.InvalidImageFormatException, lambda: rek.detect_faces(Image={"Bytes": demo_photo(1)[:5000]})),
            (rek.exceptions.ImageTooLargeException, lambda: rek.detect_faces(Image={"Bytes": b"\xff" * (5 * 2**20 + 1)})),
            (rek.exceptions.InvalidParameterException, lambda: rek.search_faces(
                CollectionId=collection, FaceId="not-a-uuid")),
        ]
        for exception, call in cases:
            with self.subTest(exception=exception.__name__):
                with self.assertRaises(exception):
                    call()
        # A photo without a face: SearchFacesByImage refuses it, as the cloud API does.
        import base64, zlib, struct
        def png(width, height):
            raw = b"".join(b"\x00" + b"\x80" * (width * 3) for _ in range(height))
            chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(
                ">I", zlib.crc32(kind + data))
            return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
                    chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
        with self.assertRaises(rek.exceptions.InvalidParameterException):
            rek.search_faces_by_image(CollectionId=collection, Image={"Bytes": png(64, 64)})
        self.assertEqual(rek.describe_collection(CollectionId=collection)["FaceCount"], 0)


class RestartTest(unittest.TestCase):
    def test_collections_and_faces_survive_a_restart(self):
        first = BeetrootServer()
        rek = first.client()
        rek.create_collection(CollectionId="kept")
        face_id = rek.index_faces(CollectionId="kept", Image={"Bytes": demo_photo(1)}, MaxFaces=1)[
            "FaceRecords"][0]["Face"]["FaceId"]
        self.assertEqual(first.stop(keep_data=True), 0)
        second = BeetrootServer(data=first.data, keys=(first.key_id, first.secret))
        try:
            found = second.client().search_faces_by_image(CollectionId="kept", Image={"Bytes": demo_photo(1)},
                                                          MaxFaces=1)
            self.assertEqual(found["FaceMatches"][0]["Face"]["FaceId"], face_id)
        finally:
            self.assertEqual(second.stop(), 0)


if __name__ == "__main__":
    unittest.main()
