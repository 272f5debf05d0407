"""cocotb tests for ``rtl/shell/vu9p_shell.sv``: the VU9P shell around the forward kernel.

The host side is what a driver has: :class:`hlstransform.verif.regs.KernelControl` on
``s_axi_control`` and a cocotbext-axi ``AxiMaster`` on the host DMA port ``s_axi_dma``. The four
DDR4 ports ``m_axi_ddra`` .. ``m_axi_ddrd`` are :class:`hlstransform.verif.ddr.DdrModel` channels,
each with a memory of its own (the port sees channel-local addresses), with DESIGN.md section 8's
honest timing (40 cycles of latency, 85 % of peak beats) and every burst rule checked.

What is checked:

- host DMA routing: a write to device address ``c << 34 | off`` lands at ``off`` in channel c's
  memory and nowhere else, and reads back through the DMA port (lengths ending inside a beat,
  transfers split at 4 KiB by the master, the window's last page); an address at or above 64 GiB is answered DECERR and
  reaches no channel;
- a whole token through the shell: the tiny model's image written by host DMA, tokens at
  positions 0 and 1, logits read back by host DMA, bit-exact against the numerics model
  (``HwTransformer``); host DMA reads on every channel while the kernel streams its weights
  (the per-channel arbiters share each port) leave the result exact;
- the scoreboard catches a flipped logit bit.

Run: ``pytest verif/tests/vu9p_shell`` (maxima of the forward tests, fp32 KV).
"""

from __future__ import annotations

import random

import cocotb
import numpy as np
from cocotb.triggers import Event, RisingEdge
from cocotbext.axi import AxiBus, AxiMaster, AxiResp
from cocotbext.axi.sparse_memory import SparseMemory

from hlstransform.host import image as im
from hlstransform.verif.ddr import HONEST_TIMING, DdrModel
from hlstransform.verif.regs import KernelControl
from hlstransform.verif.runner import run_cocotb
from hlstransform.verif.scoreboard import compare_streams, format_mismatches
from hlstransform.verif.tb import TbBase
from hlstransform.verif.tests.forward.test_forward import PARAMETERS, Model, tiny_weights

TIMEOUT_US = 200_000
TOKEN_TIMEOUT_CYCLES = 100_000
CHANNELS = 4
WINDOW = 1 << im.CHANNEL_SHIFT


class TB(TbBase):
    """vu9p_shell with a DdrModel per DDR port, KernelControl and a host DMA master."""

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.mems = [SparseMemory(WINDOW) for _ in range(CHANNELS)]
        # The host may write part of a beat (WSTRB not all ones); every other burst rule of the
        # kernels (INCR, full width, aligned, within 4 KiB) holds for the host DMA too.
        self.ddr = [DdrModel.from_prefix(dut, f"m_axi_ddr{p}", dut.clk, dut.rst, mem=self.mems[c],
                                         name=f"ddr{p}", full_strobes=False, **HONEST_TIMING)
                    for c, p in enumerate("abcd")]
        self.ctrl = KernelControl.from_dut(dut, kernel="forward")
        self.dma = AxiMaster(AxiBus.from_prefix(dut, "s_axi_dma"), dut.clk, dut.rst)
        for log in (self.ctrl.master.write_if.log, self.ctrl.master.read_if.log,
                    self.dma.write_if.log, self.dma.read_if.log):
            log.setLevel("WARNING")  # no line per access

    def check_protocol(self) -> None:
        for ddr in self.ddr:
            ddr.check()

    async def load(self, model: Model) -> None:
        """The model's image and zeroed KV regions, written by host DMA."""
        for addr, data in model.image.regions:
            await self.dma.write(addr, data)
        for addr, size in model.kv_regions():
            await self.dma.write(addr, bytes(size))
        self.log.info("loaded %s by host DMA", model)

    async def logits(self, model: Model) -> list[int]:
        data = (await self.dma.read(model.desc["logits"], model.logits_bytes)).data
        return [int(v) for v in np.frombuffer(data, "<u4")]


