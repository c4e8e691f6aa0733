"""What every round's history must satisfy (besides crash checks, which harness does).

* `linearizable(ops)`: every key's register history (quorum reads, writes, CAS, create,
  delete, the appends' CAS and the final quorum reads) is linearizable.
* `appends(ops, final)`: each append key's final value holds every acknowledged token,
  only tokens that were sent, each once.
* `indexes(ops, plain)`: acknowledged mutations have distinct etcd indexes; a read that
  returns a value written by an acknowledged op shows that op's modifiedIndex; a read
  served at X-Etcd-Index i never misses an acknowledged mutation of its key with an
  index in (the value's modifiedIndex, i]; plain reads never show a value nobody wrote;
  per member process, plain reads' X-Etcd-Index never goes backwards.

Each returns a list of human-readable problems (empty = pass).
"""

import collections

from linearizability import check


def linearizable(ops, max_seconds_per_key=120.0):
    """Returns (problems, results by key)."""
    by_key = collections.OrderedDict()
    for op in ops:
        by_key.setdefault(op.key, []).append(op)
    problems, results = [], {}
    for key in sorted(by_key):
        r = check(by_key[key], max_seconds=max_seconds_per_key, key=key)
        results[key] = r
        if r.ok is False:
            problems.append("linearizability violation\n" + r.explain())
        elif r.ok is None:
            problems.append("linearizability undecided\n" + r.explain())
    return problems, results


def appends(ops, final_values, append_keys):
    """final_values: key -> value string (or None) from the final quorum reads."""
    problems = []
    for key in append_keys:
        acked, sent = set(), set()
        for op in ops:
            if op.key != key or not op.meta or "append" not in op.meta:
                continue
            tok = op.meta["append"]
            if op.ret is None or op.out == "ok":
                sent.add(tok)
            if op.ret is not None and op.out == "ok":
                acked.add(tok)
        final = final_values.get(key)
        tokens = final.split(" ") if final else []
        seen = collections.Counter(tokens)
        lost = sorted(acked - set(tokens))
        dup = sorted(t for t, n in seen.items() if n > 1)
        phantom = sorted(set(tokens) - sent)
        if lost:
            problems.append("%s: %d acknowledged appends lost: %s" % (
                key, len(lost), " ".join(lost[:20])))
        if dup:
            problems.append("%s: appended more than once: %s" % (key, " ".join(dup[:20])))
        if phantom:
            problems.append("%s: tokens nobody appended: %s" % (key, " ".join(phantom[:20])))
    return problems


def indexes(ops, plain):
    problems = []
    acked = [op for op in ops if op.kind != "read" and op.ret is not None and op.out == "ok"]
    by_index = {}
    for op in acked:
        if op.index is None:
            problems.append("acknowledged op without a modifiedIndex: " + op.describe())
            continue
        other = by_index.get(op.index)
        if other is not None:
            problems.append("two acknowledged mutations share etcd index %d:\n  %s\n  %s"
                            % (op.index, other.describe(), op.describe()))
        by_index[op.index] = op
    # value -> index of the acknowledged op that wrote it (values are unique per key).
    written = {}
    attempted = set()
    for op in ops:
        if op.kind in ("write", "cas", "create"):
            attempted.add((op.key, op.value))
            if op.ret is not None and op.out == "ok":
                written[(op.key, op.value)] = op
    mutations_by_key = collections.defaultdict(list)
    for op in acked:
        if op.index is not None:
            mutations_by_key[op.key].append(op)
    for lst in mutations_by_key.values():
        lst.sort(key=lambda op: op.index)

    def check_read(desc, key, value, modified, etcd_index):
        if value is None:
            return
        if (key, value) not in attempted:
            problems.append("read of a value nobody wrote: " + desc)
            return
        w = written.get((key, value))
        if w is not None and modified is not None and w.index != modified:
            problems.append("read shows modifiedIndex %s for a value written at %s:\n  %s\n"
                            "  %s" % (modified, w.index, desc, w.describe()))
        if modified is not None and etcd_index is not None:
            if modified > etcd_index:
                problems.append("modifiedIndex %s above X-Etcd-Index %s: %s"
                                % (modified, etcd_index, desc))
            for m in mutations_by_key.get(key, ()):
                if modified < m.index <= etcd_index:
                    problems.append(
                        "read at X-Etcd-Index %s returns the value of index %s but misses "
                        "the acknowledged mutation at %s:\n  %s\n  %s"
                        % (etcd_index, modified, m.index, desc, m.describe()))
                    break

    for op in ops:
        if op.kind == "read" and op.ret is not None:
            check_read(op.describe(), op.key, op.out, op.index,
                       (op.meta or {}).get("etcd_index"))
    for r in plain:
        check_read(r.describe(), r.key, r.value, r.modified, r.etcd_index)
    # Per member process: a later plain read never sees an older index.
    by_proc = collections.defaultdict(list)
    for r in plain:
        if r.etcd_index is not None:
            by_proc[(r.member, r.incarnation)].append(r)
    for (member, inc), lst in by_proc.items():
        lst.sort(key=lambda r: r.call)
        high = None  # the read with the highest index that has completed so far
        done = sorted(lst, key=lambda r: r.ret)
        j = 0
        for r in lst:
            while j < len(done) and done[j].ret < r.call:
                if high is None or done[j].etcd_index > high.etcd_index:
                    high = done[j]
                j += 1
            if high is not None and r.etcd_index < high.etcd_index:
                problems.append("m%d (process #%d) went back in time: X-Etcd-Index %s after "
                                "%s:\n  %s\n  %s" % (member, inc, r.etcd_index,
                                                     high.etcd_index, high.describe(),
                                                     r.describe()))
                break
    return problems
