"""The cluster under test: members as real processes, the nemesis' levers on them, and
the checks that every round ends with.

    h = Harness("etcd2", 3, binary, net="loopback"|"netns")
    h.start()
    h.kill(i); h.restart(i); h.pause(i); h.resume(i)      # SIGKILL / SIGSTOP / SIGCONT
    h.env.cut(a, b) ...                                   # netns only
    h.wait_healthy(deadline_s)                            # None or why not
    mark = h.mark()                                       # pids + log offsets, per round
    h.crash_problems(mark, killed)                        # members that died on their own

Standard library only.
"""

import http.client
import json
import os
import re
import signal
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compat"))
sys.path.insert(0, HERE)

import cluster as compat_cluster  # noqa: E402,F401  (re-exported: REAL_ETCD)
from cluster import Cluster, ClusterError  # noqa: E402
import netns  # noqa: E402
# Lines that mean a member crashed or hit a broken invariant (not merely logged an error):
# one definition for every tier, beside cluster.py.
from crash_lines import BAD_LINES  # noqa: E402

# A member received a snapshot from the leader (catch-up by snapshot, not by log).
SNAPSHOT_LINES = {
    "etcd2": re.compile(r"installing snapshot at index"),
    "etcd": re.compile(r"applied snapshot|applying snapshot|received and saved database snapshot"),
}
ERROR_LINES = {
    "etcd2": re.compile(r": error: "),
    "etcd": re.compile(r'"level":"error"'),
}


class Mark:
    """Where a round starts: each member's pid and log size."""

    def __init__(self, pids, offsets, paths):
        self.pids = pids
        self.offsets = offsets
        self.paths = paths


