"""Shared set-up for the robustness tests: an aligned store without the real model."""

from __future__ import annotations

from pathlib import Path

from workbench.ingest.segment import segment
from workbench.models import Alignment, Document, DocumentMeta, pair_id
from workbench.store.factory import open_store


def store_with_pairs(path: Path | str, pairs: int = 50) -> list[str]:
    """A database with two documents and ``pairs`` aligned pairs; returns the pair ids."""
    with open_store(path) as store:
        passages = {}
        for doc_id in ("a", "b"):
            text = "\n\n".join(f"Paragraph {i} of {doc_id} about event {i}." for i in range(pairs))
            seg = segment(doc_id, text)
            store.replace_document(
                Document(doc_id, f"/{doc_id}.txt", "text", doc_id, text, DocumentMeta()),
                seg.passages,
                seg.sentences,
            )
            passages[doc_id] = [p.id for p in seg.passages]
        alignments = [
            Alignment(pair_id(x, y), x, y, "b", 1, 0.9, True)
            for x, y in zip(passages["a"], passages["b"], strict=True)
        ]
        store.replace_alignments(alignments, [], "k")
        return [a.pair_id for a in alignments]


def integrity(db: Path | str) -> str:
    """The store's own integrity check ("ok"): SQLite's ``integrity_check``, or on
    PostgreSQL that every table of the schema reads to its end."""
    with open_store(db, create=False) as store:
        return str(store.integrity())
