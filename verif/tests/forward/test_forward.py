"""cocotb tests for ``rtl/forward/forward.sv`` (one whole Llama 2 token per start).

The host side is :class:`hlstransform.verif.regs.KernelControl` on ``s_axi_control``; the four
masters ``m_axi_ch0`` .. ``m_axi_ch3`` are :class:`hlstransform.verif.ddr.DdrModel` channels
sharing one :class:`~cocotbext.axi.sparse_memory.SparseMemory` (full device addresses: channel
c's window at ``c << 34``), loaded with ``ForwardImage.build(weights, kv).regions``
(:mod:`hlstransform.host.image`, the one definition of the layout).

Scoreboard (bit-exact): after each token the logits buffer (``vocab`` values as uint32 patterns,
the padding of the last beat +0.0) must equal ``HwTransformer(weights with the first `layers`
layers).forward_np(token, pos)`` run on the same earlier positions, and the KV regions must equal
their contents before the run with exactly the slots ``(layer < layers, kv head, pos)`` of keys
and values replaced by the model's cache entries (nothing else written). A mismatch names the
earliest layer whose key or value slot differs (each layer's k and v are intermediate results
the device writes out), then the logits.

What is checked (the shipped tiny model ``models/tiny/model_q80.bin``: dim 128, hidden 384, 4
layers, 4 query / 2 kv heads of 32, vocab 1024, seq_len 256, GS 64; and a random model, GS 32,
separate classifier, vocab 200 (a padded last block), 2 layers: for fp32 KV 8 query / 4 kv heads
of 16 (GQA, a kv head on every channel) and 8 / 8 (two kv heads per channel), for int8 KV 4 / 4
heads of 32, and 2 / 2 of 64 and 3 / 3 of 32 dim 96 for the KV buffer's layouts):

- layers = 0, 1 and all; positions 0, 1, 2 in sequence (the KV cache grows), the next token's
  arguments written while a token runs and started right after its done;
- memory pauses (3 cycles of 4 on every channel) and DESIGN.md's honest DDR timing;
- reset in the middle of a token, then a clean rerun of that token and the next position;
- completion by interrupt and by polling; KERNEL_ID;
- descriptor and argument errors (bad magic, dim > MAX_DIM, group size 48, n_kv_heads not
  dividing n_heads, token >= vocab, pos >= seq_len, layers > n_layers, a misaligned descriptor
  pointer; batches: tokens > MAX_TOKENS, a bad prompt pointer, an id >= vocab, a batch past
  seq_len): STATUS.CONFIG_ERROR alone, done, no memory access beyond the descriptor (and prompt)
  read, logits untouched; then a clean token;
- batches of prompt tokens (``tokens`` >= 1, MAX_TOKENS 3): KV slots and logits equal to the
  tokens run one after another, with and without logits, a batch of one, the random model;
- SLVERR on a weight read: STATUS.AXI_READ_ERROR, done still arrives; then a clean rerun;
- the scoreboard catches a corrupted logit and a model that runs one layer too few;
- cycles per token of the tiny model (CYCLES register) with ideal memory and with
  ``HONEST_TIMING`` (logged; docs/forward.md).

A simulated token of the whole design costs minutes (every XLS block is evaluated each cycle), so
the control-path tests run one or two layers; the data tests run all of them.

Run: ``pytest verif/tests/forward`` (maxima just covering the test models; two builds: fp32 KV
runs every test, int8 KV the data, reset and cycle tests). Seed: ``COCOTB_RANDOM_SEED``.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cocotb
import numpy as np
import pytest
from cocotb.triggers import RisingEdge
from cocotbext.axi.sparse_memory import SparseMemory

from hlstransform.host import image as im
from hlstransform.model.checkpoint import load_checkpoint
from hlstransform.model.config import ModelConfig
from hlstransform.model.hwmodel import HwTransformer
from hlstransform.model.weights import random_weights
from hlstransform.verif import toolchain
from hlstransform.verif.ddr import HONEST_TIMING, DdrModel
from hlstransform.verif.regs import KernelControl, RunStatus
from hlstransform.verif.runner import SimulationFailed, build_dir_for, dotted_module_name, run_cocotb
from hlstransform.verif.scoreboard import assert_streams_equal, compare_streams, format_mismatches
from hlstransform.verif.tb import TbBase, cycle_pause, param

Generator = Callable[[], Iterator[int]] | None

TIMEOUT_US = 200_000
MAX_BURST_BEATS = 64
SENTINEL = 0xA5
TOKEN_TIMEOUT_CYCLES = 100_000

TINY_CHECKPOINT = "models/tiny/model_q80.bin"
RANDOM_CONFIG = ModelConfig(dim=128, hidden_dim=192, n_layers=2, n_heads=8, n_kv_heads=4, vocab_size=200,
                            seq_len=32, shared_classifier=False)
# MHA with two kv heads per channel (each channel's KV region holds heads j = 0, 1).
RANDOM_CONFIG_MHA = ModelConfig(dim=128, hidden_dim=192, n_layers=2, n_heads=8, n_kv_heads=8, vocab_size=200,
                                seq_len=32, shared_classifier=False)
# The int8 KV cache quantizes a head vector with quantize_core, whose group is 32 or 64: heads of 32.
RANDOM_CONFIG_INT8 = ModelConfig(dim=128, hidden_dim=192, n_layers=2, n_heads=4, n_kv_heads=4, vocab_size=200,
                                 seq_len=32, shared_classifier=False)
# The KV step's one quantize run a layer puts k head g and v head g in one KV-buffer layout: a
# value beat a head vector at head_size 64 (2/2 heads of 64), and at 32 two a beat, where an odd
# number of kv heads makes a beat hold the last k head and the first v head (3/3 heads of 32).
RANDOM_CONFIG_INT8_HS64 = ModelConfig(dim=128, hidden_dim=192, n_layers=2, n_heads=2, n_kv_heads=2, vocab_size=200,
                                      seq_len=32, shared_classifier=False)
RANDOM_CONFIG_INT8_ODD = ModelConfig(dim=96, hidden_dim=192, n_layers=2, n_heads=3, n_kv_heads=3, vocab_size=200,
                                     seq_len=32, shared_classifier=False)

# Maxima just covering the test models (the tiny model: dim 128, hidden 384, 4/2 heads of 32,
# vocab 1024, seq 256, 4 layers; the random ones: up to 8/8 heads of 16, 2/2 of 64).
PARAMETERS = {"MAX_DIM": 128, "MAX_HIDDEN": 384, "MAX_HEADS": 8, "MAX_KV_HEADS": 8, "MAX_HEAD_SIZE": 64,
              "MAX_VOCAB": 1024, "MAX_SEQ_LEN": 256, "MAX_LAYERS": 4, "MAX_TOKENS": 3}


# ------------------------------------------------------------------------------ reference


@functools.lru_cache(maxsize=None)
def tiny_weights():
    return load_checkpoint(toolchain.repo_root() / TINY_CHECKPOINT).weights


@functools.lru_cache(maxsize=None)
def random_gqa_weights(kv: str, mha: bool = False, config: ModelConfig = None):
    config = config or (RANDOM_CONFIG_INT8 if kv == "int8" else RANDOM_CONFIG_MHA if mha else RANDOM_CONFIG)
    return random_weights(config, seed=7).quantized(32)


class Model:
    """The device image of a model and its bit-exact reference.

    Args:
        weights: Q8_0 ``LlamaWeights``.
        kv: ``"fp32"`` or ``"int8"``.
        label: For the log.
    """

    def __init__(self, weights, kv: str = "fp32", label: str = "") -> None:
        self.weights = weights
        self.kv = kv
        self.label = label
        self.config = weights.config
        self.image = im.ForwardImage.build(weights, kv)
        self.hw = HwTransformer(weights, kv=kv)
        self._layers = list(self.hw.layers)

    @property
    def desc(self) -> dict[str, int]:
        return self.image.descriptor

    def reset(self) -> None:
        """A new sequence (the reference forgets its cache; the device's is simply overwritten)."""
        self.hw.reset()

    def forward(self, token: int, pos: int, layers: int, trace: bool = False) -> np.ndarray:
        """Reference logits of *token* at *pos* with the first *layers* layers; fills its cache."""
        self.hw.layers = self._layers[:layers]
        self.hw.trace = {} if trace else None
        return self.hw.forward_np(token, pos)

    def kv_slots(self, pos: int, layers: int) -> dict[int, tuple[str, bytes]]:
        """Device address -> (name, bytes) of every KV slot a token at *pos* writes, from the reference cache."""
        out: dict[int, tuple[str, bytes]] = {}
        for ch, reg in enumerate(self.image.kv_regions):
            base = self.desc[f"kv_{'abcd'[ch]}"]
            lay = reg.head_layout
            for layer in range(layers):
                for h in reg.heads:
                    for i, which in enumerate("kv"):
                        head = base + reg.offset(layer, h, which)
                        name = f"L{layer} kv head {h} {which} pos {pos}"
                        if self.kv == "fp32":
                            cache = self.hw.key_cache if which == "k" else self.hw.value_cache
                            out[head + lay.slot_offset(0, pos)] = (name, cache[layer, pos, h].astype("<f4").tobytes())
                        else:
                            q = self.hw.kv_q[i, layer, pos, h].tobytes().ljust(lay.slot_bytes, b"\0")
                            out[head + lay.slot_offset(0, pos)] = (name, q)
                            out[head + lay.values_nbytes + lay.scale_offset(0, pos)] = (
                                name + " scale", self.hw.kv_s[i, layer, pos, h].astype("<f4").tobytes())
        return out

    def kv_regions(self) -> list[tuple[int, int]]:
        """(address, bytes) of each channel's KV region."""
        return [(self.desc[f"kv_{'abcd'[ch]}"], reg.nbytes) for ch, reg in enumerate(self.image.kv_regions)
                if reg.nbytes]

    @property
    def logits_bytes(self) -> int:
        return im.align_up(4 * self.config.vocab_size)

    def __str__(self) -> str:
        c = self.config
        return (f"{self.label} (dim {c.dim}, hidden {c.hidden_dim}, {c.n_layers} layers, {c.n_heads}/{c.n_kv_heads} "
                f"heads, vocab {c.vocab_size}, seq {c.seq_len}, GS {self.image.group_size}, {self.kv} KV)")


def build_kv() -> str:
    """The KV-cache format the RTL was built with (parameter KV_INT8)."""
    return "int8" if param("KV_INT8", 0) else "fp32"


def tiny_model() -> Model:
    return Model(tiny_weights(), build_kv(), "tiny")


def random_model(mha: bool = False) -> Model:
    """The random GS-32 model of the build's KV format (fp32: GQA 8/4, or MHA 8/8 with *mha*)."""
    kv = build_kv()
    if kv == "int8":
        return Model(random_gqa_weights(kv), kv, "random MHA")
    return Model(random_gqa_weights(kv, mha), kv, "random MHA" if mha else "random GQA")


# ------------------------------------------------------------------------------ testbench


@dataclass
class Token:
    """One run: arguments and what it must produce.

    Attributes:
        token, pos, layers, skip_logits: The kernel's arguments.
        logits: Expected logits (uint32 patterns, the padding of the last beat included; with
            skip_logits the sentinel bytes the buffer was filled with: untouched).
        kv_before: Each KV region's bytes before the run.
        slots: Expected KV slots (address -> (name, bytes)).
    """

    token: int
    pos: int
    layers: int
    logits: list[int]
    kv_before: list[tuple[int, bytes]]
    slots: dict[int, tuple[str, bytes]]
    skip_logits: bool = False
    batch: tuple[int, ...] = ()
    prompt: int = 0

    def args(self, desc_addr: int) -> dict[str, int]:
        return {"desc": desc_addr, "token": self.token, "pos": self.pos, "layers": self.layers,
                "skip_logits": int(self.skip_logits), "tokens": len(self.batch), "prompt": self.prompt, "load": 0}

    def __str__(self) -> str:
        what = f"batch {list(self.batch)} from pos" if self.batch else f"token {self.token} at pos"
        return f"{what} {self.pos}, {self.layers} layers" + (", no logits" if self.skip_logits else "")


class TB(TbBase):
    """forward with four DdrModel channels on one memory and KernelControl on s_axi_control."""

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.check_param("AXI_ADDR_WIDTH", len(dut.m_axi_ch0_araddr))
        self.maxima = {name: param(name, default) for name, default in PARAMETERS.items()}
        self.log.info("TB: maxima %s", self.maxima)
        self.mem = SparseMemory(2**48)
        self.ddr = [DdrModel.from_prefix(dut, f"m_axi_ch{c}", dut.clk, dut.rst, mem=self.mem,
                                         max_burst_beats=MAX_BURST_BEATS, name=f"ch{c}") for c in range(4)]
        self.ctrl = KernelControl.from_dut(dut, kernel="forward")
        for half in (self.ctrl.master.write_if, self.ctrl.master.read_if):
            half.log.setLevel("WARNING")  # no line per register access
        self.model: Model | None = None
        # An on-chip weight build (WEIGHT_BANKS >= 1) runs tokens only after a load run of the
        # model in memory: the layers its store holds (None: not loaded, or memory changed since).
        self.banks = param("WEIGHT_BANKS", 0)
        self.store_layers: int | None = None

    async def cycle_reset(self, cycles: int = 4) -> None:
        await super().cycle_reset(cycles)
        self.store_layers = None  # the kernel forgets what its store holds

    async def load_weights(self, layers: int | None = None) -> RunStatus:
        """The load run of an on-chip build (load = 1): the model's weights into the store."""
        layers = self.model.config.n_layers if layers is None else layers
        args = {"desc": self.model.image.descriptor_addr, "token": 0, "pos": 0, "layers": layers,
                "skip_logits": 0, "tokens": 0, "prompt": 0, "load": 1}
        status = await self.ctrl.run(args, TOKEN_TIMEOUT_CYCLES, poll_cycles=64)
        assert status.ok, f"load of {layers} layers: STATUS {status}"
        self.store_layers = layers
        self.log.info("weights of %d layers loaded on chip in %d cycles", layers, status.cycles)
        return status

    async def ensure_loaded(self, layers: int) -> None:
        if self.banks and (self.store_layers is None or self.store_layers < layers):
            await self.load_weights()

    # -- memory --------------------------------------------------------------------------

    def set_memory_pauses(self, generator: Generator = None) -> None:
        """Pause every channel of every memory with its own *generator()* pattern (None: never)."""
        for ddr in self.ddr:
            ddr.set_pauses(generator)

    def set_timing(self, read_latency: int = 0, write_latency: int = 0, beat_rate: float = 1.0) -> None:
        for ddr in self.ddr:
            ddr.read_latency = read_latency
            ddr.write_latency = write_latency
            ddr.beat_rate = beat_rate

    def load(self, model: Model) -> Model:
        """Write the model's image; zero its KV regions (a fresh device)."""
        for addr, data in model.image.regions:
            self.mem.write(addr, data)
        for addr, size in model.kv_regions():
            self.mem.write(addr, bytes(size))
        self.model = model
        self.store_layers = None  # an on-chip store holds the old model's weights
        self.log.info("loaded %s: %d regions, weight streams %s bytes", model, len(model.image.regions),
                      model.image.stream_bytes())
        return model

    def bursts(self) -> tuple[int, ...]:
        return tuple(len(ddr.bursts) for ddr in self.ddr)

    def check_protocol(self) -> None:
        for ddr in self.ddr:
            ddr.check()

    # -- tokens --------------------------------------------------------------------------

    def prepare(self, token: int, pos: int, layers: int, skip_logits: bool = False,
                batch: tuple[int, ...] = ()) -> Token:
        """The reference for one token, or a *batch* of tokens from *pos* on (run now, in
        sequence order, one after another: what the kernel's batch must equal; its logits are the
        last token's); logits filled with sentinels (which a skip_logits run must leave as they are).
        A batch's ids go to the image's prompt beat, its words past the batch filled with an id
        the model does not have (the kernel must read only the batch's words)."""
        m = self.model
        slots: dict[int, tuple[str, bytes]] = {}
        for i, t in enumerate(batch or (token,)):
            logits = m.forward(t, pos + i, layers)
            slots.update(m.kv_slots(pos + i, layers))
        padded = np.zeros(m.logits_bytes // 4, np.float32)
        padded[: logits.size] = logits
        expected = [int(v) for v in padded.view(np.uint32)]
        if skip_logits:
            expected = [int.from_bytes(bytes([SENTINEL]) * 4, "little")] * (m.logits_bytes // 4)
        before = [(addr, self.mem.read(addr, size)) for addr, size in m.kv_regions()]
        self.mem.write(m.desc["logits"], bytes([SENTINEL]) * m.logits_bytes)
        prompt = 0
        if batch:
            prompt = m.image.prompt_addr
            ids = list(batch) + [m.config.vocab_size] * (im.PROMPT_TOKENS - len(batch))
            self.mem.write(prompt, np.array(ids, "<u4").tobytes())
            token = batch[-1]
        return Token(token, pos, layers, expected, before, slots, skip_logits, tuple(batch), prompt)

    async def run(self, tok: Token, irq: bool = False, poll_cycles: int = 64) -> RunStatus:
        """Run one token by polling AP_CTRL.DONE, or by interrupt (an on-chip build loads its
        weights first if it has not)."""
        await self.ensure_loaded(tok.layers)
        args = tok.args(self.model.image.descriptor_addr)
        if irq:
            await self.ctrl.enable_interrupts(done=True)
            await self.ctrl.start(args)
            await self.ctrl.wait_interrupt(TOKEN_TIMEOUT_CYCLES)
            assert await self.ctrl.clear_interrupts() == self.ctrl.bit("ISR", "DONE"), "ISR.DONE not set"
            await RisingEdge(self.dut.clk)
            await RisingEdge(self.dut.clk)
            assert not self.dut.interrupt.value, "interrupt still high after clearing ISR"
            ap = await self.ctrl.read_reg("AP_CTRL")
            assert ap & self.ctrl.bit("AP_CTRL", "DONE"), f"AP_CTRL.DONE not set at the interrupt (0x{ap:x})"
            await self.ctrl.disable_interrupts()
            return await self.ctrl.read_status()
        return await self.ctrl.run(args, TOKEN_TIMEOUT_CYCLES, poll_cycles=poll_cycles)

    def read_logits(self) -> list[int]:
        m = self.model
        return [int(v) for v in np.frombuffer(self.mem.read(m.desc["logits"], m.logits_bytes), "<u4")]

    def kv_mismatches(self, tok: Token) -> list[str]:
        """What differs in the KV regions from their old contents with exactly the token's slots
        replaced: the slots that differ (by name, layer order), or a write outside them."""
        slots = sorted(tok.slots.items())
        bad: list[tuple[str, str]] = []
        for addr, old in tok.kv_before:
            new = self.mem.read(addr, len(old))
            want = bytearray(old)
            for a, (_, data) in slots:
                if addr <= a < addr + len(old):
                    want[a - addr: a - addr + len(data)] = data
            if new == bytes(want):
                continue
            for a, (name, data) in slots:
                if addr <= a < addr + len(old) and new[a - addr: a - addr + len(data)] != data:
                    got = np.frombuffer(new[a - addr: a - addr + len(data)], "<u4").tolist()
                    exp = np.frombuffer(data, "<u4").tolist()
                    bad.append((name, f"KV slot {name} at 0x{a:x}: {format_mismatches(compare_streams(exp, got))}"))
                    want[a - addr: a - addr + len(data)] = new[a - addr: a - addr + len(data)]
            if new != bytes(want):
                diff = next(i for i in range(len(old)) if new[i] != want[i])
                bad.append(("~", f"KV region at 0x{addr:x} written outside the token's slots (first at +0x{diff:x})"))
        # Slot names start with L<layer>: sorted, the first is the earliest layer that differs.
        return [text for _, text in sorted(bad, key=lambda b: (len(b[0].split()[0]), b[0]))]

    def check(self, tok: Token, status: RunStatus) -> list[int]:
        """Status clean, logits and KV cache bit-exact, bursts legal; returns the logits read.

        On a mismatch the message names the earliest layer whose key or value differs (the KV
        slots are each layer's intermediate results in device memory), then the logits."""
        assert status.ok, f"{tok}: STATUS {status}"
        actual = self.read_logits()
        problems = self.kv_mismatches(tok)
        mism = compare_streams(tok.logits, actual)
        if mism:
            problems.append(f"logits (uint32): {format_mismatches(mism)}")
        if problems:
            raise AssertionError(f"{tok}: " + "; ".join(problems[:4]) + (" ..." if len(problems) > 4 else ""))
        self.check_protocol()
        self.log.info("%s: exact (%d logits, %d KV slots), %d cycles", tok, self.model.config.vocab_size,
                      len(tok.slots), status.cycles)
        return actual

    async def token(self, token: int, pos: int, layers: int | None = None, irq: bool = False,
                    skip_logits: bool = False) -> RunStatus:
        """Prepare, run and check one token (all layers by default)."""
        layers = self.model.config.n_layers if layers is None else layers
        tok = self.prepare(token, pos, layers, skip_logits)
        status = await self.run(tok, irq)
        self.check(tok, status)
        return status

    async def batch(self, tokens: list[int], pos: int, layers: int | None = None,
                    skip_logits: bool = False) -> RunStatus:
        """Prepare, run and check a batch of prompt tokens from *pos* on (all layers by default)."""
        layers = self.model.config.n_layers if layers is None else layers
        tok = self.prepare(0, pos, layers, skip_logits, batch=tuple(tokens))
        status = await self.run(tok)
        self.check(tok, status)
        return status

    async def sequence(self, tokens: list[int], layers: int | None = None) -> list[RunStatus]:
        """Positions 0, 1, ... of a new sequence, back to back: each next token's arguments are
        written while the previous one runs and it starts right after its done."""
        m = self.model
        layers = m.config.n_layers if layers is None else layers
        m.reset()
        await self.ensure_loaded(layers)
        statuses = []
        desc = m.image.descriptor_addr
        tok = self.prepare(tokens[0], 0, layers)
        await self.ctrl.start(tok.args(desc))
        for pos in range(len(tokens)):
            if pos + 1 < len(tokens):
                await self.ctrl.write_args(
                    {"desc": desc, "token": tokens[pos + 1], "pos": pos + 1, "layers": layers, "skip_logits": 0,
                     "tokens": 0, "prompt": 0, "load": 0})
            await self.ctrl.wait_done(TOKEN_TIMEOUT_CYCLES, poll_cycles=64)
            status = await self.ctrl.read_status()
            self.check(tok, status)
            statuses.append(status)
            if pos + 1 < len(tokens):
                tok = self.prepare(tokens[pos + 1], pos + 1, layers)
                await self.ctrl.start()
        return statuses


def tokens_for(model: Model, count: int) -> list[int]:
    return [random.randrange(model.config.vocab_size) for _ in range(count)]


# ------------------------------------------------------------------------------ tests


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_layers(dut) -> None:
    """Tiny model: layers = 0, then 1 (positions 0, 1), then all (positions 0, 1, 2), back to back."""
    tb = TB(dut)
    await tb.cycle_reset()
    assert await tb.ctrl.read_kernel_id() == tb.ctrl.rm.kernel("forward").id
    model = tb.load(tiny_model())
    await tb.sequence(tokens_for(model, 1), layers=0)
    await tb.sequence(tokens_for(model, 2), layers=1)
    await tb.sequence([1] + tokens_for(model, 2))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
@cocotb.parametrize(memory_inserter=(None, cycle_pause))
async def run_test_random_gqa(dut, memory_inserter: Generator = None) -> None:
    """Random GQA model (GS 32, a kv head per channel, separate classifier): positions 0, 1, 2
    (0, 1 with memory paused 3 cycles of 4, for time); then (not paused) for fp32 KV the MHA model
    with two kv heads per channel, for int8 KV 2/2 heads of 64 and 3/3 heads of 32 (the KV
    buffer's layouts), positions 0, 1."""
    tb = TB(dut)
    tb.set_memory_pauses(memory_inserter)
    await tb.cycle_reset()
    model = tb.load(random_model())
    await tb.sequence(tokens_for(model, 2 if memory_inserter else 3))
    if memory_inserter is None and build_kv() == "fp32":
        model = tb.load(random_model(mha=True))
        await tb.sequence(tokens_for(model, 2))
    if memory_inserter is None and build_kv() == "int8":
        for config, label in ((RANDOM_CONFIG_INT8_HS64, "random int8 2/2 heads of 64"),
                              (RANDOM_CONFIG_INT8_ODD, "random int8 3/3 heads of 32")):
            model = tb.load(Model(random_gqa_weights("int8", config=config), "int8", label))
            await tb.sequence(tokens_for(model, 2))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_reset_mid_token(dut) -> None:
    """Reset while a token (two layers, for time) streams its weights; the same token rerun is
    exact, and the next one too."""
    tb = TB(dut)
    await tb.cycle_reset()
    model = tb.load(tiny_model())
    model.reset()
    await tb.token(5, 0, 2)
    tok = tb.prepare(17, 1, 2)
    await tb.ctrl.start(tok.args(model.image.descriptor_addr))
    target = tb.ddr[2].stats.read_beats + 600
    for _ in range(TOKEN_TIMEOUT_CYCLES):
        await RisingEdge(dut.clk)
        if tb.ddr[2].stats.read_beats >= target:
            break
    assert tb.ddr[2].stats.read_beats >= target, "the token did not stream before the reset"
    assert not (await tb.ctrl.read_reg("AP_CTRL")) & tb.ctrl.bit("AP_CTRL", "IDLE"), "token ended before the reset"
    await tb.cycle_reset()
    await tb.cycles(8)
    ap = await tb.ctrl.read_reg("AP_CTRL")
    assert ap == tb.ctrl.bit("AP_CTRL", "IDLE"), f"AP_CTRL 0x{ap:x} after reset"
    for c in range(4):
        assert not getattr(dut, f"m_axi_ch{c}_arvalid").value, f"ch{c}: read burst after reset"
        assert not getattr(dut, f"m_axi_ch{c}_awvalid").value, f"ch{c}: write burst after reset"
    tb.log.info("reset in the middle of %s; rerunning it", tok)
    tb.check(tok, await tb.run(tok))
    await tb.token(99, 2, 2)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_interrupt_and_polling(dut) -> None:
    """Completion by interrupt, by polling, by interrupt again (one layer, positions 0..2)."""
    tb = TB(dut)
    await tb.cycle_reset()
    model = tb.load(tiny_model())
    model.reset()
    await tb.token(3, 0, 1, irq=True)
    await tb.token(4, 1, 1, irq=False)
    await tb.token(5, 2, 1, irq=True)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_config_errors(dut) -> None:
    """Bad descriptor fields and arguments: CONFIG_ERROR alone, done, only the descriptor read, logits
    untouched; then a clean token."""
    tb = TB(dut)
    await tb.cycle_reset()
    model = tb.load(tiny_model())
    c = model.config
    desc_addr = model.image.descriptor_addr
    prompt_addr = model.image.prompt_addr
    good_desc = model.image.descriptor_bytes()
    words = {name: i for i, (name, _) in enumerate(im.DESCRIPTOR_FIELDS)}

    def patched(**fields: int) -> bytes:
        data = bytearray(good_desc)
        for name, value in fields.items():
            data[8 * words[name]: 8 * words[name] + 8] = value.to_bytes(8, "little")
        return bytes(data)

    good_args = {"desc": desc_addr, "token": 1, "pos": 0, "layers": c.n_layers, "skip_logits": 0, "tokens": 0,
                 "prompt": 0, "load": 0}
    await tb.ensure_loaded(c.n_layers)
    assert c.hidden_dim % 64 == 0, "the group-size-64 case below needs a hidden_dim that is a multiple of 64"
    cases = [
        ("bad magic", patched(magic=0x1234), {}),
        ("dim > MAX_DIM", patched(dim=tb.maxima["MAX_DIM"] + 64), {}),
        ("group size 48", patched(group_size=48), {}),
        # a multiple of 32, not of 64
        ("hidden_dim not a multiple of group size 64", patched(group_size=64, hidden_dim=c.hidden_dim - 32), {}),
        ("weights C misaligned", patched(weights_c=model.desc["weights_c"] + 32), {}),
        ("n_kv_heads not dividing n_heads", patched(n_kv_heads=3), {}),
        ("token >= vocab", good_desc, {"token": c.vocab_size}),
        ("pos >= seq_len", good_desc, {"pos": c.seq_len}),
        ("layers > n_layers", good_desc, {"layers": c.n_layers + 1}),
        ("weights B in channel C's window", patched(weights_b=model.desc["weights_b"] + (1 << im.CHANNEL_SHIFT)), {}),
        ("KV A outside channel A", patched(kv_a=model.desc["kv_a"] + (4 << im.CHANNEL_SHIFT)), {}),
        ("logits in channel B", patched(logits=model.desc["logits"] + (1 << im.CHANNEL_SHIFT)), {}),
        ("misaligned descriptor", good_desc, {"desc": desc_addr + 8}),
        ("descriptor outside channel A", good_desc, {"desc": desc_addr + (1 << im.CHANNEL_SHIFT)}),
        ("skip_logits 2", good_desc, {"skip_logits": 2}),
        ("skip_logits 0x80000001", good_desc, {"skip_logits": 0x80000001}),
        # Batches (the prompt beat holds ids 1, 2, ...; "id >= vocab": its second is vocab_size).
        ("tokens > MAX_TOKENS", good_desc, {"tokens": tb.maxima["MAX_TOKENS"] + 1, "prompt": prompt_addr}),
        ("misaligned prompt", good_desc, {"tokens": 2, "prompt": prompt_addr + 4}),
        ("prompt outside channel A", good_desc, {"tokens": 2, "prompt": prompt_addr + (1 << im.CHANNEL_SHIFT)}),
        ("batch id >= vocab", good_desc, {"tokens": 2, "prompt": prompt_addr}),
        ("batch past seq_len", good_desc, {"tokens": 2, "pos": c.seq_len - 1, "prompt": prompt_addr}),
        ("load 2", good_desc, {"load": 2}),
    ]
    if not tb.banks:
        cases.append(("load on a DDR build", good_desc, {"load": 1}))
    # Refused before any memory access: the arguments wrong by themselves.
    no_burst = {"misaligned descriptor", "descriptor outside channel A", "skip_logits 2", "skip_logits 0x80000001",
                "tokens > MAX_TOKENS", "misaligned prompt", "prompt outside channel A", "load 2",
                "load on a DDR build"}
    # The descriptor and the prompt beat read, then refused.
    two_bursts = {"batch id >= vocab", "batch past seq_len"}
    logits_addr = model.desc["logits"]
    for label, desc, change in cases:
        ids = [1, c.vocab_size] if label == "batch id >= vocab" else [1, 2]
        tb.mem.write(prompt_addr, im.ForwardImage.prompt_bytes(ids))
        tb.mem.write(desc_addr, desc)
        tb.mem.write(logits_addr, bytes([SENTINEL]) * model.logits_bytes)
        before = tb.bursts()
        status = await tb.ctrl.run({**good_args, **change}, 5000, poll_cycles=8)
        after = tb.bursts()
        assert status.errors == ("CONFIG_ERROR",), f"{label}: STATUS {status}"
        reads = [a - b for a, b in zip(after, before)]
        expected_reads = [0, 0, 0, 0] if label in no_burst else [2, 0, 0, 0] if label in two_bursts else [1, 0, 0, 0]
        assert reads == expected_reads, f"{label}: bursts per channel {reads}, expected {expected_reads}"
        assert tb.mem.read(logits_addr, model.logits_bytes) == bytes([SENTINEL]) * model.logits_bytes, \
            f"{label}: logits written"
        tb.log.info("%s: CONFIG_ERROR after %d cycles, %d burst(s)", label, status.cycles, sum(reads))
    tb.mem.write(desc_addr, good_desc)
    model.reset()
    await tb.token(7, 0, 1)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_prompt_tokens(dut) -> None:
    """skip_logits (a prompt token): the tiny model's positions 0 and 1 without logits (KV slots
    exact, the logits buffer untouched), position 2 with them (exact: it attends to the slots the
    first two wrote); a prompt token takes fewer cycles than the same token with logits; and
    layers 0 with skip_logits writes nothing at all."""
    tb = TB(dut)
    await tb.cycle_reset()
    model = tb.load(tiny_model())
    model.reset()
    full = (await tb.token(9, 0)).cycles
    model.reset()
    prompt = [(await tb.token(t, pos, skip_logits=True)).cycles for pos, t in enumerate((9, 301))]
    await tb.token(77, 2)
    assert prompt[0] < full, f"a prompt token took {prompt[0]} cycles, the same token with logits {full}"
    tb.log.info("token 9 at pos 0: %d cycles with logits, %d without (%.2fx)", full, prompt[0], full / prompt[0])
    model.reset()
    before = tb.bursts()
    await tb.token(5, 0, 0, skip_logits=True)
    reads = [a - b for a, b in zip(tb.bursts(), before)]
    assert reads[1:] == [0, 0, 0], f"layers 0 without logits: bursts per channel {reads}"


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_batch(dut) -> None:
    """Batches of prompt tokens (tokens >= 1: every weight fetch serves the batch): the tiny
    model's positions 0-2 as a batch of MAX_TOKENS without logits, 3-4 as a batch of 2 with the
    last one's logits, then position 5 alone (exact: it attends to every slot the batches wrote);
    the random model (GS 32, every channel's kv heads) from position 0 as a batch with logits, then
    one token; a batch of one. KV slots and logits exact against the tokens run one after another;
    a batch token costs fewer cycles than a token alone."""
    tb = TB(dut)
    await tb.cycle_reset()
    n = tb.maxima["MAX_TOKENS"]
    model = tb.load(tiny_model())
    model.reset()
    ids = tokens_for(model, n + 3)
    first = await tb.batch(ids[:n], 0, skip_logits=True)
    await tb.batch(ids[n:n + 2], n)
    single = await tb.token(ids[n + 2], n + 2)
    tb.log.info("batch of %d without logits: %d cycles = %d a token; a token alone (pos %d, logits): %d",
                n, first.cycles, first.cycles // n, n + 2, single.cycles)
    assert first.cycles < n * single.cycles, f"a batch of {n} took {first.cycles} cycles, a token {single.cycles}"
    model.reset()
    await tb.batch([3], 0)
    rnd = tb.load(random_model())
    rnd.reset()
    await tb.batch(tokens_for(rnd, n), 0)
    await tb.token(tokens_for(rnd, 1)[0], n)


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_axi_read_error(dut) -> None:
    """SLVERR on a weight read (channel B, in layer 1's weights; two layers run, for time):
    AXI_READ_ERROR, done; then a clean rerun."""
    tb = TB(dut)
    await tb.cycle_reset()
    model = tb.load(tiny_model())
    model.reset()
    layer = im.stream_matrices(model.config, model.image.group_size)[:4]
    per_layer = sum(m.beats_per_block * len(im.channel_blocks(m.blocks, 1)) for m in layer)
    addr = model.desc["weights_b"] + (per_layer + 40) * im.BEAT_BYTES
    tb.ddr[1].add_error_range(addr, im.BEAT_BYTES)
    tok = tb.prepare(11, 0, 2)
    status = await tb.run(tok)
    assert status.errors == ("AXI_READ_ERROR",), f"STATUS {status}, expected only AXI_READ_ERROR"
    assert tb.ddr[1].stats.read_error_beats >= 1, "the error beat was never read"
    tb.log.info("SLVERR at 0x%x: STATUS %s, done after %d cycles", addr, status.errors, status.cycles)
    tb.ddr[1].clear_errors()
    tb.check(tok, await tb.run(tok))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_scoreboard_catches_corruption(dut) -> None:
    """One flipped bit in one logit, and a model one layer short, fail the comparison (two layers
    run, for time)."""
    tb = TB(dut)
    await tb.cycle_reset()
    model = tb.load(tiny_model())
    model.reset()
    tok = tb.prepare(42, 0, 2)
    status = await tb.run(tok)
    actual = tb.check(tok, status)
    i = random.randrange(model.config.vocab_size)
    corrupted = list(actual)
    corrupted[i] ^= 1 << random.randrange(32)
    mism = compare_streams(tok.logits, corrupted)
    assert [m.index for m in mism] == [i], f"flipped bit not caught: {mism}"
    tb.log.info("caught: %s", format_mismatches(mism))
    tb.mem.write(model.desc["logits"] + 4 * i, corrupted[i].to_bytes(4, "little"))
    with pytest.raises(AssertionError, match="logits"):
        tb.check(tok, status)
    model.reset()
    short = model.forward(42, 0, 1)
    mism = compare_streams([int(v) for v in short.view(np.uint32)], actual[: model.config.vocab_size])
    assert len(mism) > model.config.vocab_size // 2, f"a model one layer short was not caught ({len(mism)})"
    with pytest.raises(AssertionError, match="mismatches"):
        assert_streams_equal([int(v) for v in short.view(np.uint32)], actual[: model.config.vocab_size], "short")


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_cycles_per_token(dut) -> None:
    """Tiny model, all layers, position 0: cycles per token (CYCLES) with ideal memory and with HONEST_TIMING."""
    tb = TB(dut)
    await tb.cycle_reset()
    model = tb.load(tiny_model())
    results = {}
    for label, timing in (("ideal memory", {}), ("HONEST_TIMING", HONEST_TIMING)):
        tb.set_timing(**timing)
        model.reset()
        cycles = (await tb.token(1, 0)).cycles
        results[label] = cycles
        tb.log.info("cycles per token, tiny model, pos 0, %s (%s): %d", label, timing or "no latency, full rate",
                    cycles)
    tb.log.info("cycles per token summary: %s", results)


def weight_stream_ranges(model: Model) -> list[tuple[int, int]]:
    """(first byte, end) of each channel's weight stream in device memory."""
    starts = [model.desc[f"weights_{'abcd'[ch]}"] for ch in range(4)]
    return [(a, a + n) for a, n in zip(starts, model.image.stream_bytes())]


def weight_reads(tb: TB, model: Model, since: tuple[int, ...]) -> int:
    """Read bursts into the model's weight streams after the burst counts *since*."""
    ranges = weight_stream_ranges(model)
    return sum(1 for ch, ddr in enumerate(tb.ddr) for b in ddr.bursts[since[ch]:]
               if not b.write and any(lo <= b.addr < hi for lo, hi in ranges))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def run_test_onchip_weights(dut) -> None:
    """On-chip weight build (WEIGHT_BANKS >= 1): a token before any load, a load of a batch and
    load 3 are refused; a load of
    one layer reads that layer's and the classifier's blocks once and writes nothing; tokens then
    read no weight byte from DDR and are exact, with that many layers and no more; another
    descriptor is refused; the full load, tokens exact; after a reset tokens are refused (the
    kernel forgets the load); a model too big for the store fails its
    load (CONFIG_ERROR) and leaves nothing loaded; the right model again, exact."""
    tb = TB(dut)
    await tb.cycle_reset()
    assert tb.banks, "this test needs an on-chip build (WEIGHT_BANKS >= 1)"
    model = tb.load(tiny_model())
    c, desc = model.config, model.image.descriptor_addr
    token_args = {"desc": desc, "token": 1, "pos": 0, "layers": 1, "skip_logits": 0, "tokens": 0, "prompt": 0,
                  "load": 0}

    async def refused(label: str, **change: int) -> None:
        before = tb.bursts()
        status = await tb.ctrl.run({**token_args, **change}, 5000, poll_cycles=8)
        assert status.errors == ("CONFIG_ERROR",), f"{label}: STATUS {status}"
        assert tb.bursts() == before, f"{label}: memory accessed"
        tb.log.info("%s: CONFIG_ERROR, no memory access", label)

    await refused("a token before any load")
    await refused("load 3", load=3)
    await refused("a load with tokens", load=1, tokens=2, prompt=model.image.prompt_addr)

    before = tb.bursts()
    await tb.load_weights(layers=1)
    stream = im.stream_matrices(c, model.image.group_size)
    mats = stream[:4] + stream[-1:]  # layer 0 and the classifier
    for ch, ddr in enumerate(tb.ddr):
        new = ddr.bursts[before[ch]:]
        assert not any(b.write for b in new), f"ch{ch}: the load wrote"
        got = sum(b.beats for b in new if any(lo <= b.addr < hi for lo, hi in weight_stream_ranges(model)))
        want = sum(m.beats_per_block * len(im.channel_blocks(m.blocks, ch)) for m in mats)
        assert got == want, f"ch{ch}: the load read {got} weight beats, layer 0 and the classifier are {want}"

    model.reset()
    before = tb.bursts()
    for pos in range(2):
        await tb.token(tokens_for(model, 1)[0], pos, layers=1)
    assert weight_reads(tb, model, before) == 0, "a token read weights from DDR"
    await refused("more layers than loaded", layers=2)
    await refused("another descriptor", desc=desc + 64, layers=1)

    await tb.load_weights()
    model.reset()
    before = tb.bursts()
    await tb.sequence(tokens_for(model, 3))
    assert weight_reads(tb, model, before) == 0, "a token read weights from DDR"

    await tb.cycle_reset()
    await refused("a token after a reset")

    big = tb.load(Model(random_weights(c, seed=2).quantized(32), build_kv(), "tiny shape at GS 32"))
    status = await tb.ctrl.run({**token_args, "desc": big.image.descriptor_addr, "layers": c.n_layers, "load": 1},
                               TOKEN_TIMEOUT_CYCLES, poll_cycles=64)
    assert status.errors == ("CONFIG_ERROR",), f"a model too big for the store: STATUS {status}"
    await refused("a token after a failed load", desc=big.image.descriptor_addr)

    model = tb.load(tiny_model())
    model.reset()
    await tb.token(5, 0)


# The int8 KV build reruns the data tests; control paths (errors, reset, interrupt) are the same RTL.
INT8_TESTS = ["run_test_layers", "run_test_random_gqa/memory_inserter=None",
              "run_test_random_gqa/memory_inserter=cycle_pause", "run_test_reset_mid_token",
              "run_test_prompt_tokens", "run_test_batch", "run_test_cycles_per_token"]


# The DDR builds' fp32-KV run: every test but the on-chip build's own.
FP32_TESTS = ["run_test_layers", "run_test_random_gqa/memory_inserter=None",
              "run_test_random_gqa/memory_inserter=cycle_pause", "run_test_reset_mid_token",
              "run_test_interrupt_and_polling", "run_test_config_errors", "run_test_prompt_tokens", "run_test_batch",
              "run_test_axi_read_error", "run_test_scoreboard_catches_corruption", "run_test_cycles_per_token"]

# The on-chip weight build (two banks a channel: 8 engines) runs its own test, the layers and
# the batch (its engines take every token's x), fp32 KV. Its store holds the tiny model exactly
# (its largest bank: host/image.py WeightBankLayout), so the same shape at GS 32 overflows.
ONCHIP_PARAMETERS = {"WEIGHT_BANKS": 2, "WEIGHT_DEPTH": 1904}
ONCHIP_TESTS = ["run_test_onchip_weights", "run_test_layers", "run_test_batch"]


@pytest.mark.parametrize("build", ["fp32_kv", "int8_kv", "onchip"])
def test_forward(build: str) -> None:
    """Build forward with the test maxima and the KV format (or the on-chip weight store), and
    run the cocotb tests above."""
    if build == "onchip":
        run_cocotb("forward", __file__, {**PARAMETERS, "KV_INT8": 0, **ONCHIP_PARAMETERS}, testcase=ONCHIP_TESTS)
        return
    kv_int8 = int(build == "int8_kv")
    run_cocotb("forward", __file__, {**PARAMETERS, "KV_INT8": kv_int8}, testcase=INT8_TESTS if kv_int8 else FP32_TESTS)


# forward.sv's simulation checks (ifndef SYNTHESIS), each with the start of its message: a run with
# +fwd_fault=NAME, which corrupts what that check reads, must stop there (a check that can fail).
SIM_CHECKS = {
    "attention": "forward: attention read address",
    "pending": "forward: a run started with a memory command still pending",
    "class": "class bits",
    "state": "is not one state",
    "command": "issued with the values of the cycle before",
}


@pytest.mark.parametrize("fault", sorted(SIM_CHECKS))
def test_sim_checks_catch_faults(fault: str) -> None:
    """Each simulation check of forward.sv stops a run when what it reads is corrupted (the
    fp32-KV build of test_forward; the attention check needs the run to reach attention)."""
    import os

    parameters = {**PARAMETERS, "KV_INT8": 0}
    with pytest.raises(SimulationFailed):
        run_cocotb("forward", __file__, parameters, testcase="run_test_layers", waves=False,
                   extra_plusargs=[f"+fwd_fault={fault}"], log_files=True)
    log = build_dir_for("forward", parameters, dotted_module_name(__file__), False) / f"sim-{os.getpid()}.log"
    text = log.read_text(errors="replace")
    assert SIM_CHECKS[fault] in text, f"+fwd_fault={fault}: the run failed without the check's message ({log})"


def test_every_cocotb_test_runs_in_a_build() -> None:
    """The builds' test lists name every cocotb test of this file (a new test is not left out)."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(__file__).read_text())
    defined = {f.name for f in tree.body if isinstance(f, ast.AsyncFunctionDef) and f.name.startswith("run_test_")}
    listed = {name.split("/")[0] for name in FP32_TESTS + INT8_TESTS + ONCHIP_TESTS}
    assert defined == listed, f"not run: {sorted(defined - listed)}; unknown: {sorted(listed - defined)}"


def test_onchip_store_holds_the_tiny_model_exactly() -> None:
    """The on-chip test build's WEIGHT_DEPTH is the tiny model's largest bank, which the same
    shape at GS 32 exceeds (the overflow case of run_test_onchip_weights)."""
    c, banks = tiny_weights().config, ONCHIP_PARAMETERS["WEIGHT_BANKS"]

    def largest(gs: int) -> int:
        mats = tuple(im.stream_matrices(c, gs))
        return max(im.WeightBankLayout(mats, ch, banks).beats(k) for ch in range(4) for k in range(banks))

    assert largest(tiny_weights().group_size) == ONCHIP_PARAMETERS["WEIGHT_DEPTH"] < largest(32)
