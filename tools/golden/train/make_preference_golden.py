#!/usr/bin/env python3
"""Golden DPO losses, metrics and gradients for cortado.train.align.DpoLoss: TRL 1.13's own
DPOTrainer._compute_loss (trl/trainer/dpo_trainer.py, f_divergence reverse_kl, precomputed reference log-probs)
called on the tiny golden GPT-2 (tests/src/test/resources/golden/gpt2) with a stand-in for the trainer's state
(the fields _compute_loss reads: beta, loss type, label smoothing, an accelerator whose gather is the identity).

The batch is TRL's layout: N chosen rows then N rejected rows of prompt+completion ids, completion_mask marking the
completion tokens (right padding has mask 0). Reference log-probs are the policy's own minus a fixed offset per
sequence, so the log-ratios are not zero.

    /work/venvs/prefs/bin/python tools/golden/train/make_preference_golden.py --golden tests/src/test/resources/golden

(/work/venvs/prefs = a venv seeing /work/venv plus `pip install --no-deps trl==1.13.0`.)
Writes GOLDEN/preference_golden.safetensors: input_ids, completion_mask, ref_logps, and per loss type
<type>.loss, <type>.grad_wte (d loss / d transformer.wte.weight), <type>.grad_h0_attn (d loss / d
transformer.h.0.attn.c_attn.weight); the metadata holds beta, label_smoothing, <type>.beta and <type>.metrics (TRL's
rewards/chosen, rewards/rejected, rewards/accuracies, rewards/margins, logps/chosen, logps/rejected as JSON).

The reference-free losses of trl.experimental (free_types: orpo from ORPOTrainer, cpo and simpo from CPOTrainer)
are TRL's get_batch_loss_metrics on the same rows in those trainers' batch layout (chosen_/rejected_ input_ids,
attention_mask over prompt + completion, labels -100 outside the completion), on a trainer object holding only
the fields those methods read; <type>.config holds their settings, <type>.metrics their logged metrics but the
logits/ means.

KTO (kto.*): KTOTrainer._compute_loss on the same rows taken as unpaired completions with kto.label (desirable or
not), reference log-probs ref_logps, the KL rows kto.KL_input_ids / kto.KL_completion_mask (row i's prompt with
row i+1's completion) and their reference log-probs kto.ref_KL_logps; kto.config holds beta and the two weights,
kto.metrics kl, rewards/chosen, logps/chosen, rewards/rejected, logps/rejected, rewards/margins.
"""
import argparse
import json
import os
from collections import defaultdict
from types import SimpleNamespace

import torch
import trl
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM
from trl import DPOTrainer, KTOTrainer
from trl.experimental.cpo import CPOTrainer
from trl.experimental.orpo import ORPOTrainer

assert trl.__version__ == "1.13.0", trl.__version__
N, T, V = 2, 12, 96
BETA, SMOOTHING = 0.3, 0.2
TYPES = ["sigmoid", "ipo", "robust", "hinge"]
# hinge at beta 1 puts the first pair past the hinge (zero loss and gradient) and keeps the second on it
BETAS = {"hinge": 1.0}
# the reference-free losses of trl.experimental: ORPO (ORPOTrainer), CPO and SimPO (CPOTrainer's loss types)
FREE = {"orpo": dict(beta=0.3), "cpo": dict(beta=0.3, loss_type="sigmoid", cpo_alpha=1.0, label_smoothing=SMOOTHING),
        "simpo": dict(beta=2.0, loss_type="simpo", cpo_alpha=0.0, simpo_gamma=0.5, label_smoothing=0.0)}


