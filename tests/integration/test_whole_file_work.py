"""Issue 12, server items 1, 4, 5: no client can stall the server with the store.

- A file placed in the root by hand has no cached checksum, so a stat or get hashes it
  whole. That work runs on a worker pool: a fresh client's hello is answered while two
  big files hash, and SIGTERM during a hash exits within the grace period.
- Odd files named like images are never opened: a FIFO's blocked writer stays blocked, a
  character device is never opened (inotify sees no open), both answer not_found.
- A checksum is never trusted for a file it was not computed for: a file rewritten in
  place with its size and mtime restored is served with its new checksum; a hard-linked
  file (its inode may be shared with a file outside the root) gets no xattr.
Big files are sparse: gigabytes on disk cost nothing, hashing them still reads them all.
"""

import ctypes
import os
import select
import signal
import stat
import struct
import subprocess
import sys
import time
import unittest

from checks import IntegrationTest
from images import make_png_bytes
from procs import wait_until
from wire import RawClient, xxh3_hex

GIB = 1 << 30
XATTR = "user.imgsh.xxh3"
GRACE_DEADLINE = 15.0  # the server's grace is 5 s; generous for a loaded machine


def sparse(path, size, head=None):
    """A sparse file with a real PNG header (signature and IHDR: only images are served)."""
    head = make_png_bytes(8, 8)[:33] if head is None else head
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)


def stat_request(port, name):
    """A client that has sent hello and `stat name` and not read the stat reply yet."""
    c = RawClient(port, timeout=300)
    c.hello()
    c.send_frame({"op": "stat", "id": c.take_id(), "name": name})
    return c


def replied(c):
    return bool(select.select([c.sock], [], [], 0)[0])


def blocked_in_openat(pid):
    """True while the process sits in openat(2) (x86-64 syscall 257, aarch64 56)."""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            return f.read().split()[0] in ("257", "56")
    except (OSError, IndexError):
        return False


class Inotify:
    """IN_OPEN events on one path, read without blocking (ctypes: no inotify in the stdlib)."""
    IN_OPEN = 0x20
    IN_NONBLOCK = 0o4000

    def __init__(self, path):
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(self.IN_NONBLOCK)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, path.encode(), self.IN_OPEN) < 0:
            raise OSError(ctypes.get_errno(), "inotify on " + path)

    def opens(self):
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return 0
        count, off = 0, 0
        while off + 16 <= len(data):
            _, mask, _, length = struct.unpack_from("iIII", data, off)
            count += bool(mask & self.IN_OPEN)
            off += 16 + length
        return count

    def close(self):
        os.close(self.fd)


