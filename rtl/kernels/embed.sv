// SPDX-License-Identifier: Apache-2.0

/*
 * embed kernel: dequantize one row of a Q8_0 embedding table
 *
 *   out[i] = (float) q[token * dim + i] * s[(token * dim + i) / group_size],  i < dim
 *
 * (one fp32 multiply per element; numerics: hlstransform.model.numerics.embed_row,
 * docs/kernels/elementwise.md). The table is int8 values, vocab x dim,
 * row-major from q, and fp32 scales, vocab x dim / group_size, row-major
 * from s (the canonical image puts s right after the values, at
 * q + align_up(vocab * dim, 64)).
 *
 * The per-layer kernel of DESIGN.md section 7 with the HLS kernel interface
 * of section 6: s_axi_control (kernel_control; arguments q, s, out, token,
 * dim, vocab, group_size of rtl/regmap.toml), interrupt, and one 512-bit
 * AXI4 master m_axi_gmem0 that reads the scales and values and writes out.
 *
 * A run: the arguments are checked (group_size 32 or 64, dim a multiple of
 * group_size in group_size..MAX_DIM, token < vocab, pointers 64-byte aligned
 * and inside the AXI address width); a bad one sets STATUS.CONFIG_ERROR and
 * ends the run at once, before any memory access. Otherwise one read stream
 * fetches the beats holding the row's dim / group_size scales, then the beats
 * holding its dim values. A row need not start on a beat: its values start at
 * a 16-byte quarter of a beat (dim is a multiple of 32) and its scales at any
 * word, so a realigner drops the words before the row's start and hands
 * embed_core (rtl/kernels/embed_core.sv: scale buffer, 16 ew_dequant lanes
 * behind elementwise_core; the datapath the forward kernel shares, whose rows
 * are beat aligned) the aligned scale beats, then the aligned value beats,
 * through a register slice (axis_skid_buffer) so the core's ready never runs
 * into the realigner's counters in the same cycle.
 * Results leave the core at one beat per cycle while a value beat is read
 * every fourth cycle. SLVERR/DECERR sets STATUS.AXI_READ_ERROR /
 * AXI_WRITE_ERROR and the run still ends with done.
 */

