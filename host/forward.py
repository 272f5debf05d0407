"""The host program of the forward kernel: one model image, one token (or a batch of prompt
tokens, :meth:`ForwardRunner.forward_batch`) per kernel run.

:class:`ForwardRunner` is what every hardware backend runs (``sim`` today, ``xrt`` later): it
lays the model out once (``host/image.py`` :class:`ForwardImage`), copies it into device memory
by DMA, and for each token writes the kernel's arguments (descriptor, token, position, layers,
skip_logits), starts it, waits for the interrupt, checks STATUS and reads the logits back (a
prompt token whose logits nobody reads runs with skip_logits: no classifier, nothing to read). Cycles per token
come from the kernel's CYCLES register, so the throughput figures are the RTL's own.

Example::

    with SimDevice("forward") as dev:
        runner = ForwardRunner(dev, weights, kv="fp32")
        logits = runner.forward(token=1, pos=0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .device import Device, DeviceError, KernelDriver
from .image import PROMPT_TOKENS, ForwardImage, align_up

CLOCK_HZ = (250e6, 200e6)
"""The clocks tok/s is modelled at: F1's clk_main_a0 maximum and a conservative one."""

TOKEN_TIMEOUT_CYCLES = 50_000_000
"""A token that takes longer than this (200 ms at 250 MHz) is treated as a hung device."""


@dataclass
class TokenStats:
    """Kernel cycles of every run so far (the CYCLES register), the tokens each ran (1, or a
    batch's size) and whether it made logits (a prompt run does not)."""

    cycles: list[int] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    logits: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tokens = self.tokens or [1] * len(self.cycles)
        self.logits = self.logits or [True] * len(self.cycles)
        if not len(self.cycles) == len(self.tokens) == len(self.logits):
            raise ValueError(f"{len(self.cycles)} runs' cycles, {len(self.tokens)} token counts, "
                             f"{len(self.logits)} logits flags")

    def add(self, cycles: int, tokens: int = 1, logits: bool = True) -> None:
        self.cycles.append(cycles)
        self.tokens.append(tokens)
        self.logits.append(logits)

    def runs(self, logits: bool) -> "TokenStats":
        """The runs with logits (decode, a prompt's last token) or without (prompt tokens)."""
        keep = [i for i, lg in enumerate(self.logits) if lg == logits]
        return TokenStats([self.cycles[i] for i in keep], [self.tokens[i] for i in keep], [logits] * len(keep))

    @property
    def cycles_per_token(self) -> float:
        return sum(self.cycles) / sum(self.tokens) if self.cycles else 0.0

    def tok_per_s(self, clock_hz: float = CLOCK_HZ[0]) -> float:
        return clock_hz / self.cycles_per_token if self.cycles else 0.0


class ForwardRunner:
    """Runs the forward kernel on a device.

    Args:
        device: a :class:`~hlstransform.host.device.Device` whose kernel is ``forward``.
        weights: Q8_0 ``LlamaWeights`` (the caller quantizes fp32 checkpoints).
        kv: KV-cache format of the device's build, ``"fp32"`` or ``"int8"``.
        layers: decoder layers to run (default: all).
        image: the model image, if already built (default: built from *weights*).
        loaded: the image is already in device memory (a simulator's backdoor load): no DMA.
        onchip: the device's build keeps the weights on chip (forward's WEIGHT_BANKS >= 1): after
            the image is in memory, one load run copies them into its store (:attr:`load_cycles`).
    """

    def __init__(self, device: Device, weights, kv: str = "fp32", layers: int | None = None,
                 image: ForwardImage | None = None, loaded: bool = False, max_tokens: int = 1,
                 onchip: bool = False) -> None:
        if not 1 <= max_tokens <= PROMPT_TOKENS:
            raise DeviceError(f"max_tokens must be in 1..{PROMPT_TOKENS}, got {max_tokens}")
        self.max_tokens = max_tokens
        self.dev = device
        self.image = image if image is not None else ForwardImage.build(weights, kv=kv)
        self.config = weights.config
        self.layers = self.config.n_layers if layers is None else layers
        self.driver = KernelDriver(device, "forward")
        self.stats = TokenStats()
        self._logits_bytes = align_up(4 * self.config.vocab_size)
        if not loaded:
            for addr, data in self.image.regions:
                device.dma_write(addr, data)
        self.driver.enable_interrupt(True)
        self.onchip = onchip
        self.load_cycles = 0
        if onchip:
            self.load_weights()

    def load_weights(self) -> int:
        """The load run of an on-chip build: the weights of :attr:`layers` layers and the
        classifier from the image into the kernel's store (once; every token then reads none from
        DDR). Returns its cycles."""
        result = self.driver.run(TOKEN_TIMEOUT_CYCLES, check=False, desc=self.image.descriptor_addr, token=0, pos=0,
                                 layers=self.layers, skip_logits=0, tokens=0, prompt=0, load=1)
        if not result.ok:
            raise DeviceError(f"forward kernel: loading the weights on chip failed: STATUS {', '.join(result.errors)}"
                              + (" (the model does not fit the build's weight store)" if "CONFIG_ERROR" in result.errors
                                 else ""))
        self.load_cycles = result.cycles
        return result.cycles

    def forward(self, token: int, pos: int, logits: bool = True) -> np.ndarray | None:
        """Logits ``[vocab]`` fp32 of *token* at *pos* (the device writes KV slot *pos*). With
        *logits* False the kernel stops after the last decoder layer (skip_logits: no final
        RMSNorm, classifier or logits write) and this returns None."""
        return self._run(f"token {token} at position {pos}", 1, logits, token=token, pos=pos, tokens=0, prompt=0)

    def forward_batch(self, tokens: Sequence[int], pos: int, logits: bool = False) -> np.ndarray | None:
        """Run prompt *tokens* at positions pos, pos + 1, ... as one batch (the kernel's ``tokens``
        and ``prompt`` arguments: every weight fetch serves all of them; at most
        :attr:`max_tokens`, the device build's MAX_TOKENS). Their KV slots are written; with
        *logits* the last one's logits are returned, else None. Equal, bit for bit, to running them
        one after another with :meth:`forward`."""
        if not 1 <= len(tokens) <= self.max_tokens:
            raise DeviceError(f"a batch is 1 .. {self.max_tokens} tokens on this device, got {len(tokens)}")
        self.dev.dma_write(self.image.prompt_addr, ForwardImage.prompt_bytes(list(tokens)))
        return self._run(f"batch of {len(tokens)} at positions {pos}..{pos + len(tokens) - 1}", len(tokens), logits,
                         token=0, pos=pos, tokens=len(tokens), prompt=self.image.prompt_addr)

    def _run(self, what: str, count: int, logits: bool, **args: int) -> np.ndarray | None:
        result = self.driver.run(TOKEN_TIMEOUT_CYCLES, check=False, desc=self.image.descriptor_addr,
                                 layers=self.layers, skip_logits=int(not logits), load=0, **args)
        if not result.ok:
            raise DeviceError(f"forward kernel: {what} failed: STATUS {', '.join(result.errors)}")
        self.stats.add(result.cycles, count, logits)
        if not logits:
            return None
        raw = self.dev.dma_read(self.image.descriptor["logits"], self._logits_bytes)
        return np.frombuffer(raw, "<f4")[: self.config.vocab_size].astype(np.float32)
