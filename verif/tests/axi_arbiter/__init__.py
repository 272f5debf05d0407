"""Testbench for rtl/common/axi_arbiter.sv."""
