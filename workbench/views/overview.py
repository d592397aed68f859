"""The whole picture: where sources corroborate, contradict or dispute each other's framing,
and which claims a source never addresses. Tables built with pandas for the Overview page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import pandas as pd

from workbench.views.agreement import latest_labels
from workbench.models import Relation
from workbench.store import Store, adjudications, tags

SHOWN_RELATIONS = (
    Relation.CORROBORATES.value,
    Relation.CONTRADICTS.value,
    Relation.DISPUTES_FRAMING.value,
)
COUNT_COLUMNS = ["outlet", "doc", "section", "relation", "basis", "pairs"]


def pair_labels(store: Store) -> dict[str, str]:
    """The label each tagged pair currently has.

    An adjudicator's final label wins; otherwise the label most analysts gave (their latest
    tags), ties going to the label tagged most recently.
    """
    final = {pid: row["label"] for pid, row in adjudications(store).items()}
    order: dict[str, dict[str, int]] = {}
    for tag in tags(store):
        order.setdefault(tag.pair_id, {})[tag.label.value] = tag.tag_id
    labels: dict[str, str] = {}
    for pid, by_analyst in latest_labels(tags(store, latest=True)).items():
        votes = Counter(by_analyst.values())
        labels[pid] = max(votes, key=lambda label: (votes[label], order[pid][label]))
    labels.update(final)
    return labels


def _sides(store: Store, pair_ids: set[str]) -> dict[str, list[tuple[str, str, str]]]:
    """Both passages of each pair as (outlet, doc, section)."""
    sides: dict[str, list[str]] = {}
    ids = sorted(pair_ids)
    for lo in range(0, len(ids), 500):
        chunk = ids[lo : lo + 500]
        rows = store.conn.execute(
            "SELECT al.pair_id, al.a_id, al.b_id FROM alignments al"
            f" WHERE al.pair_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        for row in rows:
            sides.setdefault(row["pair_id"], [row["a_id"], row["b_id"]])
    where = {p for ends in sides.values() for p in ends}
    info: dict[str, tuple[str, str, str]] = {}
    found = sorted(where)
    for lo in range(0, len(found), 500):
        chunk = found[lo : lo + 500]
        for row in store.conn.execute(
            "SELECT p.id, d.outlet, p.doc_id, p.section FROM passages p"
            f" JOIN documents d ON d.id = p.doc_id WHERE p.id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            info[row["id"]] = (row["outlet"], row["doc_id"], row["section"])
    return {pid: [info[p] for p in ends if p in info] for pid, ends in sides.items()}


def relation_counts(store: Store, suggested: Mapping[str, str]) -> pd.DataFrame:
    """Pairs per source, section and relation, tagged and suggested counted apart.

    Each pair counts once for each of its two passages, under that passage's source and
    section. Only corroboration, contradiction and framing dispute are counted.
    """
    tagged = {pid: label for pid, label in pair_labels(store).items() if label in SHOWN_RELATIONS}
    guessed = {pid: rel for pid, rel in suggested.items() if rel in SHOWN_RELATIONS}
    sides = _sides(store, set(tagged) | set(guessed))
    counts: Counter[tuple[str, str, str, str, str]] = Counter()
    for basis, labels in (("tagged", tagged), ("suggested", guessed)):
        for pid, label in labels.items():
            for outlet, doc, section in sides.get(pid, []):
                counts[(outlet, doc, section, label, basis)] += 1
    return pd.DataFrame([(*key, n) for key, n in sorted(counts.items())], columns=COUNT_COLUMNS)


def unaddressed(
    store: Store, *, silent_doc: str | None = None, source_doc: str | None = None
) -> pd.DataFrame:
    """Passages (claims) with no counterpart above the threshold in another document.

    The same rows as ``workbench unaddressed``: the passage, its document, the document
    that is silent about it and the best score found there.
    """
    sql = (
        "SELECT c.passage_id, p.doc_id AS doc, d.outlet, p.section, c.doc_id AS silent_doc,"
        " s.outlet AS silent_outlet, c.best_score, p.text FROM coverage c"
        " JOIN passages p ON p.id = c.passage_id JOIN documents d ON d.id = p.doc_id"
        " JOIN documents s ON s.id = c.doc_id WHERE c.addressed = 0"
    )
    params: list[str] = []
    if silent_doc is not None:
        sql += " AND c.doc_id = ?"
        params.append(silent_doc)
    if source_doc is not None:
        sql += " AND p.doc_id = ?"
        params.append(source_doc)
    sql += " ORDER BY p.doc_id, p.seq, c.doc_id"
    rows = store.conn.execute(sql, params).fetchall()
    return pd.DataFrame(
        [dict(r) for r in rows],
        columns=[
            "passage_id",
            "doc",
            "outlet",
            "section",
            "silent_doc",
            "silent_outlet",
            "best_score",
            "text",
        ],
    )


def silence_matrix(store: Store) -> pd.DataFrame:
    """How many passages of each document (rows) each other document (columns) never
    addresses."""
    rows = store.conn.execute(
        "SELECT p.doc_id AS doc, c.doc_id AS silent_doc, count(*) AS n FROM coverage c"
        " JOIN passages p ON p.id = c.passage_id WHERE c.addressed = 0"
        " GROUP BY p.doc_id, c.doc_id"
    ).fetchall()
    frame = pd.DataFrame([dict(r) for r in rows], columns=["doc", "silent_doc", "n"])
    if frame.empty:
        return pd.DataFrame()
    return frame.pivot(index="doc", columns="silent_doc", values="n").fillna(0).astype(int)
