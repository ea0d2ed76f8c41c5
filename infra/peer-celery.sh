#!/usr/bin/env bash
# The Celery peer (../shared/peers/celery, an optional extra beside the repository: Flask + Celery over RabbitMQ and
# PostgreSQL, no Spark) that the benchmarks measure Sluice against in the same run.
# It runs from $SLUICE_HOME/peer-celery (own venv, built once) on our RabbitMQ
# (vhost `peer`) and PostgreSQL (database `peer`), on port $SLUICE_PEER_PORT (8090).
#
#   infra/peer-celery.sh start|stop
#   infra/peer-celery.sh load LOAD.PY-ARGS...   the peer's load generator, checking completions in its database
#   infra/peer-celery.sh load-at URL DSN LOAD.PY-ARGS...   the same generator against another POST /process
#                                           (Sluice's), checking completions in the database at DSN
set -euo pipefail
SLUICE_COMPONENT=peer-celery
# shellcheck source=infra/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$SLUICE_REPO"
peer_port=${SLUICE_PEER_PORT:-8090}
peer_src=${SLUICE_PEER_SRC:-$SLUICE_REPO/../shared/peers/celery}
peer=$SLUICE_HOME/peer-celery
eval "$(infra/stack.sh env)"
export PEER_BROKER=${SLUICE_AMQP_URL%/*}/peer
export PEER_PG_DSN=${SLUICE_DATABASE_URL%/*}/peer

start() {
    [[ -f $peer_src/tasks.py ]] || die "no Celery peer at $peer_src: it is an optional extra (../shared/peers/celery beside the repository, or SLUICE_PEER_SRC); the benchmarks that compare against it need it"
    # The peer's code, refreshed on each run; its venv is built once.
    mkdir -p "$peer"
    cp "$peer_src"/*.py "$peer_src"/*.sh "$peer_src"/requirements.txt "$peer"/
    if [[ ! -x $peer/.venv/bin/celery || ! -x $peer/.venv/bin/gunicorn ]]; then
        say "creating the peer's venv in $peer/.venv"
        python3 -m venv "$peer/.venv"
        "$peer/.venv/bin/pip" install -q -r "$peer/requirements.txt"
    fi
    # Its own vhost and database beside ours.
    if ! infra/rabbitmq.sh ctl list_vhosts 2>/dev/null | grep -qx peer; then
        infra/rabbitmq.sh ctl add_vhost peer >/dev/null
    fi
    infra/rabbitmq.sh ctl set_permissions -p peer "$SLUICE_MQ_USER" ".*" ".*" ".*" >/dev/null
    if [[ -z $(psql "$SLUICE_DATABASE_URL" -Atc "SELECT 1 FROM pg_database WHERE datname = 'peer'") ]]; then
        psql "$SLUICE_DATABASE_URL" -q -c 'CREATE DATABASE peer'
    fi
    (cd "$peer" && .venv/bin/python db.py >/dev/null)
    "$peer/stop.sh" >/dev/null # leftovers of an interrupted run, by their pid files
    port_open "$peer_port" && die "port $peer_port is taken; the peer needs it"
    say "starting the Celery peer on port $peer_port"
    PORT=$peer_port "$peer/start.sh" >/dev/null
    if ! wait_for 30 curl -fsS "http://127.0.0.1:$peer_port/health" -o /dev/null; then
        show_log_tail "$peer/logs/web.log" "$peer/logs/worker.log"
        "$peer/stop.sh" >/dev/null
        die "the Celery peer did not come up on port $peer_port"
    fi
}

case ${1:-} in
    start) start ;;
    stop) [[ -x $peer/stop.sh ]] && "$peer/stop.sh" >/dev/null; say "peer stopped" ;;
    load) shift; "$peer/.venv/bin/python" "$peer/load.py" --url "http://127.0.0.1:$peer_port/process" --pg-dsn "$PEER_PG_DSN" "$@" ;;
    load-at) shift; "$peer/.venv/bin/python" "$peer/load.py" --url "$1" --pg-dsn "$2" "${@:3}" ;;
    *) echo "usage: $0 start|stop|load ARGS...|load-at URL DSN ARGS..." >&2; exit 2 ;;
esac
