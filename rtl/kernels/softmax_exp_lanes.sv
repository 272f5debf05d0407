// SPDX-License-Identifier: Apache-2.0

/*
 * Softmax EXP lanes: e = exp(s - m) over a 16-element beat, EXP_LANES at a time
 *
 * softmax_core's EXP pass runs at sum16_accumulate's pace, a beat per 4
 * cycles (its accumulator loop), so 16 ew_exp_sub lanes (4.7 k LUT each) would
 * idle three cycles in four. Here a beat is split into PARTS = 16 / EXP_LANES
 * parts of EXP_LANES elements, fed to the lanes one part per cycle (part 0 in
 * the beat's first cycle, straight from in_s), and gathered again behind
 * them: out_valid with the whole beat when its last part leaves the lanes,
 * PARTS - 1 cycles later than with 16 lanes. The element order and the
 * values are those of 16 lanes: each element meets the same ew_exp_sub.
 *
 * in_free says a beat may come this cycle (no part of the previous one left
 * to feed); the caller only raises in_valid with it. The lanes cannot stall:
 * the caller reserves room for the result (softmax_core: elementwise_core's
 * credits). A beat every PARTS cycles, results in order, fixed latency
 * (ew_exp_sub's latency + PARTS - 1).
 */

`default_nettype none

module softmax_exp_lanes #(
    // ew_exp_sub lanes (4, 8 or 16); a beat every 16 / EXP_LANES cycles
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

localparam int LANES = 16;                    // elements per beat
localparam int PARTS = LANES / EXP_LANES;     // cycles per beat
localparam int PART  = 32 * EXP_LANES;        // bits per part

if (EXP_LANES != 4 && EXP_LANES != 8 && EXP_LANES != 16) begin : g_check_exp_lanes
    $error("softmax_exp_lanes: EXP_LANES must be 4, 8 or 16");
end

wire [EXP_LANES-1:0] lane_out_valid;
wire [PART-1:0]      lane_out;
logic                feed_valid;
logic [PART-1:0]     feed_s;

// The lanes run in lockstep: lane 0's valid stands for all.
wire unused_lanes = &{1'b0, lane_out_valid[EXP_LANES-1:1]};

if (PARTS == 1) begin : g_whole
    // A beat per cycle: the lanes are the beat.
    assign in_free    = 1'b1;
    assign out_valid  = lane_out_valid[0];
    assign out_e      = lane_out;
    always_comb begin
        feed_valid = in_valid;
        feed_s     = in_s;
    end
end else begin : g_parts
    /*
     * Feed: part 0 from in_s, then the rest from a register shifted down a part per cycle.
     */
    logic [511-PART:0]       rest_reg;          // parts still to feed, next at the bottom
    logic [$clog2(PARTS)-1:0] left_reg;         // how many

    /*
     * Gather: parts shift in at the top; the last one, on top of the other PARTS - 1,
     * completes the beat with part 0 at the bottom. Parts leave the lanes in order, at their
     * fixed latency.
     */
    logic [511-PART:0]       got_reg;           // the beat's first PARTS - 1 parts, latest at the top
    logic [511:0]            got_shift;         // got_reg with the lanes' part on top
    logic [$clog2(PARTS)-1:0] got_cnt_reg;      // how many

    assign in_free = left_reg == '0;

    always_comb begin
        feed_valid = in_valid || left_reg != '0;
        feed_s     = in_valid ? in_s[PART-1:0] : rest_reg[PART-1:0];
    end

    always_ff @(posedge clk) begin
        if (in_valid) begin
            rest_reg <= in_s[511:PART];
            left_reg <= $clog2(PARTS)'(PARTS - 1);
        end else if (left_reg != '0) begin
            rest_reg <= rest_reg >> PART;
            left_reg <= left_reg - 1'b1;
        end
        if (lane_out_valid[0]) begin
            got_reg     <= got_shift[511:PART];
            got_cnt_reg <= got_cnt_reg + 1'b1;  // wraps to 0 after the beat's last part
        end
        if (rst) begin
            left_reg    <= '0;
            got_cnt_reg <= '0;
        end
    end

    assign got_shift = {lane_out, got_reg};
    assign out_valid = lane_out_valid[0] && got_cnt_reg == $clog2(PARTS)'(PARTS - 1);
    assign out_e     = got_shift;
end

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
