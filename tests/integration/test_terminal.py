"""imgsh as a person uses it at a terminal (tmux as the terminal, assertions on what the
screen shows): Tab completion of commands, remote names (asked live) and local paths,
history across sessions, Ctrl-C at the prompt and during transfers, Ctrl-D, the progress
bar, and a server that does not answer completion."""

import os
import re
import shutil
import signal
import time
import unittest

from checks import IntegrationTest
from files import listing
from images import make_png, shared_big_png
from partials import assert_only_partial
from tmux_screen import TmuxScreen

BIG_SIDE = 2000  # a 12 MB PNG: several seconds through the throttling relay


class TerminalTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        for name, seed in (("cat.png", 1), ("car.png", 2), ("dog.png", 3)):
            make_png(self.root_path(name), 8, 8, seed=seed)
        self.server = self.start_server()
        self.state = self.mkdir("state")

    def env(self):
        env = self.shell_env()
        env["XDG_STATE_HOME"] = self.state
        return env

    def open(self, addr=None, cwd=None):
        screen = TmuxScreen(self, [addr or self.server.addr], cwd or self.work, self.env())
        screen.wait_prompt()
        return screen

    def assertLastLine(self, screen, expected, timeout=10):
        screen.wait_for(lambda s: TmuxScreen._last(s).endswith(expected), timeout,
                        "the line to read %r" % expected)

    @staticmethod
    def listed_then_redrawn(text, candidates, line):
        """The last two non-blank lines: the candidates, then the edited line redrawn."""
        lines = [l.rstrip() for l in text.splitlines() if l.strip()]
        return (len(lines) >= 2 and re.fullmatch(candidates, lines[-2]) is not None
                and lines[-1].endswith(line))

    # -- completion ------------------------------------------------------------------

    def test_unique_remote_name_completes_with_a_space(self):
        s = self.open()
        s.type("get do")
        s.keys("Tab")
        self.assertLastLine(s, "> get dog.png")
        s.type("x")  # the completion ended with a space: the next word starts here
        self.assertLastLine(s, "> get dog.png x")
        s.keys("BSpace", "BSpace", "Enter")
        s.wait_for("get dog.png ok")
        self.assertSameFile(self.root_path("dog.png"), self.work_path("dog.png"))

    def test_common_prefix_then_second_tab_lists(self):
        s = self.open()
        s.type("get c")
        s.keys("Tab")
        self.assertLastLine(s, "> get ca")
        s.keys("Tab")
        # libedit prints the candidates, then redraws the line under them: wait for both (a
        # capture between the two, seen under TSan, showed the list without the prompt yet)
        s.wait_for(lambda t: self.listed_then_redrawn(t, r"car\.png\s+cat\.png", "> get ca"),
                   what="the two candidates listed, the line redrawn under them")
        s.type("t")
        s.keys("Tab", "Enter")
        s.wait_for("get cat.png ok")

    def test_command_names_complete(self):
        s = self.open()
        s.type("hel")
        s.keys("Tab")
        self.assertLastLine(s, "> help")
        s.keys("C-u")
        s.type("lp")
        s.keys("Tab")
        self.assertLastLine(s, "> lpwd")

    def test_name_put_in_the_same_session_completes(self):
        make_png(self.work_path("zebra-stripes.png"), 8, 8, seed=9)
        s = self.open()
        s.type("put zebra-stripes.png")
        s.keys("Enter")
        s.wait_for("put zebra-stripes.png ok")
        s.type("stat zeb")
        s.keys("Tab")
        self.assertLastLine(s, "> stat zebra-stripes.png")
        s.keys("Enter")
        s.wait_for("stat zebra-stripes.png ok")

    def test_names_with_spaces_and_quotes_complete_escaped(self):
        make_png(self.root_path("my holiday.png"), 8, 8, seed=4)
        make_png(self.root_path("it's.png"), 8, 8, seed=5)
        s = self.open()
        s.type("get my")
        s.keys("Tab")
        self.assertLastLine(s, "> get my\\ holiday.png")
        s.keys("Enter")
        s.wait_for("get 'my holiday.png' ok")
        s.type("get it")
        s.keys("Tab")
        self.assertLastLine(s, "> get it\\'s.png")
        s.keys("Enter")
        s.wait_for("get \"it's.png\" ok")
        # inside an open quote the completion stays quoted and closes it
        s.type("stat \"my")
        s.keys("Tab")
        self.assertLastLine(s, "> stat \"my holiday.png\"")
        s.keys("Enter")
        s.wait_for("stat 'my holiday.png' ok")
        self.assertEqual(listing(self.work), ["it's.png", "my holiday.png"])

    def test_local_paths_complete_after_put(self):
        make_png(self.work_path("sunset-over-sea.png"), 8, 8, seed=6)
        os.mkdir(self.work_path("albums"))
        make_png(self.work_path("albums/winter.png"), 8, 8, seed=7)
        make_png(os.path.join(self.home, "from-home.png"), 8, 8, seed=8)
        s = self.open()
        s.type("put suns")
        s.keys("Tab")
        self.assertLastLine(s, "> put sunset-over-sea.png")
        s.keys("Enter")
        s.wait_for("put sunset-over-sea.png ok")
        s.type("put alb")
        s.keys("Tab")
        self.assertLastLine(s, "> put albums/")  # a directory: no space, keep going
        s.keys("Tab")
        self.assertLastLine(s, "> put albums/winter.png")
        s.keys("Enter")
        s.wait_for("put winter.png ok")
        s.type("put ~/from-h")
        s.keys("Tab")
        self.assertLastLine(s, "> put ~/from-home.png")
        s.keys("Enter")
        s.wait_for("put from-home.png ok")
        for name in ("sunset-over-sea.png", "winter.png", "from-home.png"):
            self.assertTrue(os.path.exists(self.root_path(name)), name)

    def test_a_large_root_completes_from_a_bounded_listing(self):
        src = self.root_path("cat.png")
        for i in range(300):
            os.link(src, self.root_path("p%03d.png" % i))
        s = self.open()
        s.type("get ")
        s.keys("Tab", "Tab")  # 303 names: only the first 200 are fetched, and listed
        s.wait_for("(the first 200; type more of the name)")
        self.assertLastLine(s, "> get")
        s.type("p29")
        s.keys("Tab")
        self.assertLastLine(s, "> get p29")
        s.keys("Tab")
        s.wait_for(lambda t: re.search(r"^p290\.png\s+p291\.png.*p299\.png\s*$", t, re.M),
                   what="the ten p29x names")
        s.type("7")
        s.keys("Tab")
        self.assertLastLine(s, "> get p297.png")

    def test_completion_does_not_freeze_on_a_silent_server(self):
        s = self.open()
        self.server.proc.send_signal(signal.SIGSTOP)
        try:
            s.type("get c")
            t0 = time.monotonic()
            s.keys("Tab")
            s.type("x")  # echoed only once the Tab handler gave the prompt back
            self.assertLastLine(s, "> get cx", timeout=8)
            self.assertLess(time.monotonic() - t0, 8)
        finally:
            self.server.proc.send_signal(signal.SIGCONT)
        s.keys("C-u")
        s.type("stat cat.png")
        s.keys("Enter")
        screen = s.wait_for("stat cat.png ok")
        self.assertIn("reconnected", screen)

    # -- history -----------------------------------------------------------------------

    def test_history_recall_and_persistence(self):
        s = self.open()
        s.type("stat dog.png")
        s.keys("Enter")
        s.wait_for("stat dog.png ok")
        s.type("ls")
        s.keys("Enter")
        s.wait_for("list ok")
        s.keys("Up", "Up")
        self.assertLastLine(s, "> stat dog.png")
        s.keys("C-u")
        s.type("quit")
        s.keys("Enter")
        s.wait_for("[imgsh exited 0]")
        history = os.path.join(self.state, "imgsh", "history")
        self.assertTrue(os.path.exists(history), "history file in $XDG_STATE_HOME/imgsh")

        s2 = self.open()
        s2.keys("Up")
        self.assertLastLine(s2, "> quit")
        s2.keys("Up")
        self.assertLastLine(s2, "> ls")
        s2.keys("C-u", "C-r")
        s2.type("dog")
        s2.wait_for("stat dog.png")
        s2.keys("Enter")
        s2.wait_for(lambda t: t.count("stat dog.png ok") == 1, what="the recalled command's report")

    # -- Ctrl-C and Ctrl-D ---------------------------------------------------------------

    def test_ctrl_c_at_the_prompt_clears_the_line(self):
        s = self.open()
        s.type("get half-typed")
        s.keys("C-c")
        s.wait_for("get half-typed^C")
        s.wait_prompt()
        s.type("stat cat.png")
        s.keys("Enter")
        s.wait_for("stat cat.png ok")
        s.keys("C-d")
        s.wait_for("[imgsh exited 0]")

    def interrupt_transfer(self, big_copy, command, name):
        """Copies a big PNG to big_copy, runs `command` through a throttling relay and
        presses Ctrl-C once the progress bar shows; returns the screen."""
        shutil.copyfile(shared_big_png(BIG_SIDE, 1), big_copy)
        relay = self.throttle(self.server.port)
        s = self.open(addr=relay.addr)
        s.type(command)
        s.keys("Enter")
        s.wait_for(lambda t: re.search(r"%s .*\d+%%.*ETA" % re.escape(name), t), what="the progress bar")
        s.keys("C-c")
        s.wait_for("%s fail interrupted" % command)
        return s

    def test_ctrl_c_during_get_keeps_a_partial_for_reget_and_reconnects(self):
        s = self.interrupt_transfer(self.root_path("big.png"), "get big.png", "big.png")
        s.wait_prompt()
        joined = "".join(line.rstrip() for line in s.screen().splitlines())  # the report may wrap
        self.assertRegex(joined, r"get big\.png fail interrupted: cancelled \(kept [0-9.]+ [KMG]iB in \S+ for reget\)")
        self.assertGreater(assert_only_partial(self, self.work, "big.png", self.root_path("big.png")), 0)
        s.type("stat bi")
        s.keys("Tab")  # completion reconnects; the command then says so
        self.assertLastLine(s, "> stat big.png", timeout=20)
        s.keys("Enter")
        screen = s.wait_for("stat big.png ok", timeout=20)
        self.assertIn("reconnected", screen)
        self.assertRoot(["big.png", "car.png", "cat.png", "dog.png"])

    def test_ctrl_c_stops_a_multi_file_get(self):
        shutil.copyfile(shared_big_png(BIG_SIDE, 1), self.root_path("big1.png"))
        os.link(self.root_path("big1.png"), self.root_path("big2.png"))
        relay = self.throttle(self.server.port)
        s = self.open(addr=relay.addr)
        s.type("mget big*")
        s.keys("Enter")
        s.wait_for(lambda t: re.search(r"big1\.png .*\d+%.*ETA", t), what="the progress bar")
        s.keys("C-c")
        s.wait_for("get big1.png fail interrupted")
        screen = s.wait_for("get fail some_failed: 2 of 2 files failed")
        self.assertNotIn("big2.png ok", screen)
        # As get: the file in flight keeps its bytes for reget / mget -c; the rest nothing.
        joined = "".join(line.rstrip() for line in screen.splitlines())  # the report may wrap
        self.assertRegex(joined, r"get big1\.png fail interrupted: cancelled \(kept [0-9.]+ [KMG]iB in \S+ for reget\)")
        self.assertGreater(assert_only_partial(self, self.work, "big1.png", self.root_path("big1.png")), 0)

    def test_ctrl_c_during_put_leaves_nothing_on_the_server(self):
        self.interrupt_transfer(self.work_path("upload.png"), "put upload.png", "upload.png")
        # the server drops its temporary once the connection is gone
        self.assertRootEventually(["car.png", "cat.png", "dog.png"], timeout=15)
        self.assertEqual(listing(self.work), ["upload.png"])

    def test_progress_command_toggles_the_bar(self):
        s = self.open()
        s.type("progress")
        s.keys("Enter")
        s.wait_for("progress bar: off")
        s.type("progress on")
        s.keys("Enter")
        s.wait_for("progress bar: on")


if __name__ == "__main__":
    unittest.main()
