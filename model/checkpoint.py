"""llama2.c checkpoint files: legacy v0 fp32, v1 fp32 and v2 Q8_0 ("ak42"), read and written.

Layouts (llama2.c export.py / run.c / runq.c):

* v0: seven int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a
  negative vocab_size means a separate classifier), then fp32 tok_embeddings, rms_att, wq, wk,
  wv, wo, rms_ffn, w1, w2, w3, rms_final, two RoPE tables of seq_len * head_size / 2 (unused by
  readers), then the classifier when not shared.
* v1 / v2: a 256-byte header: uint32 magic 0x616b3432, int32 version, the seven int32, uint8
  shared_classifier, (v2) int32 group_size, zero padding. Body: fp32 rms_att (all layers),
  rms_ffn (all layers), rms_final, then tok_embeddings, wq..w3 per layer, classifier (if not
  shared); v1 stores them fp32, v2 stores each layer's tensor as int8 values then fp32 scales.

Every problem with a file is a ``ModelError`` with one readable line: wrong magic or version,
truncated or oversized file (header inconsistent with the file size), invalid shapes.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

import numpy as np
import torch

from .config import ModelConfig
from .errors import ModelError
from .quant import QTensor
from .weights import LAYER_MATRICES, LlamaWeights

MAGIC = 0x616B3432  # "ak42" read as a little-endian uint32
HEADER_BYTES = 256
V0_HEADER = struct.Struct("<7i")
V1_HEADER = struct.Struct("<Ii7iB")
V2_HEADER = struct.Struct("<Ii7iBi")
VERSIONS = (0, 1, 2)


@dataclass
class Checkpoint:
    """A loaded file: its weights, format version and path."""

    weights: LlamaWeights
    version: int
    path: str = ""

    @property
    def config(self) -> ModelConfig:
        return self.weights.config

    @property
    def group_size(self) -> int | None:
        return self.weights.group_size


def rope_tables(config: ModelConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin tables ``[seq_len, head_size / 2]`` as llama2.c model.py precomputes them.

    Written into v0 files for compatibility only: run.c recomputes RoPE and never reads them.
    """
    hs = config.head_size
    freqs = 1.0 / (10000.0 ** (torch.arange(0, hs, 2)[: hs // 2].float() / hs))
    angles = torch.outer(torch.arange(config.seq_len).float(), freqs)
    return torch.cos(angles), torch.sin(angles)


# ----------------------------------------------------------------------------- reading

class _Reader:
    """Sequential reader over the file bytes that reports truncation as a ModelError."""

    def __init__(self, buf: bytes, offset: int, path: str):
        self.buf, self.offset, self.path = buf, offset, path

    def take(self, dtype: type, count: int) -> np.ndarray:
        nbytes = count * np.dtype(dtype).itemsize
        if self.offset + nbytes > len(self.buf):
            raise ModelError(f"{self.path}: file is truncated ({len(self.buf)} bytes, header needs more)")
        arr = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.offset)
        self.offset += nbytes
        return arr

    def fp32(self, *shape: int) -> torch.Tensor:
        return torch.from_numpy(self.take(np.float32, int(np.prod(shape))).reshape(shape).copy())

    def q8(self, group_size: int, *shape: int) -> QTensor:
        n = int(np.prod(shape))
        q = torch.from_numpy(self.take(np.int8, n).reshape(shape).copy())
        s = torch.from_numpy(self.take(np.float32, n // group_size).reshape(*shape[:-1], shape[-1] // group_size).copy())
        return QTensor(q, s)


def expected_file_size(config: ModelConfig, version: int, group_size: int | None = None) -> int:
    """Bytes a well-formed file of this shape has (Python ints: no overflow on absurd headers)."""
    c = config
    L, d, h, kv, v = c.n_layers, c.dim, c.hidden_dim, c.kv_dim, c.vocab_size
    norms = (2 * L + 1) * d
    mats = v * d + L * (2 * d * d + 2 * kv * d + 3 * h * d) + (0 if c.shared_classifier else v * d)
    if version == 0:
        return V0_HEADER.size + 4 * (norms + mats + c.seq_len * c.head_size)
    if version == 1:
        return HEADER_BYTES + 4 * (norms + mats)
    return HEADER_BYTES + 4 * norms + mats + 4 * (mats // group_size)


def _parse_header(buf: bytes, path: str) -> tuple[ModelConfig, int, int | None, int]:
    """Return (config, version, group_size, body offset), validating everything but the size."""
    if len(buf) < V0_HEADER.size:
        raise ModelError(f"{path}: file is too short to be a llama2.c checkpoint ({len(buf)} bytes)")
    (magic,) = struct.unpack_from("<I", buf, 0)
    if magic == MAGIC:
        if len(buf) < HEADER_BYTES:
            raise ModelError(f"{path}: file is truncated inside its 256-byte header")
        (version,) = struct.unpack_from("<i", buf, 4)
        if version == 1:
            _, _, *ints, shared = V1_HEADER.unpack_from(buf, 0)
            group_size = None
        elif version == 2:
            _, _, *ints, shared, group_size = V2_HEADER.unpack_from(buf, 0)
        else:
            raise ModelError(f"{path}: unsupported checkpoint version {version} (supported: 0, 1, 2)")
        if shared not in (0, 1):
            raise ModelError(f"{path}: invalid header: shared_classifier byte is {shared}")
        config = ModelConfig(*ints, shared_classifier=bool(shared))
        offset = HEADER_BYTES
    else:
        version, group_size = 0, None
        ints = list(V0_HEADER.unpack_from(buf, 0))
        # A file that is not a checkpoint at all usually fails here, so say so plainly.
        if any(x <= 0 for i, x in enumerate(ints) if i != 5) or ints[5] == 0:
            raise ModelError(f"{path}: not a llama2.c checkpoint (no 'ak42' magic and the v0 header "
                             f"{tuple(ints)} is not a valid shape)")
        shared = ints[5] > 0
        ints[5] = abs(ints[5])
        config = ModelConfig(*ints, shared_classifier=shared)
        offset = V0_HEADER.size
        try:
            config.validate()
        except ModelError as e:
            raise ModelError(f"{path}: not a llama2.c checkpoint (no 'ak42' magic, and as a v0 header: {e})") from None
    config.validate()
    if group_size is not None:
        config.check_group_size(group_size)
    return config, version, group_size, offset


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read any llama2.c checkpoint (format from the magic); raise ``ModelError`` on a bad file."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except FileNotFoundError:
        raise ModelError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ModelError(f"{path}: is a directory, not a checkpoint file") from None
    except OSError as e:
        raise ModelError(f"{path}: cannot read: {e.strerror}") from None
    config, version, group_size, offset = _parse_header(buf, path)
    want = expected_file_size(config, version, group_size)
    if want != len(buf):
        what = "truncated" if len(buf) < want else "longer than its header implies"
        raise ModelError(f"{path}: header inconsistent with file size: the v{version} header describes "
                         f"{want} bytes, the file has {len(buf)} ({what})")
    r = _Reader(buf, offset, path)
    c = config
    L, d, h, kv, v = c.n_layers, c.dim, c.hidden_dim, c.kv_dim, c.vocab_size
    shapes = {"wq": (d, d), "wk": (kv, d), "wv": (kv, d), "wo": (d, d), "w1": (h, d), "w2": (d, h), "w3": (h, d)}
    t: dict[str, object] = {}
    if version == 0:
        t["tok_embeddings"] = r.fp32(v, d)
        t["rms_att"] = r.fp32(L, d)
        for name in ("wq", "wk", "wv", "wo"):
            t[name] = r.fp32(L, *shapes[name])
        t["rms_ffn"] = r.fp32(L, d)
        for name in ("w1", "w2", "w3"):
            t[name] = r.fp32(L, *shapes[name])
        t["rms_final"] = r.fp32(d)
        r.take(np.float32, c.seq_len * c.head_size)  # the two unused RoPE tables
        t["wcls"] = None if c.shared_classifier else r.fp32(v, d)
    else:
        t["rms_att"] = r.fp32(L, d)
        t["rms_ffn"] = r.fp32(L, d)
        t["rms_final"] = r.fp32(d)
        if version == 1:
            t["tok_embeddings"] = r.fp32(v, d)
            for name in LAYER_MATRICES:
                t[name] = r.fp32(L, *shapes[name])
            t["wcls"] = None if c.shared_classifier else r.fp32(v, d)
        else:
            t["tok_embeddings"] = r.q8(group_size, v, d)
            for name in LAYER_MATRICES:
                per_layer = [r.q8(group_size, *shapes[name]) for _ in range(L)]
                t[name] = QTensor(torch.stack([p.q for p in per_layer]), torch.stack([p.s for p in per_layer]))
            t["wcls"] = None if c.shared_classifier else r.q8(group_size, v, d)
    return Checkpoint(LlamaWeights(config=config, **t).check_shapes(), version, path)


# ----------------------------------------------------------------------------- writing

def _fp32_bytes(t: torch.Tensor) -> bytes:
    return t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()


def _q8_bytes(t: QTensor) -> bytes:
    return t.q.contiguous().numpy().astype(np.int8).tobytes() + _fp32_bytes(t.s)


def checkpoint_bytes(weights: LlamaWeights, version: int, group_size: int | None = None) -> bytes:
    """Serialize ``weights`` as a v0, v1 or v2 file.

    v0 and v1 store fp32 (a Q8_0 model is dequantized). v2 stores Q8_0: a model already
    quantized with ``group_size`` (default: its own, else 64) is written bit for bit, so a
    v2 -> v2 round trip is exact; an fp32 model is quantized with the llama2.c export rule.
    """
    if version not in VERSIONS:
        raise ModelError(f"unsupported checkpoint version {version} (supported: 0, 1, 2)")
    c = weights.config.validate()
    weights.check_shapes()
    parts: list[bytes] = []
    if version == 0:
        w = weights.dequantized()
        vocab = c.vocab_size if c.shared_classifier else -c.vocab_size
        parts.append(V0_HEADER.pack(c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, vocab, c.seq_len))
        body = [w.tok_embeddings, w.rms_att, w.wq, w.wk, w.wv, w.wo, w.rms_ffn, w.w1, w.w2, w.w3, w.rms_final,
                *rope_tables(c)]
        if not c.shared_classifier:
            body.append(w.wcls)
        parts.extend(_fp32_bytes(x) for x in body)
        return b"".join(parts)

    ints = (c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len)
    if version == 1:
        w = weights.dequantized()
        header = V1_HEADER.pack(MAGIC, 1, *ints, int(c.shared_classifier))
    else:
        group_size = group_size or weights.group_size or 64
        w = weights.quantized(group_size)
        header = V2_HEADER.pack(MAGIC, 2, *ints, int(c.shared_classifier), group_size)
    parts.append(header.ljust(HEADER_BYTES, b"\0"))
    parts.extend(_fp32_bytes(x) for x in (w.rms_att, w.rms_ffn, w.rms_final))
    for name, m in w.matrices():
        if version == 1:
            parts.append(_fp32_bytes(m))
        elif name in LAYER_MATRICES:
            parts.extend(_q8_bytes(m[layer]) for layer in range(c.n_layers))
        else:
            parts.append(_q8_bytes(m))
    return b"".join(parts)


def save_checkpoint(path: str | os.PathLike, weights: LlamaWeights, version: int,
                    group_size: int | None = None) -> None:
    """Write ``weights`` to ``path`` in llama2.c format ``version`` (see ``checkpoint_bytes``)."""
    data = checkpoint_bytes(weights, version, group_size)
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise ModelError(f"{os.fspath(path)}: cannot write: {e.strerror}") from None
