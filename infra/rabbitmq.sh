#!/usr/bin/env bash
# The project's own RabbitMQ node: start | stop | restart | status | pid | join NODE | ctl ARGS...
#
# Data in $SLUICE_HOME/rabbitmq (also the node's HOME, holding its Erlang
# cookie), log in $SLUICE_HOME/logs/rabbitmq.log. Loopback only by default: AMQP on
# SLUICE_BIND_ADDRESS:SLUICE_RABBITMQ_PORT (56720), distribution on SLUICE_RABBITMQ_DIST_PORT (56721),
# and an epmd of our own on SLUICE_EPMD_PORT (56722) so that stopping can kill it
# without touching the epmd (4369) of any other Erlang node on the machine. The
# rabbitmq_prometheus plugin serves the broker's own metrics on
# SLUICE_BIND_ADDRESS:SLUICE_RABBITMQ_METRICS_PORT (AMQP port + 3, 56723): /metrics
# (totals) and /metrics/detailed?family=queue_coarse_metrics (depth of each queue).
#
# A cluster: start a node on each host with the host's address as SLUICE_BIND_ADDRESS and
# SLUICE_RABBITMQ_DIST_ADDRESS, the same SLUICE_RABBITMQ_COOKIE and ports, and a node name
# that the other hosts resolve (SLUICE_RABBITMQ_NODE=rabbit@HOST); then on every node but
# the first, `infra/rabbitmq.sh join rabbit@FIRST-HOST`.
# Other settings: infra/lib.sh.
set -euo pipefail
SLUICE_COMPONENT=rabbitmq
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RABBIT_DIR=$SLUICE_HOME/rabbitmq
RABBIT_LOG=$SLUICE_LOG_DIR/rabbitmq.log
RABBIT_STDOUT_LOG=$SLUICE_LOG_DIR/rabbitmq-stdout.log
RABBIT_PID_FILE=$RABBIT_DIR/rabbitmq.pid
RABBIT_SBIN=/usr/lib/rabbitmq/bin # the real scripts; /usr/sbin's wrappers su to `rabbitmq`
NODE=$SLUICE_RABBITMQ_NODE

# Everything the server and the CLI tools read. Pointing the env and plugin files
# at our folder keeps /etc/rabbitmq (the system node's settings) out of it.
export HOME=$RABBIT_DIR # the Erlang cookie is $HOME/.erlang.cookie, for server and CLI alike
export RABBITMQ_NODENAME=$NODE
export RABBITMQ_USE_LONGNAME=false # short names: `localhost` resolves with no DNS
export RABBITMQ_DIST_PORT=$SLUICE_RABBITMQ_DIST_PORT
export RABBITMQ_CONF_ENV_FILE=$RABBIT_DIR/rabbitmq-env.conf
export RABBITMQ_CONFIG_FILE=$RABBIT_DIR/rabbitmq.conf
export RABBITMQ_ADVANCED_CONFIG_FILE=$RABBIT_DIR/advanced.config
export RABBITMQ_ENABLED_PLUGINS_FILE=$RABBIT_DIR/enabled_plugins
export RABBITMQ_MNESIA_BASE=$RABBIT_DIR/mnesia
export RABBITMQ_LOG_BASE=$SLUICE_LOG_DIR
export RABBITMQ_LOGS=$RABBIT_LOG
export RABBITMQ_PID_FILE=$RABBIT_PID_FILE
DIST_ADDRESS=$SLUICE_RABBITMQ_DIST_ADDRESS
export ERL_EPMD_PORT=$SLUICE_EPMD_PORT ERL_EPMD_ADDRESS=$DIST_ADDRESS
# Distribution (node and CLI) on that address only (loopback by default), not on every interface.
dist_interface="-kernel inet_dist_use_interface {${DIST_ADDRESS//./,}}"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="$dist_interface ${SLUICE_RABBITMQ_ERL_ARGS:-}"
export RABBITMQ_CTL_ERL_ARGS=$dist_interface

