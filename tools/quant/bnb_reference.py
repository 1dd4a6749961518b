"""A reference for bitsandbytes' blockwise quantization, written from its published algorithm (bitsandbytes itself is
not installed here). Vectorized numpy/torch, deliberately unlike the Java code, so agreement between the two means
something. Every float operation is float32, in the order bitsandbytes' CUDA kernels perform it:

  4-bit (kQuantizeBlockwise, NF4/FP4):  absmax per block (fp32, trailing partial block on its own);
      x * (1/absmax) with the float reciprocal; code by the kernel's comparison tree (dQuantizeNF4 / dQuantizeFP4,
      every test `x > pivot`, so a value on a pivot takes the lower code); two codes per byte, first in the high
      nibble; an odd count padded with quantize(0).
  double quantization (quantize_4bit, compress_statistics=True): offset = mean(absmax);
      quantize_blockwise(absmax - offset, code=create_dynamic_map(signed=True), blocksize=256).
  8-bit blockwise (kQuantizeBlockwise, General8bit): same scaling, then dQuantize's 7-step binary search and
      midpoint choice over the sorted 256-entry map.
  LLM.int8 rows (int8_vectorwise_quant): round(A * (127 / row_absmax)), torch evaluating 127 / t as
      reciprocal(t) * 127.

One documented choice: the double-quant offset is the float64 mean of the fp32 absmax rounded once to fp32 (torch's
float32 mean sums in its own cascade order and may differ in the last bit; the offset is stored in the checkpoint,
so loading is exact either way). `python bnb_reference.py --check-mean` reports how often the two differ.

Usage: /work/venv/bin/python tools/quant/bnb_reference.py [--out quant/src/test/resources/quant/bnb_goldens.safetensors]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

F32 = np.float32

NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                0.7229568362236023, 1.0], dtype=F32)
# bitsandbytes' get_4bit_type("fp4"): the E2M1 values, divided (in float32) by their absmax 12.
FP4 = (torch.tensor([0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, -0.0, -0.0625, -8.0, -12.0, -4.0, -6.0, -2.0, -3.0],
                    dtype=torch.float32) / 12.0).numpy()
CODEBOOK = {"nf4": NF4, "fp4": FP4}



def f32_literal(text):
    """A C/CUDA float literal `<text>f`: the float32 NEAREST the decimal (one rounding). np.float32(float(text))
    rounds twice (decimal -> double -> float) and differs for literals that sit almost on a float midpoint, which
    bitsandbytes' NF4 pivots do: -0.8480964004993439 is 3e-17 past the midpoint of two floats."""
    from fractions import Fraction
    exact = Fraction(text)
    f = np.float32(float(text))
    best = None
    for c in (np.nextafter(f, F32(-2)), f, np.nextafter(f, F32(2))):
        d = abs(Fraction(float(c)) - exact)
        key = (d, int(np.array(c, dtype=F32).view(np.uint32)) & 1)   # ties to even
        if best is None or key < best[0]:
            best = (key, c)
    return F32(best[1])


def literals(texts):
    return np.array([f32_literal(t) for t in texts.split()], dtype=F32)


# The kernels' pivots (float literals), in sorted order; code[i] lies between pivots i-1 and i.
NF4_PIVOTS = literals("""-0.8480964004993439 -0.6106329262256622 -0.4599952697753906 -0.33967943489551544
    -0.23460740596055984 -0.13791173323988914 -0.045525018125772476 0.03979014977812767 0.1202552504837513
    0.2035212516784668 0.2920137718319893 0.3893125355243683 0.5016634166240692 0.6427869200706482
    0.8614784181118011""")
# FP4 magnitudes 0, 0.0625, 2, 3, 4, 6, 8, 12 (/12) have nibbles 0, 1, 6, 7, 4, 5, 2, 3; pivots between them.
FP4_PIVOTS = literals("0.00260417 0.0859375 0.20833333 0.29166667 0.4166667 0.583333 0.8333333")
FP4_NIBBLE_BY_RANK = np.array([0, 1, 6, 7, 4, 5, 2, 3], dtype=np.uint8)


