#!/usr/bin/env bash
# Crash test at full length: the server killed with SIGKILL during bulk issuance 20 times per
# backend (SQLite, then PostgreSQL), each time restarted and checked (tests/tests/crash.rs).
#
#   bench/crash.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-20}"
PG="${TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo build -q -p api
echo "== SQLite, $RUNS kills"
CRASH_RUNS="$RUNS" cargo test -q -p tests --test crash -- --nocapture 2>&1 | grep -E "crash test|test result"
echo "== PostgreSQL, $RUNS kills"
TEST_DATABASE_URL="$PG" CRASH_RUNS="$RUNS" cargo test -q -p tests --test crash -- --nocapture 2>&1 | grep -E "crash test|test result"
