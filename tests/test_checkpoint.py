"""llama2.c checkpoint I/O and the Q8_0 rounding rules, checked against independent decoders."""

import struct

import numpy as np
import pytest
import torch

from hlstransform.model.checkpoint import MAGIC, checkpoint_bytes, load_checkpoint, save_checkpoint
from hlstransform.model.config import ModelConfig
from hlstransform.model.errors import ModelError
from hlstransform.model.quant import QTensor, quantize_activations, quantize_weights
from hlstransform.model.weights import LAYER_MATRICES, random_weights

GQA = ModelConfig(dim=64, hidden_dim=96, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=50, seq_len=16,
                  shared_classifier=False)
SHARED = ModelConfig(dim=64, hidden_dim=128, n_layers=1, n_heads=2, n_kv_heads=2, vocab_size=40, seq_len=8)


def same_weights(a, b) -> bool:
    """True when every tensor of two LlamaWeights is bit-identical (the comparison the tests use)."""
    if a.config != b.config:
        return False
    for name in a.expected_shapes():
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, QTensor) != isinstance(y, QTensor):
            return False
        if isinstance(x, QTensor):
            if not (torch.equal(x.q, y.q) and torch.equal(x.s, y.s)):
                return False
        elif not torch.equal(x, y):
            return False
    return True


@pytest.mark.parametrize("config", [GQA, SHARED], ids=["gqa-separate-cls", "mha-shared-cls"])
@pytest.mark.parametrize("version", [0, 1])
def test_fp32_round_trip_is_exact(tmp_path, config, version):
    w = random_weights(config, seed=3)
    path = tmp_path / "m.bin"
    save_checkpoint(path, w, version)
    ck = load_checkpoint(path)
    assert ck.version == version and ck.group_size is None
    assert same_weights(ck.weights, w)


def test_same_weights_catches_one_changed_value():
    w = random_weights(GQA, seed=3)
    w2 = random_weights(GQA, seed=3)
    w2.wv[1, 3, 5] += 1e-6
    assert not same_weights(w, w2)


@pytest.mark.parametrize("gs", [32, 64])
@pytest.mark.parametrize("config", [SHARED, ModelConfig(64, 128, 2, 4, 1, 30, 8, False)])
def test_q8_export_import_round_trip_is_exact(tmp_path, config, gs):
    w = random_weights(config, seed=5)
    p1, p2 = tmp_path / "a.bin", tmp_path / "b.bin"
    save_checkpoint(p1, w, 2, gs)
    ck = load_checkpoint(p1)
    assert ck.version == 2 and ck.group_size == gs
    # The file holds exactly the llama2.c export quantization of the fp32 weights ...
    assert same_weights(ck.weights, w.quantized(gs))
    # ... and writing it back reproduces the file byte for byte.
    save_checkpoint(p2, ck.weights, 2)
    assert p1.read_bytes() == p2.read_bytes()


