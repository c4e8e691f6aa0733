"""TLS on etcd2's client and peer ports with real processes (issue 7, docs/etcd2.md "TLS").

A throwaway CA made by the openssl CLI; a 3-member cluster with https client and peer URLs
and client-certificate auth on both. The real etcdctl (ETCDCTL_API=2) sets, gets and checks
cluster health over TLS; a client without a certificate is refused; plain HTTP to the TLS
client port gets Go's 400 answer and is logged once; a member whose certificate comes from
another CA cannot join (its peers refuse the handshake) while the cluster stays healthy.
The v3 API (gRPC) is served on the same https URLs: the real etcdctl (ETCDCTL_API=3) and
python3-etcd3 (gRPC C-core, which insists on ALPN "h2") put and get over TLS, and a client
without a certificate is refused there too.

Run: /usr/bin/python3 tests/ops/test_tls.py --binary build/etcd/cmd/etcd2 [-k name]
"""
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from members import Member, Sandbox, free_port, run_tests, wait_until  # noqa: E402

BINARY = None
ETCDCTL = "/usr/bin/etcdctl"
PLAIN_ANSWER = b"Client sent an HTTP request to an HTTPS server."


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


class Pki:
    """CAs and certificates (valid for 127.0.0.1, server and client use) in `root`."""

    KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def __init__(self, root):
        self.root = root

    def path(self, name):
        return os.path.join(self.root, name)

    def ca(self, name):
        openssl("req", "-x509", *self.KEY, "-days", "2", "-subj", "/CN=" + name,
                "-keyout", self.path(name + ".key"), "-out", self.path(name + ".crt"))

    def cert(self, ca, name):
        with open(self.path(name + ".ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n")
        openssl("req", *self.KEY, "-subj", "/CN=" + name, "-keyout", self.path(name + ".key"),
                "-out", self.path(name + ".csr"))
        openssl("x509", "-req", "-days", "2", "-in", self.path(name + ".csr"),
                "-CA", self.path(ca + ".crt"), "-CAkey", self.path(ca + ".key"),
                "-CAcreateserial", "-out", self.path(name + ".crt"),
                "-extfile", self.path(name + ".ext"))


class TlsMember(Member):
    """A member with https client and peer URLs, its certificate from `ca`."""

    def __init__(self, root, binary, name, pki, ca):
        super().__init__(root, binary, name)
        self.client_url = "https://127.0.0.1:%d" % free_port()
        self.peer_url = "https://127.0.0.1:%d" % free_port()
        self.pki = pki
        self.ca = ca
        pki.cert(ca, name)

    def tls_flags(self):
        cert, key, ca = (self.pki.path(self.name + ".crt"), self.pki.path(self.name + ".key"),
                         self.pki.path(self.ca + ".crt"))
        return ["--cert-file", cert, "--key-file", key, "--trusted-ca-file", ca,
                "--client-cert-auth",
                "--peer-cert-file", cert, "--peer-key-file", key, "--peer-trusted-ca-file", ca,
                "--peer-client-cert-auth"]

    def start(self, *extra):
        return super().start(*(self.tls_flags() + list(extra)))

    def https(self, path, method="GET", cert="client"):
        context = ssl.create_default_context(cafile=self.pki.path(self.ca + ".crt"))
        if cert:
            context.load_cert_chain(self.pki.path(cert + ".crt"), self.pki.path(cert + ".key"))
        req = urllib.request.Request(self.client_url + path, method=method)
        with urllib.request.urlopen(req, timeout=5, context=context) as r:
            return r.status, r.read()

    def healthy(self):
        status, body = self.https("/health")
        return status == 200 and json.loads(body).get("health") == "true"


class TlsCase(unittest.TestCase):
    def setUp(self):
        self.box = Sandbox(BINARY)
        self.pki = Pki(self.box.root)
        self.pki.ca("ca1")
        self.pki.cert("ca1", "client")

    def tearDown(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is not None and any(t is self for t, _ in result.errors + result.failures):
            print(self.box.logs(), file=sys.stderr)
        self.box.close()

    def cluster(self, specs):
        """Starts members named by `specs` [(name, ca)], bootstrapped together; returns them."""
        ms = []
        for name, ca in specs:
            m = TlsMember(self.box.root, BINARY, name, self.pki, ca)
            self.box.members.append(m)
            ms.append(m)
        initial = ",".join("%s=%s" % (m.name, m.peer_url) for m in ms)
        for m in ms:
            m.start("--initial-cluster", initial, "--initial-cluster-token", "tls")
        return ms

    def etcdctl(self, members, *args, cert="client"):
        flags = ["--endpoints", ",".join(m.client_url for m in members),
                 "--ca-file", self.pki.path("ca1.crt")]
        if cert:
            flags += ["--cert-file", self.pki.path(cert + ".crt"),
                      "--key-file", self.pki.path(cert + ".key")]
        env = dict(os.environ, ETCDCTL_API="2")
        return subprocess.run([ETCDCTL] + flags + list(args), env=env, capture_output=True,
                              text=True, timeout=30)

    def test_etcdctl_over_tls_and_refusals(self):
        ms = self.cluster([("m1", "ca1"), ("m2", "ca1"), ("m3", "ca1")])
        for m in ms:
            m.wait_healthy()
        out = self.etcdctl(ms, "set", "/tls/key", "secret")
        self.assertEqual(out.returncode, 0, out.stderr)
        out = self.etcdctl(ms[2:], "get", "/tls/key")
        self.assertEqual((out.returncode, out.stdout.strip()), (0, "secret"), out.stderr)
        out = self.etcdctl(ms, "cluster-health")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("cluster is healthy", out.stdout)
        self.assertEqual(out.stdout.count("is healthy: got healthy result from https://"), 3)

        # --client-cert-auth: no certificate, no answer.
        out = self.etcdctl(ms, "get", "/tls/key", cert=None)
        self.assertNotEqual(out.returncode, 0)
        self.assertNotIn("secret", out.stdout)
        with self.assertRaises((ssl.SSLError, OSError)):
            ms[0].https("/v2/keys/tls/key", cert=None)
        wait_until(lambda: re.search(r"http: TLS handshake with 127\.0\.0\.1:\d+ failed: "
                                     r"peer did not return a certificate", ms[0].log()),
                   what="the refused handshake in the log")

        # Plain HTTP to the TLS client port: Go's 400, the connection closed, one log line.
        port = int(ms[0].client_url.rsplit(":", 1)[1])
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"GET /v2/keys/tls/key HTTP/1.1\r\nHost: x\r\n\r\n")
                answer = b""
                while chunk := s.recv(4096):
                    answer += chunk
            self.assertTrue(answer.startswith(b"HTTP/1.0 400 Bad Request"), answer)
            self.assertIn(PLAIN_ANSWER, answer)
        self.assertEqual(ms[0].log().count("on a TLS client port: refused"), 1,
                         "refusals after the first are debug lines")
        for m in ms:
            self.assertTrue(m.healthy())

    def etcdctl3(self, members, *args, cert="client"):
        flags = ["--endpoints", ",".join(m.client_url for m in members),
                 "--cacert", self.pki.path("ca1.crt"), "--dial-timeout", "5s",
                 "--command-timeout", "10s"]
        if cert:
            flags += ["--cert", self.pki.path(cert + ".crt"),
                      "--key", self.pki.path(cert + ".key")]
        env = dict(os.environ, ETCDCTL_API="3")
        return subprocess.run([ETCDCTL] + flags + list(args), env=env, capture_output=True,
                              text=True, timeout=60)

    def test_v3_grpc_over_tls(self):
        ms = self.cluster([("m1", "ca1"), ("m2", "ca1"), ("m3", "ca1")])
        for m in ms:
            m.wait_healthy()
        out = self.etcdctl3(ms, "put", "tls3/key", "secret")
        self.assertEqual((out.returncode, out.stdout.strip()), (0, "OK"), out.stderr)
        out = self.etcdctl3(ms[1:2], "get", "tls3/key", "--print-value-only")
        self.assertEqual((out.returncode, out.stdout.strip()), (0, "secret"), out.stderr)
        out = self.etcdctl3(ms, "endpoint", "health")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual((out.stdout + out.stderr).count("is healthy"), 3, out.stdout)
        # HTTP/1.1 keeps working on the same port beside the gRPC connections.
        self.assertEqual(self.etcdctl(ms, "set", "/tls/v2", "still").returncode, 0)

        # --client-cert-auth holds for gRPC as for HTTP/1.1.
        out = self.etcdctl3(ms[:1], "get", "tls3/key", cert=None)
        self.assertNotEqual(out.returncode, 0)
        self.assertNotIn("secret", out.stdout)

        import etcd3  # python3-etcd3: gRPC C-core checks the ALPN answer
        host, port = ms[2].client_url[len("https://"):].rsplit(":", 1)
        client = etcd3.client(host=host, port=int(port), ca_cert=self.pki.path("ca1.crt"),
                              cert_key=self.pki.path("client.key"),
                              cert_cert=self.pki.path("client.crt"), timeout=10)
        client.put("tls3/python", "ok")
        value, _ = client.get("tls3/key")
        self.assertEqual(value, b"secret")
        client.close()
        out = self.etcdctl3(ms[:1], "get", "tls3/python", "--print-value-only")
        self.assertEqual(out.stdout.strip(), "ok", out.stderr)

    def test_member_with_certificate_from_another_ca_cannot_join(self):
        self.pki.ca("ca2")
        ms = self.cluster([("m1", "ca1"), ("m2", "ca1"), ("m3", "ca1"), ("rogue", "ca2")])
        good, rogue = ms[:3], ms[3]
        for m in good:
            m.wait_healthy()
        wait_until(lambda: "peer transport: TLS handshake with" in good[0].log(),
                   what="a member to refuse the rogue's handshake")
        out = self.etcdctl(good, "set", "/tls/after", "ok")
        self.assertEqual(out.returncode, 0, out.stderr)
        # The rogue never took part: remove it and the cluster is fully healthy.
        members = json.loads(good[0].https("/v2/members")[1])["members"]
        rogue_id = next(m["id"] for m in members if rogue.peer_url in m["peerURLs"])
        out = self.etcdctl(good, "member", "remove", rogue_id)
        self.assertEqual(out.returncode, 0, out.stderr)
        out = self.etcdctl(good, "cluster-health")
        self.assertIn("cluster is healthy", out.stdout, out.stderr)
        self.assertEqual(self.etcdctl(good, "get", "/tls/after").stdout.strip(), "ok")

    def test_member_added_to_a_tls_cluster_joins_over_https(self):
        ms = self.cluster([("m1", "ca1"), ("m2", "ca1"), ("m3", "ca1")])
        for m in ms:
            m.wait_healthy()
        self.assertEqual(self.etcdctl(ms, "set", "/tls/before", "x").returncode, 0)
        newcomer = TlsMember(self.box.root, BINARY, "m4", self.pki, "ca1")
        self.box.members.append(newcomer)
        out = self.etcdctl(ms, "member", "add", "m4", newcomer.peer_url)
        self.assertEqual(out.returncode, 0, out.stderr)
        initial = ",".join("%s=%s" % (m.name, m.peer_url) for m in ms + [newcomer])
        # It reads the membership from an https peer port (its peer certificate, our CA).
        newcomer.start("--initial-cluster", initial, "--initial-cluster-state", "existing")
        wait_until(newcomer.healthy, timeout=60, what="the newcomer to serve")
        self.assertEqual(json.loads(newcomer.https("/v2/keys/tls/before")[1])["node"]["value"],
                         "x")
        out = self.etcdctl(ms + [newcomer], "cluster-health")
        self.assertEqual(out.stdout.count("got healthy result from https://"), 4, out.stdout)

        # A joiner whose certificate comes from another CA cannot even read the membership.
        self.pki.ca("ca2")
        rogue = TlsMember(self.box.root, BINARY, "rogue", self.pki, "ca2")
        self.box.members.append(rogue)
        out = self.etcdctl(ms, "member", "add", "rogue", rogue.peer_url)
        self.assertEqual(out.returncode, 0, out.stderr)
        rogue.start("--initial-cluster", initial + ",rogue=" + rogue.peer_url,
                    "--initial-cluster-state", "existing")
        self.assertNotEqual(rogue.wait_exit(timeout=60), 0)
        self.assertRegex(rogue.log(), r"cannot fetch cluster info from peer urls: .*TLS")


if __name__ == "__main__":
    run_tests(sys.modules[__name__])
