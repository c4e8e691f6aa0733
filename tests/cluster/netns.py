"""Members in their own network namespaces, joined by veth pairs to a bridge.

    env = NetnsEnv(size)           # raises NetnsUnavailable (with the reason) if not root
    env.setup()                    # bridge + one namespace per member
    c = NetnsCluster(env, "etcd2", 3, binary=...)
    env.cut(0, 1)                  # symmetric: 0 and 1 cannot talk
    env.cut(0, 1, oneway=True)     # 0 -> 1 dropped (1 still sends to 0)
    env.loss(2, 0.3)               # 30% of what member 2 receives from peers is dropped
    env.delay(2, 100)              # tc netem, when the kernel has it (env.has_netem)
    env.slow(2, 256)               # tc htb: member 2 sends at most 256 kbit/s
    env.heal()                     # every rule and qdisc removed
    env.teardown()                 # namespaces and bridge deleted (also at exit)

Layout: bridge `cs<tag>b` in the root namespace with 10.X.Y.254/24 (the test clients
talk to the members through it); member i lives in namespace `cs<tag>n<i>` with
`eth0` = 10.X.Y.(i+1). Peer traffic crosses the bridge, so rules in a member's own
namespace (INPUT/OUTPUT, matched on the peer's address) cut exactly that member's links;
client traffic (from 10.X.Y.254) is never cut. `<tag>` is unique per run; a file per run
under /run/corestack-cluster-netns records the owner pid, and namespaces of dead owners
are removed by the next run. Teardown runs at exit and on SIGTERM.

Standard library only. Needs root (CAP_NET_ADMIN) and iproute2 + iptables.
"""

import atexit
import os
import random
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))

import cluster as compat_cluster  # noqa: E402

STATE_DIR = "/run/corestack-cluster-netns"
CLIENT_PORT = 12379
PEER_PORT = 12380

_live_envs = []


class NetnsUnavailable(Exception):
    pass


def _run(args, check=True, ns=None):
    if ns is not None:
        args = ["ip", "netns", "exec", ns] + list(args)
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args), p.returncode,
                                                 (p.stderr or p.stdout).strip()))
    return p


def _alive(pid):
    return compat_cluster._alive(pid)


def remove_stale():
    """Removes namespaces and bridges of runs whose owner process is gone."""
    try:
        names = os.listdir(STATE_DIR)
    except OSError:
        return
    for name in names:
        path = os.path.join(STATE_DIR, name)
        try:
            with open(path) as f:
                pid = int(f.readline().strip())
                size = int(f.readline().strip())
        except (OSError, ValueError):
            continue
        if _alive(pid):
            continue
        tag = name
        for i in range(size):
            _run(["ip", "netns", "del", "cs%sn%d" % (tag, i)], check=False)
        _run(["ip", "link", "del", "cs%sb" % tag], check=False)
        try:
            os.unlink(path)
        except OSError:
            pass


