#!/usr/bin/python3
"""fleet_bench: the fleet scale benchmark of issue 11. 100 plain units on 5 fleetd hosts
over a 3-member etcd cluster (our etcd2, then the real etcd 3.4 if installed), with fleet's
default timings (agent_ttl 30s, engine_reconcile_interval 2s). Prints one table:

  1. launch: PUT the units (desiredState launched) through one host's v1 API; time until
     GET /units says every one launched and GET /state says every one active on its
     machine; the placement per machine (must be balanced within 1, else exit status 1);
  2. steady state: after a settle period, the etcd requests per second over a window
     (etcd_http_received_total from every member's /metrics, by method), the writes by
     store operation (/v2/stats/store), and per fleetd host CPU seconds per minute and RSS.
     The window defaults to fleetd's full state re-publish period (agent_ttl x 4/5, 24 s),
     so every host's periodic burst of state and job-state writes is counted exactly once;
  3. host loss: SIGKILL of one fleetd; time until its machine object expires, until its
     units run on the other hosts (their systemd stand-ins say active; then the API says
     launched), and the etcd requests of the move.

The hosts are tests/fleet/fleetd_single.py's (private dbus-daemon + fake_systemd +
socket-activated fleetd), the cluster tests/compat/cluster.py's. `make bench` runs this
through the generated wrapper build/bench/fleet_bench (bench/fleet/CMakeLists.txt).

    fleet_bench.py --fleetd F --fake-systemd S --etcd2 E [--kind etcd2|etcd|both]
                   [--agent-ttl 30s] [--engine-interval 2] [--window S] [--quick]

Progress (where the time goes) is logged on stderr, the table on stdout.
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "fleet"))
import fleetd_single as single  # noqa: E402

clusterlib = single.clusterlib
Failure = single.Failure
wait_for = single.wait_for

T0 = time.monotonic()
CLK_TCK = os.sysconf("SC_CLK_TCK")
WRITE_OPS = [("sets", "setsSuccess"), ("creates", "createSuccess"),
             ("updates", "updateSuccess"), ("CAS", "compareAndSwapSuccess"),
             ("CAS failed", "compareAndSwapFail"), ("deletes", "deleteSuccess"),
             ("CAD", "compareAndDeleteSuccess"), ("expires", "expireCount")]


def log(message):
    print("[%6.1fs] %s" % (time.monotonic() - T0, message), file=sys.stderr, flush=True)


def go_duration_s(text):
    """Seconds of a Go duration such as 30s, 1m30s, 500ms (what FLEET_AGENT_TTL takes)."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise argparse.ArgumentTypeError("not a Go duration: %r" % text)
    return sum(float(n) * units[u] for n, u in parts)


# ---- processes -----------------------------------------------------------------------

