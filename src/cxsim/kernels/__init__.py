"""Pure Numba kernels, one module per phase of the weekly causal chain.

Kernels take arrays and scalars and write into arrays they are given; they
hold no state and read no globals, so each can be tested on its own against
a closed form. Random numbers come from :mod:`cxsim.rng` only.
"""
