#!/usr/bin/env python3
"""Where and why llama.cpp and Cortado part ways on a quantized GGUF file: for each prompt, both engines' greedy
rows with their top log-probabilities (llama-server's n_probs, Cortado's serve logprobs; both from the raw logits),
and a third opinion, transformers in float64 on the file's own weights dequantized by gguf-py (q/k rows un-permuted
as convert_hf_to_gguf.py permuted them), with no rounding of activations.

Printed per file: over every position both engines decoded from the same prefix, the largest distance of each
engine's log-probability of the chosen token from float64's (the noise each engine adds to the quantized weights),
and per prompt the first differing position with the two candidates' log-probability gap in each engine and in
float64. An engine whose gap has the float64 gap's sign picked what the file's weights pick. A fourth column repeats
float64 with the input of every matrix product rounded as ggml's CPU backend rounds it (q8_0 or q8_K blocks): how much
of llama.cpp's distance that rounding alone accounts for.

    first_divergence.py --llama-cpp /work/llama.cpp --hf DIR FILE.gguf [--tokens 64] [--threads 2]
DIR: the Hugging Face checkpoint the file came from (its config.json only; the weights are the file's).
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import torch
from gguf import GGUFReader
from gguf.quants import dequantize

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_cpp_roundtrip import PROMPTS, banned_ids  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def post(port, route, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{route}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


def wait_up(port, proc, what):
    for _ in range(1200):
        if proc.poll() is not None:
            raise SystemExit(f"error: {what} exited ({proc.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as h:
                if h.status == 200:
                    return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"error: {what} did not come up")


def unpermute(w, n_head):
    """Inverse of convert_hf_to_gguf.py's LlamaModel.permute on the rows of a q or k matrix."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def reference_model(path, hf):
    """transformers' model of hf/config.json, in float64, holding the file's dequantized weights."""
    from transformers import AutoConfig, AutoModelForCausalLM
    cfg = AutoConfig.from_pretrained(hf)
    w = {t.name: dequantize(t.data, t.tensor_type).astype(np.float64).reshape([int(x) for x in reversed(t.shape)])
         for t in GGUFReader(path).tensors}
    # llama-quantize (not --pure) writes a tied model's head as its own output.weight, in another type than token_embd.
    cfg.tie_word_embeddings = "output.weight" not in w
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float64).eval()
    sd = {}
    if cfg.model_type == "llama":
        sd["model.embed_tokens.weight"] = w["token_embd.weight"]
        sd["model.norm.weight"] = w["output_norm.weight"]
        sd["lm_head.weight"] = w.get("output.weight", w["token_embd.weight"])
        for i in range(cfg.num_hidden_layers):
            b, h = f"blk.{i}.", f"model.layers.{i}."
            sd[h + "self_attn.q_proj.weight"] = unpermute(w[b + "attn_q.weight"], cfg.num_attention_heads)
            sd[h + "self_attn.k_proj.weight"] = unpermute(w[b + "attn_k.weight"], cfg.num_key_value_heads)
            for g, n in (("attn_v", "self_attn.v_proj"), ("attn_output", "self_attn.o_proj"), ("ffn_gate", "mlp.gate_proj"),
                         ("ffn_up", "mlp.up_proj"), ("ffn_down", "mlp.down_proj"), ("attn_norm", "input_layernorm"),
                         ("ffn_norm", "post_attention_layernorm")):
                sd[h + n + ".weight"] = w[b + g + ".weight"]
    elif cfg.model_type == "gpt2":
        sd["transformer.wte.weight"] = w["token_embd.weight"]
        sd["transformer.wpe.weight"] = w["position_embd.weight"]
        sd["transformer.ln_f.weight"], sd["transformer.ln_f.bias"] = w["output_norm.weight"], w["output_norm.bias"]
        sd["lm_head.weight"] = w.get("output.weight", w["token_embd.weight"])
        for i in range(cfg.n_layer):
            b, h = f"blk.{i}.", f"transformer.h.{i}."
            for g, n, conv in (("attn_norm", "ln_1", False), ("ffn_norm", "ln_2", False), ("attn_qkv", "attn.c_attn", True),
                               ("attn_output", "attn.c_proj", True), ("ffn_up", "mlp.c_fc", True),
                               ("ffn_down", "mlp.c_proj", True)):
                sd[h + n + ".weight"] = w[b + g + ".weight"].T if conv else w[b + g + ".weight"]  # Conv1D is [in, out]
                sd[h + n + ".bias"] = w[b + g + ".bias"]
    else:
        raise SystemExit(f"error: model_type {cfg.model_type} is not handled (gpt2, llama)")
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()},
                                                strict=False)
    missing = [k for k in missing if not k.endswith(("attn.bias", "masked_bias"))]
    if missing or unexpected:
        raise SystemExit(f"error: state dict mismatch: missing {missing}, unexpected {unexpected}")
    return model


