#!/usr/bin/env bash
# A throwaway PgBouncer in front of the test PostgreSQL server that
# tests/pg_test_server.sh started (same $PG_TEST_DIR).
#
#   bash tests/pgbouncer_test_server.sh start   # prints two export lines:
#       TEST_PGBOUNCER_TRANSACTION_URL  (pool_mode=transaction)
#       TEST_PGBOUNCER_SESSION_URL      (pool_mode=session)
#   bash tests/pgbouncer_test_server.sh stop    # stop it, delete its folder
#
# One PgBouncer process on 127.0.0.1 (a free port) serves two database
# aliases of the server's parley_test: `parley_test` in transaction mode and
# `parley_test_session` in session mode. Clients log in with SCRAM: the role
# parley from the auth_file written here (its secret read from pg_shadow),
# any other role through auth_query, so a test may create roles of its own.
# PgBouncer reaches the server over its unix socket (trusted, in a folder
# only the server's user may enter), so PgBouncer runs as that user.
#
# The folder is $PGB_TEST_DIR (default: $PG_TEST_DIR-pgbouncer).
set -euo pipefail

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
PG_TEST_DIR="${PG_TEST_DIR:-/tmp/parley-pg-test-$(id -u)}"
PGB_TEST_DIR="${PGB_TEST_DIR:-$PG_TEST_DIR-pgbouncer}"
PGBOUNCER="${PGBOUNCER:-$(command -v pgbouncer || echo /usr/sbin/pgbouncer)}"

die() {
  echo "pgbouncer_test_server: $*" >&2
  exit 1
}

as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "${PG_TEST_USER:-postgres}" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

stop_quietly() {
  if [ -f "$PGB_TEST_DIR/pgbouncer.pid" ]; then
    local pid
    pid="$(cat "$PGB_TEST_DIR/pgbouncer.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$PGB_TEST_DIR"
}

print_env() {
  [ -f "$PGB_TEST_DIR/env" ] || die "no PgBouncer in $PGB_TEST_DIR; run: $0 start"
  cat "$PGB_TEST_DIR/env"
}

start() {
  [ -x "$PGBOUNCER" ] || die "pgbouncer not found; install the pgbouncer package"
  [ -f "$PG_TEST_DIR/url" ] ||
    die "no test server in $PG_TEST_DIR; run tests/pg_test_server.sh start first"
  stop_quietly
  local url port password
  url="$(cat "$PG_TEST_DIR/url")"
  port="$(sed -E 's|.*@127\.0\.0\.1:([0-9]+)/.*|\1|' <<<"$url")"
  password="$(sed -E 's|^postgresql://[^:]+:([^@]+)@.*|\1|' <<<"$url")"
  [[ "$port" =~ ^[0-9]+$ ]] || die "no port in $PG_TEST_DIR/url"

  mkdir -p "$PGB_TEST_DIR"
  chmod 700 "$PGB_TEST_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown "${PG_TEST_USER:-postgres}:" "$PGB_TEST_DIR"; fi

  # parley's SCRAM secret, as the server stores it.
  local secret
  secret="$(as_server_user "$PG_BIN/psql" -X -q -At -h "$PG_TEST_DIR" -p "$port" \
    -U postgres -d postgres \
    -c "SELECT passwd FROM pg_shadow WHERE usename = 'parley'")" ||
    die "cannot read the role parley from the server"
  as_server_user sh -c "umask 077; printf '\"parley\" \"%s\"\n\"postgres\" \"\"\n' '$secret' \
    > '$PGB_TEST_DIR/userlist.txt'"

  local bport="" attempt
  for attempt in 1 2 3 4 5; do
    bport="$(free_port)"
    as_server_user sh -c "umask 077; cat > '$PGB_TEST_DIR/pgbouncer.ini'" <<INI
[databases]
parley_test = host=$PG_TEST_DIR port=$port dbname=parley_test pool_mode=transaction max_db_connections=60
parley_test_session = host=$PG_TEST_DIR port=$port dbname=parley_test pool_mode=session max_db_connections=60

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bport
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $PGB_TEST_DIR/userlist.txt
auth_user = postgres
auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename = \$1
admin_users = parley
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 20
server_idle_timeout = 5
server_connect_timeout = 5
query_wait_timeout = 30
logfile = $PGB_TEST_DIR/pgbouncer.log
pidfile = $PGB_TEST_DIR/pgbouncer.pid
INI
    if as_server_user "$PGBOUNCER" -d -q "$PGB_TEST_DIR/pgbouncer.ini" 2>>"$PGB_TEST_DIR/start.log"; then
      # Daemon mode returns before the socket is certainly listening.
      local ok=0
      for _ in $(seq 50); do
        if PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q \
          "postgresql://parley:$password@127.0.0.1:$bport/parley_test" \
          -c "SELECT 1" >/dev/null 2>&1; then
          ok=1
          break
        fi
        sleep 0.1
      done
      [ $ok -eq 1 ] && break
    fi
    tail -n 20 "$PGB_TEST_DIR/pgbouncer.log" "$PGB_TEST_DIR/start.log" >&2 2>/dev/null || true
    if [ -f "$PGB_TEST_DIR/pgbouncer.pid" ]; then
      kill "$(cat "$PGB_TEST_DIR/pgbouncer.pid")" 2>/dev/null || true
      rm -f "$PGB_TEST_DIR/pgbouncer.pid"
    fi
    bport=""
  done
  if [ -z "$bport" ]; then
    stop_quietly
    die "PgBouncer did not start, or does not let parley in"
  fi
  (umask 077 && {
    echo "export TEST_PGBOUNCER_TRANSACTION_URL='postgresql://parley:$password@127.0.0.1:$bport/parley_test'"
    echo "export TEST_PGBOUNCER_SESSION_URL='postgresql://parley:$password@127.0.0.1:$bport/parley_test_session'"
  } >"$PGB_TEST_DIR/env")
  echo "pgbouncer_test_server: $("$PGBOUNCER" --version | head -n 1) on 127.0.0.1:$bport" \
    "(parley_test: transaction, parley_test_session: session), folder $PGB_TEST_DIR" >&2
  print_env
}

case "${1:-}" in
  start) start ;;
  stop) stop_quietly ;;
  env) print_env ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
