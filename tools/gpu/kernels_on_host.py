#!/usr/bin/env python3
"""The CUDA kernels checked on the host, without a GPU. Every kernel file of
gpu-ffm/src/main/resources/cortado/gpu/kernels is compiled as C++20 with g++ and a shim that runs one CUDA block of 256
threads (8 warps, the backend's launch width) as std::threads (__syncthreads a barrier, __shared__ memory static, warp
shuffles through a slot array between barriers of the warp),
called through ctypes and compared with PyTorch (torch.nn.functional, torch.optim, autograd) or the formula a kernel
implements: elementwise ops and activations with their backward, reductions, softmax, LayerNorm/RMSNorm forward and
backward, cross-entropy, AdamW/SGD, RoPE, dequantization, embedding gradients, and attention forward and backward
(causal, GQA with a KV-cache offset, sliding window with per-row offsets, key padding, a row that sees no key).
Tolerances: atol 1e-6 + rtol 1e-5 for elementwise ops (1e-4 for activation backward), atol 1e-4 + rtol 1e-4 for
accumulated results, as the conformance suite's. What this cannot show: behaviour with many blocks, real warp scheduling,
cuBLAS, the driver and speed; the conformance suite on a device does (gpu-ffm/device-check.sh). Needs g++ (C++20),
numpy and torch. Exits 1 on any failure.

usage: python3 tools/gpu/kernels_on_host.py
"""
import ctypes as C
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch

KERNELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "gpu-ffm", "src", "main", "resources",
                       "cortado", "gpu", "kernels")
SHIM = r"""
// One CUDA block of 256 threads (the backend's launch width: 8 warps) emulated with std::threads: __syncthreads is a
// block barrier, __shared__ is static (one block runs at a time), a warp shuffle goes through a slot array between two
// barriers of that warp's 32 threads (so a shuffle by one warp alone, as in block_sum, works).
#include <barrier>
#include <cstring>
#include <math.h>
#include <memory>
#include <thread>
#include <vector>
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
struct Dim3 { unsigned x, y, z; };
static const int BLOCK = 256, WARPS = BLOCK / 32;
static Dim3 blockIdx = {0, 0, 0}, blockDim = {BLOCK, 1, 1}, gridDim = {1, 1, 1};
static thread_local Dim3 threadIdx_tls = {0, 0, 0};
#define threadIdx threadIdx_tls
static std::barrier<>* g_block;
static std::barrier<>* g_warp[WARPS];
static float g_smem[1 << 16];
static inline void __syncthreads() { g_block->arrive_and_wait(); }
static inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
static inline float __uint_as_float(unsigned int i) { float f; memcpy(&f, &i, 4); return f; }
template <class T> static T* shuffle_slots() { static T s[BLOCK]; return s; }
template <class T> static inline T __shfl_down_sync(unsigned, T v, int o) {
    T* s = shuffle_slots<T>();
    int t = threadIdx.x, lane = t & 31;
    std::barrier<>* w = g_warp[t >> 5];
    s[t] = v;
    w->arrive_and_wait();
    T r = lane + o < 32 ? s[t + o] : v;
    w->arrive_and_wait();
    return r;
}
template <class F> static void run_block(F f) {
    std::barrier<> block(BLOCK);
    std::vector<std::unique_ptr<std::barrier<>>> warps;
    for (int i = 0; i < WARPS; i++) {
        warps.emplace_back(new std::barrier<>(32));
        g_warp[i] = warps.back().get();
    }
    g_block = &block;
    std::vector<std::thread> ts;
    for (int t = 0; t < BLOCK; t++) ts.emplace_back([t, &f] { threadIdx_tls.x = t; f(); });
    for (auto& t : ts) t.join();
}
"""
ENTRY = re.compile(r'extern "C" __global__ void (\w+)\s*\(([^)]*)\)')
BUILD = tempfile.mkdtemp(prefix="cortado-kernels-on-host-")
with open(os.path.join(BUILD, "shim.h"), "w") as f:
    f.write(SHIM)
