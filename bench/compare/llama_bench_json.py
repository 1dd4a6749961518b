"""Runs llama.cpp's llama-bench once and prints its pp/tg rates as one JSON line in DecodeMain's format, with the
peak resident set of the llama-bench process (getrusage of the child).

  python llama_bench_json.py LLAMA_BENCH MODEL.gguf LABEL THREADS [PROMPT=512] [NEW=128]
"""
import json
import resource
import subprocess
import sys


def main():
    exe, model, label, threads = sys.argv[1:5]
    prompt = sys.argv[5] if len(sys.argv) > 5 else "512"
    new = sys.argv[6] if len(sys.argv) > 6 else "128"
    out = subprocess.run([exe, "-m", model, "-p", prompt, "-n", new, "-t", threads, "-r", "1", "-o", "json"],
                         check=True, capture_output=True, text=True).stdout
    rates = {}
    for test in json.loads(out):
        kind = "prefill" if test["n_prompt"] > 0 else "decode"
        rates[kind] = test["avg_ts"]
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    name = model.rsplit("/", 1)[-1].split("-")[0]
    print(json.dumps({"engine": "llama.cpp", "label": label, "model": name, "threads": int(threads),
                      "decode_tok_s": round(rates.get("decode", -1), 2),
                      "prefill_tok_s": round(rates.get("prefill", -1), 2), "peak_rss_mib": round(rss, 1)}))


if __name__ == "__main__":
    main()
