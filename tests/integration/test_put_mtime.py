"""put -p (issue 14, sftp habits): the put announces the local file's modification time
(the wire's `mtime` field), the server sets it on the temporary before it appears
(futimens), and get -p brings it back; without -p a stored file is as new as its upload.
A malformed `mtime` is bad_request and nothing is stored."""

import os
import time

from checks import IntegrationTest
from files import listing
from images import make_png, make_png_bytes

OLD = 1234567890  # 2009-02-13 23:31:30 UTC


class PutMtimeTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()
        self.small = make_png(self.work_path("small.png"), 8, 8, seed=1)  # inline put
        self.large = make_png(self.work_path("large.png"), 400, 400, seed=2, level=0)  # announced put
        for path in (self.small, self.large):
            os.utime(path, (OLD, OLD))

    def test_put_p_stores_the_local_mtime_and_get_p_brings_it_back(self):
        for name in ("small.png", "large.png"):
            with self.subTest(name=name):
                self.assertOk(self.imgsh(self.server.addr, "put", "-p", name), op="put", file=name)
                self.assertEqual(int(os.stat(self.root_path(name)).st_mtime), OLD)
                dl = self.mkdir("dl-" + name)
                self.assertOk(self.imgsh(self.server.addr, "get", "-p", name, cwd=dl), op="get")
                self.assertEqual(int(os.stat(os.path.join(dl, name)).st_mtime), OLD)
                self.assertSameFile(os.path.join(dl, name), self.work_path(name))

    def test_plain_put_does_not(self):
        before = time.time() - 5
        self.assertOk(self.imgsh(self.server.addr, "put", "large.png"), op="put")
        self.assertGreater(os.stat(self.root_path("large.png")).st_mtime, before)

    def test_put_p_of_a_pattern_is_a_usage_error(self):
        res = self.imgsh(self.server.addr, input="put -p *.png\n")
        self.assertExit(res, 1)
        self.assertIn("put -p takes one file", res.stderr, res.describe())
        self.assertRoot([])

    def test_the_reply_carries_the_stored_mtime(self):
        c = self.raw_client(self.server.port)
        c.hello()
        data = make_png_bytes(seed=5)
        reply, _ = c.request("put", body=data, name="raw.png", size=len(data), mtime=OLD)
        self.assertEqual(reply.get("status"), "ok", reply)
        self.assertEqual(reply.get("mtime"), OLD)
        self.assertEqual(int(os.stat(self.root_path("raw.png")).st_mtime), OLD)

    def test_a_malformed_mtime_is_bad_request_and_nothing_is_stored(self):
        c = self.raw_client(self.server.port)
        c.hello()
        data = make_png_bytes(seed=6)
        for bad in ("yesterday", 1.5, True, 2 ** 63):
            with self.subTest(mtime=bad):
                reply, _ = c.request("put", body=data, name="bad.png", size=len(data), mtime=bad)
                self.assertError(reply, "bad_request")
                self.assertIn("mtime", reply.get("message"))
        self.assertSessionGoesOn(c)
        self.assertRoot([])
        self.assertEqual(listing(self.root), [], "no temporary left behind")
