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

from workbench.suggest import writer
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
    to the bodies it is related to (any stance but unrelated); see
    :func:`workbench.evaluation.fnc.topic_components`."""
    from workbench.evaluation.fnc import StanceData, topic_components

    ids = [str(b) for b in body_ids]
    rows, _ = topic_components(
        StanceData(list(headlines), ids, list(stances), dict.fromkeys(ids, ""))
    )
    order = {g: i for i, g in enumerate(dict.fromkeys(rows.tolist()))}
    return np.array([order[g] for g in rows.tolist()])  # numbered as the headlines come


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


def corroboration_scores(
    kinds: Sequence[str], predicted: Sequence[str], gold: np.ndarray | None = None
) -> dict[str, float]:
    """Precision and recall of ``corroborates`` for finding ECB+ same-event pairs (or the
    pairs ``gold`` marks, such as those whose mapped label is corroborates: same event,
    both writers asserting)."""
    if gold is None:
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


def out_of_fold(model: RelationModel, X: np.ndarray, body_ids: Sequence[int]) -> np.ndarray:
    """The stance model's out-of-fold probabilities for the rows it was trained on.

    Member ``k`` of the stance bag was fitted on every fold of Body IDs but ``k``
    (:class:`workbench.suggest.stance.StanceModel`, folds dealt with its seed), so member
    ``k`` alone reads fold ``k`` as new text: the probabilities the shipped head was fitted
    on, recovered without refitting the trees.
    """
    from workbench.suggest.stance import _ordered

    stance = model.stance
    unique = sorted(set(body_ids))
    rng = np.random.default_rng(stance.seed)
    folds = len(stance.members_)
    fold_of = dict(zip(unique, rng.permutation(len(unique)) % folds, strict=True))
    fold = np.array([fold_of[b] for b in body_ids])
    out = np.zeros((len(body_ids), 4))
    for k, member in enumerate(stance.members_):
        if (fold == k).any():
            out[fold == k] = _ordered(member, X[fold == k])
    return out


def fnc_rows(
    model: RelationModel,
    bodies: Path,
    stances: Path,
    encode: Callable[[list[str]], np.ndarray],
    part: str,
    holdout: float = 0.2,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Head features, relation labels, gold stances, Body IDs and topics of FNC-1 rows.

    ``part`` "train": the rows the shipped stance model was trained on (all but a
    ``holdout`` of Body IDs), with its out-of-fold probabilities (:func:`out_of_fold`), as
    the shipped head saw them. ``part`` "holdout": the held-out rows, read by the whole
    stance model, as new text is.
    """
    from workbench.evaluation.fnc import (
        featurize,
        head_rows,
        load_fnc,
        relation_labels,
        split_by_body,
    )

    data = load_fnc(bodies, stances)
    train, test = split_by_body(data, holdout, seed)
    data = data.subset(train if part == "train" else test)
    prepared = featurize(data, model.stance.featurizer, encode)
    if part == "train":
        proba = out_of_fold(model, prepared.X, data.body_ids)
    else:
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
    texts = list(dict.fromkeys([p.a for p in pairs] + [p.b for p in pairs]))
    index = {t: i for i, t in enumerate(texts)}
    features = model.passage_features(texts, encode)
    a_idx = np.array([index[p.a] for p in pairs], dtype=np.int64)
    b_idx = np.array([index[p.b] for p in pairs], dtype=np.int64)
    found: list[PairEvidence] = []
    for lo in range(0, len(pairs), 512):
        found.extend(model.score(features, a_idx[lo : lo + 512], b_idx[lo : lo + 512])[1])
    return {
        "X": np.vstack([e.features for e in found]),
        "y": np.array([ecb_label(p.kind, e) for p, e in zip(pairs, found, strict=True)]),
        "kind": np.array([p.kind for p in pairs]),
        "topic": np.array([p.topic for p in pairs]),
        "relays": np.array([bool(relaying_sides(e)) for e in found]),
    }


