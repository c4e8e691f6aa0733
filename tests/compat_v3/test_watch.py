"""Watch service through `etcdctl watch` run as a subprocess: output is read by a thread and
waited for with deadlines; the process is terminated at the end of each case.

A watch started with --rev R (R > the current revision) sees every later write however
late it registers, so those cases need no synchronisation. Cases watching "from now"
first put a marker key under the watched range until the watcher prints it (it is then
registered), and compare what follows."""

import json
import time

from v3compat import V3Case, b64, needs_cluster

COMPACTED_DESC = "etcdserver: mvcc: required revision has been compacted"


def events_simple(*evs):
    """Expected `etcdctl watch` simple output lines for (type, key, value[, prev]) events."""
    lines = []
    for ev in evs:
        typ, key, value = ev[:3]
        lines.append(typ)
        if len(ev) > 3 and ev[3] is not None:
            lines += [key, ev[3]]
        lines += [key, value]
    return lines


class CtlWatch(V3Case):
    SERVICES = ("watch", "kv")

    def synced(self, proc, key, json_mode=False, timeout=30.0):
        """Puts `key` = marker values until the watcher prints one; returns the index of
        the first output line after that marker."""
        deadline = time.monotonic() + timeout
        i = 0
        while True:
            i += 1
            marker = "sync-%d" % i
            self.put(key, marker)
            needle = b64(marker) if json_mode else marker

            def seen(lines):
                for n, ln in enumerate(lines):
                    if (needle in ln) if json_mode else (ln == needle):
                        return n + 1
                return None
            try:
                return proc.wait_lines(seen, timeout=1.0, what="marker %s" % marker)
            except AssertionError:
                if proc.proc.poll() is not None or time.monotonic() > deadline:
                    raise

    def test_key(self):
        k = self.k("a")
        r = self.rev()
        w = self.bg("watch", k, "--rev", r + 1)
        self.put(k, "v1")
        self.put(self.k("other"), "x")
        self.put(k, "v2")
        self.ctl_ok("del", k)
        want = events_simple(("PUT", k, "v1"), ("PUT", k, "v2"), ("DELETE", k, ""))
        self.assertEqual(w.wait_count(len(want)), want)

    def test_prefix(self):
        r = self.rev()
        w = self.bg("watch", self.k(), "--prefix", "--rev", r + 1)
        self.put(self.k("a"), "1")
        self.put(self.k().rstrip("/") + "0", "outside")
        self.put(self.k("b/c"), "2")
        self.ctl_ok("del", self.k(), "--prefix")
        want = events_simple(("PUT", self.k("a"), "1"), ("PUT", self.k("b/c"), "2"),
                             ("DELETE", self.k("a"), ""), ("DELETE", self.k("b/c"), ""))
        self.assertEqual(w.wait_count(len(want)), want)

    def test_range(self):
        r = self.rev()
        w = self.bg("watch", self.k("b"), self.k("d"), "--rev", r + 1)  # [b, d)
        for name in ("a", "b", "c", "d"):
            self.put(self.k(name), name)
        want = events_simple(("PUT", self.k("b"), "b"), ("PUT", self.k("c"), "c"))
        self.assertEqual(w.wait_count(len(want)), want)

    def test_prev_kv(self):
        k = self.k("a")
        r = self.rev()
        w = self.bg("watch", k, "--prev-kv", "--rev", r + 1)
        self.put(k, "1")
        self.put(k, "2")
        self.ctl_ok("del", k)
        # the previous key-value is printed before the event's own
        want = events_simple(("PUT", k, "1"), ("PUT", k, "2", "1"), ("DELETE", k, "", "2"))
        self.assertEqual(w.wait_count(len(want)), want)

    def test_rev_replays_history(self):
        k = self.k("a")
        r1 = self.put(k, "1")
        self.put(k, "2")
        self.put(k, "3")
        w = self.bg("watch", k, "--rev", r1 + 1)
        want = events_simple(("PUT", k, "2"), ("PUT", k, "3"))
        self.assertEqual(w.wait_count(len(want)), want)
        self.put(k, "4")  # then continues live
        want += events_simple(("PUT", k, "4"))
        self.assertEqual(w.wait_count(len(want)), want)

    @needs_cluster
    def test_watch_on_leader_write_on_follower(self):
        k = self.k("a")
        r = self.rev()
        w = self.bg("watch", k, "--rev", r + 1, endpoints=self.urls[self.cluster.leader()])
        self.put(k, "1")  # through the follower under test
        self.assertEqual(w.wait_count(3), events_simple(("PUT", k, "1")))

    def test_from_now(self):
        w = self.bg("watch", self.k(), "--prefix")
        start = self.synced(w, self.k("sync"))
        self.put(self.k("a"), "x")
        self.ctl_ok("del", self.k("a"))
        want = events_simple(("PUT", self.k("a"), "x"), ("DELETE", self.k("a"), ""))
        self.assertEqual(w.wait_count(start + len(want))[start:], want)

    def test_json(self):
        w = self.bg("watch", self.k(), "--prefix", "--prev-kv", "-w", "json")
        start = self.synced(w, self.k("sync"), json_mode=True)
        k = self.k("a")
        r1 = self.put(k, "1")
        r2 = self.put(k, "2")
        r3 = self.ctl_json("del", k)["header"]["revision"]
        lines = w.wait_lines(lambda ls: ls[start:] if len(
            [e for ln in ls[start:] for e in json.loads(ln)["Events"]]) >= 3 else None)
        resps = [json.loads(ln) for ln in lines]
        events = []
        for resp in resps:
            self.assertEqual(sorted(resp), ["Canceled", "CompactRevision", "Created", "Events",
                                            "Header"], resp)
            self.assertEqual((resp["CompactRevision"], resp["Canceled"], resp["Created"]),
                             (0, False, False), resp)
            self.assertHeader(resp["Header"])
            # a synced watcher gets one response per revision, headed by that revision
            revs = {e["kv"]["mod_revision"] for e in resp["Events"]}
            self.assertEqual(revs, {resp["Header"]["revision"]}, resp)
            events += resp["Events"]
        self.assertEqual(events, [
            {"kv": self.kv(k, "1", r1, r1, 1)},
            {"kv": self.kv(k, "2", r1, r2, 2), "prev_kv": self.kv(k, "1", r1, r1, 1)},
            # DELETE is type 1 (PUT, 0, is omitted); the deleted kv has only key, mod_revision
            {"type": 1, "kv": {"key": b64(k), "mod_revision": r3},
             "prev_kv": self.kv(k, "2", r1, r2, 2)},
        ])

    def test_txn_events_in_one_response(self):
        r = self.rev()
        w = self.bg("watch", self.k(), "--prefix", "--rev", r + 1, "-w", "json")
        txn = "\nput %s 1\nput %s 2\n\n\n" % (self.k("a"), self.k("b"))
        rev = self.ctl_json("txn", input=txn)["header"]["revision"]
        resp = json.loads(w.wait_count(1)[0])
        self.assertEqual(resp["Events"], [{"kv": self.kv(self.k("a"), "1", rev, rev, 1)},
                                          {"kv": self.kv(self.k("b"), "2", rev, rev, 1)}])

    def test_compacted_revision(self):
        k = self.k("a")
        r1 = self.put(k, "1")
        r2 = self.put(k, "2")
        self.ctl_ok("compaction", r2)
        r = self.ctl("watch", k, "--rev", r1, timeout=30)
        # exit status 5 (ExitInterrupted); the reason on stderr
        self.assertEqual(r.rc, 5, r)
        self.assertEqual(r.out, "", r)
        self.assertEqual(r.errlines, ["watch was canceled (%s)" % COMPACTED_DESC,
                                      "Error: watch is canceled by the server"], r)
        r = self.ctl("watch", k, "--rev", r1, "-w", "json", timeout=30)
        self.assertEqual(r.rc, 5, r)
        j = json.loads(r.out)
        self.assertHeader(j["Header"], has_revision=False)  # revision 0: omitted
        self.assertEqual({x: j[x] for x in j if x != "Header"},
                         {"Events": [], "CompactRevision": r2, "Canceled": True,
                          "Created": False})

    def test_watch_at_compaction_revision_ok(self):
        # the compaction revision itself is still watchable
        k = self.k("a")
        self.put(k, "1")
        r2 = self.put(k, "2")
        self.ctl_ok("compaction", r2)
        w = self.bg("watch", k, "--rev", r2)
        self.assertEqual(w.wait_count(3), events_simple(("PUT", k, "2")))
