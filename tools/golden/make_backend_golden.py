#!/usr/bin/env python3
"""Reference results, computed by PyTorch, for the backend conformance suite (tensor/src/test/.../BackendConformance).

Every input is derived from a seed by a 64-bit LCG that the Java suite reproduces bit for bit (value = k / 2^23 - 1
for the top 24 bits k of the state, times a scale, plus a shift: exactly representable in float32), so the file stores
only each input's shape and seed. Integer arguments (ids, targets, positions, masks, packed codes) and explicit
float arguments (rope tables, quantization books) are stored as attribute arrays. Each output is stored whole when it
has at most FULL elements; larger ones keep every k-th element plus the double sum and sum of absolute values of all.
A NaN in an output marks an element the Backend contract leaves unspecified (an ignored row's log-sum-exp).

Run (CI has no torch, so the output is committed):
    /work/venv/bin/python tools/golden/make_backend_golden.py --out tensor/src/test/resources/golden/backend_conformance.bin
"""
import argparse
import math
import struct

import torch
import torch.nn.functional as Fn

FULL = 2048
SAMPLES = 512
MASK64 = (1 << 64) - 1


def lcg(seed, n):
    """n float32 values in [-1, 1): state = state * 6364136223846793005 + 1442695040888963407 (mod 2^64)."""
    s = (seed * 0x9E3779B97F4A7C15 + 1) & MASK64
    out = []
    for _ in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) & MASK64
        out.append((s >> 40) / float(1 << 23) - 1.0)
    return out


class Case:
    def __init__(self, name, op, **attrs):
        self.name, self.op, self.attrs, self.inputs, self.outputs = name, op, {}, [], []
        for k, v in attrs.items():
            self.attr(k, v)

    def attr(self, key, value):
        if isinstance(value, (bool, int, float)):
            value = [float(value)]
        self.attrs[key] = [float(x) for x in value]

    def input(self, shape, seed, scale=1.0, shift=0.0, view=0, grad=False):
        """A seed-derived input; view 0 contiguous, 1 stored transposed (last two dims), 2 strided with an offset."""
        n = math.prod(shape)
        t = (torch.tensor(lcg(seed, n), dtype=torch.float32) * scale + shift).reshape(shape) if n else torch.zeros(shape)
        self.inputs.append((list(shape), seed, scale, shift, view))
        return t.clone().requires_grad_(grad)

    def out(self, t):
        if isinstance(t, (float, int)):
            t = torch.tensor([float(t)], dtype=torch.float64)
        self.outputs.append(t.detach().reshape(-1).to(torch.float64))


def rows_cases(cases):
    for (name, shape) in [("one", [1]), ("odd", [3, 11]), ("vec_plus_tail", [37]), ("long", [40_000]), ("empty", [0])]:
        for fn, ref, scale, shift in [("exp", torch.exp, 3.0, 0.0), ("log", torch.log, 1.0, 1.5),
                                      ("tanh", torch.tanh, 3.0, 0.0), ("sigmoid", torch.sigmoid, 3.0, 0.0)]:
            c = Case(f"{fn}_{name}", fn)
            x = c.input(shape, 11, scale, shift, view=2 if name == "odd" else 0)
            c.out(ref(x))
            cases.append(c)


