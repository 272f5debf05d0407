"""Perplexity of a model over a text (.txt) or JSON-lines (.jsonl, ``text`` field) dataset.

Each document is tokenized with BOS (as llama2.c's training data is) and scored in windows of
at most ``seq_len`` tokens, each window starting at position 0 with an empty KV cache; every
token after the first of a window is predicted from the ones before it. Perplexity is
``exp(mean negative log-likelihood)`` over all predicted tokens. Optional ``.gz`` compression.
"""

from __future__ import annotations

import gzip
import json
import math
import os
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import torch

from .errors import ModelError


@dataclass
class PerplexityResult:
    perplexity: float
    nll: float          # mean negative log-likelihood per scored token (nats)
    tokens: int         # tokens scored
    documents: int


def read_documents(path: str | os.PathLike) -> list[str]:
    """Documents of a .txt (the whole file is one document) or .jsonl file, optionally gzipped."""
    path = os.fspath(path)
    name = path[:-3] if path.endswith(".gz") else path
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            if not name.endswith(".jsonl"):
                return [f.read()]
            docs = []
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    raise ModelError(f"{path}:{lineno}: not valid JSON") from None
                if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                    raise ModelError(f"{path}:{lineno}: expected an object with a string 'text' field")
                docs.append(obj["text"])
            return docs
    except FileNotFoundError:
        raise ModelError(f"{path}: no such file") from None
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise ModelError(f"{path}: cannot read: {e}") from None


def windows(tokens: list[int], seq_len: int) -> Iterator[list[int]]:
    """Consecutive windows of at most seq_len tokens; a window needs two tokens to score one."""
    for start in range(0, len(tokens), seq_len):
        chunk = tokens[start:start + seq_len]
        if len(chunk) >= 2:
            yield chunk


def perplexity(logits_fn: Callable[[list[int]], torch.Tensor], token_docs: Iterable[list[int]],
               seq_len: int, max_tokens: int | None = None) -> PerplexityResult:
    """Score tokenized documents with ``logits_fn(tokens) -> [len, vocab]`` logits.

    Args:
        logits_fn: logits of a sequence starting at position 0.
        token_docs: one token list per document (BOS first).
        seq_len: window length (the model's context).
        max_tokens: stop after about this many scored tokens (whole windows), None for all.
    """
    total_nll, count, docs = 0.0, 0, 0
    for doc in token_docs:
        docs += 1
        for chunk in windows(doc, seq_len):
            logits = logits_fn(chunk).to(torch.float64)
            logp = torch.log_softmax(logits[:-1], dim=-1)
            targets = torch.tensor(chunk[1:])
            total_nll -= float(logp.gather(1, targets[:, None]).sum())
            count += len(chunk) - 1
            if max_tokens is not None and count >= max_tokens:
                break
        if max_tokens is not None and count >= max_tokens:
            break
    if count == 0:
        raise ModelError("the dataset has no text to score (every document is shorter than two tokens)")
    nll = total_nll / count
    return PerplexityResult(perplexity=math.exp(nll), nll=nll, tokens=count, documents=docs)
