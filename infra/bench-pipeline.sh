#!/usr/bin/env bash
# End-to-end job latency over HTTP: Sluice's gateway against a Celery pipeline
# (/work/shared/peers/celery, Flask + Celery over RabbitMQ + PostgreSQL) in the
# same run, alternating requests so that machine noise hits both. Small jobs (the
# seed sample) and one large job per round; see infra/bench/pipeline_latency.py.
# The peer runs from $SLUICE_HOME/peer-celery (own venv) on our RabbitMQ (vhost
# `peer`) and PostgreSQL (database `peer`), on port 8090, and is stopped on exit.
# Needs Sluice's services running (`make run`) and SLUICE_API_KEY (a write key).
# Usage: infra/bench-pipeline.sh [seed-sample requests, default 20] [large-job rounds, default 3]
set -euo pipefail
SLUICE_COMPONENT=bench-pipeline
# shellcheck source=infra/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$SLUICE_REPO"
requests=${1:-20}
rounds=${2:-3}
sluice_url=http://127.0.0.1:${SLUICE_HTTP_PORT:-58080}
peer_port=8090
peer_src=${SLUICE_PEER_SRC:-$SLUICE_REPO/../shared/peers/celery}
peer=$SLUICE_HOME/peer-celery

curl -fsS "$sluice_url/ready" >/dev/null || die "Sluice does not answer $sluice_url/ready: run \`make run\` first"
[[ -n ${SLUICE_API_KEY:-} ]] || die "SLUICE_API_KEY is not set: \`make bench-pipeline\` reads it from .sluice/api-key"
[[ -f $peer_src/tasks.py ]] || die "no Celery peer at $peer_src"
eval "$(infra/stack.sh env)"

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
export PEER_BROKER=${SLUICE_AMQP_URL%/*}/peer
export PEER_PG_DSN=${SLUICE_DATABASE_URL%/*}/peer
(cd "$peer" && .venv/bin/python db.py >/dev/null)

"$peer/stop.sh" >/dev/null # leftovers of an interrupted run, by their pid files
port_open "$peer_port" && die "port $peer_port is taken; the peer needs it"
trap '"$peer/stop.sh" >/dev/null; say "peer stopped"' EXIT
say "starting the Celery peer on port $peer_port"
PORT=$peer_port "$peer/start.sh" >/dev/null
if ! wait_for 30 curl -fsS "http://127.0.0.1:$peer_port/health" -o /dev/null; then
    show_log_tail "$peer/logs/web.log" "$peer/logs/worker.log"
    die "the Celery peer did not come up on port $peer_port"
fi

.sluice/venv/bin/python infra/bench/pipeline_latency.py --sluice "$sluice_url" \
    --peer "http://127.0.0.1:$peer_port" --peer-name celery \
    --requests "$requests" --rounds "$rounds" --json "$SLUICE_HOME/bench/pipeline-latency.json"
