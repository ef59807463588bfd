"""completions/: bash's script registers for imgsh and imgsrv and completes options, past
targets and the remote names of a live server (driven the way bash drives it: COMP_LINE,
COMP_POINT, COMP_WORDS split at COMP_WORDBREAKS, COMP_CWORD, then COMPREPLY read back);
fish's does the same through `complete -C`; zsh's and fish's parse (zsh -n, fish -n);
`cmake --install` puts them where bash-completion, zsh and fish look."""

import os
import re
import shutil
import subprocess
import unittest

from harness import IMGSH, IMGSRV, IntegrationTest, SOURCE_ROOT, make_png

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

    @unittest.skipUnless(os.path.exists(BASH_COMPLETION), "bash-completion is not installed")
    def test_bash_completes_local_files_after_put(self):
        make_png(self.work_path("local-one.png"), 8, 8, seed=5)
        self.assertEqual(self.bash_complete("imgsh %s put local" % self.server.addr), ["local-one.png"])

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


def _q(s):
    return "'" + s.replace("'", "'\\''") + "'"


if __name__ == "__main__":
    unittest.main()
