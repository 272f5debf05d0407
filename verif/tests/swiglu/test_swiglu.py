"""cocotb tests for ``rtl/kernels/swiglu.sv`` (out[i] = (h1[i] * recip(1 + exp(-h1[i]))) * h3[i]).

The host side is :class:`hlstransform.verif.regs.KernelControl` on ``s_axi_control``; both
masters are :class:`hlstransform.verif.ddr.DdrModel` memories sharing one address space
(``m_axi_gmem0``: h1; ``m_axi_gmem1``: h3 and out). TB and scenarios:
``verif/tests/elementwise_tb.py`` (:class:`BinaryKernelTB`).

Scoreboard: every result, as a uint32 pattern, equals ``numerics.swiglu(h1, h3)`` (the
hardware exp and recip, fp32 add and multiplies, RNE, FTZ, canonical NaN); the golden model's
error (``golden.swiglu``: run.c's expf and IEEE division) is logged.

What is checked: the same scenarios as residual (directed n = 16, 48, 1040, MAX_N, in place
out = h1 / out = h3, specials, random patterns, and here also h1 across exp's overflow and
flush points; constrained-random; back-to-back; SLVERR on h1, h3, out; CONFIG_ERROR with
memory untouched; reset mid-run; interrupt and polling; the scoreboard catching a flipped bit
and a wrong model (silu without the h3 factor); throughput through the lanes >= 0.95 beats per
cycle at 40 cycles of memory latency), with memory pauses never / on 3 cycles of 4.

Run: ``make sim MODULE=swiglu`` (default MAX_N 65536) or ``pytest verif/tests/swiglu``
(MAX_N 2048 for speed). Seed: ``COCOTB_RANDOM_SEED``.
"""

from __future__ import annotations

import cocotb
import numpy as np
import pytest
import torch

from hlstransform.model import golden
from hlstransform.model import numerics as nm
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.tests import elementwise_tb as ew
from hlstransform.verif.tests.elementwise_tb import MEMORY_PAUSES, BinaryKernelTB, Case, Generator

TIMEOUT_US = 4_000

# h1 where exp(-h1) overflows (h1 < -88.72), flushes (h1 > 87.34), and +-100 limits, +-neighbours.
EXP_EDGES = np.array([0xC2B17217, 0xC2B17218, 0x42AEAC4F, 0x42AEAC50, 0xC2C80000, 0x42C80000, 0xC2C80001,
                      0x42C80001, 0x41880000, 0xC1880000, 0x33800000, 0xB3800000, 0x3F800000, 0xBF800000,
                      0x40A00000, 0xC0A00000], dtype=np.uint32)


class TB(BinaryKernelTB):
    """swiglu: h1 on gmem0, h3 and out on gmem1."""

    KERNEL = "swiglu"
    OPERANDS = ("h1", "h3")
    SCALE = 4.0

    def model(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return nm.swiglu(a, b)

    def golden(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return golden.swiglu(torch.from_numpy(a), torch.from_numpy(b)).numpy()

    def wrong_model(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return nm.fp32_mul(a, nm.recip(nm.fp32_add(np.float32(1.0), nm.exp(-a))))  # silu(h1), no h3

    def directed_cases(self) -> list[Case]:
        h1 = np.resize(EXP_EDGES, 64)
        h3 = ew.make_data(self.rng, 64, "llama")
        return super().directed_cases() + [self.case(64, label="exp range edges", a=h1, b=h3)]


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_directed(dut, memory_inserter: Generator = None) -> None:
    """Directed sizes, in place, exp range edges, specials; bit-exact."""
    await ew.directed(TB(dut), memory_inserter)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_random(dut, memory_inserter: Generator = None) -> None:
    """Constrained-random sizes and data (seeded)."""
    await ew.constrained_random(TB(dut), memory_inserter)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_back_to_back(dut) -> None:
    """Arguments of the next run written during a run; START right after DONE."""
    await ew.back_to_back(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_axi_errors(dut) -> None:
    """SLVERR on h1, h3 and out: STATUS bit, done, next run clean."""
    await ew.axi_errors(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_config_error(dut) -> None:
    """Bad n or pointers: CONFIG_ERROR, no memory access."""
    await ew.config_errors(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_run(dut) -> None:
    """Reset mid-run, then exact runs."""
    await ew.reset_mid_run(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_interrupt_and_polling(dut) -> None:
    """Interrupt, polling, interrupt."""
    await ew.interrupt_and_polling(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """A flipped bit and a wrong model are caught."""
    await ew.scoreboard_catches_corruption(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_throughput(dut) -> None:
    """>= 0.95 beats per cycle through the lanes at 40 cycles of memory latency."""
    await ew.throughput(TB(dut))


# MAX_N: small for the pytest run (the RTL default, 65536, is what make sim builds).
@pytest.mark.parametrize("max_n", [2048])
def test_swiglu(max_n: int) -> None:
    """Build swiglu with this maximum and run every cocotb test above."""
    run_cocotb("swiglu", __file__, {"MAX_N": max_n})
