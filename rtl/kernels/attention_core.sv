// SPDX-License-Identifier: Apache-2.0

/*
 * Attention datapath: query heads against streamed KV-cache slots, no AXI
 *
 * For each query head of a run, in order, over positions t = 0..pos:
 *
 *   fp32 KV: score_t = sum16(q * k_t) * inv_sqrt_hs
 *   int8 KV: score_t = (sum16(q * (float) kq_t) * ks_t) * inv_sqrt_hs
 *   att      = softmax(score_0 .. score_pos)
 *   fp32 KV: out = part8_t(att_t * v_t)
 *   int8 KV: out = part8_t((att_t * vs_t) * (float) vq_t)
 *
 * part8 (hwmodel.part_sum, docs/numerics.md): position t adds into partial
 * sum t mod 8 (acc_p = +0; acc_p = acc_p + term_t), and the head's result is
 * ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7)) (partials no position
 * reached are +0),
 * bit for bit as hlstransform.model.hwmodel.attention_fp32 / attention_int8
 * (docs/kernels/attention.md). The core of the attention kernel
 * (rtl/kernels/attention.sv) and of the forward kernel: the caller decides
 * which kv head's slots each query head gets (GQA) and streams them in.
 *
 * Streams, all 512-bit beats (fp32 element k at [32k +: 32], int8 element k
 * at byte k), per run after a start pulse:
 * - s_q: the query heads in order, head_chunks = head_size / 16 beats each
 *   (at most MAX_HEADS heads; always ready, kept on chip).
 * - s_k / s_v: per head, the slots of positions 0..pos (host/image.py
 *   KvLayout: an fp32 slot is head_chunks beats, an int8 slot
 *   ceil(head_size / 64) beats of int8, zero-padded).
 * - s_ks / s_vs (int8 only): per head, the scales of positions 0..pos,
 *   16 per beat, ceil((pos + 1) / 16) beats. Each lands in a FIFO of one such
 *   row, so a caller may send a head's whole scale row before its slots on
 *   one shared stream.
 * - m_out: per head, head_chunks result beats.
 * The configuration inputs must hold from the start pulse to the run's last
 * result. Key and value streams are independent: the keys of the next head
 * may stream while the values of this one do.
 *
 * Three stages, overlapping from one head to the next:
 * 1. scores: the key slots are dealt to SCORE_PIPES attention_score_pipes
 *    in turn (slot r of the run to pipe r mod SCORE_PIPES, whole slots);
 *    each turns its slots into fp32 chunks of 16 (attention_kv_unpack; int8
 *    through ew_i8_to_f32), pairs them with the head's q chunks into one
 *    sum16_accumulate (one dot16, a run per slot; SCORE_ACC_UNITS
 *    accumulators taking slots in turn keep it at a chunk per cycle) and
 *    returns a dot product per slot. The dot products are collected in the
 *    same turn, so in run order; each times ks_t
 *    (ew_mul; 1.0 for fp32, exact for any fp32 result) times inv_sqrt_hs
 *    (ew_mul) into a score FIFO; 16 scores per beat into softmax_core.
 * 2. softmax_core; its probability beats go to one half of a double buffer,
 *    freeing the core for the next head.
 * 3. output: w_t = att_t * vs_t (ew_mul; 1.0 for fp32) prefetched into a
 *    weight FIFO; the value slots are unpacked VALUE_WAYS chunks at a time
 *    (a group), each group times w_t through 16 x VALUE_WAYS ew_mul lanes
 *    into a product FIFO, then added to the group's partial sum t mod 8
 *    (+0 for t < 8) in 16 x VALUE_WAYS fp32_sum_add lanes (the product
 *    rounded first, as the numerics' ew_mac). A partial is busy until its
 *    sum is back from the 8-cycle adder (taken straight from the adder's
 *    output in the cycle it arrives), so position t + 8 may follow t by 8
 *    cycles and a group is issued every cycle: the 8 partials are what let
 *    the loop be pipelined (an fp32 add in one cycle is 24 LUT levels).
 *    After the last position the same adders add the partials by a tree
 *    (3 levels, 7 adds a group, each as soon as its two partials are back);
 *    the last level's sums are the head's output, a group at a time into
 *    the output FIFO, a beat (chunk) at a time out of it. The next head's
 *    positions wait for the tree's last add (they reuse the partials).
 *
 * The XLS blocks cannot stall: every FIFO behind one is credit based (a slot
 * is reserved before an operation is issued), sized by parameters; a wrong
 * size costs throughput, never data.
 */

