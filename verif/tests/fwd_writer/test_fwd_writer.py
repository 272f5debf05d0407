"""Direct cocotb tests for ``rtl/forward/fwd_writer.sv`` (the forward kernel's scratchpad writer).

The forward testbench reaches the writer only through whole tokens with one token a run. This one
drives its sources directly and records every word it writes to the RAM port:

- sequential source: word i of the stream to cfg_base + i, in order;
- the ENGINES engine streams: engine c's results are block-major, token-minor (its k-th beat is
  token k mod cfg_tokens of block c + E (k / cfg_tokens), E = ENGINES) and go to
  cfg_base + t TOKEN_STRIDE + block;
  runs with 1 .. TOKENS tokens, engines pausing at random (the writer takes the lowest engine
  with a beat waiting), block counts that leave engines with fewer blocks than others;
- addressed mode: each beat of streams 0..3 to the word its s_axis_e_taddr names;
- done one pulse, in the cycle of the last write; nothing taken outside a run;
- written (engine runs of one token): never more than the words from cfg_base whose RAM writes
  are done (a reader may read them in that cycle), and at the run's end all of them.

Scoreboard: the RAM image the writes leave (address -> word) against the expected one, and the
number of writes (each word written exactly once); a companion check shows that image comparison
catching two tokens' results swapped.

Run: ``pytest verif/tests/fwd_writer`` (TOKENS 1 and 3 with 4 engines, TOKENS 3 with 16: the
on-chip build's; TOKEN_STRIDE 200) or ``make sim MODULE=fwd_writer``.
"""

from __future__ import annotations

import random

import cocotb
import pytest
from cocotb.triggers import ReadOnly, RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSource

from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.tb import TbBase, param, random_pause, set_stream_pauses

TIMEOUT_US = 2_000


