"""Port 0 means "any free port": imgsrv binds one, and the start-up log line names the
port actually bound, which then accepts connections."""

import os
import socket
import tempfile
import unittest

from wire import HOST
from imgsrv_process import ImgsrvProcess


class AnyFreePortTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="imgsh-port0-")
        self.addCleanup(self.tmp.cleanup)

    def store(self, name):
        path = os.path.join(self.tmp.name, name)
        os.mkdir(path)
        return path

    def test_port_zero_binds_a_free_port_and_logs_it(self):
        # Two servers at once: each gets its own port, and each logged port is live.
        with ImgsrvProcess(self.store("a")) as a, ImgsrvProcess(self.store("b")) as b:
            for server in (a, b):
                self.assertNotEqual(server.port, 0, server.log_text())
                with socket.create_connection((HOST, server.port), timeout=5):
                    pass
            self.assertNotEqual(a.port, b.port)
            self.assertEqual(a.stop(), 0, a.log_text())
            self.assertEqual(b.stop(), 0, b.log_text())


if __name__ == "__main__":
    unittest.main()
