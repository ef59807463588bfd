"""Resuming an upload (issue 14, "Resume"): a `put -c` / `reput` announces the whole
file's xxh3 with `"resume": true`; when it is cut (the client killed, the connection
lost, the server stopped) the server keeps its temporary, hidden, as
`.imgsrv-tmp.<node>.resume-<hash of name, size, xxh3>`, for --resume-window; the next
`reput` of the same name, size and content learns from the continue's offset how much
arrived and sends only the rest; the server checks the whole file's xxh3 before the
name appears. Other content never continues a kept upload, a mix is never published,
kept uploads expire (timer, and the start-up sweep), and a plain put keeps nothing.
Stored files are compared with the local ones by xxhsum (wire.xxh3_hex).
"""

import os
import re
import signal
import time

from checks import IntegrationTest
from files import hidden_entries, listing, read_bytes
from images import make_png
from procs import wait_until
from wire import MIB, RawClient, xxh3_hex

SIZE = 4400000
KEPT = re.compile(r"^\.imgsrv-tmp\.[A-Za-z0-9_-]+\.resume-[0-9a-f]{32}$")


class ReputTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.src = self.mkdir("src")
        # ~4.3 MB of incompressible pixels padded (ancillary chunk) to 4.4 MB, so other
        # content can have the same size: ~2.7 s through the throttling relay
        self.original = make_png(os.path.join(self.src, "big.png"), 1200, 1200, seed=14, level=0, pad_to=SIZE)
        self.data = read_bytes(self.original)
        self.xxh3 = xxh3_hex(path=self.original)

    def start(self, *args):
        self.server = self.start_server(*args)
        return self.server

    def kill_mid_put(self, *command, server=None):
        """Runs `command` (an upload of big.png) through a throttling relay, SIGKILLs
        imgsh once 1 MiB has passed and cuts the relay; waits until the server has
        logged the cut put."""
        server = server or self.server
        relay = self.throttle(server.port)
        before = server.log_text().count(" put big.png fail")
        proc, finish = self.spawn_imgsh(relay.addr, *command, cwd=self.src, name="killed")
        going = wait_until(lambda: relay.bytes_c2s > MIB or proc.poll() is not None, 20)
        self.assertTrue(going and proc.poll() is None, "upload did not get going")
        proc.send_signal(signal.SIGKILL)
        finish(10)
        # What the dead imgsh had already handed its kernel would still drain through the
        # relay: cut it, so the server loses the connection now, mid-body.
        relay.cut_all()
        self.assertTrue(wait_until(lambda: server.log_text().count(" put big.png fail") > before, 20),
                        "the server did not log the cut put:\n" + server.log_text())

    def kept_upload(self):
        """The one kept upload in the root (asserted: nothing else hidden), its bytes."""
        hidden = hidden_entries(self.root)
        self.assertEqual(len(hidden), 1, hidden)
        self.assertRegex(hidden[0], KEPT)
        return read_bytes(self.root_path(hidden[0]))

    def assertKeptPrefix(self):
        kept = self.kept_upload()
        self.assertTrue(MIB // 2 < len(kept) < len(self.data), len(kept))
        self.assertEqual(kept, self.data[:len(kept)], "the kept upload is not the file's first bytes")
        return len(kept)

    def assertStored(self, data):
        self.assertEqual(listing(self.root), ["big.png"], "a temporary is left, or the name is missing")
        self.assertEqual(xxh3_hex(path=self.root_path("big.png")), xxh3_hex(data))  # xxhsum -H2

    def test_imgsh_killed_mid_put_c_then_reput_completes_byte_identical(self):
        self.start()
        self.kill_mid_put("put", "-c", "big.png")
        kept = self.assertKeptPrefix()
        # never listed, never served under a name
        res = self.imgsh(self.server.addr, "ls")
        self.assertOk(res, op="list")
        self.assertEqual(res.stdout.split(), [])
        res = self.imgsh(self.server.addr, "reput", "big.png", cwd=self.src)
        self.assertOk(res, op="put", file="big.png")
        self.assertIn("resumed at ", res.reports[0].message)
        self.assertIn("%d bytes kept by the server, %d sent" % (kept, len(self.data) - kept),
                      res.reports[0].message)
        self.assertStored(self.data)
        # only the rest travelled
        self.assertIn("stored %d bytes, %d received, resumed at offset %d" % (len(self.data), len(self.data) - kept, kept),
                      self.server.log_text())

    def test_a_cut_put_c_says_the_server_keeps_what_arrived(self):
        self.start()
        relay = self.throttle(self.server.port)
        proc, finish = self.spawn_imgsh(relay.addr, "put", "-c", "big.png", cwd=self.src, name="cut")
        going = wait_until(lambda: relay.bytes_c2s > MIB or proc.poll() is not None, 20)
        self.assertTrue(going and proc.poll() is None, "upload did not get going")
        relay.cut_all()
        res = finish(30)
        self.assertFail(res, "connection_lost", op="put", file="big.png", status=res.returncode)
        self.assertRegex(res.reports[0].message, r"sent [0-9.]+ (KiB|MiB); the server keeps what arrived for reput")
        self.assertTrue(wait_until(lambda: len(hidden_entries(self.root)) == 1 and
                                   " put big.png fail" in self.server.log_text(), 20))
        self.assertKeptPrefix()

    def test_other_content_of_the_same_name_and_size_starts_from_zero(self):
        self.start()
        self.kill_mid_put("put", "-c", "big.png")
        self.assertKeptPrefix()
        other = make_png(self.mkdir("other") + "/big.png", 1200, 1200, seed=15, level=0, pad_to=SIZE)
        other_data = read_bytes(other)
        self.assertEqual(len(other_data), len(self.data))
        self.assertNotEqual(other_data, self.data)
        res = self.imgsh(self.server.addr, "put", "-c", other, "big.png")
        self.assertOk(res, op="put", file="big.png")
        self.assertIn("nothing kept to resume, all sent", res.reports[0].message)
        # the kept upload of the other content is still there, untouched, and never listed
        self.assertEqual(len(hidden_entries(self.root)), 1)
        self.assertEqual(xxh3_hex(path=self.root_path("big.png")), xxh3_hex(other_data))

    def test_a_resumed_put_whose_rest_does_not_match_is_refused_and_drops_what_was_kept(self):
        self.start()
        self.kill_mid_put("put", "-c", "big.png")
        kept = self.assertKeptPrefix()
        wrong = bytearray(self.data[kept:])
        wrong[100] ^= 0xFF
        wrong = bytes(wrong)
        with RawClient(self.server.port) as c:
            c.hello()
            rid = c.take_id()
            c.send_frame({"op": "put", "id": rid, "name": "big.png", "size": len(self.data),
                          "resume": True, "xxh3": self.xxh3})
            reply, _ = c.recv_frame()
            self.assertEqual(reply["status"], "continue", reply)
            self.assertEqual(reply["offset"], kept)
            c.send_frame({"op": "data", "id": rid}, wrong)
            c.send_trailer(rid, wrong)
            reply, _ = c.recv_frame()
        self.assertEqual(reply.get("code"), "checksum_mismatch", reply)
        self.assertEqual(listing(self.root), [], "a mix was published or the kept upload stayed")

    def test_resume_fields_are_checked(self):
        self.start()
        body = self.data[:1000]
        cases = [
            ({"resume": True}, b""),  # no xxh3
            ({"resume": "yes", "xxh3": self.xxh3}, b""),
            ({"resume": True, "xxh3": "XYZ"}, b""),
            ({"resume": True, "xxh3": self.xxh3}, body),  # inline: resume needs an announced put
        ]
        with RawClient(self.server.port) as c:
            c.hello()
            for fields, inline in cases:
                reply, _ = c.request("put", body=inline, name="big.png", size=len(self.data) if not inline else len(inline),
                                     **fields)
                self.assertEqual(reply.get("code"), "bad_request", (fields, reply))
        self.assertEqual(listing(self.root), [])

    def test_a_kept_upload_expires_after_the_resume_window(self):
        self.start("--resume-window", "3")
        self.kill_mid_put("put", "-c", "big.png")
        self.assertKeptPrefix()
        self.assertTrue(wait_until(lambda: listing(self.root) == [], 15), listing(self.root))

    def test_resume_window_0_keeps_nothing(self):
        self.start("--resume-window", "0")
        self.kill_mid_put("put", "-c", "big.png")
        self.assertEqual(listing(self.root), [])

    def test_a_plain_put_still_keeps_nothing(self):
        self.start()
        self.kill_mid_put("put", "big.png")
        self.assertEqual(listing(self.root), [])

    def test_a_restart_keeps_an_unexpired_kept_upload_and_reput_resumes_from_it(self):
        # SIGTERM keeps it too; the new server (another port, so another default node id)
        # adopts it: in an exclusive root every kept upload is the one server's.
        first = self.start()
        self.kill_mid_put("put", "-c", "big.png")
        kept = self.assertKeptPrefix()
        first.stop()
        # within the window: the start-up sweep keeps it, and reput resumes from it
        second = self.start_server()
        self.assertEqual(len(hidden_entries(self.root)), 1)
        self.assertNotIn("stale temporary", second.log_text())
        res = self.imgsh(second.addr, "reput", "big.png", cwd=self.src)
        self.assertOk(res, op="put", file="big.png")
        self.assertIn("%d bytes kept by the server" % kept, res.reports[0].message)
        self.assertStored(self.data)
        second.stop()

    def test_the_start_up_sweep_removes_an_expired_kept_upload(self):
        first = self.start()
        self.kill_mid_put("put", "-c", "big.png")
        self.assertKeptPrefix()
        first.stop()
        kept_name = hidden_entries(self.root)[0]
        old = time.time() - 3600
        os.utime(self.root_path(kept_name), (old, old))
        second = self.start_server("--resume-window", "600")
        self.assertIn("removed 1 stale temporary files", second.log_text())
        self.assertEqual(listing(self.root), [])
