#!/usr/bin/env python3
"""Reference factorizations, computed by numpy (LAPACK, float64), for the tensor module's linear algebra
(cortado.tensor.linalg: Svd, HouseholderQr; test tensor/src/test/.../linalg/LinalgGoldenTest).

Each case stores its input A (m x n, float64) and numpy's results:
  svd: np.linalg.svd(A, full_matrices=False) -> U [m,k], S [k], Vh [k,n]   (k = min(m, n))
  qr:  np.linalg.qr(A, mode="reduced")        -> Q [m,k], R [k,n]          (LAPACK dgeqrf + dorgqr, as torch.linalg.qr)

File layout (little endian): b"CORTADO-LINALG-1\\n", int32 count, then per case: name and kind as (uint16 length,
UTF-8), int32 m, int32 n, then A, and the outputs above in that order, as float64 arrays.

Run (a few KB, committed):
    /work/venv/bin/python tools/golden/make_linalg_golden.py --out tensor/src/test/resources/golden/linalg.bin
"""
import argparse
import struct

import numpy as np


def orthonormal(rng, m, k):
    q, _ = np.linalg.qr(rng.standard_normal((m, k)))
    return q


def cases():
    rng = np.random.default_rng(20240601)
    out = [
        ("svd_tall_7x4", "svd", rng.standard_normal((7, 4))),
        ("svd_wide_3x6", "svd", rng.standard_normal((3, 6))),
        ("svd_square_8", "svd", rng.standard_normal((8, 8))),
        ("svd_medium_24x16", "svd", rng.standard_normal((24, 16))),
        ("svd_wide_12x20", "svd", rng.standard_normal((12, 20))),
        ("svd_rank2_6x5", "svd", rng.standard_normal((6, 2)) @ rng.standard_normal((2, 5))),
        # repeated singular values: their singular vectors are only defined up to a rotation of the subspace
        ("svd_repeated_5x5", "svd", orthonormal(rng, 5, 5) @ np.diag([3.0, 3.0, 1.0, 1.0, 0.5]) @ orthonormal(rng, 5, 5).T),
        # graded: singular values from 1 to 1e-9 (Jacobi keeps the small ones to high relative accuracy)
        ("svd_graded_10x6", "svd", orthonormal(rng, 10, 6) @ np.diag(np.logspace(0, -9, 6)) @ orthonormal(rng, 6, 6).T),
        ("svd_zero_column_4x3", "svd", np.column_stack([rng.standard_normal(4), np.zeros(4), rng.standard_normal(4)])),
        ("svd_column_1x5", "svd", rng.standard_normal((1, 5))),
        ("qr_tall_7x4", "qr", rng.standard_normal((7, 4))),
        ("qr_wide_3x6", "qr", rng.standard_normal((3, 6))),
        ("qr_square_6", "qr", rng.standard_normal((6, 6))),
        # already upper triangular with a negative diagonal: dlarfg reflects nothing and keeps the signs
        ("qr_triangular_4", "qr", np.triu(rng.standard_normal((4, 4))) - 2 * np.eye(4)),
    ]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    blob = bytearray(b"CORTADO-LINALG-1\n")
    cs = cases()
    blob += struct.pack("<i", len(cs))

    def string(s):
        b = s.encode()
        return struct.pack("<H", len(b)) + b

    def arr(x):
        x = np.ascontiguousarray(x, dtype="<f8").reshape(-1)
        return x.tobytes()

    for name, kind, a in cs:
        m, n = a.shape
        blob += string(name) + string(kind) + struct.pack("<ii", m, n) + arr(a)
        if kind == "svd":
            u, s, vh = np.linalg.svd(a, full_matrices=False)
            blob += arr(u) + arr(s) + arr(vh)
        else:
            q, r = np.linalg.qr(a, mode="reduced")
            blob += arr(q) + arr(r)
    with open(args.out, "wb") as f:
        f.write(blob)
    print(f"{len(cs)} cases, {len(blob)} bytes -> {args.out}")


if __name__ == "__main__":
    main()
