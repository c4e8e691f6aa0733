"""etcdctl lock and elect (etcd 3.4 implements both in the client with clientv3/concurrency:
a session lease kept alive, a key <name>/<lease id in hex> created in a Txn, and a Watch on
the previous waiter's key), so they need kv, lease and watch besides the lock marker.

A lock holder prints its key and an empty line; a second locker creates its waiter key and
blocks. SIGTERM makes etcdctl release (revoke its session) and exit."""

import re
import signal

from v3compat import V3Case, b64, unb64, wait_until

KEY_RE = r"\A%s/[0-9a-f]+\Z"  # <name>/<lease ID in hex, %x>


class CtlLock(V3Case):
    SERVICES = ("lock", "kv", "lease", "watch")

    def keys(self, name):
        j = self.ctl_json("get", name, "--prefix", "--keys-only")
        return [(unb64(kv["key"]), kv["create_revision"], kv.get("lease", 0))
                for kv in j.get("kvs", [])]

    def test_lock_blocks_second_until_first_killed(self):
        name = self.k("lk")
        p1 = self.bg("lock", name)
        l1 = p1.wait_count(2)
        self.assertRegex(l1[0], KEY_RE % re.escape(name))
        self.assertEqual(l1[1], "")
        held = self.keys(name)
        self.assertEqual([k for k, _, _ in held], [l1[0]])
        self.assertNotEqual(held[0][2], 0)  # held under the session's lease
        self.assertEqual(l1[0], "%s/%x" % (name, held[0][2]))

        p2 = self.bg("lock", name)
        # p2 is queued once its own key exists (created after p1's); it must not print
        waiting = wait_until(lambda: (lambda ks: ks if len(ks) == 2 else None)(self.keys(name)),
                             what="the second locker's key")
        self.assertEqual(waiting[0][0], l1[0])
        self.assertLess(waiting[0][1], waiting[1][1])
        self.assertEqual(p2.lines(), [])

        p1.signal(signal.SIGTERM)  # releases the lock
        self.assertEqual(p1.wait(), 0, p1.describe())
        self.assertEqual(p2.wait_count(2), [waiting[1][0], ""])
        self.assertEqual([k for k, _, _ in self.keys(name)], [waiting[1][0]])

        p2.signal(signal.SIGTERM)
        self.assertEqual(p2.wait(), 0, p2.describe())
        wait_until(lambda: self.keys(name) == [], what="lock keys gone")

    def test_lock_session_ttl(self):
        name = self.k("lk")
        p = self.bg("lock", "--ttl", "30", name)
        key = p.wait_count(1)[0]
        lid = "%016x" % int(key.rsplit("/", 1)[1], 16)  # the key has %x, etcdctl prints %016x
        r = self.ctl_ok("lease", "timetolive", lid)
        self.assertRegex(r.out, r"\Alease %s granted with TTL\(30s\), remaining\(\d+s\)\n\Z"
                         % lid)

    def test_lock_exec_command(self):
        name = self.k("lk")
        r = self.ctl_ok("lock", name, "echo", "hello", "world")
        self.assertEqual(r.out, "hello world\n")
        r = self.ctl("lock", name, "--", "sh", "-c", "echo out; exit 3")
        self.assertEqual(r.out, "out\n")
        self.assertCtlError(r, 1, ["Error: exit status 3"])
        self.assertEqual(self.keys(name), [])  # released after the command

    def test_elect_campaign_and_observe(self):
        name = self.k("el")
        c1 = self.bg("elect", name, "p1")
        lead1 = c1.wait_count(2)
        self.assertRegex(lead1[0], KEY_RE % re.escape(name))
        self.assertEqual(lead1[1], "p1")

        obs = self.bg("elect", "-l", name)
        self.assertEqual(obs.wait_count(2), lead1)

        c2 = self.bg("elect", name, "p2")
        wait_until(lambda: len(self.keys(name)) == 2, what="the second candidate's key")
        self.assertEqual(c2.lines(), [])
        # the candidates' values are the proposals
        j = self.ctl_json("get", name, "--prefix")
        self.assertEqual([unb64(kv["value"]) for kv in j["kvs"]], ["p1", "p2"])

        c1.signal(signal.SIGTERM)  # resigns
        self.assertEqual(c1.wait(), 0, c1.describe())
        lead2 = c2.wait_count(2)
        self.assertRegex(lead2[0], KEY_RE % re.escape(name))
        self.assertNotEqual(lead2[0], lead1[0])
        self.assertEqual(lead2[1], "p2")
        # the observer prints every new leader
        self.assertEqual(obs.wait_count(4)[2:], lead2)

    def test_elect_observe_without_leader(self):
        # an observer of an empty election prints nothing until someone campaigns
        name = self.k("el")
        obs = self.bg("elect", "-l", name)
        c = self.bg("elect", name, "v")
        lead = c.wait_count(2)
        self.assertEqual(obs.wait_count(2), lead)
        self.assertEqual(self.ctl_json("get", lead[0])["kvs"][0]["value"], b64("v"))
