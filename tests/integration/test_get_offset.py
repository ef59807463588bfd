"""A get with an `offset` (the server's half of resuming a download, PROTOCOL.md section 3):
the body is the file's bytes from the offset on, the reply's size and xxh3 the whole file's;
an offset past the end is bad_request and the session goes on."""

import socket

from checks import IntegrationTest
from images import make_png
from wire import xxh3_hex


class GetOffsetTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()
        path = make_png(self.root_path("big.png"), 700, 700, seed=77, level=0)  # ~1.5 MB: sent by sendfile
        with open(path, "rb") as f:
            self.data = f.read()

    def test_the_body_starts_at_the_offset_and_the_checksum_is_the_whole_files(self):
        c = self.raw_client(self.server.port)
        c.hello()
        for offset in (1, 12345, len(self.data) - 1, len(self.data)):
            with self.subTest(offset=offset):
                reply, body = c.request("get", name="big.png", offset=offset)
                self.assertEqual(reply.get("status"), "ok", reply)
                self.assertEqual(reply.get("offset"), offset)
                self.assertEqual(reply.get("size"), len(self.data))
                self.assertEqual(reply.get("xxh3"), xxh3_hex(self.data))
                self.assertEqual(body, self.data[offset:])
                self.assertEqual(xxh3_hex(self.data[:offset] + body), reply.get("xxh3"))
        reply, body = c.request("get", name="big.png")
        self.assertNotIn("offset", reply)
        self.assertEqual(body, self.data)

    def test_an_offset_past_the_end_is_bad_request_and_the_session_goes_on(self):
        c = self.raw_client(self.server.port)
        c.hello()
        for offset in (len(self.data) + 1, 2 ** 63):
            with self.subTest(offset=offset):
                reply, body = c.request("get", name="big.png", offset=offset)
                self.assertError(reply, "bad_request")
                self.assertIn("past the end", reply.get("message"))
                self.assertEqual(body, b"")
        reply, _ = c.request("get", name="big.png", offset=-1)
        self.assertError(reply, "bad_request")
        self.assertSessionGoesOn(c)
        self.assertRoot(["big.png"])
