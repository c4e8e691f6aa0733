"""Raw HTTP: everything around the keyspace — /version, /health, /v2/machines,
/v2/members, /v2/stats/*, CORS and OPTIONS, 404 and 405."""

import json
import re

from compat import CompatCase, ENV, http_request, wait_until

# Go prints IDs with %x: lower-case hex, no leading zeros (1 to 16 digits)
HEX_ID = r"^[1-9a-f][0-9a-f]{0,15}$"
CORS = {
    "access-control-allow-headers": "accept, content-type, authorization",
    "access-control-allow-methods": "POST, GET, OPTIONS, PUT, DELETE",
    "access-control-allow-origin": "*",
}
GO_DURATION = r"^((\d+h)?(\d+m)?\d+(\.\d+)?s|\d+(\.\d+)?(ms|µs|ns))$"
RFC3339 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"
STORE_STATS = ["compareAndDeleteFail", "compareAndDeleteSuccess", "compareAndSwapFail",
               "compareAndSwapSuccess", "createFail", "createSuccess", "deleteFail",
               "deleteSuccess", "expireCount", "getsFail", "getsSuccess", "setsFail",
               "setsSuccess", "updateFail", "updateSuccess", "watchers"]


class EndpointCase(CompatCase):
    def call(self, method, path, url=None, **kw):
        return http_request(url or self.url, method, path, **kw)

    def members(self, url=None):
        r = self.call("GET", "/v2/members", url)
        self.assertEqual(r.status, 200, r)
        return r.json()["members"]


