"""C-simulation tier for hls/elementwise.x: the XLS JIT of each elementwise lane block vs the
numerics model, bit for bit (DESIGN.md section 9, tier 1), and the model vs the golden model.

The JIT runs the optimized IR that ``hls/build.py`` scheduled into ``rtl/gen/ew_*.v``.
Inputs: every special class crossed with every other (zeros, infinities, NaNs with payloads,
subnormals, min/max normals), each lane's range edges (exp overflow/flush points of swiglu,
the 2**-126 flush boundary of products and sums), random bit patterns and random values in the
ranges Llama uses. Every comparison is on uint32 patterns (NaN included: canonical on both
sides), and each has a companion check that one flipped bit is caught.

Model vs golden (``model/golden.py``, PyTorch fp32 as run.c): residual, embed and rope are
bit-identical on normal values (same operations, same order, no fma); swiglu differs by the
hardware exp / recip (<= 1 ulp each) and is checked within 8 ulp relative.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from hlstransform.model import golden
from hlstransform.model import numerics as nm
from hlstransform.model.config import ModelConfig

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
HLS_DIR = REPO_ROOT / "hls"


def _hls(name: str):
    """Load ``hls/<name>.py`` (not a package) once per process."""
    key = f"hls_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, HLS_DIR / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


@pytest.fixture(scope="module")
def jits():
    """Block name -> BlockJit, each compiled once per module."""
    made: dict[str, object] = {}

    def get(block: str):
        if block not in made:
            made[block] = _hls("xls_jit").BlockJit(block)
        return made[block]

    return get


def _u32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).astype(np.uint32)


SPECIALS = _u32(
    [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7F800001, 0x00000001,
     0x807FFFFF, 0x00400000, 0x00800000, 0x80800000, 0x00800001, 0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000,
     0xBF800000, 0x3F800001, 0x40000000, 0xC0400000, 0x3F000000]
)
"""Zeros, infinities, NaNs (payloads, negative), subnormals, min/max normals, small integers."""


def crossed(*cols: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every combination of the given columns' values (a cartesian product), as columns."""
    grids = np.meshgrid(*cols, indexing="ij")
    return tuple(g.ravel().astype(np.uint32) for g in grids)


def random_patterns(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)


def llama_values(rng: np.random.Generator, n: int, scale: float = 3.0) -> np.ndarray:
    """Activation-like values: normal with heavy tails, as fp32 bit patterns."""
    v = rng.standard_t(4, n) * scale
    return v.astype(np.float32).view(np.uint32)


def scoreboard(got: np.ndarray, want: np.ndarray, inputs: tuple[np.ndarray, ...]) -> list[str]:
    """Bit-exact comparison of uint32 result patterns; one line per mismatch (first 5)."""
    bad = np.nonzero(got != want)[0]
    lines = []
    for k in bad[:5]:
        args = ", ".join(f"{int(c[k]):#010x}" for c in inputs)
        lines.append(f"({args}): xls {int(got[k]):#010x}, model {int(want[k]):#010x}")
    if len(bad) > 5:
        lines.append(f"... {len(bad)} mismatches in all")
    return lines


def check_with_companion(got: np.ndarray, want: np.ndarray, inputs: tuple[np.ndarray, ...], label: str,
                         rng: np.random.Generator) -> None:
    """Zero mismatches; then the same scoreboard must reject one flipped bit anywhere (3 tries)."""
    problems = scoreboard(got, want, inputs)
    assert not problems, f"{label}: " + "; ".join(problems)
    for _ in range(3):
        corrupt = got.copy()
        corrupt[rng.integers(len(got))] ^= np.uint32(1 << int(rng.integers(32)))
        assert scoreboard(corrupt, want, inputs), f"{label}: flipped bit not caught"


# ---------------------------------------------------------------------------------------------
# XLS JIT vs numerics, per lane block
# ---------------------------------------------------------------------------------------------


