"""Tests of the interconnect traffic helpers in :mod:`hlstransform.verif.axi_traffic` (no simulator)."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from cocotbext.axi import AxiResp

from hlstransform.verif.axi_traffic import (
    Attrs,
    Op,
    RefMemory,
    WriteAllocator,
    beat_mismatches,
    check_ops,
    expected_beat,
    overlap_violations,
    random_beats,
    random_read_addr,
)
from hlstransform.verif.ddr import PAGE_BYTES


def test_write_allocator_never_overlaps_or_crosses_a_page() -> None:
    rng = random.Random(1)
    lanes, base, size = 64, 0x10_0000, 64 * 1024
    alloc = WriteAllocator(base, size, lanes, rng)
    spans = []
    while (beats := random_beats(rng)) and (addr := alloc.take(beats)) is not None:
        spans.append((addr, addr + beats * lanes))
    assert len(spans) > 10
    for start, end in spans:
        assert base <= start and end <= base + size and start % lanes == 0
        assert start // PAGE_BYTES == (end - 1) // PAGE_BYTES, f"crosses 4 KiB: 0x{start:x}..0x{end:x}"
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:])), "overlap"


def test_write_allocator_without_gaps_packs_pages() -> None:
    alloc = WriteAllocator(0, 4 * PAGE_BYTES, 64, random.Random(2), max_gap=0)
    assert [alloc.take(64) for _ in range(4)] == [0, PAGE_BYTES, 2 * PAGE_BYTES, 3 * PAGE_BYTES]
    assert alloc.take(1) is None


def test_random_read_addr_stays_in_region_and_page() -> None:
    rng = random.Random(3)
    for _ in range(500):
        beats = random_beats(rng)
        addr = random_read_addr(rng, 0x2000, 0x8000, beats, 64)
        assert 0x2000 <= addr and addr + beats * 64 <= 0xA000 and addr % 64 == 0
        assert addr // PAGE_BYTES == (addr + beats * 64 - 1) // PAGE_BYTES


def test_ref_memory_reads_writes_and_rejects_outside() -> None:
    ref = RefMemory()
    initial = ref.add_window(0x1000, 256, random.Random(4))
    ref.write(0x1010, b"\x01\x02")
    assert ref.read(0x1000, 16) == initial[:16]
    assert ref.read(0x1010, 2) == b"\x01\x02"
    with pytest.raises(KeyError):
        ref.read(0x10F0, 32)


def test_check_ops_reports_data_and_response() -> None:
    ref = RefMemory()
    data = ref.add_window(0, 128, random.Random(5))
    good = Op(False, 0, 2, 0)
    good.result = SimpleNamespace(resp=AxiResp.OKAY, data=data[:128])
    assert check_ops([good], ref, 64) == []
    bad = Op(False, 0, 2, 0)
    corrupted = bytearray(data[:128])
    corrupted[70] ^= 4
    bad.result = SimpleNamespace(resp=AxiResp.OKAY, data=bytes(corrupted))
    problems = check_ops([bad], ref, 64)
    assert len(problems) == 1 and "differs in 1 beats" in problems[0]
    err = Op(True, 0, 1, 0, data=bytes(64), expect_resp=AxiResp.SLVERR)
    err.result = SimpleNamespace(resp=AxiResp.OKAY)
    assert "response OKAY, expected SLVERR" in check_ops([err], ref, 64)[0]
    assert "no result" in check_ops([Op(False, 0, 1, 0)], ref, 64)[0]


def test_beat_mismatches_names_the_beat() -> None:
    a = bytes(range(256))
    b = bytearray(a)
    b[130] ^= 1
    assert [m.index for m in beat_mismatches(a, bytes(b), 64)] == [2]


def test_overlap_violations() -> None:
    assert overlap_violations([[(0, 10), (5, 20)], [(21, 30)], [(31, 31)]]) == []
    problems = overlap_violations([[(0, 10)], [(10, 12)]])
    assert problems == ["port 1 burst at cycle 10 while port 0 busy until cycle 10"]


def test_expected_beat_fields() -> None:
    op = Op(False, 0x40, 3, 5, Attrs(1, 2, 3, 4, 5))
    assert expected_beat(op, 0x40, 0x15, 6) == (0x15, 0x40, 2, 6, 1, 1, 2, 3, 4, 5)
