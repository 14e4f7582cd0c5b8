#!/bin/sh
# Builds the prebuilt N-API binaries that the package ships, with plain
# compilers (no node-gyp), from src/native/exitmon.c:
#
#   prebuilds/linux-x64/exitmon.glibc.node     gcc
#   prebuilds/linux-x64/exitmon.musl.node      musl-gcc              (Debian: musl-tools)
#   prebuilds/linux-arm64/exitmon.glibc.node   aarch64-linux-gnu-gcc (gcc-aarch64-linux-gnu)
#   prebuilds/linux-arm64/exitmon.musl.node    aarch64-linux-gnu-gcc with musl's specs
#                                              (dpkg --add-architecture arm64; musl-dev:arm64)
#
# The names follow node-gyp-build's rules: prebuilds/<platform>-<arch>/, and a
# file whose dot-separated tags include `glibc` or `musl` (node-gyp-build picks
# `musl` on Alpine, or with LIBC=musl); no runtime/abi tag, so one N-API binary
# serves every Node version (and Bun and Deno).
#
# Usage: scripts/prebuild.sh [TARGET…]   TARGET: x64-glibc x64-musl arm64-glibc arm64-musl (default: all)
# Env:   PREBUILD_DIR (default: prebuilds), PREBUILD_SOURCE (default: src/native/exitmon.c), NODE_INCLUDE (default: Node's own headers, else /usr/include/node)
# Exits non-zero when a target cannot be built (a missing toolchain says what to install).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SOURCE="${PREBUILD_SOURCE:-$ROOT/src/native/exitmon.c}"
OUT="${PREBUILD_DIR:-$ROOT/prebuilds}"
# The N-API level exitmon needs (binding.gyp says the same).
NAPI_VERSION=8
CFLAGS="-std=gnu11 -O2 -Wall -fPIC -pthread -DNAPI_VERSION=$NAPI_VERSION -DNDEBUG"
# Every symbol bound at load (binding.gyp says the same): the vfork child of
# the native spawn calls libc through the PLT and must never enter the lazy
# resolver of ld.so on our memory.
LDFLAGS="-Wl,-z,now"
# Atomics inline (LL/SC, every ARMv8): gcc's default outline helpers live in
# libgcc and call __getauxval, which musl does not export.
ARM64_FLAGS="-mno-outline-atomics"
# glibc builds: bind the functions glibc 2.34 moved into libc to their first
# versions (exitmon.c, EXITMON_GLIBC_BASE), and name the libraries that hold
# them before 2.34, so that the binary loads on any glibc Node runs on (Node
# 20: 2.28), also in a runtime that does not load libpthread itself (Bun).
glibc_base() { echo "-DEXITMON_GLIBC_BASE=\"GLIBC_$1\""; }
GLIBC_LIBS="-Wl,--no-as-needed -l:libpthread.so.0 -l:libdl.so.2 -Wl,--as-needed"

