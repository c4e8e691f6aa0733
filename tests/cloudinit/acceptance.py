#!/usr/bin/env python3
"""Acceptance: the classic three-machine cluster cloud-config (acceptance/cluster.yml),
rendered by coreos-cloudinit --root once per machine, is accepted by the real daemons.

For each machine 10.0.0.{1,2,3} (addresses on the loopback of a private network namespace,
so nothing clashes with other tests and the standard ports can be used):
  1. coreos-cloudinit --root <dir> renders the drop-ins, options.env and update.conf;
  2. etcd2 starts with its stock unit's Environment= lines then the drop-in's (parsed the way
     systemd parses them: quoting, C escapes, %% specifiers), its data dir moved to a temp
     dir: the three form one cluster whose /v2/members lists the rendered names and URLs;
  3. the flanneld drop-in's ExecStartPre (etcdctl set of the network config) is performed,
     flanneld starts with /run/flannel/options.env as its EnvironmentFile: it writes a
     subnet.env inside 10.1.0.0/16 and its lease in etcd carries the rendered public IP;
  4. fleetd starts with the fleet drop-in's environment (fake_systemd as systemd on a
     private bus): its machine object in etcd carries the rendered public IP and metadata;
  5. locksmithd starts with update.conf + the locksmith drop-in (fake_host_services as
     update engine and logind): it logs strategy "etcd-lock" and creates the group's
     semaphore in the rendered endpoint's etcd.

At the end, passed or not, once every process has stopped: no crash line (tests/compat/
crash_lines.py: sanitizer reports, terminate, critical, ...) in coreos-cloudinit's output
or any daemon's log.

usage: acceptance.py --cloudinit B --etcd2 B --fleetd B --flanneld B --locksmithd B
                     --fake-systemd B --fake-host-services B --private-bus S
Exit status 0 passed, 1 failed (logs printed), 77 skipped (no network namespace: not root).
"""
import argparse
import ctypes
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compat"))
import crash_lines  # noqa: E402

UNITS = os.path.join(HERE, "..", "..", "units")
MACHINES = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]


class Failure(Exception):
    pass


def die_with_parent():
    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def wait_for(what, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:  # noqa: BLE001 - not up yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("timed out waiting for " + what)
        time.sleep(0.1)


def http(url, method="GET", data=None):
    req = urllib.request.Request(url, method=method, data=data)
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


# --- systemd's parsing of the rendered files -------------------------------------------------

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a",
           "b": "\b", "f": "\f", "v": "\v", "s": " "}


def expand_specifiers(text, machine_id):
    out, i = [], 0
    while i < len(text):
        if text[i] == "%" and i + 1 < len(text):
            spec = text[i + 1]
            out.append({"%": "%", "m": machine_id}.get(spec, "%" + spec))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def split_words(text):
    """systemd's extract_first_word(EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE), word by word."""
    words, word, quote, i, in_word = [], [], None, 0, False
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "x":
                word.append(chr(int(text[i + 2:i + 4], 16)))
                i += 4
            else:
                word.append(ESCAPES.get(nxt, nxt))
                i += 2
            in_word = True
            continue
        if quote:
            if c == quote:
                quote = None
            else:
                word.append(c)
        elif c in "\"'":
            quote, in_word = c, True
        elif c.isspace():
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        else:
            word.append(c)
            in_word = True
        i += 1
    if quote:
        raise Failure("unterminated quote in %r" % text)
    if in_word:
        words.append("".join(word))
    return words


def unit_environment(paths, machine_id):
    """Environment= of a unit file and its drop-ins, in order (later wins)."""
    env = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("Environment="):
                    value = expand_specifiers(line[len("Environment="):], machine_id)
                    for word in split_words(value):
                        key, sep, val = word.partition("=")
                        if not sep:
                            raise Failure("%s: bad assignment %r" % (path, word))
                        env[key] = val
    return env


def environment_file(path):
    """EnvironmentFile=: KEY=VALUE lines, comments skipped, one level of quotes removed."""
    env = {}
    if not os.path.exists(path):
        return env
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            key, _, value = line.partition("=")
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            env[key.strip()] = value
    return env


def exec_start_pre(path):
    with open(path) as f:
        for line in f:
            if line.startswith("ExecStartPre="):
                return shlex.split(line[len("ExecStartPre="):])
    raise Failure("no ExecStartPre= in " + path)


