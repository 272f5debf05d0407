// SPDX-License-Identifier: Apache-2.0

/*
 * AXI4 write master storing an AXI4-Stream to a contiguous memory region
 *
 * The mirror of axi_read_stream. A command (cmd_addr, cmd_beats) names a
 * region of cmd_beats full-width beats starting at the byte address cmd_addr
 * (DATA_WIDTH/8 aligned; the low bits are ignored); the next cmd_beats beats
 * of s_axis are written there with INCR bursts of full-width beats (WSTRB all
 * ones), at most MAX_BURST_BEATS long and never crossing a 4 KiB boundary,
 * with up to MAX_OUTSTANDING bursts awaiting their B response. done pulses
 * for one cycle after the command's last B response (for a zero-beat
 * command: once every earlier command is done).
 *
 * The stream has no tlast: the command's beat count frames it. Beats are
 * accepted into the data FIFO whenever it has room, with or without a
 * command, and are taken by commands in order.
 *
 * Store and forward per burst: AW is issued only once the FIFO holds every
 * beat of the burst, so W, once started, runs at the rate the slave takes it
 * and a slow producer never holds the W channel (AXI4 has no write
 * interleaving: a stalled W burst would block the slave for everyone). W
 * never waits for AWREADY, only for AWVALID to have been raised.
 *
 * error is sticky: it is set when a command that got SLVERR or DECERR on any
 * of its B responses completes, and cleared when the next command is
 * accepted (a set and a clear in the same cycle leave it set, so an error is
 * never lost; with overlapping commands it may also show at a later
 * command's done). A failed command still consumes all its beats and waits
 * for all its responses.
 *
 * Pipeline: s_axis -> data FIFO (block RAM) -> FIFO output register ->
 * axis_skid_buffer -> W; AW from a register; every output comes from a
 * register and m_axi_wready only reaches the skid buffer.
 */

