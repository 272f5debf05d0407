"""cocotb tests for ``rtl/common/kernel_control.sv`` (s_axi_control slave + ap_ctrl_hs handshake).

The host side is :class:`hlstransform.verif.regs.KernelControl` over cocotbext-axi's
AxiLiteMaster; the kernel core is :class:`FakeCore`, which answers every core_start with a
core_done pulse after a programmed number of cycles and drives programmed core_status bits.
Register reads are compared against :class:`RegModel`, a Python model of the register file
that follows the host's writes and the runs the fake core sees (offsets and bits from
``rtl/regmap.toml``).

What is checked:

- reset values (AP_CTRL = IDLE, everything else zero, KERNEL_ID = the parameter, unmapped
  addresses zero), and the same after a reset in the middle of a run; the next run works;
- the register file against the model under random full-word, partial (wstrb) and pipelined
  multi-word writes, unmapped and read-only writes ignored, with the master's source channels
  and its response channels each paused never / 3 cycles of 4 / at random;
- AW before W, W before AW, and a second write taken while the first response is stalled;
- a start gives exactly one core_start pulse with core_args equal to the words written, held
  for the whole run while the host writes the next arguments; START, READY, IDLE, DONE
  (clear on read) as the model says; CYCLES equals the start-to-done cycles measured on the
  pins; STATUS collects core_status bits seen during the run only and clears at the next start;
- ISR toggle-on-write, and interrupt = GIE & |(ISR & IER) for every combination, raised by
  runs only for enabled sources;
- AUTO_RESTART gives back-to-back runs (two cycles from core_done to the next core_start)
  and stops after the run in progress once cleared; a START written during a run is held
  until the run finishes, never reaching the core early;
- every slave channel keeps the AXI handshake rules; every response is OKAY;
- performance counters (PERF_WORDS > 0): counter i equals the cycles of the run, core_start
  to core_done both included, with core_perf_count[i] set (random events every cycle, also
  between runs, which must not count); cleared by the next start, zero after reset; with
  PERF_WORDS = 0 the window reads zero whatever core_perf_count does;
- the register comparison fails on a corrupted expected value (a test that can fail).

Run: ``make sim MODULE=kernel_control`` (add ``WAVES=1`` for ``dump.fst``,
``PARAM_ARG_WORDS=28`` or ``PARAM_PERF_WORDS=11`` for another size), or ``pytest verif/tests/kernel_control`` for every
parameter set below.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import cocotb
import pytest
from cocotb.triggers import RisingEdge

from hlstransform.host.regmap import load_regmap
from hlstransform.verif.regs import KernelControl, KernelTimeout, arg_base, kernel_control_params
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import assert_streams_equal, compare_streams, format_mismatches
from hlstransform.verif.tb import PAUSE_OPTIONS, HandshakeMonitor, TbBase, cycle_pause, param

Generator = Callable[[], Iterator[int]] | None

TIMEOUT_US = 500
LONG_RUN = 800
"""Cycles of a run long enough for the host to write every argument word and read the registers meanwhile."""

RM = load_regmap()
ARG_BASE = arg_base(RM)
AP_CTRL = RM.reg("AP_CTRL").offset
GIE = RM.reg("GIE").offset
IER = RM.reg("IER").offset
ISR = RM.reg("ISR").offset
STATUS = RM.reg("STATUS").offset
CYCLES = RM.reg("CYCLES").offset
PERF_BASE = RM.perf_base
KERNEL_ID = RM.reg("KERNEL_ID").offset
START = RM.bit("AP_CTRL", "START")
DONE = RM.bit("AP_CTRL", "DONE")
IDLE = RM.bit("AP_CTRL", "IDLE")
READY = RM.bit("AP_CTRL", "READY")
AUTO_RESTART = RM.bit("AP_CTRL", "AUTO_RESTART")
GIE_ENABLE = RM.bit("GIE", "ENABLE")
IRQ_DONE = RM.bit("ISR", "DONE")
IRQ_READY = RM.bit("ISR", "READY")
IRQ_MASK = IRQ_DONE | IRQ_READY
STATUS_MASK = sum(b.mask for b in RM.reg("STATUS").bits)

# RTL defaults, used when a parameter is not given (make sim without PARAM_*).
DEFAULT_KERNEL_ID = 0
DEFAULT_ARG_WORD_MASK = 0xFFFF_FFFF
DEFAULT_PERF_WORDS = 0


def byte_lane(mask: int) -> int:
    """The write strobe bit that covers register bit *mask*."""
    return 1 << ((mask.bit_length() - 1) // 8)


class RegModel:
    """The host-visible state of the control block, as the register map documents it.

    Host accesses go through :meth:`write` and :meth:`read` (which applies clear-on-read);
    the testbench reports runs with :meth:`launch` and :meth:`finish`.

    Args:
        arg_words: ARG_WORDS.
        arg_mask: ARG_WORD_MASK (bit i: word i is mapped).
        kernel_id: KERNEL_ID.
        addr_width: Address width of s_axi_control, bits.
    """

    def __init__(self, arg_words: int, arg_mask: int, kernel_id: int, addr_width: int,
                 perf_words: int = 0) -> None:
        self.arg_words = arg_words
        self.perf_words = perf_words
        self.arg_mask = arg_mask & ((1 << arg_words) - 1)
        self.kernel_id = kernel_id
        self.addr_width = addr_width
        self.reset()

    def reset(self) -> None:
        """Reset values."""
        self.args = [0] * self.arg_words
        self.start = self.done = self.ready = self.auto_restart = self.busy = False
        self.gie = self.ier = self.isr = self.status = self.cycles = 0
        self.perf = [0] * self.perf_words

    def mapped(self, word: int) -> bool:
        """Whether argument word *word* exists."""
        return 0 <= word < self.arg_words and bool(self.arg_mask >> word & 1)

    def arg_word(self, offset: int) -> int | None:
        """Argument word index at byte *offset*, or None outside the argument words."""
        word = (offset - ARG_BASE) // 4
        return word if offset >= ARG_BASE and word < self.arg_words else None

    def masked_args(self, words: list[int]) -> list[int]:
        """*words* as the core would see them: unmapped words zero."""
        return [w if self.mapped(i) else 0 for i, w in enumerate(words)]

    @property
    def interrupt(self) -> bool:
        return bool(self.gie & GIE_ENABLE) and bool(self.isr & self.ier)

    def write(self, offset: int, value: int, strb: int = 0xF) -> None:
        """A host write of *value* with byte enables *strb* to the word holding *offset*."""
        offset &= ~3
        if offset == AP_CTRL:
            if strb & byte_lane(START) and value & START:
                self.start = True
            if strb & byte_lane(AUTO_RESTART):
                self.auto_restart = bool(value & AUTO_RESTART)
        elif offset == GIE:
            if strb & byte_lane(GIE_ENABLE):
                self.gie = value & GIE_ENABLE
        elif offset == IER:
            if strb & byte_lane(IRQ_MASK):
                self.ier = value & IRQ_MASK
        elif offset == ISR:
            if strb & byte_lane(IRQ_MASK):
                self.isr ^= value & IRQ_MASK
        else:
            word = self.arg_word(offset)
            if word is not None and self.mapped(word):
                for b in range(4):
                    if strb >> b & 1:
                        keep = self.args[word] & ~(0xFF << 8 * b)
                        self.args[word] = keep | (value & (0xFF << 8 * b))

    def peek(self, offset: int) -> int:
        """The value a read of *offset* returns (no side effect)."""
        if offset == AP_CTRL:
            return ((START if self.start else 0) | (DONE if self.done else 0) | (0 if self.busy else IDLE)
                    | (READY if self.ready else 0) | (AUTO_RESTART if self.auto_restart else 0))
        if offset == GIE:
            return self.gie
        if offset == IER:
            return self.ier
        if offset == ISR:
            return self.isr
        if offset == STATUS:
            return self.status
        if offset == CYCLES:
            return self.cycles
        if offset == KERNEL_ID:
            return self.kernel_id
        if PERF_BASE <= offset < PERF_BASE + 4 * self.perf_words:
            return self.perf[(offset - PERF_BASE) // 4]
        word = self.arg_word(offset)
        return self.args[word] if word is not None else 0

    def read(self, offset: int) -> int:
        """A host read of *offset*: its value, then DONE and READY clear if it is AP_CTRL."""
        value = self.peek(offset)
        if offset == AP_CTRL:
            self.done = self.ready = False
        return value

    def launch(self) -> None:
        """The block took a start: arguments snapshotted, STATUS cleared."""
        self.start, self.busy, self.ready, self.status = False, True, True, 0
        self.perf = [0] * self.perf_words
        if self.ier & IRQ_READY:
            self.isr |= IRQ_READY

    def collect(self, status: int) -> None:
        """core_status bits seen during the run."""
        self.status |= status

    def finish(self, cycles: int, status: int) -> None:
        """The core finished after *cycles* with *status* bits raised during the run."""
        self.busy, self.done = False, True
        self.cycles = cycles
        self.status |= status
        if self.ier & IRQ_DONE:
            self.isr |= IRQ_DONE
        if self.auto_restart:
            self.start = True

    def all_offsets(self) -> list[int]:
        """Every word address of the control space, mapped or not."""
        return list(range(0, 1 << self.addr_width, 4))

    def named_offsets(self) -> list[int]:
        """The control and status registers, then the argument words."""
        return ([AP_CTRL, GIE, IER, ISR, STATUS, CYCLES, KERNEL_ID] + [ARG_BASE + 4 * i for i in range(self.arg_words)]
                + self.perf_offsets())

    def perf_offsets(self) -> list[int]:
        """The performance counters' word addresses."""
        return [PERF_BASE + 4 * i for i in range(self.perf_words)]


