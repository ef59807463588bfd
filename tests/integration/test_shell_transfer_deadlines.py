"""Every wait of imgsh has a deadline (issue 12, item 10): a transfer that stalls mid-way
and a name lookup that never answers.

--stall-timeout S: a get whose body stops coming, or a put whose body the server stops
taking, ends after S seconds without a byte moving, with a message that says which; a
body that still moves, however slowly, and the server's own work before its reply (no
body moving yet) are not stalls. The fake servers are test_shell_vs_hostile_server's.
--connect-timeout S bounds the name lookup too: getaddrinfo against a DNS server that
never answers (a network namespace whose resolv.conf names a silent UDP socket; needs
root) fails within the deadline, saying it was the lookup.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from checks import IntegrationTest
from files import listing, read_bytes
from images import make_png_bytes, shared_big_png
from procs import IMGSH
from test_shell_vs_hostile_server import HostileCase
from wire import frame, xxh3_hex

IMAGE = make_png_bytes(96, 96, seed=12)


def get_reply(header, data, sent=None):
    """The reply to a get of `data`, carrying the first `sent` bytes of its body."""
    sent = len(data) if sent is None else sent
    return frame({"id": header["id"], "status": "ok", "name": header["name"], "size": len(data),
                  "mtime": 0, "xxh3": xxh3_hex(data)}, data[:sent], body_len=len(data))


def not_found(header):
    return frame({"id": header["id"], "status": "error", "code": "not_found", "message": "no such file"})


def hold_open(conn, seconds, read=True):
    """Keeps the connection open for `seconds` (or until the client closes it, when
    reading); without `read`, takes no byte from it."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not read:
            time.sleep(0.1)
            continue
        try:
            if not conn.recv(65536):
                return
        except socket.timeout:
            continue


