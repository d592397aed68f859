"""Plain-text wording shared by the writers: scores, specifics, tags, suggestions, cues.

Everything here returns unescaped text; each writer escapes it for its own format.
"""

from __future__ import annotations

from typing import Any

from workbench.views.records import techniques_line

_MEASURES = frozenset({"km", "m", "mile", "kg", "tonne", "%", "usd", "eur", "gbp", "krw", "cny"})


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def item_label(item: dict[str, Any]) -> str:
    """``195 (north koreans)``, ``1 km``, ``2020-06``, ``Geneva``."""
    unit = item.get("unit")
    if item["kind"] == "number" and unit and unit not in _MEASURES:
        return f"{item['text']} ({unit})"
    return item["text"]


def specifics_lines(spec: dict[str, Any]) -> dict[str, list[str]]:
    """``{"shared": [...], "conflicting": [...]}`` as readable phrases."""
    shared = [item_label(e["a"]) for e in spec.get("shared", [])]
    conflicting = [
        f"{item_label(e['a'])} here, {item_label(e['b'])} there"
        for e in spec.get("conflicting", [])
    ]
    return {"shared": list(dict.fromkeys(shared)), "conflicting": list(dict.fromkeys(conflicting))}


def tag_line(tag: dict[str, Any]) -> str:
    note = f": {tag['note']}" if tag.get("note") else ""
    return f"{tag['label']} ({tag['analyst']}){note}"


def adjudication_line(adj: dict[str, Any] | None) -> str:
    if not adj:
        return ""
    note = f": {adj['note']}" if adj.get("note") else ""
    return f"{adj['label']} (adjudicated by {adj['adjudicator']}){note}"


def suggestion_line(suggestion: dict[str, Any] | None) -> str:
    if not suggestion:
        return ""
    confidence = suggestion.get("confidence")
    sure = f" ({confidence:.0%})" if isinstance(confidence, int | float) else ""
    return f"{suggestion['relation']}{sure}"


def reasons_line(suggestion: dict[str, Any] | None) -> str:
    if not suggestion:
        return ""
    return "; ".join(str(r) for r in suggestion.get("reasons", []))


def cues_line(cues: dict[str, Any]) -> str:
    """The cues of a passage with its verdict; '' when it has none to show."""
    if not cues.get("available"):
        return "not computed"
    found = [
        f"{c['kind'].replace('_', ' ')} {_quoted(c['text'])}"
        for c in cues.get("cues", [])
        if c.get("source", "rule") == "rule"
    ]
    if techniques := techniques_line(cues):
        found.insert(0, f"techniques: {techniques}")
    verdict = " (disputes framing)" if cues.get("disputes_framing") else ""
    return "; ".join(found) + verdict


def _quoted(text: str) -> str:
    """``text`` in quotation marks, unless it is already quoted (a scare quote)."""
    return text if text[:1] in "“\"'‘«„" else f"“{text}”"


def alignment_line(counterpart: dict[str, Any]) -> str:
    if counterpart["score"] is None:
        return "not in the current alignment (kept because it was tagged)"
    mutual = ", mutual best match" if counterpart["mutual"] else ""
    return f"score {score(counterpart['score'])}, rank {counterpart['rank']}{mutual}"


AGREEMENT_COLUMNS = [
    "analyst",
    "analyst",
    "pairs both tagged",
    "agreed",
    "observed agreement",
    "Cohen's kappa",
]


def agreement_summary(agreement: dict[str, Any]) -> str:
    """One sentence: how many pairs were tagged, by how many analysts, and alpha."""
    if not agreement["multiply_tagged"]:
        return (
            f"{agreement['pairs_tagged']} pairs tagged; none by two or more analysts, so "
            "there is no agreement to measure."
        )
    return (
        f"{agreement['pairs_tagged']} pairs tagged, {agreement['multiply_tagged']} by two or "
        f"more analysts; all agree on {share(agreement['observed'])} of those "
        f"({_count(agreement['disagreements'], 'disagreement')}); Krippendorff's alpha "
        f"{score(agreement['alpha'])}."
    )


