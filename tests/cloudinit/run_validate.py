#!/usr/bin/env python3
"""Validator case for coreos-cloudinit --validate.

A case is one user-data file. Its comment lines say what to expect:
  # expect: line <n>: <kind>: <message>    one per entry the validator must print (all of
                                           them, in order; none: the file must be clean);
                                           write `\$var` for `$var`, so the comment itself
                                           is not substituted
  # env: KEY=VALUE                         environment for the run (COREOS_* are cleared)
The exit status must be 1 when entries are expected and 0 otherwise.

usage: run_validate.py BINARY CASE_FILE
"""
import os
import re
import subprocess
import sys

STAMP = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} ")


def main():
    binary, case = sys.argv[1], sys.argv[2]
    with open(case, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    expected, env = [], {k: v for k, v in os.environ.items() if not k.startswith("COREOS_")}
    for line in text.splitlines():
        m = re.match(r"^\s*# expect: (.*)$", line)
        if m:
            expected.append(m.group(1).rstrip().replace("\\$", "$"))
        m = re.match(r"^\s*# env: ([A-Z0-9_]+)=(.*)$", line)
        if m:
            env[m.group(1)] = m.group(2)
    proc = subprocess.run([binary, "--validate", "--from-file", case, "--timeout", "5"],
                          env=env, capture_output=True, text=True, timeout=60)
    # Validator entries carry Go's log prefix; the program's own log lines a "[level]".
    got = [STAMP.sub("", l) for l in proc.stderr.splitlines()
           if STAMP.match(l) and STAMP.sub("", l).startswith("line ")]
    status = 1 if expected else 0
    ok = got == expected and proc.returncode == status
    if not ok:
        print(f"exit status {proc.returncode} (want {status})")
        print("expected:\n  " + "\n  ".join(expected))
        print("got:\n  " + "\n  ".join(got))
        print("stderr:\n" + proc.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
