"""imgsh's config file, $XDG_CONFIG_HOME/imgsh/config (else ~/.config/imgsh/config): named
hosts with their target, TLS, CA file and token file, so `imgsh photos` works; options
on the command line override the file's; an unknown key or a bad line is an error that
names the file and the line, and nothing is sent anywhere then; `imgsh --list-hosts` and
the completion scripts offer the names."""

import os
import shutil
import subprocess
import tempfile
import unittest

from checks import IntegrationTest
from files import listing, read_bytes
from images import make_png
from procs import IMGSH, IMGSRV, SOURCE_ROOT

COMPLETIONS = os.path.join(SOURCE_ROOT, "completions")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"


def openssl(cwd, *args):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class ClientConfigTest(IntegrationTest):
    def config_path(self):
        return os.path.join(self.home, ".config", "imgsh", "config")

    def write_config(self, *lines, path=None):
        path = path or self.config_path()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def shell_env(self):
        env = super().shell_env()
        env.pop("IMGSH_TOKEN", None)
        return env

    def test_a_named_host_connects_to_its_target(self):
        server = self.start_server()
        self.write_config("# my stores", "[photos]", 'target = "%s"' % server.addr, "",
                          "[elsewhere]", 'target = "192.0.2.1"')
        picture = make_png(self.work_path("cat.png"), 20, 10, seed=3)
        res = self.imgsh("photos", "put", "cat.png")
        self.assertOk(res, "put", "cat.png", server=server)
        self.assertEqual(read_bytes(self.root_path("cat.png")), read_bytes(picture))
        res = self.imgsh("photos", input="ls\n")
        self.assertOk(res, "list", server=server)
        self.assertEqual(res.stdout.split(), ["cat.png"])
        # A name not in the file is a host name as before (192.0.2.1 is never tried here).
        res = self.imgsh("--connect-timeout", "5", "127.0.0.1:%d" % server.port, "ls")
        self.assertOk(res, "list", server=server)

    def test_xdg_config_home_is_where_the_file_is_when_set(self):
        server = self.start_server()
        xdg = self.mkdir("xdg")
        self.write_config("[photos]", 'target = "%s"' % server.addr,
                          path=os.path.join(xdg, "imgsh", "config"))
        self.write_config("[photos]", 'target = "127.0.0.1:1"')  # ~/.config: not read then
        env = self.shell_env()
        env["XDG_CONFIG_HOME"] = xdg
        res = subprocess.run([IMGSH, "photos", "ls"], env=env, cwd=self.work, timeout=60,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn(("%s list ok 0 files" % server.addr).encode(), res.stderr)

    def test_tls_ca_and_token_file_come_from_the_host_and_the_command_line_overrides_them(self):
        pki = self.mkdir("pki")
        openssl(pki, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "3", "-subj", "/CN=imgsh config test CA")
        openssl(pki, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
        with open(os.path.join(pki, "server.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        openssl(pki, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "server.pem", "-days", "3", "-extfile", "server.ext")
        tokens = os.path.join(self.tmp, "tokens")
        token = subprocess.run([IMGSRV, "token", "add", "--tokens", tokens], check=True, timeout=30,
                               stdout=subprocess.PIPE).stdout.decode().strip()
        server = self.start_server("--tls-cert", os.path.join(pki, "server.pem"),
                                   "--tls-key", os.path.join(pki, "server.key"), "--tokens", tokens)
        config_dir = os.path.dirname(self.write_config("x = 1"))
        with open(os.path.join(config_dir, "photos.token"), "w") as f:
            f.write(token + "\n")
        with open(os.path.join(self.work, "wrong.token"), "w") as f:
            f.write("0" * 64 + "\n")
        # ca with ~, token-file relative to the config file's directory, tls spelt out
        shutil.copyfile(os.path.join(pki, "ca.pem"), os.path.join(self.home, "ca.pem"))
        self.write_config("[photos]", 'target = "%s"' % server.addr, "tls = true", 'ca = "~/ca.pem"',
                          'token-file = "photos.token"')
        make_png(self.root_path("dog.png"), 8, 8, seed=4)
        res = self.imgsh("photos", "ls")
        self.assertOk(res, "list", server=server)
        self.assertEqual(res.stdout.split(), ["dog.png"])
        # The command line wins: another token file is refused, another CA fails the handshake.
        res = self.imgsh("--token-file", "wrong.token", "photos", "ls")
        self.assertExit(res, 2)
        self.assertIn("unauthorized", res.stderr)
        other = self.mkdir("other")
        openssl(other, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "o.key", "-out", "o.pem", "-days", "3", "-subj", "/CN=unrelated")
        res = self.imgsh("--ca", os.path.join(other, "o.pem"), "photos", "ls")
        self.assertExit(res, 2)
        self.assertIn("certificate", res.stderr)
        # Without the file, the same target has neither TLS nor token: refused.
        os.unlink(self.config_path())
        res = self.imgsh(server.addr, "ls")
        self.assertExit(res, 2)

    def test_a_bad_config_is_an_error_naming_the_file_and_line_and_nothing_connects(self):
        server = self.start_server()
        make_png(self.work_path("cat.png"), 8, 8, seed=5)
        target = 'target = "%s"' % server.addr
        path = self.config_path()
        cases = [
            (["[photos]", target, "colour = true"],
             "line 3: unknown key 'colour' in [photos] (known: target, tls, ca, token-file)"),
            ([target, "[photos]", target], "line 1: 'target' is outside a [HOST] table"),
            (["[photos]", target, "", "this line is not toml"], "line 4: "),
            (["[photos]", 'target = "%s:0"' % server.addr.split(":")[0]], "line 2: target: invalid port '0'"),
            (["[photos]", target, 'tls = "yes"'], "line 3: tls must be true or false"),
            (["[photos]", "tls = true"], "line 1: [photos] has no target"),
            (["[photos.example]", target], 'line 1: [photos.example]: a name with a dot needs quotes'),
            (["[photos]", target, "[photos]", target], "line 3: "),  # a table defined twice
        ]
        for lines, expected in cases:
            self.write_config(*lines)
            for args in (["photos", "put", "cat.png"], [server.addr, "put", "cat.png"], ["--list-hosts"]):
                res = self.imgsh(*args)
                self.assertExit(res, 2)
                self.assertIn("imgsh: %s %s" % (path, expected), res.stderr, lines)
                self.assertEqual(res.stdout, "", lines)
        self.assertEqual(listing(self.root), [])

    def test_list_hosts_and_completions_offer_the_names(self):
        self.write_config("[photos]", 'target = "127.0.0.1:7070"', '["backup.example"]',
                          'target = "imgs://backup.example"')
        res = self.imgsh("--list-hosts")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout.splitlines(), ["photos", "backup.example"])
        os.unlink(self.config_path())
        res = self.imgsh("--list-hosts")  # no file: no names, no error
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "")
        self.write_config("[photos]", 'target = "127.0.0.1:7070"', '["pets"]', 'target = "h"')
        env = self.shell_env()
        env["PATH"] = "%s:%s" % (os.path.dirname(IMGSH), env.get("PATH", ""))
        env["XDG_STATE_HOME"] = self.mkdir("state")  # no past targets
        if os.path.exists(BASH_COMPLETION):
            script = "\n".join([
                "source %s" % BASH_COMPLETION, "source %s" % os.path.join(COMPLETIONS, "imgsh.bash"),
                "COMP_LINE='imgsh p'", "COMP_POINT=7", "COMP_WORDS=(imgsh p)", "COMP_CWORD=1",
                "_imgsh imgsh p imgsh", "printf '%s\\n' \"${COMPREPLY[@]}\""])
            out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=env, cwd=self.work,
                                 stdout=subprocess.PIPE, timeout=30).stdout.decode().split()
            self.assertEqual(sorted(out), ["pets", "photos"], "bash")
        if shutil.which("fish"):
            out = subprocess.run(["fish", "--no-config", "-c", "source %s; complete -C 'imgsh p'"
                                  % os.path.join(COMPLETIONS, "imgsh.fish")], env=env, cwd=self.work,
                                 stdout=subprocess.PIPE, timeout=30).stdout.decode()
            self.assertEqual(sorted(l.split("\t")[0] for l in out.splitlines()), ["pets", "photos"], "fish")


if __name__ == "__main__":
    unittest.main()
