#!/usr/bin/python3
"""The v3 watch and lease checkers must reject what they exist to catch: a dropped, a
duplicated, a reordered, a foreign or a wrong event; a history with a change but no
event; an acknowledged write missing from the history; lease deletions split across
revisions or differing between members. Recorded sequences, no server.

    /usr/bin/python3 tests/cluster/v3_watch_test.py
"""

import os
import sys
import unittest

if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3") \
        and __name__ == "__main__" and not os.environ.get("CLUSTER_NO_REEXEC"):
    os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import v3util as U  # noqa: E402
import v3_leases as L  # noqa: E402
import v3_watch as W  # noqa: E402
from v3util import Ev  # noqa: E402

P = "/t/"


def k(i):
    return W.key_name(P, i)


# The history of k000..k003 from revision 11 to 16 (prev filled in, as U.history does).
HIST = [
    Ev(11, "PUT", k(0), "a", 11, 1, None),
    Ev(12, "PUT", k(1), "b", 12, 1, None),
    Ev(13, "PUT", k(0), "c", 11, 2, "a"),
    Ev(14, "DELETE", k(1), None, 0, 0, "b"),
    Ev(15, "PUT", k(2), "d", 15, 1, None),
    Ev(15, "PUT", k(3), "e", 15, 1, None),  # a txn: two events at one revision
    Ev(16, "PUT", k(0), "f", 11, 3, "c"),
]
ALL = W.Spec(0, P, U.prefix_end(P), prev_kv=True, what="all")
NOPREV = W.Spec(1, P, U.prefix_end(P), prev_kv=False, what="all")
RANGE = W.Spec(2, k(1), k(3), what="range")     # k001, k002
ONE = W.Spec(3, k(0), None, what="key")


def nop(events):
    return [e._replace(prev=None) for e in events]


class WatchChecker(unittest.TestCase):
    def ok(self, spec, got):
        self.assertEqual(W.check_watcher(spec, got, HIST), [])

    def bad(self, spec, got, text):
        ps = W.check_watcher(spec, got, HIST)
        self.assertTrue(any(text in p for p in ps), "expected %r in %r" % (text, ps))

    def test_exact_sequences_pass(self):
        self.ok(ALL, list(HIST))
        self.ok(NOPREV, nop(HIST))
        self.ok(RANGE, nop([HIST[1], HIST[3], HIST[4]]))
        self.ok(ONE, nop([HIST[0], HIST[2], HIST[6]]))

    def test_events_of_one_revision_in_any_order(self):
        got = list(HIST)
        got[4], got[5] = got[5], got[4]
        self.ok(ALL, got)

    def test_dropped_event(self):
        for i in range(len(HIST)):
            self.bad(ALL, HIST[:i] + HIST[i + 1:], "lost")

    def test_dropped_last_event(self):
        self.bad(ONE, nop([HIST[0], HIST[2]]), "1 of 3 events lost")

    def test_duplicated_event(self):
        for i in range(len(HIST)):
            self.bad(ALL, HIST[:i + 1] + [HIST[i]] + HIST[i + 1:], "more than once")
        # a duplicate re-sent after later events is also out of order
        self.bad(ALL, HIST + [HIST[2]], "out of revision order")

    def test_reordered(self):
        got = list(HIST)
        got[1], got[2] = got[2], got[1]
        self.bad(ALL, got, "out of revision order")

    def test_event_outside_range(self):
        self.bad(RANGE, nop([HIST[0], HIST[1], HIST[3], HIST[4]]), "outside its range")

    def test_wrong_value_type_prev(self):
        got = list(HIST)
        got[2] = got[2]._replace(value="x")
        self.bad(ALL, got, "wrong event")
        got = list(HIST)
        got[3] = got[3]._replace(type="PUT")
        self.bad(ALL, got, "wrong event")
        got = list(HIST)
        got[2] = got[2]._replace(prev=None)  # prev_kv missing
        self.bad(ALL, got, "wrong event")
        got = list(HIST)
        got[6] = got[6]._replace(version=2)
        self.bad(ALL, got, "wrong event")

    def test_event_that_never_happened(self):
        self.bad(ALL, HIST + [Ev(17, "PUT", k(0), "g", 11, 4, "f")], "never happened")
        self.bad(ONE, nop([HIST[0], HIST[2], Ev(14, "DELETE", k(0), None, 0, 0, None),
                           HIST[6]]), "never happened")

    def test_nothing_received(self):
        self.bad(ALL, [], "7 of 7 events lost")

    def test_specs_each_cover_a_key(self):
        import random
        specs = W.make_specs(P, 1000, random.Random(1))
        self.assertEqual(len(specs), 1000)
        keys = [k(i) for i in range(W.N_KEYS)]
        for sp in specs:  # the fence (every key) reaches every watcher
            self.assertTrue(any(sp.covers(x) for x in keys), sp.describe())
        singles = [sp.key for sp in specs if sp.what == "key"]
        self.assertEqual(sorted(singles), keys)  # distinct: one watcher per key
        self.assertTrue(any(sp.late for sp in specs) and any(sp.prev_kv for sp in specs))


