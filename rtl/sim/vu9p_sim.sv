// SPDX-License-Identifier: Apache-2.0

/*
 * The simulated card: vu9p_shell with an axi_ddr_model on each of its four DDR ports
 *
 * What the host runner's sim backend talks to (hlstransform.verif.sim_device.SimDevice):
 * only the shell's host-facing ports (AXI4-Lite control, host DMA, interrupt) leave this top,
 * so the memory traffic of a whole token is simulated in C++ and Python only pays for the
 * host's own register and DMA calls. Default timing: DESIGN.md section 8's honest channel
 * (40 cycles of latency, 85 % of peak beats); READ_LATENCY = WRITE_LATENCY = 0 and
 * BEAT_NUM = BEAT_DEN = 1 give an ideal memory.
 *
 * Plusargs +ddr_a_image=FILE .. +ddr_d_image=FILE preload the channels' memories at time 0
 * (axi_ddr_model's backdoor load; channel-local rows): how the benchmark starts with a whole
 * model image in place.
 */

`default_nettype none

// The DDR port P of the shell, bound to the model instance ddr_P_inst.
`define VU9P_SIM_DDR(P) \
    wire [DDR_ID_WIDTH-1:0] ddr``P``_awid, ddr``P``_bid, ddr``P``_arid, ddr``P``_rid; \
    wire [33:0] ddr``P``_awaddr, ddr``P``_araddr; \
    wire [7:0] ddr``P``_awlen, ddr``P``_arlen; \
    wire [2:0] ddr``P``_awsize, ddr``P``_arsize, ddr``P``_awprot, ddr``P``_arprot; \
    wire [1:0] ddr``P``_awburst, ddr``P``_arburst, ddr``P``_bresp, ddr``P``_rresp; \
    wire [3:0] ddr``P``_awcache, ddr``P``_arcache, ddr``P``_awqos, ddr``P``_arqos, ddr``P``_awregion, ddr``P``_arregion; \
    wire ddr``P``_awlock, ddr``P``_arlock, ddr``P``_awvalid, ddr``P``_awready, ddr``P``_wlast, ddr``P``_wvalid; \
    wire ddr``P``_wready, ddr``P``_bvalid, ddr``P``_bready, ddr``P``_arvalid, ddr``P``_arready; \
    wire ddr``P``_rlast, ddr``P``_rvalid, ddr``P``_rready; \
    wire [511:0] ddr``P``_wdata, ddr``P``_rdata; \
    wire [63:0] ddr``P``_wstrb; \
    axi_ddr_model #( \
        .DATA_WIDTH(512), .ADDR_WIDTH(34), .ID_WIDTH(DDR_ID_WIDTH), \
        .READ_LATENCY(READ_LATENCY), .WRITE_LATENCY(WRITE_LATENCY), \
        .BEAT_NUM(BEAT_NUM), .BEAT_DEN(BEAT_DEN), .IMAGE_PLUSARG(`"ddr_``P``_image=%s`") \
    ) ddr_``P``_inst ( \
        .clk(clk), .rst(rst), \
        .s_axi_awid(ddr``P``_awid), .s_axi_awaddr(ddr``P``_awaddr), .s_axi_awlen(ddr``P``_awlen), \
        .s_axi_awsize(ddr``P``_awsize), .s_axi_awburst(ddr``P``_awburst), .s_axi_awlock(ddr``P``_awlock), \
        .s_axi_awcache(ddr``P``_awcache), .s_axi_awprot(ddr``P``_awprot), .s_axi_awqos(ddr``P``_awqos), \
        .s_axi_awregion(ddr``P``_awregion), .s_axi_awvalid(ddr``P``_awvalid), .s_axi_awready(ddr``P``_awready), \
        .s_axi_wdata(ddr``P``_wdata), .s_axi_wstrb(ddr``P``_wstrb), .s_axi_wlast(ddr``P``_wlast), \
        .s_axi_wvalid(ddr``P``_wvalid), .s_axi_wready(ddr``P``_wready), \
        .s_axi_bid(ddr``P``_bid), .s_axi_bresp(ddr``P``_bresp), .s_axi_bvalid(ddr``P``_bvalid), \
        .s_axi_bready(ddr``P``_bready), \
        .s_axi_arid(ddr``P``_arid), .s_axi_araddr(ddr``P``_araddr), .s_axi_arlen(ddr``P``_arlen), \
        .s_axi_arsize(ddr``P``_arsize), .s_axi_arburst(ddr``P``_arburst), .s_axi_arlock(ddr``P``_arlock), \
        .s_axi_arcache(ddr``P``_arcache), .s_axi_arprot(ddr``P``_arprot), .s_axi_arqos(ddr``P``_arqos), \
        .s_axi_arregion(ddr``P``_arregion), .s_axi_arvalid(ddr``P``_arvalid), .s_axi_arready(ddr``P``_arready), \
        .s_axi_rid(ddr``P``_rid), .s_axi_rdata(ddr``P``_rdata), .s_axi_rresp(ddr``P``_rresp), \
        .s_axi_rlast(ddr``P``_rlast), .s_axi_rvalid(ddr``P``_rvalid), .s_axi_rready(ddr``P``_rready) \
    )

`define VU9P_SIM_SHELL_DDR(P) \
    .m_axi_ddr``P``_awid(ddr``P``_awid), .m_axi_ddr``P``_awaddr(ddr``P``_awaddr), .m_axi_ddr``P``_awlen(ddr``P``_awlen), \
    .m_axi_ddr``P``_awsize(ddr``P``_awsize), .m_axi_ddr``P``_awburst(ddr``P``_awburst), .m_axi_ddr``P``_awlock(ddr``P``_awlock), \
    .m_axi_ddr``P``_awcache(ddr``P``_awcache), .m_axi_ddr``P``_awprot(ddr``P``_awprot), .m_axi_ddr``P``_awqos(ddr``P``_awqos), \
    .m_axi_ddr``P``_awregion(ddr``P``_awregion), .m_axi_ddr``P``_awvalid(ddr``P``_awvalid), .m_axi_ddr``P``_awready(ddr``P``_awready), \
    .m_axi_ddr``P``_wdata(ddr``P``_wdata), .m_axi_ddr``P``_wstrb(ddr``P``_wstrb), .m_axi_ddr``P``_wlast(ddr``P``_wlast), \
    .m_axi_ddr``P``_wvalid(ddr``P``_wvalid), .m_axi_ddr``P``_wready(ddr``P``_wready), \
    .m_axi_ddr``P``_bid(ddr``P``_bid), .m_axi_ddr``P``_bresp(ddr``P``_bresp), .m_axi_ddr``P``_bvalid(ddr``P``_bvalid), \
    .m_axi_ddr``P``_bready(ddr``P``_bready), \
    .m_axi_ddr``P``_arid(ddr``P``_arid), .m_axi_ddr``P``_araddr(ddr``P``_araddr), .m_axi_ddr``P``_arlen(ddr``P``_arlen), \
    .m_axi_ddr``P``_arsize(ddr``P``_arsize), .m_axi_ddr``P``_arburst(ddr``P``_arburst), .m_axi_ddr``P``_arlock(ddr``P``_arlock), \
    .m_axi_ddr``P``_arcache(ddr``P``_arcache), .m_axi_ddr``P``_arprot(ddr``P``_arprot), .m_axi_ddr``P``_arqos(ddr``P``_arqos), \
    .m_axi_ddr``P``_arregion(ddr``P``_arregion), .m_axi_ddr``P``_arvalid(ddr``P``_arvalid), .m_axi_ddr``P``_arready(ddr``P``_arready), \
    .m_axi_ddr``P``_rid(ddr``P``_rid), .m_axi_ddr``P``_rdata(ddr``P``_rdata), .m_axi_ddr``P``_rresp(ddr``P``_rresp), \
    .m_axi_ddr``P``_rlast(ddr``P``_rlast), .m_axi_ddr``P``_rvalid(ddr``P``_rvalid), .m_axi_ddr``P``_rready(ddr``P``_rready)

module vu9p_sim #(
    parameter int MAX_DIM        = 768,
    parameter int MAX_HIDDEN     = 2048,
    parameter int MAX_HEADS      = 12,
    parameter int MAX_KV_HEADS   = 12,
    parameter int MAX_HEAD_SIZE  = 128,
    parameter int MAX_VOCAB      = 32000,
    parameter int MAX_SEQ_LEN    = 1024,
    parameter int MAX_LAYERS     = 12,
    parameter bit KV_INT8        = 1'b0,
    // Prompt tokens a forward run may batch (1..16; rtl/forward/forward.sv)
    parameter int MAX_TOKENS     = 1,
    // The forward kernel's weights: 0 from DDR, or its on-chip store (rtl/forward/forward.sv)
    parameter int WEIGHT_BANKS   = 0,
    parameter int WEIGHT_DEPTH   = 4096,
    parameter int DMA_ID_WIDTH   = 4,
    // Every DDR channel's timing (axi_ddr_model)
    parameter int READ_LATENCY   = 40,
    parameter int WRITE_LATENCY  = 40,
    parameter int BEAT_NUM       = 17,
    parameter int BEAT_DEN       = 20
) (
    input  wire                        clk,
    input  wire                        rst,

    input  wire  [kernel_regs_pkg::CTRL_ADDR_WIDTH-1:0] s_axi_control_awaddr,
    input  wire  [2:0]                 s_axi_control_awprot,
    input  wire                        s_axi_control_awvalid,
    output wire                        s_axi_control_awready,
    input  wire  [31:0]                s_axi_control_wdata,
    input  wire  [3:0]                 s_axi_control_wstrb,
    input  wire                        s_axi_control_wvalid,
    output wire                        s_axi_control_wready,
    output wire  [1:0]                 s_axi_control_bresp,
    output wire                        s_axi_control_bvalid,
    input  wire                        s_axi_control_bready,
    input  wire  [kernel_regs_pkg::CTRL_ADDR_WIDTH-1:0] s_axi_control_araddr,
    input  wire  [2:0]                 s_axi_control_arprot,
    input  wire                        s_axi_control_arvalid,
    output wire                        s_axi_control_arready,
    output wire  [31:0]                s_axi_control_rdata,
    output wire  [1:0]                 s_axi_control_rresp,
    output wire                        s_axi_control_rvalid,
    input  wire                        s_axi_control_rready,

    /* verilator lint_off SYMRSVDWORD */
    output wire                        interrupt,
    /* verilator lint_on SYMRSVDWORD */

    input  wire  [DMA_ID_WIDTH-1:0]    s_axi_dma_awid,
    input  wire  [63:0]                s_axi_dma_awaddr,
    input  wire  [7:0]                 s_axi_dma_awlen,
    input  wire  [2:0]                 s_axi_dma_awsize,
    input  wire  [1:0]                 s_axi_dma_awburst,
    input  wire                        s_axi_dma_awlock,
    input  wire  [3:0]                 s_axi_dma_awcache,
    input  wire  [2:0]                 s_axi_dma_awprot,
    input  wire  [3:0]                 s_axi_dma_awqos,
    input  wire  [3:0]                 s_axi_dma_awregion,
    input  wire                        s_axi_dma_awvalid,
    output wire                        s_axi_dma_awready,
    input  wire  [511:0]               s_axi_dma_wdata,
    input  wire  [63:0]                s_axi_dma_wstrb,
    input  wire                        s_axi_dma_wlast,
    input  wire                        s_axi_dma_wvalid,
    output wire                        s_axi_dma_wready,
    output wire  [DMA_ID_WIDTH-1:0]    s_axi_dma_bid,
    output wire  [1:0]                 s_axi_dma_bresp,
    output wire                        s_axi_dma_bvalid,
    input  wire                        s_axi_dma_bready,
    input  wire  [DMA_ID_WIDTH-1:0]    s_axi_dma_arid,
    input  wire  [63:0]                s_axi_dma_araddr,
    input  wire  [7:0]                 s_axi_dma_arlen,
    input  wire  [2:0]                 s_axi_dma_arsize,
    input  wire  [1:0]                 s_axi_dma_arburst,
    input  wire                        s_axi_dma_arlock,
    input  wire  [3:0]                 s_axi_dma_arcache,
    input  wire  [2:0]                 s_axi_dma_arprot,
    input  wire  [3:0]                 s_axi_dma_arqos,
    input  wire  [3:0]                 s_axi_dma_arregion,
    input  wire                        s_axi_dma_arvalid,
    output wire                        s_axi_dma_arready,
    output wire  [DMA_ID_WIDTH-1:0]    s_axi_dma_rid,
    output wire  [511:0]               s_axi_dma_rdata,
    output wire  [1:0]                 s_axi_dma_rresp,
    output wire                        s_axi_dma_rlast,
    output wire                        s_axi_dma_rvalid,
    input  wire                        s_axi_dma_rready
);

localparam int DDR_ID_WIDTH = DMA_ID_WIDTH + 1;

`VU9P_SIM_DDR(a);
`VU9P_SIM_DDR(b);
`VU9P_SIM_DDR(c);
`VU9P_SIM_DDR(d);

vu9p_shell #(
    .MAX_DIM(MAX_DIM),
    .MAX_HIDDEN(MAX_HIDDEN),
    .MAX_HEADS(MAX_HEADS),
    .MAX_KV_HEADS(MAX_KV_HEADS),
    .MAX_HEAD_SIZE(MAX_HEAD_SIZE),
    .MAX_VOCAB(MAX_VOCAB),
    .MAX_SEQ_LEN(MAX_SEQ_LEN),
    .MAX_LAYERS(MAX_LAYERS),
    .KV_INT8(KV_INT8),
    .MAX_TOKENS(MAX_TOKENS),
    .WEIGHT_BANKS(WEIGHT_BANKS),
    .WEIGHT_DEPTH(WEIGHT_DEPTH),
    .DMA_ID_WIDTH(DMA_ID_WIDTH)
) shell_inst (
    .clk(clk),
    .rst(rst),
    .s_axi_control_awaddr(s_axi_control_awaddr),
    .s_axi_control_awprot(s_axi_control_awprot),
    .s_axi_control_awvalid(s_axi_control_awvalid),
    .s_axi_control_awready(s_axi_control_awready),
    .s_axi_control_wdata(s_axi_control_wdata),
    .s_axi_control_wstrb(s_axi_control_wstrb),
    .s_axi_control_wvalid(s_axi_control_wvalid),
    .s_axi_control_wready(s_axi_control_wready),
    .s_axi_control_bresp(s_axi_control_bresp),
    .s_axi_control_bvalid(s_axi_control_bvalid),
    .s_axi_control_bready(s_axi_control_bready),
    .s_axi_control_araddr(s_axi_control_araddr),
    .s_axi_control_arprot(s_axi_control_arprot),
    .s_axi_control_arvalid(s_axi_control_arvalid),
    .s_axi_control_arready(s_axi_control_arready),
    .s_axi_control_rdata(s_axi_control_rdata),
    .s_axi_control_rresp(s_axi_control_rresp),
    .s_axi_control_rvalid(s_axi_control_rvalid),
    .s_axi_control_rready(s_axi_control_rready),
    .interrupt(interrupt),
    .s_axi_dma_awid(s_axi_dma_awid),
    .s_axi_dma_awaddr(s_axi_dma_awaddr),
    .s_axi_dma_awlen(s_axi_dma_awlen),
    .s_axi_dma_awsize(s_axi_dma_awsize),
    .s_axi_dma_awburst(s_axi_dma_awburst),
    .s_axi_dma_awlock(s_axi_dma_awlock),
    .s_axi_dma_awcache(s_axi_dma_awcache),
    .s_axi_dma_awprot(s_axi_dma_awprot),
    .s_axi_dma_awqos(s_axi_dma_awqos),
    .s_axi_dma_awregion(s_axi_dma_awregion),
    .s_axi_dma_awvalid(s_axi_dma_awvalid),
    .s_axi_dma_awready(s_axi_dma_awready),
    .s_axi_dma_wdata(s_axi_dma_wdata),
    .s_axi_dma_wstrb(s_axi_dma_wstrb),
    .s_axi_dma_wlast(s_axi_dma_wlast),
    .s_axi_dma_wvalid(s_axi_dma_wvalid),
    .s_axi_dma_wready(s_axi_dma_wready),
    .s_axi_dma_bid(s_axi_dma_bid),
    .s_axi_dma_bresp(s_axi_dma_bresp),
    .s_axi_dma_bvalid(s_axi_dma_bvalid),
    .s_axi_dma_bready(s_axi_dma_bready),
    .s_axi_dma_arid(s_axi_dma_arid),
    .s_axi_dma_araddr(s_axi_dma_araddr),
    .s_axi_dma_arlen(s_axi_dma_arlen),
    .s_axi_dma_arsize(s_axi_dma_arsize),
    .s_axi_dma_arburst(s_axi_dma_arburst),
    .s_axi_dma_arlock(s_axi_dma_arlock),
    .s_axi_dma_arcache(s_axi_dma_arcache),
    .s_axi_dma_arprot(s_axi_dma_arprot),
    .s_axi_dma_arqos(s_axi_dma_arqos),
    .s_axi_dma_arregion(s_axi_dma_arregion),
    .s_axi_dma_arvalid(s_axi_dma_arvalid),
    .s_axi_dma_arready(s_axi_dma_arready),
    .s_axi_dma_rid(s_axi_dma_rid),
    .s_axi_dma_rdata(s_axi_dma_rdata),
    .s_axi_dma_rresp(s_axi_dma_rresp),
    .s_axi_dma_rlast(s_axi_dma_rlast),
    .s_axi_dma_rvalid(s_axi_dma_rvalid),
    .s_axi_dma_rready(s_axi_dma_rready),
    `VU9P_SIM_SHELL_DDR(a),
    `VU9P_SIM_SHELL_DDR(b),
    `VU9P_SIM_SHELL_DDR(c),
    `VU9P_SIM_SHELL_DDR(d)
);

`undef VU9P_SIM_DDR
`undef VU9P_SIM_SHELL_DDR

endmodule

`resetall
