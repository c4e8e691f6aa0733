"""Shared helpers for the v3 compat suite: the cluster under test, etcdctl (ETCDCTL_API=3),
etcdctl subprocesses read with deadlines, the JSON gateway over raw HTTP, and a TestCase
base that skips a case whose services the server does not offer.

run.py fills in `ENV` before the cases run; the test modules only read it.
"""

import base64
import functools
import http.client
import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
import unittest
import urllib.parse

ETCDCTL = "/usr/bin/etcdctl"

# Service names for --services. A case runs only when every service it needs is listed.
# kv, watch, lease, cluster, maintenance: the gRPC services of those names (etcdserverpb).
# lock: the lock/election cases: etcdctl lock/elect (client-side recipes in etcdctl 3.4 that
#   use Txn, LeaseGrant/KeepAlive/Revoke and Watch).
# lockgw: the v3lockpb.Lock and v3electionpb.Election services (server-side), through the
#   gateway's /v3/lock, /v3/election (those cases also need gateway) and through gRPC.
# gateway: the JSON gateway (HTTP/1.1 POST /v3/...) on the client port.
# python: the python3-etcd3 (gRPC) and python3-etcd3gw (gateway) client cases.
# bbolt: snapshots in etcd's own backend format, which `etcdctl snapshot status/restore`
#   open as a bbolt database, and which the real etcd serves once restored.
ALL_SERVICES = ("kv", "watch", "lease", "cluster", "maintenance", "lock", "lockgw", "gateway",
                "python", "bbolt")


class Env:
    cluster = None          # cluster.Cluster (tests/compat/cluster.py)
    kind = None             # "etcd" | "etcd2"
    size = 0
    target = 0              # index of the member the clients talk to (a follower when size > 1)
    services = set(ALL_SERVICES)
    cluster_id = None       # int
    member_ids = {}         # member index -> int ID
    server_version = None   # /version "etcdserver"


ENV = Env()


# ---- small utilities ----------------------------------------------------------------------

def b64(s):
    if isinstance(s, str):
        s = s.encode("utf-8")
    return base64.b64encode(s).decode("ascii")


def unb64(s):
    return base64.b64decode(s).decode("utf-8")


def prefix_end(prefix):
    """The range_end that makes [prefix, end) the prefix range (etcd's GetPrefixRangeEnd)."""
    b = bytearray(prefix.encode("utf-8"))
    while b:
        if b[-1] < 0xFF:
            b[-1] += 1
            return bytes(b).decode("latin-1")
        b.pop()
    return "\0"


def wait_until(predicate, timeout=15.0, interval=0.05, what="condition"):
    """Polls predicate() until it returns a truthy value; fails after timeout."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = predicate()
            if v:
                return v
        except AssertionError as e:
            last_exc = e
        except Exception as e:  # keep polling; report the last error on timeout
            last_exc = e
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0fs waiting for %s (last: %r)"
                                 % (timeout, what, last_exc))
        time.sleep(interval)  # poll interval, not synchronisation


# ---- etcdctl --------------------------------------------------------------------------------

def ctl_env():
    """ETCDCTL_API=3 and no other ETCDCTL_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETCDCTL_")}
    env["ETCDCTL_API"] = "3"
    return env


GRPC_RE = re.compile(r"rpc error: code = (\w+) desc = (.*)$")


class CtlResult:
    """A finished etcdctl run. `errlines`: stderr without the client's zap log lines
    (JSON objects); `grpc`: (code, desc) from the client's "retrying of unary invoker
    failed" warning, i.e. the gRPC status the server returned, or None."""

    def __init__(self, args, rc, out, err):
        self.args = args
        self.rc = rc
        self.out = out
        self.err = err
        self.errlines = []
        self.logs = []
        for line in err.splitlines():
            if line.startswith("{"):
                try:
                    self.logs.append(json.loads(line))
                    continue
                except ValueError:
                    pass
            self.errlines.append(line)
        self.grpc = None
        for entry in self.logs:
            m = GRPC_RE.search(str(entry.get("error", "")))
            if m:
                self.grpc = (m.group(1), m.group(2))

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return "etcdctl %s -> rc=%s\n--- stdout ---\n%s--- stderr ---\n%s" % (
            " ".join(self.args), self.rc, self.out, self.err)


def etcdctl(endpoints, *args, input=None, timeout=30.0):
    cmd = [ETCDCTL, "--endpoints", endpoints] + [str(a) for a in args]
    p = subprocess.run(cmd, env=ctl_env(), input=input if input is not None else "",
                       capture_output=True, text=True, timeout=timeout)
    return CtlResult(cmd[1:], p.returncode, p.stdout, p.stderr)


