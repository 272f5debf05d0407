"""cocotb tests for ``rtl/forward/fwd_channel.sv`` (the forward kernel's DDR channel: two tagged
read ports sharing one AXI4 master, and a write stream).

What is checked:

- random read commands (random port, tag and length, 1..300 beats, some across 4 KiB) queued
  back to back: each port delivers exactly the memory contents of its own commands, in command
  order, every beat with its command's tag and tlast on each command's last beat; under memory
  pauses on AR and R crossed with independent backpressure on the two ports;
- the ports are independent: with port 1's consumer stopped and more queued on port 1 than its
  read FIFO holds, every command of port 0 still completes (R never stalls; port 1 only issues
  bursts it has room for), then port 1's beats all arrive once its consumer runs;
- a port takes CMD_DEPTH commands without any beat consumed and refuses the next one;
- every AR burst is legal (the DDR model's burst rules) with the ARID of its port; RREADY
  never drops while RVALID is high; neither port has more bursts in flight than its limit
  (MAX_OUTSTANDING, PORT1_MAX_OUTSTANDING);
- a write command writes its beats (the write path shares the channel);
- the scoreboard fails on a flipped data bit, a wrong tag and a beat delivered on the wrong port.

Run: ``make sim MODULE=fwd_channel`` (``WAVES=1`` for ``dump.fst``), or
``pytest verif/tests/fwd_channel``.
"""

from __future__ import annotations

import copy
import random

import cocotb
import pytest
from cocotb.triggers import RisingEdge
from cocotbext.axi.stream import define_stream

from hlstransform.verif.ddr import PAGE_BYTES, DdrModel
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import assert_streams_equal, compare_streams
from hlstransform.verif.tb import PAUSE_OPTIONS, HandshakeMonitor, TbBase, cycle_pause, param, random_pause

CmdBus, CmdTransaction, CmdSource, CmdSink, CmdMonitor = define_stream(
    "FwdReadCmd", signals=["addr", "beats", "tag", "port", "valid", "ready"]
)
WrCmdBus, WrCmdTransaction, WrCmdSource, WrCmdSink, WrCmdMonitor = define_stream(
    "FwdWriteCmd", signals=["addr", "beats", "valid", "ready"]
)

TIMEOUT_US = 3000
BASE = 0x0020_0000
BYTES = 64  # 512-bit beats
PORTS = ("rd", "rd1")


