"""`imgsrv check [--root DIR] [--fix]` (issue 13, item 4) on a root seeded with every kind
of bad entry: one line per finding, names escaped, exit 0 only when the store is clean;
read-only without --fix; with --fix a stale checksum cache is refreshed and stray
temporaries are removed only while no live server holds the root."""

import os
import unittest

from checks import IntegrationTest
from files import read_bytes, write_bytes
from images import make_jpeg, make_png_bytes

XATTR = "user.imgsh.xxh3"


class StoreCheckTest(IntegrationTest):

    def seed(self):
        png = make_png_bytes(8, 8, seed=3)
        write_bytes(self.root_path("good.png"), png)
        make_jpeg(self.root_path("good.jpg"), 32, 24, seed=3)
        write_bytes(self.root_path("cut.png"), png[:-12])
        write_bytes(self.root_path("text.png"), b"not a picture\n")
        write_bytes(self.root_path("stale.png"), make_png_bytes(8, 8, seed=4))
        os.setxattr(self.root_path("stale.png"), XATTR, b"0" * 32 + b" 1 1")
        os.mkdir(self.root_path("folder.png"))
        os.mkfifo(self.root_path("fifo.png"))
        os.symlink("good.png", self.root_path("link.png"))
        write_bytes(self.root_path(".imgsrv-tmp.local.0123456789abcdef"), b"partial")
        write_bytes(self.root_path("esc\x1b[31m.png"), b"x")
        write_bytes(self.root_path("notes.txt"), b"hello")
        os.chmod(self.root_path("good.jpg"), 0o644)

    def check(self, *args):
        return self.run_imgsrv("check", "--root", self.root, *args)

    def test_every_kind_of_bad_entry_is_reported_once(self):
        self.seed()
        before = sorted(os.listdir(self.root))
        rc, out, err = self.check()
        self.assertEqual(rc, 1, out + err)
        lines = out.splitlines()
        expected = {
            "invalid cut.png: truncated: no IEND chunk (the last chunk is IDAT)",
            "invalid text.png: content is not a PNG image",
            "stale-cache stale.png: the checksum xattr does not describe the file",
            "odd folder.png: a directory, never served",
            "odd fifo.png: a FIFO, never served",
            "odd link.png: a symbolic link, never served",
            "odd notes.txt: not a stored image name, never served",
            "temporary .imgsrv-tmp.local.0123456789abcdef: stray upload temporary",
        }
        for line in expected:
            self.assertIn(line, lines, out)
        escaped = [l for l in lines if l.startswith("odd esc")]
        self.assertEqual(len(escaped), 1, out)
        self.assertNotIn("\x1b", out)
        self.assertFalse(any("good." in l for l in lines), out)
        self.assertEqual(len(lines), len(expected) + 1, out)
        self.assertIn("9 problems", err)
        self.assertEqual(sorted(os.listdir(self.root)), before)  # read-only

    def test_fix_refreshes_caches_and_removes_temporaries_no_server_owns(self):
        write_bytes(self.root_path("stale.png"), make_png_bytes(8, 8, seed=4))
        os.setxattr(self.root_path("stale.png"), XATTR, b"0" * 32 + b" 1 1")
        temp = ".imgsrv-tmp.local.0123456789abcdef"
        server = self.start_server()
        # The port accepts before the start-up sweep; the listening line comes after it.
        self.assertTrue(server.wait_log(r"listening on", timeout=15), server.log_text())
        write_bytes(self.root_path(temp), b"partial")  # after its start-up sweep: as if its own
        rc, out, _ = self.check("--fix")
        self.assertEqual(rc, 1, out)
        fixed = [l for l in out.splitlines() if l.startswith("stale-cache stale.png: ")]
        self.assertIn(fixed, (["stale-cache stale.png: refreshed"],
                              ["stale-cache stale.png: removed (hashed again when first asked)"]), out)
        self.assertIn("temporary %s: kept, a live server holds the root" % temp, out.splitlines())
        self.assertTrue(os.path.exists(self.root_path(temp)))
        server.stop() if hasattr(server, "stop") else server.proc.terminate()
        server.proc.wait(timeout=15)
        write_bytes(self.root_path(temp), b"partial")
        rc, out, _ = self.check("--fix")
        self.assertEqual(rc, 0, out)
        self.assertEqual(out.splitlines(), ["temporary %s: removed" % temp])
        self.assertFalse(os.path.exists(self.root_path(temp)))
        rc, out, _ = self.check()
        self.assertEqual((rc, out), (0, ""))

    def test_a_clean_store_exits_0(self):
        write_bytes(self.root_path("good.png"), make_png_bytes(8, 8, seed=3))
        rc, out, err = self.check()
        self.assertEqual((rc, out), (0, ""), err)


if __name__ == "__main__":
    unittest.main()
