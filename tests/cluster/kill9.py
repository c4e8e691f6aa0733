#!/usr/bin/python3
"""kill -9 during a write load loses no acknowledged write (issue 5's acceptance).

Writers create unique keys (`PUT ...?prevExist=false`) on random members without pause
while each member in turn — and then whoever leads — is SIGKILLed, left down until the
others have acknowledged more writes, and restarted from its data dir. Afterwards every
member, once it has applied up to the highest acknowledged index, must hold every
acknowledged key with its value and modifiedIndex, nothing that was never sent, and the
same nodes as the others; quorum reads must agree; no member may have crashed on its own.

    /usr/bin/python3 tests/cluster/kill9.py --binary build/etcd/cmd/etcd2 [--kind etcd]
"""

import argparse
import os
import random
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
from workload import Http, Indeterminate, NotSent, never_proposed  # noqa: E402


class Writer:
    def __init__(self, wid, urls, prefix, rng, timeout):
        self.wid = wid
        self.http = Http(urls, timeout)
        self.prefix = prefix
        self.rng = rng
        self.n = len(urls)
        self.acked = {}      # key -> (value, modifiedIndex)
        self.maybe = set()   # keys whose create is indeterminate
        self.refused = 0
        self.unexpected = []
        self.seq = 0
        self.stop = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        try:
            while not self.stop.is_set():
                self.one()
        except Exception:
            import traceback
            self.error = traceback.format_exc()

    def one(self):
        self.seq += 1
        key = "%s/w%d-%06d" % (self.prefix, self.wid, self.seq)
        value = "v%d-%d" % (self.wid, self.seq)
        m = self.rng.randrange(self.n)
        try:
            r = self.http.request(m, "PUT", "/v2/keys" + key,
                                  {"value": value, "prevExist": "false"})
        except NotSent:
            self.stop.wait(0.02)
            return
        except Indeterminate:
            self.maybe.add(key)
            return
        if r.status == 201 and r.node:
            self.acked[key] = (value, r.node.get("modifiedIndex"))
        elif r.status >= 500:
            cause = r.json.get("cause") if isinstance(r.json, dict) else None
            if never_proposed(cause):
                self.refused += 1
            else:
                self.maybe.add(key)
            self.stop.wait(0.02)
        else:
            self.unexpected.append("%s -> %s" % (key, r.describe()))
            self.maybe.add(key)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kind", choices=("etcd2", "etcd"), default="etcd2")
    p.add_argument("--binary")
    p.add_argument("--size", type=int, default=3)
    p.add_argument("--writers", type=int, default=6)
    p.add_argument("--acks-between", type=int, default=200,
                   help="acknowledged writes required while a member is down and after "
                        "it is back")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--seed", default="1")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    binary = args.binary or (os.environ.get("ETCD2_BINARY") if args.kind == "etcd2"
                             else H.compat_cluster.REAL_ETCD)
    if not binary or not os.access(binary, os.X_OK):
        print("SKIP: server binary not found: %s" % binary)
        return 77
    netns.install_signal_cleanup()
    rng = random.Random(args.seed)
    h = H.Harness(args.kind, args.size, os.path.abspath(binary), net="loopback", keep=True)
    problems = []
    t0 = time.monotonic()
    h.start()
    mark = h.mark()
    prefix = "/kill9/%d" % rng.randrange(1 << 30)
    writers = [Writer(i, h.client_urls, prefix, random.Random("%s:w%d" % (args.seed, i)),
                      3.0) for i in range(args.writers)]
    for w in writers:
        w.thread.start()

    def acked():
        return sum(len(w.acked) for w in writers)

    killed = set()
    victims = list(range(args.size)) + ["leader"]
    try:
        if not H.poll(lambda: acked() >= args.acks_between, args.timeout):
            problems.append("no write load: %d acknowledged" % acked())
        for v in victims:
            lead = h.leader()
            i = lead if v == "leader" else v
            before = acked()
            h.kill(i)
            killed.add(i)
            t_kill = time.monotonic()
            if not H.poll(lambda: acked() >= before + args.acks_between, args.timeout):
                problems.append("with m%d down, only %d writes were acknowledged in %.0fs"
                                % (i, acked() - before, args.timeout))
            down_s = time.monotonic() - t_kill
            h.restart(i)
            why = h.wait_healthy(args.timeout)
            if why:
                problems.append("after restarting m%d: %s" % (i, why))
                break
            back = acked()
            if not H.poll(lambda: acked() >= back + args.acks_between, args.timeout):
                problems.append("after m%d came back, only %d writes were acknowledged"
                                % (i, acked() - back))
            print("killed m%d%s: down %.1fs, %d acknowledged writes so far"
                  % (i, " (leader)" if i == lead else "", down_s, acked()))
            sys.stdout.flush()
    finally:
        for w in writers:
            w.stop.set()
        for w in writers:
            w.thread.join(10)
            w.http.close()
    for w in writers:
        if w.error:
            problems.append("writer %d crashed (test bug): %s" % (w.wid, w.error))
        problems += ["unexpected reply: " + u for u in w.unexpected[:5]]

    all_acked, maybe = {}, set()
    for w in writers:
        all_acked.update(w.acked)
        maybe |= w.maybe
    target = max((idx for _, idx in all_acked.values()), default=0)
    why = h.wait_healthy(args.timeout)
    if why:
        problems.append("not healthy at the end: " + why)
    listings = {}
    for i, url in enumerate(h.client_urls):
        for quorum in (True, False):
            got = [None]

            def read():
                try:
                    st, hdrs, js = H.request(url, "GET", "/v2/keys%s?recursive=true%s" % (
                        prefix, "&quorum=true" if quorum else ""), timeout=10)
                except OSError:
                    return False
                if st != 200 or int(hdrs.get("x-etcd-index", 0)) < target:
                    return False
                got[0] = H.flatten(js.get("node"))
                return True
            if not H.poll(read, args.timeout, interval=0.1):
                problems.append("m%d: no %s read at index >= %d within %.0fs" % (
                    i, "quorum" if quorum else "local", target, args.timeout))
                continue
            flat = got[0]
            lost = [k for k, (v, idx) in all_acked.items()
                    if flat.get(k, (None, None))[:2] != (v, idx)]
            phantom = [k for k in flat if k not in all_acked and k not in maybe]
            what = "m%d %s read" % (i, "quorum" if quorum else "local")
            if lost:
                problems.append("%s: %d acknowledged writes missing or different, e.g. %s" % (
                    what, len(lost), ", ".join("%s=%r (acked %r)" % (
                        k, flat.get(k), all_acked[k]) for k in sorted(lost)[:5])))
            if phantom:
                problems.append("%s: keys nobody wrote: %s" % (what, sorted(phantom)[:5]))
            if not quorum:
                listings[i] = flat
    ref = sorted(listings)
    for i in ref[1:]:
        if listings[i] != listings[ref[0]]:
            problems.append("m%d and m%d hold different nodes" % (ref[0], i))
    problems += h.crash_problems(mark, killed)
    present_maybe = sum(1 for k in maybe if k in listings.get(ref[0], {})) if ref else 0
    print("%d acknowledged writes (max index %d), %d indeterminate (%d of them present), "
          "%d refused; %d kills; %.0fs" % (
              len(all_acked), target, len(maybe), present_maybe,
              sum(w.refused for w in writers), len(victims), time.monotonic() - t0))
    if problems:
        for pr in problems:
            print("  * " + pr)
        h.dump_logs_since(mark, sys.stdout, tail_lines=60)
        d = h.stop(keep_dir=True)
        print("FAIL (data and logs kept in %s)" % d)
        h.close()
        return 1
    h.stop(keep_dir=args.keep)
    h.close()
    print("PASS: no acknowledged write lost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
