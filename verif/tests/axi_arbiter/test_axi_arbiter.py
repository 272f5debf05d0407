"""cocotb tests for ``rtl/common/axi_arbiter.sv`` (S_COUNT AXI4 slaves -> one AXI4 master).

The DUT is wrapped by ``axi_arbiter_tb.sv`` (this folder), which gives each slave port its own
prefix ``s0<i>_axi`` so cocotbext-axi can bind it. One ``AxiMaster`` per slave port, one
:class:`~hlstransform.verif.ddr.DdrModel` on ``m_axi``. What is checked:

- random single bursts (1..64 beats, INCR, full width, within one 4 KiB page) from every
  master at once, reads and writes interleaved, several outstanding per master, random IDs
  and lock/cache/prot/qos/region: every read returns the reference memory's bytes (each
  master's own region and a region all of them read), every write lands where it should and
  nowhere else (regions compared byte for byte, sentinels included), written data reads back;
  under master and memory pauses (never / 3 cycles of 4 / random) on every channel;
- the ID rule: each master's bursts appear on ``m_axi`` in its issue order with AxID =
  {port index, the master's AxID} and every other field unchanged; R and B return to the
  master that issued the burst with its own ID (the AxiMasters fail on a foreign ID);
- W beats follow the AW grant order, never interleaved (the memory checks WLAST against each
  AW's length, and the data would be wrong);
- fairness: with every master keeping requests queued, AR and AW grants rotate strictly
  (every master once in every S_COUNT grants), with and without memory backpressure;
- SLVERR and DECERR go back to the master whose burst caused them, and only to it;
- throughput: one master alone streams one beat per cycle on R and W (0 and 40 cycles of
  memory latency); all masters together keep ``m_axi`` R and W busy every cycle (measured and
  asserted, figures logged);
- reset in the middle of traffic: every valid and ready drops, then a clean run passes;
- the checks fail on a corrupted read beat, a corrupted memory byte, a wrong response, an
  altered field and a grant sequence that does not rotate (tests that can fail).

Run: ``make sim MODULE=axi_arbiter TOPLEVEL=axi_arbiter_tb`` (``WAVES=1`` for ``dump.fst``;
``PARAM_S_COUNT=3`` etc. for other parameters), or ``pytest verif/tests/axi_arbiter`` for the
two parameter sets at the bottom (the second runs a subset: :data:`SECOND_SET_TESTS`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence

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

TIMEOUT_US = 200     # per batch of ops: 50 k cycles, > 5x the slowest batch (pauses 3 cycles of 4)
BASE = 0x2_4000_0000  # test regions start here (any page-aligned address works)


def rotation_breaks(ports: Sequence[int], count: int) -> list[int]:
    """Positions k where grant k+1 is not the port after grant k's (round robin over *count* ports)."""
    return [k for k in range(len(ports) - 1) if ports[k + 1] != (ports[k] + 1) % count]


