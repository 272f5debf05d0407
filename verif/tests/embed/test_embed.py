"""cocotb tests for ``rtl/kernels/embed.sv`` (dequantize one row of a Q8_0 embedding table).

The host side is :class:`hlstransform.verif.regs.KernelControl` on ``s_axi_control``; the one
master ``m_axi_gmem0`` is a :class:`hlstransform.verif.ddr.DdrModel` holding the table and the
output. TB and scenarios: ``verif/tests/elementwise_tb.py``.

Table layout (docs/kernels/elementwise.md): int8 values, vocab x dim row-major, from the ``q``
pointer; fp32 scales, vocab x dim / group_size row-major, from the ``s`` pointer. The canonical
image (:func:`pack_table`) is one region, the scales at ``q + align_up(vocab * dim, 64)``; the
kernel takes the two pointers, so the tests also place them apart.

Scoreboard: every result, as a uint32 pattern, equals ``numerics.embed_row(q, s, token, dim,
group_size)`` (``(float) q * s``, one fp32 multiply); the golden model's error (runq.c's
``dequantize``: ``QTensor.dequantize``) is logged.

What is checked:

- directed: the smallest row (dim = group_size = 32), dim = MAX_DIM with both group sizes,
  token 0 and token vocab - 1, rows starting mid-beat (dim 288 = 4.5 beats of values: odd
  tokens start at byte 32; scales at any word), the canonical one-region image, special values
  (zero, subnormal, huge, inf and NaN scales; -128 and 127 values); memory pauses never / on 3
  cycles of 4; buffers at random 64-byte offsets (bursts split at 4 KiB); back to back
  without reset;
- constrained-random vocab, dim, group size, token and data;
- back-to-back starts with the next arguments written during a run;
- SLVERR on the scale read, on the value read and on the output write: STATUS bit, done,
  next run clean;
- CONFIG_ERROR (group size 0 / 16 / 48 / 128, dim 0 / not a multiple of the group size /
  > MAX_DIM, token >= vocab, vocab 0, misaligned pointers): table and output untouched, no
  burst;
- reset mid-run, then clean runs; interrupt and polling; KERNEL_ID;
- the scoreboard catches a flipped bit and a wrong model (each group with its neighbour's scale);
- throughput: result beats per cycle through the lanes >= 0.95 (a value beat makes four
  result beats) at 40 cycles of memory latency.

Run: ``make sim MODULE=embed`` (default MAX_DIM 8192) or ``pytest verif/tests/embed``
(MAX_DIM 1024). Seed: ``COCOTB_RANDOM_SEED``.
"""

from __future__ import annotations

import cocotb
import numpy as np
import pytest
import torch

from hlstransform.model import numerics as nm
from hlstransform.model.quant import QTensor, quantize_weights
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.tb import param
from hlstransform.verif.tests import elementwise_tb as ew
from hlstransform.verif.tests.elementwise_tb import MEMORY_PAUSES, Case, ElementwiseTB, Generator, Region

TIMEOUT_US = 4_000


