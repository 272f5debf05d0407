"""RTL source lists: one per top, shared by make, pytest, lint and synthesis.

Each entry names a top module and the files that elaborate it, repo-relative, in
compile order (dependencies first, the top's own file last). ``make sim``, the pytest
runner (:mod:`hlstransform.verif.runner`), ``make lint`` (:mod:`hlstransform.verif.lint`)
and the synthesis scripts all read this table, so a file added to a design is added once.

A new module: add a :class:`Top` to ``_TOPS``. Every hand-written file under ``rtl/common``,
``rtl/kernels``, ``rtl/forward`` and ``rtl/shell`` must belong to at least one top, or
``make lint`` fails naming it.

CLI (the Makefile uses it)::

    python -m hlstransform.verif.sources axis_skid_buffer   # absolute paths, one line, space-separated
    python -m hlstransform.verif.sources --tops             # every registered top
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from hlstransform.verif.toolchain import ToolchainError, repo_root

HAND_WRITTEN_DIRS: tuple[str, ...] = ("rtl/common", "rtl/kernels", "rtl/forward", "rtl/shell", "rtl/sim")
"""Folders of hand-written RTL: linted with ``-Wall``, no waivers but inline ones. ``rtl/gen`` is XLS output."""

HDL_SUFFIXES: tuple[str, ...] = (".sv", ".v")
"""File suffixes that count as RTL sources (headers, ``.svh``/``.vh``, come in through includes)."""


@dataclass(frozen=True)
class Top:
    """One elaboration top and what it needs.

    Args:
        name: Top module name (also the ``make sim MODULE=`` name when it has a testbench).
        sources: Repo-relative source files in compile order, the top's own file last.
        includes: Repo-relative include directories.
        make_overrides: make variable overrides (``NAME=value``) for this top's Verilator build,
            applied by the pytest runner and ``make sim`` alike (``_FAST_COMPILE`` below).
        public_depth: None: every signal is visible to cocotb (cocotb's ``--public-flat-rw``).
            N: only the signals of the top N module levels (Verilator ``--public-depth N``).
            With every signal writable from outside, Verilator must re-evaluate all
            combinational logic on every call into the model ("ico" region, twice a clock
            cycle); with the internals private it evaluates each block once per cycle, which
            is most of the cost of a design full of XLS datapaths.
    """

    name: str
    sources: tuple[str, ...]
    includes: tuple[str, ...] = ()
    make_overrides: tuple[str, ...] = ()
    public_depth: int | None = None

    def build_overrides(self, optimized: bool = False) -> tuple[str, ...]:
        """make overrides of this top's build: its own, or with *optimized* those of
        :data:`OPTIMIZED_OVERRIDES` in place of the same variables."""
        if not optimized:
            return self.make_overrides
        replaced = {o.split("=", 1)[0] for o in OPTIMIZED_OVERRIDES}
        return tuple(o for o in self.make_overrides if o.split("=", 1)[0] not in replaced) + OPTIMIZED_OVERRIDES


# OPT_FAST=-O0 for the tops with many XLS lanes: their Verilated C++ is tens of MB (each
# instance's schedule written out), which -Os compiles in tens of minutes on two cores and -O0
# in a few; the tests' simulations are short, so the compile time dominates. Long simulations
# (the benchmark) take the optimized build below instead.
_FAST_COMPILE: tuple[str, ...] = ("OPT_FAST=-O0",)

OPTIMIZED_OVERRIDES: tuple[str, ...] = ("OPT_FAST=-O2",)
"""make overrides of an optimized build (``run_cocotb(optimized=True)``, the benchmark's simulator):
the per-cycle code at -O2, in a build folder of its own. A long simulation (a stories110M token is
~570 k cycles) runs ~4x faster for a one-time compile of ~4 minutes on two cores (vu9p_sim at
stories110M pos 512, each with another job on the cores: 572 cycles/s at -O0, 2,375 at -O2; the
Verilated C++ at -O2 with make -j2: 3 min 58 s)."""

_EW_COMMON: tuple[str, ...] = (
    "rtl/gen/kernel_regs_pkg.sv", "rtl/gen/hls_latency_pkg.sv", "rtl/common/kernel_control_wr.sv", "rtl/common/kernel_control_rd.sv",
    "rtl/common/kernel_control.sv", "rtl/common/axis_skid_buffer.sv", "rtl/common/axi_read_stream.sv",
    "rtl/common/axi_write_stream.sv", "rtl/kernels/elementwise_core.sv",
)

# sum16 over a stream of beats: 16-lane dot tree (fp32_dot16) + sequential fp32 accumulate (fp32_sum_add).
_SUM16: tuple[str, ...] = ("rtl/gen/fp32_dot16.v", "rtl/gen/fp32_sum_add.v", "rtl/kernels/sum16_accumulate.sv")
# Softmax over an on-chip vector (after _EW_COMMON, which brings hls_latency_pkg): max (fp32_max16, fp32_max), exp (ew_exp_sub), sum16, recip, scale (ew_mul).
_SOFTMAX: tuple[str, ...] = ("rtl/gen/fp32_max16.v", "rtl/gen/fp32_max.v", "rtl/gen/ew_exp_sub.v",
                             "rtl/gen/fp32_recip.v", "rtl/gen/ew_mul.v", "rtl/kernels/lane_parts.sv",
                             "rtl/kernels/softmax_exp_lanes.sv", "rtl/kernels/softmax_core.sv")

_TOPS: tuple[Top, ...] = (
    Top("axis_skid_buffer", ("rtl/common/axis_skid_buffer.sv",)),
    Top("axi_read_stream", ("rtl/common/axis_skid_buffer.sv", "rtl/common/axi_read_stream.sv")),
    Top("axi_write_stream", ("rtl/common/axis_skid_buffer.sv", "rtl/common/axi_write_stream.sv")),
    Top("fwd_channel", ("rtl/common/axis_skid_buffer.sv", "rtl/common/axi_read_stream.sv",
                        "rtl/common/axi_write_stream.sv", "rtl/forward/fwd_channel.sv")),
    Top("kernel_control", ("rtl/gen/kernel_regs_pkg.sv", "rtl/common/kernel_control_wr.sv",
                           "rtl/common/kernel_control_rd.sv", "rtl/common/kernel_control.sv")),
    Top("matmul", ("rtl/gen/kernel_regs_pkg.sv", "rtl/gen/hls_latency_pkg.sv", "rtl/common/kernel_control_wr.sv",
                   "rtl/common/kernel_control_rd.sv",
                   "rtl/common/kernel_control.sv", "rtl/common/axis_skid_buffer.sv", "rtl/common/axi_read_stream.sv",
                   "rtl/common/axi_write_stream.sv", "rtl/gen/q8_dot_group_32.v", "rtl/gen/q8_scale_product.v",
                   "rtl/gen/q8_acc_add.v", "rtl/kernels/matmul_engine.sv", "rtl/kernels/matmul.sv")),
    Top("matmul_engine", ("rtl/gen/hls_latency_pkg.sv", "rtl/gen/q8_dot_group_32.v", "rtl/gen/q8_scale_product.v",
                          "rtl/gen/q8_acc_add.v", "rtl/kernels/matmul_engine.sv")),
    # Elementwise kernels (docs/kernels/elementwise.md): control, stream movers, lane shell, lanes.
    Top("residual", _EW_COMMON + ("rtl/gen/ew_add.v", "rtl/kernels/elementwise_binary.sv", "rtl/kernels/residual.sv")),
    Top("swiglu", _EW_COMMON + ("rtl/gen/ew_swiglu.v", "rtl/kernels/elementwise_binary.sv", "rtl/kernels/swiglu.sv"),
        make_overrides=_FAST_COMPILE),
    Top("rope", _EW_COMMON + ("rtl/gen/ew_rope_pair.v", "rtl/kernels/rope.sv")),
    Top("embed", _EW_COMMON + ("rtl/gen/ew_dequant.v", "rtl/kernels/embed_core.sv", "rtl/kernels/embed.sv")),
    Top("embed_core", ("rtl/gen/hls_latency_pkg.sv", "rtl/common/axis_skid_buffer.sv",
                       "rtl/kernels/elementwise_core.sv", "rtl/gen/ew_dequant.v",
                       "rtl/kernels/embed_core.sv")),
    Top("quantize", ("rtl/gen/kernel_regs_pkg.sv", "rtl/gen/hls_latency_pkg.sv", "rtl/common/kernel_control_wr.sv",
                     "rtl/common/kernel_control_rd.sv", "rtl/common/kernel_control.sv", "rtl/common/axis_skid_buffer.sv", "rtl/common/axi_read_stream.sv",
                     "rtl/common/axi_write_stream.sv", "rtl/gen/q8_quantize_32.v", "rtl/gen/q8_quantize_64.v",
                     "rtl/kernels/quantize_core.sv", "rtl/kernels/quantize.sv")),
    Top("quantize_core", ("rtl/gen/hls_latency_pkg.sv", "rtl/gen/q8_quantize_32.v", "rtl/gen/q8_quantize_64.v",
                          "rtl/kernels/quantize_core.sv")),
    Top("sum16_accumulate", ("rtl/gen/hls_latency_pkg.sv",) + _SUM16),
    # AXI4 interconnect for the VU9P shell (docs/shell-interconnect.md); the _tb tops are test
    # wrappers giving each port of the packed m_axi_*/s_axi_* vectors its own prefix.
    Top("axi_addr_split", ("rtl/common/axis_skid_buffer.sv", "rtl/common/axi_addr_split.sv")),
    Top("axi_addr_split_tb", ("rtl/common/axis_skid_buffer.sv", "rtl/common/axi_addr_split.sv",
                              "verif/tests/axi_addr_split/axi_addr_split_tb.sv")),
    Top("axi_arbiter", ("rtl/common/axis_skid_buffer.sv", "rtl/common/axi_arbiter.sv")),
    Top("axi_arbiter_tb", ("rtl/common/axis_skid_buffer.sv", "rtl/common/axi_arbiter.sv",
                           "verif/tests/axi_arbiter/axi_arbiter_tb.sv")),
    # Reduction kernels (docs/kernels/reductions.md): sum16_accumulate is the shared sum16 unit.
    Top("rmsnorm", _EW_COMMON + _SUM16 + ("rtl/gen/ew_add.v", "rtl/gen/ew_mul.v", "rtl/gen/fp32_rsqrt.v", "rtl/gen/ew_rms_scale.v",
                                          "rtl/kernels/rmsnorm_core.sv", "rtl/kernels/rmsnorm.sv")),
    Top("softmax", _EW_COMMON + _SUM16 + _SOFTMAX + ("rtl/kernels/softmax.sv",), make_overrides=_FAST_COMPILE),
    Top("attention", _EW_COMMON + _SUM16 + _SOFTMAX + ("rtl/gen/ew_i8_to_f32.v",
                                                       "rtl/kernels/attention_fifo.sv",
                                                       "rtl/kernels/attention_kv_unpack.sv",
                                                       "rtl/kernels/attention_score_pipe.sv",
                                                       "rtl/kernels/attention_core.sv",
                                                       "rtl/kernels/attention.sv"),
        make_overrides=_FAST_COMPILE),
    # The forward kernel's scratchpad writer alone (verif/tests/fwd_writer): engine results of
    # several tokens a run.
    Top("fwd_writer", ("rtl/forward/fwd_writer.sv",)),
    # The on-chip weight store of one channel alone (verif/tests/fwd_weight_store): the banked
    # load and each bank's reader (docs/forward.md, "Weights on chip").
    Top("fwd_weight_store", ("rtl/forward/fwd_reader.sv", "rtl/forward/fwd_weight_store.sv")),
    # The forward kernel's elementwise unit alone (verif/tests/fwd_elementwise): ADD, SwiGLU on
    # SWIGLU_LANES lanes (lane_parts), RoPE on one lane shell.
    Top("fwd_elementwise", ("rtl/gen/hls_latency_pkg.sv", "rtl/forward/fwd_pkg.sv", "rtl/common/axis_skid_buffer.sv",
                            "rtl/kernels/elementwise_core.sv", "rtl/gen/ew_add.v", "rtl/gen/ew_swiglu.v",
                            "rtl/kernels/lane_parts.sv", "rtl/kernels/ew_swiglu_lanes.sv", "rtl/gen/ew_rope_pair.v",
                            "rtl/forward/fwd_elementwise.sv"),
        make_overrides=_FAST_COMPILE),
    # Forward kernel (docs/forward.md): every core above once (dict.fromkeys drops repeated files),
    # then rtl/forward.
    Top("forward", tuple(dict.fromkeys(
        _EW_COMMON + ("rtl/gen/forward_desc_pkg.sv", "rtl/forward/fwd_pkg.sv", "rtl/gen/ew_add.v", "rtl/gen/ew_swiglu.v",
                      "rtl/kernels/lane_parts.sv", "rtl/kernels/ew_swiglu_lanes.sv", "rtl/gen/ew_rope_pair.v", "rtl/gen/ew_dequant.v",
                      "rtl/kernels/embed_core.sv",
                      "rtl/gen/q8_quantize_32.v", "rtl/gen/q8_quantize_64.v", "rtl/kernels/quantize_core.sv",
                      "rtl/gen/q8_dot_group_32.v", "rtl/gen/q8_scale_product.v", "rtl/gen/q8_acc_add.v",
                      "rtl/kernels/matmul_engine.sv")
        + _SUM16 + ("rtl/gen/ew_mul.v", "rtl/gen/fp32_rsqrt.v", "rtl/gen/ew_rms_scale.v", "rtl/kernels/rmsnorm_core.sv")
        + _SOFTMAX + ("rtl/gen/ew_i8_to_f32.v", "rtl/kernels/attention_fifo.sv",
                      "rtl/kernels/attention_kv_unpack.sv", "rtl/kernels/attention_score_pipe.sv",
                      "rtl/kernels/attention_core.sv")
        + tuple(f"rtl/forward/{m}.sv" for m in ("fwd_config", "fwd_channel", "fwd_scratchpad", "fwd_reader",
                                                "fwd_weight_store", "fwd_writer", "fwd_elementwise", "forward")))),
        make_overrides=_FAST_COMPILE, public_depth=1),
)
# The shell around the forward kernel: host DMA split to the four channels, an arbiter per
# channel (host, kernel); and the simulated card (the shell with a fast DDR model per port).
_FORWARD: tuple[str, ...] = next(t.sources for t in _TOPS if t.name == "forward")
_SHELL: tuple[str, ...] = ("rtl/common/axi_addr_split.sv", "rtl/common/axi_arbiter.sv", "rtl/shell/vu9p_shell.sv")
_TOPS += (
    Top("vu9p_shell", tuple(dict.fromkeys(_FORWARD + _SHELL)), make_overrides=_FAST_COMPILE, public_depth=1),
    Top("vu9p_sim", tuple(dict.fromkeys(_FORWARD + _SHELL + ("rtl/sim/axi_ddr_model.sv", "rtl/sim/vu9p_sim.sv"))),
        make_overrides=_FAST_COMPILE, public_depth=1),
)

TOPS: dict[str, Top] = {top.name: top for top in _TOPS}
"""Every registered top, by module name."""


def get_top(name: str) -> Top:
    """Return the registered top *name*.

    Raises:
        KeyError: *name* is not registered; the message lists the known tops.
    """
    try:
        return TOPS[name]
    except KeyError:
        raise KeyError(f"unknown RTL top {name!r}; known: {', '.join(sorted(TOPS))}") from None


def sources(name: str) -> list[Path]:
    """Return the absolute source files of top *name*, in compile order."""
    root = repo_root()
    return [root / rel for rel in get_top(name).sources]


def includes(name: str) -> list[Path]:
    """Return the absolute include directories of top *name*."""
    root = repo_root()
    return [root / rel for rel in get_top(name).includes]


def hls_latency(module: str) -> int:
    """Cycles from in_valid to out_valid of the XLS block *module* (e.g. ``"fp32_recip"``), as
    the RTL sees it: its constant in ``rtl/gen/hls_latency_pkg.sv`` (``make hls`` writes it from
    hls/blocks.toml). Tests size cycle bounds with it, so a new stage count moves them too.

    Raises:
        ToolchainError: no such block in the package.
    """
    text = (repo_root() / "rtl" / "gen" / "hls_latency_pkg.sv").read_text()
    for line in text.splitlines():
        parts = line.replace("=", " ").replace(";", " ").split()
        if parts[:2] == ["localparam", "int"] and parts[2] == f"{module.upper()}_LATENCY":
            return int(parts[3])
    raise ToolchainError(f"no {module.upper()}_LATENCY in rtl/gen/hls_latency_pkg.sv")


def hand_written_files() -> list[Path]:
    """Return every hand-written RTL file (absolute), sorted."""
    root = repo_root()
    found: list[Path] = []
    for folder in HAND_WRITTEN_DIRS:
        found.extend(p for p in (root / folder).rglob("*") if p.suffix in HDL_SUFFIXES and p.is_file())
    return sorted(found)


def unlisted_files() -> list[Path]:
    """Return hand-written RTL files that no top lists (so lint would never see them)."""
    listed = {path for name in TOPS for path in sources(name)}
    return [path for path in hand_written_files() if path not in listed]


def missing_files() -> list[tuple[str, Path]]:
    """Return ``(top, path)`` for every listed source that does not exist."""
    return [(name, path) for name in TOPS for path in sources(name) if not path.is_file()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hlstransform.verif.sources",
        description=__doc__.split("\n\n", 1)[0],
    )
    parser.add_argument("top", nargs="?", help="print this top's source files")
    parser.add_argument("--tops", action="store_true", help="print every registered top")
    parser.add_argument("--includes", action="store_true", help="print the top's include directories instead")
    parser.add_argument("--make-overrides", action="store_true", help="print the top's make overrides instead")
    args = parser.parse_args(argv)
    try:
        if args.tops:
            print(" ".join(sorted(TOPS)))
        elif args.top:
            if args.make_overrides:
                print(" ".join(get_top(args.top).make_overrides))
            else:
                paths = includes(args.top) if args.includes else sources(args.top)
                print(" ".join(str(p) for p in paths))
        else:
            parser.error("name a top or give --tops")
    except (KeyError, ToolchainError) as exc:
        print(f"sources: error: {exc.args[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
