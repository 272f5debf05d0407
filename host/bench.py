"""``hlstransform bench``: cycles per token of the forward kernel at full model size.

The benchmark runs the RTL, not a model of it: the simulated card (``rtl/sim/vu9p_sim.sv``,
the VU9P shell with the forward kernel and a Verilator-side DDR model per channel) with a
random-weight model of a stories shape placed in device memory by the DDR models' backdoor
(a 116 MB image through the testbench's DMA would take longer than the token). The host
program is the one every backend uses (``host/forward.py`` ``ForwardRunner``); each figure
comes from the kernel's own registers: CYCLES and the performance counters of
``rtl/regmap.toml`` (cycles per step class, read and write beats per channel).

Memory timing is the honest channel of DESIGN.md section 8 unless ``--ddr ideal``: 40 cycles
from a burst's address to its first beat (and from a write's last beat to its response), at
most 17 beats in 20 cycles per direction per channel (85 % of the 512-bit port's peak).
Cycle counts are deterministic for a build, shape, KV format and position.

A position ``P > 0`` starts with a random KV history for positions 0 .. P-1 (the same in the
device image and in the numerics model), so ``--pos 1000`` costs one token, not a thousand.
Every token's logits are compared bit for bit with ``model/hwmodel.py`` (``--no-check`` skips
it: the numerics model takes seconds per stories110M token).

Results as one JSON object with ``--json``; ``python -m hlstransform.host.bench plot`` turns
recorded objects into the roofline plot of docs/results.md.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hlstransform.model.config import ModelConfig
from hlstransform.model.errors import ModelError

from .forward import CLOCK_HZ
from .image import (BEAT_BYTES, N_CHANNELS, PROMPT_TOKENS, ForwardImage, onchip_stream_cycles, pack_kv,
                    weight_store_depth)

SHAPES: dict[str, ModelConfig] = {
    # llama2.c's TinyStories models (its README's table; hidden_dim as its model.py computes it).
    "stories15M": ModelConfig(dim=288, hidden_dim=768, n_layers=6, n_heads=6, n_kv_heads=6, vocab_size=32000,
                              seq_len=256),
    "stories42M": ModelConfig(dim=512, hidden_dim=1376, n_layers=8, n_heads=8, n_kv_heads=8, vocab_size=32000,
                              seq_len=1024),
    "stories110M": ModelConfig(dim=768, hidden_dim=2048, n_layers=12, n_heads=12, n_kv_heads=12, vocab_size=32000,
                               seq_len=1024),
}

DDR_TIMING = {
    "honest": {"read_latency_cycles": 40, "write_latency_cycles": 40, "max_beat_rate": 0.85},
    "ideal": {"read_latency_cycles": 0, "write_latency_cycles": 0, "max_beat_rate": 1.0},
}
"""What ``SimDevice(ddr=...)`` gives the vu9p_sim DDR models (rtl/sim/vu9p_sim.sv parameters)."""

PORT_BYTES_PER_CYCLE = BEAT_BYTES
"""One 512-bit AXI port per channel: a beat per cycle at peak."""

ENGINES = 4
ENGINE_MACS_PER_CYCLE = 64
"""Four matmul engines (one per channel), each 64 int8 MACs per cycle (one weight beat)."""


@dataclass
class BenchModel:
    """What is benchmarked: a shape's Q8_0 weights and its name."""

    name: str
    weights: object  # LlamaWeights, Q8_0

    @property
    def config(self) -> ModelConfig:
        return self.weights.config


def bench_model(shape: str, seed: int = 0) -> BenchModel:
    """Random Q8_0 weights of a named shape (:data:`SHAPES`), or the checkpoint at path *shape*."""
    from hlstransform.model.checkpoint import load_checkpoint
    from hlstransform.model.golden import default_group_size
    from hlstransform.model.weights import random_weights

    if shape in SHAPES:
        config = SHAPES[shape]
        return BenchModel(shape, random_weights(config, seed=seed).quantized(default_group_size(config)))
    if not Path(shape).exists():
        raise ModelError(f"--shape {shape}: neither one of {', '.join(SHAPES)} nor a checkpoint file")
    weights = load_checkpoint(shape).weights
    if weights.group_size is None:
        weights = weights.quantized(default_group_size(weights.config))
    return BenchModel(Path(shape).name, weights)


