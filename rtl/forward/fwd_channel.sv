// SPDX-License-Identifier: Apache-2.0

/*
 * Forward-kernel DDR channel: one AXI4 master, a tagged read stream and a
 * write stream
 *
 * Reads: axi_read_stream (INCR bursts of at most 64 beats that never cross
 * 4 KiB, up to MAX_OUTSTANDING bursts in flight) fed by read commands that
 * each carry a tag naming the consumer of their beats (fwd_pkg::TAG_*). A
 * command is taken whenever fewer than CMD_DEPTH commands are accepted and
 * not yet delivered: it waits in a command FIFO until the mover takes it
 * (the mover takes one only once the previous one's bursts are issued), and
 * its tag waits in a tag FIFO in command order; rd_ttag is the tag of the
 * command whose beats are now coming out, and moves on after the beat with
 * rd_tlast. The queue lets the forward kernel's sequencer hand out every
 * attention head's commands at once, so one lane's slow head does not hold
 * back the commands of the other channels' lanes. Commands must not be zero
 * beats long (they would never pop their tag).
 *
 * Writes: axi_write_stream; the write data is a plain stream framed by the
 * commands' beat counts.
 *
 * Errors: rd_error / wr_error pulse for every R beat / B response that is
 * SLVERR or DECERR, straight from the AXI channel, so the kernel's STATUS sees
 * every error whatever the commands in flight.
 */

