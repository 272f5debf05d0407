"""``SimDevice``: the RTL under Verilator as a :class:`hlstransform.host.device.Device`.

The host program stays synchronous and knows nothing of cocotb: ``SimDevice(top)`` opens a
local socket, starts the simulation of *top* in a background thread (the same build as the
testbenches: :func:`hlstransform.verif.runner.run_cocotb`, cached per RTL source and
parameters) with :mod:`hlstransform.verif.device_server` as its test, and turns each Device
call into one request to it. Closing the device ends the simulation and checks that every
DDR channel model saw only legal bursts.

Example::

    with SimDevice("residual", ddr="ideal") as dev:
        drv = KernelDriver(dev, "residual")
        ...
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from hlstransform.host.device import Device, DeviceError
from hlstransform.verif import device_server
from hlstransform.verif.runner import build_dir_for, coverage_from_env, run_cocotb, waves_from_env

CONNECT_TIMEOUT_S = 1800.0
"""How long to wait for the simulator to connect (a cold Verilator build of a big top is slow)."""


BACKDOOR_CHANNELS = "abcd"
"""The simulated card's DDR channels, as its backdoor plusargs name them (``+ddr_<c>_image=``)."""
CHANNEL_SHIFT = 34
"""Device address bits [35:34] select the channel (the shell's decode, host/image.py CHANNEL_SHIFT)."""
ROW_BYTES = 64


