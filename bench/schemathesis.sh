#!/usr/bin/env bash
# schemathesis (PyPI) against a running server for every operation of the contract, as each role,
# on SQLite and (when TEST_PG_URL or the local server is there) PostgreSQL: no server error, no
# answer that breaks the contract (status codes, content types, response schemas), no dropped
# connection.
#
#   bench/schemathesis.sh [EXAMPLES]      (default 20 examples per operation and role)
#
# schemathesis is installed into ~/.cache/skillcert-schemathesis on first use. The one operation
# left out is the raw attachment upload (`operationId: uploadFilingAttachment`, body application/pdf): schemathesis
# cannot generate PDF bodies; its input checks are covered by tests/tests/filing.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES="${1:-20}"
PORT=18090
BASE="http://127.0.0.1:$PORT"
VENV="${SCHEMATHESIS_DIR:-$HOME/.cache/skillcert-schemathesis}"
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==4.32.5"
fi
if [ -z "${SKILLCERT_BIN:-}" ]; then
  cargo build -q -p api
  SKILLCERT_BIN=target/debug/skillcert
fi
PG_URL="${TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

run_backend() { # $1: name, $2: DATABASE_URL or empty for SQLite
  local name=$1 url=$2 data pid
  data=$(mktemp -d)
  SKILLCERT_DATA_DIR="$data" SKILLCERT_BIND="127.0.0.1:$PORT" SKILLCERT_ADMIN_PASSWORD="st-admin-password-1" \
    SKILLCERT_LOG=error SKILLCERT_VERIFY_LIMIT_PER_MINUTE=100000 SKILLCERT_TOKEN_TTL_SECONDS=86400 env ${url:+DATABASE_URL="$url"} \
    "$SKILLCERT_BIN" >"$data/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "$BASE/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "$BASE/ready" >/dev/null || { echo "the server did not start:"; cat "$data/server.log"; return 1; }
  token() { curl -fs -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$2\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'; }
  post() { curl -fs -X POST "$BASE$1" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d "$2"; }
  ADMIN=$(token admin st-admin-password-1)
  post /api/v1/users '{"username": "st.centre", "display_name": "c", "role": "centre", "password": "a-long-password-1"}' >/dev/null
  post /api/v1/users '{"username": "st.district", "display_name": "d", "role": "district", "district_code": "500101", "password": "a-long-password-1"}' >/dev/null
  post /api/v1/users '{"username": "st.expert", "display_name": "e", "role": "expert", "password": "a-long-password-1"}' >/dev/null
  SCHOOL=$(post /api/v1/schools '{"name": "重庆市测试技工学校", "school_type": "technical_school", "credit_code": "52500000MJ0000001W",
    "district_code": "500101", "registered_address": "重庆", "office_address": "重庆", "legal_representative": "张",
    "contact_name": "李", "contact_phone": "13800138000"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  post "/api/v1/schools/$SCHOOL/accounts" '{"username": "st.school", "display_name": "s", "password": "a-long-password-1"}' >/dev/null
  local status=0
  # Every token first: the runs send wrong passwords to /auth/login, and the sign-in throttle then
  # makes this address wait (docs/SECURITY.md); the tokens live a day (TTL above).
  declare -A tokens
  for role in st.centre st.district st.school st.expert; do tokens[$role]=$(token "$role" a-long-password-1); done
  tokens[admin]=$ADMIN
  for role in admin st.centre st.district st.school st.expert; do
    local t=${tokens[$role]}
    echo "== $name as $role"
    if ! "$VENV/bin/schemathesis" run "$BASE/openapi.json" -H "Authorization: Bearer $t" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
      --exclude-operation-id uploadFilingAttachment -n "$EXAMPLES" --generation-deterministic --phases examples,fuzzing \
      --no-color >"$data/st-$role.log" 2>&1; then
      status=1
      sed -n '/FAILURES\|ERRORS/,$p' "$data/st-$role.log" | head -80
    fi
    grep -E "test cases passed|generated,|passed|failures" "$data/st-$role.log" | tail -1
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
  return $status
}

result=0
run_backend SQLite "" || result=1
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  db="skillcert_st_$$"
  psql "$PG_URL" -qc "CREATE DATABASE $db" >/dev/null
  run_backend PostgreSQL "${PG_URL%/*}/$db" || result=1
  psql "$PG_URL" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
fi
exit $result
