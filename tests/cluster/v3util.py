"""Shared pieces of the v3 cluster tests (v3_watch.py, v3_leases.py, v3_workload.py).

Only the real clients talk to the servers: `python3-etcd3` (gRPC; importable only
under /usr/bin/python3, Debian's package) and `etcdctl` with ETCDCTL_API=3
(/usr/bin/etcdctl, Debian's etcd-client 3.4).

* `missing_clients()`: why the v3 tests cannot run here (None when they can);
* `client(url)`: a python3-etcd3 client of one member, with short gRPC reconnect
  backoff (a restarted member is reachable again within ~1 s, not after gRPC's
  default of up to 2 minutes);
* `rpc_error(exc)` / `classify(exc)`: the gRPC status behind an etcd3 exception, and
  what it means for an operation (not sent / refused before proposing / indeterminate);
* `ctl(...)`, `Bg(...)`: etcdctl runs with deadlines (foreground, background);
* `member_ids`, `move_leader`: roles through etcdctl (`endpoint status`, `move-leader`);
* `snapshot`, `history`: the events of a key range between two revisions, rebuilt from
  ranges at every revision (`RangeRequest.revision`, i.e. `etcdctl get --rev`).

Standard library besides python3-etcd3.
"""

import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time

ETCDCTL = "/usr/bin/etcdctl"

# A restarted member must be reachable again quickly (gRPC's default backoff grows to
# 120 s); the values are gRPC channel arguments.
GRPC_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
]

# Causes that mean "refused before it was proposed" (workload.NEVER_PROPOSED).
NEVER_PROPOSED = {"etcdserver: no leader", "raft proposal dropped"}
NEVER_PROPOSED_PREFIX = "proposal dropped:"


def missing_clients():
    """None when python3-etcd3 and etcdctl 3.x are usable, else why not."""
    try:
        import etcd3  # noqa: F401
    except ImportError as e:
        return "python3-etcd3 not importable by %s: %s" % (sys.executable, e)
    if not os.access(ETCDCTL, os.X_OK):
        return "%s not found" % ETCDCTL
    return None


def hostport(url):
    rest = url.split("://", 1)[-1]
    host, port = rest.rsplit(":", 1)
    return host, int(port)


def client(url, timeout=5.0, wait_connected=False, connect_timeout=30.0):
    """wait_connected: return only once the connection is up (for members known to be up).
    On a loaded machine the first TCP and HTTP/2 handshake may take longer than one call's
    `timeout`: the call then fails with UNAVAILABLE "tcp handshaker shutdown" before the
    member ever saw it."""
    import etcd3
    import grpc
    host, port = hostport(url)
    c = etcd3.client(host=host, port=port, timeout=timeout, grpc_options=GRPC_OPTIONS)
    if wait_connected:
        grpc.channel_ready_future(c.channel).result(timeout=connect_timeout)
    return c


def prefix_end(prefix):
    """range_end of the prefix range [prefix, end) (etcd's GetPrefixRangeEnd)."""
    b = bytearray(prefix.encode())
    while b:
        if b[-1] < 0xFF:
            b[-1] += 1
            return bytes(b).decode("latin-1")
        b.pop()
    return "\0"


def s(b):
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else b


# ---- errors -------------------------------------------------------------------------------

def rpc_error(exc):
    """The grpc.RpcError behind exc (python3-etcd3 translates UNAVAILABLE and
    DEADLINE_EXCEEDED into its own exceptions, raised while handling the original)."""
    import grpc
    e = exc
    for _ in range(4):
        if e is None:
            return None
        if isinstance(e, grpc.RpcError) and hasattr(e, "code"):
            return e
        e = e.__context__ or e.__cause__
    return None


def describe_error(exc):
    rpc = rpc_error(exc)
    if rpc is None:
        return "%s: %s" % (type(exc).__name__, exc)
    return "%s: %s" % (rpc.code().name, rpc.details())


