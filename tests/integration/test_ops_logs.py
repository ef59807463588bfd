"""imgsrv's log as operators read it: --log-format json (every line parsed), journald
mode (JOURNAL_STREAM: <N> priorities, no own timestamps), request lines with bytes and
duration, routine lines at debug (hello, bye, ping, a TCP probe that sends nothing), an
idle close at info, and the summary line of a transfer cut at the end of the grace period.
"""

import json
import os
import re
import signal
import socket
import time
import unittest

from checks import IntegrationTest
from images import make_png
from imgsrv_process import ImgsrvProcess
from procs import wait_until
from wire import HOST, MIB, RawClient

TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4} (trace|debug|info|warning|error|critical) ")


def request_lines(log, op):
    return [l for l in log.splitlines() if re.search(r"^\S+ \S+ \S+:\d+ %s " % op, l)]


class OpsLogTest(IntegrationTest):
    def test_json_lines_all_parse_and_request_lines_carry_their_fields(self):
        src = make_png(self.work_path("cat.png"), 32, 32, seed=5)
        size = os.path.getsize(src)
        server = self.start_server("--log-format", "json")
        self.assertOk(self.imgsh(server.addr, "put", src), op="put")
        with RawClient(server.port) as c:
            c.hello()
            c.request("stat", name="nul\x1b[31m.png")
        self.assertTrue(server.wait_log(r'"op":"stat"'), server.log_text())
        objects = []
        for line in server.log_text().splitlines():
            obj = json.loads(line)  # every line, start-up ones included
            self.assertIn("time", obj)
            self.assertIn("level", obj)
            objects.append(obj)
        puts = [o for o in objects if o.get("op") == "put"]
        self.assertEqual(len(puts), 1, objects)
        put = puts[0]
        self.assertEqual((put["level"], put["name"], put["result"], put["bytes"]), ("info", "cat.png", "ok", size))
        self.assertRegex(put["client"], r"^127\.0\.0\.1:\d+$")
        self.assertIsInstance(put["duration_ms"], (int, float))
        self.assertNotIn("code", put)
        stat = [o for o in objects if o.get("op") == "stat"][0]
        self.assertEqual((stat["result"], stat["code"]), ("fail", "invalid_name"))
        self.assertNotIn("\x1b", stat["name"], "text from outside is escaped")
        self.assertTrue(any("listening on" in o.get("msg", "") for o in objects))

    def test_journald_lines_have_priorities_and_no_timestamps(self):
        log = os.path.join(self.tmp, "journal.log")
        with open(log, "w"):
            pass
        st = os.stat(log)
        env = {"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)}
        # JOURNAL_STREAM names another file than imgsrv's stderr: not the journal.
        server = ImgsrvProcess(self.root, env=env)
        server.start()
        self.addCleanup(server.close)
        self.assertTrue(TEXT_LINE.match(server.log_text().splitlines()[0]),
                        "JOURNAL_STREAM naming another file changes nothing")
        server.close()
        journal = JournalServer(self.root)
        journal.start()
        self.addCleanup(journal.close)
        with RawClient(journal.port) as c:
            c.hello()
            c.request("list")
        self.assertTrue(wait_until(lambda: " list ok " in journal.log_text(), 5), journal.log_text())
        lines = journal.log_text().splitlines()
        for line in lines:
            self.assertRegex(line, r"^<[2-7]>(info|warning|error|debug) ", lines)
            self.assertFalse(re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", line), line)
        self.assertTrue(any(re.match(r"^<6>info 127\.0\.0\.1:\d+ list ok ", l) for l in lines), lines)

    def test_one_shot_ls_costs_two_info_lines_and_probes_and_pings_none(self):
        server = self.start_server()
        before = len(server.log_text().splitlines())
        self.assertOk(self.imgsh(server.addr, "ls"))
        self.assertTrue(server.wait_log(r" list ok "), server.log_text())
        for _ in range(3):  # TCP health probes: connect, close without a byte
            socket.create_connection((HOST, server.port), timeout=5).close()
        with RawClient(server.port) as c:  # a ping probe
            c.request("ping")
        time.sleep(0.5)
        new = server.log_text().splitlines()[before:]
        self.assertEqual(len(new), 2, new)
        self.assertRegex(new[0], r" info 127\.0\.0\.1:\d+ hello ok client imgsh/\S+ bytes=0 ms=\d+\.\d$")
        self.assertRegex(new[1], r" info 127\.0\.0\.1:\d+ list ok 0 files bytes=2 ms=\d+\.\d$")
        # The same at debug: everything is there.
        debug = self.start_server("--log-level", "debug", root=self.mkdir("r2"))
        with RawClient(debug.port) as c:
            c.request("ping")
        socket.create_connection((HOST, debug.port), timeout=5).close()
        self.assertTrue(debug.wait_log(r" debug 127\.0\.0\.1:\d+ ping ok "), debug.log_text())
        self.assertTrue(debug.wait_log(r" debug 127\.0\.0\.1:\d+ connected$"), debug.log_text())
        self.assertTrue(debug.wait_log(r" debug 127\.0\.0\.1:\d+ closed by client$"), debug.log_text())

    def test_idle_close_is_info(self):
        server = self.start_server("--idle-timeout", "0.5")
        with RawClient(server.port) as c:
            c.hello()
            self.assertTrue(c.closed_by_peer(5))
        self.assertTrue(server.wait_log(r" info 127\.0\.0\.1:\d+ timeout no request for 0\.5 s"), server.log_text())
        self.assertNotIn(" warning ", server.log_text())

    def test_transfer_cut_at_end_of_grace_period_gets_its_summary_line(self):
        make_png(self.root_path("big.png"), level=0, pad_to=64 * MIB)  # a real image: only images are served
        server = self.start_server("--grace-period", "0.5")
        c = self.raw_client(server.port)
        c.hello()
        c.send_frame({"op": "get", "id": c.take_id(), "name": "big.png"})  # and never read the reply
        self.assertTrue(c.reply_arriving(), "no reply to the get")  # the body follows its checksum
        time.sleep(0.5)
        server.proc.send_signal(signal.SIGTERM)
        self.assertTrue(wait_until(lambda: server.proc.poll() is not None, 15), "imgsrv still running")
        m = re.search(r" warning 127\.0\.0\.1:\d+ get big\.png fail shutdown: cut at shutdown[^\n]* bytes=(\d+) ms=",
                      server.log_text())
        self.assertTrue(m, server.log_text())
        self.assertGreater(int(m.group(1)), 0, "the bytes sent so far")
        self.assertLess(int(m.group(1)), 64 * MIB)
        self.assertTrue(os.path.exists(self.root_path("big.png")))


class JournalServer(ImgsrvProcess):
    """An imgsrv whose stderr is a file that JOURNAL_STREAM names, as systemd sets it."""

    def start(self):
        import subprocess
        import tempfile
        from procs import IMGSRV
        fd, self.log_path = tempfile.mkstemp(prefix="imgsrv-journal-", suffix=".log")
        st = os.fstat(fd)
        env = dict(self.env, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
        with os.fdopen(fd, "wb") as log:
            self.proc = subprocess.Popen([IMGSRV, "--bind", HOST, "--root", self.root, "0"],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
        m = wait_until(lambda: re.search(r"listening on \S+ port (\d+),", self.log_text()), 8)
        if not m:
            self.close()
            raise AssertionError("no listening line:\n" + self.log_text())
        self.port = int(m.group(1))
        return self


if __name__ == "__main__":
    unittest.main()
