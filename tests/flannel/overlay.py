#!/usr/bin/python3
"""Multi-host overlay test: three "hosts" (network namespaces joined by veth pairs to a
bridge, tests/cluster/netns.py), each running an etcd2 member and a flanneld; behind each
host a "container" namespace on the host's flannel subnet (a veth into a bridge `cbr0` in
the host, as docker0 would be). Checked, for the backend given:

  1. every host gets a distinct subnet (subnet.env and etcd agree);
  2. every container pings every other container across the overlay;
  3. with -ip-masq the three POSTROUTING rules are in place, and a SIGTERM removes them;
     stopping one flanneld and deleting its lease removes its route on the other hosts;
  4. restarted, it gets the same subnet back, and the containers ping again;
  5. deleting a running host's lease makes it re-initialise: a lease in etcd again, a
     new subnet.env, and the containers ping again;
  6. restarting a flanneld does not disturb traffic: a ping stream into its container
     loses nothing while it restarts (vxlan and host-gw: the kernel forwards; udp's data
     path is flanneld itself, so there it is not checked).
  and, at the end, passed or not: no crash line (tests/compat/crash_lines.py) in any
  flanneld's log or member's log.

    overlay.py --flanneld build/agents/flannel/flanneld --etcd2 build/etcd/cmd/etcd2 \
               --backend vxlan|host-gw|udp

Exit status 0 passed, 1 failed (flanneld logs printed), 77 skipped (not root, no network
namespaces, or the kernel lacks vxlan).
"""

import argparse
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
sys.path.insert(0, os.path.join(HERE, "..", "compat"))
import netns  # noqa: E402
import cluster as clusterlib  # noqa: E402
import crash_lines  # noqa: E402

PREFIX = "/coreos.com/network"
_containers = []  # container namespaces to delete at exit, whatever ends the run
NETWORK = "10.244.0.0/16"


class Failure(Exception):
    pass


def run(args, ns=None, check=True):
    if ns is not None:
        args = ["ip", "netns", "exec", ns] + list(args)
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise Failure("%s: exit %d: %s" % (" ".join(args), p.returncode,
                                           (p.stderr or p.stdout).strip()))
    return p


def wait_for(what, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("timed out after %d s waiting for %s" % (timeout, what))
        time.sleep(0.1)


def etcd(url, method, key, value=None):
    data = None
    if value is not None:
        data = ("value=" + urllib.parse.quote(value)).encode()
    req = urllib.request.Request("%s/v2/keys%s" % (url, key), data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read() or b"{}")


def leases(url):
    body = etcd(url, "GET", PREFIX + "/subnets?recursive=true&quorum=true")
    out = {}
    for node in (body.get("node") or {}).get("nodes") or []:
        key = node["key"].rsplit("/", 1)[1]
        out[key.replace("-", "/")] = json.loads(node["value"])
    return out


class Host:
    def __init__(self, i, env, urls, args, base):
        self.i, self.env, self.urls, self.args = i, env, urls, args
        self.ns = env.ns(i)
        self.dir = os.path.join(base, "host%d" % i)
        os.makedirs(self.dir)
        self.subnet_file = os.path.join(self.dir, "subnet.env")
        self.container = "%sc" % self.ns
        self.proc = None
        self.starts = 0

    def start_flanneld(self):
        self.starts += 1
        log = open(os.path.join(self.dir, "flanneld.log"), "a")
        log.write("=== start %d\n" % self.starts)
        log.flush()
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLANNELD_")}
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, self.args.flanneld,
             "-etcd-endpoints", ",".join(self.urls), "-iface", "eth0",
             "-subnet-file", self.subnet_file, "-ip-masq"],
            stdout=log, stderr=log, env=env, preexec_fn=clusterlib._die_with_parent)

    def stop_flanneld(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Failure("host%d: flanneld did not stop on SIGTERM" % self.i)

    def subnet_env(self):
        try:
            with open(self.subnet_file) as f:
                return dict(line.strip().split("=", 1) for line in f if "=" in line)
        except OSError:
            return {}

    def wait_subnet(self, previous_mtime=None):
        def ready():
            if self.proc.poll() is not None:
                raise Failure("host%d: flanneld exited with %d" % (self.i, self.proc.returncode))
            if not os.path.exists(self.subnet_file):
                return None
            if previous_mtime is not None and os.path.getmtime(self.subnet_file) <= previous_mtime:
                return None
            return self.subnet_env().get("FLANNEL_SUBNET")
        return wait_for("host%d's subnet.env" % self.i, ready)

    def gateway(self):
        return ipaddress.ip_interface(self.subnet_env()["FLANNEL_SUBNET"])

    def container_ip(self):
        gw = self.gateway()
        return str(gw.ip + 1)

    def build_container(self):
        """cbr0 in the host on FLANNEL_SUBNET, and a container namespace behind it."""
        gw = self.gateway()
        mtu = self.subnet_env()["FLANNEL_MTU"]
        ns = self.ns
        run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], ns=ns)
        run(["ip", "link", "add", "cbr0", "type", "bridge"], ns=ns)
        run(["ip", "addr", "add", str(gw), "dev", "cbr0"], ns=ns)
        run(["ip", "link", "set", "cbr0", "mtu", mtu, "up"], ns=ns)
        run(["ip", "netns", "add", self.container])
        _containers.append(self.container)
        run(["ip", "link", "add", "cveth", "mtu", mtu, "type", "veth", "peer", "name", "eth0",
             "netns", self.container], ns=ns)
        run(["ip", "link", "set", "cveth", "master", "cbr0", "up"], ns=ns)
        run(["ip", "addr", "add", "%s/%d" % (self.container_ip(), gw.network.prefixlen), "dev",
             "eth0"], ns=self.container)
        run(["ip", "link", "set", "eth0", "up"], ns=self.container)
        run(["ip", "link", "set", "lo", "up"], ns=self.container)
        run(["ip", "route", "add", "default", "via", str(gw.ip)], ns=self.container)

    def masq_rules(self):
        out = run(["iptables", "-w", "-t", "nat", "-S", "POSTROUTING"], ns=self.ns).stdout
        return [line for line in out.splitlines() if NETWORK in line]

    def routes(self):
        out = run(["ip", "-j", "-4", "route", "show"], ns=self.ns).stdout
        return {r["dst"] for r in json.loads(out or "[]")}

    def cleanup(self):
        try:
            self.stop_flanneld()
        except Failure:
            pass
        run(["ip", "netns", "del", self.container], check=False)

    def log(self):
        try:
            with open(os.path.join(self.dir, "flanneld.log")) as f:
                return f.read()[-6000:]
        except OSError:
            return ""


