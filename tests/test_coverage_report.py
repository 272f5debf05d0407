"""scripts/coverage.py: merging Verilator coverage.dat files and counting points per file."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _script():
    if "hlst_coverage" not in sys.modules:
        spec = importlib.util.spec_from_file_location("hlst_coverage", REPO_ROOT / "scripts" / "coverage.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["hlst_coverage"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["hlst_coverage"]


def _point(f: str, line: int, page: str, comment: str, hier: str, count: int) -> str:
    key = "\x01".join(f"{k}\x02{v}" for k, v in
                      [("f", f), ("l", line), ("n", 3), ("t", page.split("/")[0][2:]), ("page", page),
                       ("o", comment), ("h", hier)])
    return f"C '\x01{key}' {count}"


def _dat(tmp: Path, name: str, points: list[str]) -> Path:
    p = tmp / name / "coverage.dat"
    p.parent.mkdir(parents=True)
    p.write_text("# SystemC::Coverage-3\n" + "\n".join(points) + "\n")
    return p


def test_merge_counts_a_point_hit_in_any_run_or_instance(tmp_path):
    cov = _script()
    src = str(REPO_ROOT / "rtl" / "kernels" / "x.sv")
    gen = str(REPO_ROOT / "rtl" / "gen" / "y.v")
    a = _dat(tmp_path, "a", [
        _point(src, 10, "v_line/x", "block", "top.u0", 0),
        _point(src, 10, "v_line/x", "block", "top.u1", 2),     # second instance hits it
        _point(src, 12, "v_branch/x", "if", "top.u0", 0),
        _point(src, 12, "v_branch/x", "else", "top.u0", 1),
        _point(src, 20, "v_toggle/x", "s:0->1", "top.u0", 0),
        _point(gen, 5, "v_toggle/y", "o:0->1", "top.g", 1),
    ])
    b = _dat(tmp_path, "b", [
        _point(src, 20, "v_toggle/x", "s:0->1", "top.u0", 4),  # another run hits the toggle
    ])
    per = cov.per_file(cov.merge([a, b]))
    x = per["rtl/kernels/x.sv"]
    assert (x.hit["line"], x.total["line"]) == (1, 1)
    assert (x.hit["branch"], x.total["branch"]) == (1, 2)
    assert (x.hit["toggle"], x.total["toggle"]) == (1, 1)
    assert x.missed == ["rtl/kernels/x.sv:12: branch if"]
    # with only run a, the toggle is missed: the count really comes from the files
    x_a = cov.per_file(cov.merge([a]))["rtl/kernels/x.sv"]
    assert x_a.hit["toggle"] == 0 and x_a.percent("toggle") == 0.0
    text = cov.table(per, 2)
    assert "| `rtl/kernels/x.sv` | 100.0 % (1/1) | 50.0 % (1/2) | 100.0 % (1/1) |" in text
    assert "rtl/gen/ (XLS output, 1 files)" in text


def test_report_without_data_is_one_error_line(tmp_path, capsys):
    cov = _script()
    assert cov.main(["--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("coverage: error: no coverage.dat")


def test_write_replaces_the_marked_table(tmp_path):
    cov = _script()
    _dat(tmp_path, "a", [_point(str(REPO_ROOT / "rtl" / "common" / "z.sv"), 1, "v_line/z", "block", "t", 1)])
    doc = tmp_path / "coverage.md"
    doc.write_text("intro\n<!-- coverage:begin -->\nold\n<!-- coverage:end -->\nafter\n")
    assert cov.main(["--root", str(tmp_path), "--write", str(doc)]) == 0
    text = doc.read_text()
    assert "old" not in text and "`rtl/common/z.sv` | 100.0 % (1/1)" in text and text.endswith("after\n")
