"""Hardening: hostile input, lost descriptors, restarts and local files that change.

Each test pins one defensive mechanism and fails against a product without it (two are
regression guards for behaviour that was already right: a list/stat/get body refused, and
a non-boolean 'truncated' ignored by `ls`):

1. a local file that shrinks mid-put: imgsh reports the put, drops the (now out of step)
   connection, reconnects, and the next put is stored whole; no trace of the first;
2. a second imgsrv on the same root refuses to start (exit 2, "already serving") without
   touching the first one's upload in progress; same for a second one on a taken port;
3. a deeply nested JSON header is a framing error (bad_frame, id 0, close);
4. hello/bye/list/stat/get carrying a body are bad_request;
5. an enormous unknown op is answered unknown_op with a short message;
6. out of descriptors, the server pauses between accept retries instead of spinning;
7. imgsh reconnects by itself after a server restart on the same port;
8. one-shot usage errors exit 2 without connecting;
9. a hostile server's malformed list reply makes imgsh fail cleanly, never crash;
10. a connection lost mid-script exits 2 and keeps no partial local file.

Everything runs on 127.0.0.1; every wait is bounded. Python 3 standard library only.
"""

import json
import os
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import unittest

from harness import (HOST, IMGSRV, MIB, IntegrationTest, RawClient, feed_and_close,
                     free_port, listing, make_png, make_png_bytes, read_bytes, sha256_file,
                     shared_big_png, wait_until)

# ---------------------------------------------------------------------------------------
# module-wide data: one ~40 MB PNG, made once


def big_png():
    """A ~40 MB real PNG shared by the module's tests."""
    return shared_big_png(3650, 777)


def link_or_copy(src, dst):
    """A hard link when possible (cheap, same bytes; never truncate such a copy)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    return dst


def cpu_seconds(pid):
    """utime + stime of a process, in seconds, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()  # fields from the 3rd (state) on
    ticks = int(fields[11]) + int(fields[12])     # utime (14th), stime (15th)
    return ticks / os.sysconf("SC_CLK_TCK")


def hidden_entries(root):
    return [n for n in listing(root) if n.startswith(".")]


# ---------------------------------------------------------------------------------------
# ---------------------------------------------------------------------------------------
# a hostile fake server: answers hello properly, then list with whatever the test says


def _recv_exact(sock, n):
    chunks = []
    while n > 0:
        b = sock.recv(min(n, 1 << 16))
        if not b:
            raise ConnectionError("peer closed")
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


class FakeServer:
    HELLO_LIMITS = {"max_file_size": 0, "inline_put_max": MIB, "max_header": 65536}

    def __init__(self, list_header, list_body, lifetime=20.0):
        """list_header: a dict (merged into {"id": N, "status": "ok"}) or raw bytes (then
        sent as the header as is); list_body: bytes."""
        self.list_header = list_header
        self.list_body = list_body
        self.lifetime = lifetime
        self.ops = []
        self.errors = []
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((HOST, 0))
        self._listener.listen(8)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._run, name="fake-imgsrv", daemon=True)

    @property
    def addr(self):
        return "%s:%d" % (HOST, self.port)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            self._listener.close()
        except OSError:
            pass

    def _send(self, conn, header, body=b""):
        hb = header if isinstance(header, bytes) else json.dumps(header).encode()
        conn.sendall(struct.pack(">IQ", len(hb), len(body)) + hb + body)

    def _run(self):
        deadline = time.monotonic() + self.lifetime
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self._serve(conn)
                except (OSError, ConnectionError, ValueError) as e:
                    self.errors.append(repr(e))

    def _serve(self, conn):
        while not self._stop.is_set():
            try:
                prefix = _recv_exact(conn, 12)
            except ConnectionError:
                return
            header_len, body_len = struct.unpack(">IQ", prefix)
            header = json.loads(_recv_exact(conn, header_len).decode())
            if body_len:
                _recv_exact(conn, body_len)
            op, rid = header.get("op"), header.get("id")
            self.ops.append(op)
            if op == "hello":
                self._send(conn, {"id": rid, "status": "ok", "server": "fake/0.0",
                                  "version": 1, "limits": self.HELLO_LIMITS})
            elif op == "list":
                if isinstance(self.list_header, bytes):
                    self._send(conn, self.list_header.replace(b"@ID@", str(rid).encode()),
                               self.list_body)
                else:
                    h = {"id": rid, "status": "ok"}
                    h.update(self.list_header)
                    self._send(conn, h, self.list_body)
            elif op == "bye":
                self._send(conn, {"id": rid, "status": "ok"})
                return
            else:
                self._send(conn, {"id": rid, "status": "error", "code": "unknown_op",
                                  "message": "fake server"})