def elementwise(cases):
    for op, ref in [("add", torch.add), ("sub", torch.sub), ("mul", torch.mul), ("div", torch.div)]:
        for i, (sa, sb, va, vb) in enumerate([([4, 5], [4, 5], 0, 1), ([4, 5], [5], 2, 0), ([3, 1, 5], [4, 1], 0, 0),
                                             ([2, 3], [2, 1], 1, 2), ([], [3], 0, 0), ([1000, 37], [37], 0, 0),
                                             ([2, 40_000], [2, 40_000], 0, 0), ([0, 3], [3], 0, 0)]):
            c = Case(f"{op}_{i}_{sa}_{sb}", op)
            a = c.input(sa, 100 + i, 2.0, 0.0, va)
            b = c.input(sb, 200 + i, 1.0, 2.5 if op == "div" else 0.0, vb)
            c.out(ref(a, b))
            cases.append(c)
    for shape, view in [([7, 9], 1), ([40_000], 0)]:
        c = Case(f"scale_{shape}", "scale", s=-1.75)
        c.out(c.input(shape, 5, view=view) * -1.75)
        cases.append(c)
        c = Case(f"addScalar_{shape}", "addScalar", s=0.625)
        c.out(c.input(shape, 6, view=view) + 0.625)
        cases.append(c)
        c = Case(f"axpyInPlace_{shape}", "axpyInPlace", alpha=0.3)
        d, s = c.input(shape, 7, view=view), c.input(shape, 8, view=2)
        c.out(d + 0.3 * s)
        cases.append(c)
        c = Case(f"scaleInPlace_{shape}", "scaleInPlace", s=3.0)
        c.out(c.input(shape, 9, view=view) * 3.0)
        cases.append(c)
        c = Case(f"fillInPlace_{shape}", "fillInPlace", value=-2.25)
        c.out(torch.full(c.input(shape, 10, view=view).shape, -2.25))
        cases.append(c)
    for shape in [[3, 5], [2, 3, 37], [1200, 33]]:
        c = Case(f"addRowsInPlace_{shape}", "addRowsInPlace")
        x, r = c.input(shape, 12), c.input([shape[-1]], 13, view=2)
        c.out(x + r)
        cases.append(c)


def reductions(cases):
    for shape, view in [([1], 0), ([3, 5], 1), ([4, 6, 7], 2), ([300, 301], 0)]:
        for dim in range(len(shape)):
            for keep in (False, True):
                c = Case(f"sum_{shape}_{dim}_{keep}", "sum", dim=dim, keep=keep)
                c.out(c.input(shape, 20 + dim, view=view).sum(dim, keepdim=keep))
                cases.append(c)
                c = Case(f"max_{shape}_{dim}_{keep}", "max", dim=dim, keep=keep)
                c.out(c.input(shape, 30 + dim, view=view).amax(dim, keepdim=keep))
                cases.append(c)
        c = Case(f"sumAll_{shape}", "sumAll")
        c.out(c.input(shape, 40, view=view).double().sum().item())
        cases.append(c)
        c = Case(f"sumOfSquares_{shape}", "sumOfSquares")
        c.out((c.input(shape, 41, view=view).double() ** 2).sum().item())
        cases.append(c)
    for src, dst in [([4, 5], [5]), ([4, 5], [4, 1]), ([2, 3, 4], [3, 1]), ([2, 3], [2, 3]), ([6, 70_000], [1, 70_000])]:
        c = Case(f"sumToShape_{src}_{dst}", "sumToShape", shape=dst)
        a = c.input(src, 50)
        lead = len(src) - len(dst)
        r = a.sum(dim=tuple(range(lead))) if lead else a
        dims = tuple(i for i, d in enumerate(dst) if d == 1 and r.shape[i] != 1)
        c.out(r.sum(dim=dims, keepdim=True) if dims else r)
        cases.append(c)


