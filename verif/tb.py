"""Testbench building blocks shared by every cocotb testbench.

- :class:`TbBase`: the clock, a synchronous active-high reset (:meth:`TbBase.cycle_reset`),
  a logger, and :meth:`TbBase.check_param`, which proves an RTL parameter reached the build.
  A testbench's ``TB`` class derives from it and adds its cocotbext-axi models by prefix,
  ``set_idle_generator()`` (pauses sources) and ``set_backpressure_generator()`` (pauses sinks).
- :func:`param`: an RTL parameter as the build saw it (``PARAM_<NAME>``, set by
  :mod:`hlstransform.verif.runner` and ``make sim``).
- :func:`beats`: bytes as 512-bit beats (streams without tkeep).
- :func:`cycle_pause` (paused 3 cycles of 4) and :func:`random_pause` (seeded, about half the
  cycles): pause patterns for cocotbext-axi models; ``PAUSE_OPTIONS`` lists them with None
  (never paused) for crossing in ``@cocotb.parametrize``.
- :class:`HandshakeMonitor`: watches one valid/ready channel, records the cycle of every
  transfer (for throughput and latency checks) and flags protocol violations (valid dropped
  or payload changed while stalled).

Nothing here may touch the simulator at import time: pytest imports the test modules to
collect their pytest entries.
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

# cocotbext-axi 0.1.28 predates cocotb 2 and calls APIs cocotb 2 deprecates, once per model:
# noise in every simulation log, not something a testbench can act on.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"cocotbext\.axi(\.|$)")

CLOCK_PERIOD_NS = 4
"""Default clock period, ns: 250 MHz, the VU9P shell's kernel clock target (DESIGN.md section 8)."""


def param(name: str, default: int | None = None) -> int:
    """Return RTL parameter *name* as built (``PARAM_<NAME>``), else *default*.

    Raises:
        KeyError: Not set and no default.
    """
    value = os.environ.get(f"PARAM_{name}", "").strip()
    if value:
        return int(value, 0)
    if default is None:
        raise KeyError(f"PARAM_{name} is not set and has no default")
    return default


def beats(data: bytes) -> list[int]:
    """Bytes, zero-padded to a multiple of 64 -> 512-bit beats, byte i of a beat at bits [8i +: 8]
    (a stream without tkeep, driven as one 512-bit "byte" per beat)."""
    data = data + bytes(-len(data) % 64)
    return [int.from_bytes(data[i:i + 64], "little") for i in range(0, len(data), 64)]


def cycle_pause() -> Iterator[int]:
    """Pause pattern for cocotbext-axi pause generators: paused 3 cycles of 4."""
    return itertools.cycle([1, 1, 1, 0])


def random_pause() -> Iterator[int]:
    """Pause pattern paused on about half the cycles at random, reproducible from the test's seed.

    Source and sink on the same fixed pattern can stay in step and never exercise a stall
    path (a skid register, a full FIFO); independent random pauses do.
    """
    rng = random.Random(random.getrandbits(64))
    while True:
        yield int(rng.random() < 0.5)


PAUSE_OPTIONS: tuple[Callable[[], Iterator[int]] | None, ...] = (None, cycle_pause, random_pause)
"""Values for ``@cocotb.parametrize(idle_inserter=..., backpressure_inserter=...)``: never paused,
paused 3 cycles of 4, paused at random."""


def set_stream_pauses(sources: Sequence[Any], sinks: Sequence[Any],
                      idle: Callable[[], Iterator[int]] | None = None,
                      backpressure: Callable[[], Iterator[int]] | None = None) -> None:
    """Pause cocotbext-axi stream *sources* with *idle* and *sinks* with *backpressure*.

    Each model gets its own generator from the pattern (None: never paused). Clearing a
    generator leaves the model's pause flag as it was, so the flag is released too: a run
    without pauses after one with them starts unpaused.
    """
    for models, pattern in ((sources, idle), (sinks, backpressure)):
        for model in models:
            model.clear_pause_generator()
            model.pause = False
            if pattern:
                model.set_pause_generator(pattern())


