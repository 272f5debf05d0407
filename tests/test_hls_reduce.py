"""C-simulation tier for the reduction blocks (hls/reduce.x) and the reduction-kernel lanes of
hls/elementwise.x: XLS JIT vs ``model/numerics.py``, bit for bit (DESIGN.md section 9, tier 1).

Also ties the blocks to the whole-model reference: ``hwmodel.sum16`` is ``dot16`` chunks
accumulated from +0, ``hwmodel.rmsnorm`` / ``softmax`` / ``attention_*`` are compositions of
these lanes, so the kernels built from the blocks can be scored against ``hwmodel`` directly.
Every comparison has a companion check that a flipped bit is caught.
"""

from __future__ import annotations

import numpy as np
import pytest

from hlstransform.model import hwmodel
from hlstransform.model import numerics as nm
from hlstransform.model.numerics import as_bits, from_bits

from .test_hls_elementwise import SPECIALS, _hls, check_with_companion, crossed, llama_values, random_patterns


@pytest.fixture(scope="module")
def jits():
    made: dict[str, object] = {}

    def get(block: str):
        if block not in made:
            made[block] = _hls("xls_jit").BlockJit(block)
        return made[block]

    return get


def _rows(rng: np.random.Generator, n: int) -> np.ndarray:
    """[n, 16] uint32 rows: specials sprinkled into activations, random patterns, cancellations."""
    rows = llama_values(rng, n * 16).reshape(n, 16)
    pick = rng.random((n, 16)) < 0.08
    rows[pick] = rng.choice(SPECIALS, int(pick.sum()))
    rows[: n // 4] = random_patterns(rng, (n // 4) * 16).reshape(-1, 16)
    # cancellation: lane pairs x, -x (+0 sums) and near-equal magnitudes
    c = rows[n // 4 : n // 2]
    c[:, 1::2] = c[:, 0::2] ^ np.uint32(0x80000000)
    return rows


def _run_rows(jit, *rows: np.ndarray) -> np.ndarray:
    xj = _hls("xls_jit")
    out = np.empty(len(rows[0]), np.uint32)
    for i in range(len(out)):
        out[i] = xj.f32_bits(jit.run([xj.f32_array_value(r[i]) for r in rows]))
    return out


def test_dot16_matches_model(jits):
    rng = np.random.default_rng(11)
    a, b = _rows(rng, 400), _rows(rng, 400)
    b[:50] = np.uint32(0x3F800000)  # b = 1.0: the softmax denominator use
    a[50:100] = b[50:100]           # a = b: RMSNorm's x * x
    jit = jits("fp32_dot16")
    # A chain of pieces (hls/reduce_chains.x, hls/blocks.toml): the JIT runs the pieces' IR one
    # after the other in the blocks.toml order, as the RTL does, so a wrong list fails here.
    assert len(jit.block.pieces) > 1 and len(jit._stages) == len(jit.block.pieces)
    got = _run_rows(jit, a, b)
    want = as_bits(nm.dot16(from_bits(a), from_bits(b)))
    check_with_companion(got, want, (a[:, 0], b[:, 0]), "fp32_dot16", rng)


def test_max16_matches_model(jits):
    rng = np.random.default_rng(12)
    x = _rows(rng, 400)
    x[:40] = np.uint32(0xFF800000)                  # all -inf (softmax padding lanes)
    x[40:60, ::3] = np.uint32(0x80000000)           # -0 and +0 ties
    x[40:60, 1::3] = np.uint32(0x00000000)
    got = _run_rows(jits("fp32_max16"), x)
    want = as_bits(nm.max16(from_bits(x)))
    check_with_companion(got, want, (x[:, 0],), "fp32_max16", rng)


def test_scalar_lanes_match_model(jits):
    rng = np.random.default_rng(13)
    a0, b0 = crossed(SPECIALS, SPECIALS)
    a1, b1, c1 = (llama_values(rng, 1500) for _ in range(3))
    a2, b2, c2 = (random_patterns(rng, 1500) for _ in range(3))
    a = np.concatenate([a0, a1, a2])
    b = np.concatenate([b0, b1, b2])
    c = np.concatenate([np.roll(a0, 7), c1, c2])
    f = lambda u: from_bits(u)  # noqa: E731
    cases = {
        "fp32_max": ((a, b), lambda: nm.fmax(f(a), f(b))),
        "ew_mul": ((a, b), lambda: nm.ew_mul(f(a), f(b))),
        "ew_rms_scale": ((a, b, c), lambda: nm.ew_rms_scale(f(a), f(b), f(c))),
        "ew_exp_sub": ((a, b), lambda: nm.ew_exp_sub(f(a), f(b))),
        "fp32_sum_add": ((c, a), lambda: nm.ew_add(f(c), f(a))),
    }
    for block, (args, model) in cases.items():
        got = jits(block).map_f32(*args)
        check_with_companion(got, as_bits(model()), args, block, rng)
    # The attention output step as the RTL computes it, the product ahead of the accumulator's
    # loop: fp32_sum_add(acc, ew_mul(a, v)) is the numerics' ew_mac(acc, a, v).
    got = jits("fp32_sum_add").map_f32(c, jits("ew_mul").map_f32(a, b))
    check_with_companion(got, as_bits(nm.ew_mac(f(c), f(a), f(b))), (c, a, b), "ew_mul -> fp32_sum_add", rng)


def test_i8_to_f32_matches_model(jits):
    from xls import Value

    xj = _hls("xls_jit")
    jit = jits("ew_i8_to_f32")
    q = np.arange(-128, 128)
    got = np.array([xj.f32_bits(jit.run([Value.make_sbits(8, int(v))])) for v in q], np.uint32)
    want = as_bits(nm.ew_i8_to_f32(q))
    check_with_companion(got, want, (q.astype(np.uint32),), "ew_i8_to_f32", np.random.default_rng(14))


# ---------------------------------------------------------------------------------------------
# The whole-model reference is built from these blocks
# ---------------------------------------------------------------------------------------------


def _sum16_by_blocks(a: np.ndarray, b: np.ndarray) -> np.float32:
    """sum16(a * b) as the sum16_accumulate unit computes it: dot16 per beat, +0-padded, then
    acc = +0; acc = ew_add(acc, chunk) in beat order."""
    pad = (-a.size) % 16
    a = np.concatenate([a, np.zeros(pad, np.float32)]).reshape(-1, 16)
    b = np.concatenate([b, np.zeros(pad, np.float32)]).reshape(-1, 16)
    acc = np.float32(0.0)
    for chunk in nm.dot16(a, b):
        acc = nm.ew_add(acc, chunk)
    return np.float32(acc)


def test_hwmodel_reductions_are_block_compositions():
    rng = np.random.default_rng(15)
    for n in (16, 48, 100, 768):
        x = from_bits(llama_values(rng, n))
        w = from_bits(llama_values(rng, n, 0.3))
        # rmsnorm
        inv_n = hwmodel.inv_n(n)
        ss = _sum16_by_blocks(x, x)
        inv = nm.rsqrt(nm.ew_add(nm.ew_mul(ss, inv_n), hwmodel.EPS))
        want = nm.ew_rms_scale(x, w, inv)
        assert (as_bits(hwmodel.rmsnorm(x, w)) == as_bits(want)).all(), f"rmsnorm n={n}"
        # softmax: running max over max16 of -inf-padded beats, sum16 of e with b = 1.0
        pad = np.concatenate([x, np.full((-n) % 16, -np.inf, np.float32)]).reshape(-1, 16)
        m = np.float32(-np.inf)
        for beat in pad:
            m = nm.fmax(m, nm.max16(beat))
        e = nm.ew_exp_sub(x, m)
        r = nm.recip(_sum16_by_blocks(e, np.ones_like(e)))
        got = hwmodel.softmax(x)
        assert (as_bits(got) == as_bits(nm.ew_mul(e, r))).all(), f"softmax n={n}"
        # a corrupted composition is caught
        assert not (as_bits(got) == as_bits(nm.ew_mul(e, nm.recip(nm.ew_add(_sum16_by_blocks(e, np.ones_like(e)), np.float32(1e-3)))))).all()


def _part8(add, zero, terms):
    """The attention output sum over positions (hwmodel.part_sum): partial t % 8 accumulates
    term t from ``zero`` (+0), then ((p0+p1)+(p2+p3))+((p4+p5)+(p6+p7)); ``add`` is the fp32 add."""
    part = [zero] * 8
    for i, term in enumerate(terms):
        part[i % 8] = add(part[i % 8], term)
    return add(add(add(part[0], part[1]), add(part[2], part[3])), add(add(part[4], part[5]), add(part[6], part[7])))


def _value_sum_by_blocks(jits, w: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The RTL's attention output, run on the XLS blocks themselves: ew_mul(w_t, v_t) ahead of
    the loop, fp32_sum_add(partial t % 8, product) in it (partials from +0), then the tree of
    the 8 with fp32_sum_add. Bits ``[hs]``."""
    hs = values.shape[1]
    mul, acc_add = jits("ew_mul"), jits("fp32_sum_add")
    products = [mul.map_f32(as_bits(np.full(hs, w[i], np.float32)), as_bits(values[i])) for i in range(len(w))]
    return _part8(acc_add.map_f32, as_bits(np.zeros(hs, np.float32)), products)


@pytest.mark.parametrize("t", [5, 21])
def test_hwmodel_attention_is_block_composition(jits, t):
    rng = np.random.default_rng(16 + t)
    hs = 48
    q = from_bits(llama_values(rng, hs, 0.3))   # scores of a few units: no one-hot softmax
    k = from_bits(llama_values(rng, t * hs)).reshape(t, hs)
    v = from_bits(llama_values(rng, t * hs)).reshape(t, hs)
    inv = hwmodel.inv_sqrt(hs)
    zero = np.zeros(hs, np.float32)
    scores = np.array([nm.ew_mul(_sum16_by_blocks(q, k[i]), inv) for i in range(t)], np.float32)
    att = hwmodel.softmax(scores)
    # The numerics: partial t % 8 = ew_add(partial, ew_mul(att_t, v_t)) (ew_mac), then the tree.
    want = _part8(nm.ew_add, zero, [nm.ew_mul(att[i], v[i]) for i in range(t)])
    got = hwmodel.attention_fp32(q[None], k[:, None], v[:, None], inv)[0]
    assert (as_bits(got) == as_bits(want)).all()
    assert (_value_sum_by_blocks(jits, att, v) == as_bits(want)).all()
    # companion: the old order, one sequential accumulator over the positions, is caught
    seq = zero
    for i in range(t):
        seq = nm.ew_mac(seq, att[i], v[i])
    assert not (as_bits(seq) == as_bits(got)).all()
    # int8 KV: w_t = att_t * vs_t (ew_mul), times (float) vq_t (ew_i8_to_f32, from its JIT)
    from xls import Value

    xj = _hls("xls_jit")
    i8 = jits("ew_i8_to_f32")
    to_f32 = from_bits(np.array([xj.f32_bits(i8.run([Value.make_sbits(8, int(x))])) for x in range(-128, 128)], np.uint32))
    kq, ks = hwmodel.quantize(k, hs)
    vq, vs = hwmodel.quantize(v, hs)
    scores = np.array([nm.ew_mul(nm.ew_mul(_sum16_by_blocks(q, nm.ew_i8_to_f32(kq[i])), ks[i, 0]), inv)
                       for i in range(t)], np.float32)
    att = hwmodel.softmax(scores)
    w = np.array([jits("ew_mul").map_f32(as_bits(att[i:i + 1]), as_bits(vs[i, :1]))[0] for i in range(t)], np.uint32)
    assert (w == as_bits(nm.ew_mul(att, vs[:, 0]))).all()
    want = _part8(nm.ew_add, zero, [nm.ew_mul(nm.ew_mul(att[i], vs[i, 0]), nm.ew_i8_to_f32(vq[i])) for i in range(t)])
    got = hwmodel.attention_int8(q[None], kq[:, None], ks[:, :1], vq[:, None], vs[:, :1], inv)[0]
    assert (as_bits(got) == as_bits(want)).all()
    assert (_value_sum_by_blocks(jits, from_bits(w), to_f32[vq.astype(int) + 128]) == as_bits(want)).all()
    seq = zero
    for i in range(t):
        seq = nm.ew_mac(seq, nm.ew_mul(att[i], vs[i, 0]), nm.ew_i8_to_f32(vq[i]))
    assert not (as_bits(seq) == as_bits(got)).all()
