"""Framing survives any TCP segmentation (DESIGN.md requirement 6).

imgsh talks to imgsrv through stammer_relay.StammerRelay, which forwards both directions
in random 1..7 byte pieces with TCP_NODELAY and random 0..1 ms pauses. The small
exchanges pause after every piece; the ~200 KB transfers pause after some pieces only,
to stay within a few seconds (every piece is still its own send).
"""

import os
import unittest

from checks import IntegrationTest
from files import listing, write_bytes
from images import make_jpeg, make_png_bytes
from wire import RawClient
from stammer_relay import StammerRelay


class StammerTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()

    def relay(self, delay_probability=1.0, seed=1):
        relay = StammerRelay(self.server.port, min_piece=1, max_piece=7, min_delay=0.0,
                             max_delay=0.001, delay_probability=delay_probability, seed=seed,
                             max_lifetime=60)
        relay.start()
        self.on_cleanup(relay.stop)
        return relay

    def test_small_png_every_piece_delayed(self):
        relay = self.relay(delay_probability=1.0, seed=2)
        src = write_bytes(self.work_path("small.png"), make_png_bytes(12, 12, seed=3))
        script = "put small.png\nls\nstat small.png\nget small.png back.png\n"
        res = self.imgsh(relay.addr, input=script, timeout=60)
        self.assertOk(res, reports=4, server=relay.addr)
        self.assertEqual(res.other_lines[:1], ["small.png"], res.describe())
        self.assertRoot(["small.png"])
        self.assertSameFile(src, self.root_path("small.png"))
        self.assertSameFile(src, self.work_path("back.png"))
        self.assertGreater(relay.connections, 0)

    def test_one_byte_at_a_time(self):
        relay = StammerRelay(self.server.port, min_piece=1, max_piece=1, max_delay=0.0005,
                             delay_probability=0.5, seed=7, max_lifetime=60)
        relay.start()
        self.on_cleanup(relay.stop)
        src = self.copy_data("tiny.png")
        res = self.imgsh(relay.addr, input="put tiny.png\nls\nget tiny.png tiny-back.png\n",
                         timeout=60)
        self.assertOk(res, reports=3, server=relay.addr)
        self.assertSameFile(src, self.root_path("tiny.png"))
        self.assertSameFile(src, self.work_path("tiny-back.png"))

    def test_200k_jpeg_put_and_get(self):
        src = make_jpeg(self.work_path("photo.jpg"), 480, 480, seed=4, quality=90,
                        smooth=False)
        size = os.path.getsize(src)
        self.assertTrue(150_000 < size < 400_000, "test JPEG is %d bytes" % size)
        relay = self.relay(delay_probability=0.02, seed=5)
        res = self.imgsh(relay.addr, "put", "photo.jpg", timeout=60)
        self.assertOk(res, op="put", file="photo.jpg", server=relay.addr)
        self.assertSameFile(src, self.root_path("photo.jpg"))
        dl = self.mkdir("dl")
        res = self.imgsh(relay.addr, "get", "photo.jpg", cwd=dl, timeout=60)
        self.assertOk(res, op="get", file="photo.jpg", server=relay.addr)
        self.assertEqual(listing(dl), ["photo.jpg"])
        self.assertSameFile(src, os.path.join(dl, "photo.jpg"))
        self.assertGreater(relay.bytes_c2s, size)
        self.assertGreater(relay.bytes_s2c, size)

    def test_raw_pipelined_frames_through_stammer(self):
        relay = self.relay(delay_probability=0.2, seed=6)
        files = {"s-%d.png" % i: make_png_bytes(4 + i, 4, seed=60 + i) for i in range(5)}
        with RawClient(relay.port, timeout=20) as c:
            c.hello()
            for name, data in files.items():
                rid = c.take_id()
                c.send_frame({"op": "put", "id": rid, "name": name, "size": len(data)}, data)
                c.send_trailer(rid, data)
            for name in files:
                reply, _ = c.recv_frame()
                self.assertEqual(reply.get("status"), "ok", reply)
            for name, data in files.items():
                reply, body = c.request("get", name=name)
                self.assertEqual(body, data, name)
        self.assertRoot(list(files))


if __name__ == "__main__":
    unittest.main()
