"""16 concurrent clients mixing SearchFacesByImage and IndexFaces: no request fails, no face is lost
or duplicated, and the server's memory stops growing."""
import os
import threading
import time
import unittest

from beetroot_server import BeetrootServer, demo_photo

CLIENTS = 16
# Under the sanitizers inference is about 5x slower: shorter rounds keep the same mix.
ROUND_SECONDS = 3 if os.environ.get("BEETROOT_SANITIZED") == "1" else 6


class LoadTest(unittest.TestCase):
    def test_concurrent_search_and_index(self):
        server = BeetrootServer()
        try:
            server.client().create_collection(CollectionId="load")
            photos = [demo_photo(n) for n in range(1, 7)]
            lock = threading.Lock()
            indexed, failures, counts = [], [], {"search": 0, "index": 0}

            def client_loop(number, stop_at, round_number):
                rek = server.client(max_pool_connections=1, read_timeout=300)
                i = number
                while time.time() < stop_at:
                    photo = photos[i % len(photos)]
                    try:
                        if i % 2:
                            r = rek.index_faces(CollectionId="load", Image={"Bytes": photo}, MaxFaces=2,
                                                ExternalImageId=f"round{round_number}_client{number}_{i}")
                            with lock:
                                indexed.extend(f["Face"]["FaceId"] for f in r["FaceRecords"])
                                counts["index"] += 1
                        else:
                            rek.search_faces_by_image(CollectionId="load", Image={"Bytes": photo}, MaxFaces=5)
                            with lock:
                                counts["search"] += 1
                    except Exception as error:  # every failure is recorded, none may happen
                        with lock:
                            failures.append(repr(error))
                    i += CLIENTS

            def run_round(round_number):
                stop_at = time.time() + ROUND_SECONDS
                # Requests of one round differ from the other's: a repeated IndexFaces is a retry.
                threads = [threading.Thread(target=client_loop, args=(n, stop_at, round_number)) for n in range(CLIENTS)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                return server.rss_kib()

            first_rss = run_round(1)
            second_rss = run_round(2)
            print(f"\n{counts['search']} searches, {counts['index']} IndexFaces, {len(indexed)} faces; "
                  f"RSS {first_rss // 1024} MiB after round 1, {second_rss // 1024} MiB after round 2")

            self.assertEqual(failures, [])
            self.assertGreater(counts["search"], 0)
            self.assertGreater(counts["index"], 0)
            self.assertEqual(len(indexed), len(set(indexed)), "a FaceId was handed out twice")
            listed = [f["FaceId"] for page in server.client().get_paginator("list_faces").paginate(CollectionId="load")
                      for f in page["Faces"]]
            self.assertEqual(sorted(listed), sorted(indexed), "faces lost or invented")
            self.assertEqual(server.client().describe_collection(CollectionId="load")["FaceCount"], len(indexed))
            if os.environ.get("BEETROOT_SANITIZED") != "1":  # ASan's quarantine holds freed memory on purpose
                self.assertLess(second_rss, first_rss * 1.25 + 64 * 1024, "memory keeps growing under load")
        finally:
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
