#!/usr/bin/env python3
"""Golden files for X-LoRA (peft's XLORA, Buehler and Buehler 2024), written by HF PEFT 0.21 (float32, CPU, eager
attention) on the tiny GPT-2 and Llama checkpoints the other generators wrote (golden/gpt2, golden/llama).

For each case below, three LoRA experts are made with get_peft_model(LoraConfig(init_lora_weights=False)) (A and B
random, so each moves the outputs) on different targets and saved with save_pretrained into

  golden/peft_xlora/<case>/<i>/adapter_config.json, adapter_model.safetensors     (expert i, exactly as peft writes it)

then get_peft_model(base, XLoraConfig(adapters={"0": .../0, ...}, ...)) builds the X-LoRA model (the last case has
experts on the input embeddings), whose classifier is
redrawn from N(0, 0.4^2) (weights and biases) so the scalings are far from uniform. Written beside the experts:

  golden/peft_xlora/<case>/adapter_config.json      peft's XLoraConfig as save_pretrained writes it
  golden/peft_xlora/<case>/adapter_model.safetensors the classifier under its state-dict keys
                                                     (base_model.internal_xlora_classifier.layers.<i>.weight|bias)

The weights file is written by hand: peft 0.21's own XLoraModel save_pretrained loses the classifier (its adapter-name
filter drops every key with ".0." or ".2." in it, so the top-level file is empty and the classifier lands, its keys cut
to "layers.weight", in subfolder 0 beside a copy of the whole base), and from_pretrained of such a directory gives a
freshly drawn classifier. The file written here is what from_pretrained reads: the script checks that
PeftModel.from_pretrained(base, <case>) gives the logits again.

peft 0.21's expert loader (_load_adapter_into_lora_model) rewrites every key to "model.model.<...>", which fits
Llama's LlamaForCausalLM.model but not GPT-2's transformer: on GPT-2 it fails with "Got unexpected keys". For GPT-2 the
script maps model.model.transformer. back to model.transformer. before peft's set_peft_model_state_dict (nothing else
of X-LoRA changes).

golden/peft_xlora_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)      random ids
  <case>.logits [B,T,V]             XLoraModel(input_ids).logits (scaling pass, classifier, real pass)
  <case>.scalings [B,T,L,N]         get_latest_scalings(): the classifier's weights of that forward
  <case>.base [B,T,V]               the logits with the adapter disabled (disable_adapter)
  <case>.targets [B*T] (I64)        next-token targets (the last of each row -100)
  <case>.loss [1]                   mean cross-entropy of the logits against them
  <case>.grad.<key> [...]           d loss / d classifier parameter, under the saved key
  <case>.trainable [1] (I64)        get_nb_trainable_parameters()[0]

Run (CI has no torch, so the outputs are committed, a few KB):
    /work/venv/bin/python tools/golden/make_peft_xlora_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import json
import os
import shutil

import peft.tuners.xlora.model as xlora_model
import torch
import torch.nn.functional as F
from peft import LoraConfig, PeftModel, XLoraConfig, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

B, T = 2, 6

# (case, base, experts' (target_modules, r, alpha), XLoraConfig kwargs)
CASES = [
    ("xlora_gpt2", "gpt2", [(["c_attn"], 4, 8), (["c_attn", "c_fc"], 2, 4), (["attn.c_proj", "mlp.c_proj"], 4, 16)],
     dict(xlora_depth=2, xlora_size=16, softmax_temperature=0.5, scaling_pass_value=0.3, global_scaling_weight=1.5)),
    ("xlora_llama_layerwise_topk", "llama", [(["q_proj", "v_proj"], 4, 8), (["q_proj", "down_proj"], 2, 8),
                                             (["o_proj", "up_proj"], 4, 4)],
     dict(xlora_depth=1, layerwise_scalings=True, top_k_lora=2)),
    ("xlora_llama_softmax_topk", "llama", [(["k_proj", "gate_proj"], 4, 8), (["q_proj", "k_proj"], 4, 8),
                                           (["v_proj", "o_proj", "down_proj"], 2, 2)],
     dict(xlora_depth=3, xlora_size=12, enable_softmax=False, enable_softmax_topk=True, top_k_lora=2,
          global_scaling_weight=0.7)),
    # an expert on embed_tokens (peft's XLoraEmbeddingLayer; peft saves the wrapped table with that expert too)
    ("xlora_llama_embedding", "llama", [(["embed_tokens", "q_proj"], 4, 8), (["v_proj", "up_proj"], 4, 8),
                                        (["embed_tokens"], 2, 4)],
     dict(xlora_depth=2, xlora_size=8, layerwise_scalings=True, scaling_pass_value=0.5)),
]

_set_state_dict = xlora_model.set_peft_model_state_dict


def _gpt2_keys(model, state_dict, **kwargs):
    """peft's expert loader with GPT-2's keys put back (see the module docstring)."""
    fixed = {k.replace("model.model.transformer.", "model.transformer.", 1): v for k, v in state_dict.items()}
    return _set_state_dict(model, fixed, **kwargs)


xlora_model.set_peft_model_state_dict = _gpt2_keys


def load(golden, base):
    m = AutoModelForCausalLM.from_pretrained(os.path.join(golden, base), attn_implementation="eager",
                                             dtype=torch.float32).eval()
    m.config.use_cache = False   # XLoraModel refuses use_cache
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out = {}
    for c, (case, base, experts, kwargs) in enumerate(CASES):
        d = os.path.abspath(os.path.join(args.golden, "peft_xlora", case))
        shutil.rmtree(d, ignore_errors=True)
        adapters = {}
        for i, (targets, r, alpha) in enumerate(experts):
            torch.manual_seed(700 + 10 * c + i)
            e = get_peft_model(load(args.golden, base), LoraConfig(r=r, lora_alpha=alpha, target_modules=targets,
                                                                   init_lora_weights=False))
            e.save_pretrained(os.path.join(d, str(i)))
            os.remove(os.path.join(d, str(i), "README.md"))
            adapters[str(i)] = os.path.join(d, str(i))
        torch.manual_seed(800 + c)
        cfg = XLoraConfig(task_type="CAUSAL_LM", hidden_size=32, adapters=adapters, xlora_dropout_p=0.0, **kwargs)
        xm = get_peft_model(load(args.golden, base), cfg)
        with torch.no_grad():
            for n, p in xm.named_parameters():
                if "internal_xlora_classifier" in n:
                    p.copy_(0.4 * torch.randn_like(p))
        classifier = {k: v.detach().clone().contiguous() for k, v in xm.state_dict().items()
                      if "internal_xlora_classifier" in k}
        ids = torch.randint(0, 96, (B, T), generator=torch.Generator().manual_seed(61 + c))
        targets = torch.cat([ids[:, 1:], torch.full((B, 1), -100)], dim=1).reshape(-1)
        logits = xm(input_ids=ids).logits
        loss = F.cross_entropy(logits.reshape(B * T, -1), targets, ignore_index=-100)
        xm.zero_grad()
        loss.backward()
        for n, p in xm.named_parameters():
            if p.requires_grad:
                out[case + ".grad." + n] = p.grad.detach().clone().contiguous()
        out[case + ".input_ids"] = ids
        out[case + ".targets"] = targets
        out[case + ".logits"] = logits.detach().contiguous()
        out[case + ".scalings"] = xm.get_latest_scalings().detach().contiguous()
        out[case + ".loss"] = loss.detach().reshape(1)
        out[case + ".trainable"] = torch.tensor([xm.get_nb_trainable_parameters()[0]], dtype=torch.int64)
        with torch.no_grad(), xm.disable_adapter():
            out[case + ".base"] = xm(input_ids=ids).logits.contiguous()
        tmp = d + ".save"
        xm.save_pretrained(tmp)
        shutil.copy(os.path.join(tmp, "adapter_config.json"), os.path.join(d, "adapter_config.json"))
        shutil.rmtree(tmp)
        save_file(classifier, os.path.join(d, "adapter_model.safetensors"), metadata={"format": "pt"})
        again = PeftModel.from_pretrained(load(args.golden, base), d).eval()   # guards the golden files themselves
        with torch.no_grad():
            assert torch.allclose(again(input_ids=ids).logits, out[case + ".logits"], atol=1e-5), case
        print(case, "scalings", tuple(out[case + ".scalings"].shape), "loss", float(loss))
    save_file(out, os.path.join(args.golden, "peft_xlora_golden.safetensors"))


if __name__ == "__main__":
    main()
