#!/usr/bin/env bash
# GPT-2 124M fine-tuning step at B=4, T=256 (issue 9, must-shows 3 and 5): Cortado full fine-tuning, LoRA r=16 on all
# linear layers over the fp32 base, QLoRA (the same adapters over an NF4 blocksize-64 double-quantized base), and the
# peer, PyTorch + peft LoRA with the same config and step (lora_step_peft.py); same threads, alternating in each round.
# Then one QLoRA run with activation checkpointing (HF's QLoRA recipe: prepare_model_for_kbit_training turns gradient
# checkpointing on) for memory. Prints each run's JSON, medians with their spread, and the ratios the issue asks for.
#   bench/compare/lora_step_vs_peft.sh [threads=2] [rounds=3] [steps=5] [warmup=2] [python=/work/venv/bin/python]
# Needs: the bench jar (mvn -B -q -pl bench -am package -DskipTests) and a Python with torch, transformers and peft.
# Peak RSS on the Cortado side is the steps' peak (VmHWM reset once the model is built, so the random base's
# construction does not count; the resident model and JVM do); PyTorch's is the whole process's (ru_maxrss).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
threads=${1:-2}; rounds=${2:-3}; steps=${3:-5}; warmup=${4:-2}; py=${5:-/work/venv/bin/python}
. bench/compare/find_java.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
opts=${JAVA_OPTS:--XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:MaxNewSize=256m -XX:-UsePerfData}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cortado() {
  # shellcheck disable=SC2086
  "$java" --add-modules jdk.incubator.vector $opts -cp "$jar" cortado.bench.LoraStepMain --threads "$threads" \
      --batch 4 --seq 256 --r 16 --steps "$steps" --warmup "$warmup" "$@" 2>/dev/null
}
for r in $(seq "$rounds"); do
  cortado --method lora | tee -a "$out"
  OMP_NUM_THREADS=$threads "$py" bench/compare/lora_step_peft.py --method lora --threads "$threads" --batch 4 \
      --seq 256 --r 16 --steps "$steps" --warmup "$warmup" 2>/dev/null | tee -a "$out"
  cortado --method full | tee -a "$out"
  cortado --method qlora | tee -a "$out"
done
cortado --method qlora --checkpoint-activations true --steps 1 --warmup 1 | sed 's/"engine": "cortado"/"engine": "cortado-ckpt"/' \
    | tee -a "$out"
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def runs(engine, method): return [r for r in rows if r["engine"] == engine and r["method"] == method]
def med(engine, method, key="median_step_ms"): return statistics.median(r[key] for r in runs(engine, method))
def spread(engine, method):
    xs = [r["median_step_ms"] for r in runs(engine, method)]
    return f"median {statistics.median(xs):.0f} ms (runs {min(xs):.0f}-{max(xs):.0f}, n={len(xs)})"
for e, m in [("cortado", "full"), ("cortado", "lora"), ("cortado", "qlora"), ("pytorch", "lora")]:
    print(f"{e} {m}: {spread(e, m)}, peak RSS {med(e, m, 'peak_rss_mib'):.0f} MiB")
full, lora, qlora, peft = med("cortado", "full"), med("cortado", "lora"), med("cortado", "qlora"), med("pytorch", "lora")
print(f"LoRA vs full fine-tuning (full / lora): {full / lora:.2f}x   (target >= 1.4)")
print(f"LoRA vs PyTorch + peft LoRA (peft / cortado): {peft / lora:.2f}x   (target >= 1.5)")
print(f"QLoRA vs LoRA on fp32 weights (lora / qlora): {lora / qlora:.2f}x   (target >= 1.0)")
fr, qr = med("cortado", "full", "peak_rss_mib"), med("cortado", "qlora", "peak_rss_mib")
ck = runs("cortado-ckpt", "qlora")[0]
print(f"QLoRA peak RSS / full fine-tuning's: {qr / fr:.2f} without checkpointing, "
      f"{ck['peak_rss_mib'] / fr:.2f} with ({ck['peak_rss_mib']:.0f} MiB)   (target <= 0.35)")
print(f"quantized linear layers: {ck['quantized_bits_per_param']:.3f} bits/parameter   (target 4.127)")
PY
