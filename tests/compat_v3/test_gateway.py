"""The JSON gateway (grpc-gateway v1 in etcd 3.4) on the client port: raw HTTP POSTs to
/v3/... with base64 keys and values. Responses are protobuf JSON with the proto field
names: int64/uint64 as strings, uint32 as numbers, enums by name, zero values omitted.
Errors: {"error": desc, "message": desc, "code": gRPC code} with the HTTP status of
grpc-gateway v1's mapping (InvalidArgument/OutOfRange 400, NotFound 404,
FailedPrecondition 412, Unknown 500, Unavailable 503)."""

import base64
import hashlib
import json

from v3compat import V3Case, ENV, b64, http_request, needs, prefix_end, wait_until

JSON = "application/json"


def err(desc, code):
    return {"error": desc, "message": desc, "code": code}


class GwCase(V3Case):
    def hdr(self, h, revision=None, has_revision=True):
        self.assertHeader(h, revision=revision, string_ints=True, has_revision=has_revision)

    def put(self, key, value, **extra):
        body = {"key": b64(key), "value": b64(value)}
        body.update(extra)
        j = self.gwj("/v3/kv/put", body)
        return int(j["header"]["revision"])

    def assertGwError(self, r, status, desc, code):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("Content-Type"), JSON, r)
        self.assertEqual(r.json(), err(desc, code), r)


