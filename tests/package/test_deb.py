"""The .deb that `make deb` builds (cpack -G DEB, packaging.cmake, deploy/): the files a
Debian user expects at their paths, the control fields (Depends from dpkg-shlibdeps,
section, priority, maintainer), and lintian: no error, no warning, and every override in
deploy/imgsh.lintian-overrides carries its reason."""

import glob
import gzip
import os
import re
import subprocess
import tarfile
import tempfile
import unittest

SOURCE = os.environ["IMGSH_SOURCE"]
TREE = os.environ["IMGSH_DEB_TREE"]
CMAKE = os.environ.get("CMAKE_COMMAND", "cmake")
CPACK = os.environ.get("CPACK_COMMAND", "cpack")
OVERRIDES = os.path.join(SOURCE, "deploy", "imgsh.lintian-overrides")

# Where each shipped file belongs (Debian 12: units under /lib/systemd/system), and its
# source in the tree when it is shipped as it is.
EXPECTED = {
    "usr/bin/imgsh": None,
    "usr/bin/imgsrv": None,
    "usr/share/man/man1/imgsh.1.gz": "man/imgsh.1",
    "usr/share/man/man8/imgsrv.8.gz": "man/imgsrv.8",
    "usr/share/bash-completion/completions/imgsh": "completions/imgsh.bash",
    "usr/share/bash-completion/completions/imgsrv": "completions/imgsh.bash",
    "usr/share/zsh/site-functions/_imgsh": "completions/_imgsh",
    "usr/share/fish/vendor_completions.d/imgsh.fish": "completions/imgsh.fish",
    "usr/share/fish/vendor_completions.d/imgsrv.fish": "completions/imgsh.fish",
    "lib/systemd/system/imgsrv.service": None,
    "usr/share/doc/imgsh/copyright": "deploy/copyright",
    "usr/share/doc/imgsh/changelog.gz": None,
    "usr/share/doc/imgsh/examples/imgsrv.conf.example": "deploy/imgsrv.conf.example",
    "usr/share/lintian/overrides/imgsh": "deploy/imgsh.lintian-overrides",
}


def run(argv, **kw):
    res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1400, **kw)
    if res.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s" % (" ".join(argv), res.returncode,
                                                     res.stdout.decode(errors="replace")[-4000:]))
    return res.stdout.decode(errors="replace")


