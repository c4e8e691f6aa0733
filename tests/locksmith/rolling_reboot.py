#!/usr/bin/python3
"""Rolling-reboot simulation: five locksmithd processes, each with its own machine ID,
its own private D-Bus (a fake update engine and a fake logind on it, from
agents/systemd/testing/fake_host_services) and its own coordinator file, share one
reboot semaphore in a real 3-member cluster (etcd2, or the real etcd 3.4). All five are
told at once that a reboot is needed (StatusUpdate UPDATE_STATUS_UPDATED_NEED_REBOOT).
When a host's logind records Reboot(), the host "reboots": its locksmithd is SIGKILLed,
its update engine goes back to idle and a fresh locksmithd starts, which must release
the slot after boot.

Checked, from etcd's own history of the semaphore key (a watch from the first index,
so no version is missed) and quorum reads taken when each reboot is seen:
  - every version has at most `max` holders and semaphore == max - len(holders);
  - a host reboots only while it holds a slot (quorum read at the reboot);
  - at no index do more than `max` hosts sit between their lock and their unlock
    (intervals from the history, so a rebooted-but-not-yet-unlocked host counts);
  - every host reboots exactly once, and the semaphore ends full (semaphore == max,
    no holders).

    rolling_reboot.py --locksmithd build/agents/locksmith/locksmithd \
        --locksmithctl build/agents/locksmith/locksmithctl \
        --fake build/agents/systemd/fake_host_services \
        --kind etcd2 --etcd2 build/etcd/cmd/etcd2 --runs 2 --max 1,2

Every daemon's log (locksmithd, fake_host_services, the members) and locksmithctl's output
must be free of crash lines (tests/compat/crash_lines.py: sanitizer reports, terminate,
critical, ...), in the negative control too.

Exit status: 0 every run clean, 1 a violation, a crash line or a run that did not finish
(details and daemon logs printed), 77 skipped (dbus-daemon, or the real etcd for --kind
etcd, missing).
"""

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
import cluster as clusterlib  # noqa: E402
import crash_lines  # noqa: E402

NEED_REBOOT = "UPDATE_STATUS_UPDATED_NEED_REBOOT"
IDLE = "UPDATE_STATUS_IDLE"
HOSTS = 5
PRIVATE_BUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "agents",
                           "systemd", "testing", "private-bus")


class Failure(Exception):
    pass


class Crash(Exception):
    """Crash lines in a log or an output: never the violation a negative control expects."""


def wait_for(what, predicate, timeout):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(0.02)


def semaphore_key(group):
    return "coreos.com/updateengine/rebootlock/groups/%s/semaphore" % group


def etcd_get(url, key, quorum=False):
    """(value dict or None, modifiedIndex, X-Etcd-Index)."""
    path = "%s/v2/keys/%s%s" % (url, key, "?quorum=true" if quorum else "")
    try:
        with urllib.request.urlopen(path, timeout=5) as r:
            body = json.loads(r.read())
            index = int(r.headers.get("X-Etcd-Index", "0"))
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None, 0, int(e.headers.get("X-Etcd-Index", "0"))
        raise
    node = body["node"]
    return json.loads(node["value"]), node["modifiedIndex"], index


class History(threading.Thread):
    """Every version of the semaphore key from `start` on, by chained long-polls."""

    def __init__(self, urls, key, start):
        super().__init__(daemon=True)
        self.urls, self.key, self.next_index = urls, key, start
        self.versions = []  # (modifiedIndex, value dict or None for a delete)
        self.lock = threading.Lock()
        self.stopping = False
        self.error = None

    def run(self):
        turn = 0
        while not self.stopping:
            url = self.urls[turn % len(self.urls)]
            path = "%s/v2/keys/%s?wait=true&waitIndex=%d" % (url, self.key, self.next_index)
            try:
                with urllib.request.urlopen(path, timeout=2) as r:
                    raw = r.read()
                if not raw:
                    continue  # the server ended the poll: ask again
                event = json.loads(raw)
            except (OSError, ValueError, http.client.HTTPException) as e:
                if "timed out" not in str(e):
                    turn += 1  # a member went away: ask another one
                continue
            if "errorCode" in event:
                self.error = "watch error: %s" % event
                return
            node = event["node"]
            value = json.loads(node["value"]) if "value" in node else None
            with self.lock:
                self.versions.append((node["modifiedIndex"], value))
            self.next_index = node["modifiedIndex"] + 1

    def snapshot(self):
        with self.lock:
            return list(self.versions)