def ping(src, dst_ip, count=1):
    p = run(["ping", "-c", str(count), "-W", "2", "-i", "0.2", dst_ip], ns=src.container,
            check=False)
    return p.returncode == 0


def ping_all(hosts):
    for a in hosts:
        for b in hosts:
            if a is b:
                continue
            # The first packet may wait for a route to settle; retry within a deadline.
            wait_for("container %d -> container %d (%s)" % (a.i, b.i, b.container_ip()),
                     lambda: ping(a, b.container_ip()), timeout=20)


def scenario(args, env, c, base):
    urls = c.client_urls
    backend = {"Type": args.backend}
    config = json.dumps({"Network": NETWORK, "SubnetLen": 24, "Backend": backend})
    body = etcd(urls[0], "PUT", PREFIX + "/config", config)
    if "node" not in body:
        raise Failure("cannot write the config: %s" % body)
    hosts = [Host(i, env, urls, args, base) for i in range(env.size)]
    try:
        for h in hosts:
            h.start_flanneld()
        subnets = [h.wait_subnet() for h in hosts]
        nets = [ipaddress.ip_interface(s).network for s in subnets]
        if len(set(nets)) != len(nets):
            raise Failure("hosts share a subnet: %s" % subnets)
        stored = leases(urls[0])
        for h, net in zip(hosts, nets):
            lease = stored.get(str(net))
            if not lease or lease.get("PublicIP") != env.ip(h.i):
                raise Failure("etcd lease for %s: %s" % (net, lease))
        print("1. distinct subnets: %s" % ", ".join(str(n) for n in nets), flush=True)

        for h in hosts:
            h.build_container()
        ping_all(hosts)
        print("2. every container reaches every other one", flush=True)

        rules = hosts[0].masq_rules()
        if len(rules) != 3:
            raise Failure("host0's masquerade rules: %s" % rules)
        gone = hosts[2]
        gone_net = str(nets[2])
        gone.stop_flanneld()
        if gone.masq_rules():
            raise Failure("host2 kept its masquerade rules after SIGTERM: %s" % gone.masq_rules())
        etcd(urls[0], "DELETE", "%s/subnets/%s" % (PREFIX, gone_net.replace("/", "-")))
        for h in hosts[:2]:
            wait_for("host%d to drop the route to %s" % (h.i, gone_net),
                     lambda h=h: gone_net not in h.routes(), timeout=30)
        print("3. masquerade rules in place and removed on SIGTERM; the stopped host's lease "
              "deleted: its route is gone elsewhere", flush=True)

        mtime = os.path.getmtime(gone.subnet_file)
        gone.start_flanneld()
        again = gone.wait_subnet(previous_mtime=mtime)
        if ipaddress.ip_interface(again).network != nets[2]:
            raise Failure("host2 came back with %s instead of %s" % (again, nets[2]))
        ping_all(hosts)
        print("4. restarted with the same subnet %s; pings again" % again, flush=True)

        revoked = hosts[1]
        mtime = os.path.getmtime(revoked.subnet_file)
        etcd(urls[0], "DELETE", "%s/subnets/%s" % (PREFIX, str(nets[1]).replace("/", "-")))
        again = revoked.wait_subnet(previous_mtime=mtime)
        if str(ipaddress.ip_interface(again).network) not in leases(urls[0]):
            raise Failure("host1 re-initialised with %s but etcd has %s" %
                          (again, sorted(leases(urls[0]))))
        ping_all(hosts)
        print("5. a revoked lease re-initialised host1 (%s); pings again" % again, flush=True)

        if args.backend == "udp":
            # Its data path is flanneld itself: packets sent while it restarts are lost.
            print("6. (udp: the data path restarts with flanneld; not checked)", flush=True)
        else:
            check_restart_keeps_traffic(hosts)
            print("6. a flanneld restart lost no packet", flush=True)
    except Failure as e:
        for h in hosts:
            print("--- host%d flanneld log\n%s" % (h.i, h.log()), file=sys.stderr)
        if args.pause_on_failure:
            print("PAUSED: %s; namespaces %s; Ctrl-C to clean up" %
                  (e, [(h.ns, h.container) for h in hosts]), file=sys.stderr, flush=True)
            time.sleep(3600)
        raise
    finally:
        for h in hosts:
            h.cleanup()


