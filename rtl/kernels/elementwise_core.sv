// SPDX-License-Identifier: Apache-2.0

/*
 * Elementwise lane shell: two operand streams in, fixed-latency lanes, one
 * result stream out
 *
 * The common datapath of the elementwise kernels (residual, swiglu, rope,
 * embed; docs/kernels/elementwise.md). A beat of s_axis_a and a beat of
 * s_axis_b are joined and handed to the lanes (lane_valid, lane_a, lane_b);
 * the kernel instantiates the lanes, one XLS block per fp32 lane
 * (rtl/gen/ew_*.v), and returns their results (lane_out_valid, lane_out)
 * LANE_LATENCY cycles later. Results queue in a FIFO and leave on m_axis in
 * order.
 *
 * XLS pipelines cannot stall, so a pair is only issued to the lanes while the
 * FIFO has a slot reserved for its result: credits count the slots neither
 * filled nor promised to a pair in flight, so the FIFO never overflows
 * whatever the lanes' latency. A credit returns when its result leaves the
 * FIFO; with FIFO_DEPTH >= LANE_LATENCY + 2 that happens in time to issue a
 * pair every cycle while m_axis is ready (LANE_LATENCY only sizes the FIFO:
 * a wrong value costs throughput, never data).
 *
 * Pipeline: join (combinational: lane_valid from the two tvalid and a
 * registered credit flag) -> lanes -> FIFO (block or distributed RAM) ->
 * FIFO output register -> axis_skid_buffer -> m_axis. s_axis_a_tready and
 * s_axis_b_tready depend combinationally on the other stream's tvalid.
 */

