// SPDX-License-Identifier: Apache-2.0

/*
 * Fast DDR channel model for simulation (not synthesisable)
 *
 * An AXI4 slave over a sparse memory (an associative array of DATA_WIDTH-bit rows, unwritten
 * rows read as zero), evaluated inside Verilator so a long run costs no Python per beat: the
 * benchmark and host-runner memory behind the shell's DDR ports. The protocol tests keep
 * cocotbext-axi's models (verif/ddr.py DdrModel), which check every burst rule and inject
 * errors; this model assumes a correct master and always answers OKAY.
 *
 * Timing, the same knobs as DdrModel with HONEST_TIMING (DESIGN.md section 8):
 *   - a read burst's first beat leaves no earlier than READ_LATENCY cycles after its AR
 *     handshake; bursts are answered in order, MAX_OUTSTANDING accepted at a time;
 *   - a B response leaves no earlier than WRITE_LATENCY cycles after the burst's last W beat;
 *   - R and W beats are each capped at BEAT_NUM / BEAT_DEN per cycle sustained (17/20 = 85 %)
 *     by a credit counter c (0..BEAT_DEN): a beat may leave when c + BEAT_NUM >= BEAT_DEN, and
 *     c becomes min(c + BEAT_NUM - (beat ? BEAT_DEN : 0), BEAT_DEN) each cycle.
 *     1/1 with latency 0 is an ideal memory (a beat per cycle).
 * Deterministic: the same traffic gives the same cycles.
 *
 * Bursts: INCR (any size up to DATA_WIDTH; FIXED and WRAP are not modelled and stop the
 * simulation with an error). Row of beat i: (addr aligned to the size + i * 2^size) / row bytes.
 *
 * Backdoor load (what lets a benchmark start with a 116 MB model image in memory instead of
 * DMAing it through the testbench): with IMAGE_PLUSARG set (e.g. "ddr_a_image=%s") and that
 * plusarg given, the file it names is read into memory at time 0. The file is a list of
 * records: a 64-bit row index and a 64-bit row count (each 8 bytes, most significant first),
 * then that many rows of DATA_WIDTH / 8 bytes, each row's most significant byte first
 * (hlstransform.verif.sim_device.write_backdoor_image writes it).
 */

