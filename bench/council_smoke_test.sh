#!/usr/bin/env bash
# Smoke test of the council benchmark: a --quick run on json and sqlite must
# print a line for every phase, mode and worker count, the SQLite ones with
# their ratio to raw sqlite3, find no message lost in the contention run, and
# exit 0. No figure is asserted.
set -uo pipefail
council="${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-__main__}/bench/council"
[ -x "$council" ] || council="$(dirname "$0")/council"
out="$("$council" --quick --backend=json,sqlite 2>&1)"
# The checks read $out through here-strings, not `echo | grep -q`: grep -q
# stops reading at its first match, echo then dies of SIGPIPE, and with
# pipefail a line that is there would count as missing.
rc=$?
echo "$out"
fail() { echo "council_smoke_test: $*" >&2; exit 1; }
[ $rc -eq 0 ] || fail "council exited with $rc"
for phase in load edit read billing count delete; do
  for b in json sqlite; do
    for w in 1 8; do
      for mode in sync async; do
        grep -q "^$b $phase W=$w $mode: .* ops/s (p50 .* us, p99 .* us)" <<<"$out" ||
          fail "no line for $b $phase W=$w $mode"
      done
    done
  done
done
for phase in load read count; do
  for w in 1 8; do
    for mode in sync async; do
      grep -q "^sqlite $phase W=$w $mode: .* = [0-9.]*x raw sqlite3$" <<<"$out" ||
        fail "no ratio line for sqlite $phase W=$w $mode"
    done
  done
done
grep -q "errors; first" <<<"$out" && fail "a run reported errors"
grep -q "FAILED\|MESSAGES LOST" <<<"$out" && fail "a run failed"
[ "$(grep -c "contention W=8 .*no message lost" <<<"$out")" -eq 4 ] ||
  fail "contention run: missing or lost messages"
grep -q "^json list_conversations .* among 800 other" <<<"$out" ||
  fail "no json listing line"
grep -q "^peak RSS: [0-9]* MB" <<<"$out" || fail "no peak RSS line"
echo "council_smoke_test: ok"