ctl() {
    as_server_user "$RABBIT_SBIN/rabbitmqctl" -n "$NODE" "$@"
}

# Our node's Erlang VM and our epmd, found by what sets them apart on their
# command lines: the node's HOME (our data folder) and the epmd port. The
# "-s rabbit boot" leaves out CLI tools (rabbitmqctl), which share the HOME.
server_pids() { pids_matching beam.smp " -home $RABBIT_DIR " " -s rabbit boot "; }
epmd_pids() { pids_matching epmd " -port $SLUICE_EPMD_PORT "; }

# The pid of our running node, or nothing.
node_pid() { server_pids | head -n 1; }

no_leftovers() { [[ -z $(server_pids) && -z $(epmd_pids) ]]; }

# Everything of ours still alive, one "pid command" per line.
leftovers() {
    local pid
    for pid in $(server_pids) $(epmd_pids); do
        echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)"
    done
}

write_config() {
    # Regenerated on each start, so that a port changed through the environment
    # takes effect. The default user replaces `guest` from the first boot on.
    cat >"$RABBITMQ_CONFIG_FILE" <<EOF
# Written by infra/rabbitmq.sh on each start: edit the script, not this file.
listeners.tcp.1 = $SLUICE_BIND_ADDRESS:$SLUICE_RABBITMQ_PORT
default_user = $SLUICE_MQ_USER
default_pass = $SLUICE_MQ_PASSWORD
default_user_tags.administrator = true
log.console = false
log.file.level = info
# rabbitmq_prometheus (enabled_plugins), on the AMQP address rather than every interface
# and on a port of ours rather than 15692, which every node on the machine would share.
prometheus.tcp.ip = $SLUICE_BIND_ADDRESS
prometheus.tcp.port = $SLUICE_RABBITMQ_METRICS_PORT
# The default (50MB) would let a nearly full disk stall publishers silently.
disk_free_limit.absolute = 200MB
EOF
    echo "# Intentionally empty: keeps /etc/rabbitmq/rabbitmq-env.conf out." >"$RABBITMQ_CONF_ENV_FILE"
    # The broker's own metrics, for Prometheus. Not the management plugin (its UI and
    # HTTP API slow the boot); rabbitmq_prometheus brings only the management agent
    # (the stats it reads) and the web dispatcher (its HTTP listener).
    echo "[rabbitmq_prometheus]." >"$RABBITMQ_ENABLED_PLUGINS_FILE"
    local cookie=$RABBIT_DIR/.erlang.cookie
    if [[ -n ${SLUICE_RABBITMQ_COOKIE:-} ]]; then
        (umask 077 && printf '%s' "$SLUICE_RABBITMQ_COOKIE" >"$cookie")
    elif [[ ! -s $cookie ]]; then
        (umask 077 && od -An -N20 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F >"$cookie")
    fi
    if [[ $(id -u) == 0 ]]; then
        chown "$SLUICE_SERVER_USER:" "$RABBITMQ_CONFIG_FILE" "$RABBITMQ_CONF_ENV_FILE" \
            "$RABBITMQ_ENABLED_PLUGINS_FILE" "$cookie"
    fi
    chmod 600 "$cookie" # Erlang refuses a cookie that others can read
}

# Makes sure of vhost `sluice`, user `sluice` (administrator, full rights on it
# and on `/`) and no `guest`; each step is skipped when already true.
provision() {
    local vhosts users
    vhosts=$(ctl -q list_vhosts --no-table-headers)
    if ! grep -qx "$SLUICE_MQ_VHOST" <<<"$vhosts"; then
        ctl -q add_vhost "$SLUICE_MQ_VHOST"
    fi
    users=$(ctl -q list_users --no-table-headers)
    if ! grep -q "^$SLUICE_MQ_USER\b" <<<"$users"; then
        ctl -q add_user "$SLUICE_MQ_USER" "$SLUICE_MQ_PASSWORD"
    fi
    if ! grep -q "^$SLUICE_MQ_USER\b.*administrator" <<<"$users"; then
        ctl -q set_user_tags "$SLUICE_MQ_USER" administrator
    fi
    local vhost
    for vhost in "$SLUICE_MQ_VHOST" /; do
        if ! ctl -q list_user_permissions "$SLUICE_MQ_USER" --no-table-headers | grep -q "^$vhost\s"; then
            ctl -q set_permissions -p "$vhost" "$SLUICE_MQ_USER" '.*' '.*' '.*'
        fi
    done
    if grep -q '^guest\b' <<<"$users"; then
        ctl -q delete_user guest
    fi
}

