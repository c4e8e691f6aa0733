"""The real python3-etcd client (`import etcd`, Debian python3-etcd 0.4.5) against the
member under test: results, exceptions, watches, cluster helpers."""

import etcd

from compat import CompatCase, ENV, in_thread, wait_until


class PyCase(CompatCase):
    def setUp(self):
        super().setUp()
        self.c = self.pyclient()


class PythonEtcdKeys(PyCase):
    def test_write_read(self):
        r = self.c.write(self.k("a"), "1")
        self.assertEqual((r.action, r.key, r.value, r.newKey, r.dir),
                         ("set", self.k("a"), "1", True, False))
        self.assertEqual(r.modifiedIndex, r.createdIndex)
        self.assertEqual(r.etcd_index, r.modifiedIndex)
        self.assertGreaterEqual(r.raft_index, r.etcd_index)
        g = self.c.read(self.k("a"))
        self.assertEqual((g.action, g.value, g.modifiedIndex), ("get", "1", r.modifiedIndex))
        r2 = self.c.write(self.k("a"), "2")
        self.assertFalse(r2.newKey)
        self.assertEqual(r2._prev_node.value, "1")
        self.assertEqual(self.c.get(self.k("a")).value, "2")
        self.assertTrue(self.k("a") in self.c)
        self.assertFalse(self.k("nope") in self.c)

    def test_key_not_found(self):
        self.c.write(self.k("x"), "1")
        with self.assertRaises(etcd.EtcdKeyNotFound) as cm:
            self.c.read(self.k("missing"))
        self.assertEqual(cm.exception.payload["errorCode"], 100)
        self.assertEqual(cm.exception.payload["cause"], self.k("missing"))
        with self.assertRaises(etcd.EtcdKeyNotFound):
            self.c.delete(self.k("missing"))

    def test_prev_exist(self):
        r = self.c.write(self.k("a"), "1", prevExist=False)
        self.assertEqual(r.action, "create")
        with self.assertRaises(etcd.EtcdAlreadyExist) as cm:
            self.c.write(self.k("a"), "2", prevExist=False)
        self.assertEqual(cm.exception.payload["errorCode"], 105)
        r = self.c.write(self.k("a"), "3", prevExist=True)
        self.assertEqual((r.action, r.value), ("update", "3"))
        with self.assertRaises(etcd.EtcdKeyNotFound):
            self.c.write(self.k("b"), "3", prevExist=True)

    def test_prev_value_and_test_and_set(self):
        self.c.write(self.k("a"), "old")
        r = self.c.test_and_set(self.k("a"), "new", "old")
        self.assertEqual((r.action, r.value), ("compareAndSwap", "new"))
        with self.assertRaises(etcd.EtcdCompareFailed) as cm:
            self.c.test_and_set(self.k("a"), "x", "old")
        self.assertIn("Compare failed", str(cm.exception))
        self.assertEqual(cm.exception.payload["cause"], "[old != new]")
        with self.assertRaises(etcd.EtcdCompareFailed):
            self.c.write(self.k("a"), "x", prevValue="nope")
        self.assertEqual(self.c.read(self.k("a")).value, "new")

    def test_prev_index_and_update(self):
        r = self.c.write(self.k("a"), "1")
        with self.assertRaises(etcd.EtcdCompareFailed):
            self.c.write(self.k("a"), "x", prevIndex=r.modifiedIndex + 1000)
        obj = self.c.read(self.k("a"))
        obj.value = "2"
        u = self.c.update(obj)  # prevIndex CAS under the hood
        self.assertEqual((u.action, u.value), ("compareAndSwap", "2"))
        obj.value = "3"  # stale modifiedIndex now
        with self.assertRaises(etcd.EtcdCompareFailed):
            self.c.update(obj)
        self.assertEqual(self.c.read(self.k("a")).value, "2")

    def test_delete_pop_and_compare_and_delete(self):
        self.c.write(self.k("a"), "1")
        d = self.c.delete(self.k("a"))
        self.assertEqual((d.action, d.key, d.value), ("delete", self.k("a"), None))
        self.assertEqual(d._prev_node.value, "1")
        self.c.write(self.k("b"), "popped")
        self.assertEqual(self.c.pop(self.k("b")).value, "popped")
        r = self.c.write(self.k("c"), "v")
        with self.assertRaises(etcd.EtcdCompareFailed):
            self.c.delete(self.k("c"), prevValue="w")
        with self.assertRaises(etcd.EtcdCompareFailed):
            self.c.delete(self.k("c"), prevIndex=r.modifiedIndex + 1000)
        d = self.c.delete(self.k("c"), prevIndex=r.modifiedIndex)
        self.assertEqual(d.action, "compareAndDelete")
        with self.assertRaises(etcd.EtcdKeyNotFound):
            self.c.read(self.k("c"))

    def test_append_in_order(self):
        results = [self.c.write(self.k("q"), "v%d" % i, append=True) for i in range(5)]
        for r in results:
            self.assertEqual(r.action, "create")
            self.assertTrue(r.newKey)
            self.assertEqual(r.key, self.k("q/%020d" % r.createdIndex))
        listing = self.c.read(self.k("q"), sorted=True)
        self.assertEqual([(n.key, n.value) for n in listing.leaves],
                         [(r.key, r.value) for r in results])
        self.assertEqual([n.value for n in listing.leaves], ["v%d" % i for i in range(5)])

    def test_directories(self):
        r = self.c.write(self.k("d"), None, dir=True)
        self.assertTrue(r.dir)
        self.assertEqual(r.action, "set")
        with self.assertRaises(etcd.EtcdNotFile):
            self.c.write(self.k("d"), "v")
        self.c.write(self.k("d/f"), "1")
        with self.assertRaises(etcd.EtcdNotDir):
            self.c.write(self.k("d/f/g"), "1")
        with self.assertRaises(etcd.EtcdNotFile):
            self.c.delete(self.k("d"))
        with self.assertRaises(etcd.EtcdDirNotEmpty):
            self.c.delete(self.k("d"), dir=True)
        with self.assertRaises(etcd.EtcdAlreadyExist):
            self.c.write(self.k("d"), None, dir=True, prevExist=False)
        d = self.c.delete(self.k("d"), recursive=True)
        self.assertTrue(d.dir)
        with self.assertRaises(etcd.EtcdKeyNotFound):
            self.c.read(self.k("d/f"))

    def test_recursive_sorted_listing(self):
        for k in ("b", "a", "sub/z", "sub/y", "_hidden"):
            self.c.write(self.k("t/" + k), k)
        r = self.c.read(self.k("t"), recursive=True, sorted=True)
        self.assertTrue(r.dir)
        self.assertEqual([n.key for n in r.leaves],
                         [self.k("t/" + x) for x in ("a", "b", "sub/y", "sub/z")])
        self.assertEqual([n.key for n in r.get_subtree()],
                         [self.k("t")] + [self.k("t/" + x)
                                          for x in ("a", "b", "sub", "sub/y", "sub/z")])
        flat = self.c.read(self.k("t"), sorted=True)
        self.assertEqual([(n["key"], n.get("dir", False)) for n in flat._children],
                         [(self.k("t/a"), False), (self.k("t/b"), False),
                          (self.k("t/sub"), True)])

    def test_root_read_only(self):
        with self.assertRaises(etcd.EtcdRootReadOnly):
            self.c.delete("/")
        with self.assertRaises(etcd.EtcdRootReadOnly):
            self.c.write("/", "x")

    def test_ttl_and_refresh(self):
        r = self.c.write(self.k("t"), "v", ttl=300)
        self.assertEqual(r.ttl, 300)
        self.assertTrue(r.expiration.endswith("Z"))
        self.assertIn(self.c.read(self.k("t")).ttl, range(290, 301))
        f = self.c.refresh(self.k("t"), ttl=600)
        self.assertEqual((f.action, f.value, f.ttl), ("update", "v", 600))
        self.assertEqual(f.createdIndex, r.createdIndex)
        with self.assertRaises(etcd.EtcdKeyNotFound):
            self.c.refresh(self.k("nope"), ttl=5)
        with self.assertRaises(etcd.EtcdValueError) as cm:
            self.c.write(self.k("t"), "v", ttl="abc")
        self.assertEqual(cm.exception.payload["errorCode"], 202)

    def test_ttl_expiry(self):
        self.c.write(self.k("t"), "v", ttl=1)
        wait_until(lambda: self.k("t") not in self.c, timeout=20, what="ttl=1 key to expire")
        with self.assertRaises(etcd.EtcdKeyNotFound):
            self.c.read(self.k("t"))

    def test_dir_ttl_update(self):
        self.c.write(self.k("d"), None, dir=True)
        r = self.c.write(self.k("d"), None, dir=True, ttl=300, prevExist=True)
        self.assertEqual((r.action, r.dir, r.ttl), ("update", True, 300))

    def test_quorum_read(self):
        w = self.c.write(self.k("a"), "1")
        r = self.c.read(self.k("a"), quorum=True)
        self.assertEqual((r.value, r.modifiedIndex), ("1", w.modifiedIndex))


