"""No server can harm the shell (issue 12, items 8-10): a fake hostile server on 127.0.0.1.

Item 8, escaping: text from the server (listed names, `ls -l`, a per-file report line,
an error message, the server name `version` shows) reaches the terminal with control
characters, C1, bidi controls and invalid UTF-8 written visibly; listed names that break
the name rules are left out with one warning line.
Item 9, the token: `-v` traces hello with the token redacted; a token is not sent over
plain TCP to a non-loopback address (refused before any connection is made).
Item 10, waits and bounds: a silent server fails the connect deadline with a message
saying so; an SSH or HTTP server is named as such; an error reply announcing a 2^63-byte
body closes the connection at once; a listing body that stops coming fails the
--stall-timeout deadline; a silent `ls` fails the --timeout deadline; `put` of a FIFO is refused at once.
"""

import json
import os
import socket
import time
import unittest

from checks import IntegrationTest
from fake_server import FakeServer
from raw_sockets import read_frame
from wire import MIB, frame

ESC = "\x1b"
TOKEN = "tok-" + "s3cr3t" * 6


class HostileServer(FakeServer):
    """Accepts connections on 127.0.0.1 for at most `lifetime` seconds. on_accept(conn)
    may send a greeting or return False to go silent; answer(header) returns the bytes
    to send for a request (None: say nothing, and go silent)."""

    def __init__(self, answer=None, on_accept=None, server_name="fake/0.0", lifetime=30.0):
        super().__init__(lifetime=lifetime, conn_timeout=0.5, server_name=server_name)
        self.answer = answer or (lambda header: None)
        self.on_accept = on_accept
        self.headers = []
        self.start()

    def _silent(self, conn, deadline):
        # Reads (and drops) whatever comes until the client closes or time is up.
        while not self.stopping(deadline):
            try:
                if not conn.recv(65536):
                    return
            except socket.timeout:
                continue

    def serve(self, conn, deadline):
        if self.on_accept is not None and self.on_accept(conn) is False:
            return self._silent(conn, deadline)
        while not self.stopping(deadline):
            try:
                header, _ = read_frame(conn)
            except socket.timeout:
                continue
            self.headers.append(header)
            if header.get("op") == "hello":
                reply = self.hello_reply(header["id"])
            elif header.get("op") == "bye":
                conn.sendall(frame({"id": header["id"], "status": "ok"}))
                return
            else:
                reply = self.answer(header)
            if reply is None:
                return self._silent(conn, deadline)
            if callable(reply):
                return reply(conn)
            conn.sendall(reply)


def listing(names):
    def answer(header):
        if header.get("op") != "list":
            return frame({"id": header["id"], "status": "error", "code": "not_found",
                          "message": "gone"})
        body = json.dumps([{"name": n, "size": 7, "mtime": 0} for n in names],
                          ensure_ascii=False).encode("utf-8")
        return frame({"id": header["id"], "status": "ok", "count": len(names), "truncated": False}, body)
    return answer


class HostileCase(IntegrationTest):
    def hostile(self, **kw):
        srv = HostileServer(**kw)
        self.on_cleanup(srv.stop)
        return srv

    def assertNoRawControls(self, text):
        for ch in text:
            cp = ord(ch)
            bad = (cp < 0x20 and ch != "\n") or cp == 0x7F or 0x80 <= cp <= 0x9F or cp in (
                0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0xFFFD) or 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069
            self.assertFalse(bad, "raw U+%04X reached the terminal in %r" % (cp, text))


