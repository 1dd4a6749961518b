"""Random-init checkpoints for the decode comparison (bench/compare/decode_vs_peers.sh), saved fp32 in HF layout.

  gpt2     GPT-2 124M (GPT2Config defaults), GPT-2's own BPE vocabulary
  llama1b  Llama 3.2 1B's config (16 layers, 2048 wide, GQA 32/8, llama3 rope scaling, tied head, 128256 vocab);
           GPT-2's tokenizer stands in for Llama 3's (speed does not depend on which strings the ids spell; the
           vocabulary size, and so the head, is Llama's), token ids above its 50257 are unused padding

Weights are random with a fixed seed: decode speed does not depend on their values, and no network is needed.
  python make_peer_models.py OUT_DIR [gpt2|llama1b ...]
"""
import gzip
import os
import shutil
import sys
import tempfile

import torch
from transformers import (GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast, LlamaConfig, LlamaForCausalLM)

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = os.path.join(HERE, "..", "..", "data", "src", "test", "resources", "tokenizer", "gpt2")


def gpt2_tokenizer():
    """GPT-2's released encoder.json/vocab.bpe (committed, checksummed by tools/tokenizers/fetch_vocabs.sh)."""
    tmp = tempfile.mkdtemp()
    for name, hf_name in (("encoder.json", "vocab.json"), ("vocab.bpe", "merges.txt")):
        with gzip.open(os.path.join(VOCAB, name + ".gz"), "rb") as src, open(os.path.join(tmp, hf_name), "wb") as dst:
            shutil.copyfileobj(src, dst)
    tok = GPT2TokenizerFast.from_pretrained(tmp)
    assert len(tok) == 50257, len(tok)
    shutil.rmtree(tmp)
    return tok


def llama_config():
    # meta-llama/Llama-3.2-1B config.json, except the special ids, which name GPT-2's <|endoftext|> (see above).
    return LlamaConfig(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                       num_attention_heads=32, num_key_value_heads=8, head_dim=64, hidden_act="silu",
                       max_position_embeddings=131072, rms_norm_eps=1e-5, rope_theta=500000.0,
                       rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                     "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
                       tie_word_embeddings=True, attention_bias=False, mlp_bias=False,
                       bos_token_id=50256, eos_token_id=50256, torch_dtype="float32")


def build(name, out):
    if os.path.exists(os.path.join(out, "config.json")):
        return
    torch.manual_seed(1234)
    model = GPT2LMHeadModel(GPT2Config()) if name == "gpt2" else LlamaForCausalLM(llama_config())
    model = model.float().eval()
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    gpt2_tokenizer().save_pretrained(tmp)
    os.replace(tmp, out)
    print(f"{name}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters -> {out}", file=sys.stderr)


if __name__ == "__main__":
    root = sys.argv[1]
    for name in sys.argv[2:] or ["gpt2", "llama1b"]:
        build(name, os.path.join(root, name))
