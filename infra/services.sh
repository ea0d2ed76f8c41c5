#!/usr/bin/env bash
# The five services (validator, gpu-normalizer, spark-runner, analyzer, gateway) in
# the background, as `make run` starts them: release binaries from .build/release, logs in
# $SLUICE_HOME/logs/<service>.log, pids in $SLUICE_HOME/run/<service>.pid.
#
#   infra/services.sh start|stop|status
#
# start waits until each service is up (the spark-runner until its Spark session is
# warm, which takes 10-30 s; the gateway until it listens on SLUICE_HTTP_PORT); stop sends SIGTERM (graceful: in-flight jobs finish or
# go back to their queue) and SIGKILL after 30 s. Both are harmless when repeated.
set -euo pipefail
SLUICE_COMPONENT=services
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SLUICE_REPO"

# Workers first, the gateway last: it takes jobs only once they can be worked on.
services=(validator gpu-normalizer spark-runner analyzer gateway)
# Where each worker serves /health and /ready (SLUICE_HEALTH_PORT); the gateway has its own on SLUICE_HTTP_PORT.
declare -A health_ports=([validator]=58081 [gpu-normalizer]=58082 [spark-runner]=58083 [analyzer]=58084)
bin_dir=${SLUICE_BIN_DIR:-$SLUICE_REPO/.build/release}
run_dir=$SLUICE_HOME/run

pid_of() {
    local pid
    pid=$(cat "$run_dir/$1.pid" 2>/dev/null) || return 1
    pid_alive "$pid" && echo "$pid"
}

ready() {
    local service=$1 log=$SLUICE_LOG_DIR/$1.log
    pid_of "$service" >/dev/null || die "$service exited while starting; the end of $log:
$(tail -n 20 "$log")"
    case $service in
        gateway) grep -q "listening" "$log" ;;
        # The spark-runner is ready once its Spark session is warm.
        spark-runner) grep -q "consuming" "$log" && grep -q "the Spark driver is ready" "$log" ;;
        *) grep -q "consuming" "$log" ;;
    esac
}

start() {
    mkdir -p "$run_dir" "$SLUICE_LOG_DIR"
    eval "$(infra/stack.sh env)"
    local service
    for service in "${services[@]}"; do
        [[ -x $bin_dir/$service ]] || die "$bin_dir/$service is missing: run 'swift build -c release' first"
        if pid=$(pid_of "$service"); then
            say "$service already running (pid $pid)"
            continue
        fi
        : >"$SLUICE_LOG_DIR/$service.log"
        SLUICE_HEALTH_PORT=${health_ports[$service]:-} nohup "$bin_dir/$service" >>"$SLUICE_LOG_DIR/$service.log" 2>&1 </dev/null &
        echo $! >"$run_dir/$service.pid"
        say "started $service (pid $!, log $SLUICE_LOG_DIR/$service.log)"
    done
    for service in "${services[@]}"; do
        wait_for "$SLUICE_START_TIMEOUT" ready "$service" || die "$service did not get ready in ${SLUICE_START_TIMEOUT} s; see $SLUICE_LOG_DIR/$service.log"
    done
    say "all five services are up; the gateway listens on ${SLUICE_HTTP_URL:-http://127.0.0.1:${SLUICE_HTTP_PORT:-58080}}"
}

stop() {
    local service pid
    # The gateway first, so that no new job arrives while the workers drain.
    local i
    for ((i = ${#services[@]} - 1; i >= 0; i--)); do
        service=${services[i]}
        if pid=$(pid_of "$service"); then
            kill -TERM "$pid"
            if ! wait_for 30 bash -c "! kill -0 $pid 2>/dev/null"; then
                say "$service did not stop in 30 s; killing it"
                kill -KILL "$pid" 2>/dev/null || true
            fi
            say "stopped $service"
        fi
        rm -f "$run_dir/$service.pid"
    done
}

status() {
    local service pid rc=0
    for service in "${services[@]}"; do
        if pid=$(pid_of "$service"); then say "$service running (pid $pid)"; else say "$service stopped"; rc=3; fi
    done
    return $rc
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
