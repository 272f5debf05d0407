"""cocotb testbenches, one folder per RTL module (verif/tests/<m>/test_<m>.py)."""
