// SPDX-License-Identifier: Apache-2.0

/*
 * Forward-kernel on-chip weight store of one DDR channel: BANKS banks of
 * 512-bit words, one per matrix engine the channel feeds
 *
 * The on-chip build keeps a model's weights in UltraRAM after a one-time load
 * (docs/forward.md, "Weights on chip"): a token then reads no weight byte
 * from DDR, and each engine has a bank of its own, so BANKS engines per
 * channel each take a weight beat per cycle.
 *
 * Layout (host/image.py WeightBankLayout, the one definition): within each
 * matrix, the channel's j-th block of 16 rows goes to bank j mod BANKS,
 * appended after the bank's earlier blocks. So a bank holds, matrix after
 * matrix, exactly the blocks its engine computes, in the order it computes
 * them.
 *
 * Load: load_clear (one cycle) empties every bank (write pointers to 0, the
 * overflow flag cleared). Each load run (load_start, one cycle) takes
 * cfg_blocks x cfg_block_beats beats from s_axis_load, the channel's part of
 * one matrix as the DDR stream holds it, block i (0 ..) to bank i mod BANKS
 * at that bank's write pointer; load_done pulses in the cycle after the last
 * beat. The RAM write never stalls, so s_axis_load is ready for the whole
 * run. A beat for a full bank is dropped and sets load_overflow (sticky until
 * load_clear): the kernel reports it as a STATUS error, never as wrong
 * weights. cfg_blocks = 0 is a run of no beats (a channel with no block of a
 * small matrix); load_done still pulses, a cycle after load_start.
 *
 * Read: each bank has a reader (fwd_reader: base, count, credit-based FIFO)
 * streaming its words to its engine on m_axis_w, independently of the other
 * banks. The RAM read takes RAM_LATENCY cycles (an UltraRAM cascade needs
 * its pipeline registers at 250 MHz).
 */

