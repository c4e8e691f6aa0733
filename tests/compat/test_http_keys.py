"""Raw HTTP: /v2/keys requests, response bodies, headers and error shapes.

What clients hide (exact status codes, headers, field presence and order, error
bodies) is checked here byte for byte where the wire reference pins it.
"""

import calendar
import json
import re
import time

from compat import CompatCase

NODE_ORDER = ["key", "value", "dir", "expiration", "ttl", "nodes", "modifiedIndex",
              "createdIndex"]
# Go prints IDs with %x: lower-case hex, no leading zeros (1 to 16 digits)
HEX_ID = re.compile(r"^[1-9a-f][0-9a-f]{0,15}$")


def pairs(body):
    """JSON parsed with key order kept: nested lists of (key, value) pairs."""
    return json.loads(body, object_pairs_hook=lambda p: p)


def parse_rfc3339_ns(s):
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z", s)
    if not m:
        raise AssertionError("not RFC 3339 UTC with fraction: %r" % s)
    secs = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    return secs + (int(m.group(2).ljust(9, "0")) / 1e9 if m.group(2) else 0.0)


class KeysCase(CompatCase):
    def assertNodeOrder(self, node_pairs):
        keys = [k for k, _ in node_pairs]
        self.assertEqual(keys, [k for k in NODE_ORDER if k in keys], keys)
        for k, v in node_pairs:
            if k == "nodes":
                for child in v:
                    self.assertNodeOrder(child)

    def assertSuccessHeaders(self, r):
        self.assertEqual(r.header("Content-Type"), "application/json", r)
        self.assertRegex(r.header("X-Etcd-Cluster-Id", ""), HEX_ID)
        for h in ("X-Etcd-Index", "X-Raft-Index", "X-Raft-Term"):
            self.assertRegex(r.header(h, ""), r"^\d+$", "%s missing: %r" % (h, r))
        self.assertGreaterEqual(int(r.header("X-Raft-Index")), int(r.header("X-Etcd-Index")))
        self.assertGreaterEqual(int(r.header("X-Raft-Term")), 1)
        self.assertTrue(r.body.endswith(b"\n"), r.body)