def test_ew_add_matches_model(jits):
    rng = np.random.default_rng(1)
    x0, y0 = crossed(SPECIALS, SPECIALS)
    # Sums at the flush boundary: x = 2**-126 * (1 + f), y = -2**-126 * (1 + g).
    n = 500
    edge_x = _u32((1 << 23) | rng.integers(0, 2**23, n))
    edge_y = _u32((1 << 31) | (1 << 23) | rng.integers(0, 2**23, n))
    # Cancellation: y = -(x + few ulp).
    base = llama_values(rng, n)
    cancel_y = (base.astype(np.int64) + rng.integers(-3, 4, n)).astype(np.uint32) ^ np.uint32(0x80000000)
    x = np.concatenate([x0, edge_x, base, random_patterns(rng, 2000), llama_values(rng, 2000)])
    y = np.concatenate([y0, edge_y, cancel_y, random_patterns(rng, 2000), llama_values(rng, 2000)])
    got = jits("ew_add").map_f32(x, y)
    want = nm.as_bits(nm.ew_add(nm.from_bits(x), nm.from_bits(y)))
    check_with_companion(got, want, (x, y), "ew_add", rng)


def test_ew_dequant_matches_model(jits):
    xj = _hls("xls_jit")
    from xls import Value

    rng = np.random.default_rng(2)
    q0, s0 = crossed(_u32(np.arange(-128, 128) & 0xFF), SPECIALS)
    n = 1500
    # Realistic Q8_0 scales (max|w| / 127), random patterns, products near 2**-126 and overflow.
    s_real = (np.exp(rng.uniform(np.log(1e-4), np.log(1.0), n)) / 127).astype(np.float32).view(np.uint32)
    s_edge = _u32((rng.integers(1, 9, n) << 23) | rng.integers(0, 2**23, n))  # 2**-126 .. 2**-118
    s_big = _u32((rng.integers(246, 255, n) << 23) | rng.integers(0, 2**23, n))
    q = np.concatenate([q0, *(rng.integers(0, 256, n).astype(np.uint32) for _ in range(4))])
    s = np.concatenate([s0, s_real, s_edge, s_big, random_patterns(rng, n)])
    qs = q.astype(np.uint8).view(np.int8)
    jit = jits("ew_dequant")
    got = np.array([xj.f32_bits(jit.run([Value.make_sbits(8, int(a)), xj.f32_value(b)])) for a, b in zip(qs, s)],
                   dtype=np.uint32)
    want = nm.as_bits(nm.ew_dequant(qs, nm.from_bits(s)))
    check_with_companion(got, want, (q, s), "ew_dequant", rng)


def swiglu_h1_inputs(rng: np.random.Generator) -> np.ndarray:
    """h1 values: exp(-h1)'s overflow and flush points (h1 = -88.72, 87.34, +-100) and their
    neighbours, 1 + e rounding to 1 (h1 > 17), and the Llama range."""
    limits = _u32([0xC2B17217, 0xC2B17218, 0x42AEAC4F, 0x42AEAC50, 0xC2C80000, 0x42C80000, 0x41880000,
                   0x41800000, 0x33800000, 0xB3800000])
    near = _u32((limits[:, None].astype(np.int64) + np.arange(-2, 3)[None, :]).ravel())
    return np.concatenate([near, llama_values(rng, 1500, 4.0), rng.uniform(-100, 100, 500).astype(np.float32)
                           .view(np.uint32)])


def test_ew_swiglu_matches_model(jits):
    rng = np.random.default_rng(3)
    h1a, h3a = crossed(SPECIALS, SPECIALS)
    h1b = swiglu_h1_inputs(rng)
    h3b = llama_values(rng, len(h1b))
    h1c, h3c = crossed(swiglu_h1_inputs(rng)[:50], SPECIALS)
    h1 = np.concatenate([h1a, h1b, h1c, random_patterns(rng, 1000)])
    h3 = np.concatenate([h3a, h3b, h3c, random_patterns(rng, 1000)])
    got = jits("ew_swiglu").map_f32(h1, h3)
    want = nm.as_bits(nm.ew_swiglu(nm.from_bits(h1), nm.from_bits(h3)))
    check_with_companion(got, want, (h1, h3), "ew_swiglu", rng)


