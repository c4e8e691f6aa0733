"""Start and stop small etcd clusters on loopback, for tests.

    from cluster import Cluster
    with Cluster("etcd", 3) as c:          # real etcd 3.4 (--enable-v2=true)
        c.client_urls                      # ["http://127.0.0.1:41523", ...]
        c.peer_urls
        c.leader(), c.followers()          # member indexes, polled from /v2/stats/self
        c.kill(1); c.restart(1)            # SIGKILL member 1; start it again from its data dir
    Cluster("etcd2", 1, binary="build/etcd/cmd/etcd2")   # ours (etcd 2.3 flag set)

Both kinds get the same flags (the etcd 2.3 names, which etcd 3.4 still accepts);
`etcd` additionally gets --enable-v2=true. Ports are picked by binding port 0 (never
2379/2380/4001/7001); if a member still fails to bind, the whole start is retried
with fresh ports. Data dirs live in a private temp dir under $COMPAT_DATA_DIR, else
/dev/shm (cheap fsyncs), else $TMPDIR; each member's stdout+stderr go to
`try<N>-<name>.log` beside them and are printed when the start fails (dump_logs()
prints them on demand). Members run in their own process group (killed as a group)
and get SIGKILL when the thread that started them dies (PR_SET_PDEATHSIG), so a ctest
timeout or Ctrl-C leaves no server behind; dirs of SIGKILLed runs are removed by the
next Cluster(). Readiness is polled with deadlines, never slept: every member answers
/health and /v2/keys/, all agree on one leader, and /v2/members lists every member's
client URL.

Standard library only; usable from any test tier.
"""

import atexit
import ctypes
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import crash_lines

REAL_ETCD = "/usr/bin/etcd"
KINDS = ("etcd", "etcd2")
# Ports other engineers' processes use; never hand them out.
RESERVED_PORTS = {2379, 2380, 4001, 7001}

_live_clusters = []


class ClusterError(Exception):
    pass


OWNER_FILE = "owner.pid"


def _remove_stale_dirs(base):
    """Removes cluster dirs left by runs that were SIGKILLed (their owner is gone).
    etcd preallocates 64 MB WAL segments, which on tmpfs is memory."""
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        path = os.path.join(base, name)
        if not name.startswith("compat-"):
            continue
        try:
            with open(os.path.join(path, OWNER_FILE)) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if not _alive(pid):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # zombie: dead
    except (OSError, IndexError):
        return True


def _pick_ports(n):
    """Returns n distinct free loopback ports (bind port 0, keep all open while picking)."""
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            socks.append(s)
            if port not in RESERVED_PORTS and port not in ports:
                ports.append(port)
    finally:
        for s in socks:
            s.close()
    return ports


def _die_with_parent():
    """preexec_fn: SIGKILL this child when the thread that started it dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _clean_env():
    # ETCD_* variables would silently change a member's configuration.
    return {k: v for k, v in os.environ.items()
            if not k.startswith("ETCD_") and not k.startswith("ETCDCTL_")}


def http_get(url, path, timeout=2.0):
    """GET url+path; returns (status, headers dict lower-cased, body bytes)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


class Member:
    def __init__(self, index, name, client_port, peer_port, data_dir, log_path):
        self.index = index
        self.name = name
        self.client_url = "http://127.0.0.1:%d" % client_port
        self.peer_url = "http://127.0.0.1:%d" % peer_port
        self.data_dir = data_dir
        self.log_path = log_path
        # "existing" once the member has been removed and added back with a fresh data dir.
        self.initial_cluster_state = "new"
        self.extra_args = []  # this member only (a fault may want e.g. frequent snapshots)
        self.proc = None
        self._log_file = None

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def __repr__(self):
        return "Member(%s client=%s peer=%s pid=%s)" % (
            self.name, self.client_url, self.peer_url, self.proc and self.proc.pid)


