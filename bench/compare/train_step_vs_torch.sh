#!/usr/bin/env bash
# GPT-2 124M training step (B=4, T=64, AdamW, clip 1.0), Cortado vs PyTorch on the CPU, same threads, alternating
# runs in one session; prints each run's JSON and the ratio of the medians.
#   bench/compare/train_step_vs_torch.sh [threads=2] [rounds=2] [python=/work/venv/bin/python]
# Needs: the bench jar (mvn -B -q -pl bench -am package -DskipTests) and a Python with torch + transformers.
# JVM memory: JAVA_OPTS, by default the flags the cortado launcher uses (heap up to 75% of memory, serial collector
# with a small young generation: a step's buffers are pooled, so there is little garbage to collect).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
threads=${1:-2}; rounds=${2:-2}; py=${3:-/work/venv/bin/python}
. bench/compare/find_java.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
opts=${JAVA_OPTS:--XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:MaxNewSize=256m -XX:-UsePerfData}
out=$(mktemp)
for r in $(seq "$rounds"); do
  "$java" --add-modules jdk.incubator.vector $opts -cp "$jar" cortado.bench.TrainStepMain --threads "$threads" \
      2>/dev/null | tee -a "$out"
  OMP_NUM_THREADS=$threads "$py" bench/compare/train_step_torch.py --threads "$threads" | tee -a "$out"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def med(engine, key): return statistics.median(r[key] for r in rows if r["engine"] == engine)
c, t = med("cortado", "median_step_ms"), med("pytorch", "median_step_ms")
cr, tr = med("cortado", "peak_rss_mib"), med("pytorch", "peak_rss_mib")
print(f"step ms: cortado {c:.0f}, pytorch {t:.0f}, speed ratio (pytorch/cortado) {t / c:.2f}x")
print(f"peak RSS MiB: cortado {cr:.0f}, pytorch {tr:.0f}, ratio (cortado/pytorch) {cr / tr:.2f}")
PY
