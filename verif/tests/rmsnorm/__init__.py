"""Testbench for rtl/kernels/rmsnorm.sv."""
