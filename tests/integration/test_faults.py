"""Connections lost mid-transfer leave nothing behind (DESIGN.md requirement 5).

- a client gone mid-upload (raw client closing or resetting mid-body, imgsh killed with
  SIGKILL mid-upload): no file and no temporary in the root, the server keeps serving;
- the server killed with SIGKILL mid-download: imgsh fails with connection_lost and
  keeps no partial local file.

Throttling relays (stammer_relay.StammerRelay with large pieces and fixed delays) slow
the transfers down so the tests can act mid-way, deterministically, on loopback.
"""

import os
import shutil
import signal
import time
import unittest

from harness import (MIB, IntegrationTest, RawClient, feed_and_close, listing, make_png,
                     read_bytes, sha256_file, shared_big_png, wait_until)



def big_png():
    """One ~50 MB real PNG, shared by the module's tests."""
    return shared_big_png(4096, 4242)


class FaultsBase(IntegrationTest):
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
        seen = wait_until(lambda: self.hidden_entries(), 5)
        self.assertTrue(seen, "no hidden temporary in the root mid-upload: %r" % listing(self.root))
        self.assertNotIn(name, listing(self.root), "partial file visible under its name")
        return c

    def hidden_entries(self, root=None):
        return [n for n in listing(root or self.root) if n.startswith(".")]

    def assertServerStillWorks(self):
        self.assertTrue(self.server.running(), "imgsrv died:\n" + self.server.log_text())
        self.assertServerServes(self.server)


class ClientLostMidUploadTest(FaultsBase):
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
        self.assertServerStillWorks()
        # the name is free again: a complete upload of it succeeds
        small = make_png(self.work_path("half.png"), 32, 32, seed=3)
        self.assertOk(self.imgsh(self.server.addr, "put", "half.png"), op="put")
        self.assertRoot(["half.png"])
        self.assertEqual(sha256_file(small), sha256_file(self.root_path("half.png")))

    def test_raw_client_resets_mid_announced_body(self):
        self.announced_put_partial("reset.png", 20 * MIB, reset=True)
        self.assertRootEventually([], timeout=5)
        self.assertServerStillWorks()

    def test_raw_client_closes_mid_inline_body(self):
        data = read_bytes(make_png(self.work_path("inline.png"), 500, 500, seed=4, level=1))
        self.assertLess(len(data), MIB)
        with RawClient(self.server.port) as c:
            c.hello()
            c.send_frame({"op": "put", "id": 2, "name": "inline.png", "size": len(data)},
                         data[:len(data) // 3], body_len=len(data))
            time.sleep(0.3)
        self.assertRootEventually([], timeout=5)
        self.assertServerStillWorks()

    def test_raw_client_closes_mid_header(self):
        with RawClient(self.server.port) as c:
            c.hello()
            c.send_raw(b"\x00\x00\x01\x00" + b"\0" * 8 + b'{"op":"put","id":2,"na')
            time.sleep(0.2)
        self.assertRootEventually([], timeout=5)
        self.assertServerStillWorks()

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
        stale = self.hidden_entries()
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
        _copy(self.big_png, local)
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "put", "huge.png", name="killed-put")
        got_going = wait_until(lambda: relay.bytes_c2s > 2 * MIB and self.hidden_entries(), 20)
        self.assertTrue(got_going, "upload did not get going: %d bytes relayed, root %r"
                        % (relay.bytes_c2s, listing(self.root)))
        self.assertIsNone(proc.poll(), "imgsh finished too early")
        proc.send_signal(signal.SIGKILL)
        res = finish(10)
        self.assertEqual(res.returncode, -signal.SIGKILL)
        self.assertRootEventually([], timeout=5)
        self.assertServerStillWorks()

    def test_network_cut_mid_upload(self):
        local = os.path.join(self.work, "huge.png")
        _copy(self.big_png, local)
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "put", "huge.png", name="cut-put")
        got_going = wait_until(lambda: relay.bytes_c2s > 2 * MIB and self.hidden_entries(), 20)
        self.assertTrue(got_going, "upload did not get going")
        relay.cut_all()
        res = finish(30)
        self.assertIn(res.returncode, (1, 2), res.describe())
        self.assertFail(res, "connection_lost", op="put", file="huge.png",
                        status=res.returncode)
        self.assertRootEventually([], timeout=5)
        self.assertEqual(listing(self.work), ["huge.png"], "imgsh left files locally")
        self.assertServerStillWorks()


