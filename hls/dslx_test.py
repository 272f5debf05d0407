"""Run the ``#[test]`` and ``#[quickcheck]`` functions of DSLX files through XLS from Python.

xls-python (0.1.9934) has no DSLX test runner (no ``interpreter_main``): ``convert_dslx_to_ir``
drops ``#[test]`` functions and ``FunctionJit`` only prints a failed ``assert_eq``. So this
runner

1. blanks the ``#[test]`` / ``#[quickcheck(...)]`` attribute lines (line numbers unchanged) and
   converts the module, which turns each test into an ordinary IR function with an implicit
   token (``__itok__<module>__<test>``);
2. runs each test in the IR *interpreter*, which raises on a failed ``assert_eq``/``assert!``;
3. runs each quickcheck property in the JIT on ``test_count`` seeded random arguments (default
   1000, as XLS), or on every argument for ``exhaustive`` (<= 16 input bits), and requires
   ``true`` every time.

usage: python hls/dslx_test.py [FILE.x ...]   (default: every hls/*.x)
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

HLS_DIR = Path(__file__).resolve().parent

_TEST_RE = re.compile(r"^#\[test\]\s*\n(?:\s*//[^\n]*\n)*\s*fn\s+(\w+)", re.M)
_QC_RE = re.compile(r"^#\[quickcheck(?:\(([^)]*)\))?\]\s*\n(?:\s*//[^\n]*\n)*\s*fn\s+(\w+)", re.M)
_ATTR_RE = re.compile(r"^#\[(?:test|quickcheck(?:\([^)]*\))?)\][ \t]*$", re.M)
MAX_EXHAUSTIVE_BITS = 16


@dataclass(frozen=True)
class Case:
    """One DSLX test or quickcheck property.

    Args:
        kind: ``"test"`` or ``"quickcheck"``.
        name: the DSLX function name.
        count: quickcheck cases to run (``None`` for a test; -1 for exhaustive).
    """

    kind: str
    name: str
    count: int | None = None


@dataclass(frozen=True)
class Result:
    case: Case
    passed: bool
    detail: str
    seconds: float


def discover(text: str) -> list[Case]:
    """The tests and quickchecks of a DSLX source, in file order."""
    found = [(m.start(), Case("test", m.group(1))) for m in _TEST_RE.finditer(text)]
    for m in _QC_RE.finditer(text):
        args = m.group(1) or ""
        if "exhaustive" in args:
            count = -1
        else:
            cm = re.search(r"test_count\s*=\s*(\d+)", args)
            count = int(cm.group(1)) if cm else 1000
        found.append((m.start(), Case("quickcheck", m.group(2), count)))
    return [c for _, c in sorted(found, key=lambda t: t[0])]


def strip_attributes(text: str) -> str:
    """The source with test/quickcheck attribute lines commented out (same line count)."""
    return _ATTR_RE.sub(lambda m: "// " + m.group(0), text)


def convert_for_tests(source: Path) -> str:
    """IR of a DSLX file with its tests and properties kept as ordinary functions."""
    from xls import convert_dslx_to_ir

    return convert_dslx_to_ir(
        strip_attributes(source.read_text()),
        f"hls/{source.name}",
        source.stem,
        additional_search_paths=[str(source.parent)],
    )


# ---------------------------------------------------------------------------------------------
# Random IR values from IR type strings: bits[N], T[N] arrays, (T, ...) tuples
# ---------------------------------------------------------------------------------------------


def _parse_type(s: str):
    s = s.strip()
    m = re.fullmatch(r"(.*)\[(\d+)\]", s)
    if s.startswith("("):
        depth, parts, cur = 0, [], ""
        assert s.endswith(")"), s
        for ch in s[1:-1]:
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
                continue
            depth += ch in "(["
            depth -= ch in ")]"
            cur += ch
        if cur.strip():
            parts.append(cur)
        return ("tuple", [_parse_type(p) for p in parts])
    if s.startswith("bits[") and s.count("[") == 1:
        return ("bits", int(s[5:-1]))
    if m:
        return ("array", _parse_type(m.group(1)), int(m.group(2)))
    raise ValueError(f"unsupported quickcheck parameter type {s!r}")


def _flat_bits(t) -> int:
    if t[0] == "bits":
        return t[1]
    if t[0] == "array":
        return _flat_bits(t[1]) * t[2]
    return sum(_flat_bits(e) for e in t[1])


def _make(t, value: int):
    """An IR Value of type ``t`` from its flattened bit pattern (first element in the MSBs)."""
    from xls import Value

    if t[0] == "bits":
        return Value.make_ubits(t[1], value)
    if t[0] == "array":
        w = _flat_bits(t[1])
        n = t[2]
        return Value.make_array([_make(t[1], (value >> (w * (n - 1 - i))) & ((1 << w) - 1)) for i in range(n)])
    elems, shift, out = t[1], _flat_bits(t), []
    for e in elems:
        shift -= _flat_bits(e)
        out.append(_make(e, (value >> shift) & ((1 << _flat_bits(e)) - 1)))
    return Value.make_tuple(out)


def _arguments(types: list, count: int, seed: int) -> Iterator[list]:
    widths = [_flat_bits(t) for t in types]
    if count < 0:
        total = sum(widths)
        for v in range(1 << total):
            args, shift = [], total
            for t, w in zip(types, widths):
                shift -= w
                args.append(_make(t, (v >> shift) & ((1 << w) - 1)))
            yield args
        return
    rng = random.Random(seed)
    for _ in range(count):
        yield [_make(t, rng.getrandbits(w)) for t, w in zip(types, widths)]


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


def run_case(package, module: str, case: Case) -> Result:
    """Run one test (interpreter) or quickcheck (JIT) from a package made by convert_for_tests."""
    from xls import Value

    start = time.monotonic()
    names = {f.get_name() for f in package.get_functions()}
    if case.kind == "test":
        name = next((n for n in (f"__itok__{module}__{case.name}", f"__{module}__{case.name}") if n in names), None)
        if name is None:
            return Result(case, False, "not found in the IR", 0.0)
        fn = package.get_function(name)
        args = [Value.make_token(), Value.make_true()] if name.startswith("__itok__") else []
        try:
            fn.interpret(args)
        except RuntimeError as e:
            return Result(case, False, str(e).splitlines()[0], time.monotonic() - start)
        return Result(case, True, "passed", time.monotonic() - start)

    # A property that calls code with assertions gets an implicit token: (token, bool, args...)
    # -> (token, bool).
    name = next((n for n in (f"__{module}__{case.name}", f"__itok__{module}__{case.name}") if n in names), None)
    if name is None:
        return Result(case, False, "not found in the IR", 0.0)
    fn = package.get_function(name)
    ftype = fn.get_type()
    itok = name.startswith("__itok__")
    first = 2 if itok else 0
    types = [_parse_type(ftype.get_param_type(i).to_string()) for i in range(first, ftype.get_param_count())]
    if case.count < 0 and sum(_flat_bits(t) for t in types) > MAX_EXHAUSTIVE_BITS:
        return Result(case, False, f"exhaustive over more than {MAX_EXHAUSTIVE_BITS} bits", 0.0)
    jit = fn.to_jit()
    seed = zlib.crc32(f"{module}.{case.name}".encode())
    n = 0
    for args in _arguments(types, case.count, seed):
        n += 1
        out = jit.run([Value.make_token(), Value.make_true(), *args] if itok else args)
        if (out.get_element(1) if itok else out).get_bits().to_uint64() != 1:
            shown = ", ".join(a.to_string() for a in args)
            return Result(case, False, f"false for ({shown}) [seed {seed}, case {n}]", time.monotonic() - start)
    return Result(case, True, f"{n} cases, seed {seed}", time.monotonic() - start)


def run_file(source: Path, log=print) -> list[Result]:
    """Convert one DSLX file and run all its tests and properties."""
    from xls import Package

    cases = discover(source.read_text())
    package = Package.parse_ir(convert_for_tests(source))
    results = []
    for case in cases:
        r = run_case(package, source.stem, case)
        results.append(r)
        if log:
            status = "ok  " if r.passed else "FAIL"
            log(f"{status} {source.name}: {case.kind} {case.name}: {r.detail} ({r.seconds:.1f} s)")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, help="DSLX files (default: hls/*.x)")
    args = parser.parse_args(argv)
    files = args.files or sorted(HLS_DIR.glob("*.x"))
    failed = 0
    total = 0
    for f in files:
        try:
            results = run_file(f)
        except (OSError, RuntimeError) as e:
            print(f"FAIL {f}: {str(e).splitlines()[0]}", file=sys.stderr)
            failed += 1
            continue
        total += len(results)
        failed += sum(not r.passed for r in results)
    print(f"dslx tests: {total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
