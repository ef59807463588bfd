"""Scale-out through HAProxy (issue 11, item 5): two `imgsrv --shared-root` nodes on one CephFS
directory (one per ceph-fuse mount), HAProxy with the ping health check in front, and clients
that only know the balancer's address.

- 100 racing puts of one name, each with different bytes, released together: both nodes serve
  some, exactly one `ok`, 99 `exists`, the stored file is the winner's (xxhsum of both).
- A node drained with SIGTERM while an imgsh mput, then an mget, of 40 files runs through
  HAProxy: the batch completes (imgsh reconnects through the balancer and retries the files
  the drained node never read), every file stored once with its bytes, no temporaries, and
  HAProxy takes the drained node out.
- An interactive imgsh (commands on stdin) survives its node's SIGKILL: the next command
  says it reconnected and works.
- too_large (--max-file-size) and no_space (a CephFS quota on the store directory) through
  the balancer: the exact codes, nothing stored, no temporaries.

The cluster, the skips, the deadline and the teardown are test_cluster_smoke's (this module
runs them for itself: its own cluster). Run by hand:
sudo IMGSRV=... IMGSH=... python3 -m unittest -v test_balancer
"""

import errno
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import haproxy  # noqa: E402
import test_cluster_smoke as smoke  # noqa: E402  (puts tests/integration on sys.path)
from raw_sockets import read_frame  # noqa: E402
from wire import frame  # noqa: E402

HOST = smoke.HOST
HELLO = smoke.HELLO
IO_TIMEOUT = smoke.IO_TIMEOUT
RACERS = 100
BATCH = 40

setUpModule = smoke.setUpModule
tearDownModule = smoke.tearDownModule


def xxh3_of_files(paths):
    """{path: xxh3} by the outside referee, xxhsum -H2 (one run for all)."""
    res = subprocess.run(["xxhsum", "-H2"] + list(paths), stdout=subprocess.PIPE, check=True,
                         timeout=30)
    out = {}
    for line in res.stdout.decode().splitlines():
        digest, path = line.split(None, 1)
        out[path.strip()] = digest.split("_")[-1]  # "XXH128_<hex>" or "<hex>"
    return out


