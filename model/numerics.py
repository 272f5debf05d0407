"""Hardware numerics model: numpy, bit-exact with the XLS datapaths in ``hls/*.x``.

Every function here is the software twin of one DSLX function, operation for operation
(DESIGN.md section 4, item 2; definitions in ``docs/numerics.md``). The RTL generated from
the DSLX must match these functions bit for bit; the tests prove it tier by tier (XLS JIT
here, RTL simulation later).

Arithmetic rules, the same as XLS's stdlib ``float32``:

* every fp32 operation rounds to nearest, ties to even;
* subnormal inputs are read as zero of the same sign and subnormal results are flushed to zero
  of the same sign (the result is first rounded as IEEE 754 would, then flushed if it is below
  2**-126) -- "FTZ/DAZ";
* every NaN result is the single canonical quiet NaN ``0x7fc00000`` (sign 0).

Functions take and return numpy arrays (``float32`` unless stated otherwise) and broadcast like
numpy. Scalars are accepted and come back as 0-d arrays.

Example::

    >>> import numpy as np
    >>> from hlstransform.model import numerics as nm
    >>> nm.exp(np.float32([0.0, 1.0])).tolist()
    [1.0, 2.7182817459106445]
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "QNAN_BITS",
    "as_bits",
    "from_bits",
    "ftz",
    "fp32_add",
    "fp32_sub",
    "fp32_mul",
    "from_int32",
    "exp",
    "recip",
    "rsqrt",
    "div",
    "div127",
    "round_half_away_s8",
    "dot_group",
    "scale_acc",
    "quantize_group",
    "EXP_TABLE",
    "RECIP_TABLE",
    "RSQRT_TABLE",
]

QNAN_BITS = 0x7FC00000
"""The canonical NaN every XLS float32 operation returns (quiet, sign 0, payload 0x400000)."""

_SIGN = np.uint32(0x80000000)
_MAG = np.uint32(0x7FFFFFFF)
_EXP_MASK = np.uint32(0x7F800000)
_FRAC_MASK = np.uint32(0x007FFFFF)


# ---------------------------------------------------------------------------------------------
# Bit views and the primitive operations
# ---------------------------------------------------------------------------------------------


def as_bits(x) -> np.ndarray:
    """The IEEE 754 bit patterns (``uint32``) of fp32 values."""
    return np.array(x, dtype=np.float32, copy=True).view(np.uint32)


def from_bits(b) -> np.ndarray:
    """fp32 values from IEEE 754 bit patterns (any integer dtype, taken modulo 2**32)."""
    return (np.asarray(b).astype(np.int64) & 0xFFFFFFFF).astype(np.uint32).view(np.float32)


def _bexp(b: np.ndarray) -> np.ndarray:
    """Biased exponent field (int64)."""
    return ((b >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int64)


def _is_nan_bits(b: np.ndarray) -> np.ndarray:
    return (b & _MAG) > _EXP_MASK


def _is_zero_or_sub_bits(b: np.ndarray) -> np.ndarray:
    return (b & _EXP_MASK) == 0


def _compose(sign, bexp, frac) -> np.ndarray:
    """Bit pattern from fields (arrays of ints); bexp must be 0..255."""
    s = np.asarray(sign).astype(np.uint32) << np.uint32(31)
    e = np.asarray(bexp).astype(np.uint32) << np.uint32(23)
    return s | e | np.asarray(frac).astype(np.uint32)


def ftz(x) -> np.ndarray:
    """Flush subnormals (and keep zeros) to a zero of the same sign; other values unchanged."""
    b = as_bits(x)
    return np.where(_is_zero_or_sub_bits(b), b & _SIGN, b).astype(np.uint32).view(np.float32)


def _finish(r: np.ndarray) -> np.ndarray:
    """Flush a subnormal result and canonicalize NaN: the output rule of every XLS fp32 op."""
    b = as_bits(r)
    b = np.where(_is_zero_or_sub_bits(b), b & _SIGN, b)
    b = np.where(_is_nan_bits(b), np.uint32(QNAN_BITS), b)
    return b.astype(np.uint32).view(np.float32)


def fp32_add(a, b) -> np.ndarray:
    """``float32::add``: inputs flushed, IEEE RNE sum, result flushed, canonical NaN."""
    with np.errstate(all="ignore"):
        return _finish(ftz(a) + ftz(b))


def fp32_sub(a, b) -> np.ndarray:
    """``float32::sub`` (= add with the sign of ``b`` flipped, NaN handling included)."""
    with np.errstate(all="ignore"):
        return _finish(ftz(a) - ftz(b))


def fp32_mul(a, b) -> np.ndarray:
    """``float32::mul``: inputs flushed, IEEE RNE product, result flushed, canonical NaN."""
    with np.errstate(all="ignore"):
        return _finish(ftz(a) * ftz(b))


def from_int32(i) -> np.ndarray:
    """``float32::from_int32``: int32 to fp32, RNE (exact for |i| <= 2**24)."""
    return np.asarray(i, dtype=np.int32).astype(np.float32)


def _f32(v: float) -> np.float32:
    """A Python float rounded once (RNE) to fp32."""
    return np.float32(v)


# ---------------------------------------------------------------------------------------------
# Constants and tables (the DSLX holds the same bit patterns; test_hls_math checks them)
# ---------------------------------------------------------------------------------------------

EXP_TABLE_BITS = 5
"""exp: 2**f is looked up for f = j / 32, j = 0..31."""

EXP_TABLE = np.array([_f32(2.0 ** (j / 32.0)) for j in range(1 << EXP_TABLE_BITS)], dtype=np.float32)
"""``EXP_TABLE[j] = fp32(2 ** (j / 32))``, RNE from float64."""

EXP_INV_LN2_32 = _f32(32.0 / math.log(2.0))
"""32 / ln 2 rounded to fp32 (0x4238aa3b)."""

EXP_SHIFTER = _f32(1.5 * 2.0**23)
"""1.5 * 2**23: adding it rounds |z| < 2**22 to an integer held in the low fraction bits."""

EXP_LN2_32_HI = _f32(1420.0 * 2.0**-16)
"""ln2/32 to 9 significant bits (1420 * 2**-16): kf * HI is exact for |kf| < 2**15."""

EXP_LN2_32_LO = _f32(math.log(2.0) / 32.0 - 1420.0 * 2.0**-16)
"""ln2/32 - HI rounded to fp32 (Cody-Waite low part)."""

EXP_C2 = _f32(0.5)
EXP_C3 = _f32(1.0 / 6.0)
"""Taylor coefficients: expm1(r) ~ r + r*r*(C2 + C3*r), |r| <= ln2/64 (truncation error < 6e-10)."""

EXP_X_MAX = _f32(100.0)
EXP_X_MIN = _f32(-100.0)
"""Inputs above X_MAX give +inf, below X_MIN give +0, before any arithmetic (keeps n in range)."""

RECIP_TABLE_BITS = 7
RECIP_TABLE = np.array(
    [_f32(2.0 / ((1.0 + i / 128.0) + (1.0 + (i + 1) / 128.0))) for i in range(1 << RECIP_TABLE_BITS)],
    dtype=np.float32,
)
"""recip seed for m in [1 + i/128, 1 + (i+1)/128): 2/(lo + hi), which minimizes max|1 - m*y0|."""

RSQRT_TABLE_BITS = 7


def _rsqrt_seed(idx: int) -> np.float32:
    p, i = idx >> 6, idx & 63
    lo = (1.0 + i / 64.0) * (2.0**p)
    hi = (1.0 + (i + 1) / 64.0) * (2.0**p)
    return _f32(math.sqrt(2.0 / (lo + hi)))


RSQRT_TABLE = np.array([_rsqrt_seed(i) for i in range(1 << RSQRT_TABLE_BITS)], dtype=np.float32)
"""rsqrt seed, index = (exponent parity p, top 6 fraction bits): m' = 1.f * 2**p in [1, 4),
seed sqrt(2/(lo + hi)) over the interval, which minimizes max|1 - m'*y0**2|."""

