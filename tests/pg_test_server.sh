#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests.
#
#   bash tests/pg_test_server.sh start   # start (or reuse) it; prints
#                                        #   export TEST_POSTGRES_URL=...
#   bash tests/pg_test_server.sh env     # print that line again
#   bash tests/pg_test_server.sh stop    # stop it and delete its folder
#   bash tests/pg_test_server.sh stop-server   # stop the server process
#                                        #   only, keeping its folder
#   bash tests/pg_test_server.sh start-server  # start it again, on the
#                                        #   same port with the same role
#                                        #   and password
#   bash tests/pg_test_server.sh kill-server   # SIGKILL the postmaster (a
#                                        #   crash: no shutdown checkpoint;
#                                        #   start-server then runs crash
#                                        #   recovery)
#
# Bazel kills every process a test leaves behind, and a postmaster that a
# test started is one of them. So `start` also leaves a small restarter
# process outside the test's process tree (it ends with the folder), and
# start-server, when that restarter runs, asks it to start the server.
#
#   eval "$(bash tests/pg_test_server.sh start)"
#   bazel test //backends/postgres:all --test_env=TEST_POSTGRES_URL
#
# The server lives in $PG_TEST_DIR (default /tmp/parley-pg-test-<uid>): data
# directory, log, unix socket, and two files other scripts can use: `url`
# (the URL alone) and `env` (the export line, to `source`). It listens on
# 127.0.0.1 only, on a free port, and asks for a password there
# (scram-sha-256), so the tests exercise the real password path. The role
# `parley` owns database `parley_test` and may create databases and roles
# (each store behind tests/pgbouncer_test_server.sh is a role); its password
# is random per start. The unix socket trusts local users, but it sits in a
# folder only the server's user can enter.
#
# fsync is off: a crash loses the data, which is all throwaway.
#
# TLS: `start` makes a throwaway CA and a server certificate for localhost and
# 127.0.0.1 with openssl (in $PG_TEST_DIR/tls), and the server accepts TLS
# (ssl=on) besides plain connections; TEST_POSTGRES_URL sets no sslmode, so
# libpq's default (prefer) applies. `start` also prints
# TEST_POSTGRES_TLS_DIR ($PG_TEST_DIR-ca, readable by anyone, since a test in
# Bazel's sandbox cannot enter $PG_TEST_DIR): ca.crt there is the CA to trust
# (sslrootcert), other_ca.crt a CA that signed nothing of this server's.
#
# The server's cluster_name is its folder: Bazel passes only
# TEST_POSTGRES_URL to a test, so a test that stops and starts the server
# (tests/reliability/server_fault_test.cc) asks it `SHOW cluster_name`.
#
# PG_TEST_SERVER_OPTS adds server options ("-c log_statement=all"); `start`
# keeps them in the folder, so start-server uses them again.
#
# PostgreSQL refuses to run as root; run as root, this script runs the server
# as the `postgres` system user (PG_TEST_USER to choose another).
set -euo pipefail

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
PG_TEST_DIR="${PG_TEST_DIR:-/tmp/parley-pg-test-$(id -u)}"
DATA="$PG_TEST_DIR/data"
LOG="$PG_TEST_DIR/server.log"
ROLE=parley
DB=parley_test

die() {
  echo "pg_test_server: $*" >&2
  exit 1
}

# Runs a command as the server's user.
as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "${PG_TEST_USER:-postgres}" -- "$@"
  else
    "$@"
  fi
}