class Harness:
    def __init__(self, kind, size, binary=None, net="loopback", heartbeat_ms=100,
                 election_ms=1000, base_dir=None, keep=False, rng=None, extra_args=()):
        self.kind = kind
        self.size = size
        self.binary = binary
        self.net = net
        self.heartbeat_ms = heartbeat_ms
        self.election_ms = election_ms
        self.base_dir = base_dir
        self.keep = keep
        self.rng = rng
        self.extra_args = list(extra_args)
        self.env = None
        self.cluster = None
        self.incarnation = [0] * size
        self.paused = set()
        self.down = set()  # killed on purpose, not restarted yet

    # ---- lifecycle ------------------------------------------------------------------

    def start(self):
        if self.net == "netns":
            if self.env is None:
                self.env = netns.NetnsEnv(self.size, self.rng)
                self.env.setup(self.rng)
            self.cluster = netns.NetnsCluster(
                self.env, self.kind, self.size, binary=self.binary, base_dir=self.base_dir,
                heartbeat_ms=self.heartbeat_ms, election_ms=self.election_ms,
                extra_args=self.extra_args, keep_dir=True)
        else:
            self.cluster = Cluster(self.kind, self.size, binary=self.binary,
                                   base_dir=self.base_dir, heartbeat_ms=self.heartbeat_ms,
                                   election_ms=self.election_ms,
                                   extra_args=self.extra_args, keep_dir=True)
        self.incarnation = [0] * self.size
        self.paused = set()
        self.down = set()
        return self

    def stop(self, keep_dir=None):
        """Stops the cluster; removes its dir unless keep_dir (default: self.keep)."""
        if self.cluster is None:
            return None
        c, self.cluster = self.cluster, None
        for i in list(self.paused):
            self._signal(c, i, signal.SIGCONT)
        c.stop()
        keep = self.keep if keep_dir is None else keep_dir
        if not keep:
            import shutil
            shutil.rmtree(c.dir, ignore_errors=True)
            return None
        return c.dir

    def close(self):
        self.stop()
        if self.env is not None:
            self.env.teardown()
            self.env = None

    @property
    def client_urls(self):
        return self.cluster.client_urls

    @property
    def members(self):
        return self.cluster.members

    # ---- levers ---------------------------------------------------------------------

    @staticmethod
    def _signal(c, i, sig):
        m = c.members[i]
        if m.proc is not None and m.proc.poll() is None:
            try:
                os.killpg(m.proc.pid, sig)
            except ProcessLookupError:
                pass

    def kill(self, i):
        self.paused.discard(i)
        self.cluster.kill(i, signal.SIGKILL)
        self.down.add(i)

    def restart(self, i):
        """Starts member i again from its data dir (does not wait: a member of a killed
        majority cannot be healthy alone)."""
        self.cluster.restart(i, wait=False)
        self.incarnation[i] += 1
        self.down.discard(i)

    def pause(self, i):
        self._signal(self.cluster, i, signal.SIGSTOP)
        self.paused.add(i)

    def resume(self, i):
        self._signal(self.cluster, i, signal.SIGCONT)
        self.paused.discard(i)

    def leader(self, timeout=10.0):
        return self.cluster.leader(timeout)

    def followers(self, timeout=10.0):
        lead = self.leader(timeout)
        return [i for i in range(self.size) if i != lead]

    def leader_or_none(self, timeout=5.0):
        try:
            return self.leader(timeout)
        except (ClusterError, OSError):
            return None

    # ---- health ---------------------------------------------------------------------

    def wait_healthy(self, timeout):
        """None once every member is running and healthy and all agree on one leader;
        else (after the deadline) why not."""
        try:
            self.cluster.wait_ready(timeout)
            return None
        except ClusterError as e:
            return str(e).split("\n")[0]

    # ---- crash detection ----------------------------------------------------------------

    def mark(self):
        pids, offsets, paths = {}, {}, {}
        for m in self.members:
            pids[m.index] = m.proc.pid if m.proc is not None else None
            paths[m.index] = m.log_path
            try:
                offsets[m.index] = os.path.getsize(m.log_path)
            except OSError:
                offsets[m.index] = 0
        return Mark(pids, offsets, paths)

    def log_since(self, mark, i):
        path = self.members[i].log_path
        start = mark.offsets.get(i, 0) if mark.paths.get(i) == path else 0
        try:
            with open(path, "rb") as f:
                f.seek(start)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def crash_problems(self, mark, killed, tolerated=None):
        """Members that exited although nobody killed them, changed pid without being
        killed, or logged a crash line since mark. tolerated: member -> regex of the
        crash lines the fault was meant to cause (a member that stopped on a full disk)."""
        problems = []
        bad = BAD_LINES[self.kind]
        tolerated = tolerated or {}
        for m in self.members:
            i = m.index
            if m.proc is None or m.proc.poll() is not None:
                if i not in self.down:
                    problems.append("m%d is not running (exit status %s)" % (
                        i, m.proc.returncode if m.proc else None))
            elif i not in killed and mark.pids.get(i) != m.proc.pid:
                problems.append("m%d was restarted although not killed" % i)
            for line in self.log_since(mark, i).splitlines():
                if i in tolerated and tolerated[i].search(line):
                    continue
                if bad.search(line):
                    problems.append("m%d log: %s" % (i, line.strip()[:300]))
                    break
        return problems

    def error_lines(self, mark):
        pat = ERROR_LINES[self.kind]
        return {i: sum(1 for line in self.log_since(mark, i).splitlines() if pat.search(line))
                for i in range(self.size)}

    def snapshots_installed(self, mark):
        pat = SNAPSHOT_LINES[self.kind]
        return sum(1 for i in range(self.size)
                   for line in self.log_since(mark, i).splitlines() if pat.search(line))

    def dump_logs_since(self, mark, stream, tail_lines=80):
        for m in self.members:
            lines = self.log_since(mark, m.index).splitlines()
            stream.write("----- m%d log since the round started (%s), last %d of %d lines "
                         "-----\n" % (m.index, m.log_path, min(tail_lines, len(lines)),
                                      len(lines)))
            for line in lines[-tail_lines:]:
                stream.write(line + "\n")
        stream.flush()


# ---- plain HTTP helpers (the final checks; not part of the recorded history) -----------

def request(url, method, path, form=None, timeout=3.0):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        body, headers = None, {}
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        try:
            js = json.loads(data) if data else None
        except ValueError:
            js = None
        return r.status, hdrs, js
    finally:
        conn.close()


def flatten(node, out=None):
    """key -> (value, modifiedIndex, createdIndex) for every file under a v2 node."""
    if out is None:
        out = {}
    if node is None:
        return out
    if node.get("dir"):
        for child in node.get("nodes", []) or []:
            flatten(child, out)
    else:
        out[node["key"]] = (node.get("value"), node.get("modifiedIndex"),
                            node.get("createdIndex"))
    return out


def poll(pred, timeout, interval=0.05):
    """Calls pred() until it returns a true value or the deadline passes; returns the
    last value. Sleeps only between polls."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)  # poll interval, not synchronisation
