#!/usr/bin/env bash
# GPT-2 124M alignment steps at B=4, T=256 (issue 11, must-show 3): Cortado's SFT step (full fine-tuning, TRL's
# SFTTrainer default; completion-only labels) and DPO step (LoRA r=16 alpha 32 on all linear layers, sigmoid loss,
# beta 0.1, reference = the adapters disabled), as `cortado sft` and `cortado dpo` run them (AlignStepMain), against
# TRL 1.13's SFTTrainer and DPOTrainer doing the same work (align_step_trl.py); same threads, the engines alternating
# within each round. With lora=1 also both engines' SFT step with LoRA. Prints each run's JSON, the medians with
# their spread, and the ratios against the 1.5x target; also each side's process CPU time per step (user + system,
# all threads), which a loaded machine distorts less than the wall clock.
#   bench/compare/align_step_vs_trl.sh [threads=2] [rounds=3] [steps=5] [warmup=2] [lora=0] [python=/work/venv/bin/python]
# Needs: the bench jar (mvn -B -q -pl bench -am package -DskipTests) and a Python with torch, transformers, peft, trl.
# Peak RSS on the Cortado side is the steps' peak (VmHWM reset once the model is built); TRL's is the whole
# process's (ru_maxrss).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
threads=${1:-2}; rounds=${2:-3}; steps=${3:-5}; warmup=${4:-2}; lora=${5:-0}; py=${6:-/work/venv/bin/python}
. bench/compare/find_java.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
opts=${JAVA_OPTS:--XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:MaxNewSize=256m -XX:-UsePerfData}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
common=(--threads "$threads" --batch 4 --seq 256 --r 16 --steps "$steps" --warmup "$warmup")
cortado() {
  # shellcheck disable=SC2086
  "$java" --add-modules jdk.incubator.vector $opts -cp "$jar" cortado.bench.AlignStepMain "${common[@]}" "$@" \
      2>/dev/null | tee -a "$out"
}
trl() { OMP_NUM_THREADS=$threads "$py" bench/compare/align_step_trl.py "${common[@]}" "$@" 2>/dev/null | tee -a "$out"; }
echo "load before: $(uptime)"
for r in $(seq "$rounds"); do
  cortado --recipe sft --method full
  trl --recipe sft --method full
  trl --recipe dpo --method lora
  cortado --recipe dpo --method lora
  if [ "$lora" = 1 ]; then
    cortado --recipe sft --method lora
    trl --recipe sft --method lora
  fi
  echo "load after round $r: $(uptime)"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{\"")]
def runs(e, recipe, method): return [r for r in rows if (r["engine"], r["recipe"], r["method"]) == (e, recipe, method)]
def med(e, recipe, method, key="median_step_ms"): return statistics.median(r[key] for r in runs(e, recipe, method))
for recipe, method in [("sft", "full"), ("dpo", "lora"), ("sft", "lora")]:
    if not runs("cortado", recipe, method): continue
    for e in ["cortado", "trl"]:
        xs = [r["median_step_ms"] for r in runs(e, recipe, method)]
        print(f"{e} {recipe} ({method}): median {statistics.median(xs):.0f} ms (runs {min(xs):.0f}-{max(xs):.0f}, "
              f"n={len(xs)}), peak RSS {med(e, recipe, method, 'peak_rss_mib'):.0f} MiB")
    c, t = med("cortado", recipe, method), med("trl", recipe, method)
    print(f"  {recipe} ({method}) speed vs TRL (trl / cortado): {t / c:.2f}x   (target >= 1.5)")
    if all("median_step_cpu_ms" in r for r in runs("cortado", recipe, method) + runs("trl", recipe, method)):
        cc, tc = (med(e, recipe, method, "median_step_cpu_ms") for e in ("cortado", "trl"))
        print(f"  {recipe} ({method}) CPU time per step: cortado {cc:.0f} ms, trl {tc:.0f} ms, trl / cortado {tc / cc:.2f}x")
PY
