"""llama2.c-compatible tokenizer: ``tokenizer.bin`` and sentencepiece ``tokenizer.model``.

The vocabulary is what llama2.c's ``tokenizer.py`` exports from a sentencepiece model: every
piece with U+2581 ('▁') replaced by a space, byte tokens kept as their ``<0xXX>`` text, BOS
written as ``"\\n<s>\\n"`` and EOS as ``"\\n</s>\\n"``, each with its fp32 score. ``tokenizer.bin``
is that list on disk: int32 ``max_token_length``, then per token float32 score, int32 byte
length, the bytes (all little-endian). The file holds no token count: a reader takes records
until the end of the file, so pass the model's ``vocab_size`` to ``load_tokenizer`` to catch a
file cut at a record boundary.

``Tokenizer.encode`` reproduces run.c ``encode()`` token for token:

1. BOS (id 1) when asked; then, for non-empty text, the dummy-prefix token ``" "``.
2. The UTF-8 bytes split into code points (a start byte plus up to three continuation bytes);
   each is looked up as a vocab string, and a code point not in the vocab becomes one
   byte-fallback token per byte, id ``byte + 3`` (the ``<0xXX>`` pieces).
3. Repeatedly merge the adjacent pair whose concatenated string is a vocab entry with the
   highest score (strictly greater than -1e10); on equal scores the leftmost pair wins, as
   run.c's left-to-right scan with ``>`` does. The BOS token takes part in the scan, as in run.c.
4. EOS (id 2) when asked.

run.c rescans the whole list for every merge (quadratic); here a heap over a linked list picks
the same pair each step (ties broken by position, which survivors keep in order), so a 10 kB
text encodes in milliseconds.

Where run.c's behaviour is undefined we choose, and say so: a vocab string that appears twice
maps to the lower id (run.c's bsearch may return either); text containing NUL is encoded whole
(a C string would end there); a vocab with no ``" "`` piece gets the dummy prefix by byte
fallback (run.c would emit id -1); a byte fallback on a vocab without the 256 ``<0xXX>``
tokens at ids 3..258 is a ``ModelError`` (run.c would emit wrong ids).

``decode_piece`` is run.c ``decode()``: after BOS a leading space is dropped, and a piece
starting ``<0x`` plus one or two hex digits (what ``sscanf("<0x%02hhX>")`` accepts) is that raw
byte — ``<0x00>`` is the empty string, as the C string it points at is. ``safe_printable`` is
run.c ``safe_printf``: a lone byte that is neither printable ASCII nor whitespace prints nothing.
"""

from __future__ import annotations

import heapq
import os
import re
import struct
from typing import Iterable, Sequence

from .errors import ModelError

BOS_ID = 1
EOS_ID = 2
#: Byte ``b`` falls back to token ``b + BYTE_OFFSET`` (after <unk>, <s>, </s>).
BYTE_OFFSET = 3
#: Pieces llama2.c's tokenizer.py writes for the control tokens.
BOS_PIECE = b"\n<s>\n"
EOS_PIECE = b"\n</s>\n"
#: run.c starts its best-score search here: a merge must score strictly above it.
MIN_MERGE_SCORE = -1e10
#: Sanity bound on tokenizer.bin's max_token_length (Llama 2's is 27).
MAX_TOKEN_LENGTH_LIMIT = 1 << 16

_HEADER = struct.Struct("<i")
_RECORD = struct.Struct("<fi")
_BYTE_PIECE = re.compile(rb"<0x([0-9A-Fa-f]{1,2})")
_SP_SPACE = "\u2581"


