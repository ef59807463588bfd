"""Issue 13 item 2 on the wire: stat replies and list entries carry an "image" object (the
facts read from the file's header on the server's worker pool), checked against ImageMagick's
identify as the outside referee; EXIF orientation 1..8, capture time and camera model; a
file whose header is not a readable image (hand-placed junk, a cut header) gets no "image"
and is still listed and stat'ed as before. Nothing in the root is changed by asking."""

import json
import os
import subprocess
import unittest

from checks import IntegrationTest
from exif_segment import insert_exif
from files import listing, read_bytes
from images import make_jpeg, make_ppm
from wire import RawClient


def identify(path):
    """ImageMagick's width, height and bit depth of a file (for a PNG, its IHDR's depth:
    %[bit-depth] is the least depth that holds the samples)."""
    depth = "%[png:IHDR.bit-depth-orig]" if path.endswith(".png") else "%[bit-depth]"
    out = subprocess.run(["identify", "-format", "%w %h " + depth, path], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=60, check=True).stdout.decode()
    w, h, d = out.split()
    return int(w), int(h), int(d)


class ImageFactsOnTheWire(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.root = self.mkdir("root")
        self.expected = {}  # name -> the fields of "image" this test knows for sure
        self.seed_root()
        self.server = self.start_server(root=self.root)

    def convert(self, name, *args, size=(83, 57), gray=False):
        src = self.work_path("src-%s.ppm" % name)
        with open(src, "wb") as f:
            f.write(make_ppm(size[0], size[1], seed=len(name)))
        subprocess.run(["convert", src, *(["-colorspace", "Gray"] if gray else []), *args[:-1],
                        args[-1] % self.root_path(name)], check=True, timeout=60,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def seed_root(self):
        make_jpeg(self.root_path("baseline.jpg"), 96, 64, seed=3)
        self.expected["baseline.jpg"] = {"format": "jpeg", "color": "ycbcr", "progressive": False}
        make_jpeg(self.root_path("progressive.jpg"), 80, 48, seed=4, progressive=True)
        self.expected["progressive.jpg"] = {"format": "jpeg", "progressive": True}
        self.convert("gray.jpg", "-strip", "JPEG:%s", gray=True)
        self.expected["gray.jpg"] = {"format": "jpeg", "color": "gray"}
        self.convert("cmyk.jpg", "-strip", "-colorspace", "CMYK", "JPEG:%s")
        self.expected["cmyk.jpg"] = {"format": "jpeg"}  # YCCK or CMYK, per ImageMagick's Adobe marker
        self.convert("deep.png", "-strip", "-depth", "16", "PNG48:%s")
        self.expected["deep.png"] = {"format": "png", "bit_depth": 16, "color": "rgb"}
        self.convert("adam7.png", "-strip", "-interlace", "PNG", "PNG24:%s")
        self.expected["adam7.png"] = {"format": "png", "progressive": True}
        self.convert("palette.png", "-strip", "-colors", "16", "PNG8:%s")
        self.expected["palette.png"] = {"format": "png", "color": "palette"}
        self.convert("gray_alpha.png", "-strip", "-alpha", "set", "-define", "png:color-type=4", "PNG:%s", gray=True)
        self.expected["gray_alpha.png"] = {"format": "png", "color": "gray_alpha"}
        plain = read_bytes(make_jpeg(self.work_path("plain.jpg"), 64, 40, seed=9))
        for o in range(1, 9):
            name = "orient%d.jpg" % o
            with open(self.root_path(name), "wb") as f:
                f.write(insert_exif(plain, orientation=o, model="Test Cam %d" % o,
                                    taken="2026:12:0%d 07:50:0%d" % (o, o)))
            self.expected[name] = {"orientation": o, "camera_model": "Test Cam %d" % o,
                                   "capture_time": "2026-12-0%dT07:50:0%d" % (o, o)}
        # A hand-placed file whose header starts as a JPEG's but ends before the frame
        # header: it passes the server's cheap header check, so it is listed and stat'ed,
        # with no facts. A text file named .png fails that check: neither listed nor served.
        with open(self.root_path("text.png"), "w") as f:
            f.write("not a picture, just text\n")
        with open(self.root_path("cut.jpg"), "wb") as f:
            f.write(plain[:40])  # SOI and part of JFIF: no frame header
        self.junk = ["cut.jpg"]

    def check_facts(self, name, image):
        self.assertIsNotNone(image, "%s has no image facts" % name)
        w, h, depth = identify(self.root_path(name))
        self.assertEqual((image["width"], image["height"], image["bit_depth"]), (w, h, depth), name)
        for key, value in self.expected[name].items():
            self.assertEqual(image.get(key), value, "%s: %s" % (name, key))
        if "orientation" not in self.expected[name]:
            self.assertNotIn("orientation", image, name)

    def test_list_entries_carry_image_facts(self):
        before = listing(self.root)
        with RawClient(self.server.port) as c:
            c.hello()
            for attempt in ("first (read on the pool)", "second (from memory)"):
                reply, body = c.request("list")
                self.assertEqual(reply["status"], "ok", reply)
                entries = {e["name"]: e for e in json.loads(body)}
                self.assertEqual(sorted(entries), sorted(list(self.expected) + self.junk), attempt)
                for name in self.expected:
                    self.check_facts(name, entries[name].get("image"))
                for name in self.junk:
                    self.assertNotIn("image", entries[name], "%s: %s" % (attempt, name))
                    self.assertEqual(entries[name]["size"], os.path.getsize(self.root_path(name)))
        self.assertEqual(listing(self.root), before, "asking for facts changed the root")

    def test_limit_and_prefix_still_apply(self):
        with RawClient(self.server.port) as c:
            c.hello()
            reply, body = c.request("list", prefix="orient", limit=3)
            entries = json.loads(body)
            self.assertEqual([e["name"] for e in entries], ["orient1.jpg", "orient2.jpg", "orient3.jpg"])
            self.assertTrue(reply["truncated"])
            self.assertEqual([e["image"]["orientation"] for e in entries], [1, 2, 3])

    def test_stat_carries_image_facts(self):
        with RawClient(self.server.port) as c:
            c.hello()
            for name in self.expected:
                reply, _ = c.request("stat", name=name)
                self.assertEqual(reply["status"], "ok", reply)
                self.check_facts(name, reply.get("image"))
            for name in self.junk:
                reply, _ = c.request("stat", name=name)
                self.assertEqual(reply["status"], "ok", reply)
                self.assertNotIn("image", reply, name)
                self.assertEqual(reply["size"], os.path.getsize(self.root_path(name)))
            reply, _ = c.request("stat", name="text.png")
            self.assertEqual((reply["status"], reply.get("code")), ("error", "not_found"), reply)

    def test_uploaded_file_has_facts_and_a_rewrite_is_seen(self):
        data = read_bytes(make_jpeg(self.work_path("up.jpg"), 120, 90, seed=21))
        with RawClient(self.server.port) as c:
            c.hello()
            self.assertEqual(c.put_inline("up.jpg", data)["status"], "ok")
            reply, _ = c.request("stat", name="up.jpg")
            self.assertEqual((reply["image"]["width"], reply["image"]["height"]), (120, 90))
            # Rewritten in place behind the server's back: new facts, not the cached ones.
            other = read_bytes(make_jpeg(self.work_path("other.jpg"), 33, 22, seed=22))
            with open(self.root_path("up.jpg"), "r+b") as f:
                f.write(other)
                f.truncate()
            reply, _ = c.request("stat", name="up.jpg")
            self.assertEqual((reply["image"]["width"], reply["image"]["height"]), (33, 22))


if __name__ == "__main__":
    unittest.main()
