"""The hlstransform command: each subcommand's contract and one-line errors for bad input."""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys

import numpy as np
import pytest
import torch

from hlstransform.host.cli import main
from hlstransform.model.checkpoint import load_checkpoint, save_checkpoint
from hlstransform.model.config import ModelConfig
from hlstransform.model.golden import Transformer
from hlstransform.model.weights import random_weights


def run(capsysbinary, *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; output bytes decoded leniently (a random model may emit partial UTF-8)."""
    code = main([str(a) for a in argv])
    out, err = capsysbinary.readouterr()
    return code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def assert_one_line_error(code: int, err: str, needle: str) -> None:
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hlstransform: error: "), err
    assert needle in lines[0], lines[0]
    assert "Traceback" not in err


def test_one_line_error_check_rejects_a_traceback():
    with pytest.raises(AssertionError):
        assert_one_line_error(1, "Traceback (most recent call last):\n  ...\nValueError: x\n", "x")


# ----------------------------------------------------------------------------- info

def test_info(capsysbinary, tiny_files):
    code, out, _ = run(capsysbinary, "info", tiny_files["q8"], "--json")
    info = json.loads(out)
    assert code == 0
    assert (info["version"], info["group_size"], info["dim"], info["n_kv_heads"]) == (2, 32, 64, 2)
    assert info["size_bytes"] == tiny_files["q8"].stat().st_size
    code, out, _ = run(capsysbinary, "info", tiny_files["fp32"])
    assert code == 0 and "hidden_dim" in out and "128" in out


# ----------------------------------------------------------------------------- generate

def gen_json(capsysbinary, tiny_files, *extra):
    code, out, err = run(capsysbinary, "generate", "--model", tiny_files["q8"], "--tokenizer", tiny_files["tokenizer"],
                         "--prompt", "Once upon a time", "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_generate_greedy_follows_the_argmax_of_the_golden_model(capsysbinary, tiny_files):
    res = gen_json(capsysbinary, tiny_files, "--steps", "10", "--temperature", "0")
    assert res["tok_per_s"] > 0 and res["quant"] == "q8" and res["kv"] == "fp32"
    tokens, n = res["tokens"], res["n_prompt"]
    assert tokens[0] == 1 and len(tokens) <= n + 10
    # Replay independently: every generated token is the argmax of the golden logits.
    model = Transformer(load_checkpoint(tiny_files["q8"]).weights, quant="q8")
    logits = model.logits(tokens)
    for pos in range(n - 1, len(tokens) - 1):
        assert tokens[pos + 1] == int(torch.argmax(logits[pos]))
    if res["stopped"] == "steps":
        assert len(tokens) == n + 10


def test_generate_is_reproducible_and_seeded(capsysbinary, tiny_files):
    a = gen_json(capsysbinary, tiny_files, "--steps", "12", "--temperature", "1.0", "--seed", "5")
    b = gen_json(capsysbinary, tiny_files, "--steps", "12", "--temperature", "1.0", "--seed", "5")
    c = gen_json(capsysbinary, tiny_files, "--steps", "12", "--temperature", "1.0", "--seed", "6", "--topp", "1.0")
    assert a["tokens"] == b["tokens"]
    assert a["tokens"] != c["tokens"]


def test_generate_kv_int8_and_fp32_quant(capsysbinary, tiny_files):
    res = gen_json(capsysbinary, tiny_files, "--steps", "4", "--temperature", "0", "--kv", "int8", "--quant", "fp32")
    assert res["kv"] == "int8" and res["quant"] == "fp32"


def test_generate_streams_text(capsysbinary, tiny_files):
    code, out, err = run(capsysbinary, "generate", "--model", tiny_files["q8"], "--tokenizer", tiny_files["tokenizer"],
                         "--prompt", "Once upon a time", "--steps", "5", "--temperature", "0")
    assert code == 0
    assert out.startswith("Once upon a time")
    assert "tok/s" in err


# ----------------------------------------------------------------------------- logits

@pytest.mark.parametrize("model, quant, expect", [("fp32", None, "fp32"), ("q8", None, "q8"), ("fp32", "q8", "q8")])
def test_logits_equal_the_golden_model(capsysbinary, tmp_path, tiny_files, model, quant, expect):
    out = tmp_path / "l.npy"
    args = ["logits", "--model", tiny_files[model], "--tokens", "1,40,300,2", "--out", out]
    code, _, err = run(capsysbinary, *args, *(["--quant", quant] if quant else []))
    assert code == 0, err
    got = np.load(out)
    assert got.dtype == np.float32 and got.shape == (4, load_checkpoint(tiny_files[model]).config.vocab_size)
    # An fp32 file run with --quant q8 is quantized at load with the default group size (64 here).
    ref = Transformer(load_checkpoint(tiny_files[model]).weights, quant=expect).logits([1, 40, 300, 2]).numpy()
    assert np.array_equal(got, ref)
    wrong = Transformer(load_checkpoint(tiny_files[model]).weights,
                        quant="fp32" if expect == "q8" else "q8").logits([1, 40, 300, 2]).numpy()
    assert not np.array_equal(got, wrong)


# ----------------------------------------------------------------------------- export

def test_export_between_formats(capsysbinary, tmp_path, tiny_files):
    v1, v2 = tmp_path / "m.v1", tmp_path / "m.v2"
    assert run(capsysbinary, "export", "--model", tiny_files["fp32"], "--format", "v1", "--out", v1)[0] == 0
    assert run(capsysbinary, "export", "--model", v1, "--format", "v2", "--group-size", "64", "--out", v2)[0] == 0
    ck = load_checkpoint(v2)
    assert (ck.version, ck.group_size) == (2, 64)
    assert torch.equal(load_checkpoint(v1).weights.wq, load_checkpoint(tiny_files["fp32"]).weights.wq)


def test_export_from_hugging_face(capsysbinary, tmp_path):
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=1,
                                   num_attention_heads=4, num_key_value_heads=2, vocab_size=64,
                                   max_position_embeddings=16, rms_norm_eps=1e-5)
    model = transformers.LlamaForCausalLM(cfg).eval()
    model.save_pretrained(tmp_path / "hf")
    out = tmp_path / "m.bin"
    assert run(capsysbinary, "export", "--hf", tmp_path / "hf", "--format", "v0", "--out", out)[0] == 0
    tokens = [1, 5, 9, 13]
    with torch.no_grad():
        ref = model(torch.tensor([tokens])).logits[0]
    got = Transformer(load_checkpoint(out).weights).logits(tokens)
    assert float((got - ref).abs().max()) <= 1e-4


# ----------------------------------------------------------------------------- eval

def test_eval_perplexity_matches_a_direct_computation(capsysbinary, tmp_path, tiny_files):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"text": "Once upon a time"}) + "\n" + json.dumps({"text": "the cat and the dog"}) + "\n")
    code, out, err = run(capsysbinary, "eval", "--model", tiny_files["fp32"], "--tokenizer", tiny_files["tokenizer"],
                         "--data", data, "--json")
    assert code == 0, err
    res = json.loads(out)
    from hlstransform.model.tokenizer import load_tokenizer
    tok = load_tokenizer(tiny_files["tokenizer"])
    model = Transformer(load_checkpoint(tiny_files["fp32"]).weights)
    nll, count = 0.0, 0
    for text in ("Once upon a time", "the cat and the dog"):
        ids = tok.encode(text, bos=True)
        logp = torch.log_softmax(model.logits(ids).double(), -1)
        nll -= sum(float(logp[i, ids[i + 1]]) for i in range(len(ids) - 1))
        count += len(ids) - 1
    assert res["tokens"] == count
    assert math.isclose(res["perplexity"], math.exp(nll / count), rel_tol=1e-9)
    assert res["perplexity"] > 1.0


def test_eval_text_file(capsysbinary, tmp_path, tiny_files):
    data = tmp_path / "d.txt"
    data.write_text("Once upon a time there was a cat. " * 10)
    code, out, _ = run(capsysbinary, "eval", "--model", tiny_files["q8"], "--tokenizer", tiny_files["tokenizer"],
                       "--data", data, "--json", "--max-tokens", "20")
    res = json.loads(out)
    assert code == 0 and res["tokens"] >= 20 and math.isfinite(res["perplexity"])


# ----------------------------------------------------------------------------- bad input

def bad_files(tmp_path, tiny_files):
    data = tiny_files["q8"].read_bytes()
    files = {
        "magic": b"GGUF" + b"\xff" * 200,
        "truncated": data[: len(data) // 2],
        "inconsistent": data + b"\0" * 12,
    }
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f"{name}.bin"
        paths[name].write_bytes(content)
    # A v2 header whose group size does not divide hidden_dim (stories42M's 1376 with GS 64).
    paths["gs"] = tmp_path / "gs.bin"
    paths["gs"].write_bytes(struct.pack("<Ii7iBi", 0x616B3432, 2, 512, 1376, 8, 8, 8, 32000, 1024, 1, 64)
                            .ljust(256, b"\0"))
    # A model whose vocabulary (96) is not the tokenizer's, and one with hidden_dim 96 (GS 64 cannot divide it).
    save_checkpoint(tmp_path / "m96.bin", random_weights(ModelConfig(32, 64, 1, 2, 2, 96, 8)), 0)
    save_checkpoint(tmp_path / "h96.bin", random_weights(ModelConfig(64, 96, 1, 2, 2, 96, 8)), 0)
    return paths


BAD_CASES = [
    ("missing model", lambda f, b: ["info", f["dir"] / "nope.bin"], "no such file"),
    ("wrong magic", lambda f, b: ["info", b["magic"]], "not a llama2.c checkpoint"),
    ("truncated", lambda f, b: ["info", b["truncated"]], "truncated"),
    ("header vs size", lambda f, b: ["info", b["inconsistent"]], "header inconsistent with file size"),
    ("group size in file", lambda f, b: ["info", b["gs"]], "group size 64 does not divide hidden_dim 1376"),
    ("token out of range", lambda f, b: ["logits", "--model", f["q8"], "--tokens", "1,99999", "--out",
                                         f["dir"] / "x.npy"], "token id 99999 is out of range"),
    ("bad token list", lambda f, b: ["logits", "--model", f["q8"], "--tokens", "1,two", "--out", f["dir"] / "x.npy"],
     "comma-separated integers"),
    ("too many tokens", lambda f, b: ["logits", "--model", f["q8"], "--tokens", ",".join(["5"] * 49), "--out",
                                      f["dir"] / "x.npy"], "do not fit"),
    ("prompt too long", lambda f, b: ["generate", "--model", f["q8"], "--tokenizer", f["tokenizer"], "--prompt",
                                      "abc " * 40, "--steps", "1"], "longer than the model's context"),
    ("export group size", lambda f, b: ["export", "--model", b["gs"].parent / "h96.bin", "--format", "v2", "--group-size", "64",
                                        "--out", f["dir"] / "y.bin"], "group size 64 does not divide hidden_dim"),
    ("missing tokenizer", lambda f, b: ["generate", "--model", f["q8"], "--tokenizer", f["dir"] / "none.bin"],
     "no such file"),
    ("tokenizer mismatch", lambda f, b: ["generate", "--model", b["inconsistent"].parent / "m96.bin",
                                         "--tokenizer", f["tokenizer"]], "96"),
    ("missing data", lambda f, b: ["eval", "--model", f["q8"], "--tokenizer", f["tokenizer"], "--data",
                                   f["dir"] / "none.jsonl"], "no such file"),
    ("unknown backend", lambda f, b: ["generate", "--model", f["q8"], "--backend", "fpga9000"], "backend"),
    ("negative temperature", lambda f, b: ["generate", "--model", f["q8"], "--tokenizer", f["tokenizer"],
                                           "--temperature", "-1"], "temperature"),
    ("no command", lambda f, b: [], "required"),
    ("onchip without a card", lambda f, b: ["generate", "--model", f["q8"], "--tokenizer", f["tokenizer"],
                                            "--onchip", "2"], "--onchip needs --backend sim"),
    # refused before the simulator is built
    ("onchip banks", lambda f, b: ["logits", "--model", f["q8"], "--backend", "sim", "--onchip", "3", "--tokens", "1",
                                   "--out", f["dir"] / "x.npy"], "--onchip must be one of 0, 1, 2, 4, 8"),
]


@pytest.mark.parametrize("name, argv, needle", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_gives_one_line_and_nonzero_exit(capsysbinary, tmp_path, tiny_files, name, argv, needle):
    b = bad_files(tmp_path, tiny_files)
    code, out, err = run(capsysbinary, *argv(tiny_files, b))
    assert_one_line_error(code, err, needle)


def test_installed_command_reports_errors_without_traceback(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00" * 10)
    exe = [sys.executable, "-m", "hlstransform.host"]
    proc = subprocess.run([*exe, "info", str(bad)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("hlstransform: error: ")
    assert "Traceback" not in proc.stderr


def test_hardware_backend_defaults_to_q8_on_an_fp32_file(capsysbinary, tmp_path, tiny_files):
    """The numerics backend computes Q8_0 only: an fp32 file is quantized at load unless --quant fp32 is asked."""
    out = tmp_path / "n.npy"
    code, _, err = run(capsysbinary, "logits", "--model", tiny_files["fp32"], "--backend", "numerics",
                       "--tokens", "1,40,300", "--out", out)
    assert code == 0, err
    from hlstransform.model.hwmodel import HwTransformer
    ref = np.asarray(HwTransformer(load_checkpoint(tiny_files["fp32"]).weights).logits([1, 40, 300]), np.float32)
    assert np.array_equal(np.load(out), ref)
    code, _, err = run(capsysbinary, "logits", "--model", tiny_files["fp32"], "--backend", "numerics",
                       "--quant", "fp32", "--tokens", "1", "--out", out)
    assert_one_line_error(code, err, "Q8_0 only")
