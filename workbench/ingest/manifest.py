"""The metadata manifest: a CSV with one row per file.

Header ``file,outlet,kind,title,author,published,url,language``; an ``id`` column, when
present, names the document; any further column is kept as extra metadata. ``file`` is
relative to the manifest's folder.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import ManifestError
from workbench.models import DocumentMeta

MANIFEST_NAME = "manifest.csv"
COLUMNS = ("file", "outlet", "kind", "title", "author", "published", "url", "language")
_ID = re.compile(r"^[\w.:-]{1,200}$")


@dataclass(frozen=True)
class ManifestEntry:
    path: Path
    doc_id: str | None
    meta: DocumentMeta
    line: int


@dataclass(frozen=True)
class Manifest:
    path: Path
    entries: dict[Path, ManifestEntry]

    def get(self, file: Path) -> ManifestEntry | None:
        return self.entries.get(file.resolve())


def read_manifest(path: Path) -> Manifest:
    """Parse a manifest; any malformed row stops with its line number."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read manifest {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ManifestError(f"manifest {path} is not UTF-8; save it as UTF-8 CSV") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    if "file" not in header:
        raise ManifestError(
            f"manifest {path} has no 'file' column; its header must start {','.join(COLUMNS)}"
        )
    reader.fieldnames = header
    base = path.parent
    entries: dict[Path, ManifestEntry] = {}
    ids: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise ManifestError(f"{path}:{line}: more cells than header columns")
        values = {k: (v or "").strip() for k, v in row.items()}
        if not values["file"]:
            raise ManifestError(f"{path}:{line}: empty 'file' cell")
        file = (base / values["file"]).resolve()
        if file in entries:
            raise ManifestError(
                f"{path}:{line}: {values['file']} is listed twice (first on line "
                f"{entries[file].line})"
            )
        doc_id = values.get("id") or None
        if doc_id is not None:
            if not _ID.match(doc_id):
                raise ManifestError(
                    f"{path}:{line}: id {doc_id!r} may hold only letters, digits, '.', ':', "
                    "'_' and '-'"
                )
            if doc_id in ids:
                raise ManifestError(
                    f"{path}:{line}: id {doc_id!r} already used on line {ids[doc_id]}"
                )
            ids[doc_id] = line
        extra = {k: v for k, v in values.items() if k not in COLUMNS and k != "id" and v}
        meta = DocumentMeta(
            outlet=values.get("outlet") or "unknown",
            kind=values.get("kind", ""),
            title=values.get("title", ""),
            author=values.get("author", ""),
            published=values.get("published", ""),
            url=values.get("url", ""),
            language=values.get("language", ""),
            extra=extra,
        )
        entries[file] = ManifestEntry(file, doc_id, meta, line)
    return Manifest(path, entries)


_MONTH_NAMES = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}


def normalise_date(published: str) -> str:
    """An ISO date prefix (``2021``, ``2021-01``, ``2021-01-08``) from a free-form date."""
    text = published.strip().lower()
    if not text:
        return ""
    match = re.search(r"\b((?:19|20)\d\d)-(\d\d)(?:-(\d\d))?", text)
    if match:
        return "-".join(p for p in match.groups() if p)
    match = re.search(r"\b(\d{1,2})[./](\d{1,2})[./]((?:19|20)\d\d)\b", text)
    if match:
        day, month, year = match.groups()
        if 1 <= int(month) <= 12:
            return f"{year}-{int(month):02d}-{int(day):02d}"
    year = re.search(r"\b((?:19|20)\d\d)\b", text)
    if not year:
        return ""
    month = next((n for name, n in _MONTH_NAMES.items() if re.search(rf"\b{name[:3]}", text)), 0)
    if not month:
        return year.group(1)
    day = re.search(r"\b([0-3]?\d)(?:st|nd|rd|th)?\b(?!\d)", text.replace(year.group(1), ""))
    if day and 1 <= int(day.group(1)) <= 31:
        return f"{year.group(1)}-{month:02d}-{int(day.group(1)):02d}"
    return f"{year.group(1)}-{month:02d}"
