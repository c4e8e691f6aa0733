"""Concurrent v2 clients and their recorded history.

Each client is a thread with its own keep-alive HTTP connection to every member; each
operation goes to the client's home member (client id modulo the cluster size) or, one
time in ten, to another member that has not just timed out (`Client.pick_member`).
Every invocation and completion is recorded with a monotonic timestamp as a
`linearizability.Op`:

* a clear answer (200/201, 404 key not found, 412 compare failed / key exists) is a
  definite outcome;
* a connection refused before anything was sent is "not sent" (the op did not happen,
  nothing is recorded but a counter);
* a timeout, a reset or EOF after the request was sent, or a 5xx (etcd's "request timed
  out", "no leader", ...) is **indeterminate**: the op may or may not have taken effect.
  Failed reads carry no information and are dropped.

Workloads, on a small set of keys under a per-round prefix:

* register keys: quorum reads, writes of unique values, compare-and-swap (`prevValue`,
  from the last value this client read) and, rarely, create (`prevExist=false`) and
  delete; all checked for linearizability;
* append keys: each value is a space-separated list of unique tokens; an append reads the
  list (quorum) and CASes it to list + token (create when the key is missing), so the
  final value tells exactly which appends survived;
* plain (non-quorum) reads are recorded apart (`PlainRead`): etcd serves them from the
  member's own state, so they may be stale and are not checked for linearizability,
  only for consistency with the member's index.

Standard library only.
"""

import collections
import http.client
import json
import random
import select
import socket
import threading
import time
import traceback
import urllib.parse

from linearizability import Op

WRITE_STATUSES_OK = (200, 201)

# 5xx causes that mean the member refused the request before proposing it (raft dropped
# the proposal locally: no leader known). Such a write did not happen. etcd2:
# ServerCore::propose answers "etcdserver: no leader" only when RawNode::propose failed;
# etcd 3.4: raft's ErrProposalDropped.
NEVER_PROPOSED = {"etcdserver: no leader", "raft proposal dropped"}
NEVER_PROPOSED_PREFIX = "proposal dropped:"  # etcd2's raft: dropped before appending


def never_proposed(cause):
    return cause in NEVER_PROPOSED or (isinstance(cause, str)
                                       and cause.startswith(NEVER_PROPOSED_PREFIX))


class NotSent(Exception):
    """The request never left (connection refused / unreachable before sending)."""


class Indeterminate(Exception):
    """The request may have reached the server; no answer."""


class Reply:
    __slots__ = ("status", "headers", "body", "json")

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def etcd_index(self):
        try:
            return int(self.headers.get("x-etcd-index"))
        except (TypeError, ValueError):
            return None

    @property
    def error_code(self):
        return self.json.get("errorCode") if isinstance(self.json, dict) else None

    @property
    def node(self):
        return self.json.get("node") if isinstance(self.json, dict) else None

    def describe(self):
        return "%d %s" % (self.status, self.body[:200].decode("utf-8", "replace").strip())


class Http:
    """Keep-alive HTTP/1.1 connections to several members, one per member."""

    def __init__(self, urls, timeout=3.0):
        self.urls = list(urls)
        self.timeout = timeout
        self.conns = {}

    def close(self):
        for c in self.conns.values():
            c.close()
        self.conns.clear()

    def _conn(self, member):
        c = self.conns.get(member)
        if c is not None and c.sock is not None:
            # A kept-alive connection the server has closed (idle timeout, restart) is
            # readable (EOF): reconnect now rather than turn the next op indeterminate.
            try:
                r, _, _ = select.select([c.sock], [], [], 0)
            except (OSError, ValueError):
                r = [c.sock]
            if r:
                c.close()
        if c is None:
            u = urllib.parse.urlsplit(self.urls[member])
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=self.timeout)
            self.conns[member] = c
        if c.sock is None:
            try:
                c.connect()
            except (ConnectionRefusedError, socket.timeout, OSError) as e:
                c.close()
                raise NotSent(repr(e))
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return c

    def request(self, member, method, path, form=None):
        """Returns a Reply; raises NotSent or Indeterminate."""
        c = self._conn(member)
        body = None
        headers = {}
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            if r.will_close:
                c.close()
            return Reply(r.status, hdrs, data)
        except (OSError, http.client.HTTPException) as e:
            c.close()
            raise Indeterminate(repr(e))


