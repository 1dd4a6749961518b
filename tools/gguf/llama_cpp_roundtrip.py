#!/usr/bin/env python3
"""Must-show 6 of issue 13, live: GGUF files between Cortado and llama.cpp (built from source), both directions.

1. Tiny random Hugging Face GPT-2 and Llama checkpoints (make_tiny_models.py).
2. Reference files: llama.cpp's convert_hf_to_gguf.py (convert_hf.py) writes f32 and f16; llama-quantize --pure
   quantizes the reference f32 to Q8_0, Q4_0, Q4_K (Q4_K_M with --pure: every matrix Q4_K) and Q6_K, and
   llama-quantize Q4_K_M without --pure writes its usual mix (mixed_q4_k_m: Q4_K, Q5_K, Q6_K, the head untied).
   Cortado's files: `cortado export gguf --type f32|f16|q8_0|q4_0`.
3. Layout checks with gguf-py (compare_gguf.py): Cortado's f32/f16 tensors against convert_hf_to_gguf.py's, byte for
   byte; Cortado's q8_0/q4_0 blocks against llama-quantize --pure of Cortado's own f32 file (ggml's reference
   quantizers), byte for byte.
4. Greedy decoding of every file by both engines: llama-server (/completion, top_k 1, return_tokens) and
   `cortado generate --temperature 0` on the same prompts, --tokens new tokens each. End-of-generation tokens are
   banned on both sides (llama.cpp stops on any of them, Cortado on the config's eos) so every row runs its full
   length. f32 and f16 files must agree token for token; quantized ones in at least 95% of positions (llama.cpp's CPU
   path quantizes activations to 8 bits for its dot products, Cortado keeps them fp32).

5. --model NAME=DIR (repeatable) adds a checkpoint with real structure (say the demo's pretrained GPT, `cortado demo
   --qlora-steps 0`): random tiny models have near-tied logits, so one activation rounding flips a greedy token and
   the rows drift apart from there; a trained model's margins say whether the quantized kernels themselves disagree.
   Its f32 file is Cortado's export (its layout byte-identical to convert_hf_to_gguf.py's, checked above for gpt2
   and llama), quantized by llama-quantize --pure; each disagreeing row's first differing position is printed.

    tools/gguf/llama_cpp_roundtrip.sh [--work DIR] [--tokens 64] [--model NAME=DIR ...] [--only-extra]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = sys.executable
PROMPTS = ["Once upon a time", "The cat sat on the", "hello world, this is", "A B C D E"]
EOG_TEXTS = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "<|end_of_text|>"}


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.stderr.write(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}\n")
        raise SystemExit(2)
    return r.stdout


def banned_ids(path):
    from gguf import GGUFReader
    r = GGUFReader(path)
    toks = r.fields["tokenizer.ggml.tokens"].contents()
    ids = {i for i, t in enumerate(toks) if t in EOG_TEXTS}
    if "tokenizer.ggml.eos_token_id" in r.fields:
        ids.add(int(r.fields["tokenizer.ggml.eos_token_id"].contents()))
    return sorted(ids)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def llama_greedy(server, path, prompts, n, banned, threads):
    port = free_port()
    proc = subprocess.Popen([server, "-m", path, "-c", "512", "-t", str(threads), "-np", "1", "--port", str(port),
                             "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as h:
                    if h.status == 200:
                        break
            except Exception:
                time.sleep(0.1)
        else:
            raise SystemExit(f"llama-server did not come up for {path}")
        out = []
        for p in prompts:
            body = {"prompt": p, "n_predict": n, "temperature": 0, "top_k": 1, "return_tokens": True,
                    "cache_prompt": False, "logit_bias": [[i, False] for i in banned]}
            req = urllib.request.Request(f"http://127.0.0.1:{port}/completion", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=120) as r:
                out.append(json.loads(r.read())["tokens"])
        return out
    finally:
        proc.terminate()
        proc.wait()


def cortado_greedy(cortado, model, prompts, n, banned, work, tag):
    inp, outp = os.path.join(work, f"prompts_{tag}.jsonl"), os.path.join(work, f"out_{tag}.jsonl")
    with open(inp, "w") as f:
        for p in prompts:
            f.write(json.dumps({"prompt": p}) + "\n")
    bias = json.dumps({str(i): -100 for i in banned})
    run([cortado, "generate", "--model", model, "--prompts", inp, "--out", outp, "--temperature", "0",
         "--max-new-tokens", str(n), "--batch", "1", "--logit-bias", bias])
    with open(outp) as f:
        return [json.loads(line)["completion_ids"] for line in f]


def agreement(a_rows, b_rows):
    same = total = 0
    for a, b in zip(a_rows, b_rows):
        total += max(len(a), len(b))
        same += sum(1 for x, y in zip(a, b) if x == y)
    return same, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llama-cpp", default="/work/llama.cpp")
    ap.add_argument("--cortado", default=os.path.join(ROOT, "cortado"))
    ap.add_argument("--work", default="/tmp/cortado-gguf-roundtrip")
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", action="append", default=[], metavar="NAME=DIR")
    ap.add_argument("--only-extra", action="store_true", help="skip the tiny random models")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    bin_ = os.path.join(a.llama_cpp, "build", "bin")
    server, quantize = os.path.join(bin_, "llama-server"), os.path.join(bin_, "llama-quantize")
    run([PY, os.path.join(HERE, "make_tiny_models.py"), "--out", a.work])
    failures = []
    rows = []
    for m in ([] if a.only_extra else ["gpt2", "llama"]):
        hf = os.path.join(a.work, m)
        f = lambda name: os.path.join(a.work, f"{name}_{m}.gguf")  # noqa: E731
        for t in ("f32", "f16"):
            run([PY, os.path.join(HERE, "convert_hf.py"), "--llama-cpp", a.llama_cpp, hf, "--outtype", t,
                 "--outfile", f("ref_" + t)])
        for t, qt in (("q8_0", "Q8_0"), ("q4_0", "Q4_0"), ("q4_k", "Q4_K_M"), ("q6_k", "Q6_K")):
            run([quantize, "--pure", f("ref_f32"), f("ref_" + t), qt, str(a.threads)])
        # llama-quantize's own mix (no --pure): Q4_K, with Q6_K for the head and some matrices, Q5_K for GPT-2's qkv.
        run([quantize, f("ref_f32"), f("mixed_q4_k_m"), "Q4_K_M", str(a.threads)])
        for t in ("f32", "f16", "q8_0", "q4_0"):
            run([a.cortado, "export", "gguf", "--model", hf, "--type", t, "--out", f("cortado_" + t)])
        # Layout: Cortado's tensors against llama.cpp's own tools.
        for t in ("f32", "f16"):
            r = subprocess.run([PY, os.path.join(HERE, "compare_gguf.py"), f("cortado_" + t), f("ref_" + t),
                                "--allow", ALLOWED], capture_output=True, text=True)
            print(f"[{m}] layout cortado_{t} vs convert_hf_to_gguf {t}: {r.stdout.strip().splitlines()[-1]}")
            if r.returncode != 0:
                print(r.stdout)
                failures.append(f"{m} {t} layout")
        for t, qt in (("q8_0", "Q8_0"), ("q4_0", "Q4_0")):
            requant = f("requant_" + t)
            run([quantize, "--pure", f("cortado_f32"), requant, qt, str(a.threads)])
            r = subprocess.run([PY, os.path.join(HERE, "compare_gguf.py"), f("cortado_" + t), requant,
                                "--allow", ALLOWED + ",general.file_type"], capture_output=True, text=True)
            print(f"[{m}] blocks cortado_{t} vs llama-quantize --pure {qt}: {r.stdout.strip().splitlines()[-1]}")
            if r.returncode != 0:
                print(r.stdout)
                failures.append(f"{m} {t} blocks")
        # Greedy tokens, both engines on each file.
        base = None
        for name in ("cortado_f32", "cortado_f16", "ref_f32", "ref_f16", "cortado_q8_0", "cortado_q4_0",
                     "ref_q8_0", "ref_q4_0", "ref_q4_k", "ref_q6_k", "mixed_q4_k_m"):
            path = f(name)
            banned = banned_ids(path)
            ll = llama_greedy(server, path, PROMPTS, a.tokens, banned, a.threads)
            co = cortado_greedy(a.cortado, path, PROMPTS, a.tokens, banned, a.work, f"{m}_{name}")
            same, total = agreement(ll, co)
            exact = name.endswith(("f32", "f16"))
            ok = same == total if exact else same >= 0.95 * total
            rows.append((m, name, same, total, ok))
            print(f"[{m}] {name:13s} llama.cpp vs Cortado greedy: {same}/{total} tokens agree ({100 * same / total:.1f}%)"
                  f" {'OK' if ok else 'FAIL'} (need {'all' if exact else '95%'})")
            if not ok:
                failures.append(f"{m} {name} greedy")
                for x, y in zip(ll, co):
                    print("   llama.cpp", x[:24], "\n   cortado  ", y[:24])
            if name == "cortado_f32":
                base = cortado_greedy(a.cortado, hf, PROMPTS, a.tokens, banned, a.work, f"{m}_hf")
                s2, t2 = agreement(base, co)
                print(f"[{m}] Cortado on the HF checkpoint vs on its f32 export: {s2}/{t2} tokens agree")
                if s2 != t2:
                    failures.append(f"{m} hf vs f32 export")
    for spec in a.model:
        m, hf = spec.split("=", 1)
        f = lambda name: os.path.join(a.work, f"{name}_{m}.gguf")  # noqa: E731
        run([a.cortado, "export", "gguf", "--model", hf, "--type", "f32", "--out", f("cortado_f32")])
        names = ["cortado_f32"]
        for t, qt in (("q8_0", "Q8_0"), ("q4_0", "Q4_0"), ("q4_k", "Q4_K_M"), ("q6_k", "Q6_K")):
            r = subprocess.run([quantize, "--pure", f("cortado_f32"), f("ref_" + t), qt, str(a.threads)],
                               capture_output=True, text=True)
            if r.returncode == 0:
                names.append("ref_" + t)
            else:   # K-quant super-blocks are 256 wide: a narrower model has no Q4_K/Q6_K file
                print(f"[{m}] ref_{t}: llama-quantize --pure {qt} refused: "
                      f"{[l for l in r.stdout.splitlines() + r.stderr.splitlines() if 'invalid' in l or 'failed' in l][:1]}")
        # Without --pure a narrow model's Q4_K_M falls back to Q5_0/Q5_1/Q8_0 where rows are not whole super-blocks.
        run([quantize, f("cortado_f32"), f("mixed_q4_k_m"), "Q4_K_M", str(a.threads)])
        names.append("mixed_q4_k_m")
        for name in names:
            path = f(name)
            banned = banned_ids(path)
            ll = llama_greedy(server, path, PROMPTS, a.tokens, banned, a.threads)
            co = cortado_greedy(a.cortado, path, PROMPTS, a.tokens, banned, a.work, f"{m}_{name}")
            same, total = agreement(ll, co)
            exact = name.endswith("f32")
            ok = same == total if exact else same >= 0.95 * total
            firsts = [next((i for i, (x, y) in enumerate(zip(r1, r2)) if x != y), None) for r1, r2 in zip(ll, co)]
            print(f"[{m}] {name:13s} llama.cpp vs Cortado greedy: {same}/{total} tokens agree ({100 * same / total:.1f}%)"
                  f" {'OK' if ok else 'FAIL'} (need {'all' if exact else '95%'}); first difference per prompt {firsts}")
            if not ok:
                failures.append(f"{m} {name} greedy")
    print("summary:", "all checks passed" if not failures else "FAILED: " + ", ".join(failures))
    sys.exit(1 if failures else 0)


# Metadata convert_hf_to_gguf.py writes differently without changing the model: its name and size label, the
# tokenizer fields it takes from tokenizer_config.json (Cortado takes eos from config.json and writes add_bos/add_eos
# as the tokenizer's post-processor does), and rope.freq_base (absent from transformers 5's config.json top level).
ALLOWED = ",".join(["general.name", "general.size_label", "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token",
                    "tokenizer.ggml.eos_token_id", "tokenizer.ggml.padding_token_id", "llama.rope.freq_base"])

if __name__ == "__main__":
    main()
