"""llama2.c tokenizer: tokenizer.bin / tokenizer.model I/O, run.c encode/decode, error handling.

Three vocabularies: a small BPE vocab trained here with llama2.c's train_vocab settings, the
shipped tiny model's (models/tiny, when present) and the real Llama 2 one (../shared/llama2,
skipped when absent). Encodings are checked against sentencepiece itself and against
``reference_encode``, a literal transcription of run.c's quadratic merge loop.
"""

from __future__ import annotations

import io
import random
import struct
import time
from pathlib import Path

import pytest
import sentencepiece as spm

from hlstransform.model.errors import ModelError
from hlstransform.model.tokenizer import (BOS_ID, EOS_ID, Tokenizer, export_sentencepiece, load_tokenizer,
                                          safe_printable)

REPO_ROOT = Path(__file__).resolve().parents[1]
LLAMA_DIR = REPO_ROOT.parent / "shared" / "llama2"
TINY_DIR = REPO_ROOT / "models" / "tiny"

ENGLISH = [
    "Hello world",
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the sun.",
    'Tom said, "Can I have the red ball?" Mom smiled and said, "Yes, you can!"',
    "The dog ran  to the park (twice), then 12 birds flew over 3,456 trees.\nThe end.",
    "  leading spaces, trailing spaces  ",
    "It's a sunny day; we're going to the beach at 10:30 am!",
    "a",
    " ",
]

_WORDS = ("once upon a time there was little girl boy named lily tom sue who loved to play with her his "
          "big red ball dog cat in the park sun tree bird happy sad friend mom dad said yes no and went "
          "home one day they saw a shiny box under bed it was very fun").split()


def _corpus(lines: int = 400, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(lines):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(5, 20))]
        words[0] = words[0].capitalize()
        sentence = " ".join(words) + rng.choice([".", "!", "?", ","])
        if rng.random() < 0.2:
            sentence = f'"{sentence}" she said {rng.randint(0, 999)} times.'
        out.append(sentence)
    return out


# ------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def small_model(tmp_path_factory) -> Path:
    """A 400-piece BPE sentencepiece model trained with llama2.c's train_vocab settings."""
    d = tmp_path_factory.mktemp("spm")
    model = io.BytesIO()
    spm.set_random_generator_seed(1)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_corpus()), model_writer=model, model_type="bpe", vocab_size=400,
        character_coverage=1.0, num_threads=1, split_digits=True, allow_whitespace_only_pieces=True,
        byte_fallback=True, unk_surface=r" \342\201\207 ", normalization_rule_name="identity",
        add_dummy_prefix=True, remove_extra_whitespaces=False, minloglevel=2)
    path = d / "tokenizer.model"
    path.write_bytes(model.getvalue())
    return path


def _llama_model() -> Path:
    path = LLAMA_DIR / "tokenizer.model"
    if not path.is_file():
        pytest.skip(f"{LLAMA_DIR} not present (real Llama 2 tokenizer)")
    return path


def _tiny_model() -> Path:
    path = TINY_DIR / "tokenizer.model"
    if not path.is_file():
        pytest.skip("models/tiny/tokenizer.model not present yet")
    return path


@pytest.fixture(params=["small", "tiny", "llama"])
def sp_model(request, small_model) -> Path:
    return {"small": lambda: small_model, "tiny": _tiny_model, "llama": _llama_model}[request.param]()


@pytest.fixture(scope="module")
def llama() -> Tokenizer:
    return load_tokenizer(_llama_model())


# ------------------------------------------------------------------------------ reference

def reference_encode(tok: Tokenizer, text: bytes, bos: bool = True, eos: bool = False) -> list[int]:
    """run.c encode(), transcribed loop for loop (quadratic; short inputs only)."""
    lookup = {}
    for i, v in enumerate(tok.vocab):
        lookup.setdefault(v, i)
    tokens = [1] if bos else []
    if text:
        tokens.append(lookup[b" "])
    buf = b""
    for k, c in enumerate(text):
        if (c & 0xC0) != 0x80:
            buf = b""
        buf += bytes([c])
        nxt = text[k + 1] if k + 1 < len(text) else 0
        if (nxt & 0xC0) == 0x80 and len(buf) < 4:
            continue
        if buf in lookup:
            tokens.append(lookup[buf])
        else:
            tokens.extend(b + 3 for b in buf)
        buf = b""
    while True:
        best_score, best_id, best_idx = -1e10, -1, -1
        for i in range(len(tokens) - 1):
            tid = lookup.get(tok.vocab[tokens[i]] + tok.vocab[tokens[i + 1]])
            if tid is not None and tok.scores[tid] > best_score:
                best_score, best_id, best_idx = tok.scores[tid], tid, i
        if best_idx == -1:
            break
        tokens[best_idx: best_idx + 2] = [best_id]
    if eos:
        tokens.append(2)
    return tokens


