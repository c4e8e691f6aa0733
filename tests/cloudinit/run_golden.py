#!/usr/bin/env python3
"""Golden test for coreos-cloudinit --root.

A case is a directory holding:
  user-data      the input (--from-file)
  env            optional KEY=VALUE lines (e.g. COREOS_PRIVATE_IPV4=...) for the run
  args           optional extra command-line arguments, one per line
  root/          optional files present before the run (copied into the fresh root)
  exit-status    optional expected exit status (default 0)
  expected       the snapshot of the root after the run: every file with its mode and
                 content, every symlink with its target (the actions log included)

usage: run_golden.py BINARY CASE_DIR [--update]
"""
import difflib
import os
import shutil
import subprocess
import sys
import tempfile


def snapshot(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            full = os.path.join(dirpath, name)
            rel = "/" + os.path.relpath(full, root)
            if os.path.islink(full):
                out.append(f"== {rel} -> {os.readlink(full)}\n")
                continue
            mode = os.stat(full).st_mode & 0o7777
            with open(full, "rb") as f:
                data = f.read()
            text = data.decode("utf-8", errors="backslashreplace")
            out.append(f"== {rel} {mode:04o}\n")
            out.append(text)
            if text and not text.endswith("\n"):
                out.append("\n\\ no newline at end of file\n")
    return "".join(out)


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]


def main():
    binary, case = sys.argv[1], sys.argv[2]
    update = "--update" in sys.argv[3:]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COREOS_")}
    for line in read_lines(os.path.join(case, "env")):
        key, _, value = line.partition("=")
        env[key] = value
    expected_status = 0
    if os.path.exists(os.path.join(case, "exit-status")):
        expected_status = int(open(os.path.join(case, "exit-status")).read().strip())
    with tempfile.TemporaryDirectory(prefix="cloudinit-golden-") as tmp:
        root = os.path.join(tmp, "root")
        if os.path.isdir(os.path.join(case, "root")):
            shutil.copytree(os.path.join(case, "root"), root, symlinks=True)
        else:
            os.mkdir(root)
        argv = [binary, "--from-file", os.path.join(case, "user-data"), "--root", root,
                "--timeout", "5"] + read_lines(os.path.join(case, "args"))
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        if proc.returncode != expected_status:
            print(f"exit status {proc.returncode}, expected {expected_status}\n{proc.stderr}")
            return 1
        got = snapshot(root)
    expected_path = os.path.join(case, "expected")
    if update:
        with open(expected_path, "w") as f:
            f.write(got)
        return 0
    expected = open(expected_path).read() if os.path.exists(expected_path) else ""
    if got != expected:
        sys.stdout.writelines(difflib.unified_diff(
            expected.splitlines(True), got.splitlines(True), "expected", "got"))
        print(proc.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