LIBS = {}
for file in sorted(os.listdir(KERNELS)):
    if not file.endswith(".cu"):
        continue
    name = file[:-3]
    src = open(os.path.join(KERNELS, file)).read().replace("extern __shared__ float smem[];", "float* smem = g_smem;")
    wrappers = []
    for m in ENTRY.finditer(src):  # run_NAME(...) runs kernel NAME as one block of 256 threads
        params = m.group(2)
        names = [re.findall(r"(\w+)\s*$", p.strip())[0] for p in params.split(",") if p.strip()]
        wrappers.append(f'extern "C" void run_{m.group(1)}({params}) {{ run_block([&] {{ {m.group(1)}({", ".join(names)}); }}); }}')
    cpp = os.path.join(BUILD, name + ".cpp")
    with open(cpp, "w") as f:
        f.write('#include "shim.h"\n' + src + "\n" + "\n".join(wrappers) + "\n")
    lib = os.path.join(BUILD, "lib" + name + ".so")
    subprocess.run(["g++", "-std=c++20", "-O1", "-ffp-contract=off", "-pthread", "-shared", "-fPIC", "-I", KERNELS, "-I",
                    BUILD, "-o", lib, cpp], check=True)
    LIBS[name] = C.CDLL(lib)

torch.manual_seed(0)
np.random.seed(0)
P = C.c_void_p
L = C.c_longlong
I = C.c_int
F = C.c_float
FAILED = []


def ptr(a):
    return a.ctypes.data_as(P) if a is not None else None


def compare(name, got, want, rtol, atol):
    want = want.detach().numpy() if torch.is_tensor(want) else want
    ok = bool(np.all(np.abs(got - want) <= atol + rtol * np.abs(want)))
    if not ok:
        FAILED.append(name)
    print(f"{name:36s} max |err| {np.max(np.abs(got - want)):.2e} (atol {atol:g}, rtol {rtol:g}): {'OK' if ok else 'FAIL'}")


def check(name, got, want, rtol=1e-5):
    compare(name, got, want, rtol, 1e-6)


def accumulated(name, got, want):
    compare(name, got, want, 1e-4, 1e-4)


class Geo(C.Structure):
    _fields_ = [("shape", C.c_longlong*8), ("out", C.c_longlong*8), ("a", C.c_longlong*8), ("b", C.c_longlong*8), ("rank", C.c_int)]
def geo(shape, so, sa, sb):
    g = Geo(); g.rank = len(shape)
    for i in range(len(shape)):
        g.shape[i]=shape[i]; g.out[i]=so[i]; g.a[i]=sa[i]; g.b[i]=sb[i]
    return g
E = LIBS['elementwise']
E.run_elementwise.argtypes = [C.c_int, C.c_longlong, Geo, P, P, P, C.c_float, C.c_float]
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
    E.run_elementwise(ops.index(op), out.size, geo(shape, so, rs(a), rs(b)), ptr(out), ptr(a), ptr(b), p0, p1)
    return out
