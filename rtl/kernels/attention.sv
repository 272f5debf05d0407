// SPDX-License-Identifier: Apache-2.0

/*
 * attention kernel: one position's multi-head attention over a KV cache (GQA)
 *
 * For every query head h (kv head g = h / (n_heads / n_kv_heads)), t = 0..pos:
 *
 *   fp32 KV: score_t = sum16(q_h * k_{g,t}) * inv_sqrt_hs
 *   int8 KV: score_t = (sum16(q_h * (float) kq_{g,t}) * ks_{g,t}) * inv_sqrt_hs
 *   att      = softmax(score_0 .. score_pos)
 *   fp32 KV: out_h = seq_t(att_t * v_{g,t})                  (acc = +0; acc = acc + att_t * v_t)
 *   int8 KV: out_h = seq_t((att_t * vs_{g,t}) * (float) vq_{g,t})
 *
 * bit for bit as hlstransform.model.hwmodel.attention_fp32 / attention_int8
 * (docs/numerics.md section 6, docs/kernels/attention.md).
 *
 * The per-layer kernel of DESIGN.md section 7 with the HLS kernel interface
 * of section 6: s_axi_control (kernel_control; arguments q, k, v, ks, vs,
 * out, pos, n_heads, n_kv_heads, head_size, seq_len, inv_sqrt_hs, kv_int8 of
 * rtl/regmap.toml), interrupt, and two 512-bit AXI4 masters: m_axi_gmem0
 * reads q, the keys and the key scales; m_axi_gmem1 reads the values and the
 * value scales and writes out. The cache is host/image.py's KvLayout
 * (head-major), so each head's keys (values) of positions 0..pos are one
 * sequential stream. The arithmetic is attention_core's; this module checks
 * the arguments, walks the heads (GQA: which kv head each query head reads)
 * and moves the data.
 *
 * A run: the arguments are checked (n_heads 1..MAX_HEADS, n_kv_heads >= 1
 * dividing n_heads, head_size a multiple of 16 in 16..MAX_HEAD_SIZE, seq_len
 * 1..MAX_SEQ_LEN, pos < seq_len, kv_int8 0 or 1, pointers 64-byte aligned and
 * inside the address width; ks and vs only with kv_int8); a bad one sets
 * STATUS.CONFIG_ERROR and ends the run before any memory access. Otherwise
 * gmem0 reads q, then per query head [its kv head's key scales 0..pos,] its
 * key slots 0..pos; gmem1 per query head [the value scales,] the value slots;
 * one write command takes the n_heads * head_size / 16 result beats. The
 * returning beats are steered to attention_core by following the same frame
 * sequence (a command's last beat, tlast, moves on to the next frame). Keys
 * and values have a port each because attention_core streams the keys of
 * the next head while it streams the values of this one.
 *
 * SLVERR/DECERR sets STATUS.AXI_READ_ERROR / AXI_WRITE_ERROR; the transfers
 * still complete (a failed read's data is undefined), so the run always ends
 * with done.
 */

