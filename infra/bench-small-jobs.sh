#!/usr/bin/env bash
# Jobs per second for small jobs through the whole pipeline, Spark included, against
# the Celery peer (no Spark) in the same run; see README, "Benchmarks".
#
# Runs, in order, each `sluice bench` from N clients that each submit a job, follow
# it to its end and submit the next (and the peer's load generator alike):
#   1. the Celery peer (infra/peer-celery.sh)
#   2. Sluice under the peer's own load generator (POST /process, which answers with the
#      summary): the same client for both; the gateway takes requests without a key for
#      this run only (SLUICE_AUTH=off; loopback), as the generator sends none
#   3. Sluice with the spark-runner as this shell configures it (batching on by default)
#   4. Sluice with 4 x N clients (more jobs waiting: bigger batches)
#   5. the run of 3 again, with the CPU each process spent per job (infra/bench/cpu_per_job.py)
#   6. Sluice with batching off (SLUICE_SPARK_BATCH_SIZE=1), one spark-runner
#   7. the same with a second spark-runner replica (infra/services.sh add): 1 -> 2 replicas
# After each start of a spark-runner, 10 x N jobs warm its JVM up, untimed (its first
# batches run slower while the JIT compiles; a running service is past them).
# The gateway runs with a rate limit out of the way for the run (a bench client makes
# two requests a job); on exit the gateway and the spark-runner are restarted as they
# were and the peer is stopped. Needs `make run` first and SLUICE_API_KEY.
# Usage: infra/bench-small-jobs.sh [jobs per run, default 400] [clients, default 16] [records per job, default 5]
set -euo pipefail
SLUICE_COMPONENT=bench-small-jobs
# shellcheck source=infra/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$SLUICE_REPO"
jobs=${1:-400}
clients=${2:-16}
records=${3:-5}
sluice_url=http://127.0.0.1:${SLUICE_HTTP_PORT:-58080}
out=$SLUICE_HOME/bench/small-jobs.jsonl
curl -fsS "$sluice_url/ready" >/dev/null || die "Sluice does not answer $sluice_url/ready: run \`make run\` first"
[[ -n ${SLUICE_API_KEY:-} ]] || die "SLUICE_API_KEY is not set: \`make bench-small-jobs\` reads it from .sluice/api-key"
mkdir -p "$(dirname "$out")"
: >"$out"

restore() {
    infra/peer-celery.sh stop || true
    say "restarting the gateway and the spark-runner with this shell's settings"
    infra/services.sh restart spark-runner gateway >/dev/null
}
trap restore EXIT
SLUICE_RATE_LIMIT=1000000 SLUICE_RATE_BURST=1000000 infra/services.sh restart gateway >/dev/null
infra/services.sh restart spark-runner >/dev/null # as this shell configures it, replicas gone
infra/peer-celery.sh start

warm_up() { # a restarted spark-runner's JVM compiles its hot paths over its first batches: not timed
    say "warming up: $((10 * clients)) jobs, not timed"
    .build/release/sluice bench --jobs $((10 * clients)) --clients "$clients" --records "$records" >/dev/null
}

sluice_run() { # label clients
    say "$1: $jobs jobs of $records records from $2 clients"
    .build/release/sluice bench --jobs "$jobs" --clients "$2" --records "$records" --json |
        .sluice/venv/bin/python -c 'import json,sys; r=json.load(sys.stdin); r["label"]=sys.argv[1]; print(json.dumps(r))' "$1" >>"$out"
}

infra/peer-celery.sh load --concurrency "$clients" --requests "$jobs" --records-per-job "$records" --warmup 5 \
    --label celery --count-sql "SELECT count(*) FROM jobs WHERE status = 'completed'" --json-out "$out" >/dev/null ||
    say "the peer's load generator reported failed requests (see the table)"
warm_up
say "sluice under the peer's load generator: $jobs jobs of $records records from $clients clients"
SLUICE_AUTH=off SLUICE_RATE_LIMIT=1000000 SLUICE_RATE_BURST=1000000 infra/services.sh restart gateway >/dev/null
infra/peer-celery.sh load-at "$sluice_url/process" "$SLUICE_DATABASE_URL" \
    --concurrency "$clients" --requests "$jobs" --records-per-job "$records" --warmup 5 --count-sql "SELECT count(*) FROM jobs WHERE status = 'completed'" \
    --label "sluice, the peer's load generator" --json-out "$out" >/dev/null ||
    say "the peer's load generator reported failed requests against Sluice (see the table)"
SLUICE_RATE_LIMIT=1000000 SLUICE_RATE_BURST=1000000 infra/services.sh restart gateway >/dev/null
sluice_run "sluice, batching on" "$clients"
sluice_run "sluice, batching on, $((4 * clients)) clients" $((4 * clients))
say "CPU per job by process, batching on, $clients clients"
.sluice/venv/bin/python infra/bench/cpu_per_job.py --run-dir "$SLUICE_HOME/run" --jobs "$jobs" -- \
    .build/release/sluice bench --jobs "$jobs" --clients "$clients" --records "$records" >"$SLUICE_HOME/bench/small-jobs-cpu.md"
SLUICE_SPARK_BATCH_SIZE=1 SLUICE_PREFETCH=4 infra/services.sh restart spark-runner >/dev/null
warm_up
sluice_run "sluice, batching off" "$clients"
SLUICE_SPARK_BATCH_SIZE=1 SLUICE_PREFETCH=4 infra/services.sh add spark-runner >/dev/null
warm_up
sluice_run "sluice, batching off, 2 spark-runners" "$clients"

.sluice/venv/bin/python - "$out" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
peer = next(r for r in rows if r["label"] == "celery")
peer_rate = peer["throughput_jobs_s"]
print(f"| run | clients | jobs | jobs/s | p50 s | vs Celery |")
print(f"|---|---:|---:|---:|---:|---:|")
print(f"| Celery peer (no Spark) | {peer['concurrency']} | {peer['ok']} of {peer['requests']} | {peer_rate:.1f} | {peer['lat_ms_p50'] / 1000:.3f} | 1.00x |")
for r in rows:
    if r["label"] == "celery":
        continue
    if "throughput_jobs_s" in r:  # the peer's load generator
        rate = r["throughput_jobs_s"]
        print(f"| {r['label']} | {r['concurrency']} | {r['ok']} of {r['requests']} | {rate:.1f} | {r['lat_ms_p50'] / 1000:.3f} | {rate / peer_rate:.2f}x |")
        continue
    print(f"| {r['label']} | {r['clients']} | {r['completed']} of {r['jobs']} | {r['jobs_per_second']:.1f} | {r['latency_p50_seconds']:.3f} | {r['jobs_per_second'] / peer_rate:.2f}x |")
PY
cat "$SLUICE_HOME/bench/small-jobs-cpu.md"
