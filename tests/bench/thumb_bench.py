#!/usr/bin/env python3
"""Thumbnail cost (issue 13): server CPU per thumb of a 24 MP JPEG, uncached and cached.

Starts imgsrv on 127.0.0.1 with one 6000 x 4000 JPEG (ImageMagick), then sends N thumb
requests over one session and reads the server's CPU time (utime + stime from
/proc/PID/stat) before and after: uncached (every request another edge, so every one is
decoded) and cached (one edge again and again). Peers in the same run: ImageMagick
`convert -thumbnail` on the same file, plain and with `-define jpeg:size` (libjpeg's
shrink-on-load, as libvips does), CPU from the child's rusage. Prints figures, asserts
nothing. Usage: tests/bench/thumb_bench.py [--build build] [--requests 20] [--edge 256]
"""

import argparse
import json
import os
import resource
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def frame(header):
    h = json.dumps(header).encode()
    return struct.pack(">IQ", len(h), 0) + h


def recv_exact(sock, n):
    out = bytearray()
    while len(out) < n:
        b = sock.recv(n - len(out))
        if not b:
            raise RuntimeError("server closed")
        out += b
    return bytes(out)


def request(sock, header):
    sock.sendall(frame(header))
    hl, bl = struct.unpack(">IQ", recv_exact(sock, 12))
    reply = json.loads(recv_exact(sock, hl))
    body = recv_exact(sock, bl)
    if reply.get("status") != "ok":
        raise RuntimeError("refused: %r" % reply)
    return reply, body


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def peak_rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child_cpu(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), time.monotonic() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--edge", type=int, default=256)
    args = ap.parse_args()
    scratch = tempfile.mkdtemp(prefix="imgsh-thumb-bench-")
    server = None
    try:
        root = os.path.join(scratch, "root")
        os.mkdir(root)
        big = os.path.join(root, "big.jpg")
        subprocess.run(["convert", "-size", "6000x4000", "plasma:red-blue", "-quality", "90", big], check=True)
        print("image: 6000 x 4000 (24 MP) JPEG, %.1f MB" % (os.path.getsize(big) / 1e6))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([os.path.join(args.build, "server", "imgsrv"), "--bind", "127.0.0.1", "--root", root,
                                   "--log-level", "warn", str(port)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=60)
                break
            except OSError:
                time.sleep(0.05)
        request(sock, {"op": "hello", "id": 1, "version": 1, "client": "thumb-bench"})
        rid = 2
        n = args.requests

        base = cpu_seconds(server.pid)
        start = time.monotonic()
        for i in range(n):  # every request another edge: nothing comes from the cache
            request(sock, {"op": "thumb", "id": rid, "name": "big.jpg", "edge": args.edge + i})
            rid += 1
        uncached_wall = time.monotonic() - start
        uncached_cpu = cpu_seconds(server.pid) - base
        rss = peak_rss_mib(server.pid)

        request(sock, {"op": "thumb", "id": rid, "name": "big.jpg", "edge": args.edge})
        rid += 1
        base = cpu_seconds(server.pid)
        start = time.monotonic()
        for _ in range(n * 10):
            reply, body = request(sock, {"op": "thumb", "id": rid, "name": "big.jpg", "edge": args.edge})
            rid += 1
        cached_wall = time.monotonic() - start
        cached_cpu = cpu_seconds(server.pid) - base

        print("%-44s %12s %12s %10s" % ("", "CPU ms/thumb", "wall ms", "peak RSS"))
        print("%-44s %12.1f %12.1f %8.1f MiB" % ("imgsrv thumb, uncached (%d)" % n, 1000 * uncached_cpu / n,
                                                   1000 * uncached_wall / n, rss))
        print("%-44s %12.3f %12.3f %10s" % ("imgsrv thumb, cached (%d)" % (n * 10), 1000 * cached_cpu / (n * 10),
                                              1000 * cached_wall / (n * 10), "-"))
        print("  (reply: %dx%d %s, %d bytes)" % (reply["width"], reply["height"], reply["format"], len(body)))
        out = os.path.join(scratch, "t.jpg")
        geometry = "%dx%d" % (args.edge, args.edge)
        for label, cmd in (("convert -thumbnail (ImageMagick)", ["convert", big, "-thumbnail", geometry, out]),
                           ("convert -define jpeg:size -thumbnail", ["convert", "-define", "jpeg:size=%dx%d" % (
                               2 * args.edge, 2 * args.edge), big, "-thumbnail", geometry, out])):
            runs = 3
            total_cpu = total_wall = 0.0
            for _ in range(runs):
                c, w = child_cpu(cmd)
                total_cpu += c
                total_wall += w
            # (ru_maxrss of the children is the largest child's ever: not this one's alone)
            print("%-44s %12.1f %12.1f %10s" % (label + " (%d)" % runs, 1000 * total_cpu / runs,
                                                  1000 * total_wall / runs, "-"))
    finally:
        if server:
            server.terminate()
            server.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
