#!/usr/bin/env python3
"""Load on one running OpenAI-style server (`cortado serve`, or llama.cpp's `llama-server`): CLIENTS concurrent
streaming clients, each sending REQUESTS requests one after another (stream_options.include_usage, greedy, eos
masked so each streams exactly MAX_TOKENS tokens). --model takes a comma-separated list, cycled request by request
(the base and adapter names, for mixed-adapter batches). --completions sends /v1/completions with a plain prompt
(for a checkpoint without a chat template); --ignore-eos masks eos with llama-server's `ignore_eos` instead of
logit_bias on --eos-id. Checks every stream: HTTP 200, only `data:` lines, one finish_reason, a usage chunk with
completion_tokens == MAX_TOKENS, then `data: [DONE]`. Prints errors, incomplete streams, throughput, and client-side
p50/p99 time to first token and time per output token. --prefix-probe N instead sends, one at a time, a cold prompt of
about N words, then the same prompt with another last sentence, and prints each one's time to first token and the
server's prefix-cache counters (cortado:prefix_cache_*) read from /metrics before and after the second.

    ./cortado serve --model DIR --port 8398 --max-batch 16 &
    /work/venv/bin/python bench/compare/serve_load.py --port 8398 --model NAME [--clients 32] [--requests 5] \
        [--max-tokens 32]
"""
import argparse
import http.client
import json
import statistics
import threading
import time


def one(a, model, max_tokens, stats, lock, prompt="Tell me a story."):
    req = {"model": model, "max_tokens": max_tokens, "temperature": 0, "stream": True,
           "stream_options": {"include_usage": True}}
    if a.ignore_eos:
        req["ignore_eos"] = True
    else:
        req["logit_bias"] = {str(a.eos_id): -100}
    if a.completions:
        req["prompt"] = prompt
    else:
        req["messages"] = [{"role": "user", "content": prompt}]
    body = json.dumps(req)
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=600)
    conn.request("POST", "/v1/completions" if a.completions else "/v1/chat/completions", body,
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    if r.status != 200:
        with lock:
            stats["errors"].append(f"HTTP {r.status}: {r.read()[:200]!r}")
        return
    first, finishes, usage, done, bad = None, 0, None, False, None
    buf = b""
    while True:
        chunk = r.read1(65536)
        if not chunk:
            break
        buf += chunk
        while b"\n\n" in buf:
            event, buf = buf.split(b"\n\n", 1)
            line = event.decode()
            if not line.startswith("data: "):
                bad = f"not a data line: {line[:80]!r}"
                continue
            data = line[6:]
            if data == "[DONE]":
                done = True
                continue
            c = json.loads(data)
            if c.get("usage"):
                usage = c["usage"]
            for choice in c["choices"]:
                text = choice.get("text") if a.completions else choice.get("delta", {}).get("content")
                if first is None and text:
                    first = time.perf_counter()
                if choice.get("finish_reason"):
                    finishes += 1
    end = time.perf_counter()
    conn.close()
    complete = bad is None and done and finishes == 1 and usage is not None \
        and usage["completion_tokens"] == max_tokens
    with lock:
        if not complete:
            stats["incomplete"].append(bad or f"done={done} finishes={finishes} usage={usage}")
            return
        stats["tokens"] += usage["completion_tokens"]
        if first is not None:
            stats["ttft"].append(first - start)
            stats["tpot"].append((end - first) / max(1, max_tokens - 1))
    return first - start if first is not None else None


def prefix_metrics(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    return {line.split()[0]: float(line.split()[-1]) for line in text.splitlines()
            if line.startswith("cortado:prefix_cache_")}


def prefix_probe(a, stats, lock):
    words = ("the quick brown fox jumps over a lazy dog while seven bright birds sing about rivers "
             "and mountains far away ").split()
    shared = " ".join(words[i % len(words)] for i in range(a.prefix_probe))
    model = a.model.split(",")[0]
    cold = one(a, model, a.max_tokens, stats, lock, shared + " What happened next?")
    before = prefix_metrics(a.port)
    warm = one(a, model, a.max_tokens, stats, lock, shared + " Tell me who won.")
    after = prefix_metrics(a.port)
    ms = lambda t: "failed" if t is None else f"{t * 1000:.0f} ms"  # noqa: E731
    print(f"prefix probe, {a.prefix_probe}-word shared prefix: time to first token cold {ms(cold)}, "
          f"sharing the prefix {ms(warm)}; /metrics before {before} after {after}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--requests", type=int, default=5)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--completions", action="store_true")
    ap.add_argument("--ignore-eos", action="store_true")
    ap.add_argument("--eos-id", type=int, default=2)
    ap.add_argument("--prompt", default="Tell me a story.")
    ap.add_argument("--prefix-probe", type=int, default=0)
    a = ap.parse_args()
    stats = {"errors": [], "incomplete": [], "tokens": 0, "ttft": [], "tpot": []}
    lock = threading.Lock()
    if a.prefix_probe:
        prefix_probe(a, stats, lock)
        for e in (stats["errors"] + stats["incomplete"])[:5]:
            print("  ", e)
        return
    models = a.model.split(",")

    def client(c):
        for r in range(a.requests):
            try:
                one(a, models[(c * a.requests + r) % len(models)], a.max_tokens, stats, lock, a.prompt)
            except Exception as e:  # a refused or dropped connection counts as an error, not a crash of the run
                with lock:
                    stats["errors"].append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=client, args=(c,)) for c in range(a.clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start

    def pct(xs, q):
        return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else float("nan")

    print(f"{a.clients} clients x {a.requests} streamed requests x {a.max_tokens} tokens: "
          f"{len(stats['errors'])} errors, {len(stats['incomplete'])} incomplete streams, "
          f"{stats['tokens'] / wall:.1f} tok/s over {wall:.1f} s; time to first token p50 {pct(stats['ttft'], 0.5):.0f} ms"
          f" p99 {pct(stats['ttft'], 0.99):.0f} ms; per output token p50 {pct(stats['tpot'], 0.5):.1f} ms"
          f" p99 {pct(stats['tpot'], 0.99):.1f} ms")
    for e in (stats["errors"] + stats["incomplete"])[:5]:
        print("  ", e)


if __name__ == "__main__":
    main()
