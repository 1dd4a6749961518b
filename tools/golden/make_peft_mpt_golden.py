#!/usr/bin/env python3
"""Golden files for multitask prompt tuning (MULTITASK_PROMPT_TUNING), written by HF PEFT 0.21 (float32, CPU, eager
attention) on the tiny GPT-2 and Llama checkpoints the other generators wrote (golden/gpt2, golden/llama).

For each case, peft's get_peft_model builds the method with task_type CAUSAL_LM; the shared table, prefix_task_cols
and prefix_task_rows are redrawn from N(0, 1) (peft draws the task factors from N(0, 0.02), whose products would
leave the prompt near zero and every task alike), and save_pretrained writes

  golden/peft_mpt/<case>/adapter_config.json, adapter_model.safetensors   (exactly what peft writes: prompt_embeddings,
                                                                          the table itself, and the two task factors)

and golden/peft_mpt_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)        random ids
  <case>.task_ids [B] (I64)           each row's task (the rows' tasks differ)
  <case>.logits [B,T,V]               the tokens' logits: PeftModel(input_ids, task_ids=task_ids).logits without the P
                                      virtual tokens' positions
  <case>.logits_swapped [B,T,V]       the same with the rows' task ids reversed
  <case>.generated.<row> (I64)        greedy generate(max_new_tokens=5, task_ids=[its task]) of row `row` alone (the
                                      second row cut to T - 2 tokens), the new tokens only
and, for the source inits over the GPT-2 case's saved file (prompt_tuning_init_state_dict_path),
  <init>.<name>                       the encoder peft's constructor builds: embedding.weight, prefix_task_cols,
                                      prefix_task_rows (ONLY_SOURCE_SHARED: the table only; its factors are random)
and golden/peft_mpt_counts.json the trainable parameters per case (peft's get_nb_trainable_parameters).

Run (CI has no torch, so the outputs are committed, a few tens of KB):
    /work/venv/bin/python tools/golden/make_peft_mpt_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import json
import os
import warnings

import torch
from peft import MultitaskPromptTuningConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM
from transformers.utils import logging

B, T, NEW = 2, 6, 5

# (case, base, config kwargs, task ids of the two rows)
CASES = [
    ("mpt_gpt2", "gpt2", dict(num_virtual_tokens=4, num_tasks=2, num_ranks=2), [1, 0]),
    ("mpt_llama", "llama", dict(num_virtual_tokens=3, num_tasks=3, num_ranks=1), [2, 0]),
]
# source inits read the first case's file; EXACT_SOURCE_TASK's strict load needs num_tasks 1
SOURCE_INITS = [
    ("AVERAGE_SOURCE_TASKS", dict(num_tasks=1)),
    ("EXACT_SOURCE_TASK", dict(num_tasks=1, prompt_tuning_init_task=1)),
]


def load(golden, base):
    return AutoModelForCausalLM.from_pretrained(os.path.join(golden, base), attn_implementation="eager",
                                                dtype=torch.float32).eval()


def token_logits(model, config, ids, task_ids):
    logits = model(input_ids=ids, attention_mask=torch.ones_like(ids), task_ids=task_ids).logits
    return logits[:, config.num_virtual_tokens:].contiguous()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    logging.set_verbosity_error()
    warnings.filterwarnings("ignore")
    out, counts = {}, {}
    for i, (case, base, kwargs, tasks) in enumerate(CASES):
        torch.manual_seed(500 + i)
        config = MultitaskPromptTuningConfig(task_type="CAUSAL_LM", **kwargs)
        model = get_peft_model(load(args.golden, base), config).eval()
        enc = model.prompt_encoder["default"]
        with torch.no_grad():
            for p in enc.parameters():
                p.copy_(torch.randn_like(p))
        gen = torch.Generator().manual_seed(60 + i)
        ids = torch.randint(0, model.config.vocab_size, (B, T), generator=gen)
        task_ids = torch.tensor(tasks)
        counts[case] = model.get_nb_trainable_parameters()[0]
        d = os.path.join(args.golden, "peft_mpt", case)
        model.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))   # a model card template, not part of the adapter
        with torch.no_grad():
            out[case + ".input_ids"] = ids
            out[case + ".task_ids"] = task_ids
            out[case + ".logits"] = token_logits(model, config, ids, task_ids)
            out[case + ".logits_swapped"] = token_logits(model, config, ids, task_ids.flip(0))
        again = PeftModel.from_pretrained(load(args.golden, base), d).eval()
        with torch.no_grad():
            assert torch.allclose(token_logits(again, again.peft_config["default"], ids, task_ids),
                                  out[case + ".logits"], atol=1e-5)
            for row, n in ((0, T), (1, T - 2)):
                prompt = ids[row:row + 1, :n]
                g = again.generate(input_ids=prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=NEW,
                                   do_sample=False, pad_token_id=0, task_ids=task_ids[row:row + 1])
                out[f"{case}.generated.{row}"] = g[0, n:].contiguous()
    source = os.path.join(args.golden, "peft_mpt", CASES[0][0], "adapter_model.safetensors")
    for init, kwargs in SOURCE_INITS + [("ONLY_SOURCE_SHARED", dict(num_tasks=2))]:
        config = MultitaskPromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4, num_ranks=2,
                                             prompt_tuning_init=init, prompt_tuning_init_state_dict_path=source,
                                             **kwargs)
        enc = get_peft_model(load(args.golden, "gpt2"), config).prompt_encoder["default"]
        names = ["embedding.weight"] if init == "ONLY_SOURCE_SHARED" else list(enc.state_dict())
        for name in names:
            out[init + "." + name] = enc.state_dict()[name].contiguous()
    save_file(out, os.path.join(args.golden, "peft_mpt_golden.safetensors"))
    with open(os.path.join(args.golden, "peft_mpt_counts.json"), "w") as f:
        json.dump(counts, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
