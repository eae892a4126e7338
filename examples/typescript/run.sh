#!/usr/bin/env bash
# The TypeScript example against a fresh server: installs the pinned packages from the npm
# registry, generates the types from openapi.yaml, compiles them with the client under
# `tsc --strict`, and runs the client's tests with node's test runner.
#
#   examples/typescript/run.sh        (SKILLCERT_BIN to use a built server binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=18096
BASE="http://127.0.0.1:$PORT"
DATA="$(mktemp -d)"
PASSWORD="typescript-admin-pw-1"
if [ -z "${SKILLCERT_BIN:-}" ]; then
  cargo build -q -p api
  SKILLCERT_BIN=target/debug/skillcert
fi
SKILLCERT_DATA_DIR="$DATA" SKILLCERT_BIND="127.0.0.1:$PORT" SKILLCERT_ADMIN_PASSWORD="$PASSWORD" \
  SKILLCERT_ISSUER="$BASE" SKILLCERT_CLOCK_START="2026-11-02T01:00:00Z" SKILLCERT_LOG=warn "$SKILLCERT_BIN" >>"$DATA/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -fs "$BASE/ready" >/dev/null 2>&1 && break; sleep 0.1; done
cd examples/typescript
npm install --no-audit --no-fund --silent
npm run -s generate
npm run -s build
SKILLCERT_URL="$BASE" SKILLCERT_ADMIN_PASSWORD="$PASSWORD" npm test
