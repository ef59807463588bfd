"""Every put is decoded whole before it is stored (PROTOCOL.md section 4, image validation).

Real images from real encoders (cjpeg, ImageMagick's convert-im6, the pnm tools) are
accepted and stored byte-identical; broken ones (truncated at ten offsets, a flipped byte
in a CRC and in the entropy-coded data, a signature followed by zeros, decompression
bombs, a text file named .png) are refused with their exact code and message, and nothing
is stored, no temporary left:

- through a raw wire client: the server decodes the body and refuses it;
- through imgsh: the shell refuses the same file with the same message before sending
  (the server never sees the put), except a pixel count above the limit, which the shell
  leaves to the server (its --max-pixels is final).
"""

import os
import shutil
import struct
import subprocess
import tempfile
import time
import unittest
import zlib

from checks import IntegrationTest
from files import read_bytes, write_bytes
from images import PNG_SIGNATURE, make_jpeg, make_ppm

IM_CONVERT = "/usr/bin/convert-im6.q16"


def run(cmd, stdin=None):
    res = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if res.returncode != 0:
        raise RuntimeError("%s failed: %s" % (cmd[0], res.stderr.decode(errors="replace")))
    return res.stdout


def png_chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_ihdr_fields(data):
    """(width, height, bit depth, colour type, interlace) from a PNG's IHDR."""
    w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    return w, h, depth, color, interlace


def jpeg_sof(data):
    """(marker, components) of a JPEG's first frame header."""
    i = 2
    while i < len(data):
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            return marker, data[i + 9]
        i += 2 + length
    raise AssertionError("no SOF")


def make_corpus(d):
    """name -> bytes of real images, each checked for the property it stands for."""
    ppm = os.path.join(d, "in.ppm")
    write_bytes(ppm, make_ppm(120, 80, seed=3))
    good = {}
    good["baseline.jpg"] = read_bytes(make_jpeg(os.path.join(d, "b.jpg"), 120, 80, seed=3))
    good["progressive.jpg"] = read_bytes(make_jpeg(os.path.join(d, "p.jpg"), 120, 80, seed=4, progressive=True))
    good["gray.jpg"] = run(["cjpeg", "-grayscale", "-quality", "90", ppm])
    run([IM_CONVERT, ppm, "-colorspace", "CMYK", os.path.join(d, "cmyk.jpg")])
    good["cmyk.jpg"] = read_bytes(os.path.join(d, "cmyk.jpg"))
    # 16-bit RGB from a PPM of maxval 65535.
    ppm16 = b"P6 60 40 65535\n" + bytes((i * 7) & 0xFF for i in range(60 * 40 * 6))
    good["deep16.png"] = run(["pnmtopng"], stdin=ppm16)
    good["interlaced.png"] = run(["pnmtopng", "-interlace", ppm])
    good["palette.png"] = run(["pnmtopng"], stdin=run(["pnmquant", "16", ppm]))
    pgm = os.path.join(d, "in.pgm")
    write_bytes(pgm, run(["ppmtopgm", ppm]))
    alpha = os.path.join(d, "alpha.pgm")
    write_bytes(alpha, b"P5 120 80 255\n" + bytes((x * 2) & 0xFF for x in range(120 * 80)))
    good["gray-alpha.png"] = run(["pnmtopng", "-alpha=" + alpha, pgm])
    # The properties each stands for, read from the files themselves.
    assert jpeg_sof(good["baseline.jpg"]) == (0xC0, 3)
    assert jpeg_sof(good["progressive.jpg"]) == (0xC2, 3)
    assert jpeg_sof(good["gray.jpg"])[1] == 1
    assert jpeg_sof(good["cmyk.jpg"])[1] == 4
    assert png_ihdr_fields(good["deep16.png"])[2:4] == (16, 2)
    assert png_ihdr_fields(good["interlaced.png"])[4] == 1
    assert png_ihdr_fields(good["palette.png"])[3] == 3
    assert png_ihdr_fields(good["gray-alpha.png"])[2:4] == (8, 4)
    return good


