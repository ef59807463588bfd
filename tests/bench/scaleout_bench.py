#!/usr/bin/env python3
"""Scale-out rows (issue 11): imgsh through HAProxy to two `imgsrv --shared-root` nodes on one
CephFS (a one-machine Ceph cluster, two ceph-fuse mounts, tests/scaleout/ceph_cluster.py)
against imgsh straight to one imgsrv on a local directory, in the same run.

Workloads, each `--runs` times, the two setups alternating which goes first:
  - 1000 files of 100 KiB: one `imgsh mget` session (one node serves it), and the same files
    as two concurrent sessions of half each (HAProxy sends them to both nodes);
  - one 1 GiB file: `imgsh get` to disk (imgsh fsyncs what it downloads).
Prints a markdown table of medians and the ratio cluster / local. Asserts nothing.

Needs root (ceph-fuse, a private mount namespace) and the Ceph packages and haproxy
(scripts/deps.sh). Run: `make bench BENCH_ARGS=--scaleout` (run_bench.sh hands the other
arguments here), or `sudo tests/bench/scaleout_bench.py [--runs N] [--size-mb N]`.
Everything it starts is stopped by PID, the mounts vanish with the namespace, scratch removed.
Python 3 standard library only.
"""
import argparse
import os
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
sys.path.insert(0, os.path.join(REPO, "tests", "scaleout"))

import ceph_cluster  # noqa: E402
import haproxy  # noqa: E402

BUILD = os.environ.get("BUILD", os.path.join(REPO, "build"))
IMGSRV = os.environ.get("IMGSRV") or os.path.join(BUILD, "server", "imgsrv")
IMGSH = os.environ.get("IMGSH") or os.path.join(BUILD, "shell", "imgsh")
HOST = "127.0.0.1"
MIB = 1 << 20
PROCS = []


def say(*args):
    print("[scaleout-bench]", *args, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_imgsrv(root, log_path, extra=()):
    for _ in range(5):
        port = free_port()
        log = open(log_path, "ab")
        p = subprocess.Popen([IMGSRV, "--bind", HOST, "--root", root, "--no-fsync",
                              "--log-level", "warn"] + list(extra) + [str(port)],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             cwd="/")
        log.close()
        PROCS.append(p)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and p.poll() is None:
            try:
                # A listing answered means the root is locked and swept: serving.
                out = subprocess.run([IMGSH, "-q", "%s:%d" % (HOST, port), "ls", "-1"],
                                     stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
                if out.returncode == 0:
                    return p, port
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.1)
        if p.poll() is None:
            p.kill()
            raise RuntimeError("imgsrv on %s did not come up" % root)
    raise RuntimeError("imgsrv found no free port")


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


def timed(argv, cwd, timeout):
    t = time.monotonic()
    res = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, timeout=timeout)
    secs = time.monotonic() - t
    if res.returncode != 0:
        say("FAILED (%d): %s\n%s" % (res.returncode, " ".join(argv[:4]),
                                    res.stderr.decode(errors="replace")[-2000:]))
        return None
    return secs


def timed_parallel(argvs, cwd, timeout):
    t = time.monotonic()
    procs = [subprocess.Popen(a, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE) for a in argvs]
    ok = True
    for p in procs:
        try:
            _, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            ok = False
            continue
        if p.returncode != 0:
            say("FAILED: %s" % err.decode(errors="replace")[-2000:])
            ok = False
    secs = time.monotonic() - t
    return secs if ok else None


