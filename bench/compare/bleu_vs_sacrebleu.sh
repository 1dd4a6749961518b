#!/usr/bin/env bash
# Corpus BLEU side by side: Cortado's Bleu vs sacreBLEU's BLEU().corpus_score, same files (a seeded random corpus of
# LINES lines, two reference streams), in-process compute time only (no JVM or Python start), each side warmed up
# once, the two alternating ROUNDS times; prints each round's medians and the scores (which must agree to 1e-9).
#
#   bench/compare/bleu_vs_sacrebleu.sh [--lines 3000] [--rounds 3] [--repeats 5]
# Needs bench/target/benchmarks.jar (mvn -B -pl bench -am package -DskipTests) and a Python with sacrebleu
# ($PYTHON, default /work/venv/bin/python if present, else python3).
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES=3000 ROUNDS=3 REPEATS=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lines) LINES="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --repeats) REPEATS="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "error: unknown argument $1" >&2; exit 2 ;;
  esac
done
source bench/compare/find_java.sh
PY="${PYTHON:-$( [[ -x /work/venv/bin/python ]] && echo /work/venv/bin/python || echo python3 )}"
JAR=bench/target/benchmarks.jar
[[ -f "$JAR" ]] || { echo "error: $JAR missing: mvn -B -pl bench -am package -DskipTests" >&2; exit 1; }
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
"$PY" bench/compare/bleu_sacrebleu.py write "$DIR" "$LINES"
echo "corpus: $LINES lines, 2 references; $(nproc) CPUs; $("$java" -version 2>&1 | head -n1)"
for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r"
  "$java" -Xmx2g -cp "$JAR" cortado.bench.BleuCorpusMain "$DIR/hyp.txt" "$DIR/ref1.txt" "$DIR/ref2.txt" --repeats "$REPEATS"
  "$PY" bench/compare/bleu_sacrebleu.py time "$DIR" "$REPEATS"
done
