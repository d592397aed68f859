"""The heavy stages on a real Dask cluster give what the same run gives in-process.

A scheduler and two workers are started as separate processes on loopback with the
``dask`` command of the venv (one cluster for the module); the bundled corpus goes through
``workbench run`` in-process, through ``--scheduler``, and on a local cluster
(``--workers 2``), and the stored pairs, scores and relations are compared.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS, ROOT

from workbench.cli import main

pytestmark = pytest.mark.slow

DASK = Path(sys.executable).parent / "dask"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(*args: str, exit_code: int = 0) -> tuple[str, str]:
    result = CliRunner().invoke(main, ["--quiet", *args], catch_exceptions=False)
    assert result.exit_code == exit_code, result.output
    return result.stdout, result.stderr


def _pairs(db: Path) -> list[dict[str, object]]:
    out, _ = _cli("pairs", "--format", "jsonl", "--db", str(db))
    return [json.loads(line) for line in out.splitlines()]


def _unaddressed(db: Path) -> list[str]:
    return _cli("unaddressed", "--format", "jsonl", "--db", str(db))[0].splitlines()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in [v for v in os.environ if v.startswith("WORKBENCH_")]:
        monkeypatch.delenv(var)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dask scheduler`` and two ``dask worker`` processes (one thread each) on loopback;
    the workers import this tree's workbench, as a real cluster's would the same release."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    env = dict(os.environ) | {
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
    }
    scheduler = [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port)]
    worker = [str(DASK), "worker", address, "--nthreads", "1", "--no-dashboard"]
    commands = [
        [*scheduler, "--no-dashboard"],
        *([*worker, "--name", f"w{i}", "--local-directory", str(logs / f"w{i}")] for i in range(2)),
    ]
    processes = []
    try:
        for i, command in enumerate(commands):
            log = open(logs / f"{i}.log", "w")  # noqa: SIM115 - closed with the process
            processes.append((subprocess.Popen(command, stdout=log, stderr=log, env=env), log))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process, _ in processes:
            process.terminate()
        for process, log in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled corpus run in this process: (database, vector cache)."""
    home = tmp_path_factory.mktemp("in-process")
    db, cache = home / "wb.db", home / "emb"
    _cli("run", str(CORPUS), "--db", str(db), "--embeddings", str(cache))
    return db, cache


def _cache_without_vectors(cache: Path, target: Path) -> Path:
    """The reference's cache folder without its vectors: the model conversion is reused, and
    every text must be embedded again (by the cluster)."""
    shutil.copytree(cache, target, ignore=shutil.ignore_patterns("shard-*"))
    return target


def _workbench_tasks(address: str) -> tuple[set[str], dict[str, set[str]]]:
    """Keys of workbench tasks the scheduler saw finish, and those each worker computed."""
    from distributed import Client

    def finished_on_scheduler(dask_scheduler: object) -> list[str]:
        return [
            str(t.key)
            for t in dask_scheduler.transition_log  # type: ignore[attr-defined]
            if str(t.key).startswith("workbench-") and t.finish == "memory"
        ]

    def computed_on_worker(dask_worker: object) -> list[str]:
        return [
            str(entry[0])
            for entry in dask_worker.state.log  # type: ignore[attr-defined]
            if str(entry[0]).startswith("workbench-") and "memory" in entry[1:3]
        ]

    with Client(address, timeout=30) as client:
        seen = set(client.run_on_scheduler(finished_on_scheduler))
        computed = {w: set(keys) for w, keys in client.run(computed_on_worker).items()}
    return seen, computed


@pytest.mark.model
def test_a_run_through_a_dask_scheduler_stores_what_the_in_process_run_stores(
    cluster: str, reference: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every array the workers share goes through a file in the vector cache folder, the way
    # a big corpus's matrix does (the --workers test below sends them in memory)
    monkeypatch.setattr("workbench.distributed.SHARE_IN_MEMORY_BYTES", 0)
    db_local, cache_local = reference
    db = tmp_path / "wb.db"
    cache = _cache_without_vectors(cache_local, tmp_path / "emb")
    _cli("run", str(CORPUS), "--db", str(db), "--embeddings", str(cache), "--scheduler", cluster)
    assert (cache / "shared").is_dir() and not list((cache / "shared").iterdir())  # cleaned up

    pairs, expected = _pairs(db), _pairs(db_local)
    assert len(pairs) > 500
    assert [(p["pair_id"], p["score"], p["relation"]) for p in pairs] == [
        (p["pair_id"], p["score"], p["relation"]) for p in expected
    ]
    assert pairs == expected
    assert _unaddressed(db) == _unaddressed(db_local)

    seen, computed = _workbench_tasks(cluster)
    stages = {key.split("-")[1] for key in seen}
    assert stages == {"embed", "search", "framing", "suggest"}, seen
    assert set().union(*computed.values()) == seen  # every task ran on one of the two workers
    assert len(computed) == 2


@pytest.mark.model
def test_a_local_cluster_of_two_workers_stores_what_the_in_process_run_stores(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    db_local, cache_local = reference
    db = tmp_path / "wb.db"
    cache = _cache_without_vectors(cache_local, tmp_path / "emb")
    # given before the command, like --db
    _cli("--workers", "2", "run", str(CORPUS), "--db", str(db), "--embeddings", str(cache))
    assert _pairs(db) == _pairs(db_local)
    assert _unaddressed(db) == _unaddressed(db_local)
    assert list(cache.glob("*/*/shard-*.keys"))  # the client wrote the workers' vectors


def _digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def test_an_unreachable_scheduler_stops_with_one_error_before_any_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workbench.distributed.CONNECT_TIMEOUT", 3.0)
    address = f"tcp://127.0.0.1:{_free_port()}"  # nobody listens there
    db = tmp_path / "wb.db"
    _cli("ingest", str(CORPUS), "--db", str(db))
    before = _digest(db)

    _, err = _cli("align", "--db", str(db), "--scheduler", address, exit_code=1)
    assert err.startswith(f"error: cannot reach the Dask scheduler at '{address}'")
    assert "Nothing was written" in err and len(err.strip().splitlines()) == 1
    assert _digest(db) == before
    assert not db.with_name("wb.db-wal").exists() or db.with_name("wb.db-wal").stat().st_size == 0

    monkeypatch.setenv("WORKBENCH_SCHEDULER", address)
    fresh = tmp_path / "fresh.db"
    _, err = _cli("run", str(CORPUS), "--db", str(fresh), exit_code=1)
    assert err.startswith(f"error: cannot reach the Dask scheduler at '{address}'")
    assert not fresh.exists()


def test_without_scheduler_or_workers_the_work_runs_here_and_dask_is_not_imported() -> None:
    probe = (
        "import sys\n"
        "from workbench.config import Settings\n"
        "from workbench.distributed import open_runner\n"
        "with open_runner(Settings.load()) as runner:\n"
        "    out = list(runner.map_partitions(lambda p, k: p * k, [1, 2, 3], 10))\n"
        "print(runner.in_process, out, 'distributed' in sys.modules, 'dask' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.stdout.split() == ["True", "[10,", "20,", "30]", "False", "False"], done.stderr


def test_workers_must_be_a_positive_number(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(main, ["run", "--workers", "0"])
    assert result.exit_code == 2 and "--workers" in result.output
    from workbench.config import Settings
    from workbench.errors import ConfigError

    monkeypatch.setenv("WORKBENCH_WORKERS", "0")
    with pytest.raises(ConfigError, match="WORKBENCH_WORKERS='0'"):
        Settings.load()
