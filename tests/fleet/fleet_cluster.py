#!/usr/bin/python3
"""fleet across hosts: three fleetd processes (each with its own machine ID, metadata,
private bus with fake_systemd, units directory and socket-activated API) on one 3-member
etcd2 cluster (or the real etcd 3.4), agent_ttl 3 s, engine interval 0.5 s. Driven through
the v1 API of one host, checked through the API and the hosts' systemd stand-ins:

  1. Conflicts spreads: 5 mutually conflicting units on 3 hosts -> exactly 3 launched, on
     3 distinct machines; the other 2 say why they are unschedulable;
  2. MachineOf: a follower lands on its peer's machine;
  3. Global: one unit runs on every host whose metadata matches (2 of 3);
  4. Replaces: a unit that needs the machine of the unit it replaces takes it, and the
     replaced unit moves (running) to another host;
  5. circular Replaces: of two units replacing each other, with one eligible host, one
     runs and the other says why it waits;
  6. templates: instances of web@.service with MachineMetadata=n=%i land on host n; an
     instance no host matches says why;
  7. MachineID pins units to a machine (full or short ID); an unknown one says why;
  8. host loss: SIGKILL of the fleetd of the host running a plain unit moves it (launched
     and really running) to another host within agent_ttl + 2 engine intervals (+ the
     agent's 5 s reconcile and slack for a loaded machine; the measured time is printed);
  9. a second fleetd with a machine ID already registered by another host never
     registers: its API answers 503;
  and fleetctl against the same cluster: list-machines, start (blocking), cat, list-units,
  stop, destroy, and its exit codes; at the end, passed or not: no crash line (tests/compat/
  crash_lines.py) in fleetctl's output or any fleetd's, fake_systemd's or member's log.

    fleet_cluster.py --fleetd F --fake-systemd S (--etcd2 E | --kind etcd)

Exit status 0 passed, 1 failed (logs printed), 77 skipped.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fleetd_single as single  # noqa: E402

clusterlib = single.clusterlib
Failure = single.Failure
wait_for = single.wait_for
AGENT_TTL_S = 3
ENGINE_INTERVAL_S = 0.5


def units(api_host):
    status, body = api_host.api("GET", "/units")
    if status != 200:
        raise Failure("GET /units: %d %s" % (status, body))
    return {u["name"]: u for u in (body or {}).get("units", [])}


def launched_on(api_host, name):
    u = units(api_host).get(name, {})
    return u.get("machineID") if u.get("currentState") == "launched" else None


def put(api_host, name, options, desired="launched"):
    body = {"desiredState": desired,
            "options": [{"section": s, "name": n, "value": v} for s, n, v in options]}
    status, answer = api_host.api("PUT", "/units/" + name, body)
    if status != 201:
        raise Failure("PUT %s: %d %s" % (name, status, answer))


def running_somewhere(hosts, name, machine):
    for h in hosts:
        if h.machine_id == machine:
            return h.unit(name).get("active_state") == "active"
    return False


def conflicts(api, hosts, etcd_url):
    names = ["app%d.service" % i for i in range(5)]
    for n in names:
        put(api, n, [("Service", "ExecStart", "/bin/sleep 1000"), ("X-Fleet", "Conflicts", "app*")])

    def three_launched():
        placed = [launched_on(api, n) for n in names]
        return placed if len([p for p in placed if p]) == 3 else None
    placed = wait_for("3 of 5 conflicting units launched", three_launched, 60)
    machines = [p for p in placed if p]
    if len(set(machines)) != 3:
        raise Failure("conflicting units share a machine: %s" % placed)
    unplaced = [n for n, p in zip(names, placed) if not p]
    for n in unplaced:
        # The engine's verdict on the other two: written once it has considered them.
        why = wait_for("why %s is unschedulable" % n, lambda: unschedulable(etcd_url, n), 30)
        if "conflict" not in why:
            raise Failure("%s unschedulable for another reason: %r" % (n, why))
    if len([n for n in names if launched_on(api, n)]) != 3:
        raise Failure("a fourth conflicting unit was launched")
    for n in names:
        api.api("DELETE", "/units/" + n)
    print("1. Conflicts: 3 of 5 launched on 3 machines; the others say 'conflict'", flush=True)


def unschedulable(etcd_url, name):
    """job/<name>/unschedulable (why the engine cannot place it), or None."""
    url = "%s/v2/keys/_coreos.com/fleet/job/%s/unschedulable" % (etcd_url, name)
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.loads(r.read())["node"]["value"] or None
    except OSError:
        return None


def host_with(hosts, metadata):
    return next(h for h in hosts if metadata in h.metadata.split(","))


def replaces(api, hosts, etcd_url):
    """Replaces moves the replaced unit off the machine the replacer needs; a circular pair
    never shares a machine and displaces nobody."""
    put(api, "old.service", [("Service", "ExecStart", "/bin/sleep 1000")])
    first = wait_for("old.service launched", lambda: launched_on(api, "old.service"), 60)
    there = next(h for h in hosts if h.machine_id == first)
    n = next(kv for kv in there.metadata.split(",") if kv.startswith("n="))
    put(api, "new.service", [("Service", "ExecStart", "/bin/sleep 1000"),
                             ("X-Fleet", "Replaces", "old.service"),
                             ("X-Fleet", "MachineMetadata", n)])

    def moved():
        new, old = launched_on(api, "new.service"), launched_on(api, "old.service")
        if new == first and old and old != first and running_somewhere(hosts, "old.service", old):
            return old
        return None
    elsewhere = wait_for("old.service to move for new.service", moved, 60)
    wait_for("old.service to stop on %s" % first[:8],
             lambda: there.unit("old.service").get("active_state") != "active", 30)
    for name in ("new.service", "old.service"):
        api.api("DELETE", "/units/" + name)
    print("4. Replaces: new.service took %s, old.service moved to %s" % (first[:8],
                                                                         elsewhere[:8]), flush=True)
    back = host_with(hosts, "tier=back")
    for me, other in (("one.service", "two.service"), ("two.service", "one.service")):
        put(api, me, [("Service", "ExecStart", "/bin/sleep 1000"),
                      ("X-Fleet", "Replaces", other), ("X-Fleet", "MachineMetadata", "tier=back")])

    def one_and_why():
        placed = [n for n in ("one.service", "two.service") if launched_on(api, n)]
        left = [n for n in ("one.service", "two.service") if n not in placed]
        why = unschedulable(etcd_url, left[0]) if len(placed) == 1 else None
        return (placed[0], left[0], why) if why else None
    runs, waits, why = wait_for("one of the circular pair placed, the other refused",
                                one_and_why, 60)
    if launched_on(api, runs) != back.machine_id or "replace each other" not in why:
        raise Failure("circular Replaces: %s on %s, %s: %r" % (
            runs, launched_on(api, runs), waits, why))
    if launched_on(api, waits):
        raise Failure("both units of a circular Replaces pair launched")
    for name in ("one.service", "two.service"):
        api.api("DELETE", "/units/" + name)
    print("5. circular Replaces on the one eligible host: %s runs, %s waits (%s)" % (
        runs, waits, why.split(";")[0]), flush=True)


def templates(api, hosts, etcd_url):
    """A template's instances carry %i into MachineMetadata: web@<n> lands on host n."""
    options = [("Service", "ExecStart", "/bin/sleep 1000"),
               ("X-Fleet", "MachineMetadata", "n=%i")]
    put(api, "web@.service", options, desired="inactive")
    instances = ["web@%d.service" % i for i in range(3)]
    for name in instances + ["web@7.service"]:
        put(api, name, options)  # the client copies the template, as fleetctl does
    for i, name in enumerate(instances):
        h = host_with(hosts, "n=%d" % i)
        wait_for("%s running on host n=%d" % (name, i),
                 lambda: launched_on(api, name) == h.machine_id and running_somewhere(
                     hosts, name, h.machine_id), 60)
    why = wait_for("why web@7 is unschedulable",
                   lambda: unschedulable(etcd_url, "web@7.service"), 30)
    if "n=7" not in why or launched_on(api, "web@7.service"):
        raise Failure("web@7.service: launched on %s, reason %r" % (
            launched_on(api, "web@7.service"), why))
    status, body = api.api("PUT", "/units/web@.service", {"desiredState": "launched"})
    if status != 400 or "cannot activate template" not in json.dumps(body):
        raise Failure("activating the template: %d %s" % (status, body))
    for name in instances + ["web@7.service", "web@.service"]:
        api.api("DELETE", "/units/" + name)
    print("6. templates: web@0..2 on hosts n=0..2 via MachineMetadata=n=%%i; web@7 waits (%s)"
          % why.split(";")[0], flush=True)


