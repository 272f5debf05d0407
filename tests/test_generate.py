"""The generation loop (host/generate.py) against backends that record what they are asked:
prompt tokens before the last run without logits (the hardware's skip_logits), every token that
is sampled from runs with them, and the tokens are those of the backend that computes all logits."""

from __future__ import annotations

import pytest
import torch

from hlstransform.host.backends import NumericsBackend
from hlstransform.host.generate import generate
from hlstransform.model.checkpoint import load_checkpoint
from hlstransform.model.sampler import Sampler
from hlstransform.model.tokenizer import load_tokenizer

PROMPT = "Once upon a time the"
STEPS = 6


class Recording:
    """Wraps a backend: records each call's (pos, logits) and, with *always*, computes logits even
    when the loop asks for none (the reference the skipping run must equal)."""

    def __init__(self, inner, always: bool = False) -> None:
        self.inner, self.always, self.calls = inner, always, []
        self.name, self.quants = inner.name, inner.quants

    def reset(self) -> None:
        self.calls.clear()
        self.inner.reset()

    def forward(self, token: int, pos: int, logits: bool = True) -> torch.Tensor | None:
        self.calls.append((pos, logits))
        return self.inner.forward(token, pos, logits=logits or self.always)


@pytest.fixture(scope="module")
def weights(tiny_files):
    return load_checkpoint(tiny_files["q8"]).weights


@pytest.fixture(scope="module")
def run(tiny_files, weights):
    tokenizer = load_tokenizer(tiny_files["tokenizer"])
    return lambda backend: generate(backend, tokenizer, Sampler(temperature=0.0), PROMPT, STEPS,
                                    weights.config.seq_len)


def test_prompt_tokens_before_the_last_ask_for_no_logits(weights, run) -> None:
    rec = Recording(NumericsBackend(weights, "q8", "fp32"))
    result = run(rec)
    n = result.n_prompt
    assert n >= 3, "the prompt should be several tokens"
    assert [p for p, _ in rec.calls] == list(range(len(rec.calls)))
    assert [want for _, want in rec.calls] == [pos >= n - 1 for pos in range(len(rec.calls))]
    # Tokens are the same as with logits at every position (the KV cache is all a prompt token leaves).
    reference = run(Recording(NumericsBackend(weights, "q8", "fp32"), always=True))
    assert result.tokens == reference.tokens and len(result.tokens) == n + STEPS


def test_numerics_backend_returns_none_without_logits(weights) -> None:
    backend = NumericsBackend(weights, "q8", "fp32")
    backend.reset()
    assert backend.forward(1, 0, logits=False) is None
    out = backend.forward(5, 1)
    assert out is not None and out.shape == (weights.config.vocab_size,)
