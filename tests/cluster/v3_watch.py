#!/usr/bin/python3
"""v3 watches across a leader change: 1000 watchers, none loses or repeats an event.

A 3-member cluster; 1000 watchers (python3-etcd3) over distinct and overlapping ranges
of 100 keys — single keys (one watcher per key), disjoint 10-key blocks, prefixes, the
whole range, random ranges, a quarter with prev_kv, a tenth created late (after writes
began, so their start revision is in the past and the member catches them up from its
history). A writer puts, deletes and multi-key txns a seeded sequence of keys, and in
the middle of it the leader changes; at the end a fence txn puts every key at one
revision, so every watcher knows when it has seen everything.

Rounds (`--rounds`, comma-separated MODE:CHANGE):

* `one-stream:move` — all 1000 watches on one python3-etcd3 client, i.e. one gRPC
  Watch stream (etcd3.watch.Watcher: one `Watch()` call fed by one request queue,
  responses dispatched by watch_id), on the current leader; `etcdctl move-leader`
  hands leadership to a follower while the writer runs;
* `many-streams:kill` — 100 clients x 10 watches (100 streams) on the two followers;
  the leader is SIGKILLed while the writer runs, a new one is elected, the old one is
  restarted from its data dir and catches up. No watcher is on the killed member.
  (`move`, `kill` and `none` combine with either mode.)

Checked, per round: the history of the range between the round's first revision and
the fence is rebuilt from ranges at every revision on every member (`RangeRequest`
with `revision`, as `etcdctl get --rev`; spot-checked with etcdctl itself) and must be
identical on all members; every acknowledged write is in it at its revision; every
watcher saw exactly the events of its range (key, type, value, create revision,
version, prev_kv), each once, in revision order, none missing, none extra; no watch
stream failed; watch IDs on one stream are distinct; no member crashed.

    /usr/bin/python3 tests/cluster/v3_watch.py --kind etcd2 --binary build/etcd/cmd/etcd2
    /usr/bin/python3 tests/cluster/v3_watch.py --kind etcd         # the real etcd 3.4

Exit 0 all rounds passed, 1 a failure, 77 skipped (binary or clients missing). The
checker's own negative tests: v3_watch_test.py.
"""

import argparse
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
from v3util import Ev  # noqa: E402

N_KEYS = 100


# ---- watchers and the checker ---------------------------------------------------------------

class Spec:
    """One watcher: [key, range_end) (range_end None: the single key), prev_kv, late."""

    def __init__(self, wid, key, range_end, prev_kv=False, late=False, what=""):
        self.wid = wid
        self.key = key
        self.range_end = range_end
        self.prev_kv = prev_kv
        self.late = late
        self.what = what

    def covers(self, key):
        if self.range_end is None:
            return key == self.key
        return self.key <= key < self.range_end

    def describe(self):
        rng = self.key if self.range_end is None else "[%s, %s)" % (self.key, self.range_end)
        return "watcher %d (%s %s%s%s)" % (self.wid, self.what, rng,
                                           ", prev_kv" if self.prev_kv else "",
                                           ", created late" if self.late else "")


def key_name(prefix, i):
    return "%sk%03d" % (prefix, i)


