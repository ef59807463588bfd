"""Output that scripts can trust: data on stdout (ls names, stat fields), report lines on
stderr (as curl and sftp do); -q hides ok reports but never data; names with spaces or
quotes are shell-quoted in report lines, so a shell splits them into fields; transfer
rates are in MiB/s, as the progress bar counts."""

import os
import re
import shlex
import unittest

from checks import IntegrationTest
from files import listing
from images import make_png


class ScriptOutputTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.names = ["a.png", "b.png", "my holiday.png", "it's.png"]
        for seed, name in enumerate(self.names, 1):
            make_png(self.root_path(name), 8, 8, seed=seed)
        self.server = self.start_server()

    def assertNoReportOnStdout(self, res):
        self.assertEqual(res.stdout_reports, [], "report lines on stdout\n" + res.describe())

    def test_ls_stdout_holds_only_the_names(self):
        res = self.imgsh(self.server.addr, "ls")
        self.assertOk(res, op="list")
        self.assertNoReportOnStdout(res)
        # one line per file, as `imgsh T ls | wc -l` counts
        self.assertEqual(sorted(res.stdout.splitlines()), sorted(self.names), res.describe())

    def test_failure_goes_to_stderr_stdout_stays_empty(self):
        res = self.imgsh(self.server.addr, "get", "nosuch.png")
        self.assertFail(res, "not_found", op="get", file="nosuch.png")
        self.assertEqual(res.stdout, "", res.describe())
        self.assertEqual(listing(self.work), [])

    def test_quiet_stat_still_prints_the_fields(self):
        res = self.imgsh("-q", self.server.addr, "stat", "a.png")
        self.assertExit(res, 0)
        self.assertEqual(res.reports, [], res.describe())
        fields = dict(line.split(": ", 1) for line in res.stdout.splitlines())
        self.assertEqual(fields["name"], "a.png")
        self.assertEqual(int(fields["size"]), os.path.getsize(self.root_path("a.png")))
        self.assertRegex(fields["xxh3"], r"^[0-9a-f]{16,32}$")
        self.assertRegex(fields["modified"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")

    def test_quiet_hides_ok_reports_not_failures(self):
        res = self.imgsh("-q", self.server.addr, input="ls\nget a.png\n-get nosuch.png\n")
        self.assertExit(res, 0)
        self.assertEqual([(r.op, r.status, r.code) for r in res.reports], [("get", "fail", "not_found")],
                         res.describe())
        self.assertEqual(sorted(res.stdout.splitlines()), sorted(self.names), res.describe())

    def test_names_with_spaces_and_quotes_split_into_fields(self):
        res = self.imgsh(self.server.addr, input="get 'my holiday.png'\nget \"it's.png\"\n")
        self.assertOk(res, op="get", reports=2)
        self.assertNoReportOnStdout(res)
        lines = [r.line for r in res.reports]
        for line, name in zip(lines, ["my holiday.png", "it's.png"]):
            fields = shlex.split(line)
            self.assertEqual(fields[1:4], ["get", name, "ok"], line)
            self.assertEqual(fields[6:10], ["bytes", "to", name, "in"], line)  # the local path too
        self.assertEqual(sorted(listing(self.work)), sorted(["my holiday.png", "it's.png"]))

    def test_rate_is_in_mib_per_second(self):
        make_png(self.work_path("big.png"), 1100, 1000, seed=9, level=0)  # ~3 MiB: the report gives a rate
        res = self.imgsh(self.server.addr, "put", "big.png")
        r = self.assertOk(res, op="put", file="big.png")
        m = re.search(r"stored (\d+) bytes in ([\d.]+) s \(([\d.]+) (\S+)\)", r.message)
        self.assertTrue(m, res.describe())
        size, seconds, rate, unit = int(m.group(1)), float(m.group(2)), float(m.group(3)), m.group(4)
        self.assertEqual(unit, "MiB/s")
        self.assertGreater(size, 1 << 20)
        # the figure is bytes / seconds / 2^20, to the rounding of the printed seconds and rate
        low = size / (seconds + 0.0005) / (1 << 20) - 0.05
        high = size / max(seconds - 0.0005, 1e-9) / (1 << 20) + 0.05
        self.assertTrue(low <= rate <= high, "%s not in [%s, %s]\n%s" % (rate, low, high, res.describe()))


if __name__ == "__main__":
    unittest.main()
