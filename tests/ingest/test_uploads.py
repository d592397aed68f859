from pathlib import Path

from conftest import make_pdf
from hypothesis import given
from hypothesis import strategies as st

from workbench.config import Settings
from workbench.ingest.uploads import Upload, ingest_uploads, safe_name
from workbench.models import DocumentMeta
from workbench.store import Store


@given(st.text(min_size=1))
def test_safe_names_stay_in_the_folder_and_are_not_hidden(name: str) -> None:
    cleaned = safe_name(name)
    assert "/" not in cleaned and "\\" not in cleaned
    assert not cleaned.startswith(".") and cleaned not in {"", "..", "."}


def test_safe_name_keeps_ordinary_names() -> None:
    assert safe_name("../../etc/NEO report 2021.TXT") == "NEO_report_2021.txt"
    assert safe_name("C:\\docs\\hrw.pdf") == "hrw.pdf"


def test_a_bad_file_is_reported_and_the_good_ones_are_ingested_with_metadata(
    tmp_path: Path, settings: Settings
) -> None:
    settings = settings.replace(uploads_dir=tmp_path / "uploads")
    good = Upload(
        "agency.txt",
        b"Guards were told to shoot.\n\nA second paragraph here.\n",
        DocumentMeta(outlet="News Agency", kind="wire", published="8 January 2021"),
    )
    pdf = Upload(
        "report.pdf",
        make_pdf([["Floods destroyed roads in August."]]),
        DocumentMeta(outlet="Rights Group"),
    )
    broken = Upload("broken.pdf", b"this is not a pdf", DocumentMeta(outlet="X"))
    unsupported = Upload("table.xlsx", b"PK\x03\x04", DocumentMeta())
    with Store(settings.db) as store:
        report = ingest_uploads(store, [good, broken, pdf, unsupported], settings)
        docs = {d.id: d for d in store.documents()}
    status = {r.path.name: r.status for r in report.results}
    assert status == {
        "table.xlsx": "rejected",
        "agency.txt": "ingested",
        "broken.pdf": "rejected",
        "report.pdf": "ingested",
    }
    reasons = {r.path.name: r.reason for r in report.rejected}
    assert reasons["table.xlsx"].startswith("unsupported file type; upload one of")
    assert reasons["broken.pdf"]
    assert docs["agency"].meta.outlet == "News Agency" and docs["agency"].date == "2021-01-08"
    assert docs["report"].meta.outlet == "Rights Group"
    assert (tmp_path / "uploads" / "agency.txt").exists()


def test_uploading_a_new_version_replaces_the_document(tmp_path: Path, settings: Settings) -> None:
    settings = settings.replace(uploads_dir=tmp_path / "uploads")
    with Store(settings.db) as store:
        ingest_uploads(store, [Upload("a.md", b"First version.\n")], settings)
        report = ingest_uploads(store, [Upload("a.md", b"Second version.\n")], settings)
        assert [r.status for r in report.results] == ["replaced"]
        assert [p.text for p in store.passages("a")] == ["Second version."]