class HttpInfoEndpoints(EndpointCase):
    def test_version_shape(self):
        r = self.call("GET", "/version")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertFalse(r.body.endswith(b"\n"), r.body)
        b = r.json()
        self.assertEqual(sorted(b), ["etcdcluster", "etcdserver"])
        self.assertRegex(b["etcdserver"], r"^\d+\.\d+\.\d+")
        self.assertRegex(b["etcdcluster"], r"^\d+\.\d+\.\d+$")
        self.assertFalse(r.has("X-Etcd-Index"))

    def test_health(self):
        r = self.call("GET", "/health")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "text/plain; charset=utf-8")
        self.assertEqual(json.loads(r.body), {"health": "true"})
        self.assertEqual(r.body, b'{"health":"true"}')

    def test_machines(self):
        r = self.call("GET", "/v2/machines")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "text/plain; charset=utf-8")
        self.assertFalse(r.body.endswith(b"\n"), r.body)
        urls = r.text.split(", ")
        self.assertEqual(sorted(urls), sorted(self.urls))

    def test_unknown_paths_are_404(self):
        for path in ("/v2/nonexistent", "/nonexistent", "/v2", "/v2/stats", "/v3x"):
            with self.subTest(path=path):
                r = self.call("GET", path)
                self.assertEqual(r.status, 404, r)
                self.assertEqual(r.body, b"404 page not found\n")
                self.assertEqual(r.header("Content-Type"), "text/plain; charset=utf-8")

    def test_unsupported_methods_are_405_with_allow(self):
        cases = [("PATCH", "/v2/keys" + self.prefix, "HEAD,GET,PUT,POST,DELETE"),
                 ("PUT", "/health", "GET"),
                 ("PUT", "/v2/machines", "GET,HEAD"),
                 ("POST", "/version", "GET"),
                 ("PUT", "/v2/stats/self", "GET"),
                 ("PUT", "/v2/stats/store", "GET"),
                 ("PATCH", "/v2/members", "GET,POST,DELETE,PUT")]
        for method, path, allow in cases:
            with self.subTest(method=method, path=path):
                r = self.call(method, path)
                self.assertEqual(r.status, 405, r)
                self.assertEqual(r.body, b"Method Not Allowed\n")
                if allow is not None:
                    self.assertEqual(r.header("Allow"), allow)
                for k, v in CORS.items():
                    self.assertEqual(r.header(k), v)

    def test_options_and_cors_headers_everywhere(self):
        r = self.call("OPTIONS", "/v2/keys" + self.k("x"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"")
        for k, v in CORS.items():
            self.assertEqual(r.header(k), v)
        self.assertFalse(r.has("X-Etcd-Index"), r)
        self.assertFalse(r.has("Content-Type"), r)
        self.put(self.k("x"), "1")
        for method, path in (("GET", "/v2/keys" + self.k("x")),
                             ("GET", "/v2/keys" + self.k("missing")),
                             ("GET", "/v2/members"), ("GET", "/v2/stats/self"),
                             ("GET", "/v2/stats/store"), ("GET", "/version"),
                             ("GET", "/health"), ("GET", "/v2/machines"),
                             ("GET", "/nonexistent")):
            with self.subTest(path=path):
                r = self.call(method, path, headers={"Origin": "http://example.com"})
                for k, v in CORS.items():
                    self.assertEqual(r.header(k), v, r)


    def test_metrics(self):
        def committed():
            r = self.call("GET", "/metrics")
            self.assertEqual(r.status, 200, r)
            m = re.search(r"^etcd_server_proposals_committed_total (\S+)$", r.text, re.M)
            self.assertIsNotNone(m, "no etcd_server_proposals_committed_total")
            return r, float(m.group(1))
        r, before = committed()
        self.assertEqual(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        for family, kind in (("etcd_server_proposals_committed_total", "gauge"),
                             ("etcd_server_proposals_applied_total", "gauge"),
                             ("etcd_server_proposals_failed_total", "counter"),
                             ("etcd_server_leader_changes_seen_total", "counter"),
                             ("etcd_disk_wal_fsync_duration_seconds", "histogram"),
                             ("etcd_http_received_total", "counter")):
            with self.subTest(family=family):
                self.assertIn("# TYPE %s %s\n" % (family, kind), r.text)
                self.assertRegex(r.text, r"(?m)^# HELP %s \S" % family)
        self.assertRegex(r.text, r'(?m)^etcd_disk_wal_fsync_duration_seconds_bucket'
                                 r'\{le="\+Inf"\} \d+$')
        self.assertRegex(r.text, r'(?m)^etcd_http_received_total\{method="GET"\} \d+$')
        self.put(self.k("m"), "1")
        wait_until(lambda: committed()[1] > before, what="committed proposals to grow")


class HttpMembers(EndpointCase):
    def test_members_list_shape(self):
        r = self.call("GET", "/v2/members")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertRegex(r.header("X-Etcd-Cluster-Id", ""), HEX_ID)
        self.assertFalse(r.has("X-Etcd-Index"), r)
        self.assertTrue(r.body.endswith(b"\n"), r.body)
        b = r.json()
        self.assertEqual(list(b), ["members"])
        self.assertEqual(len(b["members"]), ENV.size)
        for m in b["members"]:
            self.assertEqual(list(m), ["id", "name", "peerURLs", "clientURLs"])
            self.assertRegex(m["id"], HEX_ID)
        self.assertEqual(sorted(u for m in b["members"] for u in m["peerURLs"]),
                         sorted(self.cluster.peer_urls))
        self.assertEqual(sorted(u for m in b["members"] for u in m["clientURLs"]),
                         sorted(self.urls))
        self.assertEqual(sorted(m["name"] for m in b["members"]),
                         sorted(m.name for m in self.cluster.members))

    def test_members_leader(self):
        r = self.call("GET", "/v2/members/leader")
        self.assertEqual(r.status, 200, r)
        leader = r.json()
        lead_id = self.cluster.stats_self(self.cluster.leader())["id"]
        self.assertEqual(leader["id"], lead_id)
        self.assertIn(leader, self.members())

    def test_members_api_errors(self):
        r = self.call("POST", "/v2/members", form={"peerURLs": "http://127.0.0.1:1"})
        self.assertEqual(r.status, 415, r)
        self.assertEqual(r.json(), {"message": "Bad Content-Type application/x-www-form-urlencoded"
                                               ", accept application/json"})
        js = {"Content-Type": "application/json"}
        r = self.call("POST", "/v2/members", body=json.dumps({"peerURLs": ["bad"]}), headers=js)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json(), {"message": "URL scheme must be http, https, unix, or unixs: bad"})
        # etcd refuses any member add with 500 until every peer has been connected for
        # ~5 s (strict reconfig check), so poll past a young cluster's 500s
        def add_existing():
            r = self.call("POST", "/v2/members", headers=js,
                          body=json.dumps({"peerURLs": [self.cluster.peer_urls[0]]}))
            return r if r.status != 500 else None
        r = wait_until(add_existing, timeout=30, what="member add answered without 500")
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json(), {"message": "membership: peerURL exists"})
        r = self.call("DELETE", "/v2/members/1234")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.json(), {"message": "No such member: 1234"})
        self.assertEqual(len(self.members()), ENV.size)  # nothing changed


