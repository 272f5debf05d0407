"""System tests (DESIGN.md section 9, tier 4): the host runner drives the simulated card.

The device is ``rtl/sim/vu9p_sim.sv``: the VU9P shell (``rtl/shell/vu9p_shell.sv``) around the
forward kernel with a DDR model on each of its four channels. The host program
(:class:`hlstransform.host.forward.ForwardRunner`, the same code every hardware backend runs)
reaches it only through the shell's ports, as a driver reaches a card: AXI4-Lite registers,
host DMA (the model image in, the logits out) and the interrupt
(:class:`hlstransform.verif.sim_device.SimDevice`). The build is the sim backend's own
(``host/backends.py`` ``SIM_TOP``: default maxima, which cover stories110M; honest DDR timing).

- logits of several positions equal the numerics model bit for bit, for the shipped tiny model
  and a random GS-32 GQA model (with a separate classifier) loaded into the same device;
- batches of prompt tokens (``ForwardRunner.forward_batch``: the ids by DMA, one kernel run a
  batch) on a card built with MAX_TOKENS 3 at small maxima: equal to the tokens one by one;
- the on-chip card (``--onchip``: weights loaded once into the kernel's store): its load run
  reads each weight stream once, its tokens are bit-exact and read no weight stream;
- ``hlstransform generate --backend sim --temperature 0`` for 32 tokens gives the tokens of
  ``--backend numerics``, and those of ``--backend golden`` up to a near tie of the golden's
  logits (``hwmodel.GOLDEN_NEAR_TIE``, the published tolerance), for both ``--kv`` formats;
- a model over the build's maxima is refused by the kernel (STATUS CONFIG_ERROR) and the command
  prints one clear error line and exits 1;
- the comparisons fail on a corrupted logit.

Run: ``pytest verif/tests/system`` (builds of vu9p_sim: fp32 and int8 KV, shared with the
sim backend of ``hlstransform`` and ``make run``; a batch card; the tiny model's on-chip card).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from hlstransform.host.backends import SIM_TOP, onchip_parameters, sim_parameters
from hlstransform.host.forward import ForwardRunner
from hlstransform.model.checkpoint import save_checkpoint
from hlstransform.model import golden as golden_model
from hlstransform.model.config import ModelConfig
from hlstransform.model.hwmodel import GOLDEN_NEAR_TIE, HwTransformer
from hlstransform.model.weights import random_weights
from hlstransform.verif import toolchain
from hlstransform.verif.scoreboard import assert_streams_equal
from hlstransform.verif.sim_device import SimDevice
from hlstransform.verif.tests.forward.test_forward import tiny_weights

PROMPT = "Once upon a time"
STEPS = 32
# GQA 8/4 heads of 16 for fp32 KV; the int8 KV build quantizes a head vector as one group of
# 32 or 64, so heads of 32 there (4/2).
RANDOM_CONFIGS = {
    "fp32": ModelConfig(dim=128, hidden_dim=192, n_layers=2, n_heads=8, n_kv_heads=4, vocab_size=200,
                        seq_len=32, shared_classifier=False),
    "int8": ModelConfig(dim=128, hidden_dim=192, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=200,
                        seq_len=32, shared_classifier=False),
}


def reference_logits(weights, kv: str, tokens: list[int]) -> list[np.ndarray]:
    hw = HwTransformer(weights, kv=kv)
    return [hw.forward_np(t, pos) for pos, t in enumerate(tokens)]


def assert_bit_exact(expected: np.ndarray, actual: np.ndarray, what: str) -> None:
    """The two fp32 vectors as uint32 bit patterns, compared by the project's scoreboard."""
    assert_streams_equal(expected.view(np.uint32).tolist(), actual.view(np.uint32).tolist(), what)


def hlstransform(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "hlstransform.host.cli", *args], capture_output=True,
                          text=True, env=env, cwd=toolchain.repo_root(), timeout=3600)


@pytest.mark.parametrize("kv", ["fp32", "int8"])
def test_runner_logits_bit_exact(kv: str) -> None:
    """Tiny model at positions 0..3, then a random GQA GS-32 model at 0..2, in one device."""
    tiny = tiny_weights()
    rand = random_weights(RANDOM_CONFIGS[kv], seed=11).quantized(32)
    with SimDevice(SIM_TOP, sim_parameters(tiny.config, kv)) as dev:
        for label, weights, tokens in (("tiny", tiny, [1, 403, 89, 517]), ("random GQA GS32", rand, [1, 150, 7])):
            runner = ForwardRunner(dev, weights, kv=kv)
            expected = reference_logits(weights, kv, tokens)
            for pos, (token, exp) in enumerate(zip(tokens, expected)):
                assert_bit_exact(exp, runner.forward(token, pos), f"{label} {kv} KV, token {token} at {pos}")
            assert all(c > 0 for c in runner.stats.cycles)


