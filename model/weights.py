"""The weights of one Llama 2 model, in llama2.c's tensor names and layouts.

Matrices are row-major ``[out, in]`` (``out[i] = sum_j W[i, j] * x[j]``), stacked over layers.
A matrix is either an fp32 ``torch.Tensor`` or a Q8_0 ``QTensor``; a model is all one or the
other (norm weights are always fp32, as in llama2.c v2 files).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterator, Union

import torch

from .config import ModelConfig
from .quant import QTensor, quantize_weights

Matrix = Union[torch.Tensor, QTensor]

#: Per-layer matrices in llama2.c file order.
LAYER_MATRICES = ("wq", "wk", "wv", "wo", "w1", "w2", "w3")


@dataclass
class LlamaWeights:
    """All tensors of a model.

    Args:
        config: the shape.
        tok_embeddings: ``[vocab, dim]``.
        rms_att, rms_ffn: ``[n_layers, dim]`` fp32.
        wq, wo: ``[n_layers, dim, dim]``; wk, wv: ``[n_layers, kv_dim, dim]``.
        w1, w3: ``[n_layers, hidden_dim, dim]``; w2: ``[n_layers, dim, hidden_dim]``.
        rms_final: ``[dim]`` fp32.
        wcls: ``[vocab, dim]`` or None when the classifier is the embedding table.
    """

    config: ModelConfig
    tok_embeddings: Matrix
    rms_att: torch.Tensor
    wq: Matrix
    wk: Matrix
    wv: Matrix
    wo: Matrix
    rms_ffn: torch.Tensor
    w1: Matrix
    w2: Matrix
    w3: Matrix
    rms_final: torch.Tensor
    wcls: Matrix | None = None

    @property
    def group_size(self) -> int | None:
        """Q8_0 group size, or None for an fp32 model."""
        return self.wq.group_size if isinstance(self.wq, QTensor) else None

    @property
    def classifier(self) -> Matrix:
        return self.tok_embeddings if self.config.shared_classifier else self.wcls

    def matrices(self) -> Iterator[tuple[str, Matrix]]:
        """Every quantizable matrix, in v2 file order (embedding, per-layer, classifier)."""
        yield "tok_embeddings", self.tok_embeddings
        for name in LAYER_MATRICES:
            yield name, getattr(self, name)
        if not self.config.shared_classifier:
            yield "wcls", self.wcls

    def quantized(self, group_size: int) -> "LlamaWeights":
        """Q8_0 copy (llama2.c export rule); an already Q8_0 model of that group size is returned as is."""
        self.config.check_group_size(group_size)
        if self.group_size == group_size:
            return self
        src = self.dequantized()
        return dataclasses.replace(src, **{name: quantize_weights(m, group_size) for name, m in src.matrices()})

    def dequantized(self) -> "LlamaWeights":
        """fp32 copy (``q * s``); an fp32 model is returned as is."""
        if self.group_size is None:
            return self
        return dataclasses.replace(self, **{name: m.dequantize() for name, m in self.matrices()})

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        c = self.config
        L, d, h, kv = c.n_layers, c.dim, c.hidden_dim, c.kv_dim
        shapes = {
            "tok_embeddings": (c.vocab_size, d), "rms_att": (L, d), "wq": (L, d, d), "wk": (L, kv, d),
            "wv": (L, kv, d), "wo": (L, d, d), "rms_ffn": (L, d), "w1": (L, h, d), "w2": (L, d, h),
            "w3": (L, h, d), "rms_final": (d,),
        }
        if not c.shared_classifier:
            shapes["wcls"] = (c.vocab_size, d)
        return shapes

    def check_shapes(self) -> "LlamaWeights":
        """Raise ValueError if any tensor's shape disagrees with the config (a programming error)."""
        for name, shape in self.expected_shapes().items():
            got = tuple(getattr(self, name).shape)
            if got != shape:
                raise ValueError(f"tensor {name} has shape {got}, config says {shape}")
        return self


def random_weights(config: ModelConfig, seed: int = 0, std: float = 0.02) -> LlamaWeights:
    """Random fp32 weights for tests and benchmarks (norm weights near 1, like a trained model)."""
    g = torch.Generator().manual_seed(seed)
    config.validate()

    def mat(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g) * std

    def norm(*shape: int) -> torch.Tensor:
        return 1.0 + 0.1 * torch.randn(*shape, generator=g)

    c = config
    L, d, h, kv = c.n_layers, c.dim, c.hidden_dim, c.kv_dim
    return LlamaWeights(
        config=c, tok_embeddings=torch.randn(c.vocab_size, d, generator=g), rms_att=norm(L, d),
        wq=mat(L, d, d), wk=mat(L, kv, d), wv=mat(L, kv, d), wo=mat(L, d, d), rms_ffn=norm(L, d),
        w1=mat(L, h, d), w2=mat(L, d, h), w3=mat(L, h, d), rms_final=norm(d),
        wcls=None if c.shared_classifier else mat(c.vocab_size, d),
    ).check_shapes()
