"""The default port, 7070, for both programs: `imgsrv --root DIR` listens on it and
`imgsh HOST` connects to it, as `ssh HOST` does to 22. Port 7070 on this machine may be
anyone's, so both programs run in a network namespace of the test's own (needs root and
iproute2; skipped otherwise), where 7070 is surely theirs. `--port 0`-style "any free
port" (PORT 0) stays for the rest of the suite (test_listen_port).
"""

import os
import subprocess
import time

from checks import IntegrationTest
from files import listing, read_bytes
from images import make_png
from procs import IMGSH, IMGSRV, parse_reports, wait_until


def run(*cmd, check=True):
    return subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=30, check=check)


class DefaultPortTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("needs root to create a network namespace")
        self.ns = "i14p%d%03d" % (os.getpid() % 100000, int(time.monotonic() * 1000) % 1000)
        try:
            run("ip", "netns", "add", self.ns)
            self.addCleanup(run, "ip", "netns", "del", self.ns, check=False)
            run("ip", "-n", self.ns, "link", "set", "lo", "up")
        except (subprocess.CalledProcessError, OSError) as e:
            self.skipTest("cannot create a network namespace: %s" % e)

    def start_server_without_port(self):
        log_path = os.path.join(self.logdir, "imgsrv-default-port.log")
        log = open(log_path, "wb")
        self.on_cleanup(log.close)
        proc = subprocess.Popen(["ip", "netns", "exec", self.ns, IMGSRV, "--root", self.root],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._procs.append(proc)
        ready = wait_until(lambda: b"listening" in read_bytes(log_path) or proc.poll() is not None, 10)
        text = read_bytes(log_path).decode(errors="replace")
        self.assertTrue(ready and proc.poll() is None, "imgsrv without a port did not start:\n" + text)
        self.assertNoSanitizerReport(text, "imgsrv log")
        return text

    def imgsh_in_ns(self, *args, script=None):
        proc = subprocess.run(["ip", "netns", "exec", self.ns, IMGSH] + list(args),
                              input=script.encode() if script else None,
                              stdin=None if script else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.work,
                              env=self.shell_env(), timeout=60)
        out, err = proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
        self.assertNoSanitizerReport(err, "imgsh stderr")
        return proc.returncode, out, err

    def test_imgsrv_listens_on_7070_and_imgsh_connects_there_when_no_port_is_given(self):
        log = self.start_server_without_port()
        self.assertRegex(log, r"listening on all interfaces port 7070\b")
        picture = make_png(self.work_path("cat.png"), 20, 10, seed=14)
        rc, out, err = self.imgsh_in_ns("127.0.0.1", "put", "cat.png")
        self.assertEqual(rc, 0, err)
        reports = parse_reports(err)
        self.assertEqual([(r.addr, r.op, r.status) for r in reports], [("127.0.0.1:7070", "put", "ok")], err)
        self.assertEqual(read_bytes(self.root_path("cat.png")), read_bytes(picture))
        # A bracketed IPv6 address without a port, and a host name, take the default too.
        has_ipv6 = b"00000000000000000000000000000001" in run(
            "ip", "netns", "exec", self.ns, "cat", "/proc/net/if_inet6", check=False).stdout
        for target in (["[::1]"] if has_ipv6 else []) + ["localhost"]:
            rc, out, err = self.imgsh_in_ns(target, "ls")
            self.assertEqual(rc, 0, "%s: %s" % (target, err))
            self.assertEqual(out.split(), ["cat.png"], target)
            self.assertRegex(err, r"^\S+:7070 list ok 1 file$", target)  # [::1]:7070 too
        # An explicit port still wins: nothing listens on 7071 there.
        rc, out, err = self.imgsh_in_ns("--connect-timeout", "5", "127.0.0.1:7071", "ls")
        self.assertEqual(rc, 2, err)
        self.assertIn("7071", err)
        self.assertEqual(listing(self.root), ["cat.png"])

    def test_a_target_with_an_empty_port_is_still_a_usage_error(self):
        for target in ("127.0.0.1:", "[::1]:", ":7070"):
            rc, out, err = self.imgsh_in_ns(target, "ls")
            self.assertEqual(rc, 2, target)
            self.assertIn("imgsh: ", err)
            self.assertIn("usage: imgsh", err)


if __name__ == "__main__":
    import unittest
    unittest.main()
