"""cocotb tests for ``rtl/kernels/matmul.sv`` (Q8_0 matrix-vector kernel).

The host side is :class:`hlstransform.verif.regs.KernelControl` on ``s_axi_control``; both
masters are served by :class:`hlstransform.verif.ddr.DdrModel` (``m_axi_gmem0``: the weight
image; ``m_axi_gmem1``: x and the output). Every buffer is laid out by
:mod:`hlstransform.host.image`, the one definition of the model image.

Scoreboard: every output row (padded rows of the last block included) must equal, as a uint32
bit pattern, the hardware numerics model: per row, sequentially over groups,
``acc = scale_acc(acc, dot_group(w, x), ws, xs)`` from ``acc = +0.0``
(:mod:`hlstransform.model.numerics`). The golden model's error
(:func:`hlstransform.model.quant.q8_matvec` on the same q/s) is logged per case.

What is checked:

- directed shapes (1 row x 1 group for both group sizes, 16 rows, rows not a multiple of 16,
  a few hundred rows x 768 cols, cols = MAX_COLS, rows = MAX_ROWS) and seeded constrained-random
  shapes and data (realistic Q8_0 tensors, random int8 with scales over many binades, and
  special values: zero, subnormal, huge and NaN scales), each with memory pauses never / on
  3 cycles of 4 on every channel of both masters; the runs of a test follow each other
  without reset;
- back-to-back starts, the next run's arguments written while a run is in progress;
- output region exact and the bytes around it untouched (sentinels); every burst legal
  (INCR, full width, <= 64 beats, no 4 KiB crossing: DdrModel checks);
- SLVERR on the weight read, on the x read and on the output write: the STATUS bit is set,
  done arrives, the next run is clean and exact;
- CONFIG_ERROR (rows 0 or > MAX_ROWS, cols 0, > MAX_COLS or not a multiple of GS, GS 48,
  a misaligned pointer): STATUS.CONFIG_ERROR alone, done, no burst on either master,
  memory untouched; the next run is exact;
- reset in the middle of a run, then a clean run;
- result writes held back long enough to fill the output FIFO: the weight stream stops at a
  block start (output credit) and resumes, nothing lost;
- completion by interrupt (ISR.DONE, interrupt line) and by polling AP_CTRL.DONE;
- the scoreboard catches a corrupted output (one bit flipped in one value) and a model that
  skips one group (tests that can fail);
- throughput: 512 x 768, GS 64, no pauses, 40 cycles of read latency at full beat rate:
  weight beats taken per cycle >= 0.9 (16/17 = 0.94 groups per cycle expected), logged with
  groups/cycle; the figure under DESIGN.md's honest DDR timing (85 %) is logged too.

Run: ``make sim MODULE=matmul`` (default parameters, MAX_ROWS 32768 x MAX_COLS 8192), or
``pytest verif/tests/matmul`` (small maxima for speed; ``MATMUL_LONG=1`` adds the default
maxima and larger random shapes). Seed: ``COCOTB_RANDOM_SEED``.
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cocotb
import numpy as np
import pytest
import torch
from cocotb.triggers import RisingEdge

from hlstransform.host import image as im
from hlstransform.model import numerics as nm
from hlstransform.model.quant import QTensor, q8_matvec, quantize_activations, quantize_weights
from hlstransform.verif.ddr import HONEST_TIMING, PAGE_BYTES, DdrModel
from hlstransform.verif.regs import KernelControl, RunStatus
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import assert_streams_equal, compare_streams, format_mismatches
from hlstransform.verif.tb import HandshakeMonitor, TbBase, cycle_pause, param

Generator = Callable[[], Iterator[int]] | None

LONG = os.environ.get("MATMUL_LONG", "").strip() not in ("", "0")
TIMEOUT_US = 20_000 if LONG else 4_000
MEMORY_PAUSES = (None, cycle_pause)
"""Memory pause options crossed by the data tests: never, 3 cycles of 4 on every channel."""

MAX_BURST_BEATS = 64
SENTINEL = 0xA5
GUARD = 256  # sentinel bytes on each side of the output region
W_BASE = 0x1000_0000  # gmem0: weight images
X_BASE = 0x2000_0000  # gmem1: x vectors
OUT_BASE = 0x3000_0000  # gmem1: outputs


@dataclass
class Case:
    """One matmul run: shapes, data and where it lives.

    Attributes:
        rows, cols, gs: Shape and group size.
        w: Weight tensor (int8 q [rows, cols], fp32 s [rows, cols / gs]).
        x: Input vector (int8 q [cols], fp32 s [cols / gs]).
        label: For the log.
        w_addr, x_addr, out_addr: Byte addresses (set by :meth:`TB.place`).
    """

    rows: int
    cols: int
    gs: int
    w: QTensor
    x: QTensor
    label: str = ""
    w_addr: int = 0
    x_addr: int = 0
    out_addr: int = 0

    @property
    def layout(self) -> im.MatrixLayout:
        return im.MatrixLayout(self.rows, self.cols, self.gs)

    def args(self) -> dict[str, int]:
        return {"w": self.w_addr, "x": self.x_addr, "out": self.out_addr, "rows": self.rows, "cols": self.cols,
                "group_size": self.gs}

    def __str__(self) -> str:
        return f"{self.rows}x{self.cols} GS {self.gs}{' ' + self.label if self.label else ''}"


# ------------------------------------------------------------------------------ reference


def model_bits(case: Case, skip_group: int | None = None) -> list[int]:
    """The numerics model's result for every output row, padded rows included, as uint32 patterns.

    Args:
        case: The run.
        skip_group: Leave this group out (a deliberately wrong model, for the can-fail check).
    """
    lay = case.layout
    q = np.zeros((lay.padded_rows, case.cols), np.int8)
    s = np.zeros((lay.padded_rows, lay.groups), np.float32)
    q[: case.rows] = case.w.q.numpy()
    s[: case.rows] = case.w.s.numpy()
    xq, xs = case.x.q.numpy(), case.x.s.numpy()
    ival = nm.dot_group(q.reshape(lay.padded_rows, lay.groups, case.gs), xq.reshape(lay.groups, case.gs))
    acc = np.zeros(lay.padded_rows, np.float32)
    for g in range(lay.groups):
        if g != skip_group:
            acc = nm.scale_acc(acc, ival[:, g], s[:, g], xs[g])
    return [int(b) for b in nm.as_bits(acc)]


def golden_error(case: Case, actual_bits: list[int]) -> float:
    """Max |RTL - golden| over the finite rows (golden: llama2.c runq matmul, quant.q8_matvec)."""
    golden = q8_matvec(case.w, case.x).numpy()
    rtl = nm.from_bits(np.array(actual_bits[: case.rows], np.uint32))
    ok = np.isfinite(golden) & np.isfinite(rtl)
    return float(np.max(np.abs(rtl[ok] - golden[ok]), initial=0.0))


# ------------------------------------------------------------------------------ stimulus


def make_case(rows: int, cols: int, gs: int, rng: np.random.Generator, kind: str = "q8", label: str = "") -> Case:
    """A case with data of one *kind*.

    ``q8``: weights and x quantized from Gaussian values (what a model holds);
    ``random``: uniform int8 and scales of both signs over 2**-20 .. 2**8;
    ``special``: random, plus zero, subnormal, huge and NaN scales and all-extreme groups.
    """
    groups = cols // gs
    if kind == "q8":
        w = quantize_weights(torch.from_numpy(rng.standard_normal((rows, cols)).astype(np.float32) * 0.05), gs)
        x = quantize_activations(torch.from_numpy(rng.standard_normal(cols).astype(np.float32) * 2.0), gs)
        return Case(rows, cols, gs, w, x, label or kind)

    def scales(shape: tuple[int, ...]) -> np.ndarray:
        mant = rng.uniform(1.0, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        return (mant * np.exp2(rng.integers(-20, 9, shape))).astype(np.float32)

    wq = rng.integers(-127, 128, (rows, cols), dtype=np.int8)
    ws = scales((rows, groups))
    xq = rng.integers(-127, 128, cols, dtype=np.int8)
    xs = scales((groups,))
    if kind == "special":
        flat = ws.reshape(-1)
        picks = rng.choice(flat.size, size=min(flat.size, 4 * 5), replace=False).reshape(-1, 5)
        flat[picks[:, 0]] = 0.0
        flat[picks[:, 1]] = np.float32(1e-40)      # subnormal: read as zero
        flat[picks[:, 2]] = np.float32(3e38)       # products overflow to inf
        flat[picks[:, 3]] = np.float32(-1.5e-38)   # products underflow (flushed)
        flat[picks[:, 4]] = np.float32(np.nan)
        wq[0, :gs] = -127
        xq[:gs] = 127
        xs[rng.integers(groups)] = np.float32(-0.0)
    return Case(rows, cols, gs, QTensor(torch.from_numpy(wq), torch.from_numpy(ws)),
                QTensor(torch.from_numpy(xq), torch.from_numpy(xs)), label or kind)


# ------------------------------------------------------------------------------ testbench


class TB(TbBase):
    """matmul with a DdrModel on each master and KernelControl on s_axi_control."""

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.check_param("AXI_DATA_WIDTH", len(dut.m_axi_gmem0_rdata))
        self.max_rows = param("MAX_ROWS", 32768)
        self.max_cols = param("MAX_COLS", 8192)
        self.log.info("TB: MAX_ROWS %d, MAX_COLS %d", self.max_rows, self.max_cols)
        self.wmem = DdrModel.from_prefix(dut, "m_axi_gmem0", dut.clk, dut.rst, max_burst_beats=MAX_BURST_BEATS,
                                         name="gmem0")
        self.mem = DdrModel.from_prefix(dut, "m_axi_gmem1", dut.clk, dut.rst, max_burst_beats=MAX_BURST_BEATS,
                                        name="gmem1")
        self.ctrl = KernelControl.from_dut(dut, kernel="matmul")
        for half in (self.ctrl.master.write_if, self.ctrl.master.read_if):
            half.log.setLevel("WARNING")  # no line per register access
        eng = dut.matmul_engine_inst
        self.w_monitor = HandshakeMonitor(dut.clk, eng.s_axis_w_tvalid, eng.s_axis_w_tready, [eng.s_axis_w_tdata],
                                          "engine.w", dut.rst)
        self._cursor = {"w": W_BASE, "x": X_BASE, "out": OUT_BASE}

    def set_memory_pauses(self, generator: Generator = None) -> None:
        """Pause every channel of both memories with its own *generator()* pattern (None: never)."""
        self.wmem.set_pauses(generator)
        self.mem.set_pauses(generator)

    def _alloc(self, region: str, nbytes: int) -> int:
        """A fresh address for *nbytes* in *region*: a page plus a random beat offset, so bursts split at 4 KiB."""
        addr = im.align_up(self._cursor[region], PAGE_BYTES) + random.randrange(PAGE_BYTES // im.BEAT_BYTES) * im.BEAT_BYTES
        self._cursor[region] = addr + nbytes + GUARD + PAGE_BYTES
        return addr

    def place(self, case: Case) -> Case:
        """Write the case's weights and x to memory and fill its output region and guards with sentinels."""
        w_image = im.pack_matrix(case.w, case.gs)
        x_image = im.pack_vector(case.x.q, case.x.s)
        case.w_addr = self._alloc("w", len(w_image))
        case.x_addr = self._alloc("x", len(x_image))
        case.out_addr = self._alloc("out", case.layout.output_nbytes)
        self.wmem.write(case.w_addr, w_image)
        self.mem.write(case.x_addr, x_image)
        self.mem.write(case.out_addr - GUARD, bytes([SENTINEL]) * (case.layout.output_nbytes + 2 * GUARD))
        return case

    def timeout_cycles(self, case: Case) -> int:
        """Generous: 5 cycles per weight beat (pauses on 3 of 4 cycles) plus latency."""
        return 5 * (case.layout.beats + 2 * im.VectorLayout(case.cols, case.gs).beats) + 5000

    async def run(self, case: Case, irq: bool = False) -> RunStatus:
        """Run *case* (placed) to completion by polling AP_CTRL.DONE, or by interrupt."""
        if irq:
            await self.ctrl.enable_interrupts(done=True)
            await self.ctrl.start(case.args())
            await self.ctrl.wait_interrupt(self.timeout_cycles(case))
            assert await self.ctrl.clear_interrupts() == self.ctrl.bit("ISR", "DONE"), "ISR.DONE not set"
            await RisingEdge(self.dut.clk)
            await RisingEdge(self.dut.clk)
            assert not self.dut.interrupt.value, "interrupt still high after clearing ISR"
            ap = await self.ctrl.read_reg("AP_CTRL")
            assert ap & self.ctrl.bit("AP_CTRL", "DONE"), f"AP_CTRL.DONE not set at the interrupt (0x{ap:x})"
            await self.ctrl.disable_interrupts()
            return await self.ctrl.read_status()
        return await self.ctrl.run(case.args(), self.timeout_cycles(case), poll_cycles=16)

    def read_output(self, case: Case) -> list[int]:
        """The output region as uint32 patterns, one per padded row."""
        data = self.mem.read(case.out_addr, case.layout.output_nbytes)
        return [int(v) for v in np.frombuffer(data, "<u4")]

    def check_guards(self, case: Case) -> None:
        """The sentinel bytes around the output region are untouched."""
        n = case.layout.output_nbytes
        before = self.mem.read(case.out_addr - GUARD, GUARD)
        after = self.mem.read(case.out_addr + n, GUARD)
        assert before == bytes([SENTINEL]) * GUARD, f"{case}: bytes before the output region overwritten"
        assert after == bytes([SENTINEL]) * GUARD, f"{case}: bytes after the output region overwritten"

    def check_result(self, case: Case, status: RunStatus) -> list[int]:
        """Status clean, output bit-exact with the model (padded rows too), guards intact; log the golden error."""
        assert status.ok, f"{case}: STATUS {status}"
        actual = self.read_output(case)
        expected = model_bits(case)
        assert_streams_equal(expected, actual, f"{case}: output rows (uint32)")
        self.check_guards(case)
        self.check_protocol()
        lay = case.layout
        self.log.info("%s: exact (%d rows, %d padded), %d weight beats, %d cycles; golden max abs error %.3g",
                      case, case.rows, lay.padded_rows - case.rows, lay.beats, status.cycles,
                      golden_error(case, actual))
        return actual

    async def run_and_check(self, case: Case, irq: bool = False) -> list[int]:
        """Place, run and check one case."""
        self.place(case)
        status = await self.run(case, irq)
        return self.check_result(case, status)

    def check_protocol(self) -> None:
        """No burst rule or handshake violation on either master; no engine stream violation."""
        self.wmem.check()
        self.mem.check()
        assert not self.w_monitor.violations, self.w_monitor.violations