# gRPC codes that are a definite answer no request of the workloads should get (a bad
# request, a missing service...): a server or test bug, never a fault's side effect.
UNEXPECTED_CODES = {"INVALID_ARGUMENT", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
                    "FAILED_PRECONDITION", "OUT_OF_RANGE", "UNIMPLEMENTED", "UNAUTHENTICATED",
                    "DATA_LOSS"}


def classify(exc):
    """What a failed RPC means for its operation: ("notsent", why) — the connection was
    refused before anything was sent; ("refused", cause) — the member dropped the
    proposal before proposing it (it did not happen); ("indeterminate", why) — it may
    or may not have taken effect (timeouts, a reset stream, "request timed out",
    "leader changed"...); ("unexpected", why) — an answer no fault explains
    (UNEXPECTED_CODES); ("bug", why) — not a gRPC error at all (the caller re-raises)."""
    rpc = rpc_error(exc)
    if rpc is None:
        return "bug", describe_error(exc)
    code, details = rpc.code().name, rpc.details() or ""
    if code == "UNAVAILABLE" and ("failed to connect to all addresses" in details
                                  or "Connection refused" in details):
        return "notsent", "connection refused"
    if details in NEVER_PROPOSED or details.startswith(NEVER_PROPOSED_PREFIX):
        return "refused", details
    if code in UNEXPECTED_CODES:
        return "unexpected", "%s: %s" % (code, details[:200])
    return "indeterminate", "%s: %s" % (code, details[:80])


# ---- etcdctl ------------------------------------------------------------------------------

def ctl_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETCDCTL_")}
    env["ETCDCTL_API"] = "3"
    return env


class CtlError(Exception):
    pass


