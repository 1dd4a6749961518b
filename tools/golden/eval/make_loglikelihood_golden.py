"""Writes the model-side goldens of the eval harness: a tiny Llama (eval/src/test/resources/eval/tiny_llama/, with the
byte-level BPE tokenizer of tests/src/test/resources/golden/sft/llama3, whose post-processor adds BOS) trained a few
AdamW steps on the built-in tasks' prompts so its answers are not uniform, and what lm-eval-harness 0.4.13's HF
backend (HFLM, float32, CPU, batch size 4) makes of it:

- loglikelihood.json: per request (context, continuation) the log-likelihood and is_greedy, for the built-in tasks
  tiny_arith and tiny_sentiment (eval/src/main/resources/cortado/eval/tasks/) at 0 and 2 shots, plus hand-made
  requests (empty context: the prefix-token path; a context ending in spaces: moved to the continuation; one longer
  than the 128 positions: left truncation); loglikelihood_rolling of a few strings with max_length 16 (several windows);
- results_2shot.json: simple_evaluate on both tasks with num_fewshot 2 (the results.json shape, samples left out).

    /work/venvs/harness/bin/python tools/golden/eval/make_loglikelihood_golden.py --out eval/src/test/resources/eval
"""
import argparse
import json
import os
import shutil
import tempfile

import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

import lm_eval
from lm_eval import evaluator
from lm_eval.api.instance import Instance
from lm_eval.models.huggingface import HFLM
from lm_eval.tasks import TaskManager

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
TASKS = os.path.join(ROOT, "eval", "src", "main", "resources", "cortado", "eval", "tasks")
TOKENIZER = os.path.join(ROOT, "tests", "src", "test", "resources", "golden", "sft", "llama3")
EXTRA = [("", " 4"), ("Question: What is 2 plus 2?\nAnswer:  ", "4"), ("Review: " + "so good " * 60, " positive"),
         ("The cat", " sat on the mat")]
ROLLING = ["Question: What is 2 plus 2?\nAnswer: 4", "Review: A great and happy story.\nSentiment: positive " * 3, "x"]


def make_model(out_dir):
    tok = AutoTokenizer.from_pretrained(TOKENIZER)
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, tie_word_embeddings=False)
    model = LlamaForCausalLM(cfg)
    texts = []
    for name in ("tiny_arith", "tiny_sentiment"):
        with open(os.path.join(TASKS, name + ".jsonl")) as f:
            for line in f:
                d = json.loads(line)
                if name == "tiny_arith":
                    texts.append(f"Question: {d['question']}\nAnswer: {d['choices'][d['label']]}")
                else:
                    texts.append(f"Review: {d['text']}\nSentiment: {['negative', 'positive'][d['label']]}")
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    for step in range(40):
        batch = texts[(step * 8) % len(texts):][:8]
        loss = 0
        for t in batch:
            ids = tok(t, return_tensors="pt").input_ids
            loss = loss + model(ids, labels=ids).loss
        (loss / len(batch)).backward()
        opt.step()
        opt.zero_grad()
    model.eval()
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)
    model_dir = os.path.join(a.out, "tiny_llama")
    if os.path.isdir(model_dir):
        shutil.rmtree(model_dir)
    make_model(model_dir)

    tmp = tempfile.mkdtemp()
    for f in os.listdir(TASKS):
        shutil.copy(os.path.join(TASKS, f), tmp)
    os.chdir(tmp)  # lm-eval resolves data_files against the working directory; Cortado against the YAML's directory
    tm = TaskManager(include_path=tmp, include_defaults=False)

    lm = HFLM(pretrained=model_dir, backend="causal", device="cpu", batch_size=4, dtype="float32")
    requests = []
    for k in (0, 2):
        tasks = tm.load_task_or_group(["tiny_arith", "tiny_sentiment"])
        for name, task in tasks.items():
            task.set_config(key="num_fewshot", value=k)
            task.set_fewshot_seed(1234)
            task.build_all_requests(rank=0, world_size=1)
            for inst in task.instances:
                requests.append({"task": name, "num_fewshot": k, "doc_id": inst.doc_id, "idx": inst.idx,
                                 "context": inst.args[0], "continuation": inst.args[1]})
    requests += [{"task": None, "context": c, "continuation": x} for c, x in EXTRA]
    insts = [Instance("loglikelihood", {}, (r["context"], r["continuation"]), i) for i, r in enumerate(requests)]
    for r, (ll, greedy) in zip(requests, lm.loglikelihood(insts)):
        r["ll"], r["is_greedy"] = ll, greedy
        r["context_tokens"] = None
    for r in requests:  # the token split lm-eval scores (empty context: the prefix token)
        if r["context"] == "":
            r["continuation_tokens"] = lm.tok_encode(r["continuation"], add_special_tokens=False)
        else:
            r["context_tokens"], r["continuation_tokens"] = lm._encode_pair(r["context"], r["continuation"])

    lm16 = HFLM(pretrained=model_dir, backend="causal", device="cpu", batch_size=4, dtype="float32", max_length=16)
    rolling = [{"text": s} for s in ROLLING]
    lls = lm16.loglikelihood_rolling([Instance("loglikelihood_rolling", {}, (r["text"],), i)
                                      for i, r in enumerate(rolling)])
    for r, ll in zip(rolling, lls):
        r["ll"], r["tokens"] = ll, len(lm16.tok_encode(r["text"]))

    out = {"lm_eval": lm_eval.__version__, "batch_size": 4, "max_length": lm.max_length, "prefix_token_id": lm.prefix_token_id,
           "requests": requests, "rolling_max_length": 16, "rolling": rolling}
    write(os.path.join(a.out, "loglikelihood.json"), out, indent=None)  # token lists: compact

    res = evaluator.simple_evaluate(model=lm, tasks=["tiny_arith", "tiny_sentiment"], num_fewshot=2, task_manager=tm,
                                    log_samples=False)
    keep = {k: res[k] for k in ("results", "group_subtasks", "configs", "versions", "n-shot", "higher_is_better",
                                "n-samples") if k in res}
    write(os.path.join(a.out, "results_2shot.json"), keep)


def write(path, obj, indent=1):
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f, indent=indent, default=str)
        f.write("\n")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
