"""Model shape (the seven llama2.c header integers plus the quantization facts).

One ``ModelConfig`` describes a checkpoint: every reader, writer, model and test takes its
shapes from here. ``validate`` is the single place that decides whether a shape is usable.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ModelError

#: Group sizes the Q8_0 path supports (DESIGN.md section 4).
GROUP_SIZES = (32, 64)


@dataclass(frozen=True)
class ModelConfig:
    """Llama 2 shape as llama2.c's ``Config`` defines it.

    Args:
        dim: transformer width.
        hidden_dim: SwiGLU FFN width.
        n_layers: decoder layers.
        n_heads: query heads; ``head_size = dim // n_heads``.
        n_kv_heads: key/value heads (GQA when fewer than ``n_heads``).
        vocab_size: vocabulary size (always positive here; the v0 sign trick is file-level).
        seq_len: maximum context length.
        shared_classifier: the classifier is the token embedding table.
    """

    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int
    seq_len: int
    shared_classifier: bool = True

    @property
    def head_size(self) -> int:
        return self.dim // self.n_heads

    @property
    def kv_dim(self) -> int:
        return self.dim * self.n_kv_heads // self.n_heads

    @property
    def kv_mul(self) -> int:
        """Query heads sharing one key/value head."""
        return self.n_heads // self.n_kv_heads

    def validate(self) -> "ModelConfig":
        """Raise ``ModelError`` naming the first inconsistency; return self when usable."""
        fields = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len")
        for name in fields:
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ModelError(f"invalid model header: {name} = {value} (must be a positive integer)")
        if self.dim % self.n_heads:
            raise ModelError(f"invalid model header: dim {self.dim} is not a multiple of n_heads {self.n_heads}")
        if self.n_heads % self.n_kv_heads:
            raise ModelError(
                f"invalid model header: n_heads {self.n_heads} is not a multiple of n_kv_heads {self.n_kv_heads}")
        if self.head_size % 2:
            raise ModelError(f"invalid model header: head_size {self.head_size} is odd (RoPE rotates pairs)")
        return self

    def check_group_size(self, group_size: int) -> None:
        """Raise ``ModelError`` unless ``group_size`` is supported and divides dim and hidden_dim.

        llama2.c's runq silently drops the tail of hidden_dim when it does not divide; we refuse.
        """
        if group_size not in GROUP_SIZES:
            raise ModelError(f"group size {group_size} is not supported (use one of {', '.join(map(str, GROUP_SIZES))})")
        for name in ("dim", "hidden_dim"):
            value = getattr(self, name)
            if value % group_size:
                raise ModelError(
                    f"group size {group_size} does not divide {name} {value}"
                    + (" (try --group-size 32)" if group_size == 64 and value % 32 == 0 else ""))

    def n_params(self) -> int:
        """Parameter count, counting a shared classifier once."""
        d, h, L, v = self.dim, self.hidden_dim, self.n_layers, self.vocab_size
        per_layer = 2 * d + 2 * d * d + 2 * self.kv_dim * d + 3 * d * h
        return v * d * (1 if self.shared_classifier else 2) + L * per_layer + d