class Host:
    def __init__(self, index, base, args, endpoints, group):
        self.index = index
        self.dir = os.path.join(base, "host%d" % index)
        os.makedirs(self.dir)
        self.args, self.endpoints, self.group = args, endpoints, group
        self.machine_id = "%032x" % random.getrandbits(128)
        with open(os.path.join(self.dir, "machine-id"), "w") as f:
            f.write(self.machine_id + "\n")
        self.reboot_log = os.path.join(self.dir, "reboots")
        open(self.reboot_log, "w").close()
        self.reboots_seen = 0
        self.daemon = None
        self.generation = 0
        self.bus = self.fake = None

    def start_bus(self, fake_args=()):
        # The bus lives until we terminate it or our end of its stdin closes (we died).
        # dbus-daemon warns on stderr about fd limits at every start; a failed start shows
        # as a missing address below.
        self.bus = subprocess.Popen([PRIVATE_BUS, "--until-stdin-closes"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.bus.stdout.readline().strip()
        if not self.address.startswith("unix:"):
            raise Failure("host%d: private-bus said %r" % (self.index, self.address))
        self.fake = subprocess.Popen(
            [self.args.fake, "--bus", self.address, "--status", IDLE,
             "--reboot-log", self.reboot_log] + list(fake_args),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(os.path.join(self.dir, "fake.log"), "w"), text=True,
            preexec_fn=clusterlib._die_with_parent)
        line = self.fake.stdout.readline()
        if line.strip() != "ready":
            raise Failure("host%d: fake_host_services said %r" % (self.index, line))
        # Drain its stdout so it never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.fake.stdout], daemon=True).start()

    def tell(self, command):
        self.fake.stdin.write(command + "\n")
        self.fake.stdin.flush()

    def start_daemon(self, extra_env=None):
        self.generation += 1
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LOCKSMITH", "REBOOT_", "DBUS_"))}
        env.update({
            "DBUS_SYSTEM_BUS_ADDRESS": self.address,
            "REBOOT_STRATEGY": self.args.strategy,
            "LOCKSMITHD_ENDPOINT": ",".join(self.endpoints),
            "LOCKSMITHD_GROUP": self.group,
            "LOCKSMITH_MACHINE_ID_FILE": os.path.join(self.dir, "machine-id"),
        })
        env.update(extra_env or {})
        log = open(os.path.join(self.dir, "locksmithd.log"), "a")
        log.write("=== boot %d\n" % self.generation)
        log.flush()
        self.daemon = subprocess.Popen(
            [self.args.locksmithd, "-coordinator-file", os.path.join(self.dir, "coordinator.conf"),
             "-unlock-delay", "200ms", "-retry-initial", "50ms", "-retry-max", "800ms",
             "-login-delay", "0s"],
            env=env, stdout=log, stderr=log, preexec_fn=clusterlib._die_with_parent)

    def new_reboots(self):
        with open(self.reboot_log) as f:
            count = sum(1 for line in f if line.startswith("reboot "))
        fresh = count - self.reboots_seen
        self.reboots_seen = count
        return fresh

    def power_cycle(self):
        """What a reboot does to this host: the daemon dies, the update is applied."""
        self.daemon.kill()
        self.daemon.wait()
        self.tell("status " + IDLE)
        # The next boot must not see the old status: wait until the engine answers idle.
        wait_for("host%d's update engine to be idle" % self.index,
                 lambda: IDLE in self.get_status(), 10)
        self.start_daemon()

    def get_status(self):
        run = subprocess.run(
            ["dbus-send", "--bus=" + self.address, "--print-reply",
             "--dest=com.coreos.update1", "/com/coreos/update1",
             "com.coreos.update1.Manager.GetStatus"],
            capture_output=True, text=True, timeout=10)
        return run.stdout

    def stop(self):
        for p in (self.daemon, self.fake):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        if self.bus and self.bus.poll() is None:
            self.bus.stdin.close()  # private-bus then stops dbus-daemon and removes its dir
            try:
                self.bus.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.bus.kill()
                self.bus.wait()

    def crash_problems(self, tolerated=None):
        return crash_lines.log_problems(
            [os.path.join(self.dir, name) for name in ("locksmithd.log", "fake.log")],
            tolerated=tolerated)

    def log_tail(self, lines=40):
        out = []
        for name in ("locksmithd.log", "fake.log"):
            try:
                with open(os.path.join(self.dir, name)) as f:
                    text = f.read().splitlines()[-lines:]
            except OSError:
                continue
            out.append("--- host%d %s (%s)\n%s" % (self.index, name, self.machine_id,
                                                  "\n".join(text)))
        return "\n".join(out)


def ctl(args, endpoints, group, *command):
    run = subprocess.run([args.locksmithctl, "-endpoint", ",".join(endpoints), "-group", group]
                         + list(command), capture_output=True, text=True, timeout=30)
    crashed = crash_lines.crash_lines(run.stdout + run.stderr)
    if crashed:
        raise Crash("locksmithctl %s: %s" % (command, crashed[0]))
    if run.returncode != 0:
        raise Failure("locksmithctl %s: rc=%d %s" % (command, run.returncode, run.stderr))
    return run.stdout


def check_history(versions, reboots, max_holders, hosts):
    """Returns a list of violations (empty = clean)."""
    problems = []
    for index, value in versions:
        if value is None:
            problems.append("index %d: the semaphore was deleted" % index)
            continue
        holders = value.get("holders") or []
        if len(holders) > max_holders:
            problems.append("index %d: %d holders > max %d: %s" % (index, len(holders),
                                                                   max_holders, holders))
        if value.get("semaphore") != value.get("max", 0) - len(holders):
            problems.append("index %d: semaphore %s != max %s - %d holders" %
                            (index, value.get("semaphore"), value.get("max"), len(holders)))
    # Intervals [lock, unlock) per host in index order; a host rebooted at index r must be
    # inside one of its own intervals.
    intervals = {h.machine_id: [] for h in hosts}
    held_since = {}
    for index, value in versions:
        holders = set((value or {}).get("holders") or [])
        for m in holders - set(held_since):
            held_since[m] = index
        for m in set(held_since) - holders:
            intervals.setdefault(m, []).append((held_since.pop(m), index))
    for m, since in held_since.items():
        intervals.setdefault(m, []).append((since, float("inf")))
    for machine_id, index, holders in reboots:
        if machine_id not in holders:
            problems.append("%s rebooted at index %d without holding a slot (holders %s)" %
                            (machine_id, index, holders))
    points = sorted([(a, 1) for spans in intervals.values() for a, _ in spans] +
                    [(b, -1) for spans in intervals.values() for _, b in spans])
    inside = 0
    for index, step in points:
        inside += step
        if inside > max_holders:
            problems.append("index %s: %d hosts between lock and unlock > max %d" %
                            (index, inside, max_holders))
    return problems


def one_run(args, urls, run_no, max_holders, base):
    group = "run%d-max%d" % (run_no, max_holders)
    key = semaphore_key(group)
    hosts = [Host(i, os.path.join(base, group), args, urls, group) for i in range(HOSTS)]
    try:
        ctl(args, urls, group, "set-max", str(max_holders))  # creates it, then max
        _, created, _ = etcd_get(urls[0], key, quorum=True)
        history = History(urls, key, created + 1)
        history.start()
        for h in hosts:
            h.start_bus()
            h.start_daemon()
        for h in hosts:
            h.tell("status " + NEED_REBOOT)
        reboots = []
        pending = {h.machine_id for h in hosts}
        deadline = time.monotonic() + args.run_timeout
        while pending or not final_state_ok(urls[0], key, max_holders):
            if time.monotonic() > deadline:
                raise Failure("run did not finish in %d s: %d hosts never rebooted" %
                              (args.run_timeout, len(pending)))
            for h in hosts:
                if h.daemon.poll() is not None:
                    raise Failure("host%d: locksmithd exited with %d" % (h.index,
                                                                        h.daemon.returncode))
                fresh = h.new_reboots()
                if fresh == 0:
                    continue
                value, _, index = etcd_get(urls[0], key, quorum=True)
                reboots.append((h.machine_id, index, (value or {}).get("holders") or []))
                if h.machine_id not in pending or fresh > 1:
                    raise Failure("host%d rebooted more than once" % h.index)
                pending.discard(h.machine_id)
                h.power_cycle()
            time.sleep(0.02)
        # The watch must reach the final version; it may be a poll behind the quorum read.
        _, final_index, _ = etcd_get(urls[0], key, quorum=True)

        def caught_up():
            if history.error:
                raise Failure(history.error)
            seen = history.snapshot()
            return (seen[-1][0] if seen else created) >= final_index
        try:
            wait_for("the watch to reach index %d" % final_index, caught_up, 10)
        finally:
            history.stopping = True
        versions = [v for v in history.snapshot() if v[0] <= final_index]
        problems = check_history(versions, reboots, max_holders, hosts)
        if problems:
            raise Failure("\n".join(problems[:20]))
        print("run %d max=%d: %d versions, %d reboots, peak holders %d, clean" %
              (run_no, max_holders, len(versions), len(reboots),
               max([len(v.get("holders") or []) for _, v in versions if v] or [0])), flush=True)
    except Failure:
        if not args.expect_violation:
            for h in hosts:
                print(h.log_tail(), file=sys.stderr)
        raise
    finally:
        for h in hosts:
            h.stop()
        # Also when the run passed; a Failure in flight becomes this one's __context__.
        crashes = [p for h in hosts for p in h.crash_problems()]
        if crashes:
            raise Crash("\n".join(crashes))


def final_state_ok(url, key, max_holders):
    value, _, _ = etcd_get(url, key, quorum=True)
    return value and not value.get("holders") and value.get("semaphore") == max_holders


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--locksmithd", required=True)
    p.add_argument("--locksmithctl", required=True)
    p.add_argument("--fake", required=True, help="fake_host_services executable")
    p.add_argument("--kind", choices=clusterlib.KINDS, default="etcd2")
    p.add_argument("--etcd2", help="etcd2 binary (--kind etcd2)")
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--max", default="1,2", help="comma-separated max values, each run")
    p.add_argument("--run-timeout", type=int, default=120)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--strategy", default="etcd-lock",
                   help="the daemons' REBOOT_STRATEGY; 'reboot' is the negative control")
    p.add_argument("--expect-violation", action="store_true",
                   help="negative control: succeed only if the checker reports a violation")
    args = p.parse_args()
    if shutil.which("dbus-daemon") is None:
        print("SKIP: dbus-daemon is not installed (Debian package dbus-daemon)")
        return 77
    if args.kind == "etcd" and not os.path.exists(clusterlib.REAL_ETCD):
        print("SKIP: the real etcd (%s) is not installed" % clusterlib.REAL_ETCD)
        return 77
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    random.seed(seed)
    print("seed %d" % seed, flush=True)
    base = tempfile.mkdtemp(prefix="locksmith-rolling-")
    try:
        with clusterlib.Cluster(args.kind, 3, binary=args.etcd2) as c:
            try:
                for run_no in range(1, args.runs + 1):
                    for max_holders in (int(m) for m in args.max.split(",")):
                        one_run(args, c.client_urls, run_no, max_holders, base)
            finally:
                crashes = c.log_crashes()  # before the cluster's logs are removed
                if crashes:
                    raise Crash("\n".join(crashes))
    except Crash as e:
        print("FAIL (seed %d): crash lines:\n%s" % (seed, e), file=sys.stderr)
        if e.__context__ is not None:
            print("and before them: %s" % e.__context__, file=sys.stderr)
        return 1
    except Failure as e:
        if args.expect_violation:
            print("the checker caught the violation, as expected: %s" % str(e).splitlines()[0])
            return 0
        print("FAIL (seed %d): %s" % (seed, e), file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if args.expect_violation:
        print("FAIL: the negative control ran clean; the checker is blind", file=sys.stderr)
        return 1
    print("all runs clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
