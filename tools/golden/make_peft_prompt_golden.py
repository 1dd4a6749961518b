#!/usr/bin/env python3
"""Golden files for the prompt-learning methods, written by HF PEFT 0.21 (float32, CPU, eager attention) on the tiny
GPT-2 and Llama checkpoints the other generators wrote (golden/gpt2, golden/llama: Llama has 4 heads over 2 kv heads,
so a prefix is sized to the kv heads): prompt tuning (random init), P-tuning with its MLP and its LSTM encoder, and
prefix tuning with and without the reparameterization projection.

For each case, peft's get_peft_model builds the method with task_type CAUSAL_LM (peft's own random init, seeded), and
save_pretrained writes

  golden/peft_prompt/<case>/adapter_config.json, adapter_model.safetensors   (exactly what peft writes: the one tensor
                                                                            prompt_embeddings, the encoder's output)

and golden/peft_prompt_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)     random ids
  <case>.logits [B,T,V]            the tokens' logits: PeftModel(input_ids, attention_mask=ones).logits, whose first P
                                   positions (the virtual tokens', for prompt tuning and P-tuning) are dropped
  <case>.encoder.<name>            P-tuning and projected prefix: the trainable encoder's own tensors (torch's names,
                                   prompt_encoder.default.<name>), whose output must be prompt_embeddings
  <case>.generated.<row> (I64)     greedy generate(max_new_tokens=5) of row `row` alone (the second row cut to T - 2
                                   tokens), the new tokens only: batched generation must give each row these

Run (CI has no torch, so the outputs are committed, a few tens of KB):
    /work/venv/bin/python tools/golden/make_peft_prompt_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import os
import warnings

import torch
from peft import PeftModel, PrefixTuningConfig, PromptEncoderConfig, PromptTuningConfig, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM
from transformers.utils import logging

B, T, NEW = 2, 6, 5

# (case, base, config)
CASES = [
    ("prompt_tuning_gpt2", "gpt2", lambda: PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4)),
    ("prompt_tuning_llama", "llama", lambda: PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=3)),
    ("p_tuning_mlp_gpt2", "gpt2",
     lambda: PromptEncoderConfig(task_type="CAUSAL_LM", num_virtual_tokens=4, encoder_hidden_size=16)),
    ("p_tuning_lstm_llama", "llama",
     lambda: PromptEncoderConfig(task_type="CAUSAL_LM", num_virtual_tokens=3, encoder_hidden_size=8,
                                 encoder_reparameterization_type="LSTM")),
    ("p_tuning_lstm_gpt2", "gpt2",
     lambda: PromptEncoderConfig(task_type="CAUSAL_LM", num_virtual_tokens=2, encoder_hidden_size=6,
                                 encoder_reparameterization_type="LSTM", encoder_num_layers=1)),
    ("prefix_gpt2", "gpt2", lambda: PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=3)),
    ("prefix_llama", "llama", lambda: PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4)),
    ("prefix_projection_gpt2", "gpt2",
     lambda: PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=3, prefix_projection=True,
                                encoder_hidden_size=12)),
    ("prefix_projection_llama", "llama",
     lambda: PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=2, prefix_projection=True)),
]


def load(golden, base):
    return AutoModelForCausalLM.from_pretrained(os.path.join(golden, base), attn_implementation="eager",
                                                dtype=torch.float32).eval()


def token_logits(model, config, ids):
    logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
    if config.peft_type != "PREFIX_TUNING":
        logits = logits[:, config.num_virtual_tokens:]
    return logits.contiguous()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    logging.set_verbosity_error()
    warnings.filterwarnings("ignore")
    out = {}
    for i, (case, base, make) in enumerate(CASES):
        torch.manual_seed(300 + i)
        config = make()
        model = get_peft_model(load(args.golden, base), config).eval()
        gen = torch.Generator().manual_seed(40 + i)
        ids = torch.randint(0, model.config.vocab_size, (B, T), generator=gen)
        d = os.path.join(args.golden, "peft_prompt", case)
        model.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))   # a model card template, not part of the adapter
        with torch.no_grad():
            out[case + ".input_ids"] = ids
            out[case + ".logits"] = token_logits(model, config, ids)
            encoder = model.prompt_encoder["default"]
            if len(list(encoder.named_parameters())) > 1:
                for name, p in encoder.state_dict().items():
                    out[case + ".encoder." + name] = p.contiguous()
        # peft loads the saved file (the encoder's output as a table) with the same outputs.
        again = PeftModel.from_pretrained(load(args.golden, base), d).eval()
        with torch.no_grad():
            assert torch.allclose(token_logits(again, again.peft_config["default"], ids), out[case + ".logits"],
                                  atol=1e-5)
            for row, n in ((0, T), (1, T - 2)):
                prompt = ids[row:row + 1, :n]
                g = again.generate(input_ids=prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=NEW,
                                   do_sample=False, pad_token_id=0)
                out[f"{case}.generated.{row}"] = g[0, n:].contiguous()
    save_file(out, os.path.join(args.golden, "peft_prompt_golden.safetensors"))


if __name__ == "__main__":
    main()
