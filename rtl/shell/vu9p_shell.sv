// SPDX-License-Identifier: Apache-2.0

/*
 * VU9P shell model: the top the host talks to (DESIGN.md section 7)
 *
 * The roles of the AWS F1 shell and the Alveo U200 (VU9P) platform around one
 * `forward` kernel:
 *
 *   s_axi_control  AXI4-Lite, the kernel's control map (rtl/regmap.toml), passed through
 *   s_axi_dma      512-bit AXI4 slave: host DMA into device memory (the PCIe DMA's role)
 *   m_axi_ddr[a-d] four 512-bit AXI4 masters, one per DDR4 channel A..D, 16 GiB each
 *   interrupt      the kernel's, level high while an enabled ISR bit is set
 *
 * Device address map (host/image.py CHANNEL_SHIFT): channel c owns [c << 34, (c + 1) << 34).
 * Host DMA: axi_addr_split sends each burst to its channel by address bits [35:34] and
 * strips them (a DDR port sees its channel-local offset); a burst at or above 64 GiB is
 * answered DECERR inside the split and reaches no channel. Kernel: master m_axi_chC only
 * ever addresses channel C's window (fwd_config refuses a descriptor address outside its
 * channel with CONFIG_ERROR), so its local offset is its low 34 bits.
 *
 * Per channel an axi_arbiter (round robin per burst) merges port 0 = host DMA and port 1 =
 * kernel; the DDR port's ID is {port, the master's ID} (DMA_ID_WIDTH + 1 bits).
 *
 * Why a flat split + per-channel arbiters and not a crossbar: the kernel's four masters are
 * each bound to one channel by the image layout, so only the host needs an address decode.
 */

`default_nettype none

// One kernel master's ports, bound to the per-channel wires of channel C.
`define VU9P_SHELL_KERNEL_PORTS(C) \
    .m_axi_ch``C``_arid(k_arid[C]), .m_axi_ch``C``_araddr(k_araddr[C]), .m_axi_ch``C``_arlen(k_arlen[C]), \
    .m_axi_ch``C``_arsize(k_arsize[C]), .m_axi_ch``C``_arburst(k_arburst[C]), .m_axi_ch``C``_arlock(k_arlock[C]), \
    .m_axi_ch``C``_arcache(k_arcache[C]), .m_axi_ch``C``_arprot(k_arprot[C]), .m_axi_ch``C``_arqos(k_arqos[C]), \
    .m_axi_ch``C``_arregion(k_arregion[C]), .m_axi_ch``C``_arvalid(k_arvalid[C]), .m_axi_ch``C``_arready(k_arready[C]), \
    .m_axi_ch``C``_rid(k_rid[C]), .m_axi_ch``C``_rdata(k_rdata[C]), .m_axi_ch``C``_rresp(k_rresp[C]), \
    .m_axi_ch``C``_rlast(k_rlast[C]), .m_axi_ch``C``_rvalid(k_rvalid[C]), .m_axi_ch``C``_rready(k_rready[C]), \
    .m_axi_ch``C``_awid(k_awid[C]), .m_axi_ch``C``_awaddr(k_awaddr[C]), .m_axi_ch``C``_awlen(k_awlen[C]), \
    .m_axi_ch``C``_awsize(k_awsize[C]), .m_axi_ch``C``_awburst(k_awburst[C]), .m_axi_ch``C``_awlock(k_awlock[C]), \
    .m_axi_ch``C``_awcache(k_awcache[C]), .m_axi_ch``C``_awprot(k_awprot[C]), .m_axi_ch``C``_awqos(k_awqos[C]), \
    .m_axi_ch``C``_awregion(k_awregion[C]), .m_axi_ch``C``_awvalid(k_awvalid[C]), .m_axi_ch``C``_awready(k_awready[C]), \
    .m_axi_ch``C``_wdata(k_wdata[C]), .m_axi_ch``C``_wstrb(k_wstrb[C]), .m_axi_ch``C``_wlast(k_wlast[C]), \
    .m_axi_ch``C``_wvalid(k_wvalid[C]), .m_axi_ch``C``_wready(k_wready[C]), \
    .m_axi_ch``C``_bid(k_bid[C]), .m_axi_ch``C``_bresp(k_bresp[C]), .m_axi_ch``C``_bvalid(k_bvalid[C]), \
    .m_axi_ch``C``_bready(k_bready[C])

