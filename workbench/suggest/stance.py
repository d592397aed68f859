"""Stance of a text towards a claim: agree, disagree, discuss or unrelated (FNC-1 labels).

The features describe the relation between a claim (a headline, or one passage of an
aligned pair) and a body (an article, or the other passage), never the claim's identity:

- relatedness: TF-IDF cosine over words and bigrams (whole body, best sentence, lead),
  word and bigram overlap, embedding cosine between the claim and the body's sentences
  (mean, best, top three, lead), shared and missing numbers;
- stance: refuting, hedging and confirming words and negations in the body sentences
  closest to the claim, in the lead and in the whole body, and the same in the claim,
  plus the body's framing cues (:mod:`workbench.suggest.framing`);
- the element-wise product of the claim vector and the mean of its three closest body
  sentences, which lets the model see *what* the closest sentences say about the claim.

The features are then classified by a gradient-boosted tree ensemble
(:class:`workbench.suggest.trees.TreeEnsemble`), whose fitted trees are saved as plain arrays.
Sentence vectors come from whatever ``encode`` the caller passes (the workbench's embedder
and vector cache), so the same code serves FNC-1 headlines and passage pairs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

import numpy as np
from scipy import sparse

from workbench.ingest.segment import split_sentences
from workbench.suggest import framing, specifics, writer
from workbench.suggest.textfeatures import Tfidf, content_tokens, ngrams, tokens


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STANCES = ("agree", "disagree", "discuss", "unrelated")
MAX_SENTENCES = 60
TOP_SENTENCES = 3

_REFUTE = _wordset(
    """fake fakes fraud hoax hoaxes false falsely deny denies denied denial debunk debunked
    debunks bogus prank pranks retract retracted retraction untrue misleading satire satirical
    parody fabricated fabrication incorrect wrong refute refuted refutes dismissed dismiss
    dismisses contrary contradict contradicts contradicted baseless unfounded myth rumor rumors
    rumour rumours doubt doubts doubtful skeptical sceptical nonsense debunking fiction
    fictional photoshopped doctored staged"""
)
_NEGATE = _wordset(
    """not no never nothing none nobody neither nor isn't wasn't aren't weren't doesn't don't
    didn't hasn't haven't hadn't can't cannot couldn't won't wouldn't"""
)
_HEDGE = _wordset(
    """reportedly allegedly alleged claims claimed claim according reports reported report
    unconfirmed unverified purportedly supposedly apparently appears appear seems seem may
    might could possibly possible suggest suggests suggested speculation speculated believed
    rumored rumoured purported if whether unclear unknown"""
)
_CONFIRM = _wordset(
    """confirmed confirms confirm announced officially official verified revealed reveals
    proved proven indeed true actually evidence statement shows showed found discovered
    footage video photos"""
)
_LEXICONS = (_REFUTE, _NEGATE, _HEDGE, _CONFIRM)
_NUMBER_KINDS = ("number", "date")


@dataclass
class Texts:
    """Claims and bodies of a batch of pairs, split into sentences and embedded.

    ``claim_vectors[i]`` is the vector of claim ``i``; the sentences of body ``j`` are rows
    ``body_ptr[j]:body_ptr[j + 1]`` of ``sentence_vectors`` and of ``sentences``.
    """

    claims: list[str]
    bodies: list[str]
    claim_vectors: np.ndarray
    sentences: list[str]
    sentence_vectors: np.ndarray
    body_ptr: np.ndarray


def body_sentences(body: str) -> list[str]:
    """A body's sentences (at most :data:`MAX_SENTENCES`), the whole body if it has none."""
    found = [body[s:e] for s, e in split_sentences(body)][:MAX_SENTENCES]
    return found or [body]


def prepare(
    claims: Sequence[str], bodies: Sequence[str], encode: Callable[[list[str]], np.ndarray]
) -> Texts:
    """Split and embed the distinct claims and bodies of a batch."""
    claims = list(claims)
    bodies = list(bodies)
    sentences: list[str] = []
    ptr = [0]
    for body in bodies:
        sentences.extend(body_sentences(body))
        ptr.append(len(sentences))
    vectors = encode(claims + sentences)
    return Texts(
        claims,
        bodies,
        vectors[: len(claims)],
        sentences,
        vectors[len(claims) :],
        np.asarray(ptr, dtype=np.int64),
    )