class PythonEtcdWatch(PyCase):
    def test_watch_with_index_from_history(self):
        r1 = self.c.write(self.k("w"), "1")
        r2 = self.c.write(self.k("w"), "2")
        ev = self.c.watch(self.k("w"), index=r1.modifiedIndex)
        self.assertEqual((ev.action, ev.value, ev.modifiedIndex), ("set", "1", r1.modifiedIndex))
        ev = self.c.watch(self.k("w"), index=r1.modifiedIndex + 1)
        self.assertEqual((ev.value, ev.modifiedIndex), ("2", r2.modifiedIndex))
        self.assertEqual(ev._prev_node.value, "1")

    def test_watch_blocks_until_change(self):
        start = self.c.write(self.k("w"), "0")
        join = in_thread(self.c.watch, self.k("w"), start.modifiedIndex + 1, 20)
        w = self.c.write(self.k("w"), "1")
        ev = join()
        self.assertEqual((ev.action, ev.value, ev.modifiedIndex), ("set", "1", w.modifiedIndex))

    def test_recursive_watch(self):
        r = self.c.write(self.k("d/a"), "1")
        ev = self.c.watch(self.k("d"), index=r.modifiedIndex, recursive=True)
        self.assertEqual((ev.key, ev.value), (self.k("d/a"), "1"))

    def test_eternal_watch(self):
        first = self.c.write(self.k("e"), "0")
        for i in range(1, 4):
            self.c.write(self.k("e"), str(i))
        gen = self.c.eternal_watch(self.k("e"), index=first.modifiedIndex + 1)
        self.assertEqual([next(gen).value for _ in range(3)], ["1", "2", "3"])

    def test_watch_timeout(self):
        self.c.write(self.k("quiet"), "0")
        with self.assertRaises(etcd.EtcdWatchTimedOut):
            self.c.watch(self.k("quiet"), timeout=1)

    def test_watch_sees_delete_and_expire(self):
        r = self.c.write(self.k("t"), "v", ttl=1)
        ev = self.c.watch(self.k("t"), index=r.modifiedIndex + 1, timeout=20)
        self.assertEqual((ev.action, ev.key, ev.value), ("expire", self.k("t"), None))
        self.assertEqual(ev._prev_node.value, "v")
        r = self.c.write(self.k("x"), "v")
        self.c.delete(self.k("x"))
        ev = self.c.watch(self.k("x"), index=r.modifiedIndex + 1)
        self.assertEqual(ev.action, "delete")

    def test_event_index_cleared(self):
        r = self.c.write(self.k("old"), "1")
        self.flood(1010)
        with self.assertRaises(etcd.EtcdEventIndexCleared) as cm:
            self.c.watch(self.k("old"), index=r.modifiedIndex)
        self.assertEqual(cm.exception.payload["errorCode"], 401)


