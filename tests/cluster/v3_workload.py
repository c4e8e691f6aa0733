"""The fault suite's workload over the v3 API (`faults.py --api v3`): the same clients,
keys, recorder, checker and end-state checks as workload.py's v2 workload, through
python3-etcd3 (gRPC) instead of v2 HTTP.

Each client has a python3-etcd3 client (one gRPC channel) per member, a home member
and workload.py's member choice. Operations, mapped onto the register model of
linearizability.py (values are unique per key, and each value is written at most
once, so "the key holds value v" and "the key's mod_revision is the revision v was
written at" are the same condition):

| v3 request                                                    | model op           |
|---------------------------------------------------------------|--------------------|
| Range (linearizable)                                          | read -> value/None |
| Range (serializable)                                          | plain read (apart) |
| Put                                                           | write              |
| Txn [value(k) == old] then put(k, new), get(k) else get(k)    | cas old -> new     |
| Txn [mod(k) == rev of old] then put(k, new), get(k) else get(k)| cas old -> new    |
| Txn [version(k) == 0] then put(k, v), get(k) else get(k)      | create             |
| DeleteRange                                                   | delete (deleted 0: missing) |

A CAS whose compare fails answers "missing" or "fail" from the failure branch's get;
the append keys read (linearizable) and then CAS (value or mod_revision compare,
alternately) `old + " " + token`, or create. `op.index` is the written/read key's
mod_revision (for a delete: the revision of the delete), `meta["etcd_index"]` the
response header's revision, so checks.indexes applies unchanged.

Outcomes: an answer is definite. A failure is classified by v3util.classify: refused
connection = not sent (nothing recorded); "etcdserver: no leader", "raft proposal
dropped", "proposal dropped: ..." = refused before proposing (kept out of the history,
as in workload.py); a code no fault explains (INVALID_ARGUMENT, OUT_OF_RANGE, ...:
v3util.UNEXPECTED_CODES) fails the round as an unexpected reply (and the op counts as
indeterminate); anything else — DEADLINE_EXCEEDED, UNAVAILABLE with a reset stream,
"request timed out", "leader changed" ... — indeterminate. Failed reads are dropped.
A Python exception that is not a gRPC error crashes the client (a test bug).
"""

import random
import threading
import time
import traceback

import harness as H
import v3util as U
from linearizability import Op
from workload import PlainRead


