#!/usr/bin/env python3
"""Scenario 5: a host is lost hard (docs/images.md).

Three hosts run etcd2 + fleet + flanneld (vxlan) from their cloud-config; fleet runs 6 units
without placement rules; flanneld renews its lease 1439 minutes before the 24 h expiry, i.e.
about 60 s after acquiring it (FLANNELD_SUBNET_LEASE_RENEW_MARGIN in a drop-in), so a renewal
round fits in the test. The host of the etcd leader is killed hard (SIGKILL to its PID 1: every
process of the host dies at once, nothing is shut down). Then, with real systemd on the others:
  - etcd: the two survivors elect a new leader; etcdctl cluster-health names the lost member as
    the only unhealthy one; a write through a survivor reads back with quorum;
  - fleet: the lost host's units run on the survivors within agent_ttl + 2 engine rounds, once;
  - flannel: the lost host's lease stays (no one deletes or takes it) and is not renewed: its
    expiration is unchanged and its TTL counts down to expire 24 h after its last renewal,
    while the survivors' leases are renewed (their expiration moves forward).
"""

import json
import re
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_common import (ClusterError, Scenario, check, etcdctl, healthy_members, host_user_data, http_json,  # noqa: E402
                        leader_of, unit_active, wait_until)

NAMES = ["core1", "core2", "core3"]
AGENT_TTL = 10.0
ENGINE_ROUND = 1.0
UNITS = [f"job@{i}.service" for i in range(1, 7)]
NETWORK = json.dumps({"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}, separators=(",", ":"))
LEASE_TTL = 86400
RENEW_AFTER = 60  # s: 24 h - 1439 min


def leases(c, ips) -> dict[str, dict]:
    """PublicIP -> {key, subnet, expiration (epoch s), ttl, modifiedIndex} by a quorum read."""
    for ip in ips:
        code, body = http_json(c, "GET", f"http://{ip}:2379/v2/keys/coreos.com/network/subnets"
                                         "?recursive=true&quorum=true")
        if code == 200:
            out = {}
            for node in body.get("node", {}).get("nodes", []):
                attrs = json.loads(node["value"])
                out[attrs["PublicIP"]] = {
                    "key": node["key"], "ttl": node.get("ttl"), "modifiedIndex": node["modifiedIndex"],
                    "expiration": parse_time(node.get("expiration"))}
            return out
    raise ClusterError(f"no member answered the lease read: {code} {body}")


def parse_time(text: str | None) -> float | None:
    """etcd's RFC 3339 with nanoseconds (2026-11-24T09:50:00.123456789Z) -> epoch seconds."""
    if not text:
        return None
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", text)
    if not m:
        raise AssertionError(f"bad expiration {text!r}")
    tz = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.fromisoformat(m.group(1) + tz).timestamp() + float("0." + (m.group(2) or "0"))


def running(c, hosts) -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for n in hosts:
        r = c.exec(n, ["systemctl", "list-units", "--type=service", "--state=running", "--plain",
                       "--no-legend", "job@*"])
        for line in r.stdout.splitlines():
            if line.split() and line.split()[0] in UNITS:
                where.setdefault(line.split()[0], []).append(n)
    return where


def main() -> int:
    s = Scenario("host_loss")

    def body(s: Scenario) -> None:
        c = s.cluster(NAMES, lambda n, ip, ips: host_user_data(
            n, ip, peers=ips, fleet=True, flannel=True, flannel_network=NETWORK,
            flannel_renew_margin=1439, fleet_agent_ttl=f"{AGENT_TTL:.0f}s",
            fleet_engine_interval=ENGINE_ROUND))
        ips = {n: h.ip for n, h in c.hosts.items()}
        eps = [f"http://{ip}:2379" for ip in ips.values()]
        c.wait_booted(120)
        wait_until("etcd healthy", lambda: healthy_members(c, eps)[0], 60)
        for n in NAMES:
            wait_until(f"flanneld on {n}", lambda n=n: unit_active(c, n, "flanneld.service") == "active", 60)
        t_leases = time.time()
        before = wait_until("3 leases", lambda: (lambda l: l if len(l) == 3 else None)(leases(c, list(ips.values()))), 30)
        for ip, l in before.items():
            check(l["ttl"] and LEASE_TTL - 30 <= l["ttl"] <= LEASE_TTL, f"lease of {ip}: ttl {l['ttl']}")
        c.exec("core1", ["mkdir", "-p", "/root/units"], check=True)
        c.exec("core1", ["sh", "-c", "cat > /root/units/job@.service"],
               input="[Unit]\nDescription=job %i\n[Service]\nExecStart=/bin/sleep infinity\n", check=True)
        r = c.exec("core1", ["sh", "-c", "cd /root/units && fleetctl start --no-block " + " ".join(UNITS)],
                   timeout=60)
        check(r.returncode == 0, f"fleetctl start: {r.stdout}{r.stderr}")
        where = wait_until("6 units running once", lambda: (lambda w: w if all(
            len(w.get(u, [])) == 1 for u in UNITS) else None)(running(c, NAMES)), 60)
        s.mark("etcd2 + fleet + flannel up; 3 leases; 6 fleet units running")

        states = leader_of(c, list(ips.values()))
        leaders = [ip for ip, st in states.items() if st == "StateLeader"]
        check(len(leaders) == 1, f"expected one etcd leader: {states}")
        victim = next(n for n, ip in ips.items() if ip == leaders[0])
        survivors = [n for n in NAMES if n != victim]
        s_eps = [f"http://{ips[n]}:2379" for n in survivors]
        lost_units = [u for u, hs in where.items() if hs[0] == victim]
        code, me = http_json(c, "GET", f"http://{ips[victim]}:2379/v2/stats/self")
        victim_id = me.get("id")
        s.log(f"  killing {victim} (etcd leader {victim_id}), running {lost_units}")
        t_kill = time.monotonic()
        c.kill(victim)
        s.mark(f"{victim} killed (SIGKILL to its PID 1)")

        def new_leader():
            st = leader_of(c, [ips[n] for n in survivors])
            ld = [ip for ip, x in st.items() if x == "StateLeader"]
            return ld[0] if len(ld) == 1 and len(st) == 2 else None
        new = wait_until("a new etcd leader among the survivors", new_leader, 30, interval=0.1)
        s.mark(f"new etcd leader {new} after {time.monotonic() - t_kill:.1f} s")
        r = etcdctl(c, eps, "cluster-health")
        bad = [ln for ln in r.stdout.splitlines() if ln.startswith("member") and " is healthy" not in ln]
        good = [ln for ln in r.stdout.splitlines() if ln.startswith("member") and " is healthy" in ln]
        check(len(good) == 2 and len(bad) == 1 and victim_id in bad[0],
              f"cluster-health should show only {victim_id} unhealthy: {r.stdout}")
        value = f"after-loss-{time.monotonic_ns()}"
        r = etcdctl(c, [s_eps[0]], "set", "/e2e/host-loss", value)
        check(r.returncode == 0, f"write after the loss: {r.stdout}{r.stderr}")
        r = etcdctl(c, [s_eps[1]], "get", "--quorum", "/e2e/host-loss")
        check(r.stdout.strip() == value, f"quorum read after the loss: {r.stdout}{r.stderr}")
        s.mark("cluster-health: only the lost member unhealthy; writes and quorum reads work")

        def rescheduled():
            w = running(c, survivors)
            if any(len(hs) > 1 for hs in w.values()):
                raise AssertionError(f"a unit runs twice: {w}")
            return w if all(u in w for u in UNITS) else None
        bound = AGENT_TTL + 2 * ENGINE_ROUND
        w = wait_until("the lost host's units running on the survivors", rescheduled, bound + 20)
        dt = time.monotonic() - t_kill
        s.mark(f"fleet units rescheduled and running after {dt:.1f} s")
        check(dt <= bound + 1.5, f"rescheduling took {dt:.1f} s > agent_ttl + 2 engine rounds ({bound:.0f} s)")
        for u in lost_units:
            check(w[u][0] in survivors, f"{u}: {w[u]}")

        # flannel: wait for the survivors' renewals (about RENEW_AFTER s after acquiring).
        def renewed():
            now = leases(c, [ips[n] for n in survivors])
            ok = all(now[ips[n]]["expiration"] > before[ips[n]]["expiration"] + 30 for n in survivors)
            return now if ok else None
        deadline = max(10, RENEW_AFTER + 30 - (time.time() - t_leases))
        after = wait_until("the survivors' lease renewals", renewed, deadline, interval=1)
        s.mark("survivors renewed their flannel leases")
        lost = after.get(ips[victim])
        check(lost is not None, f"the lost host's lease is gone: {after}")
        check(lost["key"] == before[ips[victim]]["key"], f"lost lease changed key: {lost}")
        check(lost["modifiedIndex"] == before[ips[victim]]["modifiedIndex"] and
              abs(lost["expiration"] - before[ips[victim]]["expiration"]) < 1,
              f"the lost host's lease was touched: before {before[ips[victim]]}, now {lost}")
        remaining = lost["expiration"] - time.time()
        check(abs(lost["ttl"] - remaining) <= 3, f"lease ttl {lost['ttl']} vs expiration in {remaining:.0f} s")
        check(LEASE_TTL - (time.time() - t_leases) - 35 <= lost["ttl"] <= LEASE_TTL - (time.time() - t_leases) + 5,
              f"the lost lease's ttl {lost['ttl']} is not counting down from its acquisition")
        s.log(f"  lost lease {lost['key']}: expires in {lost['ttl']} s (unchanged), survivors renewed")
        s.mark("the lost host's flannel lease is untouched and expires on schedule")

    return s.run(body)


if __name__ == "__main__":
    sys.exit(main())
