"""Incremental alignment: after adding, removing or replacing a document, only the changes are
searched, and the alignment (pairs, scores, ranks, mutual marks, coverage) and the suggested
relations equal those of a full alignment of the same corpus in a fresh database."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CORPUS, FakeEmbedder

from workbench.align.aligner import align_store
from workbench.align.incremental import SEARCH_META_KEY, search_path
from workbench.config import Settings
from workbench.embed.embedder import embed_store
from workbench.ingest.batch import ingest_paths
from workbench.pipeline import run
from workbench.store import Store

LEFT_OUT = "003_9370619d500f480d"


def _corpus(folder: Path, leave_out: str | None = None) -> Path:
    """The bundled corpus (manifest and all) in ``folder``, without ``leave_out``."""
    shutil.copytree(CORPUS, folder)
    if leave_out:
        (folder / f"{leave_out}.txt").unlink()
    return folder


def _alignment(store: Store) -> pd.DataFrame:
    rows = [
        {
            "a_id": r["a_id"],
            "b_id": r["b_id"],
            "pair_id": r["pair_id"],
            "b_doc": r["b_doc"],
            "rank": r["rank"],
            "score": r["score"],
            "mutual": bool(r["mutual"]),
            **{f"f_{k}": v for k, v in r["features"].items()},
        }
        for r in store.aligned_pairs()
    ]
    return pd.DataFrame(rows).sort_values(["a_id", "b_id"]).reset_index(drop=True)


def _coverage(store: Store) -> pd.DataFrame:
    frame = store.coverage_frame()
    return frame.sort_values(["passage_id", "doc_id"]).reset_index(drop=True)


def _relations(store: Store) -> dict[str, tuple[str, dict[str, float]]]:
    return {pid: (s.relation, s.probabilities) for pid, s in store.suggestions().items()}


def assert_same_alignment(incremental: Store, full: Store) -> None:
    """Same pairs, ranks, mutual marks and coverage; scores and features to 4 decimals."""
    mine, theirs = _alignment(incremental), _alignment(full)
    assert len(mine) == len(theirs) > 0
    exact = ["a_id", "b_id", "pair_id", "b_doc", "rank", "mutual"]
    pd.testing.assert_frame_equal(mine[exact], theirs[exact])
    numeric = [c for c in mine.columns if c == "score" or c.startswith("f_")]
    np.testing.assert_allclose(mine[numeric], theirs[numeric], atol=2e-4)
    mine_cov, theirs_cov = _coverage(incremental), _coverage(full)
    pd.testing.assert_frame_equal(
        mine_cov.drop(columns="best_score"), theirs_cov.drop(columns="best_score")
    )
    np.testing.assert_allclose(mine_cov["best_score"], theirs_cov["best_score"], atol=2e-4)


def assert_same_relations(incremental: Store, full: Store) -> None:
    mine, theirs = _relations(incremental), _relations(full)
    assert mine.keys() == theirs.keys() and mine
    for pid, (relation, probabilities) in theirs.items():
        assert mine[pid][0] == relation, pid
        for name, p in probabilities.items():
            assert mine[pid][1][name] == pytest.approx(p, abs=1e-4), (pid, name)


def _full(tmp_path: Path, settings: Settings, corpus: Path, name: str) -> Store:
    """A fresh database with ``corpus`` aligned and suggested from scratch."""
    fresh = settings.replace(db=tmp_path / f"{name}.db")
    store = Store(fresh.db)
    run(store, fresh, [corpus])
    assert store.get_meta(SEARCH_META_KEY)
    return store


@pytest.mark.model
def test_adding_a_document_searches_only_its_passages_and_equals_a_full_realignment(
    tmp_path: Path, settings: Settings
) -> None:
    partial = _corpus(tmp_path / "partial", leave_out=LEFT_OUT)
    whole = _corpus(tmp_path / "whole")
    with Store(settings.db) as store:
        run(store, settings, [partial])
        before = {pid: s.computed_at for pid, s in store.suggestions().items()}
        added = run(store, settings, [whole])
        after = {pid: s.computed_at for pid, s in store.suggestions().items()}
        new_passages = len(store.passages(LEFT_OUT))
        with _full(tmp_path, settings, whole, "full") as full:
            assert_same_alignment(store, full)
            assert_same_relations(store, full)
    assert added.aligned.incremental
    assert added.aligned.searched == new_passages < added.aligned.passages
    # suggestions follow: only the pairs that became visible were scored, the others kept
    assert added.suggested.scored == len(after.keys() - before.keys()) > 0
    assert all(after[pid] == before[pid] for pid in after.keys() & before.keys())


@pytest.mark.model
def test_removing_and_replacing_a_document_search_nothing_more_than_the_change(
    tmp_path: Path, settings: Settings
) -> None:
    whole = _corpus(tmp_path / "whole")
    with Store(settings.db) as store:
        run(store, settings, [whole])
        store.delete_document(LEFT_OUT)
        removed = run(store, settings)
        with _full(tmp_path, settings, _corpus(tmp_path / "less", LEFT_OUT), "less") as full:
            assert_same_alignment(store, full)
            assert_same_relations(store, full)
        # replace a document: the same file changed (its passages get new ids and texts)
        (whole / f"{LEFT_OUT}.txt").unlink()
        target = whole / "002_de4ac8e5358793a0.txt"
        target.write_text(target.read_text().replace("North Korea", "the DPRK"))
        replaced = run(store, settings, [whole])
        with _full(tmp_path, settings, whole, "changed") as full:
            assert_same_alignment(store, full)
            assert_same_relations(store, full)
    assert removed.aligned.incremental and removed.aligned.searched == 0
    assert [r.status for r in replaced.ingested.results].count("replaced") == 1
    assert replaced.aligned.incremental
    assert 0 < replaced.aligned.searched < replaced.aligned.passages


def test_a_saved_search_is_reused_only_by_the_alignment_it_belongs_to(
    tmp_path: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    corpus = _corpus(tmp_path / "whole")
    with Store(settings.db) as store:
        ingest_paths(store, [corpus], settings=settings)
        embed_store(store, settings, embedder=fake_embedder)
        first = align_store(store, settings, embedder=fake_embedder)
        again = align_store(store, settings, embedder=fake_embedder)
        # the file no longer matches the database (another run wrote it): a full search
        path = search_path(settings, fake_embedder.model_id)
        store.set_meta(SEARCH_META_KEY, "another")
        mismatched = align_store(store, settings, embedder=fake_embedder)
        path.write_bytes(b"damaged")
        damaged = align_store(store, settings, embedder=fake_embedder)
        forced = align_store(store, settings, embedder=fake_embedder, incremental=False)
    assert not first.incremental and first.searched == first.passages
    assert again.incremental and again.searched == 0
    assert not mismatched.incremental and not damaged.incremental and not forced.incremental


def test_alignment_after_adding_a_document_equals_a_full_one_with_reused_features(
    tmp_path: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    partial = _corpus(tmp_path / "partial", leave_out=LEFT_OUT)
    whole = _corpus(tmp_path / "whole")
    fresh = settings.replace(db=tmp_path / "full.db")
    with Store(settings.db) as store, Store(fresh.db) as full:
        ingest_paths(store, [partial], settings=settings)
        embed_store(store, settings, embedder=fake_embedder)
        align_store(store, settings, embedder=fake_embedder)
        ingest_paths(store, [whole], settings=settings)
        embed_store(store, settings, embedder=fake_embedder)
        added = align_store(store, settings, embedder=fake_embedder)
        ingest_paths(full, [whole], settings=fresh)
        align_store(full, fresh, embedder=fake_embedder)
        assert_same_alignment(store, full)
    assert added.incremental and added.searched == len(
        [p for p in Store(settings.db).passages(LEFT_OUT)]
    )
