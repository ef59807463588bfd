"""The base of every integration test: IntegrationTest, a per-test fixture and the checks
the tests share.

Per test: a temporary directory with root/ (the server's), work/ (imgsh's cwd), home/
(imgsh's HOME) and log/; every server, imgsh, relay and raw client started through the
fixture is stopped at the end, and every server log and imgsh stderr is checked for
sanitizer reports. Assertions: imgsh's exit status and report lines (assertOk,
assertFail), the root's exact contents (assertRoot: no hidden temporaries either), a
server that still serves, and error replies read with a RawClient (assertError).

A new test file typically needs:
    from checks import IntegrationTest          # self.start_server(), self.imgsh(), self.raw_client()
    from images import make_png, make_png_bytes # real images
    from wire import RawClient, MIB             # frames by hand, outside a fixture
Python 3 standard library only.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from files import listing, sha256_file
from images import data_file
from procs import (IMGSH, IMGSRV, SHELL_TIMEOUT, Server, run_imgsh, run_imgsrv, spawn_imgsh,
                   wait_until)
from wire import RawClient


class IntegrationTest(unittest.TestCase):
    """Per test: a temporary directory with root/ (the server's), work/ (imgsh's cwd)."""

    maxDiff = None

    def setUp(self):
        for what, path in (("IMGSRV", IMGSRV), ("IMGSH", IMGSH)):
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                self.fail("%s binary not found at %s (set %s)" % (what, path, what))
        self.tmp = tempfile.mkdtemp(prefix="imgsh-it-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.root = self.mkdir("root")
        self.work = self.mkdir("work")
        self.home = self.mkdir("home")
        self.logdir = self.mkdir("log")
        self._procs = []
        self._servers = []
        self._closers = []
        self.addCleanup(self._kill_everything)

    def tearDown(self):
        self._kill_everything()
        for server in self._servers:
            self.assertNoSanitizerReport(server.log_text(), "imgsrv log")

    # Sanitizer builds (make asan / make tsan) report to stderr and carry on or
    # exit; either way the test must fail, so every process's stderr is checked.
    SANITIZER_MARKS = ("ERROR: AddressSanitizer", "WARNING: ThreadSanitizer", "runtime error:",
                       "ERROR: LeakSanitizer")

    def assertNoSanitizerReport(self, text, who):
        for mark in self.SANITIZER_MARKS:
            if mark in text:
                start = text.index(mark)
                self.fail("%s has a sanitizer report:\n%s" % (who, text[max(0, start - 200):start + 3000]))

    def _kill_everything(self):
        for c in reversed(self._closers):
            try:
                c()
            except Exception:
                pass
        self._closers = []
        for p in self._procs:
            if p.poll() is None:
                try:
                    p.kill()
                except ProcessLookupError:
                    pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for s in self._servers:
            s.close()

    def on_cleanup(self, fn):
        self._closers.append(fn)

    def throttle(self, target_port, piece=16384, delay=0.01):
        """A relay to target_port forwarding ~piece/delay bytes per second, dropping hard on
        close: slows a transfer down so a test can act mid-way."""
        from stammer_relay import StammerRelay
        relay = StammerRelay(target_port, min_piece=piece, max_piece=piece, min_delay=delay,
                             max_delay=delay, abort_on_close=True, max_lifetime=60,
                             sock_buf=64 * 1024)
        relay.start()
        self.on_cleanup(relay.stop)
        return relay

    # -- paths -------------------------------------------------------------------------

    def mkdir(self, *parts):
        path = os.path.join(self.tmp, *parts)
        os.makedirs(path, exist_ok=True)
        return path

    def work_path(self, name):
        return os.path.join(self.work, name)

    def root_path(self, name, root=None):
        return os.path.join(root or self.root, name)

    def copy_data(self, name, dest_dir=None, dest_name=None):
        dest = os.path.join(dest_dir or self.work, dest_name or name)
        shutil.copyfile(data_file(name), dest)
        return dest

    # -- processes ---------------------------------------------------------------------

    def start_server(self, *args, root=None, bind=True, port=None, preexec_fn=None):
        server = Server(self.root if root is None else root, args, logdir=self.logdir, bind=bind,
                        port=port, preexec_fn=preexec_fn)
        self._servers.append(server)
        server.start()
        return server

    def shell_env(self):
        env = dict(os.environ)
        env["HOME"] = self.home
        env.pop("XDG_STATE_HOME", None)  # imgsh's history and targets go under the test's HOME
        env.pop("XDG_CONFIG_HOME", None)  # and its config file (named hosts) too
        env.pop("TERM", None)
        return env

    def imgsh(self, *args, input=None, cwd=None, timeout=SHELL_TIMEOUT):
        """Runs imgsh to completion; input (str) goes to its stdin."""
        res = run_imgsh(args, cwd or self.work, self.shell_env(), input=input, timeout=timeout,
                        started=self._procs.append)
        if res.returncode is None:
            self.fail("imgsh did not finish within %.0f s\n%s" % (timeout, res.describe()))
        self.assertNoSanitizerReport(res.stderr, "imgsh stderr")
        return res

    def spawn_imgsh(self, *args, input=None, cwd=None, name="imgsh", keep_stdin=False):
        """Starts imgsh without waiting; stdout/stderr go to files in the log directory
        (NAME-N.out, NAME-N.err). Returns (proc, finish) where finish(timeout) waits and
        returns a ShellResult. stdin gets `input` and is closed, unless keep_stdin (then
        the test writes to proc.stdin itself)."""
        out_path = os.path.join(self.logdir, "%s-%d.out" % (name, len(self._procs)))
        proc, collect = spawn_imgsh(args, cwd or self.work, self.shell_env(), out_path,
                                    input=input, keep_stdin=keep_stdin)
        self._procs.append(proc)

        def finish(timeout=SHELL_TIMEOUT):
            res = collect(timeout)
            self.assertNoSanitizerReport(res.stderr, "imgsh stderr")
            return res

        return proc, finish

    def run_imgsrv(self, *args, timeout=8):
        """Runs an imgsrv expected to exit by itself (a refusal to start, --help); returns
        (exit status, stdout, stderr); fails the test if it is still running after timeout."""
        rc, out, err = run_imgsrv(args, self.tmp, timeout=timeout, started=self._procs.append)
        if rc is None:
            self.fail("%s did not exit within %d s (it is serving?)\nstdout: %r\nstderr: %r"
                      % (" ".join([IMGSRV] + [str(a) for a in args]), timeout, out, err))
        return rc, out, err

    def raw_client(self, port, timeout=10.0):
        client = RawClient(port, timeout=timeout)
        self.on_cleanup(client.close)
        return client

    # -- assertions --------------------------------------------------------------------

    def assertExit(self, res, status):
        self.assertEqual(res.returncode, status,
                         "expected exit status %s\n%s" % (status, res.describe()))

    def single_report(self, res, op=None):
        self.assertEqual(len(res.reports), 1,
                         "expected exactly one report line\n%s" % res.describe())
        r = res.reports[0]
        if op is not None:
            self.assertEqual(r.op, op, "report op\n%s" % res.describe())
        return r

    def assertOk(self, res, op=None, file=None, server=None, reports=1):
        """Exit status 0 and `reports` report lines, all ok (the last checked for op/file)."""
        self.assertExit(res, 0)
        self.assertEqual(len(res.reports), reports,
                         "expected %d report line(s)\n%s" % (reports, res.describe()))
        for r in res.reports:
            self.assertEqual(r.status, "ok", "report line not ok\n%s" % res.describe())
            if server is not None:
                self.assertEqual(r.addr, server.addr if hasattr(server, "addr") else server,
                                 "report line must start with the server address\n%s"
                                 % res.describe())
        r = res.reports[-1]
        if op is not None:
            self.assertEqual(r.op, op, "report op\n%s" % res.describe())
        if file is not None:
            self.assertEqual(r.file, file, "report file\n%s" % res.describe())
        return r

    def assertFail(self, res, code, op=None, file=None, status=1):
        """Exit status `status` and the last report line is `fail <code>: ...`."""
        self.assertExit(res, status)
        self.assertTrue(res.reports, "expected a report line\n%s" % res.describe())
        r = res.reports[-1]
        self.assertEqual(r.status, "fail", "report status\n%s" % res.describe())
        self.assertEqual(r.code, code, "report code\n%s" % res.describe())
        if op is not None:
            self.assertEqual(r.op, op, "report op\n%s" % res.describe())
        if file is not None:
            self.assertEqual(r.file, file, "report file\n%s" % res.describe())
        return r

    def assertRoot(self, expected, root=None, msg=None):
        """The root holds exactly these names: no hidden temporaries, nothing else."""
        self.assertEqual(listing(root or self.root), sorted(expected), msg)

    def assertRootEventually(self, expected, timeout=5.0, root=None):
        root = root or self.root
        wait_until(lambda: listing(root) == sorted(expected), timeout)
        self.assertEqual(listing(root), sorted(expected),
                         "root directory after %.0f s" % timeout)

    def assertSameFile(self, a, b):
        self.assertEqual(sha256_file(a), sha256_file(b), "%s and %s differ" % (a, b))

    def assertServerServes(self, server):
        """A fresh client can say hello and list."""
        with RawClient(server.port) as c:
            c.hello()
            reply, body = c.request("list")
            self.assertEqual(reply.get("status"), "ok", reply)
            self.assertIsInstance(json.loads(body.decode("utf-8")), list)

    def assertServerAlive(self, server):
        """Still running (not crashed by what the test did), and serves a fresh client."""
        self.assertTrue(server.running(), "imgsrv died:\n" + server.log_text())
        self.assertServerServes(server)

    # -- assertions on replies read with a RawClient ------------------------------------

    def assertError(self, reply, code, what=""):
        """An error reply with this code and a message for a person."""
        self.assertEqual(reply.get("status"), "error", "%s: %r" % (what, reply))
        self.assertEqual(reply.get("code"), code, "%s: %r" % (what, reply))
        self.assertIsInstance(reply.get("message"), str, "%s: %r" % (what, reply))

    def assertSessionGoesOn(self, c, what=""):
        """The session still answers: list is ok and its body is a JSON array."""
        reply, body = c.request("list")
        self.assertEqual(reply.get("status"), "ok", "%s: list after it: %r" % (what, reply))
        self.assertIsInstance(json.loads(body.decode("utf-8")), list)
