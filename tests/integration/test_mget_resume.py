"""mget keeping partials (issue 14, "Resume", for many files): an mget stopped mid-file
(the connection lost for good, imgsh killed) keeps the bytes of the file in flight as its
hidden `.NAME.XXH3.imgsh-partial`, as get does; `mget -c PATTERN` continues each kept
partial with a get at an offset, skips the files already here with the same content, and
leaves no partial behind once every file is whole. A connection lost for a moment costs
nothing: the retry round continues the partial the first round kept. Files are compared
with the server's by xxhsum (wire.xxh3_hex).
"""

import os
import re
import signal

from checks import IntegrationTest
from files import listing, read_bytes, write_bytes
from images import make_png
from partials import kept_partials
from procs import wait_until
from wire import MIB, xxh3_hex

NAMES = ["a.png", "b.png", "c.png"]


class MgetResumeTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()
        # ~4.3 MB of incompressible pixels each: ~2.7 s each through the throttling relay
        self.sizes = {}
        self.xxh3 = {}
        for seed, name in enumerate(NAMES):
            path = make_png(self.root_path(name), 1200, 1200, seed=140 + seed, level=0)
            self.sizes[name] = os.path.getsize(path)
            self.xxh3[name] = xxh3_hex(path=path)
        self.dl = self.mkdir("download")

    def stop_mid_second_file(self, relay, proc):
        """Waits until the first file went through the relay and 1 MiB of the second."""
        going = wait_until(lambda: relay.bytes_s2c > self.sizes["a.png"] + MIB or proc.poll() is not None, 30)
        self.assertTrue(going and proc.poll() is None, "the mget did not reach its second file")

    def assertWholeAndOnePartial(self):
        """a.png whole, b.png a true prefix in its partial, c.png nothing; the partial's size."""
        self.assertEqual(xxh3_hex(path=os.path.join(self.dl, "a.png")), self.xxh3["a.png"])
        partials = kept_partials(self.dl, "b.png")
        self.assertEqual(list(partials), [self.xxh3["b.png"]], listing(self.dl))
        self.assertEqual(listing(self.dl), sorted(["a.png", os.path.basename(partials[self.xxh3["b.png"]])]))
        kept = read_bytes(partials[self.xxh3["b.png"]])
        data = read_bytes(self.root_path("b.png"))
        self.assertTrue(0 < len(kept) < len(data), len(kept))
        self.assertEqual(kept, data[:len(kept)], "the partial is not the file's first bytes")
        return len(kept)

    def assertAllWhole(self):
        self.assertEqual(listing(self.dl), NAMES, "a partial was left behind")
        for name in NAMES:
            self.assertEqual(xxh3_hex(path=os.path.join(self.dl, name)), self.xxh3[name], name)  # xxhsum -H2

    def mget_c_completes(self, kept):
        res = self.imgsh(self.server.addr, "mget", "-c", "*.png", cwd=self.dl)
        self.assertOk(res, op="get", reports=4)
        by_file = {r.file: r.message for r in res.reports if r.file}
        self.assertIn("already here", by_file["a.png"])
        self.assertIn("%d of them kept from before" % kept, by_file["b.png"])
        self.assertIn("0 of them kept from before", by_file["c.png"])
        self.assertAllWhole()
        # the server sent only the rest of b.png
        self.assertIn("sent %d bytes from offset %d" % (self.sizes["b.png"] - kept, kept), self.server.log_text())

    def test_an_mget_whose_connection_is_lost_keeps_the_file_in_flight_and_mget_c_completes(self):
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "mget", "*.png", cwd=self.dl, name="lost")
        self.stop_mid_second_file(relay, proc)
        relay.stop()  # gone for good: the retry rounds cannot reconnect
        res = finish(60)
        self.assertFail(res, "some_failed", op="get", status=2)
        by_file = {r.file: r for r in res.reports if r.file}
        self.assertEqual(by_file["a.png"].status, "ok")
        self.assertEqual(by_file["b.png"].code, "connection_lost")
        self.assertRegex(by_file["b.png"].message, r"kept [0-9.]+ (KiB|MiB) in \S+ for reget")
        self.assertEqual(by_file["c.png"].code, "connection_lost")
        kept = self.assertWholeAndOnePartial()
        self.mget_c_completes(kept)

    def test_imgsh_killed_mid_mget_c_keeps_the_file_in_flight_and_mget_c_completes(self):
        # -c writes each file into its named partial from the start: even SIGKILL keeps it.
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "mget", "-c", "*.png", cwd=self.dl, name="killed")
        self.stop_mid_second_file(relay, proc)
        proc.send_signal(signal.SIGKILL)
        finish(10)
        kept = self.assertWholeAndOnePartial()
        self.mget_c_completes(kept)

    def test_a_connection_lost_for_a_moment_is_retried_from_the_kept_partial(self):
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "mget", "*.png", cwd=self.dl, name="cut")
        self.stop_mid_second_file(relay, proc)
        relay.cut_all()  # the relay still accepts: the retry round reconnects through it
        res = finish(60)
        self.assertOk(res, op="get", reports=4)
        b = [r for r in res.reports if r.file == "b.png"][0]
        m = re.search(r"(\d+) of them kept from before", b.message)
        self.assertTrue(m and int(m.group(1)) > 0, b.message)
        self.assertIn("from offset %s" % m.group(1), self.server.log_text())
        self.assertAllWhole()

    def test_mget_c_never_overwrites_a_local_file_of_other_content(self):
        mine = os.path.join(self.dl, "a.png")
        write_bytes(mine, b"mine")
        res = self.imgsh(self.server.addr, "mget", "-c", "*.png", cwd=self.dl)
        self.assertFail(res, "some_failed", op="get")
        a = [r for r in res.reports if r.file == "a.png"][0]
        self.assertEqual(a.code, "exists")
        self.assertEqual(read_bytes(mine), b"mine")
        self.assertEqual(listing(self.dl), NAMES, "no partial left for the refused file")
        for name in NAMES[1:]:
            self.assertEqual(xxh3_hex(path=os.path.join(self.dl, name)), self.xxh3[name], name)


if __name__ == "__main__":
    import unittest
    unittest.main()
