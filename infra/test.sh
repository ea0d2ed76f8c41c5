#!/usr/bin/env bash
# What `make test` runs, with ../shared hidden (infra/without-shared.sh): installs what
# is missing, starts the project's RabbitMQ and PostgreSQL, builds, runs `make run` on
# that build (then stops its services), the Swift tests, the compose test, the Spark
# driver test, the chaos, dashboard, OpenAPI and cluster tests, and stops every server
# (and removes every test host) it started at the end whatever happened. The exit status is the first failing step's;
# the last lines name that step.
#
# SLUICE_KEEP_STACK=1 leaves the servers running afterwards (for a rerun, or when
# others are using them).
set -euo pipefail
# Whether the caller chose ports (read before lib.sh fills in the defaults).
ports_chosen=${SLUICE_RABBITMQ_PORT:-}${SLUICE_RABBITMQ_DIST_PORT:-}${SLUICE_EPMD_PORT:-}${SLUICE_POSTGRES_PORT:-}${SLUICE_HTTP_PORT:-}
ports_chosen+=${SLUICE_RABBITMQ_METRICS_PORT:-}${SLUICE_POSTGRES_METRICS_PORT:-}
SLUICE_COMPONENT=tests
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SLUICE_REPO"
command -v swift >/dev/null || PATH=/opt/swift/usr/bin:$PATH

# The repository must stand alone: every step runs with ../shared hidden
# (infra/without-shared.sh), as in a clone with nothing beside it. The one optional
# extra used here, the Compose schema, is copied out first for the compose test.
if [[ -z ${SLUICE_SHARED:-} ]]; then
    schema=$SLUICE_REPO/../shared/schemas/compose-spec.json
    if [[ -z ${SLUICE_COMPOSE_SCHEMA:-} && -f $schema ]]; then
        mkdir -p "$SLUICE_HOME/extras"
        cp "$schema" "$SLUICE_HOME/extras/compose-spec.json"
        export SLUICE_COMPOSE_SCHEMA=$SLUICE_HOME/extras/compose-spec.json
    fi
    exec infra/without-shared.sh "$0" "$@"
fi

step="(setup)"
step_started=$SECONDS
# Set while the 'make run' step's services may be running, so that the end stops them.
make_run_services=
# Set once the cluster step has begun, so that the end removes any test host it left.
cluster_started=

run_step() {
    step=$1
    shift
    step_started=$SECONDS
    say "==> $step"
    "$@"
    say "<== $step: ok ($((SECONDS - step_started)) s)"
}

finish() {
    local rc=$?
    trap - EXIT
    if ((rc != 0)); then
        say "FAILED: step '$step' (exit status $rc, after $((SECONDS - step_started)) s)"
    fi
    # The cluster suite removes its test hosts itself; this is for a run cut short.
    if [[ -n $cluster_started && $(id -u) == 0 ]] && ! infra/cluster.sh down >/dev/null; then
        say "FAILED: removing the test hosts (infra/cluster.sh down)"
        ((rc != 0)) || rc=1
    fi
    if [[ -n $make_run_services ]] && ! infra/services.sh stop; then
        say "FAILED: stopping the services of the 'make run' step"
        ((rc != 0)) || rc=1
    fi
    if [[ ${SLUICE_KEEP_STACK:-0} == 1 ]]; then
        say "SLUICE_KEEP_STACK=1: leaving RabbitMQ and PostgreSQL running"
    elif ! infra/stack.sh stop; then
        say "FAILED: stopping the stack"
        ((rc != 0)) || rc=1
    fi
    ((rc != 0)) || say "all steps passed"
    exit "$rc"
}
trap finish EXIT
# Turn Ctrl-C and kill into an ordinary exit, so the EXIT trap stops the stack.
trap 'exit 130' INT
trap 'exit 143' TERM

# True when each server's ports are free, or held by this checkout's own server.
ports_usable() {
    infra/rabbitmq.sh status >/dev/null ||
        ! { port_open "$SLUICE_RABBITMQ_PORT" || port_open "$SLUICE_RABBITMQ_DIST_PORT" || port_open "$SLUICE_EPMD_PORT" ||
            port_open "$SLUICE_RABBITMQ_METRICS_PORT"; } ||
        return 1
    infra/postgres.sh status >/dev/null || ! port_open "$SLUICE_POSTGRES_PORT" || return 1
    infra/postgres-exporter.sh status >/dev/null || ! port_open "$SLUICE_POSTGRES_METRICS_PORT" 127.0.0.1 || return 1
    # The 'make run' step's gateway and the four workers' health ports after it.
    local port
    for port in $(seq "${SLUICE_HTTP_PORT:-58080}" $((${SLUICE_HTTP_PORT:-58080} + 4))); do
        ! port_open "$port" || return 1
    done
}

