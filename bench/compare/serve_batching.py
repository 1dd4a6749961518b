#!/usr/bin/env python3
"""Continuous batching against sequential serving on one `cortado serve`: the same N completion requests (greedy,
MAX_TOKENS each, eos masked with logit_bias so every request generates exactly MAX_TOKENS) sent one after another,
then all at once; generated tokens per second of each, medians over REPEATS rounds, and their ratio. The model is a
random Llama (transformers' init) of the width given, with the ChatML tokenizer of the golden files: a throughput
figure for the scheduler, not for a real model's quality.

    /work/venv/bin/python bench/compare/serve_batching.py [--requests 16] [--max-tokens 64] [--hidden 256] \
        [--layers 4] [--max-batch 16] [--repeats 3]
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKENIZER = os.path.join(ROOT, "tests/src/test/resources/golden/sft/chatml")


def make_model(d, hidden, layers):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=400, hidden_size=hidden, intermediate_size=hidden * 8 // 3, num_hidden_layers=layers,
                      num_attention_heads=max(1, hidden // 64), num_key_value_heads=max(1, hidden // 64),
                      max_position_embeddings=512, tie_word_embeddings=False, eos_token_id=2)
    LlamaForCausalLM(cfg).save_pretrained(d)
    for f in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        shutil.copy(os.path.join(TOKENIZER, f), d)


def complete(port, max_tokens, prompt):
    body = json.dumps({"model": "bench", "prompt": prompt, "max_tokens": max_tokens, "temperature": 0,
                       "logit_bias": {"2": -100}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)["usage"]["completion_tokens"]


def sequential(port, n, max_tokens):
    start, tokens = time.perf_counter(), 0
    for i in range(n):
        tokens += complete(port, max_tokens, f"Request number {i} says")
    return tokens / (time.perf_counter() - start)


def concurrent(port, n, max_tokens):
    counts = [0] * n

    def one(i):
        counts[i] = complete(port, max_tokens, f"Request number {i} says")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--max-batch", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--port", type=int, default=8397)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = os.path.join(tmp, "bench")
        make_model(d, a.hidden, a.layers)
        server = subprocess.Popen([os.path.join(ROOT, "cortado"), "serve", "--model", d, "--port", str(a.port),
                                   "--max-batch", str(a.max_batch)], start_new_session=True)
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{a.port}/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.5)
            concurrent(a.port, a.requests, a.max_tokens)  # warm-up (JIT)
            seq, con = [], []
            for _ in range(a.repeats):
                seq.append(sequential(a.port, a.requests, a.max_tokens))
                con.append(concurrent(a.port, a.requests, a.max_tokens))
            s, c = statistics.median(seq), statistics.median(con)
            print(f"random llama hidden {a.hidden} x {a.layers} layers, {a.requests} requests x {a.max_tokens} tokens, "
                  f"max batch {a.max_batch}: sequential {s:.1f} tok/s, concurrent (continuous batching) {c:.1f} tok/s, "
                  f"ratio {c / s:.2f} (medians of {a.repeats}; rounds seq {[round(x, 1) for x in seq]}, "
                  f"con {[round(x, 1) for x in con]})")
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # the launcher and its java (which does not get the launcher's signal)
            server.wait(30)


if __name__ == "__main__":
    sys.exit(main())
