"""Same inputs, same answer: a run is a pure function of scenario + seed + cxsim version.

Three layers of the one guarantee (docs/guarantees.md, "Same inputs, same answer"):

- in one process: the same seed gives the same frame, whatever the Numba thread count
  or a process pool;
- across processes and files, the way an analyst meets it: two separate
  ``cxsim run --out`` processes, one with 1 Numba thread and one with 2, write
  byte-identical CSV/Parquet files, and every output says how to reproduce it
  (scenario, seed, version; a Parquet file carries the full scenario);
- common random numbers: every random decision is a pure function of
  (seed, stream, week, person), so two runs with the same seed draw the same
  numbers wherever their logic agrees. A lever that only changes marketing spend
  leaves the workforce's week exactly as it was, and adding a person to the
  market changes nobody else's draws.
"""

from __future__ import annotations

import io
import subprocess
import sys

import numba
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import cxsim
from cxsim import rng
from cxsim.checkpoint import parquet_metadata, stamped_frame, write_result
from cxsim.scenario import scenario_from_toml
from cxsim.state import new_market

CLI = [sys.executable, "-c", "from cxsim.cli import main; main()"]

# ------------------------------------------------------------------ in one process


def test_same_seed_same_frame(small):
    a = cxsim.run(small, seed=5).timeseries
    b = cxsim.run(small, seed=5).timeseries
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = cxsim.run(small, seed=6).timeseries
    assert not a.equals(c)


def test_one_and_two_threads_identical(small):
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = cxsim.run(small, seed=9).timeseries
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = cxsim.run(small, seed=9).timeseries
    finally:
        numba.set_num_threads(before)
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_run_many_with_workers_equals_serial(small):
    serial = cxsim.run_many(small, seeds=[1, 2], steps=6, workers=1)
    pooled = cxsim.run_many(small, seeds=[1, 2], steps=6, workers=2)
    for a, b in zip(serial, pooled, strict=True):
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)


def test_every_seed_bit_counts_and_bad_seeds_are_refused():
    """Seeds are 63-bit: two seeds that differ only in a high bit are different runs."""
    s = cxsim.load_scenario("small_business")
    low = cxsim.run(s, seed=5, steps=2).timeseries
    for high in (5 + 2**47, 5 + 2**62):
        assert not low.equals(cxsim.run(s, seed=high, steps=2).timeseries), high
    for bad in (-1, 2**63, 1.5, "3", True):
        with pytest.raises(ValueError, match="seed must be a whole number"):
            cxsim.CXModel(s, seed=bad)


# ------------------------------------------------------ across processes and files


@pytest.fixture(scope="module")
def scenario_file(small, tmp_path_factory):
    """The small firm with every phase on (a VoC survey with a reality check), written to a TOML file."""
    s = small.override({"programs.voc": True, "measurement.reality_check": True, "name": "determinism_check"})
    path = tmp_path_factory.mktemp("det") / "det.toml"
    path.write_text(s.to_toml())
    return path, s


def _cli(*args, cwd):
    p = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600)
    assert p.returncode == 0, p.stderr
    return p


@pytest.mark.slow
def test_two_processes_write_identical_bytes(scenario_file, tmp_path):
    path, s = scenario_file
    _cli("run", path, "--seed", 7, "--steps", 12, "--threads", 1, "--out", tmp_path / "a.csv", cwd=tmp_path)
    _cli("run", path, "--seed", 7, "--steps", 12, "--threads", 2, "--out", tmp_path / "b.parquet", cwd=tmp_path)
    _cli("run", path, "--seed", 7, "--steps", 12, "--threads", 2, "--out", tmp_path / "rundir", cwd=tmp_path)
    csv, parquet = (tmp_path / "a.csv").read_bytes(), (tmp_path / "b.parquet").read_bytes()
    assert csv == (tmp_path / "rundir" / "timeseries.csv").read_bytes(), "CSV differs between processes/threads"
    assert parquet == (tmp_path / "rundir" / "timeseries.parquet").read_bytes(), (
        "Parquet differs between processes/threads"
    )
    # ... and equal to what this process writes for the same run
    here = cxsim.run(s, seed=7, steps=12)
    write_result(here, tmp_path / "here.csv")
    write_result(here, tmp_path / "here.parquet")
    assert (tmp_path / "here.csv").read_bytes() == csv
    assert (tmp_path / "here.parquet").read_bytes() == parquet
    # another seed is another run (the comparison above can fail)
    write_result(cxsim.run(s, seed=8, steps=12), tmp_path / "other.csv")
    assert (tmp_path / "other.csv").read_bytes() != csv


def test_result_is_stamped_with_scenario_seed_and_version(small):
    r = cxsim.run(small, seed=4, steps=3)
    assert r.seed == 4 and r.version == cxsim.__version__ and r.scenario == small
    assert r.summary["seed"] == 4 and r.summary["version"] == cxsim.__version__
    assert len(r.timeseries) == 3 and list(r.timeseries["week"]) == [1, 2, 3]


def test_outputs_record_scenario_seed_and_version(scenario_file, tmp_path):
    _, s = scenario_file
    result = cxsim.run(s, seed=3, steps=4)
    write_result(result, tmp_path / "r.csv")
    write_result(result, tmp_path / "r.parquet")
    for df in (pd.read_csv(tmp_path / "r.csv"), pd.read_parquet(tmp_path / "r.parquet")):
        assert list(df.columns[:3]) == ["scenario", "seed", "version"]
        assert set(df["scenario"]) == {"determinism_check"}
        assert set(df["seed"]) == {3}
        assert set(df["version"]) == {cxsim.__version__}
        assert list(df["week"]) == [1, 2, 3, 4]
    meta = pq.read_schema(tmp_path / "r.parquet").metadata
    assert meta[b"cxsim.seed"] == b"3" and meta[b"cxsim.version"] == cxsim.__version__.encode()
    assert scenario_from_toml(meta[b"cxsim.scenario_toml"].decode()) == s, "the file carries its full scenario"


