"""Accuracy of the hardware fp32 functions against correctly rounded fp32 (docs/numerics.md).

Measured on the numerics model, which is bit-exact with the XLS JIT of the generated RTL
(tests/test_hls_math.py), so these are the hardware's errors:

- recip: every significand of one binade (2**23 inputs). recip scales the exponent exactly,
  so this covers every normal input whose reciprocal is normal.
- rsqrt: every significand of two binades (2**24 inputs; even and odd exponents): covers every
  positive normal input.
- exp: every 64th fp32 bit pattern with a normal result (x in [-87.33654, 88.72283]) plus
  4,000,001 evenly spaced values of that interval.
- div (a * recip(b)): 4M random operand pairs with normal quotients.
- quantize: the hardware rule (x * recip(scale), round half away) against llama2.c's
  (x / scale, round half away) on Student-t activations.

Reference: the exact value in float64, rounded once to fp32 (correctly rounded; 1/x directly,
1/sqrt(x) and exp(x) re-decided exactly with integer or decimal arithmetic where the float64
value lies within 2**-40 of a rounding boundary). "ulp" = distance in representable fp32
values from the correctly rounded result; "rel" = |y - exact| / exact.

usage: python hls/accuracy.py [--write docs/numerics.md]
"""

from __future__ import annotations

import argparse
import decimal
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from hlstransform.model import numerics as nm
from hlstransform.model import quant

BEGIN = "<!-- accuracy:begin (hls/accuracy.py --write docs/numerics.md) -->"
END = "<!-- accuracy:end -->"
CHUNK = 1 << 22


def _key(bits: np.ndarray) -> np.ndarray:
    b = bits.astype(np.int64)
    return np.where(b & 0x80000000, -(b & 0x7FFFFFFF), b)


def _round_exact(x32: np.ndarray, exact64: np.ndarray, decide) -> np.ndarray:
    """fp32 rounding of float64 approximations, with near-boundary cases decided exactly.

    ``decide(x, mid)`` must return True when the exact value is >= mid (positive results).
    """
    r = exact64.astype(np.float32)
    rb = nm.as_bits(r).astype(np.int64)
    lo_mid = (nm.from_bits(rb - 1).astype(np.float64) + r.astype(np.float64)) / 2
    hi_mid = (nm.from_bits(rb + 1).astype(np.float64) + r.astype(np.float64)) / 2
    near = (np.abs(exact64 - lo_mid) < exact64 * 2.0**-40) | (np.abs(exact64 - hi_mid) < exact64 * 2.0**-40)
    for i in np.nonzero(near)[0]:
        x = float(x32[i])
        c_lo, c, c_hi = (float(nm.from_bits(np.uint32(int(rb[i]) + d))) for d in (-1, 0, 1))
        # The correctly rounded value c has mid(c-, c) <= exact < mid(c, c+) (no ties occur).
        if not decide(x, Fraction(c_lo) / 2 + Fraction(c) / 2):
            r[i] = np.float32(c_lo)
        elif decide(x, Fraction(c) / 2 + Fraction(c_hi) / 2):
            r[i] = np.float32(c_hi)
    return r


def _rsqrt_ge(x: float, mid: Fraction) -> bool:
    return Fraction(x) * mid * mid <= 1  # 1/sqrt(x) >= mid


def _exp_ge(x: float, mid: Fraction) -> bool:
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        return decimal.Decimal(x).exp() >= decimal.Decimal(mid.numerator) / decimal.Decimal(mid.denominator)


def _stats(y: np.ndarray, ref: np.ndarray, exact64: np.ndarray) -> dict:
    ulp = np.abs(_key(nm.as_bits(y)) - _key(nm.as_bits(ref)))
    rel = np.abs(y.astype(np.float64) - exact64) / np.abs(exact64)
    return {"n": len(y), "max_ulp": int(ulp.max()), "exact": int((ulp == 0).sum()), "max_rel": float(rel.max())}


def _merge(parts: list[dict]) -> dict:
    return {
        "n": sum(p["n"] for p in parts),
        "max_ulp": max(p["max_ulp"] for p in parts),
        "exact": sum(p["exact"] for p in parts),
        "max_rel": max(p["max_rel"] for p in parts),
    }


def sweep_recip() -> dict:
    x = (np.arange(1 << 23, dtype=np.uint32) | np.uint32(127 << 23)).view(np.float32)
    exact = 1.0 / x.astype(np.float64)
    return _stats(nm.recip(x), exact.astype(np.float32), exact)


