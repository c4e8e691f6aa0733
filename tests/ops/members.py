"""Starting etcd2 members with any flags, for the cluster-operation tests.

Each Member is one process with its own data dir under a per-test temp dir and free
loopback ports. Nothing here sleeps as synchronisation: waits poll with deadlines.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - polled conditions may fail while starting
            last = e
        time.sleep(0.05)
    raise AssertionError("timed out after %.0fs waiting for %s (last error: %r)" % (timeout, what, last))


def http(method, url, data=None, timeout=5.0, content_type=None):
    """Returns (status, headers, body bytes); never raises on HTTP error statuses."""
    body = None
    headers = {}
    if data is not None:
        body = data if isinstance(data, bytes) else urllib.parse.urlencode(data).encode()
        headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class Member:
    def __init__(self, root, binary, name):
        self.binary = binary
        self.name = name
        self.data_dir = os.path.join(root, name)
        self.client_url = "http://127.0.0.1:%d" % free_port()
        self.peer_url = "http://127.0.0.1:%d" % free_port()
        self.log_path = os.path.join(root, name + ".log")
        self.proc = None

    def start(self, *extra):
        args = [self.binary, "--name", self.name, "--data-dir", self.data_dir,
                "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
                "--listen-peer-urls", self.peer_url, "--initial-advertise-peer-urls", self.peer_url,
                "--heartbeat-interval", "50", "--election-timeout", "500"] + list(extra)
        log = open(self.log_path, "ab")
        log.write(("=== %s\n" % " ".join(args)).encode())
        log.flush()
        self.proc = subprocess.Popen(args, stdout=log, stderr=log, start_new_session=True)
        log.close()
        return self

    def healthy(self):
        status, _, body = http("GET", self.client_url + "/health", timeout=2)
        return status == 200 and json.loads(body).get("health") == "true"

    def wait_healthy(self, timeout=30):
        wait_until(self.healthy, timeout, "%s to be healthy" % self.name)

    def wait_exit(self, timeout=30):
        return wait_until(lambda: self.proc.poll() is not None and (self.proc.returncode,),
                          timeout, "%s to exit" % self.name)[0]

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def put(self, key, value, **params):
        query = "?" + urllib.parse.urlencode(params) if params else ""
        return http("PUT", self.client_url + "/v2/keys" + key + query, {"value": value})

    def get(self, key, quorum=False):
        status, _, body = http("GET", self.client_url + "/v2/keys" + key +
                               ("?quorum=true" if quorum else ""))
        return status, json.loads(body)

    def members(self):
        return json.loads(http("GET", self.client_url + "/v2/members")[2])["members"]


class Sandbox:
    """A temp dir that owns its members: every process is killed on close."""

    def __init__(self, binary):
        self.binary = binary
        self.root = tempfile.mkdtemp(prefix="etcd2-ops-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        self.members = []

    def member(self, name):
        m = Member(self.root, self.binary, name)
        self.members.append(m)
        return m

    def static_cluster(self, n, token="ops"):
        ms = [self.member("m%d" % i) for i in range(1, n + 1)]
        cluster = ",".join("%s=%s" % (m.name, m.peer_url) for m in ms)
        for m in ms:
            m.start("--initial-cluster", cluster, "--initial-cluster-token", token)
        for m in ms:
            m.wait_healthy()
        return ms, cluster

    def logs(self):
        return "\n".join("----- %s -----\n%s" % (m.name, m.log()[-3000:]) for m in self.members)

    def close(self):
        for m in self.members:
            m.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def run_tests(module, kinds=False):
    """The command line of every ops test: --binary (stored as module.BINARY, absolute)
    and, with kinds, --kind etcd2|etcd (module.KIND; etcd2 needs --binary). The rest of
    the arguments go to unittest (-k name, ...)."""
    parser = argparse.ArgumentParser()
    if kinds:
        parser.add_argument("--kind", choices=["etcd2", "etcd"], default="etcd2")
    parser.add_argument("--binary", required=not kinds)
    args, rest = parser.parse_known_args()
    if kinds:
        module.KIND = args.kind
        if args.kind == "etcd2" and not args.binary:
            parser.error("--binary is required with --kind etcd2")
    module.BINARY = os.path.abspath(args.binary) if args.binary else None
    unittest.main(module=module, argv=[sys.argv[0]] + rest, verbosity=2)
