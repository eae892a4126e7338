#!/usr/bin/env bash
# Runs the Postman collection with newman against a fresh server: folder 1 (filing to publicity)
# with the server's clock at 2026-11-02, then, after a restart two weeks later, folder 2 (report
# to verification) and folder 3 (corrections).
#
#   examples/postman/run.sh
#
# newman is installed from the npm registry into ~/.cache/skillcert-newman on first use (or set
# NEWMAN to a newman binary). Set SKILLCERT_BIN to use a built server binary.
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT=18081
BASE="http://127.0.0.1:$PORT"
DATA="$(mktemp -d)"
HERE=examples/postman

if [ -z "${NEWMAN:-}" ]; then
  CACHE="${NEWMAN_DIR:-$HOME/.cache/skillcert-newman}"
  if [ ! -x "$CACHE/node_modules/.bin/newman" ]; then
    npm install --no-audit --no-fund --prefix "$CACHE" newman@6.2.2 >/dev/null
  fi
  NEWMAN="$CACHE/node_modules/.bin/newman"
fi
if [ -z "${SKILLCERT_BIN:-}" ]; then
  cargo build -q -p api
  SKILLCERT_BIN=target/debug/skillcert
fi

SERVER_PID=""
start_server() {
  SKILLCERT_DATA_DIR="$DATA" SKILLCERT_BIND="127.0.0.1:$PORT" SKILLCERT_ADMIN_PASSWORD="postman-admin-pw-1" \
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

start_server "2026-11-02T01:00:00Z"
"$NEWMAN" run "$HERE/skillcert.postman_collection.json" -e "$HERE/skillcert.postman_environment.json" \
  --folder "1 Filing to publicity" --export-environment "$DATA/env.json" --bail --color off
stop_server
start_server "2026-11-16T01:00:00Z"
"$NEWMAN" run "$HERE/skillcert.postman_collection.json" -e "$DATA/env.json" \
  --folder "2 Report to verification" --export-environment "$DATA/env.json" --bail --color off
"$NEWMAN" run "$HERE/skillcert.postman_collection.json" -e "$DATA/env.json" \
  --folder "3 Corrections" --bail --color off
