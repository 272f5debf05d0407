"""cocotb tests for ``rtl/kernels/rmsnorm.sv`` (RMSNorm of one fp32 vector).

    ss = sum16(x * x);  inv = rsqrt((ss * inv_n) + EPS);  out[i] = w[i] * (inv * x[i])

The host side is :class:`hlstransform.verif.regs.KernelControl` on ``s_axi_control``; the one
master ``m_axi_gmem0`` is a :class:`hlstransform.verif.ddr.DdrModel` holding x, w and out. TB
and scenarios: ``verif/tests/elementwise_tb.py`` (:class:`ElementwiseTB`).

Scoreboard: every result, as a uint32 pattern, equals
``hwmodel.rmsnorm(x, w, inv_count=ftz(inv_n))`` (docs/numerics.md section 6: sum16 of the
rounded squares, fp32 multiply, add, the hardware rsqrt, two multiplies; RNE, FTZ, canonical
NaN). ``inv_n`` is an input like any other: the model flushes x and w itself, the TB flushes
inv_n as the multiplier's input does. The golden error against PyTorch's
``x * torch.rsqrt(mean(x * x) + 1e-5) * w`` (fp32) is logged per run (absolute and relative;
the relative one must stay within 1e-5 on activation data).

What is checked:

- directed: n = 16 (one beat), 48 (specials), 288 and 768 (stories15M / stories110M dim),
  1040 or MAX_N (two bursts), n = MAX_N, out = x (in place), random bit patterns, all-zero x
  (inv = rsqrt(EPS)), per-lane specials (zeros, subnormals in x; every special in w), tiny x
  (every square flushed: ss = +0), huge x (ss overflows: inv = +0,
  out = +-0), an infinite x (NaN there, zeros elsewhere), a NaN x (all NaN); inv_n as the host
  writes it and as other patterns (1.0, another n's constant, a random normal, a subnormal:
  flushed, NaN, negative: rsqrt of a negative); memory pauses never / on 3 cycles of 4 on every
  channel; buffers at random 64-byte offsets in a page (bursts split at 4 KiB); the runs follow
  each other without reset;
- constrained-random n and data (activations, wide-exponent values, random bit patterns,
  specials: 0, -0, +-inf, NaN, subnormals, max) and inv_n (the host constant, random), with
  memory pauses never / 3 of 4 / random;
- back-to-back starts with the next arguments written during a run;
- SLVERR on x, on w and on out: that STATUS bit alone, done, the next run clean;
- CONFIG_ERROR (n 0, 8, 24, MAX_N + 16, 2**32 - 16, misaligned pointers): memory untouched
  (sentinels), no burst, done within a few cycles; the next run exact;
- reset in the middle of a run, then clean runs; interrupt and polling; KERNEL_ID;
- the scoreboard catches a flipped bit and a wrong model (``(w * x) * inv``, run.c's order
  of the last two multiplies swapped);
- throughput: result beats per cycle out of the core (the wrapper's ``lane_valid`` probe:
  results entering the write stream) >= 0.95 at 40 cycles of memory latency, >= 0.95 x 85 %
  under the honest DDR timing; and the whole-run cycles (CYCLES
  register) for n = 288 and 768 at 40 cycles of latency, logged as ``cycles (...)``.

Run: ``make sim MODULE=rmsnorm`` (default MAX_N 8192) or ``pytest verif/tests/rmsnorm``
(MAX_N 1024 for build speed). Seed: ``COCOTB_RANDOM_SEED``. ``RMSNORM_LONG=1`` adds more
random cases (24 instead of 6 per pause setting).
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
import pytest
import torch
from cocotb.triggers import RisingEdge

from hlstransform.model import hwmodel as hw
from hlstransform.model import numerics as nm
from hlstransform.verif.ddr import HONEST_TIMING
from hlstransform.verif.regs import RunStatus
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.tb import cycle_pause, param, random_pause
from hlstransform.verif.tests import elementwise_tb as ew
from hlstransform.verif.tests.elementwise_tb import BEAT_BYTES, MEMORY_PAUSES, Case, ElementwiseTB, Generator, Region

TIMEOUT_US = 4_000
LONG = os.environ.get("RMSNORM_LONG", "").strip() not in ("", "0")

RANDOM_PAUSES = (None, cycle_pause, random_pause)
"""Memory pauses for the random test: never, 3 cycles of 4, at random (independent per channel)."""

CYCLE_SHAPES = (288, 768)
"""n of the cycle measurements: stories15M's and stories110M's dim."""


def bits(value: float) -> int:
    """The fp32 bit pattern of *value*."""
    return int(np.float32(value).view(np.uint32))


def wide_data(rng: np.random.Generator, n: int, lo: int = -70, hi: int = 60) -> np.ndarray:
    """n fp32 patterns of either sign, exponents uniform in [lo, hi): squares from flushed to
    overflowing (their sum saturates to inf when one square does)."""
    mant = rng.uniform(1.0, 2.0, n) * rng.choice([-1.0, 1.0], n)
    return (mant * np.exp2(rng.integers(lo, hi, n))).astype(np.float32).view(np.uint32)


class TB(ElementwiseTB):
    """rmsnorm: x, w and out on gmem0."""

    KERNEL = "rmsnorm"
    MASTERS = ("gmem0",)

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.max_n = param("MAX_N", 8192)
        self.log.info("TB: MAX_N %d", self.max_n)

    # ------------------------------------------------------------------ cases

    def data(self, n: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(x, w) bit patterns of one kind: ``llama`` (activations; weights around 1, as trained
        RMSNorm gains), ``wide``, ``random`` (any pattern, both), ``special`` (activations with
        :data:`ew.SPECIALS` sprinkled into both)."""
        if kind == "wide":
            x = wide_data(self.rng, n)
        else:
            x = ew.make_data(self.rng, n, kind)
        if kind in ("random", "special"):
            w = ew.make_data(self.rng, n, kind, 0.3)
        else:
            w = (1.0 + 0.2 * self.rng.standard_t(4, n)).astype(np.float32).view(np.uint32)
        return x, w

    def case(self, n: int, kind: str = "llama", label: str = "", in_place: bool = False,
             x: np.ndarray | None = None, w: np.ndarray | None = None, inv_n: int | None = None) -> Case:
        """One run over n elements: data of *kind* unless given (bit patterns); inv_n the host
        constant ``hwmodel.inv_n(n)`` unless given (a pattern); *in_place*: out = x."""
        given = x is not None or w is not None
        dx, dw = self.data(n, kind)
        x = dx if x is None else np.asarray(x, np.uint32)
        w = dw if w is None else np.asarray(w, np.uint32)
        exact = inv_n is None
        inv_n = int(nm.as_bits(hw.inv_n(n))) if exact else inv_n
        regions = {"x": Region("gmem0", ew.f32_bytes(x), 4 * n), "w": Region("gmem0", ew.f32_bytes(w), 4 * n)}
        aliases = {}
        if in_place:
            aliases["out"] = "x"
        else:
            regions["out"] = Region("gmem0", b"", 4 * n)
        fx, fw = x.view(np.float32).copy(), w.view(np.float32).copy()
        inv_count = self.inv_count(inv_n)
        expected = nm.as_bits(hw.rmsnorm(fx, fw, inv_count=inv_count)).astype(np.uint32)
        golden = self.golden(fx, fw) if exact else None
        tag = "" if exact else f", inv_n 0x{inv_n:08x}"
        return Case((label or kind) + tag, regions, {"n": n, "inv_n": inv_n}, "x" if in_place else "out",
                    expected, golden, aliases,
                    extra={"x": fx, "w": fw, "inv_count": inv_count, "kind": "given" if given else kind})

    def check_result(self, case: Case, status: RunStatus) -> np.ndarray:
        """Bit-exact against hwmodel (the base class), then the relative golden error: logged,
        and within 1e-5 on activation data (docs/numerics.md: a few ulp of rsqrt and of the
        sum order; the absolute error the base class logs says little next to huge values)."""
        actual = super().check_result(case, status)
        if case.golden is not None:
            rtl = actual.view(np.float32).astype(np.float64)
            gold = case.golden.astype(np.float64)
            ok = np.isfinite(rtl) & np.isfinite(gold) & (np.abs(gold) > 1e-30)
            rel = float(np.max(np.abs(rtl[ok] - gold[ok]) / np.abs(gold[ok]), initial=0.0))
            self.log.info("%s: golden max relative error %.3g over %d values", case, rel, int(ok.sum()))
            if case.extra["kind"] == "llama":
                assert rel <= 1e-5, f"{case}: {rel:.3g} relative to the golden model"
        return actual

    @staticmethod
    def inv_count(pattern: int) -> np.float32:
        """inv_n as the multiplier sees it: the pattern as fp32, a subnormal flushed to +-0."""
        return nm.ftz(np.array([pattern], np.uint32).view(np.float32))[0]

    @staticmethod
    def golden(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """PyTorch fp32 RMSNorm (llama2.c model.py): ``x * rsqrt(mean(x * x) + 1e-5) * w``."""
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        with torch.no_grad():
            return (tx * torch.rsqrt(torch.mean(tx * tx) + 1e-5) * tw).numpy()

    def directed_cases(self) -> list[Case]:
        n_top = self.max_n
        cases = [
            self.case(16, label="smallest"),
            self.case(48, "special"),
            self.case(min(288, n_top), label="stories15M dim"),
            self.case(min(768, n_top), label="stories110M dim"),
            self.case(min(1040, n_top), label="two bursts"),
            self.case(n_top, label="n = MAX_N"),
            self.case(min(256, n_top), label="in place, out = x", in_place=True),
            self.case(64, "random"),
            self.case(80, "wide"),
            self.case(32, label="x all zero: inv = rsqrt(EPS)", x=np.zeros(32, np.uint32)),
            self.case(64, label="tiny x: every square flushed", x=wide_data(self.rng, 64, -80, -64)),
            self.case(64, label="huge x: ss overflows, inv = 0", x=wide_data(self.rng, 64, 64, 100)),
        ]
        # Specials that leave ss finite (zeros, subnormals, the smallest normal) in x, every
        # special in w: each lane's w * (inv * x) meets them on its own.
        x = ew.make_data(self.rng, 64, "llama")
        x[self.rng.permutation(64)[:12]] = np.resize(
            np.array([0x00000000, 0x80000000, 0x00000001, 0x807FFFFF, 0x00800000, 0x80800000], np.uint32), 12)
        w = ew.make_data(self.rng, 64, "llama", 0.3)
        w[self.rng.permutation(64)[:24]] = np.resize(ew.SPECIALS, 24)
        cases.append(self.case(64, label="per-lane specials in x and w", x=x, w=w))
        x = ew.make_data(self.rng, 48, "llama")
        x[17] = bits(np.inf)
        cases.append(self.case(48, label="an infinite x", x=x))
        x = ew.make_data(self.rng, 48, "llama")
        x[40] = 0x7FC00000
        cases.append(self.case(48, label="a NaN x", x=x))
        # inv_n is an input: whatever pattern the host writes is used as it is.
        cases += [
            self.case(80, label="inv_n 1.0 (the sum, not the mean)", inv_n=bits(1.0)),
            self.case(96, label="another n's inv_n", inv_n=int(nm.as_bits(hw.inv_n(100)))),
            self.case(64, label="random normal inv_n", inv_n=int(wide_data(self.rng, 1, -20, 0)[0])),
            self.case(48, label="subnormal inv_n: flushed, u = EPS", inv_n=0x0000_1234),
            self.case(32, label="NaN inv_n", inv_n=0x7FC0_0001),
            self.case(32, label="negative inv_n: rsqrt of a negative", inv_n=bits(-1.0 / 32)),
        ]
        return cases

    def random_case(self, index: int) -> Case:
        n = 16 * int(self.rng.integers(1, min(self.max_n // 16, 160) + 1))
        kind = ("llama", "wide", "random", "special")[index % 4]
        inv_n = None
        if index % 3 == 2:
            inv_n = int(self.rng.integers(0, 2**32)) if index % 2 else int(wide_data(self.rng, 1, -14, 2)[0])
        return self.case(n, kind, inv_n=inv_n)

    def bad_args(self, good: Case) -> list[dict[str, int]]:
        a = good.args()
        return [{"n": 0}, {"n": 8}, {"n": 24}, {"n": self.max_n + 16}, {"n": 0xFFFF_FFF0},
                {"x": a["x"] + 4}, {"w": a["w"] + 32}, {"out": a["out"] + 1}]

    def error_cases(self) -> list[tuple[Case, str, int, str]]:
        return [(self.case(320, label="SLVERR on x"), "x", 5 * BEAT_BYTES, "AXI_READ_ERROR"),
                (self.case(320, label="SLVERR on w"), "w", 17 * BEAT_BYTES, "AXI_READ_ERROR"),
                (self.case(320, label="SLVERR on out"), "out", 2 * BEAT_BYTES, "AXI_WRITE_ERROR")]

    def long_case(self) -> Case:
        return self.case(self.max_n, label="long")

    def wrong_expected(self, case: Case) -> np.ndarray:
        """run.c's ``w * (inv * x)`` reordered as ``(w * x) * inv``: one rounding moves."""
        x, w = nm.ftz(case.extra["x"]), nm.ftz(case.extra["w"])
        ss = hw.sum16(nm.fp32_mul(x, x))
        inv = nm.rsqrt(nm.fp32_add(nm.fp32_mul(ss, case.extra["inv_count"]), hw.EPS))
        return nm.as_bits(nm.fp32_mul(nm.fp32_mul(w, x), inv))


class PhaseMonitor:
    """Records the cycle (counted from the run's core_start) of the kernel's phase events:
    the last x beat into the buffer, the sum of squares, inv, the first and last beat through
    the scaling lanes, and done. Reads internal signals (the build makes them public)."""

    EVENTS = ("x loaded", "sum16 out", "inv", "first lane beat", "last lane beat", "done")

    def __init__(self, dut) -> None:
        self.dut = dut
        self.times: dict[str, int] = {}
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        d = self.dut
        core = d.rmsnorm_core_inst
        cycle, loaded = 0, 1
        while True:
            await RisingEdge(d.clk)
            cycle += 1
            if d.kernel_control_inst.core_start.value:
                self.times, cycle = {}, 0
            x_loaded = int(d.x_loaded_reg.value)
            if x_loaded and not loaded:
                self.times["x loaded"] = cycle
            loaded = x_loaded
            if core.sum_valid.value:
                self.times["sum16 out"] = cycle
            if core.inv_valid.value:
                self.times["inv"] = cycle
            if core.lane_valid.value:
                self.times.setdefault("first lane beat", cycle)
                self.times["last lane beat"] = cycle
            if d.done_reg.value:
                self.times["done"] = cycle

    def summary(self) -> str:
        return ", ".join(f"{name} {self.times.get(name, '-')}" for name in self.EVENTS)


# ---------------------------------------------------------------------- tests


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_directed(dut, memory_inserter: Generator = None) -> None:
    """Directed sizes, in place, special data, inv_n patterns; bit-exact."""
    await ew.directed(TB(dut), memory_inserter)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=RANDOM_PAUSES)
async def run_test_random(dut, memory_inserter: Generator = None) -> None:
    """Constrained-random sizes, data and inv_n (seeded)."""
    await ew.constrained_random(TB(dut), memory_inserter, count=24 if LONG else 6)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_back_to_back(dut) -> None:
    """Arguments of the next run written during a run; START right after DONE."""
    await ew.back_to_back(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_axi_errors(dut) -> None:
    """SLVERR on x, w and out: STATUS bit, done, next run clean."""
    await ew.axi_errors(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_config_error(dut) -> None:
    """Bad n or pointers: CONFIG_ERROR, no memory access."""
    await ew.config_errors(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_run(dut) -> None:
    """Reset mid-run, then exact runs."""
    await ew.reset_mid_run(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_interrupt_and_polling(dut) -> None:
    """Interrupt, polling, interrupt."""
    await ew.interrupt_and_polling(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """A flipped bit and a wrong model ((w * x) * inv) are caught."""
    await ew.scoreboard_catches_corruption(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_throughput(dut) -> None:
    """>= 0.95 result beats per cycle out of the core at 40 cycles of memory latency."""
    await ew.throughput(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_cycles(dut) -> None:
    """Whole-run cycles (CYCLES register, start to done) for the Llama 2 dims, memory at 40
    cycles of read and write latency and no pauses, then under the honest DDR timing."""
    tb = TB(dut)
    for mem in tb.mems.values():
        mem.read_latency = HONEST_TIMING["read_latency"]
        mem.write_latency = HONEST_TIMING["write_latency"]
    await tb.cycle_reset()
    phases = PhaseMonitor(dut)
    for rate in (1.0, HONEST_TIMING["beat_rate"]):
        for mem in tb.mems.values():
            mem.beat_rate = rate
        for n in CYCLE_SHAPES:
            if n > tb.max_n:
                continue
            case = tb.place(tb.case(n, label=f"n {n}"))
            status = await tb.run(case)
            tb.check_result(case, status)
            beats = n // 16
            tb.log.info("cycles (%s, latency 40, beat rate %.2f): %d cycles for %d beats of x, w and out; "
                        "phases (cycles after start): %s", case, rate, status.cycles, beats, phases.summary())
            # Guard against a lost overlap: the sum16 accumulator's SUM_BEAT_CYCLES per beat, the
            # scaling pass at a beat per cycle, memory latencies and fixed costs.
            assert status.cycles <= (ew.SUM_BEAT_CYCLES + 1) * beats + 400, f"{case}: {status.cycles} cycles"


# MAX_N: small for the pytest run (the RTL default, 8192, is what make sim builds).
@pytest.mark.parametrize("max_n", [1024])
def test_rmsnorm(max_n: int) -> None:
    """Build rmsnorm with this maximum and run every cocotb test above."""
    run_cocotb("rmsnorm", __file__, {"MAX_N": max_n})