def random_kv_history(hw, positions: int, rng: np.random.Generator) -> None:
    """Fill *hw*'s KV cache (``HwTransformer``) at positions ``0 .. positions-1`` with random
    entries of a trained model's scale (what the device image gets too)."""
    if positions <= 0:
        return
    if hw.kv == "fp32":
        shape = hw.key_cache[:, :positions].shape
        hw.key_cache[:, :positions] = rng.normal(0, 0.5, shape).astype(np.float32)
        hw.value_cache[:, :positions] = rng.normal(0, 0.5, shape).astype(np.float32)
    else:
        shape = hw.kv_q[:, :, :positions].shape
        hw.kv_q[:, :, :positions] = rng.integers(-127, 128, shape, dtype=np.int8)
        hw.kv_s[:, :, :positions] = rng.uniform(0.002, 0.02, shape[:-1]).astype(np.float32)


def kv_history_regions(image: ForwardImage, hw, positions: int) -> list[tuple[int, bytes]]:
    """The device image of *hw*'s KV cache positions ``0 .. positions-1`` (host/image.py
    KvRegion / KvLayout): one region per (layer, kv head, k or v)."""
    out: list[tuple[int, bytes]] = []
    if positions <= 0:
        return out
    c = image.config
    for ch, reg in enumerate(image.kv_regions):
        base = image.descriptor[f"kv_{'abcd'[ch]}"]
        lay = reg.head_layout
        for layer in range(c.n_layers):
            for h in reg.heads:
                for i, which in enumerate("kv"):
                    if hw.kv == "fp32":
                        cache = hw.key_cache if which == "k" else hw.value_cache
                        vals, scales = pack_kv(lay, cache[layer, :positions, h:h + 1])
                    else:
                        vals, scales = pack_kv(lay, hw.kv_q[i, layer, :positions, h:h + 1],
                                               hw.kv_s[i, layer, :positions, h:h + 1])
                    out.append((base + reg.offset(layer, h, which), vals + scales))
    return out


def macs_per_token(config: ModelConfig, pos: int) -> tuple[int, int]:
    """(matmul MACs, attention MACs) of one token at *pos*: every weight once; q.K and .V
    over positions 0 .. pos for every query head."""
    c = config
    per_layer = c.dim * (c.dim + 2 * c.kv_dim) + c.dim * c.dim + 3 * c.dim * c.hidden_dim
    matmul = c.n_layers * per_layer + c.vocab_size * c.dim
    attention = c.n_layers * c.n_heads * 2 * (pos + 1) * c.head_size
    return matmul, attention


def token_report(config: ModelConfig, pos: int, cycles: int, perf: dict[str, int]) -> dict:
    """One token's figures from CYCLES and the performance counters."""
    rd = [perf[f"RD_BEATS_{ch}"] for ch in "ABCD"]
    wr = [perf[f"WR_BEATS_{ch}"] for ch in "ABCD"]
    read_bytes = [b * BEAT_BYTES for b in rd]
    matmul, attention = perf["MATMUL_CYCLES"], perf["ATTENTION_CYCLES"]
    mm_macs, att_macs = macs_per_token(config, pos)
    total_bytes = sum(read_bytes) + BEAT_BYTES * sum(wr)
    return {
        "pos": pos,
        "cycles": cycles,
        "cycles_matmul": matmul,
        "cycles_attention": attention,
        "cycles_kv_store": perf["KV_CYCLES"],
        "cycles_other": cycles - matmul - attention - perf["KV_CYCLES"],
        "ddr_read_bytes": read_bytes,
        "ddr_write_bytes": [b * BEAT_BYTES for b in wr],
        # Beats moved / beats the four ports could move in the token's cycles (peak 1 per cycle each).
        "ddr_utilization": (sum(rd) + sum(wr)) / (N_CHANNELS * cycles),
        "ddr_read_utilization_per_channel": [b / cycles for b in rd],
        "ops": 2 * (mm_macs + att_macs),
        "ddr_bytes": total_bytes,
    }


