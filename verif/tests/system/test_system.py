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
- ``hlstransform generate --backend sim --temperature 0`` for 32 tokens gives the tokens of
  ``--backend numerics`` and ``--backend golden``, for both ``--kv`` formats;
- a model over the build's maxima is refused by the kernel (STATUS CONFIG_ERROR) and the command
  prints one clear error line and exits 1;
- the comparisons fail on a corrupted logit.

Run: ``pytest verif/tests/system`` (two builds of vu9p_sim: fp32 and int8 KV, shared with the
sim backend of ``hlstransform`` and ``make run``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from hlstransform.host.backends import SIM_TOP, sim_parameters
from hlstransform.host.forward import ForwardRunner
from hlstransform.model.checkpoint import save_checkpoint
from hlstransform.model.config import ModelConfig
from hlstransform.model.hwmodel import HwTransformer
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


@pytest.mark.parametrize("kv", ["fp32", "int8"])
def test_generate_sim_equals_numerics_and_golden(kv: str) -> None:
    sim = generated("sim", kv)
    numerics = generated("numerics", kv)
    golden = generated("golden", kv)
    assert len(sim["tokens"]) == sim["n_prompt"] + STEPS, sim
    assert sim["tokens"] == numerics["tokens"], f"sim {sim['text']!r} vs numerics {numerics['text']!r}"
    assert sim["tokens"] == golden["tokens"], f"sim {sim['text']!r} vs golden {golden['text']!r}"
    assert sim["cycles_per_token"] > 0 and sim["tok_per_s_250mhz"] > 0


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

