"""Testbench for rtl/forward/fwd_channel.sv."""
