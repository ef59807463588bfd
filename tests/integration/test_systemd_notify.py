"""imgsrv under systemd: the sd_notify messages a Type=notify unit relies on, read from
a NOTIFY_SOCKET (a unix datagram socket) this test creates, as systemd does: READY=1
once the server listens (its STATUS names the port), STOPPING=1 when SIGTERM starts
the shutdown; SIGHUP (the unit's ExecReload) leaves it serving. And the unit
deploy/imgsrv.service, as `cmake --install` writes it, passes `systemd-analyze verify`."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from procs import IMGSRV
from wire import HOST
from imgsrv_process import ImgsrvProcess

MESSAGE_TIMEOUT = 8.0


class NotifySocket:
    """The service manager's end: a bound unix datagram socket, read with a deadline."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)

    def close(self):
        self.sock.close()

    def next_message(self, timeout=MESSAGE_TIMEOUT):
        """The next datagram as a dict of its KEY=VALUE lines, or None at the deadline."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        return dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)


class SdNotifyTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="imgsh-notify-")
        self.addCleanup(tmp.cleanup)
        self.root = os.path.join(tmp.name, "root")
        os.mkdir(self.root)
        self.notify = NotifySocket(tmp.name)
        self.addCleanup(self.notify.close)

    def start(self):
        server = ImgsrvProcess(self.root, env={"NOTIFY_SOCKET": self.notify.path}).start()
        self.addCleanup(server.close)
        return server

    def test_ready_when_listening_and_stopping_at_sigterm(self):
        server = self.start()
        ready = self.notify.next_message()
        self.assertIsNotNone(ready, "no sd_notify message within %.0f s; log:\n%s"
                             % (MESSAGE_TIMEOUT, server.log_text()))
        self.assertEqual(ready.get("READY"), "1", ready)
        self.assertEqual(ready.get("STATUS"), "listening on port %d" % server.port, ready)
        # READY=1 promises a listening socket: connect at once, no retry.
        with socket.create_connection((HOST, server.port), timeout=5):
            pass
        server.proc.send_signal(signal.SIGTERM)
        stopping = self.notify.next_message()
        self.assertIsNotNone(stopping, "no STOPPING=1 after SIGTERM; log:\n" + server.log_text())
        self.assertEqual(stopping.get("STOPPING"), "1", stopping)
        self.assertEqual(server.stop(), 0, server.log_text())

    def test_sighup_does_not_stop_the_server(self):
        # ExecReload= sends SIGHUP; nothing is reloaded yet, and the server must go on.
        server = self.start()
        self.assertEqual((self.notify.next_message() or {}).get("READY"), "1")
        server.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        self.assertTrue(server.running(), "SIGHUP stopped imgsrv; log:\n" + server.log_text())
        with socket.create_connection((HOST, server.port), timeout=5):
            pass
        self.assertEqual(server.stop(), 0, server.log_text())


class SystemdUnitTest(unittest.TestCase):
    """The unit as installed: `cmake --install` with DESTDIR; its ExecStart= names the
    binary installed with it; then `systemd-analyze verify` on this machine (whose
    targets and /bin/kill it checks), with ExecStart= pointing into DESTDIR and MANPATH
    at the man page just installed (verify runs `man imgsrv(8)` for Documentation=)."""

    def test_installed_unit_verifies(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            print("skipped: systemd-analyze is not installed (Debian package systemd)")
            self.skipTest("systemd-analyze is not installed")
        build = os.path.dirname(os.path.dirname(IMGSRV))
        if not os.path.exists(os.path.join(build, "cmake_install.cmake")):
            self.skipTest("no build tree next to %s" % IMGSRV)
        with tempfile.TemporaryDirectory(prefix="imgsh-unit-") as destdir:
            res = subprocess.run(["cmake", "--install", build], env=dict(os.environ, DESTDIR=destdir),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
            self.assertEqual(res.returncode, 0, res.stdout.decode())
            units = [os.path.join(d, f) for d, _, files in os.walk(destdir) for f in files
                     if f == "imgsrv.service"]
            self.assertEqual(len(units), 1, "one imgsrv.service installed: %s" % units)
            with open(units[0]) as f:
                text = f.read()
            exec_start = [l for l in text.splitlines() if l.startswith("ExecStart=")]
            self.assertEqual(len(exec_start), 1, text)
            binary = exec_start[0].split("=", 1)[1].split()[0]
            self.assertTrue(os.access(destdir + binary, os.X_OK),
                            "ExecStart names %s, which cmake --install did not put there" % binary)
            mandir = [d for d, _, files in os.walk(destdir) if "imgsrv.8.gz" in files]
            self.assertEqual(len(mandir), 1, "imgsrv.8.gz installed once")
            checked = os.path.join(destdir, "check", "imgsrv.service")
            os.mkdir(os.path.dirname(checked))
            with open(checked, "w") as f:
                f.write(text.replace(exec_start[0], exec_start[0].replace(binary, destdir + binary, 1)))
            env = dict(os.environ, MANPATH=os.path.dirname(mandir[0]), SYSTEMD_LOG_COLOR="0")
            res = subprocess.run([analyze, "verify", checked], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            out = res.stdout.decode()
            self.assertEqual(res.returncode, 0, out)
            self.assertEqual(out.strip(), "", "systemd-analyze verify says something")


if __name__ == "__main__":
    unittest.main()
