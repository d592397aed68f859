"""Suggestions and framing cues: the ``suggestions`` and ``passage_framing`` tables."""

from __future__ import annotations


class SuggestionQueries:
    """Reads and writes of stored suggestions and framing cues (mixed into the store)."""
