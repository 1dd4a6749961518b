#!/usr/bin/env bash
# Issue 9 must-show 4: the demo model after its pretraining, fine-tuned 300 steps on the demo's question set by full
# fine-tuning, LoRA r=8 and QLoRA (NF4 + double quantization, LoRA r=8), all from the same checkpoint; prints a table
# (held-out loss, exact match, wall time, trainable parameters) and the two loss ratios.
#   bench/compare/qlora_quality.sh [threads=2] [tune=false]
# With tune=true it prints the development-set loss of each learning rate of a grid instead (the rates the table
# uses were chosen that way, never on the held-out set). Pretrains the demo model first (./cortado demo, ~2.5 min)
# unless runs/qlora-quality/checkpoint exists. The three fine-tunings take about 3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
threads=${1:-2}; tune=${2:-false}
. bench/compare/find_java.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
ckpt=runs/qlora-quality/checkpoint
[ -f "$ckpt/model.safetensors" ] || ./cortado demo --qlora-steps 0 --threads "$threads" --out runs/qlora-quality
# A bounded heap: the QLoRA step promotes garbage that the serial collector would otherwise let grow to 75% of RAM.
opts=${JAVA_OPTS:--Xmx2g -XX:+UseSerialGC -XX:MaxNewSize=256m}
# shellcheck disable=SC2086
"$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED $opts -cp "$jar" \
    cortado.bench.QloraQualityMain --model "$ckpt" --threads "$threads" --tune "$tune"
