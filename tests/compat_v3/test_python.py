"""The Python clients: python3-etcd3 0.12 (gRPC) and python3-etcd3gw 2.0 (the JSON gateway).

python3-etcd3gw defaults to api_path "/v3alpha/", which etcd 3.4 does not serve: the cases
pass api_path="/v3/". Debian's python3-etcd3 0.12 with python3-tenacity 8 cannot wait
for a contended lock (Lock.acquire's retry callback has the old tenacity signature and
raises TypeError), so the etcd3 lock case acquires only uncontended locks."""

import queue
import threading

import grpc

from v3compat import V3Case, ENV, needs, urlparts


def _quiet_closed_watch_threads():
    """python3-etcd3's watch thread loops forever re-opening its stream: once the client
    is closed it dies with "Cannot invoke RPC: Channel closed!". Not a server matter; its
    traceback is kept out of the suite's output."""
    prev = threading.excepthook
    if getattr(prev, "compat_v3", False):
        return

    def hook(args):
        if (args.thread is not None and args.thread.name.startswith("etcd3_watch")
                and isinstance(args.exc_value, ValueError)
                and "Channel closed" in str(args.exc_value)):
            return
        prev(args)
    hook.compat_v3 = True
    threading.excepthook = hook


class PyEtcd3(V3Case):
    SERVICES = ("python", "kv")

    def setUp(self):
        super().setUp()
        import etcd3
        self.etcd3 = etcd3
        _quiet_closed_watch_threads()
        host, port = urlparts(self.url)
        self.c = etcd3.client(host=host, port=port, timeout=20)
        self.addCleanup(self.c.close)

    def test_put_get(self):
        k = self.k("a")
        resp = self.c.put(k, "v1")
        self.assertEqual(resp.header.cluster_id, ENV.cluster_id)
        self.assertEqual(resp.header.member_id, self.member_id)
        rev = resp.header.revision
        value, meta = self.c.get(k)
        self.assertEqual(value, b"v1")
        self.assertEqual((meta.key, meta.create_revision, meta.mod_revision, meta.version,
                          meta.lease_id), (k.encode(), rev, rev, 1, 0))
        self.assertEqual(self.c.get(self.k("none")), (None, None))

    def test_put_prev_kv(self):
        k = self.k("a")
        self.c.put(k, "v1")
        resp = self.c.put(k, "v2", prev_kv=True)
        self.assertEqual((resp.prev_kv.key, resp.prev_kv.value), (k.encode(), b"v1"))

    def test_get_prefix_and_delete(self):
        for name in ("b", "a", "c"):
            self.c.put(self.k(name), name.upper())
        self.c.put(self.k().rstrip("/") + "0", "outside")
        got = [(v, m.key) for v, m in self.c.get_prefix(self.k())]
        self.assertEqual(got, [(b"A", self.k("a").encode()), (b"B", self.k("b").encode()),
                               (b"C", self.k("c").encode())])
        self.assertEqual(self.c.delete(self.k("a")), True)
        self.assertEqual(self.c.delete(self.k("a")), False)
        resp = self.c.delete_prefix(self.k())
        self.assertEqual(resp.deleted, 2)
        self.assertEqual(list(self.c.get_prefix(self.k())), [])

    def test_transaction(self):
        k = self.k("t")
        t = self.c.transactions
        ok, resps = self.c.transaction(compare=[t.version(k) == 0],
                                       success=[t.put(k, "v")], failure=[t.get(k)])
        self.assertIs(ok, True)
        self.assertEqual(len(resps), 1)
        self.assertEqual(resps[0].response_put.header.revision,
                         self.c.get(k)[1].mod_revision)
        ok, resps = self.c.transaction(compare=[t.version(k) == 0],
                                       success=[t.put(k, "v")], failure=[t.get(k)])
        self.assertIs(ok, False)
        self.assertEqual([(v, m.key) for v, m in resps[0]], [(b"v", k.encode())])
        ok, _ = self.c.transaction(compare=[t.value(k) == "v", t.create(k) > 0,
                                            t.mod(k) < 10 ** 9],
                                   success=[t.delete(k)], failure=[])
        self.assertIs(ok, True)
        self.assertEqual(self.c.get(k), (None, None))

    def test_put_if_not_exists_and_replace(self):
        k = self.k("a")
        self.assertIs(self.c.put_if_not_exists(k, "1"), True)
        self.assertIs(self.c.put_if_not_exists(k, "2"), False)
        self.assertIs(self.c.replace(k, "1", "3"), True)
        self.assertIs(self.c.replace(k, "1", "4"), False)
        self.assertEqual(self.c.get(k)[0], b"3")

    def test_grpc_errors(self):
        with self.assertRaises(grpc.RpcError) as cm:
            self.c.put("", "x")
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(cm.exception.details(), "etcdserver: key is not provided")
        k = self.k("a")
        r1 = self.c.put(k, "1").header.revision
        r2 = self.c.put(k, "2").header.revision
        self.c.compact(r2)
        with self.assertRaises(grpc.RpcError) as cm:
            self.c.compact(r1)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.OUT_OF_RANGE)
        self.assertEqual(cm.exception.details(),
                         "etcdserver: mvcc: required revision has been compacted")

    @needs("watch")
    def test_watch(self):
        k = self.k("w")
        rev = self.c.put(self.k("other"), "x").header.revision
        events, cancel = self.c.watch(k, start_revision=rev + 1)
        self.addCleanup(cancel)
        got = queue.Queue()
        threading.Thread(target=lambda: [got.put(e) for e in events], daemon=True).start()
        r1 = self.c.put(k, "1").header.revision
        self.c.delete(k)
        ev = got.get(timeout=20)
        self.assertEqual((type(ev).__name__, ev.key, ev.value, ev.mod_revision),
                         ("PutEvent", k.encode(), b"1", r1))
        ev = got.get(timeout=20)
        self.assertEqual((type(ev).__name__, ev.key), ("DeleteEvent", k.encode()))

    @needs("watch")
    def test_watch_prefix_once(self):
        rev = self.c.put(self.k("x"), "x").header.revision
        ev = self.c.watch_prefix_once(self.k(), timeout=20, start_revision=rev)
        self.assertEqual((ev.key, ev.value), (self.k("x").encode(), b"x"))

    @needs("watch")
    def test_watch_compacted(self):
        k = self.k("a")
        r1 = self.c.put(k, "1").header.revision
        r2 = self.c.put(k, "2").header.revision
        self.c.compact(r2)
        responses, cancel = self.c.watch_response(k, start_revision=r1)
        self.addCleanup(cancel)
        got = queue.Queue()

        def pump():
            try:
                for resp in responses:
                    got.put(resp)
            except Exception as e:  # the client raises for a canceled watch
                got.put(e)
        threading.Thread(target=pump, daemon=True).start()
        v = got.get(timeout=20)
        if isinstance(v, Exception):
            self.assertIsInstance(v, self.etcd3.exceptions.RevisionCompactedError)
            self.assertEqual(v.compacted_revision, r2)
        else:
            self.assertEqual((v.canceled, v.compact_revision), (True, r2))

    @needs("lease")
    def test_lease(self):
        lease = self.c.lease(300)
        self.cleanup_quietly(self.c.revoke_lease, lease.id)
        self.assertEqual(lease.ttl, 300)
        self.c.put(self.k("a"), "v", lease=lease)
        self.assertEqual(lease.granted_ttl, 300)
        self.assertTrue(280 <= lease.remaining_ttl <= 300)
        self.assertEqual(lease.keys, [self.k("a").encode()])
        self.assertEqual(self.c.get(self.k("a"))[1].lease_id, lease.id)
        resp = list(lease.refresh())[0]
        self.assertEqual((resp.ID, resp.TTL), (lease.id, 300))
        lease.revoke()
        self.assertEqual(self.c.get(self.k("a")), (None, None))
        info = self.c.get_lease_info(lease.id)
        self.assertEqual((info.ID, info.TTL), (lease.id, -1))

    @needs("lease")
    def test_lock(self):
        name = self.k("lk")
        lock = self.c.lock(name, ttl=30)
        self.assertEqual(lock.key, "/locks/" + name)
        self.assertIs(lock.acquire(timeout=10), True)
        self.cleanup_quietly(lock.release)
        self.assertIs(lock.is_acquired(), True)
        self.assertEqual(self.c.get(lock.key)[0], lock.uuid)
        other = self.c.lock(name, ttl=30)
        self.assertIs(other.is_acquired(), False)
        self.assertIs(lock.release(), True)
        self.assertIs(other.acquire(timeout=10), True)  # free now: the first attempt wins
        self.assertIs(other.release(), True)
        self.assertEqual(self.c.get(lock.key), (None, None))

    @needs("maintenance", "cluster")
    def test_status_and_members(self):
        st = self.c.status()
        self.assertEqual(st.version, ENV.server_version)
        self.assertEqual(st.leader.id, ENV.member_ids[self.cluster.leader()])
        members = sorted((m.id, m.name, list(m.peer_urls), list(m.client_urls))
                         for m in self.c.members)
        cl = self.cluster
        self.assertEqual(members, sorted(
            (ENV.member_ids[i], cl.members[i].name, [cl.members[i].peer_url],
             [cl.members[i].client_url]) for i in range(cl.size)))


