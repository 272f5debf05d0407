"""The benchmark's host-side pieces: backdoor image files, KV history, the figures, errors.

The simulated runs themselves (the RTL's cycles, bit-exact logits after a backdoor load) are in
verif/tests/system/test_system.py; `make bench` runs the full-size shapes.
"""

from __future__ import annotations

import numpy as np
import pytest

from hlstransform.host import bench
from hlstransform.host.cli import main
from hlstransform.host.image import BEAT_BYTES, ForwardImage, KvLayout, unpack_kv
from hlstransform.model.config import ModelConfig
from hlstransform.model.hwmodel import HwTransformer
from hlstransform.model.weights import random_weights
from hlstransform.verif.sim_device import write_backdoor_images

from .test_cli import assert_one_line_error, run


def read_backdoor_image(path) -> dict[int, bytes]:
    """Row index -> 64 bytes, parsed as rtl/sim/axi_ddr_model.sv reads the file (an independent reader)."""
    data = path.read_bytes()
    rows: dict[int, bytes] = {}
    at = 0
    while at < len(data):
        row, count = int.from_bytes(data[at:at + 8], "big"), int.from_bytes(data[at + 8:at + 16], "big")
        at += 16
        for i in range(count):
            # $fread fills a 512-bit variable most significant byte first; byte k of the row is bits [8k +: 8].
            rows[row + i] = data[at:at + BEAT_BYTES][::-1]
            at += BEAT_BYTES
    return rows


