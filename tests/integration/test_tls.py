"""TLS between imgsh and imgsrv: round trips, and every check that must refuse.

The set-up makes, with the openssl command, a test CA, a server certificate signed by it
for localhost and 127.0.0.1, a second one for localhost only, and an unrelated CA. Each
refusal is asserted by its exit status (2, like any connection failure) and by the words
that say which check failed.
"""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from checks import IntegrationTest
from files import listing, sha256_file
from images import make_jpeg, make_png
from raw_sockets import open_silent, read_frame
from procs import IMGSRV, feed_and_close, wait_until
from wire import HOST, MIB, frame

PKI = None  # directory of the certificates made once per module


def _openssl(*args):
    res = subprocess.run(["openssl"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         cwd=PKI, timeout=60)
    if res.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (" ".join(args), res.stderr.decode(errors="replace")))


def _make_ca(name, subject):
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", name + ".key", "-out", name + ".pem", "-days", "3", "-subj", subject)


def _make_server_cert(name, ca, san):
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=localhost")
    with open(os.path.join(PKI, name + ".ext"), "w") as f:
        f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n" % san)
    _openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
             "-CAcreateserial", "-out", name + ".pem", "-days", "3", "-extfile", name + ".ext")


def setUpModule():
    global PKI
    PKI = tempfile.mkdtemp(prefix="imgsh-pki-")
    _make_ca("ca", "/CN=imgsh test CA")
    _make_ca("other-ca", "/CN=unrelated CA")
    _make_server_cert("server", "ca", "DNS:localhost,IP:127.0.0.1")
    _make_server_cert("localhost-only", "ca", "DNS:localhost")


def tearDownModule():
    shutil.rmtree(PKI, True)


def pki(name):
    return os.path.join(PKI, name)