// One DDR port's signals, bound to the per-channel wires of channel C.
`define VU9P_SHELL_DDR_ASSIGN(C, P) \
    assign m_axi_ddr``P``_awid = d_awid[C]; assign m_axi_ddr``P``_awaddr = d_awaddr[C]; \
    assign m_axi_ddr``P``_awlen = d_awlen[C]; assign m_axi_ddr``P``_awsize = d_awsize[C]; \
    assign m_axi_ddr``P``_awburst = d_awburst[C]; assign m_axi_ddr``P``_awlock = d_awlock[C]; \
    assign m_axi_ddr``P``_awcache = d_awcache[C]; assign m_axi_ddr``P``_awprot = d_awprot[C]; \
    assign m_axi_ddr``P``_awqos = d_awqos[C]; assign m_axi_ddr``P``_awregion = d_awregion[C]; \
    assign m_axi_ddr``P``_awvalid = d_awvalid[C]; assign d_awready[C] = m_axi_ddr``P``_awready; \
    assign m_axi_ddr``P``_wdata = d_wdata[C]; assign m_axi_ddr``P``_wstrb = d_wstrb[C]; \
    assign m_axi_ddr``P``_wlast = d_wlast[C]; assign m_axi_ddr``P``_wvalid = d_wvalid[C]; \
    assign d_wready[C] = m_axi_ddr``P``_wready; \
    assign d_bid[C] = m_axi_ddr``P``_bid; assign d_bresp[C] = m_axi_ddr``P``_bresp; \
    assign d_bvalid[C] = m_axi_ddr``P``_bvalid; assign m_axi_ddr``P``_bready = d_bready[C]; \
    assign m_axi_ddr``P``_arid = d_arid[C]; assign m_axi_ddr``P``_araddr = d_araddr[C]; \
    assign m_axi_ddr``P``_arlen = d_arlen[C]; assign m_axi_ddr``P``_arsize = d_arsize[C]; \
    assign m_axi_ddr``P``_arburst = d_arburst[C]; assign m_axi_ddr``P``_arlock = d_arlock[C]; \
    assign m_axi_ddr``P``_arcache = d_arcache[C]; assign m_axi_ddr``P``_arprot = d_arprot[C]; \
    assign m_axi_ddr``P``_arqos = d_arqos[C]; assign m_axi_ddr``P``_arregion = d_arregion[C]; \
    assign m_axi_ddr``P``_arvalid = d_arvalid[C]; assign d_arready[C] = m_axi_ddr``P``_arready; \
    assign d_rid[C] = m_axi_ddr``P``_rid; assign d_rdata[C] = m_axi_ddr``P``_rdata; \
    assign d_rresp[C] = m_axi_ddr``P``_rresp; assign d_rlast[C] = m_axi_ddr``P``_rlast; \
    assign d_rvalid[C] = m_axi_ddr``P``_rvalid; assign m_axi_ddr``P``_rready = d_rready[C]

// One DDR port's declarations (P: a..d).
`define VU9P_SHELL_DDR_PORTS(P) \
    output wire  [DDR_ID_WIDTH-1:0]    m_axi_ddr``P``_awid, \
    output wire  [DDR_ADDR_WIDTH-1:0]  m_axi_ddr``P``_awaddr, \
    output wire  [7:0]                 m_axi_ddr``P``_awlen, \
    output wire  [2:0]                 m_axi_ddr``P``_awsize, \
    output wire  [1:0]                 m_axi_ddr``P``_awburst, \
    output wire                        m_axi_ddr``P``_awlock, \
    output wire  [3:0]                 m_axi_ddr``P``_awcache, \
    output wire  [2:0]                 m_axi_ddr``P``_awprot, \
    output wire  [3:0]                 m_axi_ddr``P``_awqos, \
    output wire  [3:0]                 m_axi_ddr``P``_awregion, \
    output wire                        m_axi_ddr``P``_awvalid, \
    input  wire                        m_axi_ddr``P``_awready, \
    output wire  [511:0]               m_axi_ddr``P``_wdata, \
    output wire  [63:0]                m_axi_ddr``P``_wstrb, \
    output wire                        m_axi_ddr``P``_wlast, \
    output wire                        m_axi_ddr``P``_wvalid, \
    input  wire                        m_axi_ddr``P``_wready, \
    input  wire  [DDR_ID_WIDTH-1:0]    m_axi_ddr``P``_bid, \
    input  wire  [1:0]                 m_axi_ddr``P``_bresp, \
    input  wire                        m_axi_ddr``P``_bvalid, \
    output wire                        m_axi_ddr``P``_bready, \
    output wire  [DDR_ID_WIDTH-1:0]    m_axi_ddr``P``_arid, \
    output wire  [DDR_ADDR_WIDTH-1:0]  m_axi_ddr``P``_araddr, \
    output wire  [7:0]                 m_axi_ddr``P``_arlen, \
    output wire  [2:0]                 m_axi_ddr``P``_arsize, \
    output wire  [1:0]                 m_axi_ddr``P``_arburst, \
    output wire                        m_axi_ddr``P``_arlock, \
    output wire  [3:0]                 m_axi_ddr``P``_arcache, \
    output wire  [2:0]                 m_axi_ddr``P``_arprot, \
    output wire  [3:0]                 m_axi_ddr``P``_arqos, \
    output wire  [3:0]                 m_axi_ddr``P``_arregion, \
    output wire                        m_axi_ddr``P``_arvalid, \
    input  wire                        m_axi_ddr``P``_arready, \
    input  wire  [DDR_ID_WIDTH-1:0]    m_axi_ddr``P``_rid, \
    input  wire  [511:0]               m_axi_ddr``P``_rdata, \
    input  wire  [1:0]                 m_axi_ddr``P``_rresp, \
    input  wire                        m_axi_ddr``P``_rlast, \
    input  wire                        m_axi_ddr``P``_rvalid, \
    output wire                        m_axi_ddr``P``_rready

