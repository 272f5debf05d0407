// SPDX-License-Identifier: Apache-2.0

/*
 * KV-cache slot unpacker of the attention kernel: cache beats in, groups of
 * WAYS fp32 chunks of 16 values out
 *
 * A slot (one head vector of one position, host/image.py KvLayout) is
 * SLOT_CHUNKS = head_size / 16 chunks of 16 values, taken WAYS chunks at a
 * time (a group; the slot's last group may be partial, its missing chunks
 * are zeros). With an fp32 cache a slot is SLOT_CHUNKS beats and every beat
 * is one chunk, gathered WAYS beats to a group. With an int8 cache a slot is
 * ceil(head_size / 64) beats of 64 int8 values (zero-padded); each beat gives
 * up to four chunks, bytes 16c .. 16c + 15 for chunk c, WAYS of them per
 * cycle through 16 x WAYS ew_i8_to_f32 lanes (rtl/gen/ew_i8_to_f32.v,
 * exact), and the chunks past the slot's head_size values are skipped.
 * m_axis_tlast marks a slot's last group. The score pipes take one chunk per
 * cycle (WAYS 1); the value stage two (WAYS 2: a 64-value int8 slot in 2
 * cycles).
 *
 * The lanes cannot stall, so a group only enters them with a credit: a slot
 * reserved in the group FIFO (FIFO_DEPTH >= lane latency + 2 keeps one group
 * per cycle; a smaller value costs throughput, never data). fp32 groups take
 * a credit too and are written when their last beat arrives.
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
    // Chunks per output group (1, 2 or 4)
    parameter int WAYS = 1,
    // Group FIFO depth, groups (power of two, >= 2); >= lane latency + 2 for a group per cycle
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
     * Groups (master): fp32 value k of the group's chunk w at [512w + 32k +: 32]
     */
    output wire  [512*WAYS-1:0]                  m_axis_tdata,
    output wire                                  m_axis_tlast,  // the slot's last group
    output wire                                  m_axis_tvalid,
    input  wire                                  m_axis_tready
);

localparam int LANES     = 16;
localparam int W_BITS    = WAYS > 1 ? $clog2(WAYS) : 1;
localparam int C_WIDTH   = $clog2(MAX_SLOT_CHUNKS + 1);
localparam int CNT_WIDTH = $clog2(FIFO_DEPTH + 1);

if (MAX_SLOT_CHUNKS < 1) begin : g_check_max_slot_chunks
    $error("attention_kv_unpack: MAX_SLOT_CHUNKS must be >= 1");
end
if (WAYS != 1 && WAYS != 2 && WAYS != 4) begin : g_check_ways
    $error("attention_kv_unpack: WAYS must be 1, 2 or 4");
end

// Input side: chunk of the slot the next issue takes (int8: a group's first), quarter of the
// int8 beat it starts at, way of the fp32 group the next beat fills, the fp32 group so far.
logic [C_WIDTH-1:0]   in_chunk_reg, in_chunk_next;
logic [1:0]           quarter_reg, quarter_next;
logic [W_BITS-1:0]    way_reg, way_next;
logic [511:0]         gather_reg [0:WAYS-1];
// Credits: FIFO entries neither filled nor promised to a group in the lanes.
logic [CNT_WIDTH-1:0] credits_reg, credits_next;
logic                 credit_reg, credit_next;         // credits_reg != 0, registered
// Output side: group of the slot on m_axis, groups per slot.
logic [C_WIDTH-1:0]   out_group_reg, out_group_next;
logic [C_WIDTH-1:0]   slot_groups;

logic                 issue, in_last, group_done, pop;
wire                  lane_valid;
wire  [LANES*WAYS-1:0] lane_out_valid;
wire  [512*WAYS-1:0]  lane_out;
logic                 fifo_s_valid;
logic [512*WAYS-1:0]  fifo_s_data;
wire                  fifo_s_ready;

