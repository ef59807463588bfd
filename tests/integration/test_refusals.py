"""Every refusal, by its exact code, leaving nothing behind.

Two ends are checked separately: imgsh refuses locally before anything is sent (its
report line carries the code), and the server refuses what a raw protocol client sends
straight to it (the reply frame carries the code). After each refusal the root holds
exactly what it held before (no hidden temporaries), the local directory too, and the
server still serves.
"""

import json
import os
import re
import unittest

from harness import (MIB, IntegrationTest, RawClient, listing, make_jpeg, make_png,
                     make_png_bytes, read_bytes, sha256_file, wait_until, write_bytes)

GIF_BYTES = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00" \
            b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"

LONG_NAME = "a" * 296 + ".png"  # 300 bytes

# (remote name, code): names the name rules refuse (PROTOCOL.md section 5)
HOSTILE_NAMES = [
    ("../x.png", "invalid_name"),
    ("/x.png", "invalid_name"),
    ("a/b.png", "invalid_name"),
    ("a\\b.png", "invalid_name"),
    (".x.png", "invalid_name"),
    ("..png", "invalid_name"),
    (LONG_NAME, "invalid_name"),
    ("../../etc/passwd", "invalid_name"),
    ("x.gif", "unsupported_type"),
    ("x.txt", "unsupported_type"),
    ("png", "unsupported_type"),
    ("x.png.exe", "unsupported_type"),
]

# Only the raw client can send these (a shell line cannot carry NUL or newlines).
RAW_ONLY_NAMES = [
    ("", "invalid_name"),
    ("a\x00b.png", "invalid_name"),
    ("x.png\x00.txt", "invalid_name"),
    ("a\nb.png", "invalid_name"),
    ("a\rb.png", "invalid_name"),
    ("a\tb.png", "invalid_name"),
    ("a\x1bb.png", "invalid_name"),
    ("a\x7fb.png", "invalid_name"),
    ("a\u0085b.png", "invalid_name"),  # C1 control
]


