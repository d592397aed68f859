"""Train the relation head on FNC-1 and ECB+ and measure it against the shipped one.

``make train-relation-head`` runs this module. The stance model of the shipped relation
model is kept as it is (it takes about 25 minutes to fit); only the head, a logistic
regression over :data:`workbench.suggest.relation.PAIR_FEATURES`, is refitted, on:

- **FNC-1**: the 20 % Body-ID hold-out of the training set (seed 0) that the shipped stance
  model never saw, so the stance probabilities the head learns from are like those it
  meets on new text. Labels as before: agree -> corroborates, disagree -> contradicts,
  discuss -> related (``disputes_framing`` where the body's framing cues dispute),
  unrelated -> unrelated.
- **ECB+** (``train`` split): sentence pairs from two documents of one topic. Sharing a
  gold event instance means two sources report the same fact: ``corroborates`` when both
  writers assert it, ``related`` when either relays it to a named source, hedges or
  denies it. Same story (subtopic) without a shared event: ``related``. The topic's other
  story (another event of the same kind, e.g. another earthquake): ``unrelated``.

FNC-1 never shows two reports agreeing with each other (an "agree" body agrees with a
headline), so a head trained on it alone calls most same-fact pairs "related"; ECB+ shows
what such pairs look like.

Measured, each on rows the head being measured did not learn from, the shipped head beside
it: the FNC-1 hold-out cross-fitted in two folds by Body ID and in two folds by topic
(connected headline/body components), and ECB+ ``dev`` topics (never trained on). Stance
probabilities and features are computed once and cached (``--cache``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from workbench.suggest.relation import (
    PAIR_FEATURES,
    PairEvidence,
    RelationHead,
    RelationModel,
    not_independent,
    relaying_sides,
)

KINDS = ("same_event", "same_story", "other_event")
"""How two ECB+ sentences of one topic relate: what the mapping to relations starts from."""
ECB_RELATION = {"same_event": "corroborates", "same_story": "related", "other_event": "unrelated"}


@dataclass(frozen=True)
class EcbPair:
    """Two sentences of different documents of one ECB+ topic."""

    a: str
    b: str
    kind: str
    topic: int


def ecb_pairs(
    sentences_file: Path, split: str, per_kind: int | None = None, seed: int = 0
) -> list[EcbPair]:
    """Pairs of sentences from different documents of each topic of ``split``.

    ``per_kind`` caps the pairs of each kind (:data:`KINDS`), sampled evenly at random;
    None keeps every pair.
    """
    rows = []
    for line in Path(sentences_file).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row["split"] == split:
                rows.append(row)
    by_topic: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_topic.setdefault(row["topic"], []).append(row)
    found: dict[str, list[EcbPair]] = {k: [] for k in KINDS}
    for topic, members in sorted(by_topic.items()):
        for i, x in enumerate(members):
            for y in members[i + 1 :]:
                if x["doc"] == y["doc"]:
                    continue
                if set(x["event_instances"]) & set(y["event_instances"]):
                    kind = "same_event"
                elif x["subtopic"] == y["subtopic"]:
                    kind = "same_story"
                else:
                    kind = "other_event"
                found[kind].append(EcbPair(x["text"], y["text"], kind, int(topic)))
    rng = np.random.default_rng(seed)
    out: list[EcbPair] = []
    for kind in KINDS:
        pairs = found[kind]
        if per_kind is not None and len(pairs) > per_kind:
            pairs = [pairs[i] for i in sorted(rng.choice(len(pairs), per_kind, replace=False))]
        out.extend(pairs)
    return out


def ecb_label(kind: str, evidence: PairEvidence) -> str:
    """The relation of an ECB+ pair: a shared event is corroboration only when both writers
    assert it (neither relays it to a named source, hedges nor denies it)."""
    relation = ECB_RELATION[kind]
    if relation == "corroborates":
        for stance, k in (
            (evidence.writer_a, evidence.claim_a),
            (evidence.writer_b, evidence.claim_b),
        ):
            if stance is not None and stance.at(k).stance != "asserts":
                return "related"
    return relation


def topic_groups(
    headlines: Sequence[str], body_ids: Sequence[int], stances: Sequence[str]
) -> np.ndarray:
    """A topic number per FNC-1 row: the connected parts of the graph joining each headline
    to the bodies it is related to (any stance but unrelated)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for h, b, s in zip(headlines, body_ids, stances, strict=True):
        find(f"h:{h}")
        if s != "unrelated":
            parent[find(f"h:{h}")] = find(f"b:{b}")
    roots = {r: i for i, r in enumerate(dict.fromkeys(find(f"h:{h}") for h in headlines))}
    return np.array([roots[find(f"h:{h}")] for h in headlines])


