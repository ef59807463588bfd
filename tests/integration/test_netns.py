"""A bad network: imgsrv and imgsh in two network namespaces joined by a veth pair whose
both ends delay, drop and reorder packets (tc netem: delay 20ms 5ms loss 1% reorder 5%).
Transfers must stay byte-identical (checked by the end-to-end checksums and here by
comparing bytes). Needs root and iproute2; the namespaces are created and removed by
the test under unique names. Where the kernel has no netem (sch_netem), the link is
impaired with a tight token bucket (tbf) instead, which drops and queues packets but
does not reorder; the test says which it used. The kernel's RetransSegs counter of the
client namespace proves packets were really lost.
"""

import os
import re
import subprocess
import tempfile
import time
import unittest

from checks import IntegrationTest
from files import read_bytes
from images import make_png
from procs import IMGSH, IMGSRV, parse_reports, wait_until

NETEM = ["netem", "delay", "20ms", "5ms", "loss", "1%", "reorder", "5%"]
TBF = ["tbf", "rate", "40mbit", "burst", "16kb", "latency", "2ms"]


def run(*cmd, check=True):
    return subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=30, check=check)


def retransmitted_segments(ns):
    text = run("ip", "netns", "exec", ns, "cat", "/proc/net/snmp").stdout.decode()
    lines = [l.split() for l in text.splitlines() if l.startswith("Tcp:")]
    return int(lines[1][lines[0].index("RetransSegs")])


class BadNetworkTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("needs root to create network namespaces")
        tag = "%d%03d" % (os.getpid() % 100000, int(time.monotonic() * 1000) % 1000)
        self.ns_srv, self.ns_cli = "i4srv" + tag, "i4cli" + tag
        veth_a, veth_b = "i4a" + tag, "i4b" + tag
        subnet = "10.231.%d" % (os.getpid() % 250)
        self.srv_ip, self.cli_ip = subnet + ".1", subnet + ".2"
        try:
            run("ip", "netns", "add", self.ns_srv)
            self.addCleanup(run, "ip", "netns", "del", self.ns_srv, check=False)
            run("ip", "netns", "add", self.ns_cli)
            self.addCleanup(run, "ip", "netns", "del", self.ns_cli, check=False)
            run("ip", "link", "add", veth_a, "netns", self.ns_srv, "type", "veth",
                "peer", "name", veth_b, "netns", self.ns_cli)
            for ns, dev, ip in ((self.ns_srv, veth_a, self.srv_ip), (self.ns_cli, veth_b, self.cli_ip)):
                run("ip", "-n", ns, "addr", "add", ip + "/30", "dev", dev)
                run("ip", "-n", ns, "link", "set", dev, "up")
                run("ip", "-n", ns, "link", "set", "lo", "up")
        except (subprocess.CalledProcessError, OSError) as e:
            out = getattr(e, "stdout", b"") or b""
            self.skipTest("cannot create namespaces: %s %s" % (e, out.decode(errors="replace")))
        self.impairment = None
        for qdisc in (NETEM, TBF):
            ok = all(run("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", dev, "root",
                         *qdisc, check=False).returncode == 0
                     for ns, dev in ((self.ns_srv, veth_a), (self.ns_cli, veth_b)))
            if ok:
                self.impairment = " ".join(qdisc)
                break
        if self.impairment is None:
            self.skipTest("neither tc netem nor tbf is available in this kernel")
        print("\nimpaired link: %s" % self.impairment)

    def start_server_in_ns(self):
        port = 7070
        log = open(os.path.join(self.logdir, "imgsrv-netns.log"), "wb")
        self.on_cleanup(log.close)
        proc = subprocess.Popen(["ip", "netns", "exec", self.ns_srv, IMGSRV, "--bind", self.srv_ip,
                                 "--root", self.root, str(port)],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._procs.append(proc)
        log_path = log.name
        ready = wait_until(lambda: b"listening" in read_bytes(log_path) or proc.poll() is not None, 10)
        self.assertTrue(ready and proc.poll() is None, read_bytes(log_path).decode(errors="replace"))
        self.server_log = log_path
        return "%s:%d" % (self.srv_ip, port)

    def imgsh_in_ns(self, addr, script, timeout=180):
        proc = subprocess.run(["ip", "netns", "exec", self.ns_cli, IMGSH, addr], input=script.encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.work,
                              env=self.shell_env(), timeout=timeout)
        out, err = proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
        self.assertNoSanitizerReport(err, "imgsh stderr")
        return proc.returncode, parse_reports(err), out + err

    def test_transfers_stay_byte_identical(self):
        addr = self.start_server_in_ns()
        files = {"big.png": make_png(self.work_path("big.png"), 1400, 1000, seed=81, level=0),  # ~4 MB
                 "mid.png": make_png(self.work_path("mid.png"), 500, 400, seed=82, level=0),
                 "small.png": make_png(self.work_path("small.png"), 40, 40, seed=83)}
        before = retransmitted_segments(self.ns_cli)
        script = "".join("put %s\n" % n for n in files) + "".join(
            "get %s back-%s\n" % (n, n) for n in files) + "ls\n"
        start = time.monotonic()
        rc, reports, text = self.imgsh_in_ns(addr, script)
        elapsed = time.monotonic() - start
        self.assertEqual(rc, 0, text)
        self.assertEqual([r.status for r in reports], ["ok"] * (2 * len(files) + 1), text)
        for name, path in files.items():
            self.assertEqual(read_bytes(self.root_path(name)), read_bytes(path), name)
            self.assertEqual(read_bytes(self.work_path("back-" + name)), read_bytes(path), name)
        retrans = retransmitted_segments(self.ns_cli) - before
        print("%d bytes each way in %.1f s, %d TCP segments retransmitted by the client"
              % (sum(os.path.getsize(p) for p in files.values()), elapsed, retrans))
        self.assertGreater(retrans, 0, "the link lost nothing: the test proved nothing")
        self.assertNoSanitizerReport(read_bytes(self.server_log).decode(errors="replace"), "imgsrv log")


if __name__ == "__main__":
    unittest.main()
