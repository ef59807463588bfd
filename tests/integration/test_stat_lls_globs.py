"""`stat` and `lls` take globs, matched case-insensitively as mget's and mput's are
(*.jpg finds a camera's IMG_0001.JPG): `stat PATTERN` shows every match's fields, one
report line each; `stat PATTERN` matching nothing is mget's not_found failure word for
word; `lls PATTERN` lists the local matches, and one matching nothing says so."""

import json
import os
import re

from files import listing
from images import make_jpeg, make_png
from test_sftp_habits import CameraNamedStore


class StatAndLlsGlobTest(CameraNamedStore):
    def test_stat_glob_shows_every_match_case_insensitively(self):
        res = self.imgsh(self.server.addr, "stat", "*.jpg")
        self.assertOk(res, op="stat", reports=2)
        self.assertEqual([r.file for r in res.reports], ["IMG_0001.JPG", "img_0002.jpg"])
        names = re.findall(r"^name: (.*)$", res.stdout, re.M)
        self.assertEqual(names, ["IMG_0001.JPG", "img_0002.jpg"])
        sizes = [int(s) for s in re.findall(r"^size: (\d+)$", res.stdout, re.M)]
        self.assertEqual(sizes, [os.path.getsize(self.root_path(n)) for n in names])
        # --json: one object per file, with its fields
        res = self.imgsh("--json", self.server.addr, "stat", "IMG_*")
        self.assertExit(res, 0)
        objects = [json.loads(l) for l in res.stdout.splitlines()]
        self.assertEqual([(o["name"], o["status"], o["size"]) for o in objects],
                         [(n, "ok", os.path.getsize(self.root_path(n))) for n in ("IMG_0001.JPG", "img_0002.jpg")])

    def test_stat_pattern_matching_nothing_is_mgets_not_found(self):
        stat = self.imgsh(self.server.addr, "stat", "*.gif*")
        r = self.assertFail(stat, "not_found", op="stat", file="*.gif*")
        self.assertEqual(len(stat.reports), 1, stat.describe())
        self.assertEqual(stat.stdout, "")
        mget = self.imgsh(self.server.addr, "mget", "*.gif*")
        self.assertExit(mget, 1)
        self.assertEqual((mget.reports[0].code, mget.reports[0].message), (r.code, r.message))
        self.assertEqual(r.message, "no remote file matches *.gif*")
        self.assertEqual(listing(self.work), [])  # nothing fetched, nothing left
        self.assertRoot(["IMG_0001.JPG", "cat.png", "img_0002.jpg"])
        # A plain name is still one stat (no listing): a missing one is the server's not_found.
        plain = self.imgsh(self.server.addr, "stat", "dog.png")
        self.assertFail(plain, "not_found", op="stat", file="dog.png")

    def test_lls_glob_lists_local_matches_case_insensitively(self):
        make_jpeg(self.work_path("DSC_1.JPG"), seed=4)
        make_jpeg(self.work_path("dsc_2.jpg"), seed=5)
        make_png(self.work_path("dsc_3.png"), 8, 8, seed=6)
        os.mkdir(self.work_path("Cam"))
        make_jpeg(self.work_path("Cam/IMG_9.JPG"), seed=7)
        res = self.imgsh(self.server.addr, "lls", "*.jpg")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout.split(), ["DSC_1.JPG", "dsc_2.jpg"])
        res = self.imgsh(self.server.addr, "lls", "-l", "Cam/*.jpg")
        self.assertExit(res, 0)
        self.assertIn("Cam/IMG_9.JPG", res.stdout)
        self.assertIn(str(os.path.getsize(self.work_path("Cam/IMG_9.JPG"))), res.stdout)
        res = self.imgsh(self.server.addr, "lls", "*.gif")
        self.assertExit(res, 1)
        self.assertEqual(res.stderr, "imgsh: lls: no local file matches *.gif\n")
        self.assertEqual(res.stdout, "")
        self.assertEqual(listing(self.work), ["Cam", "DSC_1.JPG", "dsc_2.jpg", "dsc_3.png"])


if __name__ == "__main__":
    import unittest
    unittest.main()
