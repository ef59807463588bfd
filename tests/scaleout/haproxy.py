"""HAProxy in front of several imgsrv, for tests: a generated config, started and stopped by PID.

mode tcp (imgsh's frames pass through untouched, and so does TLS: imgsrv terminates it
itself), round robin over N backends, and a health check that speaks the protocol: it
sends one `ping` request frame and expects an `ok` reply frame (PROTOCOL.md section 1):

    request  u32 BE header_len | u64 BE body_len = 0 | {"op":"ping","id":1}
    reply    u32 BE header_len | u64 BE body_len = 0 | {..."status":"ok"...}

The bytes are computed here from that layout (ping_frame()) and written into the config as
`tcp-check send-binary`; the reply is matched with `tcp-check expect rbinary`, a regular
expression over the reply in hex, because HAProxy's `string` matching stops at the first
NUL byte and every frame starts with some (the high bytes of the two lengths).

    with HAProxy([("127.0.0.1", 7071), ("127.0.0.1", 7072)], check="ping") as lb:
        lb.port                 # the frontend, on 127.0.0.1
        lb.servers()            # {name: (status, last check)} from the stats socket

Python 3 standard library only.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from wire import frame  # noqa: E402  (the frame layout, as every test builds it)

HOST = "127.0.0.1"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


def _die_with_parent():
    # In the child before exec: SIGKILL it when the test process dies, whatever the cause.
    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def ping_frame(request_id=1):
    return frame({"op": "ping", "id": request_id})


def ping_send_hex(request_id=1):
    """The hex string for `tcp-check send-binary`."""
    return ping_frame(request_id).hex()


def ping_expect_rbinary():
    """The regex for `tcp-check expect rbinary`: HAProxy matches it against the reply in
    hex. A frame head with header_len < 65536 and body_len 0, then a JSON object whose
    "status" is "ok" (`"status":"ok"`, spaces allowed after the colon)."""
    status = b'"status":'.hex()
    ok = b'"ok"'.hex()
    return "(?i)^0000[0-9a-f]{4}0{16}%s.*%s(20)*%s" % (b"{".hex(), status, ok)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def config(backends, port, stats_socket, check="ping", inter_ms=300, fall=1, rise=1):
    """A complete haproxy.cfg: a frontend on HOST:port, one backend `imgsrv` with the
    given (host, port) servers. check: "ping" (the protocol health check), "connect"
    (a TCP connect only) or None (no health checks)."""
    lines = [
        "global",
        "    log stderr format raw local0 info",
        "    stats socket %s mode 600 level admin" % stats_socket,
        "    maxconn 4096",
        "",
        "defaults",
        "    mode tcp",
        "    log global",
        "    option tcplog",
        "    option log-health-checks",
        "    timeout connect 2s",
        "    timeout client 330s",
        "    timeout server 330s",
        "    timeout check 2s",
        "    retries 3",
        "    option redispatch 1",
        "",
        "frontend imgsh",
        "    bind %s:%d" % (HOST, port),
        "    default_backend imgsrv",
        "",
        "backend imgsrv",
        "    balance roundrobin",
    ]
    if check == "ping":
        lines += [
            "    option tcp-check",
            "    tcp-check connect",
            "    # %s" % ping_frame().decode("latin-1")[12:],
            "    tcp-check send-binary %s" % ping_send_hex(),
            "    tcp-check expect rbinary %s" % ping_expect_rbinary(),
        ]
    server_opts = ""
    if check is not None:
        server_opts = " check inter %dms fall %d rise %d" % (inter_ms, fall, rise)
    for i, (host, bport) in enumerate(backends):
        lines.append("    server node%d %s:%d%s" % (i + 1, host, bport, server_opts))
    return "\n".join(lines) + "\n"


def localize(cfg_text, backends, port, stats_socket):
    """A deployment config (deploy/haproxy.cfg) made runnable here, everything else kept:
    its frontend bound to HOST:port, its `server` lines replaced by the given backends (same
    names node1..N), its stats socket moved to stats_socket."""
    out, servers_done = [], False
    for line in cfg_text.splitlines():
        words = line.split()
        if words[:1] == ["bind"]:
            line = "    bind %s:%d" % (HOST, port)
        elif words[:1] == ["stats"] and words[1:2] == ["socket"]:
            line = "    stats socket %s mode 600 level admin" % stats_socket
        elif words[:1] == ["server"]:
            if servers_done:
                continue
            servers_done = True
            line = "\n".join("    server node%d %s:%d" % (i + 1, h, p)
                             for i, (h, p) in enumerate(backends))
        out.append(line)
    if not servers_done:
        raise ValueError("no server line in the config")
    return "\n".join(out) + "\n"


class HAProxyError(RuntimeError):
    pass


class HAProxy:
    def __init__(self, backends, check="ping", inter_ms=300, fall=1, rise=1, workdir=None,
                 config_text=None):
        """config_text: run this config (through localize()) instead of a generated one."""
        self.backends = list(backends)
        self.config_text = config_text
        self._own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="imgsh-haproxy-")
        self.cfg_path = os.path.join(self.dir, "haproxy.cfg")
        self.log_path = os.path.join(self.dir, "haproxy.log")
        self.stats_socket = os.path.join(self.dir, "admin.sock")
        self.check = check
        self.inter_ms, self.fall, self.rise = inter_ms, fall, rise
        self.port = None
        self.proc = None
        self._log = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self, attempts=5):
        if shutil.which("haproxy") is None:
            raise HAProxyError("haproxy is not installed")
        for _ in range(attempts):
            self.port = free_port()
            with open(self.cfg_path, "w") as f:
                if self.config_text is not None:
                    f.write(localize(self.config_text, self.backends, self.port,
                                     self.stats_socket))
                else:
                    f.write(config(self.backends, self.port, self.stats_socket, self.check,
                                   self.inter_ms, self.fall, self.rise))
            self._log = open(self.log_path, "ab")
            # -db: stay in the foreground, so the PID we hold is haproxy itself.
            self.proc = subprocess.Popen(["haproxy", "-db", "-f", self.cfg_path],
                                         stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=subprocess.STDOUT, cwd=self.dir,
                                         start_new_session=True,
                                         preexec_fn=_die_with_parent)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    with socket.create_connection((HOST, self.port), timeout=0.5):
                        pass
                    if os.path.exists(self.stats_socket):
                        return self
                except OSError:
                    pass
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.stop()
                raise HAProxyError("haproxy not listening after %.0f s\n%s"
                                   % (START_TIMEOUT, self.log_text()))
            if "cannot bind" not in self.log_text():  # port taken meanwhile: try another
                raise HAProxyError("haproxy exited with status %s\n%s"
                                   % (self.proc.returncode, self.log_text()))
        raise HAProxyError("haproxy could not bind a port in %d attempts\n%s"
                           % (attempts, self.log_text()))

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def stats(self, command="show stat"):
        """Sends one command to the stats socket and returns the answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(self.stats_socket)
            s.sendall(command.encode() + b"\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return data.decode()

    def servers(self):
        """{server name: (status, last check status)} of the backend, e.g. ("UP", "L7OK").
        haproxy marks a check still running with "* " ("* INI", "* L7OK"); that mark is dropped."""
        lines = self.stats().splitlines()
        head = lines[0].lstrip("# ").split(",")
        out = {}
        for line in lines[1:]:
            row = dict(zip(head, line.split(",")))
            if row.get("pxname") == "imgsrv" and row.get("svname") not in ("BACKEND", None):
                out[row["svname"]] = (row["status"], row["check_status"].removeprefix("* "))
        return out

    def wait_servers(self, predicate, timeout):
        """Polls servers() until predicate(servers) is true; returns the last value seen."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.servers()
            if predicate(state) or time.monotonic() >= deadline:
                return state
            time.sleep(0.1)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # haproxy: SIGTERM is a hard stop
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


if __name__ == "__main__":
    print(config([(HOST, 7071), (HOST, 7072)], 7070, "/tmp/haproxy-admin.sock"))
