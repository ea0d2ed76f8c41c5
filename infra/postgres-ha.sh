#!/usr/bin/env bash
# PostgreSQL 15 with automatic failover by pg_auto_failover (Debian's
# postgresql-15-auto-failover and pg-auto-failover-cli): a monitor, and data nodes that
# register with it. The first node to register becomes the primary, the next its
# synchronous standby; when the primary stops answering, the monitor promotes the
# standby. Clients list every node and ask for the writable one, e.g.
# postgresql://sluice:sluice@pg1:55432,pg2:55432/sluice?target_session_attrs=read-write
#
#   infra/postgres-ha.sh monitor     create (once) and run this host's monitor, in the foreground
#   infra/postgres-ha.sh node        create (once) and run this host's data node, in the foreground
#   infra/postgres-ha.sh provision   on the primary: role and database `sluice` (password `sluice`)
#   infra/postgres-ha.sh state       the monitor's view: each node, its role and health
#   infra/postgres-ha.sh primary     the host:port the monitor calls primary now
#
# Settings: SLUICE_PG_HA_MONITOR (host:port of the monitor, for `node`, `state`, `primary`),
# SLUICE_POSTGRES_PORT (this host's PostgreSQL port, default 55432), SLUICE_PG_HA_HOSTNAME
# (the name other hosts reach this one by, default `hostname`), SLUICE_PG_HA_FAILOVER_SECONDS
# (how long the monitor lets a primary go unanswered before failing over, default 20, the
# engine's own). Data under $SLUICE_HOME/postgres-ha/ROLE, log on standard output.
#
# Authentication: pg_auto_failover's own roles (the monitor's health checks, replication)
# are trusted from the hosts' subnet (`--auth trust`), and every other role needs its
# password (scram-sha-256) from there. That suits a private network of test hosts; on a
# network you do not control, give those roles passwords too (pg_auto_failover's
# `--auth scram-sha-256` with `pg_autoctl config set replication.password`) and real TLS
# certificates in place of `--ssl-self-signed`.
set -euo pipefail
SLUICE_COMPONENT=postgres-ha
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN=${SLUICE_PG_BIN:-/usr/lib/postgresql/15/bin}
command -v pg_autoctl >/dev/null ||
    die "pg_autoctl not found (Debian: apt-get install postgresql-15-auto-failover pg-auto-failover-cli; infra/install.sh does)"
HA_DIR=$SLUICE_HOME/postgres-ha
HOSTNAME_FOR_PEERS=${SLUICE_PG_HA_HOSTNAME:-$(hostname)}
PORT=$SLUICE_POSTGRES_PORT
MONITOR=${SLUICE_PG_HA_MONITOR:-}
FAILOVER_SECONDS=${SLUICE_PG_HA_FAILOVER_SECONDS:-20}
[[ $FAILOVER_SECONDS =~ ^[0-9]+$ && $FAILOVER_SECONDS -ge 10 ]] ||
    die "SLUICE_PG_HA_FAILOVER_SECONDS='$FAILOVER_SECONDS' is not a whole number of seconds, 10 or more"

monitor_url() {
    [[ -n $MONITOR ]] || die "SLUICE_PG_HA_MONITOR is not set: give the monitor's host:port"
    echo "postgres://autoctl_node@$MONITOR/pg_auto_failover?sslmode=require"
}

# pg_autoctl keeps its configuration and state under XDG folders: one set per role, so
# that several nodes on one machine (test hosts) never share them. PostgreSQL's socket
# goes where Debian's build puts it, /var/run/postgresql, which pg_autoctl offers no
# setting for and which belongs to the `postgres` user: run as root, each role gets a
# private mount namespace with its own folder there.
use_role_dir() {
    ROLE_DIR=$HA_DIR/$1
    # Made (and given to the server user) once: never chown a running server's files.
    [[ -d $ROLE_DIR/run ]] || ensure_server_dirs "$HA_DIR" "$ROLE_DIR"
    export HOME=$ROLE_DIR XDG_CONFIG_HOME=$ROLE_DIR/config XDG_DATA_HOME=$ROLE_DIR/share XDG_RUNTIME_DIR=$ROLE_DIR/run
    export PGDATA=$ROLE_DIR/data PGPORT=$PORT
    as_server_user mkdir -p "$XDG_RUNTIME_DIR"
    if [[ $(id -u) == 0 ]]; then
        mkdir -p /var/run/postgresql
        mount --bind "$XDG_RUNTIME_DIR" /var/run/postgresql
    fi
}

