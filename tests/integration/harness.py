"""Shared helpers for the imgsh integration tests.

Everything here drives real processes on 127.0.0.1 only:

- Server: starts `imgsrv --bind 127.0.0.1 --root DIR [ARGS] PORT` on a free ephemeral
  port (retrying with another port when the chosen one was taken meanwhile), waits until
  it accepts connections, stops it with SIGTERM (SIGKILL as a last resort).
- IntegrationTest.imgsh(): runs imgsh with stdin input and captures stdout, stderr, the
  exit status and the parsed report lines.
- RawClient: speaks protocol frames directly (struct '>IQ' + JSON header + body), for
  the tests that must send what imgsh never would.
- Image makers: JPEG through `cjpeg` (baseline and progressive) from a generated PPM,
  PNG through Python's zlib (a real encoder), both seeded so files differ.

Binaries come from the environment (IMGSRV, IMGSH, IMGSH_TEST_DATA) as set by CTest; the
defaults point into the source tree's build/ directory for running by hand.
Python 3 standard library only.
"""

import errno
import hashlib
import json
import atexit
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
IMGSRV = os.environ.get("IMGSRV") or os.path.join(SOURCE_ROOT, "build", "server", "imgsrv")
IMGSH = os.environ.get("IMGSH") or os.path.join(SOURCE_ROOT, "build", "shell", "imgsh")
DATA_DIR = os.environ.get("IMGSH_TEST_DATA") or os.path.join(SOURCE_ROOT, "tests", "data")

HOST = "127.0.0.1"
MIB = 1024 * 1024
DEFAULT_INLINE_PUT_MAX = MIB  # PROTOCOL.md section 4

# Bounds for every wait in the suite.
SERVER_START_TIMEOUT = 8.0  # ~5 s normally; slack for a loaded CI machine
SERVER_STOP_TIMEOUT = 5.0
SHELL_TIMEOUT = 60.0

# ---------------------------------------------------------------------------------------
# small utilities


def free_port():
    """A loopback port that was free a moment ago (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def listing(directory):
    """Every entry of a directory, hidden ones included, sorted."""
    return sorted(os.listdir(directory))


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def wait_until(predicate, timeout, interval=0.05):
    """Polls predicate() until it is true or timeout seconds passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def data_file(name):
    return os.path.join(DATA_DIR, name)


# ---------------------------------------------------------------------------------------
# image makers