class ServerLostMidDownloadTest(FaultsBase):
    def setUp(self):
        super().setUp()
        _copy(self.big_png, self.root_path("huge.png"))
        self.dl = self.mkdir("download")

    def start_download(self):
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "get", "huge.png", cwd=self.dl,
                                        name="get")
        got_going = wait_until(lambda: relay.bytes_s2c > 2 * MIB, 20)
        self.assertTrue(got_going, "download did not get going: %d bytes relayed"
                        % relay.bytes_s2c)
        self.assertIsNone(proc.poll(), "imgsh finished too early")
        return relay, proc, finish

    def assertNothingKeptLocally(self, res):
        self.assertEqual(listing(self.dl), [],
                         "partial or temporary local file left behind\n" + res.describe())

    def test_server_killed_mid_download(self):
        relay, proc, finish = self.start_download()
        self.server.proc.send_signal(signal.SIGKILL)
        self.server.proc.wait(timeout=5)
        res = finish(30)
        self.assertIsNotNone(res.returncode, "imgsh hung after the server died")
        self.assertNotEqual(res.returncode, 0, res.describe())
        self.assertIn(res.returncode, (1, 2), res.describe())
        self.assertFail(res, "connection_lost", op="get", file="huge.png",
                        status=res.returncode)
        self.assertNothingKeptLocally(res)

    def test_server_killed_mid_download_direct(self):
        # No relay: freeze imgsh (SIGSTOP) once it has written a few MB of the download
        # (/proc/PID/io wchar), kill the server, let imgsh go on: it sees a short body.
        proc, finish = self.spawn_imgsh(self.server.addr, "get", "huge.png", cwd=self.dl,
                                        name="get-direct")
        caught = False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            if _wchar(proc.pid) > 4 * MIB:
                proc.send_signal(signal.SIGSTOP)
                caught = True
                break
        try:
            if not caught or proc.poll() is not None:
                self.skipTest("the download finished before it could be interrupted")
            self.server.proc.send_signal(signal.SIGKILL)
            self.server.proc.wait(timeout=5)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
        res = finish(30)
        if res.returncode == 0:
            # The rest of the body was already in the socket buffers: it must be whole.
            self.assertEqual(listing(self.dl), ["huge.png"])
            self.assertEqual(sha256_file(os.path.join(self.dl, "huge.png")),
                             sha256_file(self.big_png))
            return
        self.assertFail(res, "connection_lost", op="get", file="huge.png",
                        status=res.returncode)
        self.assertNothingKeptLocally(res)

    def test_network_cut_mid_download(self):
        relay, proc, finish = self.start_download()
        relay.cut_all()
        res = finish(30)
        self.assertIn(res.returncode, (1, 2), res.describe())
        self.assertFail(res, "connection_lost", op="get", file="huge.png",
                        status=res.returncode)
        self.assertNothingKeptLocally(res)
        self.assertServerStillWorks()
        self.assertRoot(["huge.png"])

    def test_imgsh_killed_mid_download(self):
        relay, proc, finish = self.start_download()
        proc.send_signal(signal.SIGKILL)
        finish(10)
        # the server notices and goes on; its file is untouched
        self.assertServerStillWorks()
        self.assertRoot(["huge.png"])
        self.assertEqual(sha256_file(self.root_path("huge.png")), sha256_file(self.big_png))


class ServerLostBetweenCommandsTest(FaultsBase):
    def test_server_killed_between_commands(self):
        make_png(self.work_path("one.png"), 16, 16, seed=1)
        make_png(self.work_path("two.png"), 16, 16, seed=2)
        proc, finish = self.spawn_imgsh(self.server.addr, name="session", keep_stdin=True)
        proc.stdin.write(b"put one.png\n")
        proc.stdin.flush()
        self.assertTrue(wait_until(lambda: "one.png" in listing(self.root), 10),
                        "first put did not happen")
        time.sleep(0.3)
        self.server.proc.send_signal(signal.SIGKILL)
        self.server.proc.wait(timeout=5)
        feed_and_close(proc, b"put two.png\nls\n")
        res = finish(30)
        self.assertIn(res.returncode, (1, 2), res.describe())
        self.assertGreaterEqual(len(res.reports), 1, res.describe())
        self.assertEqual(res.reports[0].status, "ok", res.describe())
        # imgsh may notice the loss while idle or when it runs the next command; either
        # way no command after the loss succeeds, and a failure says connection_lost.
        self.assertLessEqual(len(res.reports), 2, "the batch stops at the failure\n"
                             + res.describe())
        if len(res.reports) == 2:
            self.assertFail(res, "connection_lost", op="put", file="two.png",
                            status=res.returncode)
        else:
            self.assertIn("connection", (res.stdout + res.stderr).lower(), res.describe())

def _wchar(pid):
    """Bytes a process has written so far with write(2) and friends."""
    try:
        with open("/proc/%d/io" % pid) as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _same_fs(a, b):
    return os.stat(a).st_dev == os.stat(b).st_dev


def _copy(src, dst):
    if _same_fs(src, os.path.dirname(dst)):
        os.link(src, dst)  # hard link: cheap, same bytes
    else:
        shutil.copyfile(src, dst)


if __name__ == "__main__":
    unittest.main()