def test_ew_rope_pair_matches_model(jits):
    xj = _hls("xls_jit")
    rng = np.random.default_rng(4)
    k = len(SPECIALS)
    # Specials: every (v0, v1) pair against (c, s) = (1, 0), (0, 1), (cos, sin) of a real angle,
    # and every (c, s) pair against random (v0, v1); then random patterns and real rotations.
    cs_fixed = _u32([[0x3F800000, 0x00000000], [0x00000000, 0x3F800000], [0x3F3504F3, 0x3F3504F3]])
    v0a, v1a, ia = crossed(SPECIALS, SPECIALS, np.arange(3))
    ca, sa = cs_fixed[ia.astype(np.int64), 0], cs_fixed[ia.astype(np.int64), 1]
    cb, sb = crossed(SPECIALS, SPECIALS)
    v0b, v1b = llama_values(rng, k * k), llama_values(rng, k * k)
    n = 2000
    theta = rng.uniform(0, 2 * np.pi, n)
    # Products at the flush boundary: v about 2**-100, c and s about 2**-26.
    v0e = _u32((rng.integers(25, 29, 300) << 23) | rng.integers(0, 2**23, 300))
    ce = _u32((rng.integers(99, 103, 300) << 23) | rng.integers(0, 2**23, 300))
    v0 = np.concatenate([v0a, v0b, llama_values(rng, n), random_patterns(rng, n), v0e])
    v1 = np.concatenate([v1a, v1b, llama_values(rng, n), random_patterns(rng, n), v0e[::-1]])
    c = np.concatenate([ca, cb, np.cos(theta).astype(np.float32).view(np.uint32), random_patterns(rng, n), ce])
    s = np.concatenate([sa, sb, np.sin(theta).astype(np.float32).view(np.uint32), random_patterns(rng, n), ce[::-1]])
    jit = jits("ew_rope_pair")
    got0 = np.empty(len(v0), np.uint32)
    got1 = np.empty(len(v0), np.uint32)
    for i in range(len(v0)):
        out = jit.run([xj.f32_value(v0[i]), xj.f32_value(v1[i]), xj.f32_value(c[i]), xj.f32_value(s[i])])
        got0[i] = xj.f32_bits(out.get_element(0))
        got1[i] = xj.f32_bits(out.get_element(1))
    o0, o1 = nm.ew_rope_pair(*(nm.from_bits(a) for a in (v0, v1, c, s)))
    got = np.concatenate([got0, got1])
    want = np.concatenate([nm.as_bits(o0), nm.as_bits(o1)])
    cols = tuple(np.concatenate([a, a]) for a in (v0, v1, c, s))
    check_with_companion(got, want, cols, "ew_rope_pair", rng)


# ---------------------------------------------------------------------------------------------
# Vector-level model functions (what the kernels compute) vs the lanes, and vs golden
# ---------------------------------------------------------------------------------------------


def _normal(x: np.ndarray) -> np.ndarray:
    """Mask of finite values that are zero or normal (no subnormal)."""
    b = nm.as_bits(x)
    return np.isfinite(x) & (((b >> 23) & 0xFF) != 0) | ((b & 0x7FFFFFFF) == 0)


def test_residual_model_vs_golden():
    rng = np.random.default_rng(5)
    x = nm.from_bits(llama_values(rng, 4096))
    y = nm.from_bits(llama_values(rng, 4096, 0.1))
    want = (torch.from_numpy(x) + torch.from_numpy(y)).numpy()
    assert np.array_equal(nm.as_bits(nm.residual(x, y)), nm.as_bits(want))


