"""Bad input against a 3-member etcd2 cluster (issue 7 "Hardening", docs/etcd2.md "Limits
and bad input").

A small keyspace (directories, TTL keys, hidden keys, an in-order queue) is written and
dumped from every member: the recursive listing (minus the counting-down `ttl` fields), the
hidden nodes read directly, and X-Etcd-Index. Then a few hundred generated malformed
requests go over raw sockets (so that invalid bytes can be sent), to all three members in
turn: bad percent-encoding, invalid UTF-8, bad numbers, conflicting parameters, unknown
methods, "." and ".." segments, over-long keys and URLs, too many or too large headers,
oversized bodies, bad Content-Length and chunking, broken request lines, broken JSON for
/v2/members and /v2/auth. Each must get a 4xx with an error body: etcd's
{"errorCode":N,"message":...} from the keys API, {"message":...} from the other endpoints and
the HTTP layer, or Go's plain-text 404/405 (kept byte-for-byte, see the docs). Garbage that
cannot be answered may instead see the connection closed; those are counted apart and kept
few. Every 20 requests every member must still be healthy; at the end every member's dump
must be unchanged.

--kind etcd runs the same requests against one real etcd 3.4 (--enable-v2) and prints where
it answers differently (informational: etcd redirects "..", accepts 2 MiB bodies, ...).

Run: /usr/bin/python3 tests/ops/test_bad_input.py --binary build/etcd/cmd/etcd2
     /usr/bin/python3 tests/ops/test_bad_input.py --kind etcd
"""
import collections
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from members import Sandbox, free_port, http, run_tests, wait_until  # noqa: E402

KIND = "etcd2"
BINARY = None
REAL_ETCD = "/usr/bin/etcd"
FORM = "application/x-www-form-urlencoded"
KEY_BYTES_MAX = 8 * 1024
URL_BYTES_MAX = 32 * 1024
BODY_BYTES_MAX = 1536 * 1024


# ---------------------------------------------------------------- raw HTTP

class Answer:
    def __init__(self, status=None, headers=None, body=b"", closed=False, note=""):
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.closed = closed  # no HTTP answer at all, the connection was closed
        self.note = note

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        if self.closed:
            return "closed(%s)" % self.note
        return "%s %r" % (self.status, self.body[:160])


