"""Direct cocotb tests for ``rtl/kernels/embed_core.sv`` (the embed datapath, no AXI).

The embed kernel's testbench (``verif/tests/embed``) verifies the core's arithmetic through
the AXI wrapper (which realigns rows that start mid-beat); this one checks what the wrapper
cannot reach and the forward kernel relies on (docs/forward-plan.md, "Stream cores"):

- ``m_axis_out_tlast`` on the last result beat of each run (the sink splits frames on it),
  ``done`` exactly one cycle after that beat was taken, ``busy`` from start to done;
- the scales and the values on two independent streams, every run's beats queued back to
  back on both: the core takes exactly a run's ceil(dim / GS / 16) scale beats and
  ceil(dim / 64) value beats, the next run's waiting right behind;
- value and scale pauses crossed with output backpressure (never / 3 cycles of 4 / random):
  the lanes cannot stall (the kernel's write stream never back-pressures the core);
- reset in the middle of a run, then exact runs.

Scoreboard: each output frame, as uint32 patterns, equals ``numerics.embed_row`` of a
one-row table (the table generators of the kernel's testbench).

Run: ``pytest verif/tests/embed_core`` (MAX_DIM 1024) or ``make sim MODULE=embed_core``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cocotb
import numpy as np
import pytest
from cocotb.triggers import ReadOnly, RisingEdge, with_timeout
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from hlstransform.model import numerics as nm
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import assert_streams_equal
from hlstransform.verif.tb import (PAUSE_OPTIONS, HandshakeMonitor, TbBase, beats, cycle_pause, param,
                                  set_stream_pauses)
from hlstransform.verif.tests.embed.test_embed import make_table

Generator = Callable[[], Iterator[int]] | None
TIMEOUT_US = 2_000


@dataclass
class Row:
    """One run: a row of dim int8 values and dim / gs fp32 scales."""

    q: np.ndarray
    s: np.ndarray
    gs: int
    label: str

    @property
    def dim(self) -> int:
        return int(self.q.size)

    def expected(self) -> list[int]:
        """The result beats: 16 uint32 patterns each, element k at [32k +: 32]."""
        out = nm.as_bits(nm.embed_row(self.q, self.s, 0, self.dim, self.gs))
        return beats(out.astype("<u4").tobytes())

    def __str__(self) -> str:
        return f"dim {self.dim} GS {self.gs} {self.label}"


class TB(TbBase):
    """embed_core with sources on ``s_axis_q`` / ``s_axis_s`` and a sink on ``m_axis_out``.

    The core has no tkeep: the models run with one 512-bit "byte" per beat and a frame is a
    list of ints. A monitor records the cycles of tlast handshakes and of done pulses.
    """

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.max_dim = param("MAX_DIM", 8192)
        self.rng = np.random.default_rng(random.getrandbits(32))
        self.q_source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis_q"), dut.clk, dut.rst, byte_lanes=1)
        self.s_source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis_s"), dut.clk, dut.rst, byte_lanes=1)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis_out"), dut.clk, dut.rst, byte_lanes=1)
        self.monitors = {
            "q": HandshakeMonitor(dut.clk, dut.s_axis_q_tvalid, dut.s_axis_q_tready, [dut.s_axis_q_tdata],
                                  "s_axis_q", dut.rst),
            "s": HandshakeMonitor(dut.clk, dut.s_axis_s_tvalid, dut.s_axis_s_tready, [dut.s_axis_s_tdata],
                                  "s_axis_s", dut.rst),
            "out": HandshakeMonitor(dut.clk, dut.m_axis_out_tvalid, dut.m_axis_out_tready,
                                    [dut.m_axis_out_tdata, dut.m_axis_out_tlast], "m_axis_out", dut.rst),
        }
        self.last_cycles: list[int] = []
        self.done_cycles: list[int] = []
        dut.start.value = 0
        dut.cfg_gs64.value = 0
        dut.cfg_dim.value = 0
        self.log.info("TB: MAX_DIM %d", self.max_dim)
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
        """Pause both sources (each its own pattern) with *idle*, the sink with *backpressure*."""
        set_stream_pauses((self.q_source, self.s_source), (self.sink,), idle, backpressure)

    def row(self, dim: int, gs: int, kind: str) -> Row:
        table = make_table(self.rng, 1, dim, gs, kind)
        return Row(table.q.numpy().reshape(-1), table.s.numpy().reshape(-1), gs, kind)

    def queue(self, row: Row) -> None:
        """Queue the run's value beats and scale beats (runs follow back to back on each)."""
        self.q_source.send_nowait(AxiStreamFrame(beats(row.q.astype(np.int8).tobytes())))
        self.s_source.send_nowait(AxiStreamFrame(beats(row.s.astype("<f4").tobytes())))

    async def start(self, row: Row) -> None:
        """Pulse start with the run's configuration (held until the next start)."""
        await RisingEdge(self.dut.clk)
        self.dut.cfg_gs64.value = int(row.gs == 64)
        self.dut.cfg_dim.value = row.dim
        self.dut.start.value = 1
        await RisingEdge(self.dut.clk)
        self.dut.start.value = 0
        await ReadOnly()
        assert self.dut.busy.value, f"{row}: busy low after start"

    async def run_and_check(self, row: Row) -> None:
        """Start one run (its beats already queued), wait for done, compare its output frame."""
        await self.start(row)
        for _ in range(20 * (row.dim // 16) + 2000):
            await RisingEdge(self.dut.clk)
            await ReadOnly()
            if self.dut.done.value:
                assert not self.dut.busy.value, f"{row}: busy high with done"
                break
        else:
            raise AssertionError(f"{row}: no done")
        frame = await with_timeout(self.sink.recv(), 10, "us")
        assert_streams_equal(row.expected(), list(frame.tdata), f"{row}: result beats")

    async def check_framing(self, runs: int) -> None:
        """One tlast per run, done one cycle after each; handshakes legal."""
        await self.cycles(2)  # the monitor samples the last done pulse at the next edge
        assert len(self.last_cycles) == runs, f"{len(self.last_cycles)} tlast beats for {runs} runs"
        assert self.done_cycles == [c + 1 for c in self.last_cycles], \
            f"done at {self.done_cycles}, tlast taken at {self.last_cycles}"
        violations = [v for m in self.monitors.values() for v in m.violations]
        assert not violations, "handshake violations:\n  " + "\n  ".join(violations)


def rows(tb: TB) -> list[Row]:
    """Smallest rows, odd value and scale beat counts, dim = MAX_DIM, specials, random."""
    fixed = [(32, 32, "q8"), (64, 64, "random"), (288, 32, "special"), (544, 32, "random"),
             (1088, 64, "q8"), (tb.max_dim, 32, "special"), (tb.max_dim, 64, "random")]
    out = [tb.row(dim, gs, kind) for dim, gs, kind in fixed if dim <= tb.max_dim]
    for i in range(6):
        gs = random.choice([32, 64])
        out.append(tb.row(gs * random.randint(1, tb.max_dim // gs), gs, ("q8", "random", "special")[i % 3]))
    return out


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(idle=PAUSE_OPTIONS, backpressure=PAUSE_OPTIONS)
async def run_test_runs(dut, idle: Generator = None, backpressure: Generator = None) -> None:
    """Runs back to back (both streams queued up front), exact frames, tlast and done timing."""
    tb = TB(dut)
    tb.set_pauses(idle, backpressure)
    await tb.cycle_reset()
    runs = rows(tb)
    for row in runs:
        tb.queue(row)
    for row in runs:
        await tb.run_and_check(row)
    await tb.cycles(20)
    assert tb.sink.empty(), "output after the last run"
    assert tb.q_source.empty() and tb.s_source.empty(), "input beats left over"
    q_beats = sum(-(-r.dim // 64) for r in runs)
    s_beats = sum(-(-(r.dim // r.gs) // 16) for r in runs)
    assert tb.monitors["q"].count == q_beats, f"{tb.monitors['q'].count} value beats taken for {q_beats}"
    assert tb.monitors["s"].count == s_beats, f"{tb.monitors['s'].count} scale beats taken for {s_beats}"
    await tb.check_framing(len(runs))
    tb.log.info("%d runs exact: %d value, %d scale, %d result beats", len(runs), q_beats, s_beats,
                tb.monitors["out"].count)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_run(dut) -> None:
    """Reset while results stream out under backpressure; the next runs are exact."""
    tb = TB(dut)
    tb.set_pauses(cycle_pause, cycle_pause)
    await tb.cycle_reset()
    row = tb.row(tb.max_dim, 32, "q8")
    tb.queue(row)
    await tb.start(row)
    for _ in range(5000):
        await RisingEdge(dut.clk)
        if tb.monitors["out"].count >= 4:
            break
    assert tb.monitors["out"].count >= 4, "the run did not get going"
    await tb.cycle_reset()
    for stream in (tb.q_source, tb.s_source, tb.sink):
        stream.clear()
    await ReadOnly()
    assert not dut.busy.value and not dut.m_axis_out_tvalid.value, "busy or output after reset"
    await RisingEdge(dut.clk)
    tb.last_cycles.clear()
    tb.done_cycles.clear()
    tb.set_pauses(None, None)
    runs = [tb.row(96, 32, "random"), tb.row(tb.max_dim, 64, "special")]
    for row in runs:
        tb.queue(row)
    for row in runs:
        await tb.run_and_check(row)
    await tb.check_framing(len(runs))


# MAX_DIM: small for the pytest run (the RTL default, 8192, is what make sim builds).
@pytest.mark.parametrize("max_dim", [1024])
def test_embed_core(max_dim: int) -> None:
    """Build embed_core with this maximum and run every cocotb test above."""
    run_cocotb("embed_core", __file__, {"MAX_DIM": max_dim})