module vu9p_shell #(
    // The forward kernel's compile-time maxima and KV format (rtl/forward/forward.sv)
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
    // The forward kernel's weights: 0 from DDR, or banks per channel of its on-chip store, and
    // the words of a bank (rtl/forward/forward.sv)
    parameter int WEIGHT_BANKS   = 0,
    parameter int WEIGHT_DEPTH   = 4096,
    // Width of the host DMA port's ID fields, bits (the kernel's masters use the same width)
    parameter int DMA_ID_WIDTH   = 4,
    // Width of a DDR port's ID fields: {0 host DMA / 1 kernel, the master's ID}
    parameter int DDR_ID_WIDTH   = DMA_ID_WIDTH + 1,
    // Width of a DDR port's address, bits: 16 GiB per channel
    parameter int DDR_ADDR_WIDTH = 34
) (
    input  wire                        clk,
    input  wire                        rst,  // active-high, synchronous

    /*
     * AXI4-Lite slave: the kernel's control map
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
    /* verilator lint_off SYMRSVDWORD */
    output wire                        interrupt,
    /* verilator lint_on SYMRSVDWORD */

    /*
     * AXI4 slave: host DMA into device memory (64-bit device addresses)
     */
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
    input  wire                        s_axi_dma_rready,

    /*
     * AXI4 masters: DDR4 channels A (m_axi_ddra) .. D (m_axi_ddrd), channel-local addresses
     */
    `VU9P_SHELL_DDR_PORTS(a),
    `VU9P_SHELL_DDR_PORTS(b),
    `VU9P_SHELL_DDR_PORTS(c),
    `VU9P_SHELL_DDR_PORTS(d)
);

localparam int CHANNELS = 4;
localparam int DW = 512;
localparam int SW = DW / 8;
localparam int AW = 64;  // the kernel's and the host's device addresses
localparam int IW = DMA_ID_WIDTH;

if (DDR_ID_WIDTH != DMA_ID_WIDTH + 1) begin : g_check_ddr_id_width
    $error("vu9p_shell: DDR_ID_WIDTH must be DMA_ID_WIDTH + 1 (axi_arbiter's ID rule)");
end
if (DDR_ADDR_WIDTH != 34) begin : g_check_ddr_addr_width
    $error("vu9p_shell: DDR_ADDR_WIDTH must be 34 (host/image.py CHANNEL_SHIFT)");
end

/*
 * The kernel's four masters (per-channel wires)
 */