`default_nettype none

module fwd_channel #(
    // Width of the AXI address bus, bits (13..64)
    parameter int ADDR_WIDTH = 64,
    // Width of the AXI ID fields, bits (>= 1; every burst uses ID 0)
    parameter int ID_WIDTH = 1,
    // Read bursts in flight at most; the read FIFO holds 64 beats per burst
    parameter int MAX_OUTSTANDING = 8,
    // Read commands accepted and not yet delivered at most (command and tag FIFO depth,
    // power of two >= 2); the forward kernel queues up to 4 per attention head
    parameter int CMD_DEPTH = 32
) (
    input  wire                   clk,
    input  wire                   rst,  // active-high, synchronous

    /*
     * Read commands
     */
    input  wire  [ADDR_WIDTH-1:0] rd_cmd_addr,
    input  wire  [31:0]           rd_cmd_beats,  // >= 1
    input  wire  [3:0]            rd_cmd_tag,
    input  wire                   rd_cmd_valid,
    output wire                   rd_cmd_ready,

    /*
     * Read data (master), with the tag of its command
     */
    output wire  [511:0]          rd_tdata,
    output wire  [3:0]            rd_ttag,
    output wire                   rd_tlast,
    output wire                   rd_tvalid,
    input  wire                   rd_tready,

    /*
     * Write commands and data (slave)
     */
    input  wire  [ADDR_WIDTH-1:0] wr_cmd_addr,
    input  wire  [31:0]           wr_cmd_beats,
    input  wire                   wr_cmd_valid,
    output wire                   wr_cmd_ready,
    output wire                   wr_done,       // one cycle per write command, after its last B response
    input  wire  [511:0]          wr_tdata,
    input  wire                   wr_tvalid,
    output wire                   wr_tready,

    /*
     * Errors seen on the AXI channels (pulses)
     */
    output wire                   rd_error,
    output wire                   wr_error,

    /*
     * AXI4 master
     */
    output wire  [ID_WIDTH-1:0]   m_axi_arid,
    output wire  [ADDR_WIDTH-1:0] m_axi_araddr,
    output wire  [7:0]            m_axi_arlen,
    output wire  [2:0]            m_axi_arsize,
    output wire  [1:0]            m_axi_arburst,
    output wire                   m_axi_arlock,
    output wire  [3:0]            m_axi_arcache,
    output wire  [2:0]            m_axi_arprot,
    output wire  [3:0]            m_axi_arqos,
    output wire  [3:0]            m_axi_arregion,
    output wire                   m_axi_arvalid,
    input  wire                   m_axi_arready,
    input  wire  [ID_WIDTH-1:0]   m_axi_rid,
    input  wire  [511:0]          m_axi_rdata,
    input  wire  [1:0]            m_axi_rresp,
    input  wire                   m_axi_rlast,
    input  wire                   m_axi_rvalid,
    output wire                   m_axi_rready,
    output wire  [ID_WIDTH-1:0]   m_axi_awid,
    output wire  [ADDR_WIDTH-1:0] m_axi_awaddr,
    output wire  [7:0]            m_axi_awlen,
    output wire  [2:0]            m_axi_awsize,
    output wire  [1:0]            m_axi_awburst,
    output wire                   m_axi_awlock,
    output wire  [3:0]            m_axi_awcache,
    output wire  [2:0]            m_axi_awprot,
    output wire  [3:0]            m_axi_awqos,
    output wire  [3:0]            m_axi_awregion,
    output wire                   m_axi_awvalid,
    input  wire                   m_axi_awready,
    output wire  [511:0]          m_axi_wdata,
    output wire  [63:0]           m_axi_wstrb,
    output wire                   m_axi_wlast,
    output wire                   m_axi_wvalid,
    input  wire                   m_axi_wready,
    input  wire  [ID_WIDTH-1:0]   m_axi_bid,
    input  wire  [1:0]            m_axi_bresp,
    input  wire                   m_axi_bvalid,
    output wire                   m_axi_bready
);

localparam int MAX_BURST_BEATS = 64;  // one 4 KiB page of 64-byte beats
localparam int PTR_WIDTH       = $clog2(CMD_DEPTH);

if (CMD_DEPTH < 2 || (CMD_DEPTH & (CMD_DEPTH - 1)) != 0) begin : g_check_cmd_depth
    $error("fwd_channel: CMD_DEPTH must be a power of two >= 2");
end

// Command and tag FIFOs (pointers carry a wrap bit). Both are written on acceptance at
// tag_wr_reg; a command leaves the command FIFO (cmd_rd_reg) when the mover takes it, its tag
// leaves the tag FIFO (tag_rd_reg) after its last beat. A queued command still holds its tag,
// so the command FIFO can never be fuller than the tag FIFO.
logic [3:0]             tag_mem       [0:CMD_DEPTH-1];
logic [ADDR_WIDTH-1:0]  cmd_addr_mem  [0:CMD_DEPTH-1];
logic [31:0]            cmd_beats_mem [0:CMD_DEPTH-1];
logic [PTR_WIDTH:0]     tag_wr_reg, tag_wr_next;
logic [PTR_WIDTH:0]     tag_rd_reg, tag_rd_next;
logic [PTR_WIDTH:0]     cmd_rd_reg, cmd_rd_next;
wire                    tag_full  = (tag_wr_reg ^ tag_rd_reg) == {1'b1, PTR_WIDTH'(0)};
wire                    cmd_empty = tag_wr_reg == cmd_rd_reg;

wire                    rs_cmd_ready;
wire                    rs_busy, rs_error, rs_done;
wire                    ws_busy, ws_error;

// Status of the movers is read off the AXI channels instead (errors) or not needed (busy).
wire unused_status = &{1'b0, rs_busy, rs_error, rs_done, ws_busy, ws_error};

assign rd_cmd_ready = !tag_full;
assign rd_ttag      = tag_mem[tag_rd_reg[PTR_WIDTH-1:0]];
assign rd_error     = m_axi_rvalid && m_axi_rready && m_axi_rresp[1];
assign wr_error     = m_axi_bvalid && m_axi_bready && m_axi_bresp[1];

always_comb begin
    tag_wr_next = tag_wr_reg;
    tag_rd_next = tag_rd_reg;
    cmd_rd_next = cmd_rd_reg;
    if (rd_cmd_valid && rd_cmd_ready) begin
        tag_wr_next = tag_wr_reg + 1'b1;
    end
    if (!cmd_empty && rs_cmd_ready) begin
        cmd_rd_next = cmd_rd_reg + 1'b1;
    end
    if (rd_tvalid && rd_tready && rd_tlast) begin
        tag_rd_next = tag_rd_reg + 1'b1;
    end
end

always_ff @(posedge clk) begin
    tag_wr_reg <= tag_wr_next;
    tag_rd_reg <= tag_rd_next;
    cmd_rd_reg <= cmd_rd_next;
    if (rst) begin
        tag_wr_reg <= '0;
        tag_rd_reg <= '0;
        cmd_rd_reg <= '0;
    end
end

always_ff @(posedge clk) begin
    if (rd_cmd_valid && rd_cmd_ready) begin
        tag_mem[tag_wr_reg[PTR_WIDTH-1:0]]       <= rd_cmd_tag;
        cmd_addr_mem[tag_wr_reg[PTR_WIDTH-1:0]]  <= rd_cmd_addr;
        cmd_beats_mem[tag_wr_reg[PTR_WIDTH-1:0]] <= rd_cmd_beats;
    end
end

axi_read_stream #(
    .DATA_WIDTH(512),
    .ADDR_WIDTH(ADDR_WIDTH),
    .ID_WIDTH(ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
) axi_read_stream_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(cmd_addr_mem[cmd_rd_reg[PTR_WIDTH-1:0]]),
    .cmd_beats(cmd_beats_mem[cmd_rd_reg[PTR_WIDTH-1:0]]),
    .cmd_valid(!cmd_empty),
    .cmd_ready(rs_cmd_ready),
    .busy(rs_busy),
    .error(rs_error),
    .done(rs_done),
    .m_axis_tdata(rd_tdata),
    .m_axis_tlast(rd_tlast),
    .m_axis_tvalid(rd_tvalid),
    .m_axis_tready(rd_tready),
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
    .m_axi_rready(m_axi_rready)
);

axi_write_stream #(
    .DATA_WIDTH(512),
    .ADDR_WIDTH(ADDR_WIDTH),
    .ID_WIDTH(ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(8)
) axi_write_stream_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(wr_cmd_addr),
    .cmd_beats(wr_cmd_beats),
    .cmd_valid(wr_cmd_valid),
    .cmd_ready(wr_cmd_ready),
    .busy(ws_busy),
    .error(ws_error),
    .done(wr_done),
    .s_axis_tdata(wr_tdata),
    .s_axis_tvalid(wr_tvalid),
    .s_axis_tready(wr_tready),
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
    .m_axi_bready(m_axi_bready)
);

endmodule

`default_nettype wire
