#!/usr/bin/env bash
# Runs one service and starts it again whenever it exits without being asked to (a
# crash, SIGKILL, the OOM killer), after a pause that doubles from 1 s to 30 s and starts
# over once the service has run for a minute. infra/services.sh runs each service of
# `make run` under it (SLUICE_SUPERVISE=1, the default), the way systemd's
# Restart=on-failure or compose's `restart: unless-stopped` would.
#
#   infra/supervise.sh PIDFILE COMMAND...
#
# The service's pid is kept in PIDFILE (what `infra/services.sh status` reads); this
# loop's own in PIDFILE.supervisor. SIGTERM or SIGINT to this loop goes on to the
# service, which stops gracefully, and then the loop ends: no restart. Each exit and
# restart is one line in the service's log (this loop writes where the service does).
set -uo pipefail
pidfile=$1
shift
echo $$ >"$pidfile.supervisor"
child=
sleeper=
stopping=
stop() {
    stopping=1
    if [[ -n $child ]]; then kill -TERM "$child" 2>/dev/null; fi
    if [[ -n $sleeper ]]; then kill -TERM "$sleeper" 2>/dev/null; fi
}
trap stop TERM INT

pause=1
while true; do
    "$@" </dev/null &
    child=$!
    echo "$child" >"$pidfile"
    started=$SECONDS
    # `wait` returns early when a trapped signal arrives: wait again until the service
    # is gone. Being its parent, this loop reaps it at once: no zombie lingers.
    status=
    while [[ -z $status ]] || kill -0 "$child" 2>/dev/null; do
        wait "$child"
        status=$?
    done
    if [[ -n $stopping ]]; then break; fi
    if ((SECONDS - started >= 60)); then pause=1; fi
    echo "$(date -u +%Y-%m-%dT%H:%M:%S%z) supervise: $1 (pid $child) exited with status $status; starting it again in $pause s" >&2
    sleep "$pause" &
    sleeper=$!
    wait "$sleeper" || true
    sleeper=
    if [[ -n $stopping ]]; then break; fi
    pause=$((pause * 2 > 30 ? 30 : pause * 2))
done
rm -f "$pidfile.supervisor"