`default_nettype none

module axi_ddr_model #(
    parameter int DATA_WIDTH      = 512,
    parameter int ADDR_WIDTH      = 34,
    parameter int ID_WIDTH        = 5,
    parameter int READ_LATENCY    = 40,
    parameter int WRITE_LATENCY   = 40,
    parameter int BEAT_NUM        = 17,
    parameter int BEAT_DEN        = 20,
    parameter int MAX_OUTSTANDING = 16,
    // $value$plusargs format naming the backdoor image file ("" = none)
    parameter string IMAGE_PLUSARG = ""
) (
    input  wire                     clk,
    input  wire                     rst,

    input  wire  [ID_WIDTH-1:0]     s_axi_awid,
    input  wire  [ADDR_WIDTH-1:0]   s_axi_awaddr,
    input  wire  [7:0]              s_axi_awlen,
    input  wire  [2:0]              s_axi_awsize,
    input  wire  [1:0]              s_axi_awburst,
    input  wire                     s_axi_awlock,
    input  wire  [3:0]              s_axi_awcache,
    input  wire  [2:0]              s_axi_awprot,
    input  wire  [3:0]              s_axi_awqos,
    input  wire  [3:0]              s_axi_awregion,
    input  wire                     s_axi_awvalid,
    output wire                     s_axi_awready,
    input  wire  [DATA_WIDTH-1:0]   s_axi_wdata,
    input  wire  [DATA_WIDTH/8-1:0] s_axi_wstrb,
    input  wire                     s_axi_wlast,
    input  wire                     s_axi_wvalid,
    output wire                     s_axi_wready,
    output wire  [ID_WIDTH-1:0]     s_axi_bid,
    output wire  [1:0]              s_axi_bresp,
    output wire                     s_axi_bvalid,
    input  wire                     s_axi_bready,
    input  wire  [ID_WIDTH-1:0]     s_axi_arid,
    input  wire  [ADDR_WIDTH-1:0]   s_axi_araddr,
    input  wire  [7:0]              s_axi_arlen,
    input  wire  [2:0]              s_axi_arsize,
    input  wire  [1:0]              s_axi_arburst,
    input  wire                     s_axi_arlock,
    input  wire  [3:0]              s_axi_arcache,
    input  wire  [2:0]              s_axi_arprot,
    input  wire  [3:0]              s_axi_arqos,
    input  wire  [3:0]              s_axi_arregion,
    input  wire                     s_axi_arvalid,
    output wire                     s_axi_arready,
    output wire  [ID_WIDTH-1:0]     s_axi_rid,
    output wire  [DATA_WIDTH-1:0]   s_axi_rdata,
    output wire  [1:0]              s_axi_rresp,
    output wire                     s_axi_rlast,
    output wire                     s_axi_rvalid,
    input  wire                     s_axi_rready
);

localparam int ROW_BYTES = DATA_WIDTH / 8;
localparam int ROW_SHIFT = $clog2(ROW_BYTES);
localparam int QW        = $clog2(MAX_OUTSTANDING);

if (BEAT_NUM < 1 || BEAT_NUM > BEAT_DEN) begin : g_check_rate
    $error("axi_ddr_model: need 1 <= BEAT_NUM <= BEAT_DEN");
end
if ((MAX_OUTSTANDING & (MAX_OUTSTANDING - 1)) != 0) begin : g_check_outstanding
    $error("axi_ddr_model: MAX_OUTSTANDING must be a power of two");
end

// Attributes this model ignores (cache, protection, QoS, region, lock).
wire unused_attr = &{1'b0, s_axi_awlock, s_axi_awcache, s_axi_awprot, s_axi_awqos, s_axi_awregion,
                     s_axi_arlock, s_axi_arcache, s_axi_arprot, s_axi_arqos, s_axi_arregion};

logic [DATA_WIDTH-1:0] mem [logic [ADDR_WIDTH-1:0]];  // row index -> row
logic [63:0] cycle;
// Protocol errors are reported only after a reset: before it, the masters' outputs are the
// simulator's random initial values.
logic        out_of_reset_reg;
initial out_of_reset_reg = 1'b0;

/* verilator lint_off BLKSEQ */
initial begin : backdoor_load
    string                 path;
    int                    fd, got;
    logic [63:0]           row, count;
    logic [DATA_WIDTH-1:0] data;
    if (IMAGE_PLUSARG != "" && $value$plusargs(IMAGE_PLUSARG, path)) begin
        fd = $fopen(path, "rb");
        if (fd == 0) begin
            $fatal(1, "axi_ddr_model: cannot open the backdoor image %s", path);
        end
        while ($fread(row, fd) == 8) begin
            got = $fread(count, fd);
            if (got != 8 || (row + count) > (64'd1 << (ADDR_WIDTH - ROW_SHIFT))) begin
                $fatal(1, "axi_ddr_model: backdoor image %s: record at row %0d beyond the memory", path, row);
            end
            for (longint i = 0; i < longint'(count); i++) begin
                got = $fread(data, fd);
                if (got != ROW_BYTES) begin
                    $fatal(1, "axi_ddr_model: backdoor image %s ends inside a record", path);
                end
                mem[ADDR_WIDTH'(row) + ADDR_WIDTH'(i)] = data;
            end
        end
        $fclose(fd);
    end
end
/* verilator lint_on BLKSEQ */

function automatic logic [ADDR_WIDTH-1:0] row_of(input logic [ADDR_WIDTH-1:0] addr, input logic [2:0] size,
                                                  input logic [7:0] beat);
    logic [ADDR_WIDTH-1:0] aligned;
    aligned = (addr >> size) << size;
    return (aligned + (ADDR_WIDTH'(beat) << size)) >> ROW_SHIFT;
endfunction

/*
 * Reads: AR queue (due cycle stamped at the handshake) -> in-order R beats
 */
logic [ID_WIDTH-1:0]   ar_id   [MAX_OUTSTANDING];
logic [ADDR_WIDTH-1:0] ar_addr [MAX_OUTSTANDING];
logic [7:0]            ar_len  [MAX_OUTSTANDING];
logic [2:0]            ar_size [MAX_OUTSTANDING];
logic [63:0]           ar_due  [MAX_OUTSTANDING];
logic [QW:0]           ar_wr_reg, ar_rd_reg;
logic [7:0]            r_beat_reg;
logic [31:0]           r_credit_reg;
logic                  r_valid_reg, r_last_reg;
logic [ID_WIDTH-1:0]   r_id_reg;
logic [DATA_WIDTH-1:0] r_data_reg;

wire ar_full  = (ar_wr_reg - ar_rd_reg) == (QW+1)'(MAX_OUTSTANDING);
wire ar_empty = ar_wr_reg == ar_rd_reg;
wire [QW-1:0] ar_head = ar_rd_reg[QW-1:0];
wire r_load = !ar_empty && cycle >= ar_due[ar_head] && r_credit_reg + 32'(BEAT_NUM) >= 32'(BEAT_DEN)
              && (!r_valid_reg || s_axi_rready);

assign s_axi_arready = !ar_full && !rst;
assign s_axi_rvalid  = r_valid_reg;
assign s_axi_rid     = r_id_reg;
assign s_axi_rdata   = r_data_reg;
assign s_axi_rlast   = r_last_reg;
assign s_axi_rresp   = 2'b00;

/*
 * Writes: AW queue -> W beats into memory -> B queue (due cycle stamped at WLAST)
 */
logic [ID_WIDTH-1:0]   aw_id   [MAX_OUTSTANDING];
logic [ADDR_WIDTH-1:0] aw_addr [MAX_OUTSTANDING];
logic [7:0]            aw_len  [MAX_OUTSTANDING];
logic [2:0]            aw_size [MAX_OUTSTANDING];
logic [QW:0]           aw_wr_reg, aw_rd_reg;
logic [7:0]            w_beat_reg;
logic [31:0]           w_credit_reg;
logic [ID_WIDTH-1:0]   b_id  [MAX_OUTSTANDING];
logic [63:0]           b_due [MAX_OUTSTANDING];
logic [QW:0]           b_wr_reg, b_rd_reg;
logic                  b_valid_reg;
logic [ID_WIDTH-1:0]   b_id_reg;

wire aw_full  = (aw_wr_reg - aw_rd_reg) == (QW+1)'(MAX_OUTSTANDING);
wire aw_empty = aw_wr_reg == aw_rd_reg;
wire [QW-1:0] aw_head = aw_rd_reg[QW-1:0];
wire b_full   = (b_wr_reg - b_rd_reg) == (QW+1)'(MAX_OUTSTANDING);
wire b_empty  = b_wr_reg == b_rd_reg;
wire [QW-1:0] b_head = b_rd_reg[QW-1:0];
wire b_load   = !b_empty && cycle >= b_due[b_head] && (!b_valid_reg || s_axi_bready);

assign s_axi_awready = !aw_full && !rst;
assign s_axi_wready  = !aw_empty && !b_full && w_credit_reg + 32'(BEAT_NUM) >= 32'(BEAT_DEN) && !rst;
assign s_axi_bvalid  = b_valid_reg;
assign s_axi_bid     = b_id_reg;
assign s_axi_bresp   = 2'b00;

wire w_fire = s_axi_wvalid && s_axi_wready;

function automatic logic [31:0] refill(input logic [31:0] credit, input logic spent);
    logic [31:0] next;
    next = credit - (spent ? 32'(BEAT_DEN) : 32'd0) + 32'(BEAT_NUM);
    return next > 32'(BEAT_DEN) ? 32'(BEAT_DEN) : next;
endfunction

/* verilator lint_off BLKSEQ */  // the memory array is updated in place (simulation only)
always_ff @(posedge clk) begin
    logic [ADDR_WIDTH-1:0] row;
    logic [DATA_WIDTH-1:0] old_row;
    if (rst) begin
        out_of_reset_reg <= 1'b1;
        cycle        <= '0;
        ar_wr_reg    <= '0;
        ar_rd_reg    <= '0;
        r_beat_reg   <= '0;
        r_credit_reg <= 32'(BEAT_DEN);
        r_valid_reg  <= 1'b0;
        r_last_reg   <= 1'b0;
        r_id_reg     <= '0;
        r_data_reg   <= '0;
        aw_wr_reg    <= '0;
        aw_rd_reg    <= '0;
        w_beat_reg   <= '0;
        w_credit_reg <= 32'(BEAT_DEN);
        b_wr_reg     <= '0;
        b_rd_reg     <= '0;
        b_valid_reg  <= 1'b0;
        b_id_reg     <= '0;
    end else begin
        cycle <= cycle + 64'd1;

        // AR
        if (s_axi_arvalid && s_axi_arready) begin
            if (s_axi_arburst != 2'b01 && out_of_reset_reg) begin
                $error("axi_ddr_model: only INCR read bursts are modelled");
            end
            ar_id[ar_wr_reg[QW-1:0]]   <= s_axi_arid;
            ar_addr[ar_wr_reg[QW-1:0]] <= s_axi_araddr;
            ar_len[ar_wr_reg[QW-1:0]]  <= s_axi_arlen;
            ar_size[ar_wr_reg[QW-1:0]] <= s_axi_arsize;
            ar_due[ar_wr_reg[QW-1:0]]  <= cycle + 64'(READ_LATENCY);
            ar_wr_reg <= ar_wr_reg + 1'b1;
        end

        // R
        if (s_axi_rready) begin
            r_valid_reg <= 1'b0;
        end
        if (r_load) begin
            row = row_of(ar_addr[ar_head], ar_size[ar_head], r_beat_reg);
            r_data_reg  <= mem.exists(row) ? mem[row] : '0;
            r_id_reg    <= ar_id[ar_head];
            r_valid_reg <= 1'b1;
            r_last_reg  <= r_beat_reg == ar_len[ar_head];
            if (r_beat_reg == ar_len[ar_head]) begin
                r_beat_reg <= '0;
                ar_rd_reg  <= ar_rd_reg + 1'b1;
            end else begin
                r_beat_reg <= r_beat_reg + 8'd1;
            end
        end
        r_credit_reg <= refill(r_credit_reg, r_load);

        // AW
        if (s_axi_awvalid && s_axi_awready) begin
            if (s_axi_awburst != 2'b01 && out_of_reset_reg) begin
                $error("axi_ddr_model: only INCR write bursts are modelled");
            end
            aw_id[aw_wr_reg[QW-1:0]]   <= s_axi_awid;
            aw_addr[aw_wr_reg[QW-1:0]] <= s_axi_awaddr;
            aw_len[aw_wr_reg[QW-1:0]]  <= s_axi_awlen;
            aw_size[aw_wr_reg[QW-1:0]] <= s_axi_awsize;
            aw_wr_reg <= aw_wr_reg + 1'b1;
        end

        // W: merge the strobed bytes into the row
        if (w_fire) begin
            row = row_of(aw_addr[aw_head], aw_size[aw_head], w_beat_reg);
            old_row = mem.exists(row) ? mem[row] : '0;
            for (int i = 0; i < ROW_BYTES; i++) begin
                if (s_axi_wstrb[i]) begin
                    old_row[i*8 +: 8] = s_axi_wdata[i*8 +: 8];
                end
            end
            mem[row] = old_row;
            if (s_axi_wlast != (w_beat_reg == aw_len[aw_head]) && out_of_reset_reg) begin
                $error("axi_ddr_model: WLAST does not match AWLEN");
            end
            if (w_beat_reg == aw_len[aw_head]) begin
                w_beat_reg <= '0;
                aw_rd_reg  <= aw_rd_reg + 1'b1;
                b_id[b_wr_reg[QW-1:0]]  <= aw_id[aw_head];
                b_due[b_wr_reg[QW-1:0]] <= cycle + 64'(WRITE_LATENCY);
                b_wr_reg <= b_wr_reg + 1'b1;
            end else begin
                w_beat_reg <= w_beat_reg + 8'd1;
            end
        end
        w_credit_reg <= refill(w_credit_reg, w_fire);

        // B
        if (s_axi_bready) begin
            b_valid_reg <= 1'b0;
        end
        if (b_load) begin
            b_id_reg    <= b_id[b_head];
            b_valid_reg <= 1'b1;
            b_rd_reg    <= b_rd_reg + 1'b1;
        end
    end
end
/* verilator lint_on BLKSEQ */

endmodule

`resetall
