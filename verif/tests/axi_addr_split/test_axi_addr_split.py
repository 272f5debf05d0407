"""cocotb tests for ``rtl/common/axi_addr_split.sv`` (one AXI4 slave -> M_COUNT masters by address).

The DUT is wrapped by ``axi_addr_split_tb.sv`` (this folder), which gives each master port its
own prefix ``m0<i>_axi`` so cocotbext-axi can bind it. An ``AxiMaster`` drives ``s_axi``; a
:class:`~hlstransform.verif.ddr.DdrModel` answers on every master port, each with its own
latency. What is checked:

- random single bursts (1..64 beats, INCR, full width, within one 4 KiB page) to every port and
  to unmapped addresses, reads and writes interleaved and queued all at once (several
  outstanding), few IDs so one ID spans several ports, random lock/cache/prot/qos/region:
  every read returns the reference memory's bytes, every write lands in the right memory and
  nowhere else (whole regions compared byte for byte, sentinels included), written data reads
  back through the DUT; under master and memory pauses (never / 3 cycles of 4 / random) on
  every channel;
- every burst reaches the port its address selects, in issue order, with the select bits
  cleared (or kept: KEEP_SEL_ENABLE) and every other field unchanged (an address log per port);
- the ordering rule: no two ports ever have reads (or writes) outstanding at the same time
  (from the memories' handshake records), so same-ID responses cannot overtake each other;
- SLVERR and DECERR from the memories come back unchanged to the burst that caused them;
  unmapped addresses (select value >= M_COUNT, or a bit above the select field) get DECERR
  from the DUT itself (reads: zero data, writes: nothing written);
- throughput: back-to-back bursts to one port move one beat per cycle on R and W, on both
  sides, with 0 and 40 cycles of memory latency (measured and asserted; figures logged,
  alternating ports logged too);
- reset in the middle of traffic: every valid and ready drops, then a clean run passes;
- the checks fail on a corrupted read beat, a corrupted memory byte, a wrong response, a
  misrouted field and an overlap of outstanding bursts (tests that can fail).

Run: ``make sim MODULE=axi_addr_split TOPLEVEL=axi_addr_split_tb`` (``WAVES=1`` for
``dump.fst``; ``PARAM_M_COUNT=3`` etc. for other parameters), or
``pytest verif/tests/axi_addr_split`` for the two parameter sets at the bottom (the second
runs a subset: :data:`SECOND_SET_TESTS`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import cocotb
import pytest
from cocotb.triggers import RisingEdge, with_timeout
from cocotbext.axi import AxiBus, AxiMaster, AxiResp

from hlstransform.verif.axi_traffic import (
    AxiPortsMonitor,
    Op,
    RefMemory,
    WriteAllocator,
    beat_mismatches,
    check_ops,
    compare_beats,
    expected_beat,
    issue,
    overlap_violations,
    quiet,
    random_attrs,
    random_beats,
    random_read_addr,
    wait_ops,
)
from hlstransform.verif.ddr import PAGE_BYTES, DdrModel
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.tb import PAUSE_OPTIONS, TbBase, cycle_pause, param, random_pause

Generator = Callable[[], Iterator[int]] | None

TIMEOUT_US = 200  # per batch of ops: 50 k cycles, > 5x the slowest batch (pauses 3 cycles of 4)
LATENCIES = (0, 3, 17, 40)  # memory latencies dealt to the ports (cycles), so ports answer at different speeds


class TB(TbBase):
    """axi_addr_split_tb with an AxiMaster on ``s_axi`` and a DdrModel on each ``m0<i>_axi``.

    Each port p has a test region in its window (master address ``p << SEL_LSB`` + offset):
    the first half is read-only during random traffic, the second half takes writes that
    never overlap, so every read and write has one right answer even with many in flight.
    The reference memory is kept in the master's address space (each port's window apart).
    """

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.m_count = param("M_COUNT", 4)
        self.data_width = self.check_param("DATA_WIDTH", len(dut.s_axi_wdata))
        self.addr_width = self.check_param("ADDR_WIDTH", len(dut.s_axi_araddr))
        self.id_width = self.check_param("ID_WIDTH", len(dut.s_axi_arid))
        self.sel_lsb = param("SEL_LSB", 34)
        self.keep_sel = bool(param("KEEP_SEL_ENABLE", 0))
        self.max_outstanding = param("MAX_OUTSTANDING", 16)
        self.byte_lanes = self.data_width // 8
        self.size = (self.byte_lanes - 1).bit_length()
        self.sel_width = (self.m_count - 1).bit_length()
        self.sel_mask = ((1 << self.sel_width) - 1) << self.sel_lsb
        self.rng = random.Random(random.getrandbits(64))

        self.master = AxiMaster(AxiBus.from_prefix(dut, "s_axi"), dut.clk, dut.rst, max_burst_len=64)
        # The memories keep their burst checks; handshakes are watched by the two monitors below
        # (one coroutine per side instead of one per channel: the simulation runs ~2x faster).
        self.ddrs = [DdrModel.from_prefix(dut, f"m{p:02d}_axi", dut.clk, dut.rst, max_burst_beats=64,
                                          monitor=False, name=f"ddr{p}") for p in range(self.m_count)]
        # The wrapper's packed m_axi_* vectors: every master port in one read per channel.
        self.m_mon = AxiPortsMonitor(dut, "m_axi", self.m_count, dut.clk, dut.rst, check=("ar", "aw", "w"),
                                     packed=len(dut.m_axi_arvalid))
        self.s_mon = AxiPortsMonitor(dut, "s_axi", 1, dut.clk, dut.rst, check=("r", "b"))
        quiet(self.master)
        self._idle: Generator = None
        self._backpressure: Generator = None

        self.region_size = min(128 * 1024, (1 << self.sel_lsb) // 2)
        self.region_offset = (1 << self.sel_lsb) - self.region_size - PAGE_BYTES  # high local offsets
        self.ref = RefMemory()
        self.allocators: list[WriteAllocator] = []
        self.log.info("TB: M_COUNT %d, SEL_LSB %d, KEEP_SEL_ENABLE %d, MAX_OUTSTANDING %d, region %d KiB at +0x%x",
                      self.m_count, self.sel_lsb, self.keep_sel, self.max_outstanding, self.region_size // 1024,
                      self.region_offset)

    # -- address map ----------------------------------------------------------------------

    def window(self, port: int) -> int:
        """Master-side base address of port *port*'s window."""
        return port << self.sel_lsb

    def port_of(self, addr: int) -> int | None:
        """The port a master address selects, or None for a decode error."""
        if addr >> (self.sel_lsb + self.sel_width):
            return None
        port = (addr & self.sel_mask) >> self.sel_lsb
        return port if port < self.m_count else None

    def local(self, addr: int) -> int:
        """The address a port's memory sees for master address *addr*."""
        return addr if self.keep_sel else addr & ~self.sel_mask

    def unmapped_bases(self) -> list[int]:
        """Master-side addresses that decode to no port (select value too big, or a high bit set)."""
        bases = []
        if self.m_count < (1 << self.sel_width):
            bases.append(self.m_count << self.sel_lsb)
        if self.sel_lsb + self.sel_width < self.addr_width:
            bases.append(1 << (self.sel_lsb + self.sel_width))
        return bases

    def read_zone(self, port: int) -> tuple[int, int]:
        """Master-side (base, size) of port *port*'s read-only zone."""
        return self.window(port) + self.region_offset, self.region_size // 2

    def write_zone(self, port: int) -> tuple[int, int]:
        """Master-side (base, size) of port *port*'s write zone."""
        return self.window(port) + self.region_offset + self.region_size // 2, self.region_size // 2

    # -- set-up ---------------------------------------------------------------------------

    def set_idle_generator(self, generator: Generator = None) -> None:
        """Pause the sources: the master's AW, W, AR and the memories' R, B (None: never)."""
        self._idle = generator
        self._apply_pauses()

    def set_backpressure_generator(self, generator: Generator = None) -> None:
        """Pause the sinks: the master's R, B and the memories' AR, AW, W (None: never)."""
        self._backpressure = generator
        self._apply_pauses()

    def _apply_pauses(self) -> None:
        def gen(factory: Generator) -> Iterator[int] | None:
            return factory() if factory else None
        m = self.master
        for channel, factory in ((m.write_if.aw_channel, self._idle), (m.write_if.w_channel, self._idle),
                                 (m.read_if.ar_channel, self._idle), (m.read_if.r_channel, self._backpressure),
                                 (m.write_if.b_channel, self._backpressure)):
            channel.set_pause_generator(gen(factory))
            if factory is None:
                channel.pause = False
        for ddr in self.ddrs:
            ddr.set_pause_generator(ar=gen(self._backpressure), r=gen(self._idle), aw=gen(self._backpressure),
                                    w=gen(self._backpressure), b=gen(self._idle))

    def set_latencies(self, latencies: list[int] | None = None) -> None:
        """Memory read/write latency per port (default: :data:`LATENCIES` dealt at random)."""
        if latencies is None:
            latencies = [LATENCIES[(p + self.rng.randrange(len(LATENCIES))) % len(LATENCIES)]
                         for p in range(self.m_count)]
        for ddr, latency in zip(self.ddrs, latencies):
            ddr.read_latency = ddr.write_latency = latency
        self.log.info("memory latencies per port: %s", latencies)

    def fill_regions(self, max_gap: int = 3) -> None:
        """Fresh random contents in every port's region (memory and reference); reset the write allocators.

        Args:
            max_gap: Most beats the write allocators leave between bursts.
        """
        self.ref = RefMemory()
        self.allocators = []
        for p, ddr in enumerate(self.ddrs):
            base = self.window(p) + self.region_offset
            ddr.write(self.local(base), self.ref.add_window(base, self.region_size, self.rng))
            wbase, wsize = self.write_zone(p)
            self.allocators.append(WriteAllocator(wbase, wsize, self.byte_lanes, self.rng, max_gap))

    def clear_records(self) -> None:
        """Forget every log and monitor record (before a measured or checked run)."""
        for ddr in self.ddrs:
            ddr.bursts.clear()
        self.m_mon.clear()
        self.s_mon.clear()

    # -- traffic --------------------------------------------------------------------------

    def random_ops(self, count: int, unmapped: float = 0.05, reads: float = 0.5) -> list[Op]:
        """*count* random single-burst ops; ports in runs (a run stays on one port ~60 % of the time)."""
        ops: list[Op] = []
        port = self.rng.randrange(self.m_count)
        ids = min(4, 1 << self.id_width)
        for _ in range(count):
            if self.rng.random() > 0.6:
                port = self.rng.randrange(self.m_count)
            beats = random_beats(self.rng, min(64, PAGE_BYTES // self.byte_lanes))
            write = self.rng.random() >= reads
            attrs, id_ = random_attrs(self.rng), self.rng.randrange(ids)
            bases = self.unmapped_bases()
            if bases and self.rng.random() < unmapped:
                addr = self.rng.choice(bases) + self.rng.randrange(PAGE_BYTES // self.byte_lanes // 2) * self.byte_lanes
                addr -= addr % PAGE_BYTES if addr % PAGE_BYTES + beats * self.byte_lanes > PAGE_BYTES else 0
                ops.append(self._op(write, addr, beats, id_, attrs, AxiResp.DECERR))
                continue
            if write:
                addr = self.allocators[port].take(beats)
                if addr is None:
                    write = False  # write zone used up: read instead
            if not write:
                addr = random_read_addr(self.rng, *self.read_zone(port), beats, self.byte_lanes)
            ops.append(self._op(write, addr, beats, id_, attrs, AxiResp.OKAY))
        return ops

    def _op(self, write: bool, addr: int, beats: int, id_: int, attrs, resp: AxiResp) -> Op:
        data = self.rng.randbytes(beats * self.byte_lanes) if write else b""
        zeros = bytes(beats * self.byte_lanes) if resp == AxiResp.DECERR else None
        return Op(write, addr, beats, id_, attrs, data, resp, None if write else zeros)

    def readback_ops(self, writes: list[Op]) -> list[Op]:
        """One read of every OKAY write's burst (same address and length, fresh ID and attributes)."""
        ids = min(4, 1 << self.id_width)
        return [Op(False, w.addr, w.beats, self.rng.randrange(ids), random_attrs(self.rng))
                for w in writes if w.expect_resp == AxiResp.OKAY]

    async def run_ops(self, ops: list[Op], timeout_us: float = TIMEOUT_US) -> None:
        """Issue every op at once, wait for all, then record OKAY writes in the reference."""
        for op in ops:
            issue(self.master, op, self.byte_lanes)
        await with_timeout(wait_ops(ops), timeout_us, "us")
        for op in ops:
            if op.write and op.expect_resp == AxiResp.OKAY:
                self.ref.write(op.addr, op.data)

    # -- checks ---------------------------------------------------------------------------

    def op_problems(self, ops: list[Op]) -> list[str]:
        """Data and response of every finished op."""
        return check_ops(ops, self.ref, self.byte_lanes)

    def memory_problems(self) -> list[str]:
        """Every port's region, byte for byte, against the reference."""
        problems = []
        for p, ddr in enumerate(self.ddrs):
            base = self.window(p) + self.region_offset
            mismatches = beat_mismatches(self.ref.read(base, self.region_size),
                                         ddr.read(self.local(base), self.region_size), self.byte_lanes)
            problems += [f"port {p} memory at 0x{base + m.index * self.byte_lanes:x}: {m}" for m in mismatches[:5]]
        return problems

    def routing_problems(self, ops: list[Op]) -> list[str]:
        """Each port's AR and AW logs against the mapped ops, in issue order, every field."""
        problems = []
        for p in range(self.m_count):
            for write in (False, True):
                expected = [expected_beat(op, self.local(op.addr), op.id, self.size)
                            for op in ops if op.write == write and self.port_of(op.addr) == p]
                seen = self.m_mon.ports[p].aw if write else self.m_mon.ports[p].ar
                problems += [f"port {p} {'AW' if write else 'AR'} burst {m}" for m in compare_beats(expected, seen)[:5]]
        return problems

    def ordering_problems(self) -> list[str]:
        """Bursts outstanding at two ports at once (reads, then writes)."""
        reads = overlap_violations([self.m_mon.read_intervals(p) for p in range(self.m_count)])
        writes = overlap_violations([self.m_mon.write_intervals(p) for p in range(self.m_count)])
        return [f"reads: {v}" for v in reads[:5]] + [f"writes: {v}" for v in writes[:5]]

    def protocol_problems(self) -> list[str]:
        """Burst-rule and handshake violations the memories and monitors recorded."""
        problems = []
        for ddr in self.ddrs:
            problems += ddr.all_violations()
        return problems + self.m_mon.violations + self.s_mon.violations

    def assert_clean(self, ops: list[Op], what: str) -> None:
        """Fail with every problem found in *ops*, memory, routing, ordering and protocol."""
        problems = (self.op_problems(ops) + self.memory_problems() + self.routing_problems(ops)
                    + self.ordering_problems() + self.protocol_problems())
        assert not problems, f"{what}: {len(problems)} problems:\n  " + "\n  ".join(problems[:30])

    def summary(self, ops: list[Op]) -> str:
        """Counts for the log."""
        reads = sum(not op.write for op in ops)
        errors = sum(op.expect_resp != AxiResp.OKAY for op in ops)
        beats = sum(op.beats for op in ops)
        per_port = [sum(1 for op in ops if self.port_of(op.addr) == p) for p in range(self.m_count)]
        return (f"{len(ops)} bursts ({reads} reads, {len(ops) - reads} writes, {errors} errors), {beats} beats, "
                f"per port {per_port}")


async def random_traffic_round(tb: TB, count: int) -> list[Op]:
    """One checked round: random ops, then a read-back of every write; everything checked."""
    tb.fill_regions()
    tb.clear_records()
    ops = tb.random_ops(count)
    await tb.run_ops(ops)
    readback = tb.readback_ops([op for op in ops if op.write])
    await tb.run_ops(readback)
    tb.assert_clean(ops + readback, "random traffic")
    return ops + readback


@cocotb.test(timeout_time=TIMEOUT_US * 3, timeout_unit="us")
@cocotb.parametrize(idle_inserter=PAUSE_OPTIONS, backpressure_inserter=PAUSE_OPTIONS)
async def run_test_random_traffic(dut, idle_inserter: Generator = None,
                                  backpressure_inserter: Generator = None) -> None:
    """Random reads and writes to every port and to unmapped addresses, all checked, under pauses."""
    tb = TB(dut)
    tb.set_idle_generator(idle_inserter)
    tb.set_backpressure_generator(backpressure_inserter)
    tb.set_latencies()
    await tb.cycle_reset()

    start = tb.s_mon.cycle
    ops = await random_traffic_round(tb, count=24)
    tb.log.info("%s; %d cycles", tb.summary(ops), tb.s_mon.cycle - start)


@cocotb.test(timeout_time=TIMEOUT_US * 2, timeout_unit="us")
async def run_test_same_id_across_ports(dut) -> None:
    """One ID, ports alternating, slow port first: responses stay in order (the ordering rule)."""
    tb = TB(dut)
    latencies = [60 if p % 2 == 0 else 0 for p in range(tb.m_count)]
    tb.set_latencies(latencies)
    await tb.cycle_reset()
    tb.fill_regions()
    tb.clear_records()

    ops = []
    for k in range(24):
        port = k % tb.m_count
        beats = tb.rng.choice((1, 2, 8))
        if k % 3 == 2:
            addr = tb.allocators[port].take(beats)
            ops.append(tb._op(True, addr, beats, 0, random_attrs(tb.rng), AxiResp.OKAY))
        else:
            addr = random_read_addr(tb.rng, *tb.read_zone(port), beats, tb.byte_lanes)
            ops.append(tb._op(False, addr, beats, 0, random_attrs(tb.rng), AxiResp.OKAY))
    await tb.run_ops(ops)
    tb.assert_clean(ops, "same ID across ports")
    switches = sum(1 for a, b in zip(ops, ops[1:]) if tb.port_of(a.addr) != tb.port_of(b.addr))
    tb.log.info("%s; %d port switches, no overlap of outstanding bursts", tb.summary(ops), switches)


@cocotb.test(timeout_time=TIMEOUT_US * 2, timeout_unit="us")
async def run_test_errors(dut) -> None:
    """SLVERR and DECERR from the memories and DECERR for unmapped addresses reach the right bursts."""
    tb = TB(dut)
    tb.set_latencies()
    tb.set_backpressure_generator(random_pause)
    await tb.cycle_reset()
    tb.fill_regions()
    tb.clear_records()

    # Port 0 answers SLVERR in a page of its read zone and of its write zone; port 1 DECERR
    # in a page of each (the memory's own DECERR, not the DUT's).
    bad: dict[int, list[tuple[int, int]]] = {}
    for p, resp in ((0, AxiResp.SLVERR), (1, AxiResp.DECERR)):
        ddr = tb.ddrs[p]
        ddr.error_resp = resp
        rbase, _ = tb.read_zone(p)
        wbase, _ = tb.write_zone(p)
        bad[p] = [(rbase + PAGE_BYTES, PAGE_BYTES), (wbase + PAGE_BYTES, PAGE_BYTES)]
        for start, length in bad[p]:
            ddr.add_error_range(tb.local(start), length)

    def expected_resp(op: Op) -> AxiResp:
        port = tb.port_of(op.addr)
        if port is None:
            return AxiResp.DECERR
        for start, length in bad.get(port, []):
            if op.addr < start + length and start < op.addr + op.beats * tb.byte_lanes:
                return tb.ddrs[port].error_resp
        return AxiResp.OKAY

    ops = tb.random_ops(24, unmapped=0.15)
    # Make sure every error source is hit at least twice, as a read and as a write.
    for p in bad:
        for k, (start, _) in enumerate(bad[p]):
            addr = start + tb.byte_lanes * k
            ops.insert(tb.rng.randrange(len(ops)), Op(False, addr, 2, 1, random_attrs(tb.rng)))
    for base in tb.unmapped_bases():
        ops.insert(tb.rng.randrange(len(ops)), Op(False, base, 3, 2, random_attrs(tb.rng)))
        data = tb.rng.randbytes(3 * tb.byte_lanes)
        ops.insert(tb.rng.randrange(len(ops)), Op(True, base, 3, 2, random_attrs(tb.rng), data))
    for op in ops:
        op.expect_resp = expected_resp(op)
        if not op.write and op.expect_resp == AxiResp.DECERR and tb.port_of(op.addr) is None:
            op.expect_data = bytes(op.beats * tb.byte_lanes)  # the DUT's own DECERR reads return zeros
        elif not op.write and op.expect_resp != AxiResp.OKAY:
            op.expect_data = None  # the memory's filler, not checked
    await tb.run_ops(ops)
    # Bursts answered in error were dropped by the memory (each lies within one error page), so
    # the memory still matches the reference, which only took the OKAY writes.
    tb.assert_clean(ops, "errors")

    counts = {resp.name: sum(op.expect_resp == resp for op in ops) for resp in AxiResp}
    tb.log.info("%s; responses %s", tb.summary(ops), counts)
    assert counts["SLVERR"] >= 2 and counts["DECERR"] >= 4, f"error cases not exercised: {counts}"


@cocotb.test(timeout_time=TIMEOUT_US * 5, timeout_unit="us")
async def run_test_throughput(dut) -> None:
    """Back-to-back bursts to one port: one beat per cycle on R and W, both sides (0 and 40 cycles latency)."""
    tb = TB(dut)
    # A master that runs ahead on AW (as the kernels' write streams do): the model's default
    # W queue of 2 beats would hold the next AW back until the current burst is nearly sent.
    tb.master.write_if.w_channel.queue_occupancy_limit = 256
    await tb.cycle_reset()
    tb.fill_regions()
    page_beats = PAGE_BYTES // tb.byte_lanes
    max_beats = min(64, page_beats)
    port = tb.m_count - 1

    async def measure(write: bool, beats: int, count: int, latency: int, ports: list[int]) -> tuple[float, float]:
        tb.set_latencies([latency] * tb.m_count)
        tb.fill_regions(max_gap=0)
        tb.clear_records()
        ops = []
        for k in range(count):
            p = ports[k % len(ports)]
            if write:
                addr = tb.allocators[p].take(beats)
                ops.append(tb._op(True, addr, beats, k % 2, random_attrs(tb.rng), AxiResp.OKAY))
            else:
                addr = random_read_addr(tb.rng, *tb.read_zone(p), beats, tb.byte_lanes)
                ops.append(tb._op(False, addr, beats, k % 2, random_attrs(tb.rng), AxiResp.OKAY))
        await tb.run_ops(ops)
        tb.assert_clean(ops, "throughput run")
        total = beats * count
        ch = "w" if write else "r"
        s_span, m_span = tb.s_mon.span(ch), tb.m_mon.span(ch)
        tb.log.info("throughput %s: %d x %d-beat bursts, latency %d, ports %s: s_axi %d beats in %d cycles "
                    "(%.3f/cycle), m_axi %d cycles (%.3f/cycle)", ch.upper(), count, beats, latency, ports, total,
                    s_span, total / s_span, m_span, total / m_span)
        return s_span - total, m_span - total

    # Bubbles allowed: none on R; on s_axi W one, at the start only (the first W beat arrives
    # with its AW and waits two cycles for the AW to be issued; the skid buffer absorbs one).
    def check(write: bool, what: str, bubbles: tuple[int, int]) -> None:
        s_extra, m_extra = bubbles
        assert m_extra == 0 and s_extra <= int(write), (
            f"{'W' if write else 'R'} {what}: {s_extra} idle cycles on s_axi, {m_extra} on m_axi between the "
            "first and the last beat, expected none (one on s_axi W)")

    # One port, long bursts: one beat per cycle with 0 and 40 cycles of latency.
    for write in (False, True):
        for latency in (0, 40):
            bubbles = await measure(write, max_beats, 8, latency, [port])
            check(write, f"{max_beats}-beat bursts, latency {latency}", bubbles)
    # One port, 4-beat bursts: one beat per cycle while MAX_OUTSTANDING bursts cover the latency.
    for write in (False, True):
        check(write, "4-beat bursts, latency 0", await measure(write, 4, 32, 0, [port]))
        await measure(write, 4, 32, 40, [port])  # logged: bounded by MAX_OUTSTANDING x 4 beats per latency
    # Alternating ports (logged): each switch waits for the previous port to drain.
    for write in (False, True):
        for latency in (0, 40):
            await measure(write, max_beats, 8, latency, [0, 1])


@cocotb.test(timeout_time=TIMEOUT_US * 3, timeout_unit="us")
async def run_test_reset_mid_traffic(dut) -> None:
    """Reset in the middle of paused traffic: every valid and ready drops; then a clean checked run."""
    tb = TB(dut)
    tb.set_idle_generator(random_pause)
    tb.set_backpressure_generator(random_pause)
    tb.set_latencies()
    await tb.cycle_reset()
    tb.fill_regions()

    ops = tb.random_ops(24)
    for op in ops:
        issue(tb.master, op, tb.byte_lanes)
    await tb.cycles(300)
    busy = sum(ddr.reads_in_flight + ddr.writes_in_flight for ddr in tb.ddrs)
    tb.log.info("reset with %d bursts in flight at the memories, %d of %d ops done",
                busy, sum(op.result is not None for op in ops), len(ops))

    tb.rst.value = 1
    await RisingEdge(tb.clk)
    await RisingEdge(tb.clk)
    dut_outputs = ["s_axi_awready", "s_axi_wready", "s_axi_arready", "s_axi_bvalid", "s_axi_rvalid"]
    for p in range(tb.m_count):
        dut_outputs += [f"m{p:02d}_axi_{s}" for s in ("awvalid", "wvalid", "arvalid", "bready", "rready")]
    high = [name for name in dut_outputs if getattr(dut, name).value]
    assert not high, f"high in reset: {high}"
    await tb.cycles(3)
    tb.rst.value = 0
    await with_timeout(wait_ops(ops), 20, "us")  # the master flushed them: results None or done
    await tb.cycles(10)

    tb.set_idle_generator(None)
    tb.set_backpressure_generator(cycle_pause)
    after = await random_traffic_round(tb, count=16)
    tb.log.info("after reset: %s", tb.summary(after))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_checks_catch_faults(dut) -> None:
    """Each check fails on a fault: read data, memory byte, response, routing, ordering (tests can fail)."""
    tb = TB(dut)
    tb.set_latencies()
    await tb.cycle_reset()
    tb.fill_regions()
    tb.clear_records()

    # A live fault the scoreboard is not told about: a flipped byte in a memory's read zone.
    port = 0
    rbase, _ = tb.read_zone(port)
    victim = rbase + 5 * tb.byte_lanes + 3
    original = tb.ddrs[port].read(tb.local(victim), 1)
    tb.ddrs[port].write(tb.local(victim), bytes([original[0] ^ 0x10]))
    ops = tb.random_ops(16, unmapped=0.0)
    ops.append(Op(False, victim - victim % tb.byte_lanes, 1, 0, random_attrs(tb.rng)))
    await tb.run_ops(ops)

    problems = tb.op_problems(ops)
    assert any("read data differs" in p for p in problems), f"corrupted read not caught: {problems}"
    assert any(f"0x{victim - victim % tb.byte_lanes:x}" in p for p in tb.memory_problems()), \
        "corrupted memory byte not caught"
    tb.log.info("caught: %s", problems[0])
    tb.ddrs[port].write(tb.local(victim), original)
    assert not tb.memory_problems(), "memory differs after repair"

    # A read beat corrupted in flight.
    read = next(op for op in ops if not op.write and op.result is not None and op.addr != ops[-1].addr)
    good = read.result
    data = bytearray(good.data)
    data[tb.rng.randrange(len(data))] ^= 1 << tb.rng.randrange(8)
    read.result = good._replace(data=bytes(data))
    assert len([p for p in tb.op_problems([read]) if "read data differs" in p]) == 1, "flipped read bit not caught"
    read.result = good

    # A wrong response code.
    read.expect_resp = AxiResp.SLVERR
    assert any("response OKAY, expected SLVERR" in p for p in tb.op_problems([read])), "wrong response not caught"
    read.expect_resp = AxiResp.OKAY

    # A misrouted or altered field: the expected list no longer matches the log.
    mapped = [op for op in ops if tb.port_of(op.addr) is not None]
    assert not tb.routing_problems(ops), "routing differs on a clean run"
    mapped[0].id ^= 1
    assert tb.routing_problems(ops), "altered ID not caught"
    mapped[0].id ^= 1
    mapped[0].attrs = mapped[0].attrs._replace(qos=mapped[0].attrs.qos ^ 4)
    assert tb.routing_problems(ops), "altered QoS not caught"

    # Overlapping outstanding bursts on two ports.
    assert overlap_violations([[(10, 20)], [(21, 30)]]) == []
    assert len(overlap_violations([[(10, 20)], [(15, 30)]])) == 1, "overlap not caught"


# The second parameter set (three ports, so select value 3 is unmapped; 64-bit data; select bits
# kept; 4 bursts outstanding) runs the tests its parameters change; the full pause crossing runs
# on the default set only, to keep the default run short.
SECOND_SET_TESTS = (
    "run_test_random_traffic/idle_inserter=None/backpressure_inserter=None",
    "run_test_random_traffic/idle_inserter=random_pause/backpressure_inserter=random_pause",
    "run_test_same_id_across_ports",
    "run_test_errors",
    "run_test_throughput",
)


@pytest.mark.parametrize(
    ("parameters", "testcase"),
    [
        pytest.param({}, None, id="default"),
        pytest.param({"M_COUNT": 3, "DATA_WIDTH": 64, "ADDR_WIDTH": 32, "ID_WIDTH": 2, "SEL_LSB": 16,
                      "KEEP_SEL_ENABLE": 1, "MAX_OUTSTANDING": 4}, SECOND_SET_TESTS, id="m3-w64-keep"),
    ],
)
def test_axi_addr_split(parameters: dict[str, int], testcase: tuple[str, ...] | None) -> None:
    """Build axi_addr_split_tb with *parameters* and run the cocotb tests above (*testcase*: these only)."""
    run_cocotb("axi_addr_split_tb", __file__, parameters, testcase=testcase)
