#!/usr/bin/python3
"""Runs the etcd v3 API compat suite against a fresh cluster.

    /usr/bin/python3 tests/compat_v3/run.py --kind etcd --size 1
    /usr/bin/python3 tests/compat_v3/run.py --kind etcd2 --binary build/etcd/cmd/etcd2 \\
        --size 3 --services kv,watch
    /usr/bin/python3 tests/compat_v3/run.py --kind etcd test_kv.CtlTxn
    /usr/bin/python3 tests/compat_v3/run.py --kind etcd --size 3 -k lease -k watch

One cluster (tests/compat/cluster.py) is started per run; every case uses keys under its
own prefix. With --size 3 the clients talk to a follower. A case whose services are not
all in --services is skipped with the reason. Exit status: 0 passed, 1 failed, 77 skipped
(server binary or a client missing; ctest SKIP_RETURN_CODE).

Must run under /usr/bin/python3: python3-etcd3 and python3-etcd3gw are installed only for
that interpreter (re-executes itself under it when started by another python3).
"""

import argparse
import os
import signal
import sys
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# cluster.py is shared with the v2 suite; appended so nothing else is taken from there.
sys.path.append(os.path.join(os.path.dirname(HERE), "compat"))

import cluster as clusterlib  # noqa: E402
import v3compat  # noqa: E402
from v3compat import ENV, ALL_SERVICES  # noqa: E402

SKIP = 77
SYSTEM_PYTHON = "/usr/bin/python3"


def parse_services(text):
    names = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in names if s not in ALL_SERVICES]
    if bad:
        raise argparse.ArgumentTypeError("unknown service(s) %s; known: %s"
                                         % (",".join(bad), ",".join(ALL_SERVICES)))
    return set(names)


def parse_args(argv):
    p = argparse.ArgumentParser(description="etcd v3 API compat suite")
    p.add_argument("--kind", choices=clusterlib.KINDS, default="etcd",
                   help="etcd: the real etcd 3.4 (/usr/bin/etcd); etcd2: ours")
    p.add_argument("--size", type=int, choices=(1, 3), default=1)
    p.add_argument("--binary", default=None,
                   help="server binary (required for --kind etcd2; default /usr/bin/etcd)")
    p.add_argument("--services", type=parse_services, default=set(ALL_SERVICES),
                   help="comma-separated services the server offers (default all: %s); "
                        "cases needing others are skipped" % ",".join(ALL_SERVICES))
    p.add_argument("-k", dest="patterns", action="append", default=[],
                   help="only cases whose name contains this substring (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true", help="one dot per case")
    p.add_argument("-f", "--failfast", action="store_true")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("--keep", action="store_true",
                   help="keep the cluster's data dir and logs (path printed at the end)")
    p.add_argument("names", nargs="*",
                   help="module, module.Class or module.Class.test_method to run")
    return p.parse_args(argv)


def load(args):
    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = ["*%s*" % p for p in args.patterns]
    if args.names:
        return loader.loadTestsFromNames(args.names)
    return loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)


def iter_cases(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from iter_cases(t)
        else:
            yield t


def ensure_python_clients():
    """python3-etcd3/-etcd3gw exist only for /usr/bin/python3: re-exec under it when
    started by another interpreter. Returns a message when they are not installed."""
    try:
        import etcd3  # noqa: F401
        import etcd3gw  # noqa: F401
        return None
    except ImportError as e:
        err = e
    if (os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON)
            and os.access(SYSTEM_PYTHON, os.X_OK)):
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])
    return ("python3-etcd3/python3-etcd3gw not importable by %s (%s; Debian packages "
            "python3-etcd3, python3-etcd3gw)" % (sys.executable, err))


def wait_v3_ready(c, timeout=30.0):
    """Every member answers a v3 Range (the v2 readiness of cluster.py says nothing of v3)."""
    for url in c.client_urls:
        v3compat.wait_until(lambda: v3compat.etcdctl(url, "get", "compat-v3-ready",
                                                     timeout=10).rc == 0,
                            timeout, interval=0.1, what="a v3 Range on %s" % url)


def fill_env(c, args):
    ENV.cluster = c
    ENV.kind = args.kind
    ENV.size = args.size
    ENV.services = set(args.services)
    ENV.target = c.followers()[0] if args.size > 1 else 0
    # IDs from the v2 API (served by both kinds), so no v3 service is needed for them.
    ENV.member_ids = {i: int(h, 16) for i, h in c.member_ids().items()}
    st, hdrs, body = clusterlib.http_get(c.client_urls[ENV.target], "/v2/keys/")
    ENV.cluster_id = int(hdrs["x-etcd-cluster-id"], 16)
    st, _, body = clusterlib.http_get(c.client_urls[ENV.target], "/version")
    import json
    ENV.server_version = json.loads(body)["etcdserver"]