# `make run` as a new user runs it (the stack, migrations, topology, a key, the five
# services, the seed sample through the gateway), on the debug build just made, with
# ../shared hidden; then each service is killed and started again (Tests/services), and
# its services stop again. Skipped when this checkout's own
# services already run (a developer's `make run`): they are not this run's to stop.
make_run() {
    if infra/services.sh status >/dev/null; then
        say "this checkout's services are running (make run): the 'make run' check needs them stopped; skipped"
        return 0
    fi
    make_run_services=1
    make run CONFIGURATION=debug
    # A service killed with SIGKILL is started again at once, its log kept (Tests/services).
    SLUICE_BIN_DIR=.build/debug "${SLUICE_VENV:-$SLUICE_REPO/.sluice/venv}/bin/python" -m pytest -q -p no:cacheprovider Tests/services
    infra/services.sh stop
    make_run_services=
}

# Another checkout's stack (a fresh clone tested beside a working copy whose
# servers run) holds the default ports: move this run's servers to free ones,
# all of them (and the metrics ports) shifted by the same step. The tests read the URLs from the environment.
choose_ports() {
    [[ -z $ports_chosen ]] || return 0
    local offset=0
    until ports_usable; do
        offset=$((offset + 100))
        ((offset <= 1000)) || die "no free ports found near the defaults; set SLUICE_*_PORT (infra/README.md)"
        export SLUICE_RABBITMQ_PORT=$((56720 + offset)) SLUICE_RABBITMQ_DIST_PORT=$((56721 + offset))
        export SLUICE_EPMD_PORT=$((56722 + offset)) SLUICE_POSTGRES_PORT=$((55432 + offset))
        export SLUICE_RABBITMQ_METRICS_PORT=$((56723 + offset)) SLUICE_POSTGRES_METRICS_PORT=$((55433 + offset))
        export SLUICE_HTTP_PORT=$((58080 + offset))
        export SLUICE_RABBITMQ_NODE=sluice-$SLUICE_RABBITMQ_PORT@localhost
    done
    ((offset == 0)) || say "default ports are taken by another stack: this run uses AMQP $SLUICE_RABBITMQ_PORT, PostgreSQL $SLUICE_POSTGRES_PORT"
}

run_step "install" infra/install.sh
choose_ports
run_step "start the stack" infra/stack.sh start
eval "$(infra/stack.sh env)"
run_step "swift build --build-tests" swift build --build-tests
# Not --parallel: every test process would share the one broker and database.
# Suites run concurrently inside the process, except BrokerRestartTests, which stops
# and starts the shared broker and so runs alone afterwards. A time limit on each
# phase turns a hang into a failure instead of eating CI's time.
run_step "make run (the repository alone: SLUICE_SHARED=$SLUICE_SHARED)" make_run
run_step "swift test" timeout --kill-after=30 1200 swift test --skip BrokerRestartTests
run_step "swift test (broker restart)" timeout --kill-after=30 600 swift test --skip-build --filter BrokerRestartTests
run_step "compose test" "${SLUICE_VENV:-$SLUICE_REPO/.sluice/venv}/bin/python" -m pytest -q -rs -p no:cacheprovider Tests/compose
run_step "spark driver test" timeout --kill-after=30 600 "${SLUICE_VENV:-$SLUICE_REPO/.sluice/venv}/bin/python" -m pytest -q -p no:cacheprovider Tests/spark
# The five services as processes, killed one by one mid-batch (Tests/chaos).
run_step "chaos test" timeout --kill-after=30 1500 "${SLUICE_VENV:-$SLUICE_REPO/.sluice/venv}/bin/python" -m pytest -q -s -p no:cacheprovider Tests/chaos
# The dashboard in a headless Chromium: each view driven and checked against the API (about 2 minutes).
run_step "dashboard test" timeout --kill-after=30 600 "${SLUICE_VENV:-$SLUICE_REPO/.sluice/venv}/bin/python" -m pytest -q -s -p no:cacheprovider Tests/dashboard
# The gateway's answers against its OpenAPI document (schemathesis, bounded; Tests/openapi).
run_step "openapi test" timeout --kill-after=30 300 "${SLUICE_VENV:-$SLUICE_REPO/.sluice/venv}/bin/python" -m pytest -q -p no:cacheprovider Tests/openapi
# Test hosts (infra/cluster.sh) with Spark in its standalone cluster form; skipped, saying why, without root.
cluster_started=1
run_step "cluster test" timeout --kill-after=30 600 "${SLUICE_VENV:-$SLUICE_REPO/.sluice/venv}/bin/python" -m pytest -q -rs -p no:cacheprovider Tests/cluster
