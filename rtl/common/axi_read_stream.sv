// SPDX-License-Identifier: Apache-2.0

/*
 * AXI4 read master streaming a contiguous memory region to AXI4-Stream
 *
 * A command (cmd_addr, cmd_beats) names a region of cmd_beats full-width
 * beats starting at the byte address cmd_addr (DATA_WIDTH/8 aligned; the low
 * bits are ignored). The region is read with INCR bursts of full-width beats,
 * at most MAX_BURST_BEATS long and never crossing a 4 KiB boundary (a burst is
 * split at the boundary), with up to MAX_OUTSTANDING bursts in flight, and
 * comes out on m_axis in address order, m_axis_tlast on the command's final
 * beat. done pulses for one cycle after that beat has been delivered (for a
 * zero-beat command: once every earlier command is done).
 *
 * A burst is only issued when the data FIFO has room reserved for all of its
 * beats, so m_axi_rready never drops: a slow consumer stalls the issue of new
 * bursts, never the R channel. With FIFO_DEPTH beats of reservation the
 * master keeps up to FIFO_DEPTH beats in flight, which is what sustains one
 * beat per cycle against a memory with tens of cycles of latency.
 *
 * A new command is accepted as soon as the previous one's bursts are all
 * issued, so commands overlap in the pipeline. error is sticky: it is set
 * when a command whose R channel returned SLVERR or DECERR delivers its last
 * beat, and cleared when the next command is accepted (a set and a clear in
 * the same cycle leave it set, so an error is never lost; with overlapping
 * commands it may also show at a later command's done). A failed command
 * still delivers all its beats (their data undefined) so the consumer
 * finishes cleanly.
 *
 * Pipeline: AR register -> R input register -> data FIFO (block RAM) ->
 * FIFO output register -> axis_skid_buffer -> m_axis; every output comes
 * from a register and m_axis_tready only reaches the skid buffer.
 */

