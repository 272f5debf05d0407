"""Random AXI4 burst traffic checked against a reference memory, for interconnect testbenches.

An interconnect testbench drives cocotbext-axi ``AxiMaster`` models into the DUT, puts
:class:`~hlstransform.verif.ddr.DdrModel` memories behind it, and checks that every read
returns what a byte-exact reference memory holds, every write lands there and nowhere else,
every response code comes back, and every burst reaches the right memory with every field
intact. This module holds the parts that do not depend on the DUT's shape:

- :class:`Attrs`, :class:`Op`: one single-burst transfer (read or write), its sideband fields,
  the response expected and, once issued (:func:`issue`), the task that waits for its result;
- :class:`RefMemory`: the byte-exact reference (windows of random sentinel bytes that writes
  overwrite); :func:`beat_mismatches` compares it beat by beat with what a memory holds;
- :class:`WriteAllocator` and :func:`random_read_addr`: addresses for bursts that never cross
  4 KiB, writes never overlapping each other (so concurrent writes have one right answer);
- :func:`check_ops`: each finished op against the reference (data and response);
- :class:`AxiPortsMonitor`: one coroutine watching several AXI4 ports packed in vectors (or
  one plain port): every AR/AW handshake with all its fields (:class:`AddrBeat`, compared
  with the bursts a test issued through :func:`expected_beat` and :func:`compare_beats`), the
  cycle of every R/W beat and B, the stall rule on the channels the watched side drives, and
  when each burst was outstanding (:meth:`AxiPortsMonitor.read_intervals`);
- :func:`overlap_violations`: the check that no two ports ever had bursts outstanding at once
  (axi_addr_split's ordering rule).

Nothing here touches the simulator at import time.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import cocotb
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiBurstType, AxiResp

from hlstransform.verif.ddr import PAGE_BYTES
from hlstransform.verif.scoreboard import Mismatch, compare_streams

MAX_BURST_BEATS = 64
"""Longest burst the interconnect's masters issue (DESIGN.md section 6: <= 4 KiB at 512 bits)."""


class Attrs(NamedTuple):
    """Address-channel sideband fields an interconnect must forward unchanged."""

    lock: int = 0
    cache: int = 0b0011
    prot: int = 0b010
    qos: int = 0
    region: int = 0


def random_attrs(rng: random.Random) -> Attrs:
    """Random sideband fields (lock normal or exclusive, any cache/prot/qos/region)."""
    return Attrs(rng.randrange(2), rng.randrange(16), rng.randrange(8), rng.randrange(16), rng.randrange(16))


@dataclass
class Op:
    """One single-burst transfer issued through an ``AxiMaster``.

    Attributes:
        write: True for a write burst, False for a read burst.
        addr: Byte address on the master's side (beat aligned, the burst within one 4 KiB page).
        beats: Burst length (1..256).
        id: AxID.
        attrs: Sideband fields.
        data: Write data (``beats * byte_lanes`` bytes); empty for reads.
        expect_resp: The response the test expects (OKAY, SLVERR or DECERR).
        expect_data: For reads answered in error, the data expected instead of the reference
            memory's (None: not checked); for OKAY reads the reference is used.
        source: Which master issued it (arbiter tests) or any tag.
        task: Set by :func:`issue`: the task waiting for the result.
        result: The ``AxiReadResp``/``AxiWriteResp`` once done (None: not done, or flushed by a reset).
    """

    write: bool
    addr: int
    beats: int
    id: int
    attrs: Attrs = Attrs()
    data: bytes = b""
    expect_resp: AxiResp = AxiResp.OKAY
    expect_data: bytes | None = None
    source: int = 0
    task: Any = field(default=None, repr=False)
    result: Any = field(default=None, repr=False)

    def describe(self) -> str:
        """One line naming the op."""
        return (f"{'write' if self.write else 'read'} master {self.source} addr 0x{self.addr:x} "
                f"{self.beats} beats id {self.id}")