class ShellRefusalsTest(IntegrationTest):
    """imgsh refuses locally; nothing reaches the root, nothing is left locally."""

    def setUp(self):
        super().setUp()
        self.server = self.start_server()
        self.addr = self.server.addr
        self.good = make_png(self.work_path("good.png"), 16, 16, seed=1)

    REQUEST_LINE = re.compile(r"127\.0\.0\.1:\d+ (?:put|get|stat|data) ")
    SESSION_END = re.compile(r"127\.0\.0\.1:\d+ (?:bye|closed)")

    def refuse(self, code, *command, op=None, file=None, root=(), local_before=None,
               local=True):
        """Runs one imgsh command expecting `fail <code>`. local: imgsh must refuse it
        itself, before sending anything (the server logs no request of that kind)."""
        before = local_before if local_before is not None else listing(self.work)
        log = self.server.log_text()
        requests_before = len(self.REQUEST_LINE.findall(log))
        ends_before = len(self.SESSION_END.findall(log))
        res = self.imgsh(self.addr, *command)
        self.assertFail(res, code, op=op, file=file)
        if local:
            wait_until(lambda: len(self.SESSION_END.findall(self.server.log_text()))
                       > ends_before, 2)
            log = self.server.log_text()
            self.assertEqual(len(self.REQUEST_LINE.findall(log)), requests_before,
                             "imgsh sent a request it should have refused locally\n"
                             + res.describe() + "\nserver log:\n" + log)
        self.assertRoot(list(root), msg="root after refusal\n" + res.describe())
        self.assertEqual(listing(self.work), before, "local directory after refusal\n"
                         + res.describe())
        self.assertServerServes(self.server)
        return res

    def test_wrong_extension(self):
        write_bytes(self.work_path("x.gif"), GIF_BYTES)
        write_bytes(self.work_path("x.txt"), b"just some text\n")
        self.refuse("unsupported_type", "put", "x.gif", op="put", file="x.gif")
        self.refuse("unsupported_type", "put", "x.txt", op="put", file="x.txt")
        # a good image under a bad remote name
        self.refuse("unsupported_type", "put", "good.png", "good.gif", op="put", file="good.gif")

    def test_text_renamed_png(self):
        write_bytes(self.work_path("x.png"), b"this is not a picture\n" * 10)
        self.refuse("not_an_image", "put", "x.png", op="put", file="x.png")

    def test_jpeg_bytes_named_png(self):
        jpg = make_jpeg(self.work_path("real.jpg"), 16, 16, seed=2)
        write_bytes(self.work_path("fake.png"), read_bytes(jpg))
        self.refuse("not_an_image", "put", "fake.png", op="put", file="fake.png")
        # and the other way round, also through a remote name
        write_bytes(self.work_path("fake.jpg"), read_bytes(self.good))
        self.refuse("not_an_image", "put", "fake.jpg", op="put", file="fake.jpg")
        self.refuse("not_an_image", "put", "real.jpg", "renamed.png", op="put", file="renamed.png")

    def test_empty_file(self):
        write_bytes(self.work_path("empty.png"), b"")
        self.refuse("empty_file", "put", "empty.png", op="put", file="empty.png")

    def test_missing_local_file(self):
        self.refuse("not_found", "put", "nothere.png", op="put", file="nothere.png")

    def test_duplicate_put(self):
        res = self.imgsh(self.addr, "put", "good.png")
        self.assertOk(res, op="put", file="good.png")
        stored_sha = sha256_file(self.root_path("good.png"))
        other = make_png(self.work_path("other.png"), 20, 20, seed=3)
        self.refuse("exists", "put", "other.png", "good.png", op="put", file="good.png",
                    root=["good.png"], local=False)
        self.refuse("exists", "put", "good.png", op="put", file="good.png", root=["good.png"],
                    local=False)
        self.assertEqual(sha256_file(self.root_path("good.png")), stored_sha,
                         "the stored file must be unchanged")
        self.assertNotEqual(sha256_file(other), stored_sha)

    def test_duplicate_put_announced(self):
        big = make_png(self.work_path("big.png"), 700, 700, seed=4, level=1)  # ~1.4 MiB
        self.assertGreater(os.path.getsize(big), MIB)
        self.assertOk(self.imgsh(self.addr, "put", "big.png"), op="put")
        sha = sha256_file(self.root_path("big.png"))
        big2 = make_png(self.work_path("big2.png"), 700, 700, seed=5, level=1)
        self.refuse("exists", "put", "big2.png", "big.png", op="put", file="big.png",
                    root=["big.png"], local=False)
        self.assertEqual(sha256_file(self.root_path("big.png")), sha)
        self.assertNotEqual(sha256_file(big2), sha)

    def test_get_missing(self):
        self.refuse("not_found", "get", "missing.png", op="get", file="missing.png",
                    local=False)
        self.refuse("not_found", "get", "missing.jpg", "local.jpg", op="get", file="missing.jpg",
                    local=False)

    def test_get_onto_existing_local_file(self):
        self.assertOk(self.imgsh(self.addr, "put", "good.png", "remote.png"), op="put")
        local = write_bytes(self.work_path("remote.png"), b"precious local data")
        self.refuse("exists", "get", "remote.png", op="get", file="remote.png",
                    root=["remote.png"])
        self.assertEqual(read_bytes(local), b"precious local data", "local file unchanged")
        # explicit local name that exists
        self.refuse("exists", "get", "remote.png", "good.png", op="get", file="remote.png",
                    root=["remote.png"])
        self.assertEqual(sha256_file(self.good), sha256_file(self.root_path("remote.png")))

    def test_hostile_remote_names_on_put(self):
        for name, code in HOSTILE_NAMES:
            with self.subTest(name=name):
                self.refuse(code, "put", "good.png", name, op="put")

    def test_hostile_remote_names_on_get(self):
        for name, code in HOSTILE_NAMES:
            with self.subTest(name=name):
                self.refuse(code, "get", name, "local-copy.png", op="get")
                self.assertFalse(os.path.exists(self.work_path("local-copy.png")))

    def test_hostile_names_on_stat(self):
        for name, code in HOSTILE_NAMES[:4]:
            with self.subTest(name=name):
                self.refuse(code, "stat", name, op="stat")

    def test_local_name_not_utf8(self):
        bad = os.fsdecode(b"bad\xff.png")  # a Linux file name that is not UTF-8
        write_bytes(self.work_path(bad), read_bytes(self.good))
        self.refuse("invalid_name", "put", bad, op="put")

    def test_local_names_that_are_hostile_remote_names(self):
        # put LOCAL without REMOTE: the remote name is the local file's base name.
        write_bytes(self.work_path(".hidden.png"), read_bytes(self.good))
        self.refuse("invalid_name", "put", ".hidden.png", op="put")
        long_local = self.work_path(LONG_NAME[:250] + ".png")  # 254 bytes: allowed locally
        write_bytes(long_local, read_bytes(self.good))
        res = self.imgsh(self.addr, "put", os.path.basename(long_local))
        self.assertOk(res, op="put")
        self.assertRoot([os.path.basename(long_local)])


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

    def assertError(self, reply, code, what=""):
        self.assertEqual(reply.get("status"), "error", "%s: %r" % (what, reply))
        self.assertEqual(reply.get("code"), code, "%s: %r" % (what, reply))
        self.assertIsInstance(reply.get("message"), str, "%s: %r" % (what, reply))

    def assertSessionGoesOn(self, c):
        reply, body = c.request("list")
        self.assertEqual(reply.get("status"), "ok", reply)
        json.loads(body.decode("utf-8"))

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

    def test_unknown_op_and_second_hello(self):
        c = self.client()
        self.assertError(c.request("delete", name="x.png")[0], "unknown_op")
        self.assertSessionGoesOn(c)
        self.assertError(c.request("hello", version=1, client="again")[0], "bad_request")
        self.assertSessionGoesOn(c)

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

    def test_unexpected_data_frame(self):
        c = self.client()
        self.assertError(c.request("data", body=b"12345")[0], "bad_request")
        self.assertServerServes(self.server)
        self.assertRoot([])

    # -- session start and framing ------------------------------------------------------

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

    def test_session_limit_busy(self):
        server = self.start_server("--max-sessions", "2", root=self.mkdir("root-busy"))
        a = self.raw_client(server.port)
        a.hello()
        # The harness's readiness probe holds a slot until the server has seen it
        # close, which a slow (sanitizer) server may not have yet: retry b until then.
        second = []

        def second_session():
            client = RawClient(server.port, timeout=5)
            try:
                client.hello()
            except Exception:
                client.close()
                return False
            self.on_cleanup(client.close)
            second.append(client)
            return True

        self.assertTrue(wait_until(second_session, 10, interval=0.2), "a second session is accepted")
        c = self.raw_client(server.port, timeout=5)
        c.sock.settimeout(3)
        try:
            reply, _ = c.recv_frame()
        except Exception:  # the server may wait for the first request
            c.sock.settimeout(5)
            c.send_frame({"op": "hello", "id": 1, "version": 1, "client": "third"})
            reply, _ = c.recv_frame()
        self.assertError(reply, "busy", "third session over --max-sessions 2")
        self.assertEqual(reply.get("id"), 0, reply)
        self.assertTrue(c.closed_by_peer(5))
        # once a session ends, a new one is accepted
        a.request("bye")
        a.close()

        def serves():
            try:
                with RawClient(server.port, timeout=3) as d:
                    d.hello()
                    return True
            except Exception:
                return False

        self.assertTrue(wait_until(serves, 5, interval=0.2), "a slot frees up after bye")

    def test_bye(self):
        c = self.client()
        reply, _ = c.request("bye")
        self.assertEqual(reply.get("status"), "ok", reply)
        self.assertTrue(c.closed_by_peer(5), "the server closes after bye")


