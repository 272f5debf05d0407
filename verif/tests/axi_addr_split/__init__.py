"""Testbench for rtl/common/axi_addr_split.sv."""
