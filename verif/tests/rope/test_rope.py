"""cocotb tests for ``rtl/kernels/rope.sv`` (table-driven RoPE, in place).

The host side is :class:`hlstransform.verif.regs.KernelControl` on ``s_axi_control``; the one
master ``m_axi_gmem0`` is a :class:`hlstransform.verif.ddr.DdrModel` holding the table and the
vector. TB and scenarios: ``verif/tests/elementwise_tb.py``.

The table is what the host computes: per position, ``numerics.rope_table_row`` of
``golden.rope_cos_sin`` (c0, s0, c1, s1, ... for head_size / 2 pairs), rows back to back. The
vector is q and k back to back (n = dim + kv_dim) as the hardware numerics model runs it, or
any multiple of 16 elements.

Scoreboard: every result, as a uint32 pattern, equals ``numerics.rope(vec, table[pos],
head_size)`` (per pair ``v0*c - v1*s``, ``v0*s + v1*c``, each product rounded, no fma); the
golden model's error (``golden.rope`` on q and k) is logged.

What is checked:

- directed: n = 16 with head_size 16 (one beat), n = MAX_N, head_size = MAX_HEAD_SIZE,
  pos 0 and pos = MAX_SEQ_LEN - 1, stories15M-like (dim 288, 6 heads: head_size 48, 3 table
  beats), GQA (kv_dim < dim), n not a multiple of head_size, specials (0, -0, inf, NaN,
  subnormals, max) in the vector and in the table; memory pauses never / on 3 cycles of 4;
  buffers at random 64-byte offsets (bursts split at 4 KiB); runs back to back without reset;
- constrained-random shapes, positions and data;
- back-to-back starts with the next arguments written during a run;
- SLVERR on the table row, on the vector read and on the vector write: STATUS bit, done,
  next run clean;
- CONFIG_ERROR (n 0 / 8 / > MAX_N, head_size 0 / 8 / 24 / > MAX_HEAD_SIZE, pos >=
  MAX_SEQ_LEN, misaligned pointers): vector and table untouched, no burst;
- reset mid-run, then clean runs; interrupt and polling; KERNEL_ID;
- the scoreboard catches a flipped bit and a wrong model (the table of pos + 1);
- throughput: beats per cycle through the lanes >= 0.95 at 40 cycles of memory latency.

Run: ``make sim MODULE=rope`` (default maxima) or ``pytest verif/tests/rope`` (small maxima).
Seed: ``COCOTB_RANDOM_SEED``.
"""

from __future__ import annotations

from functools import cache

import cocotb
import numpy as np
import pytest
import torch

from hlstransform.model import golden
from hlstransform.model import numerics as nm
from hlstransform.model.config import ModelConfig
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.tb import param
from hlstransform.verif.tests import elementwise_tb as ew
from hlstransform.verif.tests.elementwise_tb import MEMORY_PAUSES, Case, ElementwiseTB, Generator, Region

TIMEOUT_US = 4_000
TABLE_POSITIONS = 4  # table rows placed around pos (pos - 1 .. pos + 2)


@cache
def cos_sin(head_size: int, pos: int) -> tuple[np.ndarray, np.ndarray]:
    """``golden.rope_cos_sin`` for a head size at a position (numpy fp32)."""
    cfg = ModelConfig(dim=head_size, hidden_dim=head_size, n_layers=1, n_heads=1, n_kv_heads=1,
                      vocab_size=1, seq_len=pos + 1)
    c, s = golden.rope_cos_sin(cfg, pos)
    return c.numpy(), s.numpy()


def table_row(head_size: int, pos: int) -> np.ndarray:
    return nm.rope_table_row(*cos_sin(head_size, pos))


