"""Lease service through etcdctl: grant, keep-alive (--once and streaming), timetolive
(--keys), list, revoke, keys attached with put --lease, and expiry (polled)."""

import re

from v3compat import V3Case, b64, wait_until

NOT_FOUND = ("NotFound", "etcdserver: requested lease not found")
HEADER_KEYS = ["cluster_id", "member_id", "raft_term", "revision"]


class CtlLease(V3Case):
    SERVICES = ("lease", "kv")

    def grant(self, ttl=300):
        r = self.ctl_ok("lease", "grant", ttl)
        m = re.fullmatch(r"lease ([0-9a-f]{16}) granted with TTL\((\d+)s\)\n", r.out)
        self.assertTrue(m, r)
        lid = m.group(1)
        self.addCleanup(self.ctl, "lease", "revoke", lid)
        return lid

    def assertFlatHeader(self, j):
        # etcdctl -w json for lease commands flattens the header into the object
        self.assertHeader({x: j[x] for x in HEADER_KEYS})

    def test_grant(self):
        r = self.ctl_ok("lease", "grant", "300")
        self.assertRegex(r.out, r"\Alease [0-9a-f]{16} granted with TTL\(300s\)\n\Z")
        self.addCleanup(self.ctl, "lease", "revoke", r.out.split()[1])
        j = self.ctl_json("lease", "grant", "300")
        self.addCleanup(self.ctl, "lease", "revoke", "%x" % j["ID"])
        self.assertEqual(sorted(j), sorted(HEADER_KEYS + ["ID", "TTL", "Error"]), j)
        self.assertEqual((j["TTL"], j["Error"]), (300, ""))
        self.assertGreater(j["ID"], 0)
        self.assertFlatHeader(j)
        self.assertNotEqual("%016x" % j["ID"], r.out.split()[1])

    def test_grant_below_minimum_ttl(self):
        # The server raises a TTL below its minimum (1.5 x election timeout, rounded up:
        # 2 s with cluster.py's --election-timeout 1000) and says so in the response.
        r = self.ctl_ok("lease", "grant", "1")
        self.assertRegex(r.out, r"\Alease [0-9a-f]{16} granted with TTL\(2s\)\n\Z")

    def test_timetolive(self):
        lid = self.grant()
        r = self.ctl_ok("lease", "timetolive", lid)
        m = re.fullmatch(r"lease %s granted with TTL\(300s\), remaining\((\d+)s\)\n" % lid, r.out)
        self.assertTrue(m, r)
        self.assertTrue(280 <= int(m.group(1)) <= 300, r)

    def test_timetolive_keys(self):
        lid = self.grant()
        self.ctl_ok("put", self.k("a"), "1", "--lease", lid)
        self.ctl_ok("put", self.k("b"), "2", "--lease=" + lid)
        r = self.ctl_ok("lease", "timetolive", lid, "--keys")
        m = re.fullmatch(r"lease %s granted with TTL\(300s\), remaining\(\d+s\), "
                         r"attached keys\(\[(.*)\]\)\n" % lid, r.out)
        self.assertTrue(m, r)
        self.assertEqual(sorted(m.group(1).split(" ")), [self.k("a"), self.k("b")])
        j = self.ctl_json("lease", "timetolive", lid, "--keys")
        self.assertEqual(sorted(j), sorted(HEADER_KEYS + ["id", "ttl", "granted-ttl", "keys"]))
        self.assertFlatHeader(j)
        self.assertEqual(j["id"], int(lid, 16))
        self.assertEqual(j["granted-ttl"], 300)
        self.assertTrue(280 <= j["ttl"] <= 300, j)
        self.assertEqual(sorted(j["keys"]), [b64(self.k("a")), b64(self.k("b"))])
        # the keys carry the lease
        kv = self.ctl_json("get", self.k("a"))["kvs"][0]
        self.assertEqual(kv["lease"], int(lid, 16))

    def test_timetolive_no_keys(self):
        lid = self.grant()
        j = self.ctl_json("lease", "timetolive", lid, "--keys")
        self.assertEqual(j["keys"], None)  # no attached keys: null

    def test_keep_alive_once(self):
        lid = self.grant()
        r = self.ctl_ok("lease", "keep-alive", "--once", lid)
        self.assertEqual(r.out, "lease %s keepalived with TTL(300)\n" % lid)
        j = self.ctl_json("lease", "keep-alive", "--once", lid)
        self.assertEqual(sorted(j), sorted(HEADER_KEYS + ["ID", "TTL"]))
        self.assertEqual((j["ID"], j["TTL"]), (int(lid, 16), 300))
        self.assertFlatHeader(j)

    def test_keep_alive_stream_until_revoked(self):
        # TTL 3: the client sends a keep-alive every TTL/3 s and notices the revocation
        # on the next one.
        lid = self.grant(3)
        p = self.bg("lease", "keep-alive", lid)
        first = "lease %s keepalived with TTL(3)" % lid
        self.assertEqual(p.wait_count(1)[0], first)
        self.ctl_ok("lease", "revoke", lid)
        lines = p.wait_lines(lambda ls: ls if ls and ls[-1].endswith("revoked.") else None,
                             timeout=20)
        self.assertEqual(set(lines[:-1]), {first})
        self.assertEqual(lines[-1], "lease %s expired or revoked." % lid)
        self.assertEqual(p.wait(), 0)

    def test_list(self):
        lid = self.grant()
        r = self.ctl_ok("lease", "list")
        lines = r.out.splitlines()
        self.assertEqual(lines[0], "found %d leases" % (len(lines) - 1), r)
        self.assertIn(lid, lines[1:])
        for x in lines[1:]:
            self.assertRegex(x, r"\A[0-9a-f]{16}\Z")
        j = self.ctl_json("lease", "list")
        self.assertEqual(sorted(j), sorted(HEADER_KEYS + ["leases"]))
        self.assertFlatHeader(j)
        self.assertIn({"id": int(lid, 16)}, j["leases"])
        for x in j["leases"]:
            self.assertEqual(sorted(x), ["id"])

    def test_revoke_deletes_keys(self):
        lid = self.grant()
        self.ctl_ok("put", self.k("a"), "1", "--lease", lid)
        self.ctl_ok("put", self.k("b"), "2", "--lease", lid)
        self.put(self.k("c"), "3")
        r = self.ctl_ok("lease", "revoke", lid)
        self.assertEqual(r.out, "lease %s revoked\n" % lid)
        self.assertEqual(self.ctl_ok("get", self.k(), "--prefix", "--keys-only").out,
                         "%sc\n\n" % self.prefix)
        r = self.ctl("lease", "revoke", lid)
        self.assertCtlError(r, 1, ["Error: failed to revoke lease (%s)" % NOT_FOUND[1]],
                            grpc=NOT_FOUND)

    def test_revoked_lease(self):
        lid = self.grant()
        self.ctl_ok("lease", "revoke", lid)
        r = self.ctl_ok("lease", "timetolive", lid)
        self.assertEqual(r.out, "lease %s already expired\n" % lid)
        j = self.ctl_json("lease", "timetolive", lid, "--keys")
        self.assertFlatHeader(j)
        self.assertEqual({x: j[x] for x in j if x not in HEADER_KEYS},
                         {"id": int(lid, 16), "ttl": -1, "granted-ttl": 0, "keys": None})
        # keep-alive of an unknown lease: exit status 2 (etcdctl's ExitBadConnection)
        r = self.ctl("lease", "keep-alive", "--once", lid)
        self.assertCtlError(r, 2, ["Error: " + NOT_FOUND[1]])
        r = self.ctl("put", self.k("a"), "v", "--lease", lid)
        self.assertCtlError(r, 1, ["Error: " + NOT_FOUND[1]], grpc=NOT_FOUND)

    def test_never_granted_lease(self):
        r = self.ctl("put", self.k("a"), "v", "--lease", "1234")
        self.assertCtlError(r, 1, ["Error: " + NOT_FOUND[1]], grpc=NOT_FOUND)
        r = self.ctl("lease", "revoke", "1234")
        self.assertCtlError(r, 1, ["Error: failed to revoke lease (%s)" % NOT_FOUND[1]],
                            grpc=NOT_FOUND)
        self.assertEqual(self.ctl_ok("lease", "timetolive", "1234").out,
                         "lease 0000000000001234 already expired\n")

    def test_expiry(self):
        lid = self.grant(2)
        self.ctl_ok("put", self.k("a"), "v", "--lease", lid)
        self.put(self.k("b"), "stays")
        wait_until(lambda: self.ctl_ok("get", self.k("a")).out == "", timeout=30,
                   what="the leased key to expire")
        self.assertEqual(self.ctl_ok("get", self.k("b"), "--print-value-only").out, "stays\n")
        wait_until(lambda: self.ctl_ok("lease", "timetolive", lid).out
                   == "lease %s already expired\n" % lid, timeout=10, what="lease gone")
        r = self.ctl_ok("lease", "list")
        self.assertNotIn(lid, r.out.splitlines())
