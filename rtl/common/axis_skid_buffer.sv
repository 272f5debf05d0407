// SPDX-License-Identifier: Apache-2.0

/*
 * AXI4-Stream skid buffer (two-entry register slice)
 *
 * Breaks every combinational path between the two sides: m_axis_tdata,
 * m_axis_tlast, m_axis_tvalid and s_axis_tready all come straight from
 * registers. One cycle of latency, one beat per cycle of throughput.
 *
 * Two entries are what a registered tready costs at full throughput: when
 * m_axis_tready falls, s_axis_tready can only fall a cycle later, so the beat
 * accepted in that cycle is parked in the skid register. The skid register
 * drains first, so beats leave in the order they came.
 */

`default_nettype none

module axis_skid_buffer #(
    // Width of s_axis_tdata and m_axis_tdata, bits (>= 1)
    parameter int DATA_WIDTH = 8
) (
    input  wire                   clk,
    input  wire                   rst,  // active-high, synchronous

    /*
     * AXI4-Stream input (slave)
     */
    input  wire  [DATA_WIDTH-1:0] s_axis_tdata,
    input  wire                   s_axis_tlast,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,

    /*
     * AXI4-Stream output (master)
     */
    output wire  [DATA_WIDTH-1:0] m_axis_tdata,
    output wire                   m_axis_tlast,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready
);

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (DATA_WIDTH < 1) begin : g_check_data_width
    $error("axis_skid_buffer: DATA_WIDTH must be >= 1");
end

// Output register: the beat on m_axis_*.
logic                  m_valid_reg, m_valid_next;
logic [DATA_WIDTH-1:0] m_data_reg, m_data_next;
logic                  m_last_reg, m_last_next;

// Skid register: the beat accepted in the cycle m_axis_tready fell.
logic                  skid_valid_reg, skid_valid_next;
logic [DATA_WIDTH-1:0] skid_data_reg, skid_data_next;
logic                  skid_last_reg, skid_last_next;

// Registered ready: high while the skid register is empty (low in and just after reset).
logic                  s_ready_reg, s_ready_next;

assign s_axis_tready = s_ready_reg;

assign m_axis_tdata  = m_data_reg;
assign m_axis_tlast  = m_last_reg;
assign m_axis_tvalid = m_valid_reg;

always_comb begin
    m_valid_next    = m_valid_reg;
    m_data_next     = m_data_reg;
    m_last_next     = m_last_reg;
    skid_valid_next = skid_valid_reg;
    skid_data_next  = skid_data_reg;
    skid_last_next  = skid_last_reg;

    if (m_axis_tready || !m_valid_reg) begin
        // The output register is empty or leaving: refill it, skid register first.
        if (skid_valid_reg) begin
            // s_axis_tready is low while the skid register is full: no beat comes in.
            m_valid_next    = 1'b1;
            m_data_next     = skid_data_reg;
            m_last_next     = skid_last_reg;
            skid_valid_next = 1'b0;
        end else begin
            m_valid_next = s_axis_tvalid && s_ready_reg;
            m_data_next  = s_axis_tdata;
            m_last_next  = s_axis_tlast;
        end
    end else if (s_axis_tvalid && s_ready_reg) begin
        // Output stalled, but ready was still high this cycle: park the beat.
        skid_valid_next = 1'b1;
        skid_data_next  = s_axis_tdata;
        skid_last_next  = s_axis_tlast;
    end

    s_ready_next = !skid_valid_next;
end

always_ff @(posedge clk) begin
    m_valid_reg    <= m_valid_next;
    m_data_reg     <= m_data_next;
    m_last_reg     <= m_last_next;
    skid_valid_reg <= skid_valid_next;
    skid_data_reg  <= skid_data_next;
    skid_last_reg  <= skid_last_next;
    s_ready_reg    <= s_ready_next;

    if (rst) begin
        m_valid_reg    <= 1'b0;
        skid_valid_reg <= 1'b0;
        s_ready_reg    <= 1'b0;
    end
end

endmodule

`default_nettype wire
