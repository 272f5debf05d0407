// SPDX-License-Identifier: Apache-2.0

/*
 * Lane parts: a 16-element beat through LANES fixed-latency lanes, a part per cycle
 *
 * Where a pass runs slower than a beat per cycle (softmax's EXP pass at the
 * sum's pace, the forward kernel's SwiGLU step), 16 lanes of a deep XLS chain
 * would idle most cycles. This splits each beat of OPERANDS 512-bit operands
 * into PARTS = 16 / LANES parts of LANES elements, feeds the parts to the
 * caller's lanes one per cycle (part 0 in the beat's first cycle, straight
 * from in_beats), and gathers the lanes' results again: out_valid with the
 * whole beat when its last part comes back, PARTS - 1 cycles later than with
 * 16 lanes. Element k of every operand meets the same lane position as with
 * 16 lanes, in the same order, so the values are those of 16 lanes.
 *
 * The lanes are the caller's (softmax_exp_lanes, ew_swiglu_lanes): feed_valid
 * and feed_parts go to their inputs, their valid and result come back on
 * lane_valid / lane_out. They must run in lockstep at a fixed latency and
 * cannot stall: the caller reserves room for each result beat before it
 * raises in_valid, and raises it only with in_free (no part of the previous
 * beat left to feed). A beat every PARTS cycles, results in order.
 */

`default_nettype none

module lane_parts #(
    // Lanes, elements per part (2, 4, 8 or 16); a beat every 16 / LANES cycles
    parameter int LANES    = 4,
    // 512-bit operands split alike (1..4)
    parameter int OPERANDS = 1
) (
    input  wire                          clk,
    input  wire                          rst,         // active-high, synchronous: drops the beat in progress

    input  wire                          in_valid,    // a beat (only with in_free)
    input  wire [OPERANDS*512-1:0]       in_beats,    // operand o at [512o +: 512], its element k at [32k +: 32]
    output wire                          in_free,

    output logic                         feed_valid,  // a part to the lanes
    output logic [OPERANDS*32*LANES-1:0] feed_parts,  // operand o's part at [32 LANES o +: 32 LANES]
    input  wire                          lane_valid,  // a part back from the lanes
    input  wire [32*LANES-1:0]           lane_out,

    output wire                          out_valid,   // the whole result beat
    output wire [511:0]                  out_beat     // element k at [32k +: 32]
);

localparam int PARTS = 16 / LANES;   // cycles per beat
localparam int PART  = 32 * LANES;   // bits per part of one operand

if (LANES != 2 && LANES != 4 && LANES != 8 && LANES != 16) begin : g_check_lanes
    $error("lane_parts: LANES must be 2, 4, 8 or 16");
end
if (OPERANDS < 1 || OPERANDS > 4) begin : g_check_operands
    $error("lane_parts: OPERANDS must be in 1..4");
end

if (PARTS == 1) begin : g_whole
    // A beat per cycle: the lanes are the beat.
    assign in_free   = 1'b1;
    assign out_valid = lane_valid;
    assign out_beat  = lane_out;
    always_comb begin
        feed_valid = in_valid;
        feed_parts = in_beats;
    end
end else begin : g_parts
    /*
     * Feed: part 0 from in_beats, then the rest from a register per operand shifted down a
     * part per cycle.
     */
    logic [511-PART:0]        rest_reg [0:OPERANDS-1];  // parts still to feed, next at the bottom
    logic [$clog2(PARTS)-1:0] left_reg;                 // how many

    /*
     * Gather: parts shift in at the top; the last one, on top of the other PARTS - 1,
     * completes the beat with part 0 at the bottom. Parts leave the lanes in order, at their
     * fixed latency.
     */
    logic [511-PART:0]        got_reg;                  // the beat's first PARTS - 1 parts, latest at the top
    logic [511:0]             got_shift;                // got_reg with the lanes' part on top
    logic [$clog2(PARTS)-1:0] got_cnt_reg;              // how many

    assign in_free = left_reg == '0;

    always_comb begin
        feed_valid = in_valid || left_reg != '0;
        for (int o = 0; o < OPERANDS; o++) begin
            feed_parts[PART * o +: PART] = in_valid ? in_beats[512 * o +: PART] : rest_reg[o][PART-1:0];
        end
    end

    always_ff @(posedge clk) begin
        if (in_valid) begin
            for (int o = 0; o < OPERANDS; o++) begin
                rest_reg[o] <= in_beats[512 * o + PART +: 512 - PART];
            end
            left_reg <= $clog2(PARTS)'(PARTS - 1);
        end else if (left_reg != '0) begin
            for (int o = 0; o < OPERANDS; o++) begin
                rest_reg[o] <= rest_reg[o] >> PART;
            end
            left_reg <= left_reg - 1'b1;
        end
        if (lane_valid) begin
            got_reg     <= got_shift[511:PART];
            got_cnt_reg <= got_cnt_reg + 1'b1;  // wraps to 0 after the beat's last part
        end
        if (rst) begin
            left_reg    <= '0;
            got_cnt_reg <= '0;
        end
    end

    assign got_shift = {lane_out, got_reg};
    assign out_valid = lane_valid && got_cnt_reg == $clog2(PARTS)'(PARTS - 1);
    assign out_beat  = got_shift;
end

endmodule

`default_nettype wire
