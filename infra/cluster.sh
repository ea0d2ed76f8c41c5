#!/usr/bin/env bash
# Test hosts on this machine, to run Sluice as on several machines. Each host is a
# network namespace with an address of its own on 198.18.0.0/24 (the range RFC 2544
# sets aside for benchmarks), joined by one bridge to the other hosts and to nothing
# else: no address on the bridge, no route out of the range, no NAT. Each host resolves
# every host's name through its own hosts file (/etc/netns/sluice-HOST/hosts, which
# `ip netns exec` puts in place of /etc/hosts), has its name as its host name (a UTS
# namespace per command), and runs under a CPU and a memory cap
# when asked (cgroup v1 under /sys/fs/cgroup/{cpu,memory}/sluice, or v2's cpu.max and
# memory.max under /sys/fs/cgroup/sluice), so that several small hosts fit in one machine.
#
#   infra/cluster.sh up HOST...          make these hosts (and the bridge); adds to the hosts already up
#   infra/cluster.sh exec HOST CMD...    run CMD in HOST: its network, its name resolution, its caps
#   infra/cluster.sh address HOST        the host's address
#   infra/cluster.sh status              each host with its address, caps and the processes in it
#   infra/cluster.sh disconnect HOST     take HOST's link down: its processes run on and reach no one
#                                        (a network partition); `reconnect HOST` brings it back
#   infra/cluster.sh down                kill every process in the hosts, then remove the hosts,
#                                        the bridge, the caps and the hosts files (also what an
#                                        interrupted run left behind); harmless when repeated
#
# Settings (read by `up`): SLUICE_CLUSTER_CPU, each host's CPU cap in cores (such as 0.5;
# default none); SLUICE_CLUSTER_MEMORY_MB, each host's memory cap (default none).
# Needs root, iproute2 (`ip`) and network namespaces; says which is missing.
set -euo pipefail
SLUICE_COMPONENT=cluster
# lib.sh sets the URLs of this machine's own stack; a command run in a host keeps the
# caller's (a host reaches its servers by their host names).
caller_urls=()
[[ -z ${SLUICE_AMQP_URL+set} ]] || caller_urls+=("SLUICE_AMQP_URL=$SLUICE_AMQP_URL")
[[ -z ${SLUICE_DATABASE_URL+set} ]] || caller_urls+=("SLUICE_DATABASE_URL=$SLUICE_DATABASE_URL")
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
unset SLUICE_AMQP_URL SLUICE_DATABASE_URL
((${#caller_urls[@]} == 0)) || export "${caller_urls[@]}"

readonly BRIDGE=sluice-br0 PREFIX=198.18.0 FIRST_HOST=11 NETNS_PREFIX=sluice-
readonly STATE=$SLUICE_HOME/cluster/hosts
readonly CGROUP_V2=/sys/fs/cgroup/sluice
readonly CGROUP_V1_CPU=/sys/fs/cgroup/cpu/sluice CGROUP_V1_MEMORY=/sys/fs/cgroup/memory/sluice

# The machine offers what the hosts need; otherwise one line naming what is missing.
require() {
    [[ $(id -u) == 0 ]] || die "test hosts need root (network namespaces, a bridge, cgroups); run as root"
    command -v ip >/dev/null || die "test hosts need iproute2's 'ip' (Debian: apt-get install iproute2)"
    ip netns list >/dev/null 2>&1 || die "this machine cannot make network namespaces ('ip netns list' fails)"
}

namespace() { echo "$NETNS_PREFIX$1"; }

# host_address HOST: the host's address from the state file; fails for an unknown host.
host_address() {
    local name address
    [[ -f $STATE ]] || return 1
    while read -r name address; do
        [[ $name == "$1" ]] && { echo "$address"; return 0; }
    done <"$STATE"
    return 1
}

# The hosts file every host sees: localhost and every host by name (a process in a host
# has the host's name as its host name: see exec_in).
write_hosts_files() {
    local name address
    while read -r name _; do
        {
            echo "127.0.0.1 localhost"
            while read -r other address; do echo "$address $other"; done <"$STATE"
        } >"/etc/netns/$(namespace "$name")/hosts.new"
        # Written in place (same inode): a host's running processes see the new names too.
        cat "/etc/netns/$(namespace "$name")/hosts.new" >"/etc/netns/$(namespace "$name")/hosts"
        rm -f "/etc/netns/$(namespace "$name")/hosts.new"
    done <"$STATE"
}

# The cgroup folders of HOST that exist on this machine (v2, or v1's cpu and memory).
cgroup_dirs() {
    if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
        echo "$CGROUP_V2/$1"
    else
        [[ -d ${CGROUP_V1_CPU%/sluice} ]] && echo "$CGROUP_V1_CPU/$1"
        [[ -d ${CGROUP_V1_MEMORY%/sluice} ]] && echo "$CGROUP_V1_MEMORY/$1"
    fi
    return 0
}

# Caps HOST's CPU and memory as SLUICE_CLUSTER_CPU and SLUICE_CLUSTER_MEMORY_MB say.
make_cgroups() {
    local host=$1 cpu=${SLUICE_CLUSTER_CPU:-} memory=${SLUICE_CLUSTER_MEMORY_MB:-} dir quota
    if [[ -n $cpu ]]; then
        quota=$(awk -v c="$cpu" 'BEGIN { if (c + 0 <= 0) exit 1; printf "%d", c * 100000 }') ||
            die "SLUICE_CLUSTER_CPU='$cpu' is not a number of cores above 0, such as 0.5"
    fi
    if [[ -n $memory && ! $memory =~ ^[1-9][0-9]*$ ]]; then
        die "SLUICE_CLUSTER_MEMORY_MB='$memory' is not a whole number of MiB above 0"
    fi
    for dir in $(cgroup_dirs "$host"); do
        mkdir -p "$dir"
        case $dir in
            "$CGROUP_V2"/*)
                [[ -z $cpu ]] || echo "$quota 100000" >"$dir/cpu.max"
                [[ -z $memory ]] || echo $((memory * 1024 * 1024)) >"$dir/memory.max"
                ;;
            "$CGROUP_V1_CPU"/*)
                echo 100000 >"$dir/cpu.cfs_period_us"
                echo "${quota:--1}" >"$dir/cpu.cfs_quota_us"
                ;;
            "$CGROUP_V1_MEMORY"/*)
                [[ -z $memory ]] || echo $((memory * 1024 * 1024)) >"$dir/memory.limit_in_bytes"
                ;;
        esac
    done
}

# The machine's side of the hosts' network (the bridge and its ports) gets no address,
# not even IPv6's automatic link-local one, so that nothing on the machine talks to the
# hosts, or routes for them, through it.
no_address() {
    local setting=/proc/sys/net/ipv6/conf/$1/disable_ipv6
    [[ ! -e $setting ]] || echo 1 >"$setting"
}

up() {
    (($# >= 1)) || die "usage: $0 up HOST..."
    require
    mkdir -p "$(dirname "$STATE")"
    touch "$STATE"
    if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link add "$BRIDGE" type bridge
        no_address "$BRIDGE"
        ip link set "$BRIDGE" up
    fi
    local host index address veth
    for host in "$@"; do
        [[ $host =~ ^[a-z][a-z0-9-]{0,19}$ ]] || die "'$host' is not a host name (lower-case letters, digits and '-', at most 20)"
        if host_address "$host" >/dev/null; then
            say "$host is up already ($(host_address "$host"))"
            continue
        fi
        index=$((FIRST_HOST + $(wc -l <"$STATE")))
        ((index <= 250)) || die "no addresses left on $PREFIX.0/24"
        address=$PREFIX.$index
        veth=sl-$index
        ip netns add "$(namespace "$host")"
        ip link add "$veth" type veth peer name eth0 netns "$(namespace "$host")"
        no_address "$veth"
        ip link set "$veth" master "$BRIDGE" up
        ip -n "$(namespace "$host")" addr add "$address/24" dev eth0
        ip -n "$(namespace "$host")" link set eth0 up
        ip -n "$(namespace "$host")" link set lo up
        mkdir -p "/etc/netns/$(namespace "$host")"
        make_cgroups "$host"
        echo "$host $address" >>"$STATE"
        say "$host is up: $address"
    done
    write_hosts_files
}

# exec HOST CMD...: CMD in HOST's namespace and cgroups (its children stay in both).
exec_in() {
    local host=$1
    shift
    (($# >= 1)) || die "usage: $0 exec HOST CMD..."
    host_address "$host" >/dev/null || die "no host '$host' is up (infra/cluster.sh status lists them)"
    local dir
    # Into the cgroups first: inside the namespace `ip netns exec` mounts a /sys of its
    # own, without them. The pid stays the same through both execs.
    for dir in $(cgroup_dirs "$host"); do echo $$ >"$dir/cgroup.procs"; done
    # And a UTS namespace whose host name is the host's, as on a machine of its own: what
    # a process says its name is (Spark's driver tells its executors) resolves to it everywhere.
    # shellcheck disable=SC2016 # expanded by the inner shell
    exec ip netns exec "$(namespace "$host")" unshare --uts -- sh -c 'hostname "$0" && exec "$@"' "$host" "$@"
}

status() {
    require
    [[ -s $STATE ]] || { say "no hosts are up"; return 3; }
    local host address pids
    while read -r host address; do
        pids=$(ip netns pids "$(namespace "$host")" 2>/dev/null | tr '\n' ' ')
        say "$host $address: ${pids:-no processes}"
    done <"$STATE"
}

# set_link HOST up|down: the machine's end of HOST's link, so that HOST keeps its own
# address and routes and comes back as it was.
set_link() {
    local address
    address=$(host_address "$1") || die "no host '$1' is up (infra/cluster.sh status lists them)"
    ip link set "sl-${address##*.}" "$2"
    say "$1 ($address) is $([[ $2 == up ]] && echo reconnected || echo disconnected)"
}

# Every namespace of ours, also those an interrupted run left out of the state file.
our_namespaces() {
    ip netns list 2>/dev/null | awk -v p="$NETNS_PREFIX" 'index($1, p) == 1 { print $1 }'
}

down() {
    require
    local ns pid dir tries
    for ns in $(our_namespaces); do
        for tries in $(seq 1 50); do
            pids=$(ip netns pids "$ns" 2>/dev/null || true)
            [[ -n $pids ]] || break
            # shellcheck disable=SC2086 # one pid a word
            kill -KILL $pids 2>/dev/null || true
            sleep 0.1
        done
        [[ -z $(ip netns pids "$ns" 2>/dev/null) ]] || die "processes in $ns would not die: $(ip netns pids "$ns" | tr '\n' ' ')"
        ip netns del "$ns"
        rm -rf "/etc/netns/$ns"
        say "removed host ${ns#"$NETNS_PREFIX"}"
    done
    for dir in "$CGROUP_V2" "$CGROUP_V1_CPU" "$CGROUP_V1_MEMORY"; do
        [[ -d $dir ]] || continue
        # A cgroup goes once its processes have: rmdir fails (EBUSY) a moment after a kill.
        for tries in $(seq 1 50); do
            find "$dir" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
            rmdir "$dir" 2>/dev/null && break
            sleep 0.1
        done
        [[ ! -d $dir ]] || die "cannot remove the cgroup $dir"
    done
    # A removed namespace's links go when the kernel has finished with it (sockets in
    # TIME_WAIT can keep it a while): remove ours now, which takes their peers too.
    local link
    for link in $(ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep '^sl-[0-9]*$'); do
        ip link del "$link" 2>/dev/null || true
    done
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link del "$BRIDGE"
    fi
    rm -f "$STATE"
    say "no test hosts left"
}

case ${1:-} in
    up) shift; up "$@" ;;
    exec) shift; (($# >= 2)) || die "usage: $0 exec HOST CMD..."; exec_in "$@" ;;
    address) (($# == 2)) || die "usage: $0 address HOST"; host_address "$2" || die "no host '$2' is up" ;;
    status) status ;;
    disconnect) (($# == 2)) || die "usage: $0 disconnect HOST"; set_link "$2" down ;;
    reconnect) (($# == 2)) || die "usage: $0 reconnect HOST"; set_link "$2" up ;;
    down) down ;;
    *) echo "usage: $0 up HOST... | exec HOST CMD... | address HOST | status | disconnect HOST | reconnect HOST | down" >&2; exit 2 ;;
esac
