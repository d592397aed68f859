"""Analysts' tags and adjudicators' decisions on aligned pairs (mixed into the store).

Every save is a new row, so the history of a pair's labels is kept; readers ask for the
latest tag per analyst and pair, or the latest decision per pair.
"""

from __future__ import annotations

from typing import Any

from workbench.errors import InvalidInput, NotFound
from workbench.models import Adjudication, Relation, Tag
from workbench.store.base import Database, now

MAX_NAME = 100
"""Characters an analyst's or adjudicator's name may have."""


def check_label(label: str) -> Relation:
    """The relation ``label`` names; raises InvalidInput listing the labels otherwise."""
    try:
        return Relation(label)
    except ValueError:
        raise InvalidInput(
            f"unknown label {label!r}; use one of {', '.join(r.value for r in Relation)}"
        ) from None


def check_name(name: str, role: str) -> str:
    """``name`` with its whitespace tidied; raises InvalidInput if empty or too long."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(f"the {role}'s name is empty; give a name so tags can be attributed")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"the {role}'s name is longer than {MAX_NAME} characters")
    return name


_TAG_COLUMNS = "t.id, t.pair_id, t.a_id, t.b_id, t.label, t.analyst, t.note, t.created_at"


class TagQueries(Database):
    """Reads and writes of tags and adjudications."""

    def add_tag(self, pair_id: str, label: str, analyst: str, note: str = "") -> Tag:
        """Record an analyst's label for an aligned pair as a new row (history is kept).

        Raises InvalidInput for an unknown label or an empty name, NotFound for a pair
        that is not aligned.
        """
        relation = check_label(label)
        analyst = check_name(analyst, "analyst")
        row = self._row("SELECT a_id, b_id FROM alignments WHERE pair_id = ? LIMIT 1", (pair_id,))
        if row is None:
            raise NotFound(f"no aligned pair {pair_id!r}; `workbench pairs` lists them")
        a_id, b_id = sorted((row["a_id"], row["b_id"]))
        with self.write(corpus=False):
            created_at = now()  # taken under the write lock, so time order is id order
            tag_id = self._insert(
                "INSERT INTO tags (pair_id, a_id, b_id, label, analyst, note, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (pair_id, a_id, b_id, relation.value, analyst, note, created_at),
            )
        return Tag(tag_id, pair_id, a_id, b_id, relation, analyst, note, created_at)

    def tags(
        self, *, analyst: str | None = None, pair_id: str | None = None, latest: bool = False
    ) -> list[Tag]:
        """Tags oldest first; with ``latest`` only each analyst's last tag per pair."""
        sql = f"SELECT {_TAG_COLUMNS} FROM tags t WHERE 1 = 1"
        params: list[Any] = []
        if latest:
            sql += (
                " AND t.id = (SELECT max(u.id) FROM tags u"
                " WHERE u.pair_id = t.pair_id AND u.analyst = t.analyst)"
            )
        if analyst is not None:
            sql += " AND t.analyst = ?"
            params.append(analyst)
        if pair_id is not None:
            sql += " AND t.pair_id = ?"
            params.append(pair_id)
        sql += " ORDER BY t.id"
        return [
            Tag(tag_id, pair, a_id, b_id, Relation(label), who, note, created_at)
            for tag_id, pair, a_id, b_id, label, who, note, created_at in self._tuples(sql, params)
        ]

    def tagged_pair_ids(self) -> set[str]:
        """Every pair some analyst has tagged."""
        return set(self._values("SELECT DISTINCT pair_id FROM tags"))

    def analysts(self) -> list[str]:
        """Everyone who has tagged a pair, in alphabetical order ignoring case."""
        names = self._values("SELECT DISTINCT analyst FROM tags")
        return sorted(names, key=str.casefold)

    def add_adjudication(
        self, pair_id: str, label: str, adjudicator: str, note: str = ""
    ) -> Adjudication:
        """Record a final label for a pair, kept apart from the analysts' own tags.

        Raises InvalidInput for an unknown label or an empty name.
        """
        relation = check_label(label)
        adjudicator = check_name(adjudicator, "adjudicator")
        with self.write(corpus=False):
            created_at = now()
            adjudication_id = self._insert(
                "INSERT INTO adjudications (pair_id, label, adjudicator, note, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (pair_id, relation.value, adjudicator, note, created_at),
            )
        return Adjudication(adjudication_id, pair_id, relation, adjudicator, note, created_at)

    def adjudications(self) -> dict[str, Adjudication]:
        """The latest adjudication per pair, by pair id, oldest decision first."""
        rows = self._tuples(
            "SELECT a.id, a.pair_id, a.label, a.adjudicator, a.note, a.created_at"
            " FROM adjudications a WHERE a.id ="
            " (SELECT max(b.id) FROM adjudications b WHERE b.pair_id = a.pair_id)"
            " ORDER BY a.id"
        )
        return {
            pair: Adjudication(adj_id, pair, Relation(label), who, note, created_at)
            for adj_id, pair, label, who, note, created_at in rows
        }