@dataclass(frozen=True)
class CoreProgram:
    """What the fake core does with one run.

    Attributes:
        latency: Cycles from the core_start pulse to the core_done pulse (>= 1).
        status: ``(cycle after core_start, bits)``: drive core_status = bits for that one cycle.
        finish: False: never raise core_done (a hung core).
    """

    latency: int = 8
    status: tuple[tuple[int, int], ...] = ()
    finish: bool = True


@dataclass
class CoreRun:
    """One run as the fake core saw it on the pins (edges counted by the fake core)."""

    start_edge: int
    args: list[int]
    program: CoreProgram
    status: int = 0
    done_edge: int | None = None
    args_at_done: list[int] | None = None

    @property
    def cycles(self) -> int:
        """Cycles from the core_start pulse to the core_done pulse."""
        assert self.done_edge is not None, "run not finished"
        return self.done_edge - self.start_edge


@dataclass
class FakeCore:
    """Stands in for a kernel core on core_start/core_args/core_done/core_status.

    Each rising edge it samples core_start and core_args (cocotb shows the values of the
    cycle that edge closes), records runs with what it drove on core_done and core_status
    in that cycle, checks that core_start never comes while a run is in progress (which also
    makes every core_start a single-cycle pulse), and drives core_done and core_status as
    programmed. Reset aborts the run in progress; nothing before the first reset counts.
    """

    dut: object
    arg_words: int
    default: CoreProgram = field(default_factory=CoreProgram)
    programs: deque = field(default_factory=deque)
    runs: list = field(default_factory=list)
    violations: list = field(default_factory=list)
    edge: int = 0
    on_start: Callable[[CoreRun], None] | None = None
    on_status: Callable[[int], None] | None = None
    on_done: Callable[[CoreRun], None] | None = None

    def __post_init__(self) -> None:
        dut = self.dut
        self._clk, self._rst = dut.clk, dut.rst
        self._start, self._args_sig = dut.core_start, dut.core_args
        self._done, self._status = dut.core_done, dut.core_status
        self._done.value = 0
        self._status.value = 0
        self._driven = (0, 0)
        self.current: CoreRun | None = None
        self._drive: dict[int, list[int]] = {}
        self._inject = [0, 0]
        self._reset_seen = False  # before the first reset the DUT's outputs are random
        self._task = cocotb.start_soon(self._run())

    def program(self, *programs: CoreProgram) -> None:
        """Queue programs for the next runs (the default program afterwards)."""
        self.programs.extend(programs)

    def pulse(self, done: int = 0, status: int = 0) -> None:
        """Drive core_done/core_status for one cycle soon, regardless of any run (stray pulses)."""
        self._inject[0] |= done
        self._inject[1] |= status

    @property
    def done_runs(self) -> list[CoreRun]:
        return [r for r in self.runs if r.done_edge is not None]

    def _args(self) -> list[int]:
        value = int(self._args_sig.value)
        return [(value >> (32 * i)) & 0xFFFF_FFFF for i in range(self.arg_words)]

    def _schedule(self, edge: int, done: int = 0, status: int = 0) -> None:
        slot = self._drive.setdefault(edge, [0, 0])
        slot[0] |= done
        slot[1] |= status

    def _set(self, done: int, status: int) -> None:
        if (done, status) != self._driven:
            self._done.value = done
            self._status.value = status
            self._driven = (done, status)

    async def _run(self) -> None:
        edge_trigger = RisingEdge(self._clk)
        while True:
            await edge_trigger
            self.edge += 1
            edge = self.edge
            if self._rst.value:
                self._reset_seen = True
                self.current = None
                self._drive.clear()
                self._set(0, 0)
                continue
            if not self._reset_seen:
                continue
            start = bool(self._start.value)
            done, status = self._driven
            if start:
                if self.current is not None:
                    self.violations.append(f"edge {edge}: core_start while the run started at edge "
                                           f"{self.current.start_edge} is in progress")
                prog = self.programs.popleft() if self.programs else self.default
                run = CoreRun(edge, self._args(), prog)
                self.runs.append(run)
                self.current = run
                # Driven after edge e, a value is seen at edge e + 1: done after `latency` cycles.
                if prog.finish:
                    self._schedule(edge + prog.latency - 1, done=1)
                for offset, bits in prog.status:
                    assert 1 <= offset, "status can only be driven from the cycle after core_start"
                    self._schedule(edge + offset - 1, status=bits)
                if self.on_start:
                    self.on_start(run)
            if self.current is not None:
                run = self.current
                run.status |= status
                if status and self.on_status:
                    self.on_status(status)
                if done:
                    run.done_edge = edge
                    run.args_at_done = self._args()
                    self.current = None
                    if self.on_done:
                        self.on_done(run)
            done_next, status_next = self._drive.pop(edge, (0, 0))
            self._set(done_next | self._inject[0], status_next | self._inject[1])
            self._inject = [0, 0]

    async def wait_started(self, count: int, timeout_cycles: int = 20_000) -> CoreRun:
        """Wait until *count* runs have started; return the last."""
        for _ in range(timeout_cycles):
            if len(self.runs) >= count:
                return self.runs[count - 1]
            await RisingEdge(self.dut.clk)
        raise AssertionError(f"run {count} did not start within {timeout_cycles} cycles ({len(self.runs)} started)")

    async def wait_done(self, count: int, timeout_cycles: int = 20_000) -> CoreRun:
        """Wait until run number *count* (from 1, aborted runs included) has finished; return it."""
        for _ in range(timeout_cycles):
            if len(self.runs) >= count and self.runs[count - 1].done_edge is not None:
                return self.runs[count - 1]
            await RisingEdge(self.dut.clk)
        raise AssertionError(f"run {count} did not finish within {timeout_cycles} cycles")