def act_rounding(model, path):
    """Rounds the input of every matrix product as ggml's CPU backend does before its dot products (the weights'
    vec_dot_type): Q8_0 and Q4_0 weights take q8_0 activations (blocks of 32, scale amax/127 kept in fp16), the
    K-quants q8_K (blocks of 256, scale amax/127 in fp32). Float64 otherwise, so what it adds is that rounding alone
    (not llama.cpp's f16 KV cache). Returns the rounding's name; None (nothing hooked) for a file without quantized
    matrices or one mixing both families."""
    from transformers.pytorch_utils import Conv1D
    kinds = {t.tensor_type.name for t in GGUFReader(path).tensors if len(t.shape) == 2}
    k_quants, q8_0_kind = kinds & {"Q4_K", "Q5_K", "Q6_K"}, kinds & {"Q8_0", "Q4_0"}
    if bool(k_quants) == bool(q8_0_kind):   # one rounding for every product: a file of one family or the other
        return None
    block, fp16_scale = (256, False) if k_quants else (32, True)

    def hook(_module, args):
        x = args[0]
        xb = x.reshape(*x.shape[:-1], x.shape[-1] // block, block)
        d = xb.abs().amax(-1, keepdim=True) / 127
        if fp16_scale:
            d = d.to(torch.float16).to(x.dtype)
        q = torch.where(d > 0, torch.round(xb / torch.where(d > 0, d, 1)), 0)
        return ((q * d).reshape(x.shape),) + tuple(args[1:])

    for m in model.modules():
        if isinstance(m, (torch.nn.Linear, Conv1D)):
            m.register_forward_pre_hook(hook)
    return f"q8_0 (blocks of 32)" if fp16_scale else "q8_K (blocks of 256)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--hf", required=True)
    ap.add_argument("--llama-cpp", default="/work/llama.cpp")
    ap.add_argument("--cortado", default=os.path.join(ROOT, "cortado"))
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--top", type=int, default=10)
    a = ap.parse_args()
    banned = banned_ids(a.file)
    # llama.cpp: prompt ids as it tokenizes them (BOS as the file's metadata says), greedy rows with top log-probs.
    port = free_port()
    proc = subprocess.Popen([os.path.join(a.llama_cpp, "build/bin/llama-server"), "-m", a.file, "-c", "512", "-t",
                             str(a.threads), "-np", "1", "--port", str(port), "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        wait_up(port, proc, "llama-server")
        for p in PROMPTS:
            ids = post(port, "/tokenize", {"content": p, "add_special": True})["tokens"]
            r = post(port, "/completion", {"prompt": ids, "n_predict": a.tokens, "temperature": 0, "top_k": 1,
                                           "return_tokens": True, "cache_prompt": False, "n_probs": a.top,
                                           "logit_bias": [[i, False] for i in banned]})
            tops = [{t["id"]: t["logprob"] for t in c["top_logprobs"]} for c in r["completion_probabilities"]]
            rows.append({"prompt": ids, "llama": r["tokens"], "llama_top": tops})
    finally:
        proc.terminate()
        proc.wait()
    # Cortado: the same prompt ids through its server, greedy, top log-probs (keyed by token text).
    port = free_port()
    proc = subprocess.Popen([a.cortado, "serve", "--model", a.file, "--port", str(port), "--threads", str(a.threads)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(port, proc, "cortado serve")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=10) as m:
            name = json.loads(m.read())["data"][0]["id"]
        for row in rows:
            r = post(port, "/v1/completions", {"model": name, "prompt": row["prompt"], "max_tokens": a.tokens,
                                                "temperature": 0, "logprobs": min(a.top, 20),
                                                "logit_bias": {str(i): -100 for i in banned}})
            lp = r["choices"][0]["logprobs"]
            row["cortado_text"], row["cortado_top"] = lp["tokens"], lp["top_logprobs"]
    finally:
        proc.terminate()
        proc.wait()
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(a.hf)
    text = lambda i: tok.decode([i])  # noqa: E731  (Cortado's logprobs name tokens by their text)
    ref = reference_model(a.file, a.hf)
    rounded = reference_model(a.file, a.hf)
    rounding = act_rounding(rounded, a.file)
    if rounding is None:   # f32/f16 files, or a mix of q8_0-type and k-quant matrices: no single rounding to apply
        rounded, rounding = ref, "no"
    worst_llama = worst_cortado = worst_rounded = 0.0
    report = []
    for k, row in enumerate(rows):
        ll = row["llama"]
        # Cortado's row as ids: its chosen token's text, matched among llama.cpp's and float64's candidates below.
        seq = row["prompt"] + ll
        with torch.no_grad():
            logp = torch.log_softmax(ref(torch.tensor([seq])).logits[0].double(), -1).numpy()
            logq = torch.log_softmax(rounded(torch.tensor([seq])).logits[0].double(), -1).numpy()
        n0 = len(row["prompt"])
        first = None
        for i, (a_id, c_text) in enumerate(zip(ll, row["cortado_text"])):
            r_lp = logp[n0 - 1 + i]
            if text(a_id) != c_text:
                first = i
                break
            worst_llama = max(worst_llama, abs(row["llama_top"][i][a_id] - r_lp[a_id]))
            worst_cortado = max(worst_cortado, abs(row["cortado_top"][i][c_text] - r_lp[a_id]))
            worst_rounded = max(worst_rounded, abs(row["llama_top"][i][a_id] - logq[n0 - 1 + i][a_id]))
        if first is None:
            report.append(f"  prompt {k}: no difference in {len(ll)} tokens")
            continue
        r_lp = logp[n0 - 1 + first]
        a_id, c_text = ll[first], row["cortado_text"][first]
        cands = [j for j in np.argsort(-r_lp)[:50] if text(int(j)) == c_text]
        b_id = int(cands[0]) if cands else None
        ltop, ctop = row["llama_top"][first], row["cortado_top"][first]
        gap = lambda d, x, y: (d[x] - d[y]) if x in d and y in d else float("nan")  # noqa: E731
        report.append(
            f"  prompt {k}: first difference at new token {first}: llama.cpp {a_id} {text(a_id)!r}, Cortado {b_id} "
            f"{c_text!r}; logprob({a_id}) - logprob({b_id}): llama.cpp {gap(ltop, a_id, b_id):+.5f}, Cortado "
            f"{gap(ctop, text(a_id), c_text):+.5f}, float64 {r_lp[a_id] - r_lp[b_id]:+.5f}, float64 with {rounding} "
            f"activations {logq[n0 - 1 + first][a_id] - logq[n0 - 1 + first][b_id]:+.5f}")
    print(f"{os.path.basename(a.file)}: chosen-token logprob distance from float64 over the shared prefixes: "
          f"llama.cpp {worst_llama:.5f}, Cortado {worst_cortado:.5f}; llama.cpp's from float64 with {rounding} "
          f"activations {worst_rounded:.5f}")
    print("\n".join(report))


if __name__ == "__main__":
    main()
