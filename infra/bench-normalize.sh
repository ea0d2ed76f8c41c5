#!/usr/bin/env bash
# The normalizer's z-score on 10^6, 10^7 and 10^8 values near 1e9, in one run: the CPU
# path (release build, median of --runs), numpy's (x - x.mean()) / x.std() on the same
# values (written to files by the benchmark), a STREAM-like triad on every core (in the
# Swift binary), and the GPU path with and without the copies where there is a GPU.
# GB/s counts 16 bytes a value (read once, write once) for the normalizer and numpy,
# 24 bytes an element for the triad; then the normalize stage's artifact I/O at 10^7
# records (RecordParquet: read validated.parquet, write normalized.parquet). Then the
# peak resident memory of normalizing 10^8 values (/usr/bin/time -v, without the triad
# or the files).
# Usage: infra/bench-normalize.sh [sizes, default 1000000,10000000,100000000] [runs, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-1000000,10000000,100000000}
runs=${2:-5}
export PATH=/opt/swift/usr/bin:$PATH
python=${SLUICE_PYTHON:-.sluice/venv/bin/python}
swift build -c release --product sluice-normalize-bench >&2
bench=$(swift build -c release --show-bin-path)/sluice-normalize-bench
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
"$bench" --sizes "$sizes" --runs "$runs" --data "$data" --artifact-records 10000000 >"$data/swift.jsonl"
"$python" - "$data" "$runs" <<'PY'
import json, pathlib, statistics, sys, time
import numpy as np
folder, runs = pathlib.Path(sys.argv[1]), int(sys.argv[2])
rows = [json.loads(line) for line in open(folder / "swift.jsonl")]
for path in sorted(folder.glob("values-*.f64"), key=lambda p: int(p.stem.split("-")[1])):
    x = np.fromfile(path, dtype=np.float64)
    (x - x.mean()) / x.std()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        (x - x.mean()) / x.std()
        times.append(time.perf_counter() - start)
    rows.append({"measure": "numpy", "values": x.size, "seconds": statistics.median(times), "bytes": 16 * x.size})
    del x
    path.unlink()
def get(measure, n):
    return next((r for r in rows if r["measure"] == measure and r.get("values") == n and "seconds" in r), None)
def gbs(r):
    return r["bytes"] / r["seconds"] / 1e9 if r else None
def cell(v, fmt):
    return format(v, fmt) if v is not None else "—"
gpu = next((r for r in rows if r["measure"] == "gpu" and "reason" in r), None)
print(f"GPU: {'none: ' + gpu['reason'] if gpu else next(r['device'] for r in rows if 'device' in r)}")
print("| values | CPU path s | CPU GB/s | numpy s | numpy GB/s | CPU ÷ numpy | triad GB/s | CPU ÷ triad | GPU resident GB/s | GPU with copies GB/s |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for n in sorted({r["values"] for r in rows if "values" in r}):
    cpu, numpy, triad = get("cpu", n), get("numpy", n), get("triad", n)
    ratio = numpy["seconds"] / cpu["seconds"] if cpu and numpy else None
    share = gbs(cpu) / gbs(triad) if cpu and triad else None
    print(f"| {n:.0e} | {cell(cpu and cpu['seconds'], '.4f')} | {cell(gbs(cpu), '.1f')} | {cell(numpy and numpy['seconds'], '.4f')} "
          f"| {cell(gbs(numpy), '.1f')} | {cell(ratio, '.1f')}× | {cell(gbs(triad), '.1f')} | {cell(share and 100 * share, '.0f')}% "
          f"| {cell(gbs(get('gpu_resident', n)), '.1f')} | {cell(gbs(get('gpu_copies', n)), '.1f')} |")
for r in rows:
    if r["measure"] in ("artifact_read", "artifact_write"):
        what = "reads validated.parquet (20 bytes a record)" if r["measure"] == "artifact_read" else "writes normalized.parquet (28 bytes a record)"
        print(f"the normalize stage {what}, {r['values']:,} records: {r['seconds']:.3f} s, {r['bytes'] / r['seconds'] / 1e9:.2f} GB/s")
PY
largest=${sizes##*,}
rss_kib=$( { /usr/bin/time -v "$bench" --sizes "$largest" --runs 1 --no-triad >/dev/null; } 2>&1 | awk -F': ' '/Maximum resident set size/ {print $2}')
echo "peak RSS normalizing $largest values: $((rss_kib / 1024)) MiB = $(awk -v r="$rss_kib" -v n="$largest" 'BEGIN {printf "%.2f", r * 1024 / (8 * n)}')× their raw size (8 bytes a value)"
