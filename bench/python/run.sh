#!/usr/bin/env bash
# The council workload from Python (bench/python/bench.py; BENCHMARK.md):
# builds the wheel and the C++ cheap-call binary (-c opt), installs the
# wheel into a fresh venv of Debian's python3, and runs the benchmark on
# json, sqlite and, when TEST_POSTGRES_URL is set, postgresql.
#   eval "$(PG_TEST_DIR=/tmp/parley-pg-bench PG_TEST_SERVER_OPTS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on" bash tests/pg_test_server.sh start)"
#   bash bench/python/run.sh [--users 40 --conversations 5 --exchanges 2 --workers 1,8,64]
set -euo pipefail
cd "$(dirname "$0")/../.."
bazel build -c opt --color=no --curses=no //python:wheel //bench/python:cheap_call >&2
bin="$(bazel info -c opt bazel-bin 2>/dev/null)"
venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install -q --no-index "$bin"/python/parley-*.whl
cheap="$(mktemp)"; cp "$bin/bench/python/cheap_call" "$cheap"; chmod +x "$cheap"
(cd "$(dirname "$venv")" && "$venv/bin/python" "$OLDPWD/bench/python/bench.py" \
    --cheap-call "$cheap" "$@")
rm -f "$cheap"
