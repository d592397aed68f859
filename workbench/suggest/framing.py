"""Framing cues in one passage: where the writer distances, dismisses, mocks or attacks a source.

A cue is a span of the passage with a kind and a weight:

- ``hedge``: distancing from a claim ("allegedly remain", "has been described as",
  "so-called", "what they call"). Hedging a specific unproven act ("allegedly taken") is
  ordinary legal caution and weighs little; hedging a standing condition or an established
  description is the writer doubting it and weighs fully.
- ``dismissal``: ridicule or dismissal of a claim or document ("duck story", "rehash",
  "yet another resolution", "nothing new", "as expected", "hoax").
- ``sarcasm``: a sentence opened with "Of course," / "Naturally," / "Needless to say," that
  goes on to report what someone else said or concluded.
- ``scare_quote``: a short lowercase phrase in quotation marks that nobody is quoted as
  saying; weak on its own, because reports also quote terms of art ("grey markets").
- ``source_attack``: belittling a source, its title, motives or funding ("controversial
  title", "engaged NGOs", "funded by the State Department", "a certain Hyun").
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

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

CUE_KINDS = ("hedge", "dismissal", "sarcasm", "scare_quote", "source_attack", "attribution")
DISPUTE_THRESHOLD = 1.0
SCARE_QUOTE_CAP = 0.5
VERSION = "framing/1"
"""Changes whenever the rules change, so stored cues can be recomputed."""


@dataclass(frozen=True)
class Cue:
    """One framing cue: ``text == passage_text[start:end]``."""

    kind: str
    start: int
    end: int
    text: str
    weight: float = 0.0

    def record(self, offset: int = 0) -> dict[str, object]:
        """The JSON shape, with offsets shifted by ``offset`` (the passage's start)."""
        return {
            "kind": self.kind,
            "start": self.start + offset,
            "end": self.end + offset,
            "text": self.text,
            "weight": self.weight,
        }


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
    ("hedge", _rx(r"\b(?:or|also|otherwise)\s+so[- ]called\b|\bso[- ]called\b(?=\s*[“\"‘])"), 0.2),
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
            r"\bduck\s+stor(?:y|ies)\b|\bcanards?\b|\bhoax(?:es)?\b|\bfake\s+news\b|"
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
            r"\bboils? down to\b|\bthe usual\b|\bmostly similar to previous\b|"
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
            rf"\b(?:biased|engaged|partisan|politici[sz]ed|politically[- ]"
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
    r"demanded|ordered|called|calls|described|describes|reported|reports|according to|quoted|"
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
        found.append(Cue("scare_quote", start, end, text[start:end], 0.3))
    return found


def _sarcasm(text: str) -> list[Cue]:
    found: list[Cue] = []
    for match in _SARCASM.finditer(text):
        start, end = match.span("cue")
        sentence_end = re.search(r"[.!?…](?=\s|$)", text[end:])
        rest = text[end : end + (sentence_end.end() if sentence_end else len(text) - end)]
        weight = 1.0 if _REPORTED.search(rest) else 0.6
        found.append(Cue("sarcasm", start, end, text[start:end], weight))
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
            found.append(Cue(kind, start, end, text[start:end], weight))
            taken.append((start, end))
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
