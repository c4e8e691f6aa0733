#!/usr/bin/python3
"""locksmithd through its real sd-bus code, one host at a time: a private dbus-daemon with
fake_host_services (a test update engine and a test logind) and a one-member etcd2.

Scenarios (each a fresh host and semaphore group):
  lifecycle        need-reboot -> slot taken -> logind Reboot recorded -> coordinator.conf
                   says rebooting -> "power cycle" (SIGKILL, engine idle, new daemon) ->
                   the slot is released after boot
  late_engine      the update engine joins the bus after locksmithd started: the daemon
                   retries instead of exiting, then reboots on the signal
  bad_signal       a StatusUpdate with the wrong body is ignored (logged), no reboot
  strategies       off exits 0 at once; an unknown strategy exits 1 at reboot time;
                   reboot needs no etcd at all
  signals          SIGTERM exits 0 with the reference's message
  coordinator      a second locksmithd on the same coordinator.conf is refused

After each scenario, passed or not, locksmithd's and fake_host_services' logs must hold no
crash line (tests/compat/crash_lines.py) but the fatal ones it provokes on purpose
(TOLERATED); at the end, neither may the member's log.

    daemon_scenarios.py --locksmithd L --locksmithctl C --fake F --etcd2 E [scenario ...]

Exit status 0 all passed, 1 a failure (logs printed), 77 skipped (no dbus-daemon).
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rolling_reboot as rr  # noqa: E402

clusterlib = rr.clusterlib
crash_lines = rr.crash_lines
NEED = rr.NEED_REBOOT


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


class Scenario:
    def __init__(self, args, urls, base, name):
        self.args, self.urls, self.name = args, urls, name
        self.group = "scenario-" + name
        self.host = rr.Host(0, os.path.join(base, name), args, urls, self.group)

    def log(self):
        return read(os.path.join(self.host.dir, "locksmithd.log"))

    def wait_log(self, text, timeout=20):
        rr.wait_for("%r in locksmithd's log" % text, lambda: text in self.log(), timeout)

    def coordinator(self):
        return read(os.path.join(self.host.dir, "coordinator.conf"))

    def holders(self):
        value, _, _ = rr.etcd_get(self.urls[0], rr.semaphore_key(self.group), quorum=True)
        return (value or {}).get("holders") or []

    def exit_code(self, timeout=20):
        rr.wait_for("locksmithd to exit", lambda: self.host.daemon.poll() is not None, timeout)
        return self.host.daemon.returncode


def expect(condition, message):
    if not condition:
        raise rr.Failure(message)


def lifecycle(s):
    h = s.host
    h.start_bus()
    h.start_daemon()
    rr.wait_for("STATE=running", lambda: "STATE=running" in s.coordinator(), 20)
    expect(s.coordinator().startswith("NAME=locksmithd\nSTRATEGY=etcd-lock\n"),
           "coordinator.conf: %r" % s.coordinator())
    h.tell("status " + NEED)
    rr.wait_for("the reboot call", lambda: h.new_reboots() == 1, 20)
    expect(s.holders() == [h.machine_id], "holders at reboot: %s" % s.holders())
    rr.wait_for("STATE=rebooting", lambda: "STATE=rebooting" in s.coordinator(), 10)
    expect("Reboot sent. Going to sleep." in s.log(), "no 'Reboot sent' line")
    expect(h.daemon.poll() is None, "locksmithd exited after the reboot call")
    h.power_cycle()
    rr.wait_for("the slot to be released after boot", lambda: s.holders() == [], 20)
    s.wait_log("Unlocked existing lock for this machine")
    expect(h.new_reboots() == 0, "rebooted again after boot")


def late_engine(s):
    h = s.host
    h.start_bus(["--no-update-engine"])
    h.start_daemon()
    s.wait_log("Cannot get update engine status")
    s.wait_log("Retrying in")
    expect(h.daemon.poll() is None, "locksmithd exited while the engine was missing")
    h.tell("own-update-engine")
    s.wait_log("locksmithd starting currentOperation=\"UPDATE_STATUS_IDLE\"")
    h.tell("status " + NEED)
    rr.wait_for("the reboot call", lambda: h.new_reboots() == 1, 20)


def bad_signal(s):
    h = s.host
    h.start_bus()
    h.start_daemon()
    s.wait_log("locksmithd starting")
    h.tell("signal-bad")
    s.wait_log("ignoring an update engine status")
    h.tell("status UPDATE_STATUS_DOWNLOADING")
    s.wait_log('CurrentOperation="UPDATE_STATUS_DOWNLOADING"')
    expect(h.daemon.poll() is None, "locksmithd exited on a malformed signal")
    expect(h.new_reboots() == 0, "rebooted on a malformed signal")


def strategies(s):
    h = s.host
    h.start_bus()
    h.start_daemon({"REBOOT_STRATEGY": "off"})
    expect(s.exit_code() == 0, "strategy off: exit %s" % h.daemon.returncode)
    expect('Reboot strategy is "off" - locksmithd is exiting.' in s.log(), "no 'off' line")
    h.start_daemon({"REBOOT_STRATEGY": "best-effort"})
    s.wait_log("locksmithd starting")
    h.tell("status " + NEED)
    expect(s.exit_code() == 1, "unknown strategy: exit %s" % h.daemon.returncode)
    s.wait_log("unknown strategy: best-effort")
    expect(h.new_reboots() == 0, "an unknown strategy rebooted")
    # reboot: etcd is never asked (a dead endpoint), the window env is honoured as absent.
    h.start_daemon({"REBOOT_STRATEGY": "reboot",
                    "LOCKSMITHD_ENDPOINT": "http://127.0.0.1:9"})
    rr.wait_for("the reboot call", lambda: h.new_reboots() == 1, 20)
    h.daemon.kill()
    h.daemon.wait()
    h.start_daemon({"REBOOT_STRATEGY": "etcd-lock", "REBOOT_WINDOW_START": "Thu 23:00"})
    expect(s.exit_code() == 1, "half a window: exit %s" % h.daemon.returncode)
    s.wait_log("Either both or neither $REBOOT_WINDOW_START and $REBOOT_WINDOW_LENGTH")


def signals(s):
    h = s.host
    h.start_bus()
    h.start_daemon()
    s.wait_log("locksmithd starting")
    h.daemon.send_signal(signal.SIGTERM)
    expect(s.exit_code() == 0, "SIGTERM: exit %s" % h.daemon.returncode)
    s.wait_log("Received interrupt/termination signal - locksmithd is exiting.")


def coordinator(s):
    h = s.host
    h.start_bus()
    h.start_daemon()
    s.wait_log("locksmithd starting")
    first = h.daemon
    h.start_daemon()
    expect(s.exit_code() == 1, "second coordinator: exit %s" % h.daemon.returncode)
    s.wait_log("another update coordinator holds the lock")
    expect(first.poll() is None, "the first coordinator died")
    first.kill()
    first.wait()


def ctl_on_the_bus(s):
    """locksmithctl send-need-reboot drives the daemon; locksmithctl reboot locks, then asks
    the (fake) logind. Both only ever see the private bus named in their environment."""
    h = s.host
    h.start_bus()
    h.start_daemon({"REBOOT_STRATEGY": "reboot"})
    s.wait_log("locksmithd starting")
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=h.address,
               LOCKSMITH_MACHINE_ID_FILE=os.path.join(h.dir, "machine-id"))
    ctl = [s.args.locksmithctl, "-endpoint", ",".join(s.urls), "-group", s.group]
    run = subprocess.run(ctl + ["send-need-reboot"], env=env, capture_output=True, text=True,
                         timeout=30)
    expect(not crash_lines.crash_lines(run.stderr), "send-need-reboot: %s" % run.stderr)
    expect(run.returncode == 0, "send-need-reboot: rc=%d %s" % (run.returncode, run.stderr))
    rr.wait_for("the daemon's reboot call", lambda: h.new_reboots() == 1, 20)
    if os.geteuid() != 0:
        return  # `reboot` needs root
    run = subprocess.run(ctl + ["reboot"], env=env, capture_output=True, text=True, timeout=30)
    expect(not crash_lines.crash_lines(run.stderr), "reboot: %s" % run.stderr)
    expect(run.returncode == 0, "reboot: rc=%d %s" % (run.returncode, run.stderr))
    expect(h.new_reboots() == 1, "locksmithctl reboot did not call logind")
    expect(s.holders() == [h.machine_id], "holders after locksmithctl reboot: %s" % s.holders())


SCENARIOS = {f.__name__: f for f in (lifecycle, late_engine, bad_signal, strategies, signals,
                                       coordinator, ctl_on_the_bus)}
# The fatal start-up errors a scenario provokes on purpose (logged `critical`, then exit 1).
TOLERATED = {
    "strategies": re.compile(r"critical: Error parsing reboot window: Either both or neither"),
    "coordinator": re.compile(r"critical: Cannot become the update coordinator: another update "
                              r"coordinator holds the lock"),
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--locksmithd", required=True)
    p.add_argument("--locksmithctl", required=True)
    p.add_argument("--fake", required=True)
    p.add_argument("--etcd2", required=True)
    p.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    args = p.parse_args()
    args.strategy = "etcd-lock"
    if shutil.which("dbus-daemon") is None:
        print("SKIP: dbus-daemon is not installed (Debian package dbus-daemon)")
        return 77
    base = tempfile.mkdtemp(prefix="locksmith-scenarios-")
    failed = 0
    try:
        with clusterlib.Cluster("etcd2", 1, binary=args.etcd2) as c:
            for name in args.scenarios:
                s = Scenario(args, c.client_urls, base, name)
                problem = None
                try:
                    SCENARIOS[name](s)
                except rr.Failure as e:
                    problem = str(e)
                finally:
                    s.host.stop()
                crashes = s.host.crash_problems(TOLERATED.get(name))
                if crashes:  # also when the scenario passed
                    problem = "\n".join(filter(None, [problem, "crash lines:"] + crashes))
                if problem:
                    failed += 1
                    print("%-12s FAILED: %s\n%s" % (name, problem, s.host.log_tail(60)),
                          flush=True)
                else:
                    print("%-12s passed" % name, flush=True)
            for problem in c.log_crashes():
                failed += 1
                print("etcd2 member: crash line: %s" % problem, flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
