"""Unit tests of the linearizability checker (ctest: cluster_linearizability_checker).

Hand-written linearizable and non-linearizable histories, a cross-check against a
brute-force checker on thousands of small random histories, and the size the fault suite
needs (thousands of ops per key) within a time budget.

    /usr/bin/python3 tests/cluster/linearizability_test.py [-v]
"""

import itertools
import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from linearizability import Op, check, check_keyed, parse_history, register_step  # noqa: E402


def lin(text):
    return check(parse_history(text))


class HandWritten(unittest.TestCase):
    def assertLinearizable(self, text):
        r = lin(text)
        self.assertIs(r.ok, True, r.explain())

    def assertNotLinearizable(self, text):
        r = lin(text)
        self.assertIs(r.ok, False, "accepted a non-linearizable history:\n" + text)
        self.assertIn("NOT linearizable", r.explain())

    def test_empty(self):
        self.assertLinearizable("")

    def test_sequential_write_read(self):
        self.assertLinearizable("""
            1 0 1 write a -> ok
            1 2 3 read -> a
            2 4 5 write b -> ok
            1 6 7 read -> b""")

    def test_read_of_missing_key(self):
        self.assertLinearizable("1 0 1 read -> nil")
        self.assertNotLinearizable("1 0 1 read -> a")

    def test_read_of_value_never_written(self):
        self.assertNotLinearizable("""
            1 0 1 write a -> ok
            2 2 3 read -> zzz""")

    def test_stale_read(self):
        # b is acknowledged before the read starts: reading a is stale.
        self.assertNotLinearizable("""
            1 0 1 write a -> ok
            1 2 3 write b -> ok
            2 4 5 read -> a""")

    def test_read_concurrent_with_write_sees_either(self):
        self.assertLinearizable("""
            1 0 1 write a -> ok
            1 2 10 write b -> ok
            2 3 4 read -> a
            3 5 6 read -> b""")

    def test_new_then_old_is_not_linearizable(self):
        # Both reads overlap the write, but once one saw b, a later one cannot see a.
        self.assertNotLinearizable("""
            1 0 1 write a -> ok
            1 2 10 write b -> ok
            2 3 4 read -> b
            3 5 6 read -> a""")

    def test_two_cas_from_same_value_cannot_both_win(self):
        self.assertNotLinearizable("""
            1 0 1 write a -> ok
            1 2 5 cas a b -> ok
            2 2 5 cas a c -> ok""")
        self.assertLinearizable("""
            1 0 1 write a -> ok
            1 2 5 cas a b -> ok
            2 2 5 cas a c -> fail""")

    def test_cas_chain(self):
        self.assertLinearizable("""
            1 0 1 write a -> ok
            1 2 5 cas a b -> ok
            2 3 6 cas b c -> ok
            3 7 8 read -> c""")
        # c's CAS needed b, which was not there before b's CAS returned... and cannot be
        # ordered after the read.
        self.assertNotLinearizable("""
            1 0 1 write a -> ok
            2 2 3 cas b c -> ok
            1 4 5 cas a b -> ok""")

    def test_failed_cas_needs_a_different_value(self):
        self.assertNotLinearizable("""
            1 0 1 write a -> ok
            2 2 3 cas a b -> fail""")
        self.assertLinearizable("""
            1 0 1 write a -> ok
            2 2 3 cas x b -> fail
            2 4 5 read -> a""")

    def test_cas_on_missing_key(self):
        self.assertLinearizable("1 0 1 cas a b -> missing")
        self.assertNotLinearizable("1 0 1 cas a b -> fail")  # 412 needs an existing key
        self.assertNotLinearizable("""
            1 0 1 write a -> ok
            2 2 3 cas x b -> missing""")

    def test_create(self):
        self.assertLinearizable("""
            1 0 1 create a -> ok
            2 2 3 create b -> exists
            2 4 5 read -> a""")
        self.assertNotLinearizable("""
            1 0 1 create a -> ok
            2 2 3 create b -> ok""")
        self.assertNotLinearizable("1 0 1 create a -> exists")

    def test_delete(self):
        self.assertLinearizable("""
            1 0 1 write a -> ok
            1 2 3 delete -> ok
            2 4 5 read -> nil
            2 6 7 delete -> missing
            1 8 9 create b -> ok""")
        self.assertNotLinearizable("""
            1 0 1 write a -> ok
            1 2 3 delete -> ok
            2 4 5 read -> a""")

    def test_indeterminate_write_may_take_effect_late(self):
        # The write timed out at 1; it is observed much later: fine.
        self.assertLinearizable("""
            1 0 ? write a
            2 5 6 read -> nil
            2 7 8 read -> a""")

    def test_indeterminate_write_may_never_happen(self):
        self.assertLinearizable("""
            1 0 ? write a
            2 5 6 read -> nil
            2 7 8 read -> nil""")

    def test_indeterminate_write_cannot_take_effect_before_invocation(self):
        self.assertNotLinearizable("""
            2 0 1 read -> a
            1 5 ? write a""")

    def test_indeterminate_write_takes_effect_once(self):
        # a is seen, then b overwrites it, then a again: a's single write cannot be
        # linearized twice.
        self.assertNotLinearizable("""
            1 0 ? write a
            2 1 2 read -> a
            2 3 4 write b -> ok
            2 5 6 read -> a""")

    def test_indeterminate_cas_takes_effect_only_if_it_matches(self):
        self.assertLinearizable("""
            1 0 1 write a -> ok
            2 2 ? cas a b
            3 5 6 read -> b""")
        self.assertNotLinearizable("""
            1 0 1 write a -> ok
            2 2 ? cas x b
            3 5 6 read -> b""")

    def test_indeterminate_read_is_ignored(self):
        self.assertLinearizable("""
            1 0 1 write a -> ok
            2 2 ? read -> zzz""")

    def test_lost_acknowledged_write(self):
        # The kill -9 shape: b acknowledged, later reads show the older a.
        self.assertNotLinearizable("""
            1 0 1 write a -> ok
            1 2 3 write b -> ok
            1 4 ? write c
            2 10 11 read -> a""")

    def test_equal_timestamps_overlap(self):
        # A call at the same instant as another op's return counts as concurrent.
        self.assertLinearizable("""
            1 0 5 write a -> ok
            2 5 6 read -> nil""")

    def test_explain_names_the_blocked_op(self):
        r = lin("""
            1 0 1 write a -> ok
            1 2 3 write b -> ok
            2 4 5 read -> a""")
        text = r.explain()
        self.assertIn("read() -> 'a'", text)
        self.assertIn("longest linearizable prefix: 2 of 3", text)

    def test_keyed(self):
        a = parse_history("1 0 1 write x -> ok\n1 2 3 read -> x", key="a")
        b = parse_history("1 0 1 write y -> ok\n1 2 3 read -> x", key="b")
        res = check_keyed(a + b)
        self.assertIs(res["a"].ok, True)
        self.assertIs(res["b"].ok, False)

    def test_saved_history_round_trip(self):
        # faults.py saves a failing round's history; linearizability.py re-checks it.
        import tempfile
        import types
        import faults
        from linearizability import load_jsonl
        from workload import Recorder
        rec = Recorder()
        for op in parse_history("1 0 1 write a -> ok\n1 2 3 write b -> ok\n2 4 5 read -> a",
                                key="/k"):
            op.meta = {"member": 0}
            rec.add(op)
        with tempfile.TemporaryDirectory() as d:
            args = types.SimpleNamespace(artifacts=d, seed="s")
            faults.save_history(args, 1, rec, {})
            ops = load_jsonl(os.path.join(d, "seeds-round1-history.jsonl"))
        self.assertEqual(len(ops), 3)
        self.assertIs(check(ops).ok, False)

    def test_return_before_call_is_rejected(self):
        with self.assertRaises(ValueError):
            check([Op(kind="read", call=5, ret=1, out=None)])


