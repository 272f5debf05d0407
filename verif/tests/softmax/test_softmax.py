"""cocotb tests for ``rtl/kernels/softmax.sv`` (and the ``softmax_core`` it is built on).

The host side is :class:`hlstransform.verif.regs.KernelControl` on ``s_axi_control``; the one
master ``m_axi_gmem0`` is a :class:`hlstransform.verif.ddr.DdrModel` holding x and out. TB and
scenarios: ``verif/tests/elementwise_tb.py`` (:class:`ElementwiseTB`), plus the softmax-only
scenarios below (reset in each pass of the core, performance).

Scoreboard: the ceil(n/16) result beats, as uint32 patterns, equal ``hwmodel.softmax(x[:n])``
followed by exact +0.0 in the lanes past n; the golden error (``torch.softmax`` in fp32) is
logged.

What is checked:

- directed: n = 1, 16, 17, 257, MAX_N - 1, MAX_N; all elements equal; one huge value; -inf
  entries; all -inf (NaN); a NaN (all NaN); a +inf (all NaN); zeros, -0, subnormals and the
  largest finite values; wide score ranges (most exp results flush to 0); random bit patterns;
  in place (out = x); lanes past n in memory holding NaN / +inf / huge values (they must not
  take part in the max or the sum); memory pauses never / on 3 cycles of 4 on every channel;
  buffers at random 64-byte offsets in a page (bursts split at 4 KiB); the runs follow each
  other without reset;
- constrained-random n (1..MAX_N, any n) and data (scores, wide scores, specials, random
  bit patterns), in place and with garbage past n;
- back-to-back starts with the next arguments written during a run;
- SLVERR on x and on out: that STATUS bit alone, done, the next run clean;
- CONFIG_ERROR (n 0, MAX_N + 1, 2**31, 2**32 - 1, misaligned pointers): memory untouched
  (sentinels), no burst, done within a few cycles; the next run exact;
- reset in the middle of a run (while results are written, and in each pass of the core:
  load, exp, out), then exact runs; interrupt and polling; KERNEL_ID;
- the scoreboard catches a flipped bit and a wrong model (the maximum never reaching the exp
  lanes, m = 0); how far llama2.c's order (sequential sum, IEEE division) is, is logged;
- stalls reach the core: with pauses its output is held (out_valid without out_ready) and its
  input starves; performance: the CYCLES register for n = 257 and 1024 (and MAX_N) at 40
  cycles of memory latency, then DESIGN.md's honest DDR timing, logged per phase.

Run: ``make sim MODULE=softmax`` (default MAX_N 4096) or ``pytest verif/tests/softmax``
(MAX_N 4096 too: the buffer size costs no build time; ``SOFTMAX_MAX_N=32,1024`` builds other
maxima). Seed: ``COCOTB_RANDOM_SEED``.
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
from hlstransform.verif.scoreboard import compare_streams, format_mismatches
from hlstransform.verif.tb import cycle_pause, param
from hlstransform.verif.tests import elementwise_tb as ew
from hlstransform.verif.tests.elementwise_tb import MEMORY_PAUSES, Case, ElementwiseTB, Generator, Region

TIMEOUT_US = 6_000

LANES = 16
NEG_INF, POS_INF, QNAN = np.uint32(0xFF800000), np.uint32(0x7F800000), np.uint32(0x7FC00000)

SOFTMAX_SPECIALS = np.array([0x00000000, 0x80000000, 0xFF800000, 0x00000001, 0x807FFFFF, 0x00800000,
                             0x80800000, 0xFF7FFFFF, 0x7F7FFFFF, 0x42B00000, 0xC2B00000, 0x3F800000],
                            dtype=np.uint32)
"""Specials that leave the result finite: zeros, -inf, subnormals, smallest normals, the largest
finite values, +-88 (exp's overflow edge), 1.0. NaN and +inf have cases of their own (all NaN)."""

PAD_PATTERNS = {"nan": QNAN, "inf": POS_INF, "huge": np.uint32(0x7F7FFFFF), "sentinel": None}
"""What memory holds in the lanes past n of the last beat (read, never used)."""

# softmax_core state encoding (rtl/kernels/softmax_core.sv, STATE_*), for the reset test.
CORE_STATES = {"load": 1, "exp": 4, "out": 6}


def make_scores(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """n fp32 bit patterns: ``scores`` (attention-score-like, Student-t(4) x 3), ``wide``
    (x 40: most exp results underflow), ``special`` (scores with :data:`SOFTMAX_SPECIALS`),
    ``random`` (any pattern), ``nan`` / ``inf`` (scores with one NaN / +inf)."""
    if kind == "random":
        return rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    scale = 40.0 if kind == "wide" else 3.0
    v = (rng.standard_t(4, n) * scale).astype(np.float32).view(np.uint32)
    if kind == "special":
        # A random handful: with +88 or the largest finite value in the mix one element takes
        # all the mass; without them the maximum is an ordinary score.
        idx = rng.choice(n, size=min(n, int(rng.integers(1, 2 * len(SOFTMAX_SPECIALS)))), replace=False)
        v[idx] = rng.choice(SOFTMAX_SPECIALS, len(idx))
    elif kind in ("nan", "inf"):
        v[rng.integers(n)] = QNAN if kind == "nan" else POS_INF
    return v


def model(x_bits: np.ndarray, beats: int) -> np.ndarray:
    """The kernel's output: hwmodel.softmax over x, then exact +0.0 up to whole beats (uint32)."""
    out = np.zeros(beats * LANES, dtype=np.uint32)
    out[: len(x_bits)] = nm.as_bits(hw.softmax(x_bits.view(np.float32)))
    return out


def golden(x_bits: np.ndarray, beats: int) -> np.ndarray:
    """torch.softmax in fp32, zero-padded like the output."""
    out = np.zeros(beats * LANES, dtype=np.float32)
    out[: len(x_bits)] = torch.softmax(torch.from_numpy(x_bits.view(np.float32).copy()), dim=0).numpy()
    return out


def ulp_distance(actual_bits: np.ndarray, golden_values: np.ndarray) -> str:
    """Max distance in fp32 ulps from the golden values, over those both normal (as text)."""
    g = golden_values.astype(np.float32)
    a = np.asarray(actual_bits, np.uint32).view(np.float32)
    ok = np.isfinite(a) & np.isfinite(g) & (np.abs(g) >= np.float32(2.0**-126)) & (np.abs(a) >= np.float32(2.0**-126))
    if not ok.any():
        return "n/a"
    d = np.abs(a[ok].view(np.int32).astype(np.int64) - g[ok].view(np.int32).astype(np.int64))
    return f"{int(d.max())} ulp over {int(ok.sum())} normal values"


def _padded(p: np.ndarray, beats: int) -> np.ndarray:
    out = np.zeros(beats * LANES, dtype=np.uint32)
    out[: len(p)] = nm.as_bits(p)
    return out


def wrong_model(x_bits: np.ndarray, beats: int) -> np.ndarray:
    """A plausible RTL bug: the maximum never reaches the exp lanes (m = +0): e = exp(s),
    mathematically the same softmax, rounded differently almost everywhere (and overflowing)."""
    s = nm.ftz(x_bits.view(np.float32))
    with np.errstate(all="ignore"):
        e = nm.exp(s)
        return _padded(nm.fp32_mul(e, nm.recip(hw.sum16(e))), beats)


def llama2c_order(x_bits: np.ndarray, beats: int) -> np.ndarray:
    """llama2.c's order on the hardware exp: a sequential sum and an IEEE division. Often a few
    ulp away, but it can round to the same bits on a whole vector (about 1 run in 10)."""
    s = nm.ftz(x_bits.view(np.float32))
    with np.errstate(all="ignore"):
        e = nm.exp(nm.fp32_sub(s, np.max(s)))
        return _padded(nm.ftz(e / hw.seq_sum(e)), beats)


class CoreMonitor:
    """Watches softmax_core's streams: handshake cycles, held outputs, starved inputs."""

    def __init__(self, dut) -> None:
        self.core = dut.softmax_core_inst
        self.clk = dut.clk
        self.rst = dut.rst
        self.clear()
        cocotb.start_soon(self._run())

    def clear(self) -> None:
        self.cycle = 0
        self.in_cycles: list[int] = []
        self.out_cycles: list[int] = []
        self.out_held = 0    # out_valid and not out_ready
        self.in_starved = 0  # in_ready and not in_valid, mid-run
        self.in_held = 0     # in_valid and not in_ready

    async def _run(self) -> None:
        c = self.core
        while True:
            await RisingEdge(self.clk)
            self.cycle += 1
            if self.rst.value:
                continue
            in_v, in_r = bool(c.in_valid.value), bool(c.in_ready.value)
            out_v, out_r = bool(c.out_valid.value), bool(c.out_ready.value)
            if in_v and in_r:
                self.in_cycles.append(self.cycle)
            if out_v and out_r:
                self.out_cycles.append(self.cycle)
            self.out_held += out_v and not out_r
            self.in_held += in_v and not in_r
            self.in_starved += in_r and not in_v and int(c.state_reg.value) == CORE_STATES["load"]


class TB(ElementwiseTB):
    """softmax: x and out on gmem0."""

    KERNEL = "softmax"
    MASTERS = ("gmem0",)

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.max_n = param("MAX_N", 4096)
        self.log.info("TB: MAX_N %d", self.max_n)
        self.core = CoreMonitor(dut)

    def case(self, n: int, kind: str = "scores", label: str = "", in_place: bool = False,
             pad: str = "sentinel", x: np.ndarray | None = None) -> Case:
        """A run over n elements (data of *kind* unless given as bit patterns). *in_place*: out = x.
        *pad*: what memory holds past x[n-1] in the last beat (:data:`PAD_PATTERNS`)."""
        beats = -(-n // LANES)
        x = make_scores(self.rng, n, kind) if x is None else np.asarray(x, np.uint32)
        data = ew.f32_bytes(x)
        pattern = PAD_PATTERNS[pad]
        if pattern is not None:
            data += ew.f32_bytes(np.full(beats * LANES - n, pattern, np.uint32))
        regions = {"x": Region("gmem0", data, beats * 64 if (in_place or pattern is not None) else 4 * n)}
        aliases = {}
        if in_place:
            aliases["out"] = "x"
        else:
            regions["out"] = Region("gmem0", b"", beats * 64)
        label = label or kind
        if pad != "sentinel":
            label += f", {pad} past n"
        return Case(label, regions, {"n": n}, "x" if in_place else "out", model(x, beats), golden(x, beats),
                    aliases, extra={"x": x, "beats": beats})

    def directed_cases(self) -> list[Case]:
        m = self.max_n
        huge = make_scores(self.rng, 64, "scores")
        huge[37] = np.float32(80.0).view(np.uint32)
        minf = make_scores(self.rng, 50, "scores")
        minf[[0, 7, 16, 49]] = NEG_INF
        cases = [
            self.case(1, label="smallest: n = 1"),
            self.case(16, label="one whole beat"),
            self.case(17, label="n = 17: one lane in the last beat", pad="nan"),
            self.case(257, label="n = 257"),
            self.case(m - 1, "wide", label="n = MAX_N - 1", pad="inf"),
            self.case(m, label="n = MAX_N"),
            self.case(100, label="all equal", x=np.full(100, np.float32(3.25).view(np.uint32), np.uint32)),
            self.case(64, label="one huge value", x=huge),
            self.case(50, label="-inf entries", x=minf),
            self.case(20, label="all -inf: NaN", x=np.full(20, NEG_INF, np.uint32)),
            self.case(40, "nan", label="a NaN: all NaN"),
            self.case(33, "inf", label="a +inf: all NaN"),
            self.case(96, "special", label="zeros, subnormals, extremes", pad="huge"),
            self.case(min(200, m), label="in place, out = x", in_place=True),
            self.case(75, "random", label="random bit patterns"),
        ]
        return [c for c in cases if c.scalars["n"] <= m]  # small MAX_N builds skip the larger ones

    def random_case(self, index: int) -> Case:
        n = int(self.rng.integers(1, min(self.max_n, 700) + 1))
        kind = ("scores", "wide", "special", "random")[index % 4]
        pad = ("sentinel", "nan", "inf", "huge")[int(self.rng.integers(4))]
        return self.case(n, kind, in_place=bool(self.rng.integers(2)), pad=pad)

    def bad_args(self, good: Case) -> list[dict[str, int]]:
        a = good.args()
        return [{"n": 0}, {"n": self.max_n + 1}, {"n": 0x8000_0000}, {"n": 0xFFFF_FFFF},
                {"x": a["x"] + 4}, {"x": a["x"] + 32}, {"out": a["out"] + 1}, {"out": a["out"] + 48}]

    def error_cases(self) -> list[tuple[Case, str, int, str]]:
        n = min(300, self.max_n)
        beats = -(-n // LANES)
        return [(self.case(n, label="SLVERR on x"), "x", min(3, beats - 1) * 64, "AXI_READ_ERROR"),
                (self.case(n, label="SLVERR on out"), "out", min(17, beats - 1) * 64, "AXI_WRITE_ERROR")]

    def long_case(self) -> Case:
        return self.case(self.max_n, label="long")

    def check_result(self, case: Case, status: RunStatus) -> np.ndarray:
        """The common check (bit-exact, memory, protocol), plus the golden distance in ulps."""
        actual = super().check_result(case, status)
        self.log.info("%s: golden (torch.softmax fp32) max distance %s", case, ulp_distance(actual, case.golden))
        return actual

    def wrong_expected(self, case: Case) -> np.ndarray:
        return wrong_model(case.extra["x"], case.extra["beats"])

    def timeout_cycles(self, case: Case) -> int:
        """Three passes over the vector (the sum at a beat per ew.SUM_BEAT_CYCLES), pauses on 3 of 4 cycles."""
        return 4 * ((4 + ew.SUM_BEAT_CYCLES) * case.out_beats + case.read_beats) + 5000


# ---------------------------------------------------------------------- softmax scenarios


async def stalls_reach_the_core(tb: TB) -> None:
    """With pauses on every channel the core's input starves and its output is held; exact."""
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()
    tb.core.clear()
    case = tb.case(tb.max_n, label="stalls")
    await tb.run_and_check(case)
    c = tb.core
    tb.log.info("core: %d beats in (starved %d cycles, held %d), %d beats out (held %d cycles)",
                len(c.in_cycles), c.in_starved, c.in_held, len(c.out_cycles), c.out_held)
    assert len(c.in_cycles) == len(c.out_cycles) == case.out_beats
    assert c.in_starved > 0, "the core's input never starved"
    # The slot scheme's claim (rtl/kernels/softmax_core.sv): with the generated latencies a
    # slot is free again long before it comes round, so in_ready never falls during a load.
    assert c.in_held == 0, f"the core held its input for {c.in_held} cycles"
    # axi_write_stream buffers two bursts (128 beats): only a longer vector backs up to the core.
    if case.out_beats > 128:
        assert c.out_held > 0, "the core's output was never held"


async def reset_in_each_pass(tb: TB) -> None:
    """Reset while the core loads, exponentiates and writes out; then exact runs."""
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()
    core = tb.dut.softmax_core_inst
    for phase, code in CORE_STATES.items():
        case = tb.place(tb.case(tb.max_n, label=f"reset during {phase}"))
        await tb.ctrl.start(case.args())
        for _ in range(tb.timeout_cycles(case)):
            await RisingEdge(tb.dut.clk)
            if int(core.state_reg.value) == code:
                break
        assert int(core.state_reg.value) == code, f"the core never reached {phase}"
        await tb.cycles(int(tb.rng.integers(1, 30)))
        await tb.cycle_reset()
        await tb.cycles(4)
        assert core.idle.value, "core not idle after reset"
        ap = await tb.ctrl.read_reg("AP_CTRL")
        assert ap == tb.ctrl.bit("AP_CTRL", "IDLE"), f"AP_CTRL 0x{ap:x} after reset"
        tb.log.info("reset during %s: idle", phase)
        await tb.run_and_check(tb.random_case(int(tb.rng.integers(4))))
    await tb.run_and_check(tb.case(tb.max_n, label="after the resets"))


async def scoreboard_catches_corruption(tb: TB) -> None:
    """One flipped bit in one result, or a wrong model, fails the comparison (tests that can fail).

    Like ``elementwise_tb.scoreboard_catches_corruption`` on a fixed n = 257 (a wrong model can
    agree with the hardware on a vector of one or two elements); llama2.c's order is logged."""
    await tb.cycle_reset()
    case = tb.case(min(257, tb.max_n), label="corruption check")
    actual = [int(v) for v in await tb.run_and_check(case)]
    expected = [int(v) for v in case.expected]
    assert compare_streams(expected, actual) == []

    index = int(tb.rng.integers(case.extra["x"].size))
    corrupted = list(actual)
    corrupted[index] ^= 1 << int(tb.rng.integers(32))
    mismatches = compare_streams(expected, corrupted)
    assert [m.index for m in mismatches] == [index], f"flipped bit not caught: {mismatches}"
    tb.log.info("caught: %s", format_mismatches(mismatches))

    mismatches = compare_streams([int(v) for v in tb.wrong_expected(case)], actual)
    assert mismatches, "a wrong model (m = 0) was not caught"
    tb.log.info("wrong model (m = 0) caught: %d of %d values differ", len(mismatches), len(actual))
    differ = len(compare_streams([int(v) for v in llama2c_order(case.extra["x"], case.extra["beats"])], actual))
    tb.log.info("llama2.c's order (sequential sum, division): %d of %d values differ", differ, len(actual))


async def performance(tb: TB) -> None:
    """CYCLES for n = 257, 1024 and MAX_N at 40 cycles of memory latency, then under the
    honest DDR timing; the core's share logged (first beat in to last beat out)."""
    mem = tb.mems["gmem0"]
    mem.read_latency = mem.write_latency = 40
    await tb.cycle_reset()
    sizes = [n for n in (16, 257, 1024, tb.max_n) if n <= tb.max_n]
    results = {}
    for label in ("latency 40", "honest DDR"):
        if label == "honest DDR":
            mem.read_latency = HONEST_TIMING["read_latency"]
            mem.write_latency = HONEST_TIMING["write_latency"]
            mem.beat_rate = HONEST_TIMING["beat_rate"]
        for n in sorted(set(sizes)):
            case = tb.case(n, label=f"n = {n}")
            tb.core.clear()
            mem.r_monitor.clear()
            mem.w_monitor.clear()
            tb.place(case)
            status = await tb.run(case)
            tb.check_result(case, status)
            c = tb.core
            core_span = c.out_cycles[-1] - c.in_cycles[0] + 1
            beats = case.out_beats
            results[(label, n)] = status.cycles
            tb.log.info("performance (%s): n %d (%d beats): CYCLES %d; core %d cycles from first beat in to last "
                        "beat out (%.2f per beat); R %d beats in %d cycles; W %d beats in %d cycles", label, n, beats,
                        status.cycles, core_span, core_span / beats, mem.r_monitor.count, mem.r_monitor.span(),
                        mem.w_monitor.count, mem.w_monitor.span())
            # Regression bound: load B and out B at the memory's beat rate, the sum at
            # SUM_BEAT_CYCLES a beat, plus the XLS blocks a value passes in turn, and the other
            # latencies and drains.
            bound = int(ew.SUM_BEAT_CYCLES * beats + 2 * beats / mem.beat_rate) + 260 + ew.SOFTMAX_PIPE_LATENCY
            assert status.cycles <= bound, f"n {n}: {status.cycles} cycles > {bound}"
    tb.log.info("performance summary (CYCLES): %s", ", ".join(f"{k[0]} n {k[1]}: {v}" for k, v in results.items()))


# ---------------------------------------------------------------------- cocotb tests


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_directed(dut, memory_inserter: Generator = None) -> None:
    """Directed sizes, specials, in place, garbage past n; bit-exact."""
    await ew.directed(TB(dut), memory_inserter)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_random(dut, memory_inserter: Generator = None) -> None:
    """Constrained-random sizes and data (seeded)."""
    await ew.constrained_random(TB(dut), memory_inserter, count=8)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_back_to_back(dut) -> None:
    """Arguments of the next run written during a run; START right after DONE."""
    await ew.back_to_back(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_axi_errors(dut) -> None:
    """SLVERR on x and out: STATUS bit, done, next run clean."""
    await ew.axi_errors(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_config_error(dut) -> None:
    """Bad n or pointers: CONFIG_ERROR, no memory access."""
    await ew.config_errors(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_run(dut) -> None:
    """Reset while results are written, then exact runs."""
    await ew.reset_mid_run(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_in_each_pass(dut) -> None:
    """Reset during the core's load, exp and out passes, then exact runs."""
    await reset_in_each_pass(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_interrupt_and_polling(dut) -> None:
    """KERNEL_ID; interrupt, polling, interrupt."""
    await ew.interrupt_and_polling(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """A flipped bit and a wrong model are caught."""
    await scoreboard_catches_corruption(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_stalls_reach_the_core(dut) -> None:
    """Memory pauses starve the core's input and hold its output."""
    await stalls_reach_the_core(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_performance(dut) -> None:
    """CYCLES per run at 40 cycles of memory latency and under the honest DDR timing."""
    await performance(TB(dut))


# MAX_N 4096 is the RTL default too: the buffer's size costs no build time, and only vectors
# over 128 beats back up through axi_write_stream's buffer to the core's output. Other maxima
# (a build each): SOFTMAX_MAX_N=32,1024 pytest verif/tests/softmax.
MAX_NS = [int(v, 0) for v in os.environ.get("SOFTMAX_MAX_N", "4096").split(",")]
# The exp pass with the RTL's default lanes (the fewest whose pace, 16 / lanes cycles a beat,
# keeps up with the sum's SUM_BEAT_CYCLES: 2 lanes, a beat in eight parts gathered again) and
# with 16 (a beat per cycle into the sum's FIFO): the same values and order, a few cycles apart.
DEFAULT_EXP_LANES = 16 >> (ew.SUM_BEAT_CYCLES.bit_length() - 1)
EXP_LANES = [int(v, 0) for v in os.environ.get("SOFTMAX_EXP_LANES", f"{DEFAULT_EXP_LANES},16").split(",")]


@pytest.mark.parametrize("exp_lanes", EXP_LANES)
@pytest.mark.parametrize("max_n", MAX_NS)
def test_softmax(max_n: int, exp_lanes: int) -> None:
    """Build softmax with this maximum and exp pass and run every cocotb test above."""
    run_cocotb("softmax", __file__, {"MAX_N": max_n, "EXP_LANES": exp_lanes})
