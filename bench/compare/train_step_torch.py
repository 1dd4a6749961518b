"""One GPT-2 124M training step (AdamW) in PyTorch on the CPU: the peer that Cortado's TrainStepMain is measured against.

Prints one JSON line: median step milliseconds over the timed steps, and the process's peak RSS in MiB.
Usage: python train_step_torch.py --threads 2 --batch 4 --seq 64 --steps 8 --warmup 2
"""
import argparse, json, resource, statistics, time

import torch
from transformers import GPT2Config, GPT2LMHeadModel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    # HF gpt2 sizes; dropout off so both engines do the same arithmetic.
    cfg = GPT2Config(n_embd=768, n_layer=12, n_head=12, n_positions=1024, vocab_size=50257,
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    model = GPT2LMHeadModel(cfg)
    model.train()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-4)
    g = torch.Generator().manual_seed(1)
    times = []
    for step in range(a.warmup + a.steps):
        ids = torch.randint(0, cfg.vocab_size, (a.batch, a.seq + 1), generator=g)
        t0 = time.perf_counter()
        out = model(input_ids=ids[:, :-1], labels=None)
        logits = out.logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        dt = (time.perf_counter() - t0) * 1000
        if step >= a.warmup:
            times.append(dt)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"engine": "pytorch", "torch": torch.__version__, "threads": a.threads, "batch": a.batch,
                      "seq": a.seq, "median_step_ms": statistics.median(times),
                      "steps_ms": [round(t, 1) for t in times], "peak_rss_mib": round(rss_mib, 1)}))


if __name__ == "__main__":
    main()
