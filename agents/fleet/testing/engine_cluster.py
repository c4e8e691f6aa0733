#!/usr/bin/python3
"""fleet's registry and engine against a real 3-member cluster: etcd2 (ours), or the real
etcd 3.4 with --enable-v2. Starts the cluster with tests/compat/cluster.py, runs
fleet_engine_cluster (testing/engine_cluster.cc: two competing engines, 100 units on 5
machines, a machine leaving, a leader stepping down), and re-checks the placement itself
from a recursive quorum GET: every job targeted, no job on the removed machine, the 4
remaining machines within 1 of each other.

    engine_cluster.py --tool build/agents/fleet/fleet_engine_cluster \
        --kind etcd2 --etcd2 build/etcd/cmd/etcd2

Exit status: 0 clean, 1 a failed check, 77 skipped (the real etcd missing for --kind etcd).
"""

import argparse
import json
import os
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "compat"))
import cluster as clusterlib  # noqa: E402

PREFIX = "/fleet_engine_cluster"
REMOVED = "%031x%d" % (0xf1ee7, 4)


def check_placement(url):
    with urllib.request.urlopen("%s/v2/keys%s/job?recursive=true&quorum=true" % (url, PREFIX),
                                timeout=10) as r:
        body = json.loads(r.read())
    load, problems = {}, []
    for job in body["node"].get("nodes", []):
        fields = {n["key"].rsplit("/", 1)[1]: n.get("value") for n in job.get("nodes", [])}
        target = fields.get("target")
        if target is None:
            problems.append("%s has no target" % job["key"])
        elif target == REMOVED:
            problems.append("%s is still on the removed machine" % job["key"])
        else:
            load[target] = load.get(target, 0) + 1
    if sum(load.values()) != 100:
        problems.append("%d jobs placed, expected 100" % sum(load.values()))
    if len(load) != 4 or max(load.values()) - min(load.values()) > 1:
        problems.append("not balanced on 4 machines: %s" % sorted(load.values()))
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tool", required=True, help="fleet_engine_cluster executable")
    p.add_argument("--kind", choices=clusterlib.KINDS, default="etcd2")
    p.add_argument("--etcd2", help="etcd2 binary (--kind etcd2)")
    p.add_argument("--timeout", type=int, default=300)
    args = p.parse_args()
    if args.kind == "etcd" and not os.path.exists(clusterlib.REAL_ETCD):
        print("SKIP: the real etcd (%s) is not installed" % clusterlib.REAL_ETCD)
        return 77
    binary = args.etcd2 if args.kind == "etcd2" else None
    with clusterlib.Cluster(args.kind, 3, binary=binary) as c:
        proc = subprocess.run([args.tool, "--endpoints", ",".join(c.client_urls),
                               "--prefix", PREFIX + "/"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=args.timeout)
        sys.stdout.write(proc.stdout)
        failures = ["the tool exited %d" % proc.returncode] if proc.returncode else []
        failures += check_placement(c.client_urls[2])
        if failures:
            for f in failures:
                print("FAIL: " + f, file=sys.stderr)
            c.dump_logs(tail_lines=40)
            return 1
    print("fleet engine on %s: clean" % args.kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
