"""Faults injected many times, each run bounded (issue 4):

- imgsh SIGKILLed at random points of a put, 100 times (10 at once, through a throttling
  relay so the kills land mid-body): no partial file, no temporary, the server alive;
- 100 concurrent puts of one name from 100 connections: exactly one `ok`, 99 `exists`,
  the stored file identical to the winner's source;
- the disk filling up: a 4 MiB tmpfs as the root (root only; skipped otherwise):
  `no_space` before the body, and mid-body when the disk fills while it travels;
  temporary removed, server alive, a smaller put succeeds afterwards;
- the root as a jail: symlinks (to /etc/passwd, to a real PNG outside) are neither
  listed nor served, and files are created 0644 under umask 022.
"""

import os
import random
import signal
import stat
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (MIB, IntegrationTest, RawClient, listing, make_png, make_png_bytes,
                     read_bytes, wait_until, write_bytes, xxh3_hex)


def hidden(directory):
    return [n for n in listing(directory) if n.startswith(".")]


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
        self.assertTrue(wait_until(lambda: not hidden(self.root), 20),
                        "temporaries left: %r" % hidden(self.root))
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


class ConcurrentSameNameTest(IntegrationTest):
    CLIENTS = 100

    def test_100_concurrent_puts_of_one_name(self):
        server = self.start_server()
        sources = [make_png_bytes(64, 64, seed=700 + i) for i in range(self.CLIENTS)]
        sums = [xxh3_hex(d) for d in sources]
        clients = []
        for _ in range(self.CLIENTS):
            c = self.raw_client(server.port, timeout=60)
            c.hello()
            clients.append(c)
        barrier = threading.Barrier(self.CLIENTS)
        results = [None] * self.CLIENTS

        def put(i):
            c = clients[i]
            try:
                barrier.wait(30)
                rid = c.take_id()
                c.send_frame({"op": "put", "id": rid, "name": "race.png", "size": len(sources[i])},
                             sources[i])
                c.send_trailer(rid, xxh3=sums[i])
                reply, _ = c.recv_frame()
                results[i] = reply.get("code") or reply.get("status")
            except Exception as e:  # recorded, asserted below
                results[i] = "exception: %r" % e

        threads = [threading.Thread(target=put, args=(i,)) for i in range(self.CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(results.count("ok"), 1, results)
        self.assertEqual(results.count("exists"), self.CLIENTS - 1, results)
        winner = results.index("ok")
        self.assertRoot(["race.png"])
        self.assertEqual(read_bytes(self.root_path("race.png")), sources[winner])
        self.assertServerServes(server)


class DiskFullTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("needs root to mount a small tmpfs as the server's root")
        self.small = self.mkdir("small-root")
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", self.small],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        if res.returncode != 0:
            self.skipTest("cannot mount a tmpfs: %s" % res.stdout.decode(errors="replace").strip())
        # cleanups run last-in first-out: the server (started later) stops before the unmount
        self.addCleanup(subprocess.run, ["umount", "-l", self.small], timeout=30)
        self.server = self.start_server(root=self.small)

    def test_too_big_for_the_disk_refused_before_the_body(self):
        make_png(self.work_path("six.png"), 1200, 600, seed=62, level=0)  # ~2.2 MB
        write_bytes(os.path.join(self.small, "filler.bin"), b"\0" * (3 * MIB))
        res = self.imgsh(self.server.addr, "put", "six.png")
        self.assertFail(res, "no_space", op="put")
        self.assertRoot(["filler.bin"], root=self.small)

    def test_disk_fills_during_the_body(self):
        data = read_bytes(make_png(self.work_path("three.png"), 1000, 1000, seed=63, level=0))
        self.assertGreater(len(data), 2 * MIB)  # ~3 MB: fits when announced
        c = self.raw_client(self.server.port, timeout=30)
        c.hello()
        reply, _ = c.request("put", body_len=0, name="three.png", size=len(data))
        self.assertEqual(reply.get("status"), "continue", reply)
        c.send_frame({"op": "data", "id": reply["id"]}, data[:MIB], body_len=len(data))
        self.assertTrue(wait_until(lambda: hidden(self.small), 5))
        # meanwhile something else takes the space
        filler = os.path.join(self.small, "filler.bin")
        with open(filler, "wb") as f:
            try:
                f.write(b"\0" * (3 * MIB))
            except OSError:
                pass
        try:
            c.send_raw(data[MIB:])
            c.send_trailer(reply["id"], data)  # as a client would; the server drains it when little was left
        except OSError:
            pass  # the server may close before it read everything
        reply, _ = c.recv_frame()
        self.assertEqual((reply.get("status"), reply.get("code")), ("error", "no_space"), reply)
        self.assertRootEventually(["filler.bin"], root=self.small)
        self.assertTrue(self.server.running())
        os.unlink(filler)
        small = make_png(self.work_path("small.png"), 300, 300, seed=64, level=0)
        self.assertOk(self.imgsh(self.server.addr, "put", "small.png"), op="put")
        self.assertEqual(read_bytes(os.path.join(self.small, "small.png")), read_bytes(small))
        self.assertRoot(["small.png"], root=self.small)


class JailTest(IntegrationTest):
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

    def test_files_created_0644_under_umask_022(self):
        server = self.start_server(preexec_fn=lambda: os.umask(0o022))
        self.copy_data("tiny.png")
        self.assertOk(self.imgsh(server.addr, "put", "tiny.png"), op="put")
        mode = stat.S_IMODE(os.stat(self.root_path("tiny.png")).st_mode)
        self.assertEqual(mode, 0o644, oct(mode))

    def test_files_follow_a_stricter_umask(self):
        server = self.start_server(preexec_fn=lambda: os.umask(0o077))
        self.copy_data("tiny.png")
        self.assertOk(self.imgsh(server.addr, "put", "tiny.png"), op="put")
        mode = stat.S_IMODE(os.stat(self.root_path("tiny.png")).st_mode)
        self.assertEqual(mode, 0o600, oct(mode))


if __name__ == "__main__":
    unittest.main()
