"""Peak memory of align + suggest and of ``workbench pairs --format jsonl`` at 100,000 passages.

Issue 14's done-when line: "memory stays under 4 GB at 100,000 passages, and `workbench
pairs` streams (constant memory)".

The passages are real: FNC-1 article bodies (``train_bodies.csv``) written as text files
and split by the real ingest (``ingest_paths``). The 1,683 bodies give about 19,000
passages, so each body is ingested in several *editions* (edition 0 is the body as it is;
edition ``k`` rotates the sentences of each paragraph by ``k``, so its passages are new
texts made of the same sentences) until ``--passages`` is reached.

The vectors are NOT the model's: embedding 100,000 passages and their sentences costs about
an hour of this shared 2-core machine, and the question here is the memory of alignment,
suggestion and export, not of embedding. A deterministic stand-in fills the vector cache:
a hashed bag of words projected to 384 dimensions plus a little noise seeded by the text's
hash, L2-normalised (so passages sharing words are close, as with a real model, and
editions of a passage are close but not identical). Scores therefore differ from a real
run; the number of pairs kept is bounded by the same caps (``WORKBENCH_MAX_COUNTERPARTS``,
``WORKBENCH_TOP_K``) either way. The shipped relation model reads all-MiniLM-L6-v2 vectors
and would refuse the stand-in's, so the benchmark tells it (its card) to read them: its
relations mean nothing here, but its work per passage and per pair, and so its time and
memory, are those of a real run.

Each phase runs in its own process and its peak resident memory (``ru_maxrss`` of that
process and its children, from ``os.wait4``) is printed:

1. build: ingest the editions, fill the vector cache with the stand-in;
2. align + suggest: ``align_store`` then ``suggest_store`` in one process, as ``workbench
   align`` runs them. The suggestion stage is stopped after ``--suggest-minutes`` (default
   10) if it has not finished, as an analyst might stop it: it keeps what it finished
   (printed: suggestions and framing rows stored, and the visible pairs scored per
   second). The process's resident memory is sampled every 10 s, so the figures show
   whether memory grows while it suggests or stays flat. ``--phases suggest`` runs the
   suggestion stage alone on a kept, aligned store (``--keep DIR``);
3. export: ``workbench pairs --format jsonl`` (the CLI itself, its output counted and
   dropped), and again with ``--min-score 1.1`` (no rows) for the command's baseline: a
   streaming export stays near it whatever the number of rows.

Usage: python benchmarks/bench_memory.py [--passages 100000] [--keep DIR]
           [--suggest-minutes 10] [--phases build align suggest export]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_BODIES = ROOT.parent / "shared" / "data" / "fnc1-train" / "train_bodies.csv"
OUTLETS = ["Outlet A", "Outlet B", "Outlet C", "Outlet D", "Outlet E"]
DIM = 384
PASSAGES_PER_BODY = 11.0
"""About how many passages the ingest makes of one FNC-1 body (measured: 1,835 for 160)."""


class StandInEmbedder:
    """Deterministic cheap vectors (see the module docstring): not a language model."""

    model_id = "standin/hashed-bag-of-words-384"
    backend = "standin"
    dim = DIM

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self._hasher = HashingVectorizer(n_features=2**16, alternate_sign=False)
        self._projection = (
            np.random.default_rng(14).standard_normal((2**16, DIM)).astype(np.float32)
        )

    def encode(self, texts) -> np.ndarray:
        out = np.asarray(self._hasher.transform(list(texts)) @ self._projection, dtype=np.float32)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            out[i] += 0.15 * np.random.default_rng(seed).standard_normal(DIM) / DIM**0.5
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out.astype(np.float32)


def _rotated(body: str, k: int) -> str:
    """Edition ``k`` of a body: the sentences of each paragraph rotated by ``k``."""
    if k == 0:
        return body
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n|\n", body):
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", paragraph.strip()) if s]
        if len(sentences) > 1:
            shift = k % len(sentences)
            sentences = sentences[shift:] + sentences[:shift]
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(p for p in paragraphs if p)


def write_corpus(bodies: Path, passages: int, folder: Path) -> int:
    csv.field_size_limit(10**8)
    with open(bodies, encoding="utf-8", newline="") as handle:
        rows = [(r["Body ID"], r["articleBody"]) for r in csv.DictReader(handle)]
    editions = max(1, round(passages / (PASSAGES_PER_BODY * len(rows)) + 0.49))
    folder.mkdir(parents=True)
    count = 0
    with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["file", "outlet", "kind", "title"])
        for k in range(editions):
            for i, (body_id, text) in enumerate(rows):
                name = f"e{k}_{i:05d}_body{body_id}.txt"
                (folder / name).write_text(_rotated(text, k), encoding="utf-8")
                out.writerow([name, OUTLETS[i % len(OUTLETS)], "news", f"FNC-1 body {body_id}/{k}"])
                count += 1
    return count


def _settings(home: Path):
    from workbench.config import Settings

    return Settings.load(db=home / "wb.db", embeddings_dir=home / "emb", progress=False)


def phase_build(home: Path, bodies: Path, passages: int) -> dict:
    from workbench.embed.embedder import embed_store
    from workbench.ingest.batch import ingest_paths
    from workbench.store import Store

    documents = write_corpus(bodies, passages, home / "corpus")
    settings = _settings(home)
    with Store(settings.db) as store:
        t = time.perf_counter()
        ingest_paths(store, [home / "corpus"], settings=settings)
        ingest_s = time.perf_counter() - t
        t = time.perf_counter()
        embedded = embed_store(store, settings, embedder=StandInEmbedder())
        return {
            "documents": documents,
            "passages": embedded.passages,
            "sentences": embedded.sentences,
            "ingest_s": ingest_s,
            "standin_embed_s": time.perf_counter() - t,
        }


def _rss_mb() -> tuple[float, float]:
    """This process's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def _standin_model(settings):
    """The relation model ``settings`` name, told by its card to read the stand-in's
    vectors: its relations mean nothing here, its time and memory per pair are real."""
    from workbench.suggest.relation import RelationModel
    from workbench.suggest.stage import settings_model_path

    model = RelationModel.load(settings_model_path(settings))
    model.card = {**model.card, "embedding_model": StandInEmbedder.model_id}
    return model