def test_v2_layout_matches_an_independent_decoder(tmp_path):
    """Decode the v2 body with plain struct/numpy offsets, as runq.c's pointer walk does."""
    c = GQA
    w = random_weights(c, seed=9)
    gs = 32
    data = checkpoint_bytes(w, 2, gs)
    magic, version, *ints = struct.unpack_from("<Ii7i", data, 0)
    shared, group = struct.unpack_from("<Bi", data, 36)
    assert (magic, version, ints, shared, group) == (MAGIC, 2, [64, 96, 2, 4, 2, 50, 16], 0, gs)
    assert data[:4] == b"24ka"  # 0x616b3432 little-endian
    off = 256
    norms = np.frombuffer(data, np.float32, (2 * c.n_layers + 1) * c.dim, off)
    assert np.array_equal(norms[: c.n_layers * c.dim], w.rms_att.numpy().ravel())
    off += norms.nbytes

    def q8(n):
        nonlocal off
        q = np.frombuffer(data, np.int8, n, off)
        s = np.frombuffer(data, np.float32, n // gs, off + n)
        off += n + 4 * (n // gs)
        return q, s

    emb_q, emb_s = q8(c.vocab_size * c.dim)
    ref = w.tok_embeddings.numpy().reshape(-1, gs)
    ref_s = np.abs(ref).max(axis=1) / np.float32(127.0)
    assert np.array_equal(emb_s, ref_s.astype(np.float32))
    assert np.array_equal(emb_q, np.round(ref / ref_s[:, None]).astype(np.int8).ravel())
    sizes = {"wq": c.dim * c.dim, "wk": c.kv_dim * c.dim, "wv": c.kv_dim * c.dim, "wo": c.dim * c.dim,
             "w1": c.hidden_dim * c.dim, "w2": c.hidden_dim * c.dim, "w3": c.hidden_dim * c.dim}
    for name in LAYER_MATRICES:
        for layer in range(c.n_layers):
            q, s = q8(sizes[name])
            deq = (q.reshape(-1, gs).astype(np.float32) * s[:, None]).ravel()
            assert np.allclose(deq, getattr(w, name)[layer].numpy().ravel(), atol=float(s.max()) / 2 + 1e-7)
    q8(c.vocab_size * c.dim)  # separate classifier
    assert off == len(data)


def test_rounding_rules_differ_as_in_llama2c():
    """Weights round half to even (torch.round in export.py); activations half away (C round())."""
    x = torch.tensor([127.0, 2.5, -2.5, 0.5, -1.5, 3.5, 0.0, 1.0] * 4)
    w = quantize_weights(x, 32)
    a = quantize_activations(x, 32)
    assert w.s.item() == a.s.item() == 1.0
    assert w.q[:8].tolist() == [127, 2, -2, 0, -2, 4, 0, 1]
    assert a.q[:8].tolist() == [127, 3, -3, 1, -2, 4, 0, 1]


def test_all_zero_group_is_defined_as_zero():
    x = torch.zeros(64)
    x[40] = 3.0
    for qt in (quantize_weights(x, 32), quantize_activations(x, 32)):
        assert qt.s[0].item() == 0.0 and not qt.q[:32].any()
        assert qt.dequantize().tolist() == x.tolist()


def test_activation_rounding_uses_exact_fp32_quotient():
    # 0.49999997 is the largest fp32 below 0.5: C round() gives 0; a naive fp32 floor(x + 0.5) gives 1.
    v = float(np.nextafter(np.float32(0.5), np.float32(0)))
    x = torch.tensor([127.0, v] + [0.0] * 30)
    assert quantize_activations(x, 32).q[1].item() == 0


# --------------------------------------------------------------------------- bad files

def write(tmp_path, data: bytes):
    p = tmp_path / "bad.bin"
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("version", [0, 1, 2])
def test_truncated_file_is_rejected(tmp_path, version):
    data = checkpoint_bytes(random_weights(SHARED), version, 32 if version == 2 else None)
    with pytest.raises(ModelError, match="header inconsistent with file size"):
        load_checkpoint(write(tmp_path, data[:-7]))


def test_trailing_bytes_are_rejected(tmp_path):
    data = checkpoint_bytes(random_weights(SHARED), 1)
    with pytest.raises(ModelError, match="longer than its header implies"):
        load_checkpoint(write(tmp_path, data + b"\0" * 8))


@pytest.mark.parametrize("data, message", [
    (b"", "too short"),
    (b"hello, this is a text file and not a model\n" * 4, "not a llama2.c checkpoint"),
    (struct.pack("<Ii", MAGIC, 7).ljust(256, b"\0"), "unsupported checkpoint version 7"),
    (struct.pack("<Ii7iBi", MAGIC, 2, 64, 1376, 1, 2, 2, 10, 8, 1, 64).ljust(256, b"\0"),
     "group size 64 does not divide hidden_dim 1376"),
    (struct.pack("<Ii7iBi", MAGIC, 2, 64, 128, 1, 2, 2, 10, 8, 1, 48).ljust(256, b"\0"), "group size 48"),
    (struct.pack("<7i", 64, 128, 1, 3, 3, 10, 8), "not a multiple of n_heads"),
    (struct.pack("<Ii7iB", MAGIC, 1, 64, 128, 1, 4, 3, 10, 8, 1).ljust(256, b"\0"), "n_kv_heads"),
])
def test_bad_headers_are_rejected(tmp_path, data, message):
    with pytest.raises(ModelError, match=message):
        load_checkpoint(write(tmp_path, data))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelError, match="no such file"):
        load_checkpoint(tmp_path / "nope.bin")
    with pytest.raises(ModelError, match="directory"):
        load_checkpoint(tmp_path)
