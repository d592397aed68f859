"""Time of the persuasion-technique detector per passage, beside the embedding time.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_techniques.py [--model PATH] [--rounds 5]

Segments the bundled corpus, embeds the sentences of every text passage with the product's
embedder (backend ``auto``, no vector cache, so this is the real embedding cost), then runs
``TechniqueModel.detect`` on every passage with those vectors, several rounds; then the
framing stage's own batch call, :func:`workbench.suggest.framing.analyse_passages`, with and
without the detector (the vectors handed over by a stub encoder, as the vector cache would),
so the difference is what the detector adds to the stage. Prints the median per passage of
each, and per document how many sentences the detector flags, how many its dispute head
flags, and how many passages dispute framing by the rules alone and with the gated
detector. Wall and CPU time are both printed: on a machine shared with other
processes the wall time grows with their load, the CPU time does not. Nothing here asserts
anything.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from workbench.config import Settings  # noqa: E402
from workbench.embed.embedder import LazyEmbedder  # noqa: E402
from workbench.ingest.segment import segment  # noqa: E402
from workbench.models import PassageKind  # noqa: E402
from workbench.suggest import framing  # noqa: E402
from workbench.suggest.techniques import TechniqueModel  # noqa: E402


def corpus_passages() -> list[tuple[str, str, list[tuple[int, int]]]]:
    """(document id, passage text, sentence spans relative to the passage) per text passage."""
    out = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        seg = segment(path.stem, path.read_text(encoding="utf-8"))
        by_passage = defaultdict(list)
        for s in seg.sentences:
            by_passage[s.passage_id].append(s)
        for p in seg.passages:
            if p.kind is not PassageKind.TEXT or not by_passage[p.id]:
                continue
            spans = [(s.start - p.start, s.end - p.start) for s in by_passage[p.id]]
            out.append((path.stem, p.text, spans))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    passages = corpus_passages()
    sentences = [text[s:e] for _, text, spans in passages for s, e in spans]
    embedder = LazyEmbedder(Settings.load(progress=False))
    embedder.encode(sentences[:8])  # load the model outside the timing
    started = time.perf_counter()
    cpu = time.process_time()
    vectors = embedder.encode(sentences)
    embed_ms = (time.perf_counter() - started) * 1000 / len(passages)
    embed_cpu = (time.process_time() - cpu) * 1000 / len(passages)

    model = TechniqueModel.load(args.model)
    cut = np.cumsum([0] + [len(spans) for _, _, spans in passages])
    per_round = []
    cpu_round = []
    found = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        cpu = time.process_time()
        found = [
            model.detect(text, spans, vectors[cut[i] : cut[i + 1]])
            for i, (_, text, spans) in enumerate(passages)
        ]
        cpu_round.append((time.process_time() - cpu) * 1000 / len(passages))
        per_round.append((time.perf_counter() - started) * 1000 / len(passages))
    print(f"model {model.model_id}; embedder {embedder.model_id} ({embedder.backend})")
    print(
        f"{len(passages)} passages, {len(sentences)} sentences "
        f"({len(sentences) / len(passages):.1f} per passage)"
    )
    print(
        f"embedding:  {embed_ms:7.2f} ms per passage wall, {embed_cpu:.2f} ms CPU "
        "(one batch of all sentences; CPU time adds up every thread)"
    )
    print(
        f"detector:   {statistics.median(per_round):7.2f} ms per passage wall, "
        f"{statistics.median(cpu_round):.2f} ms CPU (median of {args.rounds} rounds; wall "
        f"{min(per_round):.2f} to {max(per_round):.2f})"
    )
    texts = [text for _, text, _ in passages]
    cached = dict(zip(sentences, vectors, strict=True))

    def encode(batch: list[str]) -> np.ndarray:
        return np.stack([cached[t] for t in batch])

    times: dict[str, list[tuple[float, float]]] = {"rules": [], "gated": []}
    rules: list[framing.Framing] = []
    gated: list[framing.Framing] = []
    for _ in range(args.rounds):
        for name in times:
            framing._detect.cache_clear()
            started, cpu = time.perf_counter(), time.process_time()
            if name == "rules":
                rules = framing.analyse_passages(texts)
            else:
                gated = framing.analyse_passages(
                    texts, encode, detector=model, embedding_model=embedder.model_id
                )
            times[name].append(
                (
                    (time.perf_counter() - started) * 1000 / len(passages),
                    (time.process_time() - cpu) * 1000 / len(passages),
                )
            )
    wall = {k: statistics.median(w for w, _ in v) for k, v in times.items()}
    cpu_ms = {k: statistics.median(c for _, c in v) for k, v in times.items()}
    print(
        f"framing stage, per passage (median of {args.rounds} rounds): rules "
        f"{wall['rules']:.2f} ms wall / {cpu_ms['rules']:.2f} ms CPU; rules and gated detector "
        f"{wall['gated']:.2f} / {cpu_ms['gated']:.2f}: the detector adds "
        f"{wall['gated'] - wall['rules']:.2f} ms wall, "
        f"{cpu_ms['gated'] - cpu_ms['rules']:.2f} ms CPU"
    )
    flagged: dict[str, set] = defaultdict(set)
    disputing: dict[str, set] = defaultdict(set)
    totals: dict[str, int] = defaultdict(int)
    for (doc, _, spans), hits in zip(passages, found, strict=True):
        totals[doc] += len(spans)
        for h in hits:
            flagged[doc].add((id(spans), h.start))
            if h.disputes:
                disputing[doc].add((id(spans), h.start))
    by_rules: dict[str, int] = defaultdict(int)
    by_both: dict[str, int] = defaultdict(int)
    counted: dict[str, int] = defaultdict(int)
    for (doc, _, _), r, g in zip(passages, rules, gated, strict=True):
        counted[doc] += 1
        by_rules[doc] += r.disputes
        by_both[doc] += g.disputes
    print(
        f"\n{'document':28} {'sentences':>9} {'flagged':>8} {'disputes':>8}   "
        f"{'passages':>8} {'disputing: rules':>16} {'+ gated detector':>16}"
    )
    for doc in totals:
        print(
            f"{doc:28} {totals[doc]:9d} {len(flagged[doc]):8d} {len(disputing[doc]):8d}   "
            f"{counted[doc]:8d} {by_rules[doc]:16d} {by_both[doc]:16d}"
        )


if __name__ == "__main__":
    main()
