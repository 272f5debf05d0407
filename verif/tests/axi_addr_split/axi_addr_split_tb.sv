// SPDX-License-Identifier: Apache-2.0

/*
 * Test wrapper for axi_addr_split: each master port on its own prefix
 *
 * cocotbext-axi binds an AXI port by the prefix of its signal names and cannot
 * take one entry out of a packed vector, so this wrapper gives port i of the
 * DUT's packed m_axi_* vectors the prefix m0<i>_axi (up to four ports; those at
 * or above M_COUNT are tied off and carry no traffic). Pure wiring: every
 * parameter goes to the DUT unchanged.
 */

`default_nettype none

module axi_addr_split_tb #(
    // Master ports used (2..4)
    parameter int M_COUNT = 4,
    // Width of the data bus, bits
    parameter int DATA_WIDTH = 512,
    // Width of the address bus, bits
    parameter int ADDR_WIDTH = 64,
    // Width of wstrb, bits
    parameter int STRB_WIDTH = DATA_WIDTH / 8,
    // Width of the ID fields, bits
    parameter int ID_WIDTH = 4,
    // Lowest address bit of the port select field
    parameter int SEL_LSB = 34,
    // 1: forward the address unchanged; 0: clear the select bits
    parameter int KEEP_SEL_ENABLE = 0,
    // Bursts in flight per direction
    parameter int MAX_OUTSTANDING = 16
) (
    input  wire                     clk,
    input  wire                     rst,  // active-high, synchronous

    /*
     * AXI4 slave: s_axi_* (the DUT's own port)
     */
    input  wire  [ID_WIDTH-1:0]     s_axi_awid,
    input  wire  [ADDR_WIDTH-1:0]   s_axi_awaddr,
    input  wire  [7:0]              s_axi_awlen,
    input  wire  [2:0]              s_axi_awsize,
    input  wire  [1:0]              s_axi_awburst,
    input  wire                     s_axi_awlock,
    input  wire  [3:0]              s_axi_awcache,
    input  wire  [2:0]              s_axi_awprot,
    input  wire  [3:0]              s_axi_awqos,
    input  wire  [3:0]              s_axi_awregion,
    input  wire                     s_axi_awvalid,
    output wire                     s_axi_awready,
    input  wire  [DATA_WIDTH-1:0]   s_axi_wdata,
    input  wire  [STRB_WIDTH-1:0]   s_axi_wstrb,
    input  wire                     s_axi_wlast,
    input  wire                     s_axi_wvalid,
    output wire                     s_axi_wready,
    output wire  [ID_WIDTH-1:0]     s_axi_bid,
    output wire  [1:0]              s_axi_bresp,
    output wire                     s_axi_bvalid,
    input  wire                     s_axi_bready,
    input  wire  [ID_WIDTH-1:0]     s_axi_arid,
    input  wire  [ADDR_WIDTH-1:0]   s_axi_araddr,
    input  wire  [7:0]              s_axi_arlen,
    input  wire  [2:0]              s_axi_arsize,
    input  wire  [1:0]              s_axi_arburst,
    input  wire                     s_axi_arlock,
    input  wire  [3:0]              s_axi_arcache,
    input  wire  [2:0]              s_axi_arprot,
    input  wire  [3:0]              s_axi_arqos,
    input  wire  [3:0]              s_axi_arregion,
    input  wire                     s_axi_arvalid,
    output wire                     s_axi_arready,
    output wire  [ID_WIDTH-1:0]     s_axi_rid,
    output wire  [DATA_WIDTH-1:0]   s_axi_rdata,
    output wire  [1:0]              s_axi_rresp,
    output wire                     s_axi_rlast,
    output wire                     s_axi_rvalid,
    input  wire                     s_axi_rready,

    /*
     * AXI4 master 0: m00_axi_* (axi_addr_split port 0; tied off when 0 >= M_COUNT)
     */
    output wire  [ID_WIDTH-1:0]     m00_axi_awid,
    output wire  [ADDR_WIDTH-1:0]   m00_axi_awaddr,
    output wire  [7:0]              m00_axi_awlen,
    output wire  [2:0]              m00_axi_awsize,
    output wire  [1:0]              m00_axi_awburst,
    output wire                     m00_axi_awlock,
    output wire  [3:0]              m00_axi_awcache,
    output wire  [2:0]              m00_axi_awprot,
    output wire  [3:0]              m00_axi_awqos,
    output wire  [3:0]              m00_axi_awregion,
    output wire                     m00_axi_awvalid,
    input  wire                     m00_axi_awready,
    output wire  [DATA_WIDTH-1:0]   m00_axi_wdata,
    output wire  [STRB_WIDTH-1:0]   m00_axi_wstrb,
    output wire                     m00_axi_wlast,
    output wire                     m00_axi_wvalid,
    input  wire                     m00_axi_wready,
    input  wire  [ID_WIDTH-1:0]     m00_axi_bid,
    input  wire  [1:0]              m00_axi_bresp,
    input  wire                     m00_axi_bvalid,
    output wire                     m00_axi_bready,
    output wire  [ID_WIDTH-1:0]     m00_axi_arid,
    output wire  [ADDR_WIDTH-1:0]   m00_axi_araddr,
    output wire  [7:0]              m00_axi_arlen,
    output wire  [2:0]              m00_axi_arsize,
    output wire  [1:0]              m00_axi_arburst,
    output wire                     m00_axi_arlock,
    output wire  [3:0]              m00_axi_arcache,
    output wire  [2:0]              m00_axi_arprot,
    output wire  [3:0]              m00_axi_arqos,
    output wire  [3:0]              m00_axi_arregion,
    output wire                     m00_axi_arvalid,
    input  wire                     m00_axi_arready,
    input  wire  [ID_WIDTH-1:0]     m00_axi_rid,
    input  wire  [DATA_WIDTH-1:0]   m00_axi_rdata,
    input  wire  [1:0]              m00_axi_rresp,
    input  wire                     m00_axi_rlast,
    input  wire                     m00_axi_rvalid,
    output wire                     m00_axi_rready,

    /*
     * AXI4 master 1: m01_axi_* (axi_addr_split port 1; tied off when 1 >= M_COUNT)
     */
    output wire  [ID_WIDTH-1:0]     m01_axi_awid,
    output wire  [ADDR_WIDTH-1:0]   m01_axi_awaddr,
    output wire  [7:0]              m01_axi_awlen,
    output wire  [2:0]              m01_axi_awsize,
    output wire  [1:0]              m01_axi_awburst,
    output wire                     m01_axi_awlock,
    output wire  [3:0]              m01_axi_awcache,
    output wire  [2:0]              m01_axi_awprot,
    output wire  [3:0]              m01_axi_awqos,
    output wire  [3:0]              m01_axi_awregion,
    output wire                     m01_axi_awvalid,
    input  wire                     m01_axi_awready,
    output wire  [DATA_WIDTH-1:0]   m01_axi_wdata,
    output wire  [STRB_WIDTH-1:0]   m01_axi_wstrb,
    output wire                     m01_axi_wlast,
    output wire                     m01_axi_wvalid,
    input  wire                     m01_axi_wready,
    input  wire  [ID_WIDTH-1:0]     m01_axi_bid,
    input  wire  [1:0]              m01_axi_bresp,
    input  wire                     m01_axi_bvalid,
    output wire                     m01_axi_bready,
    output wire  [ID_WIDTH-1:0]     m01_axi_arid,
    output wire  [ADDR_WIDTH-1:0]   m01_axi_araddr,
    output wire  [7:0]              m01_axi_arlen,
    output wire  [2:0]              m01_axi_arsize,
    output wire  [1:0]              m01_axi_arburst,
    output wire                     m01_axi_arlock,
    output wire  [3:0]              m01_axi_arcache,
    output wire  [2:0]              m01_axi_arprot,
    output wire  [3:0]              m01_axi_arqos,
    output wire  [3:0]              m01_axi_arregion,
    output wire                     m01_axi_arvalid,
    input  wire                     m01_axi_arready,
    input  wire  [ID_WIDTH-1:0]     m01_axi_rid,
    input  wire  [DATA_WIDTH-1:0]   m01_axi_rdata,
    input  wire  [1:0]              m01_axi_rresp,
    input  wire                     m01_axi_rlast,
    input  wire                     m01_axi_rvalid,
    output wire                     m01_axi_rready,

    /*
     * AXI4 master 2: m02_axi_* (axi_addr_split port 2; tied off when 2 >= M_COUNT)
     */
    output wire  [ID_WIDTH-1:0]     m02_axi_awid,
    output wire  [ADDR_WIDTH-1:0]   m02_axi_awaddr,
    output wire  [7:0]              m02_axi_awlen,
    output wire  [2:0]              m02_axi_awsize,
    output wire  [1:0]              m02_axi_awburst,
    output wire                     m02_axi_awlock,
    output wire  [3:0]              m02_axi_awcache,
    output wire  [2:0]              m02_axi_awprot,
    output wire  [3:0]              m02_axi_awqos,
    output wire  [3:0]              m02_axi_awregion,
    output wire                     m02_axi_awvalid,
    input  wire                     m02_axi_awready,
    output wire  [DATA_WIDTH-1:0]   m02_axi_wdata,
    output wire  [STRB_WIDTH-1:0]   m02_axi_wstrb,
    output wire                     m02_axi_wlast,
    output wire                     m02_axi_wvalid,
    input  wire                     m02_axi_wready,
    input  wire  [ID_WIDTH-1:0]     m02_axi_bid,
    input  wire  [1:0]              m02_axi_bresp,
    input  wire                     m02_axi_bvalid,
    output wire                     m02_axi_bready,
    output wire  [ID_WIDTH-1:0]     m02_axi_arid,
    output wire  [ADDR_WIDTH-1:0]   m02_axi_araddr,
    output wire  [7:0]              m02_axi_arlen,
    output wire  [2:0]              m02_axi_arsize,
    output wire  [1:0]              m02_axi_arburst,
    output wire                     m02_axi_arlock,
    output wire  [3:0]              m02_axi_arcache,
    output wire  [2:0]              m02_axi_arprot,
    output wire  [3:0]              m02_axi_arqos,
    output wire  [3:0]              m02_axi_arregion,
    output wire                     m02_axi_arvalid,
    input  wire                     m02_axi_arready,
    input  wire  [ID_WIDTH-1:0]     m02_axi_rid,
    input  wire  [DATA_WIDTH-1:0]   m02_axi_rdata,
    input  wire  [1:0]              m02_axi_rresp,
    input  wire                     m02_axi_rlast,
    input  wire                     m02_axi_rvalid,
    output wire                     m02_axi_rready,

    /*
     * AXI4 master 3: m03_axi_* (axi_addr_split port 3; tied off when 3 >= M_COUNT)
     */
    output wire  [ID_WIDTH-1:0]     m03_axi_awid,
    output wire  [ADDR_WIDTH-1:0]   m03_axi_awaddr,
    output wire  [7:0]              m03_axi_awlen,
    output wire  [2:0]              m03_axi_awsize,
    output wire  [1:0]              m03_axi_awburst,
    output wire                     m03_axi_awlock,
    output wire  [3:0]              m03_axi_awcache,
    output wire  [2:0]              m03_axi_awprot,
    output wire  [3:0]              m03_axi_awqos,
    output wire  [3:0]              m03_axi_awregion,
    output wire                     m03_axi_awvalid,
    input  wire                     m03_axi_awready,
    output wire  [DATA_WIDTH-1:0]   m03_axi_wdata,
    output wire  [STRB_WIDTH-1:0]   m03_axi_wstrb,
    output wire                     m03_axi_wlast,
    output wire                     m03_axi_wvalid,
    input  wire                     m03_axi_wready,
    input  wire  [ID_WIDTH-1:0]     m03_axi_bid,
    input  wire  [1:0]              m03_axi_bresp,
    input  wire                     m03_axi_bvalid,
    output wire                     m03_axi_bready,
    output wire  [ID_WIDTH-1:0]     m03_axi_arid,
    output wire  [ADDR_WIDTH-1:0]   m03_axi_araddr,
    output wire  [7:0]              m03_axi_arlen,
    output wire  [2:0]              m03_axi_arsize,
    output wire  [1:0]              m03_axi_arburst,
    output wire                     m03_axi_arlock,
    output wire  [3:0]              m03_axi_arcache,
    output wire  [2:0]              m03_axi_arprot,
    output wire  [3:0]              m03_axi_arqos,
    output wire  [3:0]              m03_axi_arregion,
    output wire                     m03_axi_arvalid,
    input  wire                     m03_axi_arready,
    input  wire  [ID_WIDTH-1:0]     m03_axi_rid,
    input  wire  [DATA_WIDTH-1:0]   m03_axi_rdata,
    input  wire  [1:0]              m03_axi_rresp,
    input  wire                     m03_axi_rlast,
    input  wire                     m03_axi_rvalid,
    output wire                     m03_axi_rready
);

if (M_COUNT < 2 || M_COUNT > 4) begin : g_check_m_count
    $error("axi_addr_split_tb: M_COUNT must be in 2..4");
end

// All four ports packed as the DUT packs its M_COUNT ports (port i in bits [i*W +: W]); the DUT
// takes the low M_COUNT entries. Inputs from ports >= M_COUNT go nowhere, their outputs are zero.
/* verilator lint_off UNUSEDSIGNAL */
wire [3:0]                m_axi_awready = {m03_axi_awready, m02_axi_awready, m01_axi_awready, m00_axi_awready};
wire [3:0]                m_axi_wready = {m03_axi_wready, m02_axi_wready, m01_axi_wready, m00_axi_wready};
wire [4*ID_WIDTH-1:0]     m_axi_bid = {m03_axi_bid, m02_axi_bid, m01_axi_bid, m00_axi_bid};
wire [7:0]                m_axi_bresp = {m03_axi_bresp, m02_axi_bresp, m01_axi_bresp, m00_axi_bresp};
wire [3:0]                m_axi_bvalid = {m03_axi_bvalid, m02_axi_bvalid, m01_axi_bvalid, m00_axi_bvalid};
wire [3:0]                m_axi_arready = {m03_axi_arready, m02_axi_arready, m01_axi_arready, m00_axi_arready};
wire [4*ID_WIDTH-1:0]     m_axi_rid = {m03_axi_rid, m02_axi_rid, m01_axi_rid, m00_axi_rid};
wire [4*DATA_WIDTH-1:0]   m_axi_rdata = {m03_axi_rdata, m02_axi_rdata, m01_axi_rdata, m00_axi_rdata};
wire [7:0]                m_axi_rresp = {m03_axi_rresp, m02_axi_rresp, m01_axi_rresp, m00_axi_rresp};
wire [3:0]                m_axi_rlast = {m03_axi_rlast, m02_axi_rlast, m01_axi_rlast, m00_axi_rlast};
wire [3:0]                m_axi_rvalid = {m03_axi_rvalid, m02_axi_rvalid, m01_axi_rvalid, m00_axi_rvalid};
/* verilator lint_on UNUSEDSIGNAL */
wire [4*ID_WIDTH-1:0]     m_axi_awid;
wire [4*ADDR_WIDTH-1:0]   m_axi_awaddr;
wire [31:0]               m_axi_awlen;
wire [11:0]               m_axi_awsize;
wire [7:0]                m_axi_awburst;
wire [3:0]                m_axi_awlock;
wire [15:0]               m_axi_awcache;
wire [11:0]               m_axi_awprot;
wire [15:0]               m_axi_awqos;
wire [15:0]               m_axi_awregion;
wire [3:0]                m_axi_awvalid;
wire [4*DATA_WIDTH-1:0]   m_axi_wdata;
wire [4*STRB_WIDTH-1:0]   m_axi_wstrb;
wire [3:0]                m_axi_wlast;
wire [3:0]                m_axi_wvalid;
wire [3:0]                m_axi_bready;
wire [4*ID_WIDTH-1:0]     m_axi_arid;
wire [4*ADDR_WIDTH-1:0]   m_axi_araddr;
wire [31:0]               m_axi_arlen;
wire [11:0]               m_axi_arsize;
wire [7:0]                m_axi_arburst;
wire [3:0]                m_axi_arlock;
wire [15:0]               m_axi_arcache;
wire [11:0]               m_axi_arprot;
wire [15:0]               m_axi_arqos;
wire [15:0]               m_axi_arregion;
wire [3:0]                m_axi_arvalid;
wire [3:0]                m_axi_rready;

assign {m03_axi_awid, m02_axi_awid, m01_axi_awid, m00_axi_awid} = m_axi_awid;
assign {m03_axi_awaddr, m02_axi_awaddr, m01_axi_awaddr, m00_axi_awaddr} = m_axi_awaddr;
assign {m03_axi_awlen, m02_axi_awlen, m01_axi_awlen, m00_axi_awlen} = m_axi_awlen;
assign {m03_axi_awsize, m02_axi_awsize, m01_axi_awsize, m00_axi_awsize} = m_axi_awsize;
assign {m03_axi_awburst, m02_axi_awburst, m01_axi_awburst, m00_axi_awburst} = m_axi_awburst;
assign {m03_axi_awlock, m02_axi_awlock, m01_axi_awlock, m00_axi_awlock} = m_axi_awlock;
assign {m03_axi_awcache, m02_axi_awcache, m01_axi_awcache, m00_axi_awcache} = m_axi_awcache;
assign {m03_axi_awprot, m02_axi_awprot, m01_axi_awprot, m00_axi_awprot} = m_axi_awprot;
assign {m03_axi_awqos, m02_axi_awqos, m01_axi_awqos, m00_axi_awqos} = m_axi_awqos;
assign {m03_axi_awregion, m02_axi_awregion, m01_axi_awregion, m00_axi_awregion} = m_axi_awregion;
assign {m03_axi_awvalid, m02_axi_awvalid, m01_axi_awvalid, m00_axi_awvalid} = m_axi_awvalid;
assign {m03_axi_wdata, m02_axi_wdata, m01_axi_wdata, m00_axi_wdata} = m_axi_wdata;
assign {m03_axi_wstrb, m02_axi_wstrb, m01_axi_wstrb, m00_axi_wstrb} = m_axi_wstrb;
assign {m03_axi_wlast, m02_axi_wlast, m01_axi_wlast, m00_axi_wlast} = m_axi_wlast;
assign {m03_axi_wvalid, m02_axi_wvalid, m01_axi_wvalid, m00_axi_wvalid} = m_axi_wvalid;
assign {m03_axi_bready, m02_axi_bready, m01_axi_bready, m00_axi_bready} = m_axi_bready;
assign {m03_axi_arid, m02_axi_arid, m01_axi_arid, m00_axi_arid} = m_axi_arid;
assign {m03_axi_araddr, m02_axi_araddr, m01_axi_araddr, m00_axi_araddr} = m_axi_araddr;
assign {m03_axi_arlen, m02_axi_arlen, m01_axi_arlen, m00_axi_arlen} = m_axi_arlen;
assign {m03_axi_arsize, m02_axi_arsize, m01_axi_arsize, m00_axi_arsize} = m_axi_arsize;
assign {m03_axi_arburst, m02_axi_arburst, m01_axi_arburst, m00_axi_arburst} = m_axi_arburst;
assign {m03_axi_arlock, m02_axi_arlock, m01_axi_arlock, m00_axi_arlock} = m_axi_arlock;
assign {m03_axi_arcache, m02_axi_arcache, m01_axi_arcache, m00_axi_arcache} = m_axi_arcache;
assign {m03_axi_arprot, m02_axi_arprot, m01_axi_arprot, m00_axi_arprot} = m_axi_arprot;
assign {m03_axi_arqos, m02_axi_arqos, m01_axi_arqos, m00_axi_arqos} = m_axi_arqos;
assign {m03_axi_arregion, m02_axi_arregion, m01_axi_arregion, m00_axi_arregion} = m_axi_arregion;
assign {m03_axi_arvalid, m02_axi_arvalid, m01_axi_arvalid, m00_axi_arvalid} = m_axi_arvalid;
assign {m03_axi_rready, m02_axi_rready, m01_axi_rready, m00_axi_rready} = m_axi_rready;

if (M_COUNT < 4) begin : g_tie_off
    assign m_axi_awid[4*ID_WIDTH-1:M_COUNT*ID_WIDTH] = '0;
    assign m_axi_awaddr[4*ADDR_WIDTH-1:M_COUNT*ADDR_WIDTH] = '0;
    assign m_axi_awlen[31:M_COUNT*8] = '0;
    assign m_axi_awsize[11:M_COUNT*3] = '0;
    assign m_axi_awburst[7:M_COUNT*2] = '0;
    assign m_axi_awlock[3:M_COUNT] = '0;
    assign m_axi_awcache[15:M_COUNT*4] = '0;
    assign m_axi_awprot[11:M_COUNT*3] = '0;
    assign m_axi_awqos[15:M_COUNT*4] = '0;
    assign m_axi_awregion[15:M_COUNT*4] = '0;
    assign m_axi_awvalid[3:M_COUNT] = '0;
    assign m_axi_wdata[4*DATA_WIDTH-1:M_COUNT*DATA_WIDTH] = '0;
    assign m_axi_wstrb[4*STRB_WIDTH-1:M_COUNT*STRB_WIDTH] = '0;
    assign m_axi_wlast[3:M_COUNT] = '0;
    assign m_axi_wvalid[3:M_COUNT] = '0;
    assign m_axi_bready[3:M_COUNT] = '0;
    assign m_axi_arid[4*ID_WIDTH-1:M_COUNT*ID_WIDTH] = '0;
    assign m_axi_araddr[4*ADDR_WIDTH-1:M_COUNT*ADDR_WIDTH] = '0;
    assign m_axi_arlen[31:M_COUNT*8] = '0;
    assign m_axi_arsize[11:M_COUNT*3] = '0;
    assign m_axi_arburst[7:M_COUNT*2] = '0;
    assign m_axi_arlock[3:M_COUNT] = '0;
    assign m_axi_arcache[15:M_COUNT*4] = '0;
    assign m_axi_arprot[11:M_COUNT*3] = '0;
    assign m_axi_arqos[15:M_COUNT*4] = '0;
    assign m_axi_arregion[15:M_COUNT*4] = '0;
    assign m_axi_arvalid[3:M_COUNT] = '0;
    assign m_axi_rready[3:M_COUNT] = '0;
end

axi_addr_split #(
    .M_COUNT(M_COUNT),
    .DATA_WIDTH(DATA_WIDTH),
    .ADDR_WIDTH(ADDR_WIDTH),
    .STRB_WIDTH(STRB_WIDTH),
    .ID_WIDTH(ID_WIDTH),
    .SEL_LSB(SEL_LSB),
    .KEEP_SEL_ENABLE(KEEP_SEL_ENABLE),
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
) axi_addr_split_inst (
    .clk(clk),
    .rst(rst),
    .s_axi_awid(s_axi_awid),
    .s_axi_awaddr(s_axi_awaddr),
    .s_axi_awlen(s_axi_awlen),
    .s_axi_awsize(s_axi_awsize),
    .s_axi_awburst(s_axi_awburst),
    .s_axi_awlock(s_axi_awlock),
    .s_axi_awcache(s_axi_awcache),
    .s_axi_awprot(s_axi_awprot),
    .s_axi_awqos(s_axi_awqos),
    .s_axi_awregion(s_axi_awregion),
    .s_axi_awvalid(s_axi_awvalid),
    .s_axi_awready(s_axi_awready),
    .s_axi_wdata(s_axi_wdata),
    .s_axi_wstrb(s_axi_wstrb),
    .s_axi_wlast(s_axi_wlast),
    .s_axi_wvalid(s_axi_wvalid),
    .s_axi_wready(s_axi_wready),
    .s_axi_bid(s_axi_bid),
    .s_axi_bresp(s_axi_bresp),
    .s_axi_bvalid(s_axi_bvalid),
    .s_axi_bready(s_axi_bready),
    .s_axi_arid(s_axi_arid),
    .s_axi_araddr(s_axi_araddr),
    .s_axi_arlen(s_axi_arlen),
    .s_axi_arsize(s_axi_arsize),
    .s_axi_arburst(s_axi_arburst),
    .s_axi_arlock(s_axi_arlock),
    .s_axi_arcache(s_axi_arcache),
    .s_axi_arprot(s_axi_arprot),
    .s_axi_arqos(s_axi_arqos),
    .s_axi_arregion(s_axi_arregion),
    .s_axi_arvalid(s_axi_arvalid),
    .s_axi_arready(s_axi_arready),
    .s_axi_rid(s_axi_rid),
    .s_axi_rdata(s_axi_rdata),
    .s_axi_rresp(s_axi_rresp),
    .s_axi_rlast(s_axi_rlast),
    .s_axi_rvalid(s_axi_rvalid),
    .s_axi_rready(s_axi_rready),
    .m_axi_awid(m_axi_awid[M_COUNT*ID_WIDTH-1:0]),
    .m_axi_awaddr(m_axi_awaddr[M_COUNT*ADDR_WIDTH-1:0]),
    .m_axi_awlen(m_axi_awlen[M_COUNT*8-1:0]),
    .m_axi_awsize(m_axi_awsize[M_COUNT*3-1:0]),
    .m_axi_awburst(m_axi_awburst[M_COUNT*2-1:0]),
    .m_axi_awlock(m_axi_awlock[M_COUNT-1:0]),
    .m_axi_awcache(m_axi_awcache[M_COUNT*4-1:0]),
    .m_axi_awprot(m_axi_awprot[M_COUNT*3-1:0]),
    .m_axi_awqos(m_axi_awqos[M_COUNT*4-1:0]),
    .m_axi_awregion(m_axi_awregion[M_COUNT*4-1:0]),
    .m_axi_awvalid(m_axi_awvalid[M_COUNT-1:0]),
    .m_axi_awready(m_axi_awready[M_COUNT-1:0]),
    .m_axi_wdata(m_axi_wdata[M_COUNT*DATA_WIDTH-1:0]),
    .m_axi_wstrb(m_axi_wstrb[M_COUNT*STRB_WIDTH-1:0]),
    .m_axi_wlast(m_axi_wlast[M_COUNT-1:0]),
    .m_axi_wvalid(m_axi_wvalid[M_COUNT-1:0]),
    .m_axi_wready(m_axi_wready[M_COUNT-1:0]),
    .m_axi_bid(m_axi_bid[M_COUNT*ID_WIDTH-1:0]),
    .m_axi_bresp(m_axi_bresp[M_COUNT*2-1:0]),
    .m_axi_bvalid(m_axi_bvalid[M_COUNT-1:0]),
    .m_axi_bready(m_axi_bready[M_COUNT-1:0]),
    .m_axi_arid(m_axi_arid[M_COUNT*ID_WIDTH-1:0]),
    .m_axi_araddr(m_axi_araddr[M_COUNT*ADDR_WIDTH-1:0]),
    .m_axi_arlen(m_axi_arlen[M_COUNT*8-1:0]),
    .m_axi_arsize(m_axi_arsize[M_COUNT*3-1:0]),
    .m_axi_arburst(m_axi_arburst[M_COUNT*2-1:0]),
    .m_axi_arlock(m_axi_arlock[M_COUNT-1:0]),
    .m_axi_arcache(m_axi_arcache[M_COUNT*4-1:0]),
    .m_axi_arprot(m_axi_arprot[M_COUNT*3-1:0]),
    .m_axi_arqos(m_axi_arqos[M_COUNT*4-1:0]),
    .m_axi_arregion(m_axi_arregion[M_COUNT*4-1:0]),
    .m_axi_arvalid(m_axi_arvalid[M_COUNT-1:0]),
    .m_axi_arready(m_axi_arready[M_COUNT-1:0]),
    .m_axi_rid(m_axi_rid[M_COUNT*ID_WIDTH-1:0]),
    .m_axi_rdata(m_axi_rdata[M_COUNT*DATA_WIDTH-1:0]),
    .m_axi_rresp(m_axi_rresp[M_COUNT*2-1:0]),
    .m_axi_rlast(m_axi_rlast[M_COUNT-1:0]),
    .m_axi_rvalid(m_axi_rvalid[M_COUNT-1:0]),
    .m_axi_rready(m_axi_rready[M_COUNT-1:0])
);

endmodule

`default_nettype wire
