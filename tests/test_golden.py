"""The golden model against independent implementations.

* fp32: Hugging Face ``LlamaForCausalLM`` on the same random weights, imported through our HF
  path (which must undo HF's q/k permutation), to <= 1e-4 max abs logit error.
* Q8_0: a straightforward numpy re-implementation of llama2.c runq.c written here, loop by loop.
Each comparison has a companion showing that the same check rejects a wrong model.
"""

import json
import math

import numpy as np
import pytest
import torch

from hlstransform.model import hf
from hlstransform.model.config import ModelConfig
from hlstransform.model.errors import ModelError
from hlstransform.model.golden import Transformer
from hlstransform.model.weights import random_weights

HF_TOL = 1e-4
Q8_TOL = 1e-4
TOKENS = [1, 7, 33, 2, 90, 64, 5, 17, 101, 3, 44, 12]


def max_err(a, b) -> float:
    return float((torch.as_tensor(a, dtype=torch.float64) - torch.as_tensor(b, dtype=torch.float64)).abs().max())


# ----------------------------------------------------------------------------- Hugging Face

HF_CONFIGS = {
    "mha-tied": dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                     num_key_value_heads=4, tie_word_embeddings=True),
    "gqa-separate": dict(hidden_size=96, intermediate_size=160, num_hidden_layers=3, num_attention_heads=6,
                         num_key_value_heads=2, tie_word_embeddings=False),
    "mqa": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=1, num_attention_heads=4,
                num_key_value_heads=1, tie_word_embeddings=False),
}


def make_hf_model(tmp_path, name, seed=0):
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(seed)
    cfg = transformers.LlamaConfig(vocab_size=128, max_position_embeddings=32, rms_norm_eps=1e-5,
                                   **HF_CONFIGS[name])
    model = transformers.LlamaForCausalLM(cfg).eval()
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if pname.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            else:
                p.normal_(0.0, 0.15)
    model.save_pretrained(tmp_path)
    with torch.no_grad():
        logits = model(torch.tensor([TOKENS])).logits[0]
    return logits


@pytest.mark.parametrize("name", sorted(HF_CONFIGS))
def test_fp32_matches_hugging_face(tmp_path, name):
    ref = make_hf_model(tmp_path, name)
    got = Transformer(hf.import_hf(tmp_path)).logits(TOKENS)
    assert ref.abs().max() > 1.0, "logits too small to make the comparison meaningful"
    assert max_err(got, ref) <= HF_TOL


def test_hf_comparison_catches_a_missing_qk_permutation(tmp_path, monkeypatch):
    ref = make_hf_model(tmp_path, "gqa-separate")
    monkeypatch.setattr(hf, "unpermute", lambda w, n_heads: w)
    got = Transformer(hf.import_hf(tmp_path)).logits(TOKENS)
    assert max_err(got, ref) > 100 * HF_TOL


def test_hf_import_rejects_what_llama2c_cannot_represent(tmp_path):
    make_hf_model(tmp_path, "mha-tied")
    cfg_path = tmp_path / "config.json"
    good = json.loads(cfg_path.read_text())
    for change, message in [({"rope_parameters": {"rope_theta": 500000.0, "rope_type": "default"}}, "rope_theta"),
                            ({"rms_norm_eps": 1e-6}, "rms_norm_eps"),
                            ({"hidden_act": "gelu"}, "hidden_act")]:
        cfg_path.write_text(json.dumps({**good, **change}))
        with pytest.raises(ModelError, match=message):
            hf.import_hf(tmp_path)
    cfg_path.unlink()
    with pytest.raises(ModelError, match="no config.json"):
        hf.import_hf(tmp_path)


# ----------------------------------------------------------------------------- runq.c in numpy

