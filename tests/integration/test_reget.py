"""Resuming a download (issue 14, "Resume"): a get cut mid-body keeps what arrived in a
hidden partial `.NAME.XXH3.imgsh-partial` and says so; `reget NAME` / `get -c NAME` asks
for the rest (a get with an offset), verifies the whole file's xxh3 over the partial and
the rest, and only then links the final name, never over an existing file. A partial kept
for other remote content is not continued; one whose bytes are wrong fails the checksum
and is removed. Resumed files are compared with the server's by xxhsum (wire.xxh3_hex).
"""

import os
import re
import signal

from checks import IntegrationTest
from files import listing, read_bytes, write_bytes
from images import make_png
from partials import kept_partials, partial_name
from procs import wait_until
from wire import MIB, xxh3_hex


class RegetTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()
        # ~4.3 MB of incompressible pixels: ~2.7 s through the throttling relay
        self.original = make_png(self.root_path("big.png"), 1200, 1200, seed=14, level=0)
        self.data = read_bytes(self.original)
        self.xxh3 = xxh3_hex(path=self.original)
        self.dl = self.mkdir("download")

    def cut_download(self, *command):
        """Runs `command` (a get of big.png) through a throttling relay and cuts the
        network once 1 MiB has passed; returns imgsh's result."""
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, *command, cwd=self.dl, name="cut")
        going = wait_until(lambda: relay.bytes_s2c > MIB or proc.poll() is not None, 20)
        self.assertTrue(going and proc.poll() is None, "download did not get going")
        relay.cut_all()
        return finish(30)

    def assertKeptPrefix(self):
        """Exactly one partial, for big.png's content, holding a true prefix of it; its size."""
        self.assertEqual(listing(self.dl), [partial_name("big.png", self.xxh3)])
        kept = read_bytes(os.path.join(self.dl, partial_name("big.png", self.xxh3)))
        self.assertTrue(0 < len(kept) < len(self.data), len(kept))
        self.assertEqual(kept, self.data[:len(kept)], "the partial is not the file's first bytes")
        return len(kept)

    def assertResumedFrom(self, kept, res):
        self.assertOk(res, op="get", file="big.png")
        self.assertIn("%d of them kept from before" % kept, res.reports[0].message)
        self.assertEqual(listing(self.dl), ["big.png"])
        self.assertEqual(xxh3_hex(path=os.path.join(self.dl, "big.png")), self.xxh3)  # xxhsum -H2
        # the server sent only the rest
        self.assertIn("sent %d bytes from offset %d" % (len(self.data) - kept, kept), self.server.log_text())

    def test_a_cut_download_keeps_its_bytes_and_reget_completes_it(self):
        res = self.cut_download("get", "big.png")
        self.assertFail(res, "connection_lost", op="get", file="big.png", status=res.returncode)
        kept = self.assertKeptPrefix()
        self.assertRegex(res.reports[0].message, r"kept [0-9.]+ (KiB|MiB) in \S+ for reget")
        res = self.imgsh(self.server.addr, "reget", "big.png", cwd=self.dl)
        self.assertResumedFrom(kept, res)

    def test_imgsh_killed_mid_reget_keeps_the_partial_and_get_c_finishes(self):
        # A partial of the first 100000 bytes; the resumed download is SIGKILLed mid-way:
        # its partial is a named file from the start, so what arrived survives.
        write_bytes(os.path.join(self.dl, partial_name("big.png", self.xxh3)), self.data[:100000])
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "reget", "big.png", cwd=self.dl, name="killed")
        going = wait_until(lambda: relay.bytes_s2c > MIB or proc.poll() is not None, 20)
        self.assertTrue(going and proc.poll() is None, "download did not get going")
        proc.send_signal(signal.SIGKILL)
        finish(10)
        kept = self.assertKeptPrefix()
        self.assertGreater(kept, 100000)
        res = self.imgsh(self.server.addr, "get", "-c", "big.png", cwd=self.dl)
        self.assertResumedFrom(kept, res)

    def test_a_partial_for_other_content_is_not_continued(self):
        other = "0123456789abcdef0123456789abcdef"
        write_bytes(os.path.join(self.dl, partial_name("big.png", other)), self.data[:50000][::-1])
        res = self.imgsh(self.server.addr, "get", "-c", "big.png", cwd=self.dl)
        self.assertOk(res, op="get", file="big.png")
        self.assertIn("0 of them kept from before", res.reports[0].message)
        self.assertIn("kept for other content (xxh3 %s), and started over" % other, res.reports[0].message)
        self.assertEqual(listing(self.dl), ["big.png"])
        self.assertEqual(read_bytes(os.path.join(self.dl, "big.png")), self.data)

    def test_a_partial_with_wrong_bytes_fails_the_checksum_and_is_removed(self):
        wrong = bytearray(self.data[:200000])
        wrong[1000] ^= 0xFF
        write_bytes(os.path.join(self.dl, partial_name("big.png", self.xxh3)), bytes(wrong))
        res = self.imgsh(self.server.addr, "reget", "big.png", cwd=self.dl)
        self.assertFail(res, "checksum_mismatch", op="get", file="big.png")
        self.assertEqual(listing(self.dl), [], "nothing kept after a checksum mismatch")

    def test_reget_never_overwrites(self):
        write_bytes(os.path.join(self.dl, "big.png"), b"mine")
        partial = os.path.join(self.dl, partial_name("big.png", self.xxh3))
        write_bytes(partial, self.data[:1000])
        res = self.imgsh(self.server.addr, "reget", "big.png", cwd=self.dl)
        self.assertFail(res, "exists", op="get", file="big.png")
        self.assertEqual(read_bytes(os.path.join(self.dl, "big.png")), b"mine")
        self.assertEqual(read_bytes(partial), self.data[:1000])

    def test_a_whole_partial_needs_no_body(self):
        write_bytes(os.path.join(self.dl, partial_name("big.png", self.xxh3)), self.data)
        res = self.imgsh(self.server.addr, "reget", "big.png", cwd=self.dl)
        self.assertResumedFrom(len(self.data), res)

    def test_a_partial_longer_than_the_file_is_not_continued(self):
        write_bytes(os.path.join(self.dl, partial_name("big.png", self.xxh3)), self.data + b"more")
        res = self.imgsh(self.server.addr, "reget", "big.png", cwd=self.dl)
        self.assertOk(res, op="get", file="big.png")
        self.assertIn("0 of them kept from before", res.reports[0].message)
        self.assertEqual(listing(self.dl), ["big.png"])
        self.assertEqual(read_bytes(os.path.join(self.dl, "big.png")), self.data)

    def test_reget_of_a_missing_name_leaves_nothing(self):
        res = self.imgsh(self.server.addr, "reget", "nosuch.png", cwd=self.dl)
        self.assertFail(res, "not_found", op="get", file="nosuch.png")
        self.assertEqual(listing(self.dl), [])

    def test_resuming_to_standard_output_is_a_usage_error(self):
        for command in ("get -c big.png -\n", "reget big.png -\n"):
            res = self.imgsh(self.server.addr, input=command, cwd=self.dl)
            self.assertExit(res, 1)
            self.assertIn("cannot write to standard output", res.stderr, res.describe())
            self.assertEqual(res.stdout, "", res.describe())
            self.assertEqual(listing(self.dl), [])

