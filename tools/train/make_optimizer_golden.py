"""Golden values for Cortado's SGD, LAMB, Lion and Adafactor and the learning-rate schedules, from the references:
torch.optim.SGD, timm.optim.Lamb and timm.optim.Lion (timm 1.0), transformers.optimization.Adafactor and
transformers' get_*_schedule* functions.

Three parameters, w [4, 5] and e [2, 3, 4] (decayed: rank >= 2) and b [5] (not decayed: the project's rule, as a
no-decay parameter group in torch), start from fixed random values; the same four random gradients are given to every
case, multiplied by the case's grad_scale (Cortado folds a global-norm clip into the update that way). Hyperparameters
are rounded to float32 first so that Java and torch start from the same numbers. The file holds the inputs and each
parameter after every step, printed with 9 significant digits (exact for float32).

timm is not in /work/venv: make a venv that sees it and add timm (tools/train/README.md), then
    /work/venvs/opt/bin/python tools/train/make_optimizer_golden.py
writes train/src/test/resources/golden/optimizers.json and schedules.json.
"""
import importlib
import importlib.metadata
import importlib.util
import json
import math
import pathlib
import sys
import types

import numpy as np
import torch
import transformers
from transformers.optimization import (Adafactor, get_constant_schedule_with_warmup, get_cosine_schedule_with_warmup,
                                       get_cosine_with_hard_restarts_schedule_with_warmup, get_inverse_sqrt_schedule,
                                       get_linear_schedule_with_warmup)


def timm_optim(module):
    """timm.optim.<module> without running timm/__init__.py, which imports torchvision (not installed here)."""
    if "timm" not in sys.modules:
        timm_optim.root = pathlib.Path(importlib.util.find_spec("timm").origin).parent
    root = timm_optim.root
    for pkg, path in (("timm", root), ("timm.optim", root / "optim")):
        if pkg not in sys.modules:
            m = types.ModuleType(pkg)
            m.__path__ = [str(path)]
            sys.modules[pkg] = m
    return importlib.import_module("timm.optim." + module)


Lamb = timm_optim("lamb").Lamb
Lion = timm_optim("lion").Lion

SHAPES = {"w": (4, 5), "b": (5,), "e": (2, 3, 4)}
DECAYED = ("w", "e")
STEPS = 4


def f32(x):
    return float(np.float32(x))


def flat(t):
    return [float(f"{v:.9g}") for v in t.detach().flatten().tolist()]


torch.manual_seed(0)
INIT = {n: torch.randn(s) for n, s in SHAPES.items()}
GRADS = [{n: torch.randn(s) * 2 for n, s in SHAPES.items()} for _ in range(STEPS)]


def run(make, wd, grad_scale=1.0, groups=None):
    """Steps a fresh optimizer from INIT through GRADS. groups: name -> (lr_scale, weight_decay or None)."""
    params = {n: torch.nn.Parameter(INIT[n].clone()) for n in SHAPES}
    groups = groups or {}
    param_groups = []
    for n in SHAPES:   # one group per parameter: its lr scale and decay
        scale, decay = groups.get(n, (1.0, None))
        if decay is None:
            decay = wd if n in DECAYED else 0.0
        param_groups.append({"params": [params[n]], "lr_scale": scale, "weight_decay": decay})
    opt = make(param_groups)
    for g in opt.param_groups:
        if g.get("lr") is not None:
            g["lr"] = g["lr"] * g["lr_scale"]
    after = []
    for grads in GRADS:
        for n, p in params.items():
            p.grad = grads[n] * np.float32(grad_scale)
        opt.step()
        after.append({n: flat(p) for n, p in params.items()})
    return after


cases = []


def case(name, optimizer, config, make, wd, grad_scale=1.0, groups=None):
    cases.append({"name": name, "optimizer": optimizer, "config": config, "weight_decay": wd,
                  "grad_scale": grad_scale, "groups": {k: [v[0], v[1]] for k, v in (groups or {}).items()},
                  "steps": run(make, wd, grad_scale, groups)})


lr = f32(0.05)
wd = f32(0.01)
for name, mom, damp, nest in (("sgd-plain", 0.0, 0.0, False), ("sgd-momentum-dampening", f32(0.9), f32(0.1), False),
                              ("sgd-nesterov", f32(0.9), 0.0, True)):
    case(name, "sgd", {"lr": lr, "momentum": mom, "dampening": damp, "nesterov": nest},
         lambda g, mom=mom, damp=damp, nest=nest: torch.optim.SGD(g, lr=lr, momentum=mom, dampening=damp,
                                                                   nesterov=nest), wd, grad_scale=f32(0.75))
case("sgd-groups", "sgd", {"lr": lr, "momentum": f32(0.9), "dampening": 0.0, "nesterov": False},
     lambda g: torch.optim.SGD(g, lr=lr, momentum=f32(0.9)), wd, groups={"w": (f32(0.5), None), "b": (2.0, f32(0.1))})

lr = f32(1e-2)
lamb_default = {"lr": lr, "beta1": 0.9, "beta2": 0.999, "eps": 1e-6, "bias_correction": True, "grad_averaging": True,
                "max_grad_norm": 1.0, "trust_clip": False, "always_adapt": False}
