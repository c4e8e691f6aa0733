#!/usr/bin/python3
"""Leader failover time: SIGKILL of the leader -> the first acknowledged write, for etcd2
and the real etcd 3.4 with identical --heartbeat-interval/--election-timeout, in the
same run (rounds interleaved, so both see the same machine load).

    /usr/bin/python3 tests/cluster/failover.py --binary build/etcd/cmd/etcd2 \\
        [--rounds 10] [--size 3] [--heartbeat 100] [--election 1000]

Probing: 8 threads per surviving member, started 1/16 s apart, keep sending
`PUT /v2/keys/failover/...` with a 0.5 s client timeout: a write sent while a follower
still forwards to the dead leader (or, in etcd 3.4, could not propose it) is held until
a timeout, so staggered probers keep a fresh request arriving every ~60 ms. A prober
that gets a quick refusal ("no leader") retries after 25 ms. The failover time is from
just before the SIGKILL to the first 2xx answer.
"""

import argparse
import os
import statistics
import sys
import threading
import time

if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3") \
        and __name__ == "__main__" and not os.environ.get("CLUSTER_NO_REEXEC"):
    os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness as H  # noqa: E402
import netns  # noqa: E402
from workload import Http, Indeterminate, NotSent  # noqa: E402

PROBERS_PER_MEMBER = 8
PROBE_TIMEOUT = 0.5


def measure(h, r, timeout=30.0):
    """Kills the leader; returns (seconds to the first acknowledged write, leader index)."""
    lead = h.leader()
    survivors = [i for i in range(h.size) if i != lead]
    first = []
    lock = threading.Lock()
    done = threading.Event()

    def probe(member, n):
        http = Http(h.client_urls, PROBE_TIMEOUT)
        k = 0
        if done.wait(n * PROBE_TIMEOUT / PROBERS_PER_MEMBER):  # stagger the probers
            return
        while not done.is_set():
            k += 1
            try:
                rep = http.request(member, "PUT", "/v2/keys/failover/r%d-m%d-%d-%d"
                                   % (r, member, n, k), {"value": "x"})
            except NotSent:
                done.wait(0.025)
                continue
            except Indeterminate:
                continue
            if rep.status in (200, 201):
                t = time.monotonic()
                with lock:
                    first.append(t)
                done.set()
            else:
                done.wait(0.025)
        http.close()

    threads = [threading.Thread(target=probe, args=(m, n), daemon=True)
               for m in survivors for n in range(PROBERS_PER_MEMBER)]
    t0 = time.monotonic()
    h.kill(lead)
    for t in threads:
        t.start()
    done.wait(timeout)
    done.set()
    for t in threads:
        t.join(PROBE_TIMEOUT + 5)
    took = (min(first) - t0) if first else None
    h.restart(lead)
    why = h.wait_healthy(60)
    if why:
        raise H.ClusterError("after restarting m%d: %s" % (lead, why))
    return took, lead


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", help="etcd2 binary (default $ETCD2_BINARY)")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--size", type=int, default=3)
    p.add_argument("--heartbeat", type=int, default=100)
    p.add_argument("--election", type=int, default=1000)
    p.add_argument("--kinds", default="etcd2,etcd")
    args = p.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    binaries = {"etcd": H.compat_cluster.REAL_ETCD,
                "etcd2": args.binary or os.environ.get("ETCD2_BINARY")}
    for k in kinds:
        if not binaries.get(k) or not os.access(binaries[k], os.X_OK):
            print("SKIP: no %s binary (%s)" % (k, binaries.get(k)))
            return 77
    netns.install_signal_cleanup()
    print("failover: SIGKILL of the leader -> first acknowledged write; %d members, "
          "heartbeat %dms, election %dms, %d rounds" % (args.size, args.heartbeat,
                                                         args.election, args.rounds))
    hs = {}
    try:
        for k in kinds:
            hs[k] = H.Harness(k, args.size, os.path.abspath(binaries[k]),
                              heartbeat_ms=args.heartbeat, election_ms=args.election).start()
        times = {k: [] for k in kinds}
        print("round  " + "  ".join("%10s" % k for k in kinds))
        for r in range(1, args.rounds + 1):
            row = []
            for k in kinds:
                took, _ = measure(hs[k], r)
                times[k].append(took)
                row.append("%9.3fs" % took if took is not None else "   timeout")
            print("%5d  %s" % (r, "  ".join(row)))
            sys.stdout.flush()
        meds = {}
        for k in kinds:
            vals = [t for t in times[k] if t is not None]
            meds[k] = statistics.median(vals) if vals else None
        print("median " + "  ".join("%9.3fs" % meds[k] if meds[k] is not None
                                    else "       n/a" for k in kinds))
        if all(meds.get(k) is not None for k in ("etcd2", "etcd")):
            print("etcd2 / etcd = %.2f" % (meds["etcd2"] / meds["etcd"]))
        return 0 if all(None not in times[k] for k in kinds) else 1
    finally:
        for h in hs.values():
            h.close()


if __name__ == "__main__":
    sys.exit(main())