class TB(ElementwiseTB):
    """rope: the table and the vector on gmem0; the vector is rotated in place."""

    KERNEL = "rope"
    MASTERS = ("gmem0",)

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.max_n = param("MAX_N", 65536)
        self.max_hs = param("MAX_HEAD_SIZE", 256)
        self.max_seq = param("MAX_SEQ_LEN", 32768)
        self.log.info("TB: MAX_N %d, MAX_HEAD_SIZE %d, MAX_SEQ_LEN %d", self.max_n, self.max_hs, self.max_seq)

    def case(self, n: int, head_size: int, pos: int, kind: str = "llama", label: str = "",
             table_kind: str = "golden") -> Case:
        """Rotate n elements with the table rows of *head_size* at *pos*.

        The table region holds rows pos - 1 .. pos + 2 (those that exist), and the table pointer
        points where row 0 would be, so reading any other row than pos gives wrong results.
        """
        vec = ew.make_data(self.rng, n, kind)
        first = max(0, pos - 1)
        rows = [table_row(head_size, p) for p in range(first, first + TABLE_POSITIONS)]
        if table_kind == "special":
            rows[pos - first] = nm.from_bits(ew.make_data(self.rng, head_size, "special"))
        table = np.concatenate(rows).astype(np.float32)
        row_bytes = 4 * head_size
        regions = {"vec": Region("gmem0", ew.f32_bytes(vec), 4 * n),
                   "table": Region("gmem0", ew.f32_bytes(table), len(rows) * row_bytes)}
        expected = nm.as_bits(nm.rope(vec.view(np.float32), rows[pos - first], head_size))
        gold = None
        if table_kind == "golden" and n % head_size == 0:
            heads = torch.from_numpy(vec.view(np.float32).copy()).reshape(n // head_size, head_size)
            c, s = cos_sin(head_size, pos)
            gold = golden.rope(heads, torch.from_numpy(c), torch.from_numpy(s)).reshape(-1).numpy()
        # The table pointer is where row 0 would be: row pos lands inside the placed region.
        return Case(label or kind, regions, {"pos": pos, "n": n, "head_size": head_size}, "vec", expected, gold,
                    offsets={"table": first * row_bytes},
                    extra={"vec": vec, "row_in_region": (pos - first) * row_bytes})

    def random_case(self, index: int) -> Case:
        hs = 16 * int(self.rng.integers(1, self.max_hs // 16 + 1))
        n = 16 * int(self.rng.integers(1, min(self.max_n // 16, 160) + 1))
        pos = int(self.rng.integers(0, self.max_seq))
        return self.case(n, hs, pos, ("llama", "random", "special")[index % 3])

    def directed_cases(self) -> list[Case]:
        cases = [
            self.case(16, 16, 0, label="smallest, pos 0"),
            self.case(self.max_n, min(64, self.max_hs), 7, label="n = MAX_N"),
            self.case(2 * self.max_hs, self.max_hs, self.max_seq - 1, label="head_size = MAX_HEAD_SIZE, last pos"),
            self.case(48 * 6 + 48 * 6, 48, 3, label="q and k, dim 288, head_size 48"),
            self.case(128 + 64, 32, 17, label="GQA q and k, dim 128, kv_dim 64"),
            self.case(80, 32, 5, label="n not a multiple of head_size"),
            self.case(64, 32, 9, "special", label="special vector"),
            self.case(64, 16, 2, table_kind="special", label="special table row"),
        ]
        return cases

    def bad_args(self, good: Case) -> list[dict[str, int]]:
        a = good.args()
        return [{"n": 0}, {"n": 8}, {"n": 40}, {"n": self.max_n + 16},
                {"head_size": 0}, {"head_size": 8}, {"head_size": 24}, {"head_size": self.max_hs + 16},
                {"head_size": 0xFFFF_FFF0}, {"pos": self.max_seq}, {"pos": 0xFFFF_FFFF},
                {"vec": a["vec"] + 4}, {"table": a["table"] + 32}]

    def error_cases(self) -> list[tuple[Case, str, int, str]]:
        c1 = self.case(320, 64, 3, label="SLVERR on the table row")
        c2 = self.case(320, 64, 3, label="SLVERR on the vector read")
        c3 = self.case(320, 64, 3, label="SLVERR on the vector write")
        return [(c1, "table", c1.extra["row_in_region"] + 64, "AXI_READ_ERROR"), (c2, "vec", 7 * 64, "AXI_READ_ERROR"),
                (c3, "vec", 2 * 64, "AXI_WRITE_ERROR")]

    def long_case(self) -> Case:
        return self.case(min(self.max_n, 4096), min(64, self.max_hs), 11, label="long")

    def wrong_expected(self, case: Case) -> np.ndarray:
        pos, hs = case.scalars["pos"], case.scalars["head_size"]
        return nm.as_bits(nm.rope(case.extra["vec"].view(np.float32), table_row(hs, pos + 1), hs))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_directed(dut, memory_inserter: Generator = None) -> None:
    """Directed shapes and positions, specials; bit-exact."""
    await ew.directed(TB(dut), memory_inserter)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_random(dut, memory_inserter: Generator = None) -> None:
    """Constrained-random shapes, positions and data (seeded)."""
    await ew.constrained_random(TB(dut), memory_inserter)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_back_to_back(dut) -> None:
    """Arguments of the next run written during a run; START right after DONE."""
    await ew.back_to_back(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_axi_errors(dut) -> None:
    """SLVERR on the table, the vector read and the vector write: STATUS bit, done, next run clean."""
    await ew.axi_errors(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_config_error(dut) -> None:
    """Bad sizes, position or pointers: CONFIG_ERROR, no memory access."""
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
    """A flipped bit and a wrong model (next position's table) are caught."""
    await ew.scoreboard_catches_corruption(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_throughput(dut) -> None:
    """>= 0.95 beats per cycle through the lanes at 40 cycles of memory latency."""
    await ew.throughput(TB(dut))


# Small maxima for the pytest run (the RTL defaults are what make sim builds).
@pytest.mark.parametrize(("max_n", "max_head_size", "max_seq_len"), [(2048, 128, 64)])
def test_rope(max_n: int, max_head_size: int, max_seq_len: int) -> None:
    """Build rope with these maxima and run every cocotb test above."""
    run_cocotb("rope", __file__, {"MAX_N": max_n, "MAX_HEAD_SIZE": max_head_size, "MAX_SEQ_LEN": max_seq_len})
