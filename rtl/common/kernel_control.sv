// SPDX-License-Identifier: Apache-2.0

/*
 * Kernel control block: the s_axi_control slave and ap_ctrl_hs handshake
 *
 * Every kernel, per-layer and forward, has one. The host sees the register map
 * of rtl/regmap.toml (offsets and bits come from the generated kernel_regs_pkg):
 * AP_CTRL, GIE, IER, ISR, ARG_WORDS 32-bit argument words from the argument
 * base, STATUS, CYCLES and KERNEL_ID. Reads of unmapped addresses return zero,
 * writes to them and to read-only registers are ignored; every access is OKAY.
 *
 * Handshake (Vitis HLS ap_ctrl_hs, plus STATUS and CYCLES):
 * - writing AP_CTRL.START = 1 requests a run; START reads 1 until it is taken.
 *   A request is taken in the first cycle no run is in progress: core_args
 *   snapshots the argument words, READY and ISR.READY (if enabled) are set,
 *   STATUS clears, and core_start pulses in the next cycle, with core_args
 *   already valid. The snapshot holds until the next start, so the host may
 *   write the next run's arguments while a run is in progress.
 * - core_done ends the run: DONE and ISR.DONE (if enabled) are set, CYCLES
 *   latches the cycles from the core_start pulse to the core_done pulse, and
 *   with AUTO_RESTART set a new request is raised at once (taken a cycle later).
 * - DONE and READY clear when AP_CTRL is read (a set in the same cycle wins, so
 *   no event is lost); ISR bits toggle when written with 1 (an event in the
 *   same cycle wins); interrupt = GIE & |(ISR & IER), registered.
 * - core_status bits seen during the run (core_start to core_done, both
 *   included) accumulate into STATUS.
 *
 * Argument words whose ARG_WORD_MASK bit is clear (the unused high word of a
 * 32-bit argument) read as zero, ignore writes and are zero in core_args.
 *
 * The AXI4-Lite halves (kernel_control_wr/_rd) register every output; the
 * register file is one address compare deep, so this block is never a
 * critical path.
 */

