"""Where replications run: any `concurrent.futures.Executor`.

- `local_pool(workers)`: a process pool on this machine (all cores by default). Workers
  start from a fork server that has already imported the simulator and the KPI engine, so
  each worker starts fast, and no worker is forked from a multi-threaded parent (a web app).
- `open_executor(...)`: what the CLI options ask for: `--workers N`, `--scheduler ADDRESS`
  (an existing Dask cluster, through `Client.get_executor()`), `--dask-local N` (a
  LocalCluster of N single-threaded worker processes bound to 127.0.0.1, no dashboard).
  Dask is imported only here, only when asked for (`pip install .[dask]`). A script that
  starts a LocalCluster must do so under `if __name__ == "__main__":`.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from collections.abc import Iterator

from sim.errors import InputError

PRELOAD = ["sim.engine", "sim.kpis", "sim.experiments.worker"]


def local_pool(workers: int | None = None) -> ProcessPoolExecutor:
    workers = (os.cpu_count() or 1) if workers is None else _whole("workers", workers)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


@contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None,
                  dask_local: int | None = None) -> Iterator[Executor]:
    """The executor the options name (a local pool on all cores if none), closed on exit."""
    given = [name for name, v in (("workers", workers), ("scheduler", scheduler),
                                  ("dask_local", dask_local)) if v is not None]
    if len(given) > 1:
        raise InputError(f"{given[1]}: give only one of workers, scheduler, dask_local")
    if scheduler is None and dask_local is None:
        with local_pool(workers) as pool:
            yield pool
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("scheduler/dask_local: Dask is not installed; pip install '.[dask]'") from None
    if dask_local is not None:
        with LocalCluster(n_workers=_whole("dask_local", dask_local), threads_per_worker=1,
                          processes=True, host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            yield client.get_executor()
        return
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as err:
        raise InputError(f"scheduler: cannot reach a Dask scheduler at {scheduler!r} ({err})") from None
    with client:
        yield client.get_executor()


def _whole(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{name}: {value!r} is not a whole number >= 1")
    return value
