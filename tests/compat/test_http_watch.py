"""Raw HTTP: watches (wait=true long-poll, waitIndex history, recursive, stream),
TTL expiry seen through watches, refresh without events, history cleared (401).

Synchronisation: a long-poll's status line and headers arrive once the watch is
registered, so a write made after Watch() returns is always seen; replays use
waitIndex. TTL expiry is observed by a watch with a generous timeout, never a sleep.
"""

from compat import CompatCase, Watch, keypath, wait_until, http_request

EXPIRE_TIMEOUT = 20.0  # seconds; expiry is ~1-1.5 s after a ttl=1 write on etcd 3.4


class WatchCase(CompatCase):
    def watch(self, key, url=None, timeout=20.0, **params):
        params.setdefault("wait", "true")
        w = Watch(url or self.url, keypath(key), params, timeout=timeout)
        self.addCleanup(w.close)
        return w

    def index_of(self, r):
        return r.json()["node"]["modifiedIndex"]


class HttpWatch(WatchCase):
    def test_long_poll_headers_then_event(self):
        start = self.etcd_index()
        w = self.watch(self.k("a"))
        self.assertEqual(w.status, 200)
        self.assertEqual(w.headers.get("content-type"), "application/json")
        self.assertRegex(w.headers.get("x-etcd-cluster-id", ""), r"^[1-9a-f][0-9a-f]{0,15}$")
        for h in ("x-raft-index", "x-raft-term"):
            self.assertIn(h, w.headers)
        # X-Etcd-Index is the index when the watch started
        self.assertGreaterEqual(int(w.headers["x-etcd-index"]), start)
        hdr_index = int(w.headers["x-etcd-index"])
        r = self.put(self.k("a"), "1")
        ev = w.read_json()
        self.assertEqual(ev, {"action": "set", "node": r.json()["node"]})
        self.assertLess(hdr_index, ev["node"]["modifiedIndex"])

    def test_wait_index_replays_history_with_prev_node(self):
        n1 = self.put(self.k("a"), "1").json()["node"]
        r2 = self.put(self.k("a"), "2").json()
        self.put(self.k("a"), "3")
        ev = self.watch(self.k("a"), waitIndex=str(n1["modifiedIndex"])).read_json()
        self.assertEqual(ev, {"action": "set", "node": n1})
        ev = self.watch(self.k("a"), waitIndex=str(n1["modifiedIndex"] + 1)).read_json()
        self.assertEqual(ev, r2)
        self.assertEqual(ev["prevNode"], n1)

    def test_wait_index_in_the_future_waits_for_that_index(self):
        start = self.etcd_index()
        w = self.watch(self.k("a"), waitIndex=str(start + 2))
        self.assertEqual(w.status, 200)
        first = self.put(self.k("a"), "first").json()["node"]
        second = self.put(self.k("a"), "second").json()["node"]
        ev = w.read_json()
        # the first event on the key at or after start+2 (normally the second write)
        want = first if first["modifiedIndex"] >= start + 2 else second
        self.assertEqual(ev["node"], want)

    def test_recursive_watch_sees_children(self):
        self.put(self.k("d"), dir="true")
        w = self.watch(self.k("d"), recursive="true")
        r = self.req("POST", self.k("d/q"), form={"value": "x"})
        ev = w.read_json()
        self.assertEqual(ev["action"], "create")
        self.assertEqual(ev["node"], r.json()["node"])

    def test_non_recursive_watch_on_dir_ignores_children(self):
        d = self.put(self.k("d"), dir="true").json()["node"]
        self.put(self.k("d/child"), "1")
        upd = self.req("PUT", self.k("d"), params={"dir": "true", "prevExist": "true",
                                                   "ttl": "300"})
        ev = self.watch(self.k("d"), waitIndex=str(d["modifiedIndex"] + 1)).read_json()
        self.assertEqual(ev["action"], "update")
        self.assertEqual(ev["node"]["key"], self.k("d"))
        self.assertEqual(ev["node"]["modifiedIndex"], self.index_of(upd))

    def test_deleting_parent_notifies_watcher_of_child(self):
        c = self.put(self.k("p/c/d"), "1").json()["node"]
        w = self.watch(self.k("p/c/d"))
        r = self.req("DELETE", self.k("p"), params={"recursive": "true"})
        ev = w.read_json()
        self.assertEqual(ev, r.json())
        self.assertEqual(ev["action"], "delete")
        self.assertEqual(ev["node"], {"key": self.k("p"), "dir": True,
                                      "modifiedIndex": self.index_of(r),
                                      "createdIndex": c["createdIndex"]})

    def test_watch_events_for_each_action(self):
        start = self.etcd_index() + 1
        self.put(self.k("a"), "1")                                           # set
        self.put(self.k("a"), "2", prevExist="true")                         # update
        self.put(self.k("a"), "3", prevValue="2")                            # compareAndSwap
        self.req("DELETE", self.k("a"), params={"prevValue": "3"})           # compareAndDelete
        self.put(self.k("a"), "4", prevExist="false")                        # create
        self.req("DELETE", self.k("a"))                                      # delete
        actions, idx = [], start
        for _ in range(6):
            ev = self.watch(self.k("a"), waitIndex=str(idx)).read_json()
            actions.append(ev["action"])
            idx = ev["node"]["modifiedIndex"] + 1
        self.assertEqual(actions, ["set", "update", "compareAndSwap", "compareAndDelete",
                                   "create", "delete"])

    def test_stream_delivers_many_events_on_one_response(self):
        w = self.watch(self.k("s"), stream="true")
        self.assertEqual(w.status, 200)
        nodes = [self.put(self.k("s"), str(i)).json()["node"] for i in range(3)]
        got = [w.read_event_line() for _ in range(3)]
        self.assertEqual([e["node"] for e in got], nodes)
        self.assertEqual([e["action"] for e in got], ["set"] * 3)
        self.assertEqual(got[1]["prevNode"], nodes[0])

    def test_watcher_released_when_client_goes_away(self):
        def watchers():
            r = http_request(self.url, "GET", "/v2/stats/store")
            return r.json()["watchers"]
        # every earlier case closed its watches; wait until the server has let them go
        wait_until(lambda: watchers() == 0, what="no watchers left from earlier cases")
        ws = [self.watch(self.k("w%d" % i)) for i in range(3)]
        wait_until(lambda: watchers() == 3, what="3 watchers counted")
        ws[0].close()
        wait_until(lambda: watchers() == 2, what="closed watcher released")
        for w in ws[1:]:
            w.close()
        wait_until(lambda: watchers() == 0, what="all watchers released")

    def test_hidden_children_in_live_and_replayed_recursive_watches(self):
        self.put(self.k("h"), dir="true")
        w = self.watch(self.k("h"), recursive="true")
        hidden = self.put(self.k("h/_hidden"), "1").json()["node"]
        visible = self.put(self.k("h/visible"), "2").json()["node"]
        # a live recursive watcher is not told about hidden children
        self.assertEqual(w.read_json()["node"], visible)
        # a replay from history does include them
        ev = self.watch(self.k("h"), recursive="true",
                        waitIndex=str(hidden["modifiedIndex"])).read_json()
        self.assertEqual(ev["node"], hidden)

    def test_quorum_watch_param_is_accepted(self):
        n = self.put(self.k("q"), "1").json()["node"]
        ev = self.watch(self.k("q"), waitIndex=str(n["modifiedIndex"]), quorum="true").read_json()
        self.assertEqual(ev["node"], n)