class HttpStats(EndpointCase):
    def test_stats_self_shape(self):
        ids = {m["name"]: m["id"] for m in self.members()}
        lead = self.cluster.leader()
        for m in self.cluster.members:
            with self.subTest(member=m.name):
                r = self.call("GET", "/v2/stats/self", m.client_url)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.header("Content-Type"), "application/json")
                self.assertFalse(r.has("X-Etcd-Index"), r)
                b = r.json()
                # the *PkgRate/*BandwidthRate pairs appear only while non-zero (a
                # follower receiving appends, the leader sending them)
                keys = list(b)
                self.assertEqual([k for k in keys if not k.endswith("Rate")],
                                 ["name", "id", "state", "startTime", "leaderInfo",
                                  "recvAppendRequestCnt", "sendAppendRequestCnt"])
                self.assertIn([k for k in keys if k.endswith("Rate")],
                              ([], ["recvPkgRate", "recvBandwidthRate"],
                               ["sendPkgRate", "sendBandwidthRate"],
                               ["recvPkgRate", "recvBandwidthRate", "sendPkgRate",
                                "sendBandwidthRate"]))
                if "sendPkgRate" in keys:
                    self.assertEqual(keys.index("sendPkgRate"),
                                     keys.index("sendAppendRequestCnt") + 1)
                if "recvPkgRate" in keys:
                    self.assertEqual(keys.index("recvPkgRate"),
                                     keys.index("recvAppendRequestCnt") + 1)
                for k in keys:
                    if k.endswith("Rate"):
                        self.assertIsInstance(b[k], (int, float))
                self.assertEqual(b["name"], m.name)
                self.assertEqual(b["id"], ids[m.name])
                self.assertEqual(b["state"],
                                 "StateLeader" if m.index == lead else "StateFollower")
                self.assertRegex(b["startTime"], RFC3339)
                self.assertEqual(list(b["leaderInfo"]), ["leader", "uptime", "startTime"])
                self.assertEqual(b["leaderInfo"]["leader"], ids[self.cluster.members[lead].name])
                self.assertRegex(b["leaderInfo"]["uptime"], GO_DURATION)
                self.assertRegex(b["leaderInfo"]["startTime"], RFC3339)
                self.assertIsInstance(b["recvAppendRequestCnt"], int)
                self.assertIsInstance(b["sendAppendRequestCnt"], int)

    def test_stats_store_shape_and_counters(self):
        def stats():
            r = self.call("GET", "/v2/stats/store")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.header("Content-Type"), "application/json")
            b = r.json()
            self.assertEqual(sorted(b), STORE_STATS)
            for k, v in b.items():
                self.assertIsInstance(v, int, k)
            return b
        s0 = stats()
        self.put(self.k("a"), "1")
        self.req("PUT", self.k("a"), params={"prevExist": "false"}, form={"value": "2"})
        self.req("PUT", self.k("a"), params={"prevValue": "1"}, form={"value": "3"})
        self.req("PUT", self.k("a"), params={"prevValue": "1"}, form={"value": "4"})
        self.req("PUT", self.k("a"), params={"prevExist": "true"}, form={"value": "5"})
        self.get(self.k("a"))
        self.get(self.k("missing"))
        self.req("DELETE", self.k("a"))
        self.req("DELETE", self.k("a"))
        s1 = stats()
        delta = {k: s1[k] - s0[k] for k in STORE_STATS}
        self.assertEqual({k: delta[k] for k in ("setsSuccess", "createFail",
                                                "compareAndSwapSuccess", "compareAndSwapFail",
                                                "updateSuccess", "deleteSuccess", "deleteFail",
                                                "getsSuccess")},
                         {"setsSuccess": 1, "createFail": 1, "compareAndSwapSuccess": 1,
                          "compareAndSwapFail": 1, "updateSuccess": 1, "deleteSuccess": 1,
                          "deleteFail": 1, "getsSuccess": 1}, delta)
        # etcd 3.4 also counts internal lookups as failed gets: only require growth
        self.assertGreaterEqual(delta["getsFail"], 1)

    def test_stats_leader_on_the_leader(self):
        lead = self.cluster.leader()
        r = self.call("GET", "/v2/stats/leader", self.urls[lead])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/json")
        b = r.json()
        ids = {m["name"]: m["id"] for m in self.members()}
        lead_id = ids[self.cluster.members[lead].name]
        self.assertEqual(list(b), ["leader", "followers"])
        self.assertEqual(b["leader"], lead_id)
        self.assertEqual(sorted(b["followers"]), sorted(i for i in ids.values() if i != lead_id))
        for fid, f in b["followers"].items():
            self.assertEqual(list(f), ["latency", "counts"])
            self.assertEqual(list(f["latency"]), ["current", "average", "standardDeviation",
                                                  "minimum", "maximum"])
            self.assertEqual(list(f["counts"]), ["fail", "success"])
            self.assertGreater(f["counts"]["success"], 0)
            for v in f["latency"].values():
                self.assertIsInstance(v, (int, float))