class ServerHygieneTest(IntegrationTest):
    """The server never lists or serves anything but top-level regular image files."""

    def setUp(self):
        super().setUp()
        self.outside = self.mkdir("outside")
        self.secret = make_png(os.path.join(self.outside, "secret.png"), 8, 8, seed=11)
        os.symlink(self.secret, self.root_path("link.png"))
        os.symlink(self.outside, self.root_path("dirlink.png"))
        os.mkdir(self.root_path("sub.png"))
        make_png(self.root_path("sub.png/inner.png"), 8, 8, seed=12)
        write_bytes(self.root_path(".hidden.png"), make_png_bytes(4, 4, seed=13))
        write_bytes(self.root_path("notes.txt"), b"text")
        make_png(self.root_path("real.png"), 8, 8, seed=14)
        self.server = self.start_server()

    def test_list_shows_only_regular_image_files(self):
        c = self.raw_client(self.server.port)
        c.hello()
        reply, body = c.request("list")
        self.assertEqual(reply.get("status"), "ok", reply)
        entries = json.loads(body.decode("utf-8"))
        self.assertEqual([e["name"] for e in entries], ["real.png"], entries)
        self.assertEqual(entries[0]["size"], os.path.getsize(self.root_path("real.png")))
        self.assertEqual(reply.get("count"), 1, reply)
        self.assertIs(reply.get("truncated"), False, reply)

    def test_symlinks_are_not_served(self):
        c = self.raw_client(self.server.port)
        c.hello()
        for name in ("link.png", "dirlink.png", "sub.png"):
            with self.subTest(name=name):
                reply, body = c.request("get", name=name)
                self.assertEqual(reply.get("status"), "error", "%s served: %r" % (name, reply))
                self.assertEqual(body, b"")
                self.assertEqual(c.request("stat", name=name)[0].get("status"), "error")
        self.assertEqual(c.request("get", name=".hidden.png")[0].get("code"), "invalid_name")

    def test_put_over_symlink_refused(self):
        c = self.raw_client(self.server.port)
        c.hello()
        data = make_png_bytes(6, 6, seed=15)
        reply = c.put_inline("link.png", data)
        self.assertEqual(reply.get("status"), "error", "put over a symlink: %r" % reply)
        self.assertEqual(reply.get("code"), "exists", reply)
        self.assertNotEqual(read_bytes(self.secret), data, "the symlink target was written")

    def test_list_prefix_and_limit(self):
        c = self.raw_client(self.server.port)
        c.hello()
        for n in ("cat.png", "car.png", "dog.png"):
            self.assertEqual(c.put_inline(n, make_png_bytes(4, 4, seed=len(n))).get("status"), "ok")
        reply, body = c.request("list", prefix="ca")
        self.assertEqual([e["name"] for e in json.loads(body)], ["car.png", "cat.png"])
        reply, body = c.request("list", limit=2)
        self.assertEqual([e["name"] for e in json.loads(body)], ["car.png", "cat.png"])
        self.assertIs(reply.get("truncated"), True, reply)


if __name__ == "__main__":
    unittest.main()
