# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables below are read by the scripts that source this file
# Shared by infra/*.sh (sourced, not run): where the project's servers live, which
# ports they use, and how to run a command as the unprivileged server user.
#
# Environment (all optional):
#   SLUICE_HOME                 data folder            default <repo>/.sluice
#   SLUICE_RABBITMQ_PORT        AMQP port              default 56720
#   SLUICE_RABBITMQ_DIST_PORT   Erlang distribution    default 56721
#   SLUICE_EPMD_PORT            our own epmd           default 56722
#   SLUICE_RABBITMQ_NODE        Erlang node name       default sluice-<AMQP port>@localhost
#   SLUICE_RABBITMQ_DIST_ADDRESS  where epmd and the Erlang distribution listen, default 127.0.0.1;
#                               a cluster node's host address, so that the other nodes reach it
#   SLUICE_RABBITMQ_COOKIE      the Erlang cookie every node of a cluster shares (default: a random
#                               one kept in the node's folder)
#   SLUICE_RABBITMQ_ERL_ARGS    more Erlang VM flags, e.g. `+S 1 +sbwt none` on a small host
#   SLUICE_RABBITMQ_METRICS_PORT  the rabbitmq_prometheus plugin's port, on the AMQP address,
#                               default the AMQP port + 3 (56723), so that moving the AMQP port moves it
#   SLUICE_POSTGRES_PORT        PostgreSQL port        default 55432
#   SLUICE_POSTGRES_METRICS_PORT  prometheus-postgres-exporter's port, on 127.0.0.1,
#                               default the PostgreSQL port + 1 (55433)
#   SLUICE_BIND_ADDRESS         the address the servers listen on (AMQP, PostgreSQL), default 127.0.0.1;
#                               a test host's own (infra/cluster.sh) to serve the other hosts
#   SLUICE_START_TIMEOUT        seconds to wait for a server to come up, default 90
#   SLUICE_MIGRATIONS_DIR       default <repo>/infra/migrations   } passed on by
#   SLUICE_ARTIFACT_DIR         default $SLUICE_HOME/artifacts    } `stack.sh env`

