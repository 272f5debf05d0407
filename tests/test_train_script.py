"""scripts/train_tiny.py: the --quick path end to end, determinism, errors, and that its
training model computes what llama2.c (the golden model) computes on the exported weights."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from hlstransform.model.checkpoint import load_checkpoint
from hlstransform.model.config import ModelConfig
from hlstransform.model.tokenizer import load_tokenizer

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "scripts" / "train_tiny.py"
DATA = REPO_ROOT.parent / "shared" / "data" / "tinystories.jsonl.gz"
FILES = ("model.bin", "model_q80.bin", "tokenizer.model", "tokenizer.bin", "train.json")


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)


def _load_script_module():
    """The script as a module (loaded from its file; scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("train_tiny", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synthetic_stories(path: Path, n: int = 400) -> Path:
    """A seeded stand-in for TinyStories (gzip JSONL) so the script is exercised where ../shared is absent."""
    import gzip
    import random

    rng = random.Random(0)
    names, things = ["Lily", "Tom", "Max", "Sue", "Ben"], ["ball", "box", "tree", "cat", "kite", "cake"]
    with gzip.open(path, "wt") as f:
        for _ in range(n):
            name, thing = rng.choice(names), rng.choice(things)
            text = (f"Once upon a time, there was a little {rng.choice(['girl', 'boy'])} named {name}. "
                    f"{name} had a big {thing}. One day, {name} saw a {rng.choice(things)} in the park. "
                    f"{name} was very happy and played all day.")
            f.write(json.dumps({"text": text}) + "\n")
    return path


@pytest.fixture(scope="module")
def data_args(tmp_path_factory) -> list[str]:
    """The real stories when ../shared is present, otherwise a synthetic file of the same format
    (whose small vocabulary of words supports only a smaller sentencepiece vocab)."""
    if DATA.is_file():
        return ["--data", str(DATA)]
    return ["--data", str(synthetic_stories(tmp_path_factory.mktemp("data") / "stories.jsonl.gz")),
            "--vocab-size", "300"]


@pytest.fixture(scope="module")
def quick_out(tmp_path_factory, data_args) -> Path:
    out = tmp_path_factory.mktemp("quick")
    r = _run("--quick", *data_args, "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def test_quick_writes_loadable_files(quick_out):
    for name in FILES:
        assert (quick_out / name).is_file(), name
    record = json.loads((quick_out / "train.json").read_text())
    config = ModelConfig(**record["config"])
    fp32 = load_checkpoint(quick_out / "model.bin")
    q8 = load_checkpoint(quick_out / "model_q80.bin")
    assert fp32.version == 0 and fp32.group_size is None and fp32.config == config
    assert q8.version == 2 and q8.group_size == 64 and q8.config == config
    tok_bin = load_tokenizer(quick_out / "tokenizer.bin", vocab_size=config.vocab_size)
    tok_model = load_tokenizer(quick_out / "tokenizer.model")
    assert tok_bin == tok_model and tok_bin.vocab_size == config.vocab_size
    assert tok_bin.decode(tok_bin.encode("Once upon a time")) == "Once upon a time"
    for key in ("steps", "batch_size", "lr", "seed", "final_train_loss", "final_val_loss",
                "final_val_perplexity", "wall_seconds", "command"):
        assert key in record, key
    assert record["quick"] is True and "--quick" in record["command"]
    assert 0 < record["final_val_loss"] < 10
    # The Q8_0 file is the fp32 model quantized: close, not equal.
    diff = (q8.weights.dequantized().wq - fp32.weights.wq).abs().max().item()
    assert 0 < diff < fp32.weights.wq.abs().max().item() / 100


def test_quick_is_deterministic(quick_out, data_args, tmp_path):
    r = _run("--quick", *data_args, "--out", str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    for name in FILES[:4]:
        assert (tmp_path / name).read_bytes() == (quick_out / name).read_bytes(), name
    r = _run("--quick", *data_args, "--seed", "7", "--out", str(tmp_path / "other"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "other" / "model.bin").read_bytes() != (quick_out / "model.bin").read_bytes()


def test_missing_data_is_one_line(tmp_path):
    r = _run("--quick", "--data", str(tmp_path / "missing.jsonl.gz"), "--out", str(tmp_path / "o"), timeout=60)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "missing.jsonl.gz" in lines[0]
    assert "Traceback" not in r.stderr


def test_training_model_matches_golden():
    """The PyTorch training model and the llama2.c golden model agree on the exported weights
    (pairwise RoPE, GQA head mapping, RMSNorm, SwiGLU, tied classifier)."""
    golden = pytest.importorskip("hlstransform.model.golden")
    train_tiny = _load_script_module()
    config = ModelConfig(dim=64, hidden_dim=128, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=96, seq_len=32)
    torch.manual_seed(0)
    model = train_tiny.TinyLlama(config)
    with torch.no_grad():  # move norms off 1.0 so their weights matter
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.add_(0.1 * torch.randn_like(p))
            else:
                p.mul_(5.0)
    model.eval()
    tokens = [1, 5, 17, 3, 80, 42, 42, 7, 9, 60, 2, 11]
    with torch.no_grad():
        ours = model(torch.tensor([tokens]))[0]
    weights = model.to_weights()
    ref = golden.Transformer(weights).logits(tokens)
    err = (ours - ref).abs().max().item()
    assert err < 1e-4 * max(1.0, ref.abs().max().item()), err
    # Rotate-half RoPE (Hugging Face's layout without the permutation) would be caught.
    hs = config.head_size
    perm = torch.cat([torch.arange(0, hs, 2), torch.arange(1, hs, 2)])
    rows = torch.cat([h * hs + perm for h in range(config.n_heads)])
    bad = train_tiny.TinyLlama(config)
    bad.load_state_dict(model.state_dict())
    with torch.no_grad():
        for layer in bad.layers:
            layer.wq.weight.copy_(layer.wq.weight[rows])
        bad_out = bad.eval()(torch.tensor([tokens]))[0]
    assert (bad_out - ref).abs().max().item() > 100 * err + 1e-3