class Cluster:
    """A cluster of `size` members of `kind` ("etcd": the real one; "etcd2": ours).

    The constructor starts the members and waits until every one is healthy and
    they agree on a leader (raises ClusterError with the logs otherwise).
    """

    def __init__(self, kind, size, binary=None, base_dir=None, start=True,
                 heartbeat_ms=100, election_ms=1000, extra_args=(),
                 start_timeout=60.0, keep_dir=False):
        if kind not in KINDS:
            raise ValueError("kind must be one of %s, not %r" % (KINDS, kind))
        if size < 1:
            raise ValueError("size must be >= 1")
        if binary is None:
            binary = REAL_ETCD if kind == "etcd" else os.environ.get("ETCD2_BINARY")
        if not binary:
            raise ValueError("kind etcd2 needs binary= (or $ETCD2_BINARY)")
        if not os.access(binary, os.X_OK):
            raise ClusterError("server binary not found or not executable: %s" % binary)
        self.kind = kind
        self.size = size
        self.binary = binary
        self.heartbeat_ms = heartbeat_ms
        self.election_ms = election_ms
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.keep_dir = keep_dir
        if base_dir is None:
            base_dir = os.environ.get("COMPAT_DATA_DIR")
        if base_dir is None:
            # tmpfs makes etcd's fsyncs cheap; fall back to the normal temp dir.
            shm = "/dev/shm"
            base_dir = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
        _remove_stale_dirs(base_dir or tempfile.gettempdir())
        self.dir = tempfile.mkdtemp(prefix="compat-%s-%d-" % (kind, size), dir=base_dir)
        with open(os.path.join(self.dir, OWNER_FILE), "w") as f:
            f.write(str(os.getpid()))
        self.token = os.path.basename(self.dir)  # unique per cluster
        self.members = []
        self._stopped = False
        _live_clusters.append(self)
        if start:
            self.start()

    # ---- public API -------------------------------------------------------------

    @property
    def client_urls(self):
        return [m.client_url for m in self.members]

    @property
    def peer_urls(self):
        return [m.peer_url for m in self.members]

    def start(self, attempts=3):
        """Starts all members (retrying with new ports if one could not bind)."""
        last = None
        for attempt in range(attempts):
            self._layout(attempt)
            for m in self.members:
                self._spawn(m)
            try:
                self.wait_ready(self.start_timeout)
                return self
            except ClusterError as e:
                last = e
                bind_failure = any(self._bind_failed(m) for m in self.members)
                self._kill_all()
                if not bind_failure:
                    break
        logs = io.StringIO()
        self.dump_logs(logs, tail_lines=60)
        self.stop()
        raise ClusterError("%s\n%s" % (last, logs.getvalue()))

    def kill(self, i, sig=signal.SIGKILL):
        """Kills member i (its whole process group) and waits for it to exit."""
        m = self.members[i]
        if m.proc is None:
            return
        if m.proc.poll() is None:
            try:
                os.killpg(m.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                m.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(m.proc.pid, signal.SIGKILL)
                m.proc.wait(timeout=20)
        if m._log_file:
            m._log_file.close()
            m._log_file = None

    def terminate(self, i):
        """Graceful stop of member i (SIGTERM, SIGKILL after 20 s)."""
        self.kill(i, signal.SIGTERM)

    def restart(self, i, timeout=None, wait=True):
        """(Re)starts member i from its data dir and waits until it is healthy
        (wait=False: returns once the process is started, e.g. when a quorum of
        members must come back before any of them can be healthy)."""
        self.kill(i)
        self._spawn(self.members[i])
        if not wait:
            return
        deadline = time.monotonic() + (timeout or self.start_timeout)
        self._wait_member_healthy(self.members[i], deadline)

    def stop(self, print_logs_to=None, check=True):
        """Stops every member and removes the temp dir (optionally printing logs first).
        The members get SIGTERM together (SIGKILL 20 s later): a graceful stop, so that
        sanitizer builds write their exit reports. With `check`, a crash line written
        during the stop (crash_lines.py: a LeakSanitizer report, a sanitizer report in
        teardown) raises ClusterError once the cluster is gone; lines from before the stop
        are the test's to judge (log_crashes)."""
        if self._stopped:
            return
        shutdown_problems = self._stop_gracefully()
        if print_logs_to is not None:
            self.dump_logs(print_logs_to)
        self._stopped = True
        if self in _live_clusters:
            _live_clusters.remove(self)
        if self.keep_dir:
            try:  # a kept dir is not stale: the next Cluster() must not remove it
                os.unlink(os.path.join(self.dir, OWNER_FILE))
            except OSError:
                pass
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if check and shutdown_problems:
            raise ClusterError("crash lines while the %s members stopped:\n%s" % (
                self.kind, "\n".join(shutdown_problems)))
        for problem in shutdown_problems:
            sys.stderr.write("crash line while the members stopped: %s\n" % problem)

    def _stop_gracefully(self):
        """SIGTERM to every running member at once, then waits for each (SIGKILL after
        20 s); returns the crash lines they wrote meanwhile, one entry per member."""
        running = [m for m in self.members if m.proc is not None and m.proc.poll() is None]
        offsets = {}
        for m in running:
            try:
                offsets[m.index] = os.path.getsize(m.log_path)
                os.killpg(m.proc.pid, signal.SIGTERM)
            except (OSError, ProcessLookupError):
                pass
        deadline = time.monotonic() + 20
        for m in running:
            try:
                m.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        self._kill_all()  # SIGKILLs what is left, closes the logs
        problems = []
        for m in running:
            if m.index not in offsets:
                continue
            try:
                with open(m.log_path, "rb") as f:
                    f.seek(offsets[m.index])
                    tail = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            found = crash_lines.crash_lines(tail, crash_lines.BAD_LINES[self.kind])
            if found:
                problems.append("%s (%s): %s" % (m.name, m.log_path, "\n    ".join(
                    line[:300] for line in found[:12])))
        return problems

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        # A test that failed keeps its own exception; crash lines are printed beside it.
        self.stop(print_logs_to=sys.stderr if exc_type else None, check=exc_type is None)
        return False

    def log_text(self, i, tail_lines=None):
        try:
            with open(self.members[i].log_path, "r", errors="replace") as f:
                lines = f.readlines()
        except OSError:
            return ""
        if tail_lines is not None:
            lines = lines[-tail_lines:]
        return "".join(lines)

    def log_crashes(self, tolerated=None):
        """Crash lines (crash_lines.py) in any member's log, of every start attempt and
        restart: one entry per log. Call it before stop(), which removes the logs."""
        logs = sorted(os.path.join(self.dir, name) for name in os.listdir(self.dir)
                      if name.endswith(".log"))
        return crash_lines.log_problems(logs, crash_lines.BAD_LINES[self.kind], tolerated)

    def dump_logs(self, stream=sys.stderr, tail_lines=150):
        for m in self.members:
            stream.write("----- %s log (%s), last %d lines -----\n"
                         % (m.name, m.log_path, tail_lines))
            stream.write(self.log_text(m.index, tail_lines))
            stream.write("----- end of %s log -----\n" % m.name)
        stream.flush()

    # ---- roles ------------------------------------------------------------------

    def stats_self(self, i, timeout=2.0):
        status, _, body = http_get(self.members[i].client_url, "/v2/stats/self", timeout)
        if status != 200:
            raise ClusterError("stats/self on %s: %d" % (self.members[i].name, status))
        return json.loads(body)

    def member_ids(self):
        """Member index -> member ID (hex string), from each member's /v2/stats/self."""
        return {m.index: self.stats_self(m.index)["id"] for m in self.members if m.running}

    def leader(self, timeout=10.0):
        """Index of the member all running members agree is the leader (polls)."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                stats = {m.index: self.stats_self(m.index)
                         for m in self.members if m.running}
                leaders = {s.get("leaderInfo", {}).get("leader") for s in stats.values()}
                if len(leaders) == 1:
                    lid = leaders.pop()
                    for i, s in stats.items():
                        if s.get("id") == lid and s.get("state") == "StateLeader":
                            return i
                last = "no agreement: %r" % {i: (s.get("id"), s.get("state"),
                                                 s.get("leaderInfo", {}).get("leader"))
                                             for i, s in stats.items()}
            except (OSError, ValueError, ClusterError, http.client.HTTPException) as e:
                last = repr(e)
            if time.monotonic() > deadline:
                raise ClusterError("no leader agreed on within %.0fs: %s" % (timeout, last))
            time.sleep(0.05)  # poll interval, not synchronisation

    def followers(self, timeout=10.0):
        lead = self.leader(timeout)
        return [m.index for m in self.members if m.index != lead and m.running]

    # ---- internals --------------------------------------------------------------

    def _layout(self, attempt):
        ports = _pick_ports(2 * self.size)
        self.members = []
        for i in range(self.size):
            name = "m%d" % i
            data_dir = os.path.join(self.dir, "try%d" % attempt, name + ".etcd")
            log_path = os.path.join(self.dir, "try%d-%s.log" % (attempt, name))
            self.members.append(Member(i, name, ports[2 * i], ports[2 * i + 1],
                                       data_dir, log_path))

    def _args(self, m):
        initial = ",".join("%s=%s" % (x.name, x.peer_url) for x in self.members)
        args = [self.binary]
        if self.kind == "etcd":
            args.append("--enable-v2=true")
        args += [
            "--name", m.name,
            "--data-dir", m.data_dir,
            "--listen-client-urls", m.client_url,
            "--advertise-client-urls", m.client_url,
            "--listen-peer-urls", m.peer_url,
            "--initial-advertise-peer-urls", m.peer_url,
            "--initial-cluster", initial,
            "--initial-cluster-state", m.initial_cluster_state,
            "--initial-cluster-token", self.token,
            "--heartbeat-interval", str(self.heartbeat_ms),
            "--election-timeout", str(self.election_ms),
        ]
        return args + self.extra_args + m.extra_args

    def _spawn(self, m):
        os.makedirs(os.path.dirname(m.data_dir), exist_ok=True)
        m._log_file = open(m.log_path, "ab")
        m._log_file.write(("=== %s: %s\n" % (time.strftime("%H:%M:%S"),
                                             " ".join(self._args(m)))).encode())
        m._log_file.flush()
        m.proc = subprocess.Popen(
            self._args(m), stdin=subprocess.DEVNULL, stdout=m._log_file,
            stderr=subprocess.STDOUT, env=_clean_env(), start_new_session=True,
            preexec_fn=_die_with_parent, close_fds=True)

    def _bind_failed(self, m):
        return "address already in use" in self.log_text(m.index).lower()

    def _kill_all(self):
        for m in self.members:
            try:
                self.kill(m.index)
            except Exception:  # teardown must go on for the other members
                pass

    def _probe(self, m):
        """None when member m is healthy, else a description of why not."""
        if not m.running:
            return "%s exited with status %s" % (m.name, m.proc.returncode)
        try:
            status, _, body = http_get(m.client_url, "/health", timeout=1.0)
            if status != 200:
                return "%s /health: HTTP %d %r" % (m.name, status, body[:200])
            if json.loads(body).get("health") != "true":
                return "%s /health: %r" % (m.name, body[:200])
            status, _, body = http_get(m.client_url, "/v2/keys/", timeout=1.0)
            if status != 200:
                return "%s /v2/keys/: HTTP %d" % (m.name, status)
        except (OSError, ValueError, http.client.HTTPException) as e:
            return "%s: %r" % (m.name, e)
        return None

    def _wait_member_healthy(self, m, deadline):
        while True:
            why = self._probe(m)
            if why is None:
                return
            if not m.running or time.monotonic() > deadline:
                raise ClusterError("member not healthy: %s\n%s" % (why, self._log_hint()))
            time.sleep(0.05)  # poll interval

    def wait_ready(self, timeout=60.0):
        """Waits until every running member is healthy, all agree on one leader and
        /v2/members lists every member with its client URL (published)."""
        deadline = time.monotonic() + timeout
        for m in self.members:
            self._wait_member_healthy(m, deadline)
        self.leader(max(1.0, deadline - time.monotonic()))
        while True:
            why = None
            try:
                for m in self.members:
                    status, _, body = http_get(m.client_url, "/v2/members", timeout=1.0)
                    members = json.loads(body).get("members", []) if status == 200 else []
                    published = sorted(u for x in members for u in x.get("clientURLs", []))
                    if status != 200 or published != sorted(self.client_urls):
                        why = "%s /v2/members: %d %r" % (m.name, status, body[:300])
                        break
            except (OSError, ValueError, http.client.HTTPException) as e:
                why = repr(e)
            if why is None:
                return
            if time.monotonic() > deadline:
                raise ClusterError("members not published: %s\n%s" % (why, self._log_hint()))
            time.sleep(0.05)  # poll interval

    def _log_hint(self):
        return "logs: " + ", ".join(m.log_path for m in self.members)


def _cleanup_all():
    for c in list(_live_clusters):
        try:
            c.stop()
        except Exception:
            pass


atexit.register(_cleanup_all)


if __name__ == "__main__":
    # Manual use: python3 cluster.py etcd 3  -> starts, prints URLs, waits for Ctrl-C.
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=KINDS)
    p.add_argument("size", type=int)
    p.add_argument("--binary")
    a = p.parse_args()
    c = Cluster(a.kind, a.size, binary=a.binary)
    try:
        print("client URLs:", ",".join(c.client_urls))
        print("leader: m%d; data and logs in %s" % (c.leader(), c.dir))
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        c.stop()
