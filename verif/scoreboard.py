"""Scoreboards: compare what the DUT produced with what the model expects, in order.

:func:`compare_streams` is the one comparison every testbench uses; it returns the
mismatches rather than raising, so a testbench can also prove it fails on a corrupted
result (DESIGN.md section 9: each scoreboard has a check that a corrupted result is caught).
:class:`InOrderScoreboard` wraps it for streams checked as they arrive (monitor callbacks).

Items are compared with ``==``; sequences of numbers (a frame's beats, a vector of fp32 bit
patterns) also report the first differing position. Give integers, not floats, when the
contract is bit-exact.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_MISSING: Any = object()


@dataclass(frozen=True)
class Mismatch:
    """One disagreement between the expected and the actual stream.

    Attributes:
        index: Position of the item in the stream.
        expected: The expected item (:data:`MISSING` when the DUT produced an extra item).
        actual: The item the DUT produced (:data:`MISSING` when it produced too few).
    """

    index: int
    expected: Any
    actual: Any

    def __str__(self) -> str:
        if self.actual is _MISSING:
            return f"item {self.index}: missing (expected {_short(self.expected)})"
        if self.expected is _MISSING:
            return f"item {self.index}: unexpected extra item {_short(self.actual)}"
        detail = _first_difference(self.expected, self.actual)
        return f"item {self.index}: {detail}expected {_short(self.expected)}, got {_short(self.actual)}"


MISSING: Any = _MISSING
"""Stands for the absent side of a :class:`Mismatch`."""


def _short(item: Any, limit: int = 8) -> str:
    if isinstance(item, (list, tuple, bytes, bytearray)) and len(item) > limit:
        head = ", ".join(_word(v) for v in item[:limit])
        return f"[{head}, ... ({len(item)} items)]"
    if isinstance(item, (list, tuple, bytes, bytearray)):
        return "[" + ", ".join(_word(v) for v in item) + "]"
    return _word(item)


def _word(value: Any) -> str:
    return f"0x{value:x}" if isinstance(value, int) and not isinstance(value, bool) else repr(value)


def _first_difference(expected: Any, actual: Any) -> str:
    if not (isinstance(expected, (list, tuple, bytes, bytearray)) and isinstance(actual, (list, tuple, bytes, bytearray))):
        return ""
    for pos, (exp, act) in enumerate(zip(expected, actual)):
        if exp != act:
            return f"first difference at [{pos}] ({_word(exp)} != {_word(act)}); "
    return f"length {len(actual)} != {len(expected)}; "


def compare_streams(expected: Sequence[Any], actual: Sequence[Any]) -> list[Mismatch]:
    """Compare two streams item by item, in order.

    Args:
        expected: What the model says the DUT should produce.
        actual: What the DUT produced.

    Returns:
        Every mismatch, including missing and extra items; empty when the streams agree.
    """
    mismatches = [
        Mismatch(i, exp, act) for i, (exp, act) in enumerate(zip(expected, actual)) if exp != act
    ]
    mismatches += [Mismatch(i, expected[i], MISSING) for i in range(len(actual), len(expected))]
    mismatches += [Mismatch(i, MISSING, actual[i]) for i in range(len(expected), len(actual))]
    return mismatches


def format_mismatches(mismatches: Sequence[Mismatch], limit: int = 10) -> str:
    """Return a readable report of *mismatches*, at most *limit* lines of detail."""
    lines = [f"{len(mismatches)} mismatches"]
    lines += [f"  {m}" for m in mismatches[:limit]]
    if len(mismatches) > limit:
        lines.append(f"  ... {len(mismatches) - limit} more")
    return "\n".join(lines)


def assert_streams_equal(expected: Sequence[Any], actual: Sequence[Any], what: str = "stream") -> None:
    """Raise :class:`AssertionError` with a mismatch report unless the streams agree."""
    mismatches = compare_streams(expected, actual)
    if mismatches:
        raise AssertionError(f"{what}: {format_mismatches(mismatches)}")


class InOrderScoreboard:
    """Checks a stream as it arrives against expected items queued in order.

    The model side calls :meth:`expect` (e.g. from the source's callback), the monitor side
    :meth:`check` for each item the DUT produced; :meth:`finish` raises if anything disagreed
    or an expected item never came.

    Args:
        name: Label used in log lines and the failure report.
        log: Logger; default ``cocotb.tb.scoreboard.<name>``.
    """

    def __init__(self, name: str, log: logging.Logger | None = None) -> None:
        self.name = name
        self.log = log or logging.getLogger(f"cocotb.tb.scoreboard.{name}")
        self._expected: deque[Any] = deque()
        self.mismatches: list[Mismatch] = []
        self.checked = 0

    def expect(self, item: Any) -> None:
        """Queue the next expected item."""
        self._expected.append(item)

    def expect_all(self, items: Iterable[Any]) -> None:
        """Queue several expected items, in order."""
        self._expected.extend(items)

    @property
    def pending(self) -> int:
        """Expected items not yet matched."""
        return len(self._expected)

    def check(self, actual: Any) -> bool:
        """Compare *actual* with the oldest expected item; return whether they agree."""
        index = self.checked
        self.checked += 1
        expected = self._expected.popleft() if self._expected else MISSING
        if expected != actual:
            mismatch = Mismatch(index, expected, actual)
            self.mismatches.append(mismatch)
            self.log.error("%s: %s", self.name, mismatch)
            return False
        return True

    def finish(self) -> None:
        """Raise :class:`AssertionError` if any item disagreed or is still expected."""
        missing = [Mismatch(self.checked + i, exp, MISSING) for i, exp in enumerate(self._expected)]
        problems = self.mismatches + missing
        if problems:
            raise AssertionError(f"{self.name}: {format_mismatches(problems)}")
        self.log.info("%s: %d items matched", self.name, self.checked)
