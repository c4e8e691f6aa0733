#!/usr/bin/python3
"""fleetctl end to end: two fleetd hosts (public IPs 127.0.0.2 and 127.0.0.3; the second one
has this machine's /etc/machine-id, so fleetctl runs its commands locally) on a one-member
etcd, and a private sshd (root, its own host key, key auth through an ssh-agent) listening on
127.0.0.1-3 whose PATH starts with fake systemctl/journalctl/sudo/fleetctl scripts that
record where (SSH_CONNECTION) and with what argv they ran. Checks:

  1. status / journal / ssh reach the unit's host with the exact argv, exit codes pass
     through, error messages for missing, unloaded and global units;
  2. known_hosts: the first connection stores the key; a changed host key fails with
     "host key mismatch"; --strict-host-key-checking=false (flag or env) works again;
  3. --tunnel: the API through `fleetctl fd-forward` on the tunnel host, and status through
     the tunnel (both hops in the known_hosts file);
  4. --driver etcd: list-units, start, destroy on the same registry;
  5. --replace (cat and the running unit's hash change; refused states warn), restart (the
     process is new), restart of a global unit (systemctl restart on each host);
  6. a template instance submitted from the registry's template; an unschedulable unit fails
     after --block-attempts with the engine's reason; verify exits 2; prefixes, bad flags;
  and at the end, passed or not: no crash line (tests/compat/crash_lines.py) in fleetctl's
  output or any fleetd's, fake_systemd's or the member's log.

    fleetctl_remote.py --fleetd F --fake-systemd S --fleetctl C (--etcd2 E | --kind etcd)

Exit status 0 passed, 1 failed (logs printed), 77 skipped (no sshd, dbus-daemon, ...).
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fleetd_single as single  # noqa: E402

clusterlib = single.clusterlib
Failure = single.Failure
wait_for = single.wait_for
SSHD = "/usr/sbin/sshd"

FAKE_TOOL = """#!/bin/sh
# fake %(name)s: records its argv and where it ran, prints a line, exits with $EXIT_CODE_FILE
server=${SSH_CONNECTION:-local}
server=$(echo "$server" | cut -d' ' -f3)
[ -n "$server" ] || server=local
{ printf '%%s %%s' "%(name)s" "$server"; for a in "$@"; do printf ' [%%s]' "$a"; done; echo; } \\
  >> %(log)s
