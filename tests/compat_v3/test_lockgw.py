"""The server-side Lock (v3lockpb) and Election (v3electionpb) services, which etcd 3.4
serves on the client port: waiting, release by Unlock or by the holder's lease, cleanup
of a waiter whose caller goes away, Observe's stream. Through the JSON gateway
(/v3/lock/*, /v3/election/*) and through gRPC itself (python's grpc module with
hand-encoded messages: python3-etcd3 has no stubs for these services).

A waiter is known to be queued when its key <name>/<lease %x> exists; a waiting call runs
in a thread whose result is polled with a deadline. Errors of these services are UNKNOWN
(gateway 500, code 2) with etcd's text: etcd's servers return their own client's errors."""

import http.client
import json
import threading

from test_gateway import GwCase
from v3compat import (ENV, GwStream, V3Case, b64, http_request, prefix_end, unb64, urlparts,
                      wait_until)


class Call:
    """A call that may wait, run by a thread; result() waits for it with a deadline."""

    def __init__(self, fn):
        self._done = threading.Event()
        self._value = None
        self._error = None

        def run():
            try:
                self._value = fn()
            except Exception as e:  # reported by result()
                self._error = e
            self._done.set()
        threading.Thread(target=run, daemon=True).start()

    def done(self):
        return self._done.is_set()

    def result(self, timeout=20.0):
        if not self._done.wait(timeout):
            raise AssertionError("the call did not finish within %.0fs" % timeout)
        if self._error is not None:
            raise self._error
        return self._value