ONE = _f32(1.0)
HALF = _f32(0.5)
Q_MAX = _f32(127.0)


# ---------------------------------------------------------------------------------------------
# exp
# ---------------------------------------------------------------------------------------------


def exp(x) -> np.ndarray:
    """``fp32_math::exp``: e**x, max error 1 ulp over the normal-result range (docs/numerics.md).

    Algorithm: z = x * (32/ln2); k = z + 1.5*2**23 rounds z to the integer ki (read from k's
    fraction bits) and kf = k - 1.5*2**23 is the same integer as fp32; r = (x - kf*HI) - kf*LO;
    q = r + (r*r) * (1/2 + r/6); y = T[ki & 31] + T[ki & 31] * q; result = y * 2**(ki >> 5) by
    exponent arithmetic, flushed to +0 below 2**-126 and +inf above the fp32 range.

    Special cases: NaN -> canonical NaN; x > 100 (incl. +inf) -> +inf; x < -100 (incl. -inf)
    -> +0; subnormal x -> 1.0.
    """
    x = ftz(x)
    xb = as_bits(x)
    z = fp32_mul(x, EXP_INV_LN2_32)
    k = fp32_add(z, EXP_SHIFTER)
    kf = fp32_sub(k, EXP_SHIFTER)
    ki = (as_bits(k) & _FRAC_MASK).astype(np.int64) - (1 << 22)
    j = ki & 31
    n = ki >> 5
    r = fp32_sub(x, fp32_mul(kf, EXP_LN2_32_HI))
    r = fp32_sub(r, fp32_mul(kf, EXP_LN2_32_LO))
    rr = fp32_mul(r, r)
    p = fp32_add(fp32_mul(r, EXP_C3), EXP_C2)
    q = fp32_add(r, fp32_mul(rr, p))
    t = EXP_TABLE[j]
    y = fp32_add(t, fp32_mul(t, q))
    yb = as_bits(y)
    be = _bexp(yb) + n
    res = np.where(be <= 0, np.uint32(0), _compose(0, np.clip(be, 0, 255), yb & _FRAC_MASK))
    res = np.where(be >= 255, np.uint32(0x7F800000), res)
    with np.errstate(invalid="ignore"):
        res = np.where(x > EXP_X_MAX, np.uint32(0x7F800000), res)
        res = np.where(x < EXP_X_MIN, np.uint32(0), res)
    res = np.where(_is_nan_bits(xb), np.uint32(QNAN_BITS), res)
    return res.astype(np.uint32).view(np.float32)


