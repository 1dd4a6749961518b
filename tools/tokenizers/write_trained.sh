#!/usr/bin/env bash
# Writes the tokenizer.json files that Cortado trains on tokenizer/train.txt and that the parity tests hand to HF
# tokenizers (tools/tokenizers/hf_goldens.py encodes the corpus with them). TrainerTest checks these committed files
# equal what the trainers produce now. Usage: tools/tokenizers/write_trained.sh   (then run hf_goldens.py)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
res="$root/data/src/test/resources/tokenizer"
c="$root/cortado"
"$c" tokenizer train --input "$res/train.txt" --vocab-size 1000 --min-frequency 2 --out "$res/cortado_trained_bpe.json"
"$c" tokenizer train --input "$res/train.txt" --vocab-size 600 --min-frequency 2 --pattern llama3 --ignore-merges \
  --special-tokens '<|begin_of_text|>,<|end_of_text|>' --out "$res/cortado_trained_bpe_llama3.json"
"$c" tokenizer train --type wordpiece --input "$res/train.txt" --vocab-size 800 --min-frequency 2 \
  --out "$res/cortado_trained_wordpiece.json"
