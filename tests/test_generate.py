"""The generation loop (host/generate.py) against backends that record what they are asked:
prompt tokens before the last run without logits (the hardware's skip_logits), every token that
is sampled from runs with them, and the tokens are greedy decoding's, recomputed over the whole
sequence with logits at every position."""

from __future__ import annotations

import pytest
import torch

from hlstransform.host.backends import NumericsBackend, sequence_logits
from hlstransform.host.generate import generate
from hlstransform.model.checkpoint import load_checkpoint
from hlstransform.model.sampler import Sampler
from hlstransform.model.tokenizer import load_tokenizer

PROMPT = "Once upon a time the"
STEPS = 6


class Recording:
    """Wraps a backend: records each call's (pos, logits)."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, []
        self.name, self.quants = inner.name, inner.quants

    def reset(self) -> None:
        self.calls.clear()
        self.inner.reset()

    def forward(self, token: int, pos: int, logits: bool = True) -> torch.Tensor | None:
        self.calls.append((pos, logits))
        return self.inner.forward(token, pos, logits=logits)


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
    # Greedy decoding, recomputed apart: every generated token is the argmax of the logits of the
    # whole sequence (every position run with logits) at the position before it. The prompt tokens
    # run without logits left only their KV slots; a loop that lost them, sampled from a stale
    # position or fed a wrong token would differ here.
    assert len(result.tokens) == n + STEPS
    logits = sequence_logits(NumericsBackend(weights, "q8", "fp32"), result.tokens[:-1])
    assert result.tokens[n:] == logits[n - 1:].argmax(dim=-1).tolist()


def test_greedy_check_catches_a_wrong_token(weights, run) -> None:
    """The comparison above fails on a sequence whose last generated token is changed."""
    result = run(NumericsBackend(weights, "q8", "fp32"))
    n, tokens = result.n_prompt, list(result.tokens)
    tokens[-1] = (tokens[-1] + 1) % weights.config.vocab_size
    logits = sequence_logits(NumericsBackend(weights, "q8", "fp32"), tokens[:-1])
    assert tokens[n:] != logits[n - 1:].argmax(dim=-1).tolist()


def test_numerics_backend_returns_none_without_logits(weights) -> None:
    backend = NumericsBackend(weights, "q8", "fp32")
    backend.reset()
    assert backend.forward(1, 0, logits=False) is None
    out = backend.forward(5, 1)
    assert out is not None and out.shape == (weights.config.vocab_size,)
