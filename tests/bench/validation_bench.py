#!/usr/bin/env python3
"""What image validation on put costs (issue 13): the same puts of real images through
this build (imgsh checks the file, imgsrv decodes it before publishing) and through a
build without validation (BASE_BUILD, by default /work/main/build), in the same run,
alternating which goes first. Prints medians; asserts nothing about timing.

  tests/bench/validation_bench.py [--runs 3] [--size-mb 1024] [--small-count 1000]

Rows: `put 1000 x 100 KiB` (one mput session) and `put 1 GiB` (one put), each for
  base     both BASE_BUILD binaries (before issue 13 merged: no validation; since then
           main validates too, serially after the body and before sending: a before/after);
  server   this imgsrv, the base imgsh: the server's share;
  ours     this imgsrv and this imgsh.
The 1 GiB file is a 16-bit RGBA PNG of noise in stored deflate blocks (134 MP, within
the default --max-pixels); the small ones 8-bit RGB PNGs of noise padded to 100 KiB.
Servers run with --no-fsync, so the disk is not what is measured.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
from images import make_png  # noqa: E402

BUILD = os.environ.get("BUILD", os.path.join(REPO, "build"))
BASE = os.environ.get("BASE_BUILD", "/work/main/build")
HOST = "127.0.0.1"


def binaries(build):
    return os.path.join(build, "server", "imgsrv"), os.path.join(build, "shell", "imgsh")


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(imgsrv, root, log):
    port = free_port()
    proc = subprocess.Popen([imgsrv, "--bind", HOST, "--root", root, "--no-fsync", "--log-level", "warn", str(port)],
                            stdout=log, stderr=log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("imgsrv did not start")


def timed_put(imgsh, port, args, cwd):
    os.sync()
    time.sleep(0.3)
    t0 = time.perf_counter()
    res = subprocess.run([imgsh, "-q", "%s:%d" % (HOST, port)] + args, cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, timeout=1800)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError("imgsh failed: " + res.stderr.decode(errors="replace")[-800:])
    return wall


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--small-count", type=int, default=1000)
    a = ap.parse_args()
    ours_srv, ours_sh = binaries(BUILD)
    base_srv, base_sh = binaries(BASE)
    configs = {"base": (base_srv, base_sh), "server": (ours_srv, base_sh), "ours": (ours_srv, ours_sh)}
    work = tempfile.mkdtemp(prefix="imgsh-vbench-")
    try:
        src = os.path.join(work, "src")
        os.makedirs(src)
        print("making %d x 100 KiB PNGs and a %d MiB PNG in %s" % (a.small_count, a.size_mb, work), flush=True)
        small = []
        for i in range(a.small_count):
            name = "s%04d.png" % i
            make_png(os.path.join(src, name), 180, 180, seed=i, level=0, pad_to=100 * 1024)
            small.append(name)
        pixels = a.size_mb * (1 << 20) // 8
        width = 16384 if pixels >= 16384 * 64 else 1024
        big = make_png(os.path.join(src, "big.png"), width, pixels // width, seed=7, level=0, rgba16=True)
        big_size = os.path.getsize(big)
        subprocess.run(["cat", big], stdout=subprocess.DEVNULL)
        times = {}
        log = open(os.path.join(work, "servers.log"), "ab")
        for run in range(a.runs):
            order = list(configs) if run % 2 == 0 else list(reversed(configs))
            for key in order:
                imgsrv, imgsh = configs[key]
                root = os.path.join(work, "root-" + key)
                shutil.rmtree(root, True)
                os.makedirs(root)
                proc, port = start_server(imgsrv, root, log)
                try:
                    t_small = timed_put(imgsh, port, ["mput"] + small, src)
                    t_big = timed_put(imgsh, port, ["put", "big.png"], src)
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
                if len(os.listdir(root)) < a.small_count + 1:
                    raise RuntimeError("%s: not everything was stored" % key)
                times.setdefault(("small", key), []).append(t_small)
                times.setdefault(("big", key), []).append(t_big)
                print("run %d %-6s  small %.2f s  big %.2f s" % (run + 1, key, t_small, t_big), flush=True)
                shutil.rmtree(root, True)
        print()
        print("| workload | base (%s) | this server, base shell | this server and shell | ratio server/base | ratio ours/base |"
              % BASE)
        print("|---|---|---|---|---|---|")
        for work_key, label in (("small", "put %d x 100 KiB (mput)" % a.small_count),
                                ("big", "put %.2f GiB (one file)" % (big_size / (1 << 30)))):
            med = {k: statistics.median(times[(work_key, k)]) for k in configs}
            print("| %s | %.2f s | %.2f s | %.2f s | %.2f | %.2f |" % (
                label, med["base"], med["server"], med["ours"], med["server"] / med["base"], med["ours"] / med["base"]))
        print("\n(medians of %d runs; imgsrv --no-fsync; base: %s)" % (a.runs, BASE))
    finally:
        shutil.rmtree(work, True)


if __name__ == "__main__":
    main()