def summarize(model: BenchModel, kv: str, ddr: str, decode: list[dict], prefill: list[dict],
              sim_cycles_per_s: float, bit_exact: bool | None, image: ForwardImage, onchip: int = 0) -> dict:
    """The benchmark's JSON object (per-token figures averaged over the decode tokens)."""
    c = model.config

    def mean(key: str, rows: list[dict]) -> float:
        return float(np.mean([r[key] for r in rows]))

    cycles = mean("cycles", decode)
    bytes_per_token = mean("ddr_bytes", decode)
    rate = DDR_TIMING[ddr]["max_beat_rate"]
    # The four-channel roofline of this token's traffic: every byte moved at the derated peak.
    roofline_cycles = bytes_per_token / (N_CHANNELS * PORT_BYTES_PER_CYCLE * rate)
    if onchip:
        # Weights on chip: the bound is their streaming from the store, a beat a cycle per engine.
        roofline_cycles = onchip_stream_cycles(c, image.group_size, onchip)
    out = {
        "shape": model.name,
        "config": {"dim": c.dim, "hidden_dim": c.hidden_dim, "n_layers": c.n_layers, "n_heads": c.n_heads,
                   "n_kv_heads": c.n_kv_heads, "vocab_size": c.vocab_size, "seq_len": c.seq_len,
                   "group_size": image.group_size},
        "kv": kv,
        "ddr": {"timing": ddr, **DDR_TIMING[ddr], "channels": N_CHANNELS, "port_bytes_per_cycle": PORT_BYTES_PER_CYCLE},
        "pos": decode[0]["pos"],
        "tokens": len(decode),
        "cycles_per_token": cycles,
        "tok_per_s_250mhz": CLOCK_HZ[0] / cycles,
        "tok_per_s_200mhz": CLOCK_HZ[1] / cycles,
        "cycles_matmul": mean("cycles_matmul", decode),
        "cycles_attention": mean("cycles_attention", decode),
        "cycles_kv_store": mean("cycles_kv_store", decode),
        "cycles_other": mean("cycles_other", decode),
        "weight_bytes_per_token": 0 if onchip else sum(image.stream_bytes()),
        "ddr_read_bytes_per_channel": [float(np.mean([r["ddr_read_bytes"][ch] for r in decode]))
                                       for ch in range(N_CHANNELS)],
        "ddr_write_bytes_per_channel": [float(np.mean([r["ddr_write_bytes"][ch] for r in decode]))
                                        for ch in range(N_CHANNELS)],
        "ddr_bytes_per_token": bytes_per_token,
        "ddr_utilization": mean("ddr_utilization", decode),
        "ddr_bandwidth_gb_s_250mhz": bytes_per_token / cycles * CLOCK_HZ[0] / 1e9,
        "roofline_tok_per_s_250mhz": CLOCK_HZ[0] / roofline_cycles,
        "roofline_fraction": roofline_cycles / cycles,
        "ops_per_token": mean("ops", decode),
        "sim_cycles_per_s": sim_cycles_per_s,
        "bit_exact": bit_exact,
        "per_token": decode,
    }
    if onchip:
        out["onchip"] = {"banks": onchip, "engines": 4 * onchip,
                         "depth": weight_store_depth(c, image.group_size, onchip),
                         "store_bytes": sum(image.stream_bytes())}
    if prefill:
        # A row is one kernel run: a prompt token, or a batch of them (its "tokens").
        n_prefill = sum(r.get("tokens", 1) for r in prefill)
        pc = sum(r["cycles"] for r in prefill) / n_prefill
        out["prefill"] = {"tokens": n_prefill, "batch": max(r.get("tokens", 1) for r in prefill),
                          "cycles_per_token": pc, "logits": False,
                          "tok_per_s_250mhz": CLOCK_HZ[0] / pc,
                          "speedup_vs_decode": cycles / pc}
    return out


