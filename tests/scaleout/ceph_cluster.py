"""A throwaway one-machine Ceph cluster with two ceph-fuse mounts of one CephFS, for tests.

Everything is bound to 127.0.0.1 on free ports (the monitor on one ephemeral port, the
other daemons inside a block of free ports, never Ceph's defaults 3300/6789), and lives in
one scratch directory: its own ceph.conf (passed with -c to every command; /etc/ceph is
never read), one keyring with every entity and its caps, the monitor's store, a bluestore
OSD on a sparse file, logs and admin sockets. No systemd: every daemon runs in the
foreground (-f) as our child, and we keep its PID.

    with CephCluster() as cluster:          # ~15 s on 2 cores; prints per-step timings
        cluster.mounts                      # two mount points of the same CephFS root
    # unmounted, every PID stopped, scratch removed; atexit does the same if we die early

Bring-up, after shared/scaleout-facts.md and Ceph's src/vstart.sh: monmaptool --create;
ceph-mon --mkfs and ceph-osd --mkfs in parallel (the OSD's mkfs is offline: the fsid comes
from the conf, --no-mon-config); ceph-mon -f; ceph-mgr -f and ceph-mds -f at once (they
wait for the monitor); one `ceph` session creates osd.0, the two pools and the file system;
ceph-osd -f; two `ceph-fuse -f`. Settings that matter for the server (the facts, item 5):
`mds early reply = false`, and ceph-mgr running, else statvfs reports 0 blocks.

Teardown order: unmount (umount, then umount -l as a last resort), wait for each ceph-fuse
to exit, SIGTERM the daemons newest first with a short grace, then SIGKILL (the MDS
takes 7-11 s to stop on SIGTERM and the data is thrown away anyway), remove the scratch
directory only when nothing is mounted under it. Every child also gets PR_SET_PDEATHSIG
(SIGKILL), so nothing outlives a killed test process; private_mount_namespace() lets a
test keep its FUSE mounts out of the machine's mount table altogether.

Every wait has a deadline; a timeout raises CephClusterError naming the step, with the tail
of the log of the daemon concerned. Python 3 standard library only.

Run by hand: python3 ceph_cluster.py [--hold SECONDS] brings a cluster up, prints its
mounts, timings and memory, and tears it down.
"""

import atexit
import base64
import ctypes
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid

HOST = "127.0.0.1"
BINARIES = ("ceph-mon", "ceph-mgr", "ceph-osd", "ceph-mds", "ceph-fuse", "ceph",
            "monmaptool")

# Deadlines (seconds). The whole bring-up takes ~15 s on an idle 2-core machine.
MKFS_TIMEOUT = 60
MON_TIMEOUT = 30
CLI_TIMEOUT = 60
MDS_TIMEOUT = 60
MOUNT_TIMEOUT = 90
STATFS_TIMEOUT = 60
UMOUNT_TIMEOUT = 15
STOP_GRACE = 2.0

# Every module Debian's ceph-mgr-modules-core ships (pacific), none of which we need.
MGR_MODULES = ",".join((
    "alerts", "balancer", "crash", "devicehealth", "influx", "insights", "iostat", "localpool",
    "mirroring", "nfs", "orchestrator", "osd_perf_query", "osd_support", "pg_autoscaler",
    "progress", "prometheus", "rbd_support", "restful", "selftest", "snap_schedule", "stats",
    "status", "telegraf", "telemetry", "test_orchestrator", "volumes", "zabbix"))

# The bluestore OSD lives in a sparse file of this size (only written blocks use disk).
OSD_BLOCK_SIZE = 10 << 30

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1
_CLONE_NEWNS = 0x00020000
_MS_REC = 16384
_MS_PRIVATE = 1 << 18


class CephClusterError(RuntimeError):
    pass


def missing_binaries():
    """The Ceph programs this module needs that are not on PATH (empty when all are)."""
    return [b for b in BINARIES if shutil.which(b) is None]


