"""Pure Numba kernels, one module per phase of the weekly causal chain.

Kernels take arrays and scalars and write into arrays they are given; they
hold no state and read no globals, so each can be tested on its own against
a closed form. Random numbers come from :mod:`cxsim.rng` only.

Conventions every kernel follows:

- **At most 8 positional arguments**: the random-number key (seed, week), the
  state as NamedTuples of arrays (:class:`cxsim.state.Market`,
  :class:`cxsim.state.Workforce`) and the scalars as one named bundle (a
  NamedTuple declared next to the kernel, e.g. ``ServiceParams``), built by the
  model with keyword arguments: two swapped floats cannot compile into a
  silently wrong model.
- **Named results**: tallies come back as NamedTuples (``ServiceTally`` ...),
  never as arrays read by position.
- **Bits and codes** of the per-person bytes live in :mod:`cxsim.kernels.flags`.
- **Unpack arrays first, one per statement.** Numba drops writes made through
  a NamedTuple's attribute inside a ``prange`` loop (numba#5872, numba#7135),
  and we have seen it drop writes to arrays unpacked from one in a single
  tuple assignment (``a, b = market.a, market.b``) too. So a parallel kernel
  starts with ``status = market.status`` lines and loops over local names.
  ``tests/test_kernels.py`` runs each parallel kernel against its own Python
  source, so a kernel that loses writes fails there.
"""
