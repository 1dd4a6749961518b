#!/usr/bin/env python3
"""The CUDA kernels' arithmetic checked on the host, without a GPU: the grid-stride kernels of
gpu-ffm/src/main/resources/cortado/gpu/kernels (elementwise, reduce_axis, the optimizers, RoPE, dequantize,
cross-entropy backward, embedding backward) are compiled as C++ with g++ and a shim that runs each as one thread
(blockIdx 0, blockDim 1, gridDim 1: every grid-stride loop then covers all elements), called through ctypes and
compared with PyTorch (torch.nn.functional, torch.optim) or the formula they implement, within atol 1e-6 + rtol 1e-5
(1e-4 for backward activations). This checks formulas and indexing, not the GPU's parallel code (block reductions,
shared memory, warp shuffles: softmax, norms, cross-entropy forward, whole sums and attention need a device; the
conformance suite covers them there). Needs g++, numpy and torch. Exits 1 on any failure.

usage: python3 tools/gpu/kernels_on_host.py
"""
import ctypes as C
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

KERNELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "gpu-ffm", "src", "main", "resources",
                       "cortado", "gpu", "kernels")
SHIM = r"""
#include <cmath>
#include <cstring>
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
struct Dim3 { unsigned x, y, z; };
static Dim3 blockIdx = {0, 0, 0}, threadIdx = {0, 0, 0}, blockDim = {1, 1, 1}, gridDim = {1, 1, 1};
static inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
static inline float __uint_as_float(unsigned int i) { float f; memcpy(&f, &i, 4); return f; }
template <class T> static inline T __shfl_down_sync(unsigned, T v, int) { return v; }
static inline void __syncthreads() {}
#include <math.h>
"""
FILES = ["elementwise", "reduce", "optimizers", "rope", "dequantize", "cross_entropy", "embedding"]
BUILD = tempfile.mkdtemp(prefix="cortado-kernels-on-host-")
with open(os.path.join(BUILD, "shim.h"), "w") as f:
    f.write(SHIM)
LIBS = {}
for name in FILES:
    src = os.path.join(BUILD, name + ".cpp")
    with open(src, "w") as f:
        f.write('#include "shim.h"\n' + open(os.path.join(KERNELS, name + ".cu")).read())
    lib = os.path.join(BUILD, "lib" + name + ".so")
    subprocess.run(["g++", "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-I", KERNELS, "-I", BUILD, "-o", lib, src],
                   check=True)
    LIBS[name] = C.CDLL(lib)
FAILED = []
torch.manual_seed(0)
np.random.seed(0)
P = C.c_void_p
def ptr(a): return a.ctypes.data_as(P) if a is not None else None
class Geo(C.Structure):
    _fields_ = [("shape", C.c_longlong*8), ("out", C.c_longlong*8), ("a", C.c_longlong*8), ("b", C.c_longlong*8), ("rank", C.c_int)]
def geo(shape, so, sa, sb):
    g = Geo(); g.rank = len(shape)
    for i in range(len(shape)):
        g.shape[i]=shape[i]; g.out[i]=so[i]; g.a[i]=sa[i]; g.b[i]=sb[i]
    return g
