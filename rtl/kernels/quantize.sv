// SPDX-License-Identifier: Apache-2.0

/*
 * quantize kernel: Q8_0 activation quantization of a vector (llama2.c runq
 * quantize()), per group of GS values: scale = max|x| / 127,
 * q[i] = round(x[i] / scale), exactly as model/numerics.py quantize_group
 * defines it (the generated q8_quantize_32 / q8_quantize_64 blocks).
 *
 * The per-layer kernel of DESIGN.md section 7 with the HLS kernel interface
 * of section 6: s_axi_control (kernel_control; arguments x, out, n,
 * group_size of rtl/regmap.toml), interrupt, and one 512-bit AXI4 master
 * m_axi_gmem0 that reads x and writes the result.
 *
 * Output layout (host/image.py pack_vector, the matmul input vector): the n
 * int8 values, value k at byte k, zero-padded to a multiple of 64 bytes; then
 * the n / GS fp32 scales, from the next 64-byte boundary, zero-padded to a
 * multiple of 64 bytes. Both regions are written by one command of
 * ceil(n / 64) + ceil(n / GS / 16) beats; the scales are kept on chip (a
 * buffer of MAX_N / 512 beats) until the last value beat is out.
 *
 * A run: the arguments are checked (group_size 32 or 64, n a multiple of it
 * in 1..MAX_N, pointers 64-byte aligned and inside the address width); a bad
 * one sets STATUS.CONFIG_ERROR and ends the run at once, before any memory
 * access. Otherwise x streams in at up to one beat (16 values) per cycle;
 * GS / 16 beats are gathered into a group and handed to the quantize block
 * of the run's group size (one group every 2 or 4 cycles). Group results are
 * packed into output beats (two GS-32 groups or one GS-64 group per beat) and
 * queued in a small output FIFO; a group only enters the quantize pipeline
 * when the beat it completes has a FIFO slot reserved, because the XLS blocks
 * cannot stall. An SLVERR/DECERR sets STATUS.AXI_READ_ERROR /
 * AXI_WRITE_ERROR; the transfers still complete (a failed read's data is
 * undefined), so the run always ends with done.
 */