class History(unittest.TestCase):
    """U.history rebuilds events from ranges at every revision."""

    def run_history(self, states, r0, r1):
        saved = U.snapshot
        U.snapshot = lambda c, key, end, rev, serializable=True: states[rev]
        try:
            return U.history(None, P, U.prefix_end(P), r0, r1)
        finally:
            U.snapshot = saved

    def test_rebuild(self):
        states = {10: {},
                  11: {k(0): ("a", 11, 11, 1)},
                  12: {k(0): ("a", 11, 11, 1), k(1): ("b", 12, 12, 1)},
                  13: {k(0): ("c", 13, 11, 2), k(1): ("b", 12, 12, 1)},
                  14: {k(0): ("c", 13, 11, 2)},
                  15: {k(0): ("c", 13, 11, 2), k(2): ("d", 15, 15, 1), k(3): ("e", 15, 15, 1)},
                  16: {k(0): ("f", 16, 11, 3), k(2): ("d", 15, 15, 1), k(3): ("e", 15, 15, 1)}}
        self.assertEqual(self.run_history(states, 10, 16), HIST)

    def test_change_without_event_is_an_error(self):
        states = {10: {k(0): ("a", 9, 9, 1)}, 11: {k(0): ("b", 9, 9, 1)}}
        with self.assertRaises(AssertionError):
            self.run_history(states, 10, 11)

    def test_event_of_watch_event(self):
        import etcd3.etcdrpc.kv_pb2 as rpc
        import etcd3.events as events
        raw = rpc.Event(type=rpc.Event.PUT,
                        kv=rpc.KeyValue(key=b"/t/k000", value=b"c", mod_revision=13,
                                        create_revision=11, version=2),
                        prev_kv=rpc.KeyValue(key=b"/t/k000", value=b"a"))
        self.assertEqual(U.event_of(events.new_event(raw), True), HIST[2])
        self.assertEqual(U.event_of(events.new_event(raw), False), HIST[2]._replace(prev=None))
        raw = rpc.Event(type=rpc.Event.DELETE, kv=rpc.KeyValue(key=b"/t/k001", mod_revision=14),
                        prev_kv=rpc.KeyValue(key=b"/t/k001", value=b"b"))
        self.assertEqual(U.event_of(events.new_event(raw), True), HIST[3])


class Writes(unittest.TestCase):
    class FakeWriter:
        def __init__(self, acked, sent):
            self.acked = acked
            self.sent_values = sent

    def test_acknowledged_writes(self):
        sent = {"a", "b", "c", "d", "e", "f"}
        acked = [(11, [(k(0), "a")]), (14, [(k(1), None)]), (15, [(k(2), "d"), (k(3), "e")])]
        self.assertEqual(W.check_writes(self.FakeWriter(acked, sent), HIST), [])
        lost = acked + [(17, [(k(0), "g")])]
        self.assertTrue(W.check_writes(self.FakeWriter(lost, sent | {"g"}), HIST))
        wrong_rev = [(12, [(k(0), "a")])]
        self.assertTrue(W.check_writes(self.FakeWriter(wrong_rev, sent), HIST))
        self.assertTrue(any("nobody wrote" in p for p in
                            W.check_writes(self.FakeWriter([], sent - {"d"}), HIST)))


class LeaseChecker(unittest.TestCase):
    KEYS = [k(0), k(1), k(2)]

    def dels(self, rev, keys=None):
        return [Ev(rev, "DELETE", x, None, 0, 0, None) for x in (keys or self.KEYS)]

    def test_one_revision_everywhere_passes(self):
        seen = {0: self.dels(20), 1: self.dels(20), 2: self.dels(20)}
        problems, rev = L.check_expiry_events(self.KEYS, seen)
        self.assertEqual((problems, rev), ([], 20))

    def test_split_revisions(self):
        seen = {0: self.dels(20, self.KEYS[:2]) + self.dels(21, self.KEYS[2:])}
        self.assertTrue(L.check_expiry_events(self.KEYS, seen)[0])

    def test_differs_between_members(self):
        seen = {0: self.dels(20), 1: self.dels(21)}
        self.assertTrue(L.check_expiry_events(self.KEYS, seen)[0])

    def test_missing_duplicate_or_put(self):
        self.assertTrue(L.check_expiry_events(self.KEYS, {0: self.dels(20)[:2]})[0])
        self.assertTrue(L.check_expiry_events(self.KEYS, {0: self.dels(20) + self.dels(20)[:1]})[0])
        put = [Ev(19, "PUT", k(0), "x", 19, 2, None)]
        self.assertTrue(L.check_expiry_events(self.KEYS, {0: put + self.dels(20)})[0])


if __name__ == "__main__":
    if U.missing_clients():
        print("SKIP: " + U.missing_clients())
        sys.exit(77)
    unittest.main(verbosity=1)
