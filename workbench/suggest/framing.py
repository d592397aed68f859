"""Framing cues in one passage: where the writer distances, dismisses, mocks or attacks a source.

A cue is a span of the passage with a kind and a weight:

- ``hedge``: distancing from a claim ("allegedly remain", "has been described as",
  "so-called", "what they call"). Hedging a specific unproven act ("allegedly taken") is
  ordinary legal caution and weighs little; hedging a standing condition or an established
  description is the writer doubting it and weighs fully.
- ``dismissal``: ridicule or dismissal of a claim or document ("canard", "rehash",
  "yet another resolution", "nothing new", "as expected", "hoax").
- ``sarcasm``: a sentence opened with "Of course," / "Naturally," / "Needless to say," that
  goes on to report what someone else said or concluded.
- ``scare_quote``: a short lowercase phrase in quotation marks that nobody is quoted as
  saying; weak on its own, because reports also quote terms of art ("grey markets").
- ``source_attack``: belittling a source, its title, motives or funding ("controversial
  title", "biased NGOs", "funded by the State Department", "a certain Mr X").
- ``attribution``: neutral attribution ("reportedly", "according to", "said"). Weight 0: it
  is shown, never counted as a dispute.

Cues inside a direct quotation (four words or more between quotation marks) belong to the
quoted speaker, not the writer, and are left out. ``framing_score`` adds the weights (scare
quotes count at most :data:`SCARE_QUOTE_CAP` together); a passage disputes framing when the
score reaches :data:`DISPUTE_THRESHOLD`, which no single weak cue can do alone.

Offsets are relative to the text given; callers add ``passage.start`` to cite the document.
Everything here is plain regular expressions: cheap enough to run on every passage at read
time, with no model to load.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np

    from workbench.suggest.techniques import TechniqueModel

CUE_KINDS = ("hedge", "dismissal", "sarcasm", "scare_quote", "source_attack", "attribution")
"""The rule kinds (the relation model's features are named after them: keep this order)."""
MODEL_KIND = "technique"
"""The kind of a cue from the learned technique detector."""
DISPUTE_THRESHOLD = 1.0
SCARE_QUOTE_CAP = 0.5
VERSION = "framing/3"
"""Changes whenever the rules or the technique detector's use change, so stored cues are
recomputed."""

RULE_TECHNIQUES: dict[str, str] = {
    "hedge": "Doubt",
    "dismissal": "Doubt",
    "sarcasm": "Doubt",
    "scare_quote": "Doubt",
    "source_attack": "Name_Calling,Labeling",
    "attribution": "",
}
"""The PTC technique (:mod:`workbench.suggest.techniques`) each rule kind is an instance of;
attribution is none."""


@dataclass(frozen=True)
class Cue:
    """One framing cue: ``text == passage_text[start:end]``.

    ``source`` says where it comes from: ``"rule"`` (the patterns of this module) or
    ``"model"`` (the learned technique detector, kind ``"technique"``). ``technique`` is the
    PTC technique's published name ("" for attribution). ``confidence`` is, for a model cue,
    the detector's calibrated probability that the sentence uses that technique; for a rule
    cue, the rule's weight (how strongly the pattern alone says "dispute"; not a measured
    probability). ``weight`` is what the cue adds to the passage's framing score.
    """

    kind: str
    start: int
    end: int
    text: str
    weight: float = 0.0
    technique: str = ""
    confidence: float = 0.0
    source: str = "rule"

    def record(self, offset: int = 0) -> dict[str, object]:
        """The JSON shape, with offsets shifted by ``offset`` (the passage's start)."""
        return {
            "kind": self.kind,
            "start": self.start + offset,
            "end": self.end + offset,
            "text": self.text,
            "weight": self.weight,
            "technique": self.technique,
            "confidence": round(self.confidence, 4),
            "source": self.source,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any], offset: int = 0) -> Cue:
        """A cue back from :meth:`record` (records stored before ``framing/2`` lack the
        technique fields and read as rule cues)."""
        kind = str(record["kind"])
        weight = float(record["weight"])
        return cls(
            kind,
            int(record["start"]) - offset,
            int(record["end"]) - offset,
            str(record["text"]),
            weight,
            str(record.get("technique", RULE_TECHNIQUES.get(kind, ""))),
            float(record.get("confidence", weight)),
            str(record.get("source", "rule")),
        )


