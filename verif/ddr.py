"""A DDR channel model for cocotb testbenches: an AXI4 slave with a memory, honest timing and checks.

:class:`DdrModel` answers an AXI4 master (a kernel's ``m_axi_*`` port) from a byte-addressed
sparse memory, like cocotbext-axi's ``AxiRam``, and adds what a kernel testbench needs
(DESIGN.md sections 6, 8 and 9):

- **latency**: a read burst's first beat leaves no earlier than ``read_latency`` cycles after
  its AR handshake, and a B response no earlier than ``write_latency`` cycles after its last W
  beat; bursts are pipelined (many in flight), as in a DDR controller;
- **bandwidth**: ``beat_rate`` < 1 caps the sustained R and W beats per cycle
  (:data:`HONEST_TIMING`: 40 cycles of read latency and 85 % of peak, DESIGN.md section 8);
- **pauses**: a pause generator per channel (AR/R/AW/W/B), as on cocotbext-axi's channel models;
- **error injection**: beats whose address falls in an error range, or satisfies a predicate,
  are answered SLVERR or DECERR (reads return filler data, writes are dropped);
- **checks**: every AR/AW burst must be INCR, full width, aligned, at most ``max_burst_beats``
  long and must not cross a 4 KiB boundary; W bursts must end with WLAST exactly on their
  last beat and (``full_strobes``) carry all-ones WSTRB; the master-driven channels must keep
  valid and payload steady while stalled. Violations are recorded, never raised inside the
  model, so the transfer still completes and the test reports them (:meth:`DdrModel.check`);
- **counts**: bursts and beats per direction (:class:`DdrStats`) and the cycle of every R/W
  beat (``r_monitor``/``w_monitor``) for throughput figures.

Typical use in a TB class::

    self.ddr = DdrModel.from_prefix(dut, "m_axi", dut.clk, dut.rst, read_latency=40)
    self.ddr.write(0x1000, data)                  # preload (cocotbext-axi Memory methods)
    self.ddr.set_pauses(cycle_pause)              # pause every memory channel 3 cycles of 4
    ...
    self.ddr.check()                              # fail on any burst or handshake violation
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import cocotb
from cocotb.triggers import ClockCycles, Event, RisingEdge
from cocotbext.axi import AxiBurstType, AxiReadBus, AxiResp, AxiWriteBus
from cocotbext.axi.axi_channels import AxiARSink, AxiAWSink, AxiBSource, AxiRSource, AxiWSink
from cocotbext.axi.memory import Memory
from cocotbext.axi.reset import Reset

from hlstransform.verif.tb import HandshakeMonitor

PAGE_BYTES = 4096
"""AXI4 bursts must not cross a boundary of this many bytes."""

HONEST_TIMING: dict[str, Any] = {"read_latency": 40, "write_latency": 40, "beat_rate": 0.85}
"""DESIGN.md section 8's honest DDR channel: >= 40 cycles read latency per burst, <= 85 % of
peak beats sustained. ``DdrModel(..., **HONEST_TIMING)``."""

ERROR_FILL = bytes.fromhex("deadbeef")
"""Pattern of the data returned with an SLVERR read beat."""

PauseGenerator = Iterator[int]
ErrorPredicate = Callable[[int, bool], bool]


class Burst(NamedTuple):
    """One address-channel transfer as the model saw it.

    Attributes:
        cycle: Model clock cycle of the handshake.
        write: True for AW, False for AR.
        id: AxID.
        addr: AxADDR (bytes).
        beats: AxLEN + 1.
        size: AxSIZE (log2 bytes per beat).
        burst: AxBURST.
    """

    cycle: int
    write: bool
    id: int
    addr: int
    beats: int
    size: int
    burst: int


@dataclass
class DdrStats:
    """Traffic counters (read with :attr:`DdrModel.stats`).

    Attributes:
        read_bursts: AR handshakes.
        read_beats: R beats queued (each burst's beats).
        read_error_beats: R beats answered SLVERR.
        write_bursts: AW handshakes.
        write_beats: W beats received.
        write_error_bursts: B responses SLVERR.
    """

    read_bursts: int = 0
    read_beats: int = 0
    read_error_beats: int = 0
    write_bursts: int = 0
    write_beats: int = 0
    write_error_bursts: int = 0


def burst_problems(addr: int, beats: int, size: int, burst: int, byte_lanes: int,
                   max_burst_beats: int = 256) -> list[str]:
    """Return what is wrong with a burst for a full-width INCR-only master (empty when legal).

    Args:
        addr: Start byte address.
        beats: Number of beats (AxLEN + 1).
        size: AxSIZE.
        burst: AxBURST.
        byte_lanes: Bytes per beat of the data bus.
        max_burst_beats: Longest burst allowed.
    """
    problems = []
    if burst != AxiBurstType.INCR:
        problems.append(f"burst type {burst} is not INCR")
    if (1 << size) != byte_lanes:
        problems.append(f"size {size} ({1 << size} bytes) is not the full {byte_lanes}-byte width")
    if addr % byte_lanes:
        problems.append(f"address 0x{addr:x} not aligned to {byte_lanes} bytes")
    if beats > max_burst_beats:
        problems.append(f"{beats} beats > {max_burst_beats}")
    end = addr + beats * (1 << size)
    if addr // PAGE_BYTES != (end - 1) // PAGE_BYTES:
        problems.append(f"crosses a 4 KiB boundary (0x{addr:x}..0x{end - 1:x})")
    return problems


def split_bursts(addr: int, beats: int, byte_lanes: int, max_burst_beats: int = 256) -> list[tuple[int, int]]:
    """Return the reference split of a contiguous transfer into legal INCR bursts: ``(addr, beats)`` each.

    Each burst runs to the end of the transfer, of the 4 KiB page or of *max_burst_beats*,
    whichever comes first (what a full-rate master should issue).

    Args:
        addr: Start byte address (beat aligned).
        beats: Number of full-width beats (0 gives no burst).
        byte_lanes: Bytes per beat.
        max_burst_beats: Longest burst.
    """
    bursts = []
    while beats > 0:
        page_left = (PAGE_BYTES - addr % PAGE_BYTES) // byte_lanes
        n = min(beats, max_burst_beats, page_left)
        bursts.append((addr, n))
        addr += n * byte_lanes
        beats -= n
    return bursts


def _check_rate(rate: float) -> None:
    if not 0.0 < rate <= 1.0:
        raise ValueError(f"beat_rate {rate} not in (0, 1]")


def _merged_pause(user: PauseGenerator | None, rate: float) -> PauseGenerator | None:
    """Pause pattern that is paused when *user* says so or to keep the open cycles at *rate*."""
    if rate >= 1.0:
        return user
    def gen() -> PauseGenerator:
        credit = 1.0 - rate  # so the first cycle is open
        while True:
            paused = bool(next(user, 0)) if user is not None else False
            credit += rate
            if credit >= 1.0:
                credit -= 1.0
                yield int(paused)
            else:
                yield 1
    return gen()


class DdrModel(Memory, Reset):
    """AXI4 slave with a sparse memory, pipelined latency, pauses, SLVERR injection and checks.

    Either direction may be absent (a read-only or write-only master): pass the bus of the
    directions the DUT has, or use :meth:`from_prefix`, which looks at the DUT's ports.

    Args:
        read_bus: ``AxiReadBus`` (AR and R), or None.
        write_bus: ``AxiWriteBus`` (AW, W and B), or None.
        clock: Clock signal.
        reset: Reset signal (active high unless *reset_active_level* is False); on reset the
            model drops every burst in flight.
        reset_active_level: Level at which *reset* is active.
        size: Memory size in bytes (addresses wrap modulo *size*).
        mem: An existing memory object (``SparseMemory`` or ``mmap``) to share, else a new one.
        read_latency: Minimum cycles from an AR handshake to the burst's first R beat.
        write_latency: Minimum cycles from a burst's last W beat to its B response.
        beat_rate: Most R (and W) beats per cycle sustained, 0 < rate <= 1.
        max_outstanding: Bursts per direction accepted and not yet answered; the address
            channel stalls beyond it (two more wait in the channel's queue).
        max_burst_beats: Longest legal burst (violation beyond).
        full_strobes: Record a violation for any W beat whose WSTRB is not all ones.
        error_ranges: ``(start, end)`` byte ranges (end exclusive) answered SLVERR.
        error_predicate: ``f(address, is_write) -> bool`` answering SLVERR where true.
        error_resp: The response given instead of OKAY (SLVERR, or DECERR).
        monitor: Watch every channel with :class:`HandshakeMonitor` (handshake rules on AR,
            AW and W; beat cycles on R and W for throughput).
        name: Label for logs.

    Attributes:
        read_latency, write_latency, beat_rate, error_resp, error_ranges, error_predicate: As
            above; may be changed between transfers.
        stats: :class:`DdrStats` counters.
        bursts: Every :class:`Burst` seen on AR and AW, in order.
        violations: Text of every protocol violation recorded.
        cycle: Clock cycles counted since the model started.
        ar_monitor, r_monitor, aw_monitor, w_monitor, b_monitor: The monitors (None when
            *monitor* is False or the channel is absent); ``r_monitor.transfer_cycles`` gives
            the cycle of every R beat.

    Methods:
        read(addr, n), write(addr, data), hexdump(addr, n) and friends: direct memory access
            (cocotbext-axi ``Memory``).
        set_pause_generator(ar=, r=, aw=, w=, b=): a pause pattern per channel (None: never).
        set_pauses(factory): a fresh ``factory()`` pattern on every channel (None: none).
        add_error_range(start, length) / clear_errors(): SLVERR injection.
        check(): raise ``AssertionError`` listing every violation.
        summary(): one line of counters for the log.
        reads_in_flight / writes_in_flight: bursts accepted and not yet answered.
    """

    def __init__(
        self,
        read_bus: AxiReadBus | None,
        write_bus: AxiWriteBus | None,
        clock: Any,
        reset: Any = None,
        reset_active_level: bool = True,
        *,
        size: int = 2**48,
        mem: Any = None,
        read_latency: int = 0,
        write_latency: int = 0,
        beat_rate: float = 1.0,
        max_outstanding: int = 32,
        max_burst_beats: int = 256,
        full_strobes: bool = True,
        error_ranges: Sequence[tuple[int, int]] = (),
        error_predicate: ErrorPredicate | None = None,
        error_resp: AxiResp = AxiResp.SLVERR,
        monitor: bool = True,
        name: str = "ddr",
    ) -> None:
        super().__init__(size=size, mem=mem)
        if read_bus is None and write_bus is None:
            raise ValueError("DdrModel needs a read bus, a write bus or both")
        _check_rate(beat_rate)
        self.clock = clock
        self.name = name
        self.log = logging.getLogger(f"cocotb.tb.{name}")
        self.read_latency = read_latency
        self.write_latency = write_latency
        self._beat_rate = beat_rate
        self.max_outstanding = max_outstanding
        self.max_burst_beats = max_burst_beats
        self.full_strobes = full_strobes
        self.error_ranges: list[tuple[int, int]] = list(error_ranges)
        self.error_predicate = error_predicate
        self.error_resp = error_resp

        self.stats = DdrStats()
        self.bursts: list[Burst] = []
        self.violations: list[str] = []
        self.cycle = 0
        self._user_pauses: dict[str, PauseGenerator | None] = {}

        self.ar_channel = self.r_channel = self.aw_channel = self.w_channel = self.b_channel = None
        self.ar_monitor = self.r_monitor = self.aw_monitor = self.w_monitor = self.b_monitor = None
        self.byte_lanes = 0
        if read_bus is not None:
            self.ar_channel = AxiARSink(read_bus.ar, clock, reset, reset_active_level)
            self.ar_channel.queue_occupancy_limit = 2
            self.r_channel = AxiRSource(read_bus.r, clock, reset, reset_active_level)
            self.r_channel.queue_occupancy_limit = 2
            self.byte_lanes = len(self.r_channel.bus.rdata) // 8
        if write_bus is not None:
            self.aw_channel = AxiAWSink(write_bus.aw, clock, reset, reset_active_level)
            self.aw_channel.queue_occupancy_limit = 2
            self.w_channel = AxiWSink(write_bus.w, clock, reset, reset_active_level)
            self.w_channel.queue_occupancy_limit = 2
            self.b_channel = AxiBSource(write_bus.b, clock, reset, reset_active_level)
            self.b_channel.queue_occupancy_limit = 2
            lanes = len(self.w_channel.bus.wdata) // 8
            assert not self.byte_lanes or lanes == self.byte_lanes, "read and write data widths differ"
            self.byte_lanes = lanes
        self.full_size = (self.byte_lanes - 1).bit_length()
        self.strb_mask = (1 << self.byte_lanes) - 1

        if monitor:
            self._start_monitors(read_bus, write_bus, reset)

        # Bursts accepted on AR/AW, waiting for R data / W data; B responses waiting to go.
        self._reads: deque[tuple[int, Burst]] = deque()
        self._writes: deque[Burst] = deque()
        self._responses: deque[tuple[int, Any]] = deque()
        self._reads_event = Event()
        self._writes_event = Event()
        self._responses_event = Event()
        self._read_done_event = Event()
        self._write_done_event = Event()
        self._reads_open = 0
        self._writes_open = 0
        self._tasks: list[Any] = []

        self._apply_pauses()
        cocotb.start_soon(self._count_cycles())
        self.log.info(
            "DdrModel %s: %s%s, %d-bit data, read latency %d, write latency %d, beat rate %.2f, "
            "max outstanding %d, max burst %d beats",
            name, "R" if read_bus is not None else "", "W" if write_bus is not None else "",
            self.byte_lanes * 8, read_latency, write_latency, beat_rate, max_outstanding, max_burst_beats,
        )
        self._init_reset(reset, reset_active_level)

    @classmethod
    def from_prefix(cls, dut: Any, prefix: str, clock: Any, reset: Any = None, **kwargs: Any) -> DdrModel:
        """Build on the DUT's ``<prefix>_*`` ports; the directions present (``arvalid``, ``awvalid``) are served."""
        read_bus = AxiReadBus.from_prefix(dut, prefix) if hasattr(dut, f"{prefix}_arvalid") else None
        write_bus = AxiWriteBus.from_prefix(dut, prefix) if hasattr(dut, f"{prefix}_awvalid") else None
        return cls(read_bus, write_bus, clock, reset, **kwargs)

    # -- configuration --------------------------------------------------------------------

    @property
    def beat_rate(self) -> float:
        """Most R and W beats per cycle sustained (settable at any time, 0 < rate <= 1)."""
        return self._beat_rate

    @beat_rate.setter
    def beat_rate(self, rate: float) -> None:
        _check_rate(rate)
        self._beat_rate = rate
        self._apply_pauses()

    def set_pause_generator(self, *, ar: PauseGenerator | None = None, r: PauseGenerator | None = None,
                            aw: PauseGenerator | None = None, w: PauseGenerator | None = None,
                            b: PauseGenerator | None = None) -> None:
        """Pause each channel with its pattern (1: paused this cycle; None: never paused).

        AR/AW/W pauses drop the ready signal; R/B pauses hold back the valid signal.
        ``beat_rate`` is applied on top on R and W.
        """
        self._user_pauses = {"ar": ar, "r": r, "aw": aw, "w": w, "b": b}
        self._apply_pauses()

    def set_pauses(self, factory: Callable[[], PauseGenerator] | None) -> None:
        """Pause every channel with its own ``factory()`` pattern (None: no pauses)."""
        self.set_pause_generator(**{ch: factory() if factory else None for ch in ("ar", "r", "aw", "w", "b")})

    def add_error_range(self, start: int, length: int) -> None:
        """Answer SLVERR for every beat in ``[start, start + length)``."""
        self.error_ranges.append((start, start + length))

    def clear_errors(self) -> None:
        """Remove every error range and the error predicate."""
        self.error_ranges.clear()
        self.error_predicate = None

    def is_error(self, address: int, write: bool) -> bool:
        """Whether the beat at *address* is answered SLVERR."""
        if any(start <= address < end for start, end in self.error_ranges):
            return True
        return bool(self.error_predicate and self.error_predicate(address, write))

    # -- results --------------------------------------------------------------------------

    @property
    def reads_in_flight(self) -> int:
        """Read bursts accepted whose last R beat has not been queued."""
        return self._reads_open

    @property
    def writes_in_flight(self) -> int:
        """Write bursts accepted whose B response has not been queued."""
        return self._writes_open

    def all_violations(self) -> list[str]:
        """Burst violations and the monitors' handshake violations."""
        found = list(self.violations)
        for mon in (self.ar_monitor, self.aw_monitor, self.w_monitor):
            if mon is not None:
                found += [f"{mon.name}: {v}" for v in mon.violations]
        return found

    def check(self) -> None:
        """Raise :class:`AssertionError` listing every violation seen so far."""
        found = self.all_violations()
        if found:
            shown = "\n  ".join(found[:20])
            more = f"\n  ... {len(found) - 20} more" if len(found) > 20 else ""
            raise AssertionError(f"{self.name}: {len(found)} AXI violations:\n  {shown}{more}")

    def summary(self) -> str:
        """One line of counters."""
        s = self.stats
        return (f"{self.name}: reads {s.read_bursts} bursts / {s.read_beats} beats ({s.read_error_beats} SLVERR), "
                f"writes {s.write_bursts} bursts / {s.write_beats} beats ({s.write_error_bursts} SLVERR), "
                f"{len(self.all_violations())} violations")

    # -- internals ------------------------------------------------------------------------

    def _start_monitors(self, read_bus: AxiReadBus | None, write_bus: AxiWriteBus | None, reset: Any) -> None:
        def mon(bus: Any, ch: str, payload: Sequence[str]) -> HandshakeMonitor:
            sigs = [getattr(bus, f"{ch}{s}") for s in payload if hasattr(bus, f"{ch}{s}")]
            return HandshakeMonitor(self.clock, getattr(bus, f"{ch}valid"), getattr(bus, f"{ch}ready"),
                                    sigs, f"{self.name}.{ch}", reset)
        if read_bus is not None:
            self.ar_monitor = mon(read_bus.ar, "ar", ("id", "addr", "len", "size", "burst"))
            self.r_monitor = mon(read_bus.r, "r", ())
        if write_bus is not None:
            self.aw_monitor = mon(write_bus.aw, "aw", ("id", "addr", "len", "size", "burst"))
            self.w_monitor = mon(write_bus.w, "w", ("data", "strb", "last"))
            self.b_monitor = mon(write_bus.b, "b", ())

    def _apply_pauses(self) -> None:
        channels = {"ar": self.ar_channel, "r": self.r_channel, "aw": self.aw_channel,
                    "w": self.w_channel, "b": self.b_channel}
        for ch, model in channels.items():
            if model is None:
                continue
            rate = self.beat_rate if ch in ("r", "w") else 1.0
            model.set_pause_generator(_merged_pause(self._user_pauses.get(ch), rate))
            if model._pause_generator is None:
                model.pause = False

    def _violation(self, text: str) -> None:
        self.violations.append(f"cycle {self.cycle}: {text}")
        self.log.error("%s: cycle %d: %s", self.name, self.cycle, text)

    async def _count_cycles(self) -> None:
        edge = RisingEdge(self.clock)
        while True:
            await edge
            self.cycle += 1

    def _handle_reset(self, state: bool) -> None:
        if state:
            for task in self._tasks:
                task.cancel()
            self._tasks.clear()
            self._reads.clear()
            self._writes.clear()
            self._responses.clear()
            self._reads_open = self._writes_open = 0
            for channel in (self.ar_channel, self.r_channel, self.aw_channel, self.w_channel, self.b_channel):
                if channel is not None:
                    channel.clear()  # the channel models keep their queues across a reset
        elif not self._tasks:
            if self.ar_channel is not None:
                self._tasks += [cocotb.start_soon(self._ar_loop()), cocotb.start_soon(self._r_loop())]
            if self.aw_channel is not None:
                self._tasks += [cocotb.start_soon(self._aw_loop()), cocotb.start_soon(self._w_loop()),
                                cocotb.start_soon(self._b_loop())]

    def _address_burst(self, txn: Any, write: bool) -> Burst:
        ch = "aw" if write else "ar"
        burst = Burst(
            cycle=self.cycle, write=write, id=int(getattr(txn, f"{ch}id", 0)), addr=int(getattr(txn, f"{ch}addr")),
            beats=int(getattr(txn, f"{ch}len", 0)) + 1, size=int(getattr(txn, f"{ch}size", self.full_size)),
            burst=int(getattr(txn, f"{ch}burst", AxiBurstType.INCR)),
        )
        self.bursts.append(burst)
        for problem in burst_problems(burst.addr, burst.beats, burst.size, burst.burst, self.byte_lanes,
                                      self.max_burst_beats):
            self._violation(f"{ch.upper()} id {burst.id} addr 0x{burst.addr:x} len {burst.beats}: {problem}")
        return burst

    def _beat_addresses(self, burst: Burst) -> Iterator[int]:
        # Served as INCR from the aligned address whatever was asked (violations are recorded).
        step = 1 << burst.size
        start = burst.addr - burst.addr % step
        return (((start + n * step) // self.byte_lanes) * self.byte_lanes % self.size for n in range(burst.beats))

    async def _ar_loop(self) -> None:
        while True:
            while self._reads_open >= self.max_outstanding:
                self._read_done_event.clear()
                await self._read_done_event.wait()
            burst = self._address_burst(await self.ar_channel.recv(), write=False)
            self.stats.read_bursts += 1
            self._reads_open += 1
            self._reads.append((self.cycle + self.read_latency, burst))
            self._reads_event.set()

    async def _r_loop(self) -> None:
        while True:
            while not self._reads:
                self._reads_event.clear()
                await self._reads_event.wait()
            ready_cycle, burst = self._reads.popleft()
            if ready_cycle > self.cycle:
                await ClockCycles(self.clock, ready_cycle - self.cycle)
            addresses = list(self._beat_addresses(burst))
            for n, addr in enumerate(addresses):
                r = self.r_channel._transaction_obj()
                r.rid = burst.id
                r.rlast = int(n == len(addresses) - 1)
                if self.is_error(addr, write=False):
                    r.rresp = self.error_resp
                    data = (ERROR_FILL * (self.byte_lanes // len(ERROR_FILL) + 1))[: self.byte_lanes]
                    self.stats.read_error_beats += 1
                else:
                    r.rresp = AxiResp.OKAY
                    data = self.mem.read(addr, self.byte_lanes)
                r.rdata = int.from_bytes(data, "little")
                self.stats.read_beats += 1
                await self.r_channel.send(r)
            self._reads_open -= 1
            self._read_done_event.set()

    async def _aw_loop(self) -> None:
        while True:
            while self._writes_open >= self.max_outstanding:
                self._write_done_event.clear()
                await self._write_done_event.wait()
            burst = self._address_burst(await self.aw_channel.recv(), write=True)
            self.stats.write_bursts += 1
            self._writes_open += 1
            self._writes.append(burst)
            self._writes_event.set()

    async def _w_loop(self) -> None:
        while True:
            while not self._writes:
                self._writes_event.clear()
                await self._writes_event.wait()
            burst = self._writes.popleft()
            resp = AxiResp.OKAY
            addresses = list(self._beat_addresses(burst))
            for n, addr in enumerate(addresses):
                w = await self.w_channel.recv()
                self.stats.write_beats += 1
                last = int(w.wlast)
                if last != (n == len(addresses) - 1):
                    self._violation(f"W beat {n} of {len(addresses)} (AW addr 0x{burst.addr:x}) has wlast={last}")
                strb = int(getattr(w, "wstrb", self.strb_mask))
                if self.full_strobes and strb != self.strb_mask:
                    self._violation(f"W beat {n} (AW addr 0x{burst.addr:x}) wstrb 0x{strb:x} is not all ones")
                if self.is_error(addr, write=True):
                    resp = self.error_resp
                    continue
                data = int(w.wdata).to_bytes(self.byte_lanes, "little")
                if strb == self.strb_mask:
                    self.mem.write(addr, data)
                else:
                    for lane in range(self.byte_lanes):
                        if strb >> lane & 1:
                            self.mem.write(addr + lane, data[lane : lane + 1])
            if resp != AxiResp.OKAY:
                self.stats.write_error_bursts += 1
            b = self.b_channel._transaction_obj()
            b.bid = burst.id
            b.bresp = resp
            self._responses.append((self.cycle + self.write_latency, b))
            self._responses_event.set()

    async def _b_loop(self) -> None:
        while True:
            while not self._responses:
                self._responses_event.clear()
                await self._responses_event.wait()
            ready_cycle, b = self._responses.popleft()
            if ready_cycle > self.cycle:
                await ClockCycles(self.clock, ready_cycle - self.cycle)
            await self.b_channel.send(b)
            self._writes_open -= 1
            self._write_done_event.set()

