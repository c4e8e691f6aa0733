"""KV service through etcdctl (ETCDCTL_API=3): put, get and its flags, del, txn (interactive
stdin), compaction, and the errors the server returns (exit status, stderr, gRPC status)."""

from v3compat import V3Case, b64, needs, needs_cluster, wait_until, ENV

FUTURE = ("OutOfRange", "etcdserver: mvcc: required revision is a future revision")
COMPACTED = ("OutOfRange", "etcdserver: mvcc: required revision has been compacted")


class CtlPutGet(V3Case):
    SERVICES = ("kv",)

    def test_put_get_simple(self):
        k = self.k("a")
        r = self.ctl_ok("put", k, "hello world")
        self.assertEqual(r.out, "OK\n")
        self.assertEqual(r.err, "")
        r = self.ctl_ok("get", k)
        self.assertEqual(r.out, "%s\nhello world\n" % k)
        r = self.ctl_ok("get", k, "-w", "simple")
        self.assertEqual(r.out, "%s\nhello world\n" % k)

    def test_put_get_json(self):
        k = self.k("a")
        j = self.ctl_json("put", k, "v1")
        self.assertEqual(sorted(j), ["header"], j)
        r1 = j["header"]["revision"]
        self.assertHeader(j["header"])
        j = self.ctl_json("put", k, "v2")
        r2 = j["header"]["revision"]
        self.assertEqual(r2, r1 + 1)
        j = self.ctl_json("get", k)
        self.assertHeader(j["header"], revision=r2)
        self.assertEqual(j["kvs"], [self.kv(k, "v2", r1, r2, 2)])
        self.assertEqual(j["count"], 1)
        self.assertEqual(sorted(j), ["count", "header", "kvs"])

    def test_get_fields(self):
        k = self.k("a")
        r1 = self.put(k, "x")
        r = self.ctl_ok("get", k, "-w", "fields")
        lines = r.out.splitlines()
        term = [ln for ln in lines if ln.startswith('"RaftTerm" : ')]
        self.assertEqual(len(term), 1, r)
        self.assertEqual(lines, [
            '"ClusterID" : %d' % ENV.cluster_id,
            '"MemberID" : %d' % self.member_id,
            '"Revision" : %d' % self.rev_at_least(r1, lines),
            term[0],
            '"Key" : "%s"' % k,
            '"CreateRevision" : %d' % r1,
            '"ModRevision" : %d' % r1,
            '"Version" : 1',
            '"Value" : "x"',
            '"Lease" : 0',
            '"More" : false',
            '"Count" : 1',
        ])

    def rev_at_least(self, r1, lines):
        rev = int([ln for ln in lines if ln.startswith('"Revision" : ')][0].split(":")[1])
        self.assertGreaterEqual(rev, r1)
        return rev

    def test_get_missing(self):
        r = self.ctl_ok("get", self.k("nothing"))
        self.assertEqual(r.out, "")
        j = self.ctl_json("get", self.k("nothing"))
        self.assertEqual(sorted(j), ["header"], j)  # no kvs, count 0 omitted
        self.assertHeader(j["header"])

    def test_value_from_stdin(self):
        k = self.k("a")
        r = self.ctl_ok("put", k, input="two\nlines")
        self.assertEqual(r.out, "OK\n")
        self.assertEqual(self.ctl_ok("get", k, "--print-value-only").out, "two\nlines\n")

    def test_put_prev_kv(self):
        k = self.k("a")
        r = self.ctl_ok("put", k, "v1", "--prev-kv")
        self.assertEqual(r.out, "OK\n")  # nothing before
        r1 = self.put(k, "v2")
        r = self.ctl_ok("put", k, "v3", "--prev-kv")
        self.assertEqual(r.out, "OK\n%s\nv2\n" % k)
        j = self.ctl_json("put", k, "v4", "--prev-kv")
        self.assertEqual(sorted(j), ["header", "prev_kv"])
        self.assertEqual(j["prev_kv"], self.kv(k, "v3", r1 - 1, r1 + 1, 3))
        self.assertEqual(j["header"]["revision"], r1 + 2)

    def test_put_ignore_value(self):
        k = self.k("a")
        r1 = self.put(k, "keep")
        r = self.ctl_ok("put", k, "--ignore-value")
        self.assertEqual(r.out, "OK\n")
        j = self.ctl_json("get", k)
        self.assertEqual(j["kvs"], [self.kv(k, "keep", r1, r1 + 1, 2)])

    def test_put_ignore_value_missing_key(self):
        r = self.ctl("put", self.k("nope"), "--ignore-value")
        self.assertCtlError(r, 1, ["Error: etcdserver: key not found"],
                            grpc=("InvalidArgument", "etcdserver: key not found"))

    def test_put_ignore_value_with_value_arg(self):
        # client-side check (exit 128 = ExitBadArgs)
        r = self.ctl("put", self.k("a"), "v", "--ignore-value")
        self.assertCtlError(r, 128,
                            ["Error: put command needs only 1 argument when 'ignore-value' is set"])

    @needs("lease")
    def test_put_ignore_lease(self):
        k = self.k("a")
        lease = self.ctl_json("lease", "grant", "300")["ID"]
        self.addCleanup(self.ctl, "lease", "revoke", "%x" % lease)
        self.put(k, "v1", "--lease", "%x" % lease)
        self.ctl_ok("put", k, "v2", "--ignore-lease")
        kv = self.ctl_json("get", k)["kvs"][0]
        self.assertEqual((kv["lease"], kv["value"]), (lease, b64("v2")))
        self.ctl_ok("put", k, "v3")  # a plain put detaches the lease
        self.assertNotIn("lease", self.ctl_json("get", k)["kvs"][0])

    def test_empty_key(self):
        want = ("InvalidArgument", "etcdserver: key is not provided")
        self.assertCtlError(self.ctl("put", "", "x"), 1,
                            ["Error: etcdserver: key is not provided"], grpc=want)
        self.assertCtlError(self.ctl("get", ""), 1,
                            ["Error: etcdserver: key is not provided"], grpc=want)

    def test_values_are_bytes(self):
        k = self.k("ünïcode key")
        self.ctl_ok("put", k, "välue\twith tab")
        self.assertEqual(self.ctl_ok("get", k).out, "%s\nvälue\twith tab\n" % k)
        self.assertEqual(self.ctl_json("get", k)["kvs"][0]["value"], b64("välue\twith tab"))

    def test_follower_serializable_read(self):
        # --consistency=s answers from the member's own state: on a follower the write is
        # visible once applied there (polled), with the same output as a linearizable get.
        k = self.k("a")
        self.put(k, "v")
        r = wait_until(lambda: (lambda r: r if r.out else None)(
            self.ctl_ok("get", k, "--consistency=s")), what="serializable read")
        self.assertEqual(r.out, "%s\nv\n" % k)

    @needs_cluster
    def test_write_via_follower_read_everywhere(self):
        # written through the member under test (a follower): every member's
        # linearizable read sees it, with that member's own member_id in the header
        k = self.k("a")
        rev = self.put(k, "v")
        for i, url in enumerate(self.urls):
            j = self.ctl_json("get", k, endpoints=url)
            self.assertEqual(j["kvs"], [self.kv(k, "v", rev, rev, 1)], url)
            self.assertEqual(j["header"]["member_id"], ENV.member_ids[i])
            self.assertEqual(j["header"]["cluster_id"], ENV.cluster_id)
            self.assertGreaterEqual(j["header"]["revision"], rev)