def _rates(words: Sequence[str]) -> list[float]:
    n = max(len(words), 1)
    return [sum(1 for w in words if w in lexicon) / n * 10 for lexicon in _LEXICONS]


def _counts(words: Sequence[str]) -> list[float]:
    return [float(sum(1 for w in words if w in lexicon)) for lexicon in _LEXICONS]


FEATURE_NAMES: tuple[str, ...] = (
    "tfidf_body",
    "tfidf_best_sentence",
    "tfidf_lead",
    "word_overlap",
    "bigram_overlap",
    "claim_words_in_body",
    "emb_mean",
    "emb_max",
    "emb_top3",
    "emb_lead",
    "emb_margin",
    "numbers_shared",
    "numbers_missing",
    "claim_question",
    "claim_words",
    "body_sentences",
    *(f"claim_{n}" for n in ("refute", "negate", "hedge", "confirm")),
    *(f"top_{n}" for n in ("refute", "negate", "hedge", "confirm")),
    *(f"lead_{n}" for n in ("refute", "negate", "hedge", "confirm")),
    *(f"body_{n}" for n in ("refute", "negate", "hedge", "confirm")),
    *(f"top_count_{n}" for n in ("refute", "negate", "hedge", "confirm")),
    "refute_polarity",
    "body_quotes",
    *(f"cue_{kind}" for kind in framing.CUE_KINDS),
    "framing_score",
)


FNC_REFUTE = _wordset(
    "fake fraud hoax false deny denies not despite nope doubt doubts bogus debunk pranks retract"
)
"""The refuting words of the FNC-1 official baseline: general English, no topic."""

CLAIM_VIEW_NAMES: tuple[str, ...] = (
    "negated_claim_top1",
    "negated_claim_top3",
    "negation_flip",
    "claim_negates",
    "denies_top1",
    "denies_top3",
    "hedges_top1",
    "hedges_top3",
    "relays_top1",
    "fnc_refute_top1",
    "fnc_refute_top3",
    "fnc_refute_claim",
    "emb_second",
    "claim_denies",
    "claim_hedges",
)
"""The claim-level view (:func:`claim_view`): the claim against the body sentences closest
to it, compared for negation, denial, hedging and attribution. None of these columns names
a word of the topic, so they carry over to claims the model never saw."""


@dataclass(frozen=True)
class SentenceView:
    """What the claim-level view reads from one sentence, once per sentence."""

    content: frozenset[str]
    negated: frozenset[str]
    denies: bool
    hedges: bool
    relays: bool
    refuting: int


def sentence_view(sentence: str) -> SentenceView:
    """A sentence's content words, the words its negators reach, its writer's stance
    (:func:`workbench.suggest.writer.sentence_stance`) and its FNC baseline refuting words."""
    stance, content, negated = writer.sentence_stance(sentence)
    return SentenceView(
        content,
        negated,
        stance.denies,
        stance.hedges,
        stance.source is not None,
        len(set(tokens(sentence)) & FNC_REFUTE),
    )


def claim_view(claim: SentenceView, top: Sequence[SentenceView], second: float) -> list[float]:
    """The :data:`CLAIM_VIEW_NAMES` columns of a claim against its closest body sentences
    (``top``, closest first; ``second`` the embedding cosine of the second closest).

    Negation is scoped: what counts is a body sentence negating the claim's own words
    ("did not die" against "X dies"), or exactly one of the two negating what they share.
    """
    n = max(len(claim.content), 1)
    negated_top = frozenset().union(*(v.negated for v in top))
    shared = claim.content & frozenset().union(*(v.content for v in top))
    claim_negates_shared = bool(claim.negated & shared)
    body_negates_shared = bool(shared & negated_top)
    return [
        len(claim.content & top[0].negated) / n,
        len(claim.content & negated_top) / n,
        float(claim_negates_shared != body_negates_shared),
        float(bool(claim.negated)),
        float(top[0].denies),
        float(any(v.denies for v in top)),
        float(top[0].hedges),
        float(any(v.hedges for v in top)),
        float(top[0].relays),
        float(top[0].refuting),
        float(sum(v.refuting for v in top)),
        float(claim.refuting),
        second,
        float(claim.denies),
        float(claim.hedges),
    ]


