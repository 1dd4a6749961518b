#!/usr/bin/env bash
# Builds the Python that bench/compare/eval_vs_lm_eval.sh and tools/golden/eval/*.py run lm-eval-harness 0.4.13 from:
# a venv of its own (not /work/venv, whose packages must stay as they are) with torch/transformers at /work/venv's
# versions and lm-eval's wheel from the local mirror. The mirror lacks some of lm-eval's declared dependencies, so:
#   evaluate, sqlitedict, word2number: installed from their source trees, which the caller has fetched as bare git
#     repositories (github:huggingface/evaluate, github:piskvorky/sqlitedict, github:akshaynagpal/w2n), passed as
#     directories in MIRRORS (default /work/.mirror); each tree is exported with `git archive HEAD`.
#   pytablewriter (six more unmirrored packages under it) and rouge-score: left out; lm-eval imports them only
#     inside make_table (its CLI's printed table) and inside generation tasks' metrics, neither of which
#     simple_evaluate on a multiple_choice task reaches. lm-eval itself is installed with --no-deps for that reason,
#     and its other dependencies are named here one by one.
#   bench/compare/install_lm_eval.sh [venv=/work/venv-lmeval]
# Prints the venv's python at the end; pass it to eval_vs_lm_eval.sh as LM_EVAL_PYTHON or its 6th argument.
set -euo pipefail
venv=${1:-/work/venv-lmeval}
mirrors=${MIRRORS:-/work/.mirror}
pip_() { "$venv/bin/pip" install --retries 0 -q "$@"; }
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip_ torch==2.13.0+cpu transformers==5.18.0 tokenizers==0.23.2 accelerate==1.15.0 datasets==5.0.1 peft==0.21.0 \
    numpy==2.4.6
# lm-eval's mirrored dependencies, and evaluate's (from its setup.py's REQUIRED_PKGS)
pip_ jinja2 sacrebleu scikit-learn dill more_itertools typing_extensions 'tqdm>=4.59.0' \
    pandas requests xxhash multiprocess 'fsspec[http]' huggingface-hub packaging
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
for repo in huggingface+evaluate piskvorky+sqlitedict akshaynagpal+w2n; do
  git_dir=$mirrors/$repo/repo
  [ -d "$git_dir" ] || { echo "error: $git_dir missing: fetch github:${repo/+//} first" >&2; exit 1; }
  mkdir -p "$src/$repo"
  git --git-dir="$git_dir" archive HEAD | tar -x -C "$src/$repo"
  echo "$repo $(git --git-dir="$git_dir" rev-parse HEAD)"
  pip_ --no-deps "$src/$repo"
done
pip_ --no-deps lm-eval==0.4.13
"$venv/bin/python" -c 'import lm_eval, evaluate, sqlitedict, word2number; from lm_eval.models.huggingface import HFLM
from importlib.metadata import version; print("lm-eval", version("lm-eval"), "evaluate", version("evaluate"))'
echo "$venv/bin/python"
