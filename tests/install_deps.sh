#!/usr/bin/env bash
# Installs the Debian packages Parley builds and tests with, if any is
# missing. Safe to run again; needs root (or sudo).
set -euo pipefail

PACKAGES=(
  bazel-bootstrap       # Bazel 4.2.3, offline WORKSPACE builds
  g++
  protobuf-compiler libprotobuf-dev
  libabsl-dev
  libsqlite3-dev sqlite3
  libpq-dev
  libgtest-dev libgmock-dev
  postgresql            # a throwaway server for the tests
  pgbouncer             # tests through a pooler (tests/pgbouncer_test_server.sh)
  pgloader              # the migration benchmark's baseline (bench/migrate_bench.cc)
  openssl               # tests over TLS: a CA and server certificate per run
  python3               # checks against CPython's json module
  python3-venv python3-cffi python3-pytest   # the Python package and its tests
  python3-fastapi python3-httpx             # examples/fastapi_chat and its tests
  python3-sqlalchemy python3-asyncpg python3-aiosqlite  # bench/python baseline
  clang-14 libclang-rt-14-dev pkg-config  # tests/fuzz: libFuzzer, sanitizers
  cmake                 # tests/c_abi: an application built with CMake
)

missing=()
for p in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
  [[ "$status" == *"install ok installed"* ]] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install_deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
