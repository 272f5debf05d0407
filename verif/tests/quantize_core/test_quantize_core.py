"""Direct cocotb tests for ``rtl/kernels/quantize_core.sv`` (the quantize datapath, no AXI).

The quantize kernel's testbench (``verif/tests/quantize``) verifies the core's arithmetic
and layout through the AXI wrapper; this one checks what the wrapper cannot reach and the
forward kernel relies on (docs/forward-plan.md, "Stream cores"):

- ``m_axis_out_tlast`` on the last scale beat of each run (the sink splits frames on it), and
  ``done`` exactly one cycle after that beat was taken, ``busy`` from start to done;
- the core takes exactly ceil(n / 16) x beats: every run's x is queued back to back on the
  source, so the next run's first beat waits right behind the last one;
- x pauses crossed with output backpressure (never / 3 cycles of 4 / random): the XLS blocks
  cannot stall, so a full output FIFO must hold the input back rather than lose a group
  (the kernel's write stream buffers two bursts and never back-pressures the core there);
- reset in the middle of a run, then exact runs.

Scoreboard: each output frame equals ``host.image.pack_vector`` of
``numerics.quantize_group`` (the data generators of the kernel's testbench), as 512-bit beats.

Run: ``pytest verif/tests/quantize_core`` (MAX_N 1024) or ``make sim MODULE=quantize_core``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import cocotb
import numpy as np
import pytest
from cocotb.triggers import ReadOnly, RisingEdge, with_timeout
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from hlstransform.host import image as im
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import assert_streams_equal
from hlstransform.verif.tb import (PAUSE_OPTIONS, HandshakeMonitor, TbBase, beats, cycle_pause, param,
                                  set_stream_pauses)
from hlstransform.verif.tests.quantize.test_quantize import Case, make_case

Generator = Callable[[], Iterator[int]] | None
TIMEOUT_US = 2_000


class TB(TbBase):
    """quantize_core with an AXI4-Stream source on ``s_axis_x`` and a sink on ``m_axis_out``.

    The core has no tkeep: the models run with one 512-bit "byte" per beat and a frame is a
    list of ints. A monitor records the cycles of tlast handshakes and of done pulses.
    """

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.max_n = param("MAX_N", 8192)
        self.rng = np.random.default_rng(random.getrandbits(32))
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis_x"), dut.clk, dut.rst, byte_lanes=1)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis_out"), dut.clk, dut.rst, byte_lanes=1)
        self.x_monitor = HandshakeMonitor(dut.clk, dut.s_axis_x_tvalid, dut.s_axis_x_tready,
                                          [dut.s_axis_x_tdata], "s_axis_x", dut.rst)
        self.out_monitor = HandshakeMonitor(dut.clk, dut.m_axis_out_tvalid, dut.m_axis_out_tready,
                                            [dut.m_axis_out_tdata, dut.m_axis_out_tlast], "m_axis_out", dut.rst)
        self.last_cycles: list[int] = []
        self.done_cycles: list[int] = []
        dut.start.value = 0
        dut.cfg_gs64.value = 0
        dut.cfg_n.value = 0
        self.log.info("TB: MAX_N %d", self.max_n)
        cocotb.start_soon(self._watch())

    async def _watch(self) -> None:
        cycle, reset_seen = 0, False  # registers hold random values until the first reset
        while True:
            await RisingEdge(self.dut.clk)
            cycle += 1
            if self.dut.rst.value:
                reset_seen = True
                continue
            if not reset_seen:
                continue
            d = self.dut
            if d.m_axis_out_tvalid.value and d.m_axis_out_tready.value and d.m_axis_out_tlast.value:
                self.last_cycles.append(cycle)
            if d.done.value:
                self.done_cycles.append(cycle)

    def set_pauses(self, idle: Generator = None, backpressure: Generator = None) -> None:
        """Pause the source with *idle*, the sink with *backpressure*."""
        set_stream_pauses((self.source,), (self.sink,), idle, backpressure)

    def queue_x(self, case: Case) -> None:
        """Queue the run's ceil(n / 16) x beats on the source (runs follow back to back)."""
        self.source.send_nowait(AxiStreamFrame(beats(case.x.astype("<f4").tobytes())))

    async def start(self, case: Case) -> None:
        """Pulse start with the run's configuration (held until the next start)."""
        await RisingEdge(self.dut.clk)
        self.dut.cfg_gs64.value = int(case.gs == 64)
        self.dut.cfg_n.value = case.n
        self.dut.start.value = 1
        await RisingEdge(self.dut.clk)
        self.dut.start.value = 0
        await ReadOnly()
        assert self.dut.busy.value, f"{case}: busy low after start"

    async def wait_done(self, case: Case) -> None:
        for _ in range(20 * (case.n // 16) + 2000):
            await RisingEdge(self.dut.clk)
            await ReadOnly()
            if self.dut.done.value:
                assert not self.dut.busy.value, f"{case}: busy high with done"
                return
        raise AssertionError(f"{case}: no done")

    async def run_and_check(self, case: Case) -> None:
        """Start one run (its x already queued), wait for done, compare its output frame."""
        await self.start(case)
        await self.wait_done(case)
        frame = await with_timeout(self.sink.recv(), 10, "us")
        q, s = case.model()
        assert_streams_equal(beats(im.pack_vector(q, s)), list(frame.tdata), f"{case}: output beats")

    async def check_framing(self, runs: int) -> None:
        """One tlast per run, done one cycle after each; handshakes legal."""
        await self.cycles(2)  # the monitor samples the last done pulse at the next edge
        assert len(self.last_cycles) == runs, f"{len(self.last_cycles)} tlast beats for {runs} runs"
        assert self.done_cycles == [c + 1 for c in self.last_cycles], \
            f"done at {self.done_cycles}, tlast taken at {self.last_cycles}"
        violations = self.x_monitor.violations + self.out_monitor.violations
        assert not violations, "handshake violations:\n  " + "\n  ".join(violations)


def shapes(tb: TB) -> list[tuple[int, int]]:
    """(n, gs): one group, odd GS-32 group counts, scales over two beats, n = MAX_N, random."""
    fixed = [(32, 32), (64, 64), (96, 32), (544, 32), (1088, 64), (tb.max_n, 32), (tb.max_n, 64)]
    fixed = [(n, gs) for n, gs in fixed if n <= tb.max_n]
    rand = []
    for _ in range(6):
        gs = random.choice([32, 64])
        rand.append((gs * random.randint(1, tb.max_n // gs), gs))
    return fixed + rand


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(idle=PAUSE_OPTIONS, backpressure=PAUSE_OPTIONS)
async def run_test_runs(dut, idle: Generator = None, backpressure: Generator = None) -> None:
    """Runs back to back (x queued up front), exact output frames, tlast and done timing."""
    tb = TB(dut)
    tb.set_pauses(idle, backpressure)
    await tb.cycle_reset()
    cases = [make_case(n, gs, tb.rng, special=bool(i % 2)) for i, (n, gs) in enumerate(shapes(tb))]
    for case in cases:
        tb.queue_x(case)
    for case in cases:
        await tb.run_and_check(case)
    await tb.cycles(20)
    assert tb.sink.empty(), "output after the last run"
    assert tb.source.empty(), "x beats left over"
    assert tb.x_monitor.count == sum(c.n // 16 for c in cases), f"{tb.x_monitor.count} x beats taken"
    await tb.check_framing(len(cases))
    tb.log.info("%d runs exact, %d x beats, %d output beats", len(cases), tb.x_monitor.count, tb.out_monitor.count)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_run(dut) -> None:
    """Reset while x streams in and the output is stalled; the next runs are exact."""
    tb = TB(dut)
    tb.set_pauses(cycle_pause, cycle_pause)
    await tb.cycle_reset()
    case = make_case(tb.max_n, 32, tb.rng)
    tb.queue_x(case)
    await tb.start(case)
    for _ in range(5000):
        await RisingEdge(dut.clk)
        if tb.x_monitor.count >= 8 and tb.out_monitor.count >= 1:
            break
    assert tb.x_monitor.count >= 8 and tb.out_monitor.count >= 1, "the run did not get going"
    await tb.cycle_reset()
    tb.source.clear()
    tb.sink.clear()
    await ReadOnly()
    assert not dut.busy.value and not dut.m_axis_out_tvalid.value, "busy or output after reset"
    await RisingEdge(dut.clk)
    tb.last_cycles.clear()
    tb.done_cycles.clear()
    tb.set_pauses(None, None)
    cases = [make_case(96, 32, tb.rng, label="after reset"), make_case(tb.max_n, 64, tb.rng, special=True)]
    for case in cases:
        tb.queue_x(case)
    for case in cases:
        await tb.run_and_check(case)
    await tb.check_framing(len(cases))


# MAX_N 1024 keeps the n = MAX_N runs short; `make sim MODULE=quantize_core` builds the RTL default.
@pytest.mark.parametrize("max_n", [1024])
def test_quantize_core(max_n: int) -> None:
    """Build quantize_core with this MAX_N and run every cocotb test above."""
    run_cocotb("quantize_core", __file__, {"MAX_N": max_n})