class GwKV(GwCase):
    SERVICES = ("gateway", "kv")

    def test_put_range_shape(self):
        k = self.k("a")
        r = self.gw("/v3/kv/put", {"key": b64(k), "value": b64("v1")})
        self.assertEqual(r.header("Content-Type"), JSON)
        j = r.json()
        self.assertEqual(sorted(j), ["header"])
        self.hdr(j["header"])
        rev = int(j["header"]["revision"])
        j = self.gwj("/v3/kv/range", {"key": b64(k)})
        self.hdr(j["header"], revision=rev)
        self.assertEqual({x: j[x] for x in j if x != "header"},
                         {"kvs": [self.kv(k, "v1", rev, rev, 1, gw=True)], "count": "1"})
        # on the JSON wire int64s are strings
        self.assertIn(b'"revision":"%d"' % rev, r.body)

    def test_range_missing(self):
        j = self.gwj("/v3/kv/range", {"key": b64(self.k("none"))})
        self.assertEqual(sorted(j), ["header"], j)  # no kvs, no count
        self.hdr(j["header"])

    def test_put_prev_kv_and_lease_field(self):
        k = self.k("a")
        r1 = self.put(k, "v1")
        j = self.gwj("/v3/kv/put", {"key": b64(k), "value": b64("v2"), "prev_kv": True})
        self.assertEqual(j["prev_kv"], self.kv(k, "v1", r1, r1, 1, gw=True))
        self.hdr(j["header"], revision=r1 + 1)

    def test_put_empty_value(self):
        k = self.k("a")
        rev = self.put(k, "x")
        self.gwj("/v3/kv/put", {"key": b64(k)})  # no value: ""
        j = self.gwj("/v3/kv/range", {"key": b64(k)})
        self.assertEqual(j["kvs"], [{"key": b64(k), "create_revision": str(rev),
                                     "mod_revision": str(rev + 1), "version": "2"}])

    def test_range_options(self):
        revs = {}
        for name, val in (("b", "2"), ("a", "3"), ("c", "1")):
            revs[name] = self.put(self.k(name), val)
        self.put(self.k().rstrip("/") + "0", "outside")
        span = {"key": b64(self.k()), "range_end": b64(prefix_end(self.k()))}

        j = self.gwj("/v3/kv/range", dict(span, count_only=True))
        self.assertEqual({x: j[x] for x in j if x != "header"}, {"count": "3"})

        j = self.gwj("/v3/kv/range", dict(span, keys_only=True, limit=2, sort_order="DESCEND",
                                          sort_target="KEY"))
        self.assertEqual({x: j[x] for x in j if x != "header"}, {
            "kvs": [{"key": b64(self.k(n)), "create_revision": str(revs[n]),
                     "mod_revision": str(revs[n]), "version": "1"} for n in ("c", "b")],
            "more": True, "count": "3"})

        j = self.gwj("/v3/kv/range", dict(span, sort_target="VALUE"))
        self.assertEqual([x["value"] for x in j["kvs"]], [b64("1"), b64("2"), b64("3")])
        self.assertNotIn("more", j)

        j = self.gwj("/v3/kv/range", dict(span, revision=str(revs["a"])))
        self.assertEqual([x["key"] for x in j["kvs"]], [b64(self.k("a")), b64(self.k("b"))])

        # serializable: the member's own state (a follower may lag: polled)
        wait_until(lambda: len(self.gwj("/v3/kv/range", dict(span, serializable=True))
                               .get("kvs", [])) == 3, what="serializable range")

        j = self.gwj("/v3/kv/range", dict(span, min_create_revision=str(revs["a"])))
        self.assertEqual([x["key"] for x in j["kvs"]], [b64(self.k("a")), b64(self.k("c"))])

    def test_request_encodings_accepted(self):
        # int64 as number or string, enums by name or number, lowerCamel or proto names,
        # unknown fields ignored, an empty body is {}
        k = self.k("a")
        self.put(k, "v")
        self.put(self.k("b"), "w")
        end = b64(prefix_end(self.k()))
        j1 = self.gwj("/v3/kv/range", {"key": b64(self.k()), "range_end": end, "limit": 1,
                                       "sort_order": 2, "bogus": 1})
        j2 = self.gwj("/v3/kv/range", {"key": b64(self.k()), "rangeEnd": end, "limit": "1",
                                       "sortOrder": "DESCEND"})
        self.assertEqual(j1["kvs"], j2["kvs"])
        self.assertEqual(j1["kvs"][0]["key"], b64(self.k("b")))
        r = http_request(self.url, "POST", "/v3/kv/range", body="")
        self.assertGwError(r, 400, "etcdserver: key is not provided", 3)

    def test_deleterange(self):
        k = self.k("a")
        rev = self.put(k, "v")
        self.put(self.k("b"), "w")
        j = self.gwj("/v3/kv/deleterange", {"key": b64(k), "prev_kv": True})
        self.hdr(j["header"], revision=rev + 2)
        self.assertEqual({x: j[x] for x in j if x != "header"},
                         {"deleted": "1", "prev_kvs": [self.kv(k, "v", rev, rev, 1, gw=True)]})
        j = self.gwj("/v3/kv/deleterange", {"key": b64(k)})
        self.assertEqual(sorted(j), ["header"], j)  # deleted 0 omitted
        j = self.gwj("/v3/kv/deleterange", {"key": b64(self.k()),
                                            "range_end": b64(prefix_end(self.k()))})
        self.assertEqual(j["deleted"], "1")

    def test_txn(self):
        k = self.k("a")
        cmp_absent = [{"key": b64(k), "result": "EQUAL", "target": "VERSION", "version": "0"}]
        body = {"compare": cmp_absent,
                "success": [{"request_put": {"key": b64(k), "value": b64("x")}}],
                "failure": [{"request_range": {"key": b64(k)}}]}
        j = self.gwj("/v3/kv/txn", body)
        rev = int(j["header"]["revision"])
        self.hdr(j["header"])
        self.assertEqual({x: j[x] for x in j if x != "header"}, {
            "succeeded": True,
            "responses": [{"response_put": {"header": {"revision": str(rev)}}}]})
        j = self.gwj("/v3/kv/txn", body)  # now the key exists: failure branch
        self.assertEqual({x: j[x] for x in j if x != "header"}, {  # succeeded false omitted
            "responses": [{"response_range": {"header": {"revision": str(rev)},
                                              "kvs": [self.kv(k, "x", rev, rev, 1, gw=True)],
                                              "count": "1"}}]})

    def test_txn_compares_and_nested(self):
        k = self.k("a")
        rev = self.put(k, "x")
        j = self.gwj("/v3/kv/txn", {
            "compare": [
                {"key": b64(k), "target": "VALUE", "result": "EQUAL", "value": b64("x")},
                {"key": b64(k), "target": "MOD", "result": "GREATER", "mod_revision": rev - 1},
                {"key": b64(k), "target": "CREATE", "result": "LESS", "create_revision": rev + 1},
                {"key": b64(k), "target": "VERSION", "result": "NOT_EQUAL", "version": "5"},
                {"key": b64(k), "target": "LEASE", "result": "EQUAL", "lease": "0"}],
            "success": [{"request_delete_range": {"key": b64(k), "prev_kv": True}},
                        {"request_txn": {}}]})
        self.assertEqual(j["succeeded"], True)
        self.assertEqual(j["responses"], [
            {"response_delete_range": {"header": {"revision": str(rev + 1)}, "deleted": "1",
                                       "prev_kvs": [self.kv(k, "x", rev, rev, 1, gw=True)]}},
            # a nested txn's header is empty
            {"response_txn": {"header": {}, "succeeded": True}}])

    def test_txn_duplicate_key(self):
        k = b64(self.k("a"))
        r = self.gw("/v3/kv/txn", {"success": [{"request_put": {"key": k}},
                                               {"request_put": {"key": k}}]}, status=400)
        self.assertGwError(r, 400, "etcdserver: duplicate key given in txn request", 3)

    def test_errors(self):
        r = self.gw("/v3/kv/put", {"key": "", "value": b64("x")}, status=400)
        self.assertGwError(r, 400, "etcdserver: key is not provided", 3)
        rev = self.put(self.k("a"), "v")
        r = self.gw("/v3/kv/range", {"key": b64(self.k("a")), "revision": str(rev + 1000)},
                    status=400)
        self.assertGwError(r, 400, "etcdserver: mvcc: required revision is a future revision",
                           11)
        r = self.gw("/v3/kv/put", {"key": b64(self.k("b")), "lease": "999"}, status=404)
        self.assertGwError(r, 404, "etcdserver: requested lease not found", 5)

    def test_compaction(self):
        k = self.k("a")
        r1 = self.put(k, "1")
        r2 = self.put(k, "2")
        j = self.gwj("/v3/kv/compaction", {"revision": str(r2)})
        self.assertEqual(sorted(j), ["header"])
        self.hdr(j["header"])
        r = self.gw("/v3/kv/range", {"key": b64(k), "revision": str(r1)}, status=400)
        self.assertGwError(r, 400, "etcdserver: mvcc: required revision has been compacted", 11)
        r = self.gw("/v3/kv/compaction", {"revision": str(r1)}, status=400)
        self.assertGwError(r, 400, "etcdserver: mvcc: required revision has been compacted", 11)

    def test_malformed_requests(self):
        r = http_request(self.url, "POST", "/v3/kv/range", body="garbage")
        self.assertGwError(r, 400, "invalid character 'g' looking for beginning of value", 3)
        r = http_request(self.url, "POST", "/v3/kv/range", body='{"key":"!!notbase64"}')
        self.assertGwError(r, 400, "illegal base64 data at input byte 0", 3)
        r = http_request(self.url, "POST", "/v3/kv/range",
                         body='{"key":"YQ==","sort_order":"BOGUS"}')
        self.assertGwError(r, 400, 'unknown value "BOGUS" for enum '
                                   'etcdserverpb.RangeRequest_SortOrder', 3)

    def test_paths_and_methods(self):
        k = self.k("a")
        # /v3beta/ is the same API as /v3/ on 3.4
        j = self.gwj("/v3beta/kv/put", {"key": b64(k), "value": b64("beta")})
        self.hdr(j["header"])
        self.assertEqual(self.gwj("/v3/kv/range", {"key": b64(k)})["kvs"][0]["value"],
                         b64("beta"))
        # not POST: 405 with Go's plain-text body
        r = http_request(self.url, "GET", "/v3/kv/range")
        self.assertEqual((r.status, r.body), (405, b"Method Not Allowed\n"), r)
        self.assertEqual(r.header("Content-Type"), "text/plain; charset=utf-8")
        # an unknown method under /v3/: grpc-gateway's 404
        r = http_request(self.url, "POST", "/v3/kv/nosuchcall", body="{}")
        self.assertEqual((r.status, r.body), (404, b"Not Found\n"), r)