def make_specs(prefix, n, rng):
    """n watchers over keys k000..k099: distinct (one per key, disjoint blocks) and
    overlapping (prefixes, the whole range, random ranges)."""
    specs = []

    def add(key, end, what):
        specs.append(Spec(len(specs), key, end, what=what))
    for i in range(N_KEYS):
        add(key_name(prefix, i), None, "key")
    for b in range(0, N_KEYS, 10):
        add(key_name(prefix, b), key_name(prefix, b + 10), "block")
    for b in range(0, N_KEYS, 10):  # prefix "k05" = k050..k059
        p = "%sk%02d" % (prefix, b // 10)
        add(p, U.prefix_end(p), "prefix")
    for _ in range(5):
        add(prefix, U.prefix_end(prefix), "all")
    while len(specs) < n:
        a = rng.randrange(N_KEYS)
        size = min(N_KEYS - a, rng.choice([1, 2, 3, 5, 8, 13, 21, 34]))
        add(key_name(prefix, a), key_name(prefix, a + size), "range")
    specs = specs[:n]
    for sp in specs:
        sp.prev_kv = rng.random() < 0.25
        sp.late = rng.random() < 0.1
    return specs


class Watcher:
    """What one watcher received: its events in arrival order, and any error."""

    def __init__(self, spec):
        self.spec = spec
        self.events = []
        self.errors = []
        self.watch_id = None
        self.member = None
        self.max_rev = 0

    def on(self, resp):
        if isinstance(resp, Exception):
            self.errors.append(U.describe_error(resp))
            return
        for e in resp.events:
            ev = U.event_of(e, self.spec.prev_kv)
            self.events.append(ev)
            if ev.rev > self.max_rev:
                self.max_rev = ev.rev


def check_watcher(spec, got, hist, limit=6):
    """Problems with one watcher's received events `got` (Ev, arrival order) against
    the range's history `hist` (Ev, every event of the round, prev filled in): exactly
    the events of its range, each once, in revision order."""
    problems = []
    want = [e if spec.prev_kv else e._replace(prev=None) for e in hist if spec.covers(e.key)]
    want_by = {(e.rev, e.key): e for e in want}
    seen = collections.Counter()
    last_rev = 0
    for i, e in enumerate(got):
        k = (e.rev, e.key)
        seen[k] += 1
        if not spec.covers(e.key):
            problems.append("event outside its range: %s" % (e,))
        elif seen[k] == 2:
            problems.append("event delivered more than once: %s" % (e,))
        elif k not in want_by:
            problems.append("event that never happened: %s" % (e,))
        elif e != want_by[k]:
            problems.append("wrong event: got %s, history has %s" % (e, want_by[k]))
        if e.rev < last_rev:
            problems.append("out of revision order: %s after an event at revision %d"
                            % (e, last_rev))
        last_rev = max(last_rev, e.rev)
    lost = [e for e in want if (e.rev, e.key) not in seen]
    if lost:
        problems.append("%d of %d events lost, first: %s" % (len(lost), len(want),
                                                              ", ".join(map(str, lost[:3]))))
    if len(problems) > limit:
        problems = problems[:limit] + ["... %d more" % (len(problems) - limit)]
    return problems


# ---- the writer -----------------------------------------------------------------------------

class Writer:
    """Puts, deletes and multi-key txns from a seeded sequence, through one member.
    Phase 1: `first` ops; then paced ops until `limit` is set (the leader change runs
    meanwhile, at most `max_middle` ops); then up to `limit`; then the fence txn (every
    key, one revision), retried until acknowledged."""

    def __init__(self, c, prefix, rng, first, max_middle=200):
        self.c = c
        self.prefix = prefix
        self.rng = rng
        self.first = first
        self.max_middle = max_middle
        self.limit = None
        self.done = 0
        self.acked = []       # (revision, [(key, value or None for a delete)])
        self.sent_values = set()
        self.failed = collections.Counter()
        self.fence_rev = None
        self.error = None
        self.seq = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="writer", daemon=True)

    def start(self):
        self.thread.start()

    def _value(self):
        self.seq += 1
        v = "w%d" % self.seq
        self.sent_values.add(v)
        return v

    def _run(self):
        try:
            while not self.stop.is_set():
                if self.limit is not None and self.done >= self.limit:
                    break
                if self.limit is None and self.done >= self.first:
                    if self.done >= self.first + self.max_middle:
                        self.stop.wait(0.05)  # enough ops around the change: wait for it
                        continue
                    self.stop.wait(0.01)  # pacing while the leader changes
                self.one()
            self.fence()
        except Exception:
            self.error = traceback.format_exc()

    def one(self):
        c, rng, T = self.c, self.rng, self.c.transactions
        key = key_name(self.prefix, rng.randrange(N_KEYS))
        r = rng.random()
        try:
            if r < 0.75:
                v = self._value()
                rev = c.put(key, v).header.revision
                self.acked.append((rev, [(key, v)]))
            elif r < 0.9:
                resp = c.delete(key, return_response=True)
                if resp.deleted:
                    self.acked.append((resp.header.revision, [(key, None)]))
            else:
                ks = sorted({key_name(self.prefix, rng.randrange(N_KEYS)) for _ in range(3)})
                kv = [(k, self._value()) for k in ks]
                ok, resps = c.transaction(compare=[],
                                          success=[T.put(k, v) for k, v in kv] + [T.get(ks[0])],
                                          failure=[])
                rev = resps[-1][0][1].response_header.revision
                self.acked.append((rev, kv))
        except Exception as e:
            kind, why = U.classify(e)
            if kind in ("bug", "unexpected"):
                raise
            self.failed[why] += 1
            self.stop.wait(0.05)  # pacing: no leader answers at once
        self.done += 1

    def fence(self):
        c, T = self.c, self.c.transactions
        keys = [key_name(self.prefix, i) for i in range(N_KEYS)]
        deadline = time.monotonic() + 60
        while not self.stop.is_set():
            v = "fence-%d" % self.seq
            self.seq += 1
            self.sent_values.add(v)
            try:
                ok, resps = c.transaction(compare=[], success=[T.put(k, v) for k in keys]
                                          + [T.get(keys[0])], failure=[])
                self.fence_rev = resps[-1][0][1].response_header.revision
                self.acked.append((self.fence_rev, [(k, v) for k in keys]))
                return
            except Exception as e:
                kind, why = U.classify(e)
                if kind in ("bug", "unexpected"):
                    raise
                self.failed["fence: " + why] += 1
                if time.monotonic() > deadline:
                    raise
                self.stop.wait(0.2)  # pacing


