"""SIGKILL at random moments leaves a consistent database (SQLite and PostgreSQL) and
vector cache."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from conftest import CORPUS, FakeEmbedder

from workbench.embed.embedder import VectorCache, embed_texts
from workbench.ingest.segment import segment
from workbench.store.factory import open_store

from .helpers import integrity

KILLS = 50
DOCUMENTS = 40


def _corpus(folder: Path) -> None:
    seeds = sorted(CORPUS.glob("*.txt"))
    folder.mkdir()
    for i in range(DOCUMENTS):
        text = seeds[i % len(seeds)].read_text(encoding="utf-8")
        (folder / f"doc{i:03d}.txt").write_text(
            f"Copy {i} of the report.\n\n{text}", encoding="utf-8"
        )


def _check_consistent(db: str) -> int:
    """Every stored document has exactly the passages its stored text segments into."""
    assert integrity(db) == "ok"
    with open_store(db) as store:
        documents = store.documents()
        for document in documents:
            expected = segment(document.id, document.text, author=document.meta.author)
            stored = store.passages(document.id, kinds=("text", "heading", "boilerplate"))
            assert [p.id for p in stored] == [p.id for p in expected.passages], document.id
        assert store.orphan_sentences() == 0
    return len(documents)


def _forget_some(db: str) -> None:
    """Remove every third document, so that the next ingest has work to redo."""
    with open_store(db) as store:
        for n, document in enumerate(store.documents()):
            if n % 3 == 0:
                store.delete_document(document.id, actor="test")


def test_sigkill_during_ingest_leaves_no_half_document(new_db, tmp_path: Path, figure) -> None:  # type: ignore[no-untyped-def]
    _corpus(tmp_path / "corpus")
    db, timing_db = new_db(), new_db()
    env = {**os.environ, "WORKBENCH_DB": db}
    command = [sys.executable, "-m", "workbench", "--quiet", "ingest", str(tmp_path / "corpus")]
    start = time.perf_counter()
    subprocess.run(command, env={**env, "WORKBENCH_DB": timing_db}, capture_output=True, check=True)
    full = time.perf_counter() - start
    rng = random.Random(7)
    counts = []
    for _ in range(KILLS):
        _forget_some(db)
        child = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.05, full))
        child.send_signal(signal.SIGKILL)
        child.wait()
        counts.append(_check_consistent(db))
    final = subprocess.run(command, env=env, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert _check_consistent(db) == DOCUMENTS
    store = "PostgreSQL" if "://" in db else "SQLite"
    figure(
        f"crashes ({store}): {KILLS} SIGKILLs during `workbench ingest` of {DOCUMENTS} "
        f"documents (full run {full:.1f} s); after each, integrity ok and no partial document "
        f"(documents present: min {min(counts, default=0)}, max {max(counts, default=0)}); "
        f"the re-run completed all {DOCUMENTS}"
    )


def _embed_forever(root: str) -> None:
    embedder = FakeEmbedder()
    cache = VectorCache(Path(root), embedder.model_id, embedder.backend)
    n = 0
    while True:
        texts = [f"text number {n + i} with words {i % 7}" for i in range(64)]
        embed_texts(texts, embedder, cache, batch_size=16)
        n += 64


def test_sigkill_during_embedding_leaves_no_half_shard(tmp_path: Path, figure) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys; sys.path.insert(0, sys.argv[2]); "
        "from robustness.test_crash import _embed_forever; _embed_forever(sys.argv[1])"
    )
    root = Path(__file__).resolve().parents[1]
    rng = random.Random(3)
    embedder = FakeEmbedder()
    for _ in range(20):
        child = subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "emb"), str(root)],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 1.5))
        child.send_signal(signal.SIGKILL)
        child.wait()
        cache = VectorCache(tmp_path / "emb", embedder.model_id, embedder.backend)
        for keys_file in cache.dir.glob("*.keys"):
            keys = keys_file.read_text().split()
            matrix = np.load(keys_file.with_suffix(".npy"))
            assert matrix.shape == (len(keys), embedder.dim)
    texts = [f"text number {i} with words {i % 7}" for i in range(256)]
    result = embed_texts(texts, embedder, cache)
    np.testing.assert_allclose(result.vectors, embedder.encode(texts), atol=1e-6)
    figure(
        f"crashes: 20 SIGKILLs while embedding; every visible cache shard complete, "
        f"{len(cache)} vectors readable and equal to fresh ones"
    )
