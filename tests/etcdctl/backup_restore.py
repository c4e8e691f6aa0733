#!/usr/bin/python3
"""backup → restore with --force-new-cluster → the keys are back.

A 3-member etcd2 cluster (snapshots every 50 entries, so the backup crosses snapshot
files and purged WAL segments) gets a keyspace: nested directories, in-order keys, a
TTL key, binary-ish values, 300 keys. One member is stopped, `etcdctl2 backup` copies its
data dir, and the copy is started as a new one-member cluster on fresh ports with
`etcd2 --force-new-cluster --data-dir <backup>`. Checked: the whole keyspace (keys,
values, dir flags, TTL presence) equals the original; the restored cluster has one
member with a new member ID and a new cluster ID; it accepts writes; it knows nothing of
the old members; the original cluster is unaffected.

    backup_restore.py --etcd2 build/etcd/cmd/etcd2 --ctl build/etcd/cmd/etcdctl2
Exit status 0 passed, 1 failed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compat"))
import cluster as clusterlib  # noqa: E402


def request(url, method, path, body=None):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def put(url, key, value, extra=""):
    body = urllib.parse.urlencode({"value": value}) + extra
    status, _, data = request(url, "PUT", "/v2/keys" + urllib.parse.quote(key), body)
    assert status in (200, 201), (key, status, data)


def keyspace(url):
    """Every node under / as {key: (dir, value, has_ttl)}, via a sorted recursive GET."""
    status, _, body = request(url, "GET", "/v2/keys/?recursive=true&sorted=true")
    assert status == 200, (status, body)
    out = {}

    def walk(node):
        for n in node.get("nodes", []):
            out[n["key"]] = (n.get("dir", False), n.get("value"), "ttl" in n)
            walk(n)
    walk(json.loads(body)["node"])
    return out


def fill(url):
    for i in range(300):
        put(url, "/bulk/k%03d" % i, "value-%d" % i)
    put(url, "/a/b/c/deep", "deep value")
    put(url, "/odd/chars", "sp ace & amp; ümlaut \"q\" \\ /")
    put(url, "/ttl/key", "lives long", "&ttl=3600")
    status, _, _ = request(url, "PUT", "/v2/keys/emptydir?dir=true")
    assert status == 201
    for i in range(3):
        status, _, _ = request(url, "POST", "/v2/keys/queue",
                               urllib.parse.urlencode({"value": "job%d" % i}))
        assert status == 201
    put(url, "/bulk/k000", "overwritten")
    status, _, _ = request(url, "DELETE", "/v2/keys/bulk/k001")
    assert status == 200


def wait_healthy(url, deadline):
    last = None
    while time.monotonic() < deadline:
        try:
            status, _, body = clusterlib.http_get(url, "/health", timeout=1.0)
            if status == 200 and json.loads(body).get("health") == "true":
                return
            last = (status, body)
        except (OSError, ValueError, http.client.HTTPException) as e:
            last = repr(e)
        time.sleep(0.05)  # poll interval
    raise AssertionError("restored member not healthy: %r" % (last,))


def restore(etcd2, backup_dir, work):
    client_port, peer_port = clusterlib._pick_ports(2)
    client = "http://127.0.0.1:%d" % client_port
    peer = "http://127.0.0.1:%d" % peer_port
    log = open(os.path.join(work, "restored.log"), "wb")
    proc = subprocess.Popen(
        [etcd2, "--force-new-cluster", "--name", "restored", "--data-dir", backup_dir,
         "--listen-client-urls", client, "--advertise-client-urls", client,
         "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
         "--heartbeat-interval", "100", "--election-timeout", "1000"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        env=clusterlib._clean_env(), start_new_session=True,
        preexec_fn=clusterlib._die_with_parent)
    return proc, client, os.path.join(work, "restored.log")


def check(c, ctl, etcd2, work):
    source = c.members[c.followers()[0]]
    old_ids = set(c.member_ids().values())
    before = keyspace(c.client_urls[c.leader()])
    _, headers, _ = request(source.client_url, "GET", "/v2/keys/")
    old_cluster = headers["x-etcd-cluster-id"]
    c.terminate(source.index)
    backup_dir = os.path.join(work, "backup")
    r = subprocess.run([ctl, "backup", "--data-dir", source.data_dir, "--backup-dir", backup_dir],
                       capture_output=True, text=True, timeout=60)
    print("backup: rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    assert r.returncode == 0, "backup failed"
    again = subprocess.run([ctl, "backup", "--data-dir", source.data_dir,
                            "--backup-dir", backup_dir], capture_output=True, text=True)
    assert again.returncode != 0, "a second backup into the same dir must be refused"
    proc, url, log = restore(etcd2, backup_dir, work)
    try:
        wait_healthy(url, time.monotonic() + 30)
        after = keyspace(url)
        missing = sorted(set(before) ^ set(after))
        changed = sorted(k for k in before if k in after and before[k] != after[k])
        assert not missing and not changed, "keyspace differs: %r %r" % (missing[:10], changed[:10])
        print("restored %d nodes" % len(after))
        status, _, body = request(url, "GET", "/v2/members")
        members = json.loads(body)["members"]
        assert len(members) == 1, members
        assert members[0]["id"] not in old_ids, (members, old_ids)
        _, headers, _ = request(url, "GET", "/v2/keys/")
        assert headers["x-etcd-cluster-id"] != old_cluster
        put(url, "/after/restore", "writable")
        out = subprocess.run([ctl, "--endpoints", url, "get", "/a/b/c/deep"],
                             capture_output=True, text=True, timeout=30)
        assert out.stdout == "deep value\n", (out.stdout, out.stderr)
        ls = subprocess.run([ctl, "--endpoints", url, "member", "list"],
                            capture_output=True, text=True, timeout=30)
        print(ls.stdout, ls.stderr)
        assert ls.returncode == 0 and "isLeader=true" in ls.stdout
    except BaseException:
        sys.stdout.write(open(log, errors="replace").read()[-6000:])
        raise
    finally:
        proc.kill()
        proc.wait()
    remaining = c.client_urls[c.leader()]
    assert keyspace(remaining) == before, "the original cluster changed"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--etcd2", required=True)
    p.add_argument("--ctl", required=True)
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="etcdctl-backup-",
                                     dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as work:
        with clusterlib.Cluster("etcd2", 3, binary=a.etcd2,
                                extra_args=["--snapshot-count", "50"]) as c:
            fill(c.client_urls[c.leader()])
            check(c, a.ctl, a.etcd2, work)
    print("backup/restore: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