def activations(cases):
    acts = [("gelu", lambda x: Fn.gelu(x, approximate="tanh")), ("geluErf", Fn.gelu), ("silu", Fn.silu)]
    for shape, view in [([5], 0), ([3, 37], 2), ([50_000], 0)]:
        for name, f in acts:
            c = Case(f"{name}_{shape}", name)
            x = c.input(shape, 60, 4.0, view=view)
            c.out(f(x))
            cases.append(c)
            c = Case(f"{name}Backward_{shape}", name + "Backward")
            dy, x = c.input(shape, 61, view=view), c.input(shape, 62, 4.0, grad=True)
            (g,) = torch.autograd.grad(f(x), x, dy)
            c.out(g)
            cases.append(c)
        for name, f in [("softmax", lambda x: torch.softmax(x, -1)), ("logSoftmax", lambda x: torch.log_softmax(x, -1))]:
            c = Case(f"{name}_{shape}", name)
            c.out(f(c.input(shape, 63, 5.0, view=view)))
            cases.append(c)
            c = Case(f"{name}Backward_{shape}", name + "Backward")
            dy, x = c.input(shape, 64), c.input(shape, 65, 5.0, grad=True)
            y = f(x)
            (g,) = torch.autograd.grad(y, x, dy)
            c.attr("y_from_input", 1)
            c.out(y)     # y is given to the backend as an explicit input (see the Java driver)
            c.out(g)
            cases.append(c)
    for shape, bias in [([4, 9], True), ([2, 3, 33], False), ([600, 96], True)]:
        c = Case(f"biasGelu_{shape}_{bias}", "biasGelu", bias=bias)
        z = c.input(shape, 66, 3.0, grad=True)
        b = c.input([shape[-1]], 67, grad=True) if bias else None
        y = Fn.gelu(z + b if bias else z, approximate="tanh")
        c.out(y)
        dy = c.input(shape, 68)
        gz, *gb = torch.autograd.grad(y, [z] + ([b] if bias else []), dy)
        c.out(gz)
        if bias:
            c.out(gb[0])
        cases.append(c)


def norms(cases):
    for shape, bias in [([1, 1], True), ([3, 7], True), ([2, 3, 37], False), ([130, 768], True)]:
        C = shape[-1]
        c = Case(f"layerNorm_{shape}_{bias}", "layerNorm", eps=1e-5, bias=bias)
        x = c.input(shape, 70, 2.0, 0.5, view=2, grad=True)
        w = c.input([C], 71, 0.5, 1.0, grad=True)
        b = c.input([C], 72, grad=True) if bias else None
        y = Fn.layer_norm(x, [C], w, b, 1e-5)
        xd = x.detach().double()
        mean = xd.mean(-1)
        rstd = 1 / torch.sqrt(xd.var(-1, unbiased=False) + 1e-5)
        dy = c.input(shape, 73)
        grads = torch.autograd.grad(y, [x, w] + ([b] if bias else []), dy)
        for t in (y, mean, rstd) + tuple(grads):
            c.out(t)
        cases.append(c)
        c = Case(f"rmsNorm_{shape}", "rmsNorm", eps=1e-6)
        x = c.input(shape, 74, 2.0, view=2, grad=True)
        w = c.input([C], 75, 0.5, 1.0, grad=True)
        xd = x.double()
        rstd = torch.rsqrt(xd.pow(2).mean(-1, keepdim=True) + 1e-6)
        y = (xd * rstd).float() * w     # transformers' LlamaRMSNorm (float32 input)
        dy = c.input(shape, 76)
        gx, gw = torch.autograd.grad(y, [x, w], dy)
        for t in (y, rstd, gx, gw):
            c.out(t)
        cases.append(c)


def embeddings(cases):
    for V, C, ids in [(5, 3, [0, 4, 4, 2]), (50, 37, [49, 0, 7, 7, 7, 13, 1]), (1000, 64, [i * 37 % 1000 for i in range(300)])]:
        c = Case(f"embedding_{V}x{C}", "embedding", ids=ids)
        w = c.input([V, C], 80, view=2)
        c.out(w[torch.tensor(ids)])
        dy = c.input([len(ids), C], 81)
        dw = torch.zeros(V, C).index_add_(0, torch.tensor(ids), dy)
        c.out(dw)
        base = c.input([V, C], 82)
        c.out(base + dw)    # embeddingBackwardInto adds into an existing gradient
        cases.append(c)