is_running() {
  [ -f "$DATA/postmaster.pid" ] &&
    as_server_user "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

print_env() {
  [ -f "$PG_TEST_DIR/url" ] || die "no server in $PG_TEST_DIR; run: $0 start"
  echo "export TEST_POSTGRES_URL='$(cat "$PG_TEST_DIR/url")'"
  echo "export TEST_POSTGRES_TLS_DIR='$PG_TEST_DIR-ca'"
}

# A CA, a server certificate it signs (localhost, 127.0.0.1), and a second,
# unrelated CA, all valid for two days; the server's key readable by the
# server's user only.
make_tls() {
  command -v openssl >/dev/null || die "openssl not found; install the openssl package"
  local tls="$PG_TEST_DIR/tls"
  mkdir -p "$tls"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  {
    openssl req -x509 "${ec[@]}" -keyout "$tls/ca.key" -out "$tls/ca.crt" \
      -days 2 -subj "/CN=Parley test CA" &&
      openssl req -x509 "${ec[@]}" -keyout "$tls/other_ca.key" \
        -out "$tls/other_ca.crt" -days 2 -subj "/CN=Parley other CA" &&
      openssl req "${ec[@]}" -keyout "$tls/server.key" -out "$tls/server.csr" \
        -subj "/CN=localhost" &&
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tls/server.ext" &&
      openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" \
        -CAkey "$tls/ca.key" -CAcreateserial -out "$tls/server.crt" -days 2 \
        -extfile "$tls/server.ext"
  } >"$PG_TEST_DIR/openssl.log" 2>&1 || {
    cat "$PG_TEST_DIR/openssl.log" >&2
    die "openssl could not make the test certificates"
  }
  rm -f "$tls/ca.key" "$tls/other_ca.key" "$tls/server.csr"
  chmod 755 "$tls"
  chmod 644 "$tls/ca.crt" "$tls/other_ca.crt" "$tls/server.crt"
  chmod 600 "$tls/server.key"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R "${PG_TEST_USER:-postgres}:" "$tls"
  fi
  rm -rf "$PG_TEST_DIR-ca"
  mkdir -p "$PG_TEST_DIR-ca"
  cp "$tls/ca.crt" "$tls/other_ca.crt" "$PG_TEST_DIR-ca/"
  chmod 755 "$PG_TEST_DIR-ca"
  chmod 644 "$PG_TEST_DIR-ca/ca.crt" "$PG_TEST_DIR-ca/other_ca.crt"
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

dump_log() {
  if [ -f "$LOG" ]; then
    echo "---- $LOG ----" >&2
    tail -n 50 "$LOG" >&2
  fi
}

# Starts the server in $DATA on port $1; fails if it does not come up.
start_postmaster() {
  as_server_user "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -c port=$1 \
        -c unix_socket_directories=$PG_TEST_DIR \
        -c cluster_name=$PG_TEST_DIR \
        -c max_connections=300 -c shared_buffers=32MB \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c ssl=on -c ssl_cert_file=$PG_TEST_DIR/tls/server.crt \
        -c ssl_key_file=$PG_TEST_DIR/tls/server.key \
        $(cat "$PG_TEST_DIR/server_opts" 2>/dev/null || true)" \
    start >/dev/null 2>&1
}

start() {
  [ -x "$PG_BIN/initdb" ] ||
    die "PostgreSQL server binaries not found (PG_BIN=$PG_BIN); install the postgresql package"
  if is_running && [ -f "$PG_TEST_DIR/url" ]; then
    echo "pg_test_server: already running in $PG_TEST_DIR" >&2
    print_env
    return 0
  fi
  # A folder left by a crashed or half-finished run: start over.
  stop_quietly
  mkdir -p "$PG_TEST_DIR"
  chmod 700 "$PG_TEST_DIR"
  if [ "$(id -u)" -eq 0 ]; then
    chown "${PG_TEST_USER:-postgres}:" "$PG_TEST_DIR"
  fi

  local password pwfile
  password="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
  pwfile="$PG_TEST_DIR/bootstrap_pw"
  # initdb sets the bootstrap superuser's password from a file (the same
  # random password), removed as soon as initdb has read it.
  as_server_user sh -c "umask 077; printf '%s\n' '$password' > '$pwfile'"

  if ! as_server_user "$PG_BIN/initdb" -D "$DATA" -U postgres \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$pwfile" \
    -E UTF8 --locale=C.UTF-8 >"$PG_TEST_DIR/initdb.log" 2>&1; then
    rm -f "$pwfile"
    cat "$PG_TEST_DIR/initdb.log" >&2
    die "initdb failed"
  fi
  rm -f "$pwfile"
  printf '%s\n' "${PG_TEST_SERVER_OPTS:-}" >"$PG_TEST_DIR/server_opts"
  make_tls

  local port="" attempt
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    # Another process may take the port between free_port and the bind:
    # try again with a new one.
    if start_postmaster "$port"; then
      break
    fi
    port=""
    if ! grep -q "could not bind\|Address already in use" "$LOG" 2>/dev/null; then
      break
    fi
  done
  if [ -z "$port" ]; then
    dump_log
    die "the server did not start"
  fi

  local psql=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_TEST_DIR"
    -p "$port" -U postgres -d postgres)
  if ! as_server_user "${psql[@]}" >/dev/null <<SQL; then
CREATE ROLE $ROLE LOGIN CREATEDB CREATEROLE PASSWORD '$password';
CREATE DATABASE $DB OWNER $ROLE;
SQL
    dump_log
    die "could not create role $ROLE and database $DB"
  fi
  # The database's public schema must let the role create schemas and tables
  # (PostgreSQL 15 no longer grants CREATE on public to everyone).
  as_server_user "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_TEST_DIR" \
    -p "$port" -U postgres -d "$DB" \
    -c "ALTER SCHEMA public OWNER TO $ROLE" >/dev/null

  # Prove the password path works before anyone relies on it.
  local url="postgresql://$ROLE:$password@127.0.0.1:$port/$DB"
  if ! PGCONNECT_TIMEOUT=10 "$PG_BIN/psql" -X -q "$url" -c "SELECT 1" >/dev/null; then
    dump_log
    die "the server is up but rejects $ROLE over 127.0.0.1"
  fi
  (umask 077 && printf '%s\n' "$url" >"$PG_TEST_DIR/url.tmp" &&
    mv "$PG_TEST_DIR/url.tmp" "$PG_TEST_DIR/url")
  (umask 077 && print_env >"$PG_TEST_DIR/env")
  start_restarter
  echo "pg_test_server: PostgreSQL $(as_server_user "$PG_BIN/postgres" -V |
    awk '{print $3}') on 127.0.0.1:$port, folder $PG_TEST_DIR" >&2
  print_env
}