`default_nettype none

module fwd_weight_store #(
    // Banks (engines fed by this channel), >= 1
    parameter int BANKS = 4,
    // Words per bank (>= 2)
    parameter int DEPTH = 4096,
    // Width of a word address, bits (derived)
    parameter int AW = $clog2(DEPTH),
    // Width of word counts, bits (>= AW + 1)
    parameter int CW = AW + 1,
    // Width of cfg_blocks, bits
    parameter int BW = 16,
    // Cycles from a bank's read enable to its data (>= 1)
    parameter int RAM_LATENCY = 3,
    // Each reader's output FIFO, words (power of two, >= RAM_LATENCY + 3 for a word per cycle)
    parameter int FIFO_DEPTH = 8
) (
    input  wire                  clk,
    input  wire                  rst,  // active-high, synchronous: abandons any run (the banks keep their words)

    /*
     * Load
     */
    input  wire                  load_clear,       // every bank empty
    input  wire                  load_start,       // a matrix's channel part follows on s_axis_load
    input  wire  [CW-1:0]        cfg_block_beats,  // beats of one block, >= 1
    input  wire  [BW-1:0]        cfg_blocks,       // blocks of this run, 0 ..
    output wire                  load_busy,
    output wire                  load_done,        // one-cycle pulse after the run's last beat
    output wire                  load_overflow,    // a beat found its bank full (sticky)
    output wire  [BANKS*CW-1:0]  load_level,       // bank k's words at [CW*k +: CW]

    input  wire  [511:0]         s_axis_load_tdata,
    input  wire                  s_axis_load_tvalid,
    output wire                  s_axis_load_tready,

    /*
     * Read: bank k's run control and stream at index k
     */
    input  wire  [BANKS-1:0]     rd_start,
    input  wire  [BANKS*AW-1:0]  cfg_rd_base,      // first word
    input  wire  [BANKS*CW-1:0]  cfg_rd_count,     // words, >= 1
    output wire  [BANKS-1:0]     rd_busy,
    output wire  [BANKS-1:0]     rd_done,

    output wire  [BANKS*512-1:0] m_axis_w_tdata,
    output wire  [BANKS-1:0]     m_axis_w_tvalid,
    input  wire  [BANKS-1:0]     m_axis_w_tready,
    output wire  [BANKS-1:0]     m_axis_w_tlast
);

localparam int KW = BANKS > 1 ? $clog2(BANKS) : 1;  // a bank's index

if (BANKS < 1 || DEPTH < 2 || AW != $clog2(DEPTH) || CW < AW + 1) begin : g_check_shape
    $error("fwd_weight_store: BANKS >= 1, DEPTH >= 2, AW derived from DEPTH, CW >= AW + 1");
end

// Load run: beats left in the block, blocks left, the bank the block goes to.
logic [CW-1:0]       ld_block_beats_reg, ld_block_beats_next;
logic [CW-1:0]       ld_beat_left_reg, ld_beat_left_next;
logic [BW-1:0]       ld_blocks_left_reg, ld_blocks_left_next;
logic [KW-1:0]       ld_bank_reg, ld_bank_next;
logic                ld_busy_reg, ld_busy_next;
logic                ld_done_reg, ld_done_next;
logic                overflow_reg, overflow_next;
logic [CW-1:0]       wptr_reg [BANKS], wptr_next [BANKS];

// The RAM write, registered: a bank's enable, the address and the word.
logic [BANKS-1:0]    we_reg, we_next;
logic [AW-1:0]       waddr_reg, waddr_next;
logic [511:0]        wdata_reg;

logic                take;

assign take               = ld_busy_reg && s_axis_load_tvalid;
assign s_axis_load_tready = ld_busy_reg;
assign load_busy          = ld_busy_reg;
assign load_done          = ld_done_reg;
assign load_overflow      = overflow_reg;

for (genvar k = 0; k < BANKS; k++) begin : g_level
    assign load_level[CW*k +: CW] = wptr_reg[k];
end

always_comb begin
    ld_block_beats_next = ld_block_beats_reg;
    ld_beat_left_next   = ld_beat_left_reg;
    ld_blocks_left_next = ld_blocks_left_reg;
    ld_bank_next        = ld_bank_reg;
    ld_busy_next        = ld_busy_reg;
    ld_done_next        = 1'b0;
    overflow_next       = overflow_reg;
    we_next             = '0;
    waddr_next          = waddr_reg;
    for (int k = 0; k < BANKS; k++) begin
        wptr_next[k] = wptr_reg[k];
    end

    if (take) begin
        // The beat goes to the block's bank unless that bank is full.
        waddr_next = AW'(wptr_reg[ld_bank_reg]);
        if (wptr_reg[ld_bank_reg] == CW'(DEPTH)) begin
            overflow_next = 1'b1;
        end else begin
            we_next[ld_bank_reg]   = 1'b1;
            wptr_next[ld_bank_reg] = wptr_reg[ld_bank_reg] + 1'b1;
        end
        if (ld_beat_left_reg == CW'(1)) begin
            // The block's last beat: the next block, in the next bank.
            ld_beat_left_next   = ld_block_beats_reg;
            ld_blocks_left_next = ld_blocks_left_reg - 1'b1;
            ld_bank_next        = BANKS == 1 || 32'(ld_bank_reg) == BANKS - 1 ? '0 : ld_bank_reg + 1'b1;
            if (ld_blocks_left_reg == BW'(1)) begin
                ld_busy_next = 1'b0;
                ld_done_next = 1'b1;
            end
        end else begin
            ld_beat_left_next = ld_beat_left_reg - 1'b1;
        end
    end

    if (load_start) begin
        ld_block_beats_next = cfg_block_beats;
        ld_beat_left_next   = cfg_block_beats;
        ld_blocks_left_next = cfg_blocks;
        ld_bank_next        = '0;
        ld_busy_next        = cfg_blocks != '0;
        ld_done_next        = cfg_blocks == '0;
    end
    if (load_clear) begin
        overflow_next = 1'b0;
        for (int k = 0; k < BANKS; k++) begin
            wptr_next[k] = '0;
        end
    end
end

always_ff @(posedge clk) begin
    ld_block_beats_reg <= ld_block_beats_next;
    ld_beat_left_reg   <= ld_beat_left_next;
    ld_blocks_left_reg <= ld_blocks_left_next;
    ld_bank_reg        <= ld_bank_next;
    ld_busy_reg        <= ld_busy_next;
    ld_done_reg        <= ld_done_next;
    overflow_reg       <= overflow_next;
    we_reg             <= we_next;
    waddr_reg          <= waddr_next;
    for (int k = 0; k < BANKS; k++) begin
        wptr_reg[k] <= wptr_next[k];
    end

    if (rst) begin
        ld_busy_reg  <= 1'b0;
        ld_done_reg  <= 1'b0;
        overflow_reg <= 1'b0;
        we_reg       <= '0;
        for (int k = 0; k < BANKS; k++) begin
            wptr_reg[k] <= '0;
        end
    end
end

// The write data register needs no reset (we_reg qualifies it).
always_ff @(posedge clk) begin
    wdata_reg <= s_axis_load_tdata;
end

for (genvar k = 0; k < BANKS; k++) begin : g_bank
    wire           ram_en;
    wire  [AW-1:0] ram_addr;
    logic [511:0]  mem [0:DEPTH-1];
    logic [511:0]  rd_pipe [RAM_LATENCY];

    // No reset: UltraRAM (or block RAM) with its pipeline registers. The reader counts the
    // pipeline's words itself (rd_pipe shifts every cycle).
    always_ff @(posedge clk) begin
        if (we_reg[k]) begin
            mem[waddr_reg] <= wdata_reg;
        end
        if (ram_en) begin
            rd_pipe[0] <= mem[ram_addr];
        end
        for (int i = 1; i < RAM_LATENCY; i++) begin
            rd_pipe[i] <= rd_pipe[i-1];
        end
    end

    fwd_reader #(
        .AW(AW),
        .CW(CW),
        .FIFO_DEPTH(FIFO_DEPTH),
        .RAM_LATENCY(RAM_LATENCY)
    ) fwd_reader_inst (
        .clk(clk),
        .rst(rst),
        .start(rd_start[k]),
        .cfg_base(cfg_rd_base[AW*k +: AW]),
        .cfg_count(cfg_rd_count[CW*k +: CW]),
        .cfg_wrap(cfg_rd_count[CW*k +: CW]),
        .limit({CW{1'b1}}),
        .busy(rd_busy[k]),
        .done(rd_done[k]),
        .ram_en(ram_en),
        .ram_addr(ram_addr),
        .ram_data(rd_pipe[RAM_LATENCY-1]),
        .m_axis_tdata(m_axis_w_tdata[512*k +: 512]),
        .m_axis_tvalid(m_axis_w_tvalid[k]),
        .m_axis_tready(m_axis_w_tready[k]),
        .m_axis_tlast(m_axis_w_tlast[k])
    );
end

endmodule

`default_nettype wire
