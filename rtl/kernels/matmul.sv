// SPDX-License-Identifier: Apache-2.0

/*
 * matmul kernel: Q8_0 matrix-vector product, out[r] = sum over groups g, in
 * order, of ((float) dot(w_q[r, g], x_q[g]) * w_s[r, g]) * x_s[g]
 *
 * The per-layer kernel of DESIGN.md section 7 with the HLS kernel interface
 * of section 6: s_axi_control (kernel_control; arguments w, x, out, rows,
 * cols, group_size of rtl/regmap.toml), interrupt, and two 512-bit AXI4
 * masters:
 * - m_axi_gmem0 (read only): the weight matrix, one sequential stream;
 * - m_axi_gmem1: reads x, writes the results.
 * Memory layouts (weights in blocks of 16 rows with interleaved groups, x as
 * values then scales, results as ceil(rows/16) beats of 16 fp32) are those of
 * host/image.py; the output buffer must hold ceil(rows/16) * 64 bytes (the
 * padded rows of the last block are written, as 0.0 when the x scales are
 * finite). Every pointer must be 64-byte aligned.
 *
 * A run: the arguments are checked (rows 1..MAX_ROWS, group_size 32 or 64,
 * cols a multiple of group_size in 1..MAX_COLS, pointers 64-byte aligned and
 * inside the AXI address width); a bad one sets STATUS.CONFIG_ERROR and ends
 * the run at once, before any memory access. Otherwise the three transfers
 * start together: x into on-chip buffers, the weight stream (its read FIFO
 * fills while x loads) and the result writes; weight beats flow into
 * matmul_engine once x is loaded, at one beat per cycle when memory keeps up.
 * The run is done when x and the weights have been read and the last result
 * write is acknowledged. An SLVERR/DECERR on a read or a write sets
 * STATUS.AXI_READ_ERROR / AXI_WRITE_ERROR; the transfers still complete (the
 * data of a failed read is undefined), so the run always ends with done.
 */

