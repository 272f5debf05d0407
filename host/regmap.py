"""The kernel control register map, loaded from ``rtl/regmap.toml`` (its one definition).

The host driver, the testbenches and the generators of the RTL constants package and of
``docs/regmap.md`` all read offsets from here; nothing else spells an offset.

Usage::

    rm = load_regmap()
    rm.reg("AP_CTRL").offset, rm.bit("AP_CTRL", "DONE")   # 0x00, 1 << 1
    rm.kernel("matmul").arg("rows").offset                  # 0x28
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .paths import REPO_ROOT

REGMAP_PATH = REPO_ROOT / "rtl" / "regmap.toml"
ARG_TYPES = ("ptr", "u32")


@dataclass(frozen=True)
class Bit:
    name: str
    bit: int
    access: str     # rw | ro | cor (clear on read) | tow (toggle on write)
    doc: str

    @property
    def mask(self) -> int:
        return 1 << self.bit


@dataclass(frozen=True)
class Register:
    name: str
    offset: int
    doc: str
    bits: tuple[Bit, ...] = ()


@dataclass(frozen=True)
class Arg:
    name: str
    type: str       # ptr (64-bit, two words) | u32
    offset: int
    doc: str


@dataclass(frozen=True)
class PerfCounter:
    name: str
    offset: int
    doc: str


@dataclass(frozen=True)
class Kernel:
    name: str
    id: int
    doc: str
    args: tuple[Arg, ...]
    perf: tuple[PerfCounter, ...] = ()

    def arg_words(self, stride: int = 8) -> tuple[int, int]:
        """(32-bit argument words up to the last one that carries bits, mask of those words).

        A ptr fills both words of its slot; a u32 only the low one (its high word reads zero).
        """
        mask = 0
        for i, a in enumerate(self.args):
            mask |= (0b11 if a.type == "ptr" else 0b01) << (i * stride // 4)
        return mask.bit_length(), mask

    def arg(self, name: str) -> Arg:
        for a in self.args:
            if a.name == name:
                return a
        raise KeyError(f"kernel {self.name} has no argument '{name}'")

    def counter(self, name: str) -> PerfCounter:
        for c in self.perf:
            if c.name == name:
                return c
        raise KeyError(f"kernel {self.name} has no performance counter '{name}'")


@dataclass(frozen=True)
class RegMap:
    addr_width: int
    registers: tuple[Register, ...]
    kernels: tuple[Kernel, ...]
    arg_base: int = 0x10        # byte offset of argument word 0
    arg_stride: int = 8         # bytes per argument slot
    perf_base: int = 0x90       # byte offset of performance counter 0 (counter i at + 4 i)

    def reg(self, name: str) -> Register:
        for r in self.registers:
            if r.name == name:
                return r
        raise KeyError(f"no register '{name}'")

    def bit(self, reg: str, bit: str) -> int:
        """Mask of ``bit`` in register ``reg``."""
        for b in self.reg(reg).bits:
            if b.name == bit:
                return b.mask
        raise KeyError(f"register {reg} has no bit '{bit}'")

    def kernel(self, name: str) -> Kernel:
        for k in self.kernels:
            if k.name == name:
                return k
        raise KeyError(f"no kernel '{name}'")


def parse_regmap(text: str, source: str = "regmap.toml") -> RegMap:
    """Parse and check the map: unique offsets, arguments within the argument window."""
    raw = tomllib.loads(text)
    regs = tuple(
        Register(name, int(r["offset"]), r.get("doc", ""),
                 tuple(Bit(b["name"], int(b["bit"]), b["access"], b.get("doc", "")) for b in r.get("bits", [])))
        for name, r in raw["registers"].items())
    base, stride, max_args = int(raw["arg_base"]), int(raw["arg_stride"]), int(raw["max_args"])
    perf_base, max_perf = int(raw["perf_base"]), int(raw["max_perf"])
    if perf_base + 4 * max_perf > 1 << int(raw["addr_width"]):
        raise ValueError(f"{source}: the performance counter window ends beyond the address space")
    kernels = []
    for name, k in raw.get("kernels", {}).items():
        args = k.get("args", [])
        if len(args) > max_args:
            raise ValueError(f"{source}: kernel {name} has {len(args)} arguments, at most {max_args} fit")
        for a in args:
            if a["type"] not in ARG_TYPES:
                raise ValueError(f"{source}: kernel {name} argument {a['name']}: type must be one of {ARG_TYPES}")
        perf = k.get("perf", [])
        if len(perf) > max_perf:
            raise ValueError(f"{source}: kernel {name} has {len(perf)} performance counters, at most {max_perf} fit")
        kernels.append(Kernel(name, int(k["id"]), k.get("doc", ""),
                              tuple(Arg(a["name"], a["type"], base + stride * i, a.get("doc", ""))
                                    for i, a in enumerate(args)),
                              tuple(PerfCounter(c["name"], perf_base + 4 * i, c.get("doc", ""))
                                    for i, c in enumerate(perf))))
    offsets = [r.offset for r in regs]
    if len(set(offsets)) != len(offsets):
        raise ValueError(f"{source}: two registers share an offset")
    window = range(base, base + stride * max_args)
    perf_window = range(perf_base, perf_base + 4 * max_perf)
    if set(window) & set(perf_window):
        raise ValueError(f"{source}: the argument and performance counter windows overlap")
    for r in regs:
        if r.offset in window or r.offset % 4:
            raise ValueError(f"{source}: register {r.name} at {r.offset:#x} is misaligned or inside the argument window")
        if r.offset in perf_window:
            raise ValueError(f"{source}: register {r.name} at {r.offset:#x} is inside the performance counter window")
    return RegMap(int(raw["addr_width"]), regs, tuple(kernels), base, stride, perf_base)


@cache
def load_regmap(path: Path = REGMAP_PATH) -> RegMap:
    return parse_regmap(Path(path).read_text(), str(path))


# ----------------------------------------------------------------------------- generators

GEN_BANNER = "Generated from rtl/regmap.toml by `python -m hlstransform.host.regmap` (make hls). Do not edit."


def render_sv_package(rm: RegMap) -> str:
    """SystemVerilog package ``kernel_regs_pkg``: every offset, bit index and kernel id as a localparam."""
    out = [f"// {GEN_BANNER}", "// SPDX-License-Identifier: Apache-2.0", "", "`default_nettype none", "",
           "// A constants package: no single kernel uses every constant.",
           "/* verilator lint_off UNUSEDPARAM */",
           "package kernel_regs_pkg;", "",
           f"    localparam int unsigned CTRL_ADDR_WIDTH = {rm.addr_width};",
           f"    localparam logic [{rm.addr_width - 1}:0] CTRL_ARG_BASE = {rm.addr_width}'h{rm.arg_base:02X};"
           "  // argument word 0; word i at CTRL_ARG_BASE + 4 * i",
           f"    localparam logic [{rm.addr_width - 1}:0] CTRL_PERF_BASE = {rm.addr_width}'h{rm.perf_base:02X};"
           "  // performance counter 0; counter i at CTRL_PERF_BASE + 4 * i", ""]
    for r in rm.registers:
        out.append(f"    // {r.doc}")
        out.append(f"    localparam logic [{rm.addr_width - 1}:0] REG_{r.name} = {rm.addr_width}'h{r.offset:02X};")
        for b in r.bits:
            out.append(f"    localparam int unsigned {r.name}_{b.name}_BIT = {b.bit};  // {b.access}: {b.doc}")
        out.append("")
    for k in rm.kernels:
        up = k.name.upper()
        out.append(f"    // kernel {k.name}: {k.doc}")
        out.append(f"    localparam logic [31:0] {up}_KERNEL_ID = 32'h{k.id:08X};")
        words, mask = k.arg_words(rm.arg_stride)
        out.append(f"    localparam int unsigned {up}_ARG_WORDS = {words};")
        out.append(f"    localparam logic [31:0] {up}_ARG_WORD_MASK = 32'h{mask:08X};  // words that hold argument bits")
        for a in k.args:
            out.append(f"    localparam logic [{rm.addr_width - 1}:0] {up}_ARG_{a.name.upper()} = "
                       f"{rm.addr_width}'h{a.offset:02X};  // {a.type}: {a.doc}")
        if k.perf:
            out.append(f"    localparam int unsigned {up}_PERF_WORDS = {len(k.perf)};")
            for i, c in enumerate(k.perf):
                out.append(f"    localparam int unsigned {up}_PERF_{c.name} = {i};  // word {i} at "
                           f"0x{c.offset:02X}: {c.doc}")
        out.append("")
    out += ["endpackage", "/* verilator lint_on UNUSEDPARAM */", "", "`default_nettype wire", ""]
    return "\n".join(out)


def render_markdown(rm: RegMap) -> str:
    """docs/regmap.md: the register tables, generated so the docs cannot drift from the RTL."""
    out = [f"<!-- {GEN_BANNER} -->", "# Kernel control register map (s_axi_control)", "",
           "Every kernel, per-layer and forward, has the same control block; arguments differ.", "",
           "| offset | register | bits | description |", "|---|---|---|---|"]
    for r in rm.registers:
        bits = "<br>".join(f"{b.bit} {b.name} ({b.access})" for b in r.bits) or "31:0"
        out.append(f"| 0x{r.offset:02X} | {r.name} | {bits} | {r.doc} |")
    out += ["", "Access: rw read/write, ro read-only, cor clear on read, tow toggle on write.", ""]
    for k in rm.kernels:
        out += [f"## {k.name} (KERNEL_ID 0x{k.id:08X})", "", k.doc, "", "| offset | argument | type | description |",
                "|---|---|---|---|"]
        for a in k.args:
            where = f"0x{a.offset:02X} (lo), 0x{a.offset + 4:02X} (hi)" if a.type == "ptr" else f"0x{a.offset:02X}"
            out.append(f"| {where} | {a.name} | {a.type} | {a.doc} |")
        if k.perf:
            out += ["", "Performance counters of the last run (read-only; cleared at start, frozen at done, "
                    "saturating):", "", "| offset | counter | description |", "|---|---|---|"]
            out += [f"| 0x{c.offset:02X} | {c.name} | {c.doc} |" for c in k.perf]
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Generate the register-map SystemVerilog package and docs.")
    p.add_argument("--sv", type=Path, default=REPO_ROOT / "rtl" / "gen" / "kernel_regs_pkg.sv")
    p.add_argument("--md", type=Path, default=REPO_ROOT / "docs" / "regmap.md")
    args = p.parse_args(argv)
    rm = load_regmap()
    args.sv.write_text(render_sv_package(rm))
    args.md.write_text(render_markdown(rm))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
