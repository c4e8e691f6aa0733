#!/usr/bin/env python3
"""Scenario 1: boot into a cluster (docs/images.md).

Three hosts, each from its own #cloud-config: `coreos.etcd2` (static initial-cluster, or with
--discovery a discovery URL served by an etcd2 on the bridge) and `coreos.units` starting
etcd2.service. Checks, with real systemd on every host:
  - coreos-cloudinit ran and succeeded, and wrote etcd2's drop-in; etcd2.service is active
    (Type=notify: started means joined and serving) with the name and URLs of the config;
  - every host has its own name and machine ID;
  - Debian's etcdctl (v2) from the bridge: `cluster-health` green with 3 members, `member list`
    has exactly core1..3 at their IPs; a write through one member reads back from the others;
  - with --discovery: the discovery directory holds the 3 members, and its size key is 3.
"""

import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_common import (HostSpec, Scenario, check, etcdctl, healthy_members, host_user_data, http,  # noqa: E402
                        http_json, unit_active, wait_until)

NAMES = ["core1", "core2", "core3"]


def start_discovery(s: Scenario, c, data_dir: Path) -> str:
    """A one-member etcd2 on the bridge (10.88.0.1:4001) holding a discovery token of size 3."""
    etcd2 = Path(s.args.out) / "rootfs" / "usr" / "bin" / "etcd2"
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://{c.bridge_ip}:4001"
    log = open(data_dir / "etcd2.log", "ab")
    proc = c.popen_on_bridge(
        [str(etcd2), "--name", "discovery", "--data-dir", str(data_dir / "data"),
         "--listen-client-urls", url, "--advertise-client-urls", url,
         "--listen-peer-urls", f"http://{c.bridge_ip}:4002",
         "--initial-advertise-peer-urls", f"http://{c.bridge_ip}:4002",
         "--initial-cluster", f"discovery=http://{c.bridge_ip}:4002"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()

    def stop():
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            proc.kill()
            proc.wait()
    s.cleanups.append(stop)
    wait_until("the discovery etcd2", lambda: http(c, "GET", f"{url}/version")[0] == 200, 30)
    token = uuid.uuid4().hex
    code, body = http(c, "PUT", f"{url}/v2/keys/discovery/{token}/_config/size", "value=3")
    check(code == 201, f"creating the discovery token: {code} {body}")
    return f"{url}/v2/keys/discovery/{token}"


def main() -> int:
    discovery = "--discovery" in sys.argv
    if discovery:
        sys.argv.remove("--discovery")
    s = Scenario("boot_discovery" if discovery else "boot_static")

    def body(s: Scenario) -> None:
        disc_url = None
        if discovery:
            # The discovery service is up before the hosts boot: the cluster's network first,
            # then the service on the bridge, then the hosts.
            c = s.cluster([], None)
            disc_url = start_discovery(s, c, c.workdir / "discovery")
            for i, n in enumerate(NAMES):
                ip = f"{c.subnet}.{11 + i}"
                c.add_host(HostSpec(n, host_user_data(n, ip, discovery=disc_url), ip=ip))
        else:
            c = s.cluster(NAMES, lambda n, ip, ips: host_user_data(n, ip, peers=ips))
        ips = {n: h.ip for n, h in c.hosts.items()}
        eps = [f"http://{ip}:2379" for ip in ips.values()]

        booted = c.wait_booted(120)
        s.mark("3 hosts booted (multi-user.target, after coreos-cloudinit)")
        for n in NAMES:
            ev = c.wait_event(n, "cloudinit", 5)
            check(ev.get("result") == "success" and ev.get("status") == "0",
                  f"{n}: coreos-cloudinit did not succeed: {ev}")
            check(booted[n].get("failed") == "none", f"{n}: failed units at boot: {booted[n]}")
        mids = {n: c.exec(n, ["cat", "/etc/machine-id"]).stdout.strip() for n in NAMES}
        check(len(set(mids.values())) == 3, f"machine IDs are not distinct: {mids}")
        for n in NAMES:
            check(mids[n] == c.hosts[n].machine_id, f"{n}: machine-id {mids[n]} != {c.hosts[n].machine_id}")
            hn = c.exec(n, ["hostname"]).stdout.strip()
            check(hn == n, f"{n}: hostname is {hn!r}")
            check(unit_active(c, n, "etcd2.service") == "active", f"{n}: etcd2.service not active")
            dropins = c.exec(n, ["systemctl", "show", "-p", "DropInPaths", "etcd2.service"]).stdout
            check("/run/systemd/system/etcd2.service.d/20-cloudinit.conf" in dropins,
                  f"{n}: etcd2.service has no cloud-config drop-in: {dropins!r}")
            env = c.exec(n, ["systemctl", "show", "-p", "Environment", "etcd2.service"]).stdout
            check(f"ETCD_NAME={n}" in env and f"ETCD_ADVERTISE_CLIENT_URLS=http://{ips[n]}:2379" in env,
                  f"{n}: etcd2.service environment lacks the config's name/URL: {env!r}")
        s.mark("coreos-cloudinit applied; etcd2.service active on every host")

        out = wait_until("etcdctl cluster-health green",
                         lambda: (lambda ok, text: text if ok else None)(*healthy_members(c, eps)), 60)
        member_lines = [ln for ln in out.splitlines() if ln.startswith("member ")]
        check(len(member_lines) == 3 and all(" is healthy" in ln for ln in member_lines),
              f"cluster-health: {out}")
        s.mark("etcdctl cluster-health: cluster is healthy, 3 members")
        r = etcdctl(c, eps, "member", "list")
        check(r.returncode == 0, f"member list: {r.stderr}")
        members = {}
        for line in r.stdout.splitlines():
            fields = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
            members[fields.get("name")] = fields
        check(sorted(members) == NAMES, f"member list names: {r.stdout}")
        for n in NAMES:
            check(members[n].get("peerURLs") == f"http://{ips[n]}:2380", f"{n}: {members[n]}")
            check(members[n].get("clientURLs") == f"http://{ips[n]}:2379", f"{n}: {members[n]}")
        value = f"v-{time.monotonic_ns()}"
        r = etcdctl(c, [eps[0]], "set", "/e2e/boot", value)
        check(r.returncode == 0 and r.stdout.strip() == value, f"set via core1: {r.stdout}{r.stderr}")
        for ep in eps[1:]:
            r = etcdctl(c, [ep], "get", "--quorum", "/e2e/boot")
            check(r.stdout.strip() == value, f"get via {ep}: {r.stdout}{r.stderr}")
        s.mark("write on core1 read back (quorum) on core2 and core3")
        if discovery:
            code, body = http_json(c, "GET", disc_url)
            nodes = [x for x in body.get("node", {}).get("nodes", []) if not x["key"].endswith("_config")]
            check(code == 200 and len(nodes) == 3, f"discovery dir: {code} {body}")
            seen = sorted(x["value"].split("=", 1)[0] for x in nodes)
            check(seen == NAMES, f"discovery registrations: {seen}")
            s.mark("discovery directory holds core1..3")

    return s.run(body)


if __name__ == "__main__":
    sys.exit(main())
