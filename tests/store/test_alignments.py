"""Alignments, aligned pairs and coverage."""

from workbench.models import Alignment
from workbench.store import Store

from .conftest import A_TEXTS, B_TEXTS, Corpus


def test_aligned_pairs_join_both_passages_with_decoded_features(aligned: Corpus) -> None:
    rows = aligned.store.aligned_pairs(pair_id=aligned.pair(1, 1))
    a_side = next(r for r in rows if r["a_doc"] == "a")
    assert a_side == {
        "pair_id": aligned.pair(1, 1),
        "rank": 1,
        "score": 0.8,
        "mutual": True,
        "features": {"cosine": 0.8},
        "a_id": aligned.a[1].id,
        "a_doc": "a",
        "a_outlet": "Agency",
        "a_start": aligned.a[1].start,
        "a_end": aligned.a[1].end,
        "a_text": A_TEXTS[1],
        "a_section": "Body",
        "b_id": aligned.b[1].id,
        "b_doc": "b",
        "b_outlet": "Group",
        "b_start": aligned.b[1].start,
        "b_end": aligned.b[1].end,
        "b_text": B_TEXTS[1],
        "b_section": "Body",
    }
    assert len(rows) == 2  # one row per direction


def test_pair_count_counts_two_passages_once_whichever_side_they_are_seen_from(
    aligned: Corpus,
) -> None:
    store = aligned.store
    assert store.alignment_count() == 6
    assert store.has_alignments()
    assert store.pair_count() == len({r["pair_id"] for r in store.aligned_pairs()})
    assert store.pair_count() < store.alignment_count()


def test_aligned_pairs_come_best_first_per_passage_and_filter(aligned: Corpus) -> None:
    store = aligned.store
    every = store.aligned_pairs()
    assert [(r["a_text"][:9], r["rank"]) for r in every][:2] == [
        ("The borde", 1),
        ("The borde", 2),
    ]
    assert len(every) == 6
    assert {r["a_doc"] for r in store.aligned_pairs(doc_id="b")} == {"b"}
    assert {r["a_outlet"] for r in store.aligned_pairs(outlet="Agency")} == {"Agency"}
    assert all(r["rank"] == 1 for r in store.aligned_pairs(max_rank=1))
    assert [r["score"] for r in store.aligned_pairs(doc_id="a", min_score=0.5)] == [0.9, 0.8]


def test_aligned_pair_batches_stream_the_same_rows_in_the_same_order(aligned: Corpus) -> None:
    store = aligned.store
    batches = list(store.aligned_pair_batches(size=4))
    assert [len(b) for b in batches] == [4, 2]
    assert [r for b in batches for r in b] == store.aligned_pairs()
    mutual = [r for b in store.aligned_pair_batches(mutual=True, size=1) for r in b]
    assert mutual and mutual == [r for r in store.aligned_pairs() if r["mutual"]]
    filtered = [r for b in store.aligned_pair_batches(doc_id="a", min_score=0.5) for r in b]
    assert filtered == store.aligned_pairs(doc_id="a", min_score=0.5)


def test_pair_count_counts_a_pair_aligned_both_ways_once(aligned: Corpus) -> None:
    rows = aligned.store.aligned_pairs()
    assert aligned.store.pair_count() == len({r["pair_id"] for r in rows}) < len(rows)


def test_replacing_alignments_swaps_rows_coverage_and_meta_together(aligned: Corpus) -> None:
    store = aligned.store
    assert store.get_meta("aligned_corpus") == "corpus-key"
    assert store.get_meta("alignment") == '{"model": "fake"}'
    a, b = aligned.a[2], aligned.b[1]
    row = (a.id, b.id, aligned.pair(2, 1), "b", 1, 0.5, 0, '{"cosine": 0.5}')
    store.replace_alignments([row], [(a.id, "b", 0.5, False)], "new-key")
    assert store.alignment_count() == 1
    (only,) = store.aligned_pairs()
    assert (only["pair_id"], only["mutual"], only["features"]) == (row[2], False, {"cosine": 0.5})
    assert [(r["passage_id"], r["addressed"]) for r in store.coverage()] == [(a.id, False)]
    assert store.get_meta("aligned_corpus") == "new-key"