def ctl(endpoints, *args, timeout=30.0, check=True):
    """Runs etcdctl (v3) against endpoints (a URL or a list). Returns the completed
    process; raises CtlError on a non-zero exit when check."""
    if not isinstance(endpoints, str):
        endpoints = ",".join(endpoints)
    cmd = [ETCDCTL, "--endpoints", endpoints, "--command-timeout", "%ds" % max(1, timeout - 2)]
    cmd += [str(a) for a in args]
    p = subprocess.run(cmd, env=ctl_env(), stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise CtlError("%s -> exit %d\n%s%s" % (" ".join(cmd[1:]), p.returncode, p.stdout,
                                                p.stderr[-2000:]))
    return p


def ctl_json(endpoints, *args, timeout=30.0):
    return json.loads(ctl(endpoints, *(list(args) + ["-w", "json"]), timeout=timeout).stdout)


class Bg:
    """A long-running etcdctl (lease keep-alive, watch): output collected by threads."""

    def __init__(self, endpoints, *args):
        if not isinstance(endpoints, str):
            endpoints = ",".join(endpoints)
        self.args = [ETCDCTL, "--endpoints", endpoints] + [str(a) for a in args]
        self.proc = subprocess.Popen(self.args, env=ctl_env(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self.lock = threading.Lock()
        self.out, self.err = [], []
        self.threads = [threading.Thread(target=self._pump, args=(self.proc.stdout, self.out),
                                         daemon=True),
                        threading.Thread(target=self._pump, args=(self.proc.stderr, self.err),
                                         daemon=True)]
        for t in self.threads:
            t.start()

    def _pump(self, stream, sink):
        for line in iter(stream.readline, ""):
            with self.lock:
                sink.append((time.monotonic(), line.rstrip("\n")))
        stream.close()

    def lines(self):
        with self.lock:
            return [x for _, x in self.out]

    def running(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM (SIGKILL if it lingers); safe to call twice."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        for t in self.threads:
            t.join(5)

    def describe(self):
        with self.lock:
            return "etcdctl %s (rc %s)\n  stdout: %s\n  stderr: %s" % (
                " ".join(self.args[1:]), self.proc.poll(),
                " | ".join(x for _, x in self.out[-10:]),
                " | ".join(x for _, x in self.err[-10:]))


# ---- roles --------------------------------------------------------------------------------

def member_ids(urls, timeout=20.0):
    """URL -> member ID (int) from `etcdctl endpoint status` (polled until all answer)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            out = {}
            for u in urls:
                st = ctl_json(u, "endpoint", "status", timeout=10.0)
                out[u] = int(st[0]["Status"]["header"]["member_id"])
            return out
        except (CtlError, ValueError, KeyError, IndexError, subprocess.TimeoutExpired):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # poll interval


def move_leader(urls, target_id):
    """`etcdctl move-leader` (etcdctl finds the leader among the endpoints itself)."""
    return ctl(urls, "move-leader", "%x" % target_id, timeout=30.0)


# ---- history ------------------------------------------------------------------------------

# One event of a key range. type "PUT"/"DELETE"; value, create/version only for PUT;
# prev: the value before the event (None if the key did not exist).
Ev = collections.namedtuple("Ev", "rev type key value create version prev")


def snapshot(c, key, range_end, rev, serializable=True):
    """key -> (value, mod_revision, create_revision, version) at revision rev."""
    import etcd3.etcdrpc as rpc
    req = rpc.RangeRequest(key=key.encode(), range_end=range_end.encode(), revision=rev,
                           serializable=serializable)
    resp = c.kvstub.Range(req, c.timeout)
    return {s(kv.key): (s(kv.value), kv.mod_revision, kv.create_revision, kv.version)
            for kv in resp.kvs}


def current_revision(c, serializable=False):
    import etcd3.etcdrpc as rpc
    req = rpc.RangeRequest(key=b"\0", serializable=serializable, count_only=True)
    return c.kvstub.Range(req, c.timeout).header.revision


def history(c, key, range_end, r0, r1):
    """Every event in [key, range_end) with r0 < revision <= r1, in revision order (by key
    within a revision), rebuilt from the ranges at r0, r0+1, ..., r1 on member c
    (serializable: c must have applied r1)."""
    events = []
    prev = snapshot(c, key, range_end, r0)
    for rev in range(r0 + 1, r1 + 1):
        cur = snapshot(c, key, range_end, rev)
        for k in sorted(set(prev) | set(cur)):
            a, b = prev.get(k), cur.get(k)
            if b is not None and b[1] == rev:
                events.append(Ev(rev, "PUT", k, b[0], b[2], b[3], a[0] if a else None))
            elif b is None and a is not None:
                events.append(Ev(rev, "DELETE", k, None, 0, 0, a[0]))
            elif a != b:
                raise AssertionError("range at %d: %s changed from %r to %r without an event "
                                     "at that revision" % (rev, k, a, b))
        prev = cur
    return events


def event_of(e, with_prev):
    """An Ev from a python3-etcd3 watch event (events.PutEvent / DeleteEvent)."""
    raw = e._event
    is_put = raw.type == 0
    prev = None
    if with_prev and raw.HasField("prev_kv"):
        prev = s(raw.prev_kv.value)
    return Ev(raw.kv.mod_revision, "PUT" if is_put else "DELETE", s(raw.kv.key),
              s(raw.kv.value) if is_put else None,
              raw.kv.create_revision if is_put else 0, raw.kv.version if is_put else 0,
              prev)


def wait_applied(c, rev, timeout):
    """Polls member c (serializable) until its revision is at least rev; returns its
    revision, or None after the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            have = current_revision(c, serializable=True)
            if have >= rev:
                return have
        except Exception:  # a member that is (re)starting: keep polling
            pass
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)  # poll interval


def quiet_closed_channels():
    """python3-etcd3's watch thread (etcd3.watch.Watcher._run) reopens its stream after
    any error, so closing a client makes it die with "Cannot invoke RPC: Channel
    closed!": expected at teardown, not worth a traceback."""
    orig = threading.excepthook

    def hook(a):
        if a.thread is not None and a.thread.name.startswith("etcd3_watch_") and \
                "Channel closed" in str(a.exc_value):
            return
        orig(a)
    threading.excepthook = hook
