"""Scale-out smoke test (issue 11): a real CephFS with two ceph-fuse mounts, two imgsrv on it,
HAProxy in front.

First the file-system facts the shared-root server will rely on, checked exactly through the
two mounts (shared/scaleout-facts.md): a file created through one mount is visible through
the other at once; temp + linkat races between two processes (one per mount) have exactly
one winner; renameat2(RENAME_NOREPLACE) answers EINVAL and O_TMPFILE EOPNOTSUPP on
ceph-fuse (so the server must keep named temporaries and link them); flock and fcntl locks
on a regular file are exclusive across mounts while a flock on a directory is not; statvfs
reports free space. Then `imgsrv --shared-root` on each mount (nodes a and b): a put through
one is listed and fetched byte-identical through the other; racing puts of one name through
both have exactly one winner; an exclusive server or a second node a refuses to start; a node
killed mid-put shows nothing and its restart sweeps its own temporary, not b's live upload. Then HAProxy: it forwards
hello to both nodes, its ping health check tells an `ok` reply from an error, and (once
imgsrv answers ping) it checks real nodes and takes a stopped one out.

Skips, saying why, only where the machine cannot run it: not root, no /dev/fuse, a Ceph
program or haproxy missing. The cluster lives in a private mount namespace and every child
dies with this process, so nothing stays mounted or running even if the test is killed; a
deadline (DEADLINE below, under CTest's TIMEOUT) stops a stuck run through the normal
teardown, which tearDownModule then checks left nothing behind.

Binaries from the environment (IMGSRV, IMGSH) as CTest sets them. Python 3 stdlib only;
run by hand: sudo IMGSRV=... IMGSH=... python3 -m unittest -v test_cluster_smoke
"""

import atexit
import ctypes
import errno
import fcntl
import multiprocessing
import os
import queue
import select
import shutil
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
sys.path.insert(0, os.path.join(HERE, "..", "integration"))  # the integration tests' wire and process glue

import ceph_cluster  # noqa: E402
import haproxy  # noqa: E402
from images import make_png_bytes  # noqa: E402
from procs import parse_reports, run_imgsh  # noqa: E402
from raw_sockets import read_frame  # noqa: E402
from wire import RawClient, frame  # noqa: E402

SOURCE_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
IMGSRV = os.environ.get("IMGSRV") or os.path.join(SOURCE_ROOT, "build", "server", "imgsrv")
IMGSH = os.environ.get("IMGSH") or os.path.join(SOURCE_ROOT, "build", "shell", "imgsh")
HOST = "127.0.0.1"

DEADLINE = 300          # seconds for the whole module; CTest's TIMEOUT is 420
LINK_RACES = 200
SERVER_START_TIMEOUT = 15.0
SHELL_TIMEOUT = 60.0
IO_TIMEOUT = 10.0

cluster = None
local_tmp = None        # a directory on the local disk (logs, files to put, downloads)
_live = []              # processes a test started, stopped by tearDownModule if still running
_watchdog = None        # the deadline's timer thread


class Deadline(KeyboardInterrupt):
    """Ends unittest's run at once (any other exception would only fail the current test,
    and the next ones would start); the atexit hook then tears everything down."""


def _on_alarm(signum, frame):
    raise Deadline("the scale-out test passed its %d s deadline" % DEADLINE)


def _deadline_hit(main_thread_id):
    """The watchdog, on its own thread: the main thread may be asleep in a FUSE request that
    no signal interrupts (a hung cluster), so first kill the ceph-fuse processes, which
    fails every pending request with ENOTCONN, then raise Deadline in the main thread; the
    normal teardown follows."""
    print("\nDEADLINE: %d s passed; aborting the FUSE mounts" % DEADLINE, file=sys.stderr,
          flush=True)
    c = cluster
    if c is not None:
        c.abort_mounts()
    signal.pthread_kill(main_thread_id, signal.SIGALRM)


def _on_term(signum, frame):
    # KeyboardInterrupt ends unittest's run at once (another exception would only fail the
    # current test and go on); the atexit hook then does tearDownModule's work.
    raise KeyboardInterrupt("stopped by signal %d" % signum)


