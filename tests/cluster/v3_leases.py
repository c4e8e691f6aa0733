#!/usr/bin/python3
"""v3 leases on a 3-member cluster: expiry deletes a lease's keys once, everywhere; keep-
alives through a follower carry a lease across the leader's SIGKILL and restart.

1. **Expiry.** Grant a lease (TTL 3 s, python3-etcd3), attach 5 keys, never keep it
   alive. A watch on every member (prev_kv, from the revision after the attach) is open
   before it expires. Poll (deadline) until a linearizable range is empty, then on every
   member (serializable reads against each endpoint) until the keys are gone there too.
   Each member's watch must show exactly one DELETE per key (prev_kv = the value put),
   all at one revision, the same revision on every member, nothing else before a fence
   put after it; the first DELETE must not arrive before the granted TTL has passed since
   the grant was sent. `etcdctl get --rev` on every member: all keys at that revision
   minus one, none at it; `etcdctl lease timetolive` everywhere: expired.
2. **Keep-alive across a leader change.** Two leases of TTL 5 s granted through a
   follower F: lease A kept alive by python3-etcd3 (`refresh_lease`, one short stream
   per keep-alive, every second), lease B by `etcdctl lease keep-alive` (one long
   stream), both to F only. The leader is SIGKILLed, a new one elected, the old one
   restarted from its data dir. For 3 x TTL from the kill, a checker reads the keys
   (serializable) from every running member every 0.1 s, and watches on both followers
   see every event: no key may ever be missing, no event may happen; keep-alives must
   never answer TTL 0 and the etcdctl keep-alive must not exit. Then both keep-alives
   stop: the keys must vanish from every member (polled, deadline), each lease's keys
   with one DELETE each at one revision, identical on both watches, and not before TTL
   after A's last acknowledged keep-alive was sent.

    /usr/bin/python3 tests/cluster/v3_leases.py --kind etcd2 --binary build/etcd/cmd/etcd2
    /usr/bin/python3 tests/cluster/v3_leases.py --kind etcd       # the real etcd 3.4

Exit 0 passed, 1 failed, 77 skipped. The checker's negative tests: v3_watch_test.py.
"""

import argparse
import base64
import collections
import os
import random
import sys
import threading
import time
import traceback

if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3") \
        and __name__ == "__main__" and not os.environ.get("CLUSTER_NO_REEXEC"):
    os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness as H  # noqa: E402
import v3util as U  # noqa: E402


# ---- the checker ----------------------------------------------------------------------------

def check_expiry_events(keys, seen):
    """seen: member -> the events (Ev) its watch delivered on the lease's keys before the
    fence. Each member: exactly one DELETE per key, nothing else, all at one revision;
    the same revision on every member. Returns (problems, that revision)."""
    problems, revs = [], {}
    for m, evs in sorted(seen.items()):
        others = [e for e in evs if e.type != "DELETE"]
        count = collections.Counter(e.key for e in evs if e.type == "DELETE")
        if others:
            problems.append("m%d: events other than the expiry's DELETEs: %s" % (m, others[:3]))
        missing = sorted(set(keys) - set(count))
        twice = sorted(k for k, n in count.items() if n > 1)
        if missing:
            problems.append("m%d: no DELETE event for %s" % (m, ", ".join(missing)))
        if twice:
            problems.append("m%d: more than one DELETE for %s" % (m, ", ".join(twice)))
        rs = sorted({e.rev for e in evs if e.type == "DELETE"})
        if len(rs) > 1:
            problems.append("m%d: the lease's keys were deleted at %d revisions %s, not one"
                            % (m, len(rs), rs))
        if rs:
            revs[m] = rs[0]
    if len(set(revs.values())) > 1:
        problems.append("members saw the expiry at different revisions: %s" % ", ".join(
            "m%d@%d" % kv for kv in sorted(revs.items())))
    return problems, (next(iter(revs.values())) if revs else None)