class StanceFeaturizer:
    """Turns (claim, body) pairs into the feature matrix; fitted state: the TF-IDF.

    Columns: :data:`FEATURE_NAMES`, then :data:`CLAIM_VIEW_NAMES` when ``claim_view``,
    then one per embedding dimension when ``interactions``.

    Args:
        max_terms: TF-IDF vocabulary size.
        interactions: add the claim-vector x closest-sentences product (one column per
            embedding dimension).
        claim_view: add the claim-level view (:func:`claim_view`).
    """

    def __init__(
        self, max_terms: int = 30000, interactions: bool = True, claim_view: bool = False
    ) -> None:
        self.max_terms = max_terms
        self.interactions = interactions
        self.claim_view = claim_view

    @property
    def fixed_names(self) -> tuple[str, ...]:
        """The named columns (all but the interactions)."""
        return FEATURE_NAMES + (CLAIM_VIEW_NAMES if self.claim_view else ())

    def fit(self, texts: Sequence[str]) -> StanceFeaturizer:
        self.tfidf_ = Tfidf(max_features=self.max_terms).fit(texts)
        return self

    def names(self, dim: int) -> list[str]:
        extra = [f"product_{i}" for i in range(dim)] if self.interactions else []
        return [*self.fixed_names, *extra]

    def transform(
        self, texts: Texts, claim_index: np.ndarray, body_index: np.ndarray
    ) -> np.ndarray:
        """One row per pair: claim ``claim_index[k]`` against body ``body_index[k]``."""
        tfidf = self.tfidf_
        claim_tf = tfidf.transform(texts.claims)
        body_tf = tfidf.transform(texts.bodies)
        sent_tf = tfidf.transform(texts.sentences)
        claim_words = [content_tokens(c) for c in texts.claims]
        claim_bigrams = [set(ngrams(w, 2)) for w in claim_words]
        claim_tokens = [tokens(c) for c in texts.claims]
        claim_numbers = [set(specifics.match_keys(c, _NUMBER_KINDS)) for c in texts.claims]
        body_words = [content_tokens(b) for b in texts.bodies]
        body_wordsets = [set(w) for w in body_words]
        body_bigrams = [set(ngrams(w, 2)) for w in body_words]
        body_tokens = [tokens(b) for b in texts.bodies]
        body_numbers = [set(specifics.match_keys(b, _NUMBER_KINDS)) for b in texts.bodies]
        body_cues = [framing.analyse(b) for b in texts.bodies]
        sentence_tokens = [tokens(s) for s in texts.sentences]
        if self.claim_view:
            claim_views = [sentence_view(c) for c in texts.claims]
            sentence_views = [sentence_view(x) for x in texts.sentences]
        fixed = len(self.fixed_names)
        dim = texts.claim_vectors.shape[1]
        width = fixed + (dim if self.interactions else 0)
        out = np.zeros((len(claim_index), width), dtype=np.float32)
        for row, (ci, bi) in enumerate(zip(claim_index, body_index, strict=True)):
            lo, hi = int(texts.body_ptr[bi]), int(texts.body_ptr[bi + 1])
            cvec = texts.claim_vectors[ci]
            svecs = texts.sentence_vectors[lo:hi]
            sims = svecs @ cvec
            order = np.argsort(-sims)
            top = order[:TOP_SENTENCES]
            mean_vec = svecs.mean(axis=0)
            mean_norm = float(np.linalg.norm(mean_vec)) or 1.0
            ctf = claim_tf[ci]
            sent_sims = (sent_tf[lo:hi] @ ctf.T).toarray().ravel()
            lead_tf = sent_tf[lo : min(hi, lo + 2)].sum(axis=0)
            lead_norm = float(np.linalg.norm(lead_tf)) or 1.0
            cw = claim_words[ci]
            cws = set(cw)
            top_words = [w for k in top for w in sentence_tokens[lo + k]]
            lead_words = [w for k in range(lo, min(hi, lo + 3)) for w in sentence_tokens[k]]
            numbers = claim_numbers[ci]
            cues = body_cues[bi]
            counts = framing.cue_counts(cues.cues)
            top_counts = _counts(top_words)
            claim_counts = _counts(claim_tokens[ci])
            values = [
                float((ctf @ body_tf[bi].T).toarray()[0, 0]),
                float(sent_sims.max()) if len(sent_sims) else 0.0,
                float(np.asarray(ctf @ lead_tf.T).ravel()[0]) / lead_norm,
                len(cws & body_wordsets[bi]) / max(len(cws), 1),
                len(claim_bigrams[ci] & body_bigrams[bi]) / max(len(claim_bigrams[ci]), 1),
                float(sum(1 for w in body_words[bi] if w in cws)) / max(len(body_words[bi]), 1),
                float(mean_vec @ cvec) / mean_norm,
                float(sims[order[0]]),
                float(sims[top].mean()),
                float(sims[0]),
                float(sims[order[0]] - np.median(sims)),
                len(numbers & body_numbers[bi]) / max(len(numbers), 1) if numbers else -1.0,
                len(numbers - body_numbers[bi]) / max(len(numbers), 1) if numbers else -1.0,
                float("?" in texts.claims[ci]),
                float(len(claim_tokens[ci])),
                math.log1p(hi - lo),
                *claim_counts,
                *_rates(top_words),
                *_rates(lead_words),
                *_rates(body_tokens[bi]),
                *top_counts,
                float(
                    (claim_counts[0] + claim_counts[1]) % 2 != (top_counts[0] + top_counts[1]) % 2
                ),
                len(re.findall(r"[“”\"]", texts.bodies[bi])) / max(hi - lo, 1),
                *(counts[kind] for kind in framing.CUE_KINDS),
                cues.score,
            ]
            if self.claim_view:
                second = sims[order[1]] if len(order) > 1 else sims[order[0]]
                values += claim_view(
                    claim_views[ci], [sentence_views[lo + k] for k in top], float(second)
                )
            out[row, : len(values)] = values
            if self.interactions:
                out[row, fixed:] = cvec * svecs[top].mean(axis=0)
        return out


