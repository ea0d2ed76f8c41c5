#!/usr/bin/env bash
# The five services (validator, gpu-normalizer, spark-runner, analyzer, gateway) in
# the background, as `make run` starts them: release binaries from .build/release, logs in
# $SLUICE_HOME/logs/<service>.log (the five runs before as <service>.log.1 … .5), pids in
# $SLUICE_HOME/run/<service>.pid. Each runs under infra/supervise.sh, which starts it again
# when it crashes (SLUICE_SUPERVISE=0: bare). A service that died (even one its parent has
# not reaped yet) and has no supervisor counts as stopped: `start` starts it again.
#
#   infra/services.sh start|stop|status
#   infra/services.sh restart SERVICE...   stop and start these (all their replicas), with this shell's environment
#   infra/services.sh add SERVICE          one more replica of a worker (SERVICE.2, .3, …; stop stops them too)
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
# Where each worker serves /health and /ready (SLUICE_HEALTH_PORT): the four ports after the
# gateway's SLUICE_HTTP_PORT (58081-58084 by default), so one setting moves the whole set.
http_port=${SLUICE_HTTP_PORT:-58080}
declare -A health_ports=([validator]=$((http_port + 1)) [gpu-normalizer]=$((http_port + 2)) [spark-runner]=$((http_port + 3)) [analyzer]=$((http_port + 4)))
bin_dir=${SLUICE_BIN_DIR:-$SLUICE_REPO/.build/release}
run_dir=$SLUICE_HOME/run
# 1 (the default): each service runs under infra/supervise.sh, which starts it again
# when it exits unexpectedly; 0: bare, as a test of the services' own exits wants them.
SLUICE_SUPERVISE=${SLUICE_SUPERVISE:-1}
[[ $SLUICE_SUPERVISE == [01] ]] || die "SLUICE_SUPERVISE must be 0 or 1; found '$SLUICE_SUPERVISE'"

pid_of() {
    local pid
    pid=$(cat "$run_dir/$1.pid" 2>/dev/null) || return 1
    pid_alive "$pid" && echo "$pid"
}

# The pid of the instance's supervisor (infra/supervise.sh), while one runs.
supervisor_of() {
    local pid
    pid=$(cat "$run_dir/$1.pid.supervisor" 2>/dev/null) || return 1
    pid_alive "$pid" && echo "$pid"
}

# An instance is a service's name, or NAME.N for its Nth replica (infra/services.sh add).
ready() {
    local instance=$1 log=$SLUICE_LOG_DIR/$1.log
    pid_of "$instance" >/dev/null || die "$instance exited while starting; the end of $log:
$(tail -n 20 "$log")"
    case ${instance%%.*} in
        gateway) grep -q "listening" "$log" ;;
        # The spark-runner is ready once its Spark session is warm (in cold mode no session waits for jobs).
        spark-runner) grep -q "consuming" "$log" && grep -Eq "the Spark driver is ready|Spark in cold mode" "$log" ;;
        *) grep -q "consuming" "$log" ;;
    esac
}