class GwLockWait(GwCase):
    SERVICES = ("gateway", "lockgw", "lease", "kv")

    def lease(self):
        j = self.gwj("/v3/lease/grant", {"TTL": 300})
        self.addCleanup(http_request, self.url, "POST", "/v3/lease/revoke", {"ID": j["ID"]})
        return j["ID"]

    def keys(self, name):
        """[(key, create_revision)] under name/, in create order."""
        p = name + "/"
        j = self.gwj("/v3/kv/range", {"key": b64(p), "range_end": b64(prefix_end(p)),
                                      "sort_target": "CREATE", "sort_order": "ASCEND",
                                      "keys_only": True})
        return [(unb64(kv["key"]), int(kv["create_revision"])) for kv in j.get("kvs", [])]

    def call(self, path, body, headers=None):
        return Call(lambda: http_request(self.url, "POST", path, body=body, headers=headers,
                                         timeout=30))

    def queued(self, name, key):
        """Waits until `key` is among the lock's keys; returns them."""
        return wait_until(lambda: (lambda ks: ks if key in [k for k, _ in ks] else None)(
            self.keys(name)), what="%s queued" % key)

    def held_then_waiting(self, name):
        l1, l2 = self.lease(), self.lease()
        j = self.gwj("/v3/lock/lock", {"name": b64(name), "lease": l1})
        k1, k2 = "%s/%x" % (name, int(l1)), "%s/%x" % (name, int(l2))
        self.assertEqual(unb64(j["key"]), k1)
        waiter = self.call("/v3/lock/lock", {"name": b64(name), "lease": l2})
        ks = self.queued(name, k2)
        self.assertEqual([k for k, _ in ks], [k1, k2])
        self.assertFalse(waiter.done(), "a contended Lock answered before the holder left")
        return l1, k1, k2, waiter

    def test_second_lock_waits_for_unlock(self):
        name = self.k("lk")
        _, k1, k2, waiter = self.held_then_waiting(name)
        j = self.gwj("/v3/lock/unlock", {"key": b64(k1)})
        unlocked = int(j["header"]["revision"])
        r = waiter.result()
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual(sorted(j), ["header", "key"])
        self.hdr(j["header"])
        self.assertEqual(unb64(j["key"]), k2)
        # answered after the wait: the header of a read of its own key
        self.assertGreaterEqual(int(j["header"]["revision"]), unlocked)
        self.assertEqual([k for k, _ in self.keys(name)], [k2])
        self.gwj("/v3/lock/unlock", {"key": b64(k2)})
        self.assertEqual(self.keys(name), [])

    def test_waiting_lock_released_by_lease_revoke(self):
        name = self.k("lk")
        l1, k1, k2, waiter = self.held_then_waiting(name)
        self.gwj("/v3/lease/revoke", {"ID": l1})
        r = waiter.result()
        self.assertEqual(r.status, 200, r)
        self.assertEqual(unb64(r.json()["key"]), k2)
        self.assertEqual([k for k, _ in self.keys(name)], [k2])

    def test_client_gone_deletes_waiting_key(self):
        name = self.k("lk")
        l1, l2 = self.lease(), self.lease()
        self.gwj("/v3/lock/lock", {"name": b64(name), "lease": l1})
        k1, k2 = "%s/%x" % (name, int(l1)), "%s/%x" % (name, int(l2))
        host, port = urlparts(self.url)
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            conn.request("POST", "/v3/lock/lock",
                         body=json.dumps({"name": b64(name), "lease": l2}))
            self.queued(name, k2)
        finally:
            conn.sock.shutdown(2)  # the client goes away while its Lock waits
            conn.close()
        wait_until(lambda: [k for k, _ in self.keys(name)] == [k1], what="the waiter's key gone")

    def test_deadline_deletes_waiting_key(self):
        name = self.k("lk")
        l1, l2 = self.lease(), self.lease()
        self.gwj("/v3/lock/lock", {"name": b64(name), "lease": l1})
        k1 = "%s/%x" % (name, int(l1))
        r = http_request(self.url, "POST", "/v3/lock/lock",
                         body={"name": b64(name), "lease": l2}, headers={"Grpc-Timeout": "1S"})
        # The gateway's own deadline (504, DeadlineExceeded); etcd's server may answer first
        # with the context's error (500, Unknown): a race in etcd, the same text either way.
        self.assertIn((r.status, r.json().get("code")), [(504, 4), (500, 2)], r)
        self.assertEqual(r.json()["message"], "context deadline exceeded", r)
        wait_until(lambda: [k for k, _ in self.keys(name)] == [k1], what="the waiter's key gone")

    def test_waiting_campaign_gone_resigns(self):
        name = self.k("el")
        l1, l2 = self.lease(), self.lease()
        self.gwj("/v3/election/campaign", {"name": b64(name), "lease": l1, "value": b64("a")})
        k1, k2 = "%s/%x" % (name, int(l1)), "%s/%x" % (name, int(l2))
        host, port = urlparts(self.url)
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            conn.request("POST", "/v3/election/campaign",
                         body=json.dumps({"name": b64(name), "lease": l2, "value": b64("b")}))
            self.queued(name, k2)
        finally:
            conn.sock.shutdown(2)
            conn.close()
        wait_until(lambda: [k for k, _ in self.keys(name)] == [k1], what="the candidate resigned")

    def test_observe_streams_leader_changes(self):
        name = self.k("el")
        l1, l2 = self.lease(), self.lease()
        k1, k2 = "%s/%x" % (name, int(l1)), "%s/%x" % (name, int(l2))
        # No leader yet: the stream's head comes with its first message, the first
        # campaign's key (whether the observer starts before the campaign or after).
        opening = Call(lambda: GwStream(self.url, "/v3/election/observe", {"name": b64(name)}))
        j = self.gwj("/v3/election/campaign", {"name": b64(name), "lease": l1, "value": b64("a")})
        obs = opening.result()
        self.addCleanup(obs.close)
        self.assertEqual(obs.status, 200)
        leader1 = j["leader"]
        rev1 = int(leader1["rev"])
        m = obs.next()["result"]
        self.hdr(m["header"], revision=rev1)
        self.assertEqual(m["kv"], self.kv(k1, "a", rev1, rev1, 1, lease=l1, gw=True))

        j = self.gwj("/v3/election/proclaim", {"leader": leader1, "value": b64("a2")})
        rev2 = int(j["header"]["revision"])
        m = obs.next()["result"]
        self.hdr(m["header"], revision=rev2)
        self.assertEqual(m["kv"], self.kv(k1, "a2", rev1, rev2, 2, lease=l1, gw=True))

        second = self.call("/v3/election/campaign",
                           {"name": b64(name), "lease": l2, "value": b64("b")})
        rev3 = self.queued(name, k2)[1][1]
        self.assertFalse(second.done())
        j = self.gwj("/v3/election/resign", {"leader": leader1})
        resigned = int(j["header"]["revision"])
        r = second.result()
        self.assertEqual(r.status, 200, r)
        leader2 = r.json()["leader"]
        self.assertEqual(leader2, {"name": b64(name), "key": b64(k2), "rev": str(rev3),
                                   "lease": l2})
        self.hdr(r.json()["header"], revision=rev3)  # the header of its key's creation
        # the new leader: read after the old key's deletion
        m = obs.next()["result"]
        self.hdr(m["header"])
        self.assertGreaterEqual(int(m["header"]["revision"]), resigned)
        self.assertEqual(m["kv"], self.kv(k2, "b", rev3, rev3, 1, lease=l2, gw=True))
        self.gwj("/v3/election/resign", {"leader": leader2})


# ---- gRPC with hand-encoded messages ------------------------------------------------------

def _varint(n):
    n &= (1 << 64) - 1  # int64 as protobuf sends it
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb(*fields):
    """A message from (number, value) pairs: int → varint, bytes/str → length-delimited;
    zero values left out, as proto3 does."""
    out = b""
    for num, v in fields:
        if isinstance(v, str):
            v = v.encode()
        if isinstance(v, bytes):
            if v:
                out += _varint(num << 3 | 2) + _varint(len(v)) + v
        elif v:
            out += _varint(num << 3) + _varint(v)
    return out


