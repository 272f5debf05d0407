// SPDX-License-Identifier: Apache-2.0

/*
 * Two-operand elementwise kernel body: out[i] = f(a[i], b[i]), i < n
 *
 * The whole of the residual and swiglu kernels except their lanes
 * (docs/kernels/elementwise.md): the kernel tops (rtl/kernels/residual.sv,
 * swiglu.sv) wrap it, pass their register-map constants and instantiate 16
 * fp32 lanes on the lane_* ports (lane i takes bits [32i +: 32] of lane_a and
 * lane_b and returns bits [32i +: 32] of lane_out).
 *
 * Interface (DESIGN.md section 6): s_axi_control through kernel_control
 * (arguments a, b, out: 64-bit pointers; n: u32, in the slots ARG_A, ARG_B,
 * ARG_OUT, ARG_N), interrupt, and two 512-bit AXI4 masters, so both operands
 * stream at a beat per cycle each:
 * - m_axi_gmem0 (read only): a;
 * - m_axi_gmem1: reads b, writes out.
 *
 * A run: the arguments are checked (n a multiple of 16 in 16..MAX_N, every
 * pointer 64-byte aligned and inside the AXI address width); a bad one sets
 * STATUS.CONFIG_ERROR and ends the run at once, before any memory access.
 * Otherwise the three transfers of n/16 beats start together; pairs of beats
 * flow through elementwise_core into the lanes and the results to the write
 * stream, one beat per cycle when memory keeps up. The run is done when both
 * reads have delivered their last beat and the last write is acknowledged.
 * SLVERR/DECERR sets STATUS.AXI_READ_ERROR / AXI_WRITE_ERROR; every transfer
 * still completes (a failed read beat carries undefined data), so the run
 * always ends with done. out may be a or b (each beat is read before its
 * result is written) but must not partly overlap them.
 */

