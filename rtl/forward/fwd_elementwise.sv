// SPDX-License-Identifier: Apache-2.0

/*
 * Forward-kernel elementwise unit: residual, SwiGLU and RoPE on one lane shell
 *
 * elementwise_core (the lane shell of the per-layer elementwise kernels)
 * with three sets of XLS lanes, one chosen per step by cfg_op:
 * - EW_ADD: 16 ew_add, out[i] = a[i] + b[i] (residual; rtl/kernels/residual.sv);
 * - EW_SWIGLU: 16 ew_swiglu, out[i] = (a[i] * recip(1 + exp(-a[i]))) * b[i]
 *   (a = h1, b = h3; rtl/kernels/swiglu.sv);
 * - EW_ROPE: 8 ew_rope_pair, pair m of a beat is elements 2m (v0, with c from
 *   b) and 2m+1 (v1, with s from b) (a = q or k beat, b = the table-row beat
 *   of the same pair positions; rtl/kernels/rope.sv).
 * Numerics: hlstransform.model.numerics ew_add / ew_swiglu / ew_rope_pair.
 *
 * Only the chosen lanes see lane_valid, so only their results come back;
 * cfg_op must hold from a step's first pair until its last result has left
 * (the forward sequencer changes it between steps only). The lane shell
 * issues a pair only when its result has a FIFO slot reserved, sized for the
 * longest lanes (ew_swiglu, 13 cycles), so any stream may pause at any beat.
 */

`default_nettype none

module fwd_elementwise (
    input  wire          clk,
    input  wire          rst,  // active-high, synchronous

    input  wire  [1:0]   cfg_op,  // fwd_pkg::EW_ADD, EW_SWIGLU or EW_ROPE

    /*
     * Operands (slaves): one beat of each makes one result beat
     */
    input  wire  [511:0] s_axis_a_tdata,
    input  wire          s_axis_a_tvalid,
    output wire          s_axis_a_tready,
    input  wire  [511:0] s_axis_b_tdata,
    input  wire          s_axis_b_tvalid,
    output wire          s_axis_b_tready,

    /*
     * Results (master), in operand order
     */
    output wire  [511:0] m_axis_out_tdata,
    output wire          m_axis_out_tvalid,
    input  wire          m_axis_out_tready
);

import fwd_pkg::*;

// The longest of the three lanes' latencies (rtl/gen/hls_latency_pkg.sv): sizes the result FIFO
localparam int LANE_LATENCY_AR = hls_latency_pkg::EW_ADD_LATENCY > hls_latency_pkg::EW_ROPE_PAIR_LATENCY
                               ? hls_latency_pkg::EW_ADD_LATENCY : hls_latency_pkg::EW_ROPE_PAIR_LATENCY;
localparam int LANE_LATENCY    = hls_latency_pkg::EW_SWIGLU_LATENCY > LANE_LATENCY_AR
                               ? hls_latency_pkg::EW_SWIGLU_LATENCY : LANE_LATENCY_AR;

wire         lane_valid;
wire [511:0] lane_a, lane_b;
logic [511:0] lane_out;
logic        lane_out_valid;

wire [15:0]  add_valid, swiglu_valid;
wire [7:0]   rope_valid;
wire [511:0] add_out, swiglu_out, rope_out;

// All lanes of a kind run in lockstep; lane 0's valid stands for all of them.
wire unused_lane_valid = &{1'b0, add_valid[15:1], swiglu_valid[15:1], rope_valid[7:1]};

always_comb begin
    case (cfg_op)
        EW_SWIGLU: begin
            lane_out_valid = swiglu_valid[0];
            lane_out       = swiglu_out;
        end
        EW_ROPE: begin
            lane_out_valid = rope_valid[0];
            lane_out       = rope_out;
        end
        default: begin
            lane_out_valid = add_valid[0];
            lane_out       = add_out;
        end
    endcase
end

elementwise_core #(
    .A_WIDTH(512),
    .B_WIDTH(512),
    .OUT_WIDTH(512),
    .LANE_LATENCY(LANE_LATENCY)
) elementwise_core_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_a_tdata(s_axis_a_tdata),
    .s_axis_a_tvalid(s_axis_a_tvalid),
    .s_axis_a_tready(s_axis_a_tready),
    .s_axis_b_tdata(s_axis_b_tdata),
    .s_axis_b_tvalid(s_axis_b_tvalid),
    .s_axis_b_tready(s_axis_b_tready),
    .lane_valid(lane_valid),
    .lane_a(lane_a),
    .lane_b(lane_b),
    .lane_out_valid(lane_out_valid),
    .lane_out(lane_out),
    .m_axis_tdata(m_axis_out_tdata),
    .m_axis_tvalid(m_axis_out_tvalid),
    .m_axis_tready(m_axis_out_tready)
);

/*
 * Lanes
 */
for (genvar i = 0; i < 16; i++) begin : g_add
    ew_add ew_add_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(lane_valid && cfg_op == EW_ADD),
        .x(lane_a[32 * i +: 32]),
        .y(lane_b[32 * i +: 32]),
        .out_valid(add_valid[i]),
        .out(add_out[32 * i +: 32])
    );
end

for (genvar i = 0; i < 16; i++) begin : g_swiglu
    ew_swiglu ew_swiglu_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(lane_valid && cfg_op == EW_SWIGLU),
        .h1(lane_a[32 * i +: 32]),
        .h3(lane_b[32 * i +: 32]),
        .out_valid(swiglu_valid[i]),
        .out(swiglu_out[32 * i +: 32])
    );
end

// XLS puts the tuple's element 0 (o0) in the high half of `out`.
for (genvar m = 0; m < 8; m++) begin : g_rope
    wire [63:0] pair_out;

    ew_rope_pair ew_rope_pair_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(lane_valid && cfg_op == EW_ROPE),
        .v0(lane_a[64 * m +: 32]),
        .v1(lane_a[64 * m + 32 +: 32]),
        .c(lane_b[64 * m +: 32]),
        .s(lane_b[64 * m + 32 +: 32]),
        .out_valid(rope_valid[m]),
        .out(pair_out)
    );

    assign rope_out[64 * m +: 32]      = pair_out[63:32];
    assign rope_out[64 * m + 32 +: 32] = pair_out[31:0];
end

endmodule

`default_nettype wire
