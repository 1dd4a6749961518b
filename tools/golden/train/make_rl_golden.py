#!/usr/bin/env python3
"""Golden GRPO and PPO terms for cortado.train.rl (GroupAdvantages, GrpoLoss, PpoRollout, PpoLoss), from the
reference libraries' own code on the tiny golden GPT-2 (tests/src/test/resources/golden/gpt2).

GRPO: TRL 1.13 (the installed package). One group: a 4-token prompt and G = 4 completions of up to 6 tokens
(right-padded, completion_mask 0 on the padding). The advantages are the lines of
GRPOTrainer._generate_and_score_completions that turn rewards into advantages (sum_then_normalize, taken from the
installed source with inspect and executed as they are); the loss is GRPOTrainer._compute_loss itself, called on a
trainer object holding only the fields it reads (model in eval mode, one process, no accumulation). old and ref
per-token log-probs are the policy's own plus fixed offsets, so ratios are clipped on both sides and the KL is not 0.
Cases (grpo.<case>.*): dapo with beta 0 (TRL's defaults), grpo/bnpo/dr_grpo with beta 0.04 (k3 KL times the ratio,
TRL's default use_bias_correction_kl), dapo with epsilon_high 0.28 and beta 0.04, grpo with the plain k3 KL
(use_bias_correction_kl off), and scale_rewards batch/none for the advantages.

PPO: TRL 1.13 has no PPOTrainer. The reference is TRL's last one: trl/trainer/ppo_trainer.py re-exported
trl/experimental/ppo/ppo_trainer.py until commit 0aea31440 removed it, so the file at its parent d705ac4d is read
from a clone of github.com/huggingface/trl (--trl-repo). That module does not import under TRL 1.13 (it needs
trl.trainer.base_trainer and others of its own tree), so this script takes its pieces: the helper functions
(masked_mean, masked_var, masked_whiten, truncate_response, forward, PolicyAndValueWrapper) are executed from the
file's text, and the two inline blocks of PPOTrainer.train() that hold the math are executed as they are, in a
namespace holding the rollout: "Response Processing 3" through step 6 (missing-EOS penalty, padding masks, k1/k3
KL, per-token rewards, optional reward whitening, GAE, returns, whitened advantages) and the PPO micro-batch from
the policy/value forward to `loss = pg_loss + args.vf_coef * vf_loss` (plus its clipfrac/approxkl/ratio lines).
first_true_indices is TRL 1.13's (trl.experimental.utils, the same code), selective_log_softmax TRL 1.13's.
Two parts:
  ppo.math.<case>.*: step 4-6 on fixed arrays (R = 3 responses of C = 6: stop token at index 2, at 4, none), cases
      k1 (PPOConfig defaults) and k3 (missing_eos_penalty 1.0, whiten_rewards).
  ppo.loss.*: one rollout through the policy (gpt2) and a value model (GPT2ForSequenceClassification on the same
      weights, its score head from seed 0), PPOConfig defaults (temperature 0.7, kl_coef 0.05, k1, cliprange 0.2,
      cliprange_value 0.2, vf_coef 0.1, gamma 1, lam 0.95): old log-probs and values are the models' own plus
      offsets; the loss of one micro-batch holding all rows, and its gradients. Its responses fill the window (the
      stop token last, or none): at the position after a stop token TRL's value reads a padding query whose own key
      is masked out, which a causal forward does not reproduce; the masks of early stops are part 1's.

    /work/venv/bin/python tools/golden/train/make_rl_golden.py --golden tests/src/test/resources/golden \
        --trl-repo /path/to/huggingface/trl   # a clone holding commit d705ac4d
Writes GOLDEN/rl_golden.safetensors (tensors named above; metadata: the configs and metrics as JSON).
"""
import argparse
import ast
import inspect
import json
import os
import subprocess
import textwrap
from collections import defaultdict
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn as nn
import trl
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, GPT2ForSequenceClassification
from transformers.utils import ModelOutput
from trl import GRPOConfig, GRPOTrainer
from trl.experimental.utils import first_true_indices
from trl.trainer.utils import nanstd, selective_log_softmax

