"""mput -c (issue 14, "Resume", for many uploads): each file too large to travel inline
is put as `put -c` does (announced with `"resume": true` and the whole file's xxh3), one
after the other, so an `mput -c` that is cut (imgsh killed, the connection lost) leaves
the server holding what arrived of the file in flight, and the same `mput -c` run again
sends only what that file is missing, skips the files already stored with the same
content ("already there", as `mput -n`) and sends the others whole. A file changed
locally since the cut has another xxh3: what was kept is not continued. A connection
lost for a moment costs nothing: the retry round continues what the first one left.
Stored files are compared with the local ones by xxhsum (wire.xxh3_hex).
"""

import os
import re
import signal

from checks import IntegrationTest
from files import hidden_entries, listing, read_bytes
from images import make_png
from procs import wait_until
from wire import MIB, xxh3_hex

NAMES = ["a.png", "b.png", "c.png"]
SIZE = 4400000  # every file: another b.png of the same size is other content under the same key
KEPT = re.compile(r"^\.imgsrv-tmp\.[A-Za-z0-9_-]+\.resume-[0-9a-f]{32}$")


class MputResumeTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()
        self.src = self.mkdir("src")
        # ~4.3 MB of incompressible pixels each, padded to SIZE: ~2.7 s each through the relay
        self.data = {}
        for seed, name in enumerate(NAMES):
            path = make_png(os.path.join(self.src, name), 1200, 1200, seed=240 + seed, level=0, pad_to=SIZE)
            self.data[name] = read_bytes(path)

    def put_lines(self):
        return len(re.findall(r" put \S+ (ok|fail)", self.server.log_text()))

    def kill_mid_second_file(self):
        """mput -c of every file through a throttling relay; SIGKILLs imgsh once a.png and
        1 MiB of b.png have passed, cuts the relay, waits for the server to log the cut put."""
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "mput", "-c", *NAMES, cwd=self.src, name="killed")
        going = wait_until(lambda: relay.bytes_c2s > SIZE + MIB or proc.poll() is not None, 30)
        self.assertTrue(going and proc.poll() is None, "the mput did not reach its second file")
        proc.send_signal(signal.SIGKILL)
        finish(10)
        relay.cut_all()  # what the dead imgsh handed its kernel must not drain to the server
        self.assertTrue(wait_until(lambda: " put b.png fail" in self.server.log_text(), 20),
                        "the server did not log the cut put:\n" + self.server.log_text())

    def assertKeptPrefixOfB(self):
        """a.png stored, b.png's first bytes kept (hidden), nothing of c.png; the kept size."""
        self.assertEqual(xxh3_hex(path=self.root_path("a.png")), xxh3_hex(self.data["a.png"]))
        hidden = hidden_entries(self.root)
        self.assertEqual(len(hidden), 1, listing(self.root))
        self.assertRegex(hidden[0], KEPT)
        self.assertEqual(listing(self.root), sorted(["a.png", hidden[0]]))
        kept = read_bytes(self.root_path(hidden[0]))
        self.assertTrue(MIB // 2 < len(kept) < SIZE, len(kept))
        self.assertEqual(kept, self.data["b.png"][:len(kept)], "the kept upload is not b.png's first bytes")
        return len(kept)

    def assertAllStored(self):
        self.assertEqual(listing(self.root), NAMES, "a kept upload was left, or a name is missing")
        for name in NAMES:
            self.assertEqual(xxh3_hex(path=self.root_path(name)), xxh3_hex(self.data[name]), name)  # xxhsum -H2
        res = self.imgsh(self.server.addr, "ls")
        self.assertOk(res, op="list")
        self.assertEqual(res.stdout.split(), NAMES)

    def mput_c(self, *args, reports=len(NAMES) + 1):
        res = self.imgsh(self.server.addr, "mput", "-c", *(args or NAMES), cwd=self.src)
        self.assertOk(res, op="put", reports=reports)
        return {r.file: r.message for r in res.reports if r.file}

    def test_imgsh_killed_mid_mput_c_then_mput_c_resumes_the_cut_file(self):
        self.kill_mid_second_file()
        kept = self.assertKeptPrefixOfB()
        by_file = self.mput_c()
        self.assertIn("already there (same content)", by_file["a.png"])
        self.assertIn("resumed at ", by_file["b.png"])
        self.assertIn("%d bytes kept by the server, %d sent" % (kept, SIZE - kept), by_file["b.png"])
        self.assertIn("nothing kept to resume, all sent", by_file["c.png"])
        self.assertAllStored()
        # only b.png's rest travelled
        self.assertIn("put b.png ok stored %d bytes, %d received, resumed at offset %d" % (SIZE, SIZE - kept, kept),
                      self.server.log_text())

    def test_a_connection_lost_for_a_moment_is_retried_from_what_the_server_kept(self):
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "mput", "-c", *NAMES, cwd=self.src, name="cut")
        going = wait_until(lambda: relay.bytes_c2s > SIZE + MIB or proc.poll() is not None, 30)
        self.assertTrue(going and proc.poll() is None, "the mput did not reach its second file")
        relay.cut_all()  # the relay still accepts: the retry round reconnects through it
        res = finish(60)
        self.assertOk(res, op="put", reports=len(NAMES) + 1)
        b = [r for r in res.reports if r.file == "b.png"][0]
        m = re.search(r"\((\d+) bytes kept by the server", b.message)
        self.assertTrue(m and int(m.group(1)) > 0, b.message)
        self.assertIn("resumed at offset %s" % m.group(1), self.server.log_text())
        self.assertAllStored()

    def test_a_re_run_after_everything_is_stored_sends_nothing(self):
        self.mput_c()
        self.assertAllStored()
        puts = self.put_lines()
        by_file = self.mput_c()
        for name in NAMES:
            self.assertIn("already there (same content)", by_file[name])
        self.assertEqual(self.put_lines(), puts, "a put was sent again:\n" + self.server.log_text())
        # put -c of a glob is mput -c
        by_file = self.imgsh(self.server.addr, "put", "-c", "*.png", cwd=self.src)
        self.assertOk(by_file, op="put", reports=len(NAMES) + 1)
        self.assertEqual(self.put_lines(), puts)
        self.assertAllStored()

    def test_a_small_file_goes_inline_and_a_large_one_resumable_in_one_mput_c(self):
        small = make_png(os.path.join(self.src, "small.png"), 16, 16, seed=260)
        by_file = self.mput_c("a.png", "small.png", reports=3)
        self.assertIn("nothing kept to resume, all sent", by_file["a.png"])
        self.assertEqual(by_file["small.png"], "stored %d bytes" % os.path.getsize(small))
        log = self.server.log_text()
        self.assertIn("put a.png ok stored %d bytes, %d received, resumed at offset 0" % (SIZE, SIZE), log)
        self.assertRegex(log, r"put small\.png ok stored \d+ bytes bytes=")  # inline: no resume
        self.assertEqual(listing(self.root), ["a.png", "small.png"])
        self.assertEqual(xxh3_hex(path=self.root_path("small.png")), xxh3_hex(path=small))

    def test_a_file_changed_since_the_cut_is_sent_whole(self):
        self.kill_mid_second_file()
        self.assertKeptPrefixOfB()
        old_kept = hidden_entries(self.root)
        path = make_png(os.path.join(self.src, "b.png.new"), 1200, 1200, seed=250, level=0, pad_to=SIZE)
        os.replace(path, os.path.join(self.src, "b.png"))
        self.data["b.png"] = read_bytes(os.path.join(self.src, "b.png"))
        by_file = self.mput_c()
        self.assertIn("already there (same content)", by_file["a.png"])
        self.assertIn("nothing kept to resume, all sent", by_file["b.png"])
        self.assertIn("put b.png ok stored %d bytes, %d received, resumed at offset 0" % (SIZE, SIZE),
                      self.server.log_text())
        # the upload kept for the old content is left alone (it expires), never listed
        self.assertEqual(hidden_entries(self.root), old_kept)
        self.assertEqual(sorted(set(listing(self.root)) - set(old_kept)), NAMES)
        for name in NAMES:
            self.assertEqual(xxh3_hex(path=self.root_path(name)), xxh3_hex(self.data[name]), name)
        res = self.imgsh(self.server.addr, "ls")
        self.assertEqual(res.stdout.split(), NAMES)

    def test_usage_errors(self):
        usage = "usage: mput [-nc] PATTERN..."
        # a one-shot command: exit 2, as every usage error of the command line
        res = self.imgsh(self.server.addr, "mput", "-c", cwd=self.src)
        self.assertExit(res, 2)
        self.assertIn("imgsh: " + usage + "\n", res.stderr, res.describe())
        self.assertNotIn("unknown option", res.stderr, res.describe())
        self.assertEqual(res.reports, [], res.describe())
        plain = self.imgsh(self.server.addr, "mput", cwd=self.src)
        self.assertExit(plain, 2)
        self.assertEqual(plain.stderr, res.stderr)
        # in a script: exit 1, the line named, as a script's other usage errors
        res = self.imgsh(self.server.addr, input="mput -c\n", cwd=self.src)
        self.assertExit(res, 1)
        self.assertIn("imgsh: " + usage + "\n", res.stderr, res.describe())
        self.assertIn("script stopped at line 1: mput -c", res.stderr, res.describe())
        # a pattern that matches nothing fails naming it, as mput's
        res = self.imgsh(self.server.addr, "mput", "-c", "nosuch*.png", cwd=self.src)
        self.assertFail(res, "some_failed", op="put")
        self.assertEqual(res.reports[0].code, "not_found")
        self.assertIn("no local file matches nosuch*.png", res.reports[0].message)
        self.assertEqual(listing(self.root), [])


if __name__ == "__main__":
    import unittest
    unittest.main()
