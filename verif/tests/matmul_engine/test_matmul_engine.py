"""Direct cocotb tests for ``rtl/kernels/matmul_engine.sv`` (the Q8_0 datapath, no AXI).

The matmul kernel's testbench (``verif/tests/matmul``) verifies the engine's arithmetic through
the AXI wrapper with one x vector a run. This one drives the engine's streams directly and
checks what the wrapper does not reach: several x vectors a run (``TOKENS`` > 1, the prefill
path, docs/results.md "What the open targets need"), where every weight beat is multiplied with
each of ``cfg_tokens`` vectors and each block yields one result beat per token, token 0 first.

- x: ``cfg_tokens`` vectors back to back, each ``host.image.pack_vector`` (value beats, then
  ceil(groups / 16) scale beats); the engine counts each vector's beats itself;
- weights: ``host.image.pack_matrix`` beats, taken only once ``w_enable`` is high (the
  testbench raises it when the last x beat has been sent);
- results: per block, cfg_tokens beats; per token the numerics model of the matmul testbench
  (``model_bits``: per row, sequentially over groups, ``acc = scale_acc(acc, dot_group(w, x),
  ws, xs)`` from +0.0), compared as uint32 patterns, padded rows included.

What is checked: shapes of both group sizes (one group; a block; rows not a multiple of 16;
cols = MAX_COLS) with 1 .. TOKENS vectors, runs back to back without reset; weight pauses
crossed with output backpressure (never / 3 cycles of 4 / random); output held back until the
FIFO is full: the weight stream stops at a block start and resumes, nothing lost; reset in the
middle of a run, then exact runs; the scoreboard catches results of the wrong token and a model
that skips a group (a comparison that can fail).

Run: ``pytest verif/tests/matmul_engine`` (MAX_COLS 1024; TOKENS 1 and 3: a token count that is
not a power of two) or ``make sim MODULE=matmul_engine``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cocotb
import numpy as np
import pytest
import torch
from cocotb.triggers import ReadOnly, RisingEdge, with_timeout
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from hlstransform.host import image as im
from hlstransform.model.quant import QTensor
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import assert_streams_equal, compare_streams
from hlstransform.verif.tb import (PAUSE_OPTIONS, HandshakeMonitor, TbBase, beats, cycle_pause, param,
                                  set_stream_pauses)
from hlstransform.verif.tests.matmul.test_matmul import Case, make_case, model_bits

Generator = Callable[[], Iterator[int]] | None
TIMEOUT_US = 4_000


@dataclass
class Run:
    """One engine run: a matrix and the x vectors it multiplies (token 0 first)."""

    rows: int
    cols: int
    gs: int
    w: QTensor
    xs: list[QTensor]
    label: str = ""

    @property
    def layout(self) -> im.MatrixLayout:
        return im.MatrixLayout(self.rows, self.cols, self.gs)

    def token_case(self, t: int) -> Case:
        """Token *t*'s matrix-vector product as the matmul testbench's case."""
        return Case(self.rows, self.cols, self.gs, self.w, self.xs[t])

    def expected(self, skip_group: int | None = None, order: list[int] | None = None) -> list[int]:
        """Result beats: per block, token by token (*order* of tokens), 16 rows as uint32 each."""
        bits = [model_bits(self.token_case(t), skip_group) for t in range(len(self.xs))]
        out = []
        for b in range(self.layout.blocks):
            for t in order if order is not None else range(len(self.xs)):
                out.append(sum(v << (32 * i) for i, v in enumerate(bits[t][16 * b:16 * b + 16])))
        return out

    def __str__(self) -> str:
        return f"{self.rows}x{self.cols} GS {self.gs}, {len(self.xs)} tokens{' ' + self.label if self.label else ''}"


def make_run(rows: int, cols: int, gs: int, tokens: int, rng: np.random.Generator, kind: str = "q8",
             label: str = "") -> Run:
    """A matrix and *tokens* x vectors of one data *kind* (the matmul testbench's generators)."""
    cases = [make_case(rows, cols, gs, rng, kind) for _ in range(tokens)]
    return Run(rows, cols, gs, cases[0].w, [c.x for c in cases], label or kind)


class TB(TbBase):
    """matmul_engine with stream sources on ``s_axis_x`` and ``s_axis_w``, a sink on ``m_axis_out``.

    The streams have no tkeep or tlast: the models run with one 512-bit "byte" per beat.
    """

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.tokens = param("TOKENS", 1)
        # cfg_tokens is clog2(TOKENS + 1) bits wide: proof that the build took TOKENS.
        assert len(dut.cfg_tokens) == self.tokens.bit_length(), f"cfg_tokens is {len(dut.cfg_tokens)} bits"
        self.max_cols = param("MAX_COLS", 8192)
        self.rng = np.random.default_rng(random.getrandbits(32))
        self.x_source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis_x"), dut.clk, dut.rst, byte_lanes=1)
        self.w_source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis_w"), dut.clk, dut.rst, byte_lanes=1)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis_out"), dut.clk, dut.rst, byte_lanes=1)
        self.w_monitor = HandshakeMonitor(dut.clk, dut.s_axis_w_tvalid, dut.s_axis_w_tready, [dut.s_axis_w_tdata],
                                          "s_axis_w", dut.rst)
        self.out_monitor = HandshakeMonitor(dut.clk, dut.m_axis_out_tvalid, dut.m_axis_out_tready,
                                            [dut.m_axis_out_tdata], "m_axis_out", dut.rst)
        for sig in (dut.cfg_start, dut.cfg_gs64, dut.cfg_groups, dut.cfg_x_value_beats, dut.cfg_tokens, dut.w_enable):
            sig.value = 0
        self.log.info("TB: TOKENS %d, MAX_COLS %d", self.tokens, self.max_cols)

    def set_pauses(self, idle: Generator = None, backpressure: Generator = None) -> None:
        """Pause the x and weight sources with *idle*, the sink with *backpressure*."""
        set_stream_pauses((self.x_source, self.w_source), (self.sink,), idle, backpressure)

    async def start(self, run: Run) -> None:
        """cfg_start with the run's configuration (held until the next start), then its x vectors."""
        d = self.dut
        await RisingEdge(d.clk)
        d.w_enable.value = 0
        d.cfg_gs64.value = int(run.gs == 64)
        d.cfg_groups.value = run.layout.groups
        d.cfg_x_value_beats.value = im.VectorLayout(run.cols, run.gs).value_beats
        d.cfg_tokens.value = len(run.xs)
        d.cfg_start.value = 1
        await RisingEdge(d.clk)
        d.cfg_start.value = 0
        x_beats = [b for x in run.xs for b in beats(im.pack_vector(x.q, x.s))]
        await self.x_source.send(AxiStreamFrame(x_beats))
        await self.x_source.wait()
        await RisingEdge(d.clk)
        d.w_enable.value = 1
        self.w_source.send_nowait(AxiStreamFrame(beats(im.pack_matrix(run.w, run.gs))))

    async def results(self, run: Run) -> list[int]:
        """The run's result beats, once the last has been taken."""
        got = []
        for _ in range(run.layout.blocks * len(run.xs)):
            frame = await with_timeout(self.sink.recv(), 200, "us")
            got.append(int(frame.tdata[0]))
        return got

    async def run_and_check(self, run: Run) -> list[int]:
        """One run from start to its last result beat, compared with the model."""
        await self.start(run)
        got = await self.results(run)
        assert_streams_equal(run.expected(), got, f"{run}: result beats")
        await self.w_source.wait()
        self.check_protocol()
        return got

    def check_protocol(self) -> None:
        violations = self.w_monitor.violations + self.out_monitor.violations
        assert not violations, "handshake violations:\n  " + "\n  ".join(violations)

    def runs(self, count: int) -> list[Run]:
        """Directed shapes, then random ones; 1 .. TOKENS vectors each, data kinds mixed."""
        shapes = [(1, 32, 32), (1, 64, 64), (16, 64, 64), (16, 64, 32), (21, 96, 32), (37, 192, 64),
                  (40, self.max_cols, 64), (33, self.max_cols, 32)]
        for _ in range(count - len(shapes)):
            gs = random.choice([32, 64])
            shapes.append((random.randint(1, 70), gs * random.randint(1, self.max_cols // gs), gs))
        kinds = ("q8", "random", "special")
        out = []
        for i, (rows, cols, gs) in enumerate(shapes):
            tokens = self.tokens if i % 2 == 0 else random.randint(1, self.tokens)
            kind = kinds[i % 3] if rows * (cols // gs) >= 20 else "random"  # "special" picks 20 scales
            out.append(make_run(rows, cols, gs, tokens, self.rng, kind))
        return out


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(idle=PAUSE_OPTIONS, backpressure=PAUSE_OPTIONS)
async def run_test_runs(dut, idle: Generator = None, backpressure: Generator = None) -> None:
    """Runs back to back without reset: every token's result beats exact, in block and token order."""
    tb = TB(dut)
    tb.set_pauses(idle, backpressure)
    await tb.cycle_reset()
    runs = tb.runs(12)
    for run in runs:
        await tb.run_and_check(run)
    await tb.cycles(50)
    assert tb.sink.empty(), "result beats after the last run"
    w_beats = sum(r.layout.beats for r in runs)
    assert tb.w_monitor.count == w_beats, f"{tb.w_monitor.count} weight beats taken, {w_beats} sent"
    tb.log.info("%d runs exact (%d with %d tokens), %d weight beats, %d result beats", len(runs),
                sum(len(r.xs) == tb.tokens for r in runs), tb.tokens, w_beats, tb.out_monitor.count)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_output_backpressure(dut) -> None:
    """Results held back until the output FIFO is full: the weight stream stops at a block start
    (no credit), then resumes when results are taken; nothing is lost."""
    tb = TB(dut)
    await tb.cycle_reset()
    run = make_run(16 * 12, 64, 64, tb.tokens, tb.rng, label="held")  # 12 blocks of 17 beats
    tb.sink.pause = True
    await tb.start(run)
    await tb.cycles(400)
    taken = tb.w_monitor.count
    assert 0 < taken < run.layout.beats, f"{taken} of {run.layout.beats} weight beats taken with the output held"
    assert taken % run.layout.beats_per_block == 0, f"the weight stream stopped mid-block ({taken} beats)"
    tb.sink.pause = False
    got = await tb.results(run)
    assert_streams_equal(run.expected(), got, f"{run}: result beats")
    tb.check_protocol()
    tb.log.info("output held: the weight stream stopped after %d beats (%d blocks), then all %d results exact",
                taken, taken // run.layout.beats_per_block, len(got))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_run(dut) -> None:
    """Reset while weights stream and results wait; the runs after it are exact."""
    tb = TB(dut)
    tb.set_pauses(cycle_pause, cycle_pause)
    await tb.cycle_reset()
    run = make_run(64, tb.max_cols, 32, tb.tokens, tb.rng)
    await tb.start(run)
    for _ in range(20000):
        await RisingEdge(dut.clk)
        if tb.out_monitor.count >= 1:
            break
    assert tb.out_monitor.count >= 1, "the run did not get going"
    await tb.cycle_reset()
    tb.w_source.clear()
    tb.sink.clear()
    await ReadOnly()
    assert not dut.m_axis_out_tvalid.value, "result beat after reset"
    await RisingEdge(dut.clk)
    tb.set_pauses(None, None)
    for after in (make_run(21, 96, 32, tb.tokens, tb.rng, label="after reset"),
                  make_run(37, 192, 64, 1, tb.rng, "special")):
        await tb.run_and_check(after)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """The comparison fails for results in the wrong token order (TOKENS > 1), a model that
    skips a group and one flipped bit."""
    tb = TB(dut)
    await tb.cycle_reset()
    run = make_run(40, 256, 32, tb.tokens, tb.rng)
    got = await tb.run_and_check(run)
    wrongs = {"skipped group 3": run.expected(skip_group=3),
              "one bit flipped": [got[0] ^ (1 << 37)] + got[1:]}
    if tb.tokens > 1:
        wrongs["tokens swapped"] = run.expected(order=[1, 0] + list(range(2, tb.tokens)))
    for what, wrong in wrongs.items():
        assert compare_streams(wrong, got), f"the scoreboard missed: {what}"
    tb.log.info("scoreboard catches: %s", ", ".join(wrongs))


# MAX_COLS 1024 keeps the cols = MAX_COLS runs short; TOKENS 3: more than one vector a run, and a
# count that is not a power of two. `make sim MODULE=matmul_engine` builds the RTL defaults.
@pytest.mark.parametrize("tokens", [1, 3])
def test_matmul_engine(tokens: int) -> None:
    """Build matmul_engine with TOKENS vectors and run every cocotb test above."""
    run_cocotb("matmul_engine", __file__, {"MAX_COLS": 1024, "TOKENS": tokens})