def pinning(api, hosts, etcd_url):
    """MachineID pins a unit to its machine (full ID or the 8-character short one); an ID
    nobody has says why."""
    full, short = hosts[2], hosts[1]
    put(api, "pinned.service", [("Service", "ExecStart", "/bin/sleep 1000"),
                                ("X-Fleet", "MachineID", full.machine_id)])
    put(api, "short.service", [("Service", "ExecStart", "/bin/sleep 1000"),
                               ("X-Fleet", "MachineID", short.machine_id[:8])])
    put(api, "nowhere.service", [("Service", "ExecStart", "/bin/sleep 1000"),
                                 ("X-Fleet", "MachineID", "deadbeef" * 4)])
    for name, h in (("pinned.service", full), ("short.service", short)):
        wait_for("%s on %s" % (name, h.machine_id[:8]),
                 lambda: launched_on(api, name) == h.machine_id and running_somewhere(
                     hosts, name, h.machine_id), 60)
    why = wait_for("why nowhere.service waits",
                   lambda: unschedulable(etcd_url, "nowhere.service"), 30)
    if "deadbeef" not in why or launched_on(api, "nowhere.service"):
        raise Failure("nowhere.service: %s, %r" % (launched_on(api, "nowhere.service"), why))
    for name in ("pinned.service", "short.service", "nowhere.service"):
        api.api("DELETE", "/units/" + name)
    print("7. MachineID: pinned by full and short ID; an unknown ID waits (%s)" %
          why.split(";")[0], flush=True)


