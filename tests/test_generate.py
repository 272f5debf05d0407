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


class Batching(Recording):
    """A backend that takes prompt tokens in batches (as a forward build with MAX_TOKENS): each
    batch recorded as (first position, size), computed token by token by the inner backend."""

    max_tokens = 3

    def forward_batch(self, tokens: list[int], pos: int, logits: bool = False) -> torch.Tensor | None:
        self.calls.append(("batch", pos, len(tokens), logits))
        out = None
        for i, t in enumerate(tokens):
            out = self.inner.forward(t, pos + i, logits=logits and i == len(tokens) - 1)
        return out


def test_prompt_batches(weights, run) -> None:
    """With max_tokens 3 the prompt tokens before the last go in batches of up to 3, in order and
    without logits; the last prompt token and the generated ones run alone with logits; the tokens
    are greedy decoding's."""
    rec = Batching(NumericsBackend(weights, "q8", "fp32"))
    result = run(rec)
    n = result.n_prompt
    batches = [c for c in rec.calls if c[0] == "batch"]
    singles = [c for c in rec.calls if c[0] != "batch"]
    expect = [("batch", p, min(3, n - 1 - p), False) for p in range(0, n - 1, 3)]
    assert batches == expect, f"batches {batches}, expected {expect}"
    assert singles == [(p, True) for p in range(n - 1, n - 1 + len(singles))]
    assert len(result.step_seconds) == n - 1 + len(singles)
    logits = sequence_logits(NumericsBackend(weights, "q8", "fp32"), result.tokens[:-1])
    assert result.tokens[n:] == logits[n - 1:].argmax(dim=-1).tolist()


def test_hardware_figures_split_prompt_runs_from_decode() -> None:
    """generate --json's figures: decode over the runs with logits, prefill per token over the
    runs without (single prompt tokens or batches); software backends report none."""
    from types import SimpleNamespace

    from hlstransform.host.cli import _hardware_figures
    from hlstransform.host.forward import CLOCK_HZ, TokenStats

    stats = TokenStats()
    stats.add(400, tokens=4, logits=False)   # a batch of 4 prompt tokens
    stats.add(150, tokens=1, logits=False)   # a prompt token alone
    stats.add(300)                           # the last prompt token, with logits
    stats.add(500)                           # a generated token
    hw = _hardware_figures(SimpleNamespace(stats=stats))
    assert hw["cycles_per_token"] == 400 and hw["prefill_cycles_per_token"] == 110
    assert hw["tok_per_s_250mhz"] == CLOCK_HZ[0] / 400
    assert _hardware_figures(SimpleNamespace()) == {}
    with pytest.raises(ValueError):
        TokenStats(cycles=[1, 2], tokens=[1])