class Tokenizer:
    """A llama2.c vocabulary with run.c's encoder and decoder.

    Args:
        vocab: token strings as bytes, indexed by id.
        scores: one float32 score per token (merge priority).
        max_token_length: the header value of tokenizer.bin; computed when None.

    Attributes:
        vocab, scores, max_token_length: as given.
        bos_id, eos_id: 1 and 2 (run.c hard-codes them).
    """

    bos_id = BOS_ID
    eos_id = EOS_ID

    def __init__(self, vocab: Sequence[bytes], scores: Sequence[float], max_token_length: int | None = None):
        if len(vocab) != len(scores):
            raise ValueError(f"{len(vocab)} tokens but {len(scores)} scores")
        if len(vocab) <= EOS_ID:
            raise ModelError(f"tokenizer has {len(vocab)} tokens; llama2.c needs at least <unk>, BOS, EOS")
        self.vocab: list[bytes] = [bytes(v) for v in vocab]
        # Round to float32, as the file stores them and run.c compares them.
        self.scores: list[float] = [struct.unpack("<f", struct.pack("<f", s))[0] for s in scores]
        longest = max(len(v) for v in self.vocab)
        self.max_token_length = longest if max_token_length is None else int(max_token_length)
        self._ids: dict[bytes, int] = {}
        for i, piece in enumerate(self.vocab):
            self._ids.setdefault(piece, i)  # duplicates: lowest id (run.c's bsearch picks any)
        self._byte_fallback = len(self.vocab) >= BYTE_OFFSET + 256 and all(
            self.vocab[BYTE_OFFSET + b] == b"<0x%02X>" % b for b in range(256))
        # Code point (bytes) -> token ids, cached per tokenizer.
        self._char_cache: dict[bytes, tuple[int, ...]] = {}

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_bin(cls, path: str | os.PathLike, vocab_size: int | None = None) -> "Tokenizer":
        """Read a llama2.c ``tokenizer.bin``; ``vocab_size`` (if given) must equal the token count."""
        return cls._parse_bin(_read_file(path), os.fspath(path), vocab_size)

    @classmethod
    def from_sentencepiece(cls, path: str | os.PathLike) -> "Tokenizer":
        """Convert a sentencepiece model as llama2.c's ``tokenizer.py export`` does."""
        return cls._parse_sentencepiece(_read_file(path), os.fspath(path))

    @classmethod
    def _parse_bin(cls, buf: bytes, path: str, vocab_size: int | None = None) -> "Tokenizer":
        if len(buf) < _HEADER.size:
            raise ModelError(f"{path}: file is too short to be a tokenizer ({len(buf)} bytes)")
        (max_len,) = _HEADER.unpack_from(buf, 0)
        if not 0 < max_len <= MAX_TOKEN_LENGTH_LIMIT:
            raise ModelError(f"{path}: not a llama2.c tokenizer.bin (max_token_length {max_len})")
        vocab: list[bytes] = []
        scores: list[float] = []
        off = _HEADER.size
        while off < len(buf):
            if off + _RECORD.size > len(buf):
                raise ModelError(f"{path}: file is truncated inside token {len(vocab)}")
            score, n = _RECORD.unpack_from(buf, off)
            off += _RECORD.size
            if not 0 <= n <= max_len:
                raise ModelError(f"{path}: corrupt tokenizer.bin: token {len(vocab)} has length {n} "
                                 f"(max_token_length is {max_len})")
            if off + n > len(buf):
                raise ModelError(f"{path}: file is truncated inside token {len(vocab)}")
            vocab.append(buf[off:off + n])
            scores.append(score)
            off += n
        if len(vocab) <= EOS_ID:
            raise ModelError(f"{path}: tokenizer.bin holds only {len(vocab)} tokens")
        _check_count(path, len(vocab), vocab_size)
        return cls(vocab, scores, max_len)

    @classmethod
    def _parse_sentencepiece(cls, buf: bytes, path: str, vocab_size: int | None = None) -> "Tokenizer":
        import sentencepiece as spm  # imported here: reading tokenizer.bin needs no sentencepiece

        sp = spm.SentencePieceProcessor()
        try:
            sp.LoadFromSerializedProto(buf)
        except Exception:  # sentencepiece raises RuntimeError / OSError variants
            raise ModelError(f"{path}: not a tokenizer file (neither a llama2.c tokenizer.bin "
                             "nor a sentencepiece model)") from None
        n = sp.vocab_size()
        if n <= EOS_ID:
            raise ModelError(f"{path}: sentencepiece model has only {n} pieces")
        if (sp.bos_id(), sp.eos_id()) != (BOS_ID, EOS_ID):
            raise ModelError(f"{path}: sentencepiece model has BOS={sp.bos_id()}, EOS={sp.eos_id()}; "
                             f"llama2.c needs BOS={BOS_ID}, EOS={EOS_ID}")
        vocab, scores = [], []
        for i in range(n):
            if i == BOS_ID:
                piece = BOS_PIECE
            elif i == EOS_ID:
                piece = EOS_PIECE
            else:
                piece = sp.id_to_piece(i).replace(_SP_SPACE, " ").encode("utf-8")
            vocab.append(piece)
            scores.append(sp.get_score(i))
        _check_count(path, n, vocab_size)
        return cls(vocab, scores)

    # ------------------------------------------------------------------ writing

    def to_bin_bytes(self) -> bytes:
        """The ``tokenizer.bin`` image (llama2.c tokenizer.py's layout, little-endian)."""
        parts = [_HEADER.pack(self.max_token_length)]
        for piece, score in zip(self.vocab, self.scores):
            parts.append(_RECORD.pack(score, len(piece)))
            parts.append(piece)
        return b"".join(parts)

    def save_bin(self, path: str | os.PathLike) -> None:
        """Write ``tokenizer.bin``."""
        try:
            with open(path, "wb") as f:
                f.write(self.to_bin_bytes())
        except OSError as e:
            raise ModelError(f"{os.fspath(path)}: cannot write: {e.strerror}") from None

    # ------------------------------------------------------------------ properties

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def piece_id(self, piece: bytes | str) -> int | None:
        """Id of a vocab string (bytes, or str encoded as UTF-8), or None."""
        if isinstance(piece, str):
            piece = piece.encode("utf-8")
        return self._ids.get(piece)

    def __len__(self) -> int:
        return len(self.vocab)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tokenizer):
            return NotImplemented
        return (self.vocab, self.scores, self.max_token_length) == (other.vocab, other.scores, other.max_token_length)

    def __repr__(self) -> str:
        return f"Tokenizer(vocab_size={self.vocab_size}, max_token_length={self.max_token_length})"

    # ------------------------------------------------------------------ encode

    def _char_tokens(self, char: bytes) -> tuple[int, ...]:
        """run.c's per-code-point step: the vocab id, else one byte-fallback id per byte."""
        ids = self._char_cache.get(char)
        if ids is None:
            tid = self._ids.get(char)
            if tid is not None:
                ids = (tid,)
            elif self._byte_fallback:
                ids = tuple(b + BYTE_OFFSET for b in char)
            else:
                raise ModelError(f"cannot encode {char!r}: it is not in the vocabulary and the tokenizer "
                                 f"has no byte-fallback tokens <0x00>..<0xFF> at ids {BYTE_OFFSET}..{BYTE_OFFSET + 255}")
            self._char_cache[char] = ids
        return ids

    def encode(self, text: str | bytes, bos: bool = True, eos: bool = False) -> list[int]:
        """Token ids of ``text`` exactly as llama2.c run.c ``encode()`` gives them.

        Args:
            text: a str (encoded as UTF-8) or raw bytes (split into code points as run.c does,
                invalid UTF-8 included).
            bos: start with BOS (id 1).
            eos: end with EOS (id 2).
        """
        if isinstance(text, str):
            try:
                data = text.encode("utf-8")
            except UnicodeEncodeError as e:
                raise ModelError(f"cannot encode text: {e.reason} at character {e.start}") from None
        else:
            data = bytes(text)
        tokens: list[int] = [BOS_ID] if bos else []
        if data:
            tokens.extend(self._char_tokens(b" "))  # add_dummy_prefix
        n = len(data)
        i = 0
        while i < n:
            # A code point: this byte plus following continuation bytes, at most 4 bytes in all.
            j = i + 1
            while j < n and (data[j] & 0xC0) == 0x80 and j - i < 4:
                j += 1
            tokens.extend(self._char_tokens(data[i:j]))
            i = j
        tokens = self._merge(tokens)
        if eos:
            tokens.append(EOS_ID)
        return tokens

    def _merge(self, tokens: list[int]) -> list[int]:
        """run.c's merge loop: best-scoring adjacent pair first, leftmost on ties, until none merges."""
        n = len(tokens)
        if n < 2:
            return tokens
        vocab, scores, ids = self.vocab, self.scores, self._ids
        toks = list(tokens)
        nxt = list(range(1, n + 1))
        nxt[-1] = -1
        prv = list(range(-1, n - 1))
        ver = [0] * n  # bumped whenever a node's token or existence changes: stale heap entries

        def pair(i: int) -> tuple[float, int, int, int, int, int] | None:
            """Heap entry for merging node i with its successor, or None if they cannot merge."""
            j = nxt[i]
            if j < 0:
                return None
            mid = ids.get(vocab[toks[i]] + vocab[toks[j]])
            if mid is None or not scores[mid] > MIN_MERGE_SCORE:  # '>' also rejects NaN, as in run.c
                return None
            return (-scores[mid], i, ver[i], j, ver[j], mid)

        heap = [e for e in map(pair, range(n - 1)) if e is not None]
        heapq.heapify(heap)

        while heap:
            _, i, vi, j, vj, mid = heapq.heappop(heap)
            if ver[i] != vi or ver[j] != vj:
                continue
            # Merge node j into node i; node indices keep list order, so "smallest i" is "leftmost".
            toks[i] = mid
            ver[i] += 1
            ver[j] += 1
            k = nxt[j]
            nxt[i] = k
            if k >= 0:
                prv[k] = i
            for e in (pair(prv[i]) if prv[i] >= 0 else None, pair(i)):
                if e is not None:
                    heapq.heappush(heap, e)
        out = []
        i = 0
        while i >= 0:
            out.append(toks[i])
            i = nxt[i]
        return out

    # ------------------------------------------------------------------ decode

    def _check_id(self, token: int) -> None:
        if not 0 <= token < len(self.vocab):
            raise ModelError(f"token id {token} is out of range for a vocabulary of {len(self.vocab)}")

    def decode_piece(self, prev_token: int, token: int) -> bytes:
        """The bytes run.c ``decode(prev_token, token)`` returns.

        After BOS a leading space is stripped (sentencepiece's dummy prefix); a ``<0xXX>`` piece is
        the raw byte (``<0x00>`` gives b"", the C string run.c would return).
        """
        self._check_id(token)
        piece = self.vocab[token]
        if prev_token == BOS_ID and piece[:1] == b" ":
            piece = piece[1:]
        m = _BYTE_PIECE.match(piece)
        if m:
            value = int(m.group(1), 16)
            piece = bytes([value]) if value else b""
        return piece

    def decode_bytes(self, ids: Iterable[int], prev_token: int | None = None) -> bytes:
        """Concatenated ``decode_piece`` bytes of ``ids`` (BOS and EOS give no text).

        Args:
            ids: token ids.
            prev_token: the token before ``ids[0]`` (for the after-BOS rule), if any.
        """
        out = []
        prev = -1 if prev_token is None else prev_token
        for token in ids:
            token = int(token)
            if token in (BOS_ID, EOS_ID):
                self._check_id(token)
            else:
                out.append(self.decode_piece(prev, token))
            prev = token
        return b"".join(out)

    def decode(self, ids: Iterable[int], prev_token: int | None = None) -> str:
        """Text of ``ids``: bytes joined first (so characters split over byte tokens survive),
        then UTF-8 decoded with errors='replace'."""
        return self.decode_bytes(ids, prev_token).decode("utf-8", errors="replace")