`default_nettype none

module matmul #(
    // Largest rows argument (1..2**20)
    parameter int MAX_ROWS = 32768,
    // Largest cols argument (a multiple of 512, 512..65536); sizes the x buffers
    parameter int MAX_COLS = 8192,
    // Width of the m_axi data buses, bits (512: the model-image layout's beat)
    parameter int AXI_DATA_WIDTH = 512,
    // Width of the m_axi address buses, bits (13..64)
    parameter int AXI_ADDR_WIDTH = 64,
    // Width of the m_axi ID fields, bits (>= 1; every burst uses ID 0)
    parameter int AXI_ID_WIDTH = 1
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
     * AXI4 read master: m_axi_gmem0 (weights)
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
     * AXI4 master: m_axi_gmem1 (x reads, result writes)
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

localparam int BEAT_BYTES      = 64;                          // model-image beat
localparam int MAX_BURST_BEATS = 4096 / BEAT_BYTES;           // one 4 KiB page per burst at most
localparam int BLOCK_WIDTH     = $clog2((MAX_ROWS + 15) / 16 + 1);
localparam int GROUP_WIDTH     = $clog2(MAX_COLS / 32 + 1);
localparam int X_BEAT_WIDTH    = $clog2(MAX_COLS / 64 + 1);   // x value beats
localparam int X_TOTAL_WIDTH   = $clog2(MAX_COLS / 64 + MAX_COLS / 512 + 1);  // x beats, scales included
localparam int BPB_WIDTH       = $clog2(MAX_COLS / 32 * 9 + 1);  // beats per block, at most MAX_COLS / 32 * 9

// Argument word indexes in core_args (rtl/regmap.toml via kernel_regs_pkg).
localparam int ARG_W     = (int'(MATMUL_ARG_W) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_X     = (int'(MATMUL_ARG_X) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_OUT   = (int'(MATMUL_ARG_OUT) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_ROWS  = (int'(MATMUL_ARG_ROWS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_COLS  = (int'(MATMUL_ARG_COLS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_GS    = (int'(MATMUL_ARG_GROUP_SIZE) - int'(CTRL_ARG_BASE)) / 4;

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_ROWS < 1 || MAX_ROWS > (1 << 20)) begin : g_check_max_rows
    $error("matmul: MAX_ROWS must be in 1..2**20");
end
if (MAX_COLS < 512 || MAX_COLS > 65536 || MAX_COLS % 512 != 0) begin : g_check_max_cols
    $error("matmul: MAX_COLS must be a multiple of 512 in 512..65536");
end
if (AXI_DATA_WIDTH != 8 * BEAT_BYTES) begin : g_check_data_width
    $error("matmul: AXI_DATA_WIDTH must be 512 (the model-image layout of host/image.py)");
end
if (AXI_ADDR_WIDTH < 13 || AXI_ADDR_WIDTH > 64) begin : g_check_addr_width
    $error("matmul: AXI_ADDR_WIDTH must be in 13..64");
end
if (AXI_ID_WIDTH < 1) begin : g_check_id_width
    $error("matmul: AXI_ID_WIDTH must be >= 1");
end

/*
 * Control block
 */
wire                          core_start;
wire [MATMUL_ARG_WORDS*32-1:0] core_args;
logic                         core_done;
logic [3:0]                   core_status;

// The high words of the u32 arguments read as zero (ARG_WORD_MASK) and carry nothing.
wire unused_args = &{1'b0, core_args[32 * (ARG_ROWS + 1) +: 32], core_args[32 * (ARG_COLS + 1) +: 32]};

kernel_control #(
    .ARG_WORDS(MATMUL_ARG_WORDS),
    .ARG_WORD_MASK(MATMUL_ARG_WORD_MASK),
    .KERNEL_ID(MATMUL_KERNEL_ID)
) kernel_control_inst (
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
    .core_start(core_start),
    .core_args(core_args),
    .core_done(core_done),
    .core_status(core_status),
    .core_perf_count(1'b0)  // no performance counters
);

/*
 * Run state
 */
typedef enum logic [2:0] {
    STATE_IDLE,   // waits for core_start
    STATE_CHECK,  // checks the arguments, derives the sizes
    STATE_SIZE,   // multiplies out the weight stream length (blocks x beats per block)
    STATE_ISSUE,  // waits until the three transfer commands are accepted
    STATE_RUN     // waits for x, the weights and the last result write
} state_t;

state_t                    state_reg, state_next;

// Arguments (snapshot at core_start) and derived sizes: datapath, not reset.
logic [63:0]               w_ptr_reg, w_ptr_next;
logic [63:0]               x_ptr_reg, x_ptr_next;
logic [63:0]               out_ptr_reg, out_ptr_next;
logic [31:0]               rows_reg, rows_next;
logic [31:0]               cols_reg, cols_next;
logic [31:0]               gs_reg, gs_next;
logic                      gs64_reg, gs64_next;
logic [GROUP_WIDTH-1:0]    groups_reg, groups_next;
logic [BLOCK_WIDTH-1:0]    blocks_reg, blocks_next;
logic [BPB_WIDTH-1:0]      bpb_reg, bpb_next;            // weight beats per block
logic [X_BEAT_WIDTH-1:0]   xv_beats_reg, xv_beats_next;  // x value beats
logic [X_TOTAL_WIDTH-1:0]  x_beats_reg, x_beats_next;    // x beats, scales included
logic [31:0]               w_beats_reg, w_beats_next;    // weight stream beats

// Transfers: command pending, transfer finished; errors seen; x loaded.
logic                      x_cmd_reg, x_cmd_next;
logic                      w_cmd_reg, w_cmd_next;
logic                      o_cmd_reg, o_cmd_next;
logic                      x_done_reg, x_done_next;
logic                      w_done_reg, w_done_next;
logic                      o_done_reg, o_done_next;
logic                      rd_err_reg, rd_err_next;
logic                      wr_err_reg, wr_err_next;
logic                      cfg_err_reg, cfg_err_next;
logic                      done_reg, done_next;
logic                      start_reg, start_next;        // engine cfg_start

// Streams.
wire                       x_cmd_ready, w_cmd_ready, o_cmd_ready;
wire                       x_rd_error, w_rd_error, o_wr_error;
wire                       x_rd_done, w_rd_done, o_wr_done;
wire                       x_rd_busy, w_rd_busy, o_wr_busy;
wire [511:0]               x_tdata, w_tdata, o_tdata;
wire                       x_tvalid, w_tvalid, o_tvalid;
wire                       x_tready, w_tready, o_tready;
wire                       x_tlast, w_tlast;

// The engine frames both streams by counting; busy/tlast are not needed.
wire unused_stream = &{1'b0, x_tlast, w_tlast, x_rd_busy, w_rd_busy, o_wr_busy};

// Argument checks (combinational from the snapshot, used in STATE_CHECK).
logic                      args_ok;
logic [63:0]               ptr_or;

always_comb begin
    state_next    = state_reg;
    w_ptr_next    = w_ptr_reg;
    x_ptr_next    = x_ptr_reg;
    out_ptr_next  = out_ptr_reg;
    rows_next     = rows_reg;
    cols_next     = cols_reg;
    gs_next       = gs_reg;
    gs64_next     = gs64_reg;
    groups_next   = groups_reg;
    blocks_next   = blocks_reg;
    bpb_next      = bpb_reg;
    xv_beats_next = xv_beats_reg;
    x_beats_next  = x_beats_reg;
    w_beats_next  = w_beats_reg;
    x_cmd_next    = x_cmd_reg && !x_cmd_ready;
    w_cmd_next    = w_cmd_reg && !w_cmd_ready;
    o_cmd_next    = o_cmd_reg && !o_cmd_ready;
    x_done_next   = x_done_reg || x_rd_done;
    w_done_next   = w_done_reg || w_rd_done;
    o_done_next   = o_done_reg || o_wr_done;
    rd_err_next   = rd_err_reg || (x_rd_done && x_rd_error) || (w_rd_done && w_rd_error);
    wr_err_next   = wr_err_reg || (o_wr_done && o_wr_error);
    cfg_err_next  = cfg_err_reg;
    done_next     = 1'b0;
    start_next    = 1'b0;

    // The error flags reach kernel_control's STATUS up to the done pulse, then clear, so
    // none is left over when the next run's core_start arrives (STATUS collects from it).
    if (done_reg) begin
        rd_err_next  = 1'b0;
        wr_err_next  = 1'b0;
        cfg_err_next = 1'b0;
    end

    // Pointers must be beat aligned and inside the address width; sizes in range.
    ptr_or  = w_ptr_reg | x_ptr_reg | out_ptr_reg;
    args_ok = ptr_or[5:0] == 6'd0 && (ptr_or >> AXI_ADDR_WIDTH) == 64'd0
           && rows_reg >= 32'd1 && rows_reg <= 32'(MAX_ROWS)
           && (gs_reg == 32'd32 || gs_reg == 32'd64)
           && cols_reg >= 32'd1 && cols_reg <= 32'(MAX_COLS)
           && (cols_reg & (gs_reg - 32'd1)) == 32'd0;

    case (state_reg)
        STATE_IDLE: begin
            if (core_start) begin
                w_ptr_next   = core_args[32 * ARG_W +: 64];
                x_ptr_next   = core_args[32 * ARG_X +: 64];
                out_ptr_next = core_args[32 * ARG_OUT +: 64];
                rows_next    = core_args[32 * ARG_ROWS +: 32];
                cols_next    = core_args[32 * ARG_COLS +: 32];
                gs_next      = core_args[32 * ARG_GS +: 32];
                x_done_next  = 1'b0;
                w_done_next  = 1'b0;
                o_done_next  = 1'b0;
                state_next   = STATE_CHECK;
            end
        end
        STATE_CHECK: begin
            // Sizes from cols alone (cols is a multiple of GS here): groups = cols / GS; a
            // block is groups * 17 beats (GS 64) or groups * 9 (GS 32); x is ceil(cols / 64)
            // value beats, then ceil(groups / 16) scale beats.
            gs64_next     = gs_reg[6];
            groups_next   = GROUP_WIDTH'(gs_reg[6] ? cols_reg >> 6 : cols_reg >> 5);
            blocks_next   = BLOCK_WIDTH'((rows_reg + 32'd15) >> 4);
            bpb_next      = BPB_WIDTH'((cols_reg >> 2) + (gs_reg[6] ? cols_reg >> 6 : cols_reg >> 5));
            xv_beats_next = X_BEAT_WIDTH'((cols_reg + 32'd63) >> 6);
            x_beats_next  = X_TOTAL_WIDTH'(((cols_reg + 32'd63) >> 6)
                                          + (gs_reg[6] ? (cols_reg + 32'd1023) >> 10 : (cols_reg + 32'd511) >> 9));
            if (args_ok) begin
                start_next = 1'b1;
                state_next = STATE_SIZE;
            end else begin
                // Out of range: report and finish without any memory access.
                cfg_err_next = 1'b1;
                done_next    = 1'b1;
                state_next   = STATE_IDLE;
            end
        end
        STATE_SIZE: begin
            w_beats_next = 32'(blocks_reg) * 32'(bpb_reg);
            x_cmd_next   = 1'b1;
            w_cmd_next   = 1'b1;
            o_cmd_next   = 1'b1;
            state_next   = STATE_ISSUE;
        end
        STATE_ISSUE: begin
            if (!x_cmd_next && !w_cmd_next && !o_cmd_next) begin
                state_next = STATE_RUN;
            end
        end
        STATE_RUN: begin
            if (x_done_next && w_done_next && o_done_next) begin
                done_next  = 1'b1;
                state_next = STATE_IDLE;
            end
        end
        default: begin
            state_next = STATE_IDLE;
        end
    endcase
end

always_ff @(posedge clk) begin
    state_reg    <= state_next;
    w_ptr_reg    <= w_ptr_next;
    x_ptr_reg    <= x_ptr_next;
    out_ptr_reg  <= out_ptr_next;
    rows_reg     <= rows_next;
    cols_reg     <= cols_next;
    gs_reg       <= gs_next;
    gs64_reg     <= gs64_next;
    groups_reg   <= groups_next;
    blocks_reg   <= blocks_next;
    bpb_reg      <= bpb_next;
    xv_beats_reg <= xv_beats_next;
    x_beats_reg  <= x_beats_next;
    w_beats_reg  <= w_beats_next;
    x_cmd_reg    <= x_cmd_next;
    w_cmd_reg    <= w_cmd_next;
    o_cmd_reg    <= o_cmd_next;
    x_done_reg   <= x_done_next;
    w_done_reg   <= w_done_next;
    o_done_reg   <= o_done_next;
    rd_err_reg   <= rd_err_next;
    wr_err_reg   <= wr_err_next;
    cfg_err_reg  <= cfg_err_next;
    done_reg     <= done_next;
    start_reg    <= start_next;

    if (rst) begin
        state_reg   <= STATE_IDLE;
        x_cmd_reg   <= 1'b0;
        w_cmd_reg   <= 1'b0;
        o_cmd_reg   <= 1'b0;
        x_done_reg  <= 1'b0;
        w_done_reg  <= 1'b0;
        o_done_reg  <= 1'b0;
        rd_err_reg  <= 1'b0;
        wr_err_reg  <= 1'b0;
        cfg_err_reg <= 1'b0;
        done_reg    <= 1'b0;
        start_reg   <= 1'b0;
    end
end

always_comb begin
    core_done   = done_reg;
    core_status = 4'd0;
    core_status[STATUS_AXI_READ_ERROR_BIT]  = rd_err_reg;
    core_status[STATUS_AXI_WRITE_ERROR_BIT] = wr_err_reg;
    core_status[STATUS_CONFIG_ERROR_BIT]    = cfg_err_reg;
end

/*
 * Transfers: x (gmem1 read), weights (gmem0 read), results (gmem1 write)
 */
axi_read_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(2)  // x is short and loads while the weight FIFO fills
) axi_read_stream_x_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(x_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(32'(x_beats_reg)),
    .cmd_valid(x_cmd_reg),
    .cmd_ready(x_cmd_ready),
    .busy(x_rd_busy),
    .error(x_rd_error),
    .done(x_rd_done),
    .m_axis_tdata(x_tdata),
    .m_axis_tlast(x_tlast),
    .m_axis_tvalid(x_tvalid),
    .m_axis_tready(x_tready),
    .m_axi_arid(m_axi_gmem1_arid),
    .m_axi_araddr(m_axi_gmem1_araddr),
    .m_axi_arlen(m_axi_gmem1_arlen),
    .m_axi_arsize(m_axi_gmem1_arsize),
    .m_axi_arburst(m_axi_gmem1_arburst),
    .m_axi_arlock(m_axi_gmem1_arlock),
    .m_axi_arcache(m_axi_gmem1_arcache),
    .m_axi_arprot(m_axi_gmem1_arprot),
    .m_axi_arqos(m_axi_gmem1_arqos),
    .m_axi_arregion(m_axi_gmem1_arregion),
    .m_axi_arvalid(m_axi_gmem1_arvalid),
    .m_axi_arready(m_axi_gmem1_arready),
    .m_axi_rid(m_axi_gmem1_rid),
    .m_axi_rdata(m_axi_gmem1_rdata),
    .m_axi_rresp(m_axi_gmem1_rresp),
    .m_axi_rlast(m_axi_gmem1_rlast),
    .m_axi_rvalid(m_axi_gmem1_rvalid),
    .m_axi_rready(m_axi_gmem1_rready)
);

axi_read_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(8)  // 512 beats in flight: one beat per cycle at tens of cycles of latency
) axi_read_stream_w_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(w_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(w_beats_reg),
    .cmd_valid(w_cmd_reg),
    .cmd_ready(w_cmd_ready),
    .busy(w_rd_busy),
    .error(w_rd_error),
    .done(w_rd_done),
    .m_axis_tdata(w_tdata),
    .m_axis_tlast(w_tlast),
    .m_axis_tvalid(w_tvalid),
    .m_axis_tready(w_tready),
    .m_axi_arid(m_axi_gmem0_arid),
    .m_axi_araddr(m_axi_gmem0_araddr),
    .m_axi_arlen(m_axi_gmem0_arlen),
    .m_axi_arsize(m_axi_gmem0_arsize),
    .m_axi_arburst(m_axi_gmem0_arburst),
    .m_axi_arlock(m_axi_gmem0_arlock),
    .m_axi_arcache(m_axi_gmem0_arcache),
    .m_axi_arprot(m_axi_gmem0_arprot),
    .m_axi_arqos(m_axi_gmem0_arqos),
    .m_axi_arregion(m_axi_gmem0_arregion),
    .m_axi_arvalid(m_axi_gmem0_arvalid),
    .m_axi_arready(m_axi_gmem0_arready),
    .m_axi_rid(m_axi_gmem0_rid),
    .m_axi_rdata(m_axi_gmem0_rdata),
    .m_axi_rresp(m_axi_gmem0_rresp),
    .m_axi_rlast(m_axi_gmem0_rlast),
    .m_axi_rvalid(m_axi_gmem0_rvalid),
    .m_axi_rready(m_axi_gmem0_rready)
);

axi_write_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(8)
) axi_write_stream_out_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(out_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(32'(blocks_reg)),
    .cmd_valid(o_cmd_reg),
    .cmd_ready(o_cmd_ready),
    .busy(o_wr_busy),
    .error(o_wr_error),
    .done(o_wr_done),
    .s_axis_tdata(o_tdata),
    .s_axis_tvalid(o_tvalid),
    .s_axis_tready(o_tready),
    .m_axi_awid(m_axi_gmem1_awid),
    .m_axi_awaddr(m_axi_gmem1_awaddr),
    .m_axi_awlen(m_axi_gmem1_awlen),
    .m_axi_awsize(m_axi_gmem1_awsize),
    .m_axi_awburst(m_axi_gmem1_awburst),
    .m_axi_awlock(m_axi_gmem1_awlock),
    .m_axi_awcache(m_axi_gmem1_awcache),
    .m_axi_awprot(m_axi_gmem1_awprot),
    .m_axi_awqos(m_axi_gmem1_awqos),
    .m_axi_awregion(m_axi_gmem1_awregion),
    .m_axi_awvalid(m_axi_gmem1_awvalid),
    .m_axi_awready(m_axi_gmem1_awready),
    .m_axi_wdata(m_axi_gmem1_wdata),
    .m_axi_wstrb(m_axi_gmem1_wstrb),
    .m_axi_wlast(m_axi_gmem1_wlast),
    .m_axi_wvalid(m_axi_gmem1_wvalid),
    .m_axi_wready(m_axi_gmem1_wready),
    .m_axi_bid(m_axi_gmem1_bid),
    .m_axi_bresp(m_axi_gmem1_bresp),
    .m_axi_bvalid(m_axi_gmem1_bvalid),
    .m_axi_bready(m_axi_gmem1_bready)
);

/*
 * Datapath
 */
matmul_engine #(
    .MAX_COLS(MAX_COLS)
) matmul_engine_inst (
    .clk(clk),
    .rst(rst),
    .cfg_start(start_reg),
    .cfg_gs64(gs64_reg),
    .cfg_groups(groups_reg),
    .cfg_x_value_beats(xv_beats_reg),
    .cfg_tokens(1'b1),
    .w_enable(x_done_reg),
    .s_axis_x_tdata(x_tdata),
    .s_axis_x_tvalid(x_tvalid),
    .s_axis_x_tready(x_tready),
    .s_axis_w_tdata(w_tdata),
    .s_axis_w_tvalid(w_tvalid),
    .s_axis_w_tready(w_tready),
    .m_axis_out_tdata(o_tdata),
    .m_axis_out_tvalid(o_tvalid),
    .m_axis_out_tready(o_tready)
);

endmodule

`default_nettype wire
