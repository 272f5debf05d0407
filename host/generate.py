"""The generation loop shared by every backend: prefill the prompt, then sample new tokens.

Semantics follow llama2.c's ``generate()``: the prompt is encoded with BOS, every prompt token
goes through the model (prefill), then up to ``steps`` new tokens are sampled; generation stops
early when the model emits BOS (llama2.c's story separator) or the context is full. Prompt
tokens before the last are run without logits (nobody reads them: only their KV-cache slots
matter), which the hardware backends turn into a shorter kernel run (no classifier); a backend
with ``max_tokens`` > 1 (a forward build with MAX_TOKENS) takes them in batches of that many
(``forward_batch``: every weight fetch serves the batch). The last prompt token runs alone, with
logits, as every generated one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from hlstransform.model.errors import ModelError
from hlstransform.model.sampler import Sampler
from hlstransform.model.tokenizer import BOS_ID, Tokenizer

from .backends import Backend


@dataclass
class GenerationResult:
    tokens: list[int]           # prompt (BOS included) then generated ids
    n_prompt: int
    text: str                   # the prompt and generated text, decoded
    seconds: float              # wall time of all forward passes
    stopped: str                # "steps", "bos" or "seq_len"
    step_seconds: list[float] = field(default_factory=list)

    @property
    def tok_per_s(self) -> float:
        """Forward passes per wall second, all positions (prompt and generated)."""
        n = len(self.step_seconds)
        return n / self.seconds if self.seconds > 0 else 0.0


def generate(backend: Backend, tokenizer: Tokenizer, sampler: Sampler, prompt: str, steps: int, seq_len: int,
             on_piece: Callable[[bytes], None] | None = None,
             on_step: Callable[[int, float], None] | None = None) -> GenerationResult:
    """Run the prompt through ``backend`` and sample up to ``steps`` new tokens.

    Args:
        on_piece: called with the bytes of each prompt and generated token as it is produced.
        on_step: called after each forward pass with the positions done and the wall seconds so far.
    """
    if steps < 0:
        raise ModelError(f"--steps must be >= 0, got {steps}")
    tokens = tokenizer.encode(prompt, bos=True, eos=False)
    if len(tokens) > seq_len:
        raise ModelError(f"the prompt is {len(tokens)} tokens, longer than the model's context (seq_len {seq_len})")
    n_prompt = len(tokens)
    batch = getattr(backend, "max_tokens", 1)
    backend.reset()
    step_seconds: list[float] = []
    stopped = "steps"
    pos = 0
    while True:
        if on_piece and pos > 0:
            on_piece(tokenizer.decode_piece(tokens[pos - 1], tokens[pos]))
        generating = pos >= n_prompt - 1      # the logits at the last prompt token give the first new one
        if generating and len(tokens) - n_prompt >= steps:
            break
        if generating and len(tokens) >= seq_len:
            stopped = "seq_len"
            break
        if not generating and batch > 1:
            # Prompt tokens before the last, up to a batch at a time.
            chunk = tokens[pos:min(pos + batch, n_prompt - 1)]
            t0 = time.perf_counter()
            backend.forward_batch(chunk, pos)
            step_seconds += [(time.perf_counter() - t0) / len(chunk)] * len(chunk)
            for k in range(1, len(chunk)):
                if on_piece:
                    on_piece(tokenizer.decode_piece(tokens[pos + k - 1], tokens[pos + k]))
            pos += len(chunk)
            if on_step:
                on_step(pos, sum(step_seconds))
            continue
        t0 = time.perf_counter()
        logits = backend.forward(tokens[pos], pos, logits=generating)
        step_seconds.append(time.perf_counter() - t0)
        if on_step:
            on_step(pos + 1, sum(step_seconds))
        if generating:
            nxt = sampler.sample(logits)
            if nxt == BOS_ID:
                stopped = "bos"
                break
            tokens.append(nxt)
        pos += 1
    return GenerationResult(tokens, n_prompt, tokenizer.decode(tokens), sum(step_seconds), stopped, step_seconds)