def truncations(data, count=10):
    """Ten cuts spread over the file, from just after the magic bytes to one byte short."""
    n = len(data)
    return sorted({max(4, min(n - 1, 4 + (n - 5) * i // (count - 1))) for i in range(count)})


def flip(data, offset):
    b = bytearray(data)
    b[offset] ^= 0xFF
    return bytes(b)


def idat_crc_offset(png):
    i = 8
    while i < len(png):
        length = struct.unpack(">I", png[i:i + 4])[0]
        if png[i + 4:i + 8] == b"IDAT":
            return i + 8 + length  # the first byte of its CRC
        i += 12 + length
    raise AssertionError("no IDAT")


def entropy_offset(jpeg):
    """A byte in the middle of the first scan's entropy-coded data."""
    sos = jpeg.index(b"\xff\xda")
    start = sos + 2 + struct.unpack(">H", jpeg[sos + 2:sos + 4])[0]
    end = jpeg.rindex(b"\xff\xd9")
    return (start + end) // 2


def png_bomb():
    """A well-formed PNG header claiming 100,000 x 100,000 pixels, a tiny IDAT, IEND."""
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    return (PNG_SIGNATURE + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + png_chunk(b"IEND", b""))


def jpeg_bomb(jpeg):
    """A real baseline JPEG whose frame header is rewritten to 65,500 x 65,500."""
    i = jpeg.index(b"\xff\xc0")
    return jpeg[:i + 5] + struct.pack(">HH", 65500, 65500) + jpeg[i + 9:]


class ImageValidationTest(IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.corpus_dir = tempfile.mkdtemp(prefix="imgsh-corpus-")
        cls.good = make_corpus(cls.corpus_dir)
        png, jpg = cls.good["interlaced.png"], cls.good["baseline.jpg"]
        bad = {}
        for i, cut in enumerate(truncations(png)):
            bad["cut%d.png" % i] = png[:cut]
        for i, cut in enumerate(truncations(jpg)):
            bad["cut%d.jpg" % i] = jpg[:cut]
        bad["crc.png"] = flip(png, idat_crc_offset(png))
        bad["entropy.jpg"] = flip(jpg, entropy_offset(jpg))
        bad["zeros.png"] = PNG_SIGNATURE + bytes(64 * 1024)
        bad["zeros.jpg"] = b"\xff\xd8\xff" + bytes(64 * 1024)
        bad["text.png"] = b"just some text, not a picture\n" * 20
        cls.bad = bad
        cls.bombs = {"bomb.png": png_bomb(), "bomb.jpg": jpeg_bomb(jpg)}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.corpus_dir, True)

    # Exact messages for the cases the issue names; the rest must agree between both ends.
    KNOWN = {
        "crc.png": ("not_an_image", "crc.png: CRC mismatch in IDAT"),
        "cut9.png": ("not_an_image", "cut9.png: truncated: the file ends inside the IEND chunk"),
        "cut9.jpg": ("not_an_image", "cut9.jpg: truncated: JPEG data ends early (no EOI marker)"),
        "text.png": ("not_an_image", None),
        "bomb.png": ("too_large", "bomb.png: 100000 x 100000 pixels (10000.0 MP) is over the limit of 200.0 MP: "
                                  "refused before decoding (decompression bomb?)"),
        "bomb.jpg": ("too_large", "bomb.jpg: 65500 x 65500 pixels (4290.2 MP) is over the limit of 200.0 MP: "
                                  "refused before decoding (decompression bomb?)"),
    }

    def raw_put(self, server, name, data):
        c = self.raw_client(server.port)
        c.hello()
        reply = c.put_inline(name, data)
        self.assertSessionGoesOn(c, name)
        c.close()
        return reply

    def test_real_images_are_stored_byte_identical_through_the_wire(self):
        server = self.start_server()
        for name, data in self.good.items():
            reply = self.raw_put(server, name, data)
            self.assertEqual(reply.get("status"), "ok", "%s: %r" % (name, reply))
            self.assertEqual(read_bytes(self.root_path(name)), data, name)
        self.assertRoot(list(self.good))

    def test_real_images_are_stored_byte_identical_through_imgsh(self):
        server = self.start_server()
        for name, data in self.good.items():
            write_bytes(os.path.join(self.work, name), data)
        res = self.imgsh(server.addr, "mput", *sorted(self.good))
        self.assertExit(res, 0)
        for name, data in self.good.items():
            self.assertEqual(read_bytes(self.root_path(name)), data, name)
        self.assertRoot(list(self.good))

    def test_the_server_refuses_broken_images_by_code_and_message(self):
        server = self.start_server()
        messages = {}
        for name, data in {**self.bad, **self.bombs}.items():
            reply = self.raw_put(server, name, data)
            code = self.KNOWN.get(name, ("not_an_image", None))[0]
            self.assertError(reply, code, name)
            self.assertTrue(reply["message"].startswith(name + ": "), reply)
            expected = self.KNOWN.get(name, (None, None))[1]
            if expected is not None:
                self.assertEqual(reply["message"], expected)
            messages[name] = reply["message"]
            self.assertRoot([], msg=name)
        self.assertServerAlive(server)
        raw_log_end = len(server.log_text())
        # The shell, fed the same files, says the same (and, but for the bombs, alone).
        for name, data in {**self.bad, **self.bombs}.items():
            write_bytes(os.path.join(self.work, name), data)
        script = "".join("-put %s\n" % name for name in sorted(messages))
        res = self.imgsh(server.addr, input=script)
        by_file = {r.file: r for r in res.reports}
        for name, message in messages.items():
            r = by_file.get(name)
            self.assertIsNotNone(r, "no report for %s\n%s" % (name, res.describe()))
            self.assertEqual((r.status, r.code, r.message),
                             ("fail", self.KNOWN.get(name, ("not_an_image",))[0], message), name)
        self.assertRoot([])
        log = server.log_text()[raw_log_end:]
        for name in messages:
            sent = (" put %s " % name) in log
            self.assertEqual(sent, name in self.bombs, "%s reached the server from imgsh: %s" % (name, sent))

    def test_a_broken_announced_put_is_refused_after_its_body(self):
        server = self.start_server("--inline-put-max", "4096")
        data = self.good["deep16.png"]
        data = data[:len(data) - 20]
        c = self.raw_client(server.port)
        c.hello()
        rid = c.take_id()
        c.send_frame({"op": "put", "id": rid, "name": "deep.png", "size": len(data)})
        reply, _ = c.recv_frame()
        self.assertEqual(reply.get("status"), "continue", reply)
        c.send_frame({"op": "data", "id": rid}, data)
        c.send_trailer(rid, data)
        reply, _ = c.recv_frame()
        self.assertError(reply, "not_an_image")
        self.assertTrue(reply["message"].startswith("deep.png: "), reply)
        self.assertSessionGoesOn(c)
        self.assertRoot([])

    def test_max_pixels_refuses_what_the_default_admits(self):
        server = self.start_server("--max-pixels", str(120 * 80 - 1))
        reply = self.raw_put(server, "baseline.jpg", self.good["baseline.jpg"])
        self.assertError(reply, "too_large")
        self.assertEqual(reply["message"], "baseline.jpg: 120 x 80 pixels (0.0 MP) is over the limit of 0.0 MP: "
                                           "refused before decoding (decompression bomb?)")
        # imgsh leaves a pixel count to the server: the same refusal, from the server.
        write_bytes(os.path.join(self.work, "baseline.jpg"), self.good["baseline.jpg"])
        res = self.imgsh(server.addr, "put", "baseline.jpg")
        r = self.assertFail(res, "too_large", op="put")
        self.assertEqual(r.message, reply["message"])
        self.assertRoot([])

    def test_a_slow_validation_does_not_time_the_client_out(self):
        """The server decodes a progressive JPEG for longer than --body-timeout while the
        client, having sent everything, waits: the request deadline is held meanwhile, so
        the put is stored and the session ends as the client's close, not a timeout."""
        path = make_jpeg(os.path.join(self.work, "slow.jpg"), 6000, 4500, seed=5, progressive=True, smooth=False)
        data = read_bytes(path)
        server = self.start_server("--body-timeout", "0.25", "--inline-put-max", str(len(data)), "--log-level", "debug")
        c = self.raw_client(server.port)
        c.hello()
        started = time.monotonic()
        reply = c.put_inline("slow.jpg", data)
        waited = time.monotonic() - started
        self.assertEqual(reply.get("status"), "ok", reply)
        self.assertGreater(waited, 0.4, "validation was too quick to test the deadline (%.2f s)" % waited)
        self.assertSessionGoesOn(c)
        c.close()
        self.assertTrue(server.wait_log(r"closed by client$"), server.log_text())
        self.assertNotIn("timed out", server.log_text())
        self.assertEqual(read_bytes(self.root_path("slow.jpg")), data)


if __name__ == "__main__":
    unittest.main()
