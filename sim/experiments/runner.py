"""Run a batch of replications on an executor: progress, failures, persistence.

Each task is one call of a top-level worker function (`run_kpis`, or the staffing
worker). Results come back as they complete; `progress(done, total)` is called in the
calling process after each one. A replication that raises is reported with its seed and
the error, and the others are kept. With a `PartStore`, a finished replication is written
at once and a rerun loads it instead of running it again.
"""

from __future__ import annotations

import os

from collections.abc import Callable, Iterator
from concurrent.futures import Executor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field

from sim.experiments.executors import local_pool
from sim.experiments.store import PartStore

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Task:
    key: str  # where its part is stored: "<group>/rep-<n>"
    rep: int
    seed: int
    fn: Callable
    args: tuple


@dataclass(frozen=True)
class Failure:
    key: str
    rep: int
    seed: int
    error: str

    def __str__(self) -> str:
        return f"replication {self.rep} ({self.key}, seed {self.seed}) failed: {self.error}"


@dataclass
class Outcome:
    rows: dict[str, dict] = field(default_factory=dict)  # key -> {rep, seed, values...}
    failures: list[Failure] = field(default_factory=list)


@contextmanager
def executor_or_pool(executor: Executor | None, tasks: int) -> Iterator[Executor]:
    """The caller's executor, or a local pool (at most one worker per task, all cores) kept
    for a whole experiment, all its batches."""
    if executor is not None:
        yield executor
        return
    with local_pool(max(1, min(tasks, os.cpu_count() or 1))) as pool:
        yield pool


def rep_key(group: str, rep: int) -> str:
    return f"{group}/rep-{rep:05d}"


def run_tasks(tasks: list[Task], executor: Executor | None = None,
              progress: Progress | None = None, store: PartStore | None = None,
              done_before: int = 0, total: int | None = None) -> Outcome:
    """Run `tasks` (skipping those `store` already holds); None executor = a local pool.

    `done_before` and `total` let successive batches of one experiment report progress
    on one scale.
    """
    outcome = Outcome()
    todo = []
    for task in tasks:
        row = store.load(task.key) if store is not None else None
        if row is None:
            todo.append(task)
        else:
            outcome.rows[task.key] = row
    total = done_before + len(tasks) if total is None else total
    done = done_before + len(outcome.rows)
    if progress:
        progress(done, total)
    if not todo:
        return outcome
    with executor_or_pool(executor, len(todo)) as ex:
        _run(todo, ex, progress, store, outcome, done, total)
    return outcome


def _run(todo: list[Task], executor: Executor, progress, store, outcome: Outcome,
         done: int, total: int) -> None:
    futures = {}
    try:
        for task in todo:
            futures[executor.submit(task.fn, *task.args)] = task
        for future in as_completed(futures):
            task = futures[future]
            try:
                values = future.result()
            except Exception as err:  # the replication failed; keep the others
                outcome.failures.append(Failure(task.key, task.rep, task.seed,
                                                f"{type(err).__name__}: {err}"))
            else:
                row = {"rep": task.rep, "seed": task.seed, **values}
                if store is not None:
                    store.save(task.key, row)
                outcome.rows[task.key] = row
            done += 1
            if progress:
                progress(done, total)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
