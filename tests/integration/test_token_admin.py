"""`imgsrv token add --label`, `token list`, `token revoke`, and labels in the log.

list shows label, rights, date added and a fingerprint, never a token; revoke rewrites
the file atomically (mode 0600, other lines kept) and a running server drops the token
on SIGHUP while a session admitted before goes on; a token file in the old format
(hash and rights only) still loads, lists and admits; request lines carry token=LABEL.
"""

import hashlib
import os
import re
import signal
import stat
import subprocess
import unittest

from checks import IntegrationTest
from procs import IMGSRV
from wire import RawClient

OLD_HASH = hashlib.sha256(b"abc").hexdigest()  # the old-format entry's token is "abc"


def imgsrv(*args):
    return subprocess.run([IMGSRV] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=30, universal_newlines=True)


class TokenAdminTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.tokens = os.path.join(self.tmp, "tokens")

    def add(self, *flags):
        res = imgsrv("token", "add", "--tokens", self.tokens, *flags)
        self.assertEqual(res.returncode, 0, res.stderr)
        return res.stdout.strip()

    def listing(self):
        res = imgsrv("token", "list", "--tokens", self.tokens)
        self.assertEqual(res.returncode, 0, res.stderr)
        lines = res.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["LABEL", "RIGHTS", "ADDED", "FINGERPRINT"])
        return res.stdout, [l.split() for l in lines[1:]]

    def read(self):
        with open(self.tokens) as f:
            return f.read()

    def hello(self, client, token):
        reply, _ = client.request("hello", version=1, client="imgsh-tests/1.0", token=token)
        return reply

    def test_list_shows_label_rights_date_fingerprint_never_the_token(self):
        alice = self.add("--label", "alice")
        bob = self.add("--label", "bob@backup", "--ro")
        anon = self.add()
        text, rows = self.listing()
        for token in (alice, bob, anon):
            self.assertNotIn(token, text)
        by_label = {r[0]: r for r in rows}
        self.assertEqual(len(rows), 3, text)
        for label, token, rights in (("alice", alice, "rw"), ("bob@backup", bob, "ro")):
            row = by_label[label]
            self.assertEqual(row[1], rights)
            self.assertRegex(row[2], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertEqual(row[3], hashlib.sha256(token.encode()).hexdigest()[:12])
        anon_fp = hashlib.sha256(anon.encode()).hexdigest()[:12]
        self.assertIn(anon_fp, by_label, "without --label the label is the fingerprint")

    def test_duplicate_and_bad_labels_are_refused_and_change_nothing(self):
        self.add("--label", "alice")
        before = self.read()
        for label, why in (("alice", "already"), ("has space", "invalid label"), ("-x", "invalid label"),
                           ("a" * 65, "invalid label"), ("t\x1bab", "invalid label")):
            with self.subTest(label=label):
                res = imgsrv("token", "add", "--tokens", self.tokens, "--label", label)
                self.assertEqual(res.returncode, 1, res.stderr)
                self.assertIn(why, res.stderr)
                self.assertEqual(res.stdout, "", "no token printed")
                self.assertNotIn("\x1b", res.stderr)
                self.assertEqual(self.read(), before)

    def test_revoke_rewrites_the_file_atomically_keeping_the_rest(self):
        with open(self.tokens, "w") as f:
            f.write("# my tokens\n%s ro  # added 2025-01-02T03:04:05Z\n" % OLD_HASH)
        os.chmod(self.tokens, 0o600)
        self.add("--label", "alice")
        self.add("--label", "bob")
        inode = os.stat(self.tokens).st_ino
        res = imgsrv("token", "revoke", "alice", "--tokens", self.tokens)
        self.assertEqual(res.returncode, 0, res.stderr)
        text = self.read()
        self.assertNotIn(" alice ", text)
        self.assertIn("# my tokens\n", text)
        self.assertIn(" bob ", text)
        self.assertIn(OLD_HASH, text)
        st = os.stat(self.tokens)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertNotEqual(st.st_ino, inode, "a new file renamed over the old one")
        self.assertEqual([n for n in os.listdir(self.tmp) if n.startswith(".tokens")], [],
                         "no temporary left behind")
        # Unknown label: exit 1, the file untouched.
        res = imgsrv("token", "revoke", "alice", "--tokens", self.tokens)
        self.assertEqual(res.returncode, 1)
        self.assertIn("no token labelled alice", res.stderr)
        self.assertEqual(self.read(), text)
        # The old-format entry is revoked by its fingerprint, its label.
        res = imgsrv("token", "revoke", OLD_HASH[:12], "--tokens", self.tokens)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertNotIn(OLD_HASH, self.read())

    def test_old_format_file_loads_lists_and_admits(self):
        with open(self.tokens, "w") as f:
            f.write("%s ro  # added 2025-01-02T03:04:05Z\n" % OLD_HASH)
        os.chmod(self.tokens, 0o600)
        _, rows = self.listing()
        self.assertEqual(rows, [[OLD_HASH[:12], "ro", "2025-01-02T03:04:05Z", OLD_HASH[:12]]])
        server = self.start_server("--tokens", self.tokens)
        with RawClient(server.port) as c:
            self.assertEqual(self.hello(c, "abc")["status"], "ok")
            self.assertEqual(c.request("list")[0]["status"], "ok")
        self.assertTrue(server.wait_log(r" list ok 0 files .*token=%s$" % OLD_HASH[:12]), server.log_text())

    def test_revoke_then_sighup_refuses_the_token_and_keeps_the_admitted_session(self):
        alice = self.add("--label", "alice")
        bob = self.add("--label", "bob")
        server = self.start_server("--tokens", self.tokens)
        session = self.raw_client(server.port)
        self.assertEqual(self.hello(session, alice)["status"], "ok")
        res = imgsrv("token", "revoke", "alice", "--tokens", self.tokens)
        self.assertEqual(res.returncode, 0, res.stderr)
        server.proc.send_signal(signal.SIGHUP)
        self.assertTrue(server.wait_log(r"reloaded 1 tokens from "), server.log_text())
        with RawClient(server.port) as c:
            reply = self.hello(c, alice)
            self.assertEqual((reply["status"], reply.get("code")), ("error", "unauthorized"))
        with RawClient(server.port) as c:
            self.assertEqual(self.hello(c, bob)["status"], "ok")
            self.assertEqual(c.request("list")[0]["status"], "ok")
        self.assertEqual(session.request("list")[0]["status"], "ok", "the session admitted before goes on")
        self.assertTrue(server.wait_log(r" list ok .* token=bob$"), server.log_text())
        # The log line follows the reply: wait for it before counting.
        self.assertTrue(server.wait_log(r" list ok .* token=alice$"), server.log_text())
        self.assertEqual(len(re.findall(r" list ok .* token=alice$", server.log_text(), re.M)), 1,
                         server.log_text())
        self.assertRoot([])


if __name__ == "__main__":
    unittest.main()