def align_up(n: int, align: int = 64) -> int:
    return -(-n // align) * align


def pack_table(q: np.ndarray, s: np.ndarray) -> tuple[bytes, int]:
    """The canonical embedding image: values (vocab x dim int8, row-major), zero-padded to 64
    bytes, then scales (vocab x dim / GS fp32, row-major). Returns (image, scale offset)."""
    values = np.asarray(q, np.int8).tobytes()
    offset = align_up(len(values))
    return values + bytes(offset - len(values)) + ew.f32_bytes(np.asarray(s, np.float32).reshape(-1)), offset


def make_table(rng: np.random.Generator, vocab: int, dim: int, gs: int, kind: str) -> QTensor:
    """A Q8_0 table: ``q8`` (Gaussian weights quantized by the export rule), ``random`` (any
    int8, scales of both signs over many binades) or ``special`` (random plus zero, subnormal,
    huge, inf and NaN scales and extreme values)."""
    if kind == "q8":
        return quantize_weights(torch.from_numpy(rng.standard_normal((vocab, dim)).astype(np.float32)), gs)
    q = rng.integers(-128, 128, (vocab, dim), dtype=np.int8)
    mant = rng.uniform(1.0, 2.0, (vocab, dim // gs)) * rng.choice([-1.0, 1.0], (vocab, dim // gs))
    s = (mant * np.exp2(rng.integers(-30, 20, (vocab, dim // gs)))).astype(np.float32)
    if kind == "special":
        flat = s.reshape(-1)
        picks = rng.permutation(flat.size)
        for i, v in enumerate([0.0, -0.0, 1e-40, 3e38, np.inf, -np.inf, np.nan]):
            flat[picks[i % flat.size]] = np.float32(v)
        q.reshape(-1)[rng.permutation(q.size)[:8]] = np.array([-128, 127, 0, -1] * 2, np.int8)
    return QTensor(torch.from_numpy(q), torch.from_numpy(s))


class TB(ElementwiseTB):
    """embed: the table and the output on gmem0."""

    KERNEL = "embed"
    MASTERS = ("gmem0",)

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.max_dim = param("MAX_DIM", 8192)
        self.log.info("TB: MAX_DIM %d", self.max_dim)

    def case(self, vocab: int, dim: int, gs: int, token: int, kind: str = "q8", label: str = "",
             canonical: bool = False) -> Case:
        """Row *token* of a vocab x dim table; *canonical*: one region, scales after the values."""
        table = make_table(self.rng, vocab, dim, gs, kind)
        q, s = table.q.numpy(), table.s.numpy()
        out = Region("gmem0", b"", 4 * dim)
        if canonical:
            image, offset = pack_table(q, s)
            regions = {"q": Region("gmem0", image, len(image)), "out": out}
            aliases, offsets = {"s": "q"}, {"s": -offset}
        else:
            regions = {"q": Region("gmem0", q.tobytes(), q.size),
                       "s": Region("gmem0", ew.f32_bytes(s.reshape(-1)), 4 * s.size), "out": out}
            aliases, offsets = {}, {}
        expected = nm.as_bits(nm.embed_row(q, s, token, dim, gs))
        gold = table.dequantize().numpy()[token]
        scalars = {"token": token, "dim": dim, "vocab": vocab, "group_size": gs}
        return Case(label or kind, regions, scalars, "out", expected, gold, aliases, offsets,
                    extra={"q": q, "s": s})

    def random_case(self, index: int) -> Case:
        gs = int(self.rng.choice([32, 64]))
        dim = gs * int(self.rng.integers(1, min(self.max_dim // gs, 48) + 1))
        vocab = int(self.rng.integers(1, 40))
        token = int(self.rng.integers(0, vocab))
        return self.case(vocab, dim, gs, token, ("q8", "random", "special")[index % 3],
                         canonical=bool(index % 2))

    def directed_cases(self) -> list[Case]:
        return [
            self.case(1, 32, 32, 0, label="smallest row"),
            self.case(3, self.max_dim, 64, 2, label="dim = MAX_DIM, GS 64"),
            self.case(2, self.max_dim, 32, 1, label="dim = MAX_DIM, GS 32", canonical=True),
            self.case(9, 288, 32, 0, label="dim 288, token 0"),
            self.case(9, 288, 32, 3, label="dim 288, odd token: values from byte 32, scales from word 11"),
            self.case(9, 288, 32, 8, label="dim 288, last token", canonical=True),
            self.case(17, 192, 64, 5, label="dim 192, GS 64: scales from word 15"),
            self.case(6, 128, 32, 5, "special", label="special values"),
        ]

    def bad_args(self, good: Case) -> list[dict[str, int]]:
        a, vocab = good.args(), good.scalars["vocab"]
        return [{"group_size": 0}, {"group_size": 16}, {"group_size": 48}, {"group_size": 128},
                {"dim": 0, "group_size": 32}, {"dim": 48, "group_size": 32}, {"dim": 96, "group_size": 64},
                {"dim": self.max_dim + 64, "group_size": 64}, {"token": vocab}, {"token": vocab + 5},
                {"vocab": 0, "token": 0}, {"q": a["q"] + 32}, {"s": a["s"] + 4}, {"out": a["out"] + 16}]

    def error_cases(self) -> list[tuple[Case, str, int, str]]:
        return [(self.case(5, 512, 32, 2, label="SLVERR on the scales"), "s", 2 * 64, "AXI_READ_ERROR"),
                (self.case(5, 512, 32, 2, label="SLVERR on the values"), "q", 2 * 512 + 3 * 64, "AXI_READ_ERROR"),
                (self.case(5, 512, 32, 2, label="SLVERR on out"), "out", 64, "AXI_WRITE_ERROR")]

    def long_case(self) -> Case:
        return self.case(3, self.max_dim, 32, 1, label="long")

    def wrong_expected(self, case: Case) -> np.ndarray:
        sc = case.scalars
        shifted = np.roll(case.extra["s"].reshape(-1), -1)  # every group with its neighbour's scale
        return nm.as_bits(nm.embed_row(case.extra["q"], shifted, sc["token"], sc["dim"], sc["group_size"]))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_directed(dut, memory_inserter: Generator = None) -> None:
    """Directed rows (sizes, tokens, alignments, layouts, specials); bit-exact."""
    await ew.directed(TB(dut), memory_inserter)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=MEMORY_PAUSES)
async def run_test_random(dut, memory_inserter: Generator = None) -> None:
    """Constrained-random tables and rows (seeded)."""
    await ew.constrained_random(TB(dut), memory_inserter)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_back_to_back(dut) -> None:
    """Arguments of the next run written during a run; START right after DONE."""
    await ew.back_to_back(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_axi_errors(dut) -> None:
    """SLVERR on the scales, the values and out: STATUS bit, done, next run clean."""
    await ew.axi_errors(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_config_error(dut) -> None:
    """Bad group size, dim, token or pointers: CONFIG_ERROR, no memory access."""
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
    """A flipped bit and a wrong model (neighbouring scales) are caught."""
    await ew.scoreboard_catches_corruption(TB(dut))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_throughput(dut) -> None:
    """>= 0.95 result beats per cycle through the lanes at 40 cycles of memory latency."""
    await ew.throughput(TB(dut))


# MAX_DIM: small for the pytest run (the RTL default, 8192, is what make sim builds).
@pytest.mark.parametrize("max_dim", [1024])
def test_embed(max_dim: int) -> None:
    """Build embed with this maximum and run every cocotb test above."""
    run_cocotb("embed", __file__, {"MAX_DIM": max_dim})