def np_quantize(x: np.ndarray, gs: int, half_even: bool):
    """One group at a time, as the C loops do."""
    x = x.astype(np.float32).ravel()
    q = np.zeros(x.size, np.int8)
    s = np.zeros(x.size // gs, np.float32)
    for g in range(x.size // gs):
        grp = x[g * gs:(g + 1) * gs]
        scale = np.float32(np.abs(grp).max()) / np.float32(127.0)
        s[g] = scale
        if scale == 0:
            continue
        v = (grp / scale).astype(np.float64)
        q[g * gs:(g + 1) * gs] = np.round(v) if half_even else np.sign(v) * np.floor(np.abs(v) + 0.5)
    return q, s


def np_matmul(wq, ws, x, gs):
    """runq.c matmul: per row, int32 group dots, val += ((float) ival * ws) * xs, groups in order."""
    xq, xs = np_quantize(x, gs, half_even=False)
    rows, n = wq.shape
    out = np.zeros(rows, np.float32)
    for i in range(rows):
        val = np.float32(0)
        for g in range(n // gs):
            ival = int(np.dot(wq[i, g * gs:(g + 1) * gs].astype(np.int32), xq[g * gs:(g + 1) * gs].astype(np.int32)))
            val = np.float32(val + np.float32(np.float32(ival) * ws[i * (n // gs) + g]) * xs[g])
        out[i] = val
    return out


def np_rmsnorm(x, w):
    ss = np.float32(np.sum(x.astype(np.float32) ** 2, dtype=np.float32) / np.float32(x.size) + np.float32(1e-5))
    return (w * (np.float32(1.0) / np.float32(math.sqrt(ss))) * x).astype(np.float32)


def np_runq(weights, tokens, gs, kv_int8=False):
    """Straightforward runq.c: embedding dequantized, activations quantized before every matmul.

    ``kv_int8``: keys/values stored Q8_0 per head vector; score = dot(q, kq) * ks / sqrt(hs),
    out = sum_t (att[t] * vs[t]) * vq[t] (the documented int8-KV semantics).
    """
    c = weights.config
    W = {k: getattr(weights, k) for k in weights.expected_shapes()}
    Q = {}
    for name in ("wq", "wk", "wv", "wo", "w1", "w2", "w3"):
        Q[name] = [np_quantize(W[name][l].numpy(), gs, half_even=True) for l in range(c.n_layers)]
    emb_q, emb_s = np_quantize(W["tok_embeddings"].numpy(), gs, half_even=True)
    emb = (emb_q.reshape(-1, gs).astype(np.float32) * emb_s[:, None]).reshape(c.vocab_size, c.dim)
    cls_q, cls_s = (emb_q, emb_s) if c.shared_classifier else np_quantize(W["wcls"].numpy(), gs, half_even=True)
    hs = c.head_size
    kc = np.zeros((c.n_layers, c.seq_len, c.kv_dim), np.float32)
    vc = np.zeros_like(kc)
    scales = {id(kc): np.ones((c.n_layers, c.seq_len, c.n_kv_heads), np.float32),
              id(vc): np.ones((c.n_layers, c.seq_len, c.n_kv_heads), np.float32)}
    out = []

    def mm(name, layer, x):
        q, s = Q[name][layer]
        return np_matmul(q.reshape(getattr(weights, name).shape[1:]), s, x, gs)

    for pos, tok in enumerate(tokens):
        x = emb[tok].copy()
        for l in range(c.n_layers):
            xb = np_rmsnorm(x, W["rms_att"][l].numpy())
            q, k, v = mm("wq", l, xb), mm("wk", l, xb), mm("wv", l, xb)
            for i in range(0, c.dim, 2):
                freq = np.float32(1.0) / np.float32(10000.0 ** ((i % hs) / hs))
                ang = np.float64(np.float32(pos) * freq)
                cr, ci = np.float32(math.cos(ang)), np.float32(math.sin(ang))
                for vec in (q, k) if i < c.kv_dim else (q,):
                    a, b = vec[i], vec[i + 1]
                    vec[i], vec[i + 1] = a * cr - b * ci, a * ci + b * cr
            if kv_int8:
                for cache, vec in ((kc, k), (vc, v)):
                    for kvh in range(c.n_kv_heads):
                        hq, hsc = np_quantize(vec[kvh * hs:(kvh + 1) * hs], hs, half_even=False)
                        cache[l, pos, kvh * hs:(kvh + 1) * hs] = hq
                        scales[id(cache)][l, pos, kvh] = hsc[0]
            else:
                kc[l, pos], vc[l, pos] = k, v
            xb = np.zeros(c.dim, np.float32)
            for h in range(c.n_heads):
                kvh = h // (c.n_heads // c.n_kv_heads)
                qh = q[h * hs:(h + 1) * hs]
                ks, vs = scales[id(kc)][l, :, kvh], scales[id(vc)][l, :, kvh]
                att = np.array([np.float32(np.dot(qh, kc[l, t, kvh * hs:(kvh + 1) * hs])) * ks[t]
                                for t in range(pos + 1)], np.float32) / np.float32(math.sqrt(hs))
                att = np.exp((att - att.max()).astype(np.float64)).astype(np.float32)
                att /= att.sum(dtype=np.float32)
                for t in range(pos + 1):
                    xb[h * hs:(h + 1) * hs] += (att[t] * vs[t]) * vc[l, t, kvh * hs:(kvh + 1) * hs]
            x = x + mm("wo", l, xb)
            xb = np_rmsnorm(x, W["rms_ffn"][l].numpy())
            h1, h3 = mm("w1", l, xb), mm("w3", l, xb)
            hb = (h1 * (np.float32(1.0) / (np.float32(1.0) + np.exp(-h1.astype(np.float64)).astype(np.float32))) * h3)
            x = x + mm("w2", l, hb.astype(np.float32))
        x = np_rmsnorm(x, W["rms_final"].numpy())
        out.append(np_matmul(cls_q.reshape(c.vocab_size, c.dim), cls_s, x, gs))
    return np.stack(out)


Q8_CASES = {
    "gqa-gs32": (ModelConfig(64, 96, 2, 4, 2, 48, 16, False), 32),
    "mha-gs64-shared": (ModelConfig(128, 192, 1, 4, 4, 40, 16, True), 64),
}


@pytest.mark.parametrize("case", sorted(Q8_CASES))
def test_q8_matches_straightforward_runq(case):
    config, gs = Q8_CASES[case]
    w = random_weights(config, seed=11, std=0.1)
    tokens = [1, 5, 9, 30, 2, 17]
    ref = np_runq(w, tokens, gs)
    got = Transformer(w, quant="q8", group_size=gs).logits(tokens)
    assert np.abs(ref).max() > 0.5
    assert max_err(got, ref) <= Q8_TOL
    # Companion: the same check rejects the fp32 model (quantization moves logits far more than the tolerance).
    fp32 = Transformer(w, quant="fp32").logits(tokens)
    assert max_err(fp32, ref) > 10 * Q8_TOL


def test_q8_comparison_catches_one_corrupted_logit():
    config, gs = Q8_CASES["gqa-gs32"]
    w = random_weights(config, seed=11, std=0.1)
    got = Transformer(w, quant="q8", group_size=gs).logits([1, 5, 9])
    bad = got.clone()
    bad[2, 7] += 1e-3
    assert max_err(got, bad) > Q8_TOL


def test_q8_checkpoint_equals_quantize_at_load():
    """A v2 file runs exactly like its fp32 source quantized at load (same rule, same group size)."""
    config = ModelConfig(64, 128, 2, 4, 2, 50, 16, False)
    w = random_weights(config, seed=2)
    a = Transformer(w, quant="q8", group_size=32).logits([1, 2, 3, 4])
    b = Transformer(w.quantized(32), quant="q8").logits([1, 2, 3, 4])
    assert torch.equal(a, b)


# ----------------------------------------------------------------------------- int8 KV cache

def test_int8_kv_is_close_to_fp32_kv_and_not_identical():
    config = ModelConfig(64, 128, 2, 4, 2, 50, 32, False)
    w = random_weights(config, seed=4, std=0.1)
    tokens = list(range(1, 25))
    for quant in ("fp32", "q8"):
        a = Transformer(w, quant=quant, kv="fp32", group_size=32).logits(tokens)
        b = Transformer(w, quant=quant, kv="int8", group_size=32).logits(tokens)
        assert 0 < max_err(a, b) < 0.05 * float(a.abs().max())


@pytest.mark.parametrize("case", sorted(Q8_CASES))
def test_int8_kv_matches_straightforward_reference(case):
    config, gs = Q8_CASES[case]
    w = random_weights(config, seed=12, std=0.1)
    tokens = [1, 8, 3, 30, 2, 11, 6]
    ref = np_runq(w, tokens, gs, kv_int8=True)
    got = Transformer(w, quant="q8", kv="int8", group_size=gs).logits(tokens)
    assert max_err(got, ref) <= Q8_TOL
    # Companion: the fp32-KV model is rejected by the same check.
    assert max_err(Transformer(w, quant="q8", kv="fp32", group_size=gs).logits(tokens), ref) > Q8_TOL


def test_forward_rejects_bad_token_and_position():
    t = Transformer(random_weights(ModelConfig(32, 64, 1, 1, 1, 10, 4, True)))
    with pytest.raises(ModelError, match="out of range"):
        t.forward(10, 0)
    with pytest.raises(ModelError, match="position 4"):
        t.forward(1, 4)
    with pytest.raises(ModelError, match="do not fit"):
        t.logits([1] * 5)
