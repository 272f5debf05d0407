"""The golden reference: Llama 2 exactly as llama2.c's run.c (fp32) and runq.c (Q8_0) compute it.

One token at a time with a KV cache, like the C programs (and like the accelerator), so every
backend is compared position by position. fp32 arithmetic follows the C operation by
operation; where C is a loop of fp32 additions (dot products, sums) the reduction order of
PyTorch differs, which moves results by a few ulp: that is inside every published tolerance
and the hardware numerics model, not this file, is the bit-exact reference for the RTL.
Transcendentals (powf, cosf, sinf, expf, sqrtf) are evaluated in float64 and rounded once to
fp32, i.e. correctly rounded, which is what glibc's fp32 functions return in practice.

Modes (``Transformer(weights, quant=..., kv=...)``):

* ``quant="fp32"``: run.c. A Q8_0 checkpoint is dequantized first.
* ``quant="q8"``: runq.c. The embedding row is dequantized, every matmul input is re-quantized
  with C ``round()``, integer group dots, ``val += ((float) ival * ws) * xs``.
* ``kv="fp32"``: llama2.c's cache. ``kv="int8"``: each key/value head vector (head_size values)
  is stored Q8_0 with one fp32 scale (run-time rounding rule); attention then computes
  ``score = dot(q, (float) kq) * ks / sqrt(head_size)`` and ``out = sum_t (att[t] * vs[t]) * (float) vq[t]``,
  the scale factored out of each dot as the hardware does it.
"""

from __future__ import annotations

import math

import torch

from .config import ModelConfig
from .errors import ModelError
from .quant import QTensor, q8_matvec, quantize_activations
from .weights import LlamaWeights

RMS_EPS = 1e-5
ROPE_THETA = 10000.0
QUANT_MODES = ("fp32", "q8")
KV_MODES = ("fp32", "int8")


def f32(x: float | torch.Tensor) -> torch.Tensor:
    """Round a float64 value or tensor to fp32 once (correct rounding of the exact result)."""
    return torch.as_tensor(x, dtype=torch.float64).to(torch.float32)


def default_group_size(config: ModelConfig) -> int:
    """Largest supported group size dividing both dim and hidden_dim (64, else 32)."""
    for gs in (64, 32):
        if config.dim % gs == 0 and config.hidden_dim % gs == 0:
            return gs
    config.check_group_size(32)  # raises with the reason
    return 32