class NetnsEnv:
    def __init__(self, size, rng=None):
        self.size = size
        rng = rng or random.Random()
        self.tag = "%04x" % ((os.getpid() ^ rng.randrange(1 << 16)) & 0xFFFF)
        self.bridge = "cs%sb" % self.tag
        self.subnet = None
        self.has_netem = False
        self.netem_why = ""
        self._up = False
        self._rules = False

    # ---- names ----------------------------------------------------------------------

    def ns(self, i):
        return "cs%sn%d" % (self.tag, i)

    def ip(self, i):
        return "%s.%d" % (self.subnet, i + 1)

    @property
    def host_ip(self):
        return "%s.254" % self.subnet

    # ---- lifecycle ------------------------------------------------------------------

    @staticmethod
    def probe():
        """None if namespaces can be used here, else why not."""
        if os.geteuid() != 0:
            return "not root (network namespaces need CAP_NET_ADMIN)"
        for tool in ("ip", "iptables"):
            if shutil.which(tool) is None:
                return "%s not found" % tool
        name = "csprobe%d" % os.getpid()
        p = _run(["ip", "netns", "add", name], check=False)
        if p.returncode != 0:
            return "ip netns add failed: %s" % p.stderr.strip()
        try:
            p = _run(["iptables", "-L", "INPUT", "-n"], check=False, ns=name)
            if p.returncode != 0:
                return "iptables in a namespace failed: %s" % p.stderr.strip()
        finally:
            _run(["ip", "netns", "del", name], check=False)
        return None

    def _pick_subnet(self, rng):
        used = _run(["ip", "-4", "-o", "addr", "show"]).stdout
        routes = _run(["ip", "-4", "route", "show"]).stdout
        for _ in range(200):
            cand = "10.%d.%d" % (rng.randrange(100, 250), rng.randrange(1, 250))
            if cand + "." not in used and cand + "." not in routes:
                return cand
        raise NetnsUnavailable("no free 10.x.y.0/24 subnet")

    def setup(self, rng=None):
        why = self.probe()
        if why:
            raise NetnsUnavailable(why)
        remove_stale()
        os.makedirs(STATE_DIR, exist_ok=True)
        with open(os.path.join(STATE_DIR, self.tag), "w") as f:
            f.write("%d\n%d\n" % (os.getpid(), self.size))
        _live_envs.append(self)
        self._up = True
        self.subnet = self._pick_subnet(rng or random.Random())
        try:
            _run(["ip", "link", "add", self.bridge, "type", "bridge"])
            _run(["ip", "addr", "add", self.host_ip + "/24", "dev", self.bridge])
            _run(["ip", "link", "set", self.bridge, "up"])
            for i in range(self.size):
                ns = self.ns(i)
                host_if = "cs%sv%d" % (self.tag, i)
                peer_if = "cs%sp%d" % (self.tag, i)
                _run(["ip", "netns", "add", ns])
                _run(["ip", "link", "add", host_if, "type", "veth", "peer", "name", peer_if])
                _run(["ip", "link", "set", peer_if, "netns", ns])
                _run(["ip", "link", "set", host_if, "master", self.bridge])
                _run(["ip", "link", "set", host_if, "up"])
                _run(["ip", "link", "set", peer_if, "name", "eth0"], ns=ns)
                _run(["ip", "addr", "add", self.ip(i) + "/24", "dev", "eth0"], ns=ns)
                _run(["ip", "link", "set", "eth0", "up"], ns=ns)
                _run(["ip", "link", "set", "lo", "up"], ns=ns)
            self._probe_netem()
        except Exception:
            self.teardown()
            raise
        return self

    def _probe_netem(self):
        p = _run(["tc", "qdisc", "add", "dev", "eth0", "root", "netem", "delay", "1ms"],
                 check=False, ns=self.ns(0))
        if p.returncode == 0:
            _run(["tc", "qdisc", "del", "dev", "eth0", "root"], check=False, ns=self.ns(0))
            self.has_netem = True
        else:
            self.has_netem = False
            self.netem_why = (p.stderr or p.stdout).strip() or "tc failed"

    def teardown(self):
        if not self._up:
            return
        self._up = False
        for i in range(self.size):
            _run(["ip", "netns", "del", self.ns(i)], check=False)
        _run(["ip", "link", "del", self.bridge], check=False)
        try:
            os.unlink(os.path.join(STATE_DIR, self.tag))
        except OSError:
            pass
        if self in _live_envs:
            _live_envs.remove(self)

    # ---- faults ---------------------------------------------------------------------

    def cut(self, a, b, oneway=False):
        """Drops a -> b (and b -> a unless oneway). Rules sit in b's namespace (INPUT
        from a) and, for the reverse, in a's (INPUT from b)."""
        self._rules = True
        _run(["iptables", "-A", "INPUT", "-s", self.ip(a), "-j", "DROP"], ns=self.ns(b))
        if not oneway:
            _run(["iptables", "-A", "INPUT", "-s", self.ip(b), "-j", "DROP"], ns=self.ns(a))

    def isolate(self, group_a, group_b, oneway=False):
        """Cuts every link from group_a to group_b (both ways unless oneway)."""
        for a in group_a:
            for b in group_b:
                self.cut(a, b, oneway=oneway)

    def loss(self, i, probability):
        """Randomly drops `probability` of what member i receives from its peers."""
        self._rules = True
        for j in range(self.size):
            if j != i:
                _run(["iptables", "-A", "INPUT", "-s", self.ip(j), "-m", "statistic",
                      "--mode", "random", "--probability", "%.3f" % probability,
                      "-j", "DROP"], ns=self.ns(i))

    def delay(self, i, ms, jitter_ms=0, loss_pct=0):
        """Delays everything member i sends (tc netem on its eth0). Clients see it too."""
        if not self.has_netem:
            raise NetnsUnavailable("tc netem unavailable: " + self.netem_why)
        self._rules = True
        args = ["tc", "qdisc", "replace", "dev", "eth0", "root", "netem", "delay",
                "%dms" % ms]
        if jitter_ms:
            args.append("%dms" % jitter_ms)
        if loss_pct:
            args += ["loss", "%d%%" % loss_pct]
        _run(args, ns=self.ns(i))

    def slow(self, i, kbit):
        """Limits what member i sends to `kbit` kbit/s (tc htb): a congested link, with
        queueing delay. Clients see it too."""
        self._rules = True
        ns = self.ns(i)
        _run(["tc", "qdisc", "replace", "dev", "eth0", "root", "handle", "1:", "htb",
              "default", "10"], ns=ns)
        _run(["tc", "class", "replace", "dev", "eth0", "parent", "1:", "classid", "1:10",
              "htb", "rate", "%dkbit" % kbit, "ceil", "%dkbit" % kbit], ns=ns)

    def heal(self):
        if not self._rules:
            return
        for i in range(self.size):
            _run(["iptables", "-F", "INPUT"], check=False, ns=self.ns(i))
            _run(["iptables", "-F", "OUTPUT"], check=False, ns=self.ns(i))
            _run(["tc", "qdisc", "del", "dev", "eth0", "root"], check=False, ns=self.ns(i))
        self._rules = False

    def rules(self):
        """The current iptables rules of every member (for reports)."""
        out = []
        for i in range(self.size):
            p = _run(["iptables", "-S", "INPUT"], check=False, ns=self.ns(i))
            out.append("m%d: %s" % (i, " | ".join(
                line for line in p.stdout.splitlines() if not line.startswith("-P"))))
        return "\n".join(out)


