"""Shared driver of the e2e scenarios (tests/e2e/, docs/images.md).

Each scenario boots its own cluster from the images/build image with images/lib's Cluster,
drives it only the way an operator would (cloud-config at boot, etcdctl / curl from the
bridge side, fleetctl and systemctl on the hosts) and polls with deadlines. Exit status:
0 passed, 1 failed (with every host's journal of the suite's units), 77 skipped (the reason
on stdout: not root, no nspawn/qemu, no network namespaces).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "images" / "lib"))

from cloudconfigs import host_user_data  # noqa: E402,F401
from corestack_cluster import (Cluster, ClusterError, HostSpec, Skip, check_machine,  # noqa: E402,F401
                               wait_until)

SKIP = 77
UNITS = ["coreos-cloudinit", "etcd2", "fleet", "flanneld", "locksmithd"]


def skip_without_vm_tier(test: str, cost: str, long: bool = False) -> bool:
    """Whether a VM test skips: prints the SKIP line and returns True (the caller exits 77).
    The VM tests run wherever qemu and root are, make test included; CORESTACK_E2E_VM=0
    turns them off for a quicker run by hand. A long one (`long`: many VMs and reboots,
    minutes of both cores per host with make test's sanitizer binaries) runs only with
    CORESTACK_E2E_VM=all, which `make e2e` sets."""
    wanted = os.environ.get("CORESTACK_E2E_VM", "1")
    if wanted == "all" or (wanted != "0" and not long):
        return False
    how = "set CORESTACK_E2E_VM=all (`make e2e` does)" if long else "unset CORESTACK_E2E_VM"
    print(f"SKIP: {test}: CORESTACK_E2E_VM={wanted}; {how} to {cost}", flush=True)
    return True


class Failure(AssertionError):
    pass


def check(cond: object, what: str) -> None:
    if not cond:
        raise Failure(what)


class Scenario:
    """argv: --out DIR (images/build --out), --workdir DIR, --keep (leave the cluster up on
    failure until Enter or SIGTERM: for inspection with images/cluster exec/bridge)."""

    def __init__(self, name: str, vm: bool = False):
        p = argparse.ArgumentParser(description=name)
        p.add_argument("--out", default=os.environ.get("CORESTACK_IMAGE_OUT", str(ROOT / "out" / "images")))
        p.add_argument("--workdir", default=None)
        p.add_argument("--keep", action="store_true")
        self.args = p.parse_args()
        self.name = name
        self.vm = vm
        self.workdir = Path(self.args.workdir or (ROOT / "out" / "e2e" / name))
        self.t0 = time.monotonic()
        self.clusters: list[Cluster] = []
        self.cleanups: list[Callable[[], None]] = []
        self.timings: list[tuple[str, float]] = []

    def log(self, msg: str) -> None:
        print(f"[{time.monotonic() - self.t0:7.2f}s] {msg}", flush=True)

    def mark(self, what: str) -> float:
        t = time.monotonic() - self.t0
        self.timings.append((what, t))
        self.log(f"== {what}")
        return t

    def cluster(self, names: list[str], user_data: Callable[[str, str, dict[str, str]], str], *,
                subnet: str = "10.88.0", tag: str = "c") -> Cluster:
        ips = {n: f"{subnet}.{11 + i}" for i, n in enumerate(names)}
        specs = [HostSpec(n, user_data(n, ips[n], ips), ip=ips[n]) for n in names]
        image = Path(self.args.out) / ("vm" if self.vm else "rootfs")
        c = Cluster(image, specs, self.workdir / tag, name=f"e2e{tag}", subnet=subnet, vm=self.vm,
                    log=self.log)
        self.clusters.append(c)
        c.start()
        return c

    def run(self, body: Callable[["Scenario"], None]) -> int:
        try:
            check_machine(vm=self.vm)
        except Skip as e:
            print(f"SKIP: {self.name}: {e}", flush=True)
            return SKIP
        image = Path(self.args.out) / ("vm/base.raw" if self.vm else "rootfs/usr/bin/etcd2")
        if not image.exists():
            print(f"FAIL: {self.name}: no image at {self.args.out} (run images/build --out "
                  f"{self.args.out}; ctest runs it as e2e_image)", flush=True)
            return 1
        status = 0
        try:
            body(self)
            self.log(f"PASS: {self.name}")
        except (Failure, ClusterError, subprocess.TimeoutExpired) as e:
            status = 1
            self.log(f"FAIL: {self.name}: {e}")
            self.diagnose()
        except BaseException as e:  # noqa: BLE001 -- KeyboardInterrupt/SystemExit too
            status = 1
            self.log(f"FAIL: {self.name}: {type(e).__name__}: {e}")
            traceback.print_exc()
            self.diagnose()
        finally:
            if status and self.args.keep:
                self.log("--keep: cluster left up; press Enter to tear down")
                try:
                    input()
                except EOFError:
                    pass
            for fn in reversed(self.cleanups):
                try:
                    fn()
                except Exception as e:  # noqa: BLE001
                    self.log(f"cleanup failed: {e}")
            for c in self.clusters:
                c.teardown()
        for what, t in self.timings:
            print(f"timing: {what}: {t:.1f} s")
        return status

    def diagnose(self) -> None:
        for c in self.clusters:
            c.poll_events()
            print(f"--- events ({c.workdir}/events.log)")
            for h in c.hosts.values():
                for ev in h.events:
                    print("   ", json.dumps(ev))
            for n in c.hosts:
                if c.vm or not c.alive(n):
                    print(f"--- {n}: console tail\n{c.console_tail(n, 40)}")
                    continue
                r = c.exec(n, ["systemctl", "list-units", "--failed", "--plain", "--no-legend"])
                print(f"--- {n}: failed units: {r.stdout.strip() or 'none'}")
                for u in UNITS:
                    j = c.exec(n, ["journalctl", "--no-pager", "-o", "short-monotonic", "-n", "60",
                                   "-u", u])
                    if "-- No entries --" not in j.stdout:
                        print(f"--- {n}: journalctl -u {u}\n{j.stdout.rstrip()}")


# ---- operator tools, on the bridge side ----

def etcdctl(c: Cluster, endpoints: list[str], *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    """Debian's etcdctl (etcd-client 3.4) in v2 mode."""
    env = {"ETCDCTL_API": "2"}
    return c.run_on_bridge(["etcdctl", "--endpoints", ",".join(endpoints), *args],
                           timeout=timeout, env=env)


def http(c: Cluster, method: str, url: str, data: str | None = None,
         timeout: float = 10) -> tuple[int, str]:
    argv = ["curl", "-sS", "-m", str(timeout), "-X", method, "-w", "\n%{http_code}", url]
    if data is not None:
        argv += ["--data", data]
    r = c.run_on_bridge(argv, timeout=timeout + 5)
    if r.returncode != 0:
        return 0, r.stderr.strip()
    body, _, code = r.stdout.rpartition("\n")
    return int(code), body


def http_json(c: Cluster, method: str, url: str, data: str | None = None) -> tuple[int, dict]:
    code, body = http(c, method, url, data)
    try:
        return code, json.loads(body) if body else {}
    except json.JSONDecodeError:
        return code, {"raw": body}


def healthy_members(c: Cluster, endpoints: list[str]) -> tuple[bool, str]:
    r = etcdctl(c, endpoints, "cluster-health")
    return r.returncode == 0 and "cluster is healthy" in r.stdout, r.stdout + r.stderr


def leader_of(c: Cluster, ips: list[str]) -> dict[str, str]:
    """{ip: state} from every reachable member's /v2/stats/self."""
    states = {}
    for ip in ips:
        code, body = http_json(c, "GET", f"http://{ip}:2379/v2/stats/self")
        if code == 200:
            states[ip] = body.get("state", "?")
    return states


def unit_active(c: Cluster, host: str, unit: str) -> str:
    return c.exec(host, ["systemctl", "is-active", unit]).stdout.strip()
