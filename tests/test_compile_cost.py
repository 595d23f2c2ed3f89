"""Guards for the cold compile (target: under 30 s, README "Performance"), without timing anything.

A cold ``cxsim run`` compiles every kernel once per distinct argument type. Two
mistakes made it ~9 s slower before and are easy to make again: passing a
random stream as a Python int (Numba then compiles a copy of ``uniform`` for
each stream's literal value) and inlining the hash at Numba's level (every
call site copies its IR into the parallel kernels).
"""

from __future__ import annotations

import numpy as np

import cxsim
from cxsim import rng


def test_random_streams_are_numpy_integers():
    streams = {k: v for k, v in vars(rng).items() if k.startswith("S_")}
    assert len(streams) > 30
    plain = [k for k, v in streams.items() if not isinstance(v, np.int64)]
    assert not plain, f"streams must be np.int64 (a Python int compiles a copy of uniform per stream): {plain}"


def test_a_week_compiles_one_uniform_per_argument_type():
    model = cxsim.CXModel(cxsim.load_scenario("baseline").override({"market.size": 2_000}), seed=3)
    model.step()
    signatures = [tuple(map(str, sig)) for sig in rng.uniform.signatures]
    literal_streams = [sig for sig in signatures if "Literal" in sig[1]]
    assert not literal_streams, f"uniform was compiled for literal streams: {literal_streams}"
    assert len(signatures) <= 8, f"uniform compiled {len(signatures)} times: {signatures}"


def test_hash_is_not_inlined_at_numba_level():
    for fn in (rng.uniform, rng.hash4, rng.index, rng.normal):
        assert fn.targetoptions.get("inline", "never") == "never", f"{fn.__name__} is inlined into every call site's IR"