class HashingOffTheIoThreads(IntegrationTest):

    def test_hello_is_answered_while_two_big_files_hash(self):
        # Two I/O threads (the default on 2 cores; forced here) and two hashes: before the
        # pool, both threads were inside a hash and a hello waited for one to finish.
        for name in ("big1.png", "big2.png"):
            sparse(self.root_path(name), 8 * GIB)
        server = self.start_server("--threads", "2")
        a = stat_request(server.port, "big1.png")
        b = stat_request(server.port, "big2.png")
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        time.sleep(0.3)  # both hashes under way
        start = time.monotonic()
        with RawClient(server.port, timeout=60) as fresh:
            fresh.hello()
            latency = time.monotonic() - start
            fresh.request("ping")
        print("\nhello latency while two 8 GiB files hash: %.1f ms" % (latency * 1000),
              file=sys.stderr)
        self.assertFalse(replied(a) or replied(b),
                         "the hello was answered only once a hash had ended")
        reply_a, _ = a.recv_frame()
        reply_b, _ = b.recv_frame()
        self.assertEqual(reply_a.get("status"), "ok", reply_a)
        self.assertEqual(reply_a.get("size"), 8 * GIB)
        self.assertEqual(reply_a.get("xxh3"), reply_b.get("xxh3"), "the same bytes, the same checksum")
        self.assertEqual(len(reply_a.get("xxh3", "")), 32)
        self.assertRoot(["big1.png", "big2.png"])

    def test_the_body_timeout_does_not_blame_a_client_for_the_servers_own_hash(self):
        # --body-timeout bounds a stalled client, not the server's own work: a stat that
        # waits far longer than it for a hash is answered, and the session goes on.
        sparse(self.root_path("big.png"), 4 * GIB)
        server = self.start_server("--body-timeout", "0.2")
        with RawClient(server.port, timeout=300) as c:
            c.hello()
            start = time.monotonic()
            reply, _ = c.request("stat", name="big.png")
            waited = time.monotonic() - start
            self.assertEqual(reply.get("status"), "ok", reply)
            self.assertEqual(len(reply.get("xxh3", "")), 32)
            self.assertEqual(c.request("ping")[0].get("status"), "ok")
        print("\nstat answered after %.1f s of hashing, --body-timeout 0.2" % waited, file=sys.stderr)
        self.assertGreater(waited, 0.2, "the hash was too quick to show anything")
        self.assertNotIn("timed out", server.log_text())
        self.assertRoot(["big.png"])

    def test_sigterm_during_a_hash_exits_within_the_grace_period(self):
        sparse(self.root_path("huge.png"), 1024 * GIB)  # far longer to hash than any deadline here
        server = self.start_server()
        c = stat_request(server.port, "huge.png")
        self.addCleanup(c.close)
        time.sleep(0.5)
        start = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        try:
            status = server.proc.wait(timeout=GRACE_DEADLINE)
        except subprocess.TimeoutExpired:
            self.fail("imgsrv still running %.0f s after SIGTERM during a hash" % GRACE_DEADLINE)
        took = time.monotonic() - start
        print("\nexit %.2f s after SIGTERM during a hash" % took, file=sys.stderr)
        self.assertEqual(status, 0, server.log_text())
        reply, _ = c.recv_frame()
        self.assertError(reply, "busy", "stat during shutdown")
        self.assertEqual(os.path.getsize(self.root_path("huge.png")), 1024 * GIB)
        self.assertRoot(["huge.png"])


