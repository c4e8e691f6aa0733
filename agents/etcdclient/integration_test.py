#!/usr/bin/python3
"""Runs etcdclient_integration_test against real servers of one kind.

    integration_test.py --kind etcd2 --binary build/etcd/cmd/etcd2 --test <gtest binary>
    integration_test.py --kind etcd --test <gtest binary>        # /usr/bin/etcd --enable-v2

Starts a 3-member cluster (tests/compat/cluster.py) and two single TLS members (https
client URL with a throw-away CA from openssl; one also requiring client certificates),
passes their URLs to the test binary in ETCDCLIENT_* variables (see integration_test.cc)
and exits with its status (77 when the server binary is missing).
"""

import argparse
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "compat"))
import cluster as clusterlib  # noqa: E402


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_certs(d):
    """A CA, a server cert for 127.0.0.1 and a client cert (ECDSA P-256)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", d + "/ca.key", "-out", d + "/ca.pem", "-days", "2",
            "-subj", "/CN=etcdclient-test-ca")
    for name, usage in (("server", "serverAuth,clientAuth"), ("client", "clientAuth")):
        openssl("req", *ec, "-keyout", "%s/%s.key" % (d, name), "-out", "%s/%s.csr" % (d, name),
                "-subj", "/CN=" + name)
        with open("%s/%s.ext" % (d, name), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=%s\n" % usage)
        openssl("x509", "-req", "-in", "%s/%s.csr" % (d, name), "-CA", d + "/ca.pem", "-CAkey",
                d + "/ca.key", "-CAcreateserial", "-out", "%s/%s.pem" % (d, name), "-days", "2",
                "-extfile", "%s/%s.ext" % (d, name))


def start_tls_member(kind, binary, d, name, client_auth):
    client_port, peer_port = clusterlib._pick_ports(2)
    client = "https://127.0.0.1:%d" % client_port
    peer = "http://127.0.0.1:%d" % peer_port
    args = [binary] + (["--enable-v2=true"] if kind == "etcd" else []) + [
        "--name", name, "--data-dir", os.path.join(d, name),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "%s=%s" % (name, peer), "--initial-cluster-token", name,
        "--cert-file", d + "/server.pem", "--key-file", d + "/server.key"]
    if client_auth:
        args += ["--client-cert-auth", "--trusted-ca-file", d + "/ca.pem"]
    log = open(os.path.join(d, name + ".log"), "wb")
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            env=clusterlib._clean_env(), start_new_session=True,
                            preexec_fn=clusterlib._die_with_parent)
    context = ssl.create_default_context(cafile=d + "/ca.pem")
    if client_auth:
        context.load_cert_chain(d + "/client.pem", d + "/client.key")
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(client + "/health", context=context, timeout=1) as r:
                if b"true" in r.read():
                    return proc, client
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.stdout.write(open(os.path.join(d, name + ".log"), errors="replace").read()[-4000:])
            raise RuntimeError("TLS member %s did not become healthy" % name)
        time.sleep(0.05)  # poll interval


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kind", choices=clusterlib.KINDS, required=True)
    p.add_argument("--binary")
    p.add_argument("--test", required=True)
    a = p.parse_args()
    binary = a.binary or (clusterlib.REAL_ETCD if a.kind == "etcd" else None)
    if not binary or not os.access(binary, os.X_OK):
        print("SKIP: server binary %r not found" % binary)
        return 77
    procs = []
    with tempfile.TemporaryDirectory(prefix="etcdclient-tls-") as d, \
            clusterlib.Cluster(a.kind, 3, binary=binary) as c:
        try:
            make_certs(d)
            tls, tls_url = start_tls_member(a.kind, binary, d, "tls", False)
            procs.append(tls)
            mtls, mtls_url = start_tls_member(a.kind, binary, d, "mtls", True)
            procs.append(mtls)
            spare = clusterlib._pick_ports(3)
            env = dict(os.environ)
            env.update({
                "ETCDCLIENT_KIND": a.kind,
                "ETCDCLIENT_ENDPOINT": c.client_urls[c.leader()],
                "ETCDCLIENT_MEMBERS": ",".join(c.client_urls),
                "ETCDCLIENT_DEAD": "http://127.0.0.1:%d" % spare[0],
                "ETCDCLIENT_NEW_PEERS": "http://127.0.0.1:%d,http://127.0.0.1:%d" % tuple(spare[1:]),
                "ETCDCLIENT_TLS_ENDPOINT": tls_url,
                "ETCDCLIENT_TLS_CLIENT_AUTH_ENDPOINT": mtls_url,
                "ETCDCLIENT_CA": d + "/ca.pem",
                "ETCDCLIENT_CERT": d + "/client.pem",
                "ETCDCLIENT_KEY": d + "/client.key",
            })
            rc = subprocess.run([a.test], env=env, timeout=600).returncode
            if rc != 0:
                c.dump_logs(sys.stdout, tail_lines=60)
            return rc
        finally:
            for proc in procs:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    sys.exit(main())
