"""Tests for ``hlstransform.host.image``, the model-image layout.

The decoders here are written from the layout's text (module docstring of host/image.py),
byte by byte, without the module's own reshapes: an independent reading of the spec.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
import torch

from hlstransform.host import image as im
from hlstransform.model.quant import QTensor, quantize_activations, quantize_weights


def random_matrix(rng: np.random.Generator, rows: int, cols: int, gs: int) -> QTensor:
    q = rng.integers(-127, 128, size=(rows, cols), dtype=np.int8)
    s = rng.uniform(-2.0, 2.0, size=(rows, cols // gs)).astype(np.float32)
    return QTensor(torch.from_numpy(q), torch.from_numpy(s))


def decode_matrix_by_spec(data: bytes, rows: int, cols: int, gs: int) -> tuple[np.ndarray, np.ndarray]:
    """Slow decoder following the spec literally (returns the padded rows too)."""
    groups = cols // gs
    blocks = (rows + 15) // 16
    rows_per_beat = 64 // gs
    beats_per_group = 1 + 16 // rows_per_beat
    q = np.zeros((blocks * 16, cols), np.int8)
    s = np.zeros((blocks * 16, groups), np.float32)
    beat = 0
    for b in range(blocks):
        for g in range(groups):
            scale_beat = data[64 * beat : 64 * (beat + 1)]
            for r in range(16):
                s[16 * b + r, g] = struct.unpack("<f", scale_beat[4 * r : 4 * r + 4])[0]
            beat += 1
            for j in range(16 // rows_per_beat):
                w = data[64 * beat : 64 * (beat + 1)]
                for half in range(rows_per_beat):
                    row = 16 * b + rows_per_beat * j + half
                    for k in range(gs):
                        q[row, g * gs + k] = struct.unpack("<b", w[half * gs + k : half * gs + k + 1])[0]
                beat += 1
            assert beats_per_group == 1 + 16 // rows_per_beat
    assert 64 * beat == len(data), "image longer than the spec says"
    return q, s


@pytest.mark.parametrize(("rows", "cols", "gs"), [(1, 32, 32), (1, 64, 64), (16, 64, 64), (21, 96, 32),
                                                  (40, 192, 64), (33, 64, 32)])
def test_matrix_matches_spec(rows: int, cols: int, gs: int) -> None:
    rng = np.random.default_rng(rows * 1000 + cols + gs)
    w = random_matrix(rng, rows, cols, gs)
    data = im.pack_matrix(w, gs)
    lay = im.MatrixLayout(rows, cols, gs)
    assert len(data) == lay.nbytes == lay.beats * 64
    q, s = decode_matrix_by_spec(data, rows, cols, gs)
    np.testing.assert_array_equal(q[:rows], w.q.numpy())
    np.testing.assert_array_equal(s[:rows].view(np.uint32), w.s.numpy().view(np.uint32))
    assert not q[rows:].any() and not s[rows:].view(np.uint32).any(), "padded rows must be zero"


def test_sizes_by_hand() -> None:
    # 1 row, 1 group of 32: one block = 1 scale beat + 8 weight beats.
    assert im.MatrixLayout(1, 32, 32).nbytes == 9 * 64
    # 512 x 768 GS 64: 32 blocks x 12 groups x 17 beats.
    lay = im.MatrixLayout(512, 768, 64)
    assert (lay.blocks, lay.groups, lay.beats_per_group, lay.beats) == (32, 12, 17, 32 * 12 * 17)
    # 288 x 288 GS 32 (stories15M dim): 18 blocks x 9 groups x 9 beats.
    assert im.MatrixLayout(288, 288, 32).beats == 18 * 9 * 9
    assert im.output_nbytes(1) == 64 and im.output_nbytes(16) == 64 and im.output_nbytes(17) == 128
    assert im.MatrixLayout(17, 64, 64).output_nbytes == 128
    v = im.VectorLayout(768, 32)
    assert (v.value_beats, v.scale_beats, v.scale_offset, v.nbytes) == (12, 2, 768, 14 * 64)
    assert im.VectorLayout(32, 32).nbytes == 128


def test_beat_index_helpers_match_spec() -> None:
    for gs in (32, 64):
        lay = im.MatrixLayout(40, 4 * gs, gs)
        data = bytearray(lay.nbytes)
        for row in range(lay.padded_rows):
            for g in range(lay.groups):
                beat = lay.beat_index(row, g)
                half = row % lay.rows_per_beat
                data[64 * beat + half * gs] = (row * 7 + g) % 100 + 1
        q, _ = decode_matrix_by_spec(bytes(data), lay.padded_rows, lay.cols, gs)
        for row in range(lay.padded_rows):
            for g in range(lay.groups):
                assert q[row, g * gs] == (row * 7 + g) % 100 + 1
        for b in range(lay.blocks):
            for g in range(lay.groups):
                assert lay.scale_beat_index(b, g) == lay.beat_index(16 * b, g) - 1


@pytest.mark.parametrize("gs", [32, 64])
def test_row_groups_are_at_least_8_beats_apart(gs: int) -> None:
    """The property the RTL's pipelined accumulator relies on."""
    lay = im.MatrixLayout(48, 8 * gs, gs)
    gaps = [lay.beat_index(r, g + 1) - lay.beat_index(r, g) for r in range(lay.rows) for g in range(lay.groups - 1)]
    assert min(gaps) >= 8 and min(gaps) == lay.beats_per_group


