#!/usr/bin/env bash
# Builds bitsandbytes from source for the CPU (its C++ backend: blockwise 8-bit/4-bit quantization and the 8-bit
# blockwise optimizer update) and makes it importable next to /work/venv's torch and transformers, without touching
# /work/venv. bitsandbytes is not in the package mirror; its CPU build needs only cmake and a C++ compiler.
#
# Usage: tools/quant/build_bitsandbytes.sh SOURCE_DIR [PREFIX]
#   SOURCE_DIR  a checkout of github.com/bitsandbytes-foundation/bitsandbytes (any commit with csrc/cpu_ops.cpp)
#   PREFIX      where the built package goes (default: tools/quant/.bnb, ignored by git)
# Then run the generators with:  PYTHONPATH=PREFIX /work/venv/bin/python tools/quant/bnb_golden_4bit.py ...
# (a PYTHONPATH entry rather than a venv: /work/venv is itself a venv, so --system-site-packages would not see it).
set -euo pipefail
src=$(cd "${1:?usage: build_bitsandbytes.sh SOURCE_DIR [PREFIX]}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
prefix=${2:-$here/.bnb}
python=${PYTHON:-/work/venv/bin/python}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Build out of a copy so SOURCE_DIR stays clean (cmake writes the library into the source's bitsandbytes/ folder).
cp -r "$src/CMakeLists.txt" "$src/csrc" "$src/bitsandbytes" "$work/"
[ -d "$src/include" ] && cp -r "$src/include" "$work/"
cmake -DCOMPUTE_BACKEND=cpu -DCMAKE_BUILD_TYPE=Release -S "$work" -B "$work/build" >/dev/null
cmake --build "$work/build" -j "$(nproc)" >/dev/null
lib=$(ls "$work"/bitsandbytes/libbitsandbytes_cpu.* 2>/dev/null | head -1)
[ -n "$lib" ] || { echo "error: the build produced no libbitsandbytes_cpu library" >&2; exit 1; }

rm -rf "$prefix"
mkdir -p "$prefix"
cp -r "$work/bitsandbytes" "$prefix/"
if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then git -C "$src" rev-parse HEAD > "$prefix/SOURCE_COMMIT"; fi
PYTHONPATH="$prefix" "$python" -c "import bitsandbytes as b, sys; print('bitsandbytes', b.__version__, 'from', b.__file__)"