def test_pair_summaries_filter_by_documents_rank_and_score(aligned: Corpus) -> None:
    store = aligned.store
    rows = store.pair_summaries(["a"], max_rank=2, min_score=0.0)
    assert [(r["a_id"], r["b_id"], r["rank"]) for r in rows] == [
        (aligned.a[0].id, aligned.b[0].id, 1),
        (aligned.a[0].id, aligned.b[1].id, 2),
        (aligned.a[1].id, aligned.b[1].id, 1),
        (aligned.a[2].id, aligned.b[0].id, 1),
    ]
    assert set(rows[0]) == {
        "pair_id",
        "rank",
        "score",
        "mutual",
        "a_id",
        "a_doc",
        "a_section",
        "b_id",
        "b_doc",
    }
    assert rows[0]["a_section"] == "Lead" and rows[0]["mutual"] is True
    assert len(store.pair_summaries(["a"], max_rank=1, min_score=0.5)) == 2
    assert store.pair_summaries(["a"], max_rank=2, min_score=0, b_docs=["a"]) == []
    assert store.pair_summaries(["a"], max_rank=2, min_score=0, b_docs=[]) == []
    assert store.pair_summaries([], max_rank=2, min_score=0) == []


def test_pair_passages_are_both_ends_in_id_order(aligned: Corpus) -> None:
    a, b = aligned.a[0].id, aligned.b[0].id
    found = aligned.store.pair_passages([aligned.pair(0, 0), "prmissing"])
    assert found == {aligned.pair(0, 0): tuple(sorted((a, b)))}


def test_passages_with_counterparts_are_those_aligned_as_a(aligned: Corpus) -> None:
    store = aligned.store
    ids = [p.id for p in aligned.a + aligned.b] + ["missing"]
    assert store.passages_with_counterparts(ids) == {p.id for p in aligned.a + aligned.b}
    store.replace_alignments([], [], "empty")
    assert store.passages_with_counterparts(ids) == set()
    assert store.passages_with_counterparts([]) == set()


def test_alignment_frame_holds_every_alignment(aligned: Corpus) -> None:
    frame = aligned.store.alignment_frame()
    assert list(frame.columns) == ["pair_id", "a_id", "b_id", "rank", "score", "mutual"]
    assert len(frame) == 6 and frame["score"].max() == 0.9


def test_coverage_says_which_documents_address_each_passage(aligned: Corpus) -> None:
    store = aligned.store
    rows = store.coverage()
    assert [(r["source_doc"], r["doc_id"], r["addressed"]) for r in rows] == [
        ("a", "b", True),
        ("a", "b", True),
        ("a", "b", False),
        ("b", "a", True),
        ("b", "a", True),
    ]
    (gap,) = store.coverage(addressed=False)
    assert gap == {
        "passage_id": aligned.a[2].id,
        "doc_id": "b",
        "best_score": 0.3,
        "addressed": False,
        "source_doc": "a",
    }
    assert len(store.coverage(addressed=True)) == 4


def test_coverage_frame_has_addressed_as_numbers(aligned: Corpus) -> None:
    frame = aligned.store.coverage_frame()
    assert list(frame.columns) == ["passage_id", "doc_id", "best_score", "addressed", "source_doc"]
    assert list(frame["addressed"]) == [1, 1, 0, 1, 1]


def test_unaddressed_passages_name_the_silent_source(aligned: Corpus) -> None:
    store = aligned.store
    (gap,) = store.unaddressed_passages()
    assert gap == {
        "passage_id": aligned.a[2].id,
        "doc": "a",
        "outlet": "Agency",
        "section": "Body",
        "silent_doc": "b",
        "silent_outlet": "Group",
        "best_score": 0.3,
        "text": A_TEXTS[2],
    }
    assert store.unaddressed_passages(silent_doc="b") == [gap]
    assert store.unaddressed_passages(silent_doc="a") == []
    assert store.unaddressed_passages(source_doc="b") == []


def test_silence_counts_per_pair_of_documents(aligned: Corpus) -> None:
    assert aligned.store.silence_counts() == [{"doc": "a", "silent_doc": "b", "n": 1}]


def test_an_empty_store_has_nothing_aligned(store: Store) -> None:
    assert store.alignment_count() == 0
    assert not store.has_alignments()
    assert store.aligned_pairs() == [] and store.coverage() == []
    assert store.silence_counts() == [] and store.unaddressed_passages() == []
    assert store.alignment_frame().empty


def test_alignments_may_be_given_as_objects_or_rows(corpus: Corpus) -> None:
    a, b = corpus.a[0], corpus.b[0]
    obj = Alignment(corpus.pair(0, 0), a.id, b.id, "b", 1, 0.7, True, {"cosine": 0.7})
    row = (b.id, a.id, corpus.pair(0, 0), "a", 1, 0.7, 1, '{"cosine": 0.7}')
    corpus.store.replace_alignments([obj, row], [], "k")
    rows = corpus.store.aligned_pairs()
    assert [(r["a_id"], r["b_id"], r["mutual"]) for r in rows] == [
        (a.id, b.id, True),
        (b.id, a.id, True),
    ]
