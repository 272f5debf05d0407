"""The register map (rtl/regmap.toml) and what is generated from it."""

import pytest

from hlstransform.host import regmap
from hlstransform.host.paths import REPO_ROOT


def test_generated_files_are_fresh():
    """rtl/gen/kernel_regs_pkg.sv and docs/regmap.md equal what `make hls` would write now."""
    rm = regmap.load_regmap()
    assert (REPO_ROOT / "rtl/gen/kernel_regs_pkg.sv").read_text() == regmap.render_sv_package(rm)
    assert (REPO_ROOT / "docs/regmap.md").read_text() == regmap.render_markdown(rm)


def test_freshness_check_detects_a_changed_offset():
    text = regmap.REGMAP_PATH.read_text().replace("offset = 0x80", "offset = 0x8C")
    changed = regmap.parse_regmap(text)
    assert regmap.render_sv_package(changed) != (REPO_ROOT / "rtl/gen/kernel_regs_pkg.sv").read_text()


def test_forward_perf_counters():
    """The forward kernel's counters follow each other from perf_base; other kernels have none."""
    rm = regmap.load_regmap()
    fwd = rm.kernel("forward")
    assert [c.offset for c in fwd.perf] == [rm.perf_base + 4 * i for i in range(len(fwd.perf))]
    assert fwd.counter("RD_BEATS_D").offset == rm.perf_base + 4 * 6
    assert rm.kernel("matmul").perf == ()
    with pytest.raises(KeyError):
        fwd.counter("NOPE")


def test_contract_offsets():
    """DESIGN.md section 6 fixes these; arguments start at 0x10 in 8-byte slots."""
    rm = regmap.load_regmap()
    assert [rm.reg(n).offset for n in ("AP_CTRL", "GIE", "IER", "ISR")] == [0x00, 0x04, 0x08, 0x0C]
    assert rm.bit("AP_CTRL", "START") == 1 and rm.bit("AP_CTRL", "DONE") == 2 and rm.bit("AP_CTRL", "IDLE") == 4
    mm = rm.kernel("matmul")
    assert [a.offset for a in mm.args] == [0x10 + 8 * i for i in range(len(mm.args))]


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("offset = 0x84", "offset = 0x80"), "share an offset"),
    (lambda t: t.replace("offset = 0x88", "offset = 0x20"), "argument window"),
    (lambda t: t.replace('type = "u32", doc = "32 or 64."', 'type = "f64", doc = "x"'), "type must be"),
    (lambda t: t.replace("offset = 0x88", "offset = 0x94"), "inside the performance counter window"),
    (lambda t: t.replace("max_perf = 28", "max_perf = 29"), "beyond the address space"),
    (lambda t: t.replace("max_perf = 28", "max_perf = 4"), "performance counters, at most 4 fit"),
    (lambda t: t.replace("perf_base = 0x90", "perf_base = 0x70"), "windows overlap"),
])
def test_inconsistent_maps_are_refused(edit, message):
    with pytest.raises(ValueError, match=message):
        regmap.parse_regmap(edit(regmap.REGMAP_PATH.read_text()))
