// Generated from rtl/regmap.toml by `python -m hlstransform.host.regmap` (make hls). Do not edit.
// SPDX-License-Identifier: Apache-2.0

`default_nettype none

// A constants package: no single kernel uses every constant.
/* verilator lint_off UNUSEDPARAM */
package kernel_regs_pkg;

    localparam int unsigned CTRL_ADDR_WIDTH = 8;
    localparam logic [7:0] CTRL_ARG_BASE = 8'h10;  // argument word 0; word i at CTRL_ARG_BASE + 4 * i
    localparam logic [7:0] CTRL_PERF_BASE = 8'h90;  // performance counter 0; counter i at CTRL_PERF_BASE + 4 * i

    // Kernel handshake (ap_ctrl_hs).
    localparam logic [7:0] REG_AP_CTRL = 8'h00;
    localparam int unsigned AP_CTRL_START_BIT = 0;  // rw: Write 1 to start; reads 1 until the kernel accepts the start (ap_ready).
    localparam int unsigned AP_CTRL_DONE_BIT = 1;  // cor: The last run finished; cleared when AP_CTRL is read.
    localparam int unsigned AP_CTRL_IDLE_BIT = 2;  // ro: No run in progress.
    localparam int unsigned AP_CTRL_READY_BIT = 3;  // cor: The kernel took its arguments and can accept a new start; cleared on read.
    localparam int unsigned AP_CTRL_AUTO_RESTART_BIT = 7;  // rw: Start again automatically when a run finishes.

    // Global interrupt enable.
    localparam logic [7:0] REG_GIE = 8'h04;
    localparam int unsigned GIE_ENABLE_BIT = 0;  // rw: Drive `interrupt` from ISR & IER.

    // Interrupt enable, per source.
    localparam logic [7:0] REG_IER = 8'h08;
    localparam int unsigned IER_DONE_BIT = 0;  // rw: Interrupt when a run finishes.
    localparam int unsigned IER_READY_BIT = 1;  // rw: Interrupt when the kernel accepts a start.

    // Interrupt status; writing 1 to a bit toggles it (Vitis HLS semantics).
    localparam logic [7:0] REG_ISR = 8'h0C;
    localparam int unsigned ISR_DONE_BIT = 0;  // tow: Set when a run finishes (if enabled in IER).
    localparam int unsigned ISR_READY_BIT = 1;  // tow: Set when the kernel accepts a start (if enabled in IER).

    // Errors of the last run; cleared when a run starts. A run with an error still finishes (DONE).
    localparam logic [7:0] REG_STATUS = 8'h80;
    localparam int unsigned STATUS_AXI_READ_ERROR_BIT = 0;  // ro: An m_axi read returned SLVERR or DECERR.
    localparam int unsigned STATUS_AXI_WRITE_ERROR_BIT = 1;  // ro: An m_axi write returned SLVERR or DECERR.
    localparam int unsigned STATUS_CONFIG_ERROR_BIT = 2;  // ro: An argument is out of range; memory was not touched.
    localparam int unsigned STATUS_TIMEOUT_BIT = 3;  // ro: A memory transaction did not complete in time.

    // Clock cycles from start to done of the last run (saturates at 2**32 - 1).
    localparam logic [7:0] REG_CYCLES = 8'h84;

    // Constant identifying the kernel: the kernel's `id` below.
    localparam logic [7:0] REG_KERNEL_ID = 8'h88;

    // kernel matmul: Q8_0 matrix-vector product: out[r] = sum over groups of ((float) dot(w_q, x_q) * w_s) * x_s.
    localparam logic [31:0] MATMUL_KERNEL_ID = 32'h4D4D554C;
    localparam int unsigned MATMUL_ARG_WORDS = 11;
    localparam logic [31:0] MATMUL_ARG_WORD_MASK = 32'h0000057F;  // words that hold argument bits
    localparam logic [7:0] MATMUL_ARG_W = 8'h10;  // ptr: Weight stream, host/image.py pack_matrix layout (16-row blocks; per group a scale beat then the weight beats), 64-byte aligned.
    localparam logic [7:0] MATMUL_ARG_X = 8'h18;  // ptr: Quantized input vector, host/image.py pack_vector layout (int8 values, then fp32 scales, each padded to 64 bytes), 64-byte aligned.
    localparam logic [7:0] MATMUL_ARG_OUT = 8'h20;  // ptr: ceil(rows / 16) beats of 16 fp32 (padded rows are written as 0.0): the buffer must hold ceil(rows / 16) * 64 bytes.
    localparam logic [7:0] MATMUL_ARG_ROWS = 8'h28;  // u32: Output rows, 1 .. MAX_ROWS.
    localparam logic [7:0] MATMUL_ARG_COLS = 8'h30;  // u32: Input columns, a multiple of group_size, 1 .. MAX_COLS.
    localparam logic [7:0] MATMUL_ARG_GROUP_SIZE = 8'h38;  // u32: 32 or 64.

    // kernel residual: Residual add: out[i] = x[i] + y[i] (one fp32 add), i < n.
    localparam logic [31:0] RESIDUAL_KERNEL_ID = 32'h52455344;
    localparam int unsigned RESIDUAL_ARG_WORDS = 7;
    localparam logic [31:0] RESIDUAL_ARG_WORD_MASK = 32'h0000007F;  // words that hold argument bits
    localparam logic [7:0] RESIDUAL_ARG_X = 8'h10;  // ptr: n fp32 values, 64-byte aligned.
    localparam logic [7:0] RESIDUAL_ARG_Y = 8'h18;  // ptr: n fp32 values, 64-byte aligned.
    localparam logic [7:0] RESIDUAL_ARG_OUT = 8'h20;  // ptr: n fp32 results, 64-byte aligned; may be x or y, must not overlap them otherwise.
    localparam logic [7:0] RESIDUAL_ARG_N = 8'h28;  // u32: Elements, a multiple of 16 in 16 .. MAX_N.

    // kernel embed: Embedding row: out[i] = (float) q[token * dim + i] * s[(token * dim + i) / group_size], i < dim.
    localparam logic [31:0] EMBED_KERNEL_ID = 32'h454D4244;
    localparam int unsigned EMBED_ARG_WORDS = 13;
    localparam logic [31:0] EMBED_ARG_WORD_MASK = 32'h0000157F;  // words that hold argument bits
    localparam logic [7:0] EMBED_ARG_Q = 8'h10;  // ptr: Table values: vocab x dim int8, row-major, 64-byte aligned.
    localparam logic [7:0] EMBED_ARG_S = 8'h18;  // ptr: Table scales: vocab x dim / group_size fp32, row-major, 64-byte aligned.
    localparam logic [7:0] EMBED_ARG_OUT = 8'h20;  // ptr: dim fp32 results, 64-byte aligned.
    localparam logic [7:0] EMBED_ARG_TOKEN = 8'h28;  // u32: Row, 0 .. vocab - 1.
    localparam logic [7:0] EMBED_ARG_DIM = 8'h30;  // u32: Row length, a multiple of group_size in 32 .. MAX_DIM.
    localparam logic [7:0] EMBED_ARG_VOCAB = 8'h38;  // u32: Rows in the table (token < vocab).
    localparam logic [7:0] EMBED_ARG_GROUP_SIZE = 8'h40;  // u32: 32 or 64.

    // kernel swiglu: SwiGLU: out[i] = (h1[i] * recip(1 + exp(-h1[i]))) * h3[i], i < n.
    localparam logic [31:0] SWIGLU_KERNEL_ID = 32'h53574947;
    localparam int unsigned SWIGLU_ARG_WORDS = 7;
    localparam logic [31:0] SWIGLU_ARG_WORD_MASK = 32'h0000007F;  // words that hold argument bits
    localparam logic [7:0] SWIGLU_ARG_H1 = 8'h10;  // ptr: n fp32 values (w1 x), 64-byte aligned.
    localparam logic [7:0] SWIGLU_ARG_H3 = 8'h18;  // ptr: n fp32 values (w3 x), 64-byte aligned.
    localparam logic [7:0] SWIGLU_ARG_OUT = 8'h20;  // ptr: n fp32 results, 64-byte aligned; may be h1 or h3, must not overlap them otherwise.
    localparam logic [7:0] SWIGLU_ARG_N = 8'h28;  // u32: Elements, a multiple of 16 in 16 .. MAX_N.

    // kernel rope: RoPE in place: pair j of vec rotated by table[pos][j % (head_size / 2)] (cos, sin), j < n / 2.
    localparam logic [31:0] ROPE_KERNEL_ID = 32'h524F5045;
    localparam int unsigned ROPE_ARG_WORDS = 9;
    localparam logic [31:0] ROPE_ARG_WORD_MASK = 32'h0000015F;  // words that hold argument bits
    localparam logic [7:0] ROPE_ARG_VEC = 8'h10;  // ptr: n fp32 values, rotated in place, 64-byte aligned (q and k back to back: one run).
    localparam logic [7:0] ROPE_ARG_TABLE = 8'h18;  // ptr: Rows of head_size fp32 (c0, s0, c1, s1, ...), row pos at table + pos * head_size * 4; 64-byte aligned.
    localparam logic [7:0] ROPE_ARG_POS = 8'h20;  // u32: Position, 0 .. MAX_SEQ_LEN - 1.
    localparam logic [7:0] ROPE_ARG_N = 8'h28;  // u32: Elements, a multiple of 16 in 16 .. MAX_N.
    localparam logic [7:0] ROPE_ARG_HEAD_SIZE = 8'h30;  // u32: A multiple of 16 in 16 .. MAX_HEAD_SIZE.

    // kernel quantize: Q8_0 activation quantization (runq quantize): n fp32 values to the matmul input-vector layout (int8 values, then n / group_size fp32 scales).
    localparam logic [31:0] QUANTIZE_KERNEL_ID = 32'h51554E54;
    localparam int unsigned QUANTIZE_ARG_WORDS = 7;
    localparam logic [31:0] QUANTIZE_ARG_WORD_MASK = 32'h0000005F;  // words that hold argument bits
    localparam logic [7:0] QUANTIZE_ARG_X = 8'h10;  // ptr: n fp32 values, 64-byte aligned.
    localparam logic [7:0] QUANTIZE_ARG_OUT = 8'h18;  // ptr: Quantized vector, host/image.py pack_vector layout (ceil(n / 64) + ceil(n / group_size / 16) beats), 64-byte aligned; must not overlap x.
    localparam logic [7:0] QUANTIZE_ARG_N = 8'h20;  // u32: Values, a multiple of group_size in 1 .. MAX_N.
    localparam logic [7:0] QUANTIZE_ARG_GROUP_SIZE = 8'h28;  // u32: 32 or 64.

    // kernel rmsnorm: RMSNorm: out[i] = w[i] * (rsqrt(sum16(x * x) * inv_n + EPS) * x[i]), i < n (docs/numerics.md section 6).
    localparam logic [31:0] RMSNORM_KERNEL_ID = 32'h524D534E;
    localparam int unsigned RMSNORM_ARG_WORDS = 9;
    localparam logic [31:0] RMSNORM_ARG_WORD_MASK = 32'h0000017F;  // words that hold argument bits
    localparam logic [7:0] RMSNORM_ARG_X = 8'h10;  // ptr: n fp32 values, 64-byte aligned.
    localparam logic [7:0] RMSNORM_ARG_W = 8'h18;  // ptr: n fp32 weights, 64-byte aligned.
    localparam logic [7:0] RMSNORM_ARG_OUT = 8'h20;  // ptr: n fp32 results, 64-byte aligned; may be x, must not overlap x or w otherwise.
    localparam logic [7:0] RMSNORM_ARG_N = 8'h28;  // u32: Elements, a multiple of 16 in 16 .. MAX_N.
    localparam logic [7:0] RMSNORM_ARG_INV_N = 8'h30;  // u32: fp32 bit pattern of 1/n correctly rounded (host constant, hwmodel.inv_n).

    // kernel softmax: Softmax: e[i] = exp(x[i] - max x); out[i] = e[i] * recip(sum16(e)), i < n.
    localparam logic [31:0] SOFTMAX_KERNEL_ID = 32'h534F464D;
    localparam int unsigned SOFTMAX_ARG_WORDS = 5;
    localparam logic [31:0] SOFTMAX_ARG_WORD_MASK = 32'h0000001F;  // words that hold argument bits
    localparam logic [7:0] SOFTMAX_ARG_X = 8'h10;  // ptr: n fp32 values, 64-byte aligned.
    localparam logic [7:0] SOFTMAX_ARG_OUT = 8'h18;  // ptr: ceil(n / 16) beats of fp32 results (lanes past n written as 0.0), 64-byte aligned; may be x.
    localparam logic [7:0] SOFTMAX_ARG_N = 8'h20;  // u32: Elements, 1 .. MAX_N.

    // kernel attention: Attention of one position over a KV cache (GQA): per query head, scores, softmax and the weighted sum of values (hwmodel.attention_fp32 / attention_int8).
    localparam logic [31:0] ATTENTION_KERNEL_ID = 32'h4154544E;
    localparam int unsigned ATTENTION_ARG_WORDS = 25;
    localparam logic [31:0] ATTENTION_ARG_WORD_MASK = 32'h01555FFF;  // words that hold argument bits
    localparam logic [7:0] ATTENTION_ARG_Q = 8'h10;  // ptr: n_heads * head_size fp32 (rotated queries), 64-byte aligned.
    localparam logic [7:0] ATTENTION_ARG_K = 8'h18;  // ptr: Key cache values, host/image.py KV layout (head-major: kv head h, position t at h * seq_len + t; fp32 head_size values or one int8 slot), 64-byte aligned.
    localparam logic [7:0] ATTENTION_ARG_V = 8'h20;  // ptr: Value cache values, the same layout as k.
    localparam logic [7:0] ATTENTION_ARG_KS = 8'h28;  // ptr: int8 KV only: key scales, per kv head seq_len fp32 (row stride ceil(seq_len / 16) beats), 64-byte aligned; ignored for fp32 KV.
    localparam logic [7:0] ATTENTION_ARG_VS = 8'h30;  // ptr: int8 KV only: value scales, the same layout as ks; ignored for fp32 KV.
    localparam logic [7:0] ATTENTION_ARG_OUT = 8'h38;  // ptr: n_heads * head_size fp32 results, 64-byte aligned; must not overlap the inputs.
    localparam logic [7:0] ATTENTION_ARG_POS = 8'h40;  // u32: Query position: positions 0 .. pos of the cache are attended; pos < seq_len.
    localparam logic [7:0] ATTENTION_ARG_N_HEADS = 8'h48;  // u32: Query heads, 1 .. MAX_HEADS, a multiple of n_kv_heads.
    localparam logic [7:0] ATTENTION_ARG_N_KV_HEADS = 8'h50;  // u32: Key/value heads, 1 .. n_heads.
    localparam logic [7:0] ATTENTION_ARG_HEAD_SIZE = 8'h58;  // u32: A multiple of 16 in 16 .. MAX_HEAD_SIZE.
    localparam logic [7:0] ATTENTION_ARG_SEQ_LEN = 8'h60;  // u32: Cache capacity in positions (the layout's head stride), 1 .. MAX_SEQ_LEN.
    localparam logic [7:0] ATTENTION_ARG_INV_SQRT_HS = 8'h68;  // u32: fp32 bit pattern of 1/sqrt(head_size) correctly rounded (host constant, hwmodel.inv_sqrt).
    localparam logic [7:0] ATTENTION_ARG_KV_INT8 = 8'h70;  // u32: 0: fp32 KV cache; 1: int8 Q8_0 KV cache (one scale per head vector).

    // kernel forward: One whole token: embedding, `layers` decoder layers, final RMSNorm and classifier (not with `skip_logits`); logits to the descriptor's logits buffer (docs/forward.md).
    localparam logic [31:0] FORWARD_KERNEL_ID = 32'h46575244;
    localparam int unsigned FORWARD_ARG_WORDS = 15;
    localparam logic [31:0] FORWARD_ARG_WORD_MASK = 32'h00007557;  // words that hold argument bits
    localparam logic [7:0] FORWARD_ARG_DESC = 8'h10;  // ptr: Descriptor table (host/image.py ForwardImage, DESCRIPTOR_FIELDS), 64-byte aligned, in channel A.
    localparam logic [7:0] FORWARD_ARG_TOKEN = 8'h18;  // u32: Token id, 0 .. vocab_size - 1.
    localparam logic [7:0] FORWARD_ARG_POS = 8'h20;  // u32: Position, 0 .. seq_len - 1: the KV-cache slot written and the last one attended.
    localparam logic [7:0] FORWARD_ARG_LAYERS = 8'h28;  // u32: Decoder layers to run, 0 .. n_layers (n_layers for a real token; fewer for step-by-step verification).
    localparam logic [7:0] FORWARD_ARG_SKIP_LOGITS = 8'h30;  // u32: 0: the whole token. 1: end after the last decoder layer, no final RMSNorm, classifier or logits write (a prompt token whose logits nobody reads: its KV-cache slot is what it leaves). Other values: CONFIG_ERROR before any memory access.
    localparam logic [7:0] FORWARD_ARG_TOKENS = 8'h38;  // u32: 0: one token, `token`. 1 .. the build's MAX_TOKENS: a batch of that many prompt tokens at positions pos, pos + 1, ..., their ids the first u32 words of `prompt`; every weight fetch serves all of them, the logits (unless skip_logits) are the last one's. Over MAX_TOKENS: CONFIG_ERROR before any memory access.
    localparam logic [7:0] FORWARD_ARG_PROMPT = 8'h40;  // ptr: With tokens >= 1: the batch's token ids (u32 each, 0 .. vocab_size - 1), 64-byte aligned, in channel A (one beat holds 16). Not read when tokens is 0.
    localparam logic [7:0] FORWARD_ARG_LOAD = 8'h48;  // u32: 0: run tokens. 1: an on-chip build (WEIGHT_BANKS >= 1) copies the weights of the first `layers` layers and the classifier from the descriptor's weight streams into its weight store and ends (no token; a later token run needs this descriptor, at most these layers). Load 1 on a build that streams its weights from DDR or with tokens >= 1, a token run on an on-chip build before such a load (or after a reset), or another value: CONFIG_ERROR before any memory access; a model too big for the store: CONFIG_ERROR at the end of the load.
    localparam int unsigned FORWARD_PERF_WORDS = 11;
    localparam int unsigned FORWARD_PERF_MATMUL_CYCLES = 0;  // word 0 at 0x90: Cycles in the matmul steps (QKV, WO, W13, W2, classifier: norm, quantize, weight streaming).
    localparam int unsigned FORWARD_PERF_ATTENTION_CYCLES = 1;  // word 1 at 0x94: Cycles in the attention step (q.K, softmax, .V over positions 0 .. pos).
    localparam int unsigned FORWARD_PERF_KV_CYCLES = 2;  // word 2 at 0x98: Cycles in the KV-cache store steps.
    localparam int unsigned FORWARD_PERF_RD_BEATS_A = 3;  // word 3 at 0x9C: 512-bit read beats received on channel A (m_axi_ch0).
    localparam int unsigned FORWARD_PERF_RD_BEATS_B = 4;  // word 4 at 0xA0: 512-bit read beats received on channel B (m_axi_ch1).
    localparam int unsigned FORWARD_PERF_RD_BEATS_C = 5;  // word 5 at 0xA4: 512-bit read beats received on channel C (m_axi_ch2).
    localparam int unsigned FORWARD_PERF_RD_BEATS_D = 6;  // word 6 at 0xA8: 512-bit read beats received on channel D (m_axi_ch3).
    localparam int unsigned FORWARD_PERF_WR_BEATS_A = 7;  // word 7 at 0xAC: 512-bit write beats sent on channel A.
    localparam int unsigned FORWARD_PERF_WR_BEATS_B = 8;  // word 8 at 0xB0: 512-bit write beats sent on channel B.
    localparam int unsigned FORWARD_PERF_WR_BEATS_C = 9;  // word 9 at 0xB4: 512-bit write beats sent on channel C.
    localparam int unsigned FORWARD_PERF_WR_BEATS_D = 10;  // word 10 at 0xB8: 512-bit write beats sent on channel D.

endpackage
/* verilator lint_on UNUSEDPARAM */

`default_nettype wire
