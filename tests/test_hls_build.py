"""The HLS flow (hls/build.py, hls/blocks.toml) and its output in rtl/gen/.

- every block states every codegen/scheduling option, and a missing one is refused;
- each generated file opens with its banner and holds no timestamp or absolute path;
- rtl/gen/ is fresh: a build into a temporary directory reproduces it byte for byte (through
  build/hls-cache, whose key covers every input; HLS_NO_CACHE=1 forces a full rebuild), and
  the same check reports a stale, missing or extra file;
- the generated Verilog elaborates under the project's Verilator (warnings allowed, no errors).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
HLS_DIR = REPO_ROOT / "hls"
GEN_DIR = REPO_ROOT / "rtl" / "gen"
USE_CACHE = os.environ.get("HLS_NO_CACHE") != "1"


def _hls(name: str):
    """Load ``hls/<name>.py`` (not a package) once per process."""
    key = f"hls_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, HLS_DIR / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


@pytest.fixture(scope="module")
def build():
    return _hls("build")


@pytest.fixture(scope="module")
def blocks(build):
    return build.load_blocks()


def test_blocks_are_the_planned_set(blocks):
    assert sorted(b.name for b in blocks) == [
        "ew_add", "ew_dequant", "ew_exp_sub", "ew_i8_to_f32", "ew_mul",
        "ew_rms_scale", "ew_rope_pair", "ew_swiglu",
        "fp32_dot16", "fp32_exp", "fp32_max", "fp32_max16", "fp32_recip", "fp32_rsqrt",
        "fp32_sum_add",
        "q8_acc_add", "q8_dot_group_32", "q8_dot_group_64", "q8_quantize_32", "q8_quantize_64", "q8_scale_product",
    ]
    for b in blocks:
        assert b["generator"] == "pipeline" and b["delay_model"] in ("unit", "asap7") and b["reset"] == "rst"
        # 1: fp32_max sits in a loop (the running maximum's latency is the loop's), and
        # ew_i8_to_f32 is a shift and an add.
        low = 1 if b.name in ("fp32_max", "ew_i8_to_f32") else 2
        assert b["worst_case_throughput"] == 1
        if b.pieces:  # a chain (fp32_recip): each piece its own pipeline, the stages their sum
            assert all(1 <= st <= 16 for _, st in b.pieces) and b["pipeline_stages"] == sum(st for _, st in b.pieces)
        else:
            assert low <= b["pipeline_stages"] <= 16


def test_settings_missing_or_unknown_key_is_refused(build, tmp_path):
    text = (HLS_DIR / "blocks.toml").read_text()
    missing = tmp_path / "missing.toml"
    missing.write_text(re.sub(r"^reset_data_path = false\n", "", text, count=1, flags=re.M))
    with pytest.raises(build.BuildError, match="missing keys \\['reset_data_path'\\]"):
        build.load_blocks(missing)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text(text.replace('module = "fp32_exp"\n', 'module = "fp32_exp"\nclock_period_ps = 4000\n'))
    with pytest.raises(build.BuildError, match="unknown keys \\['clock_period_ps'\\]"):
        build.load_blocks(unknown)


def test_chain_settings_are_checked(build, tmp_path):
    """A chain's pieces must be [function, stages >= 1] pairs summing to pipeline_stages, and a
    piece used twice needs the same stages and never the first place (its input flops)."""
    text = (HLS_DIR / "blocks.toml").read_text()
    # fp32_recip as hls/blocks.toml sets it: 35 stages, recip_sum (4 uses) at 3 each.
    assert '["recip_ye_product", 2]' in text and "pipeline_stages = 35" in text
    cases = {
        "sum to 36": text.replace('["recip_finish", 2]', '["recip_finish", 3]'),
        "must be a list": text.replace('["recip_finish", 2]', '["recip_finish", 0]'),
        "different stages": text.replace('["recip_ye_product", 2], ["recip_y_align", 4], ["recip_sum", 3],\n    ["recip_next"',
                                         '["recip_ye_product", 2], ["recip_y_align", 4], ["recip_sum", 4],\n    ["recip_next"')
                                .replace("pipeline_stages = 35", "pipeline_stages = 36"),
    }
    for message, bad in cases.items():
        assert bad != text, message
        path = tmp_path / "bad.toml"
        path.write_text(bad)
        with pytest.raises(build.BuildError, match=message):
            build.load_blocks(path)


def test_chain_with_an_unknown_piece_is_refused(build, blocks):
    """A piece naming no function of the block's source is one BuildError line, not a traceback."""
    (b,) = [b for b in blocks if b.name == "fp32_recip"]
    opts = dict(b.options)
    opts["pieces"] = (("recip_start", 1), ("no_such_piece", 30))
    bad = build.Block(b.name, tuple(opts.items()))
    with pytest.raises(build.BuildError, match="no_such_piece"):
        build.codegen(bad, build.convert(bad.source))