@pytest.mark.parametrize(("rows", "cols", "gs"), [(1, 32, 32), (37, 288, 32), (64, 768, 64)])
def test_round_trip(rows: int, cols: int, gs: int) -> None:
    w = quantize_weights(torch.randn(rows, cols), gs)
    q, s = im.unpack_matrix(im.pack_matrix(w), rows, cols, gs)
    np.testing.assert_array_equal(q, w.q.numpy())
    np.testing.assert_array_equal(s.view(np.uint32), w.s.numpy().view(np.uint32))

    x = quantize_activations(torch.randn(cols), gs)
    data = im.pack_vector(x.q, x.s)
    assert len(data) == im.VectorLayout(cols, gs).nbytes
    xq, xs = im.unpack_vector(data, cols, gs)
    np.testing.assert_array_equal(xq, x.q.numpy())
    np.testing.assert_array_equal(xs.view(np.uint32), x.s.numpy().view(np.uint32))

    out = np.random.default_rng(1).standard_normal(rows).astype(np.float32)
    buf = im.pack_output(out)
    assert len(buf) == im.output_nbytes(rows)
    np.testing.assert_array_equal(im.unpack_output(buf, rows), out)


def test_vector_matches_spec() -> None:
    x = quantize_activations(torch.randn(96), 32)
    data = im.pack_vector(x.q.numpy(), x.s.numpy())
    assert len(data) == 3 * 64  # 96 values -> 2 beats, 3 scales -> 1 beat
    assert bytes(data[:96]) == x.q.numpy().tobytes() and not any(data[96:128])
    assert struct.unpack("<3f", data[128:140]) == tuple(float(v) for v in x.s.numpy())
    assert not any(data[140:])


def test_numpy_and_torch_inputs_agree() -> None:
    w = quantize_weights(torch.randn(5, 128), 64)
    np_w = QTensor(w.q.numpy(), w.s.numpy())
    assert im.pack_matrix(w) == im.pack_matrix(np_w, 64)


