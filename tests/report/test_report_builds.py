"""Reports built for the app's Report page: kept by scope, marked stale, downloaded lazily."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from aligned_store import aligned_store, pair_between

from workbench.config import Settings
from workbench.errors import InvalidInput, NotFound
from workbench.report import Provenance, ReportScope, build_report, render_report
from workbench.report.builds import (
    PREVIEW_CLAIMS,
    RecentReports,
    analysts,
    cut_sections,
    download,
    file_stem,
)
from workbench.store import Store

FIXED = Provenance(generated_at="2026-01-01T00:00:00+00:00", version="0.0.0-test")


@pytest.fixture
def store(tmp_path: Path, settings: Settings):  # type: ignore[no-untyped-def]
    with aligned_store(tmp_path, settings) as opened:
        yield opened


def test_analysts_are_everyone_who_tagged_once_each_in_alphabetical_order(store: Store) -> None:
    assert analysts(store) == []
    pair = pair_between(store, "ngo", "195", "agency")
    for name in ("ben", "Ana", "ben", "cy"):
        store.add_tag(pair, "related", name)
    assert analysts(store) == ["Ana", "ben", "cy"]


def test_the_file_stem_names_the_scope_with_letters_digits_and_dashes_only() -> None:
    assert file_stem(ReportScope()) == "report"
    scope = ReportScope('Évil <script>"News"</script>', "contradicts", "Ana  Lyst", True)
    assert file_stem(scope) == "report-evil-script-news-script-contradicts-ana-lyst-tagged"
    assert file_stem(ReportScope("../../etc/passwd")) == "report-etc-passwd"
    assert file_stem(ReportScope("新闻")) == "report"


def test_a_download_holds_the_report_in_its_format_with_its_name_and_type(
    store: Store, settings: Settings
) -> None:
    report = build_report(store, settings, ReportScope(focus="News Agency"), provenance=FIXED)
    csv_file = download(report, "csv")
    assert (csv_file.file_name, csv_file.media_type) == ("report-news-agency.csv", "text/csv")
    data = csv_file.data()
    assert data == render_report(report, "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == report.counts()["pairs"] > 0
    assert all("News Agency" in (r["a_outlet"], r["b_outlet"]) for r in rows)
    xlsx = download(report, "xlsx")
    assert xlsx.file_name == "report-news-agency.xlsx"
    assert xlsx.media_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx.data()[:2] == b"PK"


def test_a_download_in_an_unknown_format_is_refused(store: Store, settings: Settings) -> None:
    report = build_report(store, settings, ReportScope(), provenance=FIXED)
    with pytest.raises(InvalidInput, match="unknown report format 'pdf'; use one of md, html"):
        download(report, "pdf")


def test_reports_are_kept_by_scope_and_the_oldest_goes_first(
    store: Store, settings: Settings
) -> None:
    shelf = RecentReports(keep=2)
    everything = shelf.build(store, settings, ReportScope())
    assert shelf.get(ReportScope()) is everything
    agency = shelf.build(store, settings, ReportScope(focus=" News Agency "))
    assert shelf.get(ReportScope(focus="News Agency")) is agency  # names tidied as the CLI does
    assert agency.report.scope.focus == "News Agency"
    shelf.build(store, settings, ReportScope(relation="Related"))
    assert len(shelf) == 2
    assert shelf.get(ReportScope()) is None
    assert shelf.get(ReportScope(relation="related")) is not None


def test_building_a_scope_again_replaces_it_and_keeps_it_longest(
    store: Store, settings: Settings
) -> None:
    shelf = RecentReports(keep=2)
    first = shelf.build(store, settings, ReportScope())
    shelf.build(store, settings, ReportScope(focus="ngo"))
    again = shelf.build(store, settings, ReportScope())
    assert again is not first and shelf.get(ReportScope()) is again
    shelf.build(store, settings, ReportScope(focus="agency"))
    assert shelf.get(ReportScope()) is again
    assert shelf.get(ReportScope(focus="ngo")) is None


def test_a_failed_build_keeps_the_reports_already_built(store: Store, settings: Settings) -> None:
    shelf = RecentReports()
    kept = shelf.build(store, settings, ReportScope())
    with pytest.raises(NotFound, match="no document or outlet 'Nobody'; outlets are"):
        shelf.build(store, settings, ReportScope(focus="Nobody"))
    assert len(shelf) == 1 and shelf.get(ReportScope()) is kept


def test_the_preview_is_the_markdown_report_cut_to_its_first_claims(
    store: Store, settings: Settings
) -> None:
    whole = RecentReports(keep=1).build(store, settings, ReportScope())
    assert whole.report.counts()["claims"] <= PREVIEW_CLAIMS  # a small corpus: all of it
    assert whole.preview == render_report(whole.report, "md").decode()
    cut = RecentReports(preview_claims=2).build(store, settings, ReportScope())
    claims = cut.report.counts()["claims"]
    assert claims > 2
    assert f"… and {claims - 2} more claims in the full report." in cut.preview
    assert "## Methods and provenance" in cut.preview


def test_a_built_report_knows_when_tags_or_decisions_came_after_it(
    store: Store, settings: Settings
) -> None:
    shelf = RecentReports()
    built = shelf.build(store, settings, ReportScope())
    assert built.is_current(store)
    pair = pair_between(store, "ngo", "195", "agency")
    store.add_tag(pair, "corroborates", "Ana")
    assert not built.is_current(store)
    rebuilt = shelf.build(store, settings, ReportScope())
    assert rebuilt.is_current(store)
    store.add_adjudication(pair, "related", "Judge")
    assert not rebuilt.is_current(store)
    assert shelf.build(store, settings, ReportScope()).is_current(store)


def test_each_section_of_the_preview_is_cut_at_a_line_end_and_says_how_much_is_left() -> None:
    long = "".join(f"> line {i:03d} \\# not a heading\n" for i in range(100))
    text = f"# Title\n\n## Short\n\nkept whole\n\n## Long\n\n{long}\n## Methods\n\nend\n"
    cut = cut_sections(text, limit=120)
    assert cut.startswith("# Title\n\n## Short\n\nkept whole\n\n## Long\n\n> line 000")
    assert cut.endswith("## Methods\n\nend\n")
    kept, note = cut.split("## Long\n\n")[1].split("\n… ")
    assert kept.endswith(" \\# not a heading\n") and len("## Long\n\n" + kept) <= 120
    left = len(long) + 1 - len(kept)
    assert note.startswith(f"{left:,} more characters of this section are in the full report.")
    assert cut_sections(text, limit=len(text)) == text


def test_a_large_report_previews_every_section_cut_short(store: Store, settings: Settings) -> None:
    built = RecentReports(preview_section_chars=400).build(store, settings, ReportScope())
    headings = [line for line in built.preview.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Claims and their counterparts",
        "## Claims a source never addresses",
        "## Methods and provenance",
    ]
    assert built.preview.count("more characters of this section are in the full report.") >= 3
    assert len(built.preview) < 4 * 400 + 500
