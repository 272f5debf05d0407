// SPDX-License-Identifier: Apache-2.0

/*
 * Q8_0 activation quantization of a vector: stream in, stream out, no AXI
 *
 * Per group of GS values (GS 32 or 64): scale = max|x| / 127,
 * q[i] = round(x[i] / scale), exactly as model/numerics.py quantize_group
 * defines it (the generated q8_quantize_32 / q8_quantize_64 blocks). The
 * datapath of the quantize kernel (rtl/kernels/quantize.sv, which adds
 * kernel_control, the AXI movers and the argument checks) and of the forward
 * kernel, whose output stream feeds the matmul engines' x loaders
 * (docs/forward-plan.md, "Stream cores").
 *
 * A run: start (one cycle) with cfg_gs64 and cfg_n valid until done; n is a
 * multiple of GS in 1..MAX_N (the caller checks). x comes in as ceil(n / 16)
 * beats of fp32, element k of a beat at [32k +: 32]; the core takes exactly
 * that many and no more. The output is the host/image.py pack_vector layout
 * (the matmul input vector): ceil(n / 64) value beats, int8 value k at byte k
 * (GS 32: two groups per beat, an odd last group padded with zeros), then
 * ceil(n / GS / 16) scale beats of 16 fp32, zero padded, tlast on the last.
 * done pulses in the cycle after the last beat was taken.
 *
 * GS / 16 beats are gathered into a group and handed to the quantize block of
 * the run's group size (one group every 2 or 4 beats). The XLS blocks cannot
 * stall, so a group's last beat is only taken when the output beat it
 * completes has a slot of the output FIFO reserved (occ_reg counts queued
 * beats plus beats promised to groups in flight): x may pause and the output
 * may be back-pressured at any beat. The scales are kept on chip (a buffer of
 * MAX_N / 512 beats) until the last value beat is queued, then copied into
 * the FIFO behind it, one buffer read per free slot.
 *
 * FIFO sizing: at one x beat per cycle the groups inside the quantize blocks
 * hold BLOCK_LATENCY / 4 output beats (one every 4 x beats for both group
 * sizes), so OUT_FIFO_DEPTH's default, 1 << clog2(BLOCK_LATENCY / 4 + 4), has
 * those slots and a few for the output's own turnaround (16 beats at latency
 * 47; 8 while the blocks were 7-cycle pipelines). A smaller FIFO holds x back:
 * BLOCK_LATENCY only sizes the FIFO, a wrong value costs throughput, never
 * data.
 */

