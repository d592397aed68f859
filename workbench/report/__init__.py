"""Comparison reports: what the sources share, where they differ, what analysts decided.

:func:`build_report` builds the tables (pandas) from the store; :func:`write_report` and
:func:`render_report` run one writer per format: Markdown, HTML, CSV, XLSX, JSON, JSON-LD.
The CLI command and the app's Report page both call these two functions.
"""

from workbench.report.build import Provenance, Report, ReportScope, build_report
from workbench.report.markdown import preview_markdown
from workbench.report.writers import (
    FORMATS,
    file_name,
    format_for_path,
    media_type,
    render_report,
    write_report,
)

__all__ = [
    "FORMATS",
    "Provenance",
    "Report",
    "ReportScope",
    "build_report",
    "file_name",
    "format_for_path",
    "media_type",
    "preview_markdown",
    "render_report",
    "write_report",
]
