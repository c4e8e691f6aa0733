#!/usr/bin/python3
"""--discovery-srv end to end, run INSIDE a fresh network namespace whose resolv.conf
points at 127.0.0.1 (test_ops.py sets that up with `ip netns exec`): a stub DNS server
publishes _etcd-server._tcp.etcd.test for three members, the three etcd2 processes
bootstrap from it alone (no --initial-cluster), and must form one healthy cluster whose
members list the SRV names as peer URLs. Exit 0 passed, 1 failed.

    srv_bootstrap.py --binary build/etcd/cmd/etcd2
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dns_stub import DnsStub  # noqa: E402

NAMES = ["m1", "m2", "m3"]


def get(url):
    with urllib.request.urlopen(url, timeout=2) as r:
        return json.loads(r.read())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    a = p.parse_args()
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    zone = {"srv": {"_etcd-server._tcp.etcd.test": [("%s.etcd.test" % n, 2380 + i)
                                                    for i, n in enumerate(NAMES)]},
            "a": {"%s.etcd.test" % n: "127.0.0.1" for n in NAMES}}
    dns = DnsStub(zone, ("127.0.0.1", 53))
    dns.start()
    procs, logs = [], []
    with tempfile.TemporaryDirectory(prefix="etcd2-srv-") as root:
        try:
            for i, n in enumerate(NAMES):
                log = open(os.path.join(root, n + ".log"), "w+b")
                logs.append(log)
                procs.append(subprocess.Popen(
                    [a.binary, "--name", n, "--data-dir", os.path.join(root, n),
                     "--discovery-srv", "etcd.test",
                     # advertised by address: the member must recognise itself by resolving
                     "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % (2380 + i),
                     "--listen-peer-urls", "http://127.0.0.1:%d" % (2380 + i),
                     "--listen-client-urls", "http://127.0.0.1:%d" % (2379 + 10 * (i + 1)),
                     "--advertise-client-urls", "http://127.0.0.1:%d" % (2379 + 10 * (i + 1)),
                     "--initial-cluster-token", "srv-test",
                     "--heartbeat-interval", "50", "--election-timeout", "500"],
                    stdout=log, stderr=subprocess.STDOUT))
            deadline = time.monotonic() + 60
            members = None
            while time.monotonic() < deadline:
                try:
                    healthy = all(get("http://127.0.0.1:%d/health" % (2379 + 10 * (i + 1)))
                                  .get("health") == "true" for i in range(3))
                    members = get("http://127.0.0.1:2389/v2/members")["members"]
                    if healthy and len(members) == 3 and all(m["name"] for m in members):
                        break
                except OSError:
                    pass
                time.sleep(0.1)  # poll interval
            else:
                raise AssertionError("no healthy 3-member cluster within 60 s: %r" % members)
            peer_urls = sorted(u for m in members for u in m["peerURLs"])
            want = sorted("http://%s.etcd.test:%d" % (n, 2380 + i) for i, n in enumerate(NAMES))
            assert peer_urls == want, (peer_urls, want)
            assert sorted(m["name"] for m in members) == NAMES, members
            print("srv_bootstrap: 3 members bootstrapped from DNS SRV: %s" % peer_urls)
            return 0
        except AssertionError as e:
            print("FAIL: %s" % e)
            for n, log in zip(NAMES, logs):
                log.seek(0)
                print("----- %s -----\n%s" % (n, log.read().decode(errors="replace")[-3000:]))
            return 1
        finally:
            for proc in procs:
                proc.kill()
                proc.wait()
            dns.stop()


if __name__ == "__main__":
    sys.exit(main())