def check_restart_keeps_traffic(hosts):
    """A ping stream into the target's container from before its flanneld stops until one
    second after the new one has written subnet.env: nothing may be lost."""
    src, target = hosts[1], hosts[0]
    pinger = subprocess.Popen(["ip", "netns", "exec", src.container, "ping", "-i", "0.1", "-W",
                               "1", target.container_ip()], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        wait_for("the ping stream to start", lambda: ping(src, target.container_ip()), 10)
        mtime = os.path.getmtime(target.subnet_file)
        target.stop_flanneld()
        target.start_flanneld()
        target.wait_subnet(previous_mtime=mtime)
        time.sleep(1)  # the stream keeps running across the new daemon's first second
    finally:
        pinger.send_signal(signal.SIGINT)
        out = pinger.communicate(timeout=10)[0]
    summary = [line for line in out.splitlines() if "packet loss" in line]
    if not summary or " 0% packet loss" not in summary[0]:
        raise Failure("ping during the restart: %s" % (summary or out[-300:]))


def delete_containers():
    while _containers:
        subprocess.run(["ip", "netns", "del", _containers.pop()], capture_output=True)


def install_cleanup():
    """SIGTERM/SIGHUP (a ctest timeout): containers, then the hosts and the bridge."""
    netns.install_signal_cleanup()
    hosts_cleanup = signal.getsignal(signal.SIGTERM)

    def handler(signum, frame):
        delete_containers()
        hosts_cleanup(signum, frame)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--flanneld", required=True)
    p.add_argument("--etcd2", required=True)
    p.add_argument("--backend", default="vxlan", choices=("vxlan", "host-gw", "udp"))
    p.add_argument("--pause-on-failure", action="store_true",
                   help="debugging: keep everything up for an hour after a failure")
    args = p.parse_args()
    why = netns.NetnsEnv.probe()
    if why:
        print("SKIP: network namespaces unavailable: %s" % why)
        return 77
    if args.backend == "vxlan":
        probe = "csvx%d" % os.getpid()
        q = subprocess.run(["ip", "link", "add", probe, "type", "vxlan", "id", "42", "dstport",
                            "8472", "dev", "lo"], capture_output=True, text=True)
        if q.returncode != 0:
            print("SKIP: this kernel cannot create vxlan links: %s" % q.stderr.strip())
            return 77
        subprocess.run(["ip", "link", "del", probe], capture_output=True)
    install_cleanup()
    env = netns.NetnsEnv(3)
    base = tempfile.mkdtemp(prefix="flannel-overlay-")
    try:
        env.setup()
        with netns.NetnsCluster(env, "etcd2", 3, binary=args.etcd2) as c:
            failure = None
            try:
                scenario(args, env, c, base)
            except Failure as e:
                failure = e
            # Passed or not: every flanneld has had its SIGTERM by now; the members' logs go
            # with c.
            crashes = crash_lines.log_problems(
                [os.path.join(base, "host%d" % i, "flanneld.log") for i in range(env.size)])
            crashes += c.log_crashes()
            crash_lines.verdict(crashes, failure, Failure)
    except Failure as e:
        print("FAIL (%s): %s" % (args.backend, e), file=sys.stderr)
        return 1
    finally:
        delete_containers()
        env.teardown()
        shutil.rmtree(base, ignore_errors=True)
    print("overlay %s: all checks passed" % args.backend)
    return 0


if __name__ == "__main__":
    sys.exit(main())
