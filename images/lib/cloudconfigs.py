"""#cloud-config user-data for the hosts of an images/ cluster (docs/images.md).

Each host gets its own file: its etcd2 member settings (static initial-cluster, or discovery),
fleet, flannel, locksmith and update settings, and `coreos.units` starting the suite's stock
units, as a CoreOS host's user-data would.
"""

from __future__ import annotations


def _yaml_str(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def host_user_data(name: str, ip: str, *, peers: dict[str, str] | None = None,
                   discovery: str | None = None, token: str = "corestack-e2e",
                   etcd: bool = True, fleet: bool = False, flannel: bool = False,
                   fleet_metadata: str | None = None, fleet_agent_ttl: str = "10s",
                   fleet_engine_interval: float = 1.0, etcd_proxy: bool = False,
                   flannel_network: str | None = None, flannel_renew_margin: int | None = None,
                   locksmith: dict[str, str] | None = None, update: dict[str, str] | None = None,
                   update_engine: bool = False, extra_units: list[str] | None = None) -> str:
    """peers: {name: ip} of the static initial cluster (this host included); or discovery.
    flannel_network: a network config JSON that flanneld.service sets before it starts (a
    drop-in with `ExecStartPre=etcdctl2 set /coreos.com/network/config ...`, as CoreOS's docs
    did), so coreos-cloudinit's start of flanneld does not wait for an operator.
    locksmith / update: the `coreos.locksmith` / `coreos.update` keys as given (e.g.
    {"reboot-strategy": "etcd-lock"}: coreos-cloudinit writes /etc/coreos/update.conf and
    restarts locksmithd). update_engine: start the image's update engine stand-in
    (update-engine.service, docs/images.md) before that restart."""
    lines = ["#cloud-config", f"hostname: {name}", "coreos:"]
    if etcd:
        lines += ["  etcd2:",
                  f"    name: {name}",
                  f"    listen-client-urls: http://{ip}:2379,http://127.0.0.1:2379",
                  f"    advertise-client-urls: http://{ip}:2379"]
        if etcd_proxy:
            lines += ["    proxy: on"]
        else:
            lines += [f"    listen-peer-urls: http://{ip}:2380",
                      f"    initial-advertise-peer-urls: http://{ip}:2380"]
        if discovery:
            lines += [f"    discovery: {_yaml_str(discovery)}"]
        elif peers:
            cluster = ",".join(f"{n}=http://{p}:2380" for n, p in peers.items())
            lines += [f"    initial-cluster: {_yaml_str(cluster)}",
                      f"    initial-cluster-token: {token}",
                      "    initial-cluster-state: new"]
    if fleet:
        lines += ["  fleet:",
                  f"    public-ip: {ip}",
                  f"    etcd-servers: http://127.0.0.1:2379",
                  f"    agent-ttl: {fleet_agent_ttl}",
                  f"    engine-reconcile-interval: {fleet_engine_interval}"]
        if fleet_metadata:
            lines += [f"    metadata: {_yaml_str(fleet_metadata)}"]
    if flannel:
        lines += ["  flannel:",
                  "    etcd-endpoints: http://127.0.0.1:2379",
                  f"    public-ip: {ip}"]
    for section, keys in (("locksmith", locksmith), ("update", update)):
        if keys:
            lines += [f"  {section}:"] + [f"    {k}: {_yaml_str(v)}" for k, v in keys.items()]
    lines += ["  units:"]
    if etcd:
        lines += ["    - name: etcd2.service", "      command: start"]
    if update_engine:
        lines += ["    - name: update-engine.service", "      command: start"]
    if fleet:
        lines += ["    - name: fleet.socket", "      command: start",
                  "    - name: fleet.service", "      command: start"]
    if flannel:
        lines += ["    - name: flanneld.service", "      command: start"]
        if flannel_network or flannel_renew_margin:
            lines += ["      drop-ins:",
                      "        - name: 50-network-config.conf",
                      "          content: |",
                      "            [Service]"]
        if flannel_network:
            lines += ["            ExecStartPre=/usr/bin/etcdctl2 set /coreos.com/network/config "
                      f"'{flannel_network}'"]
        if flannel_renew_margin:
            # coreos.flannel has no key for it: flanneld reads FLANNELD_* from its environment.
            lines += [f"            Environment=FLANNELD_SUBNET_LEASE_RENEW_MARGIN={flannel_renew_margin}"]
    for u in extra_units or []:
        lines += [u]
    return "\n".join(lines) + "\n"
