#!/usr/bin/python3
"""Negative control: the suite's checks must fail on a system that is not linearizable.

Two independent single-member clusters are presented to the workload as one two-member
cluster (a permanent split brain). The same clients, final reads and checks as
faults.py run against it; this test passes only if the linearizability check reports a
violation (and the append check loses acknowledged appends). If it ever "passes" the
checks, the checks prove nothing.

    /usr/bin/python3 tests/cluster/negative_control.py [--kind etcd2 --binary PATH]
"""

import argparse
import os
import sys
import time

if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3") \
        and __name__ == "__main__" and not os.environ.get("CLUSTER_NO_REEXEC"):
    os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import checks  # noqa: E402
import harness as H  # noqa: E402
from linearizability import Op  # noqa: E402
from workload import Recorder, run_clients  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kind", choices=("etcd2", "etcd"), default="etcd")
    p.add_argument("--binary")
    p.add_argument("--seconds", type=float, default=3.0)
    args = p.parse_args(argv)
    binary = args.binary or (os.environ.get("ETCD2_BINARY") if args.kind == "etcd2"
                             else H.compat_cluster.REAL_ETCD)
    if not binary or not os.access(binary, os.X_OK):
        print("SKIP: server binary not found: %s" % binary)
        return 77
    a = H.Cluster(args.kind, 1, binary=binary)
    b = H.Cluster(args.kind, 1, binary=binary)
    try:
        urls = a.client_urls + b.client_urls
        prefix = "/negative/%d" % os.getpid()
        keys = ["%s/reg%d" % (prefix, k) for k in range(3)]
        app_keys = ["%s/app0" % prefix]
        rec = Recorder()
        clients = run_clients(4, urls, keys, app_keys, rec, "negative")
        time.sleep(args.seconds)  # the workload's length, not synchronisation
        for c in clients:
            c.join(10)
        final = {}
        for key in keys + app_keys:
            for i, url in enumerate(urls):
                op = Op(client="final-m%d" % i, key=key, kind="read", call=time.monotonic())
                st, hdrs, js = H.request(url, "GET", "/v2/keys%s?quorum=true" % key)
                op.ret = time.monotonic()
                op.out = js["node"]["value"] if st == 200 else None
                op.index = js["node"]["modifiedIndex"] if st == 200 else None
                op.meta = {"etcd_index": int(hdrs.get("x-etcd-index", 0))}
                rec.ops.append(op)
                final[key] = op.out
        lin, results = checks.linearizable(rec.ops, 60.0)
        app = checks.appends(rec.ops, final, app_keys)
        print("%d ops; linearizability: %d of %d keys rejected; appends: %d problems" % (
            len(rec.ops), len(lin), len(results), len(app)))
        if lin:
            print(lin[0].split("\n")[0])
            print("\n".join(lin[0].split("\n")[1:12]))
        if len(lin) >= 1 and app:
            print("PASS: the checks reject a split-brain history")
            return 0
        print("FAIL: the checks accepted a split-brain history")
        return 1
    finally:
        a.stop()
        b.stop()


if __name__ == "__main__":
    sys.exit(main())