class CtlGetFlags(V3Case):
    SERVICES = ("kv",)

    def setUp(self):
        super().setUp()
        self.revs = {}
        for name, val in (("b", "2"), ("a", "3"), ("c", "1")):
            self.revs[name] = self.put(self.k(name), val)
        self.revs["a2"] = self.put(self.k("a"), "0")  # a: version 2, the latest mod
        self.put(self.k().rstrip("/") + "0", "outside")  # just past the prefix

    def keys(self, out):
        return out.splitlines()[0::2]

    def test_prefix(self):
        r = self.ctl_ok("get", self.k(), "--prefix")
        self.assertEqual(r.out, "%sa\n0\n%sb\n2\n%sc\n1\n" % ((self.prefix,) * 3))

    def test_range(self):
        r = self.ctl_ok("get", self.k("a"), self.k("c"))  # [a, c)
        self.assertEqual(self.keys(r.out), [self.k("a"), self.k("b")])

    def test_rev(self):
        r = self.ctl_ok("get", self.k(), "--prefix", "--rev", self.revs["a"])
        self.assertEqual(r.out, "%sa\n3\n%sb\n2\n" % ((self.prefix,) * 2))
        r = self.ctl_ok("get", self.k("a"), "--rev", self.revs["b"])  # before a existed
        self.assertEqual(r.out, "")
        j = self.ctl_json("get", self.k("a"), "--rev", self.revs["a"])
        self.assertEqual(j["kvs"], [self.kv(self.k("a"), "3", self.revs["a"], self.revs["a"], 1)])
        self.assertGreaterEqual(j["header"]["revision"], self.revs["a2"])  # current, not --rev

    def test_limit(self):
        j = self.ctl_json("get", self.k(), "--prefix", "--limit", "2")
        self.assertEqual([x["key"] for x in j["kvs"]], [b64(self.k("a")), b64(self.k("b"))])
        self.assertIs(j["more"], True)
        self.assertEqual(j["count"], 3)
        j = self.ctl_json("get", self.k(), "--prefix", "--limit", "3")
        self.assertNotIn("more", j)  # false omitted
        self.assertEqual(j["count"], 3)
        r = self.ctl_ok("get", self.k(), "--prefix", "--limit", "1")
        self.assertEqual(r.out, "%sa\n0\n" % self.prefix)

    def test_sort(self):
        p = self.k()

        def order(*flags):
            return [x[len(p):] for x in self.keys(self.ctl_ok("get", p, "--prefix", *flags).out)]
        self.assertEqual(order("--sort-by=KEY", "--order=DESCEND"), ["c", "b", "a"])
        self.assertEqual(order("--sort-by=KEY", "--order=ASCEND"), ["a", "b", "c"])
        self.assertEqual(order("--order=DESCEND"), ["c", "b", "a"])  # target defaults to KEY
        self.assertEqual(order("--sort-by=VALUE"), ["a", "c", "b"])  # "0" "1" "2"
        self.assertEqual(order("--sort-by=VALUE", "--order=DESCEND"), ["b", "c", "a"])
        self.assertEqual(order("--sort-by=CREATE"), ["b", "a", "c"])
        self.assertEqual(order("--sort-by=CREATE", "--order=DESCEND"), ["c", "a", "b"])
        self.assertEqual(order("--sort-by=MODIFY", "--order=DESCEND"), ["a", "c", "b"])
        self.assertEqual(order("--sort-by=VERSION", "--order=DESCEND")[0], "a")
        # sort + limit: the limit applies after sorting
        self.assertEqual(order("--sort-by=CREATE", "--order=DESCEND", "--limit", "1"), ["c"])

    def test_keys_only(self):
        r = self.ctl_ok("get", self.k(), "--prefix", "--keys-only")
        self.assertEqual(r.out, "%sa\n\n%sb\n\n%sc\n\n" % ((self.prefix,) * 3))
        j = self.ctl_json("get", self.k("a"), "--keys-only")
        self.assertEqual(j["kvs"], [{"key": b64(self.k("a")), "create_revision": self.revs["a"],
                                     "mod_revision": self.revs["a2"], "version": 2}])

    def test_print_value_only(self):
        r = self.ctl_ok("get", self.k(), "--prefix", "--print-value-only")
        self.assertEqual(r.out, "0\n2\n1\n")

    def test_count_only(self):
        r = self.ctl("get", self.k(), "--prefix", "--count-only", "-w", "json")
        if r.rc != 0 and "unknown flag: --count-only" in r.err:
            # etcdctl 3.4 has no --count-only (3.5 added it); the count comes with every
            # range response instead (and the gateway's count_only, see test_gateway).
            self.assertEqual(r.rc, 1, r)
            self.assertEqual(r.errlines[0], "Error: unknown flag: --count-only", r)
            j = self.ctl_json("get", self.k(), "--prefix", "--keys-only", "--limit", "1")
            self.assertEqual(j["count"], 3)
        else:
            self.assertEqual(r.rc, 0, r)
            j = r.json()
            self.assertEqual(j["count"], 3)
            self.assertNotIn("kvs", j)


