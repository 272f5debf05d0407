"""Direct cocotb tests for ``rtl/forward/fwd_weight_store.sv`` (one channel's on-chip weight store).

Model: ``host/image.py`` ``WeightBankLayout`` (the one definition of which bank holds which block)
on the weight stream of a small random model, channel 1 (1 .. 5 of its blocks a matrix: the banks
get unequal shares and some matrices leave a bank empty).

- load: every matrix of the channel's stream as a load run (cfg_blocks, cfg_block_beats), the
  source pausing at random; each bank's level afterwards is the layout's word count;
- read: every bank streams each matrix's part (base = the layout's offset) to its engine, all
  banks at once, each sink pausing at random; every stream equals the layout's split of the stream;
- one word per cycle per bank while the sink takes them (the engines' weight rate);
- a run of 0 blocks takes nothing and still finishes; a load past a bank's DEPTH drops the beat and
  sets load_overflow until load_clear, the words before it intact;
- can fail: the same comparison rejects the streams of a store that kept rotating banks across
  matrices instead of restarting at bank 0.

Run: ``pytest verif/tests/fwd_weight_store`` or ``make sim MODULE=fwd_weight_store``.
"""

from __future__ import annotations

import random

import cocotb
import numpy as np
import pytest
from cocotb.triggers import ReadOnly, RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSource

from hlstransform.host.image import (BEAT_BYTES, ForwardImage, WeightBankLayout, channel_blocks,
                                     stream_matrices)
from hlstransform.model.config import ModelConfig
from hlstransform.model.weights import random_weights
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.tb import TbBase, beats, param, random_pause, set_stream_pauses

TIMEOUT_US = 4_000
CHANNEL = 1
CONFIG = ModelConfig(dim=64, hidden_dim=96, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=300, seq_len=16)
GROUP_SIZE = 32


def channel_stream() -> tuple[tuple, bytes]:
    """The test model's matrices and channel CHANNEL's weight stream, as ForwardImage lays it out."""
    image = ForwardImage.build(random_weights(CONFIG, seed=5).quantized(GROUP_SIZE))
    stream = dict(image.regions)[image.descriptor[f"weights_{'abcd'[CHANNEL]}"]]
    return tuple(stream_matrices(CONFIG, GROUP_SIZE)), stream