`default_nettype none

module axi_read_stream #(
    // Width of the AXI data bus and of m_axis_tdata, bits (power of two, 8..1024)
    parameter int DATA_WIDTH = 512,
    // Width of the AXI address bus and of cmd_addr, bits (>= 13)
    parameter int ADDR_WIDTH = 64,
    // Width of the AXI ID fields, bits (>= 1)
    parameter int ID_WIDTH = 1,
    // ARID driven on every burst (all bursts share it, so R returns them in order)
    parameter int AXI_ID = 0,
    // Longest burst, beats (1..256)
    parameter int MAX_BURST_BEATS = 64,
    // Bursts in flight at most (AR issued, last R beat not yet received; >= 1)
    parameter int MAX_OUTSTANDING = 8,
    // Data FIFO depth, beats (power of two, >= MAX_BURST_BEATS, >= 2)
    parameter int FIFO_DEPTH = MAX_BURST_BEATS * MAX_OUTSTANDING
) (
    input  wire                   clk,
    input  wire                   rst,  // active-high, synchronous

    /*
     * Command (valid/ready)
     */
    input  wire  [ADDR_WIDTH-1:0] cmd_addr,   // byte address of the first beat, DATA_WIDTH/8 aligned
    input  wire  [31:0]           cmd_beats,  // beats to read; 0 reads nothing (done still pulses)
    input  wire                   cmd_valid,
    output wire                   cmd_ready,  // high once the previous command's bursts are all issued

    /*
     * Status
     */
    output wire                   busy,   // a command is in progress (falls in the cycle done pulses)
    output wire                   error,  // a command saw SLVERR/DECERR; cleared by the next command
    output wire                   done,   // one cycle per command, after its last beat was delivered

    /*
     * AXI4-Stream output (master)
     */
    output wire  [DATA_WIDTH-1:0] m_axis_tdata,
    output wire                   m_axis_tlast,   // the command's last beat
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,

    /*
     * AXI4 read master
     */
    output wire  [ID_WIDTH-1:0]   m_axi_arid,
    output wire  [ADDR_WIDTH-1:0] m_axi_araddr,
    output wire  [7:0]            m_axi_arlen,
    output wire  [2:0]            m_axi_arsize,
    output wire  [1:0]            m_axi_arburst,
    output wire                   m_axi_arlock,
    output wire  [3:0]            m_axi_arcache,
    output wire  [2:0]            m_axi_arprot,
    output wire  [3:0]            m_axi_arqos,
    output wire  [3:0]            m_axi_arregion,
    output wire                   m_axi_arvalid,
    input  wire                   m_axi_arready,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire  [ID_WIDTH-1:0]   m_axi_rid,  // unused: one ID, so R comes back in AR order
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire  [DATA_WIDTH-1:0] m_axi_rdata,
    input  wire  [1:0]            m_axi_rresp,
    input  wire                   m_axi_rlast,
    input  wire                   m_axi_rvalid,
    output wire                   m_axi_rready
);

localparam int BYTES       = DATA_WIDTH / 8;                 // bytes per beat
localparam int OFFSET_BITS = $clog2(BYTES);                  // byte-in-beat address bits
localparam int PAGE_BEATS  = 4096 / BYTES;                   // beats per 4 KiB page
localparam int LEN_WIDTH   = $clog2(MAX_BURST_BEATS + 1);    // holds 1..MAX_BURST_BEATS
localparam int PTR_WIDTH   = $clog2(FIFO_DEPTH);             // data FIFO index
localparam int FREE_WIDTH  = $clog2(FIFO_DEPTH + 1);         // holds 0..FIFO_DEPTH
localparam int OUT_WIDTH   = $clog2(MAX_OUTSTANDING + 1);    // holds 0..MAX_OUTSTANDING
localparam int INFO_PTR_WIDTH = MAX_OUTSTANDING > 1 ? $clog2(MAX_OUTSTANDING) : 1;
localparam int ENTRY_WIDTH = DATA_WIDTH + 2;                 // {tlast, error, data}

localparam logic [ADDR_WIDTH-1:0] ALIGN_MASK = ~ADDR_WIDTH'(BYTES - 1);

// Illegal parameter values stop elaboration. No %m or %d: neither Verilator nor Yosys
// formats them at elaboration; Verilator adds the instance path, Yosys the file and line.
if (DATA_WIDTH < 8 || DATA_WIDTH > 1024 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0) begin : g_check_data_width
    $error("axi_read_stream: DATA_WIDTH must be a power of two in 8..1024");
end
if (ADDR_WIDTH < 13) begin : g_check_addr_width
    $error("axi_read_stream: ADDR_WIDTH must be >= 13");
end
if (ID_WIDTH < 1 || AXI_ID < 0 || AXI_ID >= (1 << ID_WIDTH)) begin : g_check_id
    $error("axi_read_stream: ID_WIDTH must be >= 1 and AXI_ID must fit in it");
end
if (MAX_BURST_BEATS < 1 || MAX_BURST_BEATS > 256) begin : g_check_max_burst
    $error("axi_read_stream: MAX_BURST_BEATS must be in 1..256");
end
if (MAX_OUTSTANDING < 1) begin : g_check_max_outstanding
    $error("axi_read_stream: MAX_OUTSTANDING must be >= 1");
end
if (FIFO_DEPTH < 2 || FIFO_DEPTH < MAX_BURST_BEATS || (FIFO_DEPTH & (FIFO_DEPTH - 1)) != 0) begin : g_check_fifo_depth
    $error("axi_read_stream: FIFO_DEPTH must be a power of two, >= 2 and >= MAX_BURST_BEATS");
end

// Command / burst generator: the rest of the current command.
logic                      gen_active_reg, gen_active_next;      // beats left to split into bursts
logic [ADDR_WIDTH-1:0]     addr_reg, addr_next;                  // address of the next burst
logic [31:0]               beats_left_reg, beats_left_next;      // beats not yet split into bursts
logic                      zero_pending_reg, zero_pending_next;  // a zero-beat command waits for the drain

// Burst slot: the next burst, split off and waiting for room to issue.
logic                      slot_valid_reg, slot_valid_next;
logic [ADDR_WIDTH-1:0]     slot_addr_reg, slot_addr_next;
logic [LEN_WIDTH-1:0]      slot_len_reg, slot_len_next;          // beats, 1..MAX_BURST_BEATS
logic                      slot_last_reg, slot_last_next;        // last burst of its command

// AR channel register.
logic                      ar_valid_reg, ar_valid_next;
logic [ADDR_WIDTH-1:0]     ar_addr_reg, ar_addr_next;
logic [7:0]                ar_len_reg, ar_len_next;

// Bursts in flight and, per burst in issue order, whether it ends its command.
logic [OUT_WIDTH-1:0]      out_count_reg, out_count_next;
logic [MAX_OUTSTANDING-1:0] info_last_reg, info_last_next;
logic [INFO_PTR_WIDTH-1:0] info_wr_reg, info_wr_next;
logic [INFO_PTR_WIDTH-1:0] info_rd_reg, info_rd_next;

// FIFO beats not reserved by an issued burst (reserved: in flight, in the FIFO).
logic [FREE_WIDTH-1:0]     free_reg, free_next;

// R input register.
logic                      rready_reg, rready_next;
logic                      r_valid_reg, r_valid_next;
logic [DATA_WIDTH-1:0]     r_data_reg, r_data_next;
logic                      r_last_reg, r_last_next;
logic                      r_err_reg, r_err_next;
logic                      cmd_err_reg, cmd_err_next;            // error seen in the command now arriving

// Data FIFO (pointers carry a wrap bit) and its output register.
logic [ENTRY_WIDTH-1:0]    fifo_mem [0:FIFO_DEPTH-1];
logic [PTR_WIDTH:0]        wr_ptr_reg, wr_ptr_next;
logic [PTR_WIDTH:0]        rd_ptr_reg, rd_ptr_next;
logic                      fifo_wr_en, fifo_rd_en;
logic [ENTRY_WIDTH-1:0]    fifo_wr_data;
logic                      fo_valid_reg, fo_valid_next;
logic [ENTRY_WIDTH-1:0]    fo_data_reg;                          // block RAM output register

// Status.
logic                      done_reg, done_next;
logic                      error_reg, error_next;

// Combinational helpers.
logic                      cmd_fire, slot_take, ar_free, fifo_empty, all_idle;
logic [31:0]               page_left, burst_cap, burst_len;
logic                      skid_s_ready;
logic [DATA_WIDTH:0]       skid_m_data;                          // {error, data}
logic                      out_fire;

assign cmd_ready = !gen_active_reg && !zero_pending_reg;

assign m_axi_arid     = ID_WIDTH'(AXI_ID);
assign m_axi_araddr   = ar_addr_reg;
assign m_axi_arlen    = ar_len_reg;
assign m_axi_arsize   = 3'(OFFSET_BITS);
assign m_axi_arburst  = 2'b01;   // INCR
assign m_axi_arlock   = 1'b0;    // normal access
assign m_axi_arcache  = 4'b0011; // normal non-cacheable bufferable
assign m_axi_arprot   = 3'b010;  // unprivileged, non-secure, data
assign m_axi_arqos    = 4'd0;
assign m_axi_arregion = 4'd0;
assign m_axi_arvalid  = ar_valid_reg;
assign m_axi_rready   = rready_reg;

assign m_axis_tdata   = skid_m_data[DATA_WIDTH-1:0];

assign busy  = !all_idle || zero_pending_reg;
assign error = error_reg;
assign done  = done_reg;

always_comb begin
    gen_active_next   = gen_active_reg;
    addr_next         = addr_reg;
    beats_left_next   = beats_left_reg;
    zero_pending_next = zero_pending_reg;
    slot_valid_next   = slot_valid_reg;
    slot_addr_next    = slot_addr_reg;
    slot_len_next     = slot_len_reg;
    slot_last_next    = slot_last_reg;
    ar_valid_next     = ar_valid_reg;
    ar_addr_next      = ar_addr_reg;
    ar_len_next       = ar_len_reg;
    out_count_next    = out_count_reg;
    info_last_next    = info_last_reg;
    info_wr_next      = info_wr_reg;
    info_rd_next      = info_rd_reg;
    free_next         = free_reg;
    rready_next       = 1'b1;
    r_valid_next      = m_axi_rvalid && rready_reg;
    r_data_next       = m_axi_rdata;
    r_last_next       = m_axi_rlast;
    r_err_next        = m_axi_rresp == 2'b10 || m_axi_rresp == 2'b11;  // SLVERR, DECERR
    cmd_err_next      = cmd_err_reg;
    wr_ptr_next       = wr_ptr_reg;
    rd_ptr_next       = rd_ptr_reg;
    fifo_wr_en        = 1'b0;
    fifo_wr_data      = {r_last_reg && info_last_reg[info_rd_reg], cmd_err_reg || r_err_reg, r_data_reg};
    fifo_rd_en        = 1'b0;
    fo_valid_next     = fo_valid_reg;
    done_next         = 1'b0;
    error_next        = error_reg;

    fifo_empty = wr_ptr_reg == rd_ptr_reg;
    all_idle   = !gen_active_reg && !slot_valid_reg && !ar_valid_reg && out_count_reg == '0
              && !r_valid_reg && fifo_empty && !fo_valid_reg && !m_axis_tvalid;
    cmd_fire   = cmd_valid && cmd_ready;
    out_fire   = m_axis_tvalid && m_axis_tready;

    // Issue: the slot's burst goes to the AR register when the AR register is free, a
    // burst may still be in flight, and the FIFO can take all of its beats.
    ar_free   = !ar_valid_reg || m_axi_arready;
    slot_take = slot_valid_reg && ar_free && out_count_reg < OUT_WIDTH'(MAX_OUTSTANDING)
             && free_reg >= FREE_WIDTH'(slot_len_reg);
    if (slot_take) begin
        ar_valid_next  = 1'b1;
        ar_addr_next   = slot_addr_reg;
        ar_len_next    = 8'(slot_len_reg - 1'b1);
        info_last_next[info_wr_reg] = slot_last_reg;
        info_wr_next   = info_wr_reg == INFO_PTR_WIDTH'(MAX_OUTSTANDING - 1) ? '0 : info_wr_reg + 1'b1;
        out_count_next = out_count_next + 1'b1;
        free_next      = free_next - FREE_WIDTH'(slot_len_reg);
    end else if (m_axi_arready) begin
        ar_valid_next  = 1'b0;
    end

    // Split: the next burst runs to the end of the command, of the 4 KiB page or of
    // MAX_BURST_BEATS, whichever comes first.
    page_left = 32'(PAGE_BEATS) - 32'(addr_reg[11:OFFSET_BITS]);
    burst_cap = page_left < 32'(MAX_BURST_BEATS) ? page_left : 32'(MAX_BURST_BEATS);
    burst_len = beats_left_reg < burst_cap ? beats_left_reg : burst_cap;
    if (gen_active_reg && (!slot_valid_reg || slot_take)) begin
        slot_valid_next = 1'b1;
        slot_addr_next  = addr_reg;
        slot_len_next   = LEN_WIDTH'(burst_len);
        slot_last_next  = beats_left_reg <= burst_cap;
        gen_active_next = beats_left_reg > burst_cap;
        addr_next       = addr_reg + (ADDR_WIDTH'(burst_len) << OFFSET_BITS);
        beats_left_next = beats_left_reg - burst_len;
    end else if (slot_take) begin
        slot_valid_next = 1'b0;
    end

    // Accept a command (only while the generator is idle, so nothing above collides).
    if (cmd_fire) begin
        if (cmd_beats == '0) begin
            zero_pending_next = 1'b1;
        end else begin
            gen_active_next = 1'b1;
            addr_next       = cmd_addr & ALIGN_MASK;
            beats_left_next = cmd_beats;
        end
    end

    // A zero-beat command completes once everything before it has been delivered.
    if (zero_pending_reg && all_idle) begin
        zero_pending_next = 1'b0;
        done_next         = 1'b1;
    end

    // R beats land in the FIFO one cycle after the handshake; the burst's last beat
    // retires it (and, for the command's last burst, marks m_axis_tlast).
    if (r_valid_reg) begin
        fifo_wr_en   = 1'b1;
        wr_ptr_next  = wr_ptr_reg + 1'b1;
        cmd_err_next = fifo_wr_data[DATA_WIDTH+1] ? 1'b0 : fifo_wr_data[DATA_WIDTH];
        if (r_last_reg) begin
            info_rd_next   = info_rd_reg == INFO_PTR_WIDTH'(MAX_OUTSTANDING - 1) ? '0 : info_rd_reg + 1'b1;
            out_count_next = out_count_next - 1'b1;
        end
    end

    // FIFO -> output register (the block RAM read) whenever it is empty or moving on.
    if (fo_valid_reg && skid_s_ready) begin
        fo_valid_next = 1'b0;
    end
    if (!fifo_empty && (!fo_valid_reg || skid_s_ready)) begin
        fifo_rd_en    = 1'b1;
        fo_valid_next = 1'b1;
        rd_ptr_next   = rd_ptr_reg + 1'b1;
        free_next     = free_next + 1'b1;
    end

    // Status: done after the command's last beat; error set there, cleared by a new command.
    if (cmd_fire) begin
        error_next = 1'b0;
    end
    if (out_fire && m_axis_tlast) begin
        done_next  = 1'b1;
        error_next = error_next || skid_m_data[DATA_WIDTH];
    end
end

always_ff @(posedge clk) begin
    gen_active_reg   <= gen_active_next;
    addr_reg         <= addr_next;
    beats_left_reg   <= beats_left_next;
    zero_pending_reg <= zero_pending_next;
    slot_valid_reg   <= slot_valid_next;
    slot_addr_reg    <= slot_addr_next;
    slot_len_reg     <= slot_len_next;
    slot_last_reg    <= slot_last_next;
    ar_valid_reg     <= ar_valid_next;
    ar_addr_reg      <= ar_addr_next;
    ar_len_reg       <= ar_len_next;
    out_count_reg    <= out_count_next;
    info_last_reg    <= info_last_next;
    info_wr_reg      <= info_wr_next;
    info_rd_reg      <= info_rd_next;
    free_reg         <= free_next;
    rready_reg       <= rready_next;
    r_valid_reg      <= r_valid_next;
    r_data_reg       <= r_data_next;
    r_last_reg       <= r_last_next;
    r_err_reg        <= r_err_next;
    cmd_err_reg      <= cmd_err_next;
    wr_ptr_reg       <= wr_ptr_next;
    rd_ptr_reg       <= rd_ptr_next;
    fo_valid_reg     <= fo_valid_next;
    done_reg         <= done_next;
    error_reg        <= error_next;

    if (rst) begin
        gen_active_reg   <= 1'b0;
        zero_pending_reg <= 1'b0;
        slot_valid_reg   <= 1'b0;
        ar_valid_reg     <= 1'b0;
        out_count_reg    <= '0;
        info_wr_reg      <= '0;
        info_rd_reg      <= '0;
        free_reg         <= FREE_WIDTH'(FIFO_DEPTH);
        rready_reg       <= 1'b0;
        r_valid_reg      <= 1'b0;
        cmd_err_reg      <= 1'b0;
        wr_ptr_reg       <= '0;
        rd_ptr_reg       <= '0;
        fo_valid_reg     <= 1'b0;
        done_reg         <= 1'b0;
        error_reg        <= 1'b0;
    end
end

// Data FIFO storage in its own block, without reset, so synthesis maps it (with
// fo_data_reg as the output register) to block RAM.
always_ff @(posedge clk) begin
    if (fifo_wr_en) begin
        fifo_mem[wr_ptr_reg[PTR_WIDTH-1:0]] <= fifo_wr_data;
    end
    if (fifo_rd_en) begin
        fo_data_reg <= fifo_mem[rd_ptr_reg[PTR_WIDTH-1:0]];
    end
end

// Output register slice: registers m_axis_* and keeps m_axis_tready off the RAM enable.
axis_skid_buffer #(
    .DATA_WIDTH(DATA_WIDTH + 1)
) axis_skid_buffer_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(fo_data_reg[DATA_WIDTH:0]),
    .s_axis_tlast(fo_data_reg[DATA_WIDTH+1]),
    .s_axis_tvalid(fo_valid_reg),
    .s_axis_tready(skid_s_ready),
    .m_axis_tdata(skid_m_data),
    .m_axis_tlast(m_axis_tlast),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

endmodule

`default_nettype wire
