"""Distance of the hardware numerics model (model/hwmodel.py) from the golden reference.

Measured on one model (default: the shipped tiny Q8_0 model), for both KV-cache formats:

1. Greedy runs, teacher-forced: the golden Q8_0 model generates ``--steps`` greedy tokens after
   each prompt; the numerics model and the golden fp32 model are run on the same tokens, so
   every position is compared: max abs logit error, its size relative to the largest logit,
   the median over positions of the per-position max error, and top-1 (argmax) agreement.
   The numerics model also generates on its own: identical continuations are counted.
2. Perplexity of every model on the first ``--stories`` stories of the shipped model's
   validation split (the last 5 % of /work/shared/data/tinystories.jsonl.gz, as
   scripts/train_tiny.py splits it), at most ``--max-tokens`` scored tokens; skipped with a
   message when the file is missing.
3. Speed of the numerics model (tokens per second on this model; ms per token of a
   stories15M-shaped random model). Wall-clock figures depend on the machine's load.

Usage::

    .venv/bin/python scripts/numerics_report.py                      # print the tables
    .venv/bin/python scripts/numerics_report.py --write docs/numerics.md

``--write`` replaces the text between the ``hwmodel-report`` markers of that file.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

from hlstransform.model.checkpoint import load_checkpoint
from hlstransform.model.config import ModelConfig
from hlstransform.model.errors import ModelError
from hlstransform.model.golden import Transformer
from hlstransform.model.hwmodel import HwTransformer
from hlstransform.model.perplexity import perplexity, read_documents
from hlstransform.model.tokenizer import load_tokenizer
from hlstransform.model.weights import random_weights

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "tinystories.jsonl.gz"
PROMPTS = ("Once upon a time", "Tom and Sue went to the park", "The little dog was sad because",
           "One day, a girl named Lily found")
BEGIN = "<!-- hwmodel-report:begin (scripts/numerics_report.py --write docs/numerics.md) -->"
END = "<!-- hwmodel-report:end -->"


def run_greedy(model, prompt: list[int], steps: int, seq_len: int) -> tuple[list[int], torch.Tensor, float]:
    """Greedy generation of ``steps`` tokens (never stopping at BOS); logits of every position."""
    model.reset()
    seq, out = list(prompt), []
    n = min(len(prompt) + steps, seq_len) - 1
    t0 = time.perf_counter()
    for pos in range(n):
        out.append(model.forward(seq[pos], pos))
        if pos >= len(prompt) - 1:
            seq.append(int(torch.argmax(out[-1])))
    return seq, torch.stack(out), time.perf_counter() - t0


class Distance:
    """Per-position comparison of two logit sequences, accumulated over runs."""

    def __init__(self):
        self.max_abs, self.max_logit, self.per_pos, self.agree, self.n = 0.0, 0.0, [], 0, 0

    def add(self, got: torch.Tensor, ref: torch.Tensor) -> None:
        err = (got.double() - ref.double()).abs().amax(-1)
        self.max_abs = max(self.max_abs, float(err.max()))
        self.max_logit = max(self.max_logit, float(ref.abs().max()))
        self.per_pos += err.tolist()
        self.agree += int((got.argmax(-1) == ref.argmax(-1)).sum())
        self.n += len(err)

    def row(self, name: str) -> str:
        return (f"| {name} | {self.n} | {self.max_abs:.3g} | {100 * self.max_abs / self.max_logit:.2f} % | "
                f"{float(np.median(self.per_pos)):.2g} | {100 * self.agree / self.n:.2f} % |")


def greedy_section(weights, tok, steps: int, seq_len: int) -> tuple[list[str], dict]:
    lines = ["| comparison | positions | max abs error | relative to max logit | median per-position max error "
             "| top-1 agreement |", "|---|---:|---:|---:|---:|---:|"]
    free_lines, stats = [], {"seconds": 0.0, "positions": 0}
    fp32 = Transformer(weights, quant="fp32", kv="fp32")
    for kv in ("fp32", "int8"):
        gq = Transformer(weights, quant="q8", kv=kv)
        hw = HwTransformer(weights, kv=kv)
        d_hw_gq, d_gq_fp, d_hw_fp = Distance(), Distance(), Distance()
        same, diverged = 0, []
        for text in PROMPTS:
            prompt = tok.encode(text, bos=True)
            tokens, ref, _ = run_greedy(gq, prompt, steps, seq_len)
            mine, got, sec = run_greedy(hw, prompt, steps, seq_len)
            stats["seconds"] += sec
            stats["positions"] += len(got)
            if mine == tokens:
                same += 1
            else:
                first = next(i for i, (a, b) in enumerate(zip(mine, tokens)) if a != b)
                diverged.append(first - len(prompt))
                got = hw.logits(tokens[:-1])
            fp = fp32.logits(tokens[:-1])
            d_hw_gq.add(got, ref)
            d_gq_fp.add(ref, fp)
            d_hw_fp.add(got, fp)
            print(f"  kv {kv}: '{text}' done", file=sys.stderr, flush=True)
        lines.append(d_hw_gq.row(f"numerics vs golden q8, {kv} KV"))
        lines.append(d_hw_fp.row(f"numerics ({kv} KV) vs golden fp32"))
        lines.append(d_gq_fp.row(f"golden q8 ({kv} KV) vs golden fp32 (for scale)"))
        msg = f"- {kv} KV: {same} of {len(PROMPTS)} free-running {steps}-token greedy continuations identical"
        if diverged:
            msg += " (the others first differ at generated token " + ", ".join(map(str, diverged)) + ")"
        free_lines.append(msg)
    return lines + [""] + free_lines, stats


def validation_stories(path: Path, fraction: float = 0.05) -> list[str]:
    """The shipped model's validation split: the last ``fraction`` of the stories, in file order."""
    docs = read_documents(path)
    n_val = max(1, round(len(docs) * fraction))
    return docs[-n_val:]


