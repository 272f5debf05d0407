"""cocotb tests for ``rtl/kernels/quantize.sv`` (Q8_0 activation quantization kernel).

The host side is :class:`hlstransform.verif.regs.KernelControl` on ``s_axi_control``; the one
master ``m_axi_gmem0`` (x reads, output writes) is served by
:class:`hlstransform.verif.ddr.DdrModel`. The expected output buffer is
:func:`hlstransform.host.image.pack_vector` (the matmul input-vector layout) of the hardware
numerics model :func:`hlstransform.model.numerics.quantize_group`.

Scoreboard: the int8 values (as bytes), the scales (as uint32 bit patterns) and the zero
padding of both regions must equal the model exactly. The golden model's difference
(:func:`hlstransform.model.quant.quantize_activations`, llama2.c's IEEE division per lane) is
logged per case as a count of differing q values and scales.

What is checked:

- directed shapes (one group of 32 and of 64, 3 groups of 32 (values not a whole beat, odd
  group count), 17 groups of 32 (scales spill into a second beat), n = MAX_N for both group
  sizes) and seeded constrained-random shapes and data, each with memory pauses never / on
  3 cycles of 4 on every channel; runs follow each other without reset;
- data: Gaussian groups over many binades, plus special groups: all zero, a single non-zero,
  exact ties (x / scale = k + 0.5, rounded away from zero), huge (up to 3.4e38) and tiny
  (down to 1e-37, subnormals) magnitudes;
- back-to-back starts, the next run's arguments written while a run is in progress;
- output region exact and the bytes around it untouched (sentinels); every burst legal;
- SLVERR on the x read and on the output write: STATUS bit, done, then a clean exact run;
- CONFIG_ERROR (n 0, > MAX_N, not a multiple of GS; GS 0, 16, 48, 128; misaligned pointers):
  STATUS.CONFIG_ERROR alone, done, no burst, memory untouched; then a clean run;
- reset in the middle of a run, then clean runs;
- the scoreboard catches one corrupted value byte and one corrupted scale bit;
- throughput: n = MAX_N, no pauses, 40 cycles of read latency: x beats per cycle logged and
  >= 0.9 for both group sizes.

Run: ``make sim MODULE=quantize`` (RTL default MAX_N 8192) or ``pytest verif/tests/quantize``
(MAX_N 1024 for speed). Seed: ``COCOTB_RANDOM_SEED``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import cocotb
import numpy as np
import pytest
import torch
from cocotb.triggers import RisingEdge

from hlstransform.host import image as im
from hlstransform.model import numerics as nm
from hlstransform.model.quant import quantize_activations
from hlstransform.verif.ddr import PAGE_BYTES, DdrModel
from hlstransform.verif.regs import KernelControl, RunStatus
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import assert_streams_equal, compare_streams, format_mismatches
from hlstransform.verif.tb import HandshakeMonitor, TbBase, cycle_pause, param

Generator = Callable[[], Iterator[int]] | None

TIMEOUT_US = 4_000
MEMORY_PAUSES = (None, cycle_pause)
"""Memory pause options crossed by the data tests: never, 3 cycles of 4 on every channel."""

MAX_BURST_BEATS = 64
SENTINEL = 0xA5
GUARD = 256  # sentinel bytes on each side of the output region
X_BASE = 0x1000_0000
OUT_BASE = 0x2000_0000


@dataclass
class Case:
    """One quantize run.

    Attributes:
        x: The n fp32 inputs.
        gs: Group size.
        label: For the log.
        x_addr, out_addr: Byte addresses (set by :meth:`TB.place`).
    """

    x: np.ndarray
    gs: int
    label: str = ""
    x_addr: int = 0
    out_addr: int = 0
    _model: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return int(self.x.size)

    @property
    def layout(self) -> im.VectorLayout:
        return im.VectorLayout(self.n, self.gs)

    def args(self) -> dict[str, int]:
        return {"x": self.x_addr, "out": self.out_addr, "n": self.n, "group_size": self.gs}

    def model(self) -> tuple[np.ndarray, np.ndarray]:
        """(q int8 [n], scale fp32 [n / gs]) of the numerics model."""
        if self._model is None:
            q, s = nm.quantize_group(self.x.reshape(-1, self.gs))
            self._model = (q.reshape(-1), s.reshape(-1))
        return self._model

    def __str__(self) -> str:
        return f"n {self.n} GS {self.gs}{' ' + self.label if self.label else ''}"


# ------------------------------------------------------------------------------ reference


def expected_image(case: Case) -> bytes:
    """The output buffer the kernel must write: pack_vector of the numerics model."""
    q, s = case.model()
    return im.pack_vector(q, s)


def split_image(case: Case, image: bytes) -> tuple[list[int], list[int], bytes]:
    """(value bytes as int8, scales as uint32 patterns, padding bytes) of an output buffer."""
    lay = case.layout
    raw = np.frombuffer(image, np.uint8)
    values = [int(v) for v in raw[: case.n].view(np.int8)]
    scale_end = lay.scale_offset + 4 * lay.groups
    scales = [int(v) for v in raw[lay.scale_offset : scale_end].view("<u4")]
    padding = bytes(raw[case.n : lay.scale_offset]) + bytes(raw[scale_end:])
    return values, scales, padding


def golden_differences(case: Case, values: list[int], scales: list[int]) -> tuple[int, int]:
    """(q values, scales) where the RTL differs from llama2.c's rule (quant.quantize_activations).

    Only groups the golden rule defines are counted (finite inputs).
    """
    golden = quantize_activations(torch.from_numpy(case.x.copy()), case.gs)
    gq = golden.q.numpy().reshape(-1, case.gs)
    gs = nm.as_bits(golden.s.numpy().astype(np.float32))
    finite = np.all(np.isfinite(case.x.reshape(-1, case.gs)), axis=1)
    rq = np.array(values, np.int8).reshape(-1, case.gs)
    rs = np.array(scales, np.uint32)
    return int(np.sum((gq != rq)[finite])), int(np.sum((gs != rs)[finite]))


# ------------------------------------------------------------------------------ stimulus


def group_data(gs: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    """One group of *gs* fp32 values of one *kind*.

    ``gauss``: Gaussian times 2**e, e in -20..20; ``zero``: all zero (signs mixed);
    ``single``: one non-zero value; ``tie``: x / scale = k + 0.5 exactly (amax = 127 * 2**e, so
    scale = 2**e and its reciprocal are exact); ``huge``: up to 3.4e38; ``tiny``: 1e-37 and
    subnormals (read as zero).
    """
    e = int(rng.integers(-20, 21))
    if kind == "gauss":
        return (rng.standard_normal(gs) * 2.0**e).astype(np.float32)
    if kind == "zero":
        return np.where(rng.random(gs) < 0.5, np.float32(0.0), np.float32(-0.0)).astype(np.float32)
    if kind == "single":
        x = np.zeros(gs, np.float32)
        x[rng.integers(gs)] = np.float32(rng.choice([-1, 1]) * rng.uniform(1, 2) * 2.0**e)
        return x
    if kind == "tie":
        k = rng.integers(-127, 127, gs).astype(np.float64) + 0.5  # -126.5 .. 126.5
        x = (k * 2.0**e).astype(np.float32)
        x[rng.integers(gs)] = np.float32(rng.choice([-127.0, 127.0]) * 2.0**e)
        return x
    if kind == "huge":
        return (rng.uniform(-1, 1, gs) * 3.4e38).astype(np.float32)
    if kind == "tiny":
        x = (rng.uniform(-1, 1, gs) * 1e-37).astype(np.float32)
        x[: gs // 2] = (rng.uniform(-1, 1, gs // 2) * 1e-40).astype(np.float32)  # subnormal
        return x
    raise ValueError(kind)


SPECIAL_KINDS = ("zero", "single", "tie", "huge", "tiny")


def make_case(n: int, gs: int, rng: np.random.Generator, special: bool = False, label: str = "") -> Case:
    """A case of *n* values; with *special*, every special group kind appears (when n allows)."""
    groups = n // gs
    kinds = ["gauss"] * groups
    if special:
        for i, kind in enumerate(SPECIAL_KINDS):
            if i < groups:
                kinds[i] = kind
        rng.shuffle(kinds)
    x = np.concatenate([group_data(gs, kind, rng) for kind in kinds]).astype(np.float32)
    return Case(x, gs, label or ("special" if special else "gauss"))


# ------------------------------------------------------------------------------ testbench


class TB(TbBase):
    """quantize with a DdrModel on m_axi_gmem0 and KernelControl on s_axi_control."""

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.check_param("AXI_DATA_WIDTH", len(dut.m_axi_gmem0_rdata))
        self.max_n = param("MAX_N", 8192)
        self.log.info("TB: MAX_N %d", self.max_n)
        self.mem = DdrModel.from_prefix(dut, "m_axi_gmem0", dut.clk, dut.rst, max_burst_beats=MAX_BURST_BEATS,
                                        name="gmem0")
        self.ctrl = KernelControl.from_dut(dut, kernel="quantize")
        for half in (self.ctrl.master.write_if, self.ctrl.master.read_if):
            half.log.setLevel("WARNING")  # no line per register access
        self.x_monitor = HandshakeMonitor(dut.clk, dut.x_tvalid, dut.x_tready, [dut.x_tdata], "x", dut.rst)
        self._cursor = {"x": X_BASE, "out": OUT_BASE}

    def set_memory_pauses(self, generator: Generator = None) -> None:
        """Pause every channel with its own *generator()* pattern (None: never)."""
        self.mem.set_pauses(generator)

    def _alloc(self, region: str, nbytes: int) -> int:
        """A fresh address: a page plus a random beat offset, so bursts split at 4 KiB."""
        addr = im.align_up(self._cursor[region], PAGE_BYTES) + random.randrange(PAGE_BYTES // im.BEAT_BYTES) * im.BEAT_BYTES
        self._cursor[region] = addr + nbytes + GUARD + PAGE_BYTES
        return addr

    def place(self, case: Case) -> Case:
        """Write x to memory; fill the output region and its guards with sentinels."""
        case.x_addr = self._alloc("x", 4 * case.n)
        case.out_addr = self._alloc("out", case.layout.nbytes)
        self.mem.write(case.x_addr, case.x.astype("<f4").tobytes())
        self.mem.write(case.out_addr - GUARD, bytes([SENTINEL]) * (case.layout.nbytes + 2 * GUARD))
        return case

    def timeout_cycles(self, case: Case) -> int:
        """Generous: 5 cycles per beat (pauses on 3 of 4 cycles) plus latency."""
        return 5 * (case.n // 16 + case.layout.beats) + 5000

    async def run(self, case: Case) -> RunStatus:
        """Run *case* (placed) to completion by polling AP_CTRL.DONE."""
        return await self.ctrl.run(case.args(), self.timeout_cycles(case), poll_cycles=16)

    def read_output(self, case: Case) -> bytes:
        return self.mem.read(case.out_addr, case.layout.nbytes)

    def check_guards(self, case: Case) -> None:
        """The sentinel bytes around the output region are untouched."""
        n = case.layout.nbytes
        assert self.mem.read(case.out_addr - GUARD, GUARD) == bytes([SENTINEL]) * GUARD, \
            f"{case}: bytes before the output region overwritten"
        assert self.mem.read(case.out_addr + n, GUARD) == bytes([SENTINEL]) * GUARD, \
            f"{case}: bytes after the output region overwritten"

    def check_image(self, case: Case, image: bytes) -> tuple[list[int], list[int]]:
        """Values, scales and padding bit-exact with the model; returns (values, scales)."""
        q, s = case.model()
        values, scales, padding = split_image(case, image)
        assert_streams_equal([int(v) for v in q], values, f"{case}: int8 values")
        assert_streams_equal([int(v) for v in nm.as_bits(s)], scales, f"{case}: scales (uint32)")
        assert padding == bytes(len(padding)), f"{case}: padding not zero"
        assert image == expected_image(case), f"{case}: image differs from pack_vector"
        return values, scales

    def check_result(self, case: Case, status: RunStatus) -> bytes:
        """Status clean, output bit-exact, guards intact, protocol clean; log the golden difference."""
        assert status.ok, f"{case}: STATUS {status}"
        image = self.read_output(case)
        values, scales = self.check_image(case, image)
        self.check_guards(case)
        self.mem.check()
        assert not self.x_monitor.violations, self.x_monitor.violations
        dq, ds = golden_differences(case, values, scales)
        self.log.info("%s: exact (%d groups, %d beats out), %d cycles; vs golden (llama2.c division): "
                      "%d q differ, %d scales differ", case, case.layout.groups, case.layout.beats,
                      status.cycles, dq, ds)
        return image

    async def run_and_check(self, case: Case) -> bytes:
        self.place(case)
        return self.check_result(case, await self.run(case))


def directed_shapes(tb: TB) -> list[tuple[int, int]]:
    """(n, gs) of the directed cases."""
    return [
        (32, 32), (64, 64),          # one group
        (96, 32),                    # 3 groups: values not a whole beat, odd group count
        (544, 32), (1088, 64),       # 17 groups: scales spill into a second beat
        (tb.max_n, 32), (tb.max_n, 64),  # n = MAX_N
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
    for n, gs in directed_shapes(tb):
        if n <= tb.max_n:
            await tb.run_and_check(make_case(n, gs, rng, special=n >= 5 * gs))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_random(dut, memory_inserter: Generator = None) -> None:
    """Constrained-random shapes and data (seeded, logged), special groups included."""
    tb = TB(dut)
    tb.set_memory_pauses(memory_inserter)
    await tb.cycle_reset()
    seed = random.getrandbits(32)
    rng = np.random.default_rng(seed)
    tb.log.info("random cases: numpy seed %d", seed)
    for i in range(8):
        gs = int(rng.choice([32, 64]))
        n = gs * int(rng.integers(1, tb.max_n // gs + 1))
        await tb.run_and_check(make_case(n, gs, rng, special=i % 2 == 0))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_back_to_back(dut) -> None:
    """The next run's arguments are written while a run is in progress; START follows DONE at once."""
    tb = TB(dut)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    cases = [tb.place(make_case(n, gs, rng, special=True)) for n, gs in ((512, 64), (96, 32), (320, 32), (64, 64))]
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
    """SLVERR on the x read and on the output write: STATUS bit, done, then a clean run."""
    tb = TB(dut)
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    for where, bit in (("x", "AXI_READ_ERROR"), ("out", "AXI_WRITE_ERROR")):
        case = tb.place(make_case(512, 32, rng, label=f"SLVERR on {where}"))
        if where == "x":
            tb.mem.add_error_range(case.x_addr + 3 * im.BEAT_BYTES, im.BEAT_BYTES)
        else:
            tb.mem.add_error_range(case.out_addr + im.BEAT_BYTES, im.BEAT_BYTES)
        status = await tb.run(case)
        assert status.errors == (bit,), f"{case}: STATUS {status}, expected only {bit}"
        tb.check_guards(case)
        tb.mem.clear_errors()
        tb.log.info("%s: STATUS %s, done arrived after %d cycles", case, status.errors, status.cycles)
        await tb.run_and_check(make_case(256, 64, rng, special=True, label=f"after SLVERR on {where}"))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_config_error(dut) -> None:
    """Out-of-range arguments: CONFIG_ERROR alone, done, no memory access; then a clean run."""
    tb = TB(dut)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    good = tb.place(make_case(128, 64, rng))
    bad_args = [
        {"n": 0}, {"n": tb.max_n + 64}, {"n": 96},  # 96: not a multiple of 64
        {"group_size": 0}, {"group_size": 16}, {"group_size": 48}, {"group_size": 128},
        {"out": good.out_addr + 4}, {"x": good.x_addr + 32}, {"x": good.x_addr + 1},
    ]
    for change in bad_args:
        bursts = len(tb.mem.bursts)
        status = await tb.ctrl.run({**good.args(), **change}, 2000, poll_cycles=4)
        assert status.errors == ("CONFIG_ERROR",), f"{change}: STATUS {status}"
        assert len(tb.mem.bursts) == bursts, f"{change}: memory was accessed"
        assert status.cycles < 20, f"{change}: took {status.cycles} cycles"
        out = tb.mem.read(good.out_addr - GUARD, good.layout.nbytes + 2 * GUARD)
        assert out == bytes([SENTINEL]) * len(out), f"{change}: output region written"
        tb.log.info("%s: CONFIG_ERROR after %d cycles, no memory access", change, status.cycles)
    tb.check_result(good, await tb.run(good))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_run(dut) -> None:
    """Reset while x streams in; the next runs are exact."""
    tb = TB(dut)
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    case = tb.place(make_case(tb.max_n, 32, rng))
    await tb.ctrl.start(case.args())
    for _ in range(tb.timeout_cycles(case)):
        await RisingEdge(dut.clk)
        if tb.x_monitor.count >= 8:
            break
    assert tb.x_monitor.count >= 8, "no x beats taken before the reset"
    assert not (await tb.ctrl.read_reg("AP_CTRL")) & tb.ctrl.bit("AP_CTRL", "IDLE"), "run ended before the reset"
    await tb.cycle_reset()
    await tb.cycles(4)
    ap = await tb.ctrl.read_reg("AP_CTRL")
    assert ap == tb.ctrl.bit("AP_CTRL", "IDLE"), f"AP_CTRL 0x{ap:x} after reset"
    assert not dut.m_axi_gmem0_arvalid.value and not dut.m_axi_gmem0_awvalid.value, "bursts after reset"
    await tb.cycles(200)  # let the memory model drain the bursts the reset orphaned
    await tb.run_and_check(make_case(96, 32, rng, label="after reset"))
    await tb.run_and_check(make_case(tb.max_n, 64, rng, special=True, label="after reset"))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """One flipped value byte or one flipped scale bit fails the comparison."""
    tb = TB(dut)
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    case = make_case(192, 32, rng, special=True)
    image = await tb.run_and_check(case)
    q, s = case.model()
    values, scales, _ = split_image(case, image)
    assert compare_streams([int(v) for v in q], values) == []

    k = random.randrange(case.n)
    bad = bytearray(image)
    bad[k] ^= 1 << random.randrange(8)
    bad_values, _, _ = split_image(case, bytes(bad))
    mismatches = compare_streams([int(v) for v in q], bad_values)
    assert [m.index for m in mismatches] == [k], f"corrupted byte not caught: {mismatches}"
    tb.log.info("caught: %s", format_mismatches(mismatches))
    with pytest.raises(AssertionError):
        tb.check_image(case, bytes(bad))

    g = random.randrange(case.layout.groups)
    bad = bytearray(image)
    bad[case.layout.scale_offset + 4 * g + random.randrange(4)] ^= 1 << random.randrange(8)
    with pytest.raises(AssertionError, match="scales"):
        tb.check_image(case, bytes(bad))
    tb.log.info("caught a flipped bit in scale %d", g)


