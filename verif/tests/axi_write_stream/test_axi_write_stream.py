"""cocotb tests for ``rtl/common/axi_write_stream.sv`` (AXI4-Stream -> AXI4 write master).

What is checked:

- random commands (start addresses not 4 KiB aligned, lengths 0, 1, 63, 64, 65, across a 4 KiB
  boundary, a few hundred beats, random), queued back to back with their stream data, land in
  memory exactly, and every sentinel byte around and between the target regions is untouched;
  one done per command, error clear; memory pauses (AW/W/B) crossed with stream source idles,
  each never / 3 cycles of 4 (memory also random);
- the bursts are exactly the reference split (INCR, full width, <= MAX_BURST_BEATS, split at
  every 4 KiB boundary, WSTRB all ones, WLAST on each burst's last beat; the DDR model records
  any violation), at most MAX_OUTSTANDING bursts await B, no W burst starts before its AW is
  valid, and once a W burst started WVALID never drops before WLAST (store and forward);
- SLVERR and DECERR: error set at that command's done, done still arrives, the failing beat is
  not written, the others are; the next command clears error and writes correctly;
- reset in the middle of a transfer, then a clean run;
- throughput: with no pauses and 40 cycles of write response latency a long write moves
  >= 0.95 beats/cycle on both s_axis and W (logged; ``AXI_STREAM_LONG=1`` for a long run), and
  the figure under DESIGN.md's honest DDR timing (85 % beat rate) is logged;
- the memory comparison fails on a corrupted byte in a target region and in a sentinel, and
  the burst checks on an illegal burst (tests that can fail).

Run: ``make sim MODULE=axi_write_stream`` (add ``WAVES=1`` for ``dump.fst``,
``PARAM_DATA_WIDTH=64`` for another width), or ``pytest verif/tests/axi_write_stream`` for the
parameter sets below.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator

import cocotb
import pytest
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiBurstType, AxiResp, AxiStreamBus, AxiStreamFrame, AxiStreamSource
from cocotbext.axi.stream import define_stream

from hlstransform.verif.ddr import HONEST_TIMING, PAGE_BYTES, DdrModel, burst_problems, split_bursts
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import Mismatch, assert_streams_equal, compare_streams
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
    """axi_write_stream with a DdrModel on ``m_axi``, a command source and a stream source on ``s_axis``.

    Stream beats are whole words (``byte_lanes=1``). Memory checks keep a byte-exact model of
    a window: random sentinel bytes everywhere, overwritten by what each command should write,
    compared beat by beat with the DDR model's memory. A watcher records every done (with
    error), bursts awaiting B, W bursts started before their AW and gaps inside W bursts.
    """

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.data_width = self.check_param("DATA_WIDTH", len(dut.s_axis_tdata))
        self.byte_lanes = self.data_width // 8
        self.max_burst = param("MAX_BURST_BEATS", 64)
        self.max_outstanding = param("MAX_OUTSTANDING", 8)
        self.ddr = DdrModel.from_prefix(dut, "m_axi", dut.clk, dut.rst, max_burst_beats=self.max_burst)
        self.cmd = CmdSource(CmdBus.from_prefix(dut, "cmd"), dut.clk, dut.rst)
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst, byte_lanes=1)
        self.source.log.setLevel("WARNING")  # no per-frame dump of hundreds of 512-bit words
        self.s_monitor = HandshakeMonitor(dut.clk, dut.s_axis_tvalid, dut.s_axis_tready, [], "s_axis", dut.rst)
        self.cmd_monitor = HandshakeMonitor(
            dut.clk, dut.cmd_valid, dut.cmd_ready, [dut.cmd_addr, dut.cmd_beats], "cmd", dut.rst
        )
        self.window = (0, 0)
        self.model = bytearray()
        self.clear_watch()
        cocotb.start_soon(self._watch())

    def clear_watch(self) -> None:
        """Forget what the watcher recorded."""
        self.cycle = 0
        self.dones: list[tuple[int, int]] = []  # (cycle, error) of every cycle with done high
        self.max_in_flight = 0                  # AW handshakes minus B handshakes
        self.w_before_aw = 0                    # W bursts whose first beat came before their AWVALID
        self.w_gaps = 0                         # cycles with WVALID low inside a W burst
        self.first_cmd = self.last_done = None
        self._in_flight = self._aw_done = self._w_started = 0
        self._w_counted = self._in_burst = False

    async def _watch(self) -> None:
        dut = self.dut
        while True:
            await RisingEdge(dut.clk)
            self.cycle += 1
            if dut.rst.value:
                self._in_flight = self._aw_done = self._w_started = 0
                self._w_counted = self._in_burst = False
                continue
            if dut.done.value:
                self.dones.append((self.cycle, int(dut.error.value)))
                self.last_done = self.cycle
            if self.first_cmd is None and dut.cmd_valid.value and dut.cmd_ready.value:
                self.first_cmd = self.cycle
            awvalid, wvalid, wready = bool(dut.m_axi_awvalid.value), bool(dut.m_axi_wvalid.value), bool(dut.m_axi_wready.value)
            if wvalid and not self._w_counted:
                self._w_started += 1
                self._w_counted = True
                if self._w_started > self._aw_done + int(awvalid):
                    self.w_before_aw += 1
            if self._in_burst and not wvalid:
                self.w_gaps += 1
            if wvalid and wready:
                last = bool(dut.m_axi_wlast.value)
                self._in_burst = not last
                self._w_counted = not last
            if awvalid and dut.m_axi_awready.value:
                self._aw_done += 1
                self._in_flight += 1
            if dut.m_axi_bvalid.value and dut.m_axi_bready.value:
                self._in_flight -= 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def set_memory_pauses(self, generator: Generator = None) -> None:
        """Pause the memory's AW, W (ready low) and B (bvalid low) channels (None: never)."""
        self.ddr.set_pauses(generator)

    def set_idle_generator(self, generator: Generator = None) -> None:
        """Pause the stream source (s_axis_tvalid low) with *generator* (None: never)."""
        self.source.set_pause_generator(generator() if generator else None)
        if not generator:
            self.source.pause = False

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

    def open_window(self, commands: list[tuple[int, int]]) -> None:
        """Fill memory around *commands* (a page either side) with random sentinels; model it."""
        lo = min(a for a, _ in commands) // PAGE_BYTES * PAGE_BYTES - PAGE_BYTES
        hi = (max(a + n * self.byte_lanes for a, n in commands) // PAGE_BYTES + 2) * PAGE_BYTES
        self.window = (lo, hi)
        self.model = bytearray(random.randbytes(hi - lo))
        self.ddr.write(lo, bytes(self.model))

    def random_words(self, count: int) -> list[int]:
        """*count* random words, all-zeros and all-ones included."""
        words = [random.getrandbits(self.data_width) for _ in range(count)]
        for i in range(0, count, 17):
            words[i] = random.choice((0, (1 << self.data_width) - 1, words[i]))
        return words

    def queue_commands(self, commands: list[tuple[int, int]]) -> None:
        """Queue every command and its stream data (sent back to back); update the memory model.

        Beats in the DDR model's error ranges are not written (the memory drops them).
        """
        lo, _ = self.window
        for addr, beats in commands:
            words = self.random_words(beats)
            self.cmd.send_nowait(CmdTransaction(addr=addr, beats=beats))
            if beats:
                self.source.send_nowait(AxiStreamFrame(words))
            for i, word in enumerate(words):
                beat_addr = addr + i * self.byte_lanes
                if not self.ddr.is_error(beat_addr, write=True):
                    offset = beat_addr - lo
                    self.model[offset:offset + self.byte_lanes] = word.to_bytes(self.byte_lanes, "little")

    def memory_mismatches(self) -> list[Mismatch]:
        """Beats of the window whose memory differs from the model (index = beat in the window)."""
        lo, hi = self.window
        actual = self.ddr.read(lo, hi - lo)
        b = self.byte_lanes
        return compare_streams([self.model[i:i + b] for i in range(0, hi - lo, b)],
                               [actual[i:i + b] for i in range(0, hi - lo, b)])

    def check_memory(self) -> None:
        """Raise unless the window equals the model (targets written, sentinels untouched)."""
        lo, _ = self.window
        bad = self.memory_mismatches()
        if bad:
            where = ", ".join(f"0x{lo + m.index * self.byte_lanes:x}" for m in bad[:8])
            raise AssertionError(f"memory differs from the model in {len(bad)} beats, at {where}")

    async def wait_dones(self, count: int, limit: int = 200_000) -> None:
        """Wait until *count* dones were seen (fails after *limit* cycles)."""
        for _ in range(limit):
            if len(self.dones) >= count:
                return
            await RisingEdge(self.dut.clk)
        raise AssertionError(f"{len(self.dones)} dones after {limit} cycles, expected {count}")

    async def run_commands(self, commands: list[tuple[int, int]]) -> None:
        """Write *commands* (with a fresh sentinel window); check memory, bursts and status."""
        self.open_window(commands)
        self.clear_watch()
        first_burst = len(self.ddr.bursts)
        self.queue_commands(commands)
        await self.wait_dones(len(commands))
        await self.cycles(4)
        self.check_memory()
        assert len(self.dones) == len(commands), f"{len(self.dones)} dones for {len(commands)} commands"
        assert not any(err for _, err in self.dones), f"error set without an error response: {self.dones}"
        assert not self.dut.busy.value, "busy after every command is done"
        assert self.dut.cmd_ready.value, "cmd_ready low when idle"
        assert self.source.empty() and not self.source.active, "stream beats left unconsumed"
        self.check_bursts(commands, first_burst)
        self.check_protocol()

    def reference_bursts(self, commands: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The bursts the reference split gives for *commands*, in order: (addr, beats)."""
        return [burst for a, n in commands for burst in split_bursts(a, n, self.byte_lanes, self.max_burst)]

    def check_bursts(self, commands: list[tuple[int, int]], first: int = 0) -> None:
        """The AW bursts since index *first* are the reference split; flow-control rules held."""
        seen = [(b.addr, b.beats) for b in self.ddr.bursts[first:]]
        assert_streams_equal(self.reference_bursts(commands), seen, "AW bursts (addr, beats)")
        assert self.max_in_flight <= self.max_outstanding, (
            f"{self.max_in_flight} bursts awaiting B > MAX_OUTSTANDING {self.max_outstanding}")
        assert self.w_before_aw == 0, f"{self.w_before_aw} W bursts started before their AWVALID"
        assert self.w_gaps == 0, f"WVALID low on {self.w_gaps} cycles inside W bursts (not store and forward)"

    def check_protocol(self) -> None:
        """Fail on any AXI / AXI4-Stream rule breach seen so far."""
        self.ddr.check()
        violations = self.s_monitor.violations + self.cmd_monitor.violations
        assert not violations, "handshake violations:\n  " + "\n  ".join(violations)


def random_lengths(tb: TB, count: int) -> list[int]:
    """The required lengths plus *count* random ones, shuffled."""
    lengths = [0, 1, 63, 64, 65, CROSS, CROSS, ALIGNED, 300, 0]
    lengths += [random.randint(1, 2 * tb.max_burst + 2) for _ in range(count)]
    random.shuffle(lengths)
    return lengths


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=PAUSE_OPTIONS, idle_inserter=(None, cycle_pause))
async def run_test_commands(dut, memory_inserter: Generator = None, idle_inserter: Generator = None) -> None:
    """Random back-to-back commands write the stream exactly, under every pause combination."""
    tb = TB(dut)
    tb.set_memory_pauses(memory_inserter)
    tb.set_idle_generator(idle_inserter)
    await tb.cycle_reset()

    commands = tb.plan(random_lengths(tb, 6))
    await tb.run_commands(commands)
    tb.log.info("%d commands, %d beats, %d bursts over %d cycles; max %d bursts awaiting B",
                len(commands), sum(n for _, n in commands), len(tb.ddr.bursts), tb.cycle, tb.max_in_flight)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_error_response(dut) -> None:
    """SLVERR and DECERR set error at that command's done; done still comes; the next command is clean."""
    tb = TB(dut)
    tb.set_memory_pauses(cycle_pause)
    await tb.cycle_reset()

    for resp in (AxiResp.SLVERR, AxiResp.DECERR):
        tb.ddr.clear_errors()
        tb.ddr.error_resp = resp
        commands = tb.plan([70, 130, 70], start=BASE + (0x10_0000 if resp == AxiResp.DECERR else 0))
        tb.open_window(commands)
        bad_addr, _ = commands[1]
        tb.ddr.add_error_range(bad_addr + 100 * tb.byte_lanes, tb.byte_lanes)  # one beat, in a later burst

        # Three commands back to back: the middle one fails; its bad beat is not written.
        tb.clear_watch()
        tb.queue_commands(commands)
        await tb.wait_dones(3)
        await tb.cycles(4)
        tb.check_memory()
        errors = [err for _, err in tb.dones]
        assert errors[0] == 0 and errors[1] == 1, f"error at the dones {errors}: expected [0, 1, ...]"
        assert tb.ddr.stats.write_error_bursts > 0, "the memory answered no error"
        await tb.cycles(10)
        assert tb.dut.error.value, "error must stay set (sticky) until the next command"

        # The next command clears error when accepted and writes correctly.
        tb.ddr.clear_errors()
        clean = tb.plan([65], start=commands[-1][0] + 2 * PAGE_BYTES)
        tb.open_window(clean)
        tb.clear_watch()
        tb.queue_commands(clean)
        await RisingEdge(tb.dut.clk)
        while not (tb.dut.cmd_valid.value and tb.dut.cmd_ready.value):
            await RisingEdge(tb.dut.clk)
        await RisingEdge(tb.dut.clk)
        assert not tb.dut.error.value, "error not cleared by the next command"
        await tb.wait_dones(1)
        await tb.cycles(4)
        tb.check_memory()
        assert tb.dones[0][1] == 0, "the clean command after an error reported error"
        tb.log.info("%s: error at dones %s, next command clean", resp.name, errors)
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_transfer(dut) -> None:
    """Reset in the middle of a long write stops it cleanly; the next commands are exact."""
    tb = TB(dut)
    tb.set_memory_pauses(cycle_pause)
    tb.set_idle_generator(cycle_pause)
    await tb.cycle_reset()

    commands = tb.plan([300, 64])
    tb.open_window(commands)
    tb.queue_commands(commands)
    for _ in range(10_000):
        await RisingEdge(tb.dut.clk)
        if tb.ddr.stats.write_beats >= 40:
            break
    assert tb.ddr.stats.write_beats >= 40, "nothing written before the reset"
    assert tb.dut.busy.value, "the write finished before the reset"

    tb.rst.value = 1
    await tb.cycles(2)
    tb.cmd.clear()
    tb.source.clear()
    await tb.cycles(2)
    tb.rst.value = 0
    await RisingEdge(tb.dut.clk)
    await tb.cycles(2)
    assert not tb.dut.m_axi_awvalid.value and not tb.dut.m_axi_wvalid.value, "stale burst after reset"
    assert not tb.dut.busy.value and not tb.dut.error.value and not tb.dut.done.value, "status not cleared by reset"

    commands = tb.plan(random_lengths(tb, 2), start=commands[-1][0] + 2 * PAGE_BYTES)
    await tb.run_commands(commands)


async def measure_write(tb: TB, beats: int, label: str) -> tuple[float, float]:
    """Write one long command with no stream idles; return and log s_axis and W beats/cycle."""
    commands = tb.plan([beats], start=BASE + 0x40_0000)
    tb.s_monitor.clear()
    tb.ddr.w_monitor.clear()
    await tb.run_commands(commands)
    s_rate = beats / tb.s_monitor.span()
    w_rate = beats / tb.ddr.w_monitor.span()
    tb.log.info("throughput (%s): %d beats; s_axis %.3f beats/cycle, W %.3f beats/cycle, command to done %d "
                "cycles; max %d bursts awaiting B; DATA_WIDTH %d, MAX_OUTSTANDING %d",
                label, beats, s_rate, w_rate, tb.last_done - tb.first_cmd, tb.max_in_flight,
                tb.data_width, tb.max_outstanding)
    return s_rate, w_rate


@cocotb.test(timeout_time=TIMEOUT_US * 5, timeout_unit="us")
async def run_test_throughput(dut) -> None:
    """No pauses, 40 cycles of write response latency: a long write moves >= 0.95 beats/cycle."""
    tb = TB(dut)
    tb.ddr.write_latency = 40
    await tb.cycle_reset()

    beats = 16384 if LONG else 1024
    s_rate, w_rate = await measure_write(tb, beats, "write latency 40, no pauses")
    assert s_rate >= 0.95 and w_rate >= 0.95, f"s_axis {s_rate:.3f}, W {w_rate:.3f} beats/cycle < 0.95"

    # DESIGN.md section 8's honest channel: the master should get about its 85 % beat rate.
    tb.ddr.write_latency = HONEST_TIMING["write_latency"]
    tb.ddr.beat_rate = HONEST_TIMING["beat_rate"]
    s_rate, w_rate = await measure_write(tb, beats, "honest DDR: latency 40, 85 % beat rate")
    assert w_rate >= 0.95 * HONEST_TIMING["beat_rate"], f"W {w_rate:.3f} beats/cycle against an 85 % channel"


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_checks_catch_corruption(dut) -> None:
    """The memory comparison and burst checks fail on corruption and illegal bursts (tests can fail)."""
    tb = TB(dut)
    await tb.cycle_reset()

    commands = tb.plan([65, CROSS, 1])
    await tb.run_commands(commands)
    assert tb.memory_mismatches() == [], "clean run must compare equal"
    lo, _ = tb.window

    # A flipped bit inside a target region is caught, at its beat...
    addr, beats = commands[0]
    target = addr + random.randrange(beats) * tb.byte_lanes + random.randrange(tb.byte_lanes)
    saved = tb.ddr.read(target, 1)
    tb.ddr.write(target, bytes([saved[0] ^ (1 << random.randrange(8))]))
    assert [m.index for m in tb.memory_mismatches()] == [(target - lo) // tb.byte_lanes], "flipped target bit not caught"
    with pytest.raises(AssertionError, match="differs from the model in 1 beats"):
        tb.check_memory()
    tb.ddr.write(target, saved)
    # ... and so is a write one byte past the end of a region (a sentinel).
    sentinel = addr + beats * tb.byte_lanes
    saved = tb.ddr.read(sentinel, 1)
    tb.ddr.write(sentinel, bytes([saved[0] ^ 0xFF]))
    assert [m.index for m in tb.memory_mismatches()] == [(sentinel - lo) // tb.byte_lanes], "sentinel hit not caught"
    tb.ddr.write(sentinel, saved)
    tb.check_memory()

    # A burst split other than the reference is caught; the DDR model rejects illegal bursts.
    reference = tb.reference_bursts(commands)
    merged = [(reference[0][0], reference[0][1] + reference[1][1])] + reference[2:]
    with pytest.raises(AssertionError, match="mismatches"):
        assert_streams_equal(reference, merged, "AW bursts")
    b = tb.byte_lanes
    assert burst_problems(PAGE_BYTES - b, 2, (b - 1).bit_length(), AxiBurstType.INCR, b), "4 KiB crossing not caught"
    assert burst_problems(0, 1, (b - 1).bit_length(), AxiBurstType.WRAP, b), "WRAP burst not caught"
    tb.ddr.violations.append("injected")
    with pytest.raises(AssertionError, match="1 AXI violations"):
        tb.ddr.check()
    tb.ddr.violations.clear()


# (DATA_WIDTH, MAX_OUTSTANDING): the default build, and a narrow one with few bursts in flight.
PARAMETER_SETS = [(512, 8), (64, 2)]


@pytest.mark.parametrize(("data_width", "max_outstanding"), PARAMETER_SETS)
def test_axi_write_stream(data_width: int, max_outstanding: int) -> None:
    """Build axi_write_stream with these parameters and run every cocotb test above."""
    run_cocotb("axi_write_stream", __file__, {"DATA_WIDTH": data_width, "MAX_OUTSTANDING": max_outstanding})