class CtlFromKey(V3Case):
    """--from-key reaches every key after the given one: these cases use keys starting
    with "~" (0x7e), above every other key the suite writes, and delete them after."""
    SERVICES = ("kv",)

    def setUp(self):
        super().setUp()
        self.fk = "~" + self.prefix
        self.addCleanup(self.ctl, "del", "--prefix", "~")
        for name in ("a", "b", "c"):
            self.put(self.fk + name, "v" + name)

    def test_get_from_key(self):
        r = self.ctl_ok("get", self.fk + "b", "--from-key")
        self.assertEqual(r.out, "%sb\nvb\n%sc\nvc\n" % (self.fk, self.fk))
        r = self.ctl_ok("get", self.fk + "b", "--from-key", "--keys-only", "--limit", "1")
        self.assertEqual(r.out, "%sb\n\n" % self.fk)

    def test_del_from_key(self):
        r = self.ctl_ok("del", self.fk + "b", "--from-key")
        self.assertEqual(r.out, "2\n")
        self.assertEqual(self.ctl_ok("get", "~", "--prefix", "--keys-only").out,
                         "%sa\n\n" % self.fk)


class CtlDelete(V3Case):
    SERVICES = ("kv",)

    def test_del_one(self):
        k = self.k("a")
        self.put(k, "v")
        self.assertEqual(self.ctl_ok("del", k).out, "1\n")
        self.assertEqual(self.ctl_ok("del", k).out, "0\n")
        self.assertEqual(self.ctl_ok("get", k).out, "")

    def test_del_json(self):
        k = self.k("a")
        r1 = self.put(k, "v")
        j = self.ctl_json("del", k)
        self.assertEqual(sorted(j), ["deleted", "header"])
        self.assertEqual(j["deleted"], 1)
        self.assertHeader(j["header"], revision=r1 + 1)
        j = self.ctl_json("del", k)
        self.assertEqual(sorted(j), ["header"], j)  # deleted 0 omitted; no new revision
        self.assertHeader(j["header"], revision=r1 + 1)

    def test_del_prefix_prev_kv(self):
        for name in ("a", "b"):
            self.put(self.k(name), "v" + name)
        self.put(self.k().rstrip("/") + "0", "outside")
        r = self.ctl_ok("del", self.k(), "--prefix", "--prev-kv")
        self.assertEqual(r.out, "2\n%sa\nva\n%sb\nvb\n" % (self.prefix, self.prefix))
        self.assertEqual(self.ctl_ok("get", self.k().rstrip("/") + "0").out,
                         "%s0\noutside\n" % self.k().rstrip("/"))

    def test_del_prev_kv_json(self):
        k = self.k("a")
        r1 = self.put(k, "v")
        j = self.ctl_json("del", k, "--prev-kv")
        self.assertEqual(j["prev_kvs"], [self.kv(k, "v", r1, r1, 1)])
        self.assertEqual(j["deleted"], 1)

    def test_del_range(self):
        for name in ("a", "b", "c"):
            self.put(self.k(name), "v")
        self.assertEqual(self.ctl_ok("del", self.k("a"), self.k("c")).out, "2\n")
        self.assertEqual(self.ctl_ok("get", self.k(), "--prefix", "--keys-only").out,
                         "%sc\n\n" % self.prefix)

    def test_recreate_after_delete(self):
        k = self.k("a")
        self.put(k, "v1")
        self.put(k, "v2")
        self.ctl_ok("del", k)
        r3 = self.put(k, "v3")
        self.assertEqual(self.ctl_json("get", k)["kvs"], [self.kv(k, "v3", r3, r3, 1)])


