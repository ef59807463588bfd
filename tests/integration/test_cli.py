"""Command lines, exit statuses, logs and shutdown of imgsrv and imgsh."""

import os
import re
import signal
import socket
import subprocess
import threading
import time
import unittest

from checks import IntegrationTest
from files import listing, sha256_file
from images import make_png
from procs import IMGSRV, free_port, wait_until
from wire import HOST, RawClient


class ServerCommandLineTest(IntegrationTest):
    def run_server(self, *args, timeout=10):
        """Runs imgsrv expecting it to exit by itself."""
        proc = subprocess.Popen([IMGSRV] + [str(a) for a in args], cwd=self.root,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        self._procs.append(proc)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            self.fail("imgsrv %s did not exit within %d s; stderr:\n%s"
                      % (" ".join(map(str, args)), timeout, err.decode(errors="replace")))
        return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def assertUsageError(self, *args):
        rc, out, err = self.run_server(*args)
        what = "imgsrv %s -> %s\nstdout: %r\nstderr: %r" % (" ".join(map(str, args)), rc, out, err)
        self.assertEqual(rc, 2, what)
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, "one-line error on stderr\n" + what)
        return lines[0]

    def test_bad_ports(self):
        for port in ("65536", "70000", "abc", "12x", "99999999999999999999"):
            with self.subTest(port=port):
                self.assertUsageError("--bind", HOST, "--root", self.root, port)
        self.assertRoot([])

    def test_port_in_use(self):
        with socket.socket() as s:
            s.bind((HOST, 0))
            s.listen(1)
            port = s.getsockname()[1]
            line = self.assertUsageError("--bind", HOST, "--root", self.root, port)
            self.assertIn(str(port), line, "the message names the port")

    def test_missing_root(self):
        rc, out, err = self.run_server("--bind", HOST, "--root",
                                       os.path.join(self.tmp, "does-not-exist"), free_port())
        self.assertNotEqual(rc, 0, err)
        self.assertTrue(err.strip(), "a message on stderr")

    def test_sigterm_and_sigint_exit_zero(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(sig=sig):
                server = self.start_server()
                # with an idle session open and one mid-request
                idle = self.raw_client(server.port)
                idle.hello()
                t0 = time.monotonic()
                rc = server.stop(sig, timeout=5)
                self.assertEqual(rc, 0, "exit status after %s (None: still running after 5 s)"
                                 "\nlog:\n%s" % (sig.name, server.log_text()))
                self.assertLess(time.monotonic() - t0, 5)

    def test_default_root_is_current_directory(self):
        cwd = self.mkdir("cwd-root")  # no --root: imgsrv serves its current directory
        port = free_port()
        log = open(os.path.join(self.logdir, "cwd.log"), "wb")
        proc = subprocess.Popen([IMGSRV, "--bind", HOST, str(port)], cwd=cwd,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._procs.append(proc)

        def up():
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    return True
            except OSError:
                return proc.poll() is not None

        self.assertTrue(wait_until(up, 5) and proc.poll() is None, "imgsrv did not start")
        src = make_png(self.work_path("cwd.png"), 8, 8, seed=1)
        res = self.imgsh("%s:%d" % (HOST, port), "put", "cwd.png")
        self.assertOk(res, op="put")
        self.assertEqual(listing(cwd), ["cwd.png"])
        self.assertEqual(sha256_file(src), sha256_file(os.path.join(cwd, "cwd.png")))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=5), 0)


