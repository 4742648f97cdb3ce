"""Where the clips run: a process pool on this computer, or a Ray cluster.

Both take :class:`~posture.batch.work.ClipJob` items and yield
:class:`~posture.batch.work.ClipOutcome` items as clips finish (in any order). Neither writes
a file: the driver does. No scheduler of our own: the local engine is
:class:`concurrent.futures.ProcessPoolExecutor`, the distributed one is Ray (one task per
clip, :data:`~posture.batch.work.POSE_CPUS` CPU reserved, retried when its worker is lost).

A few more jobs than workers are kept in flight, so a Ctrl-C stops quickly and a Ray
cluster's object store never holds more than a few clips' bytes.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from posture.batch.plan import BatchInputError
from posture.batch.work import POSE_CPUS, THREAD_ENV, ClipJob, ClipOutcome, run_clip

#: Times Ray runs a clip again when the worker running it dies (node lost, out of memory).
MAX_RETRIES = 2
CLUSTER_HINT = 'pip install ".[cluster]"'


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def _thread_env() -> Iterator[None]:
    """THREAD_ENV in this process's environment while workers are started (they inherit
    it before any library loads); the old values come back afterwards."""
    old = {k: os.environ.get(k) for k in THREAD_ENV}
    os.environ.update(THREAD_ENV)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _init_worker() -> None:
    from posture.batch.work import single_threaded

    single_threaded()


def local_results(jobs: Sequence[ClipJob], workers: int) -> Iterator[ClipOutcome]:
    """Run the jobs in ``workers`` single-threaded processes on this computer."""
    todo = list(jobs)
    ctx = multiprocessing.get_context("spawn")  # MediaPipe is not fork-safe
    with _thread_env():
        while todo:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                       initializer=_init_worker)
            try:
                todo = yield from _drain(pool, todo, 2 * workers)
            finally:
                _stop(pool)


def _drain(pool: ProcessPoolExecutor, todo: list[ClipJob],
           window: int) -> Iterator[ClipOutcome]:
    """Feed the pool; returns the jobs still to run when a worker died (a new pool runs
    them, and the clips that were running then are reported as failed)."""
    queue = list(reversed(todo))
    running: dict[Future, ClipJob] = {}
    while queue or running:
        while queue and len(running) < window:
            job = queue.pop()
            running[pool.submit(run_clip, job)] = job
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for fut in done:
            job = running.pop(fut)
            try:
                yield fut.result()
            except BrokenProcessPool:
                yield ClipOutcome(job.path, error="the worker process analysing this clip "
                                  "ended unexpectedly (out of memory?)")
                rest = [j for f, j in running.items()]
                running.clear()
                for j in rest:
                    yield ClipOutcome(j.path, error="the worker process analysing this clip "
                                      "ended unexpectedly (out of memory?)")
                return list(reversed(queue))
    return []


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now (they ignore Ctrl-C)."""
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(timeout=5)


def ray_results(jobs: Sequence[ClipJob], *, address: str | None,
                workers: int | None) -> Iterator[ClipOutcome]:
    """Run the jobs as Ray tasks: on the cluster at ``address`` (``"auto"``: the one this
    machine belongs to), else on a local Ray started here with ``workers`` CPUs.

    On a joined cluster the clips' bytes travel through Ray's object store, so the nodes
    need no shared disk; on a local Ray the workers read the files themselves.
    """
    try:
        import ray
    except ImportError:
        raise BatchInputError(f"--engine ray needs Ray: {CLUSTER_HINT}.") from None
    started = not ray.is_initialized()
    if started:
        kwargs = {"include_dashboard": False, "log_to_driver": False,
                  "logging_level": logging.WARNING,
                  "runtime_env": {"env_vars": dict(THREAD_ENV)}}
        try:
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=workers or default_workers(), **kwargs)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"at {address}" if address else "on this computer"
            raise BatchInputError(f"Ray could not start or join a cluster {where}: "
                                  f"{' '.join(str(exc).split())[:200]}") from exc
    try:
        yield from _ray_loop(ray, jobs, ship=bool(address))
    finally:
        if started:
            ray.shutdown()


def _ray_loop(ray, jobs: Sequence[ClipJob], *, ship: bool) -> Iterator[ClipOutcome]:
    task = ray.remote(_ray_clip).options(num_cpus=POSE_CPUS, max_retries=MAX_RETRIES)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    window = max(2, 2 * cpus // POSE_CPUS)
    queue = list(reversed(jobs))
    running: dict = {}
    try:
        while queue or running:
            while queue and len(running) < window:
                job = queue.pop()
                data = ray.put(Path(job.path).read_bytes()) if ship else None
                running[task.remote(job, data)] = job
            ready, _ = ray.wait(list(running), num_returns=1)
            job = running.pop(ready[0])
            try:
                yield ray.get(ready[0])
            except ray.exceptions.RayError as exc:  # lost more often than MAX_RETRIES
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                yield ClipOutcome(job.path, error=f"the Ray task failed ({type(exc).__name__}"
                                  f"{': ' + first[:160] if first else ''})")
    finally:
        for ref in running:
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)


def _ray_clip(job: ClipJob, data: bytes | None) -> ClipOutcome:
    import cv2

    cv2.setNumThreads(1)
    return run_clip(job, data)
