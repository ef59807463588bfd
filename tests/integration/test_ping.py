"""ping (PROTOCOL.md section 3): a health check, one frame each way, allowed before hello.

Through a raw socket: ping before hello answers and leaves hello possible; ping after
hello answers too; "sessions" counts the server's open connections; a ping with a body
is refused and (before hello) closes; the server logs each ping like any request.
"""

import unittest

from checks import IntegrationTest
from procs import wait_until


class PingTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self.start_server("--log-level", "debug")  # pings are logged at debug

    def ping(self, client):
        reply, body = client.request("ping")
        self.assertEqual(reply.get("status"), "ok", reply)
        self.assertEqual(body, b"")
        return reply

    def test_ping_before_hello_answers_and_hello_may_follow(self):
        client = self.raw_client(self.server.port)
        reply = self.ping(client)
        self.assertTrue(reply["server"].startswith("imgsrv/"), reply)
        self.assertIsInstance(reply["sessions"], int)
        hello = client.hello()
        self.assertEqual(hello["server"], reply["server"], "ping names the server as hello does")
        listed, _ = client.request("list")
        self.assertEqual(listed["status"], "ok", listed)

    def test_ping_is_one_frame_each_way_then_close(self):
        # A load balancer's probe: connect, ping, read, close; the server logs it and goes on.
        for _ in range(3):
            with self.raw_client(self.server.port) as probe:
                self.ping(probe)
        self.assertTrue(self.server.wait_log(r" ping ok \d+ sessions", 5), self.server.log_text())
        self.assertTrue(self.server.running())
        self.assertRoot([])

    def test_ping_after_hello_answers(self):
        client = self.raw_client(self.server.port)
        client.hello()
        self.ping(client)
        self.ping(client)

    def test_sessions_counts_open_connections(self):
        first = self.raw_client(self.server.port)
        # The test server's start-up probe may still be leaving: wait until this is the only one.
        self.assertTrue(wait_until(lambda: self.ping(first)["sessions"] == 1, 5),
                        "sessions never came down to 1: %r" % self.ping(first))
        others = [self.raw_client(self.server.port) for _ in range(2)]
        for other in others:
            other.hello()
        self.assertEqual(self.ping(first)["sessions"], 3)
        for other in others:
            other.request("bye")
            self.assertTrue(other.closed_by_peer(5))
        # A session leaves the count when its coroutine is over, just after its socket closes.
        self.assertTrue(wait_until(lambda: self.ping(first)["sessions"] == 1, 5),
                        "sessions did not drop back to 1: %r" % self.ping(first))

    def test_ping_with_a_body_is_refused(self):
        opened = self.raw_client(self.server.port)
        opened.hello()
        reply, _ = opened.request("ping", body=b"xyz")
        self.assertEqual((reply["status"], reply["code"]), ("error", "bad_request"), reply)
        self.assertEqual(reply["message"], "ping takes no body")
        self.ping(opened)  # drained: the session goes on
        fresh = self.raw_client(self.server.port)
        reply, _ = fresh.request("ping", body=b"xyz")
        self.assertEqual(reply["code"], "bad_request", reply)
        self.assertTrue(fresh.closed_by_peer(5), "a refusal before hello closes the connection")


if __name__ == "__main__":
    unittest.main()