%(body)s
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sshd:
    """A private sshd as root on 127.0.0.1-3:port, restartable with another host key."""

    def __init__(self, base, bindir):
        self.dir = os.path.join(base, "sshd")
        os.makedirs(self.dir)
        self.port = free_port()
        self.proc = None
        for key in ("hostkey1", "hostkey2", "client"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key,
                            "-f", os.path.join(self.dir, key)], check=True)
        shutil.copy(os.path.join(self.dir, "client.pub"),
                    os.path.join(self.dir, "authorized_keys"))
        self.bindir = bindir
        os.makedirs("/run/sshd", exist_ok=True)  # privilege separation directory

    def start(self, hostkey="hostkey1"):
        conf = os.path.join(self.dir, "sshd_config")
        with open(conf, "w") as f:
            f.write("\n".join([
                "Port %d" % self.port,
                "ListenAddress 127.0.0.1", "ListenAddress 127.0.0.2", "ListenAddress 127.0.0.3",
                "HostKey %s" % os.path.join(self.dir, hostkey),
                "AuthorizedKeysFile %s" % os.path.join(self.dir, "authorized_keys"),
                "PermitRootLogin yes", "StrictModes no", "UsePAM no",
                "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                "AllowTcpForwarding yes", "AllowAgentForwarding yes",
                "PidFile %s" % os.path.join(self.dir, "sshd.pid"),
                "SetEnv PATH=%s:/usr/bin:/bin" % self.bindir, ""]))
        self.log = open(os.path.join(self.dir, "sshd.log"), "a")
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", conf], stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     preexec_fn=clusterlib._die_with_parent)

        def listening():
            if self.proc.poll() is not None:
                raise Failure("sshd exited: %s" % self.logs())
            try:
                socket.create_connection(("127.0.0.3", self.port), timeout=1).close()
                return True
            except OSError:
                return False
        wait_for("sshd to listen", listening, 10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def logs(self):
        with open(os.path.join(self.dir, "sshd.log")) as f:
            return f.read()[-3000:]


class Env:
    def __init__(self, args, base, sshd, api_sock):
        self.args, self.base, self.sshd = args, base, sshd
        self.calls = os.path.join(base, "calls.log")
        self.exit_file = os.path.join(base, "exit-code")
        self.home = os.path.join(base, "home")
        os.makedirs(self.home)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FLEETCTL_")}
        self.env.update({"HOME": self.home, "FLEETCTL_ENDPOINT": "unix://" + api_sock,
                         "FLEETCTL_SSH_USERNAME": "root",
                         "PATH": os.path.join(base, "bin") + ":/usr/bin:/bin"})

    def start_agent(self):
        sock = os.path.join(self.base, "agent.sock")
        self.agent = subprocess.Popen(["ssh-agent", "-D", "-a", sock], stdout=subprocess.DEVNULL,
                                      preexec_fn=clusterlib._die_with_parent)
        wait_for("ssh-agent", lambda: os.path.exists(sock), 10)
        self.env["SSH_AUTH_SOCK"] = sock
        subprocess.run(["ssh-add", "-q", os.path.join(self.sshd.dir, "client")], env=self.env,
                       check=True, stderr=subprocess.DEVNULL)

    def run(self, *argv, env=None, cwd=None, timeout=60):
        e = dict(self.env)
        e.update(env or {})
        try:
            p = subprocess.run([self.args.fleetctl] + list(argv), env=e, cwd=cwd or self.base,
                               capture_output=True, text=True, timeout=timeout,
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as t:
            raise Failure("fleetctl %s: no answer after %d s; stderr: %s"
                          % (argv, timeout, t.stderr))
        # Whatever exit status the caller expects: ASan's is 1, fleetctl's usual failure.
        crashed = single.crash_lines.crash_lines(p.stdout + p.stderr)
        if crashed:
            raise Failure("fleetctl %s: crash line: %s" % (argv, crashed[0]))
        return p.returncode, p.stdout, p.stderr

    def ok(self, *argv, **kw):
        rc, out, err = self.run(*argv, **kw)
        if rc != 0:
            raise Failure("fleetctl %s: rc=%d\nstdout: %s\nstderr: %s" % (argv, rc, out, err))
        return out, err

    def expect_rc(self, rc_want, *argv, err_has=None, out_has=None, **kw):
        rc, out, err = self.run(*argv, **kw)
        if rc != rc_want or (err_has and err_has not in err) or (out_has and out_has not in out):
            raise Failure("fleetctl %s: want rc=%d err~%r out~%r, got rc=%d\nstdout: %s\n"
                          "stderr: %s" % (argv, rc_want, err_has, out_has, rc, out, err))
        return out, err

    def last_calls(self, n):
        with open(self.calls) as f:
            return [line.rstrip("\n") for line in f.readlines()[-n:]]

    def ssh_port(self):
        return ["--ssh-port", str(self.sshd.port)]


def write_tools(base, fleetctl):
    bindir = os.path.join(base, "bin")
    os.makedirs(bindir)
    log = os.path.join(base, "calls.log")
    exit_file = os.path.join(base, "exit-code")
    bodies = {
        "systemctl": 'echo "fake systemctl on $server: $*"\n'
                     'exit $(cat %s 2>/dev/null || echo 0)' % exit_file,
        "journalctl": 'echo "fake journal line on $server"',
        "sudo": 'exec "$@"',
        "fleetctl": 'exec %s "$@"' % fleetctl,
    }
    for name, body in bodies.items():
        path = os.path.join(bindir, name)
        with open(path, "w") as f:
            f.write(FAKE_TOOL % {"name": name, "log": log, "body": body})
        os.chmod(path, 0o755)
    return bindir


def unit_file(path, text):
    with open(path, "w") as f:
        f.write(text)


def wait_active(ctl, name, count=1):
    def active():
        out, _ = ctl.ok("list-units", "--no-legend", "--full", "--fields", "unit,active,hash")
        rows = [line.split() for line in out.splitlines() if line.split()[:1] == [name]]
        return rows if len(rows) == count and all(r[1] == "active" for r in rows) else None
    return wait_for("%s active on %d host(s)" % (name, count), active, 30)


def remote_commands(ctl, h1, h2, units):
    port = ctl.ssh_port()
    out, _ = ctl.ok("start", os.path.join(units, "hello.service"))
    if out.strip() != "Unit hello.service launched on %s.../127.0.0.2" % h1.machine_id[:8]:
        raise Failure("start hello: %r" % out)
    known = os.path.join(ctl.home, ".fleetctl", "known_hosts")
    out, _ = ctl.ok("status", "hello.service", *port)
    if "fake systemctl on 127.0.0.2: status -l hello.service" not in out:
        raise Failure("status output: %r" % out)
    if ctl.last_calls(1) != ["systemctl 127.0.0.2 [status] [-l] [hello.service]"]:
        raise Failure("status argv: %r" % ctl.last_calls(1))
    if subprocess.run(["ssh-keygen", "-F", "[127.0.0.2]:%d" % ctl.sshd.port, "-f", known],
                      capture_output=True).returncode != 0:
        raise Failure("first connection did not store the host key in %s" % known)
    with open(ctl.exit_file, "w") as f:
        f.write("3\n")
    ctl.expect_rc(3, "status", "hello.service", *port)
    os.unlink(ctl.exit_file)
    ctl.ok("journal", "hello.service", "--lines", "5", "--sudo", "-f", *port)
    want = ["sudo 127.0.0.2 [journalctl] [--unit] [hello.service] [--no-pager] [-n] [5] "
            "[--output] [short] [-f]",
            "journalctl 127.0.0.2 [--unit] [hello.service] [--no-pager] [-n] [5] [--output] "
            "[short] [-f]"]
    if ctl.last_calls(2) != want:
        raise Failure("journal argv: %r" % ctl.last_calls(2))
    out, _ = ctl.ok("journal", "hello", *port)
    if out.strip() != "fake journal line on 127.0.0.2":
        raise Failure("journal output: %r" % out)
    print("1. status/journal over ssh: right host, exact argv, exit code 3 passed through",
          flush=True)

    out, _ = ctl.ok(*port, "ssh", h1.machine_id[:6], "echo", "$SSH_CONNECTION")
    if out.split()[2:4] != ["127.0.0.2", str(ctl.sshd.port)]:
        raise Failure("ssh MACHINE: %r" % out)
    out, _ = ctl.ok(*port, "ssh", "hello.service", "echo", "via-unit", "$SSH_CONNECTION")
    if out.split()[0] != "via-unit" or out.split()[3] != "127.0.0.2":
        raise Failure("ssh UNIT: %r" % out)
    out, _ = ctl.ok(*port, "ssh", "--machine", h2.machine_id, "echo $SSH_CONNECTION")
    if out.split()[2] != "127.0.0.3":
        raise Failure("ssh --machine: %r" % out)
    ctl.expect_rc(5, *port, "ssh", "--unit", "hello", "exit 5")
    ctl.expect_rc(1, *port, "ssh", "zzzz", "true", err_has="no machine or unit named zzzz")
    ctl.expect_rc(1, "status", "nothere.service", *port,
                  err_has="Unit nothere.service does not exist.")
    unit_file(os.path.join(units, "idle.service"), "[Service]\nExecStart=/bin/sleep 1000\n")
    ctl.ok("submit", os.path.join(units, "idle.service"))
    ctl.expect_rc(1, "status", "idle.service", *port,
                  err_has="Unit idle.service does not appear to be loaded.")
    ctl.expect_rc(1, "journal", "idle.service", *port,
                  err_has="Unit idle.service does not appear to be loaded.")
    ctl.expect_rc(1, "restart", "idle.service", err_has="Unable to restart unit idle.service")
    print("2. ssh MACHINE|UNIT|--machine|--unit: right host, exit 5 passed through; "
          "missing/unloaded units refused", flush=True)


def host_keys(ctl, sshd):
    port = ctl.ssh_port()
    sshd.stop()
    sshd.start("hostkey2")
    ctl.expect_rc(1, "status", "hello.service", *port, err_has="host key mismatch")
    ctl.expect_rc(1, *port, "ssh", "hello.service", "true", err_has="host key mismatch")
    ctl.ok("status", "hello.service", "--strict-host-key-checking=false", *port)
    ctl.ok("status", "hello.service", *port, env={"FLEETCTL_STRICT_HOST_KEY_CHECKING": "false"})
    fresh = os.path.join(ctl.base, "known_hosts_fresh")
    ctl.ok("status", "hello.service", "--known-hosts-file", fresh, *port)
    os.unlink(os.path.join(ctl.home, ".fleetctl", "known_hosts"))
    ctl.ok("status", "hello.service", *port)  # a cleared file works again
    print("3. known_hosts: key stored at first use; changed key -> host key mismatch (rc 1); "
          "strict checking off (flag, env) and a fresh file work", flush=True)


def tunnel(ctl, h1):
    port = str(ctl.sshd.port)
    kh = os.path.join(ctl.base, "known_hosts_tunnel")
    t = ["--tunnel", "127.0.0.1:" + port, "--known-hosts-file", kh]
    out, _ = ctl.ok(*t, "list-machines", "--no-legend", "--full")
    if h1.machine_id not in out:
        raise Failure("list-machines through the tunnel: %r" % out)
    if not any("fd-forward" in c and c.startswith("fleetctl 127.0.0.1")
               for c in ctl.last_calls(3)):
        raise Failure("no fd-forward on the tunnel host: %r" % ctl.last_calls(3))
    out, _ = ctl.ok(*t, "status", "hello.service", "--ssh-port", port)
    if "fake systemctl on 127.0.0.2" not in out:
        raise Failure("status through the tunnel: %r" % out)
    for host in ("127.0.0.1", "127.0.0.2"):
        if subprocess.run(["ssh-keygen", "-F", "[%s]:%s" % (host, port), "-f", kh],
                          capture_output=True).returncode != 0:
            raise Failure("the tunnel did not use %s (no key stored for it)" % host)
    out, _ = ctl.ok("list-units", "--no-legend", env={"FLEETCTL_TUNNEL": "127.0.0.1:" + port,
                                                       "FLEETCTL_KNOWN_HOSTS_FILE": kh})
    if "hello.service" not in out:
        raise Failure("list-units with FLEETCTL_TUNNEL: %r" % out)
    print("4. --tunnel / FLEETCTL_TUNNEL: API via fd-forward, status via the tunnel host",
          flush=True)


def etcd_driver(ctl, etcd_url, units):
    e = ["--driver", "ETCD", "--endpoint", etcd_url]
    out, _ = ctl.ok(*e, "list-units", "--no-legend")
    if "hello.service" not in out:
        raise Failure("etcd driver list-units: %r" % out)
    unit_file(os.path.join(units, "direct.service"),
              "[Service]\nExecStart=/bin/sleep 1000\n[X-Fleet]\nMachineMetadata=role=a\n")
    out, _ = ctl.ok(*e, "start", os.path.join(units, "direct.service"))
    if not out.startswith("Unit direct.service launched on "):
        raise Failure("etcd driver start: %r" % out)
    wait_active(ctl, "direct.service")  # seen through the API too
    out, _ = ctl.ok(*e, "destroy", "direct.service")
    ctl.expect_rc(1, "cat", "direct.service", err_has="Unit direct.service not found")
    ctl.expect_rc(1, "--driver", "grpc", "list-units", err_has="must be API or etcd")
    print("5. --driver etcd: list-units, start (seen by the API), destroy", flush=True)


def read_pid(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def replace_and_restart(ctl, units):
    path = os.path.join(units, "hello.service")
    before = wait_active(ctl, "hello.service")[0][2]
    unit_file(path, "[Service]\nExecStart=/bin/sh -c 'echo $$$$ > %s/hello.pid; exec sleep 999'"
              "\n[X-Fleet]\nMachineMetadata=role=a\n" % ctl.base)
    _, err = ctl.ok("start", path)
    if "WARNING: Unit hello.service in registry differs from local unit file" not in err:
        raise Failure("no differs warning: %r" % err)
    _, err = ctl.ok("submit", "--replace", path)
    if "can not replace Unit(hello.service) in state 'launched'" not in err:
        raise Failure("submit --replace of a launched unit: %r" % err)
    out, _ = ctl.ok("start", "--replace", path)
    cat, _ = ctl.ok("cat", "hello.service")
    if "exec sleep 999" not in cat:
        raise Failure("cat after --replace: %r" % cat)
    wait_for("the running unit's hash to change",
             lambda: (lambda r: r[0][2] != before)(wait_active(ctl, "hello.service")), 30)
    pid = wait_for("the replaced unit to run", lambda: read_pid(os.path.join(ctl.base, "hello.pid")), 30)
    out, _ = ctl.ok("restart", "hello.service")
    if "Unit hello.service loaded on" not in out or "Unit hello.service launched on" not in out:
        raise Failure("restart output: %r" % out)
    wait_for("a new process after restart",
             lambda: read_pid(os.path.join(ctl.base, "hello.pid")) not in ("", pid), 30)
    print("6. --replace: warning without it, refused for submit of a launched unit, cat and "
          "hash change with it; restart starts a new process", flush=True)


def global_units(ctl, units, local):
    unit_file(os.path.join(units, "g.service"),
              "[Service]\nExecStart=/bin/sleep 1000\n[X-Fleet]\nGlobal=true\n")
    out, _ = ctl.ok("start", os.path.join(units, "g.service"))
    if out.strip() != "Triggered global unit g.service start":
        raise Failure("start global: %r" % out)
    wait_active(ctl, "g.service", 2)
    ctl.ok("restart", "g.service", *ctl.ssh_port())
    calls = sorted(c for c in ctl.last_calls(2))
    want = sorted(["systemctl 127.0.0.2 [restart] [g.service]",
                   "systemctl %s [restart] [g.service]" % ("local" if local else "127.0.0.3")])
    if calls != want:
        raise Failure("global restart: %r, want %r" % (calls, want))
    ctl.expect_rc(1, "journal", "g.service", *ctl.ssh_port(), err_has="global unit g.service")
    ctl.expect_rc(1, *ctl.ssh_port(), "ssh", "--unit", "g.service", err_has="global unit")
    print("7. global unit: restart runs systemctl restart on both hosts (%s); journal/ssh "
          "refuse it" % ("one locally" if local else "both over ssh"), flush=True)


def templates_and_scheduling(ctl, units):
    unit_file(os.path.join(units, "web@.service"),
              "[Service]\nExecStart=/bin/sleep 1000\n[X-Fleet]\nMachineMetadata=role=b\n")
    ctl.ok("submit", os.path.join(units, "web@.service"))
    elsewhere = os.path.join(ctl.base, "empty")
    os.makedirs(elsewhere)
    out, _ = ctl.ok("start", "web@1.service", cwd=elsewhere)
    if not out.startswith("Unit web@1.service launched on "):
        raise Failure("template instance start: %r" % out)
    if ctl.ok("cat", "web@1")[0] != ctl.ok("cat", "web@.service")[0]:
        raise Failure("instance differs from the registry's template")
    ctl.expect_rc(1, "start", "web2@1.service", cwd=elsewhere,
                  err_has="unable to find template Unit(web2@.service)")
    unit_file(os.path.join(units, "nope.service"),
              "[Service]\nExecStart=/bin/true\n[X-Fleet]\nMachineMetadata=role=nobody\n")
    _, err = ctl.expect_rc(1, "start", "--block-attempts", "3", os.path.join(units, "nope"),
                           err_has="timed out waiting for unit nope.service to report state "
                                   "launched: not schedulable: ")
    if err.count("Unit nope.service is not schedulable: ") != 1:
        raise Failure("reason not printed exactly once while waiting: %r" % err)
    out, _ = ctl.ok("list-unit-files", "--fields", "unit,reason", "--no-legend")
    if not any(line.startswith("nope.service") and "role=nobody" in line
               for line in out.splitlines()):
        raise Failure("list-unit-files --fields reason: %r" % out)
    print("8. template instance from the registry; unschedulable unit: reason once on stderr "
          "and in the timeout error", flush=True)


def cli(ctl):
    ctl.expect_rc(2, "verify", "x.service", err_has="deprecated")
    out, _ = ctl.ok("list-m", "--no-legend")
    if len(out.splitlines()) != 2:
        raise Failure("list-m: %r" % out)
    ctl.expect_rc(1, "st", "x", err_has="ambiguous command")
    ctl.expect_rc(1, "start", "--block-attempts", "x", "a", err_has="--block-attempts")
    ctl.expect_rc(1, "status", "--ssh-port", "0", "a", err_has="--ssh-port")
    ctl.expect_rc(1, "list-units", env={"FLEETCTL_DRIVER": "nope"}, err_has="FLEETCTL_DRIVER")
    out, _ = ctl.ok("--debug", "help")
    for word in ("journal", "--tunnel", "--replace", "fd-forward"):
        if word not in out:
            raise Failure("help lacks %s" % word)
    print("9. verify exit 2, prefix commands, bad flag values exit 1, help", flush=True)


def scenario(args, c, base):
    etcd_url = c.client_urls[0]
    bindir = write_tools(base, os.path.abspath(args.fleetctl))
    sshd = Sshd(base, bindir)
    local_id = ""
    if os.path.exists("/etc/machine-id"):
        with open("/etc/machine-id") as f:
            local_id = f.read().strip()
    h1 = single.Host(args, os.path.join(base, "h1"), etcd_url, public_ip="127.0.0.2",
                     metadata="role=a")
    h2 = single.Host(args, os.path.join(base, "h2"), etcd_url, public_ip="127.0.0.3",
                     metadata="role=b", machine_id=local_id or None)
    ctl = Env(args, base, sshd, h1.sock)
    failure = None
    try:
        sshd.start()
        ctl.start_agent()
        for h in (h1, h2):
            h.start_fleetd()
        wait_for("2 machines", lambda: len(ctl.run("list-machines", "--no-legend")[1]
                                           .splitlines()) == 2, 30)
        units = os.path.join(base, "units")
        os.makedirs(units)
        unit_file(os.path.join(units, "hello.service"),
                  "[Service]\nExecStart=/bin/sleep 1000\n[X-Fleet]\nMachineMetadata=role=a\n")
        remote_commands(ctl, h1, h2, units)
        host_keys(ctl, sshd)
        tunnel(ctl, h1)
        etcd_driver(ctl, etcd_url, units)
        replace_and_restart(ctl, units)
        global_units(ctl, units, bool(local_id))
        templates_and_scheduling(ctl, units)
        cli(ctl)
    except Failure as e:
        for h in (h1, h2):
            print("=== %s\n%s" % (h.base, h.logs()), file=sys.stderr)
        print("=== sshd\n%s" % sshd.logs(), file=sys.stderr)
        failure = e
    finally:
        for h in (h1, h2):
            h.stop()
        sshd.stop()
        agent = getattr(ctl, "agent", None)
        if agent and agent.poll() is None:
            agent.kill()
            agent.wait()
    single.check_crashes([h1.base, h2.base], c, failure)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fleetd", required=True)
    p.add_argument("--fake-systemd", required=True)
    p.add_argument("--fleetctl", required=True)
    p.add_argument("--etcd2", help="etcd2 binary (--kind etcd2)")
    p.add_argument("--kind", choices=clusterlib.KINDS, default="etcd2")
    args = p.parse_args()
    args.fleetctl = os.path.abspath(args.fleetctl)
    for tool in ("dbus-daemon", "systemd-socket-activate", "ssh", "ssh-keygen", "ssh-agent",
                 "ssh-add"):
        if shutil.which(tool) is None:
            print("SKIP: %s is not installed" % tool)
            return 77
    if not os.path.exists(SSHD):
        print("SKIP: %s is not installed (scripts/install-deps installs openssh-server)" % SSHD)
        return 77
    if os.geteuid() != 0:
        print("SKIP: the private sshd needs root")
        return 77
    if args.kind == "etcd" and not os.path.exists(clusterlib.REAL_ETCD):
        print("SKIP: the real etcd (%s) is not installed" % clusterlib.REAL_ETCD)
        return 77
    base = tempfile.mkdtemp(prefix="fleetctl-remote-")
    started = time.monotonic()
    try:
        with clusterlib.Cluster(args.kind, 1, binary=args.etcd2) as c:
            scenario(args, c, base)
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print("fleetctl remote: all checks passed in %.0f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