class TB(TbBase):
    """fwd_channel with a DdrModel on ``m_axi``, a read command source and a consumer per read port.

    Each port's consumer drives its tready (optionally paused) and records every beat taken as
    (data, tag, last).
    """

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.cmd_depth = param("CMD_DEPTH", 32)
        self.max_outstanding = param("MAX_OUTSTANDING", 8)
        self.port1_fifo_depth = param("PORT1_FIFO_DEPTH", 2048)
        self.port1_max_outstanding = param("PORT1_MAX_OUTSTANDING", 2)
        self.ddr = DdrModel.from_prefix(dut, "m_axi", dut.clk, dut.rst, max_burst_beats=64, read_latency=40)
        self.cmd = CmdSource(CmdBus.from_prefix(dut, "rd_cmd"), dut.clk, dut.rst)
        self.wr_cmd = WrCmdSource(WrCmdBus.from_prefix(dut, "wr_cmd"), dut.clk, dut.rst)
        self.beats: list[list[tuple[int, int, int]]] = [[], []]
        self.pauses = [None, None]
        self.stopped = [False, False]
        self.r_stalls = 0
        self.arids: list[int] = []
        self.in_flight = [0, 0]       # per ARID: bursts whose AR was taken and last R beat not yet
        self.max_in_flight = [0, 0]
        self.monitors = [
            HandshakeMonitor(dut.clk, getattr(dut, f"{p}_tvalid"), getattr(dut, f"{p}_tready"),
                             [getattr(dut, f"{p}_tdata"), getattr(dut, f"{p}_ttag"), getattr(dut, f"{p}_tlast")],
                             p, dut.rst)
            for p in PORTS
        ]
        dut.rd_tready.value = 0
        dut.rd1_tready.value = 0
        dut.wr_tvalid.value = 0
        dut.wr_tdata.value = 0
        for port in (0, 1):
            cocotb.start_soon(self._consume(port))
        cocotb.start_soon(self._watch())

    def set_backpressure(self, port: int, generator=None) -> None:
        """Pause port *port*'s consumer with *generator* (None: always ready)."""
        self.pauses[port] = generator() if generator else None

    async def _consume(self, port: int) -> None:
        dut = self.dut
        name = PORTS[port]
        tvalid, tready = getattr(dut, f"{name}_tvalid"), getattr(dut, f"{name}_tready")
        tdata, ttag, tlast = getattr(dut, f"{name}_tdata"), getattr(dut, f"{name}_ttag"), getattr(dut, f"{name}_tlast")
        while True:
            await RisingEdge(dut.clk)
            if tvalid.value and tready.value and not dut.rst.value:
                self.beats[port].append((int(tdata.value), int(ttag.value), int(tlast.value)))
            pause = self.stopped[port] or (self.pauses[port] is not None and next(self.pauses[port]))
            tready.value = 0 if pause else 1

    async def _watch(self) -> None:
        dut = self.dut
        while True:
            await RisingEdge(dut.clk)
            if dut.rst.value:
                continue
            if dut.m_axi_rvalid.value and not dut.m_axi_rready.value:
                self.r_stalls += 1
            if dut.m_axi_rvalid.value and dut.m_axi_rready.value and dut.m_axi_rlast.value:
                self.in_flight[int(dut.m_axi_rid.value) & 1] -= 1
            if dut.m_axi_arvalid.value and dut.m_axi_arready.value:
                arid = int(dut.m_axi_arid.value)
                self.arids.append(arid)
                self.in_flight[arid & 1] += 1
                self.max_in_flight[arid & 1] = max(self.max_in_flight[arid & 1], self.in_flight[arid & 1])

    def plan(self, count: int) -> list[tuple[int, int, int, int]]:
        """*count* commands (addr, beats, tag, port) in fresh regions after BASE, memory filled."""
        cursor, commands = BASE, []
        for _ in range(count):
            beats = random.choice([1, 2, 63, 64, 65, random.randint(1, 300)])
            addr = cursor + random.randint(1, 8) * BYTES
            if random.random() < 0.3:  # across a 4 KiB boundary
                addr = (addr // PAGE_BYTES + 1) * PAGE_BYTES - random.randint(1, 8) * BYTES
            commands.append((addr, beats, random.randrange(16), random.randrange(2)))
            cursor = addr + beats * BYTES
        self.ddr.write(BASE, random.randbytes(cursor - BASE + PAGE_BYTES))
        return commands

    def expected(self, commands, port: int) -> list[tuple[int, int, int]]:
        """The beats port *port* must deliver for *commands*: (data, tag, last) in command order."""
        out = []
        for addr, beats, tag, p in commands:
            if p != port:
                continue
            data = self.ddr.read(addr, beats * BYTES)
            for i in range(beats):
                out.append((int.from_bytes(data[i * BYTES:(i + 1) * BYTES], "little"), tag, int(i == beats - 1)))
        return out

    def queue(self, commands) -> None:
        for addr, beats, tag, port in commands:
            self.cmd.send_nowait(CmdTransaction(addr=addr, beats=beats, tag=tag, port=port))

    async def wait_beats(self, counts: tuple[int, int], limit: int = 200_000) -> None:
        """Wait until each port took at least its count of beats (fails after *limit* cycles)."""
        for _ in range(limit):
            if len(self.beats[0]) >= counts[0] and len(self.beats[1]) >= counts[1]:
                return
            await RisingEdge(self.dut.clk)
        raise AssertionError(f"beats taken {len(self.beats[0])}/{len(self.beats[1])} after {limit} cycles, "
                             f"expected {counts}")

    def check(self, commands) -> None:
        for port in (0, 1):
            assert_streams_equal(self.expected(commands, port), self.beats[port], f"read port {port} beats")
        self.ddr.check()
        violations = [v for m in self.monitors for v in m.violations]
        assert not violations, "handshake violations:\n  " + "\n  ".join(violations)
        assert self.r_stalls == 0, f"RREADY low on {self.r_stalls} cycles with RVALID high"
        assert set(self.arids) <= {0, 1}, f"ARIDs {set(self.arids)} beyond the two ports"
        # Port 1 reads ahead with few bursts in flight (so it never queues far ahead of port 0).
        limits = [self.max_outstanding, self.port1_max_outstanding]
        for port in (0, 1):
            assert self.max_in_flight[port] <= limits[port], \
                f"port {port}: {self.max_in_flight[port]} bursts in flight, at most {limits[port]}"


async def run_commands(tb: TB, commands) -> None:
    tb.queue(commands)
    counts = tuple(sum(n for _, n, _, p in commands if p == port) for port in (0, 1))
    await tb.wait_beats(counts)
    await tb.cycles(8)
    tb.check(commands)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=PAUSE_OPTIONS, backpressure_inserter=(None, cycle_pause, random_pause))
