"""sftp habits: globs match case-insensitively on both ends (*.jpg finds a camera's
IMG_0001.JPG), `ls PATTERN` that matches nothing fails as mget does, `put DIR` says it is a
directory, `get notes.txt` does not talk of storing."""

import os
import unittest

from checks import IntegrationTest
from files import listing
from images import make_jpeg, make_png


class CameraNamedStore(IntegrationTest):
    """A store with a camera's upper-case name beside lower-case ones (no tests of its own)."""

    def setUp(self):
        super().setUp()
        make_jpeg(self.root_path("IMG_0001.JPG"), seed=1)
        make_jpeg(self.root_path("img_0002.jpg"), seed=2)
        make_png(self.root_path("cat.png"), 8, 8, seed=3)
        self.server = self.start_server()


class SftpHabitsTest(CameraNamedStore):

    def test_remote_glob_is_case_insensitive(self):
        res = self.imgsh(self.server.addr, "get", "*.jpg")
        self.assertOk(res, op="get", reports=3)
        self.assertEqual(listing(self.work), ["IMG_0001.JPG", "img_0002.jpg"])
        res = self.imgsh(self.server.addr, "ls", "img_*")
        self.assertOk(res, op="list")
        self.assertEqual(sorted(res.other_lines), ["IMG_0001.JPG", "img_0002.jpg"])

    def test_local_glob_is_case_insensitive(self):
        os.mkdir(self.work_path("Cam"))
        make_jpeg(self.work_path("Cam/DSC_1.JPG"), seed=4)
        make_jpeg(self.work_path("Cam/dsc_2.jpeg"), seed=5)
        res = self.imgsh(self.server.addr, "mput", "Cam/*.jp*g")
        self.assertOk(res, op="put", reports=3)
        self.assertRoot(["DSC_1.JPG", "IMG_0001.JPG", "cat.png", "dsc_2.jpeg", "img_0002.jpg"])

    def test_ls_pattern_matching_nothing_is_mgets_error(self):
        ls = self.imgsh(self.server.addr, "ls", "*.gif*")
        self.assertFail(ls, "not_found", op="list")
        mget = self.imgsh(self.server.addr, "mget", "*.gif*")
        self.assertExit(mget, 1)
        self.assertEqual((mget.reports[0].status, mget.reports[0].code), ("fail", "not_found"), mget.describe())
        self.assertEqual(ls.reports[-1].message, mget.reports[0].message)
        self.assertEqual(ls.stdout, "")
        self.assertFail(self.imgsh(self.server.addr, "ls", "dog"), "not_found", op="list")

    def test_put_dir_says_is_a_directory(self):
        os.mkdir(self.work_path("album.png"))
        res = self.imgsh(self.server.addr, "put", "album.png")
        self.assertFail(res, "unsupported_type", op="put", file="album.png")
        self.assertIn("is a directory", res.reports[-1].message)
        self.assertRoot(["IMG_0001.JPG", "cat.png", "img_0002.jpg"])

    def test_get_of_a_non_image_name_does_not_talk_of_storing(self):
        res = self.imgsh(self.server.addr, "get", "notes.txt")
        self.assertFail(res, "unsupported_type", op="get", file="notes.txt")
        self.assertNotIn("stored", res.reports[-1].message)
        self.assertIn("only .jpg, .jpeg and .png", res.reports[-1].message)
        self.assertEqual(listing(self.work), [])

    def test_batch_file_missing_says_why(self):
        res = self.imgsh("-b", self.work_path("nosuch.txt"), self.server.addr)
        self.assertExit(res, 2)
        self.assertIn("nosuch.txt: No such file or directory", res.stderr, res.describe())

    def test_failing_batch_line_is_reported_with_number_and_text(self):
        script = self.work_path("cmds.txt")
        with open(script, "w") as f:
            f.write("# fetch\nget cat.png\n-get gone.png\nget  nosuch.png\nget IMG_0001.JPG\n")
        res = self.imgsh("-b", script, self.server.addr)
        self.assertFail(res, "not_found", op="get", file="nosuch.png")
        self.assertIn("imgsh: script stopped at line 4: get  nosuch.png\n", res.stderr, res.describe())
        self.assertEqual(listing(self.work), ["cat.png", "cmds.txt"])


if __name__ == "__main__":
    unittest.main()
