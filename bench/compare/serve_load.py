#!/usr/bin/env python3
"""Load on one running `cortado serve`: CLIENTS concurrent streaming clients, each sending REQUESTS chat requests one
after another (stream_options.include_usage, greedy, eos masked so each streams exactly MAX_TOKENS tokens). Checks
every stream: HTTP 200, only `data:` lines, one finish_reason, a usage chunk with completion_tokens == MAX_TOKENS,
then `data: [DONE]`. Prints errors, incomplete streams, throughput, and client-side p50/p99 time to first token and
time per output token.

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


def one(port, model, max_tokens, stats, lock):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "Tell me a story."}],
                       "max_tokens": max_tokens, "temperature": 0, "logit_bias": {"2": -100}, "stream": True,
                       "stream_options": {"include_usage": True}})
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
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
                if first is None and choice["delta"].get("content"):
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--requests", type=int, default=5)
    ap.add_argument("--max-tokens", type=int, default=32)
    a = ap.parse_args()
    stats = {"errors": [], "incomplete": [], "tokens": 0, "ttft": [], "tpot": []}
    lock = threading.Lock()

    def client():
        for _ in range(a.requests):
            one(a.port, a.model, a.max_tokens, stats, lock)

    threads = [threading.Thread(target=client) for _ in range(a.clients)]
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
