"""mget and mput (and get/put of a glob): several files in one command, pipelined over the one connection
(shell/transfer_window.cpp).

- 200 small files go up and come back byte-identical, one report line each in order
  plus a final count;
- a refused file (exists, not an image, missing, locally present) is reported and the
  others still go, with exit status 1;
- it survives any TCP segmentation (stammer relay);
- requests really are pipelined: a fake server that holds its replies back sees more
  than one request arrive first (a shell sending one request per round trip sends one).
"""

import json
import os
import socket
import struct
import threading
import unittest

from checks import IntegrationTest
from files import write_bytes
from images import make_png_bytes
from wire import HOST, xxh3_hex
from stammer_relay import StammerRelay


def make_files(directory, count, prefix="f", seed=0):
    """count distinct small PNGs (a few hundred bytes to ~20 KB); returns their paths."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for i in range(count):
        side = 4 + (i * 7 + seed) % 60
        path = os.path.join(directory, "%s%03d.png" % (prefix, i))
        write_bytes(path, make_png_bytes(side, side, seed=seed * 1000 + i))
        paths.append(path)
    return paths


class BatchTransferTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server()

    def assertBatch(self, res, op, names, summary_ok=True):
        """One report line per name, in order, then the summary line."""
        per_file = res.reports[:-1]
        self.assertEqual([r.file for r in per_file], names, res.describe())
        self.assertTrue(all(r.op == op for r in res.reports), res.describe())
        last = res.reports[-1]
        self.assertIsNone(last.file, res.describe())
        self.assertEqual(last.status, "ok" if summary_ok else "fail", res.describe())

    def test_200_files_up_and_down_byte_identical(self):
        paths = make_files(self.work_path("up"), 200)
        names = [os.path.basename(p) for p in paths]
        res = self.imgsh(self.server.addr, "mput", *paths)
        self.assertExit(res, 0)
        self.assertBatch(res, "put", names)
        self.assertTrue(all(r.status == "ok" for r in res.reports), res.describe())
        self.assertIn("200 files", res.reports[-1].message)
        self.assertRoot(names)
        down = self.mkdir("work", "down")
        res = self.imgsh(self.server.addr, "mget", *names, cwd=down)
        self.assertExit(res, 0)
        self.assertBatch(res, "get", names)
        self.assertIn("200 files", res.reports[-1].message)
        for p in paths:
            name = os.path.basename(p)
            self.assertSameFile(p, self.root_path(name))
            self.assertSameFile(p, os.path.join(down, name))
        self.assertEqual(sorted(os.listdir(down)), sorted(names))  # no temporaries left

    def test_refused_files_are_reported_and_the_rest_still_go(self):
        paths = make_files(self.work_path("up"), 30)
        names = [os.path.basename(p) for p in paths]
        # one already stored (exists), one text file named .png (not_an_image), one missing
        res = self.imgsh(self.server.addr, "put", paths[5])
        self.assertOk(res)
        bad = write_bytes(self.work_path("up/text.png"), b"hello, not an image\n")
        missing = self.work_path("up/missing.png")
        order = paths[:10] + [bad] + paths[10:20] + [missing] + paths[20:]
        res = self.imgsh(self.server.addr, "mput", *order)
        self.assertExit(res, 1)
        self.assertBatch(res, "put", [os.path.basename(p) for p in order], summary_ok=False)
        codes = {r.file: r.code for r in res.reports[:-1] if r.status == "fail"}
        self.assertEqual(codes, {names[5]: "exists", "text.png": "not_an_image", "missing.png": "not_found"},
                         res.describe())
        self.assertEqual(res.reports[-1].code, "some_failed")
        self.assertIn("3 of 32 files failed", res.reports[-1].message)
        self.assertRoot(names)
        for p in paths:
            self.assertSameFile(p, self.root_path(os.path.basename(p)))

        # get: one name not stored, one already present locally (never overwritten)
        down = self.mkdir("work", "down")
        write_bytes(os.path.join(down, names[3]), b"keep me")
        wanted = names[:8] + ["absent.png"] + names[8:]
        res = self.imgsh(self.server.addr, "mget", *wanted, cwd=down)
        self.assertExit(res, 1)
        self.assertBatch(res, "get", wanted, summary_ok=False)
        codes = {r.file: r.code for r in res.reports[:-1] if r.status == "fail"}
        self.assertEqual(codes, {names[3]: "exists", "absent.png": "not_found"}, res.describe())
        with open(os.path.join(down, names[3]), "rb") as f:
            self.assertEqual(f.read(), b"keep me")
        for p in paths:
            if os.path.basename(p) != names[3]:
                self.assertSameFile(p, os.path.join(down, os.path.basename(p)))
        self.assertFalse(os.path.exists(os.path.join(down, "absent.png")))

    def test_through_a_stammering_relay(self):
        relay = StammerRelay(self.server.port, min_piece=1, max_piece=7, max_delay=0.001,
                             delay_probability=0.01, seed=11, max_lifetime=120)
        relay.start()
        self.on_cleanup(relay.stop)
        paths = make_files(self.work_path("up"), 40, seed=3)
        names = [os.path.basename(p) for p in paths]
        res = self.imgsh(relay.addr, "mput", *paths, timeout=120)
        self.assertExit(res, 0)
        self.assertBatch(res, "put", names)
        down = self.mkdir("work", "down")
        res = self.imgsh(relay.addr, "mget", *names, "absent.png", cwd=down, timeout=120)
        self.assertExit(res, 1)
        self.assertBatch(res, "get", names + ["absent.png"], summary_ok=False)
        self.assertEqual(res.reports[-2].code, "not_found")
        for p in paths:
            self.assertSameFile(p, self.root_path(os.path.basename(p)))
            self.assertSameFile(p, os.path.join(down, os.path.basename(p)))


class HoldingServer:
    """A fake imgsrv: answers hello, then counts the requests that arrive before it
    answers any (waiting up to `hold` seconds for more), then answers each in order:
    gets with a tiny PNG body, puts with ok."""

    def __init__(self, hold=1.5):
        self.hold = hold
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.before_first_reply = None
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def close(self):
        self.sock.close()
        self.thread.join(timeout=10)

    @staticmethod
    def frame(header, body=b""):
        text = json.dumps(header).encode()
        return struct.pack(">IQ", len(text), len(body)) + text + body

    def serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            buf = bytearray()
            requests = []

            def next_frame(timeout):
                conn.settimeout(timeout)
                while True:
                    if len(buf) >= 12:
                        hlen, blen = struct.unpack(">IQ", bytes(buf[:12]))
                        if len(buf) >= 12 + hlen + blen:
                            header = json.loads(bytes(buf[12:12 + hlen]))
                            del buf[:12 + hlen + blen]
                            if header.get("op") == "checksum":
                                continue  # a put's trailer, not a request of its own
                            return header
                    try:
                        data = conn.recv(65536)
                    except socket.timeout:
                        return None
                    if not data:
                        return None
                    buf.extend(data)

            hello = next_frame(10)
            conn.sendall(self.frame({"id": hello["id"], "status": "ok", "server": "holding/0", "version": 1,
                                     "limits": {"max_file_size": 0, "inline_put_max": 1 << 20,
                                                "max_header": 65536}}))
            while True:
                req = next_frame(self.hold if requests else 10)
                if req is None or req.get("op") == "bye":
                    break
                requests.append(req)
            self.before_first_reply = len(requests)
            png = make_png_bytes(4, 4, seed=1)
            png_xxh3 = xxh3_hex(png)
            while True:
                for req in requests:
                    if req["op"] == "get":
                        conn.sendall(self.frame({"id": req["id"], "status": "ok", "name": req["name"],
                                                 "size": len(png), "mtime": 0, "xxh3": png_xxh3}, png))
                    else:
                        conn.sendall(self.frame({"id": req["id"], "status": "ok", "name": req["name"],
                                                 "size": req["size"], "mtime": 0}))
                requests = []
                req = next_frame(10)
                if req is None or req.get("op") == "bye":
                    break
                requests.append(req)
                if req["op"] == "bye":
                    break


class PipeliningTest(IntegrationTest):
    def test_requests_go_out_before_replies_come_back(self):
        for op in ("get", "put"):
            with self.subTest(op=op):
                fake = HoldingServer()
                self.on_cleanup(fake.close)
                if op == "get":
                    args = ["g%02d.png" % i for i in range(10)]
                else:
                    args = make_files(self.work_path("up-" + op), 10)
                res = self.imgsh("%s:%d" % (HOST, fake.port), "m" + op, *args, cwd=self.mkdir("work", "cwd-" + op),
                                 timeout=60)
                self.assertExit(res, 0)
                self.assertEqual(len(res.reports), 11, res.describe())
                fake.thread.join(timeout=10)
                self.assertEqual(fake.before_first_reply, 10,
                                 "requests sent before the first reply came back")


if __name__ == "__main__":
    unittest.main()