assert trl.__version__ == "1.13.0", trl.__version__
PPO_COMMIT = "d705ac4d0f13168724f548c9ecbb1a586c187e16"
PPO_FILE = "trl/experimental/ppo/ppo_trainer.py"
V = 96


class Accel:
    device = torch.device("cpu")
    num_processes = 1
    sync_gradients = True
    is_main_process = True

    def gather(self, x):
        return x

    gather_for_metrics = gather

    def reduce(self, x, reduction="sum"):
        return x

    def unwrap_model(self, m):
        return m


def block(source, start, end, include_end=True):
    """The lines of `source` from the first starting with `start` (stripped) to the next starting with `end`, dedented."""
    lines = source.splitlines()
    i = next(k for k, l in enumerate(lines) if l.strip().startswith(start))
    j = next(k for k in range(i, len(lines)) if lines[k].strip().startswith(end))
    return textwrap.dedent("\n".join(lines[i:j + 1 if include_end else j]))


def grpo(golden, out, meta):
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(os.path.join(golden, "gpt2"), dtype=torch.float32,
                                                 attn_implementation="eager")
    model.eval()
    G, P, C = 4, 4, 6
    torch.manual_seed(3)
    prompt = torch.randint(0, V - 1, (1, P)).repeat(G, 1)
    completion = torch.randint(0, V - 1, (G, C))
    cmask = torch.zeros(G, C, dtype=torch.long)
    for r, n in enumerate([6, 3, 5, 2]):
        cmask[r, :n] = 1
        completion[r, n:] = V - 1   # padding id (never attended by the real tokens: it comes after them)
    rewards = torch.tensor([[1.0], [0.0], [0.5], [2.0]])
    # the advantage lines of _generate_and_score_completions, as TRL has them
    src = inspect.getsource(GRPOTrainer._generate_and_score_completions)
    adv_code = block(block(src, 'if self.multi_objective_aggregation == "sum_then_normalize":',
                           "elif self.multi_objective_aggregation", include_end=False),
                     "rewards = (rewards_per_func", "advantages = advantages / (std_rewards + 1e-4)")
    advantages = {}
    for scale in ["group", "batch", "none"]:
        ns = dict(torch=torch, nanstd=nanstd, rewards_per_func=rewards, device="cpu",
                  unscorable_mask=torch.isnan(rewards).all(dim=1), num_generations=G,
                  self=SimpleNamespace(reward_weights=torch.tensor([1.0]), scale_rewards=scale))
        exec(adv_code, ns)
        advantages[scale] = ns["advantages"]
        out[f"grpo.advantages.{scale}"] = ns["advantages"].clone()
    with torch.no_grad():
        logits = model(input_ids=torch.cat([prompt, completion], 1)).logits[:, P - 1:-1]
        own = selective_log_softmax(logits, completion)
    torch.manual_seed(4)
    old = own + 0.3 * torch.randn(G, C)
    ref = own + 0.5 * torch.randn(G, C)
    out.update({"grpo.prompt_ids": prompt, "grpo.completion_ids": completion, "grpo.completion_mask": cmask,
                "grpo.rewards": rewards[:, 0], "grpo.old_per_token_logps": old, "grpo.ref_per_token_logps": ref})
    cases = {"dapo": dict(loss_type="dapo", beta=0.0, epsilon_high=0.2),
             "grpo": dict(loss_type="grpo", beta=0.04, epsilon_high=0.2),
             "bnpo": dict(loss_type="bnpo", beta=0.04, epsilon_high=0.2),
             "dr_grpo": dict(loss_type="dr_grpo", beta=0.04, epsilon_high=0.2),
             "dapo_high": dict(loss_type="dapo", beta=0.04, epsilon_high=0.28),
             "grpo_plain_kl": dict(loss_type="grpo", beta=0.04, epsilon_high=0.2, use_bias_correction_kl=False)}
    meta["grpo.cases"] = ",".join(cases)
    for name, c in cases.items():
        model.zero_grad()
        args = GRPOConfig(output_dir="/tmp/grpo_golden", beta=c["beta"], loss_type=c["loss_type"],
                          epsilon_high=c["epsilon_high"], max_completion_length=C, report_to=[],
                          use_bias_correction_kl=c.get("use_bias_correction_kl", True),
                          use_cpu=True, bf16=False, num_generations=G, per_device_train_batch_size=G)
        t = object.__new__(GRPOTrainer)
        for k, v in dict(model=model, args=args, accelerator=Accel(), beta=args.beta, loss_type=args.loss_type,
                         epsilon_low=args.epsilon, epsilon_high=args.epsilon_high, temperature=args.temperature,
                         top_entropy_quantile=args.top_entropy_quantile, off_policy_mask_threshold=None,
                         importance_sampling_level="token", use_vllm=False, vllm_importance_sampling_correction=False,
                         max_completion_length=C, current_gradient_accumulation_steps=1, aux_loss_enabled=False,
                         _entropy_bonus_enabled=False, use_liger_kernel=False,
                         model_kwarg_keys=set(inspect.signature(model.forward).parameters),
                         _metrics={"train": defaultdict(list), "eval": defaultdict(list)}).items():
            setattr(t, k, v)
        inputs = {"prompt_ids": prompt, "prompt_mask": torch.ones_like(prompt), "completion_ids": completion,
                  "completion_mask": cmask, "advantages": advantages["group"], "old_per_token_logps": old,
                  "ref_per_token_logps": ref, "num_items_in_batch": cmask.sum()}
        loss = t._compute_loss(model, inputs)
        loss.backward()
        out[f"grpo.{name}.loss"] = loss.detach().reshape(1)
        out[f"grpo.{name}.grad_wte"] = model.transformer.wte.weight.grad.clone()
        out[f"grpo.{name}.grad_h0_attn"] = model.transformer.h[0].attn.c_attn.weight.grad.clone()
        m = t._metrics["eval"]
        keep = ["kl", "clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean"]
        meta[f"grpo.{name}.config"] = json.dumps(dict(c, epsilon=args.epsilon, temperature=args.temperature,
                                                      use_bias_correction_kl=args.use_bias_correction_kl,
                                                      max_completion_length=C))
        meta[f"grpo.{name}.metrics"] = json.dumps({k: m[k][0] for k in keep if k in m})
        print("grpo", name, float(loss), meta[f"grpo.{name}.metrics"])


