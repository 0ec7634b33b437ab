"""Ensemble chunks on a Dask cluster: the same numbers as the local runner, more machines.

``Ensemble(scheduler=…)`` sends each chunk of a run to a Dask cluster as one task. A task
carries the kernel (a closure, pickled by Dask's cloudpickle) and the chunk's
:class:`~lrtheory.montecarlo.runner.ChunkSpec` — seed, stream key, block size and chain
range — never a generator: the worker rebuilds the chunk's generators from
``SeedSequence(seed, spawn_key=(*key, b))`` exactly as the local runner does, runs
:func:`~lrtheory.montecarlo.runner.chunk_moments` (the same function the local threads run)
and returns the chunk's :class:`Moments`. The client merges them in chunk order, the local
runner's order, so with the same seed a cluster gives the local runner's numbers bit for
bit (Moments.of and Pébay's merge are deterministic functions of the same per-chunk data).

A divergence on a worker comes back as the same :class:`DivergenceError` (the exception
itself does not pickle: its arguments are sent and it is rebuilt here), for the first
diverged chunk in merge order, as locally. The progress callback is called per chunk, in
order, as the results are merged.

Workers need lrtheory (same version) and the backend's array library importable; the
backend is the one the client resolved (``auto`` → NumPy on a client without a GPU), rebuilt
on each worker by name. Dask is an optional extra: ``pip install 'lrtheory[dask]'``.

With ``verify(…, jobs=k)`` (``lrtheory verify/report --jobs``) and a scheduler, the claims
still run side by side in k local processes — their derivations, models and figures are
local work — and each process opens its own connection; all their chunks go to the one
cluster, which schedules them together. The numbers do not depend on k either way.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lrtheory.errors import DivergenceError, LrtheoryError
from lrtheory.montecarlo.backend import Backend, backend_named
from lrtheory.montecarlo.moments import Moments
from lrtheory.montecarlo.runner import ChunkSpec, Kernel, chunk_moments

if TYPE_CHECKING:  # pragma: no cover
    from lrtheory.montecarlo.runner import Ensemble

#: Seconds to wait for a scheduler before giving up with an error naming ``--scheduler``.
CONNECT_TIMEOUT = 10.0

_MISSING = "--scheduler needs Dask's distributed scheduler: pip install 'lrtheory[dask]'"

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client_for(scheduler: Any, timeout: float | None = None) -> Any:
    """The ``distributed.Client`` for ``scheduler``: a Client as given, or one connection
    per address per process, opened on first use (within ``timeout`` seconds, default
    :data:`CONNECT_TIMEOUT`) and reused.

    Raises :class:`LrtheoryError` naming ``--scheduler`` when Dask is missing or the
    scheduler cannot be reached in time — never hangs.
    """
    if not isinstance(scheduler, str):
        return scheduler
    try:
        import distributed
    except ImportError as exc:
        raise LrtheoryError(_MISSING) from exc
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    with _lock:
        client = _clients.get(scheduler)
        if client is not None and client.status == "running":
            return client
        try:
            # A Client that fails to connect is left half-built and times out again when
            # collected; a bare connection is tried first, so a bad address leaves nothing.
            _probe(scheduler, timeout)
            make_client: Any = distributed.Client  # typed or not, by Dask's version
            client = make_client(scheduler, timeout=timeout, set_as_default=False)
        except OSError as exc:  # refused, unreachable, timed out (TimeoutError)
            raise LrtheoryError(
                f"--scheduler {scheduler!r}: no Dask scheduler reachable within {timeout:g} s "
                f"({exc})") from None
        except (ValueError, TypeError) as exc:
            raise LrtheoryError(f"--scheduler {scheduler!r} is not a Dask scheduler address, "
                                f"such as tcp://host:8786 ({exc})") from None
        _clients[scheduler] = client
        return client


def _probe(address: str, timeout: float) -> None:
    """Open and close one comm to ``address`` (on a thread of its own, so that a caller's
    running event loop, as in Jupyter, is not in the way)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import core

    connect: Any = core.connect  # typed or not, by Dask's version

    async def attempt() -> None:
        comm = await connect(address, timeout=timeout)
        await comm.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, attempt()).result()


def close_clients() -> None:
    """Close the connections :func:`client_for` opened (tests; a process's exit does it)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


@dataclass(frozen=True)
class _Diverged:
    """A worker's DivergenceError, as data (the exception's constructor does not match its
    pickled arguments)."""

    what: str
    step: int | None
    n_chains: int


@functools.cache
def _backend(name: str) -> Backend:
    return backend_named(name)


def _run_chunk(kernel: Kernel, spec: ChunkSpec, backend: str, dtype: Any,
               what: str) -> Moments | _Diverged:
    """One chunk on a worker: rebuild its generators from the spec, run, reduce."""
    try:
        return chunk_moments(kernel, spec.rng(_backend(backend), dtype), what)
    except DivergenceError as exc:
        return _Diverged(exc.what, exc.step, exc.n_chains)


def run_on_cluster(ensemble: Ensemble, kernel: Kernel, n_chains: int, what: str) -> Moments:
    """:meth:`Ensemble.run` on the ensemble's Dask scheduler (module docstring)."""
    client = client_for(ensemble.scheduler)
    futures = [client.submit(_run_chunk, kernel, spec, ensemble.backend.name, ensemble.dtype,
                             what, pure=False)
               for spec in ensemble.chunk_specs(n_chains)]
    total = Moments.empty()
    try:
        for future in futures:
            result = future.result()
            if isinstance(result, _Diverged):
                raise DivergenceError(result.what, result.step, result.n_chains)
            total = total.merge(result)
            if ensemble.progress is not None:
                ensemble.progress(result.n)
    except BaseException:
        client.cancel(futures)
        raise
    return total
