#!/usr/bin/env bash
# The TypeScript example against a fresh server: installs the pinned packages from the npm
# registry, generates the types from openapi.yaml, compiles them with the client under
# `tsc --strict`, and runs the client's tests with node's test runner: filing to publicity with
# the server's clock at 2026-11-02, then, after a restart two weeks later, report to verification.
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
# The server is started from examples/typescript below.
SKILLCERT_BIN="$(readlink -f "$SKILLCERT_BIN")"
SERVER_PID=""
start_server() {
  SKILLCERT_DATA_DIR="$DATA" SKILLCERT_BIND="127.0.0.1:$PORT" SKILLCERT_ADMIN_PASSWORD="$PASSWORD" \
    SKILLCERT_ISSUER="$BASE" SKILLCERT_CLOCK_START="$1" SKILLCERT_LOG=warn "$SKILLCERT_BIN" >>"$DATA/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "$BASE/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$DATA/server.log" >&2
  exit 1
}
stop_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; }
trap 'stop_server; rm -rf "$DATA"' EXIT

cd examples/typescript
npm install --no-audit --no-fund --silent
npm run -s generate
npm run -s build
export SKILLCERT_URL="$BASE" SKILLCERT_ADMIN_PASSWORD="$PASSWORD" STATE_FILE="$DATA/state.json"
start_server "2026-11-02T01:00:00Z"
npm test -s
stop_server
start_server "2026-11-16T01:00:00Z"
npm run -s test:later