def fold_of(groups: np.ndarray, folds: int, seed: int = 0) -> np.ndarray:
    """A fold number per row such that each group falls in one fold."""
    unique = np.unique(groups)
    order = np.random.default_rng(seed).permutation(len(unique))
    fold = {g: int(i % folds) for g, i in zip(unique, order, strict=True)}
    return np.array([fold[g] for g in groups])


def fit_head(
    X: np.ndarray, y: Sequence[str], sample_weight: np.ndarray | None = None, C: float = 1.0
) -> RelationHead:
    """A relation head fitted on the rows ``X`` (:data:`PAIR_FEATURES`) labelled ``y``."""
    return RelationHead(C=C).fit(np.asarray(X), list(y), sample_weight=sample_weight)


def judged(head: RelationHead, X: np.ndarray, relays: np.ndarray) -> list[str]:
    """The relation suggested for each row of ``X``, with the rule that a pair where a side
    relays a named source does not corroborate (what
    :meth:`workbench.suggest.relation.RelationModel.judge` suggests)."""
    proba = head.predict_proba(X)
    out = []
    for p, relayed in zip(proba, relays, strict=True):
        if relayed:
            p = not_independent(p, head.classes_)
        out.append(str(head.classes_[int(p.argmax())]))
    return out


def corroboration_scores(kinds: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Precision and recall of ``corroborates`` for finding ECB+ same-event pairs."""
    gold = np.array([k == "same_event" for k in kinds])
    said = np.array([p == "corroborates" for p in predicted])
    tp = int((gold & said).sum())
    precision = tp / max(int(said.sum()), 1)
    recall = tp / max(int(gold.sum()), 1)
    f1 = 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "same_event_pairs": int(gold.sum()),
        "suggested_corroborates": int(said.sum()),
    }


def relation_table(kinds: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, int]]:
    """How the pairs of each ECB+ kind were suggested."""
    out: dict[str, dict[str, int]] = {k: {} for k in KINDS}
    for k, p in zip(kinds, predicted, strict=True):
        out[k][p] = out[k].get(p, 0) + 1
    return out


# -- the cached features -------------------------------------------------------------------


def _encoder() -> Callable[[list[str]], np.ndarray]:
    from workbench.config import Settings
    from workbench.embed.embedder import embed_texts, load_embedder, open_cache

    settings = Settings()
    embedder = load_embedder(settings)
    cache = open_cache(settings, embedder)
    return lambda texts: embed_texts(texts, embedder, cache).vectors


def fnc_rows(
    model: RelationModel,
    bodies: Path,
    stances: Path,
    encode: Callable[[list[str]], np.ndarray],
    holdout: float = 0.2,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Head features, relation labels, gold stances, Body IDs and topics of the FNC-1
    hold-out rows the shipped stance model did not see."""
    from workbench.evaluation.fnc import (
        featurize,
        head_rows,
        load_fnc,
        relation_labels,
        split_by_body,
    )

    data = load_fnc(bodies, stances)
    _, test = split_by_body(data, holdout, seed)
    data = data.subset(test)
    prepared = featurize(data, model.stance.featurizer, encode)
    proba = model.stance.predict_proba(prepared.X)
    return {
        "X": head_rows(prepared, proba),
        "y": np.array(relation_labels(prepared)),
        "gold": np.array(data.stances),
        "body": np.array(data.body_ids),
        "topic": topic_groups(data.headlines, data.body_ids, data.stances),
    }


def ecb_rows(
    model: RelationModel, pairs: Sequence[EcbPair], encode: Callable[[list[str]], np.ndarray]
) -> dict[str, np.ndarray]:
    """Head features (read both ways, as for passages), labels, kinds and topics of ECB+
    pairs, and whether a side relays a named source."""
    found = model.evidence([p.a for p in pairs], [p.b for p in pairs], encode)
    return {
        "X": np.vstack([e.features for e in found]),
        "y": np.array([ecb_label(p.kind, e) for p, e in zip(pairs, found, strict=True)]),
        "kind": np.array([p.kind for p in pairs]),
        "topic": np.array([p.topic for p in pairs]),
        "relays": np.array([bool(relaying_sides(e)) for e in found]),
    }


def cached_rows(
    args: argparse.Namespace, shipped: RelationModel
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """FNC-1 and ECB+ rows, from ``args.cache`` when it was made with the same settings
    and features (computing them takes most of a run)."""
    key = json.dumps(
        {
            "features": list(PAIR_FEATURES),
            "stance_model": shipped.card.get("id"),
            "per_kind": args.per_kind,
            "dev_per_kind": args.dev_per_kind,
            "seed": args.seed,
            "fnc": str(args.fnc_stances),
            "ecb": str(args.ecb),
        }
    )
    parts = ("fnc", "ecb_train", "ecb_dev")
    if args.cache is not None and args.cache.exists():
        with open(args.cache, "rb") as f:
            arrays = dict(np.load(f, allow_pickle=False))
        if str(arrays.get("key")) == key:
            return tuple(  # type: ignore[return-value]
                {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(f"{part}/")}
                for part in parts
            )
    started = time.perf_counter()
    encode = _encoder()
    fnc = fnc_rows(shipped, args.fnc_bodies, args.fnc_stances, encode)
    print(
        f"FNC-1 hold-out rows: {len(fnc['y'])} ({time.perf_counter() - started:.0f} s)", flush=True
    )
    train_pairs = ecb_pairs(args.ecb, "train", args.per_kind, args.seed)
    dev_pairs = ecb_pairs(args.ecb, "dev", args.dev_per_kind, args.seed)
    ecb_train = ecb_rows(shipped, train_pairs, encode)
    ecb_dev = ecb_rows(shipped, dev_pairs, encode)
    print(
        f"ECB+ pairs: {len(train_pairs)} train, {len(dev_pairs)} dev "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    if args.cache is not None:
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        arrays = {"key": np.array(key)}
        for part, rows in zip(parts, (fnc, ecb_train, ecb_dev), strict=True):
            arrays.update({f"{part}/{k}": v for k, v in rows.items()})
        with open(args.cache, "wb") as f:
            np.savez_compressed(f, **arrays)
    return fnc, ecb_train, ecb_dev


# -- the command ---------------------------------------------------------------------------


def _stance_of(relations: Sequence[str]) -> list[str]:
    from workbench.suggest.relation import RELATION_TO_STANCE

    return [RELATION_TO_STANCE[str(r)] for r in relations]


def _scores(gold: Sequence[str], relations: Sequence[str]) -> dict[str, Any]:
    from workbench.evaluation.fnc import stance_scores

    s = stance_scores(list(gold), _stance_of(relations))
    return {
        "fnc_score": round(s.relative_score, 2),
        "macro_f1": round(s.macro_f1, 4),
        "f1": {k: round(v, 4) for k, v in s.f1.items()},
        "pairs": s.pairs,
    }


def _row(name: str, s: dict[str, Any]) -> str:
    f1 = s["f1"]
    return f"  {name:30s} {s['fnc_score']:6.2f} {s['macro_f1']:8.3f} " + " ".join(
        f"{f1[k]:9.3f}" for k in ("agree", "disagree", "discuss", "unrelated")
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.suggest.train_head")
    parser.add_argument("--fnc-bodies", type=Path, required=True)
    parser.add_argument("--fnc-stances", type=Path, required=True)
    parser.add_argument("--ecb", type=Path, required=True, help="ECB+ sentences.jsonl")
    parser.add_argument("--per-kind", type=int, default=2000, help="ECB+ train pairs per kind")
    parser.add_argument("--dev-per-kind", type=int, default=1000, help="ECB+ dev pairs per kind")
    parser.add_argument("--ecb-weight", type=float, default=1.0, help="weight of ECB+ rows")
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("data/relation-head-cache.npz"))
    parser.add_argument("--out", type=Path, default=None, help="save the new model here")
    parser.add_argument(
        "--base",
        type=Path,
        default=None,
        help="relation model whose stance model and head to start from (default: shipped)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    shipped = RelationModel.load(args.base)
    fnc, ecb_train, ecb_dev = cached_rows(args, shipped)
    return report_and_save(args, shipped, fnc, ecb_train, ecb_dev, started)


def report_and_save(
    args: argparse.Namespace,
    shipped: RelationModel,
    fnc: dict[str, np.ndarray],
    ecb_train: dict[str, np.ndarray],
    ecb_dev: dict[str, np.ndarray],
    started: float,
) -> int:
    """Cross-fit and print the hold-out figures beside the shipped head; fit on all, save."""
    w_ecb = np.full(len(ecb_train["y"]), args.ecb_weight)
    figures: dict[str, Any] = {}
    header = f"  {'head':30s} {'FNC %':>6s} {'macro-F1':>8s} " + " ".join(
        f"{s:>9s}" for s in ("agree", "disagree", "discuss", "unrelated")
    )
    for split, groups in (("body_ids", fnc["body"]), ("unseen_topics", fnc["topic"])):
        folds = fold_of(groups, 2, args.seed)
        new = np.empty(len(folds), dtype=object)
        fnc_only = np.empty(len(folds), dtype=object)
        for f in range(2):
            tr, te = folds != f, folds == f
            X = np.vstack([fnc["X"][tr], ecb_train["X"]])
            y = [*fnc["y"][tr], *ecb_train["y"]]
            w = np.concatenate([np.ones(int(tr.sum())), w_ecb])
            new[te] = fit_head(X, y, w, args.C).predict(fnc["X"][te])
            fnc_only[te] = fit_head(fnc["X"][tr], fnc["y"][tr], C=args.C).predict(fnc["X"][te])
        old = shipped.head.predict(fnc["X"])
        figures[split] = {
            "new head (FNC-1 + ECB+)": _scores(fnc["gold"], new),
            "new features, FNC-1 only": _scores(fnc["gold"], fnc_only),
            "shipped head": _scores(fnc["gold"], old),
        }
        print(f"FNC-1 hold-out, 2 folds by {split} ({len(folds)} pairs):")
        print(header)
        for name, s in figures[split].items():
            print(_row(name, s))
    X_all = np.vstack([fnc["X"], ecb_train["X"]])
    y_all = [*fnc["y"], *ecb_train["y"]]
    w_all = np.concatenate([np.ones(len(fnc["y"])), w_ecb])
    head = fit_head(X_all, y_all, w_all, args.C)
    fnc_only_head = fit_head(fnc["X"], fnc["y"], C=args.C)
    print(f"ECB+ dev topics ({len(ecb_dev['y'])} pairs): corroborates for same-event pairs")
    ecb_figures: dict[str, Any] = {}
    for name, h in (
        ("new head (FNC-1 + ECB+)", head),
        ("new features, FNC-1 only", fnc_only_head),
        ("shipped head", shipped.head),
    ):
        predicted = judged(h, ecb_dev["X"], ecb_dev["relays"])
        scores = corroboration_scores(ecb_dev["kind"], predicted)
        table = relation_table(ecb_dev["kind"], predicted)
        labelled = float(np.mean(np.array(predicted) == ecb_dev["y"]))
        ecb_figures[name] = {
            **scores,
            "accuracy_vs_mapped_labels": round(labelled, 4),
            "by_kind": table,
        }
        print(
            f"  {name:30s} P {scores['precision']:.3f} R {scores['recall']:.3f} "
            f"F1 {scores['f1']:.3f}  accuracy vs mapped labels {labelled:.3f}"
        )
        for kind in KINDS:
            print(
                f"    {kind:12s} " + ", ".join(f"{k} {v}" for k, v in sorted(table[kind].items()))
            )
    figures["ecb_dev"] = ecb_figures
    if args.out is not None:
        counts = {r: y_all.count(r) for r in dict.fromkeys(y_all)}
        card = {
            **{k: v for k, v in shipped.card.items() if k not in ("format", "saved_at")},
            "id": f"relation-fnc1-ecb-{datetime.now(UTC).strftime('%Y%m%d')}",
            "stance_model": shipped.card.get("id"),
            "head_trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "head_data": (
                "FNC-1 train_stances.csv, the 20% Body-ID hold-out (seed 0) the stance model "
                f"did not see ({len(fnc['y'])} pairs), plus ECB+ train topics "
                f"({len(ecb_train['y'])} sentence pairs, at most {args.per_kind} per kind)"
            ),
            "head_label_counts": counts,
            "head_C": args.C,
            "ecb_weight": args.ecb_weight,
            "held_out": figures,
        }
        RelationModel(shipped.stance, head, card).save(args.out)
        print(f"model saved to {args.out}")
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
