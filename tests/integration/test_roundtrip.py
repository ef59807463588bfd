"""put then get through imgsh: every kind of image comes back byte-identical.

Also the ways to drive imgsh: one-shot commands, the classic `HOST PORT put|get|list`
form, batch files (-b) and stdin scripts with comments, blank lines and `-` prefixes.
"""

import os
import unittest

from checks import IntegrationTest
from files import listing, sha256_file, write_bytes
from images import make_jpeg, make_png, make_png_bytes
from wire import DEFAULT_INLINE_PUT_MAX, RawClient

SHIPPED = ["baseline.jpg", "progressive.jpg", "photo.jpeg", "icon.png", "UPPER.PNG", "tiny.png"]


class RoundTripBase(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()
        self.addr = self.server.addr

    def put(self, local, remote=None, server=None, cwd=None):
        server = server or self.server
        args = [server.addr, "put", local] + ([remote] if remote else [])
        res = self.imgsh(*args, cwd=cwd)
        self.assertOk(res, op="put", file=remote or os.path.basename(local), server=server)
        return res

    def get(self, remote, local=None, server=None, cwd=None):
        server = server or self.server
        args = [server.addr, "get", remote] + ([local] if local else [])
        res = self.imgsh(*args, cwd=cwd)
        self.assertOk(res, op="get", file=remote, server=server)
        return res

    def roundtrip(self, source, remote=None, server=None):
        """put source (as remote), then get it into a fresh directory; all three equal."""
        server = server or self.server
        remote = remote or os.path.basename(source)
        before = set(listing(server.root))
        self.put(source, remote if remote != os.path.basename(source) else None, server=server)
        self.assertEqual(set(listing(server.root)), before | {remote},
                         "the root holds exactly the published files")
        stored = os.path.join(server.root, remote)
        self.assertEqual(sha256_file(stored), sha256_file(source), "stored file differs")
        dl = self.mkdir("dl-" + remote)
        self.get(remote, server=server, cwd=dl)
        self.assertEqual(listing(dl), [remote], "get left other files in the local directory")
        self.assertEqual(sha256_file(os.path.join(dl, remote)), sha256_file(source),
                         "downloaded file differs")


class ImageKindsTest(RoundTripBase):
    def test_baseline_jpeg(self):
        self.roundtrip(make_jpeg(self.work_path("baseline-gen.jpg"), 240, 160, seed=11))

    def test_progressive_jpeg(self):
        self.roundtrip(make_jpeg(self.work_path("progressive-gen.jpg"), 240, 160, seed=12,
                                 progressive=True))

    def test_jpeg_extension(self):
        self.roundtrip(make_jpeg(self.work_path("long-ext.jpeg"), 64, 64, seed=13))

    def test_small_png(self):
        self.roundtrip(make_png(self.work_path("small-gen.png"), 40, 30, seed=14))

    def test_shipped_images(self):
        for name in SHIPPED:
            with self.subTest(name=name):
                self.roundtrip(self.copy_data(name))
        self.assertRoot(SHIPPED)

    def test_upper_case_extensions(self):
        self.roundtrip(make_jpeg(self.work_path("SHOUT.JPG"), 32, 32, seed=15))
        self.roundtrip(make_jpeg(self.work_path("Mixed.JpEg"), 32, 32, seed=16))
        self.roundtrip(make_png(self.work_path("Picture.Png"), 16, 16, seed=17))

    def test_multi_megabyte_png_announced_put(self):
        # ~3 MiB: larger than the default inline_put_max, so imgsh must announce it.
        src = make_png(self.work_path("big.png"), 1024, 1024, seed=18, level=1)
        self.assertGreater(os.path.getsize(src), 2 * DEFAULT_INLINE_PUT_MAX)
        self.roundtrip(src)

    def test_inline_put_max_boundary(self):
        # Exactly inline_put_max travels inline, one byte more is announced.
        at = make_png(self.work_path("at-limit.png"), 300, 300, seed=19, level=1,
                      pad_to=DEFAULT_INLINE_PUT_MAX)
        above = make_png(self.work_path("above-limit.png"), 300, 300, seed=20, level=1,
                         pad_to=DEFAULT_INLINE_PUT_MAX + 1)
        self.roundtrip(at)
        self.roundtrip(above)

    def test_small_inline_put_max_forces_announced_path(self):
        other_root = self.mkdir("root-small-inline")
        server = self.start_server("--inline-put-max", "1024", root=other_root)
        with RawClient(server.port) as c:
            limits = c.hello().get("limits", {})
        self.assertEqual(limits.get("inline_put_max"), 1024, "hello reply limits")
        self.roundtrip(make_jpeg(self.work_path("announced.jpg"), 160, 120, seed=21),
                       server=server)
        self.roundtrip(make_png(self.work_path("announced.png"), 64, 64, seed=22), server=server)
        self.roundtrip(self.copy_data("tiny.png"), server=server)  # still inline (78 bytes)


class CommandsTest(RoundTripBase):
    def test_put_with_remote_name_and_get_with_local_name(self):
        src = make_png(self.work_path("local-name.png"), 20, 20, seed=30)
        self.put(src, "remote-name.png")
        self.assertRoot(["remote-name.png"])
        self.get("remote-name.png", "copy.png")
        self.assertSameFile(src, self.work_path("copy.png"))
        self.assertSameFile(src, self.root_path("remote-name.png"))

    def test_ls_and_aliases(self):
        names = ["b.png", "a.jpg", "c.jpeg", "A.PNG"]
        for i, n in enumerate(names):
            if n.lower().endswith(".png"):
                make_png(self.work_path(n), 8, 8, seed=40 + i)
            else:
                make_jpeg(self.work_path(n), 8, 8, seed=40 + i)
            self.put(self.work_path(n))
        expected = sorted(names, key=lambda s: s.encode())  # bytewise, as the server sorts
        for cmd in ("ls", "list", "dir"):
            with self.subTest(cmd=cmd):
                res = self.imgsh(self.addr, cmd)
                self.assertOk(res, op="list", server=self.server)
                self.assertEqual(res.other_lines, expected,
                                 "`%s` prints one name per line\n%s" % (cmd, res.describe()))

    def test_ls_empty_root(self):
        res = self.imgsh(self.addr, "ls")
        self.assertOk(res, op="list", server=self.server)
        self.assertEqual(res.other_lines, [], res.describe())

    def test_ls_hides_non_images_and_hidden_files(self):
        # Files put into the root by other means: only valid image names are listed.
        write_bytes(self.root_path("notes.txt"), b"hello")
        write_bytes(self.root_path(".hidden.png"), make_png_bytes(4, 4, seed=99))
        os.mkdir(self.root_path("subdir.png"))
        self.put(make_png(self.work_path("real.png"), 8, 8, seed=50))
        res = self.imgsh(self.addr, "ls")
        self.assertOk(res, op="list")
        self.assertEqual(res.other_lines, ["real.png"], res.describe())

    def test_stat_shows_size(self):
        src = make_jpeg(self.work_path("sized.jpg"), 120, 90, seed=51)
        size = os.path.getsize(src)
        self.put(src)
        res = self.imgsh(self.addr, "stat", "sized.jpg")
        self.assertOk(res, op="stat", file="sized.jpg", server=self.server)
        self.assertIn(str(size), res.stdout, "stat shows the size\n%s" % res.describe())

    def test_classic_form(self):
        src = make_png(self.work_path("classic.png"), 24, 24, seed=52)
        res = self.imgsh("127.0.0.1", self.server.port, "put", "classic.png")
        self.assertOk(res, op="put", file="classic.png", server=self.server)
        self.assertSameFile(src, self.root_path("classic.png"))
        res = self.imgsh("127.0.0.1", self.server.port, "list")
        self.assertOk(res, op="list", server=self.server)
        self.assertEqual(res.other_lines, ["classic.png"], res.describe())
        dl = self.mkdir("dl-classic")
        res = self.imgsh("127.0.0.1", self.server.port, "get", "classic.png", cwd=dl)
        self.assertOk(res, op="get", file="classic.png", server=self.server)
        self.assertSameFile(src, os.path.join(dl, "classic.png"))
        self.assertEqual(listing(dl), ["classic.png"])

    def test_one_shot_get(self):
        src = make_png(self.work_path("x.png"), 24, 24, seed=53)
        self.put(src)
        dl = self.mkdir("dl-oneshot")
        res = self.imgsh("127.0.0.1:%d" % self.server.port, "get", "x.png", cwd=dl)
        self.assertOk(res, op="get", file="x.png", server=self.server)
        self.assertSameFile(src, os.path.join(dl, "x.png"))

    def test_quoted_arguments(self):
        a = make_png(self.work_path("my photo.png"), 16, 16, seed=54)
        b = make_jpeg(self.work_path("it's here.jpg"), 16, 16, seed=55)
        script = ('put "my photo.png"\n'
                  "put 'my photo.png' 'second copy.png'\n"
                  'put "it\'s here.jpg" "with space.jpg"\n'
                  'get "second copy.png" "back here.png"\n')
        res = self.imgsh(self.addr, input=script)
        self.assertOk(res, reports=4, server=self.server)
        self.assertRoot(["my photo.png", "second copy.png", "with space.jpg"])
        self.assertSameFile(a, self.root_path("my photo.png"))
        self.assertSameFile(a, self.root_path("second copy.png"))
        self.assertSameFile(b, self.root_path("with space.jpg"))
        self.assertSameFile(a, self.work_path("back here.png"))

    def test_help(self):
        for cmd in ("help", "?"):
            with self.subTest(cmd=cmd):
                res = self.imgsh(self.addr, input=cmd + "\n")
                self.assertExit(res, 0)
                text = res.stdout + res.stderr
                for word in ("ls", "get", "put", "stat", "quit"):
                    self.assertIn(word, text, "help mentions %s\n%s" % (word, res.describe()))

    def test_utf8_names(self):
        self.roundtrip(make_png(self.work_path("café.png"), 16, 16, seed=57))
        self.roundtrip(make_jpeg(self.work_path("写真.jpg"), 16, 16, seed=58))
        res = self.imgsh(self.addr, "ls")
        self.assertOk(res, op="list")
        self.assertEqual(sorted(res.other_lines), sorted(["café.png", "写真.jpg"]), res.describe())

    def test_ls_many_files(self):
        # 3000 files put into the root directly: the list reply is one big body.
        data = make_png_bytes(2, 2, seed=59)
        names = ["file-%04d.png" % i for i in range(3000)]
        for n in names:
            write_bytes(self.root_path(n), data)
        res = self.imgsh(self.addr, "ls")
        self.assertOk(res, op="list")
        self.assertEqual(res.other_lines, names, "ls of 3000 files")
        dl = self.mkdir("dl-many")
        self.get("file-2999.png", cwd=dl)
        self.assertEqual(listing(dl), ["file-2999.png"])

    def test_quiet_flag(self):
        src = make_png(self.work_path("quiet.png"), 16, 16, seed=56)
        res = self.imgsh("-q", self.addr, "put", "quiet.png")
        self.assertExit(res, 0)
        self.assertSameFile(src, self.root_path("quiet.png"))


class BatchTest(RoundTripBase):
    def setUp(self):
        super().setUp()
        self.a = make_png(self.work_path("a.png"), 32, 32, seed=60)
        self.b = make_jpeg(self.work_path("b.jpg"), 48, 32, seed=61)

    def test_batch_file(self):
        cmds = self.work_path("cmds.txt")
        with open(cmds, "w") as f:
            f.write("# upload two files\n"
                    "\n"
                    "put a.png\n"
                    "   \n"
                    "put b.jpg\n"
                    "# look at them\n"
                    "ls\n"
                    "stat a.png\n"
                    "get b.jpg b-copy.jpg\n")
        res = self.imgsh("-b", cmds, self.addr)
        self.assertOk(res, reports=5, server=self.server)
        self.assertEqual([r.op for r in res.reports], ["put", "put", "list", "stat", "get"])
        self.assertEqual(res.other_lines[:2], ["a.png", "b.jpg"], "ls output\n" + res.describe())
        self.assertRoot(["a.png", "b.jpg"])
        self.assertSameFile(self.a, self.root_path("a.png"))
        self.assertSameFile(self.b, self.work_path("b-copy.jpg"))

    def test_batch_on_stdin_with_comments_blank_lines_and_dash_prefix(self):
        script = ("# comment line\n"
                  "\n"
                  "put a.png\n"
                  "-get missing.png\n"
                  "-put not-here.png\n"
                  "  # indented comment\n"
                  "put b.jpg\n"
                  "get a.png a-copy.png\n")
        res = self.imgsh(self.addr, input=script)
        # A `-` line may fail without stopping, and (as with sftp -b) does not make the
        # whole run fail: exit status 0.
        self.assertExit(res, 0)
        self.assertEqual([(r.op, r.status, r.code) for r in res.reports],
                         [("put", "ok", None), ("get", "fail", "not_found"),
                          ("put", "fail", "not_found"), ("put", "ok", None),
                          ("get", "ok", None)], res.describe())
        self.assertNotIn("imgsh>", res.stdout, "no prompt when stdin is not a terminal")
        self.assertRoot(["a.png", "b.jpg"])
        self.assertSameFile(self.a, self.work_path("a-copy.png"))
        self.assertFalse(os.path.exists(self.work_path("missing.png")))

    def test_batch_stops_at_first_failure(self):
        script = "put a.png\nget missing.png\nput b.jpg\n"
        res = self.imgsh(self.addr, input=script)
        self.assertExit(res, 1)
        self.assertEqual([(r.op, r.status, r.code) for r in res.reports],
                         [("put", "ok", None), ("get", "fail", "not_found")], res.describe())
        self.assertRoot(["a.png"])

    def test_batch_file_stops_at_first_failure(self):
        cmds = write_bytes(self.work_path("cmds.txt"), b"put b.jpg\nput b.jpg\nput a.png\n")
        res = self.imgsh("-b", cmds, self.addr)
        self.assertExit(res, 1)
        self.assertEqual([(r.op, r.status, r.code) for r in res.reports],
                         [("put", "ok", None), ("put", "fail", "exists")], res.describe())
        self.assertRoot(["b.jpg"])

    def test_quit_words_end_the_batch(self):
        for i, word in enumerate(("quit", "exit", "bye")):
            with self.subTest(word=word):
                name = "q%d.png" % i
                make_png(self.work_path(name), 8, 8, seed=70 + i)
                res = self.imgsh(self.addr, input="put %s\n%s\nput b.jpg\n" % (name, word))
                self.assertOk(res, reports=1, op="put", file=name)
        self.assertRoot(["q0.png", "q1.png", "q2.png"])

    def test_many_commands_one_session(self):
        names = []
        script = []
        for i in range(30):
            n = "many-%02d.png" % i
            make_png(self.work_path(n), 8 + i, 8, seed=100 + i)
            names.append(n)
            script.append("put " + n)
        script.append("ls")
        res = self.imgsh(self.addr, input="\n".join(script) + "\n")
        self.assertOk(res, reports=31, op="list", server=self.server)
        self.assertEqual(res.other_lines, names, res.describe())
        self.assertRoot(names)
        for n in names:
            self.assertSameFile(self.work_path(n), self.root_path(n))


if __name__ == "__main__":
    unittest.main()
