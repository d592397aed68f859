"""Reports for the app's Report page: built when the analyst asks, kept by scope, and written
in a format only when its file is downloaded.

Building reads the store once (:func:`workbench.report.build_report`). A session keeps its
last few built reports by scope, so going back to a scope or changing the format costs
nothing; each remembers a few cheap marks of the database (last tag, last decision, the
alignment, suggestions, documents) so the page can say when it no longer shows the latest
work. A :class:`Download` carries the file name, the media type and a function that writes
the bytes, which the download button calls only when the file is asked for.
"""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from workbench.config import Settings
from workbench.progress import SILENT, Reporter
from workbench.report import (
    Report,
    ReportScope,
    build_report,
    file_name,
    media_type,
    preview_markdown,
    render_report,
)
from workbench.store import Store

PREVIEW_CLAIMS = 10
"""Claims written into the page's preview; the download holds them all."""
PREVIEW_SECTION_CHARS = 50_000
"""Characters the preview keeps of each top-level section, so that a large corpus's list of
claims never addressed (megabytes at 10,000 passages) cannot swamp the page."""
KEEP = 3
"""Built reports a session keeps (each holds the texts of every document)."""


def analysts(store: Store) -> list[str]:
    """Everyone who has tagged a pair, in alphabetical order (the choices of ``--analyst``)."""
    return store.analysts()


def database_marks(store: Store) -> tuple[object, ...]:
    """Values that change when tags, decisions, the alignment, suggestions or the set of
    documents change; comparing them tells whether a built report is behind the store."""
    return store.change_marks()


def _slug(value: str, width: int = 40) -> str:
    ascii_only = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")[:width].strip("-")


def file_stem(scope: ReportScope) -> str:
    """A file name stem that says what the report covers (``report-hrw-contradicts``):
    letters, digits and dashes only, whatever the outlet or analyst is called."""
    parts = [scope.focus or "", scope.relation or "", scope.analyst or ""]
    parts.append("tagged" if scope.tagged_only else "")
    return "-".join(["report", *[s for s in map(_slug, parts) if s]])


_SECTION = re.compile(r"^(?=## )", re.MULTILINE)


def cut_sections(markdown: str, limit: int = PREVIEW_SECTION_CHARS) -> str:
    """``markdown`` with each top-level (``## ``) section cut at the last line end within
    ``limit`` characters, saying how much of it was left out; every section keeps its
    heading. (The Markdown writer escapes a ``#`` that starts a line of source text, so only
    the report's own headings match.)"""
    out = []
    for section in _SECTION.split(markdown):
        if len(section) <= limit:
            out.append(section)
            continue
        end = section.rfind("\n", 0, limit) + 1 or limit
        left = section[end:]
        out.append(
            f"{section[:end]}\n… {len(left):,} more characters of this section are in the "
            "full report.\n\n"
        )
    return "".join(out)


@dataclass(frozen=True)
class Download:
    """What a download button needs: the file's name, its media type, and a function that
    writes the report in its format (called only when the file is downloaded)."""

    file_name: str
    media_type: str
    data: Callable[[], bytes]


def download(report: Report, fmt: str) -> Download:
    """The download of ``report`` in ``fmt``; raises InvalidInput for an unknown format."""
    return Download(
        file_name=file_name(fmt, file_stem(report.scope)),
        media_type=media_type(fmt),
        data=partial(render_report, report, fmt),
    )


@dataclass(frozen=True)
class BuiltReport:
    """A report as built for the page, with its Markdown preview and the database marks at
    the time it was built."""

    report: Report
    preview: str
    marks: tuple[object, ...]

    def download(self, fmt: str) -> Download:
        return download(self.report, fmt)

    def is_current(self, store: Store) -> bool:
        """False when tags, decisions, the alignment, suggestions or documents changed since
        the report was built."""
        return database_marks(store) == self.marks


class RecentReports:
    """The last ``keep`` reports a session built, by scope (one per scope, newest last),
    each with a preview of its first ``preview_claims`` claims, every section cut to
    ``preview_section_chars``.

    A failed build leaves what was kept untouched, so an error never costs the analyst a
    report they already had.
    """

    def __init__(
        self,
        keep: int = KEEP,
        preview_claims: int = PREVIEW_CLAIMS,
        preview_section_chars: int = PREVIEW_SECTION_CHARS,
    ) -> None:
        self.keep = keep
        self.preview_claims = preview_claims
        self.preview_section_chars = preview_section_chars
        self._built: OrderedDict[ReportScope, BuiltReport] = OrderedDict()

    def __len__(self) -> int:
        return len(self._built)

    def get(self, scope: ReportScope) -> BuiltReport | None:
        """The report built for ``scope``, if it is still kept."""
        return self._built.get(scope.checked())

    def build(
        self,
        store: Store,
        settings: Settings,
        scope: ReportScope,
        *,
        progress: Reporter = SILENT,
    ) -> BuiltReport:
        """Build the report of ``scope`` (again, if it was built before) and keep it."""
        scope = scope.checked()
        marks = database_marks(store)
        report = build_report(store, settings, scope, progress=progress)
        preview = cut_sections(
            preview_markdown(report, self.preview_claims), self.preview_section_chars
        )
        built = BuiltReport(report, preview, marks)
        self._built.pop(scope, None)
        self._built[scope] = built
        while len(self._built) > self.keep:
            self._built.popitem(last=False)
        return built
