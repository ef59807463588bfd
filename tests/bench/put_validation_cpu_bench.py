#!/usr/bin/env python3
"""What validating a big put costs the server (issue 13: `put 1 GiB` within 10% of the
same put without validation). Not a test: prints figures.

imgsrv has no runtime switch that turns validation off (and grows no user-facing one).
Two measures, in the same run:
- The same put against an imgsrv built with the benchmarks-only CMake option
  IMGSH_BENCH_NO_VALIDATION (--no-validation-build DIR; e.g.
  cmake -S . -B build-noval -DIMGSH_BENCH_NO_VALIDATION=ON -DIMGSH_TESTS=OFF &&
  cmake --build build-noval --target imgsrv): wall time of `imgsh put` and imgsrv's CPU,
  each server in turn, alternating which goes first.
- Where the validating server's CPU goes: imgsrv names its worker threads
  (server/worker_pool.hpp), and the decoders run only on `imgsrv-stream` (decoding while
  the body streams) and `imgsrv-check` (after the body). Each thread's utime+stime is
  read from /proc/PID/task/TID/stat before and after the put:
    validation  CPU of imgsrv-stream + imgsrv-check,
    rest        everything else (receiving, hashing, writing, publishing).
imgsh (this build) checks only the header of a file this big, so the client is the same
in both. A fresh imgsrv (--no-fsync) per put; files:
  png-stored   16-bit RGBA noise in stored deflate blocks (as validation_bench.py);
  png-deflate  16-bit RGBA of low-entropy noise, zlib level 1 (inflate does real work);
  jpeg         RGB noise through cjpeg -quality 90.

  tests/bench/put_validation_cpu_bench.py [--runs 3] [--size-mb 1024] [--only png-stored,jpeg] \\
      [--no-validation-build build-noval]
"""
import argparse
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import bench as B  # noqa: E402  (processes, ports)
from images import _png_chunk, make_png  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
VALIDATION_THREADS = ("imgsrv-stream", "imgsrv-check")
MIB = 1 << 20