def private_mount_namespace():
    """Moves this process (and the children it starts later) into a mount namespace of its
    own whose mounts do not propagate back. FUSE mounts made there vanish when the last
    process in it exits, so even a SIGKILLed test leaves nothing in the machine's mount
    table. Needs root; raises OSError otherwise."""
    if _libc.unshare(_CLONE_NEWNS) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "unshare(CLONE_NEWNS): " + os.strerror(e))
    if _libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "mount --make-rprivate /: " + os.strerror(e))


def _die_with_parent():
    # Runs in the child between fork and exec: SIGKILL it when the parent dies.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
            return True
        except OSError:
            return False


def free_port_block(count, exclude=()):
    """The first port of `count` consecutive loopback ports that are free right now, taken
    from the kernel's ephemeral range. Ceph daemons try each port of their range in turn,
    so a port taken meanwhile only moves a daemon to the next one."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low, high = (int(x) for x in f.read().split())
    rnd = int.from_bytes(os.urandom(4), "big")
    for attempt in range(200):
        base = low + (rnd + attempt * 7919) % (high - low - count)
        ports = range(base, base + count)
        if not any(p in exclude for p in ports) and all(_port_free(p) for p in ports):
            return base
    raise CephClusterError("no block of %d free loopback ports found" % count)


def cephx_key():
    """A new cephx secret as ceph-authtool --gen-print-key writes it: base64 of the encoded
    CryptoKey (u16 type 1 = AES, utime_t created (u32 s, u32 ns), u16 length 16, 16 bytes)."""
    now = time.time()
    raw = struct.pack("<HIIH", 1, int(now), int((now % 1) * 1e9), 16) + os.urandom(16)
    return base64.b64encode(raw).decode()


def mounted_under(path):
    """Mount points at or under path in this process's mount namespace."""
    path = os.path.realpath(path)
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            if point == path or point.startswith(path + "/"):
                found.append(point)
    return found


def _fstype(path):
    path = os.path.realpath(path)
    kind = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == path:
                kind = fields[fields.index("-") + 1]  # the last mount on top wins
    return kind


def tail(path, lines=25):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            text = f.read().decode("utf-8", errors="replace")
    except OSError as e:
        return "(no log: %s)" % e
    return "\n".join("    | " + l for l in text.splitlines()[-lines:]) or "    | (empty)"


def admin_socket(path, prefix, timeout=5.0, **args):
    """Asks a daemon's admin socket directly (what `ceph daemon` does, without the CLI's
    slow Python start): the JSON command and a NUL, answered by a u32 BE length and JSON."""
    import json
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(json.dumps(dict(args, prefix=prefix)).encode() + b"\0")
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return json.loads(data[4:].decode())


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


SCRATCH_PREFIX = "imgsh-ceph-"


def sweep_stale_scratch():
    """Removes scratch directories left by a cluster whose process was killed (SIGKILL
    skips every teardown; its daemons died with it): those named after a PID that no longer
    runs, with nothing mounted under them."""
    tmp = tempfile.gettempdir()
    for entry in os.listdir(tmp):
        if not entry.startswith(SCRATCH_PREFIX):
            continue
        pid = entry[len(SCRATCH_PREFIX):].split("-")[0]
        path = os.path.join(tmp, entry)
        if pid.isdigit() and not os.path.exists("/proc/" + pid) and not mounted_under(path):
            shutil.rmtree(path, ignore_errors=True)


class Daemon:
    def __init__(self, name, proc, log_path, out_path):
        self.name = name          # e.g. "mon.a", "ceph-fuse.a"
        self.proc = proc
        self.log_path = log_path  # Ceph's own log file
        self.out_path = out_path  # the process's stdout and stderr

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc.poll() is None

    def describe(self):
        status = "running" if self.running() else "exited with status %s" % self.proc.returncode
        text = "%s (pid %d) %s\n  %s:\n%s" % (self.name, self.pid, status, self.log_path,
                                              tail(self.log_path))
        if os.path.exists(self.out_path) and os.path.getsize(self.out_path):
            text += "\n  %s:\n%s" % (self.out_path, tail(self.out_path, 10))
        return text


