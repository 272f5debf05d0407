"""Testbench for rtl/forward/forward.sv."""
