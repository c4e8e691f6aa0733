"""The real `etcdctl` (ETCDCTL_API=2) against the member under test.

Output is compared exactly, with etcdctl's trailing error index `[N]` checked against
the server's X-Etcd-Index where it is deterministic and normalised otherwise.
Everything runs with --no-sync (talk to exactly self.url) except EtcdctlSync.
"""

import json
import os
import re
import signal
import subprocess
import tempfile

from compat import CompatCase, ENV, ETCDCTL, ctl_env, norm_index, wait_until


class CtlCase(CompatCase):
    def ok(self, *args, **kw):
        p = self.ctl(*args, **kw)
        self.assertEqual(p.returncode, 0, "etcdctl %s: rc=%d stdout=%r stderr=%r"
                         % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p.stdout

    def fails(self, rc, stderr_norm, *args):
        """Runs etcdctl expecting exit status rc and (index-normalised) stderr."""
        p = self.ctl(*args)
        self.assertEqual((p.returncode, norm_index(p.stderr)), (rc, stderr_norm),
                         "etcdctl %s: stdout=%r stderr=%r" % (" ".join(args), p.stdout, p.stderr))
        return p

    def error_index(self, p):
        m = re.search(r"\[(\d+)\]\n$", p.stderr)
        self.assertIsNotNone(m, p.stderr)
        return int(m.group(1))


class EtcdctlKeys(CtlCase):
    def test_set_and_get(self):
        self.assertEqual(self.ok("set", self.k("a"), "hello"), "hello\n")
        self.assertEqual(self.ok("get", self.k("a")), "hello\n")
        self.assertEqual(self.get(self.k("a")).json()["node"]["value"], "hello")

    def test_get_missing_key_error_and_exit_code(self):
        self.put(self.k("x"), "1")
        p = self.fails(4, "Error:  100: Key not found (%s) [N]\n" % self.k("nope"),
                       "get", self.k("nope"))
        self.assertEqual(self.error_index(p), self.etcd_index())
        self.assertEqual(p.stdout, "")

    def test_get_on_directory(self):
        self.put(self.k("d/c"), "1")
        p = self.fails(1, "%s: is a directory\n" % self.k("d"), "get", self.k("d"))
        self.assertEqual(p.stdout, "")

    def test_mk_creates_only_new_keys(self):
        self.assertEqual(self.ok("mk", self.k("a"), "1"), "1\n")
        p = self.fails(4, "Error:  105: Key already exists (%s) [N]\n" % self.k("a"),
                       "mk", self.k("a"), "2")
        self.assertEqual(self.error_index(p),
                         self.get(self.k("a")).json()["node"]["modifiedIndex"])
        self.assertEqual(self.ok("get", self.k("a")), "1\n")

    def test_mk_in_order(self):
        keys = []
        for v in ("a", "b"):
            self.assertEqual(self.ok("mk", "--in-order", self.k("q"), v), v + "\n")
        keys = self.ok("ls", "--sort", self.k("q")).splitlines()
        self.assertEqual(len(keys), 2)
        for key in keys:
            self.assertRegex(key, "^" + re.escape(self.k("q/")) + r"\d{20}$")
        self.assertEqual([self.ok("get", k) for k in keys], ["a\n", "b\n"])

    def test_mkdir_setdir_updatedir_rmdir(self):
        self.assertEqual(self.ok("mkdir", self.k("d")), "")
        self.fails(4, "Error:  105: Key already exists (%s) [N]\n" % self.k("d"),
                   "mkdir", self.k("d"))
        self.assertEqual(self.ok("setdir", "--ttl", "300", self.k("s")), "")
        self.assertEqual(self.ok("updatedir", "--ttl", "400", self.k("s")), "")
        node = self.get(self.k("s")).json()["node"]
        self.assertIs(node["dir"], True)
        self.assertGreater(node["ttl"], 300)
        self.put(self.k("d/child"), "1")
        self.fails(4, "Error:  108: Directory not empty (%s) [N]\n" % self.k("d"),
                   "rmdir", self.k("d"))
        self.assertEqual(self.ok("rmdir", self.k("s")), "")
        self.assertEqual(self.get(self.k("s")).status, 404)

    def test_update(self):
        self.put(self.k("a"), "1")
        self.assertEqual(self.ok("update", self.k("a"), "2"), "2\n")
        self.fails(4, "Error:  100: Key not found (%s) [N]\n" % self.k("zz"),
                   "update", self.k("zz"), "3")
        b = self.get(self.k("a")).json()["node"]
        self.assertEqual(b["value"], "2")
        self.assertLess(b["createdIndex"], b["modifiedIndex"])

    def test_set_swap_with_value_and_index(self):
        n = self.put(self.k("a"), "1").json()["node"]
        self.fails(4, "Error:  101: Compare failed ([9 != 1]) [N]\n",
                   "set", "--swap-with-value", "9", self.k("a"), "x")
        self.assertEqual(self.ok("set", "--swap-with-value", "1", self.k("a"), "2"), "2\n")
        n2 = self.get(self.k("a")).json()["node"]
        self.fails(4, "Error:  101: Compare failed ([%d != %d]) [N]\n"
                   % (n["modifiedIndex"], n2["modifiedIndex"]),
                   "set", "--swap-with-index", str(n["modifiedIndex"]), self.k("a"), "x")
        self.assertEqual(self.ok("set", "--swap-with-index", str(n2["modifiedIndex"]),
                                 self.k("a"), "3"), "3\n")
        self.assertEqual(self.get(self.k("a")).json()["node"]["value"], "3")

    def test_rm_variants(self):
        self.put(self.k("a"), "1")
        self.assertEqual(self.ok("rm", self.k("a")), "PrevNode.Value: 1\n")
        self.fails(4, "Error:  100: Key not found (%s) [N]\n" % self.k("a"), "rm", self.k("a"))
        n = self.put(self.k("b"), "v").json()["node"]
        self.fails(4, "Error:  101: Compare failed ([w != v]) [N]\n",
                   "rm", "--with-value", "w", self.k("b"))
        self.fails(4, "Error:  101: Compare failed ([1 != %d]) [N]\n" % n["modifiedIndex"],
                   "rm", "--with-index", "1", self.k("b"))
        # compareAndDelete: etcdctl prints the (deleted, value-less) node's value
        self.assertEqual(self.ok("rm", "--with-value", "v", self.k("b")), "\n")
        self.assertEqual(self.get(self.k("b")).status, 404)
        n = self.put(self.k("c"), "w").json()["node"]
        self.assertEqual(self.ok("rm", "--with-index", str(n["modifiedIndex"]), self.k("c")),
                         "\n")
        self.assertEqual(self.get(self.k("c")).status, 404)
        self.put(self.k("d/e/f"), "1")
        self.fails(4, "Error:  102: Not a file (%s) [N]\n" % self.k("d"), "rm", self.k("d"))
        self.put(self.k("empty"), dir="true")
        self.assertEqual(self.ok("rm", "--dir", self.k("empty")), "")
        self.assertEqual(self.ok("rm", "--recursive", self.k("d")), "")
        self.assertEqual(self.get(self.k("d/e/f")).status, 404)

    def test_ls_plain_recursive_sorted_and_slash(self):
        for k in ("b", "a", "c/y", "c/x", "_hidden"):
            self.put(self.k(k), "1")
        self.assertEqual(sorted(self.ok("ls", self.prefix).splitlines()),
                         [self.k("a"), self.k("b"), self.k("c")])
        self.assertEqual(self.ok("ls", "--sort", self.prefix),
                         "".join(self.k(x) + "\n" for x in ("a", "b", "c")))
        self.assertEqual(self.ok("ls", "--sort", "-p", self.prefix),
                         "".join(self.k(x) + "\n" for x in ("a", "b", "c/")))
        self.assertEqual(self.ok("ls", "--sort", "--recursive", self.prefix),
                         "".join(self.k(x) + "\n" for x in ("a", "b", "c", "c/x", "c/y")))
        self.assertEqual(self.ok("ls", self.k("a")), self.k("a") + "\n")
        self.fails(4, "Error:  100: Key not found (%s) [N]\n" % self.k("zz"),
                   "ls", self.k("zz"))

    def test_ttl(self):
        self.assertEqual(self.ok("set", "--ttl", "300", self.k("t"), "v"), "v\n")
        node = self.get(self.k("t")).json()["node"]
        self.assertIn(node["ttl"], range(290, 301))
        out = self.ok("-o", "extended", "get", self.k("t"))
        m = re.fullmatch(r"Key: (\S+)\nCreated-Index: (\d+)\nModified-Index: (\d+)\n"
                         r"TTL: (\d+)\nIndex: (\d+)\n\nv\n", out)
        self.assertIsNotNone(m, out)
        self.assertEqual(m.group(1), self.k("t"))
        self.assertEqual(int(m.group(2)), node["createdIndex"])
        self.assertIn(int(m.group(4)), range(290, 301))
        self.assertEqual(self.ok("update", "--ttl", "500", self.k("t"), "w"), "w\n")
        self.assertGreater(self.get(self.k("t")).json()["node"]["ttl"], 400)

    def test_ttl_expiry(self):
        self.assertEqual(self.ok("mk", "--ttl", "1", self.k("t"), "v"), "v\n")
        wait_until(lambda: self.ctl("get", self.k("t")).returncode == 4, timeout=20,
                   what="ttl=1 key to expire")
        self.fails(4, "Error:  100: Key not found (%s) [N]\n" % self.k("t"), "get", self.k("t"))

    def test_json_output(self):
        n = self.put(self.k("a"), "1").json()["node"]
        out = json.loads(self.ok("-o", "json", "get", self.k("a")))
        self.assertEqual(out["action"], "get")
        self.assertEqual((out["node"]["key"], out["node"]["value"],
                          out["node"]["createdIndex"], out["node"]["modifiedIndex"]),
                         (self.k("a"), "1", n["createdIndex"], n["modifiedIndex"]))
        out = json.loads(self.ok("-o", "json", "set", self.k("a"), "2"))
        self.assertEqual(out["action"], "set")
        self.assertEqual(out["prevNode"]["value"], "1")

    def test_extended_output_index_is_etcd_index(self):
        self.put(self.k("a"), "1")
        before = self.etcd_index()
        out = self.ok("-o", "extended", "get", self.k("a"))
        idx = int(re.search(r"^Index: (\d+)$", out, re.M).group(1))
        self.assertGreaterEqual(idx, before)
        self.assertLessEqual(idx, self.etcd_index())

    def test_watch_after_index(self):
        n1 = self.put(self.k("w"), "1").json()["node"]
        self.put(self.k("w"), "2")
        out = self.ok("watch", "--after-index", str(n1["modifiedIndex"] - 1), self.k("w"))
        self.assertEqual(out, "1\n")
        out = self.ok("watch", "--after-index", str(n1["modifiedIndex"]), self.k("w"))
        self.assertEqual(out, "2\n")

    def test_watch_waits_for_next_change(self):
        idx = self.etcd_index()
        proc = subprocess.Popen(
            [ETCDCTL, "--endpoints", self.url, "--no-sync", "watch", "--after-index",
             str(idx), self.k("w")], env=ctl_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.put(self.k("other"), "x")
        self.put(self.k("w"), "new")
        out, err = proc.communicate(timeout=20)
        self.assertEqual((proc.returncode, out, err), (0, "new\n", ""))

    def test_watch_recursive_prints_action_and_key(self):
        n = self.put(self.k("d/a"), "1").json()["node"]
        out = self.ok("watch", "--recursive", "--after-index", str(n["modifiedIndex"] - 1),
                      self.prefix)
        self.assertEqual(out, "[set] %s\n1\n" % self.k("d/a"))
        self.req("DELETE", self.k("d/a"))
        out = self.ok("watch", "--recursive", "--after-index", str(n["modifiedIndex"]),
                      self.prefix)
        self.assertEqual(out, "[delete] %s\nPrevNode.Value: 1\n" % self.k("d/a"))

    def test_watch_history_cleared(self):
        n = self.put(self.k("old"), "1").json()["node"]
        self.flood(1010)
        p = self.fails(4, "Error:  401: The event in requested index is outdated and cleared "
                       "(the requested history has been cleared [N/N]) [N]\n",
                       "watch", "--after-index", str(n["modifiedIndex"] - 1), self.k("old"))
        self.assertRegex(p.stderr, r"\[\d+/%d\]" % n["modifiedIndex"])

    def test_exec_watch(self):
        out_file = tempfile.NamedTemporaryFile(delete=False)
        out_file.close()
        self.addCleanup(os.unlink, out_file.name)
        idx = self.etcd_index()
        proc = subprocess.Popen(
            [ETCDCTL, "--endpoints", self.url, "--no-sync", "exec-watch", "--after-index",
             # etcdctl quirk: once a flag is parsed, cli drops "--" and etcdctl then
             # takes the LAST argument as the key ("<command...> <key>")
             str(idx), "sh", "-c",
             'echo "$ETCD_WATCH_ACTION $ETCD_WATCH_KEY $ETCD_WATCH_VALUE" >> ' + out_file.name,
             self.k("x")],
            env=ctl_env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)

        def stop():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self.addCleanup(stop)
        self.put(self.k("x"), "v1")
        self.put(self.k("x"), "v2")

        def lines():
            with open(out_file.name) as f:
                got = f.read().splitlines()
            return got if len(got) >= 2 else None
        got = wait_until(lines, timeout=20, what="exec-watch to run twice")
        # etcdctl starts each command without waiting for the previous one: any order
        self.assertEqual(sorted(got), ["set %s v1" % self.k("x"), "set %s v2" % self.k("x")])


class EtcdctlCluster(CtlCase):
    def test_member_list(self):
        out = self.ok("member", "list")
        lines = out.splitlines()
        self.assertEqual(len(lines), ENV.size, out)
        members = {m["id"]: m for m in self.http.request("GET", "/v2/members").json()["members"]}
        leaders = 0
        for line in lines:
            m = re.fullmatch(r"([0-9a-f]+): name=(\S+) peerURLs=(\S+) clientURLs=(\S+) "
                             r"isLeader=(true|false)", line)
            self.assertIsNotNone(m, line)
            mem = members[m.group(1)]
            self.assertEqual(m.group(2), mem["name"])
            self.assertEqual(m.group(3), ",".join(mem["peerURLs"]))
            self.assertEqual(m.group(4), ",".join(mem["clientURLs"]))
            leaders += m.group(5) == "true"
        self.assertEqual(leaders, 1)

    def test_cluster_health(self):
        out = self.ok("cluster-health")
        lines = out.splitlines()
        self.assertEqual(lines[-1], "cluster is healthy")
        ids = {m["id"]: m for m in self.http.request("GET", "/v2/members").json()["members"]}
        self.assertEqual(len(lines), ENV.size + 1, out)
        for line in lines[:-1]:
            m = re.fullmatch(r"member ([0-9a-f]+) is healthy: got healthy result from (\S+)", line)
            self.assertIsNotNone(m, line)
            self.assertIn(m.group(2), ids[m.group(1)]["clientURLs"])


class EtcdctlSync(CtlCase):
    """Without --no-sync etcdctl first reads /v2/members and then uses the members'
    advertised client URLs."""

    def test_set_get_with_endpoint_sync(self):
        self.assertEqual(self.ok("set", self.k("a"), "s", no_sync=False), "s\n")
        self.assertEqual(self.ok("get", self.k("a"), no_sync=False), "s\n")
        self.assertEqual(self.ok("ls", self.prefix, no_sync=False), self.k("a") + "\n")

    def test_sync_error_output(self):
        self.put(self.k("a"), "1")
        p = self.ctl("mk", self.k("a"), "2", no_sync=False)
        self.assertEqual((p.returncode, norm_index(p.stderr)),
                         (4, "Error:  105: Key already exists (%s) [N]\n" % self.k("a")))