def phase_align(home: Path, suggest_minutes: float, align: bool = True) -> dict:
    """``align_store`` (unless ``align`` is False: the store is aligned already) then
    ``suggest_store`` in this one process, as ``workbench align`` runs them; the
    suggestion stage is stopped after ``suggest_minutes`` (it keeps what it finished), and
    this process's memory is sampled every 10 s meanwhile."""
    import threading

    from workbench.align.aligner import align_store
    from workbench.store import Store
    from workbench.suggest.stage import RUN_META_KEY, suggest_store

    settings = _settings(home)
    embedder = StandInEmbedder()
    out: dict = {"samples": []}
    started = time.perf_counter()

    def sample() -> None:
        while True:
            rss, peak = _rss_mb()
            out["samples"].append((round(time.perf_counter() - started), round(rss), round(peak)))
            time.sleep(10)

    def stop() -> None:
        """Print what was done and end the process, as a stopped ``workbench align`` would."""
        with sqlite3.connect(home / "wb.db", timeout=60) as db:
            out["suggestions_stored"] = db.execute("SELECT count(*) FROM suggestions").fetchone()[0]
            out["framing_stored"] = db.execute("SELECT count(*) FROM passage_framing").fetchone()[0]
        out["peak_mb_self"] = _rss_mb()[1]
        print(json.dumps(out), flush=True)
        os._exit(0)

    threading.Thread(target=sample, daemon=True).start()
    model = _standin_model(settings)
    with Store(settings.db) as store:
        if align:
            t = time.perf_counter()
            aligned = align_store(store, settings, embedder=embedder)
            out.update(align_s=time.perf_counter() - t, alignment_rows=aligned.pairs)
        else:
            store.delete_meta(RUN_META_KEY)  # score every visible pair again
        out["peak_mb_after_align"] = _rss_mb()[1]
        timer = threading.Timer(suggest_minutes * 60, stop)
        timer.daemon = True
        timer.start()
        t = time.perf_counter()
        suggested = suggest_store(store, settings, embedder=embedder, model=model)
        timer.cancel()
        seconds = time.perf_counter() - t
        out.update(
            suggest_s=seconds,
            suggested=suggested.pairs,
            scored_per_s=suggested.scored / seconds,
            candidates_per_s=suggested.candidates / seconds,
            finished=True,
        )
    stop()
    return out


