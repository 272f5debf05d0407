// SPDX-License-Identifier: Apache-2.0

/*
 * Softmax over a vector held on chip: stream in, stream out, no AXI
 *
 *   m = max_i s_i;  e_i = exp(s_i - m);  S = sum16(e);  r = recip(S);  p_i = e_i * r
 *
 * over the n elements of a run, bit-exact with hlstransform.model.hwmodel.softmax
 * (docs/kernels/softmax.md, docs/numerics.md section 6). Shared by the softmax
 * kernel (rtl/kernels/softmax.sv), the attention kernel and, later, the forward
 * kernel.
 *
 * A run: n elements in ceil(n/16) beats, lane k of beat j is element 16j + k
 * (bits [32k +: 32]); n is sampled with the first beat. The probabilities leave
 * in the same order, lanes past n as +0.0, out_last on the last beat. The core
 * takes the next run's first beat only once this run's last beat has left
 * (idle high); there is no overlap between runs.
 *
 * Three passes over a buffer of MAX_N/16 beats (one simple dual-port RAM):
 * 1. LOAD: each beat is stored and its lanes (past n: -inf, which never wins)
 *    go through fp32_max16. The beat maxima are folded into 16 running maxima
 *    (slot j mod 16 for beat j) through fp32_max; a slot stays busy from the
 *    beat's acceptance until its fold is written back, and a beat is only
 *    taken while its slot is free, so the fold never reads a stale value
 *    whatever the blocks' latencies (a slot is busy for the ld register,
 *    fp32_max16, fp32_max and the write-back: 13 cycles with the generated
 *    ones, rtl/gen/hls_latency_pkg.sv; under 16, in_ready never falls).
 *    Then fp32_max16 of the 16 slots gives m. max is exact and order-free
 *    (NaN wins; of +0 and -0 either may come out, and exp(s - (+0)) =
 *    exp(s - (-0)) for every s).
 * 2. EXP: the beats go through EXP_LANES ew_exp_sub lanes (s, m), 16 / EXP_LANES
 *    cycles a beat: a part of EXP_LANES elements per cycle, the parts of a
 *    beat gathered again behind the lanes; each result beat, lanes past n
 *    forced to +0, is written back over its input and fed to sum16_accumulate
 *    (b = 1.0: exact), whose result goes to fp32_recip. sum16_accumulate folds
 *    a beat sum per FP32_SUM_ADD_LATENCY + 1 cycles (its accumulator loop: 9),
 *    so 2 lanes (8 cycles a beat) keep its pace and 16 only fill its FIFO
 *    sooner: 2 cost 7 cycles of latency per run (a beat's parts) and an
 *    eighth of the exp lanes' area (4.7 k LUT each at eafbd6e,
 *    docs/synthesis.md).
 * 3. OUT: the beats go through 16 ew_mul lanes (e, r) to the output, lanes
 *    past n forced to +0 (e * r would be NaN there when r is).
 * Passes 2 and 3 share one elementwise_core (credits, result FIFO, skid
 * buffer): the XLS lanes cannot stall, the core only issues a beat with a
 * FIFO slot reserved for its result, so sum16_accumulate's in_ready and the
 * caller's out_ready may fall at any time.
 *
 * Cycles per run, first beat in to last beat out, with B = ceil(n/16) beats
 * and both streams at full rate: about B to load, (FP32_SUM_ADD_LATENCY + 1)
 * B for the sum (sum16_accumulate folds a beat per its loop: the EXP pass
 * runs at its pace), B to write out, and the pipelines' fill (+16 /
 * EXP_LANES - 1: a beat's parts); docs/kernels/softmax.md has the figures
 * measured with the blocks of the time.
 */

