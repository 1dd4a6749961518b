"""PEFT LoRA adapters for the serve load benchmark (bench/compare/serve_load.sh): NAMES adapters on one base
checkpoint, rank 8 on GPT-2's c_attn and c_proj (or Llama's q/k/v/o), B drawn N(0, 0.02) so that each adapter
really changes the output (PEFT's own init leaves B zero, an adapter that adds nothing).
  python make_lora_adapters.py BASE_DIR OUT_DIR NAME [NAME ...]
"""
import os
import shutil
import sys

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM


def main():
    base, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    for i, name in enumerate(names):
        dest = os.path.join(out, name)
        if os.path.exists(os.path.join(dest, "adapter_config.json")):
            continue
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
        targets = ["c_attn", "c_proj"] if model.config.model_type == "gpt2" else ["q_proj", "k_proj", "v_proj", "o_proj"]
        peft = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=targets, lora_dropout=0.0))
        torch.manual_seed(100 + i)
        with torch.no_grad():
            for n, p in peft.named_parameters():
                if "lora_B" in n:
                    p.normal_(0, 0.02)
        tmp = dest + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        peft.save_pretrained(tmp)
        os.replace(tmp, dest)
        print(f"{name} -> {dest}", file=sys.stderr)


if __name__ == "__main__":
    main()