def issue(master: Any, op: Op, byte_lanes: int) -> None:
    """Queue *op* on the cocotbext-axi ``AxiMaster`` *master* (non-blocking; see ``op.task``/``op.result``).

    Ops issued in one call order reach the master's command queue in that order (cocotb
    runs new tasks first-in, first-out), so a master issues its bursts in issue order.
    """
    if op.write:
        assert len(op.data) == op.beats * byte_lanes, "write data length does not match the burst"
    op.task = cocotb.start_soon(_run_op(master, op, byte_lanes))


async def _run_op(master: Any, op: Op, byte_lanes: int) -> None:
    a = op.attrs
    if op.write:
        op.result = await master.write(op.addr, op.data, awid=op.id, lock=a.lock, cache=a.cache, prot=a.prot,
                                       qos=a.qos, region=a.region)
    else:
        op.result = await master.read(op.addr, op.beats * byte_lanes, arid=op.id, lock=a.lock, cache=a.cache,
                                      prot=a.prot, qos=a.qos, region=a.region)


async def wait_ops(ops: Iterable[Op]) -> None:
    """Wait until every issued op has finished."""
    for op in ops:
        assert op.task is not None, f"{op.describe()} was never issued"
        await op.task


class RefMemory:
    """Byte-exact reference memory: windows of random sentinel bytes that writes overwrite.

    Addresses are whatever space the test chooses (a memory's own, or the master's).
    """

    def __init__(self) -> None:
        self.windows: dict[int, bytearray] = {}

    def add_window(self, base: int, size: int, rng: random.Random) -> bytes:
        """Add a window of *size* random bytes at *base*; return its initial contents."""
        data = bytearray(rng.randbytes(size))
        self.windows[base] = data
        return bytes(data)

    def _find(self, addr: int, length: int) -> tuple[bytearray, int]:
        for base, data in self.windows.items():
            if base <= addr and addr + length <= base + len(data):
                return data, addr - base
        raise KeyError(f"0x{addr:x}+{length} is in no reference window")

    def read(self, addr: int, length: int) -> bytes:
        """The reference contents of ``[addr, addr + length)``."""
        data, offset = self._find(addr, length)
        return bytes(data[offset:offset + length])

    def write(self, addr: int, payload: bytes) -> None:
        """Record a write."""
        data, offset = self._find(addr, len(payload))
        data[offset:offset + len(payload)] = payload


def beat_mismatches(expected: bytes, actual: bytes, byte_lanes: int) -> list[Mismatch]:
    """Compare two byte strings beat by beat (index = beat number), through the scoreboard."""
    def beats(data: bytes) -> list[int]:
        return [int.from_bytes(data[i:i + byte_lanes], "little") for i in range(0, len(data), byte_lanes)]
    return compare_streams(beats(expected), beats(actual))