def agreement_rows(agreement: dict[str, Any]) -> list[list[Any]]:
    """One row per pair of analysts, in :data:`AGREEMENT_COLUMNS` order."""
    return [
        [
            p["first"],
            p["second"],
            p["shared"],
            p["agreed"],
            share(p["observed"]),
            score(p["kappa"]) + ("" if p["enough"] else " (unstable)"),
        ]
        for p in agreement["by_pair_of_analysts"]
    ]


def agreement_warning(agreement: dict[str, Any]) -> str:
    """Why some kappas are marked unstable ('' when none is)."""
    if all(p["enough"] for p in agreement["by_pair_of_analysts"]):
        return ""
    return (
        f"Kappa marked unstable: the two analysts share fewer than {agreement['min_shared']} "
        "tagged pairs, too few for a reliable figure."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def methods_rows(report: Any, rerun: str) -> list[list[Any]]:
    """The methods table's (setting, value) rows; ``rerun`` is how the writer shows the
    command that brings a stale alignment up to date."""
    m = report.methods
    a = m["alignment"]
    rows = [
        ["software", f"workbench {m['software']['version']}"],
        ["generated", m["generated_at"]],
        ["scope", report.scope.describe()],
        ["embedding model", a["model"]],
        ["threshold", a["threshold"]],
        ["counterparts kept per passage and document", a["top_k"]],
        ["candidates rescored", a["candidates"]],
        ["pair scorer (SHA-256)", a.get("scorer_sha256", "not recorded")],
        [
            "settings recorded at alignment",
            "yes" if a["recorded"] else "no (current settings shown)",
        ],
        [
            "alignment up to date with the passages",
            "yes" if a["up_to_date"] else f"no: re-run {rerun}",
        ],
        ["specifics", m["stages"]["specifics"]],
        ["framing cues", m["stages"]["framing"]],
        ["suggestions", m["stages"]["suggestions"]],
        ["agreement", m["stages"]["agreement"]],
    ]
    if m["tags_left_out"]:
        rows.append(
            [
                "tags left out",
                f"{m['tags_left_out']} (their passages are no longer in the database)",
            ]
        )
    return rows


DOCUMENT_COLUMNS = ["doc", "file", "url", "format", "content SHA-256", "text SHA-256", "characters"]


def document_rows(methods: dict[str, Any]) -> list[list[Any]]:
    """One row per document of the methods section, in :data:`DOCUMENT_COLUMNS` order."""
    return [
        [
            d["doc"],
            d["file"],
            d["url"],
            d["format"],
            d["content_sha256"],
            d["text_sha256"],
            d["characters"],
        ]
        for d in methods["documents"]
    ]


AUDIT_COLUMNS = ["time", "who", "action", "subject", "detail"]
_DETAIL_ORDER = ("label", "previous", "note", "role", "open", "source", "content_sha256")


def audit_detail(detail: dict[str, Any]) -> str:
    """An audit event's detail as ``key: value; ...`` (known keys first, in a fixed order;
    empty values left out)."""
    keys = [k for k in _DETAIL_ORDER if k in detail] + sorted(set(detail) - set(_DETAIL_ORDER))
    keys = [k for k in keys if detail[k] not in ("", None)]
    return "; ".join(f"{key.replace('_', ' ')}: {detail[key]}" for key in keys)


def audit_rows(methods: dict[str, Any]) -> list[list[Any]]:
    """One row per audit event of the methods section, in :data:`AUDIT_COLUMNS` order;
    an unknown actor (a document stored before ingestion was recorded) shows as such."""
    return [
        [
            e["at"],
            e["actor"] or "(not recorded)",
            e["action"],
            e["subject"],
            audit_detail(e["detail"]),
        ]
        for e in methods.get("audit", [])
    ]
