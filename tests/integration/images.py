"""Real images for the tests, made on the spot, and the small stored ones.

- make_png / make_png_bytes: real RGB PNGs written with Python's zlib (a real encoder),
  seeded noise so every seed gives other bytes; make_png streams, so multi-MB files are
  cheap, and pad_to reaches an exact size;
- make_jpeg: real baseline or progressive JPEGs made by `cjpeg` (libjpeg-turbo-progs)
  from a generated PPM;
- shared_big_png: one large PNG per (side, seed), made once per process, removed at exit;
- data_file: the small real images kept in tests/data (IMGSH_TEST_DATA, as CTest sets it).

Python 3 standard library only (plus cjpeg for JPEGs).
"""

import atexit
import os
import random
import shutil
import struct
import subprocess
import tempfile
import zlib

from files import read_bytes

DATA_DIR = os.environ.get("IMGSH_TEST_DATA") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))


def data_file(name):
    return os.path.join(DATA_DIR, name)


def make_ppm(width, height, seed, smooth=True):
    """A binary PPM (P6) of seeded noise over a gradient: every seed gives other bytes.
    smooth=False: pure noise (large JPEGs; also used above 250,000 pixels, for speed)."""
    rnd = random.Random(seed)
    noise = rnd.randbytes(width * height * 3)
    rows = []
    for y in range(height):
        base = (y * 255 // max(height - 1, 1) + seed) & 0xFF
        row = noise[y * width * 3:(y + 1) * width * 3]
        # Keep some structure (the gradient) so the JPEG encoder is not all noise.
        rows.append(bytes((b & 0x7F) + base >> 1 for b in row) if smooth and width * height <= 250_000 else row)
    return b"P6 %d %d 255\n" % (width, height) + b"".join(rows)


def make_jpeg(path, width=96, height=64, seed=1, progressive=False, quality=90, smooth=True):
    """A real JPEG made by cjpeg (libjpeg-turbo-progs) from a generated PPM."""
    cmd = ["cjpeg", "-quality", str(quality)]
    if progressive:
        cmd.append("-progressive")
    cmd += ["-outfile", path]
    res = subprocess.run(cmd, input=make_ppm(width, height, seed, smooth), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=60)
    if res.returncode != 0:
        raise RuntimeError("cjpeg failed: %s" % res.stderr.decode(errors="replace"))
    data = read_bytes(path)
    assert data[:3] == b"\xff\xd8\xff", "cjpeg did not write a JPEG"
    if progressive:
        assert b"\xff\xc2" in data, "cjpeg -progressive did not write a progressive JPEG"
    return path


def _png_chunk(kind, payload):
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_png(path, width=64, height=64, seed=1, level=6, pad_to=None, rgba16=False):
    """A real RGB PNG written with Python's zlib, streamed so large files stay cheap.

    The pixels are seeded noise (incompressible, so the size is ~ width*height*3 at any
    level; level 0 or 1 keeps multi-MB files fast). pad_to: the exact total file size,
    reached with a tEXt chunk before IEND. rgba16: 16-bit RGBA (8 bytes a pixel: a 1 GiB
    image within the server's default pixel limit) instead of 8-bit RGB.
    """
    rnd = random.Random(seed)
    comp = zlib.compressobj(level)
    size = 0
    with open(path, "wb") as f:
        def emit(data):
            nonlocal size
            f.write(data)
            size += len(data)

        emit(PNG_SIGNATURE)
        depth, color, row = (16, 6, width * 8) if rgba16 else (8, 2, width * 3)
        emit(_png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)))
        rows_per_block = max(1, (1 << 20) // (row + 1))
        y = 0
        while y < height:
            n = min(rows_per_block, height - y)
            raw = rnd.randbytes(n * row)
            block = b"".join(b"\x00" + raw[i * row:(i + 1) * row] for i in range(n))
            out = comp.compress(block)
            if out:
                emit(_png_chunk(b"IDAT", out))
            y += n
        emit(_png_chunk(b"IDAT", comp.flush()))
        if pad_to is not None:
            payload_len = pad_to - size - 12 - 12
            keyword = b"Comment\x00"
            if payload_len < len(keyword):
                raise ValueError("pad_to %d too small for a %d-byte PNG" % (pad_to, size))
            emit(_png_chunk(b"tEXt", keyword + b"x" * (payload_len - len(keyword))))
        emit(_png_chunk(b"IEND", b""))
    if pad_to is not None:
        assert os.path.getsize(path) == pad_to
    return path


_big_pngs = {}
_big_png_dir = None


def shared_big_png(side, seed):
    """A side x side real PNG of noise in stored deflate blocks (~3*side^2 bytes: cheap to
    make), made once per process and removed at exit; tests must not modify it."""
    global _big_png_dir
    if (side, seed) not in _big_pngs:
        if _big_png_dir is None:
            _big_png_dir = tempfile.mkdtemp(prefix="imgsh-big-")
            atexit.register(shutil.rmtree, _big_png_dir, True)
        path = os.path.join(_big_png_dir, "big-%d-%d.png" % (side, seed))
        _big_pngs[(side, seed)] = make_png(path, side, side, seed=seed, level=0)
    return _big_pngs[(side, seed)]


def make_png_bytes(width=8, height=8, seed=1):
    """A small real PNG as bytes (for raw-protocol puts)."""
    rnd = random.Random(seed)
    raw = b"".join(b"\x00" + rnd.randbytes(width * 3) for _ in range(height))
    return (PNG_SIGNATURE
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(raw))
            + _png_chunk(b"IEND", b""))