def make_data(root, big_mb, small_count, small_kb):
    """The same bytes in every root: a big file and the small ones (PNG signature + random)."""
    block = os.urandom(MIB)
    with open(os.path.join(root, "big.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        for _ in range(big_mb):
            f.write(block)
        f.truncate(big_mb * MIB)
        os.fsync(f.fileno())
    names = ["g%04d.png" % i for i in range(small_count)]
    for i, n in enumerate(names):
        with open(os.path.join(root, n), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + os.urandom(small_kb * 1024 - 8))
    return names


def clean(d):
    for n in os.listdir(d):
        os.unlink(os.path.join(d, n))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", 3)))
    p.add_argument("--size-mb", type=int, default=1024)
    p.add_argument("--small-count", type=int, default=1000)
    p.add_argument("--small-kb", type=int, default=100)
    p.add_argument("--timeout", type=float, default=300.0)
    a = p.parse_args()
    if os.geteuid() != 0:
        say("skipped: needs root (ceph-fuse mounts in a private mount namespace)")
        return 0
    missing = ceph_cluster.missing_binaries() + ([] if shutil.which("haproxy") else ["haproxy"])
    if missing:
        say("skipped: missing %s (scripts/deps.sh installs them)" % ", ".join(missing))
        return 0
    ceph_cluster.private_mount_namespace()
    work = tempfile.mkdtemp(prefix="imgsh-scaleout-bench-")
    results = {}
    cluster = None
    lb = None
    try:
        local_root = os.path.join(work, "root")
        dl = os.path.join(work, "dl")
        os.mkdir(local_root)
        os.mkdir(dl)
        t = time.monotonic()
        cluster = ceph_cluster.CephCluster(clients=2, verbose=False)
        cluster.__enter__()
        say("cluster up in %.1f s" % (time.monotonic() - t))
        shared = [os.path.join(m, "store") for m in cluster.mounts]
        os.mkdir(shared[0])
        say("making a %d MiB file and %d x %d KiB files, locally and on CephFS"
            % (a.size_mb, a.small_count, a.small_kb))
        names = make_data(local_root, a.size_mb, a.small_count, a.small_kb)
        t = time.monotonic()
        for n in ["big.png"] + names:
            shutil.copyfile(os.path.join(local_root, n), os.path.join(shared[0], n))
        say("copied onto CephFS in %.1f s" % (time.monotonic() - t))
        _, local_port = start_imgsrv(local_root, os.path.join(work, "local.log"))
        ports = []
        for node, root in zip("ab", shared):
            _, port = start_imgsrv(root, os.path.join(work, "node-%s.log" % node),
                                   ["--shared-root", "--node-id", node])
            ports.append(port)
        lb = haproxy.HAProxy([(HOST, port) for port in ports], check="ping",
                             workdir=os.path.join(work, "haproxy"))
        os.mkdir(lb.dir)
        lb.start()
        lb.wait_servers(lambda s: all(v == ("UP", "L7OK") for v in s.values()), 10)
        setups = {"local": "%s:%d" % (HOST, local_port), "cluster": "%s:%d" % (HOST, lb.port)}
        half = len(names) // 2
        for run in range(a.runs):
            order = ["local", "cluster"] if run % 2 == 0 else ["cluster", "local"]
            for setup in order:
                addr = setups[setup]
                subprocess.run(["sync"])
                secs = timed([IMGSH, "-q", addr, "mget"] + names, dl, a.timeout)
                results.setdefault(("small get, 1 session", setup), []).append(secs)
                clean(dl)
                subprocess.run(["sync"])
                secs = timed_parallel([[IMGSH, "-q", addr, "mget"] + names[:half],
                                       [IMGSH, "-q", addr, "mget"] + names[half:]], dl, a.timeout)
                results.setdefault(("small get, 2 sessions", setup), []).append(secs)
                clean(dl)
                subprocess.run(["sync"])
                secs = timed([IMGSH, "-q", addr, "get", "big.png", os.path.join(dl, "big.png")],
                             dl, a.timeout)
                results.setdefault(("1 GiB get" if a.size_mb == 1024 else "%d MiB get" % a.size_mb,
                                    setup), []).append(secs)
                clean(dl)
            say("run %d of %d done" % (run + 1, a.runs))
        rows = []
        sizes = {"small get, 1 session": a.small_count * a.small_kb * 1024,
                 "small get, 2 sessions": a.small_count * a.small_kb * 1024}
        print("\n| workload (median of %d) | one node, local dir | 2 nodes on CephFS via HAProxy | cluster / local |"
              % a.runs)
        print("|---|---|---|---|")
        for work_name in dict.fromkeys(k for k, _ in results):
            med = {}
            for setup in ("local", "cluster"):
                vals = [v for v in results[(work_name, setup)] if v is not None]
                med[setup] = statistics.median(vals) if vals else None
            nbytes = sizes.get(work_name, a.size_mb * MIB)

            def cell(s):
                if s is None:
                    return "FAILED"
                return "%.2f s (%.0f MB/s)" % (s, nbytes / s / 1e6)
            ratio = ("%.2f x the time" % (med["cluster"] / med["local"])
                     if med["local"] and med["cluster"] else "-")
            rows.append("| %s | %s | %s | %s |" % (work_name, cell(med["local"]),
                                                    cell(med["cluster"]), ratio))
        print("\n".join(rows))
        print("\nraw seconds: " + ", ".join("%s/%s %s" % (k[0], k[1], ["%.2f" % x if x else "FAILED" for x in v])
                                           for k, v in results.items()))
    finally:
        for proc in reversed(PROCS):
            stop(proc)
        if lb is not None:
            lb.stop()
        if cluster is not None:
            cluster.teardown()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
