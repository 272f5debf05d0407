"""Backends: what turns (token, position) into logits.

Every backend takes the same checkpoint, precision (``quant``) and KV-cache format (``kv``,
default fp32 everywhere) and exposes ``reset()`` and ``forward(token, pos, logits=True)``. ``numerics`` is the
bit-exact hardware numerics model (Q8_0 only, as the hardware); ``sim`` runs the forward
kernel's RTL under Verilator through the host program of ``host/forward.py`` (the same code a
board runs); ``xrt`` (a board) is a later issue.
"""

from __future__ import annotations

import sys
from typing import Callable, Protocol

import torch

from hlstransform.model.errors import ModelError
from hlstransform.model.golden import Transformer, default_group_size
from hlstransform.model.hwmodel import HwTransformer
from hlstransform.model.weights import LlamaWeights


class Backend(Protocol):
    name: str
    quants: tuple[str, ...]     # precisions it computes; the first is its default for other checkpoints

    def reset(self) -> None:
        """Start a new sequence at position 0."""

    def forward(self, token: int, pos: int, logits: bool = True) -> torch.Tensor | None:
        """Logits [vocab] (fp32) of ``token`` at ``pos``; with ``logits`` False (a prompt token
        whose logits nobody reads) only the KV cache is advanced and the result is None: the
        hardware then skips the final RMSNorm, the classifier and the logits write."""

    # Optional (host/generate.py uses them when max_tokens > 1): ``max_tokens``, the prompt
    # tokens one run may batch, and ``forward_batch(tokens, pos, logits=False)``, which runs them
    # at pos, pos + 1, ... as one batch (the last one's logits, or None).


class GoldenBackend:
    """The PyTorch golden reference (llama2.c run.c / runq.c)."""

    name = "golden"
    quants = ("fp32", "q8")

    def __init__(self, weights: LlamaWeights, quant: str, kv: str):
        self.model = Transformer(weights, quant=quant, kv=kv)

    def reset(self) -> None:
        self.model.reset()

    def forward(self, token: int, pos: int, logits: bool = True) -> torch.Tensor | None:
        out = self.model.forward(token, pos)  # the reference always computes them
        return out if logits else None


class NumericsBackend:
    """The whole-model hardware numerics model (``model/hwmodel.py``): what the RTL must match bit
    for bit. Q8_0 only; an fp32 checkpoint with ``--quant q8`` is quantized at load."""

    name = "numerics"
    quants = ("q8",)

    def __init__(self, weights: LlamaWeights, quant: str, kv: str):
        if quant != "q8":
            raise ModelError(f"the numerics backend computes Q8_0 only, as the hardware does "
                             f"(got --quant {quant}): use --quant q8 (an fp32 checkpoint is then quantized at load)")
        self.model = HwTransformer(weights, kv=kv)

    def reset(self) -> None:
        self.model.reset()

    def forward(self, token: int, pos: int, logits: bool = True) -> torch.Tensor | None:
        out = self.model.forward(token, pos)
        return out if logits else None


class SimBackend:
    """The forward kernel's RTL, Verilated, driven by the host program (``host/forward.py``)
    through :class:`hlstransform.verif.sim_device.SimDevice`: bit-exact with ``numerics``.
    The simulator is built on first use (cached in ``sim_build/``) and started once per run."""

    name = "sim"
    quants = ("q8",)

    def __init__(self, weights: LlamaWeights, quant: str, kv: str, onchip: int = 0):
        if quant != "q8":
            raise ModelError(f"the sim backend computes Q8_0 only, as the hardware does (got --quant {quant})")
        from hlstransform.host.forward import ForwardRunner
        from hlstransform.verif.sim_device import SimDevice

        gs = weights.group_size or default_group_size(weights.config)
        w = weights if weights.group_size else weights.quantized(gs)
        params = sim_parameters(weights.config, kv)
        if onchip:
            # The on-chip build is the model's own (its maxima and store sized for it).
            params.update(onchip_parameters(weights.config, gs, onchip))
        print(f"[sim] starting the simulated card ({SIM_TOP}, {kv} KV cache"
              + (f", weights on chip: {onchip} banks a channel, {4 * onchip} engines" if onchip else "")
              + "): Verilator builds it on first use (a few minutes, cached in sim_build/)", file=sys.stderr, flush=True)
        self.device = SimDevice(SIM_TOP, params)
        try:
            self.runner = ForwardRunner(self.device, w, kv=kv, max_tokens=params.get("MAX_TOKENS", 1),
                                        onchip=bool(onchip))
        except BaseException:
            self.device.close()
            raise

    @property
    def stats(self):
        return self.runner.stats

    def reset(self) -> None:
        """A new sequence: positions restart at 0 and overwrite the device's KV slots."""

    def forward(self, token: int, pos: int, logits: bool = True) -> torch.Tensor | None:
        out = self.runner.forward(token, pos, logits=logits)
        return None if out is None else torch.from_numpy(out)

    @property
    def max_tokens(self) -> int:
        """Prompt tokens one kernel run may batch (the build's MAX_TOKENS)."""
        return self.runner.max_tokens

    def forward_batch(self, tokens: list[int], pos: int, logits: bool = False) -> torch.Tensor | None:
        out = self.runner.forward_batch(tokens, pos, logits=logits)
        return None if out is None else torch.from_numpy(out)

    def close(self) -> None:
        self.device.close()


