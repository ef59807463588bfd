#!/usr/bin/env python3
"""Issue 12, item 1: a fresh client's hello latency while two stats hash big files.

Not a test: prints figures, asserts nothing. Two files placed in the root by hand (sparse,
no cached checksum) are stat-ed by two clients at once; meanwhile a third client connects
and says hello, repeatedly, and the latencies are printed. Before the worker pool the
hashes ran on the I/O threads and the hello waited for one of them.

    tests/bench/hardening_bench.py [--imgsrv PATH] [--size-gib 16] [--hellos 5]
    tests/bench/hardening_bench.py --imgsrv /work/main/build/server/imgsrv   # "before"

Python 3 standard library only; 127.0.0.1 only; everything removed on exit.
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
BUILD = os.environ.get("BUILD", os.path.join(HERE, "..", "..", "build"))

sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from raw_sockets import HOST, read_frame  # noqa: E402  (Python standard library only)
from wire import frame  # noqa: E402


def recv_reply(sock):
    return read_frame(sock)[0]


def connect(port, timeout):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def hello(sock):
    sock.sendall(frame({"op": "hello", "id": 1, "version": 1, "client": "hardening-bench/1"}))
    return recv_reply(sock)


def hello_latencies(port, count):
    """Seconds from connect to hello's reply, for `count` new connections one after another."""
    took = []
    for _ in range(count):
        t = time.monotonic()
        with connect(port, 600) as s:
            hello(s)
        took.append(time.monotonic() - t)
    return took


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--imgsrv", default=os.environ.get("IMGSRV") or os.path.join(BUILD, "server", "imgsrv"))
    ap.add_argument("--size-gib", type=int, default=16)
    ap.add_argument("--hellos", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    scratch = tempfile.mkdtemp(prefix="imgsh-hardening-bench-")
    server = None
    try:
        for name in ("big1.png", "big2.png"):
            with open(os.path.join(scratch, name), "wb") as f:
                f.write(b"\x89PNG\r\n\x1a\n")
                f.truncate(args.size_gib << 30)
        port = free_port()
        server = subprocess.Popen([args.imgsrv, "--bind", HOST, "--root", scratch, "--threads", str(args.threads),
                                   "--log-level", "warn", str(port)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                connect(port, 1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        baseline = hello_latencies(port, args.hellos)
        stats = []
        start = time.monotonic()
        for name in ("big1.png", "big2.png"):
            s = connect(port, 600)
            hello(s)
            s.sendall(frame({"op": "stat", "id": 2, "name": name}))
            stats.append(s)
        time.sleep(0.2)
        during = hello_latencies(port, args.hellos)
        for s in stats:
            recv_reply(s)
            s.close()
        hashed = time.monotonic() - start
        ms = lambda xs: "median %.1f ms, max %.1f ms" % (statistics.median(xs) * 1000, max(xs) * 1000)
        print("imgsrv: %s (--threads %d)" % (args.imgsrv, args.threads))
        print("hello latency, idle server:                   %s" % ms(baseline))
        print("hello latency, two %d GiB files hashing:      %s" % (args.size_gib, ms(during)))
        print("both stats answered after %.1f s" % hashed)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
