"""The host's view of an accelerator: a device abstraction and a kernel driver on top of it.

Every hardware backend (``sim``: the Verilated RTL under cocotb, ``xrt``: a real board) is a
:class:`Device`: 32-bit register reads and writes on the kernel's ``s_axi_control``, DMA to and
from device memory, and waiting for the ``interrupt`` line. :class:`KernelDriver` is the one
piece of host code that runs a kernel on any device, by the register map of
``rtl/regmap.toml`` (``host/regmap.py``): arguments by name, start, completion by interrupt
or by polling AP_CTRL.DONE, STATUS and CYCLES afterwards. The forward kernel's runner and the
system tests use it, so what the tests exercise is what a user runs.

Example::

    with SimDevice("residual") as dev:              # hlstransform.verif.sim_device
        drv = KernelDriver(dev, "residual")
        dev.dma_write(0x1000, x_bytes)
        dev.dma_write(0x2000, y_bytes)
        result = drv.run(x=0x1000, y=0x2000, out=0x3000, n=64, timeout_cycles=100_000)
        out = dev.dma_read(0x3000, 256)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from .regmap import Kernel, RegMap, load_regmap

WORD_BYTES = 4


class DeviceError(RuntimeError):
    """A device operation failed: a run reported errors, timed out, or the device went away.
    The message is one line meant for the user."""


class Device(ABC):
    """One accelerator: a kernel's control registers, device memory and its interrupt."""

    name = "device"

    @abstractmethod
    def read_reg(self, offset: int) -> int:
        """Read the 32-bit control register at byte *offset*."""

    @abstractmethod
    def write_reg(self, offset: int, value: int) -> None:
        """Write the 32-bit control register at byte *offset*."""

    @abstractmethod
    def dma_write(self, addr: int, data: bytes) -> None:
        """Copy *data* into device memory at *addr*."""

    @abstractmethod
    def dma_read(self, addr: int, length: int) -> bytes:
        """Copy *length* bytes of device memory at *addr* to the host."""

    @abstractmethod
    def wait_interrupt(self, timeout_cycles: int) -> bool:
        """Wait until the interrupt line is high or *timeout_cycles* kernel cycles pass;
        return whether it is high."""

    @abstractmethod
    def idle(self, cycles: int) -> None:
        """Let *cycles* kernel clock cycles pass (a polling interval)."""

    @abstractmethod
    def cycles(self) -> int:
        """Kernel clock cycles since the device came up (simulated time, or a cycle counter)."""

    def close(self) -> None:
        """Release the device."""

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class RunResult:
    """The outcome of one kernel run.

    Attributes:
        status: the STATUS register; errors: names of its set bits (regmap names);
        cycles: the CYCLES register (core start to done); waited: host-observed cycles.
    """

    status: int
    errors: tuple[str, ...]
    cycles: int
    waited: int

    @property
    def ok(self) -> bool:
        return self.status == 0


class KernelDriver:
    """Runs one kernel of the register map on a :class:`Device`.

    Args:
        device: where the kernel is.
        kernel: its name in ``rtl/regmap.toml``.
        regmap: the register map (default: the repository's).
    """

    def __init__(self, device: Device, kernel: str, regmap: RegMap | None = None) -> None:
        self.dev = device
        self.rm = regmap or load_regmap()
        self.kernel: Kernel = self.rm.kernel(kernel)
        self._interrupts_on = False

    # -------------------------------------------------------------- registers by name

    def reg(self, name: str) -> int:
        return self.dev.read_reg(self.rm.reg(name).offset)

    def set_reg(self, name: str, value: int) -> None:
        self.dev.write_reg(self.rm.reg(name).offset, value)

    def bit(self, reg: str, bit: str) -> int:
        return self.rm.bit(reg, bit)

    def kernel_id(self) -> int:
        return self.reg("KERNEL_ID")

    def perf(self) -> dict[str, int]:
        """The kernel's performance counters of the last run, by name (rtl/regmap.toml ``perf``)."""
        return {c.name: self.dev.read_reg(c.offset) for c in self.kernel.perf}

    def write_args(self, args: Mapping[str, int]) -> None:
        """Write arguments by name: a ``ptr`` as lo and hi words, a ``u32`` as one word.

        Raises:
            DeviceError: an unknown name, a missing argument, or a value that does not fit.
        """
        names = {a.name for a in self.kernel.args}
        unknown = sorted(set(args) - names)
        missing = sorted(names - set(args))
        if unknown or missing:
            raise DeviceError(f"{self.kernel.name}: "
                              + "; ".join(filter(None, [unknown and f"unknown arguments {unknown}",
                                                        missing and f"missing arguments {missing}"])))
        for arg in self.kernel.args:
            value = int(args[arg.name])
            bits = 64 if arg.type == "ptr" else 32
            if not 0 <= value < 1 << bits:
                raise DeviceError(f"{self.kernel.name}: argument {arg.name}={value} does not fit {bits} bits")
            self.dev.write_reg(arg.offset, value & 0xFFFF_FFFF)
            if arg.type == "ptr":
                self.dev.write_reg(arg.offset + WORD_BYTES, value >> 32)

    # -------------------------------------------------------------- runs

    def enable_interrupt(self, on: bool = True) -> None:
        """IER.DONE and GIE (interrupt on completion) on or off."""
        self.set_reg("IER", self.bit("IER", "DONE") if on else 0)
        self.set_reg("GIE", self.bit("GIE", "ENABLE") if on else 0)
        self._interrupts_on = on

    def start(self, args: Mapping[str, int] | None = None) -> None:
        if args is not None:
            self.write_args(args)
        self.set_reg("AP_CTRL", self.bit("AP_CTRL", "START"))

    def wait(self, timeout_cycles: int, poll_cycles: int = 64) -> RunResult:
        """Wait for the run to finish (the interrupt if enabled, else polling AP_CTRL.DONE),
        then read STATUS and CYCLES.

        Raises:
            DeviceError: not done within *timeout_cycles*.
        """
        t0 = self.dev.cycles()
        done = self.bit("AP_CTRL", "DONE")
        if self._interrupts_on:
            if not self.dev.wait_interrupt(timeout_cycles):
                raise DeviceError(f"{self.kernel.name}: no interrupt within {timeout_cycles} cycles")
            isr = self.reg("ISR")
            if isr:
                self.set_reg("ISR", isr)  # toggle-on-write: clears the set bits
            self.reg("AP_CTRL")           # consume DONE (clear-on-read)
        else:
            while not self.reg("AP_CTRL") & done:
                if self.dev.cycles() - t0 >= timeout_cycles:
                    raise DeviceError(f"{self.kernel.name}: not done within {timeout_cycles} cycles")
                self.dev.idle(poll_cycles)
        status = self.reg("STATUS")
        errors = tuple(b.name for b in self.rm.reg("STATUS").bits if status & b.mask)
        return RunResult(status, errors, self.reg("CYCLES"), self.dev.cycles() - t0)

    def run(self, timeout_cycles: int, check: bool = True, **args: int) -> RunResult:
        """Write *args*, start, wait; with *check*, a STATUS error raises :class:`DeviceError`."""
        self.start(args)
        result = self.wait(timeout_cycles)
        if check and not result.ok:
            raise DeviceError(f"{self.kernel.name}: run failed: STATUS {', '.join(result.errors)}")
        return result
