"""Cluster service (member list/add/update/promote/remove) and `etcdctl endpoint`
(status, health, hashkv; with --cluster every member from the member list)."""

import re

from v3compat import V3Case, ENV, needs, wait_until

HEALTH_RE = r"%s is healthy: successfully committed proposal: took = \d+(\.\d+)?(ns|µs|ms|s)"


UNHEALTHY = ["Error: etcdserver: unhealthy cluster"]


class CtlMember(V3Case):
    SERVICES = ("cluster",)

    def add(self, *args):
        """etcdctl member add, polled past etcd's strict reconfiguration check: a
        multi-member cluster refuses any add ("etcdserver: unhealthy cluster", gRPC
        Unavailable) until every voting member has been connected for 5 s."""
        def attempt():
            r = self.ctl("member", "add", *args)
            if r.rc == 1 and r.errlines == UNHEALTHY:
                self.assertEqual(r.grpc, ("Unavailable", "etcdserver: unhealthy cluster"), r)
                return None
            return r
        return wait_until(attempt, timeout=30, interval=0.2, what="member add accepted")

    def members(self):
        """(id, name, peer, client) of the cluster's members, sorted by ID."""
        c = self.cluster
        return sorted((ENV.member_ids[i], c.members[i].name, c.members[i].peer_url,
                       c.members[i].client_url) for i in range(c.size))

    def test_list_simple(self):
        r = self.ctl_ok("member", "list")
        want = ["%x, started, %s, %s, %s, false" % m for m in self.members()]
        self.assertEqual(r.out.splitlines(), want, r)  # sorted by member ID

    def test_list_json(self):
        j = self.ctl_json("member", "list")
        self.assertEqual(sorted(j), ["header", "members"])
        self.assertHeader(j["header"], has_revision=False)  # no revision in member responses
        self.assertEqual(j["members"], [
            {"ID": mid, "name": name, "peerURLs": [peer], "clientURLs": [client]}
            for mid, name, peer, client in self.members()])

    def test_list_same_on_every_member(self):
        want = self.ctl_ok("member", "list").out
        for url in self.urls:
            self.assertEqual(self.ctl_ok("member", "list", endpoints=url).out, want)

    def test_learner_add_promote_remove(self):
        # A learner with an unreachable peer URL: no quorum change, so safe on 1 member.
        # Each add uses its own peer URL: a member ID is derived from the peer URLs and the
        # time in seconds, and the ID of a removed member cannot come back ("member not
        # found").
        url = "http://127.0.0.1:3"
        r = self.add("learner1", "--learner", "--peer-urls", url)
        self.assertEqual(r.rc, 0, r)
        lines = r.out.splitlines()
        # IDs printed with %16x: space-padded to 16 (member list prints %x)
        m = re.fullmatch(r"Member ([ 0-9a-f]{16}) added to cluster ([ 0-9a-f]{16})", lines[0])
        self.assertTrue(m, r)
        new_id = m.group(1).strip()
        self.addCleanup(self.ctl, "member", "remove", new_id)
        self.assertEqual(m.group(1), "%16x" % int(new_id, 16))
        self.assertEqual(m.group(2), "%16x" % ENV.cluster_id)
        self.assertEqual(lines[1], "")
        self.assertEqual(lines[2], 'ETCD_NAME="learner1"')
        ic = re.fullmatch(r'ETCD_INITIAL_CLUSTER="(.*)"', lines[3])
        self.assertTrue(ic, r)
        self.assertEqual(sorted(ic.group(1).split(",")),
                         sorted(["%s=%s" % (n, p) for _, n, p, _ in self.members()]
                                + ["learner1=%s" % url]))
        self.assertEqual(lines[4:], ['ETCD_INITIAL_ADVERTISE_PEER_URLS="%s"' % url,
                                     'ETCD_INITIAL_CLUSTER_STATE="existing"'])

        listed = self.ctl_ok("member", "list").out.splitlines()
        self.assertIn("%s, unstarted, , %s, , true" % (new_id, url), listed)
        self.assertEqual(len(listed), self.cluster.size + 1)
        j = self.ctl_json("member", "list")
        self.assertIn({"ID": int(new_id, 16), "peerURLs": [url], "isLearner": True},
                      j["members"])

        r = self.ctl("member", "promote", new_id)
        want = "etcdserver: can only promote a learner member which is in sync with leader"
        self.assertCtlError(r, 1, ["Error: " + want], grpc=("FailedPrecondition", want))

        r = self.ctl_ok("member", "remove", new_id)
        self.assertEqual(r.out, "Member %16x removed from cluster %16x\n"
                         % (int(new_id, 16), ENV.cluster_id))
        self.assertEqual(self.ctl_ok("member", "list").out.splitlines(),
                         ["%x, started, %s, %s, %s, false" % x for x in self.members()])
        r = self.ctl("member", "remove", new_id)
        self.assertCtlError(r, 1, ["Error: etcdserver: member not found"],
                            grpc=("NotFound", "etcdserver: member not found"))

    def test_learner_add_json(self):
        url = "http://127.0.0.1:4"
        r = self.add("learner2", "--learner", "--peer-urls", url, "-w", "json")
        self.assertEqual(r.rc, 0, r)
        j = r.json()
        new_id = j["member"]["ID"]
        self.addCleanup(self.ctl, "member", "remove", "%x" % new_id)
        self.assertEqual(sorted(j), ["header", "member", "members"])
        self.assertHeader(j["header"], has_revision=False)
        # the new member: no name, no client URLs yet
        self.assertEqual(j["member"], {"ID": new_id, "peerURLs": [url], "isLearner": True})
        self.assertEqual(sorted(j["members"], key=lambda m: m["ID"]), sorted(
            [{"ID": mid, "name": n, "peerURLs": [p], "clientURLs": [c]}
             for mid, n, p, c in self.members()] + [j["member"]], key=lambda m: m["ID"]))
        j = self.ctl_json("member", "remove", "%x" % new_id)
        self.assertHeader(j["header"], has_revision=False)
        self.assertEqual(j["members"], [
            {"ID": mid, "name": n, "peerURLs": [p], "clientURLs": [c]}
            for mid, n, p, c in self.members()])

    def test_add_existing_peer_url(self):
        peer = self.cluster.members[0].peer_url
        r = self.add("dup", "--learner", "--peer-urls", peer)
        self.assertCtlError(r, 1, ["Error: etcdserver: Peer URLs already exists"],
                            grpc=("FailedPrecondition", "etcdserver: Peer URLs already exists"))

    def test_update_same_peer_url(self):
        # a no-op update of the member under test (its own peer URL)
        mid = self.member_id
        peer = self.cluster.members[ENV.target].peer_url
        r = self.ctl_ok("member", "update", "%x" % mid, "--peer-urls", peer)
        self.assertEqual(r.out, "Member %16x updated in cluster %16x\n" % (mid, ENV.cluster_id))
        self.assertEqual(self.ctl_ok("member", "list").out.splitlines(),
                         ["%x, started, %s, %s, %s, false" % x for x in self.members()])

    def test_remove_unknown(self):
        r = self.ctl("member", "remove", "1234")
        self.assertCtlError(r, 1, ["Error: etcdserver: member not found"],
                            grpc=("NotFound", "etcdserver: member not found"))