`default_nettype none

module quantize_core #(
    // Largest n, values (a multiple of 512, 512..65536); sizes the scale buffer (MAX_N / 512 beats)
    parameter int MAX_N = 8192,
    // Quantize blocks' latency, in_valid to out_valid, cycles (>= 1; the longer of the two,
    // rtl/gen/hls_latency_pkg.sv); sizes the output FIFO
    parameter int BLOCK_LATENCY = hls_latency_pkg::Q8_QUANTIZE_64_LATENCY > hls_latency_pkg::Q8_QUANTIZE_32_LATENCY
                                ? hls_latency_pkg::Q8_QUANTIZE_64_LATENCY : hls_latency_pkg::Q8_QUANTIZE_32_LATENCY,
    // Output FIFO depth, beats (power of two, >= 2); the default keeps x at one beat per cycle
    // (the output beats of the groups in the blocks, plus a few: the header comment)
    parameter int OUT_FIFO_DEPTH = 1 << $clog2(BLOCK_LATENCY / 4 + 4)
) (
    input  wire          clk,
    input  wire          rst,  // active-high, synchronous: abandons any run

    /*
     * Run control: cfg_* valid from start to done
     */
    input  wire          start,      // one-cycle pulse, ignored while busy
    input  wire          cfg_gs64,   // 1: group size 64, 0: 32
    input  wire  [31:0]  cfg_n,      // values, a multiple of the group size, 1..MAX_N
    output wire          busy,       // a run is in progress
    output wire          done,       // one-cycle pulse after the run's last output beat was taken

    /*
     * Input: ceil(n / 16) beats of fp32, element k at [32k +: 32]
     */
    input  wire  [511:0] s_axis_x_tdata,
    input  wire          s_axis_x_tvalid,
    output wire          s_axis_x_tready,

    /*
     * Output: pack_vector layout, value beats then scale beats, tlast on the last scale beat
     */
    output wire  [511:0] m_axis_out_tdata,
    output wire          m_axis_out_tvalid,
    input  wire          m_axis_out_tready,
    output wire          m_axis_out_tlast
);

localparam int GROUP_WIDTH = $clog2(MAX_N / 32 + 1);  // groups, GS 32 at most
localparam int SBUF_BEATS  = MAX_N / 512;             // scale beats, GS 32 at most
localparam int SBUF_WIDTH  = SBUF_BEATS > 1 ? $clog2(SBUF_BEATS) : 1;
localparam int SB_WIDTH    = $clog2(SBUF_BEATS + 1);
localparam int OCC_WIDTH   = $clog2(OUT_FIFO_DEPTH + 1);
localparam int PTR_WIDTH   = $clog2(OUT_FIFO_DEPTH);

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_N < 512 || MAX_N > 65536 || MAX_N % 512 != 0) begin : g_check_max_n
    $error("quantize_core: MAX_N must be a multiple of 512 in 512..65536");
end
if (BLOCK_LATENCY < 1) begin : g_check_latency
    $error("quantize_core: BLOCK_LATENCY must be >= 1");
end
if (OUT_FIFO_DEPTH < 2 || (OUT_FIFO_DEPTH & (OUT_FIFO_DEPTH - 1)) != 0) begin : g_check_fifo_depth
    $error("quantize_core: OUT_FIFO_DEPTH must be a power of two >= 2");
end

/*
 * Run state
 */
typedef enum logic [1:0] {
    STATE_IDLE,    // waits for start
    STATE_VALUES,  // gathers x into groups; waits until every group's result is packed
    STATE_SCALES   // copies the scale buffer into the output FIFO, a beat per free slot;
                   // waits until the last beat was taken
} state_t;

state_t                    state_reg, state_next;

// Run shape (from cfg_* at start): datapath, not reset.
logic                      gs64_reg, gs64_next;
logic [GROUP_WIDTH-1:0]    groups_reg, groups_next;
logic [SB_WIDTH-1:0]       sbeats_reg, sbeats_next;      // scale beats
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
logic                      sb_last_reg, sb_last_next;    // ... and it is the run's last

// Output FIFO (register array with a tlast bit per beat, datapath) and its pointers; occ_reg
// counts reserved slots (queued beats plus beats promised to groups in the quantize pipeline
// or to a scale read).
logic [511:0]              fifo_mem [0:OUT_FIFO_DEPTH-1];
logic                      fifo_last_mem [0:OUT_FIFO_DEPTH-1];
logic [PTR_WIDTH:0]        fifo_wr_reg, fifo_wr_next;
logic [PTR_WIDTH:0]        fifo_rd_reg, fifo_rd_next;
logic [OCC_WIDTH-1:0]      occ_reg, occ_next;
logic                      fifo_we;
logic [511:0]              fifo_wdata;
logic                      fifo_wlast;

// Scale buffer (block RAM): written as each beat of 16 scales fills, read in STATE_SCALES.
logic [511:0]              sbuf_mem [0:SBUF_BEATS-1];
logic                      sbuf_we;
logic [SBUF_WIDTH-1:0]     sbuf_waddr;
logic [511:0]              sbuf_wdata;
logic [511:0]              sbuf_q_reg;

// Quantize blocks (one per group size; the run's group size picks one).
logic [1023:0]             q32_x;
logic [2047:0]             q64_x;
wire                       q32_valid, q64_valid;
wire [287:0]               q32_out;
wire [543:0]               q64_out;
logic                      res_valid;
logic [511:0]              res_q;      // value k of the group at byte k (GS 32: low 32 bytes)
logic [31:0]               res_scale;

// Per-cycle decisions (combinational).
logic                      x_ready;
logic                      x_take;      // an x beat is accepted this cycle
logic                      last_beat;   // the next x beat completes a group
logic                      need_slot;   // ... and that group completes an output beat
logic                      res_last;    // res_valid carries the run's last group
logic                      reserve;     // an output FIFO slot is reserved this cycle
logic                      o_pop;

wire                       o_valid = fifo_wr_reg != fifo_rd_reg;
wire                       o_last  = fifo_last_mem[fifo_rd_reg[PTR_WIDTH-1:0]];

assign busy              = state_reg != STATE_IDLE;
assign done              = done_reg;
assign s_axis_x_tready   = x_ready;
assign m_axis_out_tdata  = fifo_mem[fifo_rd_reg[PTR_WIDTH-1:0]];
assign m_axis_out_tvalid = o_valid;
assign m_axis_out_tlast  = o_last;

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
    gs64_next      = gs64_reg;
    groups_next    = groups_reg;
    sbeats_next    = sbeats_reg;
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
    sb_last_next   = 1'b0;
    fifo_wr_next   = fifo_wr_reg;
    fifo_rd_next   = fifo_rd_reg;
    fifo_we        = 1'b0;
    fifo_wdata     = '0;
    fifo_wlast     = 1'b0;
    sbuf_we        = 1'b0;
    sbuf_waddr     = SBUF_WIDTH'(out_group_reg >> 4);
    sbuf_wdata     = '0;
    reserve        = 1'b0;

    // Input: a group's last beat is only taken when the output beat it completes (every GS-64
    // group; odd and final GS-32 groups) can have a FIFO slot, since the quantize pipeline
    // cannot stall. occ_reg ignores this cycle's pop: conservative, never over-reserves. Once
    // every group has fired, x is no longer taken (the caller's next data may follow at once).
    last_beat = in_beat_reg == (gs64_reg ? 2'd3 : 2'd1);
    need_slot = gs64_reg || in_group_reg[0] || in_group_reg == groups_reg - GROUP_WIDTH'(1);
    x_ready   = state_reg == STATE_VALUES && in_group_reg != groups_reg
             && !(last_beat && need_slot && occ_reg == OCC_WIDTH'(OUT_FIFO_DEPTH));
    x_take    = x_ready && s_axis_x_tvalid;
    if (x_take) begin
        gather_next[512 * in_beat_reg +: 512] = s_axis_x_tdata;
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
        fifo_wlast = sb_last_reg;
    end

    if (fifo_we) begin
        fifo_wr_next = fifo_wr_reg + 1'b1;
    end
    o_pop = o_valid && m_axis_out_tready;
    if (o_pop) begin
        fifo_rd_next = fifo_rd_reg + 1'b1;
    end

    case (state_reg)
        STATE_IDLE: begin
            if (start) begin
                // Sizes from n alone (a multiple of GS): groups = n / GS; ceil(groups / 16)
                // scale beats.
                gs64_next      = cfg_gs64;
                groups_next    = GROUP_WIDTH'(cfg_gs64 ? cfg_n >> 6 : cfg_n >> 5);
                sbeats_next    = SB_WIDTH'(cfg_gs64 ? (cfg_n + 32'd1023) >> 10 : (cfg_n + 32'd511) >> 9);
                in_beat_next   = 2'd0;
                in_group_next  = '0;
                out_group_next = '0;
                sb_rd_next     = '0;
                sbeat_next     = '0;
                state_next     = STATE_VALUES;
            end
        end
        STATE_VALUES: begin
            if (res_valid && res_last) begin
                state_next = STATE_SCALES;
            end
        end
        STATE_SCALES: begin
            // One buffer read per free slot (no value beat is reserved any more).
            if (sb_rd_reg != sbeats_reg && occ_reg != OCC_WIDTH'(OUT_FIFO_DEPTH)) begin
                reserve       = 1'b1;
                sb_valid_next = 1'b1;
                sb_last_next  = sb_rd_reg == sbeats_reg - SB_WIDTH'(1);
                sb_rd_next    = sb_rd_reg + SB_WIDTH'(1);
            end
            if (o_pop && o_last) begin
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
    gs64_reg      <= gs64_next;
    groups_reg    <= groups_next;
    sbeats_reg    <= sbeats_next;
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
    sb_last_reg   <= sb_last_next;
    fifo_wr_reg   <= fifo_wr_next;
    fifo_rd_reg   <= fifo_rd_next;
    occ_reg       <= occ_next;

    if (rst) begin
        state_reg     <= STATE_IDLE;
        done_reg      <= 1'b0;
        in_beat_reg   <= 2'd0;
        in_group_reg  <= '0;
        fire_reg      <= 1'b0;
        out_group_reg <= '0;
        sb_rd_reg     <= '0;
        sb_valid_reg  <= 1'b0;
        sb_last_reg   <= 1'b0;
        fifo_wr_reg   <= '0;
        fifo_rd_reg   <= '0;
        occ_reg       <= '0;
    end
end

// Memories: data only, no reset.
always_ff @(posedge clk) begin
    if (fifo_we) begin
        fifo_mem[fifo_wr_reg[PTR_WIDTH-1:0]]      <= fifo_wdata;
        fifo_last_mem[fifo_wr_reg[PTR_WIDTH-1:0]] <= fifo_wlast;
    end
    if (sbuf_we) begin
        sbuf_mem[sbuf_waddr] <= sbuf_wdata;
    end
    sbuf_q_reg <= sbuf_mem[SBUF_WIDTH'(sb_rd_reg)];
end

/*
 * Quantize blocks (rtl/gen, XLS): registered inputs and outputs, one group per cycle, latency from
 * rtl/gen/hls_latency_pkg.sv
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

endmodule

`default_nettype wire
