// SPDX-License-Identifier: Apache-2.0

/*
 * sum16 of products over a stream of 512-bit beats
 *
 * The shared reduction unit of the rmsnorm, softmax and attention kernels
 * (docs/kernels/reductions.md). For each run of beats (in_last marks a run's
 * last beat) it produces
 *
 *     acc = +0; for each beat in order: acc = acc + dot16(a, b)
 *
 * which is hwmodel.sum16(a * b) over the run (docs/numerics.md section 6):
 * dot16 (rtl/gen/fp32_dot16.v, hls/reduce.x) rounds the 16 products and adds
 * them with a balanced tree, ew_add (rtl/gen/ew_add.v) accumulates the beat
 * sums in order. A plain sum16(e) is a = e, b = 1.0 (exact for flushed e); a
 * partial last beat is padded with a = +0 lanes, exactly as sum16 pads.
 *
 * Element k of a beat is bits [32k +: 32] (the AXI/memory order); the XLS
 * array ports hold element k at [32(15-k) +: 32], so the words are reversed
 * here, in one place.
 *
 * Flow: dot16 takes a beat per cycle while credits remain (a credit is a
 * FIFO entry neither filled nor promised to a beat in dot16, so the
 * pipeline, which cannot stall, never overflows the FIFO). The accumulator
 * loop has one add in flight: it takes one beat sum per ew_add latency + 1
 * cycles (4 with the current blocks), so a run of R beats takes about
 * 13 + 4R cycles and runs stream back to back. Results leave in run order
 * through a one-entry output register (out_valid/out_ready).
 */

`default_nettype none

module sum16_accumulate #(
    // Beat sums buffered between dot16 and the accumulator (power of two, >= 2); with
    // the accumulator's rate of one per 4 cycles, more only absorbs longer bursts
    parameter int FIFO_DEPTH = 16
) (
    input  wire         clk,
    input  wire         rst,       // active-high, synchronous: abandons every run

    /*
     * Operand beats: element k at [32k +: 32]
     */
    input  wire [511:0] in_a,
    input  wire [511:0] in_b,
    input  wire         in_last,   // last beat of a run
    input  wire         in_valid,
    output wire         in_ready,

    /*
     * One sum per run, in run order
     */
    output wire [31:0]  out_sum,
    output wire         out_valid,
    input  wire         out_ready
);

localparam int PTR_WIDTH = $clog2(FIFO_DEPTH);
localparam int CNT_WIDTH = $clog2(FIFO_DEPTH + 1);

if (FIFO_DEPTH < 2 || (FIFO_DEPTH & (FIFO_DEPTH - 1)) != 0) begin : g_check_fifo_depth
    $error("sum16_accumulate: FIFO_DEPTH must be a power of two >= 2");
end

/*
 * dot16: one beat per cycle while a credit is free
 */
logic [CNT_WIDTH-1:0] credits_reg, credits_next;
logic                 in_fire;

assign in_ready = credits_reg != 0;
assign in_fire  = in_valid && in_ready;

logic [511:0] dot_a, dot_b;
logic         dot_out_valid;
logic [31:0]  dot_out;

always_comb begin
    for (int k = 0; k < 16; k++) begin
        dot_a[32 * (15 - k) +: 32] = in_a[32 * k +: 32];
        dot_b[32 * (15 - k) +: 32] = in_b[32 * k +: 32];
    end
end

fp32_dot16 dot16_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(in_fire),
    .a(dot_a),
    .b(dot_b),
    .out_valid(dot_out_valid),
    .out(dot_out)
);

/*
 * Beat-sum FIFO. The last flag is written when a beat enters dot16 (issue
 * order), the sum when it leaves (the same order: dot16 is a fixed pipeline).
 */
logic [31:0]          sum_mem  [0:FIFO_DEPTH-1];
logic                 last_mem [0:FIFO_DEPTH-1];
logic [PTR_WIDTH:0]   issue_ptr_reg, fill_ptr_reg, rd_ptr_reg;
logic                 fifo_pop;

/*
 * Accumulator: acc = acc + beat sum, one add in flight
 */
logic [31:0] acc_reg, acc_next;
logic        add_busy_reg, add_busy_next;
logic        add_last_reg, add_last_next;
logic [31:0] out_sum_reg, out_sum_next;
logic        out_valid_reg, out_valid_next;
logic        add_out_valid;
logic [31:0] add_out;
logic        head_valid, head_last;

assign head_valid = fill_ptr_reg != rd_ptr_reg;
assign head_last  = last_mem[rd_ptr_reg[PTR_WIDTH-1:0]];
// A run's last add needs the output register free when its result lands.
assign fifo_pop   = head_valid && !add_busy_reg && !(head_last && out_valid_reg);

ew_add acc_add_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(fifo_pop),
    .x(acc_reg),
    .y(sum_mem[rd_ptr_reg[PTR_WIDTH-1:0]]),
    .out_valid(add_out_valid),
    .out(add_out)
);

assign out_sum   = out_sum_reg;
assign out_valid = out_valid_reg;

always_comb begin
    credits_next   = credits_reg - CNT_WIDTH'(in_fire) + CNT_WIDTH'(fifo_pop);
    acc_next       = acc_reg;
    add_busy_next  = add_busy_reg;
    add_last_next  = add_last_reg;
    out_sum_next   = out_sum_reg;
    out_valid_next = out_valid_reg && !out_ready;

    if (fifo_pop) begin
        add_busy_next = 1'b1;
        add_last_next = head_last;
    end
    if (add_out_valid) begin
        add_busy_next = 1'b0;
        if (add_last_reg) begin
            out_sum_next   = add_out;
            out_valid_next = 1'b1;
            acc_next       = 32'h0000_0000;  // +0 starts the next run
        end else begin
            acc_next = add_out;
        end
    end
end

always_ff @(posedge clk) begin
    if (in_fire) begin
        last_mem[issue_ptr_reg[PTR_WIDTH-1:0]] <= in_last;
    end
    if (dot_out_valid) begin
        sum_mem[fill_ptr_reg[PTR_WIDTH-1:0]] <= dot_out;
    end

    credits_reg   <= credits_next;
    acc_reg       <= acc_next;
    add_busy_reg  <= add_busy_next;
    add_last_reg  <= add_last_next;
    out_sum_reg   <= out_sum_next;
    out_valid_reg <= out_valid_next;
    issue_ptr_reg <= issue_ptr_reg + (PTR_WIDTH+1)'(in_fire);
    fill_ptr_reg  <= fill_ptr_reg + (PTR_WIDTH+1)'(dot_out_valid);
    rd_ptr_reg    <= rd_ptr_reg + (PTR_WIDTH+1)'(fifo_pop);

    if (rst) begin
        credits_reg   <= CNT_WIDTH'(FIFO_DEPTH);
        acc_reg       <= '0;
        add_busy_reg  <= 1'b0;
        add_last_reg  <= 1'b0;
        out_valid_reg <= 1'b0;
        issue_ptr_reg <= '0;
        fill_ptr_reg  <= '0;
        rd_ptr_reg    <= '0;
    end
end

endmodule

`resetall
