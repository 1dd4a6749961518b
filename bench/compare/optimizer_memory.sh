#!/usr/bin/env bash
# Optimizer memory of full fine-tuning of GPT-2 124M: AdamW (fp32 state, ~1 GB) against paged AdamW under a 64 MB
# cap (and the 8-bit kinds), one JVM per run, alternating, REPEATS times each. Prints each run's JSON line
# (optimizer_resident_mb counted by the optimizer, peak_rss_mb = VmHWM), then the median and spread of both per kind.
# Usage: bench/compare/optimizer_memory.sh [REPEATS=3] [STEPS=3] [BATCH=4] [SEQ=64]
set -euo pipefail
cd "$(dirname "$0")/../.."
repeats=${1:-3} steps=${2:-3} batch=${3:-4} seq=${4:-64}
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "error: $jar missing; build it with mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
out=$(mktemp)
for r in $(seq "$repeats"); do
  for opt in adamw paged-adamw adamw-8bit paged-adamw-8bit; do
    "$java" --add-modules jdk.incubator.vector -Xmx6g -cp "$jar" cortado.bench.OptimizerMemoryMain \
      --optimizer "$opt" --optimizer-memory-cap 64 --steps "$steps" --batch "$batch" --seq "$seq" 2>/dev/null | tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for opt in dict.fromkeys(r["optimizer"] for r in rows):
    rs = [r for r in rows if r["optimizer"] == opt]
    for key in ("optimizer_resident_mb", "peak_rss_mb"):
        xs = [r[key] for r in rs]
        print(f"{opt:18s} {key:22s} median {statistics.median(xs):9.1f}  range {min(xs):.1f}-{max(xs):.1f}  (n={len(xs)})")
PY
rm -f "$out"