`default_nettype none

module quantize #(
    // Largest n argument, values (a multiple of 512, 512..65536); sizes the scale buffer
    parameter int MAX_N = 8192,
    // Width of the m_axi data bus, bits (512: the model-image layout's beat)
    parameter int AXI_DATA_WIDTH = 512,
    // Width of the m_axi address bus, bits (13..64)
    parameter int AXI_ADDR_WIDTH = 64,
    // Width of the m_axi ID fields, bits (>= 1; every burst uses ID 0)
    parameter int AXI_ID_WIDTH = 1,
    // Output FIFO depth, beats (power of two, >= 2)
    parameter int OUT_FIFO_DEPTH = 8
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
     * AXI4 master: m_axi_gmem0 (x reads, result writes)
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

localparam int BEAT_BYTES      = 64;                         // model-image beat
localparam int MAX_BURST_BEATS = 4096 / BEAT_BYTES;          // one 4 KiB page per burst at most
localparam int GROUP_WIDTH     = $clog2(MAX_N / 32 + 1);     // groups, GS 32 at most
localparam int SBUF_BEATS      = MAX_N / 512;                // scale beats, GS 32 at most
localparam int SBUF_WIDTH      = SBUF_BEATS > 1 ? $clog2(SBUF_BEATS) : 1;
localparam int SB_WIDTH        = $clog2(SBUF_BEATS + 1);
localparam int OCC_WIDTH       = $clog2(OUT_FIFO_DEPTH + 1);
localparam int PTR_WIDTH       = $clog2(OUT_FIFO_DEPTH);

// Argument word indexes in core_args (rtl/regmap.toml via kernel_regs_pkg).
localparam int ARG_X   = (int'(QUANTIZE_ARG_X) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_OUT = (int'(QUANTIZE_ARG_OUT) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_N   = (int'(QUANTIZE_ARG_N) - int'(CTRL_ARG_BASE)) / 4;
localparam int ARG_GS  = (int'(QUANTIZE_ARG_GROUP_SIZE) - int'(CTRL_ARG_BASE)) / 4;

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_N < 512 || MAX_N > 65536 || MAX_N % 512 != 0) begin : g_check_max_n
    $error("quantize: MAX_N must be a multiple of 512 in 512..65536");
end
if (AXI_DATA_WIDTH != 8 * BEAT_BYTES) begin : g_check_data_width
    $error("quantize: AXI_DATA_WIDTH must be 512 (the model-image layout of host/image.py)");
end
if (AXI_ADDR_WIDTH < 13 || AXI_ADDR_WIDTH > 64) begin : g_check_addr_width
    $error("quantize: AXI_ADDR_WIDTH must be in 13..64");
end
if (AXI_ID_WIDTH < 1) begin : g_check_id_width
    $error("quantize: AXI_ID_WIDTH must be >= 1");
end
if (OUT_FIFO_DEPTH < 2 || (OUT_FIFO_DEPTH & (OUT_FIFO_DEPTH - 1)) != 0) begin : g_check_fifo_depth
    $error("quantize: OUT_FIFO_DEPTH must be a power of two >= 2");
end

/*
 * Control block
 */
wire                            core_start;
wire [QUANTIZE_ARG_WORDS*32-1:0] core_args;
logic                           core_done;
logic [3:0]                     core_status;

// The high words of the u32 arguments read as zero (ARG_WORD_MASK) and carry nothing.
wire unused_args = &{1'b0, core_args[32 * (ARG_N + 1) +: 32]};

kernel_control #(
    .ARG_WORDS(QUANTIZE_ARG_WORDS),
    .ARG_WORD_MASK(QUANTIZE_ARG_WORD_MASK),
    .KERNEL_ID(QUANTIZE_KERNEL_ID)
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
    .core_status(core_status)
);

/*
 * Run state
 */
typedef enum logic [2:0] {
    STATE_IDLE,    // waits for core_start
    STATE_CHECK,   // checks the arguments, derives the sizes
    STATE_ISSUE,   // waits until the read and write commands are accepted
    STATE_VALUES,  // gathers x into groups; waits until every group's result is packed
    STATE_SCALES,  // copies the scale buffer into the output FIFO, a beat per free slot
    STATE_FINISH   // waits for the read to end and the last write response
} state_t;

state_t                    state_reg, state_next;

// Arguments (snapshot at core_start) and derived sizes: datapath, not reset.
logic [63:0]               x_ptr_reg, x_ptr_next;
logic [63:0]               out_ptr_reg, out_ptr_next;
logic [31:0]               n_reg, n_next;
logic [31:0]               gs_reg, gs_next;
logic                      gs64_reg, gs64_next;
logic [GROUP_WIDTH-1:0]    groups_reg, groups_next;
logic [SB_WIDTH-1:0]       sbeats_reg, sbeats_next;      // scale beats
logic [31:0]               out_beats_reg, out_beats_next;  // value beats + scale beats

// Transfers: command pending, transfer finished; errors seen.
logic                      rd_cmd_reg, rd_cmd_next;
logic                      wr_cmd_reg, wr_cmd_next;
logic                      rd_done_reg, rd_done_next;
logic                      wr_done_reg, wr_done_next;
logic                      rd_err_reg, rd_err_next;
logic                      wr_err_reg, wr_err_next;
logic                      cfg_err_reg, cfg_err_next;
logic                      done_reg, done_next;

// Input side: gather register (value k of the group at [32k +: 32]), beat within the group,
// groups fired; fire_reg presents a gathered group to the quantize block for one cycle.
logic [2047:0]             gather_reg, gather_next;
logic [1:0]                in_beat_reg, in_beat_next;
logic [GROUP_WIDTH-1:0]    in_group_reg, in_group_next;
logic                      fire_reg, fire_next;

// Output side: groups packed, the low half of a GS-32 beat, the scales of the current scale
// beat (slot j at [32j +: 32]), scale beats copied out.
logic [GROUP_WIDTH-1:0]    out_group_reg, out_group_next;
logic [255:0]              half_reg, half_next;
logic [511:0]              sbeat_reg, sbeat_next;
logic [SB_WIDTH-1:0]       sb_rd_reg, sb_rd_next;
logic                      sb_valid_reg, sb_valid_next;  // sbuf_q_reg holds a beat to queue

// Output FIFO (register array, datapath) and its pointers; occ_reg counts reserved slots
// (queued beats plus beats promised to groups in the quantize pipeline or to a scale read).
logic [AXI_DATA_WIDTH-1:0] fifo_mem [0:OUT_FIFO_DEPTH-1];
logic [PTR_WIDTH:0]        fifo_wr_reg, fifo_wr_next;
logic [PTR_WIDTH:0]        fifo_rd_reg, fifo_rd_next;
logic [OCC_WIDTH-1:0]      occ_reg, occ_next;
logic                      fifo_we;
logic [AXI_DATA_WIDTH-1:0] fifo_wdata;

// Scale buffer (block RAM): written as each beat of 16 scales fills, read in STATE_SCALES.
logic [511:0]              sbuf_mem [0:SBUF_BEATS-1];
logic                      sbuf_we;
logic [SBUF_WIDTH-1:0]     sbuf_waddr;
logic [511:0]              sbuf_wdata;
logic [511:0]              sbuf_q_reg;

// Streams.
wire                       rd_cmd_ready, wr_cmd_ready;
wire                       rd_error, wr_error;
wire                       rd_done, wr_done;
wire                       rd_busy, wr_busy;
wire [AXI_DATA_WIDTH-1:0]  x_tdata;
wire                       x_tvalid, x_tlast;
logic                      x_tready;
wire                       o_tready;
wire                       o_tvalid = fifo_wr_reg != fifo_rd_reg;
wire [AXI_DATA_WIDTH-1:0]  o_tdata = fifo_mem[fifo_rd_reg[PTR_WIDTH-1:0]];

// The input stream is framed by counting; busy/tlast are not needed.
wire unused_stream = &{1'b0, x_tlast, rd_busy, wr_busy};

// Quantize blocks (one per group size; the run's group size picks one).
logic [1023:0]             q32_x;
logic [2047:0]             q64_x;
wire                       q32_valid, q64_valid;
wire [287:0]               q32_out;
wire [543:0]               q64_out;
logic                      res_valid;
logic [511:0]              res_q;      // value k of the group at byte k (GS 32: low 32 bytes)
logic [31:0]               res_scale;

// Argument checks and per-cycle decisions (combinational).
logic                      args_ok;
logic [63:0]               ptr_or;
logic                      x_take;      // an x beat is accepted this cycle
logic                      last_beat;   // the next x beat completes a group
logic                      need_slot;   // ... and that group completes an output beat
logic                      res_last;    // res_valid carries the run's last group
logic                      reserve;     // an output FIFO slot is reserved this cycle
logic                      o_pop;

// XLS flattens arrays with element 0 in the most significant bits: reverse the lane order.
always_comb begin
    for (int k = 0; k < 32; k++) begin
        q32_x[32 * (31 - k) +: 32] = gather_reg[32 * k +: 32];
    end
    for (int k = 0; k < 64; k++) begin
        q64_x[32 * (63 - k) +: 32] = gather_reg[32 * k +: 32];
    end
    res_q = 512'd0;
    if (gs64_reg) begin
        for (int k = 0; k < 64; k++) begin
            res_q[8 * k +: 8] = q64_out[32 + 8 * (63 - k) +: 8];
        end
        res_scale = q64_out[31:0];
    end else begin
        for (int k = 0; k < 32; k++) begin
            res_q[8 * k +: 8] = q32_out[32 + 8 * (31 - k) +: 8];
        end
        res_scale = q32_out[31:0];
    end
    res_valid = q32_valid || q64_valid;
end

always_comb begin
    state_next     = state_reg;
    x_ptr_next     = x_ptr_reg;
    out_ptr_next   = out_ptr_reg;
    n_next         = n_reg;
    gs_next        = gs_reg;
    gs64_next      = gs64_reg;
    groups_next    = groups_reg;
    sbeats_next    = sbeats_reg;
    out_beats_next = out_beats_reg;
    rd_cmd_next    = rd_cmd_reg && !rd_cmd_ready;
    wr_cmd_next    = wr_cmd_reg && !wr_cmd_ready;
    rd_done_next   = rd_done_reg || rd_done;
    wr_done_next   = wr_done_reg || wr_done;
    rd_err_next    = rd_err_reg || (rd_done && rd_error);
    wr_err_next    = wr_err_reg || (wr_done && wr_error);
    cfg_err_next   = cfg_err_reg;
    done_next      = 1'b0;
    gather_next    = gather_reg;
    in_beat_next   = in_beat_reg;
    in_group_next  = in_group_reg;
    fire_next      = 1'b0;
    out_group_next = out_group_reg;
    half_next      = half_reg;
    sbeat_next     = sbeat_reg;
    sb_rd_next     = sb_rd_reg;
    sb_valid_next  = 1'b0;
    fifo_wr_next   = fifo_wr_reg;
    fifo_rd_next   = fifo_rd_reg;
    fifo_we        = 1'b0;
    fifo_wdata     = '0;
    sbuf_we        = 1'b0;
    sbuf_waddr     = SBUF_WIDTH'(out_group_reg >> 4);
    sbuf_wdata     = '0;
    reserve        = 1'b0;

    // The error flags reach kernel_control's STATUS up to the done pulse, then clear, so
    // none is left over when the next run's core_start arrives (STATUS collects from it).
    if (done_reg) begin
        rd_err_next  = 1'b0;
        wr_err_next  = 1'b0;
        cfg_err_next = 1'b0;
    end

    // Pointers must be beat aligned and inside the address width; sizes in range.
    ptr_or  = x_ptr_reg | out_ptr_reg;
    args_ok = ptr_or[5:0] == 6'd0 && (ptr_or >> AXI_ADDR_WIDTH) == 64'd0
           && (gs_reg == 32'd32 || gs_reg == 32'd64)
           && n_reg >= 32'd1 && n_reg <= 32'(MAX_N)
           && (n_reg & (gs_reg - 32'd1)) == 32'd0;

    // Input: a group's last beat is only taken when the output beat it completes (every GS-64
    // group; odd and final GS-32 groups) can have a FIFO slot, since the quantize pipeline
    // cannot stall. occ_reg ignores this cycle's pop: conservative, never over-reserves.
    last_beat = in_beat_reg == (gs64_reg ? 2'd3 : 2'd1);
    need_slot = gs64_reg || in_group_reg[0] || in_group_reg == groups_reg - GROUP_WIDTH'(1);
    x_tready  = state_reg == STATE_VALUES
             && !(last_beat && need_slot && occ_reg == OCC_WIDTH'(OUT_FIFO_DEPTH));
    x_take    = x_tready && x_tvalid;
    if (x_take) begin
        gather_next[512 * in_beat_reg +: 512] = x_tdata;
        in_beat_next = in_beat_reg + 2'd1;
        if (last_beat) begin
            in_beat_next  = 2'd0;
            in_group_next = in_group_reg + GROUP_WIDTH'(1);
            fire_next     = 1'b1;
            reserve       = need_slot;
        end
    end

    // Results: pack into output beats, collect the scales (16 per beat) into the buffer.
    res_last = out_group_reg == groups_reg - GROUP_WIDTH'(1);
    if (res_valid) begin
        out_group_next = out_group_reg + GROUP_WIDTH'(1);
        if (gs64_reg) begin
            fifo_we    = 1'b1;
            fifo_wdata = res_q;
        end else if (out_group_reg[0]) begin
            fifo_we    = 1'b1;
            fifo_wdata = {res_q[255:0], half_reg};
        end else if (res_last) begin
            fifo_we    = 1'b1;
            fifo_wdata = {256'd0, res_q[255:0]};  // odd group count: the upper half is padding
        end else begin
            half_next  = res_q[255:0];
        end
        sbeat_next[32 * out_group_reg[3:0] +: 32] = res_scale;
        if (out_group_reg[3:0] == 4'd15 || res_last) begin
            sbuf_we    = 1'b1;
            sbuf_wdata = sbeat_next;
            sbeat_next = '0;
        end
    end

    // Scale beats read from the buffer in STATE_SCALES arrive a cycle later (slot reserved).
    if (sb_valid_reg) begin
        fifo_we    = 1'b1;
        fifo_wdata = sbuf_q_reg;
    end

    if (fifo_we) begin
        fifo_wr_next = fifo_wr_reg + 1'b1;
    end
    o_pop = o_tvalid && o_tready;
    if (o_pop) begin
        fifo_rd_next = fifo_rd_reg + 1'b1;
    end

    case (state_reg)
        STATE_IDLE: begin
            if (core_start) begin
                x_ptr_next   = core_args[32 * ARG_X +: 64];
                out_ptr_next = core_args[32 * ARG_OUT +: 64];
                n_next       = core_args[32 * ARG_N +: 32];
                gs_next      = core_args[32 * ARG_GS +: 32];
                rd_done_next = 1'b0;
                wr_done_next = 1'b0;
                state_next   = STATE_CHECK;
            end
        end
        STATE_CHECK: begin
            // Sizes from n alone (a multiple of GS here): groups = n / GS; ceil(n / 64) value
            // beats, then ceil(groups / 16) scale beats.
            gs64_next      = gs_reg[6];
            groups_next    = GROUP_WIDTH'(gs_reg[6] ? n_reg >> 6 : n_reg >> 5);
            sbeats_next    = SB_WIDTH'(gs_reg[6] ? (n_reg + 32'd1023) >> 10 : (n_reg + 32'd511) >> 9);
            out_beats_next = ((n_reg + 32'd63) >> 6)
                           + (gs_reg[6] ? (n_reg + 32'd1023) >> 10 : (n_reg + 32'd511) >> 9);
            in_beat_next   = 2'd0;
            in_group_next  = '0;
            out_group_next = '0;
            sb_rd_next     = '0;
            sbeat_next     = '0;
            if (args_ok) begin
                rd_cmd_next = 1'b1;
                wr_cmd_next = 1'b1;
                state_next  = STATE_ISSUE;
            end else begin
                // Out of range: report and finish without any memory access.
                cfg_err_next = 1'b1;
                done_next    = 1'b1;
                state_next   = STATE_IDLE;
            end
        end
        STATE_ISSUE: begin
            if (!rd_cmd_next && !wr_cmd_next) begin
                state_next = STATE_VALUES;
            end
        end
        STATE_VALUES: begin
            if (res_valid && res_last) begin
                state_next = STATE_SCALES;
            end
        end
        STATE_SCALES: begin
            // One buffer read per free slot (no value beat is reserved any more).
            if (sb_rd_reg == sbeats_reg) begin
                state_next = STATE_FINISH;
            end else if (occ_reg != OCC_WIDTH'(OUT_FIFO_DEPTH)) begin
                reserve       = 1'b1;
                sb_valid_next = 1'b1;
                sb_rd_next    = sb_rd_reg + SB_WIDTH'(1);
            end
        end
        STATE_FINISH: begin
            if (rd_done_next && wr_done_next) begin
                done_next  = 1'b1;
                state_next = STATE_IDLE;
            end
        end
        default: begin
            state_next = STATE_IDLE;
        end
    endcase

    occ_next = occ_reg + OCC_WIDTH'(reserve) - OCC_WIDTH'(o_pop);
end

always_ff @(posedge clk) begin
    state_reg     <= state_next;
    x_ptr_reg     <= x_ptr_next;
    out_ptr_reg   <= out_ptr_next;
    n_reg         <= n_next;
    gs_reg        <= gs_next;
    gs64_reg      <= gs64_next;
    groups_reg    <= groups_next;
    sbeats_reg    <= sbeats_next;
    out_beats_reg <= out_beats_next;
    rd_cmd_reg    <= rd_cmd_next;
    wr_cmd_reg    <= wr_cmd_next;
    rd_done_reg   <= rd_done_next;
    wr_done_reg   <= wr_done_next;
    rd_err_reg    <= rd_err_next;
    wr_err_reg    <= wr_err_next;
    cfg_err_reg   <= cfg_err_next;
    done_reg      <= done_next;
    gather_reg    <= gather_next;
    in_beat_reg   <= in_beat_next;
    in_group_reg  <= in_group_next;
    fire_reg      <= fire_next;
    out_group_reg <= out_group_next;
    half_reg      <= half_next;
    sbeat_reg     <= sbeat_next;
    sb_rd_reg     <= sb_rd_next;
    sb_valid_reg  <= sb_valid_next;
    fifo_wr_reg   <= fifo_wr_next;
    fifo_rd_reg   <= fifo_rd_next;
    occ_reg       <= occ_next;

    if (rst) begin
        state_reg    <= STATE_IDLE;
        rd_cmd_reg   <= 1'b0;
        wr_cmd_reg   <= 1'b0;
        rd_done_reg  <= 1'b0;
        wr_done_reg  <= 1'b0;
        rd_err_reg   <= 1'b0;
        wr_err_reg   <= 1'b0;
        cfg_err_reg  <= 1'b0;
        done_reg     <= 1'b0;
        in_beat_reg  <= 2'd0;
        in_group_reg <= '0;
        fire_reg     <= 1'b0;
        out_group_reg <= '0;
        sb_rd_reg    <= '0;
        sb_valid_reg <= 1'b0;
        fifo_wr_reg  <= '0;
        fifo_rd_reg  <= '0;
        occ_reg      <= '0;
    end
end

// Memories: data only, no reset.
always_ff @(posedge clk) begin
    if (fifo_we) begin
        fifo_mem[fifo_wr_reg[PTR_WIDTH-1:0]] <= fifo_wdata;
    end
    if (sbuf_we) begin
        sbuf_mem[sbuf_waddr] <= sbuf_wdata;
    end
    sbuf_q_reg <= sbuf_mem[SBUF_WIDTH'(sb_rd_reg)];
end

always_comb begin
    core_done   = done_reg;
    core_status = 4'd0;
    core_status[STATUS_AXI_READ_ERROR_BIT]  = rd_err_reg;
    core_status[STATUS_AXI_WRITE_ERROR_BIT] = wr_err_reg;
    core_status[STATUS_CONFIG_ERROR_BIT]    = cfg_err_reg;
end

/*
 * Quantize blocks (rtl/gen, XLS): registered inputs and outputs, 7 cycles, one group per cycle
 */
q8_quantize_32 q8_quantize_32_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(fire_reg && !gs64_reg),
    .x(q32_x),
    .out_valid(q32_valid),
    .out(q32_out)
);

q8_quantize_64 q8_quantize_64_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(fire_reg && gs64_reg),
    .x(q64_x),
    .out_valid(q64_valid),
    .out(q64_out)
);

/*
 * Transfers: x (read), the quantized vector (one write command: values, then scales)
 */
axi_read_stream #(
    .DATA_WIDTH(AXI_DATA_WIDTH),
    .ADDR_WIDTH(AXI_ADDR_WIDTH),
    .ID_WIDTH(AXI_ID_WIDTH),
    .MAX_BURST_BEATS(MAX_BURST_BEATS),
    .MAX_OUTSTANDING(8)  // 512 beats in flight: one beat per cycle at tens of cycles of latency
) axi_read_stream_x_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(x_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(n_reg >> 4),
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
) axi_write_stream_out_inst (
    .clk(clk),
    .rst(rst),
    .cmd_addr(out_ptr_reg[AXI_ADDR_WIDTH-1:0]),
    .cmd_beats(out_beats_reg),
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

endmodule

`default_nettype wire
