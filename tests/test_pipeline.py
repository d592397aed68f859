"""The pipeline composes ingest -> embed -> align -> suggest; each stage also runs alone.

The fake embedder stands in for the model, and a tiny relation model trained for it on a
small FNC-format sample stands in for the shipped one, so every stage does real work fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, FakeEmbedder
from fnc_sample import write_fnc

from workbench.align.aligner import align_store
from workbench.config import Settings
from workbench.embed.embedder import embed_store
from workbench.errors import InvalidInput, NothingToDo
from workbench.evaluation.fnc import load_fnc, train_relation_model
from workbench.ingest.batch import ingest_paths
from workbench.ingest.uploads import Upload
from workbench.pipeline import (
    STAGES,
    add_documents,
    bring_up_to_date,
    drop_training,
    missing,
    realign,
    run,
)
from workbench.progress import SILENT, Task
from workbench.store import Store
from workbench.suggest.stage import suggest_store
from workbench.views.evidence import framing_for
from workbench.views.evidence import stored_suggestions as suggestions_for
from workbench.views.records import cues_record

TWO = [CORPUS / "000_5122fa09ea523ce1.txt", CORPUS / "002_de4ac8e5358793a0.txt"]


@pytest.fixture(scope="module")
def relation_model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A relation model that reads the fake embedder's vectors, saved where settings find it."""
    folder = tmp_path_factory.mktemp("relation")
    model, _ = train_relation_model(
        load_fnc(*write_fnc(folder)),
        lambda texts: FakeEmbedder().encode(texts),
        folds=2,
        tree_params={"max_iter": 20},
        card={"embedding_model": FakeEmbedder.model_id},
    )
    model.save(folder / "relation.npz")
    return folder / "relation.npz"


@pytest.fixture
def fake_settings(settings: Settings, relation_model_file: Path) -> Settings:
    """Settings naming the fake embedder's model id (so the alignment key matches) and the
    tiny relation model (so the suggestion stage suggests instead of skipping)."""
    return settings.replace(model=FakeEmbedder.model_id, relation_model=str(relation_model_file))


class RecordingReporter:
    """Keeps the description of every progress task, in order."""

    def __init__(self) -> None:
        self.tasks: list[str] = []

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Task]:
        self.tasks.append(description)
        with SILENT.task(description, total) as task:
            yield task


def snapshot(store: Store) -> dict[str, Any]:
    """Everything the stages write, without timestamps."""
    passages = store.passages()
    return {
        "documents": [(d.id, d.content_hash) for d in store.documents()],
        "passages": [(p.id, p.text) for p in passages],
        "pairs": [dict(r) for r in store.aligned_pairs()],
        "coverage": [dict(r) for r in store.coverage()],
        "suggestions": {
            pid: (s.relation, s.confidence, s.probabilities, s.reasons)
            for pid, s in suggestions_for(store).items()
        },
        "framing": {pid: cues_record(f) for pid, f in framing_for(store, passages).items()},
    }


def test_run_composes_the_stages_in_order(fake_settings: Settings) -> None:
    seen: list[str] = []
    progress = RecordingReporter()
    with Store(fake_settings.db) as store:
        done = run(
            store,
            fake_settings,
            TWO,
            embedder=FakeEmbedder(),
            progress=progress,
            on_stage=lambda stage, outcome: seen.append(stage),
        )
        pairs = {pid for pid, _, _ in store.visible_pairs(fake_settings.threshold)}
        assert set(suggestions_for(store)) == pairs
    assert seen == list(STAGES)
    assert progress.tasks == [
        "ingesting",
        "embedding",
        "aligning",
        "framing cues",
        "reading passages",
        "suggesting relations",
    ]
    assert [r.status for r in done.ingested.results] == ["ingested", "ingested"]
    assert 0 < done.embedded.embedded <= done.embedded.texts  # a repeated text once
    assert done.aligned.documents == 2 and done.aligned.pairs > 0
    assert not done.suggested.skipped and done.suggested.pairs == len(pairs)


def test_run_stops_after_the_stage_named(fake_settings: Settings) -> None:
    with Store(fake_settings.db) as store:
        done = run(store, fake_settings, TWO, through="embed", embedder=FakeEmbedder())
        assert done.embedded.embedded > 0 and done.aligned is None and done.suggested is None
        assert store.alignment_count() == 0
        with pytest.raises(InvalidInput, match="unknown stage 'pairs'; use one of ingest, embed"):
            run(store, fake_settings, through="pairs")


