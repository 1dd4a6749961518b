#!/usr/bin/env python3
"""GGUF goldens for the Java tests, all written by llama.cpp's own tools (convert_hf_to_gguf.py, llama-quantize) and
read back with gguf-py.

blocks.gguf (about 50 KB), written by gguf-py's GGUFWriter: four rows of 512 values (blk.0.ffn_down.weight of a tiny
random Llama) as F32 ("source"), the same rows as llama-quantize --pure wrote them in Q8_0, Q4_0, Q4_K and Q6_K
("ggml.q8_0", ...: ggml's own quantizers), gguf-py's quants.quantize of the source in Q8_0 and Q4_0 ("gguf_py.q8_0",
"gguf_py.q4_0"), and gguf-py's dequantization of each ggml tensor in F32 ("dequant.q8_0", ...).
blocks_q5.gguf (about 40 KB): the same for the types llama-quantize's Q4_K_M mixes in beside Q4_K/Q6_K: Q5_K
(GPT-2's attn_qkv) and Q5_0/Q5_1 (its fallbacks for rows narrower than a 256-value super-block) ("source",
"ggml.q5_k", "dequant.q5_k", ...), written alone by --only q5.

Tiny models (tiny_llama_f16.gguf, tiny_llama_q8_0.gguf, tiny_gpt2_q4_0.gguf, 20-80 KB each): width 32, one layer,
vocabulary 400, from convert_hf_to_gguf.py (f16) or llama-quantize --pure of its f32 output, beside
tiny_greedy.json: per file, prompts (text and ids, encoded by the HF tokenizer without special tokens, as the files'
metadata says: no BOS) and the greedy continuation transformers' generate() gives in fp32 when the model's weights
are replaced by the file's, dequantized by gguf-py (q/k rows un-permuted, GPT-2's Conv1D weights transposed back):
exactly the numbers Cortado computes with.

    /work/venv/bin/python tools/golden/gguf/make_gguf_golden.py --llama-cpp /work/llama.cpp \\
        --out nn/src/test/resources/golden/gguf
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
TOOLS = os.path.join(ROOT, "tools", "gguf")
PY = sys.executable
PROMPTS = ["Once upon a time", "The cat sat on the mat"]
NEW = 24


def sh(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")


def tensors(path):
    from gguf import GGUFReader
    return {t.name: t for t in GGUFReader(path).tensors}


def blocks(llama_cpp, work, out, file="blocks.gguf", kinds=(("q8_0", "Q8_0"), ("q4_0", "Q4_0"), ("q4_k", "Q4_K_M"),
                                                            ("q6_k", "Q6_K")), own=True):
    import gguf
    from gguf import GGUFWriter, GGMLQuantizationType as Q
    sh([PY, os.path.join(TOOLS, "make_tiny_models.py"), "--out", work])
    f32 = os.path.join(work, "llama_f32.gguf")
    sh([PY, os.path.join(TOOLS, "convert_hf.py"), "--llama-cpp", llama_cpp, os.path.join(work, "llama"),
        "--outtype", "f32", "--outfile", f32])
    name, rows = "blk.0.ffn_down.weight", 4
    src = np.asarray(tensors(f32)[name].data)[:rows].astype(np.float32)
    w = GGUFWriter(os.path.join(out, file), "blocks")
    w.add_tensor("source", src)
    for t, qt in kinds:
        qf = os.path.join(work, f"llama_{t}.gguf")
        sh([os.path.join(llama_cpp, "build", "bin", "llama-quantize"), "--pure", f32, qf, qt])
        ten = tensors(qf)[name]
        raw = np.asarray(ten.data)[:rows]
        w.add_tensor("ggml." + t, raw, raw_shape=raw.shape, raw_dtype=ten.tensor_type)
        w.add_tensor("dequant." + t, gguf.quants.dequantize(raw, ten.tensor_type).astype(np.float32))
    for t, q in ((("q8_0", Q.Q8_0), ("q4_0", Q.Q4_0)) if own else ()):
        b = gguf.quants.quantize(src, q)
        w.add_tensor("gguf_py." + t, b, raw_shape=b.shape, raw_dtype=q)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def hf_weights_from_gguf(path, arch, cfg):
    """state-dict-shaped fp32 tensors of every quantized/16-bit matrix in the file, dequantized by gguf-py."""
    import gguf
    out = {}
    names = {}
    if arch == "llama":
        for i in range(cfg.num_hidden_layers):
            for hf, g in (("self_attn.q_proj", "attn_q"), ("self_attn.k_proj", "attn_k"), ("self_attn.v_proj", "attn_v"),
                          ("self_attn.o_proj", "attn_output"), ("mlp.gate_proj", "ffn_gate"), ("mlp.up_proj", "ffn_up"),
                          ("mlp.down_proj", "ffn_down")):
                names[f"model.layers.{i}.{hf}.weight"] = f"blk.{i}.{g}.weight"
        names["model.embed_tokens.weight"] = "token_embd.weight"
        names["lm_head.weight"] = "output.weight"
    else:
        for i in range(cfg.n_layer):
            for hf, g in (("attn.c_attn", "attn_qkv"), ("attn.c_proj", "attn_output"), ("mlp.c_fc", "ffn_up"),
                          ("mlp.c_proj", "ffn_down")):
                names[f"transformer.h.{i}.{hf}.weight"] = f"blk.{i}.{g}.weight"
        names["transformer.wte.weight"] = "token_embd.weight"
    ts = tensors(path)
    for hf, g in names.items():
        t = ts[g]
        v = gguf.quants.dequantize(np.asarray(t.data), t.tensor_type).astype(np.float32)
        v = torch.from_numpy(v.reshape([int(x) for x in reversed(t.shape)]).copy())
        if arch == "llama" and ("q_proj" in hf or "k_proj" in hf):
            heads = cfg.num_attention_heads if "q_proj" in hf else cfg.num_key_value_heads
            d = v.shape[0] // heads
            # GGUF row 2i + j of a head is HF row j * d/2 + i: undo LlamaModel.permute.
            v = v.reshape(heads, d // 2, 2, *v.shape[1:]).swapaxes(1, 2).reshape(v.shape)
        if arch == "gpt2" and ".h." in hf:
            v = v.t().contiguous()   # Conv1D holds [in, out]
        out[hf] = v
    return out


def tiny(llama_cpp, work, out):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    sh([PY, os.path.join(TOOLS, "make_tiny_models.py"), "--out", os.path.join(work, "tiny"), "--width", "32",
        "--layers", "1", "--positions", "64"])
    golden = {}
    for arch, kinds in (("llama", (("f16", None), ("q8_0", "Q8_0"))), ("gpt2", (("q4_0", "Q4_0"),))):
        hf_dir = os.path.join(work, "tiny", arch)
        f32 = os.path.join(work, f"tiny_{arch}_f32.gguf")
        sh([PY, os.path.join(TOOLS, "convert_hf.py"), "--llama-cpp", llama_cpp, hf_dir, "--outtype", "f32",
            "--outfile", f32])
        tok = AutoTokenizer.from_pretrained(hf_dir)
        for kind, qt in kinds:
            name = f"tiny_{arch}_{kind}.gguf"
            dst = os.path.join(out, name)
            if qt is None:
                sh([PY, os.path.join(TOOLS, "convert_hf.py"), "--llama-cpp", llama_cpp, hf_dir, "--outtype", kind,
                    "--outfile", dst])
            else:
                sh([os.path.join(llama_cpp, "build", "bin", "llama-quantize"), "--pure", f32, dst, qt])
            model = AutoModelForCausalLM.from_pretrained(hf_dir, dtype=torch.float32, attn_implementation="eager")
            sd = hf_weights_from_gguf(dst, arch, model.config)
            missing = model.load_state_dict(sd, strict=False)
            assert not missing.unexpected_keys, missing.unexpected_keys
            model.eval()
            cases = []
            for p in PROMPTS:
                ids = tok(p, add_special_tokens=False)["input_ids"]
                with torch.no_grad():
                    res = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                         max_new_tokens=NEW, do_sample=False, eos_token_id=None, pad_token_id=0,
                                         output_logits=True, return_dict_in_generate=True)
                new = res.sequences[0, len(ids):].tolist()
                for i, lg in enumerate(res.logits):
                    top2 = torch.topk(lg[0], 2).values
                    assert top2[0] - top2[1] > 1e-3, f"{name}: near-tie at step {i}"
                cases.append({"prompt": p, "prompt_ids": ids, "completion_ids": new})
            golden[name] = cases
            print(name, os.path.getsize(dst), "bytes")
    with open(os.path.join(out, "tiny_greedy.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llama-cpp", default="/work/llama.cpp")
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", choices=["q5"], help="write only blocks_q5.gguf (the others stay as committed)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        if a.only != "q5":
            blocks(a.llama_cpp, work, a.out)
            tiny(a.llama_cpp, work, a.out)
        # --pure Q5_K_M makes every matrix Q5_K.
        blocks(a.llama_cpp, work, a.out, "blocks_q5.gguf", (("q5_k", "Q5_K_M"), ("q5_0", "Q5_0"), ("q5_1", "Q5_1")),
               own=False)


if __name__ == "__main__":
    main()