def unpb(data):
    """{number: value} of a message (varints as unsigned ints, the rest as bytes; the
    last of a repeated number wins)."""
    out, i = {}, 0

    def varint():
        nonlocal i
        n = shift = 0
        while True:
            b = data[i]
            i += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n
    while i < len(data):
        tag = varint()
        if tag & 7 == 0:
            out[tag >> 3] = varint()
        elif tag & 7 == 2:
            n = varint()
            out[tag >> 3] = data[i:i + n]
            i += n
        else:
            raise ValueError("wire type %d" % (tag & 7))
    return out


class GrpcLockElection(V3Case):
    SERVICES = ("lockgw", "lease", "kv")

    def setUp(self):
        super().setUp()
        import grpc
        self.grpc = grpc
        host, port = urlparts(self.url)
        self.channel = grpc.insecure_channel("%s:%d" % (host, port))
        self.addCleanup(self.channel.close)

    def unary(self, method, request, timeout=20):
        return unpb(self.channel.unary_unary(method)(request, timeout=timeout))

    def lease(self):
        lid = self.unary("/etcdserverpb.Lease/LeaseGrant", pb((1, 300)))[2]
        self.addCleanup(self.unary, "/etcdserverpb.Lease/LeaseRevoke", pb((1, lid)))
        return lid

    def exists(self, key):
        return 2 in self.unary("/etcdserverpb.KV/Range", pb((1, key)))  # kvs

    def test_lock_contention_and_cancel(self):
        name = self.k("lk")
        l1, l2, l3 = self.lease(), self.lease(), self.lease()
        k1, k2, k3 = ("%s/%x" % (name, lid) for lid in (l1, l2, l3))
        lock = self.channel.unary_unary("/v3lockpb.Lock/Lock")
        r = unpb(lock(pb((1, name), (2, l1)), timeout=20))
        self.assertEqual(r[2].decode(), k1)
        self.assertEqual(unpb(r[1])[1], ENV.cluster_id)  # header.cluster_id

        waiting = lock.future(pb((1, name), (2, l2)))
        wait_until(lambda: self.exists(k2), what="the second locker's key")
        self.assertFalse(waiting.done())
        waiting.cancel()  # the caller goes away: its key is deleted
        wait_until(lambda: not self.exists(k2), what="the canceled locker's key gone")

        third = lock.future(pb((1, name), (2, l3)), timeout=20)
        wait_until(lambda: self.exists(k3), what="the third locker's key")
        self.unary("/v3lockpb.Lock/Unlock", pb((1, k1)))
        self.assertEqual(unpb(third.result())[2].decode(), k3)
        self.unary("/v3lockpb.Lock/Unlock", pb((1, k3)))

    def test_election_and_observe(self):
        name = self.k("el")
        l1 = self.lease()
        with self.assertRaises(self.grpc.RpcError) as e:
            self.unary("/v3electionpb.Election/Leader", pb((1, name)))
        self.assertEqual((e.exception.code(), e.exception.details()),
                         (self.grpc.StatusCode.UNKNOWN, "election: no leader"))

        observe = self.channel.unary_stream("/v3electionpb.Election/Observe")(pb((1, name)),
                                                                              timeout=30)
        self.addCleanup(observe.cancel)
        r = self.unary("/v3electionpb.Election/Campaign", pb((1, name), (2, l1), (3, "v1")))
        leader = unpb(r[2])
        key = "%s/%x" % (name, l1)
        self.assertEqual(leader, {1: name.encode(), 2: key.encode(), 3: leader[3], 4: l1})
        self.assertEqual(unpb(r[1])[3], leader[3])  # header revision = the key's creation

        kv = unpb(unpb(next(observe))[2])
        self.assertEqual((kv[1].decode(), kv[2], kv[5]), (key, leader[3], b"v1"))
        kv = unpb(self.unary("/v3electionpb.Election/Leader", pb((1, name)))[2])
        self.assertEqual((kv[1].decode(), kv[5], kv[6]), (key, b"v1", l1))

        with self.assertRaises(self.grpc.RpcError) as e:
            self.unary("/v3electionpb.Election/Proclaim",
                       pb((1, pb((1, name), (2, key), (3, leader[3] + 1000), (4, l1))), (2, "x")))
        self.assertEqual((e.exception.code(), e.exception.details()),
                         (self.grpc.StatusCode.UNKNOWN, "election: not leader"))
        self.unary("/v3electionpb.Election/Proclaim", pb((1, r[2]), (2, "v2")))
        kv = unpb(unpb(next(observe))[2])
        self.assertEqual((kv[1].decode(), kv[5], kv[4]), (key, b"v2", 2))  # version 2

        self.unary("/v3electionpb.Election/Resign", pb((1, r[2])))
        self.assertFalse(self.exists(key))
