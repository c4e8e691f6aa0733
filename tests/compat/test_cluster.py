"""Cases that need several members: followers forward writes, every member agrees,
leader-only endpoints, membership changes, and a member restart.

Skipped (with a reason) on 1-member runs.
"""

import json

from compat import CompatCase, ENV, Watch, http_request, keypath, needs_cluster, wait_until


@needs_cluster
class ClusterAgreement(CompatCase):
    def roles(self):
        lead = self.cluster.leader()
        return lead, [i for i in range(ENV.size) if i != lead]

    def test_members_lists_every_member_on_every_member(self):
        lists = []
        for url in self.urls:
            r = http_request(url, "GET", "/v2/members")
            self.assertEqual(r.status, 200, r)
            lists.append(sorted(r.json()["members"], key=lambda m: m["id"]))
        self.assertEqual(len(lists[0]), ENV.size)
        for other in lists[1:]:
            self.assertEqual(other, lists[0])

    def test_exactly_one_leader_and_same_cluster_id_and_term(self):
        # On a loaded machine an election may be under way at any moment (seen with the
        # real etcd in CI): the members must come to agree, not agree at one instant.
        self.put(self.k("a"), "1")

        def agreed():
            states = [self.cluster.stats_self(i)["state"] for i in range(ENV.size)]
            heads = [http_request(u, "GET", keypath(self.k("a"))) for u in self.urls]
            if sorted(states) != ["StateFollower"] * (ENV.size - 1) + ["StateLeader"]:
                return None
            if len({h.header("X-Raft-Term") for h in heads}) != 1:
                return None
            return heads
        heads = wait_until(agreed, what="one leader and one raft term on every member")
        self.assertEqual(len({h.header("X-Etcd-Cluster-Id") for h in heads}), 1)

    def test_stats_leader_only_on_the_leader(self):
        lead, followers = self.roles()
        r = http_request(self.urls[lead], "GET", "/v2/stats/leader")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json()["followers"]), ENV.size - 1)
        for f in followers:
            r = http_request(self.urls[f], "GET", "/v2/stats/leader")
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.json(), {"message": "not current leader"})
            self.assertEqual(r.header("Content-Type"), "application/json")

    def test_write_through_follower_seen_by_all(self):
        lead, followers = self.roles()
        r = http_request(self.urls[followers[0]], "PUT", keypath(self.k("a")),
                         form={"value": "via-follower"})
        self.assertEqual(r.status, 201, r)
        node = r.json()["node"]
        for i, url in enumerate(self.urls):
            # a plain GET is served locally: poll until the member has applied it
            got = wait_until(lambda: (lambda g: g if g.status == 200 else None)(
                http_request(url, "GET", keypath(self.k("a")))), what="member %d" % i)
            self.assertEqual(got.json()["node"], node)

    def test_quorum_read_your_writes_across_followers(self):
        _, followers = self.roles()
        a, b = followers[0], followers[-1]
        for i in range(5):
            w = http_request(self.urls[a], "PUT", keypath(self.k("rw")), form={"value": str(i)})
            self.assertIn(w.status, (200, 201), w)
            r = http_request(self.urls[b], "GET", keypath(self.k("rw")), params={"quorum": "true"})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["node"], w.json()["node"])

    def test_cas_through_different_members(self):
        lead, followers = self.roles()
        n = json.loads(http_request(self.urls[lead], "PUT", keypath(self.k("c")),
                                    form={"value": "0"}).body)["node"]
        r = http_request(self.urls[followers[0]], "PUT", keypath(self.k("c")),
                         params={"prevIndex": str(n["modifiedIndex"])}, form={"value": "1"})
        self.assertEqual((r.status, r.json()["action"]), (200, "compareAndSwap"), r)
        r = http_request(self.urls[followers[-1]], "PUT", keypath(self.k("c")),
                         params={"prevIndex": str(n["modifiedIndex"])}, form={"value": "2"})
        self.assertEqual(r.status, 412, r)
        self.assertEqual(r.json()["errorCode"], 101)

    def test_watch_on_one_member_write_on_another(self):
        lead, followers = self.roles()
        w = Watch(self.urls[followers[0]], keypath(self.k("w")), {"wait": "true"})
        self.addCleanup(w.close)
        r = http_request(self.urls[lead], "PUT", keypath(self.k("w")), form={"value": "x"})
        self.assertEqual(w.read_json(), {"action": "set", "node": r.json()["node"]})

    def test_in_order_keys_from_several_members(self):
        keys = []
        for url in self.urls:
            r = http_request(url, "POST", keypath(self.k("q")), form={"value": url})
            self.assertEqual(r.status, 201, r)
            keys.append(r.json()["node"]["key"])
        self.assertEqual(keys, sorted(keys))
        listing = http_request(self.url, "GET", keypath(self.k("q")),
                               params={"sorted": "true", "quorum": "true"}).json()
        self.assertEqual([n["value"] for n in listing["node"]["nodes"]], self.urls)

    def test_every_member_expires_at_the_same_index(self):
        r = http_request(self.url, "PUT", keypath(self.k("t")), params={"ttl": "1"},
                         form={"value": "v"})
        n = r.json()["node"]
        watches = [Watch(u, keypath(self.k("t")), {"wait": "true",
                                                    "waitIndex": str(n["modifiedIndex"] + 1)})
                   for u in self.urls]
        for w in watches:
            self.addCleanup(w.close)
        events = [w.read_json() for w in watches]
        self.assertEqual([e["action"] for e in events], ["expire"] * ENV.size)
        self.assertEqual(len({e["node"]["modifiedIndex"] for e in events}), 1, events)

    def test_etcdctl_member_list_marks_the_leader(self):
        from compat import etcdctl
        lead = self.cluster.leader()
        lead_id = self.cluster.stats_self(lead)["id"]
        p = etcdctl(self.url, "member", "list")
        self.assertEqual(p.returncode, 0, p)
        flagged = [line.split(":")[0] for line in p.stdout.splitlines()
                   if line.endswith("isLeader=true")]
        self.assertEqual(flagged, [lead_id])