def _random_text(rng: random.Random, n: int) -> str:
    alphabet = list("abcdefghijklmnopqrstuvwxyz      ..,!?'\"\n0123456789AEIOTS") + ["é", "ü", "ß", "日", "本", "😀", "→"]
    return "".join(rng.choice(alphabet) for _ in range(n))


# ------------------------------------------------------------------------------ file formats

def test_model_to_bin_round_trip(sp_model, tmp_path):
    """.model -> tokenizer.bin -> load gives identical vocab, scores and max_token_length."""
    direct = load_tokenizer(sp_model)
    bin_path = tmp_path / "tokenizer.bin"
    exported = export_sentencepiece(sp_model, bin_path)
    back = load_tokenizer(bin_path)
    assert back.vocab == direct.vocab == exported.vocab
    assert back.scores == direct.scores
    assert back.max_token_length == direct.max_token_length == max(len(v) for v in direct.vocab)
    assert back == direct
    # The comparison notices a single changed score or piece.
    bad = Tokenizer(list(back.vocab), [s + (1.0 if i == 300 else 0.0) for i, s in enumerate(back.scores)])
    assert bad != direct
    bad_vocab = list(back.vocab)
    bad_vocab[300] = bad_vocab[300] + b"x"
    assert Tokenizer(bad_vocab, back.scores) != direct


def test_llama2c_export_conventions(sp_model):
    """Pieces as llama2.c's tokenizer.py writes them: '▁' -> ' ', BOS/EOS text, <0xXX> bytes kept."""
    tok = load_tokenizer(sp_model)
    sp = spm.SentencePieceProcessor(model_file=str(sp_model))
    assert tok.vocab_size == sp.vocab_size()
    assert tok.vocab[0] == b"<unk>"
    assert tok.vocab[BOS_ID] == b"\n<s>\n" and tok.vocab[EOS_ID] == b"\n</s>\n"
    assert [tok.vocab[3 + b] for b in range(256)] == [b"<0x%02X>" % b for b in range(256)]
    for i in range(3, sp.vocab_size()):
        assert tok.vocab[i] == sp.id_to_piece(i).replace("\u2581", " ").encode()
        assert tok.scores[i] == sp.get_score(i)
    assert b" " in tok.vocab and not any("\u2581".encode() in v for v in tok.vocab)


def test_llama_bin_is_byte_identical_to_llama2c_export():
    """Our export of the Llama 2 tokenizer.model equals the tokenizer.bin llama2.c ships."""
    _llama_model()
    shipped = (LLAMA_DIR / "tokenizer.bin").read_bytes()
    ours = Tokenizer.from_sentencepiece(LLAMA_DIR / "tokenizer.model").to_bin_bytes()
    assert ours == shipped
    flipped = bytearray(ours)
    flipped[100] ^= 1
    assert bytes(flipped) != shipped


def test_load_picks_format_by_content(small_model, tmp_path):
    """A .model saved as .bin (and vice versa) still loads: the format comes from the bytes."""
    tok = load_tokenizer(small_model)
    disguised = tmp_path / "really_a_model.bin"
    disguised.write_bytes(small_model.read_bytes())
    assert load_tokenizer(disguised) == tok
    bin_as_model = tmp_path / "really_a_bin.model"
    tok.save_bin(bin_as_model)
    assert load_tokenizer(bin_as_model) == tok


# ------------------------------------------------------------------------------ encode

def test_encode_matches_sentencepiece(sp_model):
    tok = load_tokenizer(sp_model)
    sp = spm.SentencePieceProcessor(model_file=str(sp_model))
    for text in ENGLISH + _corpus(40, seed=5):
        assert tok.encode(text, bos=True) == [BOS_ID] + sp.encode(text), text
        assert tok.encode(text, bos=False, eos=True) == sp.encode(text) + [EOS_ID], text
    # The same comparison catches one wrong id.
    ids = tok.encode(ENGLISH[1], bos=False)
    corrupted = ids[:3] + [(ids[3] + 1) % tok.vocab_size] + ids[4:]
    assert corrupted != sp.encode(ENGLISH[1])


