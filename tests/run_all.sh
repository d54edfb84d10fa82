#!/usr/bin/env bash
# Runs every Parley test on a fresh Debian machine: installs what is missing,
# builds with Bazel, runs all test targets, and ends with the line
# "N passed, N failed" (test cases, counted from the JUnit XML Bazel writes;
# a test target that did not build or produced no report counts as failed).
set -uo pipefail
cd "$(dirname "$0")/.."

bash tests/install_deps.sh || { echo "0 passed, 1 failed"; exit 1; }

BAZEL_FLAGS=(--color=no --curses=no)
if [ -n "${CI:-}" ]; then BAZEL_FLAGS+=(--show_progress_rate_limit=30); fi

targets=$(bazel query 'tests(//...)' --output=label 2>/dev/null)
if [ -z "$targets" ]; then
  echo "run_all: bazel query found no tests" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# Reports older than this run (a target that no longer builds) must not count.
marker="$(mktemp)"

# A throwaway PostgreSQL on loopback for the PostgreSQL tests, stopped at the
# end. If it cannot start, TEST_POSTGRES_URL stays unset, and every
# PostgreSQL test fails saying so: they never skip, and this run fails.
export PG_TEST_DIR="/tmp/parley-pg-run-$$"
PG_CRASH_DIR="/tmp/parley-pg-crash-$$"
cleanup() {
  bash tests/pgbouncer_test_server.sh stop >/dev/null 2>&1 || true
  bash tests/pg_test_server.sh stop >/dev/null 2>&1 || true
  PG_TEST_DIR="$PG_CRASH_DIR" bash tests/pg_test_server.sh stop >/dev/null 2>&1 || true
  rm -f "$marker"
}
trap cleanup EXIT
pg_started=0
if pg_env="$(bash tests/pg_test_server.sh start)"; then
  eval "$pg_env"
  pg_started=1
else
  echo "run_all: the test PostgreSQL server did not start (log above)" >&2
  unset TEST_POSTGRES_URL
fi
# A second, durable server (fsync on) that //tests/reliability:server_crash_test
# SIGKILLs and restarts; the same rule again.
crash_started=0
if crash_env="$(PG_TEST_DIR="$PG_CRASH_DIR" PG_TEST_SERVER_OPTS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on" \
  bash tests/pg_test_server.sh start)"; then
  export TEST_POSTGRES_CRASH_URL="$(cat "$PG_CRASH_DIR/url")"
  crash_started=1
else
  echo "run_all: the durable PostgreSQL server did not start (log above)" >&2
  unset TEST_POSTGRES_CRASH_URL
fi
# PgBouncer in front of it (transaction and session mode) for the tests
# that go through a pooler; the same rule: no PgBouncer fails this run.
pgb_started=0
if [ $pg_started -eq 1 ] && pgb_env="$(bash tests/pgbouncer_test_server.sh start)"; then
  eval "$pgb_env"
  pgb_started=1
else
  echo "run_all: PgBouncer did not start (log above)" >&2
  unset TEST_PGBOUNCER_TRANSACTION_URL TEST_PGBOUNCER_SESSION_URL
fi
sleep 1

bazel test "${BAZEL_FLAGS[@]}" --keep_going --test_env=TEST_POSTGRES_URL \
  --test_env=TEST_POSTGRES_TLS_DIR --test_env=TEST_POSTGRES_CRASH_URL \
  --test_env=TEST_PGBOUNCER_TRANSACTION_URL --test_env=TEST_PGBOUNCER_SESSION_URL \
  //...
bazel_rc=$?

testlogs="$(bazel info bazel-testlogs 2>/dev/null)"
passed=0
failed=0
for target in $targets; do
  path="${target#//}"
  path="${path/://}"
  xml="$testlogs/$path/test.xml"
  if [ ! -f "$xml" ] || [ ! "$xml" -nt "$marker" ]; then
    echo "run_all: no report for $target (did not build or did not run)" >&2
    failed=$((failed + 1))
    continue
  fi
  read -r tests failures errors < <(python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
cases = sum(len(s.findall("testcase")) for s in suites)
fails = sum(1 for s in suites for c in s.findall("testcase")
            if c.find("failure") is not None or c.find("error") is not None)
# A target that crashed may leave a report with no test cases.
print(cases, fails, 1 if cases == 0 else 0)
PY
  )
  passed=$((passed + tests - failures))
  failed=$((failed + failures + errors))
done
# ---- Python package (issue 13) -----------------------------------------
# The wheel (//python:wheel) installed into a fresh venv of Debian's python3,
# as README says, then pytest on python/tests and the example app's tests,
# against the same PostgreSQL server. Their JUnit counts are added; a pytest
# that cannot run, or reports nothing (exit 5), counts as one failure, and a
# skipped test counts as failed (none may skip).
py_tmp="$(mktemp -d)"
py_root="$PWD"
py_ok=0
if bazel build "${BAZEL_FLAGS[@]}" //python:wheel \
   && /usr/bin/python3 -m venv --system-site-packages "$py_tmp/venv" \
   && "$py_tmp/venv/bin/pip" install -q --no-index \
        "$(bazel info bazel-bin 2>/dev/null)"/python/parley-*.whl; then
  (cd "$py_tmp" && "$py_tmp/venv/bin/python" -m pytest -q -p no:cacheprovider \
      --junitxml="$py_tmp/pytest.xml" \
      "$py_root/python/tests" "$py_root/examples/fastapi_chat/tests")
  py_rc=$?
  if [ -f "$py_tmp/pytest.xml" ] && { [ $py_rc -eq 0 ] || [ $py_rc -eq 1 ]; }; then
    read -r py_tests py_bad < <(/usr/bin/python3 - "$py_tmp/pytest.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
cases = [c for s in suites for c in s.findall("testcase")]
bad = sum(1 for c in cases if c.find("failure") is not None
          or c.find("error") is not None or c.find("skipped") is not None)
print(len(cases), bad)
PY
    )
    if [ "${py_tests:-0}" -gt 0 ]; then
      passed=$((passed + py_tests - py_bad))
      failed=$((failed + py_bad))
      py_ok=1
    fi
  fi
fi
if [ $py_ok -eq 0 ]; then
  echo "run_all: the Python tests did not run (wheel, venv or pytest failed)" >&2
  failed=$((failed + 1))
fi
rm -rf "$py_tmp"
# ---- end of the Python package's section --------------------------------

if [ $pg_started -eq 0 ]; then
  failed=$((failed + 1))  # the server itself is a failure, not a skip
fi
if [ $pgb_started -eq 0 ]; then
  failed=$((failed + 1))  # so is PgBouncer
fi
if [ $crash_started -eq 0 ]; then
  failed=$((failed + 1))  # and the durable server
fi
if [ $bazel_rc -ne 0 ] && [ $failed -eq 0 ]; then
  failed=1  # bazel failed for a reason no report shows
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
