// SPDX-License-Identifier: Apache-2.0

/*
 * Forward-kernel elementwise unit: residual, SwiGLU and RoPE on one lane shell
 *
 * elementwise_core (the lane shell of the per-layer elementwise kernels)
 * with three sets of XLS lanes, one chosen per step by cfg_op:
 * - EW_ADD: 16 ew_add, out[i] = a[i] + b[i] (residual; rtl/kernels/residual.sv);
 * - EW_SWIGLU: SWIGLU_LANES ew_swiglu (default 4, ew_swiglu_lanes), out[i] =
 *   (a[i] * recip(1 + exp(-a[i]))) * b[i] (a = h1, b = h3; rtl/kernels/swiglu.sv);
 * - EW_ROPE: 8 ew_rope_pair, pair m of a beat is elements 2m (v0, with c from
 *   b) and 2m+1 (v1, with s from b) (a = q or k beat, b = the table-row beat
 *   of the same pair positions; rtl/kernels/rope.sv).
 * Numerics: hlstransform.model.numerics ew_add / ew_swiglu / ew_rope_pair.
 *
 * Only the chosen lanes see lane_valid, so only their results come back;
 * cfg_op must hold from a step's first pair until its last result has left
 * (the forward sequencer changes it between steps only). The lane shell
 * issues a pair only when its result has a FIFO slot reserved, so any stream
 * may pause at any beat.
 *
 * SwiGLU on 4 lanes, a beat every 4 cycles: ew_swiglu is a chain of pieces
 * (hls/blocks.toml [ew_swiglu], registers between the steps of every fp32
 * operation for <= 8 LUT levels), ~100 cycles of latency, 8.7 k LUT and 16 k
 * FF a lane (hls/blocks.toml), and the whole design has little LUT room left:
 * 16 lanes would be ~139 k LUT, 4 are ~35 k (16 of the 12-stage pipeline it
 * replaces were ~115 k). SwiGLU is one step of a layer (hidden_dim / 16
 * beats), so a quarter of the lanes adds about 3 * hidden_dim / 16 cycles a
 * layer (stories110M: 384 a layer, ~4.6 k a token) plus 3 of fill; the
 * result FIFO stays 32 beats. ew_swiglu_lanes splits each beat into 16 /
 * SWIGLU_LANES parts and gathers the results again (same lane function per
 * element, same order: bit-exact with 16 lanes); while it is feeding a beat's
 * parts (its in_free low) no SwiGLU pair is issued. EW_ADD and EW_ROPE keep a
 * beat per cycle. The FIFO holds the results of the pairs in flight at each
 * op's rate: ew_add's or ew_rope_pair's latency at a beat per cycle, the
 * SwiGLU lanes' at a beat per 16 / SWIGLU_LANES cycles.
 */

`default_nettype none

module fwd_elementwise #(
    // ew_swiglu lanes (2, 4, 8 or 16, checked by lane_parts): a SwiGLU beat every
    // 16 / SWIGLU_LANES cycles
    parameter int SWIGLU_LANES = 4
) (
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

// The lanes' latencies (rtl/gen/hls_latency_pkg.sv; SwiGLU's with its beat split in parts) and
// the beats in flight at each op's rate, a credit's round trip being latency + 2 cycles: size
// the result FIFO (elementwise_core: too small costs throughput, never data).
localparam int SWIGLU_PARTS    = 16 / SWIGLU_LANES;
localparam int SWIGLU_LATENCY  = hls_latency_pkg::EW_SWIGLU_LATENCY + SWIGLU_PARTS - 1;
localparam int LANE_LATENCY_AR = hls_latency_pkg::EW_ADD_LATENCY > hls_latency_pkg::EW_ROPE_PAIR_LATENCY
                               ? hls_latency_pkg::EW_ADD_LATENCY : hls_latency_pkg::EW_ROPE_PAIR_LATENCY;
localparam int LANE_LATENCY    = SWIGLU_LATENCY > LANE_LATENCY_AR ? SWIGLU_LATENCY : LANE_LATENCY_AR;
localparam int SLOTS_AR        = LANE_LATENCY_AR + 3;
localparam int SLOTS_SWIGLU    = (SWIGLU_LATENCY + 2 + SWIGLU_PARTS - 1) / SWIGLU_PARTS + 1;
localparam int FIFO_DEPTH      = 1 << $clog2(SLOTS_SWIGLU > SLOTS_AR ? SLOTS_SWIGLU : SLOTS_AR);

wire         lane_valid;
wire [511:0] lane_a, lane_b;
logic [511:0] lane_out;
logic        lane_out_valid;

wire [15:0]  add_valid;
wire [7:0]   rope_valid;
wire         swiglu_valid, swiglu_free;
wire [511:0] add_out, swiglu_out, rope_out;

// A SwiGLU pair only when the SwiGLU lanes are free for its parts; the other ops every cycle.
wire         a_gate = cfg_op != EW_SWIGLU || swiglu_free;
wire         core_a_tready;

// All lanes of a kind run in lockstep; lane 0's valid stands for all of them.
wire unused_lane_valid = &{1'b0, add_valid[15:1], rope_valid[7:1]};

assign s_axis_a_tready = core_a_tready && a_gate;

always_comb begin
    case (cfg_op)
        EW_SWIGLU: begin
            lane_out_valid = swiglu_valid;
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
    .LANE_LATENCY(LANE_LATENCY),
    .FIFO_DEPTH(FIFO_DEPTH)
) elementwise_core_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_a_tdata(s_axis_a_tdata),
    .s_axis_a_tvalid(s_axis_a_tvalid && a_gate),
    .s_axis_a_tready(core_a_tready),
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

ew_swiglu_lanes #(
    .SWIGLU_LANES(SWIGLU_LANES)
) ew_swiglu_lanes_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(lane_valid && cfg_op == EW_SWIGLU),
    .in_h1(lane_a),
    .in_h3(lane_b),
    .in_free(swiglu_free),
    .out_valid(swiglu_valid),
    .out(swiglu_out)
);

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
