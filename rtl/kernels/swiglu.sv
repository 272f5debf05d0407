// SPDX-License-Identifier: Apache-2.0

/*
 * swiglu kernel: out[i] = (h1[i] * recip(1 + exp(-h1[i]))) * h3[i], i < n
 *
 * The per-layer kernel of DESIGN.md section 7 with the HLS kernel interface
 * of section 6; numerics: hlstransform.model.numerics.swiglu
 * (docs/kernels/elementwise.md). Everything but the lanes is
 * elementwise_binary: s_axi_control (arguments h1, h3, out, n of
 * rtl/regmap.toml), interrupt, and the 512-bit masters m_axi_gmem0 (h1) and
 * m_axi_gmem1 (h3 reads, out writes). n is a multiple of 16 in 16..MAX_N,
 * every pointer 64-byte aligned, else STATUS.CONFIG_ERROR with no memory
 * access; out may be h1 or h3.
 *
 * Lanes: 16 ew_swiglu (hls/elementwise.x ew_swiglu, generated as a chain of
 * pieces from hls/swiglu_chains.x swiglu, rtl/gen/ew_swiglu.v: exp, add, recip
 * and two multiplies, ~100 stages), latency EW_SWIGLU_LATENCY
 * (rtl/gen/hls_latency_pkg.sv), which also sizes the result FIFO; lane i
 * takes fp32 element i of an h1 beat and of an h3 beat (bits [32i +: 32]).
 * (The forward kernel runs SwiGLU on 4 lanes: rtl/forward/fwd_elementwise.sv.)
 */

