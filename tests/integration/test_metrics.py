"""Metrics (issue 15 item 6): the server's counters through the `stats` op (a raw client,
`imgsh stats` and `imgsh --json ... stats`) and through `--metrics-listen` as Prometheus
text (GET /metrics over plain HTTP, read here with urllib and parsed line by line).

A known sequence of requests moves the counters by exactly what it did: requests by op
and result, errors by code, body bytes received and sent, one duration per request. The
endpoint answers GET /metrics and nothing else (404, 405, 400, 431), answers every
connection, and a malformed or silent client never stalls the server nor the endpoint.
"""

import json
import os
import re
import signal
import socket
import time
import urllib.error
import urllib.request

from checks import IntegrationTest
from files import listing
from images import make_png_bytes
from procs import wait_until
from raw_sockets import open_silent
from wire import HOST

METRICS_LINE = re.compile(r"metrics on http://(\S+):(\d+)/metrics")
SAMPLE = re.compile(r'^([a-z_]+)(?:\{([^}]*)\})? (\S+)$')


def parse_prometheus(text):
    """{(name, frozenset of (label, value))): float} from the text exposition format;
    every line must be a comment or a sample."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError("not a sample line: %r" % line)
        labels = frozenset(re.findall(r'([a-z_]+)="([^"]*)"', m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def sample(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class MetricsTest(IntegrationTest):
    def start_with_metrics(self, *args):
        server = self.start_server("--metrics-listen", HOST + ":0", *args)
        self.assertTrue(server.wait_log(METRICS_LINE.pattern, 5), server.log_text())
        m = METRICS_LINE.search(server.log_text())
        return server, int(m.group(2))

    def scrape(self, port, path="/metrics"):
        with urllib.request.urlopen("http://%s:%d%s" % (HOST, port, path), timeout=10) as res:
            self.assertEqual(res.status, 200)
            self.assertTrue(res.headers["Content-Type"].startswith("text/plain; version=0.0.4"), res.headers)
            return parse_prometheus(res.read().decode("utf-8"))

    def stats(self, port):
        with self.raw_client(port) as c:
            c.hello()
            reply, body = c.request("stats")
            self.assertEqual(reply["status"], "ok", reply)
            self.assertEqual(body, b"")
            return reply

    def known_sequence(self, port):
        """Requests with known outcomes on one session; returns the bytes put and sent."""
        data = make_png_bytes(32, 24, seed=3)
        with self.raw_client(port) as c:
            c.hello()
            self.assertEqual(c.put_inline("a.png", data)["status"], "ok")
            self.assertEqual(c.put_inline("a.png", data)["code"], "exists")
            reply, body = c.request("get", name="a.png")
            self.assertEqual((reply["status"], body), ("ok", data))
            self.assertEqual(c.request("get", name="missing.png")[0]["code"], "not_found")
            self.assertEqual(c.request("stat", name="notes.txt")[0]["code"], "unsupported_type")
            reply, listing = c.request("list")
            self.assertEqual(reply["count"], 1)
            self.assertEqual(c.request("chmod", name="a.png")[0]["code"], "unknown_op")
            c.request("bye")
            # A request is counted after its reply is written: the server's close, which
            # follows the count, says the bye is in the figures.
            self.assertEqual(c.sock.recv(1), b"", "the server closes after bye")
        return len(data), len(data) + len(listing)

    def wait_no_session(self, mport):
        """A session leaves the figures after its socket closes, and a request is counted
        after its reply: once no session is open, every earlier request is counted."""
        self.assertTrue(wait_until(lambda: sample(self.scrape(mport), "imgsrv_sessions_open") == 0, 10),
                        "sessions still open")

    def test_stats_counts_a_known_sequence(self):
        server, mport = self.start_with_metrics()
        before = self.stats(server.port)
        received, sent = self.known_sequence(server.port)
        self.wait_no_session(mport)
        after = self.stats(server.port)

        def delta(op, result):
            return after["requests"].get(op, {}).get(result, 0) - before["requests"].get(op, {}).get(result, 0)

        expected = {("put", "ok"): 1, ("put", "fail"): 1, ("get", "ok"): 1, ("get", "fail"): 1,
                    ("stat", "fail"): 1, ("list", "ok"): 1, ("unknown", "fail"): 1, ("bye", "ok"): 1,
                    ("hello", "ok"): 2, ("stats", "ok"): 1}
        for op in set(before["requests"]) | set(after["requests"]) | {k[0] for k in expected}:
            for result in ("ok", "fail"):
                self.assertEqual(delta(op, result), expected.get((op, result), 0), (op, result, before, after))
        errors = {code: n - before["errors"].get(code, 0) for code, n in after["errors"].items()}
        self.assertEqual({c: n for c, n in errors.items() if n},
                         {"exists": 1, "not_found": 1, "unsupported_type": 1, "unknown_op": 1})
        self.assertEqual(after["bytes"]["received"] - before["bytes"]["received"], received)
        self.assertEqual(after["bytes"]["sent"] - before["bytes"]["sent"], sent)
        self.assertGreaterEqual(after["sessions"]["total"] - before["sessions"]["total"], 2)
        self.assertEqual(after["sessions"]["open"], 1, "only the session asking is open")
        # One duration per request, in fixed log-scale buckets: 1 ms .. 100 s, then one above.
        self.assertEqual(after["duration_buckets"], [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100])
        for op, counts in after["requests"].items():
            self.assertEqual(len(counts["durations"]), 12, op)
            self.assertEqual(sum(counts["durations"]), counts["ok"] + counts["fail"], op)
            self.assertGreaterEqual(counts["seconds"], 0)

    def test_errors_by_code_count_a_lost_connection(self):
        server = self.start_server()
        before = self.stats(server.port)
        c = self.raw_client(server.port)
        c.hello()
        c.send_frame({"op": "put", "id": 9, "name": "cut.png", "size": 100000}, body=b"\x89PNG", body_len=100000)
        time.sleep(0.2)
        c.abort()
        self.assertTrue(server.wait_log(r"put cut\.png fail connection_lost", 5), server.log_text())
        after = self.stats(server.port)
        self.assertEqual(after["errors"].get("connection_lost", 0) - before["errors"].get("connection_lost", 0), 1)
        self.assertEqual(after["requests"]["put"]["fail"] - before["requests"].get("put", {}).get("fail", 0), 1)
        self.assertEqual(after["bytes"]["received"], before["bytes"]["received"], "a cut put stored nothing")
        self.assertRoot([])

    def test_stats_needs_hello_and_takes_no_body(self):
        server = self.start_server()
        with self.raw_client(server.port) as c:
            reply, _ = c.request("stats")
            self.assertEqual((reply["code"], reply["message"]), ("bad_request", "the first request must be hello"))
            self.assertTrue(c.closed_by_peer(5))
        with self.raw_client(server.port) as c:
            c.hello()
            reply, _ = c.request("stats", body=b"x")
            self.assertEqual((reply["code"], reply["message"]), ("bad_request", "stats takes no body"))
            self.assertEqual(c.request("stats")[0]["status"], "ok", "the session goes on")

    def test_a_read_only_token_may_ask(self):
        tokens = os.path.join(self.tmp, "tokens")
        rc, out, err = self.run_imgsrv("token", "add", "--ro", "--label", "viewer", "--tokens", tokens)
        self.assertEqual(rc, 0, err)
        token = out.strip().splitlines()[-1]
        server = self.start_server("--tokens", tokens)
        env = dict(self.shell_env(), IMGSH_TOKEN=token)
        res = self.imgsh_env(env, server.addr, "stats")
        self.assertOk(res, op="stats")

    def imgsh_env(self, env, *args):
        from procs import run_imgsh
        return run_imgsh(list(args), cwd=self.work, env=env)

    def test_imgsh_stats_prints_the_table_and_json(self):
        server = self.start_server()
        self.known_sequence(server.port)
        res = self.imgsh(server.addr, "stats")
        self.assertOk(res, op="stats")
        out = res.stdout
        self.assertRegex(out, r"(?m)^server: +imgsrv/\S+, up \d+")
        self.assertRegex(out, r"(?m)^put +1 +1 +\d+\.\d$")
        self.assertRegex(out, r"(?m)^get +1 +1 +\d+\.\d$")
        self.assertRegex(out, r"(?m)^  not_found +1$")
        self.assertRegex(out, r"(?m)^  exists +1$")
        res = self.imgsh("--json", server.addr, "stats")
        self.assertEqual(res.returncode, 0, res.describe())
        obj = json.loads(res.stdout.strip().splitlines()[-1])
        self.assertEqual((obj["op"], obj["status"]), ("stats", "ok"), obj)
        self.assertEqual(obj["requests"]["put"], dict(obj["requests"]["put"], ok=1, fail=1))
        self.assertEqual(obj["errors"]["unsupported_type"], 1)
        self.assertGreater(obj["bytes"]["received"], 0)

    def test_endpoint_agrees_with_the_stats_op(self):
        server, mport = self.start_with_metrics()
        received, sent = self.known_sequence(server.port)
        text = self.scrape(mport)
        stats = self.stats(server.port)  # after the scrape: its own hello is the one request more
        stats["requests"]["hello"]["ok"] -= 1
        for op, counts in stats["requests"].items():
            if op == "stats":
                continue
            for result in ("ok", "fail"):
                self.assertEqual(sample(text, "imgsrv_requests_total", op=op, result=result), counts[result], op)
            # Cumulative buckets, +Inf equal to _count, equal to the requests of the op.
            buckets = [sample(text, "imgsrv_request_duration_seconds_bucket", op=op, le=le)
                       for le in ("0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10", "30", "100", "+Inf")]
            self.assertEqual(buckets, sorted(buckets), op)
            self.assertEqual(buckets[-1], counts["ok"] + counts["fail"], op)
            self.assertEqual(sample(text, "imgsrv_request_duration_seconds_count", op=op), buckets[-1])
        for code, n in stats["errors"].items():
            self.assertEqual(sample(text, "imgsrv_errors_total", code=code), n, code)
        self.assertEqual(sample(text, "imgsrv_received_bytes_total"), received)
        self.assertEqual(sample(text, "imgsrv_sent_bytes_total"), sent)
        self.assertEqual(sample(text, "imgsrv_sessions_total"), stats["sessions"]["total"] - 1)

    def test_endpoint_serves_nothing_else(self):
        server, mport = self.start_with_metrics()
        for path, status in (("/", 404), ("/metrics/x", 404), ("/../etc/passwd", 404), ("/stats", 404)):
            with self.assertRaises(urllib.error.HTTPError) as e:
                urllib.request.urlopen("http://%s:%d%s" % (HOST, mport, path), timeout=10)
            self.assertEqual(e.exception.code, status, path)
        for method in ("POST", "PUT", "DELETE", "HEAD"):
            req = urllib.request.Request("http://%s:%d/metrics" % (HOST, mport), method=method, data=b"x")
            with self.assertRaises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req, timeout=10)
            self.assertEqual(e.exception.code, 405, method)
            self.assertEqual(e.exception.headers["Allow"], "GET")
        self.scrape(mport, "/metrics?name[]=x")  # a query string is ignored
        self.assertEqual(listing(self.root), [])

    def raw_http(self, port, data, close_write=False, timeout=5):
        """Sends `data`; returns (status line, seconds until the server closed)."""
        start = time.monotonic()
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            if data:
                s.sendall(data)
            if close_write:
                s.shutdown(socket.SHUT_WR)
            got = b""
            while True:
                piece = s.recv(65536)
                if not piece:
                    break
                got += piece
        return got.split(b"\r\n", 1)[0].decode("latin-1"), time.monotonic() - start

    def test_malformed_requests_get_400_at_once(self):
        server, mport = self.start_with_metrics()
        for data in (b"hello\r\n", b"GET /metrics\r\n", b"GET  /metrics HTTP/1.1\r\n", b"GET /metrics HTTP/2\r\n",
                     b"get /metrics HTTP/1.1\r\n", b"GET metrics HTTP/1.1\r\n", b"\x16\x03\x01\x02\x00\x01\r\n",
                     b"GET /m\x1betrics HTTP/1.1\r\n"):
            status, took = self.raw_http(mport, data)
            self.assertEqual(status, "HTTP/1.1 400 Bad Request", data)
            self.assertLess(took, 2.5, "answered without waiting for the deadline: %r" % data)
        status, _ = self.raw_http(mport, b"GET /metrics HTTP/1.1\r\nHost: x", close_write=True)
        self.assertEqual(status, "HTTP/1.1 400 Bad Request", "a head cut short")
        status, _ = self.raw_http(mport, b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 9000)
        self.assertEqual(status, "HTTP/1.1 431 Request Header Fields Too Large")
        self.scrape(mport)
        self.assertServerServes(server)

    def test_a_silent_client_never_stalls_the_endpoint(self):
        server, mport = self.start_with_metrics()
        silent = open_silent(mport, 3)
        dribble = socket.create_connection((HOST, mport), timeout=10)
        dribble.sendall(b"GET /metr")
        start = time.monotonic()
        self.scrape(mport)  # served while the others wait
        self.assertLess(time.monotonic() - start, 2)
        for s in silent + [dribble]:
            self.assertEqual(s.recv(100), b"", "closed without an answer at the deadline")
            s.close()
        self.assertLess(time.monotonic() - start, 8)
        self.assertTrue(server.wait_log(r"metrics \S+ closed without an answer", 5), server.log_text())
        self.assertServerServes(server)

    def test_sigterm_stops_a_server_with_an_endpoint(self):
        server, mport = self.start_with_metrics()
        self.scrape(mport)
        server.proc.send_signal(signal.SIGTERM)
        self.assertEqual(server.proc.wait(10), 0, server.log_text())
        self.assertIn("imgsrv stopped", server.log_text())

    def test_bad_listen_address_is_refused(self):
        for value in ("9100", "localhost:9100", "127.0.0.1:", "127.0.0.1:70000", "[::1]9100"):
            rc, out, err = self.run_imgsrv("--metrics-listen", value, "--root", self.root, "0")
            self.assertEqual(rc, 2, err)
            self.assertIn("--metrics-listen: '%s' is not ADDR:PORT" % value, err)
        rc, out, err = self.run_imgsrv("--metrics-listen", "nope", "--check-config", "--root", self.root, "0")
        self.assertEqual(rc, 2, err)
        self.assertEqual(listing(self.root), [])

    def test_port_taken(self):
        with socket.socket() as taken:
            taken.bind((HOST, 0))
            taken.listen()
            port = taken.getsockname()[1]
            rc, out, err = self.run_imgsrv("--bind", HOST, "--metrics-listen", "%s:%d" % (HOST, port),
                                           "--root", self.root, "0")
        self.assertEqual(rc, 2, err)
        self.assertIn("--metrics-listen %s:%d: the port is already in use" % (HOST, port), err)
