"""How files land in the store: exclusively, whole, with sane modes, or not at all.

- 100 concurrent puts of one name from 100 connections: exactly one `ok`, 99 `exists`,
  the stored file identical to the winner's source;
- the disk filling up (a 4 MiB tmpfs as the root; root only, skipped otherwise):
  `no_space` before the body, and mid-body when the disk fills while it travels;
  temporary removed, server alive, a smaller put succeeds afterwards;
- files are created 0644 under umask 022, and follow a stricter umask;
- a second imgsrv on the same root refuses to start (exit 2, "already serving"), and on
  a taken port too, without touching the first one's upload in progress, which then
  completes and publishes.
"""

import os
import stat
import subprocess
import threading
import unittest

from checks import IntegrationTest
from files import hidden_entries, listing, read_bytes, sha256_file, write_bytes
from images import make_png, make_png_bytes
from procs import free_port, wait_until
from wire import HOST, MIB, xxh3_hex


class ConcurrentSameNameTest(IntegrationTest):
    CLIENTS = 100

    def test_100_concurrent_puts_of_one_name(self):
        # 100 sessions from 127.0.0.1: above the default cap per address (64).
        server = self.start_server("--max-sessions-per-address", "200")
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
        self.assertTrue(wait_until(lambda: hidden_entries(self.small), 5))
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


class FileModeTest(IntegrationTest):
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


class SecondServerOnSameRootTest(IntegrationTest):
    def test_second_server_refuses_and_upload_in_progress_survives(self):
        existing = make_png(self.root_path("existing.png"), 16, 16, seed=21)
        existing_sha = sha256_file(existing)
        first = self.start_server()
        data = read_bytes(make_png(self.work_path("up.png"), 1200, 1200, seed=22, level=0))
        self.assertGreater(len(data), 4 * MIB)
        c = self.raw_client(first.port)
        c.hello()
        reply, _ = c.request("put", body_len=0, name="up.png", size=len(data))
        self.assertEqual(reply.get("status"), "continue", reply)
        c.send_frame({"op": "data", "id": reply["id"]}, body_len=len(data))
        half = len(data) // 2
        c.send_raw(data[:half])
        temps = wait_until(lambda: hidden_entries(self.root), 5)
        self.assertTrue(temps, "no temporary mid-upload: %r" % listing(self.root))

        # a second imgsrv on the same root, another port: refuses, deletes nothing
        rc, out, err = self.run_imgsrv("--bind", HOST, "--root", self.root, free_port())
        what = "second imgsrv on the same root -> %s\nstdout: %r\nstderr: %r" % (rc, out, err)
        self.assertEqual(rc, 2, what)
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, "one-line message\n" + what)
        self.assertIn("already serving", lines[0], what)
        self.assertEqual(hidden_entries(self.root), temps, "temporary touched\n" + what)

        # a second imgsrv on the first one's port, same root: exit 2, temporary kept
        rc, out, err = self.run_imgsrv("--bind", HOST, "--root", self.root, first.port)
        what = "second imgsrv on a taken port -> %s\nstdout: %r\nstderr: %r" % (rc, out, err)
        self.assertEqual(rc, 2, what)
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, "one-line message\n" + what)
        self.assertIn("in use", lines[0], what)
        self.assertEqual(hidden_entries(self.root), temps, "temporary deleted\n" + what)

        # the first server's upload completes and publishes
        self.assertTrue(first.running(), first.log_text())
        c.send_raw(data[half:])
        c.send_trailer(reply["id"], data)
        reply, _ = c.recv_frame()
        self.assertEqual(reply.get("status"), "ok", "%r\nlog:\n%s" % (reply, first.log_text()))
        self.assertEqual(reply.get("size"), len(data), reply)
        self.assertRoot(["existing.png", "up.png"])
        self.assertEqual(read_bytes(self.root_path("up.png")), data)
        self.assertEqual(sha256_file(existing), existing_sha)
        self.assertServerServes(first)


if __name__ == "__main__":
    unittest.main()
