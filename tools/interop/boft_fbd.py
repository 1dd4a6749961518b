"""A plain-torch stand-in for peft's BOFT CUDA extension fbd_cuda, so peft's own butterfly code runs on a CPU.

peft 0.21 computes boft_n_butterfly_factor > 1 only through fbd_cuda (FastBlockDiag); without it (any CPU)
BOFTLayer.update_layer silently sets the factor to 1. With use_fbd(True) peft's update_layer, block_butterfly_perm,
perm2mat, the bmm with boft_P, merge and unmerge all run as on a GPU; only the block-diagonal assembly is this file's
(the kernel's documented contract: [N, D, H, H] -> [N, D*H, D*H], each factor's blocks on the diagonal).
"""
import json
import os

import peft.tuners.boft.layer as boft_layer
import torch


class TorchFbd:
    """fbd_cuda's interface: forward(x) -> [block-diagonal], backward(grad, x) -> [the diagonal blocks of grad]."""

    @staticmethod
    def forward(x):
        return [torch.stack([torch.block_diag(*torch.unbind(f)) for f in torch.unbind(x)])]

    @staticmethod
    def backward(g, x):
        n, d, h, _ = x.shape
        out = torch.empty_like(x)
        for k in range(d):
            out[:, k] = g[:, k * h:(k + 1) * h, k * h:(k + 1) * h]
        return [out]


def use_fbd(on):
    """Makes peft's get_fbd_cuda() return the stand-in (on) or nothing, peft's CPU fallback (off)."""
    boft_layer._FBD_CUDA = TorchFbd if on else None
    boft_layer.get_fbd_cuda = (lambda: TorchFbd) if on else (lambda: None)


def use_fbd_for(adapter_dir):
    """The stand-in exactly when adapter_dir holds a BOFT adapter with more than one butterfly factor."""
    path = os.path.join(adapter_dir, "adapter_config.json")
    config = {}
    if os.path.exists(path):
        with open(path) as f:
            config = json.load(f)
    use_fbd(config.get("peft_type") == "BOFT" and config.get("boft_n_butterfly_factor", 1) > 1)