def safe_printable(piece: bytes) -> bytes:
    """What run.c ``safe_printf`` would print: nothing for an empty piece or a lone byte that is
    neither printable ASCII (0x20..0x7e) nor whitespace (\\t \\n \\v \\f \\r); else the piece."""
    if not piece:
        return b""
    if len(piece) == 1:
        b = piece[0]
        if not (0x20 <= b <= 0x7E or 0x09 <= b <= 0x0D):
            return b""
    return piece


def _read_file(path: str | os.PathLike) -> bytes:
    p = os.fspath(path)
    try:
        with open(p, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise ModelError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ModelError(f"{p}: is a directory, not a tokenizer file") from None
    except OSError as e:
        raise ModelError(f"{p}: cannot read: {e.strerror}") from None


def _check_count(path: str, count: int, vocab_size: int | None) -> None:
    if vocab_size is not None and count != vocab_size:
        raise ModelError(f"{path}: tokenizer has {count} tokens but the model's vocab_size is {vocab_size}")


def _looks_like_bin(buf: bytes) -> bool:
    """tokenizer.bin opens with a small positive int32; a sentencepiece ModelProto opens with
    0x0a <len> 0x0a <len>, which read as an int32 is far above any max_token_length."""
    if len(buf) < _HEADER.size:
        return len(buf) > 0 and buf[0] != 0x0A
    (value,) = _HEADER.unpack_from(buf, 0)
    return 0 < value <= MAX_TOKEN_LENGTH_LIMIT


def load_tokenizer(path: str | os.PathLike, vocab_size: int | None = None) -> Tokenizer:
    """Load ``tokenizer.bin`` or a sentencepiece ``tokenizer.model`` (told apart by content).

    Args:
        path: the file.
        vocab_size: when given, the token count must equal it (the model's vocab_size).

    Raises:
        ModelError: one line for a missing, unreadable, garbage or truncated file.
    """
    p = os.fspath(path)
    buf = _read_file(p)
    if not buf:
        raise ModelError(f"{p}: file is empty, not a tokenizer")
    if _looks_like_bin(buf):
        return Tokenizer._parse_bin(buf, p, vocab_size)
    return Tokenizer._parse_sentencepiece(buf, p, vocab_size)


def export_sentencepiece(model_path: str | os.PathLike, bin_path: str | os.PathLike) -> Tokenizer:
    """Convert a sentencepiece model to llama2.c ``tokenizer.bin`` (llama2.c tokenizer.py export)."""
    tok = Tokenizer.from_sentencepiece(model_path)
    tok.save_bin(bin_path)
    return tok