class TB(TbBase):
    """kernel_control with an AxiLiteMaster (through KernelControl) on s_axi_control and a fake core."""

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.arg_words = self.check_param("ARG_WORDS", len(dut.core_args) // 32)
        self.addr_width = self.check_param("ADDR_WIDTH", len(dut.s_axi_control_awaddr))
        self.kernel_id = param("KERNEL_ID", DEFAULT_KERNEL_ID)
        self.perf_words = param("PERF_WORDS", DEFAULT_PERF_WORDS)
        self.model = RegModel(self.arg_words, param("ARG_WORD_MASK", DEFAULT_ARG_WORD_MASK), self.kernel_id,
                              self.addr_width, self.perf_words)
        dut.core_perf_count.value = 0
        self.log.info("TB: KERNEL_ID = 0x%08x, ARG_WORD_MASK = 0x%x", self.kernel_id, self.model.arg_mask)
        self.ctrl = KernelControl.from_dut(dut)
        self.axil = self.ctrl.master
        self.core = FakeCore(dut, self.arg_words)
        self.core.on_start = lambda run: self.model.launch()
        self.core.on_status = self.model.collect
        self.core.on_done = lambda run: self.model.finish(run.cycles, run.status)
        self._reset_done = False
        p = "s_axi_control_"
        sig = lambda name: getattr(dut, p + name)  # noqa: E731
        # The slave's channels with their payload (the DUT must hold them); AW and W, driven by
        # the master, for transfer counts and cycles only (monitors cost simulation time).
        self.monitors = {
            "aw": HandshakeMonitor(dut.clk, sig("awvalid"), sig("awready"), [], "aw", dut.rst),
            "w": HandshakeMonitor(dut.clk, sig("wvalid"), sig("wready"), [], "w", dut.rst),
            "b": HandshakeMonitor(dut.clk, sig("bvalid"), sig("bready"), [sig("bresp")], "b", dut.rst),
            "r": HandshakeMonitor(dut.clk, sig("rvalid"), sig("rready"), [sig("rdata"), sig("rresp")], "r", dut.rst),
        }

    def set_idle_generator(self, generator: Generator = None) -> None:
        """Pause the master's AW, W and AR sources with *generator* (W out of step with AW)."""
        if generator:
            w = generator()
            next(w), next(w)  # AW and W on the same pattern would always arrive together
            self.axil.write_if.aw_channel.set_pause_generator(generator())
            self.axil.write_if.w_channel.set_pause_generator(w)
            self.axil.read_if.ar_channel.set_pause_generator(generator())

    def set_backpressure_generator(self, generator: Generator = None) -> None:
        """Pause the master's B and R sinks (drop bready/rready) with *generator*."""
        if generator:
            self.axil.write_if.b_channel.set_pause_generator(generator())
            self.axil.read_if.r_channel.set_pause_generator(generator())

    async def cycle_reset(self, cycles: int = 4) -> None:
        """Reset the DUT (the fake core aborts its run) and the model."""
        await super().cycle_reset(cycles)
        self.model.reset()
        if not self._reset_done:
            # Before the first reset every register holds a random value: nothing seen counts.
            self._reset_done = True
            for monitor in self.monitors.values():
                monitor.clear()
                monitor.violations.clear()

    async def write(self, offset: int, value: int) -> None:
        """Write a full word into the model, then through the driver.

        The model goes first: a run the write starts may be seen by the fake core (and
        reach the model) before the write response comes back, when B is stalled.
        """
        self.model.write(offset, value)
        await self.ctrl.write_word(offset, value)

    async def write_bytes(self, offset: int, data: bytes) -> None:
        """Write *data* at byte *offset* (partial strobes, several beats if it spans words)."""
        resp = await self.axil.write(offset, data)
        assert resp.resp == 0, f"write of 0x{offset:02x} returned {resp.resp!r}"
        for i, byte in enumerate(data):
            addr = offset + i
            self.model.write(addr, byte << 8 * (addr % 4), 1 << (addr % 4))

    async def start(self, auto_restart: bool = False) -> None:
        """Write AP_CTRL.START (and AUTO_RESTART as given) through the driver and the model."""
        self.model.write(AP_CTRL, START | (AUTO_RESTART if auto_restart else 0))
        await self.ctrl.start(auto_restart=auto_restart)

    async def write_args(self, words: list[int]) -> None:
        """Write every argument word."""
        for i, value in enumerate(words):
            await self.write(ARG_BASE + 4 * i, value)

    def random_args(self) -> list[int]:
        return [random.getrandbits(32) for _ in range(self.arg_words)]

    async def read_registers(self, offsets: list[int]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Read *offsets* in order; return ``(expected, actual)`` as ``(offset, value)`` lists."""
        expected, actual = [], []
        for offset in offsets:
            actual.append((offset, await self.ctrl.read_word(offset)))
            expected.append((offset, self.model.read(offset)))
        return expected, actual

    async def check_registers(self, offsets: list[int] | None = None, what: str = "registers") -> None:
        """Read *offsets* (default: the named registers) and compare with the model."""
        expected, actual = await self.read_registers(offsets if offsets is not None else self.model.named_offsets())
        assert_streams_equal(expected, actual, what)

    async def check_interrupt(self) -> None:
        """interrupt matches the model (it follows ISR/IER/GIE two cycles later at most)."""
        await self.cycles(2)
        assert bool(self.dut.interrupt.value) == self.model.interrupt, (
            f"interrupt={self.dut.interrupt.value}, model says {self.model.interrupt} "
            f"(GIE={self.model.gie} IER={self.model.ier} ISR={self.model.isr})")

    def check_protocol(self) -> None:
        """No handshake-rule breach on any channel, no core_start during a run."""
        violations = [v for m in self.monitors.values() for v in m.violations] + self.core.violations
        assert not violations, "protocol violations:\n  " + "\n  ".join(violations)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_values(dut) -> None:
    """After reset: AP_CTRL = IDLE, KERNEL_ID = the parameter, every other word zero; outputs low."""
    tb = TB(dut)
    await tb.cycle_reset()
    assert tb.model.peek(AP_CTRL) == IDLE and tb.model.peek(KERNEL_ID) == tb.kernel_id
    await tb.check_registers(tb.model.all_offsets(), "reset values")
    assert not dut.core_start.value, "core_start high after reset"
    assert not dut.interrupt.value, "interrupt high after reset"
    assert await tb.ctrl.read_kernel_id() == tb.kernel_id
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(idle_inserter=PAUSE_OPTIONS, backpressure_inserter=PAUSE_OPTIONS)
async def run_test_register_file(dut, idle_inserter: Generator = None, backpressure_inserter: Generator = None) -> None:
    """Random full, partial and multi-word writes and reads agree with the model, under stalls."""
    tb = TB(dut)
    tb.set_idle_generator(idle_inserter)
    tb.set_backpressure_generator(backpressure_inserter)
    await tb.cycle_reset()

    words = tb.model.all_offsets()
    arg_offsets = [ARG_BASE + 4 * i for i in range(tb.arg_words)]
    ctrl_offsets = [AP_CTRL, GIE, IER, ISR]
    counts = {"full": 0, "partial": 0, "multi": 0, "read": 0}
    for _ in range(80):
        kind = random.choices(["full", "partial", "multi", "read"], [4, 3, 1, 2])[0]
        counts[kind] += 1
        if kind == "full":
            offset = random.choice(arg_offsets * 2 + ctrl_offsets + words)
            value = random.getrandbits(32)
            if offset == AP_CTRL:
                value &= ~START  # no runs here: run_test_run covers START
            await tb.write(offset, value)
        elif kind == "partial":
            offset = random.choice(arg_offsets + [GIE, IER, ISR, random.choice([o for o in words if o != AP_CTRL])])
            first = random.randrange(4)
            length = random.randint(1, 4 - first)
            await tb.write_bytes(offset + first, random.randbytes(length))
        elif kind == "multi":
            offset = random.choice(arg_offsets)
            count = random.randint(2, 6)
            offset = min(offset, (1 << tb.addr_width) - 4 * count)
            await tb.write_bytes(offset, random.randbytes(4 * count))
        else:
            await tb.check_registers([random.choice(words)], "random read")
        if kind != "read" and random.random() < 0.2:
            await tb.check_interrupt()

    shuffled = random.sample(words, len(words))
    await tb.check_registers(shuffled, "every word, shuffled")
    await tb.check_interrupt()
    tb.check_protocol()
    writes, reads = tb.monitors["b"].count, tb.monitors["r"].count
    tb.log.info("%s; %d write beats, %d reads, all as modelled", counts, writes, reads)
    assert tb.monitors["aw"].count == tb.monitors["w"].count == writes, "AW, W and B counts differ"


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_aw_w_order(dut) -> None:
    """AW is taken without W and W without AW; a write is taken while the last response stalls."""
    tb = TB(dut)
    await tb.cycle_reset()
    wr = tb.axil.write_if
    aw, w, b = tb.monitors["aw"], tb.monitors["w"], tb.monitors["b"]
    offsets = [ARG_BASE + 4 * i for i in range(tb.arg_words) if tb.model.mapped(i)] or [GIE]

    for first, held in (("aw", wr.w_channel), ("w", wr.aw_channel)):
        offset, value = random.choice(offsets), random.getrandbits(32)
        before = {name: tb.monitors[name].count for name in ("aw", "w", "b")}
        held.pause = True
        task = cocotb.start_soon(tb.write(offset, value))
        await tb.cycles(8)
        moved = {name: tb.monitors[name].count - before[name] for name in before}
        assert moved == {"aw": int(first == "aw"), "w": int(first == "w"), "b": 0}, (
            f"{first} first: transfers while the other channel is held: {moved}")
        held.pause = False
        await task
        await tb.check_registers([offset], f"{first} first")
        tb.log.info("%s first: taken alone, write completed once the other came", first)

    # Both together: taken in the same cycle.
    await tb.write(random.choice(offsets), random.getrandbits(32))
    assert aw.transfer_cycles[-1] == w.transfer_cycles[-1], "AW and W offered together were taken apart"

    # Response stalled: the next write's AW and W are taken into the holding registers.
    wr.b_channel.pause = True
    values = [(random.choice(offsets), random.getrandbits(32)) for _ in range(2)]
    before_aw, before_b = aw.count, b.count
    tasks = [cocotb.start_soon(tb.write(o, v)) for o, v in values]
    await tb.cycles(12)
    assert aw.count - before_aw == 2 and b.count == before_b, (
        f"with B stalled: {aw.count - before_aw} AW taken (expected 2), {b.count - before_b} B")
    wr.b_channel.pause = False
    for task in tasks:
        await task
    await tb.check_registers(sorted({o for o, _ in values}), "writes behind a stalled response")
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(idle_inserter=(None, cycle_pause), backpressure_inserter=(None, cycle_pause))
async def run_test_run(dut, idle_inserter: Generator = None, backpressure_inserter: Generator = None) -> None:
    """Start/ready/idle/done: one core_start per run with the snapshot, CYCLES as measured."""
    tb = TB(dut)
    tb.set_idle_generator(idle_inserter)
    tb.set_backpressure_generator(backpressure_inserter)
    await tb.cycle_reset()

    latencies = [LONG_RUN, 1, 2, 7, LONG_RUN, 40]
    args = tb.random_args()
    await tb.write_args(args)
    for i, latency in enumerate(latencies):
        tb.core.program(CoreProgram(latency))
        expected_args = tb.model.masked_args(args)
        await tb.start()
        run = await tb.core.wait_started(i + 1)
        assert run.args == expected_args, f"run {i}: core_args {run.args} != written {expected_args}"
        args = tb.random_args()
        if latency == LONG_RUN:
            # Mid-run: START taken, READY set (cleared by this read), not IDLE; the next
            # arguments may be written now without touching the run's snapshot.
            await tb.check_registers([AP_CTRL, AP_CTRL], f"run {i}: AP_CTRL during the run")
            await tb.write_args(args)
            await tb.check_registers(None, f"run {i}: registers during the run")
            assert tb.core.current is run, f"run {i} ended before the mid-run checks (latency too short)"
            tb.log.info("run %d: mid-run reads and writes took %d of its %d cycles", i,
                        tb.core.edge - run.start_edge, latency)
        done = await tb.core.wait_done(i + 1)
        if latency != LONG_RUN:
            await tb.write_args(args)
        assert done is run and run.cycles == latency, f"run {i}: {run.cycles} cycles, programmed {latency}"
        assert run.args_at_done == run.args, f"run {i}: core_args changed during the run"
        # DONE set then cleared by the first read, READY likewise; CYCLES from the pins.
        await tb.check_registers([AP_CTRL, AP_CTRL, STATUS, CYCLES], f"run {i}: after done")
        tb.log.info("run %d: %d cycles, snapshot held, DONE cleared on read", i, run.cycles)
    assert len(tb.core.runs) == len(latencies), f"{len(tb.core.runs)} core_start pulses for {len(latencies)} starts"
    await tb.check_registers(None, "after the runs")
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_status(dut) -> None:
    """STATUS collects core_status bits raised during a run, from any cycle, and clears at the next start."""
    tb = TB(dut)
    await tb.cycle_reset()
    bits = {b.name: b.mask for b in RM.reg("STATUS").bits}

    # Two bits in two cycles of one run: both kept (OR-accumulated).
    tb.core.program(CoreProgram(30, ((3, bits["AXI_READ_ERROR"]), (12, bits["TIMEOUT"]))))
    await tb.start()
    await tb.core.wait_done(1)
    result = await tb.ctrl.read_status()
    assert result.errors == ("AXI_READ_ERROR", "TIMEOUT") and result.cycles == 30, result
    await tb.check_registers(None, "after an erroneous run")

    # A stray bit outside a run is ignored; the next start clears STATUS.
    tb.core.pulse(status=bits["CONFIG_ERROR"])
    await tb.cycles(3)
    await tb.check_registers([STATUS], "stray status outside a run")
    tb.core.program(CoreProgram(300))
    await tb.start()
    await tb.core.wait_started(2)
    await tb.check_registers([STATUS, AP_CTRL], "STATUS cleared by the start")
    await tb.core.wait_done(2)
    assert (await tb.ctrl.read_status()).ok

    # Every bit in the core_done cycle itself still counts.
    tb.core.program(CoreProgram(5, ((5, STATUS_MASK),)))
    await tb.start()
    await tb.core.wait_done(3)
    result = await tb.ctrl.read_status()
    assert result.status == STATUS_MASK and set(result.errors) == set(bits), result
    await tb.check_registers(None, "all bits in the done cycle")
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_interrupts(dut) -> None:
    """ISR toggles on write; interrupt = GIE & |(ISR & IER); runs set only enabled ISR bits."""
    tb = TB(dut)
    await tb.cycle_reset()

    # Toggle on write: 1 flips a bit, 0 leaves it.
    for value in (IRQ_DONE, IRQ_DONE, IRQ_READY, 0, IRQ_MASK, IRQ_MASK, IRQ_READY):
        await tb.write(ISR, value)
        await tb.check_registers([ISR], f"ISR after writing 0x{value:x}")
    await tb.write(ISR, tb.model.isr)  # back to zero
    assert tb.model.isr == 0

    # The pin for every GIE x IER x ISR combination.
    for gie in (0, GIE_ENABLE):
        for ier in range(IRQ_MASK + 1):
            for isr in range(IRQ_MASK + 1):
                await tb.write(GIE, gie)
                await tb.write(IER, ier)
                if tb.model.isr != isr:
                    await tb.write(ISR, tb.model.isr ^ isr)
                await tb.check_interrupt()
    tb.log.info("interrupt pin right for all %d GIE/IER/ISR combinations", 2 * (IRQ_MASK + 1) ** 2)
    await tb.write(ISR, tb.model.isr)
    await tb.write(GIE, 0)
    await tb.write(IER, 0)

    # DONE only enabled: a run raises the pin at done, ISR.READY stays clear; cleared by toggling.
    await tb.ctrl.enable_interrupts(done=True, ready=False)
    tb.model.write(IER, IRQ_DONE)
    tb.model.write(GIE, GIE_ENABLE)
    tb.core.program(CoreProgram(50))
    await tb.start()
    waited = await tb.ctrl.wait_interrupt(timeout_cycles=500)
    run = tb.core.done_runs[-1]
    tb.log.info("interrupt %d cycles after start (run %d cycles)", waited, run.cycles)
    await tb.check_registers([ISR, AP_CTRL], "ISR after a run with IER.DONE")
    assert await tb.ctrl.clear_interrupts() == IRQ_DONE
    tb.model.write(ISR, IRQ_DONE)
    await tb.check_interrupt()

    # READY too: ISR.READY when the start is taken, before the run ends.
    await tb.ctrl.enable_interrupts(done=True, ready=True)
    tb.model.write(IER, IRQ_DONE | IRQ_READY)
    tb.core.program(CoreProgram(300))
    await tb.start()
    await tb.ctrl.wait_interrupt(timeout_cycles=200)
    assert tb.core.current is not None, "READY interrupt came only after the run"
    await tb.check_registers([ISR], "ISR.READY at the start")
    tb.model.write(ISR, await tb.ctrl.clear_interrupts())
    await tb.check_interrupt()
    await tb.core.wait_done(2)
    await tb.check_interrupt()
    await tb.check_registers([ISR, AP_CTRL], "ISR.DONE at the end")
    tb.model.write(ISR, await tb.ctrl.clear_interrupts())

    # GIE off: ISR still records the run, the pin never rises.
    await tb.ctrl.enable_interrupts(done=True, global_enable=False)
    tb.model.write(IER, IRQ_DONE)
    tb.model.write(GIE, 0)
    tb.core.program(CoreProgram(20))
    await tb.start()
    for _ in range(200):
        await RisingEdge(dut.clk)
        assert not dut.interrupt.value, "interrupt with GIE clear"
    await tb.check_registers([ISR, AP_CTRL], "ISR with GIE clear")
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_auto_restart(dut) -> None:
    """AUTO_RESTART: runs back to back, new arguments picked up; clearing it stops after the current run."""
    tb = TB(dut)
    await tb.cycle_reset()

    args = tb.random_args()
    await tb.write_args(args)
    tb.core.program(*[CoreProgram(6)] * 4, CoreProgram(600))
    await tb.start(auto_restart=True)
    await tb.core.wait_done(4)
    runs = tb.core.runs
    gaps = [runs[k + 1].start_edge - runs[k].done_edge for k in range(3)]
    assert gaps == [2, 2, 2], f"cycles from core_done to the next core_start: {gaps}"
    assert all(r.args == tb.model.masked_args(args) for r in runs[:4])

    # Run 4 is long: new arguments now are picked up by run 5; clear AUTO_RESTART during run 5.
    await tb.core.wait_started(5)
    new_args = tb.random_args()
    await tb.write_args(new_args)
    assert tb.core.current is tb.core.runs[4], "run 5 ended before the new arguments were written"
    await tb.core.wait_done(5)
    tb.core.program(CoreProgram(300))
    run = await tb.core.wait_started(6)
    assert run.args == tb.model.masked_args(new_args), "auto-restarted run did not take the new arguments"
    await tb.write(AP_CTRL, 0)
    await tb.core.wait_done(6)
    await tb.cycles(50)
    assert len(tb.core.runs) == 6, f"{len(tb.core.runs)} runs: a run started after AUTO_RESTART was cleared"
    await tb.check_registers(None, "after auto-restart stopped")
    tb.log.info("auto-restart: gaps %s cycles, stopped after run 6", gaps)
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_back_to_back(dut) -> None:
    """A START written during a run is held until it ends; host-driven runs back to back."""
    tb = TB(dut)
    await tb.cycle_reset()

    tb.core.program(CoreProgram(300), CoreProgram(10))
    await tb.start()
    await tb.core.wait_started(1)
    await tb.start()  # taken only when run 1 ends
    await tb.start()  # merges with the pending one
    await tb.check_registers([AP_CTRL], "START pending while busy")
    await tb.core.wait_done(2)
    first, second = tb.core.runs[:2]
    assert second.start_edge - first.done_edge == 2, "held start not taken right after the run"
    await tb.cycles(50)
    assert len(tb.core.runs) == 2, "a merged START ran twice"
    await tb.check_registers(None, "after the held start")

    # Host-driven back to back through the driver: write, start, poll, status.
    for i in range(5):
        latency = random.randint(1, 60)
        tb.core.program(CoreProgram(latency))
        args = tb.random_args()
        for k, value in enumerate(args):
            tb.model.write(ARG_BASE + 4 * k, value)
        tb.model.write(AP_CTRL, START)
        result = await tb.ctrl.run(dict(enumerate(args)), timeout_cycles=5000)
        tb.model.read(AP_CTRL)  # wait_done's last poll cleared DONE and READY
        run = tb.core.done_runs[-1]
        assert run.args == tb.model.masked_args(args) and result.cycles == run.cycles == latency, (i, result, run)
    await tb.check_registers(None, "after driver runs")
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_run(dut) -> None:
    """Reset during a run leaves the reset state (stray core_done ignored); the next run works."""
    tb = TB(dut)
    await tb.cycle_reset()

    await tb.write_args(tb.random_args())
    await tb.ctrl.enable_interrupts(done=True, ready=True)
    tb.model.write(IER, IRQ_MASK)
    tb.model.write(GIE, GIE_ENABLE)
    tb.core.program(CoreProgram(5000, ((2, STATUS_MASK),)))
    await tb.start(auto_restart=True)
    await tb.core.wait_started(1)
    await tb.cycles(5)
    await tb.check_registers([STATUS], "STATUS collects during the run")
    assert dut.interrupt.value, "READY interrupt expected before the reset"

    await tb.cycle_reset()
    assert tb.core.current is None
    assert not dut.interrupt.value and not dut.core_start.value
    await tb.check_registers(tb.model.all_offsets(), "reset values after a mid-run reset")

    # A late core_done from the aborted run is ignored: no DONE, nothing started.
    tb.core.pulse(done=1, status=STATUS_MASK)
    await tb.cycles(3)
    await tb.check_registers([AP_CTRL, STATUS, CYCLES], "stray core_done after reset")
    with pytest.raises(KernelTimeout):
        await tb.ctrl.wait_done(timeout_cycles=100)
    tb.model.read(AP_CTRL)  # the driver's polls cleared nothing (nothing was set)

    args = tb.random_args()
    await tb.write_args(args)
    tb.core.program(CoreProgram(25))
    await tb.start()
    run = await tb.core.wait_done(2)  # run 1 was aborted
    assert run.args == tb.model.masked_args(args) and run.cycles == 25
    await tb.check_registers(None, "a run after the reset")
    assert len(tb.core.runs) == 2
    tb.check_protocol()


class PerfEvents:
    """Drives random core_perf_count bits every cycle and counts those of each run (core_start
    to core_done, both included), as the performance counters must."""

    def __init__(self, dut, width: int) -> None:
        self.dut, self.width = dut, max(width, 1)
        self.counts: list[list[int]] = []  # per finished run, per counter
        self._task = cocotb.start_soon(self._run())

    async def _run(self) -> None:
        dut, current, bits = self.dut, None, 0
        while True:
            bits = random.getrandbits(self.width)
            dut.core_perf_count.value = bits
            await RisingEdge(dut.clk)
            if dut.rst.value:
                current = None
                continue
            if dut.core_start.value:
                current = [0] * self.width
            if current is not None:
                for i in range(self.width):
                    current[i] += bits >> i & 1
                if dut.core_done.value:
                    self.counts.append(current)
                    current = None

    def stop(self) -> None:
        self._task.cancel()
        self.dut.core_perf_count.value = 0


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_perf_counters(dut) -> None:
    """Each counter = the run's cycles with its event bit set; cleared by a start and by reset."""
    tb = TB(dut)
    await tb.cycle_reset()
    events = PerfEvents(dut, tb.perf_words)
    for run, latency in enumerate((40, 3, 1, 150)):
        tb.core.program(CoreProgram(latency))
        await tb.start()
        await tb.core.wait_done(run + 1)
        await tb.cycles(5 + random.randrange(8))  # events between runs must not count
        counts = events.counts[run]
        tb.model.perf = counts[:tb.perf_words]
        await tb.check_registers(tb.model.all_offsets() if run == 0 else None, f"run {run}: counters")
        tb.log.info("run %d (%d cycles): counters %s", run, latency, counts[:tb.perf_words])
        if tb.perf_words:
            assert any(counts), f"run {run}: no events were driven, the check would pass vacuously"
    if tb.perf_words:
        # A model one event off is caught.
        tb.model.perf[-1] += 1
        with pytest.raises(AssertionError, match="1 mismatches"):
            await tb.check_registers(tb.model.perf_offsets(), "counter off by one")
        tb.model.perf[-1] -= 1
    events.stop()
    await tb.cycle_reset()
    await tb.check_registers(tb.model.all_offsets(), "counters after reset")
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """The register comparison fails on a corrupted expected value or a wrong CYCLES (tests can fail)."""
    tb = TB(dut)
    await tb.cycle_reset()

    await tb.write_args(tb.random_args())
    tb.core.program(CoreProgram(17))
    await tb.start()
    await tb.core.wait_done(1)
    expected, actual = await tb.read_registers(tb.model.named_offsets())
    assert compare_streams(expected, actual) == [], "clean comparison must agree"

    index = random.randrange(len(expected))
    offset, value = expected[index]
    corrupted = list(expected)
    corrupted[index] = (offset, value ^ (1 << random.randrange(32)))
    mismatches = compare_streams(corrupted, actual)
    assert [m.index for m in mismatches] == [index], f"flipped bit not caught: {mismatches}"
    tb.log.info("caught: %s", format_mismatches(mismatches))

    # A model one cycle off on CYCLES is caught the same way.
    tb.core.program(CoreProgram(9))
    await tb.start()
    await tb.core.wait_done(2)
    tb.model.cycles += 1
    with pytest.raises(AssertionError, match="1 mismatches"):
        await tb.check_registers([CYCLES], "CYCLES off by one")


@pytest.mark.parametrize(
    "parameters",
    [
        # The matmul kernel's layout: 12 words, the high words of its three u32 arguments unmapped.
        kernel_control_params("matmul"),
        # The whole argument window, a KERNEL_ID with bit 31 set, every performance counter.
        {"ARG_WORDS": 28, "ARG_WORD_MASK": (1 << 28) - 1, "KERNEL_ID": 0xFEED_C0DE, "PERF_WORDS": 28},
        # The forward kernel's layout: four argument slots, its performance counters.
        kernel_control_params("forward"),
    ],
    ids=["matmul", "words28", "forward"],
)
def test_kernel_control(parameters: dict[str, int]) -> None:
    """Build kernel_control with *parameters* and run every cocotb test above."""
    run_cocotb("kernel_control", __file__, parameters)
