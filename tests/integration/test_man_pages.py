"""man/: imgsh(1) and imgsrv(8) are lint-clean mdoc (mandoc -Tlint), document every
option their programs' --help lists (imgsh, imgsrv, imgsrv token add) and every imgsh
command, and `cmake --install` puts them, gzipped, under share/man. The example
options file deploy/imgsrv.conf.example names every option of imgsrv --help too."""

import gzip
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from procs import IMGSH, IMGSRV, SOURCE_ROOT

MAN = os.path.join(SOURCE_ROOT, "man")
PAGES = {"imgsh": os.path.join(MAN, "imgsh.1"), "imgsrv": os.path.join(MAN, "imgsrv.8")}
CONF_EXAMPLE = os.path.join(SOURCE_ROOT, "deploy", "imgsrv.conf.example")

# mandoc checks each .Xr against the manual database of this machine: whether sftp(1)
# or the other page of this pair is installed says nothing about these pages.
MACHINE_DEPENDENT = re.compile(r"referenced manual not found|mandoc\.db")


def help_text(*argv):
    res = subprocess.run(list(argv) + ["--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=30)
    if res.returncode != 0:
        raise AssertionError("%s --help failed: %s" % (" ".join(argv), res.stderr.decode()))
    return res.stdout.decode()


def help_options(*argv):
    """Every option `argv --help` lists: the -x and --name at the start of its option lines."""
    options = set()
    for line in help_text(*argv).splitlines():
        m = re.match(r"\s+(-\S+)", line)
        if m:
            options.update(re.findall(r"--?[A-Za-z0-9][A-Za-z0-9-]*", m.group(1)))
    return options


def page_items(page, macro):
    """The arguments of `macro` (Fl or Ic) on the page's .It lines: the entries it
    documents. `.It Fl b Ar file , Fl -batch Ar file` gives -b and --batch."""
    found = set()
    with open(page) as f:
        for line in f:
            if line.startswith(".It "):
                for arg in re.findall(r"\b%s\s+(\S+)" % macro, line):
                    found.add("-" + arg if macro == "Fl" else arg.replace("\\&", ""))
    return found


class ManPageTest(unittest.TestCase):
    def test_pages_are_lint_clean(self):
        if not shutil.which("mandoc"):
            self.skipTest("mandoc is not installed")
        for name, page in PAGES.items():
            with self.subTest(page=name):
                res = subprocess.run(["mandoc", "-Tlint", "-Wstyle", page], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, timeout=30)
                messages = [l for l in res.stdout.decode().splitlines()
                            if not MACHINE_DEPENDENT.search(l)]
                self.assertEqual(messages, [], "mandoc -Tlint %s" % page)

    def test_every_option_of_the_help_is_documented(self):
        wanted = {"imgsh": help_options(IMGSH),
                  "imgsrv": help_options(IMGSRV) | help_options(IMGSRV, "token", "add")}
        for name, options in wanted.items():
            self.assertIn("--help", options, "nothing parsed from %s --help" % name)
            documented = page_items(PAGES[name], "Fl")
            self.assertEqual(sorted(options - documented), [],
                             "options %s --help lists and %s lacks" % (name, PAGES[name]))

    def test_every_shell_command_is_documented(self):
        m = re.search(r"^Commands: (.*)$", help_text(IMGSH), re.M)
        self.assertIsNotNone(m, "no Commands: line in imgsh --help")
        commands = {c.strip() for c in m.group(1).split(",")}
        self.assertIn("get", commands)
        documented = page_items(PAGES["imgsh"], "Ic")
        self.assertEqual(sorted(commands - documented), [], "commands imgsh(1) lacks")

    def test_example_config_names_every_server_option(self):
        with open(CONF_EXAMPLE) as f:
            names = set(re.findall(r"^(?:# )?([a-z][a-z0-9-]*) = ", f.read(), re.M))
        # --config and --check-config are for the command line only.
        options = {o[2:] for o in help_options(IMGSRV) if o.startswith("--")} - {"help", "version", "config",
                                                                                  "check-config"}
        self.assertEqual(sorted(options - names), [], "options imgsrv.conf.example lacks")

    def test_cmake_install_puts_them_under_share_man(self):
        build = os.path.dirname(os.path.dirname(IMGSH))
        if not os.path.exists(os.path.join(build, "cmake_install.cmake")):
            self.skipTest("no build tree next to %s" % IMGSH)
        with tempfile.TemporaryDirectory(prefix="imgsh-man-") as prefix:
            res = subprocess.run(["cmake", "--install", build, "--prefix", prefix],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
            self.assertEqual(res.returncode, 0, res.stdout.decode())
            for installed, source in (("share/man/man1/imgsh.1.gz", PAGES["imgsh"]),
                                      ("share/man/man8/imgsrv.8.gz", PAGES["imgsrv"])):
                path = os.path.join(prefix, installed)
                self.assertTrue(os.path.isfile(path), installed)
                with gzip.open(path, "rb") as got, open(source, "rb") as want:
                    self.assertEqual(got.read(), want.read(), "%s is %s" % (installed, source))


if __name__ == "__main__":
    unittest.main()
