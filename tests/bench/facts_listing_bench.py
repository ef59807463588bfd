#!/usr/bin/env python3
"""`ls -l` of N files (default 10,000) with image facts, against today's (issue 13 item 2).
Not a test: prints figures. Two roots of the same N small real images (cjpeg and
ImageMagick, copied under N names, one inode each), one imgsrv per root: the BEFORE pair
(imgsrv and imgsh of another build, e.g. main's) and the AFTER pair (this build). Each
`imgsh -q HOST:PORT ls -l` is timed to completion (output to /dev/null), the pairs taking
turns which goes first; the first listing of AFTER reads every header (cold), the rest are
served from the facts cache (warm). Figures: median wall time per pair, AFTER/BEFORE.

  tests/bench/facts_listing_bench.py --before /work/main/build --after build [--files 10000 --runs 7]
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_listening(port, deadline=20.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("imgsrv did not listen on %d" % port)


def seed(root, files, samples):
    os.makedirs(root)
    for i in range(files):
        src = samples[i % len(samples)]
        shutil.copyfile(src, os.path.join(root, "img%05d%s" % (i, os.path.splitext(src)[1])))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", default="/work/main/build", help="build directory of the BEFORE pair")
    ap.add_argument("--after", default="build", help="build directory of the AFTER pair")
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="imgsh-facts-bench-")
    procs = []
    try:
        samples = []
        ppm = os.path.join(work, "s.ppm")
        subprocess.run(["convert", "-size", "64x48", "gradient:red-blue", ppm], check=True)
        samples.append(os.path.join(work, "s.jpg"))
        subprocess.run(["cjpeg", "-outfile", samples[-1], ppm], check=True)
        samples.append(os.path.join(work, "s.png"))
        subprocess.run(["convert", ppm, samples[-1]], check=True)
        pairs = {}
        for label, build in (("before", args.before), ("after", args.after)):
            root = os.path.join(work, label)
            seed(root, args.files, samples)
            port = free_port()
            log = open(os.path.join(work, label + ".log"), "w")
            p = subprocess.Popen([os.path.join(build, "server/imgsrv"), "--bind", HOST, "--root", root,
                                  "--no-fsync", "--log-level", "warn", str(port)], stdout=log, stderr=log)
            procs.append(p)
            wait_listening(port)
            pairs[label] = (os.path.join(build, "shell/imgsh"), "%s:%d" % (HOST, port))

        def listing(label):
            imgsh, addr = pairs[label]
            t = time.monotonic()
            subprocess.run([imgsh, "-q", addr, "ls", "-l"], check=True, stdout=subprocess.DEVNULL, timeout=300)
            return time.monotonic() - t

        cold = {label: listing(label) for label in ("before", "after")}
        times = {"before": [], "after": []}
        for run in range(args.runs):
            order = ("before", "after") if run % 2 == 0 else ("after", "before")
            for label in order:
                times[label].append(listing(label))
        med = {label: statistics.median(v) for label, v in times.items()}
        print("ls -l of %d files, %d runs each (median wall time, imgsh start to exit)" % (args.files, args.runs))
        print("  first listing:   before %.3f s   after %.3f s (reads every header)" % (cold["before"], cold["after"]))
        print("  warm (cached):   before %.3f s   after %.3f s   after/before %.2f" %
              (med["before"], med["after"], med["after"] / med["before"]))
        print("  all runs before: %s" % " ".join("%.3f" % t for t in times["before"]))
        print("  all runs after:  %s" % " ".join("%.3f" % t for t in times["after"]))
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