def test_corrupted_layout_is_detected() -> None:
    rng = np.random.default_rng(7)
    rows, cols, gs = 20, 128, 32
    w = random_matrix(rng, rows, cols, gs)
    data = bytearray(im.pack_matrix(w))
    lay = im.MatrixLayout(rows, cols, gs)

    # One weight byte changed: exactly that value differs after decoding.
    flipped = bytearray(data)
    offset = 64 * lay.beat_index(3, 2) + (3 % lay.rows_per_beat) * gs + 5  # row 3: the odd half
    flipped[offset] ^= 0x10
    q, _ = im.unpack_matrix(bytes(flipped), rows, cols, gs)
    assert np.argwhere(q != w.q.numpy()).tolist() == [[3, 2 * gs + 5]]

    # Two beats swapped (a wrong interleave): the decode no longer equals the matrix.
    swapped = bytearray(data)
    a, b = lay.beat_index(0, 0), lay.beat_index(2, 0)
    swapped[64 * a : 64 * a + 64], swapped[64 * b : 64 * b + 64] = data[64 * b : 64 * b + 64], data[64 * a : 64 * a + 64]
    q, _ = im.unpack_matrix(bytes(swapped), rows, cols, gs)
    assert not np.array_equal(q, w.q.numpy())

    # Non-zero padding, wrong length: refused.
    padded = bytearray(data)
    padded[64 * lay.beat_index(rows, 0)] = 1  # row 20 is padding
    with pytest.raises(im.ImageError, match="padding"):
        im.unpack_matrix(bytes(padded), rows, cols, gs)
    scale_pad = bytearray(data)
    scale_pad[64 * lay.scale_beat_index(1, 0) + 4 * 15] = 1  # scale of row 31 (padding)
    with pytest.raises(im.ImageError, match="padding"):
        im.unpack_matrix(bytes(scale_pad), rows, cols, gs)
    with pytest.raises(im.ImageError, match="bytes"):
        im.unpack_matrix(bytes(data[:-64]), rows, cols, gs)
    vec = bytearray(im.pack_vector(np.zeros(32, np.int8), np.ones(1, np.float32)))
    vec[40] = 1
    with pytest.raises(im.ImageError, match="padding"):
        im.unpack_vector(bytes(vec), 32, 32)


def test_bad_arguments() -> None:
    with pytest.raises(im.ImageError):
        im.MatrixLayout(0, 64, 64)
    with pytest.raises(im.ImageError):
        im.MatrixLayout(4, 96, 64)
    with pytest.raises(im.ImageError):
        im.MatrixLayout(4, 96, 48)
    w = quantize_weights(torch.randn(4, 64), 32)
    with pytest.raises(im.ImageError, match="group size"):
        im.pack_matrix(w, 64)
    with pytest.raises(im.ImageError, match="int8"):
        im.pack_matrix(QTensor(w.q.to(torch.int16), w.s))
    with pytest.raises(im.ImageError):
        im.unpack_output(bytes(60), 1)


# ---------------------------------------------------------------------------------------------
# KV cache layout
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kv", ["fp32", "int8"])
@pytest.mark.parametrize("heads,hs,seq", [(1, 16, 1), (2, 48, 20), (3, 64, 33), (1, 128, 5)])
def test_kv_round_trip_and_addresses(kv, heads, hs, seq):
    from hlstransform.host.image import KvLayout, pack_kv, unpack_kv

    rng = np.random.default_rng(heads * 1000 + hs + seq)
    lay = KvLayout(heads, hs, seq, kv)
    t = max(1, seq - 2)
    if kv == "fp32":
        v = rng.standard_normal((t, heads, hs)).astype(np.float32)
        vals, scales = pack_kv(lay, v)
        assert scales == b"" and len(vals) == lay.values_nbytes == heads * seq * hs * 4
        assert (unpack_kv(lay, vals, scales, t) == v).all()
        h, p = heads - 1, t - 1
        assert vals[lay.slot_offset(h, p): lay.slot_offset(h, p) + 4 * hs] == v[p, h].tobytes()
        # head-major: position p + 1 of the same head follows slot (h, p) directly
        assert lay.slot_offset(h, p) + lay.slot_bytes == lay.slot_offset(h, p + 1)
    else:
        q = rng.integers(-127, 128, (t, heads, hs)).astype(np.int8)
        s = rng.random((t, heads)).astype(np.float32)
        vals, scales = pack_kv(lay, q, s)
        assert lay.slot_bytes % 64 == 0 and lay.slot_bytes >= hs
        assert len(vals) == lay.values_nbytes and len(scales) == lay.scales_nbytes
        rq, rs = unpack_kv(lay, vals, scales, t)
        assert (rq == q).all() and (rs == s).all()
        h, p = heads - 1, t - 1
        assert vals[lay.slot_offset(h, p): lay.slot_offset(h, p) + hs] == q[p, h].tobytes()
        assert vals[lay.slot_offset(h, p) + hs: lay.slot_offset(h, p) + lay.slot_bytes] == bytes(lay.slot_bytes - hs)
        assert scales[lay.scale_offset(h, p): lay.scale_offset(h, p) + 4] == s[p, h].tobytes()
        assert lay.scale_row_bytes % 64 == 0


