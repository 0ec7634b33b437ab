"""Ensemble chunks on a Dask cluster give the local runner's numbers, bit for bit.

The cluster is a LocalCluster of two worker *processes* (one thread each), so that the
kernels really travel: closures pickled by cloudpickle, generators rebuilt on the workers
from each chunk's seed spec, moments sent back and merged here in chunk order.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from lrtheory import registry
from lrtheory.cli import main
from lrtheory.errors import DivergenceError, LrtheoryError, ParameterError
from lrtheory.montecarlo import distributed as dd
from lrtheory.montecarlo.kernels import sgd_diagonal_quadratic
from lrtheory.montecarlo.moments import Moments
from lrtheory.montecarlo.runner import Ensemble
from lrtheory.report.serialize import run_json, without_timings
from lrtheory.verify import Settings, verify

distributed = pytest.importorskip("distributed")
#: One cluster for the module: under pytest-xdist its tests stay on one worker.
pytestmark = pytest.mark.xdist_group("dask")

KERNEL = sgd_diagonal_quadratic(0.2, np.array([1.0, 3.0]), 1.0, 50)
#: Three cheap claims with Monte Carlo points (about 1.3 s each on one core).
CLAIMS = ("H3", "M7", "G7")
#: An address where nothing listens (port 1 is privileged and unused).
NOWHERE = "tcp://127.0.0.1:1"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as local:  # any free port
        yield local.scheduler_address
        dd.close_clients()


def _same(a: Moments, b: Moments) -> bool:
    return a.n == b.n and all(np.array_equal(getattr(a, f), getattr(b, f))
                              for f in ("mean", "m2", "m3", "m4"))


def test_chunks_on_the_cluster_give_the_local_numbers_bit_for_bit(cluster: str) -> None:
    local_progress: list[int] = []
    remote_progress: list[int] = []
    kw: dict[str, Any] = {"seed": 7, "block": 4096, "chunk": 8192}
    ref = Ensemble(**kw, progress=local_progress.append).run(KERNEL, 40_000)
    got = Ensemble(**kw, progress=remote_progress.append, scheduler=cluster).run(KERNEL, 40_000)
    assert _same(got, ref)
    assert remote_progress == local_progress == [8192] * 4 + [7232]


def test_a_client_object_works_as_the_scheduler(cluster: str) -> None:
    with distributed.Client(cluster, set_as_default=False) as client:
        got = Ensemble(seed=3, scheduler=client).run(KERNEL, 5000)
    assert _same(got, Ensemble(seed=3).run(KERNEL, 5000))


def test_divergence_on_a_worker_is_the_same_error(cluster: str) -> None:
    unstable = sgd_diagonal_quadratic(3.0, np.ones(1), 1.0, 2000)  # the kernel sees it
    messages = []
    for scheduler in (None, cluster):
        with pytest.raises(DivergenceError) as info:
            Ensemble(seed=0, block=1024, chunk=2048, scheduler=scheduler).run(
                unstable, 8192, what="unstable SGD")
        assert info.value.step == 1024
        messages.append(str(info.value))
    assert messages[0] == messages[1]

    def overflow(rng: Any) -> Any:  # the runner sees it: inf rows, no step
        z = rng.normal(1)
        return rng.xp.where(z > 1.0, rng.xp.inf, z)

    messages = []
    for scheduler in (None, cluster):
        with pytest.raises(DivergenceError, match=r"^overflow: \d+ chain") as info:
            Ensemble(seed=0, scheduler=scheduler).run(overflow, 3000, what="overflow")
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_other_worker_errors_surface_as_themselves(cluster: str) -> None:
    def wrong_rows(rng: Any) -> Any:
        return rng.normal(1)[:5]

    with pytest.raises(ValueError, match="kernel returned 5 rows for 3000 chains"):
        Ensemble(seed=0, scheduler=cluster).run(wrong_rows, 3000)


def test_verify_on_the_cluster_gives_the_same_results(cluster: str) -> None:
    claims = registry.select(list(CLAIMS))
    base = Settings(seed=5, backend="numpy")
    local = verify(claims, base, jobs=1)
    remote = verify(claims, Settings(seed=5, backend="numpy", scheduler=cluster), jobs=1)
    a, b = without_timings(run_json(local)), without_timings(run_json(remote))
    assert b["settings"].pop("scheduler") == cluster
    assert a["settings"].pop("scheduler") is None
    assert sum(len(c.monte_carlo) for c in remote.claims) >= 20
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_cli_takes_a_scheduler(cluster: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "H3", "--seed", "2", "--jobs", "1", "--scheduler", cluster]) == 0
    assert "H3" in capsys.readouterr().out


def test_a_bad_address_is_a_clear_error_not_a_hang(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    t = time.perf_counter()
    with pytest.raises(LrtheoryError, match=r"^--scheduler 'tcp://127\.0\.0\.1:1': no Dask "
                                            r"scheduler reachable within 1 s"):
        dd.client_for(NOWHERE, timeout=1.0)
    assert time.perf_counter() - t < 5.0
    with pytest.raises(LrtheoryError, match=r"^--scheduler 'nowhere' is not a Dask scheduler"):
        dd.client_for("nowhere")
    # Through the command line: connected before any claim runs, exit status 2.
    monkeypatch.setattr(dd, "CONNECT_TIMEOUT", 1.0)
    t = time.perf_counter()
    assert main(["verify", "H3", "--jobs", "1", "--scheduler", NOWHERE]) == 2
    assert time.perf_counter() - t < 5.0
    err = capsys.readouterr().err
    assert err.startswith("lrtheory: error: --scheduler 'tcp://127.0.0.1:1'"), err


def test_scheduler_parameter_is_validated() -> None:
    with pytest.raises(ParameterError, match=r"^scheduler must be"):
        Settings(scheduler="  ")
    with pytest.raises(ParameterError, match=r"^scheduler must be"):
        Settings(scheduler=8786)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"^scheduler must be"):
        Ensemble(scheduler="")


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    with pytest.raises(LrtheoryError, match=r"pip install 'lrtheory\[dask\]'"):
        Ensemble(scheduler="tcp://127.0.0.1:8786").run(KERNEL, 100)
