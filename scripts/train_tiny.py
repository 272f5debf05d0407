"""Train the project's shipped tiny Llama 2 (models/tiny) on TinyStories, on the CPU.

Steps, all deterministic for a given --seed:

1. Read the stories (gzip JSONL, one object with a ``text`` field per line), strip each, and
   split them in file order: the last --val-fraction are validation, the rest training.
   Nothing of the data is written into the output folder.
2. Train a sentencepiece BPE vocabulary on the training stories with llama2.c's
   ``train_vocab`` settings, and export ``tokenizer.model`` and llama2.c ``tokenizer.bin``.
3. Tokenize every story with BOS in front (llama2.c ``pretokenize``), after checking that the
   project's run.c-exact encoder gives the same ids as sentencepiece on a sample.
4. Train a Llama 2 with llama2.c ``model.py``'s math (RMSNorm eps 1e-5, pairwise RoPE theta
   10000, SwiGLU, GQA, classifier tied to the embedding): AdamW, linear warmup then cosine
   decay, gradient clipping, batches of random windows drawn from a seeded generator.
5. Export fp32 v0 ``model.bin``, Q8_0 v2 ``model_q80.bin`` (group size 64) and ``train.json``
   (config, hyper-parameters, final train/val loss and perplexity, wall time, the command, a
   greedy sample).

Run from anywhere:  .venv/bin/python scripts/train_tiny.py
                   (about 18 min on an idle core; 32 min measured on the busy shared 2-core machine)
Smoke test:        .venv/bin/python scripts/train_tiny.py --quick --out /tmp/tiny
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import shlex
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from hlstransform.model.checkpoint import load_checkpoint, save_checkpoint
from hlstransform.model.config import ModelConfig
from hlstransform.model.errors import ModelError
from hlstransform.model.tokenizer import BOS_ID, Tokenizer, export_sentencepiece
from hlstransform.model.weights import LlamaWeights

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "tinystories.jsonl.gz"
DEFAULT_OUT = REPO_ROOT / "models" / "tiny"

#: The shipped model's shape.
TINY_CONFIG = ModelConfig(dim=128, hidden_dim=384, n_layers=4, n_heads=4, n_kv_heads=2,
                          vocab_size=1024, seq_len=256, shared_classifier=True)
Q8_GROUP_SIZE = 64
SAMPLE_PROMPT = "Once upon a time"


# ============================================================================ data

def load_stories(path: Path) -> list[str]:
    """Stripped ``text`` of every JSONL record, in file order; ModelError on a missing/bad file."""
    if not path.is_file():
        raise ModelError(f"{path}: training data not found (pass --data)")
    stories = []
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    text = json.loads(line)["text"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise ModelError(f"{path}:{lineno}: not a JSON object with a 'text' field") from None
                text = text.strip()
                if text:
                    stories.append(text)
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise ModelError(f"{path}: cannot read gzip JSONL: {e}") from None
    if not stories:
        raise ModelError(f"{path}: no stories in the file")
    return stories


def split_stories(stories: list[str], val_fraction: float) -> tuple[list[str], list[str]]:
    """Training stories first, the last ``val_fraction`` (at least one) for validation."""
    n_val = max(1, round(len(stories) * val_fraction))
    if n_val >= len(stories):
        raise ModelError(f"{len(stories)} stories are too few to hold out {n_val} for validation")
    return stories[:-n_val], stories[-n_val:]


def train_vocab(train: list[str], vocab_size: int, seed: int) -> bytes:
    """sentencepiece BPE with llama2.c ``train_vocab``'s settings; returns the serialized model.

    llama2.c writes the stories to a text file, one line per line of text; the lines are fed
    here directly (same pieces and scores), so the model records no temporary file name and
    its bytes depend on the data and seed alone.
    """
    import io

    import sentencepiece as spm

    lines = [line for story in train for line in story.split("\n")]
    spm.set_random_generator_seed(seed)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, model_type="bpe", vocab_size=vocab_size,
        character_coverage=1.0, num_threads=2, split_digits=True, allow_whitespace_only_pieces=True,
        byte_fallback=True, unk_surface=r" \342\201\207 ", normalization_rule_name="identity",
        add_dummy_prefix=True, remove_extra_whitespaces=False, minloglevel=2)
    return model.getvalue()


def tokenize(stories: list[str], model_path: Path, tokenizer: Tokenizer, threads: int,
             n_check: int = 40) -> np.ndarray:
    """All stories as one int64 stream, BOS before each (llama2.c ``pretokenize``).

    sentencepiece does the bulk work; the first ``n_check`` stories are also encoded with the
    run.c-exact encoder, and any difference aborts (the shipped tokenizer.bin must agree).
    """
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(model_path), num_threads=threads)
    ids = sp.encode(stories)
    for story, got in zip(stories[:n_check], ids):
        ours = tokenizer.encode(story, bos=False)
        if ours != got:
            raise RuntimeError(f"run.c-style encoder disagrees with sentencepiece on {story[:60]!r}")
    stream = np.fromiter((t for seq in ids for t in ([BOS_ID] + seq)), dtype=np.int64)
    return stream


# ============================================================================ model (llama2.c model.py)

class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_cos_sin(head_size: int, seq_len: int, theta: float = 10000.0) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin ``[seq_len, head_size/2]``: pair i rotates by pos / theta**(2i / head_size)."""
    freqs = 1.0 / (theta ** (torch.arange(0, head_size, 2)[: head_size // 2].float() / head_size))
    angles = torch.outer(torch.arange(seq_len).float(), freqs)
    return torch.cos(angles), torch.sin(angles)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate interleaved pairs (x[2i], x[2i+1]) — llama2.c's complex form, not rotate-half.

    x: ``[batch, seq, heads, head_size]``; cos/sin: ``[seq, head_size/2]``.
    """
    xr, xi = x.float().reshape(*x.shape[:-1], -1, 2).unbind(-1)
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    out = torch.stack((xr * c - xi * s, xr * s + xi * c), dim=-1)
    return out.flatten(-2).type_as(x)


class Block(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.c = c
        self.attention_norm = RMSNorm(c.dim)
        self.wq = nn.Linear(c.dim, c.dim, bias=False)
        self.wk = nn.Linear(c.dim, c.kv_dim, bias=False)
        self.wv = nn.Linear(c.dim, c.kv_dim, bias=False)
        self.wo = nn.Linear(c.dim, c.dim, bias=False)
        self.ffn_norm = RMSNorm(c.dim)
        self.w1 = nn.Linear(c.dim, c.hidden_dim, bias=False)
        self.w2 = nn.Linear(c.hidden_dim, c.dim, bias=False)
        self.w3 = nn.Linear(c.dim, c.hidden_dim, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        c = self.c
        b, t, _ = x.shape
        h = self.attention_norm(x)
        q = self.wq(h).view(b, t, c.n_heads, c.head_size)
        k = self.wk(h).view(b, t, c.n_kv_heads, c.head_size)
        v = self.wv(h).view(b, t, c.n_kv_heads, c.head_size)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        # GQA: query head h reads kv head h // kv_mul (run.c), i.e. each kv head repeated in place.
        k = k.repeat_interleave(c.kv_mul, dim=2)
        v = v.repeat_interleave(c.kv_mul, dim=2)
        att = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                             is_causal=True)
        x = x + self.wo(att.transpose(1, 2).reshape(b, t, c.dim))
        h = self.ffn_norm(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


class TinyLlama(nn.Module):
    """llama2.c ``model.py`` Transformer (no dropout), classifier tied to the embedding."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        self.c = c
        self.tok_embeddings = nn.Embedding(c.vocab_size, c.dim)
        self.layers = nn.ModuleList(Block(c) for _ in range(c.n_layers))
        self.norm = RMSNorm(c.dim)
        self.output = nn.Linear(c.dim, c.vocab_size, bias=False)
        self.output.weight = self.tok_embeddings.weight
        cos, sin = rope_cos_sin(c.head_size, c.seq_len)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        # llama2.c init: N(0, 0.02), residual projections scaled by 1/sqrt(2 * n_layers).
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, mean=0.0, std=0.02)
        for name, p in self.named_parameters():
            if name.endswith("w3.weight") or name.endswith("wo.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c.n_layers))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        t = tokens.shape[1]
        x = self.tok_embeddings(tokens)
        cos, sin = self.rope_cos[:t], self.rope_sin[:t]
        for layer in self.layers:
            x = layer(x, cos, sin)
        return self.output(self.norm(x))

    def to_weights(self) -> LlamaWeights:
        """The trained tensors in llama2.c layout (fp32, row-major [out, in], stacked over layers)."""
        def stack(name: str) -> torch.Tensor:
            return torch.stack([getattr(layer, name).weight.detach().clone() for layer in self.layers])

        return LlamaWeights(
            config=self.c, tok_embeddings=self.tok_embeddings.weight.detach().clone(),
            rms_att=stack("attention_norm"), wq=stack("wq"), wk=stack("wk"), wv=stack("wv"),
            wo=stack("wo"), rms_ffn=stack("ffn_norm"), w1=stack("w1"), w2=stack("w2"), w3=stack("w3"),
            rms_final=self.norm.weight.detach().clone(), wcls=None,
        ).check_shapes()


# ============================================================================ training

def lr_at(step: int, lr: float, warmup: int, total: int, min_lr: float) -> float:
    """Linear warmup to ``lr`` over ``warmup`` steps, then cosine decay to ``min_lr`` at ``total``."""
    if step < warmup:
        return lr * (step + 1) / warmup
    ratio = (step - warmup) / max(1, total - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * min(1.0, ratio))) * (lr - min_lr)


def get_batch(stream: torch.Tensor, batch: int, seq_len: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    starts = torch.randint(0, len(stream) - seq_len - 1, (batch,), generator=gen)
    rows = torch.stack([stream[s: s + seq_len + 1] for s in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


def eval_windows(stream: torch.Tensor, seq_len: int, max_windows: int | None) -> torch.Tensor:
    """Consecutive non-overlapping windows of seq_len + 1 tokens (the first ``max_windows``)."""
    n = (len(stream) - 1) // seq_len
    if max_windows is not None:
        n = min(n, max_windows)
    if n == 0:
        raise ModelError(f"evaluation stream of {len(stream)} tokens is shorter than one window")
    return torch.stack([stream[i * seq_len: i * seq_len + seq_len + 1] for i in range(n)])


@torch.no_grad()
def mean_loss(model: TinyLlama, windows: torch.Tensor, batch: int) -> float:
    """Mean next-token cross-entropy (nats) over every position of ``windows``."""
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(windows), batch):
        rows = windows[i: i + batch]
        logits = model(rows[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), rows[:, 1:].reshape(-1), reduction="sum")
        total += loss.item()
        count += rows[:, 1:].numel()
    model.train()
    return total / count


@torch.no_grad()
def greedy_sample(model: TinyLlama, tokenizer: Tokenizer, prompt: str, steps: int) -> str:
    """Greedy continuation (full recompute per token; fine for a tiny model)."""
    model.eval()
    ids = tokenizer.encode(prompt, bos=True)
    for _ in range(steps):
        if len(ids) >= model.c.seq_len:
            break
        nxt = int(model(torch.tensor([ids]))[0, -1].argmax())
        if nxt == BOS_ID:  # llama2.c stops at the BOS delimiter
            break
        ids.append(nxt)
    model.train()
    return tokenizer.decode(ids)


def train(args: argparse.Namespace) -> dict:
    t_start = time.time()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    stories = load_stories(Path(args.data))
    if args.quick:
        stories = stories[: args.quick_stories]
    train_stories, val_stories = split_stories(stories, args.val_fraction)
    print(f"stories: {len(train_stories)} train, {len(val_stories)} validation", flush=True)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    (out / "tokenizer.model").write_bytes(train_vocab(train_stories, args.vocab_size, args.seed))
    tokenizer = export_sentencepiece(out / "tokenizer.model", out / "tokenizer.bin")
    print(f"vocab: {tokenizer.vocab_size} BPE pieces in {time.time() - t0:.1f} s", flush=True)

    t0 = time.time()
    train_stream = torch.from_numpy(tokenize(train_stories, out / "tokenizer.model", tokenizer, args.threads))
    val_stream = torch.from_numpy(tokenize(val_stories, out / "tokenizer.model", tokenizer, args.threads))
    print(f"tokens: {len(train_stream)} train, {len(val_stream)} validation "
          f"({time.time() - t0:.1f} s)", flush=True)

    config = ModelConfig(dim=args.dim, hidden_dim=args.hidden_dim, n_layers=args.n_layers, n_heads=args.n_heads,
                         n_kv_heads=args.n_kv_heads, vocab_size=tokenizer.vocab_size, seq_len=args.seq_len,
                         shared_classifier=True).validate()
    config.check_group_size(Q8_GROUP_SIZE)
    model = TinyLlama(config)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    print(f"model: {config.n_params():,} parameters, {asdict(config)}", flush=True)

    gen = torch.Generator().manual_seed(args.seed)
    val_windows = eval_windows(val_stream, config.seq_len, None)
    val_quick = val_windows[: args.eval_windows]
    train_eval = eval_windows(train_stream, config.seq_len, args.eval_windows)
    min_lr = args.lr * args.min_lr_ratio
    history = []
    t_train = time.time()
    for step in range(args.steps):
        lr = lr_at(step, args.lr, args.warmup, args.steps, min_lr)
        for group in opt.param_groups:
            group["lr"] = lr
        x, y = get_batch(train_stream, args.batch_size, config.seq_len, gen)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        done = step + 1
        if done % args.log_every == 0 or done == 1:
            el = time.time() - t_train
            print(f"step {done}/{args.steps} loss {loss.item():.4f} lr {lr:.2e} "
                  f"({el:.0f} s, {el / done:.3f} s/step)", flush=True)
        if done % args.eval_every == 0 and done < args.steps:
            vl = mean_loss(model, val_quick, args.batch_size)
            history.append({"step": done, "train_batch_loss": round(loss.item(), 4), "val_loss": round(vl, 4)})
            print(f"eval step {done}: val loss {vl:.4f} (ppl {math.exp(vl):.2f}, {len(val_quick)} windows)",
                  flush=True)
    train_seconds = time.time() - t_train

    train_loss = mean_loss(model, train_eval, args.batch_size)
    val_loss = mean_loss(model, val_windows, args.batch_size)
    print(f"final: train loss {train_loss:.4f}, val loss {val_loss:.4f} "
          f"(val ppl {math.exp(val_loss):.3f} over {val_windows[:, 1:].numel()} tokens)", flush=True)

    weights = model.to_weights()
    save_checkpoint(out / "model.bin", weights, 0)
    save_checkpoint(out / "model_q80.bin", weights.quantized(Q8_GROUP_SIZE), 2, group_size=Q8_GROUP_SIZE)
    # Read back: a file that does not load is not shipped.
    for name in ("model.bin", "model_q80.bin"):
        load_checkpoint(out / name)
    sample = greedy_sample(model, tokenizer, SAMPLE_PROMPT, args.sample_tokens)
    print(f"greedy sample: {sample!r}", flush=True)

    record = {
        "config": asdict(config),
        "data": {"file": Path(args.data).name, "stories_train": len(train_stories),
                 "stories_val": len(val_stories), "val_split": f"last {args.val_fraction:g} of the file",
                 "tokens_train": len(train_stream), "tokens_val": len(val_stream)},
        "tokenizer": {"type": "sentencepiece BPE (llama2.c train_vocab settings)",
                      "vocab_size": tokenizer.vocab_size},
        "steps": args.steps, "batch_size": args.batch_size, "tokens_per_step": args.batch_size * config.seq_len,
        "lr": args.lr, "min_lr": min_lr, "warmup": args.warmup, "weight_decay": args.weight_decay,
        "betas": [0.9, 0.95], "grad_clip": args.grad_clip, "seed": args.seed, "threads": args.threads,
        "quick": args.quick,
        "final_train_loss": round(train_loss, 4), "final_val_loss": round(val_loss, 4),
        "final_val_perplexity": round(math.exp(val_loss), 3),
        "loss_note": "mean next-token cross-entropy (nats) over non-overlapping 256-token windows "
                     f"(train: first {len(train_eval)} windows; val: all {len(val_windows)})",
        "history": history,
        "greedy_sample": {"prompt": SAMPLE_PROMPT, "text": sample},
        "wall_seconds": round(time.time() - t_start, 1), "train_seconds": round(train_seconds, 1),
        "torch": torch.__version__,
        "command": " ".join(["python", "scripts/train_tiny.py"] + [shlex.quote(a) for a in args.argv]),
        "files": ["model.bin (v0 fp32)", f"model_q80.bin (v2 Q8_0, group size {Q8_GROUP_SIZE})",
                  "tokenizer.model", "tokenizer.bin"],
    }
    with open(out / "train.json", "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    print(f"wrote {out}/ in {record['wall_seconds']} s", flush=True)
    return record


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(DEFAULT_DATA), help="gzip JSONL stories (default: %(default)s)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: %(default)s)")
    p.add_argument("--quick", action="store_true", help="smoke test: few stories, few steps, small vocab (512)")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--steps", type=int, default=None, help="optimizer steps (default 1000, quick 4)")
    p.add_argument("--batch-size", type=int, default=None, help="windows per step (default 32, quick 4)")
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    p.add_argument("--min-lr-ratio", type=float, default=0.1, help="final lr as a fraction of --lr")
    p.add_argument("--warmup", type=int, default=None, help="warmup steps (default 100, quick 1)")
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--vocab-size", type=int, default=None, help="BPE vocabulary (default 1024, quick 512)")
    p.add_argument("--val-fraction", type=float, default=0.05)
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (default 1: on the shared 2-core machine two OpenMP threads run "
                        "2-3x slower than one whenever anything else is busy; results depend on this)")
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--eval-windows", type=int, default=64, help="windows for periodic val / final train loss")
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--sample-tokens", type=int, default=120)
    p.add_argument("--quick-stories", type=int, default=400, help=argparse.SUPPRESS)
    for name in ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "seq_len"):
        p.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(TINY_CONFIG, name),
                       help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    full = {"steps": 1000, "batch_size": 32, "warmup": 100, "vocab_size": TINY_CONFIG.vocab_size}
    quick = {"steps": 4, "batch_size": 4, "warmup": 1, "vocab_size": 512}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.quick:
        args.eval_windows = min(args.eval_windows, 4)
        args.sample_tokens = min(args.sample_tokens, 8)
        args.log_every = 1
    args.argv = argv
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    try:
        train(args)
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
