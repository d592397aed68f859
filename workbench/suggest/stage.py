"""The suggestion stage: framing cues for every passage, a relation for every aligned pair.

:func:`suggest_store` computes the framing cues of every text passage and a suggested
relation (with its probabilities, structured reasons and the comparison of specifics) for
every aligned pair, and stores both through the store (tables ``passage_framing`` and
``suggestions``). It recomputes everything each time it runs, so it is safe to re-run.

The suggester itself (stance model + relation head) lives in :mod:`workbench.suggest.relation`
and is imported only when the stage runs. Training the head from analysts' tags is
:mod:`workbench.suggest.training`, ordering pairs for tagging :mod:`workbench.suggest.ranking`;
reading what the stage stored is :mod:`workbench.views.evidence`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.progress import SILENT, Reporter
from workbench.store import Store, now
from workbench.store.suggestions import StoredFraming, StoredSuggestion, SuggestionRow
from workbench.suggest import framing

if TYPE_CHECKING:
    from workbench.config import Settings
    from workbench.embed.embedder import Embedder
    from workbench.suggest.relation import RelationHead, RelationModel

HEAD_META_KEY = "relation_head"
"""Meta key holding the relation head trained from this database's tags (JSON)."""


@dataclass(frozen=True)
class SuggestStats:
    """What a run of the stage did."""

    passages: int
    disputing: int
    pairs: int
    relations: dict[str, int]
    model: str
    skipped: str = ""
    """Why no suggestions were computed (empty when they were)."""


def settings_model_path(settings: Settings) -> Path | None:
    """The relation model file the settings name (None: the shipped one)."""
    name = getattr(settings, "relation_model", "")
    return Path(name).expanduser() if name else None


def load_head(store: Store) -> RelationHead | None:
    """The head trained from this database's tags, if ``workbench train`` has run."""
    from workbench.suggest.relation import RelationHead

    raw = store.get_meta(HEAD_META_KEY)
    return RelationHead.from_dict(json.loads(raw)["head"]) if raw else None


def _encoder(settings: Settings, embedder: Embedder) -> Any:
    from workbench.embed.embedder import embed_texts, open_cache

    cache = open_cache(settings, embedder)
    return lambda texts: embed_texts(texts, embedder, cache).vectors


def _framing_rows(framings: dict[str, framing.Framing]) -> list[StoredFraming]:
    return [
        StoredFraming(pid, [c.record() for c in f.cues], f.score, f.disputes, framing.VERSION)
        for pid, f in framings.items()
    ]


def suggest_store(
    store: Store,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    model: RelationModel | None = None,
    progress: Reporter = SILENT,
) -> SuggestStats:
    """Compute and store framing for every text passage and a suggestion for every pair.

    The relation head trained from this database's tags (``workbench train``) is used when
    there is one. A relation model made for another embedder suggests nothing: the stored
    suggestions are cleared and the stats say why.
    """
    from workbench.embed.embedder import load_embedder
    from workbench.suggest.relation import RelationModel

    passages = store.passages()
    model = model or RelationModel.load(settings_model_path(settings))
    embedder = embedder or load_embedder(settings)
    encode = _encoder(settings, embedder)
    analysed = framing.analyse_passages(
        [p.text for p in passages], encode, embedding_model=embedder.model_id
    )
    framings = {p.id: f for p, f in zip(passages, analysed, strict=True)}
    disputing = sum(f.disputes for f in framings.values())
    wanted = model.card.get("embedding_model")
    if wanted and wanted != embedder.model_id:
        with store.write():
            store.replace_framing(_framing_rows(framings))
            store.replace_suggestions([])
        return SuggestStats(
            len(passages),
            disputing,
            0,
            {},
            model.model_id,
            skipped=(
                f"the relation model {model.model_id} reads {wanted} vectors, the embedder is "
                f"{embedder.model_id}; no relations suggested (train a model for this embedder "
                "with `workbench eval stance --save-model FILE`)"
            ),
        )
    head = load_head(store) or model.head
    by_id = {p.id: p for p in passages}
    pairs: dict[str, tuple[str, str]] = {}
    for pid, a_id, b_id in store.pairs_to_suggest():
        if a_id in by_id and b_id in by_id:
            pairs.setdefault(pid, (a_id, b_id) if a_id <= b_id else (b_id, a_id))
    ids = list(pairs)
    suggestions = []
    with progress.task("suggesting relations", len(ids)) as task:
        for lo in range(0, len(ids), 256):
            chunk = ids[lo : lo + 256]
            a = [by_id[pairs[p][0]].text for p in chunk]
            b = [by_id[pairs[p][1]].text for p in chunk]
            suggestions.extend(model.suggest(a, b, encode, head=head))
            task.advance(len(chunk))
    stamp = now()
    model_name = model.model_id + ("+tags" if head is not model.head else "")
    rows = [
        SuggestionRow(
            StoredSuggestion(
                pair_id=pid,
                a_id=pairs[pid][0],
                b_id=pairs[pid][1],
                relation=s.relation,
                confidence=s.confidence,
                probabilities=s.probabilities,
                reasons=s.reasons,
                specifics=s.evidence.comparison.record(),
                model=model_name,
                computed_at=stamp,
            ),
            features=[round(float(v), 5) for v in s.evidence.features],
        )
        for pid, s in zip(ids, suggestions, strict=True)
    ]
    with store.write():
        store.replace_framing(_framing_rows(framings))
        store.replace_suggestions(rows)
    relations: dict[str, int] = {}
    for s in suggestions:
        relations[s.relation] = relations.get(s.relation, 0) + 1
    return SuggestStats(len(passages), disputing, len(ids), relations, model_name)
