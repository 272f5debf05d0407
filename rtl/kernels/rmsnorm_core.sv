// SPDX-License-Identifier: Apache-2.0

/*
 * RMSNorm of one fp32 vector: stream in, stream out, no AXI
 *
 *   ss     = sum16(x[i] * x[i])
 *   inv    = rsqrt((ss * inv_n) + EPS)      (EPS = fp32(1e-5) = 0x3727c5ac)
 *   out[i] = w[i] * (inv * x[i]),  i < n
 *
 * (every operation one fp32 operation: RNE, subnormals flushed, canonical
 * NaN; numerics: hlstransform.model.hwmodel.rmsnorm, docs/kernels/rmsnorm.md).
 * The datapath of the rmsnorm kernel (rtl/kernels/rmsnorm.sv, which adds
 * kernel_control, the AXI movers, the argument checks and the x buffer) and
 * of the forward kernel's norm steps (docs/forward-plan.md, "Stream cores").
 *
 * A run: start (one cycle) with cfg_n and cfg_inv_n valid until done; n is a
 * multiple of 16, >= 16 (the caller checks); inv_n is the fp32 pattern of
 * 1/n (any pattern is used as it is). x comes in twice on s_axis_x, n/16
 * beats each time, element k at [32 (k % 16) +: 32] of beat k / 16:
 * 1. the first pass goes to sum16_accumulate (a = b = x: dot16 squares and
 *    adds the lanes, its accumulator adds the beat sums in order), as fast as
 *    it takes beats; the sum then goes through ew_mul (* inv_n), ew_add
 *    (+ EPS) and fp32_rsqrt;
 * 2. once inv is known, each beat of the second pass joins the next of the
 *    n/16 beats of w on s_axis_w and goes through 16 ew_rms_scale lanes
 *    (w * (inv * x)).
 * The core takes exactly those beats and no more (a caller may queue the
 * second pass right behind the first: it waits for inv). The results leave
 * on m_axis_out as n/16 beats, tlast on the last; done pulses in the cycle
 * after the last beat was taken.
 *
 * XLS blocks (fixed latency, no stall): ew_mul, ew_add, fp32_rsqrt carry one
 * value per run, so their valids just chain; the lanes sit behind
 * elementwise_core, which only issues a pair when its result has a FIFO slot
 * reserved, so any input may pause and the output may be back-pressured at
 * any beat.
 */

