// SPDX-License-Identifier: Apache-2.0

/*
 * Q8_0 matrix-vector engine: the datapath of the matmul kernel
 *
 * Consumes the quantized input vector x and a weight matrix in the model-image
 * layout of host/image.py, and produces one 512-bit beat of 16 fp32 results
 * per block of 16 rows:
 *
 * - s_axis_x: cfg_x_value_beats beats of int8 x values (64 per beat), then the
 *   fp32 x scales (16 per beat), stored in two on-chip buffers;
 * - s_axis_w: per block, per group g: a scale beat (16 fp32 row scales), then
 *   16 weight beats (GS 64: one row each) or 8 (GS 32: two rows each). Weight
 *   beats are taken only while w_enable is high (x fully loaded);
 * - m_axis_out: per block, the 16 results in row order.
 *
 * Tokens (TOKENS > 1, the prefill path): the engine holds up to TOKENS x
 * vectors and multiplies every weight beat with each of them, so a matrix is
 * read once for cfg_tokens vectors. The x stream then carries cfg_tokens
 * vectors one after the other (each: its value beats, then its
 * ceil(cfg_groups / 16) scale beats), and each block yields cfg_tokens result
 * beats, token 0 first. Each token has its own x buffers, dot lanes, scale
 * products, adders and running sums; the weight-stream position, the row
 * scales and the pipeline's tags are shared (every token's datapath runs in
 * the same cycle). cfg_tokens = 1 is the matrix-vector engine.
 *
 * Every weight beat goes through two q8_dot_group_32 lanes (bytes 0..31 and
 * 32..63 against the matching x bytes): with GS 64 their sums are added (an
 * exact int32 add, so the result equals one 64-wide dot product), with GS 32
 * each lane is one row. Then per row of the beat acc + ((float) ival * ws) * xs,
 * where acc is the row's running sum (+0.0 for group 0), exactly the order of
 * hlstransform.model.numerics: q8_scale_product forms ((float) ival * ws) * xs,
 * which does not depend on acc, ahead of the accumulator loop, and q8_acc_add
 * adds it to acc inside the loop (as one block, q8_scale_acc, the loop held all
 * four fp32 operations: 22 LUT levels). The 16 running
 * sums of the current block live in registers; the last group's results go to
 * an output register instead, so block b+1's first groups overwrite the sums
 * while block b drains: one weight beat per cycle across block boundaries.
 *
 * Why it can run without stalls: a row's next group arrives at least 9 beats
 * after its previous one (the layout's interleave: GS 32, a scale beat and 8
 * weight beats), and the accumulator loop (sum read, q8_acc_add, write back)
 * takes ADD_LATENCY + 2 cycles (9 with 6 stages): q8_acc_add may have up to 6
 * stages (checked below). XLS pipelines cannot
 * stall, so the output side is credit based: a block is only started when
 * the output FIFO has room reserved for its result beat.
 *
 * Pipeline (cycles after a weight beat is taken): 1 beat register and x
 * buffer reads; then q8_dot_group_32 (DOT_LATENCY); the lane add;
 * q8_scale_product (PROD_LATENCY); the sum read; q8_acc_add (ADD_LATENCY; all
 * three from rtl/gen/hls_latency_pkg.sv); then sum write back or the result
 * beat into the output FIFO.
 */

