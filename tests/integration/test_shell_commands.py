"""The shell's commands beyond get/put/ls/stat, without a terminal (stdin scripts and
one-shot commands): globs and multi-file reports with their exit statuses, ls options,
local commands, help for every command of the table, version, -q, -v, --help, --version,
no progress bar when stdout is not a terminal, and the past-targets file."""

import os
import re
import subprocess
import unittest

from checks import IntegrationTest
from files import listing
from images import make_jpeg, make_png, shared_big_png
from procs import IMGSH


class ShellCommandsTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        for name, seed in (("cat.png", 1), ("car.png", 2), ("dog.png", 3)):
            make_png(self.root_path(name), 8, 8, seed=seed)
        make_jpeg(self.root_path("bird.jpg"), seed=4)
        self.server = self.start_server()

    def ok_lines(self, res):
        return [r for r in res.reports if r.status == "ok"]

    # -- globs and multi-file commands ---------------------------------------------------

    def test_get_glob_reports_each_file_and_a_count(self):
        res = self.imgsh(self.server.addr, "get", "ca*.png")
        self.assertOk(res, op="get", reports=3)
        self.assertEqual([r.file for r in res.reports], ["car.png", "cat.png", None])
        self.assertEqual(res.reports[-1].message, "2 files")
        self.assertEqual(listing(self.work), ["car.png", "cat.png"])
        for name in ("car.png", "cat.png"):
            self.assertSameFile(self.root_path(name), self.work_path(name))

    def test_get_glob_into_a_directory(self):
        out = self.mkdir("out")
        res = self.imgsh(self.server.addr, "get", "*.png", out)
        self.assertOk(res, op="get", reports=4)
        self.assertEqual(listing(out), ["car.png", "cat.png", "dog.png"])

    def test_names_with_glob_characters_still_transfer(self):
        make_png(self.work_path("shot[1].png"), 8, 8, seed=31)
        res = self.imgsh(self.server.addr, "put", "shot[1].png")
        self.assertEqual(res.reports[0].status, "ok", res.describe())
        self.assertTrue(os.path.exists(self.root_path("shot[1].png")))
        out = self.mkdir("out")
        res = self.imgsh(self.server.addr, "get", "shot[1].png", out)
        self.assertExit(res, 0)
        self.assertEqual(listing(out), ["shot[1].png"])

    def test_get_glob_into_a_file_name_is_refused(self):
        res = self.imgsh(self.server.addr, "get", "*.png", "one.png")
        self.assertExit(res, 1)
        self.assertIn("must be a directory", res.stderr)
        self.assertEqual(listing(self.work), [])

    def test_glob_matching_nothing_is_an_error_naming_it(self):
        res = self.imgsh(self.server.addr, "get", "*.gif")
        self.assertExit(res, 1)
        self.assertEqual(res.reports[0].file, "*.gif")
        self.assertEqual(res.reports[0].code, "not_found")
        self.assertIn("*.gif", res.reports[0].message)
        res = self.imgsh(self.server.addr, "put", "nothing-here-*.png")
        self.assertExit(res, 1)
        self.assertEqual(res.reports[0].code, "not_found")
        self.assertIn("nothing-here-*.png", res.reports[0].message)
        self.assertEqual(listing(self.work), [])

    def test_mget_continues_past_a_refusal_and_exits_1(self):
        make_png(self.work_path("cat.png"), 8, 8, seed=99)  # a local file get must not overwrite
        res = self.imgsh(self.server.addr, "mget", "c*", "nope-*", "bird.jpg")
        self.assertExit(res, 1)
        by_file = {r.file: r for r in res.reports}
        self.assertEqual(by_file["cat.png"].code, "exists")
        self.assertEqual(by_file["nope-*"].code, "not_found")
        self.assertEqual(by_file["car.png"].status, "ok")
        self.assertEqual(by_file["bird.jpg"].status, "ok")
        last = res.reports[-1]
        self.assertEqual((last.op, last.file, last.status, last.code), ("get", None, "fail", "some_failed"))
        self.assertIn("2 of 4 files failed", last.message)
        self.assertEqual(listing(self.work), ["bird.jpg", "car.png", "cat.png"])

    def test_put_glob_with_tilde_continues_past_refusals(self):
        pics = os.path.join(self.home, "pics")
        os.mkdir(pics)
        make_jpeg(os.path.join(pics, "a.jpg"), seed=11)
        make_jpeg(os.path.join(pics, "b.jpg"), seed=12)
        with open(os.path.join(pics, "c.jpg"), "w") as f:
            f.write("not a jpeg")
        make_jpeg(os.path.join(pics, "bird.jpg"), seed=13)  # exists on the server
        res = self.imgsh(self.server.addr, "put", "~/pics/*.jpg")
        self.assertExit(res, 1)
        by_file = {r.file: r for r in res.reports}
        self.assertEqual(by_file["a.jpg"].status, "ok")
        self.assertEqual(by_file["b.jpg"].status, "ok")
        self.assertEqual(by_file["c.jpg"].code, "not_an_image")
        self.assertEqual(by_file["bird.jpg"].code, "exists")
        self.assertIn("2 of 4 files failed", res.reports[-1].message)
        self.assertSameFile(os.path.join(pics, "a.jpg"), self.root_path("a.jpg"))
        self.assertRoot(["a.jpg", "b.jpg", "bird.jpg", "car.png", "cat.png", "dog.png"])

    def test_mput_all_ok_exits_0(self):
        make_png(self.work_path("x1.png"), 8, 8, seed=21)
        make_png(self.work_path("x2.png"), 8, 8, seed=22)
        res = self.imgsh(self.server.addr, "mput", "x1.png", "x2.png")
        self.assertOk(res, op="put", reports=3)
        self.assertEqual(res.reports[-1].message, "2 files")

    def test_script_stops_after_a_failed_multi_file_command(self):
        res = self.imgsh(self.server.addr, input="get *.gif\nstat cat.png\n")
        self.assertExit(res, 1)
        self.assertNotIn("stat", [r.op for r in res.reports])

    def test_unsupported_name_says_what_to_do(self):
        with open(self.work_path("cat.gif"), "wb") as f:
            f.write(b"GIF89a")
        res = self.imgsh(self.server.addr, "put", "cat.gif")
        self.assertFail(res, "unsupported_type", op="put", file="cat.gif")
        self.assertIn("only .jpg, .jpeg and .png files can be stored", res.reports[-1].message)

    def test_exists_says_how_to_go_on(self):
        make_png(self.work_path("cat.png"), 8, 8, seed=50)
        res = self.imgsh(self.server.addr, "put", "cat.png")
        self.assertFail(res, "exists", op="put", file="cat.png")
        self.assertIn("put LOCAL NEWNAME", res.reports[-1].message)

    # -- ls ----------------------------------------------------------------------------

    def test_ls_one_per_line_when_not_a_terminal(self):
        res = self.imgsh(self.server.addr, "ls")
        self.assertOk(res, op="list")
        self.assertEqual(res.stdout.splitlines()[:4], ["bird.jpg", "car.png", "cat.png", "dog.png"])
        quiet = self.imgsh("-q", self.server.addr, "ls", "-1")
        self.assertExit(quiet, 0)
        self.assertEqual(quiet.stdout, "bird.jpg\ncar.png\ncat.png\ndog.png\n")

    def test_ls_pattern_prefix_and_glob(self):
        res = self.imgsh("-q", self.server.addr, "ls", "-1", "ca")
        self.assertEqual(res.stdout.split(), ["car.png", "cat.png"])
        res = self.imgsh("-q", self.server.addr, "ls", "*.jpg")
        self.assertEqual(res.stdout.split(), ["bird.jpg"])

    def test_ls_long_and_human(self):
        big = shared_big_png(700, 3)  # ~1.4 MiB
        res = self.imgsh(self.server.addr, input="put %s big.png\nls -l\nls -lh big.png\n" % big)
        self.assertExit(res, 0)
        size = os.path.getsize(big)
        line = [l for l in res.stdout.splitlines() if l.endswith(" big.png") and "ok" not in l]
        self.assertEqual(len(line), 2, res.describe())
        # Size with thousands separators, time to the minute, dimensions, format (issue 13).
        self.assertRegex(line[0], r"^\s*%s  \d{4}-\d\d-\d\d \d\d:\d\d  700[x\u00d7]700  PNG +big\.png$"
                         % re.escape("{:,}".format(size)))
        self.assertRegex(line[1], r"^\s*1\.\d MiB  \d{4}-\d\d-\d\d \d\d:\d\d  700[x\u00d7]700  PNG +big\.png$")

    def test_ls_unknown_option(self):
        res = self.imgsh(self.server.addr, "ls", "-z")
        self.assertExit(res, 1)
        self.assertIn("-z", res.stderr)

    # -- local commands ------------------------------------------------------------------

    def test_local_commands(self):
        sub = self.mkdir("work", "sub")
        make_png(os.path.join(sub, "local.png"), 8, 8, seed=7)
        script = "lpwd\nlcd sub\nlpwd\nlls\nlls -l\nget cat.png\n!touch from-shell.txt\n"
        res = self.imgsh(self.server.addr, input=script)
        self.assertExit(res, 0)
        out = res.stdout.splitlines()
        self.assertEqual(out[0], os.path.realpath(self.work))
        self.assertEqual(out[1], os.path.realpath(sub))
        self.assertEqual(out[2], "local.png")
        self.assertRegex(out[3], r"^\s*\d+  \d{4}-.*  local\.png$")
        self.assertEqual(listing(sub), ["cat.png", "from-shell.txt", "local.png"])

    def test_lcd_to_missing_dir_fails(self):
        res = self.imgsh(self.server.addr, "lcd", "/no/such/dir")
        self.assertExit(res, 1)
        self.assertIn("/no/such/dir", res.stderr)

    def test_sftp_habits_get_a_hint(self):
        res = self.imgsh(self.server.addr, input="cd photos\n")
        self.assertExit(res, 1)
        self.assertIn("lcd changes the local one", res.stderr)
        res = self.imgsh(self.server.addr, input="mv cat.png dog.png\n")
        self.assertIn("rename renames", res.stderr)

    def test_shell_escape_status(self):
        self.assertExit(self.imgsh(self.server.addr, input="!true\n"), 0)
        self.assertExit(self.imgsh(self.server.addr, input="!exit 3\n"), 1)

    # -- help, version, options ------------------------------------------------------------

    def help_commands(self):
        res = self.imgsh(self.server.addr, "help")
        self.assertExit(res, 0)
        rows = [l for l in res.stdout.splitlines()[1:] if l.startswith("  ")]
        commands = []
        for row in rows:
            m = re.match(r"^  (\S+)(.*?)\s{2,}(\S.*)$", row)
            self.assertTrue(m, "help row `usage  help`: %r" % row)
            commands.append("!" if m.group(1).startswith("!") else m.group(1))
        return commands

    def test_help_walks_the_command_table(self):
        commands = self.help_commands()
        for expected in ("ls", "get", "mget", "put", "mput", "stat", "lls", "lcd", "lpwd",
                         "progress", "version", "help", "quit"):
            self.assertIn(expected, commands)
        for name in commands:
            with self.subTest(command=name):
                res = self.imgsh(self.server.addr, "help", name)
                self.assertExit(res, 0)
                lines = res.stdout.splitlines()
                self.assertTrue(lines[0].startswith("usage: " + name), res.describe())
                self.assertTrue(lines[1].strip(), "a help line for %s" % name)

    def test_completion_scripts_know_every_command(self):
        source = os.path.join(os.path.dirname(__file__), "..", "..", "completions")
        for script in ("imgsh.bash", "_imgsh", "imgsh.fish"):
            with open(os.path.join(source, script)) as f:
                text = f.read()
            for name in self.help_commands():
                if name == "!":
                    continue
                with self.subTest(script=script, command=name):
                    self.assertRegex(text, r"(^|[\s'\"])%s([\s:'\"]|$)" % re.escape(name))

    def test_version(self):
        res = self.imgsh(self.server.addr, "version")
        self.assertExit(res, 0)
        self.assertRegex(res.stdout, r"^imgsh \d+\.\d+\.\d+, protocol 1; server: imgsrv")
        res = self.imgsh("--version")
        self.assertExit(res, 0)
        self.assertRegex(res.stdout, r"^imgsh \d+\.\d+\.\d+")

    def test_help_option_lists_options(self):
        res = self.imgsh("--help")
        self.assertExit(res, 0)
        for option in ("--batch", "--quiet", "--verbose", "--version"):
            self.assertIn(option, res.stdout)
        listed = re.search(r"^Commands: (.*)$", res.stdout, re.M).group(1).split(", ")
        self.assertEqual(listed, self.help_commands())

    def test_verbose_traces_frames_on_stderr(self):
        res = self.imgsh("-v", self.server.addr, "stat", "cat.png")
        self.assertOk(res, op="stat")
        sent = [l for l in res.stderr.splitlines() if l.startswith("imgsh: > ")]
        received = [l for l in res.stderr.splitlines() if l.startswith("imgsh: < ")]
        self.assertEqual([re.search(r'"op":"(\w+)"', l).group(1) for l in sent], ["hello", "stat", "bye"])
        self.assertEqual(len(received), 3, res.stderr)
        self.assertNotIn("imgsh: >", self.imgsh(self.server.addr, "stat", "cat.png").stderr)

    def test_quiet_prints_only_failures(self):
        res = self.imgsh("-q", self.server.addr, input="stat cat.png\n-stat nope.png\n")
        self.assertExit(res, 0)
        self.assertEqual([r.status for r in res.reports], ["fail"])

    def test_no_progress_bar_when_stdout_is_not_a_terminal(self):
        big = shared_big_png(1200, 5)  # ~4 MB
        res = self.imgsh(self.server.addr, "put", big, "big.png")
        self.assertOk(res, op="put")
        self.assertNotIn("\r", res.stdout)
        self.assertNotIn("ETA", res.stdout)

    def test_past_targets_are_remembered(self):
        state = self.mkdir("state")
        env = self.shell_env()
        env["XDG_STATE_HOME"] = state
        other = self.start_server(root=self.mkdir("root2"))
        for server in (self.server, other, self.server):
            subprocess.run([IMGSH, server.addr, "ls"], env=env, cwd=self.work,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=True)
        with open(os.path.join(state, "imgsh", "targets")) as f:
            self.assertEqual(f.read().split(), [self.server.addr, other.addr])


if __name__ == "__main__":
    unittest.main()
