"""cocotb tests for ``rtl/forward/fwd_elementwise.sv`` (the forward kernel's elementwise unit).

One lane shell (``elementwise_core``), three sets of XLS lanes, ``cfg_op`` choosing
(``rtl/forward/fwd_pkg.sv``): EW_ADD (16 ``ew_add``), EW_SWIGLU (SWIGLU_LANES ``ew_swiglu``
through ``ew_swiglu_lanes`` / ``lane_parts``: a beat split in 16 / SWIGLU_LANES parts and
gathered again) and EW_ROPE (8 ``ew_rope_pair``). The forward kernel only reaches it through
its sequencer (``verif/tests/forward``); this drives its three streams directly.

Scoreboard: every result beat, as 16 uint32 patterns, equals the numerics model of the op
(``numerics.ew_add(a, b)``; ``numerics.ew_swiglu(h1 = a, h3 = b)``; ``numerics.ew_rope_pair``
with pair m = elements 2m (v0, c from b) and 2m + 1 (v1, s from b)), in operand order.

What is checked:

- each op bit-exact on random activations, random bit patterns and specials (+-0, +-inf,
  quiet and signalling NaNs, subnormals, the largest finite, and for SwiGLU h1 across exp's
  overflow and flush points and +-100), runs of 1..24 beats with the op changed between runs
  (held within a run, as the forward sequencer does: the next run's operands follow right
  after the last result), every change between the three ops taken; both operand streams
  paused and the output back-pressured (never / 3 cycles of 4 / random, crossed); handshakes
  legal, no beat left over or taken twice, no output after the last run;
- the issue rate, no pauses: consecutive SwiGLU beats are taken on s_axis_a exactly
  16 / SWIGLU_LANES cycles apart (the a-input gated while the lanes take a beat's parts),
  ADD and ROPE beats one cycle apart (this also proves the build took SWIGLU_LANES);
- reset in the middle of a SwiGLU run, with the sink stopped, results in the FIFO, beats in
  the lanes and (SWIGLU_LANES < 16) a beat's parts still being fed: nothing comes out after
  it, and the next SwiGLU and ADD runs are exact;
- the scoreboard rejects a flipped bit, the wrong op's model, a beat with its SwiGLU parts
  out of order and a RoPE result with its pair halves swapped.

Run: ``pytest verif/tests/fwd_elementwise`` (two builds: SWIGLU_LANES 4, the default, and 16,
lane_parts' whole-beat path) or ``make sim MODULE=fwd_elementwise``. Seed:
``COCOTB_RANDOM_SEED`` (default :data:`hlstransform.verif.runner.DEFAULT_SEED`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import cocotb
import numpy as np
import pytest
from cocotb.triggers import ReadOnly, RisingEdge, with_timeout
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from hlstransform.model import numerics as nm
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import Mismatch, compare_streams, format_mismatches
from hlstransform.verif.sources import hls_latency
from hlstransform.verif.tb import PAUSE_OPTIONS, HandshakeMonitor, TbBase, param, set_stream_pauses
from hlstransform.verif.tests.swiglu.test_swiglu import EXP_EDGES

Generator = Callable[[], Iterator[int]] | None
Beat = tuple[int, ...]
TIMEOUT_US = 2_000

# fwd_pkg's elementwise op codes.
EW_ADD, EW_SWIGLU, EW_ROPE = 0, 1, 2
OP_NAMES = {EW_ADD: "ADD", EW_SWIGLU: "SWIGLU", EW_ROPE: "ROPE"}

SPECIALS = np.array([0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7F800001,
                     0x00000001, 0x807FFFFF, 0x00400000, 0x7F7FFFFF, 0xFF7FFFFF, 0x00800000, 0x3F800000],
                    dtype=np.uint32)


def pack(values: np.ndarray) -> int:
    """16 uint32 patterns -> a 512-bit beat, element k at [32k +: 32]."""
    return int.from_bytes(np.asarray(values, "<u4").tobytes(), "little")


def unpack(beat: int) -> Beat:
    """A 512-bit beat -> its 16 uint32 patterns, element 0 first."""
    return tuple(int(v) for v in np.frombuffer(beat.to_bytes(64, "little"), "<u4"))


def model(op: int, a: np.ndarray, b: np.ndarray) -> list[Beat]:
    """The result beats of a run: a and b are (beats, 16) uint32 patterns."""
    x, y = nm.from_bits(a), nm.from_bits(b)
    if op == EW_ADD:
        out = nm.as_bits(nm.ew_add(x, y))
    elif op == EW_SWIGLU:
        out = nm.as_bits(nm.ew_swiglu(x, y))
    else:
        o0, o1 = nm.ew_rope_pair(x[:, 0::2], x[:, 1::2], y[:, 0::2], y[:, 1::2])
        out = np.empty_like(a)
        out[:, 0::2], out[:, 1::2] = nm.as_bits(o0), nm.as_bits(o1)
    return [tuple(int(v) for v in row) for row in np.asarray(out, np.uint32).reshape(-1, 16)]


def mismatches(op: int, a: np.ndarray, b: np.ndarray, got: list[Beat]) -> list[Mismatch]:
    """The scoreboard: the run's result beats against the op's model (empty when exact)."""
    return compare_streams(model(op, a, b), got)


def check(op: int, a: np.ndarray, b: np.ndarray, got: list[Beat], what: str = "") -> None:
    bad = mismatches(op, a, b, got)
    assert not bad, f"{OP_NAMES[op]} run of {len(a)} beats{what}: {format_mismatches(bad)}"


class TB(TbBase):
    """fwd_elementwise with sources on ``s_axis_a`` / ``s_axis_b`` and a sink on ``m_axis_out``.

    No tkeep or tlast: the models run with one 512-bit "byte" per beat, a run's operands are
    one frame per source, and the sink gives each result beat as a frame. Monitors record the
    handshake cycles of all three streams (issue rate, beat counts) and check the protocol.
    """

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.lanes = param("SWIGLU_LANES", 4)
        self.parts = 16 // self.lanes
        self.rng = np.random.default_rng(random.getrandbits(32))
        self.a_source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis_a"), dut.clk, dut.rst, byte_lanes=1)
        self.b_source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis_b"), dut.clk, dut.rst, byte_lanes=1)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis_out"), dut.clk, dut.rst, byte_lanes=1)
        for stream in (self.a_source, self.b_source, self.sink):
            stream.log.setLevel("WARNING")  # no per-frame dump of 512-bit words
        self.monitors = {
            "a": HandshakeMonitor(dut.clk, dut.s_axis_a_tvalid, dut.s_axis_a_tready, [dut.s_axis_a_tdata],
                                  "s_axis_a", dut.rst),
            "b": HandshakeMonitor(dut.clk, dut.s_axis_b_tvalid, dut.s_axis_b_tready, [dut.s_axis_b_tdata],
                                  "s_axis_b", dut.rst),
            "out": HandshakeMonitor(dut.clk, dut.m_axis_out_tvalid, dut.m_axis_out_tready, [dut.m_axis_out_tdata],
                                    "m_axis_out", dut.rst),
        }
        # Cycles from a pair's issue to its result leaving, at most: the slowest lanes (SwiGLU
        # with its parts), the FIFO and its output register, the skid buffer, and some slack.
        self.drain_cycles = hls_latency("ew_swiglu") + self.parts + 20
        dut.cfg_op.value = EW_ADD
        self.log.info("TB: SWIGLU_LANES %d (a SwiGLU beat every %d cycles)", self.lanes, self.parts)

    def set_pauses(self, idle: Generator = None, backpressure: Generator = None) -> None:
        """Pause both sources (each its own pattern) with *idle*, the sink with *backpressure*."""
        set_stream_pauses((self.a_source, self.b_source), (self.sink,), idle, backpressure)

    # --- operands -------------------------------------------------------------------------

    def activations(self, beats: int, scale: float = 3.0) -> np.ndarray:
        return (self.rng.standard_t(4, (beats, 16)) * scale).astype(np.float32).view(np.uint32)

    def sprinkle(self, x: np.ndarray, values: np.ndarray, share: float = 0.15) -> np.ndarray:
        """*x* with about *share* of its elements replaced by picks from *values*."""
        x = x.copy()
        pick = self.rng.random(x.shape) < share
        x[pick] = self.rng.choice(values, int(pick.sum()))
        return x

    def operands(self, op: int, beats: int) -> tuple[np.ndarray, np.ndarray]:
        """A run's a and b beats, (beats, 16) uint32 patterns: activations of the op's range,
        specials sprinkled in, some beats of random bit patterns (ADD) or of directed values."""
        if op == EW_SWIGLU:
            a = self.sprinkle(self.activations(beats), np.concatenate([SPECIALS, EXP_EDGES]), 0.2)
            a[0] = EXP_EDGES  # h1 across exp's overflow and flush points, +-100, +-17, +-1
            b = self.sprinkle(self.activations(beats), SPECIALS, 0.1)
        elif op == EW_ADD:
            a = self.sprinkle(self.activations(beats), SPECIALS)
            b = self.sprinkle(self.activations(beats), SPECIALS)
            for j in range(beats):
                kind = self.rng.integers(4)
                if kind == 0:
                    a[j] = self.rng.integers(0, 2**32, 16, dtype=np.uint64).astype(np.uint32)
                elif kind == 1:
                    b[j] = a[j] ^ np.uint32(0x80000000)  # a + (-a): +0
        else:
            a = self.sprinkle(self.activations(beats), SPECIALS, 0.1)
            angle = self.rng.uniform(-np.pi, np.pi, (beats, 8))
            b = np.empty((beats, 16), np.uint32)
            b[:, 0::2] = np.cos(angle).astype(np.float32).view(np.uint32)
            b[:, 1::2] = np.sin(angle).astype(np.float32).view(np.uint32)
            b = self.sprinkle(b, SPECIALS, 0.05)
        return a, b

    # --- runs -----------------------------------------------------------------------------

    def queue(self, a: np.ndarray, b: np.ndarray) -> None:
        """Queue a run's operand beats, one frame per source."""
        self.a_source.send_nowait(AxiStreamFrame([pack(v) for v in a]))
        self.b_source.send_nowait(AxiStreamFrame([pack(v) for v in b]))

    async def run(self, op: int, a: np.ndarray, b: np.ndarray) -> list[Beat]:
        """Set cfg_op, queue the run, return its result beats once the last has been taken.

        cfg_op changes here only after the previous run's last result has left, and holds
        until this run's last result has: the unit's contract (its header).
        """
        self.dut.cfg_op.value = op
        self.queue(a, b)
        got = []
        for _ in range(len(a)):
            frame = await with_timeout(self.sink.recv(), 50, "us")
            got.append(unpack(frame.tdata[0]))
        return got

    async def check_idle(self, beats: int) -> None:
        """No output for drain_cycles with the sink ready; *beats* taken on each stream in all;
        no beat left queued; handshakes legal."""
        self.set_pauses(None, None)
        await self.cycles(self.drain_cycles)
        assert self.sink.empty(), f"{self.sink.count()} result beats after the last run"
        assert self.a_source.empty() and self.b_source.empty(), "operand beats left over"
        counts = {name: m.count for name, m in self.monitors.items()}
        assert counts == {"a": beats, "b": beats, "out": beats}, f"handshakes {counts} for {beats} beats a stream"
        violations = [v for m in self.monitors.values() for v in m.violations]
        assert not violations, "handshake violations:\n  " + "\n  ".join(violations)


