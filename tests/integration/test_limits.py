"""Timeouts and limits (server/session_watchdog.hpp): a silent, slow or stalled client
cannot hold a session for ever, a crowd of them does not delay a fresh client, and the
server stays usable at its session and descriptor limits.

- idle: a session with no request for --idle-timeout gets `timeout` (id 0), then close;
- header: a frame started but not finished within --header-timeout gets `timeout`, and
  a byte now and then does not extend it (slowloris);
- a put body that stalls for --body-timeout: `timeout`, temporary removed;
- a get whose client stops reading: the session ends after --body-timeout;
- a slow transfer that keeps moving is not cut;
- 300 slowloris connections: a fresh client's `ls` still completes, all 300 get `timeout`;
- --max-sessions: the session over the limit gets `busy` (id 0) and a close; a slot frees
  up after bye;
- out of descriptors, the server pauses between accept retries instead of spinning, and
  serves again once the flood is gone.
"""

import os
import resource
import socket
import struct
import subprocess
import threading
import time
import unittest

from checks import IntegrationTest
from files import listing, read_bytes
from images import make_png
from procs import IMGSRV, cpu_seconds, wait_until
from wire import RawClient


class LimitsBase(IntegrationTest):
    def assertTimeoutThenClose(self, c, within):
        c.sock.settimeout(within)
        reply, _ = c.recv_frame()
        self.assertEqual((reply.get("status"), reply.get("code"), reply.get("id")),
                         ("error", "timeout", 0), reply)
        self.assertTrue(c.closed_by_peer(5), "closed after the timeout reply")
        return reply


