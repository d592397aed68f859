"""The suggestion frame: batched scoring equals the per-pair path, runs resume, only the
pairs an analyst sees are suggested."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, FakeEmbedder
from fnc_sample import write_fnc

from workbench.config import Settings
from workbench.evaluation.fnc import load_fnc, train_relation_model
from workbench.ingest.batch import ingest_paths
from workbench.pipeline import run
from workbench.store import Store
from workbench.suggest import frame
from workbench.suggest.relation import RelationModel, independent
from workbench.suggest.stage import suggest_store
from workbench.suggest.trees import TreeEnsemble


def _tiny(tmp_path_factory: pytest.TempPathFactory, **featurizer: bool) -> RelationModel:
    data = load_fnc(*write_fnc(tmp_path_factory.mktemp("fnc")))
    model, _ = train_relation_model(
        data,
        lambda texts: FakeEmbedder().encode(texts),
        folds=2,
        tree_params={"max_iter": 20},
        featurizer_params=featurizer,
        card={"embedding_model": FakeEmbedder.model_id},
    )
    return model


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> RelationModel:
    return _tiny(tmp_path_factory)


@pytest.fixture(scope="module")
def claim_view_model(tmp_path_factory: pytest.TempPathFactory) -> RelationModel:
    """Trained with the claim-level view and without the claim x sentence products."""
    return _tiny(tmp_path_factory, claim_view=True, interactions=False)


@pytest.fixture
def aligned(settings: Settings, fake_embedder: FakeEmbedder):
    with Store(settings.db) as opened:
        ingest_paths(opened, [CORPUS], settings=settings)
        run(opened, settings, through="align", embedder=fake_embedder)
        yield opened


def _per_pair(model: RelationModel, a: list[str], b: list[str], encode) -> np.ndarray:
    """The old path: each pair's texts featurized on their own, trees walked in numpy (a
    relayed claim's corroboration moved to related, as on every path)."""
    evidence = model.evidence(a, b, encode)
    proba = model.head.predict_proba(np.vstack([e.features for e in evidence]))
    return independent(proba, evidence, model.head)


def _compare_paths(model: RelationModel, store: Store, encode, monkeypatch, size: int) -> None:
    passages = store.passages()
    index = {p.id: i for i, p in enumerate(passages)}
    pairs = sorted({tuple(sorted((a, b))) for _, a, b in store.pairs_to_suggest()})
    pick = np.random.default_rng(0).choice(len(pairs), size=min(size, len(pairs)), replace=False)
    pairs = [pairs[i] for i in sorted(pick)]
    texts = [p.text for p in passages]
    features = model.passage_features(texts, encode, frame.passage_framing(texts))
    batched, _ = model.score(
        features,
        np.array([index[a] for a, _ in pairs]),
        np.array([index[b] for _, b in pairs]),
    )
    with monkeypatch.context() as patch:
        patch.setattr(TreeEnsemble, "decision_function", TreeEnsemble.decision_function_walk)
        old = _per_pair(
            model, [texts[index[a]] for a, _ in pairs], [texts[index[b]] for _, b in pairs], encode
        )
    assert batched.shape == old.shape == (len(pairs), len(model.head.classes_))
    assert np.abs(batched - old).max() < 1e-6


