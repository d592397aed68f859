"""Analyst-app benchmark: how long each page interaction takes on the server.

Each interaction is one script run of the real app (``streamlit.testing.v1.AppTest`` on
``workbench/app/main.py``): the time from a click or a typed value to the page's elements
being ready to send, which is what the analyst waits for beyond the browser's own drawing.
Times are the median of ``--repeat`` runs after one warm-up run (imports, caches).
AppTest compiles the entry script and the page again on every run (a new ``ScriptCache``
each time, with Streamlit's "magic" rewrite: 50-300 ms here); the server compiles each
script once and keeps it, so the benchmark gives AppTest one script cache for all its runs,
as the server has (:func:`one_script_cache`).

Two databases:
1. the bundled corpus, ingested and aligned with the bundled model;
2. a synthetic corpus of ``--size`` passages (default 10,000) in ``--docs`` documents from
   eight outlets: sentences of the bundled corpus recombined, with vectors made from their
   real vectors plus noise, aligned by the real aligner (no model time counted), and the
   passage vectors put in the vector cache so semantic search works on them.

3. with ``--passages N``, instead of both: N passages of real news (FNC-1 article bodies,
   one document each, eight outlets), segmented and aligned by the real code but with
   stand-in vectors and random suggestions, so 20,000 passages build in minutes without
   the model (:func:`fnc_store` says exactly what is real and what is synthetic).

Each line prints the median (p50) and 95th percentile (p95) of the runs.

Usage: python benchmarks/bench_app.py [--size 10000] [--docs 40] [--repeat 5]
       python benchmarks/bench_app.py --passages 20000 --repeat 20 --workdir DIR
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

OUTLETS = ["Wire A", "Wire B", "NGO C", "NGO D", "State E", "Paper F", "Paper G", "Blog H"]


def _use(db: Path, emb: Path) -> None:
    os.environ["WORKBENCH_DB"] = str(db)
    os.environ["WORKBENCH_EMBEDDINGS"] = str(emb)
    os.environ["WORKBENCH_CORPUS"] = str(ROOT / "corpus")


def bundled(folder: Path, emb: Path) -> Path:
    from workbench.config import Settings
    from workbench.pipeline import bring_up_to_date
    from workbench.store import Store

    settings = Settings.load(
        db=folder / "bundled.db", embeddings_dir=emb, corpus_dir=ROOT / "corpus", progress=False
    )
    with Store(settings.db) as store:
        bring_up_to_date(store, settings)
    return settings.db


def synthetic(folder: Path, emb: Path, size: int, docs: int) -> Path:
    """A store of ``size`` passages in ``docs`` documents, aligned, vectors in the cache."""
    import numpy as np

    from workbench.align.aligner import align, build_corpus, current_alignment_key
    from workbench.align.scorer import PairScorer
    from workbench.config import Settings
    from workbench.embed.embedder import embed_texts, load_embedder, open_cache
    from workbench.ingest.segment import segment
    from workbench.models import Document, DocumentMeta, Passage, passage_id, text_hash
    from workbench.store import Store

    settings = Settings.load(db=folder / "synthetic.db", embeddings_dir=emb, progress=False)
    sentences = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        sentences += [s.text for s in segment(path.stem, path.read_text("utf-8")).sentences]
    embedder = load_embedder(settings)
    cache = open_cache(settings, embedder)
    base = embed_texts(sentences, embedder, cache).vectors
    rng = np.random.default_rng(0)
    per_passage = rng.integers(1, 5, size=size)
    picks = rng.integers(0, len(sentences), size=int(per_passage.sum()))
    sentence_vectors = base[picks] + rng.normal(scale=0.03, size=(len(picks), base.shape[1]))
    sentence_vectors /= np.linalg.norm(sentence_vectors, axis=1, keepdims=True)
    sentence_vectors = sentence_vectors.astype(np.float32)
    bounds = np.r_[0, np.cumsum(per_passage)]
    texts = [
        f"{' '.join(sentences[j] for j in picks[bounds[i] : bounds[i + 1]])} [{i}]"
        for i in range(size)
    ]
    vectors = np.add.reduceat(sentence_vectors, bounds[:-1], axis=0)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cache.put([text_hash(t) for t in texts], vectors)
    per_doc = -(-size // docs)
    doc_of = [f"doc{i // per_doc:03d}" for i in range(size)]
    ids = [passage_id(doc_of[i], texts[i]) for i in range(size)]
    with Store(settings.db) as store:
        for d in range(docs):
            doc = f"doc{d:03d}"
            members = range(d * per_doc, min(size, (d + 1) * per_doc))
            body, passages, pos = [], [], 0
            for seq, i in enumerate(members):
                section = f"Section {seq // 25 + 1}"
                passages.append(
                    Passage(ids[i], doc, seq, pos, pos + len(texts[i]), texts[i], section=section)
                )
                body.append(texts[i])
                pos += len(texts[i]) + 2
            meta = DocumentMeta(
                outlet=OUTLETS[d % len(OUTLETS)],
                kind="synthetic",
                title=f"Synthetic report {d}",
                published=f"202{d % 4}-0{d % 9 + 1}",
            )
            store.replace_document(
                Document(doc, doc, "text", doc, "\n\n".join(body), meta, date=meta.published),
                passages,
                [],
            )
        corpus = build_corpus(ids, doc_of, texts, vectors, per_passage.tolist(), sentence_vectors)
        result = align(
            corpus,
            PairScorer.load(),
            top_k=settings.top_k,
            candidates=settings.candidates,
            threshold=settings.threshold,
        )
        store.replace_alignments(
            result.rows(), result.coverage(), current_alignment_key(store, settings)
        )
    return settings.db


FNC_BODIES = ROOT.parent / "shared" / "data" / "fnc1-train" / "train_bodies.csv"


def _hashed_vectors(texts: list[str], dim: int, seed: int = 0):
    """Cheap stand-in vectors: hashed word counts through a fixed random projection, so
    texts that share words get similar vectors (no model run)."""
    import numpy as np
    from sklearn.feature_extraction.text import HashingVectorizer

    counts = HashingVectorizer(n_features=2**18, alternate_sign=False, norm="l2").transform(texts)
    projection = np.random.default_rng(seed).normal(size=(2**18, dim)).astype(np.float32)
    vectors = np.asarray(counts @ projection, dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    return vectors


def fnc_store(folder: Path, emb: Path, size: int, bodies: Path = FNC_BODIES) -> Path:
    """A store of ``size`` passages made from real news bodies, built without the model.

    Real: the text (FNC-1 article bodies, each one document, split into passages and
    sentences by the real segmenter and stored by ``Store.replace_document``), the outlets
    (eight, in turn), the alignment (the real aligner and pair scorer with the app's
    settings, so ranks, scores, features, mutual marks and never-addressed coverage are
    what ``workbench align`` would store for these vectors).
    Synthetic: the vectors (hashed word counts through a random projection instead of the
    sentence model, put in the vector cache so semantic search runs on them), the
    suggestions (one per visible pair, written by ``Store.write_suggestions``: a relation
    drawn at random with its probabilities, no reasons or specifics), no framing cues.
    """
    import csv

    import numpy as np

    from workbench.align.aligner import align, build_corpus
    from workbench.align.scorer import PairScorer
    from workbench.align.staleness import current_alignment_key
    from workbench.config import Settings
    from workbench.embed.embedder import load_embedder, open_cache
    from workbench.ingest.segment import segment
    from workbench.models import Document, DocumentMeta, PassageKind, Relation, text_hash
    from workbench.store import Store
    from workbench.store.suggestions import StoredSuggestion, SuggestionRow

    settings = Settings.load(db=folder / f"fnc{size}.db", embeddings_dir=emb, progress=False)
    csv.field_size_limit(10**8)
    with bodies.open(encoding="utf-8", newline="") as f:
        texts = [row["articleBody"] for row in csv.DictReader(f)]
    docs: list[tuple[Document, list, list]] = []
    total, turn = 0, 0
    while total < size:
        for body in texts:
            doc = f"fnc{turn:04d}"
            seg = segment(doc, body, max_chars=settings.max_passage_chars)
            if not seg.passages:
                continue
            text_seen, cut = 0, len(seg.passages)
            for i, p in enumerate(seg.passages):  # headings and boilerplate are not counted
                text_seen += p.kind is PassageKind.TEXT
                if total + text_seen == size:
                    cut = i + 1
                    break
            passages = seg.passages[:cut]
            kept = {p.id for p in passages}
            sentences = [s for s in seg.sentences if s.passage_id in kept]
            meta = DocumentMeta(
                outlet=OUTLETS[turn % len(OUTLETS)],
                kind="news",
                title=body.strip().split("\n")[0][:80],
                published=f"201{turn % 8}-{turn % 12 + 1:02d}",
            )
            document = Document(doc, doc, "text", doc, body, meta, date=meta.published)
            docs.append((document, passages, sentences))
            total += sum(p.kind is PassageKind.TEXT for p in passages)
            turn += 1
            if total >= size:
                break
    embedder = load_embedder(settings)
    cache = open_cache(settings, embedder)
    dim = embedder.dim
    ids = [p.id for _, ps, _ in docs for p in ps]
    doc_of = [p.doc_id for _, ps, _ in docs for p in ps]
    p_texts = [p.text for _, ps, _ in docs for p in ps]
    sent_texts, counts = [], []
    for _, ps, ss in docs:
        by: dict[str, list[str]] = {}
        for s in ss:
            by.setdefault(s.passage_id, []).append(s.text)
        for p in ps:
            got = by.get(p.id) or [p.text]
            sent_texts += got
            counts.append(len(got))
    vectors = _hashed_vectors(p_texts, dim)
    sentence_vectors = _hashed_vectors(sent_texts, dim)
    cache.put([text_hash(t) for t in p_texts], vectors)
    with Store(settings.db) as store:
        for document, passages, sentences in docs:
            store.replace_document(document, passages, sentences)
        corpus = build_corpus(ids, doc_of, p_texts, vectors, counts, sentence_vectors)
        result = align(
            corpus,
            PairScorer.load(),
            top_k=settings.top_k,
            candidates=settings.candidates,
            threshold=settings.threshold,
            approximate_above=settings.approximate_above,
            max_counterparts=settings.max_counterparts,
        )
        store.replace_alignments(
            result.rows(), result.coverage(), current_alignment_key(store, settings)
        )
        rng = np.random.default_rng(0)
        labels = [r.value for r in Relation]
        rows = []
        for pid, a_id, b_id in store.visible_pairs(settings.threshold):
            p = rng.dirichlet(np.ones(len(labels)))
            best = int(p.argmax())
            suggestion = StoredSuggestion(
                pid,
                a_id,
                b_id,
                labels[best],
                float(p[best]),
                dict(zip(labels, map(float, p), strict=True)),
                [],
                {},
                "bench-synthetic",
                "2026-12-02T00:00:00",
            )
            rows.append(SuggestionRow(suggestion, []))
        store.write_suggestions(rows)
    return settings.db


def tag_some(db: Path, n: int) -> None:
    """Two analysts' tags on ``n`` pairs, so Overview and Agreement have something to show."""
    from workbench.models import Relation
    from workbench.store import Store

    labels = [r.value for r in Relation]
    with Store(db) as store:
        pairs = [
            r[0]
            for r in store.conn.execute(
                "SELECT DISTINCT pair_id FROM alignments WHERE rank = 1 LIMIT ?", (n,)
            )
        ]
        for i, pair in enumerate(pairs):
            store.add_tag(pair, labels[i % 5], "bench-a")
            store.add_tag(pair, labels[(i + i // 3) % 5], "bench-b")


def timed(step: Callable[[], object], repeat: int) -> list[float]:
    """Seconds of each of ``repeat`` runs of ``step``, after one warm-up run."""
    step()  # warm-up
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        step()
        runs.append(time.perf_counter() - t)
    return runs


def p95(runs: list[float]) -> float:
    """The 95th percentile (nearest rank) of ``runs``."""
    ordered = sorted(runs)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def toggle(*actions: Callable[[], object]) -> Callable[[], None]:
    """One interaction per call, going round ``actions`` (e.g. a choice and back)."""
    turn = [0]

    def run() -> None:
        actions[turn[0] % len(actions)]()
        turn[0] += 1

    return run


def show(label: str, runs: list[float]) -> None:
    """One line of the table: the interaction, its median and 95th percentile."""
    print(f"  {label:58s} {statistics.median(runs):6.3f} {p95(runs):6.3f}", flush=True)


def one_script_cache() -> None:
    """Make every AppTest run share one compiled-script cache, as the server's runs do
    (AppTest builds a new ``ScriptCache`` per run, so it would time compiling too)."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment,misc]


def interactions(db: Path, repeat: int, build_report: bool = True) -> list[tuple[str, list[float]]]:
    from streamlit.testing.v1 import AppTest

    from workbench.app import APP_SCRIPT
    from workbench.store import Store

    with Store(db) as store:
        docs = store.documents()
        biggest = max(store.passage_counts().items(), key=lambda kv: kv[1])[0]
    outlet = next(d.meta.outlet for d in docs if d.id == biggest)
    one_script_cache()
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=600)
    at.session_state["analyst"] = "bench"
    at.run()
    results: list[tuple[str, list[float]]] = []

    def check() -> None:
        if at.exception:
            raise RuntimeError(at.exception[0].value)

    def step(name: str, action: Callable[[], object]) -> None:
        def run() -> None:
            action()
            check()

        results.append((name, timed(run, repeat)))
        show(*results[-1])

    step("Compare: open page", lambda: at.switch_page("views/compare.py").run())
    at.selectbox(key="cmp_doc").set_value(biggest).run()
    other = docs[0].id if docs[0].id != biggest else docs[1].id
    step(
        "Compare: choose focus document",
        toggle(
            lambda: at.selectbox(key="cmp_doc").set_value(other).run(),
            lambda: at.selectbox(key="cmp_doc").set_value(biggest).run(),
        ),
    )
    step(
        "Compare: next passage / previous",
        toggle(
            lambda: at.button(key="cmp_next").click().run(),
            lambda: at.button(key="cmp_prev").click().run(),
        ),
    )
    step(
        "Compare: next untagged / previous",
        toggle(
            lambda: at.button(key="cmp_next_untagged").click().run(),
            lambda: at.button(key="cmp_prev").click().run(),
        ),
    )

    def save_tag() -> None:
        key = next(b.key for b in at.button if b.key and b.key.startswith("cmp_tag_"))
        at.button(key=key).click().run()

    step("Compare: save a tag", save_tag)
    step(
        "Compare: filter not tagged by me / all",
        toggle(
            lambda: at.radio(key="cmp_tagged").set_value("untagged").run(),
            lambda: at.radio(key="cmp_tagged").set_value("all").run(),
        ),
    )
    at.radio(key="cmp_focus_by").set_value("outlet").run()
    step(
        f"Compare: focus on an outlet ({outlet})",
        lambda: at.selectbox(key="cmp_outlet").set_value(outlet).run(),
    )
    at.radio(key="cmp_focus_by").set_value("document").run()
    step("Corpus: open page", lambda: at.switch_page("views/corpus.py").run())
    step("Overview: open page", lambda: at.switch_page("views/overview.py").run())
    silent = iter(reversed(docs))  # a document not chosen before on every run: no cache hit
    step(
        "Overview: choose a new silent document",
        lambda: at.selectbox(key="ov_silent").set_value(next(silent).id).run(),
    )
    at.switch_page("views/search.py").run()
    step(
        "Search: keyword query",
        lambda: at.text_input(key="search_query").input("border guards").run(),
    )
    at.text_input(key="search_query").input("").run()
    at.radio(key="search_mode").set_value("meaning").run()
    t = time.perf_counter()
    at.text_input(key="search_query").input("people who fled the country").run()
    check()
    results.append(
        ("Search: first semantic query (builds the passage index)", [time.perf_counter() - t])
    )
    show(*results[-1])
    step(
        "Search: semantic query",
        lambda: at.text_input(key="search_query").input("prison conditions remain harsh").run(),
    )
    step("Agreement: open page", lambda: at.switch_page("views/agreement.py").run())
    step("Report: open page", lambda: at.switch_page("views/report.py").run())
    if not build_report:
        return results
    # Building a report reads and writes up the whole corpus (minutes at 20,000 passages,
    # like `workbench report`): a job the analyst starts, timed once, not a page's answer.
    t = time.perf_counter()
    at.button(key="rep_build").click().run()
    check()
    results.append(("Report: build (all sources), one run", [time.perf_counter() - t]))
    show(*results[-1])
    step(
        "Report: change format of the built report",
        toggle(
            lambda: at.selectbox(key="rep_format").set_value("xlsx").run(),
            lambda: at.selectbox(key="rep_format").set_value("md").run(),
        ),
    )
    return results


def report(name: str, db: Path, emb: Path, repeat: int, build_report: bool = True) -> None:
    """Tag 200 pairs twice, then time every interaction on ``db`` and print the table."""
    from workbench.store import Store

    with Store(db) as store, store.write() as conn:
        conn.execute("DELETE FROM tags")
        conn.execute("DELETE FROM adjudications")
    tag_some(db, 200)
    _use(db, emb)
    with Store(db) as store:
        passages = sum(store.passage_counts().values())
        documents = len(store.documents())
        pairs = store.alignment_count()
    print(
        f"\n{name}: {passages} passages in {documents} documents, {pairs} aligned pairs, "
        f"400 tags (seconds over {repeat} runs after a warm-up)"
    )
    print(f"  {'interaction':58s} {'p50':>6s} {'p95':>6s}")
    interactions(db, repeat, build_report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument(
        "--passages",
        type=int,
        help="instead: only a store of this many passages of real news bodies (FNC-1), "
        "built without the model (see fnc_store for what is synthetic)",
    )
    parser.add_argument("--bodies", type=Path, default=FNC_BODIES, help="FNC-1 train_bodies.csv")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--no-report",
        action="store_true",
        help="leave out building a report (minutes at 20,000 passages) and changing its format",
    )
    parser.add_argument("--embeddings", type=Path, help="vector cache to reuse")
    parser.add_argument(
        "--workdir", type=Path, help="keep the databases here and reuse them on the next run"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        emb = args.embeddings or folder / "emb"
        if args.passages:
            t = time.perf_counter()
            news = folder / f"fnc{args.passages}.db"
            if not news.exists():
                news = fnc_store(folder, emb, args.passages, args.bodies)
            print(
                f"news store of {args.passages} passages prepared in "
                f"{time.perf_counter() - t:.1f} s",
                flush=True,
            )
            report(f"{args.passages} passages of news", news, emb, args.repeat, not args.no_report)
            return
        t = time.perf_counter()
        small = bundled(folder, emb)
        print(f"bundled corpus prepared in {time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        large = folder / "synthetic.db"
        if not large.exists():
            large = synthetic(folder, emb, args.size, args.docs)
        print(
            f"synthetic corpus of {args.size} passages in {args.docs} documents prepared "
            f"in {time.perf_counter() - t:.1f} s",
            flush=True,
        )
        for name, db in (("bundled corpus", small), (f"{args.size} passages", large)):
            report(name, db, emb, args.repeat, not args.no_report)


if __name__ == "__main__":
    main()