# node_api.h and uv.h: from the Node that runs this script when it has them, else Debian's.
node_include() {
  if [ -n "${NODE_INCLUDE:-}" ]; then echo "$NODE_INCLUDE"; return; fi
  dir="$(dirname "$(dirname "$(command -v node)")")/include/node"
  if [ -f "$dir/node_api.h" ] && [ -f "$dir/uv.h" ]; then echo "$dir"; else echo /usr/include/node; fi
}
INCLUDE=$(node_include)
[ -f "$INCLUDE/node_api.h" ] || { echo "prebuild: node_api.h not found in $INCLUDE (set NODE_INCLUDE)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

need() {
  command -v "$1" >/dev/null 2>&1 || [ -e "$1" ] || { echo "prebuild: $2 needs $1 (Debian: apt-get install $3)" >&2; return 1; }
}

# musl has no kernel headers of its own (Alpine's linux-headers): give the musl
# builds the kernel's uapi headers (linux/, asm/, asm-generic/) and nothing of glibc.
kernel_headers() { # $1: dir holding linux/ asm/ asm-generic/ for the target, $2: asm dir
  dir="$WORK/kernel-$3"
  mkdir -p "$dir"
  ln -sfn "$1/linux" "$dir/linux"
  ln -sfn "$1/asm-generic" "$dir/asm-generic"
  ln -sfn "$2" "$dir/asm"
  echo "$dir"
}

# Alpine's musl has the SONAME libc.musl-<arch>.so.1, Debian's none: link
# against it under Alpine's name, so NEEDED reads as on Alpine.
musl_libc_dir() { # $1: Debian's musl libc.so, $2: arch (x86_64, aarch64)
  dir="$WORK/musl-$2"
  mkdir -p "$dir"
  ln -sfn "$1" "$dir/libc.musl-$2.so.1"
  echo "$dir"
}

build() { # $1 target, $2 compiler (+ flags), $3 strip, $4 extra link flags
  target=$1 cc=$2 strip=$3 ldflags=$4
  arch=${target%-*} libc=${target#*-}
  dest="$OUT/linux-$arch/exitmon.$libc.node"
  mkdir -p "$OUT/linux-$arch"
  # shellcheck disable=SC2086 # the compiler and flags are word lists
  $cc $CFLAGS -I"$INCLUDE" -shared -o "$WORK/exitmon.node" "$SOURCE" $LDFLAGS $ldflags
  $strip --strip-unneeded "$WORK/exitmon.node"
  mv "$WORK/exitmon.node" "$dest"
  echo "prebuild: $target -> ${dest#"$ROOT"/}"
}

build_target() {
  case $1 in
    x64-glibc)
      need gcc "x64 glibc" gcc
      build x64-glibc "gcc $(glibc_base 2.2.5)" strip "$GLIBC_LIBS" ;;
    arm64-glibc)
      need aarch64-linux-gnu-gcc "arm64 glibc" gcc-aarch64-linux-gnu
      build arm64-glibc "aarch64-linux-gnu-gcc $ARM64_FLAGS $(glibc_base 2.17)" aarch64-linux-gnu-strip "$GLIBC_LIBS" ;;
    x64-musl)
      need /usr/lib/x86_64-linux-musl/musl-gcc.specs "x64 musl" musl-tools
      kh=$(kernel_headers /usr/include /usr/include/x86_64-linux-gnu/asm x64)
      lib=$(musl_libc_dir /usr/lib/x86_64-linux-musl/libc.so x86_64)
      build x64-musl "gcc -specs /usr/lib/x86_64-linux-musl/musl-gcc.specs -idirafter $kh" strip \
        "-nodefaultlibs -L$lib -l:libc.musl-x86_64.so.1 -lgcc" ;;
    arm64-musl)
      need aarch64-linux-gnu-gcc "arm64 musl" gcc-aarch64-linux-gnu
      need /usr/lib/aarch64-linux-musl/musl-gcc.specs "arm64 musl" "musl-dev:arm64 (after dpkg --add-architecture arm64)"
      need /lib/aarch64-linux-musl/libc.so "arm64 musl" "musl:arm64"
      kh=$(kernel_headers /usr/aarch64-linux-gnu/include /usr/aarch64-linux-gnu/include/asm arm64)
      lib=$(musl_libc_dir /lib/aarch64-linux-musl/libc.so aarch64)
      build arm64-musl "aarch64-linux-gnu-gcc $ARM64_FLAGS -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs -idirafter $kh" \
        aarch64-linux-gnu-strip "-nodefaultlibs -L$lib -l:libc.musl-aarch64.so.1 -lgcc" ;;
    *)
      echo "prebuild: unknown target $1 (x64-glibc x64-musl arm64-glibc arm64-musl)" >&2
      return 1 ;;
  esac
}

[ $# -gt 0 ] || set -- x64-glibc x64-musl arm64-glibc arm64-musl
for target in "$@"; do build_target "$target"; done
