"""Small text tools shared by the stance model: tokens, a TF-IDF that saves as plain arrays.

scikit-learn's ``TfidfVectorizer`` would have to be pickled to be saved; this one keeps its
vocabulary as a list of strings and its idf as an array, so a model using it loads from JSON
and ``.npz`` and transforms text with numpy and scipy only.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
STOP_WORDS = _wordset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves s t don now also said says say"""
)


def tokens(text: str) -> list[str]:
    """Lowercased word tokens, apostrophes kept inside words ("isn't")."""
    return [t.replace("’", "'") for t in _TOKEN.findall(text.lower())]


def content_tokens(text: str) -> list[str]:
    """Tokens without stop words, with a crude plural strip so "camps" meets "camp"."""
    out = []
    for token in tokens(text):
        if token in STOP_WORDS or len(token) < 2:
            continue
        if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        out.append(token)
    return out


def ngrams(words: Sequence[str], n: int) -> list[str]:
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


def _terms(text: str) -> list[str]:
    words = content_tokens(text)
    return words + ngrams(words, 2)


class Tfidf:
    """Sublinear TF-IDF over content words and word bigrams, L2-normalised rows.

    Args:
        max_features: keep this many terms, the most frequent across documents.
        min_df: ignore terms found in fewer documents.
    """

    def __init__(self, max_features: int = 30000, min_df: int = 2) -> None:
        self.max_features = max_features
        self.min_df = min_df

    def fit(self, texts: Iterable[str]) -> Tfidf:
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            df.update(set(_terms(text)))
            n += 1
        kept = [t for t, c in df.most_common() if c >= self.min_df][: self.max_features]
        kept.sort()
        self.vocabulary_ = {t: i for i, t in enumerate(kept)}
        self.idf_ = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in kept], dtype=np.float32)
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        rows, cols, vals = [], [], []
        for row, text in enumerate(texts):
            counts = Counter(t for t in _terms(text) if t in self.vocabulary_)
            for term, count in counts.items():
                col = self.vocabulary_[term]
                rows.append(row)
                cols.append(col)
                vals.append((1 + math.log(count)) * self.idf_[col])
        matrix = sparse.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (rows, cols)),
            shape=(len(texts), len(self.vocabulary_)),
            dtype=np.float32,
        )
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix, dtype=np.float32)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        terms = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        return {f"{prefix}terms": np.array(terms, dtype=str), f"{prefix}idf": self.idf_}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> Tfidf:
        terms = [str(t) for t in arrays[f"{prefix}terms"]]
        out = cls(max_features=len(terms))
        out.vocabulary_ = {t: i for i, t in enumerate(terms)}
        out.idf_ = np.asarray(arrays[f"{prefix}idf"], dtype=np.float32)
        return out