class Accel:
    device = torch.device("cpu")

    def gather(self, x):
        return x

    gather_for_metrics = gather

    def unwrap_model(self, m):
        return m


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(os.path.join(args.golden, "gpt2"), dtype=torch.float32,
                                                 attn_implementation="eager")
    model.eval()
    ids = torch.randint(0, V, (2 * N, T))
    mask = torch.zeros(2 * N, T, dtype=torch.long)
    # (prompt length, completion length) per row: chosen rows 0..N-1, rejected N..2N-1; the rest is padding
    for r, (p, c) in enumerate([(4, 6), (3, 9), (4, 5), (3, 7)]):
        mask[r, p:p + c] = 1
        ids[r, p + c:] = 0
    attn = torch.ones_like(ids)
    ref = torch.tensor([-0.7, 1.1, 0.4, -1.3])
    with torch.no_grad():
        logits = model(input_ids=ids).logits[:, :-1]
        lp = torch.log_softmax(logits, -1).gather(-1, ids[:, 1:, None])[..., 0]
        ref_logps = (lp * mask[:, 1:]).sum(1) + ref
    out = {"input_ids": ids.to(torch.int64), "completion_mask": mask.to(torch.int64), "ref_logps": ref_logps}
    meta = {"beta": str(BETA), "label_smoothing": str(SMOOTHING), "N": str(N), "T": str(T), "types": ",".join(TYPES)}
    for t in TYPES:
        model.zero_grad()
        state = SimpleNamespace(model=model, accelerator=Accel(), aux_loss_enabled=False, ld_alpha=None,
                                precompute_ref_logps=True, f_divergence_type="reverse_kl", loss_types=[t],
                                loss_weights=[1.0], beta=BETAS.get(t, BETA), label_smoothing=SMOOTHING, use_weighting=False,
                                _metrics={"train": defaultdict(list), "eval": defaultdict(list)},
                                _total_train_tokens=0, _tp_size=1)
        inputs = {"input_ids": ids, "attention_mask": attn, "completion_mask": mask,
                  "ref_chosen_logps": ref_logps[:N], "ref_rejected_logps": ref_logps[N:]}
        loss = DPOTrainer._compute_loss(state, model, inputs, return_outputs=False)
        loss.backward()
        out[f"{t}.loss"] = loss.detach().reshape(1)
        out[f"{t}.grad_wte"] = model.transformer.wte.weight.grad.clone()
        out[f"{t}.grad_h0_attn"] = model.transformer.h[0].attn.c_attn.weight.grad.clone()
        m = state._metrics["eval"]
        keys = ["rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen",
                "logps/rejected"]
        meta[f"{t}.metrics"] = json.dumps({k: m[k][0] for k in keys})
        meta[f"{t}.beta"] = str(BETAS.get(t, BETA))
        print(t, float(loss), meta[f"{t}.metrics"])
    # ORPO/CPO batches: TRL's chosen_/rejected_ input_ids, attention_mask (prompt + completion) and labels (-100
    # outside the completion)
    lengths = mask.argmax(1) + mask.sum(1)   # prompt + completion tokens per row
    attend = (torch.arange(T)[None, :] < lengths[:, None]).long()
    labels = torch.where(mask == 1, ids, torch.full_like(ids, -100))
    batch = {}
    for side, rows in (("chosen", slice(0, N)), ("rejected", slice(N, 2 * N))):
        batch[f"{side}_input_ids"] = ids[rows]
        batch[f"{side}_attention_mask"] = attend[rows]
        batch[f"{side}_labels"] = labels[rows]
    meta["free_types"] = ",".join(FREE)
    for t, cfg in FREE.items():
        model.zero_grad()
        cls = ORPOTrainer if t == "orpo" else CPOTrainer
        trainer = object.__new__(cls)
        for k, v in dict(is_encoder_decoder=False, padding_value=0, pad_token_id=0, label_pad_token_id=-100, accelerator=Accel(),
                         aux_loss_enabled=False, alpha=0.0, **cfg).items():
            setattr(trainer, k, v)
        loss, metrics = trainer.get_batch_loss_metrics(model, batch, train_eval="train")
        loss.backward()
        out[f"{t}.loss"] = loss.detach().reshape(1)
        out[f"{t}.grad_wte"] = model.transformer.wte.weight.grad.clone()
        out[f"{t}.grad_h0_attn"] = model.transformer.h[0].attn.c_attn.weight.grad.clone()
        meta[f"{t}.config"] = json.dumps(cfg)
        meta[f"{t}.metrics"] = json.dumps({k: v for k, v in metrics.items() if not k.startswith("logits/")})
        print(t, float(loss), meta[f"{t}.metrics"])
    # KTO (KTOTrainer._compute_loss, precomputed reference log-probs, calculate_KL): unpaired rows with a desirable
    # label each; the KL rows pair row i's prompt with row i+1's completion (TRL's cycling), and the reference's KL
    # log-probs are the policy's plus offsets, so the batch KL estimate is positive (not clamped)
    starts = [4, 3, 4, 3]
    kl_ids = torch.zeros_like(ids)
    kl_mask = torch.zeros_like(mask)
    for r in range(2 * N):
        o = (r + 1) % (2 * N)
        comp = ids[o, starts[o]:starts[o] + int(mask[o].sum())]
        row = torch.cat([ids[r, :starts[r]], comp])[:T]
        kl_ids[r, :len(row)] = row
        kl_mask[r, starts[r]:len(row)] = 1
    kl_attn = (torch.arange(T)[None, :] < (kl_mask.argmax(1) + kl_mask.sum(1))[:, None]).long()
    label = torch.tensor([True, True, False, True])
    with torch.no_grad():
        kl_logits = model(input_ids=kl_ids).logits[:, :-1]
        kl_lp = torch.log_softmax(kl_logits, -1).gather(-1, kl_ids[:, 1:, None])[..., 0]
        ref_kl = (kl_lp * kl_mask[:, 1:]).sum(1) + torch.tensor([-0.5, 0.2, -0.9, 0.1])
    kto = dict(beta=BETA, desirable_weight=1.0, undesirable_weight=1.33)
    model.zero_grad()
    state = object.__new__(KTOTrainer)   # _compute_loss calls the trainer's own _compute_kl_logps
    for k, v in dict(model=model, accelerator=Accel(), calculate_KL=True, use_liger_kernel=False,
                     aux_loss_enabled=False, precompute_ref_logps=True, loss_type="kto",
                     _metrics={"train": defaultdict(list), "eval": defaultdict(list)}, _total_train_tokens=0,
                     _tp_size=1, **kto).items():
        setattr(state, k, v)
    inputs = {"input_ids": ids, "attention_mask": attend, "completion_mask": mask, "label": label,
              "KL_input_ids": kl_ids, "KL_attention_mask": kl_attn, "KL_completion_mask": kl_mask,
              "ref_logps": ref_logps, "ref_KL_logps": ref_kl}
    loss = KTOTrainer._compute_loss(state, model, inputs, return_outputs=False)
    loss.backward()
    out.update({"kto.label": label.to(torch.int64), "kto.KL_input_ids": kl_ids, "kto.KL_completion_mask": kl_mask,
                "kto.ref_KL_logps": ref_kl, "kto.loss": loss.detach().reshape(1),
                "kto.grad_wte": model.transformer.wte.weight.grad.clone(),
                "kto.grad_h0_attn": model.transformer.h[0].attn.c_attn.weight.grad.clone()})
    m = state._metrics["eval"]
    meta["kto.config"] = json.dumps(kto)
    meta["kto.metrics"] = json.dumps({k: m[k][0] for k in ("kl", "rewards/chosen", "logps/chosen", "rewards/rejected",
                                                           "logps/rejected", "rewards/margins")})
    print("kto", float(loss), meta["kto.metrics"])
    path = os.path.join(args.golden, "preference_golden.safetensors")
    save_file({k: v.contiguous() for k, v in out.items()}, path, metadata=meta)
    print("wrote", path)


if __name__ == "__main__":
    main()