case("lamb-timm-defaults", "lamb", lamb_default, lambda g: Lamb(g, lr=lr), wd)
lamb_variant = dict(lamb_default, bias_correction=False, grad_averaging=False, max_grad_norm=0.0, trust_clip=True,
                    always_adapt=True)
case("lamb-no-bias-correction-trust-clip-always-adapt", "lamb", lamb_variant,
     lambda g: Lamb(g, lr=lr, bias_correction=False, grad_averaging=False, max_grad_norm=None, trust_clip=True,
                    always_adapt=True), f32(0.1), grad_scale=f32(0.5))

lr = f32(1e-3)
case("lion", "lion", {"lr": lr, "beta1": 0.9, "beta2": 0.99}, lambda g: Lion(g, lr=lr), f32(0.1))
case("lion-groups-scaled", "lion", {"lr": lr, "beta1": f32(0.95), "beta2": f32(0.98)},
     lambda g: Lion(g, lr=lr, betas=(f32(0.95), f32(0.98))), f32(0.1), grad_scale=f32(0.25),
     groups={"e": (f32(0.25), None), "b": (1.0, f32(0.5))})

ada = {"eps1": 1e-30, "eps2": 1e-3, "clip_threshold": 1.0, "decay_rate": -0.8, "beta1": None, "scale_parameter": True,
       "relative_step": True, "warmup_init": False}


def adafactor(lr=None, **kw):
    o = dict(ada, **kw)
    return lambda g: Adafactor(g, lr=lr, eps=(o["eps1"], o["eps2"]), clip_threshold=o["clip_threshold"],
                               decay_rate=o["decay_rate"], beta1=o["beta1"], scale_parameter=o["scale_parameter"],
                               relative_step=o["relative_step"], warmup_init=o["warmup_init"])


case("adafactor-transformers-defaults", "adafactor", dict(ada, lr=0.0), adafactor(), 0.0)
case("adafactor-hf-trainer", "adafactor", dict(ada, lr=f32(1e-2), scale_parameter=False, relative_step=False),
     adafactor(f32(1e-2), scale_parameter=False, relative_step=False), wd, grad_scale=f32(0.5))
case("adafactor-warmup-init-beta1", "adafactor", dict(ada, lr=0.0, warmup_init=True, beta1=f32(0.9)),
     adafactor(warmup_init=True, beta1=f32(0.9)), wd)
case("adafactor-scaled-lr-clip", "adafactor", dict(ada, lr=f32(3e-2), relative_step=False, clip_threshold=0.5,
                                                  decay_rate=f32(-0.5), beta1=f32(0.8)),
     adafactor(f32(3e-2), relative_step=False, clip_threshold=0.5, decay_rate=f32(-0.5), beta1=f32(0.8)), wd,
     groups={"w": (f32(0.5), None)})

out = pathlib.Path(__file__).resolve().parents[2] / "train/src/test/resources/golden"
out.mkdir(parents=True, exist_ok=True)
versions = {"torch": torch.__version__, "transformers": transformers.__version__,
            "timm": importlib.metadata.version("timm")}
(out / "optimizers.json").write_text(json.dumps(
    {"versions": versions, "shapes": {n: list(s) for n, s in SHAPES.items()},
     "init": {n: flat(t) for n, t in INIT.items()}, "grads": [{n: flat(t) for n, t in g.items()} for g in GRADS],
     "cases": cases}) + "\n")

# Schedules: the multiplier LambdaLR applies at each step, lr 1.0, steps 0 .. total + 2.
schedules = []


def schedule(spec, warmup, total, make):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = make(opt)
    lrs = []
    for _ in range(total + 3):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    schedules.append({"spec": spec, "warmup": warmup, "total": total, "lrs": lrs})


for w, t in ((0, 10), (3, 12), (5, 5)):
    schedule("linear", w, t, lambda o: get_linear_schedule_with_warmup(o, w, t))
    schedule("hf-cosine", w, t, lambda o: get_cosine_schedule_with_warmup(o, w, t))
    schedule("constant-with-warmup", w, t, lambda o: get_constant_schedule_with_warmup(o, w))
    schedule("inverse-sqrt", w, t, lambda o: get_inverse_sqrt_schedule(o, w))
schedule("cosine-with-restarts", 2, 14, lambda o: get_cosine_with_hard_restarts_schedule_with_warmup(o, 2, 14))
schedule("cosine-with-restarts:3", 2, 20,
         lambda o: get_cosine_with_hard_restarts_schedule_with_warmup(o, 2, 20, num_cycles=3))
schedule("cosine-with-restarts:4", 0, 17,
         lambda o: get_cosine_with_hard_restarts_schedule_with_warmup(o, 0, 17, num_cycles=4))
schedule("inverse-sqrt:7", 3, 12, lambda o: get_inverse_sqrt_schedule(o, 3, timescale=7))
(out / "schedules.json").write_text(json.dumps({"versions": versions, "schedules": schedules}, indent=0) + "\n")
print("wrote", out / "optimizers.json", "and", out / "schedules.json")