def test_encode_matches_run_c_reference(sp_model):
    """The heap-based merge picks the same pairs as run.c's rescanning loop (ties included)."""
    tok = load_tokenizer(sp_model)
    rng = random.Random(3)
    texts = ENGLISH[:4] + [_random_text(rng, rng.randint(0, 60)) for _ in range(40)]
    for text in texts:
        data = text.encode()
        assert tok.encode(text) == reference_encode(tok, data), text
    # Invalid UTF-8 and stray continuation bytes take the byte path exactly as run.c does.
    for raw in (b"\xff\xfeabc", b"a\x80\x80\x80\x80\x80b", b"\xe6\x97", b"x\xf0\x9f\x98\x80\x80y"):
        assert tok.encode(raw) == reference_encode(tok, raw), raw
    assert reference_encode(tok, b"hello there") != reference_encode(tok, b"hello_there")


def test_encode_ties_break_leftmost():
    """Equal merge scores: the leftmost pair merges first (run.c's strict '>')."""
    vocab = [b"<unk>", b"\n<s>\n", b"\n</s>\n"] + [b"<0x%02X>" % b for b in range(256)]
    vocab += [b" ", b"a", b"aa", b" a"]
    scores = [0.0] * len(vocab)
    scores[vocab.index(b"aa")] = 5.0
    scores[vocab.index(b" a")] = 5.0  # ties with "aa"
    tok = Tokenizer(vocab, scores)
    ids = {v: i for i, v in enumerate(vocab)}
    # " " "a" "a" "a": " a" is the leftmost of three score-5 pairs -> " a" "a" "a" -> " a" "aa".
    assert tok.encode("aaa", bos=False) == reference_encode(tok, b"aaa", bos=False)
    assert tok.encode("aaa", bos=False) == [ids[b" a"], ids[b"aa"]]
    scores[vocab.index(b"aa")] = 6.0
    tok2 = Tokenizer(vocab, scores)
    assert tok2.encode("aaa", bos=False) == [ids[b" "], ids[b"aa"], ids[b"a"]]


def test_llama_known_ids(llama):
    sp = spm.SentencePieceProcessor(model_file=str(_llama_model()))
    assert llama.vocab_size == 32000
    assert llama.encode("Hello world") == [1] + sp.encode("Hello world") == [1, 15043, 3186]
    assert llama.encode("Hello world") != [1, 15043, 3187]
    bin_tok = load_tokenizer(LLAMA_DIR / "tokenizer.bin")
    assert bin_tok.encode("Hello world", bos=True, eos=True) == [1, 15043, 3186, 2]


def test_byte_fallback(sp_model):
    """A character missing from the vocab becomes its UTF-8 bytes as <0xXX> ids (byte + 3)."""
    tok = load_tokenizer(sp_model)
    sp = spm.SentencePieceProcessor(model_file=str(sp_model))
    emoji = "\U0001F9A9"  # flamingo: not a piece in any of these vocabs
    assert tok.piece_id(emoji) is None
    byte_ids = [b + 3 for b in emoji.encode()]
    assert byte_ids == [0xF0 + 3, 0x9F + 3, 0xA6 + 3, 0xA9 + 3]
    ids = tok.encode(f"I saw a {emoji} today")
    assert any(ids[i:i + 4] == byte_ids for i in range(len(ids)))
    assert ids == [BOS_ID] + sp.encode(f"I saw a {emoji} today")
    assert [tok.vocab[i] for i in byte_ids] == [b"<0xF0>", b"<0x9F>", b"<0xA6>", b"<0xA9>"]


def test_empty_and_flags(sp_model):
    tok = load_tokenizer(sp_model)
    assert tok.encode("") == [BOS_ID]  # no dummy prefix for empty text
    assert tok.encode("", bos=False) == []
    assert tok.encode("", bos=False, eos=True) == [EOS_ID]
    space = tok.piece_id(" ")
    assert tok.encode(" ", bos=False) in ([tok.piece_id("  ")], [space, space])


def test_encode_is_fast(sp_model):
    tok = load_tokenizer(sp_model)
    text = " ".join(ENGLISH[1:4] * 60)[:10_000]
    t0 = time.perf_counter()
    ids = tok.encode(text)
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, f"encoding 10 kB took {elapsed:.2f} s"
    assert tok.decode(ids) == text


# ------------------------------------------------------------------------------ decode

def test_decode_bos_strips_leading_space(sp_model):
    tok = load_tokenizer(sp_model)
    ids = tok.encode("Once upon a time")
    first = ids[1]
    assert tok.vocab[first].startswith(b" ")
    assert tok.decode_piece(BOS_ID, first) == tok.vocab[first][1:]
    assert tok.decode_piece(first, first) == tok.vocab[first]  # only after BOS
    assert tok.decode(ids) == "Once upon a time"
    assert tok.decode(ids[1:]) == " Once upon a time"
    assert tok.decode(ids[1:], prev_token=BOS_ID) == "Once upon a time"
    assert tok.decode(ids + [EOS_ID]) == "Once upon a time"


