"""Testbench for rtl/common/kernel_control.sv."""
