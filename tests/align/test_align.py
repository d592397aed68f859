from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder

from workbench.align.aligner import align_store, build_corpus, pair_features
from workbench.align.scorer import COLUMNS, PairScorer
from workbench.config import Settings
from workbench.embed.embedder import embed_store
from workbench.errors import NothingToDo
from workbench.ingest.batch import ingest_paths
from workbench.pipeline import run
from workbench.store import Store

DOCS = {
    "ngo": """Border closures

Only 195 North Koreans resettled in South Korea between January and September 2020, the lowest number on record.

The authorities ordered border guards to shoot anyone approaching the Chinese border.

Farmers reported poor harvests after floods destroyed roads and bridges in August.
""",
    "agency": """Figures

South Korea said 195 North Koreans reached the South from January to September 2020, a record low.

Guards at the Chinese border were told to shoot people approaching it.
""",
    "outlet": """Commentary

The UN Human Rights Council adopted another resolution on June 22 in Geneva.

Only 195 North Koreans resettled in the South between January and September 2020, a record low.
""",
}


def _opening(text: str) -> str:
    return " ".join(text.split()[:3])


def _ingest(tmp_path: Path, settings: Settings) -> Store:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / f"{name}.txt").write_text(text)
    store = Store(settings.db)
    ingest_paths(store, [folder], settings=settings)
    return store


def test_align_finds_same_event_across_sources(
    tmp_path: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    with _ingest(tmp_path, settings) as store:
        embed_store(store, settings, embedder=fake_embedder)
        stats = align_store(store, settings, embedder=fake_embedder)
        rows = store.aligned_pairs(max_rank=1)
        best = {
            (_opening(r["a_text"]), r["b_doc"]): (_opening(r["b_text"]), bool(r["mutual"]))
            for r in rows
        }
    assert stats.documents == 3
    assert best[("Only 195 North", "agency")] == ("South Korea said", True)
    assert best[("The authorities ordered", "agency")] == ("Guards at the", True)
    assert best[("Only 195 North", "outlet")] == ("Only 195 North", True)


@pytest.mark.model
def test_rerun_embeds_nothing_and_records_gaps(tmp_path: Path, settings: Settings) -> None:
    # The gap decision is an absolute score, calibrated for the real model: no fake here.
    with _ingest(tmp_path, settings) as store:
        first = run(store, settings, through="align")
        second = run(store, settings, through="align")
        silent = {(r["passage_id"], r["doc_id"]) for r in store.coverage(addressed=False)}
        floods = next(p for p in store.passages("ngo") if "floods" in p.text)
    assert first.embedded.embedded > 0 and second.embedded.embedded == 0
    assert (floods.id, "agency") in silent and (floods.id, "outlet") in silent


def test_ranks_are_per_passage_and_document_best_first(
    tmp_path: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    with _ingest(tmp_path, settings) as store:
        run(store, settings.replace(top_k=2), through="align", embedder=fake_embedder)
        rows = store.aligned_pairs()
    groups: dict[tuple[str, str], list] = {}
    for r in rows:
        groups.setdefault((r["a_id"], r["b_doc"]), []).append(r)
    for group in groups.values():
        assert [r["rank"] for r in group] == list(range(1, len(group) + 1))
        assert [r["score"] for r in group] == sorted((r["score"] for r in group), reverse=True)
        assert len(group) <= 2


def test_sentence_level_match_lifts_a_paragraph_with_one_matching_claim() -> None:
    rng = np.random.default_rng(0)
    claim = rng.normal(size=8).astype(np.float32)
    noise = rng.normal(size=(3, 8)).astype(np.float32)
    sentences = np.vstack([claim, claim + 0.05 * noise[0], noise[1], noise[2]])
    sentences /= np.linalg.norm(sentences, axis=1, keepdims=True)
    passages = np.vstack([sentences[0], sentences[1:].mean(axis=0)])
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    corpus = build_corpus(["p1", "p2"], ["a", "b"], ["x", "y"], passages, [1, 3], sentences)
    features = pair_features(corpus, np.array([0]), np.array([1]))[0]
    named = dict(zip(COLUMNS, features, strict=True))
    assert named["sentence_max"] > 0.99 > named["cosine"]


def test_scorer_round_trips_through_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, len(COLUMNS)))
    y = (X[:, 0] + X[:, 2] > 0).astype(int)
    scorer = PairScorer().fit(X, y)
    scorer.save(tmp_path / "s.json", card={"data": "synthetic"})
    loaded = PairScorer.load(tmp_path / "s.json")
    np.testing.assert_allclose(loaded.score_pairs(X), scorer.score_pairs(X))
    assert "pickle" not in (tmp_path / "s.json").read_text()


