"""PyTorch's side of bench/compare/decode_vs_peers.sh: batch-1 greedy `generate` (fp32) and prefill, timed the way
cortado.bench.DecodeMain times Cortado's.

  decode:  an 8-token prompt, 128 new tokens (min_new_tokens so no end-of-text stops it); tokens/s over the tokens
           after the first, from the time each token's logits reach the logits processors
  prefill: a 512-token prompt, one new token; prompt tokens / time to the first token's logits

  python decode_torch.py --model DIR [--threads N] [--new 128] [--prompt 512] [--rounds 3] [--warmup 1]
Prints one JSON line like DecodeMain's.
"""
import argparse
import json
import resource
import statistics
import time

import torch
from transformers import AutoModelForCausalLM, LogitsProcessor, LogitsProcessorList


class Stamps(LogitsProcessor):
    """Records when each step's logits are ready (called once per generated token, after the forward pass)."""

    def __init__(self):
        self.times, self.cpu = [], []

    def __call__(self, input_ids, scores):
        self.times.append(time.perf_counter())
        self.cpu.append(time.process_time())
        return scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--new", type=int, default=128)
    ap.add_argument("--prompt", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--mode", default="both", choices=["decode", "prefill", "both"])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    vocab = min(model.config.vocab_size, 50257)
    g = torch.Generator().manual_seed(7)
    short = torch.randint(0, vocab, (1, 8), generator=g)
    long = torch.randint(0, vocab, (1, args.prompt), generator=g)
    decode, prefill, cpu = [], [], []
    common = dict(do_sample=False, num_beams=1, pad_token_id=model.config.eos_token_id)
    with torch.inference_mode():
        for r in range(args.warmup + args.rounds):
            if args.mode != "prefill":
                s = Stamps()
                model.generate(short, attention_mask=torch.ones_like(short), max_new_tokens=args.new,
                               min_new_tokens=args.new, logits_processor=LogitsProcessorList([s]), **common)
                if r >= args.warmup:
                    decode.append((len(s.times) - 1) / (s.times[-1] - s.times[0]))
                    cpu.append((s.cpu[-1] - s.cpu[0]) * 1000 / (len(s.cpu) - 1))
            if args.mode != "decode":
                s = Stamps()
                t0 = time.perf_counter()
                model.generate(long, attention_mask=torch.ones_like(long), max_new_tokens=1, min_new_tokens=1,
                               logits_processor=LogitsProcessorList([s]), **common)
                if r >= args.warmup:
                    prefill.append(args.prompt / (s.times[0] - t0))
    med = lambda xs: statistics.median(xs) if xs else -1
    print(json.dumps({"engine": "pytorch", "label": "fp32", "model": args.model.rstrip("/").split("/")[-1],
                      "threads": args.threads, "decode_tok_s": round(med(decode), 2),
                      "prefill_tok_s": round(med(prefill), 2), "decode_rounds": [round(x, 1) for x in decode],
                      "prefill_rounds": [round(x, 1) for x in prefill],
                      "decode_cpu_ms_per_token": round(med(cpu), 1),
                      "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


if __name__ == "__main__":
    main()
