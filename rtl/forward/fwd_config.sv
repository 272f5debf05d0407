// SPDX-License-Identifier: Apache-2.0

/*
 * Forward-kernel run configuration: the descriptor, its checks and the
 * constants of one token
 *
 * The descriptor (host/image.py ForwardImage, DESCRIPTOR_FIELDS; word indexes
 * from the generated forward_desc_pkg) arrives as DESC_BEATS beats on
 * s_axis_desc after desc_clear, then, for a batch (tokens >= 1), the prompt
 * beat (the batch's token ids, u32 each). check (one cycle) then checks it
 * with the run's token(s), pos, tokens and layers arguments and derives what
 * the sequencer needs;
 * done pulses when that is over, with ok telling whether the run may go on.
 * Every output is registered and holds until the next check.
 *
 * Checks (any failure: ok = 0): magic and version; every shape field within
 * the build's maxima (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size, seq_len, head_size >= 1 and <= MAX_*); group_size 32 or 64
 * dividing dim and hidden_dim; head_size a multiple of 16 with head_size *
 * n_heads = dim; n_kv_heads dividing n_heads; kv_int8 equal to the build's KV
 * format (an int8 build also needs head_size 32 or 64: its KV store quantizes
 * a head vector with quantize_core, whose groups are 32 or 64 values); every
 * address and row stride 64-byte aligned; every token id < vocab_size,
 * pos + tokens - 1 < seq_len (the batch's last position), layers <= n_layers.
 *
 * Derived (all sizes in 64-byte beats unless named bytes): the vector sizes;
 * per matrix (wqkv, wo, w13, w2, wcls: MAT_*) its result words (16-row blocks x tokens) and, per
 * channel c, the beats of its blocks b with b mod 4 = c (nblk * beats per
 * block) and, with more than four engines (the on-chip build: ENGINES = 4
 * per bank), per engine e the beats of its blocks b with b mod ENGINES = e;
 * per channel the weight bytes of the layers not run (skipped before
 * the classifier); each token's embedding row, the final norm and the RoPE row
 * (of pos: the sequencer steps it per token) addresses; the
 * KV-cache geometry (bytes of one head's key or value cache, the slot offset
 * of pos, the beats of positions 0..pos). The products go through one
 * pipelined multiplier (registered operands and product), one per cycle.
 */

