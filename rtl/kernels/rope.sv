// SPDX-License-Identifier: Apache-2.0

/*
 * rope kernel: table-driven rotary position embedding, in place
 *
 * For each pair j < n/2 of vec (elements 2j, 2j+1):
 *   (c, s) = table[pos][j % (head_size/2)]
 *   vec[2j], vec[2j+1] = v0*c - v1*s, v0*s + v1*c   (fp32 mul, then sub / add)
 * numerics: hlstransform.model.numerics.rope (docs/kernels/elementwise.md).
 * The table holds, per position, head_size fp32 values c0, s0, c1, s1, ...
 * (cos and sin of run.c's angles, computed by the host); row pos starts at
 * table + pos * head_size * 4. Every head uses the same row, so q and k back
 * to back (n = dim + kv_dim) rotate in one run.
 *
 * The per-layer kernel of DESIGN.md section 7 with the HLS kernel interface
 * of section 6: s_axi_control (kernel_control; arguments vec, table, pos, n,
 * head_size of rtl/regmap.toml), interrupt, and one 512-bit AXI4 master
 * m_axi_gmem0 that reads the table row and vec and writes vec.
 *
 * A run: the arguments are checked (n a multiple of 16 in 16..MAX_N,
 * head_size a multiple of 16 in 16..MAX_HEAD_SIZE, pos < MAX_SEQ_LEN,
 * pointers 64-byte aligned and inside the AXI address width); a bad one sets
 * STATUS.CONFIG_ERROR and ends the run at once, before any memory access.
 * Otherwise one read stream fetches the table row (head_size/16 beats) into
 * an on-chip buffer and then vec (n/16 beats); each vec beat (8 pairs) is
 * joined with table beat (beat index mod head_size/16), which holds the same
 * 8 pair positions of a head, and goes through 8 ew_rope_pair lanes
 * (rtl/gen/ew_rope_pair.v, latency 4); results are written back to vec, one
 * beat per cycle when memory keeps up. Each vec beat is read before its
 * result is written, so in place is safe. SLVERR/DECERR sets
 * STATUS.AXI_READ_ERROR / AXI_WRITE_ERROR and the run still ends with done.
 */