class HttpKeysWrite(KeysCase):
    def test_put_new_key_is_201_set_without_prevnode(self):
        r = self.req("PUT", self.k("a"), form={"value": "1"})
        self.assertEqual(r.status, 201, r)
        self.assertSuccessHeaders(r)
        b = r.json()
        idx = int(r.header("X-Etcd-Index"))
        self.assertEqual(b, {"action": "set", "node": {
            "key": self.k("a"), "value": "1", "modifiedIndex": idx, "createdIndex": idx}})
        top = pairs(r.body)
        self.assertEqual([k for k, _ in top], ["action", "node"])
        self.assertNodeOrder(top[1][1])

    def test_put_existing_key_is_200_set_with_prevnode_and_new_created_index(self):
        first = self.put(self.k("a"), "1").json()["node"]
        r = self.req("PUT", self.k("a"), form={"value": "2"})
        self.assertEqual(r.status, 200, r)
        self.assertSuccessHeaders(r)
        b = r.json()
        idx = int(r.header("X-Etcd-Index"))
        self.assertGreater(idx, first["modifiedIndex"])
        self.assertEqual(b["action"], "set")
        self.assertEqual(b["node"], {"key": self.k("a"), "value": "2",
                                     "modifiedIndex": idx, "createdIndex": idx})
        self.assertEqual(b["prevNode"], first)
        self.assertEqual([k for k, _ in pairs(r.body)], ["action", "node", "prevNode"])

    def test_get_file(self):
        node = self.put(self.k("f"), "hello").json()["node"]
        r = self.get(self.k("f"))
        self.assertEqual(r.status, 200, r)
        self.assertSuccessHeaders(r)
        self.assertEqual(r.json(), {"action": "get", "node": node})
        self.assertNotIn("dir", r.json()["node"])
        self.assertGreaterEqual(int(r.header("X-Etcd-Index")), node["modifiedIndex"])

    def test_head_has_get_headers_and_no_body(self):
        self.put(self.k("f"), "hello")
        g = self.get(self.k("f"))
        h = self.req("HEAD", self.k("f"))
        self.assertEqual(h.status, 200, h)
        self.assertEqual(h.body, b"")
        self.assertEqual(h.header("Content-Length"), str(len(g.body)))
        self.assertEqual(h.header("X-Etcd-Index"), g.header("X-Etcd-Index"))
        h = self.req("HEAD", self.k("missing"))
        self.assertEqual((h.status, h.body), (404, b""), h)
        self.assertTrue(h.has("X-Etcd-Index"))

    def test_prev_exist_false_creates_then_105(self):
        r = self.req("PUT", self.k("c"), params={"prevExist": "false"}, form={"value": "1"})
        self.assertEqual(r.status, 201, r)
        idx = int(r.header("X-Etcd-Index"))
        self.assertEqual(r.json(), {"action": "create", "node": {
            "key": self.k("c"), "value": "1", "modifiedIndex": idx, "createdIndex": idx}})
        r = self.req("PUT", self.k("c"), params={"prevExist": "false"}, form={"value": "2"})
        self.assertError(r, 412, 105, cause=self.k("c"), message="Key already exists")
        self.assertEqual(r.json()["index"], idx)

    def test_prev_exist_true_updates_and_keeps_created_index(self):
        first = self.put(self.k("u"), "1").json()["node"]
        r = self.req("PUT", self.k("u"), params={"prevExist": "true"}, form={"value": "2"})
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(b["action"], "update")
        self.assertEqual(b["node"]["createdIndex"], first["createdIndex"])
        self.assertEqual(b["node"]["modifiedIndex"], int(r.header("X-Etcd-Index")))
        self.assertEqual(b["node"]["value"], "2")
        self.assertEqual(b["prevNode"], first)
        r = self.req("PUT", self.k("nope"), params={"prevExist": "true"}, form={"value": "2"})
        self.assertError(r, 404, 100, cause=self.k("nope"), message="Key not found")

    def test_compare_and_swap_prev_value(self):
        first = self.put(self.k("s"), "old").json()["node"]
        r = self.req("PUT", self.k("s"), params={"prevValue": "nope"}, form={"value": "x"})
        self.assertError(r, 412, 101, cause="[nope != old]", message="Compare failed")
        r = self.req("PUT", self.k("s"), params={"prevValue": "old"}, form={"value": "new"})
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(b["action"], "compareAndSwap")
        self.assertEqual(b["node"]["value"], "new")
        self.assertEqual(b["node"]["createdIndex"], first["createdIndex"])
        self.assertEqual(b["prevNode"], first)

    def test_compare_and_swap_prev_index(self):
        first = self.put(self.k("s"), "v").json()["node"]
        mi = first["modifiedIndex"]
        r = self.req("PUT", self.k("s"), params={"prevIndex": "1"}, form={"value": "x"})
        self.assertError(r, 412, 101, cause="[1 != %d]" % mi)
        r = self.req("PUT", self.k("s"), params={"prevIndex": "1", "prevValue": "zz"},
                     form={"value": "x"})
        self.assertError(r, 412, 101, cause="[zz != v] [1 != %d]" % mi)
        r = self.req("PUT", self.k("s"), params={"prevIndex": str(mi)}, form={"value": "x"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["action"], "compareAndSwap")
        # prevIndex=0 means "no condition": a plain set
        r = self.req("PUT", self.k("s"), params={"prevIndex": "0"}, form={"value": "y"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["action"], "set")

    def test_compare_and_swap_on_missing_key_and_on_dir(self):
        self.put(self.k("d/c"), "1")
        r = self.req("PUT", self.k("nope"), params={"prevValue": "a"}, form={"value": "x"})
        self.assertError(r, 404, 100, cause=self.k("nope"))
        r = self.req("PUT", self.k("d"), params={"prevValue": "a"}, form={"value": "x"})
        self.assertError(r, 403, 102, cause=self.k("d"), message="Not a file")

    def test_delete_file(self):
        first = self.put(self.k("f"), "1").json()["node"]
        r = self.req("DELETE", self.k("f"))
        self.assertEqual(r.status, 200, r)
        self.assertSuccessHeaders(r)
        idx = int(r.header("X-Etcd-Index"))
        self.assertEqual(r.json(), {"action": "delete", "node": {
            "key": self.k("f"), "modifiedIndex": idx, "createdIndex": first["createdIndex"]},
            "prevNode": first})
        self.assertError(self.get(self.k("f")), 404, 100)
        self.assertError(self.req("DELETE", self.k("f")), 404, 100, cause=self.k("f"))

    def test_compare_and_delete(self):
        first = self.put(self.k("f"), "v").json()["node"]
        mi = first["modifiedIndex"]
        self.assertError(self.req("DELETE", self.k("f"), params={"prevValue": "x"}),
                         412, 101, cause="[x != v]")
        self.assertError(self.req("DELETE", self.k("f"), params={"prevIndex": "1"}),
                         412, 101, cause="[1 != %d]" % mi)
        r = self.req("DELETE", self.k("f"), params={"prevIndex": str(mi)})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["action"], "compareAndDelete")
        self.assertEqual(r.json()["prevNode"], first)
        self.put(self.k("g"), "w")
        r = self.req("DELETE", self.k("g"), params={"prevValue": "w"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["action"], "compareAndDelete")
        self.assertNotIn("value", r.json()["node"])

    def test_root_is_read_only(self):
        for method in ("PUT", "DELETE"):
            r = self.http.request(method, "/v2/keys/", form={"value": "x"}
                                  if method == "PUT" else None)
            self.assertError(r, 400, 107, cause="/", message="Root is read only")

    def test_post_creates_in_order_keys(self):
        keys = []
        for v in ("a", "b", "c"):
            r = self.req("POST", self.k("q"), form={"value": v})
            self.assertEqual(r.status, 201, r)
            b = r.json()
            self.assertEqual(b["action"], "create")
            idx = b["node"]["createdIndex"]
            self.assertEqual(b["node"]["key"], self.k("q/%020d" % idx))
            self.assertEqual(b["node"]["modifiedIndex"], idx)
            self.assertEqual(idx, int(r.header("X-Etcd-Index")))
            keys.append(b["node"]["key"])
        self.assertEqual(keys, sorted(keys))
        listing = self.get(self.k("q"), sorted="true").json()["node"]["nodes"]
        self.assertEqual([(n["key"], n["value"]) for n in listing],
                         list(zip(keys, ["a", "b", "c"])))

    def test_post_on_root_creates_a_top_level_in_order_key(self):
        r = self.http.request("POST", "/v2/keys/", form={"value": "r"})
        self.assertEqual(r.status, 201, r)
        node = r.json()["node"]
        try:
            self.assertEqual(node["key"], "/%020d" % node["createdIndex"])
        finally:
            self.req("DELETE", node["key"])

    def test_value_from_query_string_and_form_wins(self):
        r = self.req("PUT", self.k("q"), params={"value": "fromquery"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["node"]["value"], "fromquery")
        r = self.req("PUT", self.k("q"), params={"value": "fromquery2"}, form={"value": "fromform"})
        self.assertEqual(r.json()["node"]["value"], "fromform")
        # condition parameters are accepted in the form body too
        r = self.req("PUT", self.k("q"), form={"value": "z", "prevExist": "false"})
        self.assertError(r, 412, 105)
        r = self.req("PUT", self.k("q"), form={"value": "z", "prevValue": "fromform", "ttl": "300"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["action"], "compareAndSwap")
        self.assertEqual(r.json()["node"]["ttl"], 300)

    def test_put_without_value_sets_empty_string(self):
        r = self.req("PUT", self.k("e"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["node"]["value"], "")
        self.assertEqual(self.get(self.k("e")).json()["node"]["value"], "")

    def test_large_and_special_values_round_trip(self):
        big = "x" * 200000
        self.put(self.k("big"), big)
        self.assertEqual(self.get(self.k("big")).json()["node"]["value"], big)
        special = "a&b<c>d \u00e9\u6f22 \"q\" \\ \n\t"
        r = self.put(self.k("sp"), special)
        self.assertEqual(r.json()["node"]["value"], special)
        raw = self.get(self.k("sp")).body
        # Go's encoder: HTML-escaped &<>, raw UTF-8 for non-ASCII
        self.assertIn(b"a\\u0026b\\u003cc\\u003ed ", raw)
        self.assertIn("\u00e9\u6f22".encode("utf-8"), raw)


class HttpKeysDirs(KeysCase):
    def test_mkdir_and_empty_dir_shape(self):
        r = self.req("PUT", self.k("d"), params={"dir": "true"})
        self.assertEqual(r.status, 201, r)
        idx = int(r.header("X-Etcd-Index"))
        self.assertEqual(r.json(), {"action": "set", "node": {
            "key": self.k("d"), "dir": True, "modifiedIndex": idx, "createdIndex": idx}})
        self.assertNodeOrder(pairs(r.body)[1][1])
        g = self.get(self.k("d")).json()
        self.assertEqual(g, {"action": "get", "node": {
            "key": self.k("d"), "dir": True, "modifiedIndex": idx, "createdIndex": idx}})
        r = self.req("PUT", self.k("d2"), params={"dir": "true", "prevExist": "false"})
        self.assertEqual((r.status, r.json()["action"]), (201, "create"), r)

    def test_listing_non_recursive_and_recursive(self):
        a = self.put(self.k("t/a"), "1").json()["node"]
        b = self.put(self.k("t/sub/b"), "2").json()["node"]
        r = self.get(self.k("t"))
        self.assertEqual(r.status, 200, r)
        node = r.json()["node"]
        self.assertEqual(node["key"], self.k("t"))
        self.assertTrue(node["dir"])
        # implicitly created parents get the createdIndex of the write that made them
        self.assertEqual(node["createdIndex"], a["createdIndex"])
        byk = {n["key"]: n for n in node["nodes"]}
        self.assertEqual(set(byk), {self.k("t/a"), self.k("t/sub")})
        self.assertEqual(byk[self.k("t/a")], a)
        self.assertEqual(byk[self.k("t/sub")], {"key": self.k("t/sub"), "dir": True,
                                                "modifiedIndex": b["createdIndex"],
                                                "createdIndex": b["createdIndex"]})
        self.assertNodeOrder(pairs(r.body)[1][1])
        rec = self.get(self.k("t"), recursive="true").json()["node"]
        sub = [n for n in rec["nodes"] if n["key"] == self.k("t/sub")][0]
        self.assertEqual(sub["nodes"], [b])

    def test_sorted_listing(self):
        for name in ("m", "b", "z", "a", "k"):
            self.put(self.k("s/" + name), name)
        self.put(self.k("s/c/y"), "1")
        self.put(self.k("s/c/x"), "2")
        node = self.get(self.k("s"), sorted="true", recursive="true").json()["node"]
        self.assertEqual([n["key"] for n in node["nodes"]],
                         [self.k("s/" + x) for x in ("a", "b", "c", "k", "m", "z")])
        c = [n for n in node["nodes"] if n["key"] == self.k("s/c")][0]
        self.assertEqual([n["key"] for n in c["nodes"]], [self.k("s/c/x"), self.k("s/c/y")])
        # unsorted listings carry the same set of children
        node = self.get(self.k("s")).json()["node"]
        self.assertEqual(sorted(n["key"] for n in node["nodes"]),
                         [self.k("s/" + x) for x in ("a", "b", "c", "k", "m", "z")])

    def test_root_listing_shape(self):
        self.put(self.k("x"), "1")
        for path in ("/v2/keys/", "/v2/keys"):
            r = self.http.request("GET", path)
            self.assertEqual(r.status, 200, r)
            self.assertSuccessHeaders(r)
            top = pairs(r.body)
            self.assertEqual([k for k, _ in top], ["action", "node"])
            self.assertEqual([k for k, _ in top[1][1]], ["dir", "nodes"])
            node = r.json()["node"]
            self.assertIs(node["dir"], True)
            self.assertIn(self.prefix, [n["key"] for n in node["nodes"]])

    def test_dir_errors(self):
        self.put(self.k("d/f"), "1")
        self.assertError(self.req("PUT", self.k("d"), form={"value": "x"}), 403, 102,
                         cause=self.k("d"), message="Not a file")
        self.assertError(self.req("PUT", self.k("d"), params={"dir": "true"}), 403, 102,
                         cause=self.k("d"))
        self.assertError(self.req("PUT", self.k("d"), params={"dir": "true",
                                                             "prevExist": "false"}),
                         412, 105, cause=self.k("d"))
        self.assertError(self.req("PUT", self.k("d/f/g"), form={"value": "x"}), 400, 104,
                         cause=self.k("d/f"), message="Not a directory")
        self.assertError(self.get(self.k("d/f/g")), 400, 104, cause=self.k("d/f"))
        self.assertError(self.req("DELETE", self.k("d")), 403, 102, cause=self.k("d"))
        self.assertError(self.req("DELETE", self.k("d"), params={"dir": "true"}), 403, 108,
                         cause=self.k("d"), message="Directory not empty")
        self.assertError(self.req("DELETE", self.k("d"), params={"prevValue": "x"}), 403, 102)

    def test_delete_dirs(self):
        self.put(self.k("e"), dir="true")
        r = self.req("DELETE", self.k("e"), params={"dir": "true"})
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(b["action"], "delete")
        self.assertEqual(set(b["node"]), {"key", "dir", "modifiedIndex", "createdIndex"})
        self.assertIs(b["node"]["dir"], True)
        self.assertEqual(b["prevNode"]["dir"], True)
        self.put(self.k("t/a/b"), "1")
        r = self.req("DELETE", self.k("t"), params={"recursive": "true"})
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json()["node"]["dir"], True)
        self.assertError(self.get(self.k("t/a/b")), 404, 100)
        # dir=true on a file deletes the file
        self.put(self.k("f"), "1")
        r = self.req("DELETE", self.k("f"), params={"dir": "true"})
        self.assertEqual((r.status, r.json()["action"]), (200, "delete"), r)
        self.assertNotIn("dir", r.json()["node"])

    def test_dir_true_on_existing_file_replaces_it(self):
        f = self.put(self.k("f"), "1").json()["node"]
        r = self.req("PUT", self.k("f"), params={"dir": "true"})
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(b["action"], "set")
        self.assertIs(b["node"]["dir"], True)
        self.assertEqual(b["prevNode"], f)
        self.assertIs(self.get(self.k("f")).json()["node"]["dir"], True)

    def test_delete_ignores_form_body(self):
        self.put(self.k("d"), dir="true")
        r = self.req("DELETE", self.k("d"), form={"dir": "true"})
        self.assertError(r, 403, 102, cause=self.k("d"))
        r = self.req("DELETE", self.k("d"), params={"dir": "true"})
        self.assertEqual(r.status, 200, r)

    def test_hidden_keys(self):
        self.put(self.k("h/visible"), "v")
        self.put(self.k("h/_hidden"), "secret")
        self.put(self.k("h/_hdir/child"), "c")
        self.put(self.k("h/sub/_deep"), "d")
        node = self.get(self.k("h")).json()["node"]
        self.assertEqual(sorted(n["key"] for n in node["nodes"]),
                         [self.k("h/sub"), self.k("h/visible")])
        rec = self.get(self.k("h"), recursive="true").json()["node"]
        sub = [n for n in rec["nodes"] if n["key"] == self.k("h/sub")][0]
        self.assertNotIn("nodes", sub)
        self.assertEqual(self.get(self.k("h/_hidden")).json()["node"]["value"], "secret")
        hd = self.get(self.k("h/_hdir")).json()["node"]
        self.assertEqual([n["key"] for n in hd["nodes"]], [self.k("h/_hdir/child")])

    def test_percent_encoded_keys(self):
        r = self.http.request("PUT", "/v2/keys" + self.prefix + "/sp%20ace%2Fx",
                              form={"value": "v"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["node"]["key"], self.k("sp ace/x"))
        node = self.get(self.k("sp ace")).json()["node"]
        self.assertEqual([n["key"] for n in node["nodes"]], [self.k("sp ace/x")])
        key = self.k("\u00fcnicode-\u6f22 %?#&=+")
        r = self.req("PUT", key, form={"value": "u"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["node"]["key"], key)
        self.assertEqual(self.get(key).json()["node"]["value"], "u")

    def test_unclean_path_is_redirected(self):
        r = self.http.request("PUT", "/v2/keys" + self.prefix + "//a", form={"value": "1"})
        self.assertEqual(r.status, 301, r)
        self.assertEqual(r.header("Location"), "/v2/keys" + self.prefix + "/a")
        self.assertError(self.get(self.k("a")), 404, 100)

    def test_dir_ttl_update(self):
        self.put(self.k("d"), dir="true")
        r = self.req("PUT", self.k("d"), params={"dir": "true", "prevExist": "true",
                                                 "ttl": "300"})
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(b["action"], "update")
        self.assertIs(b["node"]["dir"], True)
        self.assertEqual(b["node"]["ttl"], 300)
        self.assertIn("expiration", b["node"])


class HttpKeysTtl(KeysCase):
    def test_ttl_fields_on_write_and_read(self):
        before = time.time()
        r = self.req("PUT", self.k("t"), params={"ttl": "300"}, form={"value": "v"})
        self.assertEqual(r.status, 201, r)
        node = r.json()["node"]
        self.assertEqual(node["ttl"], 300)
        self.assertNodeOrder(pairs(r.body)[1][1])
        self.assertRegex(node["expiration"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$")
        exp = parse_rfc3339_ns(node["expiration"])
        self.assertGreater(exp, before + 290)
        self.assertLess(exp, time.time() + 310)
        g = self.get(self.k("t")).json()["node"]
        self.assertEqual(g["expiration"], node["expiration"])
        self.assertIn(g["ttl"], range(290, 301))

    def test_ttl_cleared_with_empty_ttl_and_prev_exist(self):
        self.req("PUT", self.k("t"), params={"ttl": "300"}, form={"value": "v"})
        r = self.req("PUT", self.k("t"), params={"ttl": "", "prevExist": "true"},
                     form={"value": "v2"})
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(b["action"], "update")
        self.assertNotIn("ttl", b["node"])
        self.assertNotIn("expiration", b["node"])
        self.assertEqual(b["prevNode"]["ttl"], 300)
        self.assertNotIn("ttl", self.get(self.k("t")).json()["node"])
        # without a value the update also empties the value
        self.req("PUT", self.k("u"), params={"ttl": "300"}, form={"value": "v"})
        r = self.req("PUT", self.k("u"), params={"ttl": "", "prevExist": "true"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["node"]["value"], "")
        self.assertNotIn("ttl", r.json()["node"])

    def test_refresh_with_prev_exist_is_update_keeping_value(self):
        first = self.req("PUT", self.k("r"), params={"ttl": "1000"},
                         form={"value": "keep"}).json()["node"]
        r = self.req("PUT", self.k("r"), params={"refresh": "true", "prevExist": "true",
                                                 "ttl": "300"})
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(b["action"], "update")
        self.assertEqual(b["node"]["value"], "keep")
        self.assertEqual(b["node"]["ttl"], 300)
        self.assertEqual(b["node"]["createdIndex"], first["createdIndex"])
        self.assertGreater(b["node"]["modifiedIndex"], first["modifiedIndex"])
        self.assertEqual(b["prevNode"]["value"], "keep")
        g = self.get(self.k("r")).json()["node"]
        self.assertEqual(g["value"], "keep")
        self.assertGreater(g["ttl"], 200)

    def test_refresh_without_prev_exist_is_set_keeping_value(self):
        first = self.req("PUT", self.k("r"), params={"ttl": "1000"},
                         form={"value": "keep"}).json()["node"]
        r = self.req("PUT", self.k("r"), params={"refresh": "true", "ttl": "300"})
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(b["action"], "set")
        self.assertEqual(b["node"]["value"], "keep")
        self.assertEqual(b["node"]["ttl"], 300)
        self.assertGreater(b["node"]["createdIndex"], first["createdIndex"])
        r = self.req("PUT", self.k("nope"), params={"refresh": "true", "prevExist": "true",
                                                    "ttl": "5"})
        self.assertError(r, 404, 100, cause=self.k("nope"))


class HttpKeysErrors(KeysCase):
    def assertValidationError(self, r, code, message, cause):
        body = self.assertError(r, 400, code, cause=cause, message=message)
        self.assertEqual(body["index"], 0)
        self.assertEqual(r.header("X-Etcd-Index"), "0")

    def test_request_validation_errors(self):
        k = self.k("v")
        cases = [
            ("PUT", {"prevValue": ""}, {"value": "1"}, 201,
             "PrevValue is Required in POST form", '"prevValue" cannot be empty'),
            ("DELETE", {"prevValue": ""}, None, 201,
             "PrevValue is Required in POST form", '"prevValue" cannot be empty'),
            ("PUT", {"ttl": "abc"}, {"value": "1"}, 202,
             "The given TTL in POST form is not a number", 'invalid value for "ttl"'),
            ("PUT", {"ttl": "-1"}, {"value": "1"}, 202,
             "The given TTL in POST form is not a number", 'invalid value for "ttl"'),
            ("PUT", {"prevIndex": "abc"}, {"value": "1"}, 203,
             "The given index in POST form is not a number", 'invalid value for "prevIndex"'),
            ("PUT", {"prevIndex": "-1"}, {"value": "1"}, 203,
             "The given index in POST form is not a number", 'invalid value for "prevIndex"'),
            ("GET", {"wait": "true", "waitIndex": "abc"}, None, 203,
             "The given index in POST form is not a number", 'invalid value for "waitIndex"'),
            ("GET", {"recursive": "xyz"}, None, 209, "Invalid field",
             'invalid value for "recursive"'),
            ("GET", {"sorted": "xyz"}, None, 209, "Invalid field", 'invalid value for "sorted"'),
            ("GET", {"quorum": "xyz"}, None, 209, "Invalid field", 'invalid value for "quorum"'),
            ("GET", {"wait": "xyz"}, None, 209, "Invalid field", 'invalid value for "wait"'),
            ("PUT", {"dir": "xyz"}, None, 209, "Invalid field", 'invalid value for "dir"'),
            ("PUT", {"prevExist": "xyz"}, {"value": "1"}, 209, "Invalid field",
             "invalid value for prevExist"),
            ("PUT", {"wait": "true"}, {"value": "1"}, 209, "Invalid field",
             '"wait" can only be used with GET requests'),
            ("PUT", {"refresh": "true", "ttl": "5"}, {"value": "1"}, 211,
             "Value provided on refresh", "A value was provided on a refresh"),
            ("PUT", {"refresh": "true"}, None, 212,
             "A TTL must be provided on refresh", "No TTL value set"),
        ]
        for method, params, form, code, message, cause in cases:
            with self.subTest(method=method, params=params):
                r = self.req(method, k, params=params, form=form)
                self.assertValidationError(r, code, message, cause)
        self.assertError(self.get(k), 404, 100)  # nothing was written

    def test_error_headers(self):
        r = self.get(self.k("missing"))
        self.assertEqual(r.status, 404)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertRegex(r.header("X-Etcd-Cluster-Id", ""), HEX_ID)
        self.assertRegex(r.header("X-Etcd-Index", ""), r"^\d+$")
        self.assertFalse(r.has("X-Raft-Index"), r)
        self.assertFalse(r.has("X-Raft-Term"), r)
        self.assertEqual([k for k, _ in pairs(r.body)], ["errorCode", "message", "cause", "index"])
        r = self.req("PUT", self.k("x"), params={"ttl": "abc"}, form={"value": "1"})
        self.assertEqual(r.status, 400)
        self.assertRegex(r.header("X-Etcd-Cluster-Id", ""), HEX_ID)
        self.assertFalse(r.has("X-Raft-Index"), r)

    def test_quorum_get_has_plain_get_shape(self):
        self.put(self.k("q"), "v")
        plain = self.get(self.k("q"))
        q = self.get(self.k("q"), quorum="true")
        self.assertEqual(q.status, 200, q)
        self.assertSuccessHeaders(q)
        self.assertEqual(q.json(), plain.json())
        self.assertError(self.get(self.k("nope"), quorum="true"), 404, 100)

    def test_key_not_found_cause_is_first_missing_component(self):
        # observed: the cause names the first path component that does not exist
        missing = self.k("nodir/x/y")
        for method, params in (("GET", None), ("PUT", {"prevValue": "a"}),
                               ("PUT", {"prevExist": "true"}), ("PUT", {"prevIndex": "3"}),
                               ("DELETE", None), ("DELETE", {"prevValue": "a"})):
            with self.subTest(method=method, params=params):
                r = self.req(method, missing, params=params,
                             form={"value": "1"} if method == "PUT" else None)
                self.assertError(r, 404, 100, cause=self.prefix, message="Key not found")
        self.put(self.k("nodir/x"), dir="true")
        self.assertError(self.get(missing), 404, 100, cause=missing)

    def test_error_body_index_tracks_store_index(self):
        node = self.put(self.k("a"), "1").json()["node"]
        body = self.assertError(self.get(self.k("missing")), 404, 100)
        self.assertGreaterEqual(body["index"], node["modifiedIndex"])
        self.assertLessEqual(body["index"], self.etcd_index())
