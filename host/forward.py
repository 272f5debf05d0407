"""The host program of the forward kernel: one model image, one token per kernel run.

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

from dataclasses import dataclass, field

import numpy as np

from .device import Device, DeviceError, KernelDriver
from .image import ForwardImage, align_up

CLOCK_HZ = (250e6, 200e6)
"""The clocks tok/s is modelled at: F1's clk_main_a0 maximum and a conservative one."""

TOKEN_TIMEOUT_CYCLES = 50_000_000
"""A token that takes longer than this (200 ms at 250 MHz) is treated as a hung device."""


@dataclass
class TokenStats:
    """Kernel cycles of every token run so far (the CYCLES register)."""

    cycles: list[int] = field(default_factory=list)

    @property
    def cycles_per_token(self) -> float:
        return float(np.mean(self.cycles)) if self.cycles else 0.0

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
    """

    def __init__(self, device: Device, weights, kv: str = "fp32", layers: int | None = None,
                 image: ForwardImage | None = None, loaded: bool = False) -> None:
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

    def forward(self, token: int, pos: int, logits: bool = True) -> np.ndarray | None:
        """Logits ``[vocab]`` fp32 of *token* at *pos* (the device writes KV slot *pos*). With
        *logits* False the kernel stops after the last decoder layer (skip_logits: no final
        RMSNorm, classifier or logits write) and this returns None."""
        result = self.driver.run(TOKEN_TIMEOUT_CYCLES, check=False, desc=self.image.descriptor_addr,
                                 token=token, pos=pos, layers=self.layers, skip_logits=int(not logits))
        if not result.ok:
            raise DeviceError(f"forward kernel: token {token} at position {pos} failed: "
                              f"STATUS {', '.join(result.errors)}")
        self.stats.cycles.append(result.cycles)
        if not logits:
            return None
        raw = self.dev.dma_read(self.image.descriptor["logits"], self._logits_bytes)
        return np.frombuffer(raw, "<f4")[: self.config.vocab_size].astype(np.float32)