def test_kv_layout_rejects_bad_shapes():
    from hlstransform.host.image import ImageError, KvLayout, pack_kv

    for args in [(1, 24, 4, "fp32"), (1, 0, 4, "fp32"), (0, 16, 4, "fp32"), (1, 16, 0, "int8"), (1, 16, 4, "bf16")]:
        with pytest.raises(ImageError):
            KvLayout(*args)
    lay = KvLayout(2, 16, 4, "int8")
    with pytest.raises(ImageError):
        pack_kv(lay, np.zeros((5, 2, 16), np.int8), np.zeros((5, 2), np.float32))  # more positions than seq_len
    with pytest.raises(ImageError):
        pack_kv(lay, np.zeros((2, 2, 16), np.int8))  # no scales


# ---------------------------------------------------------------------------------------------
# Whole-model image for the forward kernel
# ---------------------------------------------------------------------------------------------


def _region(img, addr: int) -> bytes:
    return next(data for at, data in img.regions if at == addr)


@pytest.fixture(scope="module", params=["tiny", "gqa_gs32"])
def forward_image(request):
    from hlstransform.host.paths import REPO_ROOT
    from hlstransform.model.checkpoint import load_checkpoint
    from hlstransform.model.config import ModelConfig
    from hlstransform.model.weights import random_weights

    if request.param == "tiny":
        w = load_checkpoint(REPO_ROOT / "models" / "tiny" / "model_q80.bin").weights
        kv = "int8"
    else:
        cfg = ModelConfig(dim=96, hidden_dim=160, n_layers=2, n_heads=6, n_kv_heads=3,
                          vocab_size=70, seq_len=12)
        w = random_weights(cfg, seed=3).quantized(32)
        kv = "fp32"
    return w, im.ForwardImage.build(w, kv=kv)


def test_forward_weight_streams_hold_every_block(forward_image):
    from hlstransform.model.hwmodel import HwTransformer

    w, img = forward_image
    hw = HwTransformer(w, kv=img.kv)
    gs = img.group_size
    expected = [layer[name] for layer in hw.layers for name in im.LAYER_MATRICES] + [hw.classifier]
    streams = [_region(img, img.descriptor[f"weights_{ch}"]) for ch in "abcd"]
    offsets = [0] * im.N_CHANNELS
    for m in expected:
        lay = im.MatrixLayout(m.shape[0], m.shape[1], gs)
        bb = lay.beats_per_block * im.BEAT_BYTES
        blocks = [b""] * lay.blocks
        for ch in range(im.N_CHANNELS):
            for b in im.channel_blocks(lay.blocks, ch):
                blocks[b] = streams[ch][offsets[ch]: offsets[ch] + bb]
                offsets[ch] += bb
        q, s = im.unpack_matrix(b"".join(blocks), m.shape[0], m.shape[1], gs)
        assert (q == m.q).all() and (s.view(np.uint32) == m.s.view(np.uint32)).all()
    assert offsets == [len(s) for s in streams], "stream bytes left over after the classifier"
    # the four streams are within one block of each other for every matrix
    assert max(offsets) - min(offsets) <= sum(im.MatrixLayout(m.shape[0], m.shape[1], gs).beats_per_block
                                              * im.BEAT_BYTES for m in expected)