class V3Client:
    """One client thread (the interface faults.py uses: start, join, cid, error, thread,
    completed)."""

    def __init__(self, cid, urls, keys, append_keys, recorder, rng, timeout=2.0,
                 incarnations=None, plain_as_quorum=False):
        self.cid = cid
        self.urls = list(urls)
        self.timeout = timeout
        self.clients = {}
        self.keys = keys
        self.append_keys = append_keys
        self.rec = recorder
        self.rng = rng
        self.seq = 0
        self.known = {}    # key -> (value, mod_revision) this client last saw, or None
        self.suspect = {}  # member -> monotonic time until which it is avoided
        self.incarnations = incarnations or (lambda m: 0)
        self.plain_as_quorum = plain_as_quorum
        self.n_members = len(urls)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="v3client-%d" % cid,
                                       daemon=True)
        self.completed = 0
        self.error = None

    def start(self):
        self.thread.start()

    def join(self, timeout=None):
        self.stop.set()
        self.thread.join(timeout)
        for c in self.clients.values():
            try:
                c.close()
            except Exception:
                pass
        self.clients.clear()

    def _run(self):
        try:
            while not self.stop.is_set():
                self.one()
        except Exception:
            self.error = traceback.format_exc()
            raise

    def c(self, member):
        cl = self.clients.get(member)
        if cl is None:
            cl = self.clients[member] = U.client(self.urls[member], timeout=self.timeout)
        return cl

    def pick_member(self):
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
        if self.append_keys and self.rng.random() < 0.25:
            return self.append(self.rng.choice(self.append_keys), m)
        key = self.rng.choice(self.keys)
        r = self.rng.random()
        if r < 0.25:
            self.read(key, m)
        elif r < 0.35:
            self.plain_read(key, m)
        elif r < 0.55:
            self.write(key, m)
        elif r < 0.93:
            self.cas(key, m, by_mod=self.rng.random() < 0.5)
        elif r < 0.97:
            self.create(key, m)
        else:
            self.delete(key, m)

    # ---- running one request ----------------------------------------------------------

    def _do(self, op, member, fn):
        """Runs fn(client) for op. Returns the response, or None when the op failed (then
        it is recorded as indeterminate, or not at all: not sent, refused, a read)."""
        if op.meta is None:
            op.meta = {}
        op.meta["member"] = member
        op.meta["inc"] = self.incarnations(member)
        op.call = time.monotonic()
        try:
            resp = fn(self.c(member))
        except Exception as e:
            what, why = U.classify(e)
            if what == "bug":
                raise
            if what == "unexpected":  # sound as indeterminate, but fails the round
                self.rec.add_unexpected(op.describe(), why)
            if what == "notsent":
                with self.rec.lock:
                    self.rec.not_sent += 1
                self.stop.wait(0.02)  # pacing: a dead member refuses at once
                return None
            with self.rec.lock:
                self.rec.reasons[why] += 1
            if what == "refused":
                if op.kind != "read":
                    with self.rec.lock:
                        self.rec.refused += 1
                self.stop.wait(0.02)  # pacing: no leader answers at once
                return None
            if "DEADLINE_EXCEEDED" in why:
                self.suspect[member] = time.monotonic() + 5.0
            else:
                self.stop.wait(0.02)  # pacing
            op.ret = None
            op.meta["error"] = why
            if op.kind != "read":  # a read without an answer tells nothing
                self.rec.add(op)
            return None
        op.ret = time.monotonic()
        return resp

    # ---- operations -----------------------------------------------------------------------

    def read(self, key, member):
        op = Op(client=self.cid, key=key, kind="read")
        resp = self._do(op, member, lambda c: c.get_response(key))
        if resp is None:
            return None
        if resp.kvs:
            kv = resp.kvs[0]
            op.out, op.index = U.s(kv.value), kv.mod_revision
            self.known[key] = (op.out, kv.mod_revision)
        else:
            op.out = None
            self.known[key] = None
        op.meta["etcd_index"] = resp.header.revision
        self.completed += 1
        self.rec.add(op)
        return op

    def plain_read(self, key, member):
        inc = self.incarnations(member)
        call = time.monotonic()
        try:
            resp = self.c(member).get_response(key, serializable=True)
        except Exception as e:
            what, why = U.classify(e)
            if what == "bug":
                raise
            if what == "unexpected":
                self.rec.add_unexpected("c%d plain read %s" % (self.cid, key), why)
            return
        ret = time.monotonic()
        kv = resp.kvs[0] if resp.kvs else None
        value = U.s(kv.value) if kv else None
        modified = kv.mod_revision if kv else None
        self.rec.add_plain(PlainRead(self.cid, key, member, inc, call, ret, value, modified,
                                     resp.header.revision))
        self.known[key] = (value, modified) if kv else None
        if self.plain_as_quorum:
            self.rec.add(Op(client=self.cid, key=key, kind="read", call=call, ret=ret,
                            out=value, index=modified,
                            meta={"member": member, "plain": True,
                                  "etcd_index": resp.header.revision}))

    def _record(self, op, out, index=None):
        op.out = out
        if out == "ok":
            op.index = index
        self.completed += 1
        self.rec.add(op)

    def write(self, key, member):
        op = Op(client=self.cid, key=key, kind="write", value=self._value())
        resp = self._do(op, member, lambda c: c.put(key, op.value))
        if resp is not None:
            self._record(op, "ok", resp.header.revision)
            self.known[key] = (op.value, resp.header.revision)

    def _txn(self, op, member, compare):
        """Txn [compare] then put(key, op.value), get(key) else get(key). Returns
        (succeeded, (value, mod_revision) or None) or None when it failed."""
        key = op.key

        def fn(c):
            T = c.transactions
            return c.transaction(compare=[compare(T)], success=[T.put(key, op.value),
                                                                T.get(key)],
                                 failure=[T.get(key)])
        resp = self._do(op, member, fn)
        if resp is None:
            return None
        ok, responses = resp
        got = responses[-1]  # the get: [(value, KVMetadata)] or []
        cur = (U.s(got[0][0]), got[0][1].mod_revision) if got else None
        return ok, cur

    def cas(self, key, member, by_mod):
        known = self.known.get(key)
        if known is None:
            return self.read(key, member)
        expected, rev = known
        op = Op(client=self.cid, key=key, kind="cas", expected=expected, value=self._value())
        op.meta = {"compare": "mod_revision == %d" % rev if by_mod else "value"}
        if by_mod:
            res = self._txn(op, member, lambda T: T.mod(key) == rev)
        else:
            res = self._txn(op, member, lambda T: T.value(key) == expected)
        self._cas_outcome(op, res)

    def _cas_outcome(self, op, res):
        if res is None:
            return
        ok, cur = res
        if ok:
            if cur is None or cur[0] != op.value:
                self.rec.add_unexpected(op.describe(), "succeeded, but its get shows %r"
                                        % (cur,))
            self._record(op, "ok", cur[1] if cur else None)
        else:
            self._record(op, "missing" if cur is None else "fail")
        self.known[op.key] = cur

    def create(self, key, member):
        op = Op(client=self.cid, key=key, kind="create", value=self._value())
        res = self._txn(op, member, lambda T: T.version(key) == 0)
        if res is None:
            return
        ok, cur = res
        self._record(op, "ok" if ok else "exists", cur[1] if ok and cur else None)
        self.known[key] = cur

    def delete(self, key, member):
        op = Op(client=self.cid, key=key, kind="delete")
        resp = self._do(op, member, lambda c: c.delete(key, return_response=True))
        if resp is None:
            return
        if resp.deleted:
            self._record(op, "ok", resp.header.revision)
        else:
            self._record(op, "missing")
        self.known[key] = None

    def append(self, key, member, attempts=3):
        """Appends a unique token: linearizable read, then CAS (value or mod_revision
        compare, alternately) or create."""
        token = "a%d-%d" % (self.cid, self.seq + 1)
        self.seq += 1
        for attempt in range(attempts):
            if self.stop.is_set():
                return
            cur = self.read(key, member)
            if cur is None:
                member = self.pick_member()
                continue
            if cur.out is None:
                op = Op(client=self.cid, key=key, kind="create", value=token)
                op.meta = {"append": token}
                res = self._txn(op, member, lambda T: T.version(key) == 0)
                if res is not None:
                    ok, now = res
                    self._record(op, "ok" if ok else "exists",
                                 now[1] if ok and now else None)
            else:
                op = Op(client=self.cid, key=key, kind="cas", expected=cur.out,
                        value=cur.out + " " + token)
                op.meta = {"append": token}
                if (self.seq + attempt) % 2:
                    rev = cur.index
                    res = self._txn(op, member, lambda T: T.mod(key) == rev)
                else:
                    expected = cur.out
                    res = self._txn(op, member, lambda T: T.value(key) == expected)
                self._cas_outcome(op, res)
            if res is None or res[0]:
                return  # acknowledged; indeterminate (never reuse the token); not sent
            member = self.pick_member()  # compare failed: read again and retry


