"""cocotb tests for ``rtl/common/axis_skid_buffer.sv`` (two-entry AXI4-Stream register slice).

What is checked:

- random frames pass unchanged and in order, with source idles and sink backpressure each
  crossed over never / 3 cycles of 4 / random, and both sides obey the AXI4-Stream handshake rule;
- full throughput: with no pauses one beat per cycle on both sides, one cycle of latency;
- a full stall fills exactly the two entries, then s_axis_tready drops;
- reset in the middle of a stalled frame empties the buffer and leaks no stale beat;
- the scoreboard fails on a corrupted, dropped or missing beat (a test that can fail).

Run: ``make sim MODULE=axis_skid_buffer`` (add ``WAVES=1`` for ``dump.fst``, ``PARAM_DATA_WIDTH=64``
for another width), or ``pytest verif/tests/axis_skid_buffer`` for every width below.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator

import cocotb
import pytest
from cocotb.triggers import RisingEdge, with_timeout
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import (
    MISSING,
    InOrderScoreboard,
    assert_streams_equal,
    compare_streams,
)
from hlstransform.verif.tb import PAUSE_OPTIONS, HandshakeMonitor, TbBase, cycle_pause

Generator = Callable[[], Iterator[int]] | None

TIMEOUT_US = 200


class TB(TbBase):
    """axis_skid_buffer with an AXI4-Stream source on ``s_axis`` and a sink on ``m_axis``.

    Beats are whole words: the buffer has no tkeep, so the models run with one
    DATA_WIDTH-bit "byte" per beat and a frame is a list of ints.
    """

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.data_width = self.check_param("DATA_WIDTH", len(dut.s_axis_tdata))
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst, byte_lanes=1)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst, byte_lanes=1)
        self.s_monitor = HandshakeMonitor(
            dut.clk, dut.s_axis_tvalid, dut.s_axis_tready, [dut.s_axis_tdata, dut.s_axis_tlast], "s_axis", dut.rst
        )
        self.m_monitor = HandshakeMonitor(
            dut.clk, dut.m_axis_tvalid, dut.m_axis_tready, [dut.m_axis_tdata, dut.m_axis_tlast], "m_axis", dut.rst
        )

    def set_idle_generator(self, generator: Generator = None) -> None:
        """Pause the source with *generator* (None: never)."""
        if generator:
            self.source.set_pause_generator(generator())

    def set_backpressure_generator(self, generator: Generator = None) -> None:
        """Pause the sink (drop m_axis_tready) with *generator* (None: never)."""
        if generator:
            self.sink.set_pause_generator(generator())

    def random_word(self) -> int:
        """A random word, all-zeros and all-ones included often enough to matter."""
        pick = random.random()
        if pick < 0.1:
            return 0
        if pick < 0.2:
            return (1 << self.data_width) - 1
        return random.getrandbits(self.data_width)

    def random_frames(self, count: int, max_len: int) -> list[list[int]]:
        """*count* frames of 1..*max_len* random words; the first ones are single-beat."""
        lengths = [1, 1, 2] + [random.randint(1, max_len) for _ in range(max(0, count - 3))]
        return [[self.random_word() for _ in range(n)] for n in lengths[:count]]

    async def send_all(self, frames: list[list[int]]) -> None:
        """Queue every frame on the source."""
        for frame in frames:
            await self.source.send(AxiStreamFrame(frame))

    async def receive(self, count: int) -> list[list[int]]:
        """Receive *count* frames from the sink, as lists of words."""
        received = []
        for _ in range(count):
            frame = await with_timeout(self.sink.recv(), TIMEOUT_US, "us")
            received.append(list(frame.tdata))
        return received

    def check_protocol(self) -> None:
        """Fail on any handshake-rule breach seen on either side."""
        violations = self.s_monitor.violations + self.m_monitor.violations
        assert not violations, "AXI4-Stream handshake violations:\n  " + "\n  ".join(violations)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(idle_inserter=PAUSE_OPTIONS, backpressure_inserter=PAUSE_OPTIONS)
async def run_test_frames(dut, idle_inserter: Generator = None, backpressure_inserter: Generator = None) -> None:
    """Random frames come out unchanged and in order, under every pause combination."""
    tb = TB(dut)
    tb.set_idle_generator(idle_inserter)
    tb.set_backpressure_generator(backpressure_inserter)
    await tb.cycle_reset()

    frames = tb.random_frames(count=40, max_len=16)
    scoreboard = InOrderScoreboard("m_axis frames")
    scoreboard.expect_all(frames)
    await tb.send_all(frames)
    for frame in await tb.receive(len(frames)):
        scoreboard.check(frame)
    scoreboard.finish()

    await tb.cycles(8)
    assert tb.sink.empty(), "frames after the last expected one"
    beats = sum(len(f) for f in frames)
    assert tb.s_monitor.count == beats, f"{tb.s_monitor.count} beats accepted, {beats} sent"
    assert tb.m_monitor.count == beats, f"{tb.m_monitor.count} beats delivered, {beats} sent"
    tb.check_protocol()
    tb.log.info("%d frames, %d beats in order over %d cycles", len(frames), beats, tb.m_monitor.span())


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_throughput(dut) -> None:
    """With no pauses the buffer moves one beat per cycle, with one cycle of latency."""
    tb = TB(dut)
    await tb.cycle_reset()

    frames = [[tb.random_word() for _ in range(16)] for _ in range(16)]
    beats = sum(len(f) for f in frames)
    for frame in frames:
        tb.source.send_nowait(AxiStreamFrame(frame))  # queued up front: sent back to back
    received = await tb.receive(len(frames))
    assert_streams_equal(frames, received, "m_axis frames")

    in_span, out_span = tb.s_monitor.span(), tb.m_monitor.span()
    latency = tb.m_monitor.transfer_cycles[0] - tb.s_monitor.transfer_cycles[0]
    tb.log.info("throughput: %d beats accepted in %d cycles, delivered in %d cycles, latency %d",
                beats, in_span, out_span, latency)
    assert in_span == beats, f"input side took {in_span} cycles for {beats} beats (s_axis_tready dropped)"
    assert out_span == beats, f"output side took {out_span} cycles for {beats} beats (bubbles)"
    assert latency == 1, f"latency {latency} cycles, expected 1"
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_full_stall(dut) -> None:
    """With the sink stopped the buffer takes exactly two beats, then drops s_axis_tready."""
    tb = TB(dut)
    tb.sink.pause = True
    await tb.cycle_reset()

    frame = [tb.random_word() for _ in range(8)]
    await tb.send_all([frame])
    await tb.cycles(16)
    assert tb.s_monitor.count == 2, f"{tb.s_monitor.count} beats accepted while stalled, expected 2"
    assert not tb.dut.s_axis_tready.value, "s_axis_tready high with both entries full"
    assert tb.dut.m_axis_tvalid.value, "m_axis_tvalid low with data inside"

    tb.sink.pause = False
    assert_streams_equal([frame], await tb.receive(1), "m_axis frames")
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_stream(dut) -> None:
    """Reset in the middle of a stalled frame empties the buffer; later frames are clean."""
    tb = TB(dut)
    tb.set_backpressure_generator(cycle_pause)
    await tb.cycle_reset()

    await tb.send_all([[tb.random_word() for _ in range(64)]])
    await tb.cycles(20)
    assert tb.m_monitor.count > 0, "nothing moved before the reset"

    tb.dut.rst.value = 1
    await RisingEdge(tb.dut.clk)
    await RisingEdge(tb.dut.clk)
    assert not tb.dut.m_axis_tvalid.value, "m_axis_tvalid high in reset"
    assert not tb.dut.s_axis_tready.value, "s_axis_tready high in reset"
    tb.source.clear()
    tb.dut.rst.value = 0
    await tb.cycles(2)
    assert not tb.dut.m_axis_tvalid.value, "stale beat left after reset"
    tb.sink.clear()

    frames = tb.random_frames(count=10, max_len=8)
    await tb.send_all(frames)
    assert_streams_equal(frames, await tb.receive(len(frames)), "m_axis frames after reset")
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """The comparison fails on a flipped bit, a dropped beat and a missing frame (tests can fail)."""
    tb = TB(dut)
    await tb.cycle_reset()

    frames = tb.random_frames(count=8, max_len=8)
    await tb.send_all(frames)
    received = await tb.receive(len(frames))
    assert compare_streams(frames, received) == [], "clean run must compare equal"

    frame_idx = random.randrange(len(frames))
    beat_idx = random.randrange(len(frames[frame_idx]))
    bit = random.randrange(tb.data_width)
    corrupted = copy.deepcopy(received)
    corrupted[frame_idx][beat_idx] ^= 1 << bit
    mismatches = compare_streams(frames, corrupted)
    assert [m.index for m in mismatches] == [frame_idx], f"flipped bit not caught: {mismatches}"
    tb.log.info("caught: %s", mismatches[0])

    dropped = copy.deepcopy(received)
    del dropped[frame_idx][beat_idx]
    assert [m.index for m in compare_streams(frames, dropped)] == [frame_idx], "dropped beat not caught"

    missing = compare_streams(frames, received[:-1])
    assert len(missing) == 1 and missing[0].actual is MISSING, "missing frame not caught"

    scoreboard = InOrderScoreboard("corrupted")
    scoreboard.expect_all(frames)
    for frame in corrupted:
        scoreboard.check(frame)
    with pytest.raises(AssertionError, match="1 mismatches"):
        scoreboard.finish()


@pytest.mark.parametrize("data_width", [8, 64])
def test_axis_skid_buffer(data_width: int) -> None:
    """Build axis_skid_buffer at DATA_WIDTH=*data_width* and run every cocotb test above."""
    run_cocotb("axis_skid_buffer", __file__, {"DATA_WIDTH": data_width})
