"""End-to-end checksums (XXH3-128, PROTOCOL.md section 4 and the xxh3 reply field).

- A byte flipped on the way to the server: the put is refused with checksum_mismatch and
  nothing is stored (no file, no temporary); the session goes on.
- A byte flipped on the way to the client: the get fails with checksum_mismatch and no
  local file is left.
- stat and get report the xxh3 that `xxhsum -H2` prints, for uploaded files and for files
  placed in the root by hand; the server caches it in the user.imgsh.xxh3 xattr and
  notices when the file changed behind its back.
- The trailer rules on the wire: a wrong checksum, a missing trailer, a trailer alone, a
  refused put's trailer drained with its body.
"""

import os
import unittest

from flip_relay import FlipRelay
from checks import IntegrationTest
from files import listing, read_bytes, write_bytes
from images import make_png, make_png_bytes
from wire import MIB, xxh3_hex


def xattrs_supported(directory):
    probe = os.path.join(directory, ".xattr-probe")
    write_bytes(probe, b"x")
    try:
        os.setxattr(probe, "user.imgsh.probe", b"1")
        return True
    except OSError:
        return False
    finally:
        os.unlink(probe)


class IntegrityTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()
        # ~300 KB: an inline put, and a byte at offset 100,000 is well inside the body
        self.src = make_png(self.work_path("photo.png"), 300, 300, seed=41, level=1)
        self.assertGreater(os.path.getsize(self.src), 200_000)

    def flip_relay(self, direction, offset=100_000):
        relay = FlipRelay(self.server.port, direction, offset).start()
        self.on_cleanup(relay.stop)
        return relay

    def test_put_with_a_flipped_byte_is_refused_and_nothing_stored(self):
        relay = self.flip_relay("c2s")
        res = self.imgsh(relay.addr, "put", "photo.png")
        self.assertFail(res, "checksum_mismatch", op="put", file="photo.png")
        self.assertEqual(relay.flipped, 1)
        self.assertRoot([])
        # the same file through a clean path is stored whole
        self.assertOk(self.imgsh(self.server.addr, "put", "photo.png"), op="put")
        self.assertEqual(read_bytes(self.root_path("photo.png")), read_bytes(self.src))

    def test_announced_put_with_a_flipped_byte_is_refused(self):
        big = make_png(self.work_path("big.png"), 700, 700, seed=42, level=0)
        self.assertGreater(os.path.getsize(big), MIB)  # above inline_put_max: continue + data
        relay = self.flip_relay("c2s", offset=800_000)
        res = self.imgsh(relay.addr, input="put big.png\nls\n")
        self.assertEqual([(r.op, r.status, r.code) for r in res.reports],
                         [("put", "fail", "checksum_mismatch")], res.describe())
        self.assertRoot([])

    def test_get_with_a_flipped_byte_keeps_no_local_file(self):
        self.assertOk(self.imgsh(self.server.addr, "put", "photo.png", "remote.png"), op="put")
        relay = self.flip_relay("s2c")
        dest = self.mkdir("dest")
        res = self.imgsh(relay.addr, input="get remote.png %s/\nstat remote.png\n" % dest)
        self.assertEqual(relay.flipped, 1)
        self.assertEqual([(r.op, r.status, r.code) for r in res.reports],
                         [("get", "fail", "checksum_mismatch")], res.describe())
        self.assertIn("not kept", res.reports[0].message)
        self.assertEqual(listing(dest), [], "no local file, no temporary")

    def test_get_mismatch_leaves_session_usable(self):
        self.assertOk(self.imgsh(self.server.addr, "put", "photo.png", "remote.png"), op="put")
        relay = self.flip_relay("s2c")
        res = self.imgsh(relay.addr, input="-get remote.png first.png\nget remote.png second.png\n")
        self.assertEqual([(r.op, r.status, r.code) for r in res.reports],
                         [("get", "fail", "checksum_mismatch"), ("get", "ok", None)], res.describe())
        self.assertNotIn("reconnected", res.stderr)
        self.assertFalse(os.path.exists(self.work_path("first.png")))
        self.assertEqual(read_bytes(self.work_path("second.png")), read_bytes(self.src))

    def test_stat_and_get_report_xxhsum_checksum(self):
        expected = xxh3_hex(path=self.src)
        self.assertOk(self.imgsh(self.server.addr, "put", "photo.png"), op="put")
        res = self.imgsh(self.server.addr, "stat", "photo.png")
        self.assertOk(res, op="stat")
        self.assertIn("xxh3: " + expected, res.other_lines, res.describe())
        c = self.raw_client(self.server.port)
        c.hello()
        for op in ("stat", "get"):
            reply, _ = c.request(op, name="photo.png")
            self.assertEqual(reply.get("xxh3"), expected, reply)

    def test_file_placed_by_hand_is_hashed_on_demand(self):
        data = read_bytes(self.src)
        write_bytes(self.root_path("by-hand.png"), data)
        expected = xxh3_hex(path=self.root_path("by-hand.png"))
        c = self.raw_client(self.server.port)
        c.hello()
        for op in ("stat", "get", "get"):
            reply, body = c.request(op, name="by-hand.png")
            self.assertEqual(reply.get("xxh3"), expected, reply)
        self.assertEqual(body, data)
        res = self.imgsh(self.server.addr, "get", "by-hand.png")
        self.assertOk(res, op="get")
        self.assertEqual(read_bytes(self.work_path("by-hand.png")), data)

    def test_checksum_cache_in_xattr(self):
        if not xattrs_supported(self.root):
            self.skipTest("the test directory's filesystem has no user xattrs")
        self.assertOk(self.imgsh(self.server.addr, "put", "photo.png"), op="put")
        path = self.root_path("photo.png")
        entry = os.getxattr(path, "user.imgsh.xxh3").decode().split()
        st = os.stat(path)
        real = xxh3_hex(path=path)
        # What it was computed for: inode, size, mtime and ctime (ns), so a file rewritten
        # with its size and mtime put back is noticed (ctime cannot be put back).
        self.assertEqual(entry[:4], [real, str(st.st_ino), str(st.st_size), str(st.st_mtime_ns)])
        self.assertTrue(entry[4].isdigit(), entry)
        # An entry forged with the right inode, size and mtime is not believed: writing it
        # moved ctime past the one it records.
        forged = "0123456789abcdef0123456789abcdef"
        os.setxattr(path, "user.imgsh.xxh3",
                    ("%s %d %d %d %d" % (forged, st.st_ino, st.st_size, st.st_mtime_ns,
                                         st.st_ctime_ns)).encode())
        c = self.raw_client(self.server.port)
        c.hello()
        self.assertEqual(c.request("stat", name="photo.png")[0].get("xxh3"), real)
        # ...and an entry that no longer matches the file (changed by hand) is not.
        data = bytearray(read_bytes(path))
        data[-20] ^= 0xFF
        write_bytes(path, bytes(data))
        self.assertEqual(c.request("stat", name="photo.png")[0].get("xxh3"), xxh3_hex(bytes(data)))

    # -- the trailer on the wire ---------------------------------------------------------

    def raw(self):
        c = self.raw_client(self.server.port)
        c.hello()
        return c

    def test_wrong_trailer_checksum_is_refused_and_session_goes_on(self):
        c = self.raw()
        png = make_png_bytes(8, 8, seed=43)
        rid = c.take_id()
        c.send_frame({"op": "put", "id": rid, "name": "x.png", "size": len(png)}, png)
        c.send_trailer(rid, xxh3="0" * 32)
        reply, _ = c.recv_frame()
        self.assertEqual((reply.get("status"), reply.get("code")), ("error", "checksum_mismatch"), reply)
        self.assertEqual(reply.get("id"), rid)
        self.assertRoot([])
        self.assertEqual(c.put_inline("x.png", png).get("status"), "ok")
        self.assertEqual(read_bytes(self.root_path("x.png")), png)

    def test_put_without_trailer_is_bad_request_and_closed(self):
        c = self.raw()
        png = make_png_bytes(8, 8, seed=44)
        rid = c.take_id()
        c.send_frame({"op": "put", "id": rid, "name": "y.png", "size": len(png)}, png)
        c.send_frame({"op": "list", "id": c.take_id()})
        reply, _ = c.recv_frame()
        self.assertEqual((reply.get("status"), reply.get("code")), ("error", "bad_request"), reply)
        self.assertTrue(c.closed_by_peer(5))
        self.assertRootEventually([])
        self.assertServerServes(self.server)

    def test_malformed_trailers(self):
        png = make_png_bytes(8, 8, seed=45)
        for trailer in ({"xxh3": "ABCDEF0123456789ABCDEF0123456789"}, {"xxh3": "12"}, {"xxh3": 5}, {}):
            with self.subTest(trailer=trailer):
                c = self.raw()
                rid = c.take_id()
                c.send_frame({"op": "put", "id": rid, "name": "z.png", "size": len(png)}, png)
                c.send_frame(dict({"op": "checksum", "id": rid}, **trailer))
                reply, _ = c.recv_frame()
                self.assertEqual((reply.get("status"), reply.get("code")), ("error", "bad_request"), reply)
                self.assertTrue(c.closed_by_peer(5))
                self.assertRootEventually([])
        self.assertServerServes(self.server)

    def test_trailer_alone_is_bad_request(self):
        c = self.raw()
        reply, _ = c.request("checksum", xxh3="0" * 32)
        self.assertEqual((reply.get("status"), reply.get("code")), ("error", "bad_request"), reply)
        self.assertEqual(c.request("list")[0].get("status"), "ok")

    def test_refused_inline_put_drains_body_and_trailer(self):
        c = self.raw()
        png = make_png_bytes(8, 8, seed=46)
        self.assertEqual(c.put_inline("taken.png", png).get("status"), "ok")
        for name, code in (("taken.png", "exists"), ("bad.gif", "unsupported_type"),
                           ("text.png", "not_an_image")):
            with self.subTest(name=name):
                body = png if code != "not_an_image" else b"plain text, not an image\n" * 40
                reply = c.put_inline(name, body)
                self.assertEqual((reply.get("status"), reply.get("code")), ("error", code), reply)
                self.assertEqual(c.request("list")[0].get("status"), "ok", "session in step")
        self.assertRoot(["taken.png"])


if __name__ == "__main__":
    unittest.main()
