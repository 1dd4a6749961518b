#!/usr/bin/env bash
# Issue 12's speed must-show: `cortado eval` against lm-eval-harness 0.4.13 with its HF backend (eval_lm_eval.py) on
# the same multiple-choice task (N generated sum questions, 4 choices each, 0-shot; KIND digits: answers "81", one
# GPT-2 token, which lm-eval's one-token logits cache also runs once per question; words: "eighty-one", several
# tokens, which it runs once per choice), the same model (a random-init
# GPT-2 124M from make_peer_models.py with GPT-2's tokenizer) and the same threads and batch size, alternating in
# each round. Times are the evaluation only (prompts, tokenization, model, scoring), not the model's loading. Also
# prints both runs' acc / acc_norm, which must agree (random weights: near chance, but the same choices win).
#   bench/compare/eval_vs_lm_eval.sh [threads=2] [questions=1000] [batch=8] [rounds=1] [kind=digits|words]
#       [python=$LM_EVAL_PYTHON, else /work/venv-lmeval/bin/python]
# Needs: the jar (./cortado builds it, or mvn -B -q -pl cli -am package -DskipTests) and a Python with lm_eval
# (bench/compare/install_lm_eval.sh makes one). Each run's peak RSS comes from /usr/bin/time -v, the load average
# from /proc/loadavg before and after each run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
threads=${1:-2}; n=${2:-1000}; batch=${3:-8}; rounds=${4:-1}; kind=${5:-digits}; py=${6:-${LM_EVAL_PYTHON:-/work/venv-lmeval/bin/python}}
. bench/compare/find_java.sh
jar=cli/target/cortado.jar
[ -f "$jar" ] || { echo "build first: mvn -B -q -pl cli -am package -DskipTests" >&2; exit 1; }
models=${PEER_MODELS:-/tmp/cortado-peer-models}
[ -f "$models/gpt2/config.json" ] || /work/venv/bin/python bench/compare/make_peer_models.py "$models" gpt2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$n" "$kind" <<'PY'
import json, random, sys
work, n, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
def words(x):
    if x < 20: return ONES[x]
    if x < 100: return TENS[x // 10] + ("" if x % 10 == 0 else "-" + ONES[x % 10])
    return "one hundred" + ("" if x == 100 else " and " + words(x - 100))
say = words if kind == "words" else str
r = random.Random(0)
with open(f"{work}/bench_mc.jsonl", "w") as f:
    for _ in range(n):
        a, b = r.randrange(100), r.randrange(100)
        ch = [a + b, a + b + 1, abs(a + b - 1), a + b + 10] if a + b > 0 else [0, 1, 2, 10]
        r.shuffle(ch)
        f.write(json.dumps({"question": f"What is {a} plus {b}?", "choices": [say(c) for c in ch],
                            "label": ch.index(a + b)}) + "\n")
with open(f"{work}/bench_mc.yaml", "w") as f:
    f.write("task: bench_mc\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: bench_mc.jsonl\n"
            "test_split: test\noutput_type: multiple_choice\ndoc_to_text: \"Question: {{question}}\\nAnswer:\"\n"
            "doc_to_target: label\ndoc_to_choice: choices\nmetric_list:\n  - metric: acc\n  - metric: acc_norm\n"
            "metadata:\n  version: 1.0\n")
PY
out="$work/rows.jsonl"
opts=${JAVA_OPTS:--XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:MaxNewSize=256m}
for r in $(seq "$rounds"); do
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$work/time_c" "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED $opts \
      -jar "$jar" --threads "$threads" eval --model "$models/gpt2" --tasks "$work/bench_mc.yaml" --batch "$batch" \
      --out "$work/cortado" >/dev/null 2>&1
  python3 - "$work/cortado/results.json" "$threads" "$batch" "$work/time_c" "$load0" <<'PY' | tee -a "$out"
import json, re, sys
d = json.load(open(sys.argv[1]))
r = d["results"]["bench_mc"]
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[4]).read()).group(1))
print(json.dumps({"engine": "cortado", "seconds": float(d["total_evaluation_time_seconds"]), "acc": r["acc,none"],
                  "acc_norm": r["acc_norm,none"], "threads": int(sys.argv[2]), "batch": int(sys.argv[3]),
                  "peak_rss_mib": rss // 1024, "load_before": sys.argv[5], "load_after": open("/proc/loadavg").read()[:14]}))
PY
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  OMP_NUM_THREADS=$threads /usr/bin/time -v -o "$work/time_p" "$py" bench/compare/eval_lm_eval.py --model "$models/gpt2" \
      --tasks-dir "$work" --task bench_mc --batch "$batch" --threads "$threads" 2>/dev/null | tail -n1 > "$work/row_p"
  python3 - "$work/row_p" "$work/time_p" "$load0" <<'PY' | tee -a "$out"
import json, re, sys
row = json.loads(open(sys.argv[1]).read())
row["peak_rss_mib"] = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[2]).read()).group(1)) // 1024
row["load_before"], row["load_after"] = sys.argv[3], open("/proc/loadavg").read()[:14]
print(json.dumps(row))
PY
done
python3 - "$out" "$n" "$kind" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
c = [r for r in rows if r["engine"] == "cortado"]; p = [r for r in rows if r["engine"] == "lm-eval"]
mc, mp = statistics.median(r["seconds"] for r in c), statistics.median(r["seconds"] for r in p)
print(f"{sys.argv[2]} questions x 4 choices ({sys.argv[3]}): cortado {mc:.1f} s, lm-eval HF {mp:.1f} s (medians of {len(c)}):"
      f" cortado is {mp / mc:.2f}x as fast")
print(f"acc cortado {c[0]['acc']:.4f} lm-eval {p[0]['acc']:.4f}; acc_norm cortado {c[0]['acc_norm']:.4f}"
      f" lm-eval {p[0]['acc_norm']:.4f}")
PY
