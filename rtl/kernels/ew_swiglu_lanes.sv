// SPDX-License-Identifier: Apache-2.0

/*
 * SwiGLU lanes: out = (h1 * recip(1 + exp(-h1))) * h3 over a 16-element
 * beat, SWIGLU_LANES at a time
 *
 * ew_swiglu is a chain of pieces (hls/blocks.toml [ew_swiglu]: ~100 stages,
 * registers between the steps of every fp32 operation), several times the
 * area of an add lane; the forward kernel's SwiGLU step is one of many per
 * layer, so it takes fewer lanes and more cycles. As softmax_exp_lanes does
 * for ew_exp_sub (both through lane_parts): a beat is split into PARTS =
 * 16 / SWIGLU_LANES parts of
 * SWIGLU_LANES elements, fed to the lanes one part per cycle (part 0 in the
 * beat's first cycle, straight from in_h1 / in_h3), and gathered again behind
 * them: out_valid with the whole beat when its last part leaves the lanes,
 * PARTS - 1 cycles later than with 16 lanes. The element order and the
 * values are those of 16 lanes: each element meets the same ew_swiglu.
 *
 * in_free says a beat may come this cycle (no part of the previous one left
 * to feed); the caller only raises in_valid with it. The lanes cannot stall:
 * the caller reserves room for the result (fwd_elementwise: elementwise_core's
 * credits). A beat every PARTS cycles, results in order, fixed latency
 * (ew_swiglu's latency + PARTS - 1).
 */

`default_nettype none

module ew_swiglu_lanes #(
    // ew_swiglu lanes (2, 4, 8 or 16, checked by lane_parts); a beat every 16 / SWIGLU_LANES cycles
    parameter int SWIGLU_LANES = 4
) (
    input  wire         clk,
    input  wire         rst,        // active-high, synchronous: drops the beat in progress

    input  wire         in_valid,   // a beat (only with in_free)
    input  wire [511:0] in_h1,      // element k at [32k +: 32]
    input  wire [511:0] in_h3,      // element k at [32k +: 32]
    output wire         in_free,

    output wire         out_valid,  // the whole result beat
    output wire [511:0] out         // element k at [32k +: 32]
);

wire                       feed_valid;
wire [2*32*SWIGLU_LANES-1:0] feed;  // h1's part, then h3's
wire [SWIGLU_LANES-1:0]    lane_out_valid;
wire [32*SWIGLU_LANES-1:0] lane_out;

// The lanes run in lockstep: lane 0's valid stands for all.
wire unused_lanes = &{1'b0, lane_out_valid[SWIGLU_LANES-1:1]};

lane_parts #(
    .LANES(SWIGLU_LANES),
    .OPERANDS(2)
) lane_parts_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(in_valid),
    .in_beats({in_h3, in_h1}),
    .in_free(in_free),
    .feed_valid(feed_valid),
    .feed_parts(feed),
    .lane_valid(lane_out_valid[0]),
    .lane_out(lane_out),
    .out_valid(out_valid),
    .out_beat(out)
);

for (genvar i = 0; i < SWIGLU_LANES; i++) begin : g_lane
    ew_swiglu ew_swiglu_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(feed_valid),
        .h1(feed[32 * i +: 32]),
        .h3(feed[32 * SWIGLU_LANES + 32 * i +: 32]),
        .out_valid(lane_out_valid[i]),
        .out(lane_out[32 * i +: 32])
    );
end

endmodule

`default_nettype wire
