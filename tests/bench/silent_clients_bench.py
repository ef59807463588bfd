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
import os
import resource
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from raw_sockets import HOST, open_silent, read_frame  # noqa: E402  (Python standard library only)
from wire import frame  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def hello(port, source, timeout):
    """'ok', or the refusal code, or the error, for one hello on a new connection."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout, source_address=(source, 0)) as s:
            s.sendall(frame({"op": "hello", "id": 1, "version": 1, "client": "bench/1"}))
            reply, _ = read_frame(s)
            return "ok" if reply.get("status") == "ok" else reply.get("code", "?")
    except ConnectionError as e:
        if type(e) is ConnectionError:  # read_frame's: the server closed before a whole reply
            return "closed"
        return type(e).__name__
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
        silent = open_silent(port, args.silent, timeout=5)
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
