#!/usr/bin/env python3
"""Server CPU per `list` of N files (default 10,000), with and without image facts in the
reply (issue 13: `ls -l` with facts cached within 10% of `ls -l` without them).
Not a test: prints figures.

Each --server LABEL=BUILD[:KIND] starts that build's imgsrv on a root of its own holding N
files of one KIND:
  images  real images (a cjpeg JPEG, a cjpeg JPEG with EXIF, an ImageMagick PNG, each
          copied under N/3 names): a list reply carries every entry's facts;
  nofacts JPEG-looking files (SOI, a comment segment, then no frame header): the header
          gate lists them and the facts reader finds nothing, so the reply carries no
          `image` object while the listing still pays every lookup; the same sizes as
          `images`, so the byte counts of size fields match.
A raw client (tests/integration/wire.py) says hello and sends `list`s on one connection,
reading each reply whole; the first two lists per server are not counted (they read
every header into the caches). Then the servers take turns, --batch lists each per
round, for --rounds rounds. Figures: server utime+stime from /proc/PID/stat per list
(10 ms ticks, hence many lists), the reply's body bytes, and the ratio to the first
server. --callgrind LABEL also counts the user-space instructions of one warm list of
that server under callgrind (after the timed part; callgrind_control -z / -d).

  tests/bench/list_cost_bench.py --server prefacts=/tmp/pre/build --server after=build \\
      --server after-nofacts=build:nofacts --callgrind after
"""
import argparse
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import bench as B  # noqa: E402  (processes, ports)
from cpu_per_request import process_cpu  # noqa: E402
from exif_segment import insert_exif  # noqa: E402
from images import make_jpeg  # noqa: E402
from wire import RawClient  # noqa: E402


def samples(work):
    """(suffix, bytes) of the three real images every `images` root repeats."""
    jpeg = make_jpeg(os.path.join(work, "s.jpg"), width=64, height=48, seed=3)
    with open(jpeg, "rb") as f:
        plain = f.read()
    exif = insert_exif(plain, orientation=6, model="Bench Camera X100", taken="2026:12:03 07:50:00")
    png = os.path.join(work, "s.png")
    subprocess.run(["convert", "-size", "64x48", "gradient:red-blue", png], check=True)
    with open(png, "rb") as f:
        return [(".jpg", plain), (".jpg", exif), (".png", f.read())]


def no_facts(data):
    """A file of len(data) bytes the header gate admits and the facts reader gives up on."""
    body = b"\xff\xd8\xff\xfe\x00\x10" + b"no frame here..." + b"\xff\xd9"
    return body + b"\0" * (len(data) - len(body))


def seed(root, files, kind, images):
    os.makedirs(root)
    for i in range(files):
        suffix, data = images[i % len(images)]
        if kind == "nofacts":
            suffix, data = ".jpg", no_facts(data)
        with open(os.path.join(root, "img%05d%s" % (i, suffix)), "wb") as f:
            f.write(data)


def list_once(client):
    reply, body = client.request("list")
    if reply.get("status") != "ok":
        raise RuntimeError("list refused: %r" % reply)
    return len(body), body.count(b'"image"')


def callgrind_one_list(label, build, root, work):
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        B.say("valgrind missing: no instruction counts")
        return None
    d = os.path.join(work, "callgrind-" + label)
    os.makedirs(d)
    port = B.free_port()
    log = open(os.path.join(work, label + "-callgrind.log"), "w")
    srv = B.start("imgsrv-callgrind", ["valgrind", "--tool=callgrind", f"--callgrind-out-file={d}/imgsrv.%p",
                                       os.path.join(build, "server", "imgsrv"), "--bind", B.HOST, "--root", root,
                                       "--no-fsync", "--log-level", "warn", str(port)], port, log, timeout=180)
    with RawClient(port, timeout=600) as c:
        c.hello()
        for _ in range(2):
            list_once(c)  # caches warm
        subprocess.run(["callgrind_control", "-z", str(srv.pid)], capture_output=True, timeout=120)
        list_once(c)
        before = set(glob.glob(f"{d}/imgsrv.{srv.pid}.*"))
        subprocess.run(["callgrind_control", "-d", str(srv.pid)], capture_output=True, timeout=120)
    dumps = sorted(set(glob.glob(f"{d}/imgsrv.{srv.pid}.*")) - before, key=os.path.getmtime)
    B.stop_all()
    if not dumps:
        return None
    with open(dumps[-1]) as f:
        m = re.search(r"^(?:totals|summary): (\d+)", f.read(), re.M)
    B.say(f"callgrind dump of one list ({label}): {dumps[-1]} (callgrind_annotate it before the scratch goes)")
    return int(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", action="append", required=True, metavar="LABEL=BUILD[:KIND]")
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--batch", type=int, default=10, help="lists per server per round")
    ap.add_argument("--callgrind", action="append", default=[], metavar="LABEL")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory (callgrind dumps)")
    args = ap.parse_args()
    servers = []
    for spec in args.server:
        label, _, rest = spec.partition("=")
        build, _, kind = rest.partition(":")
        servers.append((label, os.path.abspath(build), kind or "images"))
    work = tempfile.mkdtemp(prefix="imgsh-list-cost-")
    clients = {}
    try:
        images = samples(work)
        roots, procs = {}, {}
        for label, build, kind in servers:
            roots[label] = os.path.join(work, "root-" + label)
            seed(roots[label], args.files, kind, images)
            port = B.free_port()
            log = open(os.path.join(work, label + ".log"), "w")
            procs[label] = B.start("imgsrv-" + label, [os.path.join(build, "server", "imgsrv"), "--bind", B.HOST,
                                                       "--root", roots[label], "--no-fsync", "--log-level", "warn",
                                                       str(port)], port, log)
            clients[label] = RawClient(port, timeout=300)
            clients[label].hello()
        shape = {}
        for label, _, _ in servers:
            for _ in range(2):
                shape[label] = list_once(clients[label])
        cpu = {label: [] for label, _, _ in servers}
        for r in range(args.rounds):
            order = servers if r % 2 == 0 else list(reversed(servers))
            for label, _, _ in order:
                pid = procs[label].pid
                t = process_cpu(pid)
                for _ in range(args.batch):
                    list_once(clients[label])
                cpu[label].append((process_cpu(pid) - t) / args.batch)
        for c in clients.values():
            c.close()
        B.stop_all()  # each root is claimed by one server at a time: the callgrind one takes it next
        counts = {}
        for label in args.callgrind:
            build = next(b for lab, b, _ in servers if lab == label)
            counts[label] = callgrind_one_list(label, build, roots[label], work)
        first = servers[0][0]
        base = statistics.median(cpu[first])
        print(f"list of {args.files} files: server CPU (utime+stime) per list, {args.rounds} rounds x "
              f"{args.batch} lists, median of the rounds")
        print("| server | root | body bytes | entries with image | CPU ms/list | vs %s | rounds (ms) |" % first)
        print("|---|---|---|---|---|---|---|")
        for label, build, kind in servers:
            med = statistics.median(cpu[label])
            print("| %s | %s | %d | %d | %.2f | %.2f | %s |" % (
                label, kind, shape[label][0], shape[label][1], med * 1e3, med / base if base else float("nan"),
                " ".join("%.1f" % (v * 1e3) for v in cpu[label])))
        for label, n in counts.items():
            print(f"callgrind, one warm list, {label}: {n:,} instructions" if n else f"callgrind {label}: no count")
    finally:
        for c in clients.values():
            c.close()
        B.stop_all()
        if args.keep:
            B.say("scratch kept: " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