class PythonEtcdCluster(PyCase):
    def test_members(self):
        members = self.c.members
        self.assertEqual(len(members), ENV.size)
        self.assertEqual(sorted(u for m in members.values() for u in m["clientURLs"]),
                         sorted(self.urls))
        for mid, m in members.items():
            self.assertEqual(m["id"], mid)

    def test_leader(self):
        leader = self.c.leader
        want = self.cluster.stats_self(self.cluster.leader())["id"]
        self.assertEqual(leader["id"], want)
        self.assertEqual(leader["clientURLs"], [self.urls[self.cluster.leader()]])

    def test_machines(self):
        self.assertEqual(sorted(self.c.machines), sorted(self.urls))

    def test_stats(self):
        s = self.c.stats
        self.assertEqual(s["name"], self.cluster.members[ENV.target].name)
        self.assertIn(s["state"], ("StateLeader", "StateFollower"))
        self.assertIn("getsSuccess", self.c.store_stats)

    def test_leader_stats(self):
        lead = self.cluster.leader()
        ls = self.pyclient(self.urls[lead]).leader_stats
        self.assertEqual(len(ls["followers"]), ENV.size - 1)
        self.assertEqual(ls["leader"], self.cluster.stats_self(lead)["id"])
        if ENV.target != lead:
            with self.assertRaises(etcd.EtcdException) as cm:
                self.c.leader_stats
            self.assertIn("not current leader", str(cm.exception))

    def test_version(self):
        self.assertRegex(self.c.version, r"^\d+\.\d+\.\d+")
        self.assertRegex(self.c.cluster_version, r"^\d+\.\d+\.\d+$")

    def test_cluster_id_tracked(self):
        self.c.write(self.k("a"), "1")
        cid = self.c.expected_cluster_id
        self.assertRegex(cid or "", r"^[1-9a-f][0-9a-f]{0,15}$")
        other = self.pyclient(expected_cluster_id="1234")
        with self.assertRaises(etcd.EtcdClusterIdChanged):
            other.read(self.k("a"))
