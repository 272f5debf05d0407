"""cocotb tests for ``rtl/common/axi_read_stream.sv`` (AXI4 read master -> AXI4-Stream).

What is checked:

- random commands (start addresses not 4 KiB aligned, lengths 0, 1, 63, 64, 65, across a 4 KiB
  boundary, a few hundred beats, random), queued back to back, stream exactly the memory
  contents, one frame per non-empty command with tlast on its last beat; one done per command,
  error clear; memory pauses on AR and R (never / 3 cycles of 4 / random, independent per
  channel) crossed with stream backpressure (never / 3 cycles of 4);
- the bursts are exactly the reference split (INCR, full width, <= MAX_BURST_BEATS, split at
  every 4 KiB boundary; the DDR model also records any violation), at most MAX_OUTSTANDING in
  flight, never more beats requested than the FIFO holds, and RREADY never drops;
- SLVERR and DECERR: error set at that command's done, done still arrives with every beat,
  the next command clears error and reads correctly;
- reset in the middle of a transfer, then a clean run;
- throughput: with no pauses and 40 cycles of read latency a long read streams at >= 0.95
  beats/cycle (logged; ``AXI_STREAM_LONG=1`` for a long run), and the figure under
  DESIGN.md's honest DDR timing (85 % beat rate) is logged;
- the scoreboard and the burst checks fail on a corrupted beat, a dropped beat, a changed burst
  split and an illegal burst (tests that can fail).

Run: ``make sim MODULE=axi_read_stream`` (add ``WAVES=1`` for ``dump.fst``,
``PARAM_DATA_WIDTH=64`` for another width), or ``pytest verif/tests/axi_read_stream`` for the
parameter sets below.
"""

from __future__ import annotations

import copy
import os
import random
from collections.abc import Callable, Iterator

import cocotb
import pytest
from cocotb.triggers import RisingEdge, with_timeout
from cocotbext.axi import AxiBurstType, AxiResp, AxiStreamBus, AxiStreamSink
from cocotbext.axi.stream import define_stream

from hlstransform.verif.ddr import HONEST_TIMING, PAGE_BYTES, DdrModel, burst_problems, split_bursts
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import MISSING, assert_streams_equal, compare_streams
from hlstransform.verif.tb import PAUSE_OPTIONS, HandshakeMonitor, TbBase, cycle_pause, param

Generator = Callable[[], Iterator[int]] | None

CmdBus, CmdTransaction, CmdSource, CmdSink, CmdMonitor = define_stream(
    "StreamCmd", signals=["addr", "beats", "valid", "ready"]
)

TIMEOUT_US = 2000
LONG = os.environ.get("AXI_STREAM_LONG", "").strip() not in ("", "0")
BASE = 0x0010_0000  # where the test regions start (any beat-aligned address works)
CROSS = -1          # length marker: a random length placed across a 4 KiB boundary
ALIGNED = -2        # length marker: one 4 KiB page (or MAX_BURST_BEATS beats) starting on a page boundary


