// SPDX-License-Identifier: Apache-2.0

/*
 * Forward-kernel scratchpad writer: the one write port, fed by a stream or by
 * the ENGINES matmul engines
 *
 * A run (start, one cycle) writes cfg_count words from cfg_base on and
 * pulses done in the cycle after the last write. Two sources:
 * - cfg_engines = 0: s_axis, word i to cfg_base + i, in stream order;
 * - cfg_engines = 1: the result streams of the ENGINES matmul engines
 *   (E = ENGINES: 4 fed by the four DDR channels, or 4 per bank of the
 *   on-chip weight store). Engine c computes the row blocks b with
 *   b mod E = c, in order, so its j-th result beat is block c + E j and goes
 *   to cfg_base + c + E j. One result is taken per cycle (the lowest engine
 *   with one waiting): the engines make one result per block of at least 9
 *   weight beats each, so E <= 8 engines stay below that rate however they
 *   align, and 16 do while their blocks are 16 beats or longer (GS 32: a
 *   dim of 32 or more).
 *   With several tokens a run (cfg_tokens > 1, the engines' TOKENS: prefill),
 *   an engine's results are block-major, token-minor: its k-th beat is token
 *   k mod cfg_tokens of block c + E (k / cfg_tokens) and goes to
 *   cfg_base + t TOKEN_STRIDE + c + E j (each token's copy of the region).
 * - cfg_engines = 1 and cfg_addressed = 1: streams 0..3, each beat written
 *   to the word its s_axis_e_taddr names (the four attention lanes, whose
 *   heads are not in block order).
 * written: in an engine run of one token, the words from cfg_base on all
 * written (the RAM has them: a reader may read them), i.e. the least of the
 * engines' next words, through a registered min tree a few cycles behind:
 * the classifier's logits are streamed out while the engines make them.
 * Every source is taken as soon as it is valid (the RAM never stalls), so a
 * core feeding the writer never waits on it; outside a run nothing is taken.
 * The write itself is registered (address, data and enable come from
 * registers).
 */