@pytest.mark.parametrize("banks", [1, 3, 4])
def test_weight_banks_hold_each_engines_blocks(forward_image, banks):
    """The on-chip store's banks (WeightBankLayout): bank k of channel c holds, matrix after
    matrix, the global blocks c + 4 (k + banks i), i = 0, 1, ..., at offset(m, k) (checked
    against the packed matrices, not against the stream the split reads)."""
    from hlstransform.model.hwmodel import HwTransformer

    w, img = forward_image
    hw = HwTransformer(w, kv=img.kv)
    gs = img.group_size
    expected = [layer[name] for layer in hw.layers for name in im.LAYER_MATRICES] + [hw.classifier]
    mats = tuple(im.stream_matrices(w.config, gs))
    assert [(m.rows, m.cols) for m in mats] == [tuple(m.shape) for m in expected]
    for ch in range(im.N_CHANNELS):
        layout = im.WeightBankLayout(mats, ch, banks)
        stream = _region(img, img.descriptor[f"weights_{'abcd'[ch]}"])
        split = layout.split(stream)
        assert [len(b) for b in split] == [layout.beats(k) * im.BEAT_BYTES for k in range(banks)]
        for m, (lay, mat) in enumerate(zip(mats, expected)):
            packed, bb = im.pack_matrix(mat, gs), lay.beats_per_block * im.BEAT_BYTES
            for k in range(banks):
                blocks = range(ch + 4 * k, lay.blocks, 4 * banks)
                assert layout.blocks(m, k) == len(blocks)
                at = layout.offset(m, k) * im.BEAT_BYTES
                assert split[k][at:at + len(blocks) * bb] == b"".join(packed[b * bb:(b + 1) * bb] for b in blocks)
    with pytest.raises(im.ImageError, match="at least one bank"):
        im.WeightBankLayout(mats, 0, 0)
    with pytest.raises(im.ImageError, match="its matrices"):
        im.WeightBankLayout(mats, 0, banks).split(stream + bytes(64))


def test_onchip_sizes_by_hand():
    """The on-chip store's sizes for a small model (dim 64, hidden 96, one layer of 4/4 heads,
    vocab 300, GS 32; 2 banks a channel: 8 engines), worked by hand. Blocks of 16 rows: wqkv 192
    rows = 12, wo 4, w13 12, w2 4, classifier 19; beats a block: 2 groups x 9 = 18 (w2: 3 x 9 =
    27). An engine e takes blocks e, e + 8, ...: at most ceil(blocks / 8) of a matrix."""
    from hlstransform.model.config import ModelConfig

    c = ModelConfig(dim=64, hidden_dim=96, n_layers=1, n_heads=4, n_kv_heads=4, vocab_size=300, seq_len=8)
    assert im.onchip_stream_cycles(c, 32, 2) == 2 * 18 + 1 * 18 + 2 * 18 + 1 * 27 + 3 * 18
    # Engine 0 (channel 0, bank 0) holds the most: blocks 0, 8 of wqkv and w13, 0 of wo and w2,
    # 0, 8, 16 of the classifier.
    assert im.weight_store_depth(c, 32, 2) == 2 * 18 + 18 + 2 * 18 + 27 + 3 * 18
    assert im.weight_store_depth(c, 32, 1) == 3 * 18 + 18 + 3 * 18 + 27 + 5 * 18  # blocks 0, 4, 8 (16)


def test_forward_embedding_norms_rope(forward_image):
    from hlstransform.model.golden import rope_cos_sin
    from hlstransform.model.hwmodel import HwTransformer

    w, img = forward_image
    c, d = w.config, img.descriptor
    hw = HwTransformer(w, kv=img.kv)
    q_tab, s_tab = _region(img, d["embed_q"]), _region(img, d["embed_s"])
    for t in (0, 1, c.vocab_size - 1):
        row = q_tab[t * d["embed_row_bytes"]:][: c.dim]
        assert np.frombuffer(row, np.int8).tolist() == hw.embedding.q[t].tolist()
        srow = np.frombuffer(s_tab[t * d["embed_scale_row_bytes"]:][: 4 * hw.embedding.s.shape[1]], "<f4")
        assert (srow == hw.embedding.s[t]).all()
        assert d["embed_row_bytes"] % 64 == 0 and d["embed_q"] % 64 == 0
    stride = im.align_up(4 * c.dim)
    norms = _region(img, d["norms"])
    for k, want in [(0, hw.rms_att[0]), (1, hw.rms_ffn[0]), (2 * c.n_layers, hw.rms_final)]:
        assert (np.frombuffer(norms[k * stride:][: 4 * c.dim], "<f4") == want).all()
    rope = np.frombuffer(_region(img, d["rope"]), "<f4").reshape(c.seq_len, c.head_size)
    cs, sn = rope_cos_sin(c, c.seq_len - 1)
    assert (rope[-1, 0::2] == cs.numpy()).all() and (rope[-1, 1::2] == sn.numpy()).all()


