"""Shared helpers for the compat suite: the cluster under test, raw HTTP, etcdctl,
python3-etcd clients, and a TestCase base with a private key prefix per test.

run.py fills in `ENV` before loading the test modules; the modules only read it.
"""

import http.client
import json
import os
import re
import subprocess
import threading
import time
import unittest
import urllib.parse

ETCDCTL = "/usr/bin/etcdctl"


class Env:
    cluster = None      # cluster.Cluster
    kind = None         # "etcd" | "etcd2"
    size = 0
    target = 0          # index of the member clients talk to (a follower when size > 1)


ENV = Env()


def urlparts(url):
    u = urllib.parse.urlsplit(url)
    return u.hostname, u.port


class Resp:
    """A fully read HTTP response. Header lookup is case-insensitive."""

    def __init__(self, r, body):
        self.status = r.status
        self.reason = r.reason
        self.header_list = r.getheaders()
        self.headers = {}
        for k, v in self.header_list:
            self.headers[k.lower()] = v
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def has(self, name):
        return name.lower() in self.headers

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "Resp(%d %r %r)" % (self.status, self.headers, self.body[:500])


def encode(params):
    return urllib.parse.urlencode(params or {}, quote_via=urllib.parse.quote)


def keypath(key):
    """'/a b/c' -> '/v2/keys/a%20b/c' (each segment percent-encoded)."""
    return "/v2/keys" + urllib.parse.quote(key, safe="/")


class Http:
    """A keep-alive connection to one member."""

    def __init__(self, url, timeout=10.0):
        self.url = url
        host, port = urlparts(url)
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def close(self):
        self.conn.close()

    def request(self, method, path, params=None, form=None, body=None, headers=None):
        if params:
            path += ("&" if "?" in path else "?") + encode(params)
        headers = dict(headers or {})
        if form is not None:
            body = encode(form)
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if isinstance(body, str):
            body = body.encode("utf-8")
        try:
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # the server closed an idle keep-alive connection: one clean retry
            self.conn.close()
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
        body = r.read()
        return Resp(r, body)


def http_request(url, method, path, params=None, form=None, body=None, headers=None,
                 timeout=10.0):
    c = Http(url, timeout)
    try:
        return c.request(method, path, params=params, form=form, body=body, headers=headers)
    finally:
        c.close()


class Watch:
    """A long-poll request whose status line and headers have arrived (the watch is
    registered) and whose body is read later with read()/readline()."""

    def __init__(self, url, path, params, timeout=20.0):
        host, port = urlparts(url)
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self.conn.request("GET", path + "?" + encode(params))
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}

    def read_json(self):
        return json.loads(self.resp.read().decode("utf-8"))

    def read_event_line(self):
        line = self.resp.readline()
        if not line:
            raise EOFError("stream closed")
        return json.loads(line.decode("utf-8"))

    def close(self):
        self.conn.close()