wire [IW-1:0] k_arid [CHANNELS];
wire [AW-1:0] k_araddr [CHANNELS];
wire [7:0]    k_arlen [CHANNELS];
wire [2:0]    k_arsize [CHANNELS];
wire [1:0]    k_arburst [CHANNELS];
wire          k_arlock [CHANNELS];
wire [3:0]    k_arcache [CHANNELS];
wire [2:0]    k_arprot [CHANNELS];
wire [3:0]    k_arqos [CHANNELS];
wire [3:0]    k_arregion [CHANNELS];
wire          k_arvalid [CHANNELS];
wire          k_arready [CHANNELS];
wire [IW-1:0] k_rid [CHANNELS];
wire [DW-1:0] k_rdata [CHANNELS];
wire [1:0]    k_rresp [CHANNELS];
wire          k_rlast [CHANNELS];
wire          k_rvalid [CHANNELS];
wire          k_rready [CHANNELS];
wire [IW-1:0] k_awid [CHANNELS];
wire [AW-1:0] k_awaddr [CHANNELS];
wire [7:0]    k_awlen [CHANNELS];
wire [2:0]    k_awsize [CHANNELS];
wire [1:0]    k_awburst [CHANNELS];
wire          k_awlock [CHANNELS];
wire [3:0]    k_awcache [CHANNELS];
wire [2:0]    k_awprot [CHANNELS];
wire [3:0]    k_awqos [CHANNELS];
wire [3:0]    k_awregion [CHANNELS];
wire          k_awvalid [CHANNELS];
wire          k_awready [CHANNELS];
wire [DW-1:0] k_wdata [CHANNELS];
wire [SW-1:0] k_wstrb [CHANNELS];
wire          k_wlast [CHANNELS];
wire          k_wvalid [CHANNELS];
wire          k_wready [CHANNELS];
wire [IW-1:0] k_bid [CHANNELS];
wire [1:0]    k_bresp [CHANNELS];
wire          k_bvalid [CHANNELS];
wire          k_bready [CHANNELS];

forward #(
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
    .AXI_ADDR_WIDTH(AW),
    .AXI_ID_WIDTH(IW)
) forward_inst (
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
    `VU9P_SHELL_KERNEL_PORTS(0),
    `VU9P_SHELL_KERNEL_PORTS(1),
    `VU9P_SHELL_KERNEL_PORTS(2),
    `VU9P_SHELL_KERNEL_PORTS(3)
);

/*
 * Host DMA: one slave port to the four channels by address
 */
wire [CHANNELS*IW-1:0] h_awid, h_bid, h_arid, h_rid;
wire [CHANNELS*AW-1:0] h_awaddr, h_araddr;
wire [CHANNELS*8-1:0]  h_awlen, h_arlen;
wire [CHANNELS*3-1:0]  h_awsize, h_arsize, h_awprot, h_arprot;
wire [CHANNELS*2-1:0]  h_awburst, h_arburst, h_bresp, h_rresp;
wire [CHANNELS*4-1:0]  h_awcache, h_arcache, h_awqos, h_arqos, h_awregion, h_arregion;
wire [CHANNELS-1:0]    h_awlock, h_arlock, h_awvalid, h_awready, h_wlast, h_wvalid, h_wready;
wire [CHANNELS-1:0]    h_bvalid, h_bready, h_arvalid, h_arready, h_rlast, h_rvalid, h_rready;
wire [CHANNELS*DW-1:0] h_wdata, h_rdata;
wire [CHANNELS*SW-1:0] h_wstrb;