class TB(TbBase):
    """fwd_writer with a stream source on ``s_axis``, ENGINES engine drivers and a RAM-port monitor."""

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.aw = param("AW", 10)
        self.tokens = param("TOKENS", 1)
        self.stride = param("TOKEN_STRIDE", 0)
        self.engines = self.check_param("ENGINES", len(dut.s_axis_e_tvalid))
        assert len(dut.ram_addr) == self.aw, f"ram_addr is {len(dut.ram_addr)} bits"
        assert len(dut.cfg_tokens) == self.tokens.bit_length(), f"cfg_tokens is {len(dut.cfg_tokens)} bits"
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst, byte_lanes=1)
        self.queues: list[list[tuple[int, int]]] = [[] for _ in range(self.engines)]  # per engine: (data, taddr)
        self.engine_pause = [False] * self.engines
        self.random_engine_pauses = False
        self.writes: list[tuple[int, int]] = []
        self.done_cycles: list[int] = []
        self.write_cycles: list[int] = []
        self.taken_outside: list[int] = []
        # written's check (engine runs of one token): (base, words known in the RAM), the
        # cycles it ran ahead of the RAM, its largest value, the addresses written so far.
        self.watch: tuple[int, int] | None = None
        self.written_ahead: list[tuple[int, int, int]] = []
        self.written_max = 0
        self.written_addrs: set[int] = set()
        for sig in (dut.start, dut.cfg_base, dut.cfg_count, dut.cfg_engines, dut.cfg_addressed, dut.cfg_tokens,
                    dut.s_axis_e_tvalid, dut.s_axis_e_tdata, dut.s_axis_e_taddr):
            sig.value = 0
        cocotb.start_soon(self._engines())
        cocotb.start_soon(self._monitor())

    async def _engines(self) -> None:
        """The engine streams: each holds its beat until taken; random pauses when asked."""
        d, rng = self.dut, random.Random(random.getrandbits(32))
        while True:
            await RisingEdge(d.clk)
            ready, valid = int(d.s_axis_e_tready.value), int(d.s_axis_e_tvalid.value)
            for c in range(self.engines):
                if valid >> c & 1 and ready >> c & 1:
                    self.queues[c].pop(0)
            valid, data, addr = 0, 0, 0
            for c in range(self.engines):
                paused = self.engine_pause[c] or (self.random_engine_pauses and rng.random() < 0.5)
                was_valid = int(d.s_axis_e_tvalid.value) >> c & 1 and not (ready >> c & 1)
                if self.queues[c] and (was_valid or not paused):  # a valid beat is held until taken
                    valid |= 1 << c
                    data |= self.queues[c][0][0] << (512 * c)
                    addr |= self.queues[c][0][1] << (self.aw * c)
            d.s_axis_e_tvalid.value = valid
            d.s_axis_e_tdata.value = data
            d.s_axis_e_taddr.value = addr

    async def _monitor(self) -> None:
        d, cycle = self.dut, 0
        while True:
            await RisingEdge(d.clk)
            cycle += 1
            if d.rst.value:
                continue
            if d.ram_en.value:
                self.writes.append((int(d.ram_addr.value), int(d.ram_data.value)))
                self.write_cycles.append(cycle)
            if d.done.value:
                self.done_cycles.append(cycle)
            if int(d.s_axis_e_tready.value) and not d.busy.value:
                self.taken_outside.append(cycle)
            if self.watch is not None:
                # Words base .. base + written - 1 must be in the RAM: written before this cycle.
                base, done_words = self.watch
                w = int(d.written.value)
                self.written_max = max(self.written_max, w)
                while base + done_words in self.written_addrs:
                    done_words += 1
                self.watch = (base, done_words)
                if w > done_words:
                    self.written_ahead.append((cycle, w, done_words))
            if d.ram_en.value:
                self.written_addrs.add(int(d.ram_addr.value))

    async def run(self, base: int, count: int, engines: bool = False, addressed: bool = False,
                  tokens: int = 1) -> dict[int, int]:
        """Start a run (its beats already queued), wait for done; return the RAM image it wrote."""
        d = self.dut
        self.writes.clear()
        self.done_cycles.clear()
        self.write_cycles.clear()
        self.written_addrs.clear()
        self.written_ahead.clear()
        self.written_max = 0
        await RisingEdge(d.clk)
        d.cfg_base.value = base
        d.cfg_count.value = count
        d.cfg_engines.value = int(engines)
        d.cfg_addressed.value = int(addressed)
        d.cfg_tokens.value = tokens
        d.start.value = 1
        await RisingEdge(d.clk)
        d.start.value = 0
        # From the start on, written must be this run's (the last run's ended with its count).
        self.watch = (base, 0) if engines and not addressed and tokens == 1 else None
        for _ in range(50 * count + 200):
            await RisingEdge(d.clk)
            await ReadOnly()
            if d.done.value:
                break
        else:
            raise AssertionError(f"no done after {count} words")
        await RisingEdge(d.clk)
        assert len(self.writes) == count, f"{len(self.writes)} writes for {count} words"
        assert self.done_cycles == [self.write_cycles[-1]], \
            f"done at {self.done_cycles}, last write at {self.write_cycles[-1]}"
        assert not d.busy.value, "busy after done"
        image = dict(self.writes)
        assert len(image) == count, f"{count - len(image)} words written twice"
        if self.watch is not None:
            for _ in range(12):  # the min tree's registers
                await RisingEdge(d.clk)
            assert not self.written_ahead, f"written ahead of the RAM (cycle, written, in RAM): {self.written_ahead[:3]}"
            assert self.written_max == count, f"written reached {self.written_max} of {count}"
            self.watch = None
        return image

    def queue_engines(self, blocks: int, tokens: int, seed_tag: int) -> dict[int, int]:
        """Queue *blocks* result blocks for *tokens* tokens on the engines; return (block, token) -> data
        keyed as block * 8 + token."""
        want = {}
        for b in range(blocks):
            for t in range(tokens):
                data = random.getrandbits(512) ^ (seed_tag << 500)
                want[b * 8 + t] = data
                self.queues[b % self.engines].append((data, 0))
        return want


