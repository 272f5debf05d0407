"""cocotb tests for ``rtl/kernels/sum16_accumulate.sv`` (sum16 of products over runs of beats).

Scoreboard: each run's result, as a uint32 pattern, equals ``hwmodel.sum16(a * b)`` of the
run's elements (products rounded, 16-lane ``dot16`` tree, beat sums added in order from +0):
the order the rmsnorm, softmax and attention kernels rely on.

What is checked:

- random runs of 1..12 beats (activations, random bit patterns, specials, cancelling lanes,
  b = 1.0 and a = b beats), with source idles and sink backpressure crossed never / 3 of 4
  cycles / random; results in run order, none extra;
- back-to-back single-beat runs and one long run (64 beats);
- reset with runs in flight: nothing stale comes out afterwards and the next runs are exact;
- all of it with one accumulator (ACC_UNITS 1), with four taking runs in turn (4: fewer than
  the shared adder's slots, so units wait for their slot and their sum) and with
  fp32_sum_add's latency + 1 (the attention score pipes' setting: every slot used), where
  results must still leave in run order;
- the scoreboard rejects a flipped bit and a sequentially-summed (not tree) model.

Run: ``make sim MODULE=sum16_accumulate`` or ``pytest verif/tests/sum16_accumulate``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator

import cocotb
import numpy as np
import pytest
from cocotb.triggers import ReadOnly, RisingEdge

from hlstransform.model import hwmodel
from hlstransform.model import numerics as nm
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.sources import hls_latency
from hlstransform.verif.tb import PAUSE_OPTIONS, TbBase

Generator = Callable[[], Iterator[int]] | None
TIMEOUT_US = 400
# One accumulator's loop, cycles a beat: fp32_sum_add's latency and the accumulator register;
# that many accumulators fill every slot of the shared adder.
SUM_BEAT_CYCLES = hls_latency("fp32_sum_add") + 1
SPECIALS = np.array([0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x00000001, 0x807FFFFF,
                     0x7F7FFFFF, 0x3F800000, 0x00800000], dtype=np.uint32)


def pack(values: np.ndarray) -> int:
    """16 uint32 patterns -> a 512-bit beat, element k at [32k +: 32]."""
    return int.from_bytes(np.asarray(values, "<u4").tobytes(), "little")


class TB(TbBase):
    """Drives in_* beats from a queue of runs and collects out_sum, with optional pauses."""

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.rng = np.random.default_rng(random.getrandbits(32))
        self.results: list[int] = []
        dut.in_valid.value = 0
        dut.out_ready.value = 0

    def random_beat(self) -> np.ndarray:
        kind = self.rng.integers(5)
        if kind == 0:
            return self.rng.integers(0, 2**32, 16, dtype=np.uint64).astype(np.uint32)
        v = (self.rng.standard_t(4, 16) * 3).astype(np.float32).view(np.uint32)
        if kind == 1:
            pick = self.rng.random(16) < 0.3
            v[pick] = self.rng.choice(SPECIALS, int(pick.sum()))
        elif kind == 2:
            v[1::2] = v[0::2] ^ np.uint32(0x80000000)
        return v

    def random_run(self, beats: int) -> tuple[np.ndarray, np.ndarray]:
        a = np.stack([self.random_beat() for _ in range(beats)])
        kind = self.rng.integers(4)
        if kind == 0:
            b = np.full_like(a, 0x3F800000)  # b = 1.0: a plain sum16
        elif kind == 1:
            b = a.copy()                     # a * a: RMSNorm
        else:
            b = np.stack([self.random_beat() for _ in range(beats)])
        return a, b

    @staticmethod
    def model(a: np.ndarray, b: np.ndarray) -> int:
        prod = nm.fp32_mul(nm.from_bits(a.ravel()), nm.from_bits(b.ravel()))
        return int(nm.as_bits(hwmodel.sum16(prod)))

    async def drive(self, runs, idle: Generator = None) -> None:
        pauses = idle() if idle else None
        clk = self.dut.clk
        for a, b in runs:
            for j in range(len(a)):
                while pauses is not None and next(pauses):
                    self.dut.in_valid.value = 0
                    await RisingEdge(clk)
                self.dut.in_a.value = pack(a[j])
                self.dut.in_b.value = pack(b[j])
                self.dut.in_last.value = int(j == len(a) - 1)
                self.dut.in_valid.value = 1
                await RisingEdge(clk)
                while not self.dut.in_ready.value:
                    await RisingEdge(clk)
        self.dut.in_valid.value = 0

    async def collect(self, backpressure: Generator = None) -> None:
        pauses = backpressure() if backpressure else None
        clk = self.dut.clk
        while True:
            ready = 0 if (pauses is not None and next(pauses)) else 1
            self.dut.out_ready.value = ready
            await RisingEdge(clk)
            if ready and self.dut.out_valid.value:
                self.results.append(int(self.dut.out_sum.value))

    async def run(self, runs, idle: Generator = None, backpressure: Generator = None, slack: int = 200) -> list[int]:
        self.results = []
        collector = cocotb.start_soon(self.collect(backpressure))
        await self.drive(runs, idle)
        for _ in range(slack + (SUM_BEAT_CYCLES + 1) * sum(len(a) for a, _ in runs)):
            if len(self.results) >= len(runs):
                break
            await RisingEdge(self.dut.clk)
        await self.cycles(20)
        collector.cancel()
        self.dut.out_ready.value = 0
        return list(self.results)


def check(runs, got: list[int]) -> None:
    want = [TB.model(a, b) for a, b in runs]
    assert len(got) == len(want), f"{len(got)} sums for {len(want)} runs"
    bad = [(i, f"{g:#010x}", f"{w:#010x}") for i, (g, w) in enumerate(zip(got, want)) if g != w]
    assert not bad, f"{len(bad)} wrong sums (run, rtl, model): {bad[:5]}"


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(idle=PAUSE_OPTIONS, backpressure=PAUSE_OPTIONS)
async def run_test_random_runs(dut, idle: Generator = None, backpressure: Generator = None) -> None:
    """Random runs of 1..12 beats, bit-exact against hwmodel.sum16, under pauses."""
    tb = TB(dut)
    await tb.cycle_reset()
    runs = [tb.random_run(int(n)) for n in tb.rng.integers(1, 13, 30)]
    check(runs, await tb.run(runs, idle, backpressure))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_short_and_long(dut) -> None:
    """Back-to-back one-beat runs, then a 64-beat run; the cycle count is logged."""
    tb = TB(dut)
    await tb.cycle_reset()
    runs = [tb.random_run(1) for _ in range(20)] + [tb.random_run(64)]
    start = cocotb.utils.get_sim_time("ns")
    check(runs, await tb.run(runs))
    tb.log.info("ACC_UNITS %s: 21 runs (84 beats) done within %.0f ns (incl. 20 idle cycles)",
                os.environ.get("PARAM_ACC_UNITS", "1"), cocotb.utils.get_sim_time("ns") - start)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_run(dut) -> None:
    """Reset with runs in flight: no stale result afterwards, the next runs exact."""
    tb = TB(dut)
    await tb.cycle_reset()
    dut.out_ready.value = 0
    runs = [tb.random_run(8) for _ in range(4)]
    driver = cocotb.start_soon(tb.drive(runs))
    await tb.cycles(25)
    driver.cancel()
    dut.in_valid.value = 0
    await tb.cycle_reset()
    await ReadOnly()
    assert not dut.out_valid.value, "out_valid after reset"
    await RisingEdge(dut.clk)
    runs = [tb.random_run(int(n)) for n in tb.rng.integers(1, 6, 8)]
    check(runs, await tb.run(runs))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_errors(dut) -> None:
    """The check rejects a flipped bit and a sequential (non-tree) sum."""
    tb = TB(dut)
    await tb.cycle_reset()
    runs = [tb.random_run(3) for _ in range(6)]
    got = await tb.run(runs)
    check(runs, got)
    flipped = list(got)
    flipped[2] ^= 1 << 7
    try:
        check(runs, flipped)
    except AssertionError:
        pass
    else:
        raise AssertionError("a flipped bit was not caught")
    # A model that sums the products sequentially must disagree somewhere on these runs.
    a = np.array([[0x4B800000, 0x3F800000, 0x3F800000, 0xCB800000] + [0] * 12], np.uint32)
    b = np.full_like(a, 0x3F800000)
    got = await tb.run([(a, b)])
    seq = nm.as_bits(hwmodel.seq_sum(nm.from_bits(a.ravel())))
    assert got[0] != int(seq) and got[0] == TB.model(a, b), "tree order not distinguished from sequential"


@pytest.mark.parametrize("acc_units", [1, 4, SUM_BEAT_CYCLES])
def test_sum16_accumulate(acc_units: int) -> None:
    """ACC_UNITS 1 (rmsnorm, softmax), 4 and SUM_BEAT_CYCLES (attention scores: runs go to the
    units in turn)."""
    run_cocotb("sum16_accumulate", __file__, {"ACC_UNITS": acc_units})