PROMPTS = ("compares:\n"
           "success requests (get, put, del):\n"
           "failure requests (get, put, del):\n")


class CtlTxn(V3Case):
    """Output: SUCCESS or FAILURE, then per response an empty line and its output
    (put: OK; get: key/value lines; del: the count)."""
    SERVICES = ("kv",)

    def txn(self, compares, success, failure, *flags, interactive=True):
        text = "".join(c + "\n" for c in compares) + "\n"
        text += "".join(c + "\n" for c in success) + "\n"
        text += "".join(c + "\n" for c in failure) + "\n"
        args = ["txn"] + (["-i"] if interactive else []) + list(flags)
        return self.ctl(*args, input=text)

    def test_success_branch(self):
        k = self.k("k")
        self.put(k, "v1")
        r = self.txn(['value("%s") = "v1"' % k], ["put %s v2" % k, "get %s" % k],
                     ["put %s fail" % self.k("f")])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, PROMPTS + "SUCCESS\n\nOK\n\n%s\nv2\n" % k)
        self.assertEqual(self.ctl_ok("get", self.k("f")).out, "")

    def test_failure_branch(self):
        k = self.k("k")
        self.put(k, "v1")
        r = self.txn(['value("%s") = "other"' % k], ["put %s v2" % k],
                     ["get %s" % k, "put %s f" % self.k("f")])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, PROMPTS + "FAILURE\n\n%s\nv1\n\nOK\n" % k)

    def test_non_interactive(self):
        # without -i: the same stdin format, no prompts
        k = self.k("k")
        self.put(k, "v1")
        r = self.txn(['value("%s") = "v1"' % k], ["get %s" % k], [], interactive=False)
        self.assertEqual(r.out, "SUCCESS\n\n%s\nv1\n" % k)

    def test_compare_version_create_mod_json(self):
        k = self.k("k")
        c = self.put(k, "v1")
        m = self.put(k, "v2")
        r = self.txn(['version("%s") = "2"' % k, 'create("%s") = "%d"' % (k, c),
                      'mod("%s") > "%d"' % (k, c), 'mod("%s") < "%d"' % (k, m + 1),
                      'value("%s") != "v1"' % k],
                     ["put %s v3" % k, "del %s" % self.k("none"), "get %s" % k], [], "-w", "json")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(r.out.startswith(PROMPTS), r)
        j = __import__("json").loads(r.out[len(PROMPTS):])
        self.assertHeader(j["header"], revision=m + 1)
        self.assertEqual(j["succeeded"], True)
        self.assertEqual(j["responses"], [
            {"Response": {"ResponsePut": {"header": {"revision": m + 1}}}},
            {"Response": {"ResponseDeleteRange": {"header": {"revision": m + 1}}}},
            {"Response": {"ResponseRange": {"header": {"revision": m + 1},
                                            "kvs": [self.kv(k, "v3", c, m + 1, 3)],
                                            "count": 1}}},
        ])
        self.assertEqual(sorted(j), ["header", "responses", "succeeded"])

    def test_failure_json(self):
        k = self.k("k")
        c = self.put(k, "v1")
        r = self.txn(['version("%s") > "5"' % k], ["put %s x" % k], ["get %s" % k], "-w", "json")
        j = __import__("json").loads(r.out[len(PROMPTS):])
        self.assertNotIn("succeeded", j)  # false omitted
        self.assertHeader(j["header"], revision=c)
        self.assertEqual(j["responses"], [
            {"Response": {"ResponseRange": {"header": {"revision": c},
                                            "kvs": [self.kv(k, "v1", c, c, 1)],
                                            "count": 1}}}])

    def test_delete_in_txn_json(self):
        k = self.k("k")
        c = self.put(k, "v")
        r = self.txn(['version("%s") > "0"' % k], ["del %s" % k, "get %s" % k], [], "-w", "json")
        j = __import__("json").loads(r.out[len(PROMPTS):])
        self.assertEqual(j["responses"], [
            {"Response": {"ResponseDeleteRange": {"header": {"revision": c + 1}, "deleted": 1}}},
            {"Response": {"ResponseRange": {"header": {"revision": c + 1}}}}])

    def test_missing_key_compares(self):
        # version/create/mod of a missing key compare as 0; a value compare on a missing key
        # always fails (even against "")
        k = self.k("missing")
        ok = self.txn(['version("%s") = "0"' % k, 'create("%s") = "0"' % k,
                       'mod("%s") = "0"' % k], [], [], interactive=False)
        self.assertEqual(ok.out, "SUCCESS\n", ok)
        bad = self.txn(['value("%s") = ""' % k], [], [], interactive=False)
        self.assertEqual(bad.out, "FAILURE\n", bad)

    def test_empty_txn_json(self):
        r = self.txn([], [], [], "-w", "json", interactive=False)
        j = r.json()
        self.assertEqual(sorted(j), ["header", "succeeded"], j)  # no compares: success
        self.assertHeader(j["header"])

    def test_prefix_ops(self):
        self.put(self.k("a"), "1")
        self.put(self.k("b"), "2")
        r = self.txn([], ["get --prefix %s" % self.k(), "del --prefix %s" % self.k()], [],
                     interactive=False)
        self.assertEqual(r.out, "SUCCESS\n\n%sa\n1\n%sb\n2\n\n2\n" % (self.prefix, self.prefix))

    def test_duplicate_key(self):
        k = self.k("k")
        r = self.txn([], ["put %s 1" % k, "put %s 2" % k], [], interactive=False)
        self.assertCtlError(r, 1, ["Error: etcdserver: duplicate key given in txn request"],
                            grpc=("InvalidArgument",
                                  "etcdserver: duplicate key given in txn request"))

    def test_too_many_ops(self):
        r = self.txn([], ["put %s%d x" % (self.k(), i) for i in range(129)], [],
                     interactive=False)
        self.assertCtlError(r, 1, ["Error: etcdserver: too many operations in txn request"],
                            grpc=("InvalidArgument",
                                  "etcdserver: too many operations in txn request"))
        self.assertEqual(self.ctl_ok("get", self.k(), "--prefix", "--keys-only").out, "")

    def test_malformed_compare(self):
        # client-side parse error: exit 3 (ExitInvalidInput)
        r = self.txn(['bogus("x") = "1"'], [], [], interactive=False)
        self.assertCtlError(r, 3, ['Error: malformed comparison: bogus("x") = "1" '
                                   '(unknown target bogus)'])


