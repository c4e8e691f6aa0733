#!/usr/bin/python3
"""fleetd on one host, through its real code paths: a one-member etcd2, a private
dbus-daemon with fake_systemd (agents/systemd/testing) as systemd, and fleetd started by
`systemd-socket-activate` so its API arrives as a socket-activated unix socket. Checked
over the v1 API (the only way fleetctl talks to fleetd):

  1. the machine registers (GET /machines);
  2. a unit PUT as launched is placed, written to the units dir, linked, reloaded and
     started: its ExecStart really runs, /units says launched, /state says active;
  3. desiredState inactive unloads it (process gone, file removed); DELETE removes it;
  4. a unit no machine can run says why in etcd (job/<name>/unschedulable);
  5. API errors: 415 without JSON, 400 for a bad page token and a bad PATCH, 404; /units
     in pages of token_limit (2 here) followed to the end;
  6. SIGTERM stops fleetd, not its units; a restarted fleetd adopts the running unit
     without starting it again;
  7. SIGHUP reloads fleet.conf (new metadata) on the same socket, refuses a bad file and
     leaves the units alone;
  8. etcd stopped (SIGSTOP) past the machine TTL: the API answers 503 and the units keep
     running; etcd back: the machine registers again and no unit was restarted;
  and at the end, passed or not: no crash line (tests/compat/crash_lines.py) in fleetd's,
  fake_systemd's or the member's log.

    fleetd_single.py --fleetd F --fake-systemd S (--etcd2 E | --kind etcd)

Exit status 0 passed, 1 failed (logs printed), 77 skipped (no dbus-daemon or
systemd-socket-activate).
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compat"))
import cluster as clusterlib  # noqa: E402
import crash_lines  # noqa: E402

PRIVATE_BUS = os.path.join(HERE, "..", "..", "agents", "systemd", "testing", "private-bus")
PREFIX = "/_coreos.com/fleet/"


class Failure(Exception):
    pass


def wait_for(what, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("timed out after %d s waiting for %s" % (timeout, what))
        time.sleep(0.1)


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


class Host:
    """One host: a private bus, fake_systemd on it, and fleetd (started separately)."""

    def __init__(self, args, base, etcd_url, public_ip="127.0.0.1", metadata="role=web",
                 machine_id=None, agent_ttl="10s", extra_config=""):
        os.makedirs(base, exist_ok=True)
        self.args, self.base, self.etcd_url = args, base, etcd_url
        self.public_ip, self.metadata, self.agent_ttl = public_ip, metadata, agent_ttl
        self.extra_config = extra_config  # more fleet.conf lines, e.g. "token_limit=2\n"
        self.sock = os.path.join(base, "fleet.sock")
        self.units_dir = os.path.join(base, "units")
        self.state_file = os.path.join(base, "systemd-state.json")
        self.machine_id = machine_id or "%032x" % int.from_bytes(os.urandom(16), "big")
        with open(os.path.join(base, "machine-id"), "w") as f:
            f.write(self.machine_id + "\n")
        os.makedirs(os.path.join(base, "unit-logs"))
        self.bus = subprocess.Popen([PRIVATE_BUS, "--until-stdin-closes"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.bus.stdout.readline().strip()
        self.systemd = subprocess.Popen(
            [args.fake_systemd, "--bus", self.address, "--state-file", self.state_file,
             "--log-dir", os.path.join(base, "unit-logs"), "--no-stdin"],
            stdout=open(os.path.join(base, "systemd.log"), "w"), stderr=subprocess.STDOUT,
            preexec_fn=clusterlib._die_with_parent)
        wait_for("fake_systemd", lambda: os.path.exists(self.state_file), 10)
        self.fleetd = None
        self.write_config("")  # the metadata; the rest comes from FLEET_*

    def write_config(self, text):
        path = os.path.join(self.base, "fleet.conf")
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.rename(path + ".tmp", path)

    def start_fleetd(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLEET", "DBUS_"))}
        env.update({
            "DBUS_SYSTEM_BUS_ADDRESS": self.address,
            "FLEET_ETCD_SERVERS": self.etcd_url,
            "FLEET_UNITS_DIRECTORY": self.units_dir,
            # A restart must finish within the TTL or the machine is gone (and its units
            # move): 10 s here, 3 s in the cluster test's host-loss case.
            "FLEET_AGENT_TTL": self.agent_ttl,
            "FLEET_ENGINE_RECONCILE_INTERVAL": "0.5",
            "FLEET_PUBLIC_IP": self.public_ip,
            "FLEET_MACHINE_ID_FILE": os.path.join(self.base, "machine-id"),
        })
        # The metadata goes in the file, so a reload (SIGHUP) can change it.
        self.write_config("metadata=%s\n%s" % (self.metadata, self.extra_config))
        log = open(os.path.join(self.base, "fleetd.log"), "a")
        # systemd-socket-activate passes on only the variables named with -E.
        passed = []
        for name in sorted(k for k in env if k.startswith(("FLEET_", "DBUS_"))):
            passed += ["-E", name]
        self.fleetd = subprocess.Popen(
            ["systemd-socket-activate", "-l", self.sock] + passed +
            [self.args.fleetd, "--config", os.path.join(self.base, "fleet.conf")],
            env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=clusterlib._die_with_parent)
        wait_for("fleetd's socket", lambda: os.path.exists(self.sock), 10)
        # systemd-socket-activate starts fleetd at the first connection, as systemd would on
        # demand; connect once so it runs now (fleetd then accepts and drops this one).
        def poked():
            poke = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                poke.connect(self.sock)
                return True
            except ConnectionRefusedError:
                return False  # bound, not yet listening
            finally:
                poke.close()
        wait_for("fleetd's socket to listen", poked, 10)

    def stop_fleetd(self):
        self.fleetd.send_signal(signal.SIGTERM)
        try:
            return self.fleetd.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.fleetd.kill()
            raise Failure("fleetd did not stop on SIGTERM")

    def api(self, method, path, body=None, content_type="application/json"):
        if self.fleetd.poll() is not None:
            raise Failure("fleetd exited with %d" % self.fleetd.returncode)
        conn = UnixConnection(self.sock)
        headers = {"Content-Type": content_type} if content_type and body is not None else {}
        try:
            conn.request(method, "/fleet/v1" + path,
                         body=json.dumps(body) if body is not None else None, headers=headers)
            r = conn.getresponse()
            data = r.read()
            return r.status, json.loads(data) if data else None
        finally:
            conn.close()

    def systemd_state(self):
        try:
            with open(self.state_file) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def unit(self, name):
        return self.systemd_state().get("units", {}).get(name, {})

    def stop(self):
        for p in (self.fleetd, self.systemd):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        if self.bus.poll() is None:
            self.bus.stdin.close()
            self.bus.wait(timeout=10)

    def logs(self):
        out = []
        for name in ("fleetd.log", "systemd.log"):
            try:
                with open(os.path.join(self.base, name)) as f:
                    out.append("--- %s\n%s" % (name, f.read()[-5000:]))
            except OSError:
                pass
        return "\n".join(out)


def check_crashes(dirs, cluster, failure=None):
    """Raises Failure if a log of the hosts in dirs (fleetd's, fake_systemd's) or of the
    cluster's members holds a crash line, keeping the message of the failure the scenario
    ended with (if any); else re-raises that failure. Call it once the hosts are stopped."""
    crashes = crash_lines.log_problems([os.path.join(d, name) for d in dirs
                                        for name in ("fleetd.log", "systemd.log")])
    crashes += cluster.log_crashes()
    crash_lines.verdict(crashes, failure, Failure)


def unit_body(exec_start, desired="launched", extra=()):
    options = [{"section": "Service", "name": "ExecStart", "value": exec_start}]
    options += [{"section": s, "name": n, "value": v} for s, n, v in extra]
    return {"desiredState": desired, "options": options}


def expect(cond, message):
    if not cond:
        raise Failure(message)


def pid_alive(path):
    try:
        with open(path) as f:
            pid = int(f.read().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def scenario(h, cluster):
    etcd_url = cluster.client_urls[0]
    h.start_fleetd()
    def registered():
        try:
            r = h.api("GET", "/machines")
        except OSError:
            return None  # fleetd still starting: the socket exists, nobody accepts yet
        return r if r[0] == 200 and r[1]["machines"] else None
    status, body = wait_for("the machine to register", registered, 30)
    expect(body["machines"][0]["id"] == h.machine_id, "machines: %s" % body)
    print("1. registered: %s" % body["machines"][0], flush=True)

    pidfile = os.path.join(h.base, "hello.pid")
    status, _ = h.api("PUT", "/units/hello.service",
                      unit_body("/bin/sh -c 'echo $$$$ > %s; exec sleep 1000'" % pidfile))
    expect(status == 201, "PUT hello.service: %d" % status)
    wait_for("hello.service to run", lambda: pid_alive(pidfile), 30)
    wait_for("/units to say launched",
             lambda: h.api("GET", "/units/hello.service")[1].get("currentState") == "launched", 30)
    wait_for("/state to say active", lambda: any(
        s["name"] == "hello.service" and s["systemdActiveState"] == "active"
        for s in h.api("GET", "/state")[1].get("states", [])), 30)
    expect(os.path.exists(os.path.join(h.units_dir, "hello.service")), "no unit file written")
    print("2. hello.service launched: running, /units launched, /state active", flush=True)

    pid = pid_alive(pidfile)
    status, _ = h.api("PUT", "/units/hello.service", {"desiredState": "inactive"})
    expect(status == 204, "PUT desiredState inactive: %d" % status)
    wait_for("hello.service to be unloaded",
             lambda: not os.path.exists(os.path.join(h.units_dir, "hello.service")), 30)
    wait_for("its process to end", lambda: not pid_alive(pidfile) or pid_alive(pidfile) != pid, 10)
    status, _ = h.api("DELETE", "/units/hello.service")
    expect(status == 204, "DELETE: %d" % status)
    expect(h.api("GET", "/units/hello.service")[0] == 404, "still there after DELETE")
    print("3. unloaded (process gone, file removed) and destroyed", flush=True)

    status, _ = h.api("PUT", "/units/db.service",
                      unit_body("/bin/sleep 1000", extra=[("X-Fleet", "MachineMetadata",
                                                           "role=db")]))
    expect(status == 201, "PUT db.service: %d" % status)

    def reason():
        try:
            with urllib.request.urlopen("%s/v2/keys%sjob/db.service/unschedulable" %
                                        (etcd_url, PREFIX), timeout=5) as r:
                return json.loads(r.read())["node"]["value"]
        except OSError:
            return None
    why = wait_for("the unschedulable reason", reason, 30)
    expect("role" in why, "reason: %r" % why)
    print("4. db.service unschedulable: %s" % why.splitlines()[0], flush=True)

    status, body = h.api("PUT", "/units/x.service", unit_body("/bin/true"), content_type=None)
    expect(status == 415, "PUT without JSON: %d" % status)
    expect(h.api("GET", "/units?nextPageToken=bogus")[0] == 400, "bad page token accepted")
    status, _ = h.api("PATCH", "/machines", [{"op": "frob", "path": "/x/metadata/k"}])
    expect(status == 400, "bad PATCH: %d" % status)
    expect(h.api("GET", "/nothing")[0] == 404, "unknown path")
    for name in ("p1.service", "p2.service", "p3.service"):
        status, _ = h.api("PUT", "/units/" + name, unit_body("/bin/true", desired="inactive"))
        expect(status == 201, "PUT %s: %d" % (name, status))
    pages, names, token = 0, [], None
    while True:
        status, body = h.api("GET", "/units" + ("?nextPageToken=" + token if token else ""))
        expect(status == 200 and len(body.get("units", [])) <= 2, "page: %d %s" % (status, body))
        pages, token = pages + 1, body.get("nextPageToken")
        names += [u["name"] for u in body.get("units", [])]
        if not token:
            break
    # fleet hands out a next token for every full page, so 4 units make 2 full pages and
    # an empty third one.
    expect(names == ["db.service", "p1.service", "p2.service", "p3.service"] and pages == 3,
           "paged /units: %d pages %s" % (pages, names))
    for name in ("p1.service", "p2.service", "p3.service"):
        h.api("DELETE", "/units/" + name)
    print("5. API errors: 415, 400, 400, 404; /units in pages of token_limit 2", flush=True)

    keep = os.path.join(h.base, "keep.pid")
    status, _ = h.api("PUT", "/units/keep.service",
                      unit_body("/bin/sh -c 'echo $$$$ > %s; exec sleep 1000'" % keep))
    expect(status == 201, "PUT keep.service: %d" % status)
    kept = wait_for("keep.service to run", lambda: pid_alive(keep), 30)
    starts = h.unit("keep.service").get("starts")
    code = h.stop_fleetd()
    expect(code == 0, "fleetd exit status %s" % code)
    expect(pid_alive(keep) == kept, "keep.service died with fleetd")
    os.unlink(h.sock)
    h.start_fleetd()
    wait_for("the restarted fleetd to report keep.service launched",
             lambda: (lambda r: r[0] == 200 and r[1].get("currentState") == "launched")(
                 h.api("GET", "/units/keep.service")), 40)
    expect(pid_alive(keep) == kept, "keep.service was restarted (pid changed)")
    expect(h.unit("keep.service").get("starts") == starts,
           "systemd started keep.service again: %s" % h.unit("keep.service"))
    print("6. SIGTERM left keep.service running; the new fleetd adopted it", flush=True)
    reload(h, keep, kept, starts)
    connectivity_loss(h, cluster, keep, kept, starts)


def machine_metadata(h):
    status, body = h.api("GET", "/machines")
    machines = body.get("machines", []) if status == 200 and body else []
    return machines[0].get("metadata", {}) if machines else None


def log_count(h, text):
    with open(os.path.join(h.base, "fleetd.log")) as f:
        return f.read().count(text)


def log_has(h, text):
    return log_count(h, text) > 0


def reload(h, keep, kept, starts):
    pid = h.fleetd.pid
    h.write_config("metadata=role=web,reloaded=yes\n" + h.extra_config)
    h.fleetd.send_signal(signal.SIGHUP)
    wait_for("the reloaded metadata", lambda: (machine_metadata(h) or {}).get("reloaded") == "yes",
             30)
    h.write_config("this line has no equals sign\n")
    h.fleetd.send_signal(signal.SIGHUP)
    wait_for("the bad configuration to be refused",
             lambda: log_has(h, "keeping the previous one"), 30)
    wait_for("the API after the refused reload",
             lambda: (machine_metadata(h) or {}).get("reloaded") == "yes", 30)
    expect(h.fleetd.poll() is None and h.fleetd.pid == pid, "fleetd exited on SIGHUP")
    expect(pid_alive(keep) == kept, "keep.service was restarted by a reload")
    expect(h.unit("keep.service").get("starts") == starts,
           "systemd started keep.service again on reload: %s" % h.unit("keep.service"))
    print("7. SIGHUP: new metadata on the same socket, a bad file refused, units untouched",
          flush=True)


def connectivity_loss(h, cluster, keep, kept, starts):
    """etcd stops answering (SIGSTOP): the API says 503, units keep running; etcd back: the
    machine registers again and the units were neither stopped nor started again."""
    member = cluster.members[0].proc.pid
    heartbeats = log_count(h, "heartbeat failed")
    os.killpg(member, signal.SIGSTOP)
    stopped = time.monotonic()
    try:
        wait_for("a failed heartbeat", lambda: log_count(h, "heartbeat failed") > heartbeats, 60)
        status, body = wait_for("the API to answer 503",
                                lambda: (lambda r: r if r[0] == 503 else None)(
                                    h.api("GET", "/machines")), 30)
        expect("unable to communicate with etcd" in json.dumps(body), "503 body: %s" % body)
        # The outage (the fault's length, not a synchronisation) outlasts the machine's TTL
        # and the agent's 5 s reconcile: the presence key expires meanwhile, and an agent
        # that took a failed read for "no jobs here" would have unloaded keep.service.
        ttl_s = int(h.agent_ttl.rstrip("s"))
        wait_for("the outage to outlast the machine TTL and a reconcile",
                 lambda: time.monotonic() - stopped > ttl_s + 6, ttl_s + 30)
        expect(pid_alive(keep) == kept, "keep.service died while etcd was unreachable")
        expect(h.unit("keep.service").get("active_state") == "active",
               "keep.service not active: %s" % h.unit("keep.service"))
    finally:
        os.killpg(member, signal.SIGCONT)
    wait_for("the machine to register again", lambda: machine_metadata(h) is not None, 60)
    wait_for("keep.service launched again",
             lambda: (lambda r: r[0] == 200 and r[1].get("currentState") == "launched")(
                 h.api("GET", "/units/keep.service")), 60)
    expect(pid_alive(keep) == kept, "keep.service was restarted after etcd came back")
    expect(h.unit("keep.service").get("starts") == starts,
           "systemd started keep.service again: %s" % h.unit("keep.service"))
    print("8. etcd unreachable: API 503, units kept running; back: re-registered, no restart",
          flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fleetd", required=True)
    p.add_argument("--fake-systemd", required=True)
    p.add_argument("--etcd2", help="etcd2 binary (--kind etcd2)")
    p.add_argument("--kind", choices=clusterlib.KINDS, default="etcd2",
                   help="the store: our etcd2, or the real etcd 3.4")
    args = p.parse_args()
    if args.kind == "etcd" and not os.path.exists(clusterlib.REAL_ETCD):
        print("SKIP: the real etcd (%s) is not installed" % clusterlib.REAL_ETCD)
        return 77
    for tool in ("dbus-daemon", "systemd-socket-activate"):
        if shutil.which(tool) is None:
            print("SKIP: %s is not installed" % tool)
            return 77
    base = tempfile.mkdtemp(prefix="fleetd-single-")
    h = None
    try:
        with clusterlib.Cluster(args.kind, 1, binary=args.etcd2) as c:
            h = Host(args, base, c.client_urls[0], extra_config="token_limit=2\n")
            failure = None
            try:
                scenario(h, c)
            except Failure as e:
                print(h.logs(), file=sys.stderr)
                failure = e
            finally:
                h.stop()
            check_crashes([h.base], c, failure)
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        if h:
            h.stop()
        shutil.rmtree(base, ignore_errors=True)
    print("fleetd single host: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
