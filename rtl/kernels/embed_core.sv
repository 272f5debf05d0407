// SPDX-License-Identifier: Apache-2.0

/*
 * Dequantize one row of a Q8_0 table: stream in, stream out, no AXI
 *
 *   out[i] = (float) q[i] * s[i / group_size],  i < dim
 *
 * (one fp32 multiply per element: 16 ew_dequant lanes, rtl/gen/ew_dequant.v;
 * numerics: hlstransform.model.numerics.embed_row, docs/kernels/elementwise.md).
 * The datapath of the embed kernel (rtl/kernels/embed.sv, which adds
 * kernel_control, the AXI movers, the argument checks and the realignment of
 * rows that do not start on a beat) and of the forward kernel's embedding step
 * (docs/forward-plan.md, "Stream cores").
 *
 * A run: start (one cycle) with cfg_gs64 and cfg_dim valid until done; dim is a
 * multiple of the group size in group size..MAX_DIM (the caller checks). The
 * row comes in already aligned to its start on two streams:
 * - s_axis_s: its dim / GS fp32 scales, ceil(dim / GS / 16) beats, scale g at
 *   [32 (g % 16) +: 32] of beat g / 16 (words past the row ignored);
 * - s_axis_q: its dim int8 values, ceil(dim / 64) beats, value k at byte k % 64
 *   of beat k / 64 (bytes past the row ignored).
 * The scales are taken in full into an on-chip buffer (MAX_DIM / 512 beats)
 * before the first value beat, so a caller with one read stream sends the
 * scales first. The core takes exactly those beats and no more. The results
 * leave on m_axis_out as dim / 16 beats of fp32, element k at [32k +: 32],
 * tlast on the last; done pulses in the cycle after the last beat was taken.
 *
 * Each value beat gives four quarters of 16 int8 values; a quarter with its
 * group's scale (one scale covers 2 or 4 quarters) goes through the lanes and
 * makes one result beat, so results leave at one beat per cycle while a value
 * beat is taken every fourth cycle. The lane shell (elementwise_core) only
 * issues a quarter when its result has a FIFO slot reserved, so the value
 * stream may pause and the output may be back-pressured at any beat.
 */