def test_backdoor_images_place_every_byte(tmp_path):
    rng = np.random.default_rng(1)
    regions = [(0x40, rng.bytes(130)), ((2 << 34) + 0x1000, rng.bytes(64)), ((3 << 34), b"")]
    plusargs = write_backdoor_images(regions, tmp_path)
    assert plusargs == [f"+ddr_a_image={tmp_path / 'ddr_a.img'}", f"+ddr_c_image={tmp_path / 'ddr_c.img'}"]
    a, c = read_backdoor_image(tmp_path / "ddr_a.img"), read_backdoor_image(tmp_path / "ddr_c.img")
    assert sorted(a) == [1, 2, 3] and sorted(c) == [0x1000 // 64]
    assert b"".join(a[r] for r in (1, 2, 3)) == regions[0][1] + bytes(62)  # the last row zero-padded
    assert c[0x40] == regions[1][1]


def test_backdoor_reader_sees_a_wrong_byte_order(tmp_path):
    """The check above can fail: a file written without the row reversal reads back differently."""
    data = bytes(range(64))
    write_backdoor_images([(0, data)], tmp_path)
    raw = (tmp_path / "ddr_a.img").read_bytes()
    (tmp_path / "ddr_a.img").write_bytes(raw[:16] + raw[16:][::-1])
    assert read_backdoor_image(tmp_path / "ddr_a.img")[0] != data


@pytest.mark.parametrize("addr", [0x20, 5 << 34])
def test_backdoor_refuses_unaligned_or_foreign_addresses(tmp_path, addr):
    from hlstransform.host.device import DeviceError

    with pytest.raises(DeviceError, match="64-byte aligned address of channels A..D"):
        write_backdoor_images([(addr, b"x")], tmp_path)


@pytest.mark.parametrize("kv", ["fp32", "int8"])
def test_kv_history_is_the_reference_cache(kv):
    """The history written to the image is the numerics model's cache, slot for slot."""
    c = ModelConfig(dim=128, hidden_dim=256, n_layers=2, n_heads=4, n_kv_heads=4, vocab_size=64, seq_len=32)
    w = random_weights(c, seed=3).quantized(32)
    image, hw = ForwardImage.build(w, kv=kv), HwTransformer(w, kv=kv)
    bench.random_kv_history(hw, 5, np.random.default_rng(0))
    regions = dict(bench.kv_history_regions(image, hw, 5))
    assert len(regions) == c.n_layers * c.n_kv_heads * 2
    lay = KvLayout(1, c.head_size, c.seq_len, kv)
    for ch, reg in enumerate(image.kv_regions):
        for h in reg.heads:
            at = image.descriptor[f"kv_{'abcd'[ch]}"] + reg.offset(1, h, "v")
            data = regions[at]
            got = unpack_kv(lay, data[: lay.values_nbytes], data[lay.values_nbytes:], positions=5)
            if kv == "fp32":
                assert np.array_equal(got[:, 0], hw.value_cache[1, :5, h])
                assert np.any(got != 0)
            else:
                assert np.array_equal(got[0][:, 0], hw.kv_q[1, 1, :5, h]) and np.array_equal(got[1][:, 0], hw.kv_s[1, 1, :5, h])


def test_token_report_figures():
    c = bench.SHAPES["stories110M"]
    perf = {"MATMUL_CYCLES": 600, "ATTENTION_CYCLES": 200, "KV_CYCLES": 50,
            "RD_BEATS_A": 800, "RD_BEATS_B": 700, "RD_BEATS_C": 700, "RD_BEATS_D": 700,
            "WR_BEATS_A": 10, "WR_BEATS_B": 2, "WR_BEATS_C": 2, "WR_BEATS_D": 2}
    r = bench.token_report(c, 3, 1000, perf)
    assert r["cycles_other"] == 150
    assert r["ddr_read_bytes"] == [800 * 64, 700 * 64, 700 * 64, 700 * 64]
    assert r["ddr_utilization"] == pytest.approx((2900 + 16) / 4000)
    mm, att = bench.macs_per_token(c, 3)
    # stories110M: ~110 M parameters minus the untouched part of the embedding table (one row read).
    assert 80e6 < mm < 110e6 and att == 12 * 12 * 2 * 4 * 64
    assert r["ops"] == 2 * (mm + att)


def test_known_shapes_fit_the_default_build():
    """The three stories shapes are within the forward kernel's default maxima (docs/forward.md)."""
    for name, c in bench.SHAPES.items():
        c.validate()
        assert c.dim <= 768 and c.hidden_dim <= 2048 and c.n_layers <= 12 and c.n_heads <= 12, name
        assert c.vocab_size <= 32000 and c.seq_len <= 1024 and c.head_size % 16 == 0, name


def small_model():
    """A small random Q8_0 model (GS 32), its config and its int8-KV image."""
    c = ModelConfig(dim=128, hidden_dim=256, n_layers=2, n_heads=4, n_kv_heads=4, vocab_size=64, seq_len=32)
    w = random_weights(c, seed=3).quantized(32)
    return c, w, ForwardImage.build(w, kv="int8")


def token_perf(rd: tuple[int, int, int, int]) -> dict[str, int]:
    """A token's performance counters (rtl/regmap.toml perf) with these read beats per channel."""
    return {"MATMUL_CYCLES": 600, "ATTENTION_CYCLES": 200, "KV_CYCLES": 50,
            **{f"RD_BEATS_{ch}": n for ch, n in zip("ABCD", rd)},
            "WR_BEATS_A": 10, "WR_BEATS_B": 2, "WR_BEATS_C": 2, "WR_BEATS_D": 2}


def test_report_gives_decode_and_prefill_rates():
    """The human-readable report (bench without --json): the decode rate, and a prompt's rate
    with its ratio to decode, from the same figures as the JSON object."""
    c, w, image = small_model()
    perf = token_perf(rd=(800, 700, 700, 700))
    decode = [bench.token_report(c, 5, 1000, perf)]
    prefill = [dict(bench.token_report(c, 0, 1000, perf), cycles=1000, tokens=5)]
    run = {"sim_build": "optimized", "wall_s": 1.0}  # run_bench adds these
    r = bench.summarize(bench.BenchModel("tiny", w), "int8", "honest", decode, prefill, 5000.0, True, image)
    report = bench.format_report(r | run)
    assert "decode at pos 5 (1 token(s)): 1,000 cycles/token = 250,000.0 tok/s at 250 MHz" in report
    # 5 prompt tokens in one run of 1,000 cycles: 200 cycles a token, 5x the decode token's rate.
    assert ("prefill (5 tokens, no logits): 200 cycles/token = 1,250,000.0 tok/s at 250 MHz "
            "(5.00x decode, batches of 5)") in report
    assert "prefill" not in bench.format_report(bench.summarize(
        bench.BenchModel("tiny", w), "int8", "honest", decode, [], 5000.0, True, image) | run)


def test_onchip_report_has_no_weight_traffic_and_the_store_bound():
    """An on-chip run's figures: no weight bytes from DDR, the roofline is the weights' streaming
    from the store (host/image.py onchip_stream_cycles), the store's size in the report."""
    from hlstransform.host.image import onchip_stream_cycles

    c, w, image = small_model()
    perf = token_perf(rd=(30, 2, 2, 2))  # an on-chip token: embedding row, norms, KV only
    r = bench.summarize(bench.BenchModel("tiny", w), "int8", "honest", [bench.token_report(c, 0, 1000, perf)], [],
                        5000.0, True, image, onchip=2)
    r["onchip"]["load_cycles"] = 4321
    assert r["weight_bytes_per_token"] == 0
    assert r["roofline_fraction"] == onchip_stream_cycles(c, 32, 2) / 1000
    report = bench.format_report(r | {"sim_build": "optimized", "wall_s": 1.0})
    assert "weights on chip: 2 banks a channel (8 engines)" in report and "in 4,321 cycles" in report
    r["shape"], r["tokens"] = "stories15M", 1
    table = bench.render_table([r])
    assert "| stories15M on chip (8 engines) | int8 | 0 |" in table
    assert "`hlstransform bench --shape stories15M --kv int8 --onchip 2`" in table
    ddr = bench.summarize(bench.BenchModel("tiny", w), "int8", "honest", [bench.token_report(c, 0, 1000, perf)], [],
                          5000.0, True, image)
    assert ddr["weight_bytes_per_token"] == sum(image.stream_bytes()) and "onchip" not in ddr


def test_onchip_build_parameters_are_the_models():
    """An on-chip build's maxima are its model's shape, its store the model's largest bank."""
    from hlstransform.host.backends import onchip_parameters

    c = bench.SHAPES["stories15M"]
    p = onchip_parameters(c, 32, 8)
    assert (p["MAX_DIM"], p["MAX_HIDDEN"], p["MAX_HEADS"], p["MAX_HEAD_SIZE"], p["MAX_VOCAB"], p["MAX_SEQ_LEN"],
            p["MAX_LAYERS"]) == (288, 768, 6, 48, 32000, 256, 6)
    # By hand: 32 engines; engine 0 (channel 0, bank 0) takes global blocks 0, 32, 64, ... of each
    # matrix; a block is 16 rows, 9 beats a group of 32 columns (16 x 32 int8 in 8, 16 fp32 scales
    # in 1): 81 beats at 288 columns, 216 at 768.
    # A layer: wqkv 864 rows = 54 blocks -> 2, wo 18 -> 1, w13 1536 rows = 96 -> 3, w2 18 -> 1 at
    # 216 beats; the classifier 2,000 blocks -> 63. Every other bank holds as many or fewer.
    layer = 2 * 81 + 81 + 3 * 81 + 216
    assert p["WEIGHT_BANKS"] == 8 and p["WEIGHT_DEPTH"] == 6 * layer + 63 * 81 == 9315


@pytest.mark.parametrize("banks", [0, 3, 16])
def test_onchip_build_needs_a_bank_count_of_the_store(banks):
    """The on-chip build has no DDR case: 0 banks is refused like any other count the store lacks,
    by the same rule (and message) as --onchip."""
    from hlstransform.host.backends import ModelError, onchip_parameters

    with pytest.raises(ModelError, match=f"--onchip must be one of 1, 2, 4, 8 banks a channel, got {banks}"):
        onchip_parameters(bench.SHAPES["stories15M"], 32, banks)


def test_roofline_plot_is_written(tmp_path):
    r = {"shape": "stories110M", "kv": "int8", "pos": 0, "ops_per_token": 2.2e8, "ddr_bytes_per_token": 1.2e8,
         "tok_per_s_250mhz": 420.0}
    out = tmp_path / "roofline.png"
    bench.plot_roofline([r], out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, needle", [
    (["--shape", "stories7B"], "neither one of stories15M"),
    (["--shape", "stories15M", "--kv", "int8"], "head_size 32 or 64"),
    (["--shape", "stories15M", "--kv", "fp32", "--pos", "256"], "do not fit seq_len 256"),
    (["--shape", "stories110M", "--tokens", "0"], "--tokens must be >= 1"),
    (["--shape", "stories15M", "--kv", "fp32", "--onchip", "3"], "--onchip must be one of 0, 1, 2, 4, 8"),
])
def test_bench_bad_options_are_one_line_errors(capsysbinary, argv, needle):
    code, out, err = run(capsysbinary, "bench", *argv)
    assert_one_line_error(code, err, needle)


