// SPDX-License-Identifier: Apache-2.0

/*
 * rmsnorm kernel: RMS normalisation of one fp32 vector
 *
 *   ss     = sum16(x[i] * x[i])             (16-lane adder tree per beat, beat sums in order)
 *   inv    = rsqrt((ss * inv_n) + EPS)      (EPS = fp32(1e-5) = 0x3727c5ac)
 *   out[i] = w[i] * (inv * x[i]),  i < n
 *
 * every operation one fp32 operation (RNE, subnormals flushed, canonical NaN);
 * numerics: hlstransform.model.hwmodel.rmsnorm (docs/numerics.md section 6,
 * docs/kernels/rmsnorm.md). inv_n is a host constant, the fp32 bit pattern of
 * 1/n correctly rounded (hwmodel.inv_n); the kernel takes it as it is.
 *
 * The per-layer kernel of DESIGN.md section 7 with the HLS kernel interface
 * of section 6: s_axi_control (kernel_control; arguments x, w, out, n, inv_n
 * of rtl/regmap.toml), interrupt, and one 512-bit AXI4 master m_axi_gmem0 that
 * reads x and w and writes out. The arithmetic is rmsnorm_core (shared with
 * the forward kernel); this wrapper adds the control, the checks, the AXI
 * movers and an on-chip x buffer.
 *
 * A run: the arguments are checked (n a multiple of 16 in 16..MAX_N, pointers
 * 64-byte aligned and inside the AXI address width); a bad one sets
 * STATUS.CONFIG_ERROR and ends the run at once, before any memory access.
 * Otherwise one read stream fetches x (n/16 beats), then w; the write stream
 * takes out:
 * 1. x beats land in the buffer (MAX_N/16 beats, block RAM), one per cycle,
 *    so x is read from memory once and the R channel is never held;
 * 2. the buffer is read back for the core's first pass (the sum of squares)
 *    as fast as it takes beats, starting with the first beat written, while
 *    w already streams into the read stream's FIFO;
 * 3. the buffer is read again for the second pass, which the core joins with
 *    w once inv is known; results leave for out, a beat per cycle when memory
 *    keeps up.
 * out may be x (in place: every x beat is on chip before the first result is
 * written) but must not overlap x or w otherwise. SLVERR/DECERR sets
 * STATUS.AXI_READ_ERROR / AXI_WRITE_ERROR; every transfer still completes (a
 * failed read beat carries undefined data), so the run always ends with done.
 */