def _rule(kind: str, start: int, end: int, text: str, weight: float) -> Cue:
    return Cue(kind, start, end, text, weight, RULE_TECHNIQUES.get(kind, ""), weight, "rule")


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_STATE_VERBS = (
    r"(?:remains?|remained|is|are|was|were|exists?|existed|persists?|persisted|"
    r"continues?|continued|has|have|had|be|being|still|lacks?|suffers?)"
)
_DISCOURSE_OBJECTS = (
    r"(?:resolutions?|reports?|statements?|documents?|accusations?|allegations?|stor(?:y|ies)|"
    r"campaigns?|attempts?|rounds?|claims?|sessions?|publications?|articles?|hoax(?:es)?|"
    r"fakes?|declarations?|appeals?|calls?|condemnations?|denunciations?|papers?|"
    r"revelations?|exposés?|exposes?|scandals?|sanctions?|accounts?)"
)
_SOURCES = (
    r"(?:NGOs?|media|outlets?|reports?|sources?|experts?|activists?|organi[sz]ations?|"
    r"defectors?|journalists?|witnesses|human[- ]rights (?:defenders|groups|activists|"
    r"organi[sz]ations)|campaigners|analysts|press|newspapers?|tabloids?|propagandists|"
    r"researchers|think[- ]tanks?|watchdogs?|publications?|authors?)"
)
_FUNDERS = (
    r"(?:the\s+)?(?:US|U\.S\.|American|British|Western|western|foreign|Soros|State Department|"
    r"Department of State|CIA|NED|National Endowment for Democracy|USAID|Washington|West|"
    r"Pentagon|Congress)"
)

_TERM = "_term"
"""Lexicon kind of a pattern that only stops weaker patterns from matching the same words."""

