"""Testbench for rtl/forward/fwd_elementwise.sv."""