async def run_test_two_ports(dut, memory_inserter=None, backpressure_inserter=None) -> None:
    """Random commands on both ports: each port streams its own commands' memory, tags and framing."""
    tb = TB(dut)
    tb.ddr.set_pauses(memory_inserter)
    tb.set_backpressure(0, backpressure_inserter)
    tb.set_backpressure(1, random_pause if backpressure_inserter else None)
    await tb.cycle_reset()
    commands = tb.plan(24)
    await run_commands(tb, commands)
    assert tb.arids.count(1) > 0 and tb.arids.count(0) > 0, "both ports should have issued bursts"


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_ports_are_independent(dut) -> None:
    """Port 1 stopped with more queued than its FIFO holds: port 0's commands all complete anyway."""
    tb = TB(dut)
    await tb.cycle_reset()
    tb.stopped[1] = True
    fifo_beats = tb.port1_fifo_depth
    cursor = BASE
    commands = []
    # Port 1 first, in command order: more than its read FIFO holds.
    for _ in range(3):
        beats = fifo_beats // 2 + 17
        commands.append((cursor, beats, 5, 1))
        cursor += beats * BYTES
    for _ in range(6):
        beats = random.randint(50, 200)
        commands.append((cursor, beats, 9, 0))
        cursor += beats * BYTES
    tb.ddr.write(BASE, random.randbytes(cursor - BASE))
    tb.queue(commands)
    port0_beats = sum(n for _, n, _, p in commands if p == 0)
    await tb.wait_beats((port0_beats, 0), limit=20_000)
    assert len(tb.beats[1]) == 0, "port 1's consumer was stopped"
    assert tb.r_stalls == 0, "a stopped port stalled the R channel"
    tb.stopped[1] = False
    port1_beats = sum(n for _, n, _, p in commands if p == 1)
    await tb.wait_beats((port0_beats, port1_beats))
    await tb.cycles(8)
    tb.check(commands)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_queue_depth(dut) -> None:
    """A port takes CMD_DEPTH commands with no beat consumed and refuses the next until a beat is taken."""
    tb = TB(dut)
    accepted = HandshakeMonitor(dut.clk, dut.rd_cmd_valid, dut.rd_cmd_ready,
                                [dut.rd_cmd_addr, dut.rd_cmd_beats, dut.rd_cmd_tag, dut.rd_cmd_port], "rd_cmd", dut.rst)
    await tb.cycle_reset()
    tb.stopped[0] = True
    commands = [(BASE + i * 2 * BYTES, 2, i % 16, 0) for i in range(tb.cmd_depth + 1)]
    tb.ddr.write(BASE, random.randbytes((tb.cmd_depth + 2) * 2 * BYTES))
    tb.queue(commands)
    await tb.cycles(tb.cmd_depth * 4 + 200)
    assert accepted.count == tb.cmd_depth, f"port 0 took {accepted.count} commands, CMD_DEPTH is {tb.cmd_depth}"
    assert dut.rd_cmd_valid.value and not dut.rd_cmd_ready.value, "the command past CMD_DEPTH must wait"
    other = (BASE + 0x10_0000, 3, 7, 1)
    tb.ddr.write(other[0], random.randbytes(3 * BYTES))
    # Port 1's command waits behind the refused one in the source (commands are in order), so
    # release port 0 and check everything arrives, in order, per port.
    tb.queue([other])
    tb.stopped[0] = False
    counts = (2 * len(commands), 3)
    await tb.wait_beats(counts)
    await tb.cycles(8)
    tb.check(commands + [other])


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_write(dut) -> None:
    """A write command's beats land in memory."""
    tb = TB(dut)
    await tb.cycle_reset()
    addr, beats = BASE + 0x3000 - 2 * BYTES, 70  # across 4 KiB
    words = [random.getrandbits(512) for _ in range(beats)]
    tb.wr_cmd.send_nowait(WrCmdTransaction(addr=addr, beats=beats))
    sent = 0
    dut.wr_tvalid.value = 1
    dut.wr_tdata.value = words[0]
    while sent < beats:
        await RisingEdge(dut.clk)
        if dut.wr_tready.value:
            sent += 1
            if sent < beats:
                dut.wr_tdata.value = words[sent]
    dut.wr_tvalid.value = 0
    for _ in range(2000):
        await RisingEdge(dut.clk)
        if dut.wr_done.value:
            break
    else:
        raise AssertionError("no wr_done")
    got = tb.ddr.read(addr, beats * BYTES)
    assert_streams_equal(words, [int.from_bytes(got[i * BYTES:(i + 1) * BYTES], "little") for i in range(beats)],
                         "written beats")
    tb.ddr.check()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_errors(dut) -> None:
    """The per-port comparison fails on a flipped bit, a wrong tag and a beat on the wrong port."""
    tb = TB(dut)
    await tb.cycle_reset()
    commands = tb.plan(6)
    await run_commands(tb, commands)
    for port in (0, 1):
        exp = tb.expected(commands, port)
        if not exp:
            continue
        assert compare_streams(exp, tb.beats[port]) == [], "clean run must compare equal"
        i = random.randrange(len(exp))
        flipped = copy.deepcopy(tb.beats[port])
        d, t, last = flipped[i]
        flipped[i] = (d ^ (1 << random.randrange(512)), t, last)
        assert compare_streams(exp, flipped), "flipped bit not caught"
        retagged = copy.deepcopy(tb.beats[port])
        retagged[i] = (d, (t + 1) % 16, last)
        assert compare_streams(exp, retagged), "wrong tag not caught"
        moved = tb.beats[port][:i] + tb.beats[port][i + 1:]
        assert compare_streams(exp, moved), "beat missing from its port not caught"
        with pytest.raises(AssertionError):
            assert_streams_equal(exp, moved, "port beats")


def test_fwd_channel() -> None:
    """Build fwd_channel (a small CMD_DEPTH and FIFOs, so the limits are reached; port 1's FIFO
    deeper than port 0's, as in the forward kernel) and run the tests."""
    run_cocotb("fwd_channel", __file__, {"CMD_DEPTH": 8, "MAX_OUTSTANDING": 4, "PORT1_MAX_OUTSTANDING": 2,
                                          "PORT1_FIFO_DEPTH": 512, "ADDR_WIDTH": 64, "ID_WIDTH": 1})
