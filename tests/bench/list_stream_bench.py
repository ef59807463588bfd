#!/usr/bin/env python3
"""Issue 12, item 10: what a large listing costs imgsh (peak RSS, wall time).

Not a test: prints figures, asserts nothing. A fake server (tests/integration/
listing_server.py) streams a valid listing of --entries names of 215 bytes (1x, ~26 MiB)
and ten times that (10x, ~256 MiB, the size that once took imgsh to 4.5 GB). Each imgsh
given (this build and main's, for a before/after in one run) runs `ls`, `ls -l` and
`--json ls` with stdout to /dev/null; peak RSS and CPU time are imgsh's own, as GNU
time reports them (%M, %U + %S: this script's rusage would count its own RSS at the
exec); wall time includes the fake server's Python, which
makes the listing on the fly.

    tests/bench/list_stream_bench.py --imgsh build/shell/imgsh --imgsh /work/main/build/shell/imgsh

Python 3 standard library only; 127.0.0.1 only.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from listing_server import ListingServer  # noqa: E402

MIB = 1 << 20


def run(imgsh, args, home):
    env = dict(os.environ, HOME=home)
    start = time.monotonic()
    with open(os.devnull, "wb") as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as usage:
        # GNU time reports imgsh's own figures: %M peak RSS (KiB), %U + %S CPU seconds.
        rc = subprocess.call(["/usr/bin/time", "-f", "%M %U %S", "-o", usage.name, imgsh] + args,
                             stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        err.seek(0)
        report = err.read().decode(errors="replace").strip().splitlines()
        rss, user, system = usage.read().split()[-3:]
    return time.monotonic() - start, float(user) + float(system), int(rss) / 1024.0, rc, (report[-1] if report else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--imgsh", action="append", help="imgsh binary (repeat to compare)")
    ap.add_argument("--entries", type=int, default=100_000, help="entries of the 1x listing (default 100,000)")
    ap.add_argument("--factors", default="1,10", help="sizes as multiples of --entries (default 1,10)")
    opts = ap.parse_args()
    binaries = opts.imgsh or [os.path.join(HERE, "..", "..", "build", "shell", "imgsh")]
    home = tempfile.mkdtemp(prefix="list-stream-bench-")
    print("%-40s %6s %9s %-10s %8s %10s %10s  %s" % ("imgsh", "size", "MiB", "mode", "wall s", "imgsh cpu s", "peak MiB",
                                                      "report"))
    for factor in [int(f) for f in opts.factors.split(",")]:
        srv = ListingServer(opts.entries * factor, pad=200)
        try:
            for imgsh in binaries:
                for mode, args in (("ls", ["ls"]), ("ls -l", ["ls", "-l"]), ("--json ls", ["--json", "ls"])):
                    if mode == "--json ls":
                        args = ["--json", "--timeout", "600", srv.addr, "ls"]
                    else:
                        args = ["--timeout", "600", srv.addr] + args
                    wall, cpu, rss, rc, report = run(imgsh, args, home)
                    print("%-40s %5dx %9.1f %-10s %8.2f %11.2f %10.1f  %s" % (
                        imgsh[-40:], factor, srv.body_len() / MIB, mode, wall, cpu, rss,
                        report[:100] if rc == 0 or mode != "--json ls" else "exit %d" % rc), flush=True)
        finally:
            srv.stop()


if __name__ == "__main__":
    main()