x = (np.random.rand(1000).astype(np.float32) * 8 - 4); dy = np.random.rand(1000).astype(np.float32) - .5
tx = torch.tensor(x, requires_grad=True); tdy = torch.tensor(dy)
check("gelu tanh", ew("GELU", x), torch.nn.functional.gelu(tx, approximate="tanh"))
g, = torch.autograd.grad(torch.nn.functional.gelu(tx, approximate="tanh"), tx, tdy)
check("gelu tanh backward", ew("GELU_BACKWARD", dy, x), g, 1e-4)
check("gelu erf", ew("GELU_ERF", x), torch.nn.functional.gelu(tx))
g, = torch.autograd.grad(torch.nn.functional.gelu(tx), tx, tdy)
check("gelu erf backward", ew("GELU_ERF_BACKWARD", dy, x), g, 1e-4)
check("silu", ew("SILU", x), torch.nn.functional.silu(tx))
g, = torch.autograd.grad(torch.nn.functional.silu(tx), tx, tdy)
check("silu backward", ew("SILU_BACKWARD", dy, x), g, 1e-4)
check("sigmoid", ew("SIGMOID", x), torch.sigmoid(tx))
check("axpy", ew("AXPY", x, dy, 0.3), dy + 0.3 * x)
a = np.random.rand(3, 1).astype(np.float32); b = np.random.rand(4).astype(np.float32)
check("broadcast add [3,1]+[4]", ew("ADD", a, b, out_shape=(3, 4)), a + b)
m = np.random.rand(5, 6).astype(np.float32).T  # transposed view
check("copy of a transposed view", ew("COPY", m), np.ascontiguousarray(m))
# reductions
R = LIBS['reduce']; R.run_reduce_axis.argtypes = [C.c_int, P, P, C.c_longlong, C.c_longlong, C.c_longlong]
t = np.random.rand(4, 7, 5).astype(np.float32); o = np.zeros((4, 5), np.float32)
R.run_reduce_axis(0, ptr(t), ptr(o), 4, 7, 5); check("sum axis 1", o, t.sum(1))
R.run_reduce_axis(1, ptr(t), ptr(o), 4, 7, 5); check("max axis 1", o, t.max(1))
# optimizers
O = LIBS['optimizers']
O.run_adamw.argtypes = [P, P, P, P, C.c_longlong] + [C.c_float]*7
n = 500; p0 = np.random.rand(n).astype(np.float32); gr = np.random.rand(n).astype(np.float32) - .5
tp = torch.tensor(p0.copy(), requires_grad=True); opt = torch.optim.AdamW([tp], lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
tp.grad = torch.tensor(gr); opt.step(); tp.grad = torch.tensor(gr*0.7); opt.step()
p = p0.copy(); mm = np.zeros(n, np.float32); vv = np.zeros(n, np.float32)
for step, gs in ((1, 1.0), (2, 0.7)):
    g2 = (gr * gs).astype(np.float32)
    O.run_adamw(ptr(p), ptr(g2), ptr(mm), ptr(vv), n, 1 - 1e-2*0.1, 0.9, 0.95, 1e-8, 1e-2/(1-0.9**step), (1-0.95**step)**0.5, 1.0)
check("adamw 2 steps vs torch", p, tp, 1e-5)
O.run_sgd.argtypes = [P, P, P, C.c_longlong] + [C.c_float]*4 + [C.c_int, C.c_int, C.c_float]
tp = torch.tensor(p0.copy(), requires_grad=True); opt = torch.optim.SGD([tp], lr=0.1, momentum=0.9, dampening=0, nesterov=True, weight_decay=0.01)
tp.grad = torch.tensor(gr); opt.step(); tp.grad = torch.tensor(gr*0.5); opt.step()
p = p0.copy(); buf = np.zeros(n, np.float32)
for first, g2 in ((1, gr), (0, (gr*0.5).astype(np.float32))):
    O.run_sgd(ptr(p), ptr(g2), ptr(buf), n, 0.1, 0.9, 1.0, 0.01, 1, first, 1.0)
check("sgd nesterov 2 steps vs torch", p, tp, 1e-5)
# rope (HF rotate_half)
Ro = LIBS['rope']; Ro.run_rope.argtypes = [P, P, P, P, P, C.c_longlong, C.c_int, C.c_int, C.c_int, C.c_float]
B, H, T, D = 2, 3, 5, 8; xq = np.random.rand(B, H, T, D).astype(np.float32); pos = np.array([[0,1,2,3,4],[3,4,5,6,7]], np.int32)
inv = 1.0 / (10000 ** (np.arange(0, D, 2) / D)); ang = np.arange(10)[:, None] * inv[None]
cos = np.cos(ang).astype(np.float32); sin = np.sin(ang).astype(np.float32); y = np.zeros_like(xq)
Ro.run_rope(ptr(xq), ptr(y), ptr(pos), ptr(cos), ptr(sin), B*H*T, H, T, D//2, 1.0)
c = np.concatenate([cos[pos], cos[pos]], -1)[:, None]; s = np.concatenate([sin[pos], sin[pos]], -1)[:, None]
rot = np.concatenate([-xq[..., D//2:], xq[..., :D//2]], -1)
check("rope vs rotate_half", y, xq * c + rot * s)
# dequantize 4-bit
Q = LIBS['dequantize']; Q.run_dequantize.argtypes = [C.c_int, P, P, P, C.c_longlong, C.c_longlong, P, C.c_longlong, P]
rows, cols, bs = 6, 10, 16; codes = np.random.randint(0, 16, rows*cols); packed = ((codes[0::2] << 4) | codes[1::2]).astype(np.uint8)
book = np.random.rand(16).astype(np.float32); absmax = np.random.rand((rows*cols + bs - 1)//bs).astype(np.float32)
out = np.zeros((rows, cols), np.float32); Q.run_dequantize(0, ptr(packed), ptr(absmax), ptr(book), bs, cols, None, rows, ptr(out))
check("dequantize 4-bit", out.ravel(), book[codes] * absmax[np.arange(rows*cols)//bs])
ids = np.array([4, 0, 4], np.int32); out2 = np.zeros((3, cols), np.float32)
Q.run_dequantize(0, ptr(packed), ptr(absmax), ptr(book), bs, cols, ptr(ids), 3, ptr(out2)); check("dequantize rows by id", out2, out[ids])
i8 = np.random.randint(-128, 128, rows*cols).astype(np.int8); sc = np.random.rand(rows).astype(np.float32)
Q.run_dequantize(1, ptr(i8), ptr(sc), None, cols, cols, None, rows, ptr(out)); check("dequantize int8 row-wise", out.ravel(), i8 * sc[np.arange(rows*cols)//cols])
bf = np.random.rand(rows*cols).astype(np.float32).view(np.uint32) >> 16; bf16 = bf.astype(np.uint16)
Q.run_dequantize(2, ptr(bf16), None, None, 1, cols, None, rows, ptr(out)); check("dequantize bf16", out.ravel(), (bf16.astype(np.uint32) << 16).view(np.float32))
# cross-entropy backward
X = LIBS['cross_entropy']; X.run_cross_entropy_backward.argtypes = [P, P, P, P, C.c_longlong, C.c_int, C.c_int, C.c_float]
N, V = 6, 11; lg = np.random.randn(N, V).astype(np.float32); tg = np.array([1, 3, -100, 10, 0, 5], np.int32)
lse = torch.logsumexp(torch.tensor(lg), 1).numpy().astype(np.float32); d = np.zeros_like(lg)
X.run_cross_entropy_backward(ptr(lg), ptr(tg), ptr(lse), ptr(d), N, V, -100, np.float32(1/5))
tl = torch.tensor(lg, requires_grad=True); g, = torch.autograd.grad(torch.nn.functional.cross_entropy(tl, torch.tensor(tg).long()), tl)
check("cross-entropy backward", d, g, 1e-5)
# embedding backward
Em = LIBS['embedding']; Em.run_embedding_backward.argtypes = [P, P, P, C.c_longlong, C.c_longlong]
Vv, Cc = 7, 5; ids = np.array([1, 3, 1, 6], np.int32); dyy = np.random.rand(4, Cc).astype(np.float32); dw = np.zeros((Vv, Cc), np.float32)
Em.run_embedding_backward(ptr(dw), ptr(dyy), ptr(ids), 4, Cc)
check("embedding backward", dw, torch.zeros(Vv, Cc).index_add_(0, torch.tensor(ids).long(), torch.tensor(dyy)))

S = LIBS['softmax']
S.run_softmax_forward.argtypes = [P, P, L, I, I]; S.run_softmax_backward.argtypes = [P, P, P, L, I, I]
x = np.random.randn(7, 77).astype(np.float32); dy = np.random.randn(7, 77).astype(np.float32)
for log in (0, 1):
    y = np.zeros_like(x); S.run_softmax_forward(ptr(x), ptr(y), 7, 77, log)
    tx = torch.tensor(x, requires_grad=True); ty = torch.log_softmax(tx, -1) if log else torch.softmax(tx, -1)
    accumulated(("log-" if log else "") + "softmax", y, ty)
    dx = np.zeros_like(x); S.run_softmax_backward(ptr(dy), ptr(y), ptr(dx), 7, 77, log)
    g, = torch.autograd.grad(ty, tx, torch.tensor(dy)); accumulated(("log-" if log else "") + "softmax backward", dx, g)
N = LIBS['norms']
N.run_norm_forward.argtypes = [P, P, P, P, P, P, L, I, F]
N.run_norm_backward_input.argtypes = [P, P, P, P, P, P, L, I]
N.run_norm_backward_params.argtypes = [P, P, P, P, P, P, L, I]
R, Cc = 9, 70; x = np.random.randn(R, Cc).astype(np.float32); w = np.random.randn(Cc).astype(np.float32); b = np.random.randn(Cc).astype(np.float32)
dy = np.random.randn(R, Cc).astype(np.float32)
for layer in (True, False):
    y = np.zeros_like(x); mean = np.zeros(R, np.float32) if layer else None; rstd = np.zeros(R, np.float32)
    N.run_norm_forward(ptr(x), ptr(w), ptr(b if layer else None), ptr(y), ptr(mean), ptr(rstd), R, Cc, 1e-5)
    tx = torch.tensor(x, requires_grad=True); tw = torch.tensor(w, requires_grad=True); tb = torch.tensor(b, requires_grad=True)
    ty = torch.nn.functional.layer_norm(tx, (Cc,), tw, tb, 1e-5) if layer else torch.nn.functional.rms_norm(tx, (Cc,), tw, 1e-5)
    nm = "layernorm" if layer else "rmsnorm"
    accumulated(nm, y, ty)
    dx = np.zeros_like(x); dw = np.zeros(Cc, np.float32); db = np.zeros(Cc, np.float32) if layer else None
    N.run_norm_backward_input(ptr(dy), ptr(x), ptr(w), ptr(mean), ptr(rstd), ptr(dx), R, Cc)
    N.run_norm_backward_params(ptr(dy), ptr(x), ptr(mean), ptr(rstd), ptr(dw), ptr(db), R, Cc)
    gs = torch.autograd.grad(ty, [tx, tw, tb] if layer else [tx, tw], torch.tensor(dy))
    accumulated(nm + " dx", dx, gs[0]); accumulated(nm + " dweight", dw, gs[1])
    if layer: accumulated(nm + " dbias", db, gs[2])
X = LIBS['cross_entropy']; X.run_cross_entropy_forward.argtypes = [P, P, P, P, L, I, I]
n, V = 6, 301; lg = np.random.randn(n, V).astype(np.float32) * 3; tg = np.array([1, 300, -100, 10, 0, 5], np.int32)
lse = np.zeros(n, np.float32); loss = np.zeros(n, np.float32); X.run_cross_entropy_forward(ptr(lg), ptr(tg), ptr(lse), ptr(loss), n, V, -100)
accumulated("cross-entropy lse", lse, torch.logsumexp(torch.tensor(lg), 1))
accumulated("cross-entropy mean loss", np.array([loss[tg != -100].mean()]), np.array([torch.nn.functional.cross_entropy(torch.tensor(lg), torch.tensor(tg).long()).item()]))
Rd = LIBS['reduce']; Rd.run_sum_partials.argtypes = [P, L, I, P]
v = np.random.rand(9031).astype(np.float32); part = np.zeros(1, np.float64)
Rd.run_sum_partials(ptr(v), v.size, 0, ptr(part)); accumulated("sum_partials sum", part, np.array([v.astype(np.float64).sum()]))
Rd.run_sum_partials(ptr(v), v.size, 1, ptr(part)); accumulated("sum_partials squares", part, np.array([(v.astype(np.float64)**2).sum()]))
A = LIBS['attention']
mask_t = [I, I, I, L, L, I, F, I, I, P, P, P]
A.run_attention_forward.argtypes = [P]*5 + mask_t
A.run_attention_backward_query.argtypes = [P]*8 + mask_t
A.run_attention_backward_key.argtypes = [P]*8 + mask_t
def attention_case(name, B, H, Hkv, T, S_, D, causal, window=0, offsets=None, valid=None):
    q = np.random.randn(B, H, T, D).astype(np.float32); k = np.random.randn(B, Hkv, S_, D).astype(np.float32)
    vv = np.random.randn(B, Hkv, S_, D).astype(np.float32); dout = np.random.randn(B, H, T, D).astype(np.float32)
    scale = 1 / np.sqrt(D)
    off = np.array(offsets, np.int32) if offsets is not None else None
    val = np.array(valid, np.int32).reshape(B, S_) if valid is not None else None
    out = np.zeros_like(q); lse = np.zeros((B, H, T), np.float32)
    args = (B, H, Hkv, T, S_, D, scale, 1 if causal else 0, window, ptr(off), ptr(val), None)
    A.run_attention_forward(ptr(q), ptr(k), ptr(vv), ptr(out), ptr(lse), *args)
    # reference: explicit scores with the same visibility rule
    vis = np.ones((B, T, S_), bool)
    for bb in range(B):
        for i in range(T):
            for j in range(S_):
                ok = val is None or val[bb, j] != 0
                if causal:
                    p = (off[bb] if off is not None else S_ - T) + i
                    ok = ok and j <= p and (window == 0 or j > p - window)
                vis[bb, i, j] = ok
    tq = torch.tensor(q, requires_grad=True); tk = torch.tensor(k, requires_grad=True); tv = torch.tensor(vv, requires_grad=True)
    G = H // Hkv
    ke = tk.repeat_interleave(G, 1); ve = tv.repeat_interleave(G, 1)
    sc = (tq @ ke.transpose(-1, -2)) * scale
    sc = sc.masked_fill(~torch.tensor(vis)[:, None], float("-inf"))
    tl = torch.logsumexp(sc, -1)
    pr = torch.where(torch.isinf(tl)[..., None], torch.zeros_like(sc), torch.softmax(sc, -1))
    to = pr @ ve
    accumulated(name + " out", out, to); accumulated(name + " lse", np.where(np.isinf(lse), 0, lse), torch.where(torch.isinf(tl), 0, tl))
    dq = np.zeros_like(q); delta = np.zeros((B, H, T), np.float32); dk = np.zeros_like(k); dv = np.zeros_like(vv)
    A.run_attention_backward_query(ptr(q), ptr(k), ptr(vv), ptr(out), ptr(dout), ptr(lse), ptr(dq), ptr(delta), *args)
    A.run_attention_backward_key(ptr(q), ptr(k), ptr(vv), ptr(dout), ptr(lse), ptr(delta), ptr(dk), ptr(dv), *args)
    gq, gk, gv = torch.autograd.grad(to, [tq, tk, tv], torch.tensor(dout))
    accumulated(name + " dq", dq, gq); accumulated(name + " dk", dk, gk); accumulated(name + " dv", dv, gv)
attention_case("attention causal", 2, 2, 2, 5, 5, 8, True)
attention_case("attention GQA causal kv-cache", 1, 4, 2, 3, 7, 16, True)
attention_case("attention window + offsets", 2, 2, 1, 4, 9, 8, True, window=3, offsets=[2, 5])
attention_case("attention bidirectional padded", 2, 2, 2, 4, 6, 8, False, valid=[1,1,1,1,0,0, 0,1,1,1,1,1])
attention_case("attention row with no key", 1, 1, 1, 2, 3, 4, True, offsets=[0], valid=[0, 1, 1])

if FAILED:
    print("FAILED: " + ", ".join(FAILED))
    sys.exit(1)
print("all kernel checks passed")