def test_chain_module_connects_the_pieces_in_order(build, blocks):
    """A chain block's module (every block with pieces) instantiates its pieces in the blocks.toml
    order, each one's input the previous one's output and valid, the first from the block's
    ports, the last to them."""
    chains = [b for b in blocks if b.pieces]
    first_input = {"ew_exp_sub": "s", "ew_swiglu": "h1", "fp32_dot16": "a", "fp32_recip": "x", "fp32_rsqrt": "x",
                   "q8_acc_add": "acc", "q8_quantize_32": "x", "q8_quantize_64": "x", "q8_scale_product": "ival"}
    assert sorted(b.name for b in chains) == sorted(first_input)
    for b in chains:
        text = (GEN_DIR / f"{b['module']}.v").read_text()
        top = text[text.index(f"module {b['module']}("):]
        insts = re.findall(r"^  (\w+) (p\d+) \(\n    \.clk\(clk\), \.rst\(rst\), \.in_valid\((\w+)\), \.\w+\((\w+)\),",
                           top, re.M)
        assert [m for m, *_ in insts] == [b.piece_module(fn) for fn, _ in b.pieces]
        for i, (_, name, valid, data) in enumerate(insts):
            assert name == f"p{i}"
            assert (valid, data) == (("in_valid", first_input[b.name]) if i == 0
                                     else (f"p{i - 1}_out_valid", f"p{i - 1}_out"))
        last = len(insts) - 1
        assert f"assign out_valid = p{last}_out_valid;" in top and f"assign out = p{last}_out;" in top


def test_chain_module_refuses_mismatched_pieces(build, blocks):
    """Companion: a piece whose input is not the previous piece's output width is refused."""
    (b,) = [b for b in blocks if b.name == "fp32_recip"]
    ports = {fn: ([("s", 100)], [("out", 100)]) for fn, _ in b.pieces}
    ports[b.pieces[0][0]] = ([("x", 32)], [("out", 100)])
    ports[b.pieces[-1][0]] = ([("s", 100)], [("out", 32)])
    assert "module" in build.chain_module(b, ports)
    ports[b.pieces[1][0]] = ([("s", 99)], [("out", 100)])
    with pytest.raises(build.BuildError, match="takes"):
        build.chain_module(b, ports)


def test_banner_and_reproducibility_markers(build, blocks):
    for b in blocks:
        text = (GEN_DIR / f"{b['module']}.v").read_text()
        assert text.startswith(build.banner(b)), b.name
        head = text[: len(build.banner(b))]
        assert f"hls/{b['source']}" in head and f"`{b['top']}`" in head and "make hls" in head
        assert f"xls-python {build.xls_version()}" in head
        assert re.search(rf"^module {b['module']}\(", text, re.M)
        # The valid chain has one register per cycle of the latency the banner states (for a
        # chain of pieces: each piece module's registers, once per use).
        modules = {m.group(1): m.group(2) for m in re.finditer(r"^module (\w+)\((.*?)^endmodule", text, re.M | re.S)}
        uses = [b.piece_module(fn) for fn, _ in b.pieces] or [str(b["module"])]
        chain = [reg for m in uses for reg in
                 re.findall(r"^\s*reg (p\d+_inputs_valid|in_valid__input_flop|out_valid__output_flop);", modules[m], re.M)]
        assert len(chain) == b.latency, (b.name, chain)
        # Nothing machine- or time-dependent.
        assert str(REPO_ROOT) not in text and "site-packages" not in text
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b|\d\d:\d\d:\d\d", text)


def test_rtl_gen_is_fresh(build, blocks):
    """A build into a temporary directory equals rtl/gen/ byte for byte (make hls is a no-op)."""
    problems = build.check(blocks, GEN_DIR, use_cache=USE_CACHE)
    assert not problems, "rtl/gen is stale, run `make hls`: " + "; ".join(problems)


