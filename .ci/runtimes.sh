#!/bin/sh
# Runs test/runtimes/conformance.mjs against the built dist/ under Node, Bun and
# Deno. Bun and Deno come from the npm registry (npm pack + tar), nothing else
# is downloaded. Prints `N passed, N failed` (runtimes) and exits non-zero when
# any runtime failed. Needs `npm run build` and the addon built first.
#   sh .ci/runtimes.sh            # versions: BUN_VERSION (1.4), DENO_VERSION (2.9)
set -u
cd "$(dirname "$0")/.."
BUN_VERSION=${BUN_VERSION:-1.4}
DENO_VERSION=${DENO_VERSION:-2.9}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() { # fetch <package@version> <dir>: npm pack into <dir>, untar there
  mkdir -p "$2" && (cd "$2" && npm pack --silent "$1" >/dev/null && tar -xzf ./*.tgz) || return 1
}

passed=0
failed=0
run() { # run <label> <command...>
  label=$1
  shift
  echo "== $label"
  if "$@" test/runtimes/conformance.mjs; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $label"; fi
}

[ -f dist/index.cjs ] || { echo "dist/ missing: run npm run build first"; echo "0 passed, 1 failed"; exit 1; }

run "node $(node --version)" node
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