# ---- brute force ----------------------------------------------------------------------

def brute_force(ops):
    """Tries every subset of the indeterminate ops and every order of the chosen ops
    that respects real time."""
    ops = [op for op in ops if not (op.kind == "read" and op.ret is None)]
    det = [op for op in ops if op.ret is not None]
    ind = [op for op in ops if op.ret is None]
    inf = float("inf")

    def ret(op):
        return inf if op.ret is None else op.ret

    for r in range(len(ind) + 1):
        for chosen in itertools.combinations(ind, r):
            sel = det + list(chosen)
            for perm in itertools.permutations(sel):
                ok = True
                # real-time order: if a returned before b was called, a precedes b.
                for i in range(len(perm)):
                    for j in range(i + 1, len(perm)):
                        if ret(perm[j]) < perm[i].call:
                            ok = False
                            break
                    if not ok:
                        break
                if not ok:
                    continue
                state = None
                for op in perm:
                    allowed, state = register_step(state, op)
                    if not allowed:
                        ok = False
                        break
                if ok:
                    return True
    return False


def random_history(rng, n, values=("a", "b", "c"), p_indet=0.2, consistent=False):
    """n ops by up to 3 clients with random overlap. With consistent=True the outputs
    come from a real linearization (so the history is linearizable by construction);
    otherwise outputs are random."""
    clients = {c: 0 for c in range(3)}
    ops = []
    for _ in range(n):
        c = rng.randrange(3)
        call = clients[c] + rng.randrange(0, 4)
        ret = call + rng.randrange(0, 6)
        clients[c] = ret + 1
        kind = rng.choice(["read", "read", "write", "cas", "cas", "create", "delete"])
        op = Op(client=c, kind=kind, call=call, ret=ret)
        if kind in ("write", "create", "cas"):
            op.value = rng.choice(values)
        if kind == "cas":
            op.expected = rng.choice(values)
        if kind != "read" and rng.random() < p_indet:
            op.ret = None
        ops.append(op)
    if consistent:
        _fill_outputs(rng, ops)
    else:
        for op in ops:
            if op.kind == "read":
                op.out = rng.choice(list(values) + [None])
            elif op.kind == "cas":
                op.out = rng.choice(["ok", "fail", "missing"])
            elif op.kind == "create":
                op.out = rng.choice(["ok", "exists"])
            elif op.kind == "delete":
                op.out = rng.choice(["ok", "missing"])
            else:
                op.out = "ok"
    return ops


