"""Durability: a put is acknowledged only after its data and its directory entry are on
disk. The server runs under strace (system calls are the only observable evidence short
of pulling the power): fsync of the temporary before it is published with renameat2,
fsync of the root directory after, and only then the `ok` reply. With --no-fsync there
is no fsync at all.
"""

import os
import re
import shutil
import subprocess
import unittest

from checks import IntegrationTest
from files import read_bytes
from procs import wait_until

STRACE = shutil.which("strace")


@unittest.skipUnless(STRACE, "strace is not installed (scripts/deps.sh installs it)")
class DurabilityTest(IntegrationTest):
    def traced_put(self, *server_args):
        trace = os.path.join(self.logdir, "strace-%d.txt" % len(self._servers))
        server = self.start_server(*server_args)
        attach = subprocess.Popen([STRACE, "-f", "-qq", "-s", "300", "-o", trace, "-e",
                                   "trace=openat,fsync,fdatasync,renameat2,linkat,sendmsg,sendto,write",
                                   "-p", str(server.proc.pid)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._procs.append(attach)
        self.assertTrue(wait_until(lambda: os.path.exists(trace), 10), "strace did not start")
        # strace needs a moment to attach to every thread; a hello proves it traces
        def traces_replies():
            self.imgsh(server.addr, "ls")
            return re.search(r"(sendmsg|sendto|write)\((?!2,)\d+,", read_bytes(trace).decode(errors="replace"))
        probe_ok = wait_until(traces_replies, 10, 0.3)
        self.assertTrue(probe_ok, "strace sees nothing")
        self.copy_data("photo.jpeg")
        self.assertOk(self.imgsh(server.addr, "put", "photo.jpeg"), op="put")
        attach.terminate()
        attach.wait(10)
        return read_bytes(trace).decode(errors="replace")

    def test_put_is_fsynced_before_ok(self):
        text = self.traced_put()
        lines = text.splitlines()

        def first(pattern, start=0):
            rx = re.compile(pattern)
            for i in range(start, len(lines)):
                if rx.search(lines[i]):
                    return i
            self.fail("no %r after line %d in the trace:\n%s" % (pattern, start, "\n".join(lines[-60:])))

        created = first(r'openat\(\d+, "\.imgsrv-tmp\.[A-Za-z0-9_-]+\.[0-9a-f]+", O_RDWR\|O_CREAT\|O_EXCL')
        publish = first(r'renameat2\(\d+, "\.imgsrv-tmp\.[A-Za-z0-9_-]+\.[0-9a-f]+", \d+, "photo\.jpeg", RENAME_NOREPLACE\) = 0', created)
        data_sync = [i for i in range(created, publish) if re.search(r"\bf(data)?sync\(\d+\) += 0", lines[i])]
        self.assertTrue(data_sync, "no fsync of the temporary before publishing:\n" + "\n".join(lines[created:publish + 1]))
        dir_sync = first(r"\bfsync\(\d+\) += 0", publish)
        reply = first(r'(sendmsg|sendto|write)\((?!2,)\d+, .*photo\.jpeg', publish)
        self.assertLess(dir_sync, reply, "the ok reply went out before the directory was synced")

    def test_no_fsync_skips_it(self):
        text = self.traced_put("--no-fsync")
        self.assertRegex(text, r'renameat2\(.*"photo\.jpeg"')
        self.assertNotRegex(text, r"\bf(data)?sync\(")


if __name__ == "__main__":
    unittest.main()
