"""Analyst-app benchmark: how long each page interaction takes on the server.

Each interaction is one script run of the real app (``streamlit.testing.v1.AppTest`` on
``workbench/app/main.py``): the time from a click or a typed value to the page's elements
being ready to send, which is what the analyst waits for beyond the browser's own drawing.
Times are the median of ``--repeat`` runs after one warm-up run (imports, caches).

Two databases:
1. the bundled corpus, ingested and aligned with the bundled model;
2. a synthetic corpus of ``--size`` passages (default 10,000) in ``--docs`` documents from
   eight outlets: sentences of the bundled corpus recombined, with vectors made from their
   real vectors plus noise, aligned by the real aligner (no model time counted), and the
   passage vectors put in the vector cache so semantic search works on them.

Usage: python benchmarks/bench_app.py [--size 10000] [--docs 40] [--repeat 5]
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


def timed(step: Callable[[], object], repeat: int) -> float:
    step()  # warm-up
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        step()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def toggle(*actions: Callable[[], object]) -> Callable[[], None]:
    """One interaction per call, going round ``actions`` (e.g. a choice and back)."""
    turn = [0]

    def run() -> None:
        actions[turn[0] % len(actions)]()
        turn[0] += 1

    return run


def interactions(db: Path, repeat: int) -> list[tuple[str, float]]:
    from streamlit.testing.v1 import AppTest

    from workbench.app import APP_SCRIPT
    from workbench.store import Store

    with Store(db) as store:
        docs = store.documents()
        biggest = max(store.passage_counts().items(), key=lambda kv: kv[1])[0]
    outlet = next(d.meta.outlet for d in docs if d.id == biggest)
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=600)
    at.session_state["analyst"] = "bench"
    at.run()
    results: list[tuple[str, float]] = []

    def check() -> None:
        if at.exception:
            raise RuntimeError(at.exception[0].value)

    def step(name: str, action: Callable[[], object]) -> None:
        def run() -> None:
            action()
            check()

        results.append((name, timed(run, repeat)))

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
    step("Compare: next passage", lambda: at.button(key="cmp_next").click().run())
    step("Compare: next untagged", lambda: at.button(key="cmp_next_untagged").click().run())

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
    step(
        "Overview: choose silent document",
        lambda: at.selectbox(key="ov_silent").set_value(docs[-1].id).run(),
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
        ("Search: first semantic query (builds the passage index)", time.perf_counter() - t)
    )
    step(
        "Search: semantic query",
        lambda: at.text_input(key="search_query").input("prison conditions remain harsh").run(),
    )
    step("Agreement: open page", lambda: at.switch_page("views/agreement.py").run())
    step("Report: open page", lambda: at.switch_page("views/report.py").run())
    step("Report: build (all sources)", lambda: at.button(key="rep_build").click().run())
    step(
        "Report: change format of the built report",
        toggle(
            lambda: at.selectbox(key="rep_format").set_value("xlsx").run(),
            lambda: at.selectbox(key="rep_format").set_value("md").run(),
        ),
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--embeddings", type=Path, help="vector cache to reuse")
    parser.add_argument(
        "--workdir", type=Path, help="keep the databases here and reuse them on the next run"
    )
    args = parser.parse_args()
    from workbench.store import Store

    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        emb = args.embeddings or folder / "emb"
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
            with Store(db) as store, store.write() as conn:
                conn.execute("DELETE FROM tags")
                conn.execute("DELETE FROM adjudications")
            tag_some(db, 200)
            _use(db, emb)
            with Store(db) as store:
                passages = sum(store.passage_counts().values())
                pairs = store.alignment_count()
            print(
                f"\n{name}: {passages} passages, {pairs} aligned pairs, 400 tags "
                f"(median of {args.repeat} runs, seconds)"
            )
            for label, seconds in interactions(db, args.repeat):
                print(f"  {label:58s} {seconds:6.3f}")


if __name__ == "__main__":
    main()
