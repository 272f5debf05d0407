// SPDX-License-Identifier: Apache-2.0

/*
 * KV-cache slot unpacker of the attention kernel: cache beats in, fp32
 * chunks of 16 values out
 *
 * A slot (one head vector of one position, host/image.py KvLayout) is
 * SLOT_CHUNKS = head_size / 16 chunks of 16 values. With an fp32 cache a
 * slot is SLOT_CHUNKS beats and every beat is one chunk, passed through. With
 * an int8 cache a slot is ceil(head_size / 64) beats of 64 int8 values
 * (zero-padded); each beat gives up to four chunks, bytes 16c .. 16c + 15
 * for chunk c, and the chunks past the slot's head_size values are skipped.
 * Each int8 chunk goes through 16 ew_i8_to_f32 lanes (rtl/gen/ew_i8_to_f32.v,
 * exact), one chunk per cycle. m_axis_tlast marks a slot's last chunk.
 *
 * The lanes cannot stall, so a chunk only enters them with a credit: a slot
 * reserved in the chunk FIFO (FIFO_DEPTH >= lane latency + 2 keeps one chunk
 * per cycle; a smaller value costs throughput, never data). fp32 chunks take
 * a credit too and are written at once.
 *
 * int8 and slot_chunks must not change while chunks are in flight (the kernel
 * sets them per run). Every run ends on a slot boundary (the read streams
 * deliver whole slots even on errors), so the counters are back at zero
 * between runs.
 */

`default_nettype none

module attention_kv_unpack #(
    // Largest slot_chunks (head_size / 16)
    parameter int MAX_SLOT_CHUNKS = 8,
    // Chunk FIFO depth, chunks (power of two, >= 2); >= lane latency + 2 for a chunk per cycle
    parameter int FIFO_DEPTH = 16
) (
    input  wire                                  clk,
    input  wire                                  rst,  // active-high, synchronous

    /*
     * Configuration (held during a run)
     */
    input  wire                                  int8,         // 1: int8 slots, 0: fp32 slots
    input  wire  [$clog2(MAX_SLOT_CHUNKS+1)-1:0] slot_chunks,  // head_size / 16, 1 .. MAX_SLOT_CHUNKS

    /*
     * Cache beats (slave)
     */
    input  wire  [511:0]                         s_axis_tdata,
    input  wire                                  s_axis_tvalid,
    output wire                                  s_axis_tready,

    /*
     * Chunks (master): fp32 value k of the chunk at [32k +: 32]
     */
    output wire  [511:0]                         m_axis_tdata,
    output wire                                  m_axis_tlast,  // the slot's last chunk
    output wire                                  m_axis_tvalid,
    input  wire                                  m_axis_tready
);

localparam int LANES     = 16;
localparam int C_WIDTH   = $clog2(MAX_SLOT_CHUNKS + 1);
localparam int CNT_WIDTH = $clog2(FIFO_DEPTH + 1);

if (MAX_SLOT_CHUNKS < 1) begin : g_check_max_slot_chunks
    $error("attention_kv_unpack: MAX_SLOT_CHUNKS must be >= 1");
end

// Input side: chunk of the slot and quarter of the int8 beat the next issue takes.
logic [C_WIDTH-1:0]   in_chunk_reg, in_chunk_next;
logic [1:0]           quarter_reg, quarter_next;
// Credits: FIFO entries neither filled nor promised to a chunk in the lanes.
logic [CNT_WIDTH-1:0] credits_reg, credits_next;
logic                 credit_reg, credit_next;         // credits_reg != 0, registered
// Output side: chunk of the slot on m_axis.
logic [C_WIDTH-1:0]   out_chunk_reg, out_chunk_next;

logic                 issue, in_last_chunk, pop;
wire                  lane_valid;
wire  [LANES-1:0]     lane_out_valid;
wire  [511:0]         lane_out;
logic                 fifo_s_valid;
logic [511:0]         fifo_s_data;
wire                  fifo_s_ready;

// Credits keep the FIFO from filling: its s_ready says nothing new. All lanes run in lockstep;
// lane 0's valid stands for all of them.
wire unused = &{1'b0, fifo_s_ready, lane_out_valid[LANES-1:1]};

assign in_last_chunk = in_chunk_reg == slot_chunks - 1'b1;
assign issue         = s_axis_tvalid && credit_reg;
// fp32: a beat is a chunk. int8: the beat leaves with its fourth chunk or the slot's last.
assign s_axis_tready = credit_reg && (!int8 || quarter_reg == 2'd3 || in_last_chunk);
assign lane_valid    = issue && int8;

assign pop           = m_axis_tvalid && m_axis_tready;
assign m_axis_tlast  = out_chunk_reg == slot_chunks - 1'b1;

always_comb begin
    in_chunk_next  = in_chunk_reg;
    quarter_next   = quarter_reg;
    credits_next   = credits_reg;
    out_chunk_next = out_chunk_reg;

    if (issue) begin
        credits_next  = credits_next - 1'b1;
        in_chunk_next = in_last_chunk ? '0 : in_chunk_reg + 1'b1;
        quarter_next  = in_last_chunk ? 2'd0 : quarter_reg + 2'd1;
    end
    if (pop) begin
        credits_next   = credits_next + 1'b1;
        out_chunk_next = m_axis_tlast ? '0 : out_chunk_reg + 1'b1;
    end
    credit_next = credits_next != '0;

    // fp32 chunks are written as they are taken, int8 ones as the lanes return them.
    fifo_s_valid = int8 ? lane_out_valid[0] : issue;
    fifo_s_data  = int8 ? lane_out : s_axis_tdata;
end

always_ff @(posedge clk) begin
    in_chunk_reg  <= in_chunk_next;
    quarter_reg   <= quarter_next;
    credits_reg   <= credits_next;
    credit_reg    <= credit_next;
    out_chunk_reg <= out_chunk_next;

    if (rst) begin
        in_chunk_reg  <= '0;
        quarter_reg   <= 2'd0;
        credits_reg   <= CNT_WIDTH'(FIFO_DEPTH);
        credit_reg    <= 1'b1;
        out_chunk_reg <= '0;
    end
end

/*
 * Lanes: value k of an int8 chunk is byte 16 * quarter + k of the beat
 */
for (genvar k = 0; k < LANES; k++) begin : g_lane
    ew_i8_to_f32 ew_i8_to_f32_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(lane_valid),
        .q(s_axis_tdata[128 * quarter_reg + 8 * k +: 8]),
        .out_valid(lane_out_valid[k]),
        .out(lane_out[32 * k +: 32])
    );
end

attention_fifo #(
    .WIDTH(512),
    .DEPTH(FIFO_DEPTH)
) chunk_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data(fifo_s_data),
    .s_valid(fifo_s_valid),
    .s_ready(fifo_s_ready),
    .m_data(m_axis_tdata),
    .m_valid(m_axis_tvalid),
    .m_ready(m_axis_tready)
);

endmodule

`default_nettype wire
