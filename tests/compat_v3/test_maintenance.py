"""Maintenance service through etcdctl: snapshot save (then the offline `snapshot status`
and `snapshot restore` on the file, which read it as etcd's bbolt backend followed by a
sha256 of it), defrag, alarm list/disarm."""

import hashlib
import os
import shutil
import tempfile

from v3compat import ENV, V3Case, needs


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
