"""hlstransform: run Llama 2 models on the golden reference or the accelerator.

Commands:
  info      header, shapes, group size and size of a checkpoint
  generate  text generation from a prompt (streams text, reports tok/s)
  logits    logits of every position of a token sequence, saved as .npy
  export    convert a checkpoint (llama2.c v0/v1/v2 or a Hugging Face directory)
  eval      perplexity over a .txt or .jsonl dataset
  bench     cycles per token of the forward kernel's RTL at full model size (simulated card)

--model and --tokenizer default to the shipped tiny Q8_0 model and its tokenizer.
Expected errors (bad files, bad options) print one line and exit with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

import numpy as np
import torch

from hlstransform.model.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from hlstransform.model.errors import ModelError
from hlstransform.model.golden import KV_MODES, QUANT_MODES
from hlstransform.model.hf import import_hf
from hlstransform.model.perplexity import perplexity, read_documents
from hlstransform.model.sampler import Sampler
from hlstransform.model.tokenizer import Tokenizer, load_tokenizer

from .backends import BACKENDS, close_backend, default_quant, open_backend, sequence_logits
from .device import DeviceError
from .forward import CLOCK_HZ
from .generate import generate
from .paths import DEFAULT_MODEL, DEFAULT_TOKENIZER

PROG = "hlstransform"


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (the project's error contract)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise ModelError(message)


# ----------------------------------------------------------------------------- helpers

def open_model(path: str) -> Checkpoint:
    return load_checkpoint(path)


def open_tokenizer(path: str, ckpt: Checkpoint) -> Tokenizer:
    """The tokenizer, which must have exactly the model's vocabulary size."""
    return load_tokenizer(path, vocab_size=ckpt.config.vocab_size)


def model_quant(ckpt: Checkpoint, args: argparse.Namespace) -> str:
    """The precision a run uses: --quant, else the backend's default for this checkpoint."""
    return args.quant or default_quant(args.backend, ckpt.weights)


def parse_tokens(text: str, vocab_size: int) -> list[int]:
    try:
        ids = [int(t) for t in text.replace(" ", "").split(",") if t != ""]
    except ValueError:
        raise ModelError(f"--tokens must be comma-separated integers, got '{text}'") from None
    if not ids:
        raise ModelError("--tokens is empty")
    for t in ids:
        if not 0 <= t < vocab_size:
            raise ModelError(f"token id {t} is out of range (vocabulary size {vocab_size})")
    return ids


def add_model_args(p: argparse.ArgumentParser, tokenizer: bool = True) -> None:
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="llama2.c checkpoint (default: the shipped model)")
    if tokenizer:
        p.add_argument("--tokenizer", default=str(DEFAULT_TOKENIZER),
                       help="tokenizer.bin or tokenizer.model (default: the shipped one)")


def add_run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", default="golden", choices=sorted(BACKENDS), help="what computes the logits")
    p.add_argument("--quant", choices=QUANT_MODES, default=None,
                   help="arithmetic: fp32 (run.c) or q8 (runq.c); default: the checkpoint's own precision "
                        "(the hardware backends compute q8 only)")
    p.add_argument("--kv", choices=KV_MODES, default="fp32", help="KV-cache format (default fp32, llama2.c-exact)")
    p.add_argument("--onchip", type=int, default=0, metavar="BANKS",
                   help="sim backend: a card that keeps the weights on chip (loaded once), BANKS banks a channel "
                        "of its weight store (1, 2, 4 or 8; 4 BANKS matrix engines); default 0, weights from DDR")


# ----------------------------------------------------------------------------- commands

def cmd_info(args: argparse.Namespace) -> int:
    ck = open_model(args.model)
    c = ck.config
    size = os.path.getsize(args.model)
    info = {
        "path": args.model, "version": ck.version, "format": {0: "llama2.c v0 fp32", 1: "llama2.c v1 fp32",
                                                              2: "llama2.c v2 Q8_0"}[ck.version],
        "dim": c.dim, "hidden_dim": c.hidden_dim, "n_layers": c.n_layers, "n_heads": c.n_heads,
        "n_kv_heads": c.n_kv_heads, "head_size": c.head_size, "kv_dim": c.kv_dim, "vocab_size": c.vocab_size,
        "seq_len": c.seq_len, "shared_classifier": c.shared_classifier, "group_size": ck.group_size,
        "parameters": c.n_params(), "size_bytes": size,
    }
    if args.json:
        print(json.dumps(info))
    else:
        for k, v in info.items():
            print(f"{k:18s} {v}")
    return 0


def _progress(backend):
    """on_step for long runs: positions, simulated cycles and wall time on stderr (sim backend)."""
    stats = getattr(backend, "stats", None)
    if stats is None or not sys.stderr.isatty() and os.environ.get("HLST_PROGRESS") != "1":
        return None

    def show(done: int, seconds: float) -> None:
        print(f"\r[{backend.name}] {done} positions, {sum(stats.cycles):,} cycles simulated, {seconds:.0f} s",
              end="", file=sys.stderr, flush=True)

    return show


