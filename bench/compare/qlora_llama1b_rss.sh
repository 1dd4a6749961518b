#!/usr/bin/env bash
# QLoRA of a Llama of about 1B parameters in at most 4 GB (issue 9, must-show 3): Llama 3.2 1B's shape (16 layers,
# width 2048, MLP 8192, 32 heads over 8 KV heads, vocabulary 128256, tied head; random weights), linear layers NF4
# blocksize 64 double-quantized as they are drawn, LoRA r=16 on all of them, B=4 T=256, activation checkpointing (HF's
# QLoRA recipe), AdamW over the adapters: one step, under /usr/bin/time -v. Its full fine-tuning would need about
# 20 GB (fp32 weights, gradients and two moments), more than this 24 GB machine has free beside other work.
#   bench/compare/qlora_llama1b_rss.sh [threads=2] [steps=1]
# Needs the bench jar (mvn -B -q -pl bench -am package -DskipTests). One step takes some minutes on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
threads=${1:-2}; steps=${2:-1}
[ -x /usr/bin/time ] || { echo "error: needs GNU time at /usr/bin/time" >&2; exit 1; }
. bench/compare/find_java.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
opts=${JAVA_OPTS:--XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:MaxNewSize=256m -XX:-UsePerfData}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2086
/usr/bin/time -v -o "$work/time" "$java" --add-modules jdk.incubator.vector $opts -cp "$jar" cortado.bench.LoraStepMain \
    --method qlora --model llama-1b --threads "$threads" --batch 4 --seq 256 --r 16 --steps "$steps" --warmup 0 \
    --checkpoint-activations true 2>/dev/null
kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
python3 -c "print(f'QLoRA Llama-1B step: whole-process peak RSS {$kb / 1024:.0f} MiB = {$kb * 1024 / 1e9:.2f} GB (target <= 4 GB)')"
