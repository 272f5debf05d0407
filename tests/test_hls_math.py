"""C-simulation tier for hls/fp32_math.x: the XLS JIT of each generated block vs the numerics
model, bit for bit (DESIGN.md section 9, tier 1), plus the model's accuracy bounds.

The JIT runs the optimized IR that ``hls/build.py`` scheduled into ``rtl/gen/<module>.v``.
Inputs: every special class (zeros, infinities, NaNs with several payloads, subnormals,
min/max normals), each function's range limits and every seed-table boundary, and a few
thousand random bit patterns and random values in the ranges Llama uses. NaN results are
compared as bits too: XLS returns the single canonical NaN 0x7fc00000 and so does the model.

Opt-in: ``HLS_EXHAUSTIVE=1`` adds a 1M-point JIT sweep per function and the exhaustive model
accuracy proof for recip and rsqrt (about a minute).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from hlstransform.model import numerics as nm

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
HLS_DIR = REPO_ROOT / "hls"
EXHAUSTIVE = os.environ.get("HLS_EXHAUSTIVE") == "1"


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
    [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001,
     0x7FFFFFFF, 0x7FA00000, 0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00400000, 0x00800000,
     0x80800000, 0x00800001, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F000000, 0x3F800000, 0xBF800000, 0x3F7FFFFF,
     0x3F800001, 0x40000000, 0xC0000000, 0x3F000000]
)


def _neighbours(centres, span: int = 2) -> np.ndarray:
    c = np.asarray(centres, dtype=np.int64)
    return _u32((c[:, None] + np.arange(-span, span + 1)[None, :]).ravel() & 0xFFFFFFFF)


def _random_patterns(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)


def exp_inputs(rng: np.random.Generator) -> np.ndarray:
    limits = [0x42B17218, 0xC2AEAC50, 0x42C80000, 0xC2C80000, 0x00800000, 0x80800000, 0x33800000, 0xB3800000]
    # x where z = x * 32/ln2 is an integer + 1/2 (the rounding of k flips) and table seams.
    half = np.float32((np.arange(-4096, 4096, 37) + 0.5) * (np.log(2.0) / 32.0))
    seams = np.float32(np.arange(-4096, 4096, 29) * (np.log(2.0) / 32.0))
    llama = np.concatenate([rng.uniform(-88.0, 0.0, 3000), rng.uniform(-30.0, 30.0, 1000)]).astype(np.float32)
    return np.concatenate(
        [SPECIALS, _neighbours(limits), _neighbours(half.view(np.uint32), 1), _neighbours(seams.view(np.uint32), 1),
         llama.view(np.uint32), _random_patterns(rng, 2000)]
    )


def recip_inputs(rng: np.random.Generator) -> np.ndarray:
    # Every seed-table interval edge, powers of two across the range, the flush limit 2**126.
    edges = (np.arange(128, dtype=np.int64) << 16) | (127 << 23)
    pows = (np.arange(1, 255, dtype=np.int64) << 23)
    limits = [0x7E800000, 0x7E7FFFFF, 0x7E800001, 0xFE800000, 0x00800000, 0x80800000]
    llama = np.exp(rng.uniform(np.log(1.0), np.log(1e6), 2000)).astype(np.float32)
    return np.concatenate(
        [SPECIALS, _neighbours(edges, 1), pows, pows | (1 << 31), _neighbours(limits),
         llama.view(np.uint32), _random_patterns(rng, 2000)]
    )


def rsqrt_inputs(rng: np.random.Generator) -> np.ndarray:
    edges = np.concatenate([(np.arange(64, dtype=np.int64) << 17) | (127 << 23),
                            (np.arange(64, dtype=np.int64) << 17) | (128 << 23)])
    pows = (np.arange(1, 255, dtype=np.int64) << 23)
    llama = np.exp(rng.uniform(np.log(1e-5), np.log(1e6), 2000)).astype(np.float32)
    return np.concatenate(
        [SPECIALS, _neighbours(edges, 1), pows, pows | (1 << 31), llama.view(np.uint32), _random_patterns(rng, 2000)]
    )


CASES = {
    "fp32_exp": (nm.exp, exp_inputs),
    "fp32_recip": (nm.recip, recip_inputs),
    "fp32_rsqrt": (nm.rsqrt, rsqrt_inputs),
}


def scoreboard(got: np.ndarray, want: np.ndarray, inputs: np.ndarray) -> list[str]:
    """Bit-exact comparison of uint32 result patterns; one line per mismatch (first 5)."""
    bad = np.nonzero(got != want)[0]
    return [f"x={int(inputs[k]):#010x}: xls {int(got[k]):#010x}, model {int(want[k]):#010x}" for k in bad[:5]] + (
        [f"... {len(bad)} mismatches in all"] if len(bad) > 5 else []
    )


@pytest.mark.parametrize("block", sorted(CASES))
def test_block_matches_model(jits, block):
    model, make_inputs = CASES[block]
    rng = np.random.default_rng(sum(map(ord, block)))
    x = make_inputs(rng)
    got = jits(block).map_f32(x)
    want = nm.as_bits(model(nm.from_bits(x)))
    assert not scoreboard(got, want, x), f"{block}: " + "; ".join(scoreboard(got, want, x))
    # Companion: the same scoreboard rejects one flipped bit anywhere in the results.
    for _ in range(3):
        corrupt = got.copy()
        corrupt[rng.integers(len(got))] ^= np.uint32(1 << int(rng.integers(32)))
        assert scoreboard(corrupt, want, x)


@pytest.mark.skipif(not EXHAUSTIVE, reason="set HLS_EXHAUSTIVE=1")
@pytest.mark.parametrize("block", sorted(CASES))
def test_block_matches_model_dense(jits, block):
    """1,000,000 evenly spaced bit patterns (every 4,295th) through JIT and model."""
    model, _ = CASES[block]
    x = _u32(np.arange(1_000_000, dtype=np.int64) * 4_295 + 1_234)
    got = jits(block).map_f32(x)
    want = nm.as_bits(model(nm.from_bits(x)))
    assert not scoreboard(got, want, x)


def test_div_is_mul_by_recip():
    a = nm.from_bits(_u32([0x40C00000, 0x3F800000, 0x00000000, 0x7FC00000, 0x3F800000]))
    b = nm.from_bits(_u32([0x40400000, 0x00000000, 0x00000000, 0x40400000, 0x7F800000]))
    got = nm.as_bits(nm.div(a, b))
    assert [hex(int(v)) for v in got] == ["0x40000000", "0x7f800000", "0x7fc00000", "0x7fc00000", "0x0"]


# ---------------------------------------------------------------------------------------------
# The DSLX tables and constants are the model's (a typo in one entry would be caught by the JIT
# comparison only if an input hit it; this catches it directly)
# ---------------------------------------------------------------------------------------------


def _dslx_table(name: str) -> np.ndarray:
    text = (HLS_DIR / "fp32_math.x").read_text()
    m = re.search(rf"const {name} = u32\[(\d+)\]:\[(.*?)\];", text, re.S)
    assert m, name
    vals = re.findall(r"u32:0x([0-9a-f]{8})", m.group(2))
    assert len(vals) == int(m.group(1))
    return _u32([int(v, 16) for v in vals])


@pytest.mark.parametrize("name", ["EXP_TABLE", "RECIP_TABLE", "RSQRT_TABLE"])
def test_tables_match_model(name):
    assert np.array_equal(_dslx_table(name), nm.as_bits(getattr(nm, name)))


def test_constants_match_model():
    text = (HLS_DIR / "fp32_math.x").read_text()
    for name in ["EXP_INV_LN2_32", "EXP_SHIFTER", "EXP_LN2_32_HI", "EXP_LN2_32_LO", "EXP_C3", "EXP_X_MAX", "EXP_X_MIN"]:
        m = re.search(rf"const {name} = u32:0x([0-9a-f]{{8}});", text)
        assert m and int(m.group(1), 16) == int(nm.as_bits(getattr(nm, name))), name


# ---------------------------------------------------------------------------------------------
# Accuracy of the model (= the hardware) against correctly rounded fp32, on a fast sample; the
# full sweep and its table are hls/accuracy.py -> docs/numerics.md
# ---------------------------------------------------------------------------------------------


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in representable fp32 values between bit patterns of finite values."""
    def key(x):
        x = x.astype(np.int64)
        return np.where(x & 0x80000000, -(x & 0x7FFFFFFF), x)

    return np.abs(key(a) - key(b))


