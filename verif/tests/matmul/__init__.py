"""Testbench for rtl/kernels/matmul.sv."""