def peer_closed(port):
    """Whether a loopback TCP connection to `port` got its peer's FIN (CLOSE_WAIT in
    /proc/net/tcp): the client of a balancer that closed the client's side."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[2].split(":")[1], 16) == port and fields[3] == "08":
                return True
    return False


def served(log_text, op, name=None):
    """Summary lines `<client> <op> [<file>] <ok|fail> ...` of one imgsrv log, as
    (status, rest) pairs."""
    out = []
    for line in log_text.splitlines():
        words = line.split()
        for i in range(len(words) - 1):
            if words[i] == op and (name is None or (i + 1 < len(words) and words[i + 1] == name)):
                at = i + 2
                if name is None and words[i + 1] in ("ok", "fail"):
                    at = i + 1  # a request without a file
                if at < len(words) and words[at] in ("ok", "fail"):
                    out.append((words[at], " ".join(words[at + 1:])))
                break
    return out


class Balanced(unittest.TestCase):
    """Nodes a and b on one CephFS directory (through mounts A and B), HAProxy in front."""

    node_options = ()

    def setUp(self):
        self.sub = "lb-%s-%d" % (self._testMethodName, os.getpid())
        self.dir_a = os.path.join(smoke.cluster.mounts[0], self.sub)
        self.dir_b = os.path.join(smoke.cluster.mounts[1], self.sub)
        os.mkdir(self.dir_a)
        self.files = tempfile.mkdtemp(dir=smoke.local_tmp)
        self.nodes = {}
        for side, root in (("a", self.dir_a), ("b", self.dir_b)):
            srv = smoke.Imgsrv(root, "%s-%s" % (side, self._testMethodName), side,
                               extra=self.node_options)
            self.addCleanup(srv.stop)
            srv.start()
            self.nodes[side] = srv
        self.start_balancer()

    def start_balancer(self):
        """HAProxy over the nodes as they are now, both checked up."""
        if getattr(self, "lb", None) is not None:
            self.lb.stop()
        self.lb = haproxy.HAProxy([(HOST, s.port) for s in self.nodes.values()], check="ping")
        self.addCleanup(self.lb.stop)
        self.lb.start()
        state = self.lb.wait_servers(lambda s: all(v == ("UP", "L7OK") for v in s.values()), 10)
        self.assertEqual(state, {"node1": ("UP", "L7OK"), "node2": ("UP", "L7OK")},
                         self.lb.log_text())
        self.addr = "%s:%d" % (HOST, self.lb.port)

    def hap_name(self, side):
        return "node1" if side == "a" else "node2"

    def stored(self):
        """Names in the store, read through mount B: (published, temporaries)."""
        names = os.listdir(self.dir_b)
        return (sorted(n for n in names if not n.startswith(".")),
                sorted(n for n in names if n.startswith(".imgsrv-tmp.")))

    def wait_no_temporaries(self):
        deadline = time.monotonic() + IO_TIMEOUT
        while self.stored()[1] and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.stored()

    def node_serving(self, before):
        """The side whose log gained a `hello ok` line since `before` ({side: count}): the
        health checks connect too, but send only ping."""
        deadline = time.monotonic() + IO_TIMEOUT
        while time.monotonic() < deadline:
            for side, srv in self.nodes.items():
                if srv.log().count(" hello ok") > before[side]:
                    return side
            time.sleep(0.02)
        self.fail("no node logged the new connection")

    def logged(self, collect, done):
        """collect() over the nodes' logs until done(value) or IO_TIMEOUT: a node writes its
        summary line after it sent the reply, so the line may trail the client a little."""
        deadline = time.monotonic() + IO_TIMEOUT
        value = collect()
        while not done(value) and time.monotonic() < deadline:
            time.sleep(0.05)
            value = collect()
        return value

    def connected_counts(self):
        return {side: srv.log().count(" hello ok") for side, srv in self.nodes.items()}


class Race(Balanced):
    def test_100_racing_puts_of_one_name_through_haproxy_have_one_winner(self):
        name = "race.png"
        srcdir = os.path.join(self.files, "racers")
        os.mkdir(srcdir)
        payloads, paths = [], []
        for i in range(RACERS):
            data = smoke.png_bytes(5000 + i, side=100)  # ~30 KB, each different
            path = os.path.join(srcdir, "r%03d.png" % i)
            with open(path, "wb") as f:
                f.write(data)
            payloads.append(data)
            paths.append(path)
        sums = xxh3_of_files(paths)
        barrier = threading.Barrier(RACERS, timeout=30)
        results = [None] * RACERS

        def racer(i):
            try:
                with socket.create_connection((HOST, self.lb.port), timeout=30) as s:
                    s.sendall(frame(HELLO))
                    hello = read_frame(s)[0]
                    if hello.get("status") != "ok":
                        results[i] = ("hello", hello)
                        return
                    request = (frame({"op": "put", "id": 2, "name": name,
                                      "size": len(payloads[i])}, payloads[i])
                               + frame({"op": "checksum", "id": 2, "xxh3": sums[paths[i]]}))
                    barrier.wait()  # every racer connected and greeted: go together
                    s.sendall(request)
                    results[i] = ("reply", read_frame(s)[0])
            except Exception as e:  # reported below, with the racer's index
                results[i] = ("error", repr(e))

        threads = [threading.Thread(target=racer, args=(i,), daemon=True) for i in range(RACERS)]
        t = time.monotonic()
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
        took = time.monotonic() - t
        self.assertFalse([th for th in threads if th.is_alive()], "a racer hung")
        broken = [(i, r) for i, r in enumerate(results) if r is None or r[0] != "reply"]
        self.assertEqual(broken, [], "racers without a put reply")
        statuses = [(r[1].get("status"), r[1].get("code")) for r in results]
        winners = [i for i, st in enumerate(statuses) if st == ("ok", None)]
        losers = [i for i, st in enumerate(statuses) if st == ("error", "exists")]
        self.assertEqual(len(winners), 1, "exactly one winner expected: %s" % statuses)
        self.assertEqual(len(losers), RACERS - 1, "every other racer gets exists: %s" % statuses)
        # Both nodes served racers (round robin over 100 connections).
        per_node = self.logged(
            lambda: {side: served(srv.log(), "put", name) for side, srv in self.nodes.items()},
            lambda v: sum(len(x) for x in v.values()) >= RACERS)
        self.assertTrue(all(per_node.values()), "both nodes should serve racers: %s"
                        % {k: len(v) for k, v in per_node.items()})
        self.assertEqual(sum(len(v) for v in per_node.values()), RACERS)
        # The stored file is the winner's bytes: xxhsum of it, read through each mount.
        w = winners[0]
        self.assertEqual(results[w][1].get("xxh3"), sums[paths[w]])
        got = xxh3_of_files([os.path.join(self.dir_a, name), os.path.join(self.dir_b, name)])
        self.assertEqual(set(got.values()), {sums[paths[w]]}, "the stored file is not the winner's")
        self.assertEqual(self.wait_no_temporaries(), ([name], []))
        print("\n  race: %d puts of one name through HAProxy in %.2f s: 1 ok, %d exists; "
              "node a served %d, node b %d" % (RACERS, took, len(losers), len(per_node["a"]),
                                               len(per_node["b"])), file=sys.stderr)


class Drain(Balanced):
    def batch_files(self):
        srcdir = os.path.join(self.files, "batch")
        os.mkdir(srcdir)
        data = {}
        for i in range(BATCH):
            n = "b%02d.png" % i
            # ~1.1 MB: over inline_put_max, so each put is announced and the batch takes a
            # while; random pixels, so no two files share bytes.
            data[n] = smoke.png_bytes(7000 + i, side=620)
            with open(os.path.join(srcdir, n), "wb") as f:
                f.write(data[n])
        return srcdir, data

    def drain_during(self, argv, cwd, op, after):
        """Runs imgsh argv through HAProxy; once the node serving it has logged `after` ops
        `op` ok, SIGTERMs that node. Returns (drained side, exit status, output, seconds)."""
        before = self.connected_counts()
        t = time.monotonic()
        p = subprocess.Popen([smoke.IMGSH, self.addr] + argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd,
                             preexec_fn=smoke._die_with_parent)
        smoke._live.append(p)
        side = self.node_serving(before)
        srv = self.nodes[side]
        deadline = time.monotonic() + 30
        while (time.monotonic() < deadline and p.poll() is None
               and len([s for s, _ in served(srv.log(), op) if s == "ok"]) < after):
            time.sleep(0.01)
        if p.poll() is not None:
            self.fail("the batch ended before the drain began (%.2f s):\n%s"
                      % (time.monotonic() - t, p.communicate()[0].decode(errors="replace")))
        os.kill(srv.proc.pid, signal.SIGTERM)
        out = p.communicate(timeout=smoke.SHELL_TIMEOUT)[0].decode(errors="replace")
        took = time.monotonic() - t
        srv.proc.wait(timeout=IO_TIMEOUT)  # within its grace period
        return side, p.returncode, out, took

    def test_drained_node_mid_batch_batch_completes_nothing_lost_or_duplicated(self):
        srcdir, data = self.batch_files()
        side, rc, out, took = self.drain_during(["mput", "*.png"], srcdir, "put", 3)
        srv = self.nodes[side]
        self.assertEqual(rc, 0, out)
        self.assertIn("imgsh: reconnected to", out)
        self.assertIn("put ok %d files" % BATCH, out.replace("  ", " "), out)
        self.assertEqual(srv.proc.returncode, 0, srv.log())
        self.assertIn("no new connections", srv.log())
        # HAProxy took the drained node out.
        state = self.lb.wait_servers(lambda s: s[self.hap_name(side)][0] == "DOWN", 5)
        self.assertEqual(state[self.hap_name(side)][0], "DOWN", state)
        # Every file stored exactly once, with its bytes; no temporaries.
        published, temps = self.wait_no_temporaries()
        self.assertEqual((published, temps), (sorted(data), []))
        for n, b in data.items():
            with open(os.path.join(self.dir_a, n), "rb") as f:
                self.assertEqual(f.read(), b, n)
        count_oks = lambda v: sum(1 for x in v.values() for st, _ in x if st == "ok")
        puts = self.logged(lambda: {s: served(x.log(), "put") for s, x in self.nodes.items()},
                           lambda v: count_oks(v) >= BATCH)
        oks = count_oks(puts)
        self.assertEqual(oks, BATCH, "each file published once: %s" % puts)
        drained_puts = len(puts[side])
        print("\n  drain (mput): node %s SIGTERMed after %d of %d puts; the batch completed in "
              "%.1f s through the other node, %d puts ok in all, no exists, no temporaries"
              % (side, drained_puts, BATCH, took, oks), file=sys.stderr)

        # Node back (on a new port: a balancer of its own, as after a re-deploy), then drain
        # whichever node serves an mget of the 40.
        srv.start()
        self.start_balancer()
        dest = os.path.join(self.files, "back")
        os.mkdir(dest)
        side2, rc, out, took = self.drain_during(["mget", "*.png"], dest, "get", 3)
        self.assertEqual(rc, 0, out)
        self.assertIn("imgsh: reconnected to", out)
        self.assertEqual(sorted(os.listdir(dest)), sorted(data), "downloads")
        for n, b in data.items():
            with open(os.path.join(dest, n), "rb") as f:
                self.assertEqual(f.read(), b, n)
        self.assertEqual(self.stored(), (sorted(data), []))
        print("  drain (mget): node %s SIGTERMed mid-batch; %d files fetched intact in %.1f s"
              % (side2, BATCH, took), file=sys.stderr)


class Session(Balanced):
    def test_interactive_session_survives_its_nodes_death(self):
        src = os.path.join(self.files, "after.png")
        data = smoke.png_bytes(31, side=80)
        with open(src, "wb") as f:
            f.write(data)
        before = self.connected_counts()
        p = subprocess.Popen([smoke.IMGSH, self.addr], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             cwd=self.files, preexec_fn=smoke._die_with_parent)
        smoke._live.append(p)
        self.addCleanup(p.stdout.close)
        self.addCleanup(smoke._stop, p)
        lines = queue.Queue()

        def pump():
            for line in p.stdout:
                lines.put(line.decode(errors="replace").rstrip("\n"))
            lines.put(None)
        threading.Thread(target=pump, daemon=True).start()
        seen = []

        def until(pred, what):
            deadline = time.monotonic() + IO_TIMEOUT
            while time.monotonic() < deadline:
                try:
                    line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if line is None:
                    break
                seen.append(line)
                if pred(line):
                    return line
            self.fail("no %s within %.0f s; output:\n%s" % (what, IO_TIMEOUT, "\n".join(seen)))

        p.stdin.write(b"ls\n")
        p.stdin.flush()
        until(lambda l: " list " in l or " ls " in l, "report of ls")
        side = self.node_serving(before)
        os.kill(self.nodes[side].proc.pid, signal.SIGKILL)
        self.nodes[side].proc.wait(timeout=IO_TIMEOUT)
        # HAProxy passes the dead node's close on to imgsh a moment later; a command sent
        # before it arrives goes into the dying session and fails connection_lost.
        deadline = time.monotonic() + IO_TIMEOUT
        while not peer_closed(self.lb.port) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertTrue(peer_closed(self.lb.port), "HAProxy did not close imgsh's connection")
        p.stdin.write(b"put after.png\n")
        p.stdin.flush()
        until(lambda l: l.startswith("imgsh: reconnected to"), "reconnect notice")
        report = until(lambda l: " put " in l, "report of put")
        self.assertRegex(report, r" put \S*after\.png ok ", "\n".join(seen))
        p.stdin.close()
        self.assertEqual(p.wait(timeout=IO_TIMEOUT), 0, "\n".join(seen))
        other = "b" if side == "a" else "a"
        got = self.logged(lambda: served(self.nodes[other].log(), "put", "after.png"), bool)
        self.assertEqual([s for s, _ in got], ["ok"])
        with open(os.path.join(self.dir_a, "after.png"), "rb") as f:
            self.assertEqual(f.read(), data)


class TooLarge(Balanced):
    node_options = ("--max-file-size", "100kb")

    def test_too_large_through_haproxy(self):
        small = smoke.png_bytes(41, side=40)
        big = smoke.png_bytes(42, side=300)  # ~270 KB
        self.assertGreater(len(big), 100 * 1024)
        for n, b in (("small.png", small), ("big.png", big)):
            with open(os.path.join(self.files, n), "wb") as f:
                f.write(b)
        for _ in range(2):  # round robin: each node refuses it once
            rc, reports, out = smoke.imgsh(self.addr, "put", "big.png", cwd=self.files)
            self.assertNotEqual(rc, 0, out)
            self.assertIn(" fail too_large", out)
        rc, reports, out = smoke.imgsh(self.addr, "put", "small.png", cwd=self.files)
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.wait_no_temporaries(), (["small.png"], []))
        refused = self.logged(
            lambda: {s: served(x.log(), "put", "big.png") for s, x in self.nodes.items()},
            lambda v: all(v.values()))
        self.assertTrue(all(refused.values()), refused)


class DiskFull(Balanced):
    QUOTA = 4 * 1024 * 1024

    def setUp(self):
        super().setUp()
        # A CephFS quota on the store directory, and the store already full: ceph-fuse checks
        # each write against the directory's recursive size as the MDS last told it, so a put
        # into a directory that is nearly full may finish before the client learns it went
        # over (CI once stored 12 MB under an 8 MB quota, TSan making the MDS slower than the
        # write). A store that is already over its quota refuses the first byte, on both
        # mounts, every time. The filler is hidden (not a listed name).
        filler = os.path.join(self.dir_a, ".quota-filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * (self.QUOTA + (1 << 20)))
            f.flush()
            os.fsync(f.fileno())
        os.setxattr(self.dir_a, "ceph.quota.max_bytes", str(self.QUOTA).encode())
        for d in (self.dir_a, self.dir_b):
            self.assertEqual(self.logged(lambda: self.write_refused(d), bool), True,
                             "%s: a write into the full store is not refused" % d)

    def write_refused(self, d):
        """Whether a small write through mount d fails with EDQUOT: that mount knows both the
        quota and that the directory is over it (statvfs does not show the quota)."""
        probe = os.path.join(d, ".quota-probe")
        try:
            os.getxattr(d, "ceph.dir.rbytes")  # asks the MDS for the directory's size now
            with open(probe, "wb") as f:
                f.write(b"\0" * 65536)
                f.flush()
                os.fsync(f.fileno())
            return False
        except OSError as e:
            self.assertEqual(e.errno, errno.EDQUOT, e)
            return True
        finally:
            if os.path.exists(probe):
                os.unlink(probe)

    def test_disk_full_through_haproxy(self):
        big = smoke.png_bytes(51, side=600)  # ~1 MB; any size: the store is already full
        with open(os.path.join(self.files, "big.png"), "wb") as f:
            f.write(big)
        for _ in range(2):  # round robin: each node refuses it once
            rc, reports, out = smoke.imgsh(self.addr, "put", "big.png", cwd=self.files)
            self.assertNotEqual(rc, 0, out)
            self.assertIn(" fail no_space", out)
        self.assertEqual(self.wait_no_temporaries(), ([], []))
        refused = self.logged(
            lambda: {s: served(x.log(), "put", "big.png") for s, x in self.nodes.items()},
            lambda v: all(v.values()))
        self.assertTrue(all(refused.values()), refused)


if __name__ == "__main__":
    unittest.main()
