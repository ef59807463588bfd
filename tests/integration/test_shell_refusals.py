"""imgsh refuses by its exact code, leaving nothing behind, on either side.

What imgsh can judge itself (a name, a type, the content, an empty or missing file, a
local file that exists) it refuses before anything is sent: its report line carries the
code and the server logs no such request. What only the server knows (exists, not_found)
comes back as the server's code. After each refusal the root holds exactly what it held
before (no hidden temporaries), the local directory too, and the server still serves.
One-shot usage errors exit 2 without connecting at all.
"""

import os
import re
import time
import unittest

from bad_names import HOSTILE_NAMES, LONG_NAME
from checks import IntegrationTest
from files import listing, read_bytes, sha256_file, write_bytes
from images import make_jpeg, make_png
from procs import wait_until
from wire import MIB

GIF_BYTES = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00" \
            b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


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


class UsageErrorsDoNotConnectTest(IntegrationTest):
    def test_one_shot_usage_errors_exit_2_without_connecting(self):
        server = self.start_server("--log-level", "debug")  # connections are logged at debug
        time.sleep(0.1)
        connected = lambda: len(re.findall(r" connected$", server.log_text(), re.M))
        before = connected()
        for args in (("get",), ("frobnicate",), ("put",), ("stat", "a.png", "b.png")):
            with self.subTest(args=args):
                res = self.imgsh(server.addr, *args, timeout=10)
                self.assertExit(res, 2)
                self.assertEqual(res.reports, [], res.describe())
                self.assertTrue(res.stderr.strip(), "a usage message\n" + res.describe())
        time.sleep(0.3)
        self.assertEqual(connected(), before,
                         "a usage error connected to the server:\n" + server.log_text())


if __name__ == "__main__":
    unittest.main()