# --- the machines ------------------------------------------------------------------------------

class Machine:
    def __init__(self, args, base, ip):
        self.args, self.ip = args, ip
        self.dir = os.path.join(base, ip)
        self.root = os.path.join(self.dir, "root")
        os.makedirs(self.root)
        self.machine_id = "%032x" % int.from_bytes(os.urandom(16), "big")
        with open(os.path.join(self.dir, "machine-id"), "w") as f:
            f.write(self.machine_id + "\n")
        self.procs = []

    def path(self, p):
        return os.path.join(self.root, p.lstrip("/"))

    def render(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("COREOS_")}
        env.update(COREOS_PRIVATE_IPV4=self.ip, COREOS_PUBLIC_IPV4=self.ip)
        proc = subprocess.run([self.args.cloudinit, "--from-file",
                               os.path.join(HERE, "acceptance", "cluster.yml"),
                               "--root", self.root, "--timeout", "5"],
                              env=env, capture_output=True, text=True, timeout=60)
        crashed = crash_lines.crash_lines(proc.stdout + proc.stderr)
        if proc.returncode != 0 or crashed:
            raise Failure("%s: coreos-cloudinit exited %d%s:\n%s" % (
                self.ip, proc.returncode, ", crash line" if crashed else "", proc.stderr))

    def spawn(self, name, argv, env, keep_stdin=False):
        log = open(os.path.join(self.dir, name + ".log"), "w")
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("ETCD", "FLEET", "FLANNELD", "LOCKSMITH", "REBOOT_",
                                     "DBUS_"))}
        base.update(env)
        # fake_host_services quits at the end of its stdin: keep a pipe open for it.
        proc = subprocess.Popen(argv, env=base, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.PIPE if keep_stdin else subprocess.DEVNULL,
                                preexec_fn=die_with_parent)
        self.procs.append((name, proc))
        return proc

    def private_bus(self):
        bus = subprocess.Popen([self.args.private_bus, "--until-stdin-closes"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, preexec_fn=die_with_parent)
        self.procs.append(("private-bus", bus))
        address = bus.stdout.readline().strip()
        if not address.startswith("unix:"):
            raise Failure("private-bus said %r" % address)
        return address

    def start_etcd2(self):
        env = unit_environment(
            [os.path.join(UNITS, "etcd2.service"),
             self.path("/run/systemd/system/etcd2.service.d/20-cloudinit.conf")], self.machine_id)
        env["ETCD_DATA_DIR"] = os.path.join(self.dir, "etcd2")  # not /var/lib/etcd2 here
        self.etcd_env = env
        self.spawn("etcd2", [self.args.etcd2], env)

    def start_flanneld(self):
        env = environment_file(self.path("/run/flannel/options.env"))
        self.subnet_file = os.path.join(self.dir, "subnet.env")
        env["FLANNELD_SUBNET_FILE"] = self.subnet_file
        self.spawn("flanneld", [self.args.flanneld, "--ip-masq=true"], env)

    def start_fleetd(self):
        address = self.private_bus()
        state = os.path.join(self.dir, "systemd-state.json")
        self.spawn("fake_systemd", [self.args.fake_systemd, "--bus", address, "--no-stdin",
                                    "--log-dir", self.dir, "--state-file", state], {})
        env = unit_environment(
            [os.path.join(UNITS, "fleet.service"),
             self.path("/run/systemd/system/fleet.service.d/20-cloudinit.conf")], self.machine_id)
        self.fleet_env = env
        env.update(DBUS_SYSTEM_BUS_ADDRESS=address,
                   FLEET_MACHINE_ID_FILE=os.path.join(self.dir, "machine-id"),
                   FLEET_UNITS_DIRECTORY=os.path.join(self.dir, "fleet-units"))
        config = os.path.join(self.dir, "fleet.conf")  # empty: everything comes from FLEET_*
        open(config, "w").close()
        # fake_systemd writes its state file once it owns org.freedesktop.systemd1.
        wait_for("fake_systemd on the bus", lambda: os.path.exists(state), 10)
        self.spawn("fleetd", [self.args.fleetd, "--config", config], env)

    def start_locksmithd(self):
        address = self.private_bus()
        self.spawn("fake_host_services", [self.args.fake_host_services, "--bus", address], {},
                   keep_stdin=True)
        wait_for("fake_host_services", lambda: "ready" in self.log("fake_host_services"), 10)
        env = environment_file(self.path("/usr/share/coreos/update.conf"))
        env.update(environment_file(self.path("/etc/coreos/update.conf")))
        env.update(unit_environment(
            [os.path.join(UNITS, "locksmithd.service"),
             self.path("/run/systemd/system/locksmithd.service.d/20-cloudinit.conf")],
            self.machine_id))
        self.locksmith_env = env
        env.update(DBUS_SYSTEM_BUS_ADDRESS=address,
                   LOCKSMITH_MACHINE_ID_FILE=os.path.join(self.dir, "machine-id"))
        self.spawn("locksmithd", [self.args.locksmithd, "-coordinator-file",
                                  os.path.join(self.dir, "coordinator.conf")], env)

    def log(self, name):
        with open(os.path.join(self.dir, name + ".log"), errors="replace") as f:
            return f.read()

    def check_running(self):
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise Failure("%s: %s exited with %d" % (self.ip, name, proc.returncode))



STOP_ORDER = ["locksmithd", "fleetd", "flanneld", "fake_host_services", "fake_systemd", "etcd2",
              "private-bus"]


def stop_all(machines):
    """The agents on every machine first, then etcd2 (so no agent logs a lost cluster)."""
    procs = [(name, p) for m in machines for name, p in m.procs]
    for stage in STOP_ORDER:
        batch = [p for name, p in procs if name == stage and p.poll() is None]
        for p in batch:
            if stage == "private-bus":
                p.stdin.close()  # --until-stdin-closes: its shell waits on stdin, not signals
            else:
                p.terminate()
        for p in batch:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def expect(cond, message):
    if not cond:
        raise Failure(message)


def check_etcd(machines):
    url = "http://10.0.0.1:2379"
    def published():  # all three members, each with the client URLs it published
        members = http(url + "/v2/members")["members"]
        return members if len(members) == 3 and all(m.get("clientURLs") for m in members) else None
    members = wait_for("three etcd2 members with client URLs", published)
    by_name = {m["name"]: m for m in members}
    for ip in MACHINES:
        expect(ip in by_name, "no member named %s in %s" % (ip, members))
        m = by_name[ip]
        expect(m["peerURLs"] == ["http://%s:2380" % ip], "%s peerURLs %s" % (ip, m["peerURLs"]))
        expect(sorted(m["clientURLs"]) == ["http://%s:2379" % ip, "http://%s:4001" % ip],
               "%s clientURLs %s" % (ip, m["clientURLs"]))
        stats = wait_for("%s's stats" % ip, lambda: http("http://%s:4001/v2/stats/self" % ip))
        expect(stats["name"] == ip, "%s says its name is %s" % (ip, stats["name"]))
    print("etcd2: 3 members", sorted(by_name), "with the rendered names, peer and client URLs")


def check_flannel(machines):
    url = "http://10.0.0.1:2379/v2/keys"
    argv = exec_start_pre(machines[0].path(
        "/etc/systemd/system/flanneld.service.d/50-network-config.conf"))
    expect(argv[1:2] == ["set"] and len(argv) == 4, "unexpected ExecStartPre %s" % argv)
    data = urllib.parse.urlencode({"value": argv[3]}).encode()
    http(url + argv[2], "PUT", data)  # what `etcdctl set KEY VALUE` does
    for m in machines:
        m.start_flanneld()
    for m in machines:
        subnet = wait_for("%s's subnet.env" % m.ip, lambda: environment_file(m.subnet_file)
                          if os.path.exists(m.subnet_file) else None)
        expect(subnet.get("FLANNEL_NETWORK") == "10.1.0.0/16", "%s subnet.env %s" % (m.ip, subnet))
        expect(subnet.get("FLANNEL_SUBNET", "").startswith("10.1."), "%s subnet.env %s" % (m.ip, subnet))
        expect(subnet.get("FLANNEL_IPMASQ") == "true", "%s subnet.env %s" % (m.ip, subnet))
    leases = http(url + "/coreos.com/network/subnets?recursive=true")["node"].get("nodes", [])
    ips = sorted(json.loads(n["value"])["PublicIP"] for n in leases)
    expect(ips == MACHINES, "flannel leases' public IPs %s" % ips)
    print("flanneld: 3 leases in 10.1.0.0/16 with public IPs", ips)


def check_fleet(machines):
    url = "http://10.0.0.1:2379/v2/keys/_coreos.com/fleet/machines"
    for m in machines:
        m.start_fleetd()

    def objects():
        nodes = http(url + "?recursive=true")["node"].get("nodes", [])
        found = {}
        for n in nodes:
            for child in n.get("nodes", []):
                if child["key"].endswith("/object"):
                    obj = json.loads(child["value"])
                    found[obj["ID"]] = obj
        return found if len(found) == 3 else None
    found = wait_for("three fleet machine objects", objects)
    for m in machines:
        obj = found.get(m.machine_id)
        expect(obj is not None, "no machine object for %s" % m.ip)
        expect(obj["PublicIP"] == m.ip, "%s PublicIP %s" % (m.ip, obj["PublicIP"]))
        expect(obj["Metadata"] == {"region": "us-west", "role": "services", "disk": "ssd"},
               "%s metadata %s" % (m.ip, obj["Metadata"]))
    print("fleetd: 3 machines with the rendered public IPs and metadata")


def check_locksmith(machines):
    for m in machines:
        m.start_locksmithd()
        expect(m.locksmith_env.get("REBOOT_STRATEGY") == "etcd-lock", "update.conf not read")
        expect(m.locksmith_env.get("LOCKSMITHD_GROUP") == "web", "no LOCKSMITHD_GROUP")
    for m in machines:
        wait_for("%s's locksmithd to start" % m.ip,
                 lambda: 'strategy="etcd-lock"' in m.log("locksmithd"))
    sem = wait_for("the web group's semaphore", lambda: http(
        "http://10.0.0.1:2379/v2/keys/coreos.com/updateengine/rebootlock/groups/web/semaphore"))
    print("locksmithd: strategy etcd-lock from update.conf, semaphore", sem["node"]["key"])


def run(args):
    base = tempfile.mkdtemp(prefix="cloudinit-acceptance-")
    machines = [Machine(args, base, ip) for ip in MACHINES]
    ok = False
    try:
        for m in machines:
            m.render()
        for m in machines:
            m.start_etcd2()
        check_etcd(machines)
        check_flannel(machines)
        check_fleet(machines)
        check_locksmith(machines)
        for m in machines:
            m.check_running()
        ok = True
    except Failure as e:
        print("FAILED:", e)
    finally:
        stop_all(machines)
        # Also when every check passed: the daemons have stopped (SIGTERM), their logs are whole.
        # etcd2 stops gracefully here, so LeakSanitizer reports leaks (an answered v2
        # watch once leaked its session) that SIGKILLed members never show.
        crashes = crash_lines.log_problems([os.path.join(m.dir, name + ".log")
                                            for m in machines for name, _ in m.procs])
        if crashes:
            ok = False
            print("FAILED: crash lines:\n" + "\n".join(crashes))
        if not ok:
            for m in machines:
                for name in ("etcd2", "flanneld", "fleetd", "locksmithd"):
                    p = os.path.join(m.dir, name + ".log")
                    if os.path.exists(p):
                        print("==== %s %s (tail)" % (m.ip, name))
                        print("\n".join(m.log(name).splitlines()[-25:]))
        shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser()
    for name in ("cloudinit", "etcd2", "fleetd", "flanneld", "locksmithd", "fake-systemd",
                 "fake-host-services", "private-bus"):
        parser.add_argument("--" + name, required=True)
    args = parser.parse_args()
    if os.environ.get("CLOUDINIT_ACCEPTANCE_NETNS") != "1":
        # Re-run inside a fresh network namespace with the machines' addresses on loopback.
        setup = "ip link set lo up && " + " && ".join(
            "ip addr add %s/32 dev lo" % ip for ip in MACHINES)
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
        if probe.returncode != 0:
            print("SKIPPED: cannot create a network namespace (needs root)")
            return 77
        env = dict(os.environ, CLOUDINIT_ACCEPTANCE_NETNS="1")
        return subprocess.run(["unshare", "-n", "sh", "-c", setup + ' && exec "$@"', "sh",
                               sys.executable] + sys.argv, env=env).returncode
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
