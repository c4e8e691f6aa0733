"""A tiny authoritative DNS server for tests: answers SRV and A queries from a dict over
UDP (standard library only). Anything else gets NXDOMAIN.

    zone = {"srv": {"_etcd-server._tcp.etcd.test": [("m1.etcd.test", 2380), ...]},
            "a": {"m1.etcd.test": "127.0.0.1"}}
    server = DnsStub(zone, ("127.0.0.1", 53)); server.start(); ...; server.stop()
"""

import socket
import struct
import threading

TYPE_A, TYPE_SRV, CLASS_IN = 1, 33, 1


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def decode_question(packet):
    """Returns (name, qtype, end offset of the question)."""
    labels, i = [], 12
    while packet[i] != 0:
        n = packet[i]
        labels.append(packet[i + 1:i + 1 + n].decode())
        i += 1 + n
    qtype, _ = struct.unpack("!HH", packet[i + 1:i + 5])
    return ".".join(labels).lower(), qtype, i + 5


def answer(packet, zone):
    ident, = struct.unpack("!H", packet[:2])
    name, qtype, end = decode_question(packet)
    records = []
    if qtype == TYPE_SRV:
        for target, port in zone.get("srv", {}).get(name, []):
            rdata = struct.pack("!HHH", 0, 10, port) + encode_name(target)
            records.append((TYPE_SRV, rdata))
    elif qtype == TYPE_A and name in zone.get("a", {}):
        records.append((TYPE_A, socket.inet_aton(zone["a"][name])))
    known = name in zone.get("a", {}) or name in zone.get("srv", {})
    rcode = 0 if known else 3  # NXDOMAIN
    header = struct.pack("!HHHHHH", ident, 0x8400 | rcode, 1, len(records), 0, 0)
    body = packet[12:end]
    for rtype, rdata in records:
        body += b"\xc0\x0c" + struct.pack("!HHIH", rtype, CLASS_IN, 60, len(rdata)) + rdata
    return header + body


class DnsStub:
    def __init__(self, zone, address):
        self.zone = zone
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def start(self):
        self.thread.start()

    def _serve(self):
        while True:
            try:
                packet, peer = self.sock.recvfrom(4096)
            except OSError:
                return  # closed
            try:
                self.sock.sendto(answer(packet, self.zone), peer)
            except (IndexError, struct.error, UnicodeDecodeError):
                pass  # malformed query: no answer

    def stop(self):
        self.sock.close()
