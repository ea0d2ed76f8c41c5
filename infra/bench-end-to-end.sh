#!/usr/bin/env bash
# Whole jobs end to end by size (submitted -> completed), split by stage, and each
# service's peak memory; see infra/bench/end_to_end.py and README, "Benchmarks".
# Inputs go through `input_uri` (files under the artifact folder), so the client's
# upload is not timed. With --large, 10,000,000 records too: the gateway and the
# validator are restarted with limits that admit them (SLUICE_MAX_RECORDS,
# SLUICE_MAX_BODY_BYTES) and every service restarted first, so that the peak memory
# figures belong to this run; all are restarted with this shell's settings on exit.
# With --peers (implies --large): Sluice against Spark alone and numpy from
# ../shared/peers/spark on the same CSV files, sizes 10^5, 10^6 and 10^7 by default
# (infra/bench/data_path.py); Sluice alone when ../shared is not there.
# Needs `make run` first and SLUICE_API_KEY.
# Usage: infra/bench-end-to-end.sh [--large | --peers] [--sizes 1000,5000,...] [--runs N]
set -euo pipefail
SLUICE_COMPONENT=bench-end-to-end
# shellcheck source=infra/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$SLUICE_REPO"
large=false
peers=false
args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --large) large=true ;;
        --peers) large=true peers=true ;;
        *) args+=("$1") ;;
    esac
    shift
done
sluice_url=http://127.0.0.1:${SLUICE_HTTP_PORT:-58080}
curl -fsS "$sluice_url/ready" >/dev/null || die "Sluice does not answer $sluice_url/ready: run \`make run\` first"
[[ -n ${SLUICE_API_KEY:-} ]] || die "SLUICE_API_KEY is not set: \`make bench-end-to-end\` reads it from .sluice/api-key"
eval "$(infra/stack.sh env)"
artifacts=${SLUICE_ARTIFACT_DIR:-$SLUICE_REPO/.sluice/artifacts}

if $large; then
    trap 'say "restarting the services with this shell'"'"'s settings"; infra/services.sh restart validator gpu-normalizer spark-runner analyzer gateway >/dev/null' EXIT
    infra/services.sh restart gpu-normalizer spark-runner analyzer >/dev/null
    SLUICE_MAX_RECORDS=10000000 SLUICE_MAX_BODY_BYTES=1073741824 infra/services.sh restart validator gateway >/dev/null
    $peers || [[ " ${args[*]-} " == *" --sizes "* ]] || args+=(--sizes 1000,5000,10000,25000,100000,1000000,10000000)
fi
if $peers; then
    shared=$SLUICE_REPO/../shared
    if [[ -d $shared/peers/spark ]]; then
        args+=(--shared "$shared")
    else
        say "no $shared/peers/spark (an optional extra beside the repository): Sluice alone, without the peers' ratios"
    fi
    .sluice/venv/bin/python infra/bench/data_path.py --sluice "$sluice_url" --artifacts "$artifacts" \
        --run-dir "$SLUICE_HOME/run" --peers "$SLUICE_HOME/peers/spark" --json "$SLUICE_HOME/bench/data-path.json" "${args[@]}"
else
    .sluice/venv/bin/python infra/bench/end_to_end.py --sluice "$sluice_url" --artifacts "$artifacts" \
        --run-dir "$SLUICE_HOME/run" --json "$SLUICE_HOME/bench/end-to-end.json" "${args[@]}"
fi