def check_writes(writer, hist):
    """Every acknowledged write is in the history at its revision; every value in the
    history was sent by the writer."""
    problems = []
    by = {(e.rev, e.key): e for e in hist}
    for rev, kvs in writer.acked:
        for k, v in kvs:
            e = by.get((rev, k))
            want = "PUT %r" % v if v is not None else "DELETE"
            if e is None or (v is None and e.type != "DELETE") or \
                    (v is not None and (e.type != "PUT" or e.value != v)):
                problems.append("acknowledged write %s %s at revision %d is not in the "
                                "history (there: %s)" % (k, want, rev, e))
                if len(problems) > 5:
                    return problems
    for e in hist:
        if e.type == "PUT" and e.value not in writer.sent_values:
            problems.append("history has a value nobody wrote: %s" % (e,))
            break
    return problems


# ---- a round --------------------------------------------------------------------------------

def create_watches(clients_and_watchers, start_rev, threads):
    """Creates the watches (clients_and_watchers: [(client, [Watcher])]), each client's
    serially, several clients in parallel. Returns errors."""
    errors = []
    todo = list(clients_and_watchers)
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not todo:
                    return
                c, ws = todo.pop()
            for w in ws:
                sp = w.spec
                try:
                    w.watch_id = c.add_watch_callback(sp.key, w.on, range_end=sp.range_end,
                                                      start_revision=start_rev,
                                                      prev_kv=sp.prev_kv)
                except Exception as e:
                    with lock:
                        errors.append("creating %s: %s" % (sp.describe(), U.describe_error(e)))
    ts = [threading.Thread(target=work, daemon=True) for _ in range(max(1, threads))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return errors


def run_round(h, args, rnum, mode, change, out):
    rng = random.Random("%s:round%d" % (args.seed, rnum))
    prefix = "/v3watch/r%d-%d/" % (rnum, rng.randrange(1 << 30))
    t0 = time.monotonic()
    problems = []
    c = h.cluster
    urls = c.client_urls
    if h.wait_healthy(30.0):
        return ["cluster not healthy before the round"], "not started"
    mark = h.mark()
    lead = c.leader()
    followers = [i for i in range(h.size) if i != lead]
    killed = set()
    # Who watches where: never on a member this round kills.
    if change == "kill":
        watch_members = followers
    elif mode == "one-stream":
        watch_members = [lead]  # the leader that hands over leadership
    else:
        watch_members = list(range(h.size))
    target = rng.choice(followers)
    writer_member = [f for f in followers if f != target][0] if change == "move" else followers[0]

    specs = make_specs(prefix, args.watchers, rng)
    watchers = [Watcher(sp) for sp in specs]
    opened = []
    try:
        if mode == "one-stream":
            wc = U.client(urls[watch_members[0]], timeout=30.0, wait_connected=True)
            opened.append(wc)
            groups = [(wc, watchers)]
            for w in watchers:
                w.member = watch_members[0]
        else:
            per = args.watchers_per_stream
            groups = []
            for g in range(0, len(watchers), per):
                m = watch_members[(g // per) % len(watch_members)]
                wc = U.client(urls[m], timeout=30.0, wait_connected=True)
                opened.append(wc)
                ws = watchers[g:g + per]
                for w in ws:
                    w.member = m
                groups.append((wc, ws))
        ids = U.member_ids(urls) if change == "move" else {}
        wr = U.client(urls[writer_member], timeout=3.0, wait_connected=True)
        opened.append(wr)
        r0 = U.current_revision(wr)
        early = [(gc, [w for w in ws if not w.spec.late]) for gc, ws in groups]
        late = [(gc, [w for w in ws if w.spec.late]) for gc, ws in groups]
        t = time.monotonic()
        problems += create_watches(early, r0 + 1, threads=min(16, len(groups)))
        t_create = time.monotonic() - t

        writer = Writer(wr, prefix, random.Random("%s:writer%d" % (args.seed, rnum)),
                        first=args.writes // 3)
        writer.start()
        if not H.poll(lambda: writer.done >= writer.first or writer.error, 120.0):
            problems.append("writer stuck in its first phase (%d ops)" % writer.done)
        problems += create_watches(late, r0 + 1, threads=min(16, len(groups)))

        # ---- the leader change, while the writer goes on ----
        change_desc = "no leader change"
        if change == "move":
            U.move_leader(urls, ids[urls[target]])
            if not H.poll(lambda: h.leader_or_none(2.0) == target, 30.0):
                problems.append("move-leader to m%d: leader is still m%s"
                                % (target, h.leader_or_none()))
            change_desc = "move-leader m%d -> m%d" % (lead, target)
        elif change == "kill":
            h.kill(lead)
            killed.add(lead)
            new = h.leader_or_none(30.0)
            if new is None:
                problems.append("no new leader within 30s of killing m%d" % lead)
            h.restart(lead)
            why = h.wait_healthy(60.0)
            if why:
                problems.append("m%d not back within 60s: %s" % (lead, why))
            change_desc = "SIGKILL leader m%d, m%s elected, m%d restarted" % (lead, new, lead)
        mid_ops = writer.done
        writer.limit = writer.done + args.writes // 3
        writer.thread.join(180.0)
        if writer.thread.is_alive():
            writer.stop.set()
            problems.append("writer did not finish within 180s (%d ops)" % writer.done)
        if writer.error:
            problems.append("writer crashed:\n" + writer.error)
        if writer.fence_rev is None:
            return problems + ["no fence: nothing to check against"], change_desc

        # ---- every watcher reaches the fence ----
        fence = writer.fence_rev
        t = time.monotonic()
        H.poll(lambda: all(w.max_rev >= fence or w.errors for w in watchers), args.deliver_timeout,
               interval=0.1)
        t_deliver = time.monotonic() - t
        behind = [w for w in watchers if w.max_rev < fence and not w.errors]
        if behind:
            problems.append("%d watchers did not reach the fence (revision %d) within %.0fs, "
                            "e.g. %s at %d" % (len(behind), fence, args.deliver_timeout,
                                               behind[0].spec.describe(), behind[0].max_rev))

        # ---- the history, on every member ----
        hists = {}
        for i, u in enumerate(urls):
            mc = U.client(u, timeout=10.0)
            opened.append(mc)
            if U.wait_applied(mc, fence, 30.0) is None:
                problems.append("m%d did not apply revision %d within 30s" % (i, fence))
                continue
            hists[i] = U.history(mc, prefix, U.prefix_end(prefix), r0, fence)
        ref = hists.get(writer_member) or next(iter(hists.values()), [])
        for i, hist in sorted(hists.items()):
            if hist != ref:
                j = next((j for j, (a, b) in enumerate(zip(hist, ref)) if a != b),
                         min(len(hist), len(ref)))
                problems.append("m%d's history (%d events) differs from m%d's (%d) at event "
                                "%d: %s vs %s" % (i, len(hist), writer_member, len(ref), j,
                                                  hist[j] if j < len(hist) else None,
                                                  ref[j] if j < len(ref) else None))
        problems += check_writes(writer, ref)
        problems += ctl_spot_check(urls, prefix, ref, r0, [(r0 + fence) // 2, fence])

        # ---- every watcher ----
        bad = 0
        for w in watchers:
            ps = check_watcher(w.spec, w.events, ref)
            if w.errors:
                ps.insert(0, "watch failed on m%d: %s" % (w.member, w.errors[0]))
            if ps:
                bad += 1
                if bad <= 5:
                    problems.append("%s on m%d:\n      %s" % (w.spec.describe(), w.member,
                                                             "\n      ".join(ps)))
        if bad > 5:
            problems.append("... %d watchers failed in all" % bad)
        for gc, ws in groups:
            ids = [w.watch_id for w in ws if w.watch_id is not None]
            if len(set(ids)) != len(ids):
                problems.append("watch IDs repeat on one stream: %d IDs, %d distinct"
                                % (len(ids), len(set(ids))))
        problems += h.crash_problems(mark, killed)
        delivered = sum(len(w.events) for w in watchers)
        out.write("round %d  %-12s %-50s writes %d (%d acked, %d failed) revs %d..%d  "
                  "events %d delivered  created %.1fs  delivered %.1fs  round %.1fs  %s\n" % (
                      rnum, mode, change_desc, writer.done, len(writer.acked),
                      sum(writer.failed.values()), r0 + 1, fence, delivered, t_create,
                      t_deliver, time.monotonic() - t0, "FAIL" if problems else "PASS"))
        if writer.failed and args.verbose:
            out.write("    writes failed: %s; %d ops during the change\n" % (
                ", ".join("%s x%d" % kv for kv in writer.failed.most_common(5)),
                mid_ops - writer.first))
        return problems, change_desc
    finally:
        for oc in opened:
            try:
                oc.close()
            except Exception:
                pass


def ctl_spot_check(urls, prefix, hist, r0, revs):
    """`etcdctl get --prefix --rev=R --consistency=s` on every member agrees with the
    history rebuilt from ranges."""
    problems = []
    import base64
    for rev in revs:
        state = {}
        for e in hist:
            if e.rev > rev:
                break
            if e.type == "PUT":
                state[e.key] = (e.value, e.rev)
            else:
                state.pop(e.key, None)
        for i, u in enumerate(urls):
            js = U.ctl_json(u, "get", "--prefix", prefix, "--rev", str(rev),
                            "--consistency=s")
            have = {base64.b64decode(kv["key"]).decode():
                    (base64.b64decode(kv.get("value", "")).decode(), kv["mod_revision"])
                    for kv in js.get("kvs", [])}
            # Keys untouched since r0 are not in `state`; the round's prefix is fresh.
            if have != state:
                diff = sorted(k for k in set(have) | set(state) if have.get(k) != state.get(k))
                problems.append("etcdctl get --rev=%d on m%d disagrees with the history at "
                                "%s: %r vs %r" % (rev, i, diff[0], have.get(diff[0]),
                                                  state.get(diff[0])))
    return problems


# ---- main -----------------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kind", choices=("etcd2", "etcd"), default="etcd2")
    p.add_argument("--binary")
    p.add_argument("--rounds", default="one-stream:move,many-streams:kill",
                   help="comma-separated MODE:CHANGE, MODE one-stream|many-streams, "
                        "CHANGE move|kill|none")
    p.add_argument("--seed", default="1")
    p.add_argument("--watchers", type=int, default=1000)
    p.add_argument("--watchers-per-stream", type=int, default=10,
                   help="many-streams: watches per client (1000 / 10 = 100 streams)")
    p.add_argument("--writes", type=int, default=300,
                   help="writer ops before + after the change (plus those during it)")
    p.add_argument("--deliver-timeout", type=float, default=60.0)
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    rounds = []
    for r in args.rounds.split(","):
        mode, _, change = r.strip().partition(":")
        if mode not in ("one-stream", "many-streams") or change not in ("move", "kill", "none"):
            p.error("bad round %r" % r)
        rounds.append((mode, change))
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
    print("v3_watch.py --kind %s --seed %s: %d watchers over %d keys, rounds %s" % (
        args.kind, args.seed, args.watchers, N_KEYS, args.rounds))
    sys.stdout.flush()
    h = H.Harness(args.kind, 3, binary, keep=True)
    passed = failed = 0
    t0 = time.monotonic()
    try:
        h.start()
        for rnum, (mode, change) in enumerate(rounds, 1):
            try:
                problems, desc = run_round(h, args, rnum, mode, change, sys.stdout)
            except (U.CtlError, OSError, ValueError, AssertionError) as e:
                problems, desc = ["test error: %s\n%s" % (e, traceback.format_exc())], change
                if h.down:  # a kill round that stopped half-way: bring the member back
                    for i in list(h.down):
                        h.restart(i)
            if problems:
                failed += 1
                print("----- round %d (%s, %s) failed:" % (rnum, mode, desc))
                for pr in problems:
                    print("  * " + pr.replace("\n", "\n    "))
                h.cluster.dump_logs(sys.stdout, tail_lines=30)
                print("  data and logs kept in %s" % h.cluster.dir)
            else:
                passed += 1
            sys.stdout.flush()
    except H.ClusterError as e:
        print("cluster failed: %s" % e)
        failed += 1
    finally:
        if h.cluster is not None:
            h.stop(keep_dir=failed > 0)
        h.close()
    print("%d passed, %d failed  (%.0fs)" % (passed, failed, time.monotonic() - t0))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
