"""Linearizability checker for register histories (read / write / cas / create / delete).

The algorithm is Wing & Gong's search with Lowe's memoisation, as in Knossos and
Porcupine: the history is a time-ordered doubly linked list of call and return events;
the search repeatedly takes the first call that can be linearized now (every call before
the earliest pending return is a candidate), applies it to the model, removes the
operation from the list and starts again; when it meets a return whose operation is not
yet linearized, it backtracks. A configuration (set of linearized operations, model
state) that was already explored is never explored again (the cache).

P-compositionality: a history of independent keys is linearizable iff each key's
sub-history is, so `check_keyed` checks every key on its own.

Indeterminate operations (a timeout or a connection error after the request was sent:
the operation may or may not have taken effect) get no return event: they can be
linearized at any point after their invocation, or never. The search succeeds as soon as
every *determinate* operation is linearized; whatever indeterminate operations are left
are the ones that "never happened" (or happened after everything that was observed,
which nobody can tell apart).

    ops = [Op(client=1, kind="write", value="a", call=0, ret=10, out="ok"),
           Op(client=2, kind="read", call=5, ret=12, out="a")]
    r = check(ops)                # Result: r.ok is True / False / None (gave up)
    print(r.explain())

Operation kinds and outcomes (`out`), for a register whose state is a value or None
(the key does not exist):

| kind   | arguments         | out (definite)                                      |
|--------|-------------------|-----------------------------------------------------|
| read   | -                 | the value read, None for "key not found"            |
| write  | value             | "ok"                                                |
| cas    | expected, value   | "ok" / "fail" (412: exists, differs) / "missing" (404) |
| create | value             | "ok" / "exists" (prevExist=false on an existing key) |
| delete | -                 | "ok" / "missing"                                    |

An indeterminate operation has `ret=None` (and `out` is ignored). Indeterminate reads
carry no information and are dropped.

Standard library only.
"""

import collections
import time

INDETERMINATE = None


class Op:
    """One client operation on one key. `call`/`ret` are monotonic timestamps (any
    comparable numbers); `ret is None` means indeterminate."""

    __slots__ = ("client", "key", "kind", "value", "expected", "call", "ret", "out",
                 "index", "meta")

    def __init__(self, client=0, kind="read", value=None, expected=None, call=0, ret=None,
                 out=None, key=None, index=None, meta=None):
        if kind not in ("read", "write", "cas", "create", "delete"):
            raise ValueError("unknown kind %r" % (kind,))
        self.client = client
        self.key = key
        self.kind = kind
        self.value = value
        self.expected = expected
        self.call = call
        self.ret = ret
        self.out = out
        self.index = index  # etcd modifiedIndex of the outcome (for reports only)
        self.meta = meta

    @property
    def indeterminate(self):
        return self.ret is None

    def describe(self):
        if self.kind == "read":
            what = "read()"
        elif self.kind == "write":
            what = "write(%r)" % (self.value,)
        elif self.kind == "cas":
            what = "cas(%r -> %r)" % (self.expected, self.value)
        elif self.kind == "create":
            what = "create(%r)" % (self.value,)
        else:
            what = "delete()"
        if self.ret is None:
            res = "?? (indeterminate)"
            span = "[%s, ...)" % _fmt_t(self.call)
        else:
            res = repr(self.out)
            span = "[%s, %s]" % (_fmt_t(self.call), _fmt_t(self.ret))
        extra = "" if self.index is None else " idx=%s" % self.index
        key = "" if self.key is None else "%s " % self.key
        return "c%s %s%s -> %s %s%s" % (self.client, key, what, res, span, extra)

    def __repr__(self):
        return "Op(%s)" % self.describe()


def _fmt_t(t):
    if isinstance(t, float):
        return "%.6f" % t
    return str(t)


# ---- the register model ------------------------------------------------------------

def register_step(state, op):
    """The register's transition: returns (allowed, next_state) for op in state.
    Indeterminate operations only have their effect (the "never happened" choice is
    the search's: it may leave them out)."""
    kind = op.kind
    if op.ret is None:  # indeterminate: the op took effect (so it succeeded)
        if kind == "write":
            return True, op.value
        if kind == "cas":
            return (state is not None and state == op.expected), op.value
        if kind == "create":
            return state is None, op.value
        if kind == "delete":
            return state is not None, None
        return False, state  # indeterminate reads are dropped before the search
    out = op.out
    if kind == "read":
        return out == state, state
    if kind == "write":
        return True, op.value
    if kind == "cas":
        if out == "ok":
            return (state is not None and state == op.expected), op.value
        if out == "fail":
            return (state is not None and state != op.expected), state
        if out == "missing":
            return state is None, state
        return False, state
    if kind == "create":
        if out == "ok":
            return state is None, op.value
        if out == "exists":
            return state is not None, state
        return False, state
    if kind == "delete":
        if out == "ok":
            return state is not None, None
        if out == "missing":
            return state is None, state
    return False, state


