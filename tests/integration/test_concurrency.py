"""Many clients at once, racing puts of one name, and pipelined requests."""

import json
import os
import unittest

from checks import IntegrationTest
from files import listing, read_bytes, sha256_file
from images import make_jpeg, make_png, make_png_bytes

CLIENTS = 20


class ConcurrencyTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()

    def test_twenty_clients_put_and_get_at_once(self):
        jobs = []
        for i in range(CLIENTS):
            d = self.mkdir("client-%02d" % i)
            if i % 5 == 0:  # some above inline_put_max: the announced path
                name = "big-%02d.png" % i
                make_png(os.path.join(d, name), 700, 600, seed=1000 + i, level=1)
            elif i % 2:
                name = "photo-%02d.jpg" % i
                make_jpeg(os.path.join(d, name), 200 + i, 150, seed=1000 + i,
                          progressive=bool(i % 3 == 0))
            else:
                name = "pic-%02d.png" % i
                make_png(os.path.join(d, name), 60 + i, 50, seed=1000 + i)
            jobs.append((d, name))
        procs = []
        for d, name in jobs:
            script = "put %s\nstat %s\nget %s copy-%s\nls\n" % (name, name, name, name)
            procs.append(self.spawn_imgsh(self.server.addr, input=script, cwd=d,
                                          name="c-" + name)[1])
        results = [finish(120) for finish in procs]
        for (d, name), res in zip(jobs, results):
            with self.subTest(name=name):
                self.assertOk(res, reports=4, server=self.server)
                self.assertEqual([r.op for r in res.reports], ["put", "stat", "get", "list"])
                src = os.path.join(d, name)
                self.assertEqual(sha256_file(self.root_path(name)), sha256_file(src))
                self.assertEqual(sha256_file(os.path.join(d, "copy-" + name)), sha256_file(src))
                self.assertEqual(listing(d), sorted([name, "copy-" + name]))
                self.assertIn(name, res.other_lines, res.describe())
        self.assertRoot([name for _, name in jobs])

    def test_twenty_clients_get_the_same_file(self):
        src = make_png(self.work_path("shared.png"), 800, 700, seed=7, level=1)  # ~1.6 MiB
        self.assertOk(self.imgsh(self.server.addr, "put", "shared.png"), op="put")
        finishes = []
        dirs = []
        for i in range(CLIENTS):
            d = self.mkdir("reader-%02d" % i)
            dirs.append(d)
            finishes.append(self.spawn_imgsh(self.server.addr, "get", "shared.png", cwd=d,
                                             name="reader-%d" % i)[1])
        want = sha256_file(src)
        for d, finish in zip(dirs, finishes):
            res = finish(120)
            self.assertOk(res, op="get", file="shared.png")
            self.assertEqual(sha256_file(os.path.join(d, "shared.png")), want)
        self.assertRoot(["shared.png"])

    def test_racing_puts_of_one_name_have_one_winner(self):
        racers = 10
        finishes = []
        sources = []
        for i in range(racers):
            d = self.mkdir("racer-%02d" % i)
            # larger than inline_put_max for half of them: both put paths race
            if i % 2:
                src = make_png(os.path.join(d, "mine.png"), 700, 600, seed=500 + i, level=1)
            else:
                src = make_png(os.path.join(d, "mine.png"), 100, 100, seed=500 + i)
            sources.append(sha256_file(src))
            finishes.append(self.spawn_imgsh(self.server.addr, "put", "mine.png", "race.png",
                                             cwd=d, name="racer-%d" % i)[1])
        results = [f(120) for f in finishes]
        winners = [i for i, r in enumerate(results) if r.returncode == 0]
        self.assertEqual(len(winners), 1, "exactly one racing put wins:\n" +
                         "\n".join(r.describe() for r in results))
        for i, res in enumerate(results):
            if i in winners:
                self.assertOk(res, op="put", file="race.png")
            else:
                self.assertFail(res, "exists", op="put", file="race.png")
        self.assertRoot(["race.png"])
        self.assertEqual(sha256_file(self.root_path("race.png")), sources[winners[0]],
                         "the stored file is the winner's, whole")

    def test_pipelined_requests_on_one_connection(self):
        c = self.raw_client(self.server.port)
        c.hello()
        files = {"pipe-%02d.png" % i: make_png_bytes(5 + i, 5, seed=300 + i) for i in range(25)}
        # send everything first, then read the replies in request order
        ids = {}
        for name, data in files.items():
            rid = c.take_id()
            ids[rid] = ("put", name)
            c.send_frame({"op": "put", "id": rid, "name": name, "size": len(data)}, data)
            c.send_trailer(rid, data)
        for name in files:
            rid = c.take_id()
            ids[rid] = ("get", name)
            c.send_frame({"op": "get", "id": rid, "name": name})
        rid = c.take_id()
        ids[rid] = ("list", None)
        c.send_frame({"op": "list", "id": rid})
        for rid in sorted(ids):
            op, name = ids[rid]
            reply, body = c.recv_frame()
            self.assertEqual(reply.get("id"), rid, "replies come in request order")
            self.assertEqual(reply.get("status"), "ok", reply)
            if op == "get":
                self.assertEqual(body, files[name], name)
                self.assertEqual(reply.get("size"), len(files[name]))
            elif op == "list":
                names = [e["name"] for e in json.loads(body)]
                self.assertEqual(names, sorted(files))
        self.assertRoot(list(files))
        for name, data in files.items():
            self.assertEqual(read_bytes(self.root_path(name)), data)

    def test_many_idle_sessions_do_not_block_others(self):
        idle = []
        for _ in range(30):
            c = self.raw_client(self.server.port)
            c.hello()
            idle.append(c)
        src = make_jpeg(self.work_path("while-idle.jpg"), 64, 64, seed=9)
        self.assertOk(self.imgsh(self.server.addr, "put", "while-idle.jpg"), op="put")
        self.assertEqual(sha256_file(self.root_path("while-idle.jpg")), sha256_file(src))
        for c in idle:
            reply, _ = c.request("stat", name="while-idle.jpg")
            self.assertEqual(reply.get("size"), os.path.getsize(src), reply)


if __name__ == "__main__":
    unittest.main()