stop_quietly() {
  if [ -f "$PG_TEST_DIR/restarter.pid" ]; then
    kill "$(cat "$PG_TEST_DIR/restarter.pid")" 2>/dev/null || true
  fi
  if [ -f "$DATA/postmaster.pid" ]; then
    as_server_user "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w -t 30 stop \
      >/dev/null 2>&1 || true
  fi
  if [ -d "$PG_TEST_DIR" ]; then
    rm -rf "$PG_TEST_DIR"
  fi
  rm -rf "$PG_TEST_DIR-ca"
}

stop() {
  if [ ! -d "$PG_TEST_DIR" ]; then
    echo "pg_test_server: nothing to stop in $PG_TEST_DIR" >&2
    return 0
  fi
  stop_quietly
  echo "pg_test_server: stopped, $PG_TEST_DIR removed" >&2
}

# Stops the server process (ending every session), keeping its folder, so
# that start-server brings the same server back.
stop_server() {
  [ -f "$PG_TEST_DIR/url" ] || die "no server in $PG_TEST_DIR; run: $0 start"
  if is_running; then
    as_server_user "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop \
      >/dev/null 2>&1 || die "the server did not stop"
  fi
}

# Starts the server stop-server stopped: same folder, port, role and
# password, so TEST_POSTGRES_URL works again.
start_server() {
  [ -f "$PG_TEST_DIR/url" ] || die "no server in $PG_TEST_DIR; run: $0 start"
  is_running && return 0
  local port
  port="$(sed -E 's|.*@127\.0\.0\.1:([0-9]+)/.*|\1|' "$PG_TEST_DIR/url")"
  [[ "$port" =~ ^[0-9]+$ ]] || die "no port in $PG_TEST_DIR/url"
  # After a kill-server, the killed postmaster's children may hold its
  # shared memory for a moment (they exit once they see it gone), and the
  # new postmaster refuses to start until then: try again, for up to 30 s.
  local attempt
  for attempt in $(seq 60); do
    if start_postmaster "$port"; then
      return 0
    fi
    sleep 0.5
  done
  dump_log
  die "the server did not start again on port $port"
}

# SIGKILLs the postmaster (its children exit when they see it gone) and
# waits until it is gone; the folder stays, for start-server.
kill_server() {
  [ -f "$PG_TEST_DIR/url" ] || die "no server in $PG_TEST_DIR; run: $0 start"
  [ -f "$DATA/postmaster.pid" ] || die "no postmaster.pid in $DATA"
  local pid
  pid="$(head -n 1 "$DATA/postmaster.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || die "no process id in $DATA/postmaster.pid"
  kill -9 "$pid" 2>/dev/null || die "cannot kill the postmaster ($pid)"
  local polls
  for polls in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  die "the postmaster ($pid) is still there 10 s after SIGKILL"
}

# Runs serve_restarts in the background, detached from this script's
# output (a caller that reads it, like `$(... start)`, must see its end).
start_restarter() {
  PG_TEST_DIR="$PG_TEST_DIR" PG_BIN="$PG_BIN" setsid bash "$(readlink -f "$0")" \
    serve-restarts </dev/null >>"$PG_TEST_DIR/restarter.log" 2>&1 &
  echo $! >"$PG_TEST_DIR/restarter.pid"
}

restarter_running() {
  [ -f "$PG_TEST_DIR/restarter.pid" ] &&
    kill -0 "$(cat "$PG_TEST_DIR/restarter.pid")" 2>/dev/null
}

# Starts the server whenever start-request appears, answering in
# start-done; ends when the folder goes, or after 24 hours.
serve_restarts() {
  local polls=0
  while [ -d "$PG_TEST_DIR" ] && [ $polls -lt 864000 ]; do
    if [ -f "$PG_TEST_DIR/start-request" ]; then
      rm -f "$PG_TEST_DIR/start-request"
      local result=ok
      (start_server) || result=failed
      echo "$result" >"$PG_TEST_DIR/start-done.tmp"
      mv "$PG_TEST_DIR/start-done.tmp" "$PG_TEST_DIR/start-done"
    fi
    sleep 0.1
    polls=$((polls + 1))
  done
}

# start-server: through the restarter when it runs, else directly.
request_start() {
  if ! restarter_running; then
    start_server
    return
  fi
  rm -f "$PG_TEST_DIR/start-done"
  touch "$PG_TEST_DIR/start-request"
  local polls
  for polls in $(seq 600); do
    if [ -f "$PG_TEST_DIR/start-done" ]; then
      [ "$(cat "$PG_TEST_DIR/start-done")" = ok ] ||
        die "the server did not start again (log: $LOG)"
      return 0
    fi
    sleep 0.1
  done
  die "the restarter did not answer within 60 s"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  stop-server) stop_server ;;
  start-server) request_start ;;
  kill-server) kill_server ;;
  serve-restarts) serve_restarts ;;
  status)
    if is_running; then
      echo "running" && print_env
    else
      echo "not running" && exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|env|status|stop-server|start-server|kill-server" >&2
    exit 2
    ;;
esac
