"""Compile the DSLX datapaths in hls/ to pipelined Verilog in rtl/gen/ (``make hls``).

Flow per block of ``hls/blocks.toml`` (DESIGN.md section 2): ``convert_dslx_to_ir`` ->
``optimize_ir`` (top = the block's function) -> ``Package.schedule_and_codegen`` with every
option from the block's table passed explicitly. Each ``rtl/gen/<module>.v`` opens with a
banner naming its source, top function, settings, xls-python version and the regenerating
command; there are no timestamps or absolute paths, so a rebuild is byte-for-byte identical.
``rtl/gen/hls_latency_pkg.sv`` holds every block's latency as a constant: the kernels name
those, so a new stage count in blocks.toml reaches every pipeline, FIFO and credit sized by it.

A block may instead be a chain of *pieces* (``pieces = [["fn", stages], ...]`` in its table):
each piece is a DSLX function scheduled as its own pipeline, the output of one the only input
of the next, and the block's module (last in its file) instantiates them in a row. XLS's delay
models do not see what an FPGA pays for a wide shift or a leading-zero count, so a schedule of
one function can pack several of them between two registers; piece boundaries put registers
where the DSLX says. ``flop_inputs`` applies to the first piece only (a piece's input is the
previous piece's output register) and ``pipeline_stages`` must equal the pieces' sum, so the
latency formula is the same as for one pipeline.

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
OPTIONAL_KEYS = ("pieces",)
"""``pieces``: ``[["function", stages], ...]``, the block as a chain of pipelines (module doc)."""


class BuildError(RuntimeError):
    """A settings or DSLX error, reported as one line by ``main``."""


@dataclass(frozen=True)
class Block:
    """One generated module: a DSLX top function and its codegen options (hls/blocks.toml).

    Args:
        name: the table name in blocks.toml.
        options: every key of ``BLOCK_KEYS`` with its value, then ``pieces`` (a tuple of
            ``(function, stages)``) for a chain.
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
    def pieces(self) -> tuple[tuple[str, int], ...]:
        """The chain's ``(function, stages)`` in order; empty for a single pipeline."""
        return tuple(dict(self.options).get("pieces", ()))

    def piece_module(self, function: str) -> str:
        """Verilog module name of one piece: ``<module>__<function>``."""
        return f"{self['module']}__{function}"

    def ir_name(self, function: str) -> str:
        from xls import mangle_dslx_name

        return mangle_dslx_name(self.module_name, function)

    @property
    def latency(self) -> int:
        """Cycles from in_valid to out_valid."""
        return int(self["pipeline_stages"]) - 1 + int(bool(self["flop_inputs"])) + int(bool(self["flop_outputs"]))


@dataclass(frozen=True)
class Artifacts:
    """What one block build produces.

    ``optimized_ir``: the optimized IR each generated module came from, by IR function name
    (one entry for a single pipeline, one per distinct piece for a chain).
    """

    optimized_ir: dict[str, str]
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
        unknown = [k for k in opts if k not in BLOCK_KEYS + OPTIONAL_KEYS]
        if missing or unknown:
            raise BuildError(f"{path}: [{name}] missing keys {missing}, unknown keys {unknown}")
        if not (HLS_DIR / opts["source"]).is_file():
            raise BuildError(f"{path}: [{name}] source {opts['source']} not found in hls/")
        options = tuple((k, opts[k]) for k in BLOCK_KEYS)
        if "pieces" in opts:
            options += (("pieces", _pieces(path, name, opts)),)
        blocks.append(Block(name, options))
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


def _pieces(path: Path, name: str, opts: dict) -> tuple[tuple[str, int], ...]:
    """Validated ``pieces`` of a block table (see the module doc)."""
    raw = opts["pieces"]
    ok = isinstance(raw, list) and raw and all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) and re.fullmatch(r"\w+", p[0])
        and isinstance(p[1], int) and not isinstance(p[1], bool) and p[1] >= 1 for p in raw)
    if not ok:
        raise BuildError(f"{path}: [{name}] pieces must be a list of [\"function\", stages >= 1]")
    pieces = tuple((p[0], p[1]) for p in raw)
    total = sum(st for _, st in pieces)
    if total != opts["pipeline_stages"]:
        raise BuildError(f"{path}: [{name}] pieces' stages sum to {total}, pipeline_stages is "
                         f"{opts['pipeline_stages']}")
    stages = {}
    for i, (fn, st) in enumerate(pieces):
        # A piece used twice is one module: the same stages, and never first (flop_inputs).
        if stages.setdefault(fn, (st, i == 0)) != (st, i == 0):
            raise BuildError(f"{path}: [{name}] piece {fn} appears with different stages or first and later")
    return pieces


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
        ]
        + ([f"// A chain of {len(block.pieces)} pipelines, one per piece (module <block>__<piece>, stages):"
            f" {', '.join(f'{fn} {st}' for fn, st in block.pieces)};",
            f"// module {block['module']} at the end of this file instantiates them in that order."]
           if block.pieces else [])
        + [""]
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
    """Optimize ``ir`` for the block's top (or each piece) and schedule + generate its Verilog."""
    if not block.pieces:
        opt, verilog = _schedule(block, ir, str(block["top"]), str(block["module"]), {})
        return Artifacts({block.ir_top: opt}, banner(block) + verilog)
    irs: dict[str, str] = {}
    texts: list[str] = []
    ports: dict[str, tuple[list, list]] = {}
    for i, (fn, stages) in enumerate(block.pieces):
        if block.ir_name(fn) in irs:
            continue
        overrides = {"pipeline_stages": stages, "flop_inputs": bool(block["flop_inputs"]) if i == 0 else False,
                     "flop_outputs": True}
        opt, verilog = _schedule(block, ir, fn, block.piece_module(fn), overrides)
        irs[block.ir_name(fn)] = opt
        texts.append(verilog)
        ports[fn] = _data_ports(verilog, block.piece_module(fn), block)
    return Artifacts(irs, banner(block) + "\n".join(texts) + "\n" + chain_module(block, ports))


