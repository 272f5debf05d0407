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
 * them with a balanced tree, fp32_sum_add (rtl/gen/fp32_sum_add.v: ew_add,
 * pipelined to <= 8 LUT levels a stage) accumulates the beat sums in order. A
 * plain sum16(e) is a = e, b = 1.0 (exact for flushed e); a partial last beat
 * is padded with a = +0 lanes, exactly as sum16 pads.
 *
 * Element k of a beat is bits [32k +: 32] (the AXI/memory order); the XLS
 * array ports hold element k at [32(15-k) +: 32], so the words are reversed
 * here, in one place.
 *
 * Flow: one dot16 takes a beat per cycle. Runs go to ACC_UNITS accumulators
 * in turn (run r to unit r mod ACC_UNITS); each unit has a FIFO of beat sums
 * and an accumulator with one add in flight. The units share one fp32_sum_add
 * by time slots: unit u may start an add in the cycles where the slot counter
 * is u, a counter delayed by the adder's latency names the unit whose sum
 * comes back, so no tag travels with the data and the adder's operands are a
 * mux by a register. A unit's loop is the adder's latency + 1 cycles (its
 * result back, then the accumulator register), so a single unit (rmsnorm,
 * softmax: long runs) takes a beat sum per FP32_SUM_ADD_LATENCY + 1 cycles,
 * and ACC_UNITS = FP32_SUM_ADD_LATENCY + 1 units (attention scores: one run
 * per position) keep one dot16 and one adder busy every cycle: each unit's
 * slot comes round exactly when its previous sum is back.
 * A beat enters dot16 only with a credit of its unit's FIFO (an entry
 * neither filled nor promised to a beat in dot16: the pipeline cannot
 * stall). Results leave in run order, through a one-entry output register
 * per unit (out_valid/out_ready).
 */