`default_nettype none

module axi_write_stream #(
    // Width of the AXI data bus and of s_axis_tdata, bits (power of two, 8..1024)
    parameter int DATA_WIDTH = 512,
    // Width of the AXI address bus and of cmd_addr, bits (>= 13)
    parameter int ADDR_WIDTH = 64,
    // Width of the AXI ID fields, bits (>= 1)
    parameter int ID_WIDTH = 1,
    // AWID driven on every burst
    parameter int AXI_ID = 0,
    // Longest burst, beats (1..256)
    parameter int MAX_BURST_BEATS = 64,
    // Bursts awaiting their B response at most (>= 1)
    parameter int MAX_OUTSTANDING = 8,
    // Data FIFO depth, beats (power of two, >= MAX_BURST_BEATS, >= 2); two bursts
    // let the next burst fill while the current one is sent
    parameter int FIFO_DEPTH = 2 * MAX_BURST_BEATS
) (
    input  wire                   clk,
    input  wire                   rst,  // active-high, synchronous

    /*
     * Command (valid/ready)
     */
    input  wire  [ADDR_WIDTH-1:0] cmd_addr,   // byte address of the first beat, DATA_WIDTH/8 aligned
    input  wire  [31:0]           cmd_beats,  // beats to write; 0 writes nothing (done still pulses)
    input  wire                   cmd_valid,
    output wire                   cmd_ready,  // high once the previous command's bursts are all issued

    /*
     * Status
     */
    output wire                   busy,   // a command is in progress (falls in the cycle done pulses)
    output wire                   error,  // a command got SLVERR/DECERR; cleared by the next command
    output wire                   done,   // one cycle per command, after its last B response

    /*
     * AXI4-Stream input (slave)
     */
    input  wire  [DATA_WIDTH-1:0] s_axis_tdata,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,

    /*
     * AXI4 write master
     */
    output wire  [ID_WIDTH-1:0]     m_axi_awid,
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
    output wire  [DATA_WIDTH/8-1:0] m_axi_wstrb,
    output wire                     m_axi_wlast,
    output wire                     m_axi_wvalid,
    input  wire                     m_axi_wready,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire  [ID_WIDTH-1:0]     m_axi_bid,  // unused: one ID, so B comes back in AW order
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire  [1:0]              m_axi_bresp,
    input  wire                     m_axi_bvalid,
    output wire                     m_axi_bready
);

localparam int BYTES       = DATA_WIDTH / 8;                 // bytes per beat
localparam int OFFSET_BITS = $clog2(BYTES);                  // byte-in-beat address bits
localparam int PAGE_BEATS  = 4096 / BYTES;                   // beats per 4 KiB page
localparam int LEN_WIDTH   = $clog2(MAX_BURST_BEATS + 1);    // holds 1..MAX_BURST_BEATS
localparam int PTR_WIDTH   = $clog2(FIFO_DEPTH);             // data FIFO index
localparam int CNT_WIDTH   = $clog2(FIFO_DEPTH + 1);         // holds 0..FIFO_DEPTH
localparam int OUT_WIDTH   = $clog2(MAX_OUTSTANDING + 1);    // holds 0..MAX_OUTSTANDING
localparam int INFO_PTR_WIDTH = MAX_OUTSTANDING > 1 ? $clog2(MAX_OUTSTANDING) : 1;

localparam logic [ADDR_WIDTH-1:0] ALIGN_MASK = ~ADDR_WIDTH'(BYTES - 1);

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (DATA_WIDTH < 8 || DATA_WIDTH > 1024 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0) begin : g_check_data_width
    $error("axi_write_stream: DATA_WIDTH must be a power of two in 8..1024");
end
if (ADDR_WIDTH < 13) begin : g_check_addr_width
    $error("axi_write_stream: ADDR_WIDTH must be >= 13");
end
if (ID_WIDTH < 1 || AXI_ID < 0 || AXI_ID >= (1 << ID_WIDTH)) begin : g_check_id
    $error("axi_write_stream: ID_WIDTH must be >= 1 and AXI_ID must fit in it");
end
if (MAX_BURST_BEATS < 1 || MAX_BURST_BEATS > 256) begin : g_check_max_burst
    $error("axi_write_stream: MAX_BURST_BEATS must be in 1..256");
end
if (MAX_OUTSTANDING < 1) begin : g_check_max_outstanding
    $error("axi_write_stream: MAX_OUTSTANDING must be >= 1");
end
if (FIFO_DEPTH < 2 || FIFO_DEPTH < MAX_BURST_BEATS || (FIFO_DEPTH & (FIFO_DEPTH - 1)) != 0) begin : g_check_fifo_depth
    $error("axi_write_stream: FIFO_DEPTH must be a power of two, >= 2 and >= MAX_BURST_BEATS");
end

// Command / burst generator: the rest of the current command.
logic                      gen_active_reg, gen_active_next;      // beats left to split into bursts
logic [ADDR_WIDTH-1:0]     addr_reg, addr_next;                  // address of the next burst
logic [31:0]               beats_left_reg, beats_left_next;      // beats not yet split into bursts
logic                      zero_pending_reg, zero_pending_next;  // a zero-beat command waits for the drain

// Burst slot: the next burst, split off and waiting for its data.
logic                      slot_valid_reg, slot_valid_next;
logic [ADDR_WIDTH-1:0]     slot_addr_reg, slot_addr_next;
logic [LEN_WIDTH-1:0]      slot_len_reg, slot_len_next;          // beats, 1..MAX_BURST_BEATS
logic                      slot_last_reg, slot_last_next;        // last burst of its command

// AW channel register.
logic                      aw_valid_reg, aw_valid_next;
logic [ADDR_WIDTH-1:0]     aw_addr_reg, aw_addr_next;
logic [7:0]                aw_len_reg, aw_len_next;

// Bursts awaiting B; per burst in issue order: its length (for W) and whether it ends its command (for B).
logic [OUT_WIDTH-1:0]      out_count_reg, out_count_next;
logic [MAX_OUTSTANDING-1:0][LEN_WIDTH-1:0] wlen_mem_reg, wlen_mem_next;
logic [OUT_WIDTH-1:0]      wq_count_reg, wq_count_next;          // issued bursts whose W has not started
logic [INFO_PTR_WIDTH-1:0] wq_rd_reg, wq_rd_next;
logic [MAX_OUTSTANDING-1:0] info_last_reg, info_last_next;
logic [INFO_PTR_WIDTH-1:0] info_wr_reg, info_wr_next;            // shared write pointer of both queues
logic [INFO_PTR_WIDTH-1:0] info_rd_reg, info_rd_next;            // B side read pointer

// Data FIFO (pointers carry a wrap bit), its unclaimed beats, and its output register.
logic [DATA_WIDTH-1:0]     fifo_mem [0:FIFO_DEPTH-1];
logic [PTR_WIDTH:0]        wr_ptr_reg, wr_ptr_next;
logic [PTR_WIDTH:0]        rd_ptr_reg, rd_ptr_next;
logic [CNT_WIDTH-1:0]      avail_reg, avail_next;                // beats in the FIFO no issued burst claims
logic                      s_ready_reg, s_ready_next;
logic                      fifo_wr_en, fifo_rd_en;
logic [LEN_WIDTH-1:0]      w_left_reg, w_left_next;              // beats of the current W burst still in the FIFO
logic                      fo_valid_reg, fo_valid_next;
logic                      fo_last_reg, fo_last_next;
logic [DATA_WIDTH-1:0]     fo_data_reg;                          // block RAM output register

// B channel and status.
logic                      bready_reg, bready_next;
logic                      cmd_err_reg, cmd_err_next;            // error seen in the command now completing
logic                      done_reg, done_next;
logic                      error_reg, error_next;

// Combinational helpers.
logic                      cmd_fire, slot_take, aw_free, in_fire, b_fire, b_err, all_idle, skid_s_ready;
logic [31:0]               page_left, burst_cap, burst_len;
logic [LEN_WIDTH-1:0]      w_len;
logic [CNT_WIDTH-1:0]      fifo_count_next;

assign cmd_ready = !gen_active_reg && !zero_pending_reg;

assign m_axi_awid     = ID_WIDTH'(AXI_ID);
assign m_axi_awaddr   = aw_addr_reg;
assign m_axi_awlen    = aw_len_reg;
assign m_axi_awsize   = 3'(OFFSET_BITS);
assign m_axi_awburst  = 2'b01;   // INCR
assign m_axi_awlock   = 1'b0;    // normal access
assign m_axi_awcache  = 4'b0011; // normal non-cacheable bufferable
assign m_axi_awprot   = 3'b010;  // unprivileged, non-secure, data
assign m_axi_awqos    = 4'd0;
assign m_axi_awregion = 4'd0;
assign m_axi_awvalid  = aw_valid_reg;
assign m_axi_wstrb    = '1;      // full beats only
assign m_axi_bready   = bready_reg;

assign s_axis_tready  = s_ready_reg;

assign busy  = !all_idle || zero_pending_reg;
assign error = error_reg;
assign done  = done_reg;

always_comb begin
    gen_active_next   = gen_active_reg;
    addr_next         = addr_reg;
    beats_left_next   = beats_left_reg;
    zero_pending_next = zero_pending_reg;
    slot_valid_next   = slot_valid_reg;
    slot_addr_next    = slot_addr_reg;
    slot_len_next     = slot_len_reg;
    slot_last_next    = slot_last_reg;
    aw_valid_next     = aw_valid_reg;
    aw_addr_next      = aw_addr_reg;
    aw_len_next       = aw_len_reg;
    out_count_next    = out_count_reg;
    wlen_mem_next     = wlen_mem_reg;
    wq_count_next     = wq_count_reg;
    wq_rd_next        = wq_rd_reg;
    info_last_next    = info_last_reg;
    info_wr_next      = info_wr_reg;
    info_rd_next      = info_rd_reg;
    wr_ptr_next       = wr_ptr_reg;
    rd_ptr_next       = rd_ptr_reg;
    avail_next        = avail_reg;
    fifo_wr_en        = 1'b0;
    fifo_rd_en        = 1'b0;
    w_left_next       = w_left_reg;
    fo_valid_next     = fo_valid_reg;
    fo_last_next      = fo_last_reg;
    bready_next       = 1'b1;
    cmd_err_next      = cmd_err_reg;
    done_next         = 1'b0;
    error_next        = error_reg;
    w_len             = wlen_mem_reg[wq_rd_reg];

    all_idle = !gen_active_reg && !slot_valid_reg && !aw_valid_reg && out_count_reg == '0;
    cmd_fire = cmd_valid && cmd_ready;
    in_fire  = s_axis_tvalid && s_ready_reg;
    b_fire   = m_axi_bvalid && bready_reg;
    b_err    = m_axi_bresp == 2'b10 || m_axi_bresp == 2'b11;  // SLVERR, DECERR

    // Input: every beat offered while the FIFO has room goes in, unclaimed.
    if (in_fire) begin
        fifo_wr_en  = 1'b1;
        wr_ptr_next = wr_ptr_reg + 1'b1;
        avail_next  = avail_next + 1'b1;
    end

    // Issue: the slot's burst goes to the AW register when the AW register is free, a
    // burst may still be outstanding, and the FIFO already holds all of its beats.
    aw_free   = !aw_valid_reg || m_axi_awready;
    slot_take = slot_valid_reg && aw_free && out_count_reg < OUT_WIDTH'(MAX_OUTSTANDING)
             && avail_reg >= CNT_WIDTH'(slot_len_reg);
    if (slot_take) begin
        aw_valid_next  = 1'b1;
        aw_addr_next   = slot_addr_reg;
        aw_len_next    = 8'(slot_len_reg - 1'b1);
        wlen_mem_next[info_wr_reg]  = slot_len_reg;
        info_last_next[info_wr_reg] = slot_last_reg;
        info_wr_next   = info_wr_reg == INFO_PTR_WIDTH'(MAX_OUTSTANDING - 1) ? '0 : info_wr_reg + 1'b1;
        wq_count_next  = wq_count_next + 1'b1;
        out_count_next = out_count_next + 1'b1;
        avail_next     = avail_next - CNT_WIDTH'(slot_len_reg);
    end else if (m_axi_awready) begin
        aw_valid_next  = 1'b0;
    end

    // Split: the next burst runs to the end of the command, of the 4 KiB page or of
    // MAX_BURST_BEATS, whichever comes first.
    page_left = 32'(PAGE_BEATS) - 32'(addr_reg[11:OFFSET_BITS]);
    burst_cap = page_left < 32'(MAX_BURST_BEATS) ? page_left : 32'(MAX_BURST_BEATS);
    burst_len = beats_left_reg < burst_cap ? beats_left_reg : burst_cap;
    if (gen_active_reg && (!slot_valid_reg || slot_take)) begin
        slot_valid_next = 1'b1;
        slot_addr_next  = addr_reg;
        slot_len_next   = LEN_WIDTH'(burst_len);
        slot_last_next  = beats_left_reg <= burst_cap;
        gen_active_next = beats_left_reg > burst_cap;
        addr_next       = addr_reg + (ADDR_WIDTH'(burst_len) << OFFSET_BITS);
        beats_left_next = beats_left_reg - burst_len;
    end else if (slot_take) begin
        slot_valid_next = 1'b0;
    end

    // Accept a command (only while the generator is idle, so nothing above collides).
    if (cmd_fire) begin
        if (cmd_beats == '0) begin
            zero_pending_next = 1'b1;
        end else begin
            gen_active_next = 1'b1;
            addr_next       = cmd_addr & ALIGN_MASK;
            beats_left_next = cmd_beats;
        end
    end

    // A zero-beat command completes once everything before it has been answered.
    if (zero_pending_reg && all_idle) begin
        zero_pending_next = 1'b0;
        done_next         = 1'b1;
    end

    // W: FIFO -> output register (the block RAM read) for the issued bursts, in order;
    // their beats are all in the FIFO already. A new burst starts from the queue head.
    if (fo_valid_reg && skid_s_ready) begin
        fo_valid_next = 1'b0;
    end
    if ((w_left_reg != '0 || wq_count_reg != '0) && (!fo_valid_reg || skid_s_ready)) begin
        fifo_rd_en    = 1'b1;
        fo_valid_next = 1'b1;
        rd_ptr_next   = rd_ptr_reg + 1'b1;
        if (w_left_reg == '0) begin
            fo_last_next  = w_len == LEN_WIDTH'(1);
            w_left_next   = w_len - 1'b1;
            wq_rd_next    = wq_rd_reg == INFO_PTR_WIDTH'(MAX_OUTSTANDING - 1) ? '0 : wq_rd_reg + 1'b1;
            wq_count_next = wq_count_next - 1'b1;
        end else begin
            fo_last_next  = w_left_reg == LEN_WIDTH'(1);
            w_left_next   = w_left_reg - 1'b1;
        end
    end

    // The FIFO takes a beat next cycle while it has room after this cycle's moves.
    fifo_count_next = CNT_WIDTH'(wr_ptr_next - rd_ptr_next);
    s_ready_next    = fifo_count_next != CNT_WIDTH'(FIFO_DEPTH);

    // B: each response retires a burst; the command's last one completes it.
    if (cmd_fire) begin
        error_next = 1'b0;
    end
    if (b_fire) begin
        info_rd_next   = info_rd_reg == INFO_PTR_WIDTH'(MAX_OUTSTANDING - 1) ? '0 : info_rd_reg + 1'b1;
        out_count_next = out_count_next - 1'b1;
        if (info_last_reg[info_rd_reg]) begin
            done_next    = 1'b1;
            error_next   = error_next || cmd_err_reg || b_err;
            cmd_err_next = 1'b0;
        end else begin
            cmd_err_next = cmd_err_reg || b_err;
        end
    end
end

always_ff @(posedge clk) begin
    gen_active_reg   <= gen_active_next;
    addr_reg         <= addr_next;
    beats_left_reg   <= beats_left_next;
    zero_pending_reg <= zero_pending_next;
    slot_valid_reg   <= slot_valid_next;
    slot_addr_reg    <= slot_addr_next;
    slot_len_reg     <= slot_len_next;
    slot_last_reg    <= slot_last_next;
    aw_valid_reg     <= aw_valid_next;
    aw_addr_reg      <= aw_addr_next;
    aw_len_reg       <= aw_len_next;
    out_count_reg    <= out_count_next;
    wlen_mem_reg     <= wlen_mem_next;
    wq_count_reg     <= wq_count_next;
    wq_rd_reg        <= wq_rd_next;
    info_last_reg    <= info_last_next;
    info_wr_reg      <= info_wr_next;
    info_rd_reg      <= info_rd_next;
    wr_ptr_reg       <= wr_ptr_next;
    rd_ptr_reg       <= rd_ptr_next;
    avail_reg        <= avail_next;
    s_ready_reg      <= s_ready_next;
    w_left_reg       <= w_left_next;
    fo_valid_reg     <= fo_valid_next;
    fo_last_reg      <= fo_last_next;
    bready_reg       <= bready_next;
    cmd_err_reg      <= cmd_err_next;
    done_reg         <= done_next;
    error_reg        <= error_next;

    if (rst) begin
        gen_active_reg   <= 1'b0;
        zero_pending_reg <= 1'b0;
        slot_valid_reg   <= 1'b0;
        aw_valid_reg     <= 1'b0;
        out_count_reg    <= '0;
        wq_count_reg     <= '0;
        wq_rd_reg        <= '0;
        info_wr_reg      <= '0;
        info_rd_reg      <= '0;
        wr_ptr_reg       <= '0;
        rd_ptr_reg       <= '0;
        avail_reg        <= '0;
        s_ready_reg      <= 1'b0;
        w_left_reg       <= '0;
        fo_valid_reg     <= 1'b0;
        bready_reg       <= 1'b0;
        cmd_err_reg      <= 1'b0;
        done_reg         <= 1'b0;
        error_reg        <= 1'b0;
    end
end

// Data FIFO storage in its own block, without reset, so synthesis maps it (with
// fo_data_reg as the output register) to block RAM.
always_ff @(posedge clk) begin
    if (fifo_wr_en) begin
        fifo_mem[wr_ptr_reg[PTR_WIDTH-1:0]] <= s_axis_tdata;
    end
    if (fifo_rd_en) begin
        fo_data_reg <= fifo_mem[rd_ptr_reg[PTR_WIDTH-1:0]];
    end
end

// W register slice: registers m_axi_w* and keeps m_axi_wready off the RAM enable.
axis_skid_buffer #(
    .DATA_WIDTH(DATA_WIDTH)
) axis_skid_buffer_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(fo_data_reg),
    .s_axis_tlast(fo_last_reg),
    .s_axis_tvalid(fo_valid_reg),
    .s_axis_tready(skid_s_ready),
    .m_axis_tdata(m_axi_wdata),
    .m_axis_tlast(m_axi_wlast),
    .m_axis_tvalid(m_axi_wvalid),
    .m_axis_tready(m_axi_wready)
);

endmodule

`default_nettype wire
