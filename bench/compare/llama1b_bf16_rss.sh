#!/usr/bin/env bash
# Peak resident memory of generating with a 1B-parameter model stored in bf16, as a user runs it: `./cortado generate`
# with no JAVA_OPTS, under /usr/bin/time -v. The model is a random Llama with the Llama 3.2 1B config (16 layers,
# width 2048, vocabulary 128256, tied head: 1.24B parameters, 2.47 GB of bf16), initialised by transformers in bf16
# and saved by save_pretrained into DIR (made once, not committed), with the GPT-2 tokenizer.json of the peers' copy
# when there is one (any tokenizer.json works: the weights are random).
#   bench/compare/llama1b_bf16_rss.sh [dir=/tmp/llama1b-bf16] [tokens=16] [rounds=1] [python=/work/venv/bin/python]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
dir=${1:-/tmp/llama1b-bf16}; tokens=${2:-16}; rounds=${3:-1}; py=${4:-/work/venv/bin/python}
[ -x /usr/bin/time ] || { echo "error: needs GNU time at /usr/bin/time" >&2; exit 1; }
if [ ! -f "$dir/model.safetensors" ]; then
  "$py" - "$dir" <<'PY'
import os, shutil, sys, torch
from transformers import LlamaConfig, LlamaForCausalLM
cfg = LlamaConfig(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                  num_attention_heads=32, num_key_value_heads=8, head_dim=64, max_position_embeddings=131072,
                  rms_norm_eps=1e-5, tie_word_embeddings=True, bos_token_id=50256, eos_token_id=50256,
                  rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0,
                                   "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                   "original_max_position_embeddings": 8192})
torch.manual_seed(0)
torch.set_default_dtype(torch.bfloat16)   # initialised in bf16: no 5 GB fp32 copy on the Python side either
LlamaForCausalLM(cfg).save_pretrained(sys.argv[1])
for f in ("tokenizer.json", "tokenizer_config.json"):
    src = os.path.join("/work/peers/models/llama1b", f)
    if os.path.exists(src): shutil.copy(src, sys.argv[1])
PY
fi
[ -f "$dir/tokenizer.json" ] || { echo "error: $dir needs a tokenizer.json (any; the weights are random)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for r in $(seq "$rounds"); do
  env -u JAVA_OPTS /usr/bin/time -v -o "$work/c.time" ./cortado generate --model "$dir" --prompt Hello \
      --max-new-tokens "$tokens" --temperature 0 > "$work/c.log" 2>&1 || { cat "$work/c.log" >&2; exit 1; }
  echo "weights $(du -b "$dir/model.safetensors" | cut -f1) bytes; peak RSS $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/c.time") KB;" \
       "wall $(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/c.time")"
done
