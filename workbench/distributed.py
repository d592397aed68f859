"""Where the heavy stages run: in this process (the default), or on a Dask cluster.

A stage that can be split cuts its work into partitions (batches of texts to embed, blocks of
query passages to search, batches of passages to find framing cues in and of pairs to
suggest relations for) and hands a function and the partitions to a :class:`Runner`, which
returns the results in the order of the partitions:

- :class:`InProcessRunner` (no ``--scheduler``, no ``--workers``) calls the function on each
  partition in turn, here: no new cost for a small corpus, and nothing to install.
- :class:`DaskRunner` sends them as tasks to ``dask.distributed`` workers: an existing
  cluster (``--scheduler ADDRESS``, environment ``WORKBENCH_SCHEDULER``) or a local cluster
  of worker processes started for the command (``--workers N``).

Workers compute and return; only this process writes (the vector cache, the database), so
the store stays the single writer of record, and a run on a cluster stores what the same
run in-process stores. Inputs reach the workers as task arguments (a big array once per
worker, see :meth:`Runner.share`) or as files both sides can read: the vector cache folder
and the model must be at the same path on the workers.

Dask is imported only when a cluster is asked for, so commands that do not ask stay light.
"""

from __future__ import annotations

import logging
import os
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    import numpy as np

    from workbench.config import Settings

logger = logging.getLogger("workbench")

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for the scheduler to answer before giving up."""
WORKERS_TIMEOUT = 30.0
"""Seconds to wait for a scheduler with no workers to get one."""
SHARE_IN_MEMORY_BYTES = 256 * 1024 * 1024
"""Arrays up to this size are sent to each worker once; bigger ones are read from a file."""
TASK_PREFIX = "workbench"
"""Task keys are ``workbench-<stage>-<partition>-<run>``: easy to find on the dashboard."""


class ClusterError(WorkbenchError):
    """The Dask cluster cannot be reached or used."""


class Runner(Protocol):
    """Runs a function over partitions, in this process or on a cluster."""

    in_process: bool
    """True when the partitions run here, one after the other."""

    def describe(self) -> str:
        """Where the work runs, for messages."""
        ...

    def share(self, array: Any, spill_dir: Path | None = None) -> Any:
        """A handle on ``array`` (or any object the partitions all need) to pass to every
        partition: sent once to each worker rather than with every task. A handle on a
        big array is opened with :func:`materialise`."""
        ...

    def map_partitions(
        self,
        fn: Callable[..., Any],
        partitions: Iterable[Any],
        *args: Any,
        name: str = "task",
    ) -> Iterator[Any]:
        """``fn(partition, *args)`` for each partition, yielded in the partitions' order."""
        ...


class InProcessRunner:
    """Partitions run here, one after the other, as lazily as the caller consumes them."""

    in_process = True

    def describe(self) -> str:
        return "in this process"

    def share(self, array: Any, spill_dir: Path | None = None) -> Any:
        return array

    def map_partitions(
        self,
        fn: Callable[..., Any],
        partitions: Iterable[Any],
        *args: Any,
        name: str = "task",
    ) -> Iterator[Any]:
        for partition in partitions:
            yield fn(partition, *args)


IN_PROCESS = InProcessRunner()


@dataclass(frozen=True)
class NpyFile:
    """An array saved as ``.npy`` where the workers can read it (memory-mapped)."""

    path: str

    def load(self) -> np.ndarray:
        import numpy as np

        return np.load(self.path, mmap_mode="r")


def materialise(shared: Any) -> Any:
    """The array behind a handle from :meth:`Runner.share` (workers call this)."""
    return shared.load() if isinstance(shared, NpyFile) else shared