`default_nettype none

module embed_core #(
    // Largest dim, elements (a multiple of 64, 64..65536); sizes the scale buffer
    parameter int MAX_DIM = 8192
) (
    input  wire          clk,
    input  wire          rst,  // active-high, synchronous: abandons any run

    /*
     * Run control: cfg_* valid from start to done
     */
    input  wire          start,      // one-cycle pulse, ignored while busy
    input  wire          cfg_gs64,   // 1: group size 64, 0: 32
    input  wire  [31:0]  cfg_dim,    // elements, a multiple of the group size, group size..MAX_DIM
    output wire          busy,       // a run is in progress
    output wire          done,       // one-cycle pulse after the run's last output beat was taken

    /*
     * Values: ceil(dim / 64) beats, int8 value k at [8 (k % 64) +: 8] of beat k / 64
     */
    input  wire  [511:0] s_axis_q_tdata,
    input  wire          s_axis_q_tvalid,
    output wire          s_axis_q_tready,

    /*
     * Scales: ceil(dim / GS / 16) beats, fp32 scale g at [32 (g % 16) +: 32] of beat g / 16
     */
    input  wire  [511:0] s_axis_s_tdata,
    input  wire          s_axis_s_tvalid,
    output wire          s_axis_s_tready,

    /*
     * Results: dim / 16 beats of fp32, element k at [32 (k % 16) +: 32], tlast on the last
     */
    output wire  [511:0] m_axis_out_tdata,
    output wire          m_axis_out_tvalid,
    input  wire          m_axis_out_tready,
    output wire          m_axis_out_tlast
);

localparam int LANES         = 16;                                // results per beat
localparam int LANE_LATENCY  = hls_latency_pkg::EW_DEQUANT_LATENCY;  // in_valid to out_valid
localparam int SC_BEATS      = (MAX_DIM / 32 + 15) / 16;          // scale buffer, beats (GS 32 at most)
localparam int SC_IDX_WIDTH  = SC_BEATS > 1 ? $clog2(SC_BEATS) : 1;
localparam int SC_CNT_WIDTH  = $clog2(SC_BEATS + 1);              // holds 0..SC_BEATS
localparam int SC_WORD_WIDTH = SC_IDX_WIDTH + 4;                  // scale word index in the buffer
localparam int K_WIDTH       = $clog2(MAX_DIM / 16 + 1);          // result beat index

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_DIM < 64 || MAX_DIM > 65536 || MAX_DIM % 64 != 0) begin : g_check_max_dim
    $error("embed_core: MAX_DIM must be a multiple of 64 in 64..65536");
end

/*
 * Run state
 */
typedef enum logic [1:0] {
    STATE_IDLE,    // waits for start
    STATE_SCALES,  // takes the row's scale beats into the buffer
    STATE_VALUES,  // issues a quarter of a value beat and its scale to the lanes per cycle
    STATE_DRAIN    // waits for the last result beat to be taken
} state_t;

state_t                     state_reg, state_next;

// Run shape (from cfg_* at start): datapath, not reset.
logic                       gs64_reg, gs64_next;
logic [SC_CNT_WIDTH-1:0]    sbeats_reg, sbeats_next;     // scale beats
logic [K_WIDTH-1:0]         k_last_reg, k_last_next;     // dim / 16 - 1: the last result beat
logic                       done_reg, done_next;

// Scale buffer and the value-beat splitter.
logic [511:0]               sc_mem [0:SC_BEATS-1];
logic [SC_IDX_WIDTH-1:0]    sc_wr_reg, sc_wr_next;       // next scale beat to load
logic                       sc_wr_en;
logic [1:0]                 quarter_reg, quarter_next;   // quarter of the value beat for the next result
logic [K_WIDTH-1:0]         k_reg, k_next;               // index of the next result beat
logic [K_WIDTH-1:0]         o_cnt_reg, o_cnt_next;       // result beats taken
logic                       last_k;
logic [SC_WORD_WIDTH-1:0]   sc_word;                     // buffer word of result beat k's scale
logic [511:0]               sc_beat;
logic [31:0]                scale;
logic                       o_fire;

// Lanes.
wire                        a_tready, b_tready;
wire                        lane_valid;
wire [127:0]                lane_a;                      // 16 int8 values
wire [31:0]                 lane_b;                      // their scale
wire [511:0]                lane_out;
wire [LANES-1:0]            lane_out_valid;

// All lanes run in lockstep; lane 0's valid stands for all of them. The scale side is
// always valid in STATE_VALUES, and a value quarter moves exactly when lane_valid rises,
// which is what pops a value beat: neither ready says anything new.
wire unused_lanes = &{1'b0, lane_out_valid[LANES-1:1], a_tready, b_tready};

assign busy             = state_reg != STATE_IDLE;
assign done             = done_reg;
assign s_axis_s_tready  = state_reg == STATE_SCALES;
assign m_axis_out_tlast = o_cnt_reg == k_last_reg;

always_comb begin
    state_next   = state_reg;
    gs64_next    = gs64_reg;
    sbeats_next  = sbeats_reg;
    k_last_next  = k_last_reg;
    done_next    = 1'b0;
    sc_wr_next   = sc_wr_reg;
    sc_wr_en     = 1'b0;
    quarter_next = quarter_reg;
    k_next       = k_reg;
    o_cnt_next   = o_cnt_reg;

    // Result beat k takes scale word k / (group_size / 16) of the buffer.
    if (gs64_reg) begin
        sc_word = SC_WORD_WIDTH'(k_reg >> 2);
    end else begin
        sc_word = SC_WORD_WIDTH'(k_reg >> 1);
    end
    sc_beat = sc_mem[sc_word[SC_WORD_WIDTH-1:4]];
    scale   = sc_beat[32 * sc_word[3:0] +: 32];
    last_k  = k_reg == k_last_reg;

    if (lane_valid) begin
        quarter_next = quarter_reg + 2'd1;
        k_next       = k_reg + 1'b1;
    end
    o_fire = m_axis_out_tvalid && m_axis_out_tready;
    if (o_fire) begin
        o_cnt_next = o_cnt_reg + 1'b1;
    end

    case (state_reg)
        STATE_IDLE: begin
            if (start) begin
                // dim / GS scales in ceil(dim / GS / 16) beats; dim / 16 result beats.
                gs64_next    = cfg_gs64;
                sbeats_next  = SC_CNT_WIDTH'(((cfg_gs64 ? cfg_dim >> 6 : cfg_dim >> 5) + 32'd15) >> 4);
                k_last_next  = K_WIDTH'((cfg_dim >> 4) - 32'd1);
                sc_wr_next   = '0;
                quarter_next = 2'd0;
                k_next       = '0;
                o_cnt_next   = '0;
                state_next   = STATE_SCALES;
            end
        end
        STATE_SCALES: begin
            if (s_axis_s_tvalid) begin
                sc_wr_en   = 1'b1;
                sc_wr_next = sc_wr_reg + 1'b1;
                if (SC_CNT_WIDTH'(sc_wr_reg) == sbeats_reg - SC_CNT_WIDTH'(1)) begin
                    state_next = STATE_VALUES;
                end
            end
        end
        STATE_VALUES: begin
            // A value beat is held until its last needed quarter went to the lanes.
            if (lane_valid && last_k) begin
                state_next = STATE_DRAIN;
            end
        end
        STATE_DRAIN: begin
            if (o_fire && m_axis_out_tlast) begin
                done_next  = 1'b1;
                state_next = STATE_IDLE;
            end
        end
        default: begin
            state_next = STATE_IDLE;
        end
    endcase
end

assign s_axis_q_tready = lane_valid && (quarter_reg == 2'd3 || last_k);

always_ff @(posedge clk) begin
    state_reg   <= state_next;
    gs64_reg    <= gs64_next;
    sbeats_reg  <= sbeats_next;
    k_last_reg  <= k_last_next;
    done_reg    <= done_next;
    sc_wr_reg   <= sc_wr_next;
    quarter_reg <= quarter_next;
    k_reg       <= k_next;
    o_cnt_reg   <= o_cnt_next;

    if (rst) begin
        state_reg   <= STATE_IDLE;
        done_reg    <= 1'b0;
        sc_wr_reg   <= '0;
        quarter_reg <= 2'd0;
        k_reg       <= '0;
        o_cnt_reg   <= '0;
    end
end

// Scale buffer storage, without reset (distributed RAM, read asynchronously into the
// lanes' input registers).
always_ff @(posedge clk) begin
    if (sc_wr_en) begin
        sc_mem[sc_wr_reg] <= s_axis_s_tdata;
    end
end

/*
 * Datapath: a quarter of a value beat + its scale -> 16 lanes -> result beat
 */
elementwise_core #(
    .A_WIDTH(128),
    .B_WIDTH(32),
    .OUT_WIDTH(512),
    .LANE_LATENCY(LANE_LATENCY)
) elementwise_core_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_a_tdata(s_axis_q_tdata[128 * quarter_reg +: 128]),
    .s_axis_a_tvalid(s_axis_q_tvalid && state_reg == STATE_VALUES),
    .s_axis_a_tready(a_tready),
    .s_axis_b_tdata(scale),
    .s_axis_b_tvalid(state_reg == STATE_VALUES),
    .s_axis_b_tready(b_tready),
    .lane_valid(lane_valid),
    .lane_a(lane_a),
    .lane_b(lane_b),
    .lane_out_valid(lane_out_valid[0]),
    .lane_out(lane_out),
    .m_axis_tdata(m_axis_out_tdata),
    .m_axis_tvalid(m_axis_out_tvalid),
    .m_axis_tready(m_axis_out_tready)
);

/*
 * Lanes: result i of a beat is value i of the quarter (byte i) times the scale
 */
for (genvar i = 0; i < LANES; i++) begin : g_lane
    ew_dequant ew_dequant_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(lane_valid),
        .q(lane_a[8 * i +: 8]),
        .s(lane_b),
        .out_valid(lane_out_valid[i]),
        .out(lane_out[32 * i +: 32])
    );
end

endmodule

`default_nettype wire