@dataclass
class PassageSide:
    """What the featurizer reads from each passage, computed once per passage.

    A passage is both a body (all its sentences, up to :data:`MAX_SENTENCES`) and a claim
    (each of its first ``claim_sentences`` sentences read as a claim of its own). Sentences
    of passage ``j`` are rows ``ptr[j]:ptr[j + 1]`` of every per-sentence array.
    """

    texts: list[str]
    ptr: np.ndarray
    vectors: np.ndarray
    sent_tf: sparse.csr_matrix
    body_tf: sparse.csr_matrix
    lead_tf: sparse.csr_matrix
    lead_norm: np.ndarray
    mean_vec: np.ndarray
    mean_norm: np.ndarray
    sent_tokens: np.ndarray
    sent_lexicon: np.ndarray
    claim_words: list[set[str]]
    claim_bigrams: list[set[str]]
    claim_numbers: list[set[str]]
    claim_question: np.ndarray
    claim_counts: np.ndarray
    body_wordsets: list[set[str]]
    body_word_counts: list[Counter[str]]
    body_words_total: np.ndarray
    body_bigrams: list[set[str]]
    body_numbers: list[set[str]]
    body_fixed: np.ndarray
    """Per passage: log1p(sentences), lead rates (4), body rates (4)."""
    body_tail: np.ndarray
    """Per passage: quotes per sentence, cue counts, framing score."""
    views: list[SentenceView] | None = None
    """Per sentence, for the claim-level view (when the featurizer has one)."""


def concat_sides(parts: Sequence[PassageSide]) -> PassageSide:
    """One side over the passages of ``parts``, in order: what :func:`passage_side` gives
    for all their texts at once (every field is per passage or per sentence, so the parts
    are simply stacked; ``ptr`` is shifted by the sentences before each part)."""
    if not parts:
        raise ValueError("concat_sides needs at least one part")
    if len(parts) == 1:
        return parts[0]
    joined: dict[str, object] = {}
    for spec in fields(PassageSide):
        values = [getattr(part, spec.name) for part in parts]
        if spec.name == "ptr":
            starts = np.cumsum([0] + [int(v[-1]) for v in values[:-1]])
            joined["ptr"] = np.concatenate(
                [v[:-1] + start for v, start in zip(values, starts, strict=True)]
                + [np.array([int(starts[-1] + values[-1][-1])], dtype=np.int64)]
            ).astype(np.int64)
        elif any(v is None for v in values):
            joined[spec.name] = None
        elif isinstance(values[0], list):
            joined[spec.name] = [x for v in values for x in v]
        elif sparse.issparse(values[0]):
            joined[spec.name] = sparse.vstack(values, format="csr")
        else:
            joined[spec.name] = np.concatenate(values)
    return PassageSide(**joined)


