#!/usr/bin/env bash
# Serve load, Cortado vs llama.cpp's llama-server, GPT-2 124M (random init, bench/compare/make_peer_models.py) on
# loopback, same threads and parallel slots, one engine at a time:
#   fp32: cortado serve on the HF checkpoint   vs llama-server on llama.cpp's f32 GGUF of it
#   nf4:  cortado serve on `cortado quantize --type nf4 --include-embeddings` vs llama-server on llama-quantize q4_0
#         (the nearest llama.cpp type: 4-bit blocks, the embeddings quantized too)
# Each server: a warm-up, then SEQ requests one at a time (the sequential rate), then CLIENTS streaming clients x
# REQUESTS requests (Cortado's cycled over the base and 3 LoRA adapters, bench/compare/make_lora_adapters.py;
# llama-server the base only), then, on Cortado, the prefix probe (a shared ~150-word prompt, cold then warm, with
# the prefix-cache counters from /metrics).
#   bench/compare/serve_load.sh [precisions="fp32 nf4"]
# Environment: PEERS (default /work/peers: llama.cpp at $PEERS/llama.cpp with build/bin/llama-server; models in
# $PEERS/models, made by bench/compare/decode_vs_peers.sh's model step), THREADS (2), SLOTS (32), CLIENTS (32),
# REQUESTS (20), TOKENS (8), SEQ (4), PY.
set -euo pipefail
precisions=${1:-"fp32 nf4"}
peers=${PEERS:-/work/peers}; dir=$peers/models; bin=$peers/llama.cpp/build/bin; py=${PY:-/work/venv/bin/python}
threads=${THREADS:-2}; slots=${SLOTS:-32}; clients=${CLIENTS:-32}; requests=${REQUESTS:-20}; tokens=${TOKENS:-8}
seq=${SEQ:-4}; port=8398
[ -x "$bin/llama-server" ] || { echo "error: $bin/llama-server is missing" >&2; exit 1; }
[ -d "$dir/gpt2-lora/a3" ] || "$py" bench/compare/make_lora_adapters.py "$dir/gpt2" "$dir/gpt2-lora" a1 a2 a3
adapters="--adapter a1=$dir/gpt2-lora/a1 --adapter a2=$dir/gpt2-lora/a2 --adapter a3=$dir/gpt2-lora/a3"
load() { "$py" bench/compare/serve_load.py --port $port --completions --max-tokens "$tokens" "$@"; }
wait_up() { for _ in $(seq 120); do curl -sf "localhost:$port/health" >/dev/null 2>&1 && return 0; sleep 1; done; return 1; }
run() {  # engine label pid-producing command...
  local engine=$1 label=$2; shift 2
  if curl -sf "localhost:$port/health" >/dev/null 2>&1; then echo "error: port $port is taken" >&2; exit 1; fi
  # Its own process group: ./cortado is a shell script around java, so the group is what must be stopped.
  setsid "$@" > "/tmp/serve_load.$engine.$label.log" 2>&1 & local pid=$!
  wait_up || { echo "error: $engine did not come up, see /tmp/serve_load.$engine.$label.log" >&2; kill -- -$pid; exit 1; }
  local eos="--eos-id 50256"; local models="gpt2,a1,a2,a3"
  if [ "$engine" = llama-server ]; then eos="--ignore-eos"; models=gpt2; fi
  load --model gpt2 $eos --clients 1 --requests 2 >/dev/null
  echo "== $engine $label sequential (load: $(cut -d' ' -f1-3 /proc/loadavg))"; load --model gpt2 $eos --clients 1 --requests "$seq"
  echo "== $engine $label $clients clients (load: $(cut -d' ' -f1-3 /proc/loadavg))"; load --model "$models" $eos --clients "$clients" --requests "$requests"
  if [ "$engine" = cortado ]; then
    echo "== $engine $label prefix probe (load: $(cut -d' ' -f1-3 /proc/loadavg))"; load --model gpt2 $eos --prefix-probe 150
    curl -s "localhost:$port/metrics" | grep -E '^cortado:(num_requests_running|kv_cache_usage_perc)' || true
  fi
  kill -- -$pid; wait $pid 2>/dev/null || true
  for _ in $(seq 30); do curl -sf "localhost:$port/health" >/dev/null 2>&1 || break; sleep 1; done
}
for p in $precisions; do
  if [ "$p" = fp32 ]; then model=$dir/gpt2; gguf=$dir/gpt2-f32.gguf; else model=$dir/gpt2-nf4; gguf=$dir/gpt2-q4_0.gguf; fi
  run cortado "$p" ./cortado serve --model "$model" --served-model-name gpt2 $adapters --port $port --max-batch "$slots" --max-model-len 256 --threads "$threads"
  run llama-server "$p" "$bin/llama-server" -m "$gguf" --port $port -t "$threads" -np "$slots" -c $((slots * 256))
done
