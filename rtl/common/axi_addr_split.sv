// SPDX-License-Identifier: Apache-2.0

/*
 * AXI4 address split: one slave port to M_COUNT master ports by address
 *
 * A burst on s_axi goes to master port sel = addr[SEL_LSB +: $clog2(M_COUNT)]
 * (the VU9P shell: DDR channel c = 0..3 owns the 16 GiB window at c << 34).
 * The forwarded address has the select bits cleared (the port sees its local
 * offset) unless KEEP_SEL_ENABLE. A burst whose select value names no port
 * (sel >= M_COUNT) or whose address has any bit above the select field set
 * is a decode error: an internal responder answers it with DECERR (reads:
 * arlen+1 beats of zero data; writes: the W beats are consumed, then one B).
 * R and B come back unchanged, SLVERR and DECERR included; every other
 * address-channel field is forwarded unchanged.
 *
 * Ordering rule (AXI4 requires same-ID responses in order; with several
 * ports a later burst to a faster port could overtake an earlier one): each
 * direction sends all its bursts to one port at a time, and switches to
 * another port only when its count of outstanding bursts (address issued,
 * last R beat / B response not yet back) is zero. Responses therefore always
 * come from that one port, in the order that port returns them, which keeps
 * every AXI ordering guarantee whatever the IDs. Back-to-back bursts to the
 * same port never wait (up to MAX_OUTSTANDING per direction) and stream at
 * one beat per cycle; alternating ports costs a drain of the pipeline at
 * each switch. Reads and writes are independent (AXI orders neither against
 * the other).
 *
 * W beats follow AW order: each AW, when issued, pushes its port into a FIFO
 * of granted ports; W beats go to the port at its head, which is popped on
 * WLAST. No W beat is forwarded before its AW has been issued.
 *
 * Registers: s_axi_arready/awready/wready/rvalid/bvalid and all m_axi
 * address and W outputs come straight from registers (axis_skid_buffer on
 * the slave side, one output register per channel on the master side, its
 * payload shared by all ports and its valid one-hot). m_axi_*ready reaches
 * only those registers' enables, never an s_axi ready. Latency: AR/AW/W two
 * cycles, R/B one cycle.
 */