def directed_shapes(tb: TB) -> list[tuple[int, int, int]]:
    """(rows, cols, gs) of the directed cases."""
    return [
        (1, 32, 32), (1, 64, 64),                  # smallest: one row, one group
        (16, 64, 64), (16, 64, 32),                # one full block
        (21, 96, 32), (37, 192, 64), (17, 128, 32),  # rows not a multiple of 16
        (300, 768, 64), (300, 768, 32),            # a few hundred rows x 768
        (3, tb.max_cols, 32), (5, tb.max_cols, 64),  # cols = MAX_COLS
        (min(tb.max_rows, 2048), 64, 64),          # rows = MAX_ROWS (capped for time)
    ]


# ------------------------------------------------------------------------------ tests


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_directed(dut, memory_inserter: Generator = None) -> None:
    """Directed shapes, back to back without reset, bit-exact."""
    tb = TB(dut)
    tb.set_memory_pauses(memory_inserter)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    for rows, cols, gs in directed_shapes(tb):
        if memory_inserter is not None and rows * cols > 300 * 768:
            continue  # the paused run keeps the large shapes out for time; the unpaused run has them
        await tb.run_and_check(make_case(rows, cols, gs, rng, "q8"))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_random(dut, memory_inserter: Generator = None) -> None:
    """Constrained-random shapes and data (seeded, logged), including special values."""
    tb = TB(dut)
    tb.set_memory_pauses(memory_inserter)
    await tb.cycle_reset()
    seed = random.getrandbits(32)
    rng = np.random.default_rng(seed)
    count, max_rows, max_groups = (12, 1024, 64) if LONG else (6, 120, 12)
    tb.log.info("random cases: numpy seed %d", seed)
    for i in range(count):
        gs = int(rng.choice([32, 64]))
        rows = int(rng.integers(1, min(tb.max_rows, max_rows) + 1))
        cols = gs * int(rng.integers(1, min(tb.max_cols // gs, max_groups) + 1))
        kind = ("q8", "random", "special")[i % 3]
        await tb.run_and_check(make_case(rows, cols, gs, rng, kind))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_back_to_back(dut) -> None:
    """The next run's arguments are written while a run is in progress; START follows DONE at once."""
    tb = TB(dut)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    cases = [tb.place(make_case(r, c, g, rng, "random")) for r, c, g in ((40, 256, 64), (7, 96, 32), (33, 128, 32))]
    await tb.ctrl.start(cases[0].args())
    for i, case in enumerate(cases):
        if i + 1 < len(cases):
            await tb.ctrl.write_args(cases[i + 1].args())  # during run i: kernel_control holds run i's snapshot
        await tb.ctrl.wait_done(tb.timeout_cycles(case))
        status = await tb.ctrl.read_status()
        if i + 1 < len(cases):
            await tb.ctrl.start()
        tb.check_result(case, status)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_axi_errors(dut) -> None:
    """SLVERR on the weight read, the x read and the output write: STATUS bit, done, then a clean run."""
    tb = TB(dut)
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    for where, bit in (("w", "AXI_READ_ERROR"), ("x", "AXI_READ_ERROR"), ("out", "AXI_WRITE_ERROR")):
        case = tb.place(make_case(50, 256, 32, rng, "q8", label=f"SLVERR on {where}"))
        if where == "w":
            tb.wmem.add_error_range(case.w_addr + 20 * im.BEAT_BYTES, im.BEAT_BYTES)
        elif where == "x":
            tb.mem.add_error_range(case.x_addr + im.BEAT_BYTES, im.BEAT_BYTES)
        else:
            tb.mem.add_error_range(case.out_addr + im.BEAT_BYTES, im.BEAT_BYTES)
        status = await tb.run(case)
        assert status.errors == (bit,), f"{case}: STATUS {status}, expected only {bit}"
        tb.check_guards(case)
        tb.wmem.clear_errors()
        tb.mem.clear_errors()
        tb.log.info("%s: STATUS %s, done arrived after %d cycles", case, status.errors, status.cycles)
        await tb.run_and_check(make_case(24, 128, 64, rng, "q8", label=f"after SLVERR on {where}"))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_config_error(dut) -> None:
    """Out-of-range arguments: CONFIG_ERROR alone, done, no memory access at all; then a clean run."""
    tb = TB(dut)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    good = tb.place(make_case(20, 128, 64, rng, "q8"))
    bad_args = [
        {"rows": 0}, {"rows": tb.max_rows + 1}, {"cols": 0}, {"cols": 96},  # 96: not a multiple of 64
        {"cols": tb.max_cols + 64}, {"group_size": 48}, {"group_size": 0}, {"group_size": 16},
        {"out": good.out_addr + 4}, {"w": good.w_addr + 32}, {"x": good.x_addr + 1},
    ]
    for change in bad_args:
        bursts = (len(tb.wmem.bursts), len(tb.mem.bursts))
        status = await tb.ctrl.run({**good.args(), **change}, 2000, poll_cycles=4)
        assert status.errors == ("CONFIG_ERROR",), f"{change}: STATUS {status}"
        assert (len(tb.wmem.bursts), len(tb.mem.bursts)) == bursts, f"{change}: memory was accessed"
        assert status.cycles < 20, f"{change}: took {status.cycles} cycles"
        out = tb.mem.read(good.out_addr - GUARD, good.layout.output_nbytes + 2 * GUARD)
        assert out == bytes([SENTINEL]) * len(out), f"{change}: output region written"
        tb.log.info("%s: CONFIG_ERROR after %d cycles, no memory access", change, status.cycles)
    tb.check_result(good, await tb.run(good))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_run(dut) -> None:
    """Reset while weights stream and results are written; the next run is exact."""
    tb = TB(dut)
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    case = tb.place(make_case(200, 512, 64, rng, "q8"))
    await tb.ctrl.start(case.args())
    for _ in range(tb.timeout_cycles(case)):
        await RisingEdge(dut.clk)
        if tb.mem.stats.write_beats >= 2:
            break
    assert tb.mem.stats.write_beats >= 2, "no output written before the reset"
    assert not (await tb.ctrl.read_reg("AP_CTRL")) & tb.ctrl.bit("AP_CTRL", "IDLE"), "run ended before the reset"
    await tb.cycle_reset()
    await tb.cycles(4)
    ap = await tb.ctrl.read_reg("AP_CTRL")
    assert ap == tb.ctrl.bit("AP_CTRL", "IDLE"), f"AP_CTRL 0x{ap:x} after reset"
    assert not dut.m_axi_gmem0_arvalid.value and not dut.m_axi_gmem1_awvalid.value, "bursts after reset"
    await tb.run_and_check(make_case(45, 320, 32, rng, "q8", label="after reset"))
    await tb.run_and_check(make_case(200, 512, 64, rng, "q8", label="after reset"))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_interrupt_and_polling(dut) -> None:
    """Completion by interrupt, then by polling, then by interrupt again."""
    tb = TB(dut)
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()
    assert await tb.ctrl.read_kernel_id() == tb.ctrl.rm.kernel("matmul").id
    rng = np.random.default_rng(random.getrandbits(32))
    await tb.run_and_check(make_case(33, 192, 32, rng, "q8", label="interrupt"), irq=True)
    await tb.run_and_check(make_case(18, 128, 64, rng, "q8", label="polling"), irq=False)
    await tb.run_and_check(make_case(5, 64, 64, rng, "q8", label="interrupt"), irq=True)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """One flipped bit in one output value, or a model that skips a group, fails the comparison."""
    tb = TB(dut)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    case = make_case(40, 256, 32, rng, "q8")
    actual = await tb.run_and_check(case)
    expected = model_bits(case)
    assert compare_streams(expected, actual) == []

    row = random.randrange(case.rows)
    corrupted = list(actual)
    corrupted[row] ^= 1 << random.randrange(32)
    mismatches = compare_streams(expected, corrupted)
    assert [m.index for m in mismatches] == [row], f"flipped bit not caught: {mismatches}"
    tb.log.info("caught: %s", format_mismatches(mismatches))

    skipped = model_bits(case, skip_group=random.randrange(case.layout.groups))
    mismatches = compare_streams(skipped, actual)
    assert len(mismatches) >= case.rows // 2, f"a model skipping a group was not caught: {len(mismatches)} rows"
    with pytest.raises(AssertionError, match="mismatches"):
        assert_streams_equal(skipped, actual, "skipped group")


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_output_backpressure(dut) -> None:
    """Result writes held back (AW paused 3000 cycles): the output FIFO fills, the engine stops taking
    weight beats at a block start (credit 0) instead of losing results, then resumes; exact."""
    tb = TB(dut)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    eng = dut.matmul_engine_inst
    stalls = 0

    async def watch() -> None:
        nonlocal stalls
        while True:
            await RisingEdge(dut.clk)
            if eng.s_axis_w_tvalid.value and eng.w_enable.value and not eng.s_axis_w_tready.value:
                stalls += 1

    watcher = cocotb.start_soon(watch())
    # Many short blocks (GS 32, one group: 9 beats each) outrun the held write channel.
    rows = min(tb.max_rows, 4096)
    tb.mem.set_pause_generator(aw=itertools.chain(itertools.repeat(1, 3000), itertools.repeat(0)))
    await tb.run_and_check(make_case(rows, 32, 32, rng, "q8", label="AW held 3000 cycles"))
    watcher.cancel()
    tb.log.info("weight stream held back by the output credit on %d cycles", stalls)
    if rows >= 2048:
        assert stalls > 0, "the output FIFO never filled: the credit stall was not exercised"


async def measure(tb: TB, case: Case, what: str) -> float:
    """Run *case*; return and log weight beats per cycle while the weights stream."""
    tb.w_monitor.clear()
    tb.place(case)
    status = await tb.run(case)
    tb.check_result(case, status)
    lay = case.layout
    span = tb.w_monitor.span()
    assert tb.w_monitor.count == lay.beats, f"{tb.w_monitor.count} weight beats, expected {lay.beats}"
    beats_rate = lay.beats / span
    groups = lay.padded_rows * lay.groups
    tb.log.info("throughput (%s): %s: %d weight beats in %d cycles = %.4f beats/cycle = %.4f groups/cycle "
                "(ideal %.4f); whole run %d cycles (CYCLES) = %.4f groups/cycle",
                what, case, lay.beats, span, beats_rate, groups / span, im.ROW_BLOCK / lay.beats_per_group,
                status.cycles, groups / status.cycles)
    return beats_rate


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_throughput(dut) -> None:
    """512 x 768 GS 64, no pauses, 40 cycles read latency, full beat rate: >= 0.9 weight beats per cycle."""
    tb = TB(dut)
    for ddr in (tb.wmem, tb.mem):
        ddr.read_latency = 40
        ddr.write_latency = 40
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    rows = min(512, tb.max_rows)
    rate = await measure(tb, make_case(rows, 768, 64, rng, "q8"), "read latency 40, full rate, no pauses")
    assert rate >= 0.9, f"{rate:.4f} weight beats/cycle < 0.9"
    gs32 = await measure(tb, make_case(rows, 768, 32, rng, "q8"), "read latency 40, full rate, no pauses")
    assert gs32 >= 0.9, f"GS 32: {gs32:.4f} weight beats/cycle < 0.9"

    for ddr in (tb.wmem, tb.mem):
        ddr.read_latency = HONEST_TIMING["read_latency"]
        ddr.write_latency = HONEST_TIMING["write_latency"]
        ddr.beat_rate = HONEST_TIMING["beat_rate"]
    honest = await measure(tb, make_case(rows, 768, 64, rng, "q8"), "honest DDR: latency 40, 85 % beat rate")
    assert honest >= 0.95 * HONEST_TIMING["beat_rate"], f"{honest:.4f} beats/cycle against an 85 % channel"


# (MAX_ROWS, MAX_COLS): a small MAX_COLS keeps the max-cols cases fast (MAX_ROWS costs nothing but
# counter bits; 4096 lets the output FIFO fill); MATMUL_LONG=1 adds the RTL defaults.
PARAMETER_SETS = [(4096, 1024)] + ([(32768, 8192)] if LONG else [])


@pytest.mark.parametrize(("max_rows", "max_cols"), PARAMETER_SETS)
def test_matmul(max_rows: int, max_cols: int) -> None:
    """Build matmul with these maxima and run every cocotb test above."""
    run_cocotb("matmul", __file__, {"MAX_ROWS": max_rows, "MAX_COLS": max_cols})