`default_nettype none

module rmsnorm #(
    // Largest n argument, elements (a multiple of 16, 16..2**20); sizes the x buffer (MAX_N/16 beats)
    parameter int MAX_N          = 8192,
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
     * AXI4 master: m_axi_gmem0 (x and w reads, out writes)
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

localparam int BEAT_BYTES      = 64;                         // 16 fp32
localparam int MAX_BURST_BEATS = 4096 / BEAT_BYTES;          // one 4 KiB page per burst at most
localparam int BUF_BEATS       = MAX_N / 16;                 // x buffer, beats
localparam int BUF_IDX_WIDTH   = BUF_BEATS > 1 ? $clog2(BUF_BEATS) : 1;
localparam int CNT_WIDTH       = $clog2(BUF_BEATS + 1);      // holds 0..BUF_BEATS

// Argument word indexes in core_args (rtl/regmap.toml via kernel_regs_pkg).
localparam int ARG_X     = (int'(RMSNORM_ARG_X) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_W     = (int'(RMSNORM_ARG_W) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_OUT   = (int'(RMSNORM_ARG_OUT) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_N     = (int'(RMSNORM_ARG_N) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_INV_N = (int'(RMSNORM_ARG_INV_N) - int'(CTRL_ARG_BASE)) / 4;

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_N < 16 || MAX_N > (1 << 20) || MAX_N % 16 != 0) begin : g_check_max_n
    $error("rmsnorm: MAX_N must be a multiple of 16 in 16..2**20");
end
if (AXI_DATA_WIDTH != 8 * BEAT_BYTES) begin : g_check_data_width
    $error("rmsnorm: AXI_DATA_WIDTH must be 512 (16 fp32 lanes)");
end
if (AXI_ADDR_WIDTH < 13 || AXI_ADDR_WIDTH > 64) begin : g_check_addr_width
    $error("rmsnorm: AXI_ADDR_WIDTH must be in 13..64");
end
if (AXI_ID_WIDTH < 1) begin : g_check_id_width
    $error("rmsnorm: AXI_ID_WIDTH must be >= 1");
end

/*
 * Control block
 */
wire                            core_start;
wire [RMSNORM_ARG_WORDS*32-1:0] core_args;
logic                           core_done;
logic [3:0]                     core_status;

// The high words of the u32 arguments read as zero (ARG_WORD_MASK) and carry nothing.
wire unused_args = &{1'b0, core_args};

kernel_control #(
    .ARG_WORDS(RMSNORM_ARG_WORDS),
    .ARG_WORD_MASK(RMSNORM_ARG_WORD_MASK),
    .KERNEL_ID(RMSNORM_KERNEL_ID)
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
    STATE_RUN     // waits for the commands to be taken, both reads, the core and the last write
} state_t;

state_t                    state_reg, state_next;

// Arguments (snapshot at core_start) and derived values: datapath, not reset.
logic [63:0]               x_ptr_reg, x_ptr_next;
logic [63:0]               w_ptr_reg, w_ptr_next;
logic [63:0]               out_ptr_reg, out_ptr_next;
logic [31:0]               n_reg, n_next;
logic [31:0]               inv_n_reg, inv_n_next;
logic [CNT_WIDTH-1:0]      beats_reg, beats_next;         // n / 16

// Transfers: command pending (x first, then w), finished; the core's run; errors.
logic                      x_cmd_reg, x_cmd_next;
logic                      w_cmd_reg, w_cmd_next;
logic                      o_cmd_reg, o_cmd_next;
logic [1:0]                rd_dones_reg, rd_dones_next;   // read commands finished (2: both)
logic                      o_done_reg, o_done_next;
logic                      c_start_reg, c_start_next;     // core start pulse
logic                      c_done_reg, c_done_next;       // core run finished
logic                      rd_err_reg, rd_err_next;
logic                      wr_err_reg, wr_err_next;
logic                      cfg_err_reg, cfg_err_next;
logic                      done_reg, done_next;

// x buffer: written from the first read frame, read back twice (the core's two passes).
logic [AXI_DATA_WIDTH-1:0] xbuf_mem [0:BUF_BEATS-1];
logic                      x_wr_en;
logic [CNT_WIDTH-1:0]      x_wr_reg, x_wr_next;           // x beats in the buffer
logic                      x_loaded_reg, x_loaded_next;   // all of them: the read stream carries w now
logic                      xb_rd_en;
logic [CNT_WIDTH-1:0]      xb_rd_reg, xb_rd_next;         // next buffer beat to read
logic                      xb_pass2_reg, xb_pass2_next;   // reading the second pass
logic                      xb_valid_reg, xb_valid_next;   // buffer output register holds a beat
logic [AXI_DATA_WIDTH-1:0] xb_data_reg;                   // buffer output register (block RAM)

// Buffer read-back stream (skid buffer output) into the core.
wire [AXI_DATA_WIDTH-1:0]  xs_tdata;
wire                       xs_tvalid, xs_tready;
wire                       xb_s_ready;

// Streams.
wire                       rd_cmd_ready, o_cmd_ready;
wire                       rd_error, o_wr_error;
wire                       rd_done, o_wr_done;
wire                       rd_busy, o_wr_busy;
wire [AXI_DATA_WIDTH-1:0]  rd_tdata, o_tdata;
wire                       rd_tvalid, o_tvalid, o_tready;
logic                      rd_tready;
wire                       rd_tlast;
logic                      rd_cmd_valid;
logic [63:0]               rd_cmd_addr;
wire                       w_tready;

// Core status.
wire                       c_busy, c_done;

wire                       xs_tlast, o_tlast;

// The streams are framed by the beat counts; busy/tlast are not needed.
wire unused_stream = &{1'b0, rd_tlast, rd_busy, o_wr_busy, xs_tlast, o_tlast, c_busy};

// Result beats into the write stream: the testbench's probe of the lanes' rate (the lanes
// issue a pair per cycle exactly when results leave at that rate).
wire lane_valid = o_tvalid && o_tready;
wire unused_probe = &{1'b0, lane_valid};

// Argument check (combinational from the snapshot, used in STATE_CHECK).
logic                      args_ok;
logic [63:0]               ptr_or;

always_comb begin
    state_next    = state_reg;
    x_ptr_next    = x_ptr_reg;
    w_ptr_next    = w_ptr_reg;
    out_ptr_next  = out_ptr_reg;
    n_next        = n_reg;
    inv_n_next    = inv_n_reg;
    beats_next    = beats_reg;
    x_cmd_next    = x_cmd_reg;
    w_cmd_next    = w_cmd_reg;
    o_cmd_next    = o_cmd_reg && !o_cmd_ready;
    rd_dones_next = rd_dones_reg + 2'(rd_done);
    o_done_next   = o_done_reg || o_wr_done;
    c_start_next  = 1'b0;
    c_done_next   = c_done_reg || c_done;
    rd_err_next   = rd_err_reg || (rd_done && rd_error);
    wr_err_next   = wr_err_reg || (o_wr_done && o_wr_error);
    cfg_err_next  = cfg_err_reg;
    done_next     = 1'b0;
    x_wr_next     = x_wr_reg;
    x_loaded_next = x_loaded_reg;
    xb_rd_next    = xb_rd_reg;
    xb_pass2_next = xb_pass2_reg;
    xb_valid_next = xb_valid_reg;

    // One read stream, two commands: x, then w.
    rd_cmd_valid = x_cmd_reg || w_cmd_reg;
    rd_cmd_addr  = x_cmd_reg ? x_ptr_reg : w_ptr_reg;
    if (rd_cmd_ready) begin
        if (x_cmd_reg) begin
            x_cmd_next = 1'b0;
        end else begin
            w_cmd_next = 1'b0;
        end
    end

    // The first n/16 beats fill the x buffer (always ready: R never waits on the sum);
    // the rest are w, for the core, which takes them once inv is known.
    rd_tready = x_loaded_reg ? w_tready : 1'b1;
    x_wr_en   = !x_loaded_reg && rd_tvalid;
    if (x_wr_en) begin
        x_wr_next = x_wr_reg + 1'b1;
        if (x_wr_reg == beats_reg - 1'b1) begin
            x_loaded_next = 1'b1;
        end
    end

    // Buffer read-back into its output register whenever that is empty or moving on: the
    // first pass reads beats already written, the second (queued right behind it; the core
    // holds it until inv is known) all of them.
    if (xb_valid_reg && xb_s_ready) begin
        xb_valid_next = 1'b0;
    end
    xb_rd_en = xb_rd_reg != beats_reg && (xb_pass2_reg || xb_rd_reg < x_wr_reg)
            && (!xb_valid_reg || xb_s_ready);
    if (xb_rd_en) begin
        xb_valid_next = 1'b1;
        xb_rd_next    = xb_rd_reg + 1'b1;
        if (!xb_pass2_reg && xb_rd_reg == beats_reg - 1'b1) begin
            xb_rd_next    = '0;
            xb_pass2_next = 1'b1;
        end
    end

    // Pointers beat aligned and inside the address width; n a whole number of beats in range.
    ptr_or  = x_ptr_reg | w_ptr_reg | out_ptr_reg;
    args_ok = ptr_or[5:0] == 6'd0 && (ptr_or >> AXI_ADDR_WIDTH) == 64'd0
           && n_reg >= 32'd16 && n_reg <= 32'(MAX_N) && n_reg[3:0] == 4'd0;

    case (state_reg)
        STATE_IDLE: begin
            if (core_start) begin
                x_ptr_next    = core_args[32 * ARG_X +: 64];
                w_ptr_next    = core_args[32 * ARG_W +: 64];
                out_ptr_next  = core_args[32 * ARG_OUT +: 64];
                n_next        = core_args[32 * ARG_N +: 32];
                inv_n_next    = core_args[32 * ARG_INV_N +: 32];
                rd_dones_next = 2'd0;
                o_done_next   = 1'b0;
                c_done_next   = 1'b0;
                rd_err_next   = 1'b0;
                wr_err_next   = 1'b0;
                cfg_err_next  = 1'b0;
                x_wr_next     = '0;
                x_loaded_next = 1'b0;
                xb_rd_next    = '0;
                xb_pass2_next = 1'b0;
                state_next    = STATE_CHECK;
            end
        end
        STATE_CHECK: begin
            beats_next = CNT_WIDTH'(n_reg >> 4);
            if (args_ok) begin
                x_cmd_next   = 1'b1;
                w_cmd_next   = 1'b1;
                o_cmd_next   = 1'b1;
                c_start_next = 1'b1;
                state_next   = STATE_RUN;
            end else begin
                // Out of range: report and finish without any memory access.
                cfg_err_next = 1'b1;
                done_next    = 1'b1;
                state_next   = STATE_IDLE;
            end
        end
        STATE_RUN: begin
            if (!x_cmd_next && !w_cmd_next && !o_cmd_next && rd_dones_next == 2'd2 && o_done_next
                    && c_done_next) begin
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
    state_reg    <= state_next;
    x_ptr_reg    <= x_ptr_next;
    w_ptr_reg    <= w_ptr_next;
    out_ptr_reg  <= out_ptr_next;
    n_reg        <= n_next;
    inv_n_reg    <= inv_n_next;
    beats_reg    <= beats_next;
    x_cmd_reg    <= x_cmd_next;
    w_cmd_reg    <= w_cmd_next;
    o_cmd_reg    <= o_cmd_next;
    rd_dones_reg <= rd_dones_next;
    o_done_reg   <= o_done_next;
    c_start_reg  <= c_start_next;
    c_done_reg   <= c_done_next;
    rd_err_reg   <= rd_err_next;
    wr_err_reg   <= wr_err_next;
    cfg_err_reg  <= cfg_err_next;
    done_reg     <= done_next;
    x_wr_reg     <= x_wr_next;
    x_loaded_reg <= x_loaded_next;
    xb_rd_reg    <= xb_rd_next;
    xb_pass2_reg <= xb_pass2_next;
    xb_valid_reg <= xb_valid_next;

    if (rst) begin
        state_reg    <= STATE_IDLE;
        beats_reg    <= '0;
        x_cmd_reg    <= 1'b0;
        w_cmd_reg    <= 1'b0;
        o_cmd_reg    <= 1'b0;
        rd_dones_reg <= 2'd0;
        o_done_reg   <= 1'b0;
        c_start_reg  <= 1'b0;
        c_done_reg   <= 1'b0;
        rd_err_reg   <= 1'b0;
        wr_err_reg   <= 1'b0;
        cfg_err_reg  <= 1'b0;
        done_reg     <= 1'b0;
        x_wr_reg     <= '0;
        x_loaded_reg <= 1'b1;  // no x to load outside a run
        xb_rd_reg    <= '0;
        xb_pass2_reg <= 1'b0;
        xb_valid_reg <= 1'b0;
    end
end

// x buffer storage in its own block, without reset, so synthesis maps it (with xb_data_reg
// as the output register) to block RAM: one write port (R channel), one read port.
always_ff @(posedge clk) begin
    if (x_wr_en) begin
        xbuf_mem[x_wr_reg[BUF_IDX_WIDTH-1:0]] <= rd_tdata;
    end
    if (xb_rd_en) begin
        xb_data_reg <= xbuf_mem[xb_rd_reg[BUF_IDX_WIDTH-1:0]];
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
 * Transfers: x then w (gmem0 reads, one stream), out (gmem0 writes)
 */
axi_read_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(4)  // 256 beats in flight: a beat per cycle at tens of cycles of latency; w waits here for inv
) axi_read_stream_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(rd_cmd_addr[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(32'(beats_reg)),
    .cmd_valid(rd_cmd_valid),
    .cmd_ready(rd_cmd_ready),
    .busy(rd_busy),
    .error(rd_error),
    .done(rd_done),
    .m_axis_tdata(rd_tdata),
    .m_axis_tlast(rd_tlast),
    .m_axis_tvalid(rd_tvalid),
    .m_axis_tready(rd_tready),
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
    .cmd_beats(32'(beats_reg)),
    .cmd_valid(o_cmd_reg),
    .cmd_ready(o_cmd_ready),
    .busy(o_wr_busy),
    .error(o_wr_error),
    .done(o_wr_done),
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
 * Buffer read-back: output register -> skid buffer (keeps the core's ready off the block
 * RAM enable) -> the core's x stream
 */
axis_skid_buffer #(
    .DATA_WIDTH(AXI_DATA_WIDTH)
) axis_skid_buffer_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(xb_data_reg),
    .s_axis_tlast(1'b0),
    .s_axis_tvalid(xb_valid_reg),
    .s_axis_tready(xb_s_ready),
    .m_axis_tdata(xs_tdata),
    .m_axis_tlast(xs_tlast),
    .m_axis_tvalid(xs_tvalid),
    .m_axis_tready(xs_tready)
);

/*
 * Datapath: sum of squares, inv, scaling lanes
 */
rmsnorm_core rmsnorm_core_inst (
    .clk(clk),
    .rst(rst),
    .start(c_start_reg),
    .cfg_n(n_reg),
    .cfg_inv_n(inv_n_reg),
    .busy(c_busy),
    .done(c_done),
    .s_axis_x_tdata(xs_tdata),
    .s_axis_x_tvalid(xs_tvalid),
    .s_axis_x_tready(xs_tready),
    .s_axis_w_tdata(rd_tdata),
    .s_axis_w_tvalid(rd_tvalid && x_loaded_reg),
    .s_axis_w_tready(w_tready),
    .m_axis_out_tdata(o_tdata),
    .m_axis_out_tvalid(o_tvalid),
    .m_axis_out_tready(o_tready),
    .m_axis_out_tlast(o_tlast)
);

endmodule

`default_nettype wire
