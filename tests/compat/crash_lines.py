"""Lines in a process's output that mean it crashed or broke an invariant, not merely
logged an error: sanitizer reports, failed asserts, std::terminate, fatal signals and our
programs' `critical` lines; for the real etcd (Go), its panics and fatal errors. The one
definition for every tier (tests/cluster/harness.py, the agents' harnesses).

    crash_lines(text)                        # the matching lines of one output
    log_problems(paths)                      # ["<path>:<n>: <line>\\n      <next lines>", ...]
    log_problems(paths, tolerated=re.compile("Cannot become the update coordinator"))

A process killed with SIGKILL writes no such line; a test that provokes one on purpose
passes `tolerated` (a regex of exactly the lines it expects).

Standard library only; usable from any test tier.
"""

import re

BAD_LINES = {
    # Our C++ programs, built with ASan + UBSan in make test. LeakSanitizer's report
    # starts with its own name (its SUMMARY line says AddressSanitizer).
    "etcd2": re.compile(r": critical: |ETCD_ASSERT failed|terminate called|AddressSanitizer|"
                        r"LeakSanitizer|runtime error:|Segmentation fault|stack smashing|"
                        r"double free"),
    "etcd": re.compile(r'"level":"(fatal|panic)"|^panic: |fatal error:|'
                       r"goroutine \d+ \[running\]"),
}
# The agents, their CLIs and fakes, coreos-cloudinit: etcd2's lines, and `critical` in
# their own log formats ("2026-01-02 03:04:05.678 critical: ", under journald "critical: ",
# coreos-cloudinit's "[critical]"), which they log before exiting on a fatal error.
OURS = re.compile(BAD_LINES["etcd2"].pattern +
                  r"|^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ )?critical: |\[critical\] ")


def crash_lines(text, pattern=OURS, tolerated=None):
    """The lines of text that match pattern and not tolerated."""
    return [line for line in text.splitlines()
            if pattern.search(line) and not (tolerated and tolerated.search(line))]


def log_problems(paths, pattern=OURS, tolerated=None, context=6):
    """One entry per file with a crash line: the path, the first such line with its line
    number, and the `context` lines after it (a sanitizer report's first frames). A file
    that does not exist is skipped: the process it belongs to never started."""
    problems = []
    for path in paths:
        try:
            with open(path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            continue
        for n, line in enumerate(lines):
            if pattern.search(line) and not (tolerated and tolerated.search(line)):
                after = [l[:300] for l in lines[n + 1:n + 1 + context]]
                problems.append("%s:%d: %s" % (path, n + 1, line.strip()[:300]) +
                                "".join("\n      " + l for l in after))
                break
    return problems


def verdict(crashes, failure, failure_class):
    """The end of a scenario, once its processes have stopped: raises failure_class naming
    the crash lines (after the scenario's own failure, if there was one), else re-raises
    that failure, else returns."""
    if crashes:
        raise failure_class("%scrash lines:\n%s" % ("%s; " % failure if failure else "",
                                                     "\n".join(crashes)))
    if failure:
        raise failure