`default_nettype none

module elementwise_binary #(
    // Largest n argument, elements (a multiple of 16, 16..2**31)
    parameter int          MAX_N          = 65536,
    // Lanes' latency, lane_valid to lane_out_valid, cycles (sizes the result FIFO)
    parameter int          LANE_LATENCY   = 3,
    // kernel_control: argument words, mapped-word mask and KERNEL_ID (the kernel's regmap entry)
    parameter int          ARG_WORDS      = 7,
    parameter logic [31:0] ARG_WORD_MASK  = 32'h7F,
    parameter logic [31:0] KERNEL_ID      = 32'h0,
    // Argument word index of the pointers a, b, out and of n
    parameter int          ARG_A          = 0,
    parameter int          ARG_B          = 2,
    parameter int          ARG_OUT        = 4,
    parameter int          ARG_N          = 6,
    // Width of the m_axi data buses, bits (512: 16 fp32 per beat)
    parameter int          AXI_DATA_WIDTH = 512,
    // Width of the m_axi address buses, bits (13..64)
    parameter int          AXI_ADDR_WIDTH = 64,
    // Width of the m_axi ID fields, bits (>= 1; every burst uses ID 0)
    parameter int          AXI_ID_WIDTH   = 1
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
     * AXI4 read master: m_axi_gmem0 (operand a)
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

    /*
     * AXI4 master: m_axi_gmem1 (operand b reads, result writes)
     */
    output wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem1_arid,
    output wire  [AXI_ADDR_WIDTH-1:0]  m_axi_gmem1_araddr,
    output wire  [7:0]                 m_axi_gmem1_arlen,
    output wire  [2:0]                 m_axi_gmem1_arsize,
    output wire  [1:0]                 m_axi_gmem1_arburst,
    output wire                        m_axi_gmem1_arlock,
    output wire  [3:0]                 m_axi_gmem1_arcache,
    output wire  [2:0]                 m_axi_gmem1_arprot,
    output wire  [3:0]                 m_axi_gmem1_arqos,
    output wire  [3:0]                 m_axi_gmem1_arregion,
    output wire                        m_axi_gmem1_arvalid,
    input  wire                        m_axi_gmem1_arready,
    input  wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem1_rid,
    input  wire  [AXI_DATA_WIDTH-1:0]  m_axi_gmem1_rdata,
    input  wire  [1:0]                 m_axi_gmem1_rresp,
    input  wire                        m_axi_gmem1_rlast,
    input  wire                        m_axi_gmem1_rvalid,
    output wire                        m_axi_gmem1_rready,
    output wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem1_awid,
    output wire  [AXI_ADDR_WIDTH-1:0]  m_axi_gmem1_awaddr,
    output wire  [7:0]                 m_axi_gmem1_awlen,
    output wire  [2:0]                 m_axi_gmem1_awsize,
    output wire  [1:0]                 m_axi_gmem1_awburst,
    output wire                        m_axi_gmem1_awlock,
    output wire  [3:0]                 m_axi_gmem1_awcache,
    output wire  [2:0]                 m_axi_gmem1_awprot,
    output wire  [3:0]                 m_axi_gmem1_awqos,
    output wire  [3:0]                 m_axi_gmem1_awregion,
    output wire                        m_axi_gmem1_awvalid,
    input  wire                        m_axi_gmem1_awready,
    output wire  [AXI_DATA_WIDTH-1:0]  m_axi_gmem1_wdata,
    output wire  [AXI_DATA_WIDTH/8-1:0] m_axi_gmem1_wstrb,
    output wire                        m_axi_gmem1_wlast,
    output wire                        m_axi_gmem1_wvalid,
    input  wire                        m_axi_gmem1_wready,
    input  wire  [AXI_ID_WIDTH-1:0]    m_axi_gmem1_bid,
    input  wire  [1:0]                 m_axi_gmem1_bresp,
    input  wire                        m_axi_gmem1_bvalid,
    output wire                        m_axi_gmem1_bready,

    /*
     * Lanes (instantiated by the kernel top): 16 fp32 per beat
     */
    output wire                        lane_valid,
    output wire  [AXI_DATA_WIDTH-1:0]  lane_a,
    output wire  [AXI_DATA_WIDTH-1:0]  lane_b,
    input  wire                        lane_out_valid,
    input  wire  [AXI_DATA_WIDTH-1:0]  lane_out
);

import kernel_regs_pkg::*;

localparam int BEAT_BYTES      = 64;                   // 16 fp32
localparam int MAX_BURST_BEATS = 4096 / BEAT_BYTES;    // one 4 KiB page per burst at most

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_N < 16 || MAX_N % 16 != 0) begin : g_check_max_n
    $error("elementwise_binary: MAX_N must be a multiple of 16, >= 16");
end
if (AXI_DATA_WIDTH != 8 * BEAT_BYTES) begin : g_check_data_width
    $error("elementwise_binary: AXI_DATA_WIDTH must be 512 (16 fp32 lanes)");
end
if (AXI_ADDR_WIDTH < 13 || AXI_ADDR_WIDTH > 64) begin : g_check_addr_width
    $error("elementwise_binary: AXI_ADDR_WIDTH must be in 13..64");
end
if (AXI_ID_WIDTH < 1) begin : g_check_id_width
    $error("elementwise_binary: AXI_ID_WIDTH must be >= 1");
end
if (ARG_A + 1 >= ARG_WORDS || ARG_B + 1 >= ARG_WORDS || ARG_OUT + 1 >= ARG_WORDS || ARG_N >= ARG_WORDS)
        begin : g_check_args
    $error("elementwise_binary: an argument slot lies outside ARG_WORDS");
end

/*
 * Control block
 */
wire                    core_start;
wire [ARG_WORDS*32-1:0] core_args;
logic                   core_done;
logic [3:0]             core_status;

kernel_control #(
    .ARG_WORDS(ARG_WORDS),
    .ARG_WORD_MASK(ARG_WORD_MASK),
    .KERNEL_ID(KERNEL_ID)
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
    STATE_RUN     // waits for the commands to be taken, both reads and the last write
} state_t;

state_t               state_reg, state_next;

// Arguments (snapshot at core_start): datapath, not reset.
logic [63:0]          a_ptr_reg, a_ptr_next;
logic [63:0]          b_ptr_reg, b_ptr_next;
logic [63:0]          out_ptr_reg, out_ptr_next;
logic [31:0]          n_reg, n_next;

// Transfers: command pending, transfer finished; errors seen.
logic                 a_cmd_reg, a_cmd_next;
logic                 b_cmd_reg, b_cmd_next;
logic                 o_cmd_reg, o_cmd_next;
logic                 a_done_reg, a_done_next;
logic                 b_done_reg, b_done_next;
logic                 o_done_reg, o_done_next;
logic                 rd_err_reg, rd_err_next;
logic                 wr_err_reg, wr_err_next;
logic                 cfg_err_reg, cfg_err_next;
logic                 done_reg, done_next;

// Streams.
wire                  a_cmd_ready, b_cmd_ready, o_cmd_ready;
wire                  a_rd_error, b_rd_error, o_wr_error;
wire                  a_rd_done, b_rd_done, o_wr_done;
wire                  a_rd_busy, b_rd_busy, o_wr_busy;
wire [AXI_DATA_WIDTH-1:0] a_tdata, b_tdata, o_tdata;
wire                  a_tvalid, b_tvalid, o_tvalid;
wire                  a_tready, b_tready, o_tready;
wire                  a_tlast, b_tlast;

// The streams are framed by the beat count; busy/tlast are not needed.
wire unused_stream = &{1'b0, a_tlast, b_tlast, a_rd_busy, b_rd_busy, o_wr_busy};
// The high word of n reads as zero (ARG_WORD_MASK) and carries nothing.
wire unused_args = &{1'b0, core_args};

// Argument check (combinational from the snapshot, used in STATE_CHECK).
logic                 args_ok;
logic [63:0]          ptr_or;
logic [31:0]          beats;

always_comb begin
    state_next   = state_reg;
    a_ptr_next   = a_ptr_reg;
    b_ptr_next   = b_ptr_reg;
    out_ptr_next = out_ptr_reg;
    n_next       = n_reg;
    a_cmd_next   = a_cmd_reg && !a_cmd_ready;
    b_cmd_next   = b_cmd_reg && !b_cmd_ready;
    o_cmd_next   = o_cmd_reg && !o_cmd_ready;
    a_done_next  = a_done_reg || a_rd_done;
    b_done_next  = b_done_reg || b_rd_done;
    o_done_next  = o_done_reg || o_wr_done;
    rd_err_next  = rd_err_reg || (a_rd_done && a_rd_error) || (b_rd_done && b_rd_error);
    wr_err_next  = wr_err_reg || (o_wr_done && o_wr_error);
    cfg_err_next = cfg_err_reg;
    done_next    = 1'b0;

    // Pointers beat aligned and inside the address width; n a whole number of beats.
    ptr_or  = a_ptr_reg | b_ptr_reg | out_ptr_reg;
    args_ok = ptr_or[5:0] == 6'd0 && (ptr_or >> AXI_ADDR_WIDTH) == 64'd0
           && n_reg >= 32'd16 && n_reg <= 32'(MAX_N) && n_reg[3:0] == 4'd0;
    beats   = n_reg >> 4;

    case (state_reg)
        STATE_IDLE: begin
            if (core_start) begin
                a_ptr_next   = core_args[32 * ARG_A +: 64];
                b_ptr_next   = core_args[32 * ARG_B +: 64];
                out_ptr_next = core_args[32 * ARG_OUT +: 64];
                n_next       = core_args[32 * ARG_N +: 32];
                a_done_next  = 1'b0;
                b_done_next  = 1'b0;
                o_done_next  = 1'b0;
                rd_err_next  = 1'b0;
                wr_err_next  = 1'b0;
                cfg_err_next = 1'b0;
                state_next   = STATE_CHECK;
            end
        end
        STATE_CHECK: begin
            if (args_ok) begin
                a_cmd_next = 1'b1;
                b_cmd_next = 1'b1;
                o_cmd_next = 1'b1;
                state_next = STATE_RUN;
            end else begin
                // Out of range: report and finish without any memory access.
                cfg_err_next = 1'b1;
                done_next    = 1'b1;
                state_next   = STATE_IDLE;
            end
        end
        STATE_RUN: begin
            if (!a_cmd_next && !b_cmd_next && !o_cmd_next && a_done_next && b_done_next && o_done_next) begin
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
    a_ptr_reg   <= a_ptr_next;
    b_ptr_reg   <= b_ptr_next;
    out_ptr_reg <= out_ptr_next;
    n_reg       <= n_next;
    a_cmd_reg   <= a_cmd_next;
    b_cmd_reg   <= b_cmd_next;
    o_cmd_reg   <= o_cmd_next;
    a_done_reg  <= a_done_next;
    b_done_reg  <= b_done_next;
    o_done_reg  <= o_done_next;
    rd_err_reg  <= rd_err_next;
    wr_err_reg  <= wr_err_next;
    cfg_err_reg <= cfg_err_next;
    done_reg    <= done_next;

    if (rst) begin
        state_reg   <= STATE_IDLE;
        a_cmd_reg   <= 1'b0;
        b_cmd_reg   <= 1'b0;
        o_cmd_reg   <= 1'b0;
        a_done_reg  <= 1'b0;
        b_done_reg  <= 1'b0;
        o_done_reg  <= 1'b0;
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
 * Transfers: a (gmem0 read), b (gmem1 read), out (gmem1 write)
 */
axi_read_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(4)  // 256 beats in flight: a beat per cycle at tens of cycles of latency
) axi_read_stream_a_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(a_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(beats),
    .cmd_valid(a_cmd_reg),
    .cmd_ready(a_cmd_ready),
    .busy(a_rd_busy),
    .error(a_rd_error),
    .done(a_rd_done),
    .m_axis_tdata(a_tdata),
    .m_axis_tlast(a_tlast),
    .m_axis_tvalid(a_tvalid),
    .m_axis_tready(a_tready),
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

axi_read_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(4)
) axi_read_stream_b_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(b_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(beats),
    .cmd_valid(b_cmd_reg),
    .cmd_ready(b_cmd_ready),
    .busy(b_rd_busy),
    .error(b_rd_error),
    .done(b_rd_done),
    .m_axis_tdata(b_tdata),
    .m_axis_tlast(b_tlast),
    .m_axis_tvalid(b_tvalid),
    .m_axis_tready(b_tready),
    .m_axi_arid(m_axi_gmem1_arid),
    .m_axi_araddr(m_axi_gmem1_araddr),
    .m_axi_arlen(m_axi_gmem1_arlen),
    .m_axi_arsize(m_axi_gmem1_arsize),
    .m_axi_arburst(m_axi_gmem1_arburst),
    .m_axi_arlock(m_axi_gmem1_arlock),
    .m_axi_arcache(m_axi_gmem1_arcache),
    .m_axi_arprot(m_axi_gmem1_arprot),
    .m_axi_arqos(m_axi_gmem1_arqos),
    .m_axi_arregion(m_axi_gmem1_arregion),
    .m_axi_arvalid(m_axi_gmem1_arvalid),
    .m_axi_arready(m_axi_gmem1_arready),
    .m_axi_rid(m_axi_gmem1_rid),
    .m_axi_rdata(m_axi_gmem1_rdata),
    .m_axi_rresp(m_axi_gmem1_rresp),
    .m_axi_rlast(m_axi_gmem1_rlast),
    .m_axi_rvalid(m_axi_gmem1_rvalid),
    .m_axi_rready(m_axi_gmem1_rready)
);

axi_write_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(8)
) axi_write_stream_out_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(out_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(beats),
    .cmd_valid(o_cmd_reg),
    .cmd_ready(o_cmd_ready),
    .busy(o_wr_busy),
    .error(o_wr_error),
    .done(o_wr_done),
    .s_axis_tdata(o_tdata),
    .s_axis_tvalid(o_tvalid),
    .s_axis_tready(o_tready),
    .m_axi_awid(m_axi_gmem1_awid),
    .m_axi_awaddr(m_axi_gmem1_awaddr),
    .m_axi_awlen(m_axi_gmem1_awlen),
    .m_axi_awsize(m_axi_gmem1_awsize),
    .m_axi_awburst(m_axi_gmem1_awburst),
    .m_axi_awlock(m_axi_gmem1_awlock),
    .m_axi_awcache(m_axi_gmem1_awcache),
    .m_axi_awprot(m_axi_gmem1_awprot),
    .m_axi_awqos(m_axi_gmem1_awqos),
    .m_axi_awregion(m_axi_gmem1_awregion),
    .m_axi_awvalid(m_axi_gmem1_awvalid),
    .m_axi_awready(m_axi_gmem1_awready),
    .m_axi_wdata(m_axi_gmem1_wdata),
    .m_axi_wstrb(m_axi_gmem1_wstrb),
    .m_axi_wlast(m_axi_gmem1_wlast),
    .m_axi_wvalid(m_axi_gmem1_wvalid),
    .m_axi_wready(m_axi_gmem1_wready),
    .m_axi_bid(m_axi_gmem1_bid),
    .m_axi_bresp(m_axi_gmem1_bresp),
    .m_axi_bvalid(m_axi_gmem1_bvalid),
    .m_axi_bready(m_axi_gmem1_bready)
);

/*
 * Datapath: beat pairs -> lanes -> results
 */
elementwise_core #(
    .A_WIDTH(AXI_DATA_WIDTH),
    .B_WIDTH(AXI_DATA_WIDTH),
    .OUT_WIDTH(AXI_DATA_WIDTH),
    .LANE_LATENCY(LANE_LATENCY)
) elementwise_core_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_a_tdata(a_tdata),
    .s_axis_a_tvalid(a_tvalid),
    .s_axis_a_tready(a_tready),
    .s_axis_b_tdata(b_tdata),
    .s_axis_b_tvalid(b_tvalid),
    .s_axis_b_tready(b_tready),
    .lane_valid(lane_valid),
    .lane_a(lane_a),
    .lane_b(lane_b),
    .lane_out_valid(lane_out_valid),
    .lane_out(lane_out),
    .m_axis_tdata(o_tdata),
    .m_axis_tvalid(o_tvalid),
    .m_axis_tready(o_tready)
);

endmodule

`default_nettype wire
