"""--grace-period: after SIGTERM, how long requests in progress may go on.

A get whose client reads nothing keeps its session busy; SIGTERM then waits for the
grace period, says so in the log, and exits 0: after about --grace-period seconds, not
the default 5.
"""

import signal
import time
import unittest

from checks import IntegrationTest
from images import make_png_bytes
from procs import wait_until
from wire import MIB


class GracePeriodTest(IntegrationTest):
    def stop_with_busy_session(self, *args):
        with open(self.root_path("big.png"), "wb") as f:
            f.write(make_png_bytes(8, 8)[:33] + b"\0" * (64 * MIB))  # a PNG header: only images are served
        server = self.start_server(*args)
        c = self.raw_client(server.port)
        c.hello()
        c.send_frame({"op": "get", "id": c.take_id(), "name": "big.png"})  # and never read the reply
        # The reply comes after the checksum of a file placed by hand: a SIGTERM during
        # the hash ends the get as busy at once, with no grace period to wait for.
        self.assertTrue(c.reply_arriving(), "no reply to the get")
        time.sleep(0.3)  # the server fills the socket buffers and waits
        start = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        self.assertTrue(wait_until(lambda: server.proc.poll() is not None, 15), "imgsrv still running")
        elapsed = time.monotonic() - start
        self.assertEqual(server.proc.returncode, 0)
        self.assertIn("shutdown grace period over", server.log_text())
        return elapsed

    def test_short_grace_period(self):
        elapsed = self.stop_with_busy_session("--grace-period", "0.5")
        self.assertGreaterEqual(elapsed, 0.4)
        self.assertLess(elapsed, 3.0)

    def test_default_is_five_seconds(self):
        elapsed = self.stop_with_busy_session()
        self.assertGreaterEqual(elapsed, 4.5)
        self.assertLess(elapsed, 10.0)


if __name__ == "__main__":
    unittest.main()
