"""etcd2 in proxy mode (docs/proxy.md) with real processes: a 3-member cluster and a proxy
that knows only the members' peer URLs. Reads, writes and watches through the proxy; the
readonly mode's bare 501; failover when the member the proxy uses dies; a restart of the
proxy from its data dir alone.

Run: /usr/bin/python3 tests/ops/test_proxy.py --binary build/etcd/cmd/etcd2 [-k name]
"""
import http.client as httpclient
import json
import os
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from members import Member, Sandbox, http, run_tests, wait_until  # noqa: E402

BINARY = None


class ProxyProcess(Member):
    """An etcd2 --proxy process: only client URLs, a data dir and the proxy flags."""

    def start(self, *extra):
        self.args = [self.binary, "--name", self.name, "--data-dir", self.data_dir,
                     "--listen-client-urls", self.client_url] + list(extra)
        return self.start_args()

    def start_args(self):
        log = open(self.log_path, "ab")
        log.write(("=== %s\n" % " ".join(self.args)).encode())
        log.flush()
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=log, start_new_session=True)
        log.close()
        return self

    def serving_member(self):
        """The member name behind this proxy right now (its /v2/stats/self)."""
        status, _, body = http("GET", self.client_url + "/v2/stats/self")
        return json.loads(body)["name"] if status == 200 else None


def next_chunk(fp):
    """The next non-blank chunk of a chunked body, read off the raw socket file."""
    while True:
        size = int(fp.readline().strip(), 16)
        if size == 0:
            raise AssertionError("the stream ended")
        data = fp.read(size)
        fp.readline()  # the chunk's CRLF
        if data.strip():
            return data


class ProxyCase(unittest.TestCase):
    def setUp(self):
        self.box = Sandbox(BINARY)
        self.members, self.cluster = self.box.static_cluster(3)

    def tearDown(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is not None and any(t is self for t, _ in result.errors + result.failures):
            print(self.box.logs(), file=sys.stderr)
        self.box.close()

    def proxy(self, name="proxy", *extra):
        p = ProxyProcess(self.box.root, BINARY, name)
        self.box.members.append(p)
        p.start(*extra)
        p.wait_healthy()
        return p

    def rw_proxy(self, *extra):
        return self.proxy("proxy", "--proxy", "on", "--initial-cluster", self.cluster,
                          "--proxy-refresh-interval", "1000", *extra)

    def test_reads_writes_and_cluster_endpoints_go_through(self):
        p = self.rw_proxy()
        status, headers, body = p.put("/via-proxy", "hello")
        self.assertEqual(status, 201, body)
        self.assertIn("X-Etcd-Index", headers)
        wait_until(lambda: self.members[2].get("/via-proxy", quorum=True)[0] == 200,
                   what="the write on the members")
        self.assertEqual(p.get("/via-proxy")[1]["node"]["value"], "hello")
        self.assertEqual(sorted(m["name"] for m in p.members()), ["m1", "m2", "m3"])
        for path in ("/v2/machines", "/v2/stats/self", "/v2/stats/store", "/version", "/health",
                     "/v2/stats/leader"):
            status, _, body = http("GET", p.client_url + path)
            self.assertIn(status, (200, 403), "%s: %r" % (path, body))  # stats/leader: 403 off-leader
        self.assertEqual(http("GET", p.client_url + "/v2/keys/missing")[0], 404)
        config = json.loads(http("GET", p.client_url + "/v2/config/local/proxy")[2])
        self.assertEqual(sorted(config["endpoints"]), sorted(m.client_url for m in self.members))
        self.assertFalse(os.path.exists(os.path.join(p.data_dir, "member")), "a proxy has no member")

    def test_long_poll_and_stream_watches(self):
        p = self.rw_proxy()
        got = {}

        def watch():
            got["reply"] = http("GET", p.client_url + "/v2/keys/watched?wait=true", timeout=30)

        t = threading.Thread(target=watch)
        t.start()
        time.sleep(1.5)  # the watch idles: with --proxy-read-timeout 0 nothing cuts it
        self.assertTrue(t.is_alive())
        self.assertEqual(self.members[1].put("/watched", "v1")[0], 201)
        t.join(20)
        status, _, body = got["reply"]
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["node"]["value"], "v1")
        # A stream: events arrive one by one while the response stays open.
        u = urllib.parse.urlparse(p.client_url)
        conn = httpclient.HTTPConnection(u.hostname, u.port, timeout=20)
        conn.request("GET", "/v2/keys/streamed?wait=true&stream=true")
        res = conn.getresponse()
        self.assertEqual(res.status, 200)
        for i in range(3):
            self.members[i].put("/streamed", "s%d" % i)
            event = json.loads(next_chunk(res.fp))
            self.assertEqual(event["node"]["value"], "s%d" % i)
        conn.close()

    def test_readonly_proxy_answers_501_to_writes(self):
        self.members[0].put("/ro", "x")
        p = self.proxy("ro-proxy", "--proxy", "readonly", "--initial-cluster", self.cluster)
        for method in ("PUT", "POST", "DELETE"):
            status, headers, body = http(method, p.client_url + "/v2/keys/ro", {"value": "y"})
            self.assertEqual((status, body), (501, b""), method)
            self.assertEqual(headers.get("Content-Length"), "0")
        self.assertEqual(p.get("/ro")[1]["node"]["value"], "x")

    def test_fails_over_when_its_member_dies(self):
        p = self.rw_proxy("--proxy-failure-wait", "5000")
        used = p.serving_member()
        self.assertIn(used, ("m1", "m2", "m3"))
        victim = next(m for m in self.members if m.name == used)
        victim.kill()
        # The next request finds the member gone, marks it and is served by another.
        status, _, body = http("GET", p.client_url + "/v2/stats/self")
        self.assertEqual(status, 200, body)
        self.assertNotEqual(json.loads(body)["name"], used)
        # Writes go on once the survivors have a leader (the victim may have led).
        wait_until(lambda: p.put("/after-failover", "ok")[0] == 201, what="a write via the proxy")
        self.assertIn("marked endpoint %s unavailable" % victim.client_url, p.log())

    def test_restarts_from_its_data_dir_without_initial_cluster(self):
        p = self.rw_proxy()
        cluster_file = os.path.join(p.data_dir, "proxy", "cluster")
        wait_until(lambda: os.path.exists(cluster_file), what="the cluster file")
        with open(cluster_file) as f:
            saved = json.load(f)
        self.assertEqual(sorted(saved["PeerURLs"]), sorted(m.peer_url for m in self.members))
        p.kill()
        p.args = [BINARY, "--name", p.name, "--data-dir", p.data_dir, "--proxy", "on",
                  "--listen-client-urls", p.client_url]
        p.start_args()
        p.wait_healthy()
        self.assertEqual(p.put("/after-restart", "yes")[0], 201)
        self.assertIn("from cluster file", p.log())
        # The data dir alone makes it a proxy again, even without --proxy (as etcd).
        p.kill()
        p.args = [BINARY, "--name", p.name, "--data-dir", p.data_dir,
                  "--listen-client-urls", p.client_url]
        p.start_args()
        p.wait_healthy()
        self.assertIn("already initialized as proxy", p.log())
        self.assertFalse(os.path.exists(os.path.join(p.data_dir, "member")))


if __name__ == "__main__":
    run_tests(sys.modules[__name__])
