#!/usr/bin/python3
"""Golden comparison: the same etcdctl scenario run by the real etcdctl (ETCDCTL_API=2)
and by our etcdctl2, each against a fresh one-member etcd2 cluster; stdout, stderr and exit codes must
match after normalisation (indices relative to each pass's start, the IDs and URLs that
differ by pass, timestamps, the program name in help text: urfave/cli prints the basename
of argv[0], so "etcdctl" and "etcdctl2" both become <PROG>).

    golden.py --etcd2 build/etcd/cmd/etcd2 --ours build/etcd/cmd/etcdctl2 \
              [--real /usr/bin/etcdctl] [--scenario scenario.txt] [-v] [--keep-going]

Scenario lines are etcdctl argument lists (shell-quoted); `--endpoints ${C}` is put in
front unless the line says @noendpoints. Directives before the arguments:
    @stdin=TEXT        feed TEXT (no newline) on stdin (default: empty stdin)
    @capture NAME=RE   after the step, ${NAME} := group 1 of RE searched in its stdout
                       (quote it: shlex drops unquoted backslashes, "\s" would become "s");
                       a capture that matches nothing counts as a difference
    @lines=N           a long-running step (exec-watch): read N stdout lines, then SIGINT
                       (not getting them within the step timeout counts as a difference)
    @sort              compare stdout as sorted lines (exec-watch children race)
    @noendpoints       no --endpoints ${C}
    @env K=V           extra environment variable
Variables: ${C} the member's client URL, ${DEAD} a port nothing listens on, ${NEWPEER}
and ${NEWPEER2} peer URLs unique to the pass, and the captures.

Exit status: 0 no differences, 1 differences (printed as unified diffs), 77 skipped
(the real etcdctl is missing).
"""

import argparse
import difflib
import json
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compat"))
import cluster as clusterlib  # noqa: E402

STEP_TIMEOUT_S = 20


class Step:
    def __init__(self, lineno, text):
        self.lineno = lineno
        self.text = text
        self.stdin = ""
        self.captures = []
        self.lines = None
        self.sort = False
        self.endpoints = True
        self.env = {}
        tokens = shlex.split(text)
        while tokens and tokens[0].startswith("@"):
            d = tokens.pop(0)
            if d.startswith("@stdin="):
                self.stdin = d[len("@stdin="):]
            elif d == "@capture":
                name, regex = tokens.pop(0).split("=", 1)
                self.captures.append((name, regex))
            elif d.startswith("@lines="):
                self.lines = int(d[len("@lines="):])
            elif d == "@sort":
                self.sort = True
            elif d == "@noendpoints":
                self.endpoints = False
            elif d == "@env":
                k, v = tokens.pop(0).split("=", 1)
                self.env[k] = v
            else:
                raise ValueError("line %d: unknown directive %s" % (lineno, d))
        self.args = tokens


def load(path):
    steps = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if line and not line.startswith("#"):
                steps.append(Step(n, line))
    return steps


def substitute(token, variables):
    return re.sub(r"\$\{(\w+)\}", lambda m: variables[m.group(1)], token)


def read_lines(stream, lines, deadline):
    """Up to `lines` lines from `stream`, never waiting past `deadline` (readline() alone
    would block forever on a watch that gets no event)."""
    fd = stream.fileno()
    buf = b""
    while buf.count(b"\n") < lines:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return b"".join(buf.splitlines(True)[:lines]), False
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk
    return b"".join(buf.splitlines(True)[:lines]), True


