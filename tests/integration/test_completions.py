"""completions/: bash's script registers for imgsh and imgsrv and completes options, past
targets and the remote names of a live server (driven the way bash drives it: COMP_LINE,
COMP_POINT, COMP_WORDS split at COMP_WORDBREAKS, COMP_CWORD, then COMPREPLY read back);
fish's does the same through `complete -C`; zsh's and fish's parse (zsh -n, fish -n);
each script knows every long option `imgsh --help`, `imgsrv --help` and
`imgsrv token add --help` list; `cmake --install` puts them where bash-completion, zsh
and fish look."""

import os
import re
import shutil
import subprocess
import unittest

from checks import IntegrationTest
from images import make_png
from procs import IMGSH, IMGSRV, SOURCE_ROOT

COMPLETIONS = os.path.join(SOURCE_ROOT, "completions")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"


def bash_words(line):
    """COMP_WORDS as bash builds them: split at blanks, and at ':' (in COMP_WORDBREAKS)."""
    words = []
    for token in re.findall(r"\S+|\s+$", line):
        if token.isspace():
            words.append("")
            continue
        parts = token.split(":")
        for i, p in enumerate(parts):
            if i:
                words.append(":")
            if p or i == len(parts) - 1 and i:
                words.append(p)
    if not words or line.endswith(" ") and words[-1] != "":
        words.append("")
    return words


class CompletionScriptTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        for name, seed in (("cat.png", 1), ("car.png", 2), ("my dog.png", 3)):
            make_png(self.root_path(name), 8, 8, seed=seed)
        self.server = self.start_server()
        self.state = self.mkdir("state")
        os.makedirs(os.path.join(self.state, "imgsh"))
        with open(os.path.join(self.state, "imgsh", "targets"), "w") as f:
            f.write("%s\nexample.org:7070\n" % self.server.addr)

    def env(self):
        env = self.shell_env()
        env.pop("IMGSH_TOKEN", None)
        env["XDG_STATE_HOME"] = self.state
        env["PATH"] = "%s:%s:%s" % (os.path.dirname(IMGSH), os.path.dirname(IMGSRV), env.get("PATH", ""))
        return env

    def bash_complete(self, line):
        """COMPREPLY for `line` (the cursor at its end), with bash-completion loaded."""
        words = bash_words(line)
        script = "\n".join([
            "source %s" % BASH_COMPLETION,
            "source %s" % os.path.join(COMPLETIONS, "imgsh.bash"),
            "COMP_LINE=%s" % _q(line),
            "COMP_POINT=%d" % len(line),
            "COMP_WORDS=(%s)" % " ".join(_q(w) for w in words),
            "COMP_CWORD=%d" % (len(words) - 1),
            "spec=$(complete -p %s)" % words[0],
            "fn=${spec#*-F }; fn=${fn%% *}",
            "$fn %s %s %s" % (words[0], _q(words[-1]), _q(words[-2] if len(words) > 1 else "")),
            "printf '%s\\n' \"${COMPREPLY[@]}\"",
        ])
        res = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=self.env(),
                             cwd=self.work, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=30)
        self.assertEqual(res.returncode, 0, res.stderr.decode())
        return [l for l in res.stdout.decode().splitlines() if l]

    @unittest.skipUnless(os.path.exists(BASH_COMPLETION), "bash-completion is not installed")
    def test_bash_registers_for_both_programs(self):
        res = subprocess.run(["bash", "--norc", "-c", "source %s; complete -p imgsh imgsrv"
                              % os.path.join(COMPLETIONS, "imgsh.bash")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn(b"-F _imgsh imgsh", res.stdout)
        self.assertIn(b"-F _imgsrv imgsrv", res.stdout)

    @unittest.skipUnless(os.path.exists(BASH_COMPLETION), "bash-completion is not installed")
    def test_bash_completes_options(self):
        self.assertEqual(sorted(self.bash_complete("imgsh --ver")), ["--verbose", "--version"])
        self.assertEqual(self.bash_complete("imgsrv --ro"), ["--root"])
        self.assertIn("--log-level", self.bash_complete("imgsrv --"))

    @unittest.skipUnless(os.path.exists(BASH_COMPLETION), "bash-completion is not installed")
    def test_bash_completes_past_targets(self):
        self.assertEqual(self.bash_complete("imgsh ex"), ["example.org:7070"])
        # after the colon bash replaces only the part after it
        self.assertEqual(self.bash_complete("imgsh 127.0.0.1:"), [str(self.server.port)])

    @unittest.skipUnless(os.path.exists(BASH_COMPLETION), "bash-completion is not installed")
    def test_bash_completes_commands_and_remote_names(self):
        addr = self.server.addr
        self.assertIn("mget", self.bash_complete("imgsh %s mg" % addr))
        self.assertEqual(sorted(self.bash_complete("imgsh %s get ca" % addr)), ["car.png", "cat.png"])
        self.assertEqual(self.bash_complete("imgsh %s stat my" % addr), ["my dog.png"])
        self.assertEqual(self.bash_complete("imgsh %s get zz" % addr), [])
        self.assertEqual(sorted(self.bash_complete("imgsh %s rm ca" % addr)), ["car.png", "cat.png"])
        self.assertEqual(sorted(self.bash_complete("imgsh %s rename ca" % addr)), ["car.png", "cat.png"])

    @unittest.skipUnless(os.path.exists(BASH_COMPLETION), "bash-completion is not installed")
    def test_bash_completes_local_files_after_put(self):
        make_png(self.work_path("local-one.png"), 8, 8, seed=5)
        self.assertEqual(self.bash_complete("imgsh %s put local" % self.server.addr), ["local-one.png"])

    @unittest.skipUnless(os.path.exists(BASH_COMPLETION), "bash-completion is not installed")
    def test_bash_completes_tls_tokens_and_timeouts(self):
        make_png(self.work_path("ca.pem"), 8, 8, seed=6)
        for line in ("imgsh --ca c", "imgsh --token-file c", "imgsh --ca=c",
                     "imgsrv --tls-cert c", "imgsrv --tls-key c", "imgsrv --tokens c",
                     "imgsrv token add --tokens c"):
            self.assertEqual(self.bash_complete(line), ["ca.pem"], line)
        self.assertEqual(self.bash_complete("imgsrv --tls-min "), ["1.2", "1.3"])
        self.assertEqual(sorted(self.bash_complete("imgsrv --t")),
                         ["--threads", "--tls-cert", "--tls-key", "--tls-min", "--tokens"])
        self.assertIn("--idle-timeout", self.bash_complete("imgsrv --"))
        self.assertEqual(self.bash_complete("imgsrv to"), ["token"])
        self.assertEqual(self.bash_complete("imgsrv token "), ["add", "list", "revoke"])
        self.assertEqual(self.bash_complete("imgsrv token add --r"), ["--ro", "--rwd"])
        self.assertEqual(self.bash_complete("imgsrv ch"), ["check"])
        self.assertEqual(sorted(self.bash_complete("imgsrv check --")), ["--fix", "--help", "--root"])
        os.makedirs(self.work_path("store-dir"))
        self.assertEqual(self.bash_complete("imgsrv check --fix --root sto"), ["store-dir"])
        self.assertEqual(self.bash_complete("imgsrv 7070 --tls-m"), ["--tls-min"])
        self.assertEqual(sorted(self.bash_complete("imgsh --t")), ["--timeout", "--tls", "--token-file"])
        # a file after --ca is not the target: the target comes next
        self.assertEqual(self.bash_complete("imgsh --ca ca.pem ex"), ["example.org:7070"])
        # imgs://HOST:PORT from the past targets (bash replaces only the part after the last colon)
        self.assertEqual(self.bash_complete("imgsh imgs://ex"), ["//example.org:7070"])
        self.assertEqual(self.bash_complete("imgsh --tls imgs://example.org:"), ["7070"])

    @unittest.skipUnless(os.path.exists(BASH_COMPLETION), "bash-completion is not installed")
    def test_bash_asks_for_remote_names_with_the_token_file(self):
        tokens = os.path.join(self.tmp, "tokens")
        res = subprocess.run([IMGSRV, "token", "add", "--tokens", tokens],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(res.returncode, 0, res.stderr)
        token_file = self.work_path("token")
        with open(token_file, "wb") as f:
            f.write(res.stdout)
        root = self.mkdir("token-root")
        for name, seed in (("cat.png", 1), ("car.png", 2)):
            make_png(os.path.join(root, name), 8, 8, seed=seed)
        server = self.start_server("--tokens", tokens, root=root)
        self.assertEqual(sorted(self.bash_complete("imgsh --token-file %s %s get ca" % (token_file, server.addr))),
                         ["car.png", "cat.png"])

    @unittest.skipUnless(shutil.which("fish"), "fish is not installed")
    def test_fish_completes_tls_tokens_and_timeouts(self):
        make_png(self.work_path("ca.pem"), 8, 8, seed=6)
        cases = [("imgsh --ca c", ["ca.pem"]), ("imgsh --token-file c", ["ca.pem"]),
                 ("imgsrv --tls-cert c", ["ca.pem"]), ("imgsrv --tls-key c", ["ca.pem"]),
                 ("imgsrv --tokens c", ["ca.pem"]), ("imgsrv token add --tokens c", ["ca.pem"]),
                 ("imgsrv --tls-min ", ["1.2", "1.3"]), ("imgsrv to", ["token"]),
                 ("imgsrv token ", ["add", "list", "revoke"]), ("imgsrv token add --r", ["--ro", "--rwd"]),
                 ("imgsrv ch", ["check"]), ("imgsrv check --", ["--fix", "--help", "--root"]),
                 ("imgsh --t", ["--timeout", "--tls", "--token-file"]),
                 ("imgsh --ca ca.pem ex", ["example.org:7070"]),
                 ("imgsh imgs://ex", ["imgs://example.org:7070"])]
        for line, expected in cases:
            self.assertEqual(self.fish_complete(line), expected, line)
        self.assertIn("--body-timeout", self.fish_complete("imgsrv --"))
        self.assertNotIn("--root", self.fish_complete("imgsrv token add --"))

    def fish_complete(self, line):
        """The candidates (sorted, without descriptions) fish offers for `line`."""
        res = subprocess.run(["fish", "--no-config", "-c", "source %s; complete -C %s"
                              % (os.path.join(COMPLETIONS, "imgsh.fish"), _q(line))], env=self.env(),
                             cwd=self.work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(res.returncode, 0, res.stderr.decode())
        return sorted(l.split("\t")[0] for l in res.stdout.decode().splitlines())

    @unittest.skipUnless(shutil.which("fish"), "fish is not installed")
    def test_fish_parses_and_completes_remote_names(self):
        script = os.path.join(COMPLETIONS, "imgsh.fish")
        res = subprocess.run(["fish", "-n", script], stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(res.returncode, 0, res.stderr)
        res = subprocess.run(["fish", "--no-config", "-c", "source %s; complete -C 'imgsh %s get ca'"
                              % (script, self.server.addr)], env=self.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        names = sorted(l.split("\t")[0] for l in res.stdout.decode().splitlines())
        self.assertEqual(names, ["car.png", "cat.png"], res.stderr.decode())

    @unittest.skipUnless(shutil.which("zsh"), "zsh is not installed")
    def test_zsh_parses(self):
        res = subprocess.run(["zsh", "-n", os.path.join(COMPLETIONS, "_imgsh")],
                             stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(res.returncode, 0, res.stderr)

    def test_cmake_install_puts_them_in_the_standard_places(self):
        build = os.path.dirname(os.path.dirname(IMGSH))
        if not os.path.exists(os.path.join(build, "cmake_install.cmake")):
            self.skipTest("no build tree next to %s" % IMGSH)
        prefix = self.mkdir("prefix")
        res = subprocess.run(["cmake", "--install", build, "--prefix", prefix],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(res.returncode, 0, res.stdout.decode())
        for path in ("share/bash-completion/completions/imgsh",
                     "share/bash-completion/completions/imgsrv",
                     "share/zsh/site-functions/_imgsh",
                     "share/fish/vendor_completions.d/imgsh.fish",
                     "share/fish/vendor_completions.d/imgsrv.fish"):
            self.assertTrue(os.path.isfile(os.path.join(prefix, path)), path)


def help_long_options(*argv):
    """The long options `argv --help` lists: the --NAMEs at the start of its option lines."""
    res = subprocess.run(list(argv) + ["--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=30)
    if res.returncode != 0:
        raise AssertionError("%s --help failed: %s" % (" ".join(argv), res.stderr.decode()))
    options = set()
    for line in res.stdout.decode().splitlines():
        m = re.match(r"\s+(-\S+)", line)
        if m:
            options.update(re.findall(r"--[A-Za-z0-9][A-Za-z0-9-]*", m.group(1)))
    return options


def script_part(shell, program):
    """The text of a completion script that completes `program`: bash's _PROGRAM function,
    zsh's _PROGRAM_main, fish's `complete -c PROGRAM` lines (both programs share a script)."""
    if shell == "fish":
        with open(os.path.join(COMPLETIONS, "imgsh.fish")) as f:
            return "\n".join(l for l in f.read().splitlines() if l.startswith("complete -c %s " % program))
    name, function = {"bash": ("imgsh.bash", "_%s" % program),
                      "zsh": ("_imgsh", "_%s_main" % program)}[shell]
    with open(os.path.join(COMPLETIONS, name)) as f:
        m = re.search(r"^%s\(\) \{\n(.*?)^\}" % re.escape(function), f.read(), re.M | re.S)
    if not m:
        raise AssertionError("no function %s in completions/%s" % (function, name))
    return m.group(1)


def knows_option(shell, text, option):
    """Whether `text` (a script_part) names the long option: --NAME in bash and zsh
    (--NAME, --NAME=, {-x,--NAME}...), `-l NAME` in fish."""
    if shell == "fish":
        pattern = r"(?:-l|--long-option)\s+%s(?![\w-])" % re.escape(option[2:])
    else:
        pattern = r"(?<![\w-])%s(?![\w-])" % re.escape(option)
    return re.search(pattern, text) is not None


class CompletionOptionsTest(unittest.TestCase):
    """No drift: an option added to a program's --help fails here until every completion
    script completes it."""

    def test_every_script_knows_every_option_of_the_help(self):
        imgsh = help_long_options(IMGSH)
        imgsrv = help_long_options(IMGSRV)
        token_add = help_long_options(IMGSRV, "token", "add")
        check = help_long_options(IMGSRV, "check")
        for found, argv in ((imgsh, "imgsh"), (imgsrv, "imgsrv"), (token_add, "imgsrv token add"),
                            (check, "imgsrv check")):
            self.assertIn("--help", found, "nothing parsed from %s --help" % argv)
        missing = []
        for shell in ("bash", "zsh", "fish"):
            for program, options in (("imgsh", imgsh), ("imgsrv", imgsrv | token_add | check)):
                text = script_part(shell, program)
                missing += ["%s: %s %s" % (shell, program, o) for o in sorted(options)
                            if not knows_option(shell, text, o)]
        if missing:
            self.fail("options of --help the completion scripts do not complete:\n  " + "\n  ".join(missing))


def _q(s):
    return "'" + s.replace("'", "'\\''") + "'"


if __name__ == "__main__":
    unittest.main()