def ctl_env():
    """The environment for etcdctl: ETCDCTL_API=2 and no other ETCDCTL_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETCDCTL_")}
    env["ETCDCTL_API"] = "2"
    return env


def etcdctl(endpoint, *args, no_sync=True, timeout=20.0, extra_global=()):
    """Runs `etcdctl` (ETCDCTL_API=2) against one endpoint; returns CompletedProcess."""
    env = ctl_env()
    cmd = [ETCDCTL, "--endpoints", endpoint]
    if no_sync:
        cmd.append("--no-sync")
    cmd += list(extra_global) + list(args)
    return subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


def norm_index(text):
    """Replaces etcdctl error indices `[123]` with `[N]` and `[12/3]` with `[N/N]`."""
    return re.sub(r"\[\d+/\d+\]", "[N/N]", re.sub(r"\[\d+\]", "[N]", text))


class CompatCase(unittest.TestCase):
    """Base class: self.url is the member under test, self.k(name) a key private to
    this test, self.http a keep-alive connection to self.url."""

    maxDiff = 4000

    def setUp(self):
        if ENV.cluster is None:
            raise unittest.SkipTest("no cluster: run the suite through run.py")
        self.cluster = ENV.cluster
        self.url = ENV.cluster.client_urls[ENV.target]
        self.urls = ENV.cluster.client_urls
        self.prefix = "/" + self.id().split(".", 1)[-1].replace(".", "_")
        self.http = Http(self.url)
        self.addCleanup(self.http.close)

    # ---- keys -------------------------------------------------------------------

    def k(self, name=""):
        return self.prefix + ("/" + name if name else "")

    def req(self, method, key, params=None, form=None, **kw):
        """A /v2/keys request on self.url over the keep-alive connection."""
        return self.http.request(method, keypath(key), params=params, form=form, **kw)

    def put(self, key, value=None, expect=(200, 201), **params):
        form = {}
        if value is not None:
            form["value"] = value
        r = self.req("PUT", key, params=params or None, form=form)
        if expect:
            self.assertIn(r.status, expect, r)
        return r

    def get(self, key, **params):
        return self.req("GET", key, params=params or None)

    def flood(self, events, key=None):
        """Writes `events` values quickly (4 keep-alive connections) to push older
        events out of the 1000-event history."""
        errors = []
        base = key or self.k("flood")

        def writer(tid, n):
            c = Http(self.url)
            try:
                for i in range(n):
                    r = c.request("PUT", keypath("%s/%d" % (base, tid)), form={"value": str(i)})
                    if r.status not in (200, 201):
                        errors.append(r)
                        return
            finally:
                c.close()

        threads = [threading.Thread(target=writer, args=(t, events // 4 + 1)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])

    def etcd_index(self, url=None):
        """The current X-Etcd-Index of a member (a GET of the root)."""
        r = http_request(url or self.url, "GET", "/v2/keys/")
        self.assertEqual(r.status, 200, r)
        return int(r.header("X-Etcd-Index"))

    def assertError(self, r, status, code, cause=None, message=None):
        self.assertEqual(r.status, status, r)
        body = r.json()
        self.assertEqual(sorted(body), ["cause", "errorCode", "index", "message"], body)
        self.assertEqual(body["errorCode"], code, body)
        if cause is not None:
            self.assertEqual(body["cause"], cause, body)
        if message is not None:
            self.assertEqual(body["message"], message, body)
        self.assertEqual(str(body["index"]), r.header("X-Etcd-Index"), r)
        self.assertTrue(r.body.endswith(b"\n"), r.body)
        return body

    # ---- clients ----------------------------------------------------------------

    def ctl(self, *args, **kw):
        return etcdctl(self.url, *args, **kw)

    def pyclient(self, url=None, **kw):
        import etcd  # python3-etcd: only under /usr/bin/python3
        host, port = urlparts(url or self.url)
        kw.setdefault("read_timeout", 20)
        c = etcd.Client(host=host, port=port, **kw)
        self.addCleanup(c.http.clear)
        return c


def wait_until(predicate, timeout=15.0, interval=0.05, what="condition"):
    """Polls predicate() until it returns a truthy value; fails after timeout."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = predicate()
            if v:
                return v
        except Exception as e:  # keep polling; report the last error on timeout
            last_exc = e
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0fs waiting for %s (last error: %r)"
                                 % (timeout, what, last_exc))
        time.sleep(interval)  # poll interval, not synchronisation


def in_thread(fn, *args):
    """Runs fn(*args) in a thread; returns a join() that gives its result or raises."""
    box = {}

    def run():
        try:
            box["v"] = fn(*args)
        except BaseException as e:  # re-raised in the joining thread
            box["e"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()

    def join(timeout=30.0):
        t.join(timeout)
        if t.is_alive():
            raise AssertionError("background call did not finish in %.0fs" % timeout)
        if "e" in box:
            raise box["e"]
        return box["v"]

    return join


def needs_cluster(cls_or_fn):
    """Cases that need more than one member (skipped with a reason on 1-member runs)."""
    import functools

    if isinstance(cls_or_fn, type):
        orig = cls_or_fn.setUp

        def setUp(self):
            if ENV.size < 2:
                raise unittest.SkipTest("needs a multi-member cluster (run with --size 3)")
            orig(self)

        cls_or_fn.setUp = setUp
        return cls_or_fn

    @functools.wraps(cls_or_fn)
    def wrapper(self, *a, **kw):
        if ENV.size < 2:
            raise unittest.SkipTest("needs a multi-member cluster (run with --size 3)")
        return cls_or_fn(self, *a, **kw)

    return wrapper