def sweep_rsqrt() -> dict:
    x = (np.arange(1 << 24, dtype=np.uint32) + np.uint32(127 << 23)).view(np.float32)
    exact = 1.0 / np.sqrt(x.astype(np.float64))
    ref = _round_exact(x, exact, _rsqrt_ge)
    return _stats(nm.rsqrt(x), ref, exact)


def _exp_inputs() -> list[np.ndarray]:
    pos = np.arange(0, 0x42B17218, 64, dtype=np.uint32)
    neg = np.arange(0x80000000, 0xC2AEAC50, 64, dtype=np.uint32)
    grid = np.linspace(-87.33654, 88.72283, 4_000_001).astype(np.float32)
    xs = np.concatenate([pos.view(np.float32), neg.view(np.float32), grid])
    return [xs[i : i + CHUNK] for i in range(0, len(xs), CHUNK)]


def sweep_exp() -> tuple[dict, dict]:
    """(all normal results, softmax range x <= 0)."""
    every, softmax = [], []
    for x in _exp_inputs():
        exact = np.exp(x.astype(np.float64))
        ref = _round_exact(x, exact, _exp_ge)
        y = nm.exp(x)
        every.append(_stats(y, ref, exact))
        neg = x <= 0
        if neg.any():
            softmax.append(_stats(y[neg], ref[neg], exact[neg]))
    return _merge(every), _merge(softmax)


def sweep_div(n: int = 4_000_000) -> dict:
    rng = np.random.default_rng(1)
    a = (rng.integers(0, 1 << 23, n) | (rng.integers(64, 190, n) << 23)).astype(np.uint32).view(np.float32)
    b = (rng.integers(0, 1 << 23, n) | (rng.integers(64, 190, n) << 23)).astype(np.uint32).view(np.float32)
    exact = a.astype(np.float64) / b.astype(np.float64)
    return _stats(nm.div(a, b), exact.astype(np.float32), exact)


def quantize_vs_llama2c(gs: int, groups: int = 200_000) -> dict:
    rng = np.random.default_rng(gs)
    x = (rng.standard_t(4, (groups, gs)) * rng.uniform(0.01, 10, (groups, 1))).astype(np.float32)
    q, s = nm.quantize_group(x)
    g = quant.quantize_activations(torch.from_numpy(x.reshape(-1)), gs)
    gq = g.q.numpy().reshape(q.shape)
    diff = q.astype(np.int16) - gq
    return {
        "values": diff.size,
        "q_diff": int(np.count_nonzero(diff)),
        "q_max": int(np.abs(diff).max()),
        "scale_diff": int(np.count_nonzero(nm.as_bits(s) != g.s.numpy().view(np.uint32).reshape(s.shape))),
    }


def report() -> str:
    t0 = time.monotonic()
    rows = []
    exp_all, exp_soft = sweep_exp()
    rows.append(("exp", "x in [-87.34, 88.72] (normal results)", exp_all))
    rows.append(("exp", "softmax range, x in [-87.34, 0]", exp_soft))
    rows.append(("recip", "every normal x with a normal result (exhaustive)", sweep_recip()))
    rows.append(("rsqrt", "every positive normal x (exhaustive)", sweep_rsqrt()))
    rows.append(("div", "a * recip(b), 4M random normal pairs", sweep_div()))
    lines = [
        "| function | inputs | points | max ulp | correctly rounded | max relative error |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, what, st in rows:
        lines.append(
            f"| `{name}` | {what} | {st['n']:,} | {st['max_ulp']} | {100.0 * st['exact'] / st['n']:.2f} % "
            f"| {st['max_rel']:.3e} ({st['max_rel'] / 2.0**-24:.2f} x 2^-24) |"
        )
    lines += [
        "",
        "| quantize rule | values | q differs from llama2.c | max \\|diff\\| | scale differs |",
        "|---|---:|---:|---:|---:|",
    ]
    for gs in (32, 64):
        st = quantize_vs_llama2c(gs)
        lines.append(
            f"| GS {gs}, Student-t(4) x U(0.01, 10) | {st['values']:,} | {st['q_diff']} "
            f"({st['q_diff'] / st['values']:.1e}) | {st['q_max']} | {st['scale_diff']} |"
        )
    print(f"accuracy: computed in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, help="replace the marked section of this markdown file")
    args = parser.parse_args(argv)
    text = report()
    print(text)
    if args.write:
        doc = args.write.read_text()
        if BEGIN not in doc or END not in doc:
            print(f"accuracy: error: {args.write} has no '{BEGIN}' ... '{END}' section", file=sys.stderr)
            return 1
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        args.write.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
