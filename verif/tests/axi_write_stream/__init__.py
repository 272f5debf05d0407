"""Testbench for rtl/common/axi_write_stream.sv."""