def rmsnorm(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """run.c rmsnorm: ss = sum(x*x) / n + 1e-5f; o = w * ((1 / sqrtf(ss)) * x)."""
    ss = (x * x).sum() / torch.tensor(float(x.numel()), dtype=torch.float32) + torch.tensor(RMS_EPS, dtype=torch.float32)
    inv = torch.tensor(1.0, dtype=torch.float32) / f32(torch.sqrt(ss.to(torch.float64)))
    return weight * (inv * x)


def rope_cos_sin(config: ModelConfig, pos: int) -> tuple[torch.Tensor, torch.Tensor]:
    """run.c's per-pair rotation at ``pos``: ``[head_size / 2]`` cos and sin, shared by every head.

    freq = 1 / powf(10000, head_dim / head_size) with head_dim = 0, 2, 4, ...; val = pos * freq.
    """
    hs = config.head_size
    exponent = torch.arange(0, hs, 2, dtype=torch.float32) / torch.tensor(float(hs), dtype=torch.float32)
    powf = f32(torch.pow(torch.tensor(ROPE_THETA, dtype=torch.float64), exponent.to(torch.float64)))
    freq = torch.tensor(1.0, dtype=torch.float32) / powf
    val = torch.tensor(float(pos), dtype=torch.float32) * freq
    return f32(torch.cos(val.to(torch.float64))), f32(torch.sin(val.to(torch.float64)))


def rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate interleaved pairs (x[2i], x[2i+1]) of each ``[heads, head_size]`` row."""
    pairs = x.reshape(x.shape[0], -1, 2)
    v0, v1 = pairs[..., 0], pairs[..., 1]
    return torch.stack((v0 * cos - v1 * sin, v0 * sin + v1 * cos), dim=-1).reshape(x.shape)


def expf(x: torch.Tensor) -> torch.Tensor:
    return f32(torch.exp(x.to(torch.float64)))


def softmax(x: torch.Tensor) -> torch.Tensor:
    """run.c softmax over the last dimension: subtract the max, expf, divide by the sum."""
    e = expf(x - x.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)


def swiglu(h1: torch.Tensor, h3: torch.Tensor) -> torch.Tensor:
    """run.c: val = h1 * (1.0f / (1.0f + expf(-h1))) * h3."""
    one = torch.tensor(1.0, dtype=torch.float32)
    return (h1 * (one / (one + expf(-h1)))) * h3


class Transformer:
    """Golden Llama 2 decoder with its own KV cache.

    Args:
        weights: fp32 or Q8_0 weights.
        quant: ``"fp32"`` (run.c) or ``"q8"`` (runq.c).
        kv: KV-cache format, ``"fp32"`` or ``"int8"``.
        group_size: Q8_0 group size when an fp32 model is quantized at load (default: its
            largest supported divisor of dim and hidden_dim); ignored for Q8_0 weights.
    """

    def __init__(self, weights: LlamaWeights, quant: str = "fp32", kv: str = "fp32", group_size: int | None = None):
        if quant not in QUANT_MODES:
            raise ModelError(f"unknown quantization '{quant}' (use {' or '.join(QUANT_MODES)})")
        if kv not in KV_MODES:
            raise ModelError(f"unknown KV-cache format '{kv}' (use {' or '.join(KV_MODES)})")
        self.config = c = weights.config.validate()
        self.quant, self.kv = quant, kv
        if quant == "q8":
            gs = weights.group_size or group_size or default_group_size(c)
            self.w = weights.quantized(gs)
            self.group_size: int | None = gs
            self.embedding = self.w.tok_embeddings.dequantize()
        else:
            self.w = weights.dequantized()
            self.group_size = None
            self.embedding = self.w.tok_embeddings
        self.sqrt_hs = f32(math.sqrt(c.head_size))
        # Query head h reads key/value head h // kv_mul (GQA).
        self.kv_head_of = torch.arange(c.n_heads) // c.kv_mul
        self.reset()

    def reset(self) -> None:
        """Forget all positions (a new sequence)."""
        c = self.config
        shape = (c.n_layers, c.seq_len, c.n_kv_heads, c.head_size)
        if self.kv == "fp32":
            self.key_cache = torch.zeros(shape)
            self.value_cache = torch.zeros(shape)
        else:
            self.key_cache = QTensor(torch.zeros(shape, dtype=torch.int8), torch.zeros(shape[:-1] + (1,)))
            self.value_cache = QTensor(torch.zeros(shape, dtype=torch.int8), torch.zeros(shape[:-1] + (1,)))

    # -- building blocks ------------------------------------------------------------------

    def matmul(self, w, x: torch.Tensor) -> torch.Tensor:
        """``w @ x`` in the model's precision (fp32 dot, or runq.c's quantize + Q8_0 dot)."""
        if self.quant == "q8":
            return q8_matvec(w, quantize_activations(x, self.group_size))
        return w @ x

    def _store_kv(self, layer: int, pos: int, k: torch.Tensor, v: torch.Tensor) -> None:
        if self.kv == "fp32":
            self.key_cache[layer, pos] = k
            self.value_cache[layer, pos] = v
            return
        hs = self.config.head_size
        for cache, vec in ((self.key_cache, k), (self.value_cache, v)):
            qv = quantize_activations(vec, hs)
            cache.q[layer, pos], cache.s[layer, pos] = qv.q, qv.s

    def _attend(self, layer: int, pos: int, q: torch.Tensor) -> torch.Tensor:
        """Multi-head attention of ``q [n_heads, head_size]`` over positions 0..pos."""
        idx = self.kv_head_of
        if self.kv == "fp32":
            keys = self.key_cache[layer, : pos + 1][:, idx]                      # [T, H, hs]
            scores = torch.einsum("hd,thd->ht", q, keys) / self.sqrt_hs
            att = softmax(scores)
            values = self.value_cache[layer, : pos + 1][:, idx]
            return torch.einsum("ht,thd->hd", att, values)
        kq = self.key_cache.q[layer, : pos + 1][:, idx].to(torch.float32)
        ks = self.key_cache.s[layer, : pos + 1][:, idx, 0]                     # [T, H]
        scores = torch.einsum("hd,thd->ht", q, kq) * ks.T / self.sqrt_hs
        att = softmax(scores)
        vq = self.value_cache.q[layer, : pos + 1][:, idx].to(torch.float32)
        vs = self.value_cache.s[layer, : pos + 1][:, idx, 0]
        return torch.einsum("ht,thd->hd", att * vs.T, vq)

    # -- one token --------------------------------------------------------------------------

    def forward(self, token: int, pos: int) -> torch.Tensor:
        """Logits ``[vocab]`` (fp32) for ``token`` at position ``pos``; fills the KV cache at pos."""
        c, w = self.config, self.w
        if not 0 <= token < c.vocab_size:
            raise ModelError(f"token id {token} is out of range (vocabulary size {c.vocab_size})")
        if not 0 <= pos < c.seq_len:
            raise ModelError(f"position {pos} is out of range (seq_len {c.seq_len})")
        cos, sin = rope_cos_sin(c, pos)
        x = self.embedding[token].clone()
        for layer in range(c.n_layers):
            xb = rmsnorm(x, w.rms_att[layer])
            q = self.matmul(w.wq[layer], xb)
            k = self.matmul(w.wk[layer], xb)
            v = self.matmul(w.wv[layer], xb)
            q = rope(q.view(c.n_heads, c.head_size), cos, sin)
            k = rope(k.view(c.n_kv_heads, c.head_size), cos, sin)
            self._store_kv(layer, pos, k, v.view(c.n_kv_heads, c.head_size))
            att_out = self._attend(layer, pos, q).reshape(c.dim)
            x = x + self.matmul(w.wo[layer], att_out)
            xb = rmsnorm(x, w.rms_ffn[layer])
            h = swiglu(self.matmul(w.w1[layer], xb), self.matmul(w.w3[layer], xb))
            x = x + self.matmul(w.w2[layer], h)
        x = rmsnorm(x, w.rms_final)
        return self.matmul(w.classifier, x)

    def logits(self, tokens: list[int]) -> torch.Tensor:
        """Logits ``[len(tokens), vocab]`` for a sequence starting at position 0 (resets the cache)."""
        if len(tokens) > self.config.seq_len:
            raise ModelError(f"{len(tokens)} tokens do not fit the context (seq_len {self.config.seq_len})")
        self.reset()
        return torch.stack([self.forward(t, pos) for pos, t in enumerate(tokens)])
