"""C-simulation tier for the Q8_0 datapaths (hls/q8_dot.x, hls/quantize.x): the XLS JIT of each
generated block vs the numerics model, bit for bit, and the model vs the golden reference
(model/quant.py, llama2.c runq) so the chain RTL = model ~ golden is closed.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from hlstransform.model import numerics as nm
from hlstransform.model import quant

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
HLS_DIR = REPO_ROOT / "hls"
# HLS_EXHAUSTIVE=1: 20x more random cases per block (a few minutes).
SCALE = 20 if os.environ.get("HLS_EXHAUSTIVE") == "1" else 1


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
    made: dict[str, object] = {}

    def get(block: str):
        if block not in made:
            made[block] = _hls("xls_jit").BlockJit(block)
        return made[block]

    return get


def _u32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).astype(np.uint32)


def _mismatch_lines(got: np.ndarray, want: np.ndarray, what: str) -> list[str]:
    bad = np.nonzero(np.asarray(got != want).reshape(len(got), -1).any(axis=1))[0]
    return [f"{what} #{k}: xls {got[k]!r} model {want[k]!r}" for k in bad[:3]] + (
        [f"... {len(bad)} mismatching cases"] if len(bad) > 3 else []
    )


# ---------------------------------------------------------------------------------------------
# dot_group
# ---------------------------------------------------------------------------------------------


def dot_cases(rng: np.random.Generator, gs: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    pairs = [(-128, -128), (-128, 127), (127, 127), (0, -128), (-1, 1)]
    w = [np.array([[a] * gs for a, _ in pairs], np.int8)]
    x = [np.array([[b] * gs for _, b in pairs], np.int8)]
    w.append(rng.integers(-128, 128, (n, gs)).astype(np.int8))
    x.append(rng.integers(-128, 128, (n, gs)).astype(np.int8))
    w.append(rng.choice(np.array([-128, 127], np.int8), (20, gs)))
    x.append(rng.choice(np.array([-128, 127], np.int8), (20, gs)))
    return np.concatenate(w), np.concatenate(x)


@pytest.mark.parametrize("gs", [32, 64])
def test_dot_group_matches_model(jits, gs):
    xj = _hls("xls_jit")
    jit = jits(f"q8_dot_group_{gs}")
    rng = np.random.default_rng(gs)
    w, x = dot_cases(rng, gs, 500 * SCALE)
    got = np.array(
        [jit.run([xj.s8_array_value(a), xj.s8_array_value(b)]).get_bits().to_uint64() for a, b in zip(w, x)],
        dtype=np.uint64,
    ).astype(np.uint32).view(np.int32)
    want = nm.dot_group(w, x)
    assert not _mismatch_lines(got, want, "dot"), _mismatch_lines(got, want, "dot")
    assert want.min() == -(gs * 128 * 127) and want.max() == gs * 128 * 128
    corrupt = got.copy()
    corrupt[7] ^= np.int32(1 << 20)
    assert _mismatch_lines(corrupt, want, "dot")


# ---------------------------------------------------------------------------------------------
# scale_acc
# ---------------------------------------------------------------------------------------------

F32_SPECIALS = _u32(
    [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x00000001, 0x807FFFFF,
     0x00800000, 0x7F7FFFFF, 0x3F800000, 0xBF800000]
)


def scale_acc_cases(rng: np.random.Generator, n: int):
    """(acc, ival, ws, xs) columns: realistic Q8_0 magnitudes, random bit patterns, specials
    crossed, and products aimed at the 2**-126 flush boundary and at overflow."""
    cols = []
    # Realistic: |ival| <= 64 * 127**2, scales 1e-4..1e-1, accumulators up to 1e2.
    cols.append((
        rng.normal(0, 10, n).astype(np.float32).view(np.uint32),
        rng.integers(-64 * 127 * 127, 64 * 127 * 127 + 1, n),
        np.exp(rng.uniform(np.log(1e-4), np.log(1e-1), n)).astype(np.float32).view(np.uint32),
        np.exp(rng.uniform(np.log(1e-4), np.log(1e-1), n)).astype(np.float32).view(np.uint32),
    ))
    rnd = lambda: rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)  # noqa: E731
    cols.append((rnd(), rng.integers(-(2**31), 2**31, n), rnd(), rnd()))
    k = len(F32_SPECIALS)
    cols.append((np.repeat(F32_SPECIALS, k), np.tile([0, 1, -1, 3], k * k // 4 + 1)[: k * k],
                 np.tile(F32_SPECIALS, k), np.repeat(F32_SPECIALS[::-1], k)))
    # |ival * ws * xs| around 2**-126: exponents of ws and xs summing to about 2**-140.
    ew = rng.integers(40, 90, n)
    ex = np.clip(127 + 127 - 140 - ew + rng.integers(-4, 4, n), 1, 254)
    frac = lambda: rng.integers(0, 2**23, n)  # noqa: E731
    cols.append(
        (np.zeros(n, np.uint32), rng.integers(1, 2**15, n), _u32((ew << 23) | frac()), _u32((ex << 23) | frac()))
    )
    acc, ival, ws, xs = (np.concatenate(c) for c in zip(*cols))
    return acc.astype(np.uint32), ival.astype(np.int32), ws.astype(np.uint32), xs.astype(np.uint32)


def test_scale_acc_matches_model(jits):
    xj = _hls("xls_jit")
    from xls import Value

    # The matmul engine's step: q8_scale_product ahead of its loop, then q8_acc_add in it.
    product, add = jits("q8_scale_product"), jits("q8_acc_add")
    acc, ival, ws, xs = scale_acc_cases(np.random.default_rng(11), 1500 * SCALE)
    got = np.array(
        [xj.f32_bits(add.run([xj.f32_value(a),
                              product.run([Value.make_sbits(32, int(i)), xj.f32_value(w), xj.f32_value(x)])]))
         for a, i, w, x in zip(acc, ival, ws, xs)],
        dtype=np.uint32,
    )
    want = nm.as_bits(nm.scale_acc(nm.from_bits(acc), ival, nm.from_bits(ws), nm.from_bits(xs)))
    assert not _mismatch_lines(got, want, "scale_acc"), _mismatch_lines(got, want, "scale_acc")
    corrupt = got.copy()
    corrupt[3] ^= np.uint32(1)
    assert _mismatch_lines(corrupt, want, "scale_acc")


# ---------------------------------------------------------------------------------------------
# quantize_group
# ---------------------------------------------------------------------------------------------


def quantize_cases(rng: np.random.Generator, gs: int, n: int) -> np.ndarray:
    """Groups (uint32 bit patterns): activations-like data, exact half-integer quotients,
    outliers, and every special: all zero, subnormals, inf, NaN, scale flushing to zero,
    amax near the largest normal, random bit patterns."""
    groups = [rng.normal(0, 1, (n, gs)) * 10.0 ** rng.integers(-3, 3, (n, 1))]
    out = rng.normal(0, 1, (20, gs)).astype(np.float32)
    out[:, 5] = 300.0
    groups.append(out)
    # amax = 127 * 2**k makes scale = 2**k and x * r exact: the .5 cases round away from zero.
    halves = (rng.integers(-254, 255, (20, gs)) / 2.0).astype(np.float32)
    halves[:, 0] = 127.0
    groups.append(halves * 2.0 ** rng.integers(-10, 10, (20, 1)))
    special = np.zeros((8, gs), np.float32)
    special[1] = nm.from_bits(np.uint32(0x00000005))  # all subnormal -> all zero
    special[2, :] = 1.0
    special[2, 3] = np.inf
    special[3, :] = -2.0
    special[3, gs - 1] = np.nan
    special[4, :] = np.float32(2.0**-120)  # scale = 2**-120 / 127 flushes to 0
    special[5, :] = np.float32(2.0**-118)  # scale stays normal
    special[6] = rng.normal(0, 1, gs).astype(np.float32) * np.float32(1e37)
    special[6, 0] = nm.from_bits(np.uint32(0x7F7FFFFF))
    special[7] = rng.normal(0, 1, gs).astype(np.float32)
    special[7, ::2] = nm.from_bits(np.uint32(0x00400000))
    groups.append(special)
    groups.append(nm.from_bits(rng.integers(0, 2**32, (20, gs), dtype=np.uint64).astype(np.uint32)))
    with np.errstate(all="ignore"):
        return np.concatenate([g.astype(np.float32) for g in groups]).view(np.uint32)


@pytest.mark.parametrize("gs", [32, 64])
def test_quantize_group_matches_model(jits, gs):
    xj = _hls("xls_jit")
    jit = jits(f"q8_quantize_{gs}")
    groups = quantize_cases(np.random.default_rng(100 + gs), gs, 150 * SCALE)
    q_got, s_got = [], []
    for row in groups:
        out = jit.run([xj.f32_array_value(row)])
        q_got.append(xj.s8_array(out.get_element(0)))
        s_got.append(xj.f32_bits(out.get_element(1)))
    q_got, s_got = np.array(q_got), np.array(s_got, dtype=np.uint32)
    q_want, s_want = nm.quantize_group(nm.from_bits(groups))
    s_want = nm.as_bits(s_want)
    problems = _mismatch_lines(s_got, s_want, "scale") + _mismatch_lines(q_got, q_want, "q")
    assert not problems, problems
    # The special rows behaved as documented (all-zero, inf, NaN, flushed scale -> q = 0).
    assert (q_want[-28:-23] == 0).all()
    assert [hex(int(v)) for v in s_want[-28:-23]] == ["0x0", "0x0", "0x7f800000", "0x7fc00000", "0x0"]
    corrupt = q_got.copy()
    corrupt[2, 9] ^= np.int8(4)
    assert _mismatch_lines(corrupt, q_want, "q")


# ---------------------------------------------------------------------------------------------
# The model against the golden reference (model/quant.py = llama2.c runq)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gs", [32, 64])
def test_quantize_model_vs_golden(gs):
    """scale is bit-identical to llama2.c's max/127.0f; q differs only where x/scale is within
    a few ulp of a half-integer (x * recip(scale) vs IEEE division): rare, and by 1."""
    rng = np.random.default_rng(gs)
    x = (rng.standard_t(4, (20_000, gs)) * 3).astype(np.float32)
    q, s = nm.quantize_group(x)
    g = quant.quantize_activations(torch.from_numpy(x.reshape(-1)), gs)
    assert np.array_equal(nm.as_bits(s), g.s.numpy().view(np.uint32).reshape(s.shape))
    diff = q.astype(np.int16) - g.q.numpy().reshape(q.shape)
    assert np.abs(diff).max() <= 1
    assert np.count_nonzero(diff) <= 1e-4 * diff.size, np.count_nonzero(diff)


def test_matvec_model_vs_golden():
    """dot_group + scale_acc in group order is bit-identical to quant.q8_matvec (no subnormals)."""
    rng = np.random.default_rng(5)
    gs, rows, cols = 32, 16, 288
    w = quant.quantize_weights(torch.from_numpy(rng.normal(0, 0.05, (rows, cols)).astype(np.float32)), gs)
    xq = quant.quantize_activations(torch.from_numpy(rng.normal(0, 1, cols).astype(np.float32)), gs)
    want = quant.q8_matvec(w, xq).numpy()
    wq = w.q.numpy().reshape(rows, cols // gs, gs)
    ws = w.s.numpy()
    xqq = xq.q.numpy().reshape(cols // gs, gs)
    xs = xq.s.numpy()
    acc = np.zeros(rows, np.float32)
    for g in range(cols // gs):
        acc = nm.scale_acc(acc, nm.dot_group(wq[:, g], xqq[g]), ws[:, g], xs[g])
    assert np.array_equal(nm.as_bits(acc), want.view(np.uint32))