def run_bench(shape: str, kv: str = "int8", tokens: int = 1, pos: int = 0, prefill: int = 0, ddr: str = "honest",
              check: bool = True, seed: int = 0, log=None, kv_is_default: bool = False,
              optimized: bool = True, batch: int = 1, onchip: int = 0) -> dict:
    """Simulate *tokens* decode tokens (after *prefill* prompt tokens) of *shape* from *pos*.

    *batch* > 1: the prompt tokens run in batches of that many (a forward build with
    MAX_TOKENS = batch: every weight fetch serves the batch), as ``generate`` runs them.

    *onchip* > 0: a forward build with its weights on chip, that many banks (engines) a channel
    (WEIGHT_BANKS; WEIGHT_DEPTH the model's largest bank): one load run copies them from the image
    (its cycles reported apart, not in any token's), and no token reads a weight byte from DDR.

    *optimized*: on the optimized simulator build (hlstransform.verif.sources.OPTIMIZED_OVERRIDES;
    a one-time compile of ~4 minutes on two cores, then ~4x faster per cycle) rather than the
    tests' quick-compiling one. Cycle counts are the same on both: only the wall time differs.

    Raises:
        ModelError: a bad shape or option; DeviceError: the simulation failed.
    """
    from hlstransform.model.hwmodel import HwTransformer
    from hlstransform.verif.sim_device import SimDevice

    from .backends import SIM_TOP, check_onchip_banks, onchip_parameters, sim_parameters
    from .device import DeviceError
    from .forward import ForwardRunner

    say = log or (lambda msg: None)
    if tokens < 1 or prefill < 0 or pos < 0:
        raise ModelError("--tokens must be >= 1, --prefill and --pos >= 0")
    if not 1 <= batch <= PROMPT_TOKENS:
        raise ModelError(f"--batch must be in 1..{PROMPT_TOKENS}")
    check_onchip_banks(onchip)
    if ddr not in DDR_TIMING:
        raise ModelError(f"--ddr must be one of {', '.join(DDR_TIMING)}")
    t0 = time.monotonic()
    model = bench_model(shape, seed)
    c = model.config
    if pos + prefill + tokens > c.seq_len:
        raise ModelError(f"positions {pos} .. {pos + prefill + tokens - 1} do not fit seq_len {c.seq_len}")
    if kv == "int8" and c.head_size not in (32, 64):
        raise ModelError(f"{model.name}: an int8 KV cache needs head_size 32 or 64 (the kernel quantizes a head "
                         f"vector as one group), this shape has {c.head_size}: use --kv fp32")
    if kv_is_default:
        say(f"[bench] KV cache {kv} (the benchmark's default; --kv fp32 for llama2.c's fp32 cache)")
    image = ForwardImage.build(model.weights, kv=kv)
    hw = HwTransformer(model.weights, kv=kv)
    rng = np.random.default_rng(seed)
    random_kv_history(hw, pos, rng)
    regions = list(image.regions) + kv_history_regions(image, hw, pos)
    say(f"[bench] {model.name}: image {sum(len(d) for _, d in regions) / 1e6:.1f} MB built in "
        f"{time.monotonic() - t0:.0f} s; starting the simulated card ({SIM_TOP}, {kv} KV, {ddr} DDR)")
    token_ids = [int(t) for t in rng.integers(0, c.vocab_size, prefill + tokens)]
    if optimized:
        say("[bench] optimized simulator build (compiled once, ~4 min on 2 cores; --quick-build skips it)")
    params = sim_parameters(c, kv)
    if batch > 1:
        params["MAX_TOKENS"] = batch
    if onchip:
        params.update(onchip_parameters(c, image.group_size, onchip))
        say(f"[bench] weights on chip: {onchip} banks a channel ({4 * onchip} engines), "
            f"{params['WEIGHT_DEPTH']} words a bank, the model's shape as the build's maxima; "
            f"loaded once before the tokens")
    device = SimDevice(SIM_TOP, params, ddr=ddr, preload=regions, optimized=optimized)
    rows: list[dict] = []
    bit_exact: bool | None = True if check else None
    sim_cycles, sim_seconds = 0, 0.0
    try:
        runner = ForwardRunner(device, model.weights, kv=kv, image=image, loaded=True, max_tokens=batch,
                               onchip=bool(onchip))
        if onchip:
            say(f"[bench] weights loaded on chip in {runner.load_cycles} cycles (once, not a token's)")
        i = 0
        while i < len(token_ids):
            p = pos + i
            prompt = i < prefill  # a prompt token: no logits (skip_logits), as generate runs it
            ids = token_ids[i:min(i + batch, prefill)] if prompt else [token_ids[i]]
            t1 = time.monotonic()
            if prompt and batch > 1:
                logits = runner.forward_batch(ids, p)
            else:
                logits = runner.forward(ids[0], p, logits=not prompt)
            dt = time.monotonic() - t1
            cycles = runner.stats.cycles[-1]
            sim_cycles += cycles
            sim_seconds += dt
            # Read only here: per-token host code (generate) does not pay for the counters.
            row = token_report(c, p, cycles, runner.driver.perf())
            row["tokens"] = len(ids)
            if check:
                for k, t in enumerate(ids):
                    ref = hw.forward_np(t, p + k)
                if prompt:
                    # Nothing to compare here: its KV slot is what it leaves, and every later
                    # token's logits depend on it (the decode tokens below are compared).
                    row["bit_exact"] = None
                else:
                    row["bit_exact"] = bool(np.array_equal(ref.view(np.uint32), logits.view(np.uint32)))
                    bit_exact = bit_exact and row["bit_exact"]
            rows.append(row)
            what = f"tokens {i + 1}-{i + len(ids)}" if len(ids) > 1 else f"token {i + 1}"
            say(f"[bench] {what}/{len(token_ids)} at pos {p}: {cycles} cycles "
                f"({CLOCK_HZ[0] * len(ids) / cycles:.1f} tok/s at 250 MHz), simulated in {dt:.0f} s"
                + (f", prompt {'batch' if len(ids) > 1 else 'token'} (no logits)" if prompt
                   else "" if not check else f", bit-exact {row['bit_exact']}"))
            i += len(ids)
    finally:
        try:
            device.close()
        except DeviceError as exc:
            raise DeviceError(f"bench: {exc}") from None
    n_prompt_rows = sum(1 for r in rows if r["pos"] < pos + prefill)
    result = summarize(model, kv, ddr, rows[n_prompt_rows:], rows[:n_prompt_rows], sim_cycles / max(sim_seconds, 1e-9),
                       bit_exact, image, onchip=onchip)
    if onchip:
        result["onchip"]["load_cycles"] = runner.load_cycles
    result["wall_s"] = time.monotonic() - t0
    result["sim_build"] = "optimized" if optimized else "quick"
    return result