def test_forward_descriptor_and_reserved_regions(forward_image):
    w, img = forward_image
    c, d = w.config, img.descriptor
    assert im.ForwardImage.parse_descriptor(_region(img, img.descriptor_addr)) == d
    assert (d["dim"], d["n_kv_heads"], d["seq_len"], d["kv_int8"]) == (c.dim, c.n_kv_heads, c.seq_len,
                                                                          int(img.kv == "int8"))
    for bad in (b"\0" * 8, bytes(_region(img, img.descriptor_addr)).replace(b"HSTFWD01", b"HSTFWD02")):
        with pytest.raises(im.ImageError):
            im.ForwardImage.parse_descriptor(bad)
    # no two regions (written or reserved) overlap; each sits inside its channel's window
    spans = sorted([(a, a + len(b)) for a, b in img.regions] + [(a, a + n) for a, n in img.reserved.items()])
    for (a0, a1), (b0, _) in zip(spans, spans[1:]):
        assert a1 <= b0, f"regions overlap at {b0:#x}"
    for a0, a1 in spans:
        assert a0 % 64 == 0 and a0 >> im.CHANNEL_SHIFT == (a1 - 1) >> im.CHANNEL_SHIFT
    # KV slots: every (layer, head, k/v) cache is disjoint and inside its channel's region
    for reg in img.kv_regions:
        seen = []
        for layer in range(c.n_layers):
            for h in reg.heads:
                for which in "kv":
                    o = reg.offset(layer, h, which)
                    seen.append((o, o + reg.cache_bytes))
        seen.sort()
        assert all(x1 <= y0 for (_, x1), (y0, _) in zip(seen, seen[1:]))
        assert not seen or seen[-1][1] == reg.nbytes
    with pytest.raises(im.ImageError):
        img.kv_regions[0].offset(0, 1, "k")


def test_forward_prompt_beat(forward_image):
    """A batch's token ids: u32 words of the reserved beat after the descriptor, in channel A."""
    _, img = forward_image
    assert img.prompt_addr in img.reserved and img.reserved[img.prompt_addr] == im.BEAT_BYTES
    assert img.prompt_addr % im.BEAT_BYTES == 0 and img.prompt_addr >> im.CHANNEL_SHIFT == 0
    assert img.prompt_addr >= img.descriptor_addr + len(img.descriptor_bytes())
    data = im.ForwardImage.prompt_bytes([7, 0, 31999])
    assert len(data) == im.BEAT_BYTES and struct.unpack("<3I", data[:12]) == (7, 0, 31999)
    assert data[12:] == bytes(im.BEAT_BYTES - 12)
    for bad in ([], list(range(im.PROMPT_TOKENS + 1))):
        with pytest.raises(im.ImageError):
            im.ForwardImage.prompt_bytes(bad)


def test_forward_image_rejects_fp32_weights():
    from hlstransform.model.config import ModelConfig
    from hlstransform.model.weights import random_weights

    w = random_weights(ModelConfig(dim=64, hidden_dim=128, n_layers=1, n_heads=4, n_kv_heads=4,
                                   vocab_size=32, seq_len=8))
    with pytest.raises(im.ImageError, match="Q8_0"):
        im.ForwardImage.build(w)
    with pytest.raises(im.ImageError):
        im.ForwardImage.build(w.quantized(64), kv="bf16")


def test_descriptor_package_is_fresh():
    """rtl/gen/forward_desc_pkg.sv equals what `make hls` would write from DESCRIPTOR_FIELDS."""
    from hlstransform.host.paths import REPO_ROOT

    text = im.render_descriptor_package()
    assert (REPO_ROOT / im.DESC_PKG_PATH).read_text() == text
    for i, (name, _) in enumerate(im.DESCRIPTOR_FIELDS):
        assert f"localparam int unsigned W_{name.upper()} = {i};" in text
