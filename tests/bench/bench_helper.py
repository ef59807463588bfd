#!/usr/bin/env python3
"""Stdlib glue for transfer_1g.sh (not part of the test suite).

  bench_helper.py freeport                      print a free TCP port on 127.0.0.1
  bench_helper.py waitlisten PORT SECONDS       wait until something listens on 127.0.0.1:PORT
                                                (checks /proc/net/tcp, never connects)
  bench_helper.py run SECONDS CMD [ARGS...]     run CMD with a timeout; print
                                                "<wall seconds> <child peak RSS kB> <exit status>"
                                                (exit status 124 on timeout); CMD's stdout and
                                                stderr pass through to ours (stderr)
  bench_helper.py table RESULTS_TSV SIZE_MB     print the markdown table
"""
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time


def freeport():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def listening(port):
    # /proc/net/tcp: local_address is hex "IP:PORT", st 0A is LISTEN.
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, st = fields[1], fields[3]
                    if st == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


def waitlisten(port, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if listening(port):
            return 0
        time.sleep(0.02)
    print(f"nothing listens on 127.0.0.1:{port} after {seconds}s", file=sys.stderr)
    return 1


def run(seconds, cmd):
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=sys.stderr, start_new_session=True)
    try:
        rc = proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        rc = 124
    wall = time.perf_counter() - t0
    # Only one child was ever waited for, so this is its peak RSS (kB on Linux).
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"{wall:.6f} {maxrss} {rc}")
    return 0


# Order of rows in the table.
WORKLOADS = [
    "socat → /dev/null",
    "socat → disk",
    "socat → disk + fsync",
    "imgsh put",
    "imgsh put (--no-fsync)",
    "imgsh get",
]
BASELINES = ["socat → disk", "socat → disk + fsync"]


def fmt_mib(kb_values):
    vals = [v for v in kb_values if v is not None]
    if not vals:
        return "n/a"
    return f"{max(vals) / 1024:.1f} MiB"


def table(path, size_mb):
    size_bytes = size_mb * 1024 * 1024
    rows = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 6:
                continue
            name, _run, ok, secs, srv_kb, cli_kb = parts
            r = rows.setdefault(name, {"secs": [], "failed": 0, "srv": [], "cli": []})
            if ok != "ok":
                r["failed"] += 1
                continue
            r["secs"].append(float(secs))
            r["srv"].append(int(srv_kb) if srv_kb.isdigit() else None)
            r["cli"].append(int(cli_kb) if cli_kb.isdigit() else None)
    medians = {n: statistics.median(r["secs"]) for n, r in rows.items() if r["secs"]}

    print(f"{size_mb} MiB ({size_bytes} bytes) over 127.0.0.1; MB/s = 10^6 bytes/s; "
          "'x socat' = socat median s / workload median s (throughput ratio, same run).")
    print()
    print("| workload | runs ok | median s | median MB/s | x socat → disk | x socat → disk + fsync "
          "| imgsrv peak RSS (max of runs) | client peak RSS |")
    print("|---|---|---|---|---|---|---|---|")
    for name in WORKLOADS:
        r = rows.get(name)
        if r is None:
            continue
        n_ok = len(r["secs"])
        runs = f"{n_ok}/{n_ok + r['failed']}"
        if name not in medians:
            print(f"| {name} | {runs} | — | — | — | — | — | — |")
            continue
        med = medians[name]
        mbs = size_bytes / med / 1e6
        ratios = [f"{medians[b] / med:.2f}" if b in medians else "—" for b in BASELINES]
        srv = fmt_mib(r["srv"])
        cli = fmt_mib(r["cli"])
        print(f"| {name} | {runs} | {med:.2f} | {mbs:.0f} | {ratios[0]} | {ratios[1]} | {srv} | {cli} |")
    print()
    print("Per-run seconds:")
    for name in WORKLOADS:
        if name in rows:
            print(f"  {name}: " + " ".join(f"{s:.2f}" for s in rows[name]["secs"])
                  + (f"  ({rows[name]['failed']} failed)" if rows[name]["failed"] else ""))


def main(argv):
    if len(argv) >= 2 and argv[1] == "freeport":
        freeport()
        return 0
    if len(argv) == 4 and argv[1] == "waitlisten":
        return waitlisten(int(argv[2]), float(argv[3]))
    if len(argv) >= 4 and argv[1] == "run":
        return run(float(argv[2]), argv[3:])
    if len(argv) == 4 and argv[1] == "table":
        table(argv[2], int(argv[3]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