def test_decode_byte_tokens(sp_model):
    """<0xXX> pieces are raw bytes; a character split over byte tokens decodes whole."""
    tok = load_tokenizer(sp_model)
    text = "A \U0001F9A9 and \u00e9t\u00e9 \u65e5\u672c."
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert tok.decode_piece(5, 0x41 + 3) == b"A"
    assert tok.decode_piece(5, 0xF0 + 3) == b"\xf0"
    assert tok.decode_piece(5, 3) == b""  # <0x00>: run.c returns the empty C string
    # Decoding piece by piece (without joining bytes first) would mangle the emoji: caught.
    naive = "".join(tok.decode_piece(p, t).decode("utf-8", errors="replace") for p, t in zip([-1] + ids, ids)
                    if t not in (BOS_ID, EOS_ID))
    assert naive != text
    # Invalid UTF-8 comes out as replacement characters, not an exception.
    assert tok.decode([0xFF + 3, 0x41 + 3]) == "\ufffdA"


def test_safe_printable():
    assert safe_printable(b"") == b""
    assert safe_printable(b"a") == b"a"
    assert safe_printable(b" ") == b" " and safe_printable(b"\n") == b"\n" and safe_printable(b"\t") == b"\t"
    assert safe_printable(b"\x01") == b"" and safe_printable(b"\x7f") == b"" and safe_printable(b"\xf0") == b""
    assert safe_printable(b"\xc3\xa9") == b"\xc3\xa9"  # multi-byte pieces print as they are
    assert safe_printable(b" the") == b" the"


def test_decode_rejects_bad_ids(small_model):
    tok = load_tokenizer(small_model)
    with pytest.raises(ModelError, match="out of range"):
        tok.decode([5, tok.vocab_size])
    with pytest.raises(ModelError, match="out of range"):
        tok.decode_piece(1, -1)


# ------------------------------------------------------------------------------ bad files

def _one_line(e: pytest.ExceptionInfo) -> str:
    msg = str(e.value)
    assert "\n" not in msg and msg
    return msg


def test_missing_file(tmp_path):
    with pytest.raises(ModelError) as e:
        load_tokenizer(tmp_path / "nope.bin")
    assert "no such file" in _one_line(e)
    with pytest.raises(ModelError) as e:
        load_tokenizer(tmp_path)
    assert "directory" in _one_line(e)


@pytest.mark.parametrize("content", [
    b"", b"\x00", b"garbage! this is not a tokenizer at all" * 5,
    bytes(random.Random(0).randrange(256) for _ in range(4000)),
    b"\x0a\x05hello\x12\x00",  # protobuf-looking but not a ModelProto
])
def test_garbage_file(tmp_path, content):
    p = tmp_path / "tokenizer.bin"
    p.write_bytes(content)
    with pytest.raises(ModelError) as e:
        load_tokenizer(p)
    _one_line(e)


def test_truncated_bin(small_model, tmp_path):
    data = Tokenizer.from_sentencepiece(small_model).to_bin_bytes()
    for cut in (2, 6, 10, len(data) // 2 + 1, len(data) - 1):
        p = tmp_path / f"cut{cut}.bin"
        p.write_bytes(data[:cut])
        with pytest.raises(ModelError) as e:
            load_tokenizer(p)
        assert "truncated" in _one_line(e) or "too short" in _one_line(e)
    # Cut exactly at a record boundary: only the expected vocab size can tell.
    tok = Tokenizer.from_sentencepiece(small_model)
    short = Tokenizer(tok.vocab[:-1], tok.scores[:-1], tok.max_token_length)
    p = tmp_path / "short.bin"
    short.save_bin(p)
    assert load_tokenizer(p).vocab_size == tok.vocab_size - 1
    with pytest.raises(ModelError) as e:
        load_tokenizer(p, vocab_size=tok.vocab_size)
    assert "vocab_size" in _one_line(e)


def test_corrupt_length_field(small_model, tmp_path):
    data = bytearray(Tokenizer.from_sentencepiece(small_model).to_bin_bytes())
    struct.pack_into("<i", data, 8, 1_000_000)  # first token's length
    p = tmp_path / "corrupt.bin"
    p.write_bytes(bytes(data))
    with pytest.raises(ModelError) as e:
        load_tokenizer(p)
    assert "length" in _one_line(e)
