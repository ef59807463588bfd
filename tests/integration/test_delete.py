"""Delete and rename: the `delete` and `rename` ops, imgsh's `rm` and `rename`, and the rwd right.

ro < rw < rwd: only an rwd token may delete or rename (`forbidden` for ro and rw); a server
without tokens refuses both (`forbidden`, naming --allow-delete) unless started with
--allow-delete. A rename never replaces a stored file (`exists`; of racing renames to one
name exactly one wins). Hidden names (temporaries, lock files) can never be named. A get
already streaming a file that is deleted completes with the old content. Every delete and
rename is logged with the client's address and who it was (the token's rights).
"""

import os
import re
import socket
import subprocess
import threading

from checks import IntegrationTest
from files import listing, sha256_file
from images import make_png
from procs import IMGSRV
from wire import RawClient, xxh3_hex


def token_add(path, *flags):
    res = subprocess.run([IMGSRV, "token", "add", *flags, "--tokens", path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if res.returncode != 0:
        raise AssertionError(res.stderr.decode())
    return res.stdout.decode().strip()


class DeleteTest(IntegrationTest):
    def make_images(self, *names):
        for i, name in enumerate(names):
            make_png(self.root_path(name), 16, 16, seed=100 + i)
        return {name: sha256_file(self.root_path(name)) for name in names}

    def session(self, server, token=None):
        c = self.raw_client(server.port)
        fields = {"version": 1, "client": "imgsh-tests/1.0"}
        if token is not None:
            fields["token"] = token
        reply, _ = c.request("hello", **fields)
        self.assertEqual(reply.get("status"), "ok", reply)
        return c


class WithTokens(DeleteTest):
    def setUp(self):
        super().setUp()
        self.tokens = os.path.join(self.tmp, "tokens")
        self.ro = token_add(self.tokens, "--ro")
        self.rw = token_add(self.tokens)
        self.rwd = token_add(self.tokens, "--rwd")
        self.server = self.start_server("--tokens", self.tokens)
        self.before = self.make_images("a.png", "b.png")

    _token = None

    def shell_env(self):
        env = super().shell_env()
        env.pop("IMGSH_TOKEN", None)
        if self._token is not None:
            env["IMGSH_TOKEN"] = self._token
        return env

    def imgsh_as(self, token, *args):
        self._token = token
        try:
            return self.imgsh(self.server.addr, *args)
        finally:
            self._token = None

    def test_token_file_says_rwd(self):
        with open(self.tokens) as f:
            self.assertEqual(len(re.findall(r"(?m)^[0-9a-f]{64} rwd\b", f.read())), 1)

    def test_ro_and_rw_tokens_may_neither_delete_nor_rename(self):
        for token, rights in ((self.ro, "ro"), (self.rw, "rw")):
            with self.subTest(rights=rights):
                res = self.imgsh_as(token, "rm", "a.png")
                r = self.assertFail(res, "forbidden", op="rm", file="a.png")
                self.assertIn("rwd", r.message)
                res = self.imgsh_as(token, "rename", "a.png", "c.png")
                self.assertFail(res, "forbidden", op="rename", file="a.png")
                c = self.session(self.server, token)
                reply, _ = c.request("delete", name="a.png")
                self.assertError(reply, "forbidden")
                reply, _ = c.request("rename", name="a.png", new_name="c.png")
                self.assertError(reply, "forbidden")
                self.assertSessionGoesOn(c)
        self.assertRoot(["a.png", "b.png"])
        self.assertEqual(sha256_file(self.root_path("a.png")), self.before["a.png"])

    def test_rwd_token_deletes_and_renames_and_the_log_says_who(self):
        res = self.imgsh_as(self.rwd, "rm", "a.png")
        self.assertOk(res, op="rm", file="a.png")
        res = self.imgsh_as(self.rwd, "rename", "b.png", "c.png")
        self.assertOk(res, op="rename", file="b.png")
        self.assertRoot(["c.png"])
        self.assertEqual(sha256_file(self.root_path("c.png")), self.before["b.png"])
        self.assertTrue(self.server.wait_log(r"127\.0\.0\.1:\d+ delete a\.png ok deleted, by an rwd token"),
                        self.server.log_text())
        self.assertTrue(self.server.wait_log(r"127\.0\.0\.1:\d+ rename b\.png ok renamed to c\.png, by an rwd token"),
                        self.server.log_text())
        # The renamed file is served under its new name, its checksum still right.
        c = self.session(self.server, self.rwd)
        reply, body = c.request("get", name="c.png")
        self.assertEqual(reply.get("status"), "ok", reply)
        self.assertEqual(reply.get("xxh3"), xxh3_hex(body))
        reply, _ = c.request("stat", name="b.png")
        self.assertError(reply, "not_found")


class WithoutTokens(DeleteTest):
    def test_refused_without_allow_delete(self):
        server = self.start_server()
        self.make_images("a.png")
        res = self.imgsh(server.addr, "rm", "a.png")
        r = self.assertFail(res, "forbidden", op="rm", file="a.png")
        self.assertIn("--allow-delete", r.message)
        res = self.imgsh(server.addr, "rename", "a.png", "b.png")
        r = self.assertFail(res, "forbidden", op="rename", file="a.png")
        self.assertIn("--allow-delete", r.message)
        self.assertRoot(["a.png"])

    def test_allowed_with_allow_delete(self):
        server = self.start_server("--allow-delete")
        self.make_images("a.png", "b.png")
        self.assertOk(self.imgsh(server.addr, "rm", "a.png"), op="rm", file="a.png")
        self.assertOk(self.imgsh(server.addr, "rename", "b.png", "c.png"), op="rename", file="b.png")
        self.assertRoot(["c.png"])
        self.assertTrue(server.wait_log(r"delete a\.png ok deleted, by no token \(--allow-delete\)"),
                        server.log_text())


class Rules(DeleteTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server("--allow-delete")

    def test_rename_onto_a_stored_name_is_exists_and_both_stay(self):
        before = self.make_images("a.png", "b.png")
        res = self.imgsh(self.server.addr, "rename", "a.png", "b.png")
        self.assertFail(res, "exists", op="rename", file="a.png")
        self.assertRoot(["a.png", "b.png"])
        for name, digest in before.items():
            self.assertEqual(sha256_file(self.root_path(name)), digest, name)

    def test_racing_renames_to_one_name_have_exactly_one_winner(self):
        sources = ["s%d.png" % i for i in range(8)]
        before = self.make_images(*sources)
        clients = [self.session(self.server) for _ in sources]
        replies = [None] * len(sources)
        start = threading.Barrier(len(sources))

        def rename(i):
            start.wait()
            replies[i], _ = clients[i].request("rename", name=sources[i], new_name="t.png")

        threads = [threading.Thread(target=rename, args=(i,)) for i in range(len(sources))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        winners = [i for i, r in enumerate(replies) if r and r.get("status") == "ok"]
        self.assertEqual(len(winners), 1, replies)
        for i, r in enumerate(replies):
            if i not in winners:
                self.assertError(r, "exists", sources[i])
        won = sources[winners[0]]
        self.assertRoot(["t.png"] + [s for s in sources if s != won])
        self.assertEqual(sha256_file(self.root_path("t.png")), before[won])

    def test_names_that_are_not_stored_images_cannot_be_deleted_or_renamed(self):
        self.make_images("a.png")
        os.mkdir(self.root_path("dir.png"))
        os.symlink("a.png", self.root_path("link.png"))
        with open(self.root_path(".imgsrv-tmp.hand.0"), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n")
        hidden_before = sorted(os.listdir(self.root))
        self.assertIn(".imgsrv-root.lock", hidden_before)
        c = self.session(self.server)
        cases = [
            ("delete", {"name": ".imgsrv-root.lock"}, "invalid_name"),
            ("delete", {"name": ".imgsrv-tmp.hand.0"}, "invalid_name"),
            ("delete", {"name": ".a.png"}, "invalid_name"),
            ("delete", {"name": "../a.png"}, "invalid_name"),
            ("delete", {"name": "dir.png"}, "not_found"),
            ("delete", {"name": "link.png"}, "not_found"),
            ("delete", {"name": "nosuch.png"}, "not_found"),
            ("delete", {"name": "notes.txt"}, "unsupported_type"),
            ("delete", {}, "bad_request"),
            ("rename", {"name": ".imgsrv-root.lock", "new_name": "lock.png"}, "invalid_name"),
            ("rename", {"name": ".imgsrv-tmp.hand.0", "new_name": "t.png"}, "invalid_name"),
            ("rename", {"name": "a.png", "new_name": ".a.png"}, "invalid_name"),
            ("rename", {"name": "a.png", "new_name": "sub/a.png"}, "invalid_name"),
            ("rename", {"name": "a.png", "new_name": "a.txt"}, "unsupported_type"),
            ("rename", {"name": "a.png", "new_name": "a.jpg"}, "not_an_image"),
            ("rename", {"name": "dir.png", "new_name": "d2.png"}, "not_found"),
            ("rename", {"name": "link.png", "new_name": "l2.png"}, "not_found"),
            ("rename", {"name": "nosuch.png", "new_name": "n2.png"}, "not_found"),
            ("rename", {"name": "a.png", "new_name": "link.png"}, "exists"),
            ("rename", {"name": "a.png"}, "bad_request"),
        ]
        for op, fields, code in cases:
            with self.subTest(op=op, fields=fields):
                reply, _ = c.request(op, **fields)
                self.assertError(reply, code, "%s %r" % (op, fields))
        self.assertSessionGoesOn(c)
        self.assertEqual(sorted(os.listdir(self.root)), hidden_before)
        self.assertTrue(os.path.islink(self.root_path("link.png")))

    def test_rm_takes_globs_and_reports_each_name(self):
        self.make_images("cat1.png", "cat2.png", "dog.png")
        res = self.imgsh(self.server.addr, "rm", "cat*.png")
        self.assertOk(res, op="rm", reports=2)
        self.assertEqual(sorted(r.file for r in res.reports), ["cat1.png", "cat2.png"])
        self.assertRoot(["dog.png"])
        res = self.imgsh(self.server.addr, "rm", "cow*.png")
        self.assertFail(res, "not_found", op="rm")
        res = self.imgsh(self.server.addr, "rm", "gone.png")
        self.assertFail(res, "not_found", op="rm", file="gone.png")
        self.assertRoot(["dog.png"])

    def test_get_streaming_a_deleted_file_completes_with_the_old_content(self):
        big = make_png(self.root_path("big.png"), 2048, 2048, seed=61, level=0)  # ~12 MB
        with open(big, "rb") as f:
            original = f.read()
        reader = self.raw_client(self.server.port)
        # A small window: the server's socket buffer (at most 4 MiB) holds a part of
        # the file, the rest is still to be read from it when the delete comes.
        reader.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        reader.hello()
        reader.send_frame({"op": "get", "id": 7, "name": "big.png"})
        head = reader.recv_frame_header()
        header, body_len = head[0], head[1]
        self.assertEqual(header.get("status"), "ok", header)
        first = reader.recv_exact(64 * 1024)  # the transfer is under way, far from done
        self.assertNotRegex(self.server.log_text(), r"get big\.png ok")
        c = self.session(self.server)
        reply, _ = c.request("delete", name="big.png")
        self.assertEqual(reply.get("status"), "ok", reply)
        self.assertRoot([])
        rest = reader.recv_exact(body_len - len(first))
        self.assertEqual(first + rest, original)
        self.assertEqual(header.get("xxh3"), xxh3_hex(original))
        self.assertSessionGoesOn(reader)
