// SPDX-License-Identifier: Apache-2.0

/*
 * Forward-kernel DDR channel: one AXI4 master, two tagged read ports and a
 * write stream
 *
 * Reads: two read ports, each an axi_read_stream (INCR bursts of at most 64
 * beats that never cross 4 KiB, up to MAX_OUTSTANDING bursts in flight, its
 * own ARID = port number) fed by read commands that each carry a tag naming
 * the consumer of their beats (fwd_pkg::TAG_*) and the port (rd_cmd_port)
 * that delivers them. A command is taken whenever its port has fewer than
 * CMD_DEPTH commands accepted and not yet delivered: it waits in the port's
 * command FIFO until the port's mover takes it (a mover takes one only once
 * the previous one's bursts are issued), and its tag waits in the port's tag
 * FIFO in command order; rd_ttag / rd1_ttag is the tag of the command whose
 * beats are now coming out of port 0 / 1, and moves on after the beat with
 * tlast. Each port delivers its commands' beats in order; the two ports are
 * independent, so a consumer that needs two streams at once (attention: the
 * keys of the next head while the values of this one) gets them from one
 * channel without one waiting behind the other. The queues let the forward
 * kernel's sequencer hand out every attention head's commands at once, so one
 * lane's slow head does not hold back the other channels' lanes. Commands
 * must not be zero beats long (they would never pop their tag).
 *
 * The ports share the AR channel (port 0 first when both have a burst; a
 * burst shown on the bus stays there until taken) and the R channel (routed
 * by RID; a mover only issues a burst it has FIFO room for, so neither port
 * ever stalls R). Port 1 keeps few bursts in flight and a deep FIFO: it reads
 * ahead on the beats port 0 leaves without queuing in the memory ahead of
 * port 0's bursts.
 *
 * Writes: axi_write_stream (ID 0); the write data is a plain stream framed by
 * the commands' beat counts.
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
    // Port 0's read bursts in flight at most; its read FIFO holds 64 beats per burst
    parameter int MAX_OUTSTANDING = 8,
    // Read commands accepted and not yet delivered at most per port (command and tag FIFO
    // depth, power of two >= 2); the forward kernel queues up to 2 per port per attention head
    parameter int CMD_DEPTH = 32,
    // Port 1: read bursts in flight at most, and its read FIFO, beats (power of two >= 64).
    // Few bursts in flight keep its read-ahead from queuing in the memory ahead of port 0's
    // bursts; a deep FIFO lets it read far ahead on the beats port 0 leaves (int8 attention at
    // pos 1000: a head's values and scales are 1,064 beats)
    parameter int PORT1_MAX_OUTSTANDING = 2,
    parameter int PORT1_FIFO_DEPTH = 2048
) (
    input  wire                   clk,
    input  wire                   rst,  // active-high, synchronous

    /*
     * Read commands
     */
    input  wire  [ADDR_WIDTH-1:0] rd_cmd_addr,
    input  wire  [31:0]           rd_cmd_beats,  // >= 1
    input  wire  [3:0]            rd_cmd_tag,
    input  wire                   rd_cmd_port,   // the read port that delivers its beats
    input  wire                   rd_cmd_valid,
    output wire                   rd_cmd_ready,

    /*
     * Read data of port 0 (master), with the tag of its command
     */
    output wire  [511:0]          rd_tdata,
    output wire  [3:0]            rd_ttag,
    output wire                   rd_tlast,
    output wire                   rd_tvalid,
    input  wire                   rd_tready,

    /*
     * Read data of port 1 (master), with the tag of its command
     */
    output wire  [511:0]          rd1_tdata,
    output wire  [3:0]            rd1_ttag,
    output wire                   rd1_tlast,
    output wire                   rd1_tvalid,
    input  wire                   rd1_tready,

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

if (PORT1_MAX_OUTSTANDING < 1 || PORT1_FIFO_DEPTH < 64 || (PORT1_FIFO_DEPTH & (PORT1_FIFO_DEPTH - 1)) != 0) begin : g_check_port1
    $error("fwd_channel: PORT1_MAX_OUTSTANDING must be >= 1, PORT1_FIFO_DEPTH a power of two >= 64");
end
if (CMD_DEPTH < 2 || (CMD_DEPTH & (CMD_DEPTH - 1)) != 0) begin : g_check_cmd_depth
    $error("fwd_channel: CMD_DEPTH must be a power of two >= 2");
end
if (ID_WIDTH < 1) begin : g_check_id_width
    $error("fwd_channel: ID_WIDTH must be >= 1 (the read ports use ARID 0 and 1)");
