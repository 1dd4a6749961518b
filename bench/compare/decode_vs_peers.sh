#!/usr/bin/env bash
# Batch-1 decode and prefill, Cortado vs PyTorch `generate` vs llama.cpp, same machine and threads, alternating runs.
#   bench/compare/decode_vs_peers.sh [rounds=3] [threads="1 2"] [models="gpt2 llama1b"]
# Per model, thread count and round, one run each of: Cortado fp32, bf16 (when this build has 16-bit weights) and NF4
# (the head quantized too when `quantize --include-embeddings` exists, else the head stays fp32 and the row says so)
# through cortado.bench.DecodeMain (the checkpoint loaders of `generate`, Generator, its KV cache, the greedy sampler;
# the launcher's JVM flags); PyTorch fp32 (bench/compare/decode_torch.py, torch.set_num_threads(N)); llama-bench
# -p PROMPT -n NEW -t N on f32, f16 and q4_0 GGUFs. Prints every run's JSON line, then a table of medians with the
# spread (min-max), the peak RSS, and (Cortado, PyTorch) the process CPU time per decoded token, which on a busy
# machine says how much work a token took where the wall-clock rate mostly says how much CPU the scheduler gave.
#   decode  = tokens/s of NEW greedy tokens after an 8-token prompt (llama-bench: tg NEW from an empty context)
#   prefill = prompt tokens/s of a PROMPT-token prompt (llama-bench: pp PROMPT)
# Environment: PEERS (default /work/peers: llama.cpp work tree at $PEERS/llama.cpp with build/bin/llama-bench and
# llama-quantize, built as the README says; models go to $PEERS/models and are made when missing), PY (a Python with
# torch + transformers, default /work/venv/bin/python), NEW (128), PROMPT (512), ENGINES (default
# "cortado pytorch llama.cpp"). Needs the bench jar (mvn -B -q -pl bench -am package -DskipTests) and ./cortado's jar.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
rounds=${1:-3}; threads=${2:-"1 2"}; models=${3:-"gpt2 llama1b"}
peers=${PEERS:-/work/peers}; py=${PY:-/work/venv/bin/python}
new=${NEW:-128}; prompt=${PROMPT:-512}; engines=${ENGINES:-"cortado pytorch llama.cpp"}
llama=$peers/llama.cpp; bin=$llama/build/bin; dir=$peers/models
java=""
for home in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/*; do
  v=$("$home/bin/java" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n1) || true
  if [ "${v:-0}" -ge 25 ] 2>/dev/null; then java="$home/bin/java"; export JAVA_HOME=$home; break; fi
done
[ -n "$java" ] || { echo "error: no JDK >= 25 found" >&2; exit 1; }
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "error: build first: mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
for tool in llama-bench llama-quantize; do
  [ -x "$bin/$tool" ] || { echo "error: $bin/$tool is missing (cmake -B build -DGGML_NATIVE=ON -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2 --target llama-bench llama-quantize, in $llama)" >&2; exit 1; }
done
# The cortado launcher's memory flags (see ./cortado).
opts=${JAVA_OPTS:--XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:MaxNewSize=256m}
# (grep reads all of its input: with pipefail, grep -q stopping early would fail the pipeline through SIGPIPE)
has_bf16=0; if unzip -l "$jar" | grep '/Bf16Matrix.class' >/dev/null; then has_bf16=1; fi
quant_flags=""; quant_label="nf4-head-fp32"
if ./cortado quantize --help 2>&1 | grep -- '--include-embeddings' >/dev/null; then quant_flags="--include-embeddings"; quant_label="nf4"; fi

# ---- models, made once --------------------------------------------------------------------------------------------
mkdir -p "$dir"
for m in $models; do
  [ -f "$dir/$m/config.json" ] || "$py" bench/compare/make_peer_models.py "$dir" "$m"
  if [ ! -f "$dir/$m-f32.gguf" ]; then
    src=$dir/$m
    if [ "$m" = gpt2 ]; then
      # This llama.cpp's GPT-2 converter reads n_ctx, which transformers 5 no longer writes (Cortado refuses unknown
      # config fields, so the HF directory itself keeps transformers' config).
      src=$dir/$m.ggufsrc; rm -rf "$src"; mkdir -p "$src"
      for f in "$dir/$m"/*; do ln -s "$f" "$src/"; done
      rm "$src/config.json"
      "$py" -c "import json,sys; c=json.load(open(sys.argv[1])); c['n_ctx']=c['n_positions']; json.dump(c, open(sys.argv[2],'w'))" \
          "$dir/$m/config.json" "$src/config.json"
    fi
    PYTHONPATH="$llama/gguf-py:$peers/pylib${PYTHONPATH:+:$PYTHONPATH}" "$py" "$llama/convert_hf_to_gguf.py" "$src" \
        --outtype f32 --outfile "$dir/$m-f32.gguf.tmp" >/dev/null 2>&1
    mv "$dir/$m-f32.gguf.tmp" "$dir/$m-f32.gguf"
  fi
  for q in f16 q4_0; do
    [ -f "$dir/$m-$q.gguf" ] || { "$bin/llama-quantize" "$dir/$m-f32.gguf" "$dir/$m-$q.gguf.tmp" "$q" >/dev/null 2>&1 \
        && mv "$dir/$m-$q.gguf.tmp" "$dir/$m-$q.gguf"; }
  done
  [ -f "$dir/$m-$quant_label/config.json" ] || ./cortado quantize --model "$dir/$m" --out "$dir/$m-$quant_label" \
      --type nf4 $quant_flags >/dev/null
  if [ $has_bf16 = 1 ] && [ ! -f "$dir/$m-bf16/config.json" ]; then
    "$py" -c "import sys, torch; from transformers import AutoModelForCausalLM, AutoTokenizer
m = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.bfloat16); m.save_pretrained(sys.argv[2])
AutoTokenizer.from_pretrained(sys.argv[1]).save_pretrained(sys.argv[2])" "$dir/$m" "$dir/$m-bf16" >/dev/null 2>&1
  fi
done

# ---- runs, alternating engines -----------------------------------------------------------------------------------
out=$(mktemp)
cortado() { # model-dir label threads
  "$java" --add-modules jdk.incubator.vector $opts -cp "$jar" cortado.bench.DecodeMain --model "$1" --label "$2" \
      --threads "$3" --new "$new" --prompt "$prompt" --rounds 1 --warmup 1 2>/dev/null | tee -a "$out"
}
for r in $(seq "$rounds"); do
  for m in $models; do
    for t in $threads; do
      echo "# round $r, $m, $t thread(s), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
      case " $engines " in *" cortado "*)
        cortado "$dir/$m" fp32 "$t"
        [ $has_bf16 = 1 ] && cortado "$dir/$m-bf16" bf16 "$t"
        cortado "$dir/$m-$quant_label" "$quant_label" "$t" ;; esac
      case " $engines " in *" pytorch "*)
        OMP_NUM_THREADS=$t "$py" bench/compare/decode_torch.py --model "$dir/$m" --threads "$t" --new "$new" \
            --prompt "$prompt" --rounds 1 --warmup 1 2>/dev/null | tee -a "$out" ;; esac
      case " $engines " in *" llama.cpp "*)
        for q in f32 f16 q4_0; do
          "$py" bench/compare/llama_bench_json.py "$bin/llama-bench" "$dir/$m-$q.gguf" "$q" "$t" "$prompt" "$new" | tee -a "$out"
        done ;; esac
    done
  done
done

python3 - "$out" "$new" "$prompt" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
new, prompt = sys.argv[2], sys.argv[3]
keys = []
for r in rows:
    r["model"] = r["model"].split("-")[0]  # gpt2-nf4 -> gpt2: the precision is the label
for r in rows:
    k = (r["model"], r["engine"], r["label"], r["threads"])
    if k not in keys: keys.append(k)
def cell(xs):
    xs = [x for x in xs if x >= 0]
    if not xs: return "-"
    return f"{statistics.median(xs):.1f} ({min(xs):.1f}-{max(xs):.1f})"
print(f"\n| model | engine | precision | threads | decode tok/s (tg{new}) | prefill tok/s (pp{prompt}) | decode CPU ms/token | peak RSS MiB | runs |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|")
for k in sorted(keys, key=lambda k: (k[0], k[3], k[1], k[2])):
    rs = [r for r in rows if (r["model"], r["engine"], r["label"], r["threads"]) == k]
    print(f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | {cell([r['decode_tok_s'] for r in rs])} | "
          f"{cell([r['prefill_tok_s'] for r in rs])} | {cell([r.get('decode_cpu_ms_per_token', -1) for r in rs])} | "
          f"{statistics.median(r['peak_rss_mib'] for r in rs):.0f} | {len(rs)} |")
PY
rm -f "$out"