axi_addr_split #(
    .M_COUNT(CHANNELS),
    .DATA_WIDTH(DW),
    .ADDR_WIDTH(AW),
    .ID_WIDTH(IW),
    .SEL_LSB(DDR_ADDR_WIDTH),
    .KEEP_SEL_ENABLE(0)
) dma_split_inst (
    .clk(clk),
    .rst(rst),
    .s_axi_awid(s_axi_dma_awid),
    .s_axi_awaddr(s_axi_dma_awaddr),
    .s_axi_awlen(s_axi_dma_awlen),
    .s_axi_awsize(s_axi_dma_awsize),
    .s_axi_awburst(s_axi_dma_awburst),
    .s_axi_awlock(s_axi_dma_awlock),
    .s_axi_awcache(s_axi_dma_awcache),
    .s_axi_awprot(s_axi_dma_awprot),
    .s_axi_awqos(s_axi_dma_awqos),
    .s_axi_awregion(s_axi_dma_awregion),
    .s_axi_awvalid(s_axi_dma_awvalid),
    .s_axi_awready(s_axi_dma_awready),
    .s_axi_wdata(s_axi_dma_wdata),
    .s_axi_wstrb(s_axi_dma_wstrb),
    .s_axi_wlast(s_axi_dma_wlast),
    .s_axi_wvalid(s_axi_dma_wvalid),
    .s_axi_wready(s_axi_dma_wready),
    .s_axi_bid(s_axi_dma_bid),
    .s_axi_bresp(s_axi_dma_bresp),
    .s_axi_bvalid(s_axi_dma_bvalid),
    .s_axi_bready(s_axi_dma_bready),
    .s_axi_arid(s_axi_dma_arid),
    .s_axi_araddr(s_axi_dma_araddr),
    .s_axi_arlen(s_axi_dma_arlen),
    .s_axi_arsize(s_axi_dma_arsize),
    .s_axi_arburst(s_axi_dma_arburst),
    .s_axi_arlock(s_axi_dma_arlock),
    .s_axi_arcache(s_axi_dma_arcache),
    .s_axi_arprot(s_axi_dma_arprot),
    .s_axi_arqos(s_axi_dma_arqos),
    .s_axi_arregion(s_axi_dma_arregion),
    .s_axi_arvalid(s_axi_dma_arvalid),
    .s_axi_arready(s_axi_dma_arready),
    .s_axi_rid(s_axi_dma_rid),
    .s_axi_rdata(s_axi_dma_rdata),
    .s_axi_rresp(s_axi_dma_rresp),
    .s_axi_rlast(s_axi_dma_rlast),
    .s_axi_rvalid(s_axi_dma_rvalid),
    .s_axi_rready(s_axi_dma_rready),
    .m_axi_awid(h_awid),
    .m_axi_awaddr(h_awaddr),
    .m_axi_awlen(h_awlen),
    .m_axi_awsize(h_awsize),
    .m_axi_awburst(h_awburst),
    .m_axi_awlock(h_awlock),
    .m_axi_awcache(h_awcache),
    .m_axi_awprot(h_awprot),
    .m_axi_awqos(h_awqos),
    .m_axi_awregion(h_awregion),
    .m_axi_awvalid(h_awvalid),
    .m_axi_awready(h_awready),
    .m_axi_wdata(h_wdata),
    .m_axi_wstrb(h_wstrb),
    .m_axi_wlast(h_wlast),
    .m_axi_wvalid(h_wvalid),
    .m_axi_wready(h_wready),
    .m_axi_bid(h_bid),
    .m_axi_bresp(h_bresp),
    .m_axi_bvalid(h_bvalid),
    .m_axi_bready(h_bready),
    .m_axi_arid(h_arid),
    .m_axi_araddr(h_araddr),
    .m_axi_arlen(h_arlen),
    .m_axi_arsize(h_arsize),
    .m_axi_arburst(h_arburst),
    .m_axi_arlock(h_arlock),
    .m_axi_arcache(h_arcache),
    .m_axi_arprot(h_arprot),
    .m_axi_arqos(h_arqos),
    .m_axi_arregion(h_arregion),
    .m_axi_arvalid(h_arvalid),
    .m_axi_arready(h_arready),
    .m_axi_rid(h_rid),
    .m_axi_rdata(h_rdata),
    .m_axi_rresp(h_rresp),
    .m_axi_rlast(h_rlast),
    .m_axi_rvalid(h_rvalid),
    .m_axi_rready(h_rready)
);

/*
 * Per channel: port 0 host DMA, port 1 kernel -> the DDR port
 */
