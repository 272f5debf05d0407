"""Tier 1 (DSLX): every #[test] and #[quickcheck] in hls/*.x, and the fp32 primitives.

xls-python has no DSLX test runner, so ``hls/dslx_test.py`` provides one: tests run in the IR
interpreter (which raises on a failed assert), properties in the JIT on seeded random inputs.
The same converted packages hold XLS's stdlib ``float32`` add/sub/mul/from_int32, which are
checked bit for bit against the numerics model's primitives here (every other numerics
function is built from them).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from hlstransform.model import numerics as nm

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
HLS_DIR = REPO_ROOT / "hls"
DSLX_FILES = sorted(p.name for p in HLS_DIR.glob("*.x"))


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
def packages():
    """DSLX file name -> IR package with tests and properties kept (converted on first use)."""
    from xls import Package

    runner = _hls("dslx_test")
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = Package.parse_ir(runner.convert_for_tests(HLS_DIR / name))
        return cache[name]

    return get


def _cases():
    runner = _hls("dslx_test")
    for name in DSLX_FILES:
        for case in runner.discover((HLS_DIR / name).read_text()):
            yield pytest.param(name, case, id=f"{name}:{case.name}")


def test_every_file_has_tests_and_properties():
    runner = _hls("dslx_test")
    assert DSLX_FILES == ["elementwise.x", "fp32_chains.x", "fp32_math.x", "fp32_steps.x", "q8_chains.x", "q8_dot.x",
                          "quantize.x", "quantize_chains.x", "reduce.x", "reduce_chains.x", "swiglu_chains.x"]
    for name in DSLX_FILES:
        kinds = {c.kind for c in runner.discover((HLS_DIR / name).read_text())}
        assert kinds == {"test", "quickcheck"}, name


@pytest.mark.parametrize("name,case", list(_cases()))
def test_dslx(packages, name, case):
    runner = _hls("dslx_test")
    result = runner.run_case(packages(name), Path(name).stem, case)
    assert result.passed, f"{name}: {case.kind} {case.name}: {result.detail}"


def test_dslx_runner_catches_failures(tmp_path):
    """Companion: a failing assert_eq and a false property are reported, not passed over."""
    runner = _hls("dslx_test")
    src = tmp_path / "broken.x"
    src.write_text(
        "fn inc(x: u8) -> u8 { x + u8:1 }\n"
        "#[test]\nfn test_good() { assert_eq(inc(u8:1), u8:2); }\n"
        "#[test]\nfn test_bad() { assert_eq(inc(u8:1), u8:3); }\n"
        "#[quickcheck(exhaustive)]\nfn prop_bad(x: u8) -> bool { inc(x) > x }\n"
        "#[quickcheck(test_count=50)]\nfn prop_good(x: u8, y: u4) -> bool { inc(x) != x || y == y }\n"
    )
    results = {r.case.name: r for r in runner.run_file(src, log=None)}
    assert set(results) == {"test_good", "test_bad", "prop_bad", "prop_good"}
    assert results["test_good"].passed and results["prop_good"].passed
    assert not results["test_bad"].passed and "assert" in results["test_bad"].detail.lower()
    assert not results["prop_bad"].passed and "bits[8]:255" in results["prop_bad"].detail


# ---------------------------------------------------------------------------------------------
# The fp32 primitives: XLS stdlib float32 (JIT) vs numerics.fp32_add/sub/mul/from_int32
# ---------------------------------------------------------------------------------------------

SPECIALS = np.array(
    [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FFFFFFF,
     0x00000001, 0x807FFFFF, 0x00400000, 0x00800000, 0x80800000, 0x00800001, 0x7F7FFFFF, 0xFF7FFFFF,
     0x3F800000, 0xBF800000, 0x3F7FFFFF, 0x3F800001, 0x4B400000, 0x34000000, 0x1F800000, 0x5F800000],
    dtype=np.uint32,
)


def _operand_pairs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Specials crossed with specials, random patterns, and pairs aimed at the FTZ boundary
    (products and sums landing near 2**-126) and at cancellation."""
    a = [np.repeat(SPECIALS, len(SPECIALS))]
    b = [np.tile(SPECIALS, len(SPECIALS))]
    a.append(rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32))
    b.append(rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32))
    # Exponents summing to about 127 - 126: products around the smallest normal.
    ea = rng.integers(1, 127, n)
    eb = np.clip(128 - ea + rng.integers(-3, 3, n), 1, 254)
    frac = lambda: rng.integers(0, 2**23, n)  # noqa: E731
    sign = lambda: rng.integers(0, 2, n) << 31  # noqa: E731
    a.append((sign() | (ea << 23) | frac()).astype(np.uint32))
    b.append((sign() | (eb << 23) | frac()).astype(np.uint32))
    # Near-equal magnitudes of opposite sign (cancellation, exact zeros), also near 2**-126.
    base = (rng.integers(1, 6, n) << 23) | frac()
    a.append((base | (1 << 31)).astype(np.uint32))
    b.append((base + rng.integers(-2, 3, n)).astype(np.uint32))
    return np.concatenate(a), np.concatenate(b)


