// Generated from host/image.py DESCRIPTOR_FIELDS by `python -m hlstransform.host.image` (make hls). Do not edit.
// SPDX-License-Identifier: Apache-2.0

`default_nettype none

// A constants package: no single module uses every constant.
/* verilator lint_off UNUSEDPARAM */
package forward_desc_pkg;

    localparam int unsigned DESC_WORDS = 29;  // 64-bit little-endian words
    localparam int unsigned DESC_BEATS = 4;  // 512-bit beats holding them
    localparam logic [63:0] MAGIC = 64'h3130445746545348;
    localparam logic [63:0] VERSION = 64'd1;
    localparam int unsigned N_CHANNELS = 4;
    localparam int unsigned CHANNEL_SHIFT = 34;

    localparam int unsigned W_MAGIC = 0;  // word index: DESCRIPTOR_MAGIC: the table is a forward-kernel descriptor
    localparam int unsigned W_VERSION = 1;  // word index: DESCRIPTOR_VERSION
    localparam int unsigned W_DIM = 2;  // word index: model dimension
    localparam int unsigned W_HIDDEN_DIM = 3;  // word index: FFN hidden dimension
    localparam int unsigned W_N_LAYERS = 4;  // word index: decoder layers
    localparam int unsigned W_N_HEADS = 5;  // word index: query heads
    localparam int unsigned W_N_KV_HEADS = 6;  // word index: key/value heads
    localparam int unsigned W_VOCAB_SIZE = 7;  // word index: vocabulary (logits) size
    localparam int unsigned W_SEQ_LEN = 8;  // word index: context length (KV-cache capacity)
    localparam int unsigned W_HEAD_SIZE = 9;  // word index: dim / n_heads
    localparam int unsigned W_GROUP_SIZE = 10;  // word index: Q8_0 group size, 32 or 64
    localparam int unsigned W_KV_INT8 = 11;  // word index: 0: fp32 KV cache, 1: int8 Q8_0 (one scale per head vector)
    localparam int unsigned W_INV_DIM = 12;  // word index: fp32 bits of hwmodel.inv_n(dim) (RMSNorm mean factor)
    localparam int unsigned W_INV_SQRT_HS = 13;  // word index: fp32 bits of hwmodel.inv_sqrt(head_size) (score scale)
    localparam int unsigned W_WEIGHTS_A = 14;  // word index: channel A weight stream: its row blocks of every matrix in execution order
    localparam int unsigned W_WEIGHTS_B = 15;  // word index: channel B weight stream
    localparam int unsigned W_WEIGHTS_C = 16;  // word index: channel C weight stream
    localparam int unsigned W_WEIGHTS_D = 17;  // word index: channel D weight stream
    localparam int unsigned W_EMBED_Q = 18;  // word index: embedding values: vocab rows of dim int8, row stride embed_row_bytes (channel A)
    localparam int unsigned W_EMBED_S = 19;  // word index: embedding scales: vocab rows of dim/GS fp32, row stride embed_scale_row_bytes
    localparam int unsigned W_EMBED_ROW_BYTES = 20;  // word index: align_up(dim)
    localparam int unsigned W_EMBED_SCALE_ROW_BYTES = 21;  // word index: align_up(4 * dim / GS)
    localparam int unsigned W_NORMS = 22;  // word index: RMSNorm weights: per layer rms_att then rms_ffn, then rms_final; dim fp32 each, stride align_up(4 * dim)
    localparam int unsigned W_ROPE = 23;  // word index: RoPE table: seq_len rows of head_size fp32 (c0, s0, c1, s1, ...) (numerics.rope_table_row)
    localparam int unsigned W_KV_A = 24;  // word index: channel A KV region: kv heads h with h % 4 == 0 (see KvRegion)
    localparam int unsigned W_KV_B = 25;  // word index: channel B KV region
    localparam int unsigned W_KV_C = 26;  // word index: channel C KV region
    localparam int unsigned W_KV_D = 27;  // word index: channel D KV region
    localparam int unsigned W_LOGITS = 28;  // word index: vocab fp32 logits, written by the kernel (channel A)

endpackage
/* verilator lint_on UNUSEDPARAM */

`default_nettype wire