class Watch:
    """A python3-etcd3 watch on a prefix; events with their arrival time."""

    def __init__(self, c, prefix, start_rev):
        self.events = []
        self.times = []
        self.errors = []
        self.id = c.add_watch_callback(prefix, self.on, range_end=U.prefix_end(prefix),
                                       start_revision=start_rev, prev_kv=True)

    def on(self, resp):
        if isinstance(resp, Exception):
            self.errors.append(U.describe_error(resp))
            return
        now = time.monotonic()
        for e in resp.events:
            self.events.append(U.event_of(e, True))
            self.times.append(now)

    def until(self, key):
        """Events before the first event on key (the fence)."""
        out = []
        for e in self.events:
            if e.key == key:
                return out
            out.append(e)
        return None


def fence(c, prefix, watches, timeout):
    """Puts prefix+"fence" and waits until every watch saw it. Returns (revision,
    {member: events before the fence}) and problems."""
    key = prefix + "fence"
    rev = c.put(key, "x").header.revision
    problems = []
    H.poll(lambda: all(w.until(key) is not None or w.errors for w in watches.values()),
           timeout)
    got = {}
    for m, w in watches.items():
        if w.errors:
            problems.append("m%d: watch failed: %s" % (m, w.errors[0]))
        evs = w.until(key)
        if evs is None:
            problems.append("m%d: watch did not deliver the fence (revision %d) within %.0fs"
                            % (m, rev, timeout))
        else:
            got[m] = evs
    return rev, got, problems


def keys_left(c, prefix, serializable):
    resp = c.get_prefix_response(prefix, serializable=serializable)
    return sorted(U.s(kv.key) for kv in resp.kvs)


def ctl_state_at(url, prefix, rev):
    js = U.ctl_json(url, "get", "--prefix", prefix, "--rev", str(rev), "--consistency=s")
    return sorted(base64.b64decode(kv["key"]).decode() for kv in js.get("kvs", []))


# ---- 1. expiry ------------------------------------------------------------------------------

def expiry(h, args, rng, out):
    problems = []
    urls = h.cluster.client_urls
    cs = [U.client(u, timeout=5.0, wait_connected=True) for u in urls]
    try:
        prefix = "/v3lease/expiry-%d/" % rng.randrange(1 << 30)
        keys = ["%sk%d" % (prefix, i) for i in range(args.keys)]
        via = rng.randrange(len(urls))
        t_grant = time.monotonic()
        lease = cs[via].lease(args.ttl)
        ttl = lease.ttl
        values = {}
        for i, k in enumerate(keys):
            values[k] = "v%d" % i
            r_attached = cs[via].put(k, values[k], lease=lease).header.revision
        watches = {m: Watch(cs[m], prefix, r_attached + 1) for m in range(len(urls))}
        # Every member has the keys (and the watch is open) before the lease runs out.
        for m in range(len(urls)):
            if U.wait_applied(cs[m], r_attached, 30.0) is None:
                problems.append("m%d did not apply revision %d" % (m, r_attached))
        if time.monotonic() - t_grant >= ttl:
            out.write("  note: setup took longer than the TTL; the watches may have opened "
                      "after the expiry (still checked from revision %d)\n" % (r_attached + 1))
        if not H.poll(lambda: keys_left(cs[via], prefix, False) == [], ttl + 30.0, 0.1):
            problems.append("keys still there %.0fs after the grant (TTL %d): %s" % (
                time.monotonic() - t_grant, ttl, keys_left(cs[via], prefix, False)))
            return problems
        t_gone = time.monotonic() - t_grant
        for m in range(len(urls)):
            if not H.poll(lambda: keys_left(cs[m], prefix, True) == [], 30.0, 0.1):
                problems.append("m%d still serves %s (serializable) 30s after the expiry"
                                % (m, keys_left(cs[m], prefix, True)))
        frev, got, ps = fence(cs[via], prefix, watches, 30.0)
        problems += ps
        ps, rdel = check_expiry_events(keys, got)
        problems += ps
        for m, evs in got.items():
            for e in evs:
                if e.type == "DELETE" and e.prev != values.get(e.key):
                    problems.append("m%d: DELETE of %s has prev_kv %r, not %r"
                                    % (m, e.key, e.prev, values.get(e.key)))
                    break
        first = min((t for w in watches.values() for t, e in zip(w.times, w.events)
                     if e.type == "DELETE"), default=None)
        if first is not None and first - t_grant < ttl:
            problems.append("the keys were deleted %.2fs after the grant was sent: before "
                            "the granted TTL of %ds" % (first - t_grant, ttl))
        if rdel is not None:
            for m, u in enumerate(urls):
                before, at = ctl_state_at(u, prefix, rdel - 1), ctl_state_at(u, prefix, rdel)
                if before != keys or at != []:
                    problems.append("m%d: etcdctl get --rev=%d shows %s, --rev=%d %s (want "
                                    "all keys, then none)" % (m, rdel - 1, before, rdel, at))
        for m, u in enumerate(urls):
            def expired():
                p = U.ctl(u, "lease", "timetolive", "%x" % lease.id, check=False)
                return "already expired" in p.stdout
            if not H.poll(expired, 30.0, 0.2):
                problems.append("m%d: etcdctl lease timetolive %x does not say expired: %s"
                                % (m, lease.id, U.ctl(u, "lease", "timetolive",
                                                      "%x" % lease.id, check=False).stdout))
        out.write("expiry: lease %x TTL %ds, %d keys via m%d; gone after %.1fs (linearizable), "
                  "deleted at revision %s on every member; fence %d  %s\n" % (
                      lease.id, ttl, len(keys), via, t_gone, rdel, frev,
                      "FAIL" if problems else "PASS"))
        return problems
    finally:
        for c in cs:
            c.close()


