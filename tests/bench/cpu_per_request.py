#!/usr/bin/env python3
"""CPU per request, imgsrv against nginx in the same run (issue 16); see tests/bench/README.md.

On a shared 2-core machine requests/s measures the load generator and the neighbours as
much as the server, so this measures what a request costs instead:

- server CPU per request: utime+stime of the server's processes (imgsrv; nginx's master
  and workers) from /proc/PID/stat before and after a load, divided by requests served;
- the load generator's CPU per request (imgsh_loadgen, wrk): its rusage as a child;
- user-space instructions per request under callgrind (imgsrv and a one-process nginx, a
  fixed number of requests after a warm-up, the counters zeroed in between): these repeat
  run to run whatever else the machine does. Kernel time is not in them;
- system calls per request (strace -c -f on the running server over a fixed load).

Run alone (`tests/bench/cpu_per_request.py`, it starts its own imgsrv and nginx) or as the
`cpu` group of bench.py (`make bench`). Python 3 standard library only; asserts nothing.
"""
import argparse
import glob
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B  # noqa: E402  (processes, ports, nginx's configuration)

CLK_TCK = os.sysconf("SC_CLK_TCK")
CG_GETS = 2000  # gets counted under callgrind (after as many for the warm-up)
CG_CONNS = 200  # connections counted under callgrind
STRACE_GETS = 5000


def process_cpu(pid):
    """utime+stime of one process (all its threads), seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of proc(5)


def process_tree(root):
    """root and its descendants (nginx: the master and its workers)."""
    children = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(stat.split("/")[2]))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def tree_cpu(pids):
    total = 0.0
    for pid in pids:
        try:
            total += process_cpu(pid)
        except OSError:
            pass
    return total


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def metered(server_root_pid, cmd, count_of):
    """Runs the load generator `cmd`; returns (requests, server s, client s, wall s) or None."""
    pids = process_tree(server_root_pid)
    s0, c0, t0 = tree_cpu(pids), children_cpu(), time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    s1, c1 = tree_cpu(pids), children_cpu()
    requests = count_of(out.stdout) if out.returncode == 0 else None
    if not requests:
        B.say(f"FAILED: {' '.join(cmd)[:160]}\n{out.stdout[-300:]}{out.stderr[-500:]}")
        return None
    return requests, s1 - s0, c1 - c0, wall


def wrk_requests(text):
    m = re.search(r"(\d+) requests in", text)
    return int(m.group(1)) if m else None


def pipeline_script(work, path, depth):
    """wrk's pipelining: each request() is `depth` GETs in one write (wrk counts each response)."""
    script = os.path.join(work, f"pipeline{depth}.lua")
    with open(script, "w") as f:
        f.write(f'init = function(args)\n  local r = {{}}\n  for i = 1, {depth} do r[i] = wrk.format("GET", "{path}") end\n'
                f'  req = table.concat(r)\nend\nrequest = function() return req end\n')
    return script


