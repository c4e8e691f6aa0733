"""Unit tests of the round checks besides linearizability (ctest: cluster_checks): each
check accepts a sound history and rejects a doctored one.

    /usr/bin/python3 tests/cluster/checks_test.py [-v]
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checks  # noqa: E402
from linearizability import Op  # noqa: E402
from workload import PlainRead  # noqa: E402


def app(client, key, expected, value, token, call, ret, out):
    kind = "create" if expected is None else "cas"
    op = Op(client=client, key=key, kind=kind, expected=expected, value=value, call=call,
            ret=ret, out=out)
    op.meta = {"append": token}
    return op


def appends_history():
    k = "/app"
    return [
        app(1, k, None, "a1", "a1", 0, 1, "ok"),
        app(2, k, "a1", "a1 a2", "a2", 2, 3, "ok"),
        app(3, k, "a1", "a1 a3", "a3", 2, 3, "fail"),
        app(3, k, "a1 a2", "a1 a2 a4", "a4", 4, None, None),  # indeterminate
    ]


class Appends(unittest.TestCase):
    def test_sound(self):
        ops = appends_history()
        self.assertEqual(checks.appends(ops, {"/app": "a1 a2"}, ["/app"]), [])
        self.assertEqual(checks.appends(ops, {"/app": "a1 a2 a4"}, ["/app"]), [])

    def test_lost_acknowledged_append(self):
        p = checks.appends(appends_history(), {"/app": "a1"}, ["/app"])
        self.assertTrue(any("lost: a2" in x for x in p), p)

    def test_duplicate(self):
        p = checks.appends(appends_history(), {"/app": "a1 a2 a2"}, ["/app"])
        self.assertTrue(any("more than once: a2" in x for x in p), p)

    def test_phantom(self):
        # a3's CAS failed definitely: it must not be there.
        p = checks.appends(appends_history(), {"/app": "a1 a2 a3"}, ["/app"])
        self.assertTrue(any("nobody appended: a3" in x for x in p), p)


def w(client, key, value, call, ret, index, kind="write", out="ok"):
    return Op(client=client, key=key, kind=kind, value=value, call=call, ret=ret, out=out,
              index=index)


def qr(client, key, value, call, ret, index, etcd_index):
    op = Op(client=client, key=key, kind="read", call=call, ret=ret, out=value, index=index)
    op.meta = {"etcd_index": etcd_index}
    return op


def pr(key, member, inc, call, ret, value, modified, etcd_index):
    return PlainRead(0, key, member, inc, call, ret, value, modified, etcd_index)


class Indexes(unittest.TestCase):
    def base(self):
        return [w(1, "/k", "x", 0, 1, 10), w(1, "/k", "y", 2, 3, 12),
                w(2, "/j", "z", 0, 1, 11)]

    def test_sound(self):
        ops = self.base() + [qr(3, "/k", "y", 4, 5, 12, 12)]
        plain = [pr("/k", 0, 0, 4, 5, "x", 10, 11), pr("/k", 0, 0, 6, 7, "y", 12, 12)]
        self.assertEqual(checks.indexes(ops, plain), [])

    def test_duplicate_index(self):
        ops = self.base() + [w(2, "/j", "q", 4, 5, 12)]
        p = checks.indexes(ops, [])
        self.assertTrue(any("share etcd index 12" in x for x in p), p)

    def test_read_with_wrong_modified_index(self):
        ops = self.base() + [qr(3, "/k", "y", 4, 5, 13, 13)]
        p = checks.indexes(ops, [])
        self.assertTrue(any("modifiedIndex 13 for a value written at 12" in x for x in p), p)

    def test_plain_read_missing_a_mutation_below_its_index(self):
        # Served at index 12 but shows x (10): y (12) is missing: not a prefix state.
        p = checks.indexes(self.base(), [pr("/k", 1, 0, 4, 5, "x", 10, 12)])
        self.assertTrue(any("misses the acknowledged mutation at 12" in x for x in p), p)

    def test_value_nobody_wrote(self):
        p = checks.indexes(self.base(), [pr("/k", 1, 0, 4, 5, "zzz", 30, 30)])
        self.assertTrue(any("nobody wrote" in x for x in p), p)

    def test_member_goes_back_in_time(self):
        plain = [pr("/k", 1, 0, 4, 5, "y", 12, 12), pr("/k", 1, 0, 6, 7, "x", 10, 11)]
        p = checks.indexes(self.base(), plain)
        self.assertTrue(any("went back in time" in x for x in p), p)
        # A different process (after a restart) or overlapping reads: not compared.
        plain[1] = pr("/k", 1, 1, 6, 7, "x", 10, 11)
        self.assertEqual(checks.indexes(self.base(), plain), [])


class Linearizable(unittest.TestCase):
    def test_reports_per_key(self):
        ops = [w(1, "/k", "x", 0, 1, 10), qr(2, "/k", None, 2, 3, None, 10),
               w(1, "/j", "y", 0, 1, 11), qr(2, "/j", "y", 2, 3, 11, 11)]
        problems, results = checks.linearizable(ops)
        self.assertEqual(len(problems), 1)
        self.assertIn("'/k'", problems[0])
        self.assertIs(results["/j"].ok, True)


if __name__ == "__main__":
    unittest.main()
