"""scripts/module_depth.py: the parameter rewrite and the list of registers over the depth target.

The Yosys run itself (a minute or two per module) is not part of the regression; these check the
parts a wrong answer would come from: a default rewritten in the wrong place, or a register
reported (or missed) against the target.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


module_depth = _load("module_depth_script", REPO_ROOT / "scripts" / "module_depth.py")
synth = module_depth.synth

SOURCE = """module pipe #(
    parameter int PIPE  = 0,
    parameter int PIPES = 1,
    parameter bit KV_INT8        = 1'b0,
    parameter int T_WIDTH = 12
) (input wire clk);
localparam int PIPE_COUNT = PIPES;
endmodule
"""


def test_set_defaults_rewrites_only_the_named_defaults():
    out = module_depth.set_defaults(SOURCE, {"PIPES": "4", "KV_INT8": "1'b1", "T_WIDTH": "11"})
    assert "parameter int PIPE  = 0," in out
    assert "parameter int PIPES = 4," in out
    assert "parameter bit KV_INT8        = 1'b1," in out
    assert "parameter int T_WIDTH = 11\n" in out
    assert "localparam int PIPE_COUNT = PIPES;" in out  # a use of the name is not a default


def test_set_defaults_rejects_an_unknown_parameter():
    with pytest.raises(synth.SynthError, match="no parameter NOPE"):
        module_depth.set_defaults(SOURCE, {"NOPE": "1"})


def test_module_file_finds_the_defining_source(tmp_path):
    a, b = tmp_path / "a.sv", tmp_path / "b.sv"
    a.write_text("module pipe_tb; pipe u (); endmodule\n")
    b.write_text(SOURCE)
    assert module_depth.module_file([a, b], "pipe") == b
    with pytest.raises(synth.SynthError, match="no module other"):
        module_depth.module_file([a, b], "other")


def _lut(name, ins, out):
    conns = {**{f"I{i}": [b] for i, b in enumerate(ins)}, "O": [out]}
    dirs = {**{f"I{i}": "input" for i in range(len(ins))}, "O": "output"}
    return name, {"type": "LUT2", "connections": conns, "port_directions": dirs}


def _ff(name, d, q):
    return name, {"type": "FDRE", "connections": {"D": [d], "Q": [q]},
                  "port_directions": {"D": "input", "Q": "output"}}


def _chain_netlist(length: int) -> dict:
    """src_reg -> *length* LUTs -> deep_reg, and src_reg -> one LUT -> short_reg."""
    cells = dict([_ff("f0", 100, 1)])
    bit = 1
    for i in range(length):
        cells.update([_lut(f"l{i}", [bit, 1], 10 + i)])
        bit = 10 + i
    cells.update([_ff("f1", bit, 200), _lut("s", [1], 300), _ff("f2", 300, 201)])
    netnames = {"src_reg": {"bits": [1], "hide_name": 0}, "deep_reg": {"bits": [200], "hide_name": 0},
                "short_reg": {"bits": [201], "hide_name": 0}}
    return {"modules": {"m": {"cells": cells, "netnames": netnames}}}


def test_over_target_names_the_deep_register_only():
    netlist = _chain_netlist(synth.DEPTH_TARGET + 2)
    assert module_depth.over_target(netlist, "m") == [f"deep_reg {synth.DEPTH_TARGET + 2}"]
    assert synth.lut_levels(netlist, "m").levels == synth.DEPTH_TARGET + 2


def test_over_target_is_empty_at_the_target():
    # Companion: a path of exactly DEPTH_TARGET levels is within the target, so nothing is listed.
    assert module_depth.over_target(_chain_netlist(synth.DEPTH_TARGET), "m") == []


def _maps_like_the_whole_design(script: list[str], module: str) -> bool:
    """*script* black-boxes the submodules, then maps *module* with exactly the whole-design run's
    commands (synth.hierarchical_map, in order) and no other synth_xilinx or share."""
    mapping = synth.hierarchical_map(module, uram=True)
    starts = [i for i in range(len(script)) if script[i:i + len(mapping)] == mapping]
    if len(starts) != 1 or "blackbox A:top %n" not in script[:starts[0]]:
        return False
    rest = script[:starts[0]] + script[starts[0] + len(mapping):]
    return not any(line.startswith(("synth_xilinx", "share")) for line in rest)


def test_depth_script_maps_with_the_whole_design_commands():
    script = module_depth.depth_script("pipe", ["a.sv", "b.sv"])
    assert script[0] == "read_verilog -sv a.sv b.sv"
    assert _maps_like_the_whole_design(script, "pipe")
    # The same commands are what synth.py's hierarchical (whole-design) script runs.
    hier = synth.yosys_script("pipe", [Path("a.sv")], uram=True, params={}, hierarchical=True)
    assert "\n".join(synth.hierarchical_map("pipe", uram=True)) in hier


def test_a_plain_synth_xilinx_script_is_caught():
    # Companion: the earlier flow (one plain synth_xilinx, with its share) is not accepted, nor a
    # script that maps without black-boxing the submodules first.
    script = module_depth.depth_script("pipe", ["a.sv"])
    mapping = synth.hierarchical_map("pipe", uram=True)
    start = script.index(mapping[0])
    plain = script[:start] + ["synth_xilinx -family xcup -noiopad -uram -top pipe"] + script[start + len(mapping):]
    assert not _maps_like_the_whole_design(plain, "pipe")
    assert not _maps_like_the_whole_design([ln for ln in script if not ln.startswith("blackbox")], "pipe")
    assert not _maps_like_the_whole_design(script[:start] + mapping[:1] + ["share"] + mapping[1:]
                                           + script[start + len(mapping):], "pipe")