def expected_logits(model: Model, token: int, pos: int) -> list[int]:
    """The numerics model's logits (uint32 patterns, the last beat's padding +0.0)."""
    logits = model.forward(token, pos, model.config.n_layers)
    padded = np.zeros(model.logits_bytes // 4, np.float32)
    padded[: logits.size] = logits
    return [int(v) for v in padded.view(np.uint32)]


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_dma_routing(dut) -> None:
    """Each channel window reaches its own DDR port at the local offset; >= 64 GiB is DECERR."""
    tb = TB(dut)
    await tb.cycle_reset()
    rng = random.Random(cocotb.RANDOM_SEED)
    # Beat-aligned starts (the burst rule above); lengths that end inside a beat; bursts split
    # at 4 KiB by the master; the window's last page.
    offsets = [0, 0x1240, 0x0FC0, 0x3_FFFF_F000]
    for off in offsets:
        payloads = [bytes(rng.randrange(256) for _ in range(rng.choice((1, 64, 100, 4096 + 70)))) for _ in range(CHANNELS)]
        payloads = [p[: WINDOW - off] for p in payloads]
        for c, data in enumerate(payloads):
            resp = await tb.dma.write(c * WINDOW + off, data)
            assert resp.resp == AxiResp.OKAY, f"write ch{c} +0x{off:x}: {resp.resp!r}"
        for c, data in enumerate(payloads):
            held = tb.mems[c].read(off, len(data))
            assert held == data, f"channel {c} memory at 0x{off:x}: not the bytes written to its window"
            back = (await tb.dma.read(c * WINDOW + off, len(data))).data
            assert back == data, f"DMA read of channel {c} +0x{off:x} differs from what was written"
        tb.log.info("offset 0x%x: %s bytes per channel routed and read back", off, [len(p) for p in payloads])
    before = [len(d.bursts) for d in tb.ddr]
    wr = await tb.dma.write(4 * WINDOW, b"\x11" * 64)
    rd = await tb.dma.read(5 * WINDOW + 64, 64)
    assert wr.resp == AxiResp.DECERR and rd.resp == AxiResp.DECERR, f"above 64 GiB: write {wr.resp!r}, read {rd.resp!r}"
    assert [len(d.bursts) for d in tb.ddr] == before, "a burst above 64 GiB reached a channel"
    tb.check_protocol()


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_token_through_shell(dut) -> None:
    """The tiny model loaded and read back by host DMA; positions 0 and 1 exact; host DMA on
    every channel during the second token."""
    tb = TB(dut)
    await tb.cycle_reset()
    assert await tb.ctrl.read_kernel_id() == tb.ctrl.rm.kernel("forward").id
    model = Model(tiny_weights(), "fp32", "tiny")
    await tb.load(model)
    desc = model.image.descriptor_addr
    for pos, token in enumerate((1, 517)):
        expected = expected_logits(model, token, pos)
        busy = Event()
        traffic = []
        if pos == 1:
            traffic.append(cocotb.start_soon(host_reads_during(tb, busy)))
        status = await tb.ctrl.run({"desc": desc, "token": token, "pos": pos, "layers": model.config.n_layers},
                                   TOKEN_TIMEOUT_CYCLES, poll_cycles=64)
        busy.set()
        for task in traffic:
            reads = await task
            tb.log.info("host DMA reads during the token: %d", reads)
            assert reads > 0, "no host DMA read overlapped the token"
        assert status.ok, f"token {token} at {pos}: STATUS {status}"
        mism = compare_streams(expected, await tb.logits(model))
        assert not mism, f"token {token} at {pos}: logits {format_mismatches(mism)}"
        tb.log.info("token %d at pos %d through the shell: exact, %d cycles", token, pos, status.cycles)
    tb.check_protocol()


async def host_reads_during(tb: TB, stop: Event) -> int:
    """Read a beat of each channel's weight stream by host DMA, round and round, until *stop*."""
    model_desc = [im.channel_base(c) for c in range(CHANNELS)]
    count = 0
    while not stop.is_set():
        for base in model_desc:
            resp = await tb.dma.read(base, 64)
            assert resp.resp == AxiResp.OKAY
            count += 1
        for _ in range(50):
            await RisingEdge(tb.dut.clk)
    return count


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """The logits comparison above rejects one flipped bit."""
    tb = TB(dut)
    await tb.cycle_reset()
    model = Model(tiny_weights(), "fp32", "tiny")
    expected = expected_logits(model, 1, 0)
    corrupted = list(expected)
    corrupted[7] ^= 1
    assert compare_streams(expected, corrupted), "a flipped logit bit was not caught"
    assert not compare_streams(expected, list(expected))


def test_vu9p_shell() -> None:
    """Build vu9p_shell with the forward tests' maxima and run every cocotb test above."""
    run_cocotb("vu9p_shell", __file__, PARAMETERS)