def read_answer(sock, deadline):
    """Reads one HTTP response (Content-Length or chunked framing)."""
    data = b""

    def more():
        nonlocal data
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError
        data += chunk

    try:
        while True:
            while b"\r\n\r\n" not in data:
                more()
            head, rest = data.split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            status = int(lines[0].split(b" ")[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower().decode()] = value.strip().decode("latin-1")
            if status == 100:  # interim answer to Expect: 100-continue
                data = rest
                continue
            break
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            data = rest
            while True:
                while b"\r\n" not in data:
                    more()
                size_line, data = data.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(data) < size + 2:
                    more()
                body += data[:size]
                data = data[size + 2:]
                if size == 0:
                    break
        else:
            length = int(headers.get("content-length", "0"))
            data = rest
            while len(data) < length:
                more()
            body = data[:length]
        return Answer(status, headers, body)
    except (EOFError, ConnectionResetError, BrokenPipeError) as e:
        if data.startswith(b"HTTP/"):
            return Answer(closed=True, note="truncated answer after %d bytes" % len(data))
        return Answer(closed=True, note=type(e).__name__)
    except socket.timeout:
        return Answer(closed=True, note="TIMEOUT, no answer and not closed")


def send_raw(url, payload, half_close=False, timeout=15.0):
    """One fresh connection: sends `payload` (bytes) and reads one answer. Large payloads
    are sent from a thread while the answer is read, as the member may answer (and stop
    reading) long before the last byte."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    deadline = time.monotonic() + timeout
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    send_error = []

    def send():
        try:
            sock.sendall(payload)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError as e:  # refused mid-way: the answer may still be there to read
            send_error.append(e)

    try:
        sender = None
        if len(payload) > 64 * 1024:
            sender = threading.Thread(target=send, daemon=True)
            sender.start()
        else:
            send()
        answer = read_answer(sock, deadline)
        if sender:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # unblocks a sender the member stopped reading
            except OSError:
                pass
            sender.join(timeout)
        if send_error and answer.closed:
            answer.note += " (while sending: %r)" % send_error[0]
        return answer
    finally:
        sock.close()


# ---------------------------------------------------------------- the cases

class Case:
    """expect: "etcd" (keys API error: errorCode+message JSON), "message" ({"message"} JSON),
    "text" (Go's plain 404/405 bytes), "any" (a 4xx with one of those bodies), "close" (the
    connection may also be closed without an answer). code: the etcd errorCode expected from
    etcd2, status: the HTTP status expected from etcd2 (None: any 4xx)."""

    def __init__(self, category, name, payload, expect="etcd", status=None, code=None,
                 half_close=False):
        self.category = category
        self.name = name
        self.payload = payload
        self.expect = expect
        self.status = status
        self.code = code
        self.half_close = half_close


def request(method, target, headers=(), body=None, content_type=None, host=True):
    """Builds raw request bytes; `target` and `body` may be str or bytes (sent as they are)."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    if isinstance(body, str):
        body = body.encode("latin-1")
    method = method.encode("latin-1") if isinstance(method, str) else method
    out = method + b" " + target + b" HTTP/1.1\r\n"
    if host:
        out += b"Host: 127.0.0.1\r\n"
    if content_type:
        out += b"Content-Type: " + content_type.encode() + b"\r\n"
    for h in headers:
        out += (h.encode("latin-1") if isinstance(h, str) else h) + b"\r\n"
    if body is not None:
        out += b"Content-Length: %d\r\n" % len(body)
    out += b"Connection: close\r\n\r\n"
    if body is not None:
        out += body
    return out


def generate():
    cases = []

    def add(*args, **kwargs):
        cases.append(Case(*args, **kwargs))

    # Percent-encoding: Go's url.ParseQuery errors, answered 210 (path and form alike).
    escapes = ["%", "%z", "%zz", "%g0", "%0", "%%", "%2", "%G1", "%-1", "%+1", "a%", "%0x"]
    for i, esc in enumerate(escapes):
        add("bad escape in path", "GET %s" % esc, request("GET", "/v2/keys/dir/" + esc),
            status=400, code=210)
        add("bad escape in path", "DELETE %s" % esc,
            request("DELETE", "/v2/keys/dir/a" + esc), status=400, code=210)
        add("bad escape in query", "GET ?recursive=%s" % esc,
            request("GET", "/v2/keys/dir?recursive=" + esc), status=400, code=210)
        add("bad escape in query", "PUT ?%s=1" % esc,
            request("PUT", "/v2/keys/dir/a?prevExist=true&" + esc + "=1", body="value=z",
                    content_type=FORM), status=400, code=210)
        add("bad escape in form", "PUT value=%s" % esc,
            request("PUT", "/v2/keys/dir/a", body="value=" + esc, content_type=FORM),
            status=400, code=210)
        if i % 3 == 0:
            add("bad escape in form", "POST value=%s" % esc,
                request("POST", "/v2/keys/queue", body="value=x&ttl=" + esc,
                        content_type=FORM), status=400, code=210)
    for sep in ["value=1;ttl=2", "a=1;b=2", ";"]:
        add("bad escape in query", "semicolon %s" % sep,
            request("PUT", "/v2/keys/dir/a?" + sep, body="", content_type=FORM),
            status=400, code=210)
        add("bad escape in form", "semicolon %s" % sep,
            request("PUT", "/v2/keys/dir/a", body=sep, content_type=FORM), status=400,
            code=210)

    # Invalid UTF-8 (Go would store it and answer U+FFFD): 210.
    bad_utf8 = ["%ff", "%c0%af", "%ed%a0%80", "%f4%90%80%80", "%e6%bc", "%80", "%fe%ff",
                "%c3"]
    for enc in bad_utf8:
        add("invalid UTF-8", "key %s" % enc, request("GET", "/v2/keys/dir/x" + enc),
            status=400, code=210)
        add("invalid UTF-8", "PUT key %s" % enc,
            request("PUT", "/v2/keys/new" + enc, body="value=v", content_type=FORM),
            status=400, code=210)
        add("invalid UTF-8", "value %s" % enc,
            request("PUT", "/v2/keys/dir/a", body="value=" + enc, content_type=FORM),
            status=400, code=210)
        add("invalid UTF-8", "query value %s" % enc,
            request("PUT", "/v2/keys/dir/a?value=" + enc), status=400, code=210)
        add("invalid UTF-8", "prevValue %s" % enc,
            request("DELETE", "/v2/keys/dir/a?prevValue=" + enc), status=400, code=210)
    for raw in [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80abc"]:
        add("invalid UTF-8", "raw bytes %r in key" % raw,
            request("GET", b"/v2/keys/dir/" + raw), status=400, code=210)
        add("invalid UTF-8", "raw bytes %r in form" % raw,
            request("PUT", "/v2/keys/dir/a", body=b"value=" + raw, content_type=FORM),
            status=400, code=210)

    # Numbers: etcd's ParseUint; huge and float and signed are refused.
    bad_numbers = ["abc", "-1", "1.5", "1e3", "%201", "0x10", "+5", "99999999999999999999",
                   "18446744073709551616", "-0", "%D9%A3", "1_000", "5s", "NaN", "Infinity"]
    for n in bad_numbers:
        add("bad number", "ttl=%s" % n,
            request("PUT", "/v2/keys/dir/a", body="value=x&ttl=" + n, content_type=FORM),
            status=400, code=202)
        add("bad number", "prevIndex=%s" % n,
            request("PUT", "/v2/keys/dir/a?prevIndex=" + n, body="value=x",
                    content_type=FORM), status=400, code=203)
        add("bad number", "waitIndex=%s" % n,
            request("GET", "/v2/keys/dir?wait=true&waitIndex=" + n), status=400, code=203)
    for n in ["4294967296", "18446744073709551615"]:
        add("bad number", "ttl=%s (too long)" % n,
            request("PUT", "/v2/keys/dir/a?ttl=" + n + "&prevExist=true", body="value=x",
                    content_type=FORM), status=400, code=202)
    for n in ["", "abc", "-1"]:
        add("bad number", "DELETE prevIndex=%r" % n,
            request("DELETE", "/v2/keys/dir/a?prevIndex=" + n), status=400, code=203)
        add("bad number", "waitIndex=%r without wait" % n,
            request("GET", "/v2/keys/dir?waitIndex=" + n), status=400, code=203)
    for param in ["recursive", "sorted", "wait", "dir", "quorum", "stream", "prevExist",
                  "refresh", "noValueOnSuccess"]:
        for v in ["yes", "2"]:
            method = "GET" if param in ("recursive", "sorted", "wait", "quorum",
                                        "stream") else "PUT"
            add("bad boolean", "%s %s=%s" % (method, param, v),
                request(method, "/v2/keys/dir/a?%s=%s" % (param, v)), status=400, code=209)

    # Conflicting parameters (what etcd itself refuses) and writes the keyspace refuses.
    for method in ["PUT", "POST", "DELETE"]:
        add("conflicting parameters", "%s wait=true" % method,
            request(method, "/v2/keys/dir/a?wait=true", body="value=x", content_type=FORM),
            status=400, code=209)
    add("conflicting parameters", "refresh with value",
        request("PUT", "/v2/keys/ttl?refresh=true&ttl=5", body="value=x", content_type=FORM),
        status=400, code=211)
    add("conflicting parameters", "refresh without ttl",
        request("PUT", "/v2/keys/ttl?refresh=true&prevExist=true"), status=400, code=212)
    add("conflicting parameters", "refresh with empty ttl",
        request("PUT", "/v2/keys/ttl?refresh=true&ttl="), status=400, code=212)
    add("conflicting parameters", "PUT prevValue empty",
        request("PUT", "/v2/keys/dir/a?prevValue=", body="value=x", content_type=FORM),
        status=400, code=201)
    add("conflicting parameters", "DELETE prevValue empty",
        request("DELETE", "/v2/keys/dir/a?prevValue="), status=400, code=201)
    add("conflicting parameters", "prevExist=false with prevIndex on existing key",
        request("PUT", "/v2/keys/dir/a?prevExist=false&prevIndex=1", body="value=x",
                content_type=FORM), status=412, code=105)
    add("conflicting parameters", "prevValue on a directory",
        request("PUT", "/v2/keys/dir?prevValue=x", body="value=y", content_type=FORM),
        status=403, code=102)
    add("conflicting parameters", "value on a directory",
        request("PUT", "/v2/keys/dir", body="value=y", content_type=FORM), status=403,
        code=102)
    add("conflicting parameters", "dir=true on an existing directory",
        request("PUT", "/v2/keys/dir?dir=true"), status=403, code=102)
    add("conflicting parameters", "write to the root",
        request("PUT", "/v2/keys/", body="value=x", content_type=FORM), status=400, code=107)
    add("conflicting parameters", "DELETE the root",
        request("DELETE", "/v2/keys/?recursive=true"), status=400, code=107)
    add("conflicting parameters", "DELETE a directory without dir",
        request("DELETE", "/v2/keys/dir"), status=403, code=102)
    add("conflicting parameters", "DELETE a non-empty directory",
        request("DELETE", "/v2/keys/dir?dir=true"), status=403, code=108)
    add("conflicting parameters", "key below a file",
        request("PUT", "/v2/keys/dir/a/child", body="value=x", content_type=FORM),
        status=400, code=104)
    add("conflicting parameters", "update of a missing key",
        request("PUT", "/v2/keys/missing?prevExist=true", body="value=x", content_type=FORM),
        status=404, code=100)
    add("conflicting parameters", "compare-and-swap mismatch",
        request("PUT", "/v2/keys/dir/a?prevValue=wrong&prevIndex=1", body="value=x",
                content_type=FORM), status=412, code=101)
    add("conflicting parameters", "create of an existing key",
        request("PUT", "/v2/keys/dir/a?prevExist=false", body="value=x", content_type=FORM),
        status=412, code=105)
    add("conflicting parameters", "wrong Content-Type on a directory",
        request("PUT", "/v2/keys/dir", body="value=x", content_type="text/plain"),
        status=403, code=102)
    add("conflicting parameters", "keys under /_auth",
        request("GET", "/v2/keys/_auth/users"), status=401, code=110)

    # Methods: Go's plain-text 405 for tokens it knows nothing of; a malformed token is 400.
    paths = ["/v2/keys/dir", "/v2/members", "/health", "/version", "/v2/stats/self",
             "/metrics", "/v2/machines"]
    for method in ["PATCH", "PROPFIND", "MKCOL", "TRACE", "FOO", "get", "BREW"]:
        for p in paths[:4] if method not in ("PATCH", "FOO") else paths:
            add("unknown method", "%s %s" % (method, p), request(method, p), expect="text",
                status=405)
    for token in [b"G@T", b"GE\x01T", b"GET\x7f", b"(GET)", b"G\xffT", b"GET{}"]:
        add("unknown method", "malformed token %r" % token, request(token, "/v2/keys/dir"),
            expect="message", status=400)

    # "." and ".." segments: etcd redirects (301); etcd2 refuses them.
    for path in ["/v2/keys/dir/../dir/a", "/v2/keys/../x", "/v2/keys/./dir", "/v2/keys/dir/.",
                 "/v2/keys/dir/..", "/v2/keys/dir/%2e%2e/x", "/v2/keys/dir/%2E/a",
                 "/v2/keys/dir/./sub/c", "/v2/keys/%2e%2e/%2e%2e/etc/passwd",
                 "/v2/keys/dir/sub/../../_hidden"]:
        for method in ["GET", "PUT", "DELETE"]:
            add("dot segments", "%s %s" % (method, path),
                request(method, path, body="value=x" if method == "PUT" else None,
                        content_type=FORM if method == "PUT" else None),
                status=400, code=209)
    for path in ["/v2/../v2/keys/dir", "/v2/members/../keys/dir", "/./health",
                 "/v2/stats/../keys"]:
        add("dot segments", "GET %s" % path, request("GET", path), expect="message",
            status=400)

    # Lengths.
    for n in [KEY_BYTES_MAX, KEY_BYTES_MAX * 2, 20000]:
        add("over-long key or URL", "PUT key of %d bytes" % (n + 1),
            request("PUT", "/v2/keys/" + "k" * n, body="value=x", content_type=FORM),
            status=400, code=209)
        add("over-long key or URL", "POST under a key of %d bytes" % (n + 1),
            request("POST", "/v2/keys/" + "k" * n, body="value=x", content_type=FORM),
            status=400, code=209)
        # Reads and deletes are not limited (a longer key may predate the limit).
        add("over-long key or URL", "GET key of %d bytes" % (n + 1),
            request("GET", "/v2/keys/" + "k" * n), status=404, code=100)
    add("over-long key or URL", "encoded key of %d bytes" % (KEY_BYTES_MAX + 1),
        request("PUT", "/v2/keys/" + "%41" * KEY_BYTES_MAX, body="value=x",
                content_type=FORM), status=400, code=209)
    for n in [URL_BYTES_MAX, 100 * 1024, 2 * 1024 * 1024]:
        add("over-long key or URL", "URL of %d bytes" % n,
            request("GET", "/v2/keys/" + "u" * n), expect="message", status=414)
        add("over-long key or URL", "query of %d bytes" % n,
            request("PUT", "/v2/keys/dir/a?prevExist=true&value=" + "q" * n),
            expect="message", status=414)

    # Headers.
    for n in [101, 150, 1000]:
        add("headers", "%d header fields" % n,
            request("GET", "/v2/keys/dir", headers=["X-H%d: v" % i for i in range(n)]),
            expect="message", status=431)
    for n in [65 * 1024, 200 * 1024]:
        add("headers", "one header of %d bytes" % n,
            request("GET", "/v2/keys/dir", headers=["X-Big: " + "h" * n]),
            expect="message", status=431)
    add("headers", "many large headers",
        request("GET", "/v2/keys/dir", headers=["X-%d: %s" % (i, "h" * 1000)
                                                for i in range(80)]),
        expect="message", status=431)
    for line in [b"Bad Header: x", b"X-A\x00: y", b"NoColon", b"X-A\x7f: y", b": empty-name",
                 b"X A: y", b"X-A : y"]:
        add("headers", "malformed header %r" % line,
            request("GET", "/v2/keys/dir", headers=[line]), expect="message", status=400)

    # Bodies. Sent to a directory: were one read as a plain set, it would fail (102), not
    # write.
    big = "value=" + "v" * (BODY_BYTES_MAX + 10)
    add("oversized body", "PUT form body > 1.5 MiB",
        request("PUT", "/v2/keys/dir", body=big, content_type=FORM), expect="message",
        status=413)
    add("oversized body", "POST form body > 1.5 MiB",
        request("POST", "/v2/keys/queue", body=big, content_type=FORM), expect="message",
        status=413)
    add("oversized body", "PUT 8 MiB of non-form body",
        request("PUT", "/v2/keys/dir", body="x" * (8 << 20), content_type="text/plain"),
        expect="message", status=413)
    add("oversized body", "Content-Length over the limit with Expect: 100-continue",
        request("PUT", "/v2/keys/dir", headers=["Content-Length: %d" % (BODY_BYTES_MAX + 1),
                                                  "Expect: 100-continue"],
                content_type=FORM), expect="message", status=413)
    chunk = b"%x\r\n%s\r\n" % (256 * 1024, b"v" * 256 * 1024)
    add("oversized body", "chunked body > 1.5 MiB",
        request("PUT", "/v2/keys/dir", headers=["Transfer-Encoding: chunked"],
                content_type=FORM) + b"6\r\nvalue=\r\n" + chunk * 7 + b"0\r\n\r\n",
        expect="message", status=413)
    for cl in ["-1", "abc", "1, 2", "99999999999999999999", "0x10", "1.5", "", "+3"]:
        add("bad Content-Length", "Content-Length: %r" % cl,
            request("PUT", "/v2/keys/dir", headers=["Content-Length: " + cl],
                    content_type=FORM) + b"value=x", expect="message", status=400)
    add("bad Content-Length", "two different Content-Lengths",
        request("PUT", "/v2/keys/dir", headers=["Content-Length: 7", "Content-Length: 3"],
                content_type=FORM) + b"value=x", expect="message", status=400)
    # Shorter than declared: the next "request" is the rest of the body, garbage.
    add("bad Content-Length", "body longer than Content-Length",
        request("PUT", "/v2/keys/", headers=["Content-Length: 5"], content_type=FORM)
        + b"value=x&and then some garbage\r\n\r\n", status=400, code=107)
    add("bad Content-Length", "body shorter than Content-Length (then EOF)",
        request("PUT", "/v2/keys/dir", headers=["Content-Length: 100"], content_type=FORM)
        + b"value=x", expect="close", half_close=True)
    for te_body in [b"zz\r\nvalue=x\r\n0\r\n\r\n", b"-1\r\nx\r\n0\r\n\r\n",
                    b"ffffffffffffffffffff\r\nx\r\n0\r\n\r\n", b"7\r\nvalue=x0\r\n\r\n",
                    b"7;\x01ext\r\nvalue=x\r\n0\r\n\r\n", b"7 7\r\nvalue=x\r\n0\r\n\r\n"]:
        add("chunked garbage", "chunk %r" % te_body[:12],
            request("PUT", "/v2/keys/dir", headers=["Transfer-Encoding: chunked"],
                    content_type=FORM) + te_body, expect="message", status=400)
    for te in ["gzip", "chunked, gzip", "identity", "chunkedx"]:
        add("chunked garbage", "Transfer-Encoding: %s" % te,
            request("PUT", "/v2/keys/dir", headers=["Transfer-Encoding: " + te],
                    content_type=FORM) + b"7\r\nvalue=x\r\n0\r\n\r\n", expect="message",
            status=400)
    add("chunked garbage", "chunked and Content-Length",
        request("PUT", "/v2/keys/dir", headers=["Transfer-Encoding: chunked",
                                                  "Content-Length: 7"],
                content_type=FORM) + b"7\r\nvalue=x\r\n0\r\n\r\n", expect="message",
        status=400)

    # Request lines.
    for line in [b"GET /v2/keys/dir HTTP/2.0", b"GET /v2/keys/dir HTTX/1.1",
                 b"GET /v2/keys/dir HTTP/1", b"GET /v2/keys/dir http/1.1",
                 b" GET /v2/keys/dir HTTP/1.1", b"GET  /v2/keys/dir HTTP/1.1",
                 b"GET\t/v2/keys/dir\tHTTP/1.1", b"GET /v2/keys/d\x01r HTTP/1.1",
                 b"GET /v2/keys/dir HTTP/1.1 extra", b"/v2/keys/dir HTTP/1.1",
                 b"GET /v2/keys/d ir HTTP/1.1", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
                 b"\x00\x00\x00\x00", b"GET /v2/keys/dir HTTP/1.1\nHost x\n"]:
        add("request line", "%r" % line[:30], line + b"\r\nHost: x\r\n\r\n", expect="message",
            status=400)
    add("request line", "HTTP/1.1 without Host", request("GET", "/v2/keys/dir", host=False),
        expect="message", status=400)
    add("request line", "two Host fields",
        request("GET", "/v2/keys/dir", headers=["Host: other"]), expect="message", status=400)
    add("request line", "HTTP/0.9 style, then EOF", b"GET /v2/keys/dir\r\n\r\n",
        expect="close", half_close=True)
    add("request line", "nothing but EOF", b"", expect="close", half_close=True)
    for target in ["*", "v2/keys/dir", "http://example.com/v2/keys/dir", "%2Fv2%2Fkeys"]:
        add("request line", "target %s" % target, request("GET", target), expect="message",
            status=400)
    for target in ["/v2/keysdir", "/v2/keys/dir#frag", "/v2/keys/nothing/here"]:
        add("request line", "target %s" % target, request("GET", target), expect="any")

    # Other endpoints with broken JSON (never a valid member or user: nothing may change).
    json_bodies = [b"{", b"{\"peerURLs\":", b"[]", b"null", b"\"x\"", b"{\"peerURLs\":\"x\"}",
                   b"{\"peerURLs\":[\"not a url\"]}", b"{\"peerURLs\":[\"\xff\"]}",
                   b"{\"peerURLs\":[1]}", b"", b"\xef\xbb\xbf{}", b"{\"peerURLs\":[]}x"]
    for body in json_bodies:
        add("members and auth", "POST /v2/members %r" % body[:20],
            request("POST", "/v2/members", body=body, content_type="application/json"),
            expect="message")
    for body in json_bodies[:6]:
        add("members and auth", "PUT /v2/members/1 %r" % body[:20],
            request("PUT", "/v2/members/1", body=body, content_type="application/json"),
            expect="message")
    add("members and auth", "POST /v2/members wrong Content-Type",
        request("POST", "/v2/members", body="{}", content_type="text/plain"),
        expect="message", status=415)
    add("members and auth", "DELETE /v2/members/not-hex",
        request("DELETE", "/v2/members/zz"), expect="message")
    add("members and auth", "DELETE /v2/members/%zz", request("DELETE", "/v2/members/%zz"),
        expect="any")
    user_bodies = [b"{", b"{\"user\":", b"[]", b"{\"user\":\"x\",\"password\":5}",
                   b"{\"user\":\"\xff\",\"password\":\"p\"}", b"{\"user\":\"y\",\"password\":\"p\"}",
                   b"{\"role\":5}", b"nul"]
    for body in user_bodies:
        add("members and auth", "PUT /v2/auth/users/x %r" % body[:20],
            request("PUT", "/v2/auth/users/x", body=body, content_type="application/json"),
            expect="any")
    for body in [b"{", b"{\"role\":\"r\",\"permissions\":{\"kv\":{\"read\":7}}}", b"{\"role\":\"s\"}", b"[1]"]:
        add("members and auth", "PUT /v2/auth/roles/r %r" % body[:20],
            request("PUT", "/v2/auth/roles/r", body=body, content_type="application/json"),
            expect="any")
    add("members and auth", "PUT /v2/auth/users/x wrong Content-Type",
        request("PUT", "/v2/auth/users/x", body="{}", content_type="text/plain"),
        expect="any")
    add("members and auth", "GET /v2/auth/users/%ff", request("GET", "/v2/auth/users/%ff"),
        expect="any")
    for method, path in [("GET", b"/v2/auth/users/\xff"), ("PUT", b"/v2/auth/roles/\xc3"),
                         ("DELETE", b"/v2/auth/users/%ff"), ("DELETE", b"/v2/members/\xff"),
                         ("GET", b"/v2/stats/\xfe"), ("GET", b"/v2/members/%zz")]:
        add("members and auth", "%s %r" % (method, path),
            request(method, path, body=b"{\"user\":\"\xff\"}",
                    content_type="application/json"), expect="message", status=400)
    add("members and auth", "PUT /v2/auth/enable without root",
        request("PUT", "/v2/auth/enable"), expect="any")
    return cases


# ---------------------------------------------------------------- checking answers

def check(case, answer, kind):
    """Returns a list of problems (empty: as expected)."""
    if answer.closed:
        if case.expect == "close" and "TIMEOUT" not in answer.note:
            return []
        return ["no answer: %s" % answer.note]
    problems = []
    if not 400 <= answer.status <= 499:
        problems.append("status %d is not 4xx" % answer.status)
    if kind == "etcd2" and case.status is not None and answer.status != case.status:
        problems.append("status %d, expected %d" % (answer.status, case.status))
    ctype = (answer.header("content-type") or "").split(";")[0]
    if ctype == "application/json":
        try:
            body = json.loads(answer.body)
        except ValueError:
            return problems + ["JSON body does not parse: %r" % answer.body[:100]]
        if not isinstance(body, dict) or not isinstance(body.get("message"), str) \
                or not body["message"]:
            problems.append("JSON body without a message: %r" % answer.body[:100])
        elif "errorCode" in body:
            if not isinstance(body["errorCode"], int):
                problems.append("errorCode is not a number")
            if kind == "etcd2" and case.code is not None and body["errorCode"] != case.code:
                problems.append("errorCode %s, expected %d" % (body["errorCode"], case.code))
        elif case.expect == "etcd":
            problems.append("keys API error without errorCode: %r" % answer.body[:100])
    elif ctype == "text/plain":
        if answer.body not in (b"Method Not Allowed\n", b"404 page not found\n"):
            problems.append("unexpected text body %r" % answer.body[:100])
        elif case.expect in ("etcd", "message"):
            problems.append("plain-text answer where JSON was expected: %r" % answer.body)
    else:
        problems.append("Content-Type %r, body %r" % (ctype, answer.body[:100]))
    return problems


def shape(answer):
    """A short description, for comparing etcd2 with the real etcd."""
    if answer.closed:
        return "closed"
    try:
        body = json.loads(answer.body)
        if isinstance(body, dict) and "errorCode" in body:
            return "%d/%s" % (answer.status, body["errorCode"])
    except ValueError:
        pass
    return str(answer.status)


# ---------------------------------------------------------------- the keyspace dump

HIDDEN = ["/_hidden", "/dir/_hidden2", "/_hdir"]


def strip_ttl(node):
    node = dict(node)
    node.pop("ttl", None)
    if "nodes" in node:
        node["nodes"] = [strip_ttl(n) for n in node["nodes"]]
    return node


def dump(url):
    status, headers, body = http("GET", url + "/v2/keys/?recursive=true&sorted=true")
    assert status == 200, (status, body)
    out = {"index": headers.get("X-Etcd-Index"),
           "root": strip_ttl(json.loads(body)["node"])}
    for key in HIDDEN:
        status, _, body = http("GET", url + "/v2/keys" + urllib.parse.quote(key) +
                               "?recursive=true&sorted=true")
        assert status == 200, (key, status, body)
        out[key] = strip_ttl(json.loads(body)["node"])
    return out


def populate(url):
    def put(key, params=None, **form):
        query = "?" + urllib.parse.urlencode(params) if params else ""
        status, _, body = http("PUT", url + "/v2/keys" + urllib.parse.quote(key) + query,
                               form or None)
        assert status in (200, 201), (key, status, body)

    put("/dir/a", value="1")
    put("/dir/b", value="two words")
    put("/dir/sub/c", value="3")
    put("/dir/_hidden2", value="h2")
    put("/_hidden", value="h")
    put("/_hdir/x", value="hx")
    put("/ttl", value="expires later", ttl="3600")
    put("/ttldir", {"dir": "true", "ttl": "3600"})
    put("/empty", {"dir": "true"})
    put("/unicode/\u00fcnicode-\u6f22", value="\u2603")
    status, _, body = http("POST", url + "/v2/keys/queue", {"value": "job"})
    assert status == 201, (status, body)


# ---------------------------------------------------------------- the test

class RealEtcd:
    """One real etcd 3.4 with the v2 API, for --kind etcd."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="etcd-bad-input-")
        self.client_url = "http://127.0.0.1:%d" % free_port()
        peer = "http://127.0.0.1:%d" % free_port()
        self.log = open(self.dir + "/log", "w")
        self.proc = subprocess.Popen(
            [REAL_ETCD, "--enable-v2=true", "--name", "a", "--data-dir", self.dir + "/data",
             "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
             "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", "a=" + peer], stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(self.healthy, 30, "etcd up")

    def healthy(self):
        status, _, body = http("GET", self.client_url + "/health", timeout=2)
        return status == 200 and json.loads(body).get("health") == "true"

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class BadInput(unittest.TestCase):
    def test_malformed_requests_get_4xx_and_change_nothing(self):
        started = time.monotonic()
        if KIND == "etcd":
            real = RealEtcd()
            self.addCleanup(real.close)
            urls, procs = [real.client_url], [real.proc]
        else:
            sandbox = Sandbox(BINARY)
            self.addCleanup(sandbox.close)
            members, _ = sandbox.static_cluster(3)
            urls, procs = [m.client_url for m in members], [m.proc for m in members]
        populate(urls[0])
        # Followers apply asynchronously: wait until every member shows the same keyspace.
        before = wait_until(lambda: (lambda ds: ds if all(d == ds[0] for d in ds) else None)(
            [dump(u) for u in urls]), 30, "every member to have the keyspace")
        setup_s = time.monotonic() - started

        cases = generate()
        self.assertGreaterEqual(len(cases), 200)
        results = []
        failures = []
        sent_at = time.monotonic()
        for i, case in enumerate(cases):
            url = urls[i % len(urls)]
            try:
                answer = send_raw(url, case.payload, half_close=case.half_close)
            except OSError as e:
                if KIND == "etcd2":
                    print(sandbox.logs())
                raise AssertionError("case %d (%s / %s) to %s: %r" % (
                    i, case.category, case.name, url, e)) from e
            results.append((case, answer))
            problems = check(case, answer, KIND)
            if problems:
                failures.append("%s / %s -> %r: %s" % (case.category, case.name, answer,
                                                       "; ".join(problems)))
            if i % 20 == 19:
                for u, p in zip(urls, procs):
                    self.assertIsNone(p.poll(), "%s exited after case %d" % (u, i))
                    wait_until(lambda u=u: http("GET", u + "/health", timeout=5)[0] == 200,
                               10, "%s healthy after case %d (%s)" % (u, i, case.name))
        send_s = time.monotonic() - sent_at

        after = [dump(u) for u in urls]
        summary(results)
        print("setup %.1fs, %d requests in %.1fs" % (setup_s, len(cases), send_s))
        if KIND == "etcd":
            differences(results)
            changed = [u for u, a in zip(urls, after) if a != before[0]]
            print("real etcd keyspace changed by the requests: %s" % bool(changed))
            return
        for u, a, b in zip(urls, after, before):
            self.assertEqual(a, b, "keyspace or X-Etcd-Index changed on %s" % u)
        closed = sum(1 for _, a in results if a.closed)
        self.assertLessEqual(closed, 5, "too many requests closed without an answer")
        self.assertEqual(failures, [], "\n" + "\n".join(failures))


def summary(results):
    table = collections.OrderedDict()
    for case, answer in results:
        row = table.setdefault(case.category, {"n": 0, "4xx": 0, "closed": 0,
                                               "statuses": collections.Counter()})
        row["n"] += 1
        if answer.closed:
            row["closed"] += 1
        else:
            row["statuses"][answer.status] += 1
            if 400 <= answer.status <= 499:
                row["4xx"] += 1
    print("\n%-24s %5s %5s %6s  %s" % ("category", "sent", "4xx", "closed", "statuses"))
    total = collections.Counter()
    for name, row in table.items():
        statuses = " ".join("%d×%d" % (s, n) for s, n in sorted(row["statuses"].items()))
        print("%-24s %5d %5d %6d  %s" % (name, row["n"], row["4xx"], row["closed"], statuses))
        total.update({"n": row["n"], "4xx": row["4xx"], "closed": row["closed"]})
    print("%-24s %5d %5d %6d" % ("total", total["n"], total["4xx"], total["closed"]))


# What etcd2 answers for each case, recorded when the suite passes against etcd2; the real
# etcd's answers are compared with the cases' expectations instead (status and errorCode).
def differences(results):
    print("\nwhere the real etcd differs from etcd2's expected answer:")
    rows = collections.Counter()
    for case, answer in results:
        expected = ("closed" if case.expect == "close" else
                    "%s/%s" % (case.status, case.code) if case.code is not None else
                    str(case.status) if case.status is not None else "4xx")
        got = shape(answer)
        if expected == got or (expected == "4xx" and got.startswith("4")):
            continue
        rows[(case.category, expected, got)] += 1
    for (category, expected, got), n in sorted(rows.items()):
        print("  %-24s etcd2 %-10s etcd %-10s ×%d" % (category, expected, got, n))


if __name__ == "__main__":
    run_tests(sys.modules[__name__], kinds=True)
