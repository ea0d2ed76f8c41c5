#!/usr/bin/env bash
# Installs what building, running and testing Sluice needs, and only what is
# missing: Debian packages (the servers, an exporter, the C libraries, Java for Spark) and the
# Python venv (.sluice/venv, from infra/requirements.txt). A second run changes
# nothing and takes well under a second.
#
# Environment: SLUICE_VENV (default <repo>/.sluice/venv), SLUICE_PYTHON (the
# interpreter the venv is made from, default /usr/bin/python3).
set -euo pipefail
SLUICE_COMPONENT=install
# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APT_PACKAGES=(
    rabbitmq-server postgresql           # the servers (ours run from infra/*.sh, not as system services)
    librabbitmq-dev libpq-dev pkg-config # the C libraries Swift links, found through pkg-config
    openjdk-17-jre-headless              # Spark 4 needs Java 17 or 21
    python3-venv
    chromium chromium-driver fonts-dejavu-core # the dashboard test's headless browser, and a font for its screenshot
    prometheus                           # promtool: the metrics test lints every service's /metrics with it
    prometheus-postgres-exporter         # PostgreSQL's metrics (infra/postgres-exporter.sh runs it, not Debian's service)
    haproxy postgresql-15-auto-failover pg-auto-failover-cli # several hosts: load balancer, PostgreSQL failover
)
REQUIREMENTS=$SLUICE_REPO/infra/requirements.txt
VENV=${SLUICE_VENV:-$SLUICE_REPO/.sluice/venv}
PYTHON=${SLUICE_PYTHON:-/usr/bin/python3} # Debian's, which python3-venv serves
STAMP=$VENV/.requirements.sha256

SUDO=()
if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo: cannot install Debian packages"
    SUDO=(sudo)
fi

install_apt_packages() {
    local pkg missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        say "Debian packages: all present"
        return 0
    fi
    say "Debian packages to install: ${missing[*]}"

    # Debian's postinst scripts start the system-wide RabbitMQ and PostgreSQL.
    # A policy-rc.d that answers 101 ("not allowed") stops that, for the length
    # of this install only; ours run on their own ports either way.
    local policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# Temporary, from sluice infra/install.sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
        "${SUDO[@]}" chmod 755 "$policy"
        trap '"${SUDO[@]}" rm -f '"$policy" EXIT
    fi
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Debian's packages also enable a system service of their own, which would start at the
# next boot of a machine run by systemd. The exporter's would listen on every interface
# (:9187) for a server we do not run; ours is infra/postgres-exporter.sh. Disabled once
# (`systemctl disable` edits the unit links, so it works without systemd running too).
disable_system_services() {
    local unit
    for unit in prometheus-postgres-exporter; do
        command -v systemctl >/dev/null || break
        systemctl is-enabled --quiet "$unit" 2>/dev/null || continue
        say "disabling Debian's $unit service (infra/postgres-exporter.sh runs our own)"
        "${SUDO[@]}" systemctl disable --quiet "$unit"
    done
}

check_swift() {
    if command -v swift >/dev/null; then
        say "Swift: $(command -v swift)"
    elif [[ -x /opt/swift/usr/bin/swift ]]; then
        say "Swift: /opt/swift/usr/bin/swift (not on PATH; the Makefile adds it)"
    else
        die "no Swift toolchain on PATH or in /opt/swift/usr/bin: install Swift 6 first"
    fi
}

install_venv() {
    # The stamp records what the venv was built from: the requirements file and
    # the interpreter. Same stamp, nothing to do.
    local want
    want=$(cat "$REQUIREMENTS" <("$PYTHON" -VV) | sha256sum | cut -d' ' -f1)
    if [[ -x $VENV/bin/python && -f $STAMP && $(cat "$STAMP") == "$want" ]]; then
        say "Python venv: up to date ($VENV)"
        return 0
    fi
    say "Python venv: installing infra/requirements.txt into $VENV (pyspark is a large download)"
    # --upgrade-deps: Debian's pip 23.0 still builds pyspark through the legacy setup.py path.
    [[ -x $VENV/bin/python ]] || "$PYTHON" -m venv --upgrade-deps "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS"
    echo "$want" >"$STAMP"
}

install_apt_packages
disable_system_services
check_swift
install_venv
say "done"