run_monitor() {
    use_role_dir monitor
    if [[ ! -f $PGDATA/PG_VERSION ]]; then
        say "creating the monitor on $HOSTNAME_FOR_PEERS:$PORT"
        as_server_user pg_autoctl create monitor --pgctl "$PG_BIN/pg_ctl" --pgport "$PORT" \
            --hostname "$HOSTNAME_FOR_PEERS" --auth trust --ssl-self-signed
        # Failure detection: the engine's settings, scaled to SLUICE_PG_HA_FAILOVER_SECONDS (half
        # of it unanswered before the standby is readied, half waiting for the old primary to
        # step down). Too short and a busy primary is failed over for nothing.
        cat >>"$PGDATA/postgresql.conf" <<CONF
pgautofailover.health_check_period = 2000
pgautofailover.health_check_timeout = 2000
pgautofailover.health_check_max_retries = 2
pgautofailover.health_check_retry_delay = 1000
pgautofailover.node_considered_unhealthy_timeout = $((FAILOVER_SECONDS * 1000 / 2))
pgautofailover.primary_demote_timeout = $((FAILOVER_SECONDS * 1000 / 2))
CONF
    fi
    say "monitor on $HOSTNAME_FOR_PEERS:$PORT"
    exec "${AS_SERVER_USER[@]}" pg_autoctl run
}

run_node() {
    use_role_dir node
    if [[ ! -f $ROLE_DIR/config/pg_autoctl/$PGDATA/pg_autoctl.cfg ]]; then
        rm -rf "$PGDATA" # a node whose creation was interrupted starts over
        say "creating a data node on $HOSTNAME_FOR_PEERS:$PORT, monitor $MONITOR"
        as_server_user pg_autoctl create postgres --pgctl "$PG_BIN/pg_ctl" --pgport "$PORT" \
            --hostname "$HOSTNAME_FOR_PEERS" --listen '*' --monitor "$(monitor_url)" \
            --auth trust --ssl-self-signed --dbname "$SLUICE_DB_NAME"
    fi
    # Sluice's role from the hosts' subnet, with its password (pg_auto_failover adds its own
    # roles' rules as nodes join, and leaves this one alone).
    local rule="host all $SLUICE_DB_USER samenet scram-sha-256"
    grep -qx "$rule" "$PGDATA/pg_hba.conf" || echo "$rule" >>"$PGDATA/pg_hba.conf"
    say "data node on $HOSTNAME_FOR_PEERS:$PORT"
    exec "${AS_SERVER_USER[@]}" pg_autoctl run
}

# The monitor's answer to SQL $1, as unaligned rows.
ask_monitor() {
    local address=${MONITOR%:*} port=${MONITOR##*:}
    psql -X -qAt -v ON_ERROR_STOP=1 "postgres://autoctl_node@$address:$port/pg_auto_failover?sslmode=require" -c "$1"
}

primary() {
    # single: a primary with no standby yet; wait_primary: one whose standby is away.
    ask_monitor "SELECT nodehost || ':' || nodeport FROM pgautofailover.node
                 WHERE reportedstate = goalstate AND goalstate IN ('single', 'primary', 'wait_primary')" | grep .
}

provision() {
    use_role_dir node
    # pg_autoctl restarts PostgreSQL as the node settles in: wait for it to answer.
    wait_for 60 as_server_user "$PG_BIN/pg_isready" -q -p "$PORT" || die "PostgreSQL on port $PORT does not answer"
    as_server_user "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres <<SQL
SELECT format('CREATE ROLE %I LOGIN', '$SLUICE_DB_USER')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$SLUICE_DB_USER') \gexec
ALTER ROLE $SLUICE_DB_USER WITH LOGIN CREATEDB PASSWORD '$SLUICE_DB_PASSWORD';
ALTER DATABASE $SLUICE_DB_NAME OWNER TO $SLUICE_DB_USER;
SELECT pg_reload_conf();
SQL
    say "role and database '$SLUICE_DB_NAME' ready on $HOSTNAME_FOR_PEERS:$PORT"
}

# Root: the rest of this script in a mount namespace of its own (see use_role_dir).
if [[ $(id -u) == 0 && -z ${SLUICE_PG_HA_OWN_MOUNTS:-} && ${1:-} =~ ^(monitor|node|provision)$ ]]; then
    SLUICE_PG_HA_OWN_MOUNTS=1 exec unshare --mount --propagation private "$0" "$@"
fi

case ${1:-} in
    monitor) run_monitor ;;
    node) run_node ;;
    provision) provision ;;
    state) ask_monitor "SELECT nodename, nodehost || ':' || nodeport, reportedstate, goalstate, health FROM pgautofailover.node ORDER BY nodeid" ;;
    primary) primary ;;
    *)
        echo "usage: $0 monitor | node | provision | state | primary" >&2
        exit 2
        ;;
esac
