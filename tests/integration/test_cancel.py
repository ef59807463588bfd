"""A client's cancellation (PROTOCOL.md, "cancel"): the cancel frame {"op":"cancel","id":N}
seen by the server mid-get (behind the body it is sending), mid-put (at the end of a body
cut short, the client's side closed) and in place of a put's data frame. The server logs
the request `cancelled` at info (text and JSON), counts it in the stats, keeps nothing and
closes. A connection that simply goes away still says connection_lost."""

import json
import re
import shutil
import socket

from checks import IntegrationTest
from files import listing
from images import shared_big_png
from stammer_relay import StammerRelay
from tmux_screen import TmuxScreen
from wire import MIB, RawClient, frame

BIG_SIDE = 2600  # a ~20 MB PNG: more than loopback's socket buffers hold
# ~41 MB for the get whose body the client stops reading: loopback's autotuned
# buffers on both ends took up to 12 MB before the cancel in 10 runs.
HUGE_SIDE = 3700


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def cancel_frame(rid):
    return frame({"op": "cancel", "id": rid})


class CancelTest(IntegrationTest):
    def start(self, *args):
        return self.start_server("--log-level", "info", *args)

    def stats(self, port):
        with RawClient(port) as c:
            c.hello()
            reply, _ = c.request("stats")
            return reply

    def cancelled(self, stats):
        return stats["errors"].get("cancelled", 0)

    def stored_big(self, name="big.png", side=BIG_SIDE):
        shutil.copyfile(shared_big_png(side, 1), self.root_path(name))
        return name

    def get_partly(self, server, name, cancel, logged):
        """A get whose body the client reads 64 KiB of, then cancels (or just leaves).
        After a cancel the client reads nothing until the server has logged `logged`:
        the server, its socket buffers full, cannot have finished the body meanwhile
        (a client that reads on may get the whole body first, and then the cancel is a
        request of its own)."""
        port = server.port
        c = RawClient(port)
        self.on_cleanup(c.close)
        c.hello()
        rid = c.take_id()
        c.send_frame({"op": "get", "id": rid, "name": name})
        reply, body_len = c.recv_frame_header()
        self.assertEqual(reply["status"], "ok", reply)
        self.assertGreater(body_len, 8 * MIB)
        c.recv_exact(64 * 1024)
        if cancel:
            c.send_raw(cancel_frame(rid))
            c.sock.shutdown(socket.SHUT_WR)
        else:
            c.abort()
        line = server.wait_log(logged, 10)
        self.assertTrue(line, server.log_text())
        if cancel:
            self.assertTrue(c.closed_by_peer(10), "the server closes after a cancel")
        return line

    def put_partly(self, port, data, size, cancel, announced=True):
        """A put whose body stops after `data`; then the cancel frame (or nothing) and the
        client's side closed."""
        c = RawClient(port)
        self.on_cleanup(c.close)
        c.hello()
        rid = c.take_id()
        if announced:
            c.send_frame({"op": "put", "id": rid, "name": "up.png", "size": size})
            reply, _ = c.recv_frame()
            self.assertEqual(reply["status"], "continue", reply)
            c.send_frame({"op": "data", "id": rid}, body=data, body_len=size)
        else:
            c.send_frame({"op": "put", "id": rid, "name": "up.png", "size": size}, body=data, body_len=size)
        if cancel:
            c.send_raw(cancel_frame(rid))
        c.sock.shutdown(socket.SHUT_WR)
        self.assertTrue(c.closed_by_peer(10), "the server closes")
        return c

    def test_get_cancelled_mid_body(self):
        server = self.start()
        name = self.stored_big(side=HUGE_SIDE)
        size = len(read_file(self.root_path(name)))
        before = self.cancelled(self.stats(server.port))
        line = self.get_partly(server, name, cancel=True, logged=r"get big\.png cancelled by the client bytes=(\d+)")
        self.assertLess(int(line.group(1)), size // 2, "the server stopped sending when the cancel came")
        self.assertTrue(server.wait_log(r"\d+ cancelled by the client$", 5), server.log_text())
        self.assertNotIn("connection_lost", server.log_text())
        self.assertRegex(server.log_text(), r" info \S+ get big\.png cancelled")
        self.assertEqual(self.cancelled(self.stats(server.port)) - before, 1)
        self.assertEqual(listing(self.root), [name])

    def test_put_cancelled_mid_body_keeps_nothing(self):
        server = self.start()
        before = self.stats(server.port)
        data = read_file(shared_big_png(BIG_SIDE, 2))
        self.put_partly(server.port, data[:3 * MIB], len(data), cancel=True)
        self.assertTrue(server.wait_log(r"put up\.png cancelled by the client bytes=\d+", 10), server.log_text())
        self.assertNotIn("connection_lost", server.log_text())
        after = self.stats(server.port)
        self.assertEqual(self.cancelled(after) - self.cancelled(before), 1)
        self.assertEqual(after["bytes"]["received"], before["bytes"]["received"], "nothing stored")
        self.assertRootEventually([])
        self.assertEqual(listing(self.root), [], "no temporary left")

    def test_inline_put_cancelled_mid_body(self):
        server = self.start()
        data = read_file(shared_big_png(400, 3))
        self.assertLess(len(data), MIB)
        self.put_partly(server.port, data[:100000], len(data), cancel=True, announced=False)
        self.assertTrue(server.wait_log(r"put up\.png cancelled by the client", 10), server.log_text())
        self.assertEqual(listing(self.root), [], "no temporary left")

    def test_cancel_in_place_of_the_data_frame(self):
        server = self.start()
        with RawClient(server.port) as c:
            c.hello()
            c.send_frame({"op": "put", "id": 7, "name": "up.png", "size": 5 * MIB})
            reply, _ = c.recv_frame()
            self.assertEqual(reply["status"], "continue", reply)
            c.send_raw(cancel_frame(7))
            self.assertTrue(c.closed_by_peer(10))
        self.assertTrue(server.wait_log(r"put up\.png cancelled by the client", 10), server.log_text())
        self.assertEqual(listing(self.root), [])

    def test_json_log_says_cancelled(self):
        server = self.start("--log-format", "json")
        name = self.stored_big()
        self.get_partly(server, name, cancel=True, logged=r'"result":"cancelled"')
        lines = [json.loads(l) for l in server.log_text().splitlines() if '"result":"cancelled"' in l]
        self.assertEqual(len(lines), 1, lines)
        self.assertEqual((lines[0]["op"], lines[0]["name"], lines[0]["code"], lines[0]["level"]),
                         ("get", name, "cancelled", "info"))

    def test_a_dropped_connection_is_still_lost(self):
        server = self.start()
        name = self.stored_big()
        self.get_partly(server, name, cancel=False, logged=r"get big\.png fail connection_lost")
        data = read_file(shared_big_png(BIG_SIDE, 2))
        self.put_partly(server.port, data[:3 * MIB], len(data), cancel=False)
        self.assertTrue(server.wait_log(r"put up\.png fail connection_lost", 10), server.log_text())
        self.assertNotIn("cancelled", server.log_text())
        self.assertEqual(listing(self.root), [name], "no temporary left")

    def test_a_cancel_after_the_request_ended_closes(self):
        server = self.start()
        with RawClient(server.port) as c:
            c.hello()
            reply, _ = c.request("cancel", rid=5)
            self.assertEqual(reply, {"id": 5, "status": "ok"})
            self.assertTrue(c.closed_by_peer(5))
        self.assertTrue(server.wait_log(r"cancel ok nothing in progress to cancel; closing", 5), server.log_text())

    # -- imgsh's Ctrl-C on a real terminal ------------------------------------------------

    def slow_relay(self, port):
        """~1.6 MB/s each way; unlike checks.throttle() it passes a half-close on, as a
        network does, rather than resetting both ends."""
        relay = StammerRelay(port, min_piece=16384, max_piece=16384, min_delay=0.01, max_delay=0.01,
                             abort_on_close=False, max_lifetime=60, sock_buf=64 * 1024)
        relay.start()
        self.on_cleanup(relay.stop)
        return relay

    def ctrl_c_mid_transfer(self, server, command, name):
        relay = self.slow_relay(server.port)
        env = dict(self.shell_env(), XDG_STATE_HOME=self.mkdir("state"))
        s = TmuxScreen(self, [relay.addr], self.work, env)
        s.wait_prompt()
        s.type(command)
        s.keys("Enter")
        s.wait_for(lambda t: re.search(r"%s .*\d+%%.*ETA" % re.escape(name), t), what="the progress bar")
        s.keys("C-c")
        s.wait_for("%s fail interrupted" % command)
        s.wait_prompt()
        return s

    def test_imgsh_ctrl_c_during_get_is_logged_cancelled(self):
        server = self.start()
        name = self.stored_big()
        self.ctrl_c_mid_transfer(server, "get " + name, name)
        self.assertTrue(server.wait_log(r"get big\.png cancelled by the client", 10), server.log_text())
        self.assertNotIn("connection_lost", server.log_text())

    def test_imgsh_ctrl_c_during_put_is_logged_cancelled(self):
        server = self.start()
        shutil.copyfile(shared_big_png(BIG_SIDE, 2), self.work_path("up.png"))
        self.ctrl_c_mid_transfer(server, "put up.png", "up.png")
        self.assertTrue(server.wait_log(r"put up\.png cancelled by the client", 20), server.log_text())
        self.assertNotIn("connection_lost", server.log_text())
        self.assertRootEventually([], timeout=10)
        self.assertEqual(listing(self.root), [], "no temporary left")


if __name__ == "__main__":
    import unittest
    unittest.main()