`default_nettype none

module attention_core #(
    // Largest number of query heads in a run (sizes q on chip, 1..256)
    parameter int MAX_HEADS         = 32,
    // Largest head_size, values (a multiple of 16, 16..1024); sizes q and the accumulators
    parameter int MAX_HEAD_SIZE     = 128,
    // Largest pos + 1, positions (1..65536); sizes softmax_core, the probability and scale buffers
    parameter int MAX_SEQ_LEN       = 2048,
    // Score pipes taking key slots in turn (1..4), a chunk per cycle each: 4 score a 64-value int8
    // slot (a beat, four chunks) per cycle, the key stream's full rate
    parameter int SCORE_PIPES       = 4,
    // Accumulators of each pipe's sum16_accumulate taking slots in turn (1..16): one adds a chunk
    // sum per fp32_sum_add latency + 1 cycles, so that many keep a pipe at a chunk per cycle
    parameter int SCORE_ACC_UNITS   = hls_latency_pkg::FP32_SUM_ADD_LATENCY + 1,
    // Value chunks per cycle (1, 2 or 4), 16 multiplies and adds each: 4 take a 64-value head's
    // position (a beat of int8 values) per cycle, the 8 partial sums keeping the adders busy
    parameter int VALUE_WAYS        = 4,
    // Chunk FIFOs behind the int8 converters, chunks (power of two >= 2; >= latency + 2 for full rate)
    parameter int CHUNK_FIFO_DEPTH  = 16,
    // Score and weight FIFOs behind the ew_mul blocks, values (power of two >= 2; >= latency + 2)
    parameter int SCALAR_FIFO_DEPTH = 32,
    // Output FIFO, value groups (VALUE_WAYS beats each; power of two >= 2)
    parameter int OUT_FIFO_DEPTH    = 16,
    // Derived widths (not to be set): chunks per head 0..MAX_HEAD_SIZE/16, positions 0..MAX_SEQ_LEN
    parameter int C_WIDTH           = $clog2(MAX_HEAD_SIZE / 16 + 1),
    parameter int T_WIDTH           = $clog2(MAX_SEQ_LEN + 1)
) (
    input  wire                 clk,
    input  wire                 rst,  // active-high, synchronous

    /*
     * Run configuration (held from start to the run's last result)
     */
    input  wire                 start,        // one-cycle pulse before a run's first beat
    input  wire                 int8,         // 1: int8 slots and scale streams, 0: fp32 slots
    input  wire  [C_WIDTH-1:0]  head_chunks,  // head_size / 16, 1..MAX_HEAD_SIZE/16
    input  wire  [T_WIDTH-1:0]  pos,          // last position attended, 0..MAX_SEQ_LEN-1
    input  wire  [31:0]         inv_sqrt_hs,  // fp32 bits of 1/sqrt(head_size) (hwmodel.inv_sqrt)

    /*
     * Input streams (slaves)
     */
    input  wire  [511:0]        s_q_tdata,
    input  wire                 s_q_tvalid,
    output wire                 s_q_tready,   // always high
    input  wire  [511:0]        s_k_tdata,
    input  wire                 s_k_tvalid,
    output wire                 s_k_tready,
    input  wire  [511:0]        s_ks_tdata,
    input  wire                 s_ks_tvalid,
    output wire                 s_ks_tready,
    input  wire  [511:0]        s_v_tdata,
    input  wire                 s_v_tvalid,
    output wire                 s_v_tready,
    input  wire  [511:0]        s_vs_tdata,
    input  wire                 s_vs_tvalid,
    output wire                 s_vs_tready,

    /*
     * Results (master): per head, head_chunks beats
     */
    output wire  [511:0]        m_out_tdata,
    output wire                 m_out_tvalid,
    input  wire                 m_out_tready
);

localparam int LANES         = 16;                               // fp32 per beat
localparam int HS_CHUNKS     = MAX_HEAD_SIZE / LANES;            // chunks of 16 values per head
localparam int GROUPS        = (HS_CHUNKS + VALUE_WAYS - 1) / VALUE_WAYS;  // value groups per head
localparam int GI_WIDTH      = GROUPS > 1 ? $clog2(GROUPS) : 1;   // group index
localparam int VW_BITS       = VALUE_WAYS > 1 ? $clog2(VALUE_WAYS) : 1;  // chunk of a group
localparam int VBITS         = 512 * VALUE_WAYS;                  // a value group
// Product FIFO, groups: >= ew_mul latency + 2 (a group per cycle), a power of two
localparam int PROD_DEPTH    = 1 << $clog2(hls_latency_pkg::EW_MUL_LATENCY + 2);
localparam int PC_WIDTH      = $clog2(PROD_DEPTH + 1);
localparam int ROW_BEATS     = (MAX_SEQ_LEN + LANES - 1) / LANES;  // beats of one head's scales / probabilities
localparam int ROW_DEPTH     = ROW_BEATS < 2 ? 2 : 1 << $clog2(ROW_BEATS);
localparam int ROW_WIDTH     = $clog2(ROW_DEPTH);
localparam int Q_BEATS       = MAX_HEADS * HS_CHUNKS;            // q on chip
localparam int Q_WIDTH       = Q_BEATS > 1 ? $clog2(Q_BEATS) : 1;
// The value sum's partials (hwmodel.VALUE_PARTIALS, the numerics contract): entry
// partial * GROUP_STRIDE + group of the accumulator memory, GROUP_STRIDE the power of two at or
// above GROUPS so that an entry is wiring, not a multiply (3 groups, head_size 48 at one value
// way: the times-3 adder put the tree's issue at 9 LUT levels). The adder loop takes its latency
// in cycles (<= VALUE_PARTIALS for a group per cycle at one group a head).
localparam int VALUE_PARTIALS = 8;
localparam int PART_BITS     = $clog2(VALUE_PARTIALS);           // partial index
localparam int TREE_LEVELS   = PART_BITS;                        // levels of the partials' tree
localparam int GROUP_STRIDE  = 1 << $clog2(GROUPS);
localparam int ACC_ENTRIES   = VALUE_PARTIALS * GROUP_STRIDE;
localparam int AI_WIDTH      = $clog2(ACC_ENTRIES);
localparam int ACC_LATENCY   = hls_latency_pkg::FP32_SUM_ADD_LATENCY;
localparam int SB_DEPTH      = 1 << $clog2(ACC_LATENCY + 1);     // adds in flight, at most the latency
localparam int SB_WIDTH      = $clog2(SB_DEPTH);
localparam int SC_CNT_WIDTH  = $clog2(SCALAR_FIFO_DEPTH + 1);
localparam int OUT_CNT_WIDTH = $clog2(OUT_FIFO_DEPTH + 1);
localparam int P_WIDTH       = SCORE_PIPES > 1 ? $clog2(SCORE_PIPES) : 1;  // score pipe index

localparam logic [31:0] F32_ONE     = 32'h3F80_0000;
localparam logic [31:0] F32_NEG_INF = 32'hFF80_0000;

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_HEADS < 1 || MAX_HEADS > 256) begin : g_check_max_heads
    $error("attention_core: MAX_HEADS must be in 1..256");
end
if (MAX_HEAD_SIZE < 16 || MAX_HEAD_SIZE > 1024 || MAX_HEAD_SIZE % 16 != 0) begin : g_check_max_head_size
    $error("attention_core: MAX_HEAD_SIZE must be a multiple of 16 in 16..1024");
end
if (MAX_SEQ_LEN < 1 || MAX_SEQ_LEN > 65536) begin : g_check_max_seq_len
    $error("attention_core: MAX_SEQ_LEN must be in 1..65536");
end
if (SCORE_PIPES < 1 || SCORE_PIPES > 4) begin : g_check_score_pipes
    $error("attention_core: SCORE_PIPES must be in 1..4");
end
if (SCORE_ACC_UNITS < 1 || SCORE_ACC_UNITS > 16) begin : g_check_score_acc_units
    $error("attention_core: SCORE_ACC_UNITS must be in 1..16");
end
if (VALUE_WAYS != 1 && VALUE_WAYS != 2 && VALUE_WAYS != 4) begin : g_check_value_ways
    $error("attention_core: VALUE_WAYS must be 1, 2 or 4");
end
if (TREE_LEVELS > 3) begin : g_check_tree_levels
    $error("attention_core: cb_level holds at most 3 tree levels (VALUE_PARTIALS <= 8)");
end
if (C_WIDTH != $clog2(MAX_HEAD_SIZE / 16 + 1) || T_WIDTH != $clog2(MAX_SEQ_LEN + 1)) begin : g_check_widths
    $error("attention_core: C_WIDTH and T_WIDTH are derived, leave them at their defaults");
end

// On-chip q (written in arrival order) and the probability double buffer.
logic [511:0]           q_mem [0:Q_BEATS-1];
logic [Q_WIDTH:0]       q_count_reg, q_count_next;         // q beats written this run
logic [511:0]           att_mem [0:2*ROW_DEPTH-1];

// Stage 1 key slots dealt to the score pipes: beat of the slot, pipe taking it.
logic [C_WIDTH-1:0]     kd_beat_reg, kd_beat_next;
logic [P_WIDTH-1:0]     kd_pipe_reg, kd_pipe_next;
logic [C_WIDTH-1:0]     kd_slot_beats;                     // beats per key slot
logic                   kd_fire;

// Stage 1 scores: dot * scale * inv_sqrt_hs, credits for the score FIFO, packer.
logic [SC_CNT_WIDTH-1:0] sc_credits_reg, sc_credits_next;
logic                   sc_credit_reg, sc_credit_next;
logic [T_WIDTH-1:0]     sc_t_reg, sc_t_next;
logic [P_WIDTH-1:0]     sc_pipe_reg, sc_pipe_next;         // score pipe of the next dot product
logic                   sc_issue, sc_ok;
logic [31:0]            sc_scale;
logic                   pk_valid_reg, pk_valid_next;
logic [511:0]           pk_data_reg, pk_data_next;
logic [T_WIDTH-1:0]     pk_t_reg, pk_t_next;
logic                   pk_take;

// Stage 2 -> 3: probability double buffer.
logic                   aw_half_reg, aw_half_next;         // half the next softmax output goes to
logic [ROW_WIDTH-1:0]   aw_beat_reg, aw_beat_next;
logic [1:0]             att_full_reg, att_full_next;       // per half: a head's probabilities, unread
logic                   aw_en;

// Stage 3 weights: w_t = att_t * vs_t, prefetched into the weight FIFO.
logic [SC_CNT_WIDTH-1:0] w_credits_reg, w_credits_next;
logic                   w_credit_reg, w_credit_next;
logic [T_WIDTH-1:0]     w_t_reg, w_t_next;
logic                   w_half_reg, w_half_next;           // half being read
logic                   w_issue;
logic                   wb_valid_reg, wb_valid_next;       // att_mem read done, into ew_mul
logic [3:0]             wb_lane_reg, wb_lane_next;
logic [31:0]            wb_scale_reg, wb_scale_next;
logic                   wb_last_reg, wb_last_next;
logic                   wb_half_reg, wb_half_next;
logic [511:0]           att_rd_reg;

// Stage 3 products: w_t times a value group, credits for the product FIFO.
logic [PC_WIDTH-1:0]    p_credits_reg, p_credits_next;
logic                   p_credit_reg, p_credit_next;
logic                   p_issue;

// Stage 3 values: the partial sums (entry {partial, group}), busy flags, the partials' tree,
// adder operands and side band.
logic [VBITS-1:0]       acc_mem [0:ACC_ENTRIES-1];
logic [ACC_ENTRIES-1:0] pending_reg, pending_next;         // per entry: an add to it in flight
logic [GI_WIDTH-1:0]    v_group_reg, v_group_next;
logic [T_WIDTH-1:0]     v_t_reg, v_t_next;
logic [C_WIDTH-1:0]     head_groups;                       // ceil(head_chunks / VALUE_WAYS)
logic [OUT_CNT_WIDTH-1:0] out_credits_reg, out_credits_next;
logic                   out_credit_reg, out_credit_next;
logic                   v_issue, v_last_pos, v_last_group, v_bypass, v_fresh;
logic [T_WIDTH+PART_BITS-1:0] v_t_ext, pos_ext;
logic [AI_WIDTH-1:0]    v_entry;
logic                   cb_active_reg, cb_active_next;     // adding the head's partials
logic [1:0]             cb_level_reg, cb_level_next;       // tree level, 0..TREE_LEVELS-1
logic [PART_BITS-2:0]   cb_pair_reg, cb_pair_next;         // pair of the level
logic [GI_WIDTH-1:0]    cb_group_reg, cb_group_next;
logic [PART_BITS-1:0]   cb_a, cb_b;                        // the pair's partials, sum into a
logic [AI_WIDTH-1:0]    cb_a_entry, cb_b_entry;
logic                   cb_issue, cb_final, cb_zero_a, cb_zero_b, cb_last_pair, cb_last_group;
logic                   add_issue;
logic [AI_WIDTH-1:0]    add_entry_in;                      // entry of the add issued
logic [VBITS-1:0]       add_x, add_y, acc_rd_a, acc_rd_b;
logic [AI_WIDTH:0]      sb_mem [0:SB_DEPTH-1];             // {head result, entry} per add
logic [SB_WIDTH:0]      sb_wr_reg, sb_wr_next;
logic [SB_WIDTH:0]      sb_rd_reg, sb_rd_next;
logic [AI_WIDTH-1:0]    add_entry;                         // entry of the add returning
logic                   add_last;

// Stage 3 output: group and chunk of it on m_out.
logic [GI_WIDTH-1:0]    ow_group_reg, ow_group_next;
logic [VW_BITS-1:0]     ow_way_reg, ow_way_next;
logic [C_WIDTH+2:0]     ow_chunks;                         // chunks in the group on m_out
logic                   ow_last, ow_pop;

// Blocks and FIFOs.
wire [511:0]            ks_data, vs_data;
wire                    ks_valid, vs_valid;
logic                   ks_pop, vs_pop;

wire [VBITS-1:0]        vun_data;
wire                    vun_valid, vun_last;

wire [SCORE_PIPES-1:0]  pipe_k_ready, pipe_dot_valid;
wire [31:0]             pipe_dot [0:SCORE_PIPES-1];
wire [Q_WIDTH-1:0]      pipe_q_addr [0:SCORE_PIPES-1];
logic                   sum_out_valid;
logic [31:0]            sum_out;

wire                    mul1_valid, mul2_valid, mul3_valid;
wire [31:0]             mul1_out, mul2_out, mul3_out;
wire                    score_s_ready, w_s_ready;
wire [31:0]             score_data, w_data;
wire                    score_valid, w_valid;
logic                   w_pop;

wire                    sm_in_ready;
wire [511:0]            sm_out_data;
wire                    sm_out_valid, sm_out_last, sm_idle;
logic                   sm_out_ready;

wire [LANES*VALUE_WAYS-1:0] prod_lane_valid, add_valid;
wire [VBITS-1:0]        prod_out, prod_data, add_out, out_data;
wire                    prod_valid, prod_s_ready, out_s_ready, out_valid;

// The credit-based FIFOs' s_ready, softmax_core's idle and the lanes other than lane 0 (all
// run in lockstep) say nothing new.
wire unused = &{1'b0, score_s_ready, w_s_ready, prod_s_ready, out_s_ready, sm_idle,
                prod_lane_valid[LANES*VALUE_WAYS-1:1], add_valid[LANES*VALUE_WAYS-1:1]};

assign s_q_tready = 1'b1;

/*
 * Stage 1: scores
 */
always_comb begin
    q_count_next    = q_count_reg + (Q_WIDTH + 1)'(s_q_tvalid);
    kd_beat_next    = kd_beat_reg;
    kd_pipe_next    = kd_pipe_reg;
    sc_credits_next = sc_credits_reg;
    sc_t_next       = sc_t_reg;
    sc_pipe_next    = sc_pipe_reg;
    pk_valid_next   = pk_valid_reg;
    pk_data_next    = pk_data_reg;
    pk_t_next       = pk_t_reg;

    pk_take = score_valid && (!pk_valid_reg || sm_in_ready);

    // Key slots to the pipes in turn, whole slots (an int8 slot is ceil(head_size / 64) beats,
    // an fp32 one head_chunks); the dot products come back in the same turn.
    kd_slot_beats = int8 ? C_WIDTH'(((C_WIDTH + 2)'(head_chunks) + (C_WIDTH + 2)'(3)) >> 2) : head_chunks;
    kd_fire       = s_k_tvalid && pipe_k_ready[kd_pipe_reg];
    if (kd_fire) begin
        if (kd_beat_reg == kd_slot_beats - 1'b1) begin
            kd_beat_next = '0;
            kd_pipe_next = kd_pipe_reg == P_WIDTH'(SCORE_PIPES - 1) ? '0 : kd_pipe_reg + 1'b1;
        end else begin
            kd_beat_next = kd_beat_reg + 1'b1;
        end
    end
    sum_out_valid = pipe_dot_valid[sc_pipe_reg];
    sum_out       = pipe_dot[sc_pipe_reg];

    // Dot products into ew_mul (scale) and ew_mul (inv_sqrt_hs) with a score FIFO slot reserved.
    // fp32 KV multiplies by 1.0: exact for every fp32 result (no subnormal, canonical NaN).
    sc_ok    = sc_credit_reg && (!int8 || ks_valid);
    sc_issue = sum_out_valid && sc_ok;
    sc_scale = int8 ? ks_data[32 * sc_t_reg[3:0] +: 32] : F32_ONE;
    ks_pop   = sc_issue && int8 && (sc_t_reg[3:0] == 4'd15 || sc_t_reg == pos);
    if (sc_issue) begin
        sc_credits_next = sc_credits_next - 1'b1;
        sc_t_next       = sc_t_reg == pos ? '0 : sc_t_reg + 1'b1;
        sc_pipe_next    = sc_pipe_reg == P_WIDTH'(SCORE_PIPES - 1) ? '0 : sc_pipe_reg + 1'b1;
    end
    if (pk_take) begin
        sc_credits_next = sc_credits_next + 1'b1;
    end
    sc_credit_next = sc_credits_next != '0;

    // Packer: score t into lane t % 16; a beat goes to softmax_core when full or at t = pos.
    // Lanes past pos hold -inf: neutral for the maximum and exp(-inf) = 0 whatever the
    // core does with them.
    if (pk_valid_reg && sm_in_ready) begin
        pk_valid_next = 1'b0;
    end
    if (pk_take) begin
        if (pk_t_reg[3:0] == 4'd0) begin
            pk_data_next = {LANES{F32_NEG_INF}};
        end
        pk_data_next[32 * pk_t_reg[3:0] +: 32] = score_data;
        if (pk_t_reg[3:0] == 4'd15 || pk_t_reg == pos) begin
            pk_valid_next = 1'b1;
        end
        pk_t_next = pk_t_reg == pos ? '0 : pk_t_reg + 1'b1;
    end

    if (start) begin
        q_count_next = '0;
        kd_beat_next = '0;
        kd_pipe_next = '0;
        sc_pipe_next = '0;
        sc_t_next    = '0;
        pk_t_next    = '0;
    end
end

/*
 * Stages 2 and 3: probabilities, weights, values
 */
always_comb begin
    aw_half_next     = aw_half_reg;
    aw_beat_next     = aw_beat_reg;
    att_full_next    = att_full_reg;
    w_credits_next   = w_credits_reg;
    w_t_next         = w_t_reg;
    w_half_next      = w_half_reg;
    wb_valid_next    = 1'b0;
    wb_lane_next     = wb_lane_reg;
    wb_scale_next    = wb_scale_reg;
    wb_last_next     = wb_last_reg;
    wb_half_next     = wb_half_reg;
    p_credits_next   = p_credits_reg;
    pending_next     = pending_reg;
    v_group_next     = v_group_reg;
    v_t_next         = v_t_reg;
    out_credits_next = out_credits_reg;
    sb_wr_next       = sb_wr_reg;
    sb_rd_next       = sb_rd_reg;
    cb_active_next   = cb_active_reg;
    cb_level_next    = cb_level_reg;
    cb_pair_next     = cb_pair_reg;
    cb_group_next    = cb_group_reg;
    ow_group_next    = ow_group_reg;
    ow_way_next      = ow_way_reg;

    // Products: a value group times w_t, a product FIFO slot reserved; w_t leaves with the
    // slot's last group.
    p_issue = vun_valid && w_valid && p_credit_reg;
    w_pop   = p_issue && vun_last;

    // Values: group g of position t adds into partial t mod VALUE_PARTIALS, which waits until
    // the partial's previous add (position t - VALUE_PARTIALS) is back from the adder (pending),
    // taking it straight from the adder's output in the cycle it arrives (bypass, so the loop is
    // the adder latency); positions below VALUE_PARTIALS start their partial from +0.0.
    head_groups  = C_WIDTH'(((C_WIDTH + 2)'(head_chunks) + (C_WIDTH + 2)'(VALUE_WAYS - 1)) >> $clog2(VALUE_WAYS));
    {add_last, add_entry} = sb_mem[sb_rd_reg[SB_WIDTH-1:0]];
    v_t_ext      = (T_WIDTH + PART_BITS)'(v_t_reg);
    pos_ext      = (T_WIDTH + PART_BITS)'(pos);
    v_entry      = AI_WIDTH'(v_t_ext[PART_BITS-1:0]) * AI_WIDTH'(GROUP_STRIDE) + AI_WIDTH'(v_group_reg);
    v_fresh      = v_t_ext < (T_WIDTH + PART_BITS)'(VALUE_PARTIALS);
    v_bypass     = add_valid[0] && !add_last && add_entry == v_entry;
    v_last_pos   = v_t_reg == pos;
    v_last_group = (C_WIDTH + 1)'(v_group_reg) == (C_WIDTH + 1)'(head_groups) - 1'b1;
    v_issue      = !cb_active_reg && prod_valid && (!pending_reg[v_entry] || v_bypass);

    // The partials' tree, after the head's last position: level l adds partial b = a + 2^l into
    // a = 2^(l+1) i, pair i in order and each pair's groups in order, as soon as both are back
    // (no bypass: an add per partial pair). At level 0 a partial that no position reached
    // (a > pos) is +0.0; the last level's sums are the head's result and need an output FIFO
    // slot.
    cb_a          = PART_BITS'(cb_pair_reg) << (cb_level_reg + 2'd1);
    cb_b          = cb_a | (PART_BITS'(1) << cb_level_reg);
    cb_a_entry    = AI_WIDTH'(cb_a) * AI_WIDTH'(GROUP_STRIDE) + AI_WIDTH'(cb_group_reg);
    cb_b_entry    = AI_WIDTH'(cb_b) * AI_WIDTH'(GROUP_STRIDE) + AI_WIDTH'(cb_group_reg);
    cb_final      = cb_level_reg == 2'(TREE_LEVELS - 1);
    cb_zero_a     = cb_level_reg == 2'd0 && (T_WIDTH + PART_BITS)'(cb_a) > pos_ext;
    cb_zero_b     = cb_level_reg == 2'd0 && (T_WIDTH + PART_BITS)'(cb_b) > pos_ext;
    cb_last_group = (C_WIDTH + 1)'(cb_group_reg) == (C_WIDTH + 1)'(head_groups) - 1'b1;
    cb_last_pair  = (PART_BITS + 1)'(cb_pair_reg) == (PART_BITS + 1)'((VALUE_PARTIALS >> (cb_level_reg + 2'd1)) - 1);
    cb_issue      = cb_active_reg && !pending_reg[cb_a_entry] && !pending_reg[cb_b_entry]
                    && (!cb_final || out_credit_reg);

    // One adder per lane for both: the positions (x the partial, y the product) and the tree
    // (x and y two partials).
    add_issue    = v_issue || cb_issue;
    add_entry_in = cb_active_reg ? cb_a_entry : v_entry;
    acc_rd_a     = acc_mem[add_entry_in];
    acc_rd_b     = acc_mem[cb_b_entry];
    if (cb_active_reg) begin
        add_x = cb_zero_a ? '0 : acc_rd_a;
        add_y = cb_zero_b ? '0 : acc_rd_b;
    end else begin
        add_x = v_fresh ? '0 : v_bypass ? add_out : acc_rd_a;
        add_y = prod_data;
    end

    // softmax_core output -> the free half of the probability buffer.
    sm_out_ready = !att_full_reg[aw_half_reg];
    aw_en        = sm_out_valid && sm_out_ready;
    if (aw_en) begin
        aw_beat_next = aw_beat_reg + 1'b1;
        if (sm_out_last) begin
            att_full_next[aw_half_reg] = 1'b1;
            aw_half_next = !aw_half_reg;
            aw_beat_next = '0;
        end
    end

    // Weights: att_t (a buffer read) times vs_t into ew_mul, a weight FIFO slot reserved.
    // fp32 KV multiplies by 1.0, exact for softmax_core's results.
    w_issue = att_full_reg[w_half_reg] && w_credit_reg && (!int8 || vs_valid);
    vs_pop  = w_issue && int8 && (w_t_reg[3:0] == 4'd15 || w_t_reg == pos);
    if (w_issue) begin
        w_credits_next = w_credits_next - 1'b1;
        wb_valid_next  = 1'b1;
        wb_lane_next   = w_t_reg[3:0];
        wb_scale_next  = int8 ? vs_data[32 * w_t_reg[3:0] +: 32] : F32_ONE;
        wb_last_next   = w_t_reg == pos;
        wb_half_next   = w_half_reg;
        if (w_t_reg == pos) begin
            w_t_next    = '0;
            w_half_next = !w_half_reg;
        end else begin
            w_t_next = w_t_reg + 1'b1;
        end
    end
    // The half is free once its last probability has been read (the cycle after the issue,
    // so the writer never writes the word being read).
    if (wb_valid_reg && wb_last_reg) begin
        att_full_next[wb_half_reg] = 1'b0;
    end
    if (w_pop) begin
        w_credits_next = w_credits_next + 1'b1;
    end
    w_credit_next = w_credits_next != '0;

    if (p_issue) begin
        p_credits_next = p_credits_next - 1'b1;
    end
    if (v_issue) begin
        p_credits_next = p_credits_next + 1'b1;
    end
    p_credit_next = p_credits_next != '0;

    // A returning add frees its entry (a head result goes to the output FIFO instead); an
    // add issued to the same entry in that cycle keeps it busy.
    if (add_valid[0]) begin
        if (!add_last) begin
            pending_next[add_entry] = 1'b0;
        end
        sb_rd_next = sb_rd_reg + 1'b1;
    end
    if (add_issue) begin
        if (!(cb_issue && cb_final)) begin
            pending_next[add_entry_in] = 1'b1;
        end
        sb_wr_next = sb_wr_reg + 1'b1;
    end
    if (v_issue) begin
        if (v_last_group) begin
            v_group_next = '0;
            v_t_next     = v_last_pos ? '0 : v_t_reg + 1'b1;
            if (v_last_pos) begin
                cb_active_next = 1'b1;
            end
        end else begin
            v_group_next = v_group_reg + 1'b1;
        end
    end
    if (cb_issue) begin
        if (cb_final) begin
            out_credits_next = out_credits_next - 1'b1;
        end
        if (cb_last_group) begin
            cb_group_next = '0;
            if (cb_last_pair) begin
                cb_pair_next = '0;
                if (cb_final) begin
                    cb_level_next  = '0;
                    cb_active_next = 1'b0;
                end else begin
                    cb_level_next = cb_level_reg + 1'b1;
                end
            end else begin
                cb_pair_next = cb_pair_reg + 1'b1;
            end
        end else begin
            cb_group_next = cb_group_reg + 1'b1;
        end
    end

    // Output: a group's chunks one beat each (the head's last group may be partial); the group
    // leaves the FIFO with its last chunk.
    ow_chunks = (C_WIDTH + 3)'(head_chunks) - ((C_WIDTH + 3)'(ow_group_reg) << $clog2(VALUE_WAYS));
    if (ow_chunks > (C_WIDTH + 3)'(VALUE_WAYS)) begin
        ow_chunks = (C_WIDTH + 3)'(VALUE_WAYS);
    end
    ow_last = (C_WIDTH + 3)'(ow_way_reg) == ow_chunks - 1'b1;
    ow_pop  = out_valid && m_out_tready && ow_last;
    if (out_valid && m_out_tready) begin
        ow_way_next = ow_last ? '0 : ow_way_reg + 1'b1;
    end
    if (ow_pop) begin
        out_credits_next = out_credits_next + 1'b1;
        ow_group_next    = (C_WIDTH + 1)'(ow_group_reg) == (C_WIDTH + 1)'(head_groups) - 1'b1 ? '0 : ow_group_reg + 1'b1;
    end
    out_credit_next = out_credits_next != '0;

    if (start) begin
        v_group_next = '0;
        v_t_next     = '0;
        w_t_next     = '0;
    end
end

always_ff @(posedge clk) begin
    q_count_reg      <= q_count_next;
    kd_beat_reg      <= kd_beat_next;
    kd_pipe_reg      <= kd_pipe_next;
    sc_credits_reg   <= sc_credits_next;
    sc_credit_reg    <= sc_credit_next;
    sc_t_reg         <= sc_t_next;
    sc_pipe_reg      <= sc_pipe_next;
    pk_valid_reg     <= pk_valid_next;
    pk_data_reg      <= pk_data_next;
    pk_t_reg         <= pk_t_next;

    aw_half_reg      <= aw_half_next;
    aw_beat_reg      <= aw_beat_next;
    att_full_reg     <= att_full_next;
    w_credits_reg    <= w_credits_next;
    w_credit_reg     <= w_credit_next;
    w_t_reg          <= w_t_next;
    w_half_reg       <= w_half_next;
    wb_valid_reg     <= wb_valid_next;
    wb_lane_reg      <= wb_lane_next;
    wb_scale_reg     <= wb_scale_next;
    wb_last_reg      <= wb_last_next;
    wb_half_reg      <= wb_half_next;
    p_credits_reg    <= p_credits_next;
    p_credit_reg     <= p_credit_next;
    pending_reg      <= pending_next;
    v_group_reg      <= v_group_next;
    v_t_reg          <= v_t_next;
    out_credits_reg  <= out_credits_next;
    out_credit_reg   <= out_credit_next;
    sb_wr_reg        <= sb_wr_next;
    sb_rd_reg        <= sb_rd_next;
    cb_active_reg    <= cb_active_next;
    cb_level_reg     <= cb_level_next;
    cb_pair_reg      <= cb_pair_next;
    cb_group_reg     <= cb_group_next;
    ow_group_reg     <= ow_group_next;
    ow_way_reg       <= ow_way_next;

    if (rst) begin
        q_count_reg     <= '0;
        kd_beat_reg     <= '0;
        kd_pipe_reg     <= '0;
        sc_credits_reg  <= SC_CNT_WIDTH'(SCALAR_FIFO_DEPTH);
        sc_credit_reg   <= 1'b1;
        sc_t_reg        <= '0;
        sc_pipe_reg     <= '0;
        pk_valid_reg    <= 1'b0;
        pk_t_reg        <= '0;
        aw_half_reg     <= 1'b0;
        aw_beat_reg     <= '0;
        att_full_reg    <= 2'b00;
        w_credits_reg   <= SC_CNT_WIDTH'(SCALAR_FIFO_DEPTH);
        w_credit_reg    <= 1'b1;
        w_t_reg         <= '0;
        w_half_reg      <= 1'b0;
        wb_valid_reg    <= 1'b0;
        p_credits_reg   <= PC_WIDTH'(PROD_DEPTH);
        p_credit_reg    <= 1'b1;
        pending_reg     <= '0;
        v_group_reg     <= '0;
        v_t_reg         <= '0;
        out_credits_reg <= OUT_CNT_WIDTH'(OUT_FIFO_DEPTH);
        out_credit_reg  <= 1'b1;
        sb_wr_reg       <= '0;
        sb_rd_reg       <= '0;
        cb_active_reg   <= 1'b0;
        cb_level_reg    <= '0;
        cb_pair_reg     <= '0;
        cb_group_reg    <= '0;
        ow_group_reg    <= '0;
        ow_way_reg      <= '0;
    end
end

// Storage without reset (block or distributed RAM): q, the probability buffer, the
// adder side band and the accumulators.
always_ff @(posedge clk) begin
    if (s_q_tvalid) begin
        q_mem[q_count_reg[Q_WIDTH-1:0]] <= s_q_tdata;
    end
    if (aw_en) begin
        att_mem[{aw_half_reg, aw_beat_reg}] <= sm_out_data;
    end
    if (w_issue) begin
        att_rd_reg <= att_mem[{w_half_reg, ROW_WIDTH'(w_t_reg >> 4)}];
    end
    if (add_issue) begin
        sb_mem[sb_wr_reg[SB_WIDTH-1:0]] <= {cb_issue && cb_final, add_entry_in};
    end
    if (add_valid[0] && !add_last) begin
        acc_mem[add_entry] <= add_out;
    end
end

/*
 * Scale rows (int8): a head's whole row may arrive before its slots, so each FIFO holds a row
 */
attention_fifo #(
    .WIDTH(512),
    .DEPTH(ROW_DEPTH)
) ks_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data(s_ks_tdata),
    .s_valid(s_ks_tvalid),
    .s_ready(s_ks_tready),
    .m_data(ks_data),
    .m_valid(ks_valid),
    .m_ready(ks_pop)
);

attention_fifo #(
    .WIDTH(512),
    .DEPTH(ROW_DEPTH)
) vs_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data(s_vs_tdata),
    .s_valid(s_vs_tvalid),
    .s_ready(s_vs_tready),
    .m_data(vs_data),
    .m_valid(vs_valid),
    .m_ready(vs_pop)
);

/*
 * Value slots -> groups of VALUE_WAYS fp32 chunks
 */
attention_kv_unpack #(
    .MAX_SLOT_CHUNKS(HS_CHUNKS),
    .WAYS(VALUE_WAYS),
    .FIFO_DEPTH(CHUNK_FIFO_DEPTH)
) v_unpack_inst (
    .clk(clk),
    .rst(rst),
    .int8(int8),
    .slot_chunks(head_chunks),
    .s_axis_tdata(s_v_tdata),
    .s_axis_tvalid(s_v_tvalid),
    .s_axis_tready(s_v_tready),
    .m_axis_tdata(vun_data),
    .m_axis_tlast(vun_last),
    .m_axis_tvalid(vun_valid),
    .m_axis_tready(p_issue)
);

/*
 * Stage 1 datapath: score pipes (sum16 of q * k per slot), scale, inv_sqrt_hs, score FIFO
 */
assign s_k_tready = pipe_k_ready[kd_pipe_reg];

for (genvar p = 0; p < SCORE_PIPES; p++) begin : g_score_pipe
    attention_score_pipe #(
        .PIPE(p),
        .PIPES(SCORE_PIPES),
        .ACC_UNITS(SCORE_ACC_UNITS),
        .MAX_SLOT_CHUNKS(HS_CHUNKS),
        .CHUNK_FIFO_DEPTH(CHUNK_FIFO_DEPTH),
        .C_WIDTH(C_WIDTH),
        .T_WIDTH(T_WIDTH),
        .Q_WIDTH(Q_WIDTH)
    ) score_pipe_inst (
        .clk(clk),
        .rst(rst),
        .start(start),
        .int8(int8),
        .head_chunks(head_chunks),
        .pos(pos),
        .s_k_tdata(s_k_tdata),
        .s_k_tvalid(s_k_tvalid && kd_pipe_reg == P_WIDTH'(p)),
        .s_k_tready(pipe_k_ready[p]),
        .q_addr(pipe_q_addr[p]),
        .q_data(q_mem[pipe_q_addr[p]]),
        .q_count(q_count_reg),
        .m_dot(pipe_dot[p]),
        .m_dot_valid(pipe_dot_valid[p]),
        .m_dot_ready(sc_ok && sc_pipe_reg == P_WIDTH'(p))
    );
end

ew_mul score_scale_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(sc_issue),
    .x(sum_out),
    .y(sc_scale),
    .out_valid(mul1_valid),
    .out(mul1_out)
);

ew_mul score_inv_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(mul1_valid),
    .x(mul1_out),
    .y(inv_sqrt_hs),
    .out_valid(mul2_valid),
    .out(mul2_out)
);

attention_fifo #(
    .WIDTH(32),
    .DEPTH(SCALAR_FIFO_DEPTH)
) score_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data(mul2_out),
    .s_valid(mul2_valid),
    .s_ready(score_s_ready),
    .m_data(score_data),
    .m_valid(score_valid),
    .m_ready(pk_take)
);

/*
 * Stage 2: softmax over positions 0..pos
 */
softmax_core #(
    .MAX_N(ROW_BEATS * LANES)
) softmax_core_inst (
    .clk(clk),
    .rst(rst),
    .n(32'(pos) + 32'd1),
    .in_data(pk_data_reg),
    .in_valid(pk_valid_reg),
    .in_ready(sm_in_ready),
    .out_data(sm_out_data),
    .out_valid(sm_out_valid),
    .out_ready(sm_out_ready),
    .out_last(sm_out_last),
    .idle(sm_idle)
);

/*
 * Stage 3 datapath: weights (ew_mul, weight FIFO), products (ew_mul lanes, product FIFO),
 * accumulators (fp32_sum_add lanes), output FIFO
 */
ew_mul weight_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(wb_valid_reg),
    .x(att_rd_reg[32 * wb_lane_reg +: 32]),
    .y(wb_scale_reg),
    .out_valid(mul3_valid),
    .out(mul3_out)
);

attention_fifo #(
    .WIDTH(32),
    .DEPTH(SCALAR_FIFO_DEPTH)
) w_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data(mul3_out),
    .s_valid(mul3_valid),
    .s_ready(w_s_ready),
    .m_data(w_data),
    .m_valid(w_valid),
    .m_ready(w_pop)
);

for (genvar k = 0; k < LANES * VALUE_WAYS; k++) begin : g_value
    ew_mul value_mul_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(p_issue),
        .x(w_data),
        .y(vun_data[32 * k +: 32]),
        .out_valid(prod_lane_valid[k]),
        .out(prod_out[32 * k +: 32])
    );

    fp32_sum_add acc_add_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(add_issue),
        .x(add_x[32 * k +: 32]),
        .y(add_y[32 * k +: 32]),
        .out_valid(add_valid[k]),
        .out(add_out[32 * k +: 32])
    );
end

attention_fifo #(
    .WIDTH(VBITS),
    .DEPTH(PROD_DEPTH)
) prod_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data(prod_out),
    .s_valid(prod_lane_valid[0]),
    .s_ready(prod_s_ready),
    .m_data(prod_data),
    .m_valid(prod_valid),
    .m_ready(v_issue)
);

attention_fifo #(
    .WIDTH(VBITS),
    .DEPTH(OUT_FIFO_DEPTH)
) out_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data(add_out),
    .s_valid(add_valid[0] && add_last),
    .s_ready(out_s_ready),
    .m_data(out_data),
    .m_valid(out_valid),
    .m_ready(ow_pop)
);

assign m_out_tdata  = out_data[512 * ow_way_reg +: 512];
assign m_out_tvalid = out_valid;

endmodule

`default_nettype wire