end

// Per read port p: the mover's AXI read side, and its output stream.
wire  [ID_WIDTH-1:0]    p_arid     [0:1];
wire  [ADDR_WIDTH-1:0]  p_araddr   [0:1];
wire  [7:0]             p_arlen    [0:1];
wire  [2:0]             p_arsize   [0:1];
wire  [1:0]             p_arburst  [0:1];
wire                    p_arlock   [0:1];
wire  [3:0]             p_arcache  [0:1];
wire  [2:0]             p_arprot   [0:1];
wire  [3:0]             p_arqos    [0:1];
wire  [3:0]             p_arregion [0:1];
wire                    p_arvalid  [0:1];
logic                   p_arready  [0:1];
logic                   p_rvalid   [0:1];
wire                    p_rready   [0:1];
wire  [511:0]           p_tdata    [0:1];
wire  [3:0]             p_ttag     [0:1];
wire                    p_tlast    [0:1];
wire                    p_tvalid   [0:1];
wire                    p_tready   [0:1];
wire                    p_tag_full [0:1];

wire                    ws_busy, ws_error;

// The write mover's status is read off the B channel instead (errors) or not needed (busy).
wire unused_ws_status = &{1'b0, ws_busy, ws_error};

assign rd_cmd_ready = !p_tag_full[rd_cmd_port];
assign rd_error     = m_axi_rvalid && m_axi_rready && m_axi_rresp[1];
assign wr_error     = m_axi_bvalid && m_axi_bready && m_axi_bresp[1];

assign rd_tdata   = p_tdata[0];
assign rd_ttag    = p_ttag[0];
assign rd_tlast   = p_tlast[0];
assign rd_tvalid  = p_tvalid[0];
assign p_tready[0] = rd_tready;
assign rd1_tdata  = p_tdata[1];
assign rd1_ttag   = p_ttag[1];
assign rd1_tlast  = p_tlast[1];
assign rd1_tvalid = p_tvalid[1];
assign p_tready[1] = rd1_tready;

for (genvar p = 0; p < 2; p++) begin : g_port
    // Command and tag FIFOs (pointers carry a wrap bit). Both are written on acceptance at
    // tag_wr_reg; a command leaves the command FIFO (cmd_rd_reg) when the mover takes it, its
    // tag leaves the tag FIFO (tag_rd_reg) after its last beat. A queued command still holds
    // its tag, so the command FIFO can never be fuller than the tag FIFO.
    logic [3:0]             tag_mem       [0:CMD_DEPTH-1];
    logic [ADDR_WIDTH-1:0]  cmd_addr_mem  [0:CMD_DEPTH-1];
    logic [31:0]            cmd_beats_mem [0:CMD_DEPTH-1];
    logic [PTR_WIDTH:0]     tag_wr_reg, tag_rd_reg, cmd_rd_reg;
    wire                    cmd_empty = tag_wr_reg == cmd_rd_reg;
    wire                    accept    = rd_cmd_valid && rd_cmd_ready && rd_cmd_port == 1'(p);
    wire                    rs_cmd_ready;
    wire                    rs_busy, rs_error, rs_done;

    // Status of the mover is read off the AXI channels instead (errors) or not needed.
    wire unused_status = &{1'b0, rs_busy, rs_error, rs_done};

    assign p_tag_full[p] = (tag_wr_reg ^ tag_rd_reg) == {1'b1, PTR_WIDTH'(0)};
    assign p_ttag[p]     = tag_mem[tag_rd_reg[PTR_WIDTH-1:0]];

    always_ff @(posedge clk) begin
        if (accept) begin
            tag_wr_reg <= tag_wr_reg + 1'b1;
        end
        if (p_tvalid[p] && p_tready[p] && p_tlast[p]) begin
            tag_rd_reg <= tag_rd_reg + 1'b1;
        end
        if (!cmd_empty && rs_cmd_ready) begin
            cmd_rd_reg <= cmd_rd_reg + 1'b1;
        end
        if (rst) begin
            tag_wr_reg <= '0;
            tag_rd_reg <= '0;
            cmd_rd_reg <= '0;
        end
    end

    always_ff @(posedge clk) begin
        if (accept) begin
            tag_mem[tag_wr_reg[PTR_WIDTH-1:0]]       <= rd_cmd_tag;
            cmd_addr_mem[tag_wr_reg[PTR_WIDTH-1:0]]  <= rd_cmd_addr;
            cmd_beats_mem[tag_wr_reg[PTR_WIDTH-1:0]] <= rd_cmd_beats;
        end
    end

    axi_read_stream #(
        .DATA_WIDTH(512),
        .ADDR_WIDTH(ADDR_WIDTH),
        .ID_WIDTH(ID_WIDTH),
        .AXI_ID(p),
        .MAX_BURST_BEATS(MAX_BURST_BEATS),
        .MAX_OUTSTANDING(p == 1 ? PORT1_MAX_OUTSTANDING : MAX_OUTSTANDING),
        .FIFO_DEPTH(p == 1 ? PORT1_FIFO_DEPTH : MAX_BURST_BEATS * MAX_OUTSTANDING)
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
        .m_axis_tdata(p_tdata[p]),
        .m_axis_tlast(p_tlast[p]),
        .m_axis_tvalid(p_tvalid[p]),
        .m_axis_tready(p_tready[p]),
        .m_axi_arid(p_arid[p]),
        .m_axi_araddr(p_araddr[p]),
        .m_axi_arlen(p_arlen[p]),
        .m_axi_arsize(p_arsize[p]),
        .m_axi_arburst(p_arburst[p]),
        .m_axi_arlock(p_arlock[p]),
        .m_axi_arcache(p_arcache[p]),
        .m_axi_arprot(p_arprot[p]),
        .m_axi_arqos(p_arqos[p]),
        .m_axi_arregion(p_arregion[p]),
        .m_axi_arvalid(p_arvalid[p]),
        .m_axi_arready(p_arready[p]),
        .m_axi_rid(m_axi_rid),
        .m_axi_rdata(m_axi_rdata),
        .m_axi_rresp(m_axi_rresp),
        .m_axi_rlast(m_axi_rlast),
        .m_axi_rvalid(p_rvalid[p]),
        .m_axi_rready(p_rready[p])
    );
end

/*
 * AR: port 0 first when both have a burst (the forward kernel's keys, the attention's critical
 * path, and weights go through port 0; the values read ahead through port 1 take the beats it
 * leaves). A burst shown on the bus stays until taken (ar_hold_reg: AXI forbids withdrawing or
 * changing it). Port 1 is not starved: port 0 only has a burst when its FIFO has room, so
 * a consumer that waits on port 1 soon stops port 0's bursts.
 */
logic ar_last_reg;  // the port whose burst was on the bus last
logic ar_hold_reg;  // ... and it is still waiting for arready
logic ar_sel;

always_comb begin
    if (ar_hold_reg) begin
        ar_sel = ar_last_reg;
    end else begin
        ar_sel = !p_arvalid[0] && p_arvalid[1];
    end
    p_arready[0] = m_axi_arready && !ar_sel;
    p_arready[1] = m_axi_arready && ar_sel;
end

always_ff @(posedge clk) begin
    if (m_axi_arvalid) begin
        ar_last_reg <= ar_sel;
    end
    ar_hold_reg <= m_axi_arvalid && !m_axi_arready;
    if (rst) begin
        ar_last_reg <= 1'b0;
        ar_hold_reg <= 1'b0;
    end
end

assign m_axi_arid     = ar_sel ? p_arid[1] : p_arid[0];
assign m_axi_araddr   = ar_sel ? p_araddr[1] : p_araddr[0];
assign m_axi_arlen    = ar_sel ? p_arlen[1] : p_arlen[0];
assign m_axi_arsize   = ar_sel ? p_arsize[1] : p_arsize[0];
assign m_axi_arburst  = ar_sel ? p_arburst[1] : p_arburst[0];
assign m_axi_arlock   = ar_sel ? p_arlock[1] : p_arlock[0];
assign m_axi_arcache  = ar_sel ? p_arcache[1] : p_arcache[0];
assign m_axi_arprot   = ar_sel ? p_arprot[1] : p_arprot[0];
assign m_axi_arqos    = ar_sel ? p_arqos[1] : p_arqos[0];
assign m_axi_arregion = ar_sel ? p_arregion[1] : p_arregion[0];
assign m_axi_arvalid  = ar_sel ? p_arvalid[1] : p_arvalid[0];

// R: to the port its ID names.
always_comb begin
    p_rvalid[0] = m_axi_rvalid && m_axi_rid == ID_WIDTH'(0);
    p_rvalid[1] = m_axi_rvalid && m_axi_rid == ID_WIDTH'(1);
end
assign m_axi_rready = m_axi_rid == ID_WIDTH'(1) ? p_rready[1] : p_rready[0];

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
