#!/usr/bin/env bash
# End-to-end job latency over HTTP: Sluice's gateway against a Celery pipeline
# (../shared/peers/celery, an optional extra: Flask + Celery over RabbitMQ + PostgreSQL) in the
# same run, alternating requests so that machine noise hits both. Small jobs (the
# seed sample) and one large job per round; see infra/bench/pipeline_latency.py.
# The peer is started by infra/peer-celery.sh and stopped on exit.
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
peer_port=${SLUICE_PEER_PORT:-8090}

curl -fsS "$sluice_url/ready" >/dev/null || die "Sluice does not answer $sluice_url/ready: run \`make run\` first"
[[ -n ${SLUICE_API_KEY:-} ]] || die "SLUICE_API_KEY is not set: \`make bench-pipeline\` reads it from .sluice/api-key"
eval "$(infra/stack.sh env)"

trap 'infra/peer-celery.sh stop' EXIT
infra/peer-celery.sh start

.sluice/venv/bin/python infra/bench/pipeline_latency.py --sluice "$sluice_url" \
    --peer "http://127.0.0.1:$peer_port" --peer-name celery \
    --requests "$requests" --rounds "$rounds" --json "$SLUICE_HOME/bench/pipeline-latency.json"
