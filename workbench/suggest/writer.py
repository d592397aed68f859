"""The writer's stance toward what a passage says: asserts, relays, hedges or denies.

Two sources corroborate each other only when both *assert* the same fact. A passage that
reports that someone else said it ("Human Rights Watch says ...", "according to the
ministry ...") relays the claim: it is not an independent confirmation, whatever its
wording shares with the source it relays. This module reads each passage once
(:func:`passage_stance`), sentence by sentence, and gives plain per-passage values; a pair
combines two of them with a few arithmetic operations (:func:`pair_features`), so a corpus
pays for each passage once, not for each pair.

The lexicons and the attribution patterns come from the claim-level work of issue 13
(branch ``issue13-relations``, ``workbench/suggest/claims.py``), reduced to what the
relation head reads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from workbench.ingest.segment import split_sentences
from workbench.suggest.textfeatures import STOP_WORDS, tokens

VERSION = 4
"""Changes when what this module reads changes (cached training rows are then recomputed)."""

MAX_SENTENCES = 8
"""Sentences read per passage: the same as the relation model reads as claims."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NEGATION = _words(
    """not no never nothing none nobody neither nor without cannot isn't wasn't aren't
    weren't doesn't don't didn't hasn't haven't hadn't can't couldn't won't wouldn't
    shouldn't"""
)
_REFUTE = _words(
    """fake fakes faked hoax hoaxes false falsely debunk debunked debunks debunking bogus
    untrue fabricated fabrication myth satire satirical parody prank photoshopped doctored
    misleading baseless unfounded rumor rumors rumour rumours fictional spoof doubt doubts
    doubted doubtful skeptical sceptical dubious"""
)
_DENY = _words(
    """deny denies denied denying denial dismissed dismisses rejected rejects refuted
    refutes refute retract retracted retraction disputed disputes contradict contradicts
    contradicted disproved"""
)
_HEDGE = _words(
    """reportedly allegedly alleged purportedly supposedly apparently unconfirmed unverified
    may might possibly perhaps rumored rumoured speculation speculated seems appears
    believed suspected purported unclear whether"""
)
_NEGATORS = _NEGATION | _DENY | _REFUTE
_SCOPE = 5
"""Words after a negator that it reaches ("did not kill the journalist")."""

_NAME = r"[A-Z][\w.&'’-]*(?:\s+(?:of|the|for|and|de|al|[A-Z][\w.&'’-]*))*(?<![\s,])"
_SAY = (
    r"(?:said|says|say|told|tells|reported|reports|claimed|claims|claim|stated|states|"
    r"announced|tweeted|wrote|writes|alleged|alleges|insisted|insists|added|explained|"
    r"argues|argued|warned|warns|noted|notes|found|finds|concluded|concludes|described|"
    r"describes|called on|calls on|urged|urges)"
)
_SOURCES = (
    re.compile(rf"\b[Aa]ccording to (?:the |a |an )?(?P<src>{_NAME})"),
    re.compile(rf"(?P<src>{_NAME})\s+(?:has |have |had )?{_SAY}\b"),
    re.compile(rf"\b(?:said|says|wrote|writes)\s+(?P<src>{_NAME})"),
    re.compile(rf"\b(?:reported|claimed|stated|announced) by (?:the )?(?P<src>{_NAME})"),
)
_NOT_SOURCES = _words(
    """It It's This That There He She They We I You The A An In On At As But And Or If When
    While After Before However Yet So Then Now Mr Mrs Ms Dr"""
)

COLUMNS = ("relays", "hedges", "denies", "asserts")
"""Per-passage shares of sentences, in column order of :attr:`PassageStance.shares`."""

PAIR_FEATURES = (
    "writer_relays_max",
    "writer_relays_min",
    "writer_hedges_max",
    "writer_denies_max",
    "writer_asserts_min",
    "negated_shared",
)
"""What :func:`pair_features` gives for a pair, in order."""


def attribution_source(sentence: str) -> str | None:
    """The named source a sentence attributes its content to, or None.

    Looks for "according to X", "X said" (and other reporting verbs), "said X" and
    "reported by X", where X is a capitalised name; a pronoun or a capitalised sentence
    opener is not a source. Generic sources ("officials said", "police said") are not
    named: routine news attribution is not relaying another outlet's finding.
    """
    for pattern in _SOURCES:
        for m in pattern.finditer(sentence):
            src = m.group("src").strip()
            if src.endswith(".") and len(src.split()[-1]) > 3:
                src = src[:-1]  # the sentence's full stop, not an abbreviation ("U.S.")
            for suffix in ("'s", "’s"):
                src = src.removesuffix(suffix)
            words = src.split()
            while len(words) > 1 and words[0] in _NOT_SOURCES:
                words = words[1:]  # "The Ministry" is the Ministry
            src = " ".join(words)
            if not words or words[0] in _NOT_SOURCES or (len(words) == 1 and src.endswith("ly")):
                continue  # a pronoun, a sentence opener or an adverb ("Particularly noted")
            return src
    return None


@dataclass(frozen=True)
class SentenceStance:
    """How the writer presents one sentence."""

    source: str | None
    hedges: bool
    denies: bool

    @property
    def stance(self) -> str:
        """``denies``, ``relays``, ``hedges`` or ``asserts`` (the first that applies)."""
        if self.denies:
            return "denies"
        if self.source is not None:
            return "relays"
        return "hedges" if self.hedges else "asserts"


