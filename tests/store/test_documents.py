"""Documents, passages and sentences, and finding passages by words and filters."""

import sqlite3

import psycopg
import pytest

from workbench.errors import NotFound
from workbench.ingest.segment import segment
from workbench.models import Document, DocumentMeta, Passage, PassageKind
from workbench.store import PassageOrigin, Store

from .conftest import A_TEXTS, B_TEXTS, Corpus


def _doc(doc_id: str, text: str) -> tuple[Document, object]:
    seg = segment(doc_id, text)
    doc = Document(doc_id, f"/x/{doc_id}.txt", "text", "h-" + doc_id, text, DocumentMeta())
    return doc, seg


def test_replacing_a_document_swaps_passages_atomically(store: Store) -> None:
    doc, seg = _doc("d", "One paragraph.\n\nTwo paragraph.\n")
    store.replace_document(doc, seg.passages, seg.sentences)
    doc2, seg2 = _doc("d", "Only one now.\n")
    bad = list(seg2.passages) * 2  # duplicate ids: the insert fails half-way
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
        store.replace_document(doc2, bad, seg2.sentences)
    assert [p.text for p in store.passages("d")] == ["One paragraph.", "Two paragraph."]


def test_a_document_reads_back_as_written(corpus: Corpus) -> None:
    doc = corpus.store.document("a")
    assert doc.meta == DocumentMeta(
        outlet="Agency", kind="wire", title="Agency story", extra={"desk": "a"}
    )
    assert (doc.date, doc.source_path, doc.content_hash) == (
        "2021-03-02",
        "/corpus/a.txt",
        "hash-a",
    )
    assert doc.ingested_at and doc.text.startswith("Border news\n\nThe border closed")
    assert corpus.store.documents() == [doc, corpus.store.document("b")]


def test_documents_without_text_keep_their_metadata(corpus: Corpus) -> None:
    listed = corpus.store.documents(with_text=False)
    full = corpus.store.documents()
    assert [d.text for d in listed] == ["", ""]
    assert [d.meta for d in listed] == [d.meta for d in full]
    assert [d.date for d in listed] == ["2021-03-02", "2021"]


def test_an_unknown_document_is_not_found_with_advice(store: Store) -> None:
    with pytest.raises(NotFound) as err:
        store.document("nope")
    assert str(err.value) == "no document 'nope'; `workbench documents` lists them"
    assert store.document_hash("nope") is None
    assert store.document_source("nope") is None


def test_hash_source_outlets_and_passage_counts(corpus: Corpus) -> None:
    store = corpus.store
    assert (store.document_hash("a"), store.document_source("b")) == ("hash-a", "/corpus/b.txt")
    assert store.document_outlets() == {"a": "Agency", "b": "Group"}
    assert store.passage_counts() == {"a": 3, "b": 2}  # the heading is not counted


def test_new_metadata_leaves_the_text_and_passages_alone(corpus: Corpus) -> None:
    store = corpus.store
    store.update_document_meta(
        "b", DocumentMeta(outlet="Watch", url="https://x"), "/new/b.txt", "2022"
    )
    doc = store.document("b")
    assert (doc.meta.outlet, doc.meta.url, doc.source_path, doc.date) == (
        "Watch",
        "https://x",
        "/new/b.txt",
        "2022",
    )
    assert [p.text for p in store.passages("b")] == B_TEXTS


def test_deleting_a_document_takes_its_passages_and_alignments(aligned: Corpus) -> None:
    store = aligned.store
    store.delete_document("b")
    assert [d.id for d in store.documents()] == ["a"]
    assert store.passages("b") == []
    assert store.alignment_count() == 0


def test_orphan_sentences_count_sentences_whose_passage_is_gone(corpus: Corpus) -> None:
    store = corpus.store
    store.delete_document("b")
    assert store.orphan_sentences() == 0  # the cascade took b's sentences
    # Only a broken write could leave one: make one by switching the foreign key off.
    if isinstance(store, Store):
        store._execute("PRAGMA foreign_keys = OFF")
    else:
        store._execute("ALTER TABLE sentences DROP CONSTRAINT sentences_passage_id_fkey")
    with store.write():
        store._execute(
            'INSERT INTO sentences (passage_id, seq, start, "end", text) VALUES (?, 0, 0, 1, ?)',
            ("gone", "x"),
        )
    assert store.orphan_sentences() == 1


def test_passages_are_text_in_document_order_unless_kinds_are_given(corpus: Corpus) -> None:
    store = corpus.store
    assert [p.text for p in store.passages()] == A_TEXTS + B_TEXTS
    every = store.passages("a", kinds=list(PassageKind))
    assert [p.kind for p in every] == [PassageKind.HEADING] + [PassageKind.TEXT] * 3
    assert store.passage(corpus.a[1].id) == corpus.a[1]
    assert store.passages(kinds=[]) == []


def test_an_unknown_passage_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="no passage 'p0'"):
        store.passage("p0")


