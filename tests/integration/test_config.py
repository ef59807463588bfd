"""imgsrv --config FILE and --check-config.

A config file gives every option as `name = value` (`port = 7070` for the port); the
command line overrides it. An unknown key, a bad value, a missing store, an unreadable
TLS file or a broken token file is refused with exit status 2 and a message naming the
problem and the file's line; a refused start leaves the store untouched.
deploy/imgsrv.conf.example is a valid config file.
"""

import os
import socket
import subprocess
import unittest

from checks import IntegrationTest
from images import make_png
from procs import IMGSRV, SOURCE_ROOT, free_port, wait_until
from wire import HOST

CONF_EXAMPLE = os.path.join(SOURCE_ROOT, "deploy", "imgsrv.conf.example")


def accepting(port):
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


class ConfigTest(IntegrationTest):
    def write_config(self, *lines, name="imgsrv.conf"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def check(self, *args):
        return self.run_imgsrv("--check-config", *args)

    def assertRefused(self, rc, err, message):
        self.assertEqual(rc, 2, err)
        self.assertEqual(err, "imgsrv: %s\n" % message)

    def launch(self, *args):
        """An imgsrv whose port comes from its config file; stopped at clean-up."""
        log = open(os.path.join(self.logdir, "imgsrv-config.log"), "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen([IMGSRV] + list(args), stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, cwd=self.tmp)
        self._procs.append(proc)
        return proc

    # -- a config file that works --------------------------------------------------------

    def test_every_setting_from_the_file(self):
        port = free_port()
        conf = self.write_config("# the store and where it listens",
                                 "port = %d" % port,
                                 'root = "%s"' % self.root,
                                 "bind = 127.0.0.1",
                                 "max-file-size = 1000",
                                 "log-level = debug")
        proc = self.launch("--config", conf)
        self.assertTrue(wait_until(lambda: accepting(port) or proc.poll() is not None, 10))
        self.assertIsNone(proc.poll(), "imgsrv exited")
        small = make_png(self.work_path("small.png"), 1, 1)
        self.assertLess(os.path.getsize(small), 1000)
        self.assertOk(self.imgsh("%s:%d" % (HOST, port), "put", small), "put", "small.png")
        self.assertRoot(["small.png"])
        big = make_png(self.work_path("big.png"), 40, 40)
        self.assertGreater(os.path.getsize(big), 1000)
        self.assertFail(self.imgsh("%s:%d" % (HOST, port), "put", big), "too_large", "put")
        self.assertRoot(["small.png"])

    def test_command_line_overrides_the_file(self):
        # The file's port and its bad max-sessions are both overridden, so neither counts.
        conf = self.write_config("port = 1", "max-sessions = many", "max-file-size = 1000")
        server = self.start_server("--config", conf, "--max-sessions", "4", "--max-file-size", "10M")
        big = make_png(self.work_path("big.png"), 200, 200)
        self.assertOk(self.imgsh(server.addr, "put", big), "put", "big.png")
        self.assertRoot(["big.png"])

    def test_check_config_accepts_a_good_file(self):
        tokens = os.path.join(self.tmp, "tokens")
        res = subprocess.run([IMGSRV, "token", "add", "--tokens", tokens], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(res.returncode, 0, res.stderr)
        conf = self.write_config("port = 7070", "root = %s" % self.root, "tokens = %s" % tokens,
                                 "no-fsync = true", "grace-period = 1.5", "tls-min = 1.2")
        rc, out, err = self.check("--config", conf)
        self.assertEqual((rc, out, err), (0, "imgsrv: configuration OK\n", ""))
        self.assertRoot([])

    def test_the_example_is_a_valid_config(self):
        # It serves /var/lib/imgsrv; the command line points it at this test's store.
        rc, out, err = self.check("--config", CONF_EXAMPLE, "--root", self.root)
        self.assertEqual((rc, out, err), (0, "imgsrv: configuration OK\n", ""))
        # Without the override, the store it names is checked (absent on a build machine).
        if not os.path.isdir("/var/lib/imgsrv"):
            rc, out, err = self.check("--config", CONF_EXAMPLE)
            self.assertRefused(rc, err, "root /var/lib/imgsrv does not exist (%s line 25)" % CONF_EXAMPLE)

    # -- refusals, each with its line ----------------------------------------------------

    def test_unknown_key_names_key_and_line(self):
        conf = self.write_config("port = 7070", "# a typo:", "max-sesions = 10")
        rc, out, err = self.check("--config", conf, "--root", self.root)
        self.assertRefused(rc, err, "unknown key 'max-sesions' in %s line 3 (see imgsrv --help)" % conf)
        # A start is refused the same way, before anything touches the store.
        rc, out, err = self.run_imgsrv("--config", conf, "--root", self.root)
        self.assertRefused(rc, err, "unknown key 'max-sesions' in %s line 3 (see imgsrv --help)" % conf)
        self.assertEqual(os.listdir(self.root), [])

    def test_unknown_section(self):
        conf = self.write_config("port = 7070", "[server]", "root = /tmp")
        rc, out, err = self.check("--config", conf)
        self.assertRefused(rc, err, "unknown section [server] in %s line 2 (see imgsrv --help)" % conf)

    def test_bad_values_name_their_line(self):
        cases = [
            (["port = 7070", "max-sessions = many"], "max-sessions", 2),
            (["tls-min = 1.4", "port = 7070"], "tls-min", 1),
            (["port = 7070", "", "header-timeout = -3"], "header-timeout", 3),
        ]
        for lines, key, line in cases:
            with self.subTest(key=key):
                conf = self.write_config(*lines)
                rc, out, err = self.check("--config", conf, "--root", self.root)
                self.assertEqual(rc, 2, err)
                self.assertIn("--" + key, err)
                self.assertTrue(err.endswith("(%s line %d) (see imgsrv --help)\n" % (conf, line)), err)

    def test_checks_after_parsing_name_their_line(self):
        cases = [
            (["port = 70000"], "invalid port '70000': must be a number from 0 (any free port) to 65535", 1),
            (["port = 7070", "max-sessions = 0"], "--max-sessions must be at least 1", 2),
            (["port = 7070", "log-level = loud"], None, 2),
            (["port = 7070", "tls-cert = /etc/hostname"], "--tls-cert and --tls-key go together", 2),
        ]
        for lines, message, line in cases:
            with self.subTest(lines=lines):
                conf = self.write_config(*lines)
                rc, out, err = self.check("--config", conf, "--root", self.root)
                self.assertEqual(rc, 2, err)
                if message is not None:
                    self.assertEqual(err, "imgsrv: %s (%s line %d)\n" % (message, conf, line))
                else:
                    self.assertTrue(err.endswith("(%s line %d)\n" % (conf, line)), err)

    def test_missing_root(self):
        missing = os.path.join(self.tmp, "no-such-store")
        conf = self.write_config("port = 7070", "root = %s" % missing)
        rc, out, err = self.check("--config", conf)
        self.assertRefused(rc, err, "root %s does not exist (%s line 2)" % (missing, conf))
        self.assertFalse(os.path.exists(missing))
        # Given on the command line, it has no line to name.
        rc, out, err = self.check("--root", missing, "7070")
        self.assertRefused(rc, err, "root %s does not exist" % missing)

    def test_root_that_is_a_file(self):
        plain = os.path.join(self.tmp, "plain")
        open(plain, "w").close()
        conf = self.write_config("port = 7070", "root = %s" % plain)
        rc, out, err = self.check("--config", conf)
        self.assertRefused(rc, err, "root %s is not a directory (%s line 2)" % (plain, conf))

    def test_unreadable_tls_files(self):
        garbage = os.path.join(self.tmp, "garbage.pem")
        with open(garbage, "w") as f:
            f.write("not a certificate\n")
        missing = os.path.join(self.tmp, "missing.pem")
        conf = self.write_config("port = 7070", "tls-cert = %s" % garbage, "tls-key = %s" % missing)
        rc, out, err = self.check("--config", conf, "--root", self.root)
        self.assertEqual(rc, 2, err)
        self.assertTrue(err.startswith("imgsrv: cannot use TLS certificate %s: " % garbage), err)
        self.assertTrue(err.endswith(" (%s line 2)\n" % conf), err)

    def test_bad_token_file(self):
        tokens = os.path.join(self.tmp, "tokens")
        with open(tokens, "w") as f:
            f.write("# tokens\nnot-a-hash rw\n")
        conf = self.write_config("port = 7070", "root = %s" % self.root, "", "tokens = %s" % tokens)
        rc, out, err = self.check("--config", conf)
        self.assertEqual(rc, 2, err)
        self.assertIn(tokens, err)
        self.assertIn("line 2", err)  # the token file's own line
        self.assertTrue(err.endswith(" (%s line 4)\n" % conf), err)
        missing = os.path.join(self.tmp, "no-tokens")
        conf = self.write_config("port = 7070", "tokens = %s" % missing)
        rc, out, err = self.check("--config", conf, "--root", self.root)
        self.assertEqual(rc, 2, err)
        self.assertIn(missing, err)
        self.assertTrue(err.endswith(" (%s line 2)\n" % conf), err)

    def test_missing_config_file(self):
        missing = os.path.join(self.tmp, "nope.conf")
        rc, out, err = self.check("--config", missing, "--root", self.root, "7070")
        self.assertEqual(rc, 2, err)
        self.assertIn(missing, err)

    def test_check_config_is_not_a_config_key(self):
        conf = self.write_config("port = 7070", "check-config = true")
        rc, out, err = self.check("--config", conf, "--root", self.root)
        self.assertRefused(rc, err, "check-config: This option is not allowed in a configuration file "
                                    "(see imgsrv --help)")


if __name__ == "__main__":
    unittest.main()
