"""Build an RTL top with Verilator and run a cocotb test module on it, from pytest.

Every testbench's pytest entry calls :func:`run_cocotb`. It

- takes the top's sources from :mod:`hlstransform.verif.sources` and the environment
  from :mod:`hlstransform.verif.toolchain`;
- builds into ``sim_build/<test module>/<top>/<parameters>[-waves]`` at the repo root, one
  folder per parameter set, so pytest-xdist workers never share a build;
- passes each RTL parameter both as ``-G<NAME>=<value>`` and as ``PARAM_<NAME>`` in the
  simulation's environment, so the Python side reads the values the RTL was built with;
- dumps FST waves (``dump.fst`` in the build folder) when ``WAVES=1``, and builds with line and
  toggle coverage (``coverage.dat``, a ``-cov`` build folder) when ``RTL_COVERAGE=1`` (not
  ``COVERAGE``: cocotb reads that one as Python coverage);
- seeds cocotb from ``COCOTB_RANDOM_SEED`` (or the older ``RANDOM_SEED``), else
  :data:`DEFAULT_SEED`, and logs the seed; Verilator's initial register values come from
  the same seed;
- fails the calling pytest test when any cocotb test failed, no test ran, or the simulator crashed.

``make sim`` builds with the same options: the Makefile reads them from this module's CLI::

    python -m hlstransform.verif.runner --build-args [--waves]   # Verilator build options
    python -m hlstransform.verif.runner --plusargs                # run-time plusargs (seeded)
    python -m hlstransform.verif.runner --seed                    # the seed in force
    python -m hlstransform.verif.runner --test-module MODULE      # dotted name of verif/tests/MODULE/test_MODULE.py
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from xml.etree import ElementTree

from hlstransform.verif import lint, toolchain
from hlstransform.verif import sources as rtl_sources

log = logging.getLogger(__name__)

DEFAULT_SEED = 20240513
"""cocotb seed when none is given: fixed, so a plain run is reproducible."""

TIMESCALE = ("1ns", "1ps")
"""Default time unit/precision (RTL files carry no `timescale; XLS output has none either)."""

BUILD_JOBS_BUDGET = 2
"""Compile jobs for all concurrent builds together (the CI machine has 2 cores)."""

_PACKAGE = "hlstransform.verif"
_VERIF_DIR = Path(__file__).resolve().parent


class SimulationFailed(AssertionError):
    """A cocotb run failed: a test failed, none ran, or the simulator exited abnormally."""


def seed_from_env(environ: Mapping[str, str] | None = None) -> int:
    """Return ``COCOTB_RANDOM_SEED``, else ``RANDOM_SEED``, else :data:`DEFAULT_SEED`."""
    env = os.environ if environ is None else environ
    for name in ("COCOTB_RANDOM_SEED", "RANDOM_SEED"):
        value = env.get(name, "").strip()
        if value:
            return int(value, 0)
    return DEFAULT_SEED


def waves_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Return whether ``WAVES`` asks for wave dumps (``1``, ``true``, ``yes``, ``on``)."""
    env = os.environ if environ is None else environ
    return env.get("WAVES", "").strip().lower() in ("1", "true", "yes", "on")


def coverage_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Return whether ``RTL_COVERAGE`` asks for coverage builds (``1``, ``true``, ``yes``, ``on``)."""
    env = os.environ if environ is None else environ
    return env.get("RTL_COVERAGE", "").strip().lower() in ("1", "true", "yes", "on")


COVERAGE_ARGS = ("--coverage-line", "--coverage-toggle", "--coverage-underscore")
"""Verilator line (statement blocks and branches) and toggle coverage; each run writes
``coverage.dat`` into its build folder, which ``scripts/coverage.py`` merges and reports."""


def build_args(waves: bool = False, coverage: bool = False) -> list[str]:
    """Return the Verilator build options shared by pytest and ``make sim``.

    ``-Wall`` with the project waivers (warnings stay fatal), unknown values
    (``x`` assignments and initial register contents) randomised per run so a missing
    reset shows up, FST tracing with struct members when *waves*, and line and toggle
    coverage when *coverage*.
    """
    args = [*lint.warning_args(), "--x-assign", "unique", "--x-initial", "unique"]
    if waves:
        args += ["--trace-fst", "--trace-structs", *toolchain.fst_build_args()]
    if coverage:
        args += list(COVERAGE_ARGS)
    return args


def plusargs(seed: int) -> list[str]:
    """Return the simulator plusargs: initial register values random, drawn from *seed*."""
    verilator_seed = seed % (2**31 - 1) or 1  # Verilator wants a non-zero 31-bit seed.
    return ["+verilator+rand+reset+2", f"+verilator+seed+{verilator_seed}"]


def param_env(parameters: Mapping[str, object]) -> dict[str, str]:
    """Return ``{"PARAM_<NAME>": str(value)}`` for each RTL parameter."""
    return {f"PARAM_{name}": str(value) for name, value in parameters.items()}


def parameter_slug(parameters: Mapping[str, object]) -> str:
    """Return a folder name for a parameter set: ``A-1__B-2``, hashed when long or odd."""
    if not parameters:
        return "default"
    slug = "__".join(f"{name}-{value}" for name, value in sorted(parameters.items()))
    if len(slug) > 80 or not re.fullmatch(r"[A-Za-z0-9_.\-]+", slug):
        slug = "p-" + hashlib.sha1(slug.encode()).hexdigest()[:12]
    return slug


def dotted_module_name(test_module: str | os.PathLike[str]) -> str:
    """Return the importable dotted name of a test module given as a name or a file path.

    A path (``__file__`` of a test file under ``verif/``) maps to ``hlstransform.verif.<...>``,
    whatever name pytest imported the file under.
    """
    text = os.fspath(test_module)
    if not text.endswith(".py"):
        return text
    path = Path(text).resolve()
    try:
        rel = path.with_suffix("").relative_to(_VERIF_DIR)
    except ValueError:
        raise ValueError(f"test module {path} is not under {_VERIF_DIR}") from None
    return ".".join((_PACKAGE, *rel.parts))


def make_test_module(module: str) -> str:
    """Return the dotted test module of ``make sim MODULE=<module>``: ``verif/tests/<m>/test_<m>.py``."""
    return f"{_PACKAGE}.tests.{module}.test_{module}"


def build_dir_for(top: str, parameters: Mapping[str, object], test_module: str, waves: bool,
                  coverage: bool = False, optimized: bool = False) -> Path:
    """Return the build folder of one (test module, top, parameter set, waves, coverage,
    optimization) combination."""
    short = test_module.rsplit(".", 1)[-1]
    name = (parameter_slug(parameters) + ("-waves" if waves else "") + ("-cov" if coverage else "")
            + ("-opt" if optimized else ""))
    return toolchain.repo_root() / "sim_build" / short / top / name


def build_jobs() -> int:
    """Return make -j for one build: the 2-job budget shared among pytest-xdist workers."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    return max(1, min(BUILD_JOBS_BUDGET, os.cpu_count() or 1) // max(1, workers))


def failed_testcases(results_xml: Path) -> list[str]:
    """Return the names of the failed or errored test cases in a cocotb results file."""
    failed = []
    for case in ElementTree.parse(results_xml).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(case.get("name", "?"))
    return failed


def check_results(results_xml: Path, seed: int) -> int:
    """Raise :class:`SimulationFailed` unless *results_xml* holds at least one test and no failures.

    Returns:
        The number of tests that passed.
    """
    from cocotb_tools.check_results import get_results

    hint = f"(COCOTB_RANDOM_SEED={seed}; results {results_xml})"
    try:
        num_tests, num_failed = get_results(results_xml)
    except RuntimeError as exc:
        raise SimulationFailed(f"{exc.args[0]} {hint}") from None
    if num_tests == 0:
        raise SimulationFailed(f"no cocotb test ran {hint}")
    if num_failed:
        names = ", ".join(failed_testcases(results_xml))
        raise SimulationFailed(f"{num_failed} of {num_tests} cocotb tests failed: {names} {hint}")
    return num_tests


def _verilator_runner(public_depth: int | None):
    """cocotb's Verilator runner; with *public_depth*, ``--public-depth N`` replaces the
    ``--public-flat-rw`` it passes (see :class:`hlstransform.verif.sources.Top`)."""
    import cocotb_tools.runner

    if public_depth is None:
        return cocotb_tools.runner.get_runner("verilator")

    class _Verilator(cocotb_tools.runner.Verilator):
        def _build_command(self):
            cmds = super()._build_command()
            verilate = list(cmds[0])
            i = verilate.index("--public-flat-rw")
            verilate[i: i + 1] = ["--public-depth", str(public_depth)]
            return [verilate, *cmds[1:]]

    return _Verilator()


@contextlib.contextmanager
def make_overrides(*overrides: str) -> Iterator[None]:
    """make variable overrides (``NAME=value``) for the Verilator builds inside the block.

    make reads variable definitions in ``MAKEFLAGS`` from the environment as command-line
    overrides, and the runner's make inherits the environment (``verif/toolchain.py`` passes
    its own overrides the same way); the previous value is restored afterwards.
    """
    if not overrides:
        yield
        return
    saved = os.environ.get("MAKEFLAGS")
    os.environ["MAKEFLAGS"] = " ".join(([saved] if saved else []) + list(overrides))
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MAKEFLAGS", None)
        else:
            os.environ["MAKEFLAGS"] = saved


def run_cocotb(
    top: str,
    test_module: str | os.PathLike[str],
    parameters: Mapping[str, object] | None = None,
    *,
    testcase: str | Sequence[str] | None = None,
    waves: bool | None = None,
    seed: int | None = None,
    extra_env: Mapping[str, str] | None = None,
    extra_plusargs: Sequence[str] = (),
    log_files: bool = False,
    optimized: bool = False,
) -> Path:
    """Build *top* with *parameters* and run the cocotb tests in *test_module* on it.

    Args:
        top: Registered top (see :mod:`hlstransform.verif.sources`).
        test_module: Dotted module name, or the test file's path (pass ``__file__``).
        parameters: RTL parameters; also exported to the tests as ``PARAM_<NAME>``.
        testcase: Run only these cocotb tests (default: all in the module).
        waves: Dump ``dump.fst``; default from the ``WAVES`` environment variable.
        seed: cocotb random seed; default from the environment (see :func:`seed_from_env`).
        extra_env: More environment variables for the simulation.
        extra_plusargs: More simulator plusargs (e.g. ``+ddr_a_image=FILE``, rtl/sim/vu9p_sim.sv).
        log_files: Write the build's and the simulation's output to ``build.log`` and
            ``sim-<pid>.log`` in the build folder instead of this process's stdout (a host
            program's output stays its own); the results file is then ``results-<pid>.xml``.
        optimized: Build with the per-cycle code optimized (``sources.OPTIMIZED_OVERRIDES``), in
            a build folder of its own: for long simulations (the benchmark), not worth its
            compile time for the tests.

    Returns:
        The results file (JUnit XML).

    Raises:
        SimulationFailed: A cocotb test failed, none ran, or the simulator crashed.
    """
    import cocotb_tools.runner

    toolchain.apply()
    parameters = dict(parameters or {})
    module = dotted_module_name(test_module)
    waves = waves_from_env() if waves is None else waves
    seed = seed_from_env() if seed is None else seed
    coverage = coverage_from_env()
    build_dir = build_dir_for(top, parameters, module, waves, coverage, optimized)

    env = param_env(parameters)
    clashes = {k: os.environ[k] for k in env if k in os.environ and os.environ[k] != env[k]}
    if clashes:
        # cocotb's runner lets os.environ override extra_env: refuse rather than mismatch.
        raise SimulationFailed(f"environment {clashes} contradicts the RTL parameters {parameters}")
    env.update(extra_env or {})

    log.info("cocotb: top %s, parameters %s, module %s, seed %d, waves %s, build %s",
             top, parameters or "default", module, seed, waves, build_dir)
    print(f"cocotb seed: COCOTB_RANDOM_SEED={seed} (top {top}, parameters {parameters or 'default'})", file=sys.stderr)

    cocotb_tools.runner.MAX_PARALLEL_BUILD_JOBS = build_jobs()
    runner = _verilator_runner(rtl_sources.get_top(top).public_depth)
    # One build at a time per build folder: two processes (pytest-xdist workers, a host program
    # started by a test) may want the same simulator at once; the second waits and reuses it.
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".build.lock", "w") as lock, make_overrides(
            *rtl_sources.get_top(top).build_overrides(optimized)):
        fcntl.flock(lock, fcntl.LOCK_EX)
        runner.build(
            sources=rtl_sources.sources(top),
            includes=rtl_sources.includes(top),
            hdl_toplevel=top,
            parameters=parameters,
            build_args=build_args(waves, coverage),
            build_dir=build_dir,
            timescale=TIMESCALE,
            waves=waves,
            log_file=build_dir / "build.log" if log_files else None,
        )
    # Runs of one build may overlap (see above): a host program's run gets files of its own.
    run_tag = f"-{os.getpid()}" if log_files else ""
    results_xml = build_dir / f"results{run_tag}.xml"
    results_xml.unlink(missing_ok=True)  # (a run that dies early must not leave an older run's)
    try:
        results_xml = runner.test(
            test_module=module,
            hdl_toplevel=top,
            testcase=testcase,
            seed=seed,
            plusargs=plusargs(seed) + list(extra_plusargs),
            extra_env=env,
            waves=waves,
            parameters=parameters,
            build_dir=build_dir,
            test_dir=build_dir,
            results_xml=str(results_xml),
            timescale=TIMESCALE,
            log_file=build_dir / f"sim{run_tag}.log" if log_files else None,
        )
    except (SystemExit, RuntimeError) as exc:
        # cocotb's runner calls sys.exit() on a failed simulation, or raises RuntimeError when the
        # simulator exits non-zero with its output in a log file (an HDL $error, $fatal or $stop, a
        # crash): report either as a test failure.
        if results_xml.is_file():
            check_results(results_xml, seed)
        status = exc.code if isinstance(exc, SystemExit) else exc
        raise SimulationFailed(f"simulator exited with status {status} (COCOTB_RANDOM_SEED={seed})") from None
    check_results(results_xml, seed)
    if waves:
        log.info("waves: %s", build_dir / "dump.fst")
    return results_xml


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hlstransform.verif.runner",
        description="Print the simulation options make shares with pytest.",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--build-args", action="store_true", help="Verilator build options")
    what.add_argument("--plusargs", action="store_true", help="simulator plusargs for the seed in force")
    what.add_argument("--seed", action="store_true", help="the seed in force (environment or default)")
    what.add_argument("--test-module", metavar="MODULE", help="dotted name of MODULE's cocotb test module")
    parser.add_argument("--waves", action="store_true", help="with --build-args: add FST tracing")
    parser.add_argument("--coverage", action="store_true", help="with --build-args: add line and toggle coverage")
    args = parser.parse_args(argv)
    try:
        if args.build_args:
            print(" ".join(build_args(args.waves, args.coverage or coverage_from_env())))
        elif args.plusargs:
            print(" ".join(plusargs(seed_from_env())))
        elif args.seed:
            print(seed_from_env())
        else:
            print(make_test_module(args.test_module))
    except ValueError as exc:
        print(f"runner: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
