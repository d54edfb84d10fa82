#!/usr/bin/env bash
# Smoke test of the migration benchmark: a small run against the test
# server must time every system (Parley's migrations, psql \copy, pgloader),
# print the four targets and exit 0. No figure is asserted.
set -uo pipefail
bench="${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-__main__}/bench/migrate_bench"
[ -x "$bench" ] || bench="$(dirname "$0")/migrate_bench"
fail() { echo "migrate_bench_smoke_test: $*" >&2; exit 1; }
[ -n "${TEST_POSTGRES_URL:-}" ] ||
  fail "TEST_POSTGRES_URL is not set: start a server with tests/pg_test_server.sh"
out="$("$bench" --users=4 --conversations=2 --exchanges=1 --runs=1 2>&1)"
rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "migrate_bench exited with $rc"
for what in "json -> postgresql" "psql \\\\copy" "json -> sqlite" \
  "sqlite -> postgresql --verify" "pgloader sqlite -> postgresql" \
  "postgresql -> sqlite" "postgresql -> json"; do
  grep -q "^$what.*: [0-9.]* s, [0-9]* messages/s$" <<<"$out" ||
    fail "no timing line for $what"
done
n="$(grep -c '^target .*: [0-9.]*x (target [0-9.]*x) \(MET\|MISSED\)$' <<<"$out")"
[ "$n" -eq 4 ] || fail "expected 4 target lines, got $n"