def test_embed_model_vs_golden():
    """embed_row is QTensor.dequantize (runq.c's dequantize) of the row, bit for bit."""
    from hlstransform.model.quant import quantize_weights

    rng = np.random.default_rng(6)
    for vocab, dim, gs in ((37, 288, 32), (20, 128, 64), (5, 64, 32)):
        w = quantize_weights(torch.from_numpy(rng.standard_normal((vocab, dim)).astype(np.float32)), gs)
        ref = w.dequantize().numpy()
        for token in (0, vocab // 2, vocab - 1):
            got = nm.embed_row(w.q.numpy(), w.s.numpy(), token, dim, gs)
            assert np.array_equal(nm.as_bits(got), nm.as_bits(ref[token])), (vocab, dim, gs, token)
    # The row index arithmetic: element i of row t uses scale (t * dim + i) // gs.
    q = np.arange(-128, 128, dtype=np.int8).repeat(2)  # 512 values: 8 rows of 64
    s = np.arange(1, 17, dtype=np.float32)               # 16 groups of 32
    row = nm.embed_row(q, s, 3, 64, 32)
    assert row[0] == q[192] * s[6] and row[63] == q[255] * s[7]


def test_swiglu_model_vs_golden():
    rng = np.random.default_rng(7)
    h1 = nm.from_bits(llama_values(rng, 20000, 4.0))
    h3 = nm.from_bits(llama_values(rng, 20000))
    got = nm.swiglu(h1, h3)
    want = golden.swiglu(torch.from_numpy(h1), torch.from_numpy(h3)).numpy()
    ok = _normal(want) & (np.abs(want) > np.float32(1e-30))
    rel = np.abs(got[ok].astype(np.float64) - want[ok]) / np.abs(want[ok].astype(np.float64))
    assert rel.max() <= 8 * 2.0**-24, f"max relative error {rel.max():.3g}"
    assert np.mean(got == want) > 0.5, "most results should be bit-identical"
    # Where golden gives a zero (h1 very negative) the hardware does too.
    z = want == 0
    assert np.all(got[z] == 0)


@pytest.mark.parametrize("dim,n_heads,n_kv_heads", [(288, 6, 6), (128, 4, 2), (512, 8, 8)])
def test_rope_model_vs_golden(dim, n_heads, n_kv_heads):
    """Table-driven rope (one run over q and k back to back) is bit-identical to golden.rope."""
    cfg = ModelConfig(dim=dim, hidden_dim=4 * dim, n_layers=1, n_heads=n_heads, n_kv_heads=n_kv_heads,
                      vocab_size=32, seq_len=64)
    hs, kv_dim = cfg.head_size, cfg.kv_dim
    rng = np.random.default_rng(dim)
    for pos in (0, 1, 17, 63):
        cos, sin = golden.rope_cos_sin(cfg, pos)
        row = nm.rope_table_row(cos.numpy(), sin.numpy())
        assert row.shape == (hs,)
        q = nm.from_bits(llama_values(rng, dim))
        k = nm.from_bits(llama_values(rng, kv_dim))
        got = nm.rope(np.concatenate([q, k]), row, hs)
        want_q = golden.rope(torch.from_numpy(q).reshape(n_heads, hs), cos, sin).reshape(-1).numpy()
        want_k = golden.rope(torch.from_numpy(k).reshape(n_kv_heads, hs), cos, sin).reshape(-1).numpy()
        assert np.array_equal(nm.as_bits(got), nm.as_bits(np.concatenate([want_q, want_k]))), pos


def test_vector_functions_are_the_lanes():
    """The kernel-level functions apply the lane functions element by element (scalar restatement)."""
    rng = np.random.default_rng(8)
    v = nm.from_bits(llama_values(rng, 64))
    row = nm.from_bits(llama_values(rng, 16))
    got = nm.rope(v, row, 16)
    for j in range(32):
        t = j % 8
        o0, o1 = nm.ew_rope_pair(v[2 * j], v[2 * j + 1], row[2 * t], row[2 * t + 1])
        assert nm.as_bits(got[2 * j]) == nm.as_bits(o0) and nm.as_bits(got[2 * j + 1]) == nm.as_bits(o1)
    # A corrupted table entry changes exactly the pairs that use it (4 of 32 here).
    bad = row.copy()
    bad[6] = np.float32(bad[6] * 2)
    diff = nm.as_bits(nm.rope(v, bad, 16)) != nm.as_bits(got)
    assert diff.reshape(-1, 2).any(axis=1).sum() == 4
    # sign flip is a bit flip (-NaN, -0 included).
    x = nm.from_bits(_u32([0, 0x80000000, 0x7FC00000, 0x3F800000]))
    assert list(nm.as_bits(nm._neg(x))) == [0x80000000, 0, 0xFFC00000, 0xBF800000]
