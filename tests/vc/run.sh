#!/usr/bin/env bash
# Issue 27, point 4: skillcert's credentials checked by two verifiers that share no code with the
# server or with each other, against a fresh server:
#   - verify.mjs: Digital Bazaar's @digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite and
#     @digitalbazaar/vc-bitstring-status-list (npm, versions pinned in package-lock.json);
#   - verify.py: PyLD (URDNA2015) and cryptography (Ed25519), from PyPI.
# It runs the README's walkthrough to get a server with issued certificates, starts the server
# again on its data, and asserts, with both verifiers: an issued credential verifies and is not
# revoked; one with a field changed fails; a revoked one is reported revoked by its status-list bit
# (the proof of a revoked credential still verifies: the status is read apart); after a key
# rotation the credential signed by the old key still verifies, and so does a new one.
#
#   SKILLCERT_BIN=target/debug/skillcert tests/vc/run.sh
#
# PORT sets the port (default 18180).
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT="${PORT:-18180}"
BASE="http://127.0.0.1:$PORT"
API="$BASE/api/v1"
WORK="$(mktemp -d)"
DATA="$WORK/data"
PW="a-long-password-1"
if [ -z "${SKILLCERT_BIN:-}" ]; then
  cargo build -q -p api
  SKILLCERT_BIN=target/debug/skillcert
fi

echo "== verifiers: npm ci (tests/vc) and a venv with pyld and cryptography"
(cd tests/vc && npm ci --no-audit --no-fund --silent)
VENV="${VC_VENV:-$HOME/.cache/skillcert-vc-venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q "pyld==3.3.0" "cryptography==50.0.2"

echo "== a server with issued certificates (examples/walkthrough.sh)"
WALKTHROUGH_DATA="$DATA" PORT="$PORT" SKILLCERT_BIN="$SKILLCERT_BIN" bash examples/walkthrough.sh >"$WORK/walkthrough.log" 2>&1 \
  || { cat "$WORK/walkthrough.log"; exit 1; }

SERVER_PID=""
start_server() { # $1: the certificate-signing key file
  SKILLCERT_DATA_DIR="$DATA" SKILLCERT_BIND="127.0.0.1:$PORT" SKILLCERT_ISSUER="$BASE" \
    SKILLCERT_CERTIFICATE_KEY="$1" SKILLCERT_CLOCK_START="2026-11-16T02:00:00Z" SKILLCERT_LOG=warn \
    "$SKILLCERT_BIN" >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "$BASE/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$WORK/server.log" >&2
  exit 1
}
stop_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; }
trap 'stop_server; rm -rf "$WORK"' EXIT

py() { "$VENV/bin/python" -c "$1" "${@:2}"; }
login() {
  curl -fsS "$API/auth/login" -H 'Content-Type: application/json' -d "{\"username\": \"$1\", \"password\": \"$PW\"}" \
    | py 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
# Both verifiers on $1; $2 and $3: the expected "verified" and "revoked" (true, false or null).
FAILED=0
check() {
  local file="$1" verified="$2" revoked="$3" what="$4"
  for verifier in javascript python; do
    local out
    if [ "$verifier" = javascript ]; then
      out=$(VC_DID_WEB_SCHEME=http node tests/vc/verify.mjs "$file")
    else
      out=$(VC_DID_WEB_SCHEME=http "$VENV/bin/python" tests/vc/verify.py "$file")
    fi
    if py 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if (json.dumps(r["verified"]), json.dumps(r["revoked"])) == (sys.argv[2], sys.argv[3]) else 1)' \
      "$out" "$verified" "$revoked"; then
      printf '  ok   %-11s %s\n' "$verifier" "$what"
    else
      printf '  FAIL %-11s %s: %s\n' "$verifier" "$what" "$out"
      FAILED=1
    fi
  done
}

start_server "$DATA/keys/certificate-signing-ed25519.pem"
SCHOOL_T=$(login school.demo)
PLAN=$(curl -fsS "$API/plans" -H "Authorization: Bearer $SCHOOL_T" | py 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
curl -fsS "$API/plans/$PLAN/certificates" -H "Authorization: Bearer $SCHOOL_T" >"$WORK/certificates.json"
cert() { py 'import json,sys; print(json.load(open(sys.argv[1]))["items"][int(sys.argv[2])][sys.argv[3]])' "$WORK/certificates.json" "$1" "$2"; }
A=$(cert 0 code)
B=$(cert 1 code)

echo "== the holder's own credential, and the institution's copy of a second certificate"
curl -fsS "$API/public/certificates/credential" -H 'Content-Type: application/json' \
  -d "{\"code\": \"$A\", \"name\": \"$(cert 0 holder_name)\", \"id_number\": \"$(cert 0 id_number)\"}" >"$WORK/a.json"
curl -fsS "$API/certificates/$B/credential" -H "Authorization: Bearer $SCHOOL_T" >"$WORK/b.json"
check "$WORK/a.json" true false "an issued credential verifies, not revoked"
check "$WORK/b.json" true false "a second one too"

echo "== any field changed: it fails"
py 'import json,sys; d=json.load(open(sys.argv[1])); d["credentialSubject"]["name"]="王小明"; json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)' "$WORK/a.json" "$WORK/a-name.json"
py 'import json,sys; d=json.load(open(sys.argv[1])); d["credentialSubject"]["achievement"]["name"]+="（高级）"; json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)' "$WORK/a.json" "$WORK/a-level.json"
py 'import json,sys; d=json.load(open(sys.argv[1])); d["validFrom"]="2020-01-01T00:00:00+08:00"; json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)' "$WORK/a.json" "$WORK/a-date.json"
check "$WORK/a-name.json" false false "the holder's name changed"
check "$WORK/a-level.json" false false "the level changed"
check "$WORK/a-date.json" false false "the date changed"

echo "== the institution revokes the second certificate: its bit is set"
curl -fsS "$API/certificates/$B/revoke" -H "Authorization: Bearer $SCHOOL_T" -H 'Content-Type: application/json' \
  -d '{"reason": "证书信息有误，撤销"}' >/dev/null
check "$WORK/b.json" true true "a revoked credential: the proof holds, the status says revoked"
check "$WORK/a.json" true false "the other stays valid"

echo "== the certificate key is rotated: old and new credentials verify"
stop_server
start_server "$DATA/keys/certificate-signing-rotated.pem"
SCHOOL_T=$(login school.demo)
curl -fsS "$API/certificates/$A/credential" -H "Authorization: Bearer $SCHOOL_T" >"$WORK/a-new.json"
py 'import json,sys; a,b=(json.load(open(f))["proof"]["verificationMethod"] for f in sys.argv[1:3]); assert a != b, (a, b); print("  signed by", a, "then by", b)' "$WORK/a.json" "$WORK/a-new.json"
check "$WORK/a.json" true false "signed by the rotated key"
check "$WORK/a-new.json" true false "signed by the new key"
check "$WORK/b.json" true true "still revoked"

[ "$FAILED" = 0 ] || { echo "some checks failed"; exit 1; }
echo "== all checks passed"
