"""SIGHUP: imgsrv re-reads its token file and its TLS certificate and key.

A token added to the file works after the HUP without a restart, a token removed from
it is refused (`unauthorized`) at the next hello, and sessions already admitted keep
going. A broken token file or certificate keeps the old one in force and the log says
why. After a certificate rotation `openssl s_client` sees the new certificate while a
session opened under the old one still works.
"""

import hashlib
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import unittest

from checks import IntegrationTest
from images import make_png_bytes
from procs import IMGSRV, wait_until
from wire import HOST, RawClient


def token_add(tokens):
    res = subprocess.run([IMGSRV, "token", "add", "--tokens", tokens], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=30)
    if res.returncode != 0:
        raise AssertionError("token add failed: %r" % res.stderr)
    return res.stdout.decode().strip()


def openssl(*args, input=None):
    res = subprocess.run(["openssl"] + list(args), input=input, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=60)
    if res.returncode != 0:
        raise AssertionError("openssl %s failed: %s" % (" ".join(args), res.stderr.decode()))
    return res.stdout


def make_cert(directory, name, cn):
    """A self-signed certificate for 127.0.0.1; returns (cert path, key path)."""
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", cert, "-days", "3", "-subj", "/CN=" + cn,
            "-addext", "subjectAltName=IP:127.0.0.1")
    return cert, key


def read(path):
    with open(path, "rb") as f:
        return f.read()


def fingerprint(pem_bytes):
    return openssl("x509", "-noout", "-fingerprint", "-sha256", input=pem_bytes).decode().strip()


class ReloadBase(IntegrationTest):
    def start_and_settle(self, *args):
        """Starts imgsrv and waits for its start-up log: it accepts connections as soon as
        it listens, before it has read the files these tests then change."""
        server = self.start_server(*args)
        self.assertTrue(wait_until(lambda: " listening on " in server.log_text(), 30), server.log_text())
        return server

    def hangup(self, server, log_pattern):
        """Sends SIGHUP and waits for the log line that says what the reload did."""
        before = len(re.findall(log_pattern, server.log_text()))
        server.proc.send_signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: len(re.findall(log_pattern, server.log_text())) > before, 10),
                        "no %r in the log after SIGHUP:\n%s" % (log_pattern, server.log_text()))
        self.assertTrue(server.running(), "imgsrv died of SIGHUP")

    def hello(self, client, token):
        reply, _ = client.request("hello", version=1, client="imgsh-tests/1.0", token=token)
        return reply


class TokenReloadTest(ReloadBase):
    def setUp(self):
        super().setUp()
        self.tokens = os.path.join(self.tmp, "tokens")
        self.old = token_add(self.tokens)
        self.server = self.start_and_settle("--tokens", self.tokens)

    def test_added_token_works_after_hup_and_old_session_goes_on(self):
        session = self.raw_client(self.server.port)
        self.assertEqual(self.hello(session, self.old)["status"], "ok")
        new = token_add(self.tokens)
        # Before the HUP the new token is unknown.
        with RawClient(self.server.port) as c:
            self.assertError(self.hello(c, new), "unauthorized")
        self.hangup(self.server, r"reloaded 2 tokens from ")
        with RawClient(self.server.port) as c:
            self.assertEqual(self.hello(c, new)["status"], "ok")
            self.assertEqual(c.put_inline("new.png", make_png_bytes(seed=3))["status"], "ok")
        # The session admitted before the HUP was not touched.
        self.assertEqual(session.put_inline("old.png", make_png_bytes(seed=4))["status"], "ok")
        self.assertRoot(["new.png", "old.png"])

    def test_removed_token_is_refused_at_next_hello(self):
        gone = token_add(self.tokens)
        self.hangup(self.server, r"reloaded 2 tokens from ")
        session = self.raw_client(self.server.port)
        self.assertEqual(self.hello(session, gone)["status"], "ok")
        with open(self.tokens) as f:
            lines = f.read().splitlines(True)
        digest = hashlib.sha256(gone.encode()).hexdigest()
        with open(self.tokens, "w") as f:
            f.writelines(l for l in lines if not l.startswith(digest))
        self.hangup(self.server, r"reloaded 1 tokens from ")
        with RawClient(self.server.port) as c:
            self.assertError(self.hello(c, gone), "unauthorized")
        with RawClient(self.server.port) as c:
            self.assertEqual(self.hello(c, self.old)["status"], "ok")
        # Revocation is checked at hello: the session admitted before goes on.
        self.assertEqual(session.request("list")[0]["status"], "ok")

    def test_broken_token_file_keeps_the_old_set(self):
        with open(self.tokens, "a") as f:
            f.write("not-a-hash rw\n")
        self.hangup(self.server, r"reload: keeping the tokens in force: .*%s.*line 2"
                    % re.escape(self.tokens))
        with RawClient(self.server.port) as c:
            self.assertEqual(self.hello(c, self.old)["status"], "ok")
        os.unlink(self.tokens)
        self.hangup(self.server, r"reload: keeping the tokens in force: .*%s" % re.escape(self.tokens))
        with RawClient(self.server.port) as c:
            self.assertEqual(self.hello(c, self.old)["status"], "ok")
        with RawClient(self.server.port) as c:
            self.assertError(self.hello(c, "0" * 64), "unauthorized")


