"""The Corpus page: the documents table and uploads (one bad file does not stop the rest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import app_settings, session, texts

from workbench.config import Settings
from workbench.store import Store

pytestmark = pytest.mark.model

AGENCY = b"""Border report

Guards at the Chinese border were ordered to shoot anyone approaching it, officials said.

<img src=x onerror="alert('xss')"> [click me](javascript:alert(1)) was written on the wall.
"""


@pytest.fixture
def settings(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    return app_settings(tmp_path, tmp_path_factory, monkeypatch)


def test_documents_are_listed_with_their_metadata(settings) -> None:  # type: ignore[no-untyped-def]
    at = session(page="corpus")
    table = at.dataframe[0].value
    assert len(table) == 5
    neo = table[table["outlet"] == "New Eastern Outlook"].iloc[0]
    assert (neo["kind"], neo["date"], neo["passages"]) == (
        "Russian state-affiliated outlet",
        "2021-01-08",
        25,
    )


def test_the_pair_count_counts_two_passages_once_as_the_cli_and_readme_do(settings) -> None:  # type: ignore[no-untyped-def]
    at = session(page="corpus")
    with Store(settings.db) as store:
        pairs = len({r["pair_id"] for r in store.aligned_pairs()})
        rows = store.alignment_count()
    caption = " ".join(c.value for c in at.caption)
    assert f"{pairs} aligned pairs" in caption
    assert str(rows) not in caption


def test_uploading_a_bad_file_shows_its_error_and_keeps_the_good_ones(settings) -> None:  # type: ignore[no-untyped-def]
    at = session(page="corpus")
    at.file_uploader(key="corpus_upload").set_value(
        [
            ("agency.txt", AGENCY, "text/plain"),
            ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "application/pdf"),
        ]
    ).run()
    editor = at.data_editor(key="corpus_meta")
    assert list(editor.value["file"]) == ["agency.txt", "broken.pdf"]
    at.button(key="corpus_ingest").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value.replace("\\", "") for e in at.error]  # shown literally
    assert len(errors) == 1 and errors[0].startswith("broken.pdf: ")
    assert any(
        s.value.replace("\\", "").startswith("agency.txt: ingested as agency") for s in at.success
    )
    assert any("Aligned:" in s.value for s in at.success)
    with Store(settings.db) as store:
        assert "agency" in {d.id for d in store.documents()}
        assert store.aligned_pairs(doc_id="agency"), "the new document was not aligned"
        assert "broken" not in {d.id for d in store.documents()}

    # the hostile text in the upload is shown escaped wherever it appears
    at.switch_page("views/search.py").run()
    at.text_input(key="search_query").input("onerror").run()
    raw = "\n".join(str(m.value) for m in at.markdown)
    assert "<img" not in raw and "](javascript" not in raw
    assert "<img src=x onerror=\"alert('xss')\">" in texts(at)
