"""imgsh --json: one JSON object per report on stdout, read here with Python's json module:
ls carries its entries with all their fields, stat its fields, transfers name, bytes,
seconds, status and code; failures too (with their code); nothing else on stdout."""

import json
import os
import unittest

from checks import IntegrationTest
from files import listing
from images import make_png
from wire import xxh3_hex


class JsonOutputTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        make_png(self.root_path("a.png"), 8, 8, seed=1)
        make_png(self.root_path("my b.png"), 8, 8, seed=2)
        os.utime(self.root_path("a.png"), (1577934245, 1577934245))
        self.server = self.start_server()

    def objects(self, res):
        """Every stdout line parses as one JSON object; no report line on stderr."""
        out = []
        for line in res.stdout.splitlines():
            obj = json.loads(line)
            self.assertIsInstance(obj, dict, line)
            self.assertEqual(obj["server"], self.server.addr, line)
            out.append(obj)
        self.assertEqual(res.reports, [], res.describe())
        return out

    def test_ls(self):
        res = self.imgsh("--json", self.server.addr, "ls")
        self.assertExit(res, 0)
        [obj] = self.objects(res)
        self.assertEqual((obj["op"], obj["status"]), ("list", "ok"))
        entries = sorted(obj["entries"], key=lambda e: e["name"])
        self.assertEqual([e["name"] for e in entries], ["a.png", "my b.png"])
        self.assertEqual(entries[0]["size"], os.path.getsize(self.root_path("a.png")))
        self.assertEqual(entries[0]["mtime"], 1577934245)

    def test_stat_even_with_quiet(self):
        res = self.imgsh("--json", "-q", self.server.addr, "stat", "a.png")
        self.assertExit(res, 0)
        [obj] = self.objects(res)
        self.assertEqual((obj["op"], obj["name"], obj["status"]), ("stat", "a.png", "ok"))
        self.assertEqual(obj["size"], os.path.getsize(self.root_path("a.png")))
        self.assertEqual(obj["mtime"], 1577934245)
        self.assertEqual(obj["xxh3"], xxh3_hex(path=self.root_path("a.png")))

    def test_get_put_and_failures(self):
        make_png(self.work_path("up.png"), 8, 8, seed=3)
        res = self.imgsh("--json", self.server.addr,
                         input="get 'my b.png'\n-get nosuch.png\nput up.png\n-put up.png\nmget *.png\n")
        self.assertExit(res, 1)
        objs = self.objects(res)
        self.assertEqual([(o["op"], o.get("name"), o["status"], o.get("code")) for o in objs], [
            ("get", "my b.png", "ok", None),
            ("get", "nosuch.png", "fail", "not_found"),
            ("put", "up.png", "ok", None),
            ("put", "up.png", "fail", "exists"),
            ("get", "a.png", "ok", None),
            ("get", "my b.png", "fail", "exists"),
            ("get", "up.png", "fail", "exists"),
            ("get", None, "fail", "some_failed"),
        ], res.stdout)
        got = objs[0]
        self.assertEqual(got["bytes"], os.path.getsize(self.root_path("my b.png")))
        self.assertIsInstance(got["seconds"], float)
        self.assertEqual(got["path"], "my b.png")
        self.assertEqual(objs[2]["bytes"], os.path.getsize(self.work_path("up.png")))
        self.assertEqual(objs[4]["bytes"], os.path.getsize(self.root_path("a.png")))
        self.assertSameFile(self.work_path("up.png"), self.root_path("up.png"))
        self.assertEqual(listing(self.work), ["a.png", "my b.png", "up.png"])


if __name__ == "__main__":
    unittest.main()