def skip_reason():
    if os.geteuid() != 0:
        return "needs root (ceph-fuse mounts, a private mount namespace)"
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse on this machine"
    missing = ceph_cluster.missing_binaries()
    if missing:
        return "Ceph programs missing: %s (scripts/deps.sh installs them)" % ", ".join(missing)
    if shutil.which("haproxy") is None:
        return "haproxy missing (scripts/deps.sh installs it)"
    return None


def setUpModule():
    global cluster, local_tmp
    reason = skip_reason()
    if reason:
        print("SKIP scale-out test: " + reason, file=sys.stderr, flush=True)
        raise unittest.SkipTest(reason)
    for path in (IMGSRV, IMGSH):
        if not os.access(path, os.X_OK):
            raise RuntimeError("%s is not built (set IMGSRV and IMGSH)" % path)
    global _watchdog
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGTERM, _on_term)
    _watchdog = threading.Timer(DEADLINE, _deadline_hit, args=(threading.get_ident(),))
    _watchdog.daemon = True
    _watchdog.start()
    ceph_cluster.private_mount_namespace()
    # Named like the cluster's scratch, so a later run sweeps it if this one is SIGKILLed.
    local_tmp = tempfile.mkdtemp(prefix="%s%d-local-" % (ceph_cluster.SCRATCH_PREFIX, os.getpid()))
    t = time.monotonic()
    try:
        cluster = ceph_cluster.CephCluster(clients=2)
        cluster.__enter__()
    except BaseException:
        cluster = None  # __enter__ tore down what it had started
        _cleanup()
        raise
    atexit.register(_cleanup)  # after the cluster's own hook, so it runs first
    print("cluster up in %.2f s, RSS %d MiB %s" % (time.monotonic() - t, cluster.rss_mib(),
                                                  cluster.rss_by_daemon()),
          file=sys.stderr, flush=True)


def _cleanup():
    """Stops what the tests started, then the cluster; checks nothing is left. Idempotent:
    runs from tearDownModule, or from atexit when the run was interrupted."""
    global cluster, local_tmp
    try:
        while _live:
            _stop(_live.pop())
        if cluster is not None:
            c, cluster = cluster, None
            scratch = c.dir
            pids = [d.pid for d in c.daemons]
            c.teardown()
            still = [p for p in pids if _state(p) not in ("Z", None)]
            mounted = ceph_cluster.mounted_under(scratch)
            if still or mounted or os.path.exists(scratch):
                raise AssertionError("teardown left behind: pids %s, mounts %s, scratch %s"
                                     % (still, mounted, os.path.exists(scratch)))
    finally:
        if _watchdog is not None:
            _watchdog.cancel()
        if local_tmp:
            shutil.rmtree(local_tmp, ignore_errors=True)
            local_tmp = None


def tearDownModule():
    _cleanup()


def _state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


# ---------------------------------------------------------------------------------------
# small helpers: processes, frames, images