class EscapedOutput(HostileCase):
    RLO_NAME = "a\u202egnp.png"  # a format character: breaks the name rules (protocol/names), dropped

    def test_ls_escapes_names_and_drops_rule_breakers(self):
        names = ["good.png", self.RLO_NAME, ESC + "]0;owned" + "\x07.png", "x\n10.0.0.1:1 get y ok.png",
                 "\x9b31m.png"]
        srv = self.hostile(answer=listing(names))
        for flags in ([], ["-l"]):
            res = self.imgsh(srv.addr, "ls", *flags, timeout=20)
            self.assertOk(res, op="list")
            self.assertNoRawControls(res.stdout + res.stderr)
            self.assertNotIn("gnp.png", res.stdout, res.describe())
            self.assertIn("good.png", res.stdout)
            self.assertNotIn("owned", res.stdout, res.describe())
            self.assertEqual(res.stderr.count("warning: 4 names from the server broke the name rules"), 1,
                             res.describe())
            self.assertEqual(len(res.other_lines), 1, res.describe())

    def test_get_report_line_escapes_the_name(self):
        srv = self.hostile(answer=listing([ESC + "[2J\x9bx" + "\u2028.png"]))
        res = self.imgsh(srv.addr, "get", "*", timeout=20)
        self.assertNoRawControls(res.stdout + res.stderr)
        self.assertIn("\\x1b[2J\\u{009B}x\\u{2028}.png", res.stderr, res.describe())

    def test_error_message_is_escaped(self):
        message = "no " + ESC + "]0;pwned\x07 such\n127.0.0.1:1 stat x.png ok fine \u202e"
        srv = self.hostile(answer=lambda h: frame({"id": h["id"], "status": "error", "code": "not_found",
                                                   "message": message}))
        res = self.imgsh(srv.addr, "stat", "x.png", timeout=20)
        self.assertFail(res, "not_found", op="stat")
        self.assertNoRawControls(res.stdout + res.stderr)
        self.assertIn("\\x1b]0;pwned\\x07 such\\x0a127.0.0.1:1", res.stderr, res.describe())

    def test_version_escapes_the_server_name(self):
        srv = self.hostile(server_name="evil" + ESC + "[31m\x9b\u202e")
        res = self.imgsh(srv.addr, "version", timeout=20)
        self.assertEqual(res.returncode, 0, res.describe())
        self.assertNoRawControls(res.stdout + res.stderr)
        self.assertIn("evil\\x1b[31m\\u{009B}\\u{202E}", res.stdout, res.describe())

    def test_lls_escapes_local_names(self):
        # The filesystem is outside too: names made by anyone who could write the directory.
        server = self.start_server()
        names = [ESC + "]0;owned\x07.png", "x\n10.0.0.1:1 get y ok.png", "\x9b31m.png", "a\u202egnp.png"]
        for n in names:
            with open(self.work_path(n), "wb") as f:
                f.write(b"x")
        for flags in ([], ["-l"]):
            res = self.imgsh(server.addr, "lls", *flags, timeout=20)
            self.assertEqual(res.returncode, 0, res.describe())
            self.assertNoRawControls(res.stdout + res.stderr)
            for shown in ("\\x1b]0;owned\\x07.png", "x\\x0a10.0.0.1:1 get y ok.png", "\\u{009B}31m.png",
                          "a\\u{202E}gnp.png"):
                self.assertIn(shown, res.stdout, res.describe())
        self.assertEqual(sorted(os.listdir(self.work)), sorted(names), "lls changed the directory")


class TokenKeptSecret(HostileCase):
    def shell_env(self):
        env = super().shell_env()
        env["IMGSH_TOKEN"] = TOKEN
        return env

    def test_verbose_trace_redacts_the_token(self):
        srv = self.hostile(answer=listing(["a.png"]))
        res = self.imgsh("-v", srv.addr, "ls", timeout=20)
        self.assertOk(res, op="list")
        self.assertEqual(srv.headers[0].get("token"), TOKEN)  # it was sent (loopback)
        self.assertNotIn(TOKEN, res.stderr, res.describe())
        self.assertIn('"token":"<redacted>"', res.stderr.replace(" ", ""), res.describe())

    def test_no_plaintext_token_to_a_non_loopback_address(self):
        # 192.0.2.1 (TEST-NET-1) is never contacted: the refusal comes before connect,
        # so it is immediate though the connect deadline is 30 s.
        start = time.monotonic()
        res = self.imgsh("--connect-timeout", "30", "192.0.2.1:7070", "ls", timeout=20)
        self.assertLess(time.monotonic() - start, 5, res.describe())
        self.assertEqual(res.returncode, 2, res.describe())
        self.assertIn("refusing to send the token in clear", res.stderr)
        self.assertIn("--allow-plaintext-token", res.stderr)