class TB(TbBase):
    """axi_arbiter_tb with an AxiMaster on each ``s0<i>_axi`` and a DdrModel on ``m_axi``.

    Master i owns a region (``BASE + i * region_size``): the first half is read-only during
    random traffic, the second half takes its writes, which never overlap; after the masters'
    regions comes one read-only region all of them read. Every read and write therefore has
    one right answer with all masters running at once.
    """

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.s_count = param("S_COUNT", 2)
        self.data_width = self.check_param("DATA_WIDTH", len(dut.m_axi_wdata))
        self.s_id_width = self.check_param("S_ID_WIDTH", len(dut.s00_axi_arid))
        self.m_id_width = self.check_param("M_ID_WIDTH", len(dut.m_axi_arid))
        self.w_fifo_depth = param("W_FIFO_DEPTH", 16)
        port_bits = (self.s_count - 1).bit_length()
        assert self.m_id_width == self.s_id_width + port_bits, (
            f"M_ID_WIDTH {self.m_id_width} != S_ID_WIDTH {self.s_id_width} + clog2(S_COUNT) {port_bits}")
        self.byte_lanes = self.data_width // 8
        self.size = (self.byte_lanes - 1).bit_length()
        self.rng = random.Random(random.getrandbits(64))

        self.masters = [AxiMaster(AxiBus.from_prefix(dut, f"s{i:02d}_axi"), dut.clk, dut.rst, max_burst_len=64)
                        for i in range(self.s_count)]
        # The memory keeps its burst checks; handshakes are watched by the two monitors below
        # (one coroutine per side instead of one per channel).
        self.ddr = DdrModel.from_prefix(dut, "m_axi", dut.clk, dut.rst, max_burst_beats=64, monitor=False)
        self.m_mon = AxiPortsMonitor(dut, "m_axi", 1, dut.clk, dut.rst, check=("ar", "aw", "w"))
        # The wrapper's packed s_axi_* vectors: every slave port in one read per channel.
        self.s_mon = AxiPortsMonitor(dut, "s_axi", self.s_count, dut.clk, dut.rst, check=("r", "b"),
                                     packed=len(dut.s_axi_arvalid))
        quiet(*self.masters)
        self._idle: Generator = None
        self._backpressure: Generator = None

        self.region_size = 128 * 1024
        self.ref = RefMemory()
        self.allocators: list[WriteAllocator] = []
        self.log.info("TB: S_COUNT %d, S_ID_WIDTH %d, M_ID_WIDTH %d, W_FIFO_DEPTH %d", self.s_count,
                      self.s_id_width, self.m_id_width, self.w_fifo_depth)

    # -- regions --------------------------------------------------------------------------

    def read_zone(self, master: int) -> tuple[int, int]:
        """(base, size) of master *master*'s read-only zone (``s_count``: the shared one)."""
        return BASE + master * self.region_size, self.region_size // 2

    def write_zone(self, master: int) -> tuple[int, int]:
        """(base, size) of master *master*'s write zone."""
        return BASE + master * self.region_size + self.region_size // 2, self.region_size // 2

    def fill_regions(self, max_gap: int = 3) -> None:
        """Fresh random contents in every region (memory and reference); reset the write allocators."""
        self.ref = RefMemory()
        self.allocators = []
        for i in range(self.s_count + 1):
            base = BASE + i * self.region_size
            size = self.region_size if i < self.s_count else self.region_size // 2
            self.ddr.write(base, self.ref.add_window(base, size, self.rng))
            if i < self.s_count:
                self.allocators.append(WriteAllocator(*self.write_zone(i), self.byte_lanes, self.rng, max_gap))

    # -- set-up ---------------------------------------------------------------------------

    def set_idle_generator(self, generator: Generator = None) -> None:
        """Pause the sources: the masters' AW, W, AR and the memory's R, B (None: never)."""
        self._idle = generator
        self._apply_pauses()

    def set_backpressure_generator(self, generator: Generator = None) -> None:
        """Pause the sinks: the masters' R, B and the memory's AR, AW, W (None: never)."""
        self._backpressure = generator
        self._apply_pauses()

    def _apply_pauses(self) -> None:
        def gen(factory: Generator) -> Iterator[int] | None:
            return factory() if factory else None
        for m in self.masters:
            for channel, factory in ((m.write_if.aw_channel, self._idle), (m.write_if.w_channel, self._idle),
                                     (m.read_if.ar_channel, self._idle), (m.read_if.r_channel, self._backpressure),
                                     (m.write_if.b_channel, self._backpressure)):
                channel.set_pause_generator(gen(factory))
                if factory is None:
                    channel.pause = False
        self.ddr.set_pause_generator(ar=gen(self._backpressure), r=gen(self._idle), aw=gen(self._backpressure),
                                     w=gen(self._backpressure), b=gen(self._idle))

    def run_ahead(self) -> None:
        """Let the masters send AW ahead of their W data (as the kernels' write streams do).

        cocotbext-axi's master queues at most two W beats, so its next AW waits until the
        current burst is nearly sent; a deeper queue lets every master keep an AW request up.
        """
        for m in self.masters:
            m.write_if.w_channel.queue_occupancy_limit = 256

    def set_latency(self, latency: int) -> None:
        """Memory read and write latency, cycles."""
        self.ddr.read_latency = self.ddr.write_latency = latency

    def clear_records(self) -> None:
        """Forget every monitor record (before a measured or checked run)."""
        self.ddr.bursts.clear()
        self.m_mon.clear()
        self.s_mon.clear()

    # -- traffic --------------------------------------------------------------------------

    def random_ops(self, master: int, count: int, reads: float = 0.5) -> list[Op]:
        """*count* random single-burst ops of master *master* (reads from its zone or the shared one)."""
        ops = []
        ids = 1 << self.s_id_width
        for _ in range(count):
            beats = random_beats(self.rng, min(64, PAGE_BYTES // self.byte_lanes))
            write = self.rng.random() >= reads
            addr = self.allocators[master].take(beats) if write else None
            if addr is None:
                write = False
                zone = self.read_zone(self.rng.choice((master, self.s_count)))
                addr = random_read_addr(self.rng, *zone, beats, self.byte_lanes)
            data = self.rng.randbytes(beats * self.byte_lanes) if write else b""
            ops.append(Op(write, addr, beats, self.rng.randrange(ids), random_attrs(self.rng), data, source=master))
        return ops

    def stream_ops(self, master: int, write: bool, beats: int, count: int) -> list[Op]:
        """*count* back-to-back bursts of *beats* beats from master *master* (reads from its zone)."""
        ops = []
        for k in range(count):
            if write:
                addr = self.allocators[master].take(beats)
                data = self.rng.randbytes(beats * self.byte_lanes)
            else:
                addr, data = random_read_addr(self.rng, *self.read_zone(master), beats, self.byte_lanes), b""
            ops.append(Op(write, addr, beats, k % 2, random_attrs(self.rng), data, source=master))
        return ops

    def readback_ops(self, writes: list[Op]) -> list[Op]:
        """One read of every OKAY write's burst, by the master that wrote it."""
        return [Op(False, w.addr, w.beats, self.rng.randrange(1 << self.s_id_width), random_attrs(self.rng),
                   source=w.source) for w in writes if w.expect_resp == AxiResp.OKAY]

    async def run_ops(self, ops: list[Op], timeout_us: float = TIMEOUT_US) -> None:
        """Issue every op on its master at once, wait for all, then record OKAY writes in the reference."""
        for op in ops:
            issue(self.masters[op.source], op, self.byte_lanes)
        await with_timeout(wait_ops(ops), timeout_us, "us")
        for op in ops:
            if op.write and op.expect_resp == AxiResp.OKAY:
                self.ref.write(op.addr, op.data)

    # -- checks ---------------------------------------------------------------------------

    def memory_problems(self) -> list[str]:
        """Every region, byte for byte, against the reference."""
        problems = []
        for base, data in self.ref.windows.items():
            mismatches = beat_mismatches(bytes(data), self.ddr.read(base, len(data)), self.byte_lanes)
            problems += [f"memory at 0x{base + m.index * self.byte_lanes:x}: {m}" for m in mismatches[:5]]
        return problems

    def routing_problems(self, ops: list[Op]) -> list[str]:
        """Per master, its bursts on m_axi (picked out by the ID's port bits) against its ops, every field."""
        problems = []
        for write in (False, True):
            seen = self.m_mon.ports[0].aw if write else self.m_mon.ports[0].ar
            for i in range(self.s_count):
                expected = [expected_beat(op, op.addr, (i << self.s_id_width) | op.id, self.size)
                            for op in ops if op.write == write and op.source == i]
                mine = [beat for beat in seen if beat.id >> self.s_id_width == i]
                ch = "AW" if write else "AR"
                problems += [f"master {i} {ch} burst {m}" for m in compare_beats(expected, mine)[:5]]
            strangers = [beat for beat in seen if beat.id >> self.s_id_width >= self.s_count]
            problems += [f"{'AW' if write else 'AR'} with no master's ID: {beat}" for beat in strangers[:5]]
        return problems

    def protocol_problems(self) -> list[str]:
        """Burst-rule and handshake violations the memory and monitors recorded."""
        return self.ddr.all_violations() + self.m_mon.violations + self.s_mon.violations

    def assert_clean(self, ops: list[Op], what: str) -> None:
        """Fail with every problem found in *ops*, memory, routing and protocol."""
        problems = (check_ops(ops, self.ref, self.byte_lanes) + self.memory_problems() + self.routing_problems(ops)
                    + self.protocol_problems())
        assert not problems, f"{what}: {len(problems)} problems:\n  " + "\n  ".join(problems[:30])

    def grant_ports(self, write: bool) -> list[int]:
        """The slave port of every AR (or AW) on m_axi, in grant order."""
        seen = self.m_mon.ports[0].aw if write else self.m_mon.ports[0].ar
        return [beat.id >> self.s_id_width for beat in seen]

    def summary(self, ops: list[Op]) -> str:
        """Counts for the log."""
        reads = sum(not op.write for op in ops)
        errors = sum(op.expect_resp != AxiResp.OKAY for op in ops)
        per_master = [sum(1 for op in ops if op.source == i) for i in range(self.s_count)]
        return (f"{len(ops)} bursts ({reads} reads, {len(ops) - reads} writes, {errors} errors), "
                f"{sum(op.beats for op in ops)} beats, per master {per_master}")


async def random_traffic_round(tb: TB, per_master: int) -> list[Op]:
    """One checked round: random ops from every master at once, then a read-back of every write."""
    tb.fill_regions()
    tb.clear_records()
    ops = [op for i in range(tb.s_count) for op in tb.random_ops(i, per_master)]
    await tb.run_ops(ops)
    readback = tb.readback_ops([op for op in ops if op.write])
    await tb.run_ops(readback)
    tb.assert_clean(ops + readback, "random traffic")
    return ops + readback


@cocotb.test(timeout_time=TIMEOUT_US * 3, timeout_unit="us")
@cocotb.parametrize(idle_inserter=PAUSE_OPTIONS, backpressure_inserter=PAUSE_OPTIONS)
async def run_test_random_traffic(dut, idle_inserter: Generator = None,
                                  backpressure_inserter: Generator = None) -> None:
    """Random reads and writes from every master at once, all checked, under pauses."""
    tb = TB(dut)
    tb.set_idle_generator(idle_inserter)
    tb.set_backpressure_generator(backpressure_inserter)
    tb.set_latency(tb.rng.choice((0, 3, 17, 40)))
    await tb.cycle_reset()

    start = tb.m_mon.cycle
    ops = await random_traffic_round(tb, per_master=24 // tb.s_count + 4)
    tb.log.info("%s; %d cycles", tb.summary(ops), tb.m_mon.cycle - start)


@cocotb.test(timeout_time=TIMEOUT_US * 2, timeout_unit="us")
async def run_test_fairness(dut) -> None:
    """Every master keeps requests queued: AR and AW grants rotate strictly, with and without backpressure."""
    tb = TB(dut)
    tb.run_ahead()
    await tb.cycle_reset()
    per_master = 16

    for backpressure in (None, cycle_pause):
        tb.set_backpressure_generator(backpressure)
        tb.fill_regions(max_gap=0)
        tb.clear_records()
        ops = []
        for i in range(tb.s_count):
            for k in range(per_master):
                beats = tb.rng.randint(1, 4)
                write = k % 2 == 1
                if write:
                    addr, data = tb.allocators[i].take(beats), tb.rng.randbytes(beats * tb.byte_lanes)
                else:
                    addr, data = random_read_addr(tb.rng, *tb.read_zone(i), beats, tb.byte_lanes), b""
                ops.append(Op(write, addr, beats, k % 4 % (1 << tb.s_id_width), random_attrs(tb.rng), data, source=i))
        await tb.run_ops(ops)
        tb.assert_clean(ops, "fairness run")
        for write in (False, True):
            ports = tb.grant_ports(write)
            # Every master has requests left until the first one has had all its grants.
            contended = min(max(k for k, p in enumerate(ports) if p == i) for i in range(tb.s_count)) + 1
            breaks = rotation_breaks(ports[:contended], tb.s_count)
            tb.log.info("fairness %s, backpressure %s: grants %s; strict rotation over the %d contended grants, "
                        "%d breaks", "AW" if write else "AR", backpressure.__name__ if backpressure else None,
                        "".join(map(str, ports)), contended, len(breaks))
            assert contended >= tb.s_count * (per_master // 2 - 1), f"too little contention: {ports}"
            assert not breaks, f"{'AW' if write else 'AR'} grants do not rotate at {breaks}: {ports}"


@cocotb.test(timeout_time=TIMEOUT_US * 2, timeout_unit="us")
async def run_test_errors(dut) -> None:
    """SLVERR, then DECERR, in master 1's region: only master 1's bursts there see them."""
    tb = TB(dut)
    tb.set_latency(17)
    tb.set_backpressure_generator(random_pause)
    await tb.cycle_reset()
    victim = 1

    for resp in (AxiResp.SLVERR, AxiResp.DECERR):
        tb.fill_regions()
        tb.clear_records()
        tb.ddr.clear_errors()
        tb.ddr.error_resp = resp
        bad = [(tb.read_zone(victim)[0] + PAGE_BYTES, PAGE_BYTES), (tb.write_zone(victim)[0] + PAGE_BYTES, PAGE_BYTES)]
        for start, length in bad:
            tb.ddr.add_error_range(start, length)
        ops = [op for i in range(tb.s_count) for op in tb.random_ops(i, 10)]
        # Every master reads the page just below the victim's bad read page (fine) and the victim
        # reads and writes into its bad pages (errors), in the middle of the traffic.
        rbad, wbad = bad[0][0], bad[1][0]
        for i in range(tb.s_count):
            ops.insert(tb.rng.randrange(len(ops)), Op(False, rbad - 2 * tb.byte_lanes, 2, 0, source=i))
        ops.insert(tb.rng.randrange(len(ops)), Op(False, rbad + tb.byte_lanes, 3, 1, source=victim))
        ops.insert(tb.rng.randrange(len(ops)), Op(True, wbad, 2, 1, data=tb.rng.randbytes(2 * tb.byte_lanes),
                                                  source=victim))
        for op in ops:
            hit = any(op.addr < s + n and s < op.addr + op.beats * tb.byte_lanes for s, n in bad)
            op.expect_resp = resp if hit else AxiResp.OKAY  # writes answered in error are dropped
        await tb.run_ops(ops)
        tb.assert_clean(ops, f"{resp.name} run")
        errors = [op for op in ops if op.expect_resp != AxiResp.OKAY]
        assert errors and all(op.source == victim for op in errors), "error cases not exercised as planned"
        tb.log.info("%s: %s; %d bursts answered %s, all master %d's", resp.name, tb.summary(ops), len(errors),
                    resp.name, victim)


@cocotb.test(timeout_time=TIMEOUT_US * 5, timeout_unit="us")
async def run_test_throughput(dut) -> None:
    """One master alone streams 1 beat/cycle; all masters together keep m_axi R and W busy every cycle."""
    tb = TB(dut)
    tb.run_ahead()
    await tb.cycle_reset()
    max_beats = min(64, PAGE_BYTES // tb.byte_lanes)

    async def measure(write: bool, masters: list[int], beats: int, count: int, latency: int) -> tuple[int, int]:
        tb.set_latency(latency)
        tb.fill_regions(max_gap=0)
        tb.clear_records()
        ops = [op for i in masters for op in tb.stream_ops(i, write, beats, count)]
        await tb.run_ops(ops)
        tb.assert_clean(ops, "throughput run")
        ch = "w" if write else "r"
        total = beats * count * len(masters)
        m_span = tb.m_mon.span(ch)
        s_spans = [tb.s_mon.span(ch, i) for i in masters]
        tb.log.info("throughput %s: masters %s, %d x %d-beat bursts each, latency %d: m_axi %d beats in %d cycles "
                    "(%.3f/cycle); per master %s cycles", ch.upper(), masters, count, beats, latency, total, m_span,
                    total / m_span, s_spans)
        return m_span - total, (s_spans[0] - total) if len(masters) == 1 else 0

    for write in (False, True):
        for latency in (0, 40):
            m_extra, s_extra = await measure(write, [tb.s_count - 1], max_beats, 8, latency)
            assert m_extra == 0 and s_extra == 0, (
                f"one master, {'W' if write else 'R'} latency {latency}: {m_extra} idle cycles on m_axi, "
                f"{s_extra} on s_axi between the first and the last beat")
            m_extra, _ = await measure(write, list(range(tb.s_count)), max_beats, 4, latency)
            assert m_extra == 0, (
                f"all masters, {'W' if write else 'R'} latency {latency}: {m_extra} idle cycles on m_axi")
        m_extra, _ = await measure(write, list(range(tb.s_count)), 4, 16, 0)
        assert m_extra == 0, f"all masters, 4-beat {'W' if write else 'R'} bursts: {m_extra} idle cycles on m_axi"
        await measure(write, list(range(tb.s_count)), 1, 32, 0)  # logged: single-beat bursts


@cocotb.test(timeout_time=TIMEOUT_US * 3, timeout_unit="us")
async def run_test_reset_mid_traffic(dut) -> None:
    """Reset in the middle of paused traffic: every valid and ready drops; then a clean checked run."""
    tb = TB(dut)
    tb.set_idle_generator(random_pause)
    tb.set_backpressure_generator(random_pause)
    tb.set_latency(17)
    await tb.cycle_reset()
    tb.fill_regions()

    ops = [op for i in range(tb.s_count) for op in tb.random_ops(i, 10)]
    for op in ops:
        issue(tb.masters[op.source], op, tb.byte_lanes)
    await tb.cycles(300)
    tb.log.info("reset with %d read / %d write bursts in flight at the memory, %d of %d ops done",
                tb.ddr.reads_in_flight, tb.ddr.writes_in_flight, sum(op.result is not None for op in ops), len(ops))

    tb.rst.value = 1
    await RisingEdge(tb.clk)
    await RisingEdge(tb.clk)
    dut_outputs = ["m_axi_awvalid", "m_axi_wvalid", "m_axi_arvalid", "m_axi_bready", "m_axi_rready"]
    for i in range(tb.s_count):
        dut_outputs += [f"s{i:02d}_axi_{s}" for s in ("awready", "wready", "arready", "bvalid", "rvalid")]
    high = [name for name in dut_outputs if getattr(dut, name).value]
    assert not high, f"high in reset: {high}"
    await tb.cycles(3)
    tb.rst.value = 0
    await with_timeout(wait_ops(ops), 20, "us")  # the masters flushed them: results None or done
    await tb.cycles(10)

    tb.set_idle_generator(None)
    tb.set_backpressure_generator(cycle_pause)
    after = await random_traffic_round(tb, per_master=8)
    tb.log.info("after reset: %s", tb.summary(after))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_checks_catch_faults(dut) -> None:
    """Each check fails on a fault: read data, memory byte, response, routing, rotation (tests can fail)."""
    tb = TB(dut)
    await tb.cycle_reset()
    tb.fill_regions()
    tb.clear_records()

    # A live fault the scoreboard is not told about: a flipped byte in the shared read zone.
    shared, _ = tb.read_zone(tb.s_count)
    victim = shared + 7 * tb.byte_lanes + 1
    original = tb.ddr.read(victim, 1)
    tb.ddr.write(victim, bytes([original[0] ^ 0x80]))
    ops = [op for i in range(tb.s_count) for op in tb.random_ops(i, 6)]
    ops += [Op(False, victim - victim % tb.byte_lanes, 1, 0, source=i) for i in range(tb.s_count)]
    await tb.run_ops(ops)
    problems = check_ops(ops, tb.ref, tb.byte_lanes)
    caught = [p for p in problems if "read data differs" in p]
    assert len(caught) >= tb.s_count, f"corrupted memory not caught by every master's read: {problems}"
    assert any(f"0x{victim - victim % tb.byte_lanes:x}" in p for p in tb.memory_problems()), "corrupted byte not caught"
    tb.log.info("caught: %s", caught[0])
    tb.ddr.write(victim, original)
    assert not tb.memory_problems(), "memory differs after repair"

    # A read beat corrupted in flight, and a wrong response code.
    read = next(op for op in ops if not op.write and op.result is not None and op.addr != ops[-1].addr)
    good = read.result
    data = bytearray(good.data)
    data[tb.rng.randrange(len(data))] ^= 1 << tb.rng.randrange(8)
    read.result = good._replace(data=bytes(data))
    assert len([p for p in check_ops([read], tb.ref, tb.byte_lanes) if "read data differs" in p]) == 1, \
        "flipped read bit not caught"
    read.result = good
    read.expect_resp = AxiResp.DECERR
    assert any("response OKAY, expected DECERR" in p for p in check_ops([read], tb.ref, tb.byte_lanes)), \
        "wrong response not caught"
    read.expect_resp = AxiResp.OKAY

    # An altered field or a burst credited to the wrong master.
    assert not tb.routing_problems(ops), "routing differs on a clean run"
    ops[0].source = (ops[0].source + 1) % tb.s_count
    assert tb.routing_problems(ops), "burst on the wrong master's ID not caught"
    ops[0].source = (ops[0].source - 1) % tb.s_count
    ops[0].attrs = ops[0].attrs._replace(cache=ops[0].attrs.cache ^ 1)
    assert tb.routing_problems(ops), "altered cache field not caught"

    # A grant sequence that starves a master.
    assert rotation_breaks([0, 1, 0, 1], 2) == []
    assert rotation_breaks([0, 1, 1, 0], 2) == [1], "non-rotating grants not caught"


# The second parameter set (three slave ports, so the port field has an unused value; 64-bit
# data; 2-bit slave IDs; a 4-entry W FIFO that fills) runs the tests its parameters change; the
# full pause crossing runs on the default set only, to keep the default run short.
SECOND_SET_TESTS = (
    "run_test_random_traffic/idle_inserter=None/backpressure_inserter=None",
    "run_test_random_traffic/idle_inserter=random_pause/backpressure_inserter=random_pause",
    "run_test_fairness",
    "run_test_errors",
    "run_test_throughput",
)


@pytest.mark.parametrize(
    ("parameters", "testcase"),
    [
        pytest.param({}, None, id="default"),
        pytest.param({"S_COUNT": 3, "DATA_WIDTH": 64, "S_ID_WIDTH": 2, "W_FIFO_DEPTH": 4}, SECOND_SET_TESTS,
                     id="s3-w64"),
    ],
)
def test_axi_arbiter(parameters: dict[str, int], testcase: tuple[str, ...] | None) -> None:
    """Build axi_arbiter_tb with *parameters* and run the cocotb tests above (*testcase*: these only)."""
    run_cocotb("axi_arbiter_tb", __file__, parameters, testcase=testcase)
