"""Host-side driver for a kernel's control block (``s_axi_control``, ``rtl/common/kernel_control.sv``).

Every kernel testbench drives its kernel through :class:`KernelControl`, by register and
argument name: offsets and bits come from ``rtl/regmap.toml`` through
:func:`hlstransform.host.regmap.load_regmap`, never from a literal here or in a test.

Usage, in a cocotb test::

    ctrl = KernelControl.from_dut(dut, kernel="matmul")        # AxiLiteMaster on s_axi_control
    await ctrl.enable_interrupts(done=True)
    await ctrl.start({"w": w_addr, "x": x_addr, "out": out_addr, "rows": 64, "cols": 256, "group_size": 32})
    await ctrl.wait_interrupt(timeout_cycles=100_000)
    await ctrl.clear_interrupts()
    result = await ctrl.read_status()                          # RunStatus(status, errors, cycles)
    assert result.ok, result

    result = await ctrl.run(args, timeout_cycles=100_000)      # start + wait_done (polling) + read_status

Arguments are given by name (the kernel's arguments in the regmap: a ``ptr`` fills its lo and
hi words, a ``u32`` its lo word) or by argument word index (int keys, word *i* at the argument
base + 4 * *i*), the latter for the generic control-block testbench.

:func:`kernel_control_params` gives the ``kernel_control`` RTL parameters (``ARG_WORDS``,
``ARG_WORD_MASK``, ``KERNEL_ID``) that a kernel's regmap entry implies.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cocotb.triggers import ClockCycles, RisingEdge
from cocotb.simtime import get_sim_time
from cocotbext.axi import AxiLiteBus, AxiLiteMaster, AxiResp

from hlstransform.host.regmap import Kernel, RegMap, load_regmap

WORD_BYTES = 4
"""s_axi_control is 32 bits wide."""

INTERRUPT_SOURCES: tuple[str, ...] = ("DONE", "READY")
"""ISR/IER bit names, as in the regmap."""


class KernelTimeout(TimeoutError):
    """A run or an interrupt did not come within the allowed cycles."""


class ControlAccessError(RuntimeError):
    """An s_axi_control access returned a response other than OKAY."""


def arg_base(regmap: RegMap | None = None) -> int:
    """Return the byte offset of argument word 0 (the regmap's ``arg_base``)."""
    return (regmap or load_regmap()).arg_base


def kernel_arg_words(kernel: Kernel, regmap: RegMap | None = None) -> dict[str, tuple[int, ...]]:
    """Return each argument's word indexes: ``(lo, hi)`` for a ``ptr``, ``(lo,)`` for a ``u32``."""
    base = arg_base(regmap)
    words = {}
    for arg in kernel.args:
        lo = (arg.offset - base) // WORD_BYTES
        words[arg.name] = (lo, lo + 1) if arg.type == "ptr" else (lo,)
    return words


def kernel_control_params(kernel: str | Kernel, regmap: RegMap | None = None) -> dict[str, int]:
    """Return the ``kernel_control`` parameters a regmap kernel implies (``Kernel.arg_words``)."""
    rm = regmap or load_regmap()
    k = rm.kernel(kernel) if isinstance(kernel, str) else kernel
    words, mask = k.arg_words(rm.arg_stride)
    return {"ARG_WORDS": words, "ARG_WORD_MASK": mask, "KERNEL_ID": k.id, "PERF_WORDS": len(k.perf)}


@dataclass(frozen=True)
class RunStatus:
    """What the control block says about the last run.

    Attributes:
        status: The STATUS register.
        errors: Names of the STATUS bits set (regmap names, e.g. ``"AXI_READ_ERROR"``).
        cycles: The CYCLES register: clock cycles from core_start to core_done.
    """

    status: int
    errors: tuple[str, ...]
    cycles: int

    @property
    def ok(self) -> bool:
        """No error bit set."""
        return self.status == 0


class KernelControl:
    """Drives a kernel through its s_axi_control block, by register name.

    Args:
        master: AxiLiteMaster (or any cocotbext-axi Region) on ``s_axi_control``.
        clk: Kernel clock; timeouts count its rising edges.
        interrupt: The kernel's ``interrupt`` output, for :meth:`wait_interrupt`.
        kernel: Regmap kernel (name or entry) whose argument names :meth:`start` accepts.
        regmap: Register map; default :func:`load_regmap`.

    Methods: :meth:`read_reg`/:meth:`write_reg` (by name), :meth:`write_args`,
    :meth:`start`, :meth:`wait_done` (polls AP_CTRL), :meth:`run`, :meth:`read_status`,
    :meth:`enable_interrupts`, :meth:`disable_interrupts`, :meth:`clear_interrupts`,
    :meth:`wait_interrupt`, :meth:`read_kernel_id`.
    """

    def __init__(
        self,
        master: Any,
        clk: Any,
        interrupt: Any = None,
        kernel: str | Kernel | None = None,
        regmap: RegMap | None = None,
    ) -> None:
        self.master = master
        self.clk = clk
        self.interrupt = interrupt
        self.rm = regmap or load_regmap()
        self.kernel = self.rm.kernel(kernel) if isinstance(kernel, str) else kernel
        self.arg_base = arg_base(self.rm)
        self._arg_words = kernel_arg_words(self.kernel, self.rm) if self.kernel else {}
        self.log = logging.getLogger("cocotb.tb.regs")
        self._period_steps: int | None = None
        self.log.info("KernelControl: kernel %s, argument base 0x%02x, interrupt %s",
                      self.kernel.name if self.kernel else "(generic)", self.arg_base,
                      "connected" if interrupt is not None else "not connected")

    @classmethod
    def from_dut(
        cls,
        dut: Any,
        prefix: str = "s_axi_control",
        clk: str = "clk",
        rst: str = "rst",
        interrupt: str | None = "interrupt",
        kernel: str | Kernel | None = None,
        regmap: RegMap | None = None,
    ) -> KernelControl:
        """Build the AxiLiteMaster on *prefix* of *dut* and a driver around it."""
        clock, reset = getattr(dut, clk), getattr(dut, rst)
        master = AxiLiteMaster(AxiLiteBus.from_prefix(dut, prefix), clock, reset)
        irq = getattr(dut, interrupt) if interrupt else None
        return cls(master, clock, irq, kernel, regmap)

    async def now_cycles(self) -> float:
        """Simulation time in clock periods (the period is measured on the first call, costing two cycles).

        Timeouts count this rather than edges: no coroutine has to wake on every edge.
        """
        if self._period_steps is None:
            await RisingEdge(self.clk)
            first = get_sim_time("step")
            await RisingEdge(self.clk)
            self._period_steps = get_sim_time("step") - first
        return get_sim_time("step") / self._period_steps

    # ------------------------------------------------------------------ registers

    def offset(self, name: str) -> int:
        """Byte offset of register *name*."""
        return self.rm.reg(name).offset

    def bit(self, reg: str, bit: str) -> int:
        """Mask of *bit* in register *reg*."""
        return self.rm.bit(reg, bit)

    def arg_offset(self, word: int) -> int:
        """Byte offset of argument word *word*."""
        return self.arg_base + WORD_BYTES * word

    async def read_word(self, offset: int) -> int:
        """Read the 32-bit word at byte *offset*; raise unless the response is OKAY."""
        resp = await self.master.read(offset, WORD_BYTES)
        if resp.resp != AxiResp.OKAY:
            raise ControlAccessError(f"read of 0x{offset:02x} returned {resp.resp!r}")
        return int.from_bytes(resp.data, "little")

    async def write_word(self, offset: int, value: int) -> None:
        """Write the 32-bit *value* at byte *offset*; raise unless the response is OKAY."""
        resp = await self.master.write(offset, (value & 0xFFFF_FFFF).to_bytes(WORD_BYTES, "little"))
        if resp.resp != AxiResp.OKAY:
            raise ControlAccessError(f"write of 0x{offset:02x} returned {resp.resp!r}")

    async def read_reg(self, name: str) -> int:
        """Read register *name* (AP_CTRL reads clear DONE and READY)."""
        return await self.read_word(self.offset(name))

    async def write_reg(self, name: str, value: int) -> None:
        """Write register *name*."""
        await self.write_word(self.offset(name), value)

    async def read_kernel_id(self) -> int:
        """Read KERNEL_ID."""
        return await self.read_reg("KERNEL_ID")

    # ------------------------------------------------------------------ arguments and runs

    def arg_words(self, args: Mapping[str | int, int]) -> dict[int, int]:
        """Map arguments to ``{word index: 32-bit value}``.

        Names are the kernel's arguments (a ``ptr`` splits into lo and hi words, a ``u32`` must
        fit 32 bits); int keys are word indexes.
        """
        words: dict[int, int] = {}
        for key, value in args.items():
            if isinstance(key, int):
                words[key] = value & 0xFFFF_FFFF
                continue
            if key not in self._arg_words:
                known = ", ".join(self._arg_words) or "none (no kernel given)"
                raise KeyError(f"unknown argument {key!r}; known: {known}")
            slots = self._arg_words[key]
            if value < 0 or value >> (32 * len(slots)):
                raise ValueError(f"argument {key}={value:#x} does not fit {32 * len(slots)} bits")
            for i, word in enumerate(slots):
                words[word] = (value >> (32 * i)) & 0xFFFF_FFFF
        return words

    async def write_args(self, args: Mapping[str | int, int]) -> None:
        """Write arguments (see :meth:`arg_words`), lowest word first."""
        for word, value in sorted(self.arg_words(args).items()):
            await self.write_word(self.arg_offset(word), value)

    async def start(self, args: Mapping[str | int, int] | None = None, auto_restart: bool = False) -> None:
        """Write *args* (if any), then AP_CTRL.START (and AUTO_RESTART as given: writing AP_CTRL sets both)."""
        if args:
            await self.write_args(args)
        value = self.bit("AP_CTRL", "START")
        if auto_restart:
            value |= self.bit("AP_CTRL", "AUTO_RESTART")
        await self.write_reg("AP_CTRL", value)

    async def wait_done(self, timeout_cycles: int, poll_cycles: int = 0) -> int:
        """Poll AP_CTRL until DONE is set; return that AP_CTRL value.

        DONE clears on read, so this consumes it. Args:
            timeout_cycles: Give up (raise :class:`KernelTimeout`) after this many clock cycles.
            poll_cycles: Idle cycles between two reads.
        """
        done = self.bit("AP_CTRL", "DONE")
        deadline = await self.now_cycles() + timeout_cycles
        while True:
            value = await self.read_reg("AP_CTRL")
            if value & done:
                return value
            if await self.now_cycles() >= deadline:
                raise KernelTimeout(f"AP_CTRL.DONE not set within {timeout_cycles} cycles (AP_CTRL=0x{value:02x})")
            if poll_cycles:
                await ClockCycles(self.clk, poll_cycles)

    async def read_status(self) -> RunStatus:
        """Read STATUS and CYCLES of the last run."""
        status = await self.read_reg("STATUS")
        cycles = await self.read_reg("CYCLES")
        errors = tuple(b.name for b in self.rm.reg("STATUS").bits if status & b.mask)
        return RunStatus(status, errors, cycles)

    async def run(self, args: Mapping[str | int, int] | None, timeout_cycles: int, poll_cycles: int = 0) -> RunStatus:
        """Start a run with *args*, poll until it is done, and return its status."""
        await self.start(args)
        await self.wait_done(timeout_cycles, poll_cycles)
        return await self.read_status()

    # ------------------------------------------------------------------ interrupts

    def _isr_mask(self, reg: str, sources: Iterable[str]) -> int:
        return sum(self.bit(reg, s) for s in sources)

    async def enable_interrupts(self, done: bool = True, ready: bool = False, global_enable: bool = True) -> None:
        """Write IER (the sources asked for) and GIE."""
        sources = [s for s, on in (("DONE", done), ("READY", ready)) if on]
        await self.write_reg("IER", self._isr_mask("IER", sources))
        await self.write_reg("GIE", self.bit("GIE", "ENABLE") if global_enable else 0)

    async def disable_interrupts(self) -> None:
        """Clear GIE and IER."""
        await self.write_reg("GIE", 0)
        await self.write_reg("IER", 0)

    async def clear_interrupts(self, sources: Iterable[str] = INTERRUPT_SOURCES) -> int:
        """Clear the set ISR bits among *sources* (ISR toggles on write: only set bits are written).

        Returns:
            The ISR bits that were set and are now cleared.
        """
        isr = await self.read_reg("ISR")
        clear = isr & self._isr_mask("ISR", sources)
        if clear:
            await self.write_reg("ISR", clear)
        return clear

    async def wait_interrupt(self, timeout_cycles: int) -> int:
        """Wait until ``interrupt`` is high; return the cycles waited.

        Raises:
            KernelTimeout: Not within *timeout_cycles*.
        """
        if self.interrupt is None:
            raise RuntimeError("KernelControl was built without the interrupt signal")
        for waited in range(timeout_cycles + 1):
            if self.interrupt.value:
                return waited
            await RisingEdge(self.clk)
        raise KernelTimeout(f"interrupt not raised within {timeout_cycles} cycles")
