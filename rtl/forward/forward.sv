// SPDX-License-Identifier: Apache-2.0

/*
 * forward kernel: one start = one whole Llama 2 token, or a batch of prompt
 * tokens (tokens >= 1, up to MAX_TOKENS: every weight fetch serves all of them)
 *
 * Embedding, `layers` decoder layers, final RMSNorm and classifier, with the
 * activations on chip; the logits (ceil(vocab / 16) beats of 16 fp32, padded
 * rows 0.0) go to the descriptor's logits buffer and the token's key and
 * value head vectors into the KV cache at slot pos. Bit for bit as
 * hlstransform.model.hwmodel.HwTransformer.forward_np with its first
 * `layers` layers (docs/forward.md, docs/forward-plan.md).
 *
 * Interface (DESIGN.md section 6): s_axi_control (kernel_control; arguments
 * desc, token, pos, layers, skip_logits, tokens, prompt of rtl/regmap.toml),
 * interrupt, and four 512-bit
 * AXI4 masters m_axi_ch0 .. m_axi_ch3, one per DDR channel A..D; the kernel
 * emits full device addresses (channel c's window is c << 34, host/image.py
 * CHANNEL_SHIFT) and reads only the memory layout of host/image.py
 * ForwardImage.
 *
 * A run: the descriptor (DESC_BEATS beats at desc, channel A) is read and
 * checked with the arguments by fwd_config; a bad one (or a misaligned desc)
 * sets STATUS.CONFIG_ERROR and ends the run with no further memory access.
 * Then the sequencer below runs the token program one step after another
 * (docs/forward.md lists them): each step starts its units, issues its read
 * and write commands (fwd_channel, tagged with the consumer of their beats)
 * and waits for its end. Units: the scratchpad (fwd_scratchpad: regions X,
 * XB, QKV, H13, HB, ATT, LOGITS, ROPE), two region readers (fwd_reader) and
 * one writer (fwd_writer); the stream cores embed_core, rmsnorm_core,
 * quantize_core, attention_core, fwd_elementwise (residual, SwiGLU, RoPE
 * lanes on elementwise_core) and four matmul_engine, engine c fed by channel
 * c's weight stream (its 16-row blocks b with b mod 4 = c of every matrix,
 * consecutive in execution order from the descriptor's weights_<c>) and all
 * by the same quantized x stream (quantize_core's output, broadcast).
 * The on-chip build (WEIGHT_BANKS >= 1) keeps the weights in a
 * fwd_weight_store per channel instead, filled once by a load run (argument
 * load = 1: the matrix steps alone, their weight reads going to the stores),
 * and has 4 WEIGHT_BANKS engines, engine e = c + 4k fed by bank k of channel
 * c's store with blocks b mod 4 WEIGHT_BANKS = e; its token runs read no
 * weight from DDR (docs/forward.md, "Weights on chip").
 * A batch runs each step for its tokens in turn (per-token scratchpad copies
 * and position values), except the matrix steps: a sub-step per token loads
 * its x into the engines, then the weights stream once (docs/forward.md,
 * "Batches of prompt tokens").
 * int8 KV: quantize_core also quantizes each layer's k and v head vectors, in
 * one run, into the KV buffer, from which the KV step writes the slots and
 * merges the scales (docs/forward.md, "int8 KV").
 *
 * SLVERR/DECERR on any channel sets STATUS.AXI_READ_ERROR / AXI_WRITE_ERROR;
 * every step still completes (a failed read's data is undefined), so the run
 * always ends with done (a failed descriptor read ends it at once).
 */

