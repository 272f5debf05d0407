// SPDX-License-Identifier: Apache-2.0

/*
 * AXI4-Lite read half of kernel_control
 *
 * Turns AXI4-Lite reads into one-cycle register read strobes (reg_rd_*), one read
 * at a time. An accepted AR is held for one cycle, during which reg_rd_en pulses
 * and reg_rd_data (combinational in the register file, from reg_rd_addr) is
 * captured into the R register; read side effects such as clear-on-read take
 * place in that same cycle, so the value returned is the one from before the
 * clear. arready stays low until the response has been taken. Every read
 * completes with OKAY (the register file returns zero for unmapped addresses).
 *
 * Every output comes from a register. Back-to-back reads take three cycles each.
 */

`default_nettype none

module kernel_control_rd #(
    // Width of s_axil_araddr and reg_rd_addr, bits (>= 2)
    parameter int ADDR_WIDTH = 8,
    // Width of s_axil_rdata, bits (AXI4-Lite: 32 or 64)
    parameter int DATA_WIDTH = 32
) (
    input  wire                   clk,
    input  wire                   rst,  // active-high, synchronous

    /*
     * AXI4-Lite slave, read channels (arprot is not used: the register file has no secure part)
     */
    input  wire  [ADDR_WIDTH-1:0] s_axil_araddr,
    input  wire                   s_axil_arvalid,
    output wire                   s_axil_arready,
    output wire  [DATA_WIDTH-1:0] s_axil_rdata,
    output wire  [1:0]            s_axil_rresp,
    output wire                   s_axil_rvalid,
    input  wire                   s_axil_rready,

    /*
     * Register read port: reg_rd_data is sampled in the cycle reg_rd_en is high
     */
    output wire  [ADDR_WIDTH-1:0] reg_rd_addr,
    output wire                   reg_rd_en,
    input  wire  [DATA_WIDTH-1:0] reg_rd_data
);

if (ADDR_WIDTH < 2) begin : g_check_addr_width
    $error("kernel_control_rd: ADDR_WIDTH must be >= 2");
end
if (DATA_WIDTH != 32 && DATA_WIDTH != 64) begin : g_check_data_width
    $error("kernel_control_rd: DATA_WIDTH must be 32 or 64 (AXI4-Lite)");
end

localparam logic [1:0] RESP_OKAY = 2'b00;

// Read address holding register: an accepted AR, read from the register file next cycle.
logic                  ar_full_reg, ar_full_next;
logic [ADDR_WIDTH-1:0] ar_addr_reg, ar_addr_next;

// Read response on R.
logic                  r_valid_reg, r_valid_next;
logic [DATA_WIDTH-1:0] r_data_reg, r_data_next;

assign s_axil_arready = !ar_full_reg && !r_valid_reg;
assign s_axil_rdata   = r_data_reg;
assign s_axil_rresp   = RESP_OKAY;
assign s_axil_rvalid  = r_valid_reg;

assign reg_rd_addr = ar_addr_reg;
assign reg_rd_en   = ar_full_reg;

always_comb begin
    ar_full_next = ar_full_reg;
    ar_addr_next = ar_addr_reg;
    r_valid_next = r_valid_reg && !s_axil_rready;
    r_data_next  = r_data_reg;

    if (ar_full_reg) begin
        // The register file is read now (arready is low, so R is free).
        ar_full_next = 1'b0;
        r_valid_next = 1'b1;
        r_data_next  = reg_rd_data;
    end else if (s_axil_arvalid && !r_valid_reg) begin
        ar_full_next = 1'b1;
        ar_addr_next = s_axil_araddr;
    end
end

always_ff @(posedge clk) begin
    ar_full_reg <= ar_full_next;
    ar_addr_reg <= ar_addr_next;
    r_valid_reg <= r_valid_next;
    r_data_reg  <= r_data_next;

    if (rst) begin
        ar_full_reg <= 1'b0;
        r_valid_reg <= 1'b0;
    end
end

endmodule

`default_nettype wire
