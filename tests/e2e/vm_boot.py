#!/usr/bin/env python3
"""VM smoke test (docs/images.md): the same image booted as qemu VMs (TCG: real kernel, real
reboots). Runs in make test (CORESTACK_E2E_VM=0 skips it): three cold TCG boots and a reset
keep both cores busy for about two minutes with make test's sanitizer binaries.

Three VMs, each with its cloud-config (fw_cfg) and settings (kernel command line): all boot,
coreos-cloudinit succeeds, each has its own machine ID; Debian's etcdctl from the bridge finds
a healthy 3-member etcd2 cluster. Then core2 is hard-reset through the qemu monitor (its disk
kept): it boots again, runs its cloud-config again, and its member rejoins with its data (the
same member ID) — the cluster is healthy again and still has the key written before.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_common import Scenario, check, skip_without_vm_tier, etcdctl, healthy_members, host_user_data, wait_until  # noqa: E402

NAMES = ["core1", "core2", "core3"]


def main() -> int:
    if skip_without_vm_tier("e2e_vm_boot", "boot qemu VMs (TCG, ~2 min of both cores)"):
        return 77
    s = Scenario("vm_boot", vm=True)

    def body(s: Scenario) -> None:
        c = s.cluster(NAMES, lambda n, ip, ips: host_user_data(n, ip, peers=ips))
        eps = [f"http://{h.ip}:2379" for h in c.hosts.values()]
        booted = c.wait_booted(420)
        s.mark("3 VMs booted (multi-user.target, after coreos-cloudinit)")
        for n in NAMES:
            ev = c.wait_event(n, "cloudinit", 10)
            check(ev.get("result") == "success" and ev.get("status") == "0", f"{n}: cloudinit {ev}")
            check(booted[n].get("machine_id") == c.hosts[n].machine_id,
                  f"{n}: machine-id {booted[n].get('machine_id')} != {c.hosts[n].machine_id}")
            check(booted[n].get("failed") == "none", f"{n}: failed units {booted[n].get('failed')}")
        out = wait_until("etcdctl cluster-health green", lambda: (
            lambda ok, text: text if ok else None)(*healthy_members(c, eps)), 120)
        check(len([ln for ln in out.splitlines() if ln.startswith("member ") and " is healthy" in ln]) == 3,
              f"cluster-health: {out}")
        r = etcdctl(c, eps, "member", "list")
        before_ids = sorted(line.split(":")[0] for line in r.stdout.splitlines())
        r = etcdctl(c, eps, "set", "/e2e/vm", "before-reset")
        check(r.returncode == 0, f"set: {r.stderr}")
        s.mark("etcdctl cluster-health: healthy, 3 members")

        seen = len(c.hosts["core2"].events)
        t = time.monotonic()
        c.monitor("core2", "system_reset")
        c.wait_event("core2", "booted", 300, after=seen)
        s.mark(f"core2 reset and booted again in {time.monotonic() - t:.1f} s")
        ev = c.wait_event("core2", "cloudinit", 10, after=seen)
        check(ev.get("result") == "success", f"core2 cloudinit after the reset: {ev}")
        out = wait_until("cluster-health green after the reset", lambda: (
            lambda ok, text: text if ok else None)(*healthy_members(c, eps)), 120)
        r = etcdctl(c, eps, "member", "list")
        after_ids = sorted(line.split(":")[0] for line in r.stdout.splitlines())
        check(after_ids == before_ids, f"members changed across the reset: {before_ids} -> {after_ids}")
        r = etcdctl(c, [eps[1]], "get", "--quorum", "/e2e/vm")
        check(r.stdout.strip() == "before-reset", f"get via core2 after the reset: {r.stdout}{r.stderr}")
        s.mark("core2's member rejoined with its data; cluster healthy")

    return s.run(body)


if __name__ == "__main__":
    sys.exit(main())