def main(argv):
    args = parse_args(argv)
    missing = ensure_python_clients()
    if missing and "python" in args.services:
        print("SKIP: " + missing)
        return SKIP
    cases = list(iter_cases(load(args)))
    cases.sort(key=lambda c: bool(getattr(c, "RUN_LAST", False)))
    if args.list:
        for c in cases:
            need = sorted(set(getattr(type(c), "SERVICES", ()))
                          | set(getattr(getattr(c, c._testMethodName, None), "services", ())))
            print("%s  [%s]" % (c.id(), ",".join(need)))
        print("%d cases" % len(cases))
        return 0
    broken = [c for c in cases if type(c).__name__ == "_FailedTest"]
    if broken:  # import errors in test modules surface as _FailedTest cases
        unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(unittest.TestSuite(broken))
        return 1

    binary = args.binary
    if args.kind == "etcd":
        binary = binary or clusterlib.REAL_ETCD
    if not binary:
        print("--kind etcd2 needs --binary PATH", file=sys.stderr)
        return 2
    if args.kind == "etcd2" and not os.access(binary, os.X_OK):
        print("FAILED: etcd2 binary %s not found or not executable (build it first)" % binary,
              file=sys.stderr)
        return 1
    for path, what in ((binary, "the real etcd"), (v3compat.ETCDCTL, "the etcdctl client")):
        if not os.access(path, os.X_OK):
            print("SKIP: %s (%s) is not installed; the v3 compat suite needs it "
                  "(Debian packages etcd-server, etcd-client)" % (path, what))
            return SKIP

    # Which cases are skipped for services, said once per class up front (each case
    # says it too).
    ENV.services = set(args.services)
    by_class = {}
    for c in cases:
        name = type(c).__module__ + "." + type(c).__name__
        entry = by_class.setdefault(name, [0, 0, set()])
        entry[0] += 1
        gone = v3compat.missing_services(c) if hasattr(c, "_testMethodName") else []
        if gone:
            entry[1] += 1
            entry[2].update(gone)

    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)

    t0 = time.monotonic()
    try:
        c = clusterlib.Cluster(args.kind, args.size, binary=binary, keep_dir=args.keep)
    except clusterlib.ClusterError as e:
        print("FAILED to start a %d-member %s cluster: %s" % (args.size, args.kind, e),
              file=sys.stderr)
        return 1
    ok = False
    try:
        if "kv" in args.services:
            wait_v3_ready(c)
        fill_env(c, args)
        print("compat_v3: %d-member %s cluster (%s) up in %.1fs; clients use %s%s"
              % (args.size, args.kind, binary, time.monotonic() - t0,
                 c.client_urls[ENV.target], " (a follower)" if args.size > 1 else ""),
              flush=True)
        print("compat_v3: services %s" % ",".join(s for s in ALL_SERVICES if s in ENV.services))
        for name, (total, skipped, gone) in sorted(by_class.items()):
            if skipped:
                print("compat_v3: skipping %s of %d cases of %s (they need %s)"
                      % ("all" if skipped == total else skipped, total, name,
                         ",".join(sorted(gone))))
        sys.stdout.flush()
        runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=1 if args.quiet else 2,
                                         failfast=args.failfast)
        result = runner.run(unittest.TestSuite(cases))
        ok = result.wasSuccessful()
        if not ok:
            print("\nmember logs (the suite failed):")
            c.dump_logs(sys.stdout)
        print("compat_v3: %s, %d-member %s: %d run, %d failures, %d errors, %d skipped, %.1fs"
              % ("PASSED" if ok else "FAILED", args.size, args.kind, result.testsRun,
                 len(result.failures), len(result.errors), len(result.skipped),
                 time.monotonic() - t0), flush=True)
    except KeyboardInterrupt:
        print("\ncompat_v3: interrupted; stopping the cluster", file=sys.stderr)
        c.dump_logs(sys.stderr, tail_lines=30)
        ok = False
    except Exception:
        c.dump_logs(sys.stderr, tail_lines=60)
        raise
    finally:
        if args.keep:
            print("compat_v3: data dir and logs kept in %s" % c.dir)
        c.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