def cached_rows(
    args: argparse.Namespace, shipped: RelationModel
) -> tuple[dict[str, np.ndarray], ...]:
    """FNC-1 (training and held-out) and ECB+ (train and dev) rows, from the files beside
    ``args.cache`` when made with the same settings and features (computing them takes most
    of a run)."""
    key = json.dumps(
        {
            "features": list(PAIR_FEATURES),
            "writer": writer.VERSION,
            "stance_model": shipped.card.get("stance_model", shipped.card.get("id")),
            "per_kind": args.per_kind,
            "dev_per_kind": args.dev_per_kind,
            "seed": args.seed,
            "fnc": str(args.fnc_stances),
            "ecb": str(args.ecb),
        }
    )
    encode: list[Callable[[list[str]], np.ndarray]] = []

    def encoder() -> Callable[[list[str]], np.ndarray]:
        if not encode:
            encode.append(_encoder())
        return encode[0]

    def part(name: str, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        path = None if args.cache is None else args.cache.with_name(f"{args.cache.stem}-{name}.npz")
        if path is not None and path.exists():
            with open(path, "rb") as f:
                arrays = dict(np.load(f, allow_pickle=False))
            if str(arrays.pop("key", "")) == key:
                return arrays
        started = time.perf_counter()
        rows = compute()
        print(f"{name}: {len(rows['y'])} rows ({time.perf_counter() - started:.0f} s)", flush=True)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as f:
                np.savez_compressed(f, key=np.array(key), **rows)
        return rows

    fnc = part(
        "fnc-train",
        lambda: fnc_rows(shipped, args.fnc_bodies, args.fnc_stances, encoder(), "train"),
    )
    fnc_test = part(
        "fnc-holdout",
        lambda: fnc_rows(shipped, args.fnc_bodies, args.fnc_stances, encoder(), "holdout"),
    )
    ecb_train = part(
        "ecb-train",
        lambda: ecb_rows(
            shipped, ecb_pairs(args.ecb, "train", args.per_kind, args.seed), encoder()
        ),
    )
    ecb_dev = part(
        "ecb-dev",
        lambda: ecb_rows(
            shipped, ecb_pairs(args.ecb, "dev", args.dev_per_kind, args.seed), encoder()
        ),
    )
    return fnc, fnc_test, ecb_train, ecb_dev


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
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path("data/relation-head.npz"),
        help="where the computed rows are kept (one file per part beside this name)",
    )
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
    fnc, fnc_test, ecb_train, ecb_dev = cached_rows(args, shipped)
    return report_and_save(args, shipped, fnc, fnc_test, ecb_train, ecb_dev, started)


SHIPPED_FEATURES = 21
"""The shipped head's features: the leading columns of the rows (before this issue's)."""


