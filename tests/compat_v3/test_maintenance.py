"""Maintenance service through etcdctl: snapshot save (then the offline `snapshot status`
and `snapshot restore` on the file, which read it as etcd's bbolt backend followed by a
sha256 of it, and the real etcd serving the restored data dir), defrag, alarm
list/disarm."""

import hashlib
import os
import shutil
import subprocess
import tempfile

import cluster
from v3compat import ENV, V3Case, b64, etcdctl, needs, unb64, wait_until


class CtlSnapshot(V3Case):
    SERVICES = ("maintenance", "kv")

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="compat-v3-snap-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def save(self):
        path = os.path.join(self.tmp, "s.db")
        r = self.ctl_ok("snapshot", "save", path)
        self.assertEqual(r.out, "Snapshot saved at %s\n" % path)
        self.assertEqual(r.errlines, [], r)  # progress goes to the client's log lines only
        self.assertFalse(os.path.exists(path + ".part"))
        self.assertGreater(os.path.getsize(path), 32)
        return path

    def test_save_ends_with_the_sha256_of_the_backend(self):
        self.put(self.k("a"), "in the snapshot")
        with open(self.save(), "rb") as f:
            data = f.read()
        self.assertEqual(hashlib.sha256(data[:-32]).digest(), data[-32:])

    @needs("bbolt")
    def test_save_status_restore(self):
        rev = self.put(self.k("a"), "in the snapshot")
        path = self.save()
        size = os.path.getsize(path)

        j = self.ctl_json("snapshot", "status", path)
        self.assertEqual(sorted(j), ["hash", "revision", "totalKey", "totalSize"], j)
        self.assertGreaterEqual(j["revision"], rev)
        self.assertGreaterEqual(j["totalKey"], 1)
        # the file is the backend's bytes plus a 32-byte sha256 of them
        self.assertEqual(j["totalSize"], size - 32)
        r = self.ctl_ok("snapshot", "status", path)
        self.assertRegex(r.out, r"\A%x, %d, %d, \d+(\.\d+)? [kMG]?B\n\Z"
                         % (j["hash"], j["revision"], j["totalKey"]))

        # restore checks the sha256 and rebuilds a data dir from the backend
        data = os.path.join(self.tmp, "restored")
        r = self.ctl_ok("snapshot", "restore", path, "--data-dir", data)
        self.assertEqual(r.out, "")
        self.assertTrue(os.path.isfile(os.path.join(data, "member", "snap", "db")), r)

    @needs("bbolt")
    def test_truncated_snapshot_fails_restore(self):
        path = os.path.join(self.tmp, "s.db")
        self.ctl_ok("snapshot", "save", path)
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) - 5)
        r = self.ctl("snapshot", "restore", path, "--data-dir", os.path.join(self.tmp, "r"))
        self.assertCtlError(r, 1, ["Error: snapshot missing hash but --skip-hash-check=false"])

    @needs("bbolt", "lease")
    def test_restore_into_real_etcd_serves_the_same_keyspace(self):
        # The migration path: what a member served, etcd 3.4 serves from the restored file.
        if not os.access(cluster.REAL_ETCD, os.X_OK):
            self.skipTest("needs %s (Debian etcd-server)" % cluster.REAL_ETCD)
        lease = self.ctl_json("lease", "grant", "600")["ID"]
        self.cleanup_quietly(self.ctl, "lease", "revoke", "%x" % lease)
        first = self.put(self.k("a"), "1")
        self.put(self.k("a"), "2")
        self.put(self.k("big"), "x" * 70000)  # a value over many bbolt pages
        self.put(self.k("gone"), "deleted before the snapshot")
        self.ctl_ok("del", self.k("gone"))
        self.put(self.k("leased"), "with a lease", "--lease=%x" % lease)
        before = self.ctl_json("get", "", "--prefix")  # the whole keyspace, other cases' too
        path = self.save()

        url = self.start_restored_etcd(path)
        after = etcdctl(url, "get", "", "--prefix", "-w", "json")
        self.assertEqual(after.rc, 0, after)
        after = after.json()
        # keys, values, create/mod revisions, versions and leases, and the revision
        self.assertIn(self.k("leased"), [unb64(kv["key"]) for kv in before["kvs"]])
        self.assertEqual(after["kvs"], before["kvs"])
        self.assertEqual(after["count"], before["count"])
        self.assertEqual(after["header"]["revision"], before["header"]["revision"])
        # history not compacted away came along
        old = etcdctl(url, "get", self.k("a"), "--rev=%d" % first, "--print-value-only")
        self.assertEqual((old.rc, old.out), (0, "1\n"), old)
        ttl = etcdctl(url, "lease", "timetolive", "%x" % lease, "--keys", "-w", "json")
        self.assertEqual(ttl.rc, 0, ttl)
        self.assertEqual(ttl.json()["granted-ttl"], 600, ttl)
        self.assertEqual(ttl.json()["keys"], [b64(self.k("leased"))], ttl)

    def start_restored_etcd(self, path):
        """Restores `path` into a fresh data dir and starts the real etcd on it (stopped
        at cleanup); returns its client URL once it answers a linearizable get."""
        peer, client = ["http://127.0.0.1:%d" % p for p in cluster._pick_ports(2)]
        data = os.path.join(self.tmp, "migrated.etcd")
        initial = ["--name", "migrated", "--initial-cluster", "migrated=" + peer,
                   "--initial-advertise-peer-urls", peer]
        self.ctl_ok("snapshot", "restore", path, "--data-dir", data, *initial)
        log_path = os.path.join(self.tmp, "etcd.log")
        log = open(log_path, "wb")
        proc = subprocess.Popen(
            [cluster.REAL_ETCD, "--data-dir", data, "--listen-peer-urls", peer,
             "--listen-client-urls", client, "--advertise-client-urls", client] + initial,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=cluster._clean_env(), start_new_session=True,
            preexec_fn=cluster._die_with_parent)

        def stop():
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
            log.close()
        self.addCleanup(stop)
        try:
            wait_until(lambda: proc.poll() is None and etcdctl(client, "get", "x").rc == 0,
                       timeout=30, what="the restored etcd to serve")
        except AssertionError as e:
            with open(log_path, "rb") as f:
                tail = f.read()[-4000:].decode("utf-8", "replace")
            raise AssertionError("%s\n--- etcd log ---\n%s" % (e, tail)) from None
        return client

    def test_save_from_every_member(self):
        for i, url in enumerate(self.urls):
            path = os.path.join(self.tmp, "m%d.db" % i)
            r = self.ctl_ok("snapshot", "save", path, endpoints=url)
            self.assertEqual(r.out, "Snapshot saved at %s\n" % path)
            if "bbolt" in ENV.services:
                self.assertEqual(self.ctl("snapshot", "status", path).rc, 0)

    def test_status_missing_file(self):
        path = os.path.join(self.tmp, "none.db")
        r = self.ctl("snapshot", "status", path)
        self.assertCtlError(r, 1, ["Error: stat %s: no such file or directory" % path])


