#!/usr/bin/env bash
# Builds what the GPU check needs into a folder that runs on any Linux x86_64 machine
# with or without Swift (the benchmark is linked with --static-swift-stdlib) and runs
# it here: the C check of the CUDA backend (infra/gpu-check/gpu-check.c) and the
# normalize benchmark at 10^6 and 10^7 values.
# Copy the folder to a GPU machine and run its run.sh there to check a real GPU.
# Without a GPU both say "no GPU: <reason>" and the script exits 0; 1 means a check failed.
# Usage: infra/gpu-check.sh [folder, default .build/gpu-check]
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=${1:-.build/gpu-check}
export PATH=/opt/swift/usr/bin:$PATH
mkdir -p "$bundle"
# clang: loader.c embeds the kernel with C23 #embed (clang 19 or later; the Swift toolchain's has it).
clang -std=c2x -O2 -Wall -Wextra -I Shared/CCUDA/include Shared/CCUDA/loader.c infra/gpu-check/gpu-check.c \
    -ldl -lm -o "$bundle/gpu-check"
swift build -c release --static-swift-stdlib --product sluice-normalize-bench >&2
cp "$(swift build -c release --static-swift-stdlib --show-bin-path)/sluice-normalize-bench" "$bundle/"
cat >"$bundle/run.sh" <<'RUN'
#!/usr/bin/env bash
set -uo pipefail
cd "$(dirname "$0")"
echo "== C check of the CUDA backend"
./gpu-check
status=$?
echo "== normalize benchmark (CPU path, and the GPU path where there is one)"
./sluice-normalize-bench --sizes 1000000,10000000 --runs 3 || status=1
exit $status
RUN
chmod +x "$bundle/run.sh"
"$bundle/run.sh"