class StalledTransfers(HostileCase):
    def timed(self, *args, limit):
        start = time.monotonic()
        res = self.imgsh(*args, timeout=40)
        took = time.monotonic() - start
        self.assertLess(took, limit, res.describe())
        return res, took

    def test_a_get_body_that_stops_mid_way_ends_after_the_stall_timeout(self):
        def answer(header):
            if header.get("op") != "get":
                return not_found(header)
            def half_then_silence(conn):
                conn.sendall(get_reply(header, IMAGE, sent=len(IMAGE) // 2))
                hold_open(conn, 25)
            return half_then_silence
        srv = self.hostile(answer=answer, lifetime=30)
        res, took = self.timed("--stall-timeout", "1", srv.addr, "get", "x.png", limit=10)
        print("\nget stalled mid-body: imgsh ended after %.1f s (--stall-timeout 1)" % took, file=sys.stderr)
        self.assertFail(res, "connection_lost", op="get", file="x.png", status=2)
        self.assertIn("timed out: the server stopped sending x.png: no byte came for 1 s (--stall-timeout)",
                      res.stderr, res.describe())
        self.assertGreaterEqual(took, 1.0, res.describe())
        # Nothing under the final name; what arrived is kept hidden for reget.
        kept = ".x.png.%s.imgsh-partial" % xxh3_hex(IMAGE)
        self.assertEqual(listing(self.work), [kept], "a stalled get left a file behind")
        with open(os.path.join(self.work, kept), "rb") as f:
            self.assertEqual(f.read(), IMAGE[:len(IMAGE) // 2])

    def test_a_put_body_the_server_stops_taking_ends_after_the_stall_timeout(self):
        # 3000 x 3000 RGB, ~27 MB: more than both sockets' buffers hold, so the body
        # stops mid-way when the server stops reading.
        big = shared_big_png(3000, 12)
        shutil.copyfile(big, self.work_path("b.png"))
        def answer(header):
            if header.get("op") != "put":
                return not_found(header)
            def continue_then_stop_reading(conn):
                conn.sendall(frame({"id": header["id"], "status": "continue"}))
                hold_open(conn, 25, read=False)
            return continue_then_stop_reading
        srv = self.hostile(answer=answer, lifetime=30)
        res, took = self.timed("--stall-timeout", "1", srv.addr, "put", "b.png", limit=15)
        print("\nput the server stopped taking: imgsh ended after %.1f s (--stall-timeout 1)" % took,
              file=sys.stderr)
        self.assertFail(res, "connection_lost", op="put", file="b.png", status=2)
        self.assertIn("timed out: the server stopped taking b.png: no byte acknowledged for 1 s (--stall-timeout)",
                      res.stderr, res.describe())
        self.assertEqual(read_bytes(self.work_path("b.png")), read_bytes(big), "the local file changed")
        self.assertEqual(listing(self.work), ["b.png"])

    def test_a_slow_body_that_still_moves_is_not_a_stall(self):
        # Eight pieces 0.4 s apart: 2.8 s in all, never 1 s without a byte.
        pieces = 8
        def answer(header):
            if header.get("op") != "get":
                return not_found(header)
            def trickle(conn):
                reply = get_reply(header, IMAGE)
                step = -(-len(reply) // pieces)
                for i in range(0, len(reply), step):
                    conn.sendall(reply[i:i + step])
                    time.sleep(0.4)
                hold_open(conn, 10)
            return trickle
        srv = self.hostile(answer=answer, lifetime=30)
        res, took = self.timed("--stall-timeout", "1", srv.addr, "get", "x.png", limit=20)
        self.assertOk(res, op="get", file="x.png")
        self.assertGreater(took, 2.0, "the body came too fast to show anything\n" + res.describe())
        self.assertEqual(read_bytes(self.work_path("x.png")), IMAGE)

    def test_the_servers_work_before_its_reply_is_not_a_stall(self):
        # No body moves while the server works (a hash before a get's reply): the
        # stall deadline starts with the body.
        def answer(header):
            if header.get("op") != "get":
                return not_found(header)
            def slow_reply(conn):
                time.sleep(2.5)
                conn.sendall(get_reply(header, IMAGE))
                hold_open(conn, 10)
            return slow_reply
        srv = self.hostile(answer=answer, lifetime=30)
        res, took = self.timed("--stall-timeout", "1", srv.addr, "get", "x.png", limit=20)
        self.assertOk(res, op="get", file="x.png")
        self.assertGreater(took, 2.5)
        self.assertEqual(read_bytes(self.work_path("x.png")), IMAGE)

    def test_a_negative_stall_timeout_is_refused(self):
        res = self.imgsh("--stall-timeout", "-1", "127.0.0.1:1", "ls", timeout=20)
        self.assertEqual(res.returncode, 2, res.describe())
        self.assertIn("--stall-timeout", res.stderr)


# Runs inside `unshare --net --mount`: loopback up, a resolv.conf naming a UDP socket on
# 127.0.0.1:53 that reads queries and never answers, then imgsh.
SILENT_DNS = r"""
import socket, subprocess, sys
resolv, argv = sys.argv[1], sys.argv[2:]
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
subprocess.run(["mount", "--bind", resolv, "/etc/resolv.conf"], check=True)
dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dns.bind(("127.0.0.1", 53))
res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
sys.stdout.write(res.stdout.decode(errors="replace"))
sys.stderr.write(res.stderr.decode(errors="replace"))
sys.exit(res.returncode)
"""


class NameLookupDeadline(IntegrationTest):
    def test_a_lookup_that_never_answers_fails_the_connect_deadline(self):
        if os.geteuid() != 0 or not shutil.which("unshare"):
            self.skipTest("needs root and unshare for a private network and resolv.conf")
        resolv = self.work_path("resolv.conf")
        with open(resolv, "w") as f:
            f.write("nameserver 127.0.0.1\noptions timeout:30 attempts:2\n")  # a minute per lookup
        start = time.monotonic()
        res = subprocess.run(["unshare", "--net", "--mount", sys.executable, "-c", SILENT_DNS, resolv,
                              IMGSH, "--connect-timeout", "1", "photos.example:7070", "ls"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=150,
                             env=self.shell_env(), cwd=self.work)
        took = time.monotonic() - start
        err = res.stderr.decode(errors="replace")
        if "unshare:" in err or "mount:" in err:
            self.skipTest("cannot make a private network and resolv.conf here: " + err)
        print("\nname lookup against a silent DNS server: imgsh ended after %.1f s "
              "(--connect-timeout 1)" % took, file=sys.stderr)
        self.assertEqual(res.returncode, 2, err)
        self.assertIn("timed out: no address (name lookup) for photos.example:7070 within 1000 ms "
                      "(--connect-timeout)", err)
        self.assertLess(took, 10, err)


if __name__ == "__main__":
    unittest.main()
