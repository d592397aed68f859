"""The pipeline, ingest -> embed -> align -> suggest: the one place stages are composed.

Each stage is a plain function that reads from the store (and the vector cache) and writes
back, is safe to re-run, and runs on its own:

==========  ===================================================  =============================
stage       function                                             reads -> writes
==========  ===================================================  =============================
ingest      :func:`workbench.ingest.batch.ingest_paths`          files -> documents, passages
embed       :func:`workbench.embed.embedder.embed_store`         passages -> vector cache
align       :func:`workbench.align.aligner.align_store`          vectors -> alignments
suggest     :func:`workbench.suggest.stage.suggest_store`        alignments -> cues, suggestions
==========  ===================================================  =============================

No stage calls another. This module runs them one after the other for every caller:
:func:`run` (``workbench run``), :func:`realign` (``workbench align``), :func:`missing` and
:func:`bring_up_to_date` (the app's start-up), :func:`add_documents` (uploads on the Corpus
page), :func:`retrain` and :func:`drop_training` (suggestions again after the relation
model changed). Stages are imported when they run, so the app's start-up check stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.config import Settings
from workbench.errors import InvalidInput
from workbench.ingest.batch import IngestReport, ingest_paths
from workbench.progress import SILENT, Reporter
from workbench.store import Store

if TYPE_CHECKING:
    from workbench.align.aligner import AlignStats
    from workbench.align.scorer import PairScorer
    from workbench.embed.embedder import Embedder, EmbedStats
    from workbench.ingest.uploads import Upload
    from workbench.suggest.stage import SuggestStats
    from workbench.suggest.training import TrainStats

STAGES = ("ingest", "embed", "align", "suggest")
"""The stages in the order data flows through them."""

StageDone = Callable[[str, object], None]
"""Called with a stage's name and its result as soon as the stage is done (for instance to
show rejected files before the alignment starts)."""


@dataclass
class PipelineResult:
    """What each stage of a run did; None for a stage that did not run."""

    ingested: IngestReport | None = None
    embedded: EmbedStats | None = None
    aligned: AlignStats | None = None
    suggested: SuggestStats | None = None


def _ignore(stage: str, outcome: object) -> None:
    pass


def run(
    store: Store,
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    manifest: Path | None = None,
    through: str = "suggest",
    embedder: Embedder | None = None,
    scorer: PairScorer | None = None,
    progress: Reporter = SILENT,
    on_stage: StageDone = _ignore,
) -> PipelineResult:
    """Ingest ``paths`` (none: ingest nothing), then embed, align and suggest.

    Args:
        store: the database every stage reads and writes.
        settings: model, cache, alignment parameters.
        paths: files or folders to ingest first.
        manifest: metadata CSV for ``paths`` (default: each folder's manifest.csv).
        through: the last stage to run, one of :data:`STAGES`.
        embedder: shared by the embedding, alignment and suggestion stages (default: the
            configured model, loaded only if something has to be embedded).
        scorer: the alignment's pair scorer (default: the shipped one).
        progress: where the stages report progress.
        on_stage: called after each stage with its name and result.

    Raises:
        InvalidInput: ``through`` names no stage.
        NothingToDo: alignment was asked for but the store has fewer than two documents
            (checked before anything is embedded).
    """
    if through not in STAGES:
        raise InvalidInput(f"unknown stage {through!r}; use one of {', '.join(STAGES)}")
    wanted = STAGES[: STAGES.index(through) + 1]
    done = PipelineResult()
    if paths:
        done.ingested = ingest_paths(
            store, list(paths), settings=settings, manifest=manifest, progress=progress
        )
        on_stage("ingest", done.ingested)
    if "align" in wanted:
        from workbench.align.aligner import require_alignable

        require_alignable(store)
    if "embed" not in wanted:
        return done
    from workbench.embed.embedder import embed_store, load_embedder

    embedder = embedder or load_embedder(settings)
    done.embedded = embed_store(store, settings, embedder=embedder, progress=progress)
    on_stage("embed", done.embedded)
    if "align" not in wanted:
        return done
    from workbench.align.aligner import align_store

    done.aligned = align_store(store, settings, embedder=embedder, scorer=scorer, progress=progress)
    on_stage("align", done.aligned)
    if "suggest" not in wanted:
        return done
    from workbench.suggest.stage import suggest_store

    done.suggested = suggest_store(store, settings, embedder=embedder, progress=progress)
    on_stage("suggest", done.suggested)
    return done


def realign(
    store: Store,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    scorer: PairScorer | None = None,
    progress: Reporter = SILENT,
    on_stage: StageDone = _ignore,
) -> PipelineResult:
    """Embed what is missing, align every passage again, and suggest relations for the pairs."""
    return run(
        store, settings, embedder=embedder, scorer=scorer, progress=progress, on_stage=on_stage
    )


# -- the app ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """What the database lacks. Empty (falsy) when the app can show everything."""

    ingest: bool = False
    align: bool = False

    def __bool__(self) -> bool:
        return self.ingest or self.align

    def describe(self) -> str:
        if self.ingest:
            return "ingesting, embedding and aligning the bundled corpus"
        return "embedding and aligning passages" if self.align else ""


def missing(store: Store, settings: Settings) -> Missing:
    """Whether the corpus must be ingested and whether the alignment is missing or stale.

    Cheap (no model, no vectors): the app asks on every start.
    """
    from workbench.align.staleness import is_stale

    counts = store.passage_counts()
    if not counts:
        corpus = _has_corpus(settings.corpus_dir)
        return Missing(ingest=corpus, align=corpus)
    if len(counts) < 2:
        return Missing()
    return Missing(align=is_stale(store, settings) or store.alignment_count() == 0)


def _has_corpus(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.iterdir())


def bring_up_to_date(
    store: Store,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: Reporter = SILENT,
) -> PipelineResult:
    """Ingest the bundled corpus into an empty database, then realign if :func:`missing` says so."""
    ingested = None
    if not store.passage_counts() and _has_corpus(settings.corpus_dir):
        ingested = ingest_paths(store, [settings.corpus_dir], settings=settings, progress=progress)
    if not missing(store, settings).align:
        return PipelineResult(ingested=ingested)
    done = realign(store, settings, embedder=embedder, progress=progress)
    done.ingested = ingested
    return done


def add_documents(
    store: Store,
    uploads: Sequence[Upload],
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: Reporter = SILENT,
    on_stage: StageDone = _ignore,
) -> PipelineResult:
    """Ingest uploaded files, then realign when a document was added or changed.

    Nothing is realigned when every file was rejected or unchanged, or while the store has
    fewer than two documents.
    """
    from workbench.ingest.uploads import ingest_uploads

    report = ingest_uploads(store, uploads, settings, progress=progress)
    on_stage("ingest", report)
    changed = any(r.status in {"ingested", "replaced"} for r in report.results)
    if not changed or len(store.passage_counts()) < 2:
        return PipelineResult(ingested=report)
    done = realign(store, settings, embedder=embedder, progress=progress, on_stage=on_stage)
    done.ingested = report
    return done


# -- learning from tags -----------------------------------------------------------------


def retrain(
    store: Store,
    settings: Settings,
    *,
    prior_weight: float,
    embedder: Embedder | None = None,
    progress: Reporter = SILENT,
) -> tuple[TrainStats, SuggestStats]:
    """Refit the relation head on the analysts' tags, then suggest every pair again with it.

    The stage runs first as well (it resumes, so only pairs tagged since it last ran are
    scored): training reads the stored features of the tagged pairs, and a pair tagged after
    the last run may not have any yet.

    Returns the training figures and the suggestion stage's.
    """
    from workbench.suggest.stage import suggest_store
    from workbench.suggest.training import train_from_tags

    suggest_store(store, settings, embedder=embedder, progress=progress)
    trained = train_from_tags(store, settings, prior_weight=prior_weight)
    return trained, suggest_store(store, settings, embedder=embedder, progress=progress)


def drop_training(
    store: Store,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: Reporter = SILENT,
) -> tuple[bool, SuggestStats]:
    """Drop the head trained from tags and suggest every pair again with the shipped one.

    Returns whether a trained head existed, and the suggestion stage's figures.
    """
    from workbench.suggest.stage import suggest_store
    from workbench.suggest.training import forget_training

    existed = forget_training(store)
    return existed, suggest_store(store, settings, embedder=embedder, progress=progress)