class CtlEndpoint(V3Case):
    """status/hashkv use the Maintenance service, health a linearizable Range of the key
    "health", --cluster the member list."""

    def status_re(self, i):
        leader = ENV.member_ids[self.cluster.leader()]
        mid = ENV.member_ids[i]
        return (r"%s, %x, %s, \d+(\.\d+)? [kMG]?B, %s, false, \d+, \d+, \d+, " % (
            re.escape(self.cluster.members[i].client_url), mid, re.escape(ENV.server_version),
            "true" if mid == leader else "false"))

    @needs("maintenance")
    def test_status_simple(self):
        r = self.ctl_ok("endpoint", "status")
        self.assertRegex(r.out, r"\A%s\n\Z" % self.status_re(ENV.target))

    @needs("maintenance")
    def test_status_json(self):
        j = self.ctl_json("endpoint", "status")
        self.assertEqual(len(j), 1, j)
        self.assertEqual(sorted(j[0]), ["Endpoint", "Status"])
        self.assertEqual(j[0]["Endpoint"], self.url)
        st = j[0]["Status"]
        self.assertEqual(sorted(st), ["dbSize", "dbSizeInUse", "header", "leader", "raftAppliedIndex",
                                      "raftIndex", "raftTerm", "version"], st)
        self.assertHeader(st["header"])
        self.assertEqual(st["version"], ENV.server_version)
        self.assertEqual(st["leader"], ENV.member_ids[self.cluster.leader()])
        self.assertEqual(st["raftTerm"], st["header"]["raft_term"])
        self.assertGreater(st["raftIndex"], 0)
        self.assertLessEqual(st["raftAppliedIndex"], st["raftIndex"] + 1000)
        self.assertGreater(st["dbSize"], 0)
        self.assertLessEqual(st["dbSizeInUse"], st["dbSize"])

    @needs("maintenance", "cluster")
    def test_status_cluster(self):
        r = self.ctl_ok("endpoint", "status", "--cluster")
        lines = r.out.splitlines()
        self.assertEqual(len(lines), self.cluster.size, r)
        for i in range(self.cluster.size):
            self.assertEqual(len([x for x in lines if re.fullmatch(self.status_re(i), x)]), 1,
                             (i, r))

    @needs("kv")
    def test_health(self):
        r = self.ctl_ok("endpoint", "health")
        self.assertEqual(r.out, "")  # the report goes to stderr
        self.assertRegex(r.err, r"\A%s\n\Z" % (HEALTH_RE % re.escape(self.url)))
        j = self.ctl_json("endpoint", "health")
        self.assertEqual(len(j), 1)
        self.assertEqual(sorted(j[0]), ["endpoint", "health", "took"])
        self.assertEqual((j[0]["endpoint"], j[0]["health"]), (self.url, True))

    @needs("kv", "cluster")
    def test_health_cluster(self):
        r = self.ctl_ok("endpoint", "health", "--cluster")
        self.assertEqual(r.out, "")
        lines = r.err.splitlines()
        self.assertEqual(len(lines), self.cluster.size, r)
        for url in self.urls:
            self.assertEqual(len([x for x in lines if re.fullmatch(HEALTH_RE % re.escape(url), x)]),
                             1, (url, r))
        j = self.ctl_json("endpoint", "health", "--cluster")
        self.assertEqual(sorted(x["endpoint"] for x in j), sorted(self.urls))
        self.assertTrue(all(x["health"] is True for x in j), j)

    @needs("maintenance", "kv")
    def test_hashkv(self):
        rev = self.put(self.k("a"), "v")
        r = self.ctl_ok("endpoint", "hashkv", "--rev", rev)
        self.assertRegex(r.out, r"\A%s, \d+\n\Z" % re.escape(self.url))
        j = self.ctl_json("endpoint", "hashkv", "--rev", rev)
        self.assertEqual(len(j), 1)
        self.assertEqual(sorted(j[0]), ["Endpoint", "HashKV"])
        h = j[0]["HashKV"]
        self.assertEqual(sorted(h), ["compact_revision", "hash", "header"], h)
        self.assertHeader(h["header"])
        self.assertEqual(int(r.out.split(", ")[1]), h["hash"])
        # compact_revision: -1 before any compaction, else the last compaction's revision
        self.assertTrue(h["compact_revision"] == -1 or 0 < h["compact_revision"] <= rev, h)

    @needs("maintenance", "kv", "cluster")
    def test_hashkv_cluster_agrees(self):
        rev = self.put(self.k("a"), "v")

        def all_members():  # a member that has not applied rev yet says "future revision"
            r = self.ctl("endpoint", "hashkv", "--cluster", "--rev", rev, "-w", "json")
            return r.json() if r.rc == 0 else None
        j = wait_until(all_members, what="hashkv at %d on every member" % rev)
        self.assertEqual(sorted(x["Endpoint"] for x in j), sorted(self.urls))
        self.assertEqual(len({x["HashKV"]["hash"] for x in j}), 1, j)
        self.assertEqual(len({x["HashKV"]["compact_revision"] for x in j}), 1, j)

    @needs("maintenance", "kv")
    def test_hashkv_future_revision(self):
        rev = self.put(self.k("a"), "v")
        r = self.ctl("endpoint", "hashkv", "--rev", rev + 1000)
        desc = "etcdserver: mvcc: required revision is a future revision"
        self.assertCtlError(r, 1, ["Failed to get the hash of endpoint %s (%s)" % (self.url, desc),
                                   "Error: " + desc], grpc=("OutOfRange", desc))