def make_ppm(width, height, seed, smooth=True):
    """A binary PPM (P6) of seeded noise over a gradient: every seed gives other bytes.
    smooth=False: pure noise (large JPEGs; also used above 250,000 pixels, for speed)."""
    rnd = random.Random(seed)
    noise = rnd.randbytes(width * height * 3)
    rows = []
    for y in range(height):
        base = (y * 255 // max(height - 1, 1) + seed) & 0xFF
        row = noise[y * width * 3:(y + 1) * width * 3]
        # Keep some structure (the gradient) so the JPEG encoder is not all noise.
        rows.append(bytes((b & 0x7F) + base >> 1 for b in row) if smooth and width * height <= 250_000 else row)
    return b"P6 %d %d 255\n" % (width, height) + b"".join(rows)


def make_jpeg(path, width=96, height=64, seed=1, progressive=False, quality=90, smooth=True):
    """A real JPEG made by cjpeg (libjpeg-turbo-progs) from a generated PPM."""
    cmd = ["cjpeg", "-quality", str(quality)]
    if progressive:
        cmd.append("-progressive")
    cmd += ["-outfile", path]
    res = subprocess.run(cmd, input=make_ppm(width, height, seed, smooth), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=60)
    if res.returncode != 0:
        raise RuntimeError("cjpeg failed: %s" % res.stderr.decode(errors="replace"))
    data = read_bytes(path)
    assert data[:3] == b"\xff\xd8\xff", "cjpeg did not write a JPEG"
    if progressive:
        assert b"\xff\xc2" in data, "cjpeg -progressive did not write a progressive JPEG"
    return path


def _png_chunk(kind, payload):
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_png(path, width=64, height=64, seed=1, level=6, pad_to=None):
    """A real RGB PNG written with Python's zlib, streamed so large files stay cheap.

    The pixels are seeded noise (incompressible, so the size is ~ width*height*3 at any
    level; level 0 or 1 keeps multi-MB files fast). pad_to: the exact total file size,
    reached with a tEXt chunk before IEND.
    """
    rnd = random.Random(seed)
    comp = zlib.compressobj(level)
    size = 0
    with open(path, "wb") as f:
        def emit(data):
            nonlocal size
            f.write(data)
            size += len(data)

        emit(PNG_SIGNATURE)
        emit(_png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        rows_per_block = max(1, (1 << 20) // (width * 3 + 1))
        y = 0
        while y < height:
            n = min(rows_per_block, height - y)
            raw = rnd.randbytes(n * width * 3)
            block = b"".join(b"\x00" + raw[i * width * 3:(i + 1) * width * 3] for i in range(n))
            out = comp.compress(block)
            if out:
                emit(_png_chunk(b"IDAT", out))
            y += n
        emit(_png_chunk(b"IDAT", comp.flush()))
        if pad_to is not None:
            payload_len = pad_to - size - 12 - 12
            keyword = b"Comment\x00"
            if payload_len < len(keyword):
                raise ValueError("pad_to %d too small for a %d-byte PNG" % (pad_to, size))
            emit(_png_chunk(b"tEXt", keyword + b"x" * (payload_len - len(keyword))))
        emit(_png_chunk(b"IEND", b""))
    if pad_to is not None:
        assert os.path.getsize(path) == pad_to
    return path


_big_pngs = {}
_big_png_dir = None


def shared_big_png(side, seed):
    """A side x side real PNG of noise in stored deflate blocks (~3*side^2 bytes: cheap to
    make), made once per process and removed at exit; tests must not modify it."""
    global _big_png_dir
    if (side, seed) not in _big_pngs:
        if _big_png_dir is None:
            _big_png_dir = tempfile.mkdtemp(prefix="imgsh-big-")
            atexit.register(shutil.rmtree, _big_png_dir, True)
        path = os.path.join(_big_png_dir, "big-%d-%d.png" % (side, seed))
        _big_pngs[(side, seed)] = make_png(path, side, side, seed=seed, level=0)
    return _big_pngs[(side, seed)]


def make_png_bytes(width=8, height=8, seed=1):
    """A small real PNG as bytes (for raw-protocol puts)."""
    rnd = random.Random(seed)
    raw = b"".join(b"\x00" + rnd.randbytes(width * 3) for _ in range(height))
    return (PNG_SIGNATURE
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(raw))
            + _png_chunk(b"IEND", b""))


# ---------------------------------------------------------------------------------------
# report lines: `<server_ip:port> <op> [<file>] ok <message>`
#               `<server_ip:port> <op> [<file>] fail <code>: <message>`

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
            # Accept `[name]`, `"name"` or `'name'` as well as a bare name.
            if len(f) >= 2 and (f[0], f[-1]) in (("[", "]"), ('"', '"'), ("'", "'")):
                f = f[1:-1]
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
        self.reports = parse_reports(stdout)
        # stdout lines that are not report lines (e.g. `ls` output), without blank lines
        self.other_lines = [l for l in stdout.splitlines()
                            if l.strip() and not REPORT_RE.match(l.rstrip("\r"))]

    def describe(self):
        return ("imgsh %s\n  exit status: %s\n  stdout:\n%s\n  stderr:\n%s" % (
            " ".join(self.args), self.returncode,
            _indent(self.stdout), _indent(self.stderr)))


def _indent(text, prefix="    | "):
    if not text:
        return prefix + "(empty)"
    return "\n".join(prefix + l for l in text.splitlines())


# ---------------------------------------------------------------------------------------
# server


def feed_and_close(proc, data):
    """Writes the rest of a spawned imgsh's stdin and closes it; an imgsh that already
    exited (a stopped script) is not an error here: its exit status says so."""
    try:
        if data:
            proc.stdin.write(data)
        proc.stdin.close()
    except BrokenPipeError:
        pass


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
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return "ready"
            except OSError:
                time.sleep(0.05)
        self.kill()
        return "not accepting connections after %.0f s" % SERVER_START_TIMEOUT

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


# ---------------------------------------------------------------------------------------
# raw protocol client


class ConnectionClosed(Exception):
    pass


class RawClient:
    """Speaks frames directly: struct.pack('>IQ', header_len, body_len) + header + body."""

    def __init__(self, port, host=HOST, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.next_id = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self):
        """Closes with a TCP reset (SO_LINGER 0), like a crashed peer."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def take_id(self):
        i = self.next_id
        self.next_id += 1
        return i

    @staticmethod
    def encode_header(header):
        if isinstance(header, (bytes, bytearray)):
            return bytes(header)
        return json.dumps(header, separators=(",", ":")).encode("utf-8")

    def send_frame(self, header, body=b"", body_len=None, header_len=None):
        hb = self.encode_header(header)
        if body_len is None:
            body_len = len(body)
        if header_len is None:
            header_len = len(hb)
        self.sock.sendall(struct.pack(">IQ", header_len, body_len) + hb + body)

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv_exact(self, n):
        chunks = []
        while n > 0:
            try:
                b = self.sock.recv(min(n, 1 << 20))
            except ConnectionResetError as e:
                raise ConnectionClosed("connection reset: %s" % e)
            if not b:
                raise ConnectionClosed("connection closed by the server")
            chunks.append(b)
            n -= len(b)
        return b"".join(chunks)

    def recv_frame_header(self):
        """Reads a frame's prefix and JSON header; returns (header dict, body_len)."""
        prefix = self.recv_exact(12)
        header_len, body_len = struct.unpack(">IQ", prefix)
        if not 1 <= header_len <= 65536:
            raise AssertionError("server sent header_len %d" % header_len)
        header = json.loads(self.recv_exact(header_len).decode("utf-8"))
        if not isinstance(header, dict):
            raise AssertionError("server sent a header that is not an object: %r" % header)
        return header, body_len

    def recv_frame(self, max_body=256 * MIB):
        header, body_len = self.recv_frame_header()
        if body_len > max_body:
            raise AssertionError("reply body of %d bytes is larger than expected" % body_len)
        return header, self.recv_exact(body_len)

    def request(self, op, body=b"", body_len=None, rid=None, **fields):
        """Sends one request and reads its reply; returns (reply header, reply body)."""
        if rid is None:
            rid = self.take_id()
        header = {"op": op, "id": rid}
        header.update(fields)
        self.send_frame(header, body, body_len)
        reply, reply_body = self.recv_frame()
        if reply.get("id") != rid and reply.get("code") not in ("bad_frame", "busy"):
            raise AssertionError("reply id %r does not echo request id %r: %r"
                                 % (reply.get("id"), rid, reply))
        return reply, reply_body

    def hello(self):
        reply, _ = self.request("hello", version=1, client="imgsh-tests/1.0")
        if reply.get("status") != "ok":
            raise AssertionError("hello refused: %r" % reply)
        return reply

    def put_inline(self, name, data):
        return self.request("put", body=data, name=name, size=len(data))[0]

    def closed_by_peer(self, timeout=5.0):
        """True if the server closes (EOF or reset) within timeout; any data is drained."""
        deadline = time.monotonic() + timeout
        drained = 0
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                b = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            except OSError as e:
                if e.errno in (errno.ECONNRESET, errno.EPIPE):
                    return True
                raise
            if not b:
                return True
            drained += len(b)
            if drained > 64 * MIB:
                return False
        return False


# ---------------------------------------------------------------------------------------
# test base class


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
        env.pop("TERM", None)
        return env

    def imgsh(self, *args, input=None, cwd=None, timeout=SHELL_TIMEOUT):
        """Runs imgsh to completion; input (str) goes to its stdin."""
        args = [str(a) for a in args]
        proc = subprocess.Popen([IMGSH] + args, cwd=cwd or self.work, env=self.shell_env(),
                                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._procs.append(proc)
        try:
            out, err = proc.communicate(input.encode() if input is not None else None,
                                        timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate(timeout=5)
            res = ShellResult(args, None, out.decode(errors="replace"), err.decode(errors="replace"))
            self.fail("imgsh did not finish within %.0f s\n%s" % (timeout, res.describe()))
        res = ShellResult(args, proc.returncode, out.decode(errors="replace"),
                          err.decode(errors="replace"))
        self.assertNoSanitizerReport(res.stderr, "imgsh stderr")
        return res

    def spawn_imgsh(self, *args, input=None, cwd=None, name="imgsh", keep_stdin=False):
        """Starts imgsh without waiting; stdout/stderr go to files. Returns (proc, finish)
        where finish(timeout) waits and returns a ShellResult. stdin gets `input` and is
        closed, unless keep_stdin (then the test writes to proc.stdin itself)."""
        args = [str(a) for a in args]
        out_path = os.path.join(self.logdir, "%s-%d.out" % (name, len(self._procs)))
        err_path = out_path[:-4] + ".err"
        out_f = open(out_path, "wb")
        err_f = open(err_path, "wb")
        proc = subprocess.Popen([IMGSH] + args, cwd=cwd or self.work, env=self.shell_env(),
                                stdin=subprocess.PIPE, stdout=out_f, stderr=err_f)
        out_f.close()
        err_f.close()
        self._procs.append(proc)
        if input is not None or not keep_stdin:
            feed_and_close(proc, (input or "").encode())

        def finish(timeout=SHELL_TIMEOUT):
            try:
                proc.wait(timeout=timeout)
                rc = proc.returncode
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
                rc = None
            res = ShellResult(args, rc, read_bytes(out_path).decode(errors="replace"),
                              read_bytes(err_path).decode(errors="replace"))
            self.assertNoSanitizerReport(res.stderr, "imgsh stderr")
            return res

        return proc, finish

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