class BoundedWaits(HostileCase):
    def timed(self, *args, limit):
        start = time.monotonic()
        res = self.imgsh(*args, timeout=20)
        self.assertLess(time.monotonic() - start, limit, res.describe())
        return res

    def test_silent_server_fails_the_connect_deadline(self):
        srv = self.hostile(on_accept=lambda conn: False)
        res = self.timed("--connect-timeout", "1", srv.addr, "ls", limit=6)
        self.assertEqual(res.returncode, 2, res.describe())
        self.assertIn("timed out: no answer to hello", res.stderr)
        self.assertIn("1000 ms", res.stderr)

    def test_ssh_server_is_named(self):
        def ssh(conn):
            conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
            return False
        srv = self.hostile(on_accept=ssh)
        res = self.timed(srv.addr, "ls", limit=6)
        self.assertEqual(res.returncode, 2, res.describe())
        self.assertIn("this is an SSH server", res.stderr)

    def test_http_server_is_named(self):
        def http(conn):
            conn.recv(100)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return False
        srv = self.hostile(on_accept=http)
        res = self.timed(srv.addr, "ls", limit=6)
        self.assertEqual(res.returncode, 2, res.describe())
        self.assertIn("this is an HTTP server", res.stderr)

    def test_huge_error_body_closes_the_connection(self):
        def endless(conn):
            # An error announcing 2^63 bytes, then bytes for as long as imgsh reads them.
            conn.sendall(frame({"id": 2, "status": "error", "code": "internal", "message": "x"}, body_len=1 << 63))
            end = time.monotonic() + 15
            while time.monotonic() < end:
                conn.sendall(b"\0" * 65536)
        srv = self.hostile(answer=lambda h: endless)
        res = self.timed(srv.addr, "ls", limit=6)
        self.assertFail(res, "bad_frame", op="list", status=1)
        self.assertIn("not read, connection closed", res.stderr)
        self.assertTrue(srv.closed_by_client.wait(5))

    def test_listing_that_stops_mid_body_is_cut_by_the_stall_deadline(self):
        # A listing of any size is read as it comes (test_list_streaming); one that stops
        # coming ends after --stall-timeout (its header came within --timeout), and the
        # entries that came whole were printed on the way.
        def stop_mid_body(h):
            return frame({"id": h["id"], "status": "ok", "count": 2, "truncated": False},
                         b'[{"name":"first.png","size":1,"mtime":2},{"name":"sec', body_len=64 * MIB + 1)
        srv = self.hostile(answer=stop_mid_body)
        res = self.timed("--timeout", "60", "--stall-timeout", "1", srv.addr, "ls", limit=6)
        self.assertFail(res, "connection_lost", op="list", status=2)
        self.assertIn("timed out: the server stopped sending its listing: no byte came for 1 s (--stall-timeout)",
                      res.stderr)
        self.assertEqual(res.stdout, "first.png\n")

    def test_a_listing_that_keeps_coming_outlives_the_reply_deadline(self):
        # --timeout bounds the wait for the reply; a body still moving (a slow link, or
        # imgsh printing into a pager) is the stall deadline's, not cut by --timeout.
        names = ["n%d.png" % i for i in range(6)]
        body = json.dumps([{"name": n, "size": 1, "mtime": 2} for n in names]).encode()
        step = len(body) // 6 + 1

        def dribble(h):
            def send(conn):
                conn.sendall(frame({"id": h["id"], "status": "ok", "count": 6, "truncated": False},
                                   body_len=len(body)))
                for i in range(0, len(body), step):
                    time.sleep(0.5)
                    conn.sendall(body[i:i + step])
                time.sleep(1)
            return send
        srv = self.hostile(answer=dribble)
        res = self.timed("--timeout", "1", srv.addr, "ls", limit=15)
        self.assertOk(res, op="list")
        self.assertEqual(res.stdout.split(), names)

    def test_silent_list_fails_the_reply_deadline(self):
        srv = self.hostile(answer=lambda h: None)
        res = self.timed("--timeout", "1", srv.addr, "ls", limit=6)
        self.assertFail(res, "connection_lost", op="list", status=2)
        self.assertIn("no reply from", res.stderr)

    def test_fifo_put_refused_at_once(self):
        server = self.start_server()
        fifo = self.work_path("b.png")
        os.mkfifo(fifo)
        res = self.timed(server.addr, "put", "b.png", limit=6)
        self.assertFail(res, "unsupported_type", op="put")
        self.assertIn("a FIFO, not a regular file", res.stderr)


if __name__ == "__main__":
    unittest.main()
