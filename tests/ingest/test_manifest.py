from pathlib import Path

import pytest
from conftest import CORPUS

from workbench.errors import ManifestError
from workbench.ingest.manifest import normalise_date, read_manifest


def test_bundled_manifest_lists_every_seed_with_metadata() -> None:
    manifest = read_manifest(CORPUS / "manifest.csv")
    assert len(manifest.entries) == 5
    neo = manifest.get(CORPUS / "003_9370619d500f480d.txt")
    assert neo is not None
    assert neo.meta.outlet == "New Eastern Outlook"
    assert neo.meta.kind == "Russian state-affiliated outlet"
    assert neo.meta.author == "Konstantin Asmolov"
    assert neo.meta.extra == {"covers": "2020"}
    assert neo.doc_id is None


def test_id_column_and_extra_columns(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text(
        "file,outlet,kind,title,author,published,url,language,id,topic\n"
        "a.txt,Outlet A,wire,T,,2020-05-01,https://x.example/a,en,doc-a,borders\n"
    )
    entry = read_manifest(tmp_path / "m.csv").get(tmp_path / "a.txt")
    assert entry is not None and entry.doc_id == "doc-a"
    assert entry.meta.extra == {"topic": "borders"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,outlet\na.txt,X\n", "has no 'file' column"),
        ("file,outlet\na.txt,X\na.txt,Y\n", "m.csv:3: a.txt is listed twice (first on line 2)"),
        (
            "file,outlet,id\na.txt,X,same\nb.txt,Y,same\n",
            "m.csv:3: id 'same' already used on line 2",
        ),
        ("file,outlet,id\na.txt,X,bad id!\n", "m.csv:2: id 'bad id!' may hold only"),
        ("file,outlet\n,X\n", "m.csv:2: empty 'file' cell"),
    ],
)
def test_bad_manifests_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "m.csv").write_text(content)
    with pytest.raises(ManifestError) as err:
        read_manifest(tmp_path / "m.csv")
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("published", "iso"),
    [
        ("January 2021", "2021-01"),
        ("2021", "2021"),
        ("8 January 2021", "2021-01-08"),
        ("08.01.2021", "2021-01-08"),
        ("2021-01-08T10:00", "2021-01-08"),
        ("January 8, 2021", "2021-01-08"),
        ("", ""),
        ("no date", ""),
    ],
)
def test_published_dates_are_normalised(published: str, iso: str) -> None:
    assert normalise_date(published) == iso