class NetnsCluster(compat_cluster.Cluster):
    """compat's Cluster with member i started inside env's namespace i, listening on
    env.ip(i) (fixed ports: each namespace has its own)."""

    def __init__(self, env, kind, size, **kw):
        if size != env.size:
            raise ValueError("env has %d namespaces, cluster wants %d" % (env.size, size))
        self.env = env
        super().__init__(kind, size, **kw)

    def _layout(self, attempt):
        super()._layout(attempt)
        for m in self.members:
            ip = self.env.ip(m.index)
            m.client_url = "http://%s:%d" % (ip, CLIENT_PORT)
            m.peer_url = "http://%s:%d" % (ip, PEER_PORT)

    def _args(self, m):
        return ["ip", "netns", "exec", self.env.ns(m.index)] + super()._args(m)


def _cleanup_all():
    for env in list(_live_envs):
        try:
            env.teardown()
        except Exception:
            pass


atexit.register(_cleanup_all)


def install_signal_cleanup():
    """SIGTERM/SIGHUP (ctest timeout, terminal gone): tear everything down, then exit.
    Members die with us anyway (PR_SET_PDEATHSIG); namespaces and bridges would not."""
    def handler(signum, frame):
        compat_cluster._cleanup_all()
        _cleanup_all()
        os._exit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, handler)
