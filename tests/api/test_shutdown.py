"""SIGTERM stops `beetroot serve` cleanly, whichever libraries the machine has."""
import glob
import pathlib
import unittest

from beetroot_server import BeetrootServer

# OpenBLAS starts its threads when it loads, before main(); as the system's libblas.so.3 (Debian's
# alternatives) OpenCV loads it. test.sh installs it; preloaded here so the test does not depend
# on which BLAS the alternatives chose.
OPENBLAS = sorted(glob.glob("/usr/lib/*/openblas-pthread/libopenblas.so.0"))


class ShutdownTest(unittest.TestCase):
    @unittest.skipUnless(OPENBLAS, "libopenblas0-pthread is not installed")
    def test_sigterm_stops_cleanly_with_threads_started_before_main(self):
        for _ in range(3):
            server = BeetrootServer(extra_env={"LD_PRELOAD": OPENBLAS[0]})
            server.client().list_collections()
            self.assertEqual(server.stop(keep_data=True), 0)
            self.assertIn("shutting down", (pathlib.Path(server.data.name) / "server.log").read_text())
            server.data.cleanup()


if __name__ == "__main__":
    unittest.main()
