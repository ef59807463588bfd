"""Silent connections cannot lock everyone out (issue 12, item 3): a connection that
sends no hello is closed after --hello-timeout; one address cannot hold more than
--max-sessions-per-address sessions; a descriptor limit too low for --max-sessions
lowers the session limit with a warning, so established clients keep working."""
import resource
import socket
import time
import unittest

from checks import IntegrationTest
from images import make_png_bytes
from procs import wait_until
from raw_sockets import open_silent
from wire import HOST, RawClient


def raw_client_from(source, port, timeout=10.0):
    """A RawClient whose connection comes from `source` (another loopback address)."""
    c = RawClient.__new__(RawClient)
    c.sock = socket.create_connection((HOST, port), timeout=timeout, source_address=(source, 0))
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.next_id = 1
    return c


def try_hello(port):
    """The reply to a hello on a new connection, or None if the connection failed."""
    try:
        with RawClient(port, timeout=3.0) as c:
            reply, _ = c.request("hello", version=1, client="imgsh-tests/1.0")
            return reply
    except OSError:
        return None


class SilentClients(IntegrationTest):
    def start_quiet_server(self, *args, **kwargs):
        """A server no connection has reached yet (Server.start() waits for its
        "listening" line, not a connection), so counts start at 0; at debug, so the
        silent connections' closes are logged."""
        return self.start_server("--log-level", "debug", *args, **kwargs)

    def open_silent(self, port, count):
        socks = open_silent(port, count)
        for s in socks:
            self.on_cleanup(s.close)
        return socks

    def hold_sessions(self, port, count):
        """`count` sessions past their hello, held open."""
        held = []
        for _ in range(count):
            c = self.raw_client(port)
            c.hello()
            held.append(c)
        return held

    def assertRefusedBusy(self, port, *texts):
        """A new connection is told `busy`, its message naming each of texts; returns it."""
        extra = self.raw_client(port)
        header, _ = extra.recv_frame()
        self.assertEqual(header.get("code"), "busy")
        for text in texts:
            self.assertIn(text, header.get("message", ""))
        return extra

    def test_silent_connections_are_closed_at_the_hello_deadline(self):
        server = self.start_server("--max-sessions", "20", "--hello-timeout", "1",
                                   "--max-sessions-per-address", "64")
        silent = self.open_silent(server.port, 30)
        self.assertTrue(server.wait_log(r"refused: server busy: 20 sessions open", timeout=5),
                        "30 silent connections did not fill 20 sessions")
        # Within a few hello deadlines a real client gets in, though nobody silent left.
        started = time.monotonic()
        reply = wait_until(lambda: (lambda r: r if r and r.get("status") == "ok" else None)(try_hello(server.port)),
                           timeout=6.0, interval=0.2)
        self.assertIsNotNone(reply, "a real client was kept out by silent connections for 6 s")
        self.assertLess(time.monotonic() - started, 6.0)
        # The silent ones were told why (or refused busy at once), then closed.
        c = RawClient.__new__(RawClient)
        c.sock, c.next_id = silent[0], 1
        header, _ = c.recv_frame()
        self.assertEqual(header.get("code"), "timeout")
        self.assertIn("no hello within 1 s", header.get("message", ""))
        self.assertTrue(c.closed_by_peer(timeout=3))
        self.assertTrue(server.wait_log(r"timed out \(hello\)"))

    def test_hello_deadline_is_absolute_not_per_byte(self):
        server = self.start_server("--hello-timeout", "1", "--header-timeout", "30")
        c = self.raw_client(server.port)
        started = time.monotonic()
        # A header started and never finished: the header timeout (30 s) does not apply.
        c.send_raw(b"\x00")
        self.assertTrue(c.closed_by_peer(timeout=4), "a dribbling client outlived the hello deadline")
        self.assertLess(time.monotonic() - started, 4)

    def test_per_address_cap_answers_busy_and_other_addresses_get_in(self):
        server = self.start_quiet_server("--max-sessions", "20", "--max-sessions-per-address", "3")
        held = self.hold_sessions(server.port, 3)
        extra = self.assertRefusedBusy(server.port, "3 sessions already open from", "per address")
        self.assertTrue(extra.closed_by_peer(timeout=3))
        other = raw_client_from("127.0.0.2", server.port)
        self.on_cleanup(other.close)
        self.assertEqual(other.hello().get("status"), "ok")
        self.assertSessionGoesOn(other, "a session from 127.0.0.2")
        # The held sessions go on, and a slot freed is a slot for the same address.
        self.assertSessionGoesOn(held[0], "a held session")
        held.pop().close()
        self.assertTrue(wait_until(lambda: (try_hello(server.port) or {}).get("status") == "ok", timeout=5))

    def test_low_descriptor_limit_clamps_sessions_with_a_warning(self):
        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (120, 120))
        data = make_png_bytes(8, 8)
        with open(self.root_path("kept.png"), "wb") as f:
            f.write(data)
        server = self.start_quiet_server("--max-sessions", "100", preexec_fn=low_limit)
        # (120 - 64 reserved) / 2 per session = 28 sessions.
        self.assertTrue(server.wait_log(r"file descriptor limit 120 .* --max-sessions 100 .*serving at most 28 "
                                        r"sessions"), server.log_text())
        held = self.hold_sessions(server.port, 28)
        self.assertRefusedBusy(server.port, "28 sessions open")
        # Established clients still get files: the limit left them their descriptors.
        for c in held[:5]:
            reply, body = c.request("get", name="kept.png")
            self.assertEqual(reply.get("status"), "ok", reply)
            self.assertEqual(body, data)
        self.assertNotIn("Too many open files", server.log_text())


if __name__ == "__main__":
    unittest.main()
