#!/usr/bin/env bash
# Confirmed publishes and consumed-and-acked messages per second: the Swift AMQP
# module (sluice-amqp-bench, release build) against Python's pika, on the same
# broker in the same run, alternating rounds so that machine noise hits both.
# Usage: infra/bench-amqp.sh [messages per measurement, default 20000] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-20000}
rounds=${2:-3}
eval "$(infra/stack.sh env)"
swift build -c release --product sluice-amqp-bench >/dev/null
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq "$rounds"); do
    echo "round $round/$rounds" >&2
    .build/release/sluice-amqp-bench --messages "$messages" --in-flight 1 --in-flight 256 >>"$results"
    .sluice/venv/bin/python Tests/Benchmarks/amqp_pika_bench.py --messages "$messages" >>"$results"
done
.sluice/venv/bin/python - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
def median(client, measure, window):
    values = [r["per_second"] for r in rows if (r["client"], r["measure"], r["window"]) == (client, measure, window)]
    return statistics.median(values) if values else None
print(f"{'measure':<34}{'swift msg/s':>13}{'pika msg/s':>13}{'swift/pika':>12}")
for label, measure, window, peer_window in [
    ("confirmed publish, 1 in flight", "publish_confirmed", 1, 1),
    ("confirmed publish, 256 in flight", "publish_confirmed", 256, 1),
    ("consume + ack, prefetch 256", "consume_ack", 256, 256),
]:
    swift, pika = median("swift", measure, window), median("pika", measure, peer_window)
    print(f"{label:<34}{swift:>13,.0f}{pika:>13,.0f}{swift / pika:>11.2f}x")
print("(medians of the rounds; pika's blocking API keeps one publish in flight, so both publish rows compare against it)")
PY
