"""Deadlines and Ctrl-C break imgsh's waits on a silent server, on a real terminal (tmux),
and Tab completion answers within its deadline on a large root (issue 12, items 10 and 2).

- Reconnecting over TLS to a server that accepts and never speaks: the handshake fails
  the --connect-timeout deadline, saying so, and the prompt comes back.
- The same with no deadline (--connect-timeout 0): Ctrl-C ends the handshake's wait.
- A server that stops answering (SIGSTOP) while `ls` waits with no reply deadline
  (--timeout 0): Ctrl-C ends the wait, the prompt comes back, the next command reconnects.
- Tab on a root of 20,000 files: completion asks the server live with a 1 s deadline, so
  the name completing at all shows the bounded listing answered in time.
"""

import os
import signal
import socket
import sys
import threading
import time
import unittest

import test_tls
from checks import IntegrationTest
from images import make_png
from procs import wait_until
from tmux_screen import TmuxScreen
from wire import HOST


def setUpModule():
    test_tls.setUpModule()  # the test CA and server certificate


def tearDownModule():
    test_tls.tearDownModule()


class SilentListener:
    """Takes over the port of a stopped server: accepts connections, reads what comes,
    never answers."""

    def __init__(self, port):
        self.accepted = 0
        self._conns = []
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((HOST, port))
        self._sock.listen(8)
        self._sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._conns.append(conn)
            self.accepted += 1

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        for c in self._conns:
            c.close()
        self._sock.close()


class WaitBreakers(IntegrationTest):
    def setUp(self):
        super().setUp()
        make_png(self.root_path("cat.png"), 8, 8, seed=1)
        self.state = self.mkdir("state")

    def open(self, *args):
        env = self.shell_env()
        env["XDG_STATE_HOME"] = self.state
        screen = TmuxScreen(self, list(args), self.work, env)
        screen.wait_prompt()
        return screen

    def tls_server_gone_silent(self, *shell_args):
        """imgsh connected over TLS and served once; then its server stops and a silent
        listener takes its port, so the next command reconnects to it."""
        server = self.start_server("--tls-cert", test_tls.pki("server.pem"), "--tls-key", test_tls.pki("server.key"))
        s = self.open("--ca", test_tls.pki("ca.pem"), *shell_args, "imgs://%s:%d" % (HOST, server.port))
        s.type("stat cat.png")
        s.keys("Enter")
        s.wait_for("stat cat.png ok")
        self.assertEqual(server.stop(), 0, server.log_text())
        silent = SilentListener(server.port)
        self.on_cleanup(silent.stop)
        return s, silent

    def test_a_tls_reconnect_to_a_silent_server_hits_the_handshake_deadline(self):
        s, silent = self.tls_server_gone_silent("--connect-timeout", "1")
        s.type("stat cat.png")
        s.keys("Enter")
        start = time.monotonic()
        screen = s.wait_for("timed out: no TLS handshake", timeout=15, what="the handshake deadline's message")
        print("\nTLS reconnect to a silent server: failed after %.1f s (--connect-timeout 1)"
              % (time.monotonic() - start), file=sys.stderr)
        self.assertIn("within 1000 ms (--connect-timeout)", screen)
        s.wait_prompt()
        self.assertGreaterEqual(silent.accepted, 1, "the reconnect never reached the silent server")

    def test_ctrl_c_breaks_a_tls_reconnect_with_no_deadline(self):
        s, silent = self.tls_server_gone_silent("--connect-timeout", "0")  # only Ctrl-C can end it
        s.type("stat cat.png")
        s.keys("Enter")
        self.assertTrue(wait_until(lambda: silent.accepted >= 1, 10), "no reconnect reached the silent server")
        time.sleep(0.5)  # the handshake waits
        s.keys("C-c")
        s.wait_for("stat cat.png fail interrupted", timeout=10)
        s.wait_prompt()

    def test_ctrl_c_breaks_a_wait_for_a_reply_with_no_deadline(self):
        server = self.start_server()
        s = self.open("--timeout", "0", server.addr)  # only Ctrl-C can end the wait
        server.proc.send_signal(signal.SIGSTOP)
        self.on_cleanup(lambda: server.proc.send_signal(signal.SIGCONT))
        s.type("ls")
        s.keys("Enter")
        time.sleep(1)
        s.keys("C-c")
        s.wait_for("list fail interrupted", timeout=10)
        s.wait_prompt()
        server.proc.send_signal(signal.SIGCONT)
        s.type("stat cat.png")
        s.keys("Enter")
        screen = s.wait_for("stat cat.png ok", timeout=15)
        self.assertIn("reconnected", screen)

    def test_tab_completes_on_a_root_of_20000_files(self):
        src = self.root_path("cat.png")
        for i in range(20000):
            os.link(src, self.root_path("p%05d.png" % i))
        server = self.start_server()
        s = self.open(server.addr)
        s.type("get p12345")
        start = time.monotonic()
        s.keys("Tab")
        s.wait_for(lambda t: TmuxScreen._last(t).endswith("> get p12345.png"), timeout=10,
                   what="p12345.png completed")
        print("\nTab on a root of 20,001 files: completed in %.0f ms (screen polled every 50 ms)"
              % ((time.monotonic() - start) * 1000), file=sys.stderr)
        s.keys("C-u")
        s.type("get p1999")
        s.keys("Tab", "Tab")
        s.wait_for(lambda t: all("p1999%d.png" % d in t for d in range(10)), timeout=10,
                   what="the ten p1999x names listed")


if __name__ == "__main__":
    unittest.main()