@needs_cluster
class ClusterMembership(CompatCase):
    """Adds a (never started) 4th member, updates its peer URL, removes it. Safe on 3
    members: quorum stays 3 of 4 while it is listed."""

    JSON = {"Content-Type": "application/json"}

    def test_member_add_update_remove(self):
        from cluster import _pick_ports
        p1, p2 = _pick_ports(2)
        peer = "http://127.0.0.1:%d" % p1

        def add():
            r = http_request(self.url, "POST", "/v2/members", headers=self.JSON,
                             body=json.dumps({"peerURLs": [peer]}))
            # etcd answers 500 until all peers have been connected for ~5 s
            return r if r.status != 500 else None
        r = wait_until(add, timeout=30, what="member add accepted")
        self.assertEqual(r.status, 201, r)
        m = r.json()
        try:
            self.assertEqual(list(m), ["id", "name", "peerURLs", "clientURLs"])
            self.assertEqual((m["name"], m["peerURLs"], m["clientURLs"]), ("", [peer], []))
            self.assertRegex(m["id"], r"^[1-9a-f][0-9a-f]{0,15}$")
            listed = {x["id"]: x for x in http_request(self.url, "GET", "/v2/members")
                      .json()["members"]}
            self.assertEqual(listed[m["id"]], m)
            self.assertEqual(len(listed), ENV.size + 1)
            peer2 = "http://127.0.0.1:%d" % p2
            r = http_request(self.url, "PUT", "/v2/members/" + m["id"], headers=self.JSON,
                             body=json.dumps({"peerURLs": [peer2]}))
            self.assertEqual((r.status, r.body), (204, b""), r)
            listed = {x["id"]: x for x in http_request(self.url, "GET", "/v2/members")
                      .json()["members"]}
            self.assertEqual(listed[m["id"]]["peerURLs"], [peer2])
        finally:
            r = http_request(self.url, "DELETE", "/v2/members/" + m["id"])
        self.assertEqual((r.status, r.body), (204, b""), r)
        self.assertEqual(len(http_request(self.url, "GET", "/v2/members").json()["members"]),
                         ENV.size)
        # a removed ID is remembered: 410, not 404
        r = http_request(self.url, "DELETE", "/v2/members/" + m["id"])
        self.assertEqual(r.status, 410, r)
        self.assertEqual(r.json(), {"message": "Member permanently removed: " + m["id"]})


@needs_cluster
class ClusterRestart(CompatCase):
    """Kills (SIGKILL) a follower that is not the one under test, writes while it is down,
    restarts it from its data dir and checks it catches up. Runs after every other case
    (RUN_LAST) so that a disturbed cluster cannot affect them."""

    RUN_LAST = True

    def test_follower_restart_catches_up(self):
        lead = self.cluster.leader()
        victim = [i for i in range(ENV.size) if i not in (lead, ENV.target)][0]
        before = http_request(self.url, "PUT", keypath(self.k("a")), form={"value": "before"})
        self.assertEqual(before.status, 201, before)
        self.cluster.kill(victim)
        during = http_request(self.url, "PUT", keypath(self.k("a")), form={"value": "during"})
        self.assertEqual(during.status, 200, during)  # 2 of 3 is still a quorum
        self.cluster.restart(victim)
        url = self.urls[victim]
        got = wait_until(lambda: (lambda g: g if g.status == 200 and
                                  g.json()["node"]["value"] == "during" else None)(
            http_request(url, "GET", keypath(self.k("a")))), timeout=30,
            what="restarted member to catch up")
        self.assertEqual(got.json()["node"], during.json()["node"])
        self.cluster.wait_ready(30)
