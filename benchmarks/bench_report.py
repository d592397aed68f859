"""Report benchmark: the bundled corpus once aligned, and a large synthetic store.

Prints, in one run:
1. the bundled corpus, ingested and aligned with the bundled model (not timed), a few pairs
   tagged: wall time of ``workbench report --out FILE`` per format as a user runs it (a fresh
   process: start-up and imports included), with the output size;
2. a synthetic store of ``--passages`` passages (sentences of the bundled corpus
   recombined, ``--docs-per`` passages per document, counterparts in three other documents
   per passage, made up without a model): per format, in a fresh process, the time to build
   the report and write it, the output size and the peak RSS, which shows whether writing
   streams (the RSS after building is printed beside it).

Usage: python benchmarks/bench_report.py [--passages 20000] [--docs-per 200]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
FORMATS = ["md", "html", "csv", "xlsx", "json", "jsonld"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tag_some(db: Path, count: int) -> None:
    from workbench.models import Relation
    from workbench.store import Store

    labels = [r.value for r in Relation]
    with Store(db) as store:
        pairs = [
            r[0]
            for r in store.conn.execute(
                "SELECT DISTINCT pair_id FROM alignments WHERE rank = 1 ORDER BY pair_id LIMIT ?",
                (count,),
            )
        ]
        for i, pair in enumerate(pairs):
            store.add_tag(pair, labels[i % len(labels)], "Ana", "benchmark tag")
            store.add_tag(pair, labels[(i // 2) % len(labels)], "Ben")


def bench_bundled(tmp: Path) -> None:
    env = os.environ | {
        "WORKBENCH_DB": str(tmp / "wb.db"),
        "WORKBENCH_EMBEDDINGS": str(tmp / "emb"),
    }
    cmd = [sys.executable, "-m", "workbench", "--quiet"]
    subprocess.run([*cmd, "ingest", str(ROOT / "corpus")], env=env, check=True, capture_output=True)
    subprocess.run([*cmd, "align"], env=env, check=True, capture_output=True)
    _tag_some(tmp / "wb.db", 20)
    print("bundled corpus (aligned with the bundled model, 20 pairs tagged by two analysts):")
    for fmt in FORMATS:
        out = tmp / f"report.{fmt}"
        t = time.perf_counter()
        done = subprocess.run(
            [*cmd, "report", "--out", str(out)], env=env, check=True, capture_output=True, text=True
        )
        elapsed = time.perf_counter() - t
        print(
            f"  workbench report --out report.{fmt:<6} {elapsed:5.2f} s  "
            f"{out.stat().st_size / 1024:8.0f} KB  ({done.stderr.strip().split(' -> ')[0]})"
        )


def make_synthetic(db: Path, passages: int, docs_per: int) -> None:
    import numpy as np

    from workbench.ingest.segment import segment
    from workbench.models import Document, DocumentMeta, Passage, pair_id
    from workbench.store import Store

    sentences = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        sentences += [s.text for s in segment(path.stem, path.read_text("utf-8")).sentences]
    rng = np.random.default_rng(0)
    per = rng.integers(1, 5, size=passages)
    picks = rng.integers(0, len(sentences), size=int(per.sum()))
    bounds = np.r_[0, np.cumsum(per)]
    texts = [
        " ".join(sentences[j] for j in picks[bounds[i] : bounds[i + 1]]) for i in range(passages)
    ]
    n_docs = (passages + docs_per - 1) // docs_per
    doc_of = np.arange(passages) // docs_per
    with Store(db) as store:
        for d in range(n_docs):
            members = range(d * docs_per, min(passages, (d + 1) * docs_per))
            body, rows, pos = [], [], 0
            for seq, i in enumerate(members):
                rows.append(
                    Passage(f"p{i}", f"doc{d:04d}", seq, pos, pos + len(texts[i]), texts[i])
                )
                body.append(texts[i])
                pos += len(texts[i]) + 2
            meta = DocumentMeta(outlet=f"Outlet {d % 7}", title=f"Synthetic document {d}")
            store.replace_document(
                Document(
                    f"doc{d:04d}",
                    f"doc{d:04d}.txt",
                    "text",
                    f"{d:064x}",
                    "\n\n".join(body),
                    meta,
                    "2020",
                ),
                rows,
                [],
            )
        alignments, coverage = [], []
        for i in range(passages):
            others = rng.choice(np.delete(np.arange(n_docs), doc_of[i]), size=3, replace=False)
            for d in others:
                lo = d * docs_per
                hi = min(passages, lo + docs_per)
                targets = rng.choice(np.arange(lo, hi), size=3, replace=False)
                scores = np.sort(rng.uniform(0.2, 0.9, size=3))[::-1]
                for rank, (j, s) in enumerate(zip(targets, scores, strict=True), start=1):
                    alignments.append(
                        (
                            f"p{i}",
                            f"p{j}",
                            pair_id(f"p{i}", f"p{j}"),
                            f"doc{d:04d}",
                            rank,
                            float(s),
                            0,
                            "{}",
                        )
                    )
                coverage.append((f"p{i}", f"doc{d:04d}", float(scores[0]), scores[0] >= 0.5))
        store.replace_alignments(alignments, coverage, "synthetic")


def report_child(db: Path, fmt: str, out: Path) -> dict[str, float]:
    """Runs in a fresh process: build the report of ``db`` and write it as ``fmt``."""
    from workbench.config import Settings
    from workbench.report import build_report, write_report
    from workbench.store import Store

    settings = Settings.load(db=db)
    t = time.perf_counter()
    with Store(db) as store:
        report = build_report(store, settings)
        built = time.perf_counter() - t
        rss_built = _rss_mb()
        write_report(report, fmt, out)
    return {
        "build_s": built,
        "write_s": time.perf_counter() - t - built,
        "rss_built_mb": rss_built,
        "rss_peak_mb": _rss_mb(),
        "size_mb": out.stat().st_size / 2**20,
        **report.counts(),
    }


def bench_synthetic(tmp: Path, passages: int, docs_per: int) -> None:
    db = tmp / "synthetic.db"
    t = time.perf_counter()
    make_synthetic(db, passages, docs_per)
    _tag_some(db, 200)
    print(
        f"synthetic store: {passages:,} passages in {(passages + docs_per - 1) // docs_per} "
        f"documents, made in {time.perf_counter() - t:.1f} s"
    )
    for fmt in FORMATS:
        out = tmp / f"synthetic.{fmt}"
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(db), fmt, str(out)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(f"  {fmt}: failed\n{done.stderr[-2000:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"  {fmt:<6} build {r['build_s']:5.1f} s, write {r['write_s']:6.1f} s, "
            f"{r['size_mb']:7.1f} MB ({r['claims']:,} claims, {r['pairs']:,} pairs, "
            f"{r['unaddressed']:,} gaps); RSS {r['rss_built_mb']:.0f} MB after building, "
            f"peak {r['rss_peak_mb']:.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=20_000)
    parser.add_argument("--docs-per", type=int, default=200)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        db, fmt, out = args.child
        print(json.dumps(report_child(Path(db), fmt, Path(out))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        bench_bundled(Path(tmp))
        bench_synthetic(Path(tmp), args.passages, args.docs_per)


if __name__ == "__main__":
    main()
