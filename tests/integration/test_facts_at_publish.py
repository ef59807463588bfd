"""Issue 13: the facts the server's validation found at publish go into its facts cache,
so the first listing after a put does not read the file again. The server logs each header
it reads at debug ("image facts: read the header of NAME"); a hand-placed file, which no
put validated, is read once (the positive control that the line exists)."""

import json
import unittest

from checks import IntegrationTest
from files import read_bytes
from images import make_jpeg, make_png
from wire import RawClient

READ_LINE = "image facts: read the header of %s"


class FactsCachedAtPublish(IntegrationTest):
    def test_just_put_files_are_listed_with_facts_without_a_reread(self):
        root = self.mkdir("root")
        make_jpeg(self.root_path("by_hand.jpg", root), 40, 30, seed=5)
        server = self.start_server("--log-level", "debug", root=root)
        uploads = {
            "up.jpg": (read_bytes(make_jpeg(self.work_path("up.jpg"), 120, 90, seed=21)), (120, 90)),
            "up.png": (read_bytes(make_png(self.work_path("up.png"), 77, 55, seed=4)), (77, 55)),
        }
        with RawClient(server.port) as c:
            c.hello()
            for name, (data, _) in uploads.items():
                self.assertEqual(c.put_inline(name, data)["status"], "ok", name)
            reply, body = c.request("list")
            self.assertEqual(reply["status"], "ok", reply)
            entries = {e["name"]: e for e in json.loads(body)}
            for name, (_, size) in uploads.items():
                image = entries[name].get("image")
                self.assertIsNotNone(image, name)
                self.assertEqual((image["width"], image["height"]), size, name)
                reply, _ = c.request("stat", name=name)
                self.assertEqual((reply["image"]["width"], reply["image"]["height"]), size, name)
            self.assertEqual((entries["by_hand.jpg"]["image"]["width"], entries["by_hand.jpg"]["image"]["height"]),
                             (40, 30))
        log = server.log_text()
        self.assertEqual(log.count(READ_LINE % "by_hand.jpg"), 1, log)
        for name in uploads:
            self.assertNotIn(READ_LINE % name, log, "%s was read again after its put" % name)


if __name__ == "__main__":
    unittest.main()