class ServerLogTest(IntegrationTest):
    TIMESTAMP = r"\d{2}:\d{2}:\d{2}"

    def setUp(self):
        super().setUp()
        self.server = self.start_server("--log-level", "info")

    def test_startup_line(self):
        m = self.server.wait_log(r"%s.*\b%d\b" % (self.TIMESTAMP, self.server.port), 5)
        self.assertTrue(m, "startup line with a timestamp and the port\n" + self.server.log_text())
        self.assertIn(self.root, self.server.log_text(), "startup names the root")

    def summary(self, op, name, status):
        name_part = r"\[?%s\]? " % re.escape(name) if name else r"(?:\S+ )?"
        return r"^.*%s.*\b127\.0\.0\.1:(\d+) %s %s%s\b" % (self.TIMESTAMP, op, name_part, status)

    def test_summary_lines(self):
        make_png(self.work_path("logged.png"), 8, 8, seed=2)
        script = "put logged.png\nls\nstat logged.png\n-get missing.png\nget logged.png copy.png\n"
        res = self.imgsh(self.server.addr, input=script)
        self.assertExit(res, 0)
        for op, name, status in (("put", "logged.png", "ok"), ("list", None, "ok"),
                                 ("stat", "logged.png", "ok"), ("get", "missing.png", "fail"),
                                 ("get", "logged.png", "ok")):
            with self.subTest(op=op, name=name):
                m = self.server.wait_log(self.summary(op, name, status), 5)
                self.assertTrue(m, "no summary line `<client_ip:port> %s %s %s <message>`\n%s"
                                % (op, name or "", status, self.server.log_text()))
        # all of one imgsh session's requests come from one client address
        ports = set(re.findall(r"\b127\.0\.0\.1:(\d+) (?:put|list|stat|get) ",
                               self.server.log_text()))
        self.assertEqual(len(ports), 1, "imgsh keeps one connection open\n"
                         + self.server.log_text())

    def test_refusal_is_logged_with_fail(self):
        with RawClient(self.server.port) as c:
            c.hello()
            c.request("get", name="../x.png")
        m = self.server.wait_log(r"127\.0\.0\.1:\d+ get .*fail", 5)
        self.assertTrue(m, self.server.log_text())


class ShellCommandLineTest(IntegrationTest):
    def test_usage_errors_exit_2(self):
        for args in ([], ["--no-such-option", "127.0.0.1:1"], ["127.0.0.1"],
                     ["127.0.0.1:notaport"], ["127.0.0.1:0", "ls"], ["127.0.0.1:70000", "ls"]):
            with self.subTest(args=args):
                res = self.imgsh(*args, input="", timeout=15)
                self.assertExit(res, 2)
                self.assertTrue(res.stderr.strip(), "a message on stderr\n" + res.describe())

    def test_connection_refused_exits_2(self):
        port = free_port()  # nothing listens there
        for args in (["127.0.0.1:%d" % port, "ls"], ["127.0.0.1", str(port), "list"]):
            with self.subTest(args=args):
                res = self.imgsh(*args, timeout=15)
                self.assertExit(res, 2)
                self.assertTrue(res.stderr.strip() or res.stdout.strip(), res.describe())

    def test_not_an_imgsrv_server(self):
        # a peer that closes at once: imgsh reports and exits 2 (a connection error)
        with socket.socket() as s:
            s.bind((HOST, 0))
            s.listen(4)
            port = s.getsockname()[1]

            def closer():
                s.settimeout(10)
                try:
                    conn, _ = s.accept()
                    conn.close()
                except OSError:
                    pass

            t = threading.Thread(target=closer, daemon=True)
            t.start()
            res = self.imgsh("127.0.0.1:%d" % port, "ls", timeout=15)
            t.join(5)
        self.assertExit(res, 2)

    def test_unknown_command_fails(self):
        server = self.start_server()
        res = self.imgsh(server.addr, input="frobnicate x.png\n")
        self.assertNotEqual(res.returncode, 0, res.describe())
        self.assertTrue((res.stdout + res.stderr).strip(), res.describe())

    def test_bad_batch_file(self):
        server = self.start_server()
        res = self.imgsh("-b", os.path.join(self.tmp, "no-such-file"), server.addr)
        self.assertExit(res, 2)

    def test_one_shot_failure_exit_1(self):
        server = self.start_server()
        res = self.imgsh(server.addr, "get", "nope.png")
        self.assertFail(res, "not_found", op="get", file="nope.png", status=1)


if __name__ == "__main__":
    unittest.main()