`default_nettype none

module rmsnorm_core (
    input  wire          clk,
    input  wire          rst,  // active-high, synchronous: abandons any run

    /*
     * Run control: cfg_* valid from start to done
     */
    input  wire          start,      // one-cycle pulse, ignored while busy
    input  wire  [31:0]  cfg_n,      // elements, a multiple of 16, >= 16
    input  wire  [31:0]  cfg_inv_n,  // fp32 pattern of 1/n (hwmodel.inv_n)
    output wire          busy,       // a run is in progress
    output wire          done,       // one-cycle pulse after the run's last output beat was taken

    /*
     * x, twice: n/16 beats for the sum of squares, then the same n/16 beats for the scaling
     */
    input  wire  [511:0] s_axis_x_tdata,
    input  wire          s_axis_x_tvalid,
    output wire          s_axis_x_tready,

    /*
     * w: n/16 beats, taken with the second pass of x
     */
    input  wire  [511:0] s_axis_w_tdata,
    input  wire          s_axis_w_tvalid,
    output wire          s_axis_w_tready,

    /*
     * Results: n/16 beats of fp32, element k at [32 (k % 16) +: 32], tlast on the last
     */
    output wire  [511:0] m_axis_out_tdata,
    output wire          m_axis_out_tvalid,
    input  wire          m_axis_out_tready,
    output wire          m_axis_out_tlast
);

localparam int LANES = 16;  // fp32 per beat
// ew_rms_scale's in_valid to out_valid, cycles (rtl/gen/hls_latency_pkg.sv). Sizes elementwise_core's
// result FIFO only: the credits keep every result safe whatever the real latency (a wrong
// value costs throughput, never data).
localparam int SCALE_LATENCY = hls_latency_pkg::EW_RMS_SCALE_LATENCY;

localparam logic [31:0] EPS = 32'h3727_C5AC;  // fp32(1e-5), hwmodel.EPS

// Run state: busy, the sum pass's beats taken, inv known (scaling pass), pairs issued to the
// lanes, result beats taken; the run's beat count and inv.
logic        busy_reg, busy_next;
logic [27:0] beats_reg, beats_next;         // n / 16 (datapath, not reset)
logic [27:0] sum_cnt_reg, sum_cnt_next;
logic        scale_reg, scale_next;
logic [27:0] pair_cnt_reg, pair_cnt_next;
logic [27:0] out_cnt_reg, out_cnt_next;
logic        done_reg, done_next;
logic [31:0] inv_reg;                       // datapath, not reset

// First pass: to the sum while it has beats left; second pass: to the lanes.
logic        sum_active, pair_active, out_last;
wire         sum_in_ready;
wire         sum_valid;
wire [31:0]  sum_out;
wire         mean_valid, mean_eps_valid, inv_valid;
wire [31:0]  mean, mean_eps, inv;

// Lanes.
wire         a_tready, b_tready;
wire         lane_valid;
wire [511:0] lane_a, lane_b, lane_out;
wire [LANES-1:0] lane_out_valid;

// All lanes run in lockstep; lane 0's valid stands for all of them.
wire unused_lanes = &{1'b0, lane_out_valid[LANES-1:1]};
// cfg_n is a whole number of beats below 2**32: its low four bits carry nothing.
wire unused_cfg = &{1'b0, cfg_n[3:0]};

assign sum_active  = busy_reg && sum_cnt_reg != beats_reg;
assign pair_active = scale_reg && pair_cnt_reg != beats_reg;
assign out_last    = out_cnt_reg == beats_reg - 28'd1;

assign s_axis_x_tready   = sum_active ? sum_in_ready : pair_active && a_tready;
assign s_axis_w_tready   = pair_active && b_tready;
assign m_axis_out_tlast  = out_last;
assign busy              = busy_reg;
assign done              = done_reg;

always_comb begin
    busy_next     = busy_reg;
    beats_next    = beats_reg;
    sum_cnt_next  = sum_cnt_reg;
    scale_next    = scale_reg;
    pair_cnt_next = pair_cnt_reg;
    out_cnt_next  = out_cnt_reg;
    done_next     = 1'b0;

    if (sum_active && s_axis_x_tvalid && sum_in_ready) begin
        sum_cnt_next = sum_cnt_reg + 28'd1;
    end
    // inv arrives after the sum took every first-pass beat.
    if (inv_valid) begin
        scale_next = 1'b1;
    end
    if (lane_valid) begin
        pair_cnt_next = pair_cnt_reg + 28'd1;
    end
    if (m_axis_out_tvalid && m_axis_out_tready) begin
        out_cnt_next = out_cnt_reg + 28'd1;
        if (out_last) begin
            busy_next  = 1'b0;
            scale_next = 1'b0;
            done_next  = 1'b1;
        end
    end

    if (start && !busy_reg) begin
        busy_next     = 1'b1;
        beats_next    = cfg_n[31:4];
        sum_cnt_next  = '0;
        scale_next    = 1'b0;
        pair_cnt_next = '0;
        out_cnt_next  = '0;
    end
end

always_ff @(posedge clk) begin
    busy_reg     <= busy_next;
    beats_reg    <= beats_next;
    sum_cnt_reg  <= sum_cnt_next;
    scale_reg    <= scale_next;
    pair_cnt_reg <= pair_cnt_next;
    out_cnt_reg  <= out_cnt_next;
    done_reg     <= done_next;
    if (inv_valid) begin
        inv_reg <= inv;
    end

    if (rst) begin
        busy_reg     <= 1'b0;
        sum_cnt_reg  <= '0;
        scale_reg    <= 1'b0;
        pair_cnt_reg <= '0;
        out_cnt_reg  <= '0;
        done_reg     <= 1'b0;
    end
end

/*
 * Sum of squares: sum16 of x * x over the first pass (one result, after its last beat)
 */
sum16_accumulate sum16_accumulate_inst (
    .clk(clk),
    .rst(rst),
    .in_a(s_axis_x_tdata),
    .in_b(s_axis_x_tdata),
    .in_last(sum_cnt_reg == beats_reg - 28'd1),
    .in_valid(s_axis_x_tvalid && sum_active),
    .in_ready(sum_in_ready),
    .out_sum(sum_out),
    .out_valid(sum_valid),
    .out_ready(1'b1)
);

/*
 * inv = rsqrt((ss * inv_n) + EPS): one value per run, so the blocks' valids just chain
 */
ew_mul ew_mul_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(sum_valid),
    .x(sum_out),
    .y(cfg_inv_n),
    .out_valid(mean_valid),
    .out(mean)
);

ew_add ew_add_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(mean_valid),
    .x(mean),
    .y(EPS),
    .out_valid(mean_eps_valid),
    .out(mean_eps)
);

fp32_rsqrt fp32_rsqrt_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(mean_eps_valid),
    .x(mean_eps),
    .out_valid(inv_valid),
    .out(inv)
);

/*
 * Scaling: a second-pass x beat and a w beat -> 16 lanes -> result beat
 */
elementwise_core #(
    .A_WIDTH(512),
    .B_WIDTH(512),
    .OUT_WIDTH(512),
    .LANE_LATENCY(SCALE_LATENCY)
) elementwise_core_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_a_tdata(s_axis_x_tdata),
    .s_axis_a_tvalid(s_axis_x_tvalid && pair_active),
    .s_axis_a_tready(a_tready),
    .s_axis_b_tdata(s_axis_w_tdata),
    .s_axis_b_tvalid(s_axis_w_tvalid && pair_active),
    .s_axis_b_tready(b_tready),
    .lane_valid(lane_valid),
    .lane_a(lane_a),
    .lane_b(lane_b),
    .lane_out_valid(lane_out_valid[0]),
    .lane_out(lane_out),
    .m_axis_tdata(m_axis_out_tdata),
    .m_axis_tvalid(m_axis_out_tvalid),
    .m_axis_tready(m_axis_out_tready)
);

/*
 * Lanes: result i of a beat is w[i] * (inv * x[i]) (fp32 element i at bits [32i +: 32])
 */
for (genvar i = 0; i < LANES; i++) begin : g_lane
    ew_rms_scale ew_rms_scale_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(lane_valid),
        .x(lane_a[32 * i +: 32]),
        .w(lane_b[32 * i +: 32]),
        .inv(inv_reg),
        .out_valid(lane_out_valid[i]),
        .out(lane_out[32 * i +: 32])
    );
end

endmodule

`default_nettype wire
