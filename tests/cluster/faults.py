#!/usr/bin/python3
"""The fault-injection suite: seeded rounds of faults against real etcd processes while
concurrent clients run register and append workloads; every round's history is checked.

    /usr/bin/python3 tests/cluster/faults.py --rounds 20 --seed 7 \\
        --binary build/etcd/cmd/etcd2 [--size 3|5] [--kind etcd2|etcd] [--net auto]

One line per round (fault, ops, indeterminate ops, verdict), then `N passed, M failed`
(and skipped rounds, if a fault needs network namespaces that are unavailable). Exit 0
when every round passed, 1 otherwise. A round's schedule (fault, its targets by role,
hold time, workload seed) depends only on --seed, the round number, --faults and
--size: `--seed S --only-round R` replays round R of seed S on a fresh cluster.

See README.md for the fault model and the checks.
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time

if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3") \
        and __name__ == "__main__" and not os.environ.get("CLUSTER_NO_REEXEC"):
    os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import checks  # noqa: E402
import harness as H  # noqa: E402
import netns  # noqa: E402
import operator_faults  # noqa: E402
from linearizability import Op  # noqa: E402
from workload import Recorder, run_clients  # noqa: E402

LOOPBACK_FAULTS = ["kill-leader", "kill-follower", "kill-majority", "kill-all",
                   "kill-follower-long", "kill-during-catchup", "kill-leader-twice",
                   "flap-member", "pause-leader", "pause-follower", "disk-full",
                   "remove-member"]
NETNS_FAULTS = ["partition-leader", "partition-follower", "partition-halves",
                "partition-bridge", "oneway-leader-out", "oneway-leader-in", "loss",
                "delay", "slow"]
ALL_FAULTS = LOOPBACK_FAULTS + NETNS_FAULTS
SHORT_FAULTS = ["kill-leader", "kill-follower", "pause-leader"]
FOLLOWER_FAULTS = {"kill-follower", "kill-follower-long", "pause-follower",
                   "partition-follower"}
MIN_OK_DURING = 20  # acknowledged ops during a follower fault


class Skip(Exception):
    pass


# ---- the nemesis ------------------------------------------------------------------------

class Fault:
    """An applied fault: what it did, and how to undo it."""

    def __init__(self, name, desc, heal, killed=(), tolerated=None):
        self.name = name
        self.desc = desc
        self._heal = heal
        self.killed = set(killed)
        # member -> regex of crash lines this fault is meant to cause
        self.tolerated = tolerated or {}
        # The leader and a majority stay connected and running: writes must go on
        # during the fault, not only after it.
        self.majority_serves = name in FOLLOWER_FAULTS

    def heal(self):
        self._heal()


def _pick(rng, lst, n=1):
    lst = sorted(lst)
    return rng.sample(lst, n)


def apply_fault(name, h, rng):
    """Applies fault `name` to harness h; targets chosen with rng (by role)."""
    n = h.size
    majority = n // 2 + 1
    if name in NETNS_FAULTS and h.env is None:
        raise Skip("needs network namespaces (%s)" % h.net_why)
    lead = h.leader()
    followers = [i for i in range(n) if i != lead]

    if name in ("disk-full", "remove-member"):
        # The leader half of the time: a full disk or a removal must not stall the others.
        x = lead if rng.random() < 0.5 else _pick(rng, followers)[0]
        try:
            if name == "disk-full":
                desc, heal, killed, tolerated = operator_faults.disk_full(h, x, 60.0)
            else:
                via = _pick(rng, [i for i in range(n) if i != x])[0]
                desc, heal, killed, tolerated = operator_faults.remove_member(h, x, via, 30.0)
        except operator_faults.NotApplicable as e:
            raise Skip(str(e))
        return Fault(name, desc, heal, killed, tolerated)

    if name == "kill-leader-twice":
        # The leader, then whoever the others elect next (with 3 members: no quorum).
        first = lead
        h.kill(first)
        second = h.leader_or_none(10.0)
        victims = [first] + ([second] if second is not None else [])
        if second is not None:
            h.kill(second)

        def heal():
            for i in victims:
                h.restart(i)
        return Fault(name, "%s(m%d then %s)" % (name, first, "m%d" % second
                                               if second is not None else "no new leader"),
                     heal, victims)

    if name == "flap-member":
        # SIGKILL and restart the same member several times in quick succession (WAL
        # tail repair, elections with a member that comes and goes), left down at the end.
        x = rng.randrange(n)
        gaps = [rng.uniform(0.2, 1.0) for _ in range(3)]
        for gap in gaps:
            h.kill(x)
            h.restart(x)
            time.sleep(gap)  # how long it lives before the next kill: part of the fault
        h.kill(x)
        return Fault(name, "%s(m%d x4%s)" % (name, x, " leader" if x == lead else ""),
                     lambda: h.restart(x), [x])

    if name == "kill-during-catchup":
        # A follower misses 6-10 s of writes (a snapshot's worth with a small
        # --snapshot-count), comes back, and is killed again while it catches up.
        x = _pick(rng, followers)[0]
        away, back = rng.uniform(6.0, 10.0), rng.uniform(0.1, 1.5)
        h.kill(x)
        time.sleep(away)  # part of the fault
        h.restart(x)
        time.sleep(back)
        h.kill(x)
        return Fault(name, "%s(m%d, %.1fs away, killed %.1fs after restart)" % (
            name, x, away, back), lambda: h.restart(x), [x])

    if name.startswith("kill-"):
        if name == "kill-leader":
            victims = [lead]
        elif name in ("kill-follower", "kill-follower-long"):
            victims = _pick(rng, followers)
        elif name == "kill-majority":
            victims = _pick(rng, range(n), majority)
        else:
            victims = list(range(n))
        for i in victims:
            h.kill(i)

        def heal():
            for i in victims:
                h.restart(i)
        return Fault(name, "%s(%s)" % (name, ",".join("m%d" % i for i in victims)), heal,
                     victims)

    if name.startswith("pause-"):
        victims = [lead] if name == "pause-leader" else _pick(rng, followers)
        for i in victims:
            h.pause(i)

        def heal():
            for i in victims:
                h.resume(i)
        return Fault(name, "%s(%s)" % (name, ",".join("m%d" % i for i in victims)), heal)

    env = h.env
    if name in ("partition-leader", "partition-follower"):
        x = lead if name == "partition-leader" else _pick(rng, followers)[0]
        env.isolate([x], [i for i in range(n) if i != x])
        return Fault(name, "%s(m%d | rest)" % (name, x), env.heal)
    if name == "partition-halves":
        minority = _pick(rng, range(n), n - majority)
        rest = [i for i in range(n) if i not in minority]
        env.isolate(minority, rest)
        return Fault(name, "%s(%s | %s)" % (name, fmt(minority), fmt(rest)), env.heal)
    if name == "partition-bridge":
        # Two halves that only the bridge member sees both of (3 members: a chain).
        order = _pick(rng, range(n), n)
        bridge = order[0]
        left = order[1:1 + (n - 1) // 2]
        right = order[1 + (n - 1) // 2:]
        env.isolate(left, right)
        return Fault(name, "%s(%s <- m%d -> %s)" % (name, fmt(left), bridge, fmt(right)),
                     env.heal)
    if name == "oneway-leader-out":
        env.isolate([lead], followers, oneway=True)
        return Fault(name, "%s(m%d -/-> %s)" % (name, lead, fmt(followers)), env.heal)
    if name == "oneway-leader-in":
        env.isolate(followers, [lead], oneway=True)
        return Fault(name, "%s(%s -/-> m%d)" % (name, fmt(followers), lead), env.heal)
    if name == "loss":
        p = rng.choice([0.1, 0.2, 0.3, 0.4])
        for i in range(n):
            env.loss(i, p)
        return Fault(name, "loss(%d%% on every peer link)" % int(p * 100), env.heal)
    if name == "delay":
        if not env.has_netem:
            raise Skip("tc netem unavailable (%s)" % env.netem_why)
        ms = rng.choice([20, 50, 100, 200])
        victims = _pick(rng, range(n), rng.randrange(1, n + 1))
        for i in victims:
            env.delay(i, ms, jitter_ms=ms // 4)
        return Fault(name, "delay(%dms on %s)" % (ms, fmt(victims)), env.heal)
    if name == "slow":
        kbit = rng.choice([64, 256, 1024])
        victims = [lead] if rng.random() < 0.5 else _pick(rng, followers)
        for i in victims:
            env.slow(i, kbit)
        return Fault(name, "slow(%s sends %dkbit/s)" % (fmt(victims), kbit), env.heal)
    raise ValueError("unknown fault %r" % name)


def fmt(members):
    return "{" + ",".join("m%d" % i for i in members) + "}"


def hold_seconds(name, rng):
    if name in ("kill-during-catchup", "flap-member"):
        return rng.uniform(0.5, 2.0)
    if name == "kill-follower-long":
        return rng.uniform(8.0, 12.0)  # long enough to need a snapshot to catch up
    if name.startswith("kill-"):
        return rng.uniform(1.0, 4.0)
    if name.startswith("pause-"):
        return rng.uniform(2.0, 4.0)  # > the election timeout: the others elect
    return rng.uniform(3.0, 6.0)


# ---- one round ------------------------------------------------------------------------

class RoundResult:
    def __init__(self):
        self.problems = []
        self.line = ""
        self.skipped = None
        self.fatal = False  # the cluster is not usable any more: start a fresh one
        self.fault = None
        self.caught = False  # --expect-violation: a linearizability violation was found
        self.recover_s = None  # heal -> every member healthy, one leader agreed


def schedule(seed, faults, rounds):
    """Round r (1-based) -> fault name: every fault once per len(faults) rounds, in a
    seeded order."""
    out = []
    k = 0
    while len(out) < rounds:
        order = list(faults)
        random.Random("%s:order%d" % (seed, k)).shuffle(order)
        out.extend(order)
        k += 1
    return out[:rounds]


def run_round(h, args, r, fault_name, log):
    res = RoundResult()
    rng = random.Random("%s:round%d" % (args.seed, r))
    t_round = time.monotonic()
    prefix = "/faults/s%s-r%d-%s" % (args.seed, r, rng.randrange(1 << 30))
    keys = ["%s/reg%d" % (prefix, k) for k in range(args.keys)]
    app_keys = ["%s/app%d" % (prefix, k) for k in range(args.append_keys)]
    why = h.wait_healthy(args.heal_timeout)
    if why:
        res.problems.append("cluster not healthy before the round: " + why)
        res.fatal = True
        res.line = "round %d: cluster not healthy before the round" % r
        return res
    mark = h.mark()
    rec = Recorder()
    api_run_clients, api_final_reads, api_converge = api_functions(args)
    clients = api_run_clients(args.clients, h.client_urls, keys, app_keys, rec,
                              "%s:round%d" % (args.seed, r), timeout=args.client_timeout,
                              incarnations=lambda m: h.incarnation[m],
                              plain_as_quorum=args.plain_reads_as_quorum)
    fault = None
    try:
        # Warm up: the workload is running and answered (and has run for a while: the
        # length of each phase is part of the schedule, not synchronisation).
        warmup = rng.uniform(0.5, 2.0)
        if not H.poll(lambda: rec.ok_count >= 20, 20.0):
            res.problems.append("workload made no progress before the fault (%d ok)"
                                % rec.ok_count)
        time.sleep(max(0.0, warmup - (time.monotonic() - t_round)))
        hold = hold_seconds(fault_name, rng)
        after = rng.uniform(1.0, 3.0)
        try:
            fault = apply_fault(fault_name, h, rng)
        except Skip as e:
            res.skipped = str(e)
        except (H.ClusterError, OSError, RuntimeError) as e:
            # No agreed leader to aim at, a member that would not die, iptables failing:
            # heal what may have been done and fail the round.
            res.problems.append("could not apply %s: %s" % (fault_name, e))
            res.fatal = True
            for i in list(h.paused):
                h.resume(i)
            for i in list(h.down):
                h.restart(i)
            if h.env is not None:
                h.env.heal()
        if fault is not None:
            ok_at_fault = rec.ok_count
            # The fault's duration is the fault itself, not synchronisation.
            time.sleep(hold)
            ok_during = rec.ok_count - ok_at_fault
            if fault.majority_serves and ok_during < MIN_OK_DURING:
                res.problems.append(
                    "only %d ops acknowledged in %.1fs while only a follower was down: the "
                    "leader and the other followers stopped serving" % (ok_during, hold))
            fault.heal()
            t_heal = time.monotonic()
            why = h.wait_healthy(args.heal_timeout)
            recover_s = time.monotonic() - t_heal
            res.recover_s, res.fault = recover_s, fault_name
            if why:
                res.problems.append("not healthy %.0fs after healing: %s"
                                    % (args.heal_timeout, why))
            # Liveness after healing: every client completes ops again.
            ok_healed, t_healed = rec.ok_count, time.monotonic()
            if not H.poll(lambda: rec.ok_count >= ok_healed + 10 * args.clients,
                          args.heal_timeout):
                res.problems.append("workload did not resume within %.0fs after healing "
                                    "(%d ok ops since)" % (args.heal_timeout,
                                                           rec.ok_count - ok_healed))
            time.sleep(max(0.0, after - (time.monotonic() - t_healed)))
    finally:
        for c in clients:
            c.join(args.client_timeout + 5)
        if fault is not None and h.paused:
            for i in list(h.paused):
                h.resume(i)
    for c in clients:
        if c.error:
            res.problems.append("client %d crashed (test bug):\n%s" % (c.cid, c.error))
        if c.thread.is_alive():
            res.problems.append("client %d did not stop" % c.cid)
    if res.skipped:
        res.line = "round %3d  %-40s SKIP: %s" % (r, fault_name, res.skipped)
        return res
    if fault is None:
        res.line = "round %3d  %-40s FAIL" % (r, fault_name)
        out = io.StringIO()
        for p in res.problems:
            out.write("  * " + p.replace("\n", "\n    ") + "\n")
        h.dump_logs_since(mark, out)
        log.write(out.getvalue())
        return res

    # ---- the end state ----------------------------------------------------------------
    final_ops, final_values, target = api_final_reads(h, keys + app_keys, args, res)
    for op in final_ops:
        rec.ops.append(op)
    if target is not None:
        api_converge(h, prefix, target, final_values, args, res)

    # ---- the checks ---------------------------------------------------------------------
    t_check = time.monotonic()
    lin_problems, results = checks.linearizable(rec.ops, args.check_budget)
    res.problems += lin_problems
    res.problems += checks.appends(rec.ops, final_values, app_keys)
    res.problems += checks.indexes(rec.ops, rec.plain)
    for what, reply in rec.unexpected[:10]:
        res.problems.append("unexpected reply: %s -> %s" % (what, reply))
    res.problems += h.crash_problems(mark, fault.killed, fault.tolerated)
    check_s = time.monotonic() - t_check

    n_ops = len(rec.ops)
    verdict = "PASS" if not res.problems else "FAIL"
    res.line = ("round %3d  %-40s ops %5d  indet %4d  refused %4d  plain %4d  "
                "ok-during %4d  recover %4.1fs  check %4.1fs  round %5.1fs  %s" % (
                    r, fault.desc, n_ops, rec.indeterminate, rec.refused, len(rec.plain),
                    ok_during, recover_s, check_s, time.monotonic() - t_round, verdict))
    if args.verbose:
        kinds = {}
        for op in rec.ops:
            k = "%s:%s" % (op.kind, "?" if op.ret is None else
                           ("v" if op.kind == "read" else op.out))
            kinds[k] = kinds.get(k, 0) + 1
        appended = sum(len((final_values.get(k) or "").split()) for k in app_keys)
        res.line += "\n    ops: " + " ".join("%s=%d" % kv for kv in sorted(kinds.items()))
        res.line += "; %d appends survived; %d snapshots installed" % (
            appended, h.snapshots_installed(mark))
        res.line += "\n    why indeterminate/refused: " + ", ".join(
            "%s x%d" % (k, n) for k, n in rec.reasons.most_common(6))
    if res.problems and args.expect_violation:
        lin = [p for p in res.problems if p.startswith("linearizability violation")]
        res.caught = bool(lin)
        if lin:
            log.write("  caught, as expected: " + "\n    ".join(lin[0].split("\n")[:10]) + "\n")
        return res
    if res.problems:
        save_history(args, r, rec, results)
        out = io.StringIO()
        out.write("----- round %d (seed %s, fault %s) failed:\n" % (r, args.seed, fault.desc))
        for p in res.problems:
            out.write("  * " + p.replace("\n", "\n    ") + "\n")
        h.dump_logs_since(mark, out)
        log.write(out.getvalue())
        if any("not healthy" in p or "did not resume" in p or "not running" in p
               for p in res.problems):
            res.fatal = True
    return res


def api_functions(args):
    """The workload and the end-state reads of --api: v2 (workload.py, final_reads and
    converge below) or v3 (v3_workload.py: the same ops as v3 KV requests and txns)."""
    if getattr(args, "api", "v2") == "v3":
        import v3_workload
        return v3_workload.run_clients, v3_workload.final_reads, v3_workload.converge
    return run_clients, final_reads, converge


def final_reads(h, keys, args, res):
    """A quorum read of every key from every member, recorded in the history. Returns
    (ops, key -> value, the highest X-Etcd-Index seen)."""
    ops, values, target = [], {}, None
    for key in keys:
        for i, url in enumerate(h.client_urls):
            got = [None]

            def attempt():
                op = Op(client="final-m%d" % i, key=key, kind="read", call=time.monotonic())
                try:
                    st, hdrs, js = H.request(url, "GET", "/v2/keys%s?quorum=true" % key)
                except OSError:
                    return False
                op.ret = time.monotonic()
                if st == 200 and js and js.get("node"):
                    op.out = js["node"].get("value")
                    op.index = js["node"].get("modifiedIndex")
                elif st == 404 and js and js.get("errorCode") == 100:
                    op.out = None
                else:
                    return False
                op.meta = {"member": i, "etcd_index": int(hdrs.get("x-etcd-index", 0))}
                got[0] = op
                return True
            if not H.poll(attempt, args.heal_timeout, interval=0.2):
                res.problems.append("final quorum read of %s on m%d failed for %.0fs"
                                    % (key, i, args.heal_timeout))
                continue
            op = got[0]
            ops.append(op)
            values[key] = op.out
            idx = op.meta["etcd_index"]
            target = idx if target is None else max(target, idx)
    return ops, values, target


def converge(h, prefix, target, final_values, args, res):
    """Every member's own state (plain reads), once it has applied up to `target`, holds
    exactly the final values, with identical indexes on every member."""
    listings = {}
    for i, url in enumerate(h.client_urls):
        got = [None]

        def caught_up():
            try:
                st, hdrs, js = H.request(url, "GET", "/v2/keys%s?recursive=true" % prefix)
            except OSError:
                return False
            idx = int(hdrs.get("x-etcd-index", 0))
            if idx < target:
                return False
            got[0] = (idx, H.flatten(js.get("node")) if st == 200 and js else {})
            return True
        if not H.poll(caught_up, args.heal_timeout, interval=0.1):
            res.problems.append("m%d did not catch up to index %d within %.0fs"
                                % (i, target, args.heal_timeout))
            continue
        idx, flat = got[0]
        listings[i] = flat
        for key, want in final_values.items():
            have = flat.get(key, (None,))[0]
            if have != want:
                res.problems.append("m%d diverges at X-Etcd-Index %d: %s is %r locally, %r "
                                    "by quorum read" % (i, idx, key, _short(have),
                                                        _short(want)))
    members = sorted(listings)
    for i in members[1:]:
        if listings[i] != listings[members[0]]:
            diff = [k for k in set(listings[i]) | set(listings[members[0]])
                    if listings[i].get(k) != listings[members[0]].get(k)]
            res.problems.append("m%d and m%d hold different nodes (value/indexes): %s" % (
                members[0], i, ", ".join("%s: %r vs %r" % (k, listings[members[0]].get(k),
                                                            listings[i].get(k))
                                         for k in sorted(diff)[:5])))


def _short(v, n=80):
    if isinstance(v, str) and len(v) > n:
        return v[:n // 2] + "..." + v[-n // 2:]
    return v


def save_history(args, r, rec, results):
    path = os.path.join(args.artifacts, "seed%s-round%d-history.jsonl" % (args.seed, r))
    os.makedirs(args.artifacts, exist_ok=True)
    with open(path, "w") as f:
        for op in sorted(rec.ops, key=lambda op: op.call):
            f.write(json.dumps({"client": op.client, "key": op.key, "kind": op.kind,
                                "value": op.value, "expected": op.expected, "call": op.call,
                                "ret": op.ret, "out": op.out, "index": op.index,
                                "meta": op.meta}) + "\n")
        for p in sorted(rec.plain, key=lambda p: p.call):
            f.write(json.dumps({"plain": True, "client": p.client, "key": p.key,
                                "member": p.member, "inc": p.incarnation, "call": p.call,
                                "ret": p.ret, "value": p.value, "modified": p.modified,
                                "etcd_index": p.etcd_index}) + "\n")
    sys.stdout.write("  history saved to %s\n" % path)


# ---- main -----------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--seed", default="1")
    p.add_argument("--only-round", type=int, help="replay only this round of the seed")
    p.add_argument("--size", type=int, default=3)
    p.add_argument("--kind", choices=("etcd2", "etcd"), default="etcd2")
    p.add_argument("--binary", help="etcd2 binary (default $ETCD2_BINARY); etcd: /usr/bin/etcd")
    p.add_argument("--net", choices=("auto", "netns", "loopback"), default="auto",
                   help="auto: network namespaces if usable (root), else loopback "
                        "(partition/loss/delay rounds are then skipped)")
    p.add_argument("--faults", help="comma-separated subset of: " + ",".join(ALL_FAULTS)
                   + " (default: all; 'short' = " + ",".join(SHORT_FAULTS) + ")")
    p.add_argument("--clients", type=int, help="concurrent clients (default 3 per member)")
    p.add_argument("--keys", type=int, default=4, help="register keys per round")
    p.add_argument("--append-keys", type=int, default=2)
    p.add_argument("--client-timeout", type=float, default=2.0)
    p.add_argument("--heal-timeout", type=float, default=30.0,
                   help="deadline for health, catch-up and resumed progress after a fault")
    p.add_argument("--check-budget", type=float, default=120.0,
                   help="linearizability search budget per key (s); over it = undecided")
    p.add_argument("--snapshot-count", type=int,
                   help="--snapshot-count for the members (default: the server's, 10000)")
    p.add_argument("--heartbeat", type=int, default=100)
    p.add_argument("--election", type=int, default=1000)
    p.add_argument("--artifacts", help="where failing histories go (default: the run dir)")
    p.add_argument("--keep", action="store_true", help="keep data dirs and logs")
    p.add_argument("--api", choices=("v2", "v3"), default="v2",
                   help="the clients' API: v2 HTTP (workload.py) or v3 gRPC through "
                        "python3-etcd3 (v3_workload.py: puts, linearizable gets, CAS txns)")
    p.add_argument("--plain-reads-as-quorum", action="store_true",
                   help="negative control: check plain (local, possibly stale) reads for "
                        "linearizability too; with --expect-violation the run passes only "
                        "if every round is caught")
    p.add_argument("--expect-violation", action="store_true",
                   help="invert the verdict: exit 0 only if every round that ran failed "
                        "the linearizability check")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print why ops were indeterminate or refused")
    args = p.parse_args(argv)

    if args.clients is None:
        args.clients = 3 * args.size
    if args.faults in (None, "all"):
        faults = list(ALL_FAULTS)
    elif args.faults == "short":
        faults = list(SHORT_FAULTS)
    else:
        faults = [f.strip() for f in args.faults.split(",") if f.strip()]
        bad = [f for f in faults if f not in ALL_FAULTS]
        if bad:
            p.error("unknown faults: %s" % ", ".join(bad))
    binary = args.binary
    if args.kind == "etcd2":
        binary = binary or os.environ.get("ETCD2_BINARY")
        if not binary:
            p.error("--kind etcd2 needs --binary (or $ETCD2_BINARY)")
        binary = os.path.abspath(binary)
    elif binary is None:
        binary = H.compat_cluster.REAL_ETCD
    if not os.access(binary, os.X_OK):
        print("SKIP: %s not found or not executable" % binary)
        return 77
    if args.api == "v3":
        import v3util
        why = v3util.missing_clients()
        if why:
            print("SKIP: " + why)
            return 77
        v3util.quiet_closed_channels()

    netns.install_signal_cleanup()
    net, net_why = args.net, ""
    if net in ("auto", "netns"):
        why = netns.NetnsEnv.probe()
        if why:
            if net == "netns":
                print("SKIP: network namespaces unavailable: %s" % why)
                return 77
            net, net_why = "loopback", why
            print("network namespaces unavailable (%s): partition, loss and delay rounds "
                  "are skipped" % why)
        else:
            net = "netns"
    sched = schedule(args.seed, faults, max(args.rounds, args.only_round or 0))
    rounds = [args.only_round] if args.only_round else list(range(1, args.rounds + 1))
    print("faults.py --seed %s --rounds %d --size %d --kind %s --net %s --faults %s%s" % (
        args.seed, args.rounds, args.size, args.kind, net, ",".join(faults),
        " --api v3" if args.api == "v3" else ""))
    print("binary %s; %d clients, %d register + %d append keys, heartbeat %dms, "
          "election %dms%s" % (binary, args.clients, args.keys, args.append_keys,
                               args.heartbeat, args.election,
                               ", snapshot-count %d" % args.snapshot_count
                               if args.snapshot_count else ""))
    sys.stdout.flush()

    h = H.Harness(args.kind, args.size, binary, net=net, heartbeat_ms=args.heartbeat,
                  election_ms=args.election, keep=True,
                  rng=random.Random("%s:net" % args.seed),
                  extra_args=(["--snapshot-count", str(args.snapshot_count)]
                              if args.snapshot_count else []))
    h.net_why = net_why
    passed = failed = skipped = caught = 0
    kept_dirs = []
    recovery = {}  # fault -> [seconds from heal to healthy]
    t0 = time.monotonic()
    try:
        h.start()
        if h.env is not None and not h.env.has_netem:
            print("tc netem unavailable (%s): delay rounds are skipped" % h.env.netem_why)
        if args.artifacts is None:
            args.artifacts = os.path.join(h.cluster.dir, "..", "cluster-faults-artifacts-%d"
                                          % os.getpid())
            args.artifacts = os.path.abspath(args.artifacts)
        for r in rounds:
            res = run_round(h, args, r, sched[r - 1], sys.stdout)
            print(res.line)
            sys.stdout.flush()
            if res.recover_s is not None:
                recovery.setdefault(res.fault, []).append(res.recover_s)
            if res.skipped:
                skipped += 1
            elif res.problems:
                failed += 1
                caught += res.caught
            else:
                passed += 1
            if res.problems and not args.expect_violation:
                kept_dirs.append(h.cluster.dir)
                print("  seed %s round %d failed; replay: faults.py --seed %s --only-round "
                      "%d --size %d --kind %s%s; data and logs kept in %s" % (
                          args.seed, r, args.seed, r, args.size, args.kind,
                          (" --faults " + ",".join(faults) if args.faults else "")
                          + (" --api v3" if args.api == "v3" else ""),
                          h.cluster.dir))
                if res.fatal and r != rounds[-1]:
                    print("  starting a fresh cluster for the next round")
                    h.stop(keep_dir=True)
                    h.start()
    except H.ClusterError as e:
        print("cluster failed: %s" % e)
        failed += 1
    finally:
        if h.cluster is not None:
            keep = args.keep or (failed > 0 and not args.expect_violation)
            d = h.stop(keep_dir=keep)
            if d and d not in kept_dirs:
                kept_dirs.append(d)
        h.close()
    total = time.monotonic() - t0
    if recovery and len(rounds) > 1:
        print("recovery (heal -> all healthy, one leader), median / max per fault:")
        for f in sorted(recovery):
            v = recovery[f]
            print("  %-22s %5.1fs / %5.1fs  (%d rounds)" % (f, statistics.median(v), max(v),
                                                          len(v)))
    print("%d passed, %d failed%s  (%.0fs)" % (
        passed, failed, ", %d skipped" % skipped if skipped else "", total))
    if kept_dirs:
        print("kept: " + " ".join(sorted(set(kept_dirs))))
    if args.expect_violation:
        ok = passed == 0 and failed > 0 and caught == failed
        print("negative control: %d of %d rounds caught a linearizability violation: %s"
              % (caught, passed + failed, "PASS" if ok else "FAIL"))
        return 0 if ok else (77 if passed + failed == 0 else 1)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