class PyEtcd3gw(V3Case):
    SERVICES = ("python", "gateway", "kv")

    def setUp(self):
        super().setUp()
        from etcd3gw.client import Etcd3Client
        host, port = urlparts(self.url)
        self.g = Etcd3Client(host=host, port=port, api_path="/v3/", timeout=20)
        self.addCleanup(self.g.session.close)

    def test_put_get_delete(self):
        k = self.k("a")
        self.assertIs(self.g.put(k, "v"), True)
        self.assertEqual(self.g.get(k), [b"v"])
        [(value, meta)] = self.g.get(k, metadata=True)
        self.assertEqual(value, b"v")
        rev = meta["create_revision"]
        self.assertEqual(meta, {"key": k.encode(), "create_revision": rev,
                                "mod_revision": rev, "version": "1"})
        self.assertEqual(self.g.get(self.k("none")), [])
        self.assertIs(self.g.delete(k), True)
        self.assertIs(self.g.delete(k), False)

    def test_get_prefix(self):
        for name in ("b", "a"):
            self.g.put(self.k(name), name)
        got = [(v, m["key"]) for v, m in self.g.get_prefix(self.k())]
        self.assertEqual(got, [(b"a", self.k("a").encode()), (b"b", self.k("b").encode())])
        self.assertIs(self.g.delete_prefix(self.k()), True)
        self.assertEqual(self.g.get_prefix(self.k()), [])

    def test_create_replace(self):
        k = self.k("a")
        self.assertIs(self.g.create(k, "1"), True)
        self.assertIs(self.g.create(k, "2"), False)
        self.assertIs(self.g.replace(k, "1", "3"), True)
        self.assertIs(self.g.replace(k, "1", "4"), False)
        self.assertEqual(self.g.get(k), [b"3"])

    @needs("lease")
    def test_lease(self):
        lease = self.g.lease(300)
        self.cleanup_quietly(lease.revoke)
        self.assertTrue(280 <= lease.ttl() <= 300)
        self.g.put(self.k("a"), "v", lease=lease)
        self.assertEqual(lease.keys(), [self.k("a").encode()])
        self.assertEqual(lease.refresh(), 300)
        self.assertIs(lease.revoke(), True)  # POST /v3/kv/lease/revoke
        self.assertEqual(self.g.get(self.k("a")), [])
        self.assertEqual(lease.ttl(), -1)
        self.assertEqual(lease.refresh(), -1)  # TTL omitted for a revoked lease

    @needs("watch")
    def test_watch(self):
        k = self.k("w")
        self.g.put(k, "0")
        rev = int(self.g.get(k, metadata=True)[0][1]["mod_revision"])
        events, cancel = self.g.watch(k, start_revision=rev + 1)
        self.addCleanup(cancel)
        got = queue.Queue()
        threading.Thread(target=lambda: [got.put(e) for e in events], daemon=True).start()
        self.g.put(k, "1")
        ev = got.get(timeout=20)
        self.assertEqual(ev, {"kv": {"key": k.encode(), "create_revision": str(rev),
                                     "mod_revision": str(rev + 1), "version": "2",
                                     "value": b"1"}})
        self.g.delete(k)
        ev = got.get(timeout=20)
        self.assertEqual(ev, {"type": "DELETE", "kv": {"key": k.encode(),
                                                       "mod_revision": str(rev + 2)}})

    @needs("lease")
    def test_lock(self):
        name = self.k("lk")
        lock = self.g.lock(name, ttl=30)
        self.assertIs(lock.acquire(), True)
        self.cleanup_quietly(lock.release)
        self.assertIs(lock.is_acquired(), True)
        other = self.g.lock(name, ttl=30)
        self.assertIs(other.acquire(), False)  # one attempt, no waiting
        self.assertIs(lock.release(), True)
        self.assertIs(other.acquire(), True)
        self.assertIs(other.release(), True)

    @needs("maintenance", "cluster")
    def test_status_members(self):
        st = self.g.status()
        self.assertEqual(st["version"], ENV.server_version)
        self.assertEqual(st["leader"], str(ENV.member_ids[self.cluster.leader()]))
        ids = sorted(int(m["ID"]) for m in self.g.members())
        self.assertEqual(ids, sorted(ENV.member_ids.values()))