class TB(TbBase):
    """fwd_weight_store with a stream source on ``s_axis_load`` and a sink per bank."""

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.banks = self.check_param("BANKS", len(dut.rd_start))
        self.depth = param("DEPTH")
        self.aw = len(dut.cfg_rd_base) // self.banks
        self.cw = len(dut.cfg_rd_count) // self.banks
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis_load"), dut.clk, dut.rst, byte_lanes=1)
        self.got: list[list[int]] = [[] for _ in range(self.banks)]
        self.take_cycles: list[list[int]] = [[] for _ in range(self.banks)]
        self.random_sink_pauses = False
        self.violations: list[str] = []
        for sig in (dut.load_clear, dut.load_start, dut.cfg_block_beats, dut.cfg_blocks, dut.rd_start,
                    dut.cfg_rd_base, dut.cfg_rd_count, dut.m_axis_w_tready):
            sig.value = 0
        cocotb.start_soon(self._sinks())

    async def _sinks(self) -> None:
        """Each bank's engine: takes a beat when valid and ready; random readiness when asked; a
        stalled beat must hold its data."""
        d, rng, cycle = self.dut, random.Random(random.getrandbits(32)), 0
        held: dict[int, int] = {}
        while True:
            await RisingEdge(d.clk)
            cycle += 1
            valid, ready = int(d.m_axis_w_tvalid.value), int(d.m_axis_w_tready.value)
            data = int(d.m_axis_w_tdata.value) if valid else 0
            for k in range(self.banks):
                word = data >> (512 * k) & ((1 << 512) - 1)
                if valid >> k & 1:
                    if k in held and held[k] != word:
                        self.violations.append(f"bank {k}: data changed while stalled at cycle {cycle}")
                    if ready >> k & 1:
                        self.got[k].append(word)
                        self.take_cycles[k].append(cycle)
                        held.pop(k, None)
                    else:
                        held[k] = word
            d.m_axis_w_tready.value = sum(1 << k for k in range(self.banks)
                                          if not (self.random_sink_pauses and rng.random() < 0.5))

    async def pulse(self, sig) -> None:
        sig.value = 1
        await RisingEdge(self.dut.clk)
        sig.value = 0

    async def load(self, block_beats: int, blocks: int, data: bytes) -> int:
        """One load run of *blocks* blocks of *block_beats* beats (*data*); returns its cycles."""
        d = self.dut
        if data:
            self.source.send_nowait(AxiStreamFrame(beats(data)))
        await RisingEdge(d.clk)
        d.cfg_block_beats.value = block_beats
        d.cfg_blocks.value = blocks
        await self.pulse(d.load_start)
        for n in range(20 * blocks * block_beats + 50):
            await ReadOnly()
            if d.load_done.value:
                break
            await RisingEdge(d.clk)
        else:
            raise AssertionError(f"no load_done after {blocks} x {block_beats} beats")
        await RisingEdge(d.clk)
        assert not d.load_busy.value, "load_busy after load_done"
        return n

    async def load_stream(self, lays: tuple, stream: bytes) -> None:
        at = 0
        for lay in lays:
            n = len(channel_blocks(lay.blocks, CHANNEL))
            size = n * lay.beats_per_block * BEAT_BYTES
            await self.load(lay.beats_per_block, n, stream[at:at + size])
            at += size
        assert at == len(stream)

    def levels(self) -> list[int]:
        v = int(self.dut.load_level.value)
        return [v >> (self.cw * k) & ((1 << self.cw) - 1) for k in range(self.banks)]

    async def read(self, runs: list[tuple[int, int] | None]) -> list[list[int]]:
        """Start bank k's run (base, count) for each k with one, all in the same cycle; wait for
        every done; return the words each bank streamed."""
        d = self.dut
        for k in range(self.banks):
            self.got[k].clear()
            self.take_cycles[k].clear()
        start, base, count = 0, 0, 0
        for k, run in enumerate(runs):
            if run:
                start |= 1 << k
                base |= run[0] << (self.aw * k)
                count |= run[1] << (self.cw * k)
        d.cfg_rd_base.value = base
        d.cfg_rd_count.value = count
        d.rd_start.value = start
        await RisingEdge(d.clk)
        d.rd_start.value = 0
        pending = start
        for _ in range(20 * max((r[1] for r in runs if r), default=1) + 100):
            await ReadOnly()
            pending &= ~int(d.rd_done.value)
            if not pending:
                break
            await RisingEdge(d.clk)
        else:
            raise AssertionError(f"banks {pending:b} never finished")
        await RisingEdge(d.clk)
        assert not int(d.rd_busy.value), "a bank busy after its done"
        return [list(g) for g in self.got]


def bank_reads(layout: WeightBankLayout, m: int) -> list[tuple[int, int] | None]:
    """Each bank's read run of matrix *m*: (its first word, its words), None for no block."""
    lay = layout.matrices[m]
    return [(layout.offset(m, k), layout.blocks(m, k) * lay.beats_per_block) if layout.blocks(m, k) else None
            for k in range(layout.banks)]


def rotating_split(layout: WeightBankLayout, stream: bytes) -> list[bytes]:
    """A wrong store for the can-fail check: blocks keep rotating across matrices."""
    out, at, j = [bytearray() for _ in range(layout.banks)], 0, 0
    for lay in layout.matrices:
        bb = lay.beats_per_block * BEAT_BYTES
        for _ in channel_blocks(lay.blocks, CHANNEL):
            out[j % layout.banks] += stream[at:at + bb]
            at, j = at + bb, j + 1
    return [bytes(b) for b in out]


def compare(layout: WeightBankLayout, banks: list[bytes], got: dict[tuple[int, int], list[int]]) -> list[str]:
    """Scoreboard: every (matrix, bank) stream against the banks' words; the mismatches."""
    bad = []
    for (m, k), stream in got.items():
        lay = layout.matrices[m]
        want = beats(banks[k])[layout.offset(m, k):layout.offset(m, k) + layout.blocks(m, k) * lay.beats_per_block]
        if stream != want:
            bad.append(f"matrix {m} bank {k}: {len(stream)} words, {sum(a != b for a, b in zip(stream, want))} differ")
    return bad