# A card with batches of prompt tokens (MAX_TOKENS 3) at the forward tests' small maxima (a quick
# build): the host's forward_batch through the shell's ports.
BATCH_CARD = {"MAX_DIM": 128, "MAX_HIDDEN": 384, "MAX_HEADS": 8, "MAX_KV_HEADS": 8, "MAX_HEAD_SIZE": 64,
              "MAX_VOCAB": 1024, "MAX_SEQ_LEN": 256, "MAX_LAYERS": 4, "MAX_TOKENS": 3}


def test_runner_batches_bit_exact() -> None:
    """Tiny model, int8 KV: positions 0-2 as a batch without logits (prompt ids by DMA), 3-4 as a
    batch with the last one's logits, 5 alone: logits equal the tokens run one after another; the
    cycle counter shows a batch token cheaper than a token alone."""
    tiny = tiny_weights()
    tokens = [1, 403, 89, 517, 66, 912]
    expected = reference_logits(tiny, "int8", tokens)
    with SimDevice(SIM_TOP, {**sim_parameters(tiny.config, "int8"), **BATCH_CARD}) as dev:
        runner = ForwardRunner(dev, tiny, kv="int8", max_tokens=3)
        assert runner.forward_batch(tokens[:3], 0) is None
        assert_bit_exact(expected[4], runner.forward_batch(tokens[3:5], 3, logits=True), "batch at 3..4")
        assert_bit_exact(expected[5], runner.forward(tokens[5], 5), "token at 5 after the batches")
        batch, single = runner.stats.cycles[0] / 3, runner.stats.cycles[-1]
        assert batch < single, f"a batch token took {batch:.0f} cycles, a token alone {single}"
        assert runner.stats.runs(logits=False).tokens == [3]


def test_runner_onchip_bit_exact() -> None:
    """The on-chip card (the sim backend's --onchip 2 build of the tiny model: 8 engines, its shape
    as the maxima) through the shell: the host's load run reads each channel's weight stream once,
    whole; then tokens at positions 0..2 are bit-exact and read less than a weight stream a channel
    (channels B..D carry only KV, which on a DDR build come on top of the weights)."""
    tiny = tiny_weights()
    tokens = [1, 403, 89]
    expected = reference_logits(tiny, "fp32", tokens)
    params = {**sim_parameters(tiny.config, "fp32"), **onchip_parameters(tiny.config, tiny.group_size, 2)}
    with SimDevice(SIM_TOP, params) as dev:
        runner = ForwardRunner(dev, tiny, kv="fp32", onchip=True)
        stream_beats = [b // 64 for b in runner.image.stream_bytes()]
        load = runner.driver.perf()
        assert runner.load_cycles > 0
        assert [load[f"RD_BEATS_{ch}"] for ch in "BCD"] == stream_beats[1:], (load, stream_beats)
        for pos, (token, exp) in enumerate(zip(tokens, expected)):
            assert_bit_exact(exp, runner.forward(token, pos), f"on-chip, token {token} at {pos}")
            perf = runner.driver.perf()
            for c, ch in enumerate("BCD", start=1):
                assert perf[f"RD_BEATS_{ch}"] < stream_beats[c], f"token at {pos} read weights on {ch}: {perf}"


def test_bit_exact_check_catches_corruption() -> None:
    exp = reference_logits(tiny_weights(), "fp32", [1])[0]
    bad = exp.copy()
    bad.view(np.uint32)[5] ^= 1
    with pytest.raises(AssertionError, match="1 mismatches"):
        assert_bit_exact(exp, bad, "corrupted")


def generated(backend: str, kv: str) -> dict:
    run = hlstransform("generate", "--prompt", PROMPT, "--steps", str(STEPS), "--temperature", "0",
                       "--backend", backend, "--kv", kv, "--json")
    assert run.returncode == 0, f"generate --backend {backend} --kv {kv}: {run.stderr.strip()[-500:]}"
    return json.loads(run.stdout)


def golden_margin(kv: str, tokens: list[int], at: int, other: int) -> float:
    """The golden model's logit of ``tokens[at]`` minus its logit of ``other``, at the step that
    chose ``tokens[at]`` (the shipped model, teacher-forced on ``tokens``)."""
    model = golden_model.Transformer(tiny_weights(), quant="q8", kv=kv)
    for pos in range(at):
        logits = model.forward(tokens[pos], pos)
    return float(logits[tokens[at]] - logits[other])


def first_difference(a: list[int], b: list[int]) -> int | None:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)


@pytest.mark.parametrize("kv", ["fp32", "int8"])
def test_generate_sim_equals_numerics_and_golden(kv: str) -> None:
    sim = generated("sim", kv)
    numerics = generated("numerics", kv)
    golden = generated("golden", kv)
    assert len(sim["tokens"]) == sim["n_prompt"] + STEPS, sim
    assert sim["tokens"] == numerics["tokens"], f"sim {sim['text']!r} vs numerics {numerics['text']!r}"
    # The golden's tokens up to a near tie: the numerics' sum orders (and recip for division)
    # differ from llama2.c's by rounding, which may tip a tie the other way; the free-running
    # texts part there. The int8 KV run does, at generated token 31 (golden margin 0.009).
    at = first_difference(sim["tokens"], golden["tokens"])
    if at is not None:
        assert at >= sim["n_prompt"], (at, sim["tokens"], golden["tokens"])
        margin = golden_margin(kv, golden["tokens"], at, sim["tokens"][at])
        assert margin <= GOLDEN_NEAR_TIE, (f"token {at}: sim {sim['tokens'][at]} vs golden {golden['tokens'][at]} "
                                           f"with golden margin {margin:.4f} > {GOLDEN_NEAR_TIE}: "
                                           f"sim {sim['text']!r} vs golden {golden['text']!r}")
    assert sim["cycles_per_token"] > 0 and sim["tok_per_s_250mhz"] > 0
    # The prompt tokens before the last ran without logits (skip_logits): no classifier.
    assert sim["n_prompt"] > 1 and 0 < sim["prefill_cycles_per_token"] < sim["cycles_per_token"], sim