def cpu_seconds(pid):
    """utime + stime of a process, in seconds (None when it is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return None


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "?"


# ---- etcd counters ---------------------------------------------------------------------

class Counters:
    """etcd_http_received_total by method (summed over members) + store write counters
    (member 0: every member applies the same writes) + CPU of each member."""

    def __init__(self, methods, ops, cpu):
        self.methods, self.ops, self.cpu, self.at = methods, ops, cpu, time.monotonic()

    def __sub__(self, other):
        keys = set(self.methods) | set(other.methods)
        return Counters({k: self.methods.get(k, 0) - other.methods.get(k, 0) for k in keys},
                        {k: self.ops[k] - other.ops[k] for k in self.ops if k in other.ops},
                        [(a or 0) - (b or 0) for a, b in zip(self.cpu, other.cpu)])

    @property
    def watches(self):
        """Watch requests, where counted apart (the real etcd 3.4 leaves them out of
        etcd_http_received_total; our etcd2 counts them there, as GETs)."""
        return self.ops.get("watch requests")

    @property
    def total(self):
        return sum(self.methods.values()) + (self.watches or 0)


def snapshot(cluster):
    methods, watches = {}, None
    for url in cluster.client_urls:
        status, _, body = clusterlib.http_get(url, "/metrics", timeout=10)
        if status != 200:
            raise Failure("%s/metrics: HTTP %d" % (url, status))
        for line in body.decode().splitlines():
            m = re.match(r'etcd_http_received_total\{method="([A-Z]+)"\} ([0-9.e+]+)$', line)
            if m:
                methods[m.group(1)] = methods.get(m.group(1), 0) + float(m.group(2))
            m = re.match(r'etcd_debugging_store_watch_requests_total ([0-9.e+]+)$', line)
            if m:  # the real etcd only: watch (wait=true) requests
                watches = (watches or 0) + float(m.group(1))
    status, _, body = clusterlib.http_get(cluster.client_urls[0], "/v2/stats/store", timeout=10)
    stats = json.loads(body) if status == 200 else {}
    ops = {name: stats.get(key, 0) for name, key in WRITE_OPS}
    if watches is not None:
        ops["watch requests"] = watches
    cpu = [cpu_seconds(m.proc.pid) for m in cluster.members]
    return Counters(methods, ops, cpu)


def calibrate(cluster):
    """What one snapshot() itself adds to the next one's counters (our etcd2 counts every
    HTTP request, /metrics and /v2/stats included, the real etcd only /v2/keys), measured
    on the idle cluster before any fleetd runs."""
    a = snapshot(cluster)
    b = snapshot(cluster)
    c = snapshot(cluster)
    d = c - a
    return Counters({k: v / 2 for k, v in d.methods.items()}, {k: 0 for k in d.ops}, [])


def requests_between(before, after, own):
    d = after - before
    d.methods = {k: max(0.0, v - own.methods.get(k, 0)) for k, v in d.methods.items()}
    d.at = after.at - before.at
    return d


# ---- the API ---------------------------------------------------------------------------

def list_all(host, path, key):
    out, token = [], None
    while True:
        status, body = host.api("GET", path + ("?nextPageToken=" + token if token else ""))
        if status != 200:
            raise Failure("GET %s: %d %s" % (path, status, body))
        items = (body or {}).get(key, [])
        out += items
        token = (body or {}).get("nextPageToken")
        if not token or not items:
            return out


def safe_api(h, method, path):
    try:
        return h.api(method, path)
    except OSError:
        return (0, {})


def launched_and_active(api, names):
    """{name: machineID} when every unit is launched and active on its machine, else None."""
    units = {u["name"]: u for u in list_all(api, "/units", "units")}
    placed = {}
    for n in names:
        u = units.get(n, {})
        if u.get("currentState") != "launched" or not u.get("machineID"):
            return None
        placed[n] = u["machineID"]
    active = {(s["name"], s["machineID"]) for s in list_all(api, "/state", "states")
              if s.get("systemdActiveState") == "active"}
    return placed if all((n, m) in active for n, m in placed.items()) else None


def placement(placed, machine_ids):
    counts = {m: 0 for m in machine_ids}
    for m in placed.values():
        counts[m] = counts.get(m, 0) + 1
    return [counts[m] for m in machine_ids]


# ---- one run on one kind of etcd ---------------------------------------------------------

class Run:
    def __init__(self, args, kind):
        self.args, self.kind = args, kind
        self.result = {"kind": kind, "units": args.units, "hosts": args.hosts}
        self.hosts = []

    def host_args(self, base):
        # fleetd_single.Host pins FLEET_ENGINE_RECONCILE_INTERVAL to its tests' 0.5 s; a
        # wrapper that execs fleetd (same pid, so socket activation still matches) sets ours.
        wrapper = os.path.join(base, "fleetd-wrapper")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nFLEET_ENGINE_RECONCILE_INTERVAL=%s exec %s \"$@\"\n" %
                    (self.args.engine_interval, self.args.fleetd))
        os.chmod(wrapper, 0o755)
        return argparse.Namespace(fleetd=wrapper, fake_systemd=self.args.fake_systemd)

    def run(self, base):
        a, r = self.args, self.result
        started = time.monotonic()
        with clusterlib.Cluster(self.kind, 3,
                               binary=a.etcd2 if self.kind == "etcd2" else None) as c:
            r["etcd_version"] = etcd_version(c)
            own = calibrate(c)
            r["setup_cluster_s"] = time.monotonic() - started
            log("%s: 3-member cluster up (%s) in %.1f s" %
                (self.kind, r["etcd_version"], r["setup_cluster_s"]))
            try:
                self.scenario(c, base, own)
            except Failure:
                for h in self.hosts:
                    print("=== %s (%s)\n%s" % (h.base, h.machine_id[:8], h.logs()[-3000:]),
                          file=sys.stderr)
                raise
            finally:
                t = time.monotonic()
                for h in self.hosts:
                    try:
                        h.stop()
                    except Exception as e:  # teardown goes on for the other hosts
                        log("stopping %s: %r" % (h.base, e))
                log("%s: hosts stopped in %.1f s" % (self.kind, time.monotonic() - t))
        r["total_s"] = time.monotonic() - started
        return r

    def scenario(self, c, base, own):
        a, r = self.args, self.result
        urls = ",".join(c.client_urls)
        hargs = self.host_args(base)
        t = time.monotonic()
        for i in range(a.hosts):
            h = single.Host(hargs, os.path.join(base, "host%d" % i), urls,
                            public_ip="127.0.0.%d" % (i + 1), metadata="n=%d" % i,
                            agent_ttl=a.agent_ttl)
            self.hosts.append(h)
            h.start_fleetd()
        api = self.hosts[0]
        wait_for("%d machines" % a.hosts, lambda: (lambda s: s[0] == 200 and len(
            s[1].get("machines", [])) == a.hosts)(safe_api(api, "GET", "/machines")), 60)
        r["setup_hosts_s"] = time.monotonic() - t
        names_of = {h.fleetd.pid: comm(h.fleetd.pid) for h in self.hosts}
        if any(n != "fleetd" for n in names_of.values()):
            log("note: host pids are not fleetd: %s" % names_of)
        log("%s: %d fleetd hosts registered in %.1f s" % (self.kind, a.hosts, r["setup_hosts_s"]))
        machine_ids = [h.machine_id for h in self.hosts]

        # 1. launch
        names = ["bench-%03d.service" % i for i in range(a.units)]
        t = time.monotonic()
        for n in names:
            status, body = api.api("PUT", "/units/" + n, single.unit_body("/bin/sleep 100000"))
            if status != 201:
                raise Failure("PUT %s: %d %s" % (n, status, body))
        r["put_s"] = time.monotonic() - t

        def ready():
            got = launched_and_active(api, names)
            if got is None:
                time.sleep(0.4)  # poll interval; each poll reads the registry
            return got
        placed = wait_for("%d units launched and active" % a.units, ready, 120)
        r["launch_s"] = time.monotonic() - t
        r["placement"] = placement(placed, machine_ids)
        r["balanced"] = max(r["placement"]) - min(r["placement"]) <= 1
        log("%s: %d units PUT in %.1f s, all launched+active after %.1f s; placement %s" %
            (self.kind, a.units, r["put_s"], r["launch_s"], "/".join(map(str, r["placement"]))))

        # 2. steady state
        time.sleep(a.settle)
        before = snapshot(c)
        cpu0 = [cpu_seconds(h.fleetd.pid) for h in self.hosts]
        time.sleep(a.window)
        after = snapshot(c)
        cpu1 = [cpu_seconds(h.fleetd.pid) for h in self.hosts]
        steady = requests_between(before, after, own)
        r["steady"] = steady
        r["fleetd_cpu_per_min"] = [(y - x) * 60.0 / steady.at for x, y in zip(cpu0, cpu1)]
        r["fleetd_rss_mb"] = [rss_mb(h.fleetd.pid) for h in self.hosts]
        r["etcd_cpu_per_min"] = [x * 60.0 / steady.at for x in steady.cpu]
        log("%s: steady state over %.1f s: %.1f etcd req/s %s" %
            (self.kind, steady.at, steady.total / steady.at,
             {k: round(v / steady.at, 2) for k, v in sorted(steady.methods.items())}))

        # 3. host loss: the last host (not the API's). Phases: kill -> its machine object
        # expires (the TTL: agent_ttl after its last heartbeat) -> its units active on the
        # others (engine round + agents), read from the hosts' systemd stand-ins so the bench
        # itself makes no etcd requests meanwhile -> the API says launched.
        victim = self.hosts[-1]
        moving = sorted(n for n, m in placed.items() if m == victim.machine_id)
        survivors = self.hosts[:-1]
        object_url = "/v2/keys%smachines/%s/object" % (single.PREFIX, victim.machine_id)
        status, _, body = clusterlib.http_get(c.client_urls[0], object_url, timeout=10)
        if status != 200:
            raise Failure("GET %s: %d" % (object_url, status))
        index = json.loads(body)["node"]["modifiedIndex"]
        before = snapshot(c)
        killed = time.monotonic()
        victim.fleetd.kill()
        victim.fleetd.wait()
        wait_for_expiry(c, object_url, index, go_duration_s(a.agent_ttl) + 30)
        expired = snapshot(c)
        r["loss_expired_s"] = expired.at - killed

        def moved():
            if all(any(h.unit(n).get("active_state") == "active" for h in survivors)
                   for n in moving):
                return True
            time.sleep(0.1)  # local state files only: no etcd requests
            return False
        wait_for("%d units active on the other hosts" % len(moving), moved, 60)
        after = snapshot(c)
        r["loss_active_s"] = after.at - killed
        r["loss_moved"] = len(moving)
        r["loss_move_requests"] = requests_between(expired, after, own)
        r["loss_requests"] = requests_between(before, after, own)

        def relaunched():
            got = launched_and_active(survivors[0], names)
            if got is not None and victim.machine_id not in got.values():
                return got
            time.sleep(0.4)
            return None
        placed = wait_for("the moved units launched per the API", relaunched, 60)
        r["loss_launched_s"] = time.monotonic() - killed
        r["loss_placement"] = placement(placed, machine_ids[:-1])
        log("%s: host loss: machine expired %.1f s after the kill, its %d units active "
            "elsewhere after %.1f s (%d etcd requests since the expiry), API launched after "
            "%.1f s; placement %s" %
            (self.kind, r["loss_expired_s"], len(moving), r["loss_active_s"],
             r["loss_move_requests"].total, r["loss_launched_s"],
             "/".join(map(str, r["loss_placement"]))))


def wait_for_expiry(c, key_url, index, timeout):
    """Blocks until the key changes after `index` (the dead host's machine object expires):
    one long-poll request."""
    u = urllib.parse.urlsplit(c.client_urls[0])
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Failure("the killed host's machine object did not expire")
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=left)
        try:
            conn.request("GET", "%s?wait=true&waitIndex=%d" % (key_url, index + 1))
            body = conn.getresponse().read()
        except OSError:
            raise Failure("the killed host's machine object did not expire")
        finally:
            conn.close()
        if body.strip():
            event = json.loads(body)
            if event.get("action") in ("expire", "delete", "compareAndDelete"):
                return
            index = event.get("node", {}).get("modifiedIndex", index)  # a late heartbeat


def etcd_version(c):
    try:
        status, _, body = clusterlib.http_get(c.client_urls[0], "/version", timeout=5)
        v = json.loads(body)
        return "server %s" % v.get("etcdserver", "?")
    except (OSError, ValueError):
        return "?"


# ---- report ------------------------------------------------------------------------------

def header(args):
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GB" % (int(f.readline().split()[1]) / 1024.0 / 1024.0)
    except (OSError, ValueError, IndexError):
        pass
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")  # read-only: never touch the index
    try:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, env=env,
                                timeout=10).stdout.strip() or "?"
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, env=env, timeout=30).stdout.strip()
        commit += " (+ uncommitted changes)" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    return [
        "fleet_bench: %d units on %d fleetd hosts, 3-member etcd cluster, agent_ttl %s, "
        "engine_reconcile_interval %ss%s" % (
            args.units, args.hosts, args.agent_ttl, args.engine_interval,
            " (fleet's defaults)" if (args.agent_ttl, float(args.engine_interval)) == ("30s", 2.0)
            else ""),
        "machine: %s, %d CPUs, %s RAM, %s; load average %s at start" % (
            model, os.cpu_count() or 0, mem, platform.release(), load),
        "commit %s; steady-state window %.0f s after %.0f s settle" % (
            commit, args.window, args.settle),
    ]


def fmt_list(values, digits):
    return "/".join(("%.*f" % (digits, v)) if v is not None else "-" for v in values)


def table(results):
    cols = [r["kind"] + (" (" + r["etcd_version"] + ")" if r.get("etcd_version") else "")
            for r in results]
    rows = []

    def row(label, f):
        cells = []
        for r in results:
            try:
                cells.append(f(r))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("-")
        rows.append((label, cells))

    first = results[0]
    row("setup: cluster / %s hosts registered" % first.get("hosts", "the"),
        lambda r: "%.1f s / %.1f s" % (r["setup_cluster_s"], r["setup_hosts_s"]))
    row("launch: PUT %s units (API)" % first.get("units", "the"),
        lambda r: "%.1f s" % r["put_s"])
    row("launch: all launched + active", lambda r: "%.1f s" % r["launch_s"])
    row("placement per machine", lambda r: "/".join(map(str, r["placement"])) +
        ("" if r["balanced"] else "  UNBALANCED"))
    row("steady: etcd requests/s, all", lambda r: "%.1f" % (r["steady"].total / r["steady"].at))
    row("steady:   watch polls/s (wait=true)", lambda r: (
        "%.1f" % (r["steady"].watches / r["steady"].at) if r["steady"].watches is not None
        else "(in GET)"))
    methods = sorted({m for r in results if "steady" in r for m in r["steady"].methods
                      if any(x["steady"].methods.get(m) for x in results if "steady" in x)})
    for m in methods:
        row("steady:   %s/s" % m, lambda r, m=m: "%.1f" % (r["steady"].methods.get(m, 0) /
                                                            r["steady"].at))
    for name, _ in WRITE_OPS:
        if any(r.get("steady") and r["steady"].ops.get(name) for r in results):
            row("steady:   store %s/s" % name, lambda r, n=name: "%.2f" % (
                r["steady"].ops.get(n, 0) / r["steady"].at))
    row("steady: fleetd CPU s/min per host", lambda r: fmt_list(r["fleetd_cpu_per_min"], 2))
    row("steady: fleetd RSS MB per host", lambda r: fmt_list(r["fleetd_rss_mb"], 1))
    row("steady: etcd CPU s/min per member", lambda r: fmt_list(r["etcd_cpu_per_min"], 2))
    row("host loss: machine expired (kill -> TTL)", lambda r: "%.1f s" % r["loss_expired_s"])
    row("host loss: its %s units active elsewhere" % results[0].get("loss_moved", ""),
        lambda r: "%.1f s (+%.1f s)" % (r["loss_active_s"],
                                         r["loss_active_s"] - r["loss_expired_s"]))
    row("host loss: API says launched", lambda r: "%.1f s" % r["loss_launched_s"])
    row("host loss: placement after", lambda r: "/".join(map(str, r["loss_placement"])))
    row("host loss: etcd requests of the move", lambda r: "%d in %.1f s" % (
        r["loss_move_requests"].total, r["loss_move_requests"].at))
    row("host loss: etcd req/s kill -> active", lambda r: "%.1f" % (
        r["loss_requests"].total / r["loss_requests"].at))
    row("wall time of this column", lambda r: "%.0f s" % r["total_s"])
    width = max(len(label) for label, _ in rows)
    cw = [max(len(cols[i]), max(len(cells[i]) for _, cells in rows)) for i in range(len(cols))]
    out = ["%-*s  %s" % (width, "", "  ".join("%-*s" % (cw[i], c) for i, c in enumerate(cols)))]
    for label, cells in rows:
        out.append("%-*s  %s" % (width, label,
                                 "  ".join("%-*s" % (cw[i], c) for i, c in enumerate(cells))))
    return out


# ---- main --------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fleetd", required=True)
    p.add_argument("--fake-systemd", required=True)
    p.add_argument("--etcd2", required=True, help="our etcd2 binary")
    p.add_argument("--kind", choices=("etcd2", "etcd", "both"),
                   help="which store(s): our etcd2, the real etcd 3.4, both (default; "
                        "etcd2 only with --quick)")
    p.add_argument("--units", type=int, default=100)
    p.add_argument("--hosts", type=int, default=5)
    p.add_argument("--agent-ttl", default="30s", help="fleet's agent_ttl (Go duration)")
    p.add_argument("--engine-interval", type=float, default=2.0,
                   help="fleet's engine_reconcile_interval in seconds")
    p.add_argument("--window", type=float,
                   help="steady-state window, s (default: fleetd's full state re-publish "
                        "period, agent_ttl x 4/5 = 24 s, so each host's is counted once)")
    p.add_argument("--settle", type=float, help="wait before the window, s (2 x engine interval)")
    p.add_argument("--quick", action="store_true", help="~60 s: our etcd2 only")
    args = p.parse_args()
    go_duration_s(args.agent_ttl)
    if args.window is None:
        ttl = go_duration_s(args.agent_ttl)  # fleetd's derive_timings: state_refresh
        args.window = ttl * 4 / 5 if ttl > 10 else ttl / 2
    if args.settle is None:
        args.settle = 2 * args.engine_interval
    kinds = {"etcd2": ["etcd2"], "etcd": ["etcd"], "both": ["etcd2", "etcd"]}[
        args.kind or ("etcd2" if args.quick else "both")]

    # SIGTERM / SIGHUP tear down like Ctrl-C: the finally blocks stop every process.
    def interrupted(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    for tool in ("dbus-daemon", "systemd-socket-activate"):
        if shutil.which(tool) is None:
            print("fleet_bench: SKIP: %s is not installed" % tool)
            return 0
    for path in (args.fleetd, args.fake_systemd, args.etcd2):
        if not os.access(path, os.X_OK):
            print("fleet_bench: %s is not built (build the `benches` target)" % path,
                  file=sys.stderr)
            return 1
    lines = header(args)
    for line in lines:
        log(line)
    notes = []
    results = []
    failed = False
    for kind in kinds:
        if kind == "etcd" and not os.path.exists(clusterlib.REAL_ETCD):
            notes.append("the real etcd (%s) is not installed: its column is skipped" %
                         clusterlib.REAL_ETCD)
            continue
        base = tempfile.mkdtemp(prefix="fleet-bench-")
        run = Run(args, kind)
        try:
            results.append(run.run(base))
        except (Failure, clusterlib.ClusterError) as e:
            log("%s: FAILED: %s" % (kind, e))
            notes.append("%s: FAILED: %s" % (kind, str(e).splitlines()[0]))
            run.result.setdefault("total_s", time.monotonic() - T0)
            results.append(run.result)
            failed = True
        finally:
            shutil.rmtree(base, ignore_errors=True)
    for r in results:
        if "balanced" in r and not r["balanced"]:
            notes.append("%s: placement not balanced within 1 unit per host" % r["kind"])
            failed = True
    out = lines + [""] + (table(results) if results else []) + [
        "",
         "requests: etcd_http_received_total summed over the members, by method. Our etcd2",
         "  counts every HTTP request there (watch polls are GETs); the real etcd counts",
         "  /v2/keys requests but not watches (quorum reads are QGET), so its watch polls come",
         "  from etcd_debugging_store_watch_requests_total and are added to its total. The",
         "  bench's own /metrics and /v2/stats reads are subtracted. store: /v2/stats/store",
         "  of member 0 (every member applies the same writes). CPU s/min: utime+stime, /proc.",
    ] + notes
    print("\n".join(out), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as e:
        log("interrupted (%s): torn down" % (e or "Ctrl-C"))
        sys.exit(130)