def test_shipped_scorer_is_the_current_recipe_with_non_negative_evidence_weights() -> None:
    from workbench.align.scorer import FEATURES, INTERACTIONS

    scorer = PairScorer.load()
    assert scorer.features == FEATURES and scorer.interactions == INTERACTIONS
    assert scorer.positive
    weights = dict(zip(scorer.design_names, scorer.coef_, strict=True))
    assert all(w >= 0 for name, w in weights.items() if name != "single"), weights
    for evidence in ("claim_csls|passages", "lexical|passages", "shared|passages"):
        assert weights[evidence] > 0, weights
    assert "cross_validation" in scorer.card


def test_scorer_fitted_for_another_model_is_flagged(
    tmp_path: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    with _ingest(tmp_path, settings) as store:
        stats = run(store, settings, through="align", embedder=fake_embedder).aligned
    assert stats.warnings == [
        "the pair scorer was fitted on vectors of sentence-transformers/all-MiniLM-L6-v2, "
        "not fake/hashing-64: rankings hold, but scores and the never-addressed threshold "
        "may be off; refit it with `workbench eval align --fit-split train --save-scorer "
        "FILE` and pass `--scorer FILE`"
    ]


def test_alignment_records_the_model_and_backend_it_used(
    tmp_path: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    from workbench.align.staleness import alignment_provenance, is_stale

    with _ingest(tmp_path, settings) as store:
        run(store, settings, through="align", embedder=fake_embedder)
        recorded = alignment_provenance(store)
        assert (recorded["model"], recorded["backend"]) == ("fake/hashing-64", "numpy")
        assert recorded["top_k"] == settings.top_k and len(recorded["scorer_sha256"]) == 64
        # the key is computed with the configured model, not the fake one: stale
        assert is_stale(store, settings)


def test_align_needs_two_documents(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "one.txt").write_text("Floods hit the north in August.\n")
    with Store(settings.db) as store:
        ingest_paths(store, [tmp_path / "one.txt"], settings=settings)
        with pytest.raises(NothingToDo, match="at least two documents; the database has 1"):
            align_store(store, settings)


def _synthetic(docs: int, per_doc: int = 4, seed: int = 0):
    """``docs`` documents of ``per_doc`` one-sentence passages on a few shared topics."""
    from workbench.align.aligner import align

    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(6, 32))
    n = docs * per_doc
    vectors = topics[rng.integers(0, 6, size=n)] + rng.normal(scale=0.4, size=(n, 32))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    ids = [f"p{i:04d}" for i in range(n)]
    corpus = build_corpus(
        ids,
        [f"d{i // per_doc:03d}" for i in range(n)],
        [f"t{i}" for i in ids],
        vectors,
        [1] * n,
        vectors,
    )
    return corpus, align


def test_pairs_kept_per_passage_stay_bounded_as_documents_grow() -> None:
    kept_per_passage = []
    for docs in (10, 40):
        corpus, align = _synthetic(docs)
        result = align(corpus, PairScorer.load(), top_k=3, max_counterparts=12, threshold=2.0)
        counts = np.bincount(result.a, minlength=len(corpus.passage_ids))
        kept_per_passage.append(counts.max())
        unbounded = align(corpus, PairScorer.load(), top_k=3, threshold=2.0)
        assert len(result) < len(unbounded)
        # the best counterparts overall are the ones kept, ranks as in the full alignment
        full = {(x, y): r for x, y, r in zip(unbounded.a, unbounded.b, unbounded.rank, strict=True)}
        assert all(
            full[(x, y)] == r for x, y, r in zip(result.a, result.b, result.rank, strict=True)
        )
        # never-addressed figures cover every document whatever pairs are dropped
        assert len(result.coverage_passage) == len(unbounded.coverage_passage)
    assert max(kept_per_passage) <= 12


def test_mutual_best_matches_above_threshold_and_tagged_pairs_are_kept_beyond_the_cap() -> None:
    corpus, align = _synthetic(30)
    unbounded = align(corpus, PairScorer.load(), top_k=3, threshold=0.0)
    ids = corpus.passage_ids
    weakest = int(np.argmin(unbounded.score))
    tagged = {(ids[unbounded.a[weakest]], ids[unbounded.b[weakest]])}
    result = align(
        corpus, PairScorer.load(), top_k=3, max_counterparts=1, threshold=0.0, tagged=tagged
    )
    pairs = set(zip(result.a.tolist(), result.b.tolist(), strict=True))
    assert (int(unbounded.a[weakest]), int(unbounded.b[weakest])) in pairs
    mutual = {
        (x, y) for x, y, m in zip(unbounded.a, unbounded.b, unbounded.mutual, strict=True) if m
    }
    assert mutual and mutual <= pairs
    assert np.bincount(result.a).max() > 1


def test_alignment_rows_are_made_a_chunk_at_a_time_not_all_at_once() -> None:
    # 400,000 rows as Python lists take hundreds of MB (several GB at 100,000 passages)
    import tracemalloc
    from types import SimpleNamespace

    from workbench.align.aligner import AlignmentResult

    n, m = 1000, 400_000
    rng = np.random.default_rng(0)
    corpus = SimpleNamespace(
        passage_ids=[f"p{i:012d}" for i in range(n)],
        doc_ids=[f"d{i}" for i in range(n // 10)],
        doc_index=np.arange(n) // 10,
    )
    empty = np.zeros(0, dtype=np.int64)
    result = AlignmentResult(
        corpus=corpus,  # type: ignore[arg-type]
        a=rng.integers(0, n, m),
        b=rng.integers(0, n, m),
        rank=np.ones(m, dtype=np.int64),
        score=rng.random(m).astype(np.float32),
        mutual=np.zeros(m, dtype=bool),
        features=rng.random((m, len(COLUMNS))).astype(np.float32),
        coverage_passage=empty,
        coverage_doc=empty,
        coverage_score=np.zeros(0, dtype=np.float32),
        addressed=np.zeros(0, dtype=bool),
        candidates=m,
    )
    tracemalloc.start()
    rows = result.rows()
    first = next(rows)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert first[0] == corpus.passage_ids[int(result.a[0])]
    assert peak < 40 * 2**20
    assert sum(1 for _ in rows) == m - 1


def test_hubness_of_many_passages_does_not_gather_every_neighbour_vector_at_once() -> None:
    # 10 neighbours of 100,000 passages gathered at once took 3.2 GB at 384 dimensions
    import tracemalloc

    from workbench.align.aligner import set_hubness
    from workbench.align.search import Candidates

    n, dim, k = 8000, 384, 10
    rng = np.random.default_rng(0)

    class Corpus:
        context = rng.random((n, dim)).astype(np.float32)
        hubness = context_hubness = None

        def __len__(self) -> int:
            return n

    corpus = Corpus()
    query = np.repeat(np.arange(n), k)
    target = rng.integers(0, n, n * k)
    tracemalloc.start()
    set_hubness(corpus, Candidates(query, target, rng.random(n * k).astype(np.float32)))  # type: ignore[arg-type]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    expected = np.einsum("ij,ij->i", corpus.context[query], corpus.context[target])
    assert corpus.context_hubness[0] == pytest.approx(expected[:k].mean(), rel=1e-5)
    assert peak < 120 * 2**20  # the two gathered sides alone are 2 x 117 MB


def test_the_pair_scorer_scores_many_pairs_a_chunk_at_a_time() -> None:
    # the float64 design matrix of every candidate at once took over 3 GB at 100,000 passages
    import tracemalloc

    from workbench.align.scorer import SCORE_CHUNK, PairScorer

    scorer = PairScorer.load()
    rng = np.random.default_rng(0)
    X = rng.random((SCORE_CHUNK * 4 + 7, len(COLUMNS))).astype(np.float32)
    tracemalloc.start()
    scores = scorer.score_pairs(X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert scores.dtype == np.float32 and len(scores) == len(X)
    head = slice(0, 1000)
    assert np.allclose(scores[head], scorer.predict_proba(X[head])[:, 1], atol=1e-7)
    assert np.allclose(scores[-7:], scorer.predict_proba(X[-7:])[:, 1], atol=1e-7)
    assert peak < 0.5 * X.nbytes * 2 * 3  # all at once: X in float64 plus design and z-scores