# ---- 2. keep-alive across a leader change ---------------------------------------------------

class KeepAlive:
    """python3-etcd3 keep-alives of one lease through one member, every `period` s."""

    def __init__(self, c, lease_id, period):
        self.c = c
        self.id = lease_id
        self.period = period
        self.ok = []        # (call time, TTL answered)
        self.failed = collections.Counter()
        self.zero = []      # call times of answers with TTL <= 0: the lease was gone
        self.stop = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, name="keepalive", daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while not self.stop.is_set():
                t = time.monotonic()
                try:
                    resps = list(self.c.refresh_lease(self.id))
                    ttl = resps[0].TTL if resps else None
                    if ttl is None:
                        self.failed["no answer"] += 1
                    elif ttl <= 0:
                        self.zero.append(t)
                    else:
                        self.ok.append((t, ttl))
                except Exception as e:
                    if U.classify(e)[0] == "bug":
                        raise
                    self.failed[U.describe_error(e)[:70]] += 1
                    self.stop.wait(0.2)  # pacing
                    continue
                self.stop.wait(max(0.0, self.period - (time.monotonic() - t)))
        except Exception:
            self.error = traceback.format_exc()


class Presence:
    """Reads the keys from every running member every 0.1 s; records every read that
    misses one."""

    def __init__(self, h, clients, prefix, keys):
        self.h = h
        self.clients = clients
        self.prefix = prefix
        self.keys = sorted(keys)
        self.reads = 0
        self.missing = []   # (time, member, keys seen)
        self.stop = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, name="presence", daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while not self.stop.is_set():
                for m, c in enumerate(self.clients):
                    if m in self.h.down:
                        continue
                    try:
                        have = keys_left(c, self.prefix, True)
                    except Exception as e:
                        if U.classify(e)[0] == "bug":
                            raise
                        continue  # (re)starting member: nothing to learn
                    self.reads += 1
                    if have != self.keys:
                        self.missing.append((time.monotonic(), m, have))
                self.stop.wait(0.1)  # the check's period
        except Exception:
            self.error = traceback.format_exc()