def passage_side(
    featurizer: StanceFeaturizer,
    texts: Sequence[str],
    sentence_vectors: np.ndarray,
    ptr: np.ndarray,
    framings: Sequence[framing.Framing],
) -> PassageSide:
    """Read every passage once (sentences from :func:`body_sentences`, their vectors in
    ``sentence_vectors`` at rows ``ptr[j]:ptr[j + 1]``; ``framings`` the passages' cues)."""
    texts = list(texts)
    sentences = [s for text in texts for s in body_sentences(text)]
    tfidf = featurizer.tfidf_
    sent_tf = tfidf.transform(sentences)
    body_tf = tfidf.transform(texts)
    n = len(texts)
    lead_rows = []
    lead_norm = np.ones(n)
    dim = sentence_vectors.shape[1]
    mean_vec = np.zeros((n, dim), dtype=np.float32)
    mean_norm = np.ones(n)
    for j in range(n):
        lo, hi = int(ptr[j]), int(ptr[j + 1])
        lead = sent_tf[lo : min(hi, lo + 2)].sum(axis=0)
        lead_norm[j] = float(np.linalg.norm(lead)) or 1.0
        lead_rows.append(sparse.csr_matrix(lead, dtype=np.float32))
        mean_vec[j] = sentence_vectors[lo:hi].mean(axis=0)
        mean_norm[j] = float(np.linalg.norm(mean_vec[j])) or 1.0
    lead_tf = sparse.vstack(lead_rows, format="csr") if lead_rows else sent_tf[:0]
    sent_token_lists = [tokens(x) for x in sentences]
    sent_tokens = np.array([len(t) for t in sent_token_lists], dtype=np.int64)
    sent_lexicon = np.array([_counts(t) for t in sent_token_lists], dtype=np.float64).reshape(
        -1, len(_LEXICONS)
    )
    claim_words = []
    claim_bigrams = []
    claim_numbers = []
    claim_question = np.zeros(len(sentences))
    for k, x in enumerate(sentences):
        words = content_tokens(x)
        claim_words.append(set(words))
        claim_bigrams.append(set(ngrams(words, 2)))
        claim_numbers.append(set(specifics.match_keys(x, _NUMBER_KINDS)))
        claim_question[k] = float("?" in x)
    body_wordsets, body_word_counts, body_bigrams, body_numbers = [], [], [], []
    body_words_total = np.zeros(n, dtype=np.int64)
    fixed = np.zeros((n, 9))
    tail = np.zeros((n, 2 + len(framing.CUE_KINDS)))
    for j, text in enumerate(texts):
        lo, hi = int(ptr[j]), int(ptr[j + 1])
        words = content_tokens(text)
        body_wordsets.append(set(words))
        body_word_counts.append(Counter(words))
        body_words_total[j] = len(words)
        body_bigrams.append(set(ngrams(words, 2)))
        body_numbers.append(set(specifics.match_keys(text, _NUMBER_KINDS)))
        lead_words = [w for k in range(lo, min(hi, lo + 3)) for w in sent_token_lists[k]]
        fixed[j] = [math.log1p(hi - lo), *_rates(lead_words), *_rates(tokens(text))]
        counts = framing.cue_counts(framings[j].cues)
        tail[j] = [
            len(re.findall(r"[“”\"]", text)) / max(hi - lo, 1),
            *(counts[kind] for kind in framing.CUE_KINDS),
            framings[j].score,
        ]
    return PassageSide(
        texts=texts,
        ptr=np.asarray(ptr, dtype=np.int64),
        vectors=np.asarray(sentence_vectors, dtype=np.float32),
        sent_tf=sent_tf,
        body_tf=body_tf,
        lead_tf=lead_tf,
        lead_norm=lead_norm,
        mean_vec=mean_vec,
        mean_norm=mean_norm,
        sent_tokens=sent_tokens,
        sent_lexicon=sent_lexicon,
        claim_words=claim_words,
        claim_bigrams=claim_bigrams,
        claim_numbers=claim_numbers,
        claim_question=claim_question,
        claim_counts=sent_lexicon,
        body_wordsets=body_wordsets,
        body_word_counts=body_word_counts,
        body_words_total=body_words_total,
        body_bigrams=body_bigrams,
        body_numbers=body_numbers,
        body_fixed=fixed,
        body_tail=tail,
        views=[sentence_view(x) for x in sentences] if featurizer.claim_view else None,
    )


