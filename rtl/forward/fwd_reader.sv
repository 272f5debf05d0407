// SPDX-License-Identifier: Apache-2.0

/*
 * Forward-kernel region reader: a scratchpad read port as a beat stream
 *
 * A run (start, one cycle) streams cfg_count words of the scratchpad, word i
 * at address cfg_base + (i mod cfg_wrap), out on m_axis in order, tlast on
 * the last; done pulses in the cycle after the last beat was taken. cfg_wrap
 * = cfg_count reads a plain region; a smaller cfg_wrap re-reads a short row
 * (the RoPE step reads the table row once per head this way).
 *
 * limit: the words of the run the reader may issue so far (word i only once
 * i < limit); a run whose words another unit is still writing trails it
 * (the classifier's logits, streamed out while the engines make them). A
 * reader with nothing to wait for ties it to all ones.
 *
 * The RAM read has RAM_LATENCY cycles of latency (1: a block RAM's output
 * register; more: an UltraRAM's pipeline, the on-chip weight store) and the
 * RAM cannot stall, so a read is only issued while the output FIFO has a slot
 * for its word (queued words plus the words still in the RAM's pipeline stay
 * below FIFO_DEPTH): the consumer may stall at any beat, and with FIFO_DEPTH
 * >= RAM_LATENCY + 3 a word leaves per cycle while it does not.
 */