def format_report(r: dict) -> str:
    """The human-readable form of a result."""
    c = r["config"]
    mb = lambda b: f"{b / 1e6:.2f} MB"  # noqa: E731
    lines = [
        f"{r['shape']}: dim {c['dim']}, hidden {c['hidden_dim']}, {c['n_layers']} layers, {c['n_heads']}/"
        f"{c['n_kv_heads']} heads, vocab {c['vocab_size']}, GS {c['group_size']}; {r['kv']} KV cache"
        + (" (bench default; --kv fp32 for llama2.c's cache)" if r["kv"] == "int8" else ""),
        f"DDR model: {r['ddr']['timing']}: {r['ddr']['read_latency_cycles']} cycles read latency per burst, "
        f"at most {r['ddr']['max_beat_rate']:.0%} of peak beats, {r['ddr']['channels']} channels x "
        f"{r['ddr']['port_bytes_per_cycle']} B/cycle",
        f"decode at pos {r['pos']} ({r['tokens']} token(s)): {r['cycles_per_token']:,.0f} cycles/token = "
        f"{r['tok_per_s_250mhz']:,.1f} tok/s at 250 MHz, {r['tok_per_s_200mhz']:,.1f} at 200 MHz",
        f"  cycles: matmul {r['cycles_matmul']:,.0f}, attention {r['cycles_attention']:,.0f}, "
        f"KV store {r['cycles_kv_store']:,.0f}, other {r['cycles_other']:,.0f}",
        f"  DDR read per channel: {', '.join(mb(b) for b in r['ddr_read_bytes_per_channel'])} "
        f"(weights {mb(r['weight_bytes_per_token'])} per token in all)",
        f"  DDR utilization {r['ddr_utilization']:.1%} of peak ({r['ddr_bandwidth_gb_s_250mhz']:.1f} GB/s at 250 MHz); "
        f"roofline {r['roofline_tok_per_s_250mhz']:,.1f} tok/s, reached {r['roofline_fraction']:.1%}",
    ]
    if "onchip" in r:
        o = r["onchip"]
        lines.append(f"  weights on chip: {o['banks']} banks a channel ({o['engines']} engines), {o['depth']:,} words "
                     f"a bank ({mb(o['store_bytes'])} loaded once in {o.get('load_cycles', 0):,} cycles); the roofline "
                     f"above is their streaming, a beat a cycle per engine")
    if "prefill" in r:
        p = r["prefill"]
        lines.append(f"prefill ({p['tokens']} tokens, no logits): {p['cycles_per_token']:,.0f} cycles/token = "
                     f"{prefill_cell(r, ' tok/s at 250 MHz')}")
    lines.append(f"bit-exact with model/hwmodel.py: "
                 f"{'not checked' if r['bit_exact'] is None else 'yes' if r['bit_exact'] else 'NO'}")
    lines.append(f"simulator: {r['sim_cycles_per_s']:,.0f} cycles per wall second ({r['sim_build']} build); "
                 f"whole run {r['wall_s']:.0f} s")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- roofline plot

