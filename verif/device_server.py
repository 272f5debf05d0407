"""The simulated device: a cocotb test that serves a host program's device calls over a socket.

The host side is :class:`hlstransform.verif.sim_device.SimDevice` (a
:class:`hlstransform.host.device.Device`). It starts the simulator on a top with this module as
the cocotb test module and ``HLST_DEVICE_ADDR=host:port`` in the environment; the test below
connects back and executes one request per line (JSON), answering each with one line:

=================  ===========================================  ================================
request ``op``     fields                                       reply
=================  ===========================================  ================================
``read_reg``       ``offset``                                   ``value`` (AxiLiteMaster read)
``write_reg``      ``offset``, ``value``                        (AxiLiteMaster write)
``dma_write``      ``addr``, ``data`` (base64)                  through ``s_axi_dma`` if the top
                                                                has one, else into the memory
``dma_read``       ``addr``, ``length``                         ``data`` (base64)
``wait_interrupt`` ``timeout_cycles``                           ``raised`` (bool)
``idle``           ``cycles``                                   (the clock runs)
``cycles``                                                      ``cycles`` since reset
``reset``          ``cycles``                                   ``rst`` held high that long
``close``                                                       the test ends
=================  ===========================================  ================================

Every reply has ``ok``; a failed request answers ``ok: false`` and ``error`` (one line) and the
server goes on. Simulated time only advances inside requests, so a run is deterministic
whatever the host does between calls.

Memory: every ``m_axi_*`` master of the top is served by a :class:`~hlstransform.verif.ddr.DdrModel`
with the timing named by ``HLST_DEVICE_DDR`` (``ideal``: no latency; ``honest``: DESIGN.md
section 8's 40 cycles and 85 %, the default). A kernel's masters share one byte-addressed
memory (one device address space); behind a host DMA port (``vu9p_shell``) each master is a
DDR channel with its own memory, reached by the host only through ``s_axi_dma``. A top with no
masters (``vu9p_sim``: the shell with its DDR models in RTL) is served through ``s_axi_dma`` alone.
"""

from __future__ import annotations

import base64
import json
import os
import socket

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles, First, ReadOnly, RisingEdge, Timer
from cocotbext.axi import AxiBus, AxiLiteBus, AxiLiteMaster, AxiMaster, AxiResp
from cocotbext.axi.sparse_memory import SparseMemory

from hlstransform.verif.ddr import HONEST_TIMING, DdrModel
from hlstransform.verif.tb import TbBase

ADDR_ENV = "HLST_DEVICE_ADDR"
DDR_ENV = "HLST_DEVICE_DDR"
DDR_TIMINGS = {"ideal": {}, "honest": HONEST_TIMING}


def master_prefixes(dut) -> list[str]:
    """The ``m_axi_<name>`` prefixes of the top's AXI4 masters (found by their ``_araddr`` or ``_awaddr``)."""
    names = set()
    for handle in dut:
        name = handle._name
        for suffix in ("_araddr", "_awaddr"):
            if name.startswith("m_axi_") and name.endswith(suffix):
                names.add(name[: -len(suffix)])
    return sorted(names)