`default_nettype none

module attention #(
    // Largest n_heads argument (1..256)
    parameter int MAX_HEADS         = 32,
    // Largest head_size argument, values (a multiple of 16, 16..1024); sizes q and the accumulators
    parameter int MAX_HEAD_SIZE     = 128,
    // Largest seq_len argument, positions (1..65536); sizes softmax_core, the probability and scale buffers
    parameter int MAX_SEQ_LEN       = 2048,
    // Score pipes taking key slots in turn (1..4), a chunk per cycle each, and the accumulators of
    // each (1..16; one adds a chunk sum per fp32_sum_add latency + 1 cycles, so that many keep a
    // pipe at a chunk per cycle)
    parameter int SCORE_PIPES       = 4,
    parameter int SCORE_ACC_UNITS   = hls_latency_pkg::FP32_SUM_ADD_LATENCY + 1,
    // Value chunks per cycle (1, 2 or 4): 4 take a 64-value head's position per cycle, the
    // output accumulator's loop
    parameter int VALUE_WAYS        = 4,
    // Chunk FIFOs behind the int8 converters, chunks (power of two >= 2; >= latency + 2 for full rate)
    parameter int CHUNK_FIFO_DEPTH  = 16,
    // Score and weight FIFOs behind the ew_mul blocks, values (power of two >= 2; >= latency + 2)
    parameter int SCALAR_FIFO_DEPTH = 32,
    // Output FIFO in front of the result writes, beats (power of two >= 2)
    parameter int OUT_FIFO_DEPTH    = 16,
    // Width of the m_axi data buses, bits (512: 16 fp32 per beat)
    parameter int AXI_DATA_WIDTH    = 512,
    // Width of the m_axi address buses, bits (13..64)
    parameter int AXI_ADDR_WIDTH    = 64,
    // Width of the m_axi ID fields, bits (>= 1; every burst uses ID 0)
    parameter int AXI_ID_WIDTH      = 1
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
     * AXI4 read master: m_axi_gmem0 (q, keys, key scales)
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
     * AXI4 master: m_axi_gmem1 (values, value scales; out writes)
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

localparam int MAX_BURST_BEATS = 64;                               // one 4 KiB page per burst at most
localparam int HS_CHUNKS       = MAX_HEAD_SIZE / 16;               // chunks of 16 values per head
localparam int C_WIDTH         = $clog2(HS_CHUNKS + 1);            // holds 0..HS_CHUNKS
localparam int T_WIDTH         = $clog2(MAX_SEQ_LEN + 1);          // holds 0..MAX_SEQ_LEN
localparam int H_WIDTH         = $clog2(MAX_HEADS + 1);            // holds 0..MAX_HEADS
localparam int CMD_WIDTH       = H_WIDTH + 2;                      // read commands per master, 1 + 2 * n_heads at most

// Argument word indexes in core_args (rtl/regmap.toml via kernel_regs_pkg).
localparam int ARG_Q       = (int'(ATTENTION_ARG_Q) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_K       = (int'(ATTENTION_ARG_K) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_V       = (int'(ATTENTION_ARG_V) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_KS      = (int'(ATTENTION_ARG_KS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_VS      = (int'(ATTENTION_ARG_VS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_OUT     = (int'(ATTENTION_ARG_OUT) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_POS     = (int'(ATTENTION_ARG_POS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_N_HEADS = (int'(ATTENTION_ARG_N_HEADS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_N_KV    = (int'(ATTENTION_ARG_N_KV_HEADS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_HS      = (int'(ATTENTION_ARG_HEAD_SIZE) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_SEQ_LEN = (int'(ATTENTION_ARG_SEQ_LEN) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_INV     = (int'(ATTENTION_ARG_INV_SQRT_HS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_INT8    = (int'(ATTENTION_ARG_KV_INT8) - int'(CTRL_ARG_BASE)) / 4;

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (AXI_DATA_WIDTH != 512) begin : g_check_data_width
    $error("attention: AXI_DATA_WIDTH must be 512 (16 fp32 lanes)");
end
if (AXI_ADDR_WIDTH < 13 || AXI_ADDR_WIDTH > 64) begin : g_check_addr_width
    $error("attention: AXI_ADDR_WIDTH must be in 13..64");
end
if (AXI_ID_WIDTH < 1) begin : g_check_id_width
    $error("attention: AXI_ID_WIDTH must be >= 1");
end

/*
 * Control block
 */
wire                              core_start;
wire [ATTENTION_ARG_WORDS*32-1:0] core_args;
logic                             core_done;
logic [3:0]                       core_status;

// The high words of the u32 arguments read as zero (ARG_WORD_MASK) and carry nothing.
wire unused_args = &{1'b0, core_args};

kernel_control #(
    .ARG_WORDS(ATTENTION_ARG_WORDS),
    .ARG_WORD_MASK(ATTENTION_ARG_WORD_MASK),
    .KERNEL_ID(ATTENTION_KERNEL_ID)
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
    STATE_CHECK,  // checks the ranges of the arguments
    STATE_DIV,    // divides n_heads by n_kv_heads (heads per kv head), one subtraction per cycle
    STATE_SETUP,  // derives the slot size, scale and q transfer sizes
    STATE_SIZE,   // derives the slot transfer size and the kv head stride from the slot size
    STATE_RUN     // the heads stream through; waits for the last write and every read
} state_t;

// Read-stream frames, in stream order: gmem0 carries q then per head [key scales,] keys;
// gmem1 per head [value scales,] values. The command generators and the routers that
// steer the returning beats follow the same sequence.
typedef enum logic [1:0] {
    FRAME_Q,       // q (gmem0, once)
    FRAME_SCALES,  // a kv head's scales of positions 0..pos (int8 only)
    FRAME_DATA,    // a kv head's slots of positions 0..pos
    FRAME_END      // no more commands (generators only)
} frame_t;

state_t                 state_reg, state_next;

// Arguments (snapshot at core_start) and values derived from them: datapath, not reset.
logic [63:0]            q_ptr_reg, q_ptr_next;
logic [63:0]            k_ptr_reg, k_ptr_next;
logic [63:0]            v_ptr_reg, v_ptr_next;
logic [63:0]            ks_ptr_reg, ks_ptr_next;
logic [63:0]            vs_ptr_reg, vs_ptr_next;
logic [63:0]            out_ptr_reg, out_ptr_next;
logic [31:0]            pos_arg_reg, pos_arg_next;
logic [31:0]            n_heads_arg_reg, n_heads_arg_next;
logic [31:0]            n_kv_arg_reg, n_kv_arg_next;
logic [31:0]            hs_arg_reg, hs_arg_next;
logic [31:0]            seq_len_arg_reg, seq_len_arg_next;
logic [31:0]            inv_reg, inv_next;
logic [31:0]            int8_arg_reg, int8_arg_next;
logic                   int8_reg, int8_next;
logic [T_WIDTH-1:0]     pos_reg, pos_next;                 // checked copies, narrow
logic [H_WIDTH-1:0]     n_heads_reg, n_heads_next;
logic [C_WIDTH-1:0]     hs16_reg, hs16_next;               // head_size / 16: chunks per head
logic [H_WIDTH-1:0]     rem_reg, rem_next;                 // STATE_DIV: n_heads - kv_mul * n_kv_heads
logic [H_WIDTH-1:0]     kv_mul_reg, kv_mul_next;           // query heads per kv head
logic [C_WIDTH-1:0]     slot_beats_reg, slot_beats_next;   // beats of one cache slot
logic [63:0]            kv_stride_reg, kv_stride_next;     // bytes from one kv head's slots to the next
logic [63:0]            row_bytes_reg, row_bytes_next;     // bytes from one kv head's scales to the next
logic [31:0]            data_beats_reg, data_beats_next;   // beats of a head's slots 0..pos
logic [31:0]            sc_beats_reg, sc_beats_next;       // beats of a head's scales 0..pos
logic [31:0]            q_beats_reg, q_beats_next;         // beats of q and of out
logic [CMD_WIDTH-1:0]   rd0_cmds_reg, rd0_cmds_next;       // read commands of the run per master
logic [CMD_WIDTH-1:0]   rd1_cmds_reg, rd1_cmds_next;

// Command generators (one per read master) and the result write command.
frame_t                 g0_frame_reg, g0_frame_next;
logic [H_WIDTH-1:0]     g0_head_reg, g0_head_next;
logic [H_WIDTH-1:0]     g0_hg_reg, g0_hg_next;             // query head within its kv head's group
logic [63:0]            g0_data_reg, g0_data_next;         // address of the kv head's key slots
logic [63:0]            g0_sc_reg, g0_sc_next;             // address of its key scales
frame_t                 g1_frame_reg, g1_frame_next;
logic [H_WIDTH-1:0]     g1_head_reg, g1_head_next;
logic [H_WIDTH-1:0]     g1_hg_reg, g1_hg_next;
logic [63:0]            g1_data_reg, g1_data_next;
logic [63:0]            g1_sc_reg, g1_sc_next;
logic                   wr_cmd_reg, wr_cmd_next;

// Routers: the frame the next beat of each read stream belongs to.
frame_t                 r0_frame_reg, r0_frame_next;
frame_t                 r1_frame_reg, r1_frame_next;

// Completion and errors.
logic [CMD_WIDTH-1:0]   rd0_dones_reg, rd0_dones_next;
logic [CMD_WIDTH-1:0]   rd1_dones_reg, rd1_dones_next;
logic                   wr_done_reg, wr_done_next;
logic                   rd_err_reg, rd_err_next;
logic                   wr_err_reg, wr_err_next;
logic                   cfg_err_reg, cfg_err_next;
logic                   done_reg, done_next;

// Streams and blocks.
wire                    rd0_cmd_ready, rd1_cmd_ready, wr_cmd_ready;
wire                    rd0_error, rd1_error, wr_error;
wire                    rd0_done, rd1_done, wr_done;
wire                    rd0_busy, rd1_busy, wr_busy;
wire [511:0]            rd0_tdata, rd1_tdata;
wire                    rd0_tvalid, rd1_tvalid, rd0_tlast, rd1_tlast;
logic                   rd0_tready, rd1_tready;
logic                   rd0_cmd_valid, rd1_cmd_valid;
logic [63:0]            rd0_cmd_addr, rd1_cmd_addr;
logic [31:0]            rd0_cmd_beats, rd1_cmd_beats;
wire                    o_tready;

wire [511:0]            o_tdata;
wire                    o_tvalid;
wire                    q_s_ready, k_s_ready, ks_s_ready, v_s_ready, vs_s_ready;

// Framed by counts (q is always taken); busy says nothing new.
wire unused_misc = &{1'b0, rd0_busy, rd1_busy, wr_busy, q_s_ready};

// Argument checks (combinational, used in STATE_CHECK).
logic                   args_ok;
logic [63:0]            ptr_or;

always_comb begin
    state_next        = state_reg;
    q_ptr_next        = q_ptr_reg;
    k_ptr_next        = k_ptr_reg;
    v_ptr_next        = v_ptr_reg;
    ks_ptr_next       = ks_ptr_reg;
    vs_ptr_next       = vs_ptr_reg;
    out_ptr_next      = out_ptr_reg;
    pos_arg_next      = pos_arg_reg;
    n_heads_arg_next  = n_heads_arg_reg;
    n_kv_arg_next     = n_kv_arg_reg;
    hs_arg_next       = hs_arg_reg;
    seq_len_arg_next  = seq_len_arg_reg;
    inv_next          = inv_reg;
    int8_arg_next     = int8_arg_reg;
    int8_next         = int8_reg;
    pos_next          = pos_reg;
    n_heads_next      = n_heads_reg;
    hs16_next         = hs16_reg;
    rem_next          = rem_reg;
    kv_mul_next       = kv_mul_reg;
    slot_beats_next   = slot_beats_reg;
    kv_stride_next    = kv_stride_reg;
    row_bytes_next    = row_bytes_reg;
    data_beats_next   = data_beats_reg;
    sc_beats_next     = sc_beats_reg;
    q_beats_next      = q_beats_reg;
    rd0_cmds_next     = rd0_cmds_reg;
    rd1_cmds_next     = rd1_cmds_reg;
    cfg_err_next      = cfg_err_reg;
    done_next         = 1'b0;

    // Pointers beat aligned and inside the address width (ks, vs only matter for int8);
    // sizes in range. n_kv_heads dividing n_heads is STATE_DIV's part.
    ptr_or  = q_ptr_reg | k_ptr_reg | v_ptr_reg | out_ptr_reg | (int8_arg_reg[0] ? ks_ptr_reg | vs_ptr_reg : 64'd0);
    args_ok = ptr_or[5:0] == 6'd0 && (ptr_or >> AXI_ADDR_WIDTH) == 64'd0
           && n_heads_arg_reg >= 32'd1 && n_heads_arg_reg <= 32'(MAX_HEADS)
           && n_kv_arg_reg >= 32'd1 && n_kv_arg_reg <= n_heads_arg_reg
           && hs_arg_reg >= 32'd16 && hs_arg_reg <= 32'(MAX_HEAD_SIZE) && hs_arg_reg[3:0] == 4'd0
           && seq_len_arg_reg >= 32'd1 && seq_len_arg_reg <= 32'(MAX_SEQ_LEN)
           && pos_arg_reg < seq_len_arg_reg
           && int8_arg_reg <= 32'd1;

    case (state_reg)
        STATE_IDLE: begin
            if (core_start) begin
                q_ptr_next       = core_args[32 * ARG_Q +: 64];
                k_ptr_next       = core_args[32 * ARG_K +: 64];
                v_ptr_next       = core_args[32 * ARG_V +: 64];
                ks_ptr_next      = core_args[32 * ARG_KS +: 64];
                vs_ptr_next      = core_args[32 * ARG_VS +: 64];
                out_ptr_next     = core_args[32 * ARG_OUT +: 64];
                pos_arg_next     = core_args[32 * ARG_POS +: 32];
                n_heads_arg_next = core_args[32 * ARG_N_HEADS +: 32];
                n_kv_arg_next    = core_args[32 * ARG_N_KV +: 32];
                hs_arg_next      = core_args[32 * ARG_HS +: 32];
                seq_len_arg_next = core_args[32 * ARG_SEQ_LEN +: 32];
                inv_next         = core_args[32 * ARG_INV +: 32];
                int8_arg_next    = core_args[32 * ARG_INT8 +: 32];
                cfg_err_next     = 1'b0;
                state_next       = STATE_CHECK;
            end
        end
        STATE_CHECK: begin
            if (args_ok) begin
                int8_next    = int8_arg_reg[0];
                pos_next     = T_WIDTH'(pos_arg_reg);
                n_heads_next = H_WIDTH'(n_heads_arg_reg);
                hs16_next    = C_WIDTH'(hs_arg_reg >> 4);
                rem_next     = H_WIDTH'(n_heads_arg_reg);
                kv_mul_next  = '0;
                state_next   = STATE_DIV;
            end else begin
                // Out of range: report and finish without any memory access.
                cfg_err_next = 1'b1;
                done_next    = 1'b1;
                state_next   = STATE_IDLE;
            end
        end
        STATE_DIV: begin
            if (32'(rem_reg) >= n_kv_arg_reg) begin
                rem_next    = rem_reg - H_WIDTH'(n_kv_arg_reg);
                kv_mul_next = kv_mul_reg + 1'b1;
            end else if (rem_reg != '0) begin
                cfg_err_next = 1'b1;
                done_next    = 1'b1;
                state_next   = STATE_IDLE;
            end else begin
                state_next = STATE_SETUP;
            end
        end
        STATE_SETUP: begin
            // int8 slot: head_size bytes padded to whole beats; fp32: head_size / 16 beats.
            slot_beats_next = int8_reg ? C_WIDTH'((hs_arg_reg + 32'd63) >> 6) : hs16_reg;
            row_bytes_next  = 64'({(seq_len_arg_reg + 32'd15) >> 4, 6'd0});
            sc_beats_next   = (32'(pos_reg) + 32'd16) >> 4;
            q_beats_next    = 32'(n_heads_reg) * 32'(hs16_reg);
            rd0_cmds_next   = CMD_WIDTH'(1) + (int8_reg ? CMD_WIDTH'(n_heads_reg) << 1 : CMD_WIDTH'(n_heads_reg));
            rd1_cmds_next   = int8_reg ? CMD_WIDTH'(n_heads_reg) << 1 : CMD_WIDTH'(n_heads_reg);
            state_next      = STATE_SIZE;
        end
        STATE_SIZE: begin
            kv_stride_next  = (64'(seq_len_arg_reg[T_WIDTH-1:0]) * 64'(slot_beats_reg)) << 6;
            data_beats_next = (32'(pos_reg) + 32'd1) * 32'(slot_beats_reg);
            state_next      = STATE_RUN;
        end
        STATE_RUN: begin
            if (g0_frame_reg == FRAME_END && g1_frame_reg == FRAME_END && !wr_cmd_reg && wr_done_reg
                    && rd0_dones_reg == rd0_cmds_reg && rd1_dones_reg == rd1_cmds_reg) begin
                done_next  = 1'b1;
                state_next = STATE_IDLE;
            end
        end
        default: begin
            state_next = STATE_IDLE;
        end
    endcase
end

/*
 * Transfers: command generators, routers, completion
 */
always_comb begin
    g0_frame_next  = g0_frame_reg;
    g0_head_next   = g0_head_reg;
    g0_hg_next     = g0_hg_reg;
    g0_data_next   = g0_data_reg;
    g0_sc_next     = g0_sc_reg;
    g1_frame_next  = g1_frame_reg;
    g1_head_next   = g1_head_reg;
    g1_hg_next     = g1_hg_reg;
    g1_data_next   = g1_data_reg;
    g1_sc_next     = g1_sc_reg;
    wr_cmd_next    = wr_cmd_reg && !wr_cmd_ready;
    r0_frame_next  = r0_frame_reg;
    r1_frame_next  = r1_frame_reg;
    rd0_dones_next = rd0_dones_reg + CMD_WIDTH'(rd0_done);
    rd1_dones_next = rd1_dones_reg + CMD_WIDTH'(rd1_done);
    wr_done_next   = wr_done_reg || wr_done;
    rd_err_next    = rd_err_reg || (rd0_done && rd0_error) || (rd1_done && rd1_error);
    wr_err_next    = wr_err_reg || (wr_done && wr_error);

    // gmem0: q once, then per query head its kv head's key scales (int8) and key slots.
    rd0_cmd_valid = state_reg == STATE_RUN && g0_frame_reg != FRAME_END;
    rd0_cmd_addr  = g0_frame_reg == FRAME_Q ? q_ptr_reg : g0_frame_reg == FRAME_SCALES ? g0_sc_reg : g0_data_reg;
    rd0_cmd_beats = g0_frame_reg == FRAME_Q ? q_beats_reg : g0_frame_reg == FRAME_SCALES ? sc_beats_reg
                                                                                          : data_beats_reg;
    if (rd0_cmd_valid && rd0_cmd_ready) begin
        if (g0_frame_reg == FRAME_Q) begin
            g0_frame_next = int8_reg ? FRAME_SCALES : FRAME_DATA;
        end else if (g0_frame_reg == FRAME_SCALES) begin
            g0_frame_next = FRAME_DATA;
        end else begin
            g0_frame_next = g0_head_reg == n_heads_reg - 1'b1 ? FRAME_END : int8_reg ? FRAME_SCALES : FRAME_DATA;
            g0_head_next  = g0_head_reg + 1'b1;
            g0_hg_next    = g0_hg_reg + 1'b1;
            if (g0_hg_reg == kv_mul_reg - 1'b1) begin
                g0_hg_next   = '0;
                g0_data_next = g0_data_reg + kv_stride_reg;
                g0_sc_next   = g0_sc_reg + row_bytes_reg;
            end
        end
    end

    // gmem1: per query head its kv head's value scales (int8) and value slots.
    rd1_cmd_valid = state_reg == STATE_RUN && g1_frame_reg != FRAME_END;
    rd1_cmd_addr  = g1_frame_reg == FRAME_SCALES ? g1_sc_reg : g1_data_reg;
    rd1_cmd_beats = g1_frame_reg == FRAME_SCALES ? sc_beats_reg : data_beats_reg;
    if (rd1_cmd_valid && rd1_cmd_ready) begin
        if (g1_frame_reg == FRAME_SCALES) begin
            g1_frame_next = FRAME_DATA;
        end else begin
            g1_frame_next = g1_head_reg == n_heads_reg - 1'b1 ? FRAME_END : int8_reg ? FRAME_SCALES : FRAME_DATA;
            g1_head_next  = g1_head_reg + 1'b1;
            g1_hg_next    = g1_hg_reg + 1'b1;
            if (g1_hg_reg == kv_mul_reg - 1'b1) begin
                g1_hg_next   = '0;
                g1_data_next = g1_data_reg + kv_stride_reg;
                g1_sc_next   = g1_sc_reg + row_bytes_reg;
            end
        end
    end

    // Routers: a command's last beat (tlast) moves on to the next frame.
    case (r0_frame_reg)
        FRAME_Q:      rd0_tready = 1'b1;
        FRAME_SCALES: rd0_tready = ks_s_ready;
        default:      rd0_tready = k_s_ready;
    endcase
    if (rd0_tvalid && rd0_tready && rd0_tlast) begin
        r0_frame_next = r0_frame_reg == FRAME_SCALES || !int8_reg ? FRAME_DATA : FRAME_SCALES;
    end
    rd1_tready = r1_frame_reg == FRAME_SCALES ? vs_s_ready : v_s_ready;
    if (rd1_tvalid && rd1_tready && rd1_tlast) begin
        r1_frame_next = r1_frame_reg == FRAME_SCALES || !int8_reg ? FRAME_DATA : FRAME_SCALES;
    end

    // A run starts every transfer afresh.
    if (state_reg == STATE_SIZE) begin
        g0_frame_next  = FRAME_Q;
        g0_head_next   = '0;
        g0_hg_next     = '0;
        g0_data_next   = k_ptr_reg;
        g0_sc_next     = ks_ptr_reg;
        g1_frame_next  = int8_reg ? FRAME_SCALES : FRAME_DATA;
        g1_head_next   = '0;
        g1_hg_next     = '0;
        g1_data_next   = v_ptr_reg;
        g1_sc_next     = vs_ptr_reg;
        wr_cmd_next    = 1'b1;
        r0_frame_next  = FRAME_Q;
        r1_frame_next  = int8_reg ? FRAME_SCALES : FRAME_DATA;
        rd0_dones_next = '0;
        rd1_dones_next = '0;
        wr_done_next   = 1'b0;
    end
    // The error flags clear as a run starts: from then on they reach STATUS (run_active).
    if (state_reg == STATE_IDLE && core_start) begin
        rd_err_next = 1'b0;
        wr_err_next = 1'b0;
    end
end

always_ff @(posedge clk) begin
    state_reg        <= state_next;
    q_ptr_reg        <= q_ptr_next;
    k_ptr_reg        <= k_ptr_next;
    v_ptr_reg        <= v_ptr_next;
    ks_ptr_reg       <= ks_ptr_next;
    vs_ptr_reg       <= vs_ptr_next;
    out_ptr_reg      <= out_ptr_next;
    pos_arg_reg      <= pos_arg_next;
    n_heads_arg_reg  <= n_heads_arg_next;
    n_kv_arg_reg     <= n_kv_arg_next;
    hs_arg_reg       <= hs_arg_next;
    seq_len_arg_reg  <= seq_len_arg_next;
    inv_reg          <= inv_next;
    int8_arg_reg     <= int8_arg_next;
    int8_reg         <= int8_next;
    pos_reg          <= pos_next;
    n_heads_reg      <= n_heads_next;
    hs16_reg         <= hs16_next;
    rem_reg          <= rem_next;
    kv_mul_reg       <= kv_mul_next;
    slot_beats_reg   <= slot_beats_next;
    kv_stride_reg    <= kv_stride_next;
    row_bytes_reg    <= row_bytes_next;
    data_beats_reg   <= data_beats_next;
    sc_beats_reg     <= sc_beats_next;
    q_beats_reg      <= q_beats_next;
    rd0_cmds_reg     <= rd0_cmds_next;
    rd1_cmds_reg     <= rd1_cmds_next;
    cfg_err_reg      <= cfg_err_next;
    done_reg         <= done_next;

    g0_frame_reg     <= g0_frame_next;
    g0_head_reg      <= g0_head_next;
    g0_hg_reg        <= g0_hg_next;
    g0_data_reg      <= g0_data_next;
    g0_sc_reg        <= g0_sc_next;
    g1_frame_reg     <= g1_frame_next;
    g1_head_reg      <= g1_head_next;
    g1_hg_reg        <= g1_hg_next;
    g1_data_reg      <= g1_data_next;
    g1_sc_reg        <= g1_sc_next;
    wr_cmd_reg       <= wr_cmd_next;
    r0_frame_reg     <= r0_frame_next;
    r1_frame_reg     <= r1_frame_next;
    rd0_dones_reg    <= rd0_dones_next;
    rd1_dones_reg    <= rd1_dones_next;
    wr_done_reg      <= wr_done_next;
    rd_err_reg       <= rd_err_next;
    wr_err_reg       <= wr_err_next;

    if (rst) begin
        state_reg       <= STATE_IDLE;
        cfg_err_reg     <= 1'b0;
        done_reg        <= 1'b0;
        g0_frame_reg    <= FRAME_END;
        g1_frame_reg    <= FRAME_END;
        wr_cmd_reg      <= 1'b0;
        r0_frame_reg    <= FRAME_Q;
        r1_frame_reg    <= FRAME_DATA;
        rd0_dones_reg   <= '0;
        rd1_dones_reg   <= '0;
        wr_done_reg     <= 1'b0;
        rd_err_reg      <= 1'b0;
        wr_err_reg      <= 1'b0;
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
 * Read streams: gmem0 (q, keys, key scales), gmem1 (values, value scales); write stream (out)
 */
axi_read_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(8)
) rd0_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(rd0_cmd_addr[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(rd0_cmd_beats),
    .cmd_valid(rd0_cmd_valid),
    .cmd_ready(rd0_cmd_ready),
    .busy(rd0_busy),
    .error(rd0_error),
    .done(rd0_done),
    .m_axis_tdata(rd0_tdata),
    .m_axis_tlast(rd0_tlast),
    .m_axis_tvalid(rd0_tvalid),
    .m_axis_tready(rd0_tready),
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

axi_read_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(8)
) rd1_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(rd1_cmd_addr[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(rd1_cmd_beats),
    .cmd_valid(rd1_cmd_valid),
    .cmd_ready(rd1_cmd_ready),
    .busy(rd1_busy),
    .error(rd1_error),
    .done(rd1_done),
    .m_axis_tdata(rd1_tdata),
    .m_axis_tlast(rd1_tlast),
    .m_axis_tvalid(rd1_tvalid),
    .m_axis_tready(rd1_tready),
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

axi_write_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(8)
) wr_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(out_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(q_beats_reg),
    .cmd_valid(wr_cmd_reg),
    .cmd_ready(wr_cmd_ready),
    .busy(wr_busy),
    .error(wr_error),
    .done(wr_done),
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
 * The datapath
 */
attention_core #(
    .MAX_HEADS(MAX_HEADS),
    .MAX_HEAD_SIZE(MAX_HEAD_SIZE),
    .MAX_SEQ_LEN(MAX_SEQ_LEN),
    .SCORE_PIPES(SCORE_PIPES),
    .SCORE_ACC_UNITS(SCORE_ACC_UNITS),
    .VALUE_WAYS(VALUE_WAYS),
    .CHUNK_FIFO_DEPTH(CHUNK_FIFO_DEPTH),
    .SCALAR_FIFO_DEPTH(SCALAR_FIFO_DEPTH),
    .OUT_FIFO_DEPTH(OUT_FIFO_DEPTH)
) attention_core_inst (
    .clk(clk),
    .rst(rst),
    .start(state_reg == STATE_SETUP),
    .int8(int8_reg),
    .head_chunks(hs16_reg),
    .pos(pos_reg),
    .inv_sqrt_hs(inv_reg),
    .s_q_tdata(rd0_tdata),
    .s_q_tvalid(rd0_tvalid && r0_frame_reg == FRAME_Q),
    .s_q_tready(q_s_ready),
    .s_k_tdata(rd0_tdata),
    .s_k_tvalid(rd0_tvalid && r0_frame_reg == FRAME_DATA),
    .s_k_tready(k_s_ready),
    .s_ks_tdata(rd0_tdata),
    .s_ks_tvalid(rd0_tvalid && r0_frame_reg == FRAME_SCALES),
    .s_ks_tready(ks_s_ready),
    .s_v_tdata(rd1_tdata),
    .s_v_tvalid(rd1_tvalid && r1_frame_reg == FRAME_DATA),
    .s_v_tready(v_s_ready),
    .s_vs_tdata(rd1_tdata),
    .s_vs_tvalid(rd1_tvalid && r1_frame_reg == FRAME_SCALES),
    .s_vs_tready(vs_s_ready),
    .m_out_tdata(o_tdata),
    .m_out_tvalid(o_tvalid),
    .m_out_tready(o_tready)
);

endmodule

`default_nettype wire
