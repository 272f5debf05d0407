// SPDX-License-Identifier: Apache-2.0

/*
 * AXI4 arbiter: S_COUNT slave ports to one master port
 *
 * AR and AW are arbitrated separately, round robin per burst: each burst
 * granted moves the priority to the port after it, so under contention every
 * requesting port is granted once in every S_COUNT grants and none starves;
 * a port alone on the bus is granted every cycle.
 *
 * ID rule: M_ID_WIDTH = S_ID_WIDTH + $clog2(S_COUNT). The master's AxID is
 * {port index, the slave's AxID}: the port index sits in the high
 * $clog2(S_COUNT) bits. R and B are routed back by those bits (and returned
 * with them stripped), so no state is kept per burst: several slave ports may
 * have any number of bursts outstanding at once, and AXI's same-ID ordering
 * holds per port because the downstream slave keeps it per master ID. An R or
 * B whose ID names no port (a downstream protocol error; possible only when
 * S_COUNT is not a power of two) is consumed and dropped.
 *
 * W beats follow the AW grant order: each AW granted pushes its port into a
 * FIFO (W_FIFO_DEPTH entries; AW grants stall while it is full); W beats are
 * taken only from the port at its head, which is popped on WLAST, so a
 * burst's W beats are never interleaved with another's. A W beat is taken no
 * earlier than its AW is granted.
 *
 * Registers: every s_axi ready and valid and every m_axi output comes from a
 * register. AR/AW: an axis_skid_buffer per slave port, then one output
 * register; W: one skid buffer towards the master (s_axi_wready = the FIFO
 * head matches and the skid buffer has room, both registered); R/B: one skid
 * buffer from the master whose output is shared by all slave ports, valid
 * decoded from its ID. No combinational path from m_axi_*ready to an
 * s_axi_*ready or the reverse. Latency: AR/AW two cycles, W/R/B one cycle.
 */

