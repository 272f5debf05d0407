// SPDX-License-Identifier: Apache-2.0

/*
 * One score pipe of the attention core: key slots in, q . k dot products out
 *
 * attention_core (rtl/kernels/attention_core.sv) deals a run's key slots to
 * PIPES of these in turn: slot r of the run (head r / (pos + 1), position
 * r mod (pos + 1)) goes to pipe r mod PIPES, so this pipe takes slots
 * PIPE, PIPE + PIPES, ... and returns one dot product per slot, in its slot
 * order; the core collects them in the same turn, so in run order.
 *
 * Per slot: the slot's beats land in a small FIFO (the unpacker holds a beat
 * until its last chunk is out, four cycles for an int8 beat; without the FIFO
 * the core's dealer would wait on this pipe that long, and the pipes would
 * take turns instead of working at once), attention_kv_unpack turns the slot
 * into fp32 chunks of 16 (int8 through ew_i8_to_f32), each chunk is paired with the matching chunk of the
 * slot's query head (read from the core's q memory once that q beat has
 * arrived) and goes to sum16_accumulate, a run per slot:
 *
 *     dot = sum16(q * k)       (hwmodel: dot16 per chunk, chunk sums in order from +0)
 *
 * sum16_accumulate's ACC_UNITS accumulators take the slots in turn: one adds
 * a chunk sum per fp32_sum_add latency + 1 cycles (they share the adder by
 * time slots), that many keep the pipe at a chunk per cycle with one dot16. Two pipes give two chunks per cycle when the slots arrive faster
 * than one pipe takes them (int8: a 64-value slot is one beat, four chunks).
 *
 * The configuration inputs hold from the start pulse to the run's last dot
 * product (the core's contract).
 */