def test_results_table_is_written_between_its_markers(tmp_path):
    r = {"shape": "stories110M", "kv": "int8", "pos": 512, "tokens": 1, "ddr": {"timing": "honest"},
         "cycles_per_token": 650_000, "tok_per_s_250mhz": 384.6, "tok_per_s_200mhz": 307.7, "cycles_matmul": 539_000,
         "cycles_attention": 90_000, "cycles_kv_store": 17_000, "cycles_other": 4_000, "ddr_utilization": 0.75,
         "roofline_tok_per_s_250mhz": 429.0, "roofline_fraction": 0.9, "bit_exact": True, "sim_cycles_per_s": 2000}
    doc = tmp_path / "results.md"
    doc.write_text(f"# R\n\nbefore\n{bench.TABLE_BEGIN}\nold\n{bench.TABLE_END}\nafter\n")
    bench.write_table([r], doc)
    text = doc.read_text()
    assert "old" not in text and text.startswith("# R\n\nbefore\n") and text.endswith("after\n")
    assert "| stories110M | int8 | 512 | 650,000 | 384.6 |" in text
    assert "| 90.0% | - | yes |" in text  # no prefill in this run
    assert "`hlstransform bench --shape stories110M --kv int8 --pos 512`" in text
    doc.write_text("no markers")
    with pytest.raises(Exception, match="bench-table"):
        bench.write_table([r], doc)