def test_each_stage_runs_alone_and_gives_what_the_pipeline_gives(
    tmp_path: Path, fake_settings: Settings
) -> None:
    embedder = FakeEmbedder()
    with Store(tmp_path / "stages.db") as store:
        ingest_paths(store, TWO, settings=fake_settings)
        embed_store(store, fake_settings, embedder=embedder)
        calls = embedder.calls
        align_store(store, fake_settings, embedder=embedder)
        assert embedder.calls == calls, "the alignment stage embedded something"
        assert suggestions_for(store) == {}, "the alignment stage suggested relations"
        suggest_store(store, fake_settings, embedder=embedder)
        by_stage = snapshot(store)
    with Store(fake_settings.db) as store:
        run(store, fake_settings, TWO, embedder=FakeEmbedder())
        assert snapshot(store) == by_stage


def test_rerunning_the_pipeline_changes_nothing(fake_settings: Settings) -> None:
    embedder = FakeEmbedder()
    with Store(fake_settings.db) as store:
        run(store, fake_settings, TWO, embedder=embedder)
        first, calls = snapshot(store), embedder.calls
        again = run(store, fake_settings, TWO, embedder=embedder)
        assert snapshot(store) == first
    assert [r.status for r in again.ingested.results] == ["unchanged", "unchanged"]
    assert again.embedded.embedded == 0 and embedder.calls == calls


def test_align_without_embeddings_says_what_to_run(fake_settings: Settings) -> None:
    embedder = FakeEmbedder()
    with Store(fake_settings.db) as store:
        ingest_paths(store, TWO, settings=fake_settings)
        with pytest.raises(NothingToDo) as raised:
            align_store(store, fake_settings, embedder=embedder)
        assert store.alignment_count() == 0 and embedder.calls == 0
    cache = fake_settings.embeddings_dir
    assert str(raised.value).startswith("148 of 148 passage and sentence texts have no ")
    assert f"fake/hashing-64 vector (numpy backend) in the vector cache {cache}" in str(
        raised.value
    )
    assert str(raised.value).endswith(
        "; embed them first with `workbench embed` (`workbench align` and `workbench run` "
        "embed what is missing, then align)"
    )


def test_a_run_that_cannot_align_stops_before_embedding(
    tmp_path: Path, fake_settings: Settings
) -> None:
    (tmp_path / "empty.txt").write_text("")
    seen: list[str] = []
    embedder = FakeEmbedder()
    with (
        Store(fake_settings.db) as store,
        pytest.raises(NothingToDo, match="at least two documents; the database has 1"),
    ):
        run(
            store,
            fake_settings,
            [TWO[0], tmp_path / "empty.txt"],
            embedder=embedder,
            on_stage=lambda stage, outcome: seen.append(stage),
        )
    assert seen == ["ingest"], "the ingest report must reach the caller before the error"
    assert embedder.calls == 0


def test_realign_after_new_passages_embeds_only_those(fake_settings: Settings) -> None:
    embedder = FakeEmbedder()
    with Store(fake_settings.db) as store:
        first = run(store, fake_settings, TWO, embedder=embedder)
        ingest_paths(store, [CORPUS / "004_a46ea01ca1f6a4b8.txt"], settings=fake_settings)
        assert missing(store, fake_settings).align
        again = realign(store, fake_settings, embedder=embedder)
        assert not missing(store, fake_settings)
    assert 0 < again.embedded.embedded < first.embedded.embedded
    assert again.aligned.documents == 3 and again.suggested.pairs > first.suggested.pairs


def test_adding_a_document_suggests_only_the_pairs_it_makes_visible(
    fake_settings: Settings,
) -> None:
    embedder = FakeEmbedder()
    with Store(fake_settings.db) as store:
        run(store, fake_settings, TWO, embedder=embedder)
        before = suggestions_for(store)
        ingest_paths(store, [CORPUS / "004_a46ea01ca1f6a4b8.txt"], settings=fake_settings)
        again = realign(store, fake_settings, embedder=embedder)
        after = suggestions_for(store)
        visible = {pid for pid, _, _ in store.visible_pairs(fake_settings.threshold)}
    kept = set(before) & set(after)
    assert kept and set(after) == visible
    assert again.suggested.scored == len(set(after) - kept) < len(after)
    assert all(after[pid] == before[pid] for pid in kept)