def machine_of(api, hosts):
    put(api, "leader.service", [("Service", "ExecStart", "/bin/sleep 1000")])
    put(api, "follower.service", [("Service", "ExecStart", "/bin/sleep 1000"),
                                  ("X-Fleet", "MachineOf", "leader.service")])
    lead = wait_for("leader launched", lambda: launched_on(api, "leader.service"), 60)
    follow = wait_for("follower launched", lambda: launched_on(api, "follower.service"), 60)
    if lead != follow:
        raise Failure("MachineOf: leader on %s, follower on %s" % (lead, follow))
    print("2. MachineOf: follower next to its leader on %s" % lead[:8], flush=True)
    return lead


def global_units(api, hosts):
    put(api, "everywhere.service", [("Service", "ExecStart", "/bin/sleep 1000"),
                                    ("X-Fleet", "Global", "true"),
                                    ("X-Fleet", "MachineMetadata", "tier=front")])
    front = [h for h in hosts if "tier=front" in h.metadata]
    wait_for("the global unit on every front host",
             lambda: all(h.unit("everywhere.service").get("active_state") == "active"
                         for h in front), 60)
    others = [h for h in hosts if h not in front]
    if any(h.unit("everywhere.service").get("active_state") == "active" for h in others):
        raise Failure("the global unit runs on a host without tier=front")
    print("3. Global: running on the %d hosts with tier=front, not elsewhere" % len(front),
          flush=True)


def host_loss(api, hosts, lead):
    victim = next(h for h in hosts if h.machine_id == lead)
    survivors = [h for h in hosts if h is not victim]
    killed_at = time.monotonic()
    victim.fleetd.kill()
    victim.fleetd.wait()
    api_host = survivors[0]

    def moved():
        m = launched_on(api_host, "leader.service")
        f = launched_on(api_host, "follower.service")
        if m and m != lead and f == m and running_somewhere(hosts, "leader.service", m):
            return m
        return None
    budget = AGENT_TTL_S + 2 * ENGINE_INTERVAL_S + 5 + 10
    new = wait_for("leader+follower to move off the killed host", moved, budget)
    took = time.monotonic() - killed_at
    print("8. host loss: leader+follower moved %s -> %s in %.1f s (agent_ttl %d s)" %
          (lead[:8], new[:8], took, AGENT_TTL_S), flush=True)
    return api_host


def duplicate_id(args, base, etcd_urls, taken):
    dup = single.Host(args, os.path.join(base, "duplicate"), etcd_urls, public_ip="127.0.0.9",
                      metadata="role=dup", machine_id=taken.machine_id,
                      agent_ttl="%ds" % AGENT_TTL_S)
    try:
        dup.start_fleetd()
        # Evidence that it tried: its refusal in the log (the object it would collide with
        # is live, refreshed by the real host meanwhile).
        wait_for("the duplicate's refusal", lambda: "registered by another host" in dup.logs(),
                 30)
        status, body = dup.api("GET", "/machines")
        if status != 503:
            raise Failure("a duplicate machine ID registered: %d %s" % (status, body))
    finally:
        dup.stop()
    print("9. duplicate machine ID: API answers 503, never registered", flush=True)


def fleetctl(args, h, *argv):
    run = subprocess.run([args.fleetctl, "--endpoint", "unix://" + h.sock] + list(argv),
                         capture_output=True, text=True, timeout=120)
    crashed = single.crash_lines.crash_lines(run.stdout + run.stderr)
    if crashed:
        raise Failure("fleetctl %s: crash line: %s" % (" ".join(argv), crashed[0]))
    return run.returncode, run.stdout, run.stderr


