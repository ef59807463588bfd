"""The thumb op (PROTOCOL.md, thumb): a small upright JPEG or PNG of a stored image.

Through a raw socket, with images made by real encoders (ImageMagick, cjpeg) and
ImageMagick's identify as the referee of the result: landscape, portrait, an EXIF
orientation 6 JPEG (turned upright: its left half becomes the top), PNG with alpha
(answered as PNG, transparency kept), 16-bit and interlaced PNG, progressive JPEG.
Refusals: edge out of range (bad_request), a missing name (not_found), a junk file
placed by hand (not_an_image); the session goes on and nothing is written to the store.
"""

import os
import struct
import subprocess
import unittest

import files
from checks import IntegrationTest
from images import make_jpeg


def convert(*args):
    subprocess.run(["convert", *args], check=True, timeout=60, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def identify(data, fmt="%m %w %h"):
    res = subprocess.run(["identify", "-format", fmt, "-"], input=data, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=30, check=True)
    return res.stdout.decode().strip()


def pixel(data, x, y):
    """The colour of one pixel as identify's referee sees it: (r, g, b) in 0..255."""
    res = subprocess.run(["convert", "-", "-depth", "8", "-crop", "1x1+%d+%d" % (x, y), "rgb:-"], input=data,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=True)
    return tuple(res.stdout[:3])


def with_exif_orientation(jpeg, orientation):
    """The JPEG with an EXIF APP1 segment holding only Orientation, right after SOI."""
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1)
    tiff += struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0)
    payload = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


class ThumbTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.root = self.mkdir("root")
        self.server = self.start_server(root=self.root)
        self.client = self.raw_client(self.server.port)
        self.client.hello()

    def place(self, name, data):
        with open(os.path.join(self.root, name), "wb") as f:
            f.write(data)

    def place_made(self, name, *convert_args, coder=""):
        path = self.work_path(name)
        convert(*convert_args, coder + path)
        with open(path, "rb") as f:
            data = f.read()
        self.place(name, data)
        return data

    def thumb(self, name, edge):
        reply, body = self.client.request("thumb", name=name, edge=edge)
        self.assertEqual(reply.get("status"), "ok", reply)
        return reply, body

    def assertThumb(self, name, edge, fmt, width, height):
        before = files.listing(self.root)
        reply, body = self.thumb(name, edge)
        self.assertEqual((reply["format"], reply["width"], reply["height"]), (fmt.lower(), width, height))
        self.assertEqual(identify(body), "%s %d %d" % (fmt, width, height), "identify disagrees with the reply")
        self.assertEqual(files.listing(self.root), before, "a thumb writes nothing to the store")
        return body

    def test_landscape_and_portrait_fit_the_edge(self):
        self.place_made("wide.jpg", "-size", "640x400", "gradient:red-blue")
        self.place_made("tall.png", "-size", "300x900", "gradient:white-black")
        self.assertThumb("wide.jpg", 160, "JPEG", 160, 100)
        self.assertThumb("tall.png", 90, "JPEG", 30, 90)  # opaque PNG: a JPEG thumbnail
        # Never enlarged: an edge above the image's size gives its own size.
        self.assertThumb("wide.jpg", 1024, "JPEG", 640, 400)

    def test_exif_orientation_6_is_turned_upright(self):
        path = self.work_path("plain.jpg")
        convert("-size", "400x200", "xc:red", "-fill", "blue", "-draw", "rectangle 200,0 399,199", path)
        with open(path, "rb") as f:
            self.place("turned.jpg", with_exif_orientation(f.read(), 6))
        body = self.assertThumb("turned.jpg", 100, "JPEG", 50, 100)
        # Stored: red left, blue right. Orientation 6 turns it 90 degrees clockwise
        # to show it: red on top, blue below.
        top, bottom = pixel(body, 25, 10), pixel(body, 25, 90)
        self.assertGreater(top[0], 200, top)
        self.assertLess(top[2], 60, top)
        self.assertGreater(bottom[2], 200, bottom)
        self.assertLess(bottom[0], 60, bottom)

    def test_png_with_alpha_stays_png_with_alpha(self):
        self.place_made("glass.png", "-size", "300x200", "xc:rgba(255,0,0,0.5)", coder="PNG32:")
        body = self.assertThumb("glass.png", 60, "PNG", 60, 40)
        self.assertEqual(identify(body, "%[channels]"), "srgba")
        alpha = identify(body, "%[fx:int(255*p{30,20}.a+0.5)]")
        self.assertTrue(120 <= int(alpha) <= 136, alpha)

    def test_16_bit_and_interlaced_png(self):
        self.place_made("deep.png", "-size", "120x300", "gradient:red-blue", "-depth", "16", coder="PNG48:")
        self.assertEqual(identify(files.read_bytes(os.path.join(self.root, "deep.png")), "%z"), "16")
        body = self.assertThumb("deep.png", 100, "JPEG", 40, 100)
        self.assertGreater(pixel(body, 20, 2)[0], 200, "the top stays red")
        self.place_made("adam7.png", "-size", "300x200", "xc:green", "-interlace", "PNG")
        body = self.assertThumb("adam7.png", 30, "JPEG", 30, 20)
        # Every pass of the interlaced image lands where it belongs: green all over.
        for x, y in ((0, 0), (15, 10), (29, 19)):
            r, g, b = pixel(body, x, y)
            self.assertTrue(g > 100 and r < 40 and b < 40, (x, y, r, g, b))

    def test_progressive_jpeg(self):
        make_jpeg(self.work_path("prog.jpg"), width=500, height=300, progressive=True)
        with open(self.work_path("prog.jpg"), "rb") as f:
            self.place("prog.jpg", f.read())
        self.assertThumb("prog.jpg", 50, "JPEG", 50, 30)

    def test_edge_out_of_range_is_bad_request(self):
        self.place_made("wide.jpg", "-size", "64x40", "xc:red")
        for edge in (0, 15, 1025, 1 << 40):
            reply, body = self.client.request("thumb", name="wide.jpg", edge=edge)
            self.assertError(reply, "bad_request", "edge %d" % edge)
            self.assertIn("edge must be 16..1024", reply["message"])
            self.assertEqual(body, b"")
        self.assertSessionGoesOn(self.client)
        self.assertEqual(files.listing(self.root), ["wide.jpg"])

    def test_missing_name_is_not_found(self):
        reply, _ = self.client.request("thumb", name="nothing.jpg", edge=64)
        self.assertError(reply, "not_found")
        self.assertSessionGoesOn(self.client)
        self.assertEqual(files.listing(self.root), [])

    def test_junk_placed_by_hand_is_not_an_image(self):
        self.place("notes.png", b"these are not the pixels you are looking for\n" * 10)
        good = make_jpeg(self.work_path("cut.jpg"), width=200, height=200)
        with open(good, "rb") as f:
            self.place("cut.jpg", f.read()[:600])  # a JPEG cut short
        for name in ("notes.png", "cut.jpg"):
            reply, body = self.client.request("thumb", name=name, edge=64)
            self.assertError(reply, "not_an_image", name)
            self.assertIn(name, reply["message"])
            self.assertEqual(body, b"")
        self.assertSessionGoesOn(self.client)
        self.assertEqual(files.listing(self.root), ["cut.jpg", "notes.png"], "nothing removed or added")

    def test_second_request_is_served_from_the_cache(self):
        self.place_made("wide.jpg", "-size", "640x400", "gradient:red-blue")
        _, first = self.thumb("wide.jpg", 64)
        _, again = self.thumb("wide.jpg", 64)
        self.assertEqual(first, again)
        # A file replaced by hand (new inode, size, times) is not answered from the cache.
        self.place_made("square.jpg", "-size", "300x300", "xc:blue")
        os.replace(os.path.join(self.root, "square.jpg"), os.path.join(self.root, "wide.jpg"))
        reply, _ = self.thumb("wide.jpg", 64)
        self.assertEqual((reply["width"], reply["height"]), (64, 64))


class ThumbPixelLimitTest(IntegrationTest):
    """--max-pixels bounds the thumbnail service as it bounds puts: a stored image over
    the limit (placed by hand, or stored under a higher limit before a restart) gets
    too_large, not a decode; one within it gets its thumbnail."""

    def test_thumb_of_an_image_over_max_pixels_is_too_large(self):
        root = self.mkdir("root")
        make_jpeg(os.path.join(root, "over.jpg"), width=300, height=200)  # 60,000 pixels
        make_jpeg(os.path.join(root, "within.jpg"), width=200, height=200)  # 40,000 pixels
        server = self.start_server("--max-pixels", "50000", root=root)
        client = self.raw_client(server.port)
        client.hello()
        before = files.listing(root)
        reply, body = client.request("thumb", name="over.jpg", edge=64)
        self.assertError(reply, "too_large")
        self.assertIn("over.jpg: 300 x 200 pixels", reply["message"])
        self.assertIn("over the limit", reply["message"])
        self.assertEqual(body, b"")
        reply, body = client.request("thumb", name="within.jpg", edge=64)
        self.assertEqual((reply.get("status"), reply.get("width"), reply.get("height")), ("ok", 64, 64), reply)
        self.assertEqual(identify(body), "JPEG 64 64")
        self.assertSessionGoesOn(client)
        self.assertEqual(files.listing(root), before, "a thumb writes nothing to the store")


if __name__ == "__main__":
    unittest.main()
