from pathlib import Path

from conftest import FakeEmbedder

from workbench.align.aligner import align_store
from workbench.config import Settings
from workbench.ingest.batch import ingest_paths
from workbench.pipeline import missing
from workbench.store import Store


def test_an_empty_database_needs_the_corpus_ingested(settings: Settings) -> None:
    with Store(settings.db) as store:
        needed = missing(store, settings)
        assert needed.ingest and needed.align
        assert needed.describe() == "ingesting, embedding and aligning the bundled corpus"
        assert not missing(store, settings.replace(corpus_dir=Path("/nonexistent"))).ingest


def test_alignment_is_needed_until_done_and_again_when_passages_change(
    tmp_path: Path, settings: Settings, corpus_copy: Path
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
        align_store(store, settings, embedder=FakeEmbedder())
        assert not missing(store, settings)
        ingest_paths(store, [corpus_copy / "004_a46ea01ca1f6a4b8.txt"], settings=settings)
        assert missing(store, settings).align
