"""imgsh when its server or network goes away, and the server when imgsh does:

- mid-download (the server SIGKILLed, through a relay and directly; the network cut;
  in a one-shot command and in a script): imgsh fails with connection_lost (a script
  exits 2) and keeps what arrived only as a hidden partial for reget (test_reget.py);
- imgsh SIGKILLed mid-download: the server goes on, its file untouched;
- the server lost between two commands of a session: no command after the loss
  succeeds, the batch stops;
- the server restarted on the same port: imgsh reconnects by itself.

Throttling relays (stammer_relay.StammerRelay) slow the transfers down so the tests can
act mid-way, deterministically, on loopback.
"""

import os
import signal
import time
import unittest

from checks import IntegrationTest
from files import link_or_copy, listing, read_bytes, sha256_file
from images import make_png, shared_big_png
from partials import assert_only_partial
from procs import feed_and_close, wait_until, written_bytes
from wire import MIB


def big_png():
    """One ~50 MB real PNG, shared by the module's tests."""
    return shared_big_png(4096, 4242)


class SessionFaultsBase(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.big_png = big_png()
        self.server = self.start_server()


class ServerLostMidDownloadTest(SessionFaultsBase):
    def setUp(self):
        super().setUp()
        link_or_copy(self.big_png, self.root_path("huge.png"))
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
        """Nothing under the file's name: at most the hidden partial for reget."""
        self.assertNotIn("huge.png", listing(self.dl), res.describe())
        assert_only_partial(self, self.dl, "huge.png", self.big_png)

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
            if written_bytes(proc.pid) > 4 * MIB:
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
        self.assertServerAlive(self.server)
        self.assertRoot(["huge.png"])

    def test_imgsh_killed_mid_download(self):
        relay, proc, finish = self.start_download()
        proc.send_signal(signal.SIGKILL)
        finish(10)
        # the server notices and goes on; its file is untouched
        self.assertServerAlive(self.server)
        self.assertRoot(["huge.png"])
        self.assertEqual(sha256_file(self.root_path("huge.png")), sha256_file(self.big_png))


class ConnectionLostMidScriptTest(IntegrationTest):
    def test_server_killed_mid_download_in_a_script_exits_2(self):
        server = self.start_server()
        link_or_copy(big_png(), self.root_path("big.png"))
        dl = self.mkdir("download")
        relay = self.throttle(server.port)
        proc, finish = self.spawn_imgsh(relay.addr, input="ls\nget big.png\n", cwd=dl,
                                        name="script-get")
        going = wait_until(lambda: relay.bytes_s2c > 2 * MIB or proc.poll() is not None, 20)
        self.assertTrue(going and proc.poll() is None,
                        "download did not get going (%d bytes relayed, imgsh status %r)"
                        % (relay.bytes_s2c, proc.poll()))
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=5)
        res = finish(30)
        self.assertIsNotNone(res.returncode, "imgsh hung after the server died")
        self.assertEqual([(r.op, r.status) for r in res.reports],
                         [("list", "ok"), ("get", "fail")], res.describe())
        self.assertFail(res, "connection_lost", op="get", file="big.png", status=2)
        assert_only_partial(self, dl, "big.png", big_png())


class ServerLostBetweenCommandsTest(SessionFaultsBase):
    def test_server_killed_between_commands(self):
        make_png(self.work_path("one.png"), 16, 16, seed=1)
        make_png(self.work_path("two.png"), 16, 16, seed=2)
        proc, finish = self.spawn_imgsh(self.server.addr, name="session", keep_stdin=True)
        proc.stdin.write(b"put one.png\n")
        proc.stdin.flush()
        self.assertTrue(wait_until(lambda: "one.png" in listing(self.root), 10),
                        "first put did not happen")

        # The name appears at the rename; the reply follows the checksum xattr and the
        # directory's fsync. The server dies only once imgsh has reported the put.
        def first_put_reported():
            outs = [os.path.join(self.logdir, n) for n in os.listdir(self.logdir) if n.startswith("session-")]
            return any(b" put one.png ok" in read_bytes(p) for p in outs)

        self.assertTrue(wait_until(first_put_reported, 20), "imgsh did not report the first put")
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


class ReconnectAfterRestartTest(IntegrationTest):
    def test_reconnects_to_restarted_server(self):
        first = self.start_server()
        port = first.port
        proc, finish = self.spawn_imgsh(first.addr, name="restart", keep_stdin=True)
        proc.stdin.write(b"ls\n")
        proc.stdin.flush()

        def first_report_seen():  # imgsh's stderr (its report lines) goes to logdir/restart-N.err
            outs = [os.path.join(self.logdir, n) for n in os.listdir(self.logdir)
                    if n.startswith("restart-") and n.endswith(".err")]
            return any(b" list " in read_bytes(p) for p in outs)

        seen = wait_until(first_report_seen, 10)
        self.assertTrue(seen, "no report for the first ls; server log:\n" + first.log_text())
        self.assertEqual(first.stop(signal.SIGTERM), 0, first.log_text())
        second = self.start_server(port=port)
        feed_and_close(proc, b"ls\n")
        res = finish(20)
        self.assertOk(res, op="list", reports=2)
        self.assertIn("reconnected", res.stderr, res.describe())
        self.assertRegex(second.log_text(), r" list ok", "the second ls reached the new server")


if __name__ == "__main__":
    unittest.main()
