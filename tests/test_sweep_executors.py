"""A sweep's results do not depend on where it runs: this process, a local pool, or a real Dask cluster.

The Dask cluster is the real thing (the ``dask_cluster`` fixture of conftest.py).
"""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

import cxsim.sweep as sw
from cxsim.sweep.execute import DaskExecutor, LocalExecutor
from sweep_helpers import tiny_spec

pytestmark = pytest.mark.slow


def test_same_runs_in_process_local_pool_and_dask(dask_cluster, tmp_path):
    spec = tiny_spec(seeds=3)  # 4 points x 3 seeds = 12 runs
    sw.run(spec, tmp_path / "inproc", executor=LocalExecutor(1), chunk_size=5)
    sw.run(spec, tmp_path / "pool", executor=LocalExecutor(2), chunk_size=3)
    report = sw.run(spec, tmp_path / "dask", executor=DaskExecutor(dask_cluster), chunk_size=2)
    assert "Dask cluster at tcp://127.0.0.1" in report.executor and report.complete
    reference = sw.load(tmp_path / "inproc")
    assert len(reference) == 12 and reference["run"].is_unique
    pd.testing.assert_frame_equal(sw.load(tmp_path / "pool"), reference)
    pd.testing.assert_frame_equal(sw.load(tmp_path / "dask"), reference)
    # chunks came back from the cluster's worker processes, not from this one
    sessions = json.loads((tmp_path / "dask" / "_sweep.json").read_text())["sessions"]
    assert sessions[0]["workers"] == 2


def test_a_sweep_started_on_dask_resumes_locally_with_the_same_result(dask_cluster, tmp_path):
    spec = tiny_spec()
    sw.run(spec, tmp_path / "a", executor=DaskExecutor(dask_cluster), chunk_size=2)
    (tmp_path / "a" / "part-00002.parquet").unlink()
    report = sw.run(spec, tmp_path / "a", executor=1, resume=True)
    assert report.runs_now == 2
    sw.run(spec, tmp_path / "b", executor=1)
    pd.testing.assert_frame_equal(sw.load(tmp_path / "a"), sw.load(tmp_path / "b"))


def test_an_unreachable_scheduler_fails_before_writing_anything(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "never"
    with pytest.raises(sw.SweepError, match="cannot reach a Dask scheduler"):
        sw.run(tiny_spec(), out, executor=DaskExecutor(f"tcp://127.0.0.1:{port}", timeout=2))
    assert not out.exists()
    with pytest.raises(sw.SweepError, match="expected an address like tcp://"):
        sw.run(tiny_spec(), out, executor="127.0.0.1:8786")


def test_the_driver_and_its_helpers_share_the_chunks_and_agree_with_every_other_layout(tmp_path):
    """``--workers 2`` is this process plus one helper: both run chunks (the helper's start-up is hidden
    behind the driver's work), every chunk comes back once, and the rows are those of one process alone,
    of an idle driver with two helpers, and of three processes."""
    from cxsim.sweep.runner import _tasks
    from cxsim.sweep.store import SweepStore

    spec = tiny_spec(seeds=3)  # 12 runs
    sw.run(spec, tmp_path / "one", executor=LocalExecutor(1), chunk_size=1)
    store = SweepStore.open(tmp_path / "one")
    ex = LocalExecutor(2)
    assert ex.helpers == 1 and "this one + 1 helper" in ex.describe()
    try:
        results = list(ex.map(_tasks(store, list(range(store.n_chunks)))))
    finally:
        ex.close()
    assert sorted(r.chunk for r in results) == list(range(12))
    hosts = {r.host.rsplit(":", 1)[1] for r in results}
    assert str(os.getpid()) in hosts and len(hosts) == 2, hosts
    reference = sw.load(tmp_path / "one")
    pd.testing.assert_frame_equal(
        pd.concat([r.frame for r in sorted(results, key=lambda r: r.chunk)], ignore_index=True),
        reference.drop(columns=[c for c in reference.columns if c not in results[0].frame.columns]),
        check_dtype=False,
    )
    for name, ex in (("idle", LocalExecutor(2, driver_runs=False)), ("three", LocalExecutor(3))):
        sw.run(spec, tmp_path / name, executor=ex, chunk_size=2)
        pd.testing.assert_frame_equal(sw.load(tmp_path / name), reference)