`default_nettype none

module attention_score_pipe #(
    // This pipe's place in the turn (0..PIPES-1) and the number of pipes (1..4)
    parameter int PIPE             = 0,
    parameter int PIPES            = 1,
    // Accumulators of the sum16 unit (1..16): fp32_sum_add's latency + 1 keep the pipe at a chunk
    // per cycle
    parameter int ACC_UNITS        = hls_latency_pkg::FP32_SUM_ADD_LATENCY + 1,
    // Largest head_size / 16 (chunks per slot)
    parameter int MAX_SLOT_CHUNKS  = 8,
    // Chunk FIFO behind the int8 converters, chunks (power of two >= 2; >= latency + 2 for full rate)
    parameter int CHUNK_FIFO_DEPTH = 16,
    // Key beats buffered in front of the unpacker (power of two >= 2)
    parameter int BEAT_FIFO_DEPTH  = 4,
    // Widths shared with the core: chunk count, position, q memory address
    parameter int C_WIDTH          = 4,
    parameter int T_WIDTH          = 12,
    parameter int Q_WIDTH          = 8
) (
    input  wire                 clk,
    input  wire                 rst,          // active-high, synchronous

    /*
     * Run configuration (held from start to the run's last dot product)
     */
    input  wire                 start,        // one-cycle pulse before a run's first slot
    input  wire                 int8,         // 1: int8 slots, 0: fp32 slots
    input  wire  [C_WIDTH-1:0]  head_chunks,  // head_size / 16
    input  wire  [T_WIDTH-1:0]  pos,          // last position attended

    /*
     * Key slots dealt to this pipe (slave): whole slots, in its slot order
     */
    input  wire  [511:0]        s_k_tdata,
    input  wire                 s_k_tvalid,
    output wire                 s_k_tready,

    /*
     * The core's q memory: q_data = beat q_addr; beats below q_count have arrived
     */
    output wire  [Q_WIDTH-1:0]  q_addr,
    input  wire  [511:0]        q_data,
    input  wire  [Q_WIDTH:0]    q_count,

    /*
     * One dot product per slot, in this pipe's slot order
     */
    output wire  [31:0]         m_dot,
    output wire                 m_dot_valid,
    input  wire                 m_dot_ready
);

localparam int CI_WIDTH = MAX_SLOT_CHUNKS > 1 ? $clog2(MAX_SLOT_CHUNKS) : 1;

if (PIPES < 1 || PIPES > 4 || PIPE < 0 || PIPE >= PIPES) begin : g_check_pipes
    $error("attention_score_pipe: PIPES must be in 1..4 and PIPE in 0..PIPES-1");
end

// The slot of the chunk loaded next: chunk, position and q beat of the head's chunk 0.
logic [CI_WIDTH-1:0] chunk_reg, chunk_next;
logic [T_WIDTH-1:0]  t_reg, t_next, t_step;
logic [Q_WIDTH-1:0]  qbase_reg, qbase_next, qbase_step;
// Positions after t in its head (pos - t), kept beside t so that the step below starts from
// registers and needs no chain of PIPES compare-and-increment steps (logic depth).
logic [T_WIDTH-1:0]  left_reg, left_next, left_step;
// min(pos, 3), loaded at start (pos holds for the whole run): the step's wrap count compares
// the slots it has left (at most 3) with pos, and against these two bits instead of all of pos
// that count is a function of a few bits (logic depth: two full-width compares against pos in
// a row put pos 9 levels in front of qbase_reg).
logic [1:0]          pos_min_reg, pos_min_next;
logic [1:0]          pos_min_now;           // min(pos, 3) formed from pos, for the start
logic [T_WIDTH-1:0]  pos_minus [0:3];       // pos - r, formed beside the wrap count
// The step's working values: what it passes.
logic [2:0]          step_rest;   // slots left after a head's end, 0..PIPES-1
logic [2:0]          step_wraps;  // heads ended within the step, 1..PIPES
logic [Q_WIDTH-1:0]  from_q_plus [1:4];  // qbase + k * head_chunks, formed beside step_wraps
// The run's first slot (slot PIPE): position, heads passed, q beat of its head's chunk 0.
logic [1:0]          first_t, first_wraps;
logic [Q_WIDTH-1:0]  first_q;
// Input register into sum16_accumulate.
logic                valid_reg, valid_next;
logic [511:0]        k_reg, q_reg;
logic                last_reg;

wire  [511:0]        kb_data;
wire                 kb_valid, kb_ready;
wire  [511:0]        kun_data;
wire                 kun_valid, kun_last;
wire                 sum_in_ready;
logic                load;

assign q_addr = qbase_reg + Q_WIDTH'(chunk_reg);

// The pipe's next slot: PIPES slots on from (t, qbase), or at a run's start slot PIPE of the
// run; one position a slot, a head's last position wrapping to position 0 of the next head.
// Within a head that is t + PIPES. Otherwise the head ends after `left` slots and its last
// position plus one more slot moves to position 0 of the next head, with rest = PIPES - 1 -
// left slots to go; a head of pos + 1 <= rest positions (pos < PIPES - 1) is passed whole
// again, so the step may end several heads on.
always_comb begin
    step_rest  = 3'd0;
    step_wraps = 3'd0;
    from_q_plus[1] = qbase_reg + Q_WIDTH'(head_chunks);
    from_q_plus[2] = qbase_reg + (Q_WIDTH'(head_chunks) << 1);
    from_q_plus[3] = from_q_plus[1] + (Q_WIDTH'(head_chunks) << 1);
    from_q_plus[4] = qbase_reg + (Q_WIDTH'(head_chunks) << 2);
    for (int r = 0; r < 4; r++) begin
        pos_minus[r] = pos - T_WIDTH'(r);
    end
    if (left_reg >= T_WIDTH'(PIPES)) begin
        t_step     = t_reg + T_WIDTH'(PIPES);
        left_step  = left_reg - T_WIDTH'(PIPES);
        qbase_step = qbase_reg;
    end else begin
        step_rest  = 3'(PIPES) - 3'(left_reg) - 3'd1;
        step_wraps = 3'd1;
        // step_rest <= 3: step_rest > pos iff step_rest > min(pos, 3), and then pos < 3 is
        // min(pos, 3) itself.
        for (int i = 0; i < PIPES - 1; i++) begin
            if (step_rest > 3'(pos_min_reg)) begin
                step_rest  = step_rest - 3'(pos_min_reg) - 3'd1;
                step_wraps = step_wraps + 3'd1;
            end
        end
        t_step     = T_WIDTH'(step_rest);
        left_step  = pos_minus[step_rest[1:0]];
        qbase_step = from_q_plus[1];
        for (int k = 2; k <= PIPES; k++) begin
            if (step_wraps == 3'(k)) begin
                qbase_step = from_q_plus[k];
            end
        end
    end
end

// The run's first slot for this pipe, slot PIPE (<= 3) of the run: head PIPE / (pos + 1),
// position PIPE mod (pos + 1), a function of min(pos, 3) (a head of 4 or more positions holds
// slots 0..3), apart from the slot walk above so that pos's compare does not sit in front of it.
always_comb begin
    pos_min_now = pos > T_WIDTH'(3) ? 2'd3 : pos[1:0];
    first_t     = 2'd0;
    first_wraps = 2'd0;
    for (int m = 0; m < 4; m++) begin
        if (pos_min_now == 2'(m)) begin
            first_t     = 2'(PIPE % (m + 1));
            first_wraps = 2'(PIPE / (m + 1));
        end
    end
    first_q = '0;
    for (int k = 1; k <= 3; k++) begin
        if (first_wraps == 2'(k)) begin
            first_q = Q_WIDTH'(head_chunks) * Q_WIDTH'(k);
        end
    end
end

always_comb begin
    chunk_next = chunk_reg;
    t_next     = t_reg;
    left_next  = left_reg;
    qbase_next = qbase_reg;
    valid_next = valid_reg;
    pos_min_next = pos_min_reg;

    load = kun_valid && (!valid_reg || sum_in_ready) && q_count > (Q_WIDTH + 1)'(q_addr);
    if (valid_reg && sum_in_ready) begin
        valid_next = 1'b0;
    end
    if (load) begin
        valid_next = 1'b1;
        if (kun_last) begin
            chunk_next = '0;
            t_next     = t_step;
            left_next  = left_step;
            qbase_next = qbase_step;
        end else begin
            chunk_next = chunk_reg + 1'b1;
        end
    end

    if (start) begin
        pos_min_next = pos_min_now;
        chunk_next = '0;
        t_next     = T_WIDTH'(first_t);
        left_next  = pos_minus[first_t];
        qbase_next = first_q;
    end
end

always_ff @(posedge clk) begin
    chunk_reg <= chunk_next;
    t_reg     <= t_next;
    left_reg  <= left_next;
    qbase_reg <= qbase_next;
    valid_reg <= valid_next;
    pos_min_reg <= pos_min_next;
    if (rst) begin
        chunk_reg <= '0;
        t_reg     <= '0;
        left_reg  <= '0;
        qbase_reg <= '0;
        valid_reg <= 1'b0;
        pos_min_reg <= '0;
    end
end

// Data registers without reset.
always_ff @(posedge clk) begin
    if (load) begin
        k_reg    <= kun_data;
        q_reg    <= q_data;
        last_reg <= kun_last;
    end
end

attention_fifo #(
    .WIDTH(512),
    .DEPTH(BEAT_FIFO_DEPTH)
) k_beat_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data(s_k_tdata),
    .s_valid(s_k_tvalid),
    .s_ready(s_k_tready),
    .m_data(kb_data),
    .m_valid(kb_valid),
    .m_ready(kb_ready)
);

attention_kv_unpack #(
    .MAX_SLOT_CHUNKS(MAX_SLOT_CHUNKS),
    .FIFO_DEPTH(CHUNK_FIFO_DEPTH)
) k_unpack_inst (
    .clk(clk),
    .rst(rst),
    .int8(int8),
    .slot_chunks(head_chunks),
    .s_axis_tdata(kb_data),
    .s_axis_tvalid(kb_valid),
    .s_axis_tready(kb_ready),
    .m_axis_tdata(kun_data),
    .m_axis_tlast(kun_last),
    .m_axis_tvalid(kun_valid),
    .m_axis_tready(load)
);

sum16_accumulate #(
    .ACC_UNITS(ACC_UNITS)
) sum16_inst (
    .clk(clk),
    .rst(rst),
    .in_a(k_reg),
    .in_b(q_reg),
    .in_last(last_reg),
    .in_valid(valid_reg),
    .in_ready(sum_in_ready),
    .out_sum(m_dot),
    .out_valid(m_dot_valid),
    .out_ready(m_dot_ready)
);

endmodule

`default_nettype wire
