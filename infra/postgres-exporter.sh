#!/usr/bin/env bash
# PostgreSQL's metrics for Prometheus: Debian's prometheus-postgres-exporter, run by us
# against our own server: start | stop | restart | status.
#
# Listens on 127.0.0.1:SLUICE_POSTGRES_METRICS_PORT (the PostgreSQL port + 1, 55433) only,
# whatever SLUICE_BIND_ADDRESS says: its series name databases and roles, and it answers
# anyone. It connects as the stack's role `sluice` to SLUICE_DATABASE_URL (pg_up,
# pg_stat_activity_count, pg_stat_database_*, pg_database_size_bytes, pg_settings_*).
# Log in $SLUICE_HOME/logs/postgres-exporter.log, pid in
# $SLUICE_HOME/postgres-exporter/exporter.pid. infra/stack.sh starts it after PostgreSQL
# and stops it before. Debian's own service for it stays off (infra/install.sh).
# Other settings: infra/lib.sh.
set -euo pipefail
SLUICE_COMPONENT=postgres-exporter
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EXPORTER_BIN=${SLUICE_POSTGRES_EXPORTER_BIN:-/usr/bin/prometheus-postgres-exporter}
EXPORTER_DIR=$SLUICE_HOME/postgres-exporter
EXPORTER_PID_FILE=$EXPORTER_DIR/exporter.pid
EXPORTER_LOG=$SLUICE_LOG_DIR/postgres-exporter.log
PORT=$SLUICE_POSTGRES_METRICS_PORT
LISTEN=127.0.0.1:$PORT

# Our exporter: the process with our binary and our listen address on its command line,
# running in our folder (start puts it there), so another checkout's on the same port is
# not taken for ours; the pid file alone would miss one whose file was lost. The kernel
# keeps only a process name's first 15 characters, which pgrep -x matches.
exporter_pids() {
    local name pid
    name=$(basename "$EXPORTER_BIN")
    for pid in $(pids_matching "${name:0:15}" "$EXPORTER_BIN " "--web.listen-address=$LISTEN"); do
        [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$EXPORTER_DIR" ]] && echo "$pid"
    done
    return 0
}

no_leftovers() { [[ -z $(exporter_pids) ]]; }

# Prints the exporter's scrape, or fails when it does not answer.
scrape() {
    python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$SLUICE_POSTGRES_METRICS_URL" 2>/dev/null
}

# True once the exporter has reached the server: pg_up 1 (it answers pg_up 0 while it cannot).
server_up() { scrape | grep -qx 'pg_up 1'; }

start() {
    # Checked here only: stop and status work without it (a stack stopped after a failed install).
    [[ -x $EXPORTER_BIN ]] || die "$EXPORTER_BIN not found (Debian's prometheus-postgres-exporter: run infra/install.sh)"
    local pid
    pid=$(exporter_pids | head -n 1)
    if [[ -n $pid ]]; then
        say "already running (pid $pid, $SLUICE_POSTGRES_METRICS_URL)"
        return 0
    fi
    port_open "$PORT" 127.0.0.1 && die "port $PORT is already taken by another process; choose another with SLUICE_POSTGRES_METRICS_PORT"
    ensure_server_dirs "$EXPORTER_DIR"
    wait_until_bindable "$PORT" 127.0.0.1
    rotate_log "$EXPORTER_LOG"

    say "starting on $LISTEN"
    # The URL with its password goes in the environment (readable by its user only), not
    # on the command line; our server has no TLS, which the exporter (lib/pq) would demand.
    local dsn=$SLUICE_DATABASE_URL
    if [[ $dsn == *\?* ]]; then dsn+="&sslmode=disable"; else dsn+="?sslmode=disable"; fi
    # As the server user, never root; in a session of its own, like the servers, so a
    # Ctrl-C in the shell that started the stack does not reach it; in our folder, which
    # marks it as ours (exporter_pids).
    (
        cd "$EXPORTER_DIR"
        export DATA_SOURCE_NAME=$dsn
        exec "${AS_SERVER_USER[@]}" setsid "$EXPORTER_BIN" --web.listen-address="$LISTEN"
    ) </dev/null >>"$EXPORTER_LOG" 2>&1 &
    local launcher=$!

    if ! wait_for 30 port_open "$PORT" 127.0.0.1; then
        show_log_tail "$EXPORTER_LOG"
        stop >/dev/null 2>&1 || true
        pid_alive "$launcher" || die "the exporter exited while starting (log above)"
        die "the exporter does not listen on $LISTEN after 30 s (log above)"
    fi
    # Up, but useless unless it reaches the server: a wrong URL, password or a stopped
    # PostgreSQL shows here rather than as a dashboard full of pg_up 0.
    if ! wait_for 15 server_up; then
        show_log_tail "$EXPORTER_LOG"
        stop >/dev/null 2>&1 || true
        die "the exporter answers pg_up 0: it cannot reach PostgreSQL at ${SLUICE_DATABASE_URL/:$SLUICE_DB_PASSWORD@/:***@} (is it running? log above)"
    fi
    exporter_pids | head -n 1 >"$EXPORTER_PID_FILE"
    say "running (pid $(cat "$EXPORTER_PID_FILE"), $SLUICE_POSTGRES_METRICS_URL)"
}

stop() {
    local pid found=
    for pid in $(cat "$EXPORTER_PID_FILE" 2>/dev/null) $(exporter_pids); do
        # The pid file's process only if it is still ours (pids are reused).
        exporter_pids | grep -qx "$pid" || continue
        found=1
        say "stopping (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
    done
    if ! wait_for 10 no_leftovers; then
        for pid in $(exporter_pids); do kill -KILL "$pid" 2>/dev/null || true; done
        wait_for 5 no_leftovers || die "the exporter still runs after SIGKILL: $(exporter_pids)"
    fi
    rm -f "$EXPORTER_PID_FILE"
    if [[ -n $found ]]; then say "stopped"; else say "not running; nothing left of ours"; fi
}

status() {
    local pid state=0
    pid=$(exporter_pids | head -n 1)
    if [[ -n $pid ]]; then
        say "running: pid $pid"
    else
        say "stopped"
        state=1
    fi
    say "  metrics   $SLUICE_POSTGRES_METRICS_URL (of PostgreSQL on $SLUICE_BIND_ADDRESS:$SLUICE_POSTGRES_PORT)"
    say "  log       $EXPORTER_LOG"
    return $state
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    restart) stop && start ;;
    status) status ;;
    *)
        echo "usage: $0 start|stop|restart|status" >&2
        exit 2
        ;;
esac
