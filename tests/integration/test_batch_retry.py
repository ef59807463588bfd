"""imgsh's many-file transfers retry what a lost connection stopped (issue 11: a node that
dies or drains mid-batch behind a balancer). A relay (cut_relay.py) cuts the first
connection at the server's third put reply: that file is stored but its reply lost, and the
pipelined puts behind it are in an unknown state. imgsh reconnects (through the relay again,
as it would through HAProxy to a live node), says so, and retries them: a retry answered
`exists` counts as stored only when the server's file has the local file's xxh3, so a name
that held other bytes before still fails `exists`. mget retries the same way (nothing kept
of a cut download). The scale-out test shows the same against real nodes drained with SIGTERM.
"""

import os

from checks import IntegrationTest
from cut_relay import CutRelay
from files import read_bytes
from images import make_png_bytes

FILES = 12


class BatchRetry(IntegrationTest):
    def relay(self, server, nth, kind="put"):
        r = CutRelay(server.port, nth, kind)
        self.on_cleanup(r.close)
        return r

    def write_batch(self, directory):
        data = {}
        for i in range(FILES):
            name = "f%02d.png" % i
            data[name] = make_png_bytes(32, 32, seed=100 + i)
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data[name])
        return data

    def test_mput_cut_mid_batch_completes_each_file_once(self):
        server = self.start_server()
        data = self.write_batch(self.work)
        # Another file already holds f10.png: its retry's `exists` is a real refusal.
        other = make_png_bytes(16, 16, seed=999)
        with open(os.path.join(self.root, "f10.png"), "wb") as f:
            f.write(other)
        relay = self.relay(server, 3)
        res = self.imgsh("127.0.0.1:%d" % relay.port, "mput", "*.png")
        self.assertTrue(relay.cut.is_set(), "the relay never cut\n" + res.describe())
        self.assertGreaterEqual(relay.connections, 2, res.describe())
        self.assertIn("imgsh: reconnected to", res.stderr)
        by_file = {}
        for r in res.reports:
            if r.file:
                by_file.setdefault(r.file, []).append((r.status, r.code))
        expected = {n: [("ok", None)] for n in data}
        expected["f10.png"] = [("fail", "exists")]
        self.assertEqual(by_file, expected, res.describe())
        self.assertExit(res, 1)
        self.assertIn("1 of %d files failed" % FILES, res.reports[-1].message)
        self.assertRoot(sorted(data))
        for n, b in data.items():
            self.assertEqual(read_bytes(os.path.join(self.root, n)), other if n == "f10.png" else b, n)

    def test_mget_cut_mid_batch_fetches_every_file(self):
        data = self.write_batch(self.root)
        server = self.start_server()
        dest = self.mkdir("dest")
        relay = self.relay(server, 4, kind="get")
        res = self.imgsh("127.0.0.1:%d" % relay.port, "mget", "*.png", cwd=dest)
        self.assertTrue(relay.cut.is_set(), "the relay never cut\n" + res.describe())
        self.assertIn("imgsh: reconnected to", res.stderr)
        self.assertOk(res, reports=FILES + 1)
        self.assertEqual(sorted(r.file for r in res.reports if r.file), sorted(data))
        self.assertEqual(sorted(os.listdir(dest)), sorted(data), "each file once, no leftovers")
        for n, b in data.items():
            self.assertEqual(read_bytes(os.path.join(dest, n)), b, n)
