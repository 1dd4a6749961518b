#!/usr/bin/env bash
# Side-by-side tokenizer speed, one run, same machine, same inputs (must-show 3):
#   1. single-threaded GPT-2 encoding of a ~20 MB corpus: `cortado bench tokenize` vs Python tiktoken with
#      RAYON_NUM_THREADS=1 (both encode the whole file as one text, warm-up then median of timed runs);
#   2. training a 32k byte-level BPE vocabulary on ~100 MB: `cortado tokenizer train` vs HF tokenizers' BpeTrainer,
#      both with the same number of threads ($THREADS, default 2) and the same settings (GPT-2 pre-tokenization,
#      min frequency 2, <|endoftext|>).
# Needs: ./cortado (JDK 25 + Maven), python3, and a Python with tiktoken + tokenizers ($PY, default /work/venv/bin/python).
# Usage: tools/tokenizers/bench_vs_tiktoken.sh [WORKDIR]     Corpora: tools/tokenizers/make_bench_corpus.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PY="${PY:-/work/venv/bin/python}"
THREADS="${THREADS:-2}"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
res="$root/data/src/test/resources/tokenizer"

[ -s "$work/corpus20.txt" ] || python3 "$here/make_bench_corpus.py" "$work/corpus20.txt" 20
[ -s "$work/corpus100.txt" ] || python3 "$here/make_bench_corpus.py" "$work/corpus100.txt" 100

echo "== encode: GPT-2, one thread, $(du -Lh "$work/corpus20.txt" | cut -f1) =="
java_line="$("$root/cortado" --threads 1 bench tokenize --tokenizer "$res/gpt2" --input "$work/corpus20.txt" --warmup 2 --runs 5)"
echo "cortado:  $java_line"
py_line="$(RAYON_NUM_THREADS=1 "$PY" - "$work/corpus20.txt" "$here" <<'PYEOF'
import json, statistics, sys, tempfile, time
sys.path.insert(0, sys.argv[2])
import tiktoken_goldens
with tempfile.TemporaryDirectory() as tmp:
    enc = tiktoken_goldens.encodings(tmp)["gpt2"]
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8", "replace")
for _ in range(2):
    n = len(enc.encode_ordinary(text))
times = []
for _ in range(5):
    t0 = time.perf_counter(); n = len(enc.encode_ordinary(text)); times.append(time.perf_counter() - t0)
m = statistics.median(times)
print(json.dumps({"tokenizer": "tiktoken gpt2", "bytes": len(raw), "tokens": n, "threads": 1, "runs": 5,
                  "median_s": round(m, 4), "mb_per_s": round(len(raw) / 1e6 / m, 2), "tokens_per_s": round(n / m)}))
PYEOF
)"
echo "tiktoken: $py_line"
python3 - "$java_line" "$py_line" <<'PYEOF'
import json, sys
j, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
same = "same token count" if j["tokens"] == p["tokens"] else f"TOKEN COUNTS DIFFER: {j['tokens']} vs {p['tokens']}"
print(f"encode ratio cortado/tiktoken: {j['mb_per_s'] / p['mb_per_s']:.2f}x ({same})")
PYEOF

echo "== train: 32k byte-level BPE, $THREADS threads, $(du -Lh "$work/corpus100.txt" | cut -f1) =="
t0=$(date +%s.%N)
JAVA_OPTS="${JAVA_OPTS:-} -Xmx8g" "$root/cortado" --threads "$THREADS" tokenizer train --input "$work/corpus100.txt" \
  --vocab-size 32000 --min-frequency 2 --out "$work/cortado32k.json" 2> "$work/cortado_train.log"
t1=$(date +%s.%N)
java_s=$(python3 -c "print(round($t1 - $t0, 1))")
echo "cortado:  ${java_s} s (wall, including JVM start and reading the file)"
hf_s=$(RAYON_NUM_THREADS="$THREADS" "$PY" - "$work/corpus100.txt" "$work/hf32k.json" <<'PYEOF'
import sys, time
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
t0 = time.perf_counter()
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
tok.train([sys.argv[1]], trainers.BpeTrainer(vocab_size=32000, min_frequency=2, special_tokens=["<|endoftext|>"],
          initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
tok.save(sys.argv[2])
print(round(time.perf_counter() - t0, 1))
PYEOF
)
echo "HF:       ${hf_s} s (wall, including reading the file)"
python3 - "$java_s" "$hf_s" "$work/cortado32k.json" "$work/hf32k.json" <<'PYEOF'
import json, sys
j, h = float(sys.argv[1]), float(sys.argv[2])
a, b = (json.load(open(p))["model"] for p in sys.argv[3:5])
same = "identical merges" if a["merges"] == b["merges"] else "merges differ"
print(f"train ratio cortado/HF time: {j / h:.2f}x ({same}; target <= 2.00x)")
PYEOF