def _jit_binary(package, fn_name: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    xj = _hls("xls_jit")
    jit = package.get_function(fn_name).to_jit()
    return np.array([xj.f32_bits(jit.run([xj.f32_value(x), xj.f32_value(y)])) for x, y in zip(a, b)], dtype=np.uint32)


def _mismatches(got: np.ndarray, want: np.ndarray, *inputs: np.ndarray) -> list[str]:
    bad = np.nonzero(got != want)[0]
    return [
        " ".join(f"{int(i[k]):#010x}" for i in inputs) + f": xls {int(got[k]):#010x} model {int(want[k]):#010x}"
        for k in bad[:5]
    ]


@pytest.mark.parametrize(
    "fn_name,model",
    [("__float32__add", nm.fp32_add), ("__float32__sub", nm.fp32_sub), ("__float32__mul", nm.fp32_mul)],
    ids=["add", "sub", "mul"],
)
def test_fp32_primitive_bit_exact(packages, fn_name, model):
    pkg = packages("q8_dot.x")  # imports float32 and uses add and mul
    names = {f.get_name() for f in pkg.get_functions()}
    if fn_name not in names:
        pkg = packages("fp32_math.x")
    rng = np.random.default_rng(20240521)
    a, b = _operand_pairs(rng, 3000)
    got = _jit_binary(pkg, fn_name, a, b)
    want = nm.as_bits(model(nm.from_bits(a), nm.from_bits(b)))
    bad = _mismatches(got, want, a, b)
    assert not bad, f"{fn_name}: {len(np.nonzero(got != want)[0])} mismatches, e.g. {bad}"
    # Companion: one flipped result bit is caught by the same comparison.
    corrupt = got.copy()
    corrupt[rng.integers(len(got))] ^= np.uint32(1 << int(rng.integers(32)))
    assert _mismatches(corrupt, want, a, b)


def test_from_int32_bit_exact(packages):
    xj = _hls("xls_jit")
    from xls import Value

    jit = packages("q8_dot.x").get_function("__float32__from_int32").to_jit()
    rng = np.random.default_rng(7)
    ints = np.concatenate(
        [np.array([0, 1, -1, 2**24, 2**24 + 1, -(2**24) - 3, 2**31 - 1, -(2**31), 1048576, -1048576]),
         rng.integers(-(2**31), 2**31, 2000), rng.integers(-(2**21), 2**21, 2000)]
    ).astype(np.int32)
    got = np.array([xj.f32_bits(jit.run([Value.make_sbits(32, int(i))])) for i in ints], dtype=np.uint32)
    want = nm.as_bits(nm.from_int32(ints))
    assert np.array_equal(got, want), _mismatches(got, want, ints.view(np.uint32))