class CephCluster:
    """One monitor, one manager, one bluestore OSD on a file, one MDS, one CephFS, and
    `clients` ceph-fuse mounts of its root (mounts[0], mounts[1], ...)."""

    def __init__(self, clients=2, scratch=None, keep=False, verbose=True):
        self.clients = clients
        self.keep = keep
        self.verbose = verbose
        self._own_scratch = scratch is None
        if scratch is None:
            sweep_stale_scratch()
        self.dir = scratch or tempfile.mkdtemp(prefix="%s%d-" % (SCRATCH_PREFIX, os.getpid()))
        self.conf = os.path.join(self.dir, "ceph.conf")
        self.keyring = os.path.join(self.dir, "keyring")
        self.logdir = os.path.join(self.dir, "log")
        self.mounts = []
        self.daemons = []          # in start order; stopped newest first
        self.fuse = []             # the ceph-fuse Daemons, one per mount
        self.timings = []          # (step, seconds)
        self.mon_port = None
        self.fsid = str(uuid.uuid4())
        self._torn_down = False
        self._t0 = None

    # -- context manager ----------------------------------------------------------------

    def __enter__(self):
        atexit.register(self.teardown)
        try:
            self.start()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, *exc):
        self.teardown()
        return False

    # -- helpers ------------------------------------------------------------------------

    def _log(self, msg):
        if self.verbose:
            print("ceph_cluster: " + msg, file=sys.stderr, flush=True)

    def _step_done(self, step, since):
        took = time.monotonic() - since
        self.timings.append((step, took))
        self._log("%-32s %6.2f s  (at %6.2f s)" % (step, took, time.monotonic() - self._t0))

    def _spawn(self, name, argv, ceph_name=None):
        log_path = os.path.join(self.logdir, (ceph_name or name) + ".log")
        out_path = os.path.join(self.logdir, name + ".out")
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, cwd=self.dir,
                                    preexec_fn=_die_with_parent, start_new_session=True)
        d = Daemon(name, proc, log_path, out_path)
        self.daemons.append(d)
        return d

    def _run(self, step, argv, timeout, input_text=None):
        """Runs a short command to completion within timeout; raises naming the step."""
        try:
            res = subprocess.run(argv, input=input_text, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, cwd=self.dir, text=True,
                                 timeout=timeout, preexec_fn=_die_with_parent)
        except subprocess.TimeoutExpired as e:
            raise CephClusterError("step '%s' timed out after %d s: %s\n%s\n%s" % (
                step, timeout, " ".join(argv), e.output or "", self._daemon_report()))
        if res.returncode != 0:
            raise CephClusterError("step '%s' failed (status %d): %s\n%s\n%s" % (
                step, res.returncode, " ".join(argv), res.stdout, self._daemon_report()))
        return res.stdout

    def _daemon_report(self, only=None):
        ds = [d for d in self.daemons if only is None or d in only]
        return "\n".join(d.describe() for d in ds)

    def _wait(self, step, predicate, timeout, watch=(), interval=0.1):
        """Polls predicate() until true; raises naming the step if it is not within timeout,
        or at once if a watched daemon exits."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            for d in watch:
                if not d.running():
                    raise CephClusterError("step '%s': %s exited early\n%s" % (
                        step, d.name, d.describe()))
            if time.monotonic() >= deadline:
                raise CephClusterError("step '%s' timed out after %d s\n%s" % (
                    step, timeout, self._daemon_report(watch or None)))
            time.sleep(interval)

    def _cli(self, step, commands):
        """Several ceph commands in one CLI process (one per line on stdin): the CLI's
        Python start costs about half a second on a loaded machine."""
        return self._run(step, ["ceph", "-c", self.conf, "-n", "client.admin",
                                "--connect-timeout", str(MON_TIMEOUT)], CLI_TIMEOUT,
                         input_text=commands)

    def ceph(self, *args, timeout=CLI_TIMEOUT, step=None):
        """Runs the ceph CLI against this cluster as client.admin; returns its output."""
        argv = ["ceph", "-c", self.conf, "-n", "client.admin", "--connect-timeout",
                str(timeout)] + list(args)
        return self._run(step or "ceph " + " ".join(args), argv, timeout + 5)

    # -- bring-up -----------------------------------------------------------------------

    def _write_config(self):
        self.mon_port = free_port()
        port_min = free_port_block(40, exclude=(self.mon_port,))
        names = ["mon.", "client.admin", "mgr.x", "osd.0", "mds.a"] + [
            "client.fuse%d" % i for i in range(self.clients)]
        caps = {
            "mon.": {"mon": "allow *"},
            "client.admin": {"mon": "allow *", "osd": "allow *", "mds": "allow *",
                             "mgr": "allow *"},
            "mgr.x": {"mon": "allow profile mgr", "osd": "allow *", "mds": "allow *"},
            "osd.0": {"mon": "allow profile osd", "mgr": "allow profile osd",
                      "osd": "allow *"},
            "mds.a": {"mon": "allow profile mds", "mgr": "allow profile mds",
                      "osd": "allow *", "mds": "allow"},
        }
        # p: may set CephFS quotas (the disk-full test sets one on its store directory)
        fuse_caps = {"mon": "allow r", "mds": "allow rwp", "osd": "allow rw"}
        with open(self.keyring, "w") as f:
            for n in names:
                f.write("[%s]\n\tkey = %s\n" % (n, cephx_key()))
                for kind, cap in caps.get(n, fuse_caps).items():
                    f.write('\tcaps %s = "%s"\n' % (kind, cap))
        os.chmod(self.keyring, 0o600)
        d = self.dir
        # Every path below is inside the scratch directory; nothing under /etc or /var.
        conf = f"""\