# (kind, pattern, weight). Weights are how strongly one cue says the writer disputes a claim.
_LEXICON: list[tuple[str, re.Pattern[str], float]] = [
    # -- hedging and distancing --
    (
        "hedge",
        _rx(
            rf"\b(?:allegedly|supposedly|purportedly|ostensibly)\s+(?:\w+ly\s+)?"
            rf"{_STATE_VERBS}\b"
        ),
        1.0,
    ),
    ("hedge", _rx(r"\b(?:allegedly|supposedly|purportedly|ostensibly)\b"), 0.4),
    (
        "hedge",
        _rx(
            r"\b(?:has|have|had|is|are|was|were)\s+(?:\w+ly\s+)?(?:been\s+)?"
            r"(?:described|portrayed|painted|depicted|presented|labell?ed|branded|"
            r"characteri[sz]ed|touted|billed|framed)\s+as\b"
        ),
        1.0,
    ),
    (
        "hedge",
        _rx(
            r"\bwhat\s+(?:they|it|he|she|(?:the|some|many)\s+\w+(?:\s+\w+)?)\s+"
            r"(?:likes?|loves?|prefers?|chooses?) to call\b"
        ),
        1.0,
    ),
    (
        "hedge",
        _rx(
            r"\bwhat\s+(?:they|it|he|she|(?:the|some|many)\s+\w+(?:\s+\w+)?)\s+"
            r"(?:calls?|called)\b"
        ),
        0.6,
    ),
    # "so-called" giving another name for something ("or so-called", "also so-called",
    # "locally so-called") introduces a term, it does not doubt it: consumed, never a cue
    (_TERM, _rx(r"\b(?:or|also|otherwise|locally|commonly|often)\s+so[- ]called\b"), 0.0),
    ("hedge", _rx(r"\bso[- ]called\b(?=\s*[“\"‘])"), 0.2),
    ("hedge", _rx(r"\bso[- ]called\b"), 0.6),
    (
        "hedge",
        _rx(r"\bif (?:it|this|that|true|any of this) (?:is |were |was )?(?:even )?true\b"),
        0.6,
    ),
    ("hedge", _rx(r"\b(?:unverified|unconfirmed|uncorroborated)\b"), 0.3),
    # -- dismissal and ridicule --
    (
        "dismissal",
        _rx(
            r"\bcanards?\b|\bhoax(?:es)?\b|\bfake\s+news\b|"
            r"\bfairy[- ]tales?\b|\btall\s+tales?\b|\bbogus\b|\bbaseless\b|"
            r"\bgroundless\b|\bunfounded\b|\bfar[- ]fetched\b|\blaughable\b|"
            r"\bridiculous\b|\babsurd(?:ity|ities)?\b|\bhysteri(?:a|cal)\b|"
            r"\balarmist\b|\bsmears?\b|\bslander(?:ous)?\b|\bnonsense\b|"
            r"\bthe usual suspects\b|\bscare[- ]mongering\b"
        ),
        1.0,
    ),
    (
        "dismissal",
        _rx(
            r"\brehash(?:es|ed|ing)?\b|\bnothing\s+(?:\w+ly\s+)?new\b|"
            r"\bsame old\b|\bhackneyed\b|\bnothing but\b"
        ),
        1.0,
    ),
    ("dismissal", _rx(rf"\byet\s+another\s+(?:\w+\s+){{0,2}}?{_DISCOURSE_OBJECTS}\b"), 1.0),
    ("dismissal", _rx(r"\byet\s+another\b"), 0.3),
    (
        "dismissal",
        _rx(
            r"\bas (?:expected|usual|always)\b|\bpredictabl[ey]\b|"
            r"\b(?:un|not )surprisingly\b"
        ),
        0.7,
    ),
    (
        "dismissal",
        _rx(
            r"\bboils? down to\b|\bthe usual\b|"
            r"\bfabricat(?:ed|ions?)\b|\bfakes?\b|\bspeculation\b|\brumou?rs?\b|"
            r"\bpropaganda (?:stunt|campaign|piece|exercise)\b"
        ),
        0.5,
    ),
    # -- attacks on a source --
    (
        "source_attack",
        _rx(
            r"\b(?:controversial|loud|sensational(?:ist)?|pompous|catchy|"
            r"provocative|lurid|scandalous|telling|high[- ]sounding|"
            r"grandiloquent|resounding|eloquent|bombastic)\s+"
            r"(?:title|headline|name|heading)s?\b"
        ),
        1.0,
    ),
    (
        "source_attack",
        _rx(
            rf"\b(?:biased|partisan|politici[sz]ed|politically[- ]"
            rf"motivated|one[- ]sided|unreliable|discredited|self[- ]proclaimed|"
            rf"self[- ]styled|so[- ]called|paid|hired|pocket|tame|obliging|"
            rf"zealous|russophobic|anti-\w+)\s+(?:\w+\s+)?{_SOURCES}\b"
        ),
        1.0,
    ),
    (
        "source_attack",
        _rx(
            rf"\b(?:funded|financed|sponsored|bankrolled)\s+by\s+"
            rf"{_FUNDERS}"
        ),
        0.6,
    ),
    ("source_attack", _rx(r"\bthe (?:yellow|gutter|tabloid) press\b"), 1.0),
    ("source_attack", re.compile(r"\b[Aa] certain\s+(?:[A-Z][\w’'-]+\s*){1,3}"), 0.8),
    # -- neutral attribution: shown, never counted --
    (
        "attribution",
        _rx(
            r"\breportedly\b|\baccording to\b|\bciting\b|\b(?:said|says|stated|"
            r"told|reported|reports|noted|added|explained|confirmed)\b"
        ),
        0.0,
    ),
]