def _fill_outputs(rng, ops):
    """Picks a linearization point inside each op's window (indeterminate ops: maybe
    never, maybe long after), then runs a register in that order to fill in outputs."""
    points = []
    for op in ops:
        if op.ret is None:
            if rng.random() < 0.5:
                continue
            points.append((op.call + rng.random() * 20, op))
        else:
            points.append((op.call + rng.random() * (op.ret - op.call), op))
    points.sort(key=lambda p: p[0])
    state = None
    for _, op in points:
        k = op.kind
        if k == "read":
            op.out = state
        elif k == "write":
            op.out, state = "ok", op.value
        elif k == "cas":
            if state is None:
                op.out = "missing"
            elif state == op.expected:
                op.out, state = "ok", op.value
            else:
                op.out = "fail"
        elif k == "create":
            if state is None:
                op.out, state = "ok", op.value
            else:
                op.out = "exists"
        elif k == "delete":
            if state is None:
                op.out = "missing"
            else:
                op.out, state = "ok", None
        if op.ret is None and op.out not in ("ok",):
            # An indeterminate op whose effect would be a failure had no effect: it
            # must not change the state (already so) — nothing to do.
            pass
    # Indeterminate ops never linearized keep out=None (ignored by the checker).


class AgainstBruteForce(unittest.TestCase):
    def test_random_small_histories(self):
        rng = random.Random(1234)
        agree = {True: 0, False: 0}
        for _ in range(3000):
            ops = random_history(rng, rng.randrange(1, 7))
            expected = brute_force(ops)
            got = check(ops).ok
            if got is not expected:
                self.fail("checker says %s, brute force %s:\n%s" % (
                    got, expected, "\n".join(op.describe() for op in ops)))
            agree[expected] += 1
        # Both verdicts must be well represented, or the test proves little.
        self.assertGreater(agree[True], 300)
        self.assertGreater(agree[False], 300)

    def test_random_consistent_histories_are_linearizable(self):
        rng = random.Random(99)
        for _ in range(500):
            ops = random_history(rng, rng.randrange(1, 40), consistent=True)
            r = check(ops)
            self.assertIs(r.ok, True, r.explain())


# ---- the sizes the fault suite produces ----------------------------------------------