def run_clients(n, urls, keys, append_keys, recorder, seed, timeout=2.0, incarnations=None,
                plain_as_quorum=False):
    """workload.run_clients over v3."""
    clients = [V3Client(i, urls, keys, append_keys, recorder,
                        random.Random("%s:v3client%d" % (seed, i)), timeout, incarnations,
                        plain_as_quorum)
               for i in range(n)]
    for c in clients:
        c.start()
    return clients


# ---- the end state (faults.final_reads / faults.converge over v3) ---------------------------

def final_reads(h, keys, args, res):
    """A linearizable read of every key from every member, recorded in the history.
    Returns (ops, key -> value, the highest header revision seen)."""
    ops, values, target = [], {}, None
    clients = [U.client(u, timeout=5.0, wait_connected=True) for u in h.client_urls]
    try:
        for key in keys:
            for i, c in enumerate(clients):
                got = [None]

                def attempt():
                    op = Op(client="final-m%d" % i, key=key, kind="read",
                            call=time.monotonic())
                    try:
                        resp = c.get_response(key)
                    except Exception:
                        return False
                    op.ret = time.monotonic()
                    if resp.kvs:
                        op.out, op.index = U.s(resp.kvs[0].value), resp.kvs[0].mod_revision
                    op.meta = {"member": i, "etcd_index": resp.header.revision}
                    got[0] = op
                    return True
                if not H.poll(attempt, args.heal_timeout, interval=0.2):
                    res.problems.append("final linearizable read of %s on m%d failed for "
                                        "%.0fs" % (key, i, args.heal_timeout))
                    continue
                op = got[0]
                ops.append(op)
                values[key] = op.out
                idx = op.meta["etcd_index"]
                target = idx if target is None else max(target, idx)
    finally:
        for c in clients:
            c.close()
    return ops, values, target


def converge(h, prefix, target, final_values, args, res):
    """Every member's own state (serializable range of the round's prefix), once its
    revision reaches `target`, holds exactly the final values, with the same
    mod/create revisions and versions on every member."""
    listings = {}
    end = U.prefix_end(prefix)
    for i, u in enumerate(h.client_urls):
        c = U.client(u, timeout=5.0, wait_connected=True)
        try:
            got = [None]

            def caught_up():
                try:
                    resp = c.get_range_response(prefix, end, serializable=True)
                except Exception:
                    return False
                if resp.header.revision < target:
                    return False
                got[0] = (resp.header.revision,
                          {U.s(kv.key): (U.s(kv.value), kv.mod_revision, kv.create_revision,
                                         kv.version) for kv in resp.kvs})
                return True
            if not H.poll(caught_up, args.heal_timeout, interval=0.1):
                res.problems.append("m%d did not reach revision %d within %.0fs"
                                    % (i, target, args.heal_timeout))
                continue
        finally:
            c.close()
        rev, flat = got[0]
        listings[i] = flat
        for key, want in final_values.items():
            have = flat.get(key, (None,))[0]
            if have != want:
                res.problems.append("m%d diverges at revision %d: %s is %r locally, %r by "
                                    "linearizable read" % (i, rev, key, have, want))
    members = sorted(listings)
    for i in members[1:]:
        a, b = listings[members[0]], listings[i]
        if a != b:
            diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            res.problems.append("m%d and m%d hold different keys (value, mod, create, "
                                "version): %s" % (members[0], i, ", ".join(
                                    "%s: %r vs %r" % (k, a.get(k), b.get(k)) for k in diff[:5])))
