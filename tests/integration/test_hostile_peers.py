"""A peer that breaks the protocol gets a clean refusal or a close, never a crash or a
hang, and the other end goes on.

The server against a hostile client: a session that does not start with a proper hello,
header_len out of range, headers that are not a JSON object (or nested 30,000 deep),
bodies on ops that take none, an enormous unknown op, and a table of malformed input
(HTTP, TLS, random bytes, mistyped fields, frames cut short): every case gets the
documented code (PROTOCOL.md) and a close or the session goes on, and the server then
serves the next client.

imgsh against a hostile server (a fake one that answers hello properly, then list with
whatever the test says): a malformed list reply makes imgsh fail cleanly (bad_frame),
never crash; a non-boolean 'truncated' is ignored.
"""

import json
import random
import socket
import struct
import time
import unittest

from checks import IntegrationTest
from fake_server import FakeServer
from files import read_bytes
from images import make_png_bytes
from raw_sockets import recv_exact
from wire import MIB, ConnectionClosed, RawClient, frame, prefix

HELLO = {"op": "hello", "id": 1, "version": 1, "client": "hostile"}

# (what, say hello first, bytes sent, expected code or None, then)
#   then: "close"   the server replies with the code (None: nothing) and closes
#         "goes_on" the server replies with the code and the session goes on
#         "hangup"  the client closes mid-frame; nothing to read, the server must cope
CASES = [
    ("HTTP request", False, b"GET / HTTP/1.1\r\nHost: imgsh\r\n\r\n", "bad_frame", "close"),
    ("HTTP POST after hello", True, b"POST /upload HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "bad_frame", "close"),
    ("TLS ClientHello", False, bytes.fromhex("160301020001000100") + b"\x03\x03" + b"\x00" * 64, "bad_frame", "close"),
    ("random bytes 1", False, random.Random(1).randbytes(4096), "bad_frame", "close"),
    ("random bytes 2", True, random.Random(2).randbytes(300), "bad_frame", "close"),
    # a plausible header_len, then too few bytes: the header timeout ends it
    ("random bytes after a small header_len", False, b"\x00\x00" + random.Random(3).randbytes(2000), "timeout", "close"),
    ("header_len 0", False, prefix(0), "bad_frame", "close"),
    ("header_len 65537", True, prefix(65537) + b"{" * 100, "bad_frame", "close"),
    ("header_len 4 GiB - 1", False, prefix(0xFFFFFFFF), "bad_frame", "close"),
    ("header a JSON array", False, frame(b'[{"op":"hello","id":1,"version":1}]'), "bad_frame", "close"),
    ("header a JSON string", True, frame(b'"list"'), "bad_frame", "close"),
    ("header a JSON number", True, frame(b"42"), "bad_frame", "close"),
    ("header null", True, frame(b"null"), "bad_frame", "close"),
    ("header not JSON", True, frame(b"{op: list}"), "bad_frame", "close"),
    ("header not UTF-8", True, frame(b'{"op":"list","id":2,"x":"\xff\xfe"}'), "bad_frame", "close"),
    ("header cut short by a NUL", True, frame(b'{"op":"list"\x00,"id":2}'), "bad_frame", "close"),
    ("truncated prefix, then close", True, prefix(40)[:7], None, "hangup"),
    ("truncated header, then close", True, prefix(60) + b'{"op":"list","id":2', None, "hangup"),
    ("truncated put body, then close", True,
     frame({"op": "put", "id": 2, "name": "cut.png", "size": 5000}, b"\x89PNG\r\n\x1a\n" + b"x" * 100, 5000),
     None, "hangup"),
    ("id a string", True, frame({"op": "list", "id": "2"}), "bad_request", "goes_on"),
    ("id negative", True, frame({"op": "list", "id": -2}), "bad_request", "goes_on"),
    ("id missing", True, frame({"op": "list"}), "bad_request", "goes_on"),
    ("op a number", True, frame({"op": 7, "id": 2}), "bad_request", "goes_on"),
    ("op missing", True, frame({"id": 2}), "bad_request", "goes_on"),
    ("name an array", True, frame({"op": "get", "id": 2, "name": ["a.png"]}), "bad_request", "goes_on"),
    ("name null", True, frame({"op": "stat", "id": 2, "name": None}), "bad_request", "goes_on"),
    ("size negative", True, frame({"op": "put", "id": 2, "name": "n.png", "size": -1}), "bad_request", "goes_on"),
    ("size a float", True, frame({"op": "put", "id": 2, "name": "n.png", "size": 1.5}), "bad_request", "goes_on"),
    ("size a string", True, frame({"op": "put", "id": 2, "name": "n.png", "size": "10"}), "bad_request", "goes_on"),
    ("limit a string", True, frame({"op": "list", "id": 2, "limit": "all"}), "bad_request", "goes_on"),
    ("prefix an object", True, frame({"op": "list", "id": 2, "prefix": {}}), "bad_request", "goes_on"),
    ("unknown op", True, frame({"op": "chmod", "id": 2, "name": "a.png"}), "unknown_op", "goes_on"),
    ("unknown op with a body", True, frame({"op": "rm", "id": 2}, b"12345"), "unknown_op", "goes_on"),
    ("second hello", True, frame(dict(HELLO, id=2)), "bad_request", "goes_on"),
    ("checksum trailer alone", True, frame({"op": "checksum", "id": 2, "xxh3": "0" * 32}), "bad_request", "goes_on"),
    ("data frame alone", True, frame({"op": "data", "id": 2}, b"abc"), "bad_request", "goes_on"),
    ("list before hello", False, frame({"op": "list", "id": 1}), "bad_request", "close"),
    ("get before hello", False, frame({"op": "get", "id": 1, "name": "a.png"}), "bad_request", "close"),
    ("bye before hello", False, frame({"op": "bye", "id": 1}), "bad_request", "close"),
    ("hello version a string", False, frame(dict(HELLO, version="1")), "bad_request", "close"),
    ("hello version 0", False, frame(dict(HELLO, version=0)), "bad_request", "close"),
    ("hello id a float", False, frame(dict(HELLO, id=1.0)), "bad_request", "close"),
]


class BrokenSessionStartAndFramingTest(IntegrationTest):
    """A raw client that breaks the session start or the framing: the documented code,
    then a close; the server serves the next client."""

    def setUp(self):
        super().setUp()
        self.server = self.start_server("--max-file-size", str(2 * MIB))
        self.png = make_png_bytes(8, 8, seed=7)

    def test_first_request_not_hello(self):
        c = self.raw_client(self.server.port)
        reply, _ = c.request("list")
        self.assertError(reply, "bad_request", "first request not hello")
        self.assertTrue(c.closed_by_peer(5), "the server closes after a missing hello")
        self.assertServerServes(self.server)

    def test_first_request_put_before_hello(self):
        c = self.raw_client(self.server.port)
        reply, _ = c.request("put", body=self.png, name="early.png", size=len(self.png))
        self.assertError(reply, "bad_request", "put before hello")
        self.assertTrue(c.closed_by_peer(5))
        self.assertRoot([])
        self.assertServerServes(self.server)

    def test_wrong_version(self):
        c = self.raw_client(self.server.port)
        reply, _ = c.request("hello", version=2, client="future/9")
        self.assertError(reply, "bad_request", "hello version 2")
        self.assertTrue(c.closed_by_peer(5))
        self.assertServerServes(self.server)

    def assertBadFrame(self, c, what):
        reply, _ = c.recv_frame()
        self.assertError(reply, "bad_frame", what)
        self.assertEqual(reply.get("id"), 0, "bad_frame is sent with id 0: %r" % reply)
        self.assertTrue(c.closed_by_peer(5), "%s: the server closes after bad_frame" % what)
        self.assertServerServes(self.server)

    def test_header_len_zero(self):
        for hello_first in (False, True):
            with self.subTest(hello_first=hello_first):
                c = self.raw_client(self.server.port)
                if hello_first:
                    c.hello()
                c.send_raw(b"\0\0\0\0" + b"\0" * 8)
                self.assertBadFrame(c, "header_len 0")

    def test_header_len_too_big(self):
        for hello_first in (False, True):
            with self.subTest(hello_first=hello_first):
                c = self.raw_client(self.server.port)
                if hello_first:
                    c.hello()
                # announce 65537 header bytes; send a few so the server sees the prefix
                c.send_raw(b"\x00\x01\x00\x01" + b"\0" * 8 + b"{" * 16)
                self.assertBadFrame(c, "header_len 65537")

    def test_header_len_huge(self):
        c = self.raw_client(self.server.port)
        c.send_raw(b"\xff\xff\xff\xff" + b"\0" * 8)
        self.assertBadFrame(c, "header_len 2^32-1")

    def test_header_not_json(self):
        cases = [b"not json at all", b"[1,2,3]", b'"a string"', b"\xff\xfe{}", b'{"op":"hello",']
        for raw in cases:
            with self.subTest(header=raw):
                c = self.raw_client(self.server.port)
                c.send_frame(raw)
                self.assertBadFrame(c, "header %r" % raw)

    def test_header_of_max_size_is_framing_ok(self):
        c = self.raw_client(self.server.port)
        c.hello()
        header = {"op": "list", "id": 77, "pad": ""}
        base = len(json.dumps(header, separators=(",", ":")))
        header["pad"] = "x" * (65536 - base)
        reply, body = c.request("list", rid=77, pad=header["pad"])
        self.assertEqual(reply.get("status"), "ok", "a 65536-byte header is legal: %r" % reply)


class HostileFramesTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()

    def test_deeply_nested_header_is_bad_frame(self):
        depth = 30000
        header = b'{"a":' + b"[" * depth + b"]" * depth + b"}"
        self.assertLessEqual(len(header), 65536)
        c = self.raw_client(self.server.port)
        c.hello()
        c.send_frame(header)
        reply, body = c.recv_frame()
        self.assertEqual(reply.get("id"), 0, reply)
        self.assertError(reply, "bad_frame", "deeply nested header")
        self.assertEqual(body, b"")
        self.assertTrue(c.closed_by_peer(5), "the server closes after a framing error")
        self.assertTrue(self.server.running(), self.server.log_text())
        self.assertServerServes(self.server)
        self.assertRoot([])

    def test_hello_with_body_is_refused_and_closed(self):
        c = self.raw_client(self.server.port)
        c.send_frame({"op": "hello", "id": 1, "version": 1, "client": "t"}, b"abcd")
        reply, _ = c.recv_frame()
        self.assertEqual(reply.get("id"), 1, reply)
        self.assertError(reply, "bad_request", "hello with a body")
        self.assertTrue(c.closed_by_peer(5), "no session after a hello with a body")
        self.assertServerServes(self.server)

    def test_bye_with_body_is_refused_and_session_goes_on(self):
        c = self.raw_client(self.server.port)
        c.hello()
        reply, _ = c.request("bye", body=b"abcd")
        self.assertError(reply, "bad_request", "bye with a body")
        self.assertSessionGoesOn(c, "bye with a body")

    def test_list_stat_get_with_body_are_refused(self):
        c = self.raw_client(self.server.port)
        c.hello()
        png = make_png_bytes(8, 8, seed=31)
        self.assertEqual(c.put_inline("there.png", png).get("status"), "ok")
        for op, fields in (("list", {}), ("stat", {"name": "there.png"}),
                           ("get", {"name": "there.png"})):
            with self.subTest(op=op):
                reply, body = c.request(op, body=b"wxyz", **fields)
                self.assertError(reply, "bad_request", "%s with a body" % op)
                self.assertEqual(body, b"")
                self.assertSessionGoesOn(c, "%s with a body" % op)
        self.assertRoot(["there.png"])
        self.assertEqual(read_bytes(self.root_path("there.png")), png)

    def test_huge_unknown_op(self):
        c = self.raw_client(self.server.port)
        c.hello()
        op = "o" * 65000
        reply, _ = c.request(op)
        self.assertError(reply, "unknown_op", "65000-byte op")
        self.assertLess(len(reply["message"].encode("utf-8")), 200, reply["message"][:300])
        self.assertSessionGoesOn(c, "65000-byte op")
        self.assertTrue(self.server.running())


class HostileInputTableTest(IntegrationTest):
    """Every malformed input in one table (CASES). Several cases also have their own test
    above with closer checks (bad_frame's id 0, with and without hello first); the rows
    "unknown op", "second hello" and "data frame alone" are those cases' only test."""

    def setUp(self):
        super().setUp()
        self.server = self.start_server("--header-timeout", "2", "--idle-timeout", "5")

    def read_reply_or_close(self, c):
        """The next frame's header, or None if the server closed without one."""
        try:
            return c.recv_frame()[0]
        except ConnectionClosed:
            return None

    def test_table(self):
        for what, hello_first, data, code, then in CASES:
            with self.subTest(what=what):
                c = RawClient(self.server.port, timeout=10)
                try:
                    if hello_first:
                        c.hello()
                    try:
                        c.send_raw(data)
                    except OSError:
                        pass  # the server may close while a large case is still being sent
                    if then == "hangup":
                        c.abort() if "body" in what else c.close()
                    else:
                        reply = self.read_reply_or_close(c)
                        self.assertIsNotNone(reply, "closed without the %s reply" % code)
                        self.assertEqual((reply.get("status"), reply.get("code")), ("error", code), reply)
                        self.assertIsInstance(reply.get("message"), str)
                        if then == "close":
                            self.assertTrue(c.closed_by_peer(8), "the server closes")
                        else:
                            self.assertSessionGoesOn(c, "session goes on")
                finally:
                    c.close()
                self.assertTrue(self.server.running(), self.server.log_text()[-3000:])
                self.assertServerServes(self.server)
        self.assertRootEventually([])


# ---------------------------------------------------------------------------------------
# a hostile fake server: answers hello properly, then list with whatever the test says


class ListAnswerer(FakeServer):
    def __init__(self, list_header, list_body, lifetime=20.0):
        """list_header: a dict (merged into {"id": N, "status": "ok"}) or raw bytes (then
        sent as the header as is); list_body: bytes."""
        super().__init__(lifetime=lifetime, conn_timeout=5)
        self.list_header = list_header
        self.list_body = list_body
        self.ops = []

    def _send(self, conn, header, body=b""):
        conn.sendall(frame(header, body))

    def serve(self, conn, deadline):
        while not self.stopping(deadline):
            try:
                prefix = recv_exact(conn, 12)
            except ConnectionError:
                return
            header_len, body_len = struct.unpack(">IQ", prefix)
            header = json.loads(recv_exact(conn, header_len).decode())
            if body_len:
                recv_exact(conn, body_len)
            op, rid = header.get("op"), header.get("id")
            self.ops.append(op)
            if op == "hello":
                conn.sendall(self.hello_reply(rid))
            elif op == "list":
                if isinstance(self.list_header, bytes):
                    self._send(conn, self.list_header.replace(b"@ID@", str(rid).encode()),
                               self.list_body)
                else:
                    h = {"id": rid, "status": "ok"}
                    h.update(self.list_header)
                    self._send(conn, h, self.list_body)
            elif op == "bye":
                self._send(conn, {"id": rid, "status": "ok"})
                return
            else:
                self._send(conn, {"id": rid, "status": "error", "code": "unknown_op",
                                  "message": "fake server"})


class HostileServerTest(IntegrationTest):
    def fake(self, list_header, list_body):
        srv = ListAnswerer(list_header, list_body).start()
        self.on_cleanup(srv.stop)
        return srv

    def test_non_boolean_truncated_does_not_crash(self):
        body = json.dumps([{"name": "a.png", "size": 1, "mtime": 0}]).encode()
        srv = self.fake({"count": 1, "truncated": "yes"}, body)
        res = self.imgsh(srv.addr, "ls", timeout=15)
        self.assertGreaterEqual(res.returncode, 0, "imgsh died of a signal\n" + res.describe())
        # a non-boolean 'truncated' is not true: the listing itself is fine
        self.assertOk(res, op="list")
        self.assertEqual(res.other_lines, ["a.png"], res.describe())
        self.assertIn("list", srv.ops, srv.errors)

    def test_deeply_nested_list_body_is_bad_frame(self):
        depth = 10000
        srv = self.fake({"count": 1, "truncated": False}, b"[" * depth + b"]" * depth)
        res = self.imgsh(srv.addr, "ls", timeout=15)
        self.assertGreaterEqual(res.returncode, 0, "imgsh died of a signal\n" + res.describe())
        self.assertFail(res, "bad_frame", op="list", status=1)
        self.assertEqual(len(res.reports), 1, res.describe())

    def test_deeply_nested_reply_header_is_bad_frame(self):
        depth = 30000
        header = (b'{"id":@ID@,"status":"ok","count":0,"truncated":false,"x":'
                  + b"[" * depth + b"]" * depth + b"}")
        srv = self.fake(header, b"[]")
        res = self.imgsh(srv.addr, "ls", timeout=15)
        self.assertGreaterEqual(res.returncode, 0, "imgsh died of a signal\n" + res.describe())
        self.assertFail(res, "bad_frame", op="list", status=1)
        self.assertEqual(len(res.reports), 1, res.describe())


if __name__ == "__main__":
    unittest.main()
