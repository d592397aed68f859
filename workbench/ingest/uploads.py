"""Documents uploaded through the app: saved to the uploads folder, then ingested like files.

An uploaded file keeps its (sanitised) name in the uploads folder, so uploading a new
version of it replaces the document, as re-ingesting a changed file does. Its metadata goes
into a manifest written for the batch, so the result is what `workbench ingest` gives for
the same files and metadata. One bad file is reported and the others go on.
"""

from __future__ import annotations

import csv
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workbench.config import Settings
from workbench.ingest.batch import FileResult, IngestReport, ingest_paths
from workbench.ingest.manifest import COLUMNS
from workbench.ingest.readers import SUPPORTED
from workbench.models import DocumentMeta
from workbench.progress import SILENT, Reporter
from workbench.store import Store


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name as given by the browser, its bytes and its metadata."""

    name: str
    data: bytes
    meta: DocumentMeta = field(default_factory=DocumentMeta)


def safe_name(name: str) -> str:
    """A file name that cannot leave the uploads folder or hide: letters, digits, ``._-``."""
    base = unicodedata.normalize("NFKC", name.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^\w.-]+", "_", stem, flags=re.UNICODE).strip("._")[:120] or "upload"
    suffix = re.sub(r"[^A-Za-z0-9]", "", suffix)[:10].lower()
    return f"{stem}.{suffix}" if suffix else stem


def ingest_uploads(
    store: Store,
    uploads: Sequence[Upload],
    settings: Settings,
    *,
    progress: Reporter = SILENT,
    actor: str = "",
) -> IngestReport:
    """Save ``uploads`` to ``settings.uploads_dir`` and ingest them; one result per file.

    ``actor`` (the signed-in user) is recorded in the audit trail with each document.
    """
    folder = settings.uploads_dir
    folder.mkdir(parents=True, exist_ok=True)
    report = IngestReport()
    saved: list[tuple[Path, DocumentMeta]] = []
    for upload in uploads:
        name = safe_name(upload.name)
        if "." + name.rpartition(".")[2] not in SUPPORTED:
            report.results.append(
                FileResult(
                    Path(upload.name),
                    "rejected",
                    reason=f"unsupported file type; upload one of {', '.join(SUPPORTED)}",
                )
            )
            continue
        if any(path.name == name for path, _ in saved):
            report.results.append(
                FileResult(Path(upload.name), "rejected", reason=f"{name} is twice in this upload")
            )
            continue
        path = folder / name
        path.write_bytes(upload.data)
        saved.append((path, upload.meta))
    if not saved:
        return report
    with tempfile.TemporaryDirectory(prefix="workbench-upload-") as tmp:
        manifest = Path(tmp) / "manifest.csv"
        with open(manifest, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            for path, meta in saved:
                writer.writerow(
                    [
                        str(path.resolve()),
                        meta.outlet,
                        meta.kind,
                        meta.title,
                        meta.author,
                        meta.published,
                        meta.url,
                        meta.language,
                    ]
                )
        done = ingest_paths(
            store,
            [p for p, _ in saved],
            settings=settings,
            manifest=manifest,
            progress=progress,
            actor=actor,
        )
    report.results.extend(done.results)
    return report