class Bg:
    """A background etcdctl (watch, lock, elect ...) whose stdout and stderr are read by
    threads, so the test can wait for output with a deadline."""

    def __init__(self, endpoints, *args):
        self.args = [ETCDCTL, "--endpoints", endpoints] + [str(a) for a in args]
        self.proc = subprocess.Popen(self.args, env=ctl_env(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self._lock = threading.Lock()
        self._out = []
        self._err = []
        self._threads = [threading.Thread(target=self._pump, args=(self.proc.stdout, self._out),
                                          daemon=True),
                         threading.Thread(target=self._pump, args=(self.proc.stderr, self._err),
                                          daemon=True)]
        for t in self._threads:
            t.start()

    def _pump(self, stream, sink):
        for line in iter(stream.readline, ""):
            with self._lock:
                sink.append(line.rstrip("\n"))
        stream.close()

    @property
    def pid(self):
        return self.proc.pid

    def lines(self):
        with self._lock:
            return list(self._out)

    def err_lines(self):
        """stderr without zap JSON log lines."""
        with self._lock:
            return [x for x in self._err if not x.startswith("{")]

    def wait_lines(self, pred, timeout=20.0, what=None):
        """Waits until pred(list of stdout lines) is truthy; returns its value."""
        def check():
            if self.proc.poll() is not None:
                for t in self._threads:
                    t.join(5)
                v = pred(self.lines())
                if v:
                    return v
                raise AssertionError("etcdctl exited (rc %s) before the expected output:\n%s"
                                     % (self.proc.returncode, self.describe()))
            return pred(self.lines())
        try:
            return wait_until(check, timeout, what=what or "etcdctl output")
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, self.describe())) from None

    def wait_count(self, n, timeout=20.0):
        return self.wait_lines(lambda ls: ls if len(ls) >= n else None, timeout,
                               what="%d output lines" % n)

    def signal(self, sig):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def wait(self, timeout=20.0):
        """Waits for the exit (it must come: the caller signalled or closed it)."""
        rc = self.proc.wait(timeout)
        for t in self._threads:
            t.join(5)
        return rc

    def stop(self):
        """SIGTERM, then SIGKILL if it lingers; always safe to call (cleanup)."""
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.proc.wait(10)
        for t in self._threads:
            t.join(5)

    def describe(self):
        with self._lock:
            return "%s (pid %d, rc %s)\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
                " ".join(self.args[1:]), self.proc.pid, self.proc.poll(),
                "\n".join(self._out), "\n".join(self._err))


# ---- the JSON gateway -----------------------------------------------------------------------

class Resp:
    def __init__(self, r, body):
        self.status = r.status
        self.headers = {k.lower(): v for k, v in r.getheaders()}
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "Resp(%d %r %r)" % (self.status, self.headers, self.body[:800])


def urlparts(url):
    u = urllib.parse.urlsplit(url)
    return u.hostname, u.port


def http_request(url, method, path, body=None, headers=None, timeout=15.0):
    host, port = urlparts(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return Resp(r, r.read())
    finally:
        conn.close()


class GwStream:
    """A streaming gateway call (POST /v3/watch, /v3/lease/keepalive): the request body is
    sent, then every newline-delimited JSON message is queued by a reader thread."""

    def __init__(self, url, path, body, timeout=30.0):
        host, port = urlparts(url)
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        if not isinstance(body, (str, bytes)):  # a str: several messages, given verbatim
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.conn.request("POST", path, body=body)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}
        self.q = queue.Queue()
        self.raw = []
        self.t = threading.Thread(target=self._pump, daemon=True)
        self.t.start()

    def _pump(self):
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                self.raw.append(line)
                if line.strip():
                    self.q.put(json.loads(line.decode("utf-8")))
        except Exception as e:  # closed by close(), or a timeout: end of stream
            self.q.put(e)
            return
        self.q.put(EOFError("stream closed"))

    def next(self, timeout=20.0):
        try:
            v = self.q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no gateway stream message within %.0fs (got so far: %r)"
                                 % (timeout, self.raw)) from None
        if isinstance(v, BaseException):
            raise AssertionError("gateway stream ended: %r (got: %r)" % (v, self.raw))
        return v

    def close(self):
        try:
            self.conn.sock and self.conn.sock.shutdown(2)
        except OSError:
            pass
        self.conn.close()


# ---- the base class ---------------------------------------------------------------------------

def needs(*services):
    """Method decorator: this case also needs these services."""
    def deco(fn):
        fn.services = tuple(getattr(fn, "services", ())) + services
        return fn
    return deco


def needs_cluster(fn):
    @functools.wraps(fn)
    def wrapper(self, *a, **kw):
        if ENV.size < 2:
            raise unittest.SkipTest("needs a multi-member cluster (run with --size 3)")
        return fn(self, *a, **kw)
    return wrapper


def missing_services(case):
    method = getattr(case, case._testMethodName, None)
    need = set(getattr(type(case), "SERVICES", ())) | set(getattr(method, "services", ()))
    return sorted(need - ENV.services)