class CtlMaintenance(V3Case):
    SERVICES = ("maintenance",)

    def test_defrag(self):
        r = self.ctl_ok("defrag")
        self.assertEqual(r.out, "Finished defragmenting etcd member[%s]\n" % self.url)

    @needs("cluster")
    def test_defrag_cluster(self):
        r = self.ctl_ok("defrag", "--cluster")
        self.assertEqual(sorted(r.out.splitlines()),
                         sorted("Finished defragmenting etcd member[%s]" % u for u in self.urls))

    @needs("kv")
    def test_defrag_keeps_data(self):
        self.put(self.k("a"), "v")
        self.ctl_ok("defrag")
        self.assertEqual(self.ctl_ok("get", self.k("a")).out, "%s\nv\n" % self.k("a"))

    def test_alarm_list_empty(self):
        r = self.ctl_ok("alarm", "list")
        self.assertEqual(r.out, "")
        # etcd 3.4 sends the AlarmResponse without a header: the JSON is an empty object
        r = self.ctl_ok("alarm", "list", "-w", "json")
        self.assertEqual(r.out, "{}\n")

    def test_alarm_disarm_nothing(self):
        r = self.ctl_ok("alarm", "disarm")
        self.assertEqual(r.out, "")
        self.assertEqual(self.ctl_ok("alarm", "list").out, "")


class CtlQuota(V3Case):
    """--quota-backend-bytes: past the quota a put fails with NOSPACE and raises the alarm;
    while it is raised every put fails, deletes still work; compaction, defrag and a
    disarm make the member take writes again. A one-member cluster of its own."""

    SERVICES = ("maintenance", "kv")
    QUOTA = 1 << 20
    NOSPACE = "Error: etcdserver: mvcc: database space exceeded"

    def setUp(self):
        super().setUp()
        self.own = cluster.Cluster(ENV.kind, 1, binary=ENV.cluster.binary,
                                   extra_args=["--quota-backend-bytes", str(self.QUOTA)])
        self.addCleanup(self.own.stop)
        self.url = self.own.client_urls[0]
        wait_until(lambda: self.ctl("put", self.k("ready"), "1").rc == 0, timeout=30,
                   what="the quota cluster to take a v3 put")

    def test_nospace_alarm_blocks_puts_until_disarmed(self):
        value = "x" * 65536
        failed = None
        for i in range(100):  # 6.4 MiB at most: far past the quota
            r = self.ctl("put", self.k("big/%03d" % i), value)
            if r.rc != 0:
                failed = r
                break
        self.assertIsNotNone(failed, "100 puts of 64 KiB all fit a 1 MiB quota")
        self.assertGreater(i, 0, failed)  # the empty database is under the quota
        self.assertCtlError(failed, 1, [self.NOSPACE])
        self.assertIn("alarm:NOSPACE", self.ctl_ok("alarm", "list").out)

        # raised: even a small put fails, reads and deletes work
        self.assertCtlError(self.ctl("put", self.k("small"), "1"), 1, [self.NOSPACE])
        self.assertEqual(self.ctl_ok("get", self.k("big/000"), "--print-value-only").out,
                         value + "\n")
        self.assertEqual(self.ctl_ok("del", self.k("big/"), "--prefix").out, "%d\n" % i)

        # free the space, then disarm: writes are taken again
        self.ctl_ok("compact", str(self.rev()))
        self.ctl_ok("defrag")
        self.ctl_ok("alarm", "disarm")
        self.assertEqual(self.ctl_ok("alarm", "list").out, "")
        self.ctl_ok("put", self.k("small"), "1")
        self.assertEqual(self.ctl_ok("get", self.k("small"), "--print-value-only").out, "1\n")