`default_nettype none

module forward #(
    // Compile-time maxima of the model shape (defaults: stories110M). MAX_DIM, MAX_HIDDEN and
    // MAX_HEAD_SIZE are multiples of 16; the scratchpad, the engines' x buffers and the cores
    // are sized from them.
    parameter int MAX_DIM        = 768,    // dim
    parameter int MAX_HIDDEN     = 2048,   // hidden_dim
    parameter int MAX_HEADS      = 12,     // n_heads
    parameter int MAX_KV_HEADS   = 12,     // n_kv_heads
    parameter int MAX_HEAD_SIZE  = 128,    // head_size
    parameter int MAX_VOCAB      = 32000,  // vocab_size
    parameter int MAX_SEQ_LEN    = 1024,   // seq_len
    parameter int MAX_LAYERS     = 12,     // n_layers
    // KV-cache format: 0 fp32 (llama2.c exact), 1 int8 (one scale per head vector)
    parameter bit KV_INT8        = 1'b0,
    // Prompt tokens a run may batch (1..16): every weight fetch serves all of them
    parameter int MAX_TOKENS     = 1,
    // Weights: 0 streamed from DDR every token (one matrix engine per channel); 1, 2, 4 or 8
    // banks per channel of an on-chip weight store (fwd_weight_store, loaded once by a load
    // run), each feeding an engine of its own: 4 WEIGHT_BANKS engines
    parameter int WEIGHT_BANKS   = 0,
    // Words (512 bits) per bank of the weight store (WEIGHT_BANKS >= 1)
    parameter int WEIGHT_DEPTH   = 4096,
    // Width of the m_axi address buses, bits (36..64: the four channel windows)
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
     * AXI4 master: m_axi_ch0 (channel A: device addresses 0 << 34 ..)
     */
    output wire  [AXI_ID_WIDTH-1:0]     m_axi_ch0_arid,
    output wire  [AXI_ADDR_WIDTH-1:0]   m_axi_ch0_araddr,
    output wire  [7:0]                  m_axi_ch0_arlen,
    output wire  [2:0]                  m_axi_ch0_arsize,
    output wire  [1:0]                  m_axi_ch0_arburst,
    output wire                         m_axi_ch0_arlock,
    output wire  [3:0]                  m_axi_ch0_arcache,
    output wire  [2:0]                  m_axi_ch0_arprot,
    output wire  [3:0]                  m_axi_ch0_arqos,
    output wire  [3:0]                  m_axi_ch0_arregion,
    output wire                         m_axi_ch0_arvalid,
    input  wire                         m_axi_ch0_arready,
    input  wire  [AXI_ID_WIDTH-1:0]     m_axi_ch0_rid,
    input  wire  [511:0]                m_axi_ch0_rdata,
    input  wire  [1:0]                  m_axi_ch0_rresp,
    input  wire                         m_axi_ch0_rlast,
    input  wire                         m_axi_ch0_rvalid,
    output wire                         m_axi_ch0_rready,
    output wire  [AXI_ID_WIDTH-1:0]     m_axi_ch0_awid,
    output wire  [AXI_ADDR_WIDTH-1:0]   m_axi_ch0_awaddr,
    output wire  [7:0]                  m_axi_ch0_awlen,
    output wire  [2:0]                  m_axi_ch0_awsize,
    output wire  [1:0]                  m_axi_ch0_awburst,
    output wire                         m_axi_ch0_awlock,
    output wire  [3:0]                  m_axi_ch0_awcache,
    output wire  [2:0]                  m_axi_ch0_awprot,
    output wire  [3:0]                  m_axi_ch0_awqos,
    output wire  [3:0]                  m_axi_ch0_awregion,
    output wire                         m_axi_ch0_awvalid,
    input  wire                         m_axi_ch0_awready,
    output wire  [511:0]                m_axi_ch0_wdata,
    output wire  [63:0]                 m_axi_ch0_wstrb,
    output wire                         m_axi_ch0_wlast,
    output wire                         m_axi_ch0_wvalid,
    input  wire                         m_axi_ch0_wready,
    input  wire  [AXI_ID_WIDTH-1:0]     m_axi_ch0_bid,
    input  wire  [1:0]                  m_axi_ch0_bresp,
    input  wire                         m_axi_ch0_bvalid,
    output wire                         m_axi_ch0_bready,

    /*
     * AXI4 master: m_axi_ch1 (channel B: device addresses 1 << 34 ..)
     */
    output wire  [AXI_ID_WIDTH-1:0]     m_axi_ch1_arid,
    output wire  [AXI_ADDR_WIDTH-1:0]   m_axi_ch1_araddr,
    output wire  [7:0]                  m_axi_ch1_arlen,
    output wire  [2:0]                  m_axi_ch1_arsize,
    output wire  [1:0]                  m_axi_ch1_arburst,
    output wire                         m_axi_ch1_arlock,
    output wire  [3:0]                  m_axi_ch1_arcache,
    output wire  [2:0]                  m_axi_ch1_arprot,
    output wire  [3:0]                  m_axi_ch1_arqos,
    output wire  [3:0]                  m_axi_ch1_arregion,
    output wire                         m_axi_ch1_arvalid,
    input  wire                         m_axi_ch1_arready,
    input  wire  [AXI_ID_WIDTH-1:0]     m_axi_ch1_rid,
    input  wire  [511:0]                m_axi_ch1_rdata,
    input  wire  [1:0]                  m_axi_ch1_rresp,
    input  wire                         m_axi_ch1_rlast,
    input  wire                         m_axi_ch1_rvalid,
    output wire                         m_axi_ch1_rready,
    output wire  [AXI_ID_WIDTH-1:0]     m_axi_ch1_awid,
    output wire  [AXI_ADDR_WIDTH-1:0]   m_axi_ch1_awaddr,
    output wire  [7:0]                  m_axi_ch1_awlen,
    output wire  [2:0]                  m_axi_ch1_awsize,
    output wire  [1:0]                  m_axi_ch1_awburst,
    output wire                         m_axi_ch1_awlock,
    output wire  [3:0]                  m_axi_ch1_awcache,
    output wire  [2:0]                  m_axi_ch1_awprot,
    output wire  [3:0]                  m_axi_ch1_awqos,
    output wire  [3:0]                  m_axi_ch1_awregion,
    output wire                         m_axi_ch1_awvalid,
    input  wire                         m_axi_ch1_awready,
    output wire  [511:0]                m_axi_ch1_wdata,
    output wire  [63:0]                 m_axi_ch1_wstrb,
    output wire                         m_axi_ch1_wlast,
    output wire                         m_axi_ch1_wvalid,
    input  wire                         m_axi_ch1_wready,
    input  wire  [AXI_ID_WIDTH-1:0]     m_axi_ch1_bid,
    input  wire  [1:0]                  m_axi_ch1_bresp,
    input  wire                         m_axi_ch1_bvalid,
    output wire                         m_axi_ch1_bready,

    /*
     * AXI4 master: m_axi_ch2 (channel C: device addresses 2 << 34 ..)
     */
    output wire  [AXI_ID_WIDTH-1:0]     m_axi_ch2_arid,
    output wire  [AXI_ADDR_WIDTH-1:0]   m_axi_ch2_araddr,
    output wire  [7:0]                  m_axi_ch2_arlen,
    output wire  [2:0]                  m_axi_ch2_arsize,
    output wire  [1:0]                  m_axi_ch2_arburst,
    output wire                         m_axi_ch2_arlock,
    output wire  [3:0]                  m_axi_ch2_arcache,
    output wire  [2:0]                  m_axi_ch2_arprot,
    output wire  [3:0]                  m_axi_ch2_arqos,
    output wire  [3:0]                  m_axi_ch2_arregion,
    output wire                         m_axi_ch2_arvalid,
    input  wire                         m_axi_ch2_arready,
    input  wire  [AXI_ID_WIDTH-1:0]     m_axi_ch2_rid,
    input  wire  [511:0]                m_axi_ch2_rdata,
    input  wire  [1:0]                  m_axi_ch2_rresp,
    input  wire                         m_axi_ch2_rlast,
    input  wire                         m_axi_ch2_rvalid,
    output wire                         m_axi_ch2_rready,
    output wire  [AXI_ID_WIDTH-1:0]     m_axi_ch2_awid,
    output wire  [AXI_ADDR_WIDTH-1:0]   m_axi_ch2_awaddr,
    output wire  [7:0]                  m_axi_ch2_awlen,
    output wire  [2:0]                  m_axi_ch2_awsize,
    output wire  [1:0]                  m_axi_ch2_awburst,
    output wire                         m_axi_ch2_awlock,
    output wire  [3:0]                  m_axi_ch2_awcache,
    output wire  [2:0]                  m_axi_ch2_awprot,
    output wire  [3:0]                  m_axi_ch2_awqos,
    output wire  [3:0]                  m_axi_ch2_awregion,
    output wire                         m_axi_ch2_awvalid,
    input  wire                         m_axi_ch2_awready,
    output wire  [511:0]                m_axi_ch2_wdata,
    output wire  [63:0]                 m_axi_ch2_wstrb,
    output wire                         m_axi_ch2_wlast,
    output wire                         m_axi_ch2_wvalid,
    input  wire                         m_axi_ch2_wready,
    input  wire  [AXI_ID_WIDTH-1:0]     m_axi_ch2_bid,
    input  wire  [1:0]                  m_axi_ch2_bresp,
    input  wire                         m_axi_ch2_bvalid,
    output wire                         m_axi_ch2_bready,

    /*
     * AXI4 master: m_axi_ch3 (channel D: device addresses 3 << 34 ..)
     */
    output wire  [AXI_ID_WIDTH-1:0]     m_axi_ch3_arid,
    output wire  [AXI_ADDR_WIDTH-1:0]   m_axi_ch3_araddr,
    output wire  [7:0]                  m_axi_ch3_arlen,
    output wire  [2:0]                  m_axi_ch3_arsize,
    output wire  [1:0]                  m_axi_ch3_arburst,
    output wire                         m_axi_ch3_arlock,
    output wire  [3:0]                  m_axi_ch3_arcache,
    output wire  [2:0]                  m_axi_ch3_arprot,
    output wire  [3:0]                  m_axi_ch3_arqos,
    output wire  [3:0]                  m_axi_ch3_arregion,
    output wire                         m_axi_ch3_arvalid,
    input  wire                         m_axi_ch3_arready,
    input  wire  [AXI_ID_WIDTH-1:0]     m_axi_ch3_rid,
    input  wire  [511:0]                m_axi_ch3_rdata,
    input  wire  [1:0]                  m_axi_ch3_rresp,
    input  wire                         m_axi_ch3_rlast,
    input  wire                         m_axi_ch3_rvalid,
    output wire                         m_axi_ch3_rready,
    output wire  [AXI_ID_WIDTH-1:0]     m_axi_ch3_awid,
    output wire  [AXI_ADDR_WIDTH-1:0]   m_axi_ch3_awaddr,
    output wire  [7:0]                  m_axi_ch3_awlen,
    output wire  [2:0]                  m_axi_ch3_awsize,
    output wire  [1:0]                  m_axi_ch3_awburst,
    output wire                         m_axi_ch3_awlock,
    output wire  [3:0]                  m_axi_ch3_awcache,
    output wire  [2:0]                  m_axi_ch3_awprot,
    output wire  [3:0]                  m_axi_ch3_awqos,
    output wire  [3:0]                  m_axi_ch3_awregion,
    output wire                         m_axi_ch3_awvalid,
    input  wire                         m_axi_ch3_awready,
    output wire  [511:0]                m_axi_ch3_wdata,
    output wire  [63:0]                 m_axi_ch3_wstrb,
    output wire                         m_axi_ch3_wlast,
    output wire                         m_axi_ch3_wvalid,
    input  wire                         m_axi_ch3_wready,
    input  wire  [AXI_ID_WIDTH-1:0]     m_axi_ch3_bid,
    input  wire  [1:0]                  m_axi_ch3_bresp,
    input  wire                         m_axi_ch3_bvalid,
    output wire                         m_axi_ch3_bready
);

import kernel_regs_pkg::*;
import fwd_pkg::*;

// Scratchpad regions, in 64-byte words (16 fp32 each). X .. ROPE are a token's: a batch of
// tokens has MAX_TOKENS copies, token t's at t TOK_W (TOK_W a power of two with several
// tokens, so a token's word address is its index above an offset: no adder); LOGITS once.
localparam int DIM_W     = MAX_DIM / 16;
localparam int HID_W     = MAX_HIDDEN / 16;
localparam int X_BASE    = 0;                          // residual stream x (dim)
localparam int XB_BASE   = X_BASE + DIM_W;             // a matmul output added to x (dim)
localparam int QKV_BASE  = XB_BASE + DIM_W;            // q | k | v (dim + 2 kv_dim <= 3 dim)
localparam int H13_BASE  = QKV_BASE + 3 * DIM_W;       // h1 | h3 (2 hidden)
localparam int HB_BASE   = H13_BASE + 2 * HID_W;       // SwiGLU output (hidden)
localparam int ATT_BASE  = HB_BASE + HID_W;            // attention output (dim)
localparam int ROPE_BASE = ATT_BASE + DIM_W;           // the RoPE table row of pos (head_size)
localparam int TOK_WORDS = ROPE_BASE + MAX_HEAD_SIZE / 16;  // a token's regions
localparam int TOK_W     = MAX_TOKENS > 1 ? 1 << $clog2(TOK_WORDS) : TOK_WORDS;
localparam int LOG_BASE  = MAX_TOKENS * TOK_W;         // logits (vocab)
localparam int SP_DEPTH  = LOG_BASE + (MAX_VOCAB + 15) / 16;
localparam int AW        = $clog2(SP_DEPTH);           // scratchpad word address
localparam int CW        = AW + 1;                     // word counts

// Matmul engines' and the quantizer's input width: the longer of dim and hidden, in 512s.
localparam int ENG_COLS     = ((MAX_DIM > MAX_HIDDEN ? MAX_DIM : MAX_HIDDEN) + 511) / 512 * 512;
// int8 KV store: one quantize_core run takes the layer's k and v head vectors (2 kv_dim values,
// kv_dim <= dim and <= n_kv_heads x 64) into the KV buffer: its value beats (a group of
// head_size per head vector, group g = k heads 0..n_kv_heads-1 then v heads; a beat per group
// at head_size 64, two at 32) and its scale beats (16 groups a beat).
localparam int KVQ_VALUES   = 2 * (MAX_DIM < MAX_KV_HEADS * 64 ? MAX_DIM : MAX_KV_HEADS * 64);
localparam int KVQ_N        = (KVQ_VALUES + 511) / 512 * 512;  // the KV run's width, in 512s
localparam int Q_MAX_N      = KV_INT8 && KVQ_N > ENG_COLS ? KVQ_N : ENG_COLS;
localparam int KVB_VBEATS   = 2 * MAX_KV_HEADS;             // value beats (head_size 64)
localparam int KVB_SBEATS   = (2 * MAX_KV_HEADS + 15) / 16;  // scale beats
localparam int KVG_WIDTH    = $clog2(2 * MAX_KV_HEADS);      // a group of the KV run
localparam int KVV_WIDTH    = $clog2(KVB_VBEATS + 1);
localparam int KVS_WIDTH    = KVB_SBEATS > 1 ? $clog2(KVB_SBEATS) : 1;
localparam int GROUP_WIDTH  = $clog2(ENG_COLS / 32 + 1);
localparam int X_BEAT_WIDTH = $clog2(ENG_COLS / 64 + 1);
localparam int KVH_WIDTH    = $clog2(MAX_KV_HEADS + 1);
localparam int KVI_WIDTH    = MAX_KV_HEADS > 1 ? $clog2(MAX_KV_HEADS) : 1;  // index of a kv head
localparam int HEAD_WIDTH   = $clog2(MAX_HEADS + 1);
localparam int HI_WIDTH     = MAX_HEADS > 1 ? $clog2(MAX_HEADS) : 1;        // index of a query head
localparam int AC_WIDTH     = $clog2(MAX_HEAD_SIZE / 16 + 1);              // attention_core head_chunks
localparam int AT_WIDTH     = $clog2(MAX_SEQ_LEN + 1);                     // attention_core pos

// Argument word indexes in core_args (rtl/regmap.toml via kernel_regs_pkg).
localparam int ARG_DESC   = (int'(FORWARD_ARG_DESC) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_TOKEN  = (int'(FORWARD_ARG_TOKEN) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_POS    = (int'(FORWARD_ARG_POS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_LAYERS = (int'(FORWARD_ARG_LAYERS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_SKIP_LOGITS = (int'(FORWARD_ARG_SKIP_LOGITS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_TOKENS = (int'(FORWARD_ARG_TOKENS) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_PROMPT = (int'(FORWARD_ARG_PROMPT) - int'(CTRL_ARG_BASE)) / 4;
localparam int TI_WIDTH   = MAX_TOKENS > 1 ? $clog2(MAX_TOKENS) : 1;      // a token's index
localparam int TN_WIDTH   = $clog2(MAX_TOKENS + 1);                      // a token count
localparam int ARG_LOAD   = (int'(FORWARD_ARG_LOAD) - int'(CTRL_ARG_BASE)) / 4;
// The on-chip weight build: engine e = c + 4 k is fed by bank k of channel c's store and
// computes blocks e, e + N_ENG, ... of every matrix (host/image.py WeightBankLayout).
localparam bit ONCHIP     = WEIGHT_BANKS > 0;
localparam int N_ENG      = ONCHIP ? 4 * WEIGHT_BANKS : 4;
localparam int N_BANKS    = ONCHIP ? WEIGHT_BANKS : 1;                   // (a DDR build has no store)
// Each attention lane takes its channel's key and value streams at a beat a cycle. An int8 beat
// is 64 values, four chunks of 16: four score pipes and four value ways. An fp32 beat is one
// chunk, which one pipe and one way take: the other three of each would idle (about half a
// lane's LUTs, docs/synthesis.md's attention_core breakdown), so an fp32-KV build has one.
localparam int ATT_SCORE_PIPES = KV_INT8 ? 4 : 1;
localparam int ATT_VALUE_WAYS  = KV_INT8 ? 4 : 1;
localparam int WAW        = $clog2(WEIGHT_DEPTH);                        // a bank's word address
localparam int WCW        = WAW + 1;                                     // a bank's word count

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_DIM < 32 || MAX_DIM % 16 != 0 || MAX_HIDDEN < 32 || MAX_HIDDEN % 16 != 0) begin : g_check_dims
    $error("forward: MAX_DIM and MAX_HIDDEN must be multiples of 16, >= 32");
end
if (MAX_HEAD_SIZE < 16 || MAX_HEAD_SIZE % 16 != 0) begin : g_check_head_size
    $error("forward: MAX_HEAD_SIZE must be a multiple of 16, >= 16");
end
if (MAX_HEADS < 1 || MAX_KV_HEADS < 1 || MAX_KV_HEADS > MAX_HEADS || MAX_VOCAB < 1 || MAX_SEQ_LEN < 1
    || MAX_LAYERS < 1) begin : g_check_maxima
    $error("forward: MAX_HEADS, MAX_KV_HEADS (<= MAX_HEADS), MAX_VOCAB, MAX_SEQ_LEN, MAX_LAYERS must be >= 1");
end
if (AXI_ADDR_WIDTH < 36 || AXI_ADDR_WIDTH > 64) begin : g_check_addr_width
    $error("forward: AXI_ADDR_WIDTH must be in 36..64");
end
if (AXI_ID_WIDTH < 1) begin : g_check_id_width
    $error("forward: AXI_ID_WIDTH must be >= 1");
end
if (MAX_TOKENS < 1 || MAX_TOKENS > 16) begin : g_check_tokens
    $error("forward: MAX_TOKENS must be in 1..16");
end
if (WEIGHT_BANKS != 0 && WEIGHT_BANKS != 1 && WEIGHT_BANKS != 2 && WEIGHT_BANKS != 4 && WEIGHT_BANKS != 8
    || WEIGHT_DEPTH < 2) begin : g_check_weight_store
    $error("forward: WEIGHT_BANKS must be 0, 1, 2, 4 or 8, WEIGHT_DEPTH >= 2");
end

/*
 * Reset, registered once: one flop drives the whole kernel's reset tree (every unit resets a
 * cycle after rst rises and leaves reset a cycle after it falls). It also keeps the port out
 * of the XLS blocks' logic, which a simulator would otherwise re-evaluate on every input change.
 */
logic rst_reg;

always_ff @(posedge clk) begin
    rst_reg <= rst;
end

/*
 * Control block
 */
wire                            core_start;
wire [FORWARD_ARG_WORDS*32-1:0] core_args;
logic                           core_done;
logic [3:0]                     core_status;

// The high words of the u32 arguments read as zero (ARG_WORD_MASK) and carry nothing.
wire unused_args = &{1'b0, core_args[32 * (ARG_TOKEN + 1) +: 32], core_args[32 * (ARG_POS + 1) +: 32],
                      core_args[32 * (ARG_LAYERS + 1) +: 32], core_args[32 * (ARG_TOKENS + 1) +: 32]};

// Performance counter events of this cycle (rtl/regmap.toml [kernels.forward] perf), driven
// below once the sequencer state exists.
logic [FORWARD_PERF_WORDS-1:0] perf_count;

kernel_control #(
    .ARG_WORDS(FORWARD_ARG_WORDS),
    .ARG_WORD_MASK(FORWARD_ARG_WORD_MASK),
    .KERNEL_ID(FORWARD_KERNEL_ID),
    .PERF_WORDS(FORWARD_PERF_WORDS)
) kernel_control_inst (
    .clk(clk),
    .rst(rst_reg),
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
    .core_perf_count(perf_count)
);

/*
 * Run configuration (descriptor, checks, derived constants)
 */
logic          cfg_clear, cfg_check;
wire           cfg_done, cfg_ok;
wire  [255:0]  c_weights_addr, c_kv_addr, c_skip_bytes;
wire  [63:0]   c_norms_addr, c_logits_addr, c_norm_stride, c_final_norm_addr;
wire  [64*MAX_TOKENS-1:0] c_emb_q_addr, c_emb_s_addr;  // token t's embedding row at [64t +: 64]
wire  [63:0]   c_rope_addr, c_cache_bytes, c_slot_off, c_scale_off;
wire  [31:0]   c_inv_dim, c_inv_sqrt_hs, c_n_heads, c_n_kv_heads, c_dim, c_hidden_dim, c_head_size;
wire  [31:0]   c_kv_mul, c_dim_beats, c_hid_beats, c_kv_beats, c_hs_beats, c_dim_groups, c_hid_groups;
wire  [31:0]   c_dim_xbeats, c_hid_xbeats, c_emb_q_beats, c_emb_s_beats, c_vocab_beats, c_slot_beats;
wire  [31:0]   c_seq_beats, c_scale_beats;
wire  [159:0]  c_mat_words;
wire  [639:0]  c_mat_beats, c_ch_blocks;
wire  [159:0]  c_mat_bpb;
wire  [5*N_ENG*32-1:0] c_eng_beats;  // matrix m, engine e: its weight beats at [32 (N_ENG m + e) +: 32]
wire           c_gs64;

/*
 * Sequencer state
 */
typedef enum logic [2:0] {
    STATE_IDLE,       // waits for core_start
    STATE_DESC,       // checks the desc pointer, issues the descriptor read
    STATE_DESC_WAIT,  // waits for the descriptor's beats
    STATE_CONFIG,     // waits for fwd_config's checks and constants
    STATE_STEP,       // starts the units of the current step
    STATE_ISSUE,      // issues the step's memory commands, a batch (one per channel) at a time
    STATE_WAIT,       // waits for the step's end
    STATE_NEXT        // moves to the next step (or kv head, layer), or finishes the run
} state_t;

typedef enum logic [3:0] {
    STEP_EMBED,     // embed_core: embedding row of token -> X
    STEP_ROPE_ROW,  // RoPE table row of pos -> ROPE (once per token)
    STEP_QKV,       // X (twice) -> rmsnorm (rms_att) -> quantize -> engines (wqkv) -> QKV
    STEP_ROPE,      // QKV[q | k] rotated in place with ROPE
    STEP_KVQ,       // int8 KV: every k and v head vector -> quantize_core (one run) -> the KV buffer
    STEP_KV,        // one k or v head vector -> its KV-cache slot (per kv head, k then v)
    STEP_ATT,       // every query head's attention (one attention_core run) -> ATT
    STEP_WO,        // ATT -> quantize -> engines (wo) -> XB
    STEP_RES1,      // X += XB
    STEP_W13,       // X -> rmsnorm (rms_ffn) -> quantize -> engines (w13) -> H13
    STEP_SWIGLU,    // HB = swiglu(h1, h3)
    STEP_W2,        // HB -> quantize -> engines (w2) -> XB
    STEP_RES2,      // X += XB
    STEP_CLS,       // X -> rmsnorm (rms_final) -> quantize -> engines (classifier) -> LOGITS,
                    // streamed on to the logits buffer (channel A) as the engines write them
    STEP_DESC       // before the steps (STATE_DESC, STATE_CONFIG): the descriptor read's command
} step_t;

// The state one-hot, a bit a state (bit STATE_x): every test of the state reads one bit. As a
// binary code, each test was a compare over its bits that ABC mapped as a chain of LUT2s in
// front of the step's next-state logic (logic depth: 9 LUT levels from state_reg into the step's
// one-hot flops in both whole-design runs of deefdb1).
logic [7:0]             state_reg, state_next;
function automatic logic [7:0] at(input state_t s);
    at = 8'd1 << s;
endfunction
step_t                  step_reg, step_next;
logic [2:0]             phase_reg, phase_next;        // STATE_ISSUE: the next command batch
// Classes of steps, a register bit each beside the step (step_cls_next is set next to every
// step_next, as step_class of that arm's step, a constant there: so always step_reg's classes;
// checked in simulation): the step's end, STATE_NEXT's branches and the arms of STATE_STEP and
// STATE_ISSUE test them. As compares there, they were ORs over the step's one-hot bits that ABC
// maps as a chain of LUT2s in front of the next step and state (logic depth: 9 LUT levels from
// step_reg to step_reg, and in the stories15M build to state_reg, in the whole-design runs of
// c0d8eb4). (step_class(step_next) after the case, instead of a constant per arm, put the class
// register behind the whole next-step logic: 8 levels in the module flow.)
localparam int SC_MM       = 0;  // streams a weight matrix: the four layer matrices and the classifier
localparam int SC_MM_LAYER = 1;  // a layer's matrix: a batch runs it again until its last x load
localparam int SC_PER_TOK  = 2;  // runs once for each token of a batch, one after another
localparam int SC_ON_WRITE = 3;  // ends when its write is acknowledged (no end of its own)
localparam int SC_EW       = 4;  // an elementwise step: reader A (and B) -> fwd_elementwise -> writer
function automatic logic [4:0] step_class(input step_t s);
    logic mm_layer, mm, per_tok, on_write, ew;
    mm_layer = s == STEP_QKV || s == STEP_WO || s == STEP_W13 || s == STEP_W2;
    mm       = mm_layer || s == STEP_CLS;
    per_tok  = s == STEP_EMBED || s == STEP_ROPE_ROW || s == STEP_ATT || s == STEP_RES1 || s == STEP_SWIGLU
            || s == STEP_RES2;
    on_write = !(mm || s == STEP_KVQ || s == STEP_KV || s == STEP_EMBED);
    ew       = s == STEP_ROPE || s == STEP_RES1 || s == STEP_RES2 || s == STEP_SWIGLU;
    step_class = {ew, on_write, per_tok, mm_layer, mm};
endfunction
logic [4:0]             step_cls_reg, step_cls_next;
wire                    mm_step = step_cls_reg[SC_MM];
// The classifier step, tested as the negation of this compare: `step_reg != STEP_CLS` maps, after
// Yosys's one-hot recoding of the step, as an OR over every other step's bit (logic depth: 8 LUT
// levels into state_reg in the module flow of the deployed build).
wire                    step_is_cls = step_reg == STEP_CLS;

// Where the cycles and the memory traffic go (the bench's breakdown; CYCLES is the total).
// (explicit compares, not `inside`: Yosys, which `make synth` uses, does not parse it)
wire in_steps = state_reg[STATE_STEP] || state_reg[STATE_ISSUE] || state_reg[STATE_WAIT]
             || state_reg[STATE_NEXT];
always_comb begin
    perf_count = '0;
    perf_count[FORWARD_PERF_MATMUL_CYCLES]    = in_steps && mm_step;
    perf_count[FORWARD_PERF_ATTENTION_CYCLES] = in_steps && step_reg == STEP_ATT;
    perf_count[FORWARD_PERF_KV_CYCLES]        = in_steps && (step_reg == STEP_KVQ || step_reg == STEP_KV);
    perf_count[FORWARD_PERF_RD_BEATS_A]       = m_axi_ch0_rvalid && m_axi_ch0_rready;
    perf_count[FORWARD_PERF_RD_BEATS_B]       = m_axi_ch1_rvalid && m_axi_ch1_rready;
    perf_count[FORWARD_PERF_RD_BEATS_C]       = m_axi_ch2_rvalid && m_axi_ch2_rready;
    perf_count[FORWARD_PERF_RD_BEATS_D]       = m_axi_ch3_rvalid && m_axi_ch3_rready;
    perf_count[FORWARD_PERF_WR_BEATS_A]       = m_axi_ch0_wvalid && m_axi_ch0_wready;
    perf_count[FORWARD_PERF_WR_BEATS_B]       = m_axi_ch1_wvalid && m_axi_ch1_wready;
    perf_count[FORWARD_PERF_WR_BEATS_C]       = m_axi_ch2_wvalid && m_axi_ch2_wready;
    perf_count[FORWARD_PERF_WR_BEATS_D]       = m_axi_ch3_wvalid && m_axi_ch3_wready;
end

// Arguments (snapshot at core_start): datapath, not reset.
logic [63:0]            desc_ptr_reg, desc_ptr_next;
logic                   desc_bad_reg, desc_bad_next;  // desc_ptr is no beat address in channel A, or skip_logits > 1
logic [31:0]            token_reg, token_next;
logic [31:0]            pos_reg, pos_next;
logic [31:0]            layers_reg, layers_next;
logic                   skip_logits_reg, skip_logits_next;  // end after the last layer (a prompt token)
logic                   batch_reg, batch_next;        // the argument tokens != 0: the ids from prompt
logic [63:0]            prompt_ptr_reg, prompt_ptr_next;
logic                   prompt_sent_reg, prompt_sent_next;  // the prompt beat's read was issued

// The batch (a token is a batch of one): the current token, whose regions and position the steps
// use; per-token values stepped with it (tok_clr: token 0, tok_inc: the next), each the batch's
// first plus tok strides, so no multiply: the scratchpad base (tok TOK_W), the position, the
// offset of its KV slot in a head's cache, the beats of positions 0..pos (attention reads), the
// RoPE row, the int8 scale beats of positions 0..pos; the embedding row (fwd_config's, by tok).
logic [TI_WIDTH-1:0]    ntok_m1_reg, ntok_m1_next;    // tokens of the run - 1
logic [TI_WIDTH-1:0]    tok_reg;
logic                   tok_last_reg;                 // tok_reg == ntok_m1_reg
logic                   tok_clr, tok_inc;
logic [AW-1:0]          tbase_reg;
logic [31:0]            pos_cur_reg;
logic [63:0]            slot_cur_reg;
logic [31:0]            seq_cur_reg;
logic [63:0]            rope_cur_reg;
logic [31:0]            scale_cur_reg;
logic [63:0]            emb_q_cur_reg, emb_s_cur_reg;
// What the steps read: with one token a run (MAX_TOKENS 1) the run's values themselves, so that
// build has none of the stepping logic.
wire                    tok_last = MAX_TOKENS == 1 || tok_last_reg;
wire  [AW-1:0]          tb       = MAX_TOKENS > 1 ? tbase_reg : '0;
wire  [31:0]            pos_t    = MAX_TOKENS > 1 ? pos_cur_reg : pos_reg;
wire  [63:0]            slot_t   = MAX_TOKENS > 1 ? slot_cur_reg : c_slot_off;
wire  [31:0]            seq_t    = MAX_TOKENS > 1 ? seq_cur_reg : c_seq_beats;
wire  [63:0]            rope_t   = MAX_TOKENS > 1 ? rope_cur_reg : c_rope_addr;
wire  [31:0]            scale_t  = MAX_TOKENS > 1 ? scale_cur_reg : c_scale_beats;
wire  [63:0]            emb_q_t  = MAX_TOKENS > 1 ? emb_q_cur_reg : c_emb_q_addr[63:0];
wire  [63:0]            emb_s_t  = MAX_TOKENS > 1 ? emb_s_cur_reg : c_emb_s_addr[63:0];

// Loops: layer; KV store head and k/v; attention query head whose commands are issued next, its
// kv head and the place in the kv head's group; the scratchpad offset of the KV store's head.
logic [31:0]            layer_reg, layer_next;
logic [KVH_WIDTH-1:0]   kvh_reg, kvh_next;
logic                   which_reg, which_next;        // 0: k, 1: v
logic [HEAD_WIDTH-1:0]  head_reg, head_next;
logic [KVH_WIDTH-1:0]   akvh_reg, akvh_next;
logic [31:0]            sub_reg, sub_next;
logic [AW-1:0]          kvoff_reg, kvoff_next;         // kvh * hs / 16 (fp32 KV path; unread in int8 builds)

// Memory pointers: per channel the weight stream and the KV cursor (the next kv head's key
// cache; the layers' heads are consecutive in each channel's KV region); the next norm
// weights; the key cache of each kv head of the current layer.
logic [63:0]            wptr_reg [0:3];
logic [63:0]            wptr_next [0:3];
logic [63:0]            kvcur_reg [0:3];
logic [63:0]            kvcur_next [0:3];
logic [63:0]            kvcur_lay_reg [0:3];           // a batch: kvcur at the layer's start (each token's KV step)
logic [63:0]            kvcur_lay_next [0:3];
logic [63:0]            sbpf_cur_reg [0:3];            // int8 KV: the scale read-ahead's kv cursors (as kvcur)
logic [63:0]            sbpf_cur_next [0:3];
logic [63:0]            norm_ptr_reg, norm_ptr_next;
logic [63:0]            kvbase_reg [0:MAX_KV_HEADS-1];
logic                   kvbase_we;

// Memory commands, one register set per channel; write commands not yet acknowledged.
logic                   rdc_valid_reg [0:3];
logic                   rdc_valid_next [0:3];
logic [63:0]            rdc_addr_reg [0:3];
logic [63:0]            rdc_addr_next [0:3];
logic [31:0]            rdc_beats_reg [0:3];
logic [31:0]            rdc_beats_next [0:3];
logic [3:0]             rdc_tag_reg [0:3];
logic [3:0]             rdc_tag_next [0:3];
// A read command's values are picked by the step and the phase alone (registers), in rdc_*_data,
// and every channel's command registers load them (through rdc_*_dreg, below) while no command is
// pending (cmds_idle): a command is only ever issued then, and a channel reads them only with its
// valid. The state machine's branches say which channels issue (rdc_valid_next), nothing else:
// muxed through the branches, or loaded by which branch issues, the values came behind the
// branches' conditions (logic depth).
logic [63:0]            rdc_addr_data [0:3];
logic [31:0]            rdc_beats_data [0:3];
logic [3:0]             rdc_tag_data [0:3];
// ... registered every cycle (rdc_*_dreg), and the command registers load those: the step's
// choice of sources ends at a register, not in front of the issue mux (logic depth: 9 LUT levels
// from step_reg to rdc_beats_reg in the whole-design run of 1775b12). So that the registered
// values are the issue cycle's own, no command issues in the cycle after one that could have
// changed a source (hold_reg: after any cycle outside STATE_DESC / DESC_WAIT / ISSUE, and after
// any cycle with cmds_idle, in which the state machine steps its phase, head or pointers).
// Checked in simulation below.
logic [63:0]            rdc_addr_dreg [0:3];
logic [31:0]            rdc_beats_dreg [0:3];
logic [3:0]             rdc_tag_dreg [0:3];
logic                   hold_reg, hold_next;
logic                   wrc_valid_reg [0:3];
logic                   wrc_valid_next [0:3];
logic [63:0]            wrc_addr_reg [0:3];
logic [63:0]            wrc_addr_next [0:3];
logic [31:0]            wrc_beats_reg [0:3];
logic [31:0]            wrc_beats_next [0:3];
logic [7:0]             wr_pend_reg [0:3];
logic [7:0]             wr_pend_next [0:3];
// wr_pend_reg[c] == 0, registered from the next count (logic depth: the four zero tests in front
// of step_end and the state register were 9 LUT levels in the whole-design run at 85abb0e).
logic [3:0]             wr_none_reg, wr_none_next;
// The current matrix's beats per channel (c_mat_beats[mm]), latched in STATE_STEP so that
// STATE_ISSUE neither muxes the five matrices by step nor compares 32 bits in front of the
// command registers (logic depth); mmb_any: the channel has blocks of this matrix.
logic [31:0]            mmb_reg [0:3];
logic [31:0]            mmb_next [0:3];
logic                   mmb_any_reg [0:3];
logic                   mmb_any_next [0:3];
// On-chip weight store (WEIGHT_BANKS >= 1; flat vectors, engine e's field at [W e +: W]).
// A load run (load_reg) clears the store and loads each matrix step's blocks into it instead of
// computing; loaded_* remember what it holds, which a token run must match. A token run's matrix
// step starts each engine's bank reader at bptr (the bank's words of the earlier matrices, from 0
// at the run's start) or, for the classifier, at cls_base (its first word, recorded by the load:
// a run of fewer layers skips the rest).
logic                   load_reg, load_next;
logic                   loaded_reg, loaded_next;
logic [63:0]            loaded_desc_reg, loaded_desc_next;
logic [31:0]            loaded_layers_reg, loaded_layers_next;
logic                   st_clear_reg, st_clear_next;
logic                   st_load_start_reg, st_load_start_next;
logic [15:0]            st_blocks_reg [0:3];           // channel c's blocks of the matrix being loaded
logic [15:0]            st_blocks_next [0:3];
logic [15:0]            st_bbeats_reg, st_bbeats_next; // ... beats of one of its blocks
logic [3:0]             ld_seen_reg, ld_seen_next;     // store c's load run done in this step
logic [N_ENG-1:0]       st_rd_start_reg, st_rd_start_next;
logic [N_ENG*WAW-1:0]   st_rd_base_reg, st_rd_base_next;
logic [N_ENG*WCW-1:0]   st_rd_count_reg, st_rd_count_next;
logic [N_ENG*WCW-1:0]   bptr_reg, bptr_next;
logic [N_ENG*WCW-1:0]   cls_base_reg, cls_base_next;
wire                    st_loading = ONCHIP && load_reg;  // this run loads the store
// Configuration values minus one, as registers (the configuration holds still for the whole
// run after STATE_CONFIG): the last-head, last-sub and last-chunk compares then read two
// registers instead of a subtraction's carry (logic depth).
logic [31:0]            n_heads_m1_reg, n_kv_heads_m1_reg, kv_mul_m1_reg, hs_beats_m1_reg;
// The last-head, last-sub, last-kv-head and last-layer compares, registered: each is read one
// cycle or more after its operands last changed (head, akvh and sub move at an attention head's
// end, two issue cycles or more apart; kvh moves at every other RoPE read-ahead issue and at
// STATE_NEXT, and is read in STATE_ISSUE, STATE_WAIT and STATE_NEXT after a STATE_STEP; layer at
// STATE_NEXT, layers at the start), so the registered value is the compare's (logic depth: a
// 32-bit compare, or layer + 1's carry and a compare, in front of the state and pointer muxes).
logic                   sub_last_reg, head_last_reg, kvh_last_reg, layer_last_reg, no_layers_reg;
// Sums of configuration offsets (and pos's scale beat), as registers: they hold still from
// STATE_CONFIG (pos from the start) to the run's end, so the KV addresses below are one add onto
// a head's base instead of two or three in a row (logic depth). [which]: 0 key, 1 value cache.
logic [63:0]            sbeat_off_reg [0:1];    // (cache_bytes if value) + scale_off + pos's scale beat
logic [63:0]            slot_off_reg [0:1];     // (cache_bytes if value) + slot_off
logic [63:0]            cache_scale_off_reg;    // cache_bytes + scale_off: the value scales
// Attention: kv head akvh's four read addresses (ATT_A_*) as registers, so the read command's
// address is a choice among registers, not a head-table read and an add in front of it (logic
// depth: 9 LUT levels from step_reg to rdc_addr_reg before). akvh only starts at 0 (loaded here
// from kvbase_reg[0]) or steps by one at a head's end, and a head's commands take at least 3
// cycles, so kv head akvh + 1's addresses are formed beside them over two cycles (its base, then
// the four sums) and are ready at that step. Checked in simulation below.
localparam int ATT_A_KS = 0, ATT_A_K = 1, ATT_A_VS = 2, ATT_A_V = 3;  // att_phase's order
logic [63:0]            att_addr_reg [0:3];
logic [63:0]            att_naddr_reg [0:3];    // ... kv head akvh + 1's
logic [63:0]            att_nbase_reg;          // ... its base
logic                   akvh_first, akvh_step;    // akvh_next = 0 / akvh_reg + 1

// Status.
logic                   rd_err_reg, rd_err_next;
logic                   wr_err_reg, wr_err_next;
logic                   cfg_err_reg, cfg_err_next;
logic                   done_reg, done_next;
logic [$clog2(forward_desc_pkg::DESC_BEATS+2)-1:0] desc_cnt_reg, desc_cnt_next;  // + a batch's prompt beat
logic                   ra_seen_reg, ra_seen_next;     // reader A done in this step
logic                   rb_seen_reg, rb_seen_next;     // reader B done in this step (the classifier's logits)
logic                   wr_seen_reg, wr_seen_next;     // writer done in this step

// Unit configuration (registers: valid with the start pulses, stable through the step).
logic                   ra_start_reg, ra_start_next;
logic [AW-1:0]          ra_base_reg, ra_base_next;
logic [CW-1:0]          ra_count_reg, ra_count_next;
logic [CW-1:0]          ra_wrap_reg, ra_wrap_next;
logic [2:0]             ra_route_reg, ra_route_next;
logic [1:0]             ra_wch_reg, ra_wch_next;       // RA_WRITE: the channel
logic                   rb_start_reg, rb_start_next;
logic [AW-1:0]          rb_base_reg, rb_base_next;
logic [CW-1:0]          rb_count_reg, rb_count_next;
logic [CW-1:0]          rb_wrap_reg, rb_wrap_next;
logic                   w_start_reg, w_start_next;
logic [AW-1:0]          w_base_reg, w_base_next;
logic [CW-1:0]          w_count_reg, w_count_next;
logic                   w_engines_reg, w_engines_next;
logic [1:0]             w_src_reg, w_src_next;
logic [1:0]             ew_op_reg, ew_op_next;
logic                   emb_start_reg, emb_start_next;
logic                   rms_start_reg, rms_start_next;
logic                   q_start_reg, q_start_next;
logic [31:0]            q_n_reg, q_n_next;
logic                   q_rms_reg, q_rms_next;         // quantize x from rmsnorm_core (else reader A)
logic                   q_gs64_reg, q_gs64_next;       // quantize group size 64 (else 32)
logic                   q_kv_reg, q_kv_next;           // quantizing a KV head vector (int8 KV store)
logic [1:0]             wd_src_reg, wd_src_next;       // the channels' write data source (WD_*)
logic                   sb_valid_reg, sb_valid_next;   // int8 KV store: the merged scale beat waits to go
logic [511:0]           sbeat_reg, sbeat_next;         // ... the beat holding pos's scale, read, then merged
logic                   sbeat_have_reg, sbeat_have_next;
logic [31:0]            kvs_reg, kvs_next;             // ... the head vector's new scale (from the KV buffer)
logic [511:0]           kvd_reg, kvd_next;             // ... the head vector's value beat (from the KV buffer)
logic                   kvd_valid_reg, kvd_valid_next; // ... and it waits to go
// int8 KV buffer (STEP_KVQ writes it, STEP_KV reads it): quantize_core's value and scale beats
// of the layer's run, the beats counted as they come; the v group of kv head kvh (n_kv_heads +
// kvh, kept as a counter).
logic [511:0]           kvb_val [0:KVB_VBEATS-1];
logic [511:0]           kvb_scale [0:KVB_SBEATS-1];
logic [KVV_WIDTH-1:0]   kvb_vn_reg;                    // value beats of the run (kv_dim / 32)
logic [KVV_WIDTH-1:0]   kvb_vcnt_reg, kvb_vcnt_next;   // value beats taken
logic [KVS_WIDTH-1:0]   kvb_scnt_reg, kvb_scnt_next;   // scale beats taken
logic                   kvb_full_reg, kvb_full_next;   // the run's last beat taken
logic [KVG_WIDTH-1:0]   kvgv_reg, kvgv_next;           // n_kv_heads + kvh
logic                   eng_start_reg, eng_start_next;
logic [GROUP_WIDTH-1:0] eng_groups_reg, eng_groups_next;
logic [X_BEAT_WIDTH-1:0] eng_xvb_reg, eng_xvb_next;
logic                   eng_wen_reg, eng_wen_next;     // x loaded: engines take weights
logic [TN_WIDTH-1:0]    eng_ntok_reg, eng_ntok_next;   // x vectors the engines and the writer take (1 ..)
logic                   mm_sub_last_reg, mm_sub_last_next;  // a matrix step's last x load (token)
wire                    mm_sub_last = MAX_TOKENS == 1 || mm_sub_last_reg;
// A matrix step's sub-step about to start is its last (the one that streams the weights): the
// classifier's only one, or the batch's last token's.
wire                    mm_sub_last_go = step_reg == STEP_CLS || tok_last;
// STATE_NEXT runs the same step again for the batch's next token: the steps that run per token
// until the last, the matrix steps until their last x load. (ROPE, KVQ and KV repeat as a group,
// in the KV arm; the classifier runs once, for the last token.)
wire                    tok_repeat = (!tok_last && step_cls_reg[SC_PER_TOK])
                                  || (!mm_sub_last && step_cls_reg[SC_MM_LAYER]);
// STATE_NEXT after the decoder layers (the embedding when the run has none, the last layer's
// second residual): the run ends (skip_logits) or the classifier follows, written once.
// (A load run's layers end at their last W2.)
wire                    layers_done = step_reg == STEP_EMBED ? no_layers_reg
                                    : (step_reg == STEP_RES2 || (st_loading && step_reg == STEP_W2))
                                      && layer_last_reg;
logic                   q_seen_reg, q_seen_next;       // quantize_core done in this (sub-)step
logic                   att_start_reg, att_start_next;

// Attention lanes (see "Attention lanes" below): the q beat now streaming belongs to query
// head (kv head aq_kvh, index aq_sub of its group), beat aq_chunk, word aq_word of the q region.
logic [31:0]            aq_kvh_reg, aq_kvh_next;
logic [31:0]            aq_sub_reg, aq_sub_next;
logic [AC_WIDTH-1:0]    aq_chunk_reg, aq_chunk_next;
logic [AW-1:0]          aq_word_reg, aq_word_next;
logic [AW-1:0]          ahead_mem [0:3][0:MAX_HEADS-1];  // per lane: its heads' offsets in ATT, in order
logic [HEAD_WIDTH-1:0]  ahw_reg [0:3];                   // per lane: heads recorded
logic [HEAD_WIDTH-1:0]  ahw_next [0:3];
logic [HEAD_WIDTH-1:0]  ahr_reg [0:3];                   // per lane: heads whose results are written
logic [HEAD_WIDTH-1:0]  ahr_next [0:3];
logic [AC_WIDTH-1:0]    ao_chunk_reg [0:3];              // per lane: beat of the head's result now
logic [AC_WIDTH-1:0]    ao_chunk_next [0:3];
logic [4*AW-1:0]        att_out_taddr;                   // per lane: scratchpad word of its result beat
wire                    att_step;                        // the writer's four streams are the lanes

/*
 * Streams
 */
// Channels.
wire                    ch_rd_cmd_ready [0:3];
wire  [511:0]           ch_rd_tdata [0:3];
wire  [3:0]             ch_rd_ttag [0:3];
wire                    ch_rd_tlast [0:3];
wire                    ch_rd_tvalid [0:3];
logic                   ch_rd_tready [0:3];
wire  [511:0]           ch_rv_tdata [0:3];             // read port 1: value scales and values
wire  [3:0]             ch_rv_ttag [0:3];
wire                    ch_rv_tlast [0:3];
wire                    ch_rv_tvalid [0:3];
logic                   ch_rv_tready [0:3];
logic                   rdc_port [0:3];                // the read port of a channel's command
wire                    ch_wr_cmd_ready [0:3];
wire                    ch_wr_done [0:3];
logic                   ch_wr_tvalid [0:3];
wire                    ch_wr_tready [0:3];
wire                    ch_rd_error [0:3];
wire                    ch_wr_error [0:3];

// Scratchpad ports, readers and writer.
wire                    sp_ra_en, sp_rb_en, sp_w_en;
wire  [AW-1:0]          sp_ra_addr, sp_rb_addr, sp_w_addr;
wire  [511:0]           sp_ra_data, sp_rb_data, sp_w_data;
wire  [511:0]           ra_tdata, rb_tdata;
wire                    ra_tvalid, rb_tvalid, ra_tlast, rb_tlast;
logic                   ra_tready;
wire                    ra_busy, ra_done, rb_busy, rb_done;
logic [511:0]           ws_tdata;
logic                   ws_tvalid;
wire                    ws_tready;
wire                    w_busy, w_done;
wire  [CW-1:0]          w_written;                     // the writer's words written (engine runs)
// Reader B streams the logits out. (wd_src_reg == WD_RB says the same while the classifier runs,
// with wd_src reset at a run's start; that form put forward at 9 LUT levels, step_reg ->
// state_reg, in the module flow at the stories15M on-chip parameters: 7 with this one.)
wire                    rb_logits = step_is_cls;

// Cores.
wire                    emb_s_tready, emb_q_tready, emb_out_tvalid, emb_out_tlast, emb_busy, emb_done;
wire  [511:0]           emb_out_tdata;
wire                    rms_x_tready, rms_w_tready, rms_out_tvalid, rms_out_tlast, rms_busy, rms_done;
wire  [511:0]           rms_out_tdata;
logic [511:0]           q_x_tdata;
logic                   q_x_tvalid;
wire                    q_x_tready, q_out_tvalid, q_out_tlast, q_busy, q_done;
// A beat of the KV run arrives (KV_INT8 a constant: an fp32-KV build keeps no buffer), and
// it is a value beat (the run's value beats come first, then its scale beats).
wire                    kvb_take       = KV_INT8 && q_kv_reg && q_out_tvalid;
wire                    kvb_take_value = kvb_vcnt_reg != kvb_vn_reg;
wire  [511:0]           q_out_tdata;
wire  [N_ENG-1:0]       eng_w_tready;
wire  [N_ENG-1:0]       eng_x_tready;
wire  [N_ENG*512-1:0]   eng_out_tdata;
wire  [N_ENG-1:0]       eng_out_tvalid;
wire  [N_ENG-1:0]       eng_out_tready;
// On-chip weight store (WEIGHT_BANKS >= 1): per channel its load, per engine e its bank's
// stream (store e mod 4, bank e / 4).
wire  [3:0]             st_load_tready, st_load_done, st_overflow;
wire  [WCW-1:0]         st_level [0:N_ENG-1];          // engine e's bank: words loaded
wire  [N_ENG*512-1:0]   st_w_tdata;
wire  [N_ENG-1:0]       st_w_tvalid;
wire                    ew_a_tready, ew_b_tready, ew_out_tvalid;
wire  [511:0]           ew_out_tdata;
wire  [3:0]             att_q_tready, att_ks_tready, att_k_tready, att_vs_tready, att_v_tready;
wire  [3:0]             att_out_tvalid;
logic [3:0]             att_out_tready;
wire  [4*512-1:0]       att_out_tdata;
logic [3:0]             att_q_tvalid;
wire  [N_ENG-1:0]       w_e_tready;                    // the writer's engine streams: engines, or the lanes (0..3)
logic [511:0]           wd_tdata;                      // the channels' write data
logic                   q_out_tready;
logic [511:0]           sbeat_merged;
logic [63:0]            kv_sbeat_addr;
logic [3:0]             att_ks_tvalid, att_k_tvalid, att_vs_tvalid, att_v_tvalid;

// Framing is by counts, and the units report their end through the writer or the readers.
wire unused_status = &{1'b0, ra_busy, rb_busy, w_busy, emb_done, emb_out_tlast,
                       rms_done, rms_out_tlast, eng_x_tready, att_q_tready, ra_tlast, rb_tlast,
                       c_head_size[31:7], c_head_size[5:0],  // int8 KV: only its 64s bit (32 or 64)
                       ch_rd_tlast[0], ch_rd_tlast[1], ch_rd_tlast[2], ch_rd_tlast[3],
                       ch_rv_tlast[0], ch_rv_tlast[1], ch_rv_tlast[2], ch_rv_tlast[3]};

/*
 * Sequencer
 */
logic        cmds_none, cmds_idle, pend_idle, step_end;  // cmds_none: no command pending
logic [2:0]  mm;                       // MM steps: matrix (0 wqkv, 1 wo, 2 w13, 3 w2, 4 classifier)
logic        mm_norm, mm_hidden;       // ... an RMSNorm in front; the input is hidden long
logic [AW-1:0] mm_src, mm_dst;
logic [31:0] mm_eng_beats [N_ENG];     // on-chip build: engine e's weight beats of matrix mm (fwd_config)
logic [1:0]  kv_ch, att_ch;
logic [63:0] kv_head_base;
logic [63:0] sbpf_addr;                // int8 KV: the scale beat that the read-ahead asks for now
logic [KVG_WIDTH+3:0] kv_g;            // int8 KV store: the sub-step's group in the KV buffer
logic [511:0] kv_vbeat;                // ... the KV buffer's value beat holding it
logic [2:0]  att_phase;                // attention: the head's command (0-3: KS, K, VS, V), fp32 K and V
logic        sbeat_take;               // int8 KV: the KV sub-step takes its scale beat

always_comb begin
    // Matrix steps.
    mm        = 3'd0;
    mm_norm   = 1'b1;
    mm_hidden = 1'b0;
    mm_src    = AW'(X_BASE);
    mm_dst    = AW'(QKV_BASE);
    case (step_reg)
        STEP_WO: begin
            mm = 3'd1; mm_norm = 1'b0; mm_src = AW'(ATT_BASE); mm_dst = AW'(XB_BASE);
        end
        STEP_W13: begin
            mm = 3'd2; mm_dst = AW'(H13_BASE);
        end
        STEP_W2: begin
            mm = 3'd3; mm_norm = 1'b0; mm_hidden = 1'b1; mm_src = AW'(HB_BASE); mm_dst = AW'(XB_BASE);
        end
        STEP_CLS: begin
            mm = 3'd4; mm_dst = AW'(LOG_BASE);
        end
        default: begin
        end
    endcase
    for (int e = 0; e < N_ENG; e++) begin
        mm_eng_beats[e] = c_eng_beats[32 * (N_ENG * 32'(mm) + e) +: 32];
    end
    kv_ch        = kvh_reg[1:0];
    att_ch       = akvh_reg[1:0];
    att_phase    = KV_INT8 ? phase_reg : {phase_reg[1:0], 1'b1};
    kv_head_base = kvcur_reg[kv_ch];
    // int8 KV store: the scale of slot pos is word pos mod 16 of beat pos / 16 of the head's scale row.
    kv_sbeat_addr = kv_head_base + sbeat_off_reg[which_reg];
    sbpf_addr     = sbpf_cur_reg[kv_ch] + sbeat_off_reg[which_reg];
    // A sub-step takes the next scale beat of its channel once it has started (not in
    // STATE_STEP, which clears sbeat_have) and until it has one; the read-ahead's later beats
    // wait in the channel's read FIFO, in sub-step order.
    sbeat_take    = step_reg == STEP_KV && (state_reg[STATE_ISSUE] || state_reg[STATE_WAIT]) && !sbeat_have_reg;
    sbeat_merged  = sbeat_reg;
    sbeat_merged[32 * pos_t[3:0] +: 32] = kvs_reg;
    // The KV buffer's group of kv head kvh: k (group kvh) or v (n_kv_heads + kvh); its value
    // beat (head_size 32: two groups a beat, the odd one in the high half).
    kv_g     = (KVG_WIDTH+4)'(which_reg ? kvgv_reg : KVG_WIDTH'(kvh_reg));
    kv_vbeat = kvb_val[KVG_WIDTH'(c_head_size[6] ? kv_g : kv_g >> 1)];
end

always_comb begin
    state_next     = state_reg;
    step_next      = step_reg;
    step_cls_next  = step_cls_reg;  // (set beside every step_next: a class a constant per arm)
    phase_next     = phase_reg;
    desc_ptr_next  = desc_ptr_reg;
    desc_bad_next  = desc_bad_reg;
    token_next     = token_reg;
    pos_next       = pos_reg;
    layers_next    = layers_reg;
    skip_logits_next = skip_logits_reg;
    batch_next     = batch_reg;
    prompt_ptr_next = prompt_ptr_reg;
    prompt_sent_next = prompt_sent_reg;
    ntok_m1_next   = ntok_m1_reg;
    tok_clr        = 1'b0;
    tok_inc        = 1'b0;
    layer_next     = layer_reg;
    kvh_next       = kvh_reg;
    which_next     = which_reg;
    head_next      = head_reg;
    akvh_next      = akvh_reg;
    akvh_first     = 1'b0;
    akvh_step      = 1'b0;
    sub_next       = sub_reg;
    kvoff_next     = kvoff_reg;
    norm_ptr_next  = norm_ptr_reg;
    kvbase_we      = 1'b0;
    rd_err_next    = rd_err_reg;
    wr_err_next    = wr_err_reg;
    cfg_err_next   = cfg_err_reg;
    done_next      = 1'b0;
    desc_cnt_next  = desc_cnt_reg;
    ra_seen_next   = ra_seen_reg || ra_done;
    rb_seen_next   = rb_seen_reg || rb_done;
    wr_seen_next   = wr_seen_reg || w_done;
    cfg_clear      = 1'b0;
    cfg_check      = 1'b0;

    ra_start_next  = 1'b0;
    ra_base_next   = ra_base_reg;
    ra_count_next  = ra_count_reg;
    ra_wrap_next   = ra_wrap_reg;
    ra_route_next  = ra_route_reg;
    ra_wch_next    = ra_wch_reg;
    rb_start_next  = 1'b0;
    rb_base_next   = rb_base_reg;
    rb_count_next  = rb_count_reg;
    rb_wrap_next   = rb_wrap_reg;
    w_start_next   = 1'b0;
    w_base_next    = w_base_reg;
    w_count_next   = w_count_reg;
    w_engines_next = w_engines_reg;
    w_src_next     = w_src_reg;
    ew_op_next     = ew_op_reg;
    emb_start_next = 1'b0;
    rms_start_next = 1'b0;
    q_start_next   = 1'b0;
    q_n_next       = q_n_reg;
    q_rms_next     = q_rms_reg;
    q_gs64_next    = q_gs64_reg;
    q_kv_next      = q_kv_reg;
    wd_src_next    = wd_src_reg;
    sb_valid_next  = sb_valid_reg && !(wd_src_reg == WD_SBEAT && ch_wr_tready[ra_wch_reg]);
    sbeat_next     = sbeat_reg;
    sbeat_have_next = sbeat_have_reg;
    kvs_next       = kvs_reg;
    kvd_next       = kvd_reg;
    kvd_valid_next = kvd_valid_reg && !(wd_src_reg == WD_KVBUF && ch_wr_tready[ra_wch_reg]);
    kvgv_next      = kvgv_reg;
    // int8 KV store: the scale beat read back.
    if (sbeat_take && ch_rd_tvalid[ra_wch_reg] && ch_rd_ttag[ra_wch_reg] == TAG_SBEAT) begin
        sbeat_next      = ch_rd_tdata[ra_wch_reg];
        sbeat_have_next = 1'b1;
    end
    // The KV buffer takes the KV run's beats: value beats, then scale beats (the last: tlast).
    kvb_vcnt_next = kvb_vcnt_reg;
    kvb_scnt_next = kvb_scnt_reg;
    kvb_full_next = kvb_full_reg;
    if (kvb_take) begin
        if (kvb_take_value) begin
            kvb_vcnt_next = kvb_vcnt_reg + 1'b1;
        end else begin
            kvb_scnt_next = kvb_scnt_reg + 1'b1;
        end
        if (q_out_tlast) begin
            kvb_full_next = 1'b1;
        end
    end
    eng_start_next = 1'b0;
    eng_groups_next = eng_groups_reg;
    eng_xvb_next   = eng_xvb_reg;
    eng_wen_next   = eng_wen_reg || (q_done && mm_sub_last);
    eng_ntok_next  = eng_ntok_reg;
    mm_sub_last_next = mm_sub_last_reg;
    q_seen_next    = q_seen_reg || q_done;
    att_start_next = 1'b0;

    load_next          = load_reg;
    loaded_next        = loaded_reg;
    loaded_desc_next   = loaded_desc_reg;
    loaded_layers_next = loaded_layers_reg;
    st_clear_next      = 1'b0;
    st_load_start_next = 1'b0;
    st_bbeats_next     = st_bbeats_reg;
    ld_seen_next       = ld_seen_reg | st_load_done;
    st_rd_start_next   = '0;
    st_rd_base_next    = st_rd_base_reg;
    st_rd_count_next   = st_rd_count_reg;
    bptr_next          = bptr_reg;
    cls_base_next      = cls_base_reg;
    for (int c = 0; c < 4; c++) begin
        st_blocks_next[c] = st_blocks_reg[c];
    end

    cmds_none = 1'b1;
    pend_idle = 1'b1;
    for (int c = 0; c < 4; c++) begin
        wptr_next[c]      = wptr_reg[c];
        mmb_next[c]       = mmb_reg[c];
        mmb_any_next[c]   = mmb_any_reg[c];
        kvcur_next[c]     = kvcur_reg[c];
        kvcur_lay_next[c] = kvcur_lay_reg[c];
        sbpf_cur_next[c]  = sbpf_cur_reg[c];
        rdc_valid_next[c] = rdc_valid_reg[c] && !ch_rd_cmd_ready[c];
        wrc_valid_next[c] = wrc_valid_reg[c] && !ch_wr_cmd_ready[c];
        wrc_addr_next[c]  = wrc_addr_reg[c];
        wrc_beats_next[c] = wrc_beats_reg[c];
        wr_pend_next[c]   = wr_pend_reg[c] + 8'(wrc_valid_reg[c] && ch_wr_cmd_ready[c]) - 8'(ch_wr_done[c]);
        wr_none_next[c]   = wr_pend_next[c] == 8'd0;
        if (rdc_valid_reg[c] || wrc_valid_reg[c]) begin
            cmds_none = 1'b0;
        end
        if (!wr_none_reg[c]) begin
            pend_idle = 1'b0;
        end
        if (ch_rd_error[c]) begin
            rd_err_next = 1'b1;
        end
        if (ch_wr_error[c]) begin
            wr_err_next = 1'b1;
        end
    end
    cmds_idle = cmds_none && !hold_reg;
    hold_next = !(state_reg[STATE_DESC] || state_reg[STATE_DESC_WAIT] || state_reg[STATE_ISSUE]) || cmds_idle;

    // The end of the current step (STATE_WAIT): one term a step or class of steps.
    step_end = (step_reg == STEP_KVQ && kvb_full_reg)
            || (step_reg == STEP_KV && (KV_INT8 ? !sb_valid_reg && !kvd_valid_reg : ra_seen_reg)
                                    && (which_reg == 1'b0 || !kvh_last_reg || pend_idle))
            || (step_reg == STEP_EMBED && wr_seen_reg && !emb_busy)
            // (a batch's x loads but the last: that token's x is in the engines)
            // (the classifier: its logits also streamed out and their write acknowledged)
            || (mm_step && (st_loading ? ld_seen_reg == 4'b1111
                                       : (mm_sub_last ? wr_seen_reg : q_seen_reg) && !rms_busy && !q_busy
                                         && (!step_is_cls || (rb_seen_reg && pend_idle))))
            || (step_cls_reg[SC_ON_WRITE] && wr_seen_reg);

    // One arm a state bit: parallel (Yosys) and, the state one-hot, the same as the priority case
    // a simulator runs (`unique` would have Verilator assert on the random state before reset).
    (* full_case, parallel_case *)
    case (1'b1)
        state_reg[STATE_IDLE]: begin
            // The step waits at the descriptor's read while idle, so core_start alone moves the
            // state (a step change conditional on it was a level in front of the step's flops).
            step_next = STEP_DESC;
            step_cls_next = step_class(step_next);
            if (core_start) begin
                desc_ptr_next = core_args[32 * ARG_DESC +: 64];
                // Arguments wrong by themselves (desc not a beat address in channel A,
                // skip_logits not 0 or 1): CONFIG_ERROR before any memory access.
                // A batch: tokens <= MAX_TOKENS, prompt a beat address in channel A.
                desc_bad_next = core_args[32 * ARG_DESC +: 6] != 6'd0
                             || (core_args[32 * ARG_DESC +: 64] >> forward_desc_pkg::CHANNEL_SHIFT) != 64'd0
                             || core_args[32 * ARG_SKIP_LOGITS + 1 +: 31] != 31'd0
                             || core_args[32 * ARG_TOKENS +: 32] > 32'(MAX_TOKENS)
                             || (core_args[32 * ARG_TOKENS +: 32] != 32'd0
                                 && (core_args[32 * ARG_PROMPT +: 6] != 6'd0
                                     || (core_args[32 * ARG_PROMPT +: 64] >> forward_desc_pkg::CHANNEL_SHIFT) != 64'd0))
                             // load: 0 or 1, 1 only on an on-chip build; a token run there needs
                             // the weights of this descriptor and of at least its layers loaded.
                             || core_args[32 * ARG_LOAD + 1 +: 31] != 31'd0
                             || (core_args[32 * ARG_LOAD] && (!ONCHIP || core_args[32 * ARG_TOKENS +: 32] != 32'd0))
                             || (ONCHIP && !core_args[32 * ARG_LOAD]
                                 && (!loaded_reg || core_args[32 * ARG_DESC +: 64] != loaded_desc_reg
                                     || core_args[32 * ARG_LAYERS +: 32] > loaded_layers_reg));
                load_next        = ONCHIP && core_args[32 * ARG_LOAD];
                skip_logits_next = core_args[32 * ARG_SKIP_LOGITS];
                batch_next       = core_args[32 * ARG_TOKENS +: 32] != 32'd0;
                ntok_m1_next     = core_args[32 * ARG_TOKENS +: 32] == 32'd0 ? '0
                                 : TI_WIDTH'(core_args[32 * ARG_TOKENS +: 32] - 32'd1);
                prompt_ptr_next  = core_args[32 * ARG_PROMPT +: 64];
                prompt_sent_next = 1'b0;
                // The descriptor read's command comes from the step case like every other
                // (an override by state in front of it cost channel 0's address a LUT level):
                // the step is STEP_DESC (above).
                token_next    = core_args[32 * ARG_TOKEN +: 32];
                pos_next      = core_args[32 * ARG_POS +: 32];
                layers_next   = core_args[32 * ARG_LAYERS +: 32];
                rd_err_next   = 1'b0;
                wr_err_next   = 1'b0;
                cfg_err_next  = 1'b0;
                state_next    = at(STATE_DESC);
            end
        end
        state_reg[STATE_DESC]: begin
            if (desc_bad_reg) begin
                // An argument wrong by itself (above): no memory access at all.
                cfg_err_next = 1'b1;
                done_next    = 1'b1;
                state_next   = at(STATE_IDLE);
            end else if (cmds_idle) begin  // (its first cycle holds: see hold_reg)
                rdc_valid_next[0] = 1'b1;
                cfg_clear         = 1'b1;
                desc_cnt_next     = '0;
                state_next        = at(STATE_DESC_WAIT);
            end
        end
        state_reg[STATE_DESC_WAIT]: begin
            // A batch's token ids: one more beat on channel A, after the descriptor's.
            if (batch_reg && !prompt_sent_reg && cmds_idle) begin
                rdc_valid_next[0] = 1'b1;
                prompt_sent_next  = 1'b1;
            end
            if (ch_rd_tvalid[0] && ch_rd_tready[0]) begin
                desc_cnt_next = desc_cnt_reg + 1'b1;
            end
            if (32'(desc_cnt_reg) == 32'(forward_desc_pkg::DESC_BEATS) + 32'(batch_reg)) begin
                if (rd_err_reg) begin
                    // The descriptor itself is unreliable: stop here.
                    done_next  = 1'b1;
                    state_next = at(STATE_IDLE);
                end else begin
                    cfg_check  = 1'b1;
                    state_next = at(STATE_CONFIG);
                end
            end
        end
        state_reg[STATE_CONFIG]: begin
            // The steps start at the embedding: set while the checks run, whatever their outcome
            // (nothing reads the step until STATE_STEP or, on an error, the next run's STATE_DESC),
            // so that cfg_done and cfg_ok stay out of the step's next-state logic.
            step_next = STEP_EMBED;
            step_cls_next = step_class(step_next);
            if (cfg_done) begin
                if (!cfg_ok) begin
                    cfg_err_next = 1'b1;
                    done_next    = 1'b1;
                    state_next   = at(STATE_IDLE);
                end else begin
                    for (int c = 0; c < 4; c++) begin
                        wptr_next[c]  = c_weights_addr[64 * c +: 64];
                        kvcur_next[c] = c_kv_addr[64 * c +: 64];
                    end
                    norm_ptr_next = c_norms_addr;
                    layer_next    = 32'd0;
                    tok_clr       = 1'b1;
                    state_next    = at(STATE_STEP);
                    bptr_next     = '0;
                    if (st_loading) begin
                        // A load: the store empties (what it held is gone), then the matrix
                        // steps alone, every layer's and the classifier's, from STATE_NEXT's
                        // load program (from the embedding's place: the classifier at once if
                        // no layer is loaded).
                        st_clear_next = 1'b1;
                        loaded_next   = 1'b0;
                        state_next    = at(STATE_NEXT);
                    end
                end
            end
        end
        state_reg[STATE_STEP]: begin
            // Start the step's units (their configuration registers change with the pulses).
            phase_next   = 3'd0;
            for (int c = 0; c < 4; c++) begin
                mmb_next[c]     = c_mat_beats[32 * (4 * mm + c) +: 32];
                // (the DDR build's engines, or an on-chip build's load: weights from DDR)
                mmb_any_next[c] = c_mat_beats[32 * (4 * mm + c) +: 32] != 32'd0 && mm_sub_last_go
                               && (!ONCHIP || load_reg);
            end
            ra_seen_next = 1'b0;
            rb_seen_next = 1'b0;
            wr_seen_next = 1'b0;
            // One arm a step or class of steps, each selected by one bit (a case over the step
            // with arms of several steps ORed its one-hot bits in front of every setting).
            (* full_case, parallel_case *)
            case (1'b1)
                step_reg == STEP_EMBED: begin
                    emb_start_next = 1'b1;
                    w_start_next   = 1'b1;
                    w_base_next    = AW'(X_BASE);
                    w_count_next   = CW'(c_dim_beats);
                    w_engines_next = 1'b0;
                    w_src_next     = WS_EMBED;
                end
                step_reg == STEP_ROPE_ROW: begin
                    w_start_next   = 1'b1;
                    w_base_next    = AW'(ROPE_BASE);
                    w_count_next   = CW'(c_hs_beats);
                    w_engines_next = 1'b0;
                    w_src_next     = WS_ROPE;
                end
                mm_step: begin
                    // A sub-step per token of the batch loads its x vector (the classifier: the
                    // last token's alone); the first starts the engines and the writer, which
                    // take the batch's vectors one after another and write every token's results.
                    // An on-chip build's load run (st_loading) starts none of these units: only
                    // the units' start pulses test it, not their settings (logic depth).
                    mm_sub_last_next = mm_sub_last_go;
                    if ((MAX_TOKENS == 1 || step_reg == STEP_CLS || tok_reg == '0) && !st_loading) begin
                        eng_start_next  = 1'b1;
                        w_start_next    = 1'b1;
                    end
                    eng_ntok_next   = step_reg == STEP_CLS ? TN_WIDTH'(1) : TN_WIDTH'(ntok_m1_reg) + 1'b1;
                    eng_groups_next = GROUP_WIDTH'(mm_hidden ? c_hid_groups : c_dim_groups);
                    eng_xvb_next    = X_BEAT_WIDTH'(mm_hidden ? c_hid_xbeats : c_dim_xbeats);
                    eng_wen_next    = 1'b0;
                    q_seen_next     = 1'b0;
                    q_start_next    = !st_loading;
                    q_n_next        = mm_hidden ? c_hidden_dim : c_dim;
                    q_rms_next      = mm_norm;
                    q_gs64_next     = c_gs64;
                    q_kv_next       = 1'b0;
                    rms_start_next  = mm_norm && !st_loading;
                    ra_start_next   = !st_loading;
                    ra_base_next    = mm_src;
                    // rmsnorm_core takes x twice (sum of squares, then scaling): the region
                    // read twice over.
                    ra_count_next   = CW'(mm_norm ? c_dim_beats << 1 : mm_hidden ? c_hid_beats : c_dim_beats);
                    ra_wrap_next    = CW'(mm_hidden ? c_hid_beats : c_dim_beats);
                    ra_route_next   = mm_norm ? RA_RMS : RA_QUANT;
                    w_base_next     = mm_dst;  // token 0's region (the classifier: LOGITS)
                    w_count_next    = CW'(c_mat_words[32 * mm +: 32]);
                    w_engines_next  = 1'b1;
                    if (step_reg == STEP_CLS) begin
                        // Reader B streams LOGITS to the logits buffer (channel A's write, issued
                        // in STATE_ISSUE) while the engines make them: it trails the writer's
                        // written words (rb_logits), so the write overlaps the classifier.
                        rb_start_next = !st_loading;
                        rb_base_next  = AW'(LOG_BASE);
                        rb_count_next = CW'(c_vocab_beats);
                        rb_wrap_next  = CW'(c_vocab_beats);
                        wd_src_next   = WD_RB;
                    end
                    if (ONCHIP) begin
                        // A load: channel c's blocks of the matrix (its DDR stream's part, read
                        // in STATE_ISSUE as a token run would) go into its store, block j to bank
                        // j mod WEIGHT_BANKS. The classifier's first words are recorded for the
                        // token runs.
                        st_load_start_next = st_loading;
                        ld_seen_next       = '0;
                        for (int c = 0; c < 4; c++) begin
                            st_blocks_next[c] = 16'(c_ch_blocks[32 * (4 * 32'(mm) + c) +: 32]);
                        end
                        st_bbeats_next = 16'(c_mat_bpb[32 * mm +: 32]);
                        if (st_loading && step_reg == STEP_CLS) begin
                            for (int e = 0; e < N_ENG; e++) begin
                                cls_base_next[WCW * e +: WCW] = st_level[e];
                            end
                        end
                        // A token's sub-step that streams the weights: each engine's bank reader
                        // starts at the engine's part of the matrix (the engines take its words
                        // once their x is loaded).
                        for (int e = 0; e < N_ENG; e++) begin
                            st_rd_start_next[e] = mm_sub_last_go && !st_loading && mm_eng_beats[e] != 32'd0;
                            st_rd_base_next[WAW * e +: WAW] = WAW'(step_reg == STEP_CLS ? cls_base_reg[WCW * e +: WCW]
                                                                                        : bptr_reg[WCW * e +: WCW]);
                            st_rd_count_next[WCW * e +: WCW] = WCW'(mm_eng_beats[e]);
                            if (mm_sub_last_go && !st_loading) begin
                                bptr_next[WCW * e +: WCW] = bptr_reg[WCW * e +: WCW] + WCW'(mm_eng_beats[e]);
                            end
                        end
                    end
                end
                step_cls_reg[SC_EW]: begin
                    ra_start_next  = 1'b1;
                    ra_route_next  = RA_EW;
                    rb_start_next  = 1'b1;
                    w_start_next   = 1'b1;
                    w_engines_next = 1'b0;
                    w_src_next     = WS_EW;
                    if (step_reg == STEP_ROPE) begin
                        // int8 KV: the scale read-ahead (STATE_ISSUE) walks the KV step's
                        // sub-steps with kvh / which (the KV step starts them again from 0).
                        kvh_next   = '0;
                        which_next = 1'b0;
                        for (int c = 0; c < 4; c++) begin
                            sbpf_cur_next[c] = kvcur_reg[c];
                        end
                        // q and k heads back to back, each beat with its table beat (per head).
                        ew_op_next    = EW_ROPE;
                        ra_base_next  = AW'(QKV_BASE);
                        ra_count_next = CW'(c_dim_beats + c_kv_beats);
                        ra_wrap_next  = CW'(c_dim_beats + c_kv_beats);
                        rb_base_next  = AW'(ROPE_BASE);
                        rb_count_next = CW'(c_dim_beats + c_kv_beats);
                        rb_wrap_next  = CW'(c_hs_beats);
                        w_base_next   = AW'(QKV_BASE);
                        w_count_next  = CW'(c_dim_beats + c_kv_beats);
                    end else if (step_reg == STEP_SWIGLU) begin
                        ew_op_next    = EW_SWIGLU;
                        ra_base_next  = AW'(H13_BASE);
                        ra_count_next = CW'(c_hid_beats);
                        ra_wrap_next  = CW'(c_hid_beats);
                        rb_base_next  = AW'(H13_BASE) + AW'(c_hid_beats);
                        rb_count_next = CW'(c_hid_beats);
                        rb_wrap_next  = CW'(c_hid_beats);
                        w_base_next   = AW'(HB_BASE);
                        w_count_next  = CW'(c_hid_beats);
                    end else begin
                        ew_op_next    = EW_ADD;
                        ra_base_next  = AW'(X_BASE);
                        ra_count_next = CW'(c_dim_beats);
                        ra_wrap_next  = CW'(c_dim_beats);
                        rb_base_next  = AW'(XB_BASE);
                        rb_count_next = CW'(c_dim_beats);
                        rb_wrap_next  = CW'(c_dim_beats);
                        w_base_next   = AW'(X_BASE);
                        w_count_next  = CW'(c_dim_beats);
                    end
                end
                step_reg == STEP_KVQ: begin
                    // The k and v head vectors (QKV[dim .. dim + 2 kv_dim], k heads then v heads)
                    // quantized in one run with a group of head_size (32 or 64: quantize_core's
                    // group sizes) each, into the KV buffer: the run's latency is paid once a
                    // layer, not once a head vector (STEP_KV then only writes).
                    ra_start_next   = 1'b1;
                    ra_base_next    = AW'(QKV_BASE) + AW'(c_dim_beats);
                    ra_count_next   = CW'(c_kv_beats << 1);
                    ra_wrap_next    = CW'(c_kv_beats << 1);
                    ra_route_next   = RA_QUANT;
                    q_start_next    = 1'b1;
                    q_n_next        = c_kv_beats << 5;
                    q_gs64_next     = c_head_size[6];
                    q_rms_next      = 1'b0;
                    q_kv_next       = 1'b1;
                    kvb_vcnt_next   = '0;
                    kvb_scnt_next   = '0;
                    kvb_full_next   = 1'b0;
                end
                step_reg == STEP_KV: begin
                    ra_wch_next = kv_ch;
                    if (KV_INT8) begin
                        // From the KV buffer: the value beat goes to the slot, the scale into
                        // pos's scale beat (read ahead, merged in STATE_ISSUE).
                        kvd_next        = c_head_size[6] ? kv_vbeat
                                        : {256'd0, kv_g[0] ? kv_vbeat[511:256] : kv_vbeat[255:0]};
                        kvd_valid_next  = 1'b1;
                        kvs_next        = kvb_scale[KVS_WIDTH'(kv_g >> 4)][32 * kv_g[3:0] +: 32];
                        wd_src_next     = WD_KVBUF;
                        sbeat_have_next = 1'b0;
                    end else begin
                        // k head kvh at QKV[dim + kvh hs], v head at QKV[dim + kv_dim + kvh hs].
                        ra_start_next = 1'b1;
                        ra_base_next  = AW'(QKV_BASE) + AW'(c_dim_beats) + (which_reg ? AW'(c_kv_beats) : AW'(0))
                                      + kvoff_reg;
                        ra_count_next = CW'(c_hs_beats);
                        ra_wrap_next  = CW'(c_hs_beats);
                        ra_route_next = RA_WRITE;
                        wd_src_next   = WD_RA;
                    end
                    if (!which_reg) begin
                        kvbase_we = 1'b1;
                    end
                end
                step_reg == STEP_ATT: begin
                    // One run of the four attention lanes for all query heads: the q region
                    // streams once (head order), each head's beats to its lane; the lanes'
                    // results reach ATT by address (the writer's addressed four-stream mode).
                    att_start_next = 1'b1;
                    ra_start_next  = 1'b1;
                    ra_base_next   = AW'(QKV_BASE);
                    ra_count_next  = CW'(c_dim_beats);
                    ra_wrap_next   = CW'(c_dim_beats);
                    ra_route_next  = RA_ATTQ;
                    w_start_next   = 1'b1;
                    // No base: the lanes' beats carry their words (att_out_taddr, token base included).
                    w_count_next   = CW'(c_dim_beats);
                    w_engines_next = 1'b1;
                    w_src_next     = WS_ATT;
                end
                default: begin  // (STEP_DESC: never a step)
                end
            endcase
            // Each step reads and writes its token's copy of the regions: token tok's base tb (a
            // multiple of TOK_W, above every region's words) ORed on here, once. Not the logits
            // (one copy: the classifier's reader B) nor an engine run's results: a matrix step's
            // writer places each token's copy itself (TOKEN_STRIDE), the attention lanes' beats
            // carry their word addresses (att_out_taddr). A base a step leaves as it was belongs
            // to a unit it does not start.
            ra_base_next = ra_base_next | tb;
            if (!step_is_cls) begin
                rb_base_next = rb_base_next | tb;
            end
            if (!w_engines_next) begin
                w_base_next = w_base_next | tb;
            end
            state_next = at(STATE_ISSUE);
        end
        state_reg[STATE_ISSUE]: begin
            // One batch of commands (at most one per channel) at a time; a channel's commands
            // are issued in the order its beats are consumed.
            if (cmds_idle) begin
                phase_next = phase_reg + 1'b1;
                (* full_case, parallel_case *)  // (one bit an arm, as in STATE_STEP)
                case (1'b1)
                    step_reg == STEP_EMBED: begin
                        // Scales first: embed_core takes them all before the first value beat.
                        if (phase_reg == 3'd0) begin
                            rdc_valid_next[0] = 1'b1;
                        end else if (phase_reg == 3'd1) begin
                            rdc_valid_next[0] = 1'b1;
                        end else begin
                            state_next = at(STATE_WAIT);
                        end
                    end
                    step_reg == STEP_ROPE_ROW: begin
                        if (phase_reg == 3'd0) begin
                            rdc_valid_next[0] = 1'b1;
                        end else begin
                            state_next = at(STATE_WAIT);
                        end
                    end
                    mm_step: begin
                        // The norm weights, then every channel's blocks of the matrix (a channel
                        // may have none). The weight pointers move on by what was read.
                        // A batch: each token's sub-step reads the norm weights; the last moves
                        // the norm pointer on and asks for the weights (behind every norm read on
                        // channel A, which the x loads consume before the engines take weights).
                        if (phase_reg == 3'd0) begin
                            if (mm_norm && !st_loading) begin
                                rdc_valid_next[0] = 1'b1;
                                if (!step_is_cls && mm_sub_last) begin
                                    norm_ptr_next = norm_ptr_reg + c_norm_stride;
                                end
                            end
                        end else if (phase_reg == 3'd1) begin
                            // mmb_any_reg: the channels with blocks, set at the last sub-step only
                            // (STATE_STEP), so the sub-step test stays off the commands' logic.
                            for (int c = 0; c < 4; c++) begin
                                if (mmb_any_reg[c]) begin
                                    rdc_valid_next[c] = 1'b1;
                                    wptr_next[c]      = wptr_reg[c] + {26'd0, mmb_reg[c], 6'd0};
                                end
                            end
                            if (!mm_sub_last) begin
                                state_next = at(STATE_WAIT);  // an earlier token's sub-step: its x load alone
                            end
                        end else if (phase_reg == 3'd2 && step_reg == STEP_CLS && !st_loading) begin
                            // The logits buffer's write: its data is reader B's stream of LOGITS.
                            wrc_valid_next[0] = 1'b1;
                            wrc_addr_next[0]  = c_logits_addr;
                            wrc_beats_next[0] = c_vocab_beats;
                        end else begin
                            state_next = at(STATE_WAIT);
                        end
                    end
                    step_reg == STEP_KV: begin
                        if (phase_reg == 3'd0) begin
                            wrc_valid_next[kv_ch] = 1'b1;
                            wrc_addr_next[kv_ch]  = kv_head_base + slot_off_reg[which_reg];
                            wrc_beats_next[kv_ch] = c_slot_beats;
                        end else if (KV_INT8 && phase_reg == 3'd1) begin
                            // The scale beat follows the value beat in the channel's write stream.
                            if (sbeat_have_reg && !kvd_valid_reg) begin
                                wrc_valid_next[kv_ch] = 1'b1;
                                wrc_addr_next[kv_ch]  = kv_sbeat_addr;
                                wrc_beats_next[kv_ch] = 32'd1;
                                sbeat_next            = sbeat_merged;
                                sb_valid_next         = 1'b1;
                                wd_src_next           = WD_SBEAT;
                            end else begin
                                phase_next = phase_reg;
                            end
                        end else begin
                            state_next = at(STATE_WAIT);
                        end
                    end
                    step_reg == STEP_ATT: begin
                        // Per query head, in head order: (int8: key scales,) keys, (value scales,)
                        // values of positions 0..pos of its kv head, one stream each (head-major
                        // cache), on the kv head's channel in the order attention_core takes them.
                        // A channel queues fwd_channel's CMD_DEPTH commands per read port (32: 16
                        // heads per lane), so the lanes' commands are all out at once and no lane
                        // waits on another; values come through port 1, so a lane's next keys need
                        // not wait behind its values.
                        if (!att_phase[2]) begin
                            rdc_valid_next[att_ch] = 1'b1;
                        end else begin
                            // The head's commands are out: the next head, or the step waits.
                            phase_next = 3'd0;
                            head_next  = head_reg + 1'b1;
                            if (sub_last_reg) begin
                                sub_next  = 32'd0;
                                akvh_next = akvh_reg + 1'b1;
                                akvh_step = 1'b1;
                            end else begin
                                sub_next = sub_reg + 32'd1;
                            end
                            if (head_last_reg) begin
                                state_next = at(STATE_WAIT);
                            end
                        end
                    end
                    step_reg == STEP_ROPE: begin
                        // int8 KV: the scale is one word of a beat, so the KV step reads the beat,
                        // merges the word and writes the beat back (this token's other scales are
                        // in other beats or other rows). Every such read is issued here, while
                        // RoPE runs, in the KV step's sub-step order (per kv head k then v), so
                        // each channel's beats arrive in the order its sub-steps take them and
                        // no sub-step waits out a read latency.
                        if (KV_INT8) begin
                            rdc_valid_next[kv_ch] = 1'b1;
                            which_next            = !which_reg;
                            if (which_reg) begin
                                sbpf_cur_next[kv_ch] = sbpf_cur_reg[kv_ch] + (c_cache_bytes << 1);
                                kvh_next             = kvh_reg + 1'b1;
                                if (kvh_last_reg) begin
                                    state_next = at(STATE_WAIT);
                                end
                            end
                        end else begin
                            state_next = at(STATE_WAIT);
                        end
                    end
                    default: begin  // elementwise steps: no memory traffic
                        state_next = at(STATE_WAIT);
                    end
                endcase
            end
        end
        state_reg[STATE_WAIT]: begin
            if (step_end) begin
                state_next = at(STATE_NEXT);
            end
        end
        state_reg[STATE_NEXT]: begin
            // A batch runs each step for its tokens one after another: tok_repeat, the same step
            // again for the next token (tok_inc). The matrix steps repeat their sub-steps, each
            // loading one token's x (the last streams the weights once for all); ROPE, KVQ and KV
            // repeat as a group per token (the KV arm below: a token's KV slots are written
            // before the next token's RoPE step reads ahead its int8 scale beats, which may be the
            // same beats). A step that goes on starts its successor at token 0 (tok_clr); the
            // classifier keeps the last token.
            state_next = at(STATE_STEP);
            // The attention walk starts at head 0 whenever STEP_ATT is entered (only it reads these).
            head_next  = '0;
            akvh_next  = '0;
            akvh_first = 1'b1;
            sub_next   = 32'd0;
            if (tok_repeat) begin
                tok_inc = 1'b1;
            end else if (layers_done) begin
                if (skip_logits_reg && !st_loading) begin
                    // Prompt tokens: their KV slots were written (and acknowledged) in the KV
                    // steps, so the run is over.
                    done_next  = 1'b1;
                    state_next = at(STATE_IDLE);
                end else begin
                    // The classifier's blocks follow every layer's: skip the layers not run.
                    step_next = STEP_CLS;
                    step_cls_next = step_class(step_next);
                    for (int c = 0; c < 4; c++) begin
                        wptr_next[c] = wptr_reg[c] + c_skip_bytes[64 * c +: 64];
                    end
                end
            end else if (st_loading) begin
                // A load: the matrices in stream order, every layer's then the classifier's
                // (which the layers_done branch above starts, skipping the layers not loaded).
                case (step_reg)
                    STEP_EMBED: begin step_next = STEP_QKV; step_cls_next = step_class(step_next); end  // (the load's start: STATE_CONFIG)
                    STEP_QKV:   begin step_next = STEP_WO; step_cls_next = step_class(step_next); end
                    STEP_WO:    begin step_next = STEP_W13; step_cls_next = step_class(step_next); end
                    STEP_W13:   begin step_next = STEP_W2; step_cls_next = step_class(step_next); end
                    STEP_W2: begin
                        layer_next = layer_reg + 32'd1;
                        step_next  = STEP_QKV;
                        step_cls_next = step_class(step_next);
                    end
                    default: begin  // STEP_CLS: the store holds the model, unless a bank overflowed
                        done_next  = 1'b1;
                        state_next = at(STATE_IDLE);
                        if (st_overflow != 4'd0) begin
                            cfg_err_next = 1'b1;
                        end else begin
                            loaded_next        = 1'b1;
                            loaded_desc_next   = desc_ptr_reg;
                            loaded_layers_next = layers_reg;
                        end
                    end
                endcase
            end else begin
                case (step_reg)
                    STEP_EMBED: begin
                        tok_clr   = 1'b1;
                        step_next = STEP_ROPE_ROW;
                        step_cls_next = step_class(step_next);
                    end
                    STEP_ROPE_ROW: begin
                        tok_clr   = 1'b1;
                        step_next = STEP_QKV;
                        step_cls_next = step_class(step_next);
                    end
                    STEP_QKV: begin
                        tok_clr   = 1'b1;
                        step_next = STEP_ROPE;
                        step_cls_next = step_class(step_next);
                        // Each token's KV step walks the layer's kv heads from here.
                        for (int c = 0; c < 4; c++) begin
                            kvcur_lay_next[c] = kvcur_reg[c];
                        end
                    end
                    STEP_ROPE: begin
                        step_next  = KV_INT8 ? STEP_KVQ : STEP_KV;
                        step_cls_next = step_class(step_next);
                        kvh_next   = '0;
                        which_next = 1'b0;
                        kvoff_next = '0;
                    end
                    STEP_KVQ: begin
                        step_next = STEP_KV;
                        step_cls_next = step_class(step_next);
                        kvgv_next = KVG_WIDTH'(c_n_kv_heads);
                    end
                    STEP_KV: begin
                        which_next = !which_reg;
                        if (which_reg) begin
                            // The head's key and value caches are done: the channel's next head.
                            kvcur_next[kv_ch] = kvcur_reg[kv_ch] + (c_cache_bytes << 1);
                            kvh_next          = kvh_reg + 1'b1;
                            kvgv_next         = kvgv_reg + 1'b1;
                            kvoff_next        = kvoff_reg + AW'(c_hs_beats);
                            if (kvh_last_reg && !tok_last) begin
                                // The batch's next token: its RoPE, KVQ and KV steps, the same heads.
                                tok_inc   = 1'b1;
                                step_next = STEP_ROPE;
                                step_cls_next = step_class(step_next);
                                for (int c = 0; c < 4; c++) begin
                                    kvcur_next[c] = kvcur_lay_reg[c];
                                end
                            end else if (kvh_last_reg) begin
                                // Token t attends to positions 0 .. pos + t: the slots of the
                                // batch's earlier tokens were written in the KV steps above.
                                tok_clr   = 1'b1;
                                step_next = STEP_ATT;
                                step_cls_next = step_class(step_next);
                            end
                        end
                    end
                    STEP_ATT: begin
                        tok_clr   = 1'b1;
                        step_next = STEP_WO;
                        step_cls_next = step_class(step_next);
                    end
                    STEP_WO, STEP_W13, STEP_W2: begin
                        tok_clr   = 1'b1;
                        step_next = step_reg == STEP_WO ? STEP_RES1 : step_reg == STEP_W13 ? STEP_SWIGLU : STEP_RES2;
                        step_cls_next = step_class(step_next);
                    end
                    STEP_RES1, STEP_SWIGLU: begin
                        tok_clr   = 1'b1;
                        step_next = step_reg == STEP_RES1 ? STEP_W13 : STEP_W2;
                        step_cls_next = step_class(step_next);
                    end
                    STEP_RES2: begin
                        layer_next = layer_reg + 32'd1;
                        tok_clr    = 1'b1;
                        step_next  = STEP_QKV;
                        step_cls_next = step_class(step_next);
                    end
                    default: begin  // STEP_CLS: the run is over
                        done_next  = 1'b1;
                        state_next = at(STATE_IDLE);
                    end
                endcase
            end
        end
        default: begin
            state_next = at(STATE_IDLE);
        end
    endcase
end

// Each command value is one source chosen by a flat select (the step and a phase bit or two), the
// values an AND-OR of the selected sources: a step that reads nothing selects none (its values are
// 0, and no command goes out with them). As a case on the step with a default arm (the steps that
// read nothing), the selects were a chain through the step's bits in front of the value mux
// (logic depth: 9 LUT levels from step_reg to rdc_beats_reg in the whole-design run of 1775b12).
logic sel_emb_s, sel_emb_q, sel_rope_row, sel_norm, sel_w;
logic sel_ks, sel_k, sel_vs, sel_v, sel_sbeat, sel_desc, sel_prompt;
always_comb begin
    // channel A only: the embedding row (phase 0 its scales, 1 its values), the RoPE row, the norm
    // weights (a matrix step's phase 0), the descriptor (STATE_DESC), a batch's prompt beat
    sel_emb_s    = step_reg == STEP_EMBED && !phase_reg[0];
    sel_emb_q    = step_reg == STEP_EMBED && phase_reg[0];
    sel_rope_row = step_reg == STEP_ROPE_ROW;
    sel_norm     = mm_step && !phase_reg[0];
    sel_desc     = step_reg == STEP_DESC && state_reg[STATE_DESC];
    sel_prompt   = step_reg == STEP_DESC && !state_reg[STATE_DESC];
    // every channel: its matrix blocks (phase 1), the attention head's four streams (att_phase's
    // order; 4 and above: the head's end, no command), the int8 KV scale beat read-ahead
    sel_w        = mm_step && phase_reg[0];
    sel_ks       = att_step && att_phase == 3'd0;
    sel_k        = att_step && att_phase == 3'd1;
    sel_vs       = att_step && att_phase == 3'd2;
    sel_v        = att_step && att_phase == 3'd3;
    sel_sbeat    = step_reg == STEP_ROPE;
end

always_comb begin
    for (int c = 0; c < 4; c++) begin
        rdc_addr_data[c]  = ({64{sel_w}} & wptr_reg[c]) | ({64{sel_ks}} & att_addr_reg[ATT_A_KS])
                          | ({64{sel_k}} & att_addr_reg[ATT_A_K]) | ({64{sel_vs}} & att_addr_reg[ATT_A_VS])
                          | ({64{sel_v}} & att_addr_reg[ATT_A_V]) | ({64{sel_sbeat}} & sbpf_addr);
        rdc_beats_data[c] = ({32{sel_w}} & mmb_reg[c]) | ({32{sel_ks || sel_vs}} & scale_t)
                          | ({32{sel_k || sel_v}} & seq_t) | 32'(sel_sbeat);
        rdc_tag_data[c]   = ({4{sel_w}} & TAG_W) | ({4{sel_ks}} & TAG_KS) | ({4{sel_k}} & TAG_K)
                          | ({4{sel_vs}} & TAG_VS) | ({4{sel_v}} & TAG_V) | ({4{sel_sbeat}} & TAG_SBEAT);
        if (c == 0) begin
            rdc_addr_data[c]  = rdc_addr_data[c] | ({64{sel_emb_s}} & emb_s_t) | ({64{sel_emb_q}} & emb_q_t)
                              | ({64{sel_rope_row}} & rope_t)
                              | ({64{sel_norm}} & (step_reg == STEP_CLS ? c_final_norm_addr : norm_ptr_reg))
                              | ({64{sel_desc}} & desc_ptr_reg) | ({64{sel_prompt}} & prompt_ptr_reg);
            rdc_beats_data[c] = rdc_beats_data[c] | ({32{sel_emb_s}} & c_emb_s_beats)
                              | ({32{sel_emb_q}} & c_emb_q_beats) | ({32{sel_rope_row}} & c_hs_beats)
                              | ({32{sel_norm}} & c_dim_beats)
                              | ({32{sel_desc}} & 32'(forward_desc_pkg::DESC_BEATS)) | 32'(sel_prompt);
            rdc_tag_data[c]   = rdc_tag_data[c] | ({4{sel_emb_s}} & TAG_EMB_S) | ({4{sel_emb_q}} & TAG_EMB_Q)
                              | ({4{sel_rope_row}} & TAG_ROPE) | ({4{sel_norm}} & TAG_NORM)
                              | ({4{sel_desc || sel_prompt}} & TAG_DESC);
        end
        rdc_addr_next[c]  = cmds_idle ? rdc_addr_dreg[c] : rdc_addr_reg[c];
        rdc_beats_next[c] = cmds_idle ? rdc_beats_dreg[c] : rdc_beats_reg[c];
        rdc_tag_next[c]   = cmds_idle ? rdc_tag_dreg[c] : rdc_tag_reg[c];
    end
end

always_ff @(posedge clk) begin
    state_reg       <= state_next;
    step_reg        <= step_next;
    step_cls_reg    <= step_cls_next;
    phase_reg       <= phase_next;
    desc_ptr_reg    <= desc_ptr_next;
    desc_bad_reg    <= desc_bad_next;
    n_heads_m1_reg    <= c_n_heads - 32'd1;
    kv_mul_m1_reg     <= c_kv_mul - 32'd1;
    n_kv_heads_m1_reg <= c_n_kv_heads - 32'd1;
    hs_beats_m1_reg   <= c_hs_beats - 32'd1;
    sub_last_reg      <= sub_reg == kv_mul_m1_reg;
    head_last_reg     <= 32'(head_reg) == n_heads_m1_reg;
    kvh_last_reg      <= 32'(kvh_reg) == n_kv_heads_m1_reg;
    layer_last_reg    <= layer_reg + 32'd1 == layers_reg;
    no_layers_reg     <= layers_reg == 32'd0;
    sbeat_off_reg[0]    <= c_scale_off + {30'd0, pos_t[31:4], 6'd0};
    sbeat_off_reg[1]    <= c_cache_bytes + c_scale_off + {30'd0, pos_t[31:4], 6'd0};
    slot_off_reg[0]     <= slot_t;
    slot_off_reg[1]     <= c_cache_bytes + slot_t;
    cache_scale_off_reg <= c_cache_bytes + c_scale_off;
    // The index wraps past the last table entry; that value is never used (no kv head follows).
    att_nbase_reg              <= kvbase_reg[KVI_WIDTH'(akvh_reg + 1'b1)];
    att_naddr_reg[ATT_A_KS]    <= att_nbase_reg + c_scale_off;
    att_naddr_reg[ATT_A_K]     <= att_nbase_reg;
    att_naddr_reg[ATT_A_VS]    <= att_nbase_reg + cache_scale_off_reg;
    att_naddr_reg[ATT_A_V]     <= att_nbase_reg + c_cache_bytes;
    if (akvh_first) begin
        att_addr_reg[ATT_A_KS] <= kvbase_reg[0] + c_scale_off;
        att_addr_reg[ATT_A_K]  <= kvbase_reg[0];
        att_addr_reg[ATT_A_VS] <= kvbase_reg[0] + cache_scale_off_reg;
        att_addr_reg[ATT_A_V]  <= kvbase_reg[0] + c_cache_bytes;
    end else if (akvh_step) begin
        att_addr_reg           <= att_naddr_reg;
    end
    token_reg       <= token_next;
    pos_reg         <= pos_next;
    layers_reg      <= layers_next;
    skip_logits_reg <= skip_logits_next;
    batch_reg       <= batch_next;
    prompt_ptr_reg  <= prompt_ptr_next;
    prompt_sent_reg <= prompt_sent_next;
    ntok_m1_reg     <= ntok_m1_next;
    // The batch's current token and its values (above).
    if (tok_clr) begin
        tok_reg      <= '0;
        tok_last_reg <= ntok_m1_reg == '0;
        tbase_reg    <= '0;
        pos_cur_reg  <= pos_reg;
        slot_cur_reg <= c_slot_off;
        seq_cur_reg  <= c_seq_beats;
        rope_cur_reg <= c_rope_addr;
    end else if (tok_inc) begin
        tok_reg      <= tok_reg + 1'b1;
        tok_last_reg <= tok_reg + 1'b1 == ntok_m1_reg;
        tbase_reg    <= tbase_reg + AW'(TOK_W);
        pos_cur_reg  <= pos_cur_reg + 32'd1;
        slot_cur_reg <= slot_cur_reg + {26'd0, c_slot_beats, 6'd0};
        seq_cur_reg  <= seq_cur_reg + c_slot_beats;
        rope_cur_reg <= rope_cur_reg + {26'd0, c_hs_beats, 6'd0};
    end
    scale_cur_reg   <= (pos_cur_reg + 32'd16) >> 4;
    emb_q_cur_reg   <= c_emb_q_addr[64 * tok_reg +: 64];
    emb_s_cur_reg   <= c_emb_s_addr[64 * tok_reg +: 64];
    layer_reg       <= layer_next;
    kvh_reg         <= kvh_next;
    which_reg       <= which_next;
    head_reg        <= head_next;
    akvh_reg        <= akvh_next;
    sub_reg         <= sub_next;
    kvoff_reg       <= kvoff_next;
    norm_ptr_reg    <= norm_ptr_next;
    rd_err_reg      <= rd_err_next;
    wr_err_reg      <= wr_err_next;
    cfg_err_reg     <= cfg_err_next;
    done_reg        <= done_next;
    desc_cnt_reg    <= desc_cnt_next;
    ra_seen_reg     <= ra_seen_next;
    rb_seen_reg     <= rb_seen_next;
    wr_seen_reg     <= wr_seen_next;
    ra_start_reg    <= ra_start_next;
    ra_base_reg     <= ra_base_next;
    ra_count_reg    <= ra_count_next;
    ra_wrap_reg     <= ra_wrap_next;
    ra_route_reg    <= ra_route_next;
    ra_wch_reg      <= ra_wch_next;
    rb_start_reg    <= rb_start_next;
    rb_base_reg     <= rb_base_next;
    rb_count_reg    <= rb_count_next;
    rb_wrap_reg     <= rb_wrap_next;
    w_start_reg     <= w_start_next;
    w_base_reg      <= w_base_next;
    w_count_reg     <= w_count_next;
    w_engines_reg   <= w_engines_next;
    w_src_reg       <= w_src_next;
    ew_op_reg       <= ew_op_next;
    emb_start_reg   <= emb_start_next;
    rms_start_reg   <= rms_start_next;
    q_start_reg     <= q_start_next;
    q_n_reg         <= q_n_next;
    q_rms_reg       <= q_rms_next;
    q_gs64_reg      <= q_gs64_next;
    q_kv_reg        <= q_kv_next;
    wd_src_reg      <= wd_src_next;
    sb_valid_reg    <= sb_valid_next;
    sbeat_reg       <= sbeat_next;
    sbeat_have_reg  <= sbeat_have_next;
    kvs_reg         <= kvs_next;
    kvd_reg         <= kvd_next;
    kvd_valid_reg   <= kvd_valid_next;
    kvgv_reg        <= kvgv_next;
    kvb_vn_reg      <= KVV_WIDTH'(c_kv_beats >> 1);
    kvb_vcnt_reg    <= kvb_vcnt_next;
    kvb_scnt_reg    <= kvb_scnt_next;
    kvb_full_reg    <= kvb_full_next;
    eng_start_reg   <= eng_start_next;
    eng_groups_reg  <= eng_groups_next;
    eng_xvb_reg     <= eng_xvb_next;
    eng_wen_reg     <= eng_wen_next;
    eng_ntok_reg    <= eng_ntok_next;
    mm_sub_last_reg <= mm_sub_last_next;
    q_seen_reg      <= q_seen_next;
    att_start_reg   <= att_start_next;
    for (int c = 0; c < 4; c++) begin
        wptr_reg[c]      <= wptr_next[c];
        mmb_reg[c]       <= mmb_next[c];
        mmb_any_reg[c]   <= mmb_any_next[c];
        kvcur_reg[c]     <= kvcur_next[c];
        kvcur_lay_reg[c] <= MAX_TOKENS > 1 ? kvcur_lay_next[c] : '0;
        sbpf_cur_reg[c]  <= sbpf_cur_next[c];
        rdc_valid_reg[c] <= rdc_valid_next[c];
        rdc_addr_reg[c]  <= rdc_addr_next[c];
        rdc_beats_reg[c] <= rdc_beats_next[c];
        rdc_addr_dreg[c]  <= rdc_addr_data[c];
        rdc_beats_dreg[c] <= rdc_beats_data[c];
        rdc_tag_dreg[c]   <= rdc_tag_data[c];
        rdc_tag_reg[c]   <= rdc_tag_next[c];
        wrc_valid_reg[c] <= wrc_valid_next[c];
        wrc_addr_reg[c]  <= wrc_addr_next[c];
        wrc_beats_reg[c] <= wrc_beats_next[c];
        wr_pend_reg[c]   <= wr_pend_next[c];
    end
    wr_none_reg <= wr_none_next;
    load_reg          <= load_next;
    loaded_reg        <= loaded_next;
    loaded_desc_reg   <= loaded_desc_next;
    loaded_layers_reg <= loaded_layers_next;
    st_clear_reg      <= st_clear_next;
    st_load_start_reg <= st_load_start_next;
    st_bbeats_reg     <= st_bbeats_next;
    ld_seen_reg       <= ld_seen_next;
    st_rd_start_reg   <= st_rd_start_next;
    st_rd_base_reg    <= st_rd_base_next;
    st_rd_count_reg   <= st_rd_count_next;
    bptr_reg          <= bptr_next;
    cls_base_reg      <= cls_base_next;
    for (int c = 0; c < 4; c++) begin
        st_blocks_reg[c] <= st_blocks_next[c];
    end
    if (kvbase_we) begin
        kvbase_reg[KVI_WIDTH'(kvh_reg)] <= kv_head_base;
    end
    if (kvb_take) begin
        if (kvb_take_value) begin
            kvb_val[KVG_WIDTH'(kvb_vcnt_reg)] <= q_out_tdata;
        end else begin
            kvb_scale[kvb_scnt_reg] <= q_out_tdata;
        end
    end

    hold_reg <= hold_next;
    if (rst_reg) begin
        state_reg     <= at(STATE_IDLE);
        step_reg      <= STEP_EMBED;
        step_cls_reg  <= step_class(STEP_EMBED);
        hold_reg      <= 1'b1;
        rd_err_reg    <= 1'b0;
        wr_err_reg    <= 1'b0;
        cfg_err_reg   <= 1'b0;
        done_reg      <= 1'b0;
        ra_start_reg  <= 1'b0;
        rb_start_reg  <= 1'b0;
        w_start_reg   <= 1'b0;
        emb_start_reg <= 1'b0;
        rms_start_reg <= 1'b0;
        q_start_reg   <= 1'b0;
        eng_start_reg <= 1'b0;
        eng_wen_reg   <= 1'b0;
        att_start_reg <= 1'b0;
        ra_route_reg  <= RA_RMS;
        w_engines_reg <= 1'b0;
        q_kv_reg      <= 1'b0;
        sb_valid_reg  <= 1'b0;
        kvd_valid_reg <= 1'b0;
        wd_src_reg    <= WD_RA;
        for (int c = 0; c < 4; c++) begin
            rdc_valid_reg[c] <= 1'b0;
            wrc_valid_reg[c] <= 1'b0;
            wr_pend_reg[c]   <= 8'd0;
        end
        wr_none_reg <= 4'b1111;
        load_reg          <= 1'b0;
        loaded_reg        <= 1'b0;
        st_clear_reg      <= 1'b0;
        st_load_start_reg <= 1'b0;
        st_rd_start_reg   <= '0;
    end
end

// kernel_control collects core_status from core_start to core_done, both included: the
// error flags still hold the last run's values in the core_start cycle, so they only show
// while a run is in progress or finishing.
wire run_active = !state_reg[STATE_IDLE] || done_reg;

always_comb begin
    core_done   = done_reg;
    core_status = 4'd0;
    core_status[STATUS_AXI_READ_ERROR_BIT]  = rd_err_reg && run_active;
    core_status[STATUS_AXI_WRITE_ERROR_BIT] = wr_err_reg && run_active;
    core_status[STATUS_CONFIG_ERROR_BIT]    = cfg_err_reg && run_active;
end

/*
 * Stream routing
 */
always_comb begin
    // Values and their scales come through each channel's read port 1, everything else port 0.
    for (int c = 0; c < 4; c++) begin
        rdc_port[c] = rdc_tag_reg[c] == TAG_V || rdc_tag_reg[c] == TAG_VS;
    end
    // Channel read data: to the consumer its command's tag names.
    for (int c = 0; c < 4; c++) begin
        case (ch_rd_ttag[c])
            TAG_DESC:  ch_rd_tready[c] = c == 0;
            TAG_EMB_S: ch_rd_tready[c] = c == 0 && emb_s_tready;
            TAG_EMB_Q: ch_rd_tready[c] = c == 0 && emb_q_tready;
            TAG_NORM:  ch_rd_tready[c] = c == 0 && rms_w_tready;
            TAG_ROPE:  ch_rd_tready[c] = c == 0 && ws_tready && w_src_reg == WS_ROPE;
            TAG_W:     ch_rd_tready[c] = ONCHIP ? st_load_tready[c] : eng_w_tready[c % N_ENG];
            TAG_KS:    ch_rd_tready[c] = att_ks_tready[c];
            TAG_K:     ch_rd_tready[c] = att_k_tready[c];
            TAG_SBEAT: ch_rd_tready[c] = sbeat_take && ra_wch_reg == 2'(c);
            default:   ch_rd_tready[c] = 1'b0;
        endcase
    end
    // Read port 1 carries only value scales and values (rdc_port), so a lane's values stream
    // while the next head's keys come through port 0.
    for (int c = 0; c < 4; c++) begin
        case (ch_rv_ttag[c])
            TAG_VS:    ch_rv_tready[c] = att_vs_tready[c];
            TAG_V:     ch_rv_tready[c] = att_v_tready[c];
            default:   ch_rv_tready[c] = 1'b0;
        endcase
    end
    // Attention lane c takes channel c's key and value beats (its kv heads live there).
    for (int c = 0; c < 4; c++) begin
        att_ks_tvalid[c] = ch_rd_tvalid[c] && ch_rd_ttag[c] == TAG_KS;
        att_k_tvalid[c]  = ch_rd_tvalid[c] && ch_rd_ttag[c] == TAG_K;
        att_vs_tvalid[c] = ch_rv_tvalid[c] && ch_rv_ttag[c] == TAG_VS;
        att_v_tvalid[c]  = ch_rv_tvalid[c] && ch_rv_ttag[c] == TAG_V;
    end

    // Scratchpad port A's beats.
    case (ra_route_reg)
        RA_RMS:   ra_tready = rms_x_tready;
        RA_QUANT: ra_tready = q_x_tready;
        RA_EW:    ra_tready = ew_a_tready;
        RA_ATTQ:  ra_tready = 1'b1;  // attention_core keeps every q beat on chip
        RA_WRITE: ra_tready = ch_wr_tready[ra_wch_reg];
        default:  ra_tready = 1'b0;
    endcase
    // Channel write data: one channel (ra_wch_reg) at a time.
    case (wd_src_reg)
        WD_KVBUF: wd_tdata = kvd_reg;
        WD_RB:    wd_tdata = rb_tdata;
        WD_SBEAT: wd_tdata = sbeat_reg;
        default:  wd_tdata = ra_tdata;
    endcase
    for (int c = 0; c < 4; c++) begin
        case (wd_src_reg)
            WD_KVBUF: ch_wr_tvalid[c] = kvd_valid_reg && ra_wch_reg == 2'(c);
            WD_SBEAT: ch_wr_tvalid[c] = sb_valid_reg && ra_wch_reg == 2'(c);
            WD_RB:    ch_wr_tvalid[c] = rb_tvalid && rb_logits && c == 0;
            default:  ch_wr_tvalid[c] = ra_tvalid && ra_route_reg == RA_WRITE && ra_wch_reg == 2'(c);
        endcase
    end
    // The quantizer's output: every beat to the engines (matmul), or to the KV buffer (int8 KV
    // store); both take a beat in every cycle.
    q_out_tready = 1'b1;

    // Quantizer input: the RMSNorm output, or a region.
    if (q_rms_reg) begin
        q_x_tdata  = rms_out_tdata;
        q_x_tvalid = rms_out_tvalid;
    end else begin
        q_x_tdata  = ra_tdata;
        q_x_tvalid = ra_tvalid && ra_route_reg == RA_QUANT;
    end

    // Writer's sequential source.
    case (w_src_reg)
        WS_EMBED: begin
            ws_tdata  = emb_out_tdata;
            ws_tvalid = emb_out_tvalid;
        end
        WS_ROPE: begin
            ws_tdata  = ch_rd_tdata[0];
            ws_tvalid = ch_rd_tvalid[0] && ch_rd_ttag[0] == TAG_ROPE;
        end
        WS_EW: begin
            ws_tdata  = ew_out_tdata;
            ws_tvalid = ew_out_tvalid;
        end
        default: begin  // WS_ATT: the lanes reach the writer as its four-stream source
            ws_tdata  = ew_out_tdata;
            ws_tvalid = 1'b0;
        end
    endcase
    // The writer's four streams: the matmul engines, or in the attention step the lanes.
    for (int c = 0; c < 4; c++) begin
        att_out_tready[c] = att_step && w_e_tready[c];
    end
end

/*
 * Units
 */
fwd_config #(
    .MAX_DIM(MAX_DIM),
    .MAX_HIDDEN(MAX_HIDDEN),
    .MAX_HEADS(MAX_HEADS),
    .MAX_KV_HEADS(MAX_KV_HEADS),
    .MAX_HEAD_SIZE(MAX_HEAD_SIZE),
    .MAX_VOCAB(MAX_VOCAB),
    .MAX_SEQ_LEN(MAX_SEQ_LEN),
    .MAX_LAYERS(MAX_LAYERS),
    .KV_INT8(KV_INT8),
    .MAX_TOKENS(MAX_TOKENS),
    .ENGINES(N_ENG)
) fwd_config_inst (
    .clk(clk),
    .rst(rst_reg),
    .desc_clear(cfg_clear),
    .s_axis_desc_tdata(ch_rd_tdata[0]),
    .s_axis_desc_tvalid(ch_rd_tvalid[0] && ch_rd_ttag[0] == TAG_DESC),
    .check(cfg_check),
    .arg_token(token_reg),
    .arg_batch(batch_reg),
    .arg_last_tok(4'(ntok_m1_reg)),
    .arg_pos(pos_reg),
    .arg_layers(layers_reg),
    .done(cfg_done),
    .ok(cfg_ok),
    .weights_addr(c_weights_addr),
    .kv_addr(c_kv_addr),
    .norms_addr(c_norms_addr),
    .logits_addr(c_logits_addr),
    .inv_dim(c_inv_dim),
    .inv_sqrt_hs(c_inv_sqrt_hs),
    .n_heads(c_n_heads),
    .n_kv_heads(c_n_kv_heads),
    .dim(c_dim),
    .hidden_dim(c_hidden_dim),
    .head_size(c_head_size),
    .gs64(c_gs64),
    .kv_mul(c_kv_mul),
    .dim_beats(c_dim_beats),
    .hid_beats(c_hid_beats),
    .kv_beats(c_kv_beats),
    .hs_beats(c_hs_beats),
    .dim_groups(c_dim_groups),
    .hid_groups(c_hid_groups),
    .dim_xbeats(c_dim_xbeats),
    .hid_xbeats(c_hid_xbeats),
    .mat_words(c_mat_words),
    .mat_beats(c_mat_beats),
    .ch_blocks(c_ch_blocks),
    .mat_bpb(c_mat_bpb),
    .eng_beats(c_eng_beats),
    .skip_bytes(c_skip_bytes),
    .emb_q_addr(c_emb_q_addr),
    .emb_s_addr(c_emb_s_addr),
    .emb_q_beats(c_emb_q_beats),
    .emb_s_beats(c_emb_s_beats),
    .norm_stride(c_norm_stride),
    .final_norm_addr(c_final_norm_addr),
    .rope_addr(c_rope_addr),
    .vocab_beats(c_vocab_beats),
    .cache_bytes(c_cache_bytes),
    .slot_off(c_slot_off),
    .slot_beats(c_slot_beats),
    .seq_beats(c_seq_beats),
    .scale_off(c_scale_off),
    .scale_beats(c_scale_beats)
);


fwd_channel #(
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH)
) fwd_channel_0_inst (
    .clk(clk),
    .rst(rst_reg),
    .rd_cmd_addr(rdc_addr_reg[0][AXI_ADDR_WIDTH-1:0]),
    .rd_cmd_beats(rdc_beats_reg[0]),
    .rd_cmd_tag(rdc_tag_reg[0]),
    .rd_cmd_port(rdc_port[0]),
    .rd_cmd_valid(rdc_valid_reg[0]),
    .rd_cmd_ready(ch_rd_cmd_ready[0]),
    .rd_tdata(ch_rd_tdata[0]),
    .rd_ttag(ch_rd_ttag[0]),
    .rd_tlast(ch_rd_tlast[0]),
    .rd_tvalid(ch_rd_tvalid[0]),
    .rd_tready(ch_rd_tready[0]),
    .rd1_tdata(ch_rv_tdata[0]),
    .rd1_ttag(ch_rv_ttag[0]),
    .rd1_tlast(ch_rv_tlast[0]),
    .rd1_tvalid(ch_rv_tvalid[0]),
    .rd1_tready(ch_rv_tready[0]),
    .wr_cmd_addr(wrc_addr_reg[0][AXI_ADDR_WIDTH-1:0]),
    .wr_cmd_beats(wrc_beats_reg[0]),
    .wr_cmd_valid(wrc_valid_reg[0]),
    .wr_cmd_ready(ch_wr_cmd_ready[0]),
    .wr_done(ch_wr_done[0]),
    .wr_tdata(wd_tdata),
    .wr_tvalid(ch_wr_tvalid[0]),
    .wr_tready(ch_wr_tready[0]),
    .rd_error(ch_rd_error[0]),
    .wr_error(ch_wr_error[0]),
    .m_axi_arid(m_axi_ch0_arid),
    .m_axi_araddr(m_axi_ch0_araddr),
    .m_axi_arlen(m_axi_ch0_arlen),
    .m_axi_arsize(m_axi_ch0_arsize),
    .m_axi_arburst(m_axi_ch0_arburst),
    .m_axi_arlock(m_axi_ch0_arlock),
    .m_axi_arcache(m_axi_ch0_arcache),
    .m_axi_arprot(m_axi_ch0_arprot),
    .m_axi_arqos(m_axi_ch0_arqos),
    .m_axi_arregion(m_axi_ch0_arregion),
    .m_axi_arvalid(m_axi_ch0_arvalid),
    .m_axi_arready(m_axi_ch0_arready),
    .m_axi_rid(m_axi_ch0_rid),
    .m_axi_rdata(m_axi_ch0_rdata),
    .m_axi_rresp(m_axi_ch0_rresp),
    .m_axi_rlast(m_axi_ch0_rlast),
    .m_axi_rvalid(m_axi_ch0_rvalid),
    .m_axi_rready(m_axi_ch0_rready),
    .m_axi_awid(m_axi_ch0_awid),
    .m_axi_awaddr(m_axi_ch0_awaddr),
    .m_axi_awlen(m_axi_ch0_awlen),
    .m_axi_awsize(m_axi_ch0_awsize),
    .m_axi_awburst(m_axi_ch0_awburst),
    .m_axi_awlock(m_axi_ch0_awlock),
    .m_axi_awcache(m_axi_ch0_awcache),
    .m_axi_awprot(m_axi_ch0_awprot),
    .m_axi_awqos(m_axi_ch0_awqos),
    .m_axi_awregion(m_axi_ch0_awregion),
    .m_axi_awvalid(m_axi_ch0_awvalid),
    .m_axi_awready(m_axi_ch0_awready),
    .m_axi_wdata(m_axi_ch0_wdata),
    .m_axi_wstrb(m_axi_ch0_wstrb),
    .m_axi_wlast(m_axi_ch0_wlast),
    .m_axi_wvalid(m_axi_ch0_wvalid),
    .m_axi_wready(m_axi_ch0_wready),
    .m_axi_bid(m_axi_ch0_bid),
    .m_axi_bresp(m_axi_ch0_bresp),
    .m_axi_bvalid(m_axi_ch0_bvalid),
    .m_axi_bready(m_axi_ch0_bready)
);

fwd_channel #(
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH)
) fwd_channel_1_inst (
    .clk(clk),
    .rst(rst_reg),
    .rd_cmd_addr(rdc_addr_reg[1][AXI_ADDR_WIDTH-1:0]),
    .rd_cmd_beats(rdc_beats_reg[1]),
    .rd_cmd_tag(rdc_tag_reg[1]),
    .rd_cmd_port(rdc_port[1]),
    .rd_cmd_valid(rdc_valid_reg[1]),
    .rd_cmd_ready(ch_rd_cmd_ready[1]),
    .rd_tdata(ch_rd_tdata[1]),
    .rd_ttag(ch_rd_ttag[1]),
    .rd_tlast(ch_rd_tlast[1]),
    .rd_tvalid(ch_rd_tvalid[1]),
    .rd_tready(ch_rd_tready[1]),
    .rd1_tdata(ch_rv_tdata[1]),
    .rd1_ttag(ch_rv_ttag[1]),
    .rd1_tlast(ch_rv_tlast[1]),
    .rd1_tvalid(ch_rv_tvalid[1]),
    .rd1_tready(ch_rv_tready[1]),
    .wr_cmd_addr(wrc_addr_reg[1][AXI_ADDR_WIDTH-1:0]),
    .wr_cmd_beats(wrc_beats_reg[1]),
    .wr_cmd_valid(wrc_valid_reg[1]),
    .wr_cmd_ready(ch_wr_cmd_ready[1]),
    .wr_done(ch_wr_done[1]),
    .wr_tdata(wd_tdata),
    .wr_tvalid(ch_wr_tvalid[1]),
    .wr_tready(ch_wr_tready[1]),
    .rd_error(ch_rd_error[1]),
    .wr_error(ch_wr_error[1]),
    .m_axi_arid(m_axi_ch1_arid),
    .m_axi_araddr(m_axi_ch1_araddr),
    .m_axi_arlen(m_axi_ch1_arlen),
    .m_axi_arsize(m_axi_ch1_arsize),
    .m_axi_arburst(m_axi_ch1_arburst),
    .m_axi_arlock(m_axi_ch1_arlock),
    .m_axi_arcache(m_axi_ch1_arcache),
    .m_axi_arprot(m_axi_ch1_arprot),
    .m_axi_arqos(m_axi_ch1_arqos),
    .m_axi_arregion(m_axi_ch1_arregion),
    .m_axi_arvalid(m_axi_ch1_arvalid),
    .m_axi_arready(m_axi_ch1_arready),
    .m_axi_rid(m_axi_ch1_rid),
    .m_axi_rdata(m_axi_ch1_rdata),
    .m_axi_rresp(m_axi_ch1_rresp),
    .m_axi_rlast(m_axi_ch1_rlast),
    .m_axi_rvalid(m_axi_ch1_rvalid),
    .m_axi_rready(m_axi_ch1_rready),
    .m_axi_awid(m_axi_ch1_awid),
    .m_axi_awaddr(m_axi_ch1_awaddr),
    .m_axi_awlen(m_axi_ch1_awlen),
    .m_axi_awsize(m_axi_ch1_awsize),
    .m_axi_awburst(m_axi_ch1_awburst),
    .m_axi_awlock(m_axi_ch1_awlock),
    .m_axi_awcache(m_axi_ch1_awcache),
    .m_axi_awprot(m_axi_ch1_awprot),
    .m_axi_awqos(m_axi_ch1_awqos),
    .m_axi_awregion(m_axi_ch1_awregion),
    .m_axi_awvalid(m_axi_ch1_awvalid),
    .m_axi_awready(m_axi_ch1_awready),
    .m_axi_wdata(m_axi_ch1_wdata),
    .m_axi_wstrb(m_axi_ch1_wstrb),
    .m_axi_wlast(m_axi_ch1_wlast),
    .m_axi_wvalid(m_axi_ch1_wvalid),
    .m_axi_wready(m_axi_ch1_wready),
    .m_axi_bid(m_axi_ch1_bid),
    .m_axi_bresp(m_axi_ch1_bresp),
    .m_axi_bvalid(m_axi_ch1_bvalid),
    .m_axi_bready(m_axi_ch1_bready)
);

fwd_channel #(
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH)
) fwd_channel_2_inst (
    .clk(clk),
    .rst(rst_reg),
    .rd_cmd_addr(rdc_addr_reg[2][AXI_ADDR_WIDTH-1:0]),
    .rd_cmd_beats(rdc_beats_reg[2]),
    .rd_cmd_tag(rdc_tag_reg[2]),
    .rd_cmd_port(rdc_port[2]),
    .rd_cmd_valid(rdc_valid_reg[2]),
    .rd_cmd_ready(ch_rd_cmd_ready[2]),
    .rd_tdata(ch_rd_tdata[2]),
    .rd_ttag(ch_rd_ttag[2]),
    .rd_tlast(ch_rd_tlast[2]),
    .rd_tvalid(ch_rd_tvalid[2]),
    .rd_tready(ch_rd_tready[2]),
    .rd1_tdata(ch_rv_tdata[2]),
    .rd1_ttag(ch_rv_ttag[2]),
    .rd1_tlast(ch_rv_tlast[2]),
    .rd1_tvalid(ch_rv_tvalid[2]),
    .rd1_tready(ch_rv_tready[2]),
    .wr_cmd_addr(wrc_addr_reg[2][AXI_ADDR_WIDTH-1:0]),
    .wr_cmd_beats(wrc_beats_reg[2]),
    .wr_cmd_valid(wrc_valid_reg[2]),
    .wr_cmd_ready(ch_wr_cmd_ready[2]),
    .wr_done(ch_wr_done[2]),
    .wr_tdata(wd_tdata),
    .wr_tvalid(ch_wr_tvalid[2]),
    .wr_tready(ch_wr_tready[2]),
    .rd_error(ch_rd_error[2]),
    .wr_error(ch_wr_error[2]),
    .m_axi_arid(m_axi_ch2_arid),
    .m_axi_araddr(m_axi_ch2_araddr),
    .m_axi_arlen(m_axi_ch2_arlen),
    .m_axi_arsize(m_axi_ch2_arsize),
    .m_axi_arburst(m_axi_ch2_arburst),
    .m_axi_arlock(m_axi_ch2_arlock),
    .m_axi_arcache(m_axi_ch2_arcache),
    .m_axi_arprot(m_axi_ch2_arprot),
    .m_axi_arqos(m_axi_ch2_arqos),
    .m_axi_arregion(m_axi_ch2_arregion),
    .m_axi_arvalid(m_axi_ch2_arvalid),
    .m_axi_arready(m_axi_ch2_arready),
    .m_axi_rid(m_axi_ch2_rid),
    .m_axi_rdata(m_axi_ch2_rdata),
    .m_axi_rresp(m_axi_ch2_rresp),
    .m_axi_rlast(m_axi_ch2_rlast),
    .m_axi_rvalid(m_axi_ch2_rvalid),
    .m_axi_rready(m_axi_ch2_rready),
    .m_axi_awid(m_axi_ch2_awid),
    .m_axi_awaddr(m_axi_ch2_awaddr),
    .m_axi_awlen(m_axi_ch2_awlen),
    .m_axi_awsize(m_axi_ch2_awsize),
    .m_axi_awburst(m_axi_ch2_awburst),
    .m_axi_awlock(m_axi_ch2_awlock),
    .m_axi_awcache(m_axi_ch2_awcache),
    .m_axi_awprot(m_axi_ch2_awprot),
    .m_axi_awqos(m_axi_ch2_awqos),
    .m_axi_awregion(m_axi_ch2_awregion),
    .m_axi_awvalid(m_axi_ch2_awvalid),
    .m_axi_awready(m_axi_ch2_awready),
    .m_axi_wdata(m_axi_ch2_wdata),
    .m_axi_wstrb(m_axi_ch2_wstrb),
    .m_axi_wlast(m_axi_ch2_wlast),
    .m_axi_wvalid(m_axi_ch2_wvalid),
    .m_axi_wready(m_axi_ch2_wready),
    .m_axi_bid(m_axi_ch2_bid),
    .m_axi_bresp(m_axi_ch2_bresp),
    .m_axi_bvalid(m_axi_ch2_bvalid),
    .m_axi_bready(m_axi_ch2_bready)
);

fwd_channel #(
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH)
) fwd_channel_3_inst (
    .clk(clk),
    .rst(rst_reg),
    .rd_cmd_addr(rdc_addr_reg[3][AXI_ADDR_WIDTH-1:0]),
    .rd_cmd_beats(rdc_beats_reg[3]),
    .rd_cmd_tag(rdc_tag_reg[3]),
    .rd_cmd_port(rdc_port[3]),
    .rd_cmd_valid(rdc_valid_reg[3]),
    .rd_cmd_ready(ch_rd_cmd_ready[3]),
    .rd_tdata(ch_rd_tdata[3]),
    .rd_ttag(ch_rd_ttag[3]),
    .rd_tlast(ch_rd_tlast[3]),
    .rd_tvalid(ch_rd_tvalid[3]),
    .rd_tready(ch_rd_tready[3]),
    .rd1_tdata(ch_rv_tdata[3]),
    .rd1_ttag(ch_rv_ttag[3]),
    .rd1_tlast(ch_rv_tlast[3]),
    .rd1_tvalid(ch_rv_tvalid[3]),
    .rd1_tready(ch_rv_tready[3]),
    .wr_cmd_addr(wrc_addr_reg[3][AXI_ADDR_WIDTH-1:0]),
    .wr_cmd_beats(wrc_beats_reg[3]),
    .wr_cmd_valid(wrc_valid_reg[3]),
    .wr_cmd_ready(ch_wr_cmd_ready[3]),
    .wr_done(ch_wr_done[3]),
    .wr_tdata(wd_tdata),
    .wr_tvalid(ch_wr_tvalid[3]),
    .wr_tready(ch_wr_tready[3]),
    .rd_error(ch_rd_error[3]),
    .wr_error(ch_wr_error[3]),
    .m_axi_arid(m_axi_ch3_arid),
    .m_axi_araddr(m_axi_ch3_araddr),
    .m_axi_arlen(m_axi_ch3_arlen),
    .m_axi_arsize(m_axi_ch3_arsize),
    .m_axi_arburst(m_axi_ch3_arburst),
    .m_axi_arlock(m_axi_ch3_arlock),
    .m_axi_arcache(m_axi_ch3_arcache),
    .m_axi_arprot(m_axi_ch3_arprot),
    .m_axi_arqos(m_axi_ch3_arqos),
    .m_axi_arregion(m_axi_ch3_arregion),
    .m_axi_arvalid(m_axi_ch3_arvalid),
    .m_axi_arready(m_axi_ch3_arready),
    .m_axi_rid(m_axi_ch3_rid),
    .m_axi_rdata(m_axi_ch3_rdata),
    .m_axi_rresp(m_axi_ch3_rresp),
    .m_axi_rlast(m_axi_ch3_rlast),
    .m_axi_rvalid(m_axi_ch3_rvalid),
    .m_axi_rready(m_axi_ch3_rready),
    .m_axi_awid(m_axi_ch3_awid),
    .m_axi_awaddr(m_axi_ch3_awaddr),
    .m_axi_awlen(m_axi_ch3_awlen),
    .m_axi_awsize(m_axi_ch3_awsize),
    .m_axi_awburst(m_axi_ch3_awburst),
    .m_axi_awlock(m_axi_ch3_awlock),
    .m_axi_awcache(m_axi_ch3_awcache),
    .m_axi_awprot(m_axi_ch3_awprot),
    .m_axi_awqos(m_axi_ch3_awqos),
    .m_axi_awregion(m_axi_ch3_awregion),
    .m_axi_awvalid(m_axi_ch3_awvalid),
    .m_axi_awready(m_axi_ch3_awready),
    .m_axi_wdata(m_axi_ch3_wdata),
    .m_axi_wstrb(m_axi_ch3_wstrb),
    .m_axi_wlast(m_axi_ch3_wlast),
    .m_axi_wvalid(m_axi_ch3_wvalid),
    .m_axi_wready(m_axi_ch3_wready),
    .m_axi_bid(m_axi_ch3_bid),
    .m_axi_bresp(m_axi_ch3_bresp),
    .m_axi_bvalid(m_axi_ch3_bvalid),
    .m_axi_bready(m_axi_ch3_bready)
);

fwd_scratchpad #(
    .DEPTH(SP_DEPTH)
) fwd_scratchpad_inst (
    .clk(clk),
    .wr_en(sp_w_en),
    .wr_addr(sp_w_addr),
    .wr_data(sp_w_data),
    .rd_a_en(sp_ra_en),
    .rd_a_addr(sp_ra_addr),
    .rd_a_data(sp_ra_data),
    .rd_b_en(sp_rb_en),
    .rd_b_addr(sp_rb_addr),
    .rd_b_data(sp_rb_data)
);

fwd_reader #(
    .AW(AW),
    .CW(CW)
) fwd_reader_a_inst (
    .clk(clk),
    .rst(rst_reg),
    .start(ra_start_reg),
    .cfg_base(ra_base_reg),
    .cfg_count(ra_count_reg),
    .cfg_wrap(ra_wrap_reg),
    .limit({CW{1'b1}}),
    .busy(ra_busy),
    .done(ra_done),
    .ram_en(sp_ra_en),
    .ram_addr(sp_ra_addr),
    .ram_data(sp_ra_data),
    .m_axis_tdata(ra_tdata),
    .m_axis_tvalid(ra_tvalid),
    .m_axis_tready(ra_tready),
    .m_axis_tlast(ra_tlast)
);

fwd_reader #(
    .AW(AW),
    .CW(CW)
) fwd_reader_b_inst (
    .clk(clk),
    .rst(rst_reg),
    .start(rb_start_reg),
    .cfg_base(rb_base_reg),
    .cfg_count(rb_count_reg),
    .cfg_wrap(rb_wrap_reg),
    .limit(rb_logits ? w_written : {CW{1'b1}}),
    .busy(rb_busy),
    .done(rb_done),
    .ram_en(sp_rb_en),
    .ram_addr(sp_rb_addr),
    .ram_data(sp_rb_data),
    .m_axis_tdata(rb_tdata),
    .m_axis_tvalid(rb_tvalid),
    .m_axis_tready(rb_logits ? ch_wr_tready[0] : ew_b_tready),
    .m_axis_tlast(rb_tlast)
);

fwd_writer #(
    .AW(AW),
    .CW(CW),
    .TOKENS(MAX_TOKENS),
    .TOKEN_STRIDE(TOK_W),
    .ENGINES(N_ENG)
) fwd_writer_inst (
    .clk(clk),
    .rst(rst_reg),
    .start(w_start_reg),
    .cfg_base(w_base_reg),
    .cfg_count(w_count_reg),
    .cfg_engines(w_engines_reg),
    .cfg_addressed(att_step),
    .cfg_tokens(w_engines_reg && !att_step ? eng_ntok_reg : TN_WIDTH'(1)),
    .busy(w_busy),
    .done(w_done),
    .written(w_written),
    .s_axis_tdata(ws_tdata),
    .s_axis_tvalid(ws_tvalid),
    .s_axis_tready(ws_tready),
    .s_axis_e_tdata(att_step ? (N_ENG*512)'(att_out_tdata) : eng_out_tdata),
    .s_axis_e_taddr(att_out_taddr),
    .s_axis_e_tvalid(att_step ? N_ENG'(att_out_tvalid) : eng_out_tvalid),
    .s_axis_e_tready(w_e_tready),
    .ram_en(sp_w_en),
    .ram_addr(sp_w_addr),
    .ram_data(sp_w_data)
);

// The cores' inputs take beats only from the source the step routes to them.
wire emb_s_tvalid = ch_rd_tvalid[0] && ch_rd_ttag[0] == TAG_EMB_S;
wire emb_q_tvalid = ch_rd_tvalid[0] && ch_rd_ttag[0] == TAG_EMB_Q;
wire rms_x_tvalid = ra_tvalid && ra_route_reg == RA_RMS;
wire rms_w_tvalid = ch_rd_tvalid[0] && ch_rd_ttag[0] == TAG_NORM;
wire ew_a_tvalid  = ra_tvalid && ra_route_reg == RA_EW;
assign att_step       = step_reg == STEP_ATT;  // (the writer's run of the step starts and ends in it)
assign eng_out_tready = att_step ? '0 : w_e_tready;

embed_core #(
    .MAX_DIM((MAX_DIM + 63) / 64 * 64)
) embed_core_inst (
    .clk(clk),
    .rst(rst_reg),
    .start(emb_start_reg),
    .cfg_gs64(c_gs64),
    .cfg_dim(c_dim),
    .busy(emb_busy),
    .done(emb_done),
    .s_axis_q_tdata(ch_rd_tdata[0]),
    .s_axis_q_tvalid(emb_q_tvalid),
    .s_axis_q_tready(emb_q_tready),
    .s_axis_s_tdata(ch_rd_tdata[0]),
    .s_axis_s_tvalid(emb_s_tvalid),
    .s_axis_s_tready(emb_s_tready),
    .m_axis_out_tdata(emb_out_tdata),
    .m_axis_out_tvalid(emb_out_tvalid),
    .m_axis_out_tready(ws_tready && w_src_reg == WS_EMBED),
    .m_axis_out_tlast(emb_out_tlast)
);

rmsnorm_core rmsnorm_core_inst (
    .clk(clk),
    .rst(rst_reg),
    .start(rms_start_reg),
    .cfg_n(c_dim),
    .cfg_inv_n(c_inv_dim),
    .busy(rms_busy),
    .done(rms_done),
    .s_axis_x_tdata(ra_tdata),
    .s_axis_x_tvalid(rms_x_tvalid),
    .s_axis_x_tready(rms_x_tready),
    .s_axis_w_tdata(ch_rd_tdata[0]),
    .s_axis_w_tvalid(rms_w_tvalid),
    .s_axis_w_tready(rms_w_tready),
    .m_axis_out_tdata(rms_out_tdata),
    .m_axis_out_tvalid(rms_out_tvalid),
    .m_axis_out_tready(q_rms_reg && q_x_tready),
    .m_axis_out_tlast(rms_out_tlast)
);

quantize_core #(
    .MAX_N(Q_MAX_N)
) quantize_core_inst (
    .clk(clk),
    .rst(rst_reg),
    .start(q_start_reg),
    .cfg_gs64(q_gs64_reg),
    .cfg_n(q_n_reg),
    .busy(q_busy),
    .done(q_done),
    .s_axis_x_tdata(q_x_tdata),
    .s_axis_x_tvalid(q_x_tvalid),
    .s_axis_x_tready(q_x_tready),
    .m_axis_out_tdata(q_out_tdata),
    .m_axis_out_tvalid(q_out_tvalid),
    .m_axis_out_tready(q_out_tready),
    .m_axis_out_tlast(q_out_tlast)
);

for (genvar e = 0; e < N_ENG; e++) begin : g_engine
    // Engine e's weights: channel e's stream (a DDR build), or bank e / 4 of channel e mod 4's
    // store (an on-chip build).
    wire [511:0] w_tdata;
    wire         w_tvalid;
    if (ONCHIP) begin : g_onchip
        assign w_tdata  = st_w_tdata[512 * e +: 512];
        assign w_tvalid = st_w_tvalid[e];
    end else begin : g_ddr
        assign w_tdata  = ch_rd_tdata[e % 4];
        assign w_tvalid = ch_rd_tvalid[e % 4] && ch_rd_ttag[e % 4] == TAG_W;
    end

    matmul_engine #(
        .MAX_COLS(ENG_COLS),
        .TOKENS(MAX_TOKENS)
    ) matmul_engine_inst (
        .clk(clk),
        .rst(rst_reg),
        .cfg_start(eng_start_reg),
        .cfg_gs64(c_gs64),
        .cfg_groups(eng_groups_reg),
        .cfg_x_value_beats(eng_xvb_reg),
        .cfg_tokens(eng_ntok_reg),
        .w_enable(eng_wen_reg),
        .s_axis_x_tdata(q_out_tdata),
        .s_axis_x_tvalid(q_out_tvalid && !q_kv_reg),  // the engines take every x beat
        .s_axis_x_tready(eng_x_tready[e]),
        .s_axis_w_tdata(w_tdata),
        .s_axis_w_tvalid(w_tvalid),
        .s_axis_w_tready(eng_w_tready[e]),
        .m_axis_out_tdata(eng_out_tdata[512 * e +: 512]),
        .m_axis_out_tvalid(eng_out_tvalid[e]),
        .m_axis_out_tready(eng_out_tready[e])
    );
end

/*
 * On-chip weight store (WEIGHT_BANKS >= 1): one fwd_weight_store per channel, bank k feeding
 * engine c + 4 k. A load run fills it from the channel's weight stream (TAG_W beats, in the
 * order the DDR build's engines took them); a token run's matrix steps start each bank's reader
 * at the engine's part of the matrix (docs/forward.md, "Weights on chip").
 */
if (ONCHIP) begin : g_store
    for (genvar c = 0; c < 4; c++) begin : g_channel
        wire [N_BANKS-1:0]     rd_start, rd_tready, rd_tvalid, rd_busy, rd_done, rd_tlast;
        wire [N_BANKS*WAW-1:0] rd_base;
        wire [N_BANKS*WCW-1:0] rd_count, level;
        wire [N_BANKS*512-1:0] rd_tdata;
        wire                   load_busy;
        for (genvar k = 0; k < N_BANKS; k++) begin : g_bank
            assign rd_start[k]                 = st_rd_start_reg[c + 4 * k];
            assign rd_base[WAW * k +: WAW]     = st_rd_base_reg[WAW * (c + 4 * k) +: WAW];
            assign rd_count[WCW * k +: WCW]    = st_rd_count_reg[WCW * (c + 4 * k) +: WCW];
            assign rd_tready[k]                = eng_w_tready[c + 4 * k];
            assign st_w_tdata[512 * (c + 4 * k) +: 512] = rd_tdata[512 * k +: 512];
            assign st_w_tvalid[c + 4 * k]      = rd_tvalid[k];
            assign st_level[c + 4 * k]         = level[WCW * k +: WCW];
        end
        // Framing is by counts: the writer's done ends the step.
        wire unused_rd = &{1'b0, rd_busy, rd_done, rd_tlast, load_busy};

        fwd_weight_store #(
            .BANKS(N_BANKS),
            .DEPTH(WEIGHT_DEPTH),
            .BW(16),
            .RAM_LATENCY(3),
            .FIFO_DEPTH(8)
        ) fwd_weight_store_inst (
            .clk(clk),
            .rst(rst_reg),
            .load_clear(st_clear_reg),
            .load_start(st_load_start_reg),
            .cfg_block_beats(WCW'(st_bbeats_reg)),
            .cfg_blocks(st_blocks_reg[c]),
            .load_busy(load_busy),
            .load_done(st_load_done[c]),
            .load_overflow(st_overflow[c]),
            .load_level(level),
            .s_axis_load_tdata(ch_rd_tdata[c]),
            .s_axis_load_tvalid(ch_rd_tvalid[c] && ch_rd_ttag[c] == TAG_W),
            .s_axis_load_tready(st_load_tready[c]),
            .rd_start(rd_start),
            .cfg_rd_base(rd_base),
            .cfg_rd_count(rd_count),
            .rd_busy(rd_busy),
            .rd_done(rd_done),
            .m_axis_w_tdata(rd_tdata),
            .m_axis_w_tvalid(rd_tvalid),
            .m_axis_w_tready(rd_tready),
            .m_axis_w_tlast(rd_tlast)
        );
    end
end else begin : g_no_store
    wire unused_store = &{1'b0, st_clear_reg, st_load_start_reg, st_bbeats_reg, st_rd_start_reg, st_rd_base_reg,
                          st_rd_count_reg, st_blocks_reg[0], st_blocks_reg[1], st_blocks_reg[2], st_blocks_reg[3],
                          st_w_tdata, st_w_tvalid};
    assign st_load_tready = '0;
    assign st_load_done   = '0;
    assign st_overflow    = '0;
    assign st_w_tdata     = '0;
    assign st_w_tvalid    = '0;
    for (genvar e = 0; e < N_ENG; e++) begin : g_level
        assign st_level[e] = '0;
    end
end

fwd_elementwise fwd_elementwise_inst (
    .clk(clk),
    .rst(rst_reg),
    .cfg_op(ew_op_reg),
    .s_axis_a_tdata(ra_tdata),
    .s_axis_a_tvalid(ew_a_tvalid),
    .s_axis_a_tready(ew_a_tready),
    .s_axis_b_tdata(rb_tdata),
    .s_axis_b_tvalid(rb_tvalid && !rb_logits),
    .s_axis_b_tready(ew_b_tready),
    .m_axis_out_tdata(ew_out_tdata),
    .m_axis_out_tvalid(ew_out_tvalid),
    .m_axis_out_tready(ws_tready && w_src_reg == WS_EW)
);

/*
 * Attention lanes
 *
 * Four attention_core, lane c serving the query heads whose kv head lives in channel c (kv
 * head mod 4): its key and value streams are exactly channel c's K/V read beats, so the lanes
 * never wait on each other's channels and run their heads in parallel (a channel's commands
 * are for one lane, in head order: the single-lane argument against deadlock holds per lane).
 * The q region streams once, in head order; each q beat goes to its head's lane, and on a
 * head's first beat the lane's head FIFO records the head's q offset, which is also its
 * offset in ATT. A lane's results (head_chunks beats per head, its heads in order) go to that
 * offset through the writer's addressed mode.
 */
always_comb begin
    aq_kvh_next   = aq_kvh_reg;
    aq_sub_next   = aq_sub_reg;
    aq_chunk_next = aq_chunk_reg;
    aq_word_next  = aq_word_reg;
    for (int c = 0; c < 4; c++) begin
        ahw_next[c]      = ahw_reg[c];
        ahr_next[c]      = ahr_reg[c];
        ao_chunk_next[c] = ao_chunk_reg[c];
        att_q_tvalid[c]  = ra_tvalid && ra_route_reg == RA_ATTQ && aq_kvh_reg[1:0] == 2'(c);
        if (att_out_tvalid[c] && att_out_tready[c]) begin
            if (32'(ao_chunk_reg[c]) == hs_beats_m1_reg) begin
                ao_chunk_next[c] = '0;
                ahr_next[c]      = ahr_reg[c] + 1'b1;
            end else begin
                ao_chunk_next[c] = ao_chunk_reg[c] + 1'b1;
            end
        end
    end
    if (ra_tvalid && ra_route_reg == RA_ATTQ) begin  // the lanes take every q beat
        aq_word_next = aq_word_reg + 1'b1;
        if (aq_chunk_reg == '0) begin
            ahw_next[aq_kvh_reg[1:0]] = ahw_reg[aq_kvh_reg[1:0]] + 1'b1;
        end
        if (32'(aq_chunk_reg) == hs_beats_m1_reg) begin
            aq_chunk_next = '0;
            if (aq_sub_reg == kv_mul_m1_reg) begin
                aq_sub_next = 32'd0;
                aq_kvh_next = aq_kvh_reg + 32'd1;
            end else begin
                aq_sub_next = aq_sub_reg + 32'd1;
            end
        end else begin
            aq_chunk_next = aq_chunk_reg + 1'b1;
        end
    end
    if (att_start_reg) begin
        aq_kvh_next   = 32'd0;
        aq_sub_next   = 32'd0;
        aq_chunk_next = '0;
        aq_word_next  = '0;
        for (int c = 0; c < 4; c++) begin
            ahw_next[c]      = '0;
            ahr_next[c]      = '0;
            ao_chunk_next[c] = '0;
        end
    end
end

// Where each lane's result beat goes (a block of its own: the counters above use the writer's
// ready, which depends on these addresses only through the data path).
always_comb begin
    for (int c = 0; c < 4; c++) begin
        att_out_taddr[AW * c +: AW] = tb | (AW'(ATT_BASE) + ahead_mem[c][HI_WIDTH'(ahr_reg[c])] + AW'(ao_chunk_reg[c]));
    end
end

always_ff @(posedge clk) begin
    aq_kvh_reg   <= aq_kvh_next;
    aq_sub_reg   <= aq_sub_next;
    aq_chunk_reg <= aq_chunk_next;
    aq_word_reg  <= aq_word_next;
    for (int c = 0; c < 4; c++) begin
        ahw_reg[c]      <= ahw_next[c];
        ahr_reg[c]      <= ahr_next[c];
        ao_chunk_reg[c] <= ao_chunk_next[c];
    end
    if (ra_tvalid && ra_route_reg == RA_ATTQ && aq_chunk_reg == '0 && !att_start_reg) begin
        ahead_mem[aq_kvh_reg[1:0]][HI_WIDTH'(ahw_reg[aq_kvh_reg[1:0]])] <= aq_word_reg;
    end
end

for (genvar c = 0; c < 4; c++) begin : g_att
    attention_core #(
        .MAX_HEADS(MAX_HEADS),
        .MAX_HEAD_SIZE(MAX_HEAD_SIZE),
        .MAX_SEQ_LEN(MAX_SEQ_LEN),
        .SCORE_PIPES(ATT_SCORE_PIPES),
        .VALUE_WAYS(ATT_VALUE_WAYS)
    ) attention_core_inst (
        .clk(clk),
        .rst(rst_reg),
        .start(att_start_reg),
        .int8(KV_INT8),
        .head_chunks(AC_WIDTH'(c_hs_beats)),
        .pos(AT_WIDTH'(pos_t)),
        .inv_sqrt_hs(c_inv_sqrt_hs),
        .s_q_tdata(ra_tdata),
        .s_q_tvalid(att_q_tvalid[c]),
        .s_q_tready(att_q_tready[c]),
        .s_k_tdata(ch_rd_tdata[c]),
        .s_k_tvalid(att_k_tvalid[c]),
        .s_k_tready(att_k_tready[c]),
        .s_ks_tdata(ch_rd_tdata[c]),
        .s_ks_tvalid(att_ks_tvalid[c]),
        .s_ks_tready(att_ks_tready[c]),
        .s_v_tdata(ch_rv_tdata[c]),
        .s_v_tvalid(att_v_tvalid[c]),
        .s_v_tready(att_v_tready[c]),
        .s_vs_tdata(ch_rv_tdata[c]),
        .s_vs_tvalid(att_vs_tvalid[c]),
        .s_vs_tready(att_vs_tready[c]),
        .m_out_tdata(att_out_tdata[512 * c +: 512]),
        .m_out_tvalid(att_out_tvalid[c]),
        .m_out_tready(att_out_tready[c])
    );
end

`ifndef SYNTHESIS
// The checks below run from the first reset on: before it the registers hold whatever the
// simulator put there (Verilator's random initial values).
logic sim_reset_seen;
initial sim_reset_seen = 1'b0;
always @(posedge clk) begin
    if (rst_reg) begin
        sim_reset_seen <= 1'b1;
    end
