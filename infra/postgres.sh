#!/usr/bin/env bash
# The project's own PostgreSQL 15: start | stop | restart | status | psql ARGS...
#
# Cluster in $SLUICE_HOME/postgres/data, unix socket in $SLUICE_HOME/postgres/run,
# log in $SLUICE_HOME/logs/postgres.log; TCP on SLUICE_BIND_ADDRESS (127.0.0.1):SLUICE_POSTGRES_PORT
# (55432) only. Superuser `postgres` (no password: unix socket only, and only the
# server user can open that folder); role `sluice` (password `sluice`, CREATEDB)
# owns database `sluice`, reached over TCP with scram-sha-256.
# Other settings: infra/lib.sh.
set -euo pipefail
SLUICE_COMPONENT=postgres
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN=${SLUICE_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=$SLUICE_HOME/postgres
PGDATA_DIR=$PG_DIR/data
PG_LOG=$SLUICE_LOG_DIR/postgres.log
PORT=$SLUICE_POSTGRES_PORT

# A unix socket path is limited to 107 bytes; a deep checkout would exceed it.
SOCK_DIR=$PG_DIR/run
if ((${#SOCK_DIR} + 20 > 107)); then
    SOCK_DIR=${TMPDIR:-/tmp}/sluice-postgres-$PORT
fi

[[ -x $PG_BIN/postgres ]] || die "PostgreSQL 15 not found in $PG_BIN (run infra/install.sh)"

pg_ctl() {
    as_server_user "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" "$@"
}

# Exit status 0 when our cluster's postmaster is running.
running() {
    [[ -f $PGDATA_DIR/PG_VERSION ]] && pg_ctl status >/dev/null 2>&1
}

postmaster_pid() {
    head -n 1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true
}

# Superuser SQL over the unix socket.
psql_admin() {
    as_server_user "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK_DIR" -p "$PORT" -U postgres -d postgres
}

init_cluster() {
    [[ -f $PGDATA_DIR/PG_VERSION ]] && return 0
    say "creating the cluster in $PGDATA_DIR"
    # Trust on the socket is safe because the socket folder is private to the
    # server user (unix_socket_permissions below); TCP always needs the password.
    as_server_user "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres \
        --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$SLUICE_LOG_DIR/initdb.log" 2>&1 ||
        {
            show_log_tail "$SLUICE_LOG_DIR/initdb.log"
            die "initdb failed"
        }
    # initdb's rules admit TCP from loopback only; a server bound to a host's address
    # (SLUICE_BIND_ADDRESS) serves its subnet too, with a password as ever.
    echo "host all all samenet scram-sha-256" >>"$PGDATA_DIR/pg_hba.conf"
}

# Role and database, created once, password reset on every start.
provision() {
    psql_admin <<SQL
SELECT format('CREATE ROLE %I LOGIN', '$SLUICE_DB_USER')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$SLUICE_DB_USER') \gexec
ALTER ROLE $SLUICE_DB_USER WITH LOGIN CREATEDB PASSWORD '$SLUICE_DB_PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$SLUICE_DB_NAME', '$SLUICE_DB_USER')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$SLUICE_DB_NAME') \gexec
SQL
}

start() {
    if running; then
        say "already running (pid $(postmaster_pid), $SLUICE_DATABASE_URL)"
        return 0
    fi
    port_open "$PORT" && die "port $PORT is already taken by another process; choose another with SLUICE_POSTGRES_PORT"
    ensure_server_dirs "$PG_DIR" "$SOCK_DIR"
    init_cluster

    wait_until_bindable "$PORT"
    say "starting on $SLUICE_BIND_ADDRESS:$PORT"
    # -w waits until it accepts connections; -t bounds that wait.
    if ! pg_ctl -l "$PG_LOG" -w -t "$SLUICE_START_TIMEOUT" start \
        -o "-p $PORT -k $SOCK_DIR -c listen_addresses=$SLUICE_BIND_ADDRESS -c unix_socket_permissions=0700 -c max_connections=200" \
        >/dev/null; then
        show_log_tail "$PG_LOG"
        die "PostgreSQL did not come up within ${SLUICE_START_TIMEOUT}s (log above)"
    fi
    "$PG_BIN/pg_isready" -q -h "$SLUICE_BIND_ADDRESS" -p "$PORT" -t 10 || die "started, but pg_isready fails on $SLUICE_BIND_ADDRESS:$PORT"
    provision
    say "running (pid $(postmaster_pid), $SLUICE_DATABASE_URL)"
}

stop() {
    local pid
    pid=$(postmaster_pid)
    if running; then
        say "stopping (pid $pid)"
        # fast: roll back open transactions and disconnect clients, then a clean
        # shutdown; immediate (crash-like, recovered at next start) only if that hangs.
        if ! pg_ctl -m fast -w -t 60 stop >/dev/null; then
            say "fast shutdown timed out; using immediate"
            pg_ctl -m immediate -w -t 30 stop >/dev/null || true
        fi
    fi
    # Anything still running from our data folder, e.g. a postmaster whose pid file
    # was lost (the postmaster's command line names its data folder; its children
    # exit with it).
    local leftover
    for leftover in $(pids_matching postgres "-D $PGDATA_DIR "); do
        say "terminating leftover postmaster $leftover"
        kill -QUIT "$leftover" 2>/dev/null || true
    done
    wait_for 20 no_leftovers || die "PostgreSQL processes of ours still run after stop: $(pids_matching postgres "-D $PGDATA_DIR ")"
    if [[ -n $pid ]]; then say "stopped"; else say "not running; nothing left of ours"; fi
}

# True once neither the last postmaster nor any of its children is alive.
no_leftovers() {
    [[ -z $(pids_matching postgres "-D $PGDATA_DIR ") ]] || return 1
    [[ -z ${pid:-} ]] || ! pid_alive "$pid" || return 1
}

status() {
    local state=0
    if running; then
        say "running: pid $(postmaster_pid)"
    else
        say "stopped"
        state=1
    fi
    say "  URL       $SLUICE_DATABASE_URL"
    say "  port      $SLUICE_BIND_ADDRESS:$PORT; unix socket in $SOCK_DIR (server user only)"
    say "  data      $PGDATA_DIR"
    say "  log       $PG_LOG"
    return $state
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    restart) stop && start ;;
    status) status ;;
    psql) # psql as the superuser over the unix socket, e.g. `infra/postgres.sh psql -d sluice`
        shift
        as_server_user "$PG_BIN/psql" -X -h "$SOCK_DIR" -p "$PORT" -U postgres -d postgres "$@"
        ;;
    *)
        echo "usage: $0 start|stop|restart|status|psql PSQL-ARGS..." >&2
        exit 2
        ;;
esac