def write_backdoor_images(regions: Iterable[tuple[int, bytes]], folder: Path) -> list[str]:
    """Write *regions* (device address, bytes) as rtl/sim/axi_ddr_model.sv backdoor images, one
    file per channel in *folder*; return the plusargs that load them (``+ddr_<c>_image=FILE``).

    Record format (the model's): row index and row count as 8-byte big-endian words, then the
    rows, each 64 bytes with its most significant byte (byte 63 of the row) first, which is how
    ``$fread`` fills a 512-bit variable.

    Raises:
        DeviceError: a region not starting on a 64-byte row or outside the four channels.
    """
    files: dict[int, object] = {}
    try:
        for addr, data in regions:
            channel, local = addr >> CHANNEL_SHIFT, addr & ((1 << CHANNEL_SHIFT) - 1)
            if addr % ROW_BYTES or not 0 <= channel < len(BACKDOOR_CHANNELS):
                raise DeviceError(f"backdoor region at {addr:#x} is not a 64-byte aligned address of channels A..D")
            if not data:
                continue
            rows = -(-len(data) // ROW_BYTES)
            block = np.zeros(rows * ROW_BYTES, np.uint8)
            block[: len(data)] = np.frombuffer(bytes(data), np.uint8)
            if channel not in files:
                files[channel] = open(folder / f"ddr_{BACKDOOR_CHANNELS[channel]}.img", "wb")
            f = files[channel]
            f.write(np.array([local // ROW_BYTES, rows], ">u8").tobytes())
            f.write(block.reshape(rows, ROW_BYTES)[:, ::-1].tobytes())
    finally:
        for f in files.values():
            f.close()
    return [f"+ddr_{BACKDOOR_CHANNELS[ch]}_image={folder / f'ddr_{BACKDOOR_CHANNELS[ch]}.img'}" for ch in sorted(files)]


def _one_line(exc: BaseException | None) -> str:
    """An exception as one line: its type and the first line of its message."""
    if exc is None:
        return ""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class SimDevice(Device):
    """A Verilated top serving device calls.

    Args:
        top: a registered top (``hlstransform.verif.sources``) with ``s_axi_control``,
            ``interrupt`` and ``m_axi_*`` masters (and optionally ``s_axi_dma``).
        parameters: RTL parameters of the build.
        ddr: memory timing, ``"honest"`` (40 cycles, 85 %) or ``"ideal"``.
        seed: cocotb seed (Verilator's initial register values).
        preload: ``(device address, bytes)`` regions placed in the DDR models before the
            simulation starts (the backdoor of rtl/sim/axi_ddr_model.sv: tops built on it, such
            as ``vu9p_sim``, only): a whole model image without a DMA through the testbench.
        optimized: simulate on the optimized build of *top* (``run_cocotb(optimized=True)``).
    """

    name = "sim"

    def __init__(self, top: str, parameters: Mapping[str, object] | None = None, ddr: str = "honest",
                 seed: int | None = None, connect_timeout_s: float = CONNECT_TIMEOUT_S,
                 preload: Iterable[tuple[int, bytes]] | None = None, optimized: bool = False) -> None:
        if ddr not in device_server.DDR_TIMINGS:
            raise DeviceError(f"unknown DDR timing {ddr!r} (use {' or '.join(device_server.DDR_TIMINGS)})")
        self.top = top
        # Where the simulator's own output goes (build.log, sim.log): named in every failure.
        self.log_dir = build_dir_for(top, dict(parameters or {}), device_server.__name__, waves_from_env(),
                                     coverage_from_env(), optimized)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(1.0)  # poll: a failed build must not leave accept() waiting
        port = self._listener.getsockname()[1]
        self._error: BaseException | None = None
        env = {device_server.ADDR_ENV: f"127.0.0.1:{port}", device_server.DDR_ENV: ddr}
        self._preload_dir: Path | None = None
        plusargs: list[str] = []
        if preload is not None:
            self._preload_dir = Path(tempfile.mkdtemp(prefix="hlst-backdoor-"))
            plusargs = write_backdoor_images(preload, self._preload_dir)

        def simulate() -> None:
            try:
                run_cocotb(top, device_server.__name__, parameters, seed=seed, extra_env=env,
                           extra_plusargs=plusargs, testcase="run_device_server", log_files=True,
                           optimized=optimized)
            except BaseException as exc:  # noqa: BLE001 - reported by the host calls
                self._error = exc

        self._thread = threading.Thread(target=simulate, name=f"sim-{top}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + connect_timeout_s
        try:
            while True:
                try:
                    conn, _ = self._listener.accept()
                    break
                except TimeoutError:
                    if not self._thread.is_alive():
                        raise DeviceError(f"simulation of {top} did not come up: "
                                          f"{_one_line(self._error) or 'it ended before connecting'} "
                                          f"(logs in {self.log_dir})") from None
                    if time.monotonic() > deadline:
                        raise DeviceError(f"simulation of {top} did not connect within {connect_timeout_s:.0f} s") from None
        except BaseException:
            self._remove_preload()
            raise
        finally:
            self._listener.close()
        conn.settimeout(None)
        self._remove_preload()  # read at time 0, before the test connected
        self._sock = conn
        self._stream = conn.makefile("rwb")
        self._closed = False

    def _call(self, op: str, **fields: object) -> dict:
        if self._closed:
            raise DeviceError("the simulated device is closed")
        try:
            self._stream.write(json.dumps({"op": op, **fields}).encode() + b"\n")
            self._stream.flush()
            line = self._stream.readline()
        except OSError as exc:
            raise DeviceError(f"simulation of {self.top} went away: {exc}") from None
        if not line:
            self._thread.join(timeout=30)
            raise DeviceError(f"simulation of {self.top} ended: {_one_line(self._error) or 'no reply'} "
                              f"(logs in {self.log_dir})")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise DeviceError(f"{op}: {reply.get('error', 'failed')}")
        return reply

    def read_reg(self, offset: int) -> int:
        return int(self._call("read_reg", offset=offset)["value"])

    def write_reg(self, offset: int, value: int) -> None:
        self._call("write_reg", offset=offset, value=value)

    def dma_write(self, addr: int, data: bytes) -> None:
        self._call("dma_write", addr=addr, data=base64.b64encode(bytes(data)).decode())

    def dma_read(self, addr: int, length: int) -> bytes:
        return base64.b64decode(self._call("dma_read", addr=addr, length=length)["data"])

    def wait_interrupt(self, timeout_cycles: int) -> bool:
        return bool(self._call("wait_interrupt", timeout_cycles=timeout_cycles)["raised"])

    def idle(self, cycles: int) -> None:
        self._call("idle", cycles=cycles)

    def cycles(self) -> int:
        return int(self._call("cycles")["cycles"])

    def reset(self, cycles: int = 4) -> None:
        """Hold the top's reset for *cycles* cycles (a run in flight is abandoned)."""
        self._call("reset", cycles=cycles)

    def _remove_preload(self) -> None:
        if self._preload_dir is not None:
            shutil.rmtree(self._preload_dir, ignore_errors=True)
            self._preload_dir = None

    def close(self) -> None:
        """End the simulation; raise :class:`DeviceError` if it failed (e.g. an illegal burst)."""
        if self._closed:
            return
        try:
            self._call("close")
        finally:
            self._closed = True
            self._stream.close()
            self._sock.close()
            self._thread.join()
            self._remove_preload()
        if self._error is not None:
            raise DeviceError(f"simulation of {self.top} failed: {_one_line(self._error)} (logs in {self.log_dir})")
