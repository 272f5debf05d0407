// SPDX-License-Identifier: Apache-2.0

/*
 * softmax kernel: out = softmax(x[0..n-1]) in fp32
 *
 *   m = max x;  e[i] = exp(x[i] - m);  out[i] = e[i] * recip(sum16(e)),  i < n
 *
 * bit-exact with hlstransform.model.hwmodel.softmax (docs/kernels/softmax.md,
 * docs/numerics.md section 6). The per-layer kernel of DESIGN.md section 7
 * with the HLS kernel interface of section 6: s_axi_control (kernel_control;
 * arguments x, out, n of rtl/regmap.toml), interrupt, and one 512-bit AXI4
 * master m_axi_gmem0 that reads x and writes out.
 *
 * A run: the arguments are checked (n in 1..MAX_N, any n; pointers 64-byte
 * aligned and inside the AXI address width); a bad one sets
 * STATUS.CONFIG_ERROR and ends the run at once, before any memory access.
 * Otherwise ceil(n/16) beats of x are read (the last one whole: up to 15
 * words past x[n-1] are read and ignored) into softmax_core, which holds the
 * vector on chip, and its ceil(n/16) result beats are written to out, lanes
 * past n as +0.0. No result exists before the last x beat is in, so out may
 * be x. SLVERR/DECERR sets STATUS.AXI_READ_ERROR / AXI_WRITE_ERROR; every
 * transfer still completes (a failed read beat carries undefined data), so
 * the run always ends with done.
 */