E = LIBS['elementwise']
E.elementwise.argtypes = [C.c_int, C.c_longlong, Geo, P, P, P, C.c_float, C.c_float]
ops = "COPY FILL ADD SUB MUL DIV AFFINE AXPY EXP LOG TANH SIGMOID GELU GELU_BACKWARD GELU_ERF GELU_ERF_BACKWARD SILU SILU_BACKWARD".split()
def ew(op, a, b=None, p0=0., p1=0., out_shape=None):
    shape = out_shape or a.shape
    out = np.zeros(shape, np.float32)
    so = [s//4 for s in out.strides]
    def rs(t):
        if t is None: return [0]*len(shape)
        lead = len(shape)-t.ndim; st=[0]*len(shape)
        for i in range(t.ndim): st[lead+i] = 0 if t.shape[i]==1 else t.strides[i]//4
        return st
    E.elementwise(ops.index(op), out.size, geo(shape, so, rs(a), rs(b)), ptr(out), ptr(a), ptr(b), p0, p1)
    return out
def cmp(name, got, want, tol=1e-5):
    want = want.detach().numpy() if torch.is_tensor(want) else want
    excess = np.max(np.abs(got - want) - (1e-6 + tol * np.abs(want)))
    ok = excess <= 0
    if not ok:
        FAILED.append(name)
    print(f"{name:30s} max |err| {np.max(np.abs(got-want)):.2e}, vs atol 1e-6 + rtol {tol:g}: {'OK' if ok else 'FAIL'}")
x = (np.random.rand(1000).astype(np.float32) * 8 - 4); dy = np.random.rand(1000).astype(np.float32) - .5
tx = torch.tensor(x, requires_grad=True); tdy = torch.tensor(dy)
cmp("gelu tanh", ew("GELU", x), torch.nn.functional.gelu(tx, approximate="tanh"))
g, = torch.autograd.grad(torch.nn.functional.gelu(tx, approximate="tanh"), tx, tdy)
cmp("gelu tanh backward", ew("GELU_BACKWARD", dy, x), g, 1e-4)
cmp("gelu erf", ew("GELU_ERF", x), torch.nn.functional.gelu(tx))
g, = torch.autograd.grad(torch.nn.functional.gelu(tx), tx, tdy)
cmp("gelu erf backward", ew("GELU_ERF_BACKWARD", dy, x), g, 1e-4)
cmp("silu", ew("SILU", x), torch.nn.functional.silu(tx))
g, = torch.autograd.grad(torch.nn.functional.silu(tx), tx, tdy)
cmp("silu backward", ew("SILU_BACKWARD", dy, x), g, 1e-4)
cmp("sigmoid", ew("SIGMOID", x), torch.sigmoid(tx))
cmp("axpy", ew("AXPY", x, dy, 0.3), dy + 0.3 * x)
a = np.random.rand(3, 1).astype(np.float32); b = np.random.rand(4).astype(np.float32)
cmp("broadcast add [3,1]+[4]", ew("ADD", a, b, out_shape=(3, 4)), a + b)
m = np.random.rand(5, 6).astype(np.float32).T  # transposed view
cmp("copy of a transposed view", ew("COPY", m), np.ascontiguousarray(m))
# reductions
R = LIBS['reduce']; R.reduce_axis.argtypes = [C.c_int, P, P, C.c_longlong, C.c_longlong, C.c_longlong]
t = np.random.rand(4, 7, 5).astype(np.float32); o = np.zeros((4, 5), np.float32)
R.reduce_axis(0, ptr(t), ptr(o), 4, 7, 5); cmp("sum axis 1", o, t.sum(1))
R.reduce_axis(1, ptr(t), ptr(o), 4, 7, 5); cmp("max axis 1", o, t.max(1))
# optimizers
O = LIBS['optimizers']
O.adamw.argtypes = [P, P, P, P, C.c_longlong] + [C.c_float]*7
n = 500; p0 = np.random.rand(n).astype(np.float32); gr = np.random.rand(n).astype(np.float32) - .5
tp = torch.tensor(p0.copy(), requires_grad=True); opt = torch.optim.AdamW([tp], lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
tp.grad = torch.tensor(gr); opt.step(); tp.grad = torch.tensor(gr*0.7); opt.step()
p = p0.copy(); mm = np.zeros(n, np.float32); vv = np.zeros(n, np.float32)
for step, gs in ((1, 1.0), (2, 0.7)):
    g2 = (gr * gs).astype(np.float32)
    O.adamw(ptr(p), ptr(g2), ptr(mm), ptr(vv), n, 1 - 1e-2*0.1, 0.9, 0.95, 1e-8, 1e-2/(1-0.9**step), (1-0.95**step)**0.5, 1.0)
cmp("adamw 2 steps vs torch", p, tp, 1e-5)
O.sgd.argtypes = [P, P, P, C.c_longlong] + [C.c_float]*4 + [C.c_int, C.c_int, C.c_float]
tp = torch.tensor(p0.copy(), requires_grad=True); opt = torch.optim.SGD([tp], lr=0.1, momentum=0.9, dampening=0, nesterov=True, weight_decay=0.01)
tp.grad = torch.tensor(gr); opt.step(); tp.grad = torch.tensor(gr*0.5); opt.step()
p = p0.copy(); buf = np.zeros(n, np.float32)
for first, g2 in ((1, gr), (0, (gr*0.5).astype(np.float32))):
    O.sgd(ptr(p), ptr(g2), ptr(buf), n, 0.1, 0.9, 1.0, 0.01, 1, first, 1.0)
cmp("sgd nesterov 2 steps vs torch", p, tp, 1e-5)
# rope (HF rotate_half)
Ro = LIBS['rope']; Ro.rope.argtypes = [P, P, P, P, P, C.c_longlong, C.c_int, C.c_int, C.c_int, C.c_float]
B, H, T, D = 2, 3, 5, 8; xq = np.random.rand(B, H, T, D).astype(np.float32); pos = np.array([[0,1,2,3,4],[3,4,5,6,7]], np.int32)
inv = 1.0 / (10000 ** (np.arange(0, D, 2) / D)); ang = np.arange(10)[:, None] * inv[None]
cos = np.cos(ang).astype(np.float32); sin = np.sin(ang).astype(np.float32); y = np.zeros_like(xq)
Ro.rope(ptr(xq), ptr(y), ptr(pos), ptr(cos), ptr(sin), B*H*T, H, T, D//2, 1.0)
c = np.concatenate([cos[pos], cos[pos]], -1)[:, None]; s = np.concatenate([sin[pos], sin[pos]], -1)[:, None]
rot = np.concatenate([-xq[..., D//2:], xq[..., :D//2]], -1)
cmp("rope vs rotate_half", y, xq * c + rot * s)
# dequantize 4-bit
Q = LIBS['dequantize']; Q.dequantize.argtypes = [C.c_int, P, P, P, C.c_longlong, C.c_longlong, P, C.c_longlong, P]
rows, cols, bs = 6, 10, 16; codes = np.random.randint(0, 16, rows*cols); packed = ((codes[0::2] << 4) | codes[1::2]).astype(np.uint8)
book = np.random.rand(16).astype(np.float32); absmax = np.random.rand((rows*cols + bs - 1)//bs).astype(np.float32)
out = np.zeros((rows, cols), np.float32); Q.dequantize(0, ptr(packed), ptr(absmax), ptr(book), bs, cols, None, rows, ptr(out))
cmp("dequantize 4-bit", out.ravel(), book[codes] * absmax[np.arange(rows*cols)//bs])
ids = np.array([4, 0, 4], np.int32); out2 = np.zeros((3, cols), np.float32)
Q.dequantize(0, ptr(packed), ptr(absmax), ptr(book), bs, cols, ptr(ids), 3, ptr(out2)); cmp("dequantize rows by id", out2, out[ids])
i8 = np.random.randint(-128, 128, rows*cols).astype(np.int8); sc = np.random.rand(rows).astype(np.float32)
Q.dequantize(1, ptr(i8), ptr(sc), None, cols, cols, None, rows, ptr(out)); cmp("dequantize int8 row-wise", out.ravel(), i8 * sc[np.arange(rows*cols)//cols])
bf = np.random.rand(rows*cols).astype(np.float32).view(np.uint32) >> 16; bf16 = bf.astype(np.uint16)
Q.dequantize(2, ptr(bf16), None, None, 1, cols, None, rows, ptr(out)); cmp("dequantize bf16", out.ravel(), (bf16.astype(np.uint32) << 16).view(np.float32))
# cross-entropy backward
X = LIBS['cross_entropy']; X.cross_entropy_backward.argtypes = [P, P, P, P, C.c_longlong, C.c_int, C.c_int, C.c_float]
N, V = 6, 11; lg = np.random.randn(N, V).astype(np.float32); tg = np.array([1, 3, -100, 10, 0, 5], np.int32)
lse = torch.logsumexp(torch.tensor(lg), 1).numpy().astype(np.float32); d = np.zeros_like(lg)
X.cross_entropy_backward(ptr(lg), ptr(tg), ptr(lse), ptr(d), N, V, -100, np.float32(1/5))
tl = torch.tensor(lg, requires_grad=True); g, = torch.autograd.grad(torch.nn.functional.cross_entropy(tl, torch.tensor(tg).long()), tl)
cmp("cross-entropy backward", d, g, 1e-5)
# embedding backward
Em = LIBS['embedding']; Em.embedding_backward.argtypes = [P, P, P, C.c_longlong, C.c_longlong]
Vv, Cc = 7, 5; ids = np.array([1, 3, 1, 6], np.int32); dyy = np.random.rand(4, Cc).astype(np.float32); dw = np.zeros((Vv, Cc), np.float32)
Em.embedding_backward(ptr(dw), ptr(dyy), ptr(ids), 4, Cc)
cmp("embedding backward", dw, torch.zeros(Vv, Cc).index_add_(0, torch.tensor(ids).long(), torch.tensor(dyy)))

if FAILED:
    print("FAILED: " + ", ".join(FAILED))
    sys.exit(1)
print("all kernel checks passed")
