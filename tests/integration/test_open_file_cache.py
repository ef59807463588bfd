"""The server keeps small files open between gets (server/open_file_cache.hpp, issue 16).

The cache must stay exact: after a file was served (and so kept open), every change to
what the name holds is seen by the next get on the same session:
- another file renamed over the name by hand: its bytes and its checksum;
- the file rewritten in place by hand with the same size and its mtime put back: the new
  bytes (ctime moved);
- the file deleted by hand: not_found; a FIFO or a directory put in its place: not_found;
- the file deleted through the protocol (rm): not_found, and a new put under the name is
  served, not the old one.
Every reply's body is compared with the file on disk and its xxh3 with the bytes'.
"""

import os
import unittest

from checks import IntegrationTest
from files import read_bytes, write_bytes
from images import make_png_bytes
from wire import xxh3_hex


class OpenFileCacheTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server("--allow-delete")
        self.first = make_png_bytes(16, 16, seed=1)
        self.path = self.root_path("icon.png")
        write_bytes(self.path, self.first)
        self.c = self.raw_client(self.server.port)
        self.c.hello()

    def get(self, name="icon.png"):
        return self.c.request("get", name=name)

    def assertServes(self, data, name="icon.png"):
        reply, body = self.get(name)
        self.assertEqual(reply.get("status"), "ok", reply)
        self.assertEqual(body, data)
        self.assertEqual(reply.get("xxh3"), xxh3_hex(data))
        self.assertEqual(reply.get("size"), len(data))

    def serve_twice(self):
        self.assertServes(self.first)
        self.assertServes(self.first)  # from the cache now

    def test_a_file_renamed_over_the_name_is_served(self):
        self.serve_twice()
        other = make_png_bytes(20, 20, seed=2)
        write_bytes(self.root_path("other.tmp"), other)
        os.rename(self.root_path("other.tmp"), self.path)
        self.assertServes(other)
        self.assertRoot(["icon.png"])

    def test_a_file_rewritten_in_place_with_its_size_and_mtime_kept_is_served_anew(self):
        self.serve_twice()
        st = os.stat(self.path)
        changed = bytearray(self.first)
        changed[-20] ^= 0xFF  # inside the IDAT data: still a PNG header, other bytes
        with open(self.path, "r+b") as f:
            f.write(bytes(changed))
        os.utime(self.path, ns=(st.st_atime_ns, st.st_mtime_ns))
        self.assertEqual(os.stat(self.path).st_size, st.st_size)
        self.assertEqual(os.stat(self.path).st_ino, st.st_ino)
        self.assertServes(bytes(changed))

    def test_a_file_deleted_by_hand_is_not_found(self):
        self.serve_twice()
        os.unlink(self.path)
        reply, body = self.get()
        self.assertError(reply, "not_found")
        self.assertEqual(body, b"")
        self.assertSessionGoesOn(self.c)

    def test_a_fifo_or_directory_in_its_place_is_not_found(self):
        self.serve_twice()
        os.unlink(self.path)
        os.mkfifo(self.path)
        self.assertError(self.get()[0], "not_found")
        os.unlink(self.path)
        os.mkdir(self.path)
        self.assertError(self.get()[0], "not_found")
        self.assertSessionGoesOn(self.c)

    def test_rm_then_put_serves_the_new_file(self):
        self.serve_twice()
        reply, _ = self.c.request("delete", name="icon.png")
        self.assertEqual(reply.get("status"), "ok", reply)
        self.assertError(self.get()[0], "not_found")
        new = make_png_bytes(24, 24, seed=3)
        reply = self.c.put_inline("icon.png", new)
        self.assertEqual(reply.get("status"), "ok", reply)
        self.assertServes(new)
        self.assertEqual(read_bytes(self.path), new)
        self.assertRoot(["icon.png"])


if __name__ == "__main__":
    unittest.main()