def perplexity_section(weights, tok, data: Path, stories: int, max_tokens: int, seq_len: int) -> list[str]:
    if not data.exists():
        return [f"(perplexity skipped: {data} not found)"]
    docs = validation_stories(data)[:stories]
    token_docs = [tok.encode(d, bos=True) for d in docs]
    models = [
        ("golden fp32 (run.c), fp32 KV", Transformer(weights, quant="fp32", kv="fp32")),
        ("golden q8 (runq.c), fp32 KV", Transformer(weights, quant="q8", kv="fp32")),
        ("numerics, fp32 KV", HwTransformer(weights, kv="fp32")),
        ("golden q8 (runq.c), int8 KV", Transformer(weights, quant="q8", kv="int8")),
        ("numerics, int8 KV", HwTransformer(weights, kv="int8")),
    ]
    lines = ["| model | perplexity | mean NLL (nats) | tokens |", "|---|---:|---:|---:|"]
    results = {}
    for name, model in models:
        r = perplexity(model.logits, token_docs, seq_len, max_tokens)
        results[name] = r
        lines.append(f"| {name} | {r.perplexity:.4f} | {r.nll:.5f} | {r.tokens} |")
        print(f"  perplexity {name}: {r.perplexity:.4f}", file=sys.stderr, flush=True)
    for kv in ("fp32", "int8"):
        a, b = results[f"numerics, {kv} KV"], results[f"golden q8 (runq.c), {kv} KV"]
        lines.append(f"\nnumerics - golden q8, {kv} KV: perplexity {a.perplexity - b.perplexity:+.2g} "
                     f"(relative {(a.perplexity - b.perplexity) / b.perplexity:+.2g}), "
                     f"mean NLL {a.nll - b.nll:+.2g} nats")
    lines.append(f"\nData: the first {len(docs)} stories of the validation split (last 5 % of "
                 f"`{data.name}`), windows of {seq_len} tokens, stopping after {max_tokens} scored tokens.")
    return lines


def speed_stories15m() -> float:
    """ms per token of the numerics model on a stories15M-shaped random model (positions 0..15)."""
    c = ModelConfig(dim=288, hidden_dim=768, n_layers=6, n_heads=6, n_kv_heads=6, vocab_size=32000, seq_len=256)
    hw = HwTransformer(random_weights(c, seed=1).quantized(32))
    hw.forward(1, 0)
    t0 = time.perf_counter()
    for pos in range(1, 16):
        hw.forward(pos + 2, pos)
    return 1000 * (time.perf_counter() - t0) / 15


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=str(REPO / "models" / "tiny" / "model_q80.bin"))
    p.add_argument("--tokenizer", default=str(REPO / "models" / "tiny" / "tokenizer.bin"))
    p.add_argument("--steps", type=int, default=200, help="greedy tokens per prompt (default 200)")
    p.add_argument("--data", default=str(DEFAULT_DATA), help="TinyStories .jsonl(.gz) (validation = last 5 %%)")
    p.add_argument("--stories", type=int, default=20, help="validation stories to score at most (default 20)")
    p.add_argument("--max-tokens", type=int, default=2048, help="scored tokens at most per model (default 2048)")
    p.add_argument("--no-speed", action="store_true", help="skip the stories15M-shaped timing")
    p.add_argument("--write", help="markdown file whose hwmodel-report section is replaced")
    args = p.parse_args(argv)
    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(1)
    try:
        ck = load_checkpoint(args.model)
        tok = load_tokenizer(args.tokenizer, vocab_size=ck.config.vocab_size)
        c = ck.config
        t0 = time.perf_counter()
        greedy, stats = greedy_section(ck.weights, tok, args.steps, c.seq_len)
        ppl = perplexity_section(ck.weights, tok, Path(args.data), args.stories, args.max_tokens, c.seq_len)
        speed = [f"- numerics model on this model: {stats['positions'] / stats['seconds']:.1f} tokens/s "
                 f"(mean over the {stats['positions']} free-running positions above, one thread)"]
        if not args.no_speed:
            speed.append(f"- stories15M-shaped random model (dim 288, 6 layers, vocab 32000, GS 32): "
                         f"{speed_stories15m():.0f} ms per token")
    except ModelError as e:
        print(f"numerics_report: error: {e}", file=sys.stderr)
        return 1
    name = os.path.relpath(args.model, REPO) if args.model.startswith(str(REPO)) else args.model
    cmd = "`.venv/bin/python scripts/numerics_report.py" + (" --write docs/numerics.md" if args.write else "") + "`"
    body = "\n".join([
        f"Model `{name}` (dim {c.dim}, {c.n_layers} layers, {c.n_heads}/{c.n_kv_heads} heads, vocab "
        f"{c.vocab_size}, GS {ck.group_size}); {len(PROMPTS)} prompts x {args.steps} greedy tokens. "
        f"Command: {cmd} ({time.perf_counter() - t0:.0f} s on 2 shared cores).",
        "", "Greedy runs, teacher-forced on the golden q8 model's tokens (prompt positions included):", "",
        *greedy, "", "Perplexity:", "", *ppl, "", "Speed (wall clock, load-dependent):", "", *speed,
    ])
    print(body)
    if args.write:
        path = Path(args.write)
        text = path.read_text()
        if BEGIN not in text or END not in text:
            print(f"numerics_report: error: {path} has no {BEGIN} ... {END} section", file=sys.stderr)
            return 1
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: f"{BEGIN}\n{body}\n{END}", text,
                      flags=re.S)
        path.write_text(text)
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
