"""The root is a jail: the server lists, serves and writes only top-level regular image
files inside its root directory.

- symlinks (to /etc/passwd, to a real PNG outside, a loop) are neither listed nor served,
  and names that climb out of the root are invalid_name, on the wire and through imgsh;
- a directory named like an image, a symlink to a directory, a hidden file, a non-image
  are not listed or served; a put over a symlink is `exists` and never writes through it;
- list's prefix and limit count only what is served.
"""

import json
import os
import subprocess
import tempfile
import unittest

from checks import IntegrationTest
from files import read_bytes, write_bytes
from images import make_png, make_png_bytes


class SymlinkJailTest(IntegrationTest):
    def test_symlinks_neither_listed_nor_served(self):
        outside = tempfile.mkdtemp(prefix="imgsh-outside-")
        self.on_cleanup(lambda: subprocess.run(["rm", "-rf", outside]))
        real_outside = make_png(os.path.join(outside, "real.png"), 16, 16, seed=65)
        os.symlink("/etc/passwd", self.root_path("x.png"))
        os.symlink(real_outside, self.root_path("outside.png"))
        os.symlink("../" + os.path.basename(self.root) + "/x.png", self.root_path("loop.jpg"))
        make_png(self.root_path("inside.png"), 8, 8, seed=66)
        server = self.start_server()
        c = self.raw_client(server.port)
        c.hello()
        reply, body = c.request("list")
        self.assertEqual(reply.get("count"), 1, reply)
        self.assertIn(b'"inside.png"', body)
        for name in ("x.png", "outside.png", "loop.jpg"):
            for op in ("get", "stat"):
                with self.subTest(name=name, op=op):
                    reply, body = c.request(op, name=name)
                    self.assertEqual((reply.get("status"), reply.get("code")), ("error", "not_found"), reply)
                    self.assertEqual(body, b"")
        for name, code in (("../etc/passwd.png", "invalid_name"), ("/etc/x.png", "invalid_name"),
                           ("..", "invalid_name"), ("a/../../x.png", "invalid_name")):
            self.assertEqual(c.request("get", name=name)[0].get("code"), code, name)
        res = self.imgsh(server.addr, "get", "x.png")
        self.assertFail(res, "not_found", op="get")
        self.assertFalse(os.path.exists(self.work_path("x.png")))


class ServerHygieneTest(IntegrationTest):
    """The server never lists or serves anything but top-level regular image files."""

    def setUp(self):
        super().setUp()
        self.outside = self.mkdir("outside")
        self.secret = make_png(os.path.join(self.outside, "secret.png"), 8, 8, seed=11)
        os.symlink(self.secret, self.root_path("link.png"))
        os.symlink(self.outside, self.root_path("dirlink.png"))
        os.mkdir(self.root_path("sub.png"))
        make_png(self.root_path("sub.png/inner.png"), 8, 8, seed=12)
        write_bytes(self.root_path(".hidden.png"), make_png_bytes(4, 4, seed=13))
        write_bytes(self.root_path("notes.txt"), b"text")
        make_png(self.root_path("real.png"), 8, 8, seed=14)
        self.server = self.start_server()

    def test_list_shows_only_regular_image_files(self):
        c = self.raw_client(self.server.port)
        c.hello()
        reply, body = c.request("list")
        self.assertEqual(reply.get("status"), "ok", reply)
        entries = json.loads(body.decode("utf-8"))
        self.assertEqual([e["name"] for e in entries], ["real.png"], entries)
        self.assertEqual(entries[0]["size"], os.path.getsize(self.root_path("real.png")))
        self.assertEqual(reply.get("count"), 1, reply)
        self.assertIs(reply.get("truncated"), False, reply)

    def test_symlinks_are_not_served(self):
        c = self.raw_client(self.server.port)
        c.hello()
        for name in ("link.png", "dirlink.png", "sub.png"):
            with self.subTest(name=name):
                reply, body = c.request("get", name=name)
                self.assertEqual(reply.get("status"), "error", "%s served: %r" % (name, reply))
                self.assertEqual(body, b"")
                self.assertEqual(c.request("stat", name=name)[0].get("status"), "error")
        self.assertEqual(c.request("get", name=".hidden.png")[0].get("code"), "invalid_name")

    def test_put_over_symlink_refused(self):
        c = self.raw_client(self.server.port)
        c.hello()
        data = make_png_bytes(6, 6, seed=15)
        reply = c.put_inline("link.png", data)
        self.assertEqual(reply.get("status"), "error", "put over a symlink: %r" % reply)
        self.assertEqual(reply.get("code"), "exists", reply)
        self.assertNotEqual(read_bytes(self.secret), data, "the symlink target was written")

    def test_list_prefix_and_limit(self):
        c = self.raw_client(self.server.port)
        c.hello()
        for n in ("cat.png", "car.png", "dog.png"):
            self.assertEqual(c.put_inline(n, make_png_bytes(4, 4, seed=len(n))).get("status"), "ok")
        reply, body = c.request("list", prefix="ca")
        self.assertEqual([e["name"] for e in json.loads(body)], ["car.png", "cat.png"])
        reply, body = c.request("list", limit=2)
        self.assertEqual([e["name"] for e in json.loads(body)], ["car.png", "cat.png"])
        self.assertIs(reply.get("truncated"), True, reply)


if __name__ == "__main__":
    unittest.main()
