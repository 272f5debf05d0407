"""Host runner: the ``hlstransform`` command, its backends and the generation loop.

The same host code drives every backend (golden, and later numerics, sim, xrt): a backend
only has to turn (token, position) into logits; tokenizing, sampling, timing and output
live here once.
"""