def fleetctl_checks(args, api, hosts, lead):
    """The CLI on the same cluster: list-machines, start with blocking, list-units, cat,
    stop/unload/destroy messages and exit codes."""
    rc, out, err = fleetctl(args, api, "list-machines", "--no-legend", "--full")
    ids = sorted(line.split()[0] for line in out.splitlines())
    if rc != 0 or ids != sorted(h.machine_id for h in hosts):
        raise Failure("fleetctl list-machines: rc=%d %r %r" % (rc, out, err))
    unit = os.path.join(hosts[0].base, "cli.service")
    with open(unit, "w") as f:
        f.write("[Unit]\nDescription=cli\n\n[Service]\nExecStart=/bin/sleep 1000\n")
    rc, out, err = fleetctl(args, api, "start", "--block-attempts", "20", unit)
    if rc != 0 or not out.startswith("Unit cli.service launched on "):
        raise Failure("fleetctl start: rc=%d %r %r" % (rc, out, err))
    rc, out, err = fleetctl(args, api, "cat", "cli.service")
    if rc != 0 or out != "[Unit]\nDescription=cli\n\n[Service]\nExecStart=/bin/sleep 1000\n":
        raise Failure("fleetctl cat: rc=%d %r" % (rc, out))
    rc, out, err = fleetctl(args, api, "list-units", "--no-legend", "--fields", "unit,active")
    if rc != 0 or not any(l.split() == ["cli.service", "active"] for l in out.splitlines()):
        raise Failure("fleetctl list-units: rc=%d %r" % (rc, out))
    rc, out, err = fleetctl(args, api, "stop", "--block-attempts", "20", "cli.service")
    if rc != 0 or "Successfully stopped units [cli.service]." not in err:
        raise Failure("fleetctl stop: rc=%d %r %r" % (rc, out, err))
    rc, out, err = fleetctl(args, api, "destroy", "cli.service")
    if rc != 0 or out.strip() != "Destroyed cli.service":
        raise Failure("fleetctl destroy: rc=%d %r %r" % (rc, out, err))
    rc, out, err = fleetctl(args, api, "cat", "cli.service")
    if rc != 1:
        raise Failure("fleetctl cat of a destroyed unit: rc=%d %r %r" % (rc, out, err))
    rc, out, err = fleetctl(args, api, "frobnicate")
    if rc != 1:
        raise Failure("fleetctl frobnicate: rc=%d" % rc)
    print("fleetctl: list-machines, start (blocking), cat, list-units, stop, destroy, errors",
          flush=True)


def scenario(args, c, base):
    urls = ",".join(c.client_urls)
    metadata = ["tier=front,n=0", "tier=front,n=1", "tier=back,n=2"]
    hosts = [single.Host(args, os.path.join(base, "host%d" % i), urls,
                         public_ip="127.0.0.%d" % (i + 1), metadata=metadata[i],
                         agent_ttl="%ds" % AGENT_TTL_S)
             for i in range(3)]
    for h in hosts:
        h.start_fleetd()
    failure = None
    try:
        api = hosts[0]
        wait_for("3 machines", lambda: (lambda r: r[0] == 200 and len(
            r[1].get("machines", [])) == 3)(safe_api(api, "GET", "/machines")), 60)
        conflicts(api, hosts, c.client_urls[0])
        lead = machine_of(api, hosts)
        global_units(api, hosts)
        replaces(api, hosts, c.client_urls[0])
        templates(api, hosts, c.client_urls[0])
        pinning(api, hosts, c.client_urls[0])
        fleetctl_checks(args, api, hosts, lead)
        if lead == hosts[0].machine_id:
            api = hosts[1]
        host_loss(api, hosts, lead)
        alive = next(h for h in hosts if h.fleetd.poll() is None)
        duplicate_id(args, base, urls, alive)
    except Failure as e:
        for h in hosts:
            print("=== %s (%s)\n%s" % (h.base, h.machine_id[:8], h.logs()), file=sys.stderr)
        failure = e
    finally:
        for h in hosts:
            h.stop()
    single.check_crashes([h.base for h in hosts] + [os.path.join(base, "duplicate")], c,
                         failure)


def safe_api(h, method, path):
    try:
        return h.api(method, path)
    except OSError:
        return (0, {})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fleetd", required=True)
    p.add_argument("--fake-systemd", required=True)
    p.add_argument("--fleetctl", required=True)
    p.add_argument("--etcd2", help="etcd2 binary (--kind etcd2)")
    p.add_argument("--kind", choices=clusterlib.KINDS, default="etcd2")
    args = p.parse_args()
    for tool in ("dbus-daemon", "systemd-socket-activate"):
        if shutil.which(tool) is None:
            print("SKIP: %s is not installed" % tool)
            return 77
    if args.kind == "etcd" and not os.path.exists(clusterlib.REAL_ETCD):
        print("SKIP: the real etcd (%s) is not installed" % clusterlib.REAL_ETCD)
        return 77
    base = tempfile.mkdtemp(prefix="fleet-cluster-")
    try:
        with clusterlib.Cluster(args.kind, 3, binary=args.etcd2) as c:
            scenario(args, c, base)
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print("fleet cluster: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
