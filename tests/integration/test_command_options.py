"""Options of shell commands are parsed as options (shell/command_options.*): get -p / mget -p
keep the remote modification time, `--` ends options, an unknown option is a usage error
naming it (nothing transferred), `get NAME -` writes the bytes to stdout and `put - NAME`
reads stdin; -n makes get/mget/put/mput re-runs succeed when the content is already there
(same XXH3) and still refuses different content (imgsh never overwrites)."""

import os
import subprocess
import unittest

from checks import IntegrationTest
from files import listing, read_bytes, write_bytes
from images import make_png
from procs import IMGSH

OLD = 1577934245  # 2020-01-02 03:04:05 UTC


class CommandOptionsTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        make_png(self.root_path("icon.png"), 8, 8, seed=1)
        make_png(self.root_path("-n.png"), 8, 8, seed=2)
        make_png(self.root_path("b.png"), 8, 8, seed=3)
        for name in ("icon.png", "-n.png", "b.png"):
            os.utime(self.root_path(name), (OLD, OLD))
        self.server = self.start_server()

    # -- parsing ---------------------------------------------------------------------

    def test_unknown_option_is_a_usage_error_naming_it(self):
        res = self.imgsh(self.server.addr, "get", "-x", "icon.png")
        self.assertExit(res, 2)
        self.assertIn("unknown option -x", res.stderr, res.describe())
        self.assertEqual(res.reports, [], res.describe())
        res = self.imgsh(self.server.addr, input="put --frob icon.png\n")
        self.assertExit(res, 1)
        self.assertIn("put: unknown option --frob", res.stderr, res.describe())
        res = self.imgsh(self.server.addr, input="stat -p icon.png\n")
        self.assertExit(res, 1)
        self.assertIn("stat: unknown option -p", res.stderr, res.describe())
        self.assertEqual(listing(self.work), [])
        self.assertRoot(["-n.png", "b.png", "icon.png"])

    def test_double_dash_ends_options(self):
        res = self.imgsh(self.server.addr, "get", "--", "-n.png")
        self.assertOk(res, op="get", file="-n.png")
        self.assertSameFile(self.root_path("-n.png"), self.work_path("-n.png"))

    # -- -p -------------------------------------------------------------------------

    def test_get_p_keeps_the_remote_mtime_and_plain_get_does_not(self):
        self.assertOk(self.imgsh(self.server.addr, "get", "-p", "icon.png"), op="get")
        self.assertEqual(int(os.stat(self.work_path("icon.png")).st_mtime), OLD)
        self.assertOk(self.imgsh(self.server.addr, "get", "b.png"), op="get")
        self.assertNotEqual(int(os.stat(self.work_path("b.png")).st_mtime), OLD)

    def test_mget_p_keeps_the_remote_mtimes(self):
        res = self.imgsh(self.server.addr, "mget", "-p", "icon.png", "b.png")
        self.assertOk(res, op="get", reports=3)
        for name in ("icon.png", "b.png"):
            self.assertEqual(int(os.stat(self.work_path(name)).st_mtime), OLD, name)

    # -- stdin and stdout -------------------------------------------------------------

    def test_get_to_stdout(self):
        res = run_binary(self, self.server.addr, "get", "icon.png", "-")
        self.assertEqual(res[0], 0, res)
        self.assertEqual(res[1], read_bytes(self.root_path("icon.png")))
        self.assertIn(b" get icon.png ok wrote ", res[2])
        self.assertEqual(listing(self.work), [])

    def test_put_from_stdin(self):
        data = read_bytes(self.root_path("b.png"))
        res = run_binary(self, self.server.addr, "put", "-", "piped.png", input=data)
        self.assertEqual(res[0], 0, res)
        self.assertEqual(read_bytes(self.root_path("piped.png")), data)

    def test_put_from_stdin_checks_the_content(self):
        res = run_binary(self, self.server.addr, "put", "-", "fake.png", input=b"just text\n")
        self.assertEqual(res[0], 1, res)
        self.assertIn(b"put fake.png fail not_an_image", res[2])
        self.assertRoot(["-n.png", "b.png", "icon.png"])

    def test_put_stdin_refused_when_stdin_holds_the_script(self):
        res = self.imgsh(self.server.addr, input="put - x.png\n")
        self.assertExit(res, 1)
        self.assertIn("standard input carries the commands", res.stderr)
        self.assertRoot(["-n.png", "b.png", "icon.png"])

    # -- -n ---------------------------------------------------------------------------

    def test_get_n_reruns_succeed_and_different_content_is_refused(self):
        script = "get -n icon.png\nmget -n icon.png b.png\n"
        self.assertOk(self.imgsh(self.server.addr, "get", "icon.png"), op="get")
        res = self.imgsh(self.server.addr, input=script)
        self.assertExit(res, 0)
        self.assertEqual([(r.file, r.status) for r in res.reports],
                         [("icon.png", "ok"), ("icon.png", "ok"), ("b.png", "ok"), (None, "ok")], res.describe())
        self.assertIn("already here", res.reports[0].message)
        self.assertIn("already here", res.reports[1].message)
        self.assertIn("saved", res.reports[2].message)
        # a second run: everything already here
        res = self.imgsh(self.server.addr, input=script)
        self.assertExit(res, 0)
        self.assertEqual(sum("already here" in r.message for r in res.reports), 3, res.describe())
        # different content under the name: still refused, the local file untouched
        other = read_bytes(self.root_path("-n.png"))
        write_bytes(self.work_path("icon.png"), other)
        res = self.imgsh(self.server.addr, "get", "-n", "icon.png")
        self.assertFail(res, "exists", op="get", file="icon.png")
        self.assertEqual(read_bytes(self.work_path("icon.png")), other)

    def test_put_n_reruns_succeed_and_different_content_is_refused(self):
        make_png(self.work_path("new.png"), 8, 8, seed=9)
        write_bytes(self.work_path("icon.png"), read_bytes(self.root_path("icon.png")))
        res = self.imgsh(self.server.addr, input="put -n icon.png\nmput -n new.png icon.png\n")
        self.assertExit(res, 0)
        self.assertEqual([(r.file, r.status) for r in res.reports],
                         [("icon.png", "ok"), ("icon.png", "ok"), ("new.png", "ok"), (None, "ok")], res.describe())
        self.assertIn("already there", res.reports[0].message)
        self.assertIn("already there", res.reports[1].message)
        self.assertSameFile(self.work_path("new.png"), self.root_path("new.png"))
        res = self.imgsh(self.server.addr, "mput", "-n", "new.png", "icon.png")
        self.assertOk(res, op="put", reports=3)
        # different content: refused exists, the stored file untouched
        write_bytes(self.work_path("b.png"), read_bytes(self.root_path("icon.png")))
        before = read_bytes(self.root_path("b.png"))
        res = self.imgsh(self.server.addr, "put", "-n", "b.png")
        self.assertFail(res, "exists", op="put", file="b.png")
        self.assertEqual(read_bytes(self.root_path("b.png")), before)
        self.assertRoot(["-n.png", "b.png", "icon.png", "new.png"])


def run_binary(test, *args, input=None):
    """imgsh with binary stdin/stdout: (exit status, stdout bytes, stderr bytes)."""
    proc = subprocess.run([IMGSH] + list(args), input=input if input is not None else b"",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=test.work,
                          env=test.shell_env(), timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


if __name__ == "__main__":
    unittest.main()
