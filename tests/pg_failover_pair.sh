#!/usr/bin/env bash
# A throwaway primary and hot standby (streaming replication) on loopback,
# for //tests/reliability:failover_test.
#
#   bash tests/pg_failover_pair.sh start sync|async   # prints export lines:
#       FAILOVER_PRIMARY_URL, FAILOVER_STANDBY_URL and FAILOVER_URL
#       (postgresql://...@127.0.0.1:P1,127.0.0.1:P2/parley_test
#        ?target_session_attrs=read-write)
#   bash tests/pg_failover_pair.sh kill-primary   # SIGKILL its postmaster
#   bash tests/pg_failover_pair.sh promote        # pg_ctl promote the standby
#   bash tests/pg_failover_pair.sh stop           # stop both, delete the folder
#
# The primary is a tests/pg_test_server.sh server in $PG_FAILOVER_DIR/primary
# (default /tmp/parley-pg-failover-<uid>), durable (fsync,
# synchronous_commit and full_page_writes on). The standby is a
# `pg_basebackup -R` copy of it in $PG_FAILOVER_DIR/standby, streaming over
# the primary's unix socket, on a port of its own. `sync`: the primary waits
# for the standby to confirm every commit (synchronous_standby_names names
# it, synchronous_commit=on); `start` returns once the standby streams (and,
# for sync, is the synchronous one). `async`: the primary does not wait.
set -euo pipefail

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
F="${PG_FAILOVER_DIR:-/tmp/parley-pg-failover-$(id -u)}"
HERE="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
PG_SCRIPT="$HERE/pg_test_server.sh"
STANDBY_NAME=parley_standby

die() {
  echo "pg_failover_pair: $*" >&2
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
  if [ -f "$F/standby/data/postmaster.pid" ]; then
    as_server_user "$PG_BIN/pg_ctl" -D "$F/standby/data" -m immediate -w -t 30 \
      stop >/dev/null 2>&1 || true
  fi
  if [ -d "$F/primary" ]; then
    PG_TEST_DIR="$F/primary" bash "$PG_SCRIPT" stop >/dev/null 2>&1 || true
  fi
  rm -rf "$F"
}

primary_psql() {
  local port
  port="$(sed -E 's|.*@127\.0\.0\.1:([0-9]+)/.*|\1|' "$F/primary/url")"
  as_server_user "$PG_BIN/psql" -X -q -At -h "$F/primary" -p "$port" \
    -U postgres -d postgres -c "$1"
}

start() {
  local mode="${1:-}"
  [ "$mode" = sync ] || [ "$mode" = async ] || die "usage: $0 start sync|async"
  stop_quietly
  mkdir -p "$F"
  chmod 755 "$F"
  # On any failure from here on, leave nothing running.
  trap 'stop_quietly' ERR
  local opts="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  opts+=" -c wal_level=replica -c max_wal_senders=5 -c wal_keep_size=64MB"
  PG_TEST_DIR="$F/primary" PG_TEST_SERVER_OPTS="$opts" bash "$PG_SCRIPT" start \
    >/dev/null || die "the primary did not start"
  local url password p1 p2
  url="$(cat "$F/primary/url")"
  p1="$(sed -E 's|.*@127\.0\.0\.1:([0-9]+)/.*|\1|' <<<"$url")"
  password="$(sed -E 's|^postgresql://[^:]+:([^@]+)@.*|\1|' <<<"$url")"

  mkdir -p "$F/standby"
  chmod 700 "$F/standby"
  if [ "$(id -u)" -eq 0 ]; then chown "${PG_TEST_USER:-postgres}:" "$F/standby"; fi
  # -R: standby.signal and primary_conninfo (the primary's socket, the
  # superuser, whom the socket trusts).
  as_server_user "$PG_BIN/pg_basebackup" -h "$F/primary" -p "$p1" -U postgres \
    -D "$F/standby/data" -R -X stream -c fast >"$F/standby/basebackup.log" 2>&1 ||
    { cat "$F/standby/basebackup.log" >&2; false; } || die "pg_basebackup failed"

  local attempt started=0
  for attempt in 1 2 3 4 5; do
    p2="$(free_port)"
    # cluster_name is also the name the standby gives the primary
    # (synchronous_standby_names).
    if as_server_user "$PG_BIN/pg_ctl" -D "$F/standby/data" \
      -l "$F/standby/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -c port=$p2 \
          -c unix_socket_directories=$F/standby -c cluster_name=$STANDBY_NAME \
          -c hot_standby=on -c ssl=off -c max_connections=300 \
          -c shared_buffers=32MB $opts" \
      start >/dev/null 2>&1; then
      started=1
      break
    fi
  done
  if [ $started -eq 0 ]; then
    tail -n 30 "$F/standby/server.log" >&2 || true
    die "the standby did not start"
  fi

  # Synchronous only now that the standby is there (before, every commit
  # would wait for it): ALTER SYSTEM, which the promoted standby inherits
  # no part of (it was copied before).
  if [ "$mode" = sync ]; then
    primary_psql "ALTER SYSTEM SET synchronous_standby_names = '$STANDBY_NAME'" >/dev/null
    primary_psql "SELECT pg_reload_conf()" >/dev/null
  fi
  # Wait (at most 30 s) until the standby streams, and for sync until the
  # primary counts it as its synchronous standby.
  local want="state = 'streaming'"
  if [ "$mode" = sync ]; then want+=" AND sync_state = 'sync'"; fi
  local polls ok=0
  for polls in $(seq 300); do
    if [ "$(primary_psql "SELECT count(*) FROM pg_stat_replication WHERE $want")" = 1 ]; then
      ok=1
      break
    fi
    sleep 0.1
  done
  if [ $ok -eq 0 ]; then
    tail -n 30 "$F/standby/server.log" >&2 || true
    die "the standby does not stream from the primary"
  fi
  trap - ERR
  local base="postgresql://parley:$password@127.0.0.1"
  echo "export FAILOVER_PRIMARY_URL='$base:$p1/parley_test'"
  echo "export FAILOVER_STANDBY_URL='$base:$p2/parley_test'"
  echo "export FAILOVER_URL='$base:$p1,127.0.0.1:$p2/parley_test?target_session_attrs=read-write'"
  echo "pg_failover_pair: primary on 127.0.0.1:$p1, standby on 127.0.0.1:$p2 ($mode), folder $F" >&2
}

case "${1:-}" in
  start) start "${2:-}" ;;
  kill-primary) PG_TEST_DIR="$F/primary" bash "$PG_SCRIPT" kill-server ;;
  promote)
    as_server_user "$PG_BIN/pg_ctl" -D "$F/standby/data" -w -t 30 promote \
      >/dev/null || die "the standby was not promoted"
    ;;
  stop) stop_quietly ;;
  *)
    echo "usage: $0 start sync|async|kill-primary|promote|stop" >&2
    exit 2
    ;;
esac