# Every change between two ops, and SwiGLU after SwiGLU.
OP_SEQUENCE = (EW_SWIGLU, EW_ADD, EW_ROPE, EW_SWIGLU, EW_SWIGLU, EW_ROPE, EW_ADD, EW_SWIGLU)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(idle=PAUSE_OPTIONS, backpressure=PAUSE_OPTIONS)
async def run_test_ops(dut, idle: Generator = None, backpressure: Generator = None) -> None:
    """Runs of every op in turn, bit-exact, under input pauses and output backpressure."""
    tb = TB(dut)
    tb.set_pauses(idle, backpressure)
    await tb.cycle_reset()
    total = 0
    sizes = [1] + [int(n) for n in tb.rng.integers(2, 25, len(OP_SEQUENCE) - 1)]
    for op, beats in zip(OP_SEQUENCE, sizes):
        a, b = tb.operands(op, beats)
        check(op, a, b, await tb.run(op, a, b))
        total += beats
    await tb.check_idle(total)
    tb.log.info("%d runs (%d beats) exact: %s", len(OP_SEQUENCE), total,
                ", ".join(f"{OP_NAMES[op]} {n}" for op, n in zip(OP_SEQUENCE, sizes)))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_issue_rate(dut) -> None:
    """No pauses: SwiGLU beats taken 16 / SWIGLU_LANES cycles apart, ADD and ROPE a cycle apart."""
    tb = TB(dut)
    await tb.cycle_reset()
    total = 0
    for op in (EW_SWIGLU, EW_ADD, EW_ROPE, EW_SWIGLU):
        beats = 32
        a, b = tb.operands(op, beats)
        first = {name: m.count for name, m in tb.monitors.items()}
        check(op, a, b, await tb.run(op, a, b))
        total += beats
        want = tb.parts if op == EW_SWIGLU else 1
        cycles = {name: m.transfer_cycles[first[name]:] for name, m in tb.monitors.items()}
        for name in ("a", "b"):
            gaps = np.diff(cycles[name])
            assert len(gaps) == beats - 1 and np.all(gaps == want), \
                f"{OP_NAMES[op]}: s_axis_{name} beats taken {sorted(set(gaps.tolist()))} cycles apart, want {want}"
        tb.log.info("%s: %d beats taken in %d cycles (one per %d), results out over %d cycles", OP_NAMES[op], beats,
                    cycles["a"][-1] - cycles["a"][0] + 1, want, cycles["out"][-1] - cycles["out"][0] + 1)
    await tb.check_idle(total)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_swiglu(dut) -> None:
    """Reset in a SwiGLU run (results queued, beats in the lanes, a beat's parts being fed):
    nothing stale comes out, the next runs are exact."""
    tb = TB(dut)
    await tb.cycle_reset()
    tb.sink.pause = True  # results pile up in the FIFO
    dut.cfg_op.value = EW_SWIGLU
    # More beats than the lanes hold, so some are still coming when the first result is out.
    beats = tb.drain_cycles // tb.parts + 16
    a, b = tb.operands(EW_SWIGLU, beats)
    tb.queue(a, b)
    # Reset once results wait at the output, right after a beat was taken: the FIFO holds
    # results, the lanes hold beats and (SWIGLU_LANES < 16) the gather register holds parts of a
    # beat and the feed has parts left.
    taken = 0
    for _ in range(beats * tb.parts + tb.drain_cycles):
        await ReadOnly()
        fire = bool(dut.s_axis_a_tvalid.value and dut.s_axis_a_tready.value)
        queued = bool(dut.m_axis_out_tvalid.value)
        await RisingEdge(dut.clk)
        taken += fire
        if queued and fire:
            break
    dut.rst.value = 1
    await ReadOnly()
    busy = {"out_tvalid": int(dut.m_axis_out_tvalid.value), "swiglu_free": int(dut.swiglu_free.value)}
    tb.log.info("reset after %d of %d SwiGLU beats taken: %s", taken, beats, busy)
    assert busy["out_tvalid"] and taken < beats, f"no result waiting or nothing more to come at the reset: {busy}"
    if tb.parts > 1:
        assert busy["swiglu_free"] == 0, "the reset did not hit a beat's parts in feeding"
    await tb.cycles(4)
    dut.rst.value = 0
    for stream in (tb.a_source, tb.b_source, tb.sink):
        stream.clear()
    tb.set_pauses(None, None)
    await RisingEdge(dut.clk)
    for m in tb.monitors.values():
        m.clear()
    await tb.cycles(tb.drain_cycles)
    assert tb.monitors["out"].count == 0 and tb.sink.empty(), \
        f"{tb.monitors['out'].count} result beats came out after the reset"
    total = 0
    for op, beats in ((EW_SWIGLU, 12), (EW_ADD, 8), (EW_SWIGLU, 5)):
        a, b = tb.operands(op, beats)
        check(op, a, b, await tb.run(op, a, b), " after the reset")
        total += beats
    await tb.check_idle(total)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_errors(dut) -> None:
    """The check rejects a flipped bit, the wrong op's model, SwiGLU parts out of order and
    RoPE pair halves swapped."""
    tb = TB(dut)
    await tb.cycle_reset()
    runs = {}
    for op in (EW_SWIGLU, EW_ADD, EW_ROPE):
        a, b = tb.operands(op, 6)
        runs[op] = (a, b, await tb.run(op, a, b))
        check(op, *runs[op])

    def caught(op: int, got: list[Beat], what: str, model_op: int | None = None) -> None:
        a, b, _ = runs[op]
        assert mismatches(op if model_op is None else model_op, a, b, got), f"{what} was not caught"

    for op, (a, b, got) in runs.items():
        flipped = [list(beat) for beat in got]
        flipped[3][5] ^= 1 << 11
        caught(op, [tuple(beat) for beat in flipped], f"{OP_NAMES[op]}: a flipped bit")
        caught(op, got, f"{OP_NAMES[op]}: the {OP_NAMES[(op + 1) % 3]} model", model_op=(op + 1) % 3)
    got = runs[EW_SWIGLU][2]
    part = tb.lanes if tb.lanes < 16 else 4  # a part's elements (any 4 on the whole-beat build)
    rotated = [beat[part:] + beat[:part] for beat in got]  # part order rotated by one
    caught(EW_SWIGLU, rotated, "SwiGLU parts out of order")
    got = runs[EW_ROPE][2]
    swapped = [tuple(v for m in range(8) for v in (beat[2 * m + 1], beat[2 * m])) for beat in got]
    caught(EW_ROPE, swapped, "RoPE pair halves swapped")
    await tb.check_idle(18)


@pytest.mark.parametrize("swiglu_lanes", [4, 16])
def test_fwd_elementwise(swiglu_lanes: int) -> None:
    """SWIGLU_LANES 4 (the default: a beat in 4 parts) and 16 (lane_parts' whole-beat path)."""
    run_cocotb("fwd_elementwise", __file__, {"SWIGLU_LANES": swiglu_lanes})
