"""A tiny hand-made corpus in a fresh store, independent of ingestion and alignment.

Two documents, ``a`` (a wire story) and ``b`` (an NGO report), a heading in ``a``, and
alignments and coverage written directly, so each store method can be checked against
rows whose every value is known. The ``store`` fixture is where a second database
implementation would be added as another parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench.models import (
    Alignment,
    Document,
    DocumentMeta,
    Passage,
    PassageKind,
    Sentence,
    pair_id,
    passage_id,
)
from workbench.store import Store

A_TEXTS = [
    "The border closed on Monday, 5% of crossings excepted.",
    "Guards were told to shoot at 2 km.",
    "Harvests were poor after the floods.",
]
B_TEXTS = [
    "Borders were shut on Monday.",
    "Guards had orders to shoot within 1 km.",
]


def add_document(
    store: Store,
    doc_id: str,
    texts: list[str],
    *,
    outlet: str,
    kind: str = "",
    date: str = "",
    heading: str = "",
) -> list[Passage]:
    """Store a document made of ``texts`` (after an optional heading); returns its text
    passages. The first text passage is in section "Lead", the others in "Body"."""
    blocks = ([heading] if heading else []) + texts
    text = "\n\n".join(blocks) + "\n"
    passages, sentences, pos = [], [], 0
    for seq, block in enumerate(blocks):
        start = text.index(block, pos)
        pos = start + len(block)
        is_heading = bool(heading) and seq == 0
        body_seq = seq - (1 if heading else 0)
        passages.append(
            Passage(
                passage_id(doc_id, block),
                doc_id,
                seq,
                start,
                pos,
                block,
                PassageKind.HEADING if is_heading else PassageKind.TEXT,
                "" if is_heading else ("Lead" if body_seq == 0 else "Body"),
            )
        )
        sentences.append(Sentence(passages[-1].id, 0, start, pos, block))
    document = Document(
        doc_id,
        f"/corpus/{doc_id}.txt",
        "text",
        f"hash-{doc_id}",
        text,
        DocumentMeta(outlet=outlet, kind=kind, title=f"{outlet} story", extra={"desk": doc_id}),
        date=date,
    )
    store.replace_document(document, passages, sentences)
    return [p for p in passages if p.kind == PassageKind.TEXT]


@dataclass
class Corpus:
    store: Store
    a: list[Passage]
    b: list[Passage]

    def pair(self, a: int, b: int) -> str:
        return pair_id(self.a[a].id, self.b[b].id)


def align(corpus: Corpus) -> None:
    """a0<->b0 and a1<->b1 are mutual best matches; a2's best in b is b0, weakly; a0's
    second best in b is b1."""
    a, b = corpus.a, corpus.b

    def al(x: Passage, y: Passage, rank: int, score: float, mutual: bool) -> Alignment:
        return Alignment(
            pair_id(x.id, y.id), x.id, y.id, y.doc_id, rank, score, mutual, {"cosine": score}
        )

    corpus.store.replace_alignments(
        [
            al(a[0], b[0], 1, 0.9, True),
            al(b[0], a[0], 1, 0.9, True),
            al(a[1], b[1], 1, 0.8, True),
            al(b[1], a[1], 1, 0.8, True),
            al(a[2], b[0], 1, 0.3, False),
            al(a[0], b[1], 2, 0.4, False),
        ],
        [
            (a[0].id, "b", 0.9, True),
            (a[1].id, "b", 0.8, True),
            (a[2].id, "b", 0.3, False),
            (b[0].id, "a", 0.9, True),
            (b[1].id, "a", 0.8, True),
        ],
        "corpus-key",
        meta={"alignment": '{"model": "fake"}'},
    )


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store, on SQLite and on PostgreSQL (a real server: see tests/pgserver.py)."""
    if request.param == "postgres":
        from workbench.store.postgres import PostgresStore

        with PostgresStore(request.getfixturevalue("pg_url")) as opened:
            yield opened  # type: ignore[misc]
        return
    with Store(tmp_path / "db.sqlite") as opened:
        yield opened


@pytest.fixture
def corpus(store: Store) -> Corpus:
    """The two documents, stored but not aligned."""
    a = add_document(
        store, "a", A_TEXTS, outlet="Agency", kind="wire", date="2021-03-02", heading="Border news"
    )
    b = add_document(store, "b", B_TEXTS, outlet="Group", kind="ngo", date="2021")
    return Corpus(store, a, b)


@pytest.fixture
def aligned(corpus: Corpus) -> Corpus:
    """The two documents, aligned (see :func:`align`)."""
    align(corpus)
    return corpus