class CtlRevisions(V3Case):
    SERVICES = ("kv",)

    def test_future_revision(self):
        k = self.k("a")
        r1 = self.put(k, "v")
        r = self.ctl("get", k, "--rev", r1 + 1000)
        self.assertCtlError(r, 1, ["Error: " + FUTURE[1]], grpc=FUTURE)

    def test_compaction(self):
        k = self.k("a")
        r1 = self.put(k, "v1")
        r2 = self.put(k, "v2")
        r3 = self.put(k, "v3")
        r = self.ctl_ok("compaction", r2)
        self.assertEqual(r.out, "compacted revision %d\n" % r2)
        # below the compaction revision: gone, with exit status 1
        r = self.ctl("get", k, "--rev", r1)
        self.assertCtlError(r, 1, ["Error: " + COMPACTED[1]], grpc=COMPACTED)
        # at and after it: still readable
        self.assertEqual(self.ctl_ok("get", k, "--rev", r2).out, "%s\nv2\n" % k)
        self.assertEqual(self.ctl_ok("get", k, "--rev", r3).out, "%s\nv3\n" % k)
        # compacting again at (or below) the compacted revision
        r = self.ctl("compaction", r2)
        self.assertCtlError(r, 1, ["Error: " + COMPACTED[1]], grpc=COMPACTED)
        r = self.ctl("compaction", r1)
        self.assertCtlError(r, 1, ["Error: " + COMPACTED[1]], grpc=COMPACTED)

    def test_compaction_physical(self):
        k = self.k("a")
        self.put(k, "v1")
        r2 = self.put(k, "v2")
        r = self.ctl_ok("compaction", "--physical", r2)
        self.assertEqual(r.out, "compacted revision %d\n" % r2)
        self.assertEqual(self.ctl_ok("get", k).out, "%s\nv2\n" % k)

    def test_compaction_future(self):
        r1 = self.put(self.k("a"), "v")
        r = self.ctl("compaction", r1 + 1000)
        self.assertCtlError(r, 1, ["Error: " + FUTURE[1]], grpc=FUTURE)
