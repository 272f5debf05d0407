"""cocotb tests for ``rtl/kernels/residual.sv`` (out[i] = x[i] + y[i], fp32).

The host side is :class:`hlstransform.verif.regs.KernelControl` on ``s_axi_control``; both
masters are :class:`hlstransform.verif.ddr.DdrModel` memories sharing one address space
(``m_axi_gmem0``: x; ``m_axi_gmem1``: y and out). TB and scenarios:
``verif/tests/elementwise_tb.py`` (:class:`BinaryKernelTB`).

Scoreboard: every result, as a uint32 pattern, equals ``numerics.residual(x, y)`` (one fp32
add, RNE, FTZ, canonical NaN); the golden model's error (PyTorch fp32 add) is logged.

What is checked:

- directed: n = 16 (one beat), n = 48, n = 1040 (65 beats: two bursts), n = MAX_N, out = x
  and out = y (in place), specials, random patterns, cancellation (x = -y: +0); memory pauses
  never / on 3 cycles of 4 on every channel of both masters; buffers at random 64-byte offsets
  in a page (bursts split at 4 KiB); the runs follow each other without reset;
- constrained-random n and data (activations, random bit patterns, specials: 0, -0, +-inf,
  NaN, subnormals, max);
- back-to-back starts with the next arguments written during a run;
- SLVERR on x, on y and on out: that STATUS bit alone, done, the next run clean;
- CONFIG_ERROR (n 0, 8, 24, MAX_N + 16, 2**32 - 16, misaligned pointers): memory untouched
  (sentinels), no burst, done within a few cycles; the next run exact;
- reset in the middle of a run, then clean runs; interrupt and polling; KERNEL_ID;
- the scoreboard catches a flipped bit and a wrong model (x - y);
- throughput: beats per cycle through the lanes >= 0.95 at 40 cycles of memory latency, and
  >= 0.95 x 85 % under the honest DDR timing (logged with the W-channel and whole-run figures).

Run: ``make sim MODULE=residual`` (default MAX_N 65536) or ``pytest verif/tests/residual``
(MAX_N 2048 for speed). Seed: ``COCOTB_RANDOM_SEED``.
"""

from __future__ import annotations

import cocotb
import numpy as np
import pytest
import torch

from hlstransform.model import numerics as nm
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.tests import elementwise_tb as ew
from hlstransform.verif.tests.elementwise_tb import MEMORY_PAUSES, BinaryKernelTB, Case, Generator

TIMEOUT_US = 4_000


class TB(BinaryKernelTB):
    """residual: x on gmem0, y and out on gmem1."""

    KERNEL = "residual"
    OPERANDS = ("x", "y")

    def model(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return nm.residual(a, b)

    def golden(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (torch.from_numpy(a) + torch.from_numpy(b)).numpy()

    def wrong_model(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return nm.fp32_sub(a, b)

    def directed_cases(self) -> list[Case]:
        x = ew.make_data(self.rng, 64, "llama")
        return super().directed_cases() + [self.case(64, label="cancellation", a=x, b=x ^ np.uint32(0x80000000))]


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_directed(dut, memory_inserter: Generator = None) -> None:
    """Directed sizes, in place, cancellation, specials; bit-exact."""
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
    """SLVERR on x, y and out: STATUS bit, done, next run clean."""
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
def test_residual(max_n: int) -> None:
    """Build residual with this maximum and run every cocotb test above."""
    run_cocotb("residual", __file__, {"MAX_N": max_n})
