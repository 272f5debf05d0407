"""``make lint``: ``verilator --lint-only -Wall`` on every registered RTL top.

Each top in :mod:`hlstransform.verif.sources` is linted as it elaborates (its own source
list, default parameters), so cross-file problems (a missing module, a port width
mismatch) are caught as well as per-file ones. Hand-written RTL takes no waivers but inline
ones. The XLS blocks (``rtl/gen/*.v``) are read as port-only stubs (:func:`port_stub`): their
bodies are not ours to lint (``verif/verilator/waivers.vlt`` waives them in the simulation
builds) and elaborating them took most of a minute per top that holds every block, while
their port lists are all the hand-written RTL around them is checked against. That the
generated bodies elaborate is ``tests/test_hls_build.py``'s check. Lint fails
too when a hand-written file under ``rtl/common``, ``rtl/kernels``, ``rtl/forward`` or
``rtl/shell`` is in no source list (it would never be linted, simulated or synthesised),
or when a listed file does not exist.

The simulation builds (:mod:`hlstransform.verif.runner`, ``make sim``) use the same
:func:`warning_args`, so a warning that lint rejects also stops a build at any parameter set.

Usage::

    python -m hlstransform.verif.lint [TOP ...]     # default: every registered top
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hlstransform.verif import sources as rtl_sources
from hlstransform.verif import toolchain

WAIVERS: Path = Path(__file__).resolve().parent / "verilator" / "waivers.vlt"
"""Project-wide Verilator control file (only the ``rtl/gen`` waiver)."""


def warning_args() -> list[str]:
    """Return the Verilator warning options every lint and simulation build uses.

    ``-Wall`` and the project waiver file; never ``-Wno-fatal`` (Verilator reports an
    elaboration ``$error`` as a warning, so ``-Wno-fatal`` would let illegal parameters through).
    """
    return ["-Wall", str(WAIVERS)]


GEN_DIR: Path = Path("rtl") / "gen"
"""XLS output: its ``.v`` modules are linted as port-only stubs."""


class StubError(ValueError):
    """A generated file whose port list cannot be found."""


def port_stub(text: str, name: str, module: str) -> str:
    """Return *module* of *text* (the file *name*) reduced to its port list: ``module m(...);``
    through the line ``);`` that ends the list, then ``endmodule`` (the form XLS codegen writes),
    with the unused-input and undriven-output warnings of a body-less module switched off.

    *module* is named, not taken as the first in the file: a chain block's file holds its
    pieces' modules first and the block's own module last (hls/build.py)."""
    lines = text.splitlines()
    head = f"module {module}("
    start = next((i for i, line in enumerate(lines) if line.startswith(head)), None)
    end = next((i for i in range(start, len(lines)) if lines[i].strip() == ");"), None) if start is not None else None
    if end is None:
        raise StubError(f"{name}: no 'module ...(' ... ');' port list to stub")
    return "\n".join(["// Port-only stub of " + name + " for lint (hlstransform.verif.lint.port_stub).",
                      "/* verilator lint_off UNUSEDSIGNAL */", "/* verilator lint_off UNDRIVEN */",
                      *lines[start: end + 1], "endmodule", ""])


def lint_sources(top: str, stub_dir: Path) -> list[Path]:
    """*top*'s sources with each generated ``.v`` replaced by its stub, written to *stub_dir*."""
    root = toolchain.repo_root()
    out = []
    for path in rtl_sources.sources(top):
        if path.suffix == ".v" and path.parent == root / GEN_DIR:
            stub = stub_dir / path.name
            if not stub.is_file():
                stub.write_text(port_stub(path.read_text(), str(path.relative_to(root)), module=path.stem))
            path = stub
        out.append(path)
    return out


def lint_command(top: str, stub_dir: Path) -> list[str]:
    """Return the ``verilator --lint-only`` command line for *top* (stubs in *stub_dir*)."""
    cmd = [str(toolchain.verilator_bin_dir() / "verilator"), "--lint-only", *warning_args(), "--top-module", top]
    cmd += [f"-I{path}" for path in rtl_sources.includes(top)]
    cmd += [str(path) for path in lint_sources(top, stub_dir)]
    return cmd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hlstransform.verif.lint",
        description=__doc__.split("\n\n", 1)[0],
    )
    parser.add_argument("tops", nargs="*", help="tops to lint (default: every registered top)")
    args = parser.parse_args(argv)

    try:
        toolchain.apply()
        root = toolchain.repo_root()
        tops = args.tops or sorted(rtl_sources.TOPS)
        for top in tops:
            rtl_sources.get_top(top)
    except (KeyError, toolchain.ToolchainError) as exc:
        print(f"lint: error: {exc.args[0]}", file=sys.stderr)
        return 1

    problems = 0
    for top, path in rtl_sources.missing_files():
        print(f"lint: {top}: listed source {path.relative_to(root)} does not exist", file=sys.stderr)
        problems += 1
    for path in rtl_sources.unlisted_files():
        print(f"lint: {path.relative_to(root)} is in no source list (add it to verif/sources.py)", file=sys.stderr)
        problems += 1
    if problems:
        return 1

    failed: list[str] = []
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hlst-lint-") as stub_dir:
        for top in tops:
            try:
                cmd = lint_command(top, Path(stub_dir))
            except StubError as exc:
                print(f"lint: {top}: {exc}", file=sys.stderr)
                failed.append(top)
                continue
            result = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                failed.append(top)
                sys.stderr.write(result.stderr)
                print(f"lint: {top}: FAILED", file=sys.stderr)
    elapsed = time.monotonic() - start
    if failed:
        print(f"lint: {len(failed)} of {len(tops)} tops failed: {' '.join(failed)}", file=sys.stderr)
        return 1
    print(f"lint: {len(tops)} tops clean under verilator --lint-only -Wall ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
