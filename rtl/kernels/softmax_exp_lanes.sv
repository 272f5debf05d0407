// SPDX-License-Identifier: Apache-2.0

/*
 * Softmax EXP lanes: e = exp(s - m) over a 16-element beat, EXP_LANES at a time
 *
 * softmax_core's EXP pass runs at sum16_accumulate's pace, a beat per
 * FP32_SUM_ADD_LATENCY + 1 cycles (its accumulator loop), so 16 ew_exp_sub
 * lanes (4.7 k LUT each) would idle most cycles. Here a beat is split into PARTS = 16 / EXP_LANES
 * parts of EXP_LANES elements, fed to the lanes one part per cycle (part 0 in
 * the beat's first cycle, straight from in_s), and gathered again behind
 * them: out_valid with the whole beat when its last part leaves the lanes,
 * PARTS - 1 cycles later than with 16 lanes. The element order and the
 * values are those of 16 lanes: each element meets the same ew_exp_sub.
 *
 * The split and the gathering are lane_parts'. in_free says a beat may come
 * this cycle (no part of the previous one left to feed); the caller only
 * raises in_valid with it. The lanes cannot stall:
 * the caller reserves room for the result (softmax_core: elementwise_core's
 * credits). A beat every PARTS cycles, results in order, fixed latency
 * (ew_exp_sub's latency + PARTS - 1).
 */

`default_nettype none

module softmax_exp_lanes #(
    // ew_exp_sub lanes (2, 4, 8 or 16); a beat every 16 / EXP_LANES cycles
    parameter int EXP_LANES = 4
) (
    input  wire         clk,
    input  wire         rst,        // active-high, synchronous: drops the beat in progress

    input  wire         in_valid,   // a beat (only with in_free)
    input  wire [511:0] in_s,       // element k at [32k +: 32]
    input  wire [31:0]  m,          // held for the whole pass
    output wire         in_free,

    output wire         out_valid,  // the whole e beat
    output wire [511:0] out_e       // element k at [32k +: 32]
);

wire                 feed_valid;
wire [32*EXP_LANES-1:0] feed_s;
wire [EXP_LANES-1:0] lane_out_valid;
wire [32*EXP_LANES-1:0] lane_out;

// The lanes run in lockstep: lane 0's valid stands for all.
wire unused_lanes = &{1'b0, lane_out_valid[EXP_LANES-1:1]};

lane_parts #(
    .LANES(EXP_LANES),
    .OPERANDS(1)
) lane_parts_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(in_valid),
    .in_beats(in_s),
    .in_free(in_free),
    .feed_valid(feed_valid),
    .feed_parts(feed_s),
    .lane_valid(lane_out_valid[0]),
    .lane_out(lane_out),
    .out_valid(out_valid),
    .out_beat(out_e)
);

for (genvar i = 0; i < EXP_LANES; i++) begin : g_lane
    ew_exp_sub ew_exp_sub_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(feed_valid),
        .s(feed_s[32 * i +: 32]),
        .m(m),
        .out_valid(lane_out_valid[i]),
        .out(lane_out[32 * i +: 32])
    );
end

endmodule

`default_nettype wire
