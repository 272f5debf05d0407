"""The verif library's pure-Python pieces: scoreboard comparisons and runner helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from hlstransform.verif import runner
from hlstransform.verif.scoreboard import (
    MISSING,
    InOrderScoreboard,
    assert_streams_equal,
    compare_streams,
    format_mismatches,
)

FRAMES = [[0x01, 0x02, 0x03], [0xFF], [0x10, 0x20]]


def test_equal_streams_have_no_mismatch() -> None:
    assert compare_streams(FRAMES, [list(f) for f in FRAMES]) == []
    assert_streams_equal(FRAMES, [list(f) for f in FRAMES])


def test_flipped_bit_is_caught_with_its_position() -> None:
    actual = [list(f) for f in FRAMES]
    actual[0][2] ^= 0x80
    mismatches = compare_streams(FRAMES, actual)
    assert [m.index for m in mismatches] == [0]
    assert "first difference at [2] (0x3 != 0x83)" in str(mismatches[0])
    with pytest.raises(AssertionError, match="1 mismatches"):
        assert_streams_equal(FRAMES, actual)


def test_missing_and_extra_items_are_caught() -> None:
    missing = compare_streams(FRAMES, FRAMES[:1])
    assert [(m.index, m.actual is MISSING) for m in missing] == [(1, True), (2, True)]
    extra = compare_streams(FRAMES[:1], FRAMES)
    assert [(m.index, m.expected is MISSING) for m in extra] == [(1, True), (2, True)]
    assert "missing" in str(missing[0]) and "extra" in str(extra[0])
    assert "... 1 more" in format_mismatches(missing + extra, limit=3)


def test_in_order_scoreboard() -> None:
    good = InOrderScoreboard("good")
    good.expect_all(FRAMES)
    assert all(good.check(list(f)) for f in FRAMES)
    good.finish()

    short = InOrderScoreboard("short")
    short.expect_all(FRAMES)
    short.check(FRAMES[0])
    with pytest.raises(AssertionError, match="2 mismatches"):
        short.finish()

    reordered = InOrderScoreboard("reordered")
    reordered.expect_all(FRAMES)
    assert not reordered.check(FRAMES[1])


def test_parameter_slug_and_build_dirs() -> None:
    assert runner.parameter_slug({}) == "default"
    assert runner.parameter_slug({"DATA_WIDTH": 8, "A": 1}) == "A-1__DATA_WIDTH-8"
    assert runner.parameter_slug({"NAME": '"x y"'}).startswith("p-")
    dirs = {runner.build_dir_for("t", {"W": w}, "m.test_t", waves, optimized=opt)
            for w in (8, 64) for waves in (False, True) for opt in (False, True)}
    assert len(dirs) == 8


def test_optimized_build_replaces_the_quick_compile_flags() -> None:
    from hlstransform.verif import sources

    top = sources.get_top("vu9p_sim")
    assert "OPT_FAST=-O0" in top.build_overrides(False)
    opt = top.build_overrides(True)
    # One OPT_FAST only (make would take the last of two; do not rely on it).
    assert [o for o in opt if o.startswith("OPT_FAST=")] == ["OPT_FAST=-O2"]
    assert set(sources.OPTIMIZED_OVERRIDES) <= set(opt)
    # A top without overrides of its own gets just the optimized ones.
    assert sources.get_top("axis_skid_buffer").build_overrides(True) == sources.OPTIMIZED_OVERRIDES


def test_parameters_reach_the_tests_as_env() -> None:
    assert runner.param_env({"DATA_WIDTH": 64}) == {"PARAM_DATA_WIDTH": "64"}


def test_test_module_names() -> None:
    test_file = Path(runner.__file__).parent / "tests" / "axis_skid_buffer" / "test_axis_skid_buffer.py"
    expected = "hlstransform.verif.tests.axis_skid_buffer.test_axis_skid_buffer"
    assert runner.dotted_module_name(test_file) == expected
    assert runner.dotted_module_name(expected) == expected
    assert runner.make_test_module("axis_skid_buffer") == expected
    with pytest.raises(ValueError):
        runner.dotted_module_name("/elsewhere/test_x.py")


def test_seed_precedence() -> None:
    assert runner.seed_from_env({}) == runner.DEFAULT_SEED
    assert runner.seed_from_env({"RANDOM_SEED": "7"}) == 7
    assert runner.seed_from_env({"RANDOM_SEED": "7", "COCOTB_RANDOM_SEED": "9"}) == 9
    assert runner.plusargs(0)[-1] == "+verilator+seed+1"


def test_build_args_keep_warnings_fatal() -> None:
    args = runner.build_args(waves=False)
    assert "-Wall" in args and "-Wno-fatal" not in args
    waves = runner.build_args(waves=True)
    assert "--trace-fst" in waves and "--trace-structs" in waves


def test_failed_results_fail_the_pytest_test(tmp_path: Path) -> None:
    """A results file with a failing cocotb test must raise, naming the test and the seed."""
    results = tmp_path / "results.xml"
    results.write_text(
        '<testsuites><testsuite name="all" tests="2" failures="1" errors="0">'
        '<testcase name="run_test_ok" classname="m"/>'
        '<testcase name="run_test_bad" classname="m"><failure message="boom"/></testcase>'
        "</testsuite></testsuites>"
    )
    with pytest.raises(runner.SimulationFailed, match=r"1 of 2 cocotb tests failed: run_test_bad .*SEED=5"):
        runner.check_results(results, 5)
    results.write_text('<testsuites><testsuite name="all" tests="0"/></testsuites>')
    with pytest.raises(runner.SimulationFailed, match="no cocotb test ran"):
        runner.check_results(results, 5)
    with pytest.raises(runner.SimulationFailed, match="not found"):
        runner.check_results(tmp_path / "absent.xml", 5)