class GwLease(GwCase):
    SERVICES = ("gateway", "lease", "kv")

    def grant(self, ttl=300, lid=None):
        body = {"TTL": ttl}
        if lid is not None:
            body["ID"] = lid
        j = self.gwj("/v3/lease/grant", body)
        self.addCleanup(http_request, self.url, "POST", "/v3/lease/revoke", {"ID": j["ID"]})
        return j

    def test_grant(self):
        j = self.grant(300)
        self.hdr(j["header"])
        self.assertEqual(sorted(j), ["ID", "TTL", "header"])  # no "error" when empty
        self.assertEqual(j["TTL"], "300")
        self.assertGreater(int(j["ID"]), 0)
        self.assertEqual(j["ID"], str(int(j["ID"])))

    def test_grant_with_id(self):
        lid = 0x7e570000 + ENV.target
        j = self.grant(60, lid)
        self.assertEqual((j["ID"], j["TTL"]), (str(lid), "60"))
        r = self.gw("/v3/lease/grant", {"TTL": 60, "ID": lid}, status=412)
        self.assertGwError(r, 412, "etcdserver: lease already exists", 9)

    def test_timetolive_leases_revoke(self):
        lid = self.grant(300)["ID"]
        self.put(self.k("a"), "v", lease=lid)
        for path in ("/v3/lease/timetolive", "/v3/kv/lease/timetolive"):
            j = self.gwj(path, {"ID": lid, "keys": True})
            self.hdr(j["header"])
            self.assertEqual(sorted(j), ["ID", "TTL", "grantedTTL", "header", "keys"], j)
            self.assertEqual((j["ID"], j["grantedTTL"], j["keys"]),
                             (lid, "300", [b64(self.k("a"))]))
            self.assertTrue(280 <= int(j["TTL"]) <= 300, j)
        j = self.gwj("/v3/lease/timetolive", {"ID": lid})  # keys not asked: omitted
        self.assertNotIn("keys", j)
        for path in ("/v3/lease/leases", "/v3/kv/lease/leases"):
            j = self.gwj(path, {})
            self.hdr(j["header"])
            self.assertIn({"ID": lid}, j["leases"])

        j = self.gwj("/v3/lease/revoke", {"ID": lid})
        self.assertEqual(sorted(j), ["header"])
        self.assertEqual(self.gwj("/v3/kv/range", {"key": b64(self.k("a"))}).get("kvs"), None)
        for path in ("/v3/lease/revoke", "/v3/kv/lease/revoke"):
            r = self.gw(path, {"ID": lid}, status=404)
            self.assertGwError(r, 404, "etcdserver: requested lease not found", 5)
        j = self.gwj("/v3/lease/timetolive", {"ID": lid, "keys": True})
        self.assertEqual({x: j[x] for x in j if x != "header"}, {"ID": lid, "TTL": "-1"})

    def test_keepalive(self):
        lid = self.grant(300)["ID"]
        r = self.gw("/v3/lease/keepalive", {"ID": lid})
        # a stream of {"result": ...} lines; it ends with the request body
        lines = [json.loads(x) for x in r.body.decode().splitlines() if x.strip()]
        self.assertEqual(len(lines), 1, r)
        self.assertEqual(sorted(lines[0]), ["result"])
        res = lines[0]["result"]
        self.hdr(res["header"])
        self.assertEqual({x: res[x] for x in res if x != "header"}, {"ID": lid, "TTL": "300"})
        self.gwj("/v3/lease/revoke", {"ID": lid})
        r = self.gw("/v3/lease/keepalive", {"ID": lid})
        res = json.loads(r.body.decode().splitlines()[0])["result"]
        self.assertEqual({x: res[x] for x in res if x != "header"}, {"ID": lid})  # TTL 0


