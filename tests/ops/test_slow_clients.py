"""Slow clients against an etcd2 member (issue 7 "Hardening", docs/etcd2.md "Limits and bad
input").

Slowloris: many connections trickle a request one header byte per second and never finish
it, some send a body one byte per second, some connect and send nothing. Meanwhile a normal
client keeps reading and writing keys on fresh connections: it must be served with normal
latency. Every slow connection must be closed by the member once the request timeout (30 s,
not configurable, as in etcd there is no flag) has passed: the trickling ones with a 408
and {"message":...}, the silent ones without an answer.

Run: /usr/bin/python3 tests/ops/test_slow_clients.py --binary build/etcd/cmd/etcd2
"""
import json
import os
import selectors
import socket
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from members import Sandbox, http, run_tests  # noqa: E402

BINARY = None
REQUEST_TIMEOUT_S = 30.0  # etcd/http/limits.h request_timeout_ms
TRICKLING = 120           # header bytes, one a second
SLOW_BODIES = 20          # body bytes, one a second
SILENT = 40               # nothing at all


class SlowConnection:
    def __init__(self, address, kind, index):
        self.kind = kind
        self.sock = socket.create_connection(address)
        self.sock.setblocking(False)
        self.connected_at = time.monotonic()
        self.first_byte_at = None
        self.closed_at = None
        self.received = b""
        if kind == "header":
            self.pending = b"GET /v2/keys/slow HTTP/1.1\r\nHost: x\r\nX-Slow-%d: " % index
            self.trickle = b"abcdefghijklmnopqrstuvwxyz" * 4
        elif kind == "body":
            self.pending = (b"PUT /v2/keys/slow HTTP/1.1\r\nHost: x\r\n"
                            b"Content-Type: application/x-www-form-urlencoded\r\n"
                            b"Content-Length: 1000\r\n\r\nvalue=")
            self.trickle = b"v" * 200
        else:
            self.pending = b""
            self.trickle = b""

    def send_next(self, now):
        """Sends the opening (first call) or one more byte; marks the connection closed if
        the server is gone."""
        if self.closed_at is not None:
            return
        data = self.pending if self.pending else self.trickle[:1]
        if not data:
            return
        try:
            sent = self.sock.send(data)
        except (BrokenPipeError, ConnectionResetError):
            self.closed_at = now
            return
        if self.first_byte_at is None:
            self.first_byte_at = now
        if self.pending:
            self.pending = self.pending[sent:]
        else:
            self.trickle = self.trickle[sent:]

    def on_readable(self, now):
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionResetError:
            data = b""
        if data:
            self.received += data
        else:
            self.closed_at = now

    def status(self):
        if not self.received.startswith(b"HTTP/1.1 "):
            return None
        return int(self.received.split(b" ")[1])

    def body(self):
        return self.received.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in self.received else b""


class Prober(threading.Thread):
    """A well-behaved client: a write and a read after another, each on a fresh connection."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.latencies = []
        self.errors = []

    def run(self):
        i = 0
        while not self.stop.is_set():
            for method, data in (("PUT", {"value": str(i)}), ("GET", None)):
                started = time.monotonic()
                try:
                    status, _, body = http(method, self.url + "/v2/keys/probe", data, timeout=10)
                    if status not in (200, 201):
                        self.errors.append((method, status, body[:100]))
                except Exception as e:  # noqa: BLE001 - recorded, asserted on below
                    self.errors.append((method, repr(e)))
                self.latencies.append(time.monotonic() - started)
            i += 1
            self.stop.wait(0.05)  # pacing, about 30 requests a second


class SlowClients(unittest.TestCase):
    def test_slowloris_is_cut_off_and_others_are_served(self):
        sandbox = Sandbox(BINARY)
        self.addCleanup(sandbox.close)
        (member,), _ = sandbox.static_cluster(1)
        address = urllib.parse.urlsplit(member.client_url).netloc.split(":")
        address = (address[0], int(address[1]))

        conns = ([SlowConnection(address, "header", i) for i in range(TRICKLING)] +
                 [SlowConnection(address, "body", i) for i in range(SLOW_BODIES)] +
                 [SlowConnection(address, "silent", i) for i in range(SILENT)])
        selector = selectors.DefaultSelector()
        for c in conns:
            selector.register(c.sock, selectors.EVENT_READ, c)
        prober = Prober(member.client_url)
        started = time.monotonic()
        prober.start()
        probes_while_slow = None
        next_tick = started
        deadline = started + REQUEST_TIMEOUT_S + 20
        while time.monotonic() < deadline and any(c.closed_at is None for c in conns):
            now = time.monotonic()
            if now >= next_tick:
                for c in conns:
                    c.send_next(now)
                next_tick += 1.0
            for key, _ in selector.select(timeout=max(0.0, min(next_tick, deadline) - now)):
                key.data.on_readable(time.monotonic())
                if key.data.closed_at is not None:
                    selector.unregister(key.fileobj)
            if probes_while_slow is None and any(c.closed_at is not None for c in conns):
                probes_while_slow = len(prober.latencies)  # served while all were open
        prober.stop.set()
        prober.join(15)
        for c in conns:
            c.sock.close()
        elapsed = time.monotonic() - started

        latencies = sorted(prober.latencies)
        median = latencies[len(latencies) // 2] if latencies else None
        print("\n%d slow connections closed after %.1f s; %d probe requests "
              "(%s before the first slow one was closed), median %.3f s, max %.3f s"
              % (len(conns), elapsed, len(latencies), probes_while_slow, median or -1,
                 latencies[-1] if latencies else -1))
        for kind in ("header", "body", "silent"):
            held = [c.closed_at - (c.first_byte_at or c.connected_at)
                    for c in conns if c.kind == kind and c.closed_at is not None]
            statuses = sorted({c.status() for c in conns if c.kind == kind}, key=str)
            print("  %-6s closed %d/%d after %.1f..%.1f s, answers %s" % (
                kind, len(held), sum(1 for c in conns if c.kind == kind),
                min(held, default=-1), max(held, default=-1), statuses))

        # (a) others are served meanwhile, with normal latency.
        self.assertEqual(prober.errors, [])
        self.assertGreaterEqual(probes_while_slow or 0, 100)
        self.assertLess(median, 0.25)
        self.assertLess(latencies[-1], 3.0)
        # (b) every slow connection is cut off after the request timeout, not before.
        for c in conns:
            self.assertIsNotNone(c.closed_at, "a %s connection was never closed" % c.kind)
            held = c.closed_at - (c.first_byte_at or c.connected_at)
            self.assertGreater(held, REQUEST_TIMEOUT_S - 1.5, c.kind)
            self.assertLess(held, REQUEST_TIMEOUT_S + 5, c.kind)
            if c.kind == "silent":
                self.assertEqual(c.received, b"", "a silent connection is closed unanswered")
            else:
                self.assertEqual(c.status(), 408, c.received[:200])
                self.assertIn("request timed out", json.loads(c.body())["message"])
        self.assertTrue(member.healthy())


if __name__ == "__main__":
    run_tests(sys.modules[__name__])