start() {
    local pid
    pid=$(node_pid)
    if [[ -n $pid ]]; then
        say "already running (node $NODE, pid $pid, $SLUICE_AMQP_URL)"
        return 0
    fi
    # AMQP and the metrics on the bind address; the Erlang distribution and epmd on theirs.
    local port address
    for port in "$SLUICE_RABBITMQ_PORT" "$SLUICE_RABBITMQ_METRICS_PORT" "$SLUICE_RABBITMQ_DIST_PORT"; do
        address=$SLUICE_BIND_ADDRESS
        [[ $port == "$SLUICE_RABBITMQ_DIST_PORT" ]] && address=$DIST_ADDRESS
        port_open "$port" "$address" && die "port $port is already taken by another process;" \
            "choose others with SLUICE_RABBITMQ_PORT / SLUICE_RABBITMQ_METRICS_PORT / SLUICE_RABBITMQ_DIST_PORT"
        wait_until_bindable "$port" "$address"
    done
    ensure_server_dirs "$RABBIT_DIR"
    write_config
    rm -f "$RABBIT_PID_FILE"

    if [[ -z $(epmd_pids) ]]; then
        port_open "$SLUICE_EPMD_PORT" "$DIST_ADDRESS" && die "port $SLUICE_EPMD_PORT (epmd) is taken by another process"
        wait_until_bindable "$SLUICE_EPMD_PORT" "$DIST_ADDRESS"
        # Started by us, with its port on the command line, so that stop can find it.
        as_server_user epmd -daemon -port "$SLUICE_EPMD_PORT" -address "$DIST_ADDRESS"
    fi

    say "starting node $NODE on $SLUICE_BIND_ADDRESS:$SLUICE_RABBITMQ_PORT (boot takes 10-20 s)"
    # In the foreground of its own session rather than with -detached, so that
    # what it prints before its logger is up (bad config, port taken) lands in a file.
    "${AS_SERVER_USER[@]}" setsid "$RABBIT_SBIN/rabbitmq-server" </dev/null >>"$RABBIT_STDOUT_LOG" 2>&1 &
    local launcher=$!

    # await_startup gives up at once while the node is not yet reachable, so it is
    # retried until the deadline; the launcher exiting early means the boot failed.
    local deadline=$((SECONDS + SLUICE_START_TIMEOUT))
    until ctl -q await_startup --timeout $((deadline - SECONDS > 10 ? 10 : deadline - SECONDS + 1)) >/dev/null 2>&1; do
        if ! pid_alive "$launcher"; then
            show_log_tail "$RABBIT_STDOUT_LOG" "$RABBIT_LOG"
            stop >/dev/null 2>&1 || true # our epmd
            die "RabbitMQ exited during boot (logs above)"
        fi
        if ((SECONDS >= deadline)); then
            show_log_tail "$RABBIT_STDOUT_LOG" "$RABBIT_LOG"
            stop >/dev/null 2>&1 || true # leave no half-booted node behind
            die "RabbitMQ did not come up within ${SLUICE_START_TIMEOUT}s (logs above)"
        fi
        sleep 1
    done
    # The plugin starts during the boot that await_startup waited for, so its listener is
    # up by now; a node without it would leave the queue depths unwatched, unnoticed.
    if ! wait_for 10 port_open "$SLUICE_RABBITMQ_METRICS_PORT"; then
        show_log_tail "$RABBIT_LOG"
        stop >/dev/null 2>&1 || true
        die "RabbitMQ booted but rabbitmq_prometheus does not listen on $SLUICE_BIND_ADDRESS:$SLUICE_RABBITMQ_METRICS_PORT (log above)"
    fi
    provision
    say "running (node $NODE, pid $(node_pid), $SLUICE_AMQP_URL, metrics $SLUICE_RABBITMQ_METRICS_URL)"
}

