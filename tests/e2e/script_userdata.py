#!/usr/bin/env python3
"""coreos-cloudinit on real systemd with a `#!` user-data script (docs/cloud-config.md): the
script runs once at boot as a transient unit (StartTransientUnit), not in cloudinit's own
process, and the boot is not held up by it. Checks: the file the script writes exists, its
cgroup is a `coreos-cloudinit-<hash>.service` transient unit, coreos-cloudinit.service
finished, and no unit failed.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_common import Scenario, check, wait_until  # noqa: E402

SCRIPT = """#!/bin/sh
echo "$0 $(tail -1 /proc/self/cgroup)" > /run/script-ran
"""


def main() -> int:
    s = Scenario("script_userdata")

    def body(s: Scenario) -> None:
        c = s.cluster(["core1"], lambda n, ip, ips: SCRIPT)
        c.wait_booted(120)
        ran = wait_until("the script's file", lambda: (lambda r: r.stdout.strip() if r.returncode == 0
                                                       else None)(c.exec("core1", ["cat", "/run/script-ran"])), 60)
        cgroup = ran.split()[-1]
        check("/system.slice/coreos-cloudinit-" in cgroup and cgroup.endswith(".service"),
              f"the script ran in {cgroup!r}, not a transient unit")
        r = c.exec("core1", ["systemctl", "is-active", "coreos-cloudinit.service"])
        check(r.stdout.strip() in ("inactive", "active"), f"coreos-cloudinit.service: {r.stdout}")
        r = c.exec("core1", ["systemctl", "--failed", "--no-legend", "--plain"])
        check(r.stdout.strip() == "", f"failed units: {r.stdout}")
        s.mark(f"#! user-data ran as transient unit {cgroup.rsplit('/', 1)[-1]}")

    return s.run(body)


if __name__ == "__main__":
    sys.exit(main())
