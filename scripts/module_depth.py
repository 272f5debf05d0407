#!/usr/bin/env python3
"""LUT levels of one module's own logic, every module it instantiates a black box.

The whole design (``python scripts/synth.py vu9p_shell``, ~46 min) is mapped module by module,
and its report lists each module's deepest path. This maps one module of the design's sources in
a minute or two, to see what a change to it does: every other module becomes a black box (its
outputs start paths and its inputs end them, as at the module ports of the hierarchical run), the
module goes through the whole-design run's own mapping commands (``synth.hierarchical_map``:
synth_xilinx with its coarse section minus ``share``), and the report is the
deepest register-to-register path, counted as scripts/synth.py counts it, with where it starts
and ends, and the registers fed by a path over 8 levels.

The same passes do not make the same netlist: ABC (abc9) gets the same AIG as in the whole-design
run (the same gate, input and output counts) but maps it in another order (cell names and ids
differ), and the result can differ by a level or two; it also lets a path that is not its
critical one grow as deep as the critical one, so a lone 32-bit compare can read 5 levels. At
2a4ea1b, ``forward --param KV_INT8=1 --param AXI_ID_WIDTH=4`` (the shell's instance) reads 8
here and 10 in the whole design (same AIG, another LUT mix), while attention_score_pipe's
instances read as in the whole design (PIPE=0: 9, PIPE=1: 8). A module at 8 here can still be
over 8 there: keep a margin, and read the whole-design netlist's paths where it is at hand.

Usage::

    python scripts/module_depth.py forward --param KV_INT8=1 --param AXI_ID_WIDTH=4
    python scripts/module_depth.py attention_score_pipe --param PIPE=1 --param PIPES=4 \\
        --param T_WIDTH=11 --param Q_WIDTH=7          # one of the deployed instances

``--param NAME=VALUE`` rewrites the parameter's default in a working copy of the module's file
(the design's values where they differ from the defaults: the shell's forward kernel runs with
KV_INT8=1 and AXI_ID_WIDTH=4 (its DMA_ID_WIDTH), attention_core gives its score pipes PIPE/PIPES
and the widths of the deployed maxima).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

import synth  # noqa: E402  (scripts/synth.py)

DESIGN = "vu9p_shell"
"""The registered top whose sources hold every module."""


def set_defaults(text: str, params: Mapping[str, str]) -> str:
    """*text* with each parameter's default value replaced (``parameter ... NAME = VALUE``)."""
    for name, value in params.items():
        pattern = re.compile(rf"(\bparameter\b[^=;]*?\b{re.escape(name)}\s*=\s*)([^,;\n)]+?)(\s*[,;\n)])")
        text, count = pattern.subn(lambda m: m.group(1) + value + m.group(3), text, count=1)
        if count == 0:
            raise synth.SynthError(f"no parameter {name} with a default value")
    return text


def module_file(paths: list[Path], module: str) -> Path:
    """The source among *paths* that defines *module*."""
    pattern = re.compile(rf"^[ \t]*module\s+{re.escape(module)}\b", re.M)
    for path in paths:
        if pattern.search(path.read_text()):
            return path
    raise synth.SynthError(f"no module {module} in the sources of {DESIGN}")


def module_depth(module: str, params: Mapping[str, str], workdir: Path) -> tuple[synth.Depth, list[str]]:
    """(deepest path, registers fed by a path over the target) of *module* alone."""
    workdir.mkdir(parents=True, exist_ok=True)
    paths, _ = synth.prepared_sources(DESIGN, workdir)
    if params:
        source = module_file(paths, module)
        copy = workdir / "src" / f"params_{source.name}"
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(set_defaults(source.read_text(), params))
        paths = [copy if p == source else p for p in paths]
    else:
        module_file(paths, module)
    names = [os.path.relpath(p, workdir) for p in paths]
    (workdir / "synth.ys").write_text("\n".join(depth_script(module, names)) + "\n")
    run = subprocess.run([synth.yosys_exe(), "-q", "-l", "yosys.log", "-s", "synth.ys"], cwd=workdir,
                         capture_output=True, text=True)
    if run.returncode != 0:  # its warnings are in yosys.log; an error is the last line there
        raise synth.SynthError(f"Yosys failed ({workdir / 'yosys.log'}): "
                               + (run.stderr.strip().splitlines() or ["?"])[-1])
    netlist = json.loads((workdir / "netlist.json").read_text())
    return synth.lut_levels(netlist, module), over_target(netlist, module)


def depth_script(module: str, names: list[str]) -> list[str]:
    """The Yosys script that maps *module* of the sources *names* alone, submodules black boxes."""
    return [
        "read_verilog -sv " + " ".join(names),
        f"hierarchy -top {module}",
        "blackbox A:top %n",  # every module but the top: cells whose ports cut the paths
        # The whole-design run's mapping (HIERARCHICAL tops), not the flattened tops' plain
        # synth_xilinx, which differs from it (share, the order of the coarse passes), while the
        # whole design is what the depth target is judged on.
        *synth.hierarchical_map(module, uram=True),
        "tee -q -o stat.txt stat",
        "read_verilog -lib +/xilinx/cells_sim.v +/xilinx/cells_xtra.v",
        "write_json -selected netlist.json",
    ]


def over_target(netlist: Mapping, module: str) -> list[str]:
    """Registers (by net name, bit index dropped) whose input cone is over DEPTH_TARGET levels."""
    cells = netlist["modules"][module]["cells"]
    names = synth._bit_names(netlist["modules"][module].get("netnames", {}))
    _, _, depth, _ = synth.path_depths(cells)
    worst: dict[str, int] = {}
    for cell in cells.values():
        if cell["type"] not in synth.FF_CELLS:
            continue
        conns = cell["connections"]
        into = [b for port in ("D", "CE", "R", "S") for b in conns.get(port, []) if isinstance(b, int)]
        deepest = max((depth.get(b, 0) for b in into), default=0)
        if deepest > synth.DEPTH_TARGET:
            q = next((names[b] for b in conns.get("Q", []) if b in names), "?")
            reg = q.split("[")[0]
            worst[reg] = max(worst.get(reg, 0), deepest)
    return [f"{reg} {lv}" for reg, lv in sorted(worst.items(), key=lambda kv: (-kv[1], kv[0]))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("module", help=f"a module of the {DESIGN} sources (verif/sources.py)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="parameter default to use instead of the source's (repeatable)")
    parser.add_argument("--outdir", type=Path, default=REPO / "build" / "module_depth")
    args = parser.parse_args(argv)
    params: dict[str, str] = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            print(f"module_depth: error: --param wants NAME=VALUE, got {item!r}", file=sys.stderr)
            return 1
        params[name] = value
    start = time.monotonic()
    try:
        d, over = module_depth(args.module, params, args.outdir / args.module)
    except synth.SynthError as exc:
        print(f"module_depth: error: {args.module}: {exc}", file=sys.stderr)
        return 1
    print(f"{args.module}: {d.levels} LUT levels, from {d.ends[0]} to {d.ends[1]} "
          f"({time.monotonic() - start:.0f} s)")
    for line in over:
        print(f"  over {synth.DEPTH_TARGET}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
