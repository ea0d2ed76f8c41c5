#!/usr/bin/env bash
# HAProxy (Debian's `haproxy`) in front of several gateways, in the foreground:
#
#   infra/load-balancer.sh HOST:PORT...   balance over these gateways
#
# It listens on SLUICE_BIND_ADDRESS:SLUICE_HTTP_PORT (default 127.0.0.1:58080), checks each
# gateway's /ready, and sends a request that found a gateway dead to another (see
# infra/haproxy/gateways.cfg, the one configuration compose.yaml uses too; this script
# swaps its Docker DNS discovery for the addresses given). The configuration it ran is
# kept in $SLUICE_HOME/load-balancer/haproxy.cfg.
set -euo pipefail
SLUICE_COMPONENT=load-balancer
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[[ -x $HAPROXY ]] || die "haproxy not found (Debian: apt-get install haproxy; infra/install.sh does)"
(($# > 0)) || die "usage: $0 HOST:PORT... (the gateways)"
for gateway in "$@"; do
    [[ $gateway =~ ^[^:[:space:]]+:[0-9]+$ ]] || die "'$gateway' is not HOST:PORT"
done
PORT=${SLUICE_HTTP_PORT:-58080}
home=$SLUICE_HOME/load-balancer
ensure_server_dirs "$home"
config=$home/haproxy.cfg

# The shared configuration, minus its Docker DNS section, with our address and servers.
servers=""
index=0
for gateway in "$@"; do
    index=$((index + 1))
    servers+="    server gateway$index $gateway check\n"
done
awk -v bind="    bind $SLUICE_BIND_ADDRESS:$PORT" -v servers="$servers" '
    /^resolvers / { skipping = 1; next }
    skipping && /^[^ #]/ { skipping = 0 }
    skipping { next }
    /^ *bind / { print bind; next }
    /^ *server-template / { printf "%s", servers; next }
    { print }
' "$SLUICE_INFRA_DIR/haproxy/gateways.cfg" >"$config"
[[ $(id -u) == 0 ]] && chown "$SLUICE_SERVER_USER:" "$config"
as_server_user "$HAPROXY" -c -q -f "$config" || die "HAProxy refused $config (above)"

say "on $SLUICE_BIND_ADDRESS:$PORT in front of $*"
exec "${AS_SERVER_USER[@]}" "$HAPROXY" -W -db -f "$config"
