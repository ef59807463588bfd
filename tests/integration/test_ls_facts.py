"""Issue 13 item 2 in the shell: `ls -l` shows size (thousands separators), time, width ×
height and format in aligned columns ("×" only in a UTF-8 locale); `ls` sorts by name
(default), -t, -S, --sort=taken|pixels|name|time|size, and -r reverses; `stat` shows every
fact. imgsh is fed its arguments (one-shot form) against a real imgsrv whose root holds
real encoders' images, one with an EXIF block, and a text file named .png (no facts)."""

import os
import re
import unittest

from checks import IntegrationTest
from exif_segment import insert_exif
from files import read_bytes
from images import make_jpeg, make_png

T0 = 1764740000  # 2025-12-03


class LsWithFacts(IntegrationTest):
    LOCALE = "C.UTF-8"

    def shell_env(self):
        env = super().shell_env()
        env["LC_ALL"] = self.LOCALE
        env["TZ"] = "UTC"
        return env

    def setUp(self):
        super().setUp()
        root = self.mkdir("root")
        make_png(os.path.join(root, "big.png"), 300, 200, seed=5)
        mid = read_bytes(make_jpeg(self.work_path("mid.jpg"), 160, 120, seed=6))
        small = read_bytes(make_jpeg(self.work_path("small.jpg"), 40, 30, seed=7))
        with open(os.path.join(root, "mid.jpg"), "wb") as f:
            f.write(insert_exif(mid, taken="2021:06:01 12:00:00"))
        with open(os.path.join(root, "small.jpg"), "wb") as f:
            f.write(insert_exif(small, orientation=6, model="Test Cam", taken="2023:01:02 03:04:05"))
        with open(os.path.join(root, "junk.png"), "w") as f:  # placed by hand: neither listed nor served
            f.write("text\n")
        for name, t in (("mid.jpg", T0), ("big.png", T0 + 100), ("junk.png", T0 + 200), ("small.jpg", T0 + 300)):
            os.utime(os.path.join(root, name), (t, t))
        self.root_dir = root
        self.server = self.start_server(root=root)

    def names(self, *flags):
        res = self.imgsh("-q", self.server.addr, "ls", "-1", *flags)
        self.assertExit(res, 0)
        return res.stdout.split()

    def test_sort_orders(self):
        self.assertEqual(self.names(), ["big.png", "mid.jpg", "small.jpg"])
        self.assertEqual(self.names("--sort=name"), ["big.png", "mid.jpg", "small.jpg"])
        self.assertEqual(self.names("-t"), ["small.jpg", "big.png", "mid.jpg"])
        self.assertEqual(self.names("--sort=time"), ["small.jpg", "big.png", "mid.jpg"])
        self.assertEqual(self.names("-S"), ["big.png", "mid.jpg", "small.jpg"])
        self.assertEqual(self.names("--sort=size"), ["big.png", "mid.jpg", "small.jpg"])
        self.assertEqual(self.names("--sort=taken"), ["small.jpg", "mid.jpg", "big.png"])
        self.assertEqual(self.names("--sort=pixels"), ["big.png", "mid.jpg", "small.jpg"])
        self.assertEqual(self.names("-r"), ["small.jpg", "mid.jpg", "big.png"])
        self.assertEqual(self.names("-tr"), ["mid.jpg", "big.png", "small.jpg"])
        self.assertEqual(self.names("-r", "--sort=pixels"), ["small.jpg", "mid.jpg", "big.png"])

    def test_unknown_sort_is_refused(self):
        res = self.imgsh(self.server.addr, "ls", "--sort=colour")
        self.assertExit(res, 1)
        self.assertIn("unknown sort 'colour'", res.stderr)

    def long_lines(self, *flags):
        res = self.imgsh("-q", self.server.addr, "ls", "-l", *flags)
        self.assertExit(res, 0)
        return res.stdout.splitlines()

    def test_long_layout(self):
        lines = self.long_lines()
        self.assertEqual(len(lines), 3, lines)  # not junk.png
        size = {n: os.path.getsize(os.path.join(self.root_dir, n)) for n in os.listdir(self.root_dir)
                if not n.startswith(".")}
        x = "\u00d7" if self.LOCALE == "C.UTF-8" else "x"
        want = {"big.png": ("300%s200" % x, "PNG "), "mid.jpg": ("160%s120" % x, "JPEG"),
                "small.jpg": (" 40%s30 " % x, "JPEG")}
        for line in lines:
            name = line.split()[-1]
            dims, fmt = want[name]
            m = re.match(r"^  +([\d,]+)  (\d{4}-\d\d-\d\d \d\d:\d\d)  +(\S+)  (\S+) +%s$" % re.escape(name), line)
            self.assertIsNotNone(m, repr(line))
            self.assertEqual(m.group(1), "{:,}".format(size[name]), line)
            self.assertEqual(m.group(3), dims.strip(), line)
            self.assertEqual(m.group(4), fmt.strip(), line)
        self.assertIn("2025-12-03 05:33  ", lines[1])  # mid.jpg at T0, in TZ=UTC
        # Aligned: every column ends where the one above ends.
        self.assertEqual(len({line.index("  ", line.index(":") + 3) for line in lines}), 1, lines)
        self.assertEqual(len({line.rindex(" ") for line in lines}), 1, lines)
        self.assertEqual([l.split()[-1] for l in self.long_lines("-S")], ["big.png", "mid.jpg", "small.jpg"])

    def test_stat_shows_every_fact(self):
        res = self.imgsh("-q", self.server.addr, "stat", "small.jpg")
        self.assertExit(res, 0)
        facts = dict(line.split(": ", 1) for line in res.stdout.splitlines())
        x = "\u00d7" if self.LOCALE == "C.UTF-8" else "x"
        self.assertEqual(facts["name"], "small.jpg")
        self.assertEqual(facts["size"], str(os.path.getsize(os.path.join(self.root_dir, "small.jpg"))))
        self.assertEqual(facts["format"], "JPEG")
        self.assertEqual(facts["dimensions"], "40%s30" % x)
        self.assertEqual(facts["bit depth"], "8")
        self.assertEqual(facts["colour"], "YCbCr")
        self.assertEqual(facts["progressive"], "no")
        self.assertEqual(facts["taken"], "2023-01-02T03:04:05")
        self.assertEqual(facts["orientation"], "6 (rotate 90 CW)")
        self.assertEqual(facts["camera"], "Test Cam")
        self.assertRegex(facts["xxh3"], r"^[0-9a-f]{32}$")
        res = self.imgsh("-q", self.server.addr, "stat", "junk.png")
        self.assertFail(res, "not_found", op="stat")  # not an image header: not served
        self.assertEqual(res.stdout, "")


class LsWithFactsInTheCLocale(LsWithFacts):
    LOCALE = "C"


if __name__ == "__main__":
    unittest.main()
