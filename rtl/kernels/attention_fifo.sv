// SPDX-License-Identifier: Apache-2.0

/*
 * Synchronous FIFO with a registered output, for the attention kernel
 *
 * DEPTH entries of storage (block or distributed RAM, no reset) plus one
 * output register that holds the head entry on m_data while m_valid is
 * high. An entry leaves when m_valid and m_ready are both high.
 *
 * Two ways to use it: as a plain valid/ready FIFO (s_ready is low when the
 * storage is full), or behind a fixed-latency XLS block that cannot stall:
 * the producer keeps DEPTH credits, spends one when it issues an operation
 * and gets it back with every m_valid & m_ready, and then never writes into
 * a full FIFO (it ignores s_ready). The credit comes back as the entry leaves
 * the output register, so the storage never holds more than DEPTH entries.
 */

`default_nettype none

module attention_fifo #(
    // Entry width, bits (>= 1)
    parameter int WIDTH = 32,
    // Storage entries (power of two, >= 2)
    parameter int DEPTH = 16
) (
    input  wire              clk,
    input  wire              rst,  // active-high, synchronous

    /*
     * Input (slave)
     */
    input  wire  [WIDTH-1:0] s_data,
    input  wire              s_valid,
    output wire              s_ready,  // storage not full

    /*
     * Output (master): the head entry, from a register
     */
    output wire  [WIDTH-1:0] m_data,
    output wire              m_valid,
    input  wire              m_ready
);

localparam int PTR_WIDTH = $clog2(DEPTH);

if (WIDTH < 1) begin : g_check_width
    $error("attention_fifo: WIDTH must be >= 1");
end
if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) begin : g_check_depth
    $error("attention_fifo: DEPTH must be a power of two >= 2");
end

logic [WIDTH-1:0]   mem [0:DEPTH-1];
logic [PTR_WIDTH:0] wr_ptr_reg, wr_ptr_next;   // pointers carry a wrap bit
logic [PTR_WIDTH:0] rd_ptr_reg, rd_ptr_next;
logic               out_valid_reg, out_valid_next;
logic [WIDTH-1:0]   out_data_reg;
logic               wr_en, rd_en;

assign s_ready = (wr_ptr_reg - rd_ptr_reg) != (PTR_WIDTH + 1)'(DEPTH);
assign m_data  = out_data_reg;
assign m_valid = out_valid_reg;

always_comb begin
    wr_ptr_next    = wr_ptr_reg;
    rd_ptr_next    = rd_ptr_reg;
    out_valid_next = out_valid_reg;

    wr_en = s_valid && s_ready;
    if (wr_en) begin
        wr_ptr_next = wr_ptr_reg + 1'b1;
    end

    // Storage -> output register whenever the register is empty or its entry leaves.
    if (out_valid_reg && m_ready) begin
        out_valid_next = 1'b0;
    end
    rd_en = wr_ptr_reg != rd_ptr_reg && (!out_valid_reg || m_ready);
    if (rd_en) begin
        rd_ptr_next    = rd_ptr_reg + 1'b1;
        out_valid_next = 1'b1;
    end
end

always_ff @(posedge clk) begin
    wr_ptr_reg    <= wr_ptr_next;
    rd_ptr_reg    <= rd_ptr_next;
    out_valid_reg <= out_valid_next;

    if (rst) begin
        wr_ptr_reg    <= '0;
        rd_ptr_reg    <= '0;
        out_valid_reg <= 1'b0;
    end
end

// Storage in its own block, without reset, so synthesis maps it (with out_data_reg as the
// output register) to RAM.
always_ff @(posedge clk) begin
    if (wr_en) begin
        mem[wr_ptr_reg[PTR_WIDTH-1:0]] <= s_data;
    end
    if (rd_en) begin
        out_data_reg <= mem[rd_ptr_reg[PTR_WIDTH-1:0]];
    end
end

endmodule

`default_nettype wire
