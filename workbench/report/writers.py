"""One writer per format, and writing a report to a file (atomically) or to bytes."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from workbench.errors import InvalidInput
from workbench.report.build import Report


@dataclass(frozen=True)
class Format:
    """A report format: its writer, whether it is text, its file suffix and media type."""

    name: str
    suffix: str
    media_type: str
    binary: bool
    write: Callable[[Report, Any], None]
    newline: str | None = None
    encoding: str = "utf-8"


def _formats() -> dict[str, Format]:
    from workbench.report.data import write_json, write_jsonld
    from workbench.report.html import write_html
    from workbench.report.markdown import write_markdown
    from workbench.report.sheets import write_csv, write_xlsx

    return {
        "md": Format("md", ".md", "text/markdown", False, write_markdown),
        "html": Format("html", ".html", "text/html", False, write_html),
        "csv": Format(
            "csv", ".csv", "text/csv", False, write_csv, newline="", encoding="utf-8-sig"
        ),
        "xlsx": Format(
            "xlsx",
            ".xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            True,
            write_xlsx,
        ),
        "json": Format("json", ".json", "application/json", False, write_json),
        "jsonld": Format("jsonld", ".jsonld", "application/ld+json", False, write_jsonld),
    }


FORMATS = ("md", "html", "csv", "xlsx", "json", "jsonld")


def get_format(name: str) -> Format:
    formats = _formats()
    if name not in formats:
        raise InvalidInput(f"unknown report format {name!r}; use one of {', '.join(FORMATS)}")
    return formats[name]


def format_for_path(path: Path) -> str:
    """The format a file name asks for by its suffix (``report.html`` -> ``html``)."""
    suffix = path.suffix.lower()
    for name in FORMATS:
        if get_format(name).suffix == suffix:
            return name
    raise InvalidInput(
        f"cannot tell the report format from {path.name!r}; pass --format ({', '.join(FORMATS)})"
    )


def _write(report: Report, fmt: Format, stream: IO[bytes]) -> None:
    if fmt.binary:
        fmt.write(report, stream)
        return
    text = io.TextIOWrapper(stream, encoding=fmt.encoding, newline=fmt.newline, write_through=False)
    try:
        fmt.write(report, text)
        text.flush()
    finally:
        text.detach()


def write_report(report: Report, fmt: str, out: Path | str) -> None:
    """Write ``report`` as ``fmt`` to the file ``out`` (``-``: standard output).

    The file is written beside its destination and renamed into place, so an interrupted
    run never leaves half a report under the real name.
    """
    spec = get_format(fmt)
    if str(out) == "-":
        if spec.binary and sys.stdout.isatty():
            raise InvalidInput(f"{fmt} is binary; give a file name with --out")
        _write(report, spec, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    path = Path(out)
    if path.is_dir():
        raise InvalidInput(f"--out {path} is a folder; give a file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(temp, "wb") as stream:
            _write(report, spec, stream)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def render_report(report: Report, fmt: str) -> bytes:
    """The report as bytes, for a download button."""
    buffer = io.BytesIO()
    _write(report, get_format(fmt), buffer)
    return buffer.getvalue()


def media_type(fmt: str) -> str:
    """The MIME type of a report format, for downloads."""
    return get_format(fmt).media_type


def file_name(fmt: str, stem: str = "report") -> str:
    """A file name for a report in ``fmt`` (``report.html``)."""
    return stem + get_format(fmt).suffix
