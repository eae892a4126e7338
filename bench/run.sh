#!/usr/bin/env bash
# The benchmarks of docs/PERFORMANCE.md, side by side with their limits, from a release build.
#
#   bench/run.sh [all|verification|search|issue|replicas|import|startup|zip|credentials|pure]    (default: all)
#
# Environment: CERTIFICATES (1000000), WRK_SECONDS per wrk run (10), RUNS per measurement (3), STARTS
# (10 restarts), CREDENTIALS (10000 verifiable credentials built and signed in a batch), SEARCHES (2000 searches by ID number among CERTIFICATES), ISSUES (20 issuances of 10,000 into a fresh database),
# PG_URL (postgres://postgres@127.0.0.1:5432/postgres; each benchmark creates and drops its own
# database there), PROFILE (release; CI runs PROFILE=debug with small sizes to check the harness
# itself, not the speed). Needs Debian's wrk (installed here when missing and run as root). The report
# is printed and kept in target/bench-report.md. Leave the machine otherwise idle while it runs.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
CERTIFICATES=${CERTIFICATES:-1000000}
SECONDS_PER_RUN=${WRK_SECONDS:-10}
RUNS=${RUNS:-3}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}

if ! command -v wrk > /dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk > /dev/null
  else
    echo "wrk is missing: apt-get install wrk" >&2
    exit 1
  fi
fi

PROFILE=${PROFILE:-release}
if [ "$PROFILE" = release ]; then
  cargo build --release -q -p api -p bench --bins
else
  cargo build -q -p api -p bench --bins
fi
bin=target/$PROFILE/skillcert-bench
report=target/bench-report.md
: > "$report"

machine() {
  echo "# skillcert benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB," \
       "$(psql "$PG_URL" -Atc 'SHOW server_version' 2>/dev/null | sed 's/^/PostgreSQL /' || echo 'no PostgreSQL'), SQLite (bundled), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
}

sqlite() { env -u TEST_DATABASE_URL "$bin" "$@"; }
postgres() { TEST_DATABASE_URL=$PG_URL "$bin" "$@"; }

{
  machine
  case $what in
    all|verification)
      sqlite verification "$CERTIFICATES" "$SECONDS_PER_RUN" "$RUNS"
      postgres verification "$CERTIFICATES" "$SECONDS_PER_RUN" "$RUNS" ;;
  esac
  case $what in
    all|search)
      sqlite search "$CERTIFICATES" "${SEARCHES:-2000}"
      postgres search "$CERTIFICATES" "${SEARCHES:-2000}" ;;
  esac
  case $what in
    all|issue)
      sqlite issue "${ISSUES:-20}"
      postgres issue "${ISSUES:-20}" ;;
  esac
  case $what in all|replicas) postgres replicas "$RUNS" ;; esac
  case $what in
    all|import)
      sqlite import "$RUNS"
      postgres import "$RUNS" ;;
  esac
  case $what in all|startup) sqlite startup "${STARTS:-10}" ;; esac
  case $what in all|zip) sqlite zip "${ZIP_CERTIFICATES:-10000}" ;; esac
  case $what in all|credentials) "$bin" credentials "${CREDENTIALS:-10000}" "$RUNS" ;; esac
} 2>&1 | tee -a "$report"

if [ "$PROFILE" = release ]; then
  case $what in
    all|pure) cargo bench -q -p bench --bench pure 2>&1 | grep -v '^$' | tee -a "$report" ;;
  esac
fi
echo "report: $report"
