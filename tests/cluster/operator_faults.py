"""Faults an operator's day brings rather than the network: a member's disk fills up, and a
member is removed and added back (fresh data dir, new member ID) while clients write.

Both return (description, heal, killed, tolerated) for faults.py; `tolerated` maps a member
to the crash lines the fault is meant to cause.
"""

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request

import harness as H

NO_SPACE = re.compile(r"No space left on device|database or disk is full")
# How much room the member's tmpfs has beyond its data when the fault starts.
TMPFS_HEADROOM = 8 << 20


class NotApplicable(Exception):
    """The fault cannot run here (faults.py turns it into a skipped round)."""


def _allocated_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_blocks * 512
            except OSError:
                pass
    return total


def _fill(path):
    """Writes a file into `path` until its file system is full."""
    chunk = b"\0" * (64 << 10)
    with open(os.path.join(path, "filler"), "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass


def disk_full(h, x, deadline_s):
    """Moves member x's data dir onto a small tmpfs, lets it serve, then fills the file
    system. x must stop with a clear "No space left on device" message (it may write
    into preallocated WAL space until its next snapshot, taken every 100 entries here).
    Heal: the data as the full disk left it goes back to the real disk, x restarts from it
    and must catch up."""
    if os.geteuid() != 0:
        raise NotApplicable("needs root to mount a tmpfs")
    m = h.members[x]
    h.kill(x)
    disk = m.data_dir + ".disk"
    os.rename(m.data_dir, disk)
    os.makedirs(m.data_dir)
    size = _allocated_bytes(disk) + TMPFS_HEADROOM
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % size, "tmpfs", m.data_dir],
                   check=True, capture_output=True)
    try:
        subprocess.run(["cp", "-a", disk + "/.", m.data_dir], check=True, capture_output=True)
        m.extra_args = ["--snapshot-count", "100"]
        h.restart(x)
        mark = h.mark()
        _fill(m.data_dir)
        if not H.poll(lambda: not m.running, deadline_s):
            raise RuntimeError("m%d still running %.0fs after its disk filled up"
                               % (x, deadline_s))
        log = h.log_since(mark, x)
        if not NO_SPACE.search(log):
            raise RuntimeError("m%d stopped on a full disk without saying so (exit %s):\n%s"
                               % (x, m.proc.returncode, log[-1500:]))
        h.down.add(x)
    except BaseException:
        _restore(h, x, disk)
        raise

    def heal():
        _restore(h, x, disk)
        h.restart(x)
    return "disk-full(m%d, exit %s)" % (x, m.proc.returncode), heal, [x], {x: NO_SPACE}


def _restore(h, x, disk):
    """Puts the data (as the full disk left it, minus the filler) back on the real disk."""
    m = h.members[x]
    h.kill(x)
    m.extra_args = []
    try:
        os.unlink(os.path.join(m.data_dir, "filler"))
    except FileNotFoundError:
        pass
    shutil.rmtree(disk)
    shutil.copytree(m.data_dir, disk, symlinks=True)
    subprocess.run(["umount", m.data_dir], check=True, capture_output=True)
    os.rmdir(m.data_dir)
    os.rename(disk, m.data_dir)


def _json(url, method, path, body=None, timeout=5.0):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw


def _member_id(h, via, peer_url):
    st, js = _json(h.client_urls[via], "GET", "/v2/members")
    if st != 200:
        raise RuntimeError("GET /v2/members on m%d: HTTP %d %r" % (via, st, js))
    for mem in js["members"]:
        if peer_url in mem.get("peerURLs", []):
            return mem["id"]
    return None


def remove_member(h, x, via, deadline_s):
    """Removes member x through member `via` (x may be the leader: leadership moves
    first). x must stop by itself. Heal: x is added back with a fresh data dir and
    --initial-cluster-state existing, and must join (as a learner, then promoted)."""
    m = h.members[x]
    mid = _member_id(h, via, m.peer_url)
    if mid is None:
        raise RuntimeError("m%d is not in the member list" % x)

    def removed():
        try:
            st, js = _json(h.client_urls[via], "DELETE", "/v2/members/" + mid)
        except OSError:
            return False
        if st in (204, 404):  # 404: an earlier attempt went through
            return True
        if st == 500 or st == 503:  # e.g. leadership moving: try again
            return False
        raise RuntimeError("DELETE /v2/members/%s on m%d: HTTP %d %r" % (mid, via, st, js))
    if not H.poll(removed, deadline_s, interval=0.2):
        raise RuntimeError("could not remove m%d within %.0fs" % (x, deadline_s))
    if not H.poll(lambda: not m.running, deadline_s):
        raise RuntimeError("m%d still running %.0fs after its removal" % (x, deadline_s))
    h.down.add(x)

    def heal():
        h.kill(x)
        shutil.rmtree(m.data_dir, ignore_errors=True)

        def added():
            try:
                st, js = _json(h.client_urls[via], "POST", "/v2/members",
                               {"peerURLs": [m.peer_url]})
            except OSError:
                return False
            if st == 201:
                return True
            if st in (500, 503):
                return False
            raise RuntimeError("POST /v2/members on m%d: HTTP %d %r" % (via, st, js))
        if not H.poll(added, deadline_s, interval=0.2):
            raise RuntimeError("could not add m%d back within %.0fs" % (x, deadline_s))
        m.initial_cluster_state = "existing"
        h.restart(x)
    return "remove-member(m%d via m%d)" % (x, via), heal, [x], {}
