"""Unit tests of the crash-line check (ctest: compat_crash_lines): real report lines of
each kind are caught, with their file, line number and the report's next lines; ordinary
error lines, tolerated lines and missing files are not; the cluster harness and Cluster use
the same patterns.

    /usr/bin/python3 tests/compat/crash_lines_test.py [-v]
"""

import os
import re
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))

import cluster  # noqa: E402
import crash_lines  # noqa: E402

CRASHES = [
    "==4711==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc "
    "0x55d5c3 bp 0x7ffd sp 0x7ffd",
    "agents/flannel/subnet.cc:88:17: runtime error: signed integer overflow: 2147483647 + 1 "
    "cannot be represented in type 'int'",
    "==99==ERROR: LeakSanitizer: detected memory leaks",
    "SUMMARY: AddressSanitizer: 24 byte(s) leaked in 1 allocation(s).",
    "terminate called after throwing an instance of 'std::system_error'",
    "ETCD_ASSERT failed: index > 0 (no entry) at etcd/raft/log.cc:42",
    "2026-11-30 14:02:11.123456 m0: critical: wal: cannot write",
    "2026-11-30 14:02:11.123 critical: agent: bad_variant_access",  # an agent
    "critical: agent: bad_variant_access",  # an agent under journald
    "2026/11/30 14:02:11 [critical] cannot render",  # coreos-cloudinit
    "Segmentation fault (core dumped)",
    "*** stack smashing detected ***: terminated",
    "free(): double free detected in tcache 2",
]
CLEAN = [
    "2026-11-30 14:02:11.123456 m0: error: raft: lost leader",
    "2026-11-30 14:02:11.123 error: reloading the configuration: bad line; keeping the "
    "previous one",
    "2026-11-30 14:02:11.123 info: unit critical-app.service started",
    "caught std::runtime_error in a unit's output",
    "Received interrupt/termination signal - locksmithd is exiting.",
]
GO_PANIC = ["panic: runtime error: index out of range [3] with length 3",
            '{"level":"fatal","msg":"cannot open WAL"}', "goroutine 1 [running]:"]


class CrashLines(unittest.TestCase):
    def test_every_kind_of_report(self):
        for line in CRASHES:
            self.assertEqual(crash_lines.crash_lines("ok\n" + line + "\nok\n"), [line], line)

    def test_ordinary_lines(self):
        self.assertEqual(crash_lines.crash_lines("\n".join(CLEAN)), [])

    def test_real_etcd(self):
        go = crash_lines.BAD_LINES["etcd"]
        for line in GO_PANIC:
            self.assertEqual(crash_lines.crash_lines(line, go), [line])
        self.assertEqual(crash_lines.crash_lines('{"level":"error","msg":"x"}', go), [])

    def test_tolerated(self):
        line = "2026-11-30 14:02:11.123 critical: Cannot become the update coordinator: x"
        tolerated = re.compile("Cannot become the update coordinator")
        self.assertEqual(crash_lines.crash_lines(line, tolerated=tolerated), [])
        self.assertEqual(crash_lines.crash_lines(line + "\n" + CRASHES[0], tolerated=tolerated),
                         [CRASHES[0]])


class LogProblems(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="crash-lines-test-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, lines):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("".join(line + "\n" for line in lines))
        return path

    def test_file_line_and_context(self):
        report = [CRASHES[0], "READ of size 8 at 0x602000000010 thread T3",
                  "    #0 0x55d5c3 in corestack::fleet::Agent::reconcile() agent.cc:120:5",
                  "    #1 0x55d5c4 in main fleetd_main.cc:470:7"]
        bad = self.write("fleetd.log", ["2026-11-30 14:02:11.123 info: starting fleetd"] +
                         report + ["SUMMARY: AddressSanitizer: heap-use-after-free"])
        clean = self.write("systemd.log", CLEAN)
        missing = os.path.join(self.dir, "never-started.log")
        problems = crash_lines.log_problems([clean, bad, missing], context=3)
        self.assertEqual(len(problems), 1)  # one entry per file: its first crash line
        self.assertEqual(problems[0], "%s:2: %s\n      %s\n      %s\n      %s" % (
            bad, report[0], report[1], report[2], report[3]))

    def test_tolerated_and_go(self):
        path = self.write("m0.log", ["2026-11-30 14:02:11.123 critical: expected", CLEAN[0]])
        self.assertEqual(crash_lines.log_problems([path], tolerated=re.compile("expected")), [])
        self.assertEqual(crash_lines.log_problems([path], crash_lines.BAD_LINES["etcd"]), [])

    def test_cluster_checks_every_member_log(self):
        # No member is started: log_crashes reads whatever logs the cluster dir holds.
        c = cluster.Cluster("etcd2", 1, binary="/bin/true", base_dir=self.dir, start=False)
        try:
            with open(os.path.join(c.dir, "try0-m0.log"), "w") as f:
                f.write("=== started\n" + CRASHES[1] + "\n")
            with open(os.path.join(c.dir, "try1-m0.log"), "w") as f:
                f.write("\n".join(CLEAN) + "\n")
            problems = c.log_crashes()
            self.assertEqual(len(problems), 1)
            self.assertIn("try0-m0.log:2: " + CRASHES[1], problems[0])
        finally:
            c.stop()

    def test_one_definition(self):
        import harness  # tests/cluster: its member checks use the same patterns
        self.assertIs(harness.BAD_LINES, crash_lines.BAD_LINES)

    def test_verdict(self):
        class Boom(Exception):
            pass
        crash_lines.verdict([], None, Boom)  # clean and passed: returns
        scenario_failed = Boom("the scenario's check")
        with self.assertRaises(Boom) as raised:
            crash_lines.verdict([], scenario_failed, Boom)
        self.assertIs(raised.exception, scenario_failed)
        with self.assertRaisesRegex(Boom, r"^the scenario's check; crash lines:\nlog:1: x$"):
            crash_lines.verdict(["log:1: x"], scenario_failed, Boom)
        with self.assertRaisesRegex(Boom, r"^crash lines:\nlog:1: x$"):
            crash_lines.verdict(["log:1: x"], None, Boom)


if __name__ == "__main__":
    unittest.main()