`default_nettype none

module fwd_config #(
    // Compile-time maxima of the descriptor's shape fields
    parameter int MAX_DIM       = 768,
    parameter int MAX_HIDDEN    = 2048,
    parameter int MAX_HEADS     = 12,
    parameter int MAX_KV_HEADS  = 12,
    parameter int MAX_HEAD_SIZE = 128,
    parameter int MAX_VOCAB     = 32000,
    parameter int MAX_SEQ_LEN   = 1024,
    parameter int MAX_LAYERS    = 12,
    // KV-cache format of the build: 0 fp32, 1 int8
    parameter bit KV_INT8       = 1'b0,
    // Prompt tokens a run may batch (1..16)
    parameter int MAX_TOKENS    = 1,
    // Matrix engines (a power of two >= 4): 4 streams from DDR, one per channel; more are fed by
    // the on-chip weight store's banks
    parameter int ENGINES       = 4
) (
    input  wire           clk,
    input  wire           rst,  // active-high, synchronous

    /*
     * Descriptor beats (always taken)
     */
    input  wire           desc_clear,       // the next beat is the descriptor's first
    input  wire  [511:0]  s_axis_desc_tdata,
    input  wire           s_axis_desc_tvalid,

    /*
     * Check and derive
     */
    input  wire           check,            // one-cycle pulse: check with these arguments
    input  wire  [31:0]   arg_token,
    input  wire           arg_batch,        // 0: one token, arg_token; 1: a batch, the prompt beat's ids
    input  wire  [3:0]    arg_last_tok,     // the run's tokens - 1 (0 with one token; MAX_TOKENS <= 16)
    input  wire  [31:0]   arg_pos,
    input  wire  [31:0]   arg_layers,
    output wire           done,             // one-cycle pulse: outputs valid
    output wire           ok,               // the descriptor and arguments passed every check

    /*
     * Descriptor fields used as they are
     */
    output wire  [255:0]  weights_addr,     // channel c's weight stream at [64c +: 64]
    output wire  [255:0]  kv_addr,          // channel c's KV region at [64c +: 64]
    output wire  [63:0]   norms_addr,
    output wire  [63:0]   logits_addr,
    output wire  [31:0]   inv_dim,          // fp32 bits
    output wire  [31:0]   inv_sqrt_hs,      // fp32 bits
    output wire  [31:0]   n_heads,
    output wire  [31:0]   n_kv_heads,
    output wire  [31:0]   dim,
    output wire  [31:0]   hidden_dim,
    output wire  [31:0]   head_size,
    output wire           gs64,             // group size 64 (else 32)

    /*
     * Derived
     */
    output logic [31:0]   kv_mul,           // n_heads / n_kv_heads
    output logic [31:0]   dim_beats,        // dim / 16
    output logic [31:0]   hid_beats,        // hidden_dim / 16
    output logic [31:0]   kv_beats,         // kv_dim / 16
    output logic [31:0]   hs_beats,         // head_size / 16
    output logic [31:0]   dim_groups,       // dim / GS
    output logic [31:0]   hid_groups,       // hidden_dim / GS
    output logic [31:0]   dim_xbeats,       // ceil(dim / 64): int8 beats of a quantized dim vector
    output logic [31:0]   hid_xbeats,       // ceil(hidden_dim / 64)
    output logic [159:0]  mat_words,        // matrix m's result words at [32m +: 32]: 16-row blocks x tokens (classifier: blocks)
    output logic [639:0]  mat_beats,        // matrix m, channel c: weight beats at [32 (4m + c) +: 32]
    output logic [639:0]  ch_blocks,        // matrix m, channel c: blocks (global c, c + 4, ..) at [32 (4m + c) +: 32]
    output logic [159:0]  mat_bpb,          // matrix m: beats of one block at [32m +: 32]
    output wire  [5*ENGINES*32-1:0] eng_beats,  // matrix m, engine e: weight beats at [32 (ENGINES m + e) +: 32] (4 engines: mat_beats)
    output logic [255:0]  skip_bytes,       // channel c: weight bytes of the layers not run at [64c +: 64]
    output logic [64*MAX_TOKENS-1:0] emb_q_addr,  // token t's embedding values at [64t +: 64]
    output logic [64*MAX_TOKENS-1:0] emb_s_addr,  // token t's embedding scales at [64t +: 64]
    output logic [31:0]   emb_q_beats,      // ceil(dim / 64)
    output logic [31:0]   emb_s_beats,      // ceil(dim / GS / 16)
    output logic [63:0]   norm_stride,      // bytes between two norm weight vectors
    output logic [63:0]   final_norm_addr,  // rms_final: norms + 2 n_layers (full model) strides
    output logic [63:0]   rope_addr,        // RoPE table row pos
    output logic [31:0]   vocab_beats,      // ceil(vocab / 16)
    output logic [63:0]   cache_bytes,      // one kv head's key (or value) cache: slots, then int8 scales
    output logic [63:0]   slot_off,         // pos * slot bytes
    output logic [31:0]   slot_beats,       // beats of one slot
    output logic [31:0]   seq_beats,        // (pos + 1) * slot beats: slots 0..pos
    output logic [63:0]   scale_off,        // int8: offset of the scale row in a head's cache
    output logic [31:0]   scale_beats       // int8: ceil((pos + 1) / 16)
);

import forward_desc_pkg::*;

// Four engines are the four channels' (engine c = channel c): their beats are mat_beats.
logic [5*ENGINES*32-1:0] eng_beats_reg;
if (ENGINES == 4) begin : g_eng_beats_are_mat_beats
    assign eng_beats = mat_beats;
    wire unused_eng_beats = &{1'b0, eng_beats_reg};
end else begin : g_eng_beats
    assign eng_beats = eng_beats_reg;
end

localparam int K_TOK = 37;                           // (33..36: the layer matrices' result words) tokens 1..: their embedding offsets
// Products, in the order of the case below; one token a run (MAX_TOKENS 1) needs none from 33 on
// (its result words are the blocks), so that build's configuration takes the cycles it took.
// With more than four engines, 5 ENGINES products from K_ENG on: each engine's beats of each matrix.
// (One token a run: 33..36 are skipped products, their words set at the end, STATE_FINISH.)
localparam int K_ENG = K_TOK + 2 * (MAX_TOKENS - 1);
localparam int N_MUL = ENGINES > 4 ? K_ENG + 5 * ENGINES : K_ENG;
localparam int TI_WIDTH = MAX_TOKENS > 1 ? $clog2(MAX_TOKENS) : 1;  // a token's index
localparam int EW = $clog2(ENGINES);                                 // an engine's index
localparam int KW = $clog2(N_MUL + 2 > 37 ? N_MUL + 2 : 37);         // k: products 0 .. N_MUL + 1 (and 33..36)

if (MAX_TOKENS < 1 || MAX_TOKENS > 16) begin : g_check_tokens
    $error("fwd_config: MAX_TOKENS must be in 1..16");
end
if (ENGINES < 4 || ENGINES > 32 || (ENGINES & (ENGINES - 1)) != 0) begin : g_check_engines
    $error("fwd_config: ENGINES must be 4, 8, 16 or 32");
end

/*
 * Descriptor register and fields
 */
logic [DESC_BEATS*512-1:0] desc_reg;
logic [$clog2(DESC_BEATS+2)-1:0] desc_cnt_reg;
logic [511:0]   prompt_reg;                   // the beat after the descriptor: a batch's token ids

wire [63:0] f_magic      = desc_reg[64 * W_MAGIC +: 64];
wire [63:0] f_version    = desc_reg[64 * W_VERSION +: 64];
wire [63:0] f_dim        = desc_reg[64 * W_DIM +: 64];
wire [63:0] f_hidden     = desc_reg[64 * W_HIDDEN_DIM +: 64];
wire [63:0] f_layers     = desc_reg[64 * W_N_LAYERS +: 64];
wire [63:0] f_heads      = desc_reg[64 * W_N_HEADS +: 64];
wire [63:0] f_kv_heads   = desc_reg[64 * W_N_KV_HEADS +: 64];
wire [63:0] f_vocab      = desc_reg[64 * W_VOCAB_SIZE +: 64];
wire [63:0] f_seq_len    = desc_reg[64 * W_SEQ_LEN +: 64];
wire [63:0] f_hs         = desc_reg[64 * W_HEAD_SIZE +: 64];
wire [63:0] f_gs         = desc_reg[64 * W_GROUP_SIZE +: 64];
wire [63:0] f_kv_int8    = desc_reg[64 * W_KV_INT8 +: 64];
wire [63:0] f_inv_dim    = desc_reg[64 * W_INV_DIM +: 64];
wire [63:0] f_inv_sqrt   = desc_reg[64 * W_INV_SQRT_HS +: 64];
wire [63:0] f_emb_q      = desc_reg[64 * W_EMBED_Q +: 64];
wire [63:0] f_emb_s      = desc_reg[64 * W_EMBED_S +: 64];
wire [63:0] f_emb_row    = desc_reg[64 * W_EMBED_ROW_BYTES +: 64];
wire [63:0] f_emb_srow   = desc_reg[64 * W_EMBED_SCALE_ROW_BYTES +: 64];
wire [63:0] f_norms      = desc_reg[64 * W_NORMS +: 64];
wire [63:0] f_rope       = desc_reg[64 * W_ROPE +: 64];
wire [63:0] f_logits     = desc_reg[64 * W_LOGITS +: 64];
wire [63:0] f_weights [0:3];
wire [63:0] f_kv [0:3];
assign f_weights[0] = desc_reg[64 * W_WEIGHTS_A +: 64];
assign f_weights[1] = desc_reg[64 * W_WEIGHTS_B +: 64];
assign f_weights[2] = desc_reg[64 * W_WEIGHTS_C +: 64];
assign f_weights[3] = desc_reg[64 * W_WEIGHTS_D +: 64];
assign f_kv[0]      = desc_reg[64 * W_KV_A +: 64];
assign f_kv[1]      = desc_reg[64 * W_KV_B +: 64];
assign f_kv[2]      = desc_reg[64 * W_KV_C +: 64];
assign f_kv[3]      = desc_reg[64 * W_KV_D +: 64];

// Only the low halves of the fp32 constants carry bits; the beats' padding after the last word
// carries none, nor do the prompt beat's words past MAX_TOKENS.
wire unused_fields = &{1'b0, f_inv_dim[63:32], f_inv_sqrt[63:32]};
if (MAX_TOKENS < 16) begin : g_unused_prompt
    wire unused_prompt = &{1'b0, prompt_reg[511:32*MAX_TOKENS]};
end
if (DESC_BEATS * 512 > DESC_WORDS * 64) begin : g_unused_padding
    wire unused_padding = &{1'b0, desc_reg[DESC_BEATS*512-1:DESC_WORDS*64]};
end

assign weights_addr = {f_weights[3], f_weights[2], f_weights[1], f_weights[0]};
assign kv_addr      = {f_kv[3], f_kv[2], f_kv[1], f_kv[0]};
assign norms_addr   = f_norms;
assign logits_addr  = f_logits;
assign inv_dim      = f_inv_dim[31:0];
assign inv_sqrt_hs  = f_inv_sqrt[31:0];
assign n_heads      = f_heads[31:0];
assign n_kv_heads   = f_kv_heads[31:0];
assign dim          = f_dim[31:0];
assign hidden_dim   = f_hidden[31:0];
assign head_size    = f_hs[31:0];
assign gs64         = f_gs[6];

/*
 * The run's tokens: one (arg_batch 0: arg_token) or a batch (the prompt beat's first
 * arg_last_tok + 1 words); the batch's last position
 */
logic [31:0] tok_id_c [0:MAX_TOKENS-1];
logic [31:0] ntok_c;
logic [32:0] pos_last_c;

always_comb begin
    ntok_c = 32'(arg_last_tok) + 32'd1;
    for (int t = 0; t < MAX_TOKENS; t++) begin
        tok_id_c[t] = arg_batch ? prompt_reg[32 * t +: 32] : arg_token;
    end
    pos_last_c = 33'(arg_pos) + 33'(ntok_c) - 33'd1;
end

/*
 * Checks that need no arithmetic beyond compares (registered in STATE_CHECK, decided in
 * STATE_CHECKED: the AND of some thirty compares of 64-bit fields was 10 LUT levels in front of
 * the state register)
 */
logic [63:0] align_or;     // only the low 6 bits are checked
// (the shape's compares and the pointers' (alignment, windows) registered apart: as one AND they
// were 9 LUT levels from desc_reg to shape_ok_reg in the whole-design run of 1775b12)
logic        shape_ok, place_ok, args_ok;
logic        shape_ok_reg, place_ok_reg, args_ok_reg;

wire unused_align = &{1'b0, align_or[63:6]};

// Every address lies in the window of the channel that reads it (host/image.py: channel c's
// weights and KV at c << CHANNEL_SHIFT, everything else in channel A): a master only ever
// addresses its own channel, so the shell can route by master and a bad pointer cannot alias
// another channel's memory.
logic windows_ok;

always_comb begin
    windows_ok = (f_emb_q >> CHANNEL_SHIFT) == 64'd0 && (f_emb_s >> CHANNEL_SHIFT) == 64'd0
              && (f_norms >> CHANNEL_SHIFT) == 64'd0 && (f_rope >> CHANNEL_SHIFT) == 64'd0
              && (f_logits >> CHANNEL_SHIFT) == 64'd0;
    for (int c = 0; c < 4; c++) begin
        windows_ok = windows_ok && (f_weights[c] >> CHANNEL_SHIFT) == 64'(c)
                                && (f_kv[c] >> CHANNEL_SHIFT) == 64'(c);
    end
end

always_comb begin
    align_or = f_weights[0] | f_weights[1] | f_weights[2] | f_weights[3] | f_kv[0] | f_kv[1] | f_kv[2] | f_kv[3]
             | f_emb_q | f_emb_s | f_emb_row | f_emb_srow | f_norms | f_rope | f_logits;
    shape_ok = f_magic == MAGIC && f_version == VERSION
            && f_dim >= 64'd1 && f_dim <= 64'(MAX_DIM)
            && f_hidden >= 64'd1 && f_hidden <= 64'(MAX_HIDDEN)
            && f_layers >= 64'd1 && f_layers <= 64'(MAX_LAYERS)
            && f_heads >= 64'd1 && f_heads <= 64'(MAX_HEADS)
            && f_kv_heads >= 64'd1 && f_kv_heads <= 64'(MAX_KV_HEADS) && f_kv_heads <= f_heads
            && f_vocab >= 64'd1 && f_vocab <= 64'(MAX_VOCAB)
            && f_seq_len >= 64'd1 && f_seq_len <= 64'(MAX_SEQ_LEN)
            && f_hs >= 64'd16 && f_hs <= 64'(MAX_HEAD_SIZE) && f_hs[3:0] == 4'd0
            && (f_gs == 64'd32 || f_gs == 64'd64)
            // dim and hidden multiples of the group size (32 or 64: the bits below it zero)
            && f_dim[4:0] == 5'd0 && f_hidden[4:0] == 5'd0 && (f_gs != 64'd64 || !(f_dim[5] || f_hidden[5]))
            && f_kv_int8 == 64'(KV_INT8)
            && (!KV_INT8 || f_hs == 64'd32 || f_hs == 64'd64);  // int8 KV: quantize_core's group sizes
    place_ok = align_or[5:0] == 6'd0 && windows_ok;
    args_ok  = 64'(pos_last_c) < f_seq_len && 64'(arg_layers) <= f_layers;
    for (int t = 0; t < MAX_TOKENS; t++) begin
        if (t < ntok_c && 64'(tok_id_c[t]) >= f_vocab) begin
            args_ok = 1'b0;
        end
    end
end

/*
 * Run state
 */
typedef enum logic [2:0] {
    STATE_IDLE,    // waits for check
    STATE_CHECK,   // compares (the descriptor is complete)
    STATE_CHECKED, // their registered results decide
    STATE_DIV,     // kv_mul = n_heads / n_kv_heads by repeated addition
    STATE_MUL,     // the products, one per cycle through the multiplier pipeline
    STATE_FINISH   // sums and the last compare; done
} state_t;

state_t        state_reg, state_next;
logic          done_reg, done_next;
logic          ok_reg, ok_next;
logic [31:0]   pos_reg, layers_reg;                // arguments (datapath)
logic [31:0]   tok_id_reg [0:MAX_TOKENS-1];        // the tokens' ids (datapath)
logic [31:0]   ntok_reg;                           // the run's tokens (1 ..)
logic [31:0]   acc_reg, acc_next;                  // STATE_DIV: kv_mul * n_kv_heads
logic [KW-1:0] k_reg, k_next;                      // STATE_MUL: product selected this cycle

// Multiplier pipeline: operands, product, and which product it is.
logic [31:0]   op_a, op_b;
logic [31:0]   mul_a_reg, mul_b_reg, a2_reg;  // a2: the product's first operand, beside it
logic [63:0]   prod_reg;
logic [KW-1:0] k1_reg, k2_reg;
logic          v1_reg, v2_reg;

// Products kept.
logic [31:0]   dim_chk_reg;
logic [63:0]   emb_q_off_reg [0:MAX_TOKENS-1];
logic [63:0]   emb_s_off_reg [0:MAX_TOKENS-1];
logic [63:0]   final_off_reg, rope_off_reg, vals_bytes_reg;

// Combinational helpers.
logic [31:0]   slot_bytes_c, blocks_c [0:4], bpb_c [0:4], layer_beats_c [0:3];
logic [2:0]    mm, ke_m;
logic [1:0]    mc;
logic [EW-1:0] ke_e;

assign done = done_reg;
assign ok   = ok_reg;

always_comb begin
    // Matrix shapes: blocks and beats per block (groups * 17 for GS 64, * 9 for GS 32).
    blocks_c[0] = dim_beats + (kv_beats << 1);        // wqkv: dim + 2 kv_dim rows
    blocks_c[1] = dim_beats;                           // wo
    blocks_c[2] = hid_beats << 1;                      // w13: 2 hidden rows
    blocks_c[3] = dim_beats;                           // w2
    blocks_c[4] = vocab_beats;                         // classifier
    for (int m = 0; m < 5; m++) begin
        if (m == 3) begin
            bpb_c[m] = gs64 ? (hid_groups << 4) + hid_groups : (hid_groups << 3) + hid_groups;
        end else begin
            bpb_c[m] = gs64 ? (dim_groups << 4) + dim_groups : (dim_groups << 3) + dim_groups;
        end
    end
    for (int c = 0; c < 4; c++) begin
        layer_beats_c[c] = mat_beats[32 * c +: 32] + mat_beats[32 * (4 + c) +: 32]
                         + mat_beats[32 * (8 + c) +: 32] + mat_beats[32 * (12 + c) +: 32];
    end
    slot_bytes_c = KV_INT8 ? (head_size + 32'd63) & ~32'd63 : head_size << 2;

    // Operands of product k.
    mm   = 3'((k_reg - KW'(9)) >> 2);
    mc   = 2'(k_reg - KW'(9));
    ke_m = 3'((k_reg - KW'(K_ENG)) >> EW);
    ke_e = EW'(k_reg - KW'(K_ENG));
    op_a = 32'd0;
    op_b = 32'd0;
    case (k_reg)
        KW'(0): begin op_a = n_kv_heads;                  op_b = head_size; end          // kv_dim
        KW'(1): begin op_a = n_heads;                     op_b = head_size; end          // = dim?
        KW'(2): begin op_a = tok_id_reg[0];               op_b = f_emb_row[31:0]; end
        KW'(3): begin op_a = tok_id_reg[0];               op_b = f_emb_srow[31:0]; end
        KW'(4): begin op_a = {f_layers[30:0], 1'b0};     op_b = dim << 2; end           // 2 n_layers strides
        KW'(5): begin op_a = pos_reg;                     op_b = head_size << 2; end     // RoPE row
        KW'(6): begin op_a = f_seq_len[31:0];             op_b = slot_bytes_c; end       // slots of a head
        KW'(7): begin op_a = pos_reg;                     op_b = slot_bytes_c; end
        KW'(8): begin op_a = pos_reg + 32'd1;             op_b = slot_beats; end
        KW'(29), KW'(30), KW'(31), KW'(32): begin                                              // layers not run
            op_a = f_layers[31:0] - layers_reg;
            op_b = layer_beats_c[2'(k_reg - KW'(29))];
        end
        KW'(33), KW'(34), KW'(35), KW'(36): begin                                              // blocks x tokens
            op_a = blocks_c[3'(k_reg - KW'(33))];
            op_b = ntok_reg;
        end
        default: begin
            if (ENGINES > 4 && k_reg >= KW'(K_ENG)) begin                                // engine e's beats of matrix m
                op_a = (blocks_c[ke_m] + 32'(ENGINES - 1) - 32'(ke_e)) >> EW;
                op_b = bpb_c[ke_m];
            end else if (MAX_TOKENS > 1 && k_reg >= KW'(K_TOK)) begin                   // tokens 1..: embedding rows
                op_a = tok_id_reg[TI_WIDTH'((k_reg - KW'(K_TOK - 2)) >> 1)];
                op_b = k_reg[0] ? f_emb_row[31:0] : f_emb_srow[31:0];
            end else begin                                                             // 9..28: matrix beats
                op_a = (blocks_c[mm] + 32'd3 - 32'(mc)) >> 2;
                op_b = bpb_c[mm];
            end
        end
    endcase
end

always_comb begin
    state_next = state_reg;
    done_next  = 1'b0;
    ok_next    = ok_reg;
    acc_next   = acc_reg;
    k_next     = k_reg;

    case (state_reg)
        STATE_IDLE: begin
            if (check) begin
                state_next = STATE_CHECK;
            end
        end
        STATE_CHECK: begin
            state_next = STATE_CHECKED;
        end
        STATE_CHECKED: begin
            if (shape_ok_reg && place_ok_reg && args_ok_reg) begin
                acc_next   = f_kv_heads[31:0];
                state_next = STATE_DIV;
            end else begin
                ok_next    = 1'b0;
                done_next  = 1'b1;
                state_next = STATE_IDLE;
            end
        end
        STATE_DIV: begin
            // acc = kv_mul * n_kv_heads, kv_mul counting up from 1.
            if (acc_reg >= n_heads) begin
                if (acc_reg == n_heads) begin
                    k_next     = '0;
                    state_next = STATE_MUL;
                end else begin
                    ok_next    = 1'b0;
                    done_next  = 1'b1;
                    state_next = STATE_IDLE;
                end
            end else begin
                acc_next = acc_reg + n_kv_heads;
            end
        end
        STATE_MUL: begin
            k_next = k_reg + 1'b1;
            if (k_reg == KW'(N_MUL + 1)) begin
                state_next = STATE_FINISH;
            end
        end
        STATE_FINISH: begin
            ok_next    = dim_chk_reg == dim;
            done_next  = 1'b1;
            state_next = STATE_IDLE;
        end
        default: begin
            state_next = STATE_IDLE;
        end
    endcase
end

always_ff @(posedge clk) begin
    state_reg <= state_next;
    done_reg  <= done_next;
    ok_reg    <= ok_next;
    acc_reg   <= acc_next;
    k_reg     <= k_next;

    // Descriptor beats.
    if (s_axis_desc_tvalid) begin
        if (32'(desc_cnt_reg) < DESC_BEATS) begin
            desc_reg[512 * desc_cnt_reg +: 512] <= s_axis_desc_tdata;
            desc_cnt_reg <= desc_cnt_reg + 1'b1;
        end else if (32'(desc_cnt_reg) == DESC_BEATS) begin
            prompt_reg   <= s_axis_desc_tdata;
            desc_cnt_reg <= desc_cnt_reg + 1'b1;
        end
    end
    if (desc_clear) begin
        desc_cnt_reg <= '0;
    end

    if (check) begin
        pos_reg    <= arg_pos;
        layers_reg <= arg_layers;
    end
    shape_ok_reg <= shape_ok;
    place_ok_reg <= place_ok;
    args_ok_reg  <= args_ok;
    if (state_reg == STATE_CHECK) begin
        // The ids as checked (arg_token and the prompt beat hold from check on).
        for (int t = 0; t < MAX_TOKENS; t++) begin
            tok_id_reg[t] <= tok_id_c[t];
        end
        ntok_reg <= ntok_c;
    end

    // Sizes that need no multiplier (valid from STATE_DIV on; the descriptor is checked).
    if (state_reg == STATE_CHECK) begin
        dim_beats   <= dim >> 4;
        hid_beats   <= hidden_dim >> 4;
        hs_beats    <= head_size >> 4;
        dim_groups  <= gs64 ? dim >> 6 : dim >> 5;
        hid_groups  <= gs64 ? hidden_dim >> 6 : hidden_dim >> 5;
        dim_xbeats  <= (dim + 32'd63) >> 6;
        hid_xbeats  <= (hidden_dim + 32'd63) >> 6;
        vocab_beats <= (f_vocab[31:0] + 32'd15) >> 4;
        emb_q_beats <= (dim + 32'd63) >> 6;
        emb_s_beats <= ((gs64 ? dim >> 6 : dim >> 5) + 32'd15) >> 4;
        norm_stride <= 64'(dim) << 2;
        slot_beats  <= KV_INT8 ? (head_size + 32'd63) >> 6 : head_size >> 4;
        scale_beats <= (pos_reg + 32'd16) >> 4;
        kv_mul      <= 32'd1;
    end
    if (state_reg == STATE_DIV && acc_reg < n_heads) begin
        kv_mul <= kv_mul + 1'b1;
    end

    // Multiplier pipeline.
    mul_a_reg <= op_a;
    mul_b_reg <= op_b;
    k1_reg    <= k_reg;
    v1_reg    <= state_reg == STATE_MUL && k_reg < KW'(N_MUL);
    prod_reg  <= 64'(mul_a_reg) * 64'(mul_b_reg);
    a2_reg    <= mul_a_reg;
    k2_reg    <= k1_reg;
    v2_reg    <= v1_reg;
    if (v2_reg) begin
        case (k2_reg)
            KW'(0): kv_beats         <= prod_reg[35:4];   // kv_dim / 16
            KW'(1): dim_chk_reg      <= prod_reg[31:0];
            KW'(2): emb_q_off_reg[0] <= prod_reg;
            KW'(3): emb_s_off_reg[0] <= prod_reg;
            KW'(4): final_off_reg    <= prod_reg;
            KW'(5): rope_off_reg     <= prod_reg;
            KW'(6): vals_bytes_reg   <= prod_reg;
            KW'(7): slot_off         <= prod_reg;
            KW'(8): seq_beats        <= prod_reg[31:0];
            KW'(29), KW'(30), KW'(31), KW'(32): skip_bytes[64 * 2'(k2_reg - KW'(29)) +: 64] <= prod_reg << 6;
            KW'(33), KW'(34), KW'(35), KW'(36): mat_words[32 * 2'(k2_reg - KW'(33)) +: 32] <= prod_reg[31:0];
            default: begin
                if (ENGINES > 4 && k2_reg >= KW'(K_ENG)) begin
                    eng_beats_reg[32 * (32'(k2_reg) - K_ENG) +: 32] <= prod_reg[31:0];
                end else if (MAX_TOKENS > 1 && k2_reg >= KW'(K_TOK)) begin
                    if (k2_reg[0]) begin
                        emb_q_off_reg[TI_WIDTH'((k2_reg - KW'(K_TOK - 2)) >> 1)] <= prod_reg;
                    end else begin
                        emb_s_off_reg[TI_WIDTH'((k2_reg - KW'(K_TOK - 2)) >> 1)] <= prod_reg;
                    end
                end else begin
                    // channel blocks x beats per block: keep both factors' first too
                    mat_beats[32 * 5'(k2_reg - KW'(9)) +: 32] <= prod_reg[31:0];
                    ch_blocks[32 * 5'(k2_reg - KW'(9)) +: 32] <= a2_reg;
                end
            end
        endcase
    end

    if (state_reg == STATE_FINISH) begin
        mat_words[32 * 4 +: 32] <= blocks_c[4];  // the classifier runs for the last token alone
        for (int m = 0; m < 5; m++) begin
            mat_bpb[32 * m +: 32] <= bpb_c[m];
        end
        if (MAX_TOKENS == 1) begin
            for (int m = 0; m < 4; m++) begin
                mat_words[32 * m +: 32] <= blocks_c[m];
            end
        end
        for (int t = 0; t < MAX_TOKENS; t++) begin
            emb_q_addr[64 * t +: 64] <= f_emb_q + emb_q_off_reg[t];
            emb_s_addr[64 * t +: 64] <= f_emb_s + emb_s_off_reg[t];
        end
        final_norm_addr <= f_norms + final_off_reg;
        rope_addr       <= f_rope + rope_off_reg;
        cache_bytes     <= vals_bytes_reg + (KV_INT8 ? (64'(f_seq_len[31:0]) * 64'd4 + 64'd63) & ~64'd63 : 64'd0);
        scale_off       <= vals_bytes_reg;
    end

    if (rst) begin
        state_reg    <= STATE_IDLE;
        done_reg     <= 1'b0;
        ok_reg       <= 1'b0;
        desc_cnt_reg <= '0;
        v1_reg       <= 1'b0;
        v2_reg       <= 1'b0;
    end
end

endmodule

`default_nettype wire