def test_results_table_shows_a_prefill_run():
    """A run with prompt batches shows their rate and its ratio to decode, and the command that
    reproduces it names the batch."""
    r = {"shape": "stories110M", "kv": "int8", "pos": 5, "tokens": 1, "ddr": {"timing": "honest"},
         "cycles_per_token": 600_000, "tok_per_s_250mhz": 416.7, "tok_per_s_200mhz": 333.3, "cycles_matmul": 540_000,
         "cycles_attention": 9_000, "cycles_kv_store": 4_700, "cycles_other": 13_000, "ddr_utilization": 0.8,
         "roofline_tok_per_s_250mhz": 460.0, "roofline_fraction": 0.9, "bit_exact": True, "sim_cycles_per_s": 2000,
         "prefill": {"tokens": 5, "batch": 5, "cycles_per_token": 120_000, "logits": False,
                     "tok_per_s_250mhz": 2083.3, "speedup_vs_decode": 5.0}}
    table = bench.render_table([r])
    assert "| 2,083.3 (5.00x decode, batches of 5) |" in table
    # The table's pos is the decode token's (after the prompt); the command starts the prompt at 0.
    assert "| stories110M | int8 | 5 | 600,000 |" in table
    assert "`hlstransform bench --shape stories110M --kv int8 --prefill 5 --batch 5`" in table
    r["pos"] = 517
    assert "`hlstransform bench --shape stories110M --kv int8 --pos 512 --prefill 5 --batch 5`" in bench.render_table([r])