SIM_TOP = "vu9p_sim"
"""The simulated card (rtl/sim/vu9p_sim.sv): the VU9P shell around the forward kernel with a
fast DDR model on each channel; the host reaches it only through the shell's control, DMA and
interrupt ports."""


def sim_parameters(config, kv: str) -> dict[str, int]:
    """RTL parameters of the forward build the sim backend uses for a model: the KV format
    (the other maxima stay at their defaults, which cover stories110M)."""
    return {"KV_INT8": int(kv == "int8")}


ONCHIP_BANKS = (1, 2, 4, 8)
"""Banks a channel of an on-chip build's weight store may have (rtl/forward/forward.sv WEIGHT_BANKS
>= 1; 0 is the DDR build)."""


def check_onchip_banks(banks: int, *, ddr: bool = True) -> None:
    """ModelError unless *banks* is one of :data:`ONCHIP_BANKS`, or 0 (weights from DDR) where *ddr*
    allows the DDR build."""
    allowed = ((0,) if ddr else ()) + ONCHIP_BANKS
    if banks not in allowed:
        raise ModelError(f"--onchip must be one of {', '.join(map(str, allowed))} banks a channel"
                         + (" (0: weights from DDR)" if ddr else "") + f", got {banks}")


def onchip_parameters(config, group_size: int, banks: int) -> dict[str, int]:
    """RTL parameters of a forward build that keeps a model's weights on chip: its maxima are
    the model's shape (the build is the model's: its weight store is sized for it,
    host/image.py weight_store_depth), *banks* banks a channel (4 *banks* engines).

    Raises:
        ModelError: *banks* is not one of :data:`ONCHIP_BANKS`.
    """
    from .image import weight_store_depth

    check_onchip_banks(banks, ddr=False)
    c = config
    return {"MAX_DIM": c.dim, "MAX_HIDDEN": c.hidden_dim, "MAX_HEADS": c.n_heads, "MAX_KV_HEADS": c.n_kv_heads,
            "MAX_HEAD_SIZE": c.head_size, "MAX_VOCAB": c.vocab_size, "MAX_SEQ_LEN": c.seq_len,
            "MAX_LAYERS": c.n_layers, "WEIGHT_BANKS": banks,
            "WEIGHT_DEPTH": weight_store_depth(c, group_size, banks)}


BACKENDS: dict[str, Callable[..., Backend]] = {
    "golden": GoldenBackend,
    "numerics": NumericsBackend,
    "sim": SimBackend,
}


def backend_class(name: str):
    try:
        return BACKENDS[name]
    except KeyError:
        raise ModelError(f"unknown backend '{name}' (available: {', '.join(BACKENDS)})") from None


def default_quant(name: str, weights: LlamaWeights) -> str:
    """--quant default: the checkpoint's own precision when the backend computes it, else the
    backend's own (the hardware backends compute Q8_0 only: an fp32 file is quantized at load)."""
    own = "q8" if weights.group_size else "fp32"
    quants = backend_class(name).quants
    return own if own in quants else quants[0]


def open_backend(name: str, weights: LlamaWeights, quant: str | None = None, kv: str = "fp32",
                 onchip: int = 0) -> Backend:
    """Build backend ``name`` for these weights (``quant`` None: ``default_quant``; ``onchip`` > 0:
    the sim backend's card keeps the weights on chip, that many banks a channel); ModelError for
    an unknown name, a bank count the store lacks, or ``onchip`` on a backend without a card."""
    factory = backend_class(name)
    check_onchip_banks(onchip)
    if onchip:
        if name != "sim":
            raise ModelError(f"--onchip needs --backend sim (the simulated card), not {name}")
        return factory(weights, quant or default_quant(name, weights), kv, onchip=onchip)
    return factory(weights, quant or default_quant(name, weights), kv)


def close_backend(backend: Backend) -> None:
    """Release what a backend holds (the simulator of ``sim``); a no-op for the software ones."""
    close = getattr(backend, "close", None)
    if close is not None:
        close()


def sequence_logits(backend: Backend, tokens: list[int]) -> torch.Tensor:
    """Logits [len(tokens), vocab] of a sequence from position 0."""
    backend.reset()
    return torch.stack([backend.forward(t, pos) for pos, t in enumerate(tokens)])