def test_freshness_check_catches_stale_missing_extra(build, blocks, tmp_path):
    """Companion: one changed byte, one missing file and one stray file are all reported."""
    gen = tmp_path / "gen"
    shutil.copytree(GEN_DIR, gen)
    victim = gen / "fp32_recip.v"
    data = bytearray(victim.read_bytes())
    data[-20] ^= 0x01
    victim.write_bytes(bytes(data))
    (gen / "q8_acc_add.v").unlink()
    (gen / "stray.v").write_text("module stray; endmodule\n")
    problems = build.check(blocks, gen, use_cache=USE_CACHE)
    assert any(p.startswith("stale:") and p.endswith("fp32_recip.v") for p in problems), problems
    assert any(p.startswith("missing:") and p.endswith("q8_acc_add.v") for p in problems), problems
    assert any(p.startswith("extra") and p.endswith("stray.v") for p in problems), problems
    assert len(problems) == 3, problems


def test_latency_package_matches_the_blocks(build, blocks):
    """rtl/gen/hls_latency_pkg.sv states each block's latency as its banner and valid chain do
    (test_banner_and_reproducibility_markers): the constants the kernels size their pipelines by."""
    text = (GEN_DIR / build.LATENCY_PACKAGE).read_text()
    found = {m.group(1): int(m.group(2)) for m in re.finditer(r"^localparam int (\w+)_LATENCY\s*=\s*(\d+);", text, re.M)}
    assert found == {str(b["module"]).upper(): b.latency for b in blocks}
    assert re.search(r"^package hls_latency_pkg;$", text, re.M) and re.search(r"^endpackage$", text, re.M)


def test_freshness_check_catches_a_stale_latency(build, blocks, tmp_path):
    """Companion: a latency edited by hand in the package is reported stale."""
    gen = tmp_path / "gen"
    shutil.copytree(GEN_DIR, gen)
    pkg = gen / build.LATENCY_PACKAGE
    pkg.write_text(re.sub(r"(EW_ADD_LATENCY\s*=\s*)(\d+)", lambda m: m.group(1) + str(int(m.group(2)) + 1),
                          pkg.read_text()))
    problems = build.check(blocks, gen, use_cache=USE_CACHE)
    assert len(problems) == 1 and problems[0].startswith("stale:"), problems
    assert problems[0].endswith(build.LATENCY_PACKAGE), problems


def test_cache_key_covers_imports(build, blocks):
    by_name = {b.name: b for b in blocks}
    assert [p.name for p in build.local_sources(by_name["q8_dot_group_64"].source)] == ["q8_dot.x"]
    assert [p.name for p in build.local_sources(by_name["q8_quantize_64"].source)] == [
        "elementwise.x", "fp32_chains.x", "fp32_math.x", "fp32_steps.x", "quantize.x", "quantize_chains.x"]
    assert [p.name for p in build.local_sources(by_name["fp32_exp"].source)] == ["fp32_math.x"]
    assert [p.name for p in build.local_sources(by_name["fp32_recip"].source)] == [
        "elementwise.x", "fp32_chains.x", "fp32_math.x", "fp32_steps.x"]


def test_generated_verilog_elaborates():
    """verilator --lint-only -Wall on all of rtl/gen: XLS's style warnings are allowed
    (-Wno-fatal), errors are not; each module is its own top."""
    from hlstransform.verif import toolchain

    files = sorted(GEN_DIR.glob("*.v"))
    cmd = [str(toolchain.verilator_bin_dir() / "verilator"), "--lint-only", "-Wall", "-Wno-fatal", "-Wno-MULTITOP"]
    proc = subprocess.run(cmd + [str(f) for f in files], env=toolchain.toolchain_env(), capture_output=True,
                          text=True, timeout=300)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("%Error")]
    assert proc.returncode == 0 and not errors, "\n".join(errors[:10]) or proc.stderr[-2000:]


def test_hls_latency_reads_the_generated_package(blocks):
    """Block latencies as the RTL sees them (verif/sources.hls_latency reads
    rtl/gen/hls_latency_pkg.sv): hls/build.py's latency for every block, and an unknown block is
    refused rather than read as some default."""
    from hlstransform.verif import sources, toolchain

    for block in blocks:
        assert sources.hls_latency(str(block["module"])) == block.latency, block.name
    with pytest.raises(toolchain.ToolchainError, match="NO_SUCH_BLOCK_LATENCY"):
        sources.hls_latency("no_such_block")
