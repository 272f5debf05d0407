"""Testbench for rtl/kernels/swiglu.sv."""
