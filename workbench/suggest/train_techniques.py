"""Train the persuasion-technique detector on PTC-format data and write its npz and model card.

    python -m workbench.suggest.train_techniques \\
        --articles ../shared/data/ptc-train/articles --labels ../shared/data/ptc-train/labels

embeds every sentence with the workbench's embedding model (through the vector cache, so a
re-run embeds nothing), measures the detector by 5-fold cross-validation by article
(every figure on articles the model was not fitted on; thresholds and calibration chosen
inside each training part), fits the detector on all articles and writes
``workbench/data/techniques.npz`` and ``techniques.json``. ``make train-techniques`` runs it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from workbench.evaluation import framing
from workbench.suggest.techniques import (
    DEFAULT_MODEL_FILE,
    TechniqueDetector,
    TechniqueModel,
    group_folds,
)

DEFAULT_DATA = framing.SHARED_PTC
LIMITS = (
    "trained on the 250 English news articles of the PTC training folder; other genres, "
    "topics and languages are out of domain",
    "sentence level: a flagged sentence gets one span, from the first to the last token the "
    "span model marks, and every technique over its threshold (the likeliest one when none is)",
    "single techniques are weak (sentence F1 about 0.04 to 0.42 in cross_validation; the "
    "frequent Loaded_Language and Name_Calling,Labeling are the most usable): use the names "
    "as hints to check, not findings",
    "PTC marks a technique wherever it appears, also inside quotations of other speakers; the "
    "model does the same, so a quoted slur is flagged as the writer's own is",
    "thresholds maximise F1 on PTC, where 29 % of sentences hold a technique; on other text "
    "the share of flagged sentences and the precision differ",
    "confidence is calibrated on PTC (Platt scaling and the combiner fitted on out-of-fold "
    "scores); it is a probability for PTC-like news text, not for any text",
)


def embed_articles(articles: Sequence[framing.Article]) -> tuple[list[np.ndarray], str, str]:
    """Sentence vectors of every article from the workbench's embedder and vector cache;
    returns (vectors per article, model id, backend)."""
    from workbench.config import Settings
    from workbench.embed.embedder import embed_texts, load_embedder, open_cache

    settings = Settings.load()
    embedder = load_embedder(settings)
    texts = [s.text for a in articles for s in a.sentences]
    result = embed_texts(texts, embedder, open_cache(settings, embedder))
    out = []
    i = 0
    for a in articles:
        out.append(result.vectors[i : i + len(a.sentences)])
        i += len(a.sentences)
    return out, embedder.model_id, embedder.backend


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def cross_validate(
    articles: Sequence[framing.Article],
    vectors: Sequence[np.ndarray],
    *,
    folds: int = 5,
    params: dict[str, Any] | None = None,
    only_fold: int | None = None,
    log=print,
) -> dict[str, Any]:
    """Figures of the detector and the baselines, each sentence scored by a model fitted on
    the other folds (folds of whole articles). Predictions of all folds are pooled before
    scoring. ``only_fold`` runs one fold and returns its raw predictions (for running the
    folds in parallel processes; :func:`merge_folds` pools them)."""
    sizes = [len(a.sentences) for a in articles]
    # group_folds works on sentences; map its sentence folds back to articles
    article_of = np.repeat(np.arange(len(articles)), sizes)
    fold_articles = [sorted(set(article_of[f].tolist())) for f in group_folds(sizes, folds)]
    parts = []
    for k, test_ids in enumerate(fold_articles):
        if only_fold is not None and k != only_fold:
            continue
        started = time.time()
        test_set = set(test_ids)
        train_ids = [i for i in range(len(articles)) if i not in test_set]
        train = [articles[i] for i in train_ids]
        test = [articles[i] for i in test_ids]
        docs = framing.training_documents(train, [vectors[i] for i in train_ids])
        model = TechniqueDetector(**(params or {})).fit(docs).model_
        predicted = framing.model_predictions(model, test, [vectors[i] for i in test_ids])
        baseline = framing.tfidf_baseline(train, test)
        parts.append(
            {
                "fold": k,
                "test": test_ids,
                "model": _to_json(predicted),
                "tfidf_lr": _to_json(baseline),
                "seconds": round(time.time() - started),
            }
        )
        log(
            f"fold {k + 1}/{len(fold_articles)}: {len(test)} articles, "
            f"{time.time() - started:.0f} s"
        )
    if only_fold is not None:
        return {"folds": parts, "k": len(fold_articles)}
    return merge_folds(articles, [{"folds": parts, "k": len(fold_articles)}])


def _to_json(p: framing.Predictions) -> dict[str, Any]:
    return {
        "any": p.any,
        "dispute": p.dispute,
        "sentences": [[sorted(s) for s in a] for a in p.sentences],
        "spans": p.spans,
    }


def _from_json(d: dict[str, Any]) -> framing.Predictions:
    return framing.Predictions(
        d["any"],
        d["dispute"],
        [[set(s) for s in a] for a in d["sentences"]],
        [[tuple(s) for s in a] for a in d["spans"]],
    )


def merge_folds(
    articles: Sequence[framing.Article], runs: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Pool the held-out predictions of every fold and score them once."""
    parts = sorted((p for run in runs for p in run["folds"]), key=lambda p: p["fold"])
    k = runs[0]["k"]
    if [p["fold"] for p in parts] != list(range(k)):
        raise ValueError(f"folds {[p['fold'] for p in parts]} do not cover 0..{k - 1}")
    order: list[int] = []
    pooled = {
        "model": framing.Predictions([], [], [], []),
        "tfidf_lr": framing.Predictions([], [], [], []),
    }
    for p in parts:
        order.extend(p["test"])
        for name in pooled:
            got = _from_json(p[name])
            for field in ("any", "dispute", "sentences", "spans"):
                getattr(pooled[name], field).extend(getattr(got, field))
    ordered = [articles[i] for i in order]
    report = framing.score_predictions(ordered, pooled["model"])
    report["baselines"] = {
        "flag_everything": framing.score_predictions(ordered, framing.flag_everything(ordered)),
        "tfidf_lr": framing.score_predictions(ordered, pooled["tfidf_lr"]),
    }
    for base in report["baselines"].values():
        base.pop("sentences", None)
        base.pop("articles", None)
    report["folds"] = k
    report["fold_seconds"] = [p["seconds"] for p in parts]
    return _rounded(report)