async def load_and_read_all(tb: TB) -> tuple[WeightBankLayout, bytes, dict]:
    lays, stream = channel_stream()
    layout = WeightBankLayout(lays, CHANNEL, tb.banks)
    await tb.pulse(tb.dut.load_clear)
    await tb.load_stream(lays, stream)
    assert not tb.dut.load_overflow.value, "overflow on a stream that fits"
    assert tb.levels() == [layout.beats(k) for k in range(tb.banks)], f"bank levels {tb.levels()}"
    got = {}
    for m in range(len(lays)):
        streams = await tb.read(bank_reads(layout, m))
        for k, run in enumerate(bank_reads(layout, m)):
            assert bool(run) == bool(streams[k]), f"matrix {m} bank {k}: {len(streams[k])} words for {run}"
            if run:
                got[(m, k)] = streams[k]
    return layout, stream, got


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_load_and_read(dut) -> None:
    """The channel's whole stream loaded (source pausing), every matrix read back from every bank
    (sinks pausing): each bank's words are the layout's."""
    tb = TB(dut)
    await tb.cycle_reset()
    set_stream_pauses((tb.source,), (), random_pause)
    tb.random_sink_pauses = True
    layout, stream, got = await load_and_read_all(tb)
    bad = compare(layout, layout.split(stream), got)
    assert not bad, "; ".join(bad)
    assert not tb.violations, tb.violations[:3]
    tb.log.info("%d matrices, %d banks (levels %s): every stream exact", len(layout.matrices), tb.banks, tb.levels())


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_wrong_banks(dut) -> None:
    """The comparison above rejects a store that keeps rotating banks across matrices."""
    tb = TB(dut)
    await tb.cycle_reset()
    layout, stream, got = await load_and_read_all(tb)
    assert not compare(layout, layout.split(stream), got)
    if tb.banks > 1:
        assert compare(layout, rotating_split(layout, stream), got), "the scoreboard missed banks rotated across matrices"
    flipped = {key: [w ^ (1 << 77) if i == 3 else w for i, w in enumerate(s)] for key, s in got.items()}
    assert compare(layout, layout.split(stream), flipped), "the scoreboard missed a flipped bit"


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_full_rate(dut) -> None:
    """A word per cycle from every bank at once while the engines take them; a load takes a beat a cycle."""
    tb = TB(dut)
    await tb.cycle_reset()
    await tb.pulse(dut.load_clear)
    n = min(tb.depth, 64)
    data = [np.random.default_rng(k).bytes(n * BEAT_BYTES) for k in range(tb.banks)]
    # Blocks of n beats, bank k's block k: one run fills each bank with its n words.
    cycles = await tb.load(n, tb.banks, b"".join(data))
    assert cycles <= n * tb.banks + 4, f"{n * tb.banks} beats loaded in {cycles} cycles"
    streams = await tb.read([(0, n)] * tb.banks)
    for k in range(tb.banks):
        assert streams[k] == beats(data[k]), f"bank {k}'s words"
        span = tb.take_cycles[k][-1] - tb.take_cycles[k][0]
        assert span == n - 1, f"bank {k}: {n} words over {span + 1} cycles"


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_empty_run_and_overflow(dut) -> None:
    """A run of no block takes nothing; a bank filled past DEPTH keeps its words, drops the rest
    and flags it until load_clear."""
    tb = TB(dut)
    await tb.cycle_reset()
    await tb.pulse(dut.load_clear)
    await tb.load(5, 0, b"")
    assert tb.levels() == [0] * tb.banks and not dut.load_overflow.value
    # Bank 0 gets blocks 0, BANKS, 2 BANKS, ...: one more word than it holds.
    per = tb.depth // 4 + 1
    blocks = 4 * tb.banks + 1  # bank 0: 5 blocks of depth / 4 + 1 words > DEPTH
    data = np.random.default_rng(9).bytes(blocks * per * BEAT_BYTES)
    await tb.load(per, blocks, data)
    assert dut.load_overflow.value, "no overflow flag"
    assert tb.levels()[0] == tb.depth, f"bank 0 at {tb.levels()[0]} of {tb.depth}"
    bank0 = b"".join(data[b * per * BEAT_BYTES:(b + 1) * per * BEAT_BYTES] for b in range(0, blocks, tb.banks))
    streams = await tb.read([(0, tb.depth)] + [None] * (tb.banks - 1))
    assert streams[0] == beats(bank0)[:tb.depth], "bank 0's words before the overflow"
    await tb.pulse(dut.load_clear)
    await ReadOnly()
    assert not dut.load_overflow.value and tb.levels() == [0] * tb.banks, "load_clear"


@pytest.mark.parametrize("banks,latency", [(4, 3), (3, 1), (1, 2)])
def test_fwd_weight_store(banks: int, latency: int) -> None:
    """Build the store with BANKS banks of 512 words and RAM_LATENCY, run every cocotb test above."""
    run_cocotb("fwd_weight_store", __file__, {"BANKS": banks, "DEPTH": 512, "RAM_LATENCY": latency})