def workload_history(rng, n_ops, clients=6, p_indet=0.01, p_read=0.3):
    """A register workload like the suite's: unique written values, CAS from the last
    value read, overlapping clients, a few indeterminate ops; outputs from a real
    linearization (so it is linearizable)."""
    t = [0.0] * clients
    ops = []
    recent = [None]
    seq = 0
    for _ in range(n_ops):
        c = rng.randrange(clients)
        call = t[c] + rng.random()
        ret = call + rng.random() * 3
        t[c] = ret
        seq += 1
        val = "c%d-%d" % (c, seq)
        r = rng.random()
        if r < p_read:
            op = Op(client=c, kind="read", call=call, ret=ret)
        elif r < p_read + 0.2:
            op = Op(client=c, kind="write", value=val, call=call, ret=ret)
        else:
            op = Op(client=c, kind="cas", expected=rng.choice(recent[-4:]), value=val,
                    call=call, ret=ret)
        if op.kind != "read":
            recent.append(val)
        if op.kind != "read" and rng.random() < p_indet:
            op.ret = None
        ops.append(op)
    # Linearize at a random point inside each window.
    points = []
    for op in ops:
        if op.ret is None:
            if rng.random() < 0.5:
                points.append((op.call + rng.random() * 5, op))
        else:
            points.append((op.call + rng.random() * (op.ret - op.call), op))
    points.sort(key=lambda p: p[0])
    state = None
    for _, op in points:
        if op.kind == "read":
            op.out = state
        elif op.kind == "write":
            op.out, state = "ok", op.value
        else:
            if state is None:
                op.out = "missing"
            elif state == op.expected:
                op.out, state = "ok", op.value
            else:
                op.out = "fail"
    return ops


class Scale(unittest.TestCase):
    BUDGET_S = float(os.environ.get("LIN_TEST_BUDGET_S", "20"))

    def test_thousands_of_ops_per_key(self):
        rng = random.Random(7)
        ops = workload_history(rng, 4000)
        t0 = time.monotonic()
        r = check(ops, max_seconds=self.BUDGET_S)
        took = time.monotonic() - t0
        self.assertIs(r.ok, True, r.explain())
        sys.stderr.write("\n  4000 ops (%d indeterminate): %.2fs, %d steps\n"
                         % (sum(op.ret is None for op in ops), took, r.steps))
        self.assertLess(took, self.BUDGET_S)

    def test_violation_in_a_long_history_is_found(self):
        rng = random.Random(8)
        ops = workload_history(rng, 3000)
        # Doctor: the last completed read returns a value that was overwritten by an
        # acknowledged write that returned before the read was invoked.
        reads = [op for op in ops if op.kind == "read" and op.out is not None]
        writes = sorted((op for op in ops if op.kind == "write" and op.ret is not None),
                        key=lambda op: op.ret)
        victim = reads[-1]
        older = [w for w in writes if w.ret < victim.call]
        stale = older[-2]
        # Ensure the stale value was overwritten by an acked write before the read.
        self.assertLess(older[-1].ret, victim.call)
        victim.out = stale.value
        t0 = time.monotonic()
        r = check(ops, max_seconds=self.BUDGET_S)
        took = time.monotonic() - t0
        sys.stderr.write("\n  3000 ops with a stale read: %s in %.2fs\n" % (r.ok, took))
        self.assertIs(r.ok, False, "missed a stale read; " + r.explain())

    def test_doctored_lost_write(self):
        rng = random.Random(9)
        ops = workload_history(rng, 2000, p_indet=0.0)
        # Append a final read that returns the value before the last acknowledged write.
        last_t = max(op.ret for op in ops)
        writes = [op for op in ops if op.kind in ("write", "cas") and op.out == "ok"]
        writes.sort(key=lambda op: op.ret)
        # The last two acked mutations, provided they do not overlap each other.
        ops.append(Op(client=99, kind="read", call=last_t + 1, ret=last_t + 2,
                      out=writes[-1].value))
        self.assertIs(check(ops).ok, True)
        ops[-1].out = writes[-2].value if writes[-2].ret < writes[-1].call else "zzz"
        self.assertIs(check(ops, max_seconds=self.BUDGET_S).ok, False)


if __name__ == "__main__":
    unittest.main()