`default_nettype none

module embed #(
    // Largest dim argument, elements (a multiple of 64, 64..65536); sizes the scale buffer
    parameter int MAX_DIM        = 8192,
    // Width of the m_axi data bus, bits (512: 64 int8 values, 16 fp32 results per beat)
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
     * AXI4 master: m_axi_gmem0 (scale and value reads, result writes)
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

localparam int BEAT_BYTES      = 64;                          // 64 int8 values, 16 fp32 results
localparam int MAX_BURST_BEATS = 4096 / BEAT_BYTES;           // one 4 KiB page per burst at most
localparam int DIM_WIDTH       = $clog2(MAX_DIM + 1);         // holds 0..MAX_DIM
localparam int RA_WIDTH        = $clog2(MAX_DIM / 64 + 3);    // beats of one realigned frame, either side

// Argument word indexes in core_args (rtl/regmap.toml via kernel_regs_pkg).
localparam int ARG_Q     = (int'(EMBED_ARG_Q) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_S     = (int'(EMBED_ARG_S) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_OUT   = (int'(EMBED_ARG_OUT) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_TOKEN = (int'(EMBED_ARG_TOKEN) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_DIM   = (int'(EMBED_ARG_DIM) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_VOCAB = (int'(EMBED_ARG_VOCAB) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_GS    = (int'(EMBED_ARG_GROUP_SIZE) - int'(CTRL_ARG_BASE)) / 4;

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
// MAX_DIM is checked by embed_core.
if (AXI_DATA_WIDTH != 8 * BEAT_BYTES) begin : g_check_data_width
    $error("embed: AXI_DATA_WIDTH must be 512 (16 fp32 lanes)");
end
if (AXI_ADDR_WIDTH < 13 || AXI_ADDR_WIDTH > 64) begin : g_check_addr_width
    $error("embed: AXI_ADDR_WIDTH must be in 13..64");
end
if (AXI_ID_WIDTH < 1) begin : g_check_id_width
    $error("embed: AXI_ID_WIDTH must be >= 1");
end

/*
 * Control block
 */
wire                          core_start;
wire [EMBED_ARG_WORDS*32-1:0] core_args;
logic                         core_done;
logic [3:0]                   core_status;

// The high words of the u32 arguments read as zero (ARG_WORD_MASK) and carry nothing.
wire unused_args = &{1'b0, core_args};

kernel_control #(
    .ARG_WORDS(EMBED_ARG_WORDS),
    .ARG_WORD_MASK(EMBED_ARG_WORD_MASK),
    .KERNEL_ID(EMBED_KERNEL_ID)
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
typedef enum logic [2:0] {
    STATE_IDLE,   // waits for core_start
    STATE_CHECK,  // checks the arguments
    STATE_ROW,    // multiplies out the row's first element index, token * dim
    STATE_SIZE,   // derives the scale and value transfers from it; starts the core
    STATE_RUN     // waits for the commands to be taken, both reads, the core and the last write
} state_t;

state_t                     state_reg, state_next;

// Arguments (snapshot at core_start) and derived values: datapath, not reset.
logic [63:0]                q_ptr_reg, q_ptr_next;
logic [63:0]                s_ptr_reg, s_ptr_next;
logic [63:0]                out_ptr_reg, out_ptr_next;
logic [31:0]                token_reg, token_next;
logic [31:0]                dim_reg, dim_next;
logic [31:0]                vocab_reg, vocab_next;
logic [31:0]                gs_reg, gs_next;
logic                       gs64_reg, gs64_next;
logic [47:0]                first_reg, first_next;       // token * dim: the row's first element
logic [63:0]                q_addr_reg, q_addr_next;     // first value beat
logic [31:0]                q_beats_reg, q_beats_next;   // value beats read
logic [3:0]                 q_word_reg, q_word_next;     // the row's first value word in it
logic [RA_WIDTH-1:0]        q_obeats_reg, q_obeats_next; // value beats to the core, ceil(dim / 64)
logic [63:0]                s_addr_reg, s_addr_next;     // first scale beat
logic [31:0]                s_beats_reg, s_beats_next;   // scale beats read

// Transfers and core: command pending (scales first, then values) / start pulse, finished;
// errors.
logic                       s_cmd_reg, s_cmd_next;
logic                       q_cmd_reg, q_cmd_next;
logic                       o_cmd_reg, o_cmd_next;
logic                       ec_start_reg, ec_start_next;
logic [1:0]                 rd_dones_reg, rd_dones_next;  // read commands finished (2: both)
logic                       o_done_reg, o_done_next;
logic                       ec_done_reg, ec_done_next;
logic                       rd_err_reg, rd_err_next;
logic                       wr_err_reg, wr_err_next;
logic                       cfg_err_reg, cfg_err_next;
logic                       done_reg, done_next;

// Realigner between the read stream and the core. A row need not start on a beat, the core
// wants it aligned: each frame (the scales, then the values) drops the first `word` 32-bit
// words of its first beat read, so output beat j is words word.. of read beat j followed by
// words ..word-1 of read beat j + 1. Reads and outputs differ by at most one beat: the extra
// read's words all go to the last output, or the last output comes from the held beat
// alone (flush). Word offset 0 passes beats straight through.
logic                       ra_frame_reg, ra_frame_next;          // 0: scales, 1: values
logic [3:0]                 ra_word_reg, ra_word_next;            // words to drop
logic [RA_WIDTH-1:0]        ra_in_left_reg, ra_in_left_next;      // beats still to read
logic [RA_WIDTH-1:0]        ra_out_left_reg, ra_out_left_next;    // beats still to hand on
// The counters' tests, kept in registers beside them: the handshakes read a flag instead of
// comparing a counter, so a counter compare never sits in front of ra_fire (logic depth).
logic                       ra_in_any_reg, ra_in_any_next;        // ra_in_left != 0
logic                       ra_out_any_reg, ra_out_any_next;      // ra_out_left != 0
logic                       ra_out_last_reg, ra_out_last_next;    // ra_out_left == 1
logic                       ra_hold_valid_reg, ra_hold_valid_next;
logic [AXI_DATA_WIDTH-1:0]  ra_hold_reg, ra_hold_next;            // the previous read beat
logic [2*AXI_DATA_WIDTH-1:0] ra_pair;                 // {read beat (0 to flush), held beat}
logic [AXI_DATA_WIDTH-1:0]  ra_tdata;
logic                       ra_tvalid;
wire                        ra_tready;
logic                       ra_fire;

// Streams.
wire                        rd_cmd_ready, o_cmd_ready;
wire                        rd_error, o_wr_error;
wire                        rd_done, o_wr_done;
wire                        rd_busy, o_wr_busy;
wire [AXI_DATA_WIDTH-1:0]   rd_tdata, o_tdata;
wire                        rd_tvalid, o_tvalid, o_tready, o_tlast;
logic                       rd_tready;
wire                        rd_tlast;
logic                       rd_cmd_valid;
logic [63:0]                rd_cmd_addr;
logic [31:0]                rd_cmd_beats;
wire                        core_q_tready, core_s_tready;
// Register slice between the realigner and the core: the core's tready, behind its credit
// and quarter logic, would otherwise run through the realigner's handshake into its
// counters in one cycle (logic depth). tlast carries the beat's frame (1: values).
wire [AXI_DATA_WIDTH-1:0]   cs_tdata;
wire                        cs_tvalid, cs_tready, cs_frame;
wire                        ec_busy, ec_done;

// The streams are framed by the beat counts; busy/tlast are not needed.
wire unused_stream = &{1'b0, rd_tlast, rd_busy, o_wr_busy, o_tlast, ec_busy};

// A result beat leaves the core: one per beat issued to its 16 ew_dequant lanes, in the same
// order, a fixed latency later while the write stream takes every beat (its FIFO holds two
// bursts). The lanes are inside embed_core; the testbench's lane monitor counts these.
wire                        lane_valid = o_tvalid && o_tready;
wire unused_probe = &{1'b0, lane_valid};

// Argument check and sizes (combinational, used in STATE_CHECK / STATE_SIZE).
logic                       args_ok;
logic [63:0]                ptr_or;
logic [63:0]                q_start, s_start;
logic [47:0]                s_first;                      // the row's first scale index
logic [31:0]                groups;                       // dim / group_size

// Both row starts are whole words (values: a 16-byte multiple; scales: 4 bytes).
wire unused_start = &{1'b0, q_start[1:0], s_start[1:0]};

// Realigner handshakes: word offset 0 passes through; otherwise the first read beat of a
// frame only fills the hold register, each further one completes an output beat, and a
// frame with as many reads as outputs ends with a flush of the held beat.
always_comb begin
    ra_pair    = {ra_in_any_reg ? rd_tdata : {AXI_DATA_WIDTH{1'b0}}, ra_hold_reg};
    if (ra_word_reg == 4'd0) begin
        ra_tdata  = rd_tdata;
        ra_tvalid = ra_out_any_reg && rd_tvalid;
        rd_tready = ra_out_any_reg && ra_tready;
    end else begin
        ra_tdata = AXI_DATA_WIDTH'(ra_pair >> {ra_word_reg, 5'd0});
        if (!ra_hold_valid_reg) begin
            ra_tvalid = 1'b0;
            rd_tready = ra_in_any_reg;
        end else if (ra_in_any_reg) begin
            ra_tvalid = rd_tvalid;
            rd_tready = ra_tready;
        end else begin
            ra_tvalid = ra_out_any_reg;
            rd_tready = 1'b0;
        end
    end
end

// The core takes the scales in full, then the values: each beat's frame picks the stream.
assign cs_tready = cs_frame ? core_q_tready : core_s_tready;

always_comb begin
    state_next         = state_reg;
    q_ptr_next         = q_ptr_reg;
    s_ptr_next         = s_ptr_reg;
    out_ptr_next       = out_ptr_reg;
    token_next         = token_reg;
    dim_next           = dim_reg;
    vocab_next         = vocab_reg;
    gs_next            = gs_reg;
    gs64_next          = gs64_reg;
    first_next         = first_reg;
    q_addr_next        = q_addr_reg;
    q_beats_next       = q_beats_reg;
    q_word_next        = q_word_reg;
    q_obeats_next      = q_obeats_reg;
    s_addr_next        = s_addr_reg;
    s_beats_next       = s_beats_reg;
    s_cmd_next         = s_cmd_reg;
    q_cmd_next         = q_cmd_reg;
    o_cmd_next         = o_cmd_reg && !o_cmd_ready;
    ec_start_next      = 1'b0;
    rd_dones_next      = rd_dones_reg + 2'(rd_done);
    o_done_next        = o_done_reg || o_wr_done;
    ec_done_next       = ec_done_reg || ec_done;
    rd_err_next        = rd_err_reg || (rd_done && rd_error);
    wr_err_next        = wr_err_reg || (o_wr_done && o_wr_error);
    cfg_err_next       = cfg_err_reg;
    done_next          = 1'b0;
    ra_frame_next      = ra_frame_reg;
    ra_word_next       = ra_word_reg;
    ra_in_left_next    = ra_in_left_reg;
    ra_out_left_next   = ra_out_left_reg;
    ra_in_any_next     = ra_in_any_reg;
    ra_out_any_next    = ra_out_any_reg;
    ra_out_last_next   = ra_out_last_reg;
    ra_hold_valid_next = ra_hold_valid_reg;
    ra_hold_next       = ra_hold_reg;

    // One read stream, two commands: the scales, then the values.
    rd_cmd_valid = s_cmd_reg || q_cmd_reg;
    rd_cmd_addr  = s_cmd_reg ? s_addr_reg : q_addr_reg;
    rd_cmd_beats = s_cmd_reg ? s_beats_reg : q_beats_reg;
    if (rd_cmd_ready) begin
        if (s_cmd_reg) begin
            s_cmd_next = 1'b0;
        end else begin
            q_cmd_next = 1'b0;
        end
    end

    // Realigner: a read beat is held for the next output; an output counts down its frame.
    // The scales' last output starts the values' frame (read beats already taken are the
    // scales', so the hold is dropped); the values' last output ends the run's reads.
    if (rd_tvalid && rd_tready) begin
        ra_in_left_next    = ra_in_left_reg - 1'b1;
        ra_in_any_next     = ra_in_left_reg != RA_WIDTH'(1);
        ra_hold_next       = rd_tdata;
        ra_hold_valid_next = 1'b1;
    end
    ra_fire = ra_tvalid && ra_tready;
    if (ra_fire) begin
        ra_out_left_next = ra_out_left_reg - 1'b1;
        ra_out_any_next  = !ra_out_last_reg;
        ra_out_last_next = ra_out_left_reg == RA_WIDTH'(2);
        if (!ra_in_any_reg) begin
            ra_hold_valid_next = 1'b0;  // flushed
        end
        if (ra_out_last_reg) begin
            ra_hold_valid_next = 1'b0;
            if (!ra_frame_reg) begin
                ra_frame_next    = 1'b1;
                ra_word_next     = q_word_reg;
                ra_in_left_next  = RA_WIDTH'(q_beats_reg);
                ra_out_left_next = q_obeats_reg;
                ra_in_any_next   = RA_WIDTH'(q_beats_reg) != '0;
                ra_out_any_next  = q_obeats_reg != '0;
                ra_out_last_next = q_obeats_reg == RA_WIDTH'(1);
            end
        end
    end

    // Pointers beat aligned and inside the address width; sizes in range (the core relies
    // on dim being a multiple of the group size in group_size..MAX_DIM).
    ptr_or  = q_ptr_reg | s_ptr_reg | out_ptr_reg;
    args_ok = ptr_or[5:0] == 6'd0 && (ptr_or >> AXI_ADDR_WIDTH) == 64'd0
           && (gs_reg == 32'd32 || gs_reg == 32'd64)
           && dim_reg >= gs_reg && dim_reg <= 32'(MAX_DIM) && (dim_reg & (gs_reg - 32'd1)) == 32'd0
           && token_reg < vocab_reg;

    // Row start: values at q + token * dim (a 32-byte multiple), scales at s + 4 * token * dim / GS.
    s_first = gs64_reg ? first_reg >> 6 : first_reg >> 5;
    q_start = q_ptr_reg + 64'(first_reg);
    s_start = s_ptr_reg + (64'(s_first) << 2);
    groups  = gs64_reg ? dim_reg >> 6 : dim_reg >> 5;

    case (state_reg)
        STATE_IDLE: begin
            if (core_start) begin
                q_ptr_next    = core_args[32 * ARG_Q +: 64];
                s_ptr_next    = core_args[32 * ARG_S +: 64];
                out_ptr_next  = core_args[32 * ARG_OUT +: 64];
                token_next    = core_args[32 * ARG_TOKEN +: 32];
                dim_next      = core_args[32 * ARG_DIM +: 32];
                vocab_next    = core_args[32 * ARG_VOCAB +: 32];
                gs_next       = core_args[32 * ARG_GS +: 32];
                rd_dones_next = 2'd0;
                o_done_next   = 1'b0;
                ec_done_next  = 1'b0;
                rd_err_next   = 1'b0;
                wr_err_next   = 1'b0;
                cfg_err_next  = 1'b0;
                state_next    = STATE_CHECK;
            end
        end
        STATE_CHECK: begin
            gs64_next = gs_reg[6];
            if (args_ok) begin
                state_next = STATE_ROW;
            end else begin
                // Out of range: report and finish without any memory access.
                cfg_err_next = 1'b1;
                done_next    = 1'b1;
                state_next   = STATE_IDLE;
            end
        end
        STATE_ROW: begin
            first_next = 48'(token_reg) * 48'(dim_reg[DIM_WIDTH-1:0]);
            state_next = STATE_SIZE;
        end
        STATE_SIZE: begin
            // Reads cover the beats holding the row; the realigner hands the core
            // ceil(groups / 16) scale beats, then ceil(dim / 64) value beats.
            q_addr_next        = {q_start[63:6], 6'd0};
            q_word_next        = q_start[5:2];
            q_beats_next       = (32'(q_start[5:0]) + dim_reg + 32'd63) >> 6;
            q_obeats_next      = RA_WIDTH'((dim_reg + 32'd63) >> 6);
            s_addr_next        = {s_start[63:6], 6'd0};
            s_beats_next       = (32'(s_start[5:2]) + groups + 32'd15) >> 4;
            ra_frame_next      = 1'b0;
            ra_word_next       = s_start[5:2];
            ra_in_left_next    = RA_WIDTH'((32'(s_start[5:2]) + groups + 32'd15) >> 4);
            ra_out_left_next   = RA_WIDTH'((groups + 32'd15) >> 4);
            ra_in_any_next     = RA_WIDTH'((32'(s_start[5:2]) + groups + 32'd15) >> 4) != '0;
            ra_out_any_next    = RA_WIDTH'((groups + 32'd15) >> 4) != '0;
            ra_out_last_next   = RA_WIDTH'((groups + 32'd15) >> 4) == RA_WIDTH'(1);
            ra_hold_valid_next = 1'b0;
            s_cmd_next         = 1'b1;
            q_cmd_next         = 1'b1;
            o_cmd_next         = 1'b1;
            ec_start_next      = 1'b1;
            state_next         = STATE_RUN;
        end
        STATE_RUN: begin
            if (!s_cmd_next && !q_cmd_next && !o_cmd_next && rd_dones_next == 2'd2 && ec_done_next
                    && o_done_next) begin
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
    state_reg         <= state_next;
    q_ptr_reg         <= q_ptr_next;
    s_ptr_reg         <= s_ptr_next;
    out_ptr_reg       <= out_ptr_next;
    token_reg         <= token_next;
    dim_reg           <= dim_next;
    vocab_reg         <= vocab_next;
    gs_reg            <= gs_next;
    gs64_reg          <= gs64_next;
    first_reg         <= first_next;
    q_addr_reg        <= q_addr_next;
    q_beats_reg       <= q_beats_next;
    q_word_reg        <= q_word_next;
    q_obeats_reg      <= q_obeats_next;
    s_addr_reg        <= s_addr_next;
    s_beats_reg       <= s_beats_next;
    s_cmd_reg         <= s_cmd_next;
    q_cmd_reg         <= q_cmd_next;
    o_cmd_reg         <= o_cmd_next;
    ec_start_reg      <= ec_start_next;
    rd_dones_reg      <= rd_dones_next;
    o_done_reg        <= o_done_next;
    ec_done_reg       <= ec_done_next;
    rd_err_reg        <= rd_err_next;
    wr_err_reg        <= wr_err_next;
    cfg_err_reg       <= cfg_err_next;
    done_reg          <= done_next;
    ra_frame_reg      <= ra_frame_next;
    ra_word_reg       <= ra_word_next;
    ra_in_left_reg    <= ra_in_left_next;
    ra_out_left_reg   <= ra_out_left_next;
    ra_in_any_reg     <= ra_in_any_next;
    ra_out_any_reg    <= ra_out_any_next;
    ra_out_last_reg   <= ra_out_last_next;
    ra_hold_valid_reg <= ra_hold_valid_next;
    ra_hold_reg       <= ra_hold_next;

    if (rst) begin
        state_reg         <= STATE_IDLE;
        s_cmd_reg         <= 1'b0;
        q_cmd_reg         <= 1'b0;
        o_cmd_reg         <= 1'b0;
        ec_start_reg      <= 1'b0;
        rd_dones_reg      <= 2'd0;
        o_done_reg        <= 1'b0;
        ec_done_reg       <= 1'b0;
        rd_err_reg        <= 1'b0;
        wr_err_reg        <= 1'b0;
        cfg_err_reg       <= 1'b0;
        done_reg          <= 1'b0;
        ra_frame_reg      <= 1'b0;
        ra_word_reg       <= 4'd0;
        ra_in_left_reg    <= '0;
        ra_out_left_reg   <= '0;
        ra_in_any_reg     <= 1'b0;
        ra_out_any_reg    <= 1'b0;
        ra_out_last_reg   <= 1'b0;
        ra_hold_valid_reg <= 1'b0;
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
 * Transfers: scales and values (gmem0 reads, one stream), results (gmem0 writes)
 */
axi_read_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(2)  // values arrive at a quarter of the result rate: 128 beats in flight suffice
) axi_read_stream_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(rd_cmd_addr[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(rd_cmd_beats),
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
    .cmd_beats(dim_reg >> 4),
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
 * Datapath: aligned scale beats, then value beats -> register slice -> 16 ew_dequant lanes
 * -> result beats
 */
axis_skid_buffer #(
    .DATA_WIDTH(AXI_DATA_WIDTH)
) core_slice_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(ra_tdata),
    .s_axis_tlast(ra_frame_reg),
    .s_axis_tvalid(ra_tvalid),
    .s_axis_tready(ra_tready),
    .m_axis_tdata(cs_tdata),
    .m_axis_tlast(cs_frame),
    .m_axis_tvalid(cs_tvalid),
    .m_axis_tready(cs_tready)
);

embed_core #(
    .MAX_DIM(MAX_DIM)
) embed_core_inst (
    .clk(clk),
    .rst(rst),
    .start(ec_start_reg),
    .cfg_gs64(gs64_reg),
    .cfg_dim(dim_reg),
    .busy(ec_busy),
    .done(ec_done),
    .s_axis_q_tdata(cs_tdata),
    .s_axis_q_tvalid(cs_tvalid && cs_frame),
    .s_axis_q_tready(core_q_tready),
    .s_axis_s_tdata(cs_tdata),
    .s_axis_s_tvalid(cs_tvalid && !cs_frame),
    .s_axis_s_tready(core_s_tready),
    .m_axis_out_tdata(o_tdata),
    .m_axis_out_tvalid(o_tvalid),
    .m_axis_out_tready(o_tready),
    .m_axis_out_tlast(o_tlast)
);

endmodule

`default_nettype wire
