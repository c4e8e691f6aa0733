"""Cluster operations with real etcd2 processes (issue 6): discovery, force-new-cluster,
removed members, wrong cluster tokens, and members joining as learners.

Run: /usr/bin/python3 tests/ops/test_ops.py --binary build/etcd/cmd/etcd2 [-k name]
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from members import Sandbox, free_port, http, run_tests, wait_until  # noqa: E402

BINARY = None
REAL_ETCD = "/usr/bin/etcd"


class OpsCase(unittest.TestCase):
    def setUp(self):
        self.box = Sandbox(BINARY)

    def tearDown(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is not None and any(t is self for t, _ in result.errors + result.failures):
            print(self.box.logs(), file=sys.stderr)
        self.box.close()

    def leader_of(self, members):
        for m in members:
            status, _, body = http("GET", m.client_url + "/v2/stats/self")
            if status == 200 and json.loads(body)["state"] == "StateLeader":
                return m
        return None


class Discovery(OpsCase):
    def test_three_members_bootstrap_from_dns_srv_records(self):
        # In a namespace of its own, with /etc/netns/<ns>/resolv.conf (ip netns exec mounts
        # it over /etc/resolv.conf) pointing at the stub DNS server srv_bootstrap.py runs.
        if os.geteuid() != 0 or not shutil.which("ip"):
            self.skipTest("needs root and iproute2 for a network namespace")
        ns = "etcd2srv%d" % os.getpid()
        if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
            self.skipTest("cannot create network namespaces here")
        conf_dir = "/etc/netns/" + ns
        self.addCleanup(lambda: (subprocess.run(["ip", "netns", "del", ns]),
                                 shutil.rmtree(conf_dir, ignore_errors=True)))
        os.makedirs(conf_dir, exist_ok=True)
        with open(conf_dir + "/resolv.conf", "w") as f:
            f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "srv_bootstrap.py")
        run = subprocess.run(["ip", "netns", "exec", ns, "/usr/bin/python3", script,
                              "--binary", BINARY], capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)

    def discovery_service(self, real):
        if real:
            if not os.path.exists(REAL_ETCD):
                self.skipTest("real etcd not installed")
            client = "http://127.0.0.1:%d" % free_port()
            peer = "http://127.0.0.1:%d" % free_port()
            data = os.path.join(self.box.root, "real-etcd")
            log = open(os.path.join(self.box.root, "real-etcd.log"), "wb")
            proc = subprocess.Popen([REAL_ETCD, "--enable-v2=true", "--name", "disc", "--data-dir", data,
                                     "--listen-client-urls", client, "--advertise-client-urls", client,
                                     "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                                     "--initial-cluster", "disc=" + peer],
                                    stdout=log, stderr=log, start_new_session=True)
            self.addCleanup(lambda: (proc.kill(), proc.wait()))
            wait_until(lambda: http("GET", client + "/health")[0] == 200, what="real etcd")
            return client
        d = self.box.member("discovery")
        d.start("--initial-cluster", "discovery=" + d.peer_url)
        d.wait_healthy()
        return d.client_url

    def bootstrap_three(self, real):
        service = self.discovery_service(real)
        url = service + "/v2/keys/discovery/token-" + str(free_port())
        status, _, _ = http("PUT", url + "/_config/size", {"value": "3"})
        self.assertEqual(status, 201)
        members = [self.box.member("n%d" % i) for i in range(1, 4)]
        for m in members:
            m.start("--discovery", url)
        for m in members:
            m.wait_healthy(timeout=60)
        ids = {frozenset((x["name"], x["id"]) for x in m.members()) for m in members}
        self.assertEqual(len(ids), 1, "all members agree on the membership")
        self.assertEqual(len(next(iter(ids))), 3)
        self.assertIn(members[0].put("/via-discovery", "yes")[0], (200, 201))
        wait_until(lambda: members[2].get("/via-discovery", quorum=True)[0] == 200, what="replication")
        # A fourth member finds the cluster full and, with fallback exit, says so and exits.
        late = self.box.member("n4").start("--discovery", url, "--discovery-fallback", "exit")
        self.assertNotEqual(late.wait_exit(), 0)
        self.assertIn("discovery: cluster is full", late.log())

    def test_three_members_bootstrap_from_an_etcd2_discovery_service(self):
        self.bootstrap_three(real=False)

    def test_three_members_bootstrap_from_a_real_etcd_discovery_service(self):
        self.bootstrap_three(real=True)

    def test_missing_size_key_is_a_clear_error(self):
        service = self.discovery_service(real=False)
        m = self.box.member("lonely").start("--discovery", service + "/v2/keys/discovery/nosize")
        self.assertNotEqual(m.wait_exit(), 0)
        self.assertIn("discovery: size key not found", m.log())


class Recovery(OpsCase):
    def test_force_new_cluster_brings_one_member_back_with_the_data(self):
        members, _ = self.box.static_cluster(3)
        for i in range(20):
            self.assertIn(members[0].put("/k%d" % i, "v%d" % i)[0], (200, 201))
        wait_until(lambda: members[2].get("/k19", quorum=True)[0] == 200, what="replication")
        for m in members:
            m.kill()
        survivor = members[1]
        survivor.start("--force-new-cluster")
        survivor.wait_healthy()
        self.assertEqual(len(survivor.members()), 1)
        self.assertEqual(survivor.get("/k19")[1]["node"]["value"], "v19")
        self.assertIn(survivor.put("/after", "recovery")[0], (200, 201))
        # Restarting it plainly keeps the one-member cluster.
        survivor.kill()
        survivor.start()
        survivor.wait_healthy()
        self.assertEqual(survivor.get("/after")[1]["node"]["value"], "recovery")


class Refusals(OpsCase):
    def test_removed_member_stops_and_refuses_its_old_data_dir(self):
        members, cluster = self.box.static_cluster(3)
        victim = members[2]
        victim_id = next(m["id"] for m in members[0].members() if m["name"] == victim.name)
        status, _, body = http("DELETE", members[0].client_url + "/v2/members/" + victim_id)
        self.assertEqual(status, 204, body)
        self.assertEqual(victim.wait_exit(), 0, "a removed member stops itself")
        self.assertIn("removed from the cluster", victim.log())
        victim.start("--initial-cluster", cluster)
        self.assertNotEqual(victim.wait_exit(), 0)
        self.assertIn("was removed from the cluster; its data dir cannot be reused", victim.log())
        # The remaining two still serve writes (once they have a leader: the victim may
        # have been it).
        wait_until(lambda: self.leader_of(members[:2]), what="a leader among the survivors")
        self.assertIn(members[0].put("/still", "up")[0], (200, 201))

    def test_removing_the_leader_hands_leadership_over_first(self):
        members, _ = self.box.static_cluster(3)
        leader = wait_until(lambda: self.leader_of(members), what="a leader")
        leader_id = next(m["id"] for m in members[0].members() if m["name"] == leader.name)
        others = [m for m in members if m is not leader]
        status, _, body = http("DELETE", others[0].client_url + "/v2/members/" + leader_id,
                               timeout=15)
        self.assertEqual(status, 204, body)
        self.assertIn("handing leadership to", others[0].log())
        self.assertEqual(leader.wait_exit(), 0)
        # The new leader was elected by transfer before the removal committed: no election
        # timeout was waited, and the two survivors serve writes right away.
        self.assertIn(others[0].put("/after", "leader-removal")[0], (200, 201))
        self.assertIsNotNone(self.leader_of(others))

    def test_member_removed_while_down_is_told_by_its_peers_and_stops(self):
        members, cluster = self.box.static_cluster(3)
        victim = members[2]
        victim_id = next(m["id"] for m in members[0].members() if m["name"] == victim.name)
        victim.kill()
        # A proposal forwarded to a leader that just died is lost (as in etcd): wait for
        # the survivors to have a leader of their own.
        wait_until(lambda: self.leader_of(members[:2]), what="a leader among the survivors")
        status, _, body = http("DELETE", members[0].client_url + "/v2/members/" + victim_id)
        self.assertEqual(status, 204, body)
        # Its data dir still lists it as a member; the peers answer 410 and it stops.
        victim.start("--initial-cluster", cluster)
        self.assertEqual(victim.wait_exit(), 0, "a removed member stops itself")
        self.assertIn("was removed from the cluster", victim.log())
        self.assertTrue(os.path.exists(os.path.join(victim.data_dir, "member", "removed")))
        self.assertIn(members[0].put("/still", "up")[0], (200, 201))

    def test_member_of_another_cluster_is_refused_by_its_peers(self):
        members, cluster = self.box.static_cluster(3)
        impostor = members[2]
        impostor.kill()
        shutil.rmtree(impostor.data_dir)
        # Same name and URLs, other token: another cluster ID, so the peers must refuse it.
        impostor.start("--initial-cluster", cluster, "--initial-cluster-token", "another-cluster")
        wait_until(lambda: "cluster ID mismatch" in members[0].log() + members[1].log(),
                   what="the peers to log the refusal")
        wait_until(lambda: "cluster ID mismatch" in impostor.log(), what="the impostor to be told why")
        self.assertFalse(impostor.healthy())


class Membership(OpsCase):
    def test_added_member_joins_as_learner_and_is_promoted(self):
        members, cluster = self.box.static_cluster(3)
        for i in range(10):
            members[0].put("/before%d" % i, "x")
        newcomer = self.box.member("m4")
        status, _, body = http("POST", members[1].client_url + "/v2/members",
                               json.dumps({"peerURLs": [newcomer.peer_url]}).encode(),
                               content_type="application/json")
        self.assertEqual(status, 201, body)
        newcomer.start("--initial-cluster", cluster + ",m4=" + newcomer.peer_url,
                       "--initial-cluster-state", "existing")
        newcomer.wait_healthy(timeout=60)
        self.assertEqual(newcomer.get("/before9")[1]["node"]["value"], "x")
        listed = wait_until(lambda: [m for m in members[0].members() if m["name"] == "m4"],
                            what="m4 to publish its name")
        self.assertEqual(listed[0]["clientURLs"], [newcomer.client_url])
        # Promoted: with 4 voters, losing two members loses the quorum.
        leader = wait_until(lambda: self.leader_of(members + [newcomer]), what="a leader")
        status, _, body = http("GET", leader.client_url + "/v2/stats/leader")
        self.assertEqual(len(json.loads(body)["followers"]), 3)

    def test_removed_member_added_back_applies_exactly_what_the_others_applied(self):
        # The member rejoins with a fresh data dir and replays the log from its start,
        # including its old self's publish and removal. Its apply must not depend on the
        # member list its peers reported when it joined: the same store index everywhere,
        # and a write through it gets the index the others give it.
        members, cluster = self.box.static_cluster(3)
        victim = members[2]
        victim_id = next(m["id"] for m in members[0].members() if m["name"] == victim.name)
        members[0].put("/before", "x")
        status, _, body = http("DELETE", members[0].client_url + "/v2/members/" + victim_id)
        self.assertEqual(status, 204, body)
        self.assertEqual(victim.wait_exit(), 0)
        members[0].put("/while-away", "x")
        shutil.rmtree(victim.data_dir)
        status, _, body = http("POST", members[0].client_url + "/v2/members",
                               json.dumps({"peerURLs": [victim.peer_url]}).encode(),
                               content_type="application/json")
        self.assertEqual(status, 201, body)
        victim.start("--initial-cluster", cluster, "--initial-cluster-state", "existing")
        victim.wait_healthy(timeout=60)
        status, _, raw = victim.put("/through-the-newcomer", "y")
        self.assertIn(status, (200, 201), raw)
        index = json.loads(raw)["node"]["modifiedIndex"]

        def indexes():
            out = []
            for m in members:
                st, headers, _ = http("GET", m.client_url + "/v2/keys/")
                headers = {k.lower(): v for k, v in headers.items()}
                out.append(int(headers.get("x-etcd-index", -1)) if st == 200 else -1)
            return out if len(set(out)) == 1 and out[0] >= index else None
        wait_until(indexes, what="every member to apply the write (same X-Etcd-Index)")
        for m in members:
            st, got = m.get("/through-the-newcomer")
            self.assertEqual(st, 200)
            self.assertEqual(got["node"]["modifiedIndex"], index, m.name)



class GracefulStop(OpsCase):
    def test_a_stopping_leader_hands_leadership_over_first(self):
        members, _ = self.box.static_cluster(3)
        leader = wait_until(lambda: self.leader_of(members), 30, "a leader")
        others = [m for m in members if m is not leader]
        seen = {m.name: len(m.log()) for m in others}
        os.killpg(leader.proc.pid, signal.SIGTERM)
        self.assertEqual(leader.wait_exit(), 0)
        self.assertIn("stopping: handing leadership to", leader.log())
        self.assertNotIn("leadership was not handed over", leader.log())
        new_leader = wait_until(lambda: self.leader_of(others), 30, "a new leader")
        # Handed over (raft's timeout_now), not won after an election timeout without a
        # leader, which starts with a pre-vote round.
        since = {m.name: m.log()[seen[m.name]:] for m in others}
        self.assertIn("received timeout_now", since[new_leader.name])
        for m in others:
            self.assertNotIn("became pre-candidate", since[m.name], m.name)
        self.assertEqual(new_leader.put("/after", "1")[0], 201)


if __name__ == "__main__":
    run_tests(sys.modules[__name__])