def key_path(key):
    return "/v2/keys" + key


class PlainRead:
    """A non-quorum GET served by one member (incarnation = its restart count)."""
    __slots__ = ("client", "key", "member", "incarnation", "call", "ret", "value",
                 "modified", "etcd_index")

    def __init__(self, client, key, member, incarnation, call, ret, value, modified,
                 etcd_index):
        self.client = client
        self.key = key
        self.member = member
        self.incarnation = incarnation
        self.call = call
        self.ret = ret
        self.value = value
        self.modified = modified
        self.etcd_index = etcd_index

    def describe(self):
        return "c%s %s plain-read@m%d#%d -> %r (modifiedIndex %s, X-Etcd-Index %s) [%.6f, %.6f]" % (
            self.client, self.key, self.member, self.incarnation, self.value, self.modified,
            self.etcd_index, self.call, self.ret)


class Recorder:
    """Thread-safe sink of ops, plain reads and odd replies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ops = []
        self.plain = []
        self.unexpected = []  # (op description, reply description)
        self.not_sent = 0
        self.refused = 0  # 5xx that mean "never proposed" (NEVER_PROPOSED)
        self.reasons = collections.Counter()  # why ops were indeterminate / refused
        self.ok_count = 0
        self.indeterminate = 0

    def add(self, op):
        with self.lock:
            self.ops.append(op)
            if op.ret is None:
                self.indeterminate += 1
            elif op.out == "ok" or op.kind == "read":
                self.ok_count += 1

    def add_plain(self, r):
        with self.lock:
            self.plain.append(r)

    def add_unexpected(self, what, reply):
        with self.lock:
            self.unexpected.append((what, reply))


class Client:
    """One client: a thread doing random ops against random members."""

    def __init__(self, cid, urls, keys, append_keys, recorder, rng, timeout=3.0,
                 incarnations=None, plain_as_quorum=False):
        self.cid = cid
        self.plain_as_quorum = plain_as_quorum  # negative control: see run_clients
        self.http = Http(urls, timeout)
        self.keys = keys
        self.append_keys = append_keys
        self.rec = recorder
        self.rng = rng
        self.seq = 0
        self.known = {}  # key -> last value this client saw
        self.suspect = {}  # member -> monotonic time until which it is avoided
        self.incarnations = incarnations or (lambda m: 0)
        self.n_members = len(urls)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="client-%d" % cid, daemon=True)
        self.completed = 0  # definite outcomes (ok or clear failure)
        self.error = None

    def start(self):
        self.thread.start()

    def join(self, timeout=None):
        self.stop.set()
        self.thread.join(timeout)
        self.http.close()

    def _run(self):
        try:
            while not self.stop.is_set():
                self.one()
        except Exception:  # a workload bug must not pass silently
            self.error = traceback.format_exc()
            raise

    def pick_member(self):
        """Each client has a home member (as Jepsen binds clients to nodes), so clients of
        healthy members keep going while others wait on a cut-off one. One op in ten
        goes to another member, chosen among those that did not just time out (a client
        fails over; it does not keep queueing on a hung member)."""
        home = self.cid % self.n_members
        if self.rng.random() < 0.1:
            now = time.monotonic()
            ok = [m for m in range(self.n_members) if self.suspect.get(m, 0.0) <= now]
            if ok:
                return self.rng.choice(ok)
        return home

    def _value(self):
        self.seq += 1
        return "c%d-%d" % (self.cid, self.seq)

    def one(self):
        m = self.pick_member()
        r = self.rng.random()
        if self.append_keys and r < 0.25:
            return self.append(self.rng.choice(self.append_keys), m)
        key = self.rng.choice(self.keys)
        r = self.rng.random()
        if r < 0.25:
            self.read(key, m, quorum=True)
        elif r < 0.35:
            self.read(key, m, quorum=False)
        elif r < 0.55:
            self.write(key, m)
        elif r < 0.93:
            self.cas(key, m, self.known.get(key))
        elif r < 0.97:
            self.create(key, m)
        else:
            self.delete(key, m)

    # ---- operations -----------------------------------------------------------------

    def _do(self, op, member, method, path, form=None):
        """Runs the request for op. Returns (kind, reply): ("notsent", None) — nothing
        recorded; ("indeterminate", reply or None) — recorded with ret=None; ("reply",
        reply) — op.ret set, the caller classifies and records it."""
        if op.meta is None:
            op.meta = {}
        op.meta["member"] = member
        op.meta["inc"] = self.incarnations(member)
        op.call = time.monotonic()
        try:
            reply = self.http.request(member, method, path, form)
        except NotSent:
            with self.rec.lock:
                self.rec.not_sent += 1
            self.stop.wait(0.02)  # pacing: a dead member refuses at once
            return "notsent", None
        except Indeterminate as e:
            if "imeout" in str(e):
                self.suspect[member] = time.monotonic() + 5.0
            op.ret = None
            op.meta["error"] = str(e)
            with self.rec.lock:
                self.rec.reasons[str(e).split("(")[0]] += 1
            if op.kind != "read":  # a read without an answer tells nothing
                self.rec.add(op)
            return "indeterminate", None
        ret = time.monotonic()
        op.meta["status"] = reply.status
        if reply.status >= 500:
            self.stop.wait(0.02)  # pacing: no leader answers at once
            cause = reply.json.get("cause") if isinstance(reply.json, dict) else None
            if op.kind != "read" and never_proposed(cause):
                # Refused before it was proposed: it did not happen. Kept out of the
                # history (and out of the values anyone may read: if it shows up later,
                # the checks fail).
                with self.rec.lock:
                    self.rec.refused += 1
                    self.rec.reasons[cause] += 1
                return "notsent", reply
            # "request timed out", leader changes...: may have happened.
            op.ret = None
            op.meta["error"] = reply.describe()
            with self.rec.lock:
                self.rec.reasons[cause or reply.describe()[:60]] += 1
            if op.kind != "read":
                self.rec.add(op)
            return "indeterminate", reply
        op.ret = ret
        return "reply", reply

    def read(self, key, member, quorum):
        if not quorum:
            inc = self.incarnations(member)
            call = time.monotonic()
            try:
                reply = self.http.request(member, "GET", key_path(key))
            except (NotSent, Indeterminate):
                return
            ret = time.monotonic()
            found = reply.status == 200 and reply.node
            if found or (reply.status == 404 and reply.error_code == 100):
                n = reply.node if found else {}
                self.rec.add_plain(PlainRead(self.cid, key, member, inc, call, ret,
                                             n.get("value"), n.get("modifiedIndex"),
                                             reply.etcd_index))
                self.known[key] = n.get("value")
                if self.plain_as_quorum:
                    self.rec.add(Op(client=self.cid, key=key, kind="read", call=call,
                                    ret=ret, out=n.get("value"), index=n.get("modifiedIndex"),
                                    meta={"member": member, "plain": True,
                                          "etcd_index": reply.etcd_index}))
            elif reply.status < 500:
                self.rec.add_unexpected("c%d plain read %s" % (self.cid, key),
                                        reply.describe())
            return
        op = Op(client=self.cid, key=key, kind="read")
        what, reply = self._do(op, member, "GET", key_path(key) + "?quorum=true")
        if what != "reply":
            return None  # failed reads carry no information (dropped by the checker)
        if reply.status == 200 and reply.node and not reply.node.get("dir"):
            op.out = reply.node.get("value")
            op.index = reply.node.get("modifiedIndex")
            op.meta["etcd_index"] = reply.etcd_index
        elif reply.status == 404 and reply.error_code == 100:
            op.out = None
            op.meta["etcd_index"] = reply.etcd_index
        else:
            self.rec.add_unexpected(op.describe(), reply.describe())
            return
        self.known[key] = op.out
        self.completed += 1
        self.rec.add(op)
        return op

    def _mutate(self, op, member, method, form, classify):
        path = key_path(op.key)
        what, reply = self._do(op, member, method, path, form)
        if what == "notsent":
            return None
        if what == "indeterminate":
            return op
        out = classify(reply)
        if out is None:
            # Not an answer we understand: count it against the round, and keep the op
            # as indeterminate (sound whatever it did).
            op.ret = None
            op.meta["error"] = reply.describe()
            self.rec.add(op)
            self.rec.add_unexpected(op.describe(), reply.describe())
            return None
        op.out = out
        if out == "ok" and reply.node:
            op.index = reply.node.get("modifiedIndex")
        self.completed += 1
        self.rec.add(op)
        return op

    def write(self, key, member):
        op = Op(client=self.cid, key=key, kind="write", value=self._value())
        done = self._mutate(op, member, "PUT", {"value": op.value},
                            lambda r: "ok" if r.status in WRITE_STATUSES_OK else None)
        if done is not None and done.out == "ok":
            self.known[key] = op.value

    def cas(self, key, member, expected):
        if expected is None:
            return self.read(key, member, quorum=True)
        op = Op(client=self.cid, key=key, kind="cas", expected=expected, value=self._value())

        def classify(r):
            if r.status == 200:
                return "ok"
            if r.status == 412 and r.error_code == 101:
                return "fail"
            if r.status == 404 and r.error_code == 100:
                return "missing"
            return None
        done = self._mutate(op, member, "PUT", {"value": op.value, "prevValue": expected},
                            classify)
        if done is not None and done.out == "ok":
            self.known[key] = op.value
        elif done is not None and done.out == "missing":
            self.known[key] = None

    def create(self, key, member):
        op = Op(client=self.cid, key=key, kind="create", value=self._value())

        def classify(r):
            if r.status == 201:
                return "ok"
            if r.status == 412 and r.error_code == 105:
                return "exists"
            return None
        done = self._mutate(op, member, "PUT", {"value": op.value, "prevExist": "false"},
                            classify)
        if done is not None and done.out == "ok":
            self.known[key] = op.value

    def delete(self, key, member):
        op = Op(client=self.cid, key=key, kind="delete")

        def classify(r):
            if r.status == 200:
                return "ok"
            if r.status == 404 and r.error_code == 100:
                return "missing"
            return None
        done = self._mutate(op, member, "DELETE", None, classify)
        if done is not None and done.out in ("ok", "missing"):
            self.known[key] = None

    def append(self, key, member, attempts=3):
        """Appends a unique token to key's list: quorum read, then CAS (or create)."""
        token = "a%d-%d" % (self.cid, self.seq + 1)
        self.seq += 1
        for _ in range(attempts):
            if self.stop.is_set():
                return
            cur = self.read(key, member, quorum=True)
            if cur is None:
                member = self.pick_member()
                continue
            if cur.out is None:
                op = Op(client=self.cid, key=key, kind="create", value=token)
                form = {"value": token, "prevExist": "false"}

                def classify(r):
                    if r.status == 201:
                        return "ok"
                    if r.status == 412 and r.error_code == 105:
                        return "exists"
                    return None
            else:
                op = Op(client=self.cid, key=key, kind="cas", expected=cur.out,
                        value=cur.out + " " + token)
                form = {"value": op.value, "prevValue": cur.out}

                def classify(r):
                    if r.status == 200:
                        return "ok"
                    if r.status == 412 and r.error_code == 101:
                        return "fail"
                    if r.status == 404 and r.error_code == 100:
                        return "missing"
                    return None
            op.meta = {"append": token}
            done = self._mutate(op, member, "PUT", form, classify)
            if done is None:
                return  # not sent or unexpected: give up on this token
            if done.ret is None or done.out == "ok":
                return  # indeterminate: the token may be there; never reuse it
            member = self.pick_member()


def run_clients(n, urls, keys, append_keys, recorder, seed, timeout=3.0, incarnations=None,
                plain_as_quorum=False):
    """Starts n clients. plain_as_quorum (a negative control): plain reads also go into
    the linearizability history, so a stale local read must make the check fail."""
    clients = [Client(i, urls, keys, append_keys, recorder,
                      random.Random("%s:client%d" % (seed, i)), timeout, incarnations,
                      plain_as_quorum)
               for i in range(n)]
    for c in clients:
        c.start()
    return clients
