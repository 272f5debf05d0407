// SPDX-License-Identifier: Apache-2.0

/*
 * Forward-kernel codes shared by its modules: where a channel's read data
 * goes (the tag of a read command), where scratchpad read port A's beats go,
 * what feeds the writer, and the elementwise operation of a step.
 */

`default_nettype none

// A constants package: no single module uses every constant.
/* verilator lint_off UNUSEDPARAM */
package fwd_pkg;

    // Read-command tags: the consumer of a command's beats (fwd_channel keeps them in order).
    localparam logic [3:0] TAG_DESC  = 4'd0;  // descriptor words (channel A)
    localparam logic [3:0] TAG_EMB_S = 4'd1;  // embedding row scales -> embed_core s (channel A)
    localparam logic [3:0] TAG_EMB_Q = 4'd2;  // embedding row values -> embed_core q (channel A)
    localparam logic [3:0] TAG_NORM  = 4'd3;  // RMSNorm weights -> rmsnorm_core w (channel A)
    localparam logic [3:0] TAG_ROPE  = 4'd4;  // RoPE table row -> writer (channel A)
    localparam logic [3:0] TAG_W     = 4'd5;  // weight stream -> the channel's matmul engine
    localparam logic [3:0] TAG_KS    = 4'd6;  // key scales (int8 KV) -> attention_core ks
    localparam logic [3:0] TAG_K     = 4'd7;  // keys -> attention_core k
    localparam logic [3:0] TAG_VS    = 4'd8;  // value scales (int8 KV) -> attention_core vs
    localparam logic [3:0] TAG_V     = 4'd9;  // values -> attention_core v
    localparam logic [3:0] TAG_SBEAT = 4'd10; // int8 KV store: the beat holding pos's scale (read-modify-write)

    // Scratchpad read port A: the consumer of its beats.
    localparam logic [2:0] RA_RMS    = 3'd0;  // rmsnorm_core x
    localparam logic [2:0] RA_QUANT  = 3'd1;  // quantize_core x (matmul input without a norm; int8 KV run)
    localparam logic [2:0] RA_EW     = 3'd2;  // elementwise operand a
    localparam logic [2:0] RA_ATTQ   = 3'd3;  // attention_core q
    localparam logic [2:0] RA_WRITE  = 3'd4;  // a channel's write stream (fp32 KV store)

    // A channel's write data.
    localparam logic [1:0] WD_RA     = 2'd0;  // scratchpad port A (fp32 KV store)
    localparam logic [1:0] WD_KVBUF  = 2'd1;  // the KV buffer's value beat (int8 KV store)
    localparam logic [1:0] WD_SBEAT  = 2'd2;  // the merged scale beat (int8 KV store)
    localparam logic [1:0] WD_RB     = 2'd3;  // scratchpad port B (the logits, during the classifier)

    // Writer sequential source.
    localparam logic [1:0] WS_EMBED  = 2'd0;  // embed_core results
    localparam logic [1:0] WS_ROPE   = 2'd1;  // channel A read data (TAG_ROPE)
    localparam logic [1:0] WS_EW     = 2'd2;  // elementwise results
    localparam logic [1:0] WS_ATT    = 2'd3;  // attention_core results

    // Elementwise operation (fwd_elementwise).
    localparam logic [1:0] EW_ADD    = 2'd0;  // residual: a + b
    localparam logic [1:0] EW_SWIGLU = 2'd1;  // SwiGLU: a = h1, b = h3
    localparam logic [1:0] EW_ROPE   = 2'd2;  // RoPE: a = q/k beat, b = table-row beat

endpackage
/* verilator lint_on UNUSEDPARAM */

`default_nettype wire
