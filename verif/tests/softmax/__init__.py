"""Testbench for rtl/kernels/softmax.sv."""
