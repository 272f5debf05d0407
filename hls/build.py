"""Compile the DSLX datapaths in hls/ to pipelined Verilog in rtl/gen/ (``make hls``).

Flow per block of ``hls/blocks.toml`` (DESIGN.md section 2): ``convert_dslx_to_ir`` ->
``optimize_ir`` (top = the block's function) -> ``Package.schedule_and_codegen`` with every
option from the block's table passed explicitly. Each ``rtl/gen/<module>.v`` opens with a
banner naming its source, top function, settings, xls-python version and the regenerating
command; there are no timestamps or absolute paths, so a rebuild is byte-for-byte identical.
``rtl/gen/hls_latency_pkg.sv`` holds every block's latency as a constant: the kernels name
those, so a new stage count in blocks.toml reaches every pipeline, FIFO and credit sized by it.

Results are cached in ``build/hls-cache/`` under a SHA-256 of everything that determines them
(xls-python version, this script, the block's ``.x`` and the hls/ modules it imports, its
settings); ``--no-cache`` rebuilds from scratch. A new entry replaces the block's previous one;
the cache may be deleted at any time (``make clean`` removes ``build/``).

usage: python hls/build.py [--out DIR] [--check] [--no-cache] [--list] [BLOCK ...]

  (no options)  regenerate rtl/gen/ for every block (or the named ones)
  --check       build into a temporary directory and compare with rtl/gen/ byte for byte;
                exit status 1 and one line per stale, missing or extra file
  --out DIR     write the Verilog to DIR instead of rtl/gen/
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

HLS_DIR = Path(__file__).resolve().parent
REPO_ROOT = HLS_DIR.parent
SETTINGS = HLS_DIR / "blocks.toml"
GEN_DIR = REPO_ROOT / "rtl" / "gen"
CACHE_DIR = REPO_ROOT / "build" / "hls-cache"
REGEN_COMMAND = "make hls  (= .venv/bin/python hls/build.py)"
LATENCY_PACKAGE = "hls_latency_pkg.sv"
"""Generated next to the blocks: every block's latency as a SystemVerilog constant."""

# Codegen and scheduling options: every block must give each one (no silent XLS defaults).
CODEGEN_KEYS = (
    "generator",
    "reset",
    "reset_active_low",
    "reset_asynchronous",
    "reset_data_path",
    "input_valid_signal",
    "output_valid_signal",
    "flop_inputs",
    "flop_outputs",
    "flop_inputs_kind",
    "flop_outputs_kind",
    "output_port_name",
    "use_system_verilog",
    "add_idle_output",
    "separate_lines",
    "emit_sv_types",
    "add_invariant_assertions",
    "array_index_bounds_checking",
)
SCHEDULING_KEYS = ("delay_model", "pipeline_stages", "worst_case_throughput", "scheduling_strategy")
BLOCK_KEYS = ("source", "top", "module") + CODEGEN_KEYS + SCHEDULING_KEYS


class BuildError(RuntimeError):
    """A settings or DSLX error, reported as one line by ``main``."""


@dataclass(frozen=True)
class Block:
    """One generated module: a DSLX top function and its codegen options (hls/blocks.toml).

    Args:
        name: the table name in blocks.toml.
        options: every key of ``BLOCK_KEYS`` with its value.
    """

    name: str
    options: tuple[tuple[str, object], ...]

    def __getitem__(self, key: str):
        return dict(self.options)[key]

    @property
    def source(self) -> Path:
        return HLS_DIR / str(self["source"])

    @property
    def module_name(self) -> str:
        """The DSLX module name (the source file's stem), used in IR name mangling."""
        return self.source.stem

    @property
    def ir_top(self) -> str:
        from xls import mangle_dslx_name

        return mangle_dslx_name(self.module_name, str(self["top"]))

    @property
    def latency(self) -> int:
        """Cycles from in_valid to out_valid."""
        return int(self["pipeline_stages"]) - 1 + int(bool(self["flop_inputs"])) + int(bool(self["flop_outputs"]))


@dataclass(frozen=True)
class Artifacts:
    """What one block build produces."""

    optimized_ir: str
    verilog: str


def xls_version() -> str:
    return metadata.version("xls-python")