def test_golden_comparison_catches_a_clear_difference() -> None:
    """The near-tie allowance is narrow: a token the golden ranks well below its choice fails."""
    tokens = [1, 432, 446, 261, 399]
    model = golden_model.Transformer(tiny_weights(), quant="q8", kv="int8")
    for pos in range(4):
        logits = model.forward(tokens[pos], pos)
    far = int(logits.argmin())
    assert golden_margin("int8", tokens, 4, far) > GOLDEN_NEAR_TIE
    assert first_difference(tokens, tokens[:4] + [far]) == 4 and first_difference(tokens, tokens) is None


def test_model_over_maxima_is_refused(tmp_path) -> None:
    """13 layers against the build's MAX_LAYERS 12: the kernel answers CONFIG_ERROR, the command
    says so in one line and exits 1."""
    config = ModelConfig(dim=64, hidden_dim=64, n_layers=13, n_heads=2, n_kv_heads=2, vocab_size=64,
                         seq_len=8, shared_classifier=True)
    path = tmp_path / "deep.bin"
    save_checkpoint(path, random_weights(config, seed=3).quantized(32), 2, 32)
    run = hlstransform("logits", "--model", str(path), "--tokens", "1,2", "--backend", "sim",
                       "--out", str(tmp_path / "l.npy"))
    assert run.returncode == 1, run
    lines = [ln for ln in run.stderr.splitlines() if ln.startswith("hlstransform: error:")]
    assert len(lines) == 1 and "CONFIG_ERROR" in lines[0], run.stderr[-800:]
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "l.npy").exists()



# ----------------------------------------------------------------------------- the benchmark path

BENCH_MODEL = "models/tiny/model_q80.bin"


def test_bench_backdoor_image_and_counters() -> None:
    """`hlstransform bench`'s path on the tiny model: the image and a random KV history placed by
    the DDR models' backdoor (no DMA), a prompt token at position 3 (no logits: skip_logits), then
    tokens at positions 4 and 5 bit-exact with the numerics model holding the same history (so
    the prompt token's KV slots are right too), and the performance counters consistent with the
    traffic."""
    from hlstransform.host import bench

    r = bench.run_bench(str(toolchain.repo_root() / BENCH_MODEL), kv="int8", tokens=2, pos=3, prefill=1,
                        optimized=False)
    assert r["bit_exact"] is True and [t["bit_exact"] for t in r["per_token"]] == [True, True], r["per_token"]
    assert r["pos"] == 4 and r["prefill"]["tokens"] == 1, r
    # Without the classifier and the logits write a prompt token is shorter than a decode token.
    assert 0 < r["prefill"]["cycles_per_token"] < r["cycles_per_token"], (r["prefill"], r["cycles_per_token"])
    image = bench.ForwardImage.build(bench.bench_model(str(toolchain.repo_root() / BENCH_MODEL)).weights, kv="int8")
    for t in r["per_token"]:
        # Every channel reads at least its weight stream (plus norms, embedding, KV); writes are the KV
        # slots and the logits only.
        assert all(rd >= w for rd, w in zip(t["ddr_read_bytes"], image.stream_bytes())), t
        assert 0 < sum(t["ddr_write_bytes"]) < 64 * 1024, t
        assert min(t["cycles_matmul"], t["cycles_attention"], t["cycles_kv_store"], t["cycles_other"]) > 0, t
        assert 0 < t["ddr_utilization"] <= 1, t
    # Attention over one more position costs more cycles (the counters see the step).
    assert r["per_token"][1]["cycles_attention"] > r["per_token"][0]["cycles_attention"]


def test_bench_check_catches_a_wrong_history(monkeypatch) -> None:
    """The bench's bit-exact check can fail: a KV history in the device that differs from the
    numerics model's by one value gives different logits."""
    from hlstransform.host import bench

    true_regions = bench.kv_history_regions

    def corrupted(image, hw, positions):
        regions = true_regions(image, hw, positions)
        at, data = regions[0]
        regions[0] = (at, bytes([data[0] ^ 0x40]) + data[1:])  # slot 0, value 0 of a key head
        return regions

    monkeypatch.setattr(bench, "kv_history_regions", corrupted)
    r = bench.run_bench(str(toolchain.repo_root() / BENCH_MODEL), kv="int8", tokens=1, pos=2, optimized=False)
    assert r["bit_exact"] is False