`default_nettype none

module kernel_control #(
    // Number of 32-bit argument words, word i at the argument base + 4 * i (1 .. 28)
    parameter int                   ARG_WORDS     = 4,
    // Mapped argument words, bit i for word i (a clear bit: reads zero, ignores writes; bits >= ARG_WORDS unused)
    parameter logic [31:0]          ARG_WORD_MASK = 32'hFFFF_FFFF,
    // Value of the read-only KERNEL_ID register (the kernel's id in rtl/regmap.toml)
    parameter logic [31:0]          KERNEL_ID     = 32'h0,
    // Width of s_axi_control_awaddr/araddr, bits (>= the regmap's addr_width)
    parameter int                   ADDR_WIDTH    = kernel_regs_pkg::CTRL_ADDR_WIDTH,
    // Performance counters (the kernel's `perf` list in rtl/regmap.toml), 0 .. 28; counter i at
    // CTRL_PERF_BASE + 4 * i counts the run's cycles with core_perf_count[i] set
    parameter int                   PERF_WORDS    = 0,
    localparam int                  PERF_PORT_W   = PERF_WORDS > 0 ? PERF_WORDS : 1
) (
    input  wire                     clk,
    input  wire                     rst,  // active-high, synchronous

    /*
     * AXI4-Lite slave: s_axi_control (32-bit data, one read and one write at a time)
     */
    input  wire  [ADDR_WIDTH-1:0]   s_axi_control_awaddr,
    input  wire  [2:0]              s_axi_control_awprot,
    input  wire                     s_axi_control_awvalid,
    output wire                     s_axi_control_awready,
    input  wire  [31:0]             s_axi_control_wdata,
    input  wire  [3:0]              s_axi_control_wstrb,
    input  wire                     s_axi_control_wvalid,
    output wire                     s_axi_control_wready,
    output wire  [1:0]              s_axi_control_bresp,
    output wire                     s_axi_control_bvalid,
    input  wire                     s_axi_control_bready,
    input  wire  [ADDR_WIDTH-1:0]   s_axi_control_araddr,
    input  wire  [2:0]              s_axi_control_arprot,
    input  wire                     s_axi_control_arvalid,
    output wire                     s_axi_control_arready,
    output wire  [31:0]             s_axi_control_rdata,
    output wire  [1:0]              s_axi_control_rresp,
    output wire                     s_axi_control_rvalid,
    input  wire                     s_axi_control_rready,

    /*
     * Interrupt to the host: GIE & |(ISR & IER), registered
     */
    // Vitis HLS names this port `interrupt`; Verilator renames the C++ member, harmlessly.
    /* verilator lint_off SYMRSVDWORD */
    output wire                     interrupt,
    /* verilator lint_on SYMRSVDWORD */

    /*
     * Kernel core handshake
     */
    output wire                     core_start,   // one-cycle pulse: a run begins
    output wire  [ARG_WORDS*32-1:0] core_args,    // word i at [32*i +: 32]; valid with core_start, held until the next
    input  wire                     core_done,    // one-cycle pulse: the run finished (ignored when no run is in progress)
    input  wire  [3:0]              core_status,  // error bits, indexed by kernel_regs_pkg::STATUS_*_BIT
    // Event i of this cycle (bit i adds one to performance counter i while a run is in
    // progress; the counters clear when a run is taken and hold after done). Tie to zero
    // when PERF_WORDS = 0.
    input  wire  [PERF_PORT_W-1:0]  core_perf_count
);

import kernel_regs_pkg::*;

// The argument window lies between ISR and STATUS (rtl/regmap.toml: 0x10 .. 0x7F).
localparam int ARG_BASE      = int'(REG_ISR) + 4;
localparam int MAX_ARG_WORDS = (int'(REG_STATUS) - ARG_BASE) / 4;

if (ARG_WORDS < 1 || ARG_WORDS > MAX_ARG_WORDS) begin : g_check_arg_words
    $error("kernel_control: ARG_WORDS must be 1 .. 28 (the argument window of rtl/regmap.toml)");
end
localparam int MAX_PERF_WORDS = ((1 << CTRL_ADDR_WIDTH) - int'(CTRL_PERF_BASE)) / 4;
if (PERF_WORDS < 0 || PERF_WORDS > MAX_PERF_WORDS) begin : g_check_perf_words
    $error("kernel_control: PERF_WORDS must be 0 .. 28 (the performance counter window of rtl/regmap.toml)");
end
if (ADDR_WIDTH < int'(CTRL_ADDR_WIDTH)) begin : g_check_addr_width
    $error("kernel_control: ADDR_WIDTH must be >= kernel_regs_pkg::CTRL_ADDR_WIDTH");
end
// The register file below keeps IER and ISR in bits 1:0 (the same bit per source in
// both) and STATUS in bits 3:0, as rtl/regmap.toml has them: stop if the map moves.
if (IER_DONE_BIT != ISR_DONE_BIT || IER_READY_BIT != ISR_READY_BIT || ISR_DONE_BIT > 1 || ISR_READY_BIT > 1
        || STATUS_AXI_READ_ERROR_BIT > 3 || STATUS_AXI_WRITE_ERROR_BIT > 3 || STATUS_CONFIG_ERROR_BIT > 3
        || STATUS_TIMEOUT_BIT > 3) begin : g_check_regmap
    $error("kernel_control: rtl/regmap.toml moved an IER/ISR/STATUS bit this register file assumes");
end

/*
 * AXI4-Lite halves
 */
wire [ADDR_WIDTH-1:0] reg_wr_addr;
wire [31:0]           reg_wr_data;
wire [3:0]            reg_wr_strb;
wire                  reg_wr_en;
wire [ADDR_WIDTH-1:0] reg_rd_addr;
wire                  reg_rd_en;
logic [31:0]          reg_rd_data;

kernel_control_wr #(
    .ADDR_WIDTH(ADDR_WIDTH),
    .DATA_WIDTH(32)
) kernel_control_wr_inst (
    .clk(clk),
    .rst(rst),
    .s_axil_awaddr(s_axi_control_awaddr),
    .s_axil_awvalid(s_axi_control_awvalid),
    .s_axil_awready(s_axi_control_awready),
    .s_axil_wdata(s_axi_control_wdata),
    .s_axil_wstrb(s_axi_control_wstrb),
    .s_axil_wvalid(s_axi_control_wvalid),
    .s_axil_wready(s_axi_control_wready),
    .s_axil_bresp(s_axi_control_bresp),
    .s_axil_bvalid(s_axi_control_bvalid),
    .s_axil_bready(s_axi_control_bready),
    .reg_wr_addr(reg_wr_addr),
    .reg_wr_data(reg_wr_data),
    .reg_wr_strb(reg_wr_strb),
    .reg_wr_en(reg_wr_en)
);

kernel_control_rd #(
    .ADDR_WIDTH(ADDR_WIDTH),
    .DATA_WIDTH(32)
) kernel_control_rd_inst (
    .clk(clk),
    .rst(rst),
    .s_axil_araddr(s_axi_control_araddr),
    .s_axil_arvalid(s_axi_control_arvalid),
    .s_axil_arready(s_axi_control_arready),
    .s_axil_rdata(s_axi_control_rdata),
    .s_axil_rresp(s_axi_control_rresp),
    .s_axil_rvalid(s_axi_control_rvalid),
    .s_axil_rready(s_axi_control_rready),
    .reg_rd_addr(reg_rd_addr),
    .reg_rd_en(reg_rd_en),
    .reg_rd_data(reg_rd_data)
);

// Registers are whole 32-bit words: the byte offset within a word is ignored, and the
// protection bits select nothing (matched by Verilator's default "*unused*" pattern).
wire unused_axi = &{1'b0, s_axi_control_awprot, s_axi_control_arprot, reg_wr_addr[1:0], reg_rd_addr[1:0]};

wire [ADDR_WIDTH-3:0] wr_word = reg_wr_addr[ADDR_WIDTH-1:2];
wire [ADDR_WIDTH-3:0] rd_word = reg_rd_addr[ADDR_WIDTH-1:2];

// Word index of a byte offset from the register map, at the address width of this instance.
function automatic logic [ADDR_WIDTH-3:0] word_of(input int offset);
    word_of = (ADDR_WIDTH-2)'(offset / 4);
endfunction

wire wr_ap_ctrl = reg_wr_en && wr_word == word_of(int'(REG_AP_CTRL));
wire wr_gie     = reg_wr_en && wr_word == word_of(int'(REG_GIE));
wire wr_ier     = reg_wr_en && wr_word == word_of(int'(REG_IER));
wire wr_isr     = reg_wr_en && wr_word == word_of(int'(REG_ISR));
wire rd_ap_ctrl = reg_rd_en && rd_word == word_of(int'(REG_AP_CTRL));

// Host-visible registers. All are reset, argument words included, so the host reads the
// documented zeros after reset (as a Vitis HLS control block does).
logic                    start_reg, start_next;                // AP_CTRL.START: a run is requested
logic                    done_reg, done_next;                  // AP_CTRL.DONE
logic                    ready_reg, ready_next;                // AP_CTRL.READY
logic                    auto_restart_reg, auto_restart_next;  // AP_CTRL.AUTO_RESTART
logic                    gie_reg, gie_next;                    // GIE.ENABLE
logic [1:0]              ier_reg, ier_next;                    // IER bits 1:0
logic [1:0]              isr_reg, isr_next;                    // ISR bits 1:0
logic [3:0]              status_reg, status_next;              // STATUS bits 3:0
logic [31:0]             cycles_reg, cycles_next;              // CYCLES: the last run's count
logic [ARG_WORDS*32-1:0] args_reg, args_next;                  // argument words as written

// Run state.
logic                    busy_reg, busy_next;                  // a run is in progress (not IDLE)
logic [31:0]             count_reg, count_next;                // cycles since core_start, saturating
logic                    core_start_reg, core_start_next;
logic [ARG_WORDS*32-1:0] core_args_reg, core_args_next;        // snapshot, datapath: not reset
logic                    interrupt_reg, interrupt_next;

assign core_start = core_start_reg;
assign core_args  = core_args_reg;
assign interrupt  = interrupt_reg;

// A request is taken when no run is in progress; a core_done outside a run is ignored.
wire launch      = start_reg && !busy_reg;
wire done_event  = busy_reg && core_done;
wire start_write = wr_ap_ctrl && reg_wr_strb[AP_CTRL_START_BIT / 8] && reg_wr_data[AP_CTRL_START_BIT];

always_comb begin
    start_next        = start_reg;
    done_next         = done_reg;
    ready_next        = ready_reg;
    auto_restart_next = auto_restart_reg;
    gie_next          = gie_reg;
    ier_next          = ier_reg;
    isr_next          = isr_reg;
    status_next       = status_reg;
    cycles_next       = cycles_reg;
    args_next         = args_reg;
    busy_next         = busy_reg;
    count_next        = count_reg;
    core_start_next   = 1'b0;
    core_args_next    = core_args_reg;
    interrupt_next    = gie_reg && |(isr_reg & ier_reg);

    // Read of AP_CTRL: DONE and READY clear (the events below win).
    if (rd_ap_ctrl) begin
        done_next  = 1'b0;
        ready_next = 1'b0;
    end

    // Run in progress: count cycles (saturating) and collect error bits.
    if (busy_reg) begin
        if (count_reg != '1) begin
            count_next = count_reg + 32'd1;
        end
        status_next = status_reg | core_status;
    end

    // Start taken: snapshot the arguments; core_start pulses next cycle with them.
    if (launch) begin
        start_next      = 1'b0;
        busy_next       = 1'b1;
        core_start_next = 1'b1;
        core_args_next  = args_reg;
        ready_next      = 1'b1;
        status_next     = '0;
        count_next      = '0;
    end

    // Run finished: latch the count; with AUTO_RESTART, request the next run at once.
    if (done_event) begin
        busy_next   = 1'b0;
        done_next   = 1'b1;
        cycles_next = count_reg;
        if (auto_restart_reg) begin
            start_next = 1'b1;
        end
    end

    // Host writes. START is set by writing 1 (a request written as one is taken stays
    // pending) and cannot be withdrawn by writing 0.
    if (start_write) begin
        start_next = 1'b1;
    end
    if (wr_ap_ctrl && reg_wr_strb[AP_CTRL_AUTO_RESTART_BIT / 8]) begin
        auto_restart_next = reg_wr_data[AP_CTRL_AUTO_RESTART_BIT];
    end
    if (wr_gie && reg_wr_strb[GIE_ENABLE_BIT / 8]) begin
        gie_next = reg_wr_data[GIE_ENABLE_BIT];
    end
    if (wr_ier && reg_wr_strb[0]) begin
        ier_next = reg_wr_data[1:0];
    end
    if (wr_isr && reg_wr_strb[0]) begin
        isr_next = isr_reg ^ reg_wr_data[1:0];
    end
    for (int i = 0; i < ARG_WORDS; i++) begin
        for (int b = 0; b < 4; b++) begin
            if (reg_wr_en && wr_word == word_of(ARG_BASE + 4 * i) && reg_wr_strb[b]) begin
                args_next[32 * i + 8 * b +: 8] = reg_wr_data[8 * b +: 8];
            end
        end
        if (!ARG_WORD_MASK[i]) begin
            args_next[32 * i +: 32] = 32'd0;
        end
    end

    // Interrupt sources, gated by IER; an event wins over a toggle in the same cycle.
    if (done_event && ier_reg[ISR_DONE_BIT]) begin
        isr_next[ISR_DONE_BIT] = 1'b1;
    end
    if (launch && ier_reg[ISR_READY_BIT]) begin
        isr_next[ISR_READY_BIT] = 1'b1;
    end
end

logic [31:0] perf_reg [PERF_PORT_W];  // performance counters (entry 0 unused when PERF_WORDS = 0)

// Read mux: one address compare per register, ORed.
always_comb begin
    reg_rd_data = 32'd0;
    if (rd_word == word_of(int'(REG_AP_CTRL))) begin
        reg_rd_data[AP_CTRL_START_BIT]        = start_reg;
        reg_rd_data[AP_CTRL_DONE_BIT]         = done_reg;
        reg_rd_data[AP_CTRL_IDLE_BIT]         = !busy_reg;
        reg_rd_data[AP_CTRL_READY_BIT]        = ready_reg;
        reg_rd_data[AP_CTRL_AUTO_RESTART_BIT] = auto_restart_reg;
    end
    if (rd_word == word_of(int'(REG_GIE))) begin
        reg_rd_data[GIE_ENABLE_BIT] = gie_reg;
    end
    if (rd_word == word_of(int'(REG_IER))) begin
        reg_rd_data[1:0] = ier_reg;
    end
    if (rd_word == word_of(int'(REG_ISR))) begin
        reg_rd_data[1:0] = isr_reg;
    end
    if (rd_word == word_of(int'(REG_STATUS))) begin
        reg_rd_data[3:0] = status_reg;
    end
    if (rd_word == word_of(int'(REG_CYCLES))) begin
        reg_rd_data = cycles_reg;
    end
    if (rd_word == word_of(int'(REG_KERNEL_ID))) begin
        reg_rd_data = KERNEL_ID;
    end
    for (int i = 0; i < ARG_WORDS; i++) begin
        if (rd_word == word_of(ARG_BASE + 4 * i)) begin
            reg_rd_data = args_reg[32 * i +: 32];
        end
    end
    for (int i = 0; i < PERF_WORDS; i++) begin
        if (rd_word == word_of(int'(CTRL_PERF_BASE) + 4 * i)) begin
            reg_rd_data = perf_reg[i];
        end
    end
end

// Performance counters: cleared when a run is taken, counting (saturating) during it.
always_ff @(posedge clk) begin
    for (int i = 0; i < PERF_WORDS; i++) begin
        if (rst || launch) begin
            perf_reg[i] <= 32'd0;
        end else if (busy_reg && core_perf_count[i] && perf_reg[i] != '1) begin
            perf_reg[i] <= perf_reg[i] + 32'd1;
        end
    end
end

always_ff @(posedge clk) begin
    start_reg        <= start_next;
    done_reg         <= done_next;
    ready_reg        <= ready_next;
    auto_restart_reg <= auto_restart_next;
    gie_reg          <= gie_next;
    ier_reg          <= ier_next;
    isr_reg          <= isr_next;
    status_reg       <= status_next;
    cycles_reg       <= cycles_next;
    args_reg         <= args_next;
    busy_reg         <= busy_next;
    count_reg        <= count_next;
    core_start_reg   <= core_start_next;
    core_args_reg    <= core_args_next;
    interrupt_reg    <= interrupt_next;

    if (rst) begin
        start_reg        <= 1'b0;
        done_reg         <= 1'b0;
        ready_reg        <= 1'b0;
        auto_restart_reg <= 1'b0;
        gie_reg          <= 1'b0;
        ier_reg          <= 2'b0;
        isr_reg          <= 2'b0;
        status_reg       <= 4'b0;
        cycles_reg       <= 32'd0;
        args_reg         <= '0;
        busy_reg         <= 1'b0;
        count_reg        <= 32'd0;
        core_start_reg   <= 1'b0;
        interrupt_reg    <= 1'b0;
    end
end

endmodule

`default_nettype wire