wire [DDR_ID_WIDTH-1:0]   d_awid [CHANNELS];
wire [DDR_ADDR_WIDTH-1:0] d_awaddr [CHANNELS];
wire [7:0]                d_awlen [CHANNELS];
wire [2:0]                d_awsize [CHANNELS];
wire [1:0]                d_awburst [CHANNELS];
wire                      d_awlock [CHANNELS];
wire [3:0]                d_awcache [CHANNELS];
wire [2:0]                d_awprot [CHANNELS];
wire [3:0]                d_awqos [CHANNELS];
wire [3:0]                d_awregion [CHANNELS];
wire                      d_awvalid [CHANNELS];
wire                      d_awready [CHANNELS];
wire [DW-1:0]             d_wdata [CHANNELS];
wire [SW-1:0]             d_wstrb [CHANNELS];
wire                      d_wlast [CHANNELS];
wire                      d_wvalid [CHANNELS];
wire                      d_wready [CHANNELS];
wire [DDR_ID_WIDTH-1:0]   d_bid [CHANNELS];
wire [1:0]                d_bresp [CHANNELS];
wire                      d_bvalid [CHANNELS];
wire                      d_bready [CHANNELS];
wire [DDR_ID_WIDTH-1:0]   d_arid [CHANNELS];
wire [DDR_ADDR_WIDTH-1:0] d_araddr [CHANNELS];
wire [7:0]                d_arlen [CHANNELS];
wire [2:0]                d_arsize [CHANNELS];
wire [1:0]                d_arburst [CHANNELS];
wire                      d_arlock [CHANNELS];
wire [3:0]                d_arcache [CHANNELS];
wire [2:0]                d_arprot [CHANNELS];
wire [3:0]                d_arqos [CHANNELS];
wire [3:0]                d_arregion [CHANNELS];
wire                      d_arvalid [CHANNELS];
wire                      d_arready [CHANNELS];
wire [DDR_ID_WIDTH-1:0]   d_rid [CHANNELS];
wire [DW-1:0]             d_rdata [CHANNELS];
wire [1:0]                d_rresp [CHANNELS];
wire                      d_rlast [CHANNELS];
wire                      d_rvalid [CHANNELS];
wire                      d_rready [CHANNELS];

