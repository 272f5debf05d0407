"""Shared fixtures: small models and tokenizers built in temp folders (no shipped files needed)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import torch

from hlstransform.model.checkpoint import save_checkpoint
from hlstransform.model.config import ModelConfig
from hlstransform.model.tokenizer import Tokenizer
from hlstransform.model.weights import random_weights

# Tests run in parallel xdist workers on few cores: intra-op threads would only fight each other.
torch.set_num_threads(1)

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


def small_tokenizer() -> Tokenizer:
    """A byte-fallback vocabulary in llama2.c layout: <unk>, BOS, EOS, 256 bytes, letters, a few merges."""
    vocab = [b"<unk>", b"\n<s>\n", b"\n</s>\n"] + [b"<0x%02X>" % b for b in range(256)]
    scores = [0.0] * len(vocab)
    words = [" ", ".", ","] + list(string.ascii_letters) + [
        " t", "th", " th", "he", " the", "on", " on", "ce", " a", "an", " an", "nd", " and", " w", "as", " was",
        "in", " in", "ti", "me", " time", " up", "upon", " upon", " O", " Once", "Once"]
    for i, w in enumerate(words):
        vocab.append(w.encode())
        scores.append(-float(i) if len(w) == 1 else float(len(w)) - i / 100)
    return Tokenizer(vocab, scores)


@pytest.fixture(scope="session")
def tiny_files(tmp_path_factory) -> dict[str, Path]:
    """A random GQA model (fp32 v0 and Q8_0 v2) and a matching tokenizer.bin."""
    d = tmp_path_factory.mktemp("tiny")
    tok = small_tokenizer()
    tok.save_bin(d / "tokenizer.bin")
    config = ModelConfig(dim=64, hidden_dim=128, n_layers=2, n_heads=4, n_kv_heads=2,
                         vocab_size=tok.vocab_size, seq_len=48, shared_classifier=True)
    w = random_weights(config, seed=7, std=0.1)
    w.tok_embeddings *= 0.1  # keep the next-token distribution broad so sampling tests see variety
    save_checkpoint(d / "model.bin", w, 0)
    save_checkpoint(d / "model_q80.bin", w, 2, 32)
    return {"dir": d, "tokenizer": d / "tokenizer.bin", "fp32": d / "model.bin", "q8": d / "model_q80.bin"}