# ---- the search -------------------------------------------------------------------

class _Entry:
    __slots__ = ("id", "is_call", "op", "match", "prev", "next")

    def __init__(self, id_, is_call, op):
        self.id = id_
        self.is_call = is_call
        self.op = op
        self.match = None
        self.prev = None
        self.next = None


class Result:
    """ok: True (linearizable), False (not), None (the search gave up: budget)."""

    def __init__(self, ok, key=None, ops=None, steps=0, seconds=0.0, info=None):
        self.ok = ok
        self.key = key
        self.ops = ops or []
        self.steps = steps
        self.seconds = seconds
        self.info = info or {}

    def __bool__(self):
        return self.ok is True

    def explain(self, context=8):
        """A human-readable counterexample excerpt (or a one-line summary)."""
        head = "key %r: %d ops, %d steps, %.2fs: " % (self.key, len(self.ops), self.steps,
                                                      self.seconds)
        if self.ok:
            return head + "linearizable"
        if self.ok is None:
            return head + "UNKNOWN (search budget exhausted: %s)" % self.info.get("why")
        info = self.info
        lines = [head + "NOT linearizable"]
        lines.append("  longest linearizable prefix: %d of %d determinate ops, "
                     "state after it: %r" % (info["depth"], info["determinate"],
                                             info["state"]))
        if info.get("prefix_tail"):
            lines.append("  last ops of that linearization:")
            for op in info["prefix_tail"]:
                lines.append("    " + op.describe())
        blocked = info.get("blocked")
        if blocked is not None:
            lines.append("  then no pending op can be linearized before this one returns:")
            lines.append("  >> " + blocked.describe())
            lines.append("  ops pending (invoked, not linearized) at that point:")
            for op in info.get("pending", [])[:context * 2]:
                lines.append("    " + op.describe())
            if not info.get("pending"):
                lines.append("    (none)")
        return "\n".join(lines)


def check(ops, step=register_step, init=None, max_seconds=None, max_steps=None, key=None):
    """Checks one key's history. Returns a Result."""
    t0 = time.monotonic()
    ops = [op for op in ops if not (op.kind == "read" and op.ret is None)]
    for op in ops:
        if op.ret is not None and op.ret < op.call:
            raise ValueError("operation returns before it is invoked: %s" % op.describe())

    # Events sorted by time; at equal times a call comes first (the ops overlap: the
    # permissive reading). Indeterminate ops have no return event.
    events = []
    for i, op in enumerate(ops):
        events.append((op.call, 0, i))
        if op.ret is not None:
            events.append((op.ret, 1, i))
    events.sort()
    head = _Entry(-1, False, None)
    calls = [None] * len(ops)
    prev = head
    for _, kind, i in events:
        e = _Entry(i, kind == 0, ops[i])
        if kind == 0:
            calls[i] = e
        else:
            calls[i].match = e
        prev.next = e
        e.prev = prev
        prev = e

    determinate = sum(1 for op in ops if op.ret is not None)
    remaining = determinate
    state = init
    lin = 0
    cache = set()
    stack = []  # (entry, state before it)
    entry = head.next
    steps = 0
    best = (-1, 0, None, None, None)  # depth, linearized set, last ops, state, entry
    check_every = 4096

    def lift(e):
        e.prev.next = e.next
        if e.next is not None:
            e.next.prev = e.prev
        m = e.match
        if m is not None:
            m.prev.next = m.next
            if m.next is not None:
                m.next.prev = m.prev

    def unlift(e):
        m = e.match
        if m is not None:
            m.prev.next = m
            if m.next is not None:
                m.next.prev = m
        e.prev.next = e
        if e.next is not None:
            e.next.prev = e

    while remaining > 0:
        steps += 1
        if steps % check_every == 0:
            if max_steps is not None and steps > max_steps:
                return Result(None, key, ops, steps, time.monotonic() - t0,
                              {"why": "more than %d steps" % max_steps})
            if max_seconds is not None and time.monotonic() - t0 > max_seconds:
                return Result(None, key, ops, steps, time.monotonic() - t0,
                              {"why": "more than %.0fs" % max_seconds})
        if entry is not None and entry.is_call:
            op = entry.op
            allowed, nxt = step(state, op)
            if allowed:
                nlin = lin | (1 << entry.id)
                ck = (nlin, nxt)
                if ck not in cache:
                    cache.add(ck)
                    stack.append((entry, state))
                    state = nxt
                    lin = nlin
                    if op.ret is not None:
                        remaining -= 1
                    lift(entry)
                    entry = head.next
                    continue
            entry = entry.next
            continue
        # A return event of an op not linearized yet (or the end of the list): every
        # candidate before it failed. Record how far we got, then backtrack.
        depth = determinate - remaining
        if depth > best[0]:
            best = (depth, lin, [e.op for e, _ in stack[-8:]], state, entry)
        if not stack:
            return Result(False, key, ops, steps, time.monotonic() - t0,
                          _counterexample(ops, best, determinate))
        e, state = stack.pop()
        lin &= ~(1 << e.id)
        if e.op.ret is not None:
            remaining += 1
        unlift(e)
        entry = e.next
    return Result(True, key, ops, steps, time.monotonic() - t0)


