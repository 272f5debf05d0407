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

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

BEAT_BYTES = 64
"""Bytes per AXI data beat (512-bit buses)."""

ROW_BLOCK = 16
"""Rows per block: one scale beat holds 16 fp32 scales, one output beat 16 fp32 results."""

FP32_PER_BEAT = BEAT_BYTES // 4
"""fp32 values per beat (= ROW_BLOCK)."""

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
