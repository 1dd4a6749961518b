#!/usr/bin/env bash
# Data-parallel throughput over MPI: tokens/s of 2 ranks x 1 thread against 1 rank x 1 thread, GPT-2 124M
# (gpt2-124m preset), B=4 rows per rank, T=256, on random tokens (a nanoGPT .bin). Runs 1 rank, 2 ranks, 1 rank again
# (so a change in the machine's load shows), each for STEPS steps, and prints each run's median tokens/s over the
# steps after the first (metrics.jsonl's tokens_per_s: all ranks' tokens) and the ratio 2 ranks / mean of the 1-rank
# runs. First the FMA probe: whether the second vCPU is a core of its own.
#   bench/compare/dp_tokens_per_s.sh            (needs Open MPI's mpirun; STEPS=4 by default; OUT=/tmp/dp-bench)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
STEPS="${STEPS:-4}" OUT="${OUT:-/tmp/dp-bench}"
command -v mpirun >/dev/null || { echo "error: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)" >&2; exit 1; }

mvn -B -q -pl bench -am compile >&2
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) vCPUs"
echo "# FMA probe, 1 thread vs 2 at once (gflops_per_thread_cpu halving means the 2 vCPUs share one core):"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp tensor/target/classes:bench/target/classes \
    cortado.bench.FmaProbe 2 2>/dev/null | sed 's/^/# fma /'

mkdir -p "$OUT"
python3 - "$OUT/tokens.bin" <<'PY'
import random, struct, sys
random.seed(0)
n = 400_000   # uint16 tokens < 50257, enough windows of 257 for the 2 ranks' random batches
with open(sys.argv[1], "wb") as f: f.write(struct.pack(f"<{n}H", *(random.randrange(50257) for _ in range(n))))
PY
ARGS=(pretrain --model gpt2-124m --data "$OUT/tokens.bin" --steps "$STEPS" --batch 4 --seq 256 --val-every 0
      --save-every 0 --threads 1)
median() {   # median tokens_per_s of steps 2.. of a metrics.jsonl
  python3 -c 'import json,sys,statistics; r=[json.loads(l)["tokens_per_s"] for l in open(sys.argv[1])][1:]; print(round(statistics.median(r),1))' "$1"
}
./cortado "${ARGS[@]}" --out "$OUT/one-a" >/dev/null
A=$(median "$OUT/one-a/metrics.jsonl")
mpirun -np 2 --bind-to none ./cortado "${ARGS[@]}" --out "$OUT/two" >/dev/null
B=$(median "$OUT/two/metrics.jsonl")
./cortado "${ARGS[@]}" --out "$OUT/one-b" >/dev/null
C=$(median "$OUT/one-b/metrics.jsonl")
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 -c "import sys; a,b,c=map(float,sys.argv[1:]); print(f'1 rank: {a} then {c} tokens/s; 2 ranks: {b} tokens/s; ratio {b/((a+c)/2):.2f}x')" "$A" "$B" "$C"