[global]
fsid = {self.fsid}
mon host = v2:{HOST}:{self.mon_port}
public addr = {HOST}
cluster addr = {HOST}
ms bind msgr1 = false
ms bind ipv6 = false
ms bind port min = {port_min}
ms bind port max = {port_min + 39}
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = {self.keyring}
run dir = {d}/run
admin socket = {d}/run/$name.asok
log file = {d}/log/$name.log
log to stderr = false
err to stderr = true
crash dir = {d}/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
# Commit map changes after 50 ms instead of batching them for a second: each pool
# creation and the OSD's boot otherwise wait about a second each.
paxos propose interval = 0.05

[mon]
mon data = {d}/mon.$id
mon cluster log file = {d}/log/cluster.log

[mgr]
mgr data = {d}/mgr.$id
# statvfs needs only the manager's core (PG statistics to the monitor), none of its
# Python modules: not loading them saves seconds and about 250 MB.
mgr disabled modules = {MGR_MODULES}
mgr initial modules =

[osd]
osd data = {d}/osd.$id
osd objectstore = bluestore
bluestore block create = true
bluestore block size = {OSD_BLOCK_SIZE}
bluestore block db create = false
bluestore block wal create = false
bluestore fsck on mkfs = false
bluestore fsck on mount = false
bluestore fsck on umount = false
bluestore cache autotune = false
bluestore cache size = 67108864
osd memory target = 939524096

[mds]
mds data = {d}/mds.$id
# Beacons every second instead of 4: the monitor promotes the standby MDS sooner.
mds beacon interval = 1
# The server publishes with link/unlink in one directory; with early replies those
# waited for the MDS journal flush (facts: 307 ms mean, 9.5 s worst; 10-46 ms without).
mds early reply = false

