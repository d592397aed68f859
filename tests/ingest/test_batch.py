import sqlite3
from pathlib import Path

from conftest import make_pdf

from workbench.config import Settings
from workbench.ingest.batch import ingest_paths
from workbench.store import Store

GOOD_TEXT = "The border was closed in January.\n\nOnly 195 people crossed in 2020.\n"


def _bad_files(folder: Path) -> dict[str, str]:
    """Bad files of every kind the issue names, with the start of the expected reason."""
    files = {
        "binary.txt": (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, "this is a program"),
        "empty.txt": (b"", "empty file"),
        "latin.txt": (b"\xff\xfe\x00\xd8" * 3 + b"\x81\x8d\x8f\x90\x9d" * 40, ""),
        "truncated.html": (b"<html><body><nav>Home</nav><div", "no main text found"),
        "scan.pdf": (make_pdf([[]]), "the PDF has no extractable text"),
        "fake.pdf": (b"this is not a pdf at all", "not a PDF file"),
        "image.png": (b"\x89PNG\r\n\x1a\n", "unsupported file type '.png'"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    return {name: reason for name, (_, reason) in files.items()}


def test_bad_files_are_rejected_one_line_each_and_good_files_kept(
    tmp_path: Path, settings: Settings
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    expected = _bad_files(folder)
    (folder / "good_text.txt").write_text(GOOD_TEXT)
    (folder / "good_md.md").write_text("# Title\n\nA markdown paragraph about the border.\n")
    (folder / "good_pdf.pdf").write_bytes(make_pdf([["A PDF paragraph about executions."]]))
    with Store(settings.db) as store:
        report = ingest_paths(store, [folder], settings=settings)
        docs = {d.id for d in store.documents()}
    rejected = {r.path.name: r.reason for r in report.rejected}
    assert docs >= {"good_text", "good_md", "good_pdf"}
    assert set(rejected) >= set(expected) - {"latin.txt"}
    for name, reason in expected.items():
        if name == "latin.txt":
            continue  # garbage bytes: rejected or read as some 8-bit encoding, never a crash
        assert rejected[name].startswith(reason), (name, rejected[name])


def test_same_stem_in_one_batch_is_rejected_with_advice(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "report.txt").write_text(GOOD_TEXT)
    (tmp_path / "b" / "report.txt").write_text("Another report entirely.\n")
    with Store(settings.db) as store:
        report = ingest_paths(store, [tmp_path / "a", tmp_path / "b"], settings=settings)
    assert [r.status for r in report.results] == ["ingested", "rejected"]
    assert "document id 'report' is already taken by" in report.rejected[0].reason
    assert "give one of them an 'id' in the manifest" in report.rejected[0].reason


def test_reingest_unchanged_does_nothing_and_changed_replaces(
    tmp_path: Path, settings: Settings
) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text(GOOD_TEXT)
    with Store(settings.db) as store:
        first = ingest_paths(store, [doc], settings=settings).results[0]
        before = store.passages("doc")
        again = ingest_paths(store, [doc], settings=settings).results[0]
        doc.write_text(GOOD_TEXT + "\nA new paragraph was added.\n")
        changed = ingest_paths(store, [doc], settings=settings).results[0]
        after = store.passages("doc")
    assert (first.status, again.status, changed.status) == ("ingested", "unchanged", "replaced")
    assert len(after) == len(before) + 1
    assert before[0].id == after[0].id  # untouched paragraphs keep their ids


def test_manifest_metadata_and_defaults(corpus_copy: Path, settings: Settings) -> None:
    (corpus_copy / "extra.txt").write_text(GOOD_TEXT)
    with Store(settings.db) as store:
        report = ingest_paths(store, [corpus_copy], settings=settings)
        docs = {d.id: d for d in store.documents()}
    assert not report.rejected
    assert docs["003_9370619d500f480d"].meta.outlet == "New Eastern Outlook"
    assert docs["003_9370619d500f480d"].date == "2021-01-08"
    assert docs["extra"].meta.outlet == "unknown"


def test_explicit_manifest_with_ids(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "x.txt").write_text(GOOD_TEXT)
    manifest = tmp_path / "meta.csv"
    manifest.write_text(
        "file,outlet,kind,title,author,published,url,language,id\n"
        "x.txt,Wire,agency,X,,2020,,en,wire-x\n"
    )
    with Store(settings.db) as store:
        ingest_paths(store, [tmp_path / "x.txt"], settings=settings, manifest=manifest)
        assert [d.id for d in store.documents()] == ["wire-x"]


def test_offsets_point_into_the_stored_text(corpus_copy: Path, settings: Settings) -> None:
    with Store(settings.db) as store:
        ingest_paths(store, [corpus_copy], settings=settings)
        for document in store.documents():
            original = (corpus_copy / Path(document.source_path).name).read_text(encoding="utf-8")
            assert document.text == original
            for p in store.passages(document.id):
                assert original[p.start : p.end] == p.text


def test_oversized_file_is_rejected_by_the_limit(tmp_path: Path, settings: Settings) -> None:
    big = tmp_path / "big.txt"
    big.write_text("word " * 300_000)
    with Store(settings.db) as store:
        report = ingest_paths(store, [big], settings=settings.replace(max_file_mb=1.0))
    assert report.rejected[0].reason.startswith("file is 1.4 MB, over the 1 MB limit")


def test_failed_document_leaves_no_trace(tmp_path: Path, settings: Settings) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text(GOOD_TEXT)
    with Store(settings.db) as store:
        ingest_paths(store, [doc], settings=settings)
    conn = sqlite3.connect(settings.db)
    orphans = conn.execute(
        "SELECT count(*) FROM passages WHERE doc_id NOT IN (SELECT id FROM documents)"
    ).fetchone()[0]
    assert orphans == 0