def rope(cases):
    for B, H, T, D, positions in [(1, 1, 1, 2, [0]), (2, 3, 5, 8, [0, 1, 2, 3, 4, 7, 3, 9, 0, 1]),
                                  (1, 4, 40, 64, list(range(5, 45)))]:
        P = max(positions) + 1
        inv = 1.0 / (10000 ** (torch.arange(0, D, 2, dtype=torch.float32) / D))
        ang = torch.arange(P, dtype=torch.float32)[:, None] * inv[None, :]
        cos, sin = torch.cos(ang), torch.sin(ang)
        for inverse in (False, True):
            c = Case(f"rope_{B}x{H}x{T}x{D}_{inverse}", "rope", positions=positions, inverse=inverse,
                     cos=cos.reshape(-1).tolist(), sin=sin.reshape(-1).tolist(), P=P)
            x = c.input([B, H, T, D], 90, view=2 if T == 5 else 0)
            pos = torch.tensor(positions).reshape(B, T)
            cb = torch.cat([cos, cos], -1)[pos][:, None]     # [B, 1, T, D]: HF's apply_rotary_pos_emb
            sb = torch.cat([sin, sin], -1)[pos][:, None] * (-1 if inverse else 1)
            half = D // 2
            rot = torch.cat([-x[..., half:], x[..., :half]], -1)
            c.out(x * cb + rot * sb)
            cases.append(c)


def attention(cases):
    specs = [
        ("causal", 1, 2, 2, 5, 5, 8, dict(causal=1)),
        ("causal_kvcache_gqa", 2, 4, 2, 3, 7, 8, dict(causal=1)),
        ("bidirectional", 2, 2, 1, 6, 4, 5, dict(causal=0)),
        ("key_padding", 2, 2, 2, 4, 6, 8, dict(causal=0, keyValid=[0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0])),
        ("causal_left_padding", 2, 2, 2, 5, 5, 8, dict(causal=1, keyValid=[0, 0, 1, 1, 1, 1, 1, 1, 1, 1])),
        ("row_offsets", 2, 2, 1, 3, 8, 4, dict(causal=1, queryOffsets=[0, 5])),
        ("sliding_window", 1, 2, 2, 9, 9, 8, dict(causal=1, window=3)),
        ("window_offsets_padding", 2, 2, 2, 4, 10, 8, dict(causal=1, window=4, queryOffsets=[2, 6],
                                                         keyValid=[1] * 10 + [0, 0, 0] + [1] * 7)),
        ("long_tiles", 1, 2, 1, 70, 70, 16, dict(causal=1)),
    ]
    for name, B, H, Hkv, T, S, D, m in specs:
        c = Case(f"attention_{name}", "attention", B=B, H=H, Hkv=Hkv, T=T, S=S, D=D, **m)
        scale = 1 / math.sqrt(D)
        c.attr("scale", scale)
        q = c.input([B, H, T, D], 100, view=2 if name == "causal" else 0, grad=True)
        k = c.input([B, Hkv, S, D], 101, grad=True)
        v = c.input([B, Hkv, S, D], 102, grad=True)
        rep = H // Hkv
        kk, vv = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        scores = (q.double() @ kk.double().transpose(-1, -2)) * scale
        j = torch.arange(S)[None, None, :]
        offs = torch.tensor(m.get("queryOffsets", [S - T] * B))[:, None, None]
        p = offs + torch.arange(T)[None, :, None]                 # [B, T, 1]
        visible = torch.ones(B, T, S, dtype=torch.bool)
        if m["causal"]:
            visible &= j <= p
        if m.get("window", 0):
            visible &= j > p - m["window"]
        if "keyValid" in m:
            visible &= torch.tensor(m["keyValid"], dtype=torch.bool).reshape(B, 1, S)
        vis = visible[:, None]                                      # [B, 1, T, S]
        scores = scores.masked_fill(~vis, float("-inf"))
        lse = torch.logsumexp(scores, -1)
        probs = torch.where(vis, torch.exp(scores - lse[..., None].clamp(min=-1e30)), torch.zeros(()))
        out = (probs @ vv.double()).float()
        dout = c.input([B, H, T, D], 103)
        dq, dk, dv = torch.autograd.grad(out, [q, k, v], dout)
        for t in (out, lse, dq, dk, dv):
            c.out(t)
        cases.append(c)


