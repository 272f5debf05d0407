"""Testbench for rtl/common/axis_skid_buffer.sv."""