class TlsBase(IntegrationTest):
    def start_tls_server(self, cert="server", *extra, root=None, port=None):
        return self.start_server("--tls-cert", pki(cert + ".pem"), "--tls-key", pki(cert + ".key"),
                                 *extra, root=root, port=port)

    def tls_shell(self, server, *args, ca="ca", host=HOST, **kw):
        return self.imgsh("--ca", pki(ca + ".pem"), "imgs://%s:%d" % (host, server.port), *args, **kw)

    def assertRefused(self, res, *words):
        """Exit status 2, and stderr says which check failed."""
        self.assertExit(res, 2)
        for w in words:
            self.assertIn(w, res.stderr, res.describe())

    def s_client(self, port, *args):
        res = subprocess.run(["openssl", "s_client", "-connect", "%s:%d" % (HOST, port),
                              "-CAfile", pki("ca.pem")] + list(args),
                             input=b"", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        return res.returncode, res.stdout.decode(errors="replace")


class TlsRoundTripTest(TlsBase):
    def setUp(self):
        super().setUp()
        self.server = self.start_tls_server()

    def roundtrip(self, source):
        name = os.path.basename(source)
        res = self.tls_shell(self.server, "put", source)
        self.assertOk(res, op="put", file=name, server=self.server)
        self.assertEqual(sha256_file(self.root_path(name)), sha256_file(source))
        dl = self.mkdir("dl-" + name)
        res = self.tls_shell(self.server, "get", name, cwd=dl)
        self.assertOk(res, op="get", file=name, server=self.server)
        self.assertEqual(sha256_file(os.path.join(dl, name)), sha256_file(source),
                         "the file came back different over TLS")

    def test_jpeg_and_png_round_trip(self):
        self.roundtrip(make_jpeg(self.work_path("tls.jpg"), 240, 160, seed=61))
        self.roundtrip(make_png(self.work_path("tls.png"), 64, 48, seed=62))

    def test_announced_put_and_get_over_one_mib(self):
        big = make_png(self.work_path("big.png"), 1024, 700, seed=63, level=0)  # ~2.1 MB
        self.assertGreater(os.path.getsize(big), 2 * MIB)
        self.roundtrip(big)

    def test_get_of_a_large_stored_file(self):
        big = make_png(self.root_path("stored.png"), 1200, 1000, seed=64, level=0)  # ~3.6 MB
        dl = self.mkdir("dl")
        res = self.tls_shell(self.server, "get", "stored.png", cwd=dl)
        self.assertOk(res, op="get", file="stored.png")
        self.assertEqual(sha256_file(os.path.join(dl, "stored.png")), sha256_file(big))

    def test_target_by_name_and_tls_flag(self):
        make_png(self.root_path("a.png"), 8, 8, seed=65)
        res = self.imgsh("--tls", "--ca", pki("ca.pem"), "localhost:%d" % self.server.port, "ls")
        self.assertOk(res, op="list")
        self.assertIn("a.png", res.other_lines)
        # the classic HOST PORT form too
        res = self.imgsh("--tls", "--ca", pki("ca.pem"), "localhost", str(self.server.port), "list")
        self.assertOk(res, op="list")

    def test_startup_log_says_tls_and_subject(self):
        self.assertTrue(self.server.wait_log(r"TLS on \(TLS 1\.3 only\), certificate subject: CN = localhost"),
                        self.server.log_text())
        plain = self.start_server(root=self.mkdir("plain-root"))
        self.assertTrue(plain.wait_log(r"plain TCP, no TLS"), plain.log_text())


class TlsRefusalTest(TlsBase):
    def setUp(self):
        super().setUp()
        self.server = self.start_tls_server()

    def test_unknown_ca(self):
        res = self.tls_shell(self.server, "ls", ca="other-ca")
        self.assertRefused(res, "unknown CA")
        self.assertEqual(res.reports, [])

    def test_system_store_does_not_know_the_test_ca(self):
        res = self.imgsh("imgs://localhost:%d" % self.server.port, "ls")
        self.assertRefused(res, "unknown CA")

    def test_host_name_mismatch(self):
        server = self.start_tls_server("localhost-only", root=self.mkdir("lh-root"))
        res = self.tls_shell(server, "ls", host="127.0.0.1")
        self.assertRefused(res, "host name mismatch", "127.0.0.1")
        res = self.tls_shell(server, "ls", host="localhost")
        self.assertOk(res, op="list")

    def test_plain_client_against_tls_server(self):
        res = self.imgsh(self.server.addr, "ls")
        self.assertRefused(res, "tls_required", "--tls")
        self.assertTrue(self.server.wait_log(r"refused a plain \(non-TLS\) client"), self.server.log_text())

    def test_tls_client_against_plain_server(self):
        plain = self.start_server(root=self.mkdir("plain-root"))
        res = self.tls_shell(plain, "ls")
        self.assertRefused(res, "does not speak TLS")

    def test_insecure_connects_but_warns(self):
        res = self.imgsh("--insecure", "imgs://%s:%d" % (HOST, self.server.port), "ls")
        self.assertOk(res, op="list")
        self.assertIn("WARNING: --insecure", res.stderr)

    def test_stalled_handshake_is_dropped(self):
        with socket.create_connection((HOST, self.server.port), timeout=30) as s:
            s.sendall(b"\x16\x03\x01")  # the start of a ClientHello, then nothing
            start = time.monotonic()
            s.settimeout(30)
            try:
                while s.recv(4096):
                    pass
            except (ConnectionResetError, socket.timeout):
                pass
            waited = time.monotonic() - start
        self.assertLess(waited, 25, "the server kept a stalled handshake open")
        self.assertGreater(waited, 5, "the handshake limit is ~10 s")
        self.assertTrue(self.server.wait_log(r"TLS handshake not completed within the time limit"),
                        self.server.log_text())
        res = self.tls_shell(self.server, "ls")
        self.assertOk(res, op="list")


class TlsVersionTest(TlsBase):
    def test_s_client_negotiates_tls13_and_12_is_refused(self):
        server = self.start_tls_server()
        rc, out = self.s_client(server.port)
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"New, TLSv1\.3, Cipher is")
        self.assertIn("Verify return code: 0 (ok)", out)
        rc, out = self.s_client(server.port, "-tls1_2")
        self.assertNotEqual(rc, 0, "TLS 1.2 was accepted by default:\n" + out)
        self.assertNotRegex(out, r"New, TLSv1\.2")

    def test_tls_min_12_accepts_tls12(self):
        server = self.start_tls_server("server", "--tls-min", "1.2")
        rc, out = self.s_client(server.port, "-tls1_2")
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"New, TLSv1\.2, Cipher is")