def quantize_nf4(x):
    """Nibbles for scaled float32 values. The tree `x > p` at every level equals counting the pivots strictly below x
    (the pivots are sorted and the tree is a binary search over them); NaN exceeds none: nibble 0."""
    x = np.asarray(x, dtype=F32)
    rank = (x[..., None] > NF4_PIVOTS).sum(-1)
    return rank.astype(np.uint8)


def quantize_fp4(x):
    x = np.asarray(x, dtype=F32)
    sign = np.where(x < 0, 8, 0).astype(np.uint8)
    rank = (np.abs(x)[..., None] > FP4_PIVOTS).sum(-1)
    return FP4_NIBBLE_BY_RANK[rank] + sign


QUANTIZE = {"nf4": quantize_nf4, "fp4": quantize_fp4}


def blocks_of(data, blocksize):
    """[blocks, blocksize] view padded with zeros (the kernel's load pads a partial block with 0), and the count."""
    n = data.size
    nb = -(-n // blocksize)
    padded = np.zeros(nb * blocksize, dtype=F32)
    padded[:n] = data.reshape(-1)
    return padded.reshape(nb, blocksize), n


def quantize_4bit(data, quant_type, blocksize, double_quant):
    blocks, n = blocks_of(data, blocksize)
    absmax = np.abs(blocks).max(axis=1).astype(F32)          # padding zeros never raise the max
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = (F32(1.0) / absmax).astype(F32)
        scaled = (blocks * inv[:, None]).astype(F32)
    nib = QUANTIZE[quant_type](scaled).reshape(-1)
    if nib.size % 2:
        nib = np.append(nib, 0)
    packed = ((nib[0::2] << 4) | nib[1::2]).astype(np.uint8)[: (n + 1) // 2]
    out = {"packed": packed, "absmax": absmax}
    if double_quant:
        offset = F32(absmax.astype(np.float64).mean())
        centred = (absmax - offset).astype(F32)
        codes, nested_absmax = quantize_blockwise(centred, dynamic_map(True), 256)
        out.update(absmax_codes=codes, nested_absmax=nested_absmax, offset=offset)
    return out


def dequantize_4bit(q, quant_type, blocksize, n):
    nib = np.empty(q["packed"].size * 2, dtype=np.uint8)
    nib[0::2] = q["packed"] >> 4
    nib[1::2] = q["packed"] & 15
    nib = nib[:n]
    if "absmax_codes" in q:
        code8 = dynamic_map(True)
        idx = np.arange(q["absmax_codes"].size) // 256
        absmax = (code8[q["absmax_codes"]] * q["nested_absmax"][idx]).astype(F32) + q["offset"]
        absmax = absmax.astype(F32)
    else:
        absmax = q["absmax"]
    return (CODEBOOK[quant_type][nib] * absmax[np.arange(n) // blocksize]).astype(F32)


def dynamic_map(signed=True, max_exponent_bits=7, total_bits=8):
    """create_dynamic_map: per exponent level i, the midpoints of torch.linspace(0.1, 1, k) in float32 times
    10^(i - max_exponent_bits + 1) (the float32 product torch computes), plus 0 and 1, sorted."""
    values = []
    non_sign = total_bits - 1
    extra = 2 ** (non_sign - max_exponent_bits) - 1
    for i in range(max_exponent_bits):
        k = 2 ** (i + non_sign - max_exponent_bits) + 1 if signed else 2 ** (i + non_sign - max_exponent_bits + 1) + 1
        b = torch.linspace(0.1, 1, k, dtype=torch.float32)
        mids = (b[:-1] + b[1:]) / 2.0
        scale = 10 ** (-(max_exponent_bits - 1) + i)
        values += (scale * mids).tolist()
        if signed:
            values += (-scale * mids).tolist()
    if extra > 0:
        b = torch.linspace(0.1, 1, extra + 1, dtype=torch.float32)
        mids = (b[:-1] + b[1:]) / 2.0
        scale = 10 ** (-(max_exponent_bits - 1) + max_exponent_bits - 1)
        values += (scale * mids).tolist()
        if signed:
            values += (-scale * mids).tolist()
    values += [0.0, 1.0]
    values += [0.0] * (2 ** total_bits - len(values))
    return np.array(sorted(values), dtype=F32)


def search_dynamic(code, x):
    """dQuantize (non-stochastic), vectorized: binary search from 127 with strides 64..1 on `x > code[pivot]`, then
    compare with the float32 midpoint toward the bracketing neighbour."""
    x = np.asarray(x, dtype=F32)
    pivot = np.full(x.shape, 127, dtype=np.int64)
    upper_pivot = np.full(x.shape, 255, dtype=np.int64)
    lower_pivot = np.zeros(x.shape, dtype=np.int64)
    lower = np.full(x.shape, -1.0, dtype=F32)
    upper = np.full(x.shape, 1.0, dtype=F32)
    val = code[pivot]
    for step in (64, 32, 16, 8, 4, 2, 1):
        gt = x > val
        lower_pivot = np.where(gt, pivot, lower_pivot)
        lower = np.where(gt, val, lower)
        upper_pivot = np.where(gt, upper_pivot, pivot)
        upper = np.where(gt, upper, val)
        pivot = np.where(gt, pivot + step, pivot - step)
        val = code[pivot]
    upper = np.where(upper_pivot == 255, code[255], upper).astype(F32)
    lower = np.where(lower_pivot == 0, code[0], lower).astype(F32)
    gt = x > val
    mid_up = ((upper + val) * F32(0.5)).astype(F32)
    mid_lo = ((lower + val) * F32(0.5)).astype(F32)
    res = np.where(gt, np.where(x > mid_up, upper_pivot, pivot), np.where(x < mid_lo, lower_pivot, pivot))
    return res.astype(np.uint8)


def quantize_blockwise(data, code, blocksize):
    blocks, n = blocks_of(data, blocksize)
    absmax = np.abs(blocks).max(axis=1).astype(F32)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = (F32(1.0) / absmax).astype(F32)
        scaled = (blocks * inv[:, None]).astype(F32)
    return search_dynamic(code, scaled).reshape(-1)[:n], absmax


def int8_rows(a):
    """bitsandbytes int8_vectorwise_quant (threshold 0), in torch, as the library computes it."""
    t = torch.from_numpy(a.reshape(-1, a.shape[-1]).copy())
    row_stats = torch.max(t.abs(), dim=1).values.float()
    q = torch.round(t * (127.0 / row_stats.unsqueeze(-1))).to(torch.int8)
    return q.numpy().reshape(a.shape), row_stats.numpy()


def golden_inputs(rng):
    """Cases: name -> (data, shape). Standard normal plus rows built to hit every pivot exactly."""
    cases = {}
    cases["normal_33x7"] = rng.standard_normal((33, 7)).astype(F32)                  # odd count, partial block
    cases["normal_64x96"] = rng.standard_normal((64, 96)).astype(F32)
    cases["normal_9600"] = (rng.standard_normal(9600) * 0.02).astype(F32)             # 300 blocks at 32: 2 nested
    heavy = rng.standard_t(3, size=(40, 130)).astype(F32)
    heavy[3, :] = 0.0                                                                 # zero rows / blocks
    cases["heavy_40x130"] = heavy
    ties = [F32(1.0)]                                                                 # absmax 1: x * 1 == x
    for p in np.concatenate([NF4_PIVOTS, FP4_PIVOTS, -FP4_PIVOTS, NF4, FP4]):
        ties += [F32(p), np.nextafter(F32(p), F32(2)), np.nextafter(F32(p), F32(-2))]
    ties = np.array(ties, dtype=F32)
    pad = np.zeros(-(-ties.size // 32) * 32 - ties.size, dtype=F32)
    cases["pivots"] = np.concatenate([ties, pad, [F32(-1.0)], rng.standard_normal(31).astype(F32)]).astype(F32)
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="quant/src/test/resources/quant/bnb_goldens.safetensors")
    ap.add_argument("--check-mean", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(20240528)
    if args.check_mean:
        diff = 0
        for t in range(1000):
            a = np.abs(rng.standard_normal(rng.integers(1, 5000))).astype(F32)
            diff += F32(a.astype(np.float64).mean()) != torch.from_numpy(a).mean().item()
        print(f"float64-rounded mean differs from torch.mean in {diff}/1000 random absmax vectors")
        return

    from safetensors.numpy import save_file
    tensors, meta = {}, {}
    tensors["map.nf4"] = NF4
    tensors["map.fp4"] = FP4
    tensors["map.dynamic_signed"] = dynamic_map(True)
    tensors["map.dynamic_unsigned"] = dynamic_map(False)
    cases = golden_inputs(rng)
    for name, data in cases.items():
        tensors[f"{name}.input"] = data
        flat = data.reshape(-1)
        for qt in ("nf4", "fp4"):
            for bs in (32, 64, 256, 4096):
                for dq in (False, True):
                    key = f"{name}.{qt}.b{bs}" + (".dq" if dq else "")
                    q = quantize_4bit(flat, qt, bs, dq)
                    tensors[key + ".packed"] = q["packed"]
                    if dq:
                        tensors[key + ".absmax_codes"] = q["absmax_codes"]
                        tensors[key + ".nested_absmax"] = q["nested_absmax"]
                        tensors[key + ".offset"] = np.array([q["offset"]], dtype=F32)
                    else:
                        tensors[key + ".absmax"] = q["absmax"]
                    if dq or bs == 64:   # (kept small: the plain case is code * absmax at every blocksize)
                        tensors[key + ".dequant"] = dequantize_4bit(q, qt, bs, flat.size)
        for mapname, signed in (("dynamic_signed", True), ("dynamic_unsigned", False)):
            src = flat if signed else np.abs(flat)
            codes, absmax = quantize_blockwise(src, dynamic_map(signed), 256)
            tensors[f"{name}.{mapname}.b256.codes"] = codes
            tensors[f"{name}.{mapname}.b256.absmax"] = absmax
            # dequantize_blockwise: code[q] * absmax[block] in float32
            tensors[f"{name}.{mapname}.b256.dequant"] = (dynamic_map(signed)[codes]
                                                         * absmax[np.arange(codes.size) // 256]).astype(F32)
        if data.ndim == 2:
            q, stats = int8_rows(data)
            tensors[f"{name}.int8row.codes"] = q
            tensors[f"{name}.int8row.scb"] = stats
            # int8_vectorwise_dequant: A * stats * 7.874015718698502e-3, in torch float32
            deq = torch.from_numpy(q) * torch.from_numpy(stats).view(-1, 1) * 7.874015718698502e-3
            tensors[f"{name}.int8row.dequant"] = deq.numpy()
    # 8-bit search on every midpoint of the signed map (absmax 1 block).
    code = dynamic_map(True)
    mids = ((code[:-1] + code[1:]) * F32(0.5)).astype(F32)
    probe = np.concatenate([[F32(1.0)], mids, np.nextafter(mids, F32(2)), np.nextafter(mids, F32(-2)), code]).astype(F32)
    tensors["midpoints8.input"] = probe
    c8, a8 = quantize_blockwise(probe, code, 256)
    tensors["midpoints8.dynamic_signed.b256.codes"] = c8
    tensors["midpoints8.dynamic_signed.b256.absmax"] = a8
    tensors["midpoints8.dynamic_signed.b256.dequant"] = (code[c8] * a8[np.arange(c8.size) // 256]).astype(F32)
    meta["cases"] = json.dumps({k: list(v.shape) for k, v in cases.items()})
    meta["generator"] = "tools/quant/bnb_reference.py"
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, args.out, metadata=meta)
    print(f"wrote {args.out}: {len(tensors)} tensors, {os.path.getsize(args.out)} bytes")


if __name__ == "__main__":
    sys.exit(main())
