"""imgsh's terminal habits, on a real terminal (tmux, tests/integration/tmux_screen.py):
`help` and `imgsh --help` wrapped at word boundaries to the terminal's width (never a
word split across lines, as the terminal's own wrapping did: LO/CAL), `help` answering
without a server, colour on report lines (fail red, ok muted; off with NO_COLOR, with
--no-color and through a pipe), and Ctrl-D at the prompt ending the shell with a newline (the prompt
line is terminated, so the next output starts on a line of its own)."""

import os
import re
import subprocess

from checks import IntegrationTest
from images import make_png
from procs import IMGSH, free_port
from tmux_screen import TmuxScreen

WIDTH = 60


class TerminalHabitsTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.state = self.mkdir("state")

    def env(self):
        env = self.shell_env()
        env["XDG_STATE_HOME"] = self.state
        env.pop("NO_COLOR", None)
        env.pop("COLUMNS", None)
        return env

    def piped(self, *args, columns=None):
        """imgsh's stdout through a pipe (not a terminal), and its exit status."""
        env = self.env()
        if columns:
            env["COLUMNS"] = str(columns)
        res = subprocess.run([IMGSH] + list(args), env=env, cwd=self.work, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        return res.returncode, res.stdout.decode(), res.stderr.decode()

    def assertSameWordsWrappedToFit(self, shown, expected, width):
        """The screen shows the expected text word for word (a word split by wrapping
        would be two words), in lines of at most `width` columns, some of them wrapped."""
        self.assertEqual(shown.split(), expected.split(), "words differ:\n" + shown)
        lines = shown.splitlines()
        self.assertTrue(all(len(l.rstrip()) <= width for l in lines), shown)
        self.assertGreater(len(lines), len(expected.splitlines()), "nothing was wrapped:\n" + shown)

    # -- help ----------------------------------------------------------------------------

    def test_help_wraps_at_word_boundaries_to_the_terminal(self):
        server = self.start_server()
        rc, expected, err = self.piped(server.addr, "help", columns=1000)
        self.assertEqual(rc, 0, err)
        self.assertIn("LOCAL", expected)
        screen = TmuxScreen(self, [server.addr], self.work, self.env(), width=WIDTH, height=150)
        screen.wait_prompt()
        screen.type("help")
        screen.keys("Enter")
        text = screen.wait_for(lambda s: "help COMMAND for one" in s and TmuxScreen._last(s).endswith(">"),
                               what="the help and a new prompt")
        lines = text.rstrip("\n").splitlines()
        start = next(i for i, l in enumerate(lines) if l.startswith("imgsh ") and "commands (help" in l)
        shown = "\n".join(l for l in lines[start:] if l.strip())
        shown = shown[:shown.rindex("\n")]  # the new prompt
        self.assertSameWordsWrappedToFit(shown, expected, WIDTH)
        # continuations stand under the description column, not at the left edge
        self.assertTrue(any(re.match(r"^ {24}\S", l) for l in shown.splitlines()), shown)

    def test_imgsh_help_option_wraps_at_word_boundaries_to_the_terminal(self):
        rc, expected, err = self.piped("--help", columns=1000)
        self.assertEqual(rc, 0, err)
        screen = TmuxScreen(self, ["--help"], self.work, self.env(), width=WIDTH, height=150)
        text = screen.wait_for("[imgsh exited 0]", what="imgsh --help to finish")
        shown = text[:text.index("[imgsh exited 0]")].rstrip("\n")
        self.assertSameWordsWrappedToFit(shown, expected, WIDTH)
        # through a pipe: to COLUMNS when set, else not wrapped (one line per row, for scripts)
        rc, at_40, err = self.piped("--help", columns=40)
        self.assertEqual(at_40.split(), expected.split())
        self.assertTrue(all(len(l) <= 40 for l in at_40.splitlines() if " " in l.strip()), at_40)
        rc, unwrapped, err = self.piped("--help")
        self.assertEqual(unwrapped, expected)
        self.assertTrue(any(len(l) > 120 for l in unwrapped.splitlines()), unwrapped)

    def test_help_needs_no_server(self):
        closed = "127.0.0.1:%d" % free_port()  # nothing listens there
        for args in ([closed, "help"], ["help"], [closed, "help", "get"], ["help", "get"], [closed, "?"]):
            rc, out, err = self.piped(*args)
            self.assertEqual(rc, 0, "%s: %s" % (args, err))
            self.assertEqual(err, "", args)
            self.assertIn("usage: get" if "get" in args else "commands (help COMMAND for one)", out, args)
        rc, out, err = self.piped(closed, "help", "nosuch")
        self.assertEqual(rc, 1)
        self.assertEqual(err, "imgsh: no command 'nosuch' (try help)\n")

    # -- colour ----------------------------------------------------------------------------

    RED = "\x1b[31m"
    FAINT = "\x1b[2m"

    def coloured_screen(self, *options, env=None):
        """Runs `stat cat.png` (ok) and `stat nosuch.png` (fail) at a prompt; returns the
        screen with its colours (capture-pane -e) and the two report lines as shown."""
        if not os.path.exists(self.root_path("cat.png")):
            make_png(self.root_path("cat.png"), 8, 8, seed=1)
            self.server = self.start_server()
        server = self.server
        screen = TmuxScreen(self, list(options) + [server.addr], self.work, env or self.env(), width=120)
        screen.wait_prompt()
        for command in ("stat cat.png", "stat nosuch.png"):
            screen.type(command)
            screen.keys("Enter")
        screen.wait_for("stat nosuch.png fail not_found", what="both reports")
        screen.wait_prompt()
        text = screen._tmux("capture-pane", "-p", "-e", "-t", "t").stdout.decode(errors="replace")
        ok = next(l for l in text.splitlines() if "stat cat.png ok" in l)
        fail = next(l for l in text.splitlines() if "stat nosuch.png fail" in l)
        return text, ok, fail

    def test_reports_are_coloured_on_a_terminal(self):
        text, ok, fail = self.coloured_screen()
        # tmux redraws each attribute as its own SGR sequence: red, and faint (muted)
        self.assertTrue(fail.startswith(self.RED), repr(fail))
        self.assertIn("127.0.0.1:", fail)
        self.assertTrue(ok.startswith(self.FAINT), repr(ok))
        self.assertNotIn(self.RED, ok)
        # data is never coloured: the stat fields stand plain
        size = next(l for l in text.splitlines() if l.startswith("size:") or "size:" in l)
        self.assertNotIn("\x1b[", size, repr(size))

    def test_no_color_and_the_option_turn_colour_off(self):
        for how, options, extra in (("NO_COLOR=1", [], {"NO_COLOR": "1"}), ("NO_COLOR=", [], {"NO_COLOR": ""}),
                                    ("--no-color", ["--no-color"], {})):
            with self.subTest(how=how):
                env = self.env()
                env.update(extra)
                text, ok, fail = self.coloured_screen(*options, env=env)
                self.assertNotIn("\x1b[", ok + fail, repr(ok + fail))

    def test_no_colour_through_a_pipe(self):
        make_png(self.root_path("cat.png"), 8, 8, seed=1)
        server = self.start_server()
        res = self.imgsh(server.addr, input="stat cat.png\n-stat nosuch.png\n")
        self.assertIn("stat nosuch.png fail not_found", res.stderr)
        self.assertNotIn("\x1b", res.stderr + res.stdout)

    # -- Ctrl-D ----------------------------------------------------------------------------

    def test_ctrl_d_at_the_prompt_ends_the_shell_with_a_newline(self):
        server = self.start_server()
        screen = TmuxScreen(self, [server.addr], self.work, self.env(), width=WIDTH)
        screen.wait_prompt()
        screen.keys("C-d")
        text = screen.wait_for("[imgsh exited 0]", what="imgsh to leave on Ctrl-D")
        lines = [l.rstrip() for l in text.splitlines() if l.strip()]
        # the prompt's line ended: what the wrapper prints next stands on a line of its own
        self.assertEqual(lines[-1], "[imgsh exited 0]", text)
        self.assertRegex(lines[-2], r"^imgsh \S+> ?(\^D)?$", text)
