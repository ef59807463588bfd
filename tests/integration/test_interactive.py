"""imgsh at a terminal (a pseudo-terminal): prompt, commands, Tab completion of remote
names (DESIGN.md: "presses Tab to complete a remote name"), end of input."""

import os
import select
import signal
import subprocess
import time
import unittest

from checks import IntegrationTest
from files import listing
from images import make_png
from procs import IMGSH


class Terminal:
    """imgsh on a pty; read() collects output for a bounded time."""

    def __init__(self, args, cwd, env):
        self.master, slave = os.openpty()
        env = dict(env)
        env["TERM"] = "xterm"
        self.proc = subprocess.Popen([IMGSH] + args, cwd=cwd, env=env, stdin=slave,
                                     stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        self.output = b""

    def read(self, until=None, timeout=3.0):
        """Reads until `until` (bytes) appears in the new output or timeout; returns it."""
        start = len(self.output)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if until is not None and until in self.output[start:]:
                break
            r, _, _ = select.select([self.master], [], [], 0.05)
            if r:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    break
                if not data:
                    break
                self.output += data
        return self.output[start:]

    def write(self, data):
        os.write(self.master, data)

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.close(self.master)
        except OSError:
            pass

    def text(self):
        return self.output.decode(errors="replace")


class InteractiveTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        make_png(self.root_path("cat.png"), 8, 8, seed=1)
        make_png(self.root_path("dog.png"), 8, 8, seed=2)
        self.server = self.start_server()
        self.term = Terminal([self.server.addr], self.work, self.shell_env())
        self.on_cleanup(self.term.close)
        self.prompt = self.term.read(until=b">", timeout=5)

    def wait_exit(self, timeout=5):
        try:
            return self.term.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def test_prompt_and_commands(self):
        self.assertIn(b">", self.prompt, "a prompt at a terminal: %r" % self.prompt)
        self.term.write(b"ls\n")
        out = self.term.read(until=b"list ok", timeout=5)
        self.assertIn(b"cat.png", out, self.term.text())
        self.assertIn(b"dog.png", out, self.term.text())
        src = make_png(self.work_path("new.png"), 8, 8, seed=3)
        self.term.write(b"put new.png\n")
        out = self.term.read(until=b"new.png ok", timeout=5)
        self.assertIn(b"put new.png ok", out, self.term.text())
        self.term.write(b"quit\n")
        self.assertEqual(self.wait_exit(), 0, self.term.text())
        self.assertSameFile(src, self.root_path("new.png"))

    def test_tab_completes_remote_name(self):
        time.sleep(0.3)  # as a person would: after libedit has put the terminal in raw mode
        self.term.write(b"get ca\t")
        # libedit redraws only what changed: the rest of the name and the space after it
        out = self.term.read(until=b"t.png ", timeout=3)
        self.assertIn(b"t.png ", out, "Tab after `get ca` completes the remote name "
                      "cat.png; terminal shows:\n%s" % self.term.text())
        self.term.write(b"\n")
        out = self.term.read(until=b"get cat.png ok", timeout=5)
        self.assertIn(b"get cat.png ok", out, self.term.text())
        self.term.write(b"quit\n")
        self.assertEqual(self.wait_exit(), 0, self.term.text())
        self.assertEqual(listing(self.work), ["cat.png"])
        self.assertSameFile(self.root_path("cat.png"), self.work_path("cat.png"))

    def test_end_of_input_ends_session(self):
        # libedit prints the prompt before it puts the terminal in raw mode; a ^D
        # typed in that instant is taken by the kernel's canonical mode and arrives
        # as a NUL byte. A person cannot type that fast; the test waits like one.
        time.sleep(0.3)
        self.term.write(b"\x04")  # Ctrl-D at an empty line
        self.assertEqual(self.wait_exit(), 0, self.term.text())

    def test_failure_does_not_end_interactive_session(self):
        self.term.write(b"get missing.png\n")
        out = self.term.read(until=b"not_found", timeout=5)
        self.assertIn(b"get missing.png fail not_found:", out, self.term.text())
        self.term.write(b"stat cat.png\n")
        out = self.term.read(until=b"stat cat.png ok", timeout=5)
        self.assertIn(b"stat cat.png ok", out, self.term.text())
        self.term.write(b"quit\n")
        self.assertIsNotNone(self.wait_exit(), self.term.text())


if __name__ == "__main__":
    unittest.main()