class GwWatch(GwCase):
    SERVICES = ("gateway", "watch", "kv")

    def created(self, s, watch_id=0):
        m = s.next()
        self.assertEqual(sorted(m), ["result"], m)
        res = m["result"]
        self.hdr(res["header"])
        want = {"created": True}
        if watch_id:
            want["watch_id"] = str(watch_id)
        self.assertEqual({x: res[x] for x in res if x != "header"}, want)
        return res

    def test_stream(self):
        s = self.gw_stream("/v3/watch", {"create_request": {
            "key": b64(self.k()), "range_end": b64(prefix_end(self.k())), "prev_kv": True}})
        self.assertEqual(s.status, 200)
        self.assertEqual(s.headers.get("content-type"), JSON)
        self.created(s)  # the watch is registered once this arrives
        k = self.k("a")
        r1 = self.put(k, "1")
        r2 = self.put(k, "2")
        r3 = int(self.gwj("/v3/kv/deleterange", {"key": b64(k)})["header"]["revision"])
        got = []
        while len(got) < 3:
            res = s.next()["result"]
            self.hdr(res["header"])
            self.assertEqual(sorted(res), ["events", "header"], res)  # watch_id 0 omitted
            got += res["events"]
        self.assertEqual(got, [
            {"kv": self.kv(k, "1", r1, r1, 1, gw=True)},
            {"kv": self.kv(k, "2", r1, r2, 2, gw=True),
             "prev_kv": self.kv(k, "1", r1, r1, 1, gw=True)},
            {"type": "DELETE", "kv": {"key": b64(k), "mod_revision": str(r3)},
             "prev_kv": self.kv(k, "2", r1, r2, 2, gw=True)}])

    def test_start_revision_replay(self):
        k = self.k("a")
        r1 = self.put(k, "1")
        r2 = self.put(k, "2")
        s = self.gw_stream("/v3/watch", {"create_request": {"key": b64(k),
                                                            "start_revision": str(r1)}})
        self.created(s)
        got = []
        while len(got) < 2:
            got += s.next()["result"]["events"]
        self.assertEqual(got, [{"kv": self.kv(k, "1", r1, r1, 1, gw=True)},
                               {"kv": self.kv(k, "2", r1, r2, 2, gw=True)}])

    def test_compacted(self):
        k = self.k("a")
        r1 = self.put(k, "1")
        r2 = self.put(k, "2")
        self.gwj("/v3/kv/compaction", {"revision": str(r2)})
        s = self.gw_stream("/v3/watch", {"create_request": {"key": b64(k),
                                                            "start_revision": str(r1)}})
        self.created(s)
        res = s.next()["result"]
        self.hdr(res["header"], has_revision=False)
        self.assertEqual({x: res[x] for x in res if x != "header"},
                         {"canceled": True, "compact_revision": str(r2)})

    def test_two_watches_and_cancel(self):
        body = (json.dumps({"create_request": {"key": b64(self.k("a"))}})
                + json.dumps({"create_request": {"key": b64(self.k("b"))}})
                + json.dumps({"cancel_request": {"watch_id": "0"}}))
        s = self.gw_stream("/v3/watch", body)
        self.created(s)
        self.created(s, watch_id=1)
        res = s.next()["result"]
        self.hdr(res["header"])
        self.assertEqual({x: res[x] for x in res if x != "header"}, {"canceled": True})
        rb = self.put(self.k("b"), "x")
        res = s.next()["result"]
        self.assertEqual((res["watch_id"], res["events"]),
                         ("1", [{"kv": self.kv(self.k("b"), "x", rb, rb, 1, gw=True)}]))

    def test_progress_request(self):
        s = self.gw_stream("/v3/watch", {"progress_request": {}})
        res = s.next()["result"]
        self.hdr(res["header"])
        # etcd 3.4 answers a stream-wide progress request with watch_id -1
        self.assertEqual({x: res[x] for x in res if x != "header"}, {"watch_id": "-1"})

    def test_malformed_stream_request(self):
        r = http_request(self.url, "POST", "/v3/watch", body="xx")
        self.assertGwError(r, 500, "invalid character 'x' looking for beginning of value", 2)


