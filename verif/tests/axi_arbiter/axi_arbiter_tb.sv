// SPDX-License-Identifier: Apache-2.0

/*
 * Test wrapper for axi_arbiter: each slave port on its own prefix
 *
 * cocotbext-axi binds an AXI port by the prefix of its signal names and cannot
 * take one entry out of a packed vector, so this wrapper gives port i of the
 * DUT's packed s_axi_* vectors the prefix s0<i>_axi (up to four ports; those at
 * or above S_COUNT are tied off and carry no traffic). Pure wiring: every
 * parameter goes to the DUT unchanged.
 */

`default_nettype none

module axi_arbiter_tb #(
    // Slave ports used (2..4)
    parameter int S_COUNT = 2,
    // Width of the data bus, bits
    parameter int DATA_WIDTH = 512,
    // Width of the address bus, bits
    parameter int ADDR_WIDTH = 64,
    // Width of wstrb, bits
    parameter int STRB_WIDTH = DATA_WIDTH / 8,
    // Width of the slave ports' ID fields, bits
    parameter int S_ID_WIDTH = 4,
    // Width of the master port's ID fields, bits
    parameter int M_ID_WIDTH = S_ID_WIDTH + $clog2(S_COUNT),
    // W FIFO entries
    parameter int W_FIFO_DEPTH = 16
) (
    input  wire                     clk,
    input  wire                     rst,  // active-high, synchronous

    /*
     * AXI4 master: m_axi_* (the DUT's own port)
     */
    output wire  [M_ID_WIDTH-1:0]   m_axi_awid,
    output wire  [ADDR_WIDTH-1:0]   m_axi_awaddr,
    output wire  [7:0]              m_axi_awlen,
    output wire  [2:0]              m_axi_awsize,
    output wire  [1:0]              m_axi_awburst,
    output wire                     m_axi_awlock,
    output wire  [3:0]              m_axi_awcache,
    output wire  [2:0]              m_axi_awprot,
    output wire  [3:0]              m_axi_awqos,
    output wire  [3:0]              m_axi_awregion,
    output wire                     m_axi_awvalid,
    input  wire                     m_axi_awready,
    output wire  [DATA_WIDTH-1:0]   m_axi_wdata,
    output wire  [STRB_WIDTH-1:0]   m_axi_wstrb,
    output wire                     m_axi_wlast,
    output wire                     m_axi_wvalid,
    input  wire                     m_axi_wready,
    input  wire  [M_ID_WIDTH-1:0]   m_axi_bid,
    input  wire  [1:0]              m_axi_bresp,
    input  wire                     m_axi_bvalid,
    output wire                     m_axi_bready,
    output wire  [M_ID_WIDTH-1:0]   m_axi_arid,
    output wire  [ADDR_WIDTH-1:0]   m_axi_araddr,
    output wire  [7:0]              m_axi_arlen,
    output wire  [2:0]              m_axi_arsize,
    output wire  [1:0]              m_axi_arburst,
    output wire                     m_axi_arlock,
    output wire  [3:0]              m_axi_arcache,
    output wire  [2:0]              m_axi_arprot,
    output wire  [3:0]              m_axi_arqos,
    output wire  [3:0]              m_axi_arregion,
    output wire                     m_axi_arvalid,
    input  wire                     m_axi_arready,
    input  wire  [M_ID_WIDTH-1:0]   m_axi_rid,
    input  wire  [DATA_WIDTH-1:0]   m_axi_rdata,
    input  wire  [1:0]              m_axi_rresp,
    input  wire                     m_axi_rlast,
    input  wire                     m_axi_rvalid,
    output wire                     m_axi_rready,

    /*
     * AXI4 slave 0: s00_axi_* (axi_arbiter port 0; tied off when 0 >= S_COUNT)
     */
    input  wire  [S_ID_WIDTH-1:0]   s00_axi_awid,
    input  wire  [ADDR_WIDTH-1:0]   s00_axi_awaddr,
    input  wire  [7:0]              s00_axi_awlen,
    input  wire  [2:0]              s00_axi_awsize,
    input  wire  [1:0]              s00_axi_awburst,
    input  wire                     s00_axi_awlock,
    input  wire  [3:0]              s00_axi_awcache,
    input  wire  [2:0]              s00_axi_awprot,
    input  wire  [3:0]              s00_axi_awqos,
    input  wire  [3:0]              s00_axi_awregion,
    input  wire                     s00_axi_awvalid,
    output wire                     s00_axi_awready,
    input  wire  [DATA_WIDTH-1:0]   s00_axi_wdata,
    input  wire  [STRB_WIDTH-1:0]   s00_axi_wstrb,
    input  wire                     s00_axi_wlast,
    input  wire                     s00_axi_wvalid,
    output wire                     s00_axi_wready,
    output wire  [S_ID_WIDTH-1:0]   s00_axi_bid,
    output wire  [1:0]              s00_axi_bresp,
    output wire                     s00_axi_bvalid,
    input  wire                     s00_axi_bready,
    input  wire  [S_ID_WIDTH-1:0]   s00_axi_arid,
    input  wire  [ADDR_WIDTH-1:0]   s00_axi_araddr,
    input  wire  [7:0]              s00_axi_arlen,
    input  wire  [2:0]              s00_axi_arsize,
    input  wire  [1:0]              s00_axi_arburst,
    input  wire                     s00_axi_arlock,
    input  wire  [3:0]              s00_axi_arcache,
    input  wire  [2:0]              s00_axi_arprot,
    input  wire  [3:0]              s00_axi_arqos,
    input  wire  [3:0]              s00_axi_arregion,
    input  wire                     s00_axi_arvalid,
    output wire                     s00_axi_arready,
    output wire  [S_ID_WIDTH-1:0]   s00_axi_rid,
    output wire  [DATA_WIDTH-1:0]   s00_axi_rdata,
    output wire  [1:0]              s00_axi_rresp,
    output wire                     s00_axi_rlast,
    output wire                     s00_axi_rvalid,
    input  wire                     s00_axi_rready,

    /*
     * AXI4 slave 1: s01_axi_* (axi_arbiter port 1; tied off when 1 >= S_COUNT)
     */
    input  wire  [S_ID_WIDTH-1:0]   s01_axi_awid,
    input  wire  [ADDR_WIDTH-1:0]   s01_axi_awaddr,
    input  wire  [7:0]              s01_axi_awlen,
    input  wire  [2:0]              s01_axi_awsize,
    input  wire  [1:0]              s01_axi_awburst,
    input  wire                     s01_axi_awlock,
    input  wire  [3:0]              s01_axi_awcache,
    input  wire  [2:0]              s01_axi_awprot,
    input  wire  [3:0]              s01_axi_awqos,
    input  wire  [3:0]              s01_axi_awregion,
    input  wire                     s01_axi_awvalid,
    output wire                     s01_axi_awready,
    input  wire  [DATA_WIDTH-1:0]   s01_axi_wdata,
    input  wire  [STRB_WIDTH-1:0]   s01_axi_wstrb,
    input  wire                     s01_axi_wlast,
    input  wire                     s01_axi_wvalid,
    output wire                     s01_axi_wready,
    output wire  [S_ID_WIDTH-1:0]   s01_axi_bid,
    output wire  [1:0]              s01_axi_bresp,
    output wire                     s01_axi_bvalid,
    input  wire                     s01_axi_bready,
    input  wire  [S_ID_WIDTH-1:0]   s01_axi_arid,
    input  wire  [ADDR_WIDTH-1:0]   s01_axi_araddr,
    input  wire  [7:0]              s01_axi_arlen,
    input  wire  [2:0]              s01_axi_arsize,
    input  wire  [1:0]              s01_axi_arburst,
    input  wire                     s01_axi_arlock,
    input  wire  [3:0]              s01_axi_arcache,
    input  wire  [2:0]              s01_axi_arprot,
    input  wire  [3:0]              s01_axi_arqos,
    input  wire  [3:0]              s01_axi_arregion,
    input  wire                     s01_axi_arvalid,
    output wire                     s01_axi_arready,
    output wire  [S_ID_WIDTH-1:0]   s01_axi_rid,
    output wire  [DATA_WIDTH-1:0]   s01_axi_rdata,
    output wire  [1:0]              s01_axi_rresp,
    output wire                     s01_axi_rlast,
    output wire                     s01_axi_rvalid,
    input  wire                     s01_axi_rready,

    /*
     * AXI4 slave 2: s02_axi_* (axi_arbiter port 2; tied off when 2 >= S_COUNT)
     */
    input  wire  [S_ID_WIDTH-1:0]   s02_axi_awid,
    input  wire  [ADDR_WIDTH-1:0]   s02_axi_awaddr,
    input  wire  [7:0]              s02_axi_awlen,
    input  wire  [2:0]              s02_axi_awsize,
    input  wire  [1:0]              s02_axi_awburst,
    input  wire                     s02_axi_awlock,
    input  wire  [3:0]              s02_axi_awcache,
    input  wire  [2:0]              s02_axi_awprot,
    input  wire  [3:0]              s02_axi_awqos,
    input  wire  [3:0]              s02_axi_awregion,
    input  wire                     s02_axi_awvalid,
    output wire                     s02_axi_awready,
    input  wire  [DATA_WIDTH-1:0]   s02_axi_wdata,
    input  wire  [STRB_WIDTH-1:0]   s02_axi_wstrb,
    input  wire                     s02_axi_wlast,
    input  wire                     s02_axi_wvalid,
    output wire                     s02_axi_wready,
    output wire  [S_ID_WIDTH-1:0]   s02_axi_bid,
    output wire  [1:0]              s02_axi_bresp,
    output wire                     s02_axi_bvalid,
    input  wire                     s02_axi_bready,
    input  wire  [S_ID_WIDTH-1:0]   s02_axi_arid,
    input  wire  [ADDR_WIDTH-1:0]   s02_axi_araddr,
    input  wire  [7:0]              s02_axi_arlen,
    input  wire  [2:0]              s02_axi_arsize,
    input  wire  [1:0]              s02_axi_arburst,
    input  wire                     s02_axi_arlock,
    input  wire  [3:0]              s02_axi_arcache,
    input  wire  [2:0]              s02_axi_arprot,
    input  wire  [3:0]              s02_axi_arqos,
    input  wire  [3:0]              s02_axi_arregion,
    input  wire                     s02_axi_arvalid,
    output wire                     s02_axi_arready,
    output wire  [S_ID_WIDTH-1:0]   s02_axi_rid,
    output wire  [DATA_WIDTH-1:0]   s02_axi_rdata,
    output wire  [1:0]              s02_axi_rresp,
    output wire                     s02_axi_rlast,
    output wire                     s02_axi_rvalid,
    input  wire                     s02_axi_rready,

    /*
     * AXI4 slave 3: s03_axi_* (axi_arbiter port 3; tied off when 3 >= S_COUNT)
     */
    input  wire  [S_ID_WIDTH-1:0]   s03_axi_awid,
    input  wire  [ADDR_WIDTH-1:0]   s03_axi_awaddr,
    input  wire  [7:0]              s03_axi_awlen,
    input  wire  [2:0]              s03_axi_awsize,
    input  wire  [1:0]              s03_axi_awburst,
    input  wire                     s03_axi_awlock,
    input  wire  [3:0]              s03_axi_awcache,
    input  wire  [2:0]              s03_axi_awprot,
    input  wire  [3:0]              s03_axi_awqos,
    input  wire  [3:0]              s03_axi_awregion,
    input  wire                     s03_axi_awvalid,
    output wire                     s03_axi_awready,
    input  wire  [DATA_WIDTH-1:0]   s03_axi_wdata,
    input  wire  [STRB_WIDTH-1:0]   s03_axi_wstrb,
    input  wire                     s03_axi_wlast,
    input  wire                     s03_axi_wvalid,
    output wire                     s03_axi_wready,
    output wire  [S_ID_WIDTH-1:0]   s03_axi_bid,
    output wire  [1:0]              s03_axi_bresp,
    output wire                     s03_axi_bvalid,
    input  wire                     s03_axi_bready,
    input  wire  [S_ID_WIDTH-1:0]   s03_axi_arid,
    input  wire  [ADDR_WIDTH-1:0]   s03_axi_araddr,
    input  wire  [7:0]              s03_axi_arlen,
    input  wire  [2:0]              s03_axi_arsize,
    input  wire  [1:0]              s03_axi_arburst,
    input  wire                     s03_axi_arlock,
    input  wire  [3:0]              s03_axi_arcache,
    input  wire  [2:0]              s03_axi_arprot,
    input  wire  [3:0]              s03_axi_arqos,
    input  wire  [3:0]              s03_axi_arregion,
    input  wire                     s03_axi_arvalid,
    output wire                     s03_axi_arready,
    output wire  [S_ID_WIDTH-1:0]   s03_axi_rid,
    output wire  [DATA_WIDTH-1:0]   s03_axi_rdata,
    output wire  [1:0]              s03_axi_rresp,
    output wire                     s03_axi_rlast,
    output wire                     s03_axi_rvalid,
    input  wire                     s03_axi_rready
);

if (S_COUNT < 2 || S_COUNT > 4) begin : g_check_s_count
    $error("axi_arbiter_tb: S_COUNT must be in 2..4");
end

// All four ports packed as the DUT packs its S_COUNT ports (port i in bits [i*W +: W]); the DUT
// takes the low S_COUNT entries. Inputs from ports >= S_COUNT go nowhere, their outputs are zero.
/* verilator lint_off UNUSEDSIGNAL */
wire [4*S_ID_WIDTH-1:0]   s_axi_awid = {s03_axi_awid, s02_axi_awid, s01_axi_awid, s00_axi_awid};
wire [4*ADDR_WIDTH-1:0]   s_axi_awaddr = {s03_axi_awaddr, s02_axi_awaddr, s01_axi_awaddr, s00_axi_awaddr};
wire [31:0]               s_axi_awlen = {s03_axi_awlen, s02_axi_awlen, s01_axi_awlen, s00_axi_awlen};
wire [11:0]               s_axi_awsize = {s03_axi_awsize, s02_axi_awsize, s01_axi_awsize, s00_axi_awsize};
wire [7:0]                s_axi_awburst = {s03_axi_awburst, s02_axi_awburst, s01_axi_awburst, s00_axi_awburst};
wire [3:0]                s_axi_awlock = {s03_axi_awlock, s02_axi_awlock, s01_axi_awlock, s00_axi_awlock};
wire [15:0]               s_axi_awcache = {s03_axi_awcache, s02_axi_awcache, s01_axi_awcache, s00_axi_awcache};
wire [11:0]               s_axi_awprot = {s03_axi_awprot, s02_axi_awprot, s01_axi_awprot, s00_axi_awprot};
wire [15:0]               s_axi_awqos = {s03_axi_awqos, s02_axi_awqos, s01_axi_awqos, s00_axi_awqos};
wire [15:0]               s_axi_awregion = {s03_axi_awregion, s02_axi_awregion, s01_axi_awregion, s00_axi_awregion};
wire [3:0]                s_axi_awvalid = {s03_axi_awvalid, s02_axi_awvalid, s01_axi_awvalid, s00_axi_awvalid};
wire [4*DATA_WIDTH-1:0]   s_axi_wdata = {s03_axi_wdata, s02_axi_wdata, s01_axi_wdata, s00_axi_wdata};
wire [4*STRB_WIDTH-1:0]   s_axi_wstrb = {s03_axi_wstrb, s02_axi_wstrb, s01_axi_wstrb, s00_axi_wstrb};
wire [3:0]                s_axi_wlast = {s03_axi_wlast, s02_axi_wlast, s01_axi_wlast, s00_axi_wlast};
wire [3:0]                s_axi_wvalid = {s03_axi_wvalid, s02_axi_wvalid, s01_axi_wvalid, s00_axi_wvalid};
wire [3:0]                s_axi_bready = {s03_axi_bready, s02_axi_bready, s01_axi_bready, s00_axi_bready};
wire [4*S_ID_WIDTH-1:0]   s_axi_arid = {s03_axi_arid, s02_axi_arid, s01_axi_arid, s00_axi_arid};
wire [4*ADDR_WIDTH-1:0]   s_axi_araddr = {s03_axi_araddr, s02_axi_araddr, s01_axi_araddr, s00_axi_araddr};
wire [31:0]               s_axi_arlen = {s03_axi_arlen, s02_axi_arlen, s01_axi_arlen, s00_axi_arlen};
wire [11:0]               s_axi_arsize = {s03_axi_arsize, s02_axi_arsize, s01_axi_arsize, s00_axi_arsize};
wire [7:0]                s_axi_arburst = {s03_axi_arburst, s02_axi_arburst, s01_axi_arburst, s00_axi_arburst};
wire [3:0]                s_axi_arlock = {s03_axi_arlock, s02_axi_arlock, s01_axi_arlock, s00_axi_arlock};
wire [15:0]               s_axi_arcache = {s03_axi_arcache, s02_axi_arcache, s01_axi_arcache, s00_axi_arcache};
wire [11:0]               s_axi_arprot = {s03_axi_arprot, s02_axi_arprot, s01_axi_arprot, s00_axi_arprot};
wire [15:0]               s_axi_arqos = {s03_axi_arqos, s02_axi_arqos, s01_axi_arqos, s00_axi_arqos};
wire [15:0]               s_axi_arregion = {s03_axi_arregion, s02_axi_arregion, s01_axi_arregion, s00_axi_arregion};
wire [3:0]                s_axi_arvalid = {s03_axi_arvalid, s02_axi_arvalid, s01_axi_arvalid, s00_axi_arvalid};
wire [3:0]                s_axi_rready = {s03_axi_rready, s02_axi_rready, s01_axi_rready, s00_axi_rready};
/* verilator lint_on UNUSEDSIGNAL */
wire [3:0]                s_axi_awready;
wire [3:0]                s_axi_wready;
wire [4*S_ID_WIDTH-1:0]   s_axi_bid;
wire [7:0]                s_axi_bresp;
wire [3:0]                s_axi_bvalid;
wire [3:0]                s_axi_arready;
wire [4*S_ID_WIDTH-1:0]   s_axi_rid;
wire [4*DATA_WIDTH-1:0]   s_axi_rdata;
wire [7:0]                s_axi_rresp;
wire [3:0]                s_axi_rlast;
wire [3:0]                s_axi_rvalid;

assign {s03_axi_awready, s02_axi_awready, s01_axi_awready, s00_axi_awready} = s_axi_awready;
assign {s03_axi_wready, s02_axi_wready, s01_axi_wready, s00_axi_wready} = s_axi_wready;
assign {s03_axi_bid, s02_axi_bid, s01_axi_bid, s00_axi_bid} = s_axi_bid;
assign {s03_axi_bresp, s02_axi_bresp, s01_axi_bresp, s00_axi_bresp} = s_axi_bresp;
assign {s03_axi_bvalid, s02_axi_bvalid, s01_axi_bvalid, s00_axi_bvalid} = s_axi_bvalid;
assign {s03_axi_arready, s02_axi_arready, s01_axi_arready, s00_axi_arready} = s_axi_arready;
assign {s03_axi_rid, s02_axi_rid, s01_axi_rid, s00_axi_rid} = s_axi_rid;
assign {s03_axi_rdata, s02_axi_rdata, s01_axi_rdata, s00_axi_rdata} = s_axi_rdata;
assign {s03_axi_rresp, s02_axi_rresp, s01_axi_rresp, s00_axi_rresp} = s_axi_rresp;
assign {s03_axi_rlast, s02_axi_rlast, s01_axi_rlast, s00_axi_rlast} = s_axi_rlast;
assign {s03_axi_rvalid, s02_axi_rvalid, s01_axi_rvalid, s00_axi_rvalid} = s_axi_rvalid;

if (S_COUNT < 4) begin : g_tie_off
    assign s_axi_awready[3:S_COUNT] = '0;
    assign s_axi_wready[3:S_COUNT] = '0;
    assign s_axi_bid[4*S_ID_WIDTH-1:S_COUNT*S_ID_WIDTH] = '0;
    assign s_axi_bresp[7:S_COUNT*2] = '0;
    assign s_axi_bvalid[3:S_COUNT] = '0;
    assign s_axi_arready[3:S_COUNT] = '0;
    assign s_axi_rid[4*S_ID_WIDTH-1:S_COUNT*S_ID_WIDTH] = '0;
    assign s_axi_rdata[4*DATA_WIDTH-1:S_COUNT*DATA_WIDTH] = '0;
    assign s_axi_rresp[7:S_COUNT*2] = '0;
    assign s_axi_rlast[3:S_COUNT] = '0;
    assign s_axi_rvalid[3:S_COUNT] = '0;
end

axi_arbiter #(
    .S_COUNT(S_COUNT),
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH),
    .STRB_WIDTH(STRB_WIDTH),
    .S_ID_WIDTH(S_ID_WIDTH),
    .M_ID_WIDTH(M_ID_WIDTH),
    .W_FIFO_DEPTH(W_FIFO_DEPTH)
) axi_arbiter_inst (
    .clk(clk),
    .rst(rst),
    .m_axi_awid(m_axi_awid),
    .m_axi_awaddr(m_axi_awaddr),
    .m_axi_awlen(m_axi_awlen),
    .m_axi_awsize(m_axi_awsize),
    .m_axi_awburst(m_axi_awburst),
    .m_axi_awlock(m_axi_awlock),
    .m_axi_awcache(m_axi_awcache),
    .m_axi_awprot(m_axi_awprot),
    .m_axi_awqos(m_axi_awqos),
    .m_axi_awregion(m_axi_awregion),
    .m_axi_awvalid(m_axi_awvalid),
    .m_axi_awready(m_axi_awready),
    .m_axi_wdata(m_axi_wdata),
    .m_axi_wstrb(m_axi_wstrb),
    .m_axi_wlast(m_axi_wlast),
    .m_axi_wvalid(m_axi_wvalid),
    .m_axi_wready(m_axi_wready),
    .m_axi_bid(m_axi_bid),
    .m_axi_bresp(m_axi_bresp),
    .m_axi_bvalid(m_axi_bvalid),
    .m_axi_bready(m_axi_bready),
    .m_axi_arid(m_axi_arid),
    .m_axi_araddr(m_axi_araddr),
    .m_axi_arlen(m_axi_arlen),
    .m_axi_arsize(m_axi_arsize),
    .m_axi_arburst(m_axi_arburst),
    .m_axi_arlock(m_axi_arlock),
    .m_axi_arcache(m_axi_arcache),
    .m_axi_arprot(m_axi_arprot),
    .m_axi_arqos(m_axi_arqos),
    .m_axi_arregion(m_axi_arregion),
    .m_axi_arvalid(m_axi_arvalid),
    .m_axi_arready(m_axi_arready),
    .m_axi_rid(m_axi_rid),
    .m_axi_rdata(m_axi_rdata),
    .m_axi_rresp(m_axi_rresp),
    .m_axi_rlast(m_axi_rlast),
    .m_axi_rvalid(m_axi_rvalid),
    .m_axi_rready(m_axi_rready),
    .s_axi_awid(s_axi_awid[S_COUNT*S_ID_WIDTH-1:0]),
    .s_axi_awaddr(s_axi_awaddr[S_COUNT*ADDR_WIDTH-1:0]),
    .s_axi_awlen(s_axi_awlen[S_COUNT*8-1:0]),
    .s_axi_awsize(s_axi_awsize[S_COUNT*3-1:0]),
    .s_axi_awburst(s_axi_awburst[S_COUNT*2-1:0]),
    .s_axi_awlock(s_axi_awlock[S_COUNT-1:0]),
    .s_axi_awcache(s_axi_awcache[S_COUNT*4-1:0]),
    .s_axi_awprot(s_axi_awprot[S_COUNT*3-1:0]),
    .s_axi_awqos(s_axi_awqos[S_COUNT*4-1:0]),
    .s_axi_awregion(s_axi_awregion[S_COUNT*4-1:0]),
    .s_axi_awvalid(s_axi_awvalid[S_COUNT-1:0]),
    .s_axi_awready(s_axi_awready[S_COUNT-1:0]),
    .s_axi_wdata(s_axi_wdata[S_COUNT*DATA_WIDTH-1:0]),
    .s_axi_wstrb(s_axi_wstrb[S_COUNT*STRB_WIDTH-1:0]),
    .s_axi_wlast(s_axi_wlast[S_COUNT-1:0]),
    .s_axi_wvalid(s_axi_wvalid[S_COUNT-1:0]),
    .s_axi_wready(s_axi_wready[S_COUNT-1:0]),
    .s_axi_bid(s_axi_bid[S_COUNT*S_ID_WIDTH-1:0]),
    .s_axi_bresp(s_axi_bresp[S_COUNT*2-1:0]),
    .s_axi_bvalid(s_axi_bvalid[S_COUNT-1:0]),
    .s_axi_bready(s_axi_bready[S_COUNT-1:0]),
    .s_axi_arid(s_axi_arid[S_COUNT*S_ID_WIDTH-1:0]),
    .s_axi_araddr(s_axi_araddr[S_COUNT*ADDR_WIDTH-1:0]),
    .s_axi_arlen(s_axi_arlen[S_COUNT*8-1:0]),
    .s_axi_arsize(s_axi_arsize[S_COUNT*3-1:0]),
    .s_axi_arburst(s_axi_arburst[S_COUNT*2-1:0]),
    .s_axi_arlock(s_axi_arlock[S_COUNT-1:0]),
    .s_axi_arcache(s_axi_arcache[S_COUNT*4-1:0]),
    .s_axi_arprot(s_axi_arprot[S_COUNT*3-1:0]),
    .s_axi_arqos(s_axi_arqos[S_COUNT*4-1:0]),
    .s_axi_arregion(s_axi_arregion[S_COUNT*4-1:0]),
    .s_axi_arvalid(s_axi_arvalid[S_COUNT-1:0]),
    .s_axi_arready(s_axi_arready[S_COUNT-1:0]),
    .s_axi_rid(s_axi_rid[S_COUNT*S_ID_WIDTH-1:0]),
    .s_axi_rdata(s_axi_rdata[S_COUNT*DATA_WIDTH-1:0]),
    .s_axi_rresp(s_axi_rresp[S_COUNT*2-1:0]),
    .s_axi_rlast(s_axi_rlast[S_COUNT-1:0]),
    .s_axi_rvalid(s_axi_rvalid[S_COUNT-1:0]),
    .s_axi_rready(s_axi_rready[S_COUNT-1:0])
);

endmodule

`default_nettype wire
