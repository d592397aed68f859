"""The JSON shapes the workbench prints and exports: one function per kind of record."""

from __future__ import annotations

from typing import Any

from workbench.models import Passage
from workbench.store import AlignedPair


def passage_record(passage: Passage, outlet: str) -> dict[str, Any]:
    return {
        "passage_id": passage.id,
        "doc": passage.doc_id,
        "outlet": outlet,
        "start": passage.start,
        "end": passage.end,
        "text": passage.text,
        "section": passage.section,
        "kind": str(passage.kind),
        **({"reason": passage.reason} if passage.reason else {}),
    }


def pair_record(row: AlignedPair) -> dict[str, Any]:
    """A row of ``Store.aligned_pairs`` as ``{"pair_id", "a", "b", "score", "rank", "mutual"}``."""

    def side(prefix: str) -> dict[str, Any]:
        return {
            "passage_id": row[f"{prefix}_id"],
            "doc": row[f"{prefix}_doc"],
            "outlet": row[f"{prefix}_outlet"],
            "start": row[f"{prefix}_start"],
            "end": row[f"{prefix}_end"],
            "text": row[f"{prefix}_text"],
            "section": row[f"{prefix}_section"],
        }

    return {
        "pair_id": row["pair_id"],
        "a": side("a"),
        "b": side("b"),
        "score": row["score"],
        "rank": row["rank"],
        "mutual": bool(row["mutual"]),
        "features": dict(row["features"]),
    }
