"""The processes under test: imgsrv and imgsh, started, watched and stopped.

- Server: starts `imgsrv --bind 127.0.0.1 --root DIR [ARGS] PORT` on a free ephemeral
  port (retrying with another port when the chosen one was taken meanwhile), waits until
  it accepts connections, stops it with SIGTERM (SIGKILL as a last resort), reads its log;
- run_imgsh / spawn_imgsh: imgsh run to completion (stdin from a string) or started in
  the background (output to files); both give a ShellResult: exit status, stdout, stderr
  and the parsed report lines (Report);
- wait_until: every wait in the suite has a deadline; written_bytes / cpu_seconds read
  /proc for tests that act at a point of a transfer or measure a spinning loop.

Binaries come from the environment (IMGSRV, IMGSH) as set by CTest; the defaults point
into the source tree's build/ directory for running by hand. Everything binds and
connects on 127.0.0.1 only. Python 3 standard library only.
"""

import os
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import time

from files import read_bytes
from wire import HOST

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
IMGSRV = os.environ.get("IMGSRV") or os.path.join(SOURCE_ROOT, "build", "server", "imgsrv")
IMGSH = os.environ.get("IMGSH") or os.path.join(SOURCE_ROOT, "build", "shell", "imgsh")

# Bounds for every wait in the suite.
SERVER_START_TIMEOUT = 8.0  # ~5 s normally; slack for a loaded CI machine
SERVER_STOP_TIMEOUT = 5.0
SHELL_TIMEOUT = 60.0


