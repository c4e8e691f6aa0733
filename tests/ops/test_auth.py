"""The etcd v2 auth API (issue 7) driven by the real etcdctl (ETCDCTL_API=2) and plain HTTP,
against one etcd2 member, or with --kind etcd against the real etcd 3.4 to prove the
cases right. See docs/auth.md.

Run: /usr/bin/python3 tests/ops/test_auth.py --kind etcd2 --binary build/etcd/cmd/etcd2
     /usr/bin/python3 tests/ops/test_auth.py --kind etcd
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from members import Sandbox, free_port, http, run_tests, wait_until  # noqa: E402

KIND = "etcd2"
BINARY = None
REAL_ETCD = "/usr/bin/etcd"
ETCDCTL = "/usr/bin/etcdctl"
DENIED = {"errorCode": 110, "message": "The request requires user authentication",
          "cause": "Insufficient credentials", "index": 0}


class Member:
    """One single-member cluster in a temp dir, on free loopback ports."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="etcd2-auth-")
        client, peer = free_port(), free_port()
        self.url = "http://127.0.0.1:%d" % client
        peer_url = "http://127.0.0.1:%d" % peer
        args = ["--name", "a", "--data-dir", self.dir + "/data",
                "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
                "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
                "--initial-cluster", "a=" + peer_url]
        cmd = [REAL_ETCD, "--enable-v2=true"] + args if KIND == "etcd" else [BINARY] + args
        self.log = open(self.dir + "/log", "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(self.published, 30, "member up with its client URL published")

    def published(self):
        # etcdctl syncs its endpoints from /v2/members first: wait for ours to appear there.
        status, _, body = http("GET", self.url + "/v2/members")
        return status == 200 and all(m["clientURLs"] for m in json.loads(body)["members"])

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def ctl(self, *args, user=None):
        cmd = [ETCDCTL, "--endpoints", self.url]
        if user:
            cmd += ["--username", user]
        run = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=30,
                             env=dict(os.environ, ETCDCTL_API="2"), stdin=subprocess.DEVNULL)
        return run.returncode, run.stdout + run.stderr

    def ok(self, *args, user=None):
        rc, out = self.ctl(*args, user=user)
        assert rc == 0, "etcdctl %s: %s" % (" ".join(args), out)
        return out

    def req(self, method, path, body=None, user=None):
        headers = {"Authorization": "Basic " + base64.b64encode(user.encode()).decode()} \
            if user else {}
        r = urllib.request.Request(self.url + path, data=body.encode() if body else None,
                                   method=method, headers=headers)
        if body and not body.startswith("{"):
            r.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(r, timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


class Auth(unittest.TestCase):
    def setUp(self):
        self.m = Member()

    def tearDown(self):
        if any(t is self for t, _ in self._outcome.result.errors + self._outcome.result.failures):
            with open(self.m.dir + "/log") as f:
                print(f.read()[-4000:], file=sys.stderr)
        self.m.close()

    def setup_users(self):
        m = self.m
        m.ok("user", "add", "root:rootpw")
        m.ok("role", "add", "app")
        m.ok("role", "grant", "--readwrite", "--path", "/foo/*", "app")
        m.ok("role", "grant", "--read", "--path", "/ro", "app")
        m.ok("user", "add", "alice:alicepw")
        m.ok("user", "grant", "--roles", "app", "alice")

    def test_enable_needs_root_user(self):
        status, body = self.m.req("PUT", "/v2/auth/enable")
        self.assertEqual((status, json.loads(body)),
                         (409, {"message": "auth: No root user available, please create one"}))
        rc, _ = self.m.ctl("auth", "enable")
        self.assertNotEqual(rc, 0)

    def test_etcdctl_session(self):
        m = self.m
        self.setup_users()
        self.assertIn("/foo/*", m.ok("role", "get", "app"))
        self.assertIn("app", m.ok("user", "get", "alice"))
        m.ok("auth", "enable")
        self.assertEqual(m.req("GET", "/v2/auth/enable"), (200, '{"enabled":true}\n'))
        # alice: her role's paths only
        m.ok("set", "/foo/a", "1", user="alice:alicepw")
        self.assertEqual(m.ok("get", "/foo/a", user="alice:alicepw").strip(), "1")
        rc, out = m.ctl("set", "/bar", "1", user="alice:alicepw")
        self.assertNotEqual(rc, 0)
        self.assertIn("Insufficient credentials", out)
        rc, _ = m.ctl("set", "/ro", "1", user="alice:alicepw")
        self.assertNotEqual(rc, 0)
        # wrong password, and the auth API without root
        status, body = m.req("PUT", "/v2/keys/foo/a", "value=2", user="alice:wrong")
        self.assertEqual((status, json.loads(body)), (401, DENIED))
        status, body = m.req("GET", "/v2/auth/users", user="alice:alicepw")
        self.assertEqual((status, json.loads(body)), (401, {"message": "Insufficient credentials"}))
        rc, _ = m.ctl("auth", "disable", user="alice:alicepw")
        self.assertNotEqual(rc, 0)
        # the guest role enable created gives anonymous clients full access until removed
        self.assertEqual(m.req("PUT", "/v2/keys/anon", "value=1")[0], 201)
        m.ok("role", "remove", "guest", user="root:rootpw")
        status, body = m.req("GET", "/v2/keys/anon")
        self.assertEqual((status, json.loads(body)), (401, DENIED))
        # root reaches everything; the root role cannot change; membership changes need root
        self.assertEqual(m.ok("get", "/anon", user="root:rootpw").strip(), "1")
        status, body = m.req("PUT", "/v2/auth/roles/root",
                             '{"role":"root","grant":{"kv":{"read":["/x"]}}}', user="root:rootpw")
        self.assertEqual((status, json.loads(body)),
                         (403, {"message": "auth: Cannot modify role root: is root role."}))
        status, _ = m.req("POST", "/v2/members", '{"peerURLs":["http://127.0.0.1:1"]}')
        self.assertEqual(status, 401)
        self.assertEqual(m.req("GET", "/v2/members")[0], 200)
        # password change takes effect at once
        status, _ = m.req("PUT", "/v2/auth/users/alice", '{"user":"alice","password":"new"}',
                          user="root:rootpw")
        self.assertEqual(status, 200)
        self.assertEqual(m.ok("get", "/foo/a", user="alice:new").strip(), "1")
        self.assertNotEqual(m.ctl("get", "/foo/a", user="alice:alicepw")[0], 0)
        m.ok("user", "revoke", "--roles", "app", "alice", user="root:rootpw")
        self.assertNotEqual(m.ctl("get", "/foo/a", user="alice:new")[0], 0)
        m.ok("auth", "disable", user="root:rootpw")
        self.assertEqual(m.req("GET", "/v2/keys/anon")[0], 200)

    def test_api_bodies(self):
        m = self.m
        self.setup_users()
        status, body = m.req("GET", "/v2/auth/users/alice")
        self.assertEqual((status, json.loads(body)), (200, {"user": "alice", "roles": [
            {"role": "app", "permissions": {"kv": {"read": ["/foo/*", "/ro"],
                                                   "write": ["/foo/*"]}}}]}))
        status, body = m.req("GET", "/v2/auth/users/nobody")
        self.assertEqual((status, json.loads(body)),
                         (404, {"message": "auth: User nobody does not exist."}))
        status, body = m.req("PUT", "/v2/auth/roles/app", "garbage")
        self.assertEqual((status, json.loads(body)), (400, {"message": "Invalid JSON in request body."}))
        status, body = m.req("PUT", "/v2/auth/users/alice", '{"user":"alice","revoke":["zzz"]}')
        self.assertEqual((status, json.loads(body)),
                         (409, {"message": "auth: Revoking ungranted role zzz for user alice"}))
        status, body = m.req("GET", "/v2/auth/roles")
        self.assertEqual(status, 200)
        self.assertEqual([r["role"] for r in json.loads(body)["roles"]], ["app", "root"])
        if KIND == "etcd2":  # our store keeps the hashes; the keys API never shows them
            status, body = m.req("GET", "/v2/keys/_auth/users/root")
            self.assertEqual((status, json.loads(body)), (401, DENIED))


def basic(user):
    return {"Authorization": "Basic " + base64.b64encode(user.encode()).decode()}


def status_of(url, method="GET", body=None, user=None):
    r = urllib.request.Request(url, data=body.encode() if body else None, method=method,
                               headers=basic(user) if user else {})
    if body and not body.startswith("{"):
        r.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(r, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


class Replicated(unittest.TestCase):
    """Auth state travels through raft: set on one member, enforced by the others, kept
    across a restart."""

    def setUp(self):
        self.box = Sandbox(REAL_ETCD if KIND == "etcd" else BINARY)

    def tearDown(self):
        if any(t is self for t, _ in self._outcome.result.errors + self._outcome.result.failures):
            print(self.box.logs(), file=sys.stderr)
        self.box.close()

    def test_followers_enforce_and_restart_keeps_it(self):
        extra = ["--enable-v2=true"] if KIND == "etcd" else []
        ms = [self.box.member("m%d" % i) for i in (1, 2, 3)]
        cluster = ",".join("%s=%s" % (m.name, m.peer_url) for m in ms)
        args = extra + ["--initial-cluster", cluster, "--initial-cluster-token", "auth"]
        for m in ms:
            m.start(*args)
        for m in ms:
            m.wait_healthy()
        a = ms[0].client_url
        self.assertEqual(status_of(a + "/v2/auth/users/root", "PUT",
                                   '{"user":"root","password":"pw"}'), 201)
        self.assertEqual(status_of(a + "/v2/auth/roles/app", "PUT",
                                   '{"role":"app","permissions":{"kv":{"read":["/foo/*"],'
                                   '"write":["/foo/*"]}}}'), 201)
        self.assertEqual(status_of(a + "/v2/auth/users/alice", "PUT",
                                   '{"user":"alice","password":"a","roles":["app"]}'), 200)
        self.assertEqual(status_of(a + "/v2/auth/enable", "PUT"), 200)
        self.assertEqual(status_of(a + "/v2/auth/roles/guest", "DELETE", user="root:pw"), 200)
        c = ms[2]
        wait_until(lambda: status_of(c.client_url + "/v2/keys/x", "PUT", "value=1") == 401,
                   10, "the follower to apply the auth change")
        self.assertEqual(status_of(c.client_url + "/v2/keys/foo/x", "PUT", "value=1",
                                   user="alice:a"), 201)
        c.kill()
        c.start(*args)
        c.wait_healthy()
        self.assertEqual(status_of(c.client_url + "/v2/keys/x", "PUT", "value=1"), 401)
        self.assertEqual(status_of(c.client_url + "/v2/keys/foo/x", user="alice:a"), 200)
        self.assertEqual(status_of(c.client_url + "/v2/keys/foo/x", user="alice:bad"), 401)


if __name__ == "__main__":
    run_tests(sys.modules[__name__], kinds=True)
