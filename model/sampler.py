"""llama2.c's ``Sampler``: greedy, temperature, multinomial and top-p (nucleus) sampling.

The same steps, in the same float32 arithmetic, as run.c ``sample()``:

* temperature 0: ``argmax`` of the logits (first index on ties); the RNG is not advanced.
* otherwise: logits / temperature (float32), softmax (subtract the max, exp, sequential
  float32 sum, divide), one coin ``random_f32()``; then ``sample_mult`` when topp <= 0 or
  topp >= 1, else ``sample_topp``: keep probabilities >= (1 - topp) / (n - 1), sort them
  descending, cut after the first index where the cumulative probability exceeds topp, and
  walk that prefix with ``coin * cumulative``.
* RNG: xorshift64* on a uint64 state — ``state ^= state >> 12; state ^= state << 25;
  state ^= state >> 27``; ``random_u32 = (state * 0x2545F4914F6CDD1D) >> 32``;
  ``random_f32 = (random_u32 >> 8) / 16777216``.

Differences from llama2.c, by choice: the seed defaults to ``DEFAULT_SEED`` (42) so runs are
reproducible (run.c seeds from ``time()`` when the seed is 0); a seed of 0 (the xorshift fixed
point, which would give a constant coin) or outside uint64 is a ``ModelError``, and so are a
negative temperature and topp outside [0, 1] (run.c silently clamps them to 0 and 0.9).
``qsort`` is not stable, so run.c orders equal probabilities arbitrarily; here ties keep
ascending token order. Softmax uses numpy's float32 ``exp``, which can differ from glibc
``expf`` in the last bit; every sum runs left to right in float32 as the C loops do.
"""

from __future__ import annotations

from typing import Union

import numpy as np

from .errors import ModelError

#: The seed used when none is given (run.c would take the time of day).
DEFAULT_SEED = 42
_MASK64 = (1 << 64) - 1
_XORSHIFT_MULT = 0x2545F4914F6CDD1D

Logits = Union[np.ndarray, "torch.Tensor"]  # noqa: F821 (torch is optional here)


def _as_f32(logits: Logits) -> np.ndarray:
    """A fresh 1-D float32 numpy copy of a numpy array or (CPU or device) torch tensor."""
    if hasattr(logits, "detach"):
        logits = logits.detach().to("cpu").float().numpy()
    arr = np.array(logits, dtype=np.float32, copy=True)
    if arr.ndim != 1 or arr.size == 0:
        raise ModelError(f"logits must be a non-empty 1-D vector, got shape {arr.shape}")
    return arr


def softmax(x: np.ndarray) -> np.ndarray:
    """run.c ``softmax`` in float32: subtract the max, exp, sequential sum, divide."""
    x = np.asarray(x, dtype=np.float32)
    e = np.exp(x - x.max(), dtype=np.float32)
    total = np.cumsum(e, dtype=np.float32)[-1]  # add.accumulate sums left to right, as the C loop
    return (e / total).astype(np.float32)


def sample_argmax(probabilities: np.ndarray) -> int:
    """Index of the largest value (first on ties, as run.c's strict '>')."""
    return int(np.argmax(probabilities))


def sample_mult(probabilities: np.ndarray, coin: float) -> int:
    """First index whose float32 running sum exceeds ``coin``; the last index if none does."""
    cdf = np.cumsum(np.asarray(probabilities, dtype=np.float32), dtype=np.float32)
    idx = int(np.searchsorted(cdf, np.float32(coin), side="right"))
    # searchsorted needs a sorted cdf; a float32 running sum of non-negatives never decreases.
    return min(idx, len(cdf) - 1)


def sample_topp(probabilities: np.ndarray, topp: float, coin: float) -> int:
    """run.c ``sample_topp``: sample from the smallest prefix of the sorted distribution whose
    probability exceeds ``topp`` (after dropping values below (1 - topp) / (n - 1))."""
    p = np.asarray(probabilities, dtype=np.float32)
    n = len(p)
    if n == 1:
        return 0
    cutoff = (np.float32(1.0) - np.float32(topp)) / np.float32(n - 1)
    kept = np.nonzero(p >= cutoff)[0]
    if len(kept) == 0:  # impossible for a real distribution (some p >= 1/n >= cutoff)
        return sample_argmax(p)
    order = kept[np.argsort(-p[kept], kind="stable")]
    sorted_p = p[order]
    cum = np.cumsum(sorted_p, dtype=np.float32)
    over = np.nonzero(cum > np.float32(topp))[0]
    last = int(over[0]) if len(over) else len(order) - 1
    r = np.float32(coin) * cum[last]
    # cdf over the kept prefix is cum itself (same sequential float32 additions).
    idx = int(np.searchsorted(cum[: last + 1], r, side="right"))
    return int(order[min(idx, last)])


class Sampler:
    """run.c's sampler state: temperature, top-p and the xorshift RNG.

    Args:
        temperature: 0 for greedy; > 0 divides the logits.
        topp: nucleus mass in [0, 1]; 0 or 1 means plain multinomial sampling.
        seed: RNG seed, 1 .. 2**64 - 1 (default ``DEFAULT_SEED``).
        vocab_size: if given, every logits vector must have this length.
    """

    def __init__(self, temperature: float = 1.0, topp: float = 0.9, seed: int = DEFAULT_SEED,
                 vocab_size: int | None = None):
        temperature = float(temperature)
        topp = float(topp)
        if not temperature >= 0.0 or temperature == float("inf"):
            raise ModelError(f"temperature must be a finite number >= 0, got {temperature}")
        if not 0.0 <= topp <= 1.0:
            raise ModelError(f"topp must be in [0, 1], got {topp}")
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or not 0 < int(seed) <= _MASK64:
            raise ModelError(f"seed must be an integer in 1 .. 2**64-1, got {seed!r}")
        self.temperature = temperature
        self.topp = topp
        self.seed = int(seed)
        self.vocab_size = vocab_size
        self.state = self.seed

    def __repr__(self) -> str:
        return f"Sampler(temperature={self.temperature}, topp={self.topp}, seed={self.seed})"

    def random_u32(self) -> int:
        """xorshift64*: advance the state, return the high 32 bits of state * 0x2545F4914F6CDD1D."""
        s = self.state
        s ^= s >> 12
        s = (s ^ (s << 25)) & _MASK64
        s ^= s >> 27
        self.state = s
        return ((s * _XORSHIFT_MULT) & _MASK64) >> 32

    def random_f32(self) -> float:
        """Uniform float32 in [0, 1) from the top 24 bits of ``random_u32``."""
        return float(np.float32(self.random_u32() >> 8) / np.float32(16777216.0))

    def probabilities(self, logits: Logits) -> np.ndarray:
        """softmax(logits / temperature) in float32 (temperature must be > 0)."""
        x = _as_f32(logits)
        return softmax(x / np.float32(self.temperature))

    def sample(self, logits: Logits) -> int:
        """Next token id for a 1-D vector of logits (numpy array or torch tensor); not modified."""
        x = _as_f32(logits)
        if self.vocab_size is not None and len(x) != self.vocab_size:
            raise ModelError(f"logits have {len(x)} entries, the sampler expects {self.vocab_size}")
        if self.temperature == 0.0:
            return sample_argmax(x)
        probs = softmax(x / np.float32(self.temperature))
        coin = self.random_f32()
        if self.topp <= 0.0 or self.topp >= 1.0:
            return sample_mult(probs, coin)
        return sample_topp(probs, self.topp, coin)

    __call__ = sample