def _counterexample(ops, best, determinate):
    depth, lin, tail, state, entry = best
    info = {"depth": depth, "determinate": determinate, "state": state,
            "prefix_tail": tail or []}
    if entry is not None and entry.op is not None:
        blocked = entry.op
        info["blocked"] = blocked
        pending = [op for i, op in enumerate(ops)
                   if not (lin >> i) & 1 and op.call <= blocked.ret and op is not blocked]
        pending.sort(key=lambda op: op.call)
        # The interesting ones: determinate ops overlapping the blocked one, then the
        # most recent indeterminate ones.
        det = [op for op in pending if op.ret is not None]
        ind = [op for op in pending if op.ret is None][-6:]
        info["pending"] = det + ind
    return info


def check_keyed(ops, max_seconds_per_key=None, max_steps_per_key=None, init=None):
    """P-compositionality: checks each key's ops (Op.key) on its own.
    Returns {key: Result}."""
    by_key = collections.OrderedDict()
    for op in ops:
        by_key.setdefault(op.key, []).append(op)
    return {k: check(v, init=init, max_seconds=max_seconds_per_key,
                     max_steps=max_steps_per_key, key=k)
            for k, v in by_key.items()}


# ---- the EDN-free text format used by tests and --check-history -----------------------

def parse_history(text, key=None):
    """Parses a hand-written history, one op per line:

        <client> <call> <ret|?> <kind> [args...] -> <out>

    e.g. `1 0 10 write a -> ok`, `2 5 12 read -> a`, `3 1 ? cas a b`, `2 3 4 read -> nil`.
    `nil` is None (key not found). Blank lines and `#` comments are ignored."""
    ops = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        left, _, right = line.partition("->")
        parts = left.split()
        client, call, ret, kind = parts[0], float(parts[1]), parts[2], parts[3]
        args = [None if a == "nil" else a for a in parts[4:]]
        ret = None if ret == "?" else float(ret)
        out = right.strip() if right.strip() else None
        if out == "nil":
            out = None
        op = Op(client=client, kind=kind, call=call, ret=ret, out=out, key=key)
        if kind == "write" or kind == "create":
            op.value = args[0]
        elif kind == "cas":
            op.expected, op.value = args[0], args[1]
        ops.append(op)
    return ops


def load_jsonl(path):
    """Ops from a history saved by faults.py (`seed<S>-round<R>-history.jsonl`); plain
    reads in it are skipped."""
    import json
    ops = []
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if d.get("plain"):
                continue
            ops.append(Op(client=d["client"], kind=d["kind"], value=d.get("value"),
                          expected=d.get("expected"), call=d["call"], ret=d.get("ret"),
                          out=d.get("out"), key=d.get("key"), index=d.get("index"),
                          meta=d.get("meta")))
    return ops


if __name__ == "__main__":
    # Re-check a saved history: python3 linearizability.py HISTORY.jsonl [KEY]
    import sys
    if len(sys.argv) < 2:
        sys.exit("usage: linearizability.py HISTORY.jsonl [KEY]")
    all_ops = load_jsonl(sys.argv[1])
    if len(sys.argv) > 2:
        all_ops = [op for op in all_ops if op.key == sys.argv[2]]
    bad = 0
    for k, r in check_keyed(all_ops).items():
        print(r.explain())
        bad += r.ok is not True
    sys.exit(1 if bad else 0)