def plot_roofline(results: list[dict], out: Path) -> None:
    """Roofline of the card at 250 MHz (four derated DDR ports; four engines' int8 MACs) with
    each result as a point (ops per DDR byte, achieved GOP/s)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rate = DDR_TIMING["honest"]["max_beat_rate"]
    bw = N_CHANNELS * PORT_BYTES_PER_CYCLE * rate * CLOCK_HZ[0] / 1e9          # GB/s
    peak_peak = N_CHANNELS * PORT_BYTES_PER_CYCLE * CLOCK_HZ[0] / 1e9
    compute = ENGINES * ENGINE_MACS_PER_CYCLE * 2 * CLOCK_HZ[0] / 1e9        # GOP/s
    xs = np.logspace(-0.5, 1.5, 200)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.loglog(xs, np.minimum(compute, bw * xs), "k-", label=f"roofline: {bw:.1f} GB/s (85 % of 4 x 16 GB/s), "
                                                            f"{compute:.0f} GOP/s")
    ax.loglog(xs, np.minimum(compute, peak_peak * xs), "k:", label="four ports at full peak (64 GB/s)")
    # Decode points cluster near 2 ops per byte: label them in the legend, not beside the points.
    markers = "osD^vP*Xh<>"
    for i, r in enumerate(results):
        intensity = r["ops_per_token"] / r["ddr_bytes_per_token"]
        gops = r["ops_per_token"] * r["tok_per_s_250mhz"] / 1e9
        ax.loglog([intensity], [gops], markers[i % len(markers)], linestyle="none",
                  label=f"{r['shape']} {r['kv']} pos {r['pos']}: {r['tok_per_s_250mhz']:,.0f} tok/s")
    ax.set_xlabel("operational intensity (int8 ops per DDR byte)")
    ax.set_ylabel("GOP/s at 250 MHz")
    ax.set_title("forward kernel, simulated VU9P card (RTL cycles, honest DDR)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


# ----------------------------------------------------------------------------- results table

TABLE_BEGIN, TABLE_END = "<!-- bench-table:begin -->", "<!-- bench-table:end -->"


def command_of(r: dict) -> str:
    """The command line that reproduces a result."""
    parts = ["hlstransform bench", f"--shape {r['shape']}", f"--kv {r['kv']}"]
    # r["pos"] is the first decode token's position; the prompt tokens come before it.
    start = r["pos"] - (r["prefill"]["tokens"] if "prefill" in r else 0)
    if start:
        parts.append(f"--pos {start}")
    if r["tokens"] != 1:
        parts.append(f"--tokens {r['tokens']}")
    if "prefill" in r:
        parts.append(f"--prefill {r['prefill']['tokens']}")
        if r["prefill"].get("batch", 1) > 1:
            parts.append(f"--batch {r['prefill']['batch']}")
    if "onchip" in r:
        parts.append(f"--onchip {r['onchip']['banks']}")
    if r["ddr"]["timing"] != "honest":
        parts.append(f"--ddr {r['ddr']['timing']}")
    return " ".join(parts)


def prefill_cell(r: dict, unit: str = "") -> str:
    """A run's prefill figure (the table's cell, the report's line): prompt tokens a second at
    250 MHz, then `unit`, and the ratio to the decode rate of the token after the prompt; a dash
    for a decode-only run."""
    if "prefill" not in r:
        return "-"
    p = r["prefill"]
    return (f"{p['tok_per_s_250mhz']:,.1f}{unit} ({p['speedup_vs_decode']:.2f}x decode, "
            f"batches of {p.get('batch', 1)})")


def render_table(results: list[dict]) -> str:
    """The markdown table of docs/results.md: one row per result, with its command."""
    rows = ["| shape | KV | pos | cycles/token | tok/s 250 MHz | tok/s 200 MHz | matmul | attention | KV store | other "
            "| DDR util. | roofline tok/s | of roofline | prefill tok/s 250 MHz | bit-exact | command |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in results:
        rows.append(
            f"| {r['shape']}{f' on chip ({o} engines)' if (o := r.get('onchip', {}).get('engines')) else ''} "
            f"| {r['kv']} | {r['pos']} | {r['cycles_per_token']:,.0f} | {r['tok_per_s_250mhz']:,.1f} "
            f"| {r['tok_per_s_200mhz']:,.1f} | {r['cycles_matmul']:,.0f} | {r['cycles_attention']:,.0f} "
            f"| {r['cycles_kv_store']:,.0f} | {r['cycles_other']:,.0f} | {r['ddr_utilization']:.1%} "
            f"| {r['roofline_tok_per_s_250mhz']:,.1f} | {r['roofline_fraction']:.1%} | {prefill_cell(r)} "
            f"| {'yes' if r['bit_exact'] else 'not checked' if r['bit_exact'] is None else 'NO'} | `{command_of(r)}` |")
    speeds = ", ".join(f"{r['shape']} {r['sim_cycles_per_s']:,.0f}" for r in results)
    rows += ["", f"Cycles are per token (the CYCLES register); matmul / attention / KV store: the kernel's "
             f"performance counters; DDR utilization: beats moved / (4 ports x cycles). Simulator speed "
             f"(simulated cycles per wall second): {speeds}."]
    return "\n".join(rows)


def write_table(results: list[dict], doc: Path) -> None:
    """Replace the table between the bench-table markers of *doc*."""
    text = doc.read_text()
    if TABLE_BEGIN not in text or TABLE_END not in text:
        raise ModelError(f"{doc} has no {TABLE_BEGIN} ... {TABLE_END} block")
    head, rest = text.split(TABLE_BEGIN, 1)
    _, tail = rest.split(TABLE_END, 1)
    doc.write_text(f"{head}{TABLE_BEGIN}\n{render_table(results)}\n{TABLE_END}{tail}")


def main(argv: list[str] | None = None) -> int:
    """``python -m hlstransform.host.bench plot|table RESULTS.jsonl OUT``: the roofline plot (PNG)
    or the results table (written into a markdown file between its bench-table markers)."""
    import argparse

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("what", choices=("plot", "table"))
    p.add_argument("results", type=Path, help="one bench --json object per line")
    p.add_argument("out", type=Path, help="the PNG (plot) or the markdown file (table)")
    args = p.parse_args(argv)
    results = [json.loads(line) for line in args.results.read_text().splitlines() if line.strip()]
    if not results:
        print(f"bench {args.what}: no results in {args.results}", file=sys.stderr)
        return 1
    if args.what == "plot":
        plot_roofline(results, args.out)
    else:
        write_table(results, args.out)
    print(f"wrote {args.out} ({len(results)} results)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