`default_nettype none

module swiglu #(
    // Largest n argument, elements (a multiple of 16, 16..2**31)
    parameter int MAX_N          = 65536,
    // Width of the m_axi data buses, bits (512: 16 fp32 per beat)
    parameter int AXI_DATA_WIDTH = 512,
    // Width of the m_axi address buses, bits (13..64)
    parameter int AXI_ADDR_WIDTH = 64,
    // Width of the m_axi ID fields, bits (>= 1; every burst uses ID 0)
    parameter int AXI_ID_WIDTH   = 1
) (
    input  wire                        clk,
    input  wire                        rst,  // active-high, synchronous

    /*
     * AXI4-Lite slave: s_axi_control (rtl/regmap.toml)
     */
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

    /*
     * Interrupt to the host
     */
    // Vitis HLS names this port `interrupt`; Verilator renames the C++ member, harmlessly.
    /* verilator lint_off SYMRSVDWORD */
    output wire                        interrupt,
    /* verilator lint_on SYMRSVDWORD */

    /*
     * AXI4 read master: m_axi_gmem0 (h1)
     */
    output wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem0_arid,
    output wire  [AXI_ADDR_WIDTH-1:0]  m_axi_gmem0_araddr,
    output wire  [7:0]                 m_axi_gmem0_arlen,
    output wire  [2:0]                 m_axi_gmem0_arsize,
    output wire  [1:0]                 m_axi_gmem0_arburst,
    output wire                        m_axi_gmem0_arlock,
    output wire  [3:0]                 m_axi_gmem0_arcache,
    output wire  [2:0]                 m_axi_gmem0_arprot,
    output wire  [3:0]                 m_axi_gmem0_arqos,
    output wire  [3:0]                 m_axi_gmem0_arregion,
    output wire                        m_axi_gmem0_arvalid,
    input  wire                        m_axi_gmem0_arready,
    input  wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem0_rid,
    input  wire  [AXI_DATA_WIDTH-1:0]  m_axi_gmem0_rdata,
    input  wire  [1:0]                 m_axi_gmem0_rresp,
    input  wire                        m_axi_gmem0_rlast,
    input  wire                        m_axi_gmem0_rvalid,
    output wire                        m_axi_gmem0_rready,

    /*
     * AXI4 master: m_axi_gmem1 (h3 reads, out writes)
     */
    output wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem1_arid,
    output wire  [AXI_ADDR_WIDTH-1:0]  m_axi_gmem1_araddr,
    output wire  [7:0]                 m_axi_gmem1_arlen,
    output wire  [2:0]                 m_axi_gmem1_arsize,
    output wire  [1:0]                 m_axi_gmem1_arburst,
    output wire                        m_axi_gmem1_arlock,
    output wire  [3:0]                 m_axi_gmem1_arcache,
    output wire  [2:0]                 m_axi_gmem1_arprot,
    output wire  [3:0]                 m_axi_gmem1_arqos,
    output wire  [3:0]                 m_axi_gmem1_arregion,
    output wire                        m_axi_gmem1_arvalid,
    input  wire                        m_axi_gmem1_arready,
    input  wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem1_rid,
    input  wire  [AXI_DATA_WIDTH-1:0]  m_axi_gmem1_rdata,
    input  wire  [1:0]                 m_axi_gmem1_rresp,
    input  wire                        m_axi_gmem1_rlast,
    input  wire                        m_axi_gmem1_rvalid,
    output wire                        m_axi_gmem1_rready,
    output wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem1_awid,
    output wire  [AXI_ADDR_WIDTH-1:0]  m_axi_gmem1_awaddr,
    output wire  [7:0]                 m_axi_gmem1_awlen,
    output wire  [2:0]                 m_axi_gmem1_awsize,
    output wire  [1:0]                 m_axi_gmem1_awburst,
    output wire                        m_axi_gmem1_awlock,
    output wire  [3:0]                 m_axi_gmem1_awcache,
    output wire  [2:0]                 m_axi_gmem1_awprot,
    output wire  [3:0]                 m_axi_gmem1_awqos,
    output wire  [3:0]                 m_axi_gmem1_awregion,
    output wire                        m_axi_gmem1_awvalid,
    input  wire                        m_axi_gmem1_awready,
    output wire  [AXI_DATA_WIDTH-1:0]  m_axi_gmem1_wdata,
    output wire  [AXI_DATA_WIDTH/8-1:0] m_axi_gmem1_wstrb,
    output wire                        m_axi_gmem1_wlast,
    output wire                        m_axi_gmem1_wvalid,
    input  wire                        m_axi_gmem1_wready,
    input  wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem1_bid,
    input  wire  [1:0]                 m_axi_gmem1_bresp,
    input  wire                        m_axi_gmem1_bvalid,
    output wire                        m_axi_gmem1_bready
);

import kernel_regs_pkg::*;

localparam int LANES        = AXI_DATA_WIDTH / 32;  // fp32 lanes per beat
localparam int LANE_LATENCY = hls_latency_pkg::EW_SWIGLU_LATENCY;  // in_valid to out_valid, cycles

wire                      lane_valid;
wire [AXI_DATA_WIDTH-1:0] lane_a, lane_b, lane_out;
wire [LANES-1:0]          lane_out_valid;

// All lanes run in lockstep; lane 0's valid stands for all of them.
wire unused_lane_valid = &{1'b0, lane_out_valid[LANES-1:1]};

elementwise_binary #(
    .MAX_N(MAX_N),
    .LANE_LATENCY(LANE_LATENCY),
    .ARG_WORDS(SWIGLU_ARG_WORDS),
    .ARG_WORD_MASK(SWIGLU_ARG_WORD_MASK),
    .KERNEL_ID(SWIGLU_KERNEL_ID),
    .ARG_A((int'(SWIGLU_ARG_H1) - int'(CTRL_ARG_BASE)) / 4),
    .ARG_B((int'(SWIGLU_ARG_H3) - int'(CTRL_ARG_BASE)) / 4),
    .ARG_OUT((int'(SWIGLU_ARG_OUT) - int'(CTRL_ARG_BASE)) / 4),
    .ARG_N((int'(SWIGLU_ARG_N) - int'(CTRL_ARG_BASE)) / 4),
    .AXI_DATA_WIDTH(AXI_DATA_WIDTH),
    .AXI_ADDR_WIDTH(AXI_ADDR_WIDTH),
    .AXI_ID_WIDTH(AXI_ID_WIDTH)
) elementwise_binary_inst (
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
    .m_axi_gmem0_arid(m_axi_gmem0_arid),
    .m_axi_gmem0_araddr(m_axi_gmem0_araddr),
    .m_axi_gmem0_arlen(m_axi_gmem0_arlen),
    .m_axi_gmem0_arsize(m_axi_gmem0_arsize),
    .m_axi_gmem0_arburst(m_axi_gmem0_arburst),
    .m_axi_gmem0_arlock(m_axi_gmem0_arlock),
    .m_axi_gmem0_arcache(m_axi_gmem0_arcache),
    .m_axi_gmem0_arprot(m_axi_gmem0_arprot),
    .m_axi_gmem0_arqos(m_axi_gmem0_arqos),
    .m_axi_gmem0_arregion(m_axi_gmem0_arregion),
    .m_axi_gmem0_arvalid(m_axi_gmem0_arvalid),
    .m_axi_gmem0_arready(m_axi_gmem0_arready),
    .m_axi_gmem0_rid(m_axi_gmem0_rid),
    .m_axi_gmem0_rdata(m_axi_gmem0_rdata),
    .m_axi_gmem0_rresp(m_axi_gmem0_rresp),
    .m_axi_gmem0_rlast(m_axi_gmem0_rlast),
    .m_axi_gmem0_rvalid(m_axi_gmem0_rvalid),
    .m_axi_gmem0_rready(m_axi_gmem0_rready),
    .m_axi_gmem1_arid(m_axi_gmem1_arid),
    .m_axi_gmem1_araddr(m_axi_gmem1_araddr),
    .m_axi_gmem1_arlen(m_axi_gmem1_arlen),
    .m_axi_gmem1_arsize(m_axi_gmem1_arsize),
    .m_axi_gmem1_arburst(m_axi_gmem1_arburst),
    .m_axi_gmem1_arlock(m_axi_gmem1_arlock),
    .m_axi_gmem1_arcache(m_axi_gmem1_arcache),
    .m_axi_gmem1_arprot(m_axi_gmem1_arprot),
    .m_axi_gmem1_arqos(m_axi_gmem1_arqos),
    .m_axi_gmem1_arregion(m_axi_gmem1_arregion),
    .m_axi_gmem1_arvalid(m_axi_gmem1_arvalid),
    .m_axi_gmem1_arready(m_axi_gmem1_arready),
    .m_axi_gmem1_rid(m_axi_gmem1_rid),
    .m_axi_gmem1_rdata(m_axi_gmem1_rdata),
    .m_axi_gmem1_rresp(m_axi_gmem1_rresp),
    .m_axi_gmem1_rlast(m_axi_gmem1_rlast),
    .m_axi_gmem1_rvalid(m_axi_gmem1_rvalid),
    .m_axi_gmem1_rready(m_axi_gmem1_rready),
    .m_axi_gmem1_awid(m_axi_gmem1_awid),
    .m_axi_gmem1_awaddr(m_axi_gmem1_awaddr),
    .m_axi_gmem1_awlen(m_axi_gmem1_awlen),
    .m_axi_gmem1_awsize(m_axi_gmem1_awsize),
    .m_axi_gmem1_awburst(m_axi_gmem1_awburst),
    .m_axi_gmem1_awlock(m_axi_gmem1_awlock),
    .m_axi_gmem1_awcache(m_axi_gmem1_awcache),
    .m_axi_gmem1_awprot(m_axi_gmem1_awprot),
    .m_axi_gmem1_awqos(m_axi_gmem1_awqos),
    .m_axi_gmem1_awregion(m_axi_gmem1_awregion),
    .m_axi_gmem1_awvalid(m_axi_gmem1_awvalid),
    .m_axi_gmem1_awready(m_axi_gmem1_awready),
    .m_axi_gmem1_wdata(m_axi_gmem1_wdata),
    .m_axi_gmem1_wstrb(m_axi_gmem1_wstrb),
    .m_axi_gmem1_wlast(m_axi_gmem1_wlast),
    .m_axi_gmem1_wvalid(m_axi_gmem1_wvalid),
    .m_axi_gmem1_wready(m_axi_gmem1_wready),
    .m_axi_gmem1_bid(m_axi_gmem1_bid),
    .m_axi_gmem1_bresp(m_axi_gmem1_bresp),
    .m_axi_gmem1_bvalid(m_axi_gmem1_bvalid),
    .m_axi_gmem1_bready(m_axi_gmem1_bready),
    .lane_valid(lane_valid),
    .lane_a(lane_a),
    .lane_b(lane_b),
    .lane_out_valid(lane_out_valid[0]),
    .lane_out(lane_out)
);

/*
 * Lanes: one per fp32 element of a beat
 */
for (genvar i = 0; i < LANES; i++) begin : g_lane
    ew_swiglu ew_swiglu_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(lane_valid),
        .h1(lane_a[32 * i +: 32]),
        .h3(lane_b[32 * i +: 32]),
        .out_valid(lane_out_valid[i]),
        .out(lane_out[32 * i +: 32])
    );
end

endmodule

`default_nettype wire
