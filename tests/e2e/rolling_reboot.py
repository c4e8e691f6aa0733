#!/usr/bin/env python3
"""Scenario 4: a rolling reboot with locksmithd, in qemu VMs (docs/images.md "Scenario 4").
Runs only with CORESTACK_E2E_VM=all (`make e2e` sets it): 5 TCG VMs and 5 real reboots take
~5 minutes of both cores, ~15 with make test's sanitizer binaries (1.5-2.5 min per reboot).

Five VMs, each an etcd2 member of one 5-member cluster, each with locksmithd configured by its
cloud-config the CoreOS way (`coreos.update.reboot-strategy: etcd-lock` -> update.conf and a
restart of locksmithd; `coreos.locksmith.endpoint` -> its drop-in) and the image's update
engine stand-in (update-engine.service, com.coreos.update1 on the real system bus). The
default semaphore has max 1. Once the cluster is healthy, every host's update engine is told
that an update is staged (UPDATE_STATUS_UPDATED_NEED_REBOOT, through the guest agent). Then,
with the real logind doing each reboot and qemu restarting the guest in place:

  - every host reboots exactly once (two `booted` events, one `shutdown`, a new boot ID, the
    same qemu process), one at a time: every version of the semaphore key (all of them, from
    an etcd watch on the bridge) has at most one holder, each host holds it in exactly one
    stretch, and the intervals [lock taken or shutdown, back up and lock released] of any two
    hosts do not overlap;
  - etcd keeps quorum throughout: a client on the bridge writing every 0.1 s to any member
    (1 s per attempt, failing over to the next) never goes OUTAGE_BOUND without a successful
    write;
  - at the end no lock is held: the key is {"semaphore":1,"max":1,"holders":[]} and
    `locksmithctl status` on a host says `Available: 1` / `Max: 1`; the update engines are
    idle again, the members are the same 5 and healthy, and nothing reboots afterwards.

rolling_reboot.py --probe ENDPOINTS runs the writer and the semaphore watcher (inside the
cluster's network namespace; JSON lines on stdout); the test starts it that way itself.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_common import (ClusterError, Failure, Scenario, check, skip_without_vm_tier, etcdctl, healthy_members,  # noqa: E402
                        host_user_data, http_json, wait_until)

NAMES = [f"core{i}" for i in range(1, 6)]
SEM_KEY = "/v2/keys/coreos.com/updateengine/rebootlock/semaphore"
WRITER_KEY = "/v2/keys/e2e/rolling/writer"
NEED_REBOOT = "UPDATE_STATUS_UPDATED_NEED_REBOOT"
STATUS_FILE = "/run/corestack-update-engine/status"  # images/overlay/.../update-engine.service
WRITE_PERIOD = 0.1   # s between writes
WRITE_TIMEOUT = 1.0  # s per attempt on one member, then the next member
WATCH_TIMEOUT = 5.0  # s of an idle watch long-poll before asking again (maybe elsewhere)
# The longest stretch without a successful write that still counts as "quorum kept". The one
# legitimate outage is a leader change: etcd2 hands leadership over when the leader's host
# shuts down (SIGTERM), which costs about one heartbeat; without the handover the followers
# wait out their randomized election timeout (1-2 s with --election-timeout 1000), then one
# pre-vote and one vote round. Add the writer's own granularity (one 1 s attempt timing out
# on the member that went away) and 2 s for TCG VMs sharing 2 cores: 5 s. A lost quorum
# would show as a gap lasting until a host came back (tens of seconds under TCG).
OUTAGE_BOUND = 5.0
UNLOCK_DELAY = 5.0  # s: locksmithd's -unlock-delay (the default), after boot before the unlock
BOOT_TIMEOUT = 900  # s: 5 cold TCG boots on 2 cores (measured ~90 s)
ROLL_TIMEOUT = 1500  # s: 5 reboots one after another (measured ~5 min)
SETTLE = 20  # s of watching after the last unlock: nothing reboots again


# ---- the probe: runs inside the cluster's network namespace ----

def probe(eps: list[str]) -> int:
    out_lock = threading.Lock()

    def emit(obj: dict) -> None:
        with out_lock:
            sys.stdout.write(json.dumps(obj) + "\n")
            sys.stdout.flush()

    def request(ep: str, method: str, path: str, body: str | None,
                timeout: float) -> tuple[int, str, str | None]:
        u = urllib.parse.urlsplit(ep)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
        try:
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return r.status, r.read().decode(errors="replace"), r.getheader("X-Etcd-Index")
        finally:
            conn.close()

    def writer() -> None:
        i, cur = 0, 0
        while True:
            i += 1
            t0 = time.monotonic()
            ok, errs = None, []
            for k in range(len(eps)):
                ep = eps[(cur + k) % len(eps)]
                try:
                    code, text, _ = request(ep, "PUT", WRITER_KEY, f"value={i}", WRITE_TIMEOUT)
                    if code in (200, 201):
                        ok, cur = ep, (cur + k) % len(eps)
                        break
                    errs.append(f"{ep}: HTTP {code} {text.strip()[:160]}")
                except (OSError, http.client.HTTPException) as e:
                    errs.append(f"{ep}: {type(e).__name__} {e}")
            emit({"k": "w", "i": i, "t0": t0, "t1": time.monotonic(), "ok": ok, "errs": errs})
            time.sleep(WRITE_PERIOD)

    def watcher() -> None:
        """Every version of the semaphore key, in order: a quorum GET, then v2 watches from
        the next index (each answer is the first change at or after waitIndex)."""
        cur, wait = 0, None
        while True:
            ep = eps[cur]
            try:
                if wait is None:
                    code, text, idx = request(ep, "GET", SEM_KEY + "?quorum=true", None, 2.0)
                    if code == 404:
                        emit({"k": "sem", "t": time.monotonic(), "index": int(idx or 0),
                              "action": "absent", "value": None, "ep": ep})
                        wait = int(idx or 0) + 1
                        continue
                    if code != 200:
                        raise OSError(f"HTTP {code} {text[:160]}")
                    node = json.loads(text)["node"]
                    emit({"k": "sem", "t": time.monotonic(), "index": node["modifiedIndex"],
                          "action": "get", "value": node.get("value"), "ep": ep})
                    wait = node["modifiedIndex"] + 1
                    continue
                code, text, _ = request(ep, "GET", f"{SEM_KEY}?wait=true&waitIndex={wait}", None,
                                        WATCH_TIMEOUT)
                body = json.loads(text) if text.strip() else {}
                if code == 200 and "node" in body:
                    node = body["node"]
                    emit({"k": "sem", "t": time.monotonic(), "index": node["modifiedIndex"],
                          "action": body.get("action"), "value": node.get("value"), "ep": ep})
                    wait = node["modifiedIndex"] + 1
                elif body.get("errorCode") == 401:  # history cleared: versions were missed
                    emit({"k": "gap", "t": time.monotonic(), "wait": wait, "detail": body})
                    wait = None
                else:
                    raise OSError(f"HTTP {code} {text[:160]}")
            except socket.timeout:
                cur = (cur + 1) % len(eps)  # idle, or a member that went away silently
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                cur = (cur + 1) % len(eps)
                time.sleep(0.2)

    threading.Thread(target=writer, daemon=True).start()
    threading.Thread(target=watcher, daemon=True).start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


class Probe:
    """The probe process and what it reported (times: time.monotonic(), as in this process)."""

    def __init__(self, c, eps: list[str]):
        self.proc = c.popen_on_bridge([sys.executable, os.path.abspath(__file__), "--probe",
                                       ",".join(eps)], stdout=subprocess.PIPE, text=True,
                                      stdin=subprocess.DEVNULL)
        self.lock = threading.Lock()
        self.writes: list[dict] = []
        self.sem: list[dict] = []
        self.gaps: list[dict] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            with self.lock:
                {"w": self.writes, "sem": self.sem, "gap": self.gaps}[obj.pop("k")].append(obj)

    def snapshot(self) -> tuple[list[dict], list[dict], list[dict]]:
        with self.lock:
            return list(self.writes), list(self.sem), list(self.gaps)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.thread.join(5)


def holders_of(version: dict) -> list[str]:
    if version["value"] is None:
        return []
    return json.loads(version["value"]).get("holders") or []


def check_version(v: dict) -> None:
    if v["value"] is None:
        return
    sem = json.loads(v["value"])
    holders = sem.get("holders") or []
    check(len(holders) <= 1 and sem.get("max") == 1 and sem.get("semaphore") == 1 - len(holders),
          f"semaphore version at index {v['index']}: {v['value']} (more than one holder, or "
          "not max 1)")


def outages(writes: list[dict], longer_than: float = 0.5) -> list[tuple[float, float, list[str]]]:
    """Stretches between two successful writes longer than `longer_than` (a write takes a few
    ms, WRITE_PERIOD apart): (from, to, the errors of the failed attempts in between)."""
    out, last_ok, errs = [], None, []
    for w in writes:
        if w["ok"]:
            if last_ok is not None and w["t1"] - last_ok > longer_than:
                out.append((last_ok, w["t1"], errs))
            last_ok, errs = w["t1"], []
        else:
            errs += w["errs"]
    return out


def healthy_count(cluster_health: str) -> int:
    return sum(1 for ln in cluster_health.splitlines()
               if ln.startswith("member ") and " is healthy" in ln)


def member_list(c, eps: list[str]) -> list[str]:
    """`etcdctl member list` without the isLeader=... word (the leader may move)."""
    r = etcdctl(c, eps, "member", "list")
    check(r.returncode == 0, f"member list: {r.stdout}{r.stderr}")
    return sorted(" ".join(w for w in ln.split() if not w.startswith("isLeader="))
                  for ln in r.stdout.splitlines())


def user_data(name: str, ip: str, ips: dict[str, str]) -> str:
    endpoints = ",".join(f"http://{p}:2379" for p in ips.values())
    drop_in = ["    - name: locksmithd.service",
               "      drop-ins:",
               "        - name: 50-e2e.conf",
               "          content: |",
               "            [Service]",
               # Contenders ask for the lock every 2 s instead of backing off to 5 min.
               "            Environment=LOCKSMITHD_RETRY_INITIAL=1s LOCKSMITHD_RETRY_MAX=2s",
               # Its log survives the reboot in the VM's serial.log.
               "            StandardOutput=journal+console"]
    return host_user_data(name, ip, peers=ips, locksmith={"endpoint": endpoints},
                          update={"reboot-strategy": "etcd-lock"}, update_engine=True,
                          extra_units=drop_in)


def main() -> int:
    if sys.argv[1:2] == ["--probe"]:
        return probe(sys.argv[2].split(","))
    if skip_without_vm_tier("e2e_rolling_reboot", "boot 5 qemu VMs and reboot each (TCG: "
                            "~5 min of both cores, ~15 min with sanitizer binaries)", long=True):
        return 77
    s = Scenario("rolling_reboot", vm=True)

    def body(s: Scenario) -> None:
        c = s.cluster(NAMES, user_data)
        try:
            scenario(s, c)
        except BaseException as e:
            s.log(f"failed ({type(e).__name__}: {e}); the hosts' journals follow, then the "
                  "events and consoles")
            dump_journals(s, c)
            raise

    return s.run(body)


def dump_journals(s: Scenario, c) -> None:
    for n in c.hosts:
        for unit in ("locksmithd", "update-engine", "etcd2", "coreos-cloudinit"):
            try:
                r = c.exec(n, ["journalctl", "--no-pager", "-o", "short-monotonic", "-n", "80",
                               "-u", unit], timeout=20)
                print(f"--- {n}: journalctl -u {unit}\n{r.stdout.rstrip()}", flush=True)
            except (ClusterError, subprocess.TimeoutExpired) as e:
                print(f"--- {n}: no journal: {e}", flush=True)
                break


def scenario(s: Scenario, c) -> None:
    eps = [f"http://{h.ip}:2379" for h in c.hosts.values()]
    name_of = {h.machine_id: n for n, h in c.hosts.items()}
    booted = c.wait_booted(BOOT_TIMEOUT)
    s.mark("5 VMs booted (multi-user.target, after coreos-cloudinit)")
    for n in NAMES:
        ev = c.wait_event(n, "cloudinit", 10)
        check(ev.get("result") == "success", f"{n}: cloudinit {ev}")
        check(booted[n].get("failed") == "none", f"{n}: failed units {booted[n].get('failed')}")
    out = wait_until("etcdctl cluster-health green", lambda: (
        lambda ok, text: text if ok else None)(*healthy_members(c, eps)), 180)
    check(healthy_count(out) == 5, f"cluster-health: {out}")
    members = member_list(c, eps)
    s.mark("etcd2: 5 healthy members")

    # Every host: the update engine answers on the real system bus (its policy file), idle;
    # locksmithd runs; note the boot ID and the qemu process.
    def ready(n: str) -> str | None:
        st = c.exec(n, ["busctl", "call", "com.coreos.update1", "/com/coreos/update1",
                        "com.coreos.update1.Manager", "GetStatus"], timeout=20)
        active = c.exec(n, ["systemctl", "is-active", "locksmithd", "update-engine"], timeout=20)
        if st.returncode == 0 and '"UPDATE_STATUS_IDLE"' in st.stdout and \
                active.stdout.split() == ["active", "active"]:
            return st.stdout.strip()
        return None

    boot_ids, qemu_pids = {}, {}
    for n in NAMES:
        wait_until(f"{n}: update engine idle on the bus, locksmithd active", lambda: ready(n), 180)
        boot_ids[n] = c.exec(n, ["cat", "/proc/sys/kernel/random/boot_id"], check=True).stdout.strip()
        qemu_pids[n] = c.hosts[n].pid
    conf = c.exec("core1", ["cat", "/etc/coreos/update.conf"], check=True).stdout
    check("REBOOT_STRATEGY=etcd-lock" in conf.splitlines(), f"core1 update.conf: {conf!r}")
    # Every locksmithd creates the semaphore on its first unlock, unlock_delay after start.
    sem = wait_until("the semaphore key", lambda: (lambda r: r[1] if r[0] == 200 else None)(
        http_json(c, "GET", f"{eps[0]}{SEM_KEY}?quorum=true")), 60)
    value = json.loads(sem["node"]["value"])
    check(value.get("max") == 1 and not value.get("holders"), f"initial semaphore: {value}")
    s.mark(f"every host ready: update engine idle, locksmithd active; semaphore {value}")

    probe_ = Probe(c, eps)
    s.cleanups.append(probe_.stop)
    wait_until("the writer's first writes", lambda: sum(1 for w in probe_.snapshot()[0] if w["ok"]) >= 5, 30)
    wait_until("the watcher's first read", lambda: probe_.snapshot()[1], 30)

    for n in NAMES:
        c.exec(n, ["/bin/sh", "-c", f"echo {NEED_REBOOT} >{STATUS_FILE}"], check=True, timeout=20)
    t_told = time.monotonic()
    s.mark("every update engine told: " + NEED_REBOOT)

    # ---- the roll: follow events and semaphore versions as they come ----
    seen_events = {n: len(c.hosts[n].events) for n in NAMES}  # the first boot's: seen
    timeline: list[tuple[float, str, str]] = []  # (time, host, what)
    held: dict[str, list[list[float]]] = {n: [] for n in NAMES}  # host -> [[taken, released]]
    last_holders: list[str] = []
    sem_seen = 0
    deadline = t_told + ROLL_TIMEOUT
    next_report = time.monotonic() + 30

    def follow() -> None:
        nonlocal last_holders, sem_seen
        c.poll_events()
        for n in NAMES:
            h = c.hosts[n]
            for ev in h.events[seen_events[n]:]:
                if ev.get("kind") in ("shutdown", "booted", "cloudinit"):
                    timeline.append((c.t0 + ev["t"], n, ev["kind"]))
                    s.log(f"{n}: {ev['kind']} {'' if ev['kind'] == 'shutdown' else ev}")
            seen_events[n] = len(h.events)
            check(c.alive(n) and h.pid == qemu_pids[n], f"{n}: the qemu process exited")
        writes, versions, gaps = probe_.snapshot()
        check(not gaps, f"the semaphore watch missed versions (etcd history cleared): {gaps}")
        for v in versions[sem_seen:]:
            check_version(v)
            holders = [name_of.get(m, m) for m in holders_of(v)]
            for n in holders:
                if n not in last_holders:
                    check(n in held, f"unknown holder {n}")
                    held[n].append([v["t"], None])
                    timeline.append((v["t"], n, "lock taken"))
                    s.log(f"{n}: lock taken (index {v['index']})")
            for n in last_holders:
                if n not in holders:
                    held[n][-1][1] = v["t"]
                    timeline.append((v["t"], n, "lock released"))
                    s.log(f"{n}: lock released (index {v['index']})")
            last_holders = holders
        sem_seen = len(versions)

    def boots(n: str) -> int:
        return sum(1 for ev in c.hosts[n].events if ev.get("kind") == "booted")

    while True:
        follow()
        for n in NAMES:
            check(boots(n) <= 2, f"{n} booted a third time")
            check(len(held[n]) <= 1, f"{n} took the lock twice: {held[n]}")
        if all(boots(n) == 2 and held[n] and held[n][-1][1] is not None for n in NAMES) \
                and not last_holders:
            break
        if time.monotonic() >= deadline:
            raise Failure(f"no complete roll within {ROLL_TIMEOUT} s: boots "
                          f"{ {n: boots(n) for n in NAMES} }, lock stretches {held}, holders now "
                          f"{last_holders}")
        if time.monotonic() >= next_report:
            next_report += 30
            s.log(f"roll: boots { {n: boots(n) for n in NAMES} }, holder {last_holders or 'none'}")
        time.sleep(0.2)
    order = [n for _, n, what in sorted(timeline) if what == "lock taken"]
    s.mark(f"every host rebooted once, lock released (order {' '.join(order)})")

    settle_end = time.monotonic() + SETTLE
    while time.monotonic() < settle_end:
        follow()
        for n in NAMES:
            check(boots(n) == 2 and len(held[n]) == 1, f"{n} went on after the roll: boots "
                  f"{boots(n)}, lock stretches {held[n]}")
        time.sleep(0.2)
    probe_.stop()
    writes, versions, _ = probe_.snapshot()
    s.mark(f"nothing rebooted or locked in the {SETTLE} s after")

    # ---- one at a time ----
    spans = {}
    for n in NAMES:
        kinds = [(t, what) for t, h, what in sorted(timeline) if h == n]
        shutdowns = [t for t, what in kinds if what == "shutdown"]
        boots_t = [t for t, what in kinds if what == "booted"]
        check(len(shutdowns) == 1 and len(boots_t) == 1,
              f"{n}: {len(shutdowns)} shutdown and {len(boots_t)} booted events after the tell")
        taken, released = held[n][0]
        check(taken < shutdowns[0] < boots_t[0] and shutdowns[0] < released,
              f"{n}: not rebooted while holding the lock: taken {taken - s.t0:.1f}, shutdown "
              f"{shutdowns[0] - s.t0:.1f}, booted {boots_t[0] - s.t0:.1f}, released "
              f"{released - s.t0:.1f}")
        spans[n] = (min(taken, shutdowns[0]), max(boots_t[0], released), shutdowns[0], boots_t[0])
    ordered = sorted(NAMES, key=lambda n: spans[n][0])
    for a, b in zip(ordered, ordered[1:]):
        check(spans[a][1] < spans[b][0],
              f"reboots overlap: {a} [{spans[a][0] - s.t0:.1f}, {spans[a][1] - s.t0:.1f}] and "
              f"{b} [{spans[b][0] - s.t0:.1f}, {spans[b][1] - s.t0:.1f}]")
    for n in ordered:
        lo, hi, down, up = spans[n]
        s.log(f"{n}: lock taken {lo - s.t0:.1f}, shutdown {down - s.t0:.1f}, booted {up - s.t0:.1f}"
              f" (down {up - down:.1f} s), lock released {hi - s.t0:.1f}")
    check(all(len(v) == 1 for v in held.values()), f"lock stretches: {held}")
    s.mark(f"{len(versions)} semaphore versions: never two holders; each host held it once, "
           "the reboot intervals do not overlap")

    # ---- quorum kept ----
    ok = [w for w in writes if w["ok"]]
    check(len(ok) > 100, f"only {len(ok)} successful writes")
    gaps = [(ok[i + 1]["t1"] - ok[i]["t1"]) for i in range(len(ok) - 1)]
    worst = max(gaps)
    for start, end, errs in outages(writes):
        why = sorted(set(e.split(": ", 1)[1][:80] for e in errs))[:4] or "slow, no failed attempt"
        s.log(f"writer: no successful write for {end - start:.2f} s from {start - s.t0:.1f}: {why}")
    check(worst <= OUTAGE_BOUND, f"the writer went {worst:.2f} s without a successful write "
          f"(bound {OUTAGE_BOUND} s)")
    s.mark(f"writer: {len(ok)} of {len(writes)} writes succeeded, longest gap {worst:.2f} s "
           f"(bound {OUTAGE_BOUND} s)")

    # ---- the end state ----
    code, sem = http_json(c, "GET", f"{eps[0]}{SEM_KEY}?quorum=true")
    check(code == 200, f"semaphore read: {code} {sem}")
    value = json.loads(sem["node"]["value"])
    check(value == {"semaphore": 1, "max": 1, "holders": []}, f"final semaphore: {value}")
    st = c.exec("core1", ["locksmithctl", "status"], timeout=30)
    check(st.returncode == 0 and st.stdout == "Available: 1\nMax: 1\n",
          f"locksmithctl status on core1: {st.returncode} {st.stdout!r} {st.stderr!r}")
    for n in NAMES:
        bid = c.exec(n, ["cat", "/proc/sys/kernel/random/boot_id"], check=True).stdout.strip()
        check(bid != boot_ids[n], f"{n}: same boot ID {bid} after its reboot")
        check(ready(n), f"{n}: update engine not idle or locksmithd not active after the reboot")
        ev = [e for e in c.hosts[n].events if e.get("kind") == "booted"][-1]
        check(ev.get("failed") == "none", f"{n}: failed units after the reboot: {ev.get('failed')}")
        ci = [e for e in c.hosts[n].events if e.get("kind") == "cloudinit"]
        check(len(ci) == 2 and ci[-1].get("result") == "success", f"{n}: cloudinit events {ci}")
        log = (c.hosts[n].dir / "serial.log").read_text(errors="replace")
        check(log.count("Reboot sent. Going to sleep.") == 1,
              f"{n}: {log.count('Reboot sent. Going to sleep.')} 'Reboot sent' lines from "
              "locksmithd on its console")
    out = wait_until("cluster-health green after the roll", lambda: (
        lambda ok, text: text if ok else None)(*healthy_members(c, eps)), 60)
    check(healthy_count(out) == 5, f"cluster-health: {out}")
    after = member_list(c, eps)
    check(after == members, f"members changed: {members} -> {after}")
    s.mark("end: semaphore free (locksmithctl status: Available 1, Max 1), new boot IDs, update "
           "engines idle, the same 5 members healthy")


if __name__ == "__main__":
    sys.exit(main())
