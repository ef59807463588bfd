"""Malformed input to a live server, table-driven: every case gets the documented error
code (PROTOCOL.md) or a clean close, never a crash or a hang, and the server then serves
the next client. Cases that tests elsewhere already cover in depth (test_refusals,
test_hardening) appear here once more so the table is the whole list in one place.
"""

import json
import random
import socket
import struct
import unittest

from harness import IntegrationTest, RawClient, ConnectionClosed


def frame(header, body=b"", body_len=None):
    hb = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    return struct.pack(">IQ", len(hb), len(body) if body_len is None else body_len) + hb + body


def prefix(header_len, body_len=0):
    return struct.pack(">IQ", header_len, body_len)


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
    ("unknown op", True, frame({"op": "delete", "id": 2, "name": "a.png"}), "unknown_op", "goes_on"),
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


class HostileInputTest(IntegrationTest):
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
                            reply, body = c.request("list")
                            self.assertEqual(reply.get("status"), "ok", "session goes on: %r" % reply)
                finally:
                    c.close()
                self.assertTrue(self.server.running(), self.server.log_text()[-3000:])
                self.assertServerServes(self.server)
        self.assertRootEventually([])


if __name__ == "__main__":
    unittest.main()