def ppo_namespace(source):
    """The fetched module's helpers, executed from its text (the module itself does not import under TRL 1.13)."""
    tree = ast.parse(source)
    wanted = {"masked_mean", "masked_var", "masked_whiten", "truncate_response", "forward", "PolicyAndValueWrapper"}
    ns = dict(torch=torch, nn=nn, ModelOutput=ModelOutput, first_true_indices=first_true_indices,
              selective_log_softmax=selective_log_softmax)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in wanted:
            exec(ast.get_source_segment(source, node), ns)
            wanted.discard(node.name)
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "INVALID_LOGPROB":
            exec(ast.get_source_segment(source, node), ns)
    assert not wanted, wanted
    return ns


def ppo_args(**kw):
    d = dict(kl_coef=0.05, kl_estimator="k1", cliprange=0.2, cliprange_value=0.2, vf_coef=0.1, gamma=1.0, lam=0.95,
             whiten_rewards=False, missing_eos_penalty=None, temperature=0.7)
    d.update(kw)
    return SimpleNamespace(**d)


def rollout_block(source):
    train = block(source, "def train(self):", "def generate_completions(")
    return block(train, "# Response Processing 3. Filter completion.", "advantages = torch.masked_fill(advantages, padding_mask, 0)")


def run_rollout(code, ns, args, responses, postprocessed, sequence_lengths, scores, logprobs, ref_logprobs, values,
                eos, pad):
    env = dict(ns)
    env.update(args=args, responses=responses, postprocessed_responses=postprocessed,
               sequence_lengths=sequence_lengths, scores=scores.clone(), logprobs=logprobs, ref_logprobs=ref_logprobs,
               values=values, empty_cache=lambda: None,
               self=SimpleNamespace(args=args, processing_class=SimpleNamespace(eos_token_id=eos, pad_token_id=pad)))
    exec(code, env)
    return env


