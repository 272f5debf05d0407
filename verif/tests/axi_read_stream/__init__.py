"""Testbench for rtl/common/axi_read_stream.sv."""
