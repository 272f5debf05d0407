"""cocotb tests for ``rtl/kernels/attention.sv`` (one position's attention over a KV cache, GQA).

The host side is :class:`hlstransform.verif.regs.KernelControl` on ``s_axi_control``; both
masters are :class:`hlstransform.verif.ddr.DdrModel` memories sharing one address space
(``m_axi_gmem0``: q, the key cache and its scales; ``m_axi_gmem1``: the value cache, its scales
and out). TB and the common scenarios: ``verif/tests/elementwise_tb.py`` (:class:`ElementwiseTB`);
the cache is laid out by ``host/image.py`` (:class:`KvLayout`, :func:`pack_kv`).

Scoreboard: the n_heads x head_size results, as uint32 patterns, equal
``hwmodel.attention_fp32`` / ``attention_int8`` on the keys and values of each query head's
kv head (``h // (n_heads // n_kv_heads)``), positions 0..pos; int8 caches hold
``hwmodel.quantize(x, head_size)`` of random head vectors (one scale per slot). The golden
error (plain PyTorch fp32 attention on the same, dequantized, cache) is logged. Positions past
pos hold NaN (fp32) or NaN scales and extreme values (int8): reading one would poison a result.

What is checked:

- directed: the smallest shape (1 head, head_size 16, seq_len 1, pos 0) in both formats; MHA,
  GQA (4 heads on 2 kv heads), MQA (1 kv head); head_size 16, 48, 64, 112 (int8 slots of two
  beats, the second partial); pos = 0, 1 (5 heads: the score pipes' turns wrap over heads) and
  pos = seq_len - 1; seq_len not a multiple of 16
  (partial scale rows and probability beats); n_heads = MAX_HEADS with head_size =
  MAX_HEAD_SIZE; seq_len = MAX_SEQ_LEN with pos = MAX_SEQ_LEN - 1 (both formats); special
  values (0, -0, +-inf, NaN, subnormals, max; int8: scales 0, subnormal, inf, NaN and -128
  values), wide score ranges, random bit patterns; fp32 runs with garbage ks / vs pointers
  (ignored); all without memory pauses, ten of them again with pauses on 3 cycles of 4 on
  every channel of both masters; buffers
  at random 64-byte offsets in a page (bursts split at 4 KiB); runs back to back without reset;
- constrained-random shapes, formats and data (seeded);
- back-to-back starts with the next arguments written during a run;
- SLVERR on q, k, ks, v, vs and out: that STATUS bit alone, done, the next run clean;
- CONFIG_ERROR (n_heads 0 / MAX_HEADS + 1, n_kv_heads 0 / not dividing / > n_heads,
  head_size 0 / 8 / 24 / MAX_HEAD_SIZE + 16, seq_len 0 / MAX_SEQ_LEN + 1, pos = seq_len /
  2**32 - 1, kv_int8 2, misaligned q / k / v / out / ks / vs): memory untouched, no burst,
  done within a few cycles; the next run exact;
- reset a quarter of the way into a run and at 70 % (every stage busy), then exact runs;
  interrupt and polling; KERNEL_ID;
- the scoreboard catches a flipped bit and a wrong model (the same arithmetic over the
  positions in reverse order);
- performance: the CYCLES register for n_heads 12, head_size 64, pos 255 (seq_len 256), both
  formats, at 40 cycles of memory latency, then DESIGN.md's honest DDR timing (logged, with a
  bound asserted).

Run: ``make sim MODULE=attention`` (RTL defaults: MAX_HEADS 32, MAX_HEAD_SIZE 128,
MAX_SEQ_LEN 2048) or ``pytest verif/tests/attention`` (MAX_HEADS 16, MAX_SEQ_LEN 256).
Seed: ``COCOTB_RANDOM_SEED``.
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
import pytest
import torch
from cocotb.triggers import RisingEdge

from hlstransform.host.image import KvLayout, pack_kv
from hlstransform.model import hwmodel as hw
from hlstransform.model import numerics as nm
from hlstransform.verif.ddr import HONEST_TIMING
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.tb import cycle_pause, param
from hlstransform.verif.tests import elementwise_tb as ew
from hlstransform.verif.tests.elementwise_tb import MEMORY_PAUSES, Case, ElementwiseTB, Generator, Region

TIMEOUT_US = 40_000

LONG = os.environ.get("ATTENTION_LONG", "").strip().lower() in ("1", "true", "yes", "on")
"""``ATTENTION_LONG=1``: the pytest entry builds MAX_HEADS 16 / MAX_SEQ_LEN 256 and the performance
test runs the full shapes (12 heads, pos 255); without it both stay small (the simulation runs
a few hundred cycles per second: the Python memory models dominate)."""

LANES = 16
F32_NAN = np.uint32(0x7FC00000)
BENIGN_SPECIALS = np.array([0x00000000, 0x80000000, 0x00000001, 0x807FFFFF, 0x00800000, 0x3F800000, 0xBF800000],
                           dtype=np.uint32)
"""Patterns sprinkled into q, k and the key scales of ``special`` data: zeros, subnormals, the
smallest normal, +-1 (no inf or NaN there: one would make a whole head NaN)."""
VALUE_SCALE_SPECIALS = np.array([0x00000000, 0x80000000, 0x00000001, 0x00800000, 0x7149F2CA], dtype=np.uint32)
"""Value scales of ``special`` int8 caches: zeros, a subnormal, the smallest normal, 1e30 (an
inf or NaN value scale would make every lane of a head NaN: fp32 values carry those)."""


def f32(bits: np.ndarray) -> np.ndarray:
    return np.asarray(bits, np.uint32).view(np.float32)


def reference(extra: dict, reverse: bool = False) -> np.ndarray:
    """The numerics model's result ``[n_heads * head_size]`` as uint32 patterns.

    *reverse*: the same arithmetic over the positions in reverse order (a wrong model whose
    result differs from the right one by rounding only).
    """
    t = extra["pos"] + 1
    idx = np.arange(extra["n_heads"]) // (extra["n_heads"] // extra["n_kv"])
    order = slice(None, None, -1) if reverse else slice(None)

    def gather(a: np.ndarray) -> np.ndarray:
        return a[:t][:, idx][order]

    if extra["int8"]:
        out = hw.attention_int8(extra["q"], gather(extra["kq"]), gather(extra["ks"]), gather(extra["vq"]),
                                gather(extra["vs"]), extra["inv"])
    else:
        out = hw.attention_fp32(extra["q"], gather(extra["k"]), gather(extra["v"]), extra["inv"])
    return nm.as_bits(out.reshape(-1))


def golden(extra: dict) -> np.ndarray:
    """Plain PyTorch fp32 attention on the same (dequantized) cache: ``[n_heads * head_size]``."""
    t, hs = extra["pos"] + 1, extra["hs"]
    idx = np.arange(extra["n_heads"]) // (extra["n_heads"] // extra["n_kv"])
    with np.errstate(all="ignore"):
        if extra["int8"]:
            k = extra["kq"].astype(np.float32) * extra["ks"][..., None]
            v = extra["vq"].astype(np.float32) * extra["vs"][..., None]
        else:
            k, v = extra["k"], extra["v"]
        q = torch.from_numpy(np.array(extra["q"], np.float32))                  # [H, hs]
        keys = torch.from_numpy(np.ascontiguousarray(k[:t][:, idx]))           # [T, H, hs]
        values = torch.from_numpy(np.ascontiguousarray(v[:t][:, idx]))
        scores = torch.einsum("hd,thd->ht", q, keys) / float(np.sqrt(hs))
        att = torch.softmax(scores, dim=-1)
        return torch.einsum("ht,thd->hd", att, values).reshape(-1).numpy()


class TB(ElementwiseTB):
    """attention: q, k, ks on gmem0; v, vs, out on gmem1."""

    KERNEL = "attention"
    MASTERS = ("gmem0", "gmem1")

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.max_heads = param("MAX_HEADS", 32)
        self.max_hs = param("MAX_HEAD_SIZE", 128)
        self.max_seq = param("MAX_SEQ_LEN", 2048)
        self.log.info("TB: MAX_HEADS %d, MAX_HEAD_SIZE %d, MAX_SEQ_LEN %d", self.max_heads, self.max_hs, self.max_seq)
        self.paused = False

    def set_memory_pauses(self, generator: Generator = None) -> None:
        super().set_memory_pauses(generator)
        self.paused = generator is not None

    # ------------------------------------------------------------------ cases

    def _sprinkle(self, a: np.ndarray, patterns: np.ndarray, count: int) -> None:
        """Put *count* of *patterns* (cycled) at random places of fp32 array *a*."""
        flat = a.reshape(-1)
        picks = self.rng.permutation(flat.size)[:count]
        flat[picks] = f32(np.resize(patterns, len(picks)))

    def _values(self, shape: tuple[int, ...], kind: str, role: str) -> np.ndarray:
        """fp32 values of *kind* for q, k or v (*role*): ``llama`` (Student-t), ``wide`` (x 30:
        most exp results flush), ``special`` (q, k: :data:`BENIGN_SPECIALS`; v: every special
        of :data:`elementwise_tb.SPECIALS`, inf and NaN included), ``random`` (any bit pattern)."""
        n = int(np.prod(shape))
        if kind == "random":
            return f32(ew.make_data(self.rng, n, "random")).reshape(shape).copy()
        a = f32(ew.make_data(self.rng, n, "llama", 30.0 if kind == "wide" else 1.0)).reshape(shape).copy()
        if kind == "special":
            self._sprinkle(a, ew.SPECIALS if role == "v" else BENIGN_SPECIALS, 2 * len(ew.SPECIALS))
        return a

    def case(self, n_heads: int, n_kv: int, hs: int, seq_len: int, pos: int, int8: bool, kind: str = "llama",
             label: str = "", scale_ptrs: tuple[int, int] | None = None) -> Case:
        """One run. *kind* is the data (see :meth:`_values`); *scale_ptrs*: fp32 only, the
        (ignored) ks / vs pointer values."""
        fmt = "int8" if int8 else "fp32"
        lay = KvLayout(n_kv, hs, seq_len, fmt)
        q = self._values((n_heads, hs), kind, "q")
        k = self._values((seq_len, n_kv, hs), kind, "k")
        # int8: an inf or NaN value would give its slot an inf / NaN scale (see VALUE_SCALE_SPECIALS).
        v = self._values((seq_len, n_kv, hs), kind, "k" if int8 else "v")
        extra = {"n_heads": n_heads, "n_kv": n_kv, "hs": hs, "seq_len": seq_len, "pos": pos, "int8": int8,
                 "q": q, "inv": hw.inv_sqrt(hs)}
        regions = {"q": Region("gmem0", ew.f32_bytes(q.reshape(-1)), 4 * q.size)}
        scalars = {"pos": pos, "n_heads": n_heads, "n_kv_heads": n_kv, "head_size": hs, "seq_len": seq_len,
                   "inv_sqrt_hs": int(np.float32(extra["inv"]).view(np.uint32)), "kv_int8": int(int8)}
        if int8:
            kq, ks = hw.quantize(k, hs)
            vq, vs = hw.quantize(v, hs)
            ks, vs = ks[..., 0].copy(), vs[..., 0].copy()
            if kind == "special":
                self._sprinkle(ks[: pos + 1], BENIGN_SPECIALS, len(BENIGN_SPECIALS))
                self._sprinkle(vs[: pos + 1], VALUE_SCALE_SPECIALS, len(VALUE_SCALE_SPECIALS))
                for a in (kq, vq):
                    a.reshape(-1)[self.rng.permutation(a.size)[:6]] = np.int8(-128)
            # Past pos: NaN scales and extreme values, so a read beyond pos shows.
            for a in (ks, vs):
                a[pos + 1:] = f32(F32_NAN)
            for a in (kq, vq):
                a[pos + 1:] = np.int8(127)
            extra.update(kq=kq, ks=ks, vq=vq, vs=vs)
            for name, master, (vals, scales) in (("k", "gmem0", (kq, ks)), ("v", "gmem1", (vq, vs))):
                data, sdata = pack_kv(lay, vals, scales)
                regions[name] = Region(master, data, len(data))
                regions[name + "s"] = Region(master, sdata, len(sdata))
        else:
            for a in (k, v):
                a[pos + 1:] = f32(F32_NAN)
            extra.update(k=k, v=v)
            for name, master, vals in (("k", "gmem0", k), ("v", "gmem1", v)):
                data, _ = pack_kv(lay, vals)
                regions[name] = Region(master, data, len(data))
            scalars["ks"], scalars["vs"] = scale_ptrs or (0, 0)
        regions["out"] = Region("gmem1", b"", 4 * n_heads * hs)
        shape = f"{n_heads}/{n_kv} heads, hs {hs}, seq_len {seq_len}, pos {pos}, {fmt}"
        return Case(f"{label or kind}: {shape}", regions, scalars, "out", reference(extra), golden(extra),
                    extra=extra)

    def directed_cases(self) -> list[Case]:
        """Every case without memory pauses; with pauses (4 times slower) the ones marked."""
        mh, mhs, ms = self.max_heads, self.max_hs, self.max_seq
        hs_two_beats = 112 if mhs >= 112 else mhs   # int8: 2 beats per slot, the second 3/4 used
        g = 4 if mh % 4 == 0 else 1                   # kv heads of the n_heads = MAX_HEADS case
        with_pauses = {0, 1, 4, 5, 8, 9, 12, 14, 15, 17}
        cases = [
            self.case(1, 1, 16, 1, 0, False, label="smallest"),
            self.case(1, 1, 16, 1, 0, True, label="smallest"),
            self.case(4, 4, 64, 32, 20, False, label="MHA"),
            self.case(3, 3, 64, 24, 23, True, label="MHA"),
            self.case(4, 2, 48, 40, 39, True, label="GQA, pos = seq_len - 1"),
            self.case(4, 1, 16, 17, 16, False, label="MQA, pos = seq_len - 1"),
            self.case(6, 3, 48, 21, 5, False, label="GQA, head_size 48"),
            self.case(3, 3, 64, 24, 0, True, label="pos = 0"),
            self.case(2, 1, hs_two_beats, 37, 29, True, label="two-beat int8 slots, seq_len 37"),
            self.case(mh, mh // g, mhs, 9, 8, False, label="n_heads = MAX_HEADS, head_size = MAX_HEAD_SIZE"),
            self.case(mh, mh // g, mhs, 5, 3, True, label="n_heads = MAX_HEADS, head_size = MAX_HEAD_SIZE"),
            self.case(2, 1, 16, ms, ms - 1, True, label="seq_len = MAX_SEQ_LEN, pos = MAX_SEQ_LEN - 1"),
            self.case(2, 2, 16, ms, ms - 1, False, label="seq_len = MAX_SEQ_LEN, pos = MAX_SEQ_LEN - 1"),
            self.case(4, 2, 32, 33, 31, False, "special"),
            self.case(4, 2, 32, 33, 32, True, "special"),
            self.case(2, 1, 64, 40, 35, False, "wide"),
            self.case(2, 2, 32, 20, 12, True, "wide"),
            self.case(2, 1, 16, 8, 6, False, "random"),
            self.case(2, 1, 32, 19, 18, False, label="fp32 with garbage ks / vs pointers",
                      scale_ptrs=(0x1234_5677, 0xFFFF_FFFF_FFFF_FFF3)),
            # Fewer positions than score pipes: a pipe's turn wraps over one or more heads.
            self.case(5, 5, 32, 8, 0, False, label="pos = 0, 5 heads"),
            self.case(5, 5, 64, 8, 1, True, label="pos = 1, 5 heads"),
        ]
        return [c for i, c in enumerate(cases) if not self.paused or i in with_pauses]

    def random_case(self, index: int) -> Case:
        hs = LANES * int(self.rng.integers(1, self.max_hs // LANES + 1))
        n_kv = int(self.rng.integers(1, min(self.max_heads, 4) + 1))
        n_heads = n_kv * int(self.rng.integers(1, min(self.max_heads // n_kv, 3) + 1))
        seq_len = int(self.rng.integers(1, min(self.max_seq, 48) + 1))
        pos = int(self.rng.integers(0, seq_len))
        if index == 0:  # the scoreboard check's case: enough positions for the reversed order to round differently
            seq_len = max(seq_len, 12)
            pos = max(pos, 8)
        kind = ("llama", "wide", "special", "llama", "random")[index % 5]
        # index 1 (config_errors' good case) is int8, so misaligned ks / vs are tested.
        return self.case(n_heads, n_kv, hs, seq_len, pos, index % 2 == 1, kind)

    def bad_args(self, good: Case) -> list[dict[str, int]]:
        a = good.args()
        n_heads = a["n_heads"]
        bad = [{"n_heads": 0}, {"n_heads": self.max_heads + 1}, {"n_kv_heads": 0},
               {"n_kv_heads": n_heads + 1}, {"head_size": 0}, {"head_size": 8}, {"head_size": 24},
               {"head_size": self.max_hs + 16}, {"seq_len": 0}, {"seq_len": self.max_seq + 1, "pos": 0},
               {"pos": a["seq_len"]}, {"pos": 0xFFFF_FFFF}, {"kv_int8": 2},
               {"q": a["q"] + 4}, {"k": a["k"] + 32}, {"v": a["v"] + 1}, {"out": a["out"] + 16}]
        if self.max_heads >= 6:
            bad += [{"n_heads": 4, "n_kv_heads": 3}, {"n_heads": 6, "n_kv_heads": 4}]
        if a["kv_int8"]:
            bad += [{"ks": a["ks"] + 4}, {"vs": a["vs"] + 8}]
        return bad

    def error_cases(self) -> list[tuple[Case, str, int, str]]:
        f = self.case(4, 2, 32, 24, 20, False, label="SLVERR")
        i = self.case(4, 2, 64, 40, 33, True, label="SLVERR")
        slot = KvLayout(2, 32, 24, "fp32").slot_offset
        return [(f, "q", 64, "AXI_READ_ERROR"),
                (self.case(4, 2, 32, 24, 20, False, label="SLVERR"), "k", slot(1, 7), "AXI_READ_ERROR"),
                (self.case(4, 2, 32, 24, 20, False, label="SLVERR"), "v", slot(0, 20), "AXI_READ_ERROR"),
                (i, "ks", 64, "AXI_READ_ERROR"),
                (self.case(4, 2, 64, 40, 33, True, label="SLVERR"), "vs", 0, "AXI_READ_ERROR"),
                (self.case(4, 2, 32, 24, 20, False, label="SLVERR"), "out", 128, "AXI_WRITE_ERROR")]

    def long_case(self) -> Case:
        heads = min(self.max_heads, 4)
        return self.case(heads, heads // 2 or 1, 64, min(self.max_seq, 32), min(self.max_seq, 32) - 1, False,
                         label="long")

    def wrong_expected(self, case: Case) -> np.ndarray:
        return reference(case.extra, reverse=True)

    def timeout_cycles(self, case: Case) -> int:
        """Per head, positions 0..pos of head_size / 16 chunks through both stages (a chunk per
        cycle or two; 16 allows for pauses on 3 of 4 cycles), plus latency."""
        e = case.extra
        return 16 * e["n_heads"] * (e["pos"] + 1) * (e["hs"] // LANES) + 400 * e["n_heads"] + 5000


# ---------------------------------------------------------------------- attention scenarios


async def reset_mid_run(tb: TB) -> None:
    """Reset a quarter of the way into a run (scores of the first heads) and at 70 % (scores,
    softmax and outputs all busy), timed from a whole run of the same shape; exact runs after each."""
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()
    await tb.run_and_check(tb.long_case())
    whole = (await tb.ctrl.read_status()).cycles  # CYCLES of that run
    for fraction in (0.25, 0.7):
        case = tb.place(tb.long_case())
        await tb.ctrl.start(case.args())
        await tb.cycles(int(fraction * whole))
        assert not (await tb.ctrl.read_reg("AP_CTRL")) & tb.ctrl.bit("AP_CTRL", "IDLE"), "run ended before the reset"
        await tb.cycle_reset()
        await tb.cycles(4)
        ap = await tb.ctrl.read_reg("AP_CTRL")
        assert ap == tb.ctrl.bit("AP_CTRL", "IDLE"), f"AP_CTRL 0x{ap:x} after reset"
        for name in tb.MASTERS:
            for channel in ("ar", "aw"):
                valid = getattr(tb.dut, f"m_axi_{name}_{channel}valid", None)
                assert valid is None or not valid.value, f"{name}: {channel.upper()} burst after reset"
        tb.log.info("reset %d cycles into a run of %d", int(fraction * whole), whole)
        await tb.run_and_check(tb.random_case(2))
    await tb.run_and_check(tb.long_case())


async def performance(tb: TB) -> None:
    """CYCLES per run, both formats: memory latency 40 at full rate, then the honest DDR timing.

    With ``ATTENTION_LONG=1`` (or ``make sim``'s RTL maxima): n_heads 12, head_size 64, pos 255
    (MHA; at full rate also GQA with 3 kv heads and 8 heads of 128 on one kv head, MQA); else
    n_heads 4, head_size 64, pos 63."""
    long = LONG or tb.max_seq >= 1024
    n_heads = min(12 if long else 4, tb.max_heads)
    seq_len = min(256 if long else 64, tb.max_seq)
    timings = [("latency 40", {"read_latency": 40, "write_latency": 40, "beat_rate": 1.0}),
               ("honest DDR (latency 40, 85 % beats)", dict(HONEST_TIMING))]
    for label, timing in timings:
        for mem in tb.mems.values():
            mem.read_latency, mem.write_latency, mem.beat_rate = (timing["read_latency"], timing["write_latency"],
                                                                  timing["beat_rate"])
        await tb.cycle_reset()
        # MHA, then (full rate only, long runs) GQA on 3 kv heads and MQA with head_size 128.
        shapes = [(n_heads, n_heads, 64)]
        if long and timing["beat_rate"] == 1.0:
            shapes += [(n_heads, max(1, n_heads // 4), 64), (min(8, tb.max_heads), 1, min(128, tb.max_hs))]
        for h, kv, hs in shapes:
            for int8 in (False, True):
                case = tb.place(tb.case(h, kv, hs, seq_len, seq_len - 1, int8, label="performance"))
                reads = {name: mem.stats.read_beats for name, mem in tb.mems.items()}
                status = await tb.run(case)
                tb.check_result(case, status)
                chunks = h * seq_len * hs // LANES
                read = {name: mem.stats.read_beats - reads[name] for name, mem in tb.mems.items()}
                tb.log.info("performance (%s): %s: %d cycles (CYCLES) = %.3f chunks of 16 values per cycle per stage, "
                            "%.1f cycles per head; R beats gmem0 %d, gmem1 %d", label, case, status.cycles,
                            chunks / status.cycles, status.cycles / h, read["gmem0"], read["gmem1"])
                # Both stages move a chunk per cycle when head_size / 16 covers the adder loop:
                # allow the pipeline fill per head and the run's ends on top.
                if timing["beat_rate"] == 1.0 and hs >= 64:
                    bound = 1.15 * chunks + (108 + ew.SOFTMAX_PIPE_LATENCY) * h + 600
                    assert status.cycles <= bound, f"{status.cycles} cycles > {bound:.0f}"


# ---------------------------------------------------------------------- cocotb tests


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_directed(dut, memory_inserter: Generator = None) -> None:
    """Directed shapes (smallest, maxima, MHA / GQA / MQA, odd sizes), specials; bit-exact."""
    await ew.directed(TB(dut), memory_inserter)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_random(dut, memory_inserter: Generator = None) -> None:
    """Constrained-random shapes, formats and data (seeded)."""
    await ew.constrained_random(TB(dut), memory_inserter, count=5)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_back_to_back(dut) -> None:
    """Arguments of the next run written during a run; START right after DONE."""
    await ew.back_to_back(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_axi_errors(dut) -> None:
    """SLVERR on q, k, ks, v, vs and out: STATUS bit, done, next run clean."""
    await ew.axi_errors(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_config_error(dut) -> None:
    """Bad shapes or pointers: CONFIG_ERROR, no memory access."""
    await ew.config_errors(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_run(dut) -> None:
    """Reset at 25 % and 70 % of a run, then exact runs."""
    await reset_mid_run(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_interrupt_and_polling(dut) -> None:
    """KERNEL_ID; interrupt, polling, interrupt."""
    await ew.interrupt_and_polling(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """A flipped bit and a wrong model (positions in reverse order) are caught."""
    await ew.scoreboard_catches_corruption(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_performance(dut) -> None:
    """CYCLES per run at 40 cycles of memory latency and under the honest DDR timing."""
    await performance(TB(dut))


# Maxima small for the pytest run (the RTL defaults are what make sim builds); ATTENTION_LONG=1
# builds MAX_HEADS 16 / MAX_SEQ_LEN 256, which the full performance shape (12 heads, pos 255) needs.
# The first build is the RTL default (four score pipes of fp32_sum_add's latency + 1 accumulators:
# an int8 key slot per cycle; values four chunks per cycle, a group whose last may be partial: head_size 16, 48 and
# 112 have 1, 3 and 7 chunks). The second deals key slots to three pipes of two accumulators
# each: pipe turns that wrap over several heads at pos 0 and 1, pipes short of accumulators;
# and takes values two chunks per cycle (VALUE_WAYS 2: odd chunk counts leave a half group), at
# MAX_HEAD_SIZE 96: 3 value groups a head, a count that is not a power of two, so the accumulator
# entries' group stride (4) is above it.
BUILDS = [(4, ew.SUM_BEAT_CYCLES, 4, 128), (3, 2, 2, 96)]


@pytest.mark.parametrize("score_pipes,score_acc_units,value_ways,max_head_size", BUILDS)
def test_attention(score_pipes: int, score_acc_units: int, value_ways: int, max_head_size: int) -> None:
    """Build attention with these score pipes, value ways and head size and run every cocotb test above."""
    max_heads, max_seq_len = (16, 256) if LONG else (8, 64)
    run_cocotb("attention", __file__, {"MAX_HEADS": max_heads, "MAX_HEAD_SIZE": max_head_size,
                                       "MAX_SEQ_LEN": max_seq_len, "SCORE_PIPES": score_pipes,
                                       "SCORE_ACC_UNITS": score_acc_units, "VALUE_WAYS": value_ways})