end
// Fault injection, to show each check can fail (verif/tests/forward test_sim_checks_catch_faults):
// +fwd_fault=NAME corrupts what that check reads (never the design's own registers).
bit fault_att, fault_pending, fault_class, fault_state, fault_command;
initial begin
    string fault;
    fault = "";
    void'($value$plusargs("fwd_fault=%s", fault));
    fault_att     = fault == "attention";
    fault_pending = fault == "pending";
    fault_class   = fault == "class";
    fault_state   = fault == "state";
    fault_command = fault == "command";
    if (fault != "" && !(fault_att || fault_pending || fault_class || fault_state || fault_command)) begin
        $fatal(1, "forward: +fwd_fault=%s names no check", fault);
    end
end
// att_addr_reg's schedule (above) against the sums it stands for, at every attention read
// command: a head's commands faster than the next addresses form would stop the simulation here.
logic [63:0] att_base;  // kv head akvh's base (its key cache), from the head table
logic [63:0] att_addr_expect;
always_comb begin
    att_base = kvbase_reg[KVI_WIDTH'(akvh_reg)];
    case (att_phase[1:0])
        2'd0:    att_addr_expect = att_base + c_scale_off;
        2'd2:    att_addr_expect = att_base + cache_scale_off_reg;
        2'd3:    att_addr_expect = att_base + c_cache_bytes;
        default: att_addr_expect = att_base;
    endcase
end
always_ff @(posedge clk) begin
    if (sim_reset_seen && !rst_reg && state_reg[STATE_ISSUE] && step_reg == STEP_ATT && cmds_idle && !att_phase[2]
            && (rdc_addr_data[att_ch] ^ (fault_att ? 64'd64 : 64'd0)) != att_addr_expect) begin
        $error("forward: attention read address %h for kv head %0d phase %0d, expected %h",
               rdc_addr_data[att_ch], akvh_reg, att_phase, att_addr_expect);
    end
end
// The command registers follow rdc_*_data whenever no command is pending (above), which holds
// only if a run starts with none pending: every run ends with its reads consumed and its writes
// acknowledged.
always_ff @(posedge clk) begin
    if (sim_reset_seen && !rst_reg && state_reg[STATE_DESC] && (!cmds_none || fault_pending)) begin
        $error("forward: a run started with a memory command still pending");
    end
end
// step_cls_reg is the step's classes, state_reg one bit a state (above).
always_ff @(posedge clk) begin
    if (sim_reset_seen && !rst_reg && (step_cls_reg ^ 5'(fault_class)) != step_class(step_reg)) begin
        $error("forward: step %0d's class bits %b, expected %b", step_reg, step_cls_reg, step_class(step_reg));
    end
    if (sim_reset_seen && !rst_reg && !$onehot(state_reg ^ (fault_state ? 8'h80 : 8'h00))) begin
        $error("forward: state %b is not one state", state_reg);
    end
end
// hold_reg's rule (above): a read command issues with the values of its own cycle.
always_ff @(posedge clk) begin
    for (int c = 0; c < 4; c++) begin
        if (sim_reset_seen && !rst_reg && cmds_idle && rdc_valid_next[c]
                && ((rdc_addr_dreg[c] ^ (fault_command ? 64'd64 : 64'd0)) != rdc_addr_data[c]
                    || rdc_beats_dreg[c] != rdc_beats_data[c]
                    || rdc_tag_dreg[c] != rdc_tag_data[c])) begin
            $error("forward: channel %0d's read command (step %0d, phase %0d) issued with the values of the cycle before: %h/%0d/%0d, not %h/%0d/%0d",
                   c, step_reg, phase_reg, rdc_addr_dreg[c], rdc_beats_dreg[c], rdc_tag_dreg[c],
                   rdc_addr_data[c], rdc_beats_data[c], rdc_tag_data[c]);
        end
    end
end
`endif

endmodule

`default_nettype wire
