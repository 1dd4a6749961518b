#!/usr/bin/env bash
# Tokenizer training time of two Cortado jars side by side, alternating (BPE and WordPiece, vocab 8000, on a corpus
# from make_bench_corpus.py): prints each run's merge-loop and total seconds as the trainer reports them.
# Usage: tools/tokenizers/bench_train.sh A.jar B.jar CORPUS.txt [RUNS]   (java: $JAVA_HOME/bin/java, JDK 25)
set -euo pipefail
a="$1"; b="$2"; corpus="$3"; runs="${4:-3}"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
for type in bpe wordpiece; do
  for ((i = 1; i <= runs; i++)); do
    for jar in "$a" "$b"; do
      log=$("$java" --add-modules jdk.incubator.vector -jar "$jar" tokenizer train --type "$type" --input "$corpus" \
            --vocab-size 8000 --out "$out/t.json" 2>&1)
      merges=$(sed -n 's/^merges .* done in \([0-9.]*\) s$/\1/p' <<<"$log")
      total=$(sed -n 's/^wrote .* in \([0-9.]*\) s$/\1/p' <<<"$log")
      echo "$type run $i $(basename "$jar"): merges $merges s, total $total s"
    done
  done
done