_SARCASM = re.compile(
    r"(?:^|(?<=[.!?…]\s)|(?<=[.!?…][”\"“]\s)|(?<=\n))\s*(?P<cue>Of course|Naturally|"
    r"Needless to say|Surely|Obviously|Predictably|Unsurprisingly|Not surprisingly|"
    r"As one (?:might|would|could) expect|Evidently)\s*,"
)
_REPORTED = re.compile(
    r"[“\"”]|\b(?:said|says|stated|stressed|claimed|claims|noted|argued|insisted|declared|"
    r"asserted|alleged|added|announced|emphasi[sz]ed|underlined|explained|because|it was|"
    r"they were|we are told|was told)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[“”\"]([^“”\"]{1,600})[“”\"]")
_TERM_INTRO = re.compile(
    r"(?:\b(?:so[- ]called|called|calls|call|termed|terms|named|dubbed|labell?ed|branded|"
    r"known as|described as|describe as|as|of|such as|including|into|the term|the word|"
    r"the words|the phrase|titled|entitled|headlined|said|says|say|stated|told|wrote|"
    r"urged|stressed|declared|demanded|or|and)|[:,(])\s*$",
    re.IGNORECASE,
)
_SPEECH = re.compile(
    r"\b(?:said|says|say|stated|states|told|wrote|writes|noted|notes|urged|stressed|declared|"
    r"demanded|ordered|call|called|calls|described|describes|reported|reports|according to|quoted|"
    r"announced|warned|insisted|claimed|added|accused|condemned|berated)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w’'-]+")


def _quotations(text: str) -> list[tuple[int, int, str]]:
    """(start, end, inner text) of each pair of quotation marks, quote marks included.

    Pairs are taken in order whatever the direction of the marks, since sources close
    quotes with an opening mark (“like this“) often enough.
    """
    return [(m.start(), m.end(), m.group(1)) for m in _QUOTE.finditer(text)]


def _scare_quotes(text: str, quotes: list[tuple[int, int, str]]) -> list[Cue]:
    found: list[Cue] = []
    for index, (start, end, inner) in enumerate(quotes):
        words = _WORD.findall(inner)
        if not 1 <= len(words) <= 4:
            continue
        stripped = inner.strip(" ,.;:!?…")
        if not stripped or not stripped[0].islower():
            continue  # a title or a name, not a mocked term
        before = text[max(0, start - 40) : start]
        if _TERM_INTRO.search(before):
            continue  # a term introduced, named or quoted with its speaker
        sentence_start = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start), 0)
        if _SPEECH.search(text[sentence_start:start]):
            continue  # the sentence quotes someone: these are their words
        neighbours = [q for q in quotes[max(0, index - 1) : index + 2] if q[0] != start]
        if any(abs(q[0] - end) < 8 or abs(start - q[1]) < 8 for q in neighbours):
            continue  # a list of quoted category names: “loyal,” “wavering,” or “hostile”
        found.append(_rule("scare_quote", start, end, text[start:end], 0.3))
    return found


def _sarcasm(text: str) -> list[Cue]:
    found: list[Cue] = []
    for match in _SARCASM.finditer(text):
        start, end = match.span("cue")
        sentence_end = re.search(r"[.!?…](?=\s|$)", text[end:])
        rest = text[end : end + (sentence_end.end() if sentence_end else len(text) - end)]
        weight = 1.0 if _REPORTED.search(rest) else 0.6
        found.append(_rule("sarcasm", start, end, text[start:end], weight))
    return found


def _inside(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < start and end <= e for s, e in spans)


@lru_cache(maxsize=65536)
def _detect(text: str) -> tuple[Cue, ...]:
    quotes = _quotations(text)
    quoted = [(s, e) for s, e, inner in quotes if len(_WORD.findall(inner)) >= 4]
    found: list[Cue] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, weight in _LEXICON:
        for match in pattern.finditer(text):
            start, end = match.span()
            end = start + len(match.group().rstrip())
            if _inside(quoted, start, end):
                continue  # the quoted speaker's words, not the writer's
            if any(s < end and start < e for s, e in taken):
                continue  # a stronger pattern earlier in the lexicon already covers it
            taken.append((start, end))
            if kind != _TERM:
                found.append(_rule(kind, start, end, text[start:end], weight))
    found.extend(c for c in _sarcasm(text) if not _inside(quoted, c.start, c.end))
    found.extend(_scare_quotes(text, quotes))
    return tuple(sorted(found, key=lambda c: (c.start, c.end)))


