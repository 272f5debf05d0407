// SPDX-License-Identifier: Apache-2.0

/*
 * Forward-kernel scratchpad writer: the one write port, fed by a stream or by
 * the four matmul engines
 *
 * A run (start, one cycle) writes cfg_count words from cfg_base on and
 * pulses done in the cycle after the last write. Two sources:
 * - cfg_engines = 0: s_axis, word i to cfg_base + i, in stream order;
 * - cfg_engines = 1: the result streams of the four matmul engines. Engine c
 *   computes the row blocks b with b mod 4 = c, in order, so its j-th result
 *   beat is block c + 4j and goes to cfg_base + c + 4j. One result is taken
 *   per cycle (the lowest engine with one waiting): the engines make one
 *   result per block of at least 9 weight beats each, far below that rate.
 *   With several tokens a run (cfg_tokens > 1, the engines' TOKENS: prefill),
 *   an engine's results are block-major, token-minor: its k-th beat is token
 *   k mod cfg_tokens of block c + 4 (k / cfg_tokens) and goes to
 *   cfg_base + t TOKEN_STRIDE + c + 4j (each token's copy of the region).
 * - cfg_engines = 1 and cfg_addressed = 1: the same four streams, each beat
 *   written to the word its s_axis_e_taddr names (the four attention lanes,
 *   whose heads are not in block order).
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
    parameter int TOKEN_WIDTH = $clog2(TOKENS + 1)
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

    /*
     * Sequential source (slave)
     */
    input  wire  [511:0]     s_axis_tdata,
    input  wire              s_axis_tvalid,
    output wire              s_axis_tready,

    /*
     * Engine result streams (slaves), engine c at [512c +: 512] / bit c
     */
    input  wire  [4*512-1:0] s_axis_e_tdata,
    input  wire  [4*AW-1:0]  s_axis_e_taddr,   // stream c's word at [AW*c +: AW] (cfg_addressed)
    input  wire  [3:0]       s_axis_e_tvalid,
    output logic [3:0]       s_axis_e_tready,

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

localparam int TI_WIDTH = TOKENS > 1 ? $clog2(TOKENS) : 1;  // a token's index

logic [CW-1:0]   left_reg, left_next;      // words still to write
logic [AW-1:0]   addr_reg, addr_next;      // sequential source: next address
logic [AW-1:0]   base_reg, base_next;
logic            engines_reg, engines_next;
logic            addressed_reg, addressed_next;
logic            busy_reg, busy_next;
logic            done_reg, done_next;
logic [AW-3:0]   j_reg [0:3];              // per engine: blocks done (block c + 4j next)
logic [AW-3:0]   j_next [0:3];
logic [TI_WIDTH-1:0] t_reg [0:3];          // per engine: the token of its next beat
logic [TI_WIDTH-1:0] t_next [0:3];
logic [AW-1:0]   tb_reg [0:3];             // per engine: cfg_base + t TOKEN_STRIDE
logic [AW-1:0]   tb_next [0:3];
logic [TI_WIDTH-1:0] tok_last_reg, tok_last_next;  // cfg_tokens - 1

// Registered write.
logic            we_reg, we_next;
logic [AW-1:0]   wa_reg, wa_next;
logic [511:0]    wd_reg, wd_next;

logic            take;
logic [1:0]      sel;

assign busy          = busy_reg;
assign done          = done_reg;
assign s_axis_tready = busy_reg && !engines_reg;
assign ram_en        = we_reg;
assign ram_addr      = wa_reg;
assign ram_data      = wd_reg;

always_comb begin
    left_next    = left_reg;
    addr_next    = addr_reg;
    base_next    = base_reg;
    engines_next = engines_reg;
    addressed_next = addressed_reg;
    busy_next    = busy_reg;
    done_next    = 1'b0;
    we_next      = 1'b0;
    wa_next      = wa_reg;
    wd_next      = wd_reg;
    tok_last_next = tok_last_reg;
    for (int c = 0; c < 4; c++) begin
        j_next[c]  = j_reg[c];
        t_next[c]  = t_reg[c];
        tb_next[c] = tb_reg[c];
    end
    s_axis_e_tready = 4'd0;
    take = 1'b0;
    sel  = 2'd0;

    if (busy_reg && engines_reg) begin
        // Lowest engine with a result waiting.
        for (int c = 3; c >= 0; c--) begin
            if (s_axis_e_tvalid[c]) begin
                sel = 2'(c);
            end
        end
        if (s_axis_e_tvalid != 4'd0) begin
            take                 = 1'b1;
            s_axis_e_tready[sel] = 1'b1;
            wa_next              = addressed_reg ? s_axis_e_taddr[AW * sel +: AW]
                                                 : (TOKENS == 1 ? base_reg : tb_reg[sel]) + AW'(sel) + {j_reg[sel], 2'b00};
            wd_next              = s_axis_e_tdata[512 * sel +: 512];
            // The block's last token: the engine's next block, token 0; else its next token.
            if (TOKENS == 1 || t_reg[sel] == tok_last_reg) begin
                j_next[sel]  = j_reg[sel] + 1'b1;
                t_next[sel]  = '0;
                tb_next[sel] = base_reg;
            end else begin
                t_next[sel]  = t_reg[sel] + 1'b1;
                tb_next[sel] = tb_reg[sel] + AW'(TOKEN_STRIDE);
            end
        end
    end else if (busy_reg && s_axis_tvalid) begin
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
        base_next    = cfg_base;
        engines_next = cfg_engines;
        addressed_next = cfg_addressed;
        busy_next    = 1'b1;
        tok_last_next = TI_WIDTH'(cfg_tokens - 1'b1);
        for (int c = 0; c < 4; c++) begin
            j_next[c]  = '0;
            t_next[c]  = '0;
            tb_next[c] = cfg_base;
        end
    end
end

always_ff @(posedge clk) begin
    left_reg    <= left_next;
    addr_reg    <= addr_next;
    base_reg    <= base_next;
    engines_reg <= engines_next;
    addressed_reg <= addressed_next;
    busy_reg    <= busy_next;
    done_reg    <= done_next;
    we_reg      <= we_next;
    wa_reg      <= wa_next;
    wd_reg      <= wd_next;
    tok_last_reg <= tok_last_next;
    for (int c = 0; c < 4; c++) begin
        j_reg[c]  <= j_next[c];
        t_reg[c]  <= t_next[c];
        tb_reg[c] <= tb_next[c];
    end

    if (rst) begin
        left_reg <= '0;
        busy_reg <= 1'b0;
        done_reg <= 1'b0;
        we_reg   <= 1'b0;
    end
end

endmodule

`default_nettype wire