def _child(phase: str, home: Path, args: argparse.Namespace) -> tuple[dict, float]:
    """Runs ``phase`` in a fresh process; its JSON result and peak MB."""
    command = [sys.executable, __file__, "--phase", phase, "--home", str(home)]
    command += ["--passages", str(args.passages), "--bodies", str(args.bodies)]
    command += ["--suggest-minutes", str(getattr(args, "suggest_minutes", 10.0))]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"phase {phase} failed ({status})")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def _export(home: Path, extra: list[str]) -> tuple[float, float, int]:
    """Seconds, peak MB and output lines of ``workbench pairs --format jsonl``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WORKBENCH_PROGRESS": "0"}
    command = [sys.executable, "-m", "workbench.cli", "-q", "--db", str(home / "wb.db")]
    command += ["pairs", "--format", "jsonl", *extra]
    t = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE)
    lines = sum(1 for _ in child.stdout)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed ({status})")
    return time.perf_counter() - t, usage.ru_maxrss / 1024, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--bodies", type=Path, default=DEFAULT_BODIES)
    parser.add_argument("--keep", type=Path, default=None, help="work in (and keep) this folder")
    parser.add_argument(
        "--suggest-minutes",
        type=float,
        default=10.0,
        help="stop the suggestion stage after this long (it keeps what it finished)",
    )
    parser.add_argument(
        "--phases",
        nargs="+",
        default=["build", "align", "export"],
        help="build align suggest export",
    )
    parser.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "build":
        print(json.dumps(phase_build(args.home, args.bodies, args.passages)))
        return
    if args.phase in ("align", "suggest"):
        phase_align(args.home, args.suggest_minutes, align=args.phase == "align")
        return
    with tempfile.TemporaryDirectory() as tmp:
        home = args.keep or Path(tmp)
        home.mkdir(parents=True, exist_ok=True)
        print("vectors: deterministic stand-in (hashed bag of words), not the model", flush=True)
        if "build" in args.phases:
            built, peak = _child("build", home, args)
            print(f"build: {json.dumps(built)}; peak {peak:.0f} MB", flush=True)
        for phase, label in (("align", "align + suggest"), ("suggest", "suggest")):
            if phase in args.phases:
                done, peak = _child(phase, home, args)
                print(f"{label}: {json.dumps(done)}; peak {peak:.0f} MB", flush=True)
        if "export" not in args.phases:
            return
        seconds, peak, lines = _export(home, [])
        print(
            f"workbench pairs --format jsonl: {lines:,} lines, {seconds:.1f} s, peak {peak:.0f} MB"
        )
        seconds, peak, lines = _export(home, ["--min-score", "1.1"])
        print(f"... --min-score 1.1 (no rows: the command's baseline): {peak:.0f} MB")
        with sqlite3.connect(home / "wb.db") as db:
            rows = db.execute("SELECT count(*) FROM alignments").fetchone()[0]
        size = sum(p.stat().st_size for p in home.glob("wb.db*")) / 2**20
        print(f"alignment rows {rows:,}; database {size:.0f} MB")


if __name__ == "__main__":
    main()
