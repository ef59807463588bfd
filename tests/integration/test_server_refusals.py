"""The server refuses by its exact code whatever a raw protocol client sends that imgsh
would never send, leaving nothing behind.

- names the name rules refuse (inline and announced puts, get, stat), content that is not
  the image its name says, empty files, missing files, existing names (inline, and an
  announced put refused before its body), sizes above --max-file-size or the free space;
- the put exchange broken: a body_len that is neither 0 nor the size, missing or
  mistyped fields, an announced body that is not an image, data frames of the wrong
  length or id;
- the hello reply names the limits the refusals apply; bye ends the session.

After each refusal the root holds exactly what it held before and the session, or at
least the server, goes on. Malformed frames and session starts: test_hostile_peers.
"""

import unittest

from bad_names import HOSTILE_NAMES, RAW_ONLY_NAMES
from checks import IntegrationTest
from files import read_bytes
from images import make_jpeg, make_png_bytes
from wire import MIB


class ServerRefusalsTest(IntegrationTest):
    """A raw client sends what imgsh would refuse; the server refuses it by code."""

    def setUp(self):
        super().setUp()
        self.server = self.start_server("--max-file-size", str(2 * MIB))
        self.png = make_png_bytes(8, 8, seed=7)

    def client(self):
        c = self.raw_client(self.server.port)
        c.hello()
        return c

    def test_hello_reply(self):
        c = self.raw_client(self.server.port)
        reply = c.hello()
        self.assertEqual(reply.get("id"), 1)
        self.assertEqual(reply.get("version"), 1, reply)
        self.assertIsInstance(reply.get("server"), str, reply)
        limits = reply.get("limits")
        self.assertIsInstance(limits, dict, reply)
        self.assertEqual(limits.get("max_file_size"), 2 * MIB, reply)
        self.assertEqual(limits.get("inline_put_max"), MIB, reply)
        self.assertEqual(limits.get("max_header"), 65536, reply)

    def test_hostile_names(self):
        c = self.client()
        for name, code in HOSTILE_NAMES + RAW_ONLY_NAMES:
            with self.subTest(name=name):
                self.assertError(c.put_inline(name, self.png), code, "put %r" % name)
                self.assertSessionGoesOn(c)
                self.assertError(c.request("get", name=name)[0], code, "get %r" % name)
                self.assertError(c.request("stat", name=name)[0], code, "stat %r" % name)
                self.assertRoot([])
        self.assertServerServes(self.server)

    def test_hostile_names_announced(self):
        c = self.client()
        for name, code in [("../x.png", "invalid_name"), ("a\x00b.png", "invalid_name"),
                           ("x.gif", "unsupported_type")]:
            with self.subTest(name=name):
                reply = c.request("put", body_len=0, name=name, size=1536 * 1024)[0]
                self.assertError(reply, code, "announced put %r" % name)
                self.assertSessionGoesOn(c)
        self.assertRoot([])

    def test_content_checks(self):
        c = self.client()
        jpeg = read_bytes(make_jpeg(self.work_path("j.jpg"), 16, 16, seed=8))
        cases = [("text.png", b"not an image at all\n" * 5, "not_an_image"),
                 ("jpeg-bytes.png", jpeg, "not_an_image"),
                 ("png-bytes.jpg", self.png, "not_an_image"),
                 ("short.png", b"\x89PN", "not_an_image"),
                 ("empty.png", b"", "empty_file")]
        for name, data, code in cases:
            with self.subTest(name=name):
                self.assertError(c.put_inline(name, data), code, "put %s" % name)
                self.assertSessionGoesOn(c)
                self.assertRoot([])
        self.assertServerServes(self.server)

    def test_get_and_stat_missing(self):
        c = self.client()
        self.assertError(c.request("get", name="missing.png")[0], "not_found")
        self.assertError(c.request("stat", name="missing.jpg")[0], "not_found")
        self.assertSessionGoesOn(c)

    def test_duplicate_inline_put(self):
        c = self.client()
        self.assertEqual(c.put_inline("dup.png", self.png).get("status"), "ok")
        other = make_png_bytes(9, 9, seed=9)
        self.assertError(c.put_inline("dup.png", other), "exists")
        self.assertSessionGoesOn(c)
        self.assertRoot(["dup.png"])
        self.assertEqual(read_bytes(self.root_path("dup.png")), self.png)

    def test_announced_put_of_existing_name_refused_before_body(self):
        c = self.client()
        self.assertEqual(c.put_inline("taken.png", self.png).get("status"), "ok")
        # body_len 0: the server must answer before any body byte is sent
        reply = c.request("put", body_len=0, name="taken.png", size=1536 * 1024)[0]
        self.assertError(reply, "exists", "announced put of an existing name")
        self.assertSessionGoesOn(c)
        self.assertRoot(["taken.png"])
        self.assertEqual(read_bytes(self.root_path("taken.png")), self.png)

    def test_announced_put_too_large_refused_before_body(self):
        c = self.client()
        reply = c.request("put", body_len=0, name="huge.png", size=2 * MIB + 1)[0]
        self.assertError(reply, "too_large", "announced put above --max-file-size")
        self.assertSessionGoesOn(c)
        # far beyond any disk: too_large (the configured limit) or no_space, never continue
        reply = c.request("put", body_len=0, name="enormous.png", size=1 << 62)[0]
        self.assertEqual(reply.get("status"), "error", reply)
        self.assertIn(reply.get("code"), ("too_large", "no_space"), reply)
        self.assertSessionGoesOn(c)
        self.assertRoot([])

    def test_announced_put_beyond_free_space(self):
        server = self.start_server(root=self.mkdir("root-nolimit"))
        c = self.raw_client(server.port)
        c.hello()
        reply = c.request("put", body_len=0, name="enormous.png", size=1 << 62)[0]
        self.assertError(reply, "no_space", "announced put larger than the free space")
        self.assertSessionGoesOn(c)
        self.assertRoot([], root=server.root)

    def test_inline_put_too_large(self):
        server = self.start_server("--max-file-size", "1000", root=self.mkdir("root-small"))
        c = self.raw_client(server.port)
        c.hello()
        data = make_png_bytes(40, 40, seed=10)
        self.assertGreater(len(data), 1000)
        self.assertError(c.put_inline("big.png", data), "too_large")
        self.assertSessionGoesOn(c)  # the inline body was discarded, framing kept
        self.assertRoot([], root=server.root)

    def test_put_with_wrong_body_len(self):
        c = self.client()
        reply = c.request("put", body=self.png, name="odd.png", size=len(self.png) + 10)[0]
        self.assertError(reply, "bad_request", "put whose body_len is neither 0 nor size")
        self.assertRoot([])
        self.assertServerServes(self.server)

    def test_put_missing_fields(self):
        c = self.client()
        self.assertError(c.request("put", body=self.png, name="nosize.png")[0], "bad_request")
        self.assertSessionGoesOn(c)
        self.assertError(c.request("get")[0], "bad_request")
        self.assertSessionGoesOn(c)
        self.assertError(c.request("put", body=self.png, name=7, size=len(self.png))[0],
                         "bad_request")
        self.assertSessionGoesOn(c)
        self.assertRoot([])

    def test_announced_body_that_is_not_an_image(self):
        c = self.client()
        size = 1536 * 1024
        reply = c.request("put", body_len=0, name="fake-big.png", size=size)[0]
        self.assertEqual(reply.get("status"), "continue", reply)
        c.send_frame({"op": "data", "id": reply["id"]}, body_len=size)
        c.send_raw(b"this is text, not a PNG signature " * 100)
        reply, _ = c.recv_frame()
        self.assertError(reply, "not_an_image", "announced body with the wrong first bytes")
        c.close()
        self.assertRootEventually([])
        self.assertServerServes(self.server)

    def test_data_frame_with_wrong_body_len(self):
        c = self.client()
        reply = c.request("put", body_len=0, name="short-data.png", size=2000)[0]
        self.assertEqual(reply.get("status"), "continue", reply)
        data = make_png_bytes(12, 12, seed=16)[:1000]
        c.send_frame({"op": "data", "id": reply["id"]}, data)  # body_len 1000 != size 2000
        reply, _ = c.recv_frame()
        self.assertError(reply, "bad_request", "data frame whose body_len is not size")
        self.assertTrue(c.closed_by_peer(5), "server closes after a bad data frame")
        self.assertRootEventually([])
        self.assertServerServes(self.server)

    def test_data_frame_not_following_continue(self):
        c = self.client()
        reply = c.request("put", body_len=0, name="cont.png", size=2000)[0]
        self.assertEqual(reply.get("status"), "continue", reply)
        # a data frame with the wrong id: bad_request and close
        c.send_frame({"op": "data", "id": reply["id"] + 100}, make_png_bytes(20, 20)[:2000].ljust(2000, b"\0"))
        reply, _ = c.recv_frame()
        self.assertError(reply, "bad_request", "data frame with another id")
        self.assertTrue(c.closed_by_peer(5), "server closes after a bad data frame")
        self.assertRootEventually([])
        self.assertServerServes(self.server)

    def test_bye(self):
        c = self.client()
        reply, _ = c.request("bye")
        self.assertEqual(reply.get("status"), "ok", reply)
        self.assertTrue(c.closed_by_peer(5), "the server closes after bye")


if __name__ == "__main__":
    unittest.main()
