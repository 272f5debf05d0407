"""The model image: how Q8_0 tensors are laid out in device memory (DESIGN.md section 5).

This module is the one definition of the layout; the host, the testbenches and the
benchmarks all use it, and the RTL (``rtl/kernels/matmul.sv``) consumes exactly what it
writes. Every structure is a whole number of 64-byte beats (one 512-bit AXI data beat), so a
kernel streams it at full bus width with no realignment.

Byte order inside a beat: byte ``i`` of a 64-byte beat is AXI data bits ``[8i+7:8i]``
(little-endian); an fp32 value ``i`` of a beat is bits ``[32i+31:32i]`` (IEEE 754 pattern).

**Matrix** (``[rows, cols]`` int8 weights ``q``, fp32 scales ``s`` ``[rows, cols / GS]``,
GS in {32, 64}): rows are processed in blocks of :data:`ROW_BLOCK` = 16 rows; the last block
is padded with rows of zero weights and zero scales. A block is one sequential stream; for
each group index ``g`` in order it holds

1. one *scale beat*: the 16 rows' fp32 scales of group ``g``, row order (16 x 4 bytes);
2. the *weight beats* of group ``g``: with GS 64 one beat per row, rows in order (16 beats);
   with GS 32 one beat per pair of consecutive rows, the even row's 32 weights in bytes 0..31
   and the odd row's in bytes 32..63 (8 beats). Weight ``k`` of a group is at byte ``k``.

So a block is ``groups * 17`` beats (GS 64) or ``groups * 9`` beats (GS 32) and blocks follow
each other. Each row's groups arrive in order, interleaved with the other 15 rows: a row's
next group comes at least 8 beats after its previous one, which is what lets a pipelined fp32
accumulator (latency <= 8) take one group per cycle.

**Vector** (``cols`` int8 values, ``cols / GS`` fp32 scales): the values, zero-padded to a
multiple of 64 bytes, then the scales, zero-padded to a multiple of 64 bytes.

**Output** of a matrix-vector product: ``ceil(rows / 16)`` beats of 16 fp32 results, row
order. Padded rows are written too (0.0 for finite input scales), so an output buffer must
hold :func:`output_nbytes` = ``ceil(rows / 16) * 64`` bytes, not ``rows * 4``.

Regions (a matrix, a vector, an output) start on a beat boundary; :data:`REGION_ALIGN`
(4 KiB) is the alignment the host uses when it places them, so a region's first burst is a
whole page. The forward kernel's image extends this module (a descriptor table of regions,
tensors spread over the DDR channels); the per-tensor layouts above stay as they are.

Example::

    >>> import numpy as np
    >>> from hlstransform.model.quant import quantize_weights
    >>> import torch
    >>> w = quantize_weights(torch.randn(20, 128), 64)
    >>> image = pack_matrix(w, 64)
    >>> len(image) == MatrixLayout(20, 128, 64).nbytes == 2 * 2 * 17 * 64
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

BEAT_BYTES = 64
"""Bytes per AXI data beat (512-bit buses)."""

ROW_BLOCK = 16
"""Rows per block: one scale beat holds 16 fp32 scales, one output beat 16 fp32 results."""

FP32_PER_BEAT = BEAT_BYTES // 4
"""fp32 values per beat (= ROW_BLOCK)."""

PROMPT_TOKENS = BEAT_BYTES // 4
"""Token ids a forward batch's prompt beat holds (the kernel's MAX_TOKENS is at most this)."""

GROUP_SIZES: tuple[int, ...] = (32, 64)
"""Group sizes the layout (and the hardware) supports."""

REGION_ALIGN = 4096
"""Alignment of every region the host places in device memory (an AXI 4 KiB page)."""

assert FP32_PER_BEAT == ROW_BLOCK


class ImageError(ValueError):
    """An argument or an image does not follow the layout (wrong shape, size or padding)."""


class QTensorLike(Protocol):
    """Anything with int8 values ``q`` and fp32 scales ``s`` (``hlstransform.model.quant.QTensor``)."""

    q: Any
    s: Any


def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for non-negative ints."""
    return -(-a // b)


def align_up(n: int, align: int = BEAT_BYTES) -> int:
    """Round *n* up to a multiple of *align*."""
    return ceil_div(n, align) * align


def _check_group_size(group_size: int) -> None:
    if group_size not in GROUP_SIZES:
        raise ImageError(f"group size {group_size} not supported (one of {GROUP_SIZES})")


def _check_shape(rows: int, cols: int, group_size: int) -> None:
    _check_group_size(group_size)
    if rows < 1:
        raise ImageError(f"rows must be >= 1, got {rows}")
    if cols < 1 or cols % group_size:
        raise ImageError(f"cols {cols} is not a positive multiple of the group size {group_size}")


@dataclass(frozen=True)
class MatrixLayout:
    """Sizes of one packed matrix.

    Args:
        rows: Matrix rows (output length), >= 1.
        cols: Matrix columns (input length), a multiple of *group_size*.
        group_size: 32 or 64.
    """

    rows: int
    cols: int
    group_size: int

    def __post_init__(self) -> None:
        _check_shape(self.rows, self.cols, self.group_size)

    @property
    def groups(self) -> int:
        """Groups per row."""
        return self.cols // self.group_size

    @property
    def blocks(self) -> int:
        """Blocks of 16 rows (the last one padded)."""
        return ceil_div(self.rows, ROW_BLOCK)

    @property
    def padded_rows(self) -> int:
        """Rows including the padding of the last block."""
        return self.blocks * ROW_BLOCK

    @property
    def rows_per_beat(self) -> int:
        """Rows whose group shares one weight beat: 1 (GS 64) or 2 (GS 32)."""
        return BEAT_BYTES // self.group_size

    @property
    def weight_beats_per_group(self) -> int:
        """Weight beats of one group index in a block: 16 (GS 64) or 8 (GS 32)."""
        return ROW_BLOCK // self.rows_per_beat

    @property
    def beats_per_group(self) -> int:
        """Beats of one group index in a block, its scale beat included: 17 or 9."""
        return 1 + self.weight_beats_per_group

    @property
    def beats_per_block(self) -> int:
        """Beats of one block."""
        return self.groups * self.beats_per_group

    @property
    def beats(self) -> int:
        """Beats of the whole matrix."""
        return self.blocks * self.beats_per_block

    @property
    def nbytes(self) -> int:
        """Bytes of the whole matrix."""
        return self.beats * BEAT_BYTES

    @property
    def output_beats(self) -> int:
        """Beats of the matrix-vector product's output (one per block)."""
        return self.blocks

    @property
    def output_nbytes(self) -> int:
        """Bytes of the output buffer, padded rows included."""
        return self.output_beats * BEAT_BYTES

    def beat_index(self, row: int, group: int) -> int:
        """Index of the weight beat holding group *group* of row *row*."""
        block, r = divmod(row, ROW_BLOCK)
        return block * self.beats_per_block + group * self.beats_per_group + 1 + r // self.rows_per_beat

    def scale_beat_index(self, block: int, group: int) -> int:
        """Index of the scale beat of group *group* in block *block*."""
        return block * self.beats_per_block + group * self.beats_per_group


@dataclass(frozen=True)
class VectorLayout:
    """Sizes of one packed quantized vector.

    Args:
        cols: Values, a multiple of *group_size*.
        group_size: 32 or 64.
    """

    cols: int
    group_size: int

    def __post_init__(self) -> None:
        _check_shape(1, self.cols, self.group_size)

    @property
    def groups(self) -> int:
        """Groups (= scales)."""
        return self.cols // self.group_size

    @property
    def value_beats(self) -> int:
        """Beats of int8 values (zero-padded)."""
        return ceil_div(self.cols, BEAT_BYTES)

    @property
    def scale_beats(self) -> int:
        """Beats of fp32 scales (zero-padded)."""
        return ceil_div(self.groups, FP32_PER_BEAT)

    @property
    def beats(self) -> int:
        """Beats of the whole vector."""
        return self.value_beats + self.scale_beats

    @property
    def nbytes(self) -> int:
        """Bytes of the whole vector."""
        return self.beats * BEAT_BYTES

    @property
    def scale_offset(self) -> int:
        """Byte offset of the first scale."""
        return self.value_beats * BEAT_BYTES


def output_nbytes(rows: int) -> int:
    """Bytes a matrix-vector product of *rows* rows writes: ``ceil(rows / 16) * 64``."""
    if rows < 1:
        raise ImageError(f"rows must be >= 1, got {rows}")
    return ceil_div(rows, ROW_BLOCK) * BEAT_BYTES


def _numpy(t: Any, dtype: Any) -> np.ndarray:
    """A numpy copy of a numpy array or torch tensor, checked to have *dtype*."""
    if hasattr(t, "detach"):
        t = t.detach().cpu().numpy()
    a = np.asarray(t)
    if a.dtype != np.dtype(dtype):
        raise ImageError(f"expected {np.dtype(dtype)} values, got {a.dtype}")
    return a


def _matrix_arrays(w: QTensorLike, group_size: int | None) -> tuple[np.ndarray, np.ndarray, MatrixLayout]:
    q = _numpy(w.q, np.int8)
    s = _numpy(w.s, np.float32)
    if q.ndim != 2 or s.ndim != 2 or s.shape[0] != q.shape[0] or s.shape[1] == 0:
        raise ImageError(f"matrix shapes q {q.shape}, s {s.shape}: expected [rows, cols] and [rows, cols / GS]")
    implied = q.shape[1] // s.shape[1]
    gs = implied if group_size is None else group_size
    if implied * s.shape[1] != q.shape[1] or implied != gs:
        raise ImageError(f"q {q.shape} and s {s.shape} do not match group size {gs}")
    return q, s, MatrixLayout(q.shape[0], q.shape[1], gs)


def pack_matrix(w: QTensorLike, group_size: int | None = None) -> bytes:
    """Lay out a Q8_0 matrix for streaming (module docstring).

    Args:
        w: int8 ``w.q`` ``[rows, cols]`` and fp32 ``w.s`` ``[rows, cols / GS]`` (torch or numpy).
        group_size: GS; default the one ``w``'s shapes imply (must agree when given).

    Returns:
        ``MatrixLayout(rows, cols, GS).nbytes`` bytes.
    """
    q, s, lay = _matrix_arrays(w, group_size)
    rows_p, groups, gs = lay.padded_rows, lay.groups, lay.group_size
    qp = np.zeros((rows_p, lay.cols), np.int8)
    qp[: lay.rows] = q
    sp = np.zeros((rows_p, groups), np.float32)
    sp[: lay.rows] = s
    # [block, row in block, group, byte] -> per block, per group: scale beat, then weight beats.
    qb = qp.reshape(lay.blocks, ROW_BLOCK, groups, gs).transpose(0, 2, 1, 3)
    weights = np.ascontiguousarray(qb).reshape(lay.blocks, groups, lay.weight_beats_per_group, BEAT_BYTES)
    weights = weights.view(np.uint8)
    scales = sp.reshape(lay.blocks, ROW_BLOCK, groups).transpose(0, 2, 1).astype("<f4")
    scales = np.ascontiguousarray(scales).view(np.uint8).reshape(lay.blocks, groups, 1, BEAT_BYTES)
    image = np.concatenate([scales, weights], axis=2)
    assert image.shape == (lay.blocks, groups, lay.beats_per_group, BEAT_BYTES)
    return image.tobytes()


def unpack_matrix(image: bytes, rows: int, cols: int, group_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`pack_matrix`: ``(q [rows, cols] int8, s [rows, cols / GS] float32)``.

    Raises:
        ImageError: Wrong size, or padded rows that are not all zero.
    """
    lay = MatrixLayout(rows, cols, group_size)
    if len(image) != lay.nbytes:
        raise ImageError(f"matrix image is {len(image)} bytes, the layout of {rows}x{cols} GS {group_size} "
                         f"needs {lay.nbytes}")
    beats = np.frombuffer(image, np.uint8).reshape(lay.blocks, lay.groups, lay.beats_per_group, BEAT_BYTES)
    scales = np.ascontiguousarray(beats[:, :, 0, :]).view("<f4").astype(np.float32)  # [block, group, row]
    s = scales.transpose(0, 2, 1).reshape(lay.padded_rows, lay.groups)
    weights = beats[:, :, 1:, :].reshape(lay.blocks, lay.groups, ROW_BLOCK, group_size).view(np.int8)
    q = weights.transpose(0, 2, 1, 3).reshape(lay.padded_rows, cols)
    if np.any(q[rows:]) or np.any(np.ascontiguousarray(s[rows:]).view(np.uint32)):
        raise ImageError(f"padding rows {rows}..{lay.padded_rows - 1} are not all zero")
    return q[:rows].copy(), s[:rows].copy()


def pack_vector(q: Any, s: Any) -> bytes:
    """Lay out a quantized vector: int8 values, zero-padded to 64 bytes, then fp32 scales, zero-padded.

    Args:
        q: int8 values ``[cols]`` (torch or numpy).
        s: fp32 scales ``[cols / GS]``.

    Returns:
        ``VectorLayout(cols, GS).nbytes`` bytes.
    """
    qa = _numpy(q, np.int8).reshape(-1)
    sa = _numpy(s, np.float32).reshape(-1)
    if sa.size == 0 or qa.size % sa.size:
        raise ImageError(f"{qa.size} values and {sa.size} scales: not whole groups")
    lay = VectorLayout(qa.size, qa.size // sa.size)
    out = bytearray(lay.nbytes)
    out[: qa.size] = qa.tobytes()
    out[lay.scale_offset : lay.scale_offset + 4 * sa.size] = sa.astype("<f4").tobytes()
    return bytes(out)


def unpack_vector(image: bytes, cols: int, group_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`pack_vector`: ``(q [cols] int8, s [cols / GS] float32)``.

    Raises:
        ImageError: Wrong size, or non-zero padding.
    """
    lay = VectorLayout(cols, group_size)
    if len(image) != lay.nbytes:
        raise ImageError(f"vector image is {len(image)} bytes, {cols} values GS {group_size} need {lay.nbytes}")
    raw = np.frombuffer(image, np.uint8)
    scale_end = lay.scale_offset + 4 * lay.groups
    if np.any(raw[cols : lay.scale_offset]) or np.any(raw[scale_end:]):
        raise ImageError("vector padding is not all zero")
    q = raw[:cols].view(np.int8).copy()
    s = raw[lay.scale_offset : scale_end].view("<f4").astype(np.float32)
    return q, s


def unpack_output(data: bytes, rows: int) -> np.ndarray:
    """The *rows* fp32 results of a matrix-vector product from its output buffer.

    Args:
        data: The output buffer, at least :func:`output_nbytes` (*rows*) bytes.
        rows: Matrix rows.

    Raises:
        ImageError: *data* is shorter than the output.
    """
    need = output_nbytes(rows)
    if len(data) < need:
        raise ImageError(f"output buffer is {len(data)} bytes, {rows} rows write {need}")
    return np.frombuffer(bytes(data[: 4 * rows]), "<f4").astype(np.float32)


def pack_output(values: Any) -> bytes:
    """Lay out fp32 results as the hardware writes them (padded rows 0.0): for models and tests."""
    v = np.asarray(values, np.float32).reshape(-1)
    out = np.zeros(ceil_div(v.size, ROW_BLOCK) * ROW_BLOCK, "<f4")
    out[: v.size] = v
    return out.tobytes()


# ---------------------------------------------------------------------------------------------
# KV cache (one layer's keys or values; the attention kernel reads it, the forward kernel writes it)
# ---------------------------------------------------------------------------------------------

KV_FORMATS = ("fp32", "int8")


@dataclass(frozen=True)
class KvLayout:
    """Where one layer's key (or value) cache lives in device memory.

    The cache is **head-major**: all positions of kv head 0, then of kv head 1, ..., so the
    attention kernel reads one head's positions 0..pos as one sequential stream (long bursts)
    instead of a strided gather. Per (kv head ``h``, position ``t``) there is one *slot*, slot
    index ``h * seq_len + t``:

    * ``fp32``: ``head_size`` fp32 values, ``head_size * 4`` bytes (a whole number of beats,
      head_size being a multiple of 16).
    * ``int8``: ``head_size`` int8 values (the Q8_0 quantization of the head vector, one group
      of head_size), zero-padded to ``ceil(head_size / 64)`` beats. The fp32 scale of slot
      (h, t) lives in a separate *scale region*: per kv head a row of ``seq_len`` fp32,
      row stride ``ceil(seq_len / 16)`` beats (zero-padded), scale ``t`` at element ``t``, so
      one head's scales are one stream too.

    Args:
        n_kv_heads, head_size (a multiple of 16), seq_len: the model's shape.
        kv: ``"fp32"`` or ``"int8"``.
    """

    n_kv_heads: int
    head_size: int
    seq_len: int
    kv: str

    def __post_init__(self) -> None:
        if self.kv not in KV_FORMATS:
            raise ImageError(f"KV format must be one of {', '.join(KV_FORMATS)}, got {self.kv!r}")
        if self.head_size < FP32_PER_BEAT or self.head_size % FP32_PER_BEAT:
            raise ImageError(f"head_size must be a positive multiple of {FP32_PER_BEAT}, got {self.head_size}")
        if self.n_kv_heads < 1 or self.seq_len < 1:
            raise ImageError(f"n_kv_heads and seq_len must be >= 1, got {self.n_kv_heads}, {self.seq_len}")

    @property
    def slot_bytes(self) -> int:
        """Bytes of one (head, position) slot."""
        if self.kv == "fp32":
            return 4 * self.head_size
        return align_up(self.head_size)

    @property
    def values_nbytes(self) -> int:
        """Bytes of the value region (all slots)."""
        return self.n_kv_heads * self.seq_len * self.slot_bytes

    @property
    def scale_row_bytes(self) -> int:
        """int8: bytes of one kv head's scale row (0 for fp32)."""
        return align_up(4 * self.seq_len) if self.kv == "int8" else 0

    @property
    def scales_nbytes(self) -> int:
        """int8: bytes of the scale region (0 for fp32)."""
        return self.n_kv_heads * self.scale_row_bytes

    def slot_offset(self, head: int, pos: int) -> int:
        """Byte offset of slot (*head*, *pos*) in the value region."""
        return (head * self.seq_len + pos) * self.slot_bytes

    def scale_offset(self, head: int, pos: int) -> int:
        """int8: byte offset of the scale of slot (*head*, *pos*) in the scale region."""
        return head * self.scale_row_bytes + 4 * pos


def pack_kv(layout: KvLayout, values: Any, scales: Any = None) -> tuple[bytes, bytes]:
    """Lay out a cache: ``(value region, scale region)`` bytes (the scale region is empty for fp32).

    Args:
        values: ``[T, n_kv_heads, head_size]`` (T <= seq_len; positions from T on are zero):
            fp32 for ``fp32``, int8 for ``int8``.
        scales: int8 only, fp32 ``[T, n_kv_heads]``.
    """
    lay = layout
    v = np.asarray(values)
    if v.ndim != 3 or v.shape[1:] != (lay.n_kv_heads, lay.head_size) or v.shape[0] > lay.seq_len:
        raise ImageError(f"KV values of shape {v.shape} do not fit [<= {lay.seq_len}, {lay.n_kv_heads}, {lay.head_size}]")
    t = v.shape[0]
    vals = np.zeros((lay.n_kv_heads, lay.seq_len, lay.slot_bytes), np.uint8)
    if lay.kv == "fp32":
        vals[:, :t, :] = np.ascontiguousarray(_numpy(v, np.float32).astype("<f4").transpose(1, 0, 2)).view(np.uint8)
        return vals.tobytes(), b""
    if scales is None:
        raise ImageError("an int8 KV cache needs its scales")
    s = _numpy(scales, np.float32)
    if s.shape != (t, lay.n_kv_heads):
        raise ImageError(f"KV scales of shape {s.shape}, expected {(t, lay.n_kv_heads)}")
    vals[:, :t, : lay.head_size] = _numpy(v, np.int8).transpose(1, 0, 2).view(np.uint8)
    srows = np.zeros((lay.n_kv_heads, lay.scale_row_bytes // 4), "<f4")
    srows[:, :t] = s.T
    return vals.tobytes(), srows.tobytes()


def unpack_kv(layout: KvLayout, values: bytes, scales: bytes = b"", positions: int | None = None):
    """Inverse of :func:`pack_kv` for the first *positions* positions (default seq_len).

    Returns:
        fp32: ``[T, n_kv_heads, head_size]`` float32; int8: ``(q int8 [T, H, hs], s float32 [T, H])``.
    """
    lay = layout
    t = lay.seq_len if positions is None else positions
    if len(values) != lay.values_nbytes or len(scales) != lay.scales_nbytes:
        raise ImageError(f"KV regions are {len(values)} + {len(scales)} bytes, the layout needs "
                         f"{lay.values_nbytes} + {lay.scales_nbytes}")
    raw = np.frombuffer(values, np.uint8).reshape(lay.n_kv_heads, lay.seq_len, lay.slot_bytes)[:, :t]
    if lay.kv == "fp32":
        return np.ascontiguousarray(raw).view("<f4").astype(np.float32).transpose(1, 0, 2).copy()
    q = raw[:, :, : lay.head_size].view(np.int8).transpose(1, 0, 2).copy()
    s = np.frombuffer(scales, "<f4").reshape(lay.n_kv_heads, -1)[:, :t].T.astype(np.float32).copy()
    return q, s


# ---------------------------------------------------------------------------------------------
# Whole-model image: what the forward kernel reads (docs/forward-plan.md sections 1 and 3)
# ---------------------------------------------------------------------------------------------

N_CHANNELS = 4
"""DDR4 channels A..D."""

CHANNEL_SHIFT = 34
"""Channel c is the device-address window ``[c << 34, (c + 1) << 34)`` (16 GiB each)."""

LAYER_MATRICES = ("wqkv", "wo", "w13", "w2")
"""A layer's matrices in execution order: wq|wk|wv and w1|w3 fused (rows stacked), as
``hwmodel.HwTransformer`` computes them."""

DESCRIPTOR_MAGIC = 0x3130_4457_4654_5348  # b"HSTFWD01" little-endian
DESCRIPTOR_VERSION = 1

DESCRIPTOR_FIELDS: tuple[tuple[str, str], ...] = (
    ("magic", "DESCRIPTOR_MAGIC: the table is a forward-kernel descriptor"),
    ("version", "DESCRIPTOR_VERSION"),
    ("dim", "model dimension"),
    ("hidden_dim", "FFN hidden dimension"),
    ("n_layers", "decoder layers"),
    ("n_heads", "query heads"),
    ("n_kv_heads", "key/value heads"),
    ("vocab_size", "vocabulary (logits) size"),
    ("seq_len", "context length (KV-cache capacity)"),
    ("head_size", "dim / n_heads"),
    ("group_size", "Q8_0 group size, 32 or 64"),
    ("kv_int8", "0: fp32 KV cache, 1: int8 Q8_0 (one scale per head vector)"),
    ("inv_dim", "fp32 bits of hwmodel.inv_n(dim) (RMSNorm mean factor)"),
    ("inv_sqrt_hs", "fp32 bits of hwmodel.inv_sqrt(head_size) (score scale)"),
    ("weights_a", "channel A weight stream: its row blocks of every matrix in execution order"),
    ("weights_b", "channel B weight stream"),
    ("weights_c", "channel C weight stream"),
    ("weights_d", "channel D weight stream"),
    ("embed_q", "embedding values: vocab rows of dim int8, row stride embed_row_bytes (channel A)"),
    ("embed_s", "embedding scales: vocab rows of dim/GS fp32, row stride embed_scale_row_bytes"),
    ("embed_row_bytes", "align_up(dim)"),
    ("embed_scale_row_bytes", "align_up(4 * dim / GS)"),
    ("norms", "RMSNorm weights: per layer rms_att then rms_ffn, then rms_final; dim fp32 each, stride align_up(4 * dim)"),
    ("rope", "RoPE table: seq_len rows of head_size fp32 (c0, s0, c1, s1, ...) (numerics.rope_table_row)"),
    ("kv_a", "channel A KV region: kv heads h with h % 4 == 0 (see KvRegion)"),
    ("kv_b", "channel B KV region"),
    ("kv_c", "channel C KV region"),
    ("kv_d", "channel D KV region"),
    ("logits", "vocab fp32 logits, written by the kernel (channel A)"),
)
"""The descriptor: one little-endian 64-bit word per field, in this order. The one definition
of its layout (the RTL package is generated from it)."""


def channel_base(channel: int) -> int:
    """Device address of channel *channel*'s window."""
    if not 0 <= channel < N_CHANNELS:
        raise ImageError(f"channel must be 0..{N_CHANNELS - 1}, got {channel}")
    return channel << CHANNEL_SHIFT


def channel_blocks(blocks: int, channel: int) -> range:
    """The 16-row blocks of a matrix that live in *channel*: b with b % 4 == channel."""
    return range(channel, blocks, N_CHANNELS)


def stream_matrices(config: Any, group_size: int) -> list[MatrixLayout]:
    """The weight stream's matrices in execution order (every layer's :data:`LAYER_MATRICES`,
    then the classifier): what each channel's stream holds its blocks of, in this order."""
    d, h, kvd = config.dim, config.hidden_dim, config.kv_dim
    layer = [MatrixLayout(d + 2 * kvd, d, group_size), MatrixLayout(d, d, group_size),
             MatrixLayout(2 * h, d, group_size), MatrixLayout(d, h, group_size)]
    return layer * config.n_layers + [MatrixLayout(config.vocab_size, d, group_size)]


@dataclass(frozen=True)
class WeightBankLayout:
    """One channel's weight stream split over the *banks* of an on-chip weight store
    (``rtl/forward/fwd_weight_store.sv``), one bank per matrix engine of the channel.

    Within each matrix, the channel's j-th block (:func:`channel_blocks`: global block
    ``channel + 4 j``) goes to bank ``j % banks``, appended after the bank's earlier blocks: a
    bank holds, matrix after matrix, the blocks its engine computes, so each engine reads its
    bank front to back once a token. The store's load run applies the same rule to the stream
    as it arrives (the rotation restarts at every matrix); :meth:`split` is its model.
    """

    matrices: tuple[MatrixLayout, ...]
    channel: int
    banks: int

    def __post_init__(self) -> None:
        if self.banks < 1:
            raise ImageError(f"a weight store needs at least one bank, got {self.banks}")
        channel_base(self.channel)  # checks the channel

    def blocks(self, m: int, bank: int) -> int:
        """Blocks of matrix *m* that bank *bank* holds."""
        local = len(channel_blocks(self.matrices[m].blocks, self.channel))
        return len(range(bank, local, self.banks))

    def offset(self, m: int, bank: int) -> int:
        """Word (beat) address of matrix *m*'s first block in bank *bank*."""
        return sum(self.blocks(i, bank) * self.matrices[i].beats_per_block for i in range(m))

    def beats(self, bank: int) -> int:
        """Words bank *bank* holds: the store's depth must be at least the largest."""
        return self.offset(len(self.matrices), bank)

    def split(self, stream: bytes) -> list[bytes]:
        """The channel's weight stream (as :class:`ForwardImage` lays it out) -> each bank's words."""
        out = [bytearray() for _ in range(self.banks)]
        at = 0
        for lay in self.matrices:
            bb = lay.beats_per_block * BEAT_BYTES
            for j in range(len(channel_blocks(lay.blocks, self.channel))):
                out[j % self.banks] += stream[at:at + bb]
                at += bb
        if at != len(stream):
            raise ImageError(f"channel {self.channel}'s stream is {len(stream)} bytes, its matrices {at}")
        return [bytes(b) for b in out]


def weight_store_depth(config: Any, group_size: int, banks: int) -> int:
    """Words per bank an on-chip weight store of *banks* banks a channel needs for a model: its
    largest bank (the forward build's WEIGHT_DEPTH for that model)."""
    mats = tuple(stream_matrices(config, group_size))
    return max(WeightBankLayout(mats, ch, banks).beats(k) for ch in range(N_CHANNELS) for k in range(banks))


def onchip_stream_cycles(config: Any, group_size: int, banks: int) -> int:
    """The on-chip build's weight-streaming bound of one token (every layer and the classifier):
    each engine takes a beat a cycle from its bank, the engines of a matrix in parallel, the
    matrices one after another, so each matrix costs its largest bank part."""
    mats = tuple(stream_matrices(config, group_size))
    layouts = [WeightBankLayout(mats, ch, banks) for ch in range(N_CHANNELS)]
    return sum(max(lay.blocks(m, k) for lay in layouts for k in range(banks)) * mat.beats_per_block
               for m, mat in enumerate(mats))


@dataclass(frozen=True)
class KvRegion:
    """One channel's KV cache: the kv heads ``h`` with ``h % 4 == channel``, local index
    ``j = h // 4``. For each layer, each local head, in that order, a :class:`KvLayout` of one
    head for the keys then one for the values (value region, then the scale region for int8):
    a head's positions are one stream, as the attention pass reads them."""

    n_kv_heads: int
    head_size: int
    seq_len: int
    n_layers: int
    kv: str
    channel: int

    @property
    def heads(self) -> range:
        return range(self.channel, self.n_kv_heads, N_CHANNELS)

    @property
    def head_layout(self) -> KvLayout:
        return KvLayout(1, self.head_size, self.seq_len, self.kv)

    @property
    def cache_bytes(self) -> int:
        """Bytes of one head's keys (or values): slots then scales."""
        lay = self.head_layout
        return lay.values_nbytes + lay.scales_nbytes

    @property
    def nbytes(self) -> int:
        return self.n_layers * len(self.heads) * 2 * self.cache_bytes

    def offset(self, layer: int, head: int, which: str) -> int:
        """Byte offset of *head*'s keys (``"k"``) or values (``"v"``) of *layer* in the region."""
        if head % N_CHANNELS != self.channel:
            raise ImageError(f"kv head {head} does not live in channel {self.channel}")
        j = head // N_CHANNELS
        return ((layer * len(self.heads) + j) * 2 + (which == "v")) * self.cache_bytes


@dataclass
class ForwardImage:
    """Device-memory image of a Q8_0 model for the forward kernel.

    Build with :meth:`build`. ``regions`` lists ``(device address, bytes)`` the host DMAs once
    per run; ``descriptor`` is the field dict (also in ``regions`` at ``descriptor_addr``);
    KV regions and the logits buffer are reserved (``reserved``: address -> size), not written.
    ``prompt_addr``: the beat after the descriptor table (channel A, reserved), where the host
    puts a batch's token ids (the forward kernel's ``prompt`` argument, up to
    :data:`PROMPT_TOKENS` u32 words).
    """

    config: Any
    group_size: int
    kv: str
    descriptor: dict[str, int]
    descriptor_addr: int
    regions: list[tuple[int, bytes]]
    reserved: dict[int, int]
    kv_regions: list[KvRegion]

    @classmethod
    def build(cls, weights: Any, kv: str = "fp32") -> "ForwardImage":
        """Lay out *weights* (``LlamaWeights``, Q8_0) for the forward kernel.

        Imports of the model stay local: host/ depends on model/, never the reverse.
        """
        from hlstransform.model import hwmodel
        from hlstransform.model.golden import rope_cos_sin

        if kv not in KV_FORMATS:
            raise ImageError(f"KV format must be one of {', '.join(KV_FORMATS)}, got {kv!r}")
        c = weights.config
        gs = weights.group_size
        if gs is None:
            raise ImageError("the forward image needs Q8_0 weights (quantize the model first)")
        hw = hwmodel.HwTransformer(weights, kv=kv)
        mats = [[(name, layer[name]) for name in LAYER_MATRICES] for layer in hw.layers]
        stream = [m for layer in mats for m in layer] + [("wcls", hw.classifier)]

        # Per channel: the weight stream (its blocks of every matrix, in execution order).
        streams = [bytearray() for _ in range(N_CHANNELS)]
        for _, m in stream:
            lay = MatrixLayout(m.shape[0], m.shape[1], gs)
            packed = pack_matrix(m, gs)
            bb = lay.beats_per_block * BEAT_BYTES
            for ch in range(N_CHANNELS):
                for b in channel_blocks(lay.blocks, ch):
                    streams[ch] += packed[b * bb:(b + 1) * bb]

        d, hs = c.dim, c.head_size
        addr = [channel_base(ch) for ch in range(N_CHANNELS)]
        regions: list[tuple[int, bytes]] = []
        fields: dict[str, int] = {}
        for ch in range(N_CHANNELS):
            fields[f"weights_{'abcd'[ch]}"] = addr[ch]
            regions.append((addr[ch], bytes(streams[ch])))
            addr[ch] = align_up(addr[ch] + len(streams[ch]), REGION_ALIGN)

        def place(ch: int, data: bytes) -> int:
            at = addr[ch]
            regions.append((at, data))
            addr[ch] = align_up(at + len(data), REGION_ALIGN)
            return at

        # Embedding rows padded to whole beats, so a row is one aligned stream.
        eq, es = hw.embedding.q, hw.embedding.s
        row_b, srow_b = align_up(d), align_up(4 * es.shape[1])
        q_img = np.zeros((c.vocab_size, row_b), np.uint8)
        q_img[:, :d] = eq.view(np.uint8)
        s_img = np.zeros((c.vocab_size, srow_b // 4), "<f4")
        s_img[:, : es.shape[1]] = es
        fields["embed_q"] = place(0, q_img.tobytes())
        fields["embed_s"] = place(0, s_img.tobytes())
        fields["embed_row_bytes"], fields["embed_scale_row_bytes"] = row_b, srow_b

        vec_b = align_up(4 * d)
        norms = np.zeros((2 * c.n_layers + 1, vec_b // 4), "<f4")
        norms[0:-1:2, :d], norms[1:-1:2, :d], norms[-1, :d] = hw.rms_att, hw.rms_ffn, hw.rms_final
        fields["norms"] = place(0, norms.tobytes())
        rope = np.stack([nm_rope_row(*rope_cos_sin(c, p)) for p in range(c.seq_len)]).astype("<f4")
        fields["rope"] = place(0, rope.tobytes())

        reserved: dict[int, int] = {}
        kv_regions = [KvRegion(c.n_kv_heads, hs, c.seq_len, c.n_layers, kv, ch) for ch in range(N_CHANNELS)]
        for ch, reg in enumerate(kv_regions):
            fields[f"kv_{'abcd'[ch]}"] = addr[ch]
            if reg.nbytes:
                reserved[addr[ch]] = reg.nbytes
            addr[ch] = align_up(addr[ch] + reg.nbytes, REGION_ALIGN)
        fields["logits"] = addr[0]
        reserved[addr[0]] = align_up(4 * c.vocab_size)
        addr[0] = align_up(addr[0] + reserved[addr[0]], REGION_ALIGN)

        fields.update(
            magic=DESCRIPTOR_MAGIC, version=DESCRIPTOR_VERSION, dim=d, hidden_dim=c.hidden_dim,
            n_layers=c.n_layers, n_heads=c.n_heads, n_kv_heads=c.n_kv_heads, vocab_size=c.vocab_size,
            seq_len=c.seq_len, head_size=hs, group_size=gs, kv_int8=int(kv == "int8"),
            inv_dim=int(np.float32(hw.inv_dim).view(np.uint32)),
            inv_sqrt_hs=int(np.float32(hw.inv_sqrt_hs).view(np.uint32)),
        )
        desc_addr = addr[0]
        image = cls(c, gs, kv, fields, desc_addr, regions, reserved, kv_regions)
        regions.append((desc_addr, image.descriptor_bytes()))
        reserved[image.prompt_addr] = BEAT_BYTES
        return image

    @property
    def prompt_addr(self) -> int:
        """Where a batch's token ids go: the beat after the descriptor table (channel A)."""
        return self.descriptor_addr + align_up(8 * len(DESCRIPTOR_FIELDS))

    @staticmethod
    def prompt_bytes(tokens: Sequence[int]) -> bytes:
        """A batch's token ids as the kernel reads them: u32 each, padded to a beat.

        Raises:
            ImageError: No tokens, or more than one beat holds.
        """
        if not 1 <= len(tokens) <= PROMPT_TOKENS:
            raise ImageError(f"a batch is 1 .. {PROMPT_TOKENS} tokens, got {len(tokens)}")
        return np.array(tokens, "<u4").tobytes().ljust(BEAT_BYTES, b"\0")

    def descriptor_bytes(self) -> bytes:
        """The descriptor table: one ``<u8`` word per :data:`DESCRIPTOR_FIELDS` entry, padded to a beat."""
        words = np.array([self.descriptor[name] for name, _ in DESCRIPTOR_FIELDS], "<u8")
        return words.tobytes().ljust(align_up(8 * len(words)), b"\0")

    @staticmethod
    def parse_descriptor(data: bytes) -> dict[str, int]:
        """Fields of a descriptor table (inverse of :meth:`descriptor_bytes`).

        Raises:
            ImageError: Too short, or not a descriptor of this version.
        """
        need = 8 * len(DESCRIPTOR_FIELDS)
        if len(data) < need:
            raise ImageError(f"descriptor is {len(data)} bytes, needs {need}")
        words = np.frombuffer(bytes(data[:need]), "<u8")
        fields = {name: int(w) for (name, _), w in zip(DESCRIPTOR_FIELDS, words)}
        if fields["magic"] != DESCRIPTOR_MAGIC or fields["version"] != DESCRIPTOR_VERSION:
            raise ImageError(f"not a version-{DESCRIPTOR_VERSION} forward descriptor "
                             f"(magic {fields['magic']:#x}, version {fields['version']})")
        return fields

    def stream_bytes(self) -> list[int]:
        """Bytes of each channel's weight stream (what one token reads from each channel)."""
        starts = [self.descriptor[f"weights_{'abcd'[ch]}"] for ch in range(N_CHANNELS)]
        return [len(data) for at, data in self.regions if at in starts]


def nm_rope_row(cos: Any, sin: Any) -> np.ndarray:
    """One RoPE table row (``numerics.rope_table_row``) from torch or numpy cos/sin."""
    from hlstransform.model.numerics import rope_table_row

    return rope_table_row(_numpy(cos, np.float32), _numpy(sin, np.float32))


# ---------------------------------------------------------------------------------------------
# The descriptor's word indexes for the RTL (rtl/gen/forward_desc_pkg.sv, `make hls`)
# ---------------------------------------------------------------------------------------------

DESC_PKG_PATH = "rtl/gen/forward_desc_pkg.sv"


def render_descriptor_package() -> str:
    """SystemVerilog package ``forward_desc_pkg``: the word index of every descriptor field,
    the word count and the magic/version, generated from :data:`DESCRIPTOR_FIELDS`."""
    banner = ("Generated from host/image.py DESCRIPTOR_FIELDS by `python -m hlstransform.host.image` "
              "(make hls). Do not edit.")
    out = [f"// {banner}", "// SPDX-License-Identifier: Apache-2.0", "", "`default_nettype none", "",
           "// A constants package: no single module uses every constant.",
           "/* verilator lint_off UNUSEDPARAM */", "package forward_desc_pkg;", "",
           f"    localparam int unsigned DESC_WORDS = {len(DESCRIPTOR_FIELDS)};  // 64-bit little-endian words",
           f"    localparam int unsigned DESC_BEATS = {align_up(8 * len(DESCRIPTOR_FIELDS)) // BEAT_BYTES};"
           "  // 512-bit beats holding them",
           f"    localparam logic [63:0] MAGIC = 64'h{DESCRIPTOR_MAGIC:016X};",
           f"    localparam logic [63:0] VERSION = 64'd{DESCRIPTOR_VERSION};",
           f"    localparam int unsigned N_CHANNELS = {N_CHANNELS};",
           f"    localparam int unsigned CHANNEL_SHIFT = {CHANNEL_SHIFT};", ""]
    for i, (name, doc) in enumerate(DESCRIPTOR_FIELDS):
        out.append(f"    localparam int unsigned W_{name.upper()} = {i};  // word index: {doc}")
    out += ["", "endpackage", "/* verilator lint_on UNUSEDPARAM */", "", "`default_nettype wire", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Write rtl/gen/forward_desc_pkg.sv (``python -m hlstransform.host.image``)."""
    import argparse
    from pathlib import Path

    from .paths import REPO_ROOT

    p = argparse.ArgumentParser(description="Generate the forward-kernel descriptor package.")
    p.add_argument("--sv", type=Path, default=REPO_ROOT / DESC_PKG_PATH)
    args = p.parse_args(argv)
    args.sv.write_text(render_descriptor_package())
    print(f"image: wrote {args.sv}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
