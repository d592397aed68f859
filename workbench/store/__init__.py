"""The store: the only code that speaks SQL.

Documents and passages, alignments and coverage, suggestions and framing cues, tags and
adjudications, meta keys. Everything else reads and writes through :class:`Store`.
"""

from workbench.store.sqlite import MIGRATIONS, Store, add_adjudication, add_tag, adjudications, now, tags

__all__ = ["MIGRATIONS", "Store", "add_adjudication", "add_tag", "adjudications", "now", "tags"]