def ppo(golden, trl_repo, out, meta):
    source = subprocess.run(["git", "-C", trl_repo, "show", f"{PPO_COMMIT}:{PPO_FILE}"], check=True,
                            capture_output=True, text=True).stdout
    ns = ppo_namespace(source)
    code = rollout_block(source)
    R, C, EOS, PAD = 3, 6, 1, V - 1
    # part 1: the rollout math on fixed arrays; responses stop at index 2, at 4, never
    torch.manual_seed(5)
    responses = torch.randint(2, V - 1, (R, C))
    responses[0, 2] = EOS
    responses[1, 4] = EOS
    responses[0, 4] = EOS   # a second stop token: truncation keeps the first
    post = ns["truncate_response"](EOS, PAD, responses)
    seq_len = first_true_indices(post == PAD) - 1
    logprobs, ref_logprobs = -torch.rand(R, C) * 3, -torch.rand(R, C) * 3
    values, scores = torch.randn(R, C), torch.tensor([0.7, -1.2, 2.0])
    out.update({"ppo.math.responses": responses, "ppo.math.postprocessed": post, "ppo.math.sequence_lengths": seq_len,
                "ppo.math.logprobs": logprobs, "ppo.math.ref_logprobs": ref_logprobs, "ppo.math.values": values,
                "ppo.math.scores": scores})
    cases = {"k1": ppo_args(), "k3": ppo_args(kl_estimator="k3", missing_eos_penalty=1.0, whiten_rewards=True)}
    meta["ppo.math.cases"] = ",".join(cases)
    meta["ppo.eos"], meta["ppo.pad"] = str(EOS), str(PAD)
    for name, a in cases.items():
        env = run_rollout(code, ns, a, responses, post, seq_len, scores, logprobs, ref_logprobs, values, EOS, PAD)
        for k in ["scores", "kl", "non_score_reward", "rewards", "advantages", "returns", "logprobs", "ref_logprobs",
                  "values"]:
            out[f"ppo.math.{name}.{k}"] = env[k].float().clone()
        out[f"ppo.math.{name}.padding_mask"] = env["padding_mask"].long()
        out[f"ppo.math.{name}.padding_mask_p1"] = env["padding_mask_p1"].long()
        meta[f"ppo.math.{name}.config"] = json.dumps(vars(a))
        print("ppo math", name, env["advantages"][0].tolist())

    # part 2: one rollout through the models and one PPO micro-batch
    torch.manual_seed(0)
    policy = AutoModelForCausalLM.from_pretrained(os.path.join(golden, "gpt2"), dtype=torch.float32,
                                                  attn_implementation="eager")
    value_model = GPT2ForSequenceClassification.from_pretrained(os.path.join(golden, "gpt2"), num_labels=1,
                                                                pad_token_id=PAD, dtype=torch.float32,
                                                                attn_implementation="eager")
    policy.eval()
    value_model.eval()
    model = ns["PolicyAndValueWrapper"](policy, value_model)
    P = 4
    torch.manual_seed(6)
    queries = torch.randint(2, V - 1, (R, P))
    responses = torch.randint(2, V - 1, (R, C))
    responses[0, C - 1] = EOS
    responses[2, C - 1] = EOS   # row 1 never stops: missing_eos_penalty applies to it
    query_responses = torch.cat([queries, responses], 1)
    a = ppo_args(missing_eos_penalty=1.0)
    with torch.no_grad():
        output, vpred_temp = ns["forward"](model, query_responses, PAD)
        logits = output.logits[:, P - 1:-1] / (a.temperature + 1e-7)
        own = selective_log_softmax(logits, responses)
        own_values = vpred_temp[:, P - 1:-1].squeeze(-1)
    torch.manual_seed(7)
    old_logprobs = own + 0.25 * torch.randn(R, C)
    ref_logprobs = own + 0.5 * torch.randn(R, C)
    old_values = own_values + 0.3 * torch.randn(R, C)
    scores = torch.tensor([1.5, 0.2, -0.4])
    post = ns["truncate_response"](EOS, PAD, responses)
    seq_len = first_true_indices(post == PAD) - 1
    env = run_rollout(code, ns, a, responses, post, seq_len, scores, old_logprobs, ref_logprobs, old_values, EOS, PAD)
    train = block(source, "def train(self):", "def generate_completions(")
    loss_code = block(train, "output, vpred_temp = forward(model, mb_query_responses", "loss = pg_loss + args.vf_coef * vf_loss")
    stats_code = block(train, "pg_clipfrac = masked_mean(", "approxkl = 0.5 * (logprobs_diff**2).mean()")
    inds = np.arange(R)
    env.update(model=model, context_length=P, micro_batch_inds=inds, mb_advantage=env["advantages"][inds],
               mb_responses=responses[inds], mb_query_responses=query_responses[inds],
               mb_logprobs=env["logprobs"][inds], mb_return=env["returns"][inds], mb_values=env["values"][inds],
               processing_class=SimpleNamespace(pad_token_id=PAD, eos_token_id=EOS))
    exec(loss_code, env)
    env["loss"].backward()
    with torch.no_grad():
        exec(stats_code, env)
    out.update({"ppo.loss.query_responses": query_responses, "ppo.loss.old_logprobs": old_logprobs,
                "ppo.loss.ref_logprobs": ref_logprobs, "ppo.loss.old_values": old_values, "ppo.loss.scores": scores,
                "ppo.loss.score.weight": value_model.score.weight.detach().clone(),
                "ppo.loss.advantages": env["advantages"].clone(), "ppo.loss.returns": env["returns"].clone(),
                "ppo.loss.loss": env["loss"].detach().reshape(1),
                "ppo.loss.grad_policy_wte": policy.transformer.wte.weight.grad.clone(),
                "ppo.loss.grad_policy_h0_attn": policy.transformer.h[0].attn.c_attn.weight.grad.clone(),
                "ppo.loss.grad_value_score": value_model.score.weight.grad.clone(),
                "ppo.loss.grad_value_h0_attn": value_model.transformer.h[0].attn.c_attn.weight.grad.clone()})
    metrics = {"loss/policy": env["pg_loss"].item(), "loss/value": env["vf_loss"].item(),
               "policy/clipfrac": env["pg_clipfrac"].item(), "val/clipfrac": env["vf_clipfrac"].item(),
               "policy/approxkl": env["approxkl"].item(), "val/ratio": env["ratio"].mean().item()}
    meta["ppo.loss.config"] = json.dumps(vars(a))
    meta["ppo.loss.context_length"] = str(P)
    meta["ppo.loss.metrics"] = json.dumps(metrics)
    print("ppo loss", env["loss"].item(), metrics)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", required=True)
    ap.add_argument("--trl-repo", required=True, help="a clone of github.com/huggingface/trl holding " + PPO_COMMIT)
    args = ap.parse_args()
    out, meta = {}, {}
    grpo(args.golden, out, meta)
    ppo(args.golden, args.trl_repo, out, meta)
    path = os.path.join(args.golden, "rl_golden.safetensors")
    save_file({k: v.contiguous() for k, v in out.items()}, path, metadata=meta)
    print("wrote", path, sum(v.numel() * v.element_size() for v in out.values()), "bytes of tensors")


if __name__ == "__main__":
    main()
