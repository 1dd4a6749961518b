"""The peer of bench/compare/eval_vs_lm_eval.sh: lm-eval-harness 0.4.13's simple_evaluate with its HF backend (HFLM,
float32, CPU) on a task directory; prints one JSON line with the evaluation's wall time (requests built, model run,
scored; the model's loading not counted, as on the Cortado side) and the metrics.

    python eval_lm_eval.py --model DIR --tasks-dir DIR --task NAME --batch 8 --threads 2
"""
import argparse
import json
import os
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--tasks-dir", required=True)
    ap.add_argument("--task", required=True)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from lm_eval import evaluator
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager
    os.chdir(a.tasks_dir)  # lm-eval resolves data_files against the working directory
    lm = HFLM(pretrained=a.model, backend="causal", device="cpu", batch_size=a.batch, dtype="float32")
    tm = TaskManager(include_path=a.tasks_dir, include_defaults=False)
    t0 = time.perf_counter()
    res = evaluator.simple_evaluate(model=lm, tasks=[a.task], task_manager=tm, log_samples=False)
    seconds = time.perf_counter() - t0
    r = res["results"][a.task]
    print(json.dumps({"engine": "lm-eval", "seconds": seconds, "acc": r["acc,none"], "acc_norm": r["acc_norm,none"],
                      "threads": a.threads, "batch": a.batch}))


if __name__ == "__main__":
    main()
