"""Only images are served (issue 13, item 3): a file placed in the root by hand whose
header is not a valid PNG or JPEG header is neither listed nor served (stat and get
answer not_found, as for a missing file), and the server logs it once, with a hint to run
`imgsrv check`. The check is the header only (cheap for a large store's first listing):
a file with a good header and a broken body is still served; full validation is
`imgsrv check`'s job. The verdict follows the file: replaced by a real image, it is served.
"""

import json
import os
import struct
import unittest
import zlib

from checks import IntegrationTest
from files import read_bytes, write_bytes
from images import PNG_SIGNATURE, make_jpeg, make_png_bytes


def bad_ihdr_crc_png():
    ihdr = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    crc = zlib.crc32(b"IHDR" + ihdr) ^ 1
    return PNG_SIGNATURE + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", crc) + bytes(100)


class OnlyImagesServedTest(IntegrationTest):

    def setUp(self):
        super().setUp()
        self.real_png = make_png_bytes(8, 8, seed=2)
        jpeg = read_bytes(make_jpeg(os.path.join(self.work, "src.jpg"), 32, 24, seed=2))
        self.placed = {
            "real.png": self.real_png,
            "real.jpg": jpeg,
            "cut-body.png": self.real_png[:60],  # header fine, body cut: still served
            "text.png": b"a text file with a picture's name\n" * 4,
            "ihdr-crc.png": bad_ihdr_crc_png(),
            "no-segment.jpg": b"\xff\xd8\xff\x00" + bytes(200),
            "jpeg-named.png": jpeg,
        }
        for name, data in self.placed.items():
            write_bytes(self.root_path(name), data)
        self.refused = {"text.png", "ihdr-crc.png", "no-segment.jpg", "jpeg-named.png"}
        self.server = self.start_server()

    def listed(self, c):
        reply, body = c.request("list")
        self.assertEqual(reply.get("status"), "ok", reply)
        return [f["name"] for f in json.loads(body.decode("utf-8"))]

    def test_files_without_an_image_header_are_neither_listed_nor_served(self):
        c = self.raw_client(self.server.port)
        c.hello()
        served = sorted(set(self.placed) - self.refused)
        self.assertEqual(self.listed(c), served)
        self.assertEqual(self.listed(c), served)
        for name in sorted(self.refused):
            reply, _ = c.request("stat", name=name)
            self.assertError(reply, "not_found", name)
            reply, body = c.request("get", name=name)
            self.assertError(reply, "not_found", name)
            self.assertEqual(body, b"")
        reply, body = c.request("get", name="cut-body.png")
        self.assertEqual((reply.get("status"), body), ("ok", self.real_png[:60]))
        # Nothing was removed or changed: the store is the operator's.
        for name, data in self.placed.items():
            self.assertEqual(read_bytes(self.root_path(name)), data, name)
        # Logged once each, however often asked, with the hint.
        log = self.server.log_text()
        for name in self.refused:
            lines = [l for l in log.splitlines() if "not served: %s:" % name in l]
            self.assertEqual(len(lines), 1, "%s:\n%s" % (name, log))
            self.assertIn("run imgsrv check", lines[0])
        self.assertIn("not served: text.png: content is not a PNG image", log)
        self.assertIn("not served: ihdr-crc.png: CRC mismatch in IHDR", log)

    def test_a_file_replaced_by_a_real_image_is_served(self):
        c = self.raw_client(self.server.port)
        c.hello()
        self.assertNotIn("text.png", self.listed(c))
        os.unlink(self.root_path("text.png"))
        write_bytes(self.root_path("text.png"), self.real_png)
        self.assertIn("text.png", self.listed(c))
        reply, body = c.request("get", name="text.png")
        self.assertEqual((reply.get("status"), body), ("ok", self.real_png))

    def test_imgsh_ls_shows_only_images(self):
        res = self.imgsh(self.server.addr, "ls")
        self.assertExit(res, 0)
        for name in self.placed:
            self.assertEqual(name in res.stdout, name not in self.refused, "%s\n%s" % (name, res.describe()))


if __name__ == "__main__":
    unittest.main()
