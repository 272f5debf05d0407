"""Testbench for rtl/kernels/embed.sv."""