async def measure(tb: TB, case: Case, what: str) -> float:
    """Run *case*; return and log x beats per cycle while x streams."""
    tb.x_monitor.clear()
    tb.place(case)
    status = await tb.run(case)
    tb.check_result(case, status)
    beats = case.n // 16
    assert tb.x_monitor.count == beats, f"{tb.x_monitor.count} x beats, expected {beats}"
    span = tb.x_monitor.span()
    rate = beats / span
    tb.log.info("throughput (%s): %s: %d x beats in %d cycles = %.4f beats/cycle; whole run %d cycles "
                "(CYCLES) = %.4f input beats/cycle", what, case, beats, span, rate, status.cycles,
                beats / status.cycles)
    return rate


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_throughput(dut) -> None:
    """n = MAX_N, no pauses, 40 cycles read latency: >= 0.9 x beats per cycle for both group sizes."""
    tb = TB(dut)
    tb.mem.read_latency = 40
    tb.mem.write_latency = 40
    await tb.cycle_reset()
    rng = np.random.default_rng(random.getrandbits(32))
    for gs in (32, 64):
        rate = await measure(tb, make_case(tb.max_n, gs, rng), "read latency 40, full rate, no pauses")
        assert rate >= 0.9, f"GS {gs}: {rate:.4f} x beats/cycle < 0.9"


# MAX_N 1024 keeps the n = MAX_N cases short; `make sim MODULE=quantize` builds the RTL default.
PARAMETER_SETS = [1024]


@pytest.mark.parametrize("max_n", PARAMETER_SETS)
def test_quantize(max_n: int) -> None:
    """Build quantize with this MAX_N and run every cocotb test above."""
    run_cocotb("quantize", __file__, {"MAX_N": max_n})
