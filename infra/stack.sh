#!/usr/bin/env bash
# Both servers of the project together, with PostgreSQL's metrics exporter:
# start | stop | restart | status | env.
#
#   infra/stack.sh start           PostgreSQL, its exporter, then RabbitMQ (each: "already running" if so)
#   infra/stack.sh stop            all three, and checks that nothing of ours is left
#   eval "$(infra/stack.sh env)"   the variables that services and tests read
#
# Ports, data folder and credentials: infra/lib.sh and infra/README.md.
set -euo pipefail
SLUICE_COMPONENT=stack
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
infra=$SLUICE_INFRA_DIR

env_lines() {
    local name
    for name in SLUICE_AMQP_URL SLUICE_DATABASE_URL SLUICE_MIGRATIONS_DIR SLUICE_ARTIFACT_DIR \
        SLUICE_HOME SLUICE_RABBITMQ_PORT SLUICE_RABBITMQ_DIST_PORT SLUICE_EPMD_PORT \
        SLUICE_RABBITMQ_NODE SLUICE_POSTGRES_PORT SLUICE_INFRA_DIR \
        SLUICE_RABBITMQ_METRICS_PORT SLUICE_RABBITMQ_METRICS_URL \
        SLUICE_POSTGRES_METRICS_PORT SLUICE_POSTGRES_METRICS_URL; do
        printf 'export %s=%q\n' "$name" "${!name}"
    done
}

case ${1:-} in
    start)
        "$infra/postgres.sh" start
        "$infra/postgres-exporter.sh" start
        "$infra/rabbitmq.sh" start
        ;;
    stop)
        # Each is stopped even if one before it fails; the exporter before its server, so
        # that it does not log the server's going as errors.
        rc=0
        "$infra/rabbitmq.sh" stop || rc=$?
        "$infra/postgres-exporter.sh" stop || rc=$?
        "$infra/postgres.sh" stop || rc=$?
        exit $rc
        ;;
    restart)
        "$0" stop
        "$0" start
        ;;
    status)
        # Exit status 0 only when all three are running.
        rc=0
        "$infra/postgres.sh" status || rc=$?
        "$infra/postgres-exporter.sh" status || rc=$?
        "$infra/rabbitmq.sh" status || rc=$?
        exit $rc
        ;;
    env) env_lines ;;
    *)
        echo "usage: $0 start|stop|restart|status|env" >&2
        exit 2
        ;;
esac
