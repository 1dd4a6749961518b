"""Golden files for Cortado's 4-bit and 8-bit quantizers from the real bitsandbytes, built for the CPU by
tools/quant/build_bitsandbytes.sh (replacing bnb_reference.py, a rewrite of its algorithm).

For each input case: bitsandbytes.functional.quantize_4bit (NF4 and FP4, blocksize 64, with and without
compress_statistics, whose nested quantization of the absmax uses blocksize 256 and create_dynamic_map(signed=True))
and dequantize_4bit of that state; quantize_blockwise with both dynamic maps (blocksize 256, the CPU library's
65536-bin lookup table) and dequantize_blockwise; int8_vectorwise_quant / int8_vectorwise_dequant for 2-D cases;
and the maps (get_4bit_type, create_dynamic_map).

The CPU library's quantize_4bit is the pure-torch default backend (absmax clamped to 1e-38, the last partial block
divided by its absmax, torch.bucketize against float midpoints), which differs from the CUDA kernel that Cortado
follows at values on a midpoint, in all-zero blocks and in the sign of FP4's zero; BnbParityTest says where.

Usage: PYTHONPATH=tools/quant/.bnb /work/venv/bin/python tools/quant/bnb_goldens.py \
           [--out quant/src/test/resources/quant/bnb_goldens.safetensors]
"""
import argparse
import json
import os

import numpy as np
import torch

import bitsandbytes as bnb
import bitsandbytes.functional as F

F32 = np.float32
BLOCKSIZE = 64


def golden_inputs(rng):
    """name -> float32 array. Standard normal of several shapes, a heavy-tailed one with a zero row, and a row of
    values on and one float either side of every midpoint between adjacent NF4 and FP4 codes (absmax 1)."""
    cases = {}
    cases["normal_33x7"] = rng.standard_normal((33, 7)).astype(F32)                  # odd count, partial block
    cases["normal_64x96"] = rng.standard_normal((64, 96)).astype(F32)
    cases["normal_9600"] = (rng.standard_normal(9600) * 0.02).astype(F32)             # 150 blocks: a partial nested block
    heavy = rng.standard_t(3, size=(40, 130)).astype(F32)
    heavy[3, :] = 0.0
    cases["heavy_40x130"] = heavy
    probe = [F32(1.0)]
    for qt in ("nf4", "fp4"):
        code = np.sort(F.get_4bit_type(qt, device="cpu").numpy().astype(F32))
        for m in ((code[:-1] + code[1:]) / F32(2)).astype(F32):
            probe += [m, np.nextafter(m, F32(2)), np.nextafter(m, F32(-2))]
        probe += list(code)
    probe = np.array(probe, dtype=F32)
    pad = np.zeros(-(-probe.size // BLOCKSIZE) * BLOCKSIZE - probe.size, dtype=F32)
    cases["pivots"] = np.concatenate([probe, pad, [F32(-1.0)], rng.standard_normal(63).astype(F32)]).astype(F32)
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="quant/src/test/resources/quant/bnb_goldens.safetensors")
    args = ap.parse_args()
    rng = np.random.default_rng(20240528)
    t = {}
    t["map.nf4"] = F.get_4bit_type("nf4", device="cpu").float()
    t["map.fp4"] = F.get_4bit_type("fp4", device="cpu").float()
    t["map.dynamic_signed"] = F.create_dynamic_map(signed=True).float()
    t["map.dynamic_unsigned"] = F.create_dynamic_map(signed=False).float()
    cases = golden_inputs(rng)
    for name, data in cases.items():
        x = torch.from_numpy(data.copy())
        t[f"{name}.input"] = x
        for qt in ("nf4", "fp4"):
            for dq in (False, True):
                key = f"{name}.{qt}.b{BLOCKSIZE}" + (".dq" if dq else "")
                packed, st = F.quantize_4bit(x, blocksize=BLOCKSIZE, compress_statistics=dq, quant_type=qt)
                t[key + ".packed"] = packed.reshape(-1).clone()
                if dq:
                    t[key + ".absmax_codes"] = st.absmax.reshape(-1).clone()
                    t[key + ".nested_absmax"] = st.state2.absmax.reshape(-1).clone()
                    t[key + ".offset"] = st.offset.reshape(1).float().clone()
                    assert st.state2.blocksize == 256
                else:
                    t[key + ".absmax"] = st.absmax.reshape(-1).clone()
                # Of the flat state: bnb 0.50's CPU dequantize_4bit kernel is wrong for 2-D shapes whose last
                # dimension is not a multiple of the blocksize (64x96: 5438 of 6144 values off, by up to 2.0; it
                # assumes blocks do not cross rows), while quantization is flat either way.
                p1, st1 = F.quantize_4bit(x.reshape(-1), blocksize=BLOCKSIZE, compress_statistics=dq, quant_type=qt)
                assert torch.equal(p1.reshape(-1), packed.reshape(-1))
                t[key + ".dequant"] = F.dequantize_4bit(p1, st1).reshape(-1).clone()
        flat = x.reshape(-1)
        for mapname, signed in (("dynamic_signed", True), ("dynamic_unsigned", False)):
            src = flat if signed else flat.abs()
            code = F.create_dynamic_map(signed=signed)
            q, st = F.quantize_blockwise(src, code=code, blocksize=256)
            t[f"{name}.{mapname}.b256.codes"] = q.reshape(-1).clone()
            t[f"{name}.{mapname}.b256.absmax"] = st.absmax.reshape(-1).clone()
            t[f"{name}.{mapname}.b256.dequant"] = F.dequantize_blockwise(q, st).reshape(-1).clone()
        if data.ndim == 2:
            q, stats, _ = F.int8_vectorwise_quant(x)
            t[f"{name}.int8row.codes"] = q.clone()
            t[f"{name}.int8row.scb"] = stats.clone()
            t[f"{name}.int8row.dequant"] = F.int8_vectorwise_dequant(q, stats).clone()
    meta = {"cases": json.dumps({k: list(v.shape) for k, v in cases.items()}), "blocksize": str(BLOCKSIZE),
            "generator": "tools/quant/bnb_goldens.py", "bitsandbytes": bnb.__version__, "torch": torch.__version__}
    from safetensors.torch import save_file
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    save_file({k: v.contiguous() for k, v in t.items()}, args.out, metadata=meta)
    print(f"wrote {args.out}: {len(t)} tensors, {os.path.getsize(args.out)} bytes (bitsandbytes {bnb.__version__})")


if __name__ == "__main__":
    main()
