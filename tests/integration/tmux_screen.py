"""imgsh on a real terminal emulator: tmux (Debian package tmux) runs it in a pane of a
private tmux server (its own socket, no user configuration), keys go in with send-keys,
and tests assert on what the screen shows (capture-pane), waiting with deadlines."""

import itertools
import os
import shlex
import subprocess
import time

from procs import IMGSH

_counter = itertools.count()


class TmuxScreen:
    def __init__(self, test, args, cwd, env, width=100, height=30, program=IMGSH):
        self.test = test
        self.socket = "imgsh-test-%d-%d" % (os.getpid(), next(_counter))
        env = dict(env)
        env.pop("TMUX", None)
        env["TERM"] = "xterm"
        self.env = env
        # `trap : INT`: the wrapper shell outlives a Ctrl-C meant for imgsh and prints
        # imgsh's exit status, which the screen then shows.
        inner = "trap : INT; %s; echo \"[imgsh exited $?]\"; sleep 600" % " ".join(
            shlex.quote(a) for a in [program] + [str(a) for a in args])
        self._tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
                   "-c", cwd, "sh -c %s" % shlex.quote(inner))
        test.on_cleanup(self.close)

    def _tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null"] + list(args),
                              env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=10, check=check)

    def keys(self, *keys):
        """tmux key names: "Tab", "Enter", "C-c", "Up", "C-r", "C-d"."""
        self._tmux("send-keys", "-t", "t", *keys)

    def type(self, text):
        self._tmux("send-keys", "-t", "t", "-l", text)

    def screen(self):
        res = self._tmux("capture-pane", "-p", "-t", "t", check=False)
        return res.stdout.decode(errors="replace")

    def lines(self):
        return [l.rstrip() for l in self.screen().splitlines() if l.strip()]

    def last_line(self):
        lines = self.lines()
        return lines[-1] if lines else ""

    def wait_for(self, predicate, timeout=10.0, what="the expected screen"):
        """predicate: a substring, or a function of the screen text. Fails the test with the
        screen shown when it does not hold within timeout seconds."""
        check = (lambda s: predicate in s) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if check(text):
                return text
            if time.monotonic() >= deadline:
                self.test.fail("waited %.0f s for %s; the screen shows:\n%s" % (timeout, what, text))
            time.sleep(0.05)

    def wait_prompt(self, timeout=10.0):
        """Waits until the last non-empty line is an empty prompt."""
        return self.wait_for(lambda s: self._last(s).endswith(">"), timeout, "an empty prompt")

    @staticmethod
    def _last(text):
        lines = [l.rstrip() for l in text.splitlines() if l.strip()]
        return lines[-1] if lines else ""

    def close(self):
        self._tmux("kill-server", check=False)