class TimeoutTest(LimitsBase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server("--idle-timeout", "1", "--header-timeout", "1",
                                        "--body-timeout", "1")

    def test_idle_session_gets_timeout(self):
        c = self.raw_client(self.server.port)
        c.hello()
        start = time.monotonic()
        reply = self.assertTimeoutThenClose(c, 15)
        self.assertGreaterEqual(time.monotonic() - start, 0.9)
        self.assertIn("no request", reply.get("message"))
        self.assertTrue(self.server.wait_log(r"timed out \(idle\)"), self.server.log_text())

    def test_connection_without_hello_gets_timeout(self):
        c = self.raw_client(self.server.port)
        self.assertTimeoutThenClose(c, 15)

    def test_slow_header_gets_timeout_despite_trickle(self):
        c = self.raw_client(self.server.port)
        frame = struct.pack(">IQ", 40, 0) + b'{"op":"hello","id":1,"version":1,"cl'
        start = time.monotonic()
        for i in range(6):  # a byte every 0.3 s: 1.8 s, well past the 1 s limit
            try:
                c.send_raw(frame[i:i + 1])
            except OSError:
                break
            time.sleep(0.3)
        reply = self.assertTimeoutThenClose(c, 15)
        self.assertIn("header", reply.get("message"))
        self.assertLess(time.monotonic() - start, 10)

    def test_stalled_put_body_gets_timeout_and_leaves_nothing(self):
        data = read_bytes(make_png(self.work_path("big.png"), 800, 800, seed=51, level=0))
        c = self.raw_client(self.server.port)
        c.hello()
        reply, _ = c.request("put", body_len=0, name="stall.png", size=len(data))
        self.assertEqual(reply.get("status"), "continue", reply)
        c.send_frame({"op": "data", "id": reply["id"]}, data[:len(data) // 2], body_len=len(data))
        self.assertTrue(wait_until(lambda: listing(self.root), 5), "a temporary mid-put")
        self.assertTimeoutThenClose(c, 15)
        self.assertRootEventually([])
        self.assertTrue(self.server.wait_log(r"put stall\.png fail timeout"), self.server.log_text())
        self.assertServerServes(self.server)

    def test_slow_but_moving_put_is_not_cut(self):
        data = read_bytes(make_png(self.work_path("slow.png"), 200, 200, seed=52, level=0))
        c = self.raw_client(self.server.port)
        c.hello()
        rid = c.take_id()
        c.send_frame({"op": "put", "id": rid, "name": "slow.png", "size": len(data)}, b"",
                     body_len=len(data))
        piece = len(data) // 5 + 1
        for i in range(0, len(data), piece):  # 5 pieces, 0.3 s apart: 1.5 s > the 1 s limit
            c.send_raw(data[i:i + piece])
            time.sleep(0.3)
        c.send_trailer(rid, data)
        reply, _ = c.recv_frame()
        self.assertEqual(reply.get("status"), "ok", reply)
        self.assertEqual(read_bytes(self.root_path("slow.png")), data)

    def test_get_to_a_client_that_stops_reading_ends(self):
        big = make_png(self.root_path("big.png"), 2048, 2048, seed=53, level=0)  # ~12 MB
        c = self.raw_client(self.server.port)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.hello()
        c.send_frame({"op": "get", "id": 2, "name": "big.png"})
        # read nothing: the server's sendfile stalls, the watchdog ends the session
        self.assertTrue(self.server.wait_log(r"get big\.png fail timeout", timeout=20),
                        self.server.log_text())
        self.assertServerServes(self.server)
        self.assertTrue(os.path.exists(big))


class TimeoutOptionsTest(IntegrationTest):
    def test_timeouts_must_be_positive(self):
        for option in ("--header-timeout", "--idle-timeout", "--body-timeout"):
            for value in ("0", "-1", "soon"):
                with self.subTest(option=option, value=value):
                    res = subprocess.run([IMGSRV, option, value, "7070"], stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, timeout=10)
                    self.assertEqual(res.returncode, 2, res.stderr)
                    self.assertIn(option, res.stderr.decode())

    def test_help_lists_timeouts_and_no_fsync(self):
        res = subprocess.run([IMGSRV, "--help"], stdout=subprocess.PIPE, timeout=10)
        text = res.stdout.decode()
        for option in ("--header-timeout SECONDS:POSITIVE=10", "--idle-timeout SECONDS:POSITIVE=300",
                       "--body-timeout SECONDS:POSITIVE=30", "--no-fsync"):
            self.assertIn(option, text)


class SlowlorisTest(LimitsBase):
    CROWD = 300

    def test_slowloris_crowd_does_not_delay_a_fresh_client(self):
        # The crowd and the fresh client share 127.0.0.1: lift the per-address cap,
        # so this measures the header timeout alone (test_silent_clients tests the cap).
        server = self.start_server("--header-timeout", "3", "--max-sessions-per-address", "1024")
        self.copy_data("tiny.png")
        self.assertOk(self.imgsh(server.addr, "put", "tiny.png"), op="put")
        crowd = []
        for _ in range(self.CROWD):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(b"\x00")  # a frame started...
            crowd.append(s)
        self.on_cleanup(lambda: [s.close() for s in crowd])
        stop = threading.Event()

        def trickle():  # ...and continued a byte per second
            while not stop.wait(1.0):
                for s in crowd:
                    try:
                        s.send(b"\x00")
                    except OSError:
                        pass
        t = threading.Thread(target=trickle, daemon=True)
        t.start()
        self.on_cleanup(stop.set)
        start = time.monotonic()
        res = self.imgsh(server.addr, "ls", timeout=30)
        elapsed = time.monotonic() - start
        self.assertOk(res, op="list")
        self.assertEqual(res.other_lines, ["tiny.png"])
        self.assertLess(elapsed, 20, "a fresh client's ls took %.1f s" % elapsed)
        # every member of the crowd is told `timeout` and closed
        timed_out = 0
        for s in crowd:
            s.settimeout(20)
            buf = b""
            try:
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    buf += b
            except OSError:
                pass
            if b'"code":"timeout"' in buf:
                timed_out += 1
        stop.set()
        t.join(5)
        self.assertEqual(timed_out, self.CROWD)
        self.assertServerServes(server)


class SessionLimitTest(IntegrationTest):
    def test_session_limit_busy(self):
        server = self.start_server("--max-sessions", "2", root=self.mkdir("root-busy"))
        a = self.raw_client(server.port)
        a.hello()
        # A slot is freed only once the server has seen its connection close, which a
        # slow (sanitizer) server may not have yet: retry b until then.
        second = []

        def second_session():
            client = RawClient(server.port, timeout=5)
            try:
                client.hello()
            except Exception:
                client.close()
                return False
            self.on_cleanup(client.close)
            second.append(client)
            return True

        self.assertTrue(wait_until(second_session, 10, interval=0.2), "a second session is accepted")
        c = self.raw_client(server.port, timeout=5)
        c.sock.settimeout(3)
        try:
            reply, _ = c.recv_frame()
        except Exception:  # the server may wait for the first request
            c.sock.settimeout(5)
            c.send_frame({"op": "hello", "id": 1, "version": 1, "client": "third"})
            reply, _ = c.recv_frame()
        self.assertError(reply, "busy", "third session over --max-sessions 2")
        self.assertEqual(reply.get("id"), 0, reply)
        self.assertTrue(c.closed_by_peer(5))
        # once a session ends, a new one is accepted
        a.request("bye")
        a.close()

        def serves():
            try:
                with RawClient(server.port, timeout=3) as d:
                    d.hello()
                    return True
            except Exception:
                return False

        self.assertTrue(wait_until(serves, 5, interval=0.2), "a slot frees up after bye")


class DescriptorExhaustionTest(IntegrationTest):
    def test_accept_failures_pause_instead_of_spinning(self):
        def low_fd_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))

        server = self.start_server(preexec_fn=low_fd_limit)
        pid = server.proc.pid
        clients = []
        try:
            for _ in range(60):
                clients.append(RawClient(server.port, timeout=5))
            cpu0 = cpu_seconds(pid)
            t0 = time.monotonic()
            time.sleep(1.0)
            cpu = cpu_seconds(pid) - cpu0
            elapsed = time.monotonic() - t0
            log = server.log_text()
            failures = log.count("accept failed")
            self.assertTrue(server.running(), "imgsrv died out of descriptors:\n" + log[-3000:])
            self.assertGreaterEqual(failures, 1, "the descriptor limit was never reached "
                                    "(no 'accept failed' line):\n" + log[-3000:])
            self.assertLessEqual(failures, 30, "%d 'accept failed' lines in ~%.1f s: the "
                                 "accept loop spins\n%s" % (failures, elapsed, log[-2000:]))
            self.assertLess(cpu, 0.5, "imgsrv used %.2f s of CPU in %.2f s while out of "
                            "descriptors" % (cpu, elapsed))
        finally:
            for c in clients:
                c.close()
        # 40 descriptors leave room for one session (the start-up warning says so):
        # the flood's last session may hold it until the server reads its close.
        self.assertTrue(server.wait_log(r"serving at most 1 sessions"), server.log_text()[-2000:])
        t0 = time.monotonic()
        res = wait_until(lambda: (lambda r: r if r.returncode == 0 else None)(self.imgsh(server.addr, "ls", timeout=10)),
                         5, interval=0.2)
        self.assertIsNotNone(res, "ls did not get in within 5 s after the flood")
        self.assertOk(res, op="list")
        self.assertLess(time.monotonic() - t0, 5, "ls took too long after the flood")
        self.assertTrue(server.running())


if __name__ == "__main__":
    unittest.main()
