#!/usr/bin/env python3
"""LUT levels of one XLS block at several pipeline depths: how to choose ``pipeline_stages``.

For a block of ``hls/blocks.toml`` this regenerates its Verilog with each stage count given
(and optionally another delay model) into ``build/block_depth/<block>_<model>_<stages>/``,
maps it alone with scripts/synth.py's Yosys script (``synth_xilinx -flatten -family xcup``) and
prints the deepest register-to-register path in LUT levels, counted as ``scripts/synth.py``
counts it (``lut_levels``: MUXF, CARRY and INV cells walked through, not counted). Nothing in rtl/gen or
blocks.toml changes: write the chosen settings into blocks.toml and run ``make hls``.

Usage::

    python scripts/block_depth.py ew_add 2 4 6                 # the block's own delay model
    python scripts/block_depth.py ew_add 4 6 8 --delay-model asap7
    python scripts/block_depth.py fp32_recip 35     # a chain (hls/build.py pieces): as configured

Each run takes seconds to a few minutes (yowasp compiles itself once per machine first).
A stage count that does not lower the depth means one IR node (a wide multiply, a long
priority chain) is the path by itself: the DSLX, not the schedule, has to change.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "hls"))
sys.path.insert(0, str(REPO / "scripts"))

import build as hls_build  # noqa: E402  (hls/build.py)
import synth  # noqa: E402  (scripts/synth.py)


def depth(block: hls_build.Block, stages: int, delay_model: str, outdir: Path) -> tuple[int, int]:
    """(LUT levels, latency) of *block* at *stages* stages under *delay_model*.

    A chain block (hls/build.py ``pieces``) keeps its per-piece stages; its depth is the deepest
    of its pieces, each mapped alone as the whole-design run maps module by module (a piece's
    output is a register, so no path crosses a piece boundary; see :func:`piece_depths`).
    """
    opts = dict(block.options)
    opts["pipeline_stages"] = stages
    opts["delay_model"] = delay_model
    variant = hls_build.Block(block.name, tuple(opts.items()))
    art = hls_build.codegen(variant, hls_build.convert(variant.source))
    module = str(opts["module"])
    work = outdir / f"{block.name}_{delay_model}_{stages}"
    work.mkdir(parents=True, exist_ok=True)
    (work / f"{module}.v").write_text(art.verilog)
    if block.pieces:
        return max(piece_depths(variant, work / f"{module}.v", work).values()), variant.latency
    return _levels(module, work / f"{module}.v", work), variant.latency


def piece_depths(block: hls_build.Block, verilog: Path, work: Path) -> dict[str, int]:
    """LUT levels of each distinct piece module of a chain block, each synthesised alone by the
    whole-design run's hierarchical script (scripts/synth.py HIERARCHICAL), as it maps them."""
    found = {}
    for fn, _ in block.pieces:
        module = block.piece_module(fn)
        if module not in found:
            sub = work / module
            sub.mkdir(exist_ok=True)
            found[module] = _levels(module, verilog, sub, hierarchical=True)
            print(f"  {module}: {found[module]} LUT levels", flush=True)
    return found


def _levels(module: str, verilog: Path, work: Path, hierarchical: bool = False) -> int:
    # scripts/synth.py's own scripts (a flattened top; a module of the hierarchical whole design),
    # so both count the same netlist.
    (work / "synth.ys").write_text(synth.yosys_script(module, [verilog], uram=True, params={}, workdir=work,
                                                      hierarchical=hierarchical))
    subprocess.run([synth.yosys_exe(), "-q", "-s", "synth.ys"], cwd=work, check=True)
    netlist = json.loads((work / "netlist.json").read_text())
    return synth.lut_levels(netlist, module).levels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("block", help="a block name of hls/blocks.toml")
    parser.add_argument("stages", nargs="+", type=int, help="pipeline_stages values to try")
    parser.add_argument("--delay-model", default=None, help="XLS delay model (default: the block's)")
    parser.add_argument("--outdir", type=Path, default=REPO / "build" / "block_depth")
    args = parser.parse_args(argv)
    try:
        (block,) = hls_build.load_blocks(names=[args.block])
    except hls_build.BuildError as exc:
        print(f"block_depth: error: {exc}", file=sys.stderr)
        return 1
    if any(s < 1 for s in args.stages):
        print("block_depth: error: stage counts must be >= 1", file=sys.stderr)
        return 1
    if block.pieces and set(args.stages) != {int(block["pipeline_stages"])}:
        print(f"block_depth: error: {block.name} is a chain of pieces whose stages are set one by one in "
              f"hls/blocks.toml; measure it as configured: {block['pipeline_stages']} stages", file=sys.stderr)
        return 1
    model = args.delay_model or str(block["delay_model"])
    for stages in args.stages:
        start = time.monotonic()
        try:
            levels, latency = depth(block, stages, model, args.outdir)
        except (subprocess.CalledProcessError, RuntimeError) as exc:
            print(f"block_depth: error: {block.name} at {stages} stages: {exc}", file=sys.stderr)
            return 1
        print(f"{block.name}: delay model {model}, {stages} stages (latency {latency}): "
              f"{levels} LUT levels ({time.monotonic() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