def _hardware_figures(backend) -> dict:
    """cycles_per_token and modelled tok/s of a hardware backend (empty for the software ones):
    over the runs with logits (the last prompt token and the generated ones); the prompt's runs
    without logits (skip_logits: single tokens or batches) are reported apart as prefill."""
    stats = getattr(backend, "stats", None)
    decode = stats.runs(logits=True) if stats is not None else None
    if not decode or not decode.cycles:
        return {}
    prefill = stats.runs(logits=False)
    out = {"cycles_per_token": decode.cycles_per_token,
           "tok_per_s_250mhz": decode.tok_per_s(CLOCK_HZ[0]), "tok_per_s_200mhz": decode.tok_per_s(CLOCK_HZ[1])}
    if prefill.cycles:
        out["prefill_cycles_per_token"] = prefill.cycles_per_token
    return out


def cmd_generate(args: argparse.Namespace) -> int:
    ck = open_model(args.model)
    tok = open_tokenizer(args.tokenizer, ck)
    sampler = Sampler(args.temperature, args.topp, args.seed, vocab_size=ck.config.vocab_size)
    backend = open_backend(args.backend, ck.weights, model_quant(ck, args), args.kv, args.onchip)

    def stream(piece: bytes) -> None:
        # Raw bytes, so UTF-8 characters split over byte-fallback tokens print whole; lone
        # control bytes (other than whitespace) are dropped as llama2.c's safe_printf does.
        if len(piece) == 1 and (piece[0] < 0x20 and piece not in b"\t\n\v\f\r" or piece[0] == 0x7F):
            return
        sys.stdout.buffer.write(piece)
        sys.stdout.flush()

    progress = _progress(backend) if args.json else None
    try:
        result = generate(backend, tok, sampler, args.prompt, args.steps, ck.config.seq_len,
                          on_piece=None if args.json else stream, on_step=progress)
    finally:
        if progress:
            print(file=sys.stderr)
        close_backend(backend)
    hw = _hardware_figures(backend)
    if args.json:
        print(json.dumps({
            "tokens": result.tokens, "n_prompt": result.n_prompt, "text": result.text,
            "tok_per_s": result.tok_per_s, "stopped": result.stopped, "backend": args.backend,
            "quant": model_quant(ck, args), "kv": args.kv, **hw,
        }))
    else:
        print()
        print(f"achieved tok/s: {result.tok_per_s:.1f} ({len(result.step_seconds)} positions, "
              f"backend {args.backend}, stopped: {result.stopped})", file=sys.stderr)
        if hw:
            print(f"hardware: {hw['cycles_per_token']:,.0f} cycles/token = {hw['tok_per_s_250mhz']:,.0f} tok/s "
                  f"at 250 MHz, {hw['tok_per_s_200mhz']:,.0f} at 200 MHz (simulated RTL)"
                  + (f"; prompt tokens without logits {hw['prefill_cycles_per_token']:,.0f} cycles each"
                     if "prefill_cycles_per_token" in hw else ""), file=sys.stderr)
    return 0