def free_port():
    """A loopback port that was free a moment ago (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.05):
    """Polls predicate() until it is true or timeout seconds passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def written_bytes(pid):
    """Bytes a process has written so far with write(2) and friends (/proc/PID/io wchar)."""
    try:
        with open("/proc/%d/io" % pid) as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    """utime + stime of a process, in seconds, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()  # fields from the 3rd (state) on
    ticks = int(fields[11]) + int(fields[12])     # utime (14th), stime (15th)
    return ticks / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------
# imgsh's report lines: `<server_ip:port> <op> [<file>] ok <message>`
#                       `<server_ip:port> <op> [<file>] fail <code>: <message>`

REPORT_RE = re.compile(
    r"^(?P<addr>\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}) (?P<op>\S+)(?: (?P<file>.*?))? "
    r"(?P<status>ok|fail)(?: (?P<rest>.*))?$")
FAIL_REST_RE = re.compile(r"^(?P<code>[a-z_]+): ?(?P<message>.*)$")


class Report:
    def __init__(self, line, match):
        self.line = line
        self.addr = match.group("addr")
        self.op = match.group("op")
        f = match.group("file")
        if f is not None:
            f = f.strip()
            # imgsh quotes names as a POSIX shell reads them ('a b.jpg', 'it'\''s.png').
            if f.startswith("'"):
                try:
                    words = shlex.split(f)
                    f = words[0] if len(words) == 1 else f
                except ValueError:
                    pass
        self.file = f or None
        self.status = match.group("status")
        self.message = match.group("rest") or ""
        self.code = None
        if self.status == "fail":
            m = FAIL_REST_RE.match(self.message)
            if m:
                self.code = m.group("code")
                self.message = m.group("message")

    def __repr__(self):
        return "Report(%r)" % self.line


def parse_reports(stdout):
    reports = []
    for line in stdout.splitlines():
        m = REPORT_RE.match(line.rstrip("\r"))
        if m:
            reports.append(Report(line, m))
    return reports


class ShellResult:
    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        # Report lines go to stderr; stdout carries only data (ls names, stat fields).
        self.reports = parse_reports(stderr)
        self.stdout_reports = parse_reports(stdout)  # none, ever: checked by test_script_output
        # stdout lines (e.g. `ls` output), without blank lines
        self.other_lines = [l for l in stdout.splitlines() if l.strip()]

    def describe(self):
        return ("imgsh %s\n  exit status: %s\n  stdout:\n%s\n  stderr:\n%s" % (
            " ".join(self.args), self.returncode,
            _indent(self.stdout), _indent(self.stderr)))


def _indent(text, prefix="    | "):
    if not text:
        return prefix + "(empty)"
    return "\n".join(prefix + l for l in text.splitlines())


# ---------------------------------------------------------------------------------------
# imgsrv


class ServerStartError(Exception):
    pass


class Server:
    """One imgsrv process on a free loopback port (or on `port`, for a restart on the
    same address); preexec_fn runs in the child before exec (e.g. to set rlimits)."""

    def __init__(self, root, args=(), logdir=None, bind=True, port=None, preexec_fn=None):
        self.root = root
        self.args = list(args)
        self.logdir = logdir or tempfile.mkdtemp(prefix="imgsrv-log-")
        self.bind = bind
        self.fixed_port = port
        self.preexec_fn = preexec_fn
        self.proc = None
        self.port = None
        self.log_path = None
        self._log = None

    @property
    def addr(self):
        return "%s:%d" % (HOST, self.port)

    def start(self, attempts=5):
        last = ""
        for attempt in range(1 if self.fixed_port else attempts):
            port = self.fixed_port or free_port()
            self.log_path = os.path.join(self.logdir, "imgsrv-%d-%d-%d.log"
                                         % (port, attempt, int(time.monotonic() * 1000)))
            self._log = open(self.log_path, "wb")
            cmd = [IMGSRV]
            if self.bind:
                cmd += ["--bind", HOST]
            if self.root is not None:
                cmd += ["--root", self.root]
            cmd += self.args + [str(port)]
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=subprocess.STDOUT, cwd=self.root or self.logdir,
                                         preexec_fn=self.preexec_fn)
            self.port = port
            status = self._wait_ready()
            if status == "ready":
                return self
            self._log.close()
            last = self.log_text()
            if status == 2 and not self.fixed_port:  # the port was taken meanwhile: try another
                continue
            raise ServerStartError("imgsrv %s did not start (%s); log:\n%s" % (cmd, status, last))
        raise ServerStartError("imgsrv exited with status 2 on %d ports; last log:\n%s"
                               % (attempts, last))

    def _wait_ready(self):
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                return rc
            # imgsrv binds before it claims and sweeps the root, and the kernel accepts
            # into the backlog from then on: the start is over at its "listening" line.
            if "listening on" in self.log_text():
                return "ready"
            time.sleep(0.05)
        self.kill()
        return "no 'listening on' line after %.0f s" % SERVER_START_TIMEOUT

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=SERVER_STOP_TIMEOUT):
        """Sends sig and waits; returns the exit status (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        return self.proc.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def close(self):
        self.stop()
        self.kill()
        if self._log is not None:
            self._log.close()

    def log_text(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", errors="replace")

    def wait_log(self, pattern, timeout=5.0):
        """Waits until a log line matches the regex; returns the match or None."""
        rx = re.compile(pattern, re.M)
        return wait_until(lambda: rx.search(self.log_text()), timeout)


def run_imgsrv(args, cwd, timeout=8, started=None):
    """Runs an imgsrv expected to exit by itself (a refusal to start, --help); returns
    (exit status, stdout, stderr); the status is None when it was still running after
    timeout seconds (it is killed then). started(proc): as for run_imgsh."""
    cmd = [IMGSRV] + [str(a) for a in args]
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if started is not None:
        started(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=5)
        rc = None
    return rc, out.decode(errors="replace"), err.decode(errors="replace")


# ---------------------------------------------------------------------------------------
# imgsh


def feed_and_close(proc, data):
    """Writes the rest of a spawned imgsh's stdin and closes it; an imgsh that already
    exited (a stopped script) is not an error here: its exit status says so."""
    try:
        if data:
            proc.stdin.write(data)
        proc.stdin.close()
    except BrokenPipeError:
        pass


def run_imgsh(args, cwd, env, input=None, timeout=SHELL_TIMEOUT, started=None, preexec_fn=None):
    """Runs imgsh to completion; input (str) goes to its stdin. Returns a ShellResult whose
    returncode is None when imgsh did not finish within timeout (it was killed then).
    started(proc) is called as soon as the process exists (to track it for cleanup);
    preexec_fn runs in the child before exec (e.g. to die with the test's process)."""
    args = [str(a) for a in args]
    proc = subprocess.Popen([IMGSH] + args, cwd=cwd, env=env,
                            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=preexec_fn)
    if started is not None:
        started(proc)
    try:
        out, err = proc.communicate(input.encode() if input is not None else None,
                                    timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=5)
        return ShellResult(args, None, out.decode(errors="replace"), err.decode(errors="replace"))
    return ShellResult(args, proc.returncode, out.decode(errors="replace"),
                       err.decode(errors="replace"))


def spawn_imgsh(args, cwd, env, out_path, input=None, keep_stdin=False):
    """Starts imgsh without waiting; stdout goes to out_path, stderr beside it (.err).
    Returns (proc, collect) where collect(timeout) waits (killing imgsh after timeout:
    returncode None) and returns a ShellResult. stdin gets `input` and is closed, unless
    keep_stdin (then the caller writes to proc.stdin itself)."""
    args = [str(a) for a in args]
    err_path = out_path[:-4] + ".err" if out_path.endswith(".out") else out_path + ".err"
    out_f = open(out_path, "wb")
    err_f = open(err_path, "wb")
    proc = subprocess.Popen([IMGSH] + args, cwd=cwd, env=env,
                            stdin=subprocess.PIPE, stdout=out_f, stderr=err_f)
    out_f.close()
    err_f.close()
    if input is not None or not keep_stdin:
        feed_and_close(proc, (input or "").encode())

    def collect(timeout=SHELL_TIMEOUT):
        try:
            proc.wait(timeout=timeout)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
            rc = None
        return ShellResult(args, rc, read_bytes(out_path).decode(errors="replace"),
                           read_bytes(err_path).decode(errors="replace"))

    return proc, collect