`default_nettype none

module sum16_accumulate #(
    // Beat sums buffered per unit between dot16 and its accumulator (power of two, >= 2);
    // with a unit's rate of one per FP32_SUM_ADD_LATENCY + 1 cycles, more only absorbs longer bursts
    parameter int FIFO_DEPTH = 16,
    // Accumulators taking runs in turn (1..16): FP32_SUM_ADD_LATENCY + 1 keep short runs at a
    // beat per cycle
    parameter int ACC_UNITS  = 1
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
localparam int U_WIDTH   = ACC_UNITS > 1 ? $clog2(ACC_UNITS) : 1;

if (FIFO_DEPTH < 2 || (FIFO_DEPTH & (FIFO_DEPTH - 1)) != 0) begin : g_check_fifo_depth
    $error("sum16_accumulate: FIFO_DEPTH must be a power of two >= 2");
end
if (ACC_UNITS < 1 || ACC_UNITS > 16) begin : g_check_acc_units
    $error("sum16_accumulate: ACC_UNITS must be in 1..16");
end

// fp32_sum_add's start-to-result cycles (rtl/gen/hls_latency_pkg.sv)
localparam int ADD_LATENCY = hls_latency_pkg::FP32_SUM_ADD_LATENCY;

// Units in turn: the next beat's (issue), the next dot16 result's (fill), the next result's (out).
logic [U_WIDTH-1:0]   issue_unit_reg, fill_unit_reg, out_unit_reg;
logic [ACC_UNITS-1:0] credit_u, fill_last_u, unit_out_valid_u;
logic [31:0]          unit_out_sum_u [0:ACC_UNITS-1];
logic                 in_fire, fill_last;
// The shared adder: the unit whose slot it is (may start an add), the unit whose sum is back.
logic [U_WIDTH-1:0]   slot_reg, back_slot_reg;
logic [ACC_UNITS-1:0] pop_u;
logic [31:0]          acc_u [0:ACC_UNITS-1];
logic [31:0]          head_sum_u [0:ACC_UNITS-1];
logic                 add_out_valid;
logic [31:0]          add_out;

assign in_ready  = credit_u[issue_unit_reg];
assign in_fire   = in_valid && in_ready;
assign fill_last = fill_last_u[fill_unit_reg];
assign out_sum   = unit_out_sum_u[out_unit_reg];
assign out_valid = unit_out_valid_u[out_unit_reg];

/*
 * dot16: one beat per cycle
 */
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

localparam logic [U_WIDTH-1:0] LAST_UNIT = U_WIDTH'(ACC_UNITS - 1);
// back_slot_reg = slot_reg - ADD_LATENCY (mod ACC_UNITS): a sum started in unit u's slot is
// back ADD_LATENCY cycles later, when back_slot_reg has come round to u.
localparam logic [U_WIDTH-1:0] BACK_SLOT_RESET = U_WIDTH'((ACC_UNITS - ADD_LATENCY % ACC_UNITS) % ACC_UNITS);

/*
 * The accumulators' adder, shared by time slots (only unit slot_reg pops)
 */
fp32_sum_add acc_add_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(|pop_u),
    .x(acc_u[slot_reg]),
    .y(head_sum_u[slot_reg]),
    .out_valid(add_out_valid),
    .out(add_out)
);

always_ff @(posedge clk) begin
    if (in_fire && in_last) begin
        issue_unit_reg <= issue_unit_reg == LAST_UNIT ? '0 : issue_unit_reg + 1'b1;
    end
    if (dot_out_valid && fill_last) begin
        fill_unit_reg <= fill_unit_reg == LAST_UNIT ? '0 : fill_unit_reg + 1'b1;
    end
    if (out_valid && out_ready) begin
        out_unit_reg <= out_unit_reg == LAST_UNIT ? '0 : out_unit_reg + 1'b1;
    end
    slot_reg      <= slot_reg == LAST_UNIT ? '0 : slot_reg + 1'b1;
    back_slot_reg <= back_slot_reg == LAST_UNIT ? '0 : back_slot_reg + 1'b1;
    if (rst) begin
        issue_unit_reg <= '0;
        fill_unit_reg  <= '0;
        out_unit_reg   <= '0;
        slot_reg       <= '0;
        back_slot_reg  <= BACK_SLOT_RESET;
    end
end

/*
 * Accumulators: per unit a beat-sum FIFO and acc = acc + beat sum, one add in flight
 * (in the shared adder, started in the unit's slot)
 */
for (genvar u = 0; u < ACC_UNITS; u++) begin : g_unit
    // The last flag is written when a beat enters dot16 (issue order), the sum when it
    // leaves (the same order: dot16 is a fixed pipeline).
    logic [31:0]          sum_mem  [0:FIFO_DEPTH-1];
    logic                 last_mem [0:FIFO_DEPTH-1];
    logic [PTR_WIDTH:0]   issue_ptr_reg, fill_ptr_reg, rd_ptr_reg;
    logic [CNT_WIDTH-1:0] credits_reg, credits_next;
    logic                 issue, fill, pop, add_back;

    logic [31:0]          acc_reg, acc_next;
    logic                 add_busy_reg, add_busy_next;
    logic                 add_last_reg, add_last_next;
    logic [31:0]          out_sum_reg, out_sum_next;
    logic                 out_valid_reg, out_valid_next;
    logic                 head_valid, head_last;

    assign issue       = in_fire && issue_unit_reg == U_WIDTH'(u);
    assign fill        = dot_out_valid && fill_unit_reg == U_WIDTH'(u);
    assign credit_u[u] = credits_reg != '0;
    // Read at the fill pointer: the last flag of the beat whose sum dot16 returns now.
    assign fill_last_u[u]      = last_mem[fill_ptr_reg[PTR_WIDTH-1:0]];
    assign unit_out_sum_u[u]   = out_sum_reg;
    assign unit_out_valid_u[u] = out_valid_reg;

    assign head_valid = fill_ptr_reg != rd_ptr_reg;
    assign head_last  = last_mem[rd_ptr_reg[PTR_WIDTH-1:0]];
    // A run's last add needs the output register free when its result lands.
    assign pop        = head_valid && !add_busy_reg && !(head_last && out_valid_reg)
                        && slot_reg == U_WIDTH'(u);
    assign add_back   = add_out_valid && back_slot_reg == U_WIDTH'(u);
    assign pop_u[u]      = pop;
    assign acc_u[u]      = acc_reg;
    assign head_sum_u[u] = sum_mem[rd_ptr_reg[PTR_WIDTH-1:0]];

    always_comb begin
        credits_next   = credits_reg - CNT_WIDTH'(issue) + CNT_WIDTH'(pop);
        acc_next       = acc_reg;
        add_busy_next  = add_busy_reg;
        add_last_next  = add_last_reg;
        out_sum_next   = out_sum_reg;
        out_valid_next = out_valid_reg && !(out_ready && out_unit_reg == U_WIDTH'(u));

        if (pop) begin
            add_busy_next = 1'b1;
            add_last_next = head_last;
        end
        if (add_back) begin
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
        if (issue) begin
            last_mem[issue_ptr_reg[PTR_WIDTH-1:0]] <= in_last;
        end
        if (fill) begin
            sum_mem[fill_ptr_reg[PTR_WIDTH-1:0]] <= dot_out;
        end

        credits_reg   <= credits_next;
        acc_reg       <= acc_next;
        add_busy_reg  <= add_busy_next;
        add_last_reg  <= add_last_next;
        out_sum_reg   <= out_sum_next;
        out_valid_reg <= out_valid_next;
        issue_ptr_reg <= issue_ptr_reg + (PTR_WIDTH+1)'(issue);
        fill_ptr_reg  <= fill_ptr_reg + (PTR_WIDTH+1)'(fill);
        rd_ptr_reg    <= rd_ptr_reg + (PTR_WIDTH+1)'(pop);

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
end

endmodule

`resetall