class TbBase:
    """Clock, reset and logging for a DUT with ``clk`` and active-high synchronous ``rst``.

    Args:
        dut: The cocotb top handle.
        clock: Name of the clock port.
        reset: Name of the reset port (active high, synchronous).
        period_ns: Clock period in ns.
    """

    def __init__(self, dut: Any, clock: str = "clk", reset: str = "rst", period_ns: float = CLOCK_PERIOD_NS) -> None:
        self.dut = dut
        self.log = logging.getLogger("cocotb.tb")
        self.log.setLevel(logging.DEBUG)
        self.clk = getattr(dut, clock)
        self.rst = getattr(dut, reset)
        self.period_ns = period_ns
        self.rst.value = 0
        Clock(self.clk, period_ns, unit="ns").start()
        self.log.info("TB: clock %s at %.1f MHz, reset %s; test seed %d", clock, 1e3 / period_ns, reset, cocotb.RANDOM_SEED)

    async def cycle_reset(self, cycles: int = 4) -> None:
        """Hold reset for *cycles* clock cycles, aligned to the clock, then release it."""
        await RisingEdge(self.clk)
        self.rst.value = 1
        await ClockCycles(self.clk, cycles)
        self.rst.value = 0
        await RisingEdge(self.clk)

    async def cycles(self, count: int) -> None:
        """Wait *count* rising clock edges."""
        await ClockCycles(self.clk, count)

    def check_param(self, name: str, actual: int) -> int:
        """Check RTL parameter *name* against the value observed in the DUT (e.g. a port width).

        When ``PARAM_<NAME>`` is set the two must agree (proves the build took the parameter);
        either way the observed value is returned and logged.
        """
        if os.environ.get(f"PARAM_{name}", "").strip():
            expected = param(name)
            assert actual == expected, f"DUT has {name}={actual}, but the build asked for {expected}"
        self.log.info("TB: %s = %d", name, actual)
        return actual


class HandshakeMonitor:
    """Records every transfer on a valid/ready channel and checks the handshake rules.

    A transfer happens on a rising edge where ``valid`` and ``ready`` are both high. While
    ``valid`` is high and ``ready`` low the source must hold ``valid`` and every payload
    signal steady (AXI4 and AXI4-Stream rule); each breach is kept in :attr:`violations`.

    Args:
        clk: Clock handle.
        valid: The channel's valid signal.
        ready: The channel's ready signal.
        payload: Signals that must stay stable while stalled (data, last, ...).
        name: Label for logs.
        reset: Active-high reset; nothing is checked while it is high.
    """

    def __init__(self, clk: Any, valid: Any, ready: Any, payload: Sequence[Any] = (), name: str = "channel", reset: Any = None) -> None:
        self.clk, self.valid, self.ready, self.reset = clk, valid, ready, reset
        self.payload = list(payload)
        self.name = name
        self.log = logging.getLogger(f"cocotb.tb.monitor.{name}")
        self.transfer_cycles: list[int] = []
        self.violations: list[str] = []
        self.cycle = 0
        self._task = cocotb.start_soon(self._run())

    def clear(self) -> None:
        """Forget the transfers recorded so far (violations are kept)."""
        self.transfer_cycles.clear()

    def stop(self) -> None:
        """Stop monitoring."""
        self._task.cancel()

    @property
    def count(self) -> int:
        """Number of transfers recorded."""
        return len(self.transfer_cycles)

    def span(self) -> int:
        """Cycles from the first to the last recorded transfer, both included (0 when none)."""
        if not self.transfer_cycles:
            return 0
        return self.transfer_cycles[-1] - self.transfer_cycles[0] + 1

    async def _run(self) -> None:
        stalled: tuple[Any, ...] | None = None
        while True:
            await RisingEdge(self.clk)
            self.cycle += 1
            if self.reset is not None and self.reset.value:
                stalled = None
                continue
            valid, ready = bool(self.valid.value), bool(self.ready.value)
            payload = tuple(str(sig.value) for sig in self.payload)
            if stalled is not None:
                if not valid:
                    self._violation(f"cycle {self.cycle}: valid dropped before the transfer")
                elif payload != stalled:
                    self._violation(f"cycle {self.cycle}: payload changed while stalled: {stalled} -> {payload}")
            if valid and ready:
                self.transfer_cycles.append(self.cycle)
            stalled = payload if valid and not ready else None

    def _violation(self, text: str) -> None:
        self.violations.append(text)
        self.log.error("%s: %s", self.name, text)