def detect_cues(text: str) -> list[Cue]:
    """Framing cues in ``text``, in order of position, offsets relative to ``text``."""
    return list(_detect(text))


def framing_score(text_or_cues: str | Iterable[Cue]) -> float:
    """How strongly the writer disputes a claim or source: the sum of cue weights.

    Scare quotes count at most :data:`SCARE_QUOTE_CAP` together; attribution counts 0.
    """
    cues = detect_cues(text_or_cues) if isinstance(text_or_cues, str) else list(text_or_cues)
    scare = sum(c.weight for c in cues if c.kind == "scare_quote")
    rest = sum(c.weight for c in cues if c.kind != "scare_quote")
    return round(rest + min(scare, SCARE_QUOTE_CAP), 3)


def disputes_framing(text_or_cues: str | Iterable[Cue]) -> bool:
    """Whether the passage disputes another source's framing (score at the threshold)."""
    return framing_score(text_or_cues) >= DISPUTE_THRESHOLD


def cue_counts(cues: Iterable[Cue]) -> dict[str, float]:
    """Summed weight per cue kind (attribution as a count), for models that use cues."""
    out = dict.fromkeys(CUE_KINDS, 0.0)
    for cue in cues:
        if cue.kind in out:  # rule kinds only: the relation model was fitted on them
            out[cue.kind] += cue.weight if cue.kind != "attribution" else 1.0
    return out


@dataclass(frozen=True)
class Framing:
    """A passage's cues with their score and verdict."""

    cues: tuple[Cue, ...]
    score: float
    disputes: bool


def analyse(text: str) -> Framing:
    """Cues, score and verdict of one passage."""
    cues = _detect(text)
    score = framing_score(cues)
    return Framing(cues, score, score >= DISPUTE_THRESHOLD)


# -- the learned technique detector, gated --------------------------------------------------

Encode = Callable[[list[str]], "np.ndarray"]
"""Sentence texts -> one L2-normalised vector per text (the embedder with its vector cache)."""

MODEL_DISPUTE_WEIGHT = DISPUTE_THRESHOLD
"""What a model dispute technique adds to the score once the sentence shows the writer
addressing another source's claim (:func:`addresses_another_source`): alone it decides."""


DETECTOR_CARD = Path(__file__).resolve().parent.parent / "data" / "techniques.json"
"""The shipped technique detector's model card (read without loading the model)."""