`default_nettype none

module rope #(
    // Largest n argument, elements (a multiple of 16, 16..2**31)
    parameter int MAX_N          = 65536,
    // Largest head_size argument, elements (a multiple of 16, 16..1024); sizes the table buffer
    parameter int MAX_HEAD_SIZE  = 256,
    // pos must be below this, positions (1..2**20)
    parameter int MAX_SEQ_LEN    = 32768,
    // Width of the m_axi data bus, bits (512: 16 fp32 per beat)
    parameter int AXI_DATA_WIDTH = 512,
    // Width of the m_axi address bus, bits (13..64)
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
     * AXI4 master: m_axi_gmem0 (table row and vec reads, vec writes)
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
    output wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem0_awid,
    output wire  [AXI_ADDR_WIDTH-1:0]  m_axi_gmem0_awaddr,
    output wire  [7:0]                 m_axi_gmem0_awlen,
    output wire  [2:0]                 m_axi_gmem0_awsize,
    output wire  [1:0]                 m_axi_gmem0_awburst,
    output wire                        m_axi_gmem0_awlock,
    output wire  [3:0]                 m_axi_gmem0_awcache,
    output wire  [2:0]                 m_axi_gmem0_awprot,
    output wire  [3:0]                 m_axi_gmem0_awqos,
    output wire  [3:0]                 m_axi_gmem0_awregion,
    output wire                        m_axi_gmem0_awvalid,
    input  wire                        m_axi_gmem0_awready,
    output wire  [AXI_DATA_WIDTH-1:0]  m_axi_gmem0_wdata,
    output wire  [AXI_DATA_WIDTH/8-1:0] m_axi_gmem0_wstrb,
    output wire                        m_axi_gmem0_wlast,
    output wire                        m_axi_gmem0_wvalid,
    input  wire                        m_axi_gmem0_wready,
    input  wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem0_bid,
    input  wire  [1:0]                 m_axi_gmem0_bresp,
    input  wire                        m_axi_gmem0_bvalid,
    output wire                        m_axi_gmem0_bready
);

import kernel_regs_pkg::*;

localparam int BEAT_BYTES      = 64;                       // 16 fp32, 8 pairs
localparam int MAX_BURST_BEATS = 4096 / BEAT_BYTES;        // one 4 KiB page per burst at most
localparam int PAIRS           = AXI_DATA_WIDTH / 64;      // pair lanes per beat
localparam int LANE_LATENCY    = hls_latency_pkg::EW_ROPE_PAIR_LATENCY;  // in_valid to out_valid
localparam int TBL_BEATS       = MAX_HEAD_SIZE / 16;       // table buffer depth, beats
localparam int TBL_IDX_WIDTH   = TBL_BEATS > 1 ? $clog2(TBL_BEATS) : 1;
localparam int HSB_WIDTH       = $clog2(TBL_BEATS + 1);    // holds 1..TBL_BEATS (head_size / 16)
localparam int POS_WIDTH       = MAX_SEQ_LEN > 1 ? $clog2(MAX_SEQ_LEN) : 1;

// Argument word indexes in core_args (rtl/regmap.toml via kernel_regs_pkg).
localparam int ARG_VEC   = (int'(ROPE_ARG_VEC) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_TABLE = (int'(ROPE_ARG_TABLE) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_POS   = (int'(ROPE_ARG_POS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_N     = (int'(ROPE_ARG_N) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_HS    = (int'(ROPE_ARG_HEAD_SIZE) - int'(CTRL_ARG_BASE)) / 4;

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_N < 16 || MAX_N % 16 != 0) begin : g_check_max_n
    $error("rope: MAX_N must be a multiple of 16, >= 16");
end
if (MAX_HEAD_SIZE < 16 || MAX_HEAD_SIZE > 1024 || MAX_HEAD_SIZE % 16 != 0) begin : g_check_max_head_size
    $error("rope: MAX_HEAD_SIZE must be a multiple of 16 in 16..1024");
end
if (MAX_SEQ_LEN < 1 || MAX_SEQ_LEN > (1 << 20)) begin : g_check_max_seq_len
    $error("rope: MAX_SEQ_LEN must be in 1..2**20");
end
if (AXI_DATA_WIDTH != 8 * BEAT_BYTES) begin : g_check_data_width
    $error("rope: AXI_DATA_WIDTH must be 512 (8 pair lanes)");
end
if (AXI_ADDR_WIDTH < 13 || AXI_ADDR_WIDTH > 64) begin : g_check_addr_width
    $error("rope: AXI_ADDR_WIDTH must be in 13..64");
end
if (AXI_ID_WIDTH < 1) begin : g_check_id_width
    $error("rope: AXI_ID_WIDTH must be >= 1");
end

/*
 * Control block
 */
wire                         core_start;
wire [ROPE_ARG_WORDS*32-1:0] core_args;
logic                        core_done;
logic [3:0]                  core_status;

// The high words of the u32 arguments read as zero (ARG_WORD_MASK) and carry nothing.
wire unused_args = &{1'b0, core_args};

kernel_control #(
    .ARG_WORDS(ROPE_ARG_WORDS),
    .ARG_WORD_MASK(ROPE_ARG_WORD_MASK),
    .KERNEL_ID(ROPE_KERNEL_ID)
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
typedef enum logic [1:0] {
    STATE_IDLE,   // waits for core_start
    STATE_CHECK,  // checks the arguments
    STATE_ADDR,   // computes the table row address
    STATE_RUN     // waits for the commands to be taken, both reads and the last write
} state_t;

state_t                    state_reg, state_next;

// Arguments (snapshot at core_start) and derived values: datapath, not reset.
logic [63:0]               vec_ptr_reg, vec_ptr_next;
logic [63:0]               tbl_ptr_reg, tbl_ptr_next;
logic [31:0]               pos_reg, pos_next;
logic [31:0]               n_reg, n_next;
logic [31:0]               hs_reg, hs_next;
logic [HSB_WIDTH-1:0]      hs_beats_reg, hs_beats_next;   // head_size / 16: table beats
logic [63:0]               row_addr_reg, row_addr_next;   // table + pos * head_size * 4

// Transfers: command pending (the table read goes first, then vec), finished; errors.
logic                      t_cmd_reg, t_cmd_next;
logic                      v_cmd_reg, v_cmd_next;
logic                      o_cmd_reg, o_cmd_next;
logic [1:0]                rd_dones_reg, rd_dones_next;   // read commands finished (2: both)
logic                      o_done_reg, o_done_next;
logic                      rd_err_reg, rd_err_next;
logic                      wr_err_reg, wr_err_next;
logic                      cfg_err_reg, cfg_err_next;
logic                      done_reg, done_next;

// Table row buffer: loaded from the first read frame, then read in a cycle of hs_beats.
logic [AXI_DATA_WIDTH-1:0] tbl_mem [0:TBL_BEATS-1];
logic                      tbl_loaded_reg, tbl_loaded_next;
logic [TBL_IDX_WIDTH-1:0]  tbl_wr_reg, tbl_wr_next;       // next beat to load
logic [TBL_IDX_WIDTH-1:0]  tbl_rd_reg, tbl_rd_next;       // table beat of the next vec beat
logic                      tbl_wr_en;

// Streams.
wire                       rd_cmd_ready, o_cmd_ready;
wire                       rd_error, o_wr_error;
wire                       rd_done, o_wr_done;
wire                       rd_busy, o_wr_busy;
wire [AXI_DATA_WIDTH-1:0]  rd_tdata, o_tdata;
wire                       rd_tvalid, o_tvalid, o_tready;
logic                      rd_tready;
wire                       rd_tlast;
logic                      rd_cmd_valid;
logic [63:0]               rd_cmd_addr;
logic [31:0]               rd_cmd_beats;

// The streams are framed by the beat counts; busy/tlast are not needed.
wire unused_stream = &{1'b0, rd_tlast, rd_busy, o_wr_busy};

// Lanes.
wire                       a_tready;
wire                       lane_valid;
wire [AXI_DATA_WIDTH-1:0]  lane_a, lane_b, lane_out;
wire [PAIRS-1:0]           lane_out_valid;

wire                       b_tready;

// All lanes run in lockstep; lane 0's valid stands for all of them. The table side is
// always valid once loaded, so its ready says nothing new.
wire unused_lanes = &{1'b0, lane_out_valid[PAIRS-1:1], b_tready};

// Argument check (combinational from the snapshot, used in STATE_CHECK).
logic                      args_ok;
logic [63:0]               ptr_or;
logic [POS_WIDTH+HSB_WIDTH-1:0] row_beats;                // pos * head_size / 16

always_comb begin
    state_next      = state_reg;
    vec_ptr_next    = vec_ptr_reg;
    tbl_ptr_next    = tbl_ptr_reg;
    pos_next        = pos_reg;
    n_next          = n_reg;
    hs_next         = hs_reg;
    hs_beats_next   = hs_beats_reg;
    row_addr_next   = row_addr_reg;
    t_cmd_next      = t_cmd_reg;
    v_cmd_next      = v_cmd_reg;
    o_cmd_next      = o_cmd_reg && !o_cmd_ready;
    rd_dones_next   = rd_dones_reg + 2'(rd_done);
    o_done_next     = o_done_reg || o_wr_done;
    rd_err_next     = rd_err_reg || (rd_done && rd_error);
    wr_err_next     = wr_err_reg || (o_wr_done && o_wr_error);
    cfg_err_next    = cfg_err_reg;
    done_next       = 1'b0;
    tbl_loaded_next = tbl_loaded_reg;
    tbl_wr_next     = tbl_wr_reg;
    tbl_rd_next     = tbl_rd_reg;
    tbl_wr_en       = 1'b0;

    // One read stream, two commands: the table row, then vec.
    rd_cmd_valid = t_cmd_reg || v_cmd_reg;
    rd_cmd_addr  = t_cmd_reg ? row_addr_reg : vec_ptr_reg;
    rd_cmd_beats = t_cmd_reg ? 32'(hs_beats_reg) : n_reg >> 4;
    if (rd_cmd_ready) begin
        if (t_cmd_reg) begin
            t_cmd_next = 1'b0;
        end else begin
            v_cmd_next = 1'b0;
        end
    end

    // The first hs_beats beats fill the table buffer; the rest are vec, for the lanes.
    rd_tready = tbl_loaded_reg ? a_tready : 1'b1;
    if (!tbl_loaded_reg && rd_tvalid) begin
        tbl_wr_en   = 1'b1;
        tbl_wr_next = tbl_wr_reg + 1'b1;
        if (32'(tbl_wr_reg) == 32'(hs_beats_reg) - 32'd1) begin
            tbl_loaded_next = 1'b1;
        end
    end
    // Vec beat k goes with table beat k mod hs_beats.
    if (lane_valid) begin
        tbl_rd_next = 32'(tbl_rd_reg) == 32'(hs_beats_reg) - 32'd1 ? '0 : tbl_rd_reg + 1'b1;
    end

    row_beats = (POS_WIDTH + HSB_WIDTH)'(pos_reg[POS_WIDTH-1:0]) * (POS_WIDTH + HSB_WIDTH)'(hs_beats_reg);

    // Pointers beat aligned and inside the address width; sizes in range.
    ptr_or  = vec_ptr_reg | tbl_ptr_reg;
    args_ok = ptr_or[5:0] == 6'd0 && (ptr_or >> AXI_ADDR_WIDTH) == 64'd0
           && n_reg >= 32'd16 && n_reg <= 32'(MAX_N) && n_reg[3:0] == 4'd0
           && hs_reg >= 32'd16 && hs_reg <= 32'(MAX_HEAD_SIZE) && hs_reg[3:0] == 4'd0
           && pos_reg < 32'(MAX_SEQ_LEN);

    case (state_reg)
        STATE_IDLE: begin
            if (core_start) begin
                vec_ptr_next    = core_args[32 * ARG_VEC +: 64];
                tbl_ptr_next    = core_args[32 * ARG_TABLE +: 64];
                pos_next        = core_args[32 * ARG_POS +: 32];
                n_next          = core_args[32 * ARG_N +: 32];
                hs_next         = core_args[32 * ARG_HS +: 32];
                rd_dones_next   = 2'd0;
                o_done_next     = 1'b0;
                rd_err_next     = 1'b0;
                wr_err_next     = 1'b0;
                cfg_err_next    = 1'b0;
                tbl_loaded_next = 1'b0;
                tbl_wr_next     = '0;
                tbl_rd_next     = '0;
                state_next      = STATE_CHECK;
            end
        end
        STATE_CHECK: begin
            hs_beats_next = HSB_WIDTH'(hs_reg >> 4);
            if (args_ok) begin
                state_next = STATE_ADDR;
            end else begin
                // Out of range: report and finish without any memory access.
                cfg_err_next = 1'b1;
                done_next    = 1'b1;
                state_next   = STATE_IDLE;
            end
        end
        STATE_ADDR: begin
            // Row pos: pos * head_size/16 beats of 64 bytes past the table base.
            row_addr_next = tbl_ptr_reg + (64'(row_beats) << 6);
            t_cmd_next    = 1'b1;
            v_cmd_next    = 1'b1;
            o_cmd_next    = 1'b1;
            state_next    = STATE_RUN;
        end
        STATE_RUN: begin
            if (!t_cmd_next && !v_cmd_next && !o_cmd_next && rd_dones_next == 2'd2 && o_done_next) begin
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
    state_reg      <= state_next;
    vec_ptr_reg    <= vec_ptr_next;
    tbl_ptr_reg    <= tbl_ptr_next;
    pos_reg        <= pos_next;
    n_reg          <= n_next;
    hs_reg         <= hs_next;
    hs_beats_reg   <= hs_beats_next;
    row_addr_reg   <= row_addr_next;
    t_cmd_reg      <= t_cmd_next;
    v_cmd_reg      <= v_cmd_next;
    o_cmd_reg      <= o_cmd_next;
    rd_dones_reg   <= rd_dones_next;
    o_done_reg     <= o_done_next;
    rd_err_reg     <= rd_err_next;
    wr_err_reg     <= wr_err_next;
    cfg_err_reg    <= cfg_err_next;
    done_reg       <= done_next;
    tbl_loaded_reg <= tbl_loaded_next;
    tbl_wr_reg     <= tbl_wr_next;
    tbl_rd_reg     <= tbl_rd_next;

    if (rst) begin
        state_reg      <= STATE_IDLE;
        t_cmd_reg      <= 1'b0;
        v_cmd_reg      <= 1'b0;
        o_cmd_reg      <= 1'b0;
        rd_dones_reg   <= 2'd0;
        o_done_reg     <= 1'b0;
        rd_err_reg     <= 1'b0;
        wr_err_reg     <= 1'b0;
        cfg_err_reg    <= 1'b0;
        done_reg       <= 1'b0;
        tbl_loaded_reg <= 1'b0;
        tbl_wr_reg     <= '0;
        tbl_rd_reg     <= '0;
    end
end

// Table buffer storage, without reset (distributed RAM; read asynchronously into the lanes'
// input registers).
always_ff @(posedge clk) begin
    if (tbl_wr_en) begin
        tbl_mem[tbl_wr_reg] <= rd_tdata;
    end
end

// kernel_control collects core_status from core_start to core_done, both included: the
// error flags still hold the last run's values in the core_start cycle, so they only show
// while a run is in progress or finishing.
wire run_active = state_reg != STATE_IDLE || done_reg;

always_comb begin
    core_done   = done_reg;
    core_status = 4'd0;
    core_status[STATUS_AXI_READ_ERROR_BIT]  = rd_err_reg && run_active;
    core_status[STATUS_AXI_WRITE_ERROR_BIT] = wr_err_reg && run_active;
    core_status[STATUS_CONFIG_ERROR_BIT]    = cfg_err_reg && run_active;
end

/*
 * Transfers: table row and vec (gmem0 reads, one stream), vec (gmem0 writes)
 */
axi_read_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(4)  // 256 beats in flight: a beat per cycle at tens of cycles of latency
) axi_read_stream_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(rd_cmd_addr[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(rd_cmd_beats),
    .cmd_valid(rd_cmd_valid),
    .cmd_ready(rd_cmd_ready),
    .busy(rd_busy),
    .error(rd_error),
    .done(rd_done),
    .m_axis_tdata(rd_tdata),
    .m_axis_tlast(rd_tlast),
    .m_axis_tvalid(rd_tvalid),
    .m_axis_tready(rd_tready),
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
) axi_write_stream_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(vec_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(n_reg >> 4),
    .cmd_valid(o_cmd_reg),
    .cmd_ready(o_cmd_ready),
    .busy(o_wr_busy),
    .error(o_wr_error),
    .done(o_wr_done),
    .s_axis_tdata(o_tdata),
    .s_axis_tvalid(o_tvalid),
    .s_axis_tready(o_tready),
    .m_axi_awid(m_axi_gmem0_awid),
    .m_axi_awaddr(m_axi_gmem0_awaddr),
    .m_axi_awlen(m_axi_gmem0_awlen),
    .m_axi_awsize(m_axi_gmem0_awsize),
    .m_axi_awburst(m_axi_gmem0_awburst),
    .m_axi_awlock(m_axi_gmem0_awlock),
    .m_axi_awcache(m_axi_gmem0_awcache),
    .m_axi_awprot(m_axi_gmem0_awprot),
    .m_axi_awqos(m_axi_gmem0_awqos),
    .m_axi_awregion(m_axi_gmem0_awregion),
    .m_axi_awvalid(m_axi_gmem0_awvalid),
    .m_axi_awready(m_axi_gmem0_awready),
    .m_axi_wdata(m_axi_gmem0_wdata),
    .m_axi_wstrb(m_axi_gmem0_wstrb),
    .m_axi_wlast(m_axi_gmem0_wlast),
    .m_axi_wvalid(m_axi_gmem0_wvalid),
    .m_axi_wready(m_axi_gmem0_wready),
    .m_axi_bid(m_axi_gmem0_bid),
    .m_axi_bresp(m_axi_gmem0_bresp),
    .m_axi_bvalid(m_axi_gmem0_bvalid),
    .m_axi_bready(m_axi_gmem0_bready)
);

/*
 * Datapath: vec beat + table beat -> 8 pair lanes -> result beat
 */
elementwise_core #(
    .A_WIDTH(AXI_DATA_WIDTH),
    .B_WIDTH(AXI_DATA_WIDTH),
    .OUT_WIDTH(AXI_DATA_WIDTH),
    .LANE_LATENCY(LANE_LATENCY)
) elementwise_core_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_a_tdata(rd_tdata),
    .s_axis_a_tvalid(rd_tvalid && tbl_loaded_reg),
    .s_axis_a_tready(a_tready),
    .s_axis_b_tdata(tbl_mem[tbl_rd_reg]),
    .s_axis_b_tvalid(tbl_loaded_reg),
    .s_axis_b_tready(b_tready),
    .lane_valid(lane_valid),
    .lane_a(lane_a),
    .lane_b(lane_b),
    .lane_out_valid(lane_out_valid[0]),
    .lane_out(lane_out),
    .m_axis_tdata(o_tdata),
    .m_axis_tvalid(o_tvalid),
    .m_axis_tready(o_tready)
);

/*
 * Lanes: pair m is fp32 elements 2m (v0, c) and 2m+1 (v1, s) of a beat; XLS puts the
 * tuple's element 0 (o0) in the high half of `out`.
 */
for (genvar m = 0; m < PAIRS; m++) begin : g_lane
    wire [63:0] pair_out;

    ew_rope_pair ew_rope_pair_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(lane_valid),
        .v0(lane_a[64 * m +: 32]),
        .v1(lane_a[64 * m + 32 +: 32]),
        .c(lane_b[64 * m +: 32]),
        .s(lane_b[64 * m + 32 +: 32]),
        .out_valid(lane_out_valid[m]),
        .out(pair_out)
    );

    assign lane_out[64 * m +: 32]      = pair_out[63:32];
    assign lane_out[64 * m + 32 +: 32] = pair_out[31:0];
end

endmodule

`default_nettype wire
