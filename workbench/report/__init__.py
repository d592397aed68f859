"""Comparison reports: what the sources share, where they differ, what analysts decided.

:func:`build_report` builds the tables (pandas) from the store; :func:`write_report` and
:func:`render_report` run one writer per format: Markdown, HTML, CSV, XLSX, JSON, JSON-LD.
The CLI command and the app's Report page both call these two functions.
"""

from workbench.report.build import Provenance, Report, ReportScope, build_report
from workbench.report.writers import FORMATS, format_for_path, render_report, write_report

__all__ = [
    "FORMATS",
    "Provenance",
    "Report",
    "ReportScope",
    "build_report",
    "format_for_path",
    "render_report",
    "write_report",
]
