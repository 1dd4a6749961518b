"""Writes a byte-level tokenizer.json for the demo's byte GPT (ids 0-255 are the bytes, 256 is <|endoftext|>), GPT-2's
byte-to-unicode alphabet with no merges, so that `cortado export gguf` can put a tokenizer in the file's metadata and
llama.cpp tokenizes prompts as Cortado does (llama_cpp_roundtrip.py --model demo=DIR).
  python byte_level_tokenizer.py CHECKPOINT_DIR OUT_DIR   (OUT_DIR gets links to the checkpoint and the tokenizer)
"""
import json
import os
import sys

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers


def bytes_to_unicode():
    """GPT-2's printable stand-in for each byte (openai/gpt-2 encoder.py's table)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for f in ("config.json", "model.safetensors"):
        if not os.path.exists(os.path.join(out, f)):
            os.symlink(os.path.abspath(os.path.join(src, f)), os.path.join(out, f))
    b2u = bytes_to_unicode()
    vocab = {b2u[b]: b for b in range(256)}
    vocab["<|endoftext|>"] = 256
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken("<|endoftext|>", special=True)])
    tok.save(os.path.join(out, "tokenizer.json"))
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "GPT2Tokenizer", "eos_token": "<|endoftext|>", "bos_token": "<|endoftext|>"}, f)
    assert tok.encode("Once upon").ids == list(b"Once upon")


if __name__ == "__main__":
    main()
