#!/usr/bin/env python3
"""The served-model golden: a tiny random Llama with a real chat tokenizer, and transformers' greedy generate() on it,
for the server's parity test (greedy output through /v1/completions and /v1/chat/completions equals generate()
token for token).

Writes under --out:
  tiny-chat/      config.json, model.safetensors (save_pretrained, float32), generation_config.json (eos_token_id 2,
                  <|im_end|>), and the ChatML tokenizer of the SFT goldens copied as it is (tokenizer.json: byte-level
                  BPE of 400 tokens; tokenizer_config.json; chat_template.jinja)
  greedy.json     {"cases": [{"kind": "completion" | "chat", "prompt" | "messages", "max_tokens", "prompt_ids",
                  "completion_ids" (up to and including an eos), "text" (decode(skip_special_tokens=True)),
                  "finish_reason", "logprobs" (log_softmax of generate's raw logits at each chosen token),
                  "top2" ([[id, logprob], [id, logprob]] per step: the two most likely tokens)}]}

Prompts are encoded as vLLM does: a completion prompt as tokenizer(text), a conversation with
apply_chat_template(add_generation_prompt=True). Weights are re-drawn at larger scales than HF's init (make_golden's
redraw), so greedy choices are not near-ties; the script asserts a margin of 1e-3 between the top two logits at every
step, so a last-ulp difference cannot flip a token.

    /work/venv/bin/python tools/golden/serve/make_serve_golden.py --out serve/src/test/resources/serve
"""
import argparse
import json
import os
import shutil
import sys

import torch
from transformers import AutoTokenizer, GenerationConfig, LlamaConfig, LlamaForCausalLM

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from make_golden import redraw  # noqa: E402

TOKENIZER = "tests/src/test/resources/golden/sft/chatml"
COMPLETIONS = [("Hello world", 12), ("The quick brown fox jumps", 16), ("a", 10), ("Cortado serves tokens.", 20)]
CHATS = [([{"role": "user", "content": "Hi there!"}], 12),
         ([{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Name a colour."}], 16)]


def greedy(model, ids, max_new, eos, logprobs=None, top2=None):
    res = model.generate(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                         max_new_tokens=max_new, do_sample=False, eos_token_id=eos, pad_token_id=0,
                         output_logits=True, return_dict_in_generate=True)
    row = res.sequences[0, len(ids):].tolist()
    for i in range(len(row)):
        top = torch.topk(res.logits[i][0], 2).values
        assert top[0] - top[1] > 1e-3, f"near-tie at step {i}: {top.tolist()}"
        lp = torch.log_softmax(res.logits[i][0].double(), -1)
        if logprobs is not None:
            logprobs.append(lp[row[i]].item())
            best = torch.topk(lp, 2)
            top2.append([[int(t), v] for t, v in zip(best.indices.tolist(), best.values.tolist())])
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(TOKENIZER)
    eos = 2
    assert tok.convert_ids_to_tokens(eos) == "<|im_end|>"
    config = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-5,
                         tie_word_embeddings=False, bos_token_id=0, eos_token_id=eos, attn_implementation="eager")
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        redraw(model, torch.Generator().manual_seed(11))
    model.generation_config = GenerationConfig(eos_token_id=eos, bos_token_id=0)
    out = os.path.join(args.out, "tiny-chat")
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out)
    for f in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        shutil.copy(os.path.join(TOKENIZER, f), os.path.join(out, f))

    cases = []
    with torch.no_grad():
        for prompt, max_new in COMPLETIONS:
            ids = tok(prompt)["input_ids"]
            lps, top2 = [], []
            c = case("completion", {"prompt": prompt}, ids, greedy(model, ids, max_new, eos, lps, top2), max_new, tok, eos)
            cases.append({**c, "logprobs": lps, "top2": top2})
        for messages, max_new in CHATS:
            ids = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)
            lps, top2 = [], []
            c = case("chat", {"messages": messages}, ids, greedy(model, ids, max_new, eos, lps, top2), max_new, tok, eos)
            cases.append({**c, "logprobs": lps, "top2": top2})
    with open(os.path.join(args.out, "greedy.json"), "w") as f:
        json.dump({"generator": "tools/golden/serve/make_serve_golden.py", "cases": cases}, f)
    for c in cases:
        print(c["kind"], len(c["prompt_ids"]), c["completion_ids"], repr(c["text"]), c["finish_reason"])


def case(kind, request, ids, completion, max_new, tok, eos):
    return {"kind": kind, **request, "max_tokens": max_new, "prompt_ids": list(ids), "completion_ids": completion,
            "text": tok.decode(completion, skip_special_tokens=True),
            "finish_reason": "stop" if completion and completion[-1] == eos else "length"}


if __name__ == "__main__":
    main()