`default_nettype none

module matmul_engine #(
    // Largest number of input columns a run may have (a multiple of 512, 512..65536)
    parameter int MAX_COLS = 8192,
    // x vectors a weight beat is multiplied with at most (1..8): a datapath per token
    parameter int TOKENS = 1,
    // Result beats of blocks the output FIFO holds, = blocks in flight at most (>= 2)
    parameter int OUT_FIFO_DEPTH = 4,
    // Groups per row at most (GS 32), and the width of cfg_groups
    parameter int MAX_GROUPS = MAX_COLS / 32,
    parameter int GROUP_WIDTH = $clog2(MAX_GROUPS + 1),
    // x value beats at most, and the width of cfg_x_value_beats
    parameter int X_VALUE_DEPTH = MAX_COLS / 64,
    parameter int X_BEAT_WIDTH = $clog2(X_VALUE_DEPTH + 1),
    // Width of cfg_tokens
    parameter int TOKEN_WIDTH = $clog2(TOKENS + 1)
) (
    input  wire                    clk,
    input  wire                    rst,  // active-high, synchronous

    /*
     * Run configuration: valid from cfg_start to the end of the run
     */
    input  wire                    cfg_start,          // one-cycle pulse before the run's first beat: counters clear
    input  wire                    cfg_gs64,           // group size: 1 = 64, 0 = 32
    input  wire [GROUP_WIDTH-1:0]  cfg_groups,         // groups per row, 1 .. MAX_COLS / group size
    input  wire [X_BEAT_WIDTH-1:0] cfg_x_value_beats,  // x beats holding values (the scale beats follow)
    input  wire [TOKEN_WIDTH-1:0]  cfg_tokens,         // x vectors of the run, 1 .. TOKENS
    input  wire                    w_enable,           // x is loaded: weight beats may be taken

    /*
     * x stream (slave; always ready)
     */
    input  wire [511:0]            s_axis_x_tdata,
    input  wire                    s_axis_x_tvalid,
    output wire                    s_axis_x_tready,

    /*
     * Weight stream (slave)
     */
    input  wire [511:0]            s_axis_w_tdata,
    input  wire                    s_axis_w_tvalid,
    output wire                    s_axis_w_tready,

    /*
     * Result stream (master): per block, one beat of 16 fp32 per token
     */
    output wire [511:0]            m_axis_out_tdata,
    output wire                    m_axis_out_tvalid,
    input  wire                    m_axis_out_tready
);

localparam int ROWS          = 16;                       // rows per block
localparam int X_SCALE_DEPTH = MAX_COLS / 512;           // x scale beats at most (16 per beat, GS 32)
localparam int XV_AW         = $clog2(X_VALUE_DEPTH);    // x value buffer address
localparam int XS_AW         = X_SCALE_DEPTH > 1 ? $clog2(X_SCALE_DEPTH) : 1;
localparam int XC_WIDTH      = $clog2(X_VALUE_DEPTH + X_SCALE_DEPTH + 1);  // x beat counter
localparam int DOT_LATENCY   = hls_latency_pkg::Q8_DOT_GROUP_32_LATENCY;
localparam int PROD_LATENCY  = hls_latency_pkg::Q8_SCALE_PRODUCT_LATENCY;
localparam int ADD_LATENCY   = hls_latency_pkg::Q8_ACC_ADD_LATENCY;
localparam int OUT_PTR_WIDTH = $clog2(OUT_FIFO_DEPTH);
localparam int CREDIT_WIDTH  = $clog2(OUT_FIFO_DEPTH + 1);
localparam int TI_WIDTH      = TOKENS > 1 ? $clog2(TOKENS) : 1;  // a token's index

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_COLS < 512 || MAX_COLS > 65536 || MAX_COLS % 512 != 0) begin : g_check_max_cols
    $error("matmul_engine: MAX_COLS must be a multiple of 512 in 512..65536");
end
if (TOKENS < 1 || TOKENS > 8) begin : g_check_tokens
    $error("matmul_engine: TOKENS must be in 1..8");
end
if (OUT_FIFO_DEPTH < 2 || (OUT_FIFO_DEPTH & (OUT_FIFO_DEPTH - 1)) != 0) begin : g_check_out_fifo_depth
    $error("matmul_engine: OUT_FIFO_DEPTH must be a power of two >= 2");
end
// The accumulator loop must close before a row's next group (9 beats later at the closest).
if (ADD_LATENCY + 2 > 9) begin : g_check_acc_loop
    $error("matmul_engine: q8_acc_add's latency must be <= 7 (hls/blocks.toml)");
end
if (MAX_GROUPS != MAX_COLS / 32 || X_VALUE_DEPTH != MAX_COLS / 64 || TOKEN_WIDTH != $clog2(TOKENS + 1)) begin : g_check_derived
    $error("matmul_engine: MAX_GROUPS, X_VALUE_DEPTH and TOKEN_WIDTH are derived; do not set them");
end

/*
 * x load: the beat counter within a token's vector, and the token it belongs to
 */
logic [XC_WIDTH-1:0]   x_count_reg, x_count_next;  // x beats of the current token received
logic [TI_WIDTH-1:0]   x_tok_reg, x_tok_next;      // token whose x is arriving
logic [XC_WIDTH-1:0]   x_last_reg;                 // a vector's last beat (values + scales - 1)
logic [TI_WIDTH-1:0]   tok_last_reg;               // cfg_tokens - 1
logic                  x_value_wr, x_scale_wr;
logic [XV_AW-1:0]      x_value_addr;
logic [XS_AW-1:0]      x_scale_addr;

/*
 * Weight stream position
 */
logic [4:0]            k_reg, k_next;                // beat in the group's slot: 0 = scale beat, 1.. = weight beats
logic [GROUP_WIDTH-1:0] g_reg, g_next;               // group index
logic [CREDIT_WIDTH-1:0] credit_reg, credit_next;    // output FIFO slots not reserved by a block
logic [511:0]          wscale_reg, wscale_next;      // the current group's 16 row scales (datapath)

/*
 * Stage 1: the weight beat, its x words and where it belongs
 */
logic                  s1_valid_reg, s1_valid_next;
logic [511:0]          s1_w_reg, s1_w_next;
logic [3:0]            s1_row_reg, s1_row_next;      // row of lane 0 (GS 32: even; lane 1 is row + 1)
logic                  s1_xhalf_reg, s1_xhalf_next;  // GS 32: x group in the high half of the x word
logic [3:0]            s1_xslot_reg, s1_xslot_next;  // x scale slot in its word
logic                  s1_first_reg, s1_first_next;  // group 0: the sum starts at +0.0
logic                  s1_last_reg, s1_last_next;    // last group: the result is final
logic                  s1_end_reg, s1_end_next;      // last beat of the block
logic                  xrd_en;                       // x buffers read (a weight beat is taken)
logic [XV_AW-1:0]      xrd_value_addr;
logic [XS_AW-1:0]      xrd_scale_addr;

// Per-beat values that travel beside the dot pipeline: {ws0, ws1, row, first, last, end}
// (each token's x scale travels in its own datapath).
localparam int META_WIDTH = 2 * 32 + 4 + 3;
logic [META_WIDTH-1:0] meta_pipe [0:DOT_LATENCY-1];
logic [META_WIDTH-1:0] s1_meta;
logic [META_WIDTH-1:0] s2_meta;

/*
 * Stage 2 -> 3: lane add; the scale_product inputs (shared part)
 */
logic                  s3_valid_reg, s3_valid_next;
logic                  s3_lane1_reg, s3_lane1_next;  // lane 1 carries a row (GS 32)
logic [31:0]           s3_ws0_reg, s3_ws0_next;
logic [31:0]           s3_ws1_reg, s3_ws1_next;
logic [6:0]            s3_tag_reg, s3_tag_next;      // {row, first, last, end}
logic [6:0]            prod_tag_pipe [0:PROD_LATENCY-1];

/*
 * Stage 4 -> 5: sum read (+0.0 for group 0); the acc_add inputs (shared part)
 */
logic                  s5_valid0_reg, s5_valid0_next;
logic                  s5_valid1_reg, s5_valid1_next;
logic [5:0]            s5_tag_reg, s5_tag_next;      // {row, last, end}
logic [5:0]            tag_pipe [0:ADD_LATENCY-1];

/*
 * The datapaths' valid outputs: token 0's stand for all (every token's runs in the same cycle)
 */
logic [TOKENS-1:0]     dot_lo_valid, dot_hi_valid;
logic [TOKENS-1:0]     prod0_valid, prod1_valid;
logic [TOKENS-1:0]     acc0_valid, acc1_valid;

/*
 * Output FIFO: a slot per block, a beat per token in it (pointers carry a wrap bit)
 */
logic [OUT_PTR_WIDTH:0] out_wr_reg, out_wr_next;
logic [OUT_PTR_WIDTH:0] out_rd_reg, out_rd_next;
logic [TI_WIDTH-1:0]   out_tok_reg, out_tok_next;   // token whose beat of the head slot is next
logic                  out_push;
logic [511:0]          out_rd_data [0:TOKENS-1];    // each token's beat of the head slot

// Weight stream position decode (outside the always_comb: s_axis_w_tready depends on it).
wire  [4:0]            k_last      = cfg_gs64 ? 5'd16 : 5'd8;  // last beat of a group's slot
wire                   block_start = k_reg == '0 && g_reg == '0;
wire                   scale_beat  = k_reg == '0;
wire                   group_done  = k_reg == k_last;
wire                   last_group  = g_reg == cfg_groups - 1'b1;
wire                   w_fire      = s_axis_w_tvalid && s_axis_w_tready;

// Combinational helpers.
logic                  out_pop;
logic [3:0]            s1_row1, s5_row0, s5_row1, s6_row0, s6_row1;
logic                  s5_first, s6_last, s6_end;
logic                  x_vector_end;                 // this x beat is its vector's last
wire  [GROUP_WIDTH:0]  x_groups_up = {1'b0, cfg_groups} + (GROUP_WIDTH+1)'(15);  // scale beats x 16, rounded up

assign s_axis_x_tready = 1'b1;
assign s_axis_w_tready = w_enable && !(block_start && credit_reg == '0);
assign m_axis_out_tvalid = out_wr_reg != out_rd_reg;
assign m_axis_out_tdata  = out_rd_data[TOKENS > 1 ? out_tok_reg : '0];

always_comb begin
    x_count_next   = x_count_reg;
    x_tok_next     = x_tok_reg;
    k_next         = k_reg;
    g_next         = g_reg;
    credit_next    = credit_reg;
    wscale_next    = wscale_reg;
    s1_valid_next  = 1'b0;
    s1_w_next      = s_axis_w_tdata;
    s1_row_next    = s1_row_reg;
    s1_xhalf_next  = g_reg[0];
    s1_xslot_next  = g_reg[3:0];
    s1_first_next  = g_reg == '0;
    s1_last_next   = last_group;
    s1_end_next    = 1'b0;
    s2_meta        = meta_pipe[DOT_LATENCY-1];
    s3_valid_next  = 1'b0;
    s3_lane1_next  = !cfg_gs64;
    s3_ws0_next    = s2_meta[META_WIDTH-1 -: 32];
    s3_ws1_next    = s2_meta[META_WIDTH-33 -: 32];
    s3_tag_next    = s2_meta[6:0];
    s5_valid0_next = prod0_valid[0];
    s5_valid1_next = prod1_valid[0];
    s5_tag_next    = {prod_tag_pipe[PROD_LATENCY-1][6:3], prod_tag_pipe[PROD_LATENCY-1][1:0]};
    out_wr_next    = out_wr_reg;
    out_rd_next    = out_rd_reg;
    out_tok_next   = out_tok_reg;
    out_push       = 1'b0;

    // x: per token, values then scales, into that token's buffers. With one token the
    // counter never wraps (the scale beats simply follow the values).
    x_vector_end = TOKENS > 1 && x_count_reg == x_last_reg;
    x_value_wr   = s_axis_x_tvalid && x_count_reg < XC_WIDTH'(cfg_x_value_beats);
    x_scale_wr   = s_axis_x_tvalid && !x_value_wr;
    x_value_addr = XV_AW'(x_count_reg);
    x_scale_addr = XS_AW'(x_count_reg - XC_WIDTH'(cfg_x_value_beats));
    if (s_axis_x_tvalid) begin
        x_count_next = x_vector_end ? '0 : x_count_reg + 1'b1;
        if (x_vector_end) begin
            x_tok_next = x_tok_reg + 1'b1;
        end
    end

    // Weight stream position: k counts the beats of group g's slot in the block.
    if (w_fire) begin
        k_next = group_done ? 5'd0 : k_reg + 1'b1;
        if (group_done) begin
            g_next = last_group ? '0 : g_reg + 1'b1;
        end
        if (scale_beat) begin
            wscale_next = s_axis_w_tdata;
        end else begin
            s1_valid_next = 1'b1;
            s1_row_next   = cfg_gs64 ? 4'(k_reg - 1'b1) : {3'(k_reg - 1'b1), 1'b0};
            s1_end_next   = group_done && last_group;
        end
    end
    xrd_en         = w_fire;
    xrd_value_addr = cfg_gs64 ? XV_AW'(g_reg) : XV_AW'(g_reg >> 1);
    xrd_scale_addr = XS_AW'(g_reg >> 4);

    // A block reserves its output slot when its first beat is taken; the slot is freed when
    // its last token's beat is popped.
    out_pop = m_axis_out_tvalid && m_axis_out_tready;
    if (w_fire && block_start) begin
        credit_next = credit_next - 1'b1;
    end
    if (out_pop) begin
        if (TOKENS == 1 || out_tok_reg == tok_last_reg) begin
            credit_next  = credit_next + 1'b1;
            out_rd_next  = out_rd_reg + 1'b1;
            out_tok_next = '0;
        end else begin
            out_tok_next = out_tok_reg + 1'b1;
        end
    end

    if (cfg_start) begin
        x_count_next = '0;
        x_tok_next   = '0;
        k_next       = '0;
        g_next       = '0;
    end

    // Stage 1 -> dot lanes: the shared part of the beat's tags.
    s1_row1 = s1_row_reg | 4'd1;
    s1_meta = {wscale_reg[32 * s1_row_reg +: 32], wscale_reg[32 * s1_row1 +: 32],
               s1_row_reg, s1_first_reg, s1_last_reg, s1_end_reg};

    // Stage 2 (dot results): lane add.
    if (dot_lo_valid[0] && dot_hi_valid[0]) begin
        s3_valid_next = 1'b1;
    end

    // Stage 4 (scale_product results): which running sums each token's datapath reads.
    {s5_row0, s5_first} = {prod_tag_pipe[PROD_LATENCY-1][6:3], prod_tag_pipe[PROD_LATENCY-1][2]};
    s5_row1 = s5_row0 | 4'd1;

    // Stage 6 (acc_add results): with the block's last beat, every token's result beat goes
    // into the output FIFO's slot.
    {s6_row0, s6_last, s6_end} = tag_pipe[ADD_LATENCY-1];
    s6_row1 = s6_row0 | 4'd1;
    if (acc0_valid[0] && s6_end) begin
        out_push    = 1'b1;
        out_wr_next = out_wr_reg + 1'b1;
    end
end

always_ff @(posedge clk) begin
    x_count_reg   <= x_count_next;
    x_tok_reg     <= x_tok_next;
    // cfg_* hold from cfg_start on, so these are valid from the cycle after it (x beats
    // and output beats come later).
    x_last_reg    <= XC_WIDTH'(cfg_x_value_beats) + XC_WIDTH'(x_groups_up >> 4) - 1'b1;
    tok_last_reg  <= TI_WIDTH'(cfg_tokens - 1'b1);
    k_reg         <= k_next;
    g_reg         <= g_next;
    credit_reg    <= credit_next;
    wscale_reg    <= wscale_next;
    s1_valid_reg  <= s1_valid_next;
    s1_w_reg      <= s1_w_next;
    s1_row_reg    <= s1_row_next;
    s1_xhalf_reg  <= s1_xhalf_next;
    s1_xslot_reg  <= s1_xslot_next;
    s1_first_reg  <= s1_first_next;
    s1_last_reg   <= s1_last_next;
    s1_end_reg    <= s1_end_next;
    s3_valid_reg  <= s3_valid_next;
    s3_lane1_reg  <= s3_lane1_next;
    s3_ws0_reg    <= s3_ws0_next;
    s3_ws1_reg    <= s3_ws1_next;
    s3_tag_reg    <= s3_tag_next;
    s5_valid0_reg <= s5_valid0_next;
    s5_valid1_reg <= s5_valid1_next;
    s5_tag_reg    <= s5_tag_next;
    out_wr_reg    <= out_wr_next;
    out_rd_reg    <= out_rd_next;
    out_tok_reg   <= out_tok_next;

    if (rst) begin
        x_count_reg   <= '0;
        x_tok_reg     <= '0;
        k_reg         <= '0;
        g_reg         <= '0;
        credit_reg    <= CREDIT_WIDTH'(OUT_FIFO_DEPTH);
        s1_valid_reg  <= 1'b0;
        s3_valid_reg  <= 1'b0;
        s5_valid0_reg <= 1'b0;
        s5_valid1_reg <= 1'b0;
        out_wr_reg    <= '0;
        out_rd_reg    <= '0;
        out_tok_reg   <= '0;
    end
end

// Shared delay lines: no reset, so synthesis maps them to SRLs.
always_ff @(posedge clk) begin
    meta_pipe[0] <= s1_meta;
    for (int i = 1; i < DOT_LATENCY; i++) begin
        meta_pipe[i] <= meta_pipe[i-1];
    end
    prod_tag_pipe[0] <= s3_tag_reg;
    for (int i = 1; i < PROD_LATENCY; i++) begin
        prod_tag_pipe[i] <= prod_tag_pipe[i-1];
    end
    tag_pipe[0] <= s5_tag_reg;
    for (int i = 1; i < ADD_LATENCY; i++) begin
        tag_pipe[i] <= tag_pipe[i-1];
    end
end

/*
 * A token's datapath: its x buffers, the XLS datapaths (rtl/gen: exact int8 dot
 * products, the fp32 scale products and the accumulator adds), its running sums and
 * its beat of the output FIFO
 */
for (genvar t = 0; t < TOKENS; t++) begin : g_token
    // x buffers: values (64 per word) and scales (16 per word), no reset (block RAM)
    logic [511:0]       xv_mem [0:X_VALUE_DEPTH-1];
    logic [511:0]       xs_mem [0:X_SCALE_DEPTH-1];
    logic [511:0]       xv_rd_reg;                // x value word (block RAM output register)
    logic [511:0]       xs_rd_reg;                // x scale word
    logic [255:0]       dot_x_lo, dot_x_hi;
    logic [31:0]        dot_lo_out, dot_hi_out;
    logic [31:0]        xs_pipe [0:DOT_LATENCY-1];  // the beat's x scale beside the dot pipeline
    logic [31:0]        ival0_reg, ival1_reg, xs_reg;
    logic [31:0]        prod0_out, prod1_out;
    logic [31:0]        acc0_reg, acc1_reg, p0_reg, p1_reg;
    logic [31:0]        acc0_out, acc1_out;
    // Running sums of the current block and the result beat being assembled
    logic [ROWS*32-1:0] sum_reg, sum_next;
    logic [ROWS*32-1:0] result_reg, result_next;
    logic [511:0]       out_mem [0:OUT_FIFO_DEPTH-1];
    wire                x_mine = TOKENS == 1 || x_tok_reg == TI_WIDTH'(t);

    // Stage 1 -> dot lanes: GS 64 pairs the beat's halves with the x word's halves; GS 32
    // pairs both rows with the group's half of the x word.
    assign dot_x_lo = cfg_gs64 || !s1_xhalf_reg ? xv_rd_reg[255:0] : xv_rd_reg[511:256];
    assign dot_x_hi = cfg_gs64 || s1_xhalf_reg ? xv_rd_reg[511:256] : xv_rd_reg[255:0];
    assign out_rd_data[t] = out_mem[out_rd_reg[OUT_PTR_WIDTH-1:0]];

    always_comb begin
        sum_next    = sum_reg;
        result_next = result_reg;
        // Stage 6: back into the running sums, or, for the last group, into the result beat.
        if (acc0_valid[t]) begin
            if (s6_last) begin
                result_next[32 * s6_row0 +: 32] = acc0_out;
            end else begin
                sum_next[32 * s6_row0 +: 32] = acc0_out;
            end
        end
        if (acc1_valid[t]) begin
            if (s6_last) begin
                result_next[32 * s6_row1 +: 32] = acc1_out;
            end else begin
                sum_next[32 * s6_row1 +: 32] = acc1_out;
            end
        end
    end

    always_ff @(posedge clk) begin
        sum_reg    <= sum_next;
        result_reg <= result_next;
        // Stage 2 -> 3: lane add (GS 64: the two halves are one exact 64-wide dot product).
        ival0_reg  <= cfg_gs64 ? dot_lo_out + dot_hi_out : dot_lo_out;
        ival1_reg  <= dot_hi_out;
        xs_reg     <= xs_pipe[DOT_LATENCY-1];
        // Stage 4 -> 5: running sums read (+0.0 for group 0). The loop from here through
        // q8_acc_add back into sum_reg is ADD_LATENCY + 2 cycles.
        acc0_reg   <= s5_first ? 32'd0 : sum_reg[32 * s5_row0 +: 32];
        acc1_reg   <= s5_first ? 32'd0 : sum_reg[32 * s5_row1 +: 32];
        p0_reg     <= prod0_out;
        p1_reg     <= prod1_out;
    end

    // Buffers and payload delay lines: no reset, so synthesis maps the buffers to block RAM
    // (with xv_rd_reg / xs_rd_reg as output registers) and the delay lines to SRLs.
    always_ff @(posedge clk) begin
        if (x_value_wr && x_mine) begin
            xv_mem[x_value_addr] <= s_axis_x_tdata;
        end
        if (x_scale_wr && x_mine) begin
            xs_mem[x_scale_addr] <= s_axis_x_tdata;
        end
        if (xrd_en) begin
            xv_rd_reg <= xv_mem[xrd_value_addr];
            xs_rd_reg <= xs_mem[xrd_scale_addr];
        end
        if (out_push) begin
            out_mem[out_wr_reg[OUT_PTR_WIDTH-1:0]] <= result_next;
        end
        xs_pipe[0] <= xs_rd_reg[32 * s1_xslot_reg +: 32];
        for (int i = 1; i < DOT_LATENCY; i++) begin
            xs_pipe[i] <= xs_pipe[i-1];
        end
    end

    q8_dot_group_32 q8_dot_group_32_lo_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(s1_valid_reg),
        .w(s1_w_reg[255:0]),
        .x(dot_x_lo),
        .out_valid(dot_lo_valid[t]),
        .out(dot_lo_out)
    );

    q8_dot_group_32 q8_dot_group_32_hi_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(s1_valid_reg),
        .w(s1_w_reg[511:256]),
        .x(dot_x_hi),
        .out_valid(dot_hi_valid[t]),
        .out(dot_hi_out)
    );

    q8_scale_product q8_scale_product_0_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(s3_valid_reg),
        .ival(ival0_reg),
        .ws(s3_ws0_reg),
        .xs(xs_reg),
        .out_valid(prod0_valid[t]),
        .out(prod0_out)
    );

    q8_scale_product q8_scale_product_1_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(s3_valid_reg && s3_lane1_reg),
        .ival(ival1_reg),
        .ws(s3_ws1_reg),
        .xs(xs_reg),
        .out_valid(prod1_valid[t]),
        .out(prod1_out)
    );

    q8_acc_add q8_acc_add_0_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(s5_valid0_reg),
        .acc(acc0_reg),
        .p(p0_reg),
        .out_valid(acc0_valid[t]),
        .out(acc0_out)
    );

    q8_acc_add q8_acc_add_1_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(s5_valid1_reg),
        .acc(acc1_reg),
        .p(p1_reg),
        .out_valid(acc1_valid[t]),
        .out(acc1_out)
    );
end

// Tokens 1.. run in step with token 0, whose valid outputs stand for theirs.
wire unused_valid = &{1'b0, dot_lo_valid, dot_hi_valid, prod0_valid, prod1_valid, acc1_valid, acc0_valid[TOKENS-1:0]};

endmodule

`default_nettype wire
