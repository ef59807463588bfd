"""An upload cut short anywhere leaves nothing in the store (DESIGN.md requirement 5): no
file under its name, no temporary in the root, and the server keeps serving.

- the client gone mid-upload: a raw client closing or resetting mid-body or mid-header,
  imgsh killed with SIGKILL mid-upload (once, and 100 times at random points, 10 at
  once), the network cut under imgsh;
- the server stopped mid-upload: SIGTERM removes the temporary and exits 0; after SIGKILL
  the temporary is never listed and the next start removes it;
- the local file shrinking mid-put: imgsh reports the put, drops the (now out of step)
  connection, reconnects, and the next put is stored whole.

Throttling relays (stammer_relay.StammerRelay with large pieces and fixed delays) slow
the transfers down so the tests can act mid-way, deterministically, on loopback.
"""

import os
import random
import shutil
import signal
import time
import unittest

from checks import IntegrationTest
from files import hidden_entries, link_or_copy, listing, read_bytes, sha256_file
from images import make_png, shared_big_png
from procs import wait_until
from wire import MIB, RawClient


def big_png():
    """One ~50 MB real PNG, shared by the module's tests."""
    return shared_big_png(4096, 4242)


class UploadFaultsBase(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.big_png = big_png()
        self.server = self.start_server()

    def begin_partial_put(self, name, sent_bytes):
        """A raw client that announced a put of the big PNG and sent `sent_bytes` of it;
        the server's hidden temporary exists and nothing is visible under `name`."""
        size = os.path.getsize(self.big_png)
        c = self.raw_client(self.server.port)
        c.hello()
        reply, _ = c.request("put", body_len=0, name=name, size=size)
        self.assertEqual(reply.get("status"), "continue", reply)
        c.send_frame({"op": "data", "id": reply["id"]}, body_len=size)
        with open(self.big_png, "rb") as f:
            left = sent_bytes
            while left > 0:
                block = f.read(min(left, MIB))
                c.send_raw(block)
                left -= len(block)
        seen = wait_until(lambda: hidden_entries(self.root), 5)
        self.assertTrue(seen, "no hidden temporary in the root mid-upload: %r" % listing(self.root))
        self.assertNotIn(name, listing(self.root), "partial file visible under its name")
        return c


class UploadCutShortTest(UploadFaultsBase):
    def announced_put_partial(self, name, sent_bytes, reset=False):
        c = self.begin_partial_put(name, sent_bytes)
        if reset:
            c.abort()
        else:
            c.close()

    def test_raw_client_closes_mid_announced_body(self):
        self.announced_put_partial("half.png", 10 * MIB)
        self.assertRootEventually([], timeout=5)
        # the request that died mid-way still gets its summary line
        self.assertTrue(self.server.wait_log(r"put half\.png fail connection_lost", 5),
                        self.server.log_text())
        self.assertServerAlive(self.server)
        # the name is free again: a complete upload of it succeeds
        small = make_png(self.work_path("half.png"), 32, 32, seed=3)
        self.assertOk(self.imgsh(self.server.addr, "put", "half.png"), op="put")
        self.assertRoot(["half.png"])
        self.assertEqual(sha256_file(small), sha256_file(self.root_path("half.png")))

    def test_raw_client_resets_mid_announced_body(self):
        self.announced_put_partial("reset.png", 20 * MIB, reset=True)
        self.assertRootEventually([], timeout=5)
        self.assertServerAlive(self.server)

    def test_raw_client_closes_mid_inline_body(self):
        data = read_bytes(make_png(self.work_path("inline.png"), 500, 500, seed=4, level=1))
        self.assertLess(len(data), MIB)
        with RawClient(self.server.port) as c:
            c.hello()
            c.send_frame({"op": "put", "id": 2, "name": "inline.png", "size": len(data)},
                         data[:len(data) // 3], body_len=len(data))
            time.sleep(0.3)
        self.assertRootEventually([], timeout=5)
        self.assertServerAlive(self.server)

    def test_raw_client_closes_mid_header(self):
        with RawClient(self.server.port) as c:
            c.hello()
            c.send_raw(b"\x00\x00\x01\x00" + b"\0" * 8 + b'{"op":"put","id":2,"na')
            time.sleep(0.2)
        self.assertRootEventually([], timeout=5)
        self.assertServerAlive(self.server)

    def test_server_terminated_mid_upload(self):
        # SIGTERM while a body is half sent: exit 0 within a few seconds, no temporary left
        self.begin_partial_put("interrupted.png", 4 * MIB)
        t0 = time.monotonic()
        rc = self.server.stop(signal.SIGTERM, timeout=10)
        self.assertEqual(rc, 0, "imgsrv exit status after SIGTERM (None: still running "
                         "after 10 s)\n" + self.server.log_text())
        self.assertLess(time.monotonic() - t0, 8, "shutdown took too long")
        self.assertRoot([], msg="temporary left after shutdown")

    def test_server_killed_mid_upload_then_restarted(self):
        # SIGKILL leaves the hidden temporary behind (nothing can clean up); it is
        # never listed, no partial file is published, and the next start removes it.
        self.begin_partial_put("crashed.png", 4 * MIB)
        self.server.kill()
        stale = hidden_entries(self.root)
        self.assertEqual(len(stale), 1, listing(self.root))
        self.assertNotIn("crashed.png", listing(self.root))
        restarted = self.start_server()
        self.assertTrue(restarted.wait_log(r"removed 1 stale temporary", 5), restarted.log_text())
        self.assertRoot([], msg="stale temporary not removed at start-up")
        res = self.imgsh(restarted.addr, "ls")
        self.assertOk(res, op="list")
        self.assertNotIn("crashed.png", res.stdout)

    def test_imgsh_killed_mid_upload(self):
        local = os.path.join(self.work, "huge.png")
        link_or_copy(self.big_png, local)
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "put", "huge.png", name="killed-put")
        got_going = wait_until(lambda: relay.bytes_c2s > 2 * MIB and hidden_entries(self.root), 20)
        self.assertTrue(got_going, "upload did not get going: %d bytes relayed, root %r"
                        % (relay.bytes_c2s, listing(self.root)))
        self.assertIsNone(proc.poll(), "imgsh finished too early")
        proc.send_signal(signal.SIGKILL)
        res = finish(10)
        self.assertEqual(res.returncode, -signal.SIGKILL)
        self.assertRootEventually([], timeout=5)
        self.assertServerAlive(self.server)

    def test_network_cut_mid_upload(self):
        local = os.path.join(self.work, "huge.png")
        link_or_copy(self.big_png, local)
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "put", "huge.png", name="cut-put")
        got_going = wait_until(lambda: relay.bytes_c2s > 2 * MIB and hidden_entries(self.root), 20)
        self.assertTrue(got_going, "upload did not get going")
        relay.cut_all()
        res = finish(30)
        self.assertIn(res.returncode, (1, 2), res.describe())
        self.assertFail(res, "connection_lost", op="put", file="huge.png",
                        status=res.returncode)
        self.assertRootEventually([], timeout=5)
        self.assertEqual(listing(self.work), ["huge.png"], "imgsh left files locally")
        self.assertServerAlive(self.server)


class KillDuringPutTest(IntegrationTest):
    KILLS = 100
    AT_ONCE = 10

    def test_imgsh_killed_at_random_points_of_a_put(self):
        server = self.start_server()
        src = make_png(self.work_path("src.png"), 2000, 2000, seed=61, level=0)  # ~12 MB
        # ~6.5 MB/s per connection: a put takes ~2 s (the first few MB vanish into
        # socket buffers at once), so kills in [0, 1.2] s land before and during the body
        relay = self.throttle(server.port, piece=65536, delay=0.01)
        rnd = random.Random(4)
        names = []
        for batch in range(self.KILLS // self.AT_ONCE):
            procs = []
            for i in range(self.AT_ONCE):
                name = "k-%03d.png" % (batch * self.AT_ONCE + i)
                names.append(name)
                proc, _ = self.spawn_imgsh(relay.addr, "put", "src.png", name, name="kill-%s" % name)
                procs.append((proc, rnd.uniform(0.0, 1.2)))
            start = time.monotonic()
            for proc, at in sorted(procs, key=lambda p: p[1]):
                time.sleep(max(0.0, start + at - time.monotonic()))
                proc.send_signal(signal.SIGKILL)
            for proc, _ in procs:
                proc.wait(timeout=10)
        self.assertTrue(wait_until(lambda: not hidden_entries(self.root), 20),
                        "temporaries left: %r" % hidden_entries(self.root))
        stored = [n for n in listing(self.root) if n in names]
        self.assertEqual(sorted(listing(self.root)), sorted(stored), "only whole puts' names")
        data = read_bytes(src)
        for name in stored:  # a kill after the reply: the file is there, and whole
            self.assertEqual(read_bytes(self.root_path(name)), data, name)
        self.assertTrue(server.running(), server.log_text()[-3000:])
        self.assertServerServes(server)
        print("\n%d kills: %d mid-transfer (nothing stored), %d after the put completed"
              % (self.KILLS, self.KILLS - len(stored), len(stored)))
        self.assertGreater(self.KILLS - len(stored), self.KILLS // 2, "most kills land mid-put")


class ShrinkingLocalFileTest(IntegrationTest):
    def test_file_truncated_mid_put_then_next_put_is_whole(self):
        server = self.start_server()
        big = self.work_path("big.png")
        shutil.copyfile(big_png(), big)  # a real copy: it gets truncated
        size = os.path.getsize(big)
        self.assertGreater(size, 35 * MIB)
        small = make_png(self.work_path("small.png"), 40, 40, seed=11)
        relay = self.throttle(server.port, piece=65536, delay=0.005)
        proc, finish = self.spawn_imgsh(relay.addr, input="-put big.png\nput small.png\nls\n",
                                        name="shrink")
        going = wait_until(lambda: relay.bytes_c2s > 3 * MIB or proc.poll() is not None, 20)
        self.assertTrue(going and proc.poll() is None,
                        "upload did not get going (%d bytes relayed, imgsh status %r)"
                        % (relay.bytes_c2s, proc.poll()))
        os.truncate(big, size // 2)
        res = finish(25)
        self.assertIsNotNone(res.returncode, "imgsh hung after the local file shrank\n"
                             + res.describe())
        self.assertExit(res, 0)  # the failing line had '-'
        self.assertEqual([(r.op, r.file, r.status) for r in res.reports],
                         [("put", "big.png", "fail"), ("put", "small.png", "ok"),
                          ("list", None, "ok")], res.describe())
        self.assertEqual(res.reports[0].code, "local_error", res.describe())
        self.assertIn("reconnected", res.stderr, res.describe())
        self.assertEqual(res.other_lines, ["small.png"], "ls output\n" + res.describe())
        self.assertRootEventually(["small.png"], timeout=5)
        self.assertSameFile(small, self.root_path("small.png"))
        self.assertTrue(server.running(), server.log_text())
        self.assertServerServes(server)


if __name__ == "__main__":
    unittest.main()