def _schedule(block: Block, ir: str, function: str, module: str, overrides: dict) -> tuple[str, str]:
    """(optimized IR, Verilog) of one DSLX function of the block's source as pipeline ``module``."""
    from xls import Package, optimize_ir

    ir_top = block.ir_name(function)
    try:
        opt = optimize_ir(ir, ir_top)
    except RuntimeError as e:
        raise BuildError(f"[{block.name}] {function}: {str(e).splitlines()[0]}") from None
    pkg = Package.parse_ir(opt)
    pkg.set_top(ir_top)
    opts = dict(block.options) | overrides
    kwargs = {k: opts[k] for k in CODEGEN_KEYS + SCHEDULING_KEYS}
    result = pkg.schedule_and_codegen(top=ir_top, module_name=module, **kwargs)
    return opt, result.get_verilog_text()


_PORT_RE = re.compile(r"^\s*(input|output) wire (?:\[(\d+):0\] )?(\w+)[,\n]?", re.M)


def _data_ports(verilog: str, module: str, block: Block) -> tuple[list, list]:
    """``([(name, width)] inputs, [(name, width)] outputs)`` of a generated module, without the
    clock, reset and valid ports."""
    head = verilog[verilog.index(f"module {module}("):]
    head = head[: head.index(");")]
    control = {"clk", str(block["reset"]), str(block["input_valid_signal"]), str(block["output_valid_signal"])}
    ins, outs = [], []
    for direction, msb, name in _PORT_RE.findall(head):
        if name not in control:
            (ins if direction == "input" else outs).append((name, int(msb) + 1 if msb else 1))
    return ins, outs


def chain_module(block: Block, ports: dict[str, tuple[list, list]]) -> str:
    """The block's module: its pieces' pipelines in a row, each one's output the next's input.

    Raises:
        BuildError: a piece after the first with other than one input, or an input whose width is
            not the previous piece's output width.
    """
    clk, rst = "clk", str(block["reset"])
    vin, vout, out = (str(block[k]) for k in ("input_valid_signal", "output_valid_signal", "output_port_name"))
    first_ins, _ = ports[block.pieces[0][0]]
    (_, out_width), = ports[block.pieces[-1][0]][1]
    lines = [f"module {block['module']}(", f"  input wire {clk},", f"  input wire {rst},", f"  input wire {vin},"]
    lines += [f"  input wire {_range(w)}{name}," for name, w in first_ins]
    lines += [f"  output wire {vout},", f"  output wire {_range(out_width)}{out}", ");"]
    prev_valid, prev_data, prev_width = vin, None, None
    for i, (fn, _) in enumerate(block.pieces):
        ins, outs = ports[fn]
        (oname, owidth), = outs
        if i == 0:
            conns = [f".{name}({name})" for name, _ in ins]
        elif len(ins) != 1 or ins[0][1] != prev_width:
            raise BuildError(f"[{block.name}] piece {i} ({fn}) takes {ins}, the previous piece gives {prev_width} bits")
        else:
            conns = [f".{ins[0][0]}({prev_data})"]
        lines += [f"  wire {_range(owidth)}p{i}_{oname};", f"  wire p{i}_{vout};",
                  f"  {block.piece_module(fn)} p{i} (",
                  f"    .{clk}({clk}), .{rst}({rst}), .{vin}({prev_valid}), {', '.join(conns)},",
                  f"    .{vout}(p{i}_{vout}), .{oname}(p{i}_{oname})", "  );"]
        prev_valid, prev_data, prev_width = f"p{i}_{vout}", f"p{i}_{oname}", owidth
    lines += [f"  assign {vout} = {prev_valid};", f"  assign {out} = {prev_data};", "endmodule", ""]
    return "\n".join(lines)


def _range(width: int) -> str:
    return f"[{width - 1}:0] " if width > 1 else ""


def _cache_paths(block: Block) -> tuple[Path, Path]:
    stem = CACHE_DIR / f"{block['module']}-{_cache_key(block)}"
    return stem.with_suffix(".opt.json"), stem.with_suffix(".v")


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
            return Artifacts(json.loads(ir_path.read_text()), v_path.read_text())
        art = codegen(block, _converted(block.source, _ir_memo))
        for old in CACHE_DIR.glob(f"{block['module']}-*"):  # superseded entries of this block
            old.unlink()
        for path, text in ((ir_path, json.dumps(art.optimized_ir)), (v_path, art.verilog)):
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
                chain = f", pieces {', '.join(f'{fn} {st}' for fn, st in b.pieces)}" if b.pieces else ""
                print(f"{b.name}: hls/{b['source']}:{b['top']} -> {b['module']}.v "
                      f"({b['pipeline_stages']} stages{chain}, latency {b.latency})")
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