def report_and_save(
    args: argparse.Namespace,
    shipped: RelationModel,
    fnc: dict[str, np.ndarray],
    fnc_test: dict[str, np.ndarray],
    ecb_train: dict[str, np.ndarray],
    ecb_dev: dict[str, np.ndarray],
    started: float,
) -> int:
    """Print the held-out figures of three heads side by side, fit the new one on all its
    training rows and save it.

    The heads: the shipped one (``base``), the shipped recipe refitted (FNC-1 only, the
    shipped features; only where the shipped head itself cannot be measured), the new
    features on FNC-1 only, and the new head (new features, FNC-1 + ECB+). Held out: the
    FNC-1 Body-ID hold-out (no head saw it), FNC-1 unseen topics (two folds by topic over
    the training rows, each head refitted per fold) and ECB+ dev topics.
    """
    w_ecb = np.full(len(ecb_train["y"]), args.ecb_weight)
    old = np.arange(SHIPPED_FEATURES)

    def fit(
        fnc_rows: np.ndarray, with_ecb: bool, columns: np.ndarray | None = None
    ) -> RelationHead:
        X, y = fnc["X"][fnc_rows], list(fnc["y"][fnc_rows])
        w = np.ones(len(y))
        if with_ecb:
            X = np.vstack([X, ecb_train["X"]])
            y += list(ecb_train["y"])
            w = np.concatenate([w, w_ecb])
        if columns is not None:
            X = X[:, columns]
        return fit_head(X, y, w, args.C)

    every = np.ones(len(fnc["y"]), dtype=bool)
    head = fit(every, True)
    fnc_only = fit(every, False)
    recipe = fit(every, False, old)
    agree = float(
        np.mean(recipe.predict(fnc_test["X"][:, old]) == shipped.head.predict(fnc_test["X"]))
    )
    print(
        f"the shipped recipe refitted on these rows agrees with the shipped head on {agree:.1%} "
        "of the hold-out (the out-of-fold probabilities are recovered)"
    )
    figures: dict[str, Any] = {}
    header = f"  {'head':34s} {'FNC %':>6s} {'macro-F1':>8s} " + " ".join(
        f"{s:>9s}" for s in ("agree", "disagree", "discuss", "unrelated")
    )
    figures["body_ids"] = {
        "new head (FNC-1 + ECB+)": _scores(fnc_test["gold"], head.predict(fnc_test["X"])),
        "new features, FNC-1 only": _scores(fnc_test["gold"], fnc_only.predict(fnc_test["X"])),
        "shipped head": _scores(fnc_test["gold"], shipped.head.predict(fnc_test["X"])),
    }
    folds = fold_of(fnc["topic"], 2, args.seed)
    predicted: dict[str, np.ndarray] = {
        k: np.empty(len(folds), dtype=object) for k in ("new", "fnc_only", "recipe")
    }
    for f in range(2):
        tr, te = folds != f, folds == f
        predicted["new"][te] = fit(tr, True).predict(fnc["X"][te])
        predicted["fnc_only"][te] = fit(tr, False).predict(fnc["X"][te])
        predicted["recipe"][te] = fit(tr, False, old).predict(fnc["X"][te][:, old])
    figures["unseen_topics"] = {
        "new head (FNC-1 + ECB+)": _scores(fnc["gold"], predicted["new"]),
        "new features, FNC-1 only": _scores(fnc["gold"], predicted["fnc_only"]),
        "shipped recipe (refitted per fold)": _scores(fnc["gold"], predicted["recipe"]),
    }
    titles = {
        "body_ids": f"FNC-1 Body-ID hold-out, 20 %, seed 0 ({len(fnc_test['y'])} pairs)",
        "unseen_topics": (
            f"FNC-1 unseen topics: 2 folds by topic over the training rows ({len(folds)} pairs)"
        ),
    }
    for split, rows in figures.items():
        print(titles[split] + ":")
        print(header)
        for name, sc in rows.items():
            print(_row(name, sc))
    print(f"ECB+ dev topics ({len(ecb_dev['y'])} pairs): corroborates for same-event pairs")
    ecb_figures: dict[str, Any] = {}
    no_rule = np.zeros(len(ecb_dev["y"]), dtype=bool)
    for name, h, relays in (
        ("new head (FNC-1 + ECB+)", head, ecb_dev["relays"]),
        ("new features, FNC-1 only", fnc_only, ecb_dev["relays"]),
        ("shipped head", shipped.head, ecb_dev["relays"]),
        ("shipped head, no relay rule (main)", shipped.head, no_rule),
    ):
        said = judged(h, ecb_dev["X"], relays)
        scores = corroboration_scores(ecb_dev["kind"], said)
        table = relation_table(ecb_dev["kind"], said)
        labelled = float(np.mean(np.array(said) == ecb_dev["y"]))
        asserted = corroboration_scores(ecb_dev["kind"], said, ecb_dev["y"] == "corroborates")
        ecb_figures[name] = {
            **scores,
            "vs_both_asserting": asserted,
            "accuracy_vs_mapped_labels": round(labelled, 4),
            "by_kind": table,
        }
        print(
            f"  {name:34s} P {scores['precision']:.3f} R {scores['recall']:.3f} "
            f"F1 {scores['f1']:.3f}  accuracy vs mapped labels {labelled:.3f}"
        )
        print(
            f"  {'':34s} same event, both asserting ({asserted['same_event_pairs']} pairs): "
            f"P {asserted['precision']:.3f} R {asserted['recall']:.3f} F1 {asserted['f1']:.3f}"
        )
        for kind in KINDS:
            print(
                f"    {kind:12s} " + ", ".join(f"{k} {v}" for k, v in sorted(table[kind].items()))
            )
    figures["ecb_dev"] = ecb_figures
    if args.out is not None:
        y_all = [*fnc["y"], *ecb_train["y"]]
        counts = {r: y_all.count(r) for r in dict.fromkeys(y_all)}
        card = {
            **{k: v for k, v in shipped.card.items() if k not in ("format", "saved_at")},
            "id": f"relation-fnc1-ecb-{datetime.now(UTC).strftime('%Y%m%d')}",
            "stance_model": shipped.card.get("stance_model", shipped.card.get("id")),
            "head_trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "head_data": (
                "FNC-1 train_stances.csv minus a 20% Body-ID hold-out (seed 0), "
                f"{len(fnc['y'])} pairs with the stance model's out-of-fold probabilities, "
                f"plus ECB+ train topics ({len(ecb_train['y'])} sentence pairs, at most "
                f"{args.per_kind} per kind, weight {args.ecb_weight})"
            ),
            "head_label_counts": counts,
            "head_C": args.C,
            "held_out": figures,
        }
        RelationModel(shipped.stance, head, card).save(args.out)
        print(f"model saved to {args.out}")
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