`default_nettype none

module fwd_writer #(
    // Width of the scratchpad word address, bits (>= 2)
    parameter int AW = 10,
    // Width of cfg_count, bits (>= AW)
    parameter int CW = AW + 1,
    // Result beats per block an engine may make (its TOKENS), and the words between one
    // token's copy of a region and the next's
    parameter int TOKENS = 1,
    parameter int TOKEN_STRIDE = 0,
    parameter int TOKEN_WIDTH = $clog2(TOKENS + 1),
    // Engine result streams (a power of two, >= 4)
    parameter int ENGINES = 4
) (
    input  wire              clk,
    input  wire              rst,  // active-high, synchronous: abandons any run

    /*
     * Run control: cfg_* sampled at start
     */
    input  wire              start,
    input  wire  [AW-1:0]    cfg_base,
    input  wire  [CW-1:0]    cfg_count,    // words to write, >= 1
    input  wire              cfg_engines,  // 1: the engine result streams, 0: s_axis
    input  wire              cfg_addressed,  // with cfg_engines: each beat to its s_axis_e_taddr
    input  wire  [TOKEN_WIDTH-1:0] cfg_tokens, // with cfg_engines: result beats per block, 1..TOKENS
    output wire              busy,
    output wire              done,         // one-cycle pulse after the last word was written
    output wire  [CW-1:0]    written,      // engine run of one token: words from cfg_base written (a few cycles late; 0 from start)

    /*
     * Sequential source (slave)
     */
    input  wire  [511:0]     s_axis_tdata,
    input  wire              s_axis_tvalid,
    output wire              s_axis_tready,

    /*
     * Engine result streams (slaves), engine c at [512c +: 512] / bit c
     */
    input  wire  [ENGINES*512-1:0] s_axis_e_tdata,
    input  wire  [4*AW-1:0]        s_axis_e_taddr,   // stream c's word at [AW*c +: AW] (cfg_addressed: c < 4)
    input  wire  [ENGINES-1:0]     s_axis_e_tvalid,
    output logic [ENGINES-1:0]     s_axis_e_tready,

    /*
     * Scratchpad write port
     */
    output wire              ram_en,
    output wire  [AW-1:0]    ram_addr,
    output wire  [511:0]     ram_data
);

if (AW < 2 || CW < AW) begin : g_check_widths
    $error("fwd_writer: AW must be >= 2 and CW >= AW");
end
if (TOKENS < 1 || TOKENS > 8 || TOKEN_WIDTH != $clog2(TOKENS + 1)) begin : g_check_tokens
    $error("fwd_writer: TOKENS must be in 1..8 (TOKEN_WIDTH is derived)");
end

if (ENGINES < 4 || (ENGINES & (ENGINES - 1)) != 0 || AW <= $clog2(ENGINES)) begin : g_check_engines
    $error("fwd_writer: ENGINES must be a power of two >= 4, below 2 ** AW");
end

localparam int TI_WIDTH = TOKENS > 1 ? $clog2(TOKENS) : 1;  // a token's index

logic [CW-1:0]   left_reg, left_next;      // words still to write
logic [AW-1:0]   addr_reg, addr_next;      // sequential source: next address
logic            engines_reg, engines_next;
logic            addressed_reg, addressed_next;
logic            busy_reg, busy_next;
logic            done_reg, done_next;
// Per engine c, its next beat's word, kept ready so that a take only selects it: block c + E j
// of token t goes to cfg_base + t TOKEN_STRIDE + c + E j. bw: token 0's word of the current
// block (cfg_base + c + E j); nw: the next beat's (bw + t TOKEN_STRIDE).
logic [AW-1:0]   bw_reg [0:ENGINES-1];
logic [AW-1:0]   bw_next [0:ENGINES-1];
logic [AW-1:0]   nw_reg [0:ENGINES-1];
logic [AW-1:0]   nw_next [0:ENGINES-1];
logic [TI_WIDTH-1:0] t_reg [0:ENGINES-1];  // per engine: the token of its next beat
logic [TI_WIDTH-1:0] t_next [0:ENGINES-1];
logic [TI_WIDTH-1:0] tok_last_reg, tok_last_next;  // cfg_tokens - 1

// Registered write.
logic            we_reg, we_next;
logic [AW-1:0]   wa_reg, wa_next;
logic [511:0]    wd_reg, wd_next;

logic            take;
// The engine taken this cycle, one-hot: the lowest with a beat waiting. Its word and data are
// ORed out of the grants (an AND-OR, not a priority encoder driving a 16-way mux: logic depth).
logic [ENGINES-1:0] grant;
logic            lower;                    // an engine below c has a beat waiting
logic [AW-1:0]   base_reg, base_next;      // the run's cfg_base

// written: the least next word over the engines, a registered pair-wise min per level, less
// the base. Level 0 is the engines' next words; level LV holds the least.
localparam int LV = $clog2(ENGINES);
logic [AW-1:0]   min_reg [1:LV][0:ENGINES/2-1];
logic [CW-1:0]   written_reg;
logic [3:0]      settle_reg;               // cycles until written holds this run's (0: it does)
logic [AW-1:0]   grant_word, grant_taddr;
logic [511:0]    grant_data;

assign busy          = busy_reg;
assign done          = done_reg;
assign written       = settle_reg == 4'd0 && !start ? written_reg : '0;  // (a run's, from its start on)
assign s_axis_tready = busy_reg && !engines_reg;
assign ram_en        = we_reg;
assign ram_addr      = wa_reg;
assign ram_data      = wd_reg;

always_comb begin
    left_next    = left_reg;
    addr_next    = addr_reg;
    engines_next = engines_reg;
    addressed_next = addressed_reg;
    base_next    = base_reg;
    busy_next    = busy_reg;
    done_next    = 1'b0;
    we_next      = 1'b0;
    wa_next      = wa_reg;
    wd_next      = wd_reg;
    tok_last_next = tok_last_reg;
    for (int c = 0; c < ENGINES; c++) begin
        bw_next[c] = bw_reg[c];
        nw_next[c] = nw_reg[c];
        t_next[c]  = t_reg[c];
    end
    take = 1'b0;

    // Lowest engine with a result waiting (outside an engine run: none).
    grant = '0;
    lower = 1'b0;
    for (int c = 0; c < ENGINES; c++) begin
        grant[c] = busy_reg && engines_reg && s_axis_e_tvalid[c] && !lower;
        lower    = lower || s_axis_e_tvalid[c];
    end
    s_axis_e_tready = grant;
    grant_word  = '0;
    grant_taddr = '0;
    grant_data  = '0;
    for (int c = 0; c < ENGINES; c++) begin
        grant_word = grant_word | (grant[c] ? nw_reg[c] : '0);
        grant_data = grant_data | (grant[c] ? s_axis_e_tdata[512 * c +: 512] : '0);
        if (c < 4) begin
            grant_taddr = grant_taddr | (grant[c] ? s_axis_e_taddr[AW * (c % 4) +: AW] : '0);
        end
    end

    // (the take itself from the valids alone, not through the grants: logic depth)
    if (busy_reg && engines_reg && s_axis_e_tvalid != '0) begin
        take    = 1'b1;
        wa_next = addressed_reg ? grant_taddr : grant_word;
        wd_next = grant_data;
        for (int c = 0; c < ENGINES; c++) begin
            if (grant[c]) begin
                // The block's last token: the engine's next block, token 0; else its next token.
                if (TOKENS == 1 || t_reg[c] == tok_last_reg) begin
                    bw_next[c] = bw_reg[c] + AW'(ENGINES);
                    nw_next[c] = bw_reg[c] + AW'(ENGINES);
                    t_next[c]  = '0;
                end else begin
                    nw_next[c] = nw_reg[c] + AW'(TOKEN_STRIDE);
                    t_next[c]  = t_reg[c] + 1'b1;
                end
            end
        end
    end else if (busy_reg && !engines_reg && s_axis_tvalid) begin
        take      = 1'b1;
        wa_next   = addr_reg;
        wd_next   = s_axis_tdata;
        addr_next = addr_reg + 1'b1;
    end

    if (take) begin
        we_next   = 1'b1;
        left_next = left_reg - 1'b1;
        if (left_reg == CW'(1)) begin
            busy_next = 1'b0;
            done_next = 1'b1;
        end
    end

    if (start) begin
        left_next    = cfg_count;
        addr_next    = cfg_base;
        engines_next = cfg_engines;
        addressed_next = cfg_addressed;
        base_next    = cfg_base;
        busy_next    = 1'b1;
        tok_last_next = TI_WIDTH'(cfg_tokens - 1'b1);
        for (int c = 0; c < ENGINES; c++) begin
            bw_next[c] = cfg_base + AW'(c);
            nw_next[c] = cfg_base + AW'(c);
            t_next[c]  = '0;
        end
    end
end

always_ff @(posedge clk) begin
    left_reg    <= left_next;
    addr_reg    <= addr_next;
    engines_reg <= engines_next;
    addressed_reg <= addressed_next;
    base_reg    <= base_next;
    for (int i = 0; i < ENGINES / 2; i++) begin
        min_reg[1][i] <= nw_reg[2 * i] < nw_reg[2 * i + 1] ? nw_reg[2 * i] : nw_reg[2 * i + 1];
    end
    for (int l = 2; l <= LV; l++) begin
        for (int i = 0; i < (ENGINES >> l); i++) begin
            min_reg[l][i] <= min_reg[l-1][2 * i] < min_reg[l-1][2 * i + 1] ? min_reg[l-1][2 * i] : min_reg[l-1][2 * i + 1];
        end
    end
    written_reg <= CW'(min_reg[LV][0] - base_reg);
    // After a start the tree still holds the last run's words for LV + 2 cycles: written reads 0.
    settle_reg  <= start ? 4'(LV + 2) : settle_reg - 4'(settle_reg != 4'd0);
    busy_reg    <= busy_next;
    done_reg    <= done_next;
    we_reg      <= we_next;
    wa_reg      <= wa_next;
    wd_reg      <= wd_next;
    tok_last_reg <= tok_last_next;
    for (int c = 0; c < ENGINES; c++) begin
        bw_reg[c] <= bw_next[c];
        nw_reg[c] <= nw_next[c];
        t_reg[c]  <= t_next[c];
    end

    if (rst) begin
        left_reg <= '0;
        busy_reg <= 1'b0;
        done_reg <= 1'b0;
        we_reg   <= 1'b0;
        settle_reg <= 4'(LV + 2);
    end
end

endmodule

`default_nettype wire