@lru_cache(maxsize=65536)
def sentence_stance(sentence: str) -> tuple[SentenceStance, frozenset[str], frozenset[str]]:
    """One sentence's stance, its content words and the content words it negates."""
    words = tokens(sentence)
    wordset = set(words)
    negated: list[str] = []
    for k, w in enumerate(words):
        if w in _NEGATORS or w.endswith("n't"):
            negated.extend(words[k + 1 : k + 1 + _SCOPE])
    stance = SentenceStance(
        source=attribution_source(sentence),
        hedges=bool(wordset & _HEDGE),
        denies=bool(wordset & (_DENY | _REFUTE)),
    )
    return stance, _content(words), _content(negated)


def _stem(word: str) -> str:
    """A crude stem, enough to match "resign" with "resigned" and "homes" with "home"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def _content(words: Sequence[str]) -> frozenset[str]:
    return frozenset(
        _stem(w)
        for w in words
        if w not in STOP_WORDS and w not in _NEGATORS and len(w) > 2 and w.isalpha()
    )


@dataclass(frozen=True)
class PassageStance:
    """The writer's stance in each of a passage's first sentences, computed once per passage.

    ``sentences`` follow :func:`workbench.ingest.segment.split_sentences` (at most
    :data:`MAX_SENTENCES`, the sentences the relation model reads as claims), so a pair can
    look up the stance of the sentence it rests on. ``shares`` are the fractions of those
    sentences that relay, hedge, deny or assert (:data:`COLUMNS`).
    """

    sentences: tuple[SentenceStance, ...]
    shares: np.ndarray
    content: frozenset[str]
    negated: frozenset[str]

    def at(self, index: int) -> SentenceStance:
        """The stance of sentence ``index`` (the last one read if beyond them)."""
        return self.sentences[min(index, len(self.sentences) - 1)]

    @property
    def sources(self) -> list[str]:
        """The named sources the passage relays, first mentioned first."""
        return list(dict.fromkeys(s.source for s in self.sentences if s.source is not None))


_NAME_FILLERS = frozenset({"the", "of", "for", "and", "on", "in", "to", "de"})


def _name_words(name: str) -> list[str]:
    words = re.findall(r"[\w’']+", name.lower())
    return [w for w in words if w not in {"the", "'s", "’s"}]


def _initials(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w not in _NAME_FILLERS)


def names_writer(source: str, own: Sequence[str]) -> bool:
    """Whether ``source`` names the writer itself. ``own`` is ``(outlet, author)`` of the
    passage's document (either may be empty): the outlet in full, at the head of a longer
    name ("Human Rights Watch researcher X") or by its initials ("HRW"); the author in full
    or, when named in two or more words, by their last name. A report that says "Human
    Rights Watch said today" asserts its own finding; it relays nobody."""
    said = _name_words(source)
    if not said:
        return False
    outlet, author = [*own, "", ""][:2]
    words = _name_words(outlet) if outlet.strip().lower() != "unknown" else []
    if words and (
        said[: len(words)] == words
        or (len(said) == 1 and len(words) >= 2 and said[0] == _initials(words))
        or (len(words) == 1 and len(said) >= 2 and words[0] == _initials(said))
    ):
        return True
    person = _name_words(author)
    return bool(person) and (said == person or (len(person) >= 2 and said == person[-1:]))


def passage_stance(text: str, own: Sequence[str] = ()) -> PassageStance:
    """Read ``text`` once: the writer's stance in each sentence and the passage's words.

    ``own`` names the writer (the document's outlet and author, :func:`names_writer`): a
    sentence attributed to it is the writer's own assertion, not a relayed claim.
    """
    parts = [text[s:e] for s, e in split_sentences(text)][:MAX_SENTENCES] or [text]
    read = [sentence_stance(p) for p in parts]
    sentences = tuple(
        SentenceStance(None, r[0].hedges, r[0].denies)
        if r[0].source is not None and own and names_writer(r[0].source, own)
        else r[0]
        for r in read
    )
    n = len(sentences)
    shares = np.array(
        [sum(s.stance == c for s in sentences) / n for c in ("relays", "hedges", "denies")]
        + [sum(s.stance == "asserts" for s in sentences) / n],
        dtype=np.float64,
    )
    return PassageStance(
        sentences,
        shares,
        frozenset().union(*(r[1] for r in read)),
        frozenset().union(*(r[2] for r in read)),
    )


def pair_features(a: PassageStance, b: PassageStance) -> np.ndarray:
    """The :data:`PAIR_FEATURES` of a pair, symmetric in ``a`` and ``b``.

    Relaying, hedging and denying are read as the larger of the two sides (one side doing
    it is enough to make the pair something other than two assertions), asserting as the
    smaller; ``negated_shared`` counts words one side negates and the other uses.
    """
    ra, rb = a.shares, b.shares
    negated = len(a.negated & b.content) + len(b.negated & a.content)
    return np.array(
        [
            max(ra[0], rb[0]),
            min(ra[0], rb[0]),
            max(ra[1], rb[1]),
            max(ra[2], rb[2]),
            min(ra[3], rb[3]),
            math.log1p(negated),
        ],
        dtype=np.float64,
    )
