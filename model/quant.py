"""Q8_0 quantization exactly as llama2.c defines it (export.py and runq.c).

Two rounding rules, deliberately different because llama2.c uses both:

* weights at export: ``scale = max|w| / 127``; ``q = torch.round(w / scale)`` (half to even);
* activations at run time: ``scale = max|x| / 127.0f``; ``q = (int8_t) round(x / scale)``
  (C ``round()``: half away from zero), no clamp (|x / scale| <= 127 by construction).

Groups are ``group_size`` consecutive values of a row; every quantized row length here is a
multiple of the group size, so this equals llama2.c's grouping over the flattened tensor.

An all-zero group has ``scale = 0``. llama2.c then divides 0 by 0 and stores NaN-derived
garbage; we define ``q = 0`` (the group contributes exactly 0), which is what the hardware
does. This is the one documented deviation from llama2.c (docs/golden-model.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

Q_MAX = 127.0


@dataclass
class QTensor:
    """A Q8_0 tensor: int8 values and one fp32 scale per group along the last dimension.

    Args:
        q: int8 values, shape ``[..., n]``.
        s: float32 scales, shape ``[..., n // group_size]``.
    """

    q: torch.Tensor
    s: torch.Tensor

    @property
    def group_size(self) -> int:
        return self.q.shape[-1] // self.s.shape[-1]

    @property
    def shape(self) -> torch.Size:
        return self.q.shape

    def dequantize(self) -> torch.Tensor:
        """fp32 values ``q * s`` (one fp32 multiply, as runq.c's ``dequantize``)."""
        gs = self.group_size
        grouped = self.q.to(torch.float32).reshape(*self.s.shape, gs)
        return (grouped * self.s.unsqueeze(-1)).reshape(self.q.shape)

    def __getitem__(self, index) -> "QTensor":
        return QTensor(self.q[index], self.s[index])


def _group(x: torch.Tensor, group_size: int) -> torch.Tensor:
    if x.shape[-1] % group_size:
        raise ValueError(f"last dimension {x.shape[-1]} is not a multiple of group size {group_size}")
    return x.to(torch.float32).reshape(*x.shape[:-1], x.shape[-1] // group_size, group_size)


def _scales(groups: torch.Tensor) -> torch.Tensor:
    return groups.abs().amax(dim=-1) / Q_MAX


def quantize_weights(w: torch.Tensor, group_size: int) -> QTensor:
    """Export rule (llama2.c export.py ``quantize_q80``): round half to even."""
    groups = _group(w, group_size)
    scale = _scales(groups)
    safe = torch.where(scale == 0, torch.ones_like(scale), scale)
    q = torch.round(groups / safe.unsqueeze(-1))
    q = torch.where(scale.unsqueeze(-1) == 0, torch.zeros_like(q), q)
    return QTensor(q.to(torch.int8).reshape(w.shape), scale)


def round_half_away(v: torch.Tensor) -> torch.Tensor:
    """C ``round()`` of fp32 values, computed in float64 so ``|v| + 0.5`` is exact."""
    d = v.to(torch.float64)
    return torch.sign(d) * torch.floor(d.abs() + 0.5)


def quantize_activations(x: torch.Tensor, group_size: int) -> QTensor:
    """Run-time rule (runq.c ``quantize``): fp32 divide, then C ``round()``."""
    groups = _group(x, group_size)
    scale = _scales(groups)
    safe = torch.where(scale == 0, torch.ones_like(scale), scale)
    q = round_half_away(groups / safe.unsqueeze(-1))
    q = torch.where(scale.unsqueeze(-1) == 0, torch.zeros_like(q), q)
    return QTensor(q.to(torch.int8).reshape(x.shape), scale)


def q8_matvec(w: QTensor, x: QTensor) -> torch.Tensor:
    """runq.c ``matmul``: out[i] = sum over groups g, in order, of ((float) ival * ws) * xs.

    ``ival`` is the exact integer dot of one group (its magnitude is at most 64 * 127**2, so
    the int32 of C and its conversion to float are both exact); the fp32 accumulation across
    groups is done strictly left to right as in C.
    """
    rows = w.q.shape[0]
    n_groups = w.s.shape[-1]
    gs = w.group_size
    wq = w.q.to(torch.int32).reshape(rows, n_groups, gs)
    xq = x.q.to(torch.int32).reshape(n_groups, gs)
    ival = (wq * xq).sum(dim=-1).to(torch.float32)
    terms = (ival * w.s) * x.s
    out = torch.zeros(rows, dtype=torch.float32)
    for g in range(n_groups):
        out = out + terms[:, g]
    return out
