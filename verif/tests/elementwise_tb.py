"""Shared testbench for the elementwise kernels (residual, embed, swiglu, rope).

The four kernels have the same shape (docs/kernels/elementwise.md): s_axi_control through
``kernel_control``, one or two 512-bit masters served by :class:`~hlstransform.verif.ddr.DdrModel`,
buffers in device memory named by pointer arguments, sizes as u32 arguments, and one output
buffer of fp32 results that must equal the numerics model bit for bit. So one TB class and one
set of scenarios serve all four; each ``test_<kernel>.py`` subclasses :class:`ElementwiseTB`
with what is particular to its kernel (cases, bad arguments, where errors are injected) and
wraps the scenarios below in its cocotb tests.

A :class:`Case` is one run: its buffers (:class:`Region`: which master, the bytes to load, the
size), its u32 arguments, the name of the buffer holding the result (an input one for the
in-place rope), the expected result as uint32 patterns (numerics model) and the golden model's
fp32 result, whose error is logged.

:class:`BinaryKernelTB` is the whole TB of the two-operand kernels (residual, swiglu) but
their arithmetic.

Scenarios (coroutines taking the TB): :func:`directed`, :func:`constrained_random`,
:func:`back_to_back`, :func:`axi_errors`, :func:`config_errors`, :func:`reset_mid_run`,
:func:`interrupt_and_polling`, :func:`scoreboard_catches_corruption`, :func:`throughput`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import cocotb
import numpy as np
from cocotb.triggers import RisingEdge

from hlstransform.verif.ddr import HONEST_TIMING, PAGE_BYTES, DdrModel
from hlstransform.verif.regs import KernelControl, RunStatus
from hlstransform.verif.scoreboard import assert_streams_equal, compare_streams, format_mismatches
from hlstransform.verif.sources import hls_latency
from hlstransform.verif.tb import TbBase, cycle_pause, param

Generator = Callable[[], Iterator[int]] | None

MEMORY_PAUSES = (None, cycle_pause)
"""Memory pause options crossed by the data tests: never, 3 cycles of 4 on every channel."""

# The XLS blocks one value of a softmax run passes in turn (maximum, exp, beat sum, accumulator,
# reciprocal, scale), from rtl/gen/hls_latency_pkg.sv: the run's pipeline fill in the cycle
# bounds of the softmax and attention performance tests.
SOFTMAX_PIPE_LATENCY = sum(hls_latency(m) for m in ("fp32_max16", "ew_exp_sub", "fp32_dot16", "fp32_sum_add",
                                                     "fp32_recip", "ew_mul"))
# sum16_accumulate with one accumulator (rmsnorm, softmax) adds a beat sum per this many cycles:
# its loop is fp32_sum_add's latency and the accumulator register.
SUM_BEAT_CYCLES = hls_latency("fp32_sum_add") + 1
BEAT_BYTES = 64
MAX_BURST_BEATS = 64
SENTINEL = 0xA5
GUARD = 256  # sentinel bytes on each side of every buffer
REGION_BASE = {"gmem0": 0x1000_0000, "gmem1": 0x2000_0000}


@dataclass
class Region:
    """One buffer of a run.

    Attributes:
        master: ``"gmem0"`` or ``"gmem1"``: the memory it lives in.
        data: Bytes loaded before the run (empty for a pure output buffer).
        nbytes: Size in bytes (>= len(data)).
        addr: Byte address (set by :meth:`ElementwiseTB.place`; a beat boundary).
    """

    master: str
    data: bytes
    nbytes: int
    addr: int = 0


@dataclass
class Case:
    """One kernel run.

    Attributes:
        label: For the log.
        regions: Pointer argument name -> its buffer.
        scalars: u32 argument name -> value.
        out: Name of the region holding the result.
        expected: The numerics model's result, uint32 patterns.
        golden: The golden model's result (fp32), or None.
        aliases: Pointer argument name -> the region it points at (``out`` = an input: in place).
        offsets: Pointer argument name -> bytes the pointer lies before its region (rope's table
            pointer is row 0; only the rows around pos are placed).
        extra: Anything the kernel's TB keeps for itself (inputs, for a deliberately wrong model).
    """

    label: str
    regions: dict[str, Region]
    scalars: dict[str, int]
    out: str
    expected: np.ndarray
    golden: np.ndarray | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    offsets: dict[str, int] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def args(self) -> dict[str, int]:
        pointers = {name: r.addr - self.offsets.get(name, 0) for name, r in self.regions.items()}
        pointers.update({name: self.regions[target].addr - self.offsets.get(name, 0)
                         for name, target in self.aliases.items()})
        return {**pointers, **self.scalars}

    @property
    def out_beats(self) -> int:
        return len(self.expected) // 16

    @property
    def read_beats(self) -> int:
        return sum(len(r.data) for r in self.regions.values()) // BEAT_BYTES

    def __str__(self) -> str:
        sizes = ", ".join(f"{k} {v}" for k, v in self.scalars.items())
        return f"{self.label} ({sizes})"


def f32_bytes(values) -> bytes:
    """fp32 values (or uint32 patterns) as little-endian bytes."""
    a = np.asarray(values)
    if a.dtype != np.uint32:
        a = a.astype(np.float32).view(np.uint32)
    return a.astype("<u4").tobytes()


def golden_error(expected_bits: np.ndarray, actual_bits: np.ndarray, golden: np.ndarray | None) -> str:
    """Max |RTL - golden| over the values finite in both, as text."""
    if golden is None:
        return "n/a"
    rtl = np.asarray(actual_bits, np.uint32).view(np.float32)
    ok = np.isfinite(golden) & np.isfinite(rtl)
    with np.errstate(all="ignore"):
        err = np.abs(rtl[ok].astype(np.float64) - golden[ok].astype(np.float64))
    return f"{float(np.max(err, initial=0.0)):.3g} over {int(ok.sum())} finite values"


class ElementwiseTB(TbBase):
    """An elementwise kernel with a DdrModel per master and KernelControl on s_axi_control.

    Subclasses set :attr:`KERNEL` and :attr:`MASTERS` and implement :meth:`directed_cases`,
    :meth:`random_case`, :meth:`bad_args`, :meth:`error_cases` and :meth:`long_case`.
    """

    KERNEL = ""
    MASTERS: tuple[str, ...] = ("gmem0",)

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.check_param("AXI_DATA_WIDTH", len(dut.m_axi_gmem0_rdata))
        # One device address space behind every master (as on the platform, where the host
        # places buffers in DDR and both masters reach it): a buffer read on gmem0 may be
        # written on gmem1 (out = x in place).
        self.mems: dict[str, DdrModel] = {}
        for m in self.MASTERS:
            shared = next(iter(self.mems.values())).mem if self.mems else None
            self.mems[m] = DdrModel.from_prefix(dut, f"m_axi_{m}", dut.clk, dut.rst, mem=shared,
                                                max_burst_beats=MAX_BURST_BEATS, name=m)
        self.ctrl = KernelControl.from_dut(dut, kernel=self.KERNEL)
        for half in (self.ctrl.master.write_if, self.ctrl.master.read_if):
            half.log.setLevel("WARNING")  # no line per register access
        self._cursor = dict(REGION_BASE)
        self.rng = np.random.default_rng(random.getrandbits(32))

    # ------------------------------------------------------------------ kernel-specific

    def directed_cases(self) -> list[Case]:
        raise NotImplementedError

    def random_case(self, index: int) -> Case:
        raise NotImplementedError

    def bad_args(self, good: Case) -> list[dict[str, int]]:
        """Argument changes that must give CONFIG_ERROR."""
        raise NotImplementedError

    def error_cases(self) -> list[tuple[Case, str, int, str]]:
        """(case, region name, byte offset in it, STATUS bit) for each SLVERR injection."""
        raise NotImplementedError

    def long_case(self) -> Case:
        """A case long enough to measure throughput."""
        raise NotImplementedError

    def wrong_expected(self, case: Case) -> np.ndarray:
        """A plausible but wrong model result (the scoreboard must reject it)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ memory

    def set_memory_pauses(self, generator: Generator = None) -> None:
        """Pause every channel of every memory with its own *generator()* pattern (None: never)."""
        for mem in self.mems.values():
            mem.set_pauses(generator)

    def _alloc(self, master: str, nbytes: int) -> int:
        """A fresh address for *nbytes*: a page plus a random beat offset, so bursts split at 4 KiB."""
        addr = -(-self._cursor[master] // PAGE_BYTES) * PAGE_BYTES
        addr += random.randrange(PAGE_BYTES // BEAT_BYTES) * BEAT_BYTES
        self._cursor[master] = addr + nbytes + GUARD + PAGE_BYTES
        return addr

    def place(self, case: Case) -> Case:
        """Give every region an address, surround it with sentinels and load its data."""
        for region in case.regions.values():
            region.addr = self._alloc(region.master, region.nbytes)
            mem = self.mems[region.master]
            mem.write(region.addr - GUARD, bytes([SENTINEL]) * (region.nbytes + 2 * GUARD))
            if region.data:
                mem.write(region.addr, region.data)
        return case

    def read_output(self, case: Case) -> np.ndarray:
        """The result buffer as uint32 patterns."""
        r = case.regions[case.out]
        n = len(case.expected)
        return np.frombuffer(self.mems[r.master].read(r.addr, 4 * n), "<u4").astype(np.uint32)

    def check_memory(self, case: Case, output_written: bool = True) -> None:
        """Sentinels around every region intact; input regions unchanged (the output one too
        when *output_written* is False)."""
        for name, r in case.regions.items():
            mem = self.mems[r.master]
            guard = bytes([SENTINEL]) * GUARD
            assert mem.read(r.addr - GUARD, GUARD) == guard, f"{case}: bytes before {name} written"
            assert mem.read(r.addr + r.nbytes, GUARD) == guard, f"{case}: bytes after {name} written"
            if name == case.out and output_written:
                continue
            want = r.data + bytes([SENTINEL]) * (r.nbytes - len(r.data))
            assert mem.read(r.addr, r.nbytes) == want, f"{case}: buffer {name} changed"

    def bursts(self) -> tuple[int, ...]:
        return tuple(len(m.bursts) for m in self.mems.values())

    def check_protocol(self) -> None:
        """No burst rule or handshake violation on any master."""
        for mem in self.mems.values():
            mem.check()

    # ------------------------------------------------------------------ runs

    def timeout_cycles(self, case: Case) -> int:
        """Generous: 6 cycles per beat moved (pauses on 3 of 4 cycles) plus latency."""
        return 6 * (case.out_beats + case.read_beats) + 5000

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

    def check_result(self, case: Case, status: RunStatus) -> np.ndarray:
        """Status clean, result bit-exact with the model, memory around it intact; log the golden error."""
        assert status.ok, f"{case}: STATUS {status}"
        actual = self.read_output(case)
        assert_streams_equal([int(v) for v in case.expected], [int(v) for v in actual], f"{case}: result (uint32)")
        self.check_memory(case)
        self.check_protocol()
        self.log.info("%s: exact, %d result beats, %d cycles; golden max abs error %s", case, case.out_beats,
                      status.cycles, golden_error(case.expected, actual, case.golden))
        return actual

    async def run_and_check(self, case: Case, irq: bool = False) -> np.ndarray:
        """Place, run and check one case."""
        self.place(case)
        return self.check_result(case, await self.run(case, irq))


SPECIALS = np.array([0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x00000001,
                     0x807FFFFF, 0x00800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000], dtype=np.uint32)
"""fp32 patterns sprinkled into ``special`` data: zeros, infinities, NaNs, subnormals, max, one."""


def make_data(rng: np.random.Generator, n: int, kind: str, scale: float = 2.0) -> np.ndarray:
    """n fp32 bit patterns of one kind: ``llama`` (activations: Student-t(4) x *scale*),
    ``random`` (any pattern), ``special`` (activations with :data:`SPECIALS` sprinkled in)."""
    if kind == "random":
        return rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    v = (rng.standard_t(4, n) * scale).astype(np.float32).view(np.uint32)
    if kind == "special":
        idx = rng.choice(n, size=min(n, 2 * len(SPECIALS)), replace=False)
        v[idx] = np.resize(SPECIALS, len(idx))
    return v


class BinaryKernelTB(ElementwiseTB):
    """A two-operand kernel (elementwise_binary): operand a on gmem0, operand b and out on gmem1.

    Subclasses give :attr:`KERNEL`, :attr:`OPERANDS` (the argument names of a and b) and the
    arithmetic: :meth:`model` (numerics, bit-exact), :meth:`golden` and :meth:`wrong_model`.
    """

    MASTERS = ("gmem0", "gmem1")
    OPERANDS = ("a", "b")
    SCALE = 2.0  # activation scale of ``llama`` data

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.max_n = param("MAX_N", 65536)
        self.log.info("TB: MAX_N %d", self.max_n)

    def model(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def golden(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def wrong_model(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def case(self, n: int, kind: str = "llama", label: str = "", out: str = "out",
             a: np.ndarray | None = None, b: np.ndarray | None = None) -> Case:
        """A run over n elements (data of *kind* unless given as bit patterns); *out* = an
        operand's name runs in place."""
        na, nb = self.OPERANDS
        a = make_data(self.rng, n, kind, self.SCALE) if a is None else a
        b = make_data(self.rng, n, kind, self.SCALE) if b is None else b
        regions = {na: Region("gmem0", f32_bytes(a), 4 * n), nb: Region("gmem1", f32_bytes(b), 4 * n)}
        aliases = {}
        if out == "out":
            regions["out"] = Region("gmem1", b"", 4 * n)
        else:
            aliases["out"] = out
        fa, fb = a.view(np.float32).copy(), b.view(np.float32).copy()
        expected = self.model(fa, fb).view(np.uint32)
        return Case(label or kind, regions, {"n": n}, out, expected, self.golden(fa, fb), aliases,
                    extra={"a": fa, "b": fb})

    def directed_cases(self) -> list[Case]:
        na, nb = self.OPERANDS
        return [
            self.case(16, label="smallest"),
            self.case(48, "special"),
            self.case(min(1040, self.max_n), label="two bursts"),
            self.case(self.max_n, label="n = MAX_N"),
            self.case(256, label=f"in place, out = {na}", out=na),
            self.case(128, "special", label=f"in place, out = {nb}", out=nb),
            self.case(64, "random"),
        ]

    def random_case(self, index: int) -> Case:
        n = 16 * int(self.rng.integers(1, min(self.max_n // 16, 160) + 1))
        return self.case(n, ("llama", "random", "special")[index % 3])

    def bad_args(self, good: Case) -> list[dict[str, int]]:
        na, nb = self.OPERANDS
        a = good.args()
        return [{"n": 0}, {"n": 8}, {"n": 24}, {"n": self.max_n + 16}, {"n": 0xFFFF_FFF0},
                {na: a[na] + 4}, {nb: a[nb] + 32}, {"out": a["out"] + 1}]

    def error_cases(self) -> list[tuple[Case, str, int, str]]:
        na, nb = self.OPERANDS
        return [(self.case(320, label=f"SLVERR on {na}"), na, 5 * BEAT_BYTES, "AXI_READ_ERROR"),
                (self.case(320, label=f"SLVERR on {nb}"), nb, 17 * BEAT_BYTES, "AXI_READ_ERROR"),
                (self.case(320, label="SLVERR on out"), "out", 2 * BEAT_BYTES, "AXI_WRITE_ERROR")]

    def long_case(self) -> Case:
        return self.case(min(self.max_n, 4096), label="long")

    def wrong_expected(self, case: Case) -> np.ndarray:
        return self.wrong_model(case.extra["a"], case.extra["b"]).view(np.uint32)


class LaneMonitor:
    """Records the cycle of every beat issued to the lanes (the kernel's ``lane_valid``)."""

    def __init__(self, dut) -> None:
        self.dut = dut
        self.cycles: list[int] = []
        cocotb.start_soon(self._run())

    def clear(self) -> None:
        self.cycles.clear()

    @property
    def count(self) -> int:
        return len(self.cycles)

    def span(self) -> int:
        return self.cycles[-1] - self.cycles[0] + 1 if self.cycles else 0

    async def _run(self) -> None:
        cycle = 0
        while True:
            await RisingEdge(self.dut.clk)
            cycle += 1
            if self.dut.lane_valid.value and not self.dut.rst.value:
                self.cycles.append(cycle)


# ---------------------------------------------------------------------- scenarios


async def directed(tb: ElementwiseTB, memory_inserter: Generator = None) -> None:
    """Directed cases (smallest, largest, odd sizes), back to back without reset, bit-exact."""
    tb.set_memory_pauses(memory_inserter)
    await tb.cycle_reset()
    for case in tb.directed_cases():
        await tb.run_and_check(case)


async def constrained_random(tb: ElementwiseTB, memory_inserter: Generator = None, count: int = 6) -> None:
    """Seeded constrained-random cases (sizes and data, special values included)."""
    tb.set_memory_pauses(memory_inserter)
    await tb.cycle_reset()
    for i in range(count):
        await tb.run_and_check(tb.random_case(i))


async def back_to_back(tb: ElementwiseTB) -> None:
    """The next run's arguments are written while a run is in progress; START follows DONE at once."""
    await tb.cycle_reset()
    cases = [tb.place(tb.random_case(i)) for i in range(3)]
    await tb.ctrl.start(cases[0].args())
    for i, case in enumerate(cases):
        if i + 1 < len(cases):
            await tb.ctrl.write_args(cases[i + 1].args())  # during run i: kernel_control holds run i's snapshot
        await tb.ctrl.wait_done(tb.timeout_cycles(case))
        status = await tb.ctrl.read_status()
        if i + 1 < len(cases):
            await tb.ctrl.start()
        tb.check_result(case, status)


async def axi_errors(tb: ElementwiseTB) -> None:
    """SLVERR on each input and on the output: the STATUS bit alone, done, then a clean exact run."""
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()
    for case, where, offset, bit in tb.error_cases():
        tb.place(case)
        region = case.regions[where]
        start, write = region.addr + offset, bit == "AXI_WRITE_ERROR"
        # One beat, in one direction only (rope reads and writes the same buffer).
        tb.mems[region.master].error_predicate = (
            lambda addr, is_write, start=start, write=write: is_write == write and start <= addr < start + BEAT_BYTES)
        status = await tb.run(case)
        assert status.errors == (bit,), f"{case}: STATUS {status}, expected only {bit}"
        assert tb.mems[region.master].stats.read_error_beats + tb.mems[region.master].stats.write_error_bursts > 0, \
            "the memory answered no error"
        for mem in tb.mems.values():
            mem.clear_errors()
        tb.log.info("%s: SLVERR on %s: STATUS %s, done after %d cycles", case, where, status.errors, status.cycles)
        await tb.run_and_check(tb.random_case(0))
    tb.check_protocol()


async def config_errors(tb: ElementwiseTB) -> None:
    """Out-of-range arguments: CONFIG_ERROR alone, done at once, no memory access; then a clean run."""
    await tb.cycle_reset()
    good = tb.place(tb.random_case(1))
    for change in tb.bad_args(good):
        before = tb.bursts()
        status = await tb.ctrl.run({**good.args(), **change}, 2000, poll_cycles=4)
        assert status.errors == ("CONFIG_ERROR",), f"{change}: STATUS {status}"
        assert tb.bursts() == before, f"{change}: memory was accessed"
        assert status.cycles < 20, f"{change}: took {status.cycles} cycles"
        tb.check_memory(good, output_written=False)
        tb.log.info("%s: CONFIG_ERROR after %d cycles, no memory access", change, status.cycles)
    tb.check_result(good, await tb.run(good))


async def reset_mid_run(tb: ElementwiseTB) -> None:
    """Reset while results are being written; the next runs are exact."""
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()
    case = tb.place(tb.long_case())
    out_mem = tb.mems[case.regions[case.out].master]
    writes = out_mem.stats.write_beats
    await tb.ctrl.start(case.args())
    for _ in range(tb.timeout_cycles(case)):
        await RisingEdge(tb.dut.clk)
        if out_mem.stats.write_beats >= writes + 2:
            break
    assert out_mem.stats.write_beats >= writes + 2, "no result written before the reset"
    assert not (await tb.ctrl.read_reg("AP_CTRL")) & tb.ctrl.bit("AP_CTRL", "IDLE"), "run ended before the reset"
    await tb.cycle_reset()
    await tb.cycles(4)
    ap = await tb.ctrl.read_reg("AP_CTRL")
    assert ap == tb.ctrl.bit("AP_CTRL", "IDLE"), f"AP_CTRL 0x{ap:x} after reset"
    for name in tb.MASTERS:
        for channel in ("ar", "aw"):
            valid = getattr(tb.dut, f"m_axi_{name}_{channel}valid", None)
            assert valid is None or not valid.value, f"{name}: {channel.upper()} burst after reset"
    await tb.run_and_check(tb.random_case(2))
    await tb.run_and_check(tb.long_case())


async def interrupt_and_polling(tb: ElementwiseTB) -> None:
    """KERNEL_ID; completion by interrupt, then by polling, then by interrupt again."""
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()
    assert await tb.ctrl.read_kernel_id() == tb.ctrl.rm.kernel(tb.KERNEL).id
    await tb.run_and_check(tb.random_case(0), irq=True)
    await tb.run_and_check(tb.random_case(1), irq=False)
    await tb.run_and_check(tb.random_case(2), irq=True)


async def scoreboard_catches_corruption(tb: ElementwiseTB) -> None:
    """One flipped bit in one result, or a wrong model, fails the comparison (tests that can fail)."""
    await tb.cycle_reset()
    case = tb.random_case(0)
    actual = [int(v) for v in await tb.run_and_check(case)]
    expected = [int(v) for v in case.expected]
    assert compare_streams(expected, actual) == []

    index = random.randrange(len(actual))
    corrupted = list(actual)
    corrupted[index] ^= 1 << random.randrange(32)
    mismatches = compare_streams(expected, corrupted)
    assert [m.index for m in mismatches] == [index], f"flipped bit not caught: {mismatches}"
    tb.log.info("caught: %s", format_mismatches(mismatches))

    wrong = [int(v) for v in tb.wrong_expected(case)]
    mismatches = compare_streams(wrong, actual)
    assert mismatches, "a wrong model was not caught"
    tb.log.info("wrong model caught: %d of %d values differ", len(mismatches), len(actual))


async def throughput(tb: ElementwiseTB, minimum: float = 0.95) -> None:
    """No pauses, 40 cycles of read and write latency, full beat rate: beats per cycle through
    the lanes (first to last beat issued) >= *minimum*; then DESIGN.md's honest DDR timing.

    Also logged: the W channel's rate (axi_write_stream stores and forwards whole bursts, so a
    short vector whose first burst is cut by a 4 KiB boundary shows gaps there; a long one
    tends to 1) and the whole run from the CYCLES register (latency and drain included)."""
    for mem in tb.mems.values():
        mem.read_latency = 40
        mem.write_latency = 40
    await tb.cycle_reset()

    lanes = LaneMonitor(tb.dut)

    async def measure(label: str) -> float:
        case = tb.long_case()
        out_mem = tb.mems[case.regions[case.out].master]
        out_mem.w_monitor.clear()
        reads = {name: mem.r_monitor for name, mem in tb.mems.items() if mem.r_monitor is not None}
        for mon in reads.values():
            mon.clear()
        lanes.clear()
        tb.place(case)
        status = await tb.run(case)
        tb.check_result(case, status)
        span = out_mem.w_monitor.span()
        assert out_mem.w_monitor.count == case.out_beats, f"{out_mem.w_monitor.count} W beats for {case.out_beats}"
        assert lanes.count == case.out_beats, f"{lanes.count} beats through the lanes for {case.out_beats}"
        rate = case.out_beats / span
        lane_rate = lanes.count / lanes.span()
        r_rates = ", ".join(f"{n} R {m.count} beats / {m.span()} cycles" for n, m in reads.items())
        tb.log.info("throughput (%s): %s: lanes %d beats in %d cycles = %.3f beats/cycle; W %d beats in %d cycles = "
                    "%.3f; %s; whole run %d cycles (CYCLES) = %.3f beats/cycle", label, case, lanes.count,
                    lanes.span(), lane_rate, case.out_beats, span, rate, r_rates, status.cycles,
                    case.out_beats / status.cycles)
        return lane_rate

    rate = await measure("read/write latency 40, full rate, no pauses")
    assert rate >= minimum, f"{rate:.3f} beats/cycle through the lanes < {minimum}"
    for mem in tb.mems.values():
        mem.read_latency = HONEST_TIMING["read_latency"]
        mem.write_latency = HONEST_TIMING["write_latency"]
        mem.beat_rate = HONEST_TIMING["beat_rate"]
    honest = await measure("honest DDR: latency 40, 85 % beat rate")
    assert honest >= HONEST_TIMING["beat_rate"] * minimum, f"{honest:.3f} beats/cycle against an 85 % channel"
