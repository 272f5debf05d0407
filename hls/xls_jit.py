"""The C-simulation tier: XLS JIT of the exact optimized IR each rtl/gen module came from.

``BlockJit("fp32_exp")`` compiles the optimized IR that ``hls/build.py`` scheduled into
``rtl/gen/fp32_exp.v`` (from ``build/hls-cache``, rebuilt on a miss) and runs it on numpy
arrays, element by element, returning numpy arrays: the values the RTL must produce.

Value conventions (DESIGN.md section 4): fp32 travels as its IEEE bit pattern (``uint32``);
DSLX ``F32`` is the IR tuple ``(bits[1], bits[8], bits[23])`` whose flattening is that
pattern; ``s8[N]`` arrays are ``int8`` numpy rows.

Example::

    jit = BlockJit("fp32_exp")
    out_bits = jit.map_f32(np.array([0x3f800000], dtype=np.uint32))   # -> [0x402df854]
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

HLS_DIR = Path(__file__).resolve().parent


def load_hls_script(name: str):
    """Import ``hls/<name>.py`` (hls/ is not a package) once per process, as ``hls_<name>``."""
    key = f"hls_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, HLS_DIR / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def f32_value(bits: int):
    """IR value of a DSLX F32 from its IEEE bit pattern."""
    from xls import Value

    b = int(bits) & 0xFFFFFFFF
    return Value.make_tuple(
        [Value.make_ubits(1, b >> 31), Value.make_ubits(8, (b >> 23) & 0xFF), Value.make_ubits(23, b & 0x7FFFFF)]
    )


def f32_bits(value) -> int:
    """IEEE bit pattern of an IR F32 tuple value."""
    s, e, f = (value.get_element(i).get_bits().to_uint64() for i in range(3))
    return (s << 31) | (e << 23) | f


def f32_array_value(bits_row) -> object:
    """IR value of a DSLX ``F32[N]`` from N bit patterns."""
    from xls import Value

    return Value.make_array([f32_value(b) for b in bits_row])


def s8_array_value(row) -> object:
    """IR value of a DSLX ``s8[N]`` from N ints."""
    from xls import Value

    return Value.make_array([Value.make_sbits(8, int(v)) for v in row])


def s8_array(value) -> np.ndarray:
    """``int8`` numpy row from an IR ``s8[N]`` value."""
    n = value.get_element_count()
    return np.array([value.get_element(i).get_bits().to_int64() for i in range(n)], dtype=np.int8)


class BlockJit:
    """JIT of one block of ``hls/blocks.toml`` (its optimized IR, as scheduled into RTL).

    Args:
        block: the block name (e.g. ``"fp32_exp"``).
        use_cache: read/write ``build/hls-cache`` (see ``hls/build.py``).
    """

    def __init__(self, block: str, use_cache: bool = True):
        from xls import Package

        build = load_hls_script("build")
        (self.block,) = build.load_blocks(names=[block])
        art = build.build_block(self.block, use_cache)
        # A chain block (hls/build.py "pieces") runs its pieces' IR one after the other, as its
        # RTL does: the C-simulation of what was scheduled, not of the composed top function.
        names = [self.block.ir_name(fn) for fn, _ in self.block.pieces] or [self.block.ir_top]
        jits = {}
        for name in dict.fromkeys(names):
            jits[name] = Package.parse_ir(art.optimized_ir[name]).get_function(name).to_jit()
        self._stages = [jits[name] for name in names]

    def run(self, args: list):
        """Run once on IR values; returns the IR result value."""
        value = self._stages[0].run(args)
        for jit in self._stages[1:]:
            value = jit.run([value])
        return value

    def map_f32(self, *arrays: np.ndarray) -> np.ndarray:
        """Elementwise over same-length ``uint32`` bit-pattern arrays of F32 arguments."""
        cols = [np.asarray(a, dtype=np.uint32).ravel() for a in arrays]
        out = np.empty(len(cols[0]), dtype=np.uint32)
        for i in range(len(out)):
            out[i] = f32_bits(self.run([f32_value(c[i]) for c in cols]))
        return out
