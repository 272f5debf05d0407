"""Testbench for rtl/kernels/quantize.sv."""