def transform_sides(
    featurizer: StanceFeaturizer, side: PassageSide, claim_rows: np.ndarray, bodies: np.ndarray
) -> np.ndarray:
    """Rows of :meth:`StanceFeaturizer.transform` from per-passage features: sentence
    ``claim_rows[k]`` (a row of ``side``'s sentences) read as a claim against passage
    ``bodies[k]``. Equal to the per-pair path (same arithmetic, batched)."""
    n = len(claim_rows)
    dim = side.vectors.shape[1]
    fixed_width = len(featurizer.fixed_names)
    width = fixed_width + (dim if featurizer.interactions else 0)
    out = np.zeros((n, width), dtype=np.float32)
    if n == 0:
        return out
    claim_rows = np.asarray(claim_rows, dtype=np.int64)
    bodies = np.asarray(bodies, dtype=np.int64)
    ctf = side.sent_tf[claim_rows]
    tf_body = np.asarray(ctf.multiply(side.body_tf[bodies]).sum(axis=1), dtype=np.float32).ravel()
    tf_lead = np.asarray(ctf.multiply(side.lead_tf[bodies]).sum(axis=1), dtype=np.float32).ravel()
    lo = side.ptr[bodies]
    hi = side.ptr[bodies + 1]
    counts = hi - lo
    width_s = int(counts.max())
    # every (row, body sentence) pair, padded to the longest body of the batch
    offsets = np.arange(width_s)
    valid = offsets[None, :] < counts[:, None]
    sent_index = np.where(valid, lo[:, None] + offsets[None, :], 0)
    flat_rows = np.repeat(np.arange(n), counts)
    flat_sents = sent_index[valid]
    cvecs = side.vectors[claim_rows]
    flat_sims = np.einsum("ij,ij->i", side.vectors[flat_sents], cvecs[flat_rows])
    flat_tf = np.asarray(
        side.sent_tf[flat_sents].multiply(ctf[flat_rows]).sum(axis=1), dtype=np.float32
    ).ravel()
    sims = np.full((n, width_s), -np.inf, dtype=np.float32)
    sims[valid] = flat_sims
    tfs = np.full((n, width_s), -np.inf, dtype=np.float32)
    tfs[valid] = flat_tf
    order = np.argsort(-sims, axis=1, kind="stable")
    top_k = np.minimum(counts, TOP_SENTENCES)
    ascending = np.sort(np.where(valid, sims, np.inf), axis=1)
    mid_lo = ascending[np.arange(n), (counts - 1) // 2]
    mid_hi = ascending[np.arange(n), counts // 2]
    median = (mid_lo + mid_hi) / np.float32(2)
    best = sims[np.arange(n), order[:, 0]]
    top_vec = np.zeros((n, dim), dtype=np.float32)
    top_sim = np.zeros(n, dtype=np.float32)
    top_tokens = np.zeros(n, dtype=np.int64)
    top_lex = np.zeros((n, len(_LEXICONS)))
    for t in range(min(TOP_SENTENCES, width_s)):
        has = t < top_k
        rows_t = np.flatnonzero(has)
        sent_t = lo[rows_t] + order[rows_t, t]
        top_vec[rows_t] += side.vectors[sent_t]
        top_sim[rows_t] += sims[rows_t, order[rows_t, t]]
        top_tokens[rows_t] += side.sent_tokens[sent_t]
        top_lex[rows_t] += side.sent_lexicon[sent_t]
    top_vec /= top_k[:, None].astype(np.float32)
    top_sim /= top_k.astype(np.float32)
    emb_mean = np.einsum("ij,ij->i", side.mean_vec[bodies], cvecs) / side.mean_norm[bodies]
    top_rates = top_lex / np.maximum(top_tokens, 1)[:, None] * 10
    claim_counts = side.claim_counts[claim_rows]
    tf_best = tfs.max(axis=1)
    for k in range(n):
        ci = int(claim_rows[k])
        bi = int(bodies[k])
        cws = side.claim_words[ci]
        bigrams = side.claim_bigrams[ci]
        numbers = side.claim_numbers[ci]
        found = side.body_numbers[bi]
        word_counts = side.body_word_counts[bi]
        out[k, 3] = len(cws & side.body_wordsets[bi]) / max(len(cws), 1)
        out[k, 4] = len(bigrams & side.body_bigrams[bi]) / max(len(bigrams), 1)
        out[k, 5] = float(sum(word_counts[w] for w in cws if w in word_counts)) / max(
            int(side.body_words_total[bi]), 1
        )
        out[k, 11] = len(numbers & found) / max(len(numbers), 1) if numbers else -1.0
        out[k, 12] = len(numbers - found) / max(len(numbers), 1) if numbers else -1.0
    out[:, 0] = tf_body
    out[:, 1] = tf_best
    out[:, 2] = tf_lead / side.lead_norm[bodies]
    out[:, 6] = emb_mean
    out[:, 7] = best
    out[:, 8] = top_sim
    out[:, 9] = sims[:, 0]
    out[:, 10] = best - median
    out[:, 13] = side.claim_question[claim_rows]
    out[:, 14] = side.sent_tokens[claim_rows]
    fixed = side.body_fixed[bodies]
    out[:, 15] = fixed[:, 0]
    out[:, 16:20] = claim_counts
    out[:, 20:24] = top_rates
    out[:, 24:28] = fixed[:, 1:5]
    out[:, 28:32] = fixed[:, 5:9]
    out[:, 32:36] = top_lex
    out[:, 36] = (claim_counts[:, 0] + claim_counts[:, 1]) % 2 != (
        top_lex[:, 0] + top_lex[:, 1]
    ) % 2
    tail = side.body_tail[bodies]
    out[:, 37 : 37 + tail.shape[1]] = tail
    if featurizer.claim_view and side.views is not None:
        start = len(FEATURE_NAMES)
        for k in range(n):
            top = [side.views[int(lo[k] + order[k, t])] for t in range(int(top_k[k]))]
            second = sims[k, order[k, 1]] if counts[k] > 1 else best[k]
            out[k, start:fixed_width] = claim_view(
                side.views[int(claim_rows[k])], top, float(second)
            )
    if featurizer.interactions:
        out[:, fixed_width:] = cvecs * top_vec
    return out


class StanceModel:
    """Featurizer plus a bag of tree ensembles: P(agree, disagree, discuss, unrelated).

    The training bodies are split into ``folds`` groups; member ``k`` is fitted on every
    group but ``k``. Averaging the members predicts new pairs, and member ``k`` alone gives
    the out-of-fold predictions for group ``k``, which the relation head is trained on. So
    one bag costs about ``folds - 1`` full fits and still uses all the data.

    Args:
        featurizer: turns pairs into features.
        tree_params: parameters of each :class:`workbench.suggest.trees.TreeEnsemble`.
        folds: members of the bag (at least 2).
        seed: how bodies are dealt into folds.
    """

    def __init__(
        self,
        featurizer: StanceFeaturizer | None = None,
        tree_params: dict | None = None,
        folds: int = 2,
        seed: int = 0,
    ) -> None:
        self.featurizer = featurizer
        self.tree_params = tree_params
        self.folds = folds
        self.seed = seed

    def fit(
        self,
        X: np.ndarray,
        y: Sequence[str],
        groups: Sequence[str],
        progress: object = None,
    ) -> StanceModel:
        """Fit the members; ``groups`` (Body IDs) never straddle folds."""
        from workbench.suggest.trees import TreeEnsemble

        y = np.asarray(y)
        unique = sorted(set(groups))
        if self.folds < 2 or len(unique) < self.folds:
            raise ValueError(f"need at least 2 folds and as many groups, got {self.folds}")
        rng = np.random.default_rng(self.seed)
        fold_of = dict(zip(unique, rng.permutation(len(unique)) % self.folds, strict=True))
        self.fold_ = np.array([fold_of[g] for g in groups])
        self.members_ = []
        self.oof_ = np.zeros((len(y), len(STANCES)))
        for k in range(self.folds):
            member = TreeEnsemble(**(self.tree_params or {}))
            member.fit(X[self.fold_ != k], y[self.fold_ != k])
            self.members_.append(member)
            self.oof_[self.fold_ == k] = _ordered(member, X[self.fold_ == k])
            if progress is not None:
                progress.advance()
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Columns in :data:`STANCES` order: the members' average."""
        return np.mean([_ordered(m, X) for m in self.members_], axis=0)


def _ordered(member: object, X: np.ndarray) -> np.ndarray:
    proba = member.predict_proba(X)
    order = [list(member.classes_).index(s) for s in STANCES]
    return proba[:, order]
