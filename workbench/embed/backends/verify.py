"""Does a fast backend find the same neighbours as the torch reference?

The check that matters to an analyst is not whether two vectors are close in some norm but
whether alignment would pick the same counterpart. So a backend is compared with the
reference on a probe set of texts from several documents: for each text, its nearest text
from another document under each backend; the share of texts where the two agree is the
backend's *top-1 cross-document neighbour agreement*. The benchmark reports the same figure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import resources

import numpy as np

MIN_AGREEMENT = 0.99
"""A backend whose agreement on the probe set is below this is not used."""


@dataclass(frozen=True)
class ProbeSet:
    """Texts and the document (group) each belongs to."""

    texts: list[str]
    groups: np.ndarray

    @property
    def digest(self) -> str:
        data = json.dumps([self.texts, self.groups.tolist()], ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()[:16]


def load_probe_set() -> ProbeSet:
    """The shipped probe set: passages and sentences of the bundled corpus, deduplicated."""
    raw = json.loads(resources.files("workbench").joinpath("data/probe.json").read_text("utf-8"))
    return ProbeSet(list(raw["texts"]), np.asarray(raw["groups"], dtype=np.int64))


def nearest_other_group(vectors: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """For each row, the index of its most similar row in another group (-1 if none)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    groups = np.asarray(groups)
    out = np.full(len(vectors), -1, dtype=np.int64)
    for lo in range(0, len(vectors), 1024):
        sims = vectors[lo : lo + 1024] @ vectors.T
        sims[groups[lo : lo + 1024, None] == groups[None, :]] = -np.inf
        best = sims.argmax(axis=1)
        found = np.isfinite(sims[np.arange(len(sims)), best])
        out[lo : lo + 1024] = np.where(found, best, -1)
    return out


def neighbour_agreement(reference: np.ndarray, candidate: np.ndarray, groups: np.ndarray) -> float:
    """Share of rows whose nearest other-group row is the same under both sets of vectors."""
    if len(reference) != len(candidate):
        raise ValueError("reference and candidate must have one vector per text")
    if not len(reference):
        return 1.0
    ref = nearest_other_group(reference, groups)
    cand = nearest_other_group(candidate, groups)
    return float(np.mean(ref == cand))


@dataclass(frozen=True)
class Verification:
    """The outcome of checking one backend against the reference, kept as JSON."""

    backend: str
    model_id: str
    fingerprint: str
    probe: str
    texts: int
    agreement: float
    min_cosine: float
    passed: bool
    reason: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Verification:
        return cls(**json.loads(text))


def verify(
    reference: Callable[[Sequence[str]], np.ndarray],
    candidate: Callable[[Sequence[str]], np.ndarray],
    probe: ProbeSet,
    *,
    backend: str,
    model_id: str,
    fingerprint: str,
    min_agreement: float = MIN_AGREEMENT,
) -> Verification:
    """Embed the probe set with both encoders and compare their neighbours."""
    ref = np.asarray(reference(probe.texts), dtype=np.float32)
    cand = np.asarray(candidate(probe.texts), dtype=np.float32)
    agreement = neighbour_agreement(ref, cand, probe.groups)
    cosine = float(np.min(np.einsum("ij,ij->i", ref, cand))) if len(ref) else 1.0
    passed = agreement >= min_agreement
    reason = (
        ""
        if passed
        else (f"top-1 neighbour agreement with torch {agreement:.1%} is below {min_agreement:.0%}")
    )
    return Verification(
        backend,
        model_id,
        fingerprint,
        probe.digest,
        len(probe.texts),
        round(agreement, 4),
        round(cosine, 6),
        passed,
        reason,
    )