`default_nettype none

module fwd_reader #(
    // Width of the scratchpad word address, bits (>= 1)
    parameter int AW = 10,
    // Width of cfg_count and cfg_wrap, bits (>= AW)
    parameter int CW = AW + 1,
    // Output FIFO depth, words (power of two, >= 4 and >= RAM_LATENCY + 3 for one word per cycle)
    parameter int FIFO_DEPTH = 4,
    // Cycles from ram_en to ram_data (>= 1)
    parameter int RAM_LATENCY = 1
) (
    input  wire           clk,
    input  wire           rst,  // active-high, synchronous: abandons any run

    /*
     * Run control: cfg_* sampled at start
     */
    input  wire           start,
    input  wire  [AW-1:0] cfg_base,   // first word
    input  wire  [CW-1:0] cfg_count,  // words to stream, >= 1
    input  wire  [CW-1:0] cfg_wrap,   // the address returns to cfg_base after this many words, >= 1
    input  wire  [CW-1:0] limit,      // words that may be issued so far (live)
    output wire           busy,       // a run is in progress
    output wire           done,       // one-cycle pulse after the last beat was taken

    /*
     * Scratchpad read port
     */
    output wire           ram_en,
    output wire  [AW-1:0] ram_addr,
    input  wire  [511:0]  ram_data,   // the word read RAM_LATENCY cycles before

    /*
     * Beat stream (master)
     */
    output wire  [511:0]  m_axis_tdata,
    output wire           m_axis_tvalid,
    input  wire           m_axis_tready,
    output wire           m_axis_tlast
);

localparam int PTR_WIDTH = $clog2(FIFO_DEPTH);
localparam int OCC_WIDTH = $clog2(FIFO_DEPTH + 1);

if (AW < 1 || CW < AW) begin : g_check_widths
    $error("fwd_reader: AW must be >= 1 and CW >= AW");
end
if (FIFO_DEPTH < 4 || (FIFO_DEPTH & (FIFO_DEPTH - 1)) != 0 || FIFO_DEPTH < RAM_LATENCY + 1) begin : g_check_fifo_depth
    $error("fwd_reader: FIFO_DEPTH must be a power of two >= 4 and > RAM_LATENCY");
end
if (RAM_LATENCY < 1) begin : g_check_ram_latency
    $error("fwd_reader: RAM_LATENCY must be >= 1");
end

// Run: words still to issue and to deliver; the current address and its offset in the row.
logic [CW-1:0]        issue_left_reg, issue_left_next;
logic [CW-1:0]        issued_reg, issued_next;      // words issued in this run
logic [CW-1:0]        out_left_reg, out_left_next;
logic [AW-1:0]        base_reg, base_next;
logic [CW-1:0]        wrap_reg, wrap_next;
logic [CW-1:0]        off_reg, off_next;
logic                 busy_reg, busy_next;
logic                 done_reg, done_next;

// The RAM pipeline: rv_reg[i] marks a word issued i + 1 cycles ago (rv_reg[RAM_LATENCY-1]: on
// ram_data now, to queue); inflight counts the marks, the words the FIFO has promised room for.
logic [RAM_LATENCY-1:0] rv_reg, rv_next;
logic [OCC_WIDTH-1:0]   inflight_reg, inflight_next;

// Output FIFO (register array, datapath) with wrap-bit pointers.
logic [511:0]         fifo_mem [0:FIFO_DEPTH-1];
logic [PTR_WIDTH:0]   wr_ptr_reg, wr_ptr_next;
logic [PTR_WIDTH:0]   rd_ptr_reg, rd_ptr_next;
logic [OCC_WIDTH-1:0] occ;
logic                 issue, pop;

assign occ           = OCC_WIDTH'(wr_ptr_reg - rd_ptr_reg);
assign issue         = issue_left_reg != '0 && (occ + inflight_reg) < OCC_WIDTH'(FIFO_DEPTH)
                    && issued_reg < limit;
assign ram_en        = issue;
assign ram_addr      = base_reg + AW'(off_reg);
assign m_axis_tvalid = wr_ptr_reg != rd_ptr_reg;
assign m_axis_tdata  = fifo_mem[rd_ptr_reg[PTR_WIDTH-1:0]];
assign m_axis_tlast  = out_left_reg == CW'(1);
assign pop           = m_axis_tvalid && m_axis_tready;
assign busy          = busy_reg;
assign done          = done_reg;

always_comb begin
    issue_left_next = issue_left_reg;
    issued_next     = issued_reg;
    out_left_next   = out_left_reg;
    base_next       = base_reg;
    wrap_next       = wrap_reg;
    off_next        = off_reg;
    busy_next       = busy_reg;
    done_next       = 1'b0;
    rv_next         = RAM_LATENCY'({rv_reg, issue});
    inflight_next   = inflight_reg + OCC_WIDTH'(issue) - OCC_WIDTH'(rv_reg[RAM_LATENCY-1]);
    wr_ptr_next     = wr_ptr_reg;
    rd_ptr_next     = rd_ptr_reg;

    if (issue) begin
        issue_left_next = issue_left_reg - 1'b1;
        issued_next     = issued_reg + 1'b1;
        off_next        = off_reg + 1'b1 == wrap_reg ? '0 : off_reg + 1'b1;
    end
    if (rv_reg[RAM_LATENCY-1]) begin
        wr_ptr_next = wr_ptr_reg + 1'b1;
    end
    if (pop) begin
        rd_ptr_next   = rd_ptr_reg + 1'b1;
        out_left_next = out_left_reg - 1'b1;
        if (out_left_reg == CW'(1)) begin
            busy_next = 1'b0;
            done_next = 1'b1;
        end
    end

    if (start) begin
        issue_left_next = cfg_count;
        issued_next     = '0;
        out_left_next   = cfg_count;
        base_next       = cfg_base;
        wrap_next       = cfg_wrap;
        off_next        = '0;
        busy_next       = 1'b1;
    end
end

always_ff @(posedge clk) begin
    issue_left_reg <= issue_left_next;
    issued_reg     <= issued_next;
    out_left_reg   <= out_left_next;
    base_reg       <= base_next;
    wrap_reg       <= wrap_next;
    off_reg        <= off_next;
    busy_reg       <= busy_next;
    done_reg       <= done_next;
    rv_reg         <= rv_next;
    inflight_reg   <= inflight_next;
    wr_ptr_reg     <= wr_ptr_next;
    rd_ptr_reg     <= rd_ptr_next;

    if (rst) begin
        issue_left_reg <= '0;
        out_left_reg   <= '0;
        busy_reg       <= 1'b0;
        done_reg       <= 1'b0;
        rv_reg         <= '0;
        inflight_reg   <= '0;
        wr_ptr_reg     <= '0;
        rd_ptr_reg     <= '0;
    end
end

// FIFO storage without reset.
always_ff @(posedge clk) begin
    if (rv_reg[RAM_LATENCY-1]) begin
        fifo_mem[wr_ptr_reg[PTR_WIDTH-1:0]] <= ram_data;
    end
end

endmodule

`default_nettype wire