def load_blocks(path: Path = SETTINGS, names: Sequence[str] | None = None) -> list[Block]:
    """Read and validate the block table (every key present, no unknown key).

    Raises:
        BuildError: unreadable file, missing/unknown keys, unknown block name.
    """
    try:
        table = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise BuildError(f"{path}: {e}") from None
    blocks = []
    for name, opts in table.items():
        if not isinstance(opts, dict):
            raise BuildError(f"{path}: [{name}] is not a table")
        missing = [k for k in BLOCK_KEYS if k not in opts]
        unknown = [k for k in opts if k not in BLOCK_KEYS]
        if missing or unknown:
            raise BuildError(f"{path}: [{name}] missing keys {missing}, unknown keys {unknown}")
        if not (HLS_DIR / opts["source"]).is_file():
            raise BuildError(f"{path}: [{name}] source {opts['source']} not found in hls/")
        blocks.append(Block(name, tuple((k, opts[k]) for k in BLOCK_KEYS)))
    modules = [b["module"] for b in blocks]
    if len(set(modules)) != len(modules):
        raise BuildError(f"{path}: duplicate module names")
    if names:
        known = {b.name: b for b in blocks}
        bad = [n for n in names if n not in known]
        if bad:
            raise BuildError(f"unknown block(s) {bad}; known: {sorted(known)}")
        blocks = [known[n] for n in names]
    return blocks


def banner(block: Block) -> str:
    """The comment that opens every generated file (no timestamps, no absolute paths)."""
    return "\n".join(
        [
            f"// {block['module']}: generated by XLS -- do not edit, regenerate with: {REGEN_COMMAND}",
            f"// Source: hls/{block['source']}, top function `{block['top']}`;"
            f" settings: hls/blocks.toml [{block.name}].",
            f"// xls-python {xls_version()}; delay model {block['delay_model']},"
            f" {block['pipeline_stages']} pipeline stages, latency {block.latency} cycles,"
            f" throughput 1/cycle.",
            "",
        ]
    )


def local_sources(source: Path) -> list[Path]:
    """``source`` and every hls/*.x it imports, transitively (stdlib imports excluded)."""
    seen: list[Path] = []
    todo = [source]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        for name in re.findall(r"^\s*import\s+(\w+)\s*;", path.read_text(), re.M):
            dep = HLS_DIR / f"{name}.x"
            if dep.is_file():
                todo.append(dep)
    return sorted(seen)


def _cache_key(block: Block) -> str:
    """SHA-256 of everything the block's output depends on."""
    h = hashlib.sha256()
    h.update(xls_version().encode())
    h.update(Path(__file__).read_bytes())
    for x in local_sources(block.source):
        h.update(x.name.encode() + b"\0" + x.read_bytes())
    h.update(json.dumps([block.name, block.options]).encode())
    return h.hexdigest()[:32]


def convert(source: Path) -> str:
    """DSLX file -> unoptimized IR text (imports resolved in hls/ and the XLS stdlib).

    The path given to XLS is repo-relative so no absolute path of this checkout leaks out.
    """
    from xls import convert_dslx_to_ir

    try:
        return convert_dslx_to_ir(
            source.read_text(), f"hls/{source.name}", source.stem, additional_search_paths=[str(HLS_DIR)]
        )
    except RuntimeError as e:
        raise BuildError(f"hls/{source.name}: {str(e).splitlines()[0]}") from None


def codegen(block: Block, ir: str) -> Artifacts:
    """Optimize ``ir`` for the block's top and schedule + generate its Verilog (with banner)."""
    from xls import Package, optimize_ir

    opt = optimize_ir(ir, block.ir_top)
    pkg = Package.parse_ir(opt)
    pkg.set_top(block.ir_top)
    opts = dict(block.options)
    kwargs = {k: opts[k] for k in CODEGEN_KEYS + SCHEDULING_KEYS}
    result = pkg.schedule_and_codegen(top=block.ir_top, module_name=str(opts["module"]), **kwargs)
    return Artifacts(opt, banner(block) + result.get_verilog_text())


def _cache_paths(block: Block) -> tuple[Path, Path]:
    stem = CACHE_DIR / f"{block['module']}-{_cache_key(block)}"
    return stem.with_suffix(".opt.ir"), stem.with_suffix(".v")


def build_block(block: Block, use_cache: bool = True, _ir_memo: dict | None = None) -> Artifacts:
    """Artifacts of one block, from the cache when its key matches.

    Concurrent callers (pytest-xdist workers) serialize on a lock file, so a block is built
    once and the others read the cache.
    """
    ir_path, v_path = _cache_paths(block)
    if not use_cache:
        return codegen(block, _converted(block.source, _ir_memo))
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ir_path.is_file() and v_path.is_file():
            return Artifacts(ir_path.read_text(), v_path.read_text())
        art = codegen(block, _converted(block.source, _ir_memo))
        for old in CACHE_DIR.glob(f"{block['module']}-*"):  # superseded entries of this block
            old.unlink()
        for path, text in ((ir_path, art.optimized_ir), (v_path, art.verilog)):
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_text(text)
            os.replace(tmp, path)
        return art