def cross_entropy(cases):
    for N, V, targets, ignore, gs in [(1, 1, [0], -100, 1.0), (4, 7, [0, 6, -100, 3], -100, 1.0),
                                      (6, 33, [1, 2, 3, 0, 0, 32], 0, 0.5), (64, 1000, [i * 7 % 1000 for i in range(64)], -100, 2.0),
                                      (3, 5, [-100, -100, -100], -100, 1.0)]:
        c = Case(f"crossEntropy_{N}x{V}_{ignore}", "crossEntropy", targets=targets, ignore=ignore, gradScale=gs)
        x = c.input([N, V], 110, 4.0, view=2 if V == 7 else 0, grad=True)
        t = torch.tensor(targets)
        counted = int((t != ignore).sum())
        loss = Fn.cross_entropy(x, t, ignore_index=ignore, reduction="sum") / max(counted, 1)
        # An ignored row's log-sum-exp is unspecified (backward never reads it): NaN tells the suite to skip it.
        lse = torch.logsumexp(x.detach().double(), -1).masked_fill(t == ignore, float("nan"))
        (g,) = torch.autograd.grad(loss * gs, x)
        c.out(loss.item() if counted else 0.0)
        c.out(counted)
        c.out(lse)
        c.out(g)
        cases.append(c)


NF4 = [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
       -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
       0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0]


