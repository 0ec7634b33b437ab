"""Claims side by side: a process pool over independent claims.

A claim's derivation (SymPy), model and figure are single-threaded Python; only its Monte
Carlo ensembles use several cores. Claims are independent — each draws from streams keyed by
its own ID — so running them in separate processes changes no number, only the wall time.

Claims cross the process boundary *by ID*: :meth:`lrtheory.claim.Claim.__reduce__` pickles
a registered claim as a registry look-up, so a result computed in a worker comes back
attached to the parent's claim object. Workers are started with ``spawn`` (no fork of a
process that may already run threads).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import TypeVar

from lrtheory.errors import check_int

T = TypeVar("T")
R = TypeVar("R")


def cpu_count() -> int:
    """CPUs this process may use (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def resolve_jobs(jobs: int, tasks: int) -> int:
    """``jobs`` processes (0: one per CPU), never more than there are tasks."""
    jobs = check_int("jobs", jobs, 0, 1024)
    return max(1, min(jobs or cpu_count(), tasks))


def map_unordered(fn: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterator[tuple[int, R]]:
    """``(index, fn(item))`` for every item, as they finish, on ``jobs`` spawned processes.

    ``fn`` must be a module-level function and ``items`` picklable. An exception in a worker
    is re-raised here, in the parent, after the pool has been shut down.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures: dict[Future[R], int] = {pool.submit(fn, item): i for i, item in enumerate(items)}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
