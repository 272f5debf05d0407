"""Testbench for rtl/kernels/rope.sv."""