class HttpTtlExpiry(WatchCase):
    def test_expire_event_shape(self):
        r = self.req("PUT", self.k("t"), params={"ttl": "1"}, form={"value": "a"})
        n = r.json()["node"]
        self.assertEqual(n["ttl"], 1)
        ev = self.watch(self.k("t"), waitIndex=str(n["modifiedIndex"] + 1),
                        timeout=EXPIRE_TIMEOUT).read_json()
        self.assertEqual(ev["action"], "expire")
        self.assertEqual(sorted(ev["node"]), ["createdIndex", "key", "modifiedIndex"])
        self.assertEqual(ev["node"]["key"], self.k("t"))
        self.assertEqual(ev["node"]["createdIndex"], n["createdIndex"])
        self.assertGreater(ev["node"]["modifiedIndex"], n["modifiedIndex"])
        self.assertEqual(ev["prevNode"], {k: v for k, v in n.items() if k != "ttl"})
        self.assertError(self.get(self.k("t")), 404, 100)

    def test_dir_ttl_expiry_takes_children(self):
        # children first, then the TTL: no race with a slow machine
        c = self.put(self.k("d/child"), "c").json()["node"]
        self.put(self.k("d/sub/grandchild"), "g")
        u = self.req("PUT", self.k("d"), params={"dir": "true", "prevExist": "true", "ttl": "1"})
        self.assertEqual((u.status, u.json()["action"]), (200, "update"), u)
        w = self.watch(self.k("d/child"), waitIndex=str(self.index_of(u) + 1),
                       timeout=EXPIRE_TIMEOUT)
        ev = w.read_json()
        self.assertEqual(ev["action"], "expire")
        self.assertEqual(ev["node"], {"key": self.k("d"), "dir": True,
                                      "modifiedIndex": ev["node"]["modifiedIndex"],
                                      "createdIndex": c["createdIndex"]})
        self.assertGreater(ev["node"]["modifiedIndex"], self.index_of(u))
        for k in ("d", "d/child", "d/sub/grandchild"):
            self.assertError(self.get(self.k(k)), 404, 100)

    def test_refresh_delivers_no_watch_event(self):
        n = self.req("PUT", self.k("r"), params={"ttl": "1000"}, form={"value": "v"}).json()["node"]
        w = self.watch(self.k("r"))
        ref = self.req("PUT", self.k("r"), params={"refresh": "true", "prevExist": "true",
                                                   "ttl": "200"})
        self.assertEqual(ref.status, 200, ref)
        after = self.put(self.k("r"), "changed").json()
        ev = w.read_json()  # the live watcher skips the refresh
        self.assertEqual(ev["node"]["value"], "changed")
        self.assertEqual(ev["node"]["modifiedIndex"], after["node"]["modifiedIndex"])
        # and so does a replay from history
        ev = self.watch(self.k("r"), waitIndex=str(n["modifiedIndex"] + 1)).read_json()
        self.assertEqual(ev["node"]["modifiedIndex"], after["node"]["modifiedIndex"])
        self.assertEqual(ev["action"], "set")

    def test_key_with_ttl_outlives_refreshes(self):
        # a refreshed ttl=3 key is still there after its original deadline has passed
        n = self.req("PUT", self.k("k"), params={"ttl": "3"}, form={"value": "v"}).json()["node"]
        r = self.req("PUT", self.k("k"), params={"refresh": "true", "prevExist": "true",
                                                 "ttl": "300"})
        self.assertEqual(r.status, 200, r)
        # a sibling ttl=3 key written after it expires later than k would have
        s = self.req("PUT", self.k("sib"), params={"ttl": "3"}, form={"value": "s"}).json()["node"]
        ev = self.watch(self.k("sib"), waitIndex=str(s["modifiedIndex"] + 1),
                        timeout=EXPIRE_TIMEOUT).read_json()
        self.assertEqual(ev["action"], "expire")
        g = self.get(self.k("k"))
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.json()["node"]["value"], "v")
        self.assertEqual(g.json()["node"]["createdIndex"], n["createdIndex"])


class HttpHistory(WatchCase):
    def test_history_cleared_gives_401(self):
        n = self.put(self.k("old"), "1").json()["node"]
        self.flood(1010)
        r = self.get(self.k("old"), wait="true", waitIndex=str(n["modifiedIndex"]))
        body = self.assertError(r, 400, 401,
                                message="The event in requested index is outdated and cleared")
        import re
        m = re.fullmatch(r"the requested history has been cleared \[(\d+)/(\d+)\]", body["cause"])
        self.assertIsNotNone(m, body)
        oldest, requested = int(m.group(1)), int(m.group(2))
        self.assertEqual(requested, n["modifiedIndex"])
        self.assertEqual(oldest, body["index"] - 999)  # the last 1000 events are kept
        # a waitIndex inside the window still replays
        ev = self.watch(self.k("flood"), recursive="true", waitIndex=str(oldest)).read_json()
        self.assertEqual(ev["node"]["modifiedIndex"], oldest)
