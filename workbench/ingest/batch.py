"""Ingest a batch of files and folders into the store, one result line per file.

A file is read, decoded, extracted, segmented and written in one transaction; a file that
fails is reported with the reason and the batch goes on. An unchanged file (same content
hash) is skipped; a changed one replaces its earlier version atomically.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from workbench.config import Settings
from workbench.errors import ManifestError, RejectedFile
from workbench.ingest.manifest import MANIFEST_NAME, Manifest, normalise_date, read_manifest
from workbench.ingest.readers import reader_for
from workbench.ingest.worker import limits_from, parse_isolated
from workbench.models import Document, DocumentMeta
from workbench.progress import SILENT, Reporter
from workbench.store import Store, now


@dataclass(frozen=True)
class FileResult:
    """What happened to one input file."""

    path: Path
    status: str  # ingested | replaced | unchanged | updated | rejected
    doc_id: str = ""
    reason: str = ""
    passages: int = 0

    def line(self) -> str:
        if self.status == "rejected":
            return f"rejected {self.path}: {self.reason}"
        detail = f" ({self.passages} passages)" if self.passages else ""
        return f"{self.status} {self.path} as {self.doc_id}{detail}"


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    @property
    def rejected(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "rejected"]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.status] = out.get(r.status, 0) + 1
        return out


def collect_files(paths: list[Path]) -> tuple[list[Path], list[FileResult]]:
    """Files named or found under folders (hidden files and manifests skipped)."""
    files: list[Path] = []
    missing: list[FileResult] = []
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                relative = found.relative_to(path).parts
                if (
                    found.is_file()
                    and not any(p.startswith(".") for p in relative)
                    and found.name != MANIFEST_NAME
                ):
                    files.append(found)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(FileResult(path, "rejected", reason="no such file or folder"))
    unique = list(dict.fromkeys(files))
    return unique, missing


def _manifests(paths: list[Path], explicit: Path | None) -> list[Manifest]:
    """The explicit manifest first, then each folder's own ``manifest.csv``."""
    found: list[Manifest] = []
    if explicit is not None:
        found.append(read_manifest(explicit))
    for path in paths:
        folder = path if path.is_dir() else path.parent
        candidates = [folder / MANIFEST_NAME]
        if path.is_dir():
            candidates += sorted(p for p in path.rglob(MANIFEST_NAME) if p.parent != folder)
        for candidate in candidates:
            if candidate.is_file() and all(m.path.resolve() != candidate.resolve() for m in found):
                found.append(read_manifest(candidate))
    return found


def ingest_paths(
    store: Store,
    paths: list[Path],
    *,
    settings: Settings,
    manifest: Path | None = None,
    progress: Reporter = SILENT,
    actor: str = "",
) -> IngestReport:
    """Ingest ``paths`` (files or folders). Raises only for an unreadable explicit manifest.

    ``actor`` is who asked, for the audit trail: the signed-in user in the app, the
    operating-system user (``cli:NAME``) on the command line, "" when unknown.
    """
    manifests = _manifests(paths, manifest)
    files, report_missing = collect_files(paths)
    report = IngestReport(list(report_missing))
    claimed: dict[str, Path] = {}
    with progress.task("ingesting", len(files)) as task:
        for file in files:
            try:
                report.results.append(
                    _ingest_file(store, file, manifests, settings, claimed, actor)
                )
            except RejectedFile as exc:
                report.results.append(FileResult(file, "rejected", reason=str(exc)))
            except ManifestError as exc:
                report.results.append(FileResult(file, "rejected", reason=str(exc)))
            task.advance()
    return report


def _ingest_file(
    store: Store,
    file: Path,
    manifests: list[Manifest],
    settings: Settings,
    claimed: dict[str, Path],
    actor: str,
) -> FileResult:
    entry = next((e for m in manifests if (e := m.get(file)) is not None), None)
    doc_id = (entry.doc_id if entry and entry.doc_id else None) or file.stem
    meta = entry.meta if entry else DocumentMeta()
    if doc_id in claimed and claimed[doc_id] != file:
        raise RejectedFile(
            f"document id {doc_id!r} is already taken by {claimed[doc_id]} in this batch; "
            "give one of them an 'id' in the manifest"
        )
    claimed[doc_id] = file
    reader_for(file)  # an unsupported type is rejected before the file is read
    size = file.stat().st_size
    limit = int(settings.max_file_mb * 1024 * 1024)
    if size > limit:
        raise RejectedFile(
            f"file is {size / 1048576:.1f} MB, over the {settings.max_file_mb:g} MB limit "
            "(setting WORKBENCH_MAX_FILE_MB)"
        )
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise RejectedFile(f"cannot read: {exc.strerror}") from None
    content_hash = hashlib.sha256(data).hexdigest()
    source = str(file)
    old_hash = store.document_hash(doc_id)
    old_source = store.document_source(doc_id)
    if old_hash is not None and old_hash != content_hash and old_source != source:
        raise RejectedFile(
            f"document id {doc_id!r} already belongs to {old_source}; give this file another "
            "'id' in the manifest, or delete that document first"
        )
    if old_hash == content_hash:
        existing = store.document(doc_id)
        if _merged_meta(meta, existing.meta) == existing.meta and existing.source_path == source:
            return FileResult(file, "unchanged", doc_id)
        store.update_document_meta(
            doc_id,
            _merged_meta(meta, existing.meta),
            source,
            normalise_date(meta.published or existing.meta.published),
            actor=actor,
        )
        return FileResult(file, "updated", doc_id)
    parsed = parse_isolated(data, file.name, doc_id, meta.author, limits_from(settings))
    meta = _fill_from_file(meta, parsed.metadata)
    if not any(p.kind == "text" for p in parsed.passages):
        raise RejectedFile("no paragraphs of text left after removing boilerplate")
    document = Document(
        id=doc_id,
        source_path=source,
        format=parsed.format,
        content_hash=content_hash,
        text=parsed.text,
        meta=meta,
        date=normalise_date(meta.published),
        encoding=parsed.encoding,
        ingested_at=now(),
    )
    store.replace_document(document, parsed.passages, parsed.sentences, actor=actor)
    passages = sum(1 for p in parsed.passages if p.kind == "text")
    return FileResult(file, "replaced" if old_hash else "ingested", doc_id, passages=passages)


def _fill_from_file(meta: DocumentMeta, found: dict[str, str]) -> DocumentMeta:
    """Metadata the manifest left empty, taken from the file itself (HTML or PDF)."""
    changes = {
        key: value
        for key, value in found.items()
        if key in {"title", "author", "published", "url"} and not getattr(meta, key)
    }
    return replace(meta, **changes) if changes else meta


def _merged_meta(new: DocumentMeta, old: DocumentMeta) -> DocumentMeta:
    """Manifest metadata for an unchanged file; fields the manifest leaves empty keep theirs."""
    if new == DocumentMeta():
        return old
    return new