def build_package():
    """Configures the Release tree as `make release` does, builds it, packs it; returns the .deb."""
    configure = [CMAKE, "-S", SOURCE, "-B", TREE, "-DIMGSH_WERROR=ON", "-DCMAKE_BUILD_TYPE=Release",
                 "-DIMGSH_TESTS=OFF", "-DCMAKE_INSTALL_PREFIX=/usr", "-DIMGSH_SYSTEMD_UNIT_DIR=/lib/systemd/system"]
    if os.environ.get("IMGSH_CXX"):
        configure.append("-DCMAKE_CXX_COMPILER=" + os.environ["IMGSH_CXX"])
    if os.environ.get("IMGSH_CXX_LAUNCHER"):
        configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=" + os.environ["IMGSH_CXX_LAUNCHER"])
    run(configure)
    run([CMAKE, "--build", TREE, "-j2"])
    for old in glob.glob(os.path.join(TREE, "imgsh_*.deb")):
        os.unlink(old)
    run([CPACK, "-G", "DEB"], cwd=TREE)
    debs = glob.glob(os.path.join(TREE, "imgsh_*.deb"))
    if len(debs) != 1:
        raise AssertionError("cpack made %r, not one imgsh_*.deb" % debs)
    return debs[0]


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.deb = build_package()
        cls.scratch = tempfile.TemporaryDirectory(prefix="imgsh-deb-")
        cls.files = os.path.join(cls.scratch.name, "files")
        run(["dpkg-deb", "-x", cls.deb, cls.files])

    @classmethod
    def tearDownClass(cls):
        cls.scratch.cleanup()

    def field(self, name):
        return run(["dpkg-deb", "-f", self.deb, name]).strip()

    def test_files_at_their_debian_paths(self):
        listing = run(["dpkg-deb", "-c", self.deb])
        entries = {}
        for line in listing.splitlines():
            parts = line.split()
            entries[re.sub(r"^\./", "", parts[-1]).rstrip("/")] = (parts[0], parts[1])
        for path, source in EXPECTED.items():
            self.assertTrue(path in entries, path + " is not in the package")
            mode, owner = entries[path]
            self.assertEqual(owner, "root/root", path)
            self.assertEqual(mode, "-rwxr-xr-x" if path.startswith("usr/bin/") else "-rw-r--r--", path)
            if source:
                with open(os.path.join(SOURCE, source), "rb") as want:
                    opener = gzip.open if path.endswith(".gz") else open
                    with opener(os.path.join(self.files, path), "rb") as got:
                        self.assertEqual(got.read(), want.read(), "%s is not %s" % (path, source))
        stray = [p for p, (mode, _) in entries.items()
                 if not mode.startswith("d") and p not in EXPECTED]
        self.assertEqual(stray, [], "files shipped that nobody listed")
        # The example stays an example: /etc/imgsrv/imgsrv.conf would change the
        # defaults of every imgsrv started by hand (it sets root and port).
        self.assertFalse(any(p.startswith("etc/") for p in entries), "nothing under /etc")

    def test_binaries_are_stripped_and_run(self):
        for name in ("imgsh", "imgsrv"):
            path = os.path.join(self.files, "usr/bin", name)
            self.assertNotIn("not stripped", run(["file", "-L", path]))
            self.assertIn("--help", run([path, "--help"]) + "--help")

    def test_unit_starts_the_packaged_binary(self):
        with open(os.path.join(self.files, "lib/systemd/system/imgsrv.service")) as f:
            unit = f.read()
        self.assertRegex(unit, r"(?m)^ExecStart=/usr/bin/imgsrv ")
        self.assertNotRegex(unit, r"@[A-Z_]+@", "a configure_file variable left")

    def test_changelog_names_this_version(self):
        with gzip.open(os.path.join(self.files, "usr/share/doc/imgsh/changelog.gz"), "rt") as f:
            first = f.readline()
        self.assertTrue(first.startswith("imgsh (%s) " % self.field("Version")), first)

    def test_control_fields(self):
        self.assertEqual(self.field("Package"), "imgsh")
        self.assertEqual(self.field("Section"), "net")
        self.assertEqual(self.field("Priority"), "optional")
        maintainer = self.field("Maintainer")
        self.assertRegex(maintainer, r"^[^<>]+ <[^@<>\s]+@[^@<>\s]+\.[a-z]+>$")
        self.assertNotIn("localhost", maintainer)
        # dpkg-shlibdeps: the libraries the binaries link, with versions.
        depends = [d.strip() for d in self.field("Depends").split(",")]
        names = {d.split()[0] for d in depends}
        for lib in ("libc6", "libstdc++6", "libssl3", "libedit2", "libsystemd0", "libxxhash0", "libspng0",
                    "libjpeg62-turbo"):
            self.assertIn(lib, names)
        self.assertTrue(any(d.startswith("libc6 (>= ") for d in depends), depends)

    def test_every_override_gives_its_reason(self):
        with open(OVERRIDES) as f:
            lines = [l.rstrip("\n") for l in f]
        overrides = [i for i, l in enumerate(lines) if l.strip() and not l.startswith("#")]
        self.assertTrue(overrides)
        for i in overrides:
            self.assertTrue(lines[i].startswith("imgsh: "), lines[i])
            self.assertTrue(i > 0 and lines[i - 1].startswith("# ") and len(lines[i - 1]) > 10,
                            "override without a reason above it: " + lines[i])

    def test_lintian_finds_no_error_and_no_warning(self):
        # Overridden tags come out as O: (lintian reads the package's own overrides);
        # -I: info tags too, so the override (of an info tag) shows it is still used.
        res = subprocess.run(["lintian", "-I", "--fail-on", "error,warning", "--show-overrides", self.deb],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        out = res.stdout.decode(errors="replace")
        serious = [l for l in out.splitlines() if re.match(r"^[EW]: ", l)]
        self.assertEqual(serious, [], out)
        self.assertEqual(res.returncode, 0, out)
        self.assertIn("O: imgsh: package-supports-alternative-init-but-no-init.d-script", out,
                      "the override is used (an unused one is stale)")


if __name__ == "__main__":
    unittest.main()