`default_nettype none

module softmax_core #(
    // Largest n, elements (a multiple of 16, 16..2**20); the buffer holds MAX_N/16 beats
    parameter int MAX_N        = 4096,
    // Bound on the lanes' latency (ew_exp_sub's and ew_mul's, rtl/gen/hls_latency_pkg.sv):
    // sizes the result FIFO; too small costs throughput, never data
    parameter int LANE_LATENCY = hls_latency_pkg::EW_EXP_SUB_LATENCY > hls_latency_pkg::EW_MUL_LATENCY
                               ? hls_latency_pkg::EW_EXP_SUB_LATENCY : hls_latency_pkg::EW_MUL_LATENCY,
    // ew_exp_sub lanes of the EXP pass (2, 4, 8 or 16, checked by lane_parts): a beat every
    // 16 / EXP_LANES cycles. Default: the fewest whose pace keeps up with sum16_accumulate's, a
    // beat sum per FP32_SUM_ADD_LATENCY + 1 cycles (9: 2 lanes, 8 cycles a beat)
    parameter int EXP_LANES    = 16 >> ($clog2(hls_latency_pkg::FP32_SUM_ADD_LATENCY + 2) - 1)
) (
    input  wire         clk,
    input  wire         rst,       // active-high, synchronous: abandons any run

    /*
     * Input: a run is ceil(n/16) beats; lane k of beat j is element 16j + k
     */
    input  wire  [31:0] n,         // sampled with the first beat of a run (1..MAX_N, caller guarantees)
    input  wire [511:0] in_data,
    input  wire         in_valid,
    output wire         in_ready,

    /*
     * Output: the probabilities, same beat and lane order; lanes past n are +0.0
     */
    output wire [511:0] out_data,
    output wire         out_valid,
    input  wire         out_ready,
    output wire         out_last,  // the run's last beat

    output wire         idle       // no run in progress
);

localparam int LANES     = 16;                                // fp32 per beat
localparam int SLOTS     = 16;                                // running maxima (one fp32_max16 combines them)
localparam int DEPTH     = MAX_N / LANES;                     // buffer, beats
localparam int AW        = DEPTH > 1 ? $clog2(DEPTH) : 1;     // buffer address
// Beat count 0..DEPTH; at least 4 bits, whose low 4 name a beat's slot.
localparam int BW        = $clog2(DEPTH + 1) > 4 ? $clog2(DEPTH + 1) : 4;
localparam int NW        = $clog2(MAX_N + 1);                 // element count 0..MAX_N
localparam logic [31:0] NEG_INF = 32'hFF800000;               // pads lanes past n for the max
localparam logic [31:0] ONE     = 32'h3F800000;               // sum16's b operand

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (MAX_N < 16 || MAX_N > (1 << 20) || MAX_N % 16 != 0) begin : g_check_max_n
    $error("softmax_core: MAX_N must be a multiple of 16 in 16..2**20");
end
if (LANE_LATENCY < 1) begin : g_check_latency
    $error("softmax_core: LANE_LATENCY must be >= 1");
end

/*
 * Run state
 */
typedef enum logic [2:0] {
    STATE_IDLE,       // waits for a run's first beat
    STATE_LOAD,       // takes the remaining beats
    STATE_MAX_WAIT,   // waits for every slot's fold, then issues max16 over the slots
    STATE_MAX_FINAL,  // waits for that max16: m
    STATE_EXP,        // e = exp(s - m) into the buffer and sum16; waits for the sum
    STATE_RECIP,      // waits for r = recip(sum)
    STATE_OUT         // e * r out; the last beat ends the run
} state_t;

state_t                 state_reg, state_next;

// Run shape (from n at the first beat): datapath, not reset.
logic [BW-1:0]          beats_reg, beats_next;        // ceil(n / 16)
logic [LANES-1:0]       tail_reg, tail_next;          // lanes of the last beat below n

// LOAD: beats taken; the registered beat on its way to the buffer and max16.
logic [BW-1:0]          in_cnt_reg, in_cnt_next;
logic                   ld_valid_reg, ld_valid_next;
logic                   ld_last_reg, ld_last_next;
logic [AW-1:0]          ld_addr_reg, ld_addr_next;
logic [511:0]           ld_data_reg;

// Running maxima: slot k folds beats k, k + 16, ...; busy from acceptance to write-back.
logic [SLOTS-1:0][31:0] acc_reg, acc_next;
logic [SLOTS-1:0]       busy_reg, busy_next;
logic [3:0]             m16_cnt_reg, m16_cnt_next;    // slot of the next beat maximum out of max16
logic [3:0]             fmax_cnt_reg, fmax_cnt_next;  // slot of the next fold out of fp32_max
logic [31:0]            m_reg, m_next;                // the maximum
logic [31:0]            r_reg, r_next;                // recip(sum16(e))

// EXP / OUT: buffer reader and result beat counter.
logic [BW-1:0]          rd_left_reg, rd_left_next;    // beats still to read
logic [AW-1:0]          rd_addr_reg, rd_addr_next;
logic                   rd_valid_reg, rd_valid_next;  // rd_data_reg holds a beat
logic [511:0]           rd_data_reg;                  // RAM output register
logic                   rd_en;
logic                   core_a_valid;                 // the RAM output beat offered to the shell
logic                   a_take;                       // and taken
logic [AW-1:0]          o_addr_reg, o_addr_next;      // result beat index
logic                   o_last_reg, o_last_next;      // it is the run's last

// Buffer: s after LOAD, e after EXP.
logic [511:0]           buf_mem [0:DEPTH-1];
logic                   buf_wr_en;
logic [AW-1:0]          buf_wr_addr;
logic [511:0]           buf_wr_data;

// Blocks.
logic                   in_take;
logic [LANES-1:0]       ld_keep, o_keep;
logic                   fin_issue;                    // max16 over the slots this cycle
logic                   m16_in_valid;
logic [511:0]           m16_x;                        // XLS order: element 0 in the top bits
wire                    m16_out_valid;
wire [31:0]             m16_out;
logic                   fmax_in_valid;
wire                    fmax_out_valid;
wire [31:0]             fmax_out;
wire                    core_a_tready, core_b_tready;
wire                    lane_valid;
wire [511:0]            lane_a;
wire [31:0]             lane_b;
logic                   lane_out_valid;
logic [511:0]           lane_out;
wire [LANES-1:0]        mul_out_valid;
wire [511:0]            mul_out;
logic                   exp_free;                     // the exp lanes take a new beat this cycle
logic                   exp_beat_valid;               // a whole e beat out of the exp lanes
logic [511:0]           exp_beat;
wire [511:0]            core_tdata;
wire                    core_tvalid;
logic                   core_tready;
logic [511:0]           res_data;                     // result beat, lanes past n = +0
logic                   sum_in_valid;
wire                    sum_in_ready;
wire [31:0]             sum_out;
wire                    sum_out_valid;
wire                    recip_out_valid;
wire [31:0]             recip_out;

// Lanes run in lockstep: lane 0's valid stands for all. b is always valid (m or r).
wire unused_lanes = &{1'b0, mul_out_valid[LANES-1:1], core_b_tready};
// n past NW bits is out of contract (n <= MAX_N).
wire unused_n = &{1'b0, n};

assign in_ready = (state_reg == STATE_IDLE || state_reg == STATE_LOAD) && !busy_reg[in_cnt_reg[3:0]];
assign in_take  = in_valid && in_ready;
assign idle     = state_reg == STATE_IDLE;

// Lanes of a beat below n: all but the last beat's tail.
assign ld_keep = ld_last_reg ? tail_reg : {LANES{1'b1}};
assign o_keep  = o_last_reg ? tail_reg : {LANES{1'b1}};

always_comb begin
    state_next    = state_reg;
    beats_next    = beats_reg;
    tail_next     = tail_reg;
    in_cnt_next   = in_cnt_reg;
    ld_valid_next = 1'b0;
    ld_last_next  = ld_last_reg;
    ld_addr_next  = ld_addr_reg;
    busy_next     = busy_reg;
    acc_next      = acc_reg;
    m16_cnt_next  = m16_cnt_reg;
    fmax_cnt_next = fmax_cnt_reg;
    m_next        = m_reg;
    r_next        = r_reg;
    rd_left_next  = rd_left_reg;
    rd_addr_next  = rd_addr_reg;
    rd_valid_next = rd_valid_reg;
    o_addr_next   = o_addr_reg;
    o_last_next   = o_last_reg;
    fin_issue     = 1'b0;

    /*
     * LOAD: a taken beat is registered, then stored and sent to max16 with its slot reserved.
     */
    if (in_take) begin
        ld_valid_next = 1'b1;
        busy_next[in_cnt_reg[3:0]] = 1'b1;
        ld_addr_next  = AW'(in_cnt_reg);
        in_cnt_next   = in_cnt_reg + 1'b1;
        if (state_reg == STATE_IDLE) begin
            // First beat: the run's shape from n.
            beats_next   = BW'((NW'(n[NW-1:0]) + NW'(15)) >> 4);
            tail_next    = n[3:0] == 4'd0 ? {LANES{1'b1}} : LANES'((17'd1 << n[3:0]) - 17'd1);
            ld_last_next = n[NW-1:0] <= NW'(16);
            acc_next     = {SLOTS{NEG_INF}};
            state_next   = n[NW-1:0] <= NW'(16) ? STATE_MAX_WAIT : STATE_LOAD;
        end else begin
            ld_last_next = in_cnt_reg + 1'b1 == beats_reg;
            if (in_cnt_reg + 1'b1 == beats_reg) begin
                state_next = STATE_MAX_WAIT;
            end
        end
    end

    // Beat maxima out of max16 are folded into their slot; folds come back in order.
    if (fmax_in_valid) begin
        m16_cnt_next = m16_cnt_reg + 1'b1;
    end
    if (fmax_out_valid) begin
        acc_next[fmax_cnt_reg]  = fmax_out;
        busy_next[fmax_cnt_reg] = 1'b0;
        fmax_cnt_next           = fmax_cnt_reg + 1'b1;
    end

    /*
     * EXP / OUT: buffer -> RAM output register -> elementwise_core; results counted.
     */
    // In EXP a beat goes to the shell only when the exp lanes are free for its parts.
    core_a_valid = rd_valid_reg && (state_reg != STATE_EXP || exp_free);
    a_take       = core_a_valid && core_a_tready;
    rd_en = (state_reg == STATE_EXP || state_reg == STATE_OUT) && rd_left_reg != '0
         && (!rd_valid_reg || a_take);
    if (a_take) begin
        rd_valid_next = 1'b0;
    end
    if (rd_en) begin
        rd_valid_next = 1'b1;
        rd_left_next  = rd_left_reg - 1'b1;
        rd_addr_next  = rd_addr_reg + 1'b1;
    end
    if (core_tvalid && core_tready) begin
        o_addr_next = o_addr_reg + 1'b1;
        o_last_next = BW'(o_addr_reg) + BW'(2) == beats_reg;
    end

    case (state_reg)
        STATE_IDLE: begin
            m16_cnt_next  = '0;
            fmax_cnt_next = '0;
        end
        STATE_LOAD: begin
        end
        STATE_MAX_WAIT: begin
            if (busy_reg == '0) begin
                fin_issue  = 1'b1;
                state_next = STATE_MAX_FINAL;
            end
        end
        STATE_MAX_FINAL: begin
            if (m16_out_valid) begin
                m_next        = m16_out;
                rd_left_next  = beats_reg;
                rd_addr_next  = '0;
                o_addr_next   = '0;
                o_last_next   = beats_reg == BW'(1);
                state_next    = STATE_EXP;
            end
        end
        STATE_EXP: begin
            // The sum only comes after the last e beat went into sum16: the pass is over.
            if (sum_out_valid) begin
                state_next = STATE_RECIP;
            end
        end
        STATE_RECIP: begin
            if (recip_out_valid) begin
                r_next       = recip_out;
                rd_left_next = beats_reg;
                rd_addr_next = '0;
                o_addr_next  = '0;
                o_last_next  = beats_reg == BW'(1);
                state_next   = STATE_OUT;
            end
        end
        STATE_OUT: begin
            if (core_tvalid && core_tready && o_last_reg) begin
                in_cnt_next = '0;
                state_next  = STATE_IDLE;
            end
        end
        default: begin
            state_next = STATE_IDLE;
        end
    endcase
end

always_ff @(posedge clk) begin
    state_reg    <= state_next;
    beats_reg    <= beats_next;
    tail_reg     <= tail_next;
    in_cnt_reg   <= in_cnt_next;
    ld_valid_reg <= ld_valid_next;
    ld_last_reg  <= ld_last_next;
    ld_addr_reg  <= ld_addr_next;
    busy_reg     <= busy_next;
    acc_reg      <= acc_next;
    m16_cnt_reg  <= m16_cnt_next;
    fmax_cnt_reg <= fmax_cnt_next;
    m_reg        <= m_next;
    r_reg        <= r_next;
    rd_left_reg  <= rd_left_next;
    rd_addr_reg  <= rd_addr_next;
    rd_valid_reg <= rd_valid_next;
    o_addr_reg   <= o_addr_next;
    o_last_reg   <= o_last_next;

    if (rst) begin
        state_reg    <= STATE_IDLE;
        in_cnt_reg   <= '0;
        ld_valid_reg <= 1'b0;
        busy_reg     <= '0;
        m16_cnt_reg  <= '0;
        fmax_cnt_reg <= '0;
        rd_left_reg  <= '0;
        rd_valid_reg <= 1'b0;
    end
end

// The input register and the buffer, without reset (block RAM with its output register).
always_ff @(posedge clk) begin
    if (in_take) begin
        ld_data_reg <= in_data;
    end
end

always_comb begin
    buf_wr_en   = ld_valid_reg || (state_reg == STATE_EXP && core_tvalid && core_tready);
    buf_wr_addr = ld_valid_reg ? ld_addr_reg : o_addr_reg;
    buf_wr_data = ld_valid_reg ? ld_data_reg : res_data;
end

always_ff @(posedge clk) begin
    if (buf_wr_en) begin
        buf_mem[buf_wr_addr] <= buf_wr_data;
    end
    if (rd_en) begin
        rd_data_reg <= buf_mem[rd_addr_reg];
    end
end

/*
 * Maximum: max16 per beat (lanes past n = -inf) or over the slots; fp32_max folds
 */
always_comb begin
    // XLS flattens arrays with element 0 in the most significant bits: reverse the lanes.
    for (int k = 0; k < LANES; k++) begin
        if (fin_issue) begin
            m16_x[32 * (LANES - 1 - k) +: 32] = acc_reg[k];
        end else begin
            m16_x[32 * (LANES - 1 - k) +: 32] = ld_keep[k] ? ld_data_reg[32 * k +: 32] : NEG_INF;
        end
    end
    m16_in_valid  = ld_valid_reg || fin_issue;
    // In STATE_MAX_FINAL the only max16 result is m itself, not a beat maximum.
    fmax_in_valid = m16_out_valid && state_reg != STATE_MAX_FINAL;
end

fp32_max16 fp32_max16_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(m16_in_valid),
    .x(m16_x),
    .out_valid(m16_out_valid),
    .out(m16_out)
);

fp32_max fp32_max_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(fmax_in_valid),
    .a(acc_reg[m16_cnt_reg]),
    .b(m16_out),
    .out_valid(fmax_out_valid),
    .out(fmax_out)
);

/*
 * EXP and OUT lanes behind one lane shell
 */
elementwise_core #(
    .A_WIDTH(512),
    .B_WIDTH(32),
    .OUT_WIDTH(512),
    .LANE_LATENCY(LANE_LATENCY)
) elementwise_core_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_a_tdata(rd_data_reg),
    .s_axis_a_tvalid(core_a_valid),
    .s_axis_a_tready(core_a_tready),
    .s_axis_b_tdata(state_reg == STATE_OUT ? r_reg : m_reg),
    .s_axis_b_tvalid(1'b1),
    .s_axis_b_tready(core_b_tready),
    .lane_valid(lane_valid),
    .lane_a(lane_a),
    .lane_b(lane_b),
    .lane_out_valid(lane_out_valid),
    .lane_out(lane_out),
    .m_axis_tdata(core_tdata),
    .m_axis_tvalid(core_tvalid),
    .m_axis_tready(core_tready)
);

// One pass at a time: EXP results never meet OUT results in the shell.
always_comb begin
    lane_out_valid = state_reg == STATE_OUT ? mul_out_valid[0] : exp_beat_valid;
    lane_out       = state_reg == STATE_OUT ? mul_out : exp_beat;
end

softmax_exp_lanes #(
    .EXP_LANES(EXP_LANES)
) softmax_exp_lanes_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(lane_valid && state_reg == STATE_EXP),
    .in_s(lane_a),
    .m(m_reg),      // the shell's scalar in EXP (lane_b), constant over the pass
    .in_free(exp_free),
    .out_valid(exp_beat_valid),
    .out_e(exp_beat)
);

for (genvar i = 0; i < LANES; i++) begin : g_lane
    ew_mul ew_mul_inst (
        .clk(clk),
        .rst(rst),
        .in_valid(lane_valid && state_reg == STATE_OUT),
        .x(lane_a[32 * i +: 32]),
        .y(lane_b),
        .out_valid(mul_out_valid[i]),
        .out(mul_out[32 * i +: 32])
    );
end

/*
 * Result beats: to sum16 (EXP) or out (OUT), lanes past n forced to +0
 */
always_comb begin
    for (int k = 0; k < LANES; k++) begin
        res_data[32 * k +: 32] = o_keep[k] ? core_tdata[32 * k +: 32] : 32'd0;
    end
    sum_in_valid = core_tvalid && state_reg == STATE_EXP;
    core_tready  = state_reg == STATE_EXP ? sum_in_ready : state_reg == STATE_OUT && out_ready;
end

assign out_data  = res_data;
assign out_valid = core_tvalid && state_reg == STATE_OUT;
assign out_last  = o_last_reg;

sum16_accumulate sum16_accumulate_inst (
    .clk(clk),
    .rst(rst),
    .in_a(res_data),
    .in_b({LANES{ONE}}),
    .in_last(o_last_reg),
    .in_valid(sum_in_valid),
    .in_ready(sum_in_ready),
    .out_sum(sum_out),
    .out_valid(sum_out_valid),
    .out_ready(1'b1)
);

fp32_recip fp32_recip_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(sum_out_valid && state_reg == STATE_EXP),
    .x(sum_out),
    .out_valid(recip_out_valid),
    .out(recip_out)
);

endmodule

`default_nettype wire
