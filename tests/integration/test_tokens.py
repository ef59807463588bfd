"""Tokens: `imgsrv --tokens FILE`, `imgsrv token add`, and what each kind of token may do.

Missing and wrong tokens are refused with `unauthorized` (the connection closes, the log
names the client address); a read-only token may list, stat and get, and put answers
`forbidden`; nothing is ever written to the root by a refused client. Repeated failures
from one address are answered ever more slowly.
"""

import hashlib
import os
import re
import stat
import subprocess
import time
import unittest

from checks import IntegrationTest
from files import sha256_file
from images import make_png, make_png_bytes
from procs import IMGSRV
from wire import HOST, MIB, RawClient


class TokenBase(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.tokens = os.path.join(self.tmp, "tokens")
        self.rw = self.token_add()
        self.ro = self.token_add("--ro")
        self.server = self.start_server("--tokens", self.tokens)

    def token_add(self, *flags):
        res = subprocess.run([IMGSRV, "token", "add", *flags, "--tokens", self.tokens],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(res.returncode, 0, res.stderr)
        lines = res.stdout.decode().splitlines()
        self.assertEqual(len(lines), 1, "token add prints exactly one token: %r" % lines)
        self.assertRegex(lines[0], r"^[0-9a-f]{64}$")
        return lines[0]

    _token = None  # what IMGSH_TOKEN holds for the next imgsh (None: unset)

    def shell_env(self):
        env = super().shell_env()
        env.pop("IMGSH_TOKEN", None)
        if self._token is not None:
            env["IMGSH_TOKEN"] = self._token
        return env

    def imgsh_token(self, token, *args, **kw):
        self._token = token
        try:
            return self.imgsh(*args, **kw)
        finally:
            self._token = None

    def hello(self, client, token=None):
        fields = {"version": 1, "client": "imgsh-tests/1.0"}
        if token is not None:
            fields["token"] = token
        reply, _ = client.request("hello", **fields)
        return reply


class TokenFileTest(TokenBase):
    def test_file_holds_hashes_never_tokens(self):
        with open(self.tokens) as f:
            text = f.read()
        for token in (self.rw, self.ro):
            self.assertNotIn(token, text, "a token is stored in the clear")
            self.assertIn(hashlib.sha256(token.encode()).hexdigest(), text)
        self.assertRegex(text, r"(?m)^[0-9a-f]{64} rw\b")
        self.assertRegex(text, r"(?m)^[0-9a-f]{64} ro\b")
        self.assertEqual(stat.S_IMODE(os.stat(self.tokens).st_mode), 0o600)

    def test_each_token_add_makes_a_new_token(self):
        self.assertNotEqual(self.rw, self.ro)

    def test_bad_token_file_is_refused_at_startup(self):
        bad = os.path.join(self.tmp, "bad-tokens")
        with open(bad, "w") as f:
            f.write("s3cret rw\n")
        res = subprocess.run([IMGSRV, "--bind", HOST, "--root", self.mkdir("r2"), "--tokens", bad, "1"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        self.assertEqual(res.returncode, 2)
        self.assertIn("line 1", res.stdout.decode())


class TokenAccessTest(TokenBase):
    def test_token_from_add_works_for_put_and_get(self):
        src = make_png(self.work_path("rw.png"), 16, 16, seed=71)
        res = self.imgsh_token(self.rw, self.server.addr, "put", src)
        self.assertOk(res, op="put", file="rw.png")
        self.assertEqual(sha256_file(self.root_path("rw.png")), sha256_file(src))
        token_file = os.path.join(self.tmp, "my-token")
        with open(token_file, "w") as f:
            f.write(self.rw + "\n")
        dl = self.mkdir("dl")
        res = self.imgsh_token(None, "--token-file", token_file, self.server.addr, "get", "rw.png", cwd=dl)
        self.assertOk(res, op="get", file="rw.png")

    def test_missing_token(self):
        src = make_png(self.work_path("x.png"), 8, 8, seed=72)
        res = self.imgsh_token(None, self.server.addr, "put", src)
        self.assertExit(res, 2)
        self.assertIn("unauthorized", res.stderr, res.describe())
        self.assertIn("IMGSH_TOKEN", res.stderr, "the message says what to do")
        self.assertRoot([])
        self.assertTrue(self.server.wait_log(r"127\.0\.0\.1:\d+ hello fail unauthorized"), self.server.log_text())

    def test_wrong_token(self):
        src = make_png(self.work_path("x.png"), 8, 8, seed=73)
        res = self.imgsh_token("0" * 64, self.server.addr, "put", src)
        self.assertExit(res, 2)
        self.assertIn("unauthorized", res.stderr, res.describe())
        self.assertRoot([])

    def test_raw_wrong_token_closes_before_any_put(self):
        client = self.raw_client(self.server.port)
        data = make_png_bytes(seed=74)
        # hello and an inline put pipelined: the put must never be stored.
        client.send_frame({"op": "hello", "id": 1, "version": 1, "client": "t", "token": self.rw[:-1] + "x"})
        client.send_frame({"op": "put", "id": 2, "name": "sneaky.png", "size": len(data)}, data)
        reply, _ = client.recv_frame()
        self.assertEqual((reply["status"], reply["code"]), ("error", "unauthorized"))
        self.assertTrue(client.closed_by_peer(), "the connection stays open after unauthorized")
        self.assertRoot([])

    def test_read_only_token(self):
        stored = make_png(self.root_path("there.png"), 8, 8, seed=75)
        for args in (["ls"], ["stat", "there.png"]):
            self.assertOk(self.imgsh_token(self.ro, self.server.addr, *args))
        dl = self.mkdir("dl")
        self.assertOk(self.imgsh_token(self.ro, self.server.addr, "get", "there.png", cwd=dl), op="get")
        self.assertEqual(sha256_file(os.path.join(dl, "there.png")), sha256_file(stored))
        small = make_png(self.work_path("small.png"), 8, 8, seed=76)
        big = make_png(self.work_path("big.png"), 800, 600, seed=77, level=0)  # announced put
        self.assertGreater(os.path.getsize(big), MIB)
        for src in (small, big):
            res = self.imgsh_token(self.ro, self.server.addr, "put", src)
            self.assertFail(res, "forbidden", op="put", file=os.path.basename(src))
        self.assertRoot(["there.png"])

    def test_read_only_inline_put_keeps_the_session(self):
        client = self.raw_client(self.server.port)
        self.assertEqual(self.hello(client, self.ro)["status"], "ok")
        data = make_png_bytes(seed=78)
        reply = client.put_inline("ro.png", data)
        self.assertEqual((reply["status"], reply["code"]), ("error", "forbidden"))
        reply, _ = client.request("stat", name="ro.png")
        self.assertEqual(reply["code"], "not_found", "the session goes on after forbidden")
        self.assertRoot([])


class ThrottleTest(TokenBase):
    def timed_refusal(self, token):
        client = RawClient(self.server.port, timeout=30)
        try:
            start = time.monotonic()
            reply = self.hello(client, token)
            took = time.monotonic() - start
        finally:
            client.close()
        self.assertEqual(reply.get("code"), "unauthorized")
        return took

    def test_repeated_failures_get_slower_and_a_good_token_still_works(self):
        times = [self.timed_refusal("wrong-%d" % i) for i in range(5)]
        # 0.1, 0.2, 0.4, 0.8, 1.6 s by design; only ordering and minimums are asserted.
        self.assertGreater(times[4], times[0], times)
        self.assertGreaterEqual(times[3], 0.6, times)
        self.assertGreaterEqual(times[4], 1.2, times)
        client = self.raw_client(self.server.port)
        start = time.monotonic()
        self.assertEqual(self.hello(client, self.rw)["status"], "ok")
        self.assertLess(time.monotonic() - start, 1.0, "a right token is not delayed")


class OpenServerTest(IntegrationTest):
    def test_no_tokens_is_open_and_warns_only_beyond_loopback(self):
        loopback = self.start_server()
        self.assertTrue(loopback.wait_log(r"no tokens: every client may read and write"))
        self.assertNotIn("beyond loopback", loopback.log_text())
        client = self.raw_client(loopback.port)
        client.hello()
        everywhere = self.start_server(root=self.mkdir("root2"), bind=False)
        self.assertTrue(everywhere.wait_log(r"warning listening beyond loopback without TLS and tokens"),
                        everywhere.log_text())


if __name__ == "__main__":
    unittest.main()
