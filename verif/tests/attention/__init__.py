"""Testbench for rtl/kernels/attention.sv."""