def thread_cpu(pid):
    """{tid: (name, cpu seconds)} of every thread of pid."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[tid] = (name, (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return out


def split(before, after):
    """(validation, rest) CPU seconds spent between two thread_cpu readings."""
    validation = rest = 0.0
    for tid, (name, cpu) in after.items():
        spent = cpu - before.get(tid, (name, 0.0))[1]
        if name in VALIDATION_THREADS:
            validation += spent
        else:
            rest += spent
    return validation, rest


def make_deflated_png(path, size_mb):
    """16-bit RGBA whose bytes carry 4 random bits each: about 2:1 under zlib level 1."""
    width = 8192
    height = max(1, min(size_mb * 2 * MIB // (width * 8), 190_000_000 // width))  # under --max-pixels
    rnd = random.Random(5)
    comp = zlib.compressobj(1)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(_png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)))
        row = width * 8
        mask = bytes.maketrans(bytes(range(256)), bytes(b & 0x0F for b in range(256)))
        for y in range(0, height, 64):
            n = min(64, height - y)
            raw = rnd.randbytes(n * row).translate(mask)
            out = comp.compress(b"".join(b"\x00" + raw[i * row:(i + 1) * row] for i in range(n)))
            if out:
                f.write(_png_chunk(b"IDAT", out))
        f.write(_png_chunk(b"IDAT", comp.flush()))
        f.write(_png_chunk(b"IEND", b""))
    return path


def make_noise_jpeg(path, size_mb):
    """RGB noise, cjpeg -quality 90 (about 1.1 bytes a pixel); the side fits the pixel limit."""
    side = min(12000, int((size_mb * MIB / 1.1) ** 0.5))
    ppm = b"P6 %d %d 255\n" % (side, side) + os.urandom(side * side * 3)
    subprocess.run(["cjpeg", "-quality", "90", "-outfile", path], input=ppm, check=True)
    return path


def one_put(work, src, path, imgsrv, imgsh):
    """(wall s, validation CPU s, rest CPU s, decoded while streaming?) of one put to a fresh imgsrv."""
    root = os.path.join(work, "root")
    shutil.rmtree(root, True)
    os.makedirs(root)
    port = B.free_port()
    log_path = os.path.join(work, "imgsrv.log")
    log = open(log_path, "w")
    srv = B.start("imgsrv", [imgsrv, "--bind", B.HOST, "--root", root, "--no-fsync", "--log-level", "debug",
                             str(port)], port, log)
    try:
        time.sleep(0.3)
        before = thread_cpu(srv.pid)
        t0 = time.perf_counter()
        res = subprocess.run([imgsh, "-q", f"{B.HOST}:{port}", "put", os.path.basename(path)], cwd=src,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=1800)
        wall = time.perf_counter() - t0
        validation, rest = split(before, thread_cpu(srv.pid))
    finally:
        B.stop_all()
        log.close()
    if res.returncode != 0:
        raise SystemExit(f"put {path} failed: " + res.stderr.decode(errors="replace")[-800:])
    if os.path.getsize(os.path.join(root, os.path.basename(path))) != os.path.getsize(path):
        raise SystemExit(f"put {path}: the stored file has another size")
    with open(log_path) as f:
        streamed = "validated while streaming: " + os.path.basename(path) in f.read()
    return wall, validation, rest, streamed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--only", default="png-stored,png-deflate,jpeg")
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--no-validation-build", help="build directory of an imgsrv built with IMGSH_BENCH_NO_VALIDATION")
    a = ap.parse_args()
    servers = [("validating", os.path.join(a.build, "server", "imgsrv"))]
    if a.no_validation_build:
        servers.append(("unvalidated", os.path.join(a.no_validation_build, "server", "imgsrv")))
    imgsh = os.path.join(a.build, "shell", "imgsh")
    work = tempfile.mkdtemp(prefix="imgsh-put-cpu-")
    try:
        src = os.path.join(work, "src")
        os.makedirs(src)
        files = {}
        wanted = a.only.split(",")
        if "png-stored" in wanted:
            pixels = a.size_mb * MIB // 8
            files["png-stored"] = make_png(os.path.join(src, "stored.png"), 16384, max(1, pixels // 16384), seed=7,
                                           level=0, rgba16=True)
        if "png-deflate" in wanted:
            files["png-deflate"] = make_deflated_png(os.path.join(src, "deflate.png"), a.size_mb)
        if "jpeg" in wanted:
            files["jpeg"] = make_noise_jpeg(os.path.join(src, "noise.jpg"), a.size_mb)
        for path in files.values():
            subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)  # in the page cache
        rows = {}
        for run in range(a.runs):
            for kind, path in files.items():
                for label, imgsrv in (servers if run % 2 == 0 else list(reversed(servers))):
                    rows.setdefault((kind, label), []).append(one_put(work, src, path, imgsrv, imgsh))
                    wall, val, rest, streamed = rows[(kind, label)][-1]
                    B.say(f"run {run + 1} {kind} {label}: {wall:.2f} s, CPU validation {val:.2f} s, rest {rest:.2f} s")
        print(f"put of one big file, imgsh -> imgsrv, median of {a.runs} runs; CPU figures per GiB of file")
        print("| file | size | server | wall s | imgsrv CPU s/GiB | of which validation | rest | "
              "decoded while streaming | wall vs unvalidated | CPU vs unvalidated |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for kind, path in files.items():
            gib = os.path.getsize(path) / (1 << 30)
            med = {}
            for label, _ in servers:
                vals = rows[(kind, label)]
                med[label] = (statistics.median(v[0] for v in vals), statistics.median((v[1] + v[2]) / gib for v in vals),
                              statistics.median(v[1] / gib for v in vals), statistics.median(v[2] / gib for v in vals),
                              sum(1 for v in vals if v[3]))
            for label, _ in servers:
                wall, cpu, val, rest, streamed = med[label]
                vs = "| %.2f | %.2f" % (wall / med["unvalidated"][0], cpu / med["unvalidated"][1]) \
                    if "unvalidated" in med and label != "unvalidated" else "| |"
                print(f"| {kind} | {gib * 1024:.0f} MiB | {label} | {wall:.2f} | {cpu:.3f} | {val:.3f} | {rest:.3f} | "
                      f"{streamed}/{len(rows[(kind, label)])} {vs} |")
    finally:
        B.stop_all()
        shutil.rmtree(work, True)


if __name__ == "__main__":
    main()