def _converted(source: Path, memo: dict | None) -> str:
    if memo is None:
        return convert(source)
    if source not in memo:
        memo[source] = convert(source)
    return memo[source]


def latency_package(blocks: Sequence[Block]) -> str:
    """``hls_latency_pkg``: each block's in_valid-to-out_valid latency, the one place the
    kernels read it from (their pipelines, FIFO depths and credits follow a new stage count)."""
    lines = [
        f"// hls_latency_pkg: generated from hls/blocks.toml -- do not edit, regenerate with: {REGEN_COMMAND}",
        "// Cycles from in_valid to out_valid of each XLS block in rtl/gen/ (pipeline_stages - 1",
        "// + flop_inputs + flop_outputs). Kernels name these constants, never the numbers.",
        "",
        "package hls_latency_pkg;",
        "",
    ]
    width = max(len(b["module"]) for b in blocks)
    for b in blocks:
        name = f"{str(b['module']).upper()}_LATENCY"
        stages = int(b["pipeline_stages"])
        lines.append(f"localparam int {name:<{width + 8}} = {b.latency:>2};  // {stages} stage{'s' if stages != 1 else ''}")
    lines += ["", "endpackage", ""]
    return "\n".join(lines)


def _write_if_changed(path: Path, text: str) -> bool:
    """Write *text* unless *path* already holds it (keeps the mtime: make-based sims rebuild
    less); True when unchanged."""
    unchanged = path.is_file() and path.read_text() == text
    if not unchanged:
        path.write_text(text)
    return unchanged


def build(blocks: Iterable[Block], out_dir: Path, use_cache: bool = True, log=print) -> list[Path]:
    """Write ``<module>.v`` for every block, and the latency package of all blocks, into
    ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    memo: dict = {}
    written = []
    for block in blocks:
        art = build_block(block, use_cache, memo)
        path = out_dir / f"{block['module']}.v"
        unchanged = _write_if_changed(path, art.verilog)
        written.append(path)
        if log:
            state = "unchanged" if unchanged else "written"
            log(f"hls: {block.name}: hls/{block['source']}:{block['top']} -> {_show(path)} ({state})")
    path = out_dir / LATENCY_PACKAGE
    unchanged = _write_if_changed(path, latency_package(load_blocks()))
    written.append(path)
    if log:
        log(f"hls: latencies of every block -> {_show(path)} ({'unchanged' if unchanged else 'written'})")
    return written


def check(blocks: Sequence[Block], gen_dir: Path = GEN_DIR, use_cache: bool = True) -> list[str]:
    """Rebuild into a temporary directory and list how ``gen_dir`` differs (empty: fresh)."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = build(blocks, Path(tmp), use_cache, log=None)
        for path in fresh:
            committed = gen_dir / path.name
            if not committed.is_file():
                problems.append(f"missing: {_show(committed)}")
            elif committed.read_bytes() != path.read_bytes():
                problems.append(f"stale: {_show(committed)}")
    expected = {f"{b['module']}.v" for b in load_blocks()}
    for extra in sorted(gen_dir.glob("*.v")):
        if extra.name not in expected:
            problems.append(f"extra (no block in hls/blocks.toml): {_show(extra)}")
    return problems


def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("blocks", nargs="*", metavar="BLOCK", help="blocks to build (default: all)")
    parser.add_argument("--out", type=Path, default=GEN_DIR, help="output directory (default: rtl/gen)")
    parser.add_argument("--check", action="store_true", help="compare a fresh build with rtl/gen")
    parser.add_argument("--no-cache", action="store_true", help="ignore and do not use build/hls-cache")
    parser.add_argument("--list", action="store_true", help="list the blocks and exit")
    args = parser.parse_args(argv)
    try:
        blocks = load_blocks(names=args.blocks)
        if args.list:
            for b in blocks:
                print(f"{b.name}: hls/{b['source']}:{b['top']} -> {b['module']}.v "
                      f"({b['pipeline_stages']} stages, latency {b.latency})")
            return 0
        if args.check:
            problems = check(blocks, args.out, not args.no_cache)
            for p in problems:
                print(f"hls --check: {p}", file=sys.stderr)
            if not problems:
                print(f"hls --check: {len(blocks)} generated files are up to date")
            return 1 if problems else 0
        build(blocks, args.out, not args.no_cache)
        return 0
    except BuildError as e:
        print(f"hls: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