class CertificateRotationTest(ReloadBase):
    def setUp(self):
        super().setUp()
        self.pki = tempfile.mkdtemp(prefix="imgsh-reload-pki-")
        self.addCleanup(shutil.rmtree, self.pki, True)
        self.cert, self.key = make_cert(self.pki, "live", "first")
        self.first_pem = read(self.cert)
        self.server = self.start_and_settle("--tls-cert", self.cert, "--tls-key", self.key)

    def tls_client(self, ca_pem):
        ctx = ssl.create_default_context(cadata=ca_pem.decode())
        c = self.raw_client(self.server.port)
        c.sock = ctx.wrap_socket(c.sock, server_hostname=HOST)
        return c

    def served_fingerprint(self):
        res = subprocess.run(["openssl", "s_client", "-connect", "%s:%d" % (HOST, self.server.port)],
                             input=b"", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        m = re.search(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", res.stdout, re.S)
        self.assertIsNotNone(m, res.stdout.decode(errors="replace"))
        return fingerprint(m.group(0))

    def test_rotation_serves_the_new_certificate_and_keeps_old_sessions(self):
        self.assertEqual(self.served_fingerprint(), fingerprint(self.first_pem))
        old = self.tls_client(self.first_pem)
        old.hello()
        new_cert, new_key = make_cert(self.pki, "next", "second")
        shutil.copyfile(new_cert, self.cert)
        shutil.copyfile(new_key, self.key)
        second_pem = read(self.cert)
        self.hangup(self.server, r"reloaded TLS certificate .*second")
        self.assertEqual(self.served_fingerprint(), fingerprint(second_pem))
        self.assertNotEqual(fingerprint(second_pem), fingerprint(self.first_pem))
        fresh = self.tls_client(second_pem)
        fresh.hello()
        self.assertEqual(fresh.put_inline("new.png", make_png_bytes(seed=5))["status"], "ok")
        # The session opened under the first certificate goes on.
        self.assertEqual(old.put_inline("old.png", make_png_bytes(seed=6))["status"], "ok")
        self.assertRoot(["new.png", "old.png"])

    def test_broken_certificate_keeps_the_old_one(self):
        with open(self.key, "w") as f:
            f.write("garbage\n")
        self.hangup(self.server, r"reload: keeping the TLS certificate in force: cannot use TLS key %s: PEM lib"
                    % re.escape(self.key))
        self.assertEqual(self.served_fingerprint(), fingerprint(self.first_pem))
        c = self.tls_client(self.first_pem)
        c.hello()
        # A key that does not match the certificate is refused too.
        _, other_key = make_cert(self.pki, "other", "other")
        shutil.copyfile(other_key, self.key)
        self.hangup(self.server, r"reload: keeping the TLS certificate in force: cannot use TLS key %s: key values "
                    r"mismatch" % re.escape(self.key))
        self.assertEqual(self.served_fingerprint(), fingerprint(self.first_pem))


if __name__ == "__main__":
    unittest.main()
