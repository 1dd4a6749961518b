#!/usr/bin/env bash
# Must-show 6 (issue 13): GGUF files between Cortado and llama.cpp in both directions; see llama_cpp_roundtrip.py.
# Needs llama.cpp built from source (LLAMA_CPP, default /work/llama.cpp: llama-server, llama-quantize) and a Python
# with torch, transformers, sentencepiece and gguf (PYTHON, default /work/venv/bin/python).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
exec "${PYTHON:-/work/venv/bin/python}" "$HERE/llama_cpp_roundtrip.py" --llama-cpp "${LLAMA_CPP:-/work/llama.cpp}" "$@"
