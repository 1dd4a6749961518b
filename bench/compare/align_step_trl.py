"""One SFT or DPO optimizer step of TRL's own trainers on GPT-2 124M on the CPU: the peer of Cortado's AlignStepMain.

--recipe sft: SFTTrainer on prompt/completion rows (prompt 1/4 of --seq, completion then EOS filling the rest:
exactly --seq tokens), completion_only_loss (TRL's default for that layout), TRL's default loss_type chunked_nll;
--method full (SFTTrainer's default) or lora.
--recipe dpo: DPOTrainer on --batch pairs per step, prompt+chosen and prompt+rejected each exactly --seq tokens (half
prompt), sigmoid loss, beta 0.1, peft LoRA r on c_attn, c_proj, c_fc (GPT-2's linear layers: all-linear), alpha 2r,
no dropout, no ref_model (TRL then takes the reference as the same model with the adapters disabled) and
precompute_ref_log_probs=False (TRL's default): per step one policy forward over chosen+rejected concatenated [2B, T]
with gradients and one reference forward over the same rows under no_grad.
Both: random init (GPT2Config defaults, dropout 0 as on the Java side), fp32 (bf16=False) and no gradient
checkpointing (TRL defaults both on; here off so both engines do the same arithmetic; --trl-defaults keeps TRL's),
AdamW (transformers' default optim), weight decay 0, max_grad_norm 1.0, no eval, no saving, no logging (report_to
none, logging_steps past the end), dataloader on the main process, use_cpu=True, torch threads = --threads.
Each optimizer step is timed from on_step_begin to on_step_end (a TrainerCallback); the first --warmup are dropped.
Prints one JSON line: the median step milliseconds, the median process CPU time of a step (all threads, user +
system; time.process_time), and the process's peak RSS (ru_maxrss) in MiB.
Usage: python align_step_trl.py --recipe dpo --threads 2 --batch 4 --seq 256 --r 16 --steps 5 --warmup 2
"""
import argparse, json, os, resource, statistics, tempfile, time

import torch


def word_tokenizer(words):
    """A word-level tokenizer (t0 .. t{words-1} and <eos>): one token per word, so every row's length is exact."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    vocab = {f"t{i}": i for i in range(words)}
    vocab["<eos>"] = words
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<eos>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>", pad_token="<eos>")


def text(g, n, words):
    return " ".join(f"t{i}" for i in torch.randint(0, words, (n,), generator=g).tolist())


class StepTimer:
    """on_step_begin .. on_step_end of every optimizer step, in milliseconds."""

    def __init__(self):
        from transformers import TrainerCallback

        timer = self

        class Callback(TrainerCallback):
            def on_step_begin(self, args, state, control, **kw):
                timer.t0, timer.c0 = time.perf_counter(), time.process_time()

            def on_step_end(self, args, state, control, **kw):
                timer.times.append((time.perf_counter() - timer.t0) * 1000)
                timer.cpu.append((time.process_time() - timer.c0) * 1000)

        self.times, self.cpu, self.t0, self.c0, self.callback = [], [], None, None, Callback()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", choices=["sft", "dpo"], default="dpo")
    ap.add_argument("--method", choices=["full", "lora"], default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--r", type=int, default=16)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--trl-defaults", action="store_true", help="keep TRL's bf16 and gradient checkpointing defaults")
    a = ap.parse_args()
    method = a.method or ("lora" if a.recipe == "dpo" else "full")
    if a.recipe == "dpo" and method != "lora":
        ap.error("--recipe dpo is timed with LoRA (its reference is the adapters disabled)")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    import datasets, transformers, trl
    from transformers import GPT2Config, GPT2LMHeadModel
    datasets.disable_progress_bars()
    transformers.logging.set_verbosity_error()
    cfg = GPT2Config(resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)   # defaults: GPT-2 124M
    model = GPT2LMHeadModel(cfg)
    words = 5000
    tok = word_tokenizer(words)
    g = torch.Generator().manual_seed(1)
    rows = 4 * a.batch
    peft_config = None
    if method == "lora":
        import peft
        peft_config = peft.LoraConfig(r=a.r, lora_alpha=2 * a.r, lora_dropout=0.0, task_type="CAUSAL_LM",
                                      target_modules=["c_attn", "c_proj", "c_fc"])
    out = tempfile.mkdtemp()
    common = dict(output_dir=out, per_device_train_batch_size=a.batch, max_steps=a.warmup + a.steps,
                  max_length=a.seq, report_to="none", logging_steps=10 ** 6, save_strategy="no", eval_strategy="no",
                  dataloader_num_workers=0, use_cpu=True, disable_tqdm=True, weight_decay=0.0, max_grad_norm=1.0,
                  seed=0)
    if not a.trl_defaults:
        common.update(bf16=False, gradient_checkpointing=False)
    timer = StepTimer()
    if a.recipe == "sft":
        prompt = a.seq // 4
        data = datasets.Dataset.from_list([{"prompt": text(g, prompt, words),
                                            "completion": " " + text(g, a.seq - prompt - 1, words)}  # + EOS
                                           for _ in range(rows)])
        args = trl.SFTConfig(**common)
        trainer = trl.SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tok,
                                 peft_config=peft_config, callbacks=[timer.callback])
        lengths = {len(x) for x in trainer.train_dataset["input_ids"]}
        what = f"completion_only_loss={args.completion_only_loss}, loss_type={args.loss_type}"
    else:
        prompt = a.seq // 2
        data = datasets.Dataset.from_list([{"prompt": text(g, prompt, words) + " ",
                                            "chosen": text(g, a.seq - prompt - 1, words),       # + EOS
                                            "rejected": text(g, a.seq - prompt - 1, words)}
                                           for _ in range(rows)])
        args = trl.DPOConfig(beta=0.1, loss_type=["sigmoid"], precompute_ref_log_probs=False, **common)
        trainer = trl.DPOTrainer(model=model, args=args, train_dataset=data, processing_class=tok,
                                 peft_config=peft_config, callbacks=[timer.callback])
        ds = trainer.train_dataset
        lengths = {len(p) + len(c) for p, c in zip(ds["prompt_ids"], ds["chosen_ids"])} | \
                  {len(p) + len(r) for p, r in zip(ds["prompt_ids"], ds["rejected_ids"])}
        what = f"loss_type={args.loss_type}, beta={args.beta}, ref_model=None (adapters disabled)"
    if lengths != {a.seq}:
        raise SystemExit(f"rows are {sorted(lengths)} tokens, expected exactly {a.seq}")
    trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    trainer.train()
    times = timer.times[a.warmup:]
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"engine": "trl", "recipe": a.recipe, "method": method, "trl": trl.__version__,
                      "torch": torch.__version__, "threads": a.threads, "batch": a.batch, "seq": a.seq, "r": a.r,
                      "trl_defaults": a.trl_defaults, "bf16": args.bf16,
                      "gradient_checkpointing": args.gradient_checkpointing, "optim": str(args.optim),
                      "trainable_params": trainable, "median_step_ms": statistics.median(times),
                      "median_step_cpu_ms": statistics.median(timer.cpu[a.warmup:]),
                      "steps_ms": [round(t, 1) for t in times], "peak_rss_mib": round(rss_mib, 1), "config": what}))


if __name__ == "__main__":
    main()