def run_long(argv, env, lines):
    """Starts argv, reads `lines` stdout lines, then SIGINTs it (Ctrl-C). Not getting them
    within STEP_TIMEOUT_S is reported as a problem of the step."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, start_new_session=True)
    got, complete = read_lines(p.stdout, lines, time.monotonic() + STEP_TIMEOUT_S)
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=STEP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        _, err = p.communicate()
    problems = [] if complete else ["@lines=%d: fewer lines within %ds" % (lines, STEP_TIMEOUT_S)]
    return got, err, p.returncode, problems


def run_step(tool, step, variables, base_env):
    args = [substitute(t, variables) for t in step.args]
    if step.endpoints:
        args = ["--endpoints", variables["C"]] + args
    env = dict(base_env)
    env.update({k: substitute(v, variables) for k, v in step.env.items()})
    argv = [tool] + args
    problems = []
    if step.lines is not None:
        out, err, rc, problems = run_long(argv, env, step.lines)
    else:
        try:
            p = subprocess.run(argv, input=step.stdin.encode(), capture_output=True, env=env,
                               timeout=STEP_TIMEOUT_S)
            out, err, rc = p.stdout, p.stderr, p.returncode
        except subprocess.TimeoutExpired as e:
            out, err, rc = e.stdout or b"", (e.stderr or b"") + b"<TIMEOUT>", -1
    out = out.decode(errors="replace")
    err = err.decode(errors="replace")
    for name, regex in step.captures:
        m = re.search(regex, out)
        variables[name] = m.group(1) if m else "<no %s>" % name
        if not m:
            problems.append("@capture %s matched nothing in its stdout" % name)
    return out, err, rc, problems


def normalise(text, base, replacements, prog):
    for value, name in replacements:
        if value:
            text = text.replace(value, name)
    # urfave/cli's help names the program by the basename of argv[0], always on a line
    # indented by three spaces (NAME, USAGE); literal "etcdctl" elsewhere stays.
    text = re.sub(r"^(   )%s(?= |$)" % re.escape(prog), r"\1<PROG>", text, flags=re.M)
    # The versions differ by design (3.4.23 vs ours).
    text = re.sub(r"^(VERSION:\n   )\S+$", r"\1<VERSION>", text, flags=re.M)
    # etcdctl's password prompt shells out to `stty -echo` and `stty echo`, which complain
    # on stderr when stdin is not a terminal; a side effect, not an output of the tool.
    text = re.sub(r"^stty: 'standard input': Inappropriate ioctl for device\n", "", text,
                  flags=re.M)
    # Members are listed in ID order and the added member's ID is random per pass.
    text = re.sub(r'^(ETCD_INITIAL_CLUSTER=")([^"]*)"',
                  lambda m: m.group(1) + ",".join(sorted(m.group(2).split(","))) + '"', text,
                  flags=re.M)

    def rel(n):
        n = int(n)
        return "I+%d" % (n - base) if n > base else str(n)

    text = re.sub(r"((?:Created-|Modified-)?Index: )(\d+)", lambda m: m.group(1) + rel(m.group(2)),
                  text)
    text = re.sub(r'("(?:createdIndex|modifiedIndex)":)(\d+)',
                  lambda m: m.group(1) + rel(m.group(2)), text)
    text = re.sub(r"\[(\d+)\]$", lambda m: "[%s]" % rel(m.group(1)), text, flags=re.M)
    text = re.sub(r"\[(\d+) != (\d+)\]", lambda m: "[%s != %s]" % (m.group(1), rel(m.group(2))),
                  text)
    text = re.sub(r"/(\d{20})\b", lambda m: "/<%s>" % rel(m.group(1)), text)
    text = re.sub(r"(ETCD_WATCH_MODIFIED_INDEX=|index )(\d+)",
                  lambda m: m.group(1) + rel(m.group(2)), text)
    text = re.sub(r'"expiration":"[^"]*"', '"expiration":"<TIME>"', text)
    return text


def etcd_index(url):
    _, headers, _ = clusterlib.http_get(url, "/v2/keys/")
    return int(headers.get("x-etcd-index", "0"))


def member_identity(c_url):
    """Each pass has its own cluster: its member ID, peer and client URLs are normalised."""
    _, _, body = clusterlib.http_get(c_url, "/v2/members")
    out = []
    for m in json.loads(body)["members"]:
        out += [(m["id"], "<MEMBERID>")] + [(u, "<PEERURL>") for u in m["peerURLs"]]
    return out + [(c_url, "<C>")]


def run_pass(tool, steps, c_url, dead, peers, base_env):
    variables = {"C": c_url, "DEAD": dead, "NEWPEER": peers[0], "NEWPEER2": peers[1]}
    base = etcd_index(c_url)
    results = []
    for step in steps:
        results.append(run_step(tool, step, variables, base_env))
    replacements = [(peers[0], "<NEWPEER>"), (peers[1], "<NEWPEER2>"),
                    (variables.get("NEWID", ""), "<NEWID>")] + member_identity(c_url)
    prog = os.path.basename(tool)
    normalised = []
    for out, err, rc, problems in results:
        normalised.append((normalise(out, base, replacements, prog),
                           normalise(err, base, replacements, prog), rc, problems))
    return normalised


def show(step, label, result):
    out, err, rc = result[:3]
    return "%s: rc=%d\n--- stdout\n%s--- stderr\n%s" % (label, rc, out, err)


def step_problems(real, ours):
    """A capture that matched nothing leaves "<no NAME>" for both tools and silently turns
    later steps into usage errors that agree; a long step cut short by the deadline may
    agree too: report both as differences of the step instead."""
    return ["%s: %s\n" % (label, problem)
            for label, result in (("etcdctl", real), ("etcdctl2", ours)) for problem in result[3]]


def compare(steps, real, ours, verbose):
    differences = 0
    for step, r, o in zip(steps, real, ours):
        failures = step_problems(r, o)
        if step.sort:
            r = ("".join(sorted(r[0].splitlines(True))), r[1], r[2])
            o = ("".join(sorted(o[0].splitlines(True))), o[1], o[2])
        if r[:3] == o[:3] and not failures:
            if verbose:
                print("ok   line %d: %s" % (step.lineno, step.text))
            continue
        differences += 1
        print("DIFF line %d: %s" % (step.lineno, step.text))
        sys.stdout.writelines(failures)
        a = show(step, "etcdctl", r).splitlines(True)
        b = show(step, "etcdctl2", o).splitlines(True)
        sys.stdout.writelines(difflib.unified_diff(a, b, "etcdctl", "etcdctl2"))
        print()
    return differences


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--etcd2", required=True)
    p.add_argument("--ours", required=True)
    p.add_argument("--real", default="/usr/bin/etcdctl")
    p.add_argument("--scenario", default=os.path.join(HERE, "scenario.txt"))
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args()
    if not os.access(a.real, os.X_OK):
        print("SKIP: %s not found (Debian etcd-client)" % a.real)
        return 77
    steps = load(a.scenario)
    env = clusterlib._clean_env()
    env["ETCDCTL_API"] = "2"
    ports = clusterlib._pick_ports(5)
    dead = "http://127.0.0.1:%d" % ports[0]
    # A fresh cluster per pass: the scenario creates users, roles and members.
    with clusterlib.Cluster("etcd2", 1, binary=a.etcd2) as c:
        real = run_pass(a.real, steps, c.client_urls[0], dead,
                        ["http://127.0.0.1:%d" % x for x in ports[1:3]], env)
    with clusterlib.Cluster("etcd2", 1, binary=a.etcd2) as c:
        ours = run_pass(a.ours, steps, c.client_urls[0], dead,
                        ["http://127.0.0.1:%d" % x for x in ports[3:5]], env)
    differences = compare(steps, real, ours, a.verbose)
    print("golden: %d invocations, %d differences" % (len(steps), differences))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