`default_nettype none

module axi_arbiter #(
    // Slave ports (>= 2)
    parameter int S_COUNT = 2,
    // Width of the data bus, bits (power of two, 8..1024)
    parameter int DATA_WIDTH = 512,
    // Width of the address bus, bits (>= 12)
    parameter int ADDR_WIDTH = 64,
    // Width of wstrb, bits (DATA_WIDTH / 8)
    parameter int STRB_WIDTH = DATA_WIDTH / 8,
    // Width of the slave ports' ID fields, bits (>= 1)
    parameter int S_ID_WIDTH = 4,
    // Width of the master port's ID fields, bits (must be S_ID_WIDTH + $clog2(S_COUNT))
    parameter int M_ID_WIDTH = S_ID_WIDTH + $clog2(S_COUNT),
    // W FIFO entries: AW bursts granted whose W beats are not all forwarded (power of two, >= 2)
    parameter int W_FIFO_DEPTH = 16
) (
    input  wire                            clk,
    input  wire                            rst,  // active-high, synchronous

    /*
     * AXI4 slaves: port i is bits [i*W +: W] of each field (W its width)
     */
    input  wire  [S_COUNT*S_ID_WIDTH-1:0]  s_axi_awid,
    input  wire  [S_COUNT*ADDR_WIDTH-1:0]  s_axi_awaddr,
    input  wire  [S_COUNT*8-1:0]           s_axi_awlen,
    input  wire  [S_COUNT*3-1:0]           s_axi_awsize,
    input  wire  [S_COUNT*2-1:0]           s_axi_awburst,
    input  wire  [S_COUNT-1:0]             s_axi_awlock,
    input  wire  [S_COUNT*4-1:0]           s_axi_awcache,
    input  wire  [S_COUNT*3-1:0]           s_axi_awprot,
    input  wire  [S_COUNT*4-1:0]           s_axi_awqos,
    input  wire  [S_COUNT*4-1:0]           s_axi_awregion,
    input  wire  [S_COUNT-1:0]             s_axi_awvalid,
    output wire  [S_COUNT-1:0]             s_axi_awready,
    input  wire  [S_COUNT*DATA_WIDTH-1:0]  s_axi_wdata,
    input  wire  [S_COUNT*STRB_WIDTH-1:0]  s_axi_wstrb,
    input  wire  [S_COUNT-1:0]             s_axi_wlast,
    input  wire  [S_COUNT-1:0]             s_axi_wvalid,
    output wire  [S_COUNT-1:0]             s_axi_wready,
    output wire  [S_COUNT*S_ID_WIDTH-1:0]  s_axi_bid,
    output wire  [S_COUNT*2-1:0]           s_axi_bresp,
    output wire  [S_COUNT-1:0]             s_axi_bvalid,
    input  wire  [S_COUNT-1:0]             s_axi_bready,
    input  wire  [S_COUNT*S_ID_WIDTH-1:0]  s_axi_arid,
    input  wire  [S_COUNT*ADDR_WIDTH-1:0]  s_axi_araddr,
    input  wire  [S_COUNT*8-1:0]           s_axi_arlen,
    input  wire  [S_COUNT*3-1:0]           s_axi_arsize,
    input  wire  [S_COUNT*2-1:0]           s_axi_arburst,
    input  wire  [S_COUNT-1:0]             s_axi_arlock,
    input  wire  [S_COUNT*4-1:0]           s_axi_arcache,
    input  wire  [S_COUNT*3-1:0]           s_axi_arprot,
    input  wire  [S_COUNT*4-1:0]           s_axi_arqos,
    input  wire  [S_COUNT*4-1:0]           s_axi_arregion,
    input  wire  [S_COUNT-1:0]             s_axi_arvalid,
    output wire  [S_COUNT-1:0]             s_axi_arready,
    output wire  [S_COUNT*S_ID_WIDTH-1:0]  s_axi_rid,
    output wire  [S_COUNT*DATA_WIDTH-1:0]  s_axi_rdata,
    output wire  [S_COUNT*2-1:0]           s_axi_rresp,
    output wire  [S_COUNT-1:0]             s_axi_rlast,
    output wire  [S_COUNT-1:0]             s_axi_rvalid,
    input  wire  [S_COUNT-1:0]             s_axi_rready,

    /*
     * AXI4 master
     */
    output wire  [M_ID_WIDTH-1:0]          m_axi_awid,
    output wire  [ADDR_WIDTH-1:0]          m_axi_awaddr,
    output wire  [7:0]                     m_axi_awlen,
    output wire  [2:0]                     m_axi_awsize,
    output wire  [1:0]                     m_axi_awburst,
    output wire                            m_axi_awlock,
    output wire  [3:0]                     m_axi_awcache,
    output wire  [2:0]                     m_axi_awprot,
    output wire  [3:0]                     m_axi_awqos,
    output wire  [3:0]                     m_axi_awregion,
    output wire                            m_axi_awvalid,
    input  wire                            m_axi_awready,
    output wire  [DATA_WIDTH-1:0]          m_axi_wdata,
    output wire  [STRB_WIDTH-1:0]          m_axi_wstrb,
    output wire                            m_axi_wlast,
    output wire                            m_axi_wvalid,
    input  wire                            m_axi_wready,
    input  wire  [M_ID_WIDTH-1:0]          m_axi_bid,
    input  wire  [1:0]                     m_axi_bresp,
    input  wire                            m_axi_bvalid,
    output wire                            m_axi_bready,
    output wire  [M_ID_WIDTH-1:0]          m_axi_arid,
    output wire  [ADDR_WIDTH-1:0]          m_axi_araddr,
    output wire  [7:0]                     m_axi_arlen,
    output wire  [2:0]                     m_axi_arsize,
    output wire  [1:0]                     m_axi_arburst,
    output wire                            m_axi_arlock,
    output wire  [3:0]                     m_axi_arcache,
    output wire  [2:0]                     m_axi_arprot,
    output wire  [3:0]                     m_axi_arqos,
    output wire  [3:0]                     m_axi_arregion,
    output wire                            m_axi_arvalid,
    input  wire                            m_axi_arready,
    input  wire  [M_ID_WIDTH-1:0]          m_axi_rid,
    input  wire  [DATA_WIDTH-1:0]          m_axi_rdata,
    input  wire  [1:0]                     m_axi_rresp,
    input  wire                            m_axi_rlast,
    input  wire                            m_axi_rvalid,
    output wire                            m_axi_rready
);

localparam int PORT_WIDTH = $clog2(S_COUNT);          // port index bits (high bits of the master ID)
localparam int WF_PTR     = $clog2(W_FIFO_DEPTH);     // W FIFO index bits
// Address channel payload: {id, addr, len, attr}, attr = {size, burst, lock, cache, prot,
// qos, region} (forwarded unchanged).
localparam int ATTR_WIDTH = 3 + 2 + 1 + 4 + 3 + 4 + 4;
localparam int AX_WIDTH   = S_ID_WIDTH + ADDR_WIDTH + 8 + ATTR_WIDTH;

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (S_COUNT < 2) begin : g_check_s_count
    $error("axi_arbiter: S_COUNT must be >= 2");
end
if (DATA_WIDTH < 8 || DATA_WIDTH > 1024 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0) begin : g_check_data_width
    $error("axi_arbiter: DATA_WIDTH must be a power of two in 8..1024");
end
if (STRB_WIDTH * 8 != DATA_WIDTH) begin : g_check_strb_width
    $error("axi_arbiter: STRB_WIDTH must be DATA_WIDTH / 8");
end
if (ADDR_WIDTH < 12) begin : g_check_addr_width
    $error("axi_arbiter: ADDR_WIDTH must be >= 12");
end
if (S_ID_WIDTH < 1 || M_ID_WIDTH != S_ID_WIDTH + PORT_WIDTH) begin : g_check_id_width
    $error("axi_arbiter: S_ID_WIDTH must be >= 1 and M_ID_WIDTH must be S_ID_WIDTH + $clog2(S_COUNT)");
end
if (W_FIFO_DEPTH < 2 || (W_FIFO_DEPTH & (W_FIFO_DEPTH - 1)) != 0) begin : g_check_w_fifo_depth
    $error("axi_arbiter: W_FIFO_DEPTH must be a power of two >= 2");
end

// Round robin: the first requesting port after *last*, wrapping; *found* low when none requests.
function automatic logic [PORT_WIDTH:0] round_robin(input logic [S_COUNT-1:0] request,
                                                    input logic [PORT_WIDTH-1:0] last);
    logic                  found;
    logic [PORT_WIDTH-1:0] pick;
    logic [31:0]           idx;
    found = 1'b0;
    pick  = last;
    for (int k = 1; k <= S_COUNT; k++) begin
        idx = 32'(last) + k;
        if (idx >= S_COUNT) begin
            idx = idx - S_COUNT;
        end
        if (!found && request[idx]) begin
            found = 1'b1;
            pick  = PORT_WIDTH'(idx);
        end
    end
    round_robin = {found, pick};
endfunction

// ---------------------------------------------------------------------------------------
// Address channels: per-port skid buffers -> round robin -> output register
// ---------------------------------------------------------------------------------------

logic [AX_WIDTH-1:0]   ar_in_data [S_COUNT];
logic [S_COUNT-1:0]    ar_in_valid, ar_in_ready;
logic [AX_WIDTH-1:0]   aw_in_data [S_COUNT];
logic [S_COUNT-1:0]    aw_in_valid, aw_in_ready;
/* verilator lint_off UNUSEDSIGNAL */
logic [S_COUNT-1:0]    ar_in_last, aw_in_last;  // unused: an address channel has no last
/* verilator lint_on UNUSEDSIGNAL */

for (genvar i = 0; i < S_COUNT; i++) begin : g_port
    axis_skid_buffer #(
        .DATA_WIDTH(AX_WIDTH)
    ) ar_skid_inst (
        .clk(clk),
        .rst(rst),
        .s_axis_tdata({s_axi_arid[i*S_ID_WIDTH +: S_ID_WIDTH], s_axi_araddr[i*ADDR_WIDTH +: ADDR_WIDTH],
                       s_axi_arlen[i*8 +: 8], s_axi_arsize[i*3 +: 3], s_axi_arburst[i*2 +: 2], s_axi_arlock[i],
                       s_axi_arcache[i*4 +: 4], s_axi_arprot[i*3 +: 3], s_axi_arqos[i*4 +: 4],
                       s_axi_arregion[i*4 +: 4]}),
        .s_axis_tlast(1'b0),
        .s_axis_tvalid(s_axi_arvalid[i]),
        .s_axis_tready(s_axi_arready[i]),
        .m_axis_tdata(ar_in_data[i]),
        .m_axis_tlast(ar_in_last[i]),
        .m_axis_tvalid(ar_in_valid[i]),
        .m_axis_tready(ar_in_ready[i])
    );

    axis_skid_buffer #(
        .DATA_WIDTH(AX_WIDTH)
    ) aw_skid_inst (
        .clk(clk),
        .rst(rst),
        .s_axis_tdata({s_axi_awid[i*S_ID_WIDTH +: S_ID_WIDTH], s_axi_awaddr[i*ADDR_WIDTH +: ADDR_WIDTH],
                       s_axi_awlen[i*8 +: 8], s_axi_awsize[i*3 +: 3], s_axi_awburst[i*2 +: 2], s_axi_awlock[i],
                       s_axi_awcache[i*4 +: 4], s_axi_awprot[i*3 +: 3], s_axi_awqos[i*4 +: 4],
                       s_axi_awregion[i*4 +: 4]}),
        .s_axis_tlast(1'b0),
        .s_axis_tvalid(s_axi_awvalid[i]),
        .s_axis_tready(s_axi_awready[i]),
        .m_axis_tdata(aw_in_data[i]),
        .m_axis_tlast(aw_in_last[i]),
        .m_axis_tvalid(aw_in_valid[i]),
        .m_axis_tready(aw_in_ready[i])
    );
end

// Output registers: {port, payload}; the port becomes the high bits of the master ID.
logic                  ar_out_valid_reg, ar_out_valid_next;
logic [PORT_WIDTH-1:0] ar_out_port_reg, ar_out_port_next;
logic [AX_WIDTH-1:0]   ar_out_data_reg, ar_out_data_next;
logic [PORT_WIDTH-1:0] ar_last_reg, ar_last_next;  // port granted last (round-robin pointer)
logic                  aw_out_valid_reg, aw_out_valid_next;
logic [PORT_WIDTH-1:0] aw_out_port_reg, aw_out_port_next;
logic [AX_WIDTH-1:0]   aw_out_data_reg, aw_out_data_next;
logic [PORT_WIDTH-1:0] aw_last_reg, aw_last_next;

// W FIFO: the port of every AW granted whose W beats are not all forwarded, in grant order.
logic [PORT_WIDTH-1:0] wf_mem [W_FIFO_DEPTH];
logic [WF_PTR:0]       wf_wr_reg, wf_wr_next;  // one extra bit tells full from empty
logic [WF_PTR:0]       wf_rd_reg, wf_rd_next;
logic                  wf_push, wf_empty, wf_full;
logic [PORT_WIDTH-1:0] wf_head;

logic                  ar_found, aw_found, ar_go, aw_go;
logic [PORT_WIDTH-1:0] ar_grant, aw_grant;

assign wf_empty = wf_wr_reg == wf_rd_reg;
assign wf_full  = wf_wr_reg == {~wf_rd_reg[WF_PTR], wf_rd_reg[WF_PTR-1:0]};
assign wf_head  = wf_mem[wf_rd_reg[WF_PTR-1:0]];

// W path signals (below), used here for the FIFO pop.
logic                  w_skid_ready, w_mux_valid, w_mux_last, wf_pop;

always_comb begin
    ar_out_valid_next = ar_out_valid_reg;
    ar_out_port_next  = ar_out_port_reg;
    ar_out_data_next  = ar_out_data_reg;
    ar_last_next      = ar_last_reg;
    aw_out_valid_next = aw_out_valid_reg;
    aw_out_port_next  = aw_out_port_reg;
    aw_out_data_next  = aw_out_data_reg;
    aw_last_next      = aw_last_reg;
    wf_wr_next        = wf_wr_reg;
    wf_rd_next        = wf_rd_reg;

    // AR: grant the next requesting port when the output register is free.
    {ar_found, ar_grant} = round_robin(ar_in_valid, ar_last_reg);
    ar_go = ar_found && (!ar_out_valid_reg || m_axi_arready);
    if (m_axi_arready) begin
        ar_out_valid_next = 1'b0;
    end
    if (ar_go) begin
        ar_out_valid_next = 1'b1;
        ar_out_port_next  = ar_grant;
        ar_out_data_next  = ar_in_data[ar_grant];
        ar_last_next      = ar_grant;
    end
    for (int i = 0; i < S_COUNT; i++) begin
        ar_in_ready[i] = ar_go && ar_grant == PORT_WIDTH'(i);
    end

    // AW: as AR, and the granted port goes into the W FIFO.
    {aw_found, aw_grant} = round_robin(aw_in_valid, aw_last_reg);
    aw_go   = aw_found && !wf_full && (!aw_out_valid_reg || m_axi_awready);
    wf_push = aw_go;
    if (m_axi_awready) begin
        aw_out_valid_next = 1'b0;
    end
    if (aw_go) begin
        aw_out_valid_next = 1'b1;
        aw_out_port_next  = aw_grant;
        aw_out_data_next  = aw_in_data[aw_grant];
        aw_last_next      = aw_grant;
        wf_wr_next        = wf_wr_reg + 1'b1;
    end
    for (int i = 0; i < S_COUNT; i++) begin
        aw_in_ready[i] = aw_go && aw_grant == PORT_WIDTH'(i);
    end

    wf_pop = w_mux_valid && w_skid_ready && w_mux_last;
    if (wf_pop) begin
        wf_rd_next = wf_rd_reg + 1'b1;
    end
end

always_ff @(posedge clk) begin
    ar_out_valid_reg <= ar_out_valid_next;
    ar_out_port_reg  <= ar_out_port_next;
    ar_out_data_reg  <= ar_out_data_next;
    ar_last_reg      <= ar_last_next;
    aw_out_valid_reg <= aw_out_valid_next;
    aw_out_port_reg  <= aw_out_port_next;
    aw_out_data_reg  <= aw_out_data_next;
    aw_last_reg      <= aw_last_next;
    wf_wr_reg        <= wf_wr_next;
    wf_rd_reg        <= wf_rd_next;

    if (wf_push) begin
        wf_mem[wf_wr_reg[WF_PTR-1:0]] <= aw_grant;
    end

    if (rst) begin
        ar_out_valid_reg <= 1'b0;
        ar_last_reg      <= PORT_WIDTH'(S_COUNT - 1);  // port 0 first after reset
        aw_out_valid_reg <= 1'b0;
        aw_last_reg      <= PORT_WIDTH'(S_COUNT - 1);
        wf_wr_reg        <= '0;
        wf_rd_reg        <= '0;
    end
end

assign m_axi_arvalid = ar_out_valid_reg;
assign {m_axi_arid[S_ID_WIDTH-1:0], m_axi_araddr, m_axi_arlen, m_axi_arsize, m_axi_arburst, m_axi_arlock,
        m_axi_arcache, m_axi_arprot, m_axi_arqos, m_axi_arregion} = ar_out_data_reg;
assign m_axi_arid[M_ID_WIDTH-1:S_ID_WIDTH] = ar_out_port_reg;

assign m_axi_awvalid = aw_out_valid_reg;
assign {m_axi_awid[S_ID_WIDTH-1:0], m_axi_awaddr, m_axi_awlen, m_axi_awsize, m_axi_awburst, m_axi_awlock,
        m_axi_awcache, m_axi_awprot, m_axi_awqos, m_axi_awregion} = aw_out_data_reg;
assign m_axi_awid[M_ID_WIDTH-1:S_ID_WIDTH] = aw_out_port_reg;

// ---------------------------------------------------------------------------------------
// W: the port at the FIFO head -> skid buffer -> m_axi_w
// ---------------------------------------------------------------------------------------

logic [DATA_WIDTH-1:0] w_mux_data;
logic [STRB_WIDTH-1:0] w_mux_strb;
logic [S_COUNT-1:0]    w_port_ready;

always_comb begin
    w_mux_valid = 1'b0;
    w_mux_data  = s_axi_wdata[0 +: DATA_WIDTH];
    w_mux_strb  = s_axi_wstrb[0 +: STRB_WIDTH];
    w_mux_last  = s_axi_wlast[0];
    for (int i = 0; i < S_COUNT; i++) begin
        w_port_ready[i] = !wf_empty && wf_head == PORT_WIDTH'(i) && w_skid_ready;
        if (wf_head == PORT_WIDTH'(i)) begin
            w_mux_valid = !wf_empty && s_axi_wvalid[i];
            w_mux_data  = s_axi_wdata[i*DATA_WIDTH +: DATA_WIDTH];
            w_mux_strb  = s_axi_wstrb[i*STRB_WIDTH +: STRB_WIDTH];
            w_mux_last  = s_axi_wlast[i];
        end
    end
end

assign s_axi_wready = w_port_ready;

axis_skid_buffer #(
    .DATA_WIDTH(DATA_WIDTH + STRB_WIDTH)
) w_skid_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata({w_mux_data, w_mux_strb}),
    .s_axis_tlast(w_mux_last),
    .s_axis_tvalid(w_mux_valid),
    .s_axis_tready(w_skid_ready),
    .m_axis_tdata({m_axi_wdata, m_axi_wstrb}),
    .m_axis_tlast(m_axi_wlast),
    .m_axis_tvalid(m_axi_wvalid),
    .m_axis_tready(m_axi_wready)
);

// ---------------------------------------------------------------------------------------
// R and B: skid buffer from the master -> the port named by the ID's high bits
// ---------------------------------------------------------------------------------------

logic [M_ID_WIDTH-1:0] r_out_id;
logic [DATA_WIDTH-1:0] r_out_data;
logic [1:0]            r_out_resp;
logic                  r_out_last, r_out_valid, r_out_ready;
logic [PORT_WIDTH-1:0] r_out_port;

axis_skid_buffer #(
    .DATA_WIDTH(M_ID_WIDTH + DATA_WIDTH + 2)
) r_skid_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata({m_axi_rid, m_axi_rdata, m_axi_rresp}),
    .s_axis_tlast(m_axi_rlast),
    .s_axis_tvalid(m_axi_rvalid),
    .s_axis_tready(m_axi_rready),
    .m_axis_tdata({r_out_id, r_out_data, r_out_resp}),
    .m_axis_tlast(r_out_last),
    .m_axis_tvalid(r_out_valid),
    .m_axis_tready(r_out_ready)
);

logic [M_ID_WIDTH-1:0] b_out_id;
logic [1:0]            b_out_resp;
logic                  b_out_valid, b_out_ready;
logic [PORT_WIDTH-1:0] b_out_port;
/* verilator lint_off UNUSEDSIGNAL */
logic                  b_out_last;  // unused: B has no last
/* verilator lint_on UNUSEDSIGNAL */

axis_skid_buffer #(
    .DATA_WIDTH(M_ID_WIDTH + 2)
) b_skid_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata({m_axi_bid, m_axi_bresp}),
    .s_axis_tlast(1'b0),
    .s_axis_tvalid(m_axi_bvalid),
    .s_axis_tready(m_axi_bready),
    .m_axis_tdata({b_out_id, b_out_resp}),
    .m_axis_tlast(b_out_last),
    .m_axis_tvalid(b_out_valid),
    .m_axis_tready(b_out_ready)
);

assign r_out_port = r_out_id[M_ID_WIDTH-1:S_ID_WIDTH];
assign b_out_port = b_out_id[M_ID_WIDTH-1:S_ID_WIDTH];

always_comb begin
    // An ID that names no port is consumed (ready high) and goes nowhere.
    r_out_ready = 1'b1;
    b_out_ready = 1'b1;
    for (int i = 0; i < S_COUNT; i++) begin
        if (r_out_port == PORT_WIDTH'(i)) begin
            r_out_ready = s_axi_rready[i];
        end
        if (b_out_port == PORT_WIDTH'(i)) begin
            b_out_ready = s_axi_bready[i];
        end
    end
end

for (genvar i = 0; i < S_COUNT; i++) begin : g_resp
    assign s_axi_rvalid[i] = r_out_valid && r_out_port == PORT_WIDTH'(i);
    assign s_axi_bvalid[i] = b_out_valid && b_out_port == PORT_WIDTH'(i);
end

assign s_axi_rid   = {S_COUNT{r_out_id[S_ID_WIDTH-1:0]}};
assign s_axi_rdata = {S_COUNT{r_out_data}};
assign s_axi_rresp = {S_COUNT{r_out_resp}};
assign s_axi_rlast = {S_COUNT{r_out_last}};
assign s_axi_bid   = {S_COUNT{b_out_id[S_ID_WIDTH-1:0]}};
assign s_axi_bresp = {S_COUNT{b_out_resp}};

endmodule

`default_nettype wire
