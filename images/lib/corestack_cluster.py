"""A cluster of corestack hosts booted from the images/build image (docs/images.md).

Every host runs real systemd as PID 1: a systemd-nspawn container (default) or a qemu VM
(vm=True). All of them sit on one bridge inside a private network namespace that this module
creates and deletes; nothing touches the machine's own network. Each host gets its own name,
machine ID, IP and #cloud-config (user-data), and reports on its own events channel (a file
under nspawn, the second serial port under qemu): lines `CORESTACK-EVENT host=.. kind=..`.

    with Cluster(rootfs, [HostSpec("core1", user_data), ...], workdir) as c:
        c.wait_event("core1", "booted", 60)
        c.run_on_bridge(["etcdctl", ...])         # a command on the bridge side (the "operator")
        c.exec("core1", ["systemctl", "is-active", "etcd2"])   # inside the host (qemu: guest agent)
        c.kill("core2")                           # hard: SIGKILL to the host's PID 1 / qemu

Teardown is by PID (the nspawn/qemu processes this module started, recorded in
workdir/state.json), on every exit path of the `with` block; `reap(workdir)` cleans up after a
run that was killed before it could (the CLI's `down`, and every Cluster.start() does it).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterable

CGROUP_ROOTS = ("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified")
CGROUP_PARENT = "corestack-e2e"
EVENT_RE = re.compile(r"CORESTACK-EVENT (.*)")


class ClusterError(RuntimeError):
    pass


class Skip(Exception):
    """This machine cannot run the tier (the reason is the message)."""


@dataclasses.dataclass
class HostSpec:
    name: str
    user_data: str = ""
    ip: str | None = None  # default: <subnet>.<10 + index>
    machine_id: str | None = None  # default: derived from the cluster and host names


@dataclasses.dataclass
class Host:
    name: str
    index: int
    ip: str
    machine_id: str
    dir: Path
    mac: str
    pid: int | None = None  # the nspawn / qemu process
    proc: subprocess.Popen | None = None
    events_offset: int = 0
    events: list = dataclasses.field(default_factory=list)


def check_machine(vm: bool = False) -> None:
    """Raises Skip with the reason when this machine cannot run the tier."""
    if os.geteuid() != 0:
        raise Skip("needs root (network namespaces, systemd-nspawn, qemu taps)")
    tools = ["ip", "nsenter"] + (["qemu-system-x86_64", "qemu-img"] if vm else ["systemd-nspawn"])
    for tool in tools:
        if not shutil.which(tool):
            raise Skip(f"{tool} is missing (scripts/install-deps installs it)")
    if not vm and not os.path.isdir("/sys/fs/cgroup/systemd") and not os.path.exists(
            "/sys/fs/cgroup/cgroup.controllers"):
        raise Skip("no systemd cgroup hierarchy for nspawn")
    probe = f"cs-probe-{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        raise Skip(f"cannot create a network namespace: {r.stderr.strip()}")
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)


def _sh(argv: list[str], check: bool = True, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise ClusterError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _kill(pid: int | None, sig: int) -> None:
    if pid:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cgroup_procs(path: str) -> list[int]:
    try:
        return [int(x) for x in Path(path, "cgroup.procs").read_text().split()]
    except OSError:
        return []


def _remove_cgroup_tree(path: str) -> None:
    """Kills what is left in a cgroup tree by PID, then removes it bottom-up (and its parent
    corestack-e2e/ when that is empty)."""
    if not os.path.isdir(path):
        return
    dirs = sorted((d for d, _, _ in os.walk(path)), key=len, reverse=True)
    for _ in range(50):
        left = [p for d in dirs for p in _cgroup_procs(d)]
        if not left:
            break
        for p in left:
            _kill(p, signal.SIGKILL)
        time.sleep(0.1)
    for d in dirs + [os.path.dirname(path)]:
        try:
            os.rmdir(d)
        except OSError:
            pass


def reap(workdir: str | Path) -> bool:
    """Tears down what a previous run recorded in workdir/state.json. True if there was one."""
    state_file = Path(workdir, "state.json")
    if not state_file.exists():
        return False
    state = json.loads(state_file.read_text())
    ours = []
    for h in state.get("hosts", []):
        pid = h.get("pid")
        # Only a process that is still what we started (same start time) is ours to kill.
        if pid and _alive(pid) and _start_time(pid) == h.get("start_time"):
            for child in _children(pid):
                _kill(child, signal.SIGKILL)
            _kill(pid, signal.SIGKILL)
            ours.append(pid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in ours):
        time.sleep(0.05)
    for cg in state.get("cgroups", []):
        _remove_cgroup_tree(cg)
    ns = state.get("netns")
    if ns and os.path.exists(f"/run/netns/{ns}"):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    for m in state.get("machines", []):
        shutil.rmtree(f"/run/systemd/nspawn/propagate/{m}", ignore_errors=True)
    state_file.unlink()
    return True


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


class Cluster:
    def __init__(self, image: str | Path, hosts: Iterable[HostSpec], workdir: str | Path, *,
                 name: str = "cs", subnet: str = "10.88.0", vm: bool = False,
                 vm_memory: int = 384, log: Callable[[str], None] | None = None):
        """image: the rootfs tree (nspawn) or the images/build --out vm/ directory (vm=True)."""
        self.image = Path(image).resolve()
        self.workdir = Path(workdir).resolve()
        self.name = name
        self.subnet = subnet
        self.vm = vm
        self.vm_memory = vm_memory
        self.netns = f"{name}-{os.getpid()}"
        self.bridge_ip = f"{subnet}.1"
        self.log = log or (lambda s: print(s, flush=True))
        self.hosts: dict[str, Host] = {}
        self._cgroups: list[str] = []
        self._started = False
        self._t0 = time.monotonic()
        self.t0 = self._t0  # events' "t" is seconds since this time.monotonic()
        self._events_log = None
        for spec in hosts:
            self._register(spec)

    def _register(self, spec: HostSpec) -> Host:
        if spec.name in self.hosts:
            raise ClusterError(f"host {spec.name} exists")
        i = len(self.hosts)
        mid = spec.machine_id or hashlib.md5(f"{self.name}/{spec.name}".encode()).hexdigest()
        h = Host(name=spec.name, index=i, ip=spec.ip or f"{self.subnet}.{11 + i}", machine_id=mid,
                 dir=self.workdir / spec.name, mac=f"52:54:00:88:{(i >> 8) & 0xff:02x}:{i & 0xff:02x}")
        h.user_data = spec.user_data  # type: ignore[attr-defined]
        self.hosts[spec.name] = h
        return h

    def add_host(self, spec: HostSpec) -> Host:
        """Adds a host; boots it at once when the cluster is started."""
        h = self._register(spec)
        if self._started:
            self._launch(h)
        return h

    # ---- lifecycle ----

    def __enter__(self) -> "Cluster":
        try:
            self.start()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.teardown()

    def start(self) -> None:
        if self.vm:
            for f in ("vmlinuz", "initrd.img", "base.raw"):
                if not (self.image / f).exists():
                    raise ClusterError(f"{self.image / f} is missing: run images/build")
        elif not (self.image / "usr/lib/systemd/systemd").exists():
            raise ClusterError(f"{self.image} is not a built rootfs: run images/build")
        reap(self.workdir)
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        self._events_log = open(self.workdir / "events.log", "a")
        self._started = True
        self._save_state()
        _sh(["ip", "netns", "add", self.netns])
        self._save_state()
        self._ns(["ip", "link", "set", "lo", "up"])
        self._ns(["ip", "link", "add", "br0", "type", "bridge"])
        self._ns(["ip", "addr", "add", f"{self.bridge_ip}/24", "dev", "br0"])
        self._ns(["ip", "link", "set", "br0", "up"])
        for h in self.hosts.values():
            self._launch(h)

    def teardown(self) -> None:
        """Stops every host by PID (SIGKILL after a grace period), then deletes the netns and
        the cgroups. Safe to call more than once and after a partial start."""
        if not self._started:
            return
        hosts = [h for h in self.hosts.values() if h.pid]
        for h in hosts:
            self._stop_signal(h)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(h.pid) for h in hosts):
            self._reap_children()
            time.sleep(0.1)
        for h in hosts:
            if _alive(h.pid):
                for child in _children(h.pid):
                    _kill(child, signal.SIGKILL)
                _kill(h.pid, signal.SIGKILL)
        for h in hosts:
            if h.proc:
                try:
                    h.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.log(f"cluster: {h.name} (pid {h.pid}) did not exit after SIGKILL")
        for cg in self._cgroups:
            _remove_cgroup_tree(cg)
        if os.path.exists(f"/run/netns/{self.netns}"):
            subprocess.run(["ip", "netns", "del", self.netns], capture_output=True)
        for h in self.hosts.values():
            shutil.rmtree(f"/run/systemd/nspawn/propagate/{self._machine(h)}", ignore_errors=True)
        state = self.workdir / "state.json"
        if state.exists():
            state.unlink()
        if self._events_log:
            self._events_log.close()
            self._events_log = None
        self._started = False

    # ---- hosts ----

    def _machine(self, h: Host) -> str:
        return h.name

    def _save_state(self) -> None:
        state = {
            "netns": self.netns,
            "cgroups": self._cgroups,
            "machines": [self._machine(h) for h in self.hosts.values()],
            "hosts": [{"name": h.name, "pid": h.pid, "start_time": _start_time(h.pid) if h.pid else None}
                      for h in self.hosts.values()],
        }
        tmp = self.workdir / "state.json.tmp"
        tmp.write_text(json.dumps(state, indent=1))
        tmp.rename(self.workdir / "state.json")

    def _prepare_dir(self, h: Host) -> None:
        h.dir.mkdir(parents=True, exist_ok=True)
        env = {"CORESTACK_HOSTNAME": h.name, "CORESTACK_IP": f"{h.ip}/24",
               "CORESTACK_GATEWAY": self.bridge_ip}
        (h.dir / "host.env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        (h.dir / "user-data").write_text(h.user_data)  # type: ignore[attr-defined]
        (h.dir / "events").write_text("")
        h.events_offset = 0
        h.events = []

    def _launch(self, h: Host) -> None:
        self._prepare_dir(h)
        if self.vm:
            self._launch_vm(h)
        else:
            self._launch_nspawn(h)
        self._save_state()
        self.log(f"cluster: {h.name} started (pid {h.pid}, ip {h.ip}, machine-id {h.machine_id})")

    def _launch_nspawn(self, h: Host) -> None:
        # Each container gets its own cgroup: nspawn without a host systemd puts the payload
        # in <its own cgroup>/payload, and two containers in one cgroup would share (and
        # kill) each other's units.
        cgs = []
        for root in CGROUP_ROOTS:
            if os.path.isdir(root):
                cg = f"{root}/{CGROUP_PARENT}/{self.netns}/{h.name}"
                os.makedirs(cg, exist_ok=True)
                cgs.append(cg)
                if f"{root}/{CGROUP_PARENT}/{self.netns}" not in self._cgroups:
                    self._cgroups.append(f"{root}/{CGROUP_PARENT}/{self.netns}")
        self._save_state()

        def enter_cgroup() -> None:
            for cg in cgs:
                with open(f"{cg}/cgroup.procs", "w") as f:
                    f.write(str(os.getpid()))

        argv = ["nsenter", f"--net=/run/netns/{self.netns}", "systemd-nspawn", "--quiet",
                "--register=no", "--keep-unit", f"--machine={self._machine(h)}",
                f"--uuid={h.machine_id}", "-D", str(self.image), "--volatile=overlay",
                "--network-bridge=br0", f"--bind={h.dir}:/run/corestack-host",
                "--console=read-only", "--boot"]
        console = open(h.dir / "console.log", "ab")
        h.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=console,
                                  stderr=subprocess.STDOUT, preexec_fn=enter_cgroup,
                                  start_new_session=True)
        console.close()
        h.pid = h.proc.pid

    def _launch_vm(self, h: Host) -> None:
        tap = f"tap{h.index}"
        if self._ns(["ip", "link", "show", tap], check=False).returncode != 0:
            self._ns(["ip", "tuntap", "add", "dev", tap, "mode", "tap"])
            self._ns(["ip", "link", "set", tap, "master", "br0", "up"])
        disk = h.dir / "disk.qcow2"
        if not disk.exists():
            _sh(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(self.image / "base.raw"),
                 "-F", "raw", str(disk)])
        (h.dir / "serial.log").touch()
        cmdline = (f"console=ttyS0 root=/dev/vda rw panic=-1 net.ifnames=0 "
                   f"systemd.hostname={h.name} systemd.machine_id={h.machine_id} "
                   f"corestack.ip={h.ip}/24 corestack.gateway={self.bridge_ip} "
                   f"corestack.hostname={h.name} corestack.events=/dev/ttyS1")
        argv = ["nsenter", f"--net=/run/netns/{self.netns}", "qemu-system-x86_64",
                "-accel", "tcg,tb-size=256", "-m", str(self.vm_memory), "-smp", "1",
                "-nodefaults", "-no-user-config", "-display", "none",
                "-kernel", str(self.image / "vmlinuz"), "-initrd", str(self.image / "initrd.img"),
                "-append", cmdline,
                "-drive", f"file={disk},if=virtio,format=qcow2,cache=unsafe",
                "-netdev", f"tap,id=n0,ifname={tap},script=no,downscript=no",
                "-device", f"virtio-net-pci,netdev=n0,mac={h.mac}",
                "-fw_cfg", f"name=opt/corestack/user-data,file={h.dir / 'user-data'}",
                "-serial", f"file:{h.dir / 'serial.log'}",
                "-chardev", f"file,id=ev,path={h.dir / 'events'},append=on",
                "-serial", "chardev:ev",
                "-monitor", f"unix:{h.dir / 'monitor.sock'},server,nowait",
                # The guest agent's port (qemu-guest-agent in the image): exec() in the VM.
                "-device", "virtio-serial-pci,id=vser0",
                "-chardev", f"socket,id=qga,path={h.dir / 'qga.sock'},server=on,wait=off",
                "-device", "virtserialport,bus=vser0.0,chardev=qga,name=org.qemu.guest_agent.0"]
        out = open(h.dir / "qemu.log", "ab")
        h.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        h.pid = h.proc.pid

    def _stop_signal(self, h: Host) -> None:
        # nspawn: SIGTERM = a clean poweroff of the container (SIGRTMIN+3 to its PID 1).
        # qemu: no ACPI shutdown in the tuned image; SIGTERM stops the VM at once.
        if _alive(h.pid):
            _kill(h.pid, signal.SIGTERM)

    def _reap_children(self) -> None:
        for h in self.hosts.values():
            if h.proc:
                h.proc.poll()

    def leader(self, name: str) -> int:
        """The PID (on this machine) of the host's PID 1 (nspawn only)."""
        h = self.hosts[name]
        if self.vm:
            raise ClusterError("leader(): not in VM mode")
        kids = _children(h.pid) if h.pid else []
        if not kids:
            raise ClusterError(f"{name}: no running container (pid {h.pid})")
        return kids[0]

    def alive(self, name: str) -> bool:
        self._reap_children()
        return _alive(self.hosts[name].pid)

    def kill(self, name: str) -> None:
        """Kills the host hard: SIGKILL to its PID 1 (the kernel then kills every process of
        the container) or to qemu. Waits until the host process is gone."""
        h = self.hosts[name]
        if self.vm:
            _kill(h.pid, signal.SIGKILL)
        else:
            for child in _children(h.pid):
                _kill(child, signal.SIGKILL)
        self._wait_gone(h, 20, also_kill=True)
        self.log(f"cluster: {name} killed")

    def stop(self, name: str, timeout: float = 30) -> None:
        """A clean poweroff (nspawn) or a stop (qemu); waits until the host process is gone."""
        h = self.hosts[name]
        self._stop_signal(h)
        self._wait_gone(h, timeout, also_kill=True)
        self.log(f"cluster: {name} stopped")

    def restart(self, name: str) -> None:
        """Boots a stopped host again (a fresh overlay for nspawn; the same disk for qemu)."""
        h = self.hosts[name]
        if self.alive(name):
            raise ClusterError(f"{name} is still running")
        self._launch(h)

    def monitor(self, name: str, command: str, timeout: float = 10) -> str:
        """Sends one command to a VM's qemu monitor (e.g. `system_reset`: a hard reset, the disk
        is kept) and returns what the monitor printed."""
        if not self.vm:
            raise ClusterError("monitor(): VM mode only")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(str(self.hosts[name].dir / "monitor.sock"))
        out = b""
        try:
            while b"(qemu)" not in out:
                out += s.recv(4096)
            s.sendall(command.encode() + b"\n")
            out = b""
            while b"(qemu)" not in out:
                chunk = s.recv(4096)
                if not chunk:
                    break
                out += chunk
        finally:
            s.close()
        return out.decode(errors="replace")

    def _wait_gone(self, h: Host, timeout: float, also_kill: bool) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(h.pid):
            self._reap_children()
            time.sleep(0.05)
        if _alive(h.pid) and also_kill:
            _kill(h.pid, signal.SIGKILL)
        if h.proc:
            h.proc.wait(timeout=10)

    # ---- commands ----

    def _ns(self, argv: list[str], check: bool = True, **kw) -> subprocess.CompletedProcess:
        return _sh(["ip", "-n", self.netns] + argv[1:] if argv[0] == "ip" else argv, check, **kw)

    def run_on_bridge(self, argv: list[str], timeout: float = 30, check: bool = False,
                      env: dict | None = None) -> subprocess.CompletedProcess:
        """Runs a command of this machine inside the cluster's network namespace (the bridge
        side: it reaches every host by IP). nsenter, not `ip netns exec`, keeps /sys intact."""
        full_env = dict(os.environ, **(env or {}))
        r = subprocess.run(["nsenter", f"--net=/run/netns/{self.netns}"] + argv,
                           capture_output=True, text=True, timeout=timeout, env=full_env)
        if check and r.returncode != 0:
            raise ClusterError(f"{' '.join(argv)}: exit {r.returncode}: {r.stdout}{r.stderr}")
        return r

    def popen_on_bridge(self, argv: list[str], **kw) -> subprocess.Popen:
        return subprocess.Popen(["nsenter", f"--net=/run/netns/{self.netns}"] + argv, **kw)

    def exec(self, name: str, argv: list[str], timeout: float = 30, check: bool = False,
             input: str | None = None) -> subprocess.CompletedProcess:
        """Runs a command inside a host: nspawn, in every namespace of its PID 1; qemu, through
        the guest agent (guest-exec; ClusterError while the guest agent does not answer, e.g.
        during a boot). Raises subprocess.TimeoutExpired after `timeout`."""
        if self.vm:
            r = GuestAgent(self.hosts[name].dir / "qga.sock").exec(argv, timeout, input)
        else:
            r = subprocess.run(["nsenter", "-t", str(self.leader(name)), "-a"] + argv,
                               capture_output=True, text=True, timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise ClusterError(f"{name}: {' '.join(argv)}: exit {r.returncode}: {r.stdout}{r.stderr}")
        return r

    def exec_net(self, name: str, argv: list[str], timeout: float = 30) -> subprocess.CompletedProcess:
        """Runs a command of this machine in a host's network namespace only (e.g. sysctl,
        which the container cannot write: nspawn mounts /proc/sys read-only)."""
        return subprocess.run(["nsenter", "-t", str(self.leader(name)), "-n"] + argv,
                              capture_output=True, text=True, timeout=timeout)

    def journal(self, name: str, unit: str | None = None, lines: int = 200) -> str:
        argv = ["journalctl", "--no-pager", "-o", "short-monotonic", "-n", str(lines)]
        if unit:
            argv += ["-u", unit]
        try:
            r = self.exec(name, argv)
            return r.stdout + r.stderr
        except (ClusterError, subprocess.TimeoutExpired) as e:
            return f"(no journal: {e})"

    # ---- events ----

    def poll_events(self) -> list[dict]:
        """Reads new lines from every host's events channel; returns the new events."""
        new = []
        for h in self.hosts.values():
            path = h.dir / "events"
            try:
                with open(path, "rb") as f:
                    f.seek(h.events_offset)
                    data = f.read()
            except OSError:
                continue
            cut = data.rfind(b"\n") + 1
            h.events_offset += cut
            for line in data[:cut].decode(errors="replace").splitlines():
                m = EVENT_RE.search(line)
                if not m:
                    continue
                ev = {"t": round(time.monotonic() - self._t0, 3), "from": h.name}
                for kv in m.group(1).split():
                    k, _, v = kv.partition("=")
                    ev[k] = v
                h.events.append(ev)
                new.append(ev)
                if self._events_log:
                    self._events_log.write(json.dumps(ev) + "\n")
                    self._events_log.flush()
        return new

    def wait_event(self, name: str, kind: str, timeout: float,
                   pred: Callable[[dict], bool] | None = None, after: int = 0) -> dict:
        """Waits for an event of `kind` from host `name`: the first one among its events from
        index `after` on (0: one already seen counts; len(hosts[name].events): a new one)."""
        h = self.hosts[name]
        deadline = time.monotonic() + timeout
        while True:
            self.poll_events()
            for ev in h.events[after:]:
                if ev.get("kind") == kind and (pred is None or pred(ev)):
                    return ev
            if not self.alive(name):
                raise ClusterError(f"{name} exited while waiting for event {kind}: "
                                   f"{self.console_tail(name)}")
            if time.monotonic() >= deadline:
                raise ClusterError(f"{name}: no {kind} event within {timeout:.0f} s "
                                   f"(events: {h.events}); console: {self.console_tail(name)}")
            time.sleep(0.1)

    def wait_booted(self, timeout: float, names: Iterable[str] | None = None) -> dict[str, dict]:
        """Waits for every host's `booted` event (multi-user.target reached, after
        coreos-cloudinit); returns them."""
        return {n: self.wait_event(n, "booted", timeout) for n in (names or self.hosts)}

    def console_tail(self, name: str, lines: int = 30) -> str:
        h = self.hosts[name]
        f = h.dir / ("serial.log" if self.vm else "console.log")
        try:
            text = f.read_text(errors="replace")
        except OSError:
            return "(no console)"
        return "\n".join(text.splitlines()[-lines:])


class GuestAgent:
    """A client of qemu-guest-agent in a VM (the QMP-like JSON protocol on the virtio-serial
    port qemu exposes as a UNIX socket). One connection per call: the socket takes one client
    at a time, and guest-sync-delimited discards whatever an earlier client left unread."""

    def __init__(self, path: str | Path):
        self.path = str(path)

    def _connect(self, timeout: float) -> tuple[socket.socket, list[bytes]]:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.path)
            sync = int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF
            # 0xFF makes the agent drop a half-read request of an earlier client.
            s.sendall(b"\xff" + json.dumps({"execute": "guest-sync-delimited",
                                            "arguments": {"id": sync}}).encode() + b"\n")
            buf = [b""]
            while True:
                data = s.recv(65536)
                if not data:
                    raise ClusterError(f"guest agent {self.path}: connection closed")
                buf[0] += data
                cut = buf[0].rfind(b"\xff")
                if cut < 0:
                    continue
                reply = self._take(buf, s, after=cut + 1)
                if reply.get("return") == sync:
                    return s, buf
        except socket.timeout:
            s.close()
            raise ClusterError(f"guest agent {self.path}: no answer within {timeout:.0f} s "
                               "(the VM is booting or down?)") from None
        except OSError as e:
            s.close()
            raise ClusterError(f"guest agent {self.path}: {e}") from None

    @staticmethod
    def _take(buf: list[bytes], s: socket.socket, after: int = 0) -> dict:
        """The next JSON object from buf[0][after:] (reading more as needed)."""
        buf[0] = buf[0][after:]
        dec = json.JSONDecoder()
        while True:
            text = buf[0].decode(errors="replace").lstrip()
            if text:
                try:
                    obj, end = dec.raw_decode(text)
                    buf[0] = text[end:].encode()
                    return obj
                except json.JSONDecodeError:
                    pass
            data = s.recv(65536)
            if not data:
                raise ClusterError("guest agent: connection closed")
            buf[0] += data

    def _call(self, s: socket.socket, buf: list[bytes], command: str, arguments: dict) -> object:
        s.sendall(json.dumps({"execute": command, "arguments": arguments}).encode() + b"\n")
        reply = self._take(buf, s)
        if "error" in reply:
            raise ClusterError(f"guest agent {command}: {reply['error']}")
        return reply.get("return")

    def exec(self, argv: list[str], timeout: float = 30,
             input: str | None = None) -> subprocess.CompletedProcess:
        deadline = time.monotonic() + timeout
        s, buf = self._connect(min(timeout, 10))
        try:
            args: dict = {"path": argv[0], "arg": argv[1:], "capture-output": True}
            if input is not None:
                args["input-data"] = base64.b64encode(input.encode()).decode()
            pid = self._call(s, buf, "guest-exec", args)["pid"]
            while True:
                st = self._call(s, buf, "guest-exec-status", {"pid": pid})
                if st.get("exited"):
                    break
                if time.monotonic() >= deadline:
                    raise subprocess.TimeoutExpired(argv, timeout)
                time.sleep(0.05)
        except socket.timeout:
            raise subprocess.TimeoutExpired(argv, timeout) from None
        except OSError as e:
            raise ClusterError(f"guest agent {self.path}: {e}") from None
        finally:
            s.close()
        out = base64.b64decode(st.get("out-data", "")).decode(errors="replace")
        err = base64.b64decode(st.get("err-data", "")).decode(errors="replace")
        code = st["exitcode"] if "exitcode" in st else -int(st.get("signal", 0))
        return subprocess.CompletedProcess(argv, code, out, err)


def wait_until(what: str, fn: Callable[[], object], timeout: float, interval: float = 0.25):
    """Polls fn until it returns something truthy; raises with the last value on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
            if last:
                return last
        except (subprocess.TimeoutExpired, OSError, ClusterError) as e:
            last = e
        if time.monotonic() >= deadline:
            raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}; last: {last!r}")
        time.sleep(interval)