def _die_with_parent():
    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def _stop(proc, timeout=5.0):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Imgsrv:
    """imgsrv on a directory (a path through one mount), on a free loopback port; with
    node_id, as one node of a shared root (--shared-root --node-id)."""

    def __init__(self, root, tag, node_id=None, extra=()):
        self.root = root
        self.node_id = node_id
        self.extra = list(extra)  # more imgsrv options (limits)
        self.log_path = os.path.join(local_tmp, "imgsrv-%s.log" % tag)
        self.proc = None
        self.port = None

    @property
    def addr(self):
        return "%s:%d" % (HOST, self.port)

    def start(self):
        # The port accepts as soon as it is bound, before the root is locked and
        # swept: a start is over when this run writes its own listening line.
        runs_before = self.log().count(" listening on ") if os.path.exists(self.log_path) else 0
        for _ in range(5):
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                # cwd on the local disk: a process inside the mount would keep it busy.
                shared = ["--shared-root", "--node-id", self.node_id] if self.node_id else []
                self.proc = subprocess.Popen(
                    [IMGSRV, "--bind", HOST, "--root", self.root] + shared + self.extra
                    + [str(self.port)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    cwd=local_tmp, preexec_fn=_die_with_parent)
            _live.append(self.proc)
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                if self.log().count(" listening on ") > runs_before:
                    socket.create_connection((HOST, self.port), timeout=IO_TIMEOUT).close()
                    return self
                time.sleep(0.05)
            if self.proc.poll() is None:
                _stop(self.proc)
                raise AssertionError("imgsrv on %s not accepting after %.0f s:\n%s"
                                     % (self.root, SERVER_START_TIMEOUT, self.log()))
            if self.proc.returncode != 2:  # 2: the port was taken meanwhile, try another
                raise AssertionError("imgsrv on %s exited with %s:\n%s"
                                     % (self.root, self.proc.returncode, self.log()))
        raise AssertionError("imgsrv found no free port:\n" + self.log())

    def stop(self):
        if self.proc is not None:
            _stop(self.proc)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", errors="replace")


def exchange(port, *headers):
    """Opens a connection, sends each request header, returns the replies (header, body)."""
    with RawClient(port, timeout=IO_TIMEOUT) as c:
        replies = []
        for h in headers:
            c.send_frame(h)
            replies.append(c.recv_frame())
        return replies


HELLO = {"op": "hello", "id": 1, "version": 1, "client": "scaleout-test/1"}


def png_bytes(seed, side=24):
    """A side x side noise PNG (images.make_png_bytes)."""
    return make_png_bytes(side, side, seed=seed)


def imgsh(addr, *args, cwd=None):
    """Runs one imgsh command (procs.run_imgsh; it dies with this process); returns (exit
    status, None if killed at SHELL_TIMEOUT; its report lines; stdout and stderr)."""
    res = run_imgsh([addr] + list(args), cwd or local_tmp, None, timeout=SHELL_TIMEOUT,
                    preexec_fn=_die_with_parent)
    return res.returncode, res.reports, res.stdout + res.stderr


# ---------------------------------------------------------------------------------------
# the facts, through the two mounts


def _link_racer(mount, subdir, worker, rounds, barrier, results):
    """One racer, in its own process on its own mount: per round, a temporary with this
    worker's content, fsync, wait for the other racer, linkat to the shared final name."""
    _die_with_parent()
    base = os.path.join(mount, subdir)
    out = []
    for i in range(rounds):
        temp = os.path.join(base, ".tmp-w%d-%d" % (worker, i))
        final = os.path.join(base, "race-%d.png" % i)
        with open(temp, "wb") as f:
            f.write(b"worker %d round %d\n" % (worker, i) * 64)
            f.flush()
            os.fsync(f.fileno())
        barrier.wait(timeout=30)
        try:
            os.link(temp, final)
            out.append(0)
        except OSError as e:
            out.append(e.errno)
        os.unlink(temp)
    results.put((worker, out))


def _hold_lock(path, kind, ready_fd, release_fd):
    """In a child process: take the lock, say so on ready_fd, hold it until release_fd."""
    _die_with_parent()
    if kind == "flock-dir":
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    else:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    if kind == "lockf":
        fcntl.lockf(fd, fcntl.LOCK_EX)
    else:
        fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(ready_fd, b"1")
    os.read(release_fd, 1)


class CephFsFacts(unittest.TestCase):
    """What the shared-root server relies on, observed through mounts A and B."""

    def setUp(self):
        self.a, self.b = cluster.mounts
        self.sub = "facts-%s-%d" % (self._testMethodName, os.getpid())
        os.mkdir(os.path.join(self.a, self.sub))
        self.pa = os.path.join(self.a, self.sub)
        self.pb = os.path.join(self.b, self.sub)

    def test_created_on_a_is_visible_on_b_at_once(self):
        for i in range(50):
            name = "f%d.png" % i
            data = png_bytes(i)
            with open(os.path.join(self.pa, name), "wb") as f:
                f.write(data)
            # No sleep, no retry: the very next calls through B must see it.
            self.assertIn(name, os.listdir(self.pb), "round %d: readdir on B" % i)
            self.assertEqual(os.stat(os.path.join(self.pb, name)).st_size, len(data))
            with open(os.path.join(self.pb, name), "rb") as f:
                self.assertEqual(f.read(), data, "round %d: content read on B" % i)
            os.unlink(os.path.join(self.pa, name))
            self.assertFalse(os.path.exists(os.path.join(self.pb, name)),
                             "round %d: deleted on A, still there on B" % i)

    def test_linkat_race_has_exactly_one_winner(self):
        ctx = multiprocessing.get_context("fork")
        barrier = ctx.Barrier(2)
        results = ctx.Queue()
        procs = [ctx.Process(target=_link_racer,
                             args=(m, self.sub, w, LINK_RACES, barrier, results))
                 for w, m in enumerate((self.a, self.b))]
        t = time.monotonic()
        for p in procs:
            p.start()
        got = {}
        deadline = time.monotonic() + 240
        try:
            while len(got) < len(procs):
                try:
                    worker, out = results.get(timeout=0.5)
                    got[worker] = out
                    continue
                except queue.Empty:
                    pass
                dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
                self.assertFalse(dead, "a racer died (exit status %s)" % dead)
                self.assertLess(time.monotonic(), deadline, "the racers took over 240 s")
        finally:
            for p in procs:
                p.join(timeout=10)
                if p.is_alive():
                    p.kill()
                    p.join(timeout=5)
        took = time.monotonic() - t
        print("\n  %d linkat races in %.1f s" % (LINK_RACES, took), file=sys.stderr)
        for i in range(LINK_RACES):
            outcome = sorted((got[0][i], got[1][i]))
            self.assertEqual(outcome, [0, errno.EEXIST],
                             "round %d: expected one winner and one EEXIST, got %s"
                             % (i, [errno.errorcode.get(e, e) for e in outcome]))
            winner = 0 if got[0][i] == 0 else 1
            expected = b"worker %d round %d\n" % (winner, i) * 64
            for mount in (self.pa, self.pb):
                with open(os.path.join(mount, "race-%d.png" % i), "rb") as f:
                    self.assertEqual(f.read(), expected, "round %d: content via %s" % (i, mount))
        self.assertEqual([n for n in os.listdir(self.pb) if n.startswith(".tmp")], [])

    def test_renameat2_noreplace_and_o_tmpfile_are_refused(self):
        # facts: renameat2(RENAME_NOREPLACE) is EINVAL on ceph-fuse, even onto a new name,
        # and nothing moves; O_TMPFILE is EOPNOTSUPP. The server must link named temporaries.
        libc = ctypes.CDLL(None, use_errno=True)
        temp = os.path.join(self.pa, ".tmp-rename")
        with open(temp, "wb") as f:
            f.write(b"x")
        rc = libc.renameat2(-100, temp.encode(), -100,  # AT_FDCWD
                            os.path.join(self.pa, "new.png").encode(), 1)  # RENAME_NOREPLACE
        err = ctypes.get_errno()
        self.assertEqual((rc, errno.errorcode.get(err, err)), (-1, "EINVAL"),
                         "renameat2(RENAME_NOREPLACE) on ceph-fuse differs from the facts")
        self.assertTrue(os.path.exists(temp))
        self.assertFalse(os.path.exists(os.path.join(self.pb, "new.png")))
        with self.assertRaises(OSError) as cm:
            os.open(self.pa, os.O_TMPFILE | os.O_WRONLY, 0o600)
        self.assertEqual(cm.exception.errno, errno.EOPNOTSUPP)

    def _contend(self, path_a, path_b, kind):
        """A child holds `kind` on path_a (mount A); returns what a try-lock on path_b
        (mount B) from this process gives while it holds it, and after it let go."""
        ready_r, ready_w = os.pipe()
        release_r, release_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                os.close(ready_r)
                os.close(release_w)
                _hold_lock(path_a, kind, ready_w, release_r)
                status = 0
            finally:
                os._exit(status)
        os.close(ready_w)
        os.close(release_r)
        try:
            # A child that failed closes its end: EOF, not a hang; select bounds the wait.
            readable, _, _ = select.select([ready_r], [], [], IO_TIMEOUT)
            self.assertTrue(readable, "the lock holder on mount A did not lock within %.0f s"
                            % IO_TIMEOUT)
            self.assertEqual(os.read(ready_r, 1), b"1", "the lock holder on mount A failed")
            fd = os.open(path_b, os.O_RDWR | os.O_CREAT, 0o644) if kind != "flock-dir" else \
                os.open(path_b, os.O_RDONLY | os.O_DIRECTORY)
            try:
                def try_lock():
                    try:
                        if kind == "lockf":
                            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        else:
                            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        return "locked"
                    except OSError as e:
                        return errno.errorcode[e.errno]
                held = try_lock()
                if held == "locked":
                    fcntl.flock(fd, fcntl.LOCK_UN) if kind != "lockf" else \
                        fcntl.lockf(fd, fcntl.LOCK_UN)
                os.write(release_w, b"1")
                os.waitpid(pid, 0)
                pid = None
                deadline = time.monotonic() + IO_TIMEOUT
                after = try_lock()
                while after != "locked" and time.monotonic() < deadline:
                    time.sleep(0.05)
                    after = try_lock()
                return held, after
            finally:
                os.close(fd)
        finally:
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(ready_r)
            os.close(release_w)

    def test_file_locks_are_exclusive_across_mounts(self):
        lock = "node.lock"
        for kind in ("flock", "lockf"):
            held, after = self._contend(os.path.join(self.pa, lock), os.path.join(self.pb, lock),
                                        kind)
            self.assertIn(held, ("EAGAIN", "EWOULDBLOCK", "EACCES"),
                          "%s on a regular file through A did not exclude B" % kind)
            self.assertEqual(after, "locked", "%s: B could not lock once A let go" % kind)

    def test_directory_flock_is_per_mount(self):
        # Why today's imgsrv starts twice on one shared directory (and why --shared-root
        # must lock regular files instead).
        held, after = self._contend(self.pa, self.pb, "flock-dir")
        self.assertEqual(held, "locked", "a directory flock through A now excludes B: "
                         "the facts changed (good news for imgsrv's root lock)")

    def test_mds_runs_without_early_replies(self):
        # facts, item 5: with early replies, contended link/unlink waited for the journal.
        self.assertEqual(cluster.daemon_config("mds.a", "mds_early_reply"), "false")

    def test_statvfs_reports_free_space(self):
        for mount in (self.a, self.b):
            st = os.statvfs(mount)
            print("\n  statvfs %s: f_frsize %d, f_bavail %d, %.1f GiB free"
                  % (mount, st.f_frsize, st.f_bavail, st.f_bavail * st.f_frsize / 2**30),
                  file=sys.stderr)
            self.assertGreater(st.f_bavail * st.f_frsize, 0)
            self.assertGreater(st.f_blocks, 0)


# ---------------------------------------------------------------------------------------
# two imgsrv on one CephFS directory, and HAProxy


class TwoServers(unittest.TestCase):
    """Two `imgsrv --shared-root` nodes on the same CephFS directory, A through mount A and
    B through mount B."""

    def setUp(self):
        self.sub = "store-%s-%d" % (self._testMethodName, os.getpid())
        os.mkdir(os.path.join(cluster.mounts[0], self.sub))
        self.files = tempfile.mkdtemp(dir=local_tmp)
        self.srv_a = Imgsrv(os.path.join(cluster.mounts[0], self.sub), "a-" + self._testMethodName, "a")
        self.srv_b = Imgsrv(os.path.join(cluster.mounts[1], self.sub), "b-" + self._testMethodName, "b")
        self.addCleanup(self.srv_b.stop)
        self.addCleanup(self.srv_a.stop)
        self.srv_a.start()
        self.srv_b.start()

    def local(self, name, data):
        path = os.path.join(self.files, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_put_through_a_is_listed_and_fetched_through_b(self):
        data = png_bytes(7, side=200)  # ~120 KB
        src = self.local("shared.png", data)
        rc, reports, out = imgsh(self.srv_a.addr, "put", src)
        self.assertEqual(rc, 0, out)
        rc, reports, out = imgsh(self.srv_b.addr, "ls", "-1")
        self.assertEqual(rc, 0, out)
        self.assertIn("shared.png", out.split())
        dest = os.path.join(self.files, "fetched.png")
        rc, reports, out = imgsh(self.srv_b.addr, "get", "shared.png", dest)
        self.assertEqual(rc, 0, out)
        with open(dest, "rb") as f:
            self.assertEqual(f.read(), data, "fetched through B differs from the put through A")

    def test_racing_puts_through_both_have_one_winner_per_name(self):
        names = ["race%02d.png" % i for i in range(10)]
        dirs = {}
        for side in ("a", "b"):
            d = os.path.join(self.files, side)
            os.mkdir(d)
            for i, n in enumerate(names):
                with open(os.path.join(d, n), "wb") as f:
                    f.write(png_bytes(1000 * (side == "b") + i))
            dirs[side] = d
        procs = {}
        for side, srv in (("a", self.srv_a), ("b", self.srv_b)):
            procs[side] = subprocess.Popen(
                [IMGSH, srv.addr, "mput", "*.png"], stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=dirs[side],
                preexec_fn=_die_with_parent)
        outs = {}
        for side, p in procs.items():
            outs[side] = p.communicate(timeout=SHELL_TIMEOUT)[0].decode(errors="replace")
        winners = {}
        for side in ("a", "b"):
            for r in parse_reports(outs[side]):
                if r.op == "put" and r.file:
                    name = os.path.basename(r.file)
                    if name in names:
                        winners.setdefault(name, []).append((side, r.status, r.code or r.message))
        for n in names:
            got = winners.get(n, [])
            self.assertEqual(len(got), 2, "%s: a report from each server expected: %s\n%s"
                             % (n, got, outs))
            oks = [side for side, status, _ in got if status == "ok"]
            self.assertEqual(len(oks), 1, "%s: exactly one winner expected: %s" % (n, got))
            loser = [rest for side, status, rest in got if status == "fail"][0]
            self.assertIn("exists", loser, "%s: the loser should get `exists`: %s" % (n, got))
            with open(os.path.join(cluster.mounts[1], self.sub, n), "rb") as f:
                with open(os.path.join(dirs[oks[0]], n), "rb") as g:
                    self.assertEqual(f.read(), g.read(), "%s: stored bytes are not the winner's" % n)

    def temporaries(self):
        """Upload temporaries in the shared directory, read through mount B."""
        return sorted(n for n in os.listdir(os.path.join(cluster.mounts[1], self.sub))
                      if n.startswith(".imgsrv-tmp."))

    def begin_put(self, srv, name, data, sent):
        """Starts a put of `data` under `name` on srv and sends `sent` bytes of its body."""
        s = socket.create_connection((HOST, srv.port), timeout=IO_TIMEOUT)
        self.addCleanup(s.close)
        s.sendall(frame(HELLO))
        self.assertEqual(read_frame(s)[0].get("status"), "ok")
        s.sendall(frame({"op": "put", "id": 2, "name": name, "size": len(data)}))
        reply = read_frame(s)[0]
        self.assertEqual(reply.get("status"), "continue", reply)
        s.sendall(frame({"op": "data", "id": 2}, data[:sent], body_len=len(data)))
        return s

    def test_exclusive_server_and_a_taken_node_id_refuse_to_start(self):
        root_b = os.path.join(cluster.mounts[1], self.sub)
        for extra, expected in (([], "another imgsrv is already serving"),
                                (["--shared-root", "--node-id", "a"], "node id a is already serving")):
            res = subprocess.run([IMGSRV, "--bind", HOST, "--root", root_b] + extra + ["0"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, cwd=local_tmp, timeout=SERVER_START_TIMEOUT,
                                 preexec_fn=_die_with_parent)
            out = res.stdout.decode(errors="replace")
            self.assertEqual(res.returncode, 2, out)
            self.assertIn(expected, out)

    def test_sigkill_mid_put_shows_nothing_and_restart_sweeps_only_the_dead_nodes_temporary(self):
        dead, live = png_bytes(21, side=600), png_bytes(22, side=600)  # ~1 MB each
        self.begin_put(self.srv_a, "dead.png", dead, len(dead) // 2)
        sb = self.begin_put(self.srv_b, "live.png", live, len(live) // 2)
        deadline = time.monotonic() + IO_TIMEOUT
        while time.monotonic() < deadline and len(self.temporaries()) < 2:
            time.sleep(0.05)
        temps = self.temporaries()
        self.assertEqual([t.split(".")[2] for t in temps], ["a", "b"], temps)
        os.kill(self.srv_a.proc.pid, signal.SIGKILL)
        self.srv_a.proc.wait(timeout=IO_TIMEOUT)
        rc, _, out = imgsh(self.srv_b.addr, "ls", "-1")
        self.assertEqual(rc, 0, out)
        self.assertNotIn("dead.png", out.split())
        self.assertNotIn("live.png", out.split())
        self.assertEqual(self.temporaries(), temps, "nobody sweeps before a node starts")
        self.srv_a.start()  # node a again: its lock is free, so its leftover goes
        self.assertIn("removed 1 stale temporary", self.srv_a.log())
        # Node a unlinked it through mount A; mount B may take a moment to see it.
        deadline = time.monotonic() + IO_TIMEOUT
        while time.monotonic() < deadline and self.temporaries() != temps[1:]:
            time.sleep(0.05)
        self.assertEqual(self.temporaries(), temps[1:], "only the dead node's temporary goes")
        # B's upload, in progress all along, publishes intact.
        xxh3 = subprocess.run(["xxhsum", "-H2", "-"], input=live, stdout=subprocess.PIPE,
                              check=True, timeout=IO_TIMEOUT).stdout.split()[0].decode()
        sb.sendall(live[len(live) // 2:] + frame({"op": "checksum", "id": 2, "xxh3": xxh3}))
        reply = read_frame(sb)[0]
        self.assertEqual(reply.get("status"), "ok", reply)
        dest = os.path.join(self.files, "live.png")
        rc, _, out = imgsh(self.srv_a.addr, "get", "live.png", dest)
        self.assertEqual(rc, 0, out)
        with open(dest, "rb") as f:
            self.assertEqual(f.read(), live)
        self.assertEqual(self.temporaries(), [])

    def test_haproxy_forwards_to_both_nodes(self):
        data = png_bytes(11, side=64)
        with haproxy.HAProxy([(HOST, self.srv_a.port), (HOST, self.srv_b.port)],
                             check="connect") as lb:
            state = lb.wait_servers(lambda s: all(v[0] == "UP" and v[1] == "L4OK"
                                                  for v in s.values()), 10)
            self.assertEqual(sorted(state), ["node1", "node2"], state)
            self.assertTrue(all(v[0] == "UP" for v in state.values()), state)
            servers = []
            for _ in range(4):  # round robin: consecutive connections alternate nodes
                (reply, _), = exchange(lb.port, HELLO)
                self.assertEqual(reply.get("status"), "ok", reply)
                self.assertTrue(str(reply.get("server", "")).startswith("imgsrv/"), reply)
            for srv in (self.srv_a, self.srv_b):
                deadline = time.monotonic() + 5
                while "hello ok" not in srv.log() and time.monotonic() < deadline:
                    time.sleep(0.05)
                servers.append("hello ok" in srv.log())
            self.assertEqual(servers, [True, True], "both nodes should have served a hello")
            # A put through the balancer lands on one node; a get through it on the other.
            addr = "%s:%d" % (HOST, lb.port)
            rc, _, out = imgsh(addr, "put", self.local("via-lb.png", data))
            self.assertEqual(rc, 0, out)
            for i in range(2):
                dest = os.path.join(self.files, "back%d.png" % i)
                rc, _, out = imgsh(addr, "get", "via-lb.png", dest)
                self.assertEqual(rc, 0, out)
                with open(dest, "rb") as f:
                    self.assertEqual(f.read(), data)

    def test_haproxy_ping_check_on_imgsrv(self):
        (hello, _), (ping, _) = exchange(self.srv_a.port, HELLO, {"op": "ping", "id": 2})
        (first, _), = exchange(self.srv_a.port, {"op": "ping", "id": 1})
        supported = first.get("status") == "ok"
        with haproxy.HAProxy([(HOST, self.srv_a.port), (HOST, self.srv_b.port)],
                             check="ping") as lb:
            decided = lambda s: all(v[1] not in ("", "INI", "UNK") and "CHECKED" not in v[0]
                                    for v in s.values())
            state = lb.wait_servers(decided, 10)
            if not supported:
                # Today: an error reply must not pass the check.
                self.assertEqual(first.get("code"), "unknown_op", first)
                self.assertEqual({n: v for n, v in state.items()},
                                 {"node1": ("DOWN", "L7RSP"), "node2": ("DOWN", "L7RSP")},
                                 "an unknown_op reply must fail the ping check")
                print("\n  SKIP positive ping check: imgsrv answers ping with unknown_op "
                      "(%s); the check marks such nodes DOWN (L7RSP)" % first.get("message"),
                      file=sys.stderr)
                self.skipTest("imgsrv does not answer ping yet (unknown_op)")
            self.assertEqual(ping.get("status"), "ok", ping)
            for reply in (first, ping):
                self.assertIn("server", reply)
                self.assertIn("sessions", reply)
            self.assertEqual(state, {"node1": ("UP", "L7OK"), "node2": ("UP", "L7OK")},
                             lb.log_text())
            self.srv_b.stop()
            state = lb.wait_servers(lambda s: s["node2"][0] == "DOWN", 5)
            self.assertEqual(state["node2"][0], "DOWN", "a stopped node stays in: %s" % state)
            self.assertEqual(state["node1"], ("UP", "L7OK"))
            for _ in range(3):
                (reply, _), = exchange(lb.port, HELLO)
                self.assertEqual(reply.get("status"), "ok", reply)


# ---------------------------------------------------------------------------------------
# HAProxy's ping check against stand-in servers, and the deployment config


class FakeNode:
    """A loopback server that answers every request frame with one reply frame whose
    status is `status` (or closes at once when status is None)."""

    def __init__(self, status):
        self.status = status
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.settimeout(2)
                    header, _ = read_frame(conn)
                    conn.sendall(frame({"id": header.get("id"), "server": "fake/1",
                                        "sessions": 0, "status": self.status}))
                except (OSError, ValueError):
                    pass

    def close(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()


class PingCheckConfig(unittest.TestCase):
    def test_ping_check_tells_ok_from_error_and_closed(self):
        good, bad = FakeNode("ok"), FakeNode("error")
        self.addCleanup(good.close)
        self.addCleanup(bad.close)
        closed_port = free_port()
        with haproxy.HAProxy([(HOST, good.port), (HOST, bad.port), (HOST, closed_port)],
                             check="ping") as lb:
            state = lb.wait_servers(lambda s: s["node1"][1] == "L7OK" and s["node2"][0] == "DOWN"
                                    and s["node3"][0] == "DOWN", 10)
            self.assertEqual(state, {"node1": ("UP", "L7OK"), "node2": ("DOWN", "L7RSP"),
                                     "node3": ("DOWN", "L4CON")}, lb.log_text())

    def test_ping_frame_bytes(self):
        self.assertEqual(haproxy.ping_frame(1),
                         b"\x00\x00\x00\x14" + b"\x00" * 8 + b'{"op":"ping","id":1}')

    def test_deploy_config_is_valid_and_uses_the_same_check(self):
        cfg = os.path.join(SOURCE_ROOT, "deploy", "haproxy.cfg")
        res = subprocess.run(["haproxy", "-c", "-f", cfg], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=30)
        self.assertEqual(res.returncode, 0, res.stdout.decode(errors="replace"))
        with open(cfg) as f:
            text = f.read()
        self.assertIn("mode tcp", text)
        self.assertIn("tcp-check send-binary " + haproxy.ping_send_hex(1), text)
        self.assertIn("tcp-check expect rbinary " + haproxy.ping_expect_rbinary(), text)
        # And it runs: on loopback, over nodes that answer ping ok and one that answers an
        # error, it checks them, takes the failing one out, and forwards a hello.
        good1, good2, bad = FakeNode("ok"), FakeNode("ok"), FakeNode("error")
        for node in (good1, good2, bad):
            self.addCleanup(node.close)
        with haproxy.HAProxy([(HOST, n.port) for n in (good1, good2, bad)],
                             config_text=text) as lb:
            # deploy: inter 2s fall 2, so the failing node is out after about 4 s.
            state = lb.wait_servers(lambda s: s["node3"][0] == "DOWN"
                                    and s["node1"][1] == s["node2"][1] == "L7OK", 10)
            self.assertEqual(state, {"node1": ("UP", "L7OK"), "node2": ("UP", "L7OK"),
                                     "node3": ("DOWN", "L7RSP")}, lb.log_text())
            for _ in range(4):
                (reply, _), = exchange(lb.port, HELLO)
                self.assertEqual((reply.get("status"), reply.get("server")), ("ok", "fake/1"))


if __name__ == "__main__":
    unittest.main()
