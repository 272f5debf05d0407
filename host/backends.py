"""Backends: what turns (token, position) into logits.

Every backend takes the same checkpoint, precision (``quant``) and KV-cache format (``kv``,
default fp32 everywhere) and exposes ``reset()`` and ``forward(token, pos)``. Later issues add
``numerics`` (bit-exact hardware model), ``sim`` (Verilated shell) and ``xrt`` (a board).
"""

from __future__ import annotations

from typing import Callable, Protocol

import torch

from hlstransform.model.errors import ModelError
from hlstransform.model.golden import Transformer
from hlstransform.model.weights import LlamaWeights


class Backend(Protocol):
    name: str

    def reset(self) -> None:
        """Start a new sequence at position 0."""

    def forward(self, token: int, pos: int) -> torch.Tensor:
        """Logits [vocab] (fp32) of ``token`` at ``pos``."""


class GoldenBackend:
    """The PyTorch golden reference (llama2.c run.c / runq.c)."""

    name = "golden"

    def __init__(self, weights: LlamaWeights, quant: str, kv: str):
        self.model = Transformer(weights, quant=quant, kv=kv)

    def reset(self) -> None:
        self.model.reset()

    def forward(self, token: int, pos: int) -> torch.Tensor:
        return self.model.forward(token, pos)


BACKENDS: dict[str, Callable[[LlamaWeights, str, str], Backend]] = {
    "golden": GoldenBackend,
}


def open_backend(name: str, weights: LlamaWeights, quant: str, kv: str = "fp32") -> Backend:
    """Build backend ``name`` for these weights; ModelError for an unknown name."""
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise ModelError(f"unknown backend '{name}' (available: {', '.join(BACKENDS)})") from None
    return factory(weights, quant, kv)


def sequence_logits(backend: Backend, tokens: list[int]) -> torch.Tensor:
    """Logits [len(tokens), vocab] of a sequence from position 0."""
    backend.reset()
    return torch.stack([backend.forward(t, pos) for pos, t in enumerate(tokens)])