# Starts one instance in the background; replica N serves /health on its service's port + 100 * (N - 1).
launch() {
    local instance=$1 service=${1%%.*} replica=1 port=
    [[ $instance == *.* ]] && replica=${instance##*.}
    [[ -x $bin_dir/$service ]] || die "$bin_dir/$service is missing: run 'swift build -c release' first"
    [[ -n ${health_ports[$service]:-} ]] && port=$((health_ports[$service] + 100 * (replica - 1)))
    # The log of the run before (which may say why it stopped) becomes $instance.log.1.
    rotate_log "$SLUICE_LOG_DIR/$instance.log"
    rm -f "$run_dir/$instance.pid" "$run_dir/$instance.pid.supervisor"
    if [[ $SLUICE_SUPERVISE == 1 ]]; then
        # Started again after a crash by its supervisor, which writes the service's pid.
        SLUICE_HEALTH_PORT=$port nohup infra/supervise.sh "$run_dir/$instance.pid" "$bin_dir/$service" \
            >>"$SLUICE_LOG_DIR/$instance.log" 2>&1 </dev/null &
        wait_for 10 test -s "$run_dir/$instance.pid" || die "the supervisor of $instance did not start it; see $SLUICE_LOG_DIR/$instance.log"
    else
        SLUICE_HEALTH_PORT=$port nohup "$bin_dir/$service" >>"$SLUICE_LOG_DIR/$instance.log" 2>&1 </dev/null &
        echo $! >"$run_dir/$instance.pid"
    fi
    say "started $instance (pid $(cat "$run_dir/$instance.pid"), log $SLUICE_LOG_DIR/$instance.log)"
}

start() {
    mkdir -p "$run_dir" "$SLUICE_LOG_DIR"
    eval "$(infra/stack.sh env)"
    local service pid
    for service in "$@"; do
        if pid=$(pid_of "$service"); then
            say "$service already running (pid $pid)"
            continue
        fi
        if pid=$(supervisor_of "$service"); then
            say "$service is being started again by its supervisor (pid $pid)"
            continue
        fi
        launch "$service"
    done
    for service in "$@"; do
        wait_for "$SLUICE_START_TIMEOUT" ready "$service" || die "$service did not get ready in ${SLUICE_START_TIMEOUT} s; see $SLUICE_LOG_DIR/$service.log"
    done
}

# One more replica of a worker service, with the environment of this shell (SLUICE_* settings included).
add() {
    local service=$1 replica=2
    [[ -n ${health_ports[$service]:-} ]] || die "add takes a worker service (${!health_ports[*]}); a second gateway needs a port of its own (SLUICE_HTTP_PORT)"
    while pid_of "$service.$replica" >/dev/null; do replica=$((replica + 1)); done
    start "$service.$replica"
}

stop() {
    local service pidfile instance pid supervisor i
    # The gateway first, so that no new job arrives while the workers drain.
    for ((i = $# ; i >= 1; i--)); do
        service=${!i}
        for pidfile in "$run_dir/$service.pid" "$run_dir/$service".*.pid; do
            [[ -e $pidfile ]] || continue
            instance=$(basename "$pidfile" .pid)
            supervisor=$(supervisor_of "$instance") || supervisor=
            pid=$(pid_of "$instance") || pid=
            if [[ -n $supervisor || -n $pid ]]; then
                # A supervisor passes SIGTERM on to its service and then ends, restarting nothing.
                kill -TERM "${supervisor:-$pid}"
                if ! wait_for 30 pid_gone "$pid" || ! wait_for 5 pid_gone "$supervisor"; then
                    say "$instance did not stop in 30 s; killing it"
                    kill -KILL $supervisor $pid 2>/dev/null || true
                fi
                say "stopped $instance"
            fi
            rm -f "$pidfile" "$pidfile.supervisor"
        done
    done
}

status() {
    local service pid rc=0
    for service in "${services[@]}"; do
        if pid=$(pid_of "$service"); then
            say "$service running (pid $pid$(supervisor_of "$service" >/dev/null && echo ", supervised"))"
        elif pid=$(supervisor_of "$service"); then
            say "$service restarting (its supervisor, pid $pid, starts it again)"
            rc=3
        else
            say "$service stopped"
            rc=3
        fi
    done
    return $rc
}

known() {
    local service
    for service in "$@"; do
        [[ " ${services[*]} " == *" $service "* ]] || die "unknown service '$service' (one of: ${services[*]})"
    done
}

case ${1:-} in
    start) start "${services[@]}"; say "all five services are up; the gateway listens on ${SLUICE_HTTP_URL:-http://127.0.0.1:${SLUICE_HTTP_PORT:-58080}}" ;;
    stop) stop "${services[@]}" ;;
    status) status ;;
    restart) shift; known "$@"; stop "$@"; start "$@" ;;
    add) [[ $# == 2 ]] || die "usage: $0 add SERVICE"; known "$2"; add "$2" ;;
    *) echo "usage: $0 start|stop|status | restart SERVICE... | add SERVICE" >&2; exit 2 ;;
esac