// Credits keep the FIFO from filling: its s_ready says nothing new. All lanes run in lockstep;
// lane 0's valid stands for all of them.
wire unused = &{1'b0, fifo_s_ready, lane_out_valid[LANES*WAYS-1:1]};

// int8: the issue takes chunks in_chunk .. in_chunk + WAYS - 1 (the slot's last group when
// they reach slot_chunks); fp32: chunk in_chunk, a beat.
assign in_last       = int8 ? (C_WIDTH + 3)'(in_chunk_reg) + (C_WIDTH + 3)'(WAYS) >= (C_WIDTH + 3)'(slot_chunks)
                            : in_chunk_reg == slot_chunks - 1'b1;
assign issue         = s_axis_tvalid && credit_reg;
assign group_done    = issue && (int8 || way_reg == W_BITS'(WAYS - 1) || in_last);
// fp32: a beat is a chunk. int8: the beat leaves with its fourth chunk or the slot's last.
assign s_axis_tready = credit_reg && (!int8 || 3'(quarter_reg) + 3'(WAYS) == 3'd4 || in_last);
assign lane_valid    = issue && int8;

assign slot_groups   = C_WIDTH'(((C_WIDTH + 3)'(slot_chunks) + (C_WIDTH + 3)'(WAYS - 1)) >> $clog2(WAYS));
assign pop           = m_axis_tvalid && m_axis_tready;
assign m_axis_tlast  = out_group_reg == slot_groups - 1'b1;

always_comb begin
    in_chunk_next  = in_chunk_reg;
    quarter_next   = quarter_reg;
    way_next       = way_reg;
    credits_next   = credits_reg;
    out_group_next = out_group_reg;

    if (issue) begin
        if (int8) begin
            in_chunk_next = in_last ? '0 : in_chunk_reg + C_WIDTH'(WAYS);
            quarter_next  = in_last ? 2'd0 : quarter_reg + 2'(WAYS);
        end else begin
            in_chunk_next = in_last ? '0 : in_chunk_reg + 1'b1;
            way_next      = in_last || way_reg == W_BITS'(WAYS - 1) ? '0 : way_reg + 1'b1;
        end
    end
    if (group_done) begin
        credits_next = credits_next - 1'b1;
    end
    if (pop) begin
        credits_next   = credits_next + 1'b1;
        out_group_next = m_axis_tlast ? '0 : out_group_reg + 1'b1;
    end
    credit_next = credits_next != '0;

    // fp32 groups are written with their last beat (the ways not yet filled are zeros), int8
    // ones as the lanes return them.
    for (int w = 0; w < WAYS; w++) begin
        fifo_s_data[512 * w +: 512] = W_BITS'(w) < way_reg ? gather_reg[w]
                                    : W_BITS'(w) == way_reg ? s_axis_tdata : 512'd0;
    end
    fifo_s_valid = int8 ? lane_out_valid[0] : group_done;
    if (int8) begin
        fifo_s_data = lane_out;
    end
end

always_ff @(posedge clk) begin
    in_chunk_reg  <= in_chunk_next;
    quarter_reg   <= quarter_next;
    way_reg       <= way_next;
    credits_reg   <= credits_next;
    credit_reg    <= credit_next;
    out_group_reg <= out_group_next;

    if (rst) begin
        in_chunk_reg  <= '0;
        quarter_reg   <= 2'd0;
        way_reg       <= '0;
        credits_reg   <= CNT_WIDTH'(FIFO_DEPTH);
        credit_reg    <= 1'b1;
        out_group_reg <= '0;
    end
end

// The fp32 group so far (no reset: a way is read only after it was written).
always_ff @(posedge clk) begin
    if (issue && !int8) begin
        gather_reg[way_reg] <= s_axis_tdata;
    end
end

/*
 * Lanes: value k of an int8 group is byte 16 * quarter + k of the beat
 */
for (genvar k = 0; k < LANES * WAYS; k++) begin : g_lane
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
    .WIDTH(512 * WAYS),
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