class TlsReconnectTest(TlsBase):
    def test_reconnect_after_restart_uses_tls(self):
        server = self.start_tls_server()
        make_png(self.work_path("one.png"), 16, 16, seed=66)
        make_png(self.work_path("two.png"), 16, 16, seed=67)
        proc, finish = self.spawn_imgsh("--ca", pki("ca.pem"), "imgs://%s:%d" % (HOST, server.port),
                                        name="tls-session", keep_stdin=True)
        proc.stdin.write(b"put one.png\n")
        proc.stdin.flush()
        self.assertTrue(wait_until(lambda: "one.png" in listing(self.root), 10), "first put did not happen")
        self.assertEqual(server.stop(), 0)
        again = self.start_tls_server(port=server.port)
        feed_and_close(proc, b"put two.png\n")
        res = finish(30)
        self.assertOk(res, reports=2)
        self.assertIn("reconnected", res.stderr)
        self.assertEqual(sorted(listing(self.root)), ["one.png", "two.png"])
        self.assertNotIn("plain (non-TLS) client", again.log_text())


class TlsSilentClientsTest(TlsBase):
    """Issue 12, item 3 over TLS: connections that finish the handshake and never send
    hello are closed at the hello deadline and do not keep a client with a valid token out."""

    def tls_connect(self, port):
        context = ssl.create_default_context(cafile=pki("ca.pem"))
        sock = socket.create_connection((HOST, port), timeout=10)
        tls = context.wrap_socket(sock, server_hostname=HOST)  # the handshake, done here
        self.on_cleanup(tls.close)
        return tls

    def hello_with(self, port, token):
        try:
            tls = self.tls_connect(port)
            tls.sendall(frame({"op": "hello", "id": 1, "version": 1, "client": "imgsh-tests/1.0", "token": token}))
            return read_frame(tls)[0]
        except (OSError, ConnectionError, ssl.SSLError):
            return None

    def test_handshaken_silent_connections_are_closed_and_a_token_holder_gets_in(self):
        tokens = os.path.join(self.tmp, "tokens")
        res = subprocess.run([IMGSRV, "token", "add", "--tokens", tokens], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(res.returncode, 0, res.stderr)
        token = res.stdout.decode().strip()
        server = self.start_tls_server("server", "--tokens", tokens, "--max-sessions", "10",
                                       "--max-sessions-per-address", "64", "--hello-timeout", "1")
        silent = open_silent(server.port, 10, connect=self.tls_connect)  # tls_connect closes them
        started = time.monotonic()
        reply = wait_until(lambda: (lambda r: r if r and r.get("status") == "ok" else None)(
            self.hello_with(server.port, token)), timeout=6.0, interval=0.2)
        self.assertIsNotNone(reply, "a client with a valid token was kept out for 6 s by silent TLS peers")
        self.assertLess(time.monotonic() - started, 6.0)
        # Each silent one was told why over TLS, then closed.
        header, _ = read_frame(silent[0])
        self.assertEqual(header.get("code"), "timeout")
        self.assertIn("no hello within 1 s", header.get("message", ""))
        silent[0].settimeout(3)
        self.assertEqual(silent[0].recv(1), b"")
        self.assertTrue(wait_until(lambda: server.log_text().count("timed out (hello)") >= 10, 10),
                        server.log_text())
        self.assertEqual(listing(self.root), [])


if __name__ == "__main__":
    unittest.main()