stop() {
    local pid
    pid=$(node_pid)
    if [[ -n $pid ]]; then
        say "stopping node $NODE (pid $pid)"
        # `stop <pidfile>` returns once the VM has exited, not just the app.
        as_server_user timeout 60 "$RABBIT_SBIN/rabbitmqctl" -n "$NODE" -q stop "$RABBIT_PID_FILE" >/dev/null 2>&1 ||
            say "rabbitmqctl stop failed; terminating the VM"
    fi
    # Our epmd serves only our node, so it goes too, and so does a VM of ours that
    # the stop above missed (e.g. one whose boot timed out).
    local leftover
    for leftover in $(server_pids) $(epmd_pids); do
        kill -TERM "$leftover" 2>/dev/null || true
    done
    if ! wait_for 20 no_leftovers; then
        for leftover in $(server_pids) $(epmd_pids); do
            kill -KILL "$leftover" 2>/dev/null || true
        done
        sleep 1
    fi
    if ! no_leftovers; then
        leftovers >&2
        die "processes of ours are still running after stop (listed above)"
    fi
    rm -f "$RABBIT_PID_FILE"
    if [[ -n $pid ]]; then say "stopped"; else say "not running; nothing left of ours"; fi
}

# Joins the cluster of node $1 (this node's own data is reset: the cluster's users,
# vhosts and queues are what it serves from then on); nothing to do when already a member.
join() {
    local seed=${1:?usage: rabbitmq.sh join NODE}
    [[ -n $(node_pid) ]] || die "node $NODE is not running: start it first"
    if ctl -q cluster_status --formatter json | grep -q "\"$seed\""; then
        say "node $NODE is already in the cluster of $seed"
        return 0
    fi
    say "node $NODE joining the cluster of $seed"
    ctl -q stop_app
    ctl -q join_cluster "$seed" || {
        ctl -q start_app || true
        die "node $NODE could not join $seed (is it running, with the same cookie and ports?)"
    }
    ctl -q start_app
    ctl -q await_startup --timeout "$SLUICE_START_TIMEOUT" >/dev/null
    say "node $NODE is in the cluster of $seed"
}

status() {
    local pid
    pid=$(node_pid)
    if [[ -n $pid ]]; then
        say "running: node $NODE, pid $pid"
    else
        say "stopped: node $NODE"
    fi
    say "  AMQP      $SLUICE_AMQP_URL (vhost $SLUICE_MQ_VHOST)"
    say "  ports     AMQP $SLUICE_BIND_ADDRESS:$SLUICE_RABBITMQ_PORT, distribution $SLUICE_RABBITMQ_DIST_PORT, epmd $SLUICE_EPMD_PORT ($DIST_ADDRESS)"
    say "  metrics   $SLUICE_RABBITMQ_METRICS_URL, per queue: $SLUICE_RABBITMQ_METRICS_URL/detailed?family=queue_coarse_metrics"
    say "  data      $RABBIT_DIR"
    say "  log       $RABBIT_LOG"
    say "  CLI       infra/rabbitmq.sh ctl ARGS... (rabbitmqctl -n $NODE, with our cookie and epmd)"
    [[ -n $pid ]]
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    restart) stop && start ;;
    status) status ;;
    join) join "${2:-}" ;;
    pid) # the running node's process id (the chaos tests freeze it)
        node_pid | grep . ;;
    ctl) # rabbitmqctl against our node, e.g. `infra/rabbitmq.sh ctl list_queues -p sluice`
        shift
        ctl "$@"
        ;;
    *)
        echo "usage: $0 start|stop|restart|status|pid|join NODE|ctl RABBITMQCTL-ARGS..." >&2
        exit 2
        ;;
esac