`default_nettype none

module axi_addr_split #(
    // Master ports (>= 2)
    parameter int M_COUNT = 4,
    // Width of the data bus, bits (power of two, 8..1024)
    parameter int DATA_WIDTH = 512,
    // Width of the address bus, bits (> SEL_LSB + $clog2(M_COUNT) - 1)
    parameter int ADDR_WIDTH = 64,
    // Width of wstrb, bits (DATA_WIDTH / 8)
    parameter int STRB_WIDTH = DATA_WIDTH / 8,
    // Width of the ID fields, bits, the same on every port (>= 1)
    parameter int ID_WIDTH = 4,
    // Lowest address bit of the port select field (>= 12: a burst never crosses 4 KiB,
    // so it never straddles two ports)
    parameter int SEL_LSB = 34,
    // 1: forward the address unchanged; 0: clear the select bits (the port's local offset)
    parameter int KEEP_SEL_ENABLE = 0,
    // Bursts in flight per direction (issued, response not yet complete; >= 2)
    parameter int MAX_OUTSTANDING = 16
) (
    input  wire                            clk,
    input  wire                            rst,  // active-high, synchronous

    /*
     * AXI4 slave
     */
    input  wire  [ID_WIDTH-1:0]            s_axi_awid,
    input  wire  [ADDR_WIDTH-1:0]          s_axi_awaddr,
    input  wire  [7:0]                     s_axi_awlen,
    input  wire  [2:0]                     s_axi_awsize,
    input  wire  [1:0]                     s_axi_awburst,
    input  wire                            s_axi_awlock,
    input  wire  [3:0]                     s_axi_awcache,
    input  wire  [2:0]                     s_axi_awprot,
    input  wire  [3:0]                     s_axi_awqos,
    input  wire  [3:0]                     s_axi_awregion,
    input  wire                            s_axi_awvalid,
    output wire                            s_axi_awready,
    input  wire  [DATA_WIDTH-1:0]          s_axi_wdata,
    input  wire  [STRB_WIDTH-1:0]          s_axi_wstrb,
    input  wire                            s_axi_wlast,
    input  wire                            s_axi_wvalid,
    output wire                            s_axi_wready,
    output wire  [ID_WIDTH-1:0]            s_axi_bid,
    output wire  [1:0]                     s_axi_bresp,
    output wire                            s_axi_bvalid,
    input  wire                            s_axi_bready,
    input  wire  [ID_WIDTH-1:0]            s_axi_arid,
    input  wire  [ADDR_WIDTH-1:0]          s_axi_araddr,
    input  wire  [7:0]                     s_axi_arlen,
    input  wire  [2:0]                     s_axi_arsize,
    input  wire  [1:0]                     s_axi_arburst,
    input  wire                            s_axi_arlock,
    input  wire  [3:0]                     s_axi_arcache,
    input  wire  [2:0]                     s_axi_arprot,
    input  wire  [3:0]                     s_axi_arqos,
    input  wire  [3:0]                     s_axi_arregion,
    input  wire                            s_axi_arvalid,
    output wire                            s_axi_arready,
    output wire  [ID_WIDTH-1:0]            s_axi_rid,
    output wire  [DATA_WIDTH-1:0]          s_axi_rdata,
    output wire  [1:0]                     s_axi_rresp,
    output wire                            s_axi_rlast,
    output wire                            s_axi_rvalid,
    input  wire                            s_axi_rready,

    /*
     * AXI4 masters: port i is bits [i*W +: W] of each field (W its width)
     */
    output wire  [M_COUNT*ID_WIDTH-1:0]    m_axi_awid,
    output wire  [M_COUNT*ADDR_WIDTH-1:0]  m_axi_awaddr,
    output wire  [M_COUNT*8-1:0]           m_axi_awlen,
    output wire  [M_COUNT*3-1:0]           m_axi_awsize,
    output wire  [M_COUNT*2-1:0]           m_axi_awburst,
    output wire  [M_COUNT-1:0]             m_axi_awlock,
    output wire  [M_COUNT*4-1:0]           m_axi_awcache,
    output wire  [M_COUNT*3-1:0]           m_axi_awprot,
    output wire  [M_COUNT*4-1:0]           m_axi_awqos,
    output wire  [M_COUNT*4-1:0]           m_axi_awregion,
    output wire  [M_COUNT-1:0]             m_axi_awvalid,
    input  wire  [M_COUNT-1:0]             m_axi_awready,
    output wire  [M_COUNT*DATA_WIDTH-1:0]  m_axi_wdata,
    output wire  [M_COUNT*STRB_WIDTH-1:0]  m_axi_wstrb,
    output wire  [M_COUNT-1:0]             m_axi_wlast,
    output wire  [M_COUNT-1:0]             m_axi_wvalid,
    input  wire  [M_COUNT-1:0]             m_axi_wready,
    input  wire  [M_COUNT*ID_WIDTH-1:0]    m_axi_bid,
    input  wire  [M_COUNT*2-1:0]           m_axi_bresp,
    input  wire  [M_COUNT-1:0]             m_axi_bvalid,
    output wire  [M_COUNT-1:0]             m_axi_bready,
    output wire  [M_COUNT*ID_WIDTH-1:0]    m_axi_arid,
    output wire  [M_COUNT*ADDR_WIDTH-1:0]  m_axi_araddr,
    output wire  [M_COUNT*8-1:0]           m_axi_arlen,
    output wire  [M_COUNT*3-1:0]           m_axi_arsize,
    output wire  [M_COUNT*2-1:0]           m_axi_arburst,
    output wire  [M_COUNT-1:0]             m_axi_arlock,
    output wire  [M_COUNT*4-1:0]           m_axi_arcache,
    output wire  [M_COUNT*3-1:0]           m_axi_arprot,
    output wire  [M_COUNT*4-1:0]           m_axi_arqos,
    output wire  [M_COUNT*4-1:0]           m_axi_arregion,
    output wire  [M_COUNT-1:0]             m_axi_arvalid,
    input  wire  [M_COUNT-1:0]             m_axi_arready,
    input  wire  [M_COUNT*ID_WIDTH-1:0]    m_axi_rid,
    input  wire  [M_COUNT*DATA_WIDTH-1:0]  m_axi_rdata,
    input  wire  [M_COUNT*2-1:0]           m_axi_rresp,
    input  wire  [M_COUNT-1:0]             m_axi_rlast,
    input  wire  [M_COUNT-1:0]             m_axi_rvalid,
    output wire  [M_COUNT-1:0]             m_axi_rready
);

localparam int SEL_WIDTH  = $clog2(M_COUNT);          // select field, bits
localparam int PORT_WIDTH = $clog2(M_COUNT + 1);      // holds 0..M_COUNT
localparam int DEC        = M_COUNT;                  // port index of the decode-error responder
localparam int CNT_WIDTH  = $clog2(MAX_OUTSTANDING + 1);
localparam int WF_PTR     = $clog2(MAX_OUTSTANDING);  // W FIFO index bits
localparam int WF_DEPTH   = 2 ** WF_PTR;              // >= MAX_OUTSTANDING: never the limit
// Address channel payload: {id, addr, len, attr}, attr = {size, burst, lock, cache, prot,
// qos, region} (forwarded unchanged).
localparam int ATTR_WIDTH = 3 + 2 + 1 + 4 + 3 + 4 + 4;
localparam int AX_WIDTH   = ID_WIDTH + ADDR_WIDTH + 8 + ATTR_WIDTH;

localparam logic [ADDR_WIDTH-1:0] HIGH_MASK = {ADDR_WIDTH{1'b1}} << (SEL_LSB + SEL_WIDTH);
localparam logic [ADDR_WIDTH-1:0] SEL_MASK  = ({ADDR_WIDTH{1'b1}} << SEL_LSB) & ~HIGH_MASK;
localparam logic [ADDR_WIDTH-1:0] FWD_MASK  = KEEP_SEL_ENABLE != 0 ? {ADDR_WIDTH{1'b1}} : ~SEL_MASK;
localparam logic [1:0] RESP_DECERR = 2'b11;

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (M_COUNT < 2) begin : g_check_m_count
    $error("axi_addr_split: M_COUNT must be >= 2");
end
if (DATA_WIDTH < 8 || DATA_WIDTH > 1024 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0) begin : g_check_data_width
    $error("axi_addr_split: DATA_WIDTH must be a power of two in 8..1024");
end
if (STRB_WIDTH * 8 != DATA_WIDTH) begin : g_check_strb_width
    $error("axi_addr_split: STRB_WIDTH must be DATA_WIDTH / 8");
end
if (ID_WIDTH < 1) begin : g_check_id_width
    $error("axi_addr_split: ID_WIDTH must be >= 1");
end
if (SEL_LSB < 12 || SEL_LSB + SEL_WIDTH > ADDR_WIDTH) begin : g_check_sel_lsb
    $error("axi_addr_split: SEL_LSB must be >= 12 and the select field must fit in ADDR_WIDTH");
end
if (MAX_OUTSTANDING < 2) begin : g_check_max_outstanding
    $error("axi_addr_split: MAX_OUTSTANDING must be >= 2");
end

// Port of an address: its select value, or DEC for a decode error.
function automatic logic [PORT_WIDTH-1:0] decode(input logic [ADDR_WIDTH-1:0] addr);
    logic [PORT_WIDTH-1:0] sel;
    sel = PORT_WIDTH'(addr[SEL_LSB +: SEL_WIDTH]);
    if ((addr & HIGH_MASK) != '0 || sel >= PORT_WIDTH'(M_COUNT)) begin
        decode = PORT_WIDTH'(DEC);
    end else begin
        decode = sel;
    end
endfunction

// ---------------------------------------------------------------------------------------
// Read direction: AR skid -> decode, ordering gate -> AR output register -> port;
// port (the one reads go to) -> R skid -> s_axi_r.
// ---------------------------------------------------------------------------------------

// AR input skid buffer (s_axi_arready registered).
logic [AX_WIDTH-1:0]   ar_in_data;
logic                  ar_in_valid, ar_in_ready;
/* verilator lint_off UNUSEDSIGNAL */
logic                  ar_in_last;  // unused: an address channel has no last
/* verilator lint_on UNUSEDSIGNAL */
logic [ID_WIDTH-1:0]   ar_in_id;
logic [ADDR_WIDTH-1:0] ar_in_addr;
logic [7:0]            ar_in_len;
logic [ATTR_WIDTH-1:0] ar_in_attr;

assign {ar_in_id, ar_in_addr, ar_in_len, ar_in_attr} = ar_in_data;

axis_skid_buffer #(
    .DATA_WIDTH(AX_WIDTH)
) ar_skid_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata({s_axi_arid, s_axi_araddr, s_axi_arlen, s_axi_arsize, s_axi_arburst, s_axi_arlock,
                   s_axi_arcache, s_axi_arprot, s_axi_arqos, s_axi_arregion}),
    .s_axis_tlast(1'b0),
    .s_axis_tvalid(s_axi_arvalid),
    .s_axis_tready(s_axi_arready),
    .m_axis_tdata(ar_in_data),
    .m_axis_tlast(ar_in_last),
    .m_axis_tvalid(ar_in_valid),
    .m_axis_tready(ar_in_ready)
);

// AR output register: one payload for every port, a one-hot valid (bit DEC: the responder).
logic [M_COUNT:0]        ar_out_valid_reg, ar_out_valid_next;
logic [ID_WIDTH-1:0]     ar_out_id_reg, ar_out_id_next;
logic [ADDR_WIDTH-1:0]   ar_out_addr_reg, ar_out_addr_next;
logic [7:0]              ar_out_len_reg, ar_out_len_next;
logic [ATTR_WIDTH-1:0]   ar_out_attr_reg, ar_out_attr_next;

// Ordering state: the port reads go to, and the read bursts outstanding there.
logic [PORT_WIDTH-1:0]   rd_port_reg, rd_port_next;
logic [CNT_WIDTH-1:0]    rd_count_reg, rd_count_next;

// Decode-error read responder: one burst at a time, len+1 DECERR beats.
logic                    dec_r_active_reg, dec_r_active_next;
logic [ID_WIDTH-1:0]     dec_r_id_reg, dec_r_id_next;
logic [7:0]              dec_r_left_reg, dec_r_left_next;  // beats after the current one

logic [M_COUNT:0]        port_arready, port_rready;
logic                    ar_port_ready, ar_out_free, ar_go, r_done;
logic [PORT_WIDTH-1:0]   ar_port;
logic                    r_skid_ready;
logic                    r_mux_valid, r_mux_last;
logic [ID_WIDTH-1:0]     r_mux_id;
logic [DATA_WIDTH-1:0]   r_mux_data;
logic [1:0]              r_mux_resp;

assign port_arready = {!dec_r_active_reg, m_axi_arready};

always_comb begin
    ar_out_valid_next = ar_out_valid_reg;
    ar_out_id_next    = ar_out_id_reg;
    ar_out_addr_next  = ar_out_addr_reg;
    ar_out_len_next   = ar_out_len_reg;
    ar_out_attr_next  = ar_out_attr_reg;
    rd_port_next      = rd_port_reg;
    dec_r_active_next = dec_r_active_reg;
    dec_r_id_next     = dec_r_id_reg;
    dec_r_left_next   = dec_r_left_reg;

    // R from the port reads go to: no other port has a read outstanding.
    r_mux_valid = dec_r_active_reg;
    r_mux_id    = dec_r_id_reg;
    r_mux_data  = '0;
    r_mux_resp  = RESP_DECERR;
    r_mux_last  = dec_r_left_reg == 8'd0;
    for (int p = 0; p < M_COUNT; p++) begin
        if (rd_port_reg == PORT_WIDTH'(p)) begin
            r_mux_valid = m_axi_rvalid[p];
            r_mux_id    = m_axi_rid[p*ID_WIDTH +: ID_WIDTH];
            r_mux_data  = m_axi_rdata[p*DATA_WIDTH +: DATA_WIDTH];
            r_mux_resp  = m_axi_rresp[p*2 +: 2];
            r_mux_last  = m_axi_rlast[p];
        end
    end
    for (int p = 0; p <= M_COUNT; p++) begin
        port_rready[p] = r_skid_ready && rd_port_reg == PORT_WIDTH'(p);
    end
    r_done = r_mux_valid && r_skid_ready && r_mux_last;

    // Issue the AR at the head of the input buffer when the output register is free and
    // the ordering rule allows it: no read outstanding, or all of them at the same port.
    ar_port       = decode(ar_in_addr);
    ar_port_ready = |(ar_out_valid_reg & port_arready);
    ar_out_free   = !(|ar_out_valid_reg) || ar_port_ready;
    ar_go         = ar_in_valid && ar_out_free && rd_count_reg != CNT_WIDTH'(MAX_OUTSTANDING)
                    && (rd_count_reg == '0 || rd_port_reg == ar_port);
    ar_in_ready   = ar_go;

    if (ar_port_ready) begin
        ar_out_valid_next = '0;
    end
    if (ar_go) begin
        for (int p = 0; p <= M_COUNT; p++) begin
            ar_out_valid_next[p] = ar_port == PORT_WIDTH'(p);
        end
        ar_out_id_next   = ar_in_id;
        ar_out_addr_next = ar_in_addr & FWD_MASK;
        ar_out_len_next  = ar_in_len;
        ar_out_attr_next = ar_in_attr;
        rd_port_next     = ar_port;
    end
    rd_count_next = rd_count_reg + CNT_WIDTH'(ar_go) - CNT_WIDTH'(r_done);

    // Decode-error responder: take the AR, then send its beats.
    if (ar_out_valid_reg[DEC] && !dec_r_active_reg) begin
        dec_r_active_next = 1'b1;
        dec_r_id_next     = ar_out_id_reg;
        dec_r_left_next   = ar_out_len_reg;
    end
    if (dec_r_active_reg && port_rready[DEC]) begin
        dec_r_left_next = dec_r_left_reg - 8'd1;
        if (dec_r_left_reg == 8'd0) begin
            dec_r_active_next = 1'b0;
        end
    end
end

always_ff @(posedge clk) begin
    ar_out_valid_reg <= ar_out_valid_next;
    ar_out_id_reg    <= ar_out_id_next;
    ar_out_addr_reg  <= ar_out_addr_next;
    ar_out_len_reg   <= ar_out_len_next;
    ar_out_attr_reg  <= ar_out_attr_next;
    rd_port_reg      <= rd_port_next;
    rd_count_reg     <= rd_count_next;
    dec_r_active_reg <= dec_r_active_next;
    dec_r_id_reg     <= dec_r_id_next;
    dec_r_left_reg   <= dec_r_left_next;

    if (rst) begin
        ar_out_valid_reg <= '0;
        rd_port_reg      <= '0;
        rd_count_reg     <= '0;
        dec_r_active_reg <= 1'b0;
    end
end

logic [2:0] ar_out_size;
logic [1:0] ar_out_burst;
logic       ar_out_lock;
logic [3:0] ar_out_cache, ar_out_qos, ar_out_region;
logic [2:0] ar_out_prot;

assign {ar_out_size, ar_out_burst, ar_out_lock, ar_out_cache, ar_out_prot, ar_out_qos, ar_out_region} = ar_out_attr_reg;

assign m_axi_arid     = {M_COUNT{ar_out_id_reg}};
assign m_axi_araddr   = {M_COUNT{ar_out_addr_reg}};
assign m_axi_arlen    = {M_COUNT{ar_out_len_reg}};
assign m_axi_arsize   = {M_COUNT{ar_out_size}};
assign m_axi_arburst  = {M_COUNT{ar_out_burst}};
assign m_axi_arlock   = {M_COUNT{ar_out_lock}};
assign m_axi_arcache  = {M_COUNT{ar_out_cache}};
assign m_axi_arprot   = {M_COUNT{ar_out_prot}};
assign m_axi_arqos    = {M_COUNT{ar_out_qos}};
assign m_axi_arregion = {M_COUNT{ar_out_region}};
assign m_axi_arvalid  = ar_out_valid_reg[M_COUNT-1:0];
assign m_axi_rready   = port_rready[M_COUNT-1:0];

// R output skid buffer (s_axi_rvalid registered; s_axi_rready reaches only its registers).
axis_skid_buffer #(
    .DATA_WIDTH(ID_WIDTH + DATA_WIDTH + 2)
) r_skid_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata({r_mux_id, r_mux_data, r_mux_resp}),
    .s_axis_tlast(r_mux_last),
    .s_axis_tvalid(r_mux_valid),
    .s_axis_tready(r_skid_ready),
    .m_axis_tdata({s_axi_rid, s_axi_rdata, s_axi_rresp}),
    .m_axis_tlast(s_axi_rlast),
    .m_axis_tvalid(s_axi_rvalid),
    .m_axis_tready(s_axi_rready)
);

// ---------------------------------------------------------------------------------------
// Write direction: AW skid -> decode, ordering gate -> AW output register -> port, and the
// port into the W FIFO; W skid -> W output register -> the port at the FIFO head;
// port (the one writes go to) -> B skid -> s_axi_b.
// ---------------------------------------------------------------------------------------

// AW input skid buffer (s_axi_awready registered).
logic [AX_WIDTH-1:0]   aw_in_data;
logic                  aw_in_valid, aw_in_ready;
/* verilator lint_off UNUSEDSIGNAL */
logic                  aw_in_last;  // unused: an address channel has no last
/* verilator lint_on UNUSEDSIGNAL */
logic [ID_WIDTH-1:0]   aw_in_id;
logic [ADDR_WIDTH-1:0] aw_in_addr;
logic [7:0]            aw_in_len;
logic [ATTR_WIDTH-1:0] aw_in_attr;

assign {aw_in_id, aw_in_addr, aw_in_len, aw_in_attr} = aw_in_data;

axis_skid_buffer #(
    .DATA_WIDTH(AX_WIDTH)
) aw_skid_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata({s_axi_awid, s_axi_awaddr, s_axi_awlen, s_axi_awsize, s_axi_awburst, s_axi_awlock,
                   s_axi_awcache, s_axi_awprot, s_axi_awqos, s_axi_awregion}),
    .s_axis_tlast(1'b0),
    .s_axis_tvalid(s_axi_awvalid),
    .s_axis_tready(s_axi_awready),
    .m_axis_tdata(aw_in_data),
    .m_axis_tlast(aw_in_last),
    .m_axis_tvalid(aw_in_valid),
    .m_axis_tready(aw_in_ready)
);

// W input skid buffer (s_axi_wready registered).
logic [DATA_WIDTH-1:0] w_in_data;
logic [STRB_WIDTH-1:0] w_in_strb;
logic                  w_in_last, w_in_valid, w_in_ready;

axis_skid_buffer #(
    .DATA_WIDTH(DATA_WIDTH + STRB_WIDTH)
) w_skid_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata({s_axi_wdata, s_axi_wstrb}),
    .s_axis_tlast(s_axi_wlast),
    .s_axis_tvalid(s_axi_wvalid),
    .s_axis_tready(s_axi_wready),
    .m_axis_tdata({w_in_data, w_in_strb}),
    .m_axis_tlast(w_in_last),
    .m_axis_tvalid(w_in_valid),
    .m_axis_tready(w_in_ready)
);

// AW output register (as AR).
logic [M_COUNT:0]        aw_out_valid_reg, aw_out_valid_next;
logic [ID_WIDTH-1:0]     aw_out_id_reg, aw_out_id_next;
logic [ADDR_WIDTH-1:0]   aw_out_addr_reg, aw_out_addr_next;
logic [7:0]              aw_out_len_reg, aw_out_len_next;
logic [ATTR_WIDTH-1:0]   aw_out_attr_reg, aw_out_attr_next;

// Ordering state: the port writes go to, and the write bursts outstanding there (AW issued,
// B not yet back).
logic [PORT_WIDTH-1:0]   wr_port_reg, wr_port_next;
logic [CNT_WIDTH-1:0]    wr_count_reg, wr_count_next;

// W FIFO: the port of every issued AW whose W beats are not all forwarded, in AW order.
logic [PORT_WIDTH-1:0]   wf_mem [WF_DEPTH];
logic [WF_PTR:0]         wf_wr_reg, wf_wr_next;  // one extra bit tells full from empty
logic [WF_PTR:0]         wf_rd_reg, wf_rd_next;
logic                    wf_push, wf_empty, wf_full;
logic [PORT_WIDTH-1:0]   wf_head;

// W output register: one payload for every port, a one-hot valid.
logic [M_COUNT:0]        w_out_valid_reg, w_out_valid_next;
logic [DATA_WIDTH-1:0]   w_out_data_reg, w_out_data_next;
logic [STRB_WIDTH-1:0]   w_out_strb_reg, w_out_strb_next;
logic                    w_out_last_reg, w_out_last_next;

// Decode-error write responder: take the AW, consume its W beats, send one DECERR B.
typedef enum logic [1:0] {
    DEC_W_IDLE,  // waiting for an AW on port DEC
    DEC_W_DATA,  // consuming W beats until WLAST
    DEC_W_RESP   // B valid, waiting for the B skid buffer to take it
} dec_w_state_t;

dec_w_state_t            dec_w_state_reg, dec_w_state_next;
logic [ID_WIDTH-1:0]     dec_w_id_reg, dec_w_id_next;

logic [M_COUNT:0]        port_awready, port_wready, port_bready;
logic                    aw_port_ready, aw_out_free, aw_go;
logic [PORT_WIDTH-1:0]   aw_port;
logic                    w_port_ready, w_out_free, w_go;
logic                    b_skid_ready, b_mux_valid, b_done;
logic [ID_WIDTH-1:0]     b_mux_id;
logic [1:0]              b_mux_resp;

assign port_awready = {dec_w_state_reg == DEC_W_IDLE, m_axi_awready};
assign port_wready  = {dec_w_state_reg == DEC_W_DATA, m_axi_wready};
assign wf_empty     = wf_wr_reg == wf_rd_reg;
assign wf_full      = wf_wr_reg == {~wf_rd_reg[WF_PTR], wf_rd_reg[WF_PTR-1:0]};
assign wf_head      = wf_mem[wf_rd_reg[WF_PTR-1:0]];

always_comb begin
    aw_out_valid_next = aw_out_valid_reg;
    aw_out_id_next    = aw_out_id_reg;
    aw_out_addr_next  = aw_out_addr_reg;
    aw_out_len_next   = aw_out_len_reg;
    aw_out_attr_next  = aw_out_attr_reg;
    wr_port_next      = wr_port_reg;
    wf_wr_next        = wf_wr_reg;
    wf_rd_next        = wf_rd_reg;
    w_out_valid_next  = w_out_valid_reg;
    w_out_data_next   = w_out_data_reg;
    w_out_strb_next   = w_out_strb_reg;
    w_out_last_next   = w_out_last_reg;
    dec_w_state_next  = dec_w_state_reg;
    dec_w_id_next     = dec_w_id_reg;

    // B from the port writes go to: no other port has a write outstanding.
    b_mux_valid = dec_w_state_reg == DEC_W_RESP;
    b_mux_id    = dec_w_id_reg;
    b_mux_resp  = RESP_DECERR;
    for (int p = 0; p < M_COUNT; p++) begin
        if (wr_port_reg == PORT_WIDTH'(p)) begin
            b_mux_valid = m_axi_bvalid[p];
            b_mux_id    = m_axi_bid[p*ID_WIDTH +: ID_WIDTH];
            b_mux_resp  = m_axi_bresp[p*2 +: 2];
        end
    end
    for (int p = 0; p <= M_COUNT; p++) begin
        port_bready[p] = b_skid_ready && wr_port_reg == PORT_WIDTH'(p);
    end
    b_done = b_mux_valid && b_skid_ready;

    // Issue the AW at the head of the input buffer as an AR is issued; also needs room in
    // the W FIFO (never short while MAX_OUTSTANDING holds: kept as a guard).
    aw_port       = decode(aw_in_addr);
    aw_port_ready = |(aw_out_valid_reg & port_awready);
    aw_out_free   = !(|aw_out_valid_reg) || aw_port_ready;
    aw_go         = aw_in_valid && aw_out_free && !wf_full && wr_count_reg != CNT_WIDTH'(MAX_OUTSTANDING)
                    && (wr_count_reg == '0 || wr_port_reg == aw_port);
    aw_in_ready   = aw_go;
    wf_push       = aw_go;

    if (aw_port_ready) begin
        aw_out_valid_next = '0;
    end
    if (aw_go) begin
        for (int p = 0; p <= M_COUNT; p++) begin
            aw_out_valid_next[p] = aw_port == PORT_WIDTH'(p);
        end
        aw_out_id_next   = aw_in_id;
        aw_out_addr_next = aw_in_addr & FWD_MASK;
        aw_out_len_next  = aw_in_len;
        aw_out_attr_next = aw_in_attr;
        wr_port_next     = aw_port;
        wf_wr_next       = wf_wr_reg + 1'b1;
    end
    wr_count_next = wr_count_reg + CNT_WIDTH'(aw_go) - CNT_WIDTH'(b_done);

    // Forward the W beat at the head of the input buffer to the port at the FIFO head; its
    // WLAST pops the FIFO.
    w_port_ready = |(w_out_valid_reg & port_wready);
    w_out_free   = !(|w_out_valid_reg) || w_port_ready;
    w_go         = w_in_valid && !wf_empty && w_out_free;
    w_in_ready   = w_go;

    if (w_port_ready) begin
        w_out_valid_next = '0;
    end
    if (w_go) begin
        for (int p = 0; p <= M_COUNT; p++) begin
            w_out_valid_next[p] = wf_head == PORT_WIDTH'(p);
        end
        w_out_data_next = w_in_data;
        w_out_strb_next = w_in_strb;
        w_out_last_next = w_in_last;
        if (w_in_last) begin
            wf_rd_next = wf_rd_reg + 1'b1;
        end
    end

    // Decode-error write responder.
    case (dec_w_state_reg)
        DEC_W_IDLE: begin
            if (aw_out_valid_reg[DEC]) begin
                dec_w_id_next    = aw_out_id_reg;
                dec_w_state_next = DEC_W_DATA;
            end
        end
        DEC_W_DATA: begin
            if (w_out_valid_reg[DEC] && w_out_last_reg) begin
                dec_w_state_next = DEC_W_RESP;
            end
        end
        DEC_W_RESP: begin
            if (port_bready[DEC]) begin
                dec_w_state_next = DEC_W_IDLE;
            end
        end
        default: dec_w_state_next = DEC_W_IDLE;
    endcase
end

always_ff @(posedge clk) begin
    aw_out_valid_reg <= aw_out_valid_next;
    aw_out_id_reg    <= aw_out_id_next;
    aw_out_addr_reg  <= aw_out_addr_next;
    aw_out_len_reg   <= aw_out_len_next;
    aw_out_attr_reg  <= aw_out_attr_next;
    wr_port_reg      <= wr_port_next;
    wr_count_reg     <= wr_count_next;
    wf_wr_reg        <= wf_wr_next;
    wf_rd_reg        <= wf_rd_next;
    w_out_valid_reg  <= w_out_valid_next;
    w_out_data_reg   <= w_out_data_next;
    w_out_strb_reg   <= w_out_strb_next;
    w_out_last_reg   <= w_out_last_next;
    dec_w_state_reg  <= dec_w_state_next;
    dec_w_id_reg     <= dec_w_id_next;

    if (wf_push) begin
        wf_mem[wf_wr_reg[WF_PTR-1:0]] <= aw_port;
    end

    if (rst) begin
        aw_out_valid_reg <= '0;
        wr_port_reg      <= '0;
        wr_count_reg     <= '0;
        wf_wr_reg        <= '0;
        wf_rd_reg        <= '0;
        w_out_valid_reg  <= '0;
        dec_w_state_reg  <= DEC_W_IDLE;
    end
end

logic [2:0] aw_out_size;
logic [1:0] aw_out_burst;
logic       aw_out_lock;
logic [3:0] aw_out_cache, aw_out_qos, aw_out_region;
logic [2:0] aw_out_prot;

assign {aw_out_size, aw_out_burst, aw_out_lock, aw_out_cache, aw_out_prot, aw_out_qos, aw_out_region} = aw_out_attr_reg;

assign m_axi_awid     = {M_COUNT{aw_out_id_reg}};
assign m_axi_awaddr   = {M_COUNT{aw_out_addr_reg}};
assign m_axi_awlen    = {M_COUNT{aw_out_len_reg}};
assign m_axi_awsize   = {M_COUNT{aw_out_size}};
assign m_axi_awburst  = {M_COUNT{aw_out_burst}};
assign m_axi_awlock   = {M_COUNT{aw_out_lock}};
assign m_axi_awcache  = {M_COUNT{aw_out_cache}};
assign m_axi_awprot   = {M_COUNT{aw_out_prot}};
assign m_axi_awqos    = {M_COUNT{aw_out_qos}};
assign m_axi_awregion = {M_COUNT{aw_out_region}};
assign m_axi_awvalid  = aw_out_valid_reg[M_COUNT-1:0];
assign m_axi_wdata    = {M_COUNT{w_out_data_reg}};
assign m_axi_wstrb    = {M_COUNT{w_out_strb_reg}};
assign m_axi_wlast    = {M_COUNT{w_out_last_reg}};
assign m_axi_wvalid   = w_out_valid_reg[M_COUNT-1:0];
assign m_axi_bready   = port_bready[M_COUNT-1:0];

// B output skid buffer (s_axi_bvalid registered; s_axi_bready reaches only its registers).
/* verilator lint_off UNUSEDSIGNAL */
logic b_skid_last;  // unused: B has no last
/* verilator lint_on UNUSEDSIGNAL */

axis_skid_buffer #(
    .DATA_WIDTH(ID_WIDTH + 2)
) b_skid_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata({b_mux_id, b_mux_resp}),
    .s_axis_tlast(1'b0),
    .s_axis_tvalid(b_mux_valid),
    .s_axis_tready(b_skid_ready),
    .m_axis_tdata({s_axi_bid, s_axi_bresp}),
    .m_axis_tlast(b_skid_last),
    .m_axis_tvalid(s_axi_bvalid),
    .m_axis_tready(s_axi_bready)
);

endmodule

`default_nettype wire