class CpuBench:
    """The rows; `imgsrv_pid`/`port` and `nginx_pid`/`nport` serve tiny.png (4 KiB)."""

    def __init__(self, a, work, www, log, imgsrv_pid, port, nginx_pid, nport):
        self.a, self.work, self.www, self.log = a, work, www, log
        self.imgsrv_pid, self.port, self.nginx_pid, self.nport = imgsrv_pid, port, nginx_pid, nport
        self.results = {}  # key -> list of (requests, server s, client s, wall s)
        self.counts = {}  # key -> value (instructions, syscalls per request)

    def record(self, key, value):
        self.results.setdefault(key, [])
        if value:
            self.results[key].append(value)

    def step(self, run):
        a, H = self.a, B.HOST
        url = f"http://{H}:{self.nport}/tiny.png"
        secs = f"{a.seconds:g}"
        for window in (1, a.window):
            ours = [B.LOADGEN, "load", H, str(self.port), "tiny.png", str(a.clients), secs, str(window), "2"]
            peer = ["wrk", f"-c{a.clients}", "-t2", f"-d{secs}s", url]
            if window > 1:
                peer[1:1] = ["-s", pipeline_script(self.work, "/tiny.png", window)]
            order = [("ours", ours), ("nginx", peer)]
            for who, cmd in (order if run % 2 else order[::-1]):
                B.settle()
                if who == "ours":
                    self.record(f"w{window} ours", metered(self.imgsrv_pid, cmd, lambda t: int(t.split()[0])))
                else:
                    self.record(f"w{window} nginx", metered(self.nginx_pid, cmd, wrk_requests))
        n = a.latency_count
        B.settle()
        self.record("hello ours", metered(self.imgsrv_pid, [B.LOADGEN, "latency", H, str(self.port), str(n)],
                                          lambda t: n))
        self.record("hello nginx", metered(self.nginx_pid, [B.LOADGEN, "latency", H, str(self.nport), str(n),
                                                            "http", "/tiny.png"], lambda t: n))

    # --- callgrind: user-space instructions per request, repeatable -------------------
    def instructions(self):
        if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
            B.say("valgrind missing: no instruction counts")
            return
        d = os.path.join(self.work, "callgrind")
        os.makedirs(d)
        root = os.path.join(d, "root")  # a root of its own (one imgsrv per root)
        os.makedirs(root)
        tiny = os.path.join(self.www, "tiny.png")
        os.link(tiny, os.path.join(root, "tiny.png"))
        port = B.free_port()
        def vg(stem):
            return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={d}/{stem}.%p"]

        srv = B.start("imgsrv-callgrind", vg("imgsrv") + [B.IMGSRV, "--bind", B.HOST, "--root", root, "--no-fsync",
                                                "--log-level", "warn", str(port)], port, self.log("callgrind"),
                      timeout=120)
        self.count_under_callgrind("ours", srv.pid, port, [], d, "imgsrv")
        prefix = os.path.join(d, "nginx")
        os.makedirs(prefix)
        nport = B.free_port()
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            # one process, so callgrind sees every request
            f.write("master_process off;\n" + B.nginx_conf(prefix, self.www, nport).replace(
                "worker_processes 2;", "worker_processes 1;"))
        ngx = B.start("nginx-callgrind", vg("nginx") + [B.NGINX, "-p", prefix, "-c", conf, "-e",
                                                os.path.join(prefix, "error.log")],
                      nport, self.log("callgrind"), timeout=120)
        self.count_under_callgrind("nginx", ngx.pid, nport, ["http"], d, "nginx")

    def count_under_callgrind(self, who, pid, port, http, d, stem):
        H = B.HOST

        def gets(window, count):
            return [B.LOADGEN, "gets", H, str(port), "tiny.png", str(count), str(window), *http]

        def conns(count):
            extra = ["http", "/tiny.png"] if http else []
            return [B.LOADGEN, "latency", H, str(port), str(count), *extra]

        for key, warm, cmd, n in (("get w1", gets(1, CG_GETS), gets(1, CG_GETS), CG_GETS),
                                  (f"get w{self.a.window}", gets(self.a.window, CG_GETS),
                                   gets(self.a.window, CG_GETS), CG_GETS),
                                  ("connect+hello", conns(CG_CONNS // 4), conns(CG_CONNS), CG_CONNS)):
            subprocess.run(warm, capture_output=True, timeout=600)
            subprocess.run(["callgrind_control", "-z", str(pid)], capture_output=True, timeout=60)
            ok = subprocess.run(cmd, capture_output=True, timeout=600).returncode == 0
            before = set(glob.glob(f"{d}/{stem}.{pid}.*"))
            subprocess.run(["callgrind_control", "-d", str(pid)], capture_output=True, timeout=60)
            dumps = sorted(set(glob.glob(f"{d}/{stem}.{pid}.*")) - before, key=os.path.getmtime)
            total = None
            if ok and dumps:
                with open(dumps[-1]) as f:
                    m = re.search(r"^(?:totals|summary): (\d+)", f.read(), re.M)
                    total = int(m.group(1)) if m else None
            self.counts[f"Ir {key} {who}"] = total / n if total else None

    # --- strace -c: system calls per request -------------------------------------------
    def syscalls(self):
        if not shutil.which("strace"):
            return
        for who, pid, port, http in (("ours", self.imgsrv_pid, self.port, []),
                                     ("nginx", self.nginx_pid, self.nport, ["http"])):
            for window in (1, self.a.window):
                pids = process_tree(pid)
                out = os.path.join(self.work, f"strace.{who}.{window}")
                tracer = subprocess.Popen(["strace", "-c", "-f", "-o", out] + [a for p in pids for a in ("-p", str(p))],
                                          stderr=subprocess.DEVNULL)
                time.sleep(1.0)  # attached
                subprocess.run([B.LOADGEN, "gets", B.HOST, str(port), "tiny.png", str(STRACE_GETS), str(window), *http],
                               capture_output=True, timeout=300)
                tracer.send_signal(2)
                tracer.wait(timeout=60)
                per = {}
                with open(out) as f:
                    for line in f:
                        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
                        if m and m.group(2) != "total":
                            per[m.group(2)] = int(m.group(1)) / STRACE_GETS
                self.counts[f"sys w{window} {who}"] = per

    # --- the rows --------------------------------------------------------------------
    def med(self, key, field):
        vals = [v[field] / v[0] for v in self.results.get(key, [])]
        return statistics.median(vals) if vals else None

    def rps(self, key):
        vals = [v[0] / v[3] for v in self.results.get(key, [])]
        return statistics.median(vals) if vals else None

    def table(self):
        a = self.a
        out = []
        if self.results:
            out += ["", "CPU per request (issue 16; medians of the runs; server = utime+stime of its processes / requests; "
                       "ratio = nginx's / ours, ≥ 1: we spend no more than nginx; req/s for information only):", "",
                    "| workload | imgsrv CPU/req | nginx CPU/req | ratio | target | imgsh_loadgen CPU/req | "
                    "wrk CPU/req | req/s ours | req/s nginx |",
                    "|---|---|---|---|---|---|---|---|---|"]
        rows = [(f"{a.clients} clients, 4 KiB gets, window 1 (wrk: no pipelining)", "w1"),
                (f"{a.clients} clients, 4 KiB gets, window {a.window} (wrk: {a.window} pipelined)", f"w{a.window}"),
                (f"connect + hello (nginx: connect + GET + head), {a.latency_count} conns", "hello")]
        for label, k in (rows if self.results else []):
            so, sn = self.med(f"{k} ours", 1), self.med(f"{k} nginx", 1)
            co, cn = self.med(f"{k} ours", 2), self.med(f"{k} nginx", 2)
            ro, rn = self.rps(f"{k} ours"), self.rps(f"{k} nginx")

            def us(v):
                return f"{v * 1e6:.1f} µs" if v else "failed"

            ratio = sn / so if so and sn else None
            verdict = "" if ratio is None else ("met" if ratio >= 1.0 else "**short**")
            out.append(f"| {label} | {us(so)} | {us(sn)} | {f'{ratio:.2f}x' if ratio else '—'} | ≥ 1.0x {verdict} | "
                       f"{us(co)} | {us(cn)} | {ro or 0:,.0f} | {rn or 0:,.0f} |")
        if any(k.startswith("Ir ") for k in self.counts):
            out += ["", "User-space instructions per request under callgrind (repeatable; no kernel time):", "",
                    "| request | imgsrv | nginx | ratio |", "|---|---|---|---|"]
            for key in ("get w1", f"get w{a.window}", "connect+hello"):
                o, n = self.counts.get(f"Ir {key} ours"), self.counts.get(f"Ir {key} nginx")
                ratio = f"{n / o:.2f}x" if o and n else "—"
                out.append(f"| {key} | {o or 0:,.0f} | {n or 0:,.0f} | {ratio} |")
        if any(k.startswith("sys ") for k in self.counts):
            out += ["", f"System calls per get ({STRACE_GETS} gets on one connection, strace -c -f):", ""]
            for window in (1, a.window):
                for who in ("ours", "nginx"):
                    per = self.counts.get(f"sys w{window} {who}") or {}
                    top = ", ".join(f"{name} {v:.2f}" for name, v in sorted(per.items(), key=lambda kv: -kv[1])[:8])
                    out.append(f"- window {window}, {'imgsrv' if who == 'ours' else 'nginx'}: "
                               f"{sum(per.values()):.2f} ({top})")
        out.append("")
        out.append("CPU per-run values (requests, server s, client s, wall s):")
        for k in sorted(self.results):
            out.append(f"  {k}: " + "; ".join(f"{r} {s:.2f} {c:.2f} {w:.2f}" for r, s, c, w in self.results[k]))
        return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--window", type=int, default=16)
    p.add_argument("--latency-count", type=int, default=1000)
    p.add_argument("--imgsrv-args", default="", help="more imgsrv options, e.g. '--threads 1' (run alone only)")
    p.add_argument("--no-callgrind", action="store_true")
    p.add_argument("--no-strace", action="store_true")
    p.add_argument("--only-counts", action="store_true", help="instructions and system calls only (no timed loads)")
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix="imgsh-cpu.", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    logs = {}

    def log(name):
        if name not in logs:
            logs[name] = open(os.path.join(work, name + ".log"), "w")
        return logs[name]

    try:
        a.www = os.path.join(work, "www")
        root = os.path.join(work, "root")
        os.makedirs(a.www)
        os.makedirs(root)
        B.make_png(os.path.join(a.www, "tiny.png"), 32, 32, seed=0, level=0, pad_to=4096)
        os.link(os.path.join(a.www, "tiny.png"), os.path.join(root, "tiny.png"))
        port, nport = B.free_port(), B.free_port()
        srv = B.start("imgsrv", [B.IMGSRV, "--bind", B.HOST, "--root", root, "--no-fsync", "--log-level", "warn",
                                 *a.imgsrv_args.split(), str(port)], port, log("imgsrv"))
        prefix = os.path.join(work, "nginx")
        os.makedirs(prefix)
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(B.nginx_conf(prefix, a.www, nport))
        ngx = B.start("nginx", [B.NGINX, "-p", prefix, "-c", conf, "-e", os.path.join(prefix, "error.log")],
                      nport, log("nginx"))
        cpu = CpuBench(a, work, a.www, log, srv.pid, port, ngx.pid, nport)
        if not a.only_counts:
            for run in range(1, a.runs + 1):
                B.say(f"cpu per request: run {run}/{a.runs}")
                cpu.step(run)
        if not a.no_strace:
            B.say("system calls per get (strace)")
            cpu.syscalls()
        if not a.no_callgrind:
            B.say("instructions per request (callgrind)")
            cpu.instructions()
        print(cpu.table())
    finally:
        B.stop_all()
        for f in logs.values():
            f.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
