"""The host's device layer on simulated RTL: ``host/device.py`` (Device, KernelDriver) through
``verif/sim_device.py`` (SimDevice) and ``verif/device_server.py``, on the residual kernel.

This is the host-program-to-RTL path every hardware backend uses (the forward kernel's system
test runs the same code on the shell): plain synchronous host code, no cocotb in sight.

What is checked: results through DMA equal the numerics model bit for bit (interrupt-driven
and polled completion, back-to-back runs, honest DDR timing); a bad argument comes back as a
one-line DeviceError naming the STATUS bit, with memory untouched; unknown or missing
arguments are refused before anything is written; a reset during a run is followed by a clean
run; KERNEL_ID reads the regmap id; and the comparison itself rejects a wrong result.
"""

from __future__ import annotations

import numpy as np
import pytest

from hlstransform.host.device import DeviceError, KernelDriver
from hlstransform.host.regmap import load_regmap
from hlstransform.model import numerics as nm
from hlstransform.verif.sim_device import SimDevice

PARAMS = {"MAX_N": 2048}
X, Y, OUT = 0x1000_0000, 0x1000_4000, 0x2000_0000


def _vec(rng: np.random.Generator, n: int) -> np.ndarray:
    return (rng.standard_t(4, n) * 3).astype(np.float32)


@pytest.fixture(scope="module")
def device():
    with SimDevice("residual", PARAMS, ddr="honest") as dev:
        yield dev


def _run(dev, drv: KernelDriver, rng, n: int, out: int = OUT) -> tuple[np.ndarray, np.ndarray]:
    x, y = _vec(rng, n), _vec(rng, n)
    dev.dma_write(X, x.tobytes())
    dev.dma_write(Y, y.tobytes())
    drv.run(timeout_cycles=200_000, x=X, y=Y, out=out, n=n)
    got = np.frombuffer(dev.dma_read(out, 4 * n), np.uint32)
    return got, nm.as_bits(nm.residual(x, y))


def test_runs_through_the_device_layer(device):
    rng = np.random.default_rng(7)
    drv = KernelDriver(device, "residual")
    assert drv.kernel_id() == load_regmap().kernel("residual").id
    drv.enable_interrupt(True)
    for n in (16, 48, 1040):
        got, want = _run(device, drv, rng, n)
        assert (got == want).all(), f"n={n}: {np.count_nonzero(got != want)} wrong results"
        bad = got.copy()
        bad[n // 2] ^= 1
        assert not (bad == want).all()   # the comparison can fail
    drv.enable_interrupt(False)          # polled completion, back to back
    for n in (32, 2048):
        got, want = _run(device, drv, rng, n)
        assert (got == want).all()


def test_errors_are_one_line_and_leave_memory_alone(device):
    drv = KernelDriver(device, "residual")
    sentinel = bytes([0xA5]) * 256
    device.dma_write(OUT, sentinel)
    with pytest.raises(DeviceError, match=r"^residual: run failed: STATUS CONFIG_ERROR$"):
        drv.run(timeout_cycles=10_000, x=X, y=Y, out=OUT, n=24)   # not a multiple of 16
    assert device.dma_read(OUT, 256) == sentinel
    with pytest.raises(DeviceError, match="missing arguments"):
        drv.run(timeout_cycles=10_000, x=X, y=Y, out=OUT)
    with pytest.raises(DeviceError, match="unknown arguments"):
        drv.run(timeout_cycles=10_000, x=X, y=Y, out=OUT, n=16, m=1)
    with pytest.raises(DeviceError, match="does not fit"):
        drv.run(timeout_cycles=10_000, x=X, y=Y, out=OUT, n=2**32)
    # a run that is never started never completes: a timeout, not a hang
    with pytest.raises(DeviceError, match="not done within 500 cycles"):
        drv.wait(timeout_cycles=500)


def test_reset_mid_run_then_clean_run(device):
    rng = np.random.default_rng(8)
    drv = KernelDriver(device, "residual")
    x = _vec(rng, 2048)
    device.dma_write(X, x.tobytes())
    device.dma_write(Y, x.tobytes())
    drv.start({"x": X, "y": Y, "out": OUT, "n": 2048})
    device.idle(200)
    device.reset()
    got, want = _run(device, drv, rng, 256)
    assert (got == want).all()