class GwCluster(GwCase):
    SERVICES = ("gateway", "cluster")

    def test_member_list(self):
        j = self.gwj("/v3/cluster/member/list", {})
        self.hdr(j["header"], has_revision=False)
        c = self.cluster
        want = sorted((ENV.member_ids[i], c.members[i].name, c.members[i].peer_url,
                       c.members[i].client_url) for i in range(c.size))
        self.assertEqual(j["members"], [
            {"ID": str(mid), "name": n, "peerURLs": [p], "clientURLs": [u]}
            for mid, n, p, u in want])

    def test_member_remove_unknown(self):
        r = self.gw("/v3/cluster/member/remove", {"ID": "1234"}, status=404)
        self.assertGwError(r, 404, "etcdserver: member not found", 5)


class GwMaintenance(GwCase):
    SERVICES = ("gateway", "maintenance")

    def test_status(self):
        j = self.gwj("/v3/maintenance/status", {})
        self.hdr(j["header"])
        self.assertEqual(sorted(j), ["dbSize", "dbSizeInUse", "header", "leader",
                                     "raftAppliedIndex", "raftIndex", "raftTerm", "version"])
        self.assertEqual(j["version"], ENV.server_version)
        self.assertEqual(j["leader"], str(ENV.member_ids[self.cluster.leader()]))
        for f in ("dbSize", "dbSizeInUse", "raftIndex", "raftTerm", "raftAppliedIndex"):
            self.assertEqual(j[f], str(int(j[f])), f)

    def test_alarm_and_defragment_have_no_header(self):
        self.assertEqual(self.gwj("/v3/maintenance/alarm", {}), {})
        self.assertEqual(self.gwj("/v3/maintenance/defragment", {}), {})

    def test_hash(self):
        j = self.gwj("/v3/maintenance/hash", {})
        self.hdr(j["header"])
        self.assertEqual(sorted(j), ["hash", "header"])
        self.assertIsInstance(j["hash"], int)  # uint32: a JSON number

    def test_snapshot_stream(self):
        r = self.gw("/v3/maintenance/snapshot", {})
        msgs = [json.loads(x)["result"] for x in r.body.decode().splitlines() if x.strip()]
        self.assertGreaterEqual(len(msgs), 2)
        for m in msgs:
            self.assertLessEqual(set(m), {"header", "remaining_bytes", "blob"}, m)
        self.assertNotIn("remaining_bytes", msgs[-1])  # 0 on the last message
        data = b"".join(base64.b64decode(m.get("blob", "")) for m in msgs)
        # chunks of the file, each with the file's bytes after it; then the sha256 alone
        self.assertEqual(len(base64.b64decode(msgs[-1]["blob"])), 32)
        sent = 0
        for m in msgs[:-1]:
            sent += len(base64.b64decode(m.get("blob", "")))
            self.assertEqual(int(m.get("remaining_bytes", "0")), len(data) - 32 - sent, m)
        # the backend file followed by its sha256 (what `snapshot restore` verifies)
        self.assertEqual(hashlib.sha256(data[:-32]).digest(), data[-32:])