`default_nettype none

module elementwise_core #(
    // Width of s_axis_a_tdata and lane_a, bits (>= 1)
    parameter int A_WIDTH = 512,
    // Width of s_axis_b_tdata and lane_b, bits (>= 1)
    parameter int B_WIDTH = 512,
    // Width of lane_out and m_axis_tdata, bits (>= 1)
    parameter int OUT_WIDTH = 512,
    // Lanes' latency, lane_valid to lane_out_valid, cycles (>= 1); sizes the FIFO
    parameter int LANE_LATENCY = 3,
    // Result FIFO depth, beats (power of two, >= 4); >= LANE_LATENCY + 2 for one pair per cycle
    parameter int FIFO_DEPTH = 1 << $clog2(LANE_LATENCY + 3)
) (
    input  wire                  clk,
    input  wire                  rst,  // active-high, synchronous

    /*
     * Operand streams (slaves): one beat of each makes one pair
     */
    input  wire  [A_WIDTH-1:0]   s_axis_a_tdata,
    input  wire                  s_axis_a_tvalid,
    output wire                  s_axis_a_tready,
    input  wire  [B_WIDTH-1:0]   s_axis_b_tdata,
    input  wire                  s_axis_b_tvalid,
    output wire                  s_axis_b_tready,

    /*
     * Lanes: a pair goes out with lane_valid, its result comes back with lane_out_valid
     */
    output wire                  lane_valid,
    output wire  [A_WIDTH-1:0]   lane_a,
    output wire  [B_WIDTH-1:0]   lane_b,
    input  wire                  lane_out_valid,
    input  wire  [OUT_WIDTH-1:0] lane_out,

    /*
     * Result stream (master), in pair order
     */
    output wire  [OUT_WIDTH-1:0] m_axis_tdata,
    output wire                  m_axis_tvalid,
    input  wire                  m_axis_tready
);

localparam int PTR_WIDTH  = $clog2(FIFO_DEPTH);      // FIFO index
localparam int CNT_WIDTH  = $clog2(FIFO_DEPTH + 1);  // holds 0..FIFO_DEPTH

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (A_WIDTH < 1 || B_WIDTH < 1 || OUT_WIDTH < 1) begin : g_check_widths
    $error("elementwise_core: A_WIDTH, B_WIDTH and OUT_WIDTH must be >= 1");
end
if (LANE_LATENCY < 1) begin : g_check_latency
    $error("elementwise_core: LANE_LATENCY must be >= 1");
end
if (FIFO_DEPTH < 4 || (FIFO_DEPTH & (FIFO_DEPTH - 1)) != 0) begin : g_check_fifo_depth
    $error("elementwise_core: FIFO_DEPTH must be a power of two >= 4");
end

// Credits: FIFO slots neither holding a result nor reserved for a pair in the lanes.
logic [CNT_WIDTH-1:0] credits_reg, credits_next;
logic                 credit_reg, credit_next;       // credits_reg != 0, registered

// Result FIFO (pointers carry a wrap bit) and its output register.
logic [OUT_WIDTH-1:0] fifo_mem [0:FIFO_DEPTH-1];
logic [PTR_WIDTH:0]   wr_ptr_reg, wr_ptr_next;
logic [PTR_WIDTH:0]   rd_ptr_reg, rd_ptr_next;
logic                 fifo_rd_en;
logic                 fo_valid_reg, fo_valid_next;
logic [OUT_WIDTH-1:0] fo_data_reg;                   // RAM output register

logic                 issue, skid_s_ready;
wire                  unused_tlast;                  // results are framed by the kernel's counts

// Join: a pair moves when both beats are there and a slot is free.
assign issue           = s_axis_a_tvalid && s_axis_b_tvalid && credit_reg;
assign s_axis_a_tready = s_axis_b_tvalid && credit_reg;
assign s_axis_b_tready = s_axis_a_tvalid && credit_reg;

assign lane_valid = issue;
assign lane_a     = s_axis_a_tdata;
assign lane_b     = s_axis_b_tdata;

always_comb begin
    credits_next  = credits_reg;
    wr_ptr_next   = wr_ptr_reg;
    rd_ptr_next   = rd_ptr_reg;
    fifo_rd_en    = 1'b0;
    fo_valid_next = fo_valid_reg;

    if (issue) begin
        credits_next = credits_next - 1'b1;
    end

    // A result lands in the slot reserved for it.
    if (lane_out_valid) begin
        wr_ptr_next = wr_ptr_reg + 1'b1;
    end

    // FIFO -> output register whenever it is empty or moving on; the slot is free again.
    if (fo_valid_reg && skid_s_ready) begin
        fo_valid_next = 1'b0;
    end
    if (wr_ptr_reg != rd_ptr_reg && (!fo_valid_reg || skid_s_ready)) begin
        fifo_rd_en    = 1'b1;
        fo_valid_next = 1'b1;
        rd_ptr_next   = rd_ptr_reg + 1'b1;
        credits_next  = credits_next + 1'b1;
    end

    credit_next = credits_next != '0;
end

always_ff @(posedge clk) begin
    credits_reg  <= credits_next;
    credit_reg   <= credit_next;
    wr_ptr_reg   <= wr_ptr_next;
    rd_ptr_reg   <= rd_ptr_next;
    fo_valid_reg <= fo_valid_next;

    if (rst) begin
        credits_reg  <= CNT_WIDTH'(FIFO_DEPTH);
        credit_reg   <= 1'b1;
        wr_ptr_reg   <= '0;
        rd_ptr_reg   <= '0;
        fo_valid_reg <= 1'b0;
    end
end

// FIFO storage in its own block, without reset, so synthesis maps it (with fo_data_reg as
// the output register) to RAM.
always_ff @(posedge clk) begin
    if (lane_out_valid) begin
        fifo_mem[wr_ptr_reg[PTR_WIDTH-1:0]] <= lane_out;
    end
    if (fifo_rd_en) begin
        fo_data_reg <= fifo_mem[rd_ptr_reg[PTR_WIDTH-1:0]];
    end
end

// Output register slice: registers m_axis_* and keeps m_axis_tready off the RAM enable.
axis_skid_buffer #(
    .DATA_WIDTH(OUT_WIDTH)
) axis_skid_buffer_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(fo_data_reg),
    .s_axis_tlast(1'b0),
    .s_axis_tvalid(fo_valid_reg),
    .s_axis_tready(skid_s_ready),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tlast(unused_tlast),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

endmodule

`default_nettype wire