# ---------------------------------------------------------------------------------------------
# recip, rsqrt, div
# ---------------------------------------------------------------------------------------------


def _newton_recip(m: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One Newton-Raphson step for 1/m: e = 1 - m*y; y + y*e."""
    e = fp32_sub(ONE, fp32_mul(m, y))
    return fp32_add(y, fp32_mul(y, e))


def recip(x) -> np.ndarray:
    """``fp32_math::recip``: 1/x, max error 1 ulp for every normal x with a normal result.

    Algorithm: m = 1.f (x's significand as fp32 in [1, 2)); y0 = RECIP_TABLE[f >> 16];
    two Newton-Raphson steps y <- y + y*(1 - m*y); the result takes x's sign and exponent
    bexp(y) + 127 - bexp(x), flushed to a signed zero when that is <= 0 (|x| > 2**126).

    Special cases: NaN -> canonical NaN; +-inf -> +-0; +-0 and subnormals -> +-inf.
    """
    xb = as_bits(x)
    frac = xb & _FRAC_MASK
    m = _compose(0, 127, frac).view(np.float32)
    y = RECIP_TABLE[(frac >> np.uint32(23 - RECIP_TABLE_BITS)).astype(np.int64)]
    y = _newton_recip(m, y)
    y = _newton_recip(m, y)
    yb = as_bits(y)
    sign = xb >> np.uint32(31)
    be = _bexp(yb) + 127 - _bexp(xb)
    res = np.where(be <= 0, sign << np.uint32(31), _compose(sign, np.clip(be, 0, 255), yb & _FRAC_MASK))
    res = np.where((xb & _MAG) == _EXP_MASK, sign << np.uint32(31), res)  # +-inf -> +-0
    res = np.where(_is_zero_or_sub_bits(xb), (sign << np.uint32(31)) | _EXP_MASK, res)
    res = np.where(_is_nan_bits(xb), np.uint32(QNAN_BITS), res)
    return res.astype(np.uint32).view(np.float32)


def _newton_rsqrt(m: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One Newton-Raphson step for 1/sqrt(m): e = 1 - (m*y)*y; y + (y*0.5)*e."""
    e = fp32_sub(ONE, fp32_mul(fp32_mul(m, y), y))
    return fp32_add(y, fp32_mul(fp32_mul(y, HALF), e))


def rsqrt(x) -> np.ndarray:
    """``fp32_math::rsqrt``: 1/sqrt(x), max error 1 ulp for every positive normal x.

    Algorithm: x = 1.f * 2**E, E = 2k + p (p in {0, 1}); m = 1.f * 2**p in [1, 4);
    y0 = RSQRT_TABLE[p ++ f[22:17]]; two Newton-Raphson steps y <- y + (y*0.5)*(1 - (m*y)*y);
    the result has exponent bexp(y) - k (never out of range).

    Special cases: NaN -> canonical NaN; +-0 and subnormals -> +-inf (IEEE rSqrt(-0) = -inf);
    any other negative (incl. -inf) -> canonical NaN; +inf -> +0.
    """
    xb = as_bits(x)
    frac = xb & _FRAC_MASK
    e_unb = _bexp(xb) - 127
    p = e_unb & 1
    k = e_unb >> 1
    m = _compose(0, 127 + p, frac).view(np.float32)
    idx = (p << 6) | (frac >> np.uint32(17)).astype(np.int64)
    y = RSQRT_TABLE[idx]
    y = _newton_rsqrt(m, y)
    y = _newton_rsqrt(m, y)
    yb = as_bits(y)
    res = _compose(0, np.clip(_bexp(yb) - k, 0, 255), yb & _FRAC_MASK)
    sign = xb >> np.uint32(31)
    res = np.where(xb == _EXP_MASK, np.uint32(0), res)  # +inf -> +0
    res = np.where(sign == 1, np.uint32(QNAN_BITS), res)  # negative -> NaN
    res = np.where(_is_zero_or_sub_bits(xb), (sign << np.uint32(31)) | _EXP_MASK, res)
    res = np.where(_is_nan_bits(xb), np.uint32(QNAN_BITS), res)
    return res.astype(np.uint32).view(np.float32)


def div(a, b) -> np.ndarray:
    """``fp32_math::div``: a * recip(b) (two roundings; not IEEE division, <= 2 ulp)."""
    return fp32_mul(a, recip(b))


def div127(a) -> np.ndarray:
    """``quantize::div127``: a / 127 correctly rounded (IEEE RNE), then FTZ and canonical NaN.

    Bit-identical to C's ``a / 127.0f`` for every normal ``a`` whose quotient is normal.
    """
    with np.errstate(all="ignore"):
        return _finish(ftz(a) / Q_MAX)


# ---------------------------------------------------------------------------------------------
# Q8_0 datapath
# ---------------------------------------------------------------------------------------------


def round_half_away_s8(y) -> np.ndarray:
    """``quantize::round_half_away_s8``: C ``round()`` of fp32 to int8, saturating.

    floor(|y| + 1/2) computed exactly, sign restored; NaN -> 0; results clamp to [-127, 127]
    (subnormal y -> 0).
    """
    yf = ftz(y).astype(np.float64)
    with np.errstate(invalid="ignore"):
        mag = np.floor(np.abs(yf) + 0.5)
    mag = np.where(np.isnan(mag), 0.0, np.minimum(mag, 127.0))
    return (np.where(np.signbit(yf), -mag, mag)).astype(np.int8)


def dot_group(w, x) -> np.ndarray:
    """``q8_dot::dot_group``: exact int32 dot product of int8 groups along the last axis."""
    w = np.asarray(w, dtype=np.int64)
    x = np.asarray(x, dtype=np.int64)
    return (w * x).sum(axis=-1).astype(np.int32)


def scale_acc(acc, ival, ws, xs) -> np.ndarray:
    """``q8_dot::scale_acc``: acc + (((float) ival * ws) * xs), each op fp32 RNE/FTZ (runq order)."""
    return fp32_add(acc, fp32_mul(fp32_mul(from_int32(ival), ws), xs))


def quantize_group(x) -> tuple[np.ndarray, np.ndarray]:
    """``quantize::quantize_group``: Q8_0 activation quantization of groups on the last axis.

    amax = max |ftz(x)| (as magnitude bit patterns: a NaN beats inf beats finite);
    scale = div127(amax) (correctly rounded, = llama2.c's ``wmax / 127.0f``);
    r = recip(scale); q = round_half_away_s8(x * r) -- llama2.c divides ``x / scale`` instead,
    see docs/numerics.md for how often that differs; q = 0 for the whole group when scale is
    not a normal number (all-zero group -> scale 0; inf in the group -> scale inf; NaN -> NaN).

    Returns:
        (q int8 array shaped like x, scale fp32 array with the last axis dropped).
    """
    xb = as_bits(ftz(x))
    amax = from_bits(np.max(xb & _MAG, axis=-1))
    scale = div127(amax)
    r = recip(scale)
    q = round_half_away_s8(fp32_mul(ftz(x), r[..., None]))
    sb = as_bits(scale)
    normal = ~_is_zero_or_sub_bits(sb) & ((sb & _EXP_MASK) != _EXP_MASK)
    q = np.where(normal[..., None], q, np.int8(0)).astype(np.int8)
    return q, scale


# ---------------------------------------------------------------------------------------------
# DSLX table text (used once to write the tables into hls/fp32_math.x; kept for review)
# ---------------------------------------------------------------------------------------------


def dslx_table(name: str, table: np.ndarray, per_line: int = 6) -> str:
    """The DSLX ``const`` declaration of a table of fp32 bit patterns."""
    bits = as_bits(table)
    rows = []
    for i in range(0, len(bits), per_line):
        rows.append("    " + ", ".join(f"u32:0x{int(b):08x}" for b in bits[i : i + per_line]) + ",")
    return f"const {name} = u32[{len(bits)}]:[\n" + "\n".join(rows) + "\n];"


# ---------------------------------------------------------------------------------------------
# Elementwise kernels (hls/elementwise.x; rtl/kernels/{residual,embed,swiglu,rope}.sv)
#
# Each lane function is the twin of one DSLX function (one RTL lane); the vector functions
# apply it the way the kernel does, so the whole-model numerics model (hwmodel.py) and the
# kernel scoreboards read the same definitions. Definitions: docs/kernels/elementwise.md.
# ---------------------------------------------------------------------------------------------

__all__ += [
    "ew_add",
    "ew_dequant",
    "ew_swiglu",
    "ew_rope_pair",
    "residual",
    "embed_row",
    "swiglu",
    "rope",
    "rope_table_row",
]


def _neg(x) -> np.ndarray:
    """-x as the hardware does it: the sign bit flipped (NaN payloads and zeros included)."""
    return (as_bits(x) ^ _SIGN).astype(np.uint32).view(np.float32)


def ew_add(x, y) -> np.ndarray:
    """``elementwise::ew_add``: x + y, one fp32 add (RNE, FTZ, canonical NaN). The residual lane."""
    return fp32_add(x, y)


def ew_dequant(q, s) -> np.ndarray:
    """``elementwise::ew_dequant``: ``(float) q * s`` for int8 q (the conversion is exact), one
    fp32 multiply. The embed lane."""
    return fp32_mul(from_int32(np.asarray(q, dtype=np.int32)), s)


def ew_swiglu(h1, h3) -> np.ndarray:
    """``elementwise::ew_swiglu``: ``(h1 * recip(1 + exp(-h1))) * h3``. The swiglu lane.

    Steps (each one fp32 operation or hardware function): ``e = exp(-h1)`` with ``-h1`` a sign
    flip; ``d = 1 + e``; ``r = recip(d)``; ``a = h1 * r``; ``out = a * h3``. For h1 < -88.7,
    e = +inf, r = +0 and the result is a signed zero (llama2.c: -0.0 or 0.0 too); a NaN in
    either input gives the canonical NaN.
    """
    e = exp(_neg(h1))
    r = recip(fp32_add(ONE, e))
    return fp32_mul(fp32_mul(h1, r), h3)


def ew_rope_pair(v0, v1, c, s) -> tuple[np.ndarray, np.ndarray]:
    """``elementwise::ew_rope_pair``: rotate the pair (v0, v1) by the angle with cosine c, sine s.

    ``o0 = (v0 * c) - (v1 * s)``, ``o1 = (v0 * s) + (v1 * c)``: four fp32 multiplies, each
    rounded, then one fp32 sub and one add (no fused multiply-add), as run.c computes it.
    """
    o0 = fp32_sub(fp32_mul(v0, c), fp32_mul(v1, s))
    o1 = fp32_add(fp32_mul(v0, s), fp32_mul(v1, c))
    return o0, o1


def residual(x, y) -> np.ndarray:
    """The residual kernel: ``out[i] = ew_add(x[i], y[i])``."""
    return ew_add(x, y)


def swiglu(h1, h3) -> np.ndarray:
    """The swiglu kernel: ``out[i] = ew_swiglu(h1[i], h3[i])``."""
    return ew_swiglu(h1, h3)


def embed_row(q_table, s_table, token: int, dim: int, group_size: int) -> np.ndarray:
    """The embed kernel: row ``token`` of a Q8_0 table, dequantized.

    ``out[i] = ew_dequant(q[token * dim + i], s[(token * dim + i) // group_size])`` for i < dim.

    Args:
        q_table: int8 values, the whole table flattened row-major (``vocab * dim``), or
            ``[vocab, dim]``.
        s_table: fp32 scales, flattened row-major (``vocab * dim / group_size``), or
            ``[vocab, dim / group_size]``.
        token: Row index.
        dim: Row length (a multiple of *group_size*).
        group_size: Q8_0 group size.
    """
    q = np.asarray(q_table, dtype=np.int8).reshape(-1)
    s = np.asarray(s_table, dtype=np.float32).reshape(-1)
    i = token * dim + np.arange(dim)
    return ew_dequant(q[i], s[i // group_size])


def rope_table_row(cos, sin) -> np.ndarray:
    """One position's row of the rope kernel's table: ``[c0, s0, c1, s1, ...]`` (head_size fp32).

    *cos*, *sin*: the head_size / 2 values of ``golden.rope_cos_sin`` at that position.
    Rows of consecutive positions follow each other (row ``pos`` at byte ``pos * head_size * 4``).
    """
    c = np.asarray(cos, dtype=np.float32).reshape(-1)
    s = np.asarray(sin, dtype=np.float32).reshape(-1)
    if c.shape != s.shape:
        raise ValueError(f"cos and sin differ in length: {c.shape} vs {s.shape}")
    return np.stack([c, s], axis=-1).reshape(-1)


def rope(x, table_row, head_size: int) -> np.ndarray:
    """The rope kernel on one vector: pair j (elements 2j, 2j+1) rotated by entry j % (head_size / 2).

    Args:
        x: fp32 vector of even length n (q, k, or q and k back to back: every head uses the
            same angles, so one run covers both).
        table_row: :func:`rope_table_row` of the position (head_size values, or more: only
            the first head_size are read).
        head_size: Elements per head (even).

    Returns:
        The rotated vector, shaped like *x*.
    """
    v = np.asarray(x, dtype=np.float32)
    pairs = v.reshape(-1, 2)
    t = np.asarray(table_row, dtype=np.float32).reshape(-1)[:head_size].reshape(-1, 2)
    j = np.arange(pairs.shape[0]) % (head_size // 2)
    o0, o1 = ew_rope_pair(pairs[:, 0], pairs[:, 1], t[j, 0], t[j, 1])
    return np.stack([o0, o1], axis=-1).reshape(v.shape)


# ---------------------------------------------------------------------------------------------
# Reduction blocks and lanes (hls/reduce.x, hls/elementwise.x): rmsnorm, softmax, attention
# ---------------------------------------------------------------------------------------------

__all__ += [
    "tree16",
    "dot16",
    "fmax",
    "max16",
    "ew_mul",
    "ew_rms_scale",
    "ew_exp_sub",
    "ew_mac",
    "ew_i8_to_f32",
]


def tree16(x) -> np.ndarray:
    """``reduce::tree16`` over the last axis (16 values): balanced pairwise fp32 adder tree,
    level 1 adds (0, 1), (2, 3), ..., each later level the previous sums pairwise in order."""
    a = np.asarray(x, dtype=np.float32)
    if a.shape[-1] != 16:
        raise ValueError(f"tree16 needs 16 values on the last axis, got {a.shape[-1]}")
    while a.shape[-1] > 1:
        a = fp32_add(a[..., 0::2], a[..., 1::2])
    return a[..., 0]


def dot16(a, b) -> np.ndarray:
    """``reduce::dot16``: ``tree16(a[k] * b[k])`` over the last axis, each product rounded.
    One 16-lane chunk of ``hwmodel.sum16`` of products."""
    return tree16(fp32_mul(a, b))


def fmax(a, b) -> np.ndarray:
    """``reduce::fmax``: max of the flushed operands; canonical NaN if either is NaN; ``a``
    when they compare equal (so +0 vs -0 keeps the first)."""
    fa, fb = ftz(a), ftz(b)
    nan = np.isnan(fa) | np.isnan(fb)
    with np.errstate(invalid="ignore"):
        r = np.where(fb > fa, fb, fa).astype(np.float32)
    return np.where(nan, from_bits(np.uint32(QNAN_BITS)), r).astype(np.float32)


def max16(x) -> np.ndarray:
    """``reduce::max16`` over the last axis (16 values): a balanced tree of :func:`fmax`."""
    a = np.asarray(x, dtype=np.float32)
    if a.shape[-1] != 16:
        raise ValueError(f"max16 needs 16 values on the last axis, got {a.shape[-1]}")
    while a.shape[-1] > 1:
        a = fmax(a[..., 0::2], a[..., 1::2])
    return a[..., 0]


def ew_mul(x, y) -> np.ndarray:
    """``elementwise::ew_mul``: ``x * y``, one fp32 multiply."""
    return fp32_mul(x, y)


def ew_rms_scale(x, w, inv) -> np.ndarray:
    """``elementwise::ew_rms_scale``: ``w * (inv * x)``, the RMSNorm output lane."""
    return fp32_mul(w, fp32_mul(inv, x))


def ew_exp_sub(s, m) -> np.ndarray:
    """``elementwise::ew_exp_sub``: ``exp(s - m)``, the softmax numerator lane."""
    return exp(fp32_sub(s, m))


def ew_mac(acc, a, v) -> np.ndarray:
    """``elementwise::ew_mac``: ``acc + (a * v)``, two roundings (no fusion)."""
    return fp32_add(acc, fp32_mul(a, v))


def ew_i8_to_f32(q) -> np.ndarray:
    """``elementwise::ew_i8_to_f32``: int8 to fp32 (exact)."""
    return from_int32(np.asarray(q, dtype=np.int32))