def expected_image(tb: TB, base: int, want: dict[int, int], swap: tuple[int, int] | None = None) -> dict[int, int]:
    """The RAM image of an engine run: block b of token t at base + t stride + b (two tokens
    exchanged with *swap*, for the can-fail check)."""
    image = {}
    for key, data in want.items():
        b, t = divmod(key, 8)
        if swap and t in swap:
            t = swap[1] if t == swap[0] else swap[0]
        image[base + t * tb.stride + b] = data
    return image


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_sequential(dut) -> None:
    """Stream words to consecutive addresses, the source pausing at random."""
    tb = TB(dut)
    await tb.cycle_reset()
    set_stream_pauses((tb.source,), (), random_pause)
    for _ in range(6):
        count = random.randint(1, 64)
        base = random.randrange(0, 2 ** tb.aw - count)
        words = [random.getrandbits(512) for _ in range(count)]
        tb.source.send_nowait(AxiStreamFrame(words))
        image = await tb.run(base, count)
        assert image == {base + i: w for i, w in enumerate(words)}, "sequential words misplaced"
        assert tb.writes == sorted(tb.writes, key=lambda w: w[0]), "sequential words out of order"
    assert not tb.taken_outside, f"engine beats taken outside a run at cycles {tb.taken_outside[:4]}"


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_engines(dut) -> None:
    """Engine results, 1 .. TOKENS tokens a run, to each token's copy of the region."""
    tb = TB(dut)
    await tb.cycle_reset()
    for i in range(12):
        tb.random_engine_pauses = i % 2 == 1
        tokens = tb.tokens if i % 3 == 0 else random.randint(1, tb.tokens)
        blocks = random.choice([1, 2, 3, 4, 5, 7, 12, random.randint(1, 40)])
        span = (tokens - 1) * tb.stride + blocks
        base = random.randrange(0, 2 ** tb.aw - span)
        want = tb.queue_engines(blocks, tokens, i)
        image = await tb.run(base, blocks * tokens, engines=True, tokens=tokens)
        assert image == expected_image(tb, base, want), f"run {i}: {blocks} blocks x {tokens} tokens misplaced"
        tb.log.info("run %d: %d blocks x %d tokens at %d, exact", i, blocks, tokens, base)
    assert not tb.taken_outside, f"engine beats taken outside a run at cycles {tb.taken_outside[:4]}"


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_addressed(dut) -> None:
    """Addressed mode: each beat to its own address, whatever the engine and the order."""
    tb = TB(dut)
    await tb.cycle_reset()
    tb.random_engine_pauses = True
    addrs = random.sample(range(2 ** tb.aw), 40)
    want = {}
    for k, a in enumerate(addrs):
        data = random.getrandbits(512)
        want[a] = data
        tb.queues[k % 4].append((data, a))
    image = await tb.run(0, len(addrs), engines=True, addressed=True, tokens=1)
    assert image == want, "addressed beats misplaced"


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """The image comparison fails for two tokens' results exchanged (TOKENS > 1) and for a
    block written one word off."""
    tb = TB(dut)
    await tb.cycle_reset()
    tokens, blocks, base = tb.tokens, 9, 3
    want = tb.queue_engines(blocks, tokens, 99)
    image = await tb.run(base, blocks * tokens, engines=True, tokens=tokens)
    assert image == expected_image(tb, base, want)
    assert image != expected_image(tb, base + 1, want), "the scoreboard missed a block one word off"
    if tokens > 1:
        assert image != expected_image(tb, base, want, swap=(0, 1)), "the scoreboard missed swapped tokens"
    tb.log.info("scoreboard catches a shifted block%s", " and swapped tokens" if tokens > 1 else "")


@pytest.mark.parametrize("tokens,engines", [(1, 4), (3, 4), (3, 16)])
def test_fwd_writer(tokens: int, engines: int) -> None:
    """Build fwd_writer (AW 10, TOKEN_STRIDE 200) with TOKENS and ENGINES, run every cocotb test above."""
    run_cocotb("fwd_writer", __file__, {"AW": 10, "TOKENS": tokens, "TOKEN_STRIDE": 200, "ENGINES": engines})