def test_a_parquet_file_alone_reproduces_its_run(scenario_file, tmp_path):
    _, s = scenario_file
    write_result(cxsim.run(s, seed=11, steps=5), tmp_path / "r.parquet")
    meta = pq.read_schema(tmp_path / "r.parquet").metadata
    again = cxsim.run(scenario_from_toml(meta[b"cxsim.scenario_toml"].decode()), seed=int(meta[b"cxsim.seed"]), steps=5)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "r.parquet"), stamped_frame(again), check_exact=True)


def test_csv_round_trip_is_exact(scenario_file):
    """Floats in the CSV are written with enough digits to read back bit for bit."""
    _, s = scenario_file
    df = stamped_frame(cxsim.run(s, seed=2, steps=6))
    back = pd.read_csv(io.StringIO(df.to_csv(index=False)))
    for col in df.columns:
        if df[col].dtype.kind == "f":
            pd.testing.assert_series_equal(df[col], back[col], check_exact=True, check_dtype=False)


def test_parquet_metadata_names_everything(scenario_file):
    _, s = scenario_file
    meta = parquet_metadata(cxsim.run(s, seed=1, steps=1))
    assert set(meta) == {"cxsim.version", "cxsim.seed", "cxsim.scenario", "cxsim.scenario_toml"}
    assert all(isinstance(v, str) for v in meta.values())


# ---------------------------------------------------------- common random numbers


def _step(scenario, seed, weeks=1):
    model = cxsim.CXModel(scenario, seed=seed)
    for _ in range(weeks):
        model.step()
    return model


@pytest.mark.parametrize("seed", [0, 17])
def test_marketing_lever_leaves_week1_workforce_and_encounters_identical(small, seed):
    low = _step(small.override({"leadership.marketing_spend": 0.0}), seed)
    high = _step(small.override({"leadership.marketing_spend": 200_000.0}), seed)
    for name in low.workforce._fields:  # engagement, its drivers, skill, quits, overtime ...
        np.testing.assert_array_equal(getattr(low.workforce, name), getattr(high.workforce, name), err_msg=name)
    for name in (
        "encounter_flags",
        "quality",
        "experience_flags",
        "wom_flags",
    ):  # marketing acts after the week's encounters and word of mouth
        np.testing.assert_array_equal(getattr(low.market, name), getattr(high.market, name), err_msg=name)
    assert low.rows[0]["mean_engagement"] == high.rows[0]["mean_engagement"]
    # ... while the lever did do something that week: more spend, more adopters
    assert high.rows[0]["cost_marketing"] > low.rows[0]["cost_marketing"]
    assert high.rows[0]["new_customers"] > low.rows[0]["new_customers"]


@pytest.mark.parametrize("seed", [1, 2**40 + 3])
def test_one_more_person_changes_nobody_elses_draws(small, seed):
    n = 2000
    # no graph: with friends, a new person would rewire the small world; here only the person is new
    fewer = small.override({"market.size": n, "market.mean_degree": 0})
    more = small.override({"market.size": n + 1, "market.mean_degree": 0})
    m_fewer, m_more = new_market(fewer, seed), new_market(more, seed)
    for name in m_fewer._fields:
        np.testing.assert_array_equal(getattr(m_fewer, name), getattr(m_more, name)[:n], err_msg=name)
    a, b = _step(fewer, seed), _step(more, seed)
    # week-1 contact decisions and experiences of persons 0..n-1: identical
    np.testing.assert_array_equal(a.market.encounter_flags, b.market.encounter_flags[:n])
    np.testing.assert_array_equal(a.market.quality, b.market.quality[:n])
    np.testing.assert_array_equal(a.market.experience_flags, b.market.experience_flags[:n])
    np.testing.assert_array_equal(a.workforce.engagement, b.workforce.engagement)


def test_rng_streams_are_per_person_and_per_decision():
    n = 1000
    u = rng.uniforms(9, rng.S_CONTACT, 4, n + 1)
    np.testing.assert_array_equal(rng.uniforms(9, rng.S_CONTACT, 4, n), u[:n])
    assert not np.array_equal(rng.uniforms(9, rng.S_CHURN, 4, n), u[:n]), "streams differ"
    assert not np.array_equal(rng.uniforms(9, rng.S_CONTACT, 5, n), u[:n]), "weeks differ"
    assert not np.array_equal(rng.uniforms(10, rng.S_CONTACT, 4, n), u[:n]), "seeds differ"
    assert 0.0 <= u.min() and u.max() < 1.0
    # uniform enough to be a uniform: mean and a coarse histogram
    big = rng.uniforms(1, rng.S_CONTACT, 1, 200_000)
    assert abs(big.mean() - 0.5) < 0.005
    counts = np.histogram(big, bins=10, range=(0, 1))[0]
    assert counts.min() > 19_000 and counts.max() < 21_000


def test_stream_numbers_are_unique():
    streams = {name: getattr(rng, name) for name in dir(rng) if name.startswith("S_")}
    values = list(streams.values())
    assert len(values) == len(set(values)), f"two decisions share a stream: {streams}"
