#!/usr/bin/env bash
# Issue 11 must-show 2 (SFT): the demo model after its pretraining, fine-tuned with `cortado sft` (LoRA r=8 on every
# linear layer, completion-only loss) on the demo's question set in a chat format; prints the share of held-out
# generations that follow the chat format and stop at the end token, before and after (SftChatFormatMain).
#   bench/compare/sft_chat_format.sh [threads=2] [steps=600] [method=lora] [lr=1e-2]
# Pretrains the demo model first (./cortado demo --qlora-steps 0, a few minutes) unless runs/sft-chat/demo exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
threads=${1:-2}; steps=${2:-600}; method=${3:-lora}; lr=${4:-1e-2}
. bench/compare/find_java.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
ckpt=runs/sft-chat/demo/checkpoint
[ -f "$ckpt/model.safetensors" ] || ./cortado demo --qlora-steps 0 --threads "$threads" --out runs/sft-chat/demo
opts=${JAVA_OPTS:--Xmx2g -XX:+UseSerialGC -XX:MaxNewSize=256m}
# shellcheck disable=SC2086
"$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED $opts -cp "$jar" \
    cortado.bench.SftChatFormatMain --model "$ckpt" --out runs/sft-chat --threads "$threads" --steps "$steps" \
    --method "$method" --lr "$lr"