def train(
    articles_dir: Path,
    labels_dir: Path,
    out: Path = DEFAULT_MODEL_FILE,
    *,
    folds: int = 5,
    params: dict[str, Any] | None = None,
    cv_report: dict[str, Any] | None = None,
    skip_cv: bool = False,
    log=print,
) -> TechniqueModel:
    """Cross-validate (unless ``skip_cv`` or a ``cv_report`` is given), fit on every
    article, and save the model with its card to ``out`` (and ``out`` with ``.json``)."""
    started = time.time()
    articles = framing.read_ptc(articles_dir, labels_dir)
    vectors, model_id, backend = embed_articles(articles)
    log(
        f"{len(articles)} articles, {sum(len(v) for v in vectors)} sentences embedded "
        f"({model_id}, {backend})"
    )
    if cv_report is None and not skip_cv:
        cv_report = cross_validate(articles, vectors, folds=folds, params=params, log=log)
    docs = framing.training_documents(articles, vectors)
    card = {
        "id": f"techniques-ptc-{datetime.now(UTC):%Y%m%d}",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": "Propaganda Techniques Corpus (PTC, Da San Martino et al. 2019; SemEval-2020 "
        f"Task 11) training folder: {len(articles)} articles, one sentence per line, "
        "labels as character spans",
        "training_article_ids": [a.id for a in articles],
        "embedding_model": model_id,
        "embedding_backend": backend,
        "features": [
            "all-MiniLM-L6-v2 sentence vector (384), passed in by the embedding stage",
            "TF-IDF word 1-2-grams (sublinear tf, L2 rows)",
            "lexical counts: length, ! and ?, quotation marks, all-caps and capitalised "
            "words, intensifiers",
            "any/dispute only: one-hidden-layer network on vector + lexical; NB-LR on binary "
            "word 1-2-grams; combined by a logistic regression on out-of-fold scores"
            + (
                ""
                if (params or {}).get("stack") is False
                else " that also reads the 14 technique heads' scores (stacking), its C "
                "chosen by cross-validation inside the training part"
            ),
            "spans: token logistic regression (word, neighbours, shape, inside quotes)",
            *(
                []
                if (params or {}).get("token_view") is False
                else [
                    "any/dispute combiner also reads a token view: a token logistic regression "
                    "fitted on every sentence (token inside any span), the sentence's highest "
                    "and mean token logit"
                ]
            ),
            *(
                [
                    "any/dispute combiner also reads the sentence's place in its document: "
                    "relative position, first line, log sentences in the document, log words"
                ]
                if (params or {}).get("context")
                else []
            ),
        ],
        "positive_sentence": "the sentence (non-blank line) overlaps at least one gold span",
        "cross_validation": cv_report or {"skipped": True},
        "limits": list(LIMITS),
    }
    fitted = TechniqueDetector(**(params or {})).fit(docs, card=card).model_
    fitted.card["training_seconds"] = round(time.time() - started)
    fitted.save(out)
    size = Path(out).stat().st_size / 1e6
    log(f"saved {out} ({size:.1f} MB) and {Path(out).with_suffix('.json')}")
    return fitted


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workbench.suggest.train_techniques", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--articles", type=Path, default=DEFAULT_DATA / "articles")
    parser.add_argument("--labels", type=Path, default=DEFAULT_DATA / "labels")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_FILE)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--inner-folds",
        type=int,
        default=None,
        help="folds of the calibration CV inside each fit (default 5)",
    )
    parser.add_argument(
        "--networks",
        type=int,
        default=None,
        help="networks averaged per any/dispute head (default 1)",
    )
    parser.add_argument(
        "--context",
        action="store_true",
        help="the any/dispute combiner also reads where each sentence is in its article",
    )
    parser.add_argument(
        "--no-stack",
        action="store_true",
        help="the any/dispute combiner reads only its three views, not the technique heads",
    )
    parser.add_argument(
        "--no-token-view",
        action="store_true",
        help="the any/dispute combiner does not read the token view",
    )
    parser.add_argument(
        "--dispute-token-view",
        action="store_true",
        help="the dispute combiner reads a token view fitted on dispute-subset spans only",
    )
    parser.add_argument(
        "--combiner-C",
        type=float,
        default=None,
        help="fixed C of the any/dispute combiner (default: chosen by inner CV)",
    )
    parser.add_argument("--skip-cv", action="store_true", help="fit and save without CV")
    parser.add_argument(
        "--cv-only", action="store_true", help="only cross-validate; print the report as JSON"
    )
    parser.add_argument(
        "--fold",
        type=int,
        default=None,
        help="with --cv-only: run this fold alone and print its predictions",
    )
    parser.add_argument(
        "--cv-from",
        type=Path,
        nargs="+",
        default=None,
        help="CV reports or single-fold outputs to put in the card instead "
        "of cross-validating again",
    )
    parser.add_argument(
        "--card-only",
        action="store_true",
        help="with --cv-from: put the pooled figures into the card of the "
        "model already at --out, without refitting it",
    )
    args = parser.parse_args(argv)
    params = {}
    if args.inner_folds:
        params["inner_folds"] = args.inner_folds
    if args.networks:
        params["networks"] = args.networks
    if args.context:
        params["context"] = True
    if args.no_stack:
        params["stack"] = False
    if args.no_token_view:
        params["token_view"] = False
    if args.dispute_token_view:
        params["dispute_token_view"] = True
    if args.combiner_C is not None:
        params["combiner_C"] = args.combiner_C

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.cv_only:
        articles = framing.read_ptc(args.articles, args.labels)
        vectors, _, _ = embed_articles(articles)
        report = cross_validate(
            articles, vectors, folds=args.folds, params=params, only_fold=args.fold, log=log
        )
        print(json.dumps(report))
        return 0
    cv_report = None
    if args.cv_from:
        runs = [json.loads(p.read_text()) for p in args.cv_from]
        if all("folds" in r and isinstance(r["folds"], list) for r in runs):
            cv_report = merge_folds(framing.read_ptc(args.articles, args.labels), runs)
        else:
            cv_report = runs[0]
    if args.card_only:
        if cv_report is None:
            parser.error("--card-only needs --cv-from")
        model = TechniqueModel.load(args.out)
        model.card["cross_validation"] = cv_report
        model.save(args.out)
        log(f"figures of {cv_report.get('folds')} folds written into {args.out}")
        return 0
    train(
        args.articles,
        args.labels,
        args.out,
        folds=args.folds,
        params=params,
        cv_report=cv_report,
        skip_cv=args.skip_cv,
        log=log,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
