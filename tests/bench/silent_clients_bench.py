#!/usr/bin/env python3
"""How long silent connections keep a real client out (issue 12, item 3). Not a test:
prints figures. Starts imgsrv on 127.0.0.1 (a free port, a scratch root removed on exit),
opens N connections that never send a byte, then measures how long a real client (a
hello, from 127.0.0.1 and from 127.0.0.2) takes to get a session, giving up after
--budget seconds. Bounded: N connections, one server, every wait with a deadline.

  tests/bench/silent_clients_bench.py --imgsrv /work/main/build/server/imgsrv   # before
  tests/bench/silent_clients_bench.py --imgsrv build/server/imgsrv              # after
"""
import argparse
import json
import os
import resource
import shlex
import shutil
import socket
import struct
import subprocess
import tempfile
import time

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def hello(port, source, timeout):
    """'ok', or the refusal code, or the error, for one hello on a new connection."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout, source_address=(source, 0)) as s:
            header = json.dumps({"op": "hello", "id": 1, "version": 1, "client": "bench/1"}).encode()
            s.sendall(struct.pack(">IQ", len(header), 0) + header)
            prefix = b""
            while len(prefix) < 12:
                chunk = s.recv(12 - len(prefix))
                if not chunk:
                    return "closed"
                prefix += chunk
            header_len, _ = struct.unpack(">IQ", prefix)
            body = b""
            while len(body) < header_len:
                chunk = s.recv(header_len - len(body))
                if not chunk:
                    return "closed"
                body += chunk
            reply = json.loads(body)
            return "ok" if reply.get("status") == "ok" else reply.get("code", "?")
    except OSError as e:
        return type(e).__name__


def time_to_get_in(port, source, budget):
    started = time.monotonic()
    tries, last = 0, ""
    while time.monotonic() - started < budget:
        tries += 1
        last = hello(port, source, timeout=min(2.0, budget))
        if last == "ok":
            return time.monotonic() - started, tries, last
        time.sleep(0.2)
    return None, tries, last


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--imgsrv", required=True)
    ap.add_argument("--silent", type=int, default=1100, help="silent connections (default 1100)")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds a real client keeps trying (default 20)")
    ap.add_argument("--extra", default="", help='more imgsrv options, e.g. --extra="--hello-timeout 5"')
    ap.add_argument("--log", help="keep the server log in this file")
    ap.add_argument("--log-level", default="warn")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # our own silent sockets
    scratch = tempfile.mkdtemp(prefix="silent-bench-")
    port = free_port()
    log = open(args.log or os.devnull, "wb")
    srv = subprocess.Popen([args.imgsrv, "--bind", HOST, "--root", scratch, "--log-level", args.log_level] + shlex.split(args.extra)
                           + [str(port)], stdout=log, stderr=subprocess.STDOUT)
    silent = []
    try:
        deadline = time.monotonic() + 10
        while hello(port, HOST, 1.0) != "ok":
            if time.monotonic() > deadline or srv.poll() is not None:
                raise SystemExit("imgsrv did not start")
            time.sleep(0.1)
        for _ in range(args.silent):
            silent.append(socket.create_connection((HOST, port), timeout=5))
        time.sleep(2.0)  # let the server accept them all
        print("imgsrv %s, %d silent connections from %s" % (args.imgsrv, args.silent, HOST))
        for source in ("127.0.0.2", HOST):  # another address first, while the silent ones hold
            took, tries, last = time_to_get_in(port, source, args.budget)
            if took is None:
                print("  real client from %-9s: kept out for %.0f s (%d tries, last: %s)"
                      % (source, args.budget, tries, last))
            else:
                print("  real client from %-9s: in after %.2f s (%d tries)" % (source, took, tries))
    finally:
        for s in silent:
            s.close()
        srv.terminate()
        try:
            srv.wait(timeout=10)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