def quantized(cases):
    for rows, cols, bs, lead in [(3, 8, 4, [2]), (70, 64, 64, [3, 5]), (1, 2, 2, [1])]:
        n = rows * cols
        nib = [(i * 7 + 3) % 16 for i in range(n)]
        packed = [(nib[2 * i] << 4) | nib[2 * i + 1] for i in range(n // 2)]
        absmax = [0.5 + (b % 5) * 0.25 for b in range(n // bs)]
        w = torch.tensor([NF4[nib[f]] * absmax[f // bs] for f in range(n)], dtype=torch.float32).reshape(rows, cols)
        c = Case(f"quantized4bit_{rows}x{cols}", "quantized4bit", packed=packed, absmax=absmax, code=NF4, blocksize=bs,
                 rows=rows, cols=cols)
        x = c.input(lead + [cols], 120)
        dy = c.input(lead + [rows], 121)
        c.out(x.double() @ w.double().T)
        c.out(dy.double() @ w.double())
        cases.append(c)
        group = cols if rows != 70 else 16
        codes = [((f * 37) % 255) - 127 for f in range(n)]
        scale = [0.01 + 0.002 * g for g in range(n // group)]
        w8 = torch.tensor([codes[f] * scale[f // group] for f in range(n)], dtype=torch.float32).reshape(rows, cols)
        c = Case(f"quantizedInt8_{rows}x{cols}", "quantizedInt8", codes=codes, qscale=scale, group=group, rows=rows,
                 cols=cols)
        x = c.input(lead + [cols], 122)
        dy = c.input(lead + [rows], 123)
        c.out(x.double() @ w8.double().T)
        c.out(dy.double() @ w8.double())
        cases.append(c)


def matmuls(cases):
    specs = [([5, 7], [7, 3]), ([1, 1], [1, 1]), ([2, 3, 4], [4, 5]), ([3, 4], [2, 4, 5]), ([2, 3, 4], [2, 4, 6]),
             ([70, 300], [300, 65]), ([3, 0], [0, 4]), ([0, 5], [5, 2])]
    for i, (sa, sb) in enumerate(specs):
        for ta in (False, True):
            for tb in (False, True):
                c = Case(f"matmul_{i}_{sa}x{sb}_{int(ta)}{int(tb)}", "matmul", transA=ta, transB=tb)
                a_shape = sa[:-2] + [sa[-1], sa[-2]] if ta else sa
                b_shape = sb[:-2] + [sb[-1], sb[-2]] if tb else sb
                a = c.input(a_shape, 130 + i, view=1 if i == 0 else 0)
                b = c.input(b_shape, 140 + i, view=2 if i == 0 else 0)
                A = a.transpose(-1, -2) if ta else a
                B = b.transpose(-1, -2) if tb else b
                c.out(A.double() @ B.double())
                cases.append(c)
    for (M, K, N), acc in [((4, 6, 5), True), ((4, 6, 5), False), ((65, 130, 40), True)]:
        c = Case(f"matmulInto_{M}x{K}x{N}_{acc}", "matmulInto", accumulate=acc)
        out = c.input([M, N], 150, view=2)
        a = c.input([K, M], 151)     # transA
        b = c.input([K, N], 152)
        c.out((out.double() if acc else 0) + a.double().T @ b.double())
        cases.append(c)


def adamw(cases):
    for shape in [[3], [37, 5]]:
        p0 = torch.tensor(lcg(160, math.prod(shape)), dtype=torch.float32).reshape(shape)
        p = p0.clone().requires_grad_(True)
        opt = torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
        grads = [torch.tensor(lcg(161 + s, p.numel()), dtype=torch.float32).reshape(shape) for s in range(3)]
        for s in range(2):
            p.grad = grads[s].clone()
            opt.step()
        st = opt.state[p]
        c = Case(f"adamw_{shape}", "adamw", lr=1e-2, beta1=0.9, beta2=0.95, eps=1e-8, wd=0.1, step=3, gradScale=0.5,
                 param=p.detach().reshape(-1).tolist(), m=st["exp_avg"].reshape(-1).tolist(),
                 v=st["exp_avg_sq"].reshape(-1).tolist())
        c.input(shape, 161 + 2, scale=2.0)   # the third gradient, read as grad * 0.5 (a clip folded in)
        p.grad = grads[2].clone()
        opt.step()
        c.out(p.detach())
        c.out(st["exp_avg"])
        c.out(st["exp_avg_sq"])
        cases.append(c)


def write(cases, path):
    def s(x):
        b = x.encode()
        return struct.pack("<H", len(b)) + b

    buf = [b"CORTADO-CONFORMANCE-1\n", struct.pack("<I", len(cases))]
    for c in cases:
        buf += [s(c.name), s(c.op), struct.pack("<I", len(c.attrs))]
        for k, v in c.attrs.items():
            buf += [s(k), struct.pack("<I", len(v)), struct.pack(f"<{len(v)}d", *v)]
        buf.append(struct.pack("<I", len(c.inputs)))
        for shape, seed, scale, shift, view in c.inputs:
            buf += [struct.pack("<I", len(shape)), struct.pack(f"<{len(shape)}i", *shape),
                    struct.pack("<qffi", seed, scale, shift, view)]
        buf.append(struct.pack("<I", len(c.outputs)))
        for t in c.outputs:
            n = t.numel()
            step = 1 if n <= FULL else -(-n // SAMPLES)
            vals = t[::step].float().tolist()
            buf += [struct.pack("<qi", n, step), struct.pack("<dd", t.sum().item() if n else 0.0,
                                                            t.abs().sum().item() if n else 0.0),
                    struct.pack("<I", len(vals)), struct.pack(f"<{len(vals)}f", *vals)]
    with open(path, "wb") as f:
        f.write(b"".join(buf))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    cases = []
    for gen in (rows_cases, elementwise, reductions, activations, norms, embeddings, rope, attention, cross_entropy,
                quantized, matmuls, adamw):
        gen(cases)
    write(cases, ap.parse_args().out)
    print(len(cases), "cases")


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