class TB(TbBase):
    """axi_read_stream with a DdrModel on ``m_axi``, a command source and a stream sink on ``m_axis``.

    Stream beats are whole words (``byte_lanes=1``), so a frame is a list of ints. A watcher
    records every done (with error), R stalls, bursts in flight and beats requested but not yet
    delivered, each cycle.
    """

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.data_width = self.check_param("DATA_WIDTH", len(dut.m_axis_tdata))
        self.byte_lanes = self.data_width // 8
        self.max_burst = param("MAX_BURST_BEATS", 64)
        self.max_outstanding = param("MAX_OUTSTANDING", 8)
        self.fifo_depth = param("FIFO_DEPTH", self.max_burst * self.max_outstanding)
        self.ddr = DdrModel.from_prefix(dut, "m_axi", dut.clk, dut.rst, max_burst_beats=self.max_burst)
        self.cmd = CmdSource(CmdBus.from_prefix(dut, "cmd"), dut.clk, dut.rst)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst, byte_lanes=1)
        self.sink.log.setLevel("WARNING")  # no per-frame dump of hundreds of 512-bit words
        self.m_monitor = HandshakeMonitor(
            dut.clk, dut.m_axis_tvalid, dut.m_axis_tready, [dut.m_axis_tdata, dut.m_axis_tlast], "m_axis", dut.rst
        )
        self.cmd_monitor = HandshakeMonitor(
            dut.clk, dut.cmd_valid, dut.cmd_ready, [dut.cmd_addr, dut.cmd_beats], "cmd", dut.rst
        )
        self.clear_watch()
        cocotb.start_soon(self._watch())

    def clear_watch(self) -> None:
        """Forget what the watcher recorded."""
        self.cycle = 0
        self.dones: list[tuple[int, int]] = []  # (cycle, error) of every cycle with done high
        self.r_stalls = 0                       # cycles with rvalid high and rready low
        self.max_in_flight = 0                  # AR handshakes minus R bursts completed
        self.max_requested = 0                  # beats asked on AR minus beats delivered on m_axis
        self.first_ar = self.first_beat = None
        self._in_flight = self._requested = 0

    async def _watch(self) -> None:
        dut = self.dut
        while True:
            await RisingEdge(dut.clk)
            self.cycle += 1
            if dut.rst.value:
                self._in_flight = self._requested = 0
                continue
            if dut.done.value:
                self.dones.append((self.cycle, int(dut.error.value)))
            if dut.m_axi_arvalid.value and dut.m_axi_arready.value:
                self._in_flight += 1
                self._requested += int(dut.m_axi_arlen.value) + 1
                if self.first_ar is None:
                    self.first_ar = self.cycle
            if dut.m_axi_rvalid.value:
                if not dut.m_axi_rready.value:
                    self.r_stalls += 1
                elif dut.m_axi_rlast.value:
                    self._in_flight -= 1
            if dut.m_axis_tvalid.value and dut.m_axis_tready.value:
                self._requested -= 1
                if self.first_beat is None:
                    self.first_beat = self.cycle
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            self.max_requested = max(self.max_requested, self._requested)

    def set_memory_pauses(self, generator: Generator = None) -> None:
        """Pause the memory's AR (arready low) and R (rvalid low) channels (None: never)."""
        self.ddr.set_pauses(generator)

    def set_backpressure_generator(self, generator: Generator = None) -> None:
        """Pause the stream sink (m_axis_tready low) with *generator* (None: never)."""
        self.sink.set_pause_generator(generator() if generator else None)
        if not generator:
            self.sink.pause = False

    def fill(self, start: int, length: int) -> None:
        """Fill ``[start, start + length)`` of memory with random bytes."""
        self.ddr.write(start, random.randbytes(length))

    def expected(self, addr: int, beats: int) -> list[int]:
        """The words a command should deliver, read from memory."""
        data = self.ddr.read(addr, beats * self.byte_lanes)
        return [int.from_bytes(data[i * self.byte_lanes:(i + 1) * self.byte_lanes], "little") for i in range(beats)]

    def plan(self, lengths: list[int], start: int = BASE) -> list[tuple[int, int]]:
        """Place one command per length in a fresh region after *start* (gaps of 1..8 beats).

        Starts are beat aligned and not 4 KiB aligned, except :data:`ALIGNED`; :data:`CROSS`
        becomes a random length placed across a 4 KiB boundary.
        """
        b = self.byte_lanes
        cursor, commands = start, []
        for n in lengths:
            addr = cursor + random.randint(1, 8) * b
            if n == CROSS:
                n = random.randint(2, min(self.max_burst, 40))
                boundary = (addr // PAGE_BYTES + 1) * PAGE_BYTES
                addr = boundary - random.randint(1, n - 1) * b
                if addr < cursor:
                    addr += PAGE_BYTES
            elif n == ALIGNED:
                n = min(PAGE_BYTES // b, self.max_burst)
                addr = (addr // PAGE_BYTES + 1) * PAGE_BYTES
            elif addr % PAGE_BYTES == 0:
                addr += b
            commands.append((addr, n))
            cursor = addr + n * b
        return commands

    def queue_commands(self, commands: list[tuple[int, int]]) -> None:
        """Queue every command on the command source (sent back to back)."""
        for addr, beats in commands:
            self.cmd.send_nowait(CmdTransaction(addr=addr, beats=beats))

    async def receive(self, count: int) -> list[list[int]]:
        """Receive *count* frames from the sink, as lists of words."""
        frames = []
        for _ in range(count):
            frame = await with_timeout(self.sink.recv(), TIMEOUT_US, "us")
            frames.append(list(frame.tdata))
        return frames

    async def wait_dones(self, count: int, limit: int = 200_000) -> None:
        """Wait until *count* dones were seen (fails after *limit* cycles)."""
        for _ in range(limit):
            if len(self.dones) >= count:
                return
            await RisingEdge(self.dut.clk)
        raise AssertionError(f"{len(self.dones)} dones after {limit} cycles, expected {count}")

    async def run_commands(self, commands: list[tuple[int, int]]) -> list[list[int]]:
        """Queue *commands*, collect their frames and dones; check data, bursts and status."""
        self.clear_watch()
        first_burst = len(self.ddr.bursts)
        self.queue_commands(commands)
        frames = await self.receive(sum(1 for _, n in commands if n))
        await self.wait_dones(len(commands))
        await self.cycles(4)
        assert_streams_equal([self.expected(a, n) for a, n in commands if n], frames, "m_axis frames")
        assert self.sink.empty(), "frames after the last expected one"
        assert len(self.dones) == len(commands), f"{len(self.dones)} dones for {len(commands)} commands"
        assert not any(err for _, err in self.dones), f"error set without an error response: {self.dones}"
        assert not self.dut.busy.value, "busy after every command is done"
        assert self.dut.cmd_ready.value, "cmd_ready low when idle"
        self.check_bursts(commands, first_burst)
        self.check_protocol()
        return frames

    def reference_bursts(self, commands: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The bursts the reference split gives for *commands*, in order: (addr, beats)."""
        return [burst for a, n in commands for burst in split_bursts(a, n, self.byte_lanes, self.max_burst)]

    def check_bursts(self, commands: list[tuple[int, int]], first: int = 0) -> None:
        """The AR bursts since index *first* are the reference split; flow-control bounds held."""
        seen = [(b.addr, b.beats) for b in self.ddr.bursts[first:]]
        assert_streams_equal(self.reference_bursts(commands), seen, "AR bursts (addr, beats)")
        assert self.max_in_flight <= self.max_outstanding, (
            f"{self.max_in_flight} bursts in flight > MAX_OUTSTANDING {self.max_outstanding}")
        # The FIFO plus its output register and the two-entry skid buffer hold what was requested.
        assert self.max_requested <= self.fifo_depth + 3, (
            f"{self.max_requested} beats requested and undelivered > FIFO_DEPTH {self.fifo_depth} + 3")
        assert self.r_stalls == 0, f"RREADY low on {self.r_stalls} cycles with RVALID high"

    def check_protocol(self) -> None:
        """Fail on any AXI / AXI4-Stream rule breach seen so far."""
        self.ddr.check()
        violations = self.m_monitor.violations + self.cmd_monitor.violations
        assert not violations, "handshake violations:\n  " + "\n  ".join(violations)


def random_lengths(tb: TB, count: int) -> list[int]:
    """The required lengths plus *count* random ones, shuffled."""
    lengths = [0, 1, 63, 64, 65, CROSS, CROSS, ALIGNED, 300, 0]
    lengths += [random.randint(1, 2 * tb.max_burst + 2) for _ in range(count)]
    random.shuffle(lengths)
    return lengths


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=PAUSE_OPTIONS, backpressure_inserter=(None, cycle_pause))
async def run_test_commands(dut, memory_inserter: Generator = None, backpressure_inserter: Generator = None) -> None:
    """Random back-to-back commands stream the memory contents, under every pause combination."""
    tb = TB(dut)
    tb.set_memory_pauses(memory_inserter)
    tb.set_backpressure_generator(backpressure_inserter)
    await tb.cycle_reset()

    commands = tb.plan(random_lengths(tb, 6))
    end = max(a + n * tb.byte_lanes for a, n in commands)
    tb.fill(BASE, end - BASE + PAGE_BYTES)
    await tb.run_commands(commands)
    beats = sum(n for _, n in commands)
    tb.log.info("%d commands, %d beats, %d bursts over %d cycles; max %d bursts in flight, %d beats requested",
                len(commands), beats, len(tb.ddr.bursts), tb.cycle, tb.max_in_flight, tb.max_requested)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_error_response(dut) -> None:
    """SLVERR and DECERR set error at that command's done; every beat and done still come; the next command is clean."""
    tb = TB(dut)
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()

    for resp in (AxiResp.SLVERR, AxiResp.DECERR):
        tb.ddr.clear_errors()
        tb.ddr.error_resp = resp
        commands = tb.plan([70, 130, 70], start=BASE + (0x10_0000 if resp == AxiResp.DECERR else 0))
        end = max(a + n * tb.byte_lanes for a, n in commands)
        tb.fill(commands[0][0], end - commands[0][0])
        bad_addr, bad_beats = commands[1]
        tb.ddr.add_error_range(bad_addr + 100 * tb.byte_lanes, tb.byte_lanes)  # one beat, in a later burst

        # Three commands back to back: the middle one fails.
        tb.clear_watch()
        tb.queue_commands(commands)
        frames = await tb.receive(3)
        await tb.wait_dones(3)
        assert [len(f) for f in frames] == [n for _, n in commands], "a failed command must still deliver every beat"
        assert_streams_equal([tb.expected(*commands[0]), tb.expected(*commands[2])], [frames[0], frames[2]],
                             "frames of the clean commands")
        errors = [err for _, err in tb.dones]
        assert errors[0] == 0 and errors[1] == 1, f"error at the dones {errors}: expected [0, 1, ...]"
        assert tb.dut.error.value, "error must stay set (sticky) until the next command"
        assert tb.ddr.stats.read_error_beats > 0, "the memory answered no error"
        await tb.cycles(10)
        assert tb.dut.error.value, "error must stay set until the next command"

        # The next command clears error when accepted and reads correctly.
        clean = tb.plan([65], start=end + PAGE_BYTES)
        tb.fill(clean[0][0], 65 * tb.byte_lanes)
        tb.clear_watch()
        tb.queue_commands(clean)
        await RisingEdge(tb.dut.clk)
        while not (tb.dut.cmd_valid.value and tb.dut.cmd_ready.value):
            await RisingEdge(tb.dut.clk)
        await RisingEdge(tb.dut.clk)
        assert not tb.dut.error.value, "error not cleared by the next command"
        frames = await tb.receive(1)
        await tb.wait_dones(1)
        assert_streams_equal([tb.expected(*clean[0])], frames, "frame after the error")
        assert tb.dones[0][1] == 0, "the clean command after an error reported error"
        tb.log.info("%s: error at done %s, next command clean", resp.name, errors)
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_transfer(dut) -> None:
    """Reset in the middle of a long read drops it cleanly; the next commands are exact."""
    tb = TB(dut)
    tb.set_memory_pauses(cycle_pause)
    tb.set_backpressure_generator(cycle_pause)
    await tb.cycle_reset()

    commands = tb.plan([300, 64])
    tb.fill(BASE, commands[-1][0] + 64 * tb.byte_lanes - BASE)
    tb.queue_commands(commands)
    for _ in range(10_000):
        await RisingEdge(tb.dut.clk)
        if tb.m_monitor.count >= 40:
            break
    assert tb.m_monitor.count >= 40, "nothing streamed before the reset"
    assert tb.ddr.reads_in_flight > 0 or tb.dut.busy.value, "the read finished before the reset"

    tb.rst.value = 1
    await tb.cycles(2)
    tb.cmd.clear()
    await tb.cycles(2)
    tb.rst.value = 0
    await RisingEdge(tb.dut.clk)
    await tb.cycles(2)
    assert not tb.dut.m_axis_tvalid.value, "stale beat after reset"
    assert not tb.dut.m_axi_arvalid.value, "stale burst after reset"
    assert not tb.dut.busy.value and not tb.dut.error.value and not tb.dut.done.value, "status not cleared by reset"
    tb.sink.clear()

    commands = tb.plan(random_lengths(tb, 2), start=commands[-1][0] + PAGE_BYTES)
    end = max(a + n * tb.byte_lanes for a, n in commands)
    tb.fill(commands[0][0], end - commands[0][0])
    await tb.run_commands(commands)


async def measure_read(tb: TB, beats: int, label: str) -> float:
    """Stream one long read with no stream pauses; return and log the steady-state beats/cycle."""
    (addr, n), = tb.plan([beats], start=BASE + 0x40_0000)
    tb.fill(addr, n * tb.byte_lanes)
    tb.m_monitor.clear()
    tb.clear_watch()
    frames = await tb.run_commands([(addr, n)])
    assert len(frames[0]) == n
    span = tb.m_monitor.span()
    rate = n / span
    tb.log.info("throughput (%s): %d beats in %d cycles = %.3f beats/cycle; first beat %d cycles after the "
                "first AR; max %d bursts in flight; DATA_WIDTH %d, MAX_OUTSTANDING %d",
                label, n, span, rate, tb.first_beat - tb.first_ar, tb.max_in_flight, tb.data_width,
                tb.max_outstanding)
    return rate


@cocotb.test(timeout_time=TIMEOUT_US * 5, timeout_unit="us")
async def run_test_throughput(dut) -> None:
    """No pauses, 40 cycles of read latency: a long read streams at >= 0.95 beats/cycle."""
    tb = TB(dut)
    tb.ddr.read_latency = 40
    await tb.cycle_reset()

    beats = 16384 if LONG else 1024
    rate = await measure_read(tb, beats, "read latency 40, no pauses")
    assert rate >= 0.95, f"{rate:.3f} beats/cycle < 0.95"

    # DESIGN.md section 8's honest channel: the master should get about its 85 % beat rate.
    tb.ddr.read_latency = HONEST_TIMING["read_latency"]
    tb.ddr.beat_rate = HONEST_TIMING["beat_rate"]
    honest = await measure_read(tb, beats, "honest DDR: latency 40, 85 % beat rate")
    assert honest >= 0.95 * HONEST_TIMING["beat_rate"], f"{honest:.3f} beats/cycle against an 85 % channel"


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_checks_catch_corruption(dut) -> None:
    """The scoreboard and burst checks fail on corrupted data and illegal bursts (tests can fail)."""
    tb = TB(dut)
    await tb.cycle_reset()

    commands = tb.plan([65, CROSS, 1])
    tb.fill(BASE, commands[-1][0] + tb.byte_lanes - BASE)
    frames = await tb.run_commands(commands)
    expected = [tb.expected(a, n) for a, n in commands]
    assert compare_streams(expected, frames) == [], "clean run must compare equal"

    corrupted = copy.deepcopy(frames)
    idx = random.randrange(len(frames))
    beat = random.randrange(len(frames[idx]))
    corrupted[idx][beat] ^= 1 << random.randrange(tb.data_width)
    assert [m.index for m in compare_streams(expected, corrupted)] == [idx], "flipped bit not caught"
    dropped = copy.deepcopy(frames)
    del dropped[0][-1]
    assert [m.index for m in compare_streams(expected, dropped)] == [0], "dropped beat not caught"
    missing = compare_streams(expected, frames[:-1])
    assert len(missing) == 1 and missing[0].actual is MISSING, "missing frame not caught"

    # A burst split other than the reference (here: 4 KiB crossing merged) is caught...
    reference = tb.reference_bursts(commands)
    merged = [(reference[0][0], reference[0][1] + reference[1][1])] + reference[2:]
    with pytest.raises(AssertionError, match="mismatches"):
        assert_streams_equal(reference, merged, "AR bursts")
    # ... and the DDR model's burst rules reject crossing, narrow, FIXED and over-long bursts.
    b = tb.byte_lanes
    assert burst_problems(PAGE_BYTES - b, 2, (b - 1).bit_length(), AxiBurstType.INCR, b), "4 KiB crossing not caught"
    assert burst_problems(0, 1, (b - 1).bit_length() - 1, AxiBurstType.INCR, b), "narrow burst not caught"
    assert burst_problems(0, 1, (b - 1).bit_length(), AxiBurstType.FIXED, b), "FIXED burst not caught"
    assert burst_problems(0, tb.max_burst + 1, (b - 1).bit_length(), AxiBurstType.INCR, b, tb.max_burst), \
        "over-long burst not caught"
    assert not burst_problems(PAGE_BYTES - b, 1, (b - 1).bit_length(), AxiBurstType.INCR, b), "legal burst flagged"
    tb.ddr.violations.append("injected")
    with pytest.raises(AssertionError, match="1 AXI violations"):
        tb.ddr.check()
    tb.ddr.violations.clear()


# (DATA_WIDTH, MAX_OUTSTANDING): the default build, and a narrow one with a small FIFO.
PARAMETER_SETS = [(512, 8), (64, 2)]


@pytest.mark.parametrize(("data_width", "max_outstanding"), PARAMETER_SETS)
def test_axi_read_stream(data_width: int, max_outstanding: int) -> None:
    """Build axi_read_stream with these parameters and run every cocotb test above."""
    run_cocotb("axi_read_stream", __file__, {"DATA_WIDTH": data_width, "MAX_OUTSTANDING": max_outstanding})
