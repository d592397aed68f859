"""Databases for report tests: the bundled corpus aligned with the deterministic fake
embedder, with a fixed set of tags and an adjudication whose timestamps are pinned, so
reports of it are byte-for-byte reproducible (golden files)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CORPUS, FakeEmbedder

from workbench.config import Settings
from workbench.ingest.batch import ingest_paths
from workbench.pipeline import realign
from workbench.report import Provenance, Report, ReportScope, build_report
from workbench.store import Store

FIXED = Provenance(generated_at="2026-01-01T00:00:00+00:00", version="0.0.0-test")
"""Run time and version written into test reports instead of the real ones."""


@dataclass
class Bundled:
    """An aligned, tagged database of the bundled corpus and what the tests need to know."""

    settings: Settings
    top_pairs: list[str]
    """Pairs with a rank-1 counterpart above the threshold, sorted by id."""
    low_pair: str
    """A pair that only a tag brings into a report (never rank 1)."""


def make_settings(root: Path) -> Settings:
    return Settings(
        db=root / "wb.db", embeddings_dir=root / "emb", corpus_dir=CORPUS, progress=False
    )


def align_folder(settings: Settings, folder: Path, actor: str = "cli:tester") -> Store:
    store = Store(settings.db)
    report = ingest_paths(store, [folder], settings=settings, actor=actor)
    assert not report.rejected, [r.line() for r in report.rejected]
    realign(store, settings, embedder=FakeEmbedder())
    return store


def _tag_fixture(store: Store, threshold: float) -> tuple[list[str], str]:
    top = [
        r[0]
        for r in store.conn.execute(
            "SELECT DISTINCT pair_id FROM alignments WHERE rank = 1 AND score >= ?"
            " ORDER BY pair_id",
            (threshold,),
        )
    ]
    low = store.conn.execute(
        "SELECT pair_id FROM alignments GROUP BY pair_id HAVING min(rank) > 1 ORDER BY pair_id"
        " LIMIT 1"
    ).fetchone()[0]
    store.add_tag(top[0], "corroborates", "Ana", "Both give the same figure")
    store.add_tag(top[0], "corroborates", "Ben")
    store.add_tag(top[1], "contradicts", "Ana", '=HYPERLINK("http://example.invalid","x")')
    store.add_tag(top[1], "related", "Ben", "-same event, different emphasis")
    store.add_tag(top[2], "related", "Ana")
    store.add_tag(top[2], "disputes_framing", "Ana", 'Calls the report "propaganda"')
    store.add_tag(low, "unrelated", "Ben", "Not the same event")
    store.add_adjudication(top[1], "contradicts", "Chief", "The figures differ")
    with store.write() as conn:
        conn.execute("UPDATE tags SET created_at = printf('2026-01-01T09:%02d:00.000+00:00', id)")
        conn.execute(
            "UPDATE adjudications SET created_at = printf('2026-01-02T09:%02d:00.000+00:00', id)"
        )
        conn.execute(
            "UPDATE audit SET at = printf('2025-12-31T%02d:%02d:00.000+00:00', id / 60, id % 60)"
        )
    return top, low


@pytest.fixture(scope="session")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Bundled:
    """The bundled corpus, aligned with the fake embedder, tagged by Ana and Ben."""
    settings = make_settings(tmp_path_factory.mktemp("bundled"))
    with align_folder(settings, CORPUS) as store:
        top, low = _tag_fixture(store, settings.threshold)
    return Bundled(settings, top, low)


@pytest.fixture
def bundled_store(bundled: Bundled) -> Iterator[Store]:
    with Store(bundled.settings.db) as store:
        yield store


# -- hostile text -------------------------------------------------------------------

SCRIPT = "<script>alert('passage')</script>"
IMG = '<img src=x onerror=alert("passage")>'
NOTE = "<script>alert('note')</script> =HYPERLINK(\"http://e.invalid\")"
ANALYST = "<img src=x onerror=alert('analyst')>"
OUTLET = 'Evil <script>alert("outlet")</script> News'
FORMULA_OUTLET = "=cmd|' /C calc'!A0"

DOCS = {
    "a.txt": (
        "Officials said twelve prisoners were released from camp 15 in June 2020 after a "
        f"review of their cases. {SCRIPT} The ministry confirmed the releases in a statement.\n\n"
        "Food shortages hit the northern provinces during the winter of 2020, aid groups said."
    ),
    "b.txt": (
        "Officials said twelve prisoners were released from camp 15 in June 2020 after a "
        f"review of their cases, the ministry said. {IMG} Families were not told in advance.\n\n"
        "Aid groups said food shortages hit the northern provinces during the 2020 winter."
    ),
    "c.txt": (
        "The ministry denied that any prisoners were released from camp 15 in June 2020 and "
        "called the claims about their cases a fabrication.\n\n"
        "The northern provinces had enough food during the winter of 2020, officials said."
    ),
}
MANIFEST = (
    "file,outlet,kind,title,author,published,url,language\n"
    f'a.txt,"{OUTLET.replace(chr(34), chr(34) * 2)}",outlet,"<b>Title</b>",,2020-06,'
    "javascript:alert(1),en\n"
    f'b.txt,"{FORMULA_OUTLET}",outlet,Plain title,,2020-07,https://example.org/b,en\n'
    "c.txt,Third Outlet,outlet,Another title,,2020-08,,en\n"
)


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    """A report of three small sources whose text, metadata and tags hold markup and
    formulas."""
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    settings = make_settings(root)
    with align_folder(settings, folder, actor=ANALYST) as store:
        pair = next(
            row["pair_id"]
            for row in store.aligned_pairs()
            if SCRIPT in row["a_text"] and IMG in row["b_text"]
        )
        store.add_tag(pair, "corroborates", ANALYST, NOTE)
        yield build_report(store, settings, ReportScope(), provenance=FIXED)
