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
from contextlib import contextmanager
from typing import TypeVar

from threadpoolctl import threadpool_limits

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


#: Environment variables that set the thread count of the BLAS/OpenMP runtimes NumPy and
#: SciPy link against; read once, when a process loads them.
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def _blas_threads(threads: int) -> Iterator[None]:
    """Spawned workers share the cores out: each one's BLAS gets ``threads`` threads (unless
    the user set a count), so that ``jobs`` workers do not each start one BLAS thread per
    core — oversubscribed, small solves and products run many times slower."""
    saved = {k: os.environ.get(k) for k in BLAS_THREAD_VARIABLES}
    for key, value in saved.items():
        if value is None:
            os.environ[key] = str(threads)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS and LAPACK on one thread while claims are verified, in this process and in every
    worker alike. A multithreaded BLAS splits a product's sums differently with the thread
    count (how much depends on the CPU's kernels), so eigenvalues and products could differ
    in the last bits between ``jobs=1`` and a pool; the claims' matrices are small, and the
    Monte Carlo chunks already run side by side on Python threads."""
    with threadpool_limits(1, user_api="blas"):
        yield


def map_unordered(fn: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterator[tuple[int, R]]:
    """``(index, fn(item))`` for every item, as they finish, on ``jobs`` spawned processes.

    ``fn`` must be a module-level function and ``items`` picklable. An exception in a worker
    is re-raised here, in the parent, after the pool has been shut down.
    """
    context = multiprocessing.get_context("spawn")
    with _blas_threads(max(1, cpu_count() // jobs)), \
            ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures: dict[Future[R], int] = {pool.submit(fn, item): i for i, item in enumerate(items)}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