def test_removing_a_document_scores_nothing_and_drops_its_suggestions(
    fake_settings: Settings,
) -> None:
    embedder = FakeEmbedder()
    with Store(fake_settings.db) as store:
        run(store, fake_settings, [*TWO, CORPUS / "004_a46ea01ca1f6a4b8.txt"], embedder=embedder)
        gone = store.documents()[-1].id
        mine = {p.id for p in store.passages(gone)}
        store.delete_document(gone)
        again = realign(store, fake_settings, embedder=embedder)
        after = suggestions_for(store)
        visible = {pid for pid, _, _ in store.visible_pairs(fake_settings.threshold)}
    assert again.embedded.embedded == 0
    assert set(after) == visible
    assert not [s for s in after.values() if {s.a_id, s.b_id} & mine]
    # pairs that become visible once the document's passages are gone are the only work
    assert again.suggested.scored <= len(visible)


def test_an_empty_database_needs_the_corpus_ingested(settings: Settings) -> None:
    with Store(settings.db) as store:
        needed = missing(store, settings)
        assert needed.ingest and needed.align
        assert needed.describe() == "ingesting, embedding and aligning the bundled corpus"
        assert not missing(store, settings.replace(corpus_dir=Path("/nonexistent"))).ingest


def test_alignment_is_needed_until_done_and_again_when_passages_change(
    settings: Settings, corpus_copy: Path
) -> None:
    # the fake embedder's id stands in for the model name so the alignment key matches
    settings = settings.replace(model=FakeEmbedder.model_id, corpus_dir=corpus_copy)
    with Store(settings.db) as store:
        ingest_paths(
            store,
            [corpus_copy / "000_5122fa09ea523ce1.txt", corpus_copy / "002_de4ac8e5358793a0.txt"],
            settings=settings,
        )
        needed = missing(store, settings)
        assert needed.align and not needed.ingest
        assert needed.describe() == "embedding and aligning passages"
        realign(store, settings, embedder=FakeEmbedder())
        assert not missing(store, settings)
        ingest_paths(store, [corpus_copy / "004_a46ea01ca1f6a4b8.txt"], settings=settings)
        assert missing(store, settings).align


def test_bring_up_to_date_prepares_an_empty_database_once(
    fake_settings: Settings, corpus_copy: Path
) -> None:
    # the shipped relation model does not read the fake vectors: suggesting is skipped (fast)
    settings = fake_settings.replace(corpus_dir=corpus_copy, relation_model="")
    with Store(settings.db) as store:
        done = bring_up_to_date(store, settings, embedder=FakeEmbedder())
        assert len(done.ingested.results) == 5 and done.aligned.documents == 5
        assert done.suggested.skipped and not missing(store, settings)
        again = bring_up_to_date(store, settings, embedder=FakeEmbedder())
    assert (again.ingested, again.embedded, again.aligned, again.suggested) == (None,) * 4


def test_uploads_are_aligned_only_when_a_document_changed(fake_settings: Settings) -> None:
    first = Upload("first.md", b"Floods hit the north in August.\n\nHarvests were poor.\n")
    second = Upload("second.md", b"In August floods struck the north.\n\nThe harvest failed.\n")
    seen: list[str] = []
    with Store(fake_settings.db) as store:
        alone = add_documents(store, [first], fake_settings, embedder=FakeEmbedder())
        assert alone.aligned is None  # one document: nothing to align with
        both = add_documents(
            store,
            [second, Upload("bad.exe", b"MZ")],
            fake_settings,
            embedder=FakeEmbedder(),
            on_stage=lambda stage, outcome: seen.append(stage),
        )
        assert both.aligned.documents == 2 and store.alignment_count() > 0
        assert [r.status for r in both.ingested.results] == ["rejected", "ingested"]
        same = add_documents(store, [second], fake_settings, embedder=FakeEmbedder())
    assert seen == list(STAGES)
    assert [r.status for r in same.ingested.results] == ["unchanged"] and same.aligned is None


def test_dropping_training_suggests_again_with_the_shipped_head(fake_settings: Settings) -> None:
    with Store(fake_settings.db) as store:
        run(store, fake_settings, TWO, embedder=FakeEmbedder())
        before = snapshot(store)["suggestions"]
        existed, stats = drop_training(store, fake_settings, embedder=FakeEmbedder())
        assert snapshot(store)["suggestions"] == before
    assert existed is False and stats.pairs == len(before)
