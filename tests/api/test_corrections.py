"""Corrections through the People API are remembered by the real server: a face moved out of a
person stays out while more photos of that person arrive, across a restart and `beetroot
recluster`; "not this person" and "not the same person" answers are stored, and malformed ones
change nothing. The questions API asks about persons that are near, and acts on the answers."""
import os
import subprocess
import unittest

from beetroot_server import BINARY, LFW, SHARED, BeetrootServer, wait_for

PERSON = "Colin_Powell"
# Photos of each of four men for the questions: fewer under the sanitizers, where each takes seconds.
PHOTOS_PER_MAN = 6 if os.environ.get("BEETROOT_SANITIZED") == "1" else 12


def lfw_photos(first, count):
    return [(f"{PERSON}_{n:04d}.jpg", (LFW / PERSON / f"{PERSON}_{n:04d}.jpg").read_bytes())
            for n in range(first, first + count)]


@unittest.skipUnless((LFW / PERSON).is_dir(), "../shared/data not present")
class CorrectionsTest(unittest.TestCase):
    def setUp(self):
        self.server = BeetrootServer()

    def tearDown(self):
        self.server.stop()

    def file(self, photos):
        status, body, _ = self.server.upload(photos)
        self.assertEqual(status, 202, body)
        ids = [p["photoId"] for p in body["photos"]]
        wait_for(lambda: all(self.photo(i)["status"] == "done" for i in ids), message="photos ingested")
        return ids

    def photo(self, photo_id):
        status, body, _ = self.server.rest("GET", f"/api/photos/{photo_id}")
        self.assertEqual(status, 200, body)
        return body

    def person_of(self, photo_id, face_id):
        return next(f["personId"] for f in self.photo(photo_id)["faces"] if f["faceId"] == face_id)

    def restart(self, then=None):
        self.assertEqual(self.server.stop(keep_data=True), 0)
        if then:
            then()
        self.server = BeetrootServer(data=self.server.data, keys=(self.server.key_id, self.server.secret))
        # The questions are looked for as the server starts, not at the first ask.
        wait_for(lambda: "Questions: found in" in self.server.logs(), message="questions found at start")

    def recluster(self):
        env = dict(os.environ, BEETROOT_DATA=self.server.data.name)
        done = subprocess.run([BINARY, "recluster"], env=env, capture_output=True, text=True, timeout=600)
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_a_face_moved_out_stays_out_while_its_person_grows(self):
        photos = self.file(lfw_photos(1, 8))
        faces = [(p, f["faceId"], f["personId"]) for p in photos for f in self.photo(p)["faces"]]
        persons = [person for _, _, person in faces]
        main = max(set(persons), key=persons.count)
        self.assertGreaterEqual(persons.count(main), 6, "one man's photos are one person")
        photo, moved, _ = next(f for f in faces if f[2] == main)
        status, result, _ = self.server.rest("POST", f"/api/faces/{moved}/move", {})
        self.assertEqual(status, 200, result)
        self.assertNotEqual(result["personId"], main)

        def main_person():
            return self.person_of(*next((p, f) for p, f, person in faces if person == main and f != moved))

        more = self.file(lfw_photos(9, 8))
        self.assertTrue(any(self.person_of(p, f["faceId"]) == main_person() for p in more for f in self.photo(p)["faces"]),
                        "new photos of him still join his person")
        self.assertNotEqual(self.person_of(photo, moved), main_person())
        self.restart(then=self.recluster)
        self.file(lfw_photos(17, 8))
        self.assertNotEqual(self.person_of(photo, moved), main_person(), "after recluster, a restart and more photos")

    def test_not_this_person_and_not_the_same_are_stored_and_checked(self):
        first, second = self.file(lfw_photos(1, 2))
        face = self.photo(first)["faces"][0]
        other = self.photo(second)["faces"][0]
        self.assertEqual(face["personId"], other["personId"])
        person = face["personId"]
        for body, status in (({}, 400), ({"personId": 7}, 400), ({"personId": "no-such-person"}, 404)):
            self.assertEqual(self.server.rest("POST", f"/api/faces/{face['faceId']}/not-person", body)[0], status, body)
            self.assertEqual(self.server.rest("POST", f"/api/people/{person}/not-same", body)[0], status, body)
        self.assertEqual(self.server.rest("POST", f"/api/people/{person}/not-same", {"personId": person})[0], 400)
        self.assertEqual(self.person_of(first, face["faceId"]), person, "a refused answer changes nothing")

        status, result, _ = self.server.rest("POST", f"/api/faces/{face['faceId']}/not-person", {"personId": person})
        self.assertEqual(status, 200, result)
        left_for = result["personId"]
        self.assertNotEqual(left_for, person)
        self.assertEqual(self.person_of(first, face["faceId"]), left_for)
        status, result, _ = self.server.rest("POST", f"/api/people/{left_for}/not-same", {"personId": person})
        self.assertEqual((status, result), (200, {"personId": left_for, "notSameAs": person}))
        # The same photos filed again under other names: each joins one of the two, never both at once.
        self.restart()
        again = self.file([("again_" + name, data) for name, data in lfw_photos(1, 2)])
        persons = {self.person_of(p, f["faceId"]) for p in again for f in self.photo(p)["faces"]}
        self.assertEqual(self.person_of(first, face["faceId"]), left_for)
        self.assertEqual(self.person_of(second, other["faceId"]), person)
        self.assertTrue(persons <= {left_for, person}, persons)


    def test_questions_are_asked_and_answers_act(self):
        men = ["George_W_Bush", "Colin_Powell", "Tony_Blair", "Donald_Rumsfeld"]
        self.file([(p.name, p.read_bytes()) for man in men for p in sorted((LFW / man).iterdir())[:PHOTOS_PER_MAN]])
        for query in ("limit=0", "limit=101", "limit=x", "limit="):
            self.assertEqual(self.server.rest("GET", "/api/questions?" + query)[0], 400, query)
        status, body, _ = self.server.rest("GET", "/api/questions?limit=100")
        self.assertEqual(status, 200)
        questions = body["questions"]
        self.assertGreaterEqual(len(questions), 3)
        worth = [q["similarity"] for q in questions]
        self.assertTrue(all(0 < s < 100 for s in worth))
        pair = next(q for q in questions if q["kind"] == "same-person")
        self.assertLess(pair["personId"], pair["otherPersonId"], "a pair reads the same in every list")
        self.assertTrue(pair["person"]["faces"] and pair["otherPerson"]["faces"])
        for about_face in (q for q in questions if q["kind"] == "belongs-to-person"):
            self.assertEqual(about_face["face"]["faceId"], about_face["faceId"])
            self.assertEqual(self.person_of(about_face["face"]["photoId"], about_face["faceId"]),
                             about_face["face"]["personId"], "the face names the person it is filed under")

        def answer(question, value, **extra):
            body = {"kind": question["kind"], "personId": question["personId"], "answer": value, **extra}
            if "otherPersonId" in question:
                body["otherPersonId"] = question["otherPersonId"]
            if "faceId" in question:
                body["faceId"] = question["faceId"]
            return self.server.rest("POST", "/api/questions/answer", body)[0]

        self.assertEqual(answer(pair, "maybe"), 400)
        self.assertEqual(answer({**pair, "kind": "who-knows"}, "yes"), 400)
        self.assertEqual(answer({**pair, "otherPersonId": "00000000-0000-4000-8000-000000000000"}, "yes"), 404)
        self.assertEqual(answer({**pair, "otherPersonId": pair["personId"]}, "no"), 400)

        people = self.server.rest("GET", "/api/people?limit=1")[1]["total"]
        self.assertEqual(answer(pair, "no"), 200)
        keys = {(q["kind"], q["personId"], q.get("otherPersonId")) for q in
                self.server.rest("GET", "/api/questions?limit=100")[1]["questions"]}
        self.assertNotIn((pair["kind"], pair["personId"], pair["otherPersonId"]), keys, "No is remembered")
        other = next(q for q in self.server.rest("GET", "/api/questions?limit=100")[1]["questions"]
                     if q["kind"] == "same-person")
        self.assertEqual(answer(other, "yes"), 200)
        self.assertEqual(self.server.rest("GET", "/api/people?limit=1")[1]["total"], people - 1, "Yes merges")
        self.assertEqual(answer(other, "yes"), 404, "a question settled already")


    def test_which_of_these_merges_the_chosen_and_keeps_the_others_apart(self):
        others = ["George_W_Bush", "Tony_Blair", "Donald_Rumsfeld"]
        photos = self.file(lfw_photos(1, 4) + [(f"{n}_0001.jpg", (LFW / n / f"{n}_0001.jpg").read_bytes()) for n in others])
        persons = [f["personId"] for p in photos for f in self.photo(p)["faces"]]
        main = max(set(persons), key=persons.count)
        alone = sorted({p for p in persons if persons.count(p) == 1})
        self.assertGreaterEqual(len(alone), 3, "each other man is a person of his own")
        chosen, apart = alone[0], alone[1:3]

        def answer(**body):
            return self.server.rest("POST", "/api/questions/answer",
                                    {"kind": "which-are-person", "personId": main, **body})[0]

        candidates = [chosen] + apart
        for bad in ({"candidates": candidates}, {"candidates": candidates, "chosen": chosen},
                    {"candidates": candidates, "chosen": [main]}, {"candidates": [main] + apart, "chosen": []},
                    {"candidates": [chosen] * 9, "chosen": []}, {"candidates": [], "chosen": []},
                    {"candidates": candidates, "answer": "yes"}, {"candidates": candidates, "chosen": [7]}):
            self.assertEqual(answer(**bad), 400, bad)
        self.assertEqual(answer(candidates=candidates + ["00000000-0000-4000-8000-000000000000"], chosen=[chosen]), 404)
        self.assertEqual(len(self.server.rest("GET", "/api/people?limit=100")[1]["people"]), len(set(persons)),
                         "a refused answer changes nothing")

        self.assertEqual(answer(candidates=candidates, chosen=[chosen]), 200)
        after = {f["faceId"]: f["personId"] for p in photos for f in self.photo(p)["faces"]}
        self.assertEqual(sum(1 for person in after.values() if person == main), persons.count(main) + 1, "the chosen one joined")
        self.assertTrue(set(apart) <= set(after.values()), "the others stay who they were")
        for q in self.server.rest("GET", "/api/questions?limit=100")[1]["questions"]:
            asked = {q["personId"], q.get("otherPersonId")} | {c["personId"] for c in q.get("candidates", [])}
            self.assertFalse(main in asked and asked & set(apart), f"the ones left out are kept apart: {q}")

    def test_others_shelf_cover_and_a_deleted_face_that_stays_deleted(self):
        strangers = [(f"{n}_0001.jpg", (LFW / n / f"{n}_0001.jpg").read_bytes()) for n in ("AJ_Cook", "AJ_Lamas")]
        photos = self.file(lfw_photos(1, 4) + strangers)
        everyone = self.server.rest("GET", "/api/people?limit=100")[1]
        main = self.server.rest("GET", "/api/people?shelf=main&limit=100")[1]
        others = self.server.rest("GET", "/api/people?shelf=others&limit=100")[1]
        self.assertEqual(self.server.rest("GET", "/api/people?shelf=elsewhere")[0], 400)
        self.assertEqual(main["minFaces"], 2)
        self.assertEqual(main["total"] + others["total"], everyone["total"])
        self.assertTrue(all(p["faceCount"] >= 2 for p in main["people"]))
        self.assertTrue(all(p["faceCount"] < 2 for p in others["people"]))
        self.assertGreaterEqual(others["total"], 2, "the two strangers are Others")
        stranger = others["people"][0]["personId"]
        self.server.rest("PATCH", f"/api/people/{stranger}", {"name": "Someone"})
        self.assertIn(stranger, [p["personId"] for p in self.server.rest("GET", "/api/people?shelf=main")[1]["people"]],
                      "a named person is always on the main grid")

        powell = main["people"][0]
        detail = self.server.rest("GET", f"/api/people/{powell['personId']}")[1]
        chosen = detail["faces"][-1]
        self.assertNotEqual(powell["coverUrl"], chosen["thumbUrl"])
        status, body, _ = self.server.rest("PATCH", f"/api/people/{powell['personId']}", {"coverFaceId": chosen["faceId"]})
        self.assertEqual((status, body["coverUrl"]), (200, chosen["thumbUrl"]))
        foreign = self.server.rest("GET", f"/api/people/{stranger}")[1]["faces"][0]["faceId"]
        status, _, _ = self.server.rest("PATCH", f"/api/people/{powell['personId']}",
                                        {"coverFaceId": foreign, "name": "Not applied"})
        self.assertEqual(status, 400)
        after = self.server.rest("GET", f"/api/people/{powell['personId']}")[1]
        self.assertEqual((after["coverUrl"], after["name"]), (chosen["thumbUrl"], ""), "a refused change changes nothing")

        # A false detection deleted: its thumbnail, its person and the photo's faceCount follow, and
        # filing the photo again does not bring it back.
        stranger_photo = photos[-1]
        face = self.photo(stranger_photo)["faces"][0]
        status, _, _ = self.server.rest("DELETE", f"/api/faces/{face['faceId']}")
        self.assertEqual(status, 204)
        self.assertEqual(self.server.rest("DELETE", f"/api/faces/{face['faceId']}")[0], 404)
        self.assertEqual(self.photo(stranger_photo)["faces"], [])
        self.assertEqual(self.photo(stranger_photo)["faceCount"], 0)
        self.assertEqual(self.server.rest("GET", f"/api/people/{face['personId']}")[0], 404)
        self.assertEqual(self.server.rest("DELETE", f"/api/photos/{stranger_photo}")[0], 204)
        self.assertEqual(self.file(strangers[1:]), [stranger_photo], "the same photo, filed again")
        self.assertEqual(self.photo(stranger_photo)["faces"], [], "the deleted face stays deleted")


    def test_photos_of_people_newest_first_by_the_date_taken(self):
        samples = SHARED / "faces/vladmandic-human/samples/in"
        lauren = (samples / "person-lauren.jpg").read_bytes()
        dated, undated, group = self.file([("lauren.jpg", lauren), ("lauren-copy.jpg", without_exif(lauren)),
                                           ("group-2.jpg", (samples / "group-2.jpg").read_bytes())])
        self.assertEqual(self.photo(dated)["takenAt"], "2016-03-05T11:59:00")
        self.assertEqual(self.photo(undated)["takenAt"], "", "no EXIF, no date: the upload time orders it")
        self.assertEqual(self.photo(group)["takenAt"], "2017-05-13T21:59:36")
        her = self.photo(dated)["faces"][0]["personId"]
        self.assertEqual(self.photo(undated)["faces"][0]["personId"], her)

        def photos(people, status=200):
            code, body, _ = self.server.rest("GET", "/api/photos?people=" + people)
            self.assertEqual(code, status, body)
            return body

        found = photos(her)
        self.assertEqual([p["photoId"] for p in found["photos"]], [undated, dated], "newest first")
        self.assertEqual(found["total"], 2)
        together = [f["personId"] for f in self.photo(group)["faces"]][:2]
        self.assertEqual([p["photoId"] for p in photos(",".join(together))["photos"]], [group])
        self.assertEqual(photos(her + "," + together[0])["photos"], [], "never in one photo")
        photos("", 400)
        photos("not-an-id", 404)
        photos("00000000-0000-4000-8000-000000000000", 404)

    def test_a_face_drawn_by_hand_is_filed_like_any_face(self):
        photos = self.file(lfw_photos(1, 4))
        faces = [self.photo(p)["faces"][0] for p in photos]
        his = faces[0]["personId"]
        self.assertTrue(all(f["personId"] == his for f in faces))
        # The detector's face deleted, then drawn again by hand where it was.
        target, box = photos[-1], faces[-1]["box"]
        self.assertEqual(self.server.rest("DELETE", f"/api/faces/{faces[-1]['faceId']}")[0], 204)
        for bad in ({}, {"box": [1, 2]}, {"box": {"left": 0.5, "top": 0.5, "width": 0.8, "height": 0.8}},
                    {"box": {"left": 0.1, "top": 0.1, "width": 0.01, "height": 0.01}}):
            self.assertEqual(self.server.rest("POST", f"/api/photos/{target}/faces", bad)[0], 400, bad)
        self.assertEqual(self.server.rest("POST", "/api/photos/0123456789abcdef0123/faces", {"box": box})[0], 404)
        status, drawn, _ = self.server.rest("POST", f"/api/photos/{target}/faces", {"box": box})
        self.assertEqual(status, 201, drawn)
        self.assertEqual(drawn["faceIndex"], 2, "past the deleted face, whose id stays deleted")
        self.assertEqual(drawn["personId"], his, "landmarks and descriptor from the box find him")
        self.assertEqual(self.server.rest("GET", drawn["thumbUrl"])[0], 200)
        row = self.photo(target)
        self.assertEqual((row["faceCount"], [f["faceId"] for f in row["faces"]]), (1, [drawn["faceId"]]))


def without_exif(jpeg):
    """The same JPEG with its APP1 (EXIF) segments left out."""
    out, at = bytearray(jpeg[:2]), 2
    while jpeg[at + 1] != 0xDA:
        length = int.from_bytes(jpeg[at + 2:at + 4], "big")
        if jpeg[at + 1] != 0xE1:
            out += jpeg[at:at + 2 + length]
        at += 2 + length
    return bytes(out + jpeg[at:])


if __name__ == "__main__":
    unittest.main()
