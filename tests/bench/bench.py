#!/usr/bin/env python3
"""imgsh against socat, nginx (+curl, +wrk) and sftp on loopback; see tests/bench/README.md.

Run through `make bench` (tests/bench/run_bench.sh installs the peers first). Python 3
standard library only. Prints a markdown table of medians and ratios measured in this one
run; asserts nothing about timing. Every process it starts and every file it makes is
removed on exit.
"""
import argparse
import getpass
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("BUILD", os.path.join(REPO, "build"))
IMGSRV = os.environ.get("IMGSRV") or os.path.join(BUILD, "server", "imgsrv")
IMGSH = os.environ.get("IMGSH") or os.path.join(BUILD, "shell", "imgsh")
LOADGEN = os.environ.get("LOADGEN") or os.path.join(BUILD, "tests", "bench", "imgsh_loadgen")
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HOST = "127.0.0.1"
MIB = 1 << 20

sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
from images import make_png  # noqa: E402  (real PNGs, Python standard library only)

PROCS = []  # (name, Popen) of everything started, stopped at exit


def say(*args):
    print("[bench]", *args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# processes, ports


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def listening(port):
    # /proc/net/tcp, state 0A = LISTEN; never connects (a probe would be a session to log)
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


def start(name, cmd, port, log, timeout=15, **kw):
    proc = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True, **kw)
    PROCS.append((name, proc))
    deadline = time.monotonic() + timeout
    while not listening(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{name} did not start (see {log.name}):\n" + open(log.name).read()[-2000:])
        time.sleep(0.02)
    return proc


def stop_all():
    for _name, proc in reversed(PROCS):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for _name, proc in reversed(PROCS):
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    PROCS.clear()


def timed(cmd, timeout, cwd=None, stdin=None, stdout=subprocess.DEVNULL, sync_path=None):
    """Wall seconds of cmd (plus `sync -f sync_path` when given); None when it failed."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=timeout)
    if proc.returncode == 0 and sync_path:
        os.sync() if sync_path == "all" else subprocess.run(["sync", sync_path], check=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        say(f"FAILED ({proc.returncode}): {' '.join(cmd)[:200]}\n" + proc.stderr.decode(errors="replace")[-1500:])
        return None
    return wall


def settle():
    os.sync()  # writeback left by the previous step must not land in the next one's time
    time.sleep(0.5)


def vm_field(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])  # kB
    return None


def reset_hwm(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


# ---------------------------------------------------------------------------------------
# the peers' configurations


def nginx_conf(prefix, www, port):
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 60;
  client_max_body_size 0;
  client_body_temp_path {prefix}/client_body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  types {{ image/png png; }}
  default_type application/octet-stream;
  server {{
    listen {HOST}:{port};
    root {www};
    location /up/ {{
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }}
  }}
}}
"""


def sshd_conf(d, port):
    return f"""Port {port}
ListenAddress {HOST}
HostKey {d}/host_key
PidFile {d}/sshd.pid
AuthorizedKeysFile {d}/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
LogLevel ERROR
"""


# ---------------------------------------------------------------------------------------


class Bench:
    def __init__(self, args, work):
        self.a = args
        self.work = work
        self.results = {}  # key -> list of values
        self.rss = {}  # key -> list of kB
        self.notes = []
        self.logs = os.path.join(work, "logs")
        os.makedirs(self.logs)
        self.log_files = {}

    def log(self, name):
        if name not in self.log_files:
            self.log_files[name] = open(os.path.join(self.logs, name + ".log"), "w")
        return self.log_files[name]

    def record(self, key, value):
        self.results.setdefault(key, [])
        if value is not None:
            self.results[key].append(value)
        else:
            self.results.setdefault(key + " FAILED", []).append(1)

    # --- data -----------------------------------------------------------------------
    def make_data(self):
        a, w = self.a, self.work
        self.src = os.path.join(w, "src")  # local files to put
        self.www = os.path.join(w, "www")  # nginx root; sftp paths
        self.root = os.path.join(w, "root")  # imgsrv root
        self.dl = os.path.join(w, "dl")  # downloads
        for d in (self.src, self.www, self.root, self.dl, os.path.join(self.www, "up"),
                  os.path.join(self.www, "small"), os.path.join(self.src, "small")):
            os.makedirs(d, exist_ok=True)
        say(f"making a {a.size_mb} MiB file and {a.small_count} x {a.small_kb} KiB files in {w}")
        # Real PNGs (the server decodes every put): noise in stored deflate blocks, padded
        # to the exact size; the big one 16-bit RGBA, so 1 GiB stays within --max-pixels.
        self.big = os.path.join(self.src, "big.png")
        width = 1024
        make_png(self.big, width, (a.size_mb * MIB - 65536) // (width * 8 + 1), seed=1, level=0,
                 pad_to=a.size_mb * MIB, rgba16=True)
        self.big_bytes = a.size_mb * MIB
        os.link(self.big, os.path.join(self.www, "big.png"))
        os.link(self.big, os.path.join(self.root, "big.png"))
        self.small_names = [f"g{i:04d}.png" for i in range(a.small_count)]
        self.put_names = [f"p{i:04d}.png" for i in range(a.small_count)]
        for g, p in zip(self.small_names, self.put_names):
            path = os.path.join(self.src, "small", p)
            side = int((a.small_kb * 1024 * 0.9 / 3) ** 0.5)
            make_png(path, side, side, seed=int(p[1:5]), level=0,
                     pad_to=a.small_kb * 1024)
            os.link(path, os.path.join(self.www, "small", g))
            os.link(path, os.path.join(self.root, g))
        # the rps workload's file: 4 KiB
        tiny = os.path.join(self.src, "tiny.png")
        make_png(tiny, 32, 32, seed=0, level=0, pad_to=4096)
        os.link(tiny, os.path.join(self.www, "tiny.png"))
        os.link(tiny, os.path.join(self.root, "tiny.png"))
        subprocess.run(["cat", self.big], stdout=subprocess.DEVNULL)  # page cache warm

    # --- servers --------------------------------------------------------------------
    def start_servers(self):
        w = self.work
        self.port = free_port()
        self.imgsrv = start("imgsrv", [IMGSRV, "--bind", HOST, "--root", self.root, "--no-fsync",
                                       "--log-level", "warn", str(self.port)], self.port, self.log("imgsrv"))
        prefix = os.path.join(w, "nginx")
        os.makedirs(prefix)
        self.nport = free_port()
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(prefix, self.www, self.nport))
        self.nginx = start("nginx", [NGINX, "-p", prefix, "-c", conf, "-e", os.path.join(prefix, "error.log")],
              self.nport, self.log("nginx"))
        d = os.path.join(w, "ssh")
        os.makedirs(d)
        os.chmod(d, 0o700)
        for key in ("host_key", "user_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(d, key)], check=True)
        shutil.copy(os.path.join(d, "user_key.pub"), os.path.join(d, "authorized_keys"))
        if os.geteuid() == 0 and not os.path.isdir("/run/sshd"):
            os.makedirs("/run/sshd", mode=0o755)  # sshd's privilege separation directory
        self.sport = free_port()
        with open(os.path.join(d, "sshd_config"), "w") as f:
            f.write(sshd_conf(d, self.sport))
        start("sshd", [SSHD, "-D", "-e", "-f", os.path.join(d, "sshd_config")], self.sport, self.log("sshd"))
        self.sftp_base = ["sftp", "-q", "-oCiphers=aes128-gcm@openssh.com", "-oBatchMode=yes",
                          "-P", str(self.sport), "-i", os.path.join(d, "user_key"),
                          "-oStrictHostKeyChecking=no", "-oUserKnownHostsFile=/dev/null",
                          "-oLogLevel=ERROR"]
        self.sftp_target = f"{getpass.getuser()}@{HOST}"
        say(f"imgsrv :{self.port} (--no-fsync, --log-level warn), nginx :{self.nport}, sshd :{self.sport}")

    def sftp(self, commands):
        batch = os.path.join(self.work, "sftp.batch")
        with open(batch, "w") as f:
            f.write("\n".join(commands) + "\n")
        return self.sftp_base + ["-b", batch, self.sftp_target]

    def imgsh(self, *words):
        return [IMGSH, "-q", f"{HOST}:{self.port}", *words]

    def clean_dl(self):
        shutil.rmtree(self.dl)
        os.makedirs(self.dl)

    # --- workloads ------------------------------------------------------------------
    def socat(self, key, dest, sync):
        p = free_port()
        recv = subprocess.Popen(["socat", "-b", "1048576", "-u", f"TCP-LISTEN:{p},bind={HOST},reuseaddr",
                                 "OPEN:/dev/null" if dest == "/dev/null" else f"OPEN:{dest},creat,trunc"],
                                stderr=self.log("socat"), start_new_session=True)
        PROCS.append(("socat", recv))
        while not listening(p) and recv.poll() is None:
            time.sleep(0.01)
        settle()
        t0 = time.perf_counter()
        rc = subprocess.run(["socat", "-b", "1048576", "-u", f"OPEN:{self.big}", f"TCP:{HOST}:{p}"],
                            stderr=self.log("socat")).returncode
        rc |= recv.wait(timeout=self.a.timeout)
        if rc == 0 and sync:
            subprocess.run(["sync", dest], check=True)
        self.record(key, None if rc else time.perf_counter() - t0)
        if dest != "/dev/null" and os.path.exists(dest):
            os.unlink(dest)

    def step_big_ours(self, run):
        a, T = self.a, self.a.timeout
        dest = os.path.join(self.dl, "big.png")
        settle()
        reset_hwm(self.imgsrv.pid)
        self.record("get big disk ours", timed(self.imgsh("get", "big.png", dest), T))
        self.rss.setdefault("get", []).append(vm_field(self.imgsrv.pid, "VmHWM"))
        if os.path.exists(dest) and not self.a.no_verify and run == 1:
            if subprocess.run(["cmp", "-s", self.big, dest]).returncode != 0:
                self.notes.append("imgsh get: the downloaded 1 GiB copy differs from the source!")
        self.clean_dl()
        settle()
        out = subprocess.run([LOADGEN, "fetch", HOST, str(self.port), "big.png"], capture_output=True, text=True)
        self.record("get big null ours", float(out.stdout.split()[1]) if out.returncode == 0 else None)
        settle()
        reset_hwm(self.imgsrv.pid)
        self.record("put big ours", timed(self.imgsh("put", self.big, "bigput.png"), T))
        self.rss.setdefault("put", []).append(vm_field(self.imgsrv.pid, "VmHWM"))
        os.unlink(os.path.join(self.root, "bigput.png")) if os.path.exists(os.path.join(self.root, "bigput.png")) else None
        if a.tls:
            self.step_tls()

    def step_big_peers(self, run):
        T = self.a.timeout
        dest = os.path.join(self.dl, "big.png")
        url = f"http://{HOST}:{self.nport}"
        self.socat("socat null", "/dev/null", False)
        self.socat("socat disk", dest, False)
        self.socat("socat disk fsync", dest, True)
        settle()
        self.record("get big disk nginx", timed(["curl", "-sSf", "-o", dest, f"{url}/big.png"], T, sync_path=dest))
        self.clean_dl()
        settle()
        self.record("get big null nginx", timed(["curl", "-sSf", "-o", "/dev/null", f"{url}/big.png"], T))
        settle()
        self.record("put big nginx", timed(["curl", "-sSf", "-T", self.big, f"{url}/up/bigput.png"], T))
        shutil.rmtree(os.path.join(self.www, "up"))
        os.makedirs(os.path.join(self.www, "up"))
        settle()
        self.record("get big disk sftp",
                    timed(self.sftp([f"get {self.www}/big.png {dest}"]), T, sync_path=dest))
        self.clean_dl()
        settle()
        self.record("get big null sftp", timed(self.sftp([f"get {self.www}/big.png /dev/null"]), T))
        settle()
        self.record("put big sftp", timed(self.sftp([f"put {self.big} {self.www}/up/bigput.png"]), T))
        shutil.rmtree(os.path.join(self.www, "up"))
        os.makedirs(os.path.join(self.www, "up"))

    def step_small_ours(self, run):
        T = self.a.timeout
        settle()
        if self.a.sequential:  # the shell before pipelining: one command per file
            script = "".join(f"get {n} {self.dl}/{n}\n" for n in self.small_names)
            with open(os.path.join(self.work, "gets.txt"), "w") as f:
                f.write(script)
            with open(os.path.join(self.work, "gets.txt")) as f:
                secs = timed([IMGSH, "-q", f"{HOST}:{self.port}"], T, stdin=f, sync_path=self.dl)
        else:
            secs = timed(self.imgsh("mget", *self.small_names), T, cwd=self.dl, sync_path=self.dl)
        self.record("small get ours", secs)
        n = len(os.listdir(self.dl))
        if secs is not None and n != len(self.small_names):
            self.notes.append(f"imgsh small get run {run}: {n} files downloaded")
        self.clean_dl()
        settle()
        srcs = [os.path.join(self.src, "small", p) for p in self.put_names]
        if self.a.sequential:
            with open(os.path.join(self.work, "puts.txt"), "w") as f:
                f.write("".join(f"put {s}\n" for s in srcs))
            with open(os.path.join(self.work, "puts.txt")) as f:
                secs = timed([IMGSH, "-q", f"{HOST}:{self.port}"], T, stdin=f)
        else:
            secs = timed(self.imgsh("mput", *srcs), T)
        self.record("small put ours", secs)
        for p in self.put_names:
            try:
                os.unlink(os.path.join(self.root, p))
            except FileNotFoundError:
                pass

    def step_small_peers(self, run):
        T = self.a.timeout
        url = f"http://{HOST}:{self.nport}"
        cfg = os.path.join(self.work, "curl-get.cfg")
        with open(cfg, "w") as f:
            for n in self.small_names:
                f.write(f'url = "{url}/small/{n}"\noutput = "{self.dl}/{n}"\n')
        settle()
        self.record("small get nginx", timed(["curl", "-sSf", "-K", cfg], T, sync_path=self.dl))
        self.clean_dl()
        cfg = os.path.join(self.work, "curl-put.cfg")
        with open(cfg, "w") as f:
            for p in self.put_names:
                f.write(f'upload-file = "{self.src}/small/{p}"\nurl = "{url}/up/{p}"\n')
        settle()
        self.record("small put nginx", timed(["curl", "-sSf", "-K", cfg], T))
        shutil.rmtree(os.path.join(self.www, "up"))
        os.makedirs(os.path.join(self.www, "up"))
        settle()
        self.record("small get sftp", timed(self.sftp([f"lcd {self.dl}", f"cd {self.www}/small", "get *"]), T,
                                            sync_path=self.dl))
        self.clean_dl()
        settle()
        self.record("small put sftp", timed(self.sftp([f"lcd {self.src}/small", f"cd {self.www}/up", "put *"]), T))
        shutil.rmtree(os.path.join(self.www, "up"))
        os.makedirs(os.path.join(self.www, "up"))

    def step_rps_ours(self, run):
        a = self.a
        for window in (a.window, 1):
            settle()
            out = subprocess.run([LOADGEN, "load", HOST, str(self.port), "tiny.png", str(a.clients),
                                  str(a.seconds), str(window), "2"], capture_output=True, text=True)
            self.record(f"rps ours w{window}", float(out.stdout.split()[2]) if out.returncode == 0 else None)
            if out.returncode != 0:
                say("loadgen:", out.stderr[-500:])

    def step_rps_peers(self, run):
        a = self.a
        settle()
        out = subprocess.run(["wrk", f"-c{a.clients}", "-t2", f"-d{a.seconds:g}s",
                              f"http://{HOST}:{self.nport}/tiny.png"], capture_output=True, text=True)
        m = re.search(r"Requests/sec:\s*([\d.]+)", out.stdout)
        self.record("rps nginx", float(m.group(1)) if m else None)

    def step_latency(self, run):
        for key, extra in (("lat ours", []), ("lat nginx", ["http", "/tiny.png"])):
            port = self.port if key == "lat ours" else self.nport
            out = subprocess.run([LOADGEN, "latency", HOST, str(port), str(self.a.latency_count), *extra],
                                 capture_output=True, text=True)
            if out.returncode == 0:
                med, p99 = map(float, out.stdout.split())
                self.record(key + " median", med)
                self.record(key + " p99", p99)

    def step_idle(self):
        n = self.a.idle
        time.sleep(1)
        before = vm_field(self.imgsrv.pid, "VmRSS")
        hold = subprocess.Popen([LOADGEN, "idle", HOST, str(self.port), str(n)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        PROCS.append(("loadgen idle", hold))
        line = hold.stdout.readline()
        time.sleep(1)
        during = vm_field(self.imgsrv.pid, "VmRSS")
        hold.stdin.close()
        hold.wait(timeout=30)
        if line.startswith("ready"):
            self.record("idle per session", (during - before) / n)
            self.notes.append(f"idle sessions: imgsrv VmRSS {before} kB before, {during} kB with {n} idle sessions")
        else:
            self.record("idle per session", None)

    # --- TLS (only when this build's imgsrv has it) -----------------------------------
    def tls_supported(self):
        out = subprocess.run([IMGSRV, "--help"], capture_output=True, text=True)
        return "--tls-cert" in out.stdout + out.stderr

    def start_tls(self):
        d = os.path.join(self.work, "tls")
        os.makedirs(d)
        self.cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-keyout", key, "-out", self.cert, "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True)
        # A root of its own (one imgsrv per root), holding the same big file.
        troot = os.path.join(d, "root")
        os.makedirs(troot)
        os.link(self.big, os.path.join(troot, "big.png"))
        self.tport = free_port()
        start("imgsrv-tls", [IMGSRV, "--bind", HOST, "--root", troot, "--no-fsync", "--log-level", "warn",
                             "--tls-cert", self.cert, "--tls-key", key, str(self.tport)],
              self.tport, self.log("imgsrv-tls"))

    def step_tls(self):
        dest = os.path.join(self.dl, "big.png")
        settle()
        self.record("get big tls ours", timed([IMGSH, "-q", "--tls", "--ca", self.cert, f"{HOST}:{self.tport}",
                                               "get", "big.png", dest], self.a.timeout))
        self.clean_dl()

    # --- the run --------------------------------------------------------------------
    def run(self):
        a = self.a
        self.make_data()
        self.start_servers()
        a.tls = self.tls_supported()
        if a.tls:
            self.start_tls()
        groups = [g for g in ("big", "small", "rps") if g in a.only]
        for run in range(1, a.runs + 1):
            for g in groups:
                ours, peers = getattr(self, f"step_{g}_ours"), getattr(self, f"step_{g}_peers")
                order = (ours, peers) if run % 2 == 1 else (peers, ours)
                say(f"run {run}/{a.runs}: {g} ({'ours first' if run % 2 else 'peers first'})")
                for step in order:
                    step(run)
            if "latency" in a.only:
                self.step_latency(run)
        if "idle" in a.only:
            say("idle sessions")
            self.step_idle()
        if "cpu" in a.only:  # issue 16: CPU per request, instructions and system calls per get
            from cpu_per_request import CpuBench
            self.cpu = CpuBench(a, self.work, self.www, self.log, self.imgsrv.pid, self.port, self.nginx.pid, self.nport)
            for run in range(1, a.runs + 1):
                say(f"run {run}/{a.runs}: cpu per request")
                self.cpu.step(run)
            say("system calls per get (strace), instructions per request (callgrind)")
            self.cpu.syscalls()
            self.cpu.instructions()

    # --- the table ------------------------------------------------------------------
    def med(self, key):
        v = self.results.get(key) or []
        return statistics.median(v) if v else None

    def table(self):
        a = self.a
        gb = self.big_bytes
        sb = a.small_count * a.small_kb * 1024
        out = []
        fs = subprocess.run(["stat", "-f", "-c", "%T", a.dir], capture_output=True, text=True).stdout.strip()
        out.append(f"imgsh bench: {a.runs} runs per workload, medians; ratio = our throughput / peer's "
                   f"(>1: we are faster); same run, same machine, loopback; files in {a.dir} ({fs}).")
        out.append("")
        out.append("| workload | ours | peer | peer's | ratio | target | |")
        out.append("|---|---|---|---|---|---|---|")

        def mbs(key, size):
            m = self.med(key)
            return f"{size / m / 1e6:.0f} MB/s" if m else "failed"

        def row(work, ours, size, peer_name, peer, target, unit="s"):
            om, pm = self.med(ours), self.med(peer)
            if unit == "s":
                ours_txt, peer_txt = mbs(ours, size), mbs(peer, size)
                ratio = pm / om if om and pm else None
            else:
                ours_txt = f"{om:,.0f} {unit}" if om else "failed"
                peer_txt = f"{pm:,.0f} {unit}" if pm else "failed"
                ratio = om / pm if om and pm else None
            rt = f"{ratio:.2f}x" if ratio else "—"
            verdict = "" if target is None or ratio is None else ("met" if ratio >= target else "**short**")
            tt = f"≥ {target}x" if target else "(info)"
            out.append(f"| {work} | {ours_txt} | {peer_name} | {peer_txt} | {rt} | {tt} | {verdict} |")

        if "big" in a.only:
            size = f"{a.size_mb} MiB"
            row(f"get {size} → disk (+fsync)", "get big disk ours", gb, "nginx sendfile + curl -o (+fsync)",
                "get big disk nginx", 1.0)
            row(f"get {size} → disk (+fsync)", "get big disk ours", gb, "socat 1 MiB bufs → disk (+fsync)",
                "socat disk fsync", 0.85)
            row(f"get {size} → disk (+fsync)", "get big disk ours", gb, "sftp (+fsync)", "get big disk sftp", None)
            row(f"get {size} → /dev/null (loadgen fetch)", "get big null ours", gb, "nginx + curl -o /dev/null",
                "get big null nginx", 1.0)
            row(f"get {size} → /dev/null (loadgen fetch)", "get big null ours", gb, "socat → /dev/null",
                "socat null", 0.85)
            row(f"get {size} → /dev/null (loadgen fetch)", "get big null ours", gb, "sftp → /dev/null",
                "get big null sftp", None)
            row(f"put {size}", "put big ours", gb, "nginx WebDAV PUT + curl -T", "put big nginx", 1.2)
            row(f"put {size}", "put big ours", gb, "socat → disk", "socat disk", 0.85)
            row(f"put {size}", "put big ours", gb, "sftp put", "put big sftp", None)
            if a.tls:
                row(f"get {size} over TLS → disk", "get big tls ours", gb, "sftp (+fsync)", "get big disk sftp", 2.0)
            else:
                out.append(f"| get {size} over TLS | n/a (no TLS support in this build) | sftp | | | | |")
        if "small" in a.only:
            w = f"{a.small_count} × {a.small_kb} KiB"
            row(f"get {w} (+syncfs)", "small get ours", sb, "curl keep-alive, one process (+syncfs)",
                "small get nginx", 2.0)
            row(f"get {w} (+syncfs)", "small get ours", sb, "sftp get * (+syncfs)", "small get sftp", 5.0)
            row(f"put {w}", "small put ours", sb, "curl -T keep-alive, one process", "small put nginx", 2.0)
            row(f"put {w}", "small put ours", sb, "sftp put *", "small put sftp", 5.0)
        if "rps" in a.only:
            row(f"{a.clients} clients, 4 KiB gets, {a.seconds:g} s (window {a.window})", f"rps ours w{a.window}",
                0, f"nginx + wrk -c{a.clients} -t2", "rps nginx", 1.0, unit="req/s")
            row(f"{a.clients} clients, 4 KiB gets, {a.seconds:g} s (window 1)", "rps ours w1", 0,
                f"nginx + wrk -c{a.clients} -t2", "rps nginx", None, unit="req/s")
        if "latency" in a.only:
            for stat in ("median", "p99"):
                om, pm = self.med(f"lat ours {stat}"), self.med(f"lat nginx {stat}")
                if om and pm:
                    out.append(f"| connect + hello + reply, {a.latency_count} conns, {stat} | {om:.0f} µs | "
                               f"nginx connect + GET + response head | {pm:.0f} µs | {pm / om:.2f}x | (info) | |")
        if "big" in a.only:
            for op in ("get", "put"):
                vals = [v for v in self.rss.get(op, []) if v]
                if vals:
                    peak = max(vals) / 1024
                    out.append(f"| imgsrv peak RSS during a {a.size_mb} MiB {op} (VmHWM, max of runs) | "
                               f"{peak:.1f} MiB | | | | < 16 MB | {'met' if peak * 1.048576 < 16 else '**short**'} |")
        if "idle" in a.only:
            m = self.med("idle per session")
            if m is not None:
                out.append(f"| imgsrv RSS per idle session ({a.idle} sessions, VmRSS delta / {a.idle}) | "
                           f"{m:.1f} KiB | | | | < 64 KiB | {'met' if m < 64 else '**short**'} |")
        out.append("")
        out.append("Per-run values (seconds, or req/s, µs, KiB):")
        for k in sorted(self.results):
            out.append(f"  {k}: " + " ".join(f"{v:.3f}" if isinstance(v, float) else str(v)
                                             for v in self.results[k]))
        out.extend(self.notes)
        if "cpu" in a.only:
            out.append(self.cpu.table())
        return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", 3)))
    p.add_argument("--size-mb", type=int, default=int(os.environ.get("SIZE_MB", 1024)))
    p.add_argument("--small-count", type=int, default=1000)
    p.add_argument("--small-kb", type=int, default=100)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--window", type=int, default=16, help="gets each loadgen connection keeps outstanding")
    p.add_argument("--latency-count", type=int, default=1000)
    p.add_argument("--idle", type=int, default=1000, help="idle sessions for the per-session RSS figure")
    p.add_argument("--timeout", type=float, default=180.0, help="seconds allowed for each step")
    p.add_argument("--only", default="big,small,rps,latency,idle,cpu", help="comma-separated workload groups")
    p.add_argument("--sequential", action="store_true",
                   help="drive imgsh with one command per small file (the shell without pipelining)")
    p.add_argument("--dir", default=os.environ.get("BENCH_DIR"),
                   help="where files and stores live (default /dev/shm when it has room, else $TMPDIR)")
    p.add_argument("--no-verify", action="store_true", help="skip comparing the first 1 GiB download")
    a = p.parse_args()
    a.only = set(a.only.split(","))
    for binary in (IMGSRV, IMGSH, LOADGEN):
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{binary} missing: run 'make build' first")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(a.idle * 2 + 256, 4096)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))  # imgsrv inherits it
    need_mb = 3 * a.size_mb + 512
    base = a.dir
    if not base:
        # Memory-backed by default: the rows then compare protocols and servers, not the
        # disk (on a shared VM the disk's speed swings by 10x from minute to minute).
        shm = "/dev/shm"
        base = shm if os.path.isdir(shm) and shutil.disk_usage(shm).free // MIB > need_mb + 1024 \
            else os.environ.get("TMPDIR", "/tmp")
    a.dir = base
    free_mb = shutil.disk_usage(base).free // MIB
    if free_mb < need_mb:
        raise SystemExit(f"{base} has {free_mb} MiB free; the benchmark needs about {need_mb}")
    work = tempfile.mkdtemp(prefix="imgsh-bench.", dir=base)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    bench = Bench(a, work)
    try:
        bench.run()
        print(bench.table())
        print(f"\n(total {time.monotonic() - t0:.0f} s)")
    finally:
        stop_all()
        for f in bench.log_files.values():
            f.close()
        shutil.rmtree(work, ignore_errors=True)
    failed = [k for k in bench.results if k.endswith("FAILED")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
