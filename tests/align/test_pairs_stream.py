"""``workbench pairs --format jsonl`` streams: rows are read and written batch by batch."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import CORPUS, FakeEmbedder

from workbench.cli import main
from workbench.config import Settings
from workbench.ingest.batch import ingest_paths
from workbench.pipeline import run
from workbench.store import Store
from workbench.store.sqlite import Store as SQLiteStore


def test_pairs_jsonl_is_written_batch_by_batch_without_loading_every_row(
    settings: Settings, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(settings.db) as store:
        ingest_paths(store, [CORPUS], settings=settings)
        run(store, settings, through="align", embedder=fake_embedder)
        expected = [(r["pair_id"], r["a_id"], r["b_id"]) for r in store.aligned_pairs()]
    sizes: list[int] = []
    batches = SQLiteStore.aligned_pair_batches

    def small_batches(self, **kwargs):  # type: ignore[no-untyped-def]
        for batch in batches(self, **{**kwargs, "size": 50}):
            sizes.append(len(batch))
            yield batch

    def everything(self, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("workbench pairs loaded every row at once")

    monkeypatch.setattr(SQLiteStore, "aligned_pair_batches", small_batches)
    monkeypatch.setattr(SQLiteStore, "aligned_pairs", everything)
    result = CliRunner().invoke(main, ["pairs", "--db", str(settings.db), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["pair_id"], r["a"]["passage_id"], r["b"]["passage_id"]) for r in records] == expected
    assert len(sizes) > 1 and max(sizes) == 50