def thread_count(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def threads_named(pid, name):
    """Threads of pid called `name` (the worker pools name theirs: server/worker_pool.hpp)."""
    count = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            count += f.read().strip() == name
    return count


class WorkerPoolSize(IntegrationTest):
    """--worker-threads N (config key worker-threads) sizes the pool that hashes and the
    slots that decode puts while they stream: N threads of each (imgsrv-hash,
    imgsrv-stream), 2 (N - M) more threads in all with N than with M; 0 is refused."""

    def test_worker_threads_option_and_config_key_size_the_pool(self):
        one = self.start_server("--threads", "1", "--worker-threads", "1", root=self.mkdir("r1"))
        self.assertServerServes(one)
        five = self.start_server("--threads", "1", "--worker-threads", "5", root=self.mkdir("r5"))
        self.assertServerServes(five)
        self.assertEqual(thread_count(five.proc.pid) - thread_count(one.proc.pid), 8)
        for server, n in ((one, 1), (five, 5)):
            self.assertEqual(threads_named(server.proc.pid, "imgsrv-hash"), n)
            self.assertEqual(threads_named(server.proc.pid, "imgsrv-stream"), n)
        config = os.path.join(self.tmp, "imgsrv.conf")
        with open(config, "w") as f:
            f.write("worker-threads = 3\n")
        three = self.start_server("--threads", "1", "--config", config, root=self.mkdir("r3"))
        self.assertServerServes(three)
        self.assertEqual(thread_count(three.proc.pid) - thread_count(one.proc.pid), 4)
        self.assertEqual(threads_named(three.proc.pid, "imgsrv-hash"), 3)
        self.assertEqual(threads_named(three.proc.pid, "imgsrv-stream"), 3)

    def test_zero_worker_threads_is_refused(self):
        rc, out, err = self.run_imgsrv("--worker-threads", "0", "--root", self.root, "0")
        self.assertNotEqual(rc, 0)
        self.assertIn("--worker-threads: Value 0 not in range 1 to 64", err)
        self.assertRoot([])


class OddFilesNeverOpened(IntegrationTest):

    def test_a_fifo_named_png_is_never_opened(self):
        fifo = self.root_path("x.png")
        os.mkfifo(fifo)
        # Blocks in open() until someone opens the FIFO for reading; if released, it
        # writes and exits (or dies of SIGPIPE): either way, it is no longer running.
        writer = subprocess.Popen([sys.executable, "-c",
                                   "import sys; open(sys.argv[1], 'wb').write(b'x' * 65536)", fifo])
        self.addCleanup(writer.wait, 5)
        self.addCleanup(lambda: writer.poll() is None and writer.kill())
        self.assertTrue(wait_until(lambda: blocked_in_openat(writer.pid), 10),
                        "the writer never blocked opening the FIFO")
        server = self.start_server()
        with RawClient(server.port) as c:
            c.hello()
            for op in ("stat", "get"):
                reply, body = c.request(op, name="x.png")
                self.assertError(reply, "not_found", op + " of a FIFO")
                self.assertEqual(body, b"")
            reply, body = c.request("list")
            self.assertEqual(body, b"[]")
        time.sleep(0.3)
        self.assertIsNone(writer.poll(), "the FIFO's writer was released: the server opened it")
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        self.assertServerAlive(server)

    @unittest.skipUnless(os.geteuid() == 0, "mknod of a character device needs root")
    def test_a_character_device_named_png_is_never_opened(self):
        dev = self.root_path("dev.png")
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers
        real = self.root_path("real.png")
        with open(real, "wb") as f:
            f.write(make_png_bytes(8, 8))
        watch_dev, watch_real = Inotify(dev), Inotify(real)
        self.addCleanup(watch_dev.close)
        self.addCleanup(watch_real.close)
        server = self.start_server()
        with RawClient(server.port) as c:
            c.hello()
            for op in ("stat", "get"):
                reply, _ = c.request(op, name="dev.png")
                self.assertError(reply, "not_found", op + " of a character device")
            reply, _ = c.request("stat", name="real.png")
            self.assertEqual(reply.get("status"), "ok", reply)
        self.assertGreater(watch_real.opens(), 0, "inotify sees the open of a regular file")
        self.assertEqual(watch_dev.opens(), 0, "the device was opened")
        self.assertRoot(["dev.png", "real.png"])


class ChecksumsForWhatTheyWereComputedFor(IntegrationTest):

    def test_a_rewrite_with_size_and_mtime_restored_is_served_with_its_new_checksum(self):
        old = make_png_bytes(16, 16, seed=1)
        new = bytearray(old)
        new[-13] ^= 0xFF  # same size, other bytes (inside IEND's CRC region is fine for a store)
        new = bytes(new)
        server = self.start_server()
        with RawClient(server.port) as c:
            c.hello()
            self.assertEqual(c.put_inline("a.png", old).get("status"), "ok")
            reply, _ = c.request("stat", name="a.png")
            self.assertEqual(reply.get("xxh3"), xxh3_hex(old))
        path = self.root_path("a.png")
        before = os.stat(path)
        with open(path, "r+b") as f:  # in place: same inode
            f.write(new)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = os.stat(path)
        self.assertEqual((after.st_ino, after.st_size, after.st_mtime_ns),
                         (before.st_ino, before.st_size, before.st_mtime_ns))
        with RawClient(server.port) as c:
            c.hello()
            reply, _ = c.request("stat", name="a.png")
            self.assertEqual(reply.get("xxh3"), xxh3_hex(new), "stat announced a stale checksum")
            reply, body = c.request("get", name="a.png")
            self.assertEqual(reply.get("xxh3"), xxh3_hex(new))
            self.assertEqual(body, new)
        self.assertRoot(["a.png"])

    def test_a_hard_linked_file_gets_no_xattr(self):
        data = make_png_bytes(12, 12)
        path = self.root_path("linked.png")
        with open(path, "wb") as f:
            f.write(data)
        outside = os.path.join(self.tmp, "outside.png")
        os.link(path, outside)
        server = self.start_server()
        with RawClient(server.port) as c:
            c.hello()
            for _ in range(2):  # the second answer comes from memory
                reply, body = c.request("get", name="linked.png")
                self.assertEqual(reply.get("xxh3"), xxh3_hex(data), reply)
                self.assertEqual(body, data)
        for p in (path, outside):
            with self.assertRaises(OSError, msg="an xattr was written to a shared inode") as ctx:
                os.getxattr(p, XATTR)
            self.assertEqual(ctx.exception.errno, 61)  # ENODATA
        with open(outside, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertRoot(["linked.png"])


if __name__ == "__main__":
    unittest.main()
