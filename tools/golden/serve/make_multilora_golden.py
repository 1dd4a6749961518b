#!/usr/bin/env python3
"""The multi-LoRA serving golden: two PEFT LoRA adapters on the served golden model (serve/src/test/resources/serve/
tiny-chat, from make_serve_golden.py) and PEFT's greedy generate() for the base and each adapter, including one
mixed batch (PEFT's adapter_names), for MultiLoraServerTest: greedy output through the server, for the base and for
an adapter, and for requests of different adapters decoding in one batch step, equals PEFT's.

Writes into OUT (serve/src/test/resources/serve):
  lora-a/, lora-b/   adapter_config.json + adapter_model.safetensors (save_pretrained; B drawn nonzero so the
                     adapters change the output): lora-a r 4 alpha 8 on q_proj, v_proj; lora-b r 2 alpha 4 on every
                     linear layer but the head
  multilora.json     {"cases": [{"prompt", "max_tokens", "prompt_ids", "base", "lora-a", "lora-b"}]}, each the greedy
                     completion ids; "mixed": the ids of one left-padded batch [base, lora-a, lora-b] generated
                     with adapter_names=["__base__", "lora-a", "lora-b"]

    /work/venv/bin/python tools/golden/serve/make_multilora_golden.py --out serve/src/test/resources/serve
"""
import argparse
import json
import os

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = [("Hello world", 10), ("The quick brown fox", 12), ("a", 8)]
EOS = 2


def redraw_b(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)


def greedy(model, ids, max_new, **kw):
    out = model.generate(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                         max_new_tokens=max_new, do_sample=False, eos_token_id=EOS, pad_token_id=0, **kw)
    return out[0, len(ids):].tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    base_dir = os.path.join(args.out, "tiny-chat")
    tok = AutoTokenizer.from_pretrained(base_dir)
    torch.manual_seed(0)
    specs = {"lora-a": (LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], lora_dropout=0.0), 21),
             "lora-b": (LoraConfig(r=2, lora_alpha=4, target_modules="all-linear", lora_dropout=0.0), 22)}
    for name, (cfg, seed) in specs.items():
        base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32, attn_implementation="eager")
        m = get_peft_model(base, cfg)
        redraw_b(m, seed)
        m.save_pretrained(os.path.join(args.out, name))
        print("saved", name)

    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32, attn_implementation="eager").eval()
    model = PeftModel.from_pretrained(base, os.path.join(args.out, "lora-a"), adapter_name="lora-a")
    model.load_adapter(os.path.join(args.out, "lora-b"), adapter_name="lora-b")
    model.eval()
    cases = []
    with torch.no_grad():
        for prompt, max_new in PROMPTS:
            ids = tok(prompt)["input_ids"]
            case = {"prompt": prompt, "max_tokens": max_new, "prompt_ids": ids}
            with model.disable_adapter():
                case["base"] = greedy(model, ids, max_new)
            for name in specs:
                model.set_adapter(name)
                case[name] = greedy(model, ids, max_new)
            cases.append(case)
            print(prompt, case["base"], case["lora-a"], case["lora-b"])
        # One mixed batch of the three on the first prompt, as PEFT runs it (each row through its own adapter).
        ids = tok(PROMPTS[0][0])["input_ids"]
        batch = torch.tensor([ids] * 3)
        out = model.generate(input_ids=batch, attention_mask=torch.ones_like(batch), max_new_tokens=PROMPTS[0][1],
                             do_sample=False, eos_token_id=EOS, pad_token_id=0,
                             adapter_names=["__base__", "lora-a", "lora-b"])
        mixed = [row[len(ids):].tolist() for row in out]
    assert mixed[0][:len(cases[0]["base"])] == cases[0]["base"], (mixed[0], cases[0]["base"])
    with open(os.path.join(args.out, "multilora.json"), "w") as f:
        json.dump({"cases": cases, "mixed": mixed}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