class WriteAllocator:
    """Hands out write bursts in a region that never overlap each other and never cross 4 KiB.

    Args:
        base: First byte of the region (beat aligned).
        size: Region size, bytes.
        byte_lanes: Bytes per beat.
        rng: Random source.
        max_gap: Most beats left unwritten between consecutive bursts (random 0..max_gap).
    """

    def __init__(self, base: int, size: int, byte_lanes: int, rng: random.Random, max_gap: int = 3) -> None:
        self.cursor = base
        self.end = base + size
        self.byte_lanes = byte_lanes
        self.rng = rng
        self.max_gap = max_gap

    def take(self, beats: int) -> int | None:
        """Address of a fresh *beats*-beat burst, or None when the region is used up."""
        addr = self.cursor + self.rng.randint(0, self.max_gap) * self.byte_lanes
        if addr // PAGE_BYTES != (addr + beats * self.byte_lanes - 1) // PAGE_BYTES:
            addr = (addr // PAGE_BYTES + 1) * PAGE_BYTES
        if addr + beats * self.byte_lanes > self.end:
            return None
        self.cursor = addr + beats * self.byte_lanes
        return addr


def random_read_addr(rng: random.Random, base: int, size: int, beats: int, byte_lanes: int) -> int:
    """A beat-aligned address in ``[base, base + size)`` for a *beats*-beat burst within one 4 KiB page."""
    length = beats * byte_lanes
    assert length <= PAGE_BYTES and length <= size, "burst longer than a page or the region"
    while True:
        addr = base + rng.randrange((size - length) // byte_lanes + 1) * byte_lanes
        if addr // PAGE_BYTES == (addr + length - 1) // PAGE_BYTES:
            return addr


def random_beats(rng: random.Random, max_beats: int = MAX_BURST_BEATS) -> int:
    """A burst length in 1..max_beats: uniform, with 1 and max_beats more often."""
    pick = rng.random()
    if pick < 0.1:
        return 1
    if pick < 0.2:
        return max_beats
    return rng.randint(1, max_beats)


def check_ops(ops: Sequence[Op], ref: RefMemory, byte_lanes: int, ref_addr: Any = None) -> list[str]:
    """Check every finished op: response as expected, read data as the reference says.

    Reads are checked against *ref* as it is when called: issue reads only from regions
    that no concurrent write touches. *ref_addr* maps an op's address to the reference's
    address space (default: the same).

    Returns:
        One line per problem (empty when all agree).
    """
    problems = []
    for op in ops:
        result = op.result
        if result is None:
            problems.append(f"{op.describe()}: no result (flushed by a reset?)")
            continue
        resp = AxiResp(int(result.resp))
        if resp != op.expect_resp:
            problems.append(f"{op.describe()}: response {resp.name}, expected {op.expect_resp.name}")
        if op.write:
            continue
        if op.expect_resp == AxiResp.OKAY:
            addr = ref_addr(op.addr) if ref_addr else op.addr
            expected = ref.read(addr, op.beats * byte_lanes)
        else:
            expected = op.expect_data
        if expected is not None and bytes(result.data) != expected:
            mismatches = beat_mismatches(expected, bytes(result.data), byte_lanes)
            problems.append(f"{op.describe()}: read data differs in {len(mismatches)} beats, first {mismatches[0]}")
    return problems


class AddrBeat(NamedTuple):
    """One AR or AW handshake as a monitor saw it."""

    cycle: int
    id: int
    addr: int
    len: int
    size: int
    burst: int
    lock: int
    cache: int
    prot: int
    qos: int
    region: int

    def fields(self) -> tuple[int, ...]:
        """Everything but the cycle (for comparisons)."""
        return tuple(self)[1:]


def expected_beat(op: Op, addr: int, id_: int, size: int) -> tuple[int, ...]:
    """The :meth:`AddrBeat.fields` an op should show on a port, given the address and ID it should carry there."""
    a = op.attrs
    return (id_, addr, op.beats - 1, size, int(AxiBurstType.INCR), a.lock, a.cache, a.prot, a.qos, a.region)


_ADDR_FIELDS = ("id", "addr", "len", "size", "burst", "lock", "cache", "prot", "qos", "region")
_PAYLOAD: dict[str, tuple[str, ...]] = {
    "ar": _ADDR_FIELDS, "aw": _ADDR_FIELDS, "w": ("data", "strb", "last"), "r": ("id", "data", "resp", "last"),
    "b": ("id", "resp"),
}


@dataclass
class PortRecord:
    """What an :class:`AxiPortsMonitor` recorded on one port.

    Attributes:
        ar, aw: Every address handshake, with all fields.
        r: ``(cycle, rlast)`` of every R beat.
        w: ``(cycle, wlast)`` of every W beat.
        b: Cycle of every B handshake.
    """

    ar: list[AddrBeat] = field(default_factory=list)
    aw: list[AddrBeat] = field(default_factory=list)
    r: list[tuple[int, int]] = field(default_factory=list)
    w: list[tuple[int, int]] = field(default_factory=list)
    b: list[int] = field(default_factory=list)


class AxiPortsMonitor:
    """Watches *count* AXI4 ports whose signals are packed in vectors (port i in bits [i*W +: W]).

    One coroutine reads each channel's valid (and, when valid, ready) vector once per cycle
    for all ports, so watching four 512-bit ports costs about as much as one
    ``HandshakeMonitor`` per port. A single port with plain signals is ``count=1``.

    Records (per port, :class:`PortRecord`): every AR/AW handshake with all its fields, the
    cycle (and last flag) of every R and W beat, the cycle of every B. Checks, on the channels
    named in *check* (those the watched side drives): once valid is high without ready, valid
    and the whole payload must hold until the handshake (AXI4 A3.2.1); each breach goes into
    :attr:`violations`.

    Args:
        dut: Handle holding the signals (``<prefix>_arvalid`` ...), e.g. the cocotb top or a
            wrapper whose internal packed vectors are visible (cocotb builds Verilator with
            ``--public-flat-rw``).
        prefix: Signal prefix (``m_axi``).
        count: Ports watched (the low *count* entries of the vectors).
        packed: Ports the vectors hold (default *count*; a wrapper may pack more than it uses).
        clock: Clock signal.
        reset: Active-high reset; nothing is recorded or checked while it is high.
        check: Channels whose stall rule is checked.
        name: Label for logs.

    Attributes:
        ports: One :class:`PortRecord` per port.
        violations: Text of every handshake-rule breach.
        cycle: Clock cycles counted since the monitor started.
    """

    def __init__(self, dut: Any, prefix: str, count: int, clock: Any, reset: Any = None,
                 check: Sequence[str] = (), name: str | None = None, packed: int | None = None) -> None:
        self.name = name or prefix
        self.count = count
        self.clock, self.reset = clock, reset
        self.check = set(check)
        self.log = logging.getLogger(f"cocotb.tb.{self.name}")
        self.valid = {ch: getattr(dut, f"{prefix}_{ch}valid") for ch in _PAYLOAD}
        self.ready = {ch: getattr(dut, f"{prefix}_{ch}ready") for ch in _PAYLOAD}
        self.payload = {ch: [getattr(dut, f"{prefix}_{ch}{f}") for f in fields] for ch, fields in _PAYLOAD.items()}
        self.widths = {ch: [len(sig) // (packed or count) for sig in sigs] for ch, sigs in self.payload.items()}
        self.ports = [PortRecord() for _ in range(count)]
        self.violations: list[str] = []
        self.cycle = 0
        self._stalled: dict[str, dict[int, tuple[int, ...]]] = {ch: {} for ch in _PAYLOAD}
        self._task = cocotb.start_soon(self._run())

    def clear(self) -> None:
        """Forget the records (violations are kept)."""
        self.ports = [PortRecord() for _ in range(self.count)]

    def _fields(self, ch: str, values: list[int], port: int) -> tuple[int, ...]:
        return tuple((v >> (port * w)) & ((1 << w) - 1) for v, w in zip(values, self.widths[ch]))

    async def _run(self) -> None:
        edge = RisingEdge(self.clock)
        full = (1 << self.count) - 1
        while True:
            await edge
            self.cycle += 1
            if self.reset is not None and self.reset.value:
                for stalled in self._stalled.values():
                    stalled.clear()
                continue
            for ch in _PAYLOAD:
                stalled = self._stalled[ch]
                valid = int(self.valid[ch].value) & full
                if not valid and not stalled:
                    continue
                ready = int(self.ready[ch].value) & full
                fire, stall = valid & ready, valid & ~ready & full
                values = None
                if ch in self.check and stalled:
                    values = [int(sig.value) for sig in self.payload[ch]]
                    for port, held in list(stalled.items()):
                        if not valid >> port & 1:
                            self._violation(f"{ch} port {port}: valid dropped before the handshake")
                        elif self._fields(ch, values, port) != held:
                            self._violation(f"{ch} port {port}: payload changed while stalled: {held} -> "
                                            f"{self._fields(ch, values, port)}")
                    stalled.clear()
                if not fire and not (stall and ch in self.check):
                    continue
                if values is None:
                    values = [int(sig.value) for sig in self.payload[ch]]
                for port in range(self.count):
                    if fire >> port & 1:
                        fields = self._fields(ch, values, port)
                        rec = self.ports[port]
                        if ch in ("ar", "aw"):
                            getattr(rec, ch).append(AddrBeat(self.cycle, *fields))
                        elif ch == "r":
                            rec.r.append((self.cycle, fields[3]))
                        elif ch == "w":
                            rec.w.append((self.cycle, fields[2]))
                        else:
                            rec.b.append(self.cycle)
                    elif stall >> port & 1 and ch in self.check:
                        stalled[port] = self._fields(ch, values, port)

    def _violation(self, text: str) -> None:
        self.violations.append(f"cycle {self.cycle}: {text}")
        self.log.error("%s: cycle %d: %s", self.name, self.cycle, text)

    def beat_cycles(self, ch: str, port: int | None = None) -> list[int]:
        """Cycles of the R or W beats on *port* (None: all ports, sorted)."""
        ports = range(self.count) if port is None else (port,)
        return sorted(c for p in ports for c, _ in getattr(self.ports[p], ch))

    def span(self, ch: str, port: int | None = None) -> int:
        """Cycles from the first to the last R or W beat, both included (0 when none)."""
        cycles = self.beat_cycles(ch, port)
        return cycles[-1] - cycles[0] + 1 if cycles else 0

    def read_intervals(self, port: int) -> list[tuple[int, int]]:
        """``(AR handshake, last R beat)`` cycles of each completed read burst on *port*.

        Pairs the k-th AR with the k-th RLAST: right for a port whose slave answers in order
        (a DdrModel does).
        """
        lasts = [c for c, last in self.ports[port].r if last]
        return list(zip((b.cycle for b in self.ports[port].ar), lasts))

    def write_intervals(self, port: int) -> list[tuple[int, int]]:
        """``(AW handshake, B handshake)`` cycles of each completed write burst on *port* (B in AW order)."""
        return list(zip((b.cycle for b in self.ports[port].aw), self.ports[port].b))


def compare_beats(expected: Sequence[tuple[int, ...]], actual: Sequence[AddrBeat]) -> list[Mismatch]:
    """Compare the address-channel fields a port should have seen, in order, with what it saw."""
    return compare_streams(list(expected), [beat.fields() for beat in actual])


def overlap_violations(intervals: Sequence[Sequence[tuple[int, int]]]) -> list[str]:
    """Where bursts were outstanding at two ports at once.

    Args:
        intervals: Per port, ``(start, end)`` cycles of each burst (start: address handshake,
            end: last response handshake).

    Returns:
        One line per burst that started while another port still had one outstanding.
    """
    events = sorted((start, end, port) for port, spans in enumerate(intervals) for start, end in spans)
    busy_until = [-1] * len(intervals)
    problems = []
    for start, end, port in events:
        for other, until in enumerate(busy_until):
            if other != port and until >= start:
                problems.append(f"port {port} burst at cycle {start} while port {other} busy until cycle {until}")
        busy_until[port] = max(busy_until[port], end)
    return problems


def quiet(*models: Any) -> None:
    """Log only warnings from cocotbext-axi models (they log every burst and its data at INFO)."""
    for model in models:
        for part in (model, getattr(model, "read_if", None), getattr(model, "write_if", None)):
            if part is not None and hasattr(part, "log"):
                part.log.setLevel(logging.WARNING)