SLUICE_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SLUICE_HOME=${SLUICE_HOME:-$SLUICE_REPO/.sluice}
case $SLUICE_HOME in
    /*) ;;
    *) SLUICE_HOME=$PWD/$SLUICE_HOME ;; # the servers chdir, so the path must be absolute
esac
SLUICE_LOG_DIR=$SLUICE_HOME/logs
SLUICE_INFRA_DIR=$SLUICE_REPO/infra
# For the services run outside Docker (the image sets its own).
SLUICE_MIGRATIONS_DIR=${SLUICE_MIGRATIONS_DIR:-$SLUICE_INFRA_DIR/migrations}
SLUICE_ARTIFACT_DIR=${SLUICE_ARTIFACT_DIR:-$SLUICE_HOME/artifacts}

SLUICE_RABBITMQ_PORT=${SLUICE_RABBITMQ_PORT:-56720}
SLUICE_RABBITMQ_DIST_PORT=${SLUICE_RABBITMQ_DIST_PORT:-56721}
SLUICE_EPMD_PORT=${SLUICE_EPMD_PORT:-56722}
SLUICE_RABBITMQ_NODE=${SLUICE_RABBITMQ_NODE:-sluice-$SLUICE_RABBITMQ_PORT@localhost}
SLUICE_RABBITMQ_DIST_ADDRESS=${SLUICE_RABBITMQ_DIST_ADDRESS:-127.0.0.1}
SLUICE_POSTGRES_PORT=${SLUICE_POSTGRES_PORT:-55432}
# A port that is not one stops here with one line naming it, rather than as a server's
# boot failure about something else (or as shell arithmetic on it below).
check_ports() {
    local name
    for name in "$@"; do
        [[ ${!name} =~ ^[0-9]{1,5}$ ]] && ((${!name} >= 1 && ${!name} <= 65535)) && continue
        echo "[${SLUICE_COMPONENT:-sluice}] ERROR: $name=${!name} is not a TCP port (1-65535)" >&2
        exit 1
    done
}
check_ports SLUICE_RABBITMQ_PORT SLUICE_RABBITMQ_DIST_PORT SLUICE_EPMD_PORT SLUICE_POSTGRES_PORT
# The engines' own metrics endpoints. Derived from the servers' ports (like the node name),
# so that a run moved to other ports (infra/test.sh) moves them too.
SLUICE_RABBITMQ_METRICS_PORT=${SLUICE_RABBITMQ_METRICS_PORT:-$((SLUICE_RABBITMQ_PORT + 3))}
SLUICE_POSTGRES_METRICS_PORT=${SLUICE_POSTGRES_METRICS_PORT:-$((SLUICE_POSTGRES_PORT + 1))}
check_ports SLUICE_RABBITMQ_METRICS_PORT SLUICE_POSTGRES_METRICS_PORT
SLUICE_BIND_ADDRESS=${SLUICE_BIND_ADDRESS:-127.0.0.1}
SLUICE_START_TIMEOUT=${SLUICE_START_TIMEOUT:-90}

# The credentials every client uses (see infra/README.md).
SLUICE_DB_USER=sluice SLUICE_DB_PASSWORD=sluice SLUICE_DB_NAME=sluice
SLUICE_MQ_USER=sluice SLUICE_MQ_PASSWORD=sluice SLUICE_MQ_VHOST=sluice

SLUICE_AMQP_URL="amqp://$SLUICE_MQ_USER:$SLUICE_MQ_PASSWORD@$SLUICE_BIND_ADDRESS:$SLUICE_RABBITMQ_PORT/$SLUICE_MQ_VHOST"
SLUICE_DATABASE_URL="postgresql://$SLUICE_DB_USER:$SLUICE_DB_PASSWORD@$SLUICE_BIND_ADDRESS:$SLUICE_POSTGRES_PORT/$SLUICE_DB_NAME"
# rabbitmq_prometheus: /metrics is the aggregated view (totals per node); the per-queue
# series are on /metrics/detailed?family=queue_coarse_metrics (infra/observability/prometheus.yml).
SLUICE_RABBITMQ_METRICS_URL="http://$SLUICE_BIND_ADDRESS:$SLUICE_RABBITMQ_METRICS_PORT/metrics"
# The exporter listens on loopback only: its series name databases and roles.
SLUICE_POSTGRES_METRICS_URL="http://127.0.0.1:$SLUICE_POSTGRES_METRICS_PORT/metrics"

# Neither server runs as root (postgres refuses outright), so root runs them as
# the system user `sluice`; anyone else runs them as themselves.
if [[ $(id -u) == 0 ]]; then
    SLUICE_SERVER_USER=sluice
else
    SLUICE_SERVER_USER=$(id -un)
fi

say() { echo "[${SLUICE_COMPONENT:-sluice}] $*"; }
die() {
    echo "[${SLUICE_COMPONENT:-sluice}] ERROR: $*" >&2
    exit 1
}

# The prefix that runs a command as the server user, keeping the environment
# (unlike su/runuser, setpriv leaves HOME and the RABBITMQ_* variables alone).
# An array rather than only a function so that `"${AS_SERVER_USER[@]}" cmd &`
# execs cmd directly instead of leaving a forked shell behind.
AS_SERVER_USER=()
if [[ $(id -u) == 0 ]]; then
    AS_SERVER_USER=(setpriv --reuid="$SLUICE_SERVER_USER" --regid="$SLUICE_SERVER_USER" --init-groups --)
fi
as_server_user() {
    "${AS_SERVER_USER[@]}" "$@"
}

# pids_matching NAME STRING...: the pids of running processes named NAME whose
# command line contains every STRING, as fixed strings (pgrep -f would take them
# as regular expressions, and a data path is full of dots).
pids_matching() {
    local name=$1 pid cmdline needle
    shift
    for pid in $(pgrep -x "$name"); do
        cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue # gone meanwhile: silently
        for needle in "$@"; do
            [[ $cmdline == *"$needle"* ]] || continue 2
        done
        echo "$pid"
    done
}

ensure_server_user() {
    [[ $(id -u) == 0 ]] || return 0
    id -u "$SLUICE_SERVER_USER" >/dev/null 2>&1 && return 0
    say "creating system user $SLUICE_SERVER_USER (no login shell)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$SLUICE_SERVER_USER"
}

# Creates SLUICE_HOME (readable by the server user) and the given folders under
# it, owned by the server user and private to it.
ensure_server_dirs() {
    ensure_server_user
    mkdir -p "$SLUICE_HOME" "$SLUICE_LOG_DIR" "$@"
    # SLUICE_HOME itself stays with whoever made it (the venv lives there too);
    # the server user only needs to pass through it.
    chmod u+rwx,go+rx "$SLUICE_HOME"
    if ! as_server_user test -x "$SLUICE_HOME"; then
        die "user $SLUICE_SERVER_USER cannot reach $SLUICE_HOME: a parent folder is not" \
            "traversable (o+x). Set SLUICE_HOME to a folder it can reach, e.g. /var/tmp/sluice."
    fi
    local dir
    for dir in "$SLUICE_LOG_DIR" "$@"; do
        [[ $(id -u) == 0 ]] && chown -R "$SLUICE_SERVER_USER:" "$dir"
        chmod 700 "$dir"
    done
    chmod 755 "$SLUICE_LOG_DIR" # logs are for everyone working on the project
}

# True when something accepts TCP connections on port $1 of address $2 (default $SLUICE_BIND_ADDRESS).
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/${2:-$SLUICE_BIND_ADDRESS}/$1" 2>/dev/null
}

# True when a server could listen on port $1 of address $2 (default $SLUICE_BIND_ADDRESS) now, binding as servers do
# (SO_REUSEADDR). Our default ports lie in Linux's ephemeral range (32768-60999), from
# which outgoing connections take their own ports: one that had this port holds it for
# the 60 s of its TIME_WAIT, and meanwhile no server can listen there ("Address already
# in use"). A server's own connections in TIME_WAIT do not stand in the way.
port_bindable() {
    python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[2], int(sys.argv[1])))' "$1" "${2:-$SLUICE_BIND_ADDRESS}" 2>/dev/null
}

# Waits, saying so, until a server could listen on port $1 of address $2 (default
# $SLUICE_BIND_ADDRESS), at most 65 s, past a TIME_WAIT.
wait_until_bindable() {
    port_bindable "$@" && return 0
    say "port $1 cannot be listened on yet (an outgoing connection had it moments ago, now in TIME_WAIT): waiting up to 65 s"
    wait_for 65 port_bindable "$@" || die "port $1 still cannot be listened on"
}

# True when process $1 runs: it exists and is not a zombie (a process that has exited
# but that its parent has not reaped yet, which `kill -0` still finds).
pid_alive() {
    [[ -n ${1:-} ]] || return 1
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# True when process $1 no longer runs (gone, or a zombie).
pid_gone() {
    ! pid_alive "${1:-}"
}

# Moves LOG to LOG.1 (LOG.1 to LOG.2, and so on, keeping $2 old logs, default 5) so that
# a restarted process writes a new log and the one before, which says why it stopped, is
# kept.
rotate_log() {
    local log=$1 keep=${2:-5} n
    [[ -s $log ]] || return 0
    for ((n = keep - 1; n >= 1; n--)); do
        if [[ -e $log.$n ]]; then mv -f "$log.$n" "$log.$((n + 1))"; fi
    done
    mv -f "$log" "$log.1"
}

# wait_for SECONDS COMMAND...: polls COMMAND twice a second until it succeeds;
# fails once SECONDS have passed.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}

# Prints the last lines of each log given, for a failure message.
show_log_tail() {
    local f
    for f in "$@"; do
        [[ -s $f ]] || continue
        echo "----- last lines of $f -----" >&2
        tail -n 40 "$f" >&2
    done
    echo "-----" >&2
}