`default_nettype none

module softmax #(
    // Largest n argument, elements (a multiple of 16, 16..2**20); sizes the on-chip buffer
    parameter int MAX_N          = 4096,
    // ew_exp_sub lanes (2, 4, 8 or 16); softmax_core's default rule: the fewest that keep the
    // exp pass at the sum's pace, a beat per FP32_SUM_ADD_LATENCY + 1 cycles
    parameter int EXP_LANES      = 16 >> ($clog2(hls_latency_pkg::FP32_SUM_ADD_LATENCY + 2) - 1),
    // Width of the m_axi data bus, bits (512: 16 fp32 per beat)
    parameter int AXI_DATA_WIDTH = 512,
    // Width of the m_axi address bus, bits (13..64)
    parameter int AXI_ADDR_WIDTH = 64,
    // Width of the m_axi ID fields, bits (>= 1; every burst uses ID 0)
    parameter int AXI_ID_WIDTH   = 1
) (
    input  wire                        clk,
    input  wire                        rst,  // active-high, synchronous

    /*
     * AXI4-Lite slave: s_axi_control (rtl/regmap.toml)
     */
    input  wire  [kernel_regs_pkg::CTRL_ADDR_WIDTH-1:0] s_axi_control_awaddr,
    input  wire  [2:0]                 s_axi_control_awprot,
    input  wire                        s_axi_control_awvalid,
    output wire                        s_axi_control_awready,
    input  wire  [31:0]                s_axi_control_wdata,
    input  wire  [3:0]                 s_axi_control_wstrb,
    input  wire                        s_axi_control_wvalid,
    output wire                        s_axi_control_wready,
    output wire  [1:0]                 s_axi_control_bresp,
    output wire                        s_axi_control_bvalid,
    input  wire                        s_axi_control_bready,
    input  wire  [kernel_regs_pkg::CTRL_ADDR_WIDTH-1:0] s_axi_control_araddr,
    input  wire  [2:0]                 s_axi_control_arprot,
    input  wire                        s_axi_control_arvalid,
    output wire                        s_axi_control_arready,
    output wire  [31:0]                s_axi_control_rdata,
    output wire  [1:0]                 s_axi_control_rresp,
    output wire                        s_axi_control_rvalid,
    input  wire                        s_axi_control_rready,

    /*
     * Interrupt to the host
     */
    // Vitis HLS names this port `interrupt`; Verilator renames the C++ member, harmlessly.
    /* verilator lint_off SYMRSVDWORD */
    output wire                        interrupt,
    /* verilator lint_on SYMRSVDWORD */

    /*
     * AXI4 master: m_axi_gmem0 (x reads, out writes)
     */
    output wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem0_arid,
    output wire  [AXI_ADDR_WIDTH-1:0]  m_axi_gmem0_araddr,
    output wire  [7:0]                 m_axi_gmem0_arlen,
    output wire  [2:0]                 m_axi_gmem0_arsize,
    output wire  [1:0]                 m_axi_gmem0_arburst,
    output wire                        m_axi_gmem0_arlock,
    output wire  [3:0]                 m_axi_gmem0_arcache,
    output wire  [2:0]                 m_axi_gmem0_arprot,
    output wire  [3:0]                 m_axi_gmem0_arqos,
    output wire  [3:0]                 m_axi_gmem0_arregion,
    output wire                        m_axi_gmem0_arvalid,
    input  wire                        m_axi_gmem0_arready,
    input  wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem0_rid,
    input  wire  [AXI_DATA_WIDTH-1:0]  m_axi_gmem0_rdata,
    input  wire  [1:0]                 m_axi_gmem0_rresp,
    input  wire                        m_axi_gmem0_rlast,
    input  wire                        m_axi_gmem0_rvalid,
    output wire                        m_axi_gmem0_rready,
    output wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem0_awid,
    output wire  [AXI_ADDR_WIDTH-1:0]  m_axi_gmem0_awaddr,
    output wire  [7:0]                 m_axi_gmem0_awlen,
    output wire  [2:0]                 m_axi_gmem0_awsize,
    output wire  [1:0]                 m_axi_gmem0_awburst,
    output wire                        m_axi_gmem0_awlock,
    output wire  [3:0]                 m_axi_gmem0_awcache,
    output wire  [2:0]                 m_axi_gmem0_awprot,
    output wire  [3:0]                 m_axi_gmem0_awqos,
    output wire  [3:0]                 m_axi_gmem0_awregion,
    output wire                        m_axi_gmem0_awvalid,
    input  wire                        m_axi_gmem0_awready,
    output wire  [AXI_DATA_WIDTH-1:0]  m_axi_gmem0_wdata,
    output wire  [AXI_DATA_WIDTH/8-1:0] m_axi_gmem0_wstrb,
    output wire                        m_axi_gmem0_wlast,
    output wire                        m_axi_gmem0_wvalid,
    input  wire                        m_axi_gmem0_wready,
    input  wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem0_bid,
    input  wire  [1:0]                 m_axi_gmem0_bresp,
    input  wire                        m_axi_gmem0_bvalid,
    output wire                        m_axi_gmem0_bready
);

import kernel_regs_pkg::*;

localparam int BEAT_BYTES      = 64;                          // 16 fp32
localparam int MAX_BURST_BEATS = 4096 / BEAT_BYTES;           // one 4 KiB page per burst at most

// Argument word indexes in core_args (rtl/regmap.toml via kernel_regs_pkg).
localparam int ARG_X   = (int'(SOFTMAX_ARG_X) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_OUT = (int'(SOFTMAX_ARG_OUT) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_N   = (int'(SOFTMAX_ARG_N) - int'(CTRL_ARG_BASE)) / 4;

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_N < 16 || MAX_N > (1 << 20) || MAX_N % 16 != 0) begin : g_check_max_n
    $error("softmax: MAX_N must be a multiple of 16 in 16..2**20");
end
if (AXI_DATA_WIDTH != 8 * BEAT_BYTES) begin : g_check_data_width
    $error("softmax: AXI_DATA_WIDTH must be 512 (16 fp32 lanes)");
end
if (AXI_ADDR_WIDTH < 13 || AXI_ADDR_WIDTH > 64) begin : g_check_addr_width
    $error("softmax: AXI_ADDR_WIDTH must be in 13..64");
end
if (AXI_ID_WIDTH < 1) begin : g_check_id_width
    $error("softmax: AXI_ID_WIDTH must be >= 1");
end

/*
 * Control block
 */
wire                            core_start;
wire [SOFTMAX_ARG_WORDS*32-1:0] core_args;
logic                           core_done;
logic [3:0]                     core_status;

// The high word of n reads as zero (ARG_WORD_MASK) and carries nothing.
wire unused_args = &{1'b0, core_args};

kernel_control #(
    .ARG_WORDS(SOFTMAX_ARG_WORDS),
    .ARG_WORD_MASK(SOFTMAX_ARG_WORD_MASK),
    .KERNEL_ID(SOFTMAX_KERNEL_ID)
) kernel_control_inst (
    .clk(clk),
    .rst(rst),
    .s_axi_control_awaddr(s_axi_control_awaddr),
    .s_axi_control_awprot(s_axi_control_awprot),
    .s_axi_control_awvalid(s_axi_control_awvalid),
    .s_axi_control_awready(s_axi_control_awready),
    .s_axi_control_wdata(s_axi_control_wdata),
    .s_axi_control_wstrb(s_axi_control_wstrb),
    .s_axi_control_wvalid(s_axi_control_wvalid),
    .s_axi_control_wready(s_axi_control_wready),
    .s_axi_control_bresp(s_axi_control_bresp),
    .s_axi_control_bvalid(s_axi_control_bvalid),
    .s_axi_control_bready(s_axi_control_bready),
    .s_axi_control_araddr(s_axi_control_araddr),
    .s_axi_control_arprot(s_axi_control_arprot),
    .s_axi_control_arvalid(s_axi_control_arvalid),
    .s_axi_control_arready(s_axi_control_arready),
    .s_axi_control_rdata(s_axi_control_rdata),
    .s_axi_control_rresp(s_axi_control_rresp),
    .s_axi_control_rvalid(s_axi_control_rvalid),
    .s_axi_control_rready(s_axi_control_rready),
    .interrupt(interrupt),
    .core_start(core_start),
    .core_args(core_args),
    .core_done(core_done),
    .core_status(core_status),
    .core_perf_count(1'b0)  // no performance counters
);

/*
 * Run state
 */
typedef enum logic [1:0] {
    STATE_IDLE,   // waits for core_start
    STATE_CHECK,  // checks the arguments
    STATE_RUN     // waits for the commands to be taken, the read, the last write and the core
} state_t;

state_t               state_reg, state_next;

// Arguments (snapshot at core_start): datapath, not reset.
logic [63:0]          x_ptr_reg, x_ptr_next;
logic [63:0]          out_ptr_reg, out_ptr_next;
logic [31:0]          n_reg, n_next;
logic [31:0]          beats_reg, beats_next;          // ceil(n / 16)

// Transfers: command pending, finished; errors seen.
logic                 rd_cmd_reg, rd_cmd_next;
logic                 wr_cmd_reg, wr_cmd_next;
logic                 rd_done_reg, rd_done_next;
logic                 wr_done_reg, wr_done_next;
logic                 rd_err_reg, rd_err_next;
logic                 wr_err_reg, wr_err_next;
logic                 cfg_err_reg, cfg_err_next;
logic                 done_reg, done_next;

// Streams.
wire                  rd_cmd_ready, wr_cmd_ready;
wire                  rd_error, wr_error;
wire                  rd_done, wr_done;
wire                  rd_busy, wr_busy;
wire [AXI_DATA_WIDTH-1:0] x_tdata, o_tdata;
wire                  x_tvalid, x_tready, x_tlast;
wire                  o_tvalid, o_tready, o_tlast;
wire                  core_idle;

// The streams are framed by the beat count; busy/tlast are not needed.
wire unused_stream = &{1'b0, x_tlast, o_tlast, rd_busy, wr_busy};

// Argument check (combinational from the snapshot, used in STATE_CHECK).
logic                 args_ok;
logic [63:0]          ptr_or;

always_comb begin
    state_next   = state_reg;
    x_ptr_next   = x_ptr_reg;
    out_ptr_next = out_ptr_reg;
    n_next       = n_reg;
    beats_next   = beats_reg;
    rd_cmd_next  = rd_cmd_reg && !rd_cmd_ready;
    wr_cmd_next  = wr_cmd_reg && !wr_cmd_ready;
    rd_done_next = rd_done_reg || rd_done;
    wr_done_next = wr_done_reg || wr_done;
    rd_err_next  = rd_err_reg || (rd_done && rd_error);
    wr_err_next  = wr_err_reg || (wr_done && wr_error);
    cfg_err_next = cfg_err_reg;
    done_next    = 1'b0;

    // Pointers beat aligned and inside the address width; n in 1..MAX_N.
    ptr_or  = x_ptr_reg | out_ptr_reg;
    args_ok = ptr_or[5:0] == 6'd0 && (ptr_or >> AXI_ADDR_WIDTH) == 64'd0
           && n_reg >= 32'd1 && n_reg <= 32'(MAX_N);

    case (state_reg)
        STATE_IDLE: begin
            if (core_start) begin
                x_ptr_next   = core_args[32 * ARG_X +: 64];
                out_ptr_next = core_args[32 * ARG_OUT +: 64];
                n_next       = core_args[32 * ARG_N +: 32];
                rd_done_next = 1'b0;
                wr_done_next = 1'b0;
                rd_err_next  = 1'b0;
                wr_err_next  = 1'b0;
                cfg_err_next = 1'b0;
                state_next   = STATE_CHECK;
            end
        end
        STATE_CHECK: begin
            // n <= MAX_N <= 2**20 when used: the sum cannot wrap.
            beats_next = (n_reg + 32'd15) >> 4;
            if (args_ok) begin
                rd_cmd_next = 1'b1;
                wr_cmd_next = 1'b1;
                state_next  = STATE_RUN;
            end else begin
                // Out of range: report and finish without any memory access.
                cfg_err_next = 1'b1;
                done_next    = 1'b1;
                state_next   = STATE_IDLE;
            end
        end
        STATE_RUN: begin
            if (!rd_cmd_next && !wr_cmd_next && rd_done_next && wr_done_next && core_idle) begin
                done_next  = 1'b1;
                state_next = STATE_IDLE;
            end
        end
        default: begin
            state_next = STATE_IDLE;
        end
    endcase
end

always_ff @(posedge clk) begin
    state_reg   <= state_next;
    x_ptr_reg   <= x_ptr_next;
    out_ptr_reg <= out_ptr_next;
    n_reg       <= n_next;
    beats_reg   <= beats_next;
    rd_cmd_reg  <= rd_cmd_next;
    wr_cmd_reg  <= wr_cmd_next;
    rd_done_reg <= rd_done_next;
    wr_done_reg <= wr_done_next;
    rd_err_reg  <= rd_err_next;
    wr_err_reg  <= wr_err_next;
    cfg_err_reg <= cfg_err_next;
    done_reg    <= done_next;

    if (rst) begin
        state_reg   <= STATE_IDLE;
        rd_cmd_reg  <= 1'b0;
        wr_cmd_reg  <= 1'b0;
        rd_done_reg <= 1'b0;
        wr_done_reg <= 1'b0;
        rd_err_reg  <= 1'b0;
        wr_err_reg  <= 1'b0;
        cfg_err_reg <= 1'b0;
        done_reg    <= 1'b0;
    end
end

// kernel_control collects core_status from core_start to core_done, both included: the
// error flags still hold the last run's values in the core_start cycle, so they only show
// while a run is in progress or finishing.
wire run_active = state_reg != STATE_IDLE || done_reg;

always_comb begin
    core_done   = done_reg;
    core_status = 4'd0;
    core_status[STATUS_AXI_READ_ERROR_BIT]  = rd_err_reg && run_active;
    core_status[STATUS_AXI_WRITE_ERROR_BIT] = wr_err_reg && run_active;
    core_status[STATUS_CONFIG_ERROR_BIT]    = cfg_err_reg && run_active;
end

/*
 * Transfers: x (gmem0 reads), out (gmem0 writes)
 */
axi_read_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(4)  // 256 beats in flight: a beat per cycle at tens of cycles of latency
) axi_read_stream_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(x_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(beats_reg),
    .cmd_valid(rd_cmd_reg),
    .cmd_ready(rd_cmd_ready),
    .busy(rd_busy),
    .error(rd_error),
    .done(rd_done),
    .m_axis_tdata(x_tdata),
    .m_axis_tlast(x_tlast),
    .m_axis_tvalid(x_tvalid),
    .m_axis_tready(x_tready),
    .m_axi_arid(m_axi_gmem0_arid),
    .m_axi_araddr(m_axi_gmem0_araddr),
    .m_axi_arlen(m_axi_gmem0_arlen),
    .m_axi_arsize(m_axi_gmem0_arsize),
    .m_axi_arburst(m_axi_gmem0_arburst),
    .m_axi_arlock(m_axi_gmem0_arlock),
    .m_axi_arcache(m_axi_gmem0_arcache),
    .m_axi_arprot(m_axi_gmem0_arprot),
    .m_axi_arqos(m_axi_gmem0_arqos),
    .m_axi_arregion(m_axi_gmem0_arregion),
    .m_axi_arvalid(m_axi_gmem0_arvalid),
    .m_axi_arready(m_axi_gmem0_arready),
    .m_axi_rid(m_axi_gmem0_rid),
    .m_axi_rdata(m_axi_gmem0_rdata),
    .m_axi_rresp(m_axi_gmem0_rresp),
    .m_axi_rlast(m_axi_gmem0_rlast),
    .m_axi_rvalid(m_axi_gmem0_rvalid),
    .m_axi_rready(m_axi_gmem0_rready)
);

axi_write_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(8)
) axi_write_stream_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(out_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(beats_reg),
    .cmd_valid(wr_cmd_reg),
    .cmd_ready(wr_cmd_ready),
    .busy(wr_busy),
    .error(wr_error),
    .done(wr_done),
    .s_axis_tdata(o_tdata),
    .s_axis_tvalid(o_tvalid),
    .s_axis_tready(o_tready),
    .m_axi_awid(m_axi_gmem0_awid),
    .m_axi_awaddr(m_axi_gmem0_awaddr),
    .m_axi_awlen(m_axi_gmem0_awlen),
    .m_axi_awsize(m_axi_gmem0_awsize),
    .m_axi_awburst(m_axi_gmem0_awburst),
    .m_axi_awlock(m_axi_gmem0_awlock),
    .m_axi_awcache(m_axi_gmem0_awcache),
    .m_axi_awprot(m_axi_gmem0_awprot),
    .m_axi_awqos(m_axi_gmem0_awqos),
    .m_axi_awregion(m_axi_gmem0_awregion),
    .m_axi_awvalid(m_axi_gmem0_awvalid),
    .m_axi_awready(m_axi_gmem0_awready),
    .m_axi_wdata(m_axi_gmem0_wdata),
    .m_axi_wstrb(m_axi_gmem0_wstrb),
    .m_axi_wlast(m_axi_gmem0_wlast),
    .m_axi_wvalid(m_axi_gmem0_wvalid),
    .m_axi_wready(m_axi_gmem0_wready),
    .m_axi_bid(m_axi_gmem0_bid),
    .m_axi_bresp(m_axi_gmem0_bresp),
    .m_axi_bvalid(m_axi_gmem0_bvalid),
    .m_axi_bready(m_axi_gmem0_bready)
);

/*
 * Datapath: the vector through softmax_core
 */
softmax_core #(
    .MAX_N(MAX_N),
    .EXP_LANES(EXP_LANES)
) softmax_core_inst (
    .clk(clk),
    .rst(rst),
    .n(n_reg),
    .in_data(x_tdata),
    .in_valid(x_tvalid),
    .in_ready(x_tready),
    .out_data(o_tdata),
    .out_valid(o_tvalid),
    .out_ready(o_tready),
    .out_last(o_tlast),
    .idle(core_idle)
);

endmodule

`default_nettype wire