def test_batched_scoring_equals_the_per_pair_path(
    aligned: Store, tiny_model: RelationModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    encode = lambda texts: FakeEmbedder().encode(texts)  # noqa: E731
    _compare_paths(tiny_model, aligned, encode, monkeypatch, 150)


def test_batched_scoring_equals_the_per_pair_path_with_the_claim_view(
    aligned: Store, claim_view_model: RelationModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    encode = lambda texts: FakeEmbedder().encode(texts)  # noqa: E731
    _compare_paths(claim_view_model, aligned, encode, monkeypatch, 150)


@pytest.mark.model
def test_batched_scoring_equals_the_per_pair_path_with_the_shipped_model_on_real_pairs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.embed.embedder import load_embedder
    from workbench.suggest.stage import _encoder

    settings = Settings.load(db=tmp_path / "wb.db", embeddings_dir=tmp_path / "emb", progress=False)
    with Store(settings.db) as store:
        ingest_paths(store, [CORPUS], settings=settings)
        embedder = load_embedder(settings)
        run(store, settings, through="align", embedder=embedder)
        _compare_paths(RelationModel.load(), store, _encoder(settings, embedder), monkeypatch, 120)


def test_the_compiled_tree_evaluator_gives_the_walk_s_scores(tiny_model: RelationModel) -> None:
    member = tiny_model.stance.members_[0]
    width = int(member.feature_.max()) + 1
    X = np.random.default_rng(1).normal(size=(300, width)).astype(np.float32)
    X[::5, int(member.feature_[0])] = np.nan
    assert np.abs(member.decision_function(X) - member.decision_function_walk(X)).max() < 1e-9


class _StopAfter:
    """A progress reporter that fails once the suggestion task has advanced ``n`` times."""

    def __init__(self, n: int) -> None:
        self.n = n

    def task(self, description: str, total: int):
        from contextlib import contextmanager

        outer = self

        class _Task:
            def advance(self, k: int = 1) -> None:
                if description == "suggesting relations":
                    outer.n -= 1
                    if outer.n <= 0:
                        raise KeyboardInterrupt("stopped by the test")

        @contextmanager
        def opened():
            yield _Task()

        return opened()


def test_a_stopped_run_keeps_its_finished_batches_and_the_next_run_completes_it(
    aligned: Store, settings: Settings, fake_embedder: FakeEmbedder, tiny_model: RelationModel
) -> None:
    with pytest.raises(KeyboardInterrupt):
        suggest_store(
            aligned,
            settings,
            embedder=fake_embedder,
            model=tiny_model,
            batch_pairs=10,
            progress=_StopAfter(2),
        )
    kept = aligned.suggestions()
    assert len(kept) == 20
    visible = {pid for pid, _, _ in aligned.visible_pairs(settings.threshold)}
    resumed = suggest_store(
        aligned, settings, embedder=fake_embedder, model=tiny_model, batch_pairs=10
    )
    assert resumed.scored == len(visible) - 20
    after = aligned.suggestions()
    assert set(after) == visible
    assert all(after[pid] == s for pid, s in kept.items())
    again = suggest_store(aligned, settings, embedder=fake_embedder, model=tiny_model)
    assert again.scored == 0 and again.pairs == len(visible)


def test_a_tagged_pair_is_suggested_though_it_is_not_visible_otherwise(
    aligned: Store, settings: Settings, fake_embedder: FakeEmbedder, tiny_model: RelationModel
) -> None:
    suggest_store(aligned, settings, embedder=fake_embedder, model=tiny_model)
    hidden = [
        r["pair_id"]
        for r in aligned.aligned_pairs()
        if r["pair_id"] not in aligned.suggested_pair_ids()
    ]
    assert hidden
    aligned.add_tag(hidden[0], "related", "Ana")
    stats = suggest_store(aligned, settings, embedder=fake_embedder, model=tiny_model)
    assert stats.scored == 1
    assert hidden[0] in aligned.suggested_pair_ids()


def test_another_head_suggests_every_visible_pair_again(
    aligned: Store, settings: Settings, fake_embedder: FakeEmbedder, tiny_model: RelationModel
) -> None:
    first = suggest_store(aligned, settings, embedder=fake_embedder, model=tiny_model)
    tiny_model.card = {**tiny_model.card, "id": "another-model"}
    try:
        second = suggest_store(aligned, settings, embedder=fake_embedder, model=tiny_model)
    finally:
        tiny_model.card = {k: v for k, v in tiny_model.card.items() if k != "id"}
    assert second.scored == first.pairs
    assert aligned.suggestion_models() == ["another-model"]


def test_a_partition_and_its_scoring_survive_pickling_as_a_worker_would_receive_them(
    aligned: Store, settings: Settings, fake_embedder: FakeEmbedder, tiny_model: RelationModel
) -> None:
    import functools
    import pickle

    from workbench.suggest.stage import PairBatch, Scoring, SettingsEncoder, suggest_partition

    pairs = aligned.visible_pairs(settings.threshold)[:6]
    text = {p.id: p.text for p in aligned.passages()}
    batch = PairBatch(
        tuple(p for p, _, _ in pairs),
        tuple(a for _, a, _ in pairs),
        tuple(b for _, _, b in pairs),
        {pid: text[pid] for _, a, b in pairs for pid in (a, b)},
        "m",
        "2026-12-02T00:00:00+00:00",
    )
    here = Scoring(tiny_model, tiny_model.head, SettingsEncoder(settings, fake_embedder))
    shipped = pickle.loads(pickle.dumps(functools.partial(suggest_partition, scoring=here)))
    assert shipped.keywords["scoring"].encode._embedder is None  # rebuilt from the settings
    shipped.keywords["scoring"].encode._embedder = fake_embedder  # the worker's own
    assert shipped(pickle.loads(pickle.dumps(batch))) == suggest_partition(batch, here)


def test_a_passage_quoting_its_own_organisation_asserts_in_the_stored_features(
    settings: Settings, fake_embedder: FakeEmbedder, tiny_model: RelationModel
) -> None:
    from workbench.suggest.relation import PAIR_FEATURES
    from workbench.suggest.stage import PairBatch, Scoring, SettingsEncoder, suggest_partition

    texts = {
        "p1": "The harbour was closed for a week, Harbour Watch said today in its annual report.",
        "p2": "The harbour stayed closed for seven days after the storm.",
    }

    def stored(owners: dict[str, tuple[str, ...]]) -> float:
        batch = PairBatch(("x",), ("p1",), ("p2",), texts, "m", "2026-12-02T00:00:00+00:00", owners)
        scoring = Scoring(tiny_model, tiny_model.head, SettingsEncoder(settings, fake_embedder))
        (row,) = suggest_partition(batch, scoring)
        return row.features[PAIR_FEATURES.index("writer_relays_max")]

    assert stored({}) == 1.0  # read without its writer, "Harbour Watch said" relays
    assert stored({"p1": ("Harbour Watch", ""), "p2": ("Coast Daily", "")}) == 0.0


def test_framing_partitions_hold_whole_documents_in_reading_order() -> None:
    from workbench.models import Passage
    from workbench.suggest.stage import framing_parts

    passages = [
        Passage(f"{doc}{k}", doc, k, 0, 1, f"{doc} {k}.")
        for doc, n in (("a", 3), ("b", 2), ("c", 2))
        for k in range(n)
    ]
    framed = {"a0", "a1", "a2", "c0"}  # b is new; c has one new passage
    parts = framing_parts(passages, framed, limit=3)
    assert [[pid for pid, _, _ in part] for part in parts] == [["b0", "b1"], ["c0", "c1"]]
    assert parts[0][0] == ("b0", "b", "b 0.")
    everything = framing_parts(passages, set(), limit=3)
    assert [[pid for pid, _, _ in part] for part in everything] == [
        ["a0", "a1", "a2"],
        ["b0", "b1"],
        ["c0", "c1"],
    ]


def test_passages_read_in_steps_and_joined_score_as_if_read_at_once(
    aligned: Store, tiny_model: RelationModel
) -> None:
    from workbench.suggest.relation import RelationFeatures

    encode = lambda texts: FakeEmbedder().encode(texts)  # noqa: E731
    texts = [p.text for p in aligned.passages()]
    whole = tiny_model.passage_features(texts, encode, frame.passage_framing(texts))
    cuts = [0, 7, 8, 31, len(texts)]
    parts = [
        tiny_model.passage_features(texts[lo:hi], encode, frame.passage_framing(texts[lo:hi]))
        for lo, hi in itertools.pairwise(cuts)
    ]
    joined = tiny_model.join_features(parts)
    assert isinstance(joined, RelationFeatures) and len(joined) == len(texts)
    assert np.array_equal(joined.side.ptr, whole.side.ptr)
    assert (joined.side.sent_tf != whole.side.sent_tf).nnz == 0
    assert joined.side.claim_words == whole.side.claim_words
    rng = np.random.default_rng(3)
    a = rng.integers(0, len(texts), 80)
    b = (a + rng.integers(1, len(texts), 80)) % len(texts)
    at_once, _ = tiny_model.score(whole, a, b)
    in_steps, _ = tiny_model.score(joined, a, b)
    assert np.array_equal(at_once, in_steps)


def test_feature_windows_name_at_most_the_limit_of_passages_and_keep_every_pair_in_order() -> None:
    from workbench.suggest.stage import feature_windows

    todo = [(f"x{k}", f"p{k % 9}", f"p{(k * 4 + 1) % 9}") for k in range(40)]
    windows = list(feature_windows(todo, 4))
    assert [pair for window in windows for pair in window] == todo
    assert len(windows) > 1
    assert all(len({p for _, a, b in w for p in (a, b)}) <= 4 for w in windows)
    assert list(feature_windows(todo, 100)) == [todo]


def _spy_reads(model: RelationModel, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    original = model.passage_features

    def counting(texts, *args, **kwargs):
        read.extend(texts)
        return original(texts, *args, **kwargs)

    monkeypatch.setattr(model, "passage_features", counting)
    return read


def test_the_in_process_stage_reads_each_passage_of_the_visible_pairs_once(
    aligned: Store,
    settings: Settings,
    fake_embedder: FakeEmbedder,
    tiny_model: RelationModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = _spy_reads(tiny_model, monkeypatch)
    suggest_store(aligned, settings, embedder=fake_embedder, model=tiny_model, batch_pairs=10)
    visible = aligned.visible_pairs(settings.threshold)
    named = {pid for _, a, b in visible for pid in (a, b)}
    assert len(visible) > 30  # many batches of 10 pairs share passages
    assert len(read) == len(named)


def test_windows_of_passages_give_the_suggestions_of_one_reading(
    aligned: Store,
    settings: Settings,
    fake_embedder: FakeEmbedder,
    tiny_model: RelationModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workbench.suggest import stage

    suggest_store(aligned, settings, embedder=fake_embedder, model=tiny_model)
    once = aligned.suggestions()
    aligned.delete_meta(stage.RUN_META_KEY)  # the next run scores every pair again
    monkeypatch.setattr(stage, "FEATURE_WINDOW", 6)
    monkeypatch.setattr(stage, "FEATURE_CHUNK", 4)
    read = _spy_reads(tiny_model, monkeypatch)
    stats = suggest_store(aligned, settings, embedder=fake_embedder, model=tiny_model)
    assert stats.scored == len(once)
    named = {pid for s in once.values() for pid in (s.a_id, s.b_id)}
    assert len(read) > len(named)  # windows of 6 passages read some passages again
    again = aligned.suggestions()
    assert {pid: (s.relation, s.probabilities) for pid, s in again.items()} == {
        pid: (s.relation, s.probabilities) for pid, s in once.items()
    }