def test_accuracy_sample_within_one_ulp():
    rng = np.random.default_rng(3)
    x = rng.uniform(-87.3, 88.7, 200_000).astype(np.float32)
    ref = np.exp(x.astype(np.float64)).astype(np.float32)
    assert ulp_distance(nm.as_bits(nm.exp(x)), nm.as_bits(ref)).max() <= 1
    m = (rng.integers(0, 2**23, 200_000) | (127 << 23)).astype(np.uint32).view(np.float32)
    ref = (1.0 / m.astype(np.float64)).astype(np.float32)
    assert ulp_distance(nm.as_bits(nm.recip(m)), nm.as_bits(ref)).max() <= 1
    m2 = m * np.float32(rng.choice([1.0, 2.0], m.shape))
    ref = (1.0 / np.sqrt(m2.astype(np.float64))).astype(np.float32)
    assert ulp_distance(nm.as_bits(nm.rsqrt(m2)), nm.as_bits(ref)).max() <= 1


@pytest.mark.skipif(not EXHAUSTIVE, reason="set HLS_EXHAUSTIVE=1")
def test_accuracy_exhaustive_recip_rsqrt():
    """recip and rsqrt work on the significand alone (exponents are exact), so one binade
    (recip) or two (rsqrt) cover every normal input: <= 1 ulp everywhere."""
    m = (np.arange(2**23, dtype=np.uint32) | np.uint32(127 << 23)).view(np.float32)
    ref = (1.0 / m.astype(np.float64)).astype(np.float32)
    assert ulp_distance(nm.as_bits(nm.recip(m)), nm.as_bits(ref)).max() <= 1
    m2 = (np.arange(2**24, dtype=np.uint32) + np.uint32(127 << 23)).view(np.float32)
    ref = (1.0 / np.sqrt(m2.astype(np.float64))).astype(np.float32)
    assert ulp_distance(nm.as_bits(nm.rsqrt(m2)), nm.as_bits(ref)).max() <= 1