def detector_method() -> str:
    """The technique detector as a report's methods section states it: what it is, how
    accurate it measured (from its model card) and when it counts as a dispute."""
    try:
        card = json.loads(DETECTOR_CARD.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "persuasion-technique detector: not available (its model card is missing)"
    cv = card.get("cross_validation", {})
    sentence = cv.get("sentence", {})
    anyf, dispute = sentence.get("any", {}), sentence.get("dispute", {})
    f1s = [t["f1"] for t in cv.get("techniques", {}).values() if "f1" in t]
    accuracy = (
        f"{cv.get('folds', '?')}-fold cross-validated on the "
        f"{card.get('training_documents', '?')} PTC training articles: sentence-level F1 "
        f"{anyf.get('f1', float('nan')):.3f} for any technique (precision "
        f"{anyf.get('precision', float('nan')):.3f}, recall {anyf.get('recall', float('nan')):.3f})"
        f", {dispute.get('f1', float('nan')):.3f} for the dispute subset, span F1 "
        f"{cv.get('span', {}).get('f1', float('nan')):.3f}"
        + (f", single techniques {min(f1s):.2f} to {max(f1s):.2f}" if f1s else "")
        if cv and not cv.get("skipped")
        else "accuracy not measured"
    )
    return (
        f"persuasion techniques: learned detector {card.get('id', '?')} (the 14 techniques of "
        f"the Propaganda Techniques Corpus, SemEval-2020 Task 11), {accuracy}; it runs on "
        f"{card.get('embedding_model', '?')} sentence vectors, so a database embedded with "
        "another model shows the rules alone; a technique of the dispute subset counts as "
        "disputing framing only in the writer's own words (not a quotation) in a sentence "
        "that addresses another source or its claim"
    )


PASSAGES_PER_BATCH = 2048
"""Passages whose sentences are encoded in one call: bounds the vectors held at once."""


@lru_cache(maxsize=1)
def _shipped_detector() -> TechniqueModel:
    from workbench.suggest.techniques import load_model

    return load_model()


def analyse_passages(
    texts: Sequence[str],
    encode: Encode | None = None,
    *,
    detector: TechniqueModel | None = None,
    embedding_model: str | None = None,
    documents: Sequence[int] | None = None,
) -> list[Framing]:
    """Cues, score and verdict of many passages at once: the rules, plus the learned
    persuasion-technique detector on every sentence.

    The detector reads sentence vectors, so the sentences of up to
    :data:`PASSAGES_PER_BATCH` passages at a time are encoded in one call of ``encode``
    (which should be the embedder with its vector cache: the embedding stage has usually
    cached them already). Each passage's model techniques
    become cues of kind ``"technique"`` with ``source="model"``; a model technique of the
    dispute subset adds to the score only in a sentence where the writer is addressing
    another source's claim (:func:`addresses_another_source`), because a report's own strong
    wording disputes nobody's framing.

    Args:
        texts: the passages' texts; offsets of the cues are relative to each.
        encode: sentence texts -> vectors; None gives the rules alone (as :func:`analyse`).
        detector: the technique model (default: the shipped one).
        embedding_model: the id of the model behind ``encode``; when the detector was made
            for another one, the rules alone are used (its vectors would mean nothing).
        documents: how many of ``texts`` each document holds, each document's passages
            consecutive and in reading order; the detector reads a sentence within its
            document (its place in it). Default: every passage is a document of its own.

    Returns:
        One :class:`Framing` per text, in order.

    Raises:
        InvalidInput: when ``documents`` does not add up to the number of texts.
    """
    sizes = [1] * len(texts) if documents is None else [int(n) for n in documents]
    if sum(sizes) != len(texts) or any(n < 1 for n in sizes):
        raise InvalidInput(
            f"document sizes {sizes[:5]} add up to {sum(sizes)}, not to the {len(texts)} "
            "passages given; give each document's number of passages, in order"
        )
    if encode is not None and len(texts) > PASSAGES_PER_BATCH:
        out: list[Framing] = []
        at = 0
        for batch in _whole_documents(sizes, PASSAGES_PER_BATCH):
            count = sum(batch)
            out.extend(
                analyse_passages(
                    texts[at : at + count],
                    encode,
                    detector=detector,
                    embedding_model=embedding_model,
                    documents=batch,
                )
            )
            at += count
        return out
    rules = [_detect(t) for t in texts]
    if encode is None or not texts:
        return [Framing(c, framing_score(c), framing_score(c) >= DISPUTE_THRESHOLD) for c in rules]
    from workbench.ingest.segment import split_sentences

    detector = detector or _shipped_detector()
    wanted = detector.card.get("embedding_model")
    if embedding_model and wanted and embedding_model != wanted:
        return analyse_passages(texts)
    spans = [split_sentences(t) for t in texts]
    flat = [
        t[s:e] for t, sentence_spans in zip(texts, spans, strict=True) for s, e in sentence_spans
    ]
    if not flat:
        return analyse_passages(texts)
    vectors = encode(flat)
    if vectors.ndim != 2 or vectors.shape[1] != detector.vector_dim:
        return analyse_passages(texts)
    per_passage = [len(sentence_spans) for sentence_spans in spans]
    bounds = [0, *itertools.accumulate(sizes)]
    sentences_per_document = [
        sum(per_passage[bounds[d] : bounds[d + 1]]) for d in range(len(sizes))
    ]
    verdicts = detector.analyse_sentences(flat, vectors, sentences_per_document)
    out = []
    k = 0
    for text, rule_cues, sentence_spans in zip(texts, rules, spans, strict=True):
        cues = list(rule_cues)
        quotes = _quotations(text)
        for s, e in sentence_spans:
            cues.extend(_model_cues(text, s, e, verdicts[k], rule_cues, quotes))
            k += 1
        cues.sort(key=lambda c: (c.start, c.end, c.source))
        score = framing_score(cues)
        out.append(Framing(tuple(cues), score, score >= DISPUTE_THRESHOLD))
    return out


def _whole_documents(sizes: Sequence[int], limit: int) -> list[list[int]]:
    """Documents (by passage count) packed into batches of at most ``limit`` passages,
    never splitting one (a document longer than ``limit`` is a batch of its own)."""
    batches: list[list[int]] = []
    for n in sizes:
        if batches and sum(batches[-1]) + n <= limit:
            batches[-1].append(n)
        else:
            batches.append([n])
    return batches


def _model_cues(
    text: str,
    start: int,
    end: int,
    verdict: Any,
    rule_cues: Sequence[Cue],
    quotes: Sequence[tuple[int, int, str]],
) -> list[Cue]:
    """The detector's techniques in the sentence ``text[start:end]`` as cues; the first
    dispute technique carries :data:`MODEL_DISPUTE_WEIGHT` when the gate lets it."""
    if verdict.span is None:
        return []
    from workbench.suggest.techniques import DISPUTE_TECHNIQUES

    a, b = start + verdict.span[0], start + verdict.span[1]
    gated = (
        verdict.disputes
        and _writers_words(text, a, b, quotes)
        and addresses_another_source(
            text[start:end], [c for c in rule_cues if start <= c.start and c.end <= end]
        )
    )
    out: list[Cue] = []
    for name in verdict.techniques:
        counts = gated and name in DISPUTE_TECHNIQUES and not any(c.weight for c in out)
        out.append(
            Cue(
                MODEL_KIND,
                a,
                b,
                text[a:b],
                MODEL_DISPUTE_WEIGHT if counts else 0.0,
                name,
                float(verdict.probabilities[name]),
                "model",
            )
        )
    return out


def _writers_words(text: str, start: int, end: int, quotes: Sequence[tuple[int, int, str]]) -> bool:
    """Whether most of ``text[start:end]`` is outside quotation marks: words in quotation
    marks are the quoted speaker's, whose loaded language disputes nothing of theirs."""
    inside = sum(max(0, min(end, qe) - max(start, qs)) for qs, qe, _ in quotes)
    return inside * 2 < max(1, end - start)


_CLAIMS = (
    r"(?:reports?|resolutions?|statements?|documents?|accusations?|allegations?|"
    r"stor(?:y|ies)|claims?|publications?|articles?|papers?|narratives?|versions?)"
)
_SOURCE_TALK = re.compile(
    rf"\b(?:the|this|that|these|those|its|their|such|another)\s+(?:[\w-]+\s+)?"
    rf"(?:{_CLAIMS}|{_SOURCES})\b",
    re.IGNORECASE,
)


def addresses_another_source(sentence: str, rule_cues: Sequence[Cue] = ()) -> bool:
    """Whether the writer, in ``sentence``, is doing something to another source's claim.

    Evidence: a rule cue of distancing, dismissal, sarcasm, scare quotes or an attack on a
    source (weight above 0) in the sentence; or the writer speaks in their own voice about
    another source or its text ("the report offers", "these organisations") without
    reporting its words: a sentence that attributes a claim ("X said", "according to")
    relays it, and its strong words are the source's, not a dispute of them.
    """
    if any(c.weight > 0 for c in rule_cues):
        return True
    return bool(_SOURCE_TALK.search(sentence)) and not _SPEECH.search(sentence)
