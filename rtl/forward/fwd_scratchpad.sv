// SPDX-License-Identifier: Apache-2.0

/*
 * Forward-kernel activation scratchpad: one write port, two read ports
 *
 * DEPTH words of 512 bits (one beat: 16 fp32) holding every on-chip vector
 * of a token (docs/forward.md, "Scratchpad"). Two copies of a simple
 * dual-port RAM (1W1R) share the write port, so each read port has a copy of
 * its own: the two operands of an elementwise step stream out in parallel.
 *
 * Reads are synchronous: rd_<p>_en with rd_<p>_addr in a cycle gives
 * rd_<p>_data in the next (the block-RAM output register). A read of the
 * address written in the same cycle returns the old word; the forward
 * kernel never does that (an in-place step's reader runs ahead of its
 * writer).
 */

`default_nettype none

module fwd_scratchpad #(
    // Words, 512 bits each (>= 2)
    parameter int DEPTH = 1024,
    // Width of the word addresses, bits (derived)
    parameter int AW = $clog2(DEPTH)
) (
    input  wire           clk,

    /*
     * Write port
     */
    input  wire           wr_en,
    input  wire  [AW-1:0] wr_addr,
    input  wire  [511:0]  wr_data,

    /*
     * Read port A
     */
    input  wire           rd_a_en,
    input  wire  [AW-1:0] rd_a_addr,
    output logic [511:0]  rd_a_data,

    /*
     * Read port B
     */
    input  wire           rd_b_en,
    input  wire  [AW-1:0] rd_b_addr,
    output logic [511:0]  rd_b_data
);

if (DEPTH < 2 || AW != $clog2(DEPTH)) begin : g_check_depth
    $error("fwd_scratchpad: DEPTH must be >= 2 and AW is derived from it");
end

// No reset: block RAM (or UltraRAM) with the read data register as output register.
logic [511:0] mem_a [0:DEPTH-1];
logic [511:0] mem_b [0:DEPTH-1];

always_ff @(posedge clk) begin
    if (wr_en) begin
        mem_a[wr_addr] <= wr_data;
    end
    if (rd_a_en) begin
        rd_a_data <= mem_a[rd_a_addr];
    end
end

always_ff @(posedge clk) begin
    if (wr_en) begin
        mem_b[wr_addr] <= wr_data;
    end
    if (rd_b_en) begin
        rd_b_data <= mem_b[rd_b_addr];
    end
end

endmodule

`default_nettype wire
