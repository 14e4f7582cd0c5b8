#!/usr/bin/env bash
# Peer conformance of `exitmon run` against tini, dumb-init and catatonit
# (test/peers/conformance.ts): the same signal and terminal scenarios, one
# pass/fail table. Peers that are not installed are left out. Needs dist/
# (npm run build) and python3. Ends with "N passed, N failed" for exitmon's
# scenarios and exits non-zero when one of them failed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli/main.js ] || npm run build >/dev/null
exec node --import tsx test/peers/conformance.ts
