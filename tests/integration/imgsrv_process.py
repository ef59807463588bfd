"""One imgsrv process started on port 0 ("any free port"), the way an operator or
systemd starts it: extra environment (NOTIFY_SOCKET), no port chosen in advance, and
the bound port learned from the start-up log line. Every wait has a deadline.

Used by test_listen_port and test_systemd_notify; procs.Server picks its port
itself and knows nothing of the environment, hence this small launcher."""

import os
import re
import signal
import subprocess
import tempfile
import time

from procs import IMGSRV
from wire import HOST

START_TIMEOUT = 8.0  # as procs.SERVER_START_TIMEOUT: slack for a loaded machine
STOP_TIMEOUT = 10.0

# "imgsrv 0.1.0 listening on 127.0.0.1 port 40123, root /tmp/..., 2 threads"
LISTENING = re.compile(r"listening on \S+(?: \S+)* port (\d+), root ")


class ImgsrvProcess:
    def __init__(self, root, args=(), env=None, port="0"):
        self.root = root
        self.args = list(args)
        self.env = dict(os.environ, **(env or {}))
        self.port_arg = port
        self.proc = None
        self.port = None
        self.log_path = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def start(self):
        fd, self.log_path = tempfile.mkstemp(prefix="imgsrv-", suffix=".log")
        with os.fdopen(fd, "wb") as log:
            self.proc = subprocess.Popen(
                [IMGSRV, "--bind", HOST, "--root", self.root] + self.args + [self.port_arg],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            m = LISTENING.search(self.log_text())
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.close()
        raise AssertionError("imgsrv wrote no 'listening on ... port N' line within %.0f s "
                             "(exit status %s); log:\n%s"
                             % (START_TIMEOUT, self.proc.returncode, self.log_text()))

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", errors="replace")

    def running(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        """Sends sig and waits; returns the exit status, None if it had to be killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                return None
        return self.proc.returncode

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        if self.log_path and os.path.exists(self.log_path):
            os.unlink(self.log_path)
