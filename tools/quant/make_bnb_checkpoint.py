"""Writes small 4-bit checkpoint directories in the layout transformers + bitsandbytes save (Linear4bit's
_save_to_state_dict with QuantState.as_dict(packed=True); config.json with BitsAndBytesConfig.to_dict() as
save_pretrained writes it), quantizing with tools/quant/bnb_reference.py since bitsandbytes is not installed here.

Each directory holds config.json + model.safetensors, and reference.safetensors with, per quantized weight, the
original fp32 matrix, so the Java test can quantize it again and compare with the stored state bit for bit.

Usage: /work/venv/bin/python tools/quant/make_bnb_checkpoint.py [--out quant/src/test/resources/quant]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import BitsAndBytesConfig, LlamaConfig, LlamaForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bnb_reference as ref  # noqa: E402

LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def pack_dict_to_tensor(d):
    """bitsandbytes.utils.pack_dict_to_tensor: json.dumps, UTF-8, one uint8 per byte."""
    return torch.tensor(list(json.dumps(d).encode("utf-8")), dtype=torch.uint8)


def quant_state_tensors(name, weight, quant_type, blocksize, double_quant):
    """The state-dict entries bnb writes for one Linear4bit weight (QuantState.as_dict(packed=True))."""
    flat = weight.detach().float().numpy().reshape(-1)
    q = ref.quantize_4bit(flat, quant_type, blocksize, double_quant)
    out = {name: torch.from_numpy(q["packed"].copy()).reshape(-1, 1)}        # Params4bit data: [(n+1)//2, 1] uint8
    state = {"quant_type": quant_type, "blocksize": blocksize, "dtype": "float32", "shape": list(weight.shape)}
    out[name + ".quant_map"] = torch.from_numpy(ref.CODEBOOK[quant_type].copy())
    if double_quant:
        out[name + ".absmax"] = torch.from_numpy(q["absmax_codes"].copy())
        out[name + ".nested_absmax"] = torch.from_numpy(q["nested_absmax"].copy())
        out[name + ".nested_quant_map"] = torch.from_numpy(ref.dynamic_map(True).copy())
        state.update(nested_blocksize=256, nested_dtype="float32", nested_offset=float(q["offset"]))
    else:
        out[name + ".absmax"] = torch.from_numpy(q["absmax"].copy())
    out[name + ".quant_state.bitsandbytes__" + quant_type] = pack_dict_to_tensor(state)
    deq = ref.dequantize_4bit(q, quant_type, blocksize, flat.size).reshape(weight.shape)
    return out, torch.from_numpy(deq.copy())


def tiny_llama(layers, seed):
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=96, hidden_size=64, intermediate_size=128, num_hidden_layers=layers,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64, tie_word_embeddings=False)
    return cfg, LlamaForCausalLM(cfg).float().state_dict()


def save_dir(out_dir, cfg, qc, tensors, reference):
    os.makedirs(out_dir, exist_ok=True)
    save_file(tensors, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
    save_file(reference, os.path.join(out_dir, "reference.safetensors"), metadata={"format": "pt"})
    config = cfg.to_diff_dict()                                    # what save_pretrained writes
    config["quantization_config"] = qc.to_dict()
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(out_dir, n)) for n in os.listdir(out_dir))
    print(f"wrote {out_dir}: {len(tensors)} tensors, {size} bytes")


def write(out_dir, layers, quant_type, blocksize, double_quant, seed):
    cfg, sd = tiny_llama(layers, seed)
    tensors, reference = {}, {}
    for name, value in sd.items():
        if any(name.endswith(f"{l}.weight") for l in LINEARS):
            t, deq = quant_state_tensors(name, value, quant_type, blocksize, double_quant)
            tensors.update(t)
            reference[name] = value.detach().float().contiguous()
        else:
            tensors[name] = value.detach().float().contiguous()     # embeddings, norms, lm_head (kept, as transformers does)
    qc = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=quant_type, bnb_4bit_use_double_quant=double_quant,
                            bnb_4bit_compute_dtype=torch.float32)
    save_dir(out_dir, cfg, qc, tensors, reference)


def write_int8(out_dir, layers, seed):
    """LLM.int8 layout (Linear8bitLt._save_to_state_dict): M.weight int8 [out, in], M.SCB fp32 [out],
    M.weight_format uint8 scalar 0 (row-major)."""
    cfg, sd = tiny_llama(layers, seed)
    tensors, reference = {}, {}
    for name, value in sd.items():
        if any(name.endswith(f"{l}.weight") for l in LINEARS):
            module = name[: -len(".weight")]
            q, scb = ref.int8_rows(value.detach().float().numpy())
            tensors[name] = torch.from_numpy(q.copy())
            tensors[module + ".SCB"] = torch.from_numpy(scb.copy())
            tensors[module + ".weight_format"] = torch.tensor(0, dtype=torch.uint8)
            reference[name] = value.detach().float().contiguous()
        else:
            tensors[name] = value.detach().float().contiguous()
    save_dir(out_dir, cfg, BitsAndBytesConfig(load_in_8bit=True), tensors, reference)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="quant/src/test/resources/quant")
    args = ap.parse_args()
    write(os.path.join(args.out, "bnb_llama_nf4_dq"), 2, "nf4", 64, True, 11)
    write(os.path.join(args.out, "bnb_llama_fp4"), 1, "fp4", 128, False, 12)
    write_int8(os.path.join(args.out, "bnb_llama_int8"), 1, 13)


if __name__ == "__main__":
    main()
