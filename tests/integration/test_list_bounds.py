"""Issue 12, server item 2: `list` holds a bounded amount whatever the root's size.

The store picks names a bounded batch at a time (as many as fit in 768 KiB per pass) and stats only those it
returns; the reply body is encoded as entries come and, past 256 KiB, spilled to an
unlinked file in the server's temporary directory and sent by sendfile, so a reader that
never reads holds no listing in the server's memory. These tests pin what a client sees:
a listing larger than one batch and than the spill threshold is complete, sorted, exact;
limits cut it exactly; non-readers stall no one and leave nothing; a listing that cannot
be spilled is refused with `internal`, and small ones still work. Memory and time figures
come from tests/bench/list_bounds_bench.py, not from here.
"""

import json
import os
import unittest

from checks import IntegrationTest
from files import listing
from images import make_png_bytes
from procs import wait_until

NAMES = 3000  # more than one batch (about 2,700 such names), and a body (about 800 KB) past the spill threshold


def long_name(i):
    return "%06d" % i + "l" * 238 + ".png"  # 248 bytes


class ListBoundsTest(IntegrationTest):
    def fill(self, count=NAMES):
        names = [long_name((i * 7919) % count) for i in range(count)]  # created out of order
        image = make_png_bytes()  # a real image: only images are listed
        for name in names:
            with open(self.root_path(name), "wb") as f:
                f.write(image)
        return sorted(names)

    def odd_entries(self):
        os.mkdir(self.root_path("dir.png"))
        os.mkfifo(self.root_path("fifo.png"))
        os.symlink("/etc/passwd", self.root_path("link.png"))
        with open(self.root_path("notes.txt"), "w") as f:
            f.write("not listed")

    def list_names(self, client, **fields):
        reply, body = client.request("list", **fields)
        self.assertEqual(reply.get("status"), "ok", reply)
        entries = json.loads(body.decode("utf-8"))
        self.assertEqual(reply["count"], len(entries))
        return reply, [e["name"] for e in entries]

    def test_a_listing_larger_than_a_batch_and_the_spill_threshold_is_complete_sorted_and_exact(self):
        names = self.fill()
        self.odd_entries()
        before = listing(self.root)
        server = self.start_server()
        c = self.raw_client(server.port, timeout=60)
        c.hello()
        reply, got = self.list_names(c)
        self.assertEqual(got, names)
        self.assertFalse(reply["truncated"])
        for limit in (1, 2807, 2808, 2809, 2999):
            reply, got = self.list_names(c, limit=limit)
            self.assertEqual(got, names[:limit], limit)
            self.assertTrue(reply["truncated"], limit)
        reply, got = self.list_names(c, limit=NAMES)
        self.assertFalse(reply["truncated"])
        reply, got = self.list_names(c, prefix="0029")
        self.assertEqual(got, [n for n in names if n.startswith("0029")])
        # The session goes on after the spilled body: the next reply is in step.
        self.assertEqual(c.request("stat", name=names[0])[0].get("status"), "ok")
        self.assertEqual(listing(self.root), before)

    def test_listers_that_never_read_stall_no_one_and_leave_nothing(self):
        names = self.fill()
        server = self.start_server()
        silent = []
        for _ in range(8):
            s = self.raw_client(server.port, timeout=60)
            s.hello()
            s.send_frame({"op": "list", "id": s.take_id()})
            silent.append(s)
        c = self.raw_client(server.port, timeout=60)
        c.hello()
        reply, got = self.list_names(c, limit=5)
        self.assertEqual(got, names[:5])
        reply, got = self.list_names(c)
        self.assertEqual(got, names)
        png = make_png_bytes(4, 4)
        self.assertEqual(c.put_inline("new.png", png).get("status"), "ok")
        for s in silent:
            s.abort()
        self.assertServerServes(server)
        self.assertEqual(listing(self.root), sorted(names + ["new.png"]))

    def test_a_listing_that_cannot_be_spilled_is_refused_internal_and_small_ones_still_work(self):
        names = self.fill()
        before = listing(self.root)
        missing = os.path.join(self.tmp, "no-such-tmpdir")
        saved = os.environ.get("TMPDIR")
        os.environ["TMPDIR"] = missing
        try:
            server = self.start_server()
        finally:
            if saved is None:
                del os.environ["TMPDIR"]
            else:
                os.environ["TMPDIR"] = saved
        c = self.raw_client(server.port, timeout=60)
        c.hello()
        reply, body = c.request("list")
        self.assertError(reply, "internal", "list of a listing that cannot be spilled")
        self.assertIn("cannot spool a large listing", reply.get("message", ""))
        self.assertEqual(body, b"")
        reply, got = self.list_names(c, limit=10)
        self.assertEqual(got, names[:10])
        self.assertEqual(listing(self.root), before)
        self.assertFalse(os.path.exists(missing))
        self.assertTrue(wait_until(lambda: "cannot spool a large listing" in server.log_text(), 5))


if __name__ == "__main__":
    unittest.main()
