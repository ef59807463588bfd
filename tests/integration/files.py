"""Local file helpers for the tests: what a directory holds (hidden temporaries included),
whole-file reads and writes, hashes, and cheap copies of large files.
Python 3 standard library only.
"""

import hashlib
import os
import shutil


def is_claim_file(name):
    """A running imgsrv's lock files in its root (.imgsrv-root.lock, .imgsrv-node.NODE.lock):
    they mark who serves the root, are never listed or served, and are not leftovers."""
    return name == ".imgsrv-root.lock" or (name.startswith(".imgsrv-node.") and name.endswith(".lock"))


def listing(directory):
    """Every entry of a directory, hidden ones included, sorted; imgsrv's lock files left out."""
    return sorted(n for n in os.listdir(directory) if not is_claim_file(n))


def hidden_entries(directory):
    """The hidden entries of a directory: in a server's root, its upload temporaries."""
    return [n for n in listing(directory) if n.startswith(".")]


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def link_or_copy(src, dst):
    """A hard link when possible (cheap, same bytes; never truncate such a copy), else a
    copy (another file system)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    return dst
