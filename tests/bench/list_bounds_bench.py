#!/usr/bin/env python3
"""Issue 12, item 2: what `list` costs the server on a large root.

Not a test: prints figures, asserts nothing. Two measures, each run against every
imgsrv given (e.g. this build and main's, for a before/after in one run):

  memory: a root of --names names of 248 bytes; --clients clients each send `list`
          and never read. Server RSS (VmRSS) before, while they wait, after they left.
  time:   a root of --files files; one client sends `list` with limit 200 (and 1), many
          times. Server CPU per request, from /proc/PID/stat utime+stime, and wall time.

    tests/bench/list_bounds_bench.py --imgsrv build/server/imgsrv --imgsrv /work/main/build/server/imgsrv

Python 3 standard library only; 127.0.0.1 only; everything removed on exit.
"""
import argparse
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("BUILD", os.path.join(HERE, "..", "..", "build"))
HOST = "127.0.0.1"
TICK = os.sysconf("SC_CLK_TCK")


def frame(header):
    hb = json.dumps(header).encode()
    return struct.pack(">IQ", len(hb), 0) + hb


def recv_exact(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(min(n - len(data), 1 << 20))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return bytes(data)


def recv_reply(sock):
    hl, bl = struct.unpack(">IQ", recv_exact(sock, 12))
    header = json.loads(recv_exact(sock, hl))
    recv_exact(sock, bl)
    return header, bl


def connect(port):
    s = socket.create_connection((HOST, port), timeout=600)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(frame({"op": "hello", "id": 1, "version": 1, "client": "list-bench/1"}))
    recv_reply(s)
    return s


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def start(imgsrv, root):
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([imgsrv, "--bind", HOST, "--root", root, "--threads", "2", "--log-level", "warn",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return server, port
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def stop(server):
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def fill(root, count, name_of):
    for i in range(count):
        os.close(os.open(os.path.join(root, name_of(i)), os.O_CREAT | os.O_WRONLY, 0o644))


def settle(pid, quiet=0.5, limit=60):
    """Waits until the server has used no CPU for `quiet` seconds."""
    end = time.monotonic() + limit
    last = cpu_seconds(pid)
    while time.monotonic() < end:
        time.sleep(quiet)
        now = cpu_seconds(pid)
        if now == last:
            return
        last = now


def memory(imgsrv, root, clients):
    server, port = start(imgsrv, root)
    try:
        base = rss_mib(server.pid)
        socks = []
        for i in range(clients):
            s = connect(port)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(frame({"op": "list", "id": 2}))
            socks.append(s)
        settle(server.pid)
        waiting = rss_mib(server.pid)
        for s in socks:
            s.close()
        time.sleep(1)
        settle(server.pid)
        after = rss_mib(server.pid)
        print("  RSS idle %.1f MiB, %d non-reading listers %.1f MiB (+%.1f), after they left %.1f MiB"
              % (base, clients, waiting, waiting - base, after))
    finally:
        stop(server)


def timing(imgsrv, root, rounds):
    server, port = start(imgsrv, root)
    try:
        with connect(port) as s:
            for limit in (200, 1, 0):
                n = rounds if limit else 3
                cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
                for i in range(n):
                    s.sendall(frame({"op": "list", "id": 10 + i, "limit": limit}))
                    header, body_len = recv_reply(s)
                wall = (time.monotonic() - t0) / n
                cpu = (cpu_seconds(server.pid) - cpu0) / n
                print("  list limit %-3d: %d entries, %d body bytes; server CPU %.1f ms, wall %.1f ms per request"
                      % (limit, header.get("count", -1), body_len, cpu * 1000, wall * 1000))
    finally:
        stop(server)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--imgsrv", action="append")
    ap.add_argument("--names", type=int, default=50000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--files", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    servers = args.imgsrv or [os.environ.get("IMGSRV") or os.path.join(BUILD, "server", "imgsrv")]
    scratch = tempfile.mkdtemp(prefix="imgsh-list-bench-")
    try:
        long_root = os.path.join(scratch, "long")
        os.mkdir(long_root)
        fill(long_root, args.names, lambda i: "%08d" % i + "x" * 236 + ".png")  # 248 bytes
        many_root = os.path.join(scratch, "many")
        os.mkdir(many_root)
        fill(many_root, args.files, lambda i: "img%07d.jpg" % ((i * 7919) % args.files))
        for imgsrv in servers:
            print("imgsrv: %s" % imgsrv)
            print(" memory, %d names of 248 bytes:" % args.names)
            memory(imgsrv, long_root, args.clients)
            print(" time, %d files:" % args.files)
            timing(imgsrv, many_root, args.rounds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