class V3Case(unittest.TestCase):
    """Base class: self.url is the member under test (a follower in 3-member runs),
    self.k(name) a key private to this case; SERVICES the services the class needs."""

    SERVICES = ()
    maxDiff = 6000

    def setUp(self):
        if ENV.cluster is None:
            raise unittest.SkipTest("no cluster: run the suite through run.py")
        missing = missing_services(self)
        if missing:
            raise unittest.SkipTest("needs service(s) not in --services: %s"
                                    % ",".join(missing))
        self.cluster = ENV.cluster
        self.url = ENV.cluster.client_urls[ENV.target]
        self.urls = ENV.cluster.client_urls
        cls, meth = self.id().split(".")[-2:]
        self.prefix = "%s.%s/" % (cls, meth.replace("test_", ""))

    def cleanup_quietly(self, fn, *args, **kw):
        """addCleanup for a best-effort undo (e.g. revoking a lease the case may have
        revoked itself): its exceptions are ignored."""
        def run():
            try:
                fn(*args, **kw)
            except Exception:
                pass
        self.addCleanup(run)

    # ---- keys ---------------------------------------------------------------------------

    def k(self, name=""):
        return self.prefix + name

    @property
    def member_id(self):
        return ENV.member_ids[ENV.target]

    # ---- etcdctl --------------------------------------------------------------------------

    def ctl(self, *args, input=None, endpoints=None, timeout=30.0):
        return etcdctl(endpoints or self.url, *args, input=input, timeout=timeout)

    def ctl_ok(self, *args, **kw):
        r = self.ctl(*args, **kw)
        self.assertEqual(r.rc, 0, r)
        return r

    def ctl_json(self, *args, **kw):
        r = self.ctl_ok(*(list(args) + ["-w", "json"]), **kw)
        try:
            return r.json()
        except ValueError:
            self.fail("not JSON: %r" % r)

    def put(self, key, value, *flags):
        """etcdctl put; returns the header revision of the write."""
        return self.ctl_json("put", key, value, *flags)["header"]["revision"]

    def rev(self):
        """The current revision (a linearizable get of a key nobody writes)."""
        return self.ctl_json("get", "compat-v3-no-such-key")["header"]["revision"]

    def bg(self, *args, endpoints=None):
        p = Bg(endpoints or self.url, *args)
        self.addCleanup(p.stop)
        return p

    def assertCtlError(self, r, rc, errlines, grpc=None):
        """etcdctl failed with exit status rc and exactly these stderr lines (besides the
        client's zap log lines); grpc=(code, desc) checks the gRPC status the client logged."""
        self.assertEqual(r.rc, rc, r)
        self.assertEqual(r.errlines, errlines, r)
        if grpc is not None:
            self.assertEqual(r.grpc, grpc, r)

    def assertHeader(self, h, revision=None, string_ints=False, has_revision=True):
        """A ResponseHeader: exactly cluster_id, member_id, revision (omitted when 0),
        raft_term; IDs of this cluster and the member under test."""
        conv = str if string_ints else (lambda x: x)
        keys = ["cluster_id", "member_id", "raft_term"] + (["revision"] if has_revision else [])
        self.assertEqual(sorted(h), sorted(keys), h)
        self.assertEqual(h["cluster_id"], conv(ENV.cluster_id), h)
        self.assertEqual(h["member_id"], conv(self.member_id), h)
        term = int(h["raft_term"])
        self.assertGreaterEqual(term, 1, h)
        self.assertEqual(h["raft_term"], conv(term), h)
        if has_revision:
            self.assertEqual(h["revision"], conv(int(h["revision"])), h)
            if revision is not None:
                self.assertEqual(int(h["revision"]), revision, h)

    def kv(self, key, value, create, mod, version, lease=0, gw=False):
        """The JSON form of a KeyValue (etcdctl -w json when gw=False, the gateway's
        with int64 as strings when gw=True); zero fields omitted."""
        c = str if gw else (lambda x: x)
        d = {"key": b64(key)}
        if create:
            d["create_revision"] = c(create)
        if mod:
            d["mod_revision"] = c(mod)
        if version:
            d["version"] = c(version)
        if value:
            d["value"] = b64(value)
        if lease:
            d["lease"] = c(lease)
        return d

    # ---- gateway ----------------------------------------------------------------------------

    def gw(self, path, body, status=200, url=None):
        """POST body (JSON) to the gateway; asserts the status; returns the Resp."""
        r = http_request(url or self.url, "POST", path, body=body)
        self.assertEqual(r.status, status, r)
        return r

    def gwj(self, path, body, status=200, url=None):
        r = self.gw(path, body, status, url)
        self.assertEqual(r.header("Content-Type"), "application/json", r)
        return r.json()

    def gw_stream(self, path, body):
        s = GwStream(self.url, path, body)
        self.addCleanup(s.close)
        return s
