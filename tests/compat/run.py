#!/usr/bin/python3
"""Runs the v2 API compat suite against a fresh cluster.

    /usr/bin/python3 tests/compat/run.py --kind etcd --size 1
    /usr/bin/python3 tests/compat/run.py --kind etcd2 --binary build/etcd/cmd/etcd2 --size 3
    /usr/bin/python3 tests/compat/run.py --kind etcd --size 1 test_http_keys.HttpKeysWrite
    /usr/bin/python3 tests/compat/run.py --kind etcd --size 3 -k refresh -k expire

One cluster is started per run; every case uses keys under its own prefix. With
--size 3 the clients talk to a follower. Exit status: 0 passed, 1 failed,
77 skipped (server binary or client missing; ctest SKIP_RETURN_CODE).

Must run under /usr/bin/python3: python3-etcd is installed only for that interpreter.
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

import cluster as clusterlib  # noqa: E402
import compat  # noqa: E402

SKIP = 77


def parse_args(argv):
    p = argparse.ArgumentParser(description="etcd v2 API compat suite")
    p.add_argument("--kind", choices=clusterlib.KINDS, default="etcd",
                   help="etcd: the real etcd 3.4 (/usr/bin/etcd); etcd2: ours")
    p.add_argument("--size", type=int, choices=(1, 3), default=1)
    p.add_argument("--binary", default=None,
                   help="server binary (required for --kind etcd2; default /usr/bin/etcd)")
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


def ensure_python_etcd():
    """python3-etcd exists only for /usr/bin/python3: re-exec under it when started by
    another interpreter. Returns an error message when it is not installed at all."""
    try:
        import etcd  # noqa: F401
        return None
    except ImportError:
        pass
    system = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(system) and os.access(system, os.X_OK):
        os.execv(system, [system, os.path.abspath(__file__)] + sys.argv[1:])
    return "python3-etcd is not importable by %s (Debian package python3-etcd)" % sys.executable


def main(argv):
    args = parse_args(argv)
    missing = ensure_python_etcd()
    if missing:
        print("SKIP: " + missing)
        return SKIP
    # Cases that disturb the cluster (kill/restart a member) set RUN_LAST = True.
    cases = sorted(iter_cases(load(args)), key=lambda c: bool(getattr(c, "RUN_LAST", False)))
    suite = unittest.TestSuite(cases)
    if args.list:
        for c in cases:
            print(c.id())
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
    for path, what in ((binary, "the real etcd"), (compat.ETCDCTL, "the etcdctl client")):
        if not os.access(path, os.X_OK):
            print("SKIP: %s (%s) is not installed; the compat suite needs it "
                  "(Debian packages etcd-server, etcd-client)" % (path, what))
            return SKIP

    # SIGTERM (ctest, kill) and Ctrl-C both end up in the finally below.
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
        compat.ENV.cluster = c
        compat.ENV.kind = args.kind
        compat.ENV.size = args.size
        compat.ENV.target = c.followers()[0] if args.size > 1 else 0
        print("compat: %d-member %s cluster (%s) up in %.1fs; clients use %s%s"
              % (args.size, args.kind, binary, time.monotonic() - t0,
                 c.client_urls[compat.ENV.target],
                 " (a follower)" if args.size > 1 else ""), flush=True)
        runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=1 if args.quiet else 2,
                                         failfast=args.failfast)
        result = runner.run(suite)
        ok = result.wasSuccessful()
        if not ok:
            print("\nmember logs (the suite failed):")
            c.dump_logs(sys.stdout)
        print("compat: %s, %d-member %s: %d run, %d failures, %d errors, %d skipped, %.1fs"
              % ("PASSED" if ok else "FAILED", args.size, args.kind, result.testsRun,
                 len(result.failures), len(result.errors), len(result.skipped),
                 time.monotonic() - t0), flush=True)
    except KeyboardInterrupt:
        print("\ncompat: interrupted; stopping the cluster", file=sys.stderr)
        c.dump_logs(sys.stderr, tail_lines=30)
        ok = False
    finally:
        if args.keep:
            print("compat: data dir and logs kept in %s" % c.dir)
        c.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
