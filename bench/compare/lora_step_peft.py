"""One GPT-2 124M fine-tuning step in PyTorch + peft on the CPU: the peer of Cortado's LoraStepMain.

--method lora: peft LoRA r on all linear layers (target_modules="all-linear": c_attn, c_proj, c_fc, c_proj; alpha 2r,
no dropout) over the frozen fp32 base, AdamW over the adapters only. --method full: every parameter trains.
Same step as the Java side: forward, cross-entropy, backward, clip 1.0, AdamW lr 3e-4 (weight decay 0.1 on matrices).
Prints one JSON line: median step milliseconds over the timed steps, and the process's peak RSS in MiB.
Usage: python lora_step_peft.py --method lora --threads 2 --batch 4 --seq 256 --r 16 --steps 5 --warmup 2
"""
import argparse, json, resource, statistics, time

import torch
from transformers import GPT2Config, GPT2LMHeadModel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--method", choices=["lora", "full"], default="lora")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--r", type=int, default=16)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    # HF gpt2 sizes; dropout off so both engines do the same arithmetic.
    cfg = GPT2Config(n_embd=768, n_layer=12, n_head=12, n_positions=1024, vocab_size=50257,
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    model = GPT2LMHeadModel(cfg)
    trainable_line = ""
    if a.method == "lora":
        import peft
        lc = peft.LoraConfig(r=a.r, lora_alpha=2 * a.r, target_modules="all-linear", lora_dropout=0.0,
                             task_type="CAUSAL_LM")
        model = peft.get_peft_model(model, lc)
        t, n = model.get_nb_trainable_parameters()
        trainable_line = f"trainable params: {t:,d} || all params: {n:,d} || trainable%: {100 * t / n:.4f}"
    model.train()
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in params if p.dim() >= 2]
    no_decay = [p for n, p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-4)
    trainable = [p for _, p in params]
    g = torch.Generator().manual_seed(1)
    times = []
    for step in range(a.warmup + a.steps):
        ids = torch.randint(0, cfg.vocab_size, (a.batch, a.seq + 1), generator=g)
        t0 = time.perf_counter()
        logits = model(input_ids=ids[:, :-1]).logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        opt.step()
        dt = (time.perf_counter() - t0) * 1000
        if step >= a.warmup:
            times.append(dt)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"engine": "pytorch", "method": a.method, "torch": torch.__version__, "threads": a.threads,
                      "batch": a.batch, "seq": a.seq, "r": a.r, "trainable_params": sum(p.numel() for p in trainable),
                      "median_step_ms": statistics.median(times), "steps_ms": [round(t, 1) for t in times],
                      "peak_rss_mib": round(rss_mib, 1), "trainable": trainable_line}))


if __name__ == "__main__":
    main()
