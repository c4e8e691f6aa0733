#!/usr/bin/python3
"""locksmithctl end to end: the real binary against a fresh one-member cluster of etcd2
(ours) or the real etcd 3.4 (--enable-v2=true), checking its output, exit codes and the
semaphore JSON stored in etcd byte for byte after every step (read with plain HTTP).

    ctl_test.py --kind etcd2 --binary build/etcd/cmd/etcd2 --ctl build/agents/locksmith/locksmithctl
    ctl_test.py --kind etcd --ctl build/agents/locksmith/locksmithctl

`reboot` and `send-need-reboot` talk to logind/D-Bus and are covered by the unit tests
with a fake host only; here `reboot` runs only when not root (the root check).

Every run's output and, at the end, the member's log must hold no crash line
(tests/compat/crash_lines.py): a sanitizer report after the expected text, with the expected
exit status 1, would otherwise pass.

Exit status: 0 passed, 1 failed (each difference printed), 77 skipped (server missing).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compat"))
import cluster as clusterlib  # noqa: E402
import crash_lines  # noqa: E402

SKIP = 77
STEP_TIMEOUT_S = 30
PREFIX = "coreos.com/updateengine/rebootlock"
DEFAULT_KEY = PREFIX + "/semaphore"
ME = "5f3c0e9a1b2d4c6e8f0a1b2c3d4e5f60"
FRESH = '{"semaphore":1,"max":1,"holders":null}'


class Checker:
    def __init__(self, ctl, url, env):
        self.ctl = ctl
        self.url = url
        self.env = env
        self.failures = 0

    def fail(self, what):
        self.failures += 1
        print("FAIL: %s" % what)

    def run(self, args, rc, out=None, err="", extra_env=None, endpoint=True):
        """Runs locksmithctl [-endpoint url] args; checks rc, stdout and stderr (exact
        strings, or compiled regexes matched from the start)."""
        argv = [self.ctl] + (["-endpoint", self.url] if endpoint else []) + args
        env = dict(self.env, **(extra_env or {}))
        p = subprocess.run(argv, capture_output=True, env=env, timeout=STEP_TIMEOUT_S)
        got = (p.returncode, p.stdout.decode(), p.stderr.decode())
        label = " ".join(args)
        for line in crash_lines.crash_lines(got[1] + got[2])[:1]:
            self.fail("%s: crash line: %s" % (label, line))
        if got[0] != rc:
            self.fail("%s: exit %d, want %d (stdout %r, stderr %r)" % (label, got[0], rc, got[1],
                                                                       got[2]))
        for name, value, want in (("stdout", got[1], out), ("stderr", got[2], err)):
            if want is None:
                continue
            ok = want.match(value) if hasattr(want, "match") else value == want
            if not ok:
                self.fail("%s: %s %r, want %r" % (label, name, value,
                                                   getattr(want, "pattern", want)))
        return got

    def stored(self, key, want):
        """The raw value of `key` (a literal etcd key name, escaped here for the URL)."""
        path = "/v2/keys/" + urllib.parse.quote(key, safe="/")
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as r:
                node = json.loads(r.read())["node"]
        except urllib.error.HTTPError as e:
            node = {"value": None, "key": "(HTTP %d)" % e.code}
        if node.get("value") != want:
            self.fail("stored %s = %r, want %r" % (key, node.get("value"), want))
        elif node.get("key") != "/" + key:
            self.fail("stored key %r, want %r" % (node.get("key"), "/" + key))

    def put_raw(self, key, value):
        path = "/v2/keys/" + urllib.parse.quote(key, safe="/")
        data = urllib.parse.urlencode({"value": value}).encode()
        req = urllib.request.Request(self.url + path, data=data, method="PUT")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        urllib.request.urlopen(req, timeout=5).close()


def holders(*ids):
    return json.dumps(sorted(ids), separators=(",", ":"))


def scenario_default_key(c):
    c.run(["status"], 0, "Available: 1\nMax: 1\n")
    c.stored(DEFAULT_KEY, FRESH)
    c.run(["lock"], 0, "")
    c.stored(DEFAULT_KEY, '{"semaphore":0,"max":1,"holders":%s}' % holders(ME))
    c.run(["status"], 0, "Available: 0\nMax: 1\n\nMACHINE ID\n%s\n" % ME)
    c.run(["lock"], 1, "", "Error locking: semaphore is at 0\n")
    c.run(["set-max", "3"], 0, "Old-Max: 1\nMax: 3\n")
    c.stored(DEFAULT_KEY, '{"semaphore":2,"max":3,"holders":%s}' % holders(ME))
    c.run(["lock", "bbbb"], 0, "")
    c.run(["lock", "bbbb"], 1, "", "Error locking: holder exists\n")
    c.run(["lock", "0000"], 0, "")
    c.stored(DEFAULT_KEY, '{"semaphore":0,"max":3,"holders":%s}' % holders(ME, "bbbb", "0000"))
    c.run(["status"], 0, "Available: 0\nMax: 3\n\nMACHINE ID\n0000\n%s\nbbbb\n" % ME)
    c.run(["unlock", "ffff"], 1, "", "Error unlocking: holder does not exist\n")
    c.run(["unlock"], 0, "")
    c.stored(DEFAULT_KEY, '{"semaphore":1,"max":3,"holders":%s}' % holders("bbbb", "0000"))
    c.run(["set-max", "1"], 0, "Old-Max: 3\nMax: 1\n")
    c.stored(DEFAULT_KEY, '{"semaphore":-1,"max":1,"holders":%s}' % holders("bbbb", "0000"))
    c.run(["lock"], 1, "", "Error locking: semaphore is at -1\n")
    c.run(["unlock", "0000"], 0, "")
    c.run(["unlock", "bbbb"], 0, "")
    c.stored(DEFAULT_KEY, '{"semaphore":1,"max":1,"holders":[]}')
    c.run(["set-max"], 1, "", "New maximum value must be set.\n")
    c.run(["set-max", "x"], 1, "", "Invalid maximum value: x\n")


def scenario_groups_and_env(c):
    group_key = PREFIX + "/groups/prod%2Fdb/semaphore"  # the literal key name in etcd
    c.run(["-group", "prod/db", "lock", "x"], 0, "")
    c.stored(group_key, '{"semaphore":0,"max":1,"holders":["x"]}')
    c.stored(DEFAULT_KEY, '{"semaphore":1,"max":1,"holders":[]}')  # untouched
    c.run(["status"], 0, "Available: 1\nMax: 1\n", endpoint=False,
          extra_env={"LOCKSMITHCTL_ENDPOINT": " %s ,http://127.0.0.1:1" % c.url})
    c.run(["status"], 0, "Available: 0\nMax: 1\n\nMACHINE ID\nx\n", endpoint=False,
          extra_env={"LOCKSMITHCTL_ENDPOINT": c.url, "LOCKSMITHCTL_GROUP": "prod/db"})
    c.run(["-group", "a b", "status"], 0, "Available: 1\nMax: 1\n")
    c.stored(PREFIX + "/groups/a+b/semaphore", FRESH)


def scenario_errors(c, dead_url):
    c.run(["status"], 1, "", re.compile(
        r"Error initializing etcd client: client: etcd cluster is unavailable or misconfigured;"
        r" error #0: dial tcp 127\.0\.0\.1:\d+: connect: connection refused\n"),
        extra_env={"LOCKSMITHCTL_ENDPOINT": dead_url}, endpoint=False)
    broken = PREFIX + "/groups/broken/semaphore"
    c.put_raw(broken, "garbage")
    c.run(["-group", "broken", "status"], 1, "",
          re.compile(r"Error setting value: invalid semaphore JSON: .+\n"))
    c.run(["-group", "broken", "set-max", "2"], 1, "",
          re.compile(r"Error setting value: invalid semaphore JSON: .+\n"))
    c.stored(broken, "garbage")
    c.run(["frob"], 2, "locksmithctl: unknown subcommand: \"frob\"\n"
          "Run 'locksmithctl help' for usage.\n")
    c.run(["-nope", "status"], 2, "", "flag provided but not defined: -nope\n"
          "Run 'locksmithctl help' for usage.\n")
    c.run(["-version"], 0, re.compile(r"locksmithctl version \S+\n\Z"))
    c.run(["help"], 0, re.compile(r"NAME:\n\tlocksmithctl - .*COMMANDS:", re.S))
    c.run(["help", "nope"], 1, "Unrecognized command: nope\n")
    c.run(["lock"], 1, "", "Cannot read machine-id\n",
          extra_env={"LOCKSMITH_MACHINE_ID_FILE": "/nonexistent/machine-id"})
    if os.geteuid() != 0:
        c.run(["reboot"], 1, "", "Must be root to initiate reboot.\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kind", choices=clusterlib.KINDS, required=True)
    p.add_argument("--binary", default=None, help="server binary (required for etcd2)")
    p.add_argument("--ctl", required=True, help="the locksmithctl binary")
    a = p.parse_args()
    if a.kind == "etcd" and not os.access(clusterlib.REAL_ETCD, os.X_OK):
        print("SKIP: %s not found" % clusterlib.REAL_ETCD)
        return SKIP
    env = {k: v for k, v in clusterlib._clean_env().items()
           if not k.startswith("LOCKSMITH") and k not in ("http_proxy", "HTTP_PROXY")}
    dead_url = "http://127.0.0.1:%d" % clusterlib._pick_ports(1)[0]
    with tempfile.TemporaryDirectory(prefix="locksmithctl-") as tmp:
        id_file = os.path.join(tmp, "machine-id")
        with open(id_file, "w") as f:
            f.write("  %s\n" % ME)
        env["LOCKSMITH_MACHINE_ID_FILE"] = id_file
        with clusterlib.Cluster(a.kind, 1, binary=a.binary) as cluster:
            c = Checker(a.ctl, cluster.client_urls[0], env)
            scenario_default_key(c)
            scenario_groups_and_env(c)
            scenario_errors(c, dead_url)
            for problem in cluster.log_crashes():  # before the with removes the logs
                c.fail("member log: crash line: %s" % problem)
    print("locksmithctl against %s: %d failures" % (a.kind, c.failures))
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