class DeviceServer:
    """The device side of the socket protocol, on one DUT."""

    def __init__(self, dut) -> None:
        self.dut = dut
        self.tb = TbBase(dut)
        timing = DDR_TIMINGS[os.environ.get(DDR_ENV, "honest")]
        self.dma_port = hasattr(dut, "s_axi_dma_awaddr")
        prefixes = master_prefixes(dut)
        # Behind a host DMA port (the shell) each master is a DDR channel with addresses of its
        # own, so each gets its own memory; a bare kernel's masters share one device address space.
        self.mems = ([SparseMemory(2**48) for _ in prefixes] if self.dma_port
                     else [SparseMemory(2**48)] * len(prefixes))
        self.mem = SparseMemory(2**48) if not prefixes else self.mems[0]
        self.ddr = [DdrModel.from_prefix(dut, p, dut.clk, dut.rst, mem=m, **timing)
                    for p, m in zip(prefixes, self.mems)]
        self.ctrl = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi_control"), dut.clk, dut.rst)
        self.dma = (AxiMaster(AxiBus.from_prefix(dut, "s_axi_dma"), dut.clk, dut.rst)
                    if self.dma_port else None)
        # No log line per register access or DMA burst (a model image is thousands of bursts).
        for master in (self.ctrl, self.dma):
            if master is not None:
                master.write_if.log.setLevel("WARNING")
                master.read_if.log.setLevel("WARNING")

    def now(self) -> int:
        """Clock cycles of simulated time so far."""
        return int(get_sim_time("ns") // self.tb.period_ns)

    async def handle(self, req: dict) -> dict:
        op = req.get("op")
        dut = self.dut
        if op == "read_reg":
            r = await self.ctrl.read(int(req["offset"]), 4)
            if r.resp != AxiResp.OKAY:
                raise RuntimeError(f"s_axi_control read of {int(req['offset']):#x} answered {r.resp!r}")
            return {"value": int.from_bytes(r.data, "little")}
        if op == "write_reg":
            r = await self.ctrl.write(int(req["offset"]), (int(req["value"]) & 0xFFFF_FFFF).to_bytes(4, "little"))
            if r.resp != AxiResp.OKAY:
                raise RuntimeError(f"s_axi_control write of {int(req['offset']):#x} answered {r.resp!r}")
            return {}
        if op == "dma_write":
            data = base64.b64decode(req["data"])
            if self.dma is not None:
                await self.dma.write(int(req["addr"]), data)
            else:
                self.mem[int(req["addr"]): int(req["addr"]) + len(data)] = data
            return {}
        if op == "dma_read":
            addr, length = int(req["addr"]), int(req["length"])
            if self.dma is not None:
                data = (await self.dma.read(addr, length)).data
            else:
                data = bytes(self.mem[addr: addr + length])
            return {"data": base64.b64encode(data).decode()}
        if op == "wait_interrupt":
            # One trigger for the whole wait, not one per cycle: a token is thousands of cycles.
            if not dut.interrupt.value:
                timeout = Timer(max(1, int(req["timeout_cycles"])) * self.tb.period_ns, "ns")
                await First(RisingEdge(dut.interrupt), timeout)
                await ReadOnly()
            raised = bool(dut.interrupt.value)
            await RisingEdge(dut.clk)  # back in step with the clock for the next request
            return {"raised": raised}
        if op == "idle":
            await ClockCycles(dut.clk, max(1, int(req["cycles"])))
            return {}
        if op == "cycles":
            return {"cycles": self.now()}
        if op == "reset":
            await self.tb.cycle_reset(max(1, int(req.get("cycles", 4))))
            return {}
        raise ValueError(f"unknown request {op!r}")


@cocotb.test()
async def run_device_server(dut) -> None:
    """Serve the host program at ``HLST_DEVICE_ADDR`` until it sends ``close``."""
    server = DeviceServer(dut)
    await server.tb.cycle_reset()
    host, port = os.environ[ADDR_ENV].rsplit(":", 1)
    with socket.create_connection((host, int(port))) as sock, sock.makefile("rwb") as stream:
        while True:
            line = stream.readline()  # blocking: no simulated time passes between requests
            if not line:
                raise RuntimeError("the host program closed the connection without 'close'")
            req = json.loads(line)
            if req.get("op") == "close":
                stream.write(b'{"ok": true}\n')
                stream.flush()
                break
            try:
                reply = {"ok": True, **(await server.handle(req))}
            except Exception as exc:  # reported to the host as one line; the server goes on
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            stream.write(json.dumps(reply).encode() + b"\n")
            stream.flush()
    for ddr in server.ddr:
        ddr.check()