def keepalive(h, args, rng, out):
    problems = []
    urls = h.cluster.client_urls
    lead = h.leader()
    followers = [i for i in range(h.size) if i != lead]
    f = rng.choice(followers)
    cs = [U.client(u, timeout=2.0, wait_connected=True) for u in urls]
    bg = None
    ka = pres = None
    try:
        prefix = "/v3lease/keepalive-%d/" % rng.randrange(1 << 30)
        lease_a = cs[f].lease(args.ka_ttl)
        lease_b = cs[f].lease(args.ka_ttl)
        ttl = lease_a.ttl
        keys_a = ["%sa%d" % (prefix, i) for i in range(3)]
        keys_b = ["%sb%d" % (prefix, i) for i in range(2)]
        for k in keys_a:
            r_attached = cs[f].put(k, "A", lease=lease_a).header.revision
        for k in keys_b:
            r_attached = cs[f].put(k, "B", lease=lease_b).header.revision
        ka = KeepAlive(cs[f], lease_a.id, 1.0)
        bg = U.Bg(urls[f], "lease", "keep-alive", "%x" % lease_b.id)
        watches = {m: Watch(cs[m], prefix, r_attached + 1) for m in followers}
        for m in range(len(urls)):
            if U.wait_applied(cs[m], r_attached, 30.0) is None:
                problems.append("m%d did not apply revision %d" % (m, r_attached))
        pres = Presence(h, cs, prefix, keys_a + keys_b)
        if not H.poll(lambda: len(ka.ok) >= 2 and
                      sum("keepalived" in x for x in bg.lines()) >= 2, 30.0):
            problems.append("keep-alives did not start: %d python ok (%s); %s" % (
                len(ka.ok), dict(ka.failed), bg.describe()))
        # ---- the leader dies and comes back ----
        t_kill = time.monotonic()
        h.kill(lead)
        new = h.leader_or_none(30.0)
        if new is None:
            problems.append("no new leader within 30s of killing m%d" % lead)
        h.restart(lead)
        why = h.wait_healthy(60.0)
        if why:
            problems.append("m%d not back: %s" % (lead, why))
        t_back = time.monotonic() - t_kill
        # The keys must stay for 3 x TTL from the kill: the check's duration.
        H.poll(lambda: pres.missing or pres.error or ka.zero or not bg.running(), 3 * ttl
               - (time.monotonic() - t_kill), 0.1)
        ok_during = len(ka.ok)
        if pres.missing:
            t, m, have = pres.missing[0]
            problems.append("%d reads missed lease keys; first %.1fs after the kill on m%d: "
                            "%s" % (len(pres.missing), t - t_kill, m, have))
        for m, w in watches.items():
            if w.events or w.errors:
                problems.append("m%d's watch saw %s while the leases were kept alive" % (
                    m, w.events[:3] or w.errors[:1]))
        if ka.zero:
            problems.append("a keep-alive of lease A answered TTL 0 (lease gone) %.1fs after "
                            "the kill" % (ka.zero[0] - t_kill))
        if not bg.running():
            problems.append("etcdctl lease keep-alive exited: " + bg.describe())
        # ---- stop keeping them alive: they vanish ----
        ka.stop.set()
        ka.thread.join(10)
        t_stop = time.monotonic()
        bg.stop()
        pres.stop.set()
        pres.thread.join(10)
        last_a = ka.ok[-1][0] if ka.ok else None
        for m in range(len(urls)):
            if m in h.down:
                continue
            if not H.poll(lambda: keys_left(cs[m], prefix, True) == [], ttl + 30.0, 0.1):
                problems.append("m%d still serves %s %.0fs after the keep-alives stopped" % (
                    m, keys_left(cs[m], prefix, True), time.monotonic() - t_stop))
        frev, got, ps = fence(cs[f], prefix, watches, 30.0)
        problems += ps
        for name, keys in (("A", keys_a), ("B", keys_b)):
            ps, rdel = check_expiry_events(keys, {m: [e for e in evs if e.key in keys]
                                                  for m, evs in got.items()})
            problems += ["lease %s: %s" % (name, p) for p in ps]
        first_a = min((t for w in watches.values() for t, e in zip(w.times, w.events)
                       if e.key in keys_a), default=None)
        if first_a is not None and last_a is not None and first_a - last_a < ttl:
            problems.append("lease A's keys deleted %.2fs after its last acknowledged keep-"
                            "alive was sent: before the TTL of %ds" % (first_a - last_a, ttl))
        if pres.error or ka.error:
            problems.append("checker thread crashed:\n%s" % (pres.error or ka.error))
        out.write("keep-alive: leases %x, %x TTL %ds via follower m%d; leader m%d killed, m%s "
                  "elected, m%d back after %.1fs; %d keep-alives acknowledged (%d failed: %s), "
                  "%d presence reads over %.0fs; gone after stop, fence %d  %s\n" % (
                      lease_a.id, lease_b.id, ttl, f, lead, new, lead, t_back, ok_during,
                      sum(ka.failed.values()), ", ".join("%s x%d" % kv for kv in
                                                         ka.failed.most_common(2)),
                      pres.reads, t_stop - t_kill, frev, "FAIL" if problems else "PASS"))
        return problems, {lead}
    finally:
        if ka is not None:
            ka.stop.set()
        if pres is not None:
            pres.stop.set()
        if bg is not None:
            bg.stop()
        for c in cs:
            c.close()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kind", choices=("etcd2", "etcd"), default="etcd2")
    p.add_argument("--binary")
    p.add_argument("--seed", default="1")
    p.add_argument("--ttl", type=int, default=3, help="the expiring lease's TTL")
    p.add_argument("--ka-ttl", type=int, default=5, help="the kept-alive leases' TTL")
    p.add_argument("--keys", type=int, default=5)
    p.add_argument("--only", choices=("expiry", "keepalive"))
    args = p.parse_args(argv)
    binary = args.binary
    if args.kind == "etcd2":
        binary = binary or os.environ.get("ETCD2_BINARY")
        if not binary:
            p.error("--kind etcd2 needs --binary (or $ETCD2_BINARY)")
    else:
        binary = binary or H.compat_cluster.REAL_ETCD
    if not os.access(binary, os.X_OK):
        print("SKIP: %s not found or not executable" % binary)
        return 77
    why = U.missing_clients()
    if why:
        print("SKIP: " + why)
        return 77
    U.quiet_closed_channels()
    rng = random.Random("%s:leases" % args.seed)
    h = H.Harness(args.kind, 3, binary, keep=True)
    passed = failed = 0
    t0 = time.monotonic()
    print("v3_leases.py --kind %s --seed %s" % (args.kind, args.seed))
    sys.stdout.flush()
    try:
        h.start()
        for name in ("expiry", "keepalive"):
            if args.only and name != args.only:
                continue
            mark = h.mark()
            killed = set()
            try:
                if name == "expiry":
                    problems = expiry(h, args, rng, sys.stdout)
                else:
                    problems, killed = keepalive(h, args, rng, sys.stdout)
            except Exception:
                problems = ["%s: test error:\n%s" % (name, traceback.format_exc())]
            problems += h.crash_problems(mark, killed)
            if problems:
                failed += 1
                print("----- %s failed:" % name)
                for pr in problems:
                    print("  * " + pr.replace("\n", "\n    "))
                h.dump_logs_since(mark, sys.stdout, 40)
            else:
                passed += 1
            sys.stdout.flush()
    except H.ClusterError as e:
        print("cluster failed: %s" % e)
        failed += 1
    finally:
        if h.cluster is not None:
            d = h.stop(keep_dir=failed > 0)
            if d:
                print("data and logs kept in %s" % d)
        h.close()
    print("%d passed, %d failed  (%.0fs)" % (passed, failed, time.monotonic() - t0))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