[client]
client mount timeout = {MOUNT_TIMEOUT}
"""
        with open(self.conf, "w") as f:
            f.write(conf)
        for sub in ("run", "log", "crash", "mon.a", "mgr.x", "osd.0", "mds.a"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)

    def start(self):
        self._t0 = time.monotonic()
        missing = missing_binaries()
        if missing:
            raise CephClusterError("missing programs: " + ", ".join(missing))
        os.makedirs(self.logdir, exist_ok=True)

        t = time.monotonic()
        self._write_config()
        monmap = os.path.join(self.dir, "monmap")
        self._run("monmaptool", ["monmaptool", "-c", self.conf, "--create", "--fsid", self.fsid,
                                 "--addv", "a", "[v2:%s:%d]" % (HOST, self.mon_port), monmap],
                  MKFS_TIMEOUT)
        self._step_done("config, keyring, monmap", t)

        # Both mkfs at once: the OSD's is offline (fsid from the conf, no monitor needed).
        t = time.monotonic()
        osd_uuid = str(uuid.uuid4())
        osd_mkfs = self._spawn("osd.0-mkfs", [
            "ceph-osd", "-c", self.conf, "-i", "0", "--mkfs", "--osd-uuid", osd_uuid,
            "--no-mon-config", "--log-file", os.path.join(self.logdir, "osd.0-mkfs.log")])
        self._run("ceph-mon --mkfs", ["ceph-mon", "-c", self.conf, "-i", "a", "--mkfs",
                                      "--monmap", monmap, "--keyring", self.keyring],
                  MKFS_TIMEOUT)
        self._step_done("ceph-mon --mkfs", t)

        t = time.monotonic()
        mon = self._spawn("mon.a", ["ceph-mon", "-c", self.conf, "-i", "a", "-f"])
        mgr = self._spawn("mgr.x", ["ceph-mgr", "-c", self.conf, "-i", "x", "-f"])
        mds = self._spawn("mds.a", ["ceph-mds", "-c", self.conf, "-i", "a", "-f"])
        # osd.0 must exist in the OSD map before ceph-osd boots; its ~3 s of bluestore mount
        # then overlap the creation of the pools and the file system.
        self._cli("create osd.0", "osd new %s 0\n" % osd_uuid)
        self._step_done("mon up, osd.0 created", t)

        t = time.monotonic()
        try:
            osd_mkfs.proc.wait(timeout=max(1, MKFS_TIMEOUT - (time.monotonic() - self._t0)))
        except subprocess.TimeoutExpired:
            raise CephClusterError("step 'ceph-osd --mkfs' timed out\n" + osd_mkfs.describe())
        if osd_mkfs.proc.returncode != 0:
            raise CephClusterError("step 'ceph-osd --mkfs' failed\n" + osd_mkfs.describe())
        self.daemons.remove(osd_mkfs)
        self._step_done("ceph-osd --mkfs (in parallel)", t)

        t = time.monotonic()
        osd = self._spawn("osd.0", ["ceph-osd", "-c", self.conf, "-i", "0", "-f"])
        self._cli("create pools and file system",
                  "osd pool create cephfs_metadata 8 8\n"
                  "osd pool create cephfs_data 8 8\n"
                  "fs new cephfs cephfs_metadata cephfs_data\n")
        self._step_done("ceph-osd started, fs created", t)

        # ceph-fuse gives up at once when no MDS is active, so wait for that first.
        t = time.monotonic()
        asok = os.path.join(self.dir, "run", "mds.a.asok")

        def mds_active():
            try:
                return admin_socket(asok, "status").get("state") == "up:active"
            except (OSError, ValueError):
                return False
        self._wait("MDS up:active", mds_active, MDS_TIMEOUT, watch=[mon, mds, osd])
        self._step_done("MDS active", t)

        t = time.monotonic()
        for i in range(self.clients):
            point = os.path.join(self.dir, "mnt%d" % i)
            os.makedirs(point)
            self.mounts.append(point)
            self.fuse.append(self._spawn("ceph-fuse.%d" % i, [
                "ceph-fuse", "-c", self.conf, "-n", "client.fuse%d" % i, "-f",
                "--client_mountpoint", "/", point], ceph_name="client.fuse%d" % i))
        for i, point in enumerate(self.mounts):
            self._wait("mount %s (ceph-fuse waits for an active MDS)" % point,
                       lambda: _fstype(point) == "fuse.ceph-fuse",
                       MOUNT_TIMEOUT, watch=[self.fuse[i], mon, mds, osd, mgr])
        self._step_done("both mounts up", t)

        # statvfs needs the manager's PG statistics; until then it reports 0 blocks.
        t = time.monotonic()
        self._wait("statvfs reports blocks (needs ceph-mgr)",
                   lambda: all(os.statvfs(p).f_blocks > 0 for p in self.mounts),
                   STATFS_TIMEOUT, watch=[mgr, osd] + self.fuse, interval=0.25)
        self._step_done("statvfs reports space", t)
        self._log("cluster up in %.2f s, %d MiB RSS, scratch %s" % (
            time.monotonic() - self._t0, self.rss_mib(), self.dir))
        return self

    # -- state --------------------------------------------------------------------------

    def daemon_config(self, daemon, option):
        """A running daemon's value of a config option, from its admin socket."""
        asok = os.path.join(self.dir, "run", daemon + ".asok")
        return admin_socket(asok, "config get", var=option).get(option)

    def pids(self):
        return {d.name: d.pid for d in self.daemons if d.running()}

    def rss_mib(self):
        """Resident memory of every daemon and ceph-fuse of this cluster, in MiB."""
        return sum(rss_kib(d.pid) for d in self.daemons if d.running()) // 1024

    def rss_by_daemon(self):
        return {d.name: rss_kib(d.pid) // 1024 for d in self.daemons if d.running()}

    # -- teardown -----------------------------------------------------------------------

    def abort_mounts(self):
        """SIGKILLs every ceph-fuse. A process blocked in a FUSE request that ceph-fuse has
        already taken (waiting for a dead MDS or OSD, say) sleeps uninterruptibly, deaf even
        to SIGKILL, until ceph-fuse answers; its death aborts the FUSE connection, and every
        pending request then fails with ENOTCONN. Safe to call from another thread."""
        for d in self.fuse:
            if d.running():
                try:
                    d.proc.kill()
                except ProcessLookupError:
                    pass

    def _unmount(self, point, fuse):
        """umount; if it does not finish (ceph-fuse stuck on a dead cluster), kill that
        ceph-fuse, which aborts the connection and lets it finish; umount -l last."""
        def run(argv, timeout):
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                return proc.wait(timeout=timeout) == 0
            except subprocess.TimeoutExpired:
                if fuse is not None and fuse.running():
                    fuse.proc.kill()
                try:
                    return proc.wait(timeout=5) == 0
                except subprocess.TimeoutExpired:
                    proc.kill()  # reaped, if ever, by the next wait; do not block on it
                    return False
        if run(["umount", point], UMOUNT_TIMEOUT) or _fstype(point) != "fuse.ceph-fuse":
            return True
        return run(["umount", "-l", point], UMOUNT_TIMEOUT) or \
            _fstype(point) != "fuse.ceph-fuse"

    def teardown(self):
        """Unmounts, stops every PID we started, removes the scratch directory. Idempotent;
        never raises (it runs from atexit and finally blocks), reports problems on stderr."""
        if self._torn_down:
            return
        self._torn_down = True
        t = time.monotonic()
        problems = []
        for i in reversed(range(len(self.mounts))):
            point = self.mounts[i]
            fuse = self.fuse[i] if i < len(self.fuse) else None
            if _fstype(point) == "fuse.ceph-fuse" and not self._unmount(point, fuse):
                problems.append("could not unmount " + point)
            if fuse is not None:
                try:
                    fuse.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass  # killed below with the rest
        # Daemons newest first: SIGTERM all, a short grace, then SIGKILL what remains.
        live = [d for d in reversed(self.daemons) if d.running()]
        for d in live:
            try:
                d.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_GRACE
        for d in live:
            try:
                d.proc.wait(timeout=max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                d.proc.kill()
                try:
                    d.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    problems.append("%s (pid %d) survived SIGKILL" % (d.name, d.pid))
        leftovers = mounted_under(self.dir)
        if leftovers:
            problems.append("still mounted: " + ", ".join(leftovers))
        elif self._own_scratch and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        took = time.monotonic() - t
        self.timings.append(("teardown", took))
        self._log("teardown %.2f s%s" % (took, "; PROBLEMS: " + "; ".join(problems)
                                         if problems else ""))
        try:
            atexit.unregister(self.teardown)
        except Exception:
            pass


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hold", type=float, default=0, help="seconds to keep it up")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args(argv)
    with CephCluster(keep=args.keep) as c:
        print("mounts:", " ".join(c.mounts))
        print("pids:", c.pids())
        print("RSS MiB:", c.rss_by_daemon(), "total", c.rss_mib())
        st = os.statvfs(c.mounts[0])
        print("statvfs: f_frsize %d f_bavail %d -> %.1f GiB free" % (
            st.f_frsize, st.f_bavail, st.f_bavail * st.f_frsize / 2**30))
        if args.hold:
            time.sleep(args.hold)
    print("timings:", ", ".join("%s %.2f s" % kv for kv in c.timings))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
