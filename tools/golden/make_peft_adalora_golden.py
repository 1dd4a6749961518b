#!/usr/bin/env python3
"""Golden files for AdaLoRA, written by HF PEFT 0.21 (float32, CPU, eager attention, dropout 0) on the tiny Llama and
GPT-2 checkpoints the other generators wrote (golden/llama, golden/gpt2).

For each case below, peft's get_peft_model wraps the base with an AdaLoraConfig; the SVD triplets peft drew (E zero,
A and B N(0, 0.02^2)) are redrawn (A, B 0.3 N(0,1), E 0.5 N(0,1)) so that every factor moves the outputs and every
importance score is nonzero, and then the case trains STEPS steps of plain SGD on one fixed batch, as peft's AdaLoRA
examples do:

    loss = model(input_ids=ids, labels=ids).loss     # cross-entropy + orth_reg_weight * orthogonal regularization
    loss.backward(); optimizer.step(); model.base_model.update_and_allocate(step); optimizer.zero_grad()

covering the warm-up (no mask), the budget phase (a mask every deltaT steps), the final allocation at
total_step - tfinal and the fixed pattern after it. save_pretrained then writes

  golden/peft/<case>/adapter_config.json, adapter_model.safetensors   (with rank_pattern; tensors cut to its rank)

golden/peft_adalora_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)        the batch (targets: the ids shifted left, the last position not counted)
  <case>.init.<key>                   the redrawn adapter before training, by the key peft saves it under
  <case>.logits [B,T,V]               the trained PeftModel's logits (the masked, full-rank layers)
  <case>.merged [B,T,V]               the same after merge_and_unload()

and golden/peft_adalora_steps.json, per case, the config fields, the learning rate and per step: the loss peft's
forward returned (with the regularization), the cross-entropy alone, the budget of the schedule and the rank_pattern
peft's config held after update_and_allocate (null before the first mask).

Run (CI has no torch, so the outputs are committed, a few tens of KB):
    /work/venv/bin/python tools/golden/make_peft_adalora_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import json
import os

import torch
import torch.nn.functional as F
from peft import AdaLoraConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

B, T = 2, 6

# (case, base dir, config kwargs, learning rate). task_type CAUSAL_LM: only PeftModelForCausalLM's forward goes through
# AdaLoraModel.forward, which adds the orthogonal regularization (a PeftModel without a task type skips it).
CASES = [
    ("adalora_llama", "llama", dict(init_r=4, target_r=2, tinit=1, tfinal=2, deltaT=2, total_step=8, lora_alpha=8,
                                    target_modules=["q_proj", "v_proj", "down_proj"], task_type="CAUSAL_LM"), 0.2),
    ("adalora_gpt2", "gpt2", dict(init_r=3, target_r=1, tinit=0, tfinal=1, deltaT=1, total_step=5, lora_alpha=6,
                                  beta1=0.9, beta2=0.7, orth_reg_weight=0.2, task_type="CAUSAL_LM"), 0.1),
]

REDRAW = {"lora_A": 0.3, "lora_B": 0.3, "lora_E": 0.5}


def load(golden, base):
    return AutoModelForCausalLM.from_pretrained(os.path.join(golden, base), attn_implementation="eager",
                                                dtype=torch.float32).eval()


def saved_key(name):
    """peft's get_peft_model_state_dict key of a parameter name: the adapter name dropped."""
    return name.replace(".default", "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out, steps_json = {}, {}
    for i, (case, base, kwargs, lr) in enumerate(CASES):
        torch.manual_seed(300 + i)
        model = load(args.golden, base)
        peft_model = get_peft_model(model, AdaLoraConfig(**kwargs))
        peft_model.eval()   # dropout is 0 anyway; eval keeps the base deterministic
        with torch.no_grad():
            for name, p in peft_model.named_parameters():
                for fragment, std in REDRAW.items():
                    if f".{fragment}." in name:
                        p.copy_(std * torch.randn_like(p))
                        out[f"{case}.init.{saved_key(name)}"] = p.detach().clone()
        gen = torch.Generator().manual_seed(19 + i)
        ids = torch.randint(0, model.config.vocab_size, (B, T), generator=gen)
        out[case + ".input_ids"] = ids
        opt = torch.optim.SGD([p for p in peft_model.parameters() if p.requires_grad], lr=lr)
        records = []
        for step in range(kwargs["total_step"]):
            result = peft_model(input_ids=ids, labels=ids)
            logits = result.logits
            ce = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
            result.loss.backward()
            opt.step()
            peft_model.base_model.update_and_allocate(step)
            opt.zero_grad()
            budget, _ = peft_model.base_model.rankallocator.budget_schedule(step)
            pattern = peft_model.peft_config["default"].rank_pattern
            records.append({"step": step, "loss": result.loss.item(), "ce": ce.item(), "budget": budget,
                            "rank_pattern": None if pattern is None else
                            {k.replace(".default", ""): v for k, v in pattern.items()}})
        config = dict(kwargs)
        config["target_modules"] = sorted(peft_model.peft_config["default"].target_modules)
        steps_json[case] = {"base": base, "config": config, "lr": lr, "steps": records}
        d = os.path.join(args.golden, "peft", case)
        peft_model.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))   # a model card template, not part of the adapter
        with torch.no_grad():
            out[case + ".logits"] = peft_model(input_ids=ids).logits.contiguous()
        # The saved adapter (cut to its rank_pattern) reloads into a fresh base with the same logits, to float32
        # summation order: peft keeps ranknum at init_r when it resizes, so the scaling is unchanged (guards the
        # golden files themselves).
        again = PeftModel.from_pretrained(load(args.golden, base), d).eval()
        with torch.no_grad():
            diff = (again(input_ids=ids).logits - out[case + ".logits"]).abs().max().item()
            print(case, "reload max diff", diff, "max", out[case + ".logits"].abs().max().item())
            assert diff <= 1e-5 * out[case + ".logits"].abs().max().item()
            out[case + ".merged"] = again.merge_and_unload()(input_ids=ids).logits.contiguous()
    save_file(out, os.path.join(args.golden, "peft_adalora_golden.safetensors"))
    with open(os.path.join(args.golden, "peft_adalora_steps.json"), "w") as f:
        json.dump(steps_json, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
