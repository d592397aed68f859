"""The bundled corpus end to end on both stores: the same pairs, scores and relations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS

from workbench.cli import main

pytestmark = [pytest.mark.model, pytest.mark.slow]


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, ["--quiet", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _records(text: str) -> list[dict[str, object]]:
    """JSON lines without the times of ingestion, which differ between the two runs."""
    return [
        {k: v for k, v in json.loads(line).items() if k != "ingested_at"}
        for line in text.splitlines()
    ]


def test_the_bundled_corpus_aligns_to_the_same_pairs_on_sqlite_and_postgresql(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("WORKBENCH_DB", "WORKBENCH_PROGRESS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("WORKBENCH_EMBEDDINGS", str(tmp_path / "emb"))  # shared vector cache
    outputs = {}
    for name, db in {"sqlite": str(tmp_path / "wb.db"), "postgres": pg_url}.items():
        _cli("run", str(CORPUS), "--db", db)
        pairs = [
            json.loads(line) for line in _cli("pairs", "--format", "jsonl", "--db", db).splitlines()
        ]
        first = pairs[0]["pair_id"]
        tagged = json.loads(_cli("tag", first, "corroborates", "--analyst", "ann", "--db", db))
        outputs[name] = (
            pairs,
            _records(_cli("documents", "--format", "jsonl", "--db", db)),
            _records(_cli("passages", "--format", "jsonl", "--db", db)),
            _records(_cli("unaddressed", "--format", "jsonl", "--db", db)),
            (tagged["pair_id"], tagged["label"], tagged["analyst"]),
        )
    sqlite_pairs, postgres_pairs = outputs["sqlite"][0], outputs["postgres"][0]
    assert len(sqlite_pairs) > 50
    assert [(p["pair_id"], p["score"], p.get("relation")) for p in postgres_pairs] == [
        (p["pair_id"], p["score"], p.get("relation")) for p in sqlite_pairs
    ]
    assert postgres_pairs == sqlite_pairs
    assert outputs["postgres"][1:] == outputs["sqlite"][1:]
