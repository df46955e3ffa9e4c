"""SIGTERM stops `beetroot serve` cleanly, whichever libraries the machine has."""
import pathlib
import unittest

from beetroot_server import BeetrootServer


def loads_openblas(pid):
    return "libopenblas" in pathlib.Path(f"/proc/{pid}/maps").read_text()


class ShutdownTest(unittest.TestCase):
    def test_sigterm_stops_cleanly_with_threads_started_before_main(self):
        # OpenBLAS starts its threads when it loads, before main(); as the system's libblas.so.3
        # (Debian's alternatives pick it once installed; test.sh installs it) OpenCV loads it.
        for _ in range(3):
            server = BeetrootServer()
            if not loads_openblas(server.process.pid):
                server.stop()
                self.skipTest("libblas.so.3 is not OpenBLAS here (apt-get install libopenblas0-pthread)")
            server.client().list_collections()
            self.assertEqual(server.stop(keep_data=True), 0)
            self.assertIn("shutting down", (pathlib.Path(server.data.name) / "server.log").read_text())
            server.data.cleanup()


if __name__ == "__main__":
    unittest.main()
