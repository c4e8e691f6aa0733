#!/usr/bin/env python3
"""Scenario 2: the flannel overlay on real systemd (docs/images.md).

Three hosts run etcd2 + flanneld (vxlan) from their cloud-config (`coreos.flannel`, started by
`coreos.units` with a drop-in that sets /coreos.com/network/config first, as CoreOS's docs
did); Debian's etcdctl from the bridge reads it back. Checks: flanneld.service active everywhere (Type=notify: subnet.env written), three
distinct /24 subnets inside the network, matching the lease keys in etcd (PublicIP = the
host's IP); a vxlan device flannel.1 on each host. Then a "container" (a network namespace
behind a cbr0 bridge on the host's flannel subnet, as docker would set it up) on core1 and one
on core3 ping each other both ways, and the packets went through both hosts' flannel.1.
"""

import ipaddress
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_common import (Scenario, check, etcdctl, healthy_members, host_user_data,  # noqa: E402
                        unit_active, wait_until)

NAMES = ["core1", "core2", "core3"]
NETWORK = "10.244.0.0/16"

CONTAINER_SETUP = """set -e
. /run/flannel/subnet.env
ip netns add ctr
ip link add cbr0 type bridge
ip link set cbr0 mtu "$FLANNEL_MTU"
ip addr add "$FLANNEL_SUBNET" dev cbr0
ip link set cbr0 up
ip link add veth-ctr mtu "$FLANNEL_MTU" type veth peer name eth0 netns ctr
ip link set veth-ctr master cbr0 up
ip -n ctr link set lo up
ip -n ctr addr add "{ctr_ip}/24" dev eth0
ip -n ctr link set eth0 up
ip -n ctr route add default via "{gw}"
"""


def subnet_env(c, n) -> dict[str, str]:
    r = c.exec(n, ["cat", "/run/flannel/subnet.env"])
    return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)


def vxlan_packets(c, n) -> tuple[int, int]:
    r = c.exec(n, ["ip", "-s", "-j", "link", "show", "flannel.1"])
    st = json.loads(r.stdout)[0]["stats64"]
    return st["rx"]["packets"], st["tx"]["packets"]


def main() -> int:
    s = Scenario("overlay")

    def body(s: Scenario) -> None:
        config = json.dumps({"Network": NETWORK, "Backend": {"Type": "vxlan"}}, separators=(",", ":"))
        c = s.cluster(NAMES, lambda n, ip, ips: host_user_data(n, ip, peers=ips, flannel=True,
                                                              flannel_network=config))
        eps = [f"http://{h.ip}:2379" for h in c.hosts.values()]
        c.wait_booted(120)
        wait_until("etcd healthy", lambda: healthy_members(c, eps)[0], 60)
        r = etcdctl(c, eps, "get", "/coreos.com/network/config")
        check(r.returncode == 0 and json.loads(r.stdout) == json.loads(config),
              f"network config in etcd: {r.stdout}{r.stderr}")
        s.mark("booted; etcd healthy; the network config (set by flanneld's drop-in) in etcd")
        for n in NAMES:
            wait_until(f"flanneld.service active on {n}",
                       lambda n=n: unit_active(c, n, "flanneld.service") == "active", 60)
        s.mark("flanneld.service active on every host")

        envs = {n: subnet_env(c, n) for n in NAMES}
        subnets = {n: ipaddress.ip_interface(e["FLANNEL_SUBNET"]).network for n, e in envs.items()}
        s.log("  subnets: " + ", ".join(f"{n}={subnets[n]}" for n in NAMES))
        check(len(set(subnets.values())) == 3, f"subnets are not distinct: {subnets}")
        for n, e in envs.items():
            check(e.get("FLANNEL_NETWORK") == NETWORK, f"{n}: {e}")
            check(subnets[n].prefixlen == 24 and subnets[n].subnet_of(ipaddress.ip_network(NETWORK)),
                  f"{n}: subnet {subnets[n]} not a /24 of {NETWORK}")
        r = etcdctl(c, eps, "ls", "/coreos.com/network/subnets")
        keys = sorted(r.stdout.split())
        want = sorted(f"/coreos.com/network/subnets/{subnets[n].network_address}-24" for n in NAMES)
        check(keys == want, f"lease keys {keys} != {want}")
        for n in NAMES:
            r = etcdctl(c, eps, "get", f"/coreos.com/network/subnets/{subnets[n].network_address}-24")
            lease = json.loads(r.stdout)
            check(lease.get("PublicIP") == c.hosts[n].ip and lease.get("BackendType") == "vxlan",
                  f"{n}: lease {lease}")
            link = c.exec(n, ["ip", "-d", "-j", "link", "show", "flannel.1"])
            check(link.returncode == 0, f"{n}: no flannel.1: {link.stderr}")
            info = json.loads(link.stdout)[0]["linkinfo"]
            check(info["info_kind"] == "vxlan" and info["info_data"]["id"] == 1, f"{n}: {info}")
            check(lease["BackendData"]["VtepMAC"] == json.loads(link.stdout)[0]["address"],
                  f"{n}: lease VtepMAC {lease['BackendData']} != flannel.1's address")
        s.mark("3 distinct subnets = lease keys in etcd; flannel.1 (vxlan 1) on every host")

        ctr = {}
        for n in ("core1", "core3"):
            net = subnets[n]
            gw, ip = str(net.network_address + 1), str(net.network_address + 2)
            ctr[n] = ip
            # nspawn mounts /proc/sys read-only: forwarding is set from outside, in the
            # host's network namespace (docker would do this on a real host).
            r = c.exec_net(n, ["sysctl", "-w", "net.ipv4.ip_forward=1"])
            check(r.returncode == 0, f"{n}: ip_forward: {r.stderr}")
            r = c.exec(n, ["sh", "-c", CONTAINER_SETUP.format(ctr_ip=ip, gw=gw)])
            check(r.returncode == 0, f"{n}: container netns setup: {r.stdout}{r.stderr}")
        before = {n: vxlan_packets(c, n) for n in ("core1", "core3")}
        for a, b in (("core1", "core3"), ("core3", "core1")):
            r = c.exec(a, ["nsenter", "--net=/run/netns/ctr", "ping", "-c", "3", "-i", "0.2", "-W", "2",
                           ctr[b]], timeout=30)
            check(r.returncode == 0 and " 0% packet loss" in r.stdout,
                  f"ping {a}/ctr -> {b}/ctr ({ctr[b]}): {r.stdout}{r.stderr}")
            s.log(f"  {a}/ctr -> {b}/ctr {ctr[b]}: {r.stdout.strip().splitlines()[-2]}")
        after = {n: vxlan_packets(c, n) for n in ("core1", "core3")}
        for n in ("core1", "core3"):
            check(after[n][0] - before[n][0] >= 6 and after[n][1] - before[n][1] >= 6,
                  f"{n}: flannel.1 packets rx/tx {before[n]} -> {after[n]}: not through the overlay")
        s.mark("container on core1 <-> container on core3: ping through flannel.1 both ways")

    return s.run(body)


if __name__ == "__main__":
    sys.exit(main())
