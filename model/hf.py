"""Import a Hugging Face Llama checkpoint (``config.json`` + safetensors) as llama2.c weights.

HF stores ``q_proj`` and ``k_proj`` with rows permuted for its rotate-half RoPE (pairs
``(i, i + head_size / 2)``); llama2.c rotates interleaved pairs ``(2i, 2i + 1)``. Undo the
permutation per head: ``view(heads, 2, head_size / 2, in).transpose(1, 2).reshape(out, in)``,
with ``n_kv_heads`` for ``k_proj`` (llama2.c's own export.py uses n_heads there, which is wrong
for GQA models). ``gate_proj`` is w1, ``up_proj`` w3, ``down_proj`` w2.

Only what llama2.c can represent is accepted: SiLU, RMSNorm eps 1e-5, RoPE theta 10000 with
no scaling, no biases. Anything else is a ``ModelError``, not a silently different model.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import torch

from .config import ModelConfig
from .errors import ModelError
from .weights import LlamaWeights


def _read_config(directory: Path) -> dict:
    path = directory / "config.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelError(f"{directory}: not a Hugging Face model directory (no config.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelError(f"{path}: cannot parse: {e}") from None


def _check_supported(cfg: dict, path: Path) -> None:
    def bad(what: str) -> ModelError:
        return ModelError(f"{path}: {what} cannot be represented in a llama2.c checkpoint")

    if cfg.get("model_type", "llama") != "llama":
        raise bad(f"model_type '{cfg.get('model_type')}'")
    if cfg.get("hidden_act", "silu") != "silu":
        raise bad(f"hidden_act '{cfg.get('hidden_act')}'")
    if not math.isclose(float(cfg.get("rms_norm_eps", 1e-5)), 1e-5, rel_tol=1e-6):
        raise bad(f"rms_norm_eps {cfg.get('rms_norm_eps')}")
    rope_params = cfg.get("rope_parameters") or {}
    theta = float(cfg.get("rope_theta", rope_params.get("rope_theta", 10000.0)))
    if theta != 10000.0:
        raise bad(f"rope_theta {theta}")
    rope_type = rope_params.get("rope_type", "default")
    if cfg.get("rope_scaling") or rope_type != "default":
        raise bad("RoPE scaling")
    if cfg.get("attention_bias") or cfg.get("mlp_bias"):
        raise bad("a bias term")


def _open_tensors(directory: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    files = sorted(directory.glob("*.safetensors"))
    if not files:
        raise ModelError(f"{directory}: no .safetensors files (only safetensors checkpoints are imported)")
    tensors: dict[str, torch.Tensor] = {}
    for f in files:
        try:
            tensors.update(load_file(str(f)))
        except (SafetensorError, OSError, ValueError) as e:
            raise ModelError(f"{f}: cannot read safetensors: {e}") from None
    return tensors


def unpermute(w: torch.Tensor, n_heads: int) -> torch.Tensor:
    """HF rotate-half row order -> llama2.c interleaved order, for one q or k projection."""
    out, inp = w.shape
    return w.view(n_heads, 2, out // n_heads // 2, inp).transpose(1, 2).reshape(out, inp)


def import_hf(directory: str | os.PathLike) -> LlamaWeights:
    """Read a HF Llama directory into fp32 ``LlamaWeights``; ``ModelError`` on anything unsupported."""
    d = Path(directory)
    if not d.is_dir():
        raise ModelError(f"{d}: not a directory")
    cfg = _read_config(d)
    _check_supported(cfg, d / "config.json")
    try:
        n_heads = int(cfg["num_attention_heads"])
        config = ModelConfig(
            dim=int(cfg["hidden_size"]), hidden_dim=int(cfg["intermediate_size"]),
            n_layers=int(cfg["num_hidden_layers"]), n_heads=n_heads,
            n_kv_heads=int(cfg.get("num_key_value_heads") or n_heads), vocab_size=int(cfg["vocab_size"]),
            seq_len=int(cfg["max_position_embeddings"]),
            shared_classifier=bool(cfg.get("tie_word_embeddings", False)),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ModelError(f"{d / 'config.json'}: missing or invalid field {e}") from None
    config.validate()
    if cfg.get("head_dim") not in (None, config.head_size):
        raise ModelError(f"{d / 'config.json'}: head_dim {cfg['head_dim']} != hidden_size / num_attention_heads")
    t = _open_tensors(d)

    def get(name: str) -> torch.Tensor:
        try:
            return t[name].to(torch.float32)
        except KeyError:
            raise ModelError(f"{d}: tensor '{name}' is missing") from None

    def layers(fmt: str, fix=lambda w: w) -> torch.Tensor:
        return torch.stack([fix(get(fmt.format(i))) for i in range(config.n_layers)])

    p = "model.layers.{}."
    shared = config.shared_classifier or "lm_head.weight" not in t
    weights = LlamaWeights(
        config=ModelConfig(**{**config.__dict__, "shared_classifier": shared}),
        tok_embeddings=get("model.embed_tokens.weight"),
        rms_att=layers(p + "input_layernorm.weight"),
        wq=layers(p + "self_attn.q_proj.weight", lambda w: unpermute(w, config.n_heads)),
        wk=layers(p + "self_attn.k_proj.weight", lambda w: unpermute(w, config.n_kv_heads)),
        wv=layers(p + "self_attn.v_proj.weight"),
        wo=layers(p + "self_attn.o_proj.weight"),
        rms_ffn=layers(p + "post_attention_layernorm.weight"),
        w1=layers(p + "mlp.gate_proj.weight"),
        w2=layers(p + "mlp.down_proj.weight"),
        w3=layers(p + "mlp.up_proj.weight"),
        rms_final=get("model.norm.weight"),
        wcls=None if shared else get("lm_head.weight"),
    )
    try:
        return weights.check_shapes()
    except ValueError as e:
        raise ModelError(f"{d}: {e}") from None
