#!/usr/bin/python3
"""The installed package, checked as systemd sees it: `cmake --install` into a scratch root
(DESTDIR), then `systemd-analyze verify --root` on every stock unit (syntax, known
directives, dependencies that exist, ExecStart= binaries present and executable inside that
root), plus the layout the units and docs rely on: every daemon and CLI, the units and the
docker drop-in, the etcd user for systemd-sysusers, the docs the units' Documentation= name.

    verify_units.py --build BUILD_DIR

The host's own unit tree is copied into the root first (systemd-analyze needs targets such
as sysinit.target), and a stub docker.service + dockerd so the flannel drop-in is checked
merged into the unit it extends. Exit status 0 passed, 1 failed, 77 skipped (no
systemd-analyze or no host unit tree).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

UNITS = ["etcd2.service", "fleet.service", "fleet.socket", "flanneld.service",
         "flannel-docker-opts.service", "locksmithd.service", "docker.service"]
HOST_UNITS = "/usr/lib/systemd/system"
OURS = {"etcd2", "etcdctl2", "fleetd", "fleetctl", "flanneld", "mk-docker-opts", "locksmithctl",
        "locksmithd", "coreos-cloudinit"}


class Failure(Exception):
    pass


def cache_value(build, name):
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split("=", 1)[1].strip()
    raise Failure("%s not in %s/CMakeCache.txt" % (name, build))


def install(build, root):
    env = dict(os.environ, DESTDIR=root)
    run = subprocess.run(["cmake", "--install", build], env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise Failure("cmake --install: %s%s" % (run.stdout, run.stderr))


def exec_paths(unit_text):
    """The programs a unit runs (ExecStart= and friends, without the -@:+! prefixes)."""
    paths = []
    for line in unit_text.splitlines():
        m = re.match(r"Exec(Start|StartPre|StartPost|Stop|Reload)=([-@:+!]*)(\S+)", line)
        if m:
            paths.append(m.group(3))
    return paths


def check_layout(root, prefix):
    unit_dir = root + prefix + "/lib/systemd/system"
    for unit in UNITS[:-1] + ["docker.service.d/40-flannel.conf"]:
        path = os.path.join(unit_dir, unit)
        if not os.path.isfile(path):
            raise Failure("not installed: %s" % path)
        text = open(path).read()
        for program in exec_paths(text):
            if os.path.basename(program) not in OURS:
                continue  # dockerd, mkdir, modprobe: the host's
            if not program.startswith(prefix) or not os.access(root + program, os.X_OK):
                raise Failure("%s runs %s, which is not installed" % (unit, program))
        for doc in re.findall(r"file://(\S+)", text):
            if not os.path.isfile(root + doc):
                raise Failure("%s documents itself with %s, which is not installed" % (unit, doc))
    for tool in ("etcd2", "etcdctl2", "fleetd", "fleetctl", "flanneld", "mk-docker-opts",
                 "locksmithctl"):
        if not os.access(root + prefix + "/bin/" + tool, os.X_OK):
            raise Failure("not installed: %s/bin/%s" % (prefix, tool))
    sysusers = root + prefix + "/lib/sysusers.d/corestack.conf"
    if not re.search(r"^u etcd ", open(sysusers).read(), re.M):
        raise Failure("%s does not create the etcd user" % sysusers)
    etcd2 = open(os.path.join(unit_dir, "etcd2.service")).read()
    for line in ("Type=notify", "User=etcd", "Environment=ETCD_DATA_DIR=", "Environment=ETCD_NAME=%m"):
        if line not in etcd2:
            raise Failure("etcd2.service lacks %r" % line)


def stub_docker(root, prefix):
    """docker is not part of the package; a stand-in lets the drop-in be verified."""
    unit_dir = root + prefix + "/lib/systemd/system"
    with open(os.path.join(unit_dir, "docker.service"), "w") as f:
        f.write("[Unit]\nDescription=stand-in docker\n\n[Service]\nExecStart=/usr/bin/dockerd\n")
    dockerd = root + "/usr/bin/dockerd"
    os.makedirs(os.path.dirname(dockerd), exist_ok=True)
    with open(dockerd, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(dockerd, 0o755)


def verify(root):
    # The host's units, for the targets ours hang off; ours win where names collide.
    target = root + HOST_UNITS
    os.makedirs(target, exist_ok=True)
    for name in os.listdir(HOST_UNITS):
        src, dst = os.path.join(HOST_UNITS, name), os.path.join(target, name)
        if not os.path.lexists(dst) and not os.path.isdir(src):
            shutil.copy(src, dst, follow_symlinks=False)
    run = subprocess.run(["systemd-analyze", "verify", "--root=" + root] + UNITS,
                         capture_output=True, text=True, timeout=120)
    ours = [l for l in (run.stdout + run.stderr).splitlines()
            if any(u.split(".")[0] in l for u in UNITS)]
    if run.returncode != 0 or ours:
        raise Failure("systemd-analyze verify (exit %d):\n%s%s" % (
            run.returncode, run.stdout, run.stderr))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", required=True)
    args = p.parse_args()
    if shutil.which("systemd-analyze") is None or not os.path.isdir(HOST_UNITS):
        print("SKIP: systemd-analyze or %s is missing" % HOST_UNITS)
        return 77
    prefix = cache_value(args.build, "CMAKE_INSTALL_PREFIX")
    root = tempfile.mkdtemp(prefix="corestack-install-")
    try:
        install(args.build, root)
        check_layout(root, prefix)
        stub_docker(root, prefix)
        verify(root)
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("units: installed under %s and verified by systemd-analyze: %s" % (
        prefix, " ".join(UNITS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
