#!/usr/bin/python3
"""The lease storm: 50 flannel lease clients start at once against one network (a /20
with /24 subnets: 15 usable, the first is skipped) on a real 3-member cluster — etcd2, or
the real etcd 3.4 with --enable-v2. Each run uses a fresh prefix.

The C++ tool (tests/flannel/lease_storm.cc) runs the clients and checks etcd against
their reports; this harness starts the cluster, runs it, and then re-checks every run's
leases itself from a fresh recursive quorum GET (Python's ipaddress, not our codec):
exactly 15 leases, each a /24 inside 10.5.1.0 .. 10.5.15.0 with a TTL, no two
overlapping, no PublicIP twice, and exactly 35 clients reporting "out of subnets".

    lease_storm.py --tool build/tests/flannel/flannel_lease_storm \
        --kind etcd2 --etcd2 build/etcd/cmd/etcd2 --runs 20

--expect-violation is the negative control: with --naive the clients write without
compare-and-swap, and the checks must catch the resulting double grants.

The tool's output and the members' logs must hold no crash line (tests/compat/
crash_lines.py: sanitizer reports, terminate, ...), in the negative control too.

Exit status: 0 every run clean (or, with --expect-violation, a violation caught), 1 a
violation or a crash line (details printed) or a blind negative control, 77 skipped (the
real etcd missing for --kind etcd).
"""

import argparse
import ipaddress
import json
import os
import re
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
import cluster as clusterlib  # noqa: E402
import crash_lines  # noqa: E402

CLIENTS = 50
CONFIG = {"Network": "10.5.0.0/20", "SubnetLen": 24}
USABLE = 15
RUN_LINE = re.compile(r"^RUN (\d+) prefix=(\S+) leases=(\d+) out_of_subnets=(\d+) "
                      r"other_errors=(\d+) puts=(\d+) ms=(\d+) (ok|FAIL)$")


def quorum_get(url, key):
    with urllib.request.urlopen("%s/v2/keys%s?recursive=true&quorum=true" % (url, key),
                                timeout=10) as r:
        return json.loads(r.read())


def check_leases(url, prefix):
    """Problems with the leases etcd holds under prefix, judged independently."""
    body = quorum_get(url, prefix + "/subnets")
    nodes = body["node"].get("nodes", [])
    network = ipaddress.ip_network(CONFIG["Network"])
    first = network.network_address + 256  # SubnetMin: the first subnet is skipped
    problems, subnets, owners = [], [], set()
    for node in nodes:
        name = node["key"].rsplit("/", 1)[1]
        m = re.fullmatch(r"(\d+\.\d+\.\d+\.\d+)-(\d+)", name)
        if not m:
            problems.append("not a lease key: %s" % node["key"])
            continue
        subnet = ipaddress.ip_network("%s/%s" % m.groups())
        value = json.loads(node["value"])
        if subnet.prefixlen != 24 or not subnet.subnet_of(network) \
                or subnet.network_address < first:
            problems.append("outside the range: %s" % subnet)
        if "expiration" not in node or not 0 < node.get("ttl", 0) <= 86400:
            problems.append("no 24 h TTL on %s" % subnet)
        if value["PublicIP"] in owners:
            problems.append("%s holds two leases" % value["PublicIP"])
        owners.add(value["PublicIP"])
        subnets.append(subnet)
    for i, a in enumerate(subnets):
        for b in subnets[i + 1:]:
            if a.overlaps(b):
                problems.append("overlap: %s and %s" % (a, b))
    if len(subnets) != USABLE:
        problems.append("%d leases in etcd, expected %d" % (len(subnets), USABLE))
    return problems


def run_tool(args, urls):
    cmd = [args.tool, "--endpoints", ",".join(urls), "--runs", str(args.runs),
           "--clients", str(CLIENTS), "--config", json.dumps(CONFIG, separators=(",", ":"))]
    if args.expect_violation:
        cmd.append("--naive")
    if args.seed is not None:
        cmd += ["--seed", str(args.seed)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=args.timeout)
    sys.stdout.write(proc.stdout)
    return proc.returncode, proc.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tool", required=True, help="flannel_lease_storm executable")
    p.add_argument("--kind", choices=clusterlib.KINDS, default="etcd2")
    p.add_argument("--etcd2", help="etcd2 binary (--kind etcd2)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--timeout", type=int, default=540)
    p.add_argument("--expect-violation", action="store_true",
                   help="negative control: clients write without CAS; succeed only if caught")
    args = p.parse_args()
    if args.kind == "etcd" and not os.path.exists(clusterlib.REAL_ETCD):
        print("SKIP: the real etcd (%s) is not installed" % clusterlib.REAL_ETCD)
        return 77
    with clusterlib.Cluster(args.kind, 3, binary=args.etcd2) as c:
        code, output = run_tool(args, c.client_urls)
        runs = [RUN_LINE.match(line) for line in output.splitlines()]
        runs = [m for m in runs if m]
        failures = []
        if len(runs) != args.runs:
            failures.append("the tool reported %d runs of %d" % (len(runs), args.runs))
        for m in runs:
            run, prefix = m.group(1), m.group(2)
            leases, out, other = int(m.group(3)), int(m.group(4)), int(m.group(5))
            if (leases, out, other) != (USABLE, CLIENTS - USABLE, 0):
                failures.append("run %s: %d leases, %d out of subnets, %d other errors"
                                % (run, leases, out, other))
            for problem in check_leases(c.client_urls[int(run) % 3], prefix):
                failures.append("run %s (%s): %s" % (run, prefix, problem))
        if code != 0:
            failures.append("the tool exited %d" % code)
        # A crash is never the violation the negative control looks for.
        crashes = ["tool output: %s" % line for line in crash_lines.crash_lines(output)[:1]]
        crashes += ["member log: %s" % problem for problem in c.log_crashes()]
        if crashes:
            for f in failures + ["crash line: " + line for line in crashes]:
                print("FAIL: " + f, file=sys.stderr)
            c.dump_logs(tail_lines=40)
            return 1
        if args.expect_violation:
            if failures:
                print("the checks caught the unsafe allocator, as expected: %s" % failures[0])
                return 0
            print("FAIL: the negative control ran clean; the checks are blind", file=sys.stderr)
            return 1
        if failures:
            for f in failures:
                print("FAIL: " + f, file=sys.stderr)
            c.dump_logs(tail_lines=40)
            return 1
        puts = [int(m.group(6)) for m in runs]
        ms = [int(m.group(7)) for m in runs]
        print("all %d runs clean on %s: 15 leases + 35 'out of subnets' each; lease writes "
              "per run min/avg/max %d/%.1f/%d; ms min/avg/max %d/%.0f/%d"
              % (len(runs), args.kind, min(puts), sum(puts) / len(puts), max(puts),
                 min(ms), sum(ms) / len(ms), max(ms)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
