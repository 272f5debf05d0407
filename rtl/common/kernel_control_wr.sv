// SPDX-License-Identifier: Apache-2.0

/*
 * AXI4-Lite write half of kernel_control
 *
 * Turns AXI4-Lite writes into one-cycle register write strobes (reg_wr_*), one
 * write at a time. AW and W are accepted independently, in either order or in
 * the same cycle, each into its own holding register: awready and wready are
 * high whenever that holding register is empty, so the slave never waits for one
 * channel before taking the other. Once both are held and no response is
 * pending, reg_wr_en pulses and the response follows on the next cycle. Every
 * write completes with OKAY: writes to read-only or unmapped addresses are
 * simply ignored by the register file.
 *
 * Every output comes from a register (the strobe from the holding registers),
 * so no combinational path crosses from the AXI inputs to the register file.
 * Back-to-back writes take two cycles each.
 */

`default_nettype none

module kernel_control_wr #(
    // Width of s_axil_awaddr and reg_wr_addr, bits (>= 2)
    parameter int ADDR_WIDTH = 8,
    // Width of s_axil_wdata, bits (AXI4-Lite: 32 or 64)
    parameter int DATA_WIDTH = 32,
    // Width of s_axil_wstrb, bits (one per byte of data)
    parameter int STRB_WIDTH = DATA_WIDTH / 8
) (
    input  wire                   clk,
    input  wire                   rst,  // active-high, synchronous

    /*
     * AXI4-Lite slave, write channels (awprot is not used: the register file has no secure part)
     */
    input  wire  [ADDR_WIDTH-1:0] s_axil_awaddr,
    input  wire                   s_axil_awvalid,
    output wire                   s_axil_awready,
    input  wire  [DATA_WIDTH-1:0] s_axil_wdata,
    input  wire  [STRB_WIDTH-1:0] s_axil_wstrb,
    input  wire                   s_axil_wvalid,
    output wire                   s_axil_wready,
    output wire  [1:0]            s_axil_bresp,
    output wire                   s_axil_bvalid,
    input  wire                   s_axil_bready,

    /*
     * Register write port: one write per reg_wr_en pulse, always taken in that cycle
     */
    output wire  [ADDR_WIDTH-1:0] reg_wr_addr,
    output wire  [DATA_WIDTH-1:0] reg_wr_data,
    output wire  [STRB_WIDTH-1:0] reg_wr_strb,
    output wire                   reg_wr_en
);

if (ADDR_WIDTH < 2) begin : g_check_addr_width
    $error("kernel_control_wr: ADDR_WIDTH must be >= 2");
end
if (DATA_WIDTH != 32 && DATA_WIDTH != 64) begin : g_check_data_width
    $error("kernel_control_wr: DATA_WIDTH must be 32 or 64 (AXI4-Lite)");
end
if (STRB_WIDTH * 8 != DATA_WIDTH) begin : g_check_strb_width
    $error("kernel_control_wr: STRB_WIDTH must be DATA_WIDTH / 8");
end

localparam logic [1:0] RESP_OKAY = 2'b00;

// Write address holding register: an accepted AW waiting for its W.
logic                  aw_full_reg, aw_full_next;
logic [ADDR_WIDTH-1:0] aw_addr_reg, aw_addr_next;

// Write data holding register: an accepted W waiting for its AW.
logic                  w_full_reg, w_full_next;
logic [DATA_WIDTH-1:0] w_data_reg, w_data_next;
logic [STRB_WIDTH-1:0] w_strb_reg, w_strb_next;

// Write response pending on B.
logic                  b_valid_reg, b_valid_next;

// The write happens once both halves are in and the previous response has gone: one
// write outstanding at a time, so a response never waits behind another.
wire do_write = aw_full_reg && w_full_reg && !b_valid_reg;

assign s_axil_awready = !aw_full_reg;
assign s_axil_wready  = !w_full_reg;
assign s_axil_bresp   = RESP_OKAY;
assign s_axil_bvalid  = b_valid_reg;

assign reg_wr_addr = aw_addr_reg;
assign reg_wr_data = w_data_reg;
assign reg_wr_strb = w_strb_reg;
assign reg_wr_en   = do_write;

always_comb begin
    aw_full_next = aw_full_reg;
    aw_addr_next = aw_addr_reg;
    w_full_next  = w_full_reg;
    w_data_next  = w_data_reg;
    w_strb_next  = w_strb_reg;
    b_valid_next = b_valid_reg && !s_axil_bready;

    if (do_write) begin
        // Both halves go to the register file now; the response is due next cycle.
        aw_full_next = 1'b0;
        w_full_next  = 1'b0;
        b_valid_next = 1'b1;
    end

    // A holding register that is full keeps its ready low, so a new half only lands in an
    // empty one (the do_write above cannot empty it in the same cycle as it is refilled).
    if (s_axil_awvalid && !aw_full_reg) begin
        aw_full_next = 1'b1;
        aw_addr_next = s_axil_awaddr;
    end
    if (s_axil_wvalid && !w_full_reg) begin
        w_full_next = 1'b1;
        w_data_next = s_axil_wdata;
        w_strb_next = s_axil_wstrb;
    end
end

always_ff @(posedge clk) begin
    aw_full_reg <= aw_full_next;
    aw_addr_reg <= aw_addr_next;
    w_full_reg  <= w_full_next;
    w_data_reg  <= w_data_next;
    w_strb_reg  <= w_strb_next;
    b_valid_reg <= b_valid_next;

    if (rst) begin
        aw_full_reg <= 1'b0;
        w_full_reg  <= 1'b0;
        b_valid_reg <= 1'b0;
    end
end

endmodule

`default_nettype wire
