#!/usr/bin/env bash
# Issue 4, must-show 5: on the model `cortado demo` trains, validation perplexity before/after
#   - NF4 + double quantization (blocksize 64)   (must rise by under 5%)
#   - FP4 and LLM.int8 for comparison
#   - 2:4 semi-structured pruning and 50% global magnitude pruning (reported)
# all on the demo's own validation tail (the last 10% of the demo corpus, 39,936 predicted tokens).
#
#   tools/quant/quantize_and_prune_demo.sh [RUN_DIR]     (default /tmp/cortado-demo; trains it when missing, ~3-10 min)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN="${1:-/tmp/cortado-demo}"
C="$ROOT/cortado"
if [ ! -f "$RUN/checkpoint/config.json" ]; then
  "$C" demo --out "$RUN"
fi
CK="$RUN/checkpoint"
echo "== NF4 + double quantization"
"$C" quantize --model "$CK" --type nf4 --double-quant --eval --out "$RUN/nf4-dq"
echo "== FP4"
"$C" quantize --model "$CK" --type fp4 --eval --out "$RUN/fp4" | grep perplexity
echo "== LLM.int8 (row-wise)"
"$C" quantize --model "$CK" --type int8 --eval --out "$RUN/int8" | grep perplexity
echo "== 2:4 pruning"
"$C" prune --model "$CK" --method 2:4 --out "$RUN/pruned-2of4" | tail -3
echo "== magnitude pruning, 50% global"
"$C" prune --model "$CK" --method magnitude --sparsity 0.5 --scope global --out "$RUN/pruned-mag50" | tail -2
echo "== memory report of the NF4 model"
"$C" inspect --model "$RUN/nf4-dq"
