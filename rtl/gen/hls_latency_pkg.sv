// hls_latency_pkg: generated from hls/blocks.toml -- do not edit, regenerate with: make hls  (= .venv/bin/python hls/build.py)
// Cycles from in_valid to out_valid of each XLS block in rtl/gen/ (pipeline_stages - 1
// + flop_inputs + flop_outputs). Kernels name these constants, never the numbers.

package hls_latency_pkg;

localparam int FP32_EXP_LATENCY         =  7;  // 6 stages
localparam int FP32_RECIP_LATENCY       = 36;  // 35 stages
localparam int FP32_RSQRT_LATENCY       = 41;  // 40 stages
localparam int Q8_SCALE_PRODUCT_LATENCY =  8;  // 7 stages
localparam int Q8_ACC_ADD_LATENCY       =  7;  // 6 stages
localparam int Q8_DOT_GROUP_64_LATENCY  =  3;  // 2 stages
localparam int Q8_DOT_GROUP_32_LATENCY  =  3;  // 2 stages
localparam int Q8_QUANTIZE_64_LATENCY   = 47;  // 46 stages
localparam int Q8_QUANTIZE_32_LATENCY   = 47;  // 46 stages
localparam int EW_ADD_LATENCY           =  9;  // 8 stages
localparam int EW_DEQUANT_LATENCY       =  5;  // 4 stages
localparam int EW_SWIGLU_LATENCY        = 106;  // 105 stages
localparam int EW_ROPE_PAIR_LATENCY     = 17;  // 16 stages
localparam int FP32_DOT16_LATENCY       = 29;  // 28 stages
localparam int FP32_MAX16_LATENCY       =  9;  // 8 stages
localparam int FP32_MAX_LATENCY         =  2;  // 1 stage
localparam int EW_MUL_LATENCY           =  3;  // 2 stages
localparam int EW_RMS_SCALE_LATENCY     =  5;  // 4 stages
localparam int EW_EXP_SUB_LATENCY       = 61;  // 60 stages
localparam int FP32_SUM_ADD_LATENCY     =  8;  // 7 stages
localparam int EW_I8_TO_F32_LATENCY     =  2;  // 1 stage

endpackage