for (genvar c = 0; c < CHANNELS; c = c + 1) begin : g_channel
    // Channel-local offsets: the split cleared the host's select bits (and answered anything
    // above them), the kernel's master c addresses only window c (fwd_config's check).
    wire [AW-1:0] h_awaddr_c = h_awaddr[c*AW +: AW];
    wire [AW-1:0] h_araddr_c = h_araddr[c*AW +: AW];
    wire unused_high = &{1'b0, h_awaddr_c[AW-1:DDR_ADDR_WIDTH], h_araddr_c[AW-1:DDR_ADDR_WIDTH],
                         k_awaddr[c][AW-1:DDR_ADDR_WIDTH], k_araddr[c][AW-1:DDR_ADDR_WIDTH]};

    axi_arbiter #(
        .S_COUNT(2),
        .DATA_WIDTH(DW),
        .ADDR_WIDTH(DDR_ADDR_WIDTH),
        .S_ID_WIDTH(IW),
        .M_ID_WIDTH(DDR_ID_WIDTH)
    ) arbiter_inst (
        .clk(clk),
        .rst(rst),
        .s_axi_awid({k_awid[c], h_awid[c*IW +: IW]}),
        .s_axi_awaddr({k_awaddr[c][DDR_ADDR_WIDTH-1:0], h_awaddr_c[DDR_ADDR_WIDTH-1:0]}),
        .s_axi_awlen({k_awlen[c], h_awlen[c*8 +: 8]}),
        .s_axi_awsize({k_awsize[c], h_awsize[c*3 +: 3]}),
        .s_axi_awburst({k_awburst[c], h_awburst[c*2 +: 2]}),
        .s_axi_awlock({k_awlock[c], h_awlock[c]}),
        .s_axi_awcache({k_awcache[c], h_awcache[c*4 +: 4]}),
        .s_axi_awprot({k_awprot[c], h_awprot[c*3 +: 3]}),
        .s_axi_awqos({k_awqos[c], h_awqos[c*4 +: 4]}),
        .s_axi_awregion({k_awregion[c], h_awregion[c*4 +: 4]}),
        .s_axi_awvalid({k_awvalid[c], h_awvalid[c]}),
        .s_axi_awready({k_awready[c], h_awready[c]}),
        .s_axi_wdata({k_wdata[c], h_wdata[c*DW +: DW]}),
        .s_axi_wstrb({k_wstrb[c], h_wstrb[c*SW +: SW]}),
        .s_axi_wlast({k_wlast[c], h_wlast[c]}),
        .s_axi_wvalid({k_wvalid[c], h_wvalid[c]}),
        .s_axi_wready({k_wready[c], h_wready[c]}),
        .s_axi_bid({k_bid[c], h_bid[c*IW +: IW]}),
        .s_axi_bresp({k_bresp[c], h_bresp[c*2 +: 2]}),
        .s_axi_bvalid({k_bvalid[c], h_bvalid[c]}),
        .s_axi_bready({k_bready[c], h_bready[c]}),
        .s_axi_arid({k_arid[c], h_arid[c*IW +: IW]}),
        .s_axi_araddr({k_araddr[c][DDR_ADDR_WIDTH-1:0], h_araddr_c[DDR_ADDR_WIDTH-1:0]}),
        .s_axi_arlen({k_arlen[c], h_arlen[c*8 +: 8]}),
        .s_axi_arsize({k_arsize[c], h_arsize[c*3 +: 3]}),
        .s_axi_arburst({k_arburst[c], h_arburst[c*2 +: 2]}),
        .s_axi_arlock({k_arlock[c], h_arlock[c]}),
        .s_axi_arcache({k_arcache[c], h_arcache[c*4 +: 4]}),
        .s_axi_arprot({k_arprot[c], h_arprot[c*3 +: 3]}),
        .s_axi_arqos({k_arqos[c], h_arqos[c*4 +: 4]}),
        .s_axi_arregion({k_arregion[c], h_arregion[c*4 +: 4]}),
        .s_axi_arvalid({k_arvalid[c], h_arvalid[c]}),
        .s_axi_arready({k_arready[c], h_arready[c]}),
        .s_axi_rid({k_rid[c], h_rid[c*IW +: IW]}),
        .s_axi_rdata({k_rdata[c], h_rdata[c*DW +: DW]}),
        .s_axi_rresp({k_rresp[c], h_rresp[c*2 +: 2]}),
        .s_axi_rlast({k_rlast[c], h_rlast[c]}),
        .s_axi_rvalid({k_rvalid[c], h_rvalid[c]}),
        .s_axi_rready({k_rready[c], h_rready[c]}),
        .m_axi_awid(d_awid[c]),
        .m_axi_awaddr(d_awaddr[c]),
        .m_axi_awlen(d_awlen[c]),
        .m_axi_awsize(d_awsize[c]),
        .m_axi_awburst(d_awburst[c]),
        .m_axi_awlock(d_awlock[c]),
        .m_axi_awcache(d_awcache[c]),
        .m_axi_awprot(d_awprot[c]),
        .m_axi_awqos(d_awqos[c]),
        .m_axi_awregion(d_awregion[c]),
        .m_axi_awvalid(d_awvalid[c]),
        .m_axi_awready(d_awready[c]),
        .m_axi_wdata(d_wdata[c]),
        .m_axi_wstrb(d_wstrb[c]),
        .m_axi_wlast(d_wlast[c]),
        .m_axi_wvalid(d_wvalid[c]),
        .m_axi_wready(d_wready[c]),
        .m_axi_bid(d_bid[c]),
        .m_axi_bresp(d_bresp[c]),
        .m_axi_bvalid(d_bvalid[c]),
        .m_axi_bready(d_bready[c]),
        .m_axi_arid(d_arid[c]),
        .m_axi_araddr(d_araddr[c]),
        .m_axi_arlen(d_arlen[c]),
        .m_axi_arsize(d_arsize[c]),
        .m_axi_arburst(d_arburst[c]),
        .m_axi_arlock(d_arlock[c]),
        .m_axi_arcache(d_arcache[c]),
        .m_axi_arprot(d_arprot[c]),
        .m_axi_arqos(d_arqos[c]),
        .m_axi_arregion(d_arregion[c]),
        .m_axi_arvalid(d_arvalid[c]),
        .m_axi_arready(d_arready[c]),
        .m_axi_rid(d_rid[c]),
        .m_axi_rdata(d_rdata[c]),
        .m_axi_rresp(d_rresp[c]),
        .m_axi_rlast(d_rlast[c]),
        .m_axi_rvalid(d_rvalid[c]),
        .m_axi_rready(d_rready[c])
    );
end

`VU9P_SHELL_DDR_ASSIGN(0, a);
`VU9P_SHELL_DDR_ASSIGN(1, b);
`VU9P_SHELL_DDR_ASSIGN(2, c);
`VU9P_SHELL_DDR_ASSIGN(3, d);

`undef VU9P_SHELL_KERNEL_PORTS
`undef VU9P_SHELL_DDR_ASSIGN
`undef VU9P_SHELL_DDR_PORTS

endmodule

`resetall