class GwLock(GwCase):
    SERVICES = ("gateway", "lock", "lease")

    def lease(self):
        j = self.gwj("/v3/lease/grant", {"TTL": 300})
        self.addCleanup(http_request, self.url, "POST", "/v3/lease/revoke", {"ID": j["ID"]})
        return j["ID"]

    @needs("lockgw")
    def test_lock_unlock(self):
        lid = self.lease()
        name = self.k("lk")
        j = self.gwj("/v3/lock/lock", {"name": b64(name), "lease": lid})
        self.hdr(j["header"])
        key = "%s/%x" % (name, int(lid))  # <name>/<lease ID in hex, no padding>
        self.assertEqual(j["key"], b64(key))
        if "kv" in ENV.services:
            kv = self.gwj("/v3/kv/range", {"key": b64(key)})["kvs"][0]
            self.assertEqual((kv.get("value"), kv["lease"]), (None, lid))
        j = self.gwj("/v3/lock/unlock", {"key": b64(key)})
        self.assertEqual(sorted(j), ["header"])
        if "kv" in ENV.services:
            self.assertNotIn("kvs", self.gwj("/v3/kv/range", {"key": b64(key)}))

    @needs("lockgw")
    def test_election(self):
        lid = self.lease()
        name = self.k("el")
        j = self.gwj("/v3/election/campaign", {"name": b64(name), "lease": lid,
                                               "value": b64("v1")})
        self.hdr(j["header"])
        rev = int(j["header"]["revision"])
        key = "%s/%x" % (name, int(lid))
        leader = {"name": b64(name), "key": b64(key), "rev": str(rev), "lease": lid}
        self.assertEqual(j["leader"], leader)
        j = self.gwj("/v3/election/leader", {"name": b64(name)})
        self.assertEqual(j["kv"], {"key": b64(key), "create_revision": str(rev),
                                   "mod_revision": str(rev), "version": "1",
                                   "value": b64("v1"), "lease": lid})
        j = self.gwj("/v3/election/proclaim", {"leader": leader, "value": b64("v2")})
        self.assertEqual(sorted(j), ["header"])
        self.assertEqual(self.gwj("/v3/election/leader", {"name": b64(name)})["kv"]["value"],
                         b64("v2"))
        wrong = dict(leader, rev=str(rev + 1000))
        r = self.gw("/v3/election/proclaim", {"leader": wrong, "value": b64("v3")}, status=500)
        self.assertGwError(r, 500, "election: not leader", 2)
        j = self.gwj("/v3/election/resign", {"leader": leader})
        self.assertEqual(sorted(j), ["header"])
        r = self.gw("/v3/election/leader", {"name": b64(name)}, status=500)
        self.assertGwError(r, 500, "election: no leader", 2)