def test_passages_by_id_skip_ids_that_do_not_exist(corpus: Corpus) -> None:
    wanted = [corpus.b[1].id, "missing", corpus.a[0].id]
    found = corpus.store.passages_by_id(wanted)
    assert found == {corpus.b[1].id: corpus.b[1], corpus.a[0].id: corpus.a[0]}
    assert corpus.store.passages_by_id([]) == {}


def test_passages_by_id_read_more_ids_than_one_query_takes(store: Store) -> None:
    texts = [f"Paragraph number {n}." for n in range(1200)]
    doc = Document("long", "/x/long.txt", "text", "h", "\n\n".join(texts), DocumentMeta())
    passages = [Passage(f"p{n:04d}", "long", n, 0, 1, text) for n, text in enumerate(texts)]
    store.replace_document(doc, passages, [])
    assert len(store.passages_by_id([p.id for p in passages])) == 1200


def test_passage_openings_are_cut_and_cover_text_passages_only(corpus: Corpus) -> None:
    openings = corpus.store.passage_openings(["a"], 10)
    assert openings == {p.id: p.text[:10] for p in corpus.a}
    assert corpus.store.passage_openings([], 10) == {}


def test_passage_origins_name_outlet_document_and_section(corpus: Corpus) -> None:
    found = corpus.store.passage_origins([corpus.a[0].id, corpus.b[1].id, "missing"])
    assert found == {
        corpus.a[0].id: PassageOrigin("Agency", "a", "Lead"),
        corpus.b[1].id: PassageOrigin("Group", "b", "Body"),
    }


def test_sentences_of_text_passages_come_in_document_order(corpus: Corpus) -> None:
    sentences = corpus.store.sentences()
    assert [s.text for s in sentences] == A_TEXTS + B_TEXTS
    assert sentences[0].passage_id == corpus.a[0].id


def test_passage_frame_holds_every_text_passage(corpus: Corpus) -> None:
    frame = corpus.store.passage_frame()
    assert list(frame.columns) == ["id", "doc_id", "seq", "start", "end", "section", "text"]
    assert list(frame["text"]) == A_TEXTS + B_TEXTS
    assert str(frame["start"].dtype) == "int64"


def test_matching_passages_hold_every_term_ignoring_case(corpus: Corpus) -> None:
    store = corpus.store
    found = store.matching_passages(["guards", "SHOOT"])
    assert sorted(r["passage_id"] for r in found) == sorted([corpus.a[1].id, corpus.b[1].id])
    assert store.matching_passages(["guards", "harvests"]) == []
    (row,) = store.matching_passages(["floods"])
    assert row == {
        "passage_id": corpus.a[2].id,
        "doc": "a",
        "outlet": "Agency",
        "kind": "wire",
        "date": "2021-03-02",
        "title": "Agency story",
        "section": "Body",
        "text": A_TEXTS[2],
        "start": corpus.a[2].start,
        "end": corpus.a[2].end,
    }


def test_matching_passages_take_percent_and_underscore_literally(corpus: Corpus) -> None:
    store = corpus.store
    assert [r["doc"] for r in store.matching_passages(["5%"])] == ["a"]
    assert store.matching_passages(["5%25"]) == []
    assert store.matching_passages(["b_rder"]) == []
    assert store.matching_passages(["\\"]) == []


def test_headings_are_never_matched(corpus: Corpus) -> None:
    assert corpus.store.matching_passages(["news"]) == []


def test_filters_narrow_by_outlet_kind_and_date_at_each_documents_precision(
    corpus: Corpus,
) -> None:
    store = corpus.store

    def docs(**where: object) -> set[str]:
        return {r["doc"] for r in store.matching_passages(["monday"], **where)}  # type: ignore[arg-type]

    assert docs() == {"a", "b"}
    assert docs(outlets=["Group"]) == {"b"}
    assert docs(kinds=["wire", "blog"]) == {"a"}
    assert docs(date_from="2021-03-05") == {"b"}  # "2021" may be any day of 2021
    assert docs(date_to="2021-03-01") == {"b"}
    assert docs(date_from="2021-03-02", date_to="2021-03-02") == {"a", "b"}
    assert docs(date_from="2022") == set()


def test_text_passage_ids_follow_the_same_filters(corpus: Corpus) -> None:
    store = corpus.store
    assert sorted(store.text_passage_ids()) == sorted(p.id for p in corpus.a + corpus.b)
    assert sorted(store.text_passage_ids(outlets=["Group"])) == sorted(p.id for p in corpus.b)
    assert store.text_passage_ids(kinds=["none"]) == []


def test_sourced_passages_carry_their_documents_metadata(corpus: Corpus) -> None:
    found = corpus.store.sourced_passages([corpus.b[0].id, "missing"])
    assert list(found) == [corpus.b[0].id]
    row = found[corpus.b[0].id]
    assert (row["outlet"], row["kind"], row["date"], row["text"]) == (
        "Group",
        "ngo",
        "2021",
        B_TEXTS[0],
    )
