"""Testbench for rtl/kernels/residual.sv."""