class DaskRunner:
    """Partitions run as tasks on a ``dask.distributed`` cluster.

    At most twice as many tasks as workers (four at least) are in flight, so results come
    back (and are written by the caller) while later partitions still run, and memory stays
    bounded on a big corpus.
    """

    in_process = False

    def __init__(self, client: Any, address: str, local: bool) -> None:
        self.client = client
        self.address = address
        self.local = local
        self._run = uuid.uuid4().hex[:8]
        self._spilled: list[Path] = []

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    def describe(self) -> str:
        kind = "a local Dask cluster" if self.local else "the Dask scheduler"
        return f"{kind} at {self.address} ({self.workers} workers)"

    def share(self, array: Any, spill_dir: Path | None = None) -> Any:
        """Small arrays (and other objects) are sent once to every worker; arrays bigger
        than ``SHARE_IN_MEMORY_BYTES`` are saved in ``spill_dir``.

        ``spill_dir`` must be a folder the workers reach at the same path (the vector
        cache folder is); without it everything goes to the workers in memory.
        """
        size = getattr(array, "nbytes", 0)
        if spill_dir is None or size <= SHARE_IN_MEMORY_BYTES:
            # a list of one: scatter would send a list's items one by one
            return self.client.scatter([array], broadcast=True, hash=False)[0]
        import numpy as np

        spill_dir.mkdir(parents=True, exist_ok=True)
        path = spill_dir / f"shared-{self._run}-{len(self._spilled)}.npy"
        np.save(path, array)
        self._spilled.append(path)
        return NpyFile(str(path.resolve()))

    def map_partitions(
        self,
        fn: Callable[..., Any],
        partitions: Iterable[Any],
        *args: Any,
        name: str = "task",
    ) -> Iterator[Any]:
        window = max(4, 2 * max(1, self.workers))
        pending: deque[Any] = deque()
        numbered = enumerate(partitions)
        try:
            for i, partition in numbered:
                key = f"{TASK_PREFIX}-{name}-{i}-{self._run}"
                pending.append(self.client.submit(fn, partition, *args, key=key, pure=False))
                if len(pending) >= window:
                    yield self._result(pending.popleft())
            while pending:
                yield self._result(pending.popleft())
        finally:
            for future in pending:
                future.cancel()

    def _result(self, future: Any) -> Any:
        from distributed import CancelledError, KilledWorker

        try:
            return future.result()
        except WorkbenchError:
            raise
        except (KilledWorker, CancelledError, OSError) as exc:
            raise ClusterError(
                f"task {future.key} failed on the Dask cluster at {self.address}: "
                f"{type(exc).__name__}: {exc}; check the workers' logs (a worker may have run "
                "out of memory), then run again: what was finished is kept"
            ) from exc

    def close(self) -> None:
        for path in self._spilled:
            path.unlink(missing_ok=True)
        self._spilled.clear()


def _connect(address: str) -> Any:
    """A client of the scheduler at ``address`` with at least one worker, or ClusterError."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ClusterError(
            f"--scheduler {address} needs dask.distributed: pip install 'dask[distributed]'"
        ) from exc
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, ValueError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address!r} ({type(exc).__name__}: {exc}); "
            "start one (`dask scheduler`, then `dask worker ADDRESS` on each machine), correct "
            "--scheduler / WORKBENCH_SCHEDULER, or leave both unset to work in this process. "
            "Nothing was written"
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except (TimeoutError, OSError):
        client.close()
        raise ClusterError(
            f"the Dask scheduler at {address} has no workers after {WORKERS_TIMEOUT:.0f} s; "
            f"start some with `dask worker {address}`. Nothing was written"
        ) from None
    return client


def _local_cluster(workers: int) -> tuple[Any, Any]:
    """A cluster of ``workers`` processes on this machine, one thread each."""
    from distributed import Client, LocalCluster

    threads = str(max(1, (os.cpu_count() or 1) // workers))
    env = {var: os.environ.get(var, threads) for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    with warnings.catch_warnings():
        # the scheduler's health endpoint moves off a busy port 8787 and says so: not news
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            host="127.0.0.1",
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
            env=env,
        )
    return cluster, Client(cluster, set_as_default=False)


@contextmanager
def open_runner(settings: Settings) -> Iterator[Runner]:
    """The runner the settings ask for, for the length of a command.

    ``settings.scheduler`` (an address) wins over ``settings.workers`` (a local cluster of
    that many processes); with neither, the work runs in this process. Connecting happens
    here, before any stage writes, so an unreachable scheduler changes nothing.

    Raises:
        ClusterError: the scheduler cannot be reached or has no workers.
    """
    if settings.scheduler:
        client = _connect(settings.scheduler)
        runner = DaskRunner(client, settings.scheduler, local=False)
        cluster = None
    elif settings.workers:
        cluster, client = _local_cluster(settings.workers)
        runner = DaskRunner(client, str(cluster.scheduler_address), local=True)
    else:
        yield IN_PROCESS
        return
    logger.info("running the heavy stages on %s", runner.describe())
    try:
        yield runner
    finally:
        runner.close()
        client.close()
        if cluster is not None:
            cluster.close()
