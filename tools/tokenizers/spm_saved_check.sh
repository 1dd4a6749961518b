#!/usr/bin/env bash
# Interop check for SentencePiece conversion: Cortado opens each case of tokenizer/spm/cases.json (tokenizer.model +
# tokenizer_config.json), saves it as tokenizer.json with its writer (SaveConvertedSpm.java), HF tokenizers loads that
# file, and its ids (with and without special tokens, pairs) and decodes must equal the goldens spm_goldens.py wrote
# from transformers. Prints the differing lines per case; exits 1 if any differ.
# Needs: /work/venv/bin/python (tokenizers), a JDK 25 and the data module compiled (mvn -pl data compile).
# Usage: tools/tokenizers/spm_saved_check.sh [WORKDIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PY="${PY:-/work/venv/bin/python}"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
work="${1:-$(mktemp -d)}"
res="$root/data/src/test/resources/tokenizer"
mkdir -p "$work/dirs" "$work/out"
"$PY" - "$res" "$work/dirs" <<'PYEOF'
import json, os, shutil, sys
res, dirs = sys.argv[1], sys.argv[2]
with open(os.path.join(res, "spm/cases.json"), encoding="utf-8") as f:
    cases = json.load(f)
for name, (model, config) in cases.items():
    d = os.path.join(dirs, name)
    os.makedirs(d, exist_ok=True)
    shutil.copy(os.path.join(res, "spm", model + ".model"), os.path.join(d, "tokenizer.model"))
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump(config, f)
PYEOF
"$JAVA" -cp "$root/data/target/classes" "$here/SaveConvertedSpm.java" "$work/dirs" "$work/out"
"$PY" - "$res" "$work/out" <<'PYEOF'
import gzip, json, os, sys
from tokenizers import Tokenizer
res, out = sys.argv[1], sys.argv[2]
with open(os.path.join(res, "hf/corpus.jsonl"), encoding="utf-8") as f:
    texts = [json.loads(line)["text"] for line in f]
failed = False
for name in sorted(json.load(open(os.path.join(res, "spm/cases.json")))):
    tok = Tokenizer.from_file(os.path.join(out, name + ".json"))
    with gzip.open(os.path.join(res, "hf", f"spm_{name}.golden.jsonl.gz"), "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    bad = 0
    for i, (t, r) in enumerate(zip(texts, rows)):
        model = tok.encode(t).ids
        ok = (tok.encode(t, add_special_tokens=False).ids == r["ids"] and model == r["model"]
              and tok.decode(model, skip_special_tokens=False) == r["decoded"]
              and tok.decode(model, skip_special_tokens=True) == r["decoded_skip"])
        if "pair" in r:
            e = tok.encode(t, texts[(i + 1) % len(texts)])
            ok = ok and e.ids == r["pair"]["ids"] and e.type_ids == r["pair"]["type_ids"]
        bad += not ok
    print(f"{name}: {bad} of {len(texts)} lines differ")
    failed |= bad > 0
sys.exit(1 if failed else 0)
PYEOF