# ---------------------------------------------------------------------------------------


class HardeningBase(IntegrationTest):
    def run_imgsrv(self, *args, timeout=8):
        """Runs an imgsrv expected to exit by itself; returns (rc, stdout, stderr)."""
        cmd = [IMGSRV] + [str(a) for a in args]
        proc = subprocess.Popen(cmd, cwd=self.tmp, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._procs.append(proc)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate(timeout=5)
            self.fail("%s did not exit within %d s (it is serving?)\nstdout: %r\nstderr: %r"
                      % (" ".join(cmd), timeout, out.decode(errors="replace"),
                         err.decode(errors="replace")))
        return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def assertError(self, reply, code, what=""):
        self.assertEqual(reply.get("status"), "error", "%s: %r" % (what, reply))
        self.assertEqual(reply.get("code"), code, "%s: %r" % (what, reply))
        self.assertIsInstance(reply.get("message"), str, "%s: %r" % (what, reply))

    def assertSessionGoesOn(self, c, what=""):
        reply, body = c.request("list")
        self.assertEqual(reply.get("status"), "ok", "%s: list after it: %r" % (what, reply))
        self.assertIsInstance(json.loads(body.decode("utf-8")), list)


# 1 -------------------------------------------------------------------------------------


class ShrinkingLocalFileTest(HardeningBase):
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


# 2 -------------------------------------------------------------------------------------


class SecondServerOnSameRootTest(HardeningBase):
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


# 3, 4, 5 -------------------------------------------------------------------------------


class HostileFramesTest(HardeningBase):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()

    def test_deeply_nested_header_is_bad_frame(self):
        depth = 30000
        header = b'{"a":' + b"[" * depth + b"]" * depth + b"}"
        self.assertLessEqual(len(header), 65536)
        c = self.raw_client(self.server.port)
        c.hello()
        c.send_frame(header)
        reply, body = c.recv_frame()
        self.assertEqual(reply.get("id"), 0, reply)
        self.assertError(reply, "bad_frame", "deeply nested header")
        self.assertEqual(body, b"")
        self.assertTrue(c.closed_by_peer(5), "the server closes after a framing error")
        self.assertTrue(self.server.running(), self.server.log_text())
        self.assertServerServes(self.server)
        self.assertRoot([])

    def test_hello_with_body_is_refused_and_closed(self):
        c = self.raw_client(self.server.port)
        c.send_frame({"op": "hello", "id": 1, "version": 1, "client": "t"}, b"abcd")
        reply, _ = c.recv_frame()
        self.assertEqual(reply.get("id"), 1, reply)
        self.assertError(reply, "bad_request", "hello with a body")
        self.assertTrue(c.closed_by_peer(5), "no session after a hello with a body")
        self.assertServerServes(self.server)

    def test_bye_with_body_is_refused_and_session_goes_on(self):
        c = self.raw_client(self.server.port)
        c.hello()
        reply, _ = c.request("bye", body=b"abcd")
        self.assertError(reply, "bad_request", "bye with a body")
        self.assertSessionGoesOn(c, "bye with a body")

    def test_list_stat_get_with_body_are_refused(self):
        c = self.raw_client(self.server.port)
        c.hello()
        png = make_png_bytes(8, 8, seed=31)
        self.assertEqual(c.put_inline("there.png", png).get("status"), "ok")
        for op, fields in (("list", {}), ("stat", {"name": "there.png"}),
                           ("get", {"name": "there.png"})):
            with self.subTest(op=op):
                reply, body = c.request(op, body=b"wxyz", **fields)
                self.assertError(reply, "bad_request", "%s with a body" % op)
                self.assertEqual(body, b"")
                self.assertSessionGoesOn(c, "%s with a body" % op)
        self.assertRoot(["there.png"])
        self.assertEqual(read_bytes(self.root_path("there.png")), png)

    def test_huge_unknown_op(self):
        c = self.raw_client(self.server.port)
        c.hello()
        op = "o" * 65000
        reply, _ = c.request(op)
        self.assertError(reply, "unknown_op", "65000-byte op")
        self.assertLess(len(reply["message"].encode("utf-8")), 200, reply["message"][:300])
        self.assertSessionGoesOn(c, "65000-byte op")
        self.assertTrue(self.server.running())


# 6 -------------------------------------------------------------------------------------


class DescriptorExhaustionTest(HardeningBase):
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
        t0 = time.monotonic()
        res = self.imgsh(server.addr, "ls", timeout=10)
        self.assertOk(res, op="list")
        self.assertLess(time.monotonic() - t0, 5, "ls took too long after the flood")
        self.assertTrue(server.running())


# 7 -------------------------------------------------------------------------------------


class ReconnectAfterRestartTest(HardeningBase):
    def test_reconnects_to_restarted_server(self):
        first = self.start_server()
        port = first.port
        proc, finish = self.spawn_imgsh(first.addr, name="restart", keep_stdin=True)
        proc.stdin.write(b"ls\n")
        proc.stdin.flush()

        def first_report_seen():  # imgsh's stdout goes to logdir/restart-N.out
            outs = [os.path.join(self.logdir, n) for n in os.listdir(self.logdir)
                    if n.startswith("restart-") and n.endswith(".out")]
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


# 8 -------------------------------------------------------------------------------------


class UsageErrorsDoNotConnectTest(HardeningBase):
    def test_one_shot_usage_errors_exit_2_without_connecting(self):
        server = self.start_server()
        time.sleep(0.1)
        connected = lambda: len(re.findall(r" connected$", server.log_text(), re.M))
        before = connected()
        for args in (("get",), ("frobnicate",), ("put",), ("stat", "a.png", "b.png")):
            with self.subTest(args=args):
                res = self.imgsh(server.addr, *args, timeout=10)
                self.assertExit(res, 2)
                self.assertEqual(res.reports, [], res.describe())
                self.assertTrue(res.stderr.strip(), "a usage message\n" + res.describe())
        time.sleep(0.3)
        self.assertEqual(connected(), before,
                         "a usage error connected to the server:\n" + server.log_text())


# 9 -------------------------------------------------------------------------------------


class HostileServerTest(HardeningBase):
    def fake(self, list_header, list_body):
        srv = FakeServer(list_header, list_body).start()
        self.on_cleanup(srv.stop)
        return srv

    def test_non_boolean_truncated_does_not_crash(self):
        body = json.dumps([{"name": "a.png", "size": 1, "mtime": 0}]).encode()
        srv = self.fake({"count": 1, "truncated": "yes"}, body)
        res = self.imgsh(srv.addr, "ls", timeout=15)
        self.assertGreaterEqual(res.returncode, 0, "imgsh died of a signal\n" + res.describe())
        # a non-boolean 'truncated' is not true: the listing itself is fine
        self.assertOk(res, op="list")
        self.assertEqual(res.other_lines, ["a.png"], res.describe())
        self.assertIn("list", srv.ops, srv.errors)

    def test_deeply_nested_list_body_is_bad_frame(self):
        depth = 10000
        srv = self.fake({"count": 1, "truncated": False}, b"[" * depth + b"]" * depth)
        res = self.imgsh(srv.addr, "ls", timeout=15)
        self.assertGreaterEqual(res.returncode, 0, "imgsh died of a signal\n" + res.describe())
        self.assertFail(res, "bad_frame", op="list", status=1)
        self.assertEqual(len(res.reports), 1, res.describe())

    def test_deeply_nested_reply_header_is_bad_frame(self):
        depth = 30000
        header = (b'{"id":@ID@,"status":"ok","count":0,"truncated":false,"x":'
                  + b"[" * depth + b"]" * depth + b"}")
        srv = self.fake(header, b"[]")
        res = self.imgsh(srv.addr, "ls", timeout=15)
        self.assertGreaterEqual(res.returncode, 0, "imgsh died of a signal\n" + res.describe())
        self.assertFail(res, "bad_frame", op="list", status=1)
        self.assertEqual(len(res.reports), 1, res.describe())


# 10 ------------------------------------------------------------------------------------


class ConnectionLostMidScriptTest(HardeningBase):
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
        self.assertEqual(listing(dl), [], "partial local file left behind\n" + res.describe())


if __name__ == "__main__":
    unittest.main()
