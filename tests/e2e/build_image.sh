#!/usr/bin/env bash
# ctest e2e_image: builds the host image from this build tree (images/build --no-compile: the
# tree is already built), or skips (77) where this machine cannot build or boot it.
#   build_image.sh SOURCE_DIR BUILD_DIR OUT_DIR CACHE_DIR
set -euo pipefail
src=$1 build=$2 out=$3 cache=$4
skip() { echo "SKIP: e2e_image: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot, systemd-nspawn)"
for tool in debootstrap systemd-nspawn mkfs.ext4; do
  command -v "$tool" >/dev/null || skip "$tool is missing (scripts/install-deps installs it)"
done
for bin in etcd/cmd/etcd2 agents/fleet/fleetd agents/flannel/flanneld cloud-config/coreos-cloudinit \
  agents/systemd/fake_host_services; do
  [ -x "$build/$bin" ] || { echo "FAIL: e2e_image: $build/$bin is not built"; exit 1; }
done
exec nice -n 10 "$src/images/build" --build "$build" --out "$out" --cache "$cache" --no-compile