def cmd_logits(args: argparse.Namespace) -> int:
    ck = open_model(args.model)
    tokens = parse_tokens(args.tokens, ck.config.vocab_size)
    if len(tokens) > ck.config.seq_len:
        raise ModelError(f"{len(tokens)} tokens do not fit the context (seq_len {ck.config.seq_len})")
    backend = open_backend(args.backend, ck.weights, model_quant(ck, args), args.kv, args.onchip)
    try:
        logits = sequence_logits(backend, tokens).numpy().astype(np.float32)
    finally:
        close_backend(backend)
    try:
        np.save(args.out, logits)
    except OSError as e:
        raise ModelError(f"{args.out}: cannot write: {e.strerror}") from None
    print(f"wrote {args.out}: float32 {list(logits.shape)}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    version = int(args.format[1])
    weights = import_hf(args.hf) if args.hf else open_model(args.model).weights
    if args.group_size is not None and version != 2:
        raise ModelError("--group-size applies to --format v2 only")
    if version == 2 and args.group_size is not None:
        weights.config.check_group_size(args.group_size)
    elif version == 2 and weights.group_size is None:
        weights.config.check_group_size(64)
    save_checkpoint(args.out, weights, version, args.group_size)
    print(f"wrote {args.out} ({args.format}, {os.path.getsize(args.out)} bytes)", file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    ck = open_model(args.model)
    tok = open_tokenizer(args.tokenizer, ck)
    docs = read_documents(args.data)
    backend = open_backend(args.backend, ck.weights, model_quant(ck, args), args.kv, args.onchip)
    result = perplexity(lambda t: sequence_logits(backend, t), (tok.encode(d, bos=True) for d in docs),
                        ck.config.seq_len, args.max_tokens)
    out = {"perplexity": result.perplexity, "nll": result.nll, "tokens": result.tokens,
           "documents": result.documents, "backend": args.backend, "quant": model_quant(ck, args),
           "kv": args.kv}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"perplexity {result.perplexity:.4f} (mean NLL {result.nll:.4f} nats over {result.tokens} tokens, "
              f"{result.documents} documents)")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import format_report, run_bench

    say = (lambda msg: print(msg, file=sys.stderr, flush=True))
    result = run_bench(args.shape, kv=args.kv or "int8", tokens=args.tokens, pos=args.pos, prefill=args.prefill,
                       ddr=args.ddr, check=not args.no_check, seed=args.seed, log=say, kv_is_default=args.kv is None,
                       optimized=not args.quick_build, batch=args.batch, onchip=args.onchip)
    if args.record:
        with open(args.record, "a") as f:
            f.write(json.dumps(result) + "\n")
    print(json.dumps(result) if args.json else format_report(result))
    return 0 if result["bit_exact"] in (True, None) else 1


# ----------------------------------------------------------------------------- parser

def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog=PROG, description=__doc__.split("\n")[0],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)

    s = sub.add_parser("info", help="describe a checkpoint")
    s.add_argument("model", nargs="?", default=str(DEFAULT_MODEL))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("generate", help="generate text from a prompt")
    add_model_args(s)
    s.add_argument("--prompt", default="", help="prompt text (default: empty, i.e. start from BOS)")
    s.add_argument("--steps", type=int, default=256, help="new tokens to generate at most (default 256)")
    s.add_argument("--temperature", type=float, default=1.0, help="0 = greedy (default 1.0)")
    s.add_argument("--topp", type=float, default=0.9, help="nucleus sampling threshold (default 0.9)")
    s.add_argument("--seed", type=int, default=42, help="sampler seed (default 42: runs are reproducible)")
    add_run_args(s)
    s.add_argument("--json", action="store_true", help="print one JSON object instead of streaming text")
    s.set_defaults(func=cmd_generate)

    s = sub.add_parser("logits", help="logits of every position of a token sequence")
    add_model_args(s, tokenizer=False)
    s.add_argument("--tokens", required=True, help="comma-separated token ids, e.g. 1,2,3")
    add_run_args(s)
    s.add_argument("--out", required=True, help="output .npy file: float32 [len(tokens), vocab]")
    s.set_defaults(func=cmd_logits)

    s = sub.add_parser("export", help="convert a checkpoint")
    src = s.add_mutually_exclusive_group(required=True)
    src.add_argument("--hf", help="Hugging Face Llama directory (config.json + safetensors)")
    src.add_argument("--model", help="llama2.c checkpoint")
    s.add_argument("--format", required=True, choices=("v0", "v1", "v2"))
    s.add_argument("--group-size", type=int, choices=(32, 64), default=None,
                   help="Q8_0 group size for v2 (default: the model's own, else 64)")
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("eval", help="perplexity over a dataset")
    add_model_args(s)
    s.add_argument("--data", required=True, help=".txt or .jsonl (text field), optionally .gz")
    s.add_argument("--max-tokens", type=int, default=None, help="stop after about this many scored tokens")
    add_run_args(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("bench", help="simulate full-size tokens on the forward kernel's RTL and report cycles")
    s.add_argument("--shape", default="stories110M",
                   help="stories15M, stories42M, stories110M (random weights) or a checkpoint path (default stories110M)")
    s.add_argument("--tokens", type=int, default=1, help="decode tokens to simulate (default 1)")
    s.add_argument("--pos", type=int, default=0, help="position of the first token; earlier positions get a random "
                                                      "KV history (default 0)")
    s.add_argument("--prefill", type=int, default=0, help="prompt tokens run (and reported) before the decode tokens")
    s.add_argument("--batch", type=int, default=1,
                   help="prompt tokens a kernel run takes (a build with MAX_TOKENS = BATCH; default 1)")
    s.add_argument("--kv", choices=KV_MODES, default=None, help="KV-cache format (default int8)")
    s.add_argument("--onchip", type=int, default=0, metavar="BANKS",
                   help="a build with the weights on chip, BANKS (1, 2, 4 or 8) banks and engines a channel, "
                        "loaded once before the tokens (default 0: streamed from DDR)")
    s.add_argument("--ddr", choices=("honest", "ideal"), default="honest",
                   help="DDR timing: honest (40-cycle latency, 85%% of peak; default) or ideal")
    s.add_argument("--no-check", action="store_true", help="skip the bit-exact comparison with the numerics model")
    s.add_argument("--quick-build", action="store_true",
                   help="simulate on the tests' build (compiles in minutes, runs several times slower) instead "
                        "of the optimized one; the cycle counts are the same")
    s.add_argument("--seed", type=int, default=0, help="random weights, KV history and tokens (default 0)")
    s.add_argument("--record", default=None, help="append the JSON object to this file (for the roofline plot)")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=cmd_bench)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    # One token at a time is a chain of small matrix-vector products: extra intra-op threads
    # buy little and, on a loaded 2-core machine, cost up to 100x in spin-waiting. Use one
    # unless the user asked for more through OMP_NUM_THREADS.
    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(1)
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except (ModelError, DeviceError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
